//! The evaluation driver: a compiled policy against one resource, rule by
//! rule, as Kyverno's engine does (`pkg/engine/validation.go`,
//! `pkg/engine/handlers/validation/validate_resource.go`): match and exclude,
//! the rule's context, preconditions, then the check (pattern, anyPattern,
//! deny, foreach) — one [`RuleResult`] per rule that produced a response.

mod element_path;
mod validator;

use std::collections::BTreeMap;
use std::time::Duration;

use hubspoke_manifest::PathSegment;
use serde_json::Value;

use crate::context::{Context, RepositoryData, ResourceVariables};
use crate::exception::PolicyException;
use crate::matching::{rule_applies, MatchTarget, RequestInfo, UserInfoMode};
use crate::pattern::Violation;
use crate::policy::{Policy, PolicyKind, Rule, RuleBody};

pub use validator::Verdict;

/// The outcome of one rule on one resource.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The resource satisfies the rule.
    Pass,
    /// The resource violates the rule: every failing field.
    Fail {
        /// The failing fields (for `deny` rules, the resource or the
        /// `foreach` element that was denied).
        violations: Vec<Violation>,
    },
    /// The rule does not apply (preconditions, conditional anchors).
    Skip {
        /// Why.
        reason: String,
    },
    /// The rule could not be evaluated on this resource (a JMESPath or
    /// substitution error), as Kyverno reports an error result.
    Error {
        /// What went wrong.
        message: String,
    },
    /// The rule cannot be decided offline.
    NotDecidable {
        /// What it would need.
        needs: String,
    },
    /// A `validate.podSecurity` rule, left to the Pod Security rules
    /// ([`crate::pod_security`]).
    PodSecurity {
        /// `privileged`, `baseline`, `restricted`.
        level: String,
        /// The version (`None`: latest).
        version: Option<String>,
        /// The rule's `exclude` list, as written.
        exclude: Value,
        /// The `podSecurity` controls of the exceptions that apply to the
        /// resource (each lists some: one that does not skips the rule).
        exception_controls: Vec<Value>,
        /// Those exceptions' keys (`name` or `namespace/name`), in order.
        exceptions: Vec<String>,
    },
}

/// The result of one rule on one resource.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleResult {
    /// The policy's name.
    pub policy: String,
    /// The policy's namespace (namespaced `Policy` only).
    pub policy_namespace: Option<String>,
    /// The rule's name as Kyverno reports it (`autogen-…` included).
    pub rule: String,
    /// Index of the rule in [`Policy::rules`] (its metadata and JSON path).
    pub rule_index: usize,
    /// The resource.
    pub resource: ResourceId,
    /// What happened.
    pub outcome: Outcome,
    /// The rule's message with its variables substituted (Kyverno's text for
    /// failures and errors).
    pub message: Option<String>,
    /// For failures: the rule's own `validate.message` with its variables
    /// substituted, without Kyverno's framing (`validation error: …`, `rule
    /// … failed at path …`); `None` when the rule has none.
    pub rule_message: Option<String>,
}

/// Which resource a result is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ResourceId {
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// The namespace (`""` when cluster-scoped).
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
}

/// How resources are evaluated.
#[derive(Debug, Clone)]
pub struct Options {
    /// The admission operation simulated (`CREATE`, as the Kyverno CLI).
    pub operation: String,
    /// Whether a values file's `request.operation` for a (policy, resource)
    /// picks the operation instead (the Kyverno CLI's run without an explicit
    /// operation).
    pub values_pick_operation: bool,
    /// How user fields (`subjects`, `roles`…) are decided.
    pub user_info: UserInfoMode,
    /// Kyverno CLI semantics: rules reading `request.oldObject` or matching
    /// only UPDATE requests are evaluated as the CLI does for the operation,
    /// and rules with problems Kyverno accepts are evaluated. Off (linting),
    /// such rules are reported as not decidable and rules with problems are
    /// not evaluated.
    pub cli_semantics: bool,
    /// How long one rule may run on one resource; past it the rule stops with
    /// an error result. `None`: no limit (the Kyverno CLI has none).
    pub time_limit: Option<Duration>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            operation: "CREATE".to_owned(),
            values_pick_operation: false,
            user_info: UserInfoMode::Unknown,
            cli_semantics: false,
            time_limit: None,
        }
    }
}

