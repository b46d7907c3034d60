//! Field specs: which fields of which kinds a transformer touches
//! (`spec/template/metadata/labels` of Deployments…), the transformer
//! configuration that lists them (kustomize's defaults plus a kustomization's
//! `configurations:` files), and the walk that applies a setter to each field.

use std::sync::OnceLock;

use hubspoke_manifest::yaml::NodeValue;
use hubspoke_manifest::{parse_text, ParseLimits};

use crate::origin::{with_file, FileId, Origin, RNode};
use crate::resid::Gvk;
use crate::tree::{self, map_node, scalar_text, string_node};

/// One field spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSpec {
    /// Kinds it applies to (empty parts match anything).
    pub gvk: Gvk,
    /// `/`-separated path; `name[]` marks a list; `\/` escapes a slash.
    pub path: String,
    /// Whether missing fields on the path are created.
    pub create: bool,
}

impl FieldSpec {
    /// A spec for every kind.
    pub fn any_kind(path: &str, create: bool) -> Self {
        FieldSpec {
            gvk: Gvk::default(),
            path: path.to_owned(),
            create,
        }
    }

    fn effectively_equals(&self, other: &FieldSpec) -> bool {
        self.gvk.is_selected_by(&other.gvk) && self.path == other.path
    }

    /// Whether this spec applies to an object of `api_version` and `kind`.
    pub fn matches(&self, api_version: &str, kind: &str) -> bool {
        let gvk = Gvk::from_api_version(api_version, kind);
        (self.gvk.kind.is_empty() || self.gvk.kind == gvk.kind)
            && (self.gvk.group.is_empty() || self.gvk.group == gvk.group)
            && (self.gvk.version.is_empty() || self.gvk.version == gvk.version)
    }

    /// The path's segments.
    pub fn segments(&self) -> Vec<String> {
        split_path(&self.path, '/')
    }
}

/// Split a path on `separator`, honouring `\` escapes of the separator.
pub fn split_path(path: &str, separator: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek() == Some(&separator) {
            current.push(separator);
            chars.next();
        } else if c == separator {
            out.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    out.push(current);
    out
}

/// Merge `incoming` into `list`, skipping specs already there; two specs for
/// the same field that disagree on `create` conflict, as in kustomize.
pub fn merge_specs(list: &mut Vec<FieldSpec>, incoming: &[FieldSpec]) -> Result<(), String> {
    for spec in incoming {
        match list.iter().find(|s| s.effectively_equals(spec)) {
            Some(existing) if existing.create != spec.create => {
                return Err(format!(
                    "conflicting fieldspecs for path `{}`: create is both {} and {}",
                    spec.path, existing.create, spec.create
                ))
            }
            Some(_) => {}
            None => list.push(spec.clone()),
        }
    }
    Ok(())
}

/// Where a kind is referred to by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameBackReference {
    /// The referred kind.
    pub gvk: Gvk,
    /// The fields that refer to it.
    pub referrers: Vec<FieldSpec>,
}

/// A transformer configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransformerConfig {
    /// `namePrefix`.
    pub name_prefix: Vec<FieldSpec>,
    /// `nameSuffix`.
    pub name_suffix: Vec<FieldSpec>,
    /// `namespace`.
    pub namespace: Vec<FieldSpec>,
    /// `commonLabels`.
    pub common_labels: Vec<FieldSpec>,
    /// `labels` (extra fields for every `labels:` entry).
    pub labels: Vec<FieldSpec>,
    /// `templateLabels` (`labels:` with `includeTemplates`).
    pub template_labels: Vec<FieldSpec>,
    /// `commonAnnotations`.
    pub common_annotations: Vec<FieldSpec>,
    /// `images`.
    pub images: Vec<FieldSpec>,
    /// `replicas`.
    pub replicas: Vec<FieldSpec>,
    /// `nameReference`.
    pub name_reference: Vec<NameBackReference>,
}

