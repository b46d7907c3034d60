//! The embedded Flux CRDs: indexed by group and kind from a scan of the bundle's
//! text, each kind's documents converted to schemas when an object of it is first met.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use hubspoke_manifest::{parse_text, ObjectMeta, ParseLimits};

use super::compile::CrdEntry;
use super::Schemas;
use crate::bundle;
use crate::crd;

/// The embedded Flux CRDs, indexed by group and kind from a scan of their text. The bundle
/// holds every API version any release served (1.6 MB of YAML) and a run meets a handful of
/// kinds, so a kind's CRD documents are parsed and converted when an object of it is first
/// validated, not when the bundle is opened.
pub(super) struct Flux {
    pub(super) text: String,
    /// `group/Kind` → its documents and, once needed, its schemas.
    pub(super) kinds: BTreeMap<String, FluxKind>,
}

pub(super) struct FluxKind {
    /// The CRDs declaring the kind, in bundle order: the current file first, then older
    /// releases, newest first. A version is taken from the first that declares it, so one
    /// still served by a newer release comes from that release, and an object of a current
    /// version never makes the older files be parsed.
    pub(super) documents: Vec<FluxDocument>,
}

pub(super) struct FluxDocument {
    /// The file in the bundle (`source-controller-v1.7.4/source.toolkit.fluxcd.io_....yaml`).
    pub(super) source: String,
    pub(super) range: std::ops::Range<usize>,
    /// `apiVersion` → schema, converted on first use.
    versions: OnceLock<Result<BTreeMap<String, CrdEntry>, String>>,
}

/// What precedes each file in the bundle (`scripts/update-flux-crds.py`).
const FLUX_SOURCE_MARKER: &str = "---\n# source: ";

impl Flux {
    pub(super) fn load() -> Result<Flux, String> {
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
    pub(super) fn versions(
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
            let mut value = document.root.to_json();
            if !crd::is_crd(&value) {
                continue;
            }
            add_flux_operator_kinds(group, kind, &mut value);
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

/// The Flux Operator's kinds, which emit Flux events and can be the target of a Receiver.
const FLUX_OPERATOR_KINDS: [&str; 3] = ["FluxInstance", "ResourceSet", "ResourceSetInputProvider"];

/// The Flux Operator installs notification-controller with its Alert and Receiver CRDs
/// patched to accept its own kinds (`Alert.spec.eventSources[].kind: FluxInstance`,
/// `Receiver.spec.resources[].kind: ResourceSet`...). Those objects are valid on every
/// cluster the operator manages, and the linted repository cannot tell which clusters
/// those are, so the embedded CRDs accept them everywhere: the same enum extension, on
/// every version that has the enum.
fn add_flux_operator_kinds(group: &str, kind: &str, crd: &mut serde_json::Value) {
    let list = match (group, kind) {
        ("notification.toolkit.fluxcd.io", "Alert") => "eventSources",
        ("notification.toolkit.fluxcd.io", "Receiver") => "resources",
        _ => return,
    };
    let pointer = format!(
        "/schema/openAPIV3Schema/properties/spec/properties/{list}/items/properties/kind/enum"
    );
    let versions = crd
        .pointer_mut("/spec/versions")
        .and_then(serde_json::Value::as_array_mut);
    for version in versions.into_iter().flatten() {
        let Some(kinds) = version
            .pointer_mut(&pointer)
            .and_then(serde_json::Value::as_array_mut)
        else {
            continue;
        };
        for extra in FLUX_OPERATOR_KINDS {
            if !kinds.iter().any(|k| k == extra) {
                kinds.push(serde_json::Value::from(extra));
            }
        }
    }
}

/// Whether the embedded bundle may hold `group`: Flux's `*.fluxcd.io` groups and the
/// Flux Operator's `fluxcd.controlplane.io`.
pub(super) fn is_flux_group(group: &str) -> bool {
    group.ends_with(".fluxcd.io") || group == "fluxcd.controlplane.io"
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
pub(super) fn parsed_group_kind(source: &str, text: &str) -> Option<(String, String)> {
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

impl Schemas {
    pub(super) fn flux(&self) -> Result<&Flux, &str> {
        self.flux
            .get_or_init(Flux::load)
            .as_ref()
            .map_err(String::as_str)
    }

    /// The embedded Flux schemas of `group`/`kind`. Only Flux groups ([`is_flux_group`])
    /// are looked up, so that a run without Flux objects never decompresses the bundle.
    fn flux_kind(&self, group: &str, kind: &str) -> Option<&FluxKind> {
        if !is_flux_group(group) {
            return None;
        }
        self.flux().ok()?.kinds.get(&format!("{group}/{kind}"))
    }

    /// The embedded schema of one apiVersion and kind.
    pub(super) fn flux_entry(&self, meta: &ObjectMeta) -> Option<&CrdEntry> {
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
    pub(super) fn flux_versions(&self, group: &str, kind: &str) -> BTreeMap<&str, &CrdEntry> {
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
}
