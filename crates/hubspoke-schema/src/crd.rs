//! CustomResourceDefinition → JSON Schema (draft 2020-12), the rewrite
//! kubeconform's `openapi2jsonschema` does, done in process:
//!
//! - `nullable: true` adds `"null"` to `type` (and to `enum`); so does a field that is not
//!   `required`, because the API server prunes such a `null` before validation;
//! - `x-kubernetes-int-or-string: true` becomes `anyOf: [{type: integer}, {type: string}]`;
//! - `x-kubernetes-preserve-unknown-fields: true` never gets `additionalProperties: false`;
//! - strict mode adds `additionalProperties: false` wherever `properties` exist (structural
//!   positions only: not inside `allOf`/`anyOf`/`oneOf`/`not`, which are value validations);
//! - OpenAPI's boolean `exclusiveMaximum`/`exclusiveMinimum` become draft 2020-12 numbers;
//! - `format`, `default`, `description`, `example` and the other annotations are dropped
//!   (formats are not enforced, as in the API server for most of them);
//! - the root's `metadata` is the Kubernetes `ObjectMeta` schema (the API server validates it
//!   so whatever the CRD says), and the root always admits `apiVersion`, `kind` and `metadata`.
//!
//! A CRD that cannot be read (no group, no kind, a schema that is not a schema) gives
//! [`CrdProblem`]s pointing into the CRD document; its other versions still load.

use hubspoke_manifest::PathSegment;
use serde_json::{json, Map, Value};

/// Where the embedded Kubernetes definitions live for `$ref`s (the registry URI).
pub(crate) const K8S_DEFINITIONS_URI: &str = "https://kubernetes.io/api/_definitions.json";
const OBJECT_META_REF: &str =
    "https://kubernetes.io/api/_definitions.json#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
const DRAFT_2020_12: &str = "https://json-schema.org/draft/2020-12/schema";

/// One version of a custom resource, ready to compile.
#[derive(Debug, Clone)]
pub struct CrdVersion {
    /// `group/version`.
    pub api_version: String,
    /// `spec.names.kind`.
    pub kind: String,
    /// The converted JSON Schema.
    pub schema: Value,
    /// Where this version's schema sits in the CRD document.
    pub path: Vec<PathSegment>,
}

/// Something wrong with a CRD document.
#[derive(Debug, Clone, PartialEq)]
pub struct CrdProblem {
    /// Where in the CRD document.
    pub path: Vec<PathSegment>,
    /// What is wrong.
    pub message: String,
    /// `group/version` and kind of the version whose schema could not be converted, so
    /// that objects of it can be told why they have no schema.
    pub version: Option<(String, String)>,
}

/// Whether a document (as JSON) is a CustomResourceDefinition.
pub fn is_crd(document: &Value) -> bool {
    document.get("kind").and_then(Value::as_str) == Some("CustomResourceDefinition")
        && document
            .get("apiVersion")
            .and_then(Value::as_str)
            .is_some_and(|v| v.starts_with("apiextensions.k8s.io/"))
}

fn key(k: &str) -> PathSegment {
    PathSegment::Key(k.to_owned())
}

fn at(path: &[PathSegment], more: &[PathSegment]) -> Vec<PathSegment> {
    path.iter().chain(more).cloned().collect()
}

