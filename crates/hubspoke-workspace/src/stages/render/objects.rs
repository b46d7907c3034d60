//! Document rules and schema validation on what each cluster receives.
//!
//! Identical rendered objects on several clusters (same values, same origins, same
//! variables read) are evaluated once, for the union of their clusters; each finding
//! lands on the origin of the offending value (the base line, the patch line, the
//! `${VAR}` placeholder with the variable's definition related); a finding on a value
//! whose content is unknown offline is dropped; and findings of the same rule at the
//! same place and field are reported once with the clusters merged.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Arc;

use hubspoke_diagnostics::{Finding, ObjectMeta, Place, RelatedLocation};
use hubspoke_engine::{ContextIndex, Evaluator, ObjectContext};
use hubspoke_manifest::yaml::{Node, NodeValue};
use hubspoke_manifest::{
    internal_error_finding, locate_key, object_meta, Document, ParsedFile, PathSegment,
};
use hubspoke_render::{ClusterObject, Origin, Render};
use hubspoke_schema::{FieldLocator, Schemas};
use rayon::prelude::*;

/// The files of one rendered root, indexed by the render's [`hubspoke_render::FileId`].
#[derive(Clone, Copy)]
pub(crate) struct RootFiles<'a> {
    pub files: &'a [&'a ParsedFile],
}

impl RootFiles<'_> {
    /// Where an origin is, as findings show it.
    pub fn place(&self, origin: Origin) -> Place {
        match self.files.get(origin.file.0 as usize) {
            Some(file) => Place {
                file: file.source.path.clone(),
                region: Some(file.source.region(origin.span)),
            },
            None => Place {
                file: String::new(),
                region: None,
            },
        }
    }

    fn file(&self, origin: Origin) -> Option<&ParsedFile> {
        self.files.get(origin.file.0 as usize).copied()
    }

    /// The document an object of the render started from, when it is a document
    /// of a file (not a generator entry or an item of a `List`).
    pub(crate) fn source_document(
        &self,
        object: &ClusterObject,
    ) -> Option<(&ParsedFile, &Document)> {
        let source = object.object.source;
        let file = self.file(source)?;
        let document = file.documents.iter().find(|d| d.root.span == source.span)?;
        Some((file, document))
    }
}

/// Rendered objects that are identical on several clusters, with those clusters.
pub(crate) struct ObjectGroup<'r> {
    pub object: &'r ClusterObject,
    pub clusters: Vec<String>,
}

