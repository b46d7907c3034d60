//! What each cluster receives: the result types of a render and its entry
//! point, [`render`].

use std::collections::BTreeSet;

use hubspoke_manifest::yaml::Node;
use hubspoke_manifest::{ParsedFile, PathSegment, RepoModel};

use crate::flux::walk::Walk;
use crate::substitute::{SubstituteOptions, Substitution};
use crate::{FileId, KustomizeOutput, Origin, RenderProblem, RenderedObject, Unknown};

/// What the Flux layer needs from the rest of the render: the parsed files of
/// the root (indexed by [`FileId`], in the order the [`RepoModel`] was built
/// from) and the kustomize core. Builds run on several threads at once.
pub trait RenderInput: Sync {
    /// Every parsed file of the root.
    fn files(&self) -> &[&ParsedFile];
    /// Build directory `dir` (repository-relative, `""` for the root) with
    /// `kustomization` standing for its kustomization file.
    fn build_with(&self, dir: &str, kustomization: &Node<Origin>) -> KustomizeOutput;
}

impl RenderInput for crate::RenderFs<'_> {
    fn files(&self) -> &[&ParsedFile] {
        crate::RenderFs::files(self)
    }

    fn build_with(&self, dir: &str, kustomization: &Node<Origin>) -> KustomizeOutput {
        crate::build_with(self, dir, kustomization)
    }
}

/// How to render.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Flux's substitution settings.
    pub substitute: SubstituteOptions,
    /// ConfigMaps and Secrets declared as created outside the repository (HUB006's
    /// `assume_defined`): a `substituteFrom` naming one does not miss it.
    pub assume_defined: Vec<AssumedObject>,
}

/// An object declared as created outside the repository: `Kind/namespace/name`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AssumedObject {
    /// `ConfigMap` or `Secret`.
    pub kind: String,
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
}

impl AssumedObject {
    /// Read `ConfigMap/namespace/name` or `Secret/namespace/name` (three non-empty
    /// parts), as HUB006 compares them; anything else is not an object `substituteFrom`
    /// can name.
    pub fn parse(text: &str) -> Option<AssumedObject> {
        let mut parts = text.split('/');
        let (kind, namespace, name) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some()
            || !matches!(kind, "ConfigMap" | "Secret")
            || [namespace, name].iter().any(|p| p.is_empty())
        {
            return None;
        }
        Some(AssumedObject {
            kind: kind.to_owned(),
            namespace: namespace.to_owned(),
            name: name.to_owned(),
        })
    }
}

/// A Flux Kustomization as rendered: its identity and where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KustomizationRef {
    /// `metadata.namespace` (Kubernetes' `default` when unset).
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
    /// Where the object is written (its rendered source document); none for
    /// the bootstrap Flux would have when the repository shows none.
    pub origin: Option<Origin>,
}

impl std::fmt::Display for KustomizationRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// One object a cluster receives.
#[derive(Debug, Clone)]
pub struct ClusterObject {
    /// The object, every value with its origin.
    pub object: RenderedObject,
    /// The Flux Kustomization that applies it.
    pub kustomization: KustomizationRef,
    /// Every variable its fields read.
    pub substitutions: Vec<Substitution>,
    /// Fields whose value is not known offline (a SOPS-encrypted Secret's
    /// variable, an undefined one): no rule may report on them.
    pub unknown_fields: Vec<Vec<PathSegment>>,
}

/// A Flux Kustomization the walk reached, and what became of it.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedKustomization {
    /// The Kustomization.
    pub kustomization: KustomizationRef,
    /// The Kustomization that applied it (none for a bootstrap).
    pub parent: Option<KustomizationRef>,
    /// The cluster whose controller reconciles it.
    pub reconciled_on: String,
    /// The cluster its objects are applied to (another one through `spec.kubeConfig`).
    pub applies_to: String,
    /// The directory it builds (repository-relative), when local and known.
    pub path: Option<String>,
    /// Rendered (else unknown or failed: see the cluster's unknowns and problems).
    pub rendered: bool,
    /// The problems rendering it raised (also among the cluster's problems), so that
    /// what one Kustomization applies can be shown with its own problems.
    pub problems: Vec<RenderProblem>,
    /// What rendering it could not know (also among the cluster's unknowns).
    pub unknowns: Vec<Unknown>,
}

/// What one cluster receives.
#[derive(Debug, Clone)]
pub struct ClusterRender {
    /// The cluster's name.
    pub cluster: String,
    /// Every object applied to it, in the order of the walk.
    pub objects: Vec<ClusterObject>,
    /// The Flux Kustomizations whose objects land on it.
    pub kustomizations: Vec<RenderedKustomization>,
    /// Problems: Flux would fail these reconciles (or apply broken objects).
    pub problems: Vec<RenderProblem>,
    /// What could not be rendered, and why.
    pub unknowns: Vec<Unknown>,
}

/// Every cluster's render.
#[derive(Debug, Clone)]
pub struct Render {
    /// One per cluster, ordered by name.
    pub clusters: Vec<ClusterRender>,
    /// Files no cluster's render used (neither an object's source nor the
    /// origin of any rendered value): the pipeline lints those as written.
    pub unrendered_files: BTreeSet<FileId>,
}

/// Render what every cluster of `model` receives, following each cluster's
/// Flux Kustomizations from its bootstrap down the graph as Flux would.
pub fn render(input: &dyn RenderInput, model: &RepoModel, options: &RenderOptions) -> Render {
    Walk::new(input, model, options).run()
}
