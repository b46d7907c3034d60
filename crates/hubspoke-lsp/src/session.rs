//! The server's state: open documents on the main loop, and what the main
//! loop shares with the lint worker (current generations and results).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;
use hubspoke_diagnostics::{Finding, RuleMeta};
use hubspoke_manifest::ParsedFile;
use lsp_server::{Message, Notification};
use lsp_types::notification::{Notification as _, PublishDiagnostics};
use lsp_types::{Diagnostic, PublishDiagnosticsParams, Uri};

use crate::jobs::{Job, LintJob};
use crate::uri;

/// An open buffer.
#[derive(Debug, Clone)]
pub(crate) struct OpenDocument {
    pub version: i32,
    pub text: Arc<str>,
    pub language_id: String,
    /// Bumped on every change; a lint publishes only if it is still current.
    pub generation: u64,
}

/// The outcome of linting one buffer version.
pub(crate) struct Linted {
    pub version: i32,
    /// The parsed buffer (`None` when the file is not linted: excluded).
    pub file: Option<ParsedFile>,
    pub findings: Vec<Finding>,
    /// Metadata of every rule, for hovers and code actions.
    pub catalog: Arc<Vec<RuleMeta>>,
}

/// State shared by the main loop and the worker.
pub(crate) struct Shared {
    /// The workspace root.
    pub root: Option<PathBuf>,
    /// File name of the configuration (`.hubspoke-lint.yaml`).
    pub config_file_name: String,
    sender: Sender<Message>,
    generations: Mutex<BTreeMap<Uri, u64>>,
    results: Mutex<BTreeMap<Uri, Arc<Linted>>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere never leaves these maps half-written: every update is one insert.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    pub(crate) fn new(
        root: Option<PathBuf>,
        config_file_name: String,
        sender: Sender<Message>,
    ) -> Self {
        Shared {
            root,
            config_file_name,
            sender,
            generations: Mutex::default(),
            results: Mutex::default(),
        }
    }

    /// Send a message to the client (a closed connection is not our problem here).
    pub(crate) fn send(&self, message: impl Into<Message>) {
        let _ = self.sender.send(message.into());
    }

    /// Publish diagnostics for any URI (configuration, policies).
    pub(crate) fn publish(&self, uri: Uri, version: Option<i32>, diagnostics: Vec<Diagnostic>) {
        self.send(Notification::new(
            PublishDiagnostics::METHOD.to_owned(),
            PublishDiagnosticsParams {
                uri,
                diagnostics,
                version,
            },
        ));
    }

    /// Publish a lint's outcome unless the buffer changed (or closed) since the
    /// snapshot was taken. The generation lock is held while sending, so a
    /// newer outcome or a close can never be overtaken by this one.
    pub(crate) fn publish_if_current(
        &self,
        uri: &Uri,
        generation: u64,
        linted: Linted,
        diagnostics: Vec<Diagnostic>,
    ) -> bool {
        let generations = lock(&self.generations);
        if generations.get(uri) != Some(&generation) {
            return false;
        }
        let version = linted.version;
        lock(&self.results).insert(uri.clone(), Arc::new(linted));
        self.publish(uri.clone(), Some(version), diagnostics);
        true
    }

    /// Whether a snapshot is still the buffer's latest.
    pub(crate) fn is_current(&self, uri: &Uri, generation: u64) -> bool {
        lock(&self.generations).get(uri) == Some(&generation)
    }

    fn set_generation(&self, uri: &Uri, generation: u64) {
        lock(&self.generations).insert(uri.clone(), generation);
    }

    /// Forget a closed buffer and clear its diagnostics.
    fn close(&self, uri: &Uri) {
        let mut generations = lock(&self.generations);
        generations.remove(uri);
        lock(&self.results).remove(uri);
        self.publish(uri.clone(), None, Vec::new());
    }

    /// The latest published outcome of a buffer.
    pub(crate) fn result(&self, uri: &Uri) -> Option<Arc<Linted>> {
        lock(&self.results).get(uri).cloned()
    }

    /// Whether `path` is the configuration file.
    pub(crate) fn is_config(&self, path: &Path) -> bool {
        path.file_name()
            .is_some_and(|n| n.to_string_lossy() == self.config_file_name.as_str())
    }