/// The rendered objects of `render`, identical ones grouped (in the order they are
/// first met: clusters by name, then each cluster's objects in order).
///
/// Hashing and comparing whole trees is most of the cost: both run in parallel, each
/// object finding the first earlier object equal to it; the groups are then formed in
/// order, so they do not depend on the thread count.
pub(crate) fn groups(render: &Render) -> Vec<ObjectGroup<'_>> {
    let objects: Vec<(&String, &ClusterObject)> = render
        .clusters
        .iter()
        .flat_map(|cluster| cluster.objects.iter().map(move |o| (&cluster.cluster, o)))
        .collect();
    // The hash only picks candidates (equality decides), so a fast fixed-seed hasher
    // does: SipHash over every node of every tree was most of this function's cost.
    let state = foldhash::fast::FixedState::default();
    // Clusters given the same build share its objects' trees where the post-build left
    // them unchanged (the same tree has the same source too): such objects with as
    // many substitutions and unknown fields hash alike, so each shared tree is hashed
    // once, by the first object holding it. The trees live as long as `render`, so no
    // address is reused.
    let mut first_holder: HashMap<(*const Node<Origin>, usize, usize), usize> = HashMap::new();
    let holder: Vec<usize> = objects
        .iter()
        .enumerate()
        .map(|(i, (_, object))| {
            let key = (
                Arc::as_ptr(&object.object.root),
                object.unknown_fields.len(),
                object.substitutions.len(),
            );
            *first_holder.entry(key).or_insert(i)
        })
        .collect();
    let mut shared = vec![false; objects.len()];
    for (i, &first) in holder.iter().enumerate() {
        if first != i {
            shared[first] = true;
        }
    }
    // Each holder's hash, and for a shared tree whether it equals itself (a NaN does
    // not, and then each object holding it stays its own group, as when compared).
    let own: Vec<(u64, bool)> = objects
        .par_iter()
        .zip(&holder)
        .enumerate()
        .map(|(i, ((_, object), &first))| {
            if first == i {
                let reflexive = shared[i] && !holds_nan(&object.object.root);
                (state.hash_one(ObjectKey(object)), reflexive)
            } else {
                (0, false)
            }
        })
        .collect();
    let hashes: Vec<u64> = holder.iter().map(|&first| own[first].0).collect();
    // Objects of the same hash, in order.
    let mut buckets: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, hash) in hashes.iter().enumerate() {
        buckets.entry(*hash).or_default().push(i);
    }
    // The first object equal to each one (itself when none before it is): equality is
    // transitive, so that first one is the first of its group.
    // An object holding the same tree as an earlier one (and as many substitutions
    // and unknown fields, which are then none or the whole object) equals it: its
    // first equal object is that one's, filled in below, in order, without comparing
    // the trees again.
    let same_as_holder = |i: usize| holder[i] != i && own[holder[i]].1;
    let mut first_equal: Vec<usize> = (0..objects.len())
        .into_par_iter()
        .map(|i| {
            if same_as_holder(i) {
                return i;
            }
            let key = ObjectKey(objects[i].1);
            buckets
                .get(&hashes[i])
                .and_then(|bucket| {
                    bucket
                        .iter()
                        .take_while(|&&j| j < i)
                        .find(|&&j| ObjectKey(objects[j].1) == key)
                })
                .copied()
                .unwrap_or(i)
        })
        .collect();
    for i in 0..objects.len() {
        if same_as_holder(i) {
            first_equal[i] = first_equal[holder[i]];
        }
    }
    let mut group_of: Vec<usize> = vec![0; objects.len()];
    let mut groups: Vec<ObjectGroup<'_>> = Vec::new();
    for (i, (cluster, object)) in objects.iter().enumerate() {
        let first = first_equal[i];
        if first == i {
            group_of[i] = groups.len();
            groups.push(ObjectGroup {
                object,
                clusters: vec![(*cluster).clone()],
            });
        } else {
            let group = group_of[first];
            group_of[i] = group;
            let clusters = &mut groups[group].clusters;
            if clusters.last() != Some(*cluster) {
                clusters.push((*cluster).clone());
            }
        }
    }
    groups
}

/// Whether a float of the tree is NaN (such a tree does not equal itself).
fn holds_nan(node: &Node<Origin>) -> bool {
    match &node.value {
        NodeValue::Float(f) => f.is_nan(),
        NodeValue::Seq(items) => items.iter().any(holds_nan),
        NodeValue::Map(entries) => entries.iter().any(|(k, v)| holds_nan(k) || holds_nan(v)),
        _ => false,
    }
}

/// What makes two rendered objects give the same findings: their values and origins,
/// the document they started from, the variables they read and their unknown fields.
/// (The clusters they land on are merged; the Kustomization applying them is not read.)
struct ObjectKey<'r>(&'r ClusterObject);

impl PartialEq for ObjectKey<'_> {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.0, other.0);
        a.object.source == b.object.source
            && a.unknown_fields == b.unknown_fields
            && a.substitutions == b.substitutions
            && a.object.root == b.object.root
    }
}

impl Eq for ObjectKey<'_> {}

impl Hash for ObjectKey<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let object = self.0;
        object.object.source.hash(state);
        object.unknown_fields.len().hash(state);
        object.substitutions.len().hash(state);
        object.object.root.hash(state);
    }
}

/// What evaluating the rendered objects of a root needs.
pub(crate) struct ObjectEvaluation<'a> {
    pub evaluator: &'a Evaluator<'a>,
    pub schemas: Option<&'a Schemas>,
    pub context: &'a ContextIndex,
    pub files: RootFiles<'a>,
}

