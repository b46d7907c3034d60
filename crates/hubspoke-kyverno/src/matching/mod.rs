//! `match` and `exclude` (Kyverno `pkg/engine/utils/match.go`,
//! `pkg/utils/match`): which resources a rule applies to.
//!
//! Kinds (`Pod`, `apps/v1/Deployment`, `*/Pod/ephemeralcontainers`, wildcards),
//! names, namespaces, annotations, label selectors and namespace selectors
//! (the caller supplies the namespace's labels), operations, combined with
//! `any`/`all`. `subjects`, `roles` and `clusterRoles` depend on who sends the
//! request, which a repository cannot tell: [`UserInfoMode`] says how to treat
//! them.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::pattern::{has_wildcard, wildcard};

/// A rule's `match` or `exclude` block.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MatchResources {
    /// `any`: one filter must hold.
    pub any: Vec<ResourceFilter>,
    /// `all`: every filter must hold.
    pub all: Vec<ResourceFilter>,
    /// The legacy form: `resources` (and user fields) directly in the block.
    pub direct: ResourceFilter,
}

/// One filter: what the resource is, and who sends it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResourceFilter {
    /// `resources`.
    pub resources: ResourceDescription,
    /// `subjects`, `roles`, `clusterRoles`.
    pub user: UserFilter,
}

/// `resources`: kinds, names, namespaces, selectors, operations.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResourceDescription {
    /// Kind selectors as written.
    pub kinds: Vec<String>,
    /// `name` (deprecated single name).
    pub name: Option<String>,
    /// `names`.
    pub names: Vec<String>,
    /// `namespaces`.
    pub namespaces: Vec<String>,
    /// `annotations`.
    pub annotations: BTreeMap<String, String>,
    /// `selector`.
    pub selector: Option<LabelSelector>,
    /// `namespaceSelector`.
    pub namespace_selector: Option<LabelSelector>,
    /// `operations` (`CREATE`, `UPDATE`, `DELETE`, `CONNECT`).
    pub operations: Vec<String>,
}

/// `subjects`, `roles`, `clusterRoles`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserFilter {
    /// `roles` (`namespace:name`).
    pub roles: Vec<String>,
    /// `clusterRoles`.
    pub cluster_roles: Vec<String>,
    /// `subjects`: `(kind, name, namespace)`.
    pub subjects: Vec<Subject>,
}

/// An RBAC subject.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subject {
    /// `User`, `Group` or `ServiceAccount`.
    pub kind: String,
    /// The name (wildcards allowed).
    pub name: String,
    /// For service accounts.
    pub namespace: String,
}

/// A Kubernetes label selector.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelSelector {
    /// `matchLabels` (wildcards allowed, Kyverno's extension).
    pub match_labels: BTreeMap<String, String>,
    /// `matchExpressions`.
    pub match_expressions: Vec<LabelRequirement>,
}

/// One `matchExpressions` entry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelRequirement {
    /// The label key.
    pub key: String,
    /// `In`, `NotIn`, `Exists`, `DoesNotExist`.
    pub operator: String,
    /// The values.
    pub values: Vec<String>,
}

/// The requester, when known (the Kyverno CLI's `userInfo` file).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestInfo {
    /// Namespaced roles bound to the user (`namespace:name`).
    pub roles: Vec<String>,
    /// Cluster roles bound to the user.
    pub cluster_roles: Vec<String>,
    /// The user name.
    pub username: String,
    /// The user's groups.
    pub groups: Vec<String>,
}

impl RequestInfo {
    fn is_empty(&self) -> bool {
        *self == RequestInfo::default()
    }
}

/// How `subjects`/`roles`/`clusterRoles` are decided.
#[derive(Debug, Clone, PartialEq)]
pub enum UserInfoMode {
    /// Offline linting: a rule whose `match`/`exclude` names users cannot be
    /// decided (the evaluator reports it as such before matching).
    Unknown,
    /// As the Kyverno CLI does, with this requester (empty when the test has
    /// no `userInfo` file: then `match` ignores user fields and an `exclude`
    /// naming users never excludes).
    Cli(RequestInfo),
}

