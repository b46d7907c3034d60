//! Auto-generation of Pod rules for pod controllers (Kyverno `pkg/autogen/v1`).
//!
//! A policy whose rules match Pods also checks the Pod templates of
//! Deployments, DaemonSets, StatefulSets, ReplicaSets, Jobs and
//! ReplicationControllers (`autogen-<rule>`, the pattern under
//! `spec.template`) and of CronJobs (`autogen-cronjob-<rule>`, under
//! `spec.jobTemplate.spec.template`), unless the
//! `pod-policies.kyverno.io/autogen-controllers` annotation says otherwise
//! (`none`, or a list of controllers) or a rule selects Pods by name, selector
//! or annotations, or mixes Pods with other kinds.
//!
//! This works on the rules' JSON, as Kyverno does (it even rewrites
//! `request.object.spec` to `request.object.spec.template.spec` in the
//! serialized rule text), and returns the rules Kyverno's
//! `ComputeRules(policy, "")` returns: the original rules, then for each rule
//! its two generated rules.

use serde_json::{json, Map, Value};

use crate::matching::selector_kind;

/// The annotation that picks the controllers.
pub const CONTROLLERS_ANNOTATION: &str = "pod-policies.kyverno.io/autogen-controllers";

/// The pod controllers Kyverno generates rules for (except CronJob, which
/// gets its own rule).
const CONTROLLERS: [&str; 6] = [
    "DaemonSet",
    "Deployment",
    "Job",
    "StatefulSet",
    "ReplicaSet",
    "ReplicationController",
];

/// Which generated rule a rule is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generated {
    /// `autogen-<rule>`: the Pod template of the listed controllers.
    Controllers,
    /// `autogen-cronjob-<rule>`: the Pod template of CronJobs.
    CronJob,
}

/// A rule of the computed rule list.
#[derive(Debug, Clone)]
pub struct ComputedRule {
    /// The rule's JSON (generated rules are rewritten copies).
    pub rule: Value,
    /// Index of the policy rule it is, or is generated from.
    pub source_index: usize,
    /// `None` for the policy's own rules.
    pub generated: Option<Generated>,
}

/// Kyverno's `ComputeRules(policy, "")` for a policy document.
pub fn compute_rules(policy: &Value) -> Vec<ComputedRule> {
    let rules: Vec<&Value> = policy
        .pointer("/spec/rules")
        .and_then(Value::as_array)
        .map(|r| r.iter().collect())
        .unwrap_or_default();
    let own = |keep_autogen_names: bool| -> Vec<ComputedRule> {
        rules
            .iter()
            .enumerate()
            .filter(|(_, r)| keep_autogen_names || !is_autogen_name(rule_name(r)))
            .map(|(i, r)| ComputedRule {
                rule: (*r).clone(),
                source_index: i,
                generated: None,
            })
            .collect()
    };
    let Some(controllers) = controllers(policy, &rules) else {
        return own(true);
    };
    let mut generated = Vec::new();
    for (i, rule) in rules.iter().enumerate() {
        if let Some(rule) = controller_rule(rule, &strip_cronjob(&controllers)) {
            generated.push(ComputedRule {
                rule: rewrite_references(&rule, Generated::Controllers),
                source_index: i,
                generated: Some(Generated::Controllers),
            });
        }
        if let Some(rule) = cronjob_rule(rule, &controllers) {
            generated.push(ComputedRule {
                rule: rewrite_references(&rule, Generated::CronJob),
                source_index: i,
                generated: Some(Generated::CronJob),
            });
        }
    }
    if generated.is_empty() {
        return own(true);
    }
    let mut out = own(false);
    out.extend(generated);
    out
}

fn rule_name(rule: &Value) -> &str {
    rule.get("name").and_then(Value::as_str).unwrap_or("")
}

fn is_autogen_name(name: &str) -> bool {
    name.starts_with("autogen-")
}