/// One resource and what the repository knows around it.
#[derive(Debug, Clone)]
pub struct ResourceInput<'a> {
    /// The resource.
    pub resource: &'a Value,
    /// Its effective namespace (`None`: its own `metadata.namespace`).
    pub namespace: Option<&'a str>,
    /// The labels of that namespace.
    pub namespace_labels: &'a BTreeMap<String, String>,
    /// The subresource (`""` for the resource itself).
    pub subresource: &'a str,
    /// Values to set in the context (a kyverno-test values file).
    pub values: Option<&'a Values>,
}

/// Values a kyverno-test values file gives, by dotted variable name
/// (`request.object.metadata.name`, `ns.count`).
#[derive(Debug, Clone, Default)]
pub struct Values {
    /// `globalValues`: for every policy and resource.
    pub global: Vec<(String, Value)>,
    /// `policies[].resources[].values`: by (policy, resource name).
    pub per_resource: BTreeMap<(String, String), Vec<(String, Value)>>,
    /// `policies[].rules[].values`: by (policy, rule); they stand in for the
    /// rule's context entries, set before those load.
    pub per_rule: BTreeMap<(String, String), Vec<(String, Value)>>,
}

/// Evaluate every rule of a policy on a resource. Only rules that produce a
/// response appear: a rule that does not match the resource yields nothing,
/// as in Kyverno.
pub fn evaluate_policy(
    policy: &Policy,
    input: &ResourceInput<'_>,
    options: &Options,
    repository: &dyn RepositoryData,
) -> Vec<RuleResult> {
    let variables = ResourceVariables::new(input.resource);
    evaluate_policy_with(policy, input, &variables, &[], options, repository)
}

/// [`evaluate_policy`] with the variables of `input.resource` converted once for
/// every policy evaluated on it (`variables` must be those of `input.resource`),
/// and the repository's [`PolicyException`]s: a rule an exception applies to is
/// skipped on the resource.
pub fn evaluate_policy_with(
    policy: &Policy,
    input: &ResourceInput<'_>,
    variables: &ResourceVariables<'_>,
    exceptions: &[PolicyException],
    options: &Options,
    repository: &dyn RepositoryData,
) -> Vec<RuleResult> {
    // Values may rewrite the object itself (`request.object.metadata.…`);
    // the CLI then matches and validates the rewritten object.
    let injected = injected_object(policy, input);
    let rewritten;
    let rewritten_variables;
    let (input, variables) = match &injected {
        Some(object) => {
            rewritten = ResourceInput {
                resource: object,
                ..input.clone()
            };
            rewritten_variables = ResourceVariables::new(object);
            (&rewritten, &rewritten_variables)
        }
        None => (input, variables),
    };
    let resource = input.resource;
    let metadata = resource.get("metadata");
    fn text(value: Option<&Value>) -> &str {
        value.and_then(Value::as_str).unwrap_or("")
    }
    let namespace = input
        .namespace
        .unwrap_or_else(|| text(metadata.and_then(|m| m.get("namespace"))));
    let id = ResourceId {
        api_version: text(resource.get("apiVersion")).to_owned(),
        kind: text(resource.get("kind")).to_owned(),
        namespace: namespace.to_owned(),
        name: text(metadata.and_then(|m| m.get("name"))).to_owned(),
    };
    if let (PolicyKind::Policy, Some(policy_namespace)) = (policy.kind, &policy.namespace) {
        if namespace != policy_namespace || namespace.is_empty() {
            return Vec::new();
        }
    }
    let picked;
    let options = match values_operation(policy, &id.name, input.values)
        .filter(|_| options.values_pick_operation)
    {
        Some(operation) => {
            picked = Options {
                operation,
                ..options.clone()
            };
            &picked
        }
        None => options,
    };
    let (group, version) = match id.api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", id.api_version.as_str()),
    };
    let target = MatchTarget {
        resource,
        group,
        version,
        kind: &id.kind,
        subresource: input.subresource,
        namespace,
        namespace_labels: input.namespace_labels,
        operation: &options.operation,
    };
    let requester = match &options.user_info {
        UserInfoMode::Cli(info) => info.clone(),
        UserInfoMode::Unknown => RequestInfo::default(),
    };
    let mut results = Vec::new();
    // Built for the first rule that needs it, shared by the others.
    let mut base_context: Option<Context> = None;
    for (index, rule) in policy.rules.iter().enumerate() {
        if !options.cli_semantics && !rule.problems.is_empty() {
            continue;
        }
        // Most rules are for other kinds: rejected before the full match, by
        // name first, then by group and version.
        if rule.kind_prefilter.rules_out(&id.kind) || !rule.matching.may_match_kind(&target) {
            continue;
        }
        if rule_applies(&target, &rule.matching, rule.exclude.as_ref(), &requester).is_err() {
            continue;
        }
        let result = |outcome, message, rule_message| RuleResult {
            policy: policy.name.clone(),
            policy_namespace: policy.namespace.clone(),
            rule: rule.name.clone(),
            rule_index: index,
            resource: id.clone(),
            outcome,
            message,
            rule_message,
        };
        let exemption = exempted(exceptions, policy, rule, &target, &mut base_context, || {
            new_base_context(policy, input, variables, namespace, options, &requester)
        });
        let (exempted_keys, exempted_controls) = match exemption {
            Exempted::No => (Vec::new(), Vec::new()),
            Exempted::Rule(reason) => {
                results.push(result(Outcome::Skip { reason }, None, None));
                continue;
            }
            Exempted::Controls { keys, controls } => (keys, controls),
        };
        let mut answer = evaluate_rule(
            &mut base_context,
            policy,
            rule,
            input,
            variables,
            namespace,
            options,
            &requester,
            repository,
        );
        if let MaybeOutcome::Some(Outcome::PodSecurity {
            exception_controls,
            exceptions,
            ..
        }) = &mut answer.outcome
        {
            *exception_controls = exempted_controls;
            *exceptions = exempted_keys;
        }
        let applied = matches!(
            answer.outcome,
            MaybeOutcome::Some(Outcome::Pass | Outcome::Fail { .. })
        );
        if let Some(outcome) = answer.outcome.into_option() {
            results.push(result(outcome, answer.message, answer.summary));
        }
        if policy.apply_one && applied {
            break;
        }
    }
    results
}

