//! `validate.podSecurity` rules. Kyverno checks a whole Pod Security Standards
//! profile at once; the bundled whole-profile rules do the same (PSS021 for
//! `baseline`, PSS022 for `restricted`, both at version `latest`) and take
//! Kyverno's `exclude` list as their `exclude` parameter. Each distinct
//! (level, exclude) runs its rule once, on the objects the Kyverno rule
//! matched, and the findings are reported under the Kyverno rule's id. The
//! `podSecurity` controls of the `PolicyException`s holding on the object are
//! part of its `exclude` already (`hubspoke_kyverno`'s evaluator appends them). The
//! `privileged` level allows everything. A `version` other than `latest` is
//! checked as `latest`.
//!
//! [`BundledPodSecurity`] gives `hubspoke-lint test` the same check (the same
//! rule, options and parameter) for its Kyverno tests' `podSecurity` verdicts.

use std::collections::BTreeMap;
use std::time::Duration;

use hubspoke_diagnostics::Finding;
use hubspoke_engine::{ContextIndex, EvalOptions, Evaluator, ObjectContext, RuleSet, POLICY_ERROR};
use hubspoke_kyverno::pod_security::PodSecurityStandards;
use hubspoke_manifest::{parse_text, ParseLimits, ParsedFile};
use rayon::prelude::*;
use serde_json::{json, Value};

use super::evaluate::Target;
use super::rendered::RenderedObjects;
use crate::dynamic::DynamicRules;
use crate::settings::Settings;
use crate::stages::render::objects::{self, RenderedLocator};

/// The bundled rule checking a whole profile.
fn profile_rule(level: &str) -> Option<&'static str> {
    match level {
        "baseline" => Some("PSS021"),
        "restricted" => Some("PSS022"),
        _ => None,
    }
}

/// The evaluation of one profile rule alone, with Kyverno's `exclude` list as its
/// `exclude` parameter (an unset one is empty).
fn profile_options(
    rules: &RuleSet,
    rule: &str,
    exclude: &Value,
    rule_timeout: Duration,
) -> EvalOptions {
    let exclude = match exclude {
        Value::Null => json!([]),
        other => other.clone(),
    };
    EvalOptions {
        disabled: rules
            .rules
            .iter()
            .map(|r| r.meta.id.clone())
            .filter(|id| id != rule)
            .collect(),
        enabled: [rule.to_owned()].into(),
        config: json!({"params": {rule: {"exclude": exclude}}}),
        rule_timeout,
        ..EvalOptions::default()
    }
}

/// The bundled profile rules as the Pod Security checks of `hubspoke-lint test`'s
/// Kyverno tests ([`hubspoke_kyverno::pod_security`]): the rule and options a lint
/// run's `podSecurity` requests use, on the test's resource as a document.
pub struct BundledPodSecurity<'a> {
    rules: &'a RuleSet,
    rule_timeout: Duration,
}

impl<'a> BundledPodSecurity<'a> {
    /// Checks with the profile rules of `rules`.
    pub fn new(rules: &'a RuleSet, rule_timeout: Duration) -> BundledPodSecurity<'a> {
        BundledPodSecurity {
            rules,
            rule_timeout,
        }
    }
}

impl PodSecurityStandards for BundledPodSecurity<'_> {
    fn violations(
        &self,
        level: &str,
        exclude: &Value,
        resource: &Value,
    ) -> Result<Vec<String>, String> {
        let rule = profile_rule(level)
            .ok_or_else(|| format!("no bundled rule checks the Pod Security level {level:?}"))?;
        if !self.rules.rules.iter().any(|r| r.meta.id == rule) {
            return Err(format!("the bundled rule {rule} is not loaded"));
        }
        let evaluator = Evaluator::new(
            self.rules,
            profile_options(self.rules, rule, exclude, self.rule_timeout),
        );
        // JSON is YAML: the resource becomes a one-document file, judged as a lint
        // run judges a document as written.
        let text = serde_json::to_string(resource).map_err(|e| e.to_string())?;
        let file = parse_text("resource", "resource", text, ParseLimits::default());
        let mut violations = Vec::new();
        for finding in evaluator.evaluate_file(&file, None) {
            if finding.rule == rule {
                violations.push(finding.message);
            } else if finding.rule == POLICY_ERROR {
                return Err(finding.message);
            }
        }
        Ok(violations)
    }
}

/// Where the object a `podSecurity` rule matched is.
#[derive(Debug, Clone)]
pub(super) enum RequestSubject {
    /// A document judged as written.
    Written {
        /// Index of its file in the run's files.
        file: usize,
        /// Position of its document in the file.
        position: usize,
        /// The clusters of the document the request holds on (all of them unless
        /// exceptions on some clusters exempt controls there).
        clusters: Vec<String>,
    },
    /// An object the clusters receive.
    Rendered {
        /// Index of its root among the rendered roots.
        root: usize,
        /// Index of its group among the root's objects.
        group: usize,
        /// The clusters the policy reaches it on.
        clusters: Vec<String>,
    },
}

