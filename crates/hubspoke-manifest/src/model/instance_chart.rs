//! The Flux Operator's `flux-instance` Helm chart: a HelmRelease of it renders one
//! FluxInstance whose `spec` comes from the chart's `instance` values. Many home labs
//! bootstrap Flux this way instead of committing a FluxInstance, so the model reads such
//! a HelmRelease as the FluxInstance it creates (its sync is the cluster's bootstrap).
//!
//! The chart's `templates/instance.yaml` (controlplaneio-fluxcd/charts) copies
//! `instance.cluster` and `instance.kustomize` as they are, and writes `spec.sync` only
//! when `instance.sync.url` is set: `kind` (default `GitRepository`), `url`, `ref`,
//! `path`, `name` when set (else the FluxInstance's namespace), and `pullSecret` (the
//! release's `<fullname>-pull` when `pullSecretStringData` is given). The FluxInstance
//! lands in the release namespace (`spec.targetNamespace`, else the HelmRelease's own).
//!
//! Values are merged as helm-controller merges them: each `valuesFrom` entry in order
//! (a ConfigMap of the repository, or one a kustomize `configMapGenerator` makes from a
//! file), then `spec.values` on top; maps merge key by key, anything else replaces.

use serde_json::{Map, Value};

use super::paths::{base_name, normalize, parent_dir};
use super::types::{ChartValuesSource, ModelObject, RepoModel, FLUX_HELM_GROUP, FLUX_SOURCE_GROUP};
use super::{str_at, value_at, Builder};
use crate::yaml::{parse_stream, ParseLimits};

/// The chart's name, as a HelmRepository chart or the last segment of an OCI URL.
const CHART: &str = "flux-instance";

/// The chart's default `fullnameOverride`, which names the pull secret it creates.
const DEFAULT_FULLNAME: &str = "flux";

/// The key helm-controller reads in a `valuesFrom` ConfigMap by default.
const DEFAULT_VALUES_KEY: &str = "values.yaml";

