//! Placeholders that stand for a value the cluster fills in: Flux post-build
//! `${VAR}`, Helm/Go templates `{{ }}`, SOPS `ENC[...]`. A value error about one
//! is not reported.

use serde_json::Value;

/// Whether a value error is about a placeholder that stands for any scalar:
/// a Flux post-build `${VAR}`, a Helm/Go template `{{ }}`, or (in a SOPS-encrypted
/// document, `sops`) a SOPS `ENC[...]`.
pub(super) fn accepts_placeholder(
    error: &jsonschema::ValidationError<'_>,
    kind: &jsonschema::error::ValidationErrorKind,
    sops: bool,
) -> bool {
    use jsonschema::error::{TypeKind, ValidationErrorKind as K};
    use jsonschema::types::JsonType;
    let Value::String(text) = error.instance().as_ref() else {
        return false;
    };
    let whole = is_whole_placeholder(text);
    let scalar =
        whole || has_placeholder(text) || (sops && text.starts_with("ENC[") && text.ends_with(']'));
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
