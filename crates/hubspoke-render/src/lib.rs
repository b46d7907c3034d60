//! Renders what each cluster receives, offline and in-process: kustomize
//! (resources, components, transformers, patches, generators, replacements)
//! and Flux's layer on top (the generated kustomization, `spec.patches`,
//! `targetNamespace`, `postBuild` substitution). Every rendered value keeps its
//! origin: the file and span that made it, so findings land on that line.
//!
//! No kustomize or flux binary runs; nothing outside the linted root is read.
//!
//! ```
//! use hubspoke_manifest::{parse_text, ParseLimits};
//! use hubspoke_render::{build, RenderFs};
//!
//! let files = vec![
//!     parse_text("app/kustomization.yaml", "app/kustomization.yaml",
//!         "namespace: prod\nresources: [cm.yaml]\n", ParseLimits::default()),
//!     parse_text("app/cm.yaml", "app/cm.yaml",
//!         "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n", ParseLimits::default()),
//! ];
//! let fs = RenderFs::parsed_only(&files);
//! let out = build(&fs, "app");
//! let object = &out.objects[0];
//! let namespace = object.root.get("metadata").and_then(|m| m.get("namespace")).expect("set");
//! assert_eq!(namespace.as_str(), Some("prod"));
//! // The namespace points at the kustomization's `namespace:` value, line 1.
//! assert_eq!(namespace.span.span.start.line, 1);
//! assert!(out.problems.is_empty());
//! ```
#![warn(missing_docs)]
#![deny(clippy::unwrap_used)]

mod build;
pub mod emit;
mod fieldspec;
mod fs;
mod generator;
mod hash;
mod kustomization;
mod nameref;
mod origin;
mod patch;
mod problem;
mod replacement;
mod resid;
mod resource;
mod rules;
mod selector;
mod transform;
mod tree;

pub use build::{build, build_with, KustomizeOutput, RenderedObject};
pub use fs::{is_remote, resolve, PathError, RenderFs, KUSTOMIZATION_FILE_NAMES};
pub use origin::{locate, with_file, FileId, Origin, RNode};
pub use problem::{ProblemCode, RenderProblem, Unknown, UnknownKind};
pub use rules::{problem_severity, render_rules, rule_meta, RENDER_TAG};

pub mod flux;
mod render;
pub mod substitute;

pub use render::{
    render, AssumedObject, ClusterObject, ClusterRender, KustomizationRef, Render, RenderInput,
    RenderOptions, RenderedKustomization,
};
