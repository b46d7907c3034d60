//! Where a rendered value came from: a file of the render and a span in it.

use hubspoke_manifest::yaml::Node;
use hubspoke_manifest::{locate_path, JoinPosition, Located, PathSegment, Span};

/// A file of a render: an index into [`crate::RenderFs`]'s file table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// The origin of a rendered value: the file and the span of the text that made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Origin {
    /// The file.
    pub file: FileId,
    /// The span in that file.
    pub span: Span,
}

impl JoinPosition for Origin {
    fn join(self, end: Self) -> Self {
        if self.file == end.file {
            Origin {
                file: self.file,
                span: self.span.join(end.span),
            }
        } else {
            self
        }
    }
}

/// A rendered YAML tree: every node knows its origin.
pub type RNode = Node<Origin>;

/// A parsed tree of file `file`, every node now carrying that file.
pub fn with_file(node: &Node, file: FileId) -> RNode {
    node.map_positions(&mut |span| Origin { file, span: *span })
}

/// Resolve a field path in a rendered object to the origin to report, as
/// [`hubspoke_manifest::Document::locate`] does for spans: a scalar at itself,
/// a mapping or sequence at its key, a missing field at its deepest existing
/// parent's key. With an empty path the object is located at `metadata.name`,
/// then `kind`, then its root.
pub fn locate(root: &RNode, path: &[PathSegment]) -> Located<Origin> {
    locate_path(root, path, || identity_origin(root))
}

fn identity_origin(root: &RNode) -> Origin {
    if let Some(name) = root.get("metadata").and_then(|m| m.get("name")) {
        return name.span;
    }
    if let Some((key, _)) = root.get_entry("kind") {
        return key.span;
    }
    root.span
}
