//! The policies on every object, in parallel: which policies an object's kind
//! and clusters let apply (cheap, before any conversion), then each policy
//! evaluated once on the object prepared as the Kyverno CLI prepares a
//! resource, and its results turned into located findings.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use hubspoke_diagnostics::{FieldPath, Finding, ObjectMeta, RelatedLocation, Severity};
use hubspoke_engine::{ContextIndex, DocumentContext, POLICY_ERROR};
use hubspoke_kyverno::context::ResourceVariables;
use hubspoke_kyverno::evaluate::{
    evaluate_policy_with, Options, Outcome, ResourceInput, RuleResult,
};
use hubspoke_kyverno::exception::PolicyException;
use hubspoke_kyverno::kyverno_test::prepare_resource;
use hubspoke_kyverno::pattern::Violation;
use hubspoke_kyverno::pod_security::with_exception_controls;
use hubspoke_kyverno::policy::{Policy, PolicyKind};
use hubspoke_manifest::yaml::Node;
use hubspoke_manifest::{internal_error_finding, ParsedFile, PathSegment};
use rayon::prelude::*;
use serde_json::Value;

use super::exceptions::ExceptionScopes;
use super::load::{delivered_clusters, LoadedPolicy};
use super::meta;
use super::pod_security::{self, PodSecurityRequest, RequestSubject};
use super::rendered::{self, RenderedObjects};
use super::repository::Repository;
use super::versions::PolicySet;
use super::KyvernoStage;
use crate::settings::Settings;

/// A policy ready to run on this run's objects.
pub(super) struct Target<'s> {
    pub loaded: &'s LoadedPolicy,
    /// The policy; a namespaced `Policy` written without a namespace takes the one its
    /// kustomization gives it.
    pub policy: Cow<'s, Policy>,
    /// The clusters it is delivered to; `None`: it applies to every object.
    pub clusters: Option<BTreeSet<String>>,
    /// The default severity of each rule's findings, by index into `policy.rules`.
    pub severities: Vec<Severity>,
}

impl Target<'_> {
    /// The related location of a finding of rule `index`: the rule in the policy file.
    pub(super) fn related(&self, index: usize) -> Vec<RelatedLocation> {
        let (Some(site), Some(rule)) = (self.loaded.rules.get(index), self.policy.rules.get(index))
        else {
            return Vec::new();
        };
        let mut message = format!(
            "rule `{}` of Kyverno policy `{}`",
            rule.source_rule, self.policy.name
        );
        if rule.name != rule.source_rule {
            message.push_str(&format!(
                " (applied to the pod template as `{}`)",
                rule.name
            ));
        }
        let mut related = vec![RelatedLocation {
            file: site.file.clone(),
            region: site.region,
            message,
        }];
        related.extend(site.action.clone());
        related
    }

    /// ` (policy delivered to a, b)` for an object on `clusters`, when the policy is
    /// delivered to some of them only.
    pub(super) fn delivered(&self, clusters: &[String]) -> String {
        let Some(delivered) = &self.clusters else {
            return String::new();
        };
        let shared: Vec<&str> = clusters
            .iter()
            .filter(|c| delivered.contains(*c))
            .map(String::as_str)
            .collect();
        if shared.is_empty() {
            String::new()
        } else {
            format!(" (policy delivered to {})", shared.join(", "))
        }
    }

    /// What a finding on a document judged as written says of its clusters: those the
    /// policy is delivered to among `holding` (where no exception exempts it), or when
    /// the policy applies everywhere and exceptions exempt it on some of the document's
    /// `known` clusters, ` (on a, b)`.
    pub(super) fn written_scope(&self, known: &[String], holding: &[String]) -> String {
        if self.clusters.is_some() {
            self.delivered(holding)
        } else if holding.len() < known.len() {
            format!(" (on {})", holding.join(", "))
        } else {
            String::new()
        }
    }
}

