//! The schemas of one run: the embedded Kubernetes definitions of the chosen
//! version, the embedded Flux CRDs, and the CRDs found in the linted files, each
//! compiled lazily, once, into a validator shared by every worker thread.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, OnceLock};

use hubspoke_diagnostics::{Finding, RelatedLocation, Severity};
use hubspoke_manifest::internal_error_finding;
use hubspoke_manifest::yaml::NodeValue;
use hubspoke_manifest::{
    parse_text, Document, ObjectMeta, ParseLimits, ParsedFile, PathSegment, Region, SourceFile,
};
use jsonschema::{Draft, PatternOptions, Registry, Validator};
use serde_json::{json, Value};

use crate::bundle;
use crate::crd::{self, CrdProblem, K8S_DEFINITIONS_URI};
use crate::rules;

/// How `unknown-schema` is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnknownSchema {
    /// Not reported.
    Off,
    /// A note (the default).
    #[default]
    Note,
    /// A warning.
    Warning,
}

impl UnknownSchema {
    /// Parse `off`, `note` (or `info`) and `warning`.
    pub fn parse(text: &str) -> Option<UnknownSchema> {
        match text {
            "off" | "none" => Some(UnknownSchema::Off),
            "note" | "info" => Some(UnknownSchema::Note),
            "warning" => Some(UnknownSchema::Warning),
            _ => None,
        }
    }
}

/// Per-run choices.
#[derive(Debug, Clone, Default)]
pub struct SchemaOptions {
    /// Report fields the schema does not define (`schema/unknown-field`).
    pub strict: bool,
    /// A shipped Kubernetes version (see [`crate::kubernetes_versions`]); `None` is the newest.
    pub kubernetes_version: Option<String>,
    /// How objects without a schema are reported.
    pub unknown_schema: UnknownSchema,
    /// Schema rule ids that are off (from `--rule` or the config's `rules.<id>.enabled`).
    pub disabled: BTreeSet<String>,
    /// Severity per rule id, replacing the default.
    pub severity: BTreeMap<String, Severity>,
}

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

type Compiled = OnceLock<Result<Validator, String>>;

/// A schema from a CRD (the repository's or Flux's), compiled on first use.
struct CrdEntry {
    schema: Value,
    origin: Option<Origin>,
    /// For an embedded Flux CRD, the bundle file it comes from
    /// (`source-controller-v1.7.4/source.toolkit.fluxcd.io_gitrepositories.yaml`).
    embedded: Option<String>,
    validator: Compiled,
}

/// Where a repository CRD version was declared, for reporting a schema that does not compile.
struct Origin {
    /// The CRD's file; its text is parsed again to locate a compile error, which is rare
    /// enough not to keep every CRD's YAML tree for it.
    source: SourceFile,
    /// Index of the CRD's document in the file.
    document: usize,
    /// The version's `openAPIV3Schema` in the document.
    path: Vec<PathSegment>,
    region: Option<Region>,
    object: Option<ObjectMeta>,
}

struct Kubernetes {
    version: &'static str,
    registry: Registry<'static>,
    definitions: Arc<Value>,
    /// `apiVersion/Kind` → (definition name, validator).
    kinds: BTreeMap<String, (String, Compiled)>,
}

