//! Stages of the pipeline that live in this crate rather than in a library of their
//! own, each in its module; `pipeline.rs` calls them (the core ones are in it).

pub mod kyverno;
pub(crate) mod render;
pub(crate) mod rules;
