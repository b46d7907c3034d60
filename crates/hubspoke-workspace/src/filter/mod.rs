//! The filter stage: what the configuration and the user decided not to see.
//! In order: per-path rule settings (`overrides:`), suppressions (comments,
//! annotations, config entries), the baseline, and `--changed-since`.
//! Filters never evaluate anything; they only drop, re-grade and count.

mod baseline;
mod changed;
mod examples;
mod overrides;
mod suppress;

use std::collections::BTreeMap;
use std::path::PathBuf;

use hubspoke_diagnostics::{Finding, RuleMeta, Scope, Severity};
use hubspoke_engine::POLICY_ERROR;
use hubspoke_manifest::{DiscoveredFile, ParsedFile};

use crate::dynamic::DynamicRules;
use crate::error::WorkspaceError;
use crate::settings::Settings;

pub use baseline::{
    Baseline, BaselineEntry, BaselineOutcome, Unread, BASELINE_FILE_NAME, BASELINE_VERSION,
};
pub use changed::{changed_files, real_path};

/// What [`apply`] filters with besides the settings.
#[derive(Debug, Clone, Copy)]
pub struct FilterOptions<'a> {
    /// The baseline in force, if any.
    pub baseline: Option<&'a Baseline>,
    /// `--changed-since`: only findings in these files are reported.
    pub changed: Option<&'a ChangedFiles>,
    /// Whether the repository rules ran on these findings' files. Without them (an
    /// editor buffer before its first save), a suppression of a repository rule cannot be
    /// judged unused.
    pub repository_rules_ran: bool,
    /// The repository's own rules (its Kyverno policies'), when loaded.
    pub dynamic: Option<&'a DynamicRules>,
}

/// The findings left, and how many each filter hid.
#[derive(Debug, Clone, Default)]
pub struct Filtered {
    /// Findings kept, plus findings about suppressions, sorted.
    pub findings: Vec<Finding>,
    /// Hidden by suppressions.
    pub suppressed: usize,
    /// Hidden by the baseline.
    pub baselined: usize,
    /// Baseline entries no longer found.
    pub baseline_fixed: usize,
    /// Baseline entries neither found nor fixed: they may be in a file that could not be
    /// parsed or read.
    pub baseline_unchecked: usize,
    /// Hidden by `--changed-since` (in files that did not change).
    pub unchanged: usize,
}

/// Apply every filter, in order: per-path rule settings, suppressions, the baseline,
/// changed files. `files` are the parsed files whose comments and annotations may
/// suppress findings.
pub fn apply(
    settings: &Settings,
    findings: Vec<Finding>,
    files: &[ParsedFile],
    options: FilterOptions<'_>,
) -> Filtered {
    // Before any filter can hide the findings that say a file was not read.
    let unread = options
        .baseline
        .is_some()
        .then(|| Unread::of(&findings, files));
    let mut findings = apply_overrides(findings, &settings.overrides);
    let mut suppress = settings.suppress.clone();
    if let Some(dynamic) = options.dynamic {
        findings = apply_overrides(findings, &dynamic.overrides);
        dynamic.extend_suppress(&mut suppress);
    }
    if !options.repository_rules_ran {
        for rule in &settings.rules.rules {
            if rule.meta.scope == Scope::Repository {
                suppress.active_rules.remove(&rule.meta.id);
            }
        }
        // Found by a repository pass too: it reads the saved CRDs.
        suppress.active_rules.remove(hubspoke_schema::INVALID_CRD);
    }
    let suppressed = apply_suppressions(findings, files, &suppress);
    let mut out = Filtered {
        findings: suppressed.findings,
        suppressed: suppressed.suppressed,
        ..Filtered::default()
    };
    crate::pipeline::sort_findings_parallel(&mut out.findings);
    if let Some(baseline) = options.baseline {
        let unread = unread.unwrap_or_default();
        let filtered = baseline.filter_with(std::mem::take(&mut out.findings), &unread);
        out.baselined = filtered.baselined;
        out.baseline_fixed = filtered.fixed;
        out.baseline_unchecked = filtered.unchecked;
        out.findings = filtered.new;
        crate::pipeline::sort_findings_parallel(&mut out.findings);
    }
    if let Some(changed) = options.changed {
        let before = out.findings.len();
        // One file-system lookup per file, not per finding.
        let mut file_changed: BTreeMap<String, bool> = BTreeMap::new();
        // A broken policy is never in a changed file, and always worth seeing.
        out.findings.retain(|f| {
            f.rule == POLICY_ERROR
                || *file_changed
                    .entry(f.file.clone())
                    .or_insert_with(|| changed.contains(&f.file))
        });
        out.unchanged = before - out.findings.len();
    }
    out
}