/// Where a document's schema comes from.
#[derive(Clone, Copy)]
enum Source<'a> {
    Repository(&'a CrdEntry),
    Flux(&'a CrdEntry),
    Kubernetes,
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

/// Kinds that are build inputs, not API objects: kustomize validates them itself.
fn is_build_config(meta: &ObjectMeta) -> bool {
    meta.group() == "kustomize.config.k8s.io"
}

fn gvk_key(api_version: &str, kind: &str) -> String {
    format!("{api_version}/{kind}")
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
                bundle::resolve_kubernetes_version(v).map_err(SchemaError::UnknownVersion)?
            }
            None => bundle::default_kubernetes_version(),
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

    fn enabled(&self, rule: &str) -> bool {
        !self.options.disabled.contains(rule)
            && (rule != rules::UNKNOWN_KIND || self.options.unknown_schema != UnknownSchema::Off)
    }

    fn severity(&self, rule: &str) -> Severity {
        if rule == rules::UNKNOWN_KIND {
            match self.options.unknown_schema {
                UnknownSchema::Warning => return Severity::Warning,
                UnknownSchema::Note => {
                    return self
                        .options
                        .severity
                        .get(rule)
                        .copied()
                        .unwrap_or(Severity::Note)
                }
                UnknownSchema::Off => {}
            }
        }
        if let Some(s) = self.options.severity.get(rule) {
            return *s;
        }
        match rule {
            rules::UNKNOWN_KIND => Severity::Note,
            _ => Severity::Error,
        }
    }

    fn read_crd(&mut self, source: &SourceFile, document: &Document) {
        let Some(meta) = &document.object else {
            return;
        };
        if meta.kind != "CustomResourceDefinition"
            || !meta.api_version.starts_with("apiextensions.k8s.io/")
        {
            return;
        }
        let value = document.root.to_json();
        let (versions, problems) = crd::crd_versions(&value, self.options.strict);
        if self.enabled(rules::INVALID_CRD) {
            for CrdProblem {
                path,
                message,
                version,
            } in problems
            {
                let located = document.locate(&path);
                if let Some((api_version, kind)) = version {
                    self.invalid_repository
                        .entry(gvk_key(&api_version, &kind))
                        .or_insert_with(|| RelatedLocation {
                            file: source.path.clone(),
                            region: Some(source.region(located.span)),
                            message: format!(
                                "the invalid schema of {api_version} {kind} in {}",
                                label(meta)
                            ),
                        });
                }
                let finding = Finding {
                    rule: rules::INVALID_CRD.to_owned(),
                    severity: self.severity(rules::INVALID_CRD),
                    message: format!("{}: {message}", label(meta)),
                    file: source.path.clone(),
                    region: Some(source.region(located.span)),
                    object: Some(meta.clone()),
                    path: path.into(),
                    related: Vec::new(),
                    effective_namespace: None,
                };
                self.crd_findings
                    .entry(source.path.clone())
                    .or_default()
                    .push(finding);
            }
        }
        for version in versions {
            let key = gvk_key(&version.api_version, &version.kind);
            let region = Some(source.region(document.locate(&version.path).span));
            self.repository.entry(key).or_insert_with(|| CrdEntry {
                schema: version.schema,
                origin: Some(Origin {
                    source: source.clone(),
                    document: document.index,
                    path: version.path.clone(),
                    region,
                    object: Some(meta.clone()),
                }),
                embedded: None,
                validator: OnceLock::new(),
            });
        }
    }

    fn flux(&self) -> Result<&Flux, &str> {
        self.flux
            .get_or_init(Flux::load)
            .as_ref()
            .map_err(String::as_str)
    }

    /// The embedded Flux schemas of `group`/`kind`. Only `*.fluxcd.io` groups are looked
    /// up, so that a run without Flux objects never decompresses the bundle.
    fn flux_kind(&self, group: &str, kind: &str) -> Option<&FluxKind> {
        if !group.ends_with(".fluxcd.io") {
            return None;
        }
        self.flux().ok()?.kinds.get(&format!("{group}/{kind}"))
    }

    /// The embedded schema of one apiVersion and kind.
    fn flux_entry(&self, meta: &ObjectMeta) -> Option<&CrdEntry> {
        let kind = self.flux_kind(meta.group(), &meta.kind)?;
        let text = &self.flux().ok()?.text;
        kind.documents.iter().find_map(|document| {
            document
                .versions(text, meta.group(), &meta.kind, self.options.strict)
                .ok()?
                .get(&meta.api_version)
        })
    }

    /// Every embedded apiVersion of `group`/`kind`, each from the first document declaring it.
    fn flux_versions(&self, group: &str, kind: &str) -> BTreeMap<&str, &CrdEntry> {
        let mut out = BTreeMap::new();
        let (Some(flux_kind), Ok(flux)) = (self.flux_kind(group, kind), self.flux()) else {
            return out;
        };
        for document in &flux_kind.documents {
            if let Ok(versions) = document.versions(&flux.text, group, kind, self.options.strict) {
                for (api_version, entry) in versions {
                    out.entry(api_version.as_str()).or_insert(entry);
                }
            }
        }
        out
    }

    fn compile(&self, schema: &Value) -> Result<Validator, String> {
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

    fn crd_validator<'a>(&self, entry: &'a CrdEntry) -> Option<&'a Validator> {
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

    /// The validator for an object and where its schema comes from; `None` when no
    /// schema is known (or the only ones known failed to compile).
    fn lookup(&self, meta: &ObjectMeta) -> Option<(&Validator, Source<'_>)> {
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
        if is_build_config(meta) {
            return Vec::new();
        }
        let Some((validator, source)) = self.lookup(meta) else {
            return self.unknown_kind(document, meta, file);
        };
        let mut instance = document.root.to_json();
        let sops = match &mut instance {
            Value::Object(map) => map.shift_remove("sops").is_some_and(|v| v.is_object()),
            _ => false,
        };
        if validator.is_valid(&instance) {
            return Vec::new();
        }
        let context = Context {
            schemas: self,
            document,
            file,
            meta,
            source,
            sops,
            patch: self.is_patch_file(file),
        };
        let mut out = Vec::new();
        for error in validator.iter_errors(&instance) {
            context.report(&error, &mut out);
        }
        out
    }

    fn unknown_kind(
        &self,
        document: &Document,
        meta: &ObjectMeta,
        file: &SourceFile,
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
        let located = document.locate(&path);
        vec![Finding {
            rule: rules::UNKNOWN_KIND.to_owned(),
            severity: self.severity(rules::UNKNOWN_KIND),
            message,
            file: file.path.clone(),
            region: Some(file.region(located.span)),
            object: Some(meta.clone()),
            path: path.into(),
            related: invalid.into_iter().collect(),
            effective_namespace: None,
        }]
    }

    /// The `properties` names of the schema node holding a failed `additionalProperties`.
    fn sibling_properties(&self, source: Source<'_>, location: &str) -> Vec<String> {
        let (base, fragment) = location.split_once('#').unwrap_or((location, ""));
        let pointer = fragment
            .strip_suffix("/additionalProperties")
            .unwrap_or(fragment);
        let root: &Value = match source {
            _ if base == K8S_DEFINITIONS_URI => &self.kubernetes.definitions,
            Source::Repository(entry) | Source::Flux(entry) => &entry.schema,
            Source::Kubernetes => &self.kubernetes.definitions,
        };
        let decoded = percent_decode(pointer);
        root.pointer(&decoded)
            .and_then(|node| node.get("properties"))
            .and_then(Value::as_object)
            .map(|props| props.keys().cloned().collect())
            .unwrap_or_default()
    }
}

fn percent_decode(text: &str) -> String {
    if !text.contains('%') {
        return text.to_owned();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// File names kustomize reads as its configuration.
const KUSTOMIZATION_FILES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Record the files a kustomization.yaml names in `patches[].path`, `patchesStrategicMerge`
/// and `patchesJson6902[].path`, as repository paths.
fn read_patches(source: &SourceFile, document: &Document, out: &mut BTreeSet<String>) {
    let (dir, name) = match source.repo_path.rsplit_once('/') {
        Some((dir, name)) => (dir, name),
        None => ("", source.repo_path.as_str()),
    };
    if !KUSTOMIZATION_FILES.contains(&name)
        || document
            .object
            .as_ref()
            .is_some_and(|m| m.group() != "kustomize.config.k8s.io")
    {
        return;
    }
    let root = &document.root;
    let mut add = |raw: &str| {
        if raw.contains("://") || raw.contains("${") {
            return;
        }
        if let Some(path) = hubspoke_manifest::normalize(dir, raw) {
            out.insert(path);
        }
    };
    if let Some(NodeValue::Seq(items)) = root.get("patchesStrategicMerge").map(|n| &n.value) {
        items.iter().filter_map(|n| n.as_str()).for_each(&mut add);
    }
    for key in ["patches", "patchesJson6902"] {
        if let Some(NodeValue::Seq(items)) = root.get(key).map(|n| &n.value) {
            items
                .iter()
                .filter_map(|n| n.get("path").and_then(|p| p.as_str()))
                .for_each(&mut add);
        }
    }
}

fn load_kubernetes(version: &'static str, strict: bool) -> Result<Kubernetes, String> {
    let text = bundle::kubernetes_bundle(version)?;
    let mut bundle: Value =
        serde_json::from_str(&text).map_err(|e| format!("bundle {version} is not JSON: {e}"))?;
    let mut defs = bundle
        .get_mut("$defs")
        .map(Value::take)
        .ok_or_else(|| format!("bundle {version} has no $defs"))?;
    if !strict {
        strip_additional_false(&mut defs);
    }
    let kinds = bundle
        .get("kinds")
        .and_then(Value::as_object)
        .ok_or_else(|| format!("bundle {version} has no kinds"))?
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), (v.as_str()?.to_owned(), OnceLock::new()))))
        .collect();
    let definitions = Arc::new(json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": K8S_DEFINITIONS_URI,
        "$defs": defs,
    }));
    let registry = Registry::new()
        .add(K8S_DEFINITIONS_URI, Arc::clone(&definitions))
        .and_then(|r| r.prepare())
        .map_err(|e| format!("cannot index the Kubernetes {version} definitions: {e}"))?;
    Ok(Kubernetes {
        version,
        registry,
        definitions,
        kinds,
    })
}

