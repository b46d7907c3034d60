//! Turning the configuration file (and flags) into engine settings: shared by
//! `lint` and `lsp`, so that the terminal and the editor report the same findings.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::bail;
use hubspoke_engine::{ConfigSuppression, EvalOptions, Severity, SuppressOptions};
use hubspoke_manifest::ParseLimits;
use hubspoke_schema::{SchemaOptions, UnknownSchema};

use crate::config::Config;

/// Engine options from the `rules:` section (enabled, severity, params) and the rule time limit.
pub fn eval_options(
    config: &Config,
    known_ids: &BTreeSet<String>,
    config_path: Option<&Path>,
    rule_timeout_ms: Option<u64>,
) -> anyhow::Result<EvalOptions> {
    let mut options = EvalOptions::default();
    let mut params = serde_json::Map::new();
    for (id, rule) in &config.rules {
        if !known_ids.contains(id) {
            let file = config_path
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            bail!("{file}: rules.{id}: no rule has this id; `hubspoke-lint rules` lists them");
        }
        match rule.enabled {
            Some(false) => {
                options.disabled.insert(id.clone());
            }
            Some(true) => {
                options.enabled.insert(id.clone());
            }
            None => {}
        }
        if let Some(severity) = rule.severity.as_deref().and_then(Severity::parse) {
            options.severity.insert(id.clone(), severity);
        }
        if let Some(p) = &rule.params {
            params.insert(id.clone(), p.clone());
        }
    }
    options.config = serde_json::json!({ "params": params });
    if let Some(ms) = rule_timeout_ms.or(config.limits.rule_timeout_ms) {
        options.rule_timeout = std::time::Duration::from_millis(ms.max(1));
    }
    Ok(options)
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
) -> anyhow::Result<Option<SchemaOptions>> {
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
            bail!("--kubernetes-version: {message}");
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

/// Suppression settings from `suppressions:` and `rules.<id>.suppressible`.
pub fn suppress_options(
    config: &Config,
    config_path: Option<&Path>,
    enabled: bool,
    known_rules: BTreeSet<String>,
    active_rules: BTreeSet<String>,
) -> SuppressOptions {
    // Findings name files relative to the working directory; the globs are written relative to
    // the config file, which may sit below it (`hubspoke-lint fleet/`).
    let base = config_path
        .and_then(Path::parent)
        .map(|dir| dir.to_string_lossy().trim_start_matches("./").to_owned())
        .filter(|dir| !dir.is_empty() && dir != ".")
        .map(|dir| format!("{}/", globset::escape(&dir)))
        .unwrap_or_default();
    SuppressOptions {
        enabled,
        config_entries: config
            .suppressions
            .iter()
            .map(|s| ConfigSuppression {
                rule: s.rule.clone(),
                path: format!("{base}{}", s.path.trim_start_matches("./")),
                reason: s.reason.clone().unwrap_or_default(),
                until: s.until.clone(),
            })
            .collect(),
        config_file: config_path
            .map(|p| p.display().to_string().trim_start_matches("./").to_owned()),
        unsuppressible: config
            .rules
            .iter()
            .filter(|(_, r)| r.suppressible == Some(false))
            .map(|(id, _)| id.clone())
            .collect(),
        known_rules,
        active_rules,
        today: today(),
    }
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
