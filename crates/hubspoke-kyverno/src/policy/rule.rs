//! One rule compiled: its match blocks parsed, its check (pattern, anyPattern,
//! deny, foreach) compiled, and what keeps it from being decided offline.

use hubspoke_manifest::PathSegment;
use serde_json::Value;

use super::parse::{self, child, index, Problems};
use super::{ActionOverride, FailureAction, PolicyProblem};
use crate::autogen::Generated;
use crate::conditions::Conditions;
use crate::matching::{KindPrefilter, MatchResources};
use crate::pattern::Pattern;
use crate::pod_security;

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The name Kyverno reports (`autogen-…` for generated rules).
    pub name: String,
    /// The policy rule it is or was generated from.
    pub source_rule: String,
    /// `None` for a policy rule; the variant for a generated one.
    pub generated: Option<Generated>,
    /// JSON path of the policy rule in the document (`spec.rules[i]`).
    pub json_path: Vec<PathSegment>,
    /// `validate.failureAction`, else the policy's `validationFailureAction`.
    pub failure_action: FailureAction,
    /// Whether `validate.failureAction` is written (then the policy's overrides do
    /// not apply to the rule).
    pub own_failure_action: bool,
    /// `validate.failureActionOverrides` (see [`super::Policy::failure_action_for`]).
    pub action_overrides: Vec<ActionOverride>,
    /// `validate.message`, variables not yet substituted.
    pub message: Option<String>,
    /// `match`.
    pub matching: MatchResources,
    /// What `match`'s kinds admit, for a cheap first test on each object.
    pub kind_prefilter: KindPrefilter,
    /// `exclude`.
    pub exclude: Option<MatchResources>,
    /// `context` entries, as written.
    pub context: Value,
    /// `preconditions`, read once (see [`Conditions`]).
    pub preconditions: Option<Conditions>,
    /// What the rule checks.
    pub body: RuleBody,
    /// The rule depends on who sends the request (user fields in
    /// `match`/`exclude`, or `request.userInfo` / `serviceAccountName` variables).
    pub needs_requester: bool,
    /// The rule reads `request.oldObject`, which only UPDATE/DELETE requests carry.
    pub reads_old_object: bool,
    /// The rule's `match` admits no CREATE operation.
    pub update_only: bool,
    /// A context entry (in the rule or a `foreach`) that needs the cluster
    /// (`apiCall`, `imageRegistry`, `globalReference`): what it needs. The
    /// Kyverno CLI skips such entries, and tests give their values instead.
    pub cluster_context: Option<String>,
    /// Problems in this rule (for generated rules: those of the source rule).
    pub problems: Vec<PolicyProblem>,
}

impl Rule {
    /// Whether Kyverno refuses the rule's policy for a problem in this rule.
    pub fn kyverno_rejects(&self) -> bool {
        self.problems.iter().any(|p| p.kyverno_rejects)
    }
}

/// What a rule does.
#[derive(Debug, Clone)]
pub enum RuleBody {
    /// A `validate` rule this crate evaluates.
    Validate(Check),
    /// `validate.podSecurity`: left to the bundled Pod Security rules.
    PodSecurity(PodSecurity),
    /// A rule that cannot be decided offline (mutate, generate, verifyImages,
    /// CEL, an `apiCall` context…).
    NotDecidable {
        /// What deciding it would need.
        needs: String,
    },
}

/// `validate.podSecurity`.
#[derive(Debug, Clone, PartialEq)]
pub struct PodSecurity {
    /// `baseline` or `restricted`.
    pub level: String,
    /// `v1.29`, `latest`… (`None`: latest).
    pub version: Option<String>,
    /// The `exclude` list, as written.
    pub exclude: Value,
}

/// A validate check.
#[derive(Debug, Clone)]
pub enum Check {
    /// `pattern`.
    Pattern(PatternSource),
    /// `anyPattern`.
    AnyPattern(Vec<PatternSource>),
    /// `deny.conditions` (`Value::Null` when absent: always deny).
    Deny(Conditions),
    /// `foreach`.
    Foreach(Vec<Foreach>),
}

/// A pattern as written, compiled when it holds no variables.
#[derive(Debug, Clone)]
pub struct PatternSource {
    /// The pattern as written.
    pub raw: Value,
    compiled: Option<Pattern>,
}

