//! Which action a failing rule takes in a namespace: `validationFailureActionOverrides`
//! (the policy's) and `validate.failureActionOverrides` (a rule's), resolved as
//! Kyverno's engine resolves them (`pkg/engine/api/engineresponse.go`,
//! `matchOverride` and `ruleAction`):
//!
//! 1. the rule's first override whose namespaces and namespace selector hold;
//! 2. the rule's own `validate.failureAction`;
//! 3. the policy's first override that holds;
//! 4. the policy's `validationFailureAction`.
//!
//! An override holds when it lists no namespaces and either has no selector or its
//! selector holds for the namespace's labels, or when one of its namespaces (a
//! wildcard) is the resource's and it has no selector or its selector holds. An
//! override whose action is not Enforce or Audit is skipped.

use std::collections::BTreeMap;

use hubspoke_manifest::PathSegment;
use serde_json::Value;

use super::parse::{self, child, index, Problems};
use super::{FailureAction, Policy, Rule};
use crate::matching::{selector_matches, LabelSelector};
use crate::pattern::wildcard;

/// One override.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionOverride {
    /// The action; `None` when it is not one Kyverno knows (the override is skipped).
    pub action: Option<FailureAction>,
    /// `namespaces` (wildcards allowed); `None` when the field is absent.
    pub namespaces: Option<Vec<String>>,
    /// `namespaceSelector`.
    pub namespace_selector: Option<LabelSelector>,
}

impl ActionOverride {
    /// Whether the override applies to a resource in `namespace` (`""`: cluster-scoped)
    /// whose namespace has `labels`.
    fn holds(&self, namespace: &str, labels: &BTreeMap<String, String>) -> bool {
        let selected = || {
            self.namespace_selector
                .as_ref()
                .is_none_or(|s| selector_matches(s, labels).unwrap_or(false))
        };
        match &self.namespaces {
            None => selected(),
            Some(names) => names.iter().any(|n| wildcard::matches(n, namespace)) && selected(),
        }
    }
}

/// The action of the first override that holds.
fn first_holding(
    overrides: &[ActionOverride],
    namespace: &str,
    labels: &BTreeMap<String, String>,
) -> Option<FailureAction> {
    overrides
        .iter()
        .filter(|o| o.holds(namespace, labels))
        .find_map(|o| o.action)
}

impl Policy {
    /// The action a failure of `rule` (one of this policy's rules) takes for a
    /// resource in `namespace` (`""`: cluster-scoped) whose namespace has `labels`.
    pub fn failure_action_for(
        &self,
        rule: &Rule,
        namespace: &str,
        labels: &BTreeMap<String, String>,
    ) -> FailureAction {
        if let Some(action) = first_holding(&rule.action_overrides, namespace, labels) {
            return action;
        }
        if rule.own_failure_action {
            return rule.failure_action;
        }
        first_holding(&self.failure_action_overrides, namespace, labels)
            .unwrap_or(self.failure_action)
    }

    /// Whether the action of `rule`'s failures depends on the namespace.
    pub fn has_action_overrides(&self, rule: &Rule) -> bool {
        !rule.action_overrides.is_empty()
            || (!rule.own_failure_action && !self.failure_action_overrides.is_empty())
    }
}