impl TransformerConfig {
    /// kustomize's built-in configuration.
    pub fn defaults() -> &'static TransformerConfig {
        static DEFAULT: OnceLock<TransformerConfig> = OnceLock::new();
        DEFAULT.get_or_init(|| {
            let text = include_str!("../data/default-config.yaml");
            let parsed = parse_text("default-config.yaml", "", text, ParseLimits::default());
            let root = parsed
                .documents
                .first()
                .map(|d| with_file(&d.root, BUILTIN_FILE))
                .unwrap_or_else(|| map_node(builtin_origin()));
            let (config, problems) = TransformerConfig::from_node(&root);
            debug_assert!(problems.is_empty(), "{problems:?}");
            config
        })
    }

    /// Read a configuration file's tree; each problem names the node at fault.
    pub fn from_node(root: &RNode) -> (TransformerConfig, Vec<(Origin, String)>) {
        let mut config = TransformerConfig::default();
        let mut problems = Vec::new();
        let NodeValue::Map(entries) = &root.value else {
            problems.push((
                root.span,
                "a transformer configuration must be a mapping".to_owned(),
            ));
            return (config, problems);
        };
        for (key, value) in entries {
            let name = key.key_text();
            let target = match name.as_str() {
                "namePrefix" => &mut config.name_prefix,
                "nameSuffix" => &mut config.name_suffix,
                "namespace" => &mut config.namespace,
                "commonLabels" => &mut config.common_labels,
                "labels" => &mut config.labels,
                "templateLabels" => &mut config.template_labels,
                "commonAnnotations" => &mut config.common_annotations,
                "images" => &mut config.images,
                "replicas" => &mut config.replicas,
                "varReference" => continue,
                "nameReference" => {
                    for item in seq_items(value, &mut problems) {
                        let gvk = gvk_of(item);
                        let referrers = item
                            .get("fieldSpecs")
                            .map(|specs| read_specs(specs, &mut problems))
                            .unwrap_or_default();
                        merge_back_reference(
                            &mut config.name_reference,
                            gvk,
                            &referrers,
                            item.span,
                            &mut problems,
                        );
                    }
                    continue;
                }
                _ => {
                    problems.push((
                        key.span,
                        format!("unknown transformer configuration field `{name}`"),
                    ));
                    continue;
                }
            };
            let specs = read_specs(value, &mut problems);
            if let Err(message) = merge_specs(target, &specs) {
                problems.push((value.span, message));
            }
        }
        (config, problems)
    }

    /// Merge another configuration into this one.
    pub fn merge(&mut self, other: &TransformerConfig) -> Result<(), String> {
        merge_specs(&mut self.name_prefix, &other.name_prefix)?;
        merge_specs(&mut self.name_suffix, &other.name_suffix)?;
        merge_specs(&mut self.namespace, &other.namespace)?;
        merge_specs(&mut self.common_labels, &other.common_labels)?;
        merge_specs(&mut self.labels, &other.labels)?;
        merge_specs(&mut self.template_labels, &other.template_labels)?;
        merge_specs(&mut self.common_annotations, &other.common_annotations)?;
        merge_specs(&mut self.images, &other.images)?;
        merge_specs(&mut self.replicas, &other.replicas)?;
        for back in &other.name_reference {
            match self.name_reference.iter_mut().find(|b| b.gvk == back.gvk) {
                Some(existing) => merge_specs(&mut existing.referrers, &back.referrers)?,
                None => self.name_reference.push(back.clone()),
            }
        }
        Ok(())
    }
}

fn merge_back_reference(
    list: &mut Vec<NameBackReference>,
    gvk: Gvk,
    referrers: &[FieldSpec],
    origin: Origin,
    problems: &mut Vec<(Origin, String)>,
) {
    match list.iter_mut().find(|b| b.gvk == gvk) {
        Some(existing) => {
            if let Err(message) = merge_specs(&mut existing.referrers, referrers) {
                problems.push((origin, message));
            }
        }
        None => list.push(NameBackReference {
            gvk,
            referrers: referrers.to_vec(),
        }),
    }
}

/// The file id of kustomize's built-in configuration (no file of the render).
pub const BUILTIN_FILE: FileId = FileId(u32::MAX);

fn builtin_origin() -> Origin {
    Origin {
        file: BUILTIN_FILE,
        span: hubspoke_manifest::Span::default(),
    }
}

fn seq_items<'n>(node: &'n RNode, problems: &mut Vec<(Origin, String)>) -> &'n [RNode] {
    match &node.value {
        NodeValue::Seq(items) => items,
        NodeValue::Null => &[],
        _ => {
            problems.push((node.span, "expected a list".to_owned()));
            &[]
        }
    }
}

fn gvk_of(node: &RNode) -> Gvk {
    let text = |key: &str| node.get(key).and_then(scalar_text).unwrap_or_default();
    Gvk {
        group: text("group"),
        version: text("version"),
        kind: text("kind"),
    }
}

