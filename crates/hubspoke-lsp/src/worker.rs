//! The lint worker: one thread that owns the settings and the evaluator and
//! lints buffer snapshots sent by the main loop (several changed documents
//! are evaluated on the rayon pool). A snapshot carries its generation; the
//! outcome is published only if no newer snapshot of that buffer exists by
//! then. Repository passes run on threads of their own and come back here.

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender};
use hubspoke_diagnostics::{Finding, RuleMeta, Severity};
use hubspoke_engine::Evaluator;
use hubspoke_manifest::{parse_text, ParseLimits, INTERNAL_ERROR};
use hubspoke_schema::Schemas;
use hubspoke_workspace::WorkspaceError;
use lsp_server::Notification;
use lsp_types::notification::{LogMessage, Notification as _, ShowMessage};
use lsp_types::{
    Diagnostic, DiagnosticSeverity, LogMessageParams, MessageType, NumberOrString, Position, Range,
    ShowMessageParams, Uri,
};

use crate::convert::{self, DocumentPlace};
use crate::jobs::{Job, LintJob};
use crate::lint::{Buffer, DocumentLinter, Repository};
use crate::session::{Linted, Shared};
use crate::settings::{self, EditorSettings};
use crate::uri;
use crate::workspace::{run_pass, ParseCache, RepoFindings};

enum Next {
    Reload,
    Stop,
}

/// Rule id of problems with the configuration file.
const CONFIG_ERROR: &str = "config-error";

/// Evaluated once per worker thread after loading, so the first real lint
/// does not pay for building every thread's regorus engine.
const WARM_UP: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: warm-up\nspec:\n  containers:\n    - name: app\n      image: app:1\n";

struct Worker {
    shared: Arc<Shared>,
    jobs: Receiver<Job>,
    queue: VecDeque<LintJob>,
    reload_requested: bool,
    linter: DocumentLinter,
    catalog: Arc<Vec<RuleMeta>>,
    /// The configuration file and the diagnostics shown on it.
    config: Option<(Uri, Vec<Diagnostic>)>,
    /// Policy files we published load errors on.
    policy_uris: Vec<Uri>,
    /// The latest snapshot linted per buffer, linted again when repository findings arrive.
    last_jobs: BTreeMap<Uri, LintJob>,
    /// Bumped when the settings change; repository passes of older settings are dropped.
    epoch: u64,
    /// The latest repository pass of the current settings.
    repo: Option<RepoFindings>,
    /// Schemas without repository CRDs: used until the first repository pass
    /// brings the workspace's, and always in a session without a root.
    bundled_schemas: Option<Arc<Schemas>>,
    pass_wanted: bool,
    pass_running: bool,
    parse_cache: Arc<Mutex<ParseCache>>,
    repo_sender: Sender<RepoFindings>,
    repo_results: Receiver<RepoFindings>,
}

/// Start the worker thread; it stops when the job channel closes.
pub(crate) fn spawn(shared: Arc<Shared>, jobs: Receiver<Job>) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("hubspoke-lint-worker".to_owned())
        .spawn(move || {
            let (repo_sender, repo_results) = crossbeam_channel::unbounded();
            Worker {
                shared,
                jobs,
                queue: VecDeque::new(),
                reload_requested: false,
                linter: DocumentLinter::default(),
                catalog: Arc::default(),
                config: None,
                policy_uris: Vec::new(),
                last_jobs: BTreeMap::new(),
                epoch: 0,
                repo: None,
                bundled_schemas: None,
                pass_wanted: false,
                pass_running: false,
                parse_cache: Arc::default(),
                repo_sender,
                repo_results,
            }
            .run();
        })
}

impl Worker {
    fn run(mut self) {
        let mut settings = self.load(None);
        loop {
            let next = {
                let evaluator = settings.settings.evaluator();
                warm_up(&evaluator);
                self.serve(&settings, &evaluator)
            };
            match next {
                Next::Reload => {
                    settings = self.load(Some(settings));
                    self.linter.clear();
                }
                Next::Stop => return,
            }
        }
    }

    fn accept(&mut self, job: Job) {
        match job {
            Job::Lint(job) => self.queue.push_back(job),
            Job::Reload => self.reload_requested = true,
            Job::Forget(uri) => {
                self.linter.forget(&uri);
                self.last_jobs.remove(&uri);
            }
            Job::Repository => self.pass_wanted = true,
        }
    }

