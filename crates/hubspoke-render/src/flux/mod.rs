//! Flux's layer over kustomize: the kustomization Flux generates and amends,
//! and the walk down the graph of Flux Kustomizations.

pub mod scan;
