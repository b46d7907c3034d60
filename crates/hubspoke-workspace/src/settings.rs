//! Everything a lint depends on besides the files: the configuration file and
//! the flags laid over it ([`Configuration`]), then the rules in force
//! ([`Settings`]). Two steps, because loading and compiling the rules is the
//! slow part: the pipeline does it while the repository is walked and parsed.
//!
//! Precedence: built-in defaults < `.hubspoke-lint.yaml` < [`Flags`].

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use hubspoke_diagnostics::{RuleMeta, Severity};
use hubspoke_engine::{
    bundled_sources, load_policy_dir, EvalOptions, Evaluator, RuleSet, VmProgram,
};
use hubspoke_manifest::{DiscoverOptions, ModelOptions, ParseLimits};
use hubspoke_schema::{SchemaOptions, UnknownSchema};

use crate::config::{self, Config};
use crate::error::{usage, WorkspaceError};
use crate::filter::{PathOverride, SuppressOptions};
use crate::resolve;
use crate::stages::kyverno::KyvernoOptions;

/// What the command line (or the editor) sets on top of the configuration file.
/// Every field left at its default leaves the file's setting in force.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    /// `--config`: the configuration file (default: located from the first path).
    pub config: Option<PathBuf>,
    /// Do not read any configuration file (the editor, after a broken one).
    pub no_config: bool,
    /// `--policy`: extra Rego policy directories (extends the file's `policies`).
    pub policies: Vec<PathBuf>,
    /// `--kyverno-policy`: extra Kyverno policy files or directories (extends the file's
    /// `kyverno.policies`).
    pub kyverno_policies: Vec<PathBuf>,
    /// `--no-kyverno`: the repository's Kyverno policies are not read or run.
    pub no_kyverno: bool,
    /// `--rule`: only these rules run (input problems are always reported).
    pub only_rules: Vec<String>,
    /// `--include` (replaces the file's list).
    pub include: Vec<String>,
    /// `--exclude` (extends the file's list).
    pub exclude: Vec<String>,
    /// `--max-file-size`.
    pub max_file_size: Option<u64>,
    /// `--max-documents`.
    pub max_documents: Option<usize>,
    /// `--max-depth`.
    pub max_depth: Option<usize>,
    /// `--max-alias-nodes`.
    pub max_alias_nodes: Option<usize>,
    /// `--rule-timeout-ms`.
    pub rule_timeout_ms: Option<u64>,
    /// `--no-schema`.
    pub no_schema: bool,
    /// `--strict`.
    pub strict: bool,
    /// `--kubernetes-version`.
    pub kubernetes_version: Option<String>,
    /// `--unknown-schema`.
    pub unknown_schema: Option<UnknownSchema>,
    /// `--no-suppress`: ignore every suppression.
    pub no_suppress: bool,
    /// `--no-render`: judge every file as written, without rendering what each cluster receives.
    pub no_render: bool,
    /// `--fail-on`: `Some(None)` is `never`.
    pub fail_on: Option<Option<Severity>>,
    /// `--timings`: measure the time of each rule.
    pub timings: bool,
    /// Display paths are made relative to this directory (the CLI's working directory;
    /// the editor passes none).
    pub display_base: Option<PathBuf>,
}

/// The configuration in force: the file and the flags, resolved into what each
/// stage but the rules needs.
#[derive(Debug)]
pub struct Configuration {
    /// The configuration file as read (the defaults when there is none).
    pub config: Config,
    /// The flags it was resolved with.
    pub flags: Flags,
    /// Include and exclude globs and the size limit.
    pub discover: DiscoverOptions,
    /// Parser limits (nesting, aliases, documents per file).
    pub limits: ParseLimits,
    /// How the repository model reads the layout.
    pub model: ModelOptions,
    /// Policy directories: the file's (relative to it) and the flags'.
    pub policy_dirs: Vec<PathBuf>,
    /// The Kyverno stage: on or off, and the policy paths given besides the linted files.
    pub kyverno: KyvernoOptions,
    /// Findings at or above this severity fail the run; `None` never fails.
    pub fail_on: Option<Severity>,
    /// Render what each cluster receives and judge that (`render.enabled`, `--no-render`).
    pub render: bool,
}

impl Configuration {
    /// Locate and read the configuration for linting `paths` and resolve it with `flags`.
    pub fn load(paths: &[PathBuf], flags: Flags) -> Result<Configuration, WorkspaceError> {
        let config_path = if flags.no_config {
            None
        } else {
            config::locate(flags.config.as_deref(), paths)
        };
        let config = match &config_path {
            Some(path) => config::load(path)?,
            None => Config::default(),
        };
        Configuration::resolve(config, flags)
    }