impl Builder<'_> {
    /// Whether `release` installs the flux-instance chart: a `spec.chart` naming it
    /// (a chart name, or a chart path in a Git source ending in it), or a `spec.chartRef`
    /// to an OCIRepository of this repository whose URL ends in it.
    pub(super) fn installs_flux_instance_chart(
        &self,
        release: &ModelObject,
        model: &RepoModel,
    ) -> bool {
        if release.patch || release.group != FLUX_HELM_GROUP || release.kind != "HelmRelease" {
            return false;
        }
        if let Some(chart) = str_at(&release.body, &["spec", "chart", "spec", "chart"]) {
            return base_name(chart.trim_end_matches('/')) == CHART;
        }
        if str_at(&release.body, &["spec", "chartRef", "kind"]) != Some("OCIRepository") {
            return false;
        }
        let Some(name) = str_at(&release.body, &["spec", "chartRef", "name"]) else {
            return false;
        };
        model.objects.iter().any(|o| {
            !o.patch
                && o.group == FLUX_SOURCE_GROUP
                && o.kind == "OCIRepository"
                && o.name == name
                && str_at(&o.body, &["spec", "url"]).is_some_and(is_chart_url)
        })
    }

    /// The FluxInstance `spec` a flux-instance HelmRelease renders (see the module
    /// documentation). Values that cannot be read (a missing ConfigMap, a key that is
    /// not YAML) are left out, as if absent.
    pub(super) fn chart_instance_spec(&self, release: &ModelObject, model: &RepoModel) -> Value {
        let mut values = Value::Object(Map::new());
        let sources = value_at(&release.body, &["spec", "valuesFrom"]).and_then(Value::as_array);
        for entry in sources.into_iter().flatten() {
            if let Some(from) = self.values_from(release, entry, model) {
                merge_values(&mut values, from);
            }
        }
        if let Some(inline) = value_at(&release.body, &["spec", "values"]) {
            merge_values(&mut values, inline.clone());
        }
        instance_spec(&values)
    }

    /// The values one `valuesFrom` entry gives: a ConfigMap's key (default `values.yaml`)
    /// read as YAML. Entries with a `targetPath` (one value, not a document), Secrets
    /// (usually encrypted) and unknown ConfigMaps give nothing.
    fn values_from(
        &self,
        release: &ModelObject,
        entry: &Value,
        model: &RepoModel,
    ) -> Option<Value> {
        if entry.get("kind").and_then(Value::as_str) != Some("ConfigMap")
            || entry.get("targetPath").is_some()
        {
            return None;
        }
        let name = entry.get("name").and_then(Value::as_str)?;
        let key = entry
            .get("valuesKey")
            .and_then(Value::as_str)
            .unwrap_or(DEFAULT_VALUES_KEY);
        self.generated_configmap_file(&release.file, name, key, model)
            .and_then(|file| self.first_document(&file))
            .or_else(|| self.configmap_key_document(name, key, model))
    }

    /// The file a kustomize `configMapGenerator` named `name` puts under `key`
    /// (`files: [key=path]`, or `[path]` whose key is the file's name). Generators in the
    /// release's own directory or above it win over others.
    fn generated_configmap_file(
        &self,
        release_file: &str,
        name: &str,
        key: &str,
        model: &RepoModel,
    ) -> Option<String> {
        let release_dir = parent_dir(release_file);
        let mut found: Vec<(bool, String)> = Vec::new();
        for kf in &model.kustomize_files {
            let generators = kf.body.get("configMapGenerator").and_then(Value::as_array);
            for generator in generators.into_iter().flatten() {
                if generator.get("name").and_then(Value::as_str) != Some(name) {
                    continue;
                }
                let files = generator.get("files").and_then(Value::as_array);
                for item in files.into_iter().flatten().filter_map(Value::as_str) {
                    let (item_key, path) = match item.split_once('=') {
                        Some((k, p)) => (k.to_owned(), p),
                        None => (base_name(item).to_owned(), item),
                    };
                    if item_key != key {
                        continue;
                    }
                    if let Some(target) = normalize(&kf.dir, path) {
                        let near = kf.dir == "."
                            || release_dir == kf.dir
                            || release_dir.starts_with(&format!("{}/", kf.dir));
                        found.push((near, target));
                    }
                }
            }
        }
        found.sort_by_key(|(near, _)| !near);
        found.into_iter().map(|(_, file)| file).next()
    }

    /// The first document of a parsed file of the tree, as JSON.
    fn first_document(&self, file: &str) -> Option<Value> {
        let parsed = self.files.get(*self.file_index.get(file)?)?;
        parsed.documents.first().map(|d| d.root.to_json())
    }

    /// A ConfigMap of the repository named `name` whose `data` holds YAML under `key`.
    fn configmap_key_document(&self, name: &str, key: &str, model: &RepoModel) -> Option<Value> {
        model
            .objects
            .iter()
            .filter(|o| !o.patch && o.group.is_empty() && o.kind == "ConfigMap" && o.name == name)
            .find_map(|o| {
                // The model keeps no ConfigMap data: read it from the parsed document.
                let at = model.locations.get(o.id)?;
                let document = self.files.get(at.file)?.documents.get(at.document)?;
                let text = document.root.get("data")?.get(key)?.as_str()?;
                let stream = parse_stream(text, ParseLimits::default());
                stream.documents.first().map(|d| d.root.to_json())
            })
    }
}

impl Builder<'_> {
    /// [`RepoModel::chart_values_sources`]: the sources that values files of the
    /// flux-instance chart name in `instance.sync` (documents without `apiVersion` and
    /// `kind` whose top level has `instance.sync.url` and a non-empty `instance.sync.name`).
    /// A HelmRelease of the chart makes its own FluxInstance (`collect_flux_instances`);
    /// these are the values files installed from outside the tree (Terraform's
    /// `helm_release`, a script's `helm install -f`), whose release namespace is not known.
    pub(super) fn collect_chart_values_sources(&self, model: &mut RepoModel) {
        for file in self.files {
            for document in file.documents.iter().filter(|d| d.object.is_none()) {
                let root = &document.root;
                if root.get("apiVersion").is_some() || root.get("kind").is_some() {
                    continue;
                }
                let Some(name_node) = root
                    .get("instance")
                    .and_then(|i| i.get("sync"))
                    .and_then(|s| s.get("name"))
                else {
                    continue;
                };
                let spec = instance_spec(&root.to_json());
                let text = |key: &str| str_at(&spec, &["sync", key]).map(str::to_owned);
                let (Some(kind), Some(name)) = (text("kind"), text("name")) else {
                    continue;
                };
                model.chart_values_sources.push(ChartValuesSource {
                    file: file.source.repo_path.clone(),
                    line: name_node.span.start.line,
                    kind,
                    name,
                    url: text("url"),
                });
            }
        }
    }
}

