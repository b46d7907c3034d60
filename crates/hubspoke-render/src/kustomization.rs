//! A kustomization file read into typed fields, every entry keeping its
//! origin. Wrong types and unknown fields are problems at their node (kustomize
//! refuses the whole file; we drop the field and render the rest).

use hubspoke_manifest::yaml::NodeValue;

use crate::fieldspec::FieldSpec;
use crate::origin::{Origin, RNode};
use crate::problem::{ProblemCode, RenderProblem, UnknownKind};
use crate::resid::Gvk;
use crate::selector::SelectorSpec;

/// A value with the origin of the node it was read from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sp<T> {
    /// The value.
    pub value: T,
    /// Its node's origin.
    pub origin: Origin,
}

/// A key/value pair of a string map (labels, annotations).
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    /// The key.
    pub key: Sp<String>,
    /// The value.
    pub value: Sp<String>,
}

/// One `labels:` entry.
#[derive(Debug, Clone, Default)]
pub struct LabelSet {
    /// The labels.
    pub pairs: Vec<Pair>,
    /// Also selectors (and templates).
    pub include_selectors: bool,
    /// Also pod templates.
    pub include_templates: bool,
    /// Extra fields.
    pub fields: Vec<FieldSpec>,
}

/// One `images:` entry.
#[derive(Debug, Clone)]
pub struct ImageRule {
    /// The entry.
    pub origin: Origin,
    /// Image name to match.
    pub name: String,
    /// `newName`.
    pub new_name: Option<Sp<String>>,
    /// `newTag`.
    pub new_tag: Option<Sp<String>>,
    /// `digest`.
    pub digest: Option<Sp<String>>,
    /// `tagSuffix`.
    pub tag_suffix: Option<Sp<String>>,
}

/// One `replicas:` entry.
#[derive(Debug, Clone)]
pub struct ReplicaRule {
    /// The entry.
    pub origin: Origin,
    /// Name of the workload.
    pub name: String,
    /// The count.
    pub count: Sp<i64>,
}

/// One `patches:` or `patchesJson6902:` entry.
#[derive(Debug, Clone)]
pub struct PatchRule {
    /// The entry.
    pub origin: Origin,
    /// `path`.
    pub path: Option<Sp<String>>,
    /// `patch` (inline text): the scalar node, to map origins into it.
    pub patch: Option<RNode>,
    /// `target`.
    pub target: Option<Sp<SelectorSpec>>,
    /// `options.allowNameChange`.
    pub allow_name_change: bool,
    /// `options.allowKindChange`.
    pub allow_kind_change: bool,
}

/// `generatorOptions`, or a generator's `options`.
#[derive(Debug, Clone, Default)]
pub struct GeneratorOptions {
    /// Labels of generated objects.
    pub labels: Vec<Pair>,
    /// Annotations of generated objects.
    pub annotations: Vec<Pair>,
    /// No content-hash suffix.
    pub disable_name_suffix_hash: bool,
    /// `immutable: true`.
    pub immutable: Option<Origin>,
}

/// One `configMapGenerator:` or `secretGenerator:` entry.
#[derive(Debug, Clone, Default)]
pub struct GeneratorRule {
    /// The entry's origin.
    pub origin: Option<Origin>,
    /// `name`.
    pub name: Option<Sp<String>>,
    /// `namespace`.
    pub namespace: Option<Sp<String>>,
    /// `behavior`.
    pub behavior: Option<Sp<String>>,
    /// `literals`.
    pub literals: Vec<Sp<String>>,
    /// `files`.
    pub files: Vec<Sp<String>>,
    /// `envs` (and `env`, appended after them as kustomize does).
    pub envs: Vec<Sp<String>>,
    /// `type` (Secrets).
    pub secret_type: Option<Sp<String>>,
    /// `options`.
    pub options: Option<GeneratorOptions>,
}

/// Options of a replacement's source or target.
#[derive(Debug, Clone, Default)]
pub struct FieldOptions {
    /// Split values on it.
    pub delimiter: String,
    /// The part of a split value.
    pub index: i64,
    /// Create missing target fields.
    pub create: bool,
}

