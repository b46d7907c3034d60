//! Rule metadata: what every rule declares about itself, from a Rego rule's
//! `metadata := {...}` object or built into Rust for input problems and schemas.
//! `rules`, `explain`, docs, SARIF descriptors, configuration validation and
//! editor quick fixes all read it; none of them look at a rule's code.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::field_path::{FieldPath, PathSegment};
use crate::severity::Severity;

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

/// The value shapes a rule parameter may declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ParameterType {
    /// A string.
    String,
    /// A list of strings (a single string is taken as a list of one).
    StringList,
    /// A whole number.
    Integer,
    /// `true` or `false`.
    Boolean,
    /// A list of mappings whose keys the declaration's `fields` name.
    ObjectList,
}

impl ParameterType {
    /// Whether `value` has this shape.
    pub fn accepts(self, value: &serde_json::Value) -> bool {
        match self {
            ParameterType::String => value.is_string(),
            ParameterType::StringList => {
                value.is_string()
                    || value
                        .as_array()
                        .is_some_and(|items| items.iter().all(serde_json::Value::is_string))
            }
            ParameterType::Integer => value.is_i64() || value.is_u64(),
            ParameterType::Boolean => value.is_boolean(),
            ParameterType::ObjectList => value
                .as_array()
                .is_some_and(|items| items.iter().all(serde_json::Value::is_object)),
        }
    }

    /// What this shape is, for messages ("must be a list of strings").
    pub fn describe(self) -> &'static str {
        match self {
            ParameterType::String => "a string",
            ParameterType::StringList => "a list of strings",
            ParameterType::Integer => "an integer",
            ParameterType::Boolean => "true or false",
            ParameterType::ObjectList => "a list of mappings",
        }
    }

    /// The name declarations use (`string-list`).
    pub fn name(self) -> &'static str {
        match self {
            ParameterType::String => "string",
            ParameterType::StringList => "string-list",
            ParameterType::Integer => "integer",
            ParameterType::Boolean => "boolean",
            ParameterType::ObjectList => "object-list",
        }
    }
}

/// One parameter a rule reads from `data.hubspoke.config.params.<ID>.<name>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParameterDecl {
    /// The key under `rules.<ID>.params`.
    pub name: String,
    /// The shape it accepts.
    #[serde(rename = "type")]
    pub kind: ParameterType,
    /// The value in force when the configuration sets none.
    pub default: serde_json::Value,
    /// What it changes.
    pub description: String,
    /// For `object-list`: the keys an item may have and their shapes.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, ParameterType>,
    /// The default under a repository profile ([`PROFILES`]) where it differs from
    /// `default` (which is the `hub-spoke` one). A configured value wins over both.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub profile_defaults: BTreeMap<String, serde_json::Value>,
}

/// The repository profiles (`profile:` in the configuration), in documentation order:
/// what conventions a repository opted into. `hubspoke-manifest`'s `Profile` names them.
pub const PROFILES: [&str; 3] = ["hub-spoke", "multi-tenant", "single-tenant"];

impl ParameterDecl {
    /// Why `value` is not acceptable for this parameter, with the setting path of the
    /// offending part relative to the parameter (empty when the whole value is wrong).
    pub fn check(&self, value: &serde_json::Value) -> Result<(), (FieldPath, String)> {
        if !self.kind.accepts(value) {
            return Err((
                FieldPath::new(),
                format!("must be {}", self.kind.describe()),
            ));
        }
        if self.kind != ParameterType::ObjectList || self.fields.is_empty() {
            return Ok(());
        }
        for (index, item) in value.as_array().into_iter().flatten().enumerate() {
            for (key, field_value) in item.as_object().into_iter().flatten() {
                let at = FieldPath::from(vec![PathSegment::Index(index), PathSegment::key(key)]);
                let Some(kind) = self.fields.get(key) else {
                    let known: Vec<&str> = self.fields.keys().map(String::as_str).collect();
                    return Err((
                        at,
                        format!("unknown key `{key}` (an item has {})", known.join(", ")),
                    ));
                };
                if !kind.accepts(field_value) {
                    return Err((at, format!("must be {}", kind.describe())));
                }
            }
        }
        Ok(())
    }

