//! Which policies and exceptions a run applies, and where.
//!
//! Without rendering, those loaded from the files as written ([`PolicySet::written`]).
//! When the pipeline renders, a cluster enforces what Flux applies to it: an
//! overlay may patch a policy's failure action or a rule's `exclude`, `postBuild`
//! may substitute a `${VAR}` in it, a `PolicyException` may be patched per spoke. So
//! the policies and exceptions of the files a cluster renders are read from the
//! rendered objects ([`PolicySet::rendered`]): each distinct rendered version (the
//! same values on several clusters are one) is compiled once and holds on the
//! clusters receiving it; its rules keep their ids, and its problems, notes and
//! rule locations land on the origin of the value in the files (the base line, the
//! overlay's patch line, the `${VAR}` placeholder). Policies of files no cluster
//! renders, and those given by path, stay as written.
//!
//! A value the render leaves unknown (a SOPS-encrypted variable, an undefined one)
//! is never judged: a rule reading one is not run on the clusters receiving that
//! version, and one note says why; an exception whose match or conditions read one
//! exempts every object of the rules it names there (it may cover any of them).

use std::borrow::Cow;
use std::collections::BTreeSet;

use hubspoke_diagnostics::{FieldPath, Finding, ObjectMeta, RelatedLocation, Severity};
use hubspoke_engine::{ContextIndex, DocumentContext, POLICY_ERROR};
use hubspoke_kyverno::exception::{is_policy_exception, PolicyException};
use hubspoke_kyverno::policy::{policy_kind, Policy, PolicyProblem, Rule};
use hubspoke_manifest::yaml::Node;
use hubspoke_manifest::{object_meta, PathSegment};
use hubspoke_render::ClusterObject;
use hubspoke_schema::FieldLocator;
use serde_json::{json, Value};

use super::load::{
    delivered_clusters, exception_problem_findings, identity, policy_kinds, problem_finding,
    rule_sites, LoadedException, LoadedPolicy,
};
use super::meta;
use super::rendered::{RenderedObjects, RenderedRoot};
use super::KyvernoStage;
use crate::stages::render::objects::{self, RenderedLocator};

/// The policies and exceptions a run applies.
pub(super) struct PolicySet<'s> {
    /// The policies: as written (borrowed from the stage, or with fewer deliveries),
    /// then the rendered versions.
    pub policies: Vec<Cow<'s, LoadedPolicy>>,
    /// The exceptions applied, each with the clusters it holds on (`None`: every one).
    pub exceptions: Vec<(Cow<'s, PolicyException>, Option<BTreeSet<String>>)>,
    /// The problems of those policies and exceptions, and the notes of their rules
    /// (not-decidable rules, values unknown offline).
    pub findings: Vec<Finding>,
}

