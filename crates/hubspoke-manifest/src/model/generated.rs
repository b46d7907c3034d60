//! Objects that other objects generate, so that references to them resolve:
//! the ExternalArtifacts of an ArtifactGenerator (Flux source-watcher) and the
//! source and Kustomization of a FluxInstance's `spec.sync` (Flux Operator), and the Secrets
//! and ConfigMaps of the producers (`producers`).

use serde_json::Value;

use super::producers::produced_objects;
use super::types::{
    index_key, RepoModel, FLUX_KUSTOMIZE_GROUP, FLUX_SOURCE_EXTENSIONS_GROUP, FLUX_SOURCE_GROUP,
};
use super::{value_at, Builder};

impl Builder<'_> {
    /// [`RepoModel::generated`]: each generated object's index key → its generators.
    /// Outputs without a name are skipped (schema validation reports them).
    pub(super) fn collect_generated(&self, model: &mut RepoModel) {
        let mut generated: Vec<(String, usize)> = Vec::new();
        for object in model.objects.iter().filter(|o| {
            !o.patch && o.group == FLUX_SOURCE_EXTENSIONS_GROUP && o.kind == "ArtifactGenerator"
        }) {
            let namespace = object.effective_namespace.as_deref().unwrap_or("");
            let outputs = value_at(&object.body, &["spec", "artifacts"]).and_then(Value::as_array);
            for output in outputs.into_iter().flatten() {
                if let Some(name) = output.get("name").and_then(Value::as_str) {
                    generated.push((
                        index_key(FLUX_SOURCE_GROUP, "ExternalArtifact", namespace, name),
                        object.id,
                    ));
                }
            }
        }
        for instance in &model.flux_instances {
            let Some(sync) = &instance.sync else { continue };
            generated.push((
                index_key(FLUX_SOURCE_GROUP, &sync.kind, &sync.namespace, &sync.name),
                instance.object,
            ));
            generated.push((
                index_key(
                    FLUX_KUSTOMIZE_GROUP,
                    "Kustomization",
                    &sync.namespace,
                    &sync.name,
                ),
                instance.object,
            ));
        }
        generated.extend(produced_objects(model, &self.options.producers));
        for (key, id) in generated {
            let ids = model.generated.entry(key).or_default();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
}