/// Read every version of a CRD (`apiextensions.k8s.io/v1` or `v1beta1`) and convert its schema.
pub fn crd_versions(document: &Value, strict: bool) -> (Vec<CrdVersion>, Vec<CrdProblem>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let problem = |path: Vec<PathSegment>, message: String| CrdProblem {
        path,
        message,
        version: None,
    };
    let Some(spec) = document.get("spec").and_then(Value::as_object) else {
        problems.push(problem(
            vec![],
            "CustomResourceDefinition has no `spec` mapping".to_owned(),
        ));
        return (out, problems);
    };
    let spec_path = vec![key("spec")];
    let group = spec.get("group").and_then(Value::as_str).unwrap_or("");
    if group.is_empty() {
        problems.push(problem(
            spec_path.clone(),
            "CustomResourceDefinition has no `spec.group`".to_owned(),
        ));
    }
    let kind = spec
        .get("names")
        .and_then(|n| n.get("kind"))
        .and_then(Value::as_str)
        .unwrap_or("");
    if kind.is_empty() {
        problems.push(problem(
            at(&spec_path, &[key("names")]),
            "CustomResourceDefinition has no `spec.names.kind`".to_owned(),
        ));
    }
    if group.is_empty() || kind.is_empty() {
        return (out, problems);
    }
    // v1beta1: one schema for every version, unless a version has its own.
    let shared = spec
        .get("validation")
        .and_then(|v| v.get("openAPIV3Schema"));
    let shared_path = at(&spec_path, &[key("validation"), key("openAPIV3Schema")]);
    let mut versions: Vec<(String, Option<&Value>, Vec<PathSegment>)> = Vec::new();
    match spec.get("versions") {
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let item_path = at(&spec_path, &[key("versions"), PathSegment::Index(i)]);
                let Some(name) = item.get("name").and_then(Value::as_str) else {
                    problems.push(problem(item_path, "CRD version has no `name`".to_owned()));
                    continue;
                };
                match item.get("schema").and_then(|s| s.get("openAPIV3Schema")) {
                    Some(schema) => versions.push((
                        name.to_owned(),
                        Some(schema),
                        at(&item_path, &[key("schema"), key("openAPIV3Schema")]),
                    )),
                    None => versions.push((name.to_owned(), shared, shared_path.clone())),
                }
            }
        }
        Some(_) => problems.push(problem(
            at(&spec_path, &[key("versions")]),
            "`spec.versions` is not a list".to_owned(),
        )),
        None => match spec.get("version").and_then(Value::as_str) {
            Some(name) => versions.push((name.to_owned(), shared, shared_path.clone())),
            None => problems.push(problem(
                spec_path.clone(),
                "CustomResourceDefinition has neither `spec.versions` nor `spec.version`"
                    .to_owned(),
            )),
        },
    }
    for (name, schema, path) in versions {
        let api_version = format!("{group}/{name}");
        let converted = match schema {
            // No schema: the API server accepts anything (v1beta1), so do we.
            None => Ok(json!({"$schema": DRAFT_2020_12, "type": "object"})),
            Some(schema) => convert_root(schema, strict),
        };
        match converted {
            Ok(schema) => out.push(CrdVersion {
                api_version,
                kind: kind.to_owned(),
                schema,
                path,
            }),
            Err((rel, message)) => problems.push(CrdProblem {
                path: at(&path, &rel),
                message: format!("{kind} {api_version}: invalid openAPIV3Schema: {message}"),
                version: Some((api_version, kind.to_owned())),
            }),
        }
    }
    (out, problems)
}

type ConvertError = (Vec<PathSegment>, String);

/// Convert a CRD version's `openAPIV3Schema` into a root JSON Schema.
pub fn convert_root(schema: &Value, strict: bool) -> Result<Value, ConvertError> {
    let mut path = Vec::new();
    let mut root = convert(schema, strict, true, &mut path)?;
    let properties = root
        .entry("properties")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(properties) = properties {
        for name in ["apiVersion", "kind"] {
            properties
                .entry(name)
                .or_insert_with(|| json!({"type": "string"}));
        }
        properties.insert("metadata".to_owned(), json!({"$ref": OBJECT_META_REF}));
    }
    root.insert("$schema".to_owned(), Value::from(DRAFT_2020_12));
    Ok(Value::Object(root))
}

const TYPES: [&str; 6] = ["object", "array", "string", "integer", "number", "boolean"];

/// Keywords copied as they are, with the JSON type their value must have.
const COPIED: [(&str, Kind); 12] = [
    ("required", Kind::StringList),
    ("pattern", Kind::String),
    ("maxLength", Kind::Count),
    ("minLength", Kind::Count),
    ("maxItems", Kind::Count),
    ("minItems", Kind::Count),
    ("maxProperties", Kind::Count),
    ("minProperties", Kind::Count),
    ("uniqueItems", Kind::Bool),
    ("multipleOf", Kind::Number),
    ("maximum", Kind::Number),
    ("minimum", Kind::Number),
];

#[derive(Clone, Copy)]
enum Kind {
    StringList,
    String,
    Count,
    Bool,
    Number,
}