/// Read a list of overrides at `path`; a malformed entry is a problem and is left out.
pub(super) fn overrides(
    value: Option<&Value>,
    path: &[PathSegment],
    problems: &mut Problems<'_>,
) -> Vec<ActionOverride> {
    let list = match value {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(list)) => list,
        Some(_) => {
            problems.add(path, "the failure action overrides must be a list");
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (i, entry) in list.iter().enumerate() {
        let at = index(path, i);
        if !entry.is_object() {
            problems.add(&at, "an override must be a mapping");
            continue;
        }
        let action = match entry.get("action") {
            None | Some(Value::Null) => None,
            Some(a) => {
                let parsed = parse::failure_action(a);
                if parsed.is_none() {
                    problems.add(
                        &child(&at, "action"),
                        format!("action must be Enforce or Audit, not {a}"),
                    );
                }
                parsed
            }
        };
        let namespaces = entry
            .get("namespaces")
            .filter(|n| !n.is_null())
            .map(|n| parse::strings(Some(n), &child(&at, "namespaces"), problems));
        let namespace_selector = entry
            .get("namespaceSelector")
            .filter(|s| !s.is_null())
            .map(|s| parse::label_selector(s, &child(&at, "namespaceSelector"), problems));
        out.push(ActionOverride {
            action,
            namespaces,
            namespace_selector,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn policy(spec: Value) -> Policy {
        let mut document = json!({
            "apiVersion": "kyverno.io/v1",
            "kind": "ClusterPolicy",
            "metadata": {"name": "p"},
            "spec": {"rules": [{
                "name": "r",
                "match": {"any": [{"resources": {"kinds": ["ConfigMap"]}}]},
                "validate": {"pattern": {"metadata": {"name": "?*"}}}
            }]}
        });
        let Some(Value::Object(target)) = document.get_mut("spec") else {
            unreachable!("the document has a spec")
        };
        let Value::Object(extra) = spec else {
            unreachable!("the spec is a mapping")
        };
        target.extend(extra);
        Policy::compile(&document).expect("a policy")
    }

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn action(p: &Policy, namespace: &str, ns_labels: &[(&str, &str)]) -> FailureAction {
        p.failure_action_for(&p.rules[0], namespace, &labels(ns_labels))
    }

    #[test]
    fn policy_overrides_pick_the_action_by_namespace_then_selector() {
        let p = policy(json!({
            "validationFailureAction": "Audit",
            "validationFailureActionOverrides": [
                {"action": "Enforce", "namespaces": ["prod-*", "payments"]},
                {"action": "enforce", "namespaceSelector": {"matchLabels": {"tier": "critical"}}},
                {"action": "Audit", "namespaces": ["prod-legacy"]}
            ]
        }));
        assert!(p.has_action_overrides(&p.rules[0]));
        assert_eq!(action(&p, "prod-eu", &[]), FailureAction::Enforce);
        assert_eq!(action(&p, "payments", &[]), FailureAction::Enforce);
        // The first override that holds wins, even against a later, narrower one.
        assert_eq!(action(&p, "prod-legacy", &[]), FailureAction::Enforce);
        assert_eq!(
            action(&p, "team-a", &[("tier", "critical")]),
            FailureAction::Enforce
        );
        assert_eq!(
            action(&p, "team-a", &[("tier", "low")]),
            FailureAction::Audit
        );
        assert_eq!(action(&p, "", &[]), FailureAction::Audit);
    }

    #[test]
    fn namespaces_and_selector_must_both_hold() {
        let p = policy(json!({
            "validationFailureAction": "Enforce",
            "validationFailureActionOverrides": [{
                "action": "Audit",
                "namespaces": ["dev-*"],
                "namespaceSelector": {"matchExpressions": [{"key": "sandbox", "operator": "Exists"}]}
            }]
        }));
        assert_eq!(
            action(&p, "dev-a", &[("sandbox", "yes")]),
            FailureAction::Audit
        );
        assert_eq!(action(&p, "dev-a", &[]), FailureAction::Enforce);
        assert_eq!(
            action(&p, "prod", &[("sandbox", "yes")]),
            FailureAction::Enforce
        );
    }

    #[test]
    fn an_override_without_namespaces_or_selector_holds_everywhere_and_an_empty_list_nowhere() {
        let everywhere =
            policy(json!({"validationFailureActionOverrides": [{"action": "Enforce"}]}));
        assert_eq!(action(&everywhere, "any", &[]), FailureAction::Enforce);
        let nowhere = policy(json!({
            "validationFailureActionOverrides": [{"action": "Enforce", "namespaces": []}]
        }));
        assert_eq!(action(&nowhere, "any", &[]), FailureAction::Audit);
    }

    #[test]
    fn the_rule_decides_before_the_policy() {
        let mut p = policy(json!({
            "validationFailureAction": "Audit",
            "validationFailureActionOverrides": [{"action": "Enforce", "namespaces": ["prod"]}]
        }));
        // A rule's own failureAction beats the policy's overrides.
        p.rules[0].own_failure_action = true;
        p.rules[0].failure_action = FailureAction::Audit;
        assert!(!p.has_action_overrides(&p.rules[0]));
        assert_eq!(action(&p, "prod", &[]), FailureAction::Audit);
        // The rule's overrides beat its own failureAction.
        p.rules[0].action_overrides = vec![ActionOverride {
            action: Some(FailureAction::Enforce),
            namespaces: Some(vec!["prod".to_owned()]),
            namespace_selector: None,
        }];
        assert_eq!(action(&p, "prod", &[]), FailureAction::Enforce);
        assert_eq!(action(&p, "dev", &[]), FailureAction::Audit);
    }

    #[test]
    fn a_rules_overrides_are_read_from_its_validate_block() {
        let document = json!({
            "apiVersion": "kyverno.io/v1",
            "kind": "ClusterPolicy",
            "metadata": {"name": "p"},
            "spec": {"rules": [{
                "name": "r",
                "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
                "validate": {
                    "failureAction": "Audit",
                    "failureActionOverrides": [{"action": "Enforce", "namespaces": ["prod"]}],
                    "pattern": {"metadata": {"name": "?*"}}
                }
            }]}
        });
        let p = Policy::compile(&document).expect("a policy");
        // The Pod rule and its two auto-generated rules all carry the override.
        assert_eq!(p.rules.len(), 3);
        for rule in &p.rules {
            assert_eq!(
                p.failure_action_for(rule, "prod", &BTreeMap::new()),
                FailureAction::Enforce,
                "{}",
                rule.name
            );
            assert_eq!(
                p.failure_action_for(rule, "dev", &BTreeMap::new()),
                FailureAction::Audit
            );
        }
    }

    #[test]
    fn malformed_overrides_are_problems_and_a_namespaced_policy_may_not_have_them() {
        let p = policy(json!({
            "validationFailureActionOverrides": [{"action": "Block", "namespaces": ["a"]}, "x"]
        }));
        let messages: Vec<&str> = p.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "action must be Enforce or Audit, not \"Block\"",
                "an override must be a mapping"
            ]
        );
        // The override with an unknown action is skipped.
        assert_eq!(action(&p, "a", &[]), FailureAction::Audit);

        let namespaced = Policy::compile(&json!({
            "apiVersion": "kyverno.io/v1",
            "kind": "Policy",
            "metadata": {"name": "p", "namespace": "apps"},
            "spec": {
                "validationFailureActionOverrides": [{"action": "Enforce", "namespaces": ["apps"]}],
                "rules": [{
                    "name": "r",
                    "match": {"any": [{"resources": {"kinds": ["ConfigMap"]}}]},
                    "validate": {"pattern": {"metadata": {"name": "?*"}}}
                }]
            }
        }))
        .expect("a policy");
        assert_eq!(namespaced.problems.len(), 1);
        assert_eq!(
            namespaced.problems[0].message,
            "validationFailureActionOverrides is supported only with ClusterPolicy"
        );
        assert_eq!(
            namespaced.failure_action_for(&namespaced.rules[0], "apps", &BTreeMap::new()),
            FailureAction::Audit
        );
    }
}