/// A replacement source.
#[derive(Debug, Clone)]
pub struct ReplacementSource {
    /// Selects the source object (exact match, not regular expressions).
    pub group: String,
    /// Version.
    pub version: String,
    /// Kind.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Namespace.
    pub namespace: String,
    /// Dotted field path (default `metadata.name`).
    pub field_path: String,
    /// Options.
    pub options: FieldOptions,
}

/// A replacement target.
#[derive(Debug, Clone)]
pub struct ReplacementTarget {
    /// The target entry.
    pub origin: Origin,
    /// Objects selected.
    pub select: Option<SelectorSpec>,
    /// Objects rejected.
    pub reject: Vec<SelectorSpec>,
    /// Field paths.
    pub field_paths: Vec<String>,
    /// Options.
    pub options: FieldOptions,
}

/// One replacement.
#[derive(Debug, Clone)]
pub struct Replacement {
    /// The entry.
    pub origin: Origin,
    /// `source`.
    pub source: Option<ReplacementSource>,
    /// `sourceValue`.
    pub source_value: Option<Sp<String>>,
    /// `targets`.
    pub targets: Vec<ReplacementTarget>,
}

/// A `replacements:` entry: inline, or a file of them.
#[derive(Debug, Clone)]
pub enum ReplacementEntry {
    /// Inline.
    Inline(Box<Replacement>),
    /// `path:` to a file holding one replacement or a list.
    Path(Sp<String>),
}

/// The output order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortOrder {
    /// kustomize's default: by kind groups, then ids.
    Legacy {
        /// Kinds first.
        first: Vec<String>,
        /// Kinds last.
        last: Vec<String>,
    },
    /// The order resources were read in.
    Fifo,
}

/// A kustomization's fields.
#[derive(Debug, Clone)]
pub struct Kustomization {
    /// `kind: Component`.
    pub is_component: bool,
    /// `resources` then `bases`.
    pub resources: Vec<Sp<String>>,
    /// `components`.
    pub components: Vec<Sp<String>>,
    /// `namespace`.
    pub namespace: Option<Sp<String>>,
    /// `namePrefix`.
    pub name_prefix: Option<Sp<String>>,
    /// `nameSuffix`.
    pub name_suffix: Option<Sp<String>>,
    /// `commonLabels`.
    pub common_labels: Vec<Pair>,
    /// `labels`.
    pub labels: Vec<LabelSet>,
    /// `commonAnnotations`.
    pub common_annotations: Vec<Pair>,
    /// `images` then `imageTags`.
    pub images: Vec<ImageRule>,
    /// `replicas`.
    pub replicas: Vec<ReplicaRule>,
    /// `patches`.
    pub patches: Vec<PatchRule>,
    /// `patchesStrategicMerge`: string nodes, a path or an inline patch.
    pub patches_strategic_merge: Vec<RNode>,
    /// `patchesJson6902`.
    pub patches_json6902: Vec<PatchRule>,
    /// `configMapGenerator`.
    pub config_map_generator: Vec<GeneratorRule>,
    /// `secretGenerator`.
    pub secret_generator: Vec<GeneratorRule>,
    /// `generatorOptions`.
    pub generator_options: Option<GeneratorOptions>,
    /// `configurations`.
    pub configurations: Vec<Sp<String>>,
    /// `replacements`.
    pub replacements: Vec<ReplacementEntry>,
    /// `sortOptions` (only the top kustomization's counts).
    pub sort_order: Option<SortOrder>,
    /// What cannot be rendered offline or is not supported.
    pub unsupported: Vec<(Origin, UnknownKind, String)>,
}

struct Reader<'p> {
    problems: &'p mut Vec<RenderProblem>,
}

fn kind_name(node: &RNode) -> &'static str {
    match node.value {
        NodeValue::Null => "null",
        NodeValue::Bool(_) => "a boolean",
        NodeValue::Int(_) | NodeValue::Float(_) => "a number",
        NodeValue::Str(_) => "a string",
        NodeValue::Seq(_) => "a list",
        NodeValue::Map(_) => "a mapping",
    }
}