/// The controllers to generate for (`CanAutoGen` and the annotation), as
/// the comma-separated list Kyverno passes around; `None` for none.
fn controllers(policy: &Value, rules: &[&Value]) -> Option<Vec<String>> {
    if !can_autogen(rules) {
        return None;
    }
    let annotation = policy
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(CONTROLLERS_ANNOTATION))
        .and_then(Value::as_str);
    let controllers: Vec<String> = match annotation {
        Some(text) => text.split(',').map(str::to_owned).collect(),
        None => CONTROLLERS
            .iter()
            .chain(std::iter::once(&"CronJob"))
            .map(|s| (*s).to_owned())
            .collect(),
    };
    if controllers.len() == 1 && controllers[0] == "none" {
        return None;
    }
    Some(controllers)
}

/// `CanAutoGen`: no generate or JSON-patch mutation anywhere, no filter that
/// selects by name, selector or annotations or mixes Pods with other kinds,
/// and some filter naming Pods or a pod controller.
fn can_autogen(rules: &[&Value]) -> bool {
    let mut needed = false;
    for rule in rules {
        if rule.get("generate").is_some() {
            return false;
        }
        if let Some(mutate) = rule.get("mutate") {
            if mutate
                .get("patchesJson6902")
                .is_some_and(|p| !is_empty_string(p))
            {
                return false;
            }
            let foreach = mutate.get("foreach").and_then(Value::as_array);
            if foreach.is_some_and(|f| {
                f.iter().any(|e| {
                    e.get("patchesJson6902")
                        .is_some_and(|p| !is_empty_string(p))
                })
            }) {
                return false;
            }
        }
        for block in ["match", "exclude"] {
            let Some(block) = rule.get(block) else {
                continue;
            };
            let mut descriptions = vec![block.get("resources")];
            for list in ["any", "all"] {
                if let Some(filters) = block.get(list).and_then(Value::as_array) {
                    descriptions.extend(filters.iter().map(|f| f.get("resources")));
                }
            }
            for description in descriptions.into_iter().flatten() {
                if !description_allows_autogen(description, &mut needed) {
                    return false;
                }
            }
        }
    }
    needed
}

fn is_empty_string(value: &Value) -> bool {
    value.as_str().is_some_and(str::is_empty)
}

fn description_allows_autogen(description: &Value, needed: &mut bool) -> bool {
    let has = |key: &str| match description.get(key) {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(_) => true,
    };
    if has("name") || has("names") || has("selector") || has("annotations") {
        return false;
    }
    let kinds = string_list(description.get("kinds"));
    if kinds.len() > 1 && kinds.iter().any(|k| selector_kind(k) == "Pod") {
        return false;
    }
    let pod_kinds = ["Pod", "CronJob"];
    if kinds
        .iter()
        .any(|k| pod_kinds.contains(&k.as_str()) || CONTROLLERS.contains(&k.as_str()))
    {
        *needed = true;
    }
    true
}

