//! Turning the configuration file (and flags) into engine settings: shared by
//! `lint` and `lsp`, so that the terminal and the editor report the same findings.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::bail;
use hubspoke_engine::{ConfigSuppression, EvalOptions, Severity, SuppressOptions};
use hubspoke_manifest::{DiscoverOptions, ParseLimits, DEFAULT_MAX_FILE_SIZE};

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

/// A path named on the command line that does not exist is a usage error (exit 2),
/// not a finding: nothing was linted, so no report can be trusted.
pub fn require_existing(paths: &[PathBuf]) -> anyhow::Result<()> {
    for path in paths {
        // `try_exists` follows symlinks: a dangling one does not exist either. An
        // error (permission denied) is left to discovery, which reports it as a finding.
        if let Ok(false) = path.try_exists() {
            bail!("{}: no such file or directory", path.display());
        }
    }
    Ok(())
}

/// What to walk: flags, else the configuration (`include`, `exclude`, `max-file-size`);
/// `--exclude` adds to the configured excludes. Display paths are relative to the
/// working directory.
pub fn discover_options(
    config: &Config,
    include: &[String],
    exclude: &[String],
    max_file_size: Option<u64>,
) -> anyhow::Result<DiscoverOptions> {
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
    Ok(DiscoverOptions::new(
        &include,
        &all_excludes,
        max_file_size,
        std::env::current_dir().ok(),
    )?)
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
