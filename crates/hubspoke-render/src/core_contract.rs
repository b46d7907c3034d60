//! Stand-ins for the types the kustomize core (branch `render-kustomize`)
//! defines, mirroring its shapes so the Flux layer can be built and tested
//! before the core lands. Merging the core replaces this file; the Flux
//! problem codes and unknown kinds below then join the core's enums.

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
#[derive(Debug, Clone)]
pub struct RenderedObject {
    /// The object, every value with its origin.
    pub root: Node<Origin>,
    /// Where the object as a whole came from (its resource document).
    pub source: Origin,
}

/// The kind of a render problem; [`ProblemCode::id`] is a stable name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProblemCode {
    /// `spec.path` names nothing in the repository.
    FluxPathNotFound,
    /// A Flux Kustomization applied by its own descendant.
    FluxCycle,
    /// A field of a Flux Kustomization's spec Flux cannot use.
    FluxInvalidSpec,
    /// An object Flux refuses (no apiVersion, kind or name).
    FluxInvalidObject,
    /// A variable without value or default under strict substitution.
    SubstituteUndefined,
    /// Text Flux's substitution cannot parse or evaluate.
    SubstituteSyntax,
    /// A substituted value that breaks the YAML.
    SubstituteInvalidYaml,
    /// A variable name Flux rejects.
    SubstituteInvalidName,
    /// A `substituteFrom` object the repository does not define.
    SubstituteFromMissing,
}

impl ProblemCode {
    /// The stable id.
    pub const fn id(self) -> &'static str {
        match self {
            ProblemCode::FluxPathNotFound => "flux-path-not-found",
            ProblemCode::FluxCycle => "flux-kustomization-cycle",
            ProblemCode::FluxInvalidSpec => "flux-invalid-spec",
            ProblemCode::FluxInvalidObject => "flux-invalid-object",
            ProblemCode::SubstituteUndefined => "flux-substitute-undefined",
            ProblemCode::SubstituteSyntax => "flux-substitute-syntax",
            ProblemCode::SubstituteInvalidYaml => "flux-substitute-invalid-yaml",
            ProblemCode::SubstituteInvalidName => "flux-substitute-invalid-name",
            ProblemCode::SubstituteFromMissing => "flux-substitute-from-missing",
        }
    }
}

/// Bad input met while rendering, at the node that caused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderProblem {
    /// Where.
    pub origin: Origin,
    /// What kind.
    pub code: ProblemCode,
    /// A sentence for users.
    pub message: String,
    /// Whether the build fails on it (`false`: accepted, almost surely a mistake).
    pub kustomize_fails: bool,
}

impl RenderProblem {
    /// A problem the build fails on.
    pub fn new(origin: Origin, code: ProblemCode, message: impl Into<String>) -> Self {
        RenderProblem {
            origin,
            code,
            message: message.into(),
            kustomize_fails: true,
        }
    }

    /// A problem the build may survive.
    pub fn tolerated(origin: Origin, code: ProblemCode, message: impl Into<String>) -> Self {
        RenderProblem {
            kustomize_fails: false,
            ..RenderProblem::new(origin, code, message)
        }
    }
}

/// Why something was not rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UnknownKind {
    /// A Flux source outside this repository (another Git repository, OCI, bucket).
    ForeignSource,
    /// A SOPS-encrypted object.
    Encrypted,
    /// A field reading a variable whose value is not known offline.
    UnknownVariable,
}

/// Something the render could not produce offline; never a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    /// The entry that asked for it.
    pub origin: Origin,
    /// What kind.
    pub kind: UnknownKind,
    /// Why, for users.
    pub reason: String,
}

/// What a kustomize build returns.
#[derive(Debug, Clone, Default)]
pub struct KustomizeOutput {
    /// The objects, in kustomize's order.
    pub objects: Vec<RenderedObject>,
    /// Problems met.
    pub problems: Vec<RenderProblem>,
    /// What could not be rendered.
    pub unknowns: Vec<Unknown>,
}