/// What the exceptions that apply to a resource do to one rule.
#[derive(Debug)]
enum Exempted {
    /// Nothing: no exception names the rule and applies.
    No,
    /// The rule is skipped, for Kyverno's reason.
    Rule(String),
    /// A `podSecurity` rule runs with these controls exempted besides its own
    /// `exclude` (every applying exception lists `podSecurity` controls).
    Controls {
        /// The applying exceptions' keys.
        keys: Vec<String>,
        /// Their controls, in order.
        controls: Vec<Value>,
    },
}

/// What the exceptions naming `rule` that apply to the resource of `target` do
/// to it. A rule is skipped, with Kyverno's message, unless it is a
/// `podSecurity` rule and every such exception lists `podSecurity` controls:
/// then their controls are exempted (Kyverno's `validate_pss.go`).
fn exempted(
    exceptions: &[PolicyException],
    policy: &Policy,
    rule: &Rule,
    target: &MatchTarget<'_>,
    base_context: &mut Option<Context>,
    new_context: impl FnOnce() -> Context,
) -> Exempted {
    let mut named = exceptions
        .iter()
        .filter(|e| e.names(policy, &rule.name))
        .peekable();
    if named.peek().is_none() {
        return Exempted::No;
    }
    let ctx = base_context.get_or_insert_with(new_context);
    let applying: Vec<&PolicyException> = named.filter(|e| e.applies_to(target, ctx)).collect();
    if applying.is_empty() {
        return Exempted::No;
    }
    let key = |e: &PolicyException| {
        if e.namespace.is_empty() {
            e.name.clone()
        } else {
            format!("{}/{}", e.namespace, e.name)
        }
    };
    if matches!(rule.body, RuleBody::PodSecurity(_)) {
        // Kyverno's text for a podSecurity rule: the first exception without
        // controls, after a space.
        return match applying.iter().find(|e| e.pod_security.is_empty()) {
            Some(whole) => Exempted::Rule(format!(
                "rule is skipped due to policy exception {}",
                key(whole)
            )),
            None => Exempted::Controls {
                keys: applying.iter().map(|e| key(e)).collect(),
                controls: applying
                    .iter()
                    .flat_map(|e| e.pod_security.iter().cloned())
                    .collect(),
            },
        };
    }
    let keys: Vec<String> = applying.into_iter().map(key).collect();
    // Kyverno's text, without a space before the keys.
    Exempted::Rule(format!(
        "rule is skipped due to policy exceptions{}",
        keys.join(", ")
    ))
}

