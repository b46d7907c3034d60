//! Repository rules in the editor. They need the whole tree, so they run on
//! save rather than per keystroke: the saved files are discovered as the CLI
//! discovers them, only files whose size or modification time changed since
//! the last pass are parsed again, the repository model is built and the
//! repository rules run. A pass runs on a thread of its own, so a large
//! repository never delays the diagnostics of the buffer being typed in.
//!
//! The pass also builds the schemas, with the CustomResourceDefinitions of the
//! saved tree (as the CLI reads those of the linted files), which the buffers
//! are validated against until the next pass.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use hubspoke_engine::{ContextIndex, Finding};
use hubspoke_manifest::{discover, read_and_parse, ParsedFile, RepoModel};
use hubspoke_schema::{Schemas, INVALID_CRD};
use rayon::prelude::*;

use crate::settings::Settings;

/// What one pass found, by display path (relative to the root).
#[derive(Default)]
pub(crate) struct RepoFindings {
    /// The settings epoch the pass ran with; stale passes are dropped.
    pub epoch: u64,
    /// The text of every file the pass read: repository findings are shown
    /// on a buffer only while its text is still that text.
    pub texts: BTreeMap<String, Arc<str>>,
    /// Repository findings per file.
    pub findings: BTreeMap<String, Vec<Finding>>,
    /// What the model says of each document (effective namespace, clusters):
    /// document rules read it, as on the command line.
    pub context: ContextIndex,
    /// The schemas of the saved tree; `None` when schema validation is off
    /// or could not be set up (then `schema_error` says why).
    pub schemas: Option<Arc<Schemas>>,
    /// Why the schemas could not be set up.
    pub schema_error: Option<String>,
}

/// Parsed files of earlier passes, with the size and time they had.
#[derive(Default)]
pub(crate) struct ParseCache {
    files: BTreeMap<PathBuf, (u64, Option<SystemTime>, ParsedFile)>,
}

/// Run the repository rules on the saved tree under `root`.
pub(crate) fn run_pass(
    settings: &Settings,
    root: &Path,
    cache: &mut ParseCache,
    epoch: u64,
) -> RepoFindings {
    let discovery = discover(&[root.to_path_buf()], &settings.discover);
    let stamp = |path: &Path| {
        std::fs::metadata(path)
            .map(|m| (m.len(), m.modified().ok()))
            .unwrap_or((0, None))
    };
    let mut changed = Vec::new();
    let mut stamps = Vec::new();
    for file in &discovery.files {
        let (len, time) = stamp(&file.fs_path);
        let fresh = cache
            .files
            .get(&file.fs_path)
            .is_some_and(|(l, t, parsed)| {
                *l == len && *t == time && time.is_some() && parsed.source.path == file.display_path
            });
        if !fresh {
            changed.push(file.clone());
            stamps.push((len, time));
        }
    }
    let parsed = read_and_parse(&changed, settings.limits);
    for ((file, parsed), (len, time)) in changed.iter().zip(parsed).zip(stamps) {
        cache
            .files
            .insert(file.fs_path.clone(), (len, time, parsed));
    }
    let wanted: std::collections::BTreeSet<&PathBuf> =
        discovery.files.iter().map(|f| &f.fs_path).collect();
    cache.files.retain(|path, _| wanted.contains(path));
    let files: Vec<&ParsedFile> = discovery
        .files
        .iter()
        .filter_map(|f| cache.files.get(&f.fs_path).map(|(_, _, p)| p))
        .collect();
    // As `lint_roots` does: one model gives the context and the repository findings.
    let model = RepoModel::build(&files, root, &settings.model);
    let mut context = ContextIndex::default();
    context.add_model(&model, &files);
    let evaluator = settings.evaluator();
    let mut found = evaluator.evaluate_repository(&model, &files);
    let (schemas, schema_error) = match &settings.schema {
        None => (None, None),
        Some(options) => match Schemas::new(options.clone(), files.iter().copied()) {
            Ok(schemas) => (Some(Arc::new(schemas)), None),
            Err(error) => (None, Some(error.to_string())),
        },
    };
    if let Some(schemas) = &schemas {
        found.extend(crd_findings(schemas, &files));
    }
    let mut out = RepoFindings {
        context,
        epoch,
        texts: files
            .iter()
            .map(|f| (f.source.path.clone(), Arc::clone(&f.source.text)))
            .collect(),
        findings: BTreeMap::new(),
        schemas,
        schema_error,
    };
    for finding in found {
        out.findings
            .entry(finding.file.clone())
            .or_default()
            .push(finding);
    }
    out
}

/// `schema/invalid-crd` findings of the saved tree, as the CLI reports them:
/// those of reading each CRD, and those of CRD schemas that fail to compile
/// when an object of their kind is validated. That is why every saved file is
/// validated here (which also compiles, off the typing path, the validators
/// the buffers need); the other schema findings are the buffers' own.
fn crd_findings(schemas: &Schemas, files: &[&ParsedFile]) -> Vec<Finding> {
    let mut found: Vec<Finding> = files
        .par_iter()
        .flat_map_iter(|file| schemas.validate_file(file))
        .filter(|finding| finding.rule == INVALID_CRD)
        .collect();
    found.extend(schemas.take_deferred());
    found
}