/// What a resource is, for matching.
#[derive(Debug, Clone)]
pub struct MatchTarget<'a> {
    /// The resource.
    pub resource: &'a Value,
    /// API group (`""` for the core group).
    pub group: &'a str,
    /// API version (`v1`).
    pub version: &'a str,
    /// Kind.
    pub kind: &'a str,
    /// Subresource (`""` for the resource itself).
    pub subresource: &'a str,
    /// The resource's namespace (`""` when cluster-scoped).
    pub namespace: &'a str,
    /// Labels of that namespace, when known.
    pub namespace_labels: &'a BTreeMap<String, String>,
    /// The admission operation (`CREATE`).
    pub operation: &'a str,
}

impl MatchResources {
    /// Whether any filter is set at all.
    pub fn is_empty(&self) -> bool {
        self.any.is_empty() && self.all.is_empty() && self.direct.is_empty()
    }

    /// Whether some filter names users (subjects, roles, cluster roles).
    pub fn names_users(&self) -> bool {
        self.any
            .iter()
            .chain(&self.all)
            .chain(std::iter::once(&self.direct))
            .any(|f| !f.user.is_empty())
    }

    /// The kind selectors of every filter.
    pub fn kinds(&self) -> Vec<&str> {
        self.any
            .iter()
            .chain(&self.all)
            .chain(std::iter::once(&self.direct))
            .flat_map(|f| f.resources.kinds.iter().map(String::as_str))
            .collect()
    }
}

impl MatchResources {
    /// Whether the block may match `target` as far as kinds tell: `false` only
    /// when [`rule_applies`] would reject it, its kinds alone ruling it out (every
    /// `any` filter names other kinds, or one `all` filter, or the legacy block
    /// does). A cheap test before the full match, which most rules of a policy
    /// set fail on kinds.
    pub fn may_match_kind(&self, target: &MatchTarget<'_>) -> bool {
        let rules_out = |f: &ResourceFilter| {
            !f.resources.kinds.is_empty() && !kind_matches(&f.resources.kinds, target)
        };
        if !self.any.is_empty() {
            !self.any.iter().all(rules_out)
        } else if !self.all.is_empty() {
            !self.all.iter().any(rules_out)
        } else {
            !rules_out(&self.direct)
        }
    }
}

/// The kind names a `match` block can admit, read once from its kind
/// selectors: a rule's first test on every object, before
/// [`MatchResources::may_match_kind`] parses the selectors (`apps/v1/Deployment`
/// for the rules generated for pod controllers) and compares their groups and
/// versions. It only answers "ruled out" where that test would.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KindPrefilter {
    /// The object's kind must be in each list (`any` or the legacy block: one
    /// list, the kinds of every filter; `all`: one list per filter). Filters
    /// without kinds or with a wildcard kind give no list.
    required: Vec<Vec<String>>,
}

impl KindPrefilter {
    /// The prefilter of a `match` block.
    pub fn new(matching: &MatchResources) -> KindPrefilter {
        // The kind names of a filter's selectors; `None` when it admits any kind.
        let names = |f: &ResourceFilter| -> Option<Vec<String>> {
            if f.resources.kinds.is_empty() {
                return None;
            }
            let kinds: Vec<&str> = f.resources.kinds.iter().map(|k| selector_kind(k)).collect();
            (!kinds.iter().any(|k| has_wildcard(k)))
                .then(|| kinds.into_iter().map(str::to_owned).collect())
        };
        let required = if !matching.any.is_empty() {
            let every: Option<Vec<Vec<String>>> = matching.any.iter().map(names).collect();
            every.map(|lists| lists.concat()).into_iter().collect()
        } else if !matching.all.is_empty() {
            matching.all.iter().filter_map(names).collect()
        } else {
            names(&matching.direct).into_iter().collect()
        };
        KindPrefilter { required }
    }

    /// Whether the kinds alone rule out an object of `kind` (then
    /// [`MatchResources::may_match_kind`] is `false` too).
    pub fn rules_out(&self, kind: &str) -> bool {
        self.required
            .iter()
            .any(|names| !names.iter().any(|n| n == kind))
    }
}

impl ResourceFilter {
    fn is_empty(&self) -> bool {
        self.resources.is_empty() && self.user.is_empty()
    }
}

