//! The repository model as the clusters receive it, for the repository rules.
//!
//! The model is built from the files as written (its Flux graph, paths, clusters and
//! labels); the render then gives each object it produced what its clusters receive.
//! An object rendered one way takes the rendered identity (name, namespace after
//! `namespace:`, `targetNamespace`, prefixes), the clusters receiving it, and the
//! rendered body (a child Kustomization with the `prune` its parent patched in); one
//! rendered several ways (a base in two overlays) becomes one object per variant, the
//! later ones added with the same file and document. The index, the references and
//! the `dependsOn` cycles are then derived again ([`RepoModel::reindex`]). Objects no
//! cluster renders stay as written; generated ConfigMaps and Secrets stay represented
//! by their generators, as before.

use std::collections::BTreeMap;

use hubspoke_manifest::yaml::Node;
use hubspoke_manifest::{
    is_cluster_scoped, model_body, object_meta, DocRef, ModelObject, ModelOptions, ObjectMeta,
    RepoModel,
};
use hubspoke_render::Origin;

use super::objects::{ObjectGroup, RootFiles};

/// One way an object is rendered, and the clusters receiving it so.
struct Variant<'r> {
    root: &'r Node<Origin>,
    meta: ObjectMeta,
    clusters: Vec<String>,
}

/// The model with rendered objects, and the rendered tree of every object id whose
/// body is not its document.
pub(crate) struct RenderedModel<'r> {
    pub model: RepoModel,
    pub bodies: BTreeMap<usize, &'r Node<Origin>>,
}

/// Give the model's objects what the clusters of a render receive, from its objects
/// grouped ([`super::objects::groups`]).
///
/// The objects of one group have the same tree, so they are one variant: walking the
/// groups instead of every object compares each tree with the variants once, not once
/// per cluster. The first object of every variant is the first of a group, met in the
/// same order, so the variants and their order are those of every object in turn.
pub(crate) fn rendered_model<'r>(
    mut model: RepoModel,
    groups: &[ObjectGroup<'r>],
    files: RootFiles<'_>,
    options: &ModelOptions,
) -> RenderedModel<'r> {
    let by_document: BTreeMap<DocRef, usize> = model
        .locations
        .iter()
        .enumerate()
        .filter(|(id, _)| !model.objects[*id].patch)
        .map(|(id, doc)| (*doc, id))
        .collect();
    let mut variants: BTreeMap<usize, Vec<Variant<'r>>> = BTreeMap::new();
    for group in groups {
        let object = group.object;
        let source = object.object.source;
        let file = source.file.0 as usize;
        let Some(document) = files.files.get(file).and_then(|f| {
            f.documents
                .iter()
                .find(|d| d.root.span == source.span)
                .map(|d| d.index)
        }) else {
            continue;
        };
        let Some(&id) = by_document.get(&DocRef { file, document }) else {
            continue;
        };
        let root: &Node<Origin> = &object.object.root;
        let Some(meta) = object_meta(root) else {
            continue;
        };
        let list = variants.entry(id).or_default();
        match list.iter_mut().find(|v| v.root == root) {
            Some(variant) => {
                for cluster in &group.clusters {
                    if !variant.clusters.contains(cluster) {
                        variant.clusters.push(cluster.clone());
                    }
                }
            }
            None => list.push(Variant {
                root,
                meta,
                clusters: group.clusters.clone(),
            }),
        }
    }
    let mut bodies = BTreeMap::new();
    for (id, list) in variants {
        for (n, variant) in list.into_iter().enumerate() {
            let target = if n == 0 {
                id
            } else {
                let added = model.objects[id].clone();
                let location = model.locations[id];
                model.objects.push(ModelObject {
                    id: model.objects.len(),
                    ..added
                });
                model.locations.push(location);
                model.objects.len() - 1
            };
            let object = &mut model.objects[target];
            apply_variant(object, &variant, options);
            bodies.insert(target, variant.root);
        }
    }
    model.reindex();
    RenderedModel { model, bodies }
}

/// Give a model object the identity, clusters and body of one rendered variant.
fn apply_variant(object: &mut ModelObject, variant: &Variant<'_>, options: &ModelOptions) {
    let meta = &variant.meta;
    object.api_version.clone_from(&meta.api_version);
    object.group = meta.group().to_owned();
    object.kind.clone_from(&meta.kind);
    object.name = meta.name.clone().unwrap_or_default();
    object.namespace.clone_from(&meta.namespace);
    // Cluster-scoped kinds have no namespace whatever kustomize left on them.
    object.effective_namespace = if is_cluster_scoped(&meta.kind) {
        None
    } else {
        meta.namespace.clone().or(object.effective_namespace.take())
    };
    let mut clusters = variant.clusters.clone();
    clusters.sort();
    object.clusters = clusters;
    object.body = model_body(variant.root, meta, options);
}