/// Every object of `files` judged as written, and every object the clusters of
/// `rendered` receive, against every policy of `stage`.
pub(super) fn run(
    stage: &KyvernoStage,
    settings: &Settings,
    files: &[&ParsedFile],
    context: &ContextIndex,
    rendered: Option<&RenderedObjects<'_>>,
) -> Vec<Finding> {
    if stage.policies.is_empty() && stage.exceptions.is_empty() {
        return Vec::new();
    }
    let set = match rendered {
        Some(rendered) => PolicySet::rendered(stage, rendered, context),
        None => PolicySet::written(stage, context),
    };
    stage.count_policies(set.policies.len());
    let mut findings = set.findings.clone();
    let targets: Vec<Target<'_>> = set
        .policies
        .iter()
        .filter(|loaded| loaded.cel_kind.is_none())
        .map(|loaded| target(loaded, context))
        .filter(|t| runs_something(t, stage))
        .collect();
    if targets.is_empty() {
        return findings;
    }
    let index = KindIndex::new(&targets);
    let repository = Repository::build(files, context, rendered);
    let exceptions = ExceptionScopes::new(&set.exceptions);
    let run = Run {
        stage,
        targets: &targets,
        index: &index,
        repository: &repository,
        exceptions: &exceptions,
        context,
        options: Options {
            time_limit: Some(stage.time_limit),
            ..Options::default()
        },
    };
    let judged_as_written =
        |file: &ParsedFile| rendered.is_none_or(|r| (r.judged_as_written)(file));
    let per_file: Vec<(Vec<Finding>, Vec<PodSecurityRequest>)> = files
        .par_iter()
        .enumerate()
        .filter(|(_, file)| judged_as_written(file))
        .map(|(file_index, file)| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run.file(file_index, file)))
                .unwrap_or_else(|payload| {
                    let finding = internal_error_finding(
                        &file.source.path,
                        "evaluating the repository's Kyverno policies on this file",
                        payload.as_ref(),
                    );
                    (vec![finding], Vec::new())
                })
        })
        .collect();
    let mut requests = Vec::new();
    for (found, asked) in per_file {
        findings.extend(found);
        requests.extend(asked);
    }
    if let Some(rendered) = rendered {
        let (found, asked) = rendered::run(&run, rendered);
        findings.extend(found);
        requests.extend(asked);
    }
    findings.extend(pod_security::run(
        settings,
        &stage.dynamic,
        &targets,
        &requests,
        files,
        context,
        rendered,
    ));
    findings
}

/// A loaded policy with what the repository model says of where it lands.
fn target<'s>(loaded: &'s LoadedPolicy, context: &ContextIndex) -> Target<'s> {
    let delivered: Vec<DocumentContext> = loaded
        .deliveries
        .iter()
        .map(|(path, index)| context.document(path, *index).unwrap_or_default())
        .collect();
    let clusters = match &loaded.rendered_clusters {
        Some(receiving) => Some(receiving.clone()),
        None => delivered_clusters(&delivered, loaded.everywhere),
    };
    let mut policy = Cow::Borrowed(&loaded.policy);
    let written_namespace = loaded.object.as_ref().and_then(|o| o.namespace.as_ref());
    if loaded.policy.kind == PolicyKind::Policy && written_namespace.is_none() {
        if let Some(namespace) = delivered.iter().find_map(|d| d.namespace.clone()) {
            policy.to_mut().namespace = Some(namespace);
        }
    }
    let severities = policy
        .rules
        .iter()
        .map(|rule| meta::severity(rule.failure_action, &policy))
        .collect();
    Target {
        loaded,
        policy,
        clusters,
        severities,
    }
}

/// Whether some rule of the policy runs (is switched on and has no problem): else its
/// objects need not be looked at.
fn runs_something(target: &Target<'_>, stage: &KyvernoStage) -> bool {
    target
        .policy
        .rules
        .iter()
        .zip(&target.loaded.rules)
        .any(|(rule, site)| rule.problems.is_empty() && stage.dynamic.is_active(&site.id))
}

/// The policies whose rules may match each kind.
pub(super) struct KindIndex {
    by_kind: BTreeMap<String, Vec<usize>>,
    any_kind: Vec<usize>,
}

