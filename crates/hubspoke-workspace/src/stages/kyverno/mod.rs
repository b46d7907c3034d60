//! The repository's own Kyverno policies, run offline beside the bundled rules
//! by the native evaluator (`hubspoke-kyverno`), their findings shaped like
//! every other rule's.
//!
//! - **Discovery** ([`KyvernoStage::prepare`]): every `kyverno.io/v1` or
//!   `v2beta1` `ClusterPolicy`/`Policy` (and `kyverno.io/v2`/`v2beta1`
//!   `PolicyException`) among the linted files, plus the files and directories
//!   of `kyverno.policies` and `--kyverno-policy`. Each distinct
//!   policy is compiled once; identical copies (the same policy delivered from
//!   two places) are one policy delivered twice.
//! - **Rules**: one per policy rule as written, id `kyverno/<policy>/<rule>`;
//!   Kyverno's auto-generated pod-controller rules (`autogen-<rule>`,
//!   `autogen-cronjob-<rule>`) report under the id of the rule they come from,
//!   so an id does not change with `pod-policies.kyverno.io/autogen-controllers`
//!   (see [`meta`] for titles, help and the severity mapping). Their metadata
//!   enters the run's catalog ([`crate::dynamic`]), so configuration, overrides,
//!   suppressions, baselines, SARIF and the editor treat them as any rule.
//! - **Where a policy applies** ([`evaluate`]): to the objects of the clusters
//!   the repository model says it is delivered to (a spoke's policies to that
//!   spoke's objects, and the finding says so), to every object when that is
//!   not known or when it was given by path; a namespaced `Policy` only in its
//!   namespace. Each object is evaluated as an admission `CREATE`, as `kyverno
//!   apply` does without a cluster: `background` changes nothing there.
//! - **Per-namespace actions and exceptions**: a finding's severity follows the
//!   failure action overrides that hold in the object's namespace
//!   ([`hubspoke_kyverno::policy::Policy::failure_action_for`]); the repository's
//!   `PolicyException`s skip the rules they name on the objects they match (and
//!   exempt single controls of a `podSecurity` rule), on the clusters they are
//!   delivered to as for a policy: an exception in one spoke's directory exempts
//!   that spoke's objects only ([`exceptions`]).
//! - **Nothing silently skipped**: a rule that cannot be decided offline gets
//!   one note at the rule in the policy file naming what it needs; a malformed
//!   policy a `policy-error` at the offending field (its other rules still
//!   run); a rule that errors on one object (a JMESPath error, its time limit)
//!   a `policy-error` on that object.
//! - **`podSecurity`** rules run the bundled whole-profile rules (PSS021,
//!   PSS022) with the rule's `exclude` as their parameter ([`pod_security`]).

mod evaluate;
mod exceptions;
mod load;
mod meta;
mod pod_security;
mod rendered;
mod repository;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hubspoke_diagnostics::Finding;
use hubspoke_engine::ContextIndex;
use hubspoke_manifest::ParsedFile;

use crate::config::Config;
use crate::dynamic::DynamicRules;
use crate::error::{usage, WorkspaceError};
use crate::settings::{Flags, Settings};

use load::{LoadedException, LoadedPolicy};
pub use pod_security::BundledPodSecurity;
pub(crate) use rendered::{RenderedObjects, RenderedRoot};

/// Whether the stage runs, and the policy paths given besides the linted files.
#[derive(Debug, Clone, Default)]
pub struct KyvernoOptions {
    /// `false` with `--no-kyverno` or `kyverno.enabled: false`.
    pub enabled: bool,
    /// `kyverno.policies` (relative to the config file) and `--kyverno-policy`.
    pub policy_paths: Vec<PathBuf>,
}

impl KyvernoOptions {
    /// The stage's settings from the configuration file (whose directory is `config_dir`)
    /// and the flags (which win). A flag naming a missing path is a usage error; the
    /// file's paths were checked when it was read.
    pub fn resolve(
        config: &Config,
        config_dir: &Path,
        flags: &Flags,
    ) -> Result<KyvernoOptions, WorkspaceError> {
        for path in &flags.kyverno_policies {
            if let Ok(false) = path.try_exists() {
                usage!(
                    "--kyverno-policy {}: no such file or directory",
                    path.display()
                );
            }
        }
        let mut policy_paths: Vec<PathBuf> = config
            .kyverno
            .policies
            .iter()
            .map(|p| config_dir.join(p))
            .collect();
        policy_paths.extend(flags.kyverno_policies.iter().cloned());
        Ok(KyvernoOptions {
            enabled: !flags.no_kyverno && config.kyverno.enabled != Some(false),
            policy_paths,
        })
    }
}