fn check(value: &Value, kind: Kind) -> Result<(), &'static str> {
    let ok = match kind {
        Kind::StringList => value
            .as_array()
            .is_some_and(|a| a.iter().all(Value::is_string)),
        Kind::String => value.is_string(),
        Kind::Count => value.as_u64().is_some(),
        Kind::Bool => value.is_boolean(),
        Kind::Number => value.is_number(),
    };
    if ok {
        Ok(())
    } else {
        Err(match kind {
            Kind::StringList => "must be a list of strings",
            Kind::String => "must be a string",
            Kind::Count => "must be a non-negative integer",
            Kind::Bool => "must be true or false",
            Kind::Number => "must be a number",
        })
    }
}

fn convert(
    schema: &Value,
    strict: bool,
    structural: bool,
    path: &mut Vec<PathSegment>,
) -> Result<Map<String, Value>, ConvertError> {
    let err = |path: &[PathSegment], message: String| Err((path.to_vec(), message));
    let Some(src) = schema.as_object() else {
        return err(
            path,
            format!("a schema must be a mapping, not {}", json_kind(schema)),
        );
    };
    let flag = |name: &str| src.get(name) == Some(&Value::Bool(true));
    let nullable = flag("nullable");
    let int_or_string = flag("x-kubernetes-int-or-string");
    let preserve = flag("x-kubernetes-preserve-unknown-fields");
    let embedded = flag("x-kubernetes-embedded-resource");
    let mut out = Map::new();

    if int_or_string {
        let mut branches = vec![json!({"type": "integer"}), json!({"type": "string"})];
        if nullable {
            branches.push(json!({"type": "null"}));
        }
        out.insert("anyOf".to_owned(), Value::Array(branches));
    } else if let Some(ty) = src.get("type") {
        let Some(name) = ty.as_str().filter(|t| TYPES.contains(t)) else {
            path.push(key("type"));
            return err(
                path,
                format!("`type` must be one of {}, not {ty}", TYPES.join(", ")),
            );
        };
        out.insert(
            "type".to_owned(),
            if nullable {
                json!([name, "null"])
            } else {
                Value::from(name)
            },
        );
    }

    for (name, kind) in COPIED {
        if let Some(value) = src.get(name) {
            if let Err(message) = check(value, kind) {
                path.push(key(name));
                return err(path, format!("`{name}` {message}"));
            }
            out.insert(name.to_owned(), value.clone());
        }
    }
    for (flag_name, bound) in [
        ("exclusiveMaximum", "maximum"),
        ("exclusiveMinimum", "minimum"),
    ] {
        match src.get(flag_name) {
            Some(Value::Bool(true)) => {
                if let Some(limit) = out.remove(bound) {
                    out.insert(flag_name.to_owned(), limit);
                }
            }
            Some(Value::Number(n)) => {
                out.insert(flag_name.to_owned(), Value::Number(n.clone()));
            }
            Some(Value::Bool(false)) | None => {}
            Some(other) => {
                path.push(key(flag_name));
                return err(
                    path,
                    format!("`{flag_name}` must be a boolean, not {other}"),
                );
            }
        }
    }
    if let Some(values) = src.get("enum") {
        let Some(items) = values.as_array() else {
            path.push(key("enum"));
            return err(path, "`enum` must be a list".to_owned());
        };
        let mut items = items.clone();
        if nullable && !items.contains(&Value::Null) {
            items.push(Value::Null);
        }
        out.insert("enum".to_owned(), Value::Array(items));
    }

    for container in ["properties", "patternProperties"] {
        if let Some(props) = src.get(container) {
            path.push(key(container));
            let Some(props) = props.as_object() else {
                return err(path, format!("`{container}` must be a mapping"));
            };
            let required = src.get("required").and_then(Value::as_array);
            let mut converted = Map::with_capacity(props.len());
            for (name, child) in props {
                path.push(key(name));
                let mut child = convert(child, strict, structural, path)?;
                // The API server prunes a `null` field the schema does not call nullable
                // before it validates (a `postBuild:` left empty): absent, so fine unless
                // required. Value validations (`allOf`/`anyOf`/...) are not structural.
                let is_required =
                    required.is_some_and(|r| r.iter().any(|n| n.as_str() == Some(name)));
                if container == "properties" && structural && !is_required {
                    admit_null(&mut child);
                }
                converted.insert(name.clone(), Value::Object(child));
                path.pop();
            }
            path.pop();
            out.insert(container.to_owned(), Value::Object(converted));
        }
    }
    match src.get("additionalProperties") {
        None => {}
        Some(Value::Bool(b)) => {
            out.insert("additionalProperties".to_owned(), Value::Bool(*b));
        }
        Some(child) => {
            path.push(key("additionalProperties"));
            let converted = convert(child, strict, structural, path)?;
            path.pop();
            out.insert("additionalProperties".to_owned(), Value::Object(converted));
        }
    }
    match src.get("items") {
        None => {}
        Some(Value::Array(items)) => {
            path.push(key("items"));
            let mut converted = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                path.push(PathSegment::Index(i));
                converted.push(Value::Object(convert(item, strict, structural, path)?));
                path.pop();
            }
            path.pop();
            out.insert("prefixItems".to_owned(), Value::Array(converted));
        }
        Some(item) => {
            path.push(key("items"));
            let converted = convert(item, strict, structural, path)?;
            path.pop();
            out.insert("items".to_owned(), Value::Object(converted));
        }
    }
    for combinator in ["allOf", "anyOf", "oneOf"] {
        if let Some(list) = src.get(combinator) {
            path.push(key(combinator));
            let Some(list) = list.as_array() else {
                return err(path, format!("`{combinator}` must be a list of schemas"));
            };
            let mut converted = Vec::with_capacity(list.len());
            for (i, item) in list.iter().enumerate() {
                path.push(PathSegment::Index(i));
                converted.push(Value::Object(convert(item, strict, false, path)?));
                path.pop();
            }
            path.pop();
            if combinator == "anyOf" && out.contains_key("anyOf") {
                // int-or-string already took `anyOf`: keep both constraints.
                let all = out
                    .entry("allOf")
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(all) = all {
                    all.push(json!({ "anyOf": converted }));
                }
            } else if combinator == "allOf" {
                let all = out
                    .entry("allOf")
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(all) = all {
                    all.extend(converted);
                }
            } else {
                out.insert(combinator.to_owned(), Value::Array(converted));
            }
        }
    }
    if let Some(not) = src.get("not") {
        path.push(key("not"));
        let converted = convert(not, strict, false, path)?;
        path.pop();
        out.insert("not".to_owned(), Value::Object(converted));
    }

    if embedded {
        // An embedded object is a Kubernetes object: apiVersion, kind and metadata are implied.
        if let Some(Value::Object(props)) = out.get_mut("properties") {
            for name in ["apiVersion", "kind"] {
                props
                    .entry(name)
                    .or_insert_with(|| json!({"type": "string"}));
            }
            props
                .entry("metadata")
                .or_insert_with(|| json!({"type": "object"}));
        }
    }
    if strict
        && structural
        && !preserve
        && out.contains_key("properties")
        && !out.contains_key("additionalProperties")
    {
        out.insert("additionalProperties".to_owned(), Value::Bool(false));
    }
    Ok(out)
}