    /// What is wrong with the declaration itself.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let valid_name = !self.name.is_empty()
            && self
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid_name {
            out.push(format!(
                "parameter name `{}` is not snake_case (a-z, 0-9, _)",
                self.name
            ));
        }
        if self.description.trim().is_empty() {
            out.push(format!("parameter `{}` has no description", self.name));
        }
        if let Err((at, message)) = self.check(&self.default) {
            let at = if at.is_empty() {
                String::new()
            } else {
                format!(" at {at}")
            };
            out.push(format!(
                "parameter `{}`: its default{at} {message}",
                self.name
            ));
        }
        for (profile, default) in &self.profile_defaults {
            if !PROFILES.contains(&profile.as_str()) {
                out.push(format!(
                    "parameter `{}`: `profile_defaults` names `{profile}`, not one of {}",
                    self.name,
                    PROFILES.join(", ")
                ));
            } else if let Err((_, message)) = self.check(default) {
                out.push(format!(
                    "parameter `{}`: its `{profile}` default {message}",
                    self.name
                ));
            }
        }
        if !self.fields.is_empty() && self.kind != ParameterType::ObjectList {
            out.push(format!(
                "parameter `{}`: only an object-list declares `fields`",
                self.name
            ));
        }
        out
    }
}

/// An editor quick fix a rule offers: set the flagged field to a value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuickFix {
    /// The field a finding must point at for this fix to apply: the end of its path
    /// (`securityContext.privileged`, `serviceAccountName`).
    pub field: String,
    /// The YAML value to write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
    /// A value the editor computes instead: `namespace-service-account` (a service
    /// account of the object's namespace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_from: Option<String>,
}

/// The computed values a [`QuickFix`] may name in `value_from`.
pub const FIX_VALUE_SOURCES: [&str; 1] = ["namespace-service-account"];

impl QuickFix {
    /// Whether this fix applies to a finding at `path`: the path ends with `field`.
    pub fn applies_to(&self, path: &[PathSegment]) -> bool {
        let field: FieldPath = match self.field.parse() {
            Ok(field) => field,
            Err(never) => match never {},
        };
        !field.is_empty() && path.ends_with(&field)
    }

    fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        match (&self.value, &self.value_from) {
            (Some(_), Some(_)) | (None, None) => out.push(format!(
                "fix for `{}` must give exactly one of `value` and `value_from`",
                self.field
            )),
            (None, Some(source)) if !FIX_VALUE_SOURCES.contains(&source.as_str()) => {
                out.push(format!(
                    "fix for `{}`: `value_from` must be one of {}",
                    self.field,
                    FIX_VALUE_SOURCES.join(", ")
                ))
            }
            _ => {}
        }
        if self.field.trim().is_empty() {
            out.push("a fix has an empty `field`".to_owned());
        }
        out
    }
}

/// A failing and a passing example of a rule: `(file name, text)` each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RuleExamples {
    /// A manifest the rule flags.
    pub fail: Option<(&'static str, &'static str)>,
    /// A manifest the rule accepts.
    pub pass: Option<(&'static str, &'static str)>,
}

