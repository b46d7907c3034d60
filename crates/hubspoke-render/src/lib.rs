//! Renders what each cluster receives, offline and in-process: kustomize
//! (resources, components, transformers, patches, generators, replacements)
//! and Flux's layer on top (the generated kustomization, `spec.patches`,
//! `targetNamespace`, `postBuild` substitution). Every rendered value keeps its
//! origin: the file and span that made it, so findings land on that line.
//!
//! No kustomize or flux binary runs; nothing outside the linted root is read.
#![warn(missing_docs)]
#![deny(clippy::unwrap_used)]

pub mod core_contract;
pub mod flux;
mod render;
pub mod substitute;

pub use render::{
    render, ClusterObject, ClusterRender, KustomizationRef, Render, RenderInput, RenderOptions,
    RenderedKustomization,
};