/// The resource after the values that set `request.object…` variables, as
/// the Kyverno CLI reads it back from its context; `None` when no value does.
fn injected_object(policy: &Policy, input: &ResourceInput<'_>) -> Option<Value> {
    let values = input.values?;
    let object_values: Vec<&(String, Value)> = values_for(values, policy, input.resource)
        .filter(|(k, _)| k.starts_with("request.object"))
        .collect();
    if object_values.is_empty() {
        return None;
    }
    let mut ctx = Context::for_resource(input.resource, "CREATE", None);
    for (name, value) in object_values {
        ctx.set_variable(name, value.clone());
    }
    ctx.query("request.object").ok().filter(Value::is_object)
}

/// The variables a values file sets for this policy and resource: the global
/// ones, then those of `policies[].resources[]` naming the resource.
fn values_for<'v>(
    values: &'v Values,
    policy: &Policy,
    resource: &Value,
) -> impl Iterator<Item = &'v (String, Value)> {
    let name = resource
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    let per_resource = values
        .per_resource
        .get(&(policy.name.clone(), name.to_owned()));
    values
        .global
        .iter()
        .chain(per_resource.into_iter().flatten())
}

/// The operation a values file sets for this policy and resource
/// (`policies[].resources[].values["request.operation"]`), as Kyverno's CLI
/// reads it: UPDATE and DELETE, anything else CREATE.
fn values_operation(
    policy: &Policy,
    resource_name: &str,
    values: Option<&Values>,
) -> Option<String> {
    let values = values?;
    let set = values
        .per_resource
        .get(&(policy.name.clone(), resource_name.to_owned()))?;
    let (_, operation) = set.iter().find(|(k, _)| k == "request.operation")?;
    Some(
        match operation.as_str() {
            Some("UPDATE") => "UPDATE",
            Some("DELETE") => "DELETE",
            _ => "CREATE",
        }
        .to_owned(),
    )
}

/// An outcome, or none when Kyverno produces no response (a `foreach` that
/// applied to no element, a pattern on a DELETE request).
enum MaybeOutcome {
    Some(Outcome),
    NoResponse,
}

impl MaybeOutcome {
    fn into_option(self) -> Option<Outcome> {
        match self {
            MaybeOutcome::Some(o) => Some(o),
            MaybeOutcome::NoResponse => None,
        }
    }
}

impl From<Outcome> for MaybeOutcome {
    fn from(o: Outcome) -> Self {
        MaybeOutcome::Some(o)
    }
}

/// What one rule answered on one resource: the outcome, Kyverno's message and
/// the rule's own message (see [`RuleResult`]).
pub(crate) struct Answer {
    outcome: MaybeOutcome,
    message: Option<String>,
    summary: Option<String>,
}