impl Reader<'_> {
    fn wrong(&mut self, node: &RNode, field: &str, expected: &str) {
        self.problems.push(RenderProblem::new(
            node.span,
            ProblemCode::InvalidKustomization,
            format!("`{field}` must be {expected}, not {}", kind_name(node)),
        ));
    }

    fn string(&mut self, node: &RNode, field: &str) -> Option<Sp<String>> {
        match &node.value {
            NodeValue::Str(s) => Some(Sp {
                value: s.clone(),
                origin: node.span,
            }),
            // An empty field is Go's zero value.
            NodeValue::Null => None,
            _ => {
                self.wrong(node, field, "a string");
                None
            }
        }
    }

    fn bool(&mut self, node: &RNode, field: &str) -> bool {
        match node.value {
            NodeValue::Bool(b) => b,
            NodeValue::Null => false,
            _ => {
                self.wrong(node, field, "true or false");
                false
            }
        }
    }

    fn int(&mut self, node: &RNode, field: &str) -> Option<i64> {
        match node.value {
            NodeValue::Int(i) => Some(i),
            NodeValue::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
            NodeValue::Null => None,
            _ => {
                self.wrong(node, field, "an integer");
                None
            }
        }
    }

    fn items<'n>(&mut self, node: &'n RNode, field: &str) -> &'n [RNode] {
        match &node.value {
            NodeValue::Seq(items) => items,
            NodeValue::Null => &[],
            _ => {
                self.wrong(node, field, "a list");
                &[]
            }
        }
    }

    fn strings(&mut self, node: &RNode, field: &str) -> Vec<Sp<String>> {
        let mut out = Vec::new();
        for item in self.items(node, field) {
            if let Some(s) = self.string(item, field) {
                out.push(s);
            }
        }
        out
    }

    fn pairs(&mut self, node: &RNode, field: &str) -> Vec<Pair> {
        let mut out = Vec::new();
        match &node.value {
            NodeValue::Map(entries) => {
                for (k, v) in entries {
                    let Some(value) = self.string(v, &format!("{field}.{}", k.key_text())) else {
                        continue;
                    };
                    out.push(Pair {
                        key: Sp {
                            value: k.key_text(),
                            origin: k.span,
                        },
                        value,
                    });
                }
            }
            NodeValue::Null => {}
            _ => self.wrong(node, field, "a mapping of strings"),
        }
        out
    }

    /// The entries of a mapping, reporting keys outside `known`.
    fn fields<'n>(
        &mut self,
        node: &'n RNode,
        field: &str,
        known: &[&str],
    ) -> Vec<(&'n str, &'n RNode)> {
        let mut out = Vec::new();
        match &node.value {
            NodeValue::Map(entries) => {
                for (k, v) in entries {
                    match k.as_str() {
                        Some(name) if known.contains(&name) => out.push((name, v)),
                        _ => self.problems.push(RenderProblem::new(
                            k.span,
                            ProblemCode::InvalidKustomization,
                            format!("unknown field `{}` in `{field}`", k.key_text()),
                        )),
                    }
                }
            }
            NodeValue::Null => {}
            _ => self.wrong(node, field, "a mapping"),
        }
        out
    }

    fn selector(&mut self, node: &RNode, field: &str) -> SelectorSpec {
        let mut spec = SelectorSpec::default();
        let known = [
            "group",
            "version",
            "kind",
            "name",
            "namespace",
            "labelSelector",
            "annotationSelector",
        ];
        for (key, value) in self.fields(node, field, &known) {
            let text = self
                .string(value, &format!("{field}.{key}"))
                .map(|s| s.value)
                .unwrap_or_default();
            match key {
                "group" => spec.group = text,
                "version" => spec.version = text,
                "kind" => spec.kind = text,
                "name" => spec.name = text,
                "namespace" => spec.namespace = text,
                "labelSelector" => spec.label_selector = text,
                _ => spec.annotation_selector = text,
            }
        }
        spec
    }

    fn field_specs(&mut self, node: &RNode, field: &str) -> Vec<FieldSpec> {
        let mut out = Vec::new();
        for item in self.items(node, field) {
            let mut spec = FieldSpec::any_kind("", false);
            for (key, value) in
                self.fields(item, field, &["group", "version", "kind", "path", "create"])
            {
                if key == "create" {
                    spec.create = self.bool(value, "create");
                    continue;
                }
                let text = self.string(value, key).map(|s| s.value).unwrap_or_default();
                match key {
                    "group" => spec.gvk.group = text,
                    "version" => spec.gvk.version = text,
                    "kind" => spec.gvk.kind = text,
                    _ => spec.path = text,
                }
            }
            out.push(spec);
        }
        out
    }

    fn patch(&mut self, node: &RNode, field: &str) -> Option<PatchRule> {
        if !matches!(node.value, NodeValue::Map(_)) {
            self.wrong(node, field, "a mapping with `path` or `patch`");
            return None;
        }
        let mut rule = PatchRule {
            origin: node.span,
            path: None,
            patch: None,
            target: None,
            allow_name_change: false,
            allow_kind_change: false,
        };
        for (key, value) in self.fields(node, field, &["path", "patch", "target", "options"]) {
            match key {
                "path" => rule.path = self.string(value, "path"),
                "patch" => {
                    if self.string(value, "patch").is_some() {
                        rule.patch = Some(value.clone());
                    }
                }
                "target" => {
                    if !matches!(value.value, NodeValue::Null) {
                        rule.target = Some(Sp {
                            value: self.selector(value, "target"),
                            origin: value.span,
                        });
                    }
                }
                _ => {
                    for (option, v) in
                        self.fields(value, "options", &["allowNameChange", "allowKindChange"])
                    {
                        let on = self.bool(v, option);
                        if option == "allowNameChange" {
                            rule.allow_name_change = on;
                        } else {
                            rule.allow_kind_change = on;
                        }
                    }
                }
            }
        }
        Some(rule)
    }

    fn generator_options(&mut self, node: &RNode, field: &str) -> GeneratorOptions {
        let mut options = GeneratorOptions::default();
        let known = [
            "labels",
            "annotations",
            "disableNameSuffixHash",
            "immutable",
        ];
        for (key, value) in self.fields(node, field, &known) {
            match key {
                "labels" => options.labels = self.pairs(value, "labels"),
                "annotations" => options.annotations = self.pairs(value, "annotations"),
                "disableNameSuffixHash" => options.disable_name_suffix_hash = self.bool(value, key),
                _ => {
                    if self.bool(value, key) {
                        options.immutable = Some(value.span);
                    }
                }
            }
        }
        options
    }

    fn generator(&mut self, node: &RNode, field: &str, secret: bool) -> Option<GeneratorRule> {
        if !matches!(node.value, NodeValue::Map(_)) {
            self.wrong(node, field, "a mapping");
            return None;
        }
        let mut rule = GeneratorRule {
            origin: Some(node.span),
            ..GeneratorRule::default()
        };
        let mut known = vec![
            "name",
            "namespace",
            "behavior",
            "literals",
            "files",
            "envs",
            "env",
            "options",
        ];
        if secret {
            known.push("type");
        }
        let mut env = None;
        for (key, value) in self.fields(node, field, &known) {
            match key {
                "name" => rule.name = self.string(value, key),
                "namespace" => rule.namespace = self.string(value, key),
                "behavior" => rule.behavior = self.string(value, key),
                "literals" => rule.literals = self.strings(value, key),
                "files" => rule.files = self.strings(value, key),
                "envs" => rule.envs = self.strings(value, key),
                "env" => env = self.string(value, key),
                "type" => rule.secret_type = self.string(value, key),
                _ => rule.options = Some(self.generator_options(value, "options")),
            }
        }
        if let Some(env) = env.filter(|e| !e.value.is_empty()) {
            rule.envs.push(env);
        }
        Some(rule)
    }

    fn field_options(&mut self, node: &RNode, field: &str) -> FieldOptions {
        let mut options = FieldOptions::default();
        for (key, value) in self.fields(node, field, &["delimiter", "index", "encoding", "create"])
        {
            match key {
                "delimiter" => {
                    options.delimiter = self.string(value, key).map(|s| s.value).unwrap_or_default()
                }
                "index" => options.index = self.int(value, key).unwrap_or(0),
                "create" => options.create = self.bool(value, key),
                _ => {
                    let _ = self.string(value, key);
                }
            }
        }
        options
    }

    fn replacement(&mut self, node: &RNode) -> Option<Replacement> {
        if !matches!(node.value, NodeValue::Map(_)) {
            self.wrong(node, "replacements", "a mapping");
            return None;
        }
        let mut replacement = Replacement {
            origin: node.span,
            source: None,
            source_value: None,
            targets: Vec::new(),
        };
        for (key, value) in self.fields(node, "replacements", &["source", "sourceValue", "targets"])
        {
            match key {
                "source" => {
                    let mut source = ReplacementSource {
                        group: String::new(),
                        version: String::new(),
                        kind: String::new(),
                        name: String::new(),
                        namespace: String::new(),
                        field_path: String::new(),
                        options: FieldOptions::default(),
                    };
                    let known = [
                        "group",
                        "version",
                        "kind",
                        "name",
                        "namespace",
                        "fieldPath",
                        "options",
                    ];
                    for (k, v) in self.fields(value, "source", &known) {
                        if k == "options" {
                            source.options = self.field_options(v, "options");
                            continue;
                        }
                        let text = self.string(v, k).map(|s| s.value).unwrap_or_default();
                        match k {
                            "group" => source.group = text,
                            "version" => source.version = text,
                            "kind" => source.kind = text,
                            "name" => source.name = text,
                            "namespace" => source.namespace = text,
                            _ => source.field_path = text,
                        }
                    }
                    replacement.source = Some(source);
                }
                "sourceValue" => replacement.source_value = self.string(value, key),
                _ => {
                    for item in self.items(value, "targets") {
                        let mut target = ReplacementTarget {
                            origin: item.span,
                            select: None,
                            reject: Vec::new(),
                            field_paths: Vec::new(),
                            options: FieldOptions::default(),
                        };
                        for (k, v) in self.fields(
                            item,
                            "targets",
                            &["select", "reject", "fieldPaths", "options"],
                        ) {
                            match k {
                                "select" => target.select = Some(self.selector(v, "select")),
                                "reject" => {
                                    for r in self.items(v, "reject") {
                                        let spec = self.selector(r, "reject");
                                        target.reject.push(spec);
                                    }
                                }
                                "fieldPaths" => {
                                    target.field_paths =
                                        self.strings(v, k).into_iter().map(|s| s.value).collect()
                                }
                                _ => target.options = self.field_options(v, "options"),
                            }
                        }
                        replacement.targets.push(target);
                    }
                }
            }
        }
        Some(replacement)
    }
}