fn read_specs(node: &RNode, problems: &mut Vec<(Origin, String)>) -> Vec<FieldSpec> {
    let mut out = Vec::new();
    for item in seq_items(node, problems) {
        if !tree::is_map(item) {
            problems.push((
                item.span,
                "a field spec must be a mapping with `path`".to_owned(),
            ));
            continue;
        }
        let spec = FieldSpec {
            gvk: gvk_of(item),
            path: item.get("path").and_then(scalar_text).unwrap_or_default(),
            create: matches!(
                item.get("create").map(|c| &c.value),
                Some(NodeValue::Bool(true))
            ),
        };
        if let Err(message) = merge_specs(&mut out, std::slice::from_ref(&spec)) {
            problems.push((item.span, message));
        }
    }
    out
}

/// What a missing field is created as, when the spec allows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateKind {
    /// Never create.
    Nothing,
    /// A scalar (names, namespaces, replicas, images).
    Scalar,
    /// A mapping (labels, annotations).
    Map,
}

/// Apply `set` to every field `spec` names in `root` (an object whose kind
/// the spec selects), creating missing fields as kustomize does when the spec
/// says `create`. Created nodes get `origin`. Errors are kustomize's (a path
/// that runs into a scalar).
pub fn apply(
    root: &mut RNode,
    spec: &FieldSpec,
    create: CreateKind,
    origin: Origin,
    set: &mut dyn FnMut(&mut RNode) -> Result<(), String>,
) -> Result<(), String> {
    let api_version = tree::str_at(root, &["apiVersion"]).unwrap_or("").to_owned();
    let kind = tree::str_at(root, &["kind"]).unwrap_or("").to_owned();
    if !spec.matches(&api_version, &kind) {
        return Ok(());
    }
    let segments = spec.segments();
    let create = if spec.create {
        create
    } else {
        CreateKind::Nothing
    };
    walk(root, &segments, create, origin, set)
        .map_err(|message| format!("considering field `{}`: {message}", spec.path))
}

fn walk(
    node: &mut RNode,
    path: &[String],
    create: CreateKind,
    origin: Origin,
    set: &mut dyn FnMut(&mut RNode) -> Result<(), String>,
) -> Result<(), String> {
    let Some((first, rest)) = path.split_first() else {
        return set(node);
    };
    match &mut node.value {
        NodeValue::Null => Ok(()),
        NodeValue::Seq(items) => {
            for item in items {
                walk(item, path, create, origin, set)?;
            }
            Ok(())
        }
        NodeValue::Map(_) => {
            let (name, is_seq) = match first.strip_suffix("[]") {
                Some(name) => (name, true),
                None => (first.as_str(), false),
            };
            if name.is_empty() {
                return Err("cannot set or create an empty field name".to_owned());
            }
            let create_here = match create {
                CreateKind::Nothing => None,
                _ if is_seq => None,
                kind if rest.is_empty() => Some(kind),
                _ => Some(CreateKind::Map),
            };
            if let Some(kind) = create_here {
                let missing = tree::get_mut(node, name).is_none();
                if missing {
                    let fresh = match kind {
                        CreateKind::Map => map_node(origin),
                        _ => string_node("", origin),
                    };
                    tree::set_field(node, name, fresh);
                } else if let Some(field) = tree::get_mut(node, name) {
                    if matches!(field.value, NodeValue::Null) {
                        *field = match kind {
                            CreateKind::Map => map_node(origin),
                            _ => string_node("", origin),
                        };
                    }
                }
            }
            match tree::get_mut(node, name) {
                Some(field) => walk(field, rest, create, origin, set),
                None => Ok(()),
            }
        }
        _ => Err("expected sequence or mapping node".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_configuration_loads() {
        let config = TransformerConfig::defaults();
        assert_eq!(
            config.name_prefix,
            vec![FieldSpec::any_kind("metadata/name", false)]
        );
        assert!(config
            .common_labels
            .iter()
            .any(|s| s.path == "spec/selector/matchLabels"
                && s.gvk.kind == "Deployment"
                && s.create));
        let config_map = config
            .name_reference
            .iter()
            .find(|b| b.gvk.kind == "ConfigMap")
            .expect("ConfigMap back references");
        assert!(config_map
            .referrers
            .iter()
            .any(|s| s.path == "spec/template/spec/volumes/configMap/name"
                && s.gvk.kind == "Deployment"));
        assert!(config
            .name_reference
            .iter()
            .find(|b| b.gvk.kind == "Secret")
            .is_some_and(|b| b.referrers.iter().any(
                |s| s.path == "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret"
            )));
    }

    #[test]
    fn escaped_slashes_stay_in_one_segment() {
        assert_eq!(
            split_path("metadata/annotations/a.io\\/b", '/'),
            vec!["metadata", "annotations", "a.io/b"]
        );
    }
}