    /// Resolve an already read configuration with `flags`.
    pub fn resolve(config: Config, flags: Flags) -> Result<Configuration, WorkspaceError> {
        let config_dir = config
            .source
            .as_ref()
            .and_then(|source| source.path.parent())
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let mut policy_dirs: Vec<PathBuf> =
            config.policies.iter().map(|p| config_dir.join(p)).collect();
        policy_dirs.extend(flags.policies.iter().cloned());
        let discover = resolve::discover_options(
            &config,
            &flags.include,
            &flags.exclude,
            flags.max_file_size,
            flags.display_base.clone(),
        )?;
        let limits = resolve::parse_limits(
            &config,
            flags.max_documents,
            flags.max_depth,
            flags.max_alias_nodes,
        );
        let kyverno = KyvernoOptions::resolve(&config, &config_dir, &flags)?;
        let fail_on = match flags.fail_on {
            Some(level) => level,
            None => match config.fail_on.as_deref().unwrap_or("error") {
                "never" => None,
                // Checked when the file was read.
                other => Some(Severity::parse(other).unwrap_or(Severity::Error)),
            },
        };
        let render = !flags.no_render && config.render.enabled.unwrap_or(true);
        let mut model = config.model.options();
        // Checked when the file was read.
        model.profile = config
            .profile
            .as_deref()
            .and_then(hubspoke_manifest::Profile::parse);
        Ok(Configuration {
            render,
            model,
            config,
            flags,
            discover,
            limits,
            policy_dirs,
            kyverno,
            fail_on,
        })
    }

    /// The configuration file in force, if any.
    pub fn config_path(&self) -> Option<&Path> {
        self.config
            .source
            .as_ref()
            .map(|source| source.path.as_path())
    }

    /// How to render: HUB006's `assume_defined` (ConfigMaps and Secrets created outside
    /// the repository) also satisfies the render's `substituteFrom` check.
    pub fn render_options(&self) -> hubspoke_render::RenderOptions {
        hubspoke_render::RenderOptions {
            // Checked when the file was read: every entry parses.
            assume_defined: self
                .config
                .assume_defined_entries()
                .into_iter()
                .filter_map(|(_, text)| hubspoke_render::AssumedObject::parse(text))
                .collect(),
            ..hubspoke_render::RenderOptions::default()
        }
    }

    /// Load the rules (bundled and the policy directories'), resolve what the configuration
    /// says of them, and compile the bytecode program they run on.
    pub fn load_rules(self) -> Result<Settings, WorkspaceError> {
        let rules = load_rules(&self.policy_dirs)?;
        Settings::new(self, rules)
    }
}

/// The bundled library plus the rules of every extra policy directory.
pub fn load_rules(policy_dirs: &[PathBuf]) -> Result<RuleSet, WorkspaceError> {
    let mut sources = bundled_sources();
    for dir in policy_dirs {
        sources.extend(load_policy_dir(dir).map_err(|error| WorkspaceError::Io {
            what: format!("cannot load policies from {}", dir.display()),
            source: std::io::Error::other(error),
        })?);
    }
    Ok(RuleSet::load(sources))
}

/// Metadata of every rule of a run, sorted by id: the rule set's Rego rules, the input,
/// policy-error and suppression rules, and schema validation's.
pub fn catalog(rules: &RuleSet) -> Vec<RuleMeta> {
    let mut all: Vec<RuleMeta> = rules.rules.iter().map(|r| r.meta.clone()).collect();
    all.extend(hubspoke_manifest::input_rules());
    all.push(hubspoke_engine::policy_error_rule());
    all.extend(crate::filter::suppression_rules());
    all.extend(hubspoke_schema::rules());
    all.extend(hubspoke_render::render_rules());
    all.sort_by(|a, b| a.id.cmp(&b.id));
    all
}

/// Everything a lint depends on besides the files: the configuration and the rules in force.
pub struct Settings {
    /// The configuration and flags.
    pub configuration: Configuration,
    /// The loaded rules (bundled plus the configuration's policy directories).
    pub rules: RuleSet,
    /// Metadata of every rule, built-in and schema ones included, sorted by id.
    pub catalog: Vec<RuleMeta>,
    /// Disabled rules, severity overrides, rule parameters, the time limit.
    pub options: EvalOptions,
    /// Per-path rule settings (`overrides:`), applied to findings.
    pub overrides: Vec<PathOverride>,
    /// Schema validation (the `schema:` section), `None` when every schema rule is off.
    pub schema: Option<SchemaOptions>,
    /// Suppression comments, annotations and configuration entries.
    pub suppress: SuppressOptions,
    /// Ids of the rules that run.
    pub active_rules: BTreeSet<String>,
    /// The rules' bytecode program, compiled once and shared by every evaluator.
    program: OnceLock<VmProgram>,
}