impl ResourceDescription {
    fn is_empty(&self) -> bool {
        let ResourceDescription {
            kinds,
            name,
            names,
            namespaces,
            annotations,
            selector,
            namespace_selector,
            operations,
        } = self;
        kinds.is_empty()
            && name.is_none()
            && names.is_empty()
            && namespaces.is_empty()
            && annotations.is_empty()
            && selector.is_none()
            && namespace_selector.is_none()
            && operations.is_empty()
    }
}

impl UserFilter {
    fn is_empty(&self) -> bool {
        self.roles.is_empty() && self.cluster_roles.is_empty() && self.subjects.is_empty()
    }
}

/// `MatchesResourceDescription`: whether the rule applies, else why not.
pub fn rule_applies(
    target: &MatchTarget<'_>,
    matching: &MatchResources,
    exclude: Option<&MatchResources>,
    requester: &RequestInfo,
) -> Result<(), String> {
    let matched = if !matching.any.is_empty() {
        matching
            .any
            .iter()
            .any(|f| match_filter(target, f, requester).is_empty())
            .then_some(())
            .ok_or_else(|| "no resource matched".to_owned())
    } else if !matching.all.is_empty() {
        let reasons: Vec<String> = matching
            .all
            .iter()
            .flat_map(|f| match_filter(target, f, requester))
            .collect();
        reasons_to_result(reasons)
    } else {
        reasons_to_result(match_filter(target, &matching.direct, requester))
    };
    matched?;
    let Some(exclude) = exclude.filter(|e| !e.is_empty()) else {
        return Ok(());
    };
    if !exclude.any.is_empty() {
        if exclude.any.iter().any(|f| excludes(target, f, requester)) {
            return Err("resource excluded since one of the criteria excluded it".to_owned());
        }
    } else if !exclude.all.is_empty() {
        if exclude.all.iter().all(|f| excludes(target, f, requester)) {
            return Err(
                "resource excluded since the combination of all criteria exclude it".to_owned(),
            );
        }
    } else if excludes(target, &exclude.direct, requester) {
        return Err("resource excluded since one of the criteria excluded it".to_owned());
    }
    Ok(())
}

fn reasons_to_result(reasons: Vec<String>) -> Result<(), String> {
    if reasons.is_empty() {
        Ok(())
    } else {
        Err(reasons.join("; "))
    }
}

/// `matchesResourceDescriptionMatchHelper`: the reasons it does not match.
fn match_filter(
    target: &MatchTarget<'_>,
    filter: &ResourceFilter,
    requester: &RequestInfo,
) -> Vec<String> {
    // Kyverno drops user fields from `match` when the request carries no user.
    let empty = UserFilter::default();
    let user = if requester.is_empty() {
        &empty
    } else {
        &filter.user
    };
    if filter.resources.is_empty() && user.is_empty() {
        return vec!["match cannot be empty".to_owned()];
    }
    block_mismatches(target, &filter.resources, user, requester)
}

/// `matchesResourceDescriptionExcludeHelper`: whether the filter excludes.
fn excludes(target: &MatchTarget<'_>, filter: &ResourceFilter, requester: &RequestInfo) -> bool {
    if filter.is_empty() {
        return false;
    }
    block_mismatches(target, &filter.resources, &filter.user, requester).is_empty()
}

