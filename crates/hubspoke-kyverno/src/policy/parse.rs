//! Reading the parts of a rule document, each problem at its JSON path.

use std::collections::BTreeMap;

use hubspoke_manifest::PathSegment;
use serde_json::Value;

use super::{FailureAction, PolicyProblem};
use crate::matching::{
    LabelRequirement, LabelSelector, MatchResources, ResourceDescription, ResourceFilter, Subject,
    UserFilter,
};

/// Collects problems for one rule, each at a path below the rule.
pub(crate) struct Problems<'a> {
    pub(crate) rule: Option<&'a str>,
    pub(crate) list: Vec<PolicyProblem>,
}

impl Problems<'_> {
    /// A problem Kyverno also refuses the policy for.
    pub fn add(&mut self, path: &[PathSegment], message: impl Into<String>) {
        self.push(path, message.into(), true);
    }

    /// A problem Kyverno lets through (it runs the rule anyway).
    pub fn lint(&mut self, path: &[PathSegment], message: impl Into<String>) {
        self.push(path, message.into(), false);
    }

    pub fn push(&mut self, path: &[PathSegment], message: String, kyverno_rejects: bool) {
        self.list.push(PolicyProblem {
            rule: self.rule.map(str::to_owned),
            path: path.to_vec(),
            message,
            kyverno_rejects,
        });
    }
}

pub(crate) fn child(path: &[PathSegment], key: &str) -> Vec<PathSegment> {
    let mut out = path.to_vec();
    out.push(PathSegment::Key(key.to_owned()));
    out
}

pub(crate) fn index(path: &[PathSegment], i: usize) -> Vec<PathSegment> {
    let mut out = path.to_vec();
    out.push(PathSegment::Index(i));
    out
}

/// `Enforce`/`Audit` (Kyverno also accepts the lower-case forms).
pub(super) fn failure_action(value: &Value) -> Option<FailureAction> {
    match value.as_str()? {
        "Enforce" | "enforce" => Some(FailureAction::Enforce),
        "Audit" | "audit" => Some(FailureAction::Audit),
        _ => None,
    }
}

/// A list of strings; anything else is a problem.
pub(crate) fn strings(
    value: Option<&Value>,
    path: &[PathSegment],
    problems: &mut Problems<'_>,
) -> Vec<String> {
    match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| match item {
                Value::String(s) => Some(s.clone()),
                _ => {
                    problems.add(&index(path, i), "expected a string");
                    None
                }
            })
            .collect(),
        Some(_) => {
            problems.add(path, "expected a list of strings");
            Vec::new()
        }
    }
}

fn string_map(
    value: Option<&Value>,
    path: &[PathSegment],
    problems: &mut Problems<'_>,
) -> BTreeMap<String, String> {
    match value {
        None | Some(Value::Null) => BTreeMap::new(),
        Some(Value::Object(map)) => map
            .iter()
            .filter_map(|(k, v)| match v {
                Value::String(s) => Some((k.clone(), s.clone())),
                _ => {
                    problems.add(&child(path, k), "expected a string");
                    None
                }
            })
            .collect(),
        Some(_) => {
            problems.add(path, "expected a map of strings");
            BTreeMap::new()
        }
    }
}

/// A `match` or `exclude` block.
pub(crate) fn match_block(
    value: &Value,
    path: &[PathSegment],
    problems: &mut Problems<'_>,
) -> MatchResources {
    let Value::Object(block) = value else {
        problems.add(path, "expected a map with `any`, `all` or `resources`");
        return MatchResources::default();
    };
    let mut out = MatchResources::default();
    for (list_key, target) in [("any", &mut out.any), ("all", &mut out.all)] {
        match block.get(list_key) {
            None | Some(Value::Null) => {}
            Some(Value::Array(filters)) => {
                let list_path = child(path, list_key);
                for (i, filter) in filters.iter().enumerate() {
                    target.push(resource_filter(filter, &index(&list_path, i), problems));
                }
            }
            Some(_) => problems.add(&child(path, list_key), "expected a list of filters"),
        }
    }
    out.direct = resource_filter(value, path, problems);
    if (!out.any.is_empty() || !out.all.is_empty()) && out.direct != ResourceFilter::default() {
        problems.add(path, "`any`/`all` cannot be combined with `resources`, `subjects`, `roles` or `clusterRoles` in the same block");
    }
    if !out.any.is_empty() && !out.all.is_empty() {
        problems.add(path, "`any` and `all` cannot be used together");
    }
    out
}

