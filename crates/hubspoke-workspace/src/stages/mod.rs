//! Pipeline stages that live in modules of their own (the core ones are in
//! `pipeline.rs`).

pub(crate) mod render;