impl RuleExamples {
    /// Both examples, `(file name, text)` each.
    pub const fn pair(
        fail: (&'static str, &'static str),
        pass: (&'static str, &'static str),
    ) -> RuleExamples {
        RuleExamples {
            fail: Some(fail),
            pass: Some(pass),
        }
    }
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
    /// The parameters it reads, with their defaults.
    #[serde(default)]
    pub parameters: Vec<ParameterDecl>,
    /// Editor quick fixes for its findings.
    #[serde(default)]
    pub fixes: Vec<QuickFix>,
    /// Repository rules: the fields of workload pod specs it reads, relative to the pod
    /// spec: `containers.image` (a field of every container), `serviceAccountName` (a key
    /// of the pod spec). Workload bodies reach it cut to these (pod templates are most of
    /// a repository); absent, it sees every body whole.
    #[serde(default)]
    pub workload_fields: Option<Vec<String>>,
    /// Rego package (`data.…`), set by the loader; empty for built-in rules.
    #[serde(default)]
    pub package: String,
    /// Policy file it came from, set by the loader; empty for built-in rules.
    #[serde(default)]
    pub source: String,
    /// Whether it ships with hubspoke-lint (set by the loader).
    #[serde(skip)]
    pub bundled: bool,
    /// Its "Avoid" and "Prefer" examples (a bundled Rego rule's first fixtures, set by
    /// the loader; built-in rules carry their own).
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
            parameters: Vec::new(),
            fixes: Vec::new(),
            workload_fields: None,
            package: String::new(),
            source: String::new(),
            bundled: true,
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

    /// The declared parameter `name`.
    pub fn parameter(&self, name: &str) -> Option<&ParameterDecl> {
        self.parameters.iter().find(|p| p.name == name)
    }

