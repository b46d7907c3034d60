//! Where a field is in an object: `spec.containers[0].image`.
//!
//! One type for every place a field is named: rules return it, findings carry
//! it, baselines key on its text, configuration errors point at it, and
//! reports print it. `Display` and `FromStr` are each other's inverse for
//! keys without `.`, `[` or `]`.

use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One step of a field path: a mapping key or a sequence index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PathSegment {
    /// A mapping key.
    Key(String),
    /// A sequence index.
    Index(usize),
}

impl PathSegment {
    /// A key segment.
    pub fn key(name: impl Into<String>) -> PathSegment {
        PathSegment::Key(name.into())
    }
}

impl fmt::Display for PathSegment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathSegment::Key(k) => f.write_str(k),
            PathSegment::Index(i) => write!(f, "{i}"),
        }
    }
}

/// A path of keys and indices from the root of a document (or a settings file).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FieldPath(Vec<PathSegment>);

impl FieldPath {
    /// The empty path: the document itself.
    pub fn new() -> FieldPath {
        FieldPath(Vec::new())
    }

    /// This path with `segment` appended.
    pub fn push(&mut self, segment: PathSegment) {
        self.0.push(segment);
    }

    /// This path and then `segment`.
    pub fn child(&self, segment: PathSegment) -> FieldPath {
        let mut child = self.clone();
        child.push(segment);
        child
    }

    /// The segments.
    pub fn segments(&self) -> &[PathSegment] {
        &self.0
    }

    /// The segments, owned.
    pub fn into_segments(self) -> Vec<PathSegment> {
        self.0
    }

    /// Whether this path is one of `fields` or lies below one (the empty field stands
    /// for the whole object): how a finding is matched against fields whose values are
    /// unknown offline.
    pub fn is_within_any(&self, fields: &[Vec<PathSegment>]) -> bool {
        fields.iter().any(|field| self.0.starts_with(field))
    }
}

impl Deref for FieldPath {
    type Target = [PathSegment];

    fn deref(&self) -> &[PathSegment] {
        &self.0
    }
}

impl From<Vec<PathSegment>> for FieldPath {
    fn from(segments: Vec<PathSegment>) -> FieldPath {
        FieldPath(segments)
    }
}

impl From<&[PathSegment]> for FieldPath {
    fn from(segments: &[PathSegment]) -> FieldPath {
        FieldPath(segments.to_vec())
    }
}

impl FromIterator<PathSegment> for FieldPath {
    fn from_iter<I: IntoIterator<Item = PathSegment>>(iter: I) -> FieldPath {
        FieldPath(iter.into_iter().collect())
    }
}

impl<'a> IntoIterator for &'a FieldPath {
    type Item = &'a PathSegment;
    type IntoIter = std::slice::Iter<'a, PathSegment>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// `spec.containers[0].image`; the empty path is the empty string.
impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for segment in &self.0 {
            match segment {
                PathSegment::Index(i) => write!(f, "[{i}]")?,
                PathSegment::Key(k) => {
                    if !first {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
            }
            first = false;
        }
        Ok(())
    }
}

/// Parses the dotted form: `spec.containers[0].image`, `metadata.labels["app"]`.
/// A bracketed number is an index, any other bracketed text a key (quotes removed).
impl FromStr for FieldPath {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<FieldPath, Self::Err> {
        let mut out = Vec::new();
        for part in text.split('.').filter(|p| !p.is_empty()) {
            let mut rest = part;
            if let Some(open) = rest.find('[') {
                if open > 0 {
                    out.push(PathSegment::Key(rest[..open].to_owned()));
                }
                rest = &rest[open..];
                while let Some(stripped) = rest.strip_prefix('[') {
                    let Some(close) = stripped.find(']') else {
                        break;
                    };
                    let inner = &stripped[..close];
                    out.push(match inner.parse::<usize>() {
                        Ok(i) => PathSegment::Index(i),
                        Err(_) => PathSegment::Key(inner.trim_matches(['"', '\'']).to_owned()),
                    });
                    rest = &stripped[close + 1..];
                }
            } else {
                out.push(PathSegment::Key(rest.to_owned()));
            }
        }
        Ok(FieldPath(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> PathSegment {
        PathSegment::key(k)
    }

    fn parse(text: &str) -> FieldPath {
        match text.parse() {
            Ok(path) => path,
            Err(never) => match never {},
        }
    }

    #[test]
    fn dotted_form_round_trips() {
        let path = FieldPath::from(vec![
            key("spec"),
            key("containers"),
            PathSegment::Index(0),
            key("image"),
        ]);
        assert_eq!(path.to_string(), "spec.containers[0].image");
        assert_eq!(parse("spec.containers[0].image"), path);
    }

    #[test]
    fn settings_paths_start_with_an_index_or_key() {
        let path = FieldPath::from(vec![PathSegment::Index(2), key("until")]);
        assert_eq!(path.to_string(), "[2].until");
        assert_eq!(
            FieldPath::from(vec![key("suppressions"), PathSegment::Index(0)]).to_string(),
            "suppressions[0]"
        );
        assert_eq!(FieldPath::new().to_string(), "");
    }

    #[test]
    fn bracketed_keys_lose_their_quotes() {
        assert_eq!(
            parse("metadata.labels[\"app\"]"),
            FieldPath::from(vec![key("metadata"), key("labels"), key("app")])
        );
        assert_eq!(
            parse("a[0][1]"),
            FieldPath::from(vec![key("a"), PathSegment::Index(0), PathSegment::Index(1)])
        );
    }

    #[test]
    fn serializes_as_its_segments() {
        let path = FieldPath::from(vec![key("spec"), PathSegment::Index(3)]);
        assert_eq!(
            serde_json::to_string(&path).ok().as_deref(),
            Some(r#"["spec",3]"#)
        );
    }
}