fn string_list(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn strip_cronjob(controllers: &[String]) -> Vec<String> {
    controllers
        .iter()
        .filter(|c| c.as_str() != "CronJob")
        .cloned()
        .collect()
}

fn autogen_name(prefix: &str, name: &str) -> String {
    let mut full = format!("{prefix}-{name}");
    if full.len() > 63 {
        let mut cut = 63;
        while !full.is_char_boundary(cut) {
            cut -= 1;
        }
        full.truncate(cut);
    }
    full
}

/// Fully qualified kinds for the controllers (`ConvertKindsToGVK`).
fn gvk(kind: &str) -> String {
    match kind {
        "DaemonSet" | "Deployment" | "StatefulSet" | "ReplicaSet" => format!("apps/v1/{kind}"),
        "Job" | "CronJob" => format!("batch/v1/{kind}"),
        "ReplicationController" | "Pod" => format!("v1/{kind}"),
        other => other.to_owned(),
    }
}

/// `generateRuleForControllers`.
fn controller_rule(rule: &Value, controllers: &[String]) -> Option<Value> {
    let name = rule_name(rule);
    if is_autogen_name(name) || controllers.is_empty() || controllers.iter().all(String::is_empty) {
        return None;
    }
    let match_kinds = block_kinds(rule.get("match"));
    let exclude_kinds = block_kinds(rule.get("exclude"));
    let names_pod = |kinds: &[String]| kinds.iter().any(|k| selector_kind(k) == "Pod");
    if !names_pod(&match_kinds) || (!exclude_kinds.is_empty() && !names_pod(&exclude_kinds)) {
        return None;
    }
    let all = controllers.iter().any(|c| c == "all");
    let mut kinds: Vec<String> = if all {
        CONTROLLERS.iter().map(|s| (*s).to_owned()).collect()
    } else {
        let valid: Vec<String> = controllers
            .iter()
            .filter(|c| CONTROLLERS.contains(&c.as_str()))
            .cloned()
            .collect();
        if valid.is_empty() {
            controllers.to_vec()
        } else {
            valid
        }
    };
    kinds.sort();
    generate_rule(
        &autogen_name("autogen", name),
        rule,
        "template",
        &kinds,
        |filter_kinds| filter_kinds.iter().any(|k| selector_kind(k) == "Pod"),
    )
}

/// `generateCronJobRule`: the controllers rule, once more wrapped for CronJobs.
fn cronjob_rule(rule: &Value, controllers: &[String]) -> Option<Value> {
    if !controllers
        .iter()
        .any(|c| c.contains("CronJob") || c.contains("all"))
    {
        return None;
    }
    let base = controller_rule(rule, controllers)?;
    generate_rule(
        &autogen_name("autogen-cronjob", rule_name(rule)),
        &base,
        "jobTemplate",
        &["CronJob".to_owned()],
        |_| true,
    )
}

fn block_kinds(block: Option<&Value>) -> Vec<String> {
    let Some(block) = block else {
        return Vec::new();
    };
    let mut kinds = string_list(block.pointer("/resources/kinds"));
    for list in ["any", "all"] {
        if let Some(filters) = block.get(list).and_then(Value::as_array) {
            for filter in filters {
                kinds.extend(string_list(filter.pointer("/resources/kinds")));
            }
        }
    }
    kinds
}

/// `generateRule`: the rule renamed, its kinds replaced, its checks wrapped
/// under `spec.<template_key>`.
fn generate_rule(
    name: &str,
    rule: &Value,
    template_key: &str,
    kinds: &[String],
    replace_filter: impl Fn(&[String]) -> bool,
) -> Option<Value> {
    let mut out = rule.as_object()?.clone();
    out.insert("name".to_owned(), Value::String(name.to_owned()));
    let gvks: Vec<Value> = kinds.iter().map(|k| Value::String(gvk(k))).collect();
    if let Some(Value::Object(block)) = out.get_mut("match") {
        replace_kinds(block, &gvks, &replace_filter, true);
    }
    if let Some(Value::Object(block)) = out.get_mut("exclude") {
        replace_kinds(block, &gvks, &replace_filter, false);
    }
    let wrap = |pattern: &Value| json!({"spec": {template_key: pattern}});
    if let Some(mutate) = rule.get("mutate") {
        if let Some(patch) = mutate.get("patchStrategicMerge") {
            out.insert(
                "mutate".to_owned(),
                json!({"patchStrategicMerge": wrap(patch)}),
            );
            return Some(Value::Object(out));
        }
        if let Some(foreach) = mutate
            .get("foreach")
            .and_then(Value::as_array)
            .filter(|f| !f.is_empty())
        {
            let wrapped: Vec<Value> = foreach
                .iter()
                .map(|f| {
                    let mut entry = Map::new();
                    for key in ["list", "context", "preconditions"] {
                        if let Some(v) = f.get(key) {
                            entry.insert(key.to_owned(), v.clone());
                        }
                    }
                    entry.insert(
                        "patchStrategicMerge".to_owned(),
                        wrap(f.get("patchStrategicMerge").unwrap_or(&Value::Null)),
                    );
                    Value::Object(entry)
                })
                .collect();
            out.insert("mutate".to_owned(), json!({ "foreach": wrapped }));
            return Some(Value::Object(out));
        }
    }
    if let Some(validate) = rule.get("validate").and_then(Value::as_object) {
        let mut kept = Map::new();
        for key in [
            "message",
            "failureAction",
            "failureActionOverrides",
            "allowExistingViolations",
        ] {
            if let Some(v) = validate.get(key) {
                kept.insert(key.to_owned(), v.clone());
            }
        }
        if let Some(pattern) = validate.get("pattern").filter(|p| !p.is_null()) {
            kept.insert("pattern".to_owned(), wrap(pattern));
        } else if let Some(deny) = validate.get("deny").filter(|d| !d.is_null()) {
            kept.insert("deny".to_owned(), deny.clone());
        } else if let Some(pss) = validate.get("podSecurity").filter(|p| !p.is_null()) {
            kept.insert("podSecurity".to_owned(), pss.clone());
        } else if let Some(any) = validate.get("anyPattern").filter(|p| !p.is_null()) {
            let wrapped: Vec<Value> = any
                .as_array()
                .map(|a| a.iter().map(wrap).collect())
                .unwrap_or_default();
            kept.insert("anyPattern".to_owned(), Value::Array(wrapped));
        } else if let Some(foreach) = validate
            .get("foreach")
            .filter(|f| f.as_array().is_some_and(|a| !a.is_empty()))
        {
            kept.insert("foreach".to_owned(), foreach.clone());
        } else if validate.get("cel").is_some_and(|c| !c.is_null()) {
            return Some(Value::Object(out));
        } else {
            return rule
                .get("verifyImages")
                .filter(|v| !v.is_null())
                .map(|_| Value::Object(out));
        }
        out.insert("validate".to_owned(), Value::Object(kept));
        return Some(Value::Object(out));
    }
    rule.get("verifyImages")
        .filter(|v| !v.is_null())
        .map(|_| Value::Object(out))
}

/// Replace the kinds of a match/exclude block: in the `any`/`all` filters
/// `replace_filter` picks, else the direct `resources.kinds` (for `exclude`
/// only when it lists kinds).
fn replace_kinds(
    block: &mut Map<String, Value>,
    kinds: &[Value],
    replace_filter: &impl Fn(&[String]) -> bool,
    is_match: bool,
) {
    for list in ["any", "all"] {
        if let Some(Value::Array(filters)) = block.get_mut(list) {
            if filters.is_empty() {
                continue;
            }
            for filter in filters.iter_mut() {
                let current = string_list(filter.pointer("/resources/kinds"));
                if replace_filter(&current) {
                    if let Some(Value::Object(resources)) = filter.get_mut("resources") {
                        resources.insert("kinds".to_owned(), Value::Array(kinds.to_vec()));
                    }
                }
            }
            return;
        }
    }
    let resources = block
        .entry("resources")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(resources) = resources {
        let has_kinds = resources
            .get("kinds")
            .and_then(Value::as_array)
            .is_some_and(|k| !k.is_empty());
        if is_match || has_kinds {
            resources.insert("kinds".to_owned(), Value::Array(kinds.to_vec()));
        }
    }
}

/// Kyverno rewrites `request.object.spec` (and `.metadata`, and the
/// `oldObject` forms) in the generated rule's serialized text so that
/// variables read the Pod template.
fn rewrite_references(rule: &Value, generated: Generated) -> Value {
    let template = match generated {
        Generated::Controllers => "spec.template",
        Generated::CronJob => "spec.jobTemplate.spec.template",
    };
    let mut text = rule.to_string();
    for object in ["request.object", "request.oldObject"] {
        for field in ["spec", "metadata"] {
            let from = format!("{object}.{field}");
            let to = format!("{object}.{template}.{field}");
            text = text.replace(&from, &to);
        }
    }
    serde_json::from_str(&text).unwrap_or_else(|_| rule.clone())
}

#[cfg(test)]
mod tests;