impl KindIndex {
    fn new(targets: &[Target<'_>]) -> KindIndex {
        let mut by_kind: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        let mut any_kind = Vec::new();
        for (i, target) in targets.iter().enumerate() {
            match &target.loaded.kinds {
                Some(kinds) => {
                    for kind in kinds {
                        by_kind.entry(kind.clone()).or_default().push(i);
                    }
                }
                None => any_kind.push(i),
            }
        }
        KindIndex { by_kind, any_kind }
    }

    /// Indices of the targets that may apply to `kind`, in order.
    pub(super) fn candidates(&self, kind: &str) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .by_kind
            .get(kind)
            .into_iter()
            .flatten()
            .chain(&self.any_kind)
            .copied()
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// What every file's evaluation shares.
pub(super) struct Run<'r, 's> {
    pub(super) stage: &'r KyvernoStage,
    pub(super) targets: &'r [Target<'s>],
    pub(super) index: &'r KindIndex,
    pub(super) repository: &'r Repository<'r>,
    /// The exceptions holding on each cluster.
    pub(super) exceptions: &'r ExceptionScopes,
    pub(super) context: &'r ContextIndex,
    pub(super) options: Options,
}

impl Run<'_, '_> {
    /// The findings of every object of one file, and its `podSecurity` checks to run.
    fn file(
        &self,
        file_index: usize,
        file: &ParsedFile,
    ) -> (Vec<Finding>, Vec<PodSecurityRequest>) {
        let mut findings = Vec::new();
        let mut requests = Vec::new();
        let (mut objects, mut evaluations, mut results_seen) = (0, 0, 0);
        for (position, document) in file.documents.iter().enumerate() {
            let Some(object) = &document.object else {
                continue;
            };
            let candidates = self.index.candidates(&object.kind);
            if candidates.is_empty() {
                continue;
            }
            let known = self
                .context
                .document(&file.source.path, document.index)
                .unwrap_or_default();
            // A kustomize patch is part of an object, not one.
            if known.patch {
                continue;
            }
            let applicable: Vec<usize> = candidates
                .into_iter()
                .filter(|&i| lands_on(&self.targets[i], &known.clusters))
                .collect();
            if applicable.is_empty() {
                continue;
            }
            objects += 1;
            let resource = prepared(&document.root, known.namespace.as_deref());
            let locate = |path: &[PathSegment]| hubspoke_diagnostics::Place {
                file: file.source.path.clone(),
                region: Some(file.source.region(document.locate(path).span)),
            };
            // Converted once for every policy on this object.
            let variables = ResourceVariables::new(&resource);
            let groups = self.exceptions.groups(&known.clusters);
            for target_index in applicable {
                let target = &self.targets[target_index];
                let mut per_group = Vec::new();
                for group in groups.iter().filter(|g| lands_on(target, &g.clusters)) {
                    let subject = Subject {
                        locate: &locate,
                        object: document.object.as_ref(),
                        clusters: &group.clusters,
                        exceptions: group.exceptions,
                        request: RequestSubject::Written {
                            file: file_index,
                            position,
                            clusters: group.clusters.clone(),
                        },
                        rendered: false,
                    };
                    let (results, (found, asked)) =
                        self.evaluate(target_index, &resource, &variables, &subject);
                    evaluations += 1;
                    results_seen += results;
                    per_group.push((group.clusters.clone(), found));
                    requests.extend(asked);
                }
                findings.extend(merge_written(target, &known.clusters, per_group));
            }
        }
        self.stage.count(objects, evaluations, results_seen);
        (findings, requests)
    }

