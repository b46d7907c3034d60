//! Flux's layer over kustomize: the kustomization Flux generates and amends,
//! and the walk down the graph of Flux Kustomizations.

mod builds;
pub mod generator;
mod postbuild;
pub mod scan;
pub(crate) mod walk;

#[cfg(test)]
mod generator_tests;
#[cfg(test)]
mod walk_tests;