/// The loaded policies of a run, ready to evaluate.
pub struct KyvernoStage {
    policies: Vec<LoadedPolicy>,
    /// The repository's `PolicyException`s, each with where it is delivered.
    exceptions: Vec<LoadedException>,
    dynamic: DynamicRules,
    /// Findings about the policies themselves: `policy-error`s, not-decidable notes,
    /// problems of policy files read besides the linted ones.
    findings: Vec<Finding>,
    /// Texts of the policy files read besides the linted ones, by display path.
    sources: Vec<(String, Arc<str>)>,
    /// How long one rule may run on one object.
    time_limit: Duration,
    /// Counters of the last evaluation.
    counters: Counters,
}

/// What an evaluation did, for `--stats`.
#[derive(Debug, Default)]
struct Counters {
    objects: AtomicU64,
    policy_evaluations: AtomicU64,
    rule_results: AtomicU64,
}

/// What the stage did in a run (`hubspoke-lint --stats`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KyvernoStats {
    /// Distinct policies loaded.
    pub policies: usize,
    /// Rules that run.
    pub rules: usize,
    /// Objects at least one policy's kinds matched.
    pub objects: u64,
    /// Policies evaluated on an object.
    pub policy_evaluations: u64,
    /// Rule results (one rule that matched one object, whatever its verdict).
    pub rule_results: u64,
}

impl KyvernoStage {
    /// A stage that runs nothing: the stage is off.
    pub fn off() -> KyvernoStage {
        KyvernoStage {
            policies: Vec::new(),
            exceptions: Vec::new(),
            dynamic: DynamicRules::unchecked(),
            findings: Vec::new(),
            sources: Vec::new(),
            time_limit: Duration::ZERO,
            counters: Counters::default(),
        }
    }

    /// Load and compile the policies among `files` (the linted files) and those of the
    /// configured paths, and resolve what the configuration says of their rules. `Err`
    /// when the configuration names a Kyverno rule no policy defines.
    pub fn prepare(
        settings: &Settings,
        files: &[&ParsedFile],
    ) -> Result<KyvernoStage, WorkspaceError> {
        let options = &settings.configuration.kyverno;
        if !options.enabled {
            return Ok(KyvernoStage::off());
        }
        let loaded = load::load(files, &options.policy_paths, &settings.configuration)?;
        let dynamic = settings.resolve_dynamic(meta::catalog(&loaded.policies))?;
        let mut findings = loaded.findings;
        findings.extend(meta::static_findings(&loaded.policies, &dynamic));
        Ok(KyvernoStage {
            policies: loaded.policies,
            exceptions: loaded.exceptions,
            dynamic,
            findings,
            sources: loaded.sources,
            time_limit: settings.options.rule_timeout,
            counters: Counters::default(),
        })
    }

    /// What the configuration says of the policies' rules (their metadata included).
    pub fn dynamic(&self) -> &DynamicRules {
        &self.dynamic
    }

    /// Texts of the policy files read besides the linted ones, by display path (for
    /// code frames).
    pub fn sources(&self) -> &[(String, Arc<str>)] {
        &self.sources
    }

    /// What the stage loaded and did in its last evaluation.
    pub fn stats(&self) -> KyvernoStats {
        KyvernoStats {
            policies: self.policies.len(),
            rules: self.dynamic.active.len(),
            objects: self.counters.objects.load(Ordering::Relaxed),
            policy_evaluations: self.counters.policy_evaluations.load(Ordering::Relaxed),
            rule_results: self.counters.rule_results.load(Ordering::Relaxed),
        }
    }

    /// Add one file's counts.
    fn count(&self, objects: u64, policy_evaluations: u64, rule_results: u64) {
        self.counters.objects.fetch_add(objects, Ordering::Relaxed);
        self.counters
            .policy_evaluations
            .fetch_add(policy_evaluations, Ordering::Relaxed);
        self.counters
            .rule_results
            .fetch_add(rule_results, Ordering::Relaxed);
    }

    /// Every finding of the stage: those about the policies, then the policies on every
    /// object of `files` (in parallel), with what the repository models say of each
    /// object (`context`). Unsorted.
    pub fn evaluate(
        &self,
        settings: &Settings,
        files: &[&ParsedFile],
        context: &ContextIndex,
    ) -> Vec<Finding> {
        self.evaluate_with_render(settings, files, context, None)
    }

    /// [`KyvernoStage::evaluate`] when the pipeline renders: the policies judge what
    /// the clusters of `rendered` receive, and as written only the files it says.
    pub(crate) fn evaluate_with_render(
        &self,
        settings: &Settings,
        files: &[&ParsedFile],
        context: &ContextIndex,
        rendered: Option<&RenderedObjects<'_>>,
    ) -> Vec<Finding> {
        let mut findings = self.findings.clone();
        if !self.policies.is_empty() {
            findings.extend(evaluate::run(self, settings, files, context, rendered));
        }
        findings
    }
}