    /// Keep a repository pass of the current settings and show its findings
    /// on every open buffer.
    fn accept_repository(&mut self, found: RepoFindings) {
        self.pass_running = false;
        if found.epoch != self.epoch {
            return;
        }
        if let Some(error) = &found.schema_error {
            self.log(format!("hubspoke-lint: schema validation is off: {error}"));
        }
        if let Some(error) = &found.kyverno_error {
            self.log(format!(
                "hubspoke-lint: the repository's Kyverno policies did not run: {error}"
            ));
        }
        self.repo = Some(found);
        // Document findings depend on the context and the schemas the pass brought.
        self.linter.forget_documents();
        for job in self.last_jobs.values() {
            let queued = self
                .queue
                .iter()
                .any(|q| q.uri == job.uri && q.generation == job.generation);
            if !queued && self.shared.is_current(&job.uri, job.generation) {
                self.queue.push_back(job.clone());
            }
        }
    }

    fn start_pass(&mut self, settings: &Arc<EditorSettings>) {
        self.pass_wanted = false;
        let Some(root) = self.shared.root.clone() else {
            return;
        };
        let settings = Arc::clone(settings);
        let cache = Arc::clone(&self.parse_cache);
        let sender = self.repo_sender.clone();
        let epoch = self.epoch;
        let spawned = std::thread::Builder::new()
            .name("hubspoke-lint-repository".to_owned())
            .spawn(move || {
                let pass = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    let mut cache = cache.lock().unwrap_or_else(PoisonError::into_inner);
                    run_pass(&settings.settings, &root, &mut cache, epoch)
                }));
                let found = pass.unwrap_or_else(|_| {
                    // A parser or model bug: start the next pass from scratch.
                    *cache.lock().unwrap_or_else(PoisonError::into_inner) = ParseCache::default();
                    RepoFindings {
                        epoch,
                        ..RepoFindings::default()
                    }
                });
                let _ = sender.send(found);
            });
        self.pass_running = spawned.is_ok();
    }

    fn serve(&mut self, settings: &Arc<EditorSettings>, evaluator: &Evaluator<'_>) -> Next {
        loop {
            let pass_due = self.pass_wanted && !self.pass_running;
            if self.queue.is_empty() && !self.reload_requested && !pass_due {
                crossbeam_channel::select! {
                    recv(self.jobs) -> job => match job {
                        Ok(job) => self.accept(job),
                        Err(_) => return Next::Stop,
                    },
                    recv(self.repo_results) -> found => {
                        if let Ok(found) = found {
                            self.accept_repository(found);
                        }
                    }
                }
            }
            while let Ok(job) = self.jobs.try_recv() {
                self.accept(job);
            }
            while let Ok(found) = self.repo_results.try_recv() {
                self.accept_repository(found);
            }
            if std::mem::take(&mut self.reload_requested) {
                return Next::Reload;
            }
            if self.pass_wanted && !self.pass_running {
                self.start_pass(settings);
            }
            if let Some(job) = self.queue.pop_front() {
                if self.shared.is_current(&job.uri, job.generation) {
                    self.lint(job, settings, evaluator);
                }
            }
        }
    }

    fn lint(&mut self, job: LintJob, settings: &EditorSettings, evaluator: &Evaluator<'_>) {
        let path = uri::to_path(&job.uri);
        let nothing = |catalog: &Arc<Vec<RuleMeta>>| Linted {
            version: job.version,
            file: None,
            findings: Vec::new(),
            catalog: Arc::clone(catalog),
        };
        if path.as_deref().is_some_and(|p| self.shared.is_config(p)) {
            // The configuration file shows why it failed to load, not manifest findings.
            let diagnostics = match &self.config {
                Some((uri, diagnostics)) if *uri == job.uri => diagnostics.clone(),
                _ => Vec::new(),
            };
            let linted = nothing(&self.catalog);
            self.shared
                .publish_if_current(&job.uri, job.generation, linted, diagnostics);
            return;
        }
        if !self.wanted(path.as_deref(), &job.language_id, settings) {
            let linted = nothing(&self.catalog);
            self.shared
                .publish_if_current(&job.uri, job.generation, linted, Vec::new());
            return;
        }
        let display = self.shared.display_path(&job.uri);
        // Repository findings of the last pass, while the buffer still holds the text it read.
        let repo = self.repo.as_ref().and_then(|r| {
            let text = r.texts.get(&display)?;
            (**text == *job.text).then(|| r.findings.get(&display).map_or(&[][..], Vec::as_slice))
        });
        // A file the pass judged as the clusters receive it shows the pass's findings.
        let rendered = self.repo.as_ref().and_then(|r| {
            if !r.rendered.contains(&display) {
                return None;
            }
            Some(crate::lint::RenderedPass {
                saved: r.texts.get(&display)?,
                findings: r.findings.get(&display).map_or(&[][..], Vec::as_slice),
            })
        });
        let repository = Repository {
            findings: repo,
            rendered,
            context: self.repo.as_ref().map(|r| &r.context),
            schemas: match &self.repo {
                Some(r) => r.schemas.as_deref(),
                None => self.bundled_schemas.as_deref(),
            },
            dynamic: self.repo.as_ref().map(|r| &*r.dynamic),
        };
        // Before the first pass the workspace's CRDs are not read yet: an
        // object of one of them would be reported as having no schema.
        let awaiting_crds = self.repo.is_none() && self.shared.root.is_some();
        let linted = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let buffer = Buffer {
                uri: &job.uri,
                path: &display,
                text: &job.text,
            };
            self.linter.lint(buffer, settings, evaluator, repository)
        }));
        self.last_jobs.insert(job.uri.clone(), job.clone());
        let (file, findings) = match linted {
            Ok((file, mut findings)) => {
                if awaiting_crds {
                    findings.retain(|f| f.rule != hubspoke_schema::UNKNOWN_KIND);
                }
                (Some(file), findings)
            }
            Err(_) => {
                self.linter.forget(&job.uri);
                (None, vec![internal_error(&display)])
            }
        };
        let place = DocumentPlace {
            uri: &job.uri,
            display_path: &display,
            root: self.shared.root.as_deref(),
        };
        let diagnostics = findings
            .iter()
            .map(|f| convert::diagnostic(f, &place, &self.catalog))
            .collect();
        let linted = Linted {
            version: job.version,
            file,
            findings,
            catalog: Arc::clone(&self.catalog),
        };
        self.shared
            .publish_if_current(&job.uri, job.generation, linted, diagnostics);
    }

    /// Whether a buffer is linted: under the root, the include and exclude
    /// globs decide, as on the command line; elsewhere, YAML files are.
    fn wanted(&self, path: Option<&Path>, language_id: &str, settings: &EditorSettings) -> bool {
        let Some(path) = path else {
            return language_id == "yaml";
        };
        let settings = &settings.settings;
        match self.shared.root.as_deref().map(|r| path.strip_prefix(r)) {
            Some(Ok(relative)) => settings.wants(relative),
            _ => path.file_name().is_some_and(|n| {
                settings
                    .configuration
                    .discover
                    .include
                    .is_match(Path::new(n))
            }),
        }
    }

    /// Load the settings; on failure keep the previous ones, or fall back to the defaults.
    fn load(&mut self, previous: Option<Arc<EditorSettings>>) -> Arc<EditorSettings> {
        let started = Instant::now();
        let root = self.shared.root.clone();
        let loaded = load_guarded(root.as_deref(), true);
        let settings = match loaded {
            Ok(settings) => {
                self.show_config(settings.config_path(), None);
                Arc::new(settings)
            }
            Err(error) => {
                let config_path = error.setting_location().map(|(file, _)| file.to_path_buf());
                self.show_config(config_path.as_deref(), Some(&error));
                match previous {
                    Some(previous) => {
                        self.show(MessageType::ERROR, format!("hubspoke-lint: the configuration could not be loaded; the previous settings stay in force until it is fixed: {error}"));
                        previous
                    }
                    None => {
                        self.show(MessageType::ERROR, format!("hubspoke-lint: the configuration could not be loaded; the bundled rules run with their defaults until it is fixed: {error}"));
                        Arc::new(
                            load_guarded(root.as_deref(), false)
                                .unwrap_or_else(|_| EditorSettings::bundled()),
                        )
                    }
                }
            }
        };
        self.catalog = Arc::new(settings.settings.catalog.clone());
        self.epoch += 1;
        self.repo = None;
        self.pass_wanted = true;
        self.bundled_schemas = None;
        if let Some(options) = &settings.settings.schema {
            let no_files: [&hubspoke_manifest::ParsedFile; 0] = [];
            match Schemas::new(options.clone(), no_files) {
                Ok(schemas) => self.bundled_schemas = Some(Arc::new(schemas)),
                Err(error) => {
                    self.log(format!("hubspoke-lint: schema validation is off: {error}"));
                }
            }
        }
        self.show_policy_errors(&settings.settings.rules.load_findings);
        // Counted as the command line's summary and `hubspoke-lint rules` count them.
        self.log(format!(
            "hubspoke-lint: {} enabled ({} known){} in {} ms",
            hubspoke_report::count(settings.settings.active_rules.len(), "rule", "rules"),
            settings.settings.catalog.len(),
            settings
                .config_path()
                .map(|p| format!(" with {}", p.display()))
                .unwrap_or_default(),
            started.elapsed().as_millis()
        ));
        settings
    }

    /// Show a configuration error on the configuration file, or clear it.
    fn show_config(&mut self, path: Option<&Path>, error: Option<&WorkspaceError>) {
        let uri = path.map(absolute).and_then(|p| uri::from_path(&p));
        if let Some((old, _)) = &self.config {
            if Some(old) != uri.as_ref() {
                self.shared.publish(old.clone(), None, Vec::new());
            }
        }
        let Some(uri) = uri else {
            self.config = None;
            return;
        };
        let diagnostics: Vec<Diagnostic> = error
            .map(|error| {
                let position = error.setting_location().and_then(|(_, position)| position);
                let (line, column) = position.unwrap_or((1, 1));
                let at = Position {
                    line: line.saturating_sub(1),
                    character: column.saturating_sub(1),
                };
                let text = error.to_string();
                // The message names its place first; the diagnostic is already there.
                let message = match (error.setting_location(), position) {
                    (Some((path, _)), Some((line, column))) => text
                        .strip_prefix(&format!("{}:{line}:{column}: ", path.display()))
                        .unwrap_or(&text)
                        .to_owned(),
                    _ => text.clone(),
                };
                Diagnostic {
                    range: Range { start: at, end: at },
                    severity: Some(DiagnosticSeverity::ERROR),
                    code: Some(NumberOrString::String(CONFIG_ERROR.to_owned())),
                    source: Some(convert::SOURCE.to_owned()),
                    message,
                    ..Diagnostic::default()
                }
            })
            .into_iter()
            .collect();
        self.shared.publish(uri.clone(), None, diagnostics.clone());
        self.config = Some((uri, diagnostics));
    }

    /// Show policies that failed to load on their files, clearing fixed ones.
    fn show_policy_errors(&mut self, findings: &[Finding]) {
        let mut by_file: BTreeMap<String, Vec<&Finding>> = BTreeMap::new();
        for finding in findings {
            by_file
                .entry(finding.file.clone())
                .or_default()
                .push(finding);
        }
        let mut published = Vec::new();
        for (file, findings) in by_file {
            let path = match &self.shared.root {
                Some(root) if Path::new(&file).is_relative() => root.join(&file),
                _ => PathBuf::from(&file),
            };
            let Some(uri) = uri::from_path(&path) else {
                continue;
            };
            let place = DocumentPlace {
                uri: &uri,
                display_path: &file,
                root: self.shared.root.as_deref(),
            };
            let diagnostics = findings
                .iter()
                .map(|f| convert::diagnostic(f, &place, &self.catalog))
                .collect();
            self.shared.publish(uri.clone(), None, diagnostics);
            published.push(uri);
        }
        for old in std::mem::take(&mut self.policy_uris) {
            if !published.contains(&old) {
                self.shared.publish(old, None, Vec::new());
            }
        }
        self.policy_uris = published;
    }

    fn show(&self, typ: MessageType, message: String) {
        self.shared.send(Notification::new(
            ShowMessage::METHOD.to_owned(),
            ShowMessageParams { typ, message },
        ));
    }

    fn log(&self, message: String) {
        self.shared.send(Notification::new(
            LogMessage::METHOD.to_owned(),
            LogMessageParams {
                typ: MessageType::INFO,
                message,
            },
        ));
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

fn internal_error(path: &str) -> Finding {
    Finding::new(
        INTERNAL_ERROR,
        Severity::Error,
        "internal error while linting this file; please report it",
        path,
    )
}

/// Load the settings; a panic while loading is an error like any other.
fn load_guarded(root: Option<&Path>, use_config: bool) -> Result<EditorSettings, WorkspaceError> {
    std::panic::catch_unwind(|| settings::load(root, use_config)).unwrap_or_else(|_| {
        Err(WorkspaceError::Invalid(
            "internal error while loading the settings".to_owned(),
        ))
    })
}

/// Build the engines of this thread (it evaluates single changed documents)
/// and of every pool thread now rather than on the first keystroke.
fn warm_up(evaluator: &Evaluator<'_>) {
    let file = parse_text(
        "warm-up.yaml",
        "warm-up.yaml",
        WARM_UP,
        ParseLimits::default(),
    );
    let evaluate = || {
        let _ = evaluator.evaluate_file(&file, None);
    };
    rayon::broadcast(|_| evaluate());
    evaluate();
}