fn resource_filter(
    value: &Value,
    path: &[PathSegment],
    problems: &mut Problems<'_>,
) -> ResourceFilter {
    let resources = match value.get("resources") {
        None | Some(Value::Null) => ResourceDescription::default(),
        Some(r) => resource_description(r, &child(path, "resources"), problems),
    };
    let mut user = UserFilter {
        roles: strings(value.get("roles"), &child(path, "roles"), problems),
        cluster_roles: strings(
            value.get("clusterRoles"),
            &child(path, "clusterRoles"),
            problems,
        ),
        subjects: Vec::new(),
    };
    if let Some(subjects) = value.get("subjects").and_then(Value::as_array) {
        user.subjects = subjects
            .iter()
            .map(|s| {
                let text = |k: &str| s.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
                Subject {
                    kind: text("kind"),
                    name: text("name"),
                    namespace: text("namespace"),
                }
            })
            .collect();
    }
    ResourceFilter { resources, user }
}

fn resource_description(
    value: &Value,
    path: &[PathSegment],
    problems: &mut Problems<'_>,
) -> ResourceDescription {
    if !value.is_object() {
        problems.add(path, "expected a map");
        return ResourceDescription::default();
    }
    let selector = |key: &str, problems: &mut Problems<'_>| match value.get(key) {
        None | Some(Value::Null) => None,
        Some(s) => Some(label_selector(s, &child(path, key), problems)),
    };
    let name = match value.get("name") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            problems.add(&child(path, "name"), "expected a string");
            None
        }
    };
    let operations = strings(
        value.get("operations"),
        &child(path, "operations"),
        problems,
    );
    for (i, op) in operations.iter().enumerate() {
        if !matches!(op.as_str(), "CREATE" | "UPDATE" | "DELETE" | "CONNECT") {
            problems.add(
                &index(&child(path, "operations"), i),
                format!("unknown operation `{op}`: expected CREATE, UPDATE, DELETE or CONNECT"),
            );
        }
    }
    ResourceDescription {
        kinds: strings(value.get("kinds"), &child(path, "kinds"), problems),
        name,
        names: strings(value.get("names"), &child(path, "names"), problems),
        namespaces: strings(
            value.get("namespaces"),
            &child(path, "namespaces"),
            problems,
        ),
        annotations: string_map(
            value.get("annotations"),
            &child(path, "annotations"),
            problems,
        ),
        selector: selector("selector", problems),
        namespace_selector: selector("namespaceSelector", problems),
        operations,
    }
}

pub(super) fn label_selector(
    value: &Value,
    path: &[PathSegment],
    problems: &mut Problems<'_>,
) -> LabelSelector {
    let match_labels = string_map(
        value.get("matchLabels"),
        &child(path, "matchLabels"),
        problems,
    );
    let mut match_expressions = Vec::new();
    if let Some(expressions) = value.get("matchExpressions").and_then(Value::as_array) {
        let list_path = child(path, "matchExpressions");
        for (i, e) in expressions.iter().enumerate() {
            let at = index(&list_path, i);
            let operator = e
                .get("operator")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            if !matches!(
                operator.as_str(),
                "In" | "NotIn" | "Exists" | "DoesNotExist"
            ) {
                problems.add(
                    &child(&at, "operator"),
                    format!("unknown label selector operator `{operator}`: expected In, NotIn, Exists or DoesNotExist"),
                );
            }
            match_expressions.push(LabelRequirement {
                key: e
                    .get("key")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
                operator,
                values: strings(e.get("values"), &child(&at, "values"), problems),
            });
        }
    }
    LabelSelector {
        match_labels,
        match_expressions,
    }
}

