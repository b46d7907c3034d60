//! Field paths: a validation error's instance location as path segments, the
//! span of a key to underline, and the dotted form messages quote.

use hubspoke_manifest::yaml::NodeValue;
use hubspoke_manifest::{Document, PathSegment};

/// The error's JSON pointer as path segments.
pub(super) fn instance_path(error: &jsonschema::ValidationError<'_>) -> Vec<PathSegment> {
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
pub(super) fn key_span(
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
pub(super) fn dotted(path: &[PathSegment]) -> String {
    if path.is_empty() {
        "(document)".to_owned()
    } else {
        hubspoke_diagnostics::FieldPath::from(path).to_string()
    }
}