impl<'s> PolicySet<'s> {
    /// Every policy and exception as written.
    pub(super) fn written(stage: &'s KyvernoStage, context: &ContextIndex) -> PolicySet<'s> {
        let mut set = PolicySet {
            policies: Vec::new(),
            exceptions: Vec::new(),
            findings: Vec::new(),
        };
        for loaded in &stage.policies {
            set.keep_policy(Cow::Borrowed(loaded));
        }
        for loaded in &stage.exceptions {
            set.keep_exception(loaded, context);
        }
        set.findings.extend(meta::static_findings(
            set.policies.iter().map(AsRef::as_ref),
            &stage.dynamic,
        ));
        set
    }

    /// What the clusters of `rendered` receive: the versions rendered from their files,
    /// and as written the policies and exceptions of the files no cluster renders (a
    /// policy delivered from both keeps only its deliveries as written).
    pub(super) fn rendered(
        stage: &'s KyvernoStage,
        rendered: &RenderedObjects<'_>,
        context: &ContextIndex,
    ) -> PolicySet<'s> {
        let is_rendered = |(path, _): &(String, usize)| rendered.rendered_files.contains(path);
        // The deliveries in files no cluster renders: there the as-written version holds.
        let written_deliveries = |deliveries: &[(String, usize)]| -> Vec<(String, usize)> {
            deliveries
                .iter()
                .filter(|d| !is_rendered(d))
                .cloned()
                .collect()
        };
        let touches_render = stage
            .policies
            .iter()
            .filter(|p| p.cel_kind.is_none())
            .map(|p| &p.deliveries)
            .chain(stage.exceptions.iter().map(|e| &e.deliveries))
            .any(|deliveries| deliveries.iter().any(is_rendered));
        if !touches_render {
            return PolicySet::written(stage, context);
        }
        let mut set = PolicySet {
            policies: Vec::new(),
            exceptions: Vec::new(),
            findings: Vec::new(),
        };
        // Applied everywhere as given by path: its rendered copies add nothing.
        let mut everywhere: BTreeSet<(String, String, String)> = BTreeSet::new();
        for loaded in &stage.policies {
            // A CEL policy is only a note, and one given by path applies everywhere.
            if loaded.cel_kind.is_some() || loaded.everywhere {
                if loaded.everywhere {
                    everywhere.extend(loaded.object.as_ref().map(identity));
                }
                set.keep_policy(Cow::Borrowed(loaded));
                continue;
            }
            if !loaded.deliveries.iter().any(is_rendered) {
                set.keep_policy(Cow::Borrowed(loaded));
                continue;
            }
            let written = written_deliveries(&loaded.deliveries);
            if !written.is_empty() {
                let mut kept = loaded.clone();
                kept.deliveries = written;
                set.keep_policy(Cow::Owned(kept));
            }
        }
        for loaded in &stage.exceptions {
            if loaded.everywhere || !loaded.deliveries.iter().any(is_rendered) {
                set.keep_exception(loaded, context);
                continue;
            }
            let written = written_deliveries(&loaded.deliveries);
            if !written.is_empty() {
                let mut kept = loaded.clone();
                kept.deliveries = written;
                set.keep_exception(&kept, context);
            }
        }
        let mut notes =
            meta::static_findings(set.policies.iter().map(AsRef::as_ref), &stage.dynamic);
        let mut versions = Vec::new();
        for version in distinct_versions(rendered) {
            let root = &rendered.roots[version.root];
            if version.policy {
                let named = version.object.as_ref().map(identity);
                if named.is_some_and(|n| everywhere.contains(&n)) {
                    continue;
                }
                if let Some(loaded) = set.policy_version(stage, root, &version) {
                    versions.push(loaded);
                }
            } else {
                set.exception_version(root, &version);
            }
        }
        notes.extend(meta::static_findings(versions.iter(), &stage.dynamic));
        set.policies.extend(versions.into_iter().map(Cow::Owned));
        set.findings.extend(notes);
        // A problem or a note every version shares is reported once, naming their
        // clusters.
        set.findings = objects::merge(std::mem::take(&mut set.findings));
        set
    }

    fn keep_policy(&mut self, loaded: Cow<'s, LoadedPolicy>) {
        self.findings.extend(loaded.findings.iter().cloned());
        self.policies.push(loaded);
    }

    fn keep_exception(&mut self, loaded: &LoadedException, context: &ContextIndex) {
        self.findings.extend(loaded.findings.iter().cloned());
        if !loaded.findings.is_empty() {
            return;
        }
        let delivered: Vec<DocumentContext> = loaded
            .deliveries
            .iter()
            .map(|(path, index)| context.document(path, *index).unwrap_or_default())
            .collect();
        let clusters = delivered_clusters(&delivered, loaded.everywhere);
        self.exceptions
            .push((Cow::Owned(loaded.exception.clone()), clusters));
    }

