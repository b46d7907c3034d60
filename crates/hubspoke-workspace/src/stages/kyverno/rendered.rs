//! The policies on what each cluster receives, when the pipeline renders: each
//! distinct rendered object (identical ones on several clusters grouped, as for the
//! bundled document rules) is evaluated once per policy, for the clusters it is
//! delivered to among those receiving the object; each violation lands on the origin
//! of the offending value (the base line, the patch line, the `${VAR}` placeholder
//! with the variable's definition related) and names those clusters (evaluated once
//! per group of them sharing the same `PolicyException`s); a violation on
//! a value unknown offline is dropped; and violations of one rule at one place are
//! reported once with their clusters merged.

use hubspoke_diagnostics::Finding;
use hubspoke_kyverno::context::ResourceVariables;
use hubspoke_manifest::yaml::Node;
use hubspoke_manifest::{internal_error_finding, ParsedFile, PathSegment};
use rayon::prelude::*;

use super::evaluate::{prepared, Run, Subject, Target};
use super::pod_security::{PodSecurityRequest, RequestSubject};
use crate::stages::render::objects::{self, ObjectGroup, RenderedLocator, RootFiles};

/// What the clusters of each rendered root receive, and which files are still
/// judged as written (those no cluster renders).
pub(crate) struct RenderedObjects<'a> {
    /// Whether a file's objects are judged as written.
    pub judged_as_written: &'a (dyn Fn(&ParsedFile) -> bool + Sync),
    /// Display paths of the files some cluster renders: their policies and exceptions
    /// are read as the clusters receive them.
    pub rendered_files: &'a std::collections::BTreeSet<String>,
    /// The rendered roots.
    pub roots: Vec<RenderedRoot<'a>>,
}

/// One rendered root: its files (indexed by the render's file ids) and its objects.
pub(crate) struct RenderedRoot<'a> {
    pub files: RootFiles<'a>,
    pub groups: &'a [ObjectGroup<'a>],
}

/// The findings of every rendered object, merged per (rule, place, field), and the
/// `podSecurity` checks they ask for.
pub(super) fn run(
    run: &Run<'_, '_>,
    rendered: &RenderedObjects<'_>,
) -> (Vec<Finding>, Vec<PodSecurityRequest>) {
    let mut findings = Vec::new();
    let mut requests = Vec::new();
    for (root_index, root) in rendered.roots.iter().enumerate() {
        let per_group: Vec<(Vec<Finding>, Vec<PodSecurityRequest>)> = root
            .groups
            .par_iter()
            .enumerate()
            .map(|(group_index, group)| {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    group_findings(run, root, root_index, group_index, group)
                }))
                .unwrap_or_else(|payload| {
                    let place = root.files.place(group.object.object.source);
                    let finding = internal_error_finding(
                        &place.file,
                        "evaluating the repository's Kyverno policies on an object it renders",
                        payload.as_ref(),
                    );
                    (vec![finding], Vec::new())
                })
            })
            .collect();
        for (found, asked) in per_group {
            findings.extend(found);
            requests.extend(asked);
        }
    }
    (objects::merge(findings), requests)
}

/// The clusters among `receiving` a policy is delivered to (all of them when it
/// applies everywhere).
pub(super) fn delivered_to(target: &Target<'_>, receiving: &[String]) -> Vec<String> {
    match &target.clusters {
        None => receiving.to_vec(),
        Some(delivered) => receiving
            .iter()
            .filter(|c| delivered.contains(*c))
            .cloned()
            .collect(),
    }
}

/// Every applicable policy on one rendered object.
fn group_findings(
    run: &Run<'_, '_>,
    root: &RenderedRoot<'_>,
    root_index: usize,
    group_index: usize,
    group: &ObjectGroup<'_>,
) -> (Vec<Finding>, Vec<PodSecurityRequest>) {
    let object = group.object;
    let tree = &object.object.root;
    let Some(kind) = tree.get("kind").and_then(Node::as_str) else {
        return (Vec::new(), Vec::new());
    };
    let applicable: Vec<(usize, Vec<String>)> = run
        .index
        .candidates(kind)
        .into_iter()
        .map(|i| (i, delivered_to(&run.targets[i], &group.clusters)))
        .filter(|(_, clusters)| !clusters.is_empty())
        .collect();
    if applicable.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let Some(facts) = root.files.facts(run.context, object) else {
        return (Vec::new(), Vec::new());
    };
    // Where the render left no namespace, the one the model gives the document as
    // written (as for the files judged as written).
    let fallback = root
        .files
        .source_document(object)
        .and_then(|(file, document)| run.context.document(&file.source.path, document.index))
        .and_then(|known| known.namespace);
    let resource = prepared(tree, facts.namespace.as_deref().or(fallback.as_deref()));
    let locator = RenderedLocator {
        root: tree,
        files: root.files,
    };
    let locate = |path: &[PathSegment]| hubspoke_schema::FieldLocator::locate(&locator, path);
    let mut findings = Vec::new();
    let mut requests = Vec::new();
    let (mut evaluations, mut results) = (0, 0);
    // Converted once for every policy on this object.
    let variables = ResourceVariables::new(&resource);
    for (target_index, delivered) in applicable {
        // Once per group of clusters sharing the same exceptions.
        for group in run.exceptions.groups(&delivered) {
            let clusters = group.clusters;
            let subject = Subject {
                locate: &locate,
                object: Some(&facts.named),
                clusters: &clusters,
                exceptions: group.exceptions,
                request: RequestSubject::Rendered {
                    root: root_index,
                    group: group_index,
                    clusters: clusters.clone(),
                },
                rendered: true,
            };
            let (seen, (mut found, asked)) =
                run.evaluate(target_index, &resource, &variables, &subject);
            evaluations += 1;
            results += seen;
            objects::finish(
                &mut found,
                root.files,
                object,
                &clusters,
                facts.namespace.as_deref(),
            );
            findings.extend(found);
            requests.extend(asked);
        }
    }
    run.count(1, evaluations, results);
    (findings, requests)
}
