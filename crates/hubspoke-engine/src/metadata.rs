//! Rule metadata: the `metadata := {...}` object every rule package carries.

use serde::{Deserialize, Serialize};

use crate::finding::Severity;
use crate::policy::RuleExamples;

/// Whether a rule sees one document at a time or the whole repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// `input` is one Kubernetes object.
    Document,
    /// `input` is the repository model.
    Repository,
}

/// A Kyverno rule this rule is equivalent to (proven by the conformance tests).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KyvernoRef {
    /// Kyverno policy name.
    pub policy: String,
    /// Rule name inside it.
    pub rule: String,
}

/// Everything known about a rule, from its Rego metadata or built in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleMeta {
    /// Stable id, e.g. `PSS001`.
    pub id: String,
    /// Kebab-case name of the flagged pattern.
    pub title: String,
    /// Why it matters; the first sentence stands alone.
    pub description: String,
    /// What to do about it.
    pub help: String,
    /// Default severity.
    pub severity: Severity,
    /// GitHub's 0–10 security severity.
    #[serde(default)]
    pub security_severity: Option<f64>,
    /// Family and other tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Document or repository.
    pub scope: Scope,
    /// Kinds it applies to: `Kind`, `group/Kind`, or `*`.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// Kyverno rules it is equivalent to.
    #[serde(default)]
    pub kyverno: Vec<KyvernoRef>,
    /// Trivy checks (KSV ids, e.g. `KSV041`) that flag the same problem, for users
    /// mapping their findings; similar, not proven equal (the description says where
    /// the rule differs).
    #[serde(default)]
    pub trivy: Vec<String>,
    /// Checkov checks (`CKV_K8S_…`, `CKV2_K8S_…`) that flag the same problem; as `trivy`.
    #[serde(default)]
    pub checkov: Vec<String>,
    /// Whether it runs without being enabled in the configuration (or by `--rule`).
    #[serde(default = "enabled_by_default")]
    pub default_enabled: bool,
    /// Rego package (`data.…`), set by the loader; empty for built-in rules.
    #[serde(default)]
    pub package: String,
    /// Policy file it came from, set by the loader; empty for built-in rules.
    #[serde(default)]
    pub source: String,
    /// Examples of a built-in rule (Rego rules take theirs from their fixtures, by `source`).
    #[serde(skip)]
    pub examples: RuleExamples,
}

impl RuleMeta {
    /// Metadata of a rule implemented in Rust (input problems, schema checks):
    /// every document, on by default, no policy file.
    pub fn built_in(
        id: &str,
        title: &str,
        tag: &str,
        severity: Severity,
        description: &str,
        help: &str,
    ) -> RuleMeta {
        RuleMeta {
            id: id.to_owned(),
            title: title.to_owned(),
            description: description.to_owned(),
            help: help.to_owned(),
            severity,
            security_severity: None,
            tags: vec![tag.to_owned()],
            scope: Scope::Document,
            kinds: vec!["*".to_owned()],
            kyverno: Vec::new(),
            trivy: Vec::new(),
            checkov: Vec::new(),
            default_enabled: true,
            package: String::new(),
            source: String::new(),
            examples: RuleExamples::default(),
        }
    }

    /// The same rule with its "Avoid" and "Prefer" examples, `(file name, text)` each.
    pub fn with_examples(
        mut self,
        fail: (&'static str, &'static str),
        pass: (&'static str, &'static str),
    ) -> RuleMeta {
        self.examples = RuleExamples {
            fail: Some(fail),
            pass: Some(pass),
        };
        self
    }

    /// The first sentence of the description (SARIF `shortDescription`, tables).
    pub fn summary(&self) -> &str {
        match self.description.find(". ") {
            Some(end) => &self.description[..=end],
            None => &self.description,
        }
    }

    /// Check the fields a loader cannot leave to serde; returns what is wrong.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.id.trim().is_empty() {
            out.push("`id` is empty".to_owned());
        }
        if self.title.trim().is_empty() {
            out.push("`title` is empty".to_owned());
        }
        if self.description.trim().is_empty() {
            out.push("`description` is empty".to_owned());
        }
        if self.help.trim().is_empty() {
            out.push("`help` is empty".to_owned());
        }
        if let Some(s) = self.security_severity {
            if !(0.0..=10.0).contains(&s) {
                out.push(format!("`security_severity` {s} is outside 0–10"));
            }
        }
        if self.scope == Scope::Document && self.kinds.is_empty() {
            out.push(
                "`kinds` is empty: a document rule must name the kinds it applies to (or `*`)"
                    .to_owned(),
            );
        }
        for id in &self.trivy {
            if !id.starts_with("KSV") {
                out.push(format!("trivy check `{id}` is not a KSV id"));
            }
        }
        for id in &self.checkov {
            if !(id.starts_with("CKV_K8S_") || id.starts_with("CKV2_K8S_")) {
                out.push(format!(
                    "checkov check `{id}` is not a CKV_K8S_ or CKV2_K8S_ id"
                ));
            }
        }
        for kind in &self.kinds {
            if kind.is_empty() || kind.matches('/').count() > 1 {
                out.push(format!("kind `{kind}` is not `Kind`, `group/Kind` or `*`"));
            }
        }
        out
    }
}

fn enabled_by_default() -> bool {
    true
}

/// Whether a kind selector (`Kind`, `group/Kind`, `*`) matches an object.
pub fn kind_matches(selector: &str, group: &str, kind: &str) -> bool {
    match selector.rsplit_once('/') {
        None => selector == "*" || selector == kind,
        Some((g, k)) => g == group && (k == kind || k == "*"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_tools_ids_are_checked() {
        let mut meta = RuleMeta::built_in("X1", "x", "t", Severity::Error, "d.", "h");
        meta.trivy = vec!["KSV041".to_owned(), "AVD-KSV-0041".to_owned()];
        meta.checkov = vec![
            "CKV_K8S_49".to_owned(),
            "CKV2_K8S_5".to_owned(),
            "CKV_AWS_1".to_owned(),
        ];
        assert_eq!(
            meta.problems(),
            vec![
                "trivy check `AVD-KSV-0041` is not a KSV id".to_owned(),
                "checkov check `CKV_AWS_1` is not a CKV_K8S_ or CKV2_K8S_ id".to_owned(),
            ]
        );
    }

    #[test]
    fn selectors_match_groups_exactly() {
        assert!(kind_matches("Pod", "", "Pod"));
        assert!(kind_matches("apps/Deployment", "apps", "Deployment"));
        assert!(!kind_matches(
            "kustomize.toolkit.fluxcd.io/Kustomization",
            "kustomize.config.k8s.io",
            "Kustomization"
        ));
        assert!(kind_matches("*", "x", "Y"));
    }
}