/// Lets a converted schema accept `null` (what `nullable: true` does), for fields whose `null`
/// the API server prunes before validation.
fn admit_null(schema: &mut Map<String, Value>) {
    match schema.get_mut("type") {
        Some(Value::String(name)) => {
            let name = std::mem::take(name);
            schema.insert("type".to_owned(), json!([name, "null"]));
        }
        Some(Value::Array(names)) if !names.contains(&Value::from("null")) => {
            names.push(Value::from("null"));
        }
        _ => {}
    }
    if let Some(Value::Array(branches)) = schema.get_mut("anyOf") {
        let null = json!({"type": "null"});
        if !branches.contains(&null) {
            branches.push(null);
        }
    }
    if let Some(Value::Array(items)) = schema.get_mut("enum") {
        if !items.contains(&Value::Null) {
            items.push(Value::Null);
        }
    }
}

/// Where in a CRD version's `openAPIV3Schema` the node at `pointer` of its converted schema
/// comes from. The conversion keeps the structure except that a list of `items` becomes
/// `prefixItems`; nodes it adds (int-or-string's `anyOf`, the root's `metadata`) have no
/// source, and locating the result stops at the deepest node that exists.
pub fn source_path(pointer: &[PathSegment]) -> Vec<PathSegment> {
    pointer
        .iter()
        .map(|segment| match segment {
            PathSegment::Key(k) if k == "prefixItems" => key("items"),
            other => other.clone(),
        })
        .collect()
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crd(versions: Value) -> Value {
        json!({
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "names": {"kind": "Widget", "plural": "widgets"},
                     "scope": "Namespaced", "versions": versions}
        })
    }

    #[test]
    fn openapi_extensions_are_rewritten() {
        let schema = json!({
            "type": "object",
            "properties": {
                "spec": {
                    "type": "object",
                    "required": ["port", "size"],
                    "properties": {
                        "port": {"x-kubernetes-int-or-string": true},
                        "optional": {"type": "string"},
                        "level": {"x-kubernetes-int-or-string": true},
                        "note": {"type": "string", "nullable": true, "enum": ["a", "b"]},
                        "size": {"type": "integer", "format": "int32", "maximum": 10, "exclusiveMaximum": true},
                        "values": {"type": "object", "x-kubernetes-preserve-unknown-fields": true,
                                   "properties": {"known": {"type": "string"}}},
                        "either": {"type": "object", "properties": {"a": {"type": "string"}},
                                   "anyOf": [{"properties": {"a": {"type": "string"}}, "required": ["a"]}]}
                    }
                }
            }
        });
        let out = convert_root(&schema, true).expect("converts");
        let spec = &out["properties"]["spec"];
        assert_eq!(
            spec["properties"]["port"],
            json!({"anyOf": [{"type": "integer"}, {"type": "string"}]})
        );
        assert_eq!(
            spec["properties"]["note"],
            json!({"type": ["string", "null"], "enum": ["a", "b", null]})
        );
        assert_eq!(
            spec["properties"]["size"],
            json!({"type": "integer", "exclusiveMaximum": 10})
        );
        // The API server prunes a null field that is neither nullable nor required.
        assert_eq!(
            spec["properties"]["optional"],
            json!({"type": ["string", "null"]})
        );
        assert_eq!(
            spec["properties"]["level"],
            json!({"anyOf": [{"type": "integer"}, {"type": "string"}, {"type": "null"}]})
        );
        assert!(spec["properties"]["values"]
            .get("additionalProperties")
            .is_none());
        assert_eq!(spec["additionalProperties"], json!(false));
        // Value validations inside anyOf are not closed.
        assert!(spec["properties"]["either"]["anyOf"][0]
            .get("additionalProperties")
            .is_none());
        assert_eq!(out["properties"]["metadata"]["$ref"], OBJECT_META_REF);
        assert_eq!(out["properties"]["apiVersion"], json!({"type": "string"}));
        // Not strict: nothing is closed.
        let loose = convert_root(&schema, false).expect("converts");
        assert!(loose["properties"]["spec"]
            .get("additionalProperties")
            .is_none());
    }

    #[test]
    fn versions_and_problems_are_reported_with_paths() {
        let doc = crd(json!([
            {"name": "v1", "served": true, "storage": true,
             "schema": {"openAPIV3Schema": {"type": "object", "properties": {"spec": {"type": "objekt"}}}}},
            {"name": "v2", "served": true, "storage": false,
             "schema": {"openAPIV3Schema": {"type": "object"}}}
        ]));
        assert!(is_crd(&doc));
        let (versions, problems) = crd_versions(&doc, false);
        assert_eq!(versions.len(), 1);
        assert_eq!(versions[0].api_version, "example.com/v2");
        assert_eq!(versions[0].kind, "Widget");
        assert_eq!(problems.len(), 1);
        let p = &problems[0];
        let dotted: Vec<String> = p.path.iter().map(ToString::to_string).collect();
        assert_eq!(
            dotted.join("."),
            "spec.versions.0.schema.openAPIV3Schema.properties.spec.type"
        );
        assert!(p.message.contains("`type` must be one of"), "{}", p.message);
    }

    #[test]
    fn a_crd_without_group_or_kind_is_a_problem() {
        let doc = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                         "spec": {"names": {}}});
        let (versions, problems) = crd_versions(&doc, false);
        assert!(versions.is_empty());
        assert_eq!(problems.len(), 2);
    }

    #[test]
    fn v1beta1_shared_validation_applies_to_every_version() {
        let doc = json!({"apiVersion": "apiextensions.k8s.io/v1beta1", "kind": "CustomResourceDefinition",
            "spec": {"group": "example.com", "names": {"kind": "Old"}, "version": "v1alpha1",
                     "validation": {"openAPIV3Schema": {"type": "object", "properties": {"spec": {"type": "object"}}}}}});
        let (versions, problems) = crd_versions(&doc, true);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(versions[0].api_version, "example.com/v1alpha1");
        assert_eq!(versions[0].schema["additionalProperties"], json!(false));
    }
}