impl ObjectEvaluation<'_> {
    /// Document rules and schema validation on every group, in parallel; a panic on one
    /// object is an `internal-error` finding at its source and the others go on.
    pub fn evaluate(&self, groups: &[ObjectGroup<'_>]) -> Vec<Finding> {
        let per_group: Vec<Vec<Finding>> = groups
            .par_iter()
            .map(|group| {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    self.evaluate_group(group)
                }))
                .unwrap_or_else(|payload| {
                    self.evaluator.reset_thread_engine();
                    let place = self.files.place(group.object.object.source);
                    vec![internal_error_finding(
                        &place.file,
                        "evaluating rules on an object it renders",
                        payload.as_ref(),
                    )]
                })
            })
            .collect();
        merge(per_group.into_iter().flatten())
    }

    fn evaluate_group(&self, group: &ObjectGroup<'_>) -> Vec<Finding> {
        let object = group.object;
        let root = &object.object.root;
        let Some(facts) = self.files.facts(self.context, object) else {
            return Vec::new();
        };
        let context = ObjectContext {
            namespace: facts.namespace.as_deref(),
            clusters: &group.clusters,
            file: &facts.file,
            remote: facts.remote,
            default_service_account: facts.default_service_account.as_deref(),
        };
        let locator = RenderedLocator {
            root,
            files: self.files,
        };
        let locate = |path: &[PathSegment]| locator.locate(path);
        let mut findings = self
            .evaluator
            .evaluate_object(root, &facts.named, &context, &locate);
        if let Some(schemas) = self.schemas {
            findings.extend(schemas.validate_object(root, &facts.named, &locator));
        }
        finish(
            &mut findings,
            self.files,
            object,
            &group.clusters,
            facts.namespace.as_deref(),
        );
        findings
    }
}

/// What rules know of a rendered object besides its values.
pub(crate) struct ObjectFacts {
    /// The object findings name: as written where it starts (so that baselines,
    /// annotations and editors find it); the rendered identity is in the message.
    pub named: ObjectMeta,
    /// The namespace it lands in.
    pub namespace: Option<String>,
    /// It reconciles another cluster through a kubeconfig.
    pub remote: bool,
    /// The account its controller impersonates when it names none.
    pub default_service_account: Option<String>,
    /// The repository path of the file it starts in.
    pub file: String,
}

impl RootFiles<'_> {
    /// What rules know of `object` besides its values; `None` when it names no object.
    pub fn facts(&self, context: &ContextIndex, object: &ClusterObject) -> Option<ObjectFacts> {
        let root = &object.object.root;
        let source = self.source_document(object);
        let named = source
            .and_then(|(_, d)| d.object.clone())
            .or_else(|| object_meta(root))?;
        let namespace = root
            .get("metadata")
            .and_then(|m| m.get("namespace"))
            .and_then(Node::as_str)
            .filter(|n| !n.is_empty())
            .map(str::to_owned);
        let remote = has_kubeconfig(root)
            || source.is_some_and(|(file, document)| {
                context.is_remote(&file.source.path, document.index)
            });
        // The controllers' flags belong to the cluster, not to the rendered object: the
        // model's answer for the document as written holds for what it renders.
        let default_service_account = source.and_then(|(file, document)| {
            context.default_service_account(&file.source.path, document.index)
        });
        let file = self
            .file(object.object.source)
            .map_or_else(String::new, |f| f.source.repo_path.clone());
        Some(ObjectFacts {
            named,
            namespace,
            remote,
            default_service_account,
            file,
        })
    }
}

/// Make the findings of rules on a rendered object what the clusters receive: a
/// finding on a value unknown offline is dropped; the others name `clusters`, the
/// object's namespace, and for a substituted value the variable's definition.
pub(crate) fn finish(
    findings: &mut Vec<Finding>,
    files: RootFiles<'_>,
    object: &ClusterObject,
    clusters: &[String],
    namespace: Option<&str>,
) {
    findings.retain(|f| !f.path.is_within_any(&object.unknown_fields));
    for finding in findings {
        finding.clusters = clusters.to_vec();
        finding.effective_namespace = namespace.map(str::to_owned);
        relate_variables(files, finding, object);
    }
}