/// One object a `podSecurity` rule matched.
#[derive(Debug, Clone)]
pub(super) struct PodSecurityRequest {
    /// The object.
    pub subject: RequestSubject,
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
    rendered: Option<&RenderedObjects<'_>>,
) -> Vec<Finding> {
    // A document judged as written is asked for once per group of its clusters
    // sharing the same exceptions: the same check from several groups is one, on
    // all their clusters.
    let mut merged: Vec<PodSecurityRequest> = Vec::new();
    for request in requests {
        if let RequestSubject::Written {
            file,
            position,
            clusters,
        } = &request.subject
        {
            let same = merged.iter_mut().find(|m| {
                matches!(&m.subject, RequestSubject::Written { file: f, position: p, .. }
                    if f == file && p == position)
                    && m.target == request.target
                    && m.rule_index == request.rule_index
                    && m.exclude == request.exclude
            });
            if let Some(RequestSubject::Written {
                clusters: known, ..
            }) = same.map(|m| &mut m.subject)
            {
                known.extend(clusters.iter().cloned());
                known.sort();
                known.dedup();
                continue;
            }
        }
        merged.push(request.clone());
    }
    let mut groups: BTreeMap<(&'static str, String), Vec<&PodSecurityRequest>> = BTreeMap::new();
    for request in &merged {
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
        let evaluator = Evaluator::new(
            &settings.rules,
            profile_options(
                &settings.rules,
                rule,
                &exclude,
                settings.options.rule_timeout,
            ),
        );
        let found: Vec<Vec<Finding>> = group
            .par_iter()
            .map(|request| {
                let Some(target) = targets.get(request.target) else {
                    return Vec::new();
                };
                let check = Check {
                    evaluator: &evaluator,
                    rule,
                    request,
                    dynamic,
                    target,
                };
                match &request.subject {
                    RequestSubject::Written {
                        file,
                        position,
                        clusters,
                    } => check.written(files, *file, *position, clusters, context),
                    RequestSubject::Rendered {
                        root,
                        group,
                        clusters,
                    } => rendered.map_or_else(Vec::new, |rendered| {
                        check.rendered(rendered, *root, *group, clusters, context)
                    }),
                }
            })
            .collect();
        findings.extend(found.into_iter().flatten());
    }
    // Rendered objects' findings once per (rule, place, field), clusters merged.
    let (rendered_found, written): (Vec<Finding>, Vec<Finding>) =
        findings.into_iter().partition(|f| !f.clusters.is_empty());
    let mut findings = written;
    findings.extend(objects::merge(rendered_found));
    findings
}

/// One `podSecurity` request to check with the profile rule.
struct Check<'a> {
    evaluator: &'a Evaluator<'a>,
    rule: &'static str,
    request: &'a PodSecurityRequest,
    dynamic: &'a DynamicRules,
    target: &'a Target<'a>,
}

impl Check<'_> {
    /// The profile rule's findings under the Kyverno rule's id.
    fn rename(&self, findings: &mut [Finding], delivered: &str) {
        let Some(site) = self.target.loaded.rules.get(self.request.rule_index) else {
            return;
        };
        let severity = self
            .target
            .severities
            .get(self.request.rule_index)
            .copied()
            .unwrap_or(hubspoke_diagnostics::Severity::Error);
        for finding in findings {
            if finding.rule == self.rule {
                finding.rule.clone_from(&site.id);
                finding.severity = self.dynamic.severity(&site.id, severity);
                finding.message = format!(
                    "{} (Kyverno podSecurity level {}){delivered}",
                    finding.message, self.request.level,
                );
                finding.related = self.target.related(self.request.rule_index);
            }
        }
    }

    /// The profile rule on one document judged as written.
    fn written(
        &self,
        files: &[&ParsedFile],
        file: usize,
        position: usize,
        holding: &[String],
        context: &ContextIndex,
    ) -> Vec<Finding> {
        let Some(file) = files.get(file) else {
            return Vec::new();
        };
        let Some(document) = file.documents.get(position) else {
            return Vec::new();
        };
        // The engine finds a document's context by its file's path and its index, which a
        // file holding only this document keeps.
        let single = ParsedFile {
            source: file.source.clone(),
            documents: vec![document.clone()],
            problems: Vec::new(),
        };
        let known = context
            .document(&file.source.path, document.index)
            .map(|c| c.clusters)
            .unwrap_or_default();
        let mut findings = self.evaluator.evaluate_file(&single, Some(context));
        self.rename(&mut findings, &self.target.written_scope(&known, holding));
        findings
    }

    /// The profile rule on one object the clusters receive, as the bundled document
    /// rules judge it.
    fn rendered(
        &self,
        rendered: &RenderedObjects<'_>,
        root: usize,
        group: usize,
        clusters: &[String],
        context: &ContextIndex,
    ) -> Vec<Finding> {
        let Some(root) = rendered.roots.get(root) else {
            return Vec::new();
        };
        let Some(group) = root.groups.get(group) else {
            return Vec::new();
        };
        let object = group.object;
        let Some(facts) = root.files.facts(context, object) else {
            return Vec::new();
        };
        let object_context = ObjectContext {
            namespace: facts.namespace.as_deref(),
            clusters,
            file: &facts.file,
            remote: facts.remote,
            default_service_account: facts.default_service_account.as_deref(),
        };
        let locator = RenderedLocator {
            root: &object.object.root,
            files: root.files,
        };
        let locate = |path: &[hubspoke_manifest::PathSegment]| {
            hubspoke_schema::FieldLocator::locate(&locator, path)
        };
        let mut findings = self.evaluator.evaluate_object(
            &object.object.root,
            &facts.named,
            &object_context,
            &locate,
        );
        self.rename(&mut findings, "");
        objects::finish(
            &mut findings,
            root.files,
            object,
            clusters,
            facts.namespace.as_deref(),
        );
        findings
    }
}