    /// Where a buffer's findings say they are: relative to the root when under it.
    pub(crate) fn display_path(&self, uri: &Uri) -> String {
        match uri::to_path(uri) {
            Some(path) => match self.root.as_deref().and_then(|r| path.strip_prefix(r).ok()) {
                Some(relative) => relative.to_string_lossy().replace('\\', "/"),
                None => path.to_string_lossy().replace('\\', "/"),
            },
            None => uri.as_str().to_owned(),
        }
    }
}

/// The main loop's state.
pub(crate) struct Session {
    pub documents: BTreeMap<Uri, OpenDocument>,
    pub shared: Arc<Shared>,
    /// Buffers waiting for their debounce to pass.
    pending: BTreeMap<Uri, Instant>,
    jobs: Sender<Job>,
    debounce: Duration,
    next_generation: u64,
    next_request: i32,
    /// `shutdown` was received: only `exit` is expected now.
    pub shutting_down: bool,
    /// The client can register file watchers for us.
    pub can_watch_files: bool,
}

impl Session {
    pub(crate) fn new(
        shared: Arc<Shared>,
        jobs: Sender<Job>,
        debounce: Duration,
        can_watch_files: bool,
    ) -> Self {
        Session {
            documents: BTreeMap::new(),
            shared,
            pending: BTreeMap::new(),
            jobs,
            debounce,
            next_generation: 0,
            next_request: 0,
            shutting_down: false,
            can_watch_files,
        }
    }

    /// A fresh id for a request to the client.
    pub(crate) fn next_request_id(&mut self) -> String {
        self.next_request += 1;
        format!("hubspoke-lint-{}", self.next_request)
    }

    /// Record a new text (or a first one) and schedule its lint.
    pub(crate) fn update(
        &mut self,
        uri: Uri,
        version: i32,
        text: Arc<str>,
        language_id: Option<String>,
        debounced: bool,
    ) {
        self.next_generation += 1;
        let generation = self.next_generation;
        let language_id = language_id
            .or_else(|| self.documents.get(&uri).map(|d| d.language_id.clone()))
            .unwrap_or_default();
        self.shared.set_generation(&uri, generation);
        self.documents.insert(
            uri.clone(),
            OpenDocument {
                version,
                text,
                language_id,
                generation,
            },
        );
        if debounced {
            self.pending.insert(uri, Instant::now() + self.debounce);
        } else {
            self.pending.remove(&uri);
            self.lint_now(&uri);
        }
    }

    /// Lint a buffer again now, with a new generation (after a save, or new settings).
    pub(crate) fn relint(&mut self, uri: &Uri) {
        if let Some(document) = self.documents.get(uri) {
            let (version, text) = (document.version, Arc::clone(&document.text));
            self.update(uri.clone(), version, text, None, false);
        }
    }

    /// Reload the settings, then lint every buffer again.
    pub(crate) fn reload(&mut self) {
        let _ = self.jobs.send(Job::Reload);
        let uris: Vec<Uri> = self.documents.keys().cloned().collect();
        for uri in &uris {
            self.relint(uri);
        }
    }

    /// Run the repository rules again (a file was saved).
    pub(crate) fn repository_pass(&self) {
        let _ = self.jobs.send(Job::Repository);
    }

    pub(crate) fn close(&mut self, uri: &Uri) {
        self.documents.remove(uri);
        self.pending.remove(uri);
        self.shared.close(uri);
        let _ = self.jobs.send(Job::Forget(uri.clone()));
    }

    fn lint_now(&self, uri: &Uri) {
        if let Some(document) = self.documents.get(uri) {
            let _ = self.jobs.send(Job::Lint(LintJob {
                uri: uri.clone(),
                version: document.version,
                generation: document.generation,
                text: Arc::clone(&document.text),
                language_id: document.language_id.clone(),
            }));
        }
    }

    /// How long until the next debounced lint is due.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.pending.values().min().copied()
    }

    /// Start every lint whose debounce has passed.
    pub(crate) fn flush_due(&mut self) {
        let now = Instant::now();
        let due: Vec<Uri> = self
            .pending
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(uri, _)| uri.clone())
            .collect();
        for uri in due {
            self.pending.remove(&uri);
            self.lint_now(&uri);
        }
    }
}