/// A finding on a substituted value lands on its `${VAR}` placeholder; the place the
/// variable is defined is related.
fn relate_variables(files: RootFiles<'_>, finding: &mut Finding, object: &ClusterObject) {
    let located = hubspoke_render::locate(&object.object.root, &finding.path).span;
    for substitution in &object.substitutions {
        if substitution.placeholder != located {
            continue;
        }
        let Some(defined) = substitution.defined_at else {
            continue;
        };
        let place = files.place(defined);
        let related = RelatedLocation {
            file: place.file,
            region: place.region,
            message: format!("`{}` is defined here", substitution.variable),
        };
        if !finding.related.contains(&related) {
            finding.related.push(related);
        }
    }
}

/// A Flux object that reconciles another cluster through a kubeconfig (its own or,
/// since it is rendered, one a parent patched in).
fn has_kubeconfig(root: &Node<Origin>) -> bool {
    root.get("spec")
        .and_then(|s| s.get("kubeConfig"))
        .is_some_and(|k| !matches!(k.value, NodeValue::Null))
}

/// Places a rendered object's fields in the files they came from.
pub(crate) struct RenderedLocator<'a> {
    pub root: &'a Node<Origin>,
    pub files: RootFiles<'a>,
}

impl FieldLocator for RenderedLocator<'_> {
    fn locate(&self, path: &[PathSegment]) -> Place {
        self.files
            .place(hubspoke_render::locate(self.root, path).span)
    }

    fn key(&self, parent: &[PathSegment], name: &str) -> Option<Place> {
        locate_key(self.root, parent, name).map(|origin| self.files.place(origin))
    }
}

/// One finding per (rule, place, field, severity): the clusters of findings that say
/// the same at the same place are merged; where their messages differ (a message
/// naming a per-cluster namespace or prefix), the others are related at the same
/// place. Severities are not merged: a Kyverno policy may be enforced on one cluster
/// and audited on another (each receives its own version of the policy).
pub(crate) fn merge(findings: impl IntoIterator<Item = Finding>) -> Vec<Finding> {
    type Key = (
        String,
        String,
        Option<hubspoke_diagnostics::Region>,
        String,
        hubspoke_diagnostics::Severity,
    );
    let mut merged: BTreeMap<Key, Finding> = BTreeMap::new();
    for finding in findings {
        let key = (
            finding.rule.clone(),
            finding.file.clone(),
            finding.region,
            finding.path.to_string(),
            finding.severity,
        );
        match merged.get_mut(&key) {
            None => {
                merged.insert(key, finding);
            }
            Some(kept) => absorb(kept, finding),
        }
    }
    merged.into_values().collect()
}

/// Fold `other` (same rule, place and field) into `kept`.
fn absorb(kept: &mut Finding, other: Finding) {
    if other.message != kept.message {
        let note = RelatedLocation {
            file: other.file.clone(),
            region: other.region,
            message: format!("on {}: {}", other.clusters.join(", "), other.message),
        };
        if !kept.related.contains(&note) {
            kept.related.push(note);
        }
    }
    for related in other.related {
        if !kept.related.contains(&related) {
            kept.related.push(related);
        }
    }
    if kept.effective_namespace != other.effective_namespace {
        kept.effective_namespace = None;
    }
    if kept.object != other.object {
        kept.object = common_identity(kept.object.take(), other.object);
    }
    kept.clusters.extend(other.clusters);
    kept.clusters.sort();
    kept.clusters.dedup();
}

/// What two object identities agree on (their namespace dropped when they differ).
fn common_identity(a: Option<ObjectMeta>, b: Option<ObjectMeta>) -> Option<ObjectMeta> {
    match (a, b) {
        (Some(mut a), Some(b)) => {
            if a.namespace != b.namespace {
                a.namespace = None;
            }
            Some(a)
        }
        (a, b) => a.or(b),
    }
}
