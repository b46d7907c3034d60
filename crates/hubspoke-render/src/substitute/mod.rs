//! Flux's post-build variable substitution (`spec.postBuild`).

pub mod envsubst;
mod functions;
// Used by the tree substitution, which lands with the rendered node types.
#[allow(dead_code)]
mod scalar;

#[cfg(test)]
mod envsubst_tests;
