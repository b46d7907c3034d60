//! `hubspoke-lint lsp`: the language server over stdio. The server lives in
//! `hubspoke-lsp`; this module hands it stdin and stdout and a loader that
//! reads `.hubspoke-lint.yaml` the way `hubspoke-lint [PATH]` does.

use std::collections::BTreeSet;
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context};
use hubspoke_engine::{
    ConfigSuppression, EvalOptions, Severity, SuppressOptions, BASELINE_FILE_NAME,
};
use hubspoke_lsp::{LoadRequest, ServerOptions, Settings, SettingsError, DEFAULT_DEBOUNCE};
use hubspoke_manifest::{DiscoverOptions, ParseLimits, DEFAULT_MAX_FILE_SIZE};

use crate::commands::lint::read_baseline;
use crate::commands::{catalog, load_rules};
use crate::config::{self, Config, CONFIG_FILE_NAME};
use crate::exit::ExitStatus;

/// Serve one editor over stdin and stdout until it exits.
pub fn run(stdout: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let options = ServerOptions {
        loader: Arc::new(load),
        config_file_name: CONFIG_FILE_NAME.to_owned(),
        debounce: DEFAULT_DEBOUNCE,
    };
    let outcome = hubspoke_lsp::serve(BufReader::new(std::io::stdin()), stdout, options)
        .context("the language server stopped")?;
    // The protocol asks for exit code 1 when `exit` was not preceded by `shutdown`.
    Ok(if outcome.clean_exit {
        ExitStatus::Clean
    } else {
        ExitStatus::Findings
    })
}

/// The settings of a workspace: its `.hubspoke-lint.yaml` (unless the server
/// asks for the defaults after a broken one) and its baseline.
fn load(request: &LoadRequest) -> Result<Settings, SettingsError> {
    let root = request.root.clone().unwrap_or_else(|| PathBuf::from("."));
    let config_path = request
        .use_config
        .then(|| config::locate(None, std::slice::from_ref(&root)))
        .flatten();
    settings(&root, config_path.as_deref()).map_err(|error| SettingsError {
        config_path,
        message: format!("{error:#}"),
    })
}

// The steps below repeat how `commands::lint::collect` turns the config into
// engine options (it keeps them private); keep the two in step. Schema
// validation does not run in the editor yet, so its rules are not active.
fn settings(root: &Path, config_path: Option<&Path>) -> anyhow::Result<Settings> {
    let config = match config_path {
        Some(path) => config::load(path)?,
        None => Config::default(),
    };
    let config_dir = config_path.and_then(Path::parent).unwrap_or(root);
    let policy_dirs: Vec<PathBuf> = config.policies.iter().map(|p| config_dir.join(p)).collect();
    let rules = load_rules(&policy_dirs)?;
    let catalog = catalog(&rules);
    let known_rules: BTreeSet<String> = catalog.iter().map(|r| r.id.clone()).collect();
    let mut options = EvalOptions::default();
    let mut params = serde_json::Map::new();
    for (id, rule) in &config.rules {
        if !known_rules.contains(id) {
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
    if let Some(ms) = config.limits.rule_timeout_ms {
        options.rule_timeout = std::time::Duration::from_millis(ms.max(1));
    }
    let defaults = ParseLimits::default();
    let limits = ParseLimits {
        max_documents: config
            .limits
            .max_documents
            .unwrap_or(defaults.max_documents),
        max_depth: config.limits.max_depth.unwrap_or(defaults.max_depth),
        max_alias_nodes: config
            .limits
            .max_alias_nodes
            .unwrap_or(defaults.max_alias_nodes),
    };
    let discover = DiscoverOptions::new(
        &config.include,
        &config.exclude,
        config.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE),
        None,
    )?;
    let suppress = SuppressOptions {
        enabled: true,
        config_entries: config
            .suppressions
            .iter()
            .map(|s| ConfigSuppression {
                rule: s.rule.clone(),
                path: s.path.clone(),
                reason: s.reason.clone().unwrap_or_default(),
                until: s.until.clone(),
            })
            .collect(),
        config_file: config_path.map(|p| p.display().to_string()),
        unsuppressible: config
            .rules
            .iter()
            .filter(|(_, r)| r.suppressible == Some(false))
            .map(|(id, _)| id.clone())
            .collect(),
        active_rules: catalog
            .iter()
            .filter(|meta| options.is_active(meta))
            .filter(|meta| !hubspoke_schema::RULE_IDS.contains(&meta.id.as_str()))
            .map(|meta| meta.id.clone())
            .collect(),
        known_rules,
        today: today(),
    };
    let baseline_path = root.join(BASELINE_FILE_NAME);
    let baseline = if baseline_path.is_file() {
        Some(read_baseline(&baseline_path)?)
    } else {
        None
    };
    Ok(Settings {
        rules,
        options,
        discover,
        limits,
        model: config.model.options(),
        suppress,
        baseline,
        config_path: config_path.map(Path::to_path_buf),
    })
}

/// Today as `YYYY-MM-DD` (UTC), for suppressions with an `until` date.
fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    // Civil-from-days (Howard Hinnant's algorithm), as `commands::lint` does.
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
