//! `PolicyException`s (`kyverno.io/v2`, `v2beta1`): resources a repository exempts
//! from named policy rules, as Kyverno's engine applies them
//! (`pkg/engine/utils/exceptions.go`, `api/kyverno/v2/policy_exception_types.go`):
//!
//! - an exception names rules by policy (`policyName`: the policy's name, or
//!   `namespace/name` for a namespaced `Policy`) and rule (`ruleNames`, wildcards
//!   allowed, matched against the rule's name as Kyverno reports it, so an
//!   auto-generated `autogen-<rule>` must be named itself or by a wildcard);
//! - it applies to a resource its `match` (`any` or `all`; an empty block matches
//!   nothing) admits, checked as Kyverno checks an exception's match: kinds, names,
//!   namespaces, annotations, selector and namespace selector, but not operations;
//!   and when its `conditions` hold on the resource;
//! - a rule an exception applies to is skipped on that resource;
//! - for a `validate.podSecurity` rule, exceptions listing `podSecurity` controls
//!   (`controlName`, `images`, `restrictedField`, `values`) exempt those controls
//!   only: Kyverno applies their entries after the rule's own `exclude`, one list
//!   after the other (`pkg/engine/handlers/validation/validate_pss.go`,
//!   `pss.ApplyPodSecurityExclusion`), which is the rule's `exclude` list with the
//!   exceptions' entries appended. One applying exception without `podSecurity`
//!   skips the rule as for any rule.

use hubspoke_manifest::PathSegment;
use serde_json::Value;

use crate::conditions;
use crate::context::Context;
use crate::matching::{
    annotations_match, kind_matches, namespaces_match, resource_name, selector_matches, string_map,
    MatchResources, MatchTarget, ResourceFilter,
};
use crate::pattern::wildcard;
use crate::pod_security;
use crate::policy::parse::{self, child, index, Problems};
use crate::policy::{Policy, PolicyKind, PolicyProblem};

