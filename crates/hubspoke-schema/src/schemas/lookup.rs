//! Schema selection: which schema validates an object (a repository CRD, else the
//! embedded Flux CRDs, else Kubernetes of the chosen version), and the
//! `schema/unknown-kind` finding when none does.

use std::collections::BTreeSet;

use hubspoke_manifest::{ObjectMeta, PathSegment};
use jsonschema::Validator;
use serde_json::json;

use super::compile::CrdEntry;
use super::{gvk_key, label, FieldLocator, Finding, RelatedLocation, Schemas};
use crate::crd::K8S_DEFINITIONS_URI;
use crate::rules;

/// Where a document's schema comes from.
#[derive(Clone, Copy)]
pub(super) enum Source<'a> {
    Repository(&'a CrdEntry),
    Flux(&'a CrdEntry),
    Kubernetes,
}

impl Schemas {
    /// The validator for an object and where its schema comes from; `None` when no
    /// schema is known (or the only ones known failed to compile).
    pub(super) fn lookup(&self, meta: &ObjectMeta) -> Option<(&Validator, Source<'_>)> {
        let key = gvk_key(&meta.api_version, &meta.kind);
        if let Some(entry) = self.repository.get(&key) {
            if let Some(v) = self.crd_validator(entry) {
                return Some((v, Source::Repository(entry)));
            }
        }
        if let Some(entry) = self.flux_entry(meta) {
            if let Some(v) = self.crd_validator(entry) {
                return Some((v, Source::Flux(entry)));
            }
        }
        if let Some((definition, compiled)) = self.kubernetes.kinds.get(&key) {
            let compiled = compiled.get_or_init(|| {
                self.compile(&json!({
                    "$schema": "https://json-schema.org/draft/2020-12/schema",
                    "$ref": format!("{K8S_DEFINITIONS_URI}#/$defs/{definition}"),
                }))
            });
            if let Ok(v) = compiled {
                return Some((v, Source::Kubernetes));
            }
        }
        None
    }

    /// Versions of `group`/`kind` that do have a schema, for the unknown-kind message.
    fn known_versions(&self, group: &str, kind: &str) -> Vec<String> {
        let prefix = if group.is_empty() {
            String::new()
        } else {
            format!("{group}/")
        };
        let suffix = format!("/{kind}");
        let mut out: BTreeSet<String> = BTreeSet::new();
        let usable = |entry: &CrdEntry| !matches!(entry.validator.get(), Some(Err(_)));
        let mut scan = |key: &String| {
            if let Some(api_version) = key.strip_suffix(&suffix) {
                if let Some(version) = api_version.strip_prefix(&prefix) {
                    if !version.contains('/') {
                        out.insert(version.to_owned());
                    }
                }
            }
        };
        for (key, entry) in &self.repository {
            if usable(entry) {
                scan(key);
            }
        }
        for (api_version, entry) in self.flux_versions(group, kind) {
            if usable(entry) {
                scan(&gvk_key(api_version, kind));
            }
        }
        self.kubernetes.kinds.keys().for_each(&mut scan);
        out.into_iter().collect()
    }

    pub(super) fn unknown_kind(
        &self,
        meta: &ObjectMeta,
        locator: &dyn FieldLocator,
    ) -> Vec<Finding> {
        if !self.enabled(rules::UNKNOWN_KIND) {
            return Vec::new();
        }
        let versions = self.known_versions(meta.group(), &meta.kind);
        let key = gvk_key(&meta.api_version, &meta.kind);
        let invalid = self.invalid_repository.get(&key).cloned().or_else(|| {
            let entry = self.repository.get(&key)?;
            let origin = entry.origin.as_ref()?;
            matches!(entry.validator.get(), Some(Err(_))).then(|| RelatedLocation {
                file: origin.source.path.clone(),
                region: origin.region,
                message: format!(
                    "the schema of {} {} that does not compile, in {}",
                    meta.api_version,
                    meta.kind,
                    origin.object.as_ref().map_or_else(String::new, label)
                ),
            })
        });
        let (message, field) = if let Some(crd) = &invalid {
            let at = crd.region.map_or_else(String::new, |r| {
                format!(":{}:{}", r.start.line, r.start.column)
            });
            (
                format!(
                    "{}: no schema for {} {}: the repository's CustomResourceDefinition for it ({}{at}) is invalid (see schema/invalid-crd there), and neither Kubernetes {} nor Flux has one; not validated",
                    label(meta),
                    meta.api_version,
                    meta.kind,
                    crd.file,
                    self.kubernetes.version
                ),
                "kind",
            )
        } else if versions.is_empty() {
            (
                format!(
                    "{}: no schema for {} {} (not in Kubernetes {} or Flux, and no CustomResourceDefinition for it among the linted files); not validated",
                    label(meta),
                    meta.api_version,
                    meta.kind,
                    self.kubernetes.version
                ),
                "kind",
            )
        } else {
            (
                format!(
                    "{}: no schema for {} {} (Kubernetes {}, Flux, repository CRDs); {} has a schema in {} only — a removed or misspelt API version?; not validated",
                    label(meta),
                    meta.api_version,
                    meta.kind,
                    self.kubernetes.version,
                    meta.kind,
                    versions.join(", ")
                ),
                "apiVersion",
            )
        };
        let path = vec![PathSegment::Key(field.to_owned())];
        let place = locator.locate(&path);
        vec![Finding {
            rule: rules::UNKNOWN_KIND.to_owned(),
            severity: self.severity(rules::UNKNOWN_KIND),
            message,
            file: place.file,
            region: place.region,
            object: Some(meta.clone()),
            path: path.into(),
            related: invalid.into_iter().collect(),
            effective_namespace: None,
            clusters: Vec::new(),
        }]
    }
}
