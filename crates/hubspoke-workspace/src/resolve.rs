//! Turning the configuration file (and flags) into what each stage needs: the
//! engine's options, discovery globs, parser limits, schema and suppression
//! settings. The terminal and the editor both go through here, so that they
//! report the same findings.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use hubspoke_diagnostics::{RuleMeta, Severity};
use hubspoke_engine::EvalOptions;
use hubspoke_manifest::{DiscoverOptions, ParseLimits, PathSegment, DEFAULT_MAX_FILE_SIZE};
use hubspoke_schema::{SchemaOptions, UnknownSchema};

use crate::config::{dotted, key, Config};
use crate::error::{usage, WorkspaceError};
use crate::filter::{ConfigSuppression, PathOverride, RuleOverride, SuppressOptions};

/// The rules configuration entries may name.
#[derive(Debug, Clone, Copy)]
pub struct KnownRules<'a> {
    /// Every rule of the run known so far, sorted by id.
    pub catalog: &'a [RuleMeta],
    /// Whether names of repository rules (`kyverno`, `kyverno/…`: the linted repository's
    /// own Kyverno policies) missing from the catalog are accepted unchecked: the first
    /// resolution runs before the repository is read ([`crate::dynamic`] checks them
    /// once it is, or never when the Kyverno stage is off).
    pub defer_repository_rules: bool,
}

impl<'a> KnownRules<'a> {
    /// Every name must be in `catalog`.
    pub fn complete(catalog: &'a [RuleMeta]) -> Self {
        KnownRules {
            catalog,
            defer_repository_rules: false,
        }
    }

    /// Names of repository rules are checked later.
    pub fn deferring(catalog: &'a [RuleMeta]) -> Self {
        KnownRules {
            catalog,
            defer_repository_rules: true,
        }
    }

    /// Whether `name` may stay unresolved now.
    fn deferred(&self, name: &str) -> bool {
        self.defer_repository_rules && crate::dynamic::is_repository_rule_name(name)
    }
}

/// A rule's settings once `rules:` keys (ids and tags) are resolved.
#[derive(Debug, Default, Clone)]
struct RuleSettings {
    enabled: Option<bool>,
    severity: Option<Severity>,
    params: Option<serde_json::Value>,
    suppressible: Option<bool>,
}

/// The rule ids a settings key names: the rule with that id, else every rule with that tag.
/// `Err` names the place of an unknown key.
fn rules_named<'a>(
    name: &str,
    known: KnownRules<'a>,
    config: &Config,
    at: &[PathSegment],
) -> Result<(bool, Vec<&'a str>), WorkspaceError> {
    let catalog = known.catalog;
    if let Some(rule) = catalog.iter().find(|r| r.id == name) {
        return Ok((true, vec![rule.id.as_str()]));
    }
    let tagged: Vec<&str> = catalog
        .iter()
        .filter(|r| r.tags.iter().any(|t| t == name))
        .map(|r| r.id.as_str())
        .collect();
    // The family tag of the repository's Kyverno rules is valid in every repository, with
    // or without policies, so that one configuration serves many repositories.
    if tagged.is_empty() && !known.deferred(name) && name != crate::dynamic::REPOSITORY_RULES_TAG {
        return Err(setting_error(
            config,
            at,
            if crate::dynamic::is_repository_rule_name(name) {
                format!(
                    "{}: no rule of the repository's Kyverno policies has this id or tag (ids are kyverno/<policy>/<rule>, tags kyverno/<policy>)",
                    dotted(at)
                )
            } else {
                format!(
                    "{}: no rule has this id or tag{}; `hubspoke-lint rules` lists them",
                    dotted(at),
                    crate::suggest::did_you_mean_rule_or_tag(name, catalog)
                )
            },
        ));
    }
    Ok((false, tagged))
}