/// `doesResourceMatchConditionBlock`: every reason the block does not hold.
fn block_mismatches(
    target: &MatchTarget<'_>,
    block: &ResourceDescription,
    user: &UserFilter,
    requester: &RequestInfo,
) -> Vec<String> {
    if !block.operations.is_empty() && !block.operations.iter().any(|o| o == target.operation) {
        return vec!["operation does not match".to_owned()];
    }
    let mut reasons = Vec::new();
    if !block.kinds.is_empty() && !kind_matches(&block.kinds, target) {
        reasons.push(format!("kind does not match {:?}", block.kinds));
    }
    let metadata = target.resource.get("metadata");
    let name = resource_name(metadata);
    if let Some(expected) = &block.name {
        if !wildcard::matches(expected, name) {
            reasons.push("name does not match".to_owned());
        }
    }
    if !block.names.is_empty() && !block.names.iter().any(|n| wildcard::matches(n, name)) {
        reasons.push("none of the names match".to_owned());
    }
    if !namespaces_match(block, target, name) {
        reasons.push("namespace does not match".to_owned());
    }
    if !annotations_match(block, metadata) {
        reasons.push("annotations does not match".to_owned());
    }
    if let Some(selector) = &block.selector {
        let labels = string_map(metadata.and_then(|m| m.get("labels")));
        match selector_matches(selector, &labels) {
            Ok(true) => {}
            Ok(false) => reasons.push("selector does not match".to_owned()),
            Err(e) => reasons.push(format!("failed to parse selector: {e}")),
        }
    }
    if let Some(selector) = &block.namespace_selector {
        if target.kind == "Namespace" {
            reasons.push("namespace selector is not applicable for namespace resource".to_owned());
        } else if !target.kind.is_empty() {
            match selector_matches(selector, target.namespace_labels) {
                Ok(true) => {}
                Ok(false) => reasons.push("namespace selector does not match labels".to_owned()),
                Err(e) => reasons.push(format!("failed to parse namespace selector: {e}")),
            }
        }
    }
    if !user.roles.is_empty() && !user.roles.iter().any(|r| requester.roles.contains(r)) {
        reasons.push("user info does not match roles for the given conditionBlock".to_owned());
    }
    if !user.cluster_roles.is_empty()
        && !user
            .cluster_roles
            .iter()
            .any(|r| requester.cluster_roles.contains(r))
    {
        reasons
            .push("user info does not match clustersRoles for the given conditionBlock".to_owned());
    }
    if !user.subjects.is_empty() && !subjects_match(&user.subjects, requester) {
        reasons.push("user info does not match subject for the given conditionBlock".to_owned());
    }
    reasons
}

fn subjects_match(subjects: &[Subject], requester: &RequestInfo) -> bool {
    subjects.iter().any(|s| match s.kind.as_str() {
        "ServiceAccount" => wildcard::matches(
            &format!("system:serviceaccount:{}:{}", s.namespace, s.name),
            &requester.username,
        ),
        "Group" => requester
            .groups
            .iter()
            .any(|g| wildcard::matches(&s.name, g)),
        "User" => wildcard::matches(&s.name, &requester.username),
        _ => false,
    })
}

/// The name a block's `name`/`names` match: `metadata.name`, else
/// `metadata.generateName`.
pub(crate) fn resource_name(metadata: Option<&Value>) -> &str {
    let text = |key: &str| {
        metadata
            .and_then(|m| m.get(key))
            .and_then(Value::as_str)
            .unwrap_or("")
    };
    match text("name") {
        "" => text("generateName"),
        name => name,
    }
}

/// A block's `namespaces` (none: any): a Namespace matches by its own name.
pub(crate) fn namespaces_match(
    block: &ResourceDescription,
    target: &MatchTarget<'_>,
    name: &str,
) -> bool {
    if block.namespaces.is_empty() {
        return true;
    }
    let namespace = if target.kind == "Namespace" {
        name
    } else {
        target.namespace
    };
    block
        .namespaces
        .iter()
        .any(|n| wildcard::matches(n, namespace))
}

/// A block's `annotations` (none: any): every expected pair matches some
/// annotation, keys and values as wildcards.
pub(crate) fn annotations_match(block: &ResourceDescription, metadata: Option<&Value>) -> bool {
    if block.annotations.is_empty() {
        return true;
    }
    let actual = string_map(metadata.and_then(|m| m.get("annotations")));
    block.annotations.iter().all(|(k, v)| {
        actual
            .iter()
            .any(|(k1, v1)| wildcard::matches(k, k1) && wildcard::matches(v, v1))
    })
}

