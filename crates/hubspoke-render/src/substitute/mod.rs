//! Flux's post-build variable substitution (`spec.postBuild`).

pub mod envsubst;
mod functions;

#[cfg(test)]
mod envsubst_tests;