/// The non-strict flavour of the Kubernetes schemas: no `additionalProperties: false`.
fn strip_additional_false(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("additionalProperties") == Some(&Value::Bool(false)) {
                map.shift_remove("additionalProperties");
            }
            for (_, v) in map.iter_mut() {
                strip_additional_false(v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(strip_additional_false),
        _ => {}
    }
}

/// The embedded Flux CRDs, indexed by group and kind from a scan of their text. The bundle
/// holds every API version any release served (1.6 MB of YAML) and a run meets a handful of
/// kinds, so a kind's CRD documents are parsed and converted when an object of it is first
/// validated, not when the bundle is opened.
struct Flux {
    text: String,
    /// `group/Kind` → its documents and, once needed, its schemas.
    kinds: BTreeMap<String, FluxKind>,
}

struct FluxKind {
    /// The CRDs declaring the kind, in bundle order: the current file first, then older
    /// releases, newest first. A version is taken from the first that declares it, so one
    /// still served by a newer release comes from that release, and an object of a current
    /// version never makes the older files be parsed.
    documents: Vec<FluxDocument>,
}

struct FluxDocument {
    /// The file in the bundle (`source-controller-v1.7.4/source.toolkit.fluxcd.io_....yaml`).
    source: String,
    range: std::ops::Range<usize>,
    /// `apiVersion` → schema, converted on first use.
    versions: OnceLock<Result<BTreeMap<String, CrdEntry>, String>>,
}

/// What precedes each file in the bundle (`scripts/update-flux-crds.py`).
const FLUX_SOURCE_MARKER: &str = "---\n# source: ";

impl Flux {
    fn load() -> Result<Flux, String> {
        let text = bundle::flux_crds()?;
        let mut starts: Vec<usize> = text
            .match_indices(FLUX_SOURCE_MARKER)
            .map(|(at, _)| at)
            .filter(|at| *at == 0 || text.as_bytes()[at - 1] == b'\n')
            .collect();
        starts.push(text.len());
        let mut kinds: BTreeMap<String, FluxKind> = BTreeMap::new();
        for window in starts.windows(2) {
            let header = window[0] + FLUX_SOURCE_MARKER.len();
            let body = text[header..window[1]]
                .find('\n')
                .map_or(window[1], |n| header + n + 1);
            let source = text[header..body].trim_end().to_owned();
            let range = body..window[1];
            let (group, kind) = match crd_group_kind(&text[range.clone()]) {
                Some(found) => found,
                None => parsed_group_kind(&source, &text[range.clone()]).ok_or_else(|| {
                    format!("embedded Flux CRD {source}: no spec.group or spec.names.kind")
                })?,
            };
            kinds
                .entry(format!("{group}/{kind}"))
                .or_insert_with(|| FluxKind {
                    documents: Vec::new(),
                })
                .documents
                .push(FluxDocument {
                    source,
                    range,
                    versions: OnceLock::new(),
                });
        }
        Ok(Flux { text, kinds })
    }
}

impl FluxDocument {
    fn versions(
        &self,
        text: &str,
        group: &str,
        kind: &str,
        strict: bool,
    ) -> Result<&BTreeMap<String, CrdEntry>, &str> {
        self.versions
            .get_or_init(|| self.convert(text, group, kind, strict))
            .as_ref()
            .map_err(String::as_str)
    }

    fn convert(
        &self,
        text: &str,
        group: &str,
        kind: &str,
        strict: bool,
    ) -> Result<BTreeMap<String, CrdEntry>, String> {
        let source = &self.source;
        let parsed = parse_text(
            source,
            "",
            text[self.range.clone()].to_owned(),
            ParseLimits::default(),
        );
        let mut out = BTreeMap::new();
        for document in &parsed.documents {
            let value = document.root.to_json();
            if !crd::is_crd(&value) {
                continue;
            }
            let (versions, problems) = crd::crd_versions(&value, strict);
            if let Some(p) = problems.first() {
                return Err(format!("embedded Flux CRD {source}: {}", p.message));
            }
            for version in versions {
                // The index comes from a text scan; a document it misread must not
                // lend its schemas to another kind.
                if version.kind != kind || !version.api_version.starts_with(&format!("{group}/")) {
                    return Err(format!(
                        "embedded Flux CRD {source}: indexed as {group}/{kind}, declares {} {}",
                        version.api_version, version.kind
                    ));
                }
                out.entry(version.api_version).or_insert_with(|| CrdEntry {
                    schema: version.schema,
                    origin: None,
                    embedded: Some(source.clone()),
                    validator: OnceLock::new(),
                });
            }
        }
        Ok(out)
    }
}

/// `spec.group` and `spec.names.kind` of a CRD as controller-gen writes it (`  group: X`,
/// then `    kind: Y` under `  names:`), read without parsing the YAML.
fn crd_group_kind(text: &str) -> Option<(String, String)> {
    let mut in_spec = false;
    let mut in_names = false;
    let mut group = None;
    let mut kind = None;
    let scalar = |v: &str| v.trim().trim_matches(|c| c == '"' || c == '\'').to_owned();
    for line in text.lines() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        if indent == 0 {
            in_spec = line.trim_end() == "spec:";
            in_names = false;
            continue;
        }
        if !in_spec {
            continue;
        }
        if indent == 2 {
            in_names = line.trim_end() == "  names:";
            if let Some(v) = line.strip_prefix("  group:") {
                group = Some(scalar(v));
            }
        } else if indent == 4 && in_names {
            if let Some(v) = line.strip_prefix("    kind:") {
                kind = Some(scalar(v));
            }
        }
        if let (Some(g), Some(k)) = (&group, &kind) {
            return (!g.is_empty() && !k.is_empty()).then(|| (g.clone(), k.clone()));
        }
    }
    None
}

