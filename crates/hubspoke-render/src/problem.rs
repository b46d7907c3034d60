//! What a render reports besides objects: bad input (problems) and what it
//! could not render offline (unknowns).

use crate::origin::Origin;

/// The kind of a render problem; [`ProblemCode::id`] is a stable name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProblemCode {
    /// A kustomization includes itself, directly or through others.
    Cycle,
    /// A referenced file or directory does not exist (or is not among the linted files).
    MissingFile,
    /// A directory used as a base or component has no kustomization.
    MissingKustomization,
    /// A kustomization field of the wrong type, an unknown field, a bad value.
    InvalidKustomization,
    /// A path climbs out of the linted root or is absolute.
    OutsideRoot,
    /// A resource file holds something that is not a Kubernetes object.
    InvalidResource,
    /// Two resources end up with the same id.
    IdConflict,
    /// A patch's target (or, without target, its own id) matches nothing.
    PatchTargetNotFound,
    /// A patch that cannot be read or applied.
    InvalidPatch,
    /// A JSON 6902 operation that is invalid or fails.
    InvalidJsonPatch,
    /// A target selector with a bad regular expression or label selector.
    InvalidSelector,
    /// A generator that cannot produce its object.
    InvalidGenerator,
    /// A generator input file that cannot be read.
    GeneratorInput,
    /// A transformer that fails on an object (a field path through a scalar…).
    TransformFailed,
    /// A `replicas:` entry whose name matches no workload.
    ReplicasTargetNotFound,
    /// A replacement whose source or target cannot be resolved.
    InvalidReplacement,
    /// A name reference that matches several objects.
    AmbiguousReference,
    /// A `configurations:` file that cannot be read.
    InvalidConfiguration,
    /// Flux: `spec.path` names nothing in the repository.
    FluxPathNotFound,
    /// Flux: a Kustomization applied by its own descendant.
    FluxCycle,
    /// Flux: a field of a Kustomization's spec Flux cannot use.
    FluxInvalidSpec,
    /// Flux: an object Flux refuses (no apiVersion, kind or name).
    FluxInvalidObject,
    /// Flux: a variable without value or default under strict substitution.
    SubstituteUndefined,
    /// Flux: text its substitution cannot parse or evaluate.
    SubstituteSyntax,
    /// Flux: a substituted value that breaks the YAML.
    SubstituteInvalidYaml,
    /// Flux: a variable name Flux rejects.
    SubstituteInvalidName,
    /// Flux: a `substituteFrom` object the repository does not define.
    SubstituteFromMissing,
}

impl ProblemCode {
    /// Every problem code, in declaration order.
    pub const ALL: [ProblemCode; 27] = [
        ProblemCode::Cycle,
        ProblemCode::MissingFile,
        ProblemCode::MissingKustomization,
        ProblemCode::InvalidKustomization,
        ProblemCode::OutsideRoot,
        ProblemCode::InvalidResource,
        ProblemCode::IdConflict,
        ProblemCode::PatchTargetNotFound,
        ProblemCode::InvalidPatch,
        ProblemCode::InvalidJsonPatch,
        ProblemCode::InvalidSelector,
        ProblemCode::InvalidGenerator,
        ProblemCode::GeneratorInput,
        ProblemCode::TransformFailed,
        ProblemCode::ReplicasTargetNotFound,
        ProblemCode::InvalidReplacement,
        ProblemCode::AmbiguousReference,
        ProblemCode::InvalidConfiguration,
        ProblemCode::FluxPathNotFound,
        ProblemCode::FluxCycle,
        ProblemCode::FluxInvalidSpec,
        ProblemCode::FluxInvalidObject,
        ProblemCode::SubstituteUndefined,
        ProblemCode::SubstituteSyntax,
        ProblemCode::SubstituteInvalidYaml,
        ProblemCode::SubstituteInvalidName,
        ProblemCode::SubstituteFromMissing,
    ];

    /// The id of the rule its findings are reported under: `render/<id>`.
    pub fn rule_id(self) -> String {
        format!("render/{}", self.id())
    }

    /// The stable id.
    pub const fn id(self) -> &'static str {
        match self {
            ProblemCode::Cycle => "kustomize-cycle",
            ProblemCode::MissingFile => "kustomize-missing-file",
            ProblemCode::MissingKustomization => "kustomize-missing-kustomization",
            ProblemCode::InvalidKustomization => "kustomize-invalid-kustomization",
            ProblemCode::OutsideRoot => "kustomize-outside-root",
            ProblemCode::InvalidResource => "kustomize-invalid-resource",
            ProblemCode::IdConflict => "kustomize-id-conflict",
            ProblemCode::PatchTargetNotFound => "kustomize-patch-target-not-found",
            ProblemCode::InvalidPatch => "kustomize-invalid-patch",
            ProblemCode::InvalidJsonPatch => "kustomize-invalid-json-patch",
            ProblemCode::InvalidSelector => "kustomize-invalid-selector",
            ProblemCode::InvalidGenerator => "kustomize-invalid-generator",
            ProblemCode::GeneratorInput => "kustomize-generator-input",
            ProblemCode::TransformFailed => "kustomize-transform-failed",
            ProblemCode::ReplicasTargetNotFound => "kustomize-replicas-target-not-found",
            ProblemCode::InvalidReplacement => "kustomize-invalid-replacement",
            ProblemCode::AmbiguousReference => "kustomize-ambiguous-reference",
            ProblemCode::InvalidConfiguration => "kustomize-invalid-configuration",
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
    /// Whether `kustomize build` fails on it (it stops at the first such
    /// problem; we report it and render the rest). `false` for what kustomize
    /// accepts silently but is almost certainly a mistake, such as a patch
    /// target that selects nothing.
    pub kustomize_fails: bool,
}

impl RenderProblem {
    /// A problem kustomize fails on.
    pub fn new(origin: Origin, code: ProblemCode, message: impl Into<String>) -> Self {
        RenderProblem {
            origin,
            code,
            message: message.into(),
            kustomize_fails: true,
        }
    }

    /// A problem kustomize accepts silently.
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
    /// A remote base or resource (Git, HTTP): never fetched.
    RemoteResource,
    /// A Helm chart to inflate.
    HelmChart,
    /// A generator, transformer or validator plugin.
    Plugin,
    /// Deprecated `vars`.
    Vars,
    /// `crds:` name-reference declarations.
    Crds,
    /// Flux: a source outside this repository (another Git repository, OCI, bucket).
    ForeignSource,
    /// Flux: a SOPS-encrypted object.
    Encrypted,
    /// Flux: a field reading a variable whose value is not known offline.
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
