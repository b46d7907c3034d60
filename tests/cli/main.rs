//! End-to-end tests of the `hubspoke-lint` binary, built as one test binary to
//! keep link time down.

mod adoption;
mod bad_input;
mod conveniences;
mod docs;
mod exit_codes;
mod formats;
mod graph;
mod issue_17_flux_model;
mod issue_18_precision;
mod kyverno;
mod kyverno_rendered;
mod lint;
mod lsp;
mod perf_flags;
mod policy_tests;
mod precision;
mod regression;
mod render;
mod robustness;
mod schema;
mod support;