/// The slow way, for a CRD written some other way than [`crd_group_kind`] expects.
fn parsed_group_kind(source: &str, text: &str) -> Option<(String, String)> {
    let parsed = parse_text(source, "", text.to_owned(), ParseLimits::default());
    let value = parsed
        .documents
        .iter()
        .map(|d| d.root.to_json())
        .find(crd::is_crd)?;
    let spec = value.get("spec")?;
    let group = spec.get("group")?.as_str()?;
    let kind = spec.get("names")?.get("kind")?.as_str()?;
    Some((group.to_owned(), kind.to_owned()))
}

/// `Kind `name``, the way findings name an object.
fn label(meta: &ObjectMeta) -> String {
    match &meta.name {
        Some(name) => format!("{} `{name}`", meta.kind),
        None => meta.kind.clone(),
    }
}

/// Everything needed to turn one document's validation errors into findings.
struct Context<'a> {
    schemas: &'a Schemas,
    document: &'a Document,
    file: &'a SourceFile,
    meta: &'a ObjectMeta,
    source: Source<'a>,
    sops: bool,
    /// The document is a kustomize patch: a partial object.
    patch: bool,
}

impl Context<'_> {
    fn finding(
        &self,
        rule: &str,
        message: String,
        path: Vec<PathSegment>,
        span_path: Option<hubspoke_manifest::Span>,
    ) -> Finding {
        let span = span_path.unwrap_or_else(|| self.document.locate(&path).span);
        Finding {
            rule: rule.to_owned(),
            severity: self.schemas.severity(rule),
            message: format!("{}: {message}", label(self.meta)),
            file: self.file.path.clone(),
            region: Some(self.file.region(span)),
            object: Some(self.meta.clone()),
            path: path.into(),
            related: Vec::new(),
            effective_namespace: None,
        }
    }

    fn report(&self, error: &jsonschema::ValidationError<'_>, out: &mut Vec<Finding>) {
        use jsonschema::error::ValidationErrorKind as K;
        let path = instance_path(error);
        match error.kind() {
            K::AdditionalProperties { unexpected } => {
                if !self.schemas.enabled(rules::UNKNOWN_FIELD) {
                    return;
                }
                // A schema without `$id` (a CRD's) has no absolute location; its
                // schema path is then a pointer into the root schema itself.
                let location = error.absolute_keyword_location().map_or_else(
                    || format!("#{}", error.schema_path().as_str()),
                    |uri| uri.as_str().to_owned(),
                );
                let known = self.schemas.sibling_properties(self.source, &location);
                // Strategic-merge directives (`$patch`, `$setElementOrder/...`) belong in patches.
                for name in unexpected
                    .iter()
                    .filter(|n| !(self.patch && n.starts_with('$')))
                {
                    let mut field = path.clone();
                    field.push(PathSegment::Key(name.clone()));
                    let span = key_span(self.document, &path, name);
                    let hint = closest(name, &known)
                        .map(|c| format!(" (did you mean `{c}`?)"))
                        .unwrap_or_default();
                    let message = format!(
                        "unknown field `{}`{hint}: the {} schema does not define it",
                        dotted(&field),
                        self.source_name()
                    );
                    out.push(self.finding(rules::UNKNOWN_FIELD, message, field, span));
                }
            }
            K::Required { property } => {
                if !self.schemas.enabled(rules::INVALID) || self.patch {
                    return;
                }
                let name = property
                    .as_str()
                    .map_or_else(|| property.to_string(), str::to_owned);
                let mut field = path.clone();
                field.push(PathSegment::Key(name));
                let message = format!("`{}` is required", dotted(&field));
                out.push(self.finding(rules::INVALID, message, field, None));
            }
            kind => {
                if !self.schemas.enabled(rules::INVALID) || self.accepts_placeholder(error, kind) {
                    return;
                }
                let message = format!("`{}`: {}", dotted(&path), describe(error));
                out.push(self.finding(rules::INVALID, message, path, None));
            }
        }
    }

    fn source_name(&self) -> String {
        match self.source {
            Source::Repository(_) => format!(
                "{} {} (CustomResourceDefinition in the repository)",
                self.meta.api_version, self.meta.kind
            ),
            Source::Flux(entry) => {
                // A removed API version's schema comes from the last release serving it:
                // say which, since that release is what the object must match.
                let release = entry
                    .embedded
                    .as_deref()
                    .and_then(|source| source.split_once('/'))
                    .and_then(|(dir, _)| dir.rsplit_once("-v"))
                    .map(|(controller, version)| format!(" ({controller} v{version})"))
                    .unwrap_or_default();
                format!("Flux {} {}{release}", self.meta.api_version, self.meta.kind)
            }
            Source::Kubernetes => format!(
                "Kubernetes {} {} {}",
                self.schemas.kubernetes.version, self.meta.api_version, self.meta.kind
            ),
        }
    }

    /// Whether a value error is about a placeholder that stands for any scalar:
    /// a Flux post-build `${VAR}`, a Helm/Go template `{{ }}`, or a SOPS `ENC[...]`.
    fn accepts_placeholder(
        &self,
        error: &jsonschema::ValidationError<'_>,
        kind: &jsonschema::error::ValidationErrorKind,
    ) -> bool {
        use jsonschema::error::{TypeKind, ValidationErrorKind as K};
        use jsonschema::types::JsonType;
        let Value::String(text) = error.instance().as_ref() else {
            return false;
        };
        let whole = is_whole_placeholder(text);
        let scalar = whole
            || has_placeholder(text)
            || (self.sops && text.starts_with("ENC[") && text.ends_with(']'));
        if !scalar {
            return false;
        }
        let scalar_type = |t: JsonType| {
            matches!(
                t,
                JsonType::Boolean | JsonType::Integer | JsonType::Number | JsonType::String
            )
        };
        match kind {
            K::Type {
                kind: TypeKind::Single(t),
            } => whole || scalar_type(*t),
            K::Type {
                kind: TypeKind::Multiple(set),
            } => whole || set.iter().any(scalar_type),
            K::Enum { .. }
            | K::Constant { .. }
            | K::Pattern { .. }
            | K::Format { .. }
            | K::MinLength { .. }
            | K::MaxLength { .. }
            | K::Minimum { .. }
            | K::Maximum { .. }
            | K::ExclusiveMinimum { .. }
            | K::ExclusiveMaximum { .. }
            | K::MultipleOf { .. }
            | K::AnyOf { .. }
            | K::OneOfNotValid { .. }
            | K::OneOfMultipleValid { .. }
            | K::Not { .. } => true,
            _ => false,
        }
    }
}

