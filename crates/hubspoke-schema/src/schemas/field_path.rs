//! Field paths: a validation error's instance location as path segments, and the
//! dotted form messages quote.

use hubspoke_manifest::PathSegment;

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

/// `spec.containers[0].image`; `(document)` for the root.
pub(super) fn dotted(path: &[PathSegment]) -> String {
    if path.is_empty() {
        "(document)".to_owned()
    } else {
        hubspoke_diagnostics::FieldPath::from(path).to_string()
    }
}
