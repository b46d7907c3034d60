//! Rules that come from the linted repository itself: the rules of its own
//! Kyverno policies (`kyverno/<policy>/<rule>`). They are unknown when the
//! configuration is first resolved ([`Settings::new`] runs while the files are
//! still being read), so configuration entries naming them are deferred then
//! and checked here, against the real rules, once the policies are loaded.
//! [`DynamicRules`] carries what the configuration says of them (on or off,
//! severity, per-path overrides, suppressibility) to the stage that runs them,
//! to the filters and to the catalog of the run.

use std::collections::{BTreeMap, BTreeSet};

use hubspoke_diagnostics::{RuleMeta, Severity};

use crate::error::{usage, WorkspaceError};
use crate::filter::{PathOverride, SuppressOptions};
use crate::resolve::{self, KnownRules};
use crate::settings::Settings;

/// The tag every repository rule carries; `rules: {kyverno: ...}` is valid in any
/// repository, with or without policies.
pub const REPOSITORY_RULES_TAG: &str = "kyverno";

/// The prefix of every repository rule id.
pub const REPOSITORY_RULE_PREFIX: &str = "kyverno/";

/// Whether a rule id or tag names repository rules (resolved once the policies are read).
pub fn is_repository_rule_name(name: &str) -> bool {
    name == REPOSITORY_RULES_TAG || name.starts_with(REPOSITORY_RULE_PREFIX)
}

/// The repository's rules and what the configuration says of them.
#[derive(Debug, Clone, Default)]
pub struct DynamicRules {
    /// Their metadata, sorted by id.
    pub rules: Vec<RuleMeta>,
    /// Ids of those that run.
    pub active: BTreeSet<String>,
    /// Configured severities (`rules:`), by id.
    pub severity: BTreeMap<String, Severity>,
    /// `overrides:` entries, limited to these rules (applied after the others: an entry
    /// only ever changes the findings of the rules it names, so the order between the two
    /// lists does not matter).
    pub overrides: Vec<PathOverride>,
    /// Ids the configuration marks `suppressible: false`.
    pub unsuppressible: BTreeSet<String>,
    /// The stage is off: repository rule names are accepted unchecked (suppressions of
    /// them are neither unknown nor unused).
    pub unchecked: bool,
}

impl DynamicRules {
    /// The stage is off: nothing runs and nothing is checked.
    pub fn unchecked() -> DynamicRules {
        DynamicRules {
            unchecked: true,
            ..DynamicRules::default()
        }
    }

    /// Whether rule `id` runs.
    pub fn is_active(&self, id: &str) -> bool {
        self.active.contains(id)
    }

    /// The severity of a finding of rule `id` whose own default is `default`.
    pub fn severity(&self, id: &str, default: Severity) -> Severity {
        self.severity.get(id).copied().unwrap_or(default)
    }

    /// Add these rules to the suppression settings of a run.
    pub fn extend_suppress(&self, suppress: &mut SuppressOptions) {
        suppress
            .known_rules
            .extend(self.rules.iter().map(|meta| meta.id.clone()));
        suppress.active_rules.extend(self.active.iter().cloned());
        suppress
            .unsuppressible
            .extend(self.unsuppressible.iter().cloned());
        if self.unchecked {
            suppress.unchecked_prefix = Some(REPOSITORY_RULE_PREFIX.to_owned());
        }
    }

    /// The catalog of a run: `catalog` (sorted by id) with these rules, sorted by id.
    pub fn catalog(&self, catalog: &[RuleMeta]) -> Vec<RuleMeta> {
        let mut all = catalog.to_vec();
        if !self.rules.is_empty() {
            all.extend(self.rules.iter().cloned());
            all.sort_by(|a, b| a.id.cmp(&b.id));
        }
        all
    }
}

impl Settings {
    /// Resolve the configuration for the repository's rules `rules` (ids not in the
    /// catalog, sorted by id): every entry naming one is checked now, with the errors
    /// (file, line, column) of any other unknown name.
    pub fn resolve_dynamic(&self, rules: Vec<RuleMeta>) -> Result<DynamicRules, WorkspaceError> {
        let config = &self.configuration.config;
        let flags = &self.configuration.flags;
        let catalog = DynamicRules {
            rules: rules.clone(),
            ..DynamicRules::default()
        }
        .catalog(&self.catalog);
        let known = KnownRules::complete(&catalog);
        let (options, overrides) = resolve::eval_options(config, known, flags.rule_timeout_ms)?;
        let ids: BTreeSet<&str> = rules.iter().map(|meta| meta.id.as_str()).collect();
        if let Some(unknown) = flags
            .only_rules
            .iter()
            .find(|id| is_repository_rule_name(id) && !ids.contains(id.as_str()))
        {
            usage!("--rule {unknown}: no rule has this id; the repository's Kyverno policies define {}", list(&ids));
        }
        let active: BTreeSet<String> = rules
            .iter()
            .filter(|meta| options.is_active(meta))
            .filter(|meta| flags.only_rules.is_empty() || flags.only_rules.contains(&meta.id))
            .map(|meta| meta.id.clone())
            .collect();
        let suppress = resolve::suppress_options(config, known, true, BTreeSet::new())?;
        Ok(DynamicRules {
            severity: options
                .severity
                .into_iter()
                .filter(|(id, _)| ids.contains(id.as_str()))
                .collect(),
            overrides: overrides
                .into_iter()
                .filter_map(|mut entry| {
                    entry.rules.retain(|id, _| ids.contains(id.as_str()));
                    (!entry.rules.is_empty()).then_some(entry)
                })
                .collect(),
            unsuppressible: suppress
                .unsuppressible
                .into_iter()
                .filter(|id| ids.contains(id.as_str()))
                .collect(),
            active,
            rules,
            unchecked: false,
        })
    }
}

/// `a, b, c`, or `none` for an empty set.
fn list(ids: &BTreeSet<&str>) -> String {
    if ids.is_empty() {
        "none".to_owned()
    } else {
        ids.iter().copied().collect::<Vec<_>>().join(", ")
    }
}