/// `${VAR}`, `${VAR:=default}` or `{{ ... }}` somewhere in the text.
fn has_placeholder(text: &str) -> bool {
    let flux = text
        .find("${")
        .is_some_and(|start| text[start + 2..].contains('}'));
    let template = text
        .find("{{")
        .is_some_and(|start| text[start + 2..].contains("}}"));
    flux || template
}

/// The whole value is one placeholder: after substitution it may be of any type.
fn is_whole_placeholder(text: &str) -> bool {
    let t = text.trim();
    (t.starts_with("${") && t.ends_with('}') && t[2..].find('}') == Some(t.len() - 3))
        || (t.starts_with("{{") && t.ends_with("}}"))
}

/// The error's JSON pointer as path segments.
fn instance_path(error: &jsonschema::ValidationError<'_>) -> Vec<PathSegment> {
    use jsonschema::paths::LocationSegment;
    error
        .instance_path()
        .iter()
        .map(|segment| match segment {
            LocationSegment::Property(name) => PathSegment::Key(name.into_owned()),
            LocationSegment::Index(i) => PathSegment::Index(i),
        })
        .collect()
}

/// The span of mapping key `name` under `parent`, to underline a field that should not be there.
fn key_span(
    document: &Document,
    parent: &[PathSegment],
    name: &str,
) -> Option<hubspoke_manifest::Span> {
    let mut node = &document.root;
    for segment in parent {
        node = match (segment, &node.value) {
            (PathSegment::Key(k), NodeValue::Map(_)) => node.get(k)?,
            (PathSegment::Index(i), NodeValue::Seq(items)) => items.get(*i)?,
            _ => return None,
        };
    }
    node.get_entry(name).map(|(key, _)| key.span)
}

/// `spec.containers[0].image`; `(document)` for the root.
fn dotted(path: &[PathSegment]) -> String {
    if path.is_empty() {
        "(document)".to_owned()
    } else {
        hubspoke_diagnostics::FieldPath::from(path).to_string()
    }
}

/// The schema's message; type errors say what was expected and what was found,
/// and large values are not quoted in full.
fn describe(error: &jsonschema::ValidationError<'_>) -> String {
    use jsonschema::error::{TypeKind, ValidationErrorKind as K};
    use jsonschema::types::JsonType;
    let instance = error.instance();
    if let K::Type { kind } = error.kind() {
        let mut expected: Vec<JsonType> = match kind {
            TypeKind::Single(t) => vec![*t],
            TypeKind::Multiple(set) => set.iter().collect(),
        };
        if expected.len() > 1 {
            expected.retain(|t| *t != JsonType::Null);
        }
        let names: Vec<String> = expected.iter().map(|t| article(*t)).collect();
        return format!("expected {}, found {}", names.join(" or "), found(instance));
    }
    let big = match instance.as_ref() {
        Value::Object(_) | Value::Array(_) => true,
        Value::String(s) => s.chars().count() > 60,
        _ => false,
    };
    if big {
        error.masked_with("the value").to_string()
    } else {
        error.to_string()
    }
}

fn article(t: jsonschema::types::JsonType) -> String {
    use jsonschema::types::JsonType as J;
    match t {
        J::Null => "null".to_owned(),
        J::Boolean => "a boolean".to_owned(),
        J::Integer => "an integer".to_owned(),
        J::Number => "a number".to_owned(),
        J::String => "a string".to_owned(),
        J::Array => "a list".to_owned(),
        J::Object => "a mapping".to_owned(),
    }
}

fn found(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) if n.is_i64() || n.is_u64() => format!("the integer {n}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) if s.chars().count() <= 60 => {
            format!("the string {}", Value::from(s.as_str()))
        }
        Value::String(_) => "a string".to_owned(),
        Value::Array(_) => "a list".to_owned(),
        Value::Object(_) => "a mapping".to_owned(),
    }
}

/// The known name closest to a misspelt one (edit distance ≤ 2, or differing only in case).
fn closest<'a>(name: &str, known: &'a [String]) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    known
        .iter()
        .map(|k| {
            let d = if k.to_ascii_lowercase() == lower {
                0
            } else {
                levenshtein(name, k)
            };
            (d, k)
        })
        .filter(|(d, _)| *d <= 2.min(name.len() / 3 + 1))
        .min()
        .map(|(_, k)| k.as_str())
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(row[j]).min(cur)
            };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(name: &str, text: &str) -> ParsedFile {
        parse_text(name, name, text.to_owned(), ParseLimits::default())
    }

    fn run_files(files: &[ParsedFile], options: SchemaOptions) -> Vec<Finding> {
        let schemas = Schemas::new(options, files).expect("schemas load");
        let mut out = schemas.validate_files(files);
        hubspoke_diagnostics::sort_findings(&mut out);
        out
    }

    fn run(text: &str, options: SchemaOptions) -> Vec<Finding> {
        run_files(&[parse("t.yaml", text)], options)
    }

    fn strict() -> SchemaOptions {
        SchemaOptions {
            strict: true,
            ..SchemaOptions::default()
        }
    }

    /// (rule, line, column) of every finding.
    fn places(findings: &[Finding]) -> Vec<(String, u32, u32)> {
        findings
            .iter()
            .map(|f| {
                let r = f.region.expect("located");
                (f.rule.clone(), r.start.line, r.start.column)
            })
            .collect()
    }

    const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: team-a
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: app
          image: nginx:1.27
          imagePullPolicy: IfNotPresent
          ports:
            - containerPort: 8080