/// The entries of a `rules:` map (of the config or of an override) with the ids each names,
/// in the order their settings apply: tag entries first, then rule ids, so that a rule's own
/// entry wins over its tags'. `at` gives the setting path of a name, for errors.
fn tags_then_ids<'c, 'e, T>(
    entries: &'e BTreeMap<String, T>,
    catalog: KnownRules<'c>,
    config: &Config,
    at: impl Fn(&str) -> Vec<PathSegment>,
) -> Result<Vec<(Vec<&'c str>, &'e T)>, WorkspaceError> {
    let mut by_tag = Vec::new();
    let mut by_id = Vec::new();
    for (name, settings) in entries {
        let (is_id, ids) = rules_named(name, catalog, config, &at(name))?;
        if is_id {
            by_id.push((ids, settings));
        } else {
            by_tag.push((ids, settings));
        }
    }
    by_tag.extend(by_id);
    Ok(by_tag)
}

/// `rules:` resolved to rule ids. Tags apply first and ids after, so a rule's own entry wins
/// over its tags' (and, between tags, the later in name order wins).
fn resolve_rules(
    config: &Config,
    catalog: KnownRules<'_>,
) -> Result<BTreeMap<String, RuleSettings>, WorkspaceError> {
    let entries = tags_then_ids(&config.rules, catalog, config, |name| {
        vec![key("rules"), key(name)]
    })?;
    let mut resolved: BTreeMap<String, RuleSettings> = BTreeMap::new();
    for (ids, rule) in entries {
        for id in ids {
            let settings = resolved.entry(id.to_owned()).or_default();
            if rule.enabled.is_some() {
                settings.enabled = rule.enabled;
            }
            if let Some(severity) = rule.severity.as_deref().and_then(Severity::parse) {
                settings.severity = Some(severity);
            }
            if rule.params.is_some() {
                settings.params.clone_from(&rule.params);
            }
            if rule.suppressible.is_some() {
                settings.suppressible = rule.suppressible;
            }
        }
    }
    Ok(resolved)
}

/// Globs in the config file are written relative to its directory; findings name files
/// relative to the working directory, and the config file may sit below it (`hubspoke-lint
/// fleet/`): the prefix that turns the one into the other.
fn glob_base(config: &Config) -> String {
    config
        .source
        .as_ref()
        .and_then(|s| s.path.parent())
        .map(|dir| dir.to_string_lossy().trim_start_matches("./").to_owned())
        .filter(|dir| !dir.is_empty() && dir != ".")
        .map(|dir| format!("{}/", globset::escape(&dir)))
        .unwrap_or_default()
}

/// `overrides:` resolved to rule ids, with globs relative to the working directory.
fn path_overrides(
    config: &Config,
    catalog: KnownRules<'_>,
) -> Result<Vec<PathOverride>, WorkspaceError> {
    let base = glob_base(config);
    let mut out = Vec::new();
    for (i, entry) in config.overrides.iter().enumerate() {
        let mut files = globset::GlobSetBuilder::new();
        for pattern in &entry.files {
            // Checked when the config was read.
            if let Ok(glob) =
                globset::Glob::new(&format!("{base}{}", pattern.trim_start_matches("./")))
            {
                files.add(glob);
            }
        }
        let entries = tags_then_ids(&entry.rules, catalog, config, |name| {
            vec![
                key("overrides"),
                PathSegment::Index(i),
                key("rules"),
                key(name),
            ]
        })?;
        let mut rules: BTreeMap<String, RuleOverride> = BTreeMap::new();
        for (ids, rule) in entries {
            let setting = RuleOverride {
                enabled: rule.enabled,
                severity: rule.severity.as_deref().and_then(Severity::parse),
            };
            for id in ids {
                let merged = rules.entry(id.to_owned()).or_default();
                if setting.enabled.is_some() {
                    merged.enabled = setting.enabled;
                }
                if setting.severity.is_some() {
                    merged.severity = setting.severity;
                }
            }
        }
        out.push(PathOverride {
            files: build_globs(files)?,
            rules,
        });
    }
    Ok(out)
}

