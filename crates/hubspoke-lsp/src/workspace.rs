//! Repository rules in the editor. They need the whole tree, so they run on
//! save rather than per keystroke: the saved files are discovered as the CLI
//! discovers them, only files whose size or modification time changed since
//! the last pass are parsed again, the repository model is built and the
//! repository rules run. A pass runs on a thread of its own, so a large
//! repository never delays the diagnostics of the buffer being typed in.
//!
//! With rendering on (the default), the pass also renders what each cluster receives
//! and judges it: findings of rendered objects land on their origin files (editing a
//! base shows what the overlays including it get), and the buffers of rendered files
//! show the pass's findings rather than a judgement of their raw text.
//!
//! The pass also builds the schemas, with the CustomResourceDefinitions of the
//! saved tree (as the CLI reads those of the linted files), which the buffers
//! are validated against until the next pass.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use hubspoke_diagnostics::Finding;
use hubspoke_engine::ContextIndex;
use hubspoke_manifest::{discover, read_and_parse, ParsedFile};
use hubspoke_schema::Schemas;
use hubspoke_workspace::dynamic::DynamicRules;
use hubspoke_workspace::{
    analyze, AnalyzeOptions, KyvernoStage, RepositoryRoot, SchemaFindings, Settings,
};

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
    /// Files whose objects the pass judged as the clusters receive them (the render
    /// stage): their buffers show the pass's findings, not a judgement of the raw text.
    pub rendered: std::collections::BTreeSet<String>,
    /// The rules of the repository's Kyverno policies and what the configuration says of
    /// them: the filters of the open buffers need them (suppressions of these rules).
    pub dynamic: Arc<DynamicRules>,
    /// Why the Kyverno policies could not be run (a configuration entry naming a Kyverno
    /// rule no policy defines).
    pub kyverno_error: Option<String>,
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
    let configuration = &settings.configuration;
    let discovery = discover(&[root.to_path_buf()], &configuration.discover);
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
    let parsed = read_and_parse(&changed, configuration.limits);
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
    // The pipeline's stages, as on the command line, but for the saved tree: the open
    // buffers' document rules and schema validation run as they are typed.
    let roots = [RepositoryRoot {
        path: root,
        files: files.clone(),
    }];
    // The repository's Kyverno policies run with the repository rules: they read the
    // whole tree (where each policy is delivered, namespaces, ConfigMaps).
    let (kyverno, kyverno_error) = match KyvernoStage::prepare(settings, &files) {
        Ok(stage) => (stage, None),
        Err(error) => (KyvernoStage::off(), Some(error.to_string())),
    };
    let options = AnalyzeOptions {
        documents: false,
        schema_findings: SchemaFindings::InvalidCrds,
        kyverno: Some(&kyverno),
    };
    let analysis = analyze(settings, &files, &[], &roots, options);
    let (context, schemas, schema_error, rendered) = (
        analysis.context,
        analysis.schemas,
        analysis.schema_error,
        analysis.rendered_files,
    );
    let found = analysis.findings;
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
        rendered,
        dynamic: Arc::new(kyverno.dynamic().clone()),
        kyverno_error,
    };
    for finding in found {
        out.findings
            .entry(finding.file.clone())
            .or_default()
            .push(finding);
    }
    out
}
