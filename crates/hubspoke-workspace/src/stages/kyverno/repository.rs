//! What the repository answers in place of a cluster: the labels of its
//! Namespaces (for `namespaceSelector`) and its ConfigMaps (for `configMap`
//! context entries).

use std::collections::BTreeMap;

use hubspoke_engine::ContextIndex;
use hubspoke_kyverno::context::RepositoryData;
use hubspoke_manifest::ParsedFile;
use serde_json::Value;

/// The label the API server sets on every Namespace, to its name.
const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// Namespace labels and ConfigMaps of the linted files.
pub(super) struct Repository<'a> {
    files: &'a [&'a ParsedFile],
    /// Labels by namespace name (the first definition, in file order).
    namespaces: BTreeMap<String, BTreeMap<String, String>>,
    /// `(namespace, name)` to `(file, position in its documents)`; the namespace is the
    /// effective one (an enclosing kustomization's) when the model knows it.
    config_maps: BTreeMap<(String, String), (usize, usize)>,
    /// The labels of a namespace the repository does not define.
    empty: BTreeMap<String, String>,
}

impl<'a> Repository<'a> {
    /// Index the Namespaces and ConfigMaps of `files`.
    pub(super) fn build(files: &'a [&'a ParsedFile], context: &ContextIndex) -> Self {
        let mut namespaces: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let mut config_maps = BTreeMap::new();
        for (file_index, file) in files.iter().enumerate() {
            for (position, document) in file.documents.iter().enumerate() {
                let Some(object) = &document.object else {
                    continue;
                };
                let Some(name) = object.name.clone() else {
                    continue;
                };
                match (object.api_version.as_str(), object.kind.as_str()) {
                    ("v1", "Namespace") => {
                        let mut labels: BTreeMap<String, String> = document
                            .root
                            .get("metadata")
                            .and_then(|m| m.get("labels"))
                            .map(|l| l.to_json())
                            .and_then(|l| l.as_object().cloned())
                            .into_iter()
                            .flatten()
                            .filter_map(|(k, v)| Some((k, v.as_str()?.to_owned())))
                            .collect();
                        labels.insert(NAMESPACE_NAME_LABEL.to_owned(), name.clone());
                        namespaces.entry(name).or_insert(labels);
                    }
                    ("v1", "ConfigMap") => {
                        let namespace = context
                            .document(&file.source.path, document.index)
                            .and_then(|c| c.namespace)
                            .or_else(|| object.namespace.clone())
                            .unwrap_or_else(|| "default".to_owned());
                        config_maps
                            .entry((namespace, name))
                            .or_insert((file_index, position));
                    }
                    _ => {}
                }
            }
        }
        Repository {
            files,
            namespaces,
            config_maps,
            empty: BTreeMap::new(),
        }
    }

    /// The labels of namespace `name`: those the repository gives it, else only the
    /// name label the API server sets on every namespace.
    pub(super) fn namespace_labels(
        &self,
        name: &str,
    ) -> std::borrow::Cow<'_, BTreeMap<String, String>> {
        match self.namespaces.get(name) {
            Some(labels) => std::borrow::Cow::Borrowed(labels),
            None if name.is_empty() => std::borrow::Cow::Borrowed(&self.empty),
            None => std::borrow::Cow::Owned(BTreeMap::from([(
                NAMESPACE_NAME_LABEL.to_owned(),
                name.to_owned(),
            )])),
        }
    }
}

impl RepositoryData for Repository<'_> {
    fn config_map(&self, namespace: &str, name: &str) -> Option<Value> {
        let (file, position) = self
            .config_maps
            .get(&(namespace.to_owned(), name.to_owned()))?;
        let document = self.files.get(*file)?.documents.get(*position)?;
        Some(document.root.to_json())
    }
}
