//! What the repository's Kyverno rules say about themselves: ids, metadata
//! for the catalog (SARIF descriptors, configuration, suppressions), the
//! severity of their findings, and the notes on rules that cannot be decided
//! offline.
//!
//! Severity: the rule's `validate.failureAction`, else the policy's
//! `validationFailureAction` (`Audit` when unset), refined by the policy's
//! `policies.kyverno.io/severity` annotation:
//!
//! | action | annotation | severity |
//! |---|---|---|
//! | `Enforce` | any | error (the cluster refuses the object) |
//! | `Audit` | `low`, `info` | note |
//! | `Audit` | `medium`, `high`, `critical`, none | warning |
//! | `Audit` | policy `policies.kyverno.io/scored: "false"` | note (Kyverno reports its failures as warnings, not failures) |
//!
//! The annotation also gives the SARIF `security-severity` (critical 9.5, high
//! 8.0, medium 5.5, low 3.0). Configuration (`rules:`, `overrides:`) changes
//! severities as for any rule.

use std::collections::BTreeMap;

use hubspoke_diagnostics::{Finding, KyvernoRef, RuleMeta, Scope, Severity};
use hubspoke_kyverno::evaluate::undecidable_offline;
use hubspoke_kyverno::policy::{FailureAction, Policy, Rule};

use super::load::{LoadedPolicy, RuleSite};
use crate::dynamic::{DynamicRules, REPOSITORY_RULES_TAG, REPOSITORY_RULE_PREFIX};

/// The id of rule `rule` of policy `policy`: `kyverno/<policy>/<rule>`. A namespaced
/// `Policy` has no namespace in it: policies of one name share their rules' ids (and
/// so their configuration).
pub(super) fn rule_id(policy: &str, rule: &str) -> String {
    format!("{REPOSITORY_RULE_PREFIX}{policy}/{rule}")
}

/// The tag of every rule of policy `policy`: `kyverno/<policy>`.
fn policy_tag(policy: &str) -> String {
    format!("{REPOSITORY_RULE_PREFIX}{policy}")
}

/// The default severity of a rule's violations (the table above).
pub(super) fn severity(action: FailureAction, policy: &Policy) -> Severity {
    match action {
        FailureAction::Enforce => Severity::Error,
        FailureAction::Audit => {
            let level = policy.severity().map(str::to_ascii_lowercase);
            if matches!(level.as_deref(), Some("low" | "info")) || !policy.scored() {
                Severity::Note
            } else {
                Severity::Warning
            }
        }
    }
}

/// GitHub's `security-severity` from `policies.kyverno.io/severity`.
fn security_severity(policy: &Policy) -> Option<f64> {
    match policy.severity()?.to_ascii_lowercase().as_str() {
        "critical" => Some(9.5),
        "high" => Some(8.0),
        "medium" => Some(5.5),
        "low" => Some(3.0),
        _ => None,
    }
}

/// Metadata of every rule of `policies`, sorted by id; the first policy defining an id
/// gives its text.
pub(super) fn catalog(policies: &[LoadedPolicy]) -> Vec<RuleMeta> {
    let mut by_id: BTreeMap<String, RuleMeta> = BTreeMap::new();
    for loaded in policies {
        for (site, rule) in source_rules(loaded) {
            if !by_id.contains_key(&site.id) {
                by_id.insert(site.id.clone(), rule_meta(loaded, site, rule));
            }
        }
    }
    by_id.into_values().collect()
}

/// Each rule as written (auto-generated ones left out) with its site; a CEL policy's
/// one site without a rule.
fn source_rules(loaded: &LoadedPolicy) -> Vec<(&RuleSite, Option<&Rule>)> {
    if loaded.cel_kind.is_some() {
        return loaded.rules.iter().map(|site| (site, None)).collect();
    }
    loaded
        .rules
        .iter()
        .zip(&loaded.policy.rules)
        .filter(|(_, rule)| rule.generated.is_none())
        .map(|(site, rule)| (site, Some(rule)))
        .collect()
}