    /// The parameter values in force: each declared default, replaced by `configured`'s
    /// value of the same name; configured keys the rule does not declare are kept (a
    /// user's rule may read settings it does not declare).
    pub fn parameter_values(
        &self,
        configured: Option<&serde_json::Value>,
    ) -> serde_json::Map<String, serde_json::Value> {
        let mut values: serde_json::Map<String, serde_json::Value> = self
            .parameters
            .iter()
            .map(|p| (p.name.clone(), p.default.clone()))
            .collect();
        if let Some(configured) = configured.and_then(serde_json::Value::as_object) {
            for (name, value) in configured {
                values.insert(name.clone(), value.clone());
            }
        }
        values
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
        for kind in &self.kinds {
            if kind.is_empty() || kind.matches('/').count() > 1 {
                out.push(format!(
                    "kind `{kind}` is not `Kind`, `group/Kind`, `core/Kind` or `*`"
                ));
            }
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
        let mut seen = std::collections::BTreeSet::new();
        for parameter in &self.parameters {
            if !seen.insert(parameter.name.as_str()) {
                out.push(format!("parameter `{}` is declared twice", parameter.name));
            }
            out.extend(parameter.problems());
        }
        for fix in &self.fixes {
            out.extend(fix.problems());
        }
        if self.workload_fields.is_some() && self.scope == Scope::Document {
            out.push("`workload_fields` is for repository rules".to_owned());
        }
        out
    }
}

fn enabled_by_default() -> bool {
    true
}

/// Whether a kind selector (`Kind`, `group/Kind`, `core/Kind`, `*`) matches an object of
/// API group `group` (empty for `apiVersion: v1`). A bare `Kind` matches it in every group, as
/// Kyverno's `kinds: [Pod]` does; built-in rules about a core kind say `core/Kind`, so a custom
/// resource that reuses the name (a `talos.dev` ServiceAccount) is not judged as the core one.
pub fn kind_matches(selector: &str, group: &str, kind: &str) -> bool {
    match selector.rsplit_once('/') {
        None => selector == "*" || selector == kind,
        Some(("core", k)) => group.is_empty() && (k == kind || k == "*"),
        Some((g, k)) => g == group && (k == kind || k == "*"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kind_selectors_match_by_group() {
        assert!(kind_matches(
            "ServiceAccount",
            "talos.dev",
            "ServiceAccount"
        ));
        assert!(kind_matches("core/ServiceAccount", "", "ServiceAccount"));
        assert!(!kind_matches(
            "core/ServiceAccount",
            "talos.dev",
            "ServiceAccount"
        ));
        assert!(kind_matches("apps/Deployment", "apps", "Deployment"));
        assert!(!kind_matches("apps/Deployment", "", "Deployment"));
        assert!(kind_matches("core/*", "", "Secret"));
        assert!(!kind_matches("core/*", "apps", "Deployment"));
        assert!(kind_matches("*", "x.io", "Y"));
    }

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

    fn exclude() -> ParameterDecl {
        ParameterDecl {
            name: "exclude".to_owned(),
            kind: ParameterType::ObjectList,
            default: json!([]),
            description: "Kyverno's podSecurity exemptions.".to_owned(),
            fields: BTreeMap::from([
                ("controlName".to_owned(), ParameterType::String),
                ("images".to_owned(), ParameterType::StringList),
            ]),
            profile_defaults: BTreeMap::new(),
        }
    }

    #[test]
    fn object_lists_check_their_items_keys_and_shapes() {
        let decl = exclude();
        assert_eq!(
            decl.check(&json!([{"controlName": "Capabilities", "images": ["a/*"]}])),
            Ok(())
        );
        let (at, message) = decl
            .check(&json!([{"controlName": "x"}, {"controlNam": "y"}]))
            .expect_err("typo");
        assert_eq!(at.to_string(), "[1].controlNam");
        assert_eq!(
            message,
            "unknown key `controlNam` (an item has controlName, images)"
        );
        let (at, message) = decl.check(&json!([{"images": 3}])).expect_err("type");
        assert_eq!(
            (at.to_string().as_str(), message.as_str()),
            ("[0].images", "must be a list of strings")
        );
        let (at, message) = decl.check(&json!("x")).expect_err("not a list");
        assert_eq!(
            (at.to_string().as_str(), message.as_str()),
            ("", "must be a list of mappings")
        );
    }

    #[test]
    fn declarations_are_checked() {
        let bad = ParameterDecl {
            name: "Min".to_owned(),
            kind: ParameterType::Integer,
            default: json!("5000"),
            description: String::new(),
            fields: BTreeMap::new(),
            profile_defaults: BTreeMap::from([
                ("single-tenant".to_owned(), json!(0)),
                ("multi-tenant".to_owned(), json!([])),
                ("home-lab".to_owned(), json!(1)),
            ]),
        };
        assert_eq!(
            bad.problems(),
            [
                "parameter name `Min` is not snake_case (a-z, 0-9, _)",
                "parameter `Min` has no description",
                "parameter `Min`: its default must be an integer",
                "parameter `Min`: `profile_defaults` names `home-lab`, not one of hub-spoke, multi-tenant, single-tenant",
                "parameter `Min`: its `multi-tenant` default must be an integer",
            ]
        );
        assert!(exclude().problems().is_empty());
    }

    #[test]
    fn configured_values_replace_defaults() {
        let mut meta = RuleMeta::built_in("X1", "x", "t", Severity::Error, "d", "h");
        meta.parameters = vec![exclude()];
        let values = meta.parameter_values(Some(
            &json!({"exclude": [{"controlName": "a"}], "extra": 1}),
        ));
        assert_eq!(
            serde_json::Value::Object(values),
            json!({"exclude": [{"controlName": "a"}], "extra": 1})
        );
        assert_eq!(
            serde_json::Value::Object(meta.parameter_values(None)),
            json!({"exclude": []})
        );
    }

    #[test]
    fn fixes_apply_to_findings_ending_at_their_field() {
        let fix = QuickFix {
            field: "securityContext.privileged".to_owned(),
            value: Some(json!(false)),
            value_from: None,
        };
        let path: FieldPath = "spec.containers[0].securityContext.privileged"
            .parse()
            .unwrap_or_default();
        assert!(fix.applies_to(&path));
        let other: FieldPath = "spec.privileged".parse().unwrap_or_default();
        assert!(!fix.applies_to(&other));
        let both = QuickFix {
            value_from: Some("namespace-service-account".to_owned()),
            ..fix
        };
        assert_eq!(
            both.problems(),
            ["fix for `securityContext.privileged` must give exactly one of `value` and `value_from`"]
        );
    }
}