impl From<Outcome> for Answer {
    fn from(o: Outcome) -> Self {
        Answer {
            outcome: o.into(),
            message: None,
            summary: None,
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn evaluate_rule(
    base_context: &mut Option<Context>,
    policy: &Policy,
    rule: &Rule,
    input: &ResourceInput<'_>,
    variables: &ResourceVariables<'_>,
    namespace: &str,
    options: &Options,
    requester: &RequestInfo,
    repository: &dyn RepositoryData,
) -> Answer {
    let check = match &rule.body {
        RuleBody::NotDecidable { needs } => {
            return Outcome::NotDecidable {
                needs: needs.clone(),
            }
            .into()
        }
        RuleBody::PodSecurity(pss) => {
            return Outcome::PodSecurity {
                level: pss.level.clone(),
                version: pss.version.clone(),
                exclude: pss.exclude.clone(),
                exception_controls: Vec::new(),
                exceptions: Vec::new(),
            }
            .into();
        }
        RuleBody::Validate(check) => check,
    };
    if !options.cli_semantics {
        if let Some(needs) = offline_limit(rule, options) {
            return Outcome::NotDecidable { needs }.into();
        }
    }
    let base = base_context.get_or_insert_with(|| {
        new_base_context(policy, input, variables, namespace, options, requester)
    });
    // Contexts share their values: this clone copies the top-level names only.
    let mut ctx = base.clone();
    if let Some(values) = input.values {
        // The CLI's store answers `autogen-<rule>` with `<rule>`'s values.
        let rule_values = values
            .per_rule
            .get(&(policy.name.clone(), rule.name.clone()))
            .or_else(|| {
                values
                    .per_rule
                    .get(&(policy.name.clone(), rule.source_rule.clone()))
            });
        for (name, value) in rule_values.into_iter().flatten() {
            ctx.set_variable(name, value.clone());
        }
    }
    let entries = loadable_entries(&rule.context, options.cli_semantics);
    if let Err(e) = ctx.add_entries(&entries, repository) {
        return error(format!("failed to load context: {e}"));
    }
    if let Some(preconditions) = &rule.preconditions {
        match preconditions.evaluate(&ctx) {
            Err(e) => return error(format!("failed to evaluate preconditions: {e}")),
            Ok(o) if !o.passed => {
                let reason = join_non_empty(&["preconditions not met", &o.message]);
                return Outcome::Skip { reason }.into();
            }
            Ok(_) => {}
        }
    }
    let verdict = validator::Validator::new(rule, input.resource, options, repository).check(
        check,
        &ctx,
        &[],
    );
    verdict.into_answer()
}

/// The context every rule of a policy starts from on one resource: the
/// resource's variables, the policy's namespace, the requester and the values
/// of a kyverno-test values file.
fn new_base_context(
    policy: &Policy,
    input: &ResourceInput<'_>,
    variables: &ResourceVariables<'_>,
    namespace: &str,
    options: &Options,
    requester: &RequestInfo,
) -> Context {
    let mut ctx = Context::for_variables(variables, &options.operation, Some(namespace));
    if let Some(ns) = &policy.namespace {
        ctx = ctx.with_policy_namespace(ns);
    }
    if !requester.username.is_empty() {
        ctx.set_service_account(&requester.username);
    }
    if let Some(values) = input.values {
        for (name, value) in values_for(values, policy, input.resource) {
            ctx.set_variable(name, value.clone());
        }
    }
    ctx
}

fn error(message: String) -> Answer {
    Answer {
        outcome: Outcome::Error {
            message: message.clone(),
        }
        .into(),
        message: Some(message),
        summary: None,
    }
}

/// The context entries to load. The Kyverno CLI without a cluster skips the
/// entries that need one (and ConfigMaps, which the repository provides when
/// linting); a values file stands in for them.
pub(crate) fn loadable_entries(entries: &Value, cli: bool) -> Value {
    let Value::Array(list) = entries else {
        return entries.clone();
    };
    let skipped: &[&str] = if cli {
        &["apiCall", "imageRegistry", "globalReference", "configMap"]
    } else {
        &["apiCall", "imageRegistry", "globalReference"]
    };
    Value::Array(
        list.iter()
            .filter(|e| {
                !skipped
                    .iter()
                    .any(|k| e.get(*k).is_some_and(|v| !v.is_null()))
            })
            .cloned()
            .collect(),
    )
}

/// What keeps a rule from being decided when linting, whatever the resource:
/// the reason [`evaluate_policy`] gives as [`Outcome::NotDecidable`] with the
/// default [`Options`] (a mutate, generate, verifyImages or CEL rule, a context
/// entry that needs the cluster, the requester, the old object, an UPDATE).
/// `None` for a rule that is evaluated, `podSecurity` rules included.
pub fn undecidable_offline(rule: &Rule) -> Option<String> {
    match &rule.body {
        RuleBody::NotDecidable { needs } => Some(needs.clone()),
        RuleBody::PodSecurity(_) => None,
        RuleBody::Validate(_) => offline_limit(rule, &Options::default()),
    }
}

/// Why a rule cannot be decided when linting (no requester, no old object,
/// a context entry that needs the cluster).
fn offline_limit(rule: &Rule, options: &Options) -> Option<String> {
    if let Some(needs) = &rule.cluster_context {
        return Some(needs.clone());
    }
    if rule.needs_requester && options.user_info == UserInfoMode::Unknown {
        return Some(
            "the rule depends on who sends the request (subjects, roles, clusterRoles or request.userInfo), which a repository cannot tell"
                .to_owned(),
        );
    }
    if rule.update_only {
        return Some("the rule applies only to UPDATE/DELETE requests, which need the object already in the cluster".to_owned());
    }
    if rule.reads_old_object {
        return Some(
            "the rule reads request.oldObject, the object already in the cluster".to_owned(),
        );
    }
    None
}

pub(crate) fn join_non_empty(parts: &[&str]) -> String {
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("; ")
}

/// A path into the resource, for violations of a whole resource or element.
pub(crate) fn whole(path: &[PathSegment], message: String) -> Violation {
    Violation {
        path: path.to_vec(),
        missing: None,
        message,
    }
}

#[cfg(test)]
mod tests;
