//! `hubspoke-lint lsp`: the language server over stdio. The server lives in
//! `hubspoke-lsp`; this module hands it stdin and stdout and a loader that
//! reads `.hubspoke-lint.yaml` the way `hubspoke-lint [PATH]` does.

use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use hubspoke_engine::BASELINE_FILE_NAME;
use hubspoke_lsp::{LoadRequest, ServerOptions, Settings, SettingsError, DEFAULT_DEBOUNCE};

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

// The same settings as `commands::lint::collect` (both use `crate::settings`),
// without its command-line overrides.
fn settings(root: &Path, config_path: Option<&Path>) -> anyhow::Result<Settings> {
    let config = match config_path {
        Some(path) => config::load(path)?,
        None => Config::default(),
    };
    let config_dir = config_path.and_then(Path::parent).unwrap_or(root);
    let policy_dirs: Vec<PathBuf> = config.policies.iter().map(|p| config_dir.join(p)).collect();
    let rules = load_rules(&policy_dirs)?;
    let catalog = catalog(&rules);
    let mut options = crate::settings::eval_options(&config, &catalog, &rules, None)?;
    let schema = crate::settings::schema_options(
        &crate::settings::SchemaFlags::default(),
        &config,
        &mut options,
    )?;
    let limits = crate::settings::parse_limits(&config, None, None, None);
    let discover = crate::settings::discover_options(&config, &[], &[], None, None)?;
    let active_rules = catalog
        .iter()
        .filter(|meta| options.is_active(meta))
        .map(|meta| meta.id.clone())
        .collect();
    let suppress = crate::settings::suppress_options(&config, &catalog, true, active_rules)?;
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
        schema,
        program: std::sync::OnceLock::new(),
    })
}