/// The condition operators Kyverno accepts.
const OPERATORS: [&str; 18] = [
    "Equal",
    "Equals",
    "NotEqual",
    "NotEquals",
    "In",
    "AnyIn",
    "AllIn",
    "NotIn",
    "AnyNotIn",
    "AllNotIn",
    "GreaterThanOrEquals",
    "GreaterThan",
    "LessThanOrEquals",
    "LessThan",
    "DurationGreaterThanOrEquals",
    "DurationGreaterThan",
    "DurationLessThanOrEquals",
    "DurationLessThan",
];

/// `preconditions` or `deny.conditions`: a list (the legacy form: all must
/// hold) or `{any, all}` of `{key, operator, value}`.
pub(crate) fn conditions(value: &Value, path: &[PathSegment], problems: &mut Problems<'_>) {
    match value {
        Value::Array(list) => condition_list(list, path, problems),
        Value::Object(map) => {
            for (k, v) in map {
                let at = child(path, k);
                match (k.as_str(), v) {
                    ("any" | "all", Value::Array(list)) => condition_list(list, &at, problems),
                    ("any" | "all", Value::Null) => {}
                    ("any" | "all", _) => problems.add(&at, "expected a list of conditions"),
                    _ => problems.add(
                        &at,
                        format!("unknown field `{k}`: conditions have `any` and `all`"),
                    ),
                }
            }
        }
        Value::Null => {}
        _ => problems.add(path, "expected `any`/`all` lists of conditions"),
    }
}

fn condition_list(list: &[Value], path: &[PathSegment], problems: &mut Problems<'_>) {
    for (i, condition) in list.iter().enumerate() {
        let at = index(path, i);
        let Value::Object(c) = condition else {
            problems.add(
                &at,
                "expected a condition with `key`, `operator` and `value`",
            );
            continue;
        };
        match c.get("operator") {
            Some(Value::String(op)) if OPERATORS.contains(&op.as_str()) => {}
            Some(Value::String(op)) => problems.add(
                &child(&at, "operator"),
                format!(
                    "unknown operator `{op}`: expected one of {}",
                    OPERATORS.join(", ")
                ),
            ),
            _ => problems.add(&child(&at, "operator"), "a condition needs an operator"),
        }
        if !c.contains_key("key") {
            problems.add(&at, "a condition needs a key");
        }
    }
}

/// Variables that cannot work in every string of a value (keys too), each at
/// its path: unbalanced `{{`/`}}`, JMESPath that does not parse, a function
/// neither JMESPath nor Kyverno defines. Kyverno accepts such policies and
/// fails at evaluation, on every resource.
pub(super) fn variable_syntax(
    value: &Value,
    path: &mut Vec<PathSegment>,
    problems: &mut Problems<'_>,
) {
    match value {
        Value::String(s) => {
            if let Err(e) = crate::variables::validate_syntax(s) {
                problems.lint(path, e.to_string());
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(PathSegment::Index(i));
                variable_syntax(item, path, problems);
                path.pop();
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                path.push(PathSegment::Key(k.clone()));
                if let Err(e) = crate::variables::validate_syntax(k) {
                    problems.lint(path, e.to_string());
                }
                variable_syntax(v, path, problems);
                path.pop();
            }
        }
        _ => {}
    }
}

/// A `foreach.list` is a bare JMESPath expression (no braces).
pub(super) fn list_expression(text: &str, path: &[PathSegment], problems: &mut Problems<'_>) {
    if text.is_empty() || text.contains("{{") {
        return;
    }
    if let Err(e) = crate::jmespath::compile(text) {
        problems.lint(path, e.to_string());
    }
}