pub(crate) fn string_map(value: Option<&Value>) -> BTreeMap<String, String> {
    value
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// `matchutils.CheckKind`: any selector matches group, version, kind and
/// subresource (ephemeral containers of a Pod match a Pod selector).
pub fn kind_matches(kinds: &[String], target: &MatchTarget<'_>) -> bool {
    kinds.iter().any(|selector| {
        // Most selectors are a bare kind, which parses to itself in any group and
        // version: this runs for every rule on every object.
        let (group, version, kind, sub) = if selector.contains(['/', '.']) {
            parse_kind_selector(selector)
        } else {
            ("*", "*", selector.as_str(), "")
        };
        if !(wildcard::matches(group, target.group)
            && wildcard::matches(version, target.version)
            && wildcard::matches(kind, target.kind))
        {
            return false;
        }
        wildcard::matches(sub, target.subresource)
            || (target.group.is_empty()
                && target.version == "v1"
                && target.kind == "Pod"
                && target.subresource == "ephemeralcontainers")
    })
}

/// `kubeutils.ParseKindSelector`: `Kind`, `version/Kind`, `group/version/Kind`,
/// with an optional `/subresource` or `.subresource`.
pub fn parse_kind_selector(input: &str) -> (&str, &str, &str, &str) {
    // At most four parts are meaningful: a fifth makes the selector invalid, so
    // the parts are gathered without allocating (this runs for every rule and object).
    let mut parts: [&str; 5] = [""; 5];
    let mut count = 0;
    let (head, last) = input.rsplit_once('/').map_or(("", input), |(h, l)| (h, l));
    let head_parts = (!head.is_empty() || input.starts_with('/'))
        .then(|| head.split('/'))
        .into_iter()
        .flatten();
    for part in head_parts.chain(last.split('.')) {
        if count == parts.len() {
            return ("", "", "", "");
        }
        parts[count] = part;
        count += 1;
    }
    let is_version = |p: &str| p == "*" || is_api_version(p);
    match &parts[..count] {
        [kind] => ("*", "*", kind, ""),
        ["*", "*"] => ("*", "*", "*", "*"),
        ["*", sub] if sub.to_lowercase() == *sub => ("*", "*", "*", sub),
        [version, kind] if is_version(version) => ("*", version, kind, ""),
        [kind, sub] => ("*", "*", kind, sub),
        [version, kind, sub] if is_version(version) => ("*", version, kind, sub),
        [group, version, kind] => (group, version, kind, ""),
        [group, version, kind, sub] => (group, version, kind, sub),
        _ => ("", "", "", ""),
    }
}

/// `^v\d+((alpha|beta)\d+)?$`.
fn is_api_version(text: &str) -> bool {
    let Some(rest) = text.strip_prefix('v') else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return false;
    }
    let rest = &rest[digits..];
    if rest.is_empty() {
        return true;
    }
    let tail = rest
        .strip_prefix("alpha")
        .or_else(|| rest.strip_prefix("beta"));
    tail.is_some_and(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
}

/// The kind name a selector names (`apps/v1/Deployment` → `Deployment`).
pub fn selector_kind(selector: &str) -> &str {
    parse_kind_selector(selector).2
}

/// `matchutils.CheckSelector`: wildcard `matchLabels` entries are replaced by
/// the resource label they match (or have their wildcards turned into `0`),
/// then the selector is evaluated as Kubernetes does.
pub fn selector_matches(
    selector: &LabelSelector,
    labels: &BTreeMap<String, String>,
) -> Result<bool, String> {
    for (key, value) in &selector.match_labels {
        let (key, value) = if has_wildcard(key) || has_wildcard(value) {
            labels
                .iter()
                .find(|(k, v)| wildcard::matches(key, k) && wildcard::matches(value, v))
                .map(|(k, v)| (k.clone(), v.clone()))
                .unwrap_or_else(|| (key.replace(['*', '?'], "0"), value.replace(['*', '?'], "0")))
        } else {
            (key.clone(), value.clone())
        };
        if labels.get(&key) != Some(&value) {
            return Ok(false);
        }
    }
    let mut result = true;
    for requirement in &selector.match_expressions {
        let holds = match requirement.operator.as_str() {
            "In" | "NotIn" if requirement.values.is_empty() => {
                return Err(format!(
                    "values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty ({})",
                    requirement.key
                ))
            }
            "Exists" | "DoesNotExist" if !requirement.values.is_empty() => {
                return Err(format!(
                    "values: Invalid value: {:?}: values set must be empty for exists and does not exist",
                    requirement.values
                ))
            }
            "In" => labels
                .get(&requirement.key)
                .is_some_and(|v| requirement.values.contains(v)),
            "NotIn" => labels
                .get(&requirement.key)
                .is_none_or(|v| !requirement.values.contains(v)),
            "Exists" => labels.contains_key(&requirement.key),
            "DoesNotExist" => !labels.contains_key(&requirement.key),
            other => return Err(format!("{other:?} is not a valid label selector operator")),
        };
        result &= holds;
    }
    Ok(result)
}

#[cfg(test)]
mod tests;