    /// One policy on one prepared object: how many rule results it gave, their
    /// findings and the `podSecurity` checks they ask for.
    pub(super) fn evaluate(
        &self,
        target_index: usize,
        resource: &Value,
        variables: &ResourceVariables<'_>,
        subject: &Subject<'_>,
    ) -> (u64, (Vec<Finding>, Vec<PodSecurityRequest>)) {
        // Not `Value::pointer`, which allocates each step of its path: this runs for
        // every policy on every object.
        let namespace = resource
            .get("metadata")
            .and_then(|m| m.get("namespace"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let labels = self.repository.namespace_labels(namespace);
        let input = ResourceInput {
            resource,
            namespace: None,
            namespace_labels: &labels,
            subresource: "",
            values: None,
        };
        let target = &self.targets[target_index];
        let results = evaluate_policy_with(
            &target.policy,
            &input,
            variables,
            subject.exceptions,
            &self.options,
            self.repository,
        );
        let namespace = NamespaceOf {
            name: namespace,
            labels: &labels,
        };
        let mut findings = Vec::new();
        let mut requests = Vec::new();
        for result in &results {
            self.result(
                target_index,
                result,
                subject,
                namespace,
                &mut findings,
                &mut requests,
            );
        }
        (results.len() as u64, (findings, requests))
    }

    /// Add one file's (or one rendered root's) counts.
    pub(super) fn count(&self, objects: u64, evaluations: u64, results: u64) {
        self.stage.count(objects, evaluations, results);
    }

    /// The findings of one rule's result on one object.
    fn result(
        &self,
        target_index: usize,
        result: &RuleResult,
        place: &Subject<'_>,
        namespace: NamespaceOf<'_>,
        findings: &mut Vec<Finding>,
        requests: &mut Vec<PodSecurityRequest>,
    ) {
        let target = &self.targets[target_index];
        let Some(site) = target.loaded.rules.get(result.rule_index) else {
            return;
        };
        if !self.stage.dynamic.is_active(&site.id) {
            return;
        }
        match &result.outcome {
            Outcome::Fail { violations } => {
                let mut seen = BTreeSet::new();
                for violation in violations {
                    let path = full_path(violation);
                    if seen.insert(path.clone()) {
                        findings.push(
                            self.violation(target, result, violation, path, place, namespace),
                        );
                    }
                }
            }
            Outcome::Error { message } => {
                let located = (place.locate)(&[]);
                let mut finding = Finding::new(
                    POLICY_ERROR,
                    Severity::Error,
                    format!(
                        "rule {} ({}) failed on this object: {message}",
                        site.id, target.loaded.file
                    ),
                    located.file,
                );
                finding.region = located.region;
                finding.object = place.object.cloned();
                finding.related = target.related(result.rule_index);
                findings.push(finding);
            }
            // The exceptions' controls exempt as the rule's own do: Kyverno would skip
            // what they clear, which is no finding either.
            Outcome::PodSecurity {
                level,
                exclude,
                exception_controls,
                ..
            } => requests.push(PodSecurityRequest {
                subject: place.request.clone(),
                target: target_index,
                rule_index: result.rule_index,
                level: level.clone(),
                exclude: with_exception_controls(exclude, exception_controls),
            }),
            // Not-decidable rules have their one note; passes and skips say nothing.
            Outcome::Pass | Outcome::Skip { .. } | Outcome::NotDecidable { .. } => {}
        }
    }

    fn violation(
        &self,
        target: &Target<'_>,
        result: &RuleResult,
        violation: &Violation,
        path: Vec<PathSegment>,
        place: &Subject<'_>,
        namespace: NamespaceOf<'_>,
    ) -> Finding {
        let site = &target.loaded.rules[result.rule_index];
        let rule = &target.policy.rules[result.rule_index];
        let detail = violation.message.as_str();
        let mut message = match result.rule_message.as_deref() {
            Some(summary) if summary == detail => summary.to_owned(),
            Some(summary) => format!("{}: {detail}", summary.trim_end_matches('.')),
            None => format!(
                "rule `{}` of Kyverno policy `{}` failed: {detail}",
                rule.source_rule, target.policy.name
            ),
        };
        // A rendered object's finding names its clusters itself.
        if !place.rendered {
            message.push_str(&target.delivered(place.clusters));
        }
        let severity = if target.policy.has_action_overrides(rule) {
            let action = target
                .policy
                .failure_action_for(rule, namespace.name, namespace.labels);
            meta::severity(action, &target.policy)
        } else {
            target
                .severities
                .get(result.rule_index)
                .copied()
                .unwrap_or(Severity::Error)
        };
        let located = (place.locate)(&path);
        let mut finding = Finding::new(
            site.id.clone(),
            self.stage.dynamic.severity(&site.id, severity),
            message,
            located.file,
        );
        finding.region = located.region;
        finding.object = place.object.cloned();
        finding.path = FieldPath::from(path);
        finding.related = target.related(result.rule_index);
        finding
    }
}

/// The object a policy is evaluated on, and where its results are reported.
pub(super) struct Subject<'a> {
    /// Where a field of the object was written.
    pub locate: &'a dyn Fn(&[PathSegment]) -> hubspoke_diagnostics::Place,
    /// The object findings name.
    pub object: Option<&'a ObjectMeta>,
    /// The clusters it lands on (empty: unknown).
    pub clusters: &'a [String],
    /// The `PolicyException`s holding on those clusters.
    pub exceptions: &'a [PolicyException],
    /// Where a `podSecurity` check finds it again.
    pub request: RequestSubject,
    /// It is what a cluster receives: its findings name the clusters themselves,
    /// not in their message.
    pub rendered: bool,
}

/// The findings of one policy on a document judged as written, evaluated once per group
/// of its clusters sharing the same exceptions: a finding of several groups is one, and
/// its message names the clusters it holds on ([`Target::written_scope`]).
fn merge_written(
    target: &Target<'_>,
    known: &[String],
    per_group: Vec<(Vec<String>, Vec<Finding>)>,
) -> Vec<Finding> {
    if per_group.len() <= 1 {
        return per_group.into_iter().flat_map(|(_, found)| found).collect();
    }
    let mut merged: Vec<(Finding, String, Vec<String>)> = Vec::new();
    for (clusters, found) in per_group {
        let suffix = target.delivered(&clusters);
        for finding in found {
            let base = finding
                .message
                .strip_suffix(suffix.as_str())
                .unwrap_or(&finding.message)
                .to_owned();
            let same = merged.iter_mut().find(|(f, b, _)| {
                f.rule == finding.rule
                    && f.file == finding.file
                    && f.region == finding.region
                    && f.path == finding.path
                    && *b == base
            });
            match same {
                Some((_, _, holding)) => holding.extend(clusters.iter().cloned()),
                None => merged.push((finding, base, clusters.clone())),
            }
        }
    }
    merged
        .into_iter()
        .map(|(mut finding, base, mut holding)| {
            holding.sort();
            holding.dedup();
            finding.message = base + &target.written_scope(known, &holding);
            finding
        })
        .collect()
}

/// The namespace an object lands in (`""`: cluster-scoped) and that namespace's labels,
/// which failure action overrides look at.
#[derive(Clone, Copy)]
struct NamespaceOf<'a> {
    name: &'a str,
    labels: &'a BTreeMap<String, String>,
}

/// Whether a policy applies to an object on `clusters` (empty: unknown, so it does).
fn lands_on(target: &Target<'_>, clusters: &[String]) -> bool {
    match &target.clusters {
        None => true,
        Some(_) if clusters.is_empty() => true,
        Some(delivered) => clusters.iter().any(|c| delivered.contains(c)),
    }
}

/// The failing field's path; for a missing field, the field that should exist (it is
/// located at its parent's key).
fn full_path(violation: &Violation) -> Vec<PathSegment> {
    let mut path = violation.path.clone();
    if let Some(missing) = &violation.missing {
        path.push(PathSegment::Key(missing.clone()));
    }
    path
}

/// The object as Kyverno receives it: prepared as the Kyverno CLI prepares a resource
/// file, in the namespace its kustomization gives it when it names none itself.
pub(super) fn prepared<S>(root: &Node<S>, effective_namespace: Option<&str>) -> Value {
    let resource = root.to_json();
    let written = resource
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .is_some_and(|n| !n.is_empty());
    let mut resource = prepare_resource(resource);
    if !written {
        // Set only where the CLI set `default`: namespaced kinds.
        if let (Some(namespace), Some(slot)) = (
            effective_namespace,
            resource.pointer_mut("/metadata/namespace"),
        ) {
            *slot = Value::String(namespace.to_owned());
        }
    }
    resource
}
