//! Placeholders that stand for a value the cluster fills in: Flux post-build
//! `${VAR}`, Helm/Go templates `{{ }}`, SOPS `ENC[...]`. A value error about one
//! is not reported. A template repository's placeholder that a script replaces before
//! anything is applied (`url: REPO_PREFIX/fleet`) makes a value error a warning.

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

/// The first token of `text` written like a placeholder that a script replaces before
/// the file is applied (`sed s~REPO_PREFIX~...~`, `envsubst` without `$`): upper-case
/// letters and digits in two or more parts joined by `_` (`REPO_PREFIX`, `AWS_REGION`),
/// delimited by anything but a letter, digit or `_`. A value error about a string that
/// holds one is a warning: the file may be a template that is filled in before use.
pub(super) fn script_placeholder(text: &str) -> Option<&str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .find(|token| {
            let mut parts = token.split('_');
            let first = parts.next().unwrap_or_default();
            let upper = |part: &str| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            };
            upper(first)
                && first.starts_with(|c: char| c.is_ascii_uppercase())
                && token.contains('_')
                && parts.all(upper)
        })
}

#[cfg(test)]
mod tests {
    use super::script_placeholder;

    #[test]
    fn script_placeholders_are_upper_snake_tokens() {
        assert_eq!(
            script_placeholder("REPO_PREFIX/gitops-system"),
            Some("REPO_PREFIX")
        );
        assert_eq!(
            script_placeholder("https://git.AWS_REGION.example.com/x"),
            Some("AWS_REGION")
        );
        assert_eq!(script_placeholder("CLUSTER_2_NAME"), Some("CLUSTER_2_NAME"));
        for text in [
            "github.com/org/repo",
            "IfNotPresent",
            "ABC",
            "_PREFIX",
            "REPO__PREFIX",
            "REPO_",
            "Repo_Prefix",
            "2_FAST",
            "",
        ] {
            assert_eq!(script_placeholder(text), None, "{text}");
        }
    }
}