    /// One rendered version of a policy, compiled, its problems and the notes of
    /// the rules it cannot run added to the set's findings.
    fn policy_version(
        &mut self,
        stage: &KyvernoStage,
        root: &RenderedRoot<'_>,
        version: &Version<'_>,
    ) -> Option<LoadedPolicy> {
        let object = version.cluster_object;
        let mut policy = Policy::compile(&version.json).ok()?;
        let named = version.object.clone()?;
        let tree = &object.object.root;
        let locator = RenderedLocator {
            root: tree,
            files: root.files,
        };
        let locate = |path: &[PathSegment]| locator.locate(path);
        let mut found: Vec<Finding> = policy
            .problems
            .iter()
            .map(|problem| problem_finding(&policy, problem, &named, locate(&problem.path)))
            .collect();
        // A problem on a value unknown offline is not one: the rule is not run instead.
        objects::finish(&mut found, root.files, object, &version.clusters, None);
        let unknown = unknown_rules(&mut policy, &object.unknown_fields);
        let mut rules = rule_sites(&policy, &locate);
        let file = root.files.place(object.object.source).file;
        for (site, rule) in rules.iter_mut().zip(&policy.rules) {
            site.action = action_origin(root, object, rule, &file);
        }
        for (index, field) in unknown {
            let (Some(site), Some(rule)) = (rules.get(index), policy.rules.get(index)) else {
                continue;
            };
            if !stage.dynamic.is_active(&site.id) || rule.name != rule.source_rule {
                continue;
            }
            let place = locate(&field);
            let mut note = Finding::new(
                site.id.clone(),
                Severity::Note,
                format!(
                    "rule `{}` of Kyverno policy `{}` is not run on these clusters: it reads \
                     `{}`, whose value is not known offline",
                    rule.name,
                    policy.name,
                    FieldPath::from(field.clone())
                ),
                place.file,
            );
            note.region = place.region;
            note.object = Some(named.clone());
            note.path = site.path.clone();
            note.clusters.clone_from(&version.clusters);
            found.push(note);
        }
        // The rule catalog (configuration, SARIF metadata, suppressions) is built from the
        // policies as written before the render runs, so a rule that only a rendered version
        // has (added by an overlay) cannot report: say so rather than skip it silently.
        for (site, rule) in rules.iter().zip(&policy.rules) {
            let catalogued = stage.dynamic.rules.iter().any(|meta| meta.id == site.id);
            if catalogued || rule.name != rule.source_rule {
                continue;
            }
            let mut note = Finding::new(
                POLICY_ERROR,
                Severity::Note,
                format!(
                    "rule `{}` of Kyverno policy `{}` is not run: only the version these \
                     clusters receive has it (an overlay adds it), and rules are taken from \
                     the policy as written; write the rule in the policy itself (disabled \
                     where it must not apply) to have it checked",
                    rule.name, policy.name
                ),
                site.file.clone(),
            );
            note.region = site.region;
            note.object = Some(named.clone());
            note.path = site.path.clone();
            note.clusters.clone_from(&version.clusters);
            found.push(note);
        }
        self.findings.extend(found);
        let source = root.files.source_document(object);
        let kinds = policy_kinds(&policy.rules);
        Some(LoadedPolicy {
            cel_kind: None,
            file,
            object: Some(named),
            rules,
            deliveries: source
                .map(|(file, document)| (file.source.path.clone(), document.index))
                .into_iter()
                .collect(),
            everywhere: false,
            kinds,
            rendered_clusters: Some(version.clusters.iter().cloned().collect()),
            findings: Vec::new(),
            policy,
        })
    }

    /// One rendered version of a `PolicyException`: applied on the clusters receiving
    /// it when it has no problem.
    fn exception_version(&mut self, root: &RenderedRoot<'_>, version: &Version<'_>) {
        let object = version.cluster_object;
        let Some(named) = version.object.clone() else {
            return;
        };
        let locator = RenderedLocator {
            root: &object.object.root,
            files: root.files,
        };
        let locate = |path: &[PathSegment]| locator.locate(path);
        let unknown = &object.unknown_fields;
        let spec = |key: &str| vec![PathSegment::key("spec"), PathSegment::key(key)];
        let widened = ["match", "conditions"].map(spec);
        let mut json = version.json.clone();
        let mut note = None;
        let mut applies = true;
        if let Some(field) = unknown
            .iter()
            .find(|u| !FieldPath::from((*u).clone()).is_within_any(&widened))
        {
            note = Some((field.clone(), "the exception is not applied there"));
            applies = false;
        } else if let Some(field) = unknown.first() {
            // Which objects it matches is unknown: it may exempt any of them.
            if let Some(spec) = json.get_mut("spec").and_then(Value::as_object_mut) {
                spec.insert(
                    "match".to_owned(),
                    json!({"any": [{"resources": {"kinds": ["*"]}}]}),
                );
                spec.remove("conditions");
            }
            note = Some((
                field.clone(),
                "it exempts every object of the rules it names there",
            ));
        }
        let Some(exception) = PolicyException::compile(&json) else {
            return;
        };
        let mut found = exception_problem_findings(&exception, &named, &locate);
        objects::finish(&mut found, root.files, object, &version.clusters, None);
        let applied = applies && found.is_empty();
        if let Some((field, consequence)) = note {
            let place = locate(&field);
            let mut finding = Finding::new(
                POLICY_ERROR,
                Severity::Note,
                format!(
                    "Kyverno PolicyException `{}` reads `{}`, whose value is not known \
                     offline: {consequence}",
                    exception.name,
                    FieldPath::from(field.clone())
                ),
                place.file,
            );
            finding.region = place.region;
            finding.object = Some(named);
            finding.clusters.clone_from(&version.clusters);
            found.push(finding);
        }
        self.findings.extend(found);
        if applied {
            self.exceptions.push((
                Cow::Owned(exception),
                Some(version.clusters.iter().cloned().collect()),
            ));
        }
    }
}