const TOP_LEVEL_FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "openapi",
    "namePrefix",
    "nameSuffix",
    "namespace",
    "commonLabels",
    "labels",
    "commonAnnotations",
    "patchesStrategicMerge",
    "patchesJson6902",
    "patches",
    "images",
    "imageTags",
    "replacements",
    "replicas",
    "vars",
    "sortOptions",
    "resources",
    "components",
    "crds",
    "bases",
    "configMapGenerator",
    "secretGenerator",
    "helmGlobals",
    "helmCharts",
    "helmChartInflationGenerator",
    "generatorOptions",
    "configurations",
    "generators",
    "transformers",
    "validators",
    "buildMetadata",
];

/// Read a kustomization tree. Problems go to `problems`.
pub fn read(root: &RNode, problems: &mut Vec<RenderProblem>) -> Kustomization {
    let mut k = Kustomization {
        is_component: false,
        resources: Vec::new(),
        components: Vec::new(),
        namespace: None,
        name_prefix: None,
        name_suffix: None,
        common_labels: Vec::new(),
        labels: Vec::new(),
        common_annotations: Vec::new(),
        images: Vec::new(),
        replicas: Vec::new(),
        patches: Vec::new(),
        patches_strategic_merge: Vec::new(),
        patches_json6902: Vec::new(),
        config_map_generator: Vec::new(),
        secret_generator: Vec::new(),
        generator_options: None,
        configurations: Vec::new(),
        replacements: Vec::new(),
        sort_order: None,
        unsupported: Vec::new(),
    };
    let mut r = Reader { problems };
    if !matches!(root.value, NodeValue::Map(_)) {
        r.wrong(root, "kustomization", "a mapping");
        return k;
    }
    let mut bases = Vec::new();
    let mut image_tags = Vec::new();
    for (key, value) in r.fields(root, "kustomization", TOP_LEVEL_FIELDS) {
        match key {
            "apiVersion" | "metadata" => {}
            "kind" => {
                let kind = r.string(value, key);
                match kind.as_ref().map(|s| s.value.as_str()) {
                    Some("Component") => k.is_component = true,
                    Some("Kustomization") | None => {}
                    Some(other) => r.problems.push(RenderProblem::new(
                        value.span,
                        ProblemCode::InvalidKustomization,
                        format!("kind should be Kustomization or Component, not `{other}`"),
                    )),
                }
            }
            "namePrefix" => k.name_prefix = r.string(value, key),
            "nameSuffix" => k.name_suffix = r.string(value, key),
            "namespace" => k.namespace = r.string(value, key),
            "commonLabels" => k.common_labels = r.pairs(value, key),
            "commonAnnotations" => k.common_annotations = r.pairs(value, key),
            "labels" => {
                for item in r.items(value, key) {
                    let mut set = LabelSet::default();
                    for (field, v) in r.fields(
                        item,
                        key,
                        &["pairs", "includeSelectors", "includeTemplates", "fields"],
                    ) {
                        match field {
                            "pairs" => set.pairs = r.pairs(v, "pairs"),
                            "includeSelectors" => set.include_selectors = r.bool(v, field),
                            "includeTemplates" => set.include_templates = r.bool(v, field),
                            _ => set.fields = r.field_specs(v, "fields"),
                        }
                    }
                    k.labels.push(set);
                }
            }
            "resources" => k.resources = r.strings(value, key),
            "bases" => bases = r.strings(value, key),
            "components" => k.components = r.strings(value, key),
            "configurations" => k.configurations = r.strings(value, key),
            "images" | "imageTags" => {
                for item in r.items(value, key) {
                    let fields = r.fields(
                        item,
                        key,
                        &["name", "newName", "newTag", "digest", "tagSuffix"],
                    );
                    let mut rule = ImageRule {
                        origin: item.span,
                        name: String::new(),
                        new_name: None,
                        new_tag: None,
                        digest: None,
                        tag_suffix: None,
                    };
                    for (field, v) in fields {
                        let text = r.string(v, field);
                        match field {
                            "name" => rule.name = text.map(|s| s.value).unwrap_or_default(),
                            "newName" => rule.new_name = text,
                            "newTag" => rule.new_tag = text,
                            "digest" => rule.digest = text,
                            _ => rule.tag_suffix = text,
                        }
                    }
                    if key == "images" {
                        k.images.push(rule);
                    } else {
                        image_tags.push(rule);
                    }
                }
            }
            "replicas" => {
                for item in r.items(value, key) {
                    let mut name = String::new();
                    let mut count = Sp {
                        value: 0,
                        origin: item.span,
                    };
                    for (field, v) in r.fields(item, key, &["name", "count"]) {
                        if field == "name" {
                            name = r.string(v, field).map(|s| s.value).unwrap_or_default();
                        } else if let Some(c) = r.int(v, field) {
                            count = Sp {
                                value: c,
                                origin: v.span,
                            };
                        }
                    }
                    k.replicas.push(ReplicaRule {
                        origin: item.span,
                        name,
                        count,
                    });
                }
            }
            "patches" | "patchesJson6902" => {
                for item in r.items(value, key) {
                    if let Some(rule) = r.patch(item, key) {
                        if key == "patches" {
                            k.patches.push(rule);
                        } else {
                            k.patches_json6902.push(rule);
                        }
                    }
                }
            }
            "patchesStrategicMerge" => {
                for item in r.items(value, key) {
                    if r.string(item, key).is_some() {
                        k.patches_strategic_merge.push(item.clone());
                    }
                }
            }
            "configMapGenerator" | "secretGenerator" => {
                let secret = key == "secretGenerator";
                for item in r.items(value, key) {
                    if let Some(rule) = r.generator(item, key, secret) {
                        if secret {
                            k.secret_generator.push(rule);
                        } else {
                            k.config_map_generator.push(rule);
                        }
                    }
                }
            }
            "generatorOptions" => k.generator_options = Some(r.generator_options(value, key)),
            "replacements" => {
                for item in r.items(value, key) {
                    let path = item.get("path");
                    match path {
                        Some(p) => {
                            if let Some(path) = r.string(p, "path") {
                                k.replacements.push(ReplacementEntry::Path(path));
                            }
                        }
                        None => {
                            if let Some(rep) = r.replacement(item) {
                                k.replacements.push(ReplacementEntry::Inline(Box::new(rep)));
                            }
                        }
                    }
                }
            }
            "sortOptions" => k.sort_order = read_sort_order(&mut r, value),
            "helmCharts" | "helmChartInflationGenerator"
                if !matches!(value.value, NodeValue::Null) =>
            {
                k.unsupported.push((
                    value.span,
                    UnknownKind::HelmChart,
                    "Helm charts are not inflated offline".to_owned(),
                ));
            }
            "generators" | "transformers" | "validators" if !r.items(value, key).is_empty() => {
                k.unsupported.push((
                    value.span,
                    UnknownKind::Plugin,
                    format!("`{key}` plugins are not run"),
                ));
            }
            "vars" if !r.items(value, key).is_empty() => {
                k.unsupported.push((
                    value.span,
                    UnknownKind::Vars,
                    "`vars` are not substituted (use `replacements`)".to_owned(),
                ));
            }
            "crds" if !r.items(value, key).is_empty() => {
                k.unsupported.push((
                    value.span,
                    UnknownKind::Crds,
                    "name references declared by `crds` are not read".to_owned(),
                ));
            }
            // Schemas for merging custom kinds, and build annotations kustomize removes again.
            "openapi" | "buildMetadata" => {}
            _ => {}
        }
    }
    k.resources.extend(bases);
    k.images.extend(image_tags);
    k
}

