//! What the repository answers in place of a cluster: the labels of its
//! Namespaces (for `namespaceSelector`) and its ConfigMaps (for `configMap`
//! context entries). When the pipeline renders, the Namespaces and ConfigMaps the
//! clusters receive come first (a Namespace renamed by kustomize's `namespace:`,
//! labels an overlay adds), then those of the files as written.

use std::collections::BTreeMap;

use hubspoke_engine::ContextIndex;
use hubspoke_kyverno::context::RepositoryData;
use hubspoke_manifest::yaml::Node;
use hubspoke_manifest::ParsedFile;
use hubspoke_render::Origin;
use serde_json::Value;

use super::rendered::RenderedObjects;

/// The label the API server sets on every Namespace, to its name.
const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// Namespace labels and ConfigMaps of the linted files.
pub(super) struct Repository<'a> {
    files: &'a [&'a ParsedFile],
    /// Labels by namespace name (the first definition, in file order).
    namespaces: BTreeMap<String, BTreeMap<String, String>>,
    /// `(namespace, name)` to where the ConfigMap is; for a document as written, the
    /// namespace is the effective one (an enclosing kustomization's) when the model knows it.
    config_maps: BTreeMap<(String, String), ConfigMapAt<'a>>,
    /// The labels of a namespace the repository does not define.
    empty: BTreeMap<String, String>,
}

/// Where a ConfigMap is.
enum ConfigMapAt<'a> {
    /// Document `position` of file `file`, as written.
    Written(usize, usize),
    /// What a cluster receives.
    Rendered(&'a Node<Origin>),
}

/// A Namespace's labels, with the one the API server sets to its name.
fn namespace_labels<S>(root: &Node<S>, name: &str) -> BTreeMap<String, String> {
    let mut labels: BTreeMap<String, String> = root
        .get("metadata")
        .and_then(|m| m.get("labels"))
        .map(|l| l.to_json())
        .and_then(|l| l.as_object().cloned())
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k, v.as_str()?.to_owned())))
        .collect();
    labels.insert(NAMESPACE_NAME_LABEL.to_owned(), name.to_owned());
    labels
}

impl<'a> Repository<'a> {
    /// Index the Namespaces and ConfigMaps the clusters of `rendered` receive, then those
    /// of `files` (the first definition of each wins).
    pub(super) fn build(
        files: &'a [&'a ParsedFile],
        context: &ContextIndex,
        rendered: Option<&RenderedObjects<'a>>,
    ) -> Self {
        let mut namespaces: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let mut config_maps = BTreeMap::new();
        let groups = rendered
            .into_iter()
            .flat_map(|r| &r.roots)
            .flat_map(|root| root.groups);
        for group in groups {
            let root = &group.object.object.root;
            let text = |node: Option<&Node<Origin>>| node.and_then(Node::as_str).map(str::to_owned);
            let metadata = root.get("metadata");
            let Some(name) = text(metadata.and_then(|m| m.get("name"))) else {
                continue;
            };
            match (
                text(root.get("apiVersion")).as_deref(),
                text(root.get("kind")).as_deref(),
            ) {
                (Some("v1"), Some("Namespace")) => {
                    let labels = namespace_labels(root, &name);
                    namespaces.entry(name).or_insert(labels);
                }
                (Some("v1"), Some("ConfigMap")) => {
                    let namespace = text(metadata.and_then(|m| m.get("namespace")))
                        .unwrap_or_else(|| "default".to_owned());
                    config_maps
                        .entry((namespace, name))
                        .or_insert(ConfigMapAt::Rendered(root));
                }
                _ => {}
            }
        }
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
                        let labels = namespace_labels(&document.root, &name);
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
                            .or_insert(ConfigMapAt::Written(file_index, position));
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
        match self
            .config_maps
            .get(&(namespace.to_owned(), name.to_owned()))?
        {
            ConfigMapAt::Written(file, position) => {
                let document = self.files.get(*file)?.documents.get(*position)?;
                Some(document.root.to_json())
            }
            ConfigMapAt::Rendered(root) => Some(root.to_json()),
        }
    }
}