/// Where a rendered rule's failure action comes from, when that is not the policy's
/// own file: an overlay's patch, or a variable `postBuild` substitutes (its
/// definition).
fn action_origin(
    root: &RenderedRoot<'_>,
    object: &ClusterObject,
    rule: &Rule,
    policy_file: &str,
) -> Option<RelatedLocation> {
    let path = if rule.own_failure_action {
        let mut path = rule.json_path.clone();
        path.extend([
            PathSegment::key("validate"),
            PathSegment::key("failureAction"),
        ]);
        path
    } else {
        vec![
            PathSegment::key("spec"),
            PathSegment::key("validationFailureAction"),
        ]
    };
    let action = format!("{:?}", rule.failure_action);
    if let Some(substitution) = object.substitutions.iter().find(|s| s.path == path) {
        let place = root.files.place(substitution.defined_at?);
        return Some(RelatedLocation {
            file: place.file,
            region: place.region,
            message: format!(
                "failure action `{action}` of this cluster, from `{}` defined here",
                substitution.variable
            ),
        });
    }
    let origin = hubspoke_render::locate(&object.object.root, &path).span;
    let place = root.files.place(origin);
    (place.file != policy_file && !place.file.is_empty()).then(|| RelatedLocation {
        file: place.file,
        region: place.region,
        message: format!("failure action `{action}` of this cluster, set here"),
    })
}

/// One distinct rendered Kyverno policy or exception.
struct Version<'r> {
    /// A policy (else an exception).
    policy: bool,
    json: Value,
    /// The root it was first met in, and its rendered object there (whose origins
    /// locate its fields).
    root: usize,
    cluster_object: &'r ClusterObject,
    /// Its identity as written where it starts.
    object: Option<ObjectMeta>,
    /// The clusters receiving it, sorted.
    clusters: Vec<String>,
}

/// The distinct rendered policies and exceptions, in the order they are first met;
/// identical values on several clusters (or from several places) are one version
/// whose clusters are the union.
fn distinct_versions<'r>(rendered: &RenderedObjects<'r>) -> Vec<Version<'r>> {
    let mut versions: Vec<Version<'r>> = Vec::new();
    for (root_index, root) in rendered.roots.iter().enumerate() {
        for group in root.groups {
            let tree = &group.object.object.root;
            let is_kyverno = tree
                .get("apiVersion")
                .and_then(Node::as_str)
                .is_some_and(|a| a.starts_with("kyverno.io/"));
            if !is_kyverno {
                continue;
            }
            let json = tree.to_json();
            let policy = policy_kind(&json).is_some();
            if !policy && !is_policy_exception(&json) {
                continue;
            }
            if let Some(known) = versions.iter_mut().find(|v| v.json == json) {
                known.clusters.extend(group.clusters.iter().cloned());
                known.clusters.sort();
                known.clusters.dedup();
                continue;
            }
            let object = root
                .files
                .source_document(group.object)
                .and_then(|(_, document)| document.object.clone())
                .or_else(|| object_meta(tree));
            versions.push(Version {
                policy,
                json,
                root: root_index,
                cluster_object: group.object,
                object,
                clusters: group.clusters.clone(),
            });
        }
    }
    versions
}

/// The rules of `policy` that read a field unknown offline, with that field: each is
/// given a problem, so that it is not run. A field outside `spec.rules` (the failure
/// action, a namespace) concerns every rule.
fn unknown_rules(
    policy: &mut Policy,
    unknown: &[Vec<PathSegment>],
) -> Vec<(usize, Vec<PathSegment>)> {
    let mut found = Vec::new();
    for (index, rule) in policy.rules.iter_mut().enumerate() {
        let reads = unknown.iter().find(|field| {
            field.starts_with(&rule.json_path)
                || !field.starts_with(&[PathSegment::key("spec"), PathSegment::key("rules")])
                || field.len() <= 2
        });
        let Some(field) = reads else {
            continue;
        };
        rule.problems.push(PolicyProblem {
            rule: Some(rule.name.clone()),
            path: field.clone(),
            message: "a value it reads is not known offline".to_owned(),
            kyverno_rejects: false,
        });
        found.push((index, field.clone()));
    }
    found
}
