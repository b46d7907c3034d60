//! Kyverno `ClusterPolicy`/`Policy` documents (`kyverno.io/v1`, `v2beta1`)
//! compiled once into rules ready to evaluate: auto-generated pod-controller
//! rules added, match blocks parsed, patterns compiled.
//!
//! A malformed rule is reported as [`PolicyProblem`]s at the JSON path of the
//! offending field, and kept out of evaluation; the policy's other rules are
//! compiled and evaluated as usual.

mod action;
pub(crate) mod parse;
mod rule;

use std::collections::BTreeMap;

use hubspoke_manifest::PathSegment;
use serde_json::Value;

use crate::autogen;
pub use action::ActionOverride;
pub use rule::{Check, Foreach, PatternSource, PodSecurity, Rule, RuleBody};

/// `ClusterPolicy` or `Policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// Cluster-wide.
    ClusterPolicy,
    /// Namespaced: applies to its own namespace only.
    Policy,
}

/// What happens when a validate rule fails at admission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureAction {
    /// The request is refused.
    Enforce,
    /// The request is admitted and the failure reported.
    Audit,
}

/// Something wrong in a policy document, at a JSON path into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyProblem {
    /// The rule concerned, when the problem is inside one.
    pub rule: Option<String>,
    /// Keys and indices from the document's root (`spec.rules[2].validate.pattern…`).
    pub path: Vec<PathSegment>,
    /// What is wrong.
    pub message: String,
    /// Whether Kyverno itself refuses the policy for it (else Kyverno runs the
    /// rule anyway, e.g. with a malformed anchor read as a literal key).
    pub kyverno_rejects: bool,
}

