//! Compiling schemas into validators, once and on first use, and reporting a
//! repository CRD whose schema does not compile at the offending place in the CRD.

use hubspoke_manifest::{parse_text, ObjectMeta, ParseLimits, PathSegment, Region, SourceFile};
use jsonschema::{Draft, PatternOptions, Validator};
use serde_json::Value;

use super::field_path::instance_path;
use super::{label, Compiled, Finding, Schemas};
use crate::crd;
use crate::rules;

/// A schema from a CRD (the repository's or Flux's), compiled on first use.
pub(super) struct CrdEntry {
    pub(super) schema: Value,
    pub(super) origin: Option<Origin>,
    /// For an embedded Flux CRD, the bundle file it comes from
    /// (`source-controller-v1.7.4/source.toolkit.fluxcd.io_gitrepositories.yaml`).
    pub(super) embedded: Option<String>,
    pub(super) validator: Compiled,
}

/// Where a repository CRD version was declared, for reporting a schema that does not compile.
pub(super) struct Origin {
    /// The CRD's file; its text is parsed again to locate a compile error, which is rare
    /// enough not to keep every CRD's YAML tree for it.
    pub(super) source: SourceFile,
    /// Index of the CRD's document in the file.
    pub(super) document: usize,
    /// The version's `openAPIV3Schema` in the document.
    pub(super) path: Vec<PathSegment>,
    pub(super) region: Option<Region>,
    pub(super) object: Option<ObjectMeta>,
}

impl Origin {
    /// The CRD path and region of the node at `pointer` in the converted schema: the
    /// deepest node of the source that exists along it, else the version's schema.
    fn locate(&self, pointer: &[PathSegment]) -> (Vec<PathSegment>, Option<Region>) {
        let mut path = self.path.clone();
        path.extend(crd::source_path(pointer));
        let parsed = parse_text(
            &self.source.path,
            &self.source.repo_path,
            self.source.text.to_string(),
            ParseLimits::default(),
        );
        match parsed.documents.iter().find(|d| d.index == self.document) {
            Some(document) => {
                let located = document.locate(&path);
                path.truncate(located.depth);
                (path, Some(self.source.region(located.span)))
            }
            None => (self.path.clone(), self.region),
        }
    }
}

impl Schemas {
    /// Compile a schema whose `$ref`s may point into the Kubernetes definitions.
    pub(super) fn compile(&self, schema: &Value) -> Result<Validator, String> {
        self.compile_located(schema).map_err(|(message, _)| message)
    }

    /// Compile, and on failure say where in `schema` the problem is.
    fn compile_located(&self, schema: &Value) -> Result<Validator, (String, Vec<PathSegment>)> {
        jsonschema::options()
            .with_draft(Draft::Draft202012)
            .offline()
            .with_registry(&self.kubernetes.registry)
            .should_validate_formats(false)
            .with_pattern_options(PatternOptions::regex())
            .build(schema)
            .map_err(|e| (e.to_string(), instance_path(&e)))
    }

    pub(super) fn crd_validator<'a>(&self, entry: &'a CrdEntry) -> Option<&'a Validator> {
        let compiled = entry.validator.get_or_init(|| {
            let result = self.compile_located(&entry.schema);
            if let (Err((message, pointer)), Some(origin)) = (&result, &entry.origin) {
                if self.enabled(rules::INVALID_CRD) {
                    let (path, region) = origin.locate(pointer);
                    let finding = Finding {
                        rule: rules::INVALID_CRD.to_owned(),
                        severity: self.severity(rules::INVALID_CRD),
                        message: format!(
                            "{}: its schema cannot be compiled: {message}",
                            origin.object.as_ref().map_or_else(String::new, label)
                        ),
                        file: origin.source.path.clone(),
                        region,
                        object: origin.object.clone(),
                        path: path.into(),
                        related: Vec::new(),
                        effective_namespace: None,
                        clusters: Vec::new(),
                    };
                    if let Ok(mut deferred) = self.deferred.lock() {
                        deferred.push(finding);
                    }
                }
            }
            result.map_err(|(message, _)| message)
        });
        compiled.as_ref().ok()
    }
}
