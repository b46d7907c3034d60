//! `validate.podSecurity` rules. Kyverno checks a whole Pod Security Standards
//! profile at once; the bundled whole-profile rules do the same (PSS021 for
//! `baseline`, PSS022 for `restricted`, both at version `latest`) and take
//! Kyverno's `exclude` list as their `exclude` parameter. Each distinct
//! (level, exclude) runs its rule once, on the objects the Kyverno rule
//! matched, and the findings are reported under the Kyverno rule's id. The
//! `privileged` level allows everything. A `version` other than `latest` is
//! checked as `latest`.

use std::collections::BTreeMap;

use hubspoke_diagnostics::Finding;
use hubspoke_engine::{ContextIndex, EvalOptions, Evaluator};
use hubspoke_manifest::ParsedFile;
use rayon::prelude::*;
use serde_json::{json, Value};

use super::evaluate::Target;
use crate::dynamic::DynamicRules;
use crate::settings::Settings;

/// The bundled rule checking a whole profile.
fn profile_rule(level: &str) -> Option<&'static str> {
    match level {
        "baseline" => Some("PSS021"),
        "restricted" => Some("PSS022"),
        _ => None,
    }
}

/// One object a `podSecurity` rule matched.
#[derive(Debug, Clone)]
pub(super) struct PodSecurityRequest {
    /// Index of its file in the run's files.
    pub file: usize,
    /// Position of its document in the file.
    pub position: usize,
    /// Index of the policy in the run's targets.
    pub target: usize,
    /// Index of the rule in the policy's rules.
    pub rule_index: usize,
    /// `baseline`, `restricted` or `privileged`.
    pub level: String,
    /// Kyverno's `exclude` list, as written.
    pub exclude: Value,
}

/// The findings of every request.
pub(super) fn run(
    settings: &Settings,
    dynamic: &DynamicRules,
    targets: &[Target<'_>],
    requests: &[PodSecurityRequest],
    files: &[&ParsedFile],
    context: &ContextIndex,
) -> Vec<Finding> {
    let mut groups: BTreeMap<(&'static str, String), Vec<&PodSecurityRequest>> = BTreeMap::new();
    for request in requests {
        if let Some(rule) = profile_rule(&request.level) {
            let exclude = match &request.exclude {
                Value::Null => json!([]),
                other => other.clone(),
            };
            groups
                .entry((rule, exclude.to_string()))
                .or_default()
                .push(request);
        }
    }
    let mut findings = Vec::new();
    for ((rule, exclude), group) in groups {
        let exclude: Value = serde_json::from_str(&exclude).unwrap_or_else(|_| json!([]));
        let options = EvalOptions {
            disabled: settings
                .rules
                .rules
                .iter()
                .map(|r| r.meta.id.clone())
                .filter(|id| id != rule)
                .collect(),
            enabled: [rule.to_owned()].into(),
            config: json!({"params": {rule: {"exclude": exclude}}}),
            rule_timeout: settings.options.rule_timeout,
            ..EvalOptions::default()
        };
        let evaluator = Evaluator::new(&settings.rules, options);
        let found: Vec<Vec<Finding>> = group
            .par_iter()
            .map(|request| check(&evaluator, rule, request, dynamic, targets, files, context))
            .collect();
        findings.extend(found.into_iter().flatten());
    }
    findings
}

/// The profile rule on one object, its findings under the Kyverno rule's id.
fn check(
    evaluator: &Evaluator<'_>,
    rule: &str,
    request: &PodSecurityRequest,
    dynamic: &DynamicRules,
    targets: &[Target<'_>],
    files: &[&ParsedFile],
    context: &ContextIndex,
) -> Vec<Finding> {
    let (Some(file), Some(target)) = (files.get(request.file), targets.get(request.target)) else {
        return Vec::new();
    };
    let (Some(document), Some(site)) = (
        file.documents.get(request.position),
        target.loaded.rules.get(request.rule_index),
    ) else {
        return Vec::new();
    };
    // The engine finds a document's context by its file's path and its index, which a
    // file holding only this document keeps.
    let single = ParsedFile {
        source: file.source.clone(),
        documents: vec![document.clone()],
        problems: Vec::new(),
    };
    let clusters = context
        .document(&file.source.path, document.index)
        .map(|c| c.clusters)
        .unwrap_or_default();
    let severity = target
        .severities
        .get(request.rule_index)
        .copied()
        .unwrap_or(hubspoke_diagnostics::Severity::Error);
    evaluator
        .evaluate_file(&single, Some(context))
        .into_iter()
        .map(|mut finding| {
            if finding.rule == rule {
                finding.rule.clone_from(&site.id);
                finding.severity = dynamic.severity(&site.id, severity);
                finding.message = format!(
                    "{} (Kyverno podSecurity level {}){}",
                    finding.message,
                    request.level,
                    target.delivered(&clusters)
                );
                finding.related = target.related(request.rule_index);
            }
            finding
        })
        .collect()
}