/// A compiled policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// `ClusterPolicy` or `Policy`.
    pub kind: PolicyKind,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace` (for `Policy`; `default` when unset, as Kyverno).
    pub namespace: Option<String>,
    /// `metadata.annotations`.
    pub annotations: BTreeMap<String, String>,
    /// `spec.validationFailureAction` (`Audit` when unset).
    pub failure_action: FailureAction,
    /// `spec.validationFailureActionOverrides` (see [`Policy::failure_action_for`]).
    pub failure_action_overrides: Vec<ActionOverride>,
    /// `spec.background` (`true` when unset).
    pub background: bool,
    /// `spec.applyRules: One`: stop after the first rule that applies.
    pub apply_one: bool,
    /// The rules Kyverno evaluates, auto-generated ones included, in its order.
    pub rules: Vec<Rule>,
    /// Problems found while compiling (rules with problems are not evaluated).
    pub problems: Vec<PolicyProblem>,
}

/// Why a document is not a Kyverno policy this crate reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotAPolicy {
    /// Another `apiVersion`/`kind`.
    #[error("not a kyverno.io ClusterPolicy or Policy")]
    OtherKind,
}

impl Policy {
    /// `policies.kyverno.io/title`.
    pub fn title(&self) -> Option<&str> {
        self.annotations
            .get("policies.kyverno.io/title")
            .map(String::as_str)
    }

    /// `policies.kyverno.io/severity`.
    pub fn severity(&self) -> Option<&str> {
        self.annotations
            .get("policies.kyverno.io/severity")
            .map(String::as_str)
    }

    /// `policies.kyverno.io/description`.
    pub fn description(&self) -> Option<&str> {
        self.annotations
            .get("policies.kyverno.io/description")
            .map(String::as_str)
    }

    /// `policies.kyverno.io/scored: "false"`: Kyverno reports this policy's
    /// failures as warnings.
    pub fn scored(&self) -> bool {
        self.annotations
            .get("policies.kyverno.io/scored")
            .is_none_or(|v| v != "false")
    }

    /// Whether Kyverno would refuse this policy (the Kyverno CLI then skips it).
    pub fn kyverno_rejects(&self) -> bool {
        self.problems.iter().any(|p| p.kyverno_rejects)
    }

    /// Compile a policy document (Kubernetes' JSON view of the YAML).
    pub fn compile(document: &Value) -> Result<Policy, NotAPolicy> {
        let kind = policy_kind(document).ok_or(NotAPolicy::OtherKind)?;
        let mut problems = Vec::new();
        let metadata = document.get("metadata");
        let text = |key: &str| metadata.and_then(|m| m.get(key)).and_then(Value::as_str);
        let name = text("name").unwrap_or_default().to_owned();
        if name.is_empty() {
            problems.push(PolicyProblem {
                rule: None,
                path: vec![key("metadata")],
                message: "the policy has no metadata.name".to_owned(),
                kyverno_rejects: true,
            });
        }
        let namespace = match kind {
            PolicyKind::Policy => Some(text("namespace").unwrap_or("default").to_owned()),
            PolicyKind::ClusterPolicy => None,
        };
        let annotations = metadata
            .and_then(|m| m.get("annotations"))
            .and_then(Value::as_object)
            .map(|a| {
                a.iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        let spec = document.get("spec");
        let failure_action = match spec.and_then(|s| s.get("validationFailureAction")) {
            None | Some(Value::Null) => FailureAction::Audit,
            Some(value) => parse::failure_action(value).unwrap_or_else(|| {
                problems.push(PolicyProblem {
                    rule: None,
                    path: vec![key("spec"), key("validationFailureAction")],
                    message: format!(
                        "validationFailureAction must be Enforce or Audit, not {value}"
                    ),
                    kyverno_rejects: true,
                });
                FailureAction::Audit
            }),
        };
        let overrides_path = [key("spec"), key("validationFailureActionOverrides")];
        let written_overrides = spec.and_then(|s| s.get("validationFailureActionOverrides"));
        let mut policy_problems = parse::Problems {
            rule: None,
            list: Vec::new(),
        };
        let failure_action_overrides = match kind {
            PolicyKind::ClusterPolicy => {
                action::overrides(written_overrides, &overrides_path, &mut policy_problems)
            }
            PolicyKind::Policy => {
                if written_overrides.is_some_and(|o| !o.is_null()) {
                    policy_problems.add(
                        &overrides_path,
                        "validationFailureActionOverrides is supported only with ClusterPolicy",
                    );
                }
                Vec::new()
            }
        };
        problems.extend(policy_problems.list);
        let background = spec
            .and_then(|s| s.get("background"))
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let apply_one = spec
            .and_then(|s| s.get("applyRules"))
            .and_then(Value::as_str)
            .is_some_and(|a| a == "One");
        match spec.and_then(|s| s.get("rules")) {
            Some(Value::Array(list)) if !list.is_empty() => {}
            Some(Value::Array(_)) | None | Some(Value::Null) => problems.push(PolicyProblem {
                rule: None,
                path: vec![key("spec")],
                message: "the policy has no rules".to_owned(),
                kyverno_rejects: true,
            }),
            Some(_) => problems.push(PolicyProblem {
                rule: None,
                path: vec![key("spec"), key("rules")],
                message: "spec.rules must be a list".to_owned(),
                kyverno_rejects: true,
            }),
        }
        let mut rules = Vec::new();
        for computed in autogen::compute_rules(document) {
            let path = vec![
                key("spec"),
                key("rules"),
                PathSegment::Index(computed.source_index),
            ];
            let mut compiled =
                rule::compile(&computed.rule, path, failure_action, computed.generated);
            if let Some(source) = spec
                .and_then(|s| s.get("rules"))
                .and_then(|r| r.get(computed.source_index))
                .and_then(|r| r.get("name"))
                .and_then(Value::as_str)
            {
                source.clone_into(&mut compiled.rule.source_rule);
            }
            // Generated rules repeat their source rule's problems: report once.
            if computed.generated.is_none() {
                problems.extend(compiled.problems.iter().cloned());
            }
            rules.push(compiled.rule);
        }
        Ok(Policy {
            kind,
            name,
            namespace,
            annotations,
            failure_action,
            failure_action_overrides,
            background,
            apply_one,
            rules,
            problems,
        })
    }
}

fn key(k: &str) -> PathSegment {
    PathSegment::Key(k.to_owned())
}

/// The policy kind when the document is a Kyverno policy this crate reads.
pub fn policy_kind(document: &Value) -> Option<PolicyKind> {
    let api_version = document.get("apiVersion")?.as_str()?;
    if !matches!(api_version, "kyverno.io/v1" | "kyverno.io/v2beta1") {
        return None;
    }
    match document.get("kind")?.as_str()? {
        "ClusterPolicy" => Some(PolicyKind::ClusterPolicy),
        "Policy" => Some(PolicyKind::Policy),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