/// Every `rules.<id or tag>.params.<name>` must be a parameter one of the named rules
/// declares, with the shape it declares: a typo (`allowed_registry`) would otherwise leave the
/// rule on its default without a word. Rules that declare no parameters and are not bundled
/// (users' policies read settings their own way) are not checked.
fn check_parameters(config: &Config, known: KnownRules<'_>) -> Result<(), WorkspaceError> {
    let catalog = known.catalog;
    for (name, rule) in &config.rules {
        let Some(params) = &rule.params else {
            continue;
        };
        if known.defer_repository_rules && crate::dynamic::is_repository_rule_name(name) {
            continue;
        }
        let (_, ids) = rules_named(name, known, config, &[key("rules"), key(name)])?;
        let metas: Vec<&RuleMeta> = ids
            .iter()
            .filter_map(|id| catalog.iter().find(|meta| meta.id == *id))
            .collect();
        if metas
            .iter()
            .any(|meta| !meta.bundled && meta.parameters.is_empty())
        {
            continue;
        }
        let Some(params) = params.as_object() else {
            let at = [key("rules"), key(name), key("params")];
            return Err(setting_error(
                config,
                &at,
                format!(
                    "{}: must be a mapping of parameter names to values",
                    dotted(&at)
                ),
            ));
        };
        for (param, value) in params {
            let at = [key("rules"), key(name), key("params"), key(param)];
            let declared: Vec<&hubspoke_diagnostics::ParameterDecl> = metas
                .iter()
                .filter_map(|meta| meta.parameter(param))
                .collect();
            let Some(declaration) = declared.first() else {
                let known: BTreeSet<&str> = metas
                    .iter()
                    .flat_map(|meta| meta.parameters.iter().map(|p| p.name.as_str()))
                    .collect();
                let known = if known.is_empty() {
                    "it has none".to_owned()
                } else {
                    format!(
                        "it has {}",
                        known.into_iter().collect::<Vec<_>>().join(", ")
                    )
                };
                return Err(setting_error(
                    config,
                    &at,
                    format!(
                        "{}: {name} has no parameter `{param}` ({known})",
                        dotted(&at)
                    ),
                ));
            };
            if let Err((inner, message)) = declaration.check(value) {
                let mut at = at.to_vec();
                at.extend(inner.into_segments());
                return Err(setting_error(
                    config,
                    &at,
                    format!("{}: {message}", dotted(&at)),
                ));
            }
        }
    }
    Ok(())
}

/// The error of a setting of `config`'s file (or, without a file, of the message alone).
fn setting_error(config: &Config, at: &[PathSegment], message: String) -> WorkspaceError {
    match &config.source {
        Some(source) => source.error(at, message),
        None => WorkspaceError::Usage(message),
    }
}

/// A glob set that was checked when the config was read.
fn build_globs(builder: globset::GlobSetBuilder) -> Result<globset::GlobSet, WorkspaceError> {
    builder
        .build()
        .map_err(|error| WorkspaceError::Usage(format!("invalid glob: {error}")))
}