impl Settings {
    /// Resolve what `configuration` says of `rules`.
    pub fn new(configuration: Configuration, rules: RuleSet) -> Result<Settings, WorkspaceError> {
        let catalog = catalog(&rules);
        let config = &configuration.config;
        let flags = &configuration.flags;
        // The repository's own Kyverno rules are not known yet: `crate::dynamic` checks
        // what the configuration says of them once the files are read.
        let known = resolve::KnownRules::deferring(&catalog);
        let (mut options, overrides) = resolve::eval_options(config, known, flags.rule_timeout_ms)?;
        if !flags.only_rules.is_empty() {
            if let Some(unknown) = flags.only_rules.iter().find(|id| {
                !catalog.iter().any(|meta| meta.id == **id)
                    && !crate::dynamic::is_repository_rule_name(id)
            }) {
                usage!(
                    "--rule {unknown}: no rule has this id{}; `hubspoke-lint rules` lists them",
                    crate::did_you_mean_rule(unknown, &catalog)
                );
            }
            options.disabled.extend(
                rules
                    .rules
                    .iter()
                    .map(|r| r.meta.id.clone())
                    .filter(|id| !flags.only_rules.contains(id)),
            );
            // Naming a rule runs it, even one that is off by default.
            options.enabled.extend(flags.only_rules.iter().cloned());
        }
        let schema_flags = resolve::SchemaFlags {
            no_schema: flags.no_schema,
            strict: flags.strict,
            kubernetes_version: flags.kubernetes_version.as_deref(),
            unknown_schema: flags.unknown_schema,
            only_rules: &flags.only_rules,
        };
        let schema = resolve::schema_options(&schema_flags, config, &mut options)?;
        let active_rules: BTreeSet<String> = catalog
            .iter()
            .filter(|meta| options.is_active(meta))
            .map(|meta| meta.id.clone())
            .collect();
        options.collect_timings = flags.timings;
        let suppress =
            resolve::suppress_options(config, known, !flags.no_suppress, active_rules.clone())?;
        Ok(Settings {
            configuration,
            rules,
            catalog,
            options,
            overrides,
            schema,
            suppress,
            active_rules,
            program: OnceLock::new(),
        })
    }

    /// The bundled rules with no configuration: what `hubspoke-lint` does in a repository
    /// without `.hubspoke-lint.yaml`.
    pub fn bundled() -> Settings {
        let flags = Flags {
            no_config: true,
            ..Flags::default()
        };
        let configuration = Configuration::resolve(Config::default(), flags)
            .expect("the default configuration resolves");
        Settings::new(configuration, RuleSet::load(bundled_sources()))
            .expect("the bundled rules resolve without configuration")
    }

    /// Compile the rules' bytecode program now (else the first evaluator does).
    pub fn compile(&self) {
        self.program();
    }

    fn program(&self) -> &VmProgram {
        self.program
            .get_or_init(|| VmProgram::compile(&self.rules, &self.options))
    }

    /// An evaluator of these rules and options, sharing the compiled program.
    pub fn evaluator(&self) -> Evaluator<'_> {
        Evaluator::with_program(&self.rules, self.options.clone(), self.program().clone())
    }

    /// Metadata of the rule `id`.
    pub fn rule(&self, id: &str) -> Option<&RuleMeta> {
        self.catalog.iter().find(|meta| meta.id == id)
    }

    /// Whether a file at `relative` (to the workspace root) is linted: it matches an include
    /// glob and neither it nor a directory above it matches an exclude glob — the rules
    /// discovery applies.
    pub fn wants(&self, relative: &Path) -> bool {
        let discover = &self.configuration.discover;
        if !discover.include.is_match(relative) {
            return false;
        }
        !relative
            .ancestors()
            .filter(|p| !p.as_os_str().is_empty())
            .any(|p| discover.exclude.is_match(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excluded_directories_exclude_their_files() {
        let mut settings = Settings::bundled();
        settings.configuration.discover.exclude =
            hubspoke_manifest::glob_set(&["vendor".to_owned()]).expect("glob");
        assert!(settings.wants(Path::new("apps/web.yaml")));
        assert!(!settings.wants(Path::new("apps/vendor/web.yaml")));
        assert!(!settings.wants(Path::new("apps/web.json")));
    }

    #[test]
    fn the_catalog_holds_every_kind_of_rule_once() {
        let settings = Settings::bundled();
        let ids: Vec<&str> = settings.catalog.iter().map(|m| m.id.as_str()).collect();
        for id in [
            "PSS001",
            "parse-error",
            "policy-error",
            "suppression-unused",
            "schema/invalid",
        ] {
            assert!(ids.contains(&id), "{id}");
        }
        let unique: BTreeSet<&str> = ids.iter().copied().collect();
        assert_eq!(unique.len(), ids.len());
    }
}
