//! The schemas of one run: the embedded Kubernetes definitions of the chosen
//! version, the embedded Flux CRDs, and the CRDs found in the linted files, each
//! compiled lazily, once, into a validator shared by every worker thread.
//!
//! The modules, in dependency order: each uses only the ones listed before it and
//! this module's `Schemas`, its helpers, and the engine types it imports once for all.
//!
//! 1. `options`: the run's choices, and which schema rule fires at which severity;
//! 2. `field_path`: instance locations as path segments, key spans, dotted field names;
//! 3. `kubernetes`: the embedded Kubernetes definitions of one version;
//! 4. `compile`: schemas compiled into validators on first use; CRDs that do not compile;
//! 5. `flux`: the embedded Flux CRDs, indexed by a text scan, converted per kind on use;
//! 6. `repository`: the linted files' CRDs and the files kustomize reads as patches;
//! 7. `lookup`: which schema validates an object, and the finding when none does;
//! 8. `placeholders`: `${VAR}`, `{{ }}` and `ENC[...]` values that stand for any scalar;
//! 9. `suggest`: the fields an unknown one may have meant;
//! 10. `findings`: validation errors as findings at the offending field.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, OnceLock};

// The engine types this module's findings are made of, named here once for every child module.
use hubspoke_diagnostics::{Finding, Place, RelatedLocation, Severity};
use hubspoke_manifest::yaml::Node;
use hubspoke_manifest::{internal_error_finding, locate_key};
use hubspoke_manifest::{Document, ObjectMeta, ParsedFile, PathSegment, SourceFile};
use serde_json::Value;

mod compile;
mod field_path;
mod findings;
mod flux;
mod kubernetes;
mod lookup;
mod options;
mod placeholders;
mod repository;
mod suggest;

pub use options::{SchemaOptions, UnknownSchema};

use compile::CrdEntry;
use findings::Context;
use flux::Flux;
use kubernetes::{load_kubernetes, Kubernetes};
use repository::read_patches;

/// A validator compiled on first use (or why it could not be), shared by every thread.
type Compiled = OnceLock<Result<jsonschema::Validator, String>>;

/// Why the schemas of a run could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// `--kubernetes-version` names a version that is not shipped.
    #[error("{0}")]
    UnknownVersion(String),
    /// An embedded bundle is corrupt (a build problem).
    #[error("embedded Kubernetes schemas: {0}")]
    Bundle(String),
}

/// Every schema of a run. Build once with [`Schemas::new`], share across threads.
pub struct Schemas {
    options: SchemaOptions,
    kubernetes: Kubernetes,
    flux: OnceLock<Result<Flux, String>>,
    repository: BTreeMap<String, CrdEntry>,
    /// `schema/invalid-crd` findings per display path, found while reading the repository's CRDs.
    crd_findings: BTreeMap<String, Vec<Finding>>,
    /// `schema/invalid-crd` findings for repository CRD schemas that failed to compile on use.
    deferred: Mutex<Vec<Finding>>,
    /// `apiVersion/Kind` → where the repository's CRD version whose schema could not be
    /// converted is, so that its objects are told why they have no schema.
    invalid_repository: BTreeMap<String, RelatedLocation>,
    /// Repository paths of files a kustomization.yaml names as patches: partial objects,
    /// so missing required fields are not reported in them.
    patch_files: BTreeSet<String>,
}

/// Kinds that are build inputs, not API objects: kustomize validates them itself.
fn is_build_config(meta: &ObjectMeta) -> bool {
    meta.group() == "kustomize.config.k8s.io"
}

fn gvk_key(api_version: &str, kind: &str) -> String {
    format!("{api_version}/{kind}")
}

/// `Kind `name``, the way findings name an object.
fn label(meta: &ObjectMeta) -> String {
    match &meta.name {
        Some(name) => format!("{} `{name}`", meta.kind),
        None => meta.kind.clone(),
    }
}

