//! Documents, the Kubernetes identity of the object each holds, and the
//! resolution of a field path to the place in the file where it is written.

use crate::position::Span;
use crate::yaml::{Node, NodeValue};

pub use hubspoke_diagnostics::{FieldPath, ObjectMeta, PathSegment};

/// The identity of the object a document's root declares, when it has `apiVersion` and `kind`.
pub fn object_meta<S>(root: &Node<S>) -> Option<ObjectMeta> {
    let api_version = root.get("apiVersion")?.as_str()?.to_owned();
    let kind = root.get("kind")?.as_str()?.to_owned();
    if api_version.is_empty() || kind.is_empty() {
        return None;
    }
    let metadata = root.get("metadata");
    if metadata.is_none() && !is_kubernetes_api_version(&api_version) {
        return None;
    }
    let text = |key: &str| {
        metadata
            .and_then(|m| m.get(key))
            .and_then(Node::<S>::as_str)
            .map(str::to_owned)
    };
    Some(ObjectMeta {
        api_version,
        kind,
        namespace: text("namespace"),
        name: text("name").or_else(|| text("generateName")),
    })
}

/// Whether an `apiVersion` can be a Kubernetes API: `group/version`, or `v1`, the only
/// version of the core group. Other configuration formats borrow the two fields (Talos
/// machine configs: `apiVersion: v1alpha1`, `kind: HostnameConfig`, no `metadata`); a
/// document with such an `apiVersion` and no `metadata` is not a Kubernetes object. (With
/// `metadata` it is kept: a mistyped `apiVersion` on a real object must still be judged.)
fn is_kubernetes_api_version(api_version: &str) -> bool {
    api_version == "v1" || api_version.contains('/')
}

/// Where a field path landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Located<S = Span> {
    /// The position to underline.
    pub span: S,
    /// How many segments of the path exist; equal to the path length when the
    /// field itself was found, less when it is missing and `span` is its parent.
    pub depth: usize,
}

/// A node position that can be stretched from one node to another, as
/// [`locate_path`] does to underline a mapping's first entry (key and scalar value).
pub trait JoinPosition: Copy {
    /// The position from the start of `self` to the end of `end` (or `self`
    /// when the two cannot be joined, e.g. they lie in different files).
    fn join(self, end: Self) -> Self;
}

impl JoinPosition for Span {
    fn join(self, end: Self) -> Self {
        Span {
            start: self.start,
            end: end.end,
        }
    }
}

/// Resolve a field path in a tree to the position to report.
///
/// A scalar is underlined itself; a mapping or sequence reached through a key
/// is underlined at its key (underlining a whole block helps nobody); a
/// missing field points at the key of its deepest existing parent, where it
/// belongs. With an empty path, or a missing field directly under the root,
/// the answer is `identity` (the object's name, say).
pub fn locate_path<S: JoinPosition>(
    root: &Node<S>,
    path: &[PathSegment],
    identity: impl FnOnce() -> S,
) -> Located<S> {
    if path.is_empty() {
        return Located {
            span: identity(),
            depth: 0,
        };
    }
    let mut node = root;
    let mut key_span: Option<S> = None;
    for (depth, segment) in path.iter().enumerate() {
        let next = match (segment, &node.value) {
            (PathSegment::Key(key), NodeValue::Map(_)) => {
                node.get_entry(key).map(|(k, v)| (Some(k.span), v))
            }
            (PathSegment::Index(i), NodeValue::Seq(items)) => items.get(*i).map(|v| (None, v)),
            // Rego paths may carry indices as strings ("0"); accept them on sequences.
            (PathSegment::Key(key), NodeValue::Seq(items)) => key
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get(i))
                .map(|v| (None, v)),
            _ => None,
        };
        match next {
            Some((k, v)) => {
                key_span = k;
                node = v;
            }
            None => {
                let span = match key_span {
                    Some(span) => span,
                    None if depth == 0 => identity(),
                    None => match &node.value {
                        NodeValue::Map(entries) => {
                            entries.first().map_or(node.span, |(k, _)| k.span)
                        }
                        _ => node.span,
                    },
                };
                return Located { span, depth };
            }
        }
    }
    let span = match (&node.value, key_span) {
        (NodeValue::Map(_) | NodeValue::Seq(_), Some(key)) => key,
        (NodeValue::Map(entries), None) => entries
            .first()
            .map(|(k, v)| {
                if is_scalar(v) {
                    k.span.join(v.span)
                } else {
                    k.span
                }
            })
            .unwrap_or(node.span),
        _ => node.span,
    };
    Located {
        span,
        depth: path.len(),
    }
}