";

    #[test]
    fn a_valid_deployment_has_no_findings_even_when_strict() {
        assert_eq!(run(DEPLOYMENT, strict()), vec![]);
    }

    #[test]
    fn a_typo_is_an_unknown_field_at_its_key_in_strict_mode_only() {
        let text = DEPLOYMENT.replace("imagePullPolicy:", "imagePullPolicyy:");
        let found = run(&text, strict());
        assert_eq!(places(&found), vec![(UNKNOWN_FIELD_ID.to_owned(), 17, 11)]);
        let f = &found[0];
        assert_eq!(
            f.message,
            "Deployment `web`: unknown field `spec.template.spec.containers[0].imagePullPolicyy` (did you mean `imagePullPolicy`?): the Kubernetes 1.37.0 apps/v1 Deployment schema does not define it"
        );
        let region = f.region.expect("region");
        assert_eq!((region.end.line, region.end.column), (17, 27));
        assert_eq!(run(&text, SchemaOptions::default()), vec![]);
    }

    #[test]
    fn a_wrong_type_points_at_the_value() {
        let text = DEPLOYMENT.replace("replicas: 2", "replicas: three");
        let found = run(&text, SchemaOptions::default());
        assert_eq!(places(&found), vec![(INVALID_ID.to_owned(), 7, 13)]);
        assert_eq!(
            found[0].message,
            "Deployment `web`: `spec.replicas`: expected an integer, found the string \"three\""
        );
        let text = DEPLOYMENT.replace("containerPort: 8080", "containerPort: \"8080\"");
        let found = run(&text, SchemaOptions::default());
        assert_eq!(places(&found), vec![(INVALID_ID.to_owned(), 19, 30)]);
    }

    #[test]
    fn a_missing_required_field_points_at_its_parent_key() {
        let text = DEPLOYMENT.replace("  selector:\n    matchLabels: {app: web}\n", "");
        let found = run(&text, SchemaOptions::default());
        assert_eq!(places(&found), vec![(INVALID_ID.to_owned(), 6, 1)]);
        assert_eq!(
            found[0].message,
            "Deployment `web`: `spec.selector` is required"
        );
    }

    #[test]
    fn placeholders_match_any_scalar_type() {
        let text = DEPLOYMENT
            .replace("replicas: 2", "replicas: ${replicas:=2}")
            .replace(
                "imagePullPolicy: IfNotPresent",
                "imagePullPolicy: \"{{ .Values.pullPolicy }}\"",
            )
            .replace("containerPort: 8080", "containerPort: \"${port}\"");
        assert_eq!(run(&text, strict()), vec![]);
        // A placeholder inside a larger string is a scalar: it cannot stand for a mapping.
        let text = DEPLOYMENT.replace(
            "          ports:\n            - containerPort: 8080\n",
            "          resources: \"limits-${size}\"\n",
        );
        let found = run(&text, SchemaOptions::default());
        assert_eq!(places(&found), vec![(INVALID_ID.to_owned(), 18, 22)]);
    }

    #[test]
    fn sops_documents_are_validated_without_sops_and_with_encrypted_values() {
        let text = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: ENC[AES256_GCM,data:Mw==,iv:abc=,tag:def==,type:int]
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: nginx}]
sops:
  mac: ENC[AES256_GCM,data:xyz,type:str]
  version: 3.8.1
";
        assert_eq!(run(text, strict()), vec![]);
        // Outside a SOPS document, ENC[...] is just a string.
        let plain = text.split("sops:").next().expect("head").to_owned();
        assert_eq!(
            places(&run(&plain, strict())),
            vec![(INVALID_ID.to_owned(), 5, 13)]
        );
    }

    const WIDGET_CRD: &str = "\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [size]
              properties:
                size: {type: integer, minimum: 1}
                port: {x-kubernetes-int-or-string: true}
                note: {type: string, nullable: true}
                extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