/// Whether an OCI URL is the flux-instance chart's (`oci://…/flux-instance`, maybe with a tag).
fn is_chart_url(url: &str) -> bool {
    let last = url.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    last.split(':').next() == Some(CHART)
}

/// Helm's merge of values: maps merge key by key, anything else replaces.
fn merge_values(base: &mut Value, overlay: Value) {
    match (base, overlay) {
        (Value::Object(base), Value::Object(overlay)) => {
            for (key, value) in overlay {
                match base.get_mut(&key) {
                    Some(existing) => merge_values(existing, value),
                    None => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (base, overlay) => *base = overlay,
    }
}

/// The FluxInstance `spec` the chart's template writes from merged `values`.
fn instance_spec(values: &Value) -> Value {
    let instance = values.get("instance");
    let mut spec = Map::new();
    for key in ["cluster", "kustomize"] {
        if let Some(v) = instance.and_then(|i| i.get(key)) {
            spec.insert(key.to_owned(), v.clone());
        }
    }
    let sync = instance.and_then(|i| i.get("sync"));
    let text = |key: &str| {
        sync.and_then(|s| s.get(key))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    if let Some(url) = text("url") {
        let mut out = Map::new();
        out.insert(
            "kind".to_owned(),
            Value::from(text("kind").unwrap_or("GitRepository")),
        );
        out.insert("url".to_owned(), Value::from(url));
        for key in ["ref", "path", "name"] {
            if let Some(v) = text(key) {
                out.insert(key.to_owned(), Value::from(v));
            }
        }
        let string_data = sync.and_then(|s| s.get("pullSecretStringData"));
        if string_data.is_some_and(|d| d.as_object().is_some_and(|m| !m.is_empty())) {
            let fullname = values
                .get("fullnameOverride")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .unwrap_or(DEFAULT_FULLNAME);
            out.insert(
                "pullSecret".to_owned(),
                Value::from(format!("{fullname}-pull")),
            );
        } else if let Some(secret) = text("pullSecret") {
            out.insert("pullSecret".to_owned(), Value::from(secret));
        }
        spec.insert("sync".to_owned(), Value::Object(out));
    }
    Value::Object(spec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_merge_maps_and_replace_the_rest() {
        let mut base =
            json!({"instance": {"sync": {"url": "a", "path": "x"}, "components": ["a"]}});
        merge_values(
            &mut base,
            json!({"instance": {"sync": {"path": "y"}, "components": ["b"]}}),
        );
        assert_eq!(
            base,
            json!({"instance": {"sync": {"url": "a", "path": "y"}, "components": ["b"]}})
        );
    }

    #[test]
    fn the_template_writes_sync_only_with_a_url() {
        assert_eq!(
            instance_spec(&json!({"instance": {"sync": {"path": "clusters/a"}}})),
            json!({})
        );
        assert_eq!(
            instance_spec(&json!({"fullnameOverride": "fi", "instance": {
                "cluster": {"multitenant": true},
                "sync": {"url": "https://x/y", "path": "clusters/a", "name": "",
                         "pullSecretStringData": {"username": "u"}}}})),
            json!({"cluster": {"multitenant": true}, "sync": {
                "kind": "GitRepository", "url": "https://x/y", "path": "clusters/a",
                "pullSecret": "fi-pull"}})
        );
    }

    #[test]
    fn chart_urls_end_in_the_chart_name() {
        assert!(is_chart_url(
            "oci://ghcr.io/controlplaneio-fluxcd/charts/flux-instance"
        ));
        assert!(is_chart_url("oci://ghcr.io/x/flux-instance:0.58.1"));
        assert!(!is_chart_url("oci://ghcr.io/x/flux-operator"));
    }
}
