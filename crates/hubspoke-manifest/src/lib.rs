//! The manifest layer of hubspoke-lint: finding YAML files, parsing them with
//! spans under Kubernetes' YAML rules, and resolving field paths to places in
//! the text. It knows nothing of Rego or of output formats.
#![warn(missing_docs)]
#![deny(clippy::unwrap_used)]

mod discover;
mod document;
mod error;
pub mod go_text;
mod input_rules;
mod internal;
mod listed_json;
mod model;
mod parse;
mod position;
mod problem;
mod source;
pub mod yaml;

pub use discover::{
    discover, glob_set, DiscoverOptions, DiscoveredFile, Discovery, DEFAULT_INCLUDE,
    DEFAULT_MAX_FILE_SIZE,
};
pub use document::{
    locate_key, locate_path, object_meta, parse_dotted_path, Document, FieldPath, JoinPosition,
    Located, ObjectMeta, PathSegment,
};
pub use error::ManifestError;
pub use input_rules::{
    file_problem_finding, input_rules, internal_error_finding, path_problem_finding, problem_meta,
    INTERNAL_ERROR,
};
pub use internal::{internal_problem, panic_message, test_panic_point, TEST_PANIC_VAR};
pub use listed_json::{add_kustomize_listed_json, kustomize_listed_json};
pub use model::{
    builtin_producers, index_key, is_cluster_scoped, model_body, normalize, normalize_git_url,
    repository_rules_skip_data, ChartValuesSource, Cluster, DeclaredExternalSecret, DocRef,
    FluxInstance, FluxKustomization, FluxSync, HelmRelease, KustomizeFile, ModelObject,
    ModelOptions, ObjectProducer, ObjectRef, Origin, PathRef, Profile, RepoModel, SourceRoot,
    FLUX_HELM_GROUP, FLUX_KUSTOMIZE_GROUP, FLUX_OPERATOR_GROUP, FLUX_SOURCE_EXTENSIONS_GROUP,
    FLUX_SOURCE_GROUP, IDENTITY_FIELDS,
};
pub use parse::{parse_bytes, parse_text, ParsedFile, SourceFile};
pub use position::{LineTable, Mark, Position, Region, Span};
pub use problem::{FileProblem, PathProblem, ProblemCode};
pub use yaml::ParseLimits;

use rayon::prelude::*;

/// Read and parse discovered files in parallel, keeping their order.
///
/// A file that cannot be read becomes a [`ParsedFile`] with an `unreadable-file`
/// problem. A panic while parsing one file (a parser bug) is caught and reported
/// on that file as an `internal-error` (the run then exits 2), so the other files
/// are still linted.
pub fn read_and_parse(files: &[DiscoveredFile], limits: ParseLimits) -> Vec<ParsedFile> {
    files
        .par_iter()
        .map(|file| {
            let unparsed = |problem| ParsedFile {
                source: SourceFile::new(file.display_path.as_str(), file.repo_path.as_str(), ""),
                documents: Vec::new(),
                problems: vec![problem],
            };
            let parse = || match std::fs::read(&file.fs_path) {
                Ok(bytes) => {
                    test_panic_point("parse", &file.display_path);
                    parse_bytes(&file.display_path, &file.repo_path, bytes, limits)
                }
                Err(error) => unparsed(FileProblem::whole_file(
                    ProblemCode::Unreadable,
                    format!("cannot read file: {error}"),
                )),
            };
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(parse)).unwrap_or_else(
                |payload| unparsed(internal_problem("parsing this file", payload.as_ref())),
            )
        })
        .collect()
}