/// Engine options from the `rules:` section (enabled, severity, params), `overrides:` and the
/// rule time limit.
pub fn eval_options(
    config: &Config,
    known: KnownRules<'_>,
    rule_timeout_ms: Option<u64>,
) -> Result<(EvalOptions, Vec<PathOverride>), WorkspaceError> {
    let catalog = known.catalog;
    check_parameters(config, known)?;
    let mut options = EvalOptions::default();
    let mut params = serde_json::Map::new();
    for (id, rule) in resolve_rules(config, known)? {
        match rule.enabled {
            Some(false) => {
                options.disabled.insert(id.clone());
            }
            Some(true) => {
                options.enabled.insert(id.clone());
            }
            None => {}
        }
        if let Some(severity) = rule.severity {
            options.severity.insert(id.clone(), severity);
        }
        if let Some(p) = rule.params {
            params.insert(id, p);
        }
    }
    options.config = serde_json::json!({ "params": params });
    let mut overrides = path_overrides(config, known)?;
    // A rule that is off but switched on for some files runs everywhere; an entry before
    // the user's switches it off again for every other file.
    let off_elsewhere: BTreeMap<String, RuleOverride> = catalog
        .iter()
        .filter(|meta| !options.is_active(meta))
        .filter(|meta| {
            overrides.iter().any(|o| {
                o.rules
                    .get(&meta.id)
                    .is_some_and(|r| r.enabled == Some(true))
            })
        })
        .map(|meta| {
            (
                meta.id.clone(),
                RuleOverride {
                    enabled: Some(false),
                    severity: None,
                },
            )
        })
        .collect();
    if !off_elsewhere.is_empty() {
        for id in off_elsewhere.keys() {
            options.disabled.remove(id);
            options.enabled.insert(id.clone());
        }
        let mut everything = globset::GlobSetBuilder::new();
        if let Ok(glob) = globset::Glob::new("**") {
            everything.add(glob);
        }
        overrides.insert(
            0,
            PathOverride {
                files: build_globs(everything)?,
                rules: off_elsewhere,
            },
        );
    }
    if let Some(ms) = rule_timeout_ms.or(config.limits.rule_timeout_ms) {
        options.rule_timeout = std::time::Duration::from_millis(ms.max(1));
    }
    Ok((options, overrides))
}

/// A path named on the command line that does not exist is a usage error (exit 2),
/// not a finding: nothing was linted, so no report can be trusted.
pub fn require_existing(paths: &[PathBuf]) -> Result<(), WorkspaceError> {
    for path in paths {
        // `try_exists` follows symlinks: a dangling one does not exist either. An
        // error (permission denied) is left to discovery, which reports it as a finding.
        if let Ok(false) = path.try_exists() {
            usage!("{}: no such file or directory", path.display());
        }
    }
    Ok(())
}

/// What to walk: flags, else the configuration (`include`, `exclude`, `max-file-size`);
/// `--exclude` adds to the configured excludes. Display paths are relative to
/// `display_base` (the CLI's working directory; the editor passes none).
pub fn discover_options(
    config: &Config,
    include: &[String],
    exclude: &[String],
    max_file_size: Option<u64>,
    display_base: Option<PathBuf>,
) -> Result<DiscoverOptions, WorkspaceError> {
    let include = if include.is_empty() {
        config.include.clone()
    } else {
        include.to_vec()
    };
    let mut all_excludes = config.exclude.clone();
    all_excludes.extend(exclude.iter().cloned());
    let max_file_size = max_file_size
        .or(config.max_file_size)
        .unwrap_or(DEFAULT_MAX_FILE_SIZE);
    DiscoverOptions::new(&include, &all_excludes, max_file_size, display_base)
        .map_err(|error| WorkspaceError::Usage(error.to_string()))
}

/// Command-line overrides of the `schema:` section (the editor has none).
#[derive(Debug, Default)]
pub struct SchemaFlags<'a> {
    /// `--no-schema`.
    pub no_schema: bool,
    /// `--strict`.
    pub strict: bool,
    /// `--kubernetes-version`.
    pub kubernetes_version: Option<&'a str>,
    /// `--unknown-schema`.
    pub unknown_schema: Option<UnknownSchema>,
    /// `--rule`: only these rules run.
    pub only_rules: &'a [String],
}

