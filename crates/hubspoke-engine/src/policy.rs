//! Where Rego comes from: the library embedded at build time and user directories.

use std::path::{Path, PathBuf};

use hubspoke_diagnostics::RuleExamples;

use crate::error::EngineError;

include!(concat!(env!("OUT_DIR"), "/bundled_policies.rs"));

/// One Rego file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicySource {
    /// Path shown in diagnostics (`policies/...` for bundled rules).
    pub path: String,
    /// The Rego text.
    pub text: String,
    /// Whether it ships with hubspoke-lint.
    pub bundled: bool,
    /// Whether it is written in Rego v0 (`deny[msg] { ... }`, as older conftest policies
    /// are): set when it parses only that way.
    pub rego_v0: bool,
}

impl PolicySource {
    /// Add this source to `engine` in its Rego version; `Ok` holds the package (`data.x.y`).
    pub fn add_to(&self, engine: &mut regorus::Engine) -> Result<String, String> {
        engine.set_rego_v0(self.rego_v0);
        let added = engine.add_policy(self.path.clone(), self.text.clone());
        engine.set_rego_v0(false);
        added.map_err(|e| e.to_string())
    }
}

/// The bundled library, in path order.
pub fn bundled_sources() -> Vec<PolicySource> {
    BUNDLED_POLICIES
        .iter()
        .map(|(path, text)| PolicySource {
            path: format!("policies/{path}"),
            text: (*text).to_owned(),
            bundled: true,
            rego_v0: false,
        })
        .collect()
}

/// Whether `source` (a rule's `source`, `policies/<family>/<slug>.rego`) ships with hubspoke-lint.
pub fn is_bundled_source(source: &str) -> bool {
    source
        .strip_prefix("policies/")
        .is_some_and(|rel| BUNDLED_POLICIES.iter().any(|(path, _)| *path == rel))
}

/// Examples of the rule whose source is `source` (`policies/<family>/<slug>.rego`).
pub fn rule_examples(source: &str) -> RuleExamples {
    let rel = source.strip_prefix("policies/").unwrap_or(source);
    let mut examples = RuleExamples::default();
    for (path, verdict, name, text) in BUNDLED_EXAMPLES {
        if *path == rel {
            match *verdict {
                "fail" => examples.fail = Some((name, text)),
                _ => examples.pass = Some((name, text)),
            }
        }
    }
    examples
}

/// Every `*.rego` below `dir` except `*_test.rego`, in path order.
pub fn load_policy_dir(dir: &Path) -> Result<Vec<PolicySource>, EngineError> {
    read_rego(dir, false)
}

/// Every `*_test.rego` below `dir` (for `hubspoke-lint test`).
pub fn load_policy_tests(dir: &Path) -> Result<Vec<PolicySource>, EngineError> {
    read_rego(dir, true)
}

fn read_rego(dir: &Path, tests: bool) -> Result<Vec<PolicySource>, EngineError> {
    let mut files = Vec::new();
    collect_rego(dir, &mut files, tests)?;
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).map_err(|source| EngineError::PolicyDir {
                path: path.clone(),
                source,
            })?;
            Ok(PolicySource {
                path: path.to_string_lossy().replace('\\', "/"),
                text,
                bundled: false,
                rego_v0: false,
            })
        })
        .collect()
}

fn collect_rego(dir: &Path, out: &mut Vec<PathBuf>, tests: bool) -> Result<(), EngineError> {
    let entries = std::fs::read_dir(dir).map_err(|source| EngineError::PolicyDir {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if name != "fixtures" && !name.starts_with('.') {
                collect_rego(&path, out, tests)?;
            }
        } else if name.ends_with(".rego") && name.ends_with("_test.rego") == tests {
            out.push(path);
        }
    }
    Ok(())
}