/// The position of the key `name` of the mapping at `parent`, when both exist (to
/// underline a field that should not be there rather than its value).
pub fn locate_key<S: Copy>(root: &Node<S>, parent: &[PathSegment], name: &str) -> Option<S> {
    let mut node = root;
    for segment in parent {
        node = match (segment, &node.value) {
            (PathSegment::Key(k), NodeValue::Map(_)) => node.get(k)?,
            (PathSegment::Index(i), NodeValue::Seq(items)) => items.get(*i)?,
            _ => return None,
        };
    }
    node.get_entry(name).map(|(key, _)| key.span)
}

/// One YAML document of a file.
#[derive(Debug, Clone)]
pub struct Document {
    /// 0-based index in the file.
    pub index: usize,
    /// The root node.
    pub root: Node,
    /// Where the document starts.
    pub start: Span,
    /// The Kubernetes object it declares, when it has `apiVersion` and `kind`.
    pub object: Option<ObjectMeta>,
}

impl Document {
    /// Wrap a parsed root node.
    pub fn new(index: usize, root: Node, start: Span) -> Self {
        let object = object_meta(&root);
        Document {
            index,
            root,
            start,
            object,
        }
    }

    /// Resolve a field path to the span to report.
    ///
    /// A scalar is underlined itself; a mapping or sequence reached through a key
    /// is underlined at its key (underlining a whole block helps nobody); a
    /// missing field points at the key of its deepest existing parent, where it
    /// belongs. With an empty path the object is located by `metadata.name`,
    /// then `kind`, then the document start.
    pub fn locate(&self, path: &[PathSegment]) -> Located {
        locate_path(&self.root, path, || self.identity_span())
    }

    fn identity_span(&self) -> Span {
        if let Some(name) = self.root.get("metadata").and_then(|m| m.get("name")) {
            return name.span;
        }
        if let Some((key, _)) = self.root.get_entry("kind") {
            return key.span;
        }
        self.start
    }
}

fn is_scalar<S>(node: &Node<S>) -> bool {
    !matches!(node.value, NodeValue::Map(_) | NodeValue::Seq(_))
}

/// Parse a dotted path such as `spec.containers[0].image` into segments.
pub fn parse_dotted_path(text: &str) -> FieldPath {
    match text.parse() {
        Ok(path) => path,
        Err(never) => match never {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{parse_stream, ParseLimits};

    fn doc(text: &str) -> Document {
        let mut s = parse_stream(text, ParseLimits::default());
        let raw = s.documents.remove(0);
        Document::new(raw.index, raw.root, raw.start)
    }

    fn key(k: &str) -> PathSegment {
        PathSegment::Key(k.to_owned())
    }

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: app\n      image: nginx:latest\n";

    /// Talos machine configs borrow `apiVersion` and `kind`; a Kubernetes API version is
    /// `v1` or `group/version`. With `metadata`, a mistyped version stays an object.
    #[test]
    fn a_groupless_version_other_than_v1_without_metadata_is_no_object() {
        let kinds = |text: &str| doc(text).object.map(|o| o.kind);
        assert_eq!(
            kinds("apiVersion: v1alpha1\nkind: HostnameConfig\nhostname: a\n"),
            None
        );
        assert_eq!(
            kinds("apiVersion: v1alpha1\nkind: Deployment\nmetadata:\n  name: web\n"),
            Some("Deployment".to_owned())
        );
        assert_eq!(
            kinds("apiVersion: v1\nkind: Config\n"),
            Some("Config".to_owned())
        );
        assert_eq!(
            kinds("apiVersion: kind.x-k8s.io/v1alpha4\nkind: Cluster\n"),
            Some("Cluster".to_owned())
        );
    }

    #[test]
    fn object_identity_is_read() {
        let d = doc(POD);
        let o = d.object.clone().expect("object");
        assert_eq!(
            (o.kind.as_str(), o.group(), o.name.as_deref()),
            ("Pod", "", Some("web"))
        );
    }

    #[test]
    fn existing_scalar_is_located_at_its_value() {
        let d = doc(POD);
        let l = d.locate(&[
            key("spec"),
            key("containers"),
            PathSegment::Index(0),
            key("image"),
        ]);
        assert_eq!(l.depth, 4);
        assert_eq!((l.span.start.line, l.span.start.col), (8, 13));
    }

    #[test]
    fn missing_field_points_at_deepest_parent_key() {
        let d = doc(POD);
        let l = d.locate(&[key("spec"), key("serviceAccountName")]);
        assert_eq!(l.depth, 1);
        assert_eq!((l.span.start.line, l.span.start.col), (5, 0));
        let l = d.locate(&[
            key("spec"),
            key("containers"),
            PathSegment::Index(0),
            key("securityContext"),
            key("privileged"),
        ]);
        assert_eq!(l.depth, 3);
        assert_eq!((l.span.start.line, l.span.start.col), (7, 6));
    }

    #[test]
    fn dotted_paths_parse() {
        assert_eq!(
            parse_dotted_path("spec.containers[0].image").into_segments(),
            vec![
                key("spec"),
                key("containers"),
                PathSegment::Index(0),
                key("image")
            ]
        );
    }
}
