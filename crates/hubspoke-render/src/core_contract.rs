//! Stand-ins for the types the kustomize core (branch `render-kustomize`)
//! defines, written from its announced contract so the Flux layer can be built
//! and tested before the core lands. Merging the core replaces this file.

use hubspoke_manifest::yaml::Node;
use hubspoke_manifest::Span;

/// A file of the linted root: an index into the parsed files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// Where a rendered value came from: a file and the span in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    /// The file.
    pub file: FileId,
    /// The span in it.
    pub span: Span,
}

/// One object a kustomize build produced.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedObject {
    /// The object, every value with its origin.
    pub root: Node<Origin>,
    /// Where the object as a whole came from (its resource document).
    pub source: Origin,
}

/// A problem found while rendering, at its origin.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderProblem {
    /// Where (none for a problem without a place, e.g. a missing directory).
    pub origin: Option<Origin>,
    /// A sentence saying what is wrong.
    pub message: String,
    /// Other places that explain it.
    pub related: Vec<(Origin, String)>,
}

/// Something not rendered, and why: never a finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Unknown {
    /// What refers to it.
    pub origin: Option<Origin>,
    /// Why it cannot be rendered offline.
    pub reason: String,
}

/// What a kustomize build returns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KustomizeOutput {
    /// The objects, in kustomize's order.
    pub objects: Vec<RenderedObject>,
    /// Problems met.
    pub problems: Vec<RenderProblem>,
    /// What could not be rendered.
    pub unknowns: Vec<Unknown>,
}