";

    #[test]
    fn repository_crds_become_schemas() {
        let widget = "\
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
spec:
  size: 0
  port: http
  note: null
  extra: {anything: [1, 2]}
  colour: blue
";
        let files = [parse("crd.yaml", WIDGET_CRD), parse("w.yaml", widget)];
        let found = run_files(&files, strict());
        assert_eq!(
            places(&found),
            vec![
                (INVALID_ID.to_owned(), 5, 9),
                (UNKNOWN_FIELD_ID.to_owned(), 9, 3)
            ]
        );
        assert_eq!(found[0].file, "w.yaml");
        assert!(
            found[1]
                .message
                .contains("CustomResourceDefinition in the repository"),
            "{}",
            found[1].message
        );
        // Not strict: colour is fine.
        assert_eq!(
            places(&run_files(&files, SchemaOptions::default())).len(),
            1
        );
    }

    #[test]
    fn repository_crds_take_precedence_over_embedded_ones() {
        let crd = WIDGET_CRD
            .replace("group: example.com", "group: kustomize.toolkit.fluxcd.io")
            .replace(
                "kind: Widget, plural: widgets",
                "kind: Kustomization, plural: kustomizations",
            );
        let ks = "\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  size: 3
";
        let files = [parse("crd.yaml", &crd), parse("ks.yaml", ks)];
        assert_eq!(run_files(&files, strict()), vec![]);
        // Without the CRD, the embedded Flux schema says `size` is unknown and more is required.
        let alone = run_files(&files[1..], strict());
        assert!(
            alone
                .iter()
                .any(|f| f.rule == UNKNOWN_FIELD_ID && f.message.contains("`spec.size`")),
            "{alone:#?}"
        );
        assert!(alone.iter().any(|f| f.rule == INVALID_ID && f.message.contains("`spec.sourceRef` is required")), "{alone:#?}");
    }

    #[test]
    fn a_malformed_crd_is_reported_on_the_crd_and_its_kind_falls_back() {
        let crd = WIDGET_CRD.replace("size: {type: integer, minimum: 1}", "size: {type: int}");
        let widget =
            "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: 2}\n";
        let files = [parse("crd.yaml", &crd), parse("w.yaml", widget)];
        let found = run_files(&files, SchemaOptions::default());
        assert_eq!(
            places(&found),
            vec![
                (INVALID_CRD_ID.to_owned(), 21, 30),
                (UNKNOWN_KIND_ID.to_owned(), 2, 7),
            ]
        );
        assert!(found[0].message.starts_with("CustomResourceDefinition `widgets.example.com`: Widget example.com/v1: invalid openAPIV3Schema: `type` must be one of"), "{}", found[0].message);
        // The object is told that its kind has a CRD, an invalid one, and where.
        assert_eq!(
            found[1].message,
            "Widget `w`: no schema for example.com/v1 Widget: the repository's CustomResourceDefinition for it (crd.yaml:21:30) is invalid (see schema/invalid-crd there), and neither Kubernetes 1.37.0 nor Flux has one; not validated"
        );
        let related: Vec<(&str, u32, u32)> = found[1]
            .related
            .iter()
            .map(|r| {
                let at = r.region.expect("region").start;
                (r.file.as_str(), at.line, at.column)
            })
            .collect();
        assert_eq!(related, vec![("crd.yaml", 21, 30)]);

        // A schema that converts but does not compile (a bad regex) is found when first used,
        // and reported at the offending value, not at `openAPIV3Schema`.
        let crd = WIDGET_CRD.replace("minimum: 1}", "pattern: \"([\"}");
        let files = [parse("crd.yaml", &crd), parse("w.yaml", widget)];
        let found = run_files(&files, SchemaOptions::default());
        assert_eq!(
            places(&found),
            vec![
                (INVALID_CRD_ID.to_owned(), 21, 48),
                (UNKNOWN_KIND_ID.to_owned(), 2, 7),
            ]
        );
        assert_eq!(
            found[0].message,
            "CustomResourceDefinition `widgets.example.com`: its schema cannot be compiled: \"([\" is not a \"regex\""
        );
        assert_eq!(
            dotted(&found[0].path),
            "spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.size.pattern"
        );
        assert_eq!(found[1].message, "Widget `w`: no schema for example.com/v1 Widget: the repository's CustomResourceDefinition for it (crd.yaml:14:9) is invalid (see schema/invalid-crd there), and neither Kubernetes 1.37.0 nor Flux has one; not validated");

        // A Flux kind whose repository CRD does not compile falls back to the embedded schema.
        let crd = WIDGET_CRD
            .replace("group: example.com", "group: kustomize.toolkit.fluxcd.io")
            .replace(
                "kind: Widget, plural: widgets",
                "kind: Kustomization, plural: kustomizations",
            )
            .replace("minimum: 1}", "pattern: \"([\"}");
        let ks = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\nspec:\n  interval: 10m\n  prune: yes-please\n  sourceRef: {kind: GitRepository, name: flux-system}\n";
        let files = [parse("crd.yaml", &crd), parse("ks.yaml", ks)];
        let found = run_files(&files, SchemaOptions::default());
        assert_eq!(
            places(&found),
            vec![
                (INVALID_CRD_ID.to_owned(), 21, 48),
                (INVALID_ID.to_owned(), 6, 10),
            ]
        );
        assert_eq!(
            found[1].message,
            "Kustomization `apps`: `spec.prune`: expected a boolean, found the string \"yes-please\""
        );
    }

    #[test]
    fn unknown_kinds_are_configurable_and_name_the_known_versions() {
        let text = DEPLOYMENT.replace("apps/v1", "apps/v1beta1");
        let found = run(&text, SchemaOptions::default());
        assert_eq!(places(&found), vec![(UNKNOWN_KIND_ID.to_owned(), 1, 13)]);
        assert_eq!(found[0].severity, Severity::Note);
        assert!(found[0].message.ends_with("no schema for apps/v1beta1 Deployment (Kubernetes 1.37.0, Flux, repository CRDs); Deployment has a schema in v1 only — a removed or misspelt API version?; not validated"), "{}", found[0].message);
        let warning = run(
            &text,
            SchemaOptions {
                unknown_schema: UnknownSchema::Warning,
                ..SchemaOptions::default()
            },
        );
        assert_eq!(warning[0].severity, Severity::Warning);
        let off = run(
            &text,
            SchemaOptions {
                unknown_schema: UnknownSchema::Off,
                ..SchemaOptions::default()
            },
        );
        assert_eq!(off, vec![]);
        let widget = run(
            "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n",
            SchemaOptions::default(),
        );
        assert_eq!(places(&widget), vec![(UNKNOWN_KIND_ID.to_owned(), 2, 7)]);
    }

    #[test]
    fn the_kubernetes_version_selects_the_schemas() {
        let text = "apiVersion: flowcontrol.apiserver.k8s.io/v1\nkind: PriorityLevelConfiguration\nmetadata: {name: p}\nspec: {type: Exempt}\n";
        assert_eq!(run(text, SchemaOptions::default()), vec![]);
        let old = SchemaOptions {
            kubernetes_version: Some("1.25".to_owned()),
            ..SchemaOptions::default()
        };
        let found = run(text, old.clone());
        assert_eq!(places(&found), vec![(UNKNOWN_KIND_ID.to_owned(), 1, 13)]);
        assert!(
            found[0].message.contains("Kubernetes 1.25.0"),
            "{}",
            found[0].message
        );
        let bad = SchemaOptions {
            kubernetes_version: Some("1.99".to_owned()),
            ..SchemaOptions::default()
        };
        match Schemas::new(bad, &[]) {
            Err(SchemaError::UnknownVersion(message)) => {
                assert!(message.contains("1.37.0"), "{message}")
            }
            _ => panic!("1.99 accepted"),
        }
    }

    #[test]
    fn flux_kinds_use_the_embedded_crds() {
        let text = "\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: podinfo, namespace: apps}
spec:
  interval: 10m
  chart:
    spec:
      chart: podinfo
      sourceRef: {kind: HelmRepository, name: podinfo}
  values:
    anything: {goes: [here]}
  upgrade:
    remediation: {retries: three}
  installl: {}
";
        let found = run(text, strict());
        assert_eq!(
            places(&found),
            vec![
                (INVALID_ID.to_owned(), 13, 28),
                (UNKNOWN_FIELD_ID.to_owned(), 14, 3)
            ]
        );
        assert!(
            found[1].message.contains("did you mean `install`?"),
            "{}",
            found[1].message
        );
    }

    #[test]
    fn kustomize_patches_are_partial_objects() {
        let kustomization = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../base]\npatches:\n  - path: replicas.yaml\npatchesStrategicMerge:\n  - ./sub/../image.yaml\n";
        let replicas = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: many\n  $patch: merge\n";
        let image = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: nginx:1.27\n";
        let files = [
            parse("overlay/kustomization.yaml", kustomization),
            parse("overlay/replicas.yaml", replicas),
            parse("overlay/image.yaml", image),
        ];
        // Missing required fields are fine in a patch; wrong types and unknown fields are not.
        assert_eq!(
            places(&run_files(&files, strict())),
            vec![(INVALID_ID.to_owned(), 5, 13)]
        );
        // The same object as a resource is incomplete.
        let alone = run_files(&files[2..], SchemaOptions::default());
        assert!(
            alone
                .iter()
                .any(|f| f.message.contains("`spec.selector` is required")),
            "{alone:#?}"
        );
    }

    #[test]
    fn kustomize_build_files_and_non_kubernetes_yaml_are_skipped() {
        let text = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\nbogus: 1\n---\nfoo: bar\n";
        assert_eq!(run(text, strict()), vec![]);
    }

    #[test]
    fn disabled_rules_and_severities_are_honoured() {
        let text = DEPLOYMENT
            .replace("replicas: 2", "replicas: three")
            .replace("imagePullPolicy:", "imagePullPolicyy:");
        let mut options = strict();
        options.disabled.insert(INVALID_ID.to_owned());
        options
            .severity
            .insert(UNKNOWN_FIELD_ID.to_owned(), Severity::Warning);
        let found = run(&text, options);
        assert_eq!(places(&found), vec![(UNKNOWN_FIELD_ID.to_owned(), 17, 11)]);
        assert_eq!(found[0].severity, Severity::Warning);
    }

    #[test]
    fn every_embedded_flux_kind_compiles_and_crds_validate_as_kubernetes_objects() {
        let schemas = Schemas::new(strict(), &[]).expect("schemas");
        let flux = schemas.flux().expect("flux CRDs load");
        let mut keys: Vec<String> = Vec::new();
        for (group_kind, entry) in &flux.kinds {
            let (group, kind) = group_kind.split_once('/').expect("group/Kind");
            assert!(
                group.ends_with(".fluxcd.io"),
                "{group_kind}: only *.fluxcd.io is looked up"
            );
            // The text scan that indexes the bundle agrees with the parsed CRDs.
            for document in &entry.documents {
                assert_eq!(
                    parsed_group_kind(&document.source, &flux.text[document.range.clone()]),
                    Some((group.to_owned(), kind.to_owned())),
                    "{}",
                    document.source
                );
                let converted = document.versions(&flux.text, group, kind, true);
                assert_eq!(converted.err(), None, "{}", document.source);
            }
            for (api_version, entry) in schemas.flux_versions(group, kind) {
                keys.push(gvk_key(api_version, kind));
                assert!(
                    schemas.crd_validator(entry).is_some(),
                    "{api_version} {kind} does not compile: {:?}",
                    entry.validator.get()
                );
            }
        }
        assert!(keys.len() >= 55, "{keys:?}");
        let from = |api_version: &str, kind: &str| {
            let meta = ObjectMeta {
                api_version: api_version.to_owned(),
                kind: kind.to_owned(),
                namespace: None,
                name: None,
            };
            schemas.flux_entry(&meta).and_then(|e| e.embedded.clone())
        };
        for (api_version, kind, source) in [
            ("helm.toolkit.fluxcd.io/v2", "HelmRelease", "helm.toolkit.fluxcd.io_helmreleases.yaml"),
            ("kustomize.toolkit.fluxcd.io/v1", "Kustomization", "kustomize.toolkit.fluxcd.io_kustomizations.yaml"),
            ("notification.toolkit.fluxcd.io/v1beta3", "Alert", "notification.toolkit.fluxcd.io_alerts.yaml"),
            // Older releases also carry v1, v1beta2...: the newest file that has a version wins.
            ("source.toolkit.fluxcd.io/v1", "GitRepository", "source.toolkit.fluxcd.io_gitrepositories.yaml"),
            ("source.toolkit.fluxcd.io/v1beta2", "GitRepository", "source-controller-v1.7.4/source.toolkit.fluxcd.io_gitrepositories.yaml"),
            ("source.toolkit.fluxcd.io/v1beta1", "GitRepository", "source-controller-v1.6.2/source.toolkit.fluxcd.io_gitrepositories.yaml"),
            ("source.toolkit.fluxcd.io/v1alpha1", "GitRepository", "source-controller-v0.0.18/source.toolkit.fluxcd.io_gitrepositories.yaml"),
            ("source.toolkit.fluxcd.io/v1beta2", "OCIRepository", "source-controller-v1.7.4/source.toolkit.fluxcd.io_ocirepositories.yaml"),
            ("helm.toolkit.fluxcd.io/v2beta2", "HelmRelease", "helm-controller-v1.4.5/helm.toolkit.fluxcd.io_helmreleases.yaml"),
            ("helm.toolkit.fluxcd.io/v2beta1", "HelmRelease", "helm-controller-v1.3.0/helm.toolkit.fluxcd.io_helmreleases.yaml"),
            ("kustomize.toolkit.fluxcd.io/v1beta2", "Kustomization", "kustomize-controller-v1.7.3/kustomize.toolkit.fluxcd.io_kustomizations.yaml"),
            ("kustomize.toolkit.fluxcd.io/v1beta1", "Kustomization", "kustomize-controller-v1.6.1/kustomize.toolkit.fluxcd.io_kustomizations.yaml"),
            ("notification.toolkit.fluxcd.io/v1beta2", "Provider", "notification-controller-v1.8.4/notification.toolkit.fluxcd.io_providers.yaml"),
            ("notification.toolkit.fluxcd.io/v1beta1", "Alert", "notification-controller-v1.6.0/notification.toolkit.fluxcd.io_alerts.yaml"),
            ("notification.toolkit.fluxcd.io/v1beta2", "Receiver", "notification-controller-v1.8.4/notification.toolkit.fluxcd.io_receivers.yaml"),
            ("image.toolkit.fluxcd.io/v1beta2", "ImagePolicy", "image-reflector-controller-v1.1.2/image.toolkit.fluxcd.io_imagepolicies.yaml"),
            ("image.toolkit.fluxcd.io/v1beta1", "ImageRepository", "image-reflector-controller-v0.35.2/image.toolkit.fluxcd.io_imagerepositories.yaml"),
            ("image.toolkit.fluxcd.io/v1alpha2", "ImagePolicy", "image-reflector-controller-v0.22.1/image.toolkit.fluxcd.io_imagepolicies.yaml"),
            ("image.toolkit.fluxcd.io/v1beta2", "ImageUpdateAutomation", "image-automation-controller-v1.1.4/image.toolkit.fluxcd.io_imageupdateautomations.yaml"),
            ("image.toolkit.fluxcd.io/v1beta1", "ImageUpdateAutomation", "image-automation-controller-v0.41.2/image.toolkit.fluxcd.io_imageupdateautomations.yaml"),
        ] {
            assert_eq!(from(api_version, kind).as_deref(), Some(source), "{api_version} {kind}");
        }
        assert_eq!(from("source.toolkit.fluxcd.io/v9", "GitRepository"), None);
        // The Flux CRDs themselves are valid CustomResourceDefinitions, strictly.
        let text = bundle::flux_crds().expect("flux");
        let file = parse("flux.yaml", &text);
        assert_eq!(places(&schemas.validate_file(&file)), vec![]);
    }

    #[test]
    fn suggestions_need_a_close_name() {
        let known = vec![
            "imagePullPolicy".to_owned(),
            "image".to_owned(),
            "name".to_owned(),
        ];
        assert_eq!(closest("imagePullPolicyy", &known), Some("imagePullPolicy"));
        assert_eq!(closest("IMAGE", &known), Some("image"));
        assert_eq!(closest("colour", &known), None);
    }

    const INVALID_ID: &str = rules::INVALID;
    const UNKNOWN_FIELD_ID: &str = rules::UNKNOWN_FIELD;
    const UNKNOWN_KIND_ID: &str = rules::UNKNOWN_KIND;
    const INVALID_CRD_ID: &str = rules::INVALID_CRD;
}