fn rule_meta(loaded: &LoadedPolicy, site: &RuleSite, rule: Option<&Rule>) -> RuleMeta {
    let policy = &loaded.policy;
    let rule_name = match (rule, &loaded.cel_kind) {
        (Some(rule), _) => rule.name.clone(),
        (None, Some(kind)) => kind.clone(),
        (None, None) => String::new(),
    };
    let heading = policy.title().unwrap_or(&policy.name);
    let what = match &loaded.cel_kind {
        Some(kind) => format!("the repository's Kyverno {kind} `{}`", policy.name),
        None => format!(
            "rule `{rule_name}` of the repository's Kyverno policy `{}`",
            policy.name
        ),
    };
    let mut description = format!("{}: {what}.", one_line(heading));
    if let Some(text) = policy.description() {
        description.push(' ');
        description.push_str(&one_line(text));
    }
    let at = match site.region {
        Some(region) => format!("{}:{}", loaded.file, region.start.line),
        None => loaded.file.clone(),
    };
    let action = rule.map_or(policy.failure_action, |r| r.failure_action);
    let mut help = String::new();
    if let Some(message) = rule
        .and_then(|r| r.message.as_deref())
        .filter(|m| !m.contains("{{"))
    {
        help.push_str(one_line(message).trim_end_matches('.'));
        help.push_str(". ");
    }
    help.push_str(&format!(
        "Change the object so that it satisfies {what} ({at}). "
    ));
    help.push_str(match action {
        FailureAction::Enforce => {
            "Clusters running the policy refuse objects that break it (Enforce)."
        }
        FailureAction::Audit => {
            "Clusters running the policy admit objects that break it and report them (Audit)."
        }
    });
    let needs = match (rule, &loaded.cel_kind) {
        (Some(rule), _) => undecidable_offline(rule),
        (None, Some(_)) => Some(cel_needs()),
        (None, None) => None,
    };
    if let Some(needs) = needs {
        help.push_str(&format!(" It is not checked offline: {needs}."));
    }
    let mut meta = RuleMeta::built_in(
        &site.id,
        &rule_name,
        REPOSITORY_RULES_TAG,
        severity(action, policy),
        &description,
        &help,
    );
    meta.tags.push(policy_tag(&policy.name));
    meta.security_severity = security_severity(policy);
    meta.scope = Scope::Document;
    meta.kinds = match rule {
        Some(rule) => {
            let kinds: Vec<String> = rule
                .matching
                .kinds()
                .into_iter()
                .map(str::to_owned)
                .collect();
            if kinds.is_empty() {
                vec!["*".to_owned()]
            } else {
                kinds
            }
        }
        None => Vec::new(),
    };
    meta.kyverno = vec![KyvernoRef {
        policy: policy.name.clone(),
        rule: rule_name,
    }];
    meta.source = loaded.file.clone();
    meta.bundled = false;
    meta
}

/// What a CEL policy would need.
fn cel_needs() -> String {
    "Kyverno's CEL policies (policies.kyverno.io) are not supported yet".to_owned()
}

/// Text on one line, runs of white space as one space (annotations are often folded
/// YAML blocks).
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The findings about the policies themselves that need no object: one note per rule
/// (not per object) that cannot be decided offline, at the rule in its policy file.
/// Rules with problems have their `policy-error` instead; rules switched off, nothing.
pub(super) fn static_findings<'p>(
    policies: impl IntoIterator<Item = &'p LoadedPolicy>,
    dynamic: &DynamicRules,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for loaded in policies {
        for (site, rule) in source_rules(loaded) {
            if !dynamic.is_active(&site.id) {
                continue;
            }
            let (what, needs) = match (rule, &loaded.cel_kind) {
                (Some(rule), _) if rule.problems.is_empty() => (
                    format!(
                        "rule `{}` of Kyverno policy `{}`",
                        rule.name, loaded.policy.name
                    ),
                    undecidable_offline(rule),
                ),
                (None, Some(kind)) => (
                    format!("Kyverno {kind} `{}`", loaded.policy.name),
                    Some(cel_needs()),
                ),
                _ => continue,
            };
            let Some(needs) = needs else {
                continue;
            };
            let mut finding = Finding::new(
                site.id.clone(),
                Severity::Note,
                format!("{what} is not checked offline: {needs}"),
                &site.file,
            );
            finding.region = site.region;
            finding.object.clone_from(&loaded.object);
            finding.path = site.path.clone();
            findings.push(finding);
        }
    }
    findings
}