/// The files `--changed-since` reports on.
#[derive(Debug, Clone)]
pub struct ChangedFiles {
    changed: std::collections::BTreeSet<PathBuf>,
    /// Display paths are relative to the working directory or, for a root outside it or
    /// above it (`..`), to the root: only the walk knows which file each one is.
    on_disk: BTreeMap<String, PathBuf>,
    cwd: PathBuf,
}

impl ChangedFiles {
    /// The files git says changed since `reference` in the repository of `first` (the
    /// first linted path), with the walk's `files` to map display paths to disk.
    pub fn since(
        reference: &str,
        first: &std::path::Path,
        files: &[DiscoveredFile],
    ) -> Result<ChangedFiles, WorkspaceError> {
        let changed = changed_files(reference, first)?;
        let cwd = std::env::current_dir().map_err(|source| WorkspaceError::Io {
            what: "cannot read the working directory".to_owned(),
            source,
        })?;
        let on_disk = files
            .iter()
            .map(|f| (f.display_path.clone(), f.fs_path.clone()))
            .collect();
        Ok(ChangedFiles {
            changed,
            on_disk,
            cwd,
        })
    }

    /// Whether the file shown as `display_path` changed.
    pub fn contains(&self, display_path: &str) -> bool {
        let file = match self.on_disk.get(display_path) {
            Some(path) => real_path(&self.cwd.join(path)),
            None => real_path(&self.cwd.join(display_path)),
        };
        self.changed.contains(&file)
    }
}
pub use overrides::{apply_overrides, PathOverride, RuleOverride};
pub use suppress::{
    apply_suppressions, ids as suppression_ids, ConfigSuppression, SuppressOptions,
    SuppressOutcome, IGNORE_ANNOTATION, REASON_PLACEHOLDER,
};

/// Metadata of the rules suppressions report under, sorted by id.
pub fn suppression_rules() -> Vec<RuleMeta> {
    let suppression = |id: &str, description: &str, help: &str| {
        let mut meta =
            RuleMeta::built_in(id, id, "suppression", Severity::Warning, description, help);
        meta.examples = examples::examples(id);
        meta
    };
    use suppress::ids;
    let mut rules = vec![
        suppression(ids::WITHOUT_REASON, "A suppression gives no reason, or still has the editor's `<reason>` placeholder. Exceptions must stay auditable: the reason tells reviewers why the finding is acceptable.", "Write the reason after the rule list: `# hubspoke-lint: ignore[PSS001] node agent needs it`."),
        suppression(
            ids::EXPIRED,
            "A configured suppression is past its `until` date and no longer applies.",
            "Fix the findings it covered, or renew it with a new date and reason.",
        ),
        suppression(
            ids::UNUSED,
            "A suppression matches no finding. Stale exceptions hide future problems.",
            "Remove the suppression.",
        ),
        suppression(
            ids::UNKNOWN_RULE,
            "A suppression names a rule id that does not exist (a typo, or a rule that was removed).",
            "Use an id from `hubspoke-lint rules`.",
        ),
        suppression(
            ids::NOT_ALLOWED,
            "A suppression targets a rule the platform team marked `suppressible: false`.",
            "Fix the finding; this rule cannot be silenced.",
        ),
    ];
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    rules
}