/// A compiled `PolicyException`.
#[derive(Debug, Clone)]
pub struct PolicyException {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace` (`""` when unset).
    pub namespace: String,
    /// `spec.match`.
    pub matching: MatchResources,
    /// `spec.conditions`, as written.
    pub conditions: Option<Value>,
    /// `spec.exceptions`: the policies and rules exempted.
    pub exceptions: Vec<Exemption>,
    /// `spec.podSecurity`: the Pod Security controls exempted, each entry as
    /// written (the form of a `podSecurity` rule's `exclude` entries).
    pub pod_security: Vec<Value>,
    /// Problems found while compiling, at JSON paths into the document. An
    /// exception with problems is not applied.
    pub problems: Vec<PolicyProblem>,
}

/// One entry of `spec.exceptions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exemption {
    /// `policyName`: `name`, or `namespace/name` for a namespaced `Policy`.
    pub policy_name: String,
    /// `ruleNames` (wildcards allowed).
    pub rule_names: Vec<String>,
}

/// Whether a document is a `PolicyException` this crate reads.
pub fn is_policy_exception(document: &Value) -> bool {
    let api_version = document.get("apiVersion").and_then(Value::as_str);
    let kind = document.get("kind").and_then(Value::as_str);
    matches!(api_version, Some("kyverno.io/v2" | "kyverno.io/v2beta1"))
        && kind == Some("PolicyException")
}

impl PolicyException {
    /// Compile a `PolicyException` document; `None` when it is not one
    /// ([`is_policy_exception`]).
    pub fn compile(document: &Value) -> Option<PolicyException> {
        if !is_policy_exception(document) {
            return None;
        }
        let mut problems = Problems {
            rule: None,
            list: Vec::new(),
        };
        let metadata = document.get("metadata");
        let text = |key: &str| {
            metadata
                .and_then(|m| m.get(key))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        let spec_path = [PathSegment::Key("spec".to_owned())];
        let spec = document.get("spec");
        let matching = match spec.and_then(|s| s.get("match")) {
            Some(m) if !m.is_null() => {
                let at = child(&spec_path, "match");
                let block = parse::match_block(m, &at, &mut problems);
                if block.any.is_empty() && block.all.is_empty() {
                    problems.add(
                        &at,
                        "an exception's match needs `any` or `all` (it matches nothing otherwise)",
                    );
                }
                block
            }
            _ => {
                problems.add(&spec_path, "the exception has no match block");
                MatchResources::default()
            }
        };
        let conditions = spec
            .and_then(|s| s.get("conditions"))
            .filter(|c| !c.is_null())
            .cloned();
        if let Some(c) = &conditions {
            parse::conditions(c, &child(&spec_path, "conditions"), &mut problems);
        }
        let exceptions = exemptions(spec, &spec_path, &mut problems);
        let pod_security = pod_security::controls(
            spec.and_then(|s| s.get("podSecurity")),
            &child(&spec_path, "podSecurity"),
            &mut problems,
        );
        Some(PolicyException {
            name: text("name"),
            namespace: text("namespace"),
            matching,
            conditions,
            exceptions,
            pod_security,
            problems: problems.list,
        })
    }

    /// Whether the exception names `rule` (as Kyverno reports it) of `policy`.
    pub fn names(&self, policy: &Policy, rule: &str) -> bool {
        let key = match (policy.kind, &policy.namespace) {
            (PolicyKind::Policy, Some(namespace)) => format!("{namespace}/{}", policy.name),
            _ => policy.name.clone(),
        };
        self.exceptions.iter().any(|e| {
            e.policy_name == key && e.rule_names.iter().any(|r| wildcard::matches(r, rule))
        })
    }

    /// Whether the exception applies to the resource of `target`, whose variables
    /// `ctx` holds (for `conditions`). A condition that cannot be evaluated makes
    /// the exception not apply, as in Kyverno.
    pub fn applies_to(&self, target: &MatchTarget<'_>, ctx: &Context) -> bool {
        if !self.problems.is_empty() || !self.admits(target) {
            return false;
        }
        match &self.conditions {
            None => true,
            Some(c) => conditions::evaluate(c, ctx).unwrap_or(false),
        }
    }

    /// `checkMatchesResources`: `any`, else `all`, else nothing.
    fn admits(&self, target: &MatchTarget<'_>) -> bool {
        if !self.matching.any.is_empty() {
            self.matching.any.iter().any(|f| filter_holds(f, target))
        } else if !self.matching.all.is_empty() {
            self.matching.all.iter().all(|f| filter_holds(f, target))
        } else {
            false
        }
    }
}

/// `checkResourceFilter`: an empty filter holds for nothing; user fields cannot be
/// known offline, so a filter naming users holds for nothing either.
fn filter_holds(filter: &ResourceFilter, target: &MatchTarget<'_>) -> bool {
    let user = &filter.user;
    if !user.roles.is_empty() || !user.cluster_roles.is_empty() || !user.subjects.is_empty() {
        return false;
    }
    let block = &filter.resources;
    if block == &Default::default() {
        return false;
    }
    if !block.kinds.is_empty() && !kind_matches(&block.kinds, target) {
        return false;
    }
    let metadata = target.resource.get("metadata");
    let name = resource_name(metadata);
    if block
        .name
        .as_ref()
        .is_some_and(|n| !wildcard::matches(n, name))
    {
        return false;
    }
    if !block.names.is_empty() && !block.names.iter().any(|n| wildcard::matches(n, name)) {
        return false;
    }
    if !namespaces_match(block, target, name) || !annotations_match(block, metadata) {
        return false;
    }
    if let Some(selector) = &block.selector {
        let labels = string_map(metadata.and_then(|m| m.get("labels")));
        if !selector_matches(selector, &labels).unwrap_or(false) {
            return false;
        }
    }
    if let Some(selector) = &block.namespace_selector {
        // Not checked for a Namespace or a kindless resource, as in Kyverno.
        if target.kind != "Namespace"
            && !target.kind.is_empty()
            && !selector_matches(selector, target.namespace_labels).unwrap_or(false)
        {
            return false;
        }
    }
    true
}

/// `spec.exceptions`; an entry without `policyName` is a problem.
fn exemptions(
    spec: Option<&Value>,
    spec_path: &[PathSegment],
    problems: &mut Problems<'_>,
) -> Vec<Exemption> {
    let at = child(spec_path, "exceptions");
    let list = match spec.and_then(|s| s.get("exceptions")) {
        Some(Value::Array(list)) if !list.is_empty() => list,
        _ => {
            problems.add(&at, "the exception lists no policies and rules to exempt");
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (i, entry) in list.iter().enumerate() {
        let entry_path = index(&at, i);
        let policy_name = entry
            .get("policyName")
            .and_then(Value::as_str)
            .unwrap_or("");
        if policy_name.is_empty() {
            problems.add(&entry_path, "an exception requires a policy name");
            continue;
        }
        out.push(Exemption {
            policy_name: policy_name.to_owned(),
            rule_names: parse::strings(
                entry.get("ruleNames"),
                &child(&entry_path, "ruleNames"),
                problems,
            ),
        });
    }
    out
}

#[cfg(test)]
mod tests;