impl Schemas {
    /// Load the embedded Kubernetes schemas of the chosen version and read every
    /// CustomResourceDefinition in `files` (later definitions of the same
    /// apiVersion/kind are ignored: a hub-and-spoke repository often has one
    /// `gotk-components.yaml` per cluster).
    ///
    /// # Errors
    /// An unknown `kubernetes_version`, or a corrupt embedded bundle.
    pub fn new<'a>(
        options: SchemaOptions,
        files: impl IntoIterator<Item = &'a ParsedFile>,
    ) -> Result<Schemas, SchemaError> {
        let version = match &options.kubernetes_version {
            Some(v) => {
                crate::bundle::resolve_kubernetes_version(v).map_err(SchemaError::UnknownVersion)?
            }
            None => crate::bundle::default_kubernetes_version(),
        };
        let kubernetes = load_kubernetes(version, options.strict).map_err(SchemaError::Bundle)?;
        let mut schemas = Schemas {
            options,
            kubernetes,
            flux: OnceLock::new(),
            repository: BTreeMap::new(),
            crd_findings: BTreeMap::new(),
            deferred: Mutex::new(Vec::new()),
            invalid_repository: BTreeMap::new(),
            patch_files: BTreeSet::new(),
        };
        for file in files {
            let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                for document in &file.documents {
                    schemas.read_crd(&file.source, document);
                    read_patches(&file.source, document, &mut schemas.patch_files);
                }
            }));
            if let Err(payload) = read {
                schemas
                    .crd_findings
                    .entry(file.source.path.clone())
                    .or_default()
                    .push(internal_error_finding(
                        &file.source.path,
                        "reading the CustomResourceDefinitions of this file",
                        payload.as_ref(),
                    ));
            }
        }
        Ok(schemas)
    }

    /// Whether a file is named as a patch by a kustomization.yaml among the linted files.
    pub fn is_patch_file(&self, file: &SourceFile) -> bool {
        self.patch_files.contains(&file.repo_path)
    }

    /// The Kubernetes version whose schemas are in use.
    pub fn kubernetes_version(&self) -> &'static str {
        self.kubernetes.version
    }

    /// Number of CRD versions read from the linted files.
    pub fn repository_crd_count(&self) -> usize {
        self.repository.len()
    }

    /// Validate every object of a file: schema findings plus the `schema/invalid-crd`
    /// findings of the CRDs it declares.
    pub fn validate_file(&self, file: &ParsedFile) -> Vec<Finding> {
        let mut out: Vec<Finding> = self
            .crd_findings
            .get(&file.source.path)
            .cloned()
            .unwrap_or_default();
        for document in &file.documents {
            out.extend(self.validate(document, &file.source));
        }
        out
    }

    /// The `schema/invalid-crd` findings of the CRDs a file declares, without validating
    /// its objects (the pipeline validates them as the clusters receive them).
    pub fn crd_findings(&self, file: &ParsedFile) -> Vec<Finding> {
        self.crd_findings
            .get(&file.source.path)
            .cloned()
            .unwrap_or_default()
    }

    /// Validate files in parallel (rayon), then add the findings of repository CRDs
    /// whose schema failed to compile when first used. A panic on one file becomes
    /// an `internal-error` finding on it; the other files are still validated.
    pub fn validate_files<F>(&self, files: &[F]) -> Vec<Finding>
    where
        F: std::borrow::Borrow<ParsedFile> + Sync,
    {
        use rayon::prelude::*;
        let mut out: Vec<Finding> = files
            .par_iter()
            .map(std::borrow::Borrow::borrow)
            .flat_map_iter(|file: &ParsedFile| {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    hubspoke_manifest::test_panic_point("schema", &file.source.path);
                    self.validate_file(file)
                }))
                .unwrap_or_else(|payload| {
                    vec![internal_error_finding(
                        &file.source.path,
                        "validating this file against the schemas",
                        payload.as_ref(),
                    )]
                })
            })
            .collect();
        out.extend(self.take_deferred());
        out
    }

    /// Findings about repository CRDs whose schema failed to compile on first use.
    pub fn take_deferred(&self) -> Vec<Finding> {
        self.deferred
            .lock()
            .map(|mut d| std::mem::take(&mut *d))
            .unwrap_or_default()
    }

    /// Validate one document of `file` against the schema of its apiVersion and kind.
    pub fn validate(&self, document: &Document, file: &SourceFile) -> Vec<Finding> {
        let Some(meta) = &document.object else {
            return Vec::new();
        };
        let locator = DocumentLocator { document, file };
        self.validate_tree(&document.root, meta, &locator, self.is_patch_file(file))
    }

    /// Validate one whole object that is not a parsed document as written (what a
    /// cluster receives after rendering): `root` is the object, `meta` the identity
    /// findings name, and `locator` places each field in the file it came from.
    pub fn validate_object<S>(
        &self,
        root: &Node<S>,
        meta: &ObjectMeta,
        locator: &dyn FieldLocator,
    ) -> Vec<Finding> {
        let Some(kind) = hubspoke_manifest::object_meta(root) else {
            return Vec::new();
        };
        // The rendered kind and apiVersion choose the schema; findings name `meta`.
        let mut findings = self.validate_tree(root, &kind, locator, false);
        for finding in &mut findings {
            finding.object = Some(meta.clone());
        }
        findings
    }

    fn validate_tree<S>(
        &self,
        root: &Node<S>,
        meta: &ObjectMeta,
        locator: &dyn FieldLocator,
        patch: bool,
    ) -> Vec<Finding> {
        if is_build_config(meta) {
            return Vec::new();
        }
        let Some((validator, source)) = self.lookup(meta) else {
            return self.unknown_kind(meta, locator);
        };
        let mut instance = root.to_json();
        let sops = match &mut instance {
            Value::Object(map) => map.shift_remove("sops").is_some_and(|v| v.is_object()),
            _ => false,
        };
        if validator.is_valid(&instance) {
            return Vec::new();
        }
        let context = Context {
            schemas: self,
            locator,
            meta,
            source,
            sops,
            patch,
        };
        let mut out = Vec::new();
        for error in validator.iter_errors(&instance) {
            context.report(&error, &mut out);
        }
        out
    }
}

/// Where the fields of a validated object were written.
pub trait FieldLocator {
    /// The place of a field path: a scalar itself, a mapping or list at its key, a
    /// missing field at its deepest existing parent's key (as [`Document::locate`]).
    fn locate(&self, path: &[PathSegment]) -> Place;
    /// The place of the key `name` of the mapping at `parent`, when both exist.
    fn key(&self, parent: &[PathSegment], name: &str) -> Option<Place>;
}

/// A document of a parsed file: every field is in that file.
struct DocumentLocator<'a> {
    document: &'a Document,
    file: &'a SourceFile,
}

impl FieldLocator for DocumentLocator<'_> {
    fn locate(&self, path: &[PathSegment]) -> Place {
        Place {
            file: self.file.path.clone(),
            region: Some(self.file.region(self.document.locate(path).span)),
        }
    }

    fn key(&self, parent: &[PathSegment], name: &str) -> Option<Place> {
        let span = locate_key(&self.document.root, parent, name)?;
        Some(Place {
            file: self.file.path.clone(),
            region: Some(self.file.region(span)),
        })
    }
}

#[cfg(test)]
mod tests;
