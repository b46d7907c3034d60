//! Validation errors as findings: the rule (`schema/invalid`, `schema/unknown-field`),
//! the place (the offending value, a missing field's parent key, an unknown key) and
//! a message that names the field, the schema it comes from, and what was expected.

use hubspoke_manifest::{ObjectMeta, PathSegment};
use serde_json::Value;

use super::field_path::{dotted, instance_path};
use super::lookup::Source;
use super::placeholders::{accepts_placeholder, script_placeholder};
use super::suggest::closest;
use super::{label, FieldLocator, Finding, Schemas, Severity};
use crate::rules;

/// Everything needed to turn one document's validation errors into findings.
pub(super) struct Context<'a> {
    pub(super) schemas: &'a Schemas,
    /// Where the object's fields were written.
    pub(super) locator: &'a dyn FieldLocator,
    pub(super) meta: &'a ObjectMeta,
    pub(super) source: Source<'a>,
    /// The document is SOPS-encrypted (its `sops:` key was removed before validation).
    pub(super) sops: bool,
    /// The document is a kustomize patch: a partial object.
    pub(super) patch: bool,
}

impl Context<'_> {
    fn finding(
        &self,
        rule: &str,
        message: String,
        path: Vec<PathSegment>,
        at: Option<hubspoke_diagnostics::Place>,
    ) -> Finding {
        let place = at.unwrap_or_else(|| self.locator.locate(&path));
        Finding {
            rule: rule.to_owned(),
            severity: self.schemas.severity(rule),
            message: format!("{}: {message}", label(self.meta)),
            file: place.file,
            region: place.region,
            object: Some(self.meta.clone()),
            path: path.into(),
            related: Vec::new(),
            effective_namespace: None,
            clusters: Vec::new(),
        }
    }

    pub(super) fn report(&self, error: &jsonschema::ValidationError<'_>, out: &mut Vec<Finding>) {
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
                    let at = self.locator.key(&path, name);
                    let hint = closest(name, &known)
                        .map(|c| format!(" (did you mean `{c}`?)"))
                        .unwrap_or_default();
                    let message = format!(
                        "unknown field `{}`{hint}: the {} schema does not define it",
                        dotted(&field),
                        self.source_name()
                    );
                    out.push(self.finding(rules::UNKNOWN_FIELD, message, field, at));
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
                if !self.schemas.enabled(rules::INVALID)
                    || accepts_placeholder(error, kind, self.sops)
                {
                    return;
                }
                let message = format!("`{}`: {}", dotted(&path), describe(error));
                match self.script_placeholder(error, kind) {
                    Some(token) => {
                        let message = format!(
                            "{message} (`{token}` looks like a placeholder that a script replaces before the file is applied; until it is, the value is rejected)"
                        );
                        let mut finding = self.finding(rules::INVALID, message, path, None);
                        finding.severity = Severity::Warning;
                        out.push(finding);
                    }
                    None => out.push(self.finding(rules::INVALID, message, path, None)),
                }
            }
        }
    }

    /// The placeholder a pattern or format error is about (see [`script_placeholder`]),
    /// unless the configuration sets `schema/invalid`'s severity: then that one holds.
    fn script_placeholder<'e>(
        &self,
        error: &'e jsonschema::ValidationError<'_>,
        kind: &jsonschema::error::ValidationErrorKind,
    ) -> Option<&'e str> {
        use jsonschema::error::ValidationErrorKind as K;
        if !matches!(kind, K::Pattern { .. } | K::Format { .. })
            || self.schemas.options.severity.contains_key(rules::INVALID)
        {
            return None;
        }
        match error.instance().as_ref() {
            Value::String(text) => script_placeholder(text),
            _ => None,
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