/// Schema validation settings from flags and `schema:` (flags win); `None`
/// when it is off. Schema rules that will not run are added to
/// `options.disabled`, like Rego rules, so that suppressions of them are
/// judged as suppressions of any disabled rule.
pub fn schema_options(
    flags: &SchemaFlags<'_>,
    config: &Config,
    options: &mut EvalOptions,
) -> Result<Option<SchemaOptions>, WorkspaceError> {
    let unknown_schema = match flags.unknown_schema {
        Some(level) => level,
        None => config
            .schema
            .unknown_schema_text()
            .as_deref()
            .and_then(UnknownSchema::parse)
            .unwrap_or_default(),
    };
    let kubernetes_version = flags
        .kubernetes_version
        .map(str::to_owned)
        .or_else(|| config.schema.kubernetes_version.clone());
    if let Some(version) = &kubernetes_version {
        if let Err(message) = hubspoke_schema::resolve_kubernetes_version(version) {
            usage!("--kubernetes-version: {message}");
        }
    }
    let ids = hubspoke_schema::RULE_IDS;
    for id in ids {
        let off = flags.no_schema
            || (!flags.only_rules.is_empty() && !flags.only_rules.iter().any(|r| r == id))
            || (id == hubspoke_schema::UNKNOWN_KIND && unknown_schema == UnknownSchema::Off);
        if off {
            options.disabled.insert(id.to_owned());
        }
    }
    if ids.iter().all(|id| options.disabled.contains(*id)) {
        return Ok(None);
    }
    Ok(Some(SchemaOptions {
        strict: flags.strict || config.schema.strict == Some(true),
        kubernetes_version,
        unknown_schema,
        disabled: ids
            .iter()
            .filter(|id| options.disabled.contains(**id))
            .map(|id| (*id).to_owned())
            .collect(),
        severity: options
            .severity
            .iter()
            .filter(|(id, _)| ids.contains(&id.as_str()))
            .map(|(id, s)| (id.clone(), *s))
            .collect(),
    }))
}

/// Parser limits: flags, else `limits:`, else the defaults.
pub fn parse_limits(
    config: &Config,
    max_documents: Option<usize>,
    max_depth: Option<usize>,
    max_alias_nodes: Option<usize>,
) -> ParseLimits {
    let defaults = ParseLimits::default();
    ParseLimits {
        max_documents: max_documents
            .or(config.limits.max_documents)
            .unwrap_or(defaults.max_documents),
        max_depth: max_depth
            .or(config.limits.max_depth)
            .unwrap_or(defaults.max_depth),
        max_alias_nodes: max_alias_nodes
            .or(config.limits.max_alias_nodes)
            .unwrap_or(defaults.max_alias_nodes),
    }
}

/// Suppression settings from `suppressions:` and `suppressible` in `rules:`. A suppression
/// naming no rule is a configuration error, as an unknown key of `rules:` is.
pub fn suppress_options(
    config: &Config,
    known: KnownRules<'_>,
    enabled: bool,
    active_rules: BTreeSet<String>,
) -> Result<SuppressOptions, WorkspaceError> {
    let base = glob_base(config);
    let known_rules: BTreeSet<String> = known.catalog.iter().map(|r| r.id.clone()).collect();
    let mut config_entries = Vec::with_capacity(config.suppressions.len());
    for (i, s) in config.suppressions.iter().enumerate() {
        let entry = [key("suppressions"), PathSegment::Index(i)];
        if !known_rules.contains(&s.rule) && !known.deferred(&s.rule) {
            return Err(setting_error(
                config,
                &[key("suppressions"), PathSegment::Index(i), key("rule")],
                format!(
                    "suppressions[{i}].rule: `{}` is not a rule id; `hubspoke-lint rules` lists them",
                    s.rule
                ),
            ));
        }
        config_entries.push(ConfigSuppression {
            rule: s.rule.clone(),
            path: format!("{base}{}", s.path.trim_start_matches("./")),
            reason: s.reason.clone().unwrap_or_default(),
            until: s.until.clone(),
            region: config
                .source
                .as_ref()
                .and_then(|source| source.region(&entry)),
        });
    }
    Ok(SuppressOptions {
        enabled,
        config_entries,
        config_file: config
            .source
            .as_ref()
            .map(crate::config::ConfigSource::display),
        unsuppressible: resolve_rules(config, known)?
            .into_iter()
            .filter(|(_, r)| r.suppressible == Some(false))
            .map(|(id, _)| id)
            .collect(),
        known_rules,
        active_rules,
        unchecked_prefix: None,
        today: today(),
    })
}

/// Today as `YYYY-MM-DD` (UTC), for suppressions with an `until` date.
pub fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    civil_date(days)
}

/// Civil date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(20_780), "2026-11-23");
        assert_eq!(civil_date(11_016), "2000-02-29");
    }
}