impl PatternSource {
    fn new(raw: &Value, path: &[PathSegment], problems: &mut Problems<'_>) -> PatternSource {
        let (pattern, pattern_problems) = Pattern::compile_lenient(raw);
        for p in pattern_problems {
            let mut at = path.to_vec();
            at.extend(p.path);
            problems.push(&at, p.message, p.kyverno_rejects);
        }
        let compiled = (!has_variables(raw)).then_some(pattern);
        PatternSource {
            raw: raw.clone(),
            compiled,
        }
    }

    /// The compiled pattern, when it needs no variables.
    pub fn compiled(&self) -> Option<&Pattern> {
        self.compiled.as_ref()
    }
}

/// One `foreach` entry.
#[derive(Debug, Clone)]
pub struct Foreach {
    /// `list`: the JMESPath expression giving the elements.
    pub list: String,
    /// `context`.
    pub context: Value,
    /// `preconditions`.
    pub preconditions: Option<Conditions>,
    /// `elementScope`.
    pub element_scope: Option<bool>,
    /// What each element must satisfy.
    pub check: Box<Check>,
}

/// A rule and the problems found compiling it.
pub(super) struct Compiled {
    pub rule: Rule,
    pub problems: Vec<PolicyProblem>,
}

/// Compile one rule of [`crate::autogen::compute_rules`].
pub(super) fn compile(
    rule: &Value,
    path: Vec<PathSegment>,
    policy_action: FailureAction,
    generated: Option<Generated>,
) -> Compiled {
    let name = rule
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let mut problems = Problems {
        rule: Some(&name),
        list: Vec::new(),
    };
    if name.is_empty() {
        problems.add(&path, "the rule has no name");
    }
    let mut body = None;
    let validate = rule.get("validate").filter(|v| !v.is_null());
    let kinds_present: Vec<&str> = ["mutate", "generate", "verifyImages", "validate"]
        .into_iter()
        .filter(|k| rule.get(*k).is_some_and(|v| !v.is_null()))
        .collect();
    if kinds_present.len() > 1 {
        problems.add(
            &path,
            format!(
                "a rule has one of validate, mutate, generate or verifyImages, not {}",
                kinds_present.join(" and ")
            ),
        );
    }
    let needs = |text: &str| {
        Some(RuleBody::NotDecidable {
            needs: text.to_owned(),
        })
    };
    match kinds_present.first().copied() {
        Some("mutate") => body = needs("a mutate rule changes resources at admission; only validate rules are checked offline"),
        Some("generate") => body = needs("a generate rule creates resources in the cluster; only validate rules are checked offline"),
        Some("verifyImages") => body = needs("verifyImages needs the images' registries and signatures"),
        Some(_) => {}
        None => problems.add(&path, "a rule needs one of validate, mutate, generate or verifyImages"),
    }
    let own_action = validate.and_then(|v| v.get("failureAction")).and_then(|a| {
        let parsed = parse::failure_action(a);
        if parsed.is_none() {
            problems.add(
                &child(&child(&path, "validate"), "failureAction"),
                format!("failureAction must be Enforce or Audit, not {a}"),
            );
        }
        parsed
    });
    let failure_action = own_action.unwrap_or(policy_action);
    let action_overrides = super::action::overrides(
        validate.and_then(|v| v.get("failureActionOverrides")),
        &child(&child(&path, "validate"), "failureActionOverrides"),
        &mut problems,
    );
    if body.is_none() && rule.get("celPreconditions").is_some_and(|c| !c.is_null()) {
        body = needs("celPreconditions are CEL expressions, not supported yet");
    }
    let validate_body =
        validate.map(|v| validate_body(v, &child(&path, "validate"), &mut problems));
    let body = body.or(validate_body).unwrap_or(RuleBody::NotDecidable {
        needs: "the rule has nothing to validate".to_owned(),
    });

    let matching = match rule.get("match") {
        Some(m) => parse::match_block(m, &child(&path, "match"), &mut problems),
        None => {
            problems.add(&path, "the rule has no match block");
            MatchResources::default()
        }
    };
    let exclude = rule
        .get("exclude")
        .filter(|e| !e.is_null())
        .map(|e| parse::match_block(e, &child(&path, "exclude"), &mut problems));
    let preconditions = rule.get("preconditions").filter(|p| !p.is_null());
    if let Some(p) = preconditions {
        parse::conditions(p, &child(&path, "preconditions"), &mut problems);
    }
    let preconditions = preconditions.map(Conditions::new);
    let mut at = path.clone();
    parse::variable_syntax(rule, &mut at, &mut problems);
    let text = rule.to_string();
    let needs_requester = matching.names_users()
        || exclude.as_ref().is_some_and(MatchResources::names_users)
        || text.contains("request.userInfo")
        || text.contains("serviceAccountName")
        || text.contains("serviceAccountNamespace");
    let update_only = admits_no_create(&matching);
    let problems = problems.list;
    Compiled {
        rule: Rule {
            source_rule: name.clone(),
            name,
            generated,
            json_path: path,
            failure_action,
            own_failure_action: own_action.is_some(),
            action_overrides,
            message: validate
                .and_then(|v| v.get("message"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            kind_prefilter: KindPrefilter::new(&matching),
            matching,
            exclude,
            context: rule.get("context").cloned().unwrap_or(Value::Null),
            preconditions,
            body,
            needs_requester,
            reads_old_object: text.contains("request.oldObject"),
            update_only,
            cluster_context: undecidable_context(rule),
            problems: problems.clone(),
        },
        problems,
    }
}

/// The first context entry needing the cluster (in the rule or a foreach).
fn undecidable_context(rule: &Value) -> Option<String> {
    let mut entries: Vec<&Value> = Vec::new();
    collect_contexts(rule, &mut entries);
    entries.iter().find_map(|entry| {
        let name = entry.get("name").and_then(Value::as_str).unwrap_or("?");
        for (field, what) in [
            ("apiCall", "an apiCall to the cluster's API or a service"),
            ("imageRegistry", "image data from a registry"),
            ("globalReference", "a global context entry from the cluster"),
        ] {
            if entry.get(field).is_some_and(|v| !v.is_null()) {
                return Some(format!("context entry `{name}` needs {what}"));
            }
        }
        None
    })
}

fn collect_contexts<'a>(value: &'a Value, out: &mut Vec<&'a Value>) {
    if let Some(list) = value.get("context").and_then(Value::as_array) {
        out.extend(list);
    }
    let foreach = value
        .pointer("/validate/foreach")
        .or_else(|| value.get("foreach"));
    if let Some(list) = foreach.and_then(Value::as_array) {
        for entry in list {
            collect_contexts(entry, out);
        }
    }
}

fn validate_body(validate: &Value, path: &[PathSegment], problems: &mut Problems<'_>) -> RuleBody {
    let present: Vec<&str> = [
        "pattern",
        "anyPattern",
        "deny",
        "foreach",
        "podSecurity",
        "cel",
        "manifests",
    ]
    .into_iter()
    .filter(|k| validate.get(*k).is_some_and(|v| !v.is_null()))
    .collect();
    if present.len() > 1 {
        problems.add(
            path,
            format!("only one of pattern, anyPattern, deny, foreach, podSecurity, cel can be specified, not {}", present.join(", ")),
        );
    }
    match present.first().copied() {
        Some("podSecurity") => {
            let pss = &validate["podSecurity"];
            let pss_path = child(path, "podSecurity");
            let level = pss.get("level").and_then(Value::as_str).unwrap_or("");
            if !matches!(level, "privileged" | "baseline" | "restricted") {
                problems.add(
                    &child(&pss_path, "level"),
                    format!("podSecurity.level must be privileged, baseline or restricted, not {level:?}"),
                );
            }
            let version_path = child(&pss_path, "version");
            let version = match pss.get("version") {
                None | Some(Value::Null) => None,
                Some(Value::String(version)) => Some(version.clone()),
                Some(other) => {
                    problems.add(
                        &version_path,
                        format!("podSecurity.version must be a string, not {other}"),
                    );
                    None
                }
            };
            if !pod_security::version_is_valid(version.as_deref()) {
                // Kyverno accepts the policy and errors on every resource.
                problems.lint(
                    &version_path,
                    format!(
                        "podSecurity.version must be \"latest\" or \"v1.x\", not {:?}",
                        version.as_deref().unwrap_or("")
                    ),
                );
            }
            let exclude_path = child(&pss_path, "exclude");
            let exclude = pss.get("exclude").cloned().unwrap_or(Value::Null);
            let controls = pod_security::controls(Some(&exclude), &exclude_path, problems);
            pod_security::check_level_controls(level, &controls, &exclude_path, problems);
            RuleBody::PodSecurity(PodSecurity {
                level: level.to_owned(),
                version,
                exclude,
            })
        }
        Some("cel") => RuleBody::NotDecidable {
            needs: "validate.cel (CEL expressions) is not supported yet".to_owned(),
        },
        Some("manifests") => RuleBody::NotDecidable {
            needs: "validate.manifests needs manifest signatures".to_owned(),
        },
        Some(_) => RuleBody::Validate(check(validate, path, problems)),
        None => {
            problems.add(
                path,
                "one of pattern, anyPattern, deny, foreach, podSecurity, cel must be specified",
            );
            RuleBody::NotDecidable {
                needs: "the rule has nothing to validate".to_owned(),
            }
        }
    }
}

/// The check of a `validate` block or a `foreach` entry.
fn check(block: &Value, path: &[PathSegment], problems: &mut Problems<'_>) -> Check {
    if let Some(pattern) = block.get("pattern").filter(|p| !p.is_null()) {
        return Check::Pattern(PatternSource::new(
            pattern,
            &child(path, "pattern"),
            problems,
        ));
    }
    if let Some(any) = block.get("anyPattern").filter(|p| !p.is_null()) {
        let at = child(path, "anyPattern");
        let Value::Array(list) = any else {
            problems.add(&at, "anyPattern must be a list of patterns");
            return Check::AnyPattern(Vec::new());
        };
        return Check::AnyPattern(
            list.iter()
                .enumerate()
                .map(|(i, p)| PatternSource::new(p, &index(&at, i), problems))
                .collect(),
        );
    }
    if let Some(deny) = block.get("deny").filter(|d| !d.is_null()) {
        let conditions = deny.get("conditions").cloned().unwrap_or(Value::Null);
        parse::conditions(
            &conditions,
            &child(&child(path, "deny"), "conditions"),
            problems,
        );
        return Check::Deny(Conditions::new(&conditions));
    }
    let at = child(path, "foreach");
    let Some(Value::Array(list)) = block.get("foreach") else {
        problems.add(
            path,
            "one of pattern, anyPattern, deny or foreach must be specified",
        );
        return Check::Foreach(Vec::new());
    };
    Check::Foreach(
        list.iter()
            .enumerate()
            .map(|(i, entry)| foreach(entry, &index(&at, i), problems))
            .collect(),
    )
}

fn foreach(entry: &Value, path: &[PathSegment], problems: &mut Problems<'_>) -> Foreach {
    let list = entry
        .get("list")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    if list.is_empty() {
        problems.add(path, "foreach.list is required");
    }
    parse::list_expression(&list, &child(path, "list"), problems);
    let present = ["pattern", "anyPattern", "deny", "foreach"]
        .into_iter()
        .filter(|k| entry.get(*k).is_some_and(|v| !v.is_null()))
        .count();
    if present != 1 {
        problems.add(
            path,
            "a foreach entry needs exactly one of pattern, anyPattern, deny or a nested foreach",
        );
    }
    let preconditions = entry.get("preconditions").filter(|p| !p.is_null());
    if let Some(p) = preconditions {
        parse::conditions(p, &child(path, "preconditions"), problems);
    }
    let preconditions = preconditions.map(Conditions::new);
    Foreach {
        list,
        context: entry.get("context").cloned().unwrap_or(Value::Null),
        preconditions,
        element_scope: entry.get("elementScope").and_then(Value::as_bool),
        check: Box::new(check(entry, path, problems)),
    }
}

/// Whether the `match` block's operations leave CREATE out.
fn admits_no_create(matching: &MatchResources) -> bool {
    let lacks_create = |ops: &[String]| !ops.is_empty() && !ops.iter().any(|o| o == "CREATE");
    if !matching.any.is_empty() {
        matching
            .any
            .iter()
            .all(|f| lacks_create(&f.resources.operations))
    } else if !matching.all.is_empty() {
        matching
            .all
            .iter()
            .any(|f| lacks_create(&f.resources.operations))
    } else {
        lacks_create(&matching.direct.resources.operations)
    }
}

/// Whether a value holds `{{` anywhere (keys included).
fn has_variables(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains("{{"),
        Value::Array(items) => items.iter().any(has_variables),
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| k.contains("{{") || has_variables(v)),
        _ => false,
    }
}
