//! What a lint needs from the configuration, and how the server asks for it.
//!
//! The configuration file is read by the binary (it owns `.hubspoke-lint.yaml`
//! and its merging rules, shared with the CLI); the server only calls the
//! [`SettingsLoader`] it was given, at start and whenever the file changes.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use hubspoke_engine::{
    bundled_sources, Baseline, EvalOptions, Evaluator, RuleMeta, RuleSet, SuppressOptions,
    VmProgram,
};
use hubspoke_manifest::{DiscoverOptions, ModelOptions, ParseLimits, DEFAULT_MAX_FILE_SIZE};
use hubspoke_schema::SchemaOptions;

/// Everything a lint run depends on besides the text: rules, options, file globs.
pub struct Settings {
    /// The loaded rules (bundled plus the configuration's policy directories).
    pub rules: RuleSet,
    /// Disabled rules, severity overrides and rule parameters.
    pub options: EvalOptions,
    /// Include and exclude globs (relative to the workspace root) and the size limit.
    pub discover: DiscoverOptions,
    /// Parser limits (nesting, aliases, documents per file).
    pub limits: ParseLimits,
    /// How the repository model reads the tree (clusters directory, label ConfigMaps).
    pub model: ModelOptions,
    /// Suppression comments, annotations and configuration entries.
    pub suppress: SuppressOptions,
    /// The baseline at the workspace root, when there is one: baselined
    /// findings are not shown, as on the command line.
    pub baseline: Option<Baseline>,
    /// The configuration file in force, if any (changes to it reload the settings).
    pub config_path: Option<PathBuf>,
    /// Schema validation (the `schema:` section), `None` when every schema rule is off.
    pub schema: Option<SchemaOptions>,
    /// The rules' VM program, compiled by the first evaluator and shared by the
    /// later ones (every workspace pass builds one).
    pub program: OnceLock<VmProgram>,
}

impl Settings {
    /// The bundled rules with no configuration: what `hubspoke-lint` does
    /// in a repository without `.hubspoke-lint.yaml`.
    pub fn bundled() -> Settings {
        let rules = RuleSet::load(bundled_sources());
        let options = EvalOptions {
            config: serde_json::json!({ "params": {} }),
            ..EvalOptions::default()
        };
        let catalog = hubspoke_schema::catalog(&rules);
        Settings {
            suppress: SuppressOptions {
                enabled: true,
                active_rules: catalog
                    .iter()
                    .filter(|meta| options.is_active(meta))
                    .map(|meta| meta.id.clone())
                    .collect(),
                known_rules: catalog.into_iter().map(|meta| meta.id).collect(),
                ..SuppressOptions::default()
            },
            rules,
            options,
            discover: DiscoverOptions::new(&[], &[], DEFAULT_MAX_FILE_SIZE, None)
                .expect("the default include globs compile"),
            limits: ParseLimits::default(),
            model: ModelOptions::default(),
            baseline: None,
            config_path: None,
            schema: Some(SchemaOptions::default()),
            program: OnceLock::new(),
        }
    }

    /// An evaluator of these rules and options, with the VM program compiled once
    /// per settings rather than once per evaluator.
    pub fn evaluator(&self) -> Evaluator<'_> {
        let program = self
            .program
            .get_or_init(|| VmProgram::compile(&self.rules, &self.options));
        Evaluator::with_program(&self.rules, self.options.clone(), program.clone())
    }

    /// Whether a file at `relative` (to the workspace root) is linted: it
    /// matches an include glob and neither it nor a directory above it
    /// matches an exclude glob — the rules discovery applies on the CLI.
    pub fn wants(&self, relative: &Path) -> bool {
        if !self.discover.include.is_match(relative) {
            return false;
        }
        !relative
            .ancestors()
            .filter(|p| !p.as_os_str().is_empty())
            .any(|p| self.discover.exclude.is_match(p))
    }

    /// Metadata of every rule, built-in and schema ones included, sorted by id.
    pub fn catalog(&self) -> Vec<RuleMeta> {
        hubspoke_schema::catalog(&self.rules)
    }
}

/// Why settings could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    /// The configuration file at fault, when the error is in one.
    pub config_path: Option<PathBuf>,
    /// What is wrong, with the cause chain. When it starts with
    /// `<config_path>:<line>:<column>: ` the server shows it at that place.
    pub message: String,
}

/// What the server asks the loader for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadRequest {
    /// The workspace root, when the client named one.
    pub root: Option<PathBuf>,
    /// `false` after the configuration failed to load: the defaults are
    /// wanted, so that the editor still shows findings.
    pub use_config: bool,
}

/// Loads settings for a workspace; called off the main loop.
pub type SettingsLoader =
    Arc<dyn Fn(&LoadRequest) -> Result<Settings, SettingsError> + Send + Sync>;

/// Split `path:line:col: message` into a 1-based line and column, when the
/// message names that place in `path`.
pub(crate) fn error_location(error: &SettingsError) -> Option<(u32, u32)> {
    let path = error.config_path.as_ref()?.display().to_string();
    // Messages show a relative path without its leading `./`.
    let rest = error
        .message
        .strip_prefix(&path)
        .or_else(|| error.message.strip_prefix(path.strip_prefix("./")?))?
        .strip_prefix(':')?;
    let mut parts = rest.splitn(3, ':');
    let line = parts.next()?.parse().ok()?;
    let column = parts.next()?.parse().ok()?;
    Some((line, column))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_errors_name_their_place() {
        let error = SettingsError {
            config_path: Some(PathBuf::from("/r/.hubspoke-lint.yaml")),
            message: "/r/.hubspoke-lint.yaml:5:3: invalid configuration: unknown field `x`"
                .to_owned(),
        };
        assert_eq!(error_location(&error), Some((5, 3)));
        let relative = SettingsError {
            config_path: Some(PathBuf::from("./.hubspoke-lint.yaml")),
            message: ".hubspoke-lint.yaml:2:7: rules.X: no rule has this id or tag".to_owned(),
        };
        assert_eq!(error_location(&relative), Some((2, 7)));
        let elsewhere = SettingsError {
            message: "cannot load policies from p".to_owned(),
            ..error
        };
        assert_eq!(error_location(&elsewhere), None);
    }

    #[test]
    fn excluded_directories_exclude_their_files() {
        let mut settings = Settings::bundled();
        settings.discover.exclude =
            hubspoke_manifest::glob_set(&["vendor".to_owned()]).expect("glob");
        assert!(settings.wants(Path::new("apps/web.yaml")));
        assert!(!settings.wants(Path::new("apps/vendor/web.yaml")));
        assert!(!settings.wants(Path::new("apps/web.json")));
    }
}