fn read_sort_order(r: &mut Reader<'_>, node: &RNode) -> Option<SortOrder> {
    let mut order = None;
    let mut legacy = None;
    for (key, value) in r.fields(node, "sortOptions", &["order", "legacySortOptions"]) {
        if key == "order" {
            order = r.string(value, key);
        } else {
            let mut first = Vec::new();
            let mut last = Vec::new();
            for (k, v) in r.fields(value, key, &["orderFirst", "orderLast"]) {
                let list = r.strings(v, k).into_iter().map(|s| s.value).collect();
                if k == "orderFirst" {
                    first = list;
                } else {
                    last = list;
                }
            }
            legacy = Some((first, last, value.span));
        }
    }
    match order.as_ref().map(|o| o.value.as_str()) {
        Some("fifo") => {
            if let Some((_, _, origin)) = legacy {
                r.problems.push(RenderProblem::new(
                    origin,
                    ProblemCode::InvalidKustomization,
                    "`sortOptions.legacySortOptions` is set but the order is `fifo`",
                ));
            }
            Some(SortOrder::Fifo)
        }
        Some("legacy") => Some(match legacy {
            Some((first, last, _)) => SortOrder::Legacy { first, last },
            None => SortOrder::default_legacy(),
        }),
        _ => {
            let origin = order.map_or(node.span, |o| o.origin);
            r.problems.push(RenderProblem::new(
                origin,
                ProblemCode::InvalidKustomization,
                "`sortOptions.order` must be `legacy` or `fifo`",
            ));
            None
        }
    }
}

impl SortOrder {
    /// kustomize's default order.
    pub fn default_legacy() -> Self {
        let list = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect();
        SortOrder::Legacy {
            first: list(&[
                "Namespace",
                "ResourceQuota",
                "StorageClass",
                "CustomResourceDefinition",
                "ServiceAccount",
                "PodSecurityPolicy",
                "Role",
                "ClusterRole",
                "RoleBinding",
                "ClusterRoleBinding",
                "ConfigMap",
                "Secret",
                "Endpoints",
                "Service",
                "LimitRange",
                "PriorityClass",
                "PersistentVolume",
                "PersistentVolumeClaim",
                "Deployment",
                "StatefulSet",
                "CronJob",
                "PodDisruptionBudget",
            ]),
            last: list(&[
                "MutatingWebhookConfiguration",
                "ValidatingWebhookConfiguration",
            ]),
        }
    }
}

/// Group/version/kind of a replacement source, for matching ids exactly.
pub fn source_gvk(source: &ReplacementSource) -> Gvk {
    Gvk {
        group: source.group.clone(),
        version: source.version.clone(),
        kind: source.kind.clone(),
    }
}

/// The replacements of a `replacements: [{path: …}]` file: one, or a list.
pub fn read_replacements(root: &RNode, problems: &mut Vec<RenderProblem>) -> Vec<Replacement> {
    let mut r = Reader { problems };
    match &root.value {
        NodeValue::Seq(items) => items
            .iter()
            .filter_map(|item| r.replacement(item))
            .collect(),
        _ => r.replacement(root).into_iter().collect(),
    }
}
