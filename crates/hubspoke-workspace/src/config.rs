//! `.hubspoke-lint.yaml`: the configuration file, read with our own YAML parser
//! so that errors point at the line and column of the bad key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hubspoke_diagnostics::{FieldPath, Severity};
use hubspoke_manifest::yaml::NodeValue;
use hubspoke_manifest::{parse_text, ParseLimits, ParsedFile, PathSegment, Region};
use serde::Deserialize;

use crate::error::WorkspaceError;

/// The file name looked for at the root of the first linted path.
pub const CONFIG_FILE_NAME: &str = ".hubspoke-lint.yaml";

/// The configuration file. Every field is optional; flags win over it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Globs of files to lint (replaces the default `**/*.yaml`, `**/*.yml`).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub include: Vec<String>,
    /// Globs of files and directories to skip.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub exclude: Vec<String>,
    /// Exit 1 on findings at or above: error, warning, note, never.
    pub fail_on: Option<String>,
    /// Skip files larger than this many bytes.
    pub max_file_size: Option<u64>,
    /// Directories of extra Rego policies, relative to the config file.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub policies: Vec<PathBuf>,
    /// Per-rule settings, by rule id or tag (an id wins over a tag).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub rules: BTreeMap<String, RuleConfig>,
    /// Rule settings for the files some globs match; a later entry wins over an earlier one.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub overrides: Vec<OverrideConfig>,
    /// How the repository model reads the layout.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub model: ModelConfig,
    /// Limits that protect the run from hostile input.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub limits: LimitsConfig,
    /// Suppressions: rule, path glob, reason and an optional expiry date.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub suppressions: Vec<SuppressionConfig>,
    /// Schema validation settings (flags win).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub schema: SchemaConfig,
    /// Rendering what each cluster receives (kustomize and Flux) before judging it.
    #[serde(default)]
    pub render: RenderConfig,
    /// The repository's profile: hub-spoke, multi-tenant or single-tenant; detected from
    /// the repository model when not set.
    pub profile: Option<String>,
    /// The repository's own Kyverno policies, run beside the bundled rules.
    #[serde(default)]
    pub kyverno: KyvernoConfig,
    /// The file this configuration was read from (`None` for the defaults), to point at settings.
    #[serde(skip)]
    pub source: Option<ConfigSource>,
}

/// A section written with nothing under it (`rules:` whose entries are all commented out, as
/// `hubspoke-lint init` writes them) is YAML null: read it as empty, not as a type error.
fn null_as_empty<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// One entry of `overrides:`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverrideConfig {
    /// Globs over file paths, relative to the config file's directory.
    pub files: Vec<String>,
    /// Settings by rule id or tag.
    #[serde(default)]
    pub rules: BTreeMap<String, OverrideRuleConfig>,
}

/// What an override sets for a rule (or the rules of a tag).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverrideRuleConfig {
    /// `false`: no findings of the rule on these files; `true`: findings although `rules:` turns it off.
    pub enabled: Option<bool>,
    /// Severity of the rule's findings on these files: error, warning, note.
    pub severity: Option<String>,
}

/// The config file as read: its path and parsed tree, to locate any setting.
#[derive(Debug)]
pub struct ConfigSource {
    /// The path it was read from, as given.
    pub path: PathBuf,
    parsed: ParsedFile,
}

/// A path to a setting: `&[key("rules"), key("PSS001"), key("severity")]`.
pub type SettingPath = [PathSegment];

/// A mapping key of a [`SettingPath`].
pub fn key(name: &str) -> PathSegment {
    PathSegment::Key(name.to_owned())
}

impl Config {
    /// HUB006's `assume_defined` entries as written, each with its index in the list (none
    /// for a bare string, a list of one). The render stage reads them too; an entry of
    /// another type is reported with the rules' parameters and is not among them.
    pub(crate) fn assume_defined_entries(&self) -> Vec<(Option<usize>, &str)> {
        let assumed = self
            .rules
            .get("HUB006")
            .and_then(|rule| rule.params.as_ref())
            .and_then(|params| params.get("assume_defined"));
        match assumed {
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| Some((Some(i), item.as_str()?)))
                .collect(),
            Some(serde_json::Value::String(text)) => vec![(None, text.as_str())],
            _ => Vec::new(),
        }
    }
}

impl ConfigSource {
    /// Where the setting at `path` is written: its key for a mapping entry, the item for a
    /// sequence entry; the deepest part of the path that exists when the rest does not.
    pub fn region(&self, path: &SettingPath) -> Option<Region> {
        let root = &self.parsed.documents.first()?.root;
        let mut node = root;
        let mut span = root.span;
        for segment in path {
            let next = match (segment, &node.value) {
                (PathSegment::Key(name), NodeValue::Map(_)) => {
                    node.get_entry(name).map(|(k, v)| (k.span, v))
                }
                (PathSegment::Index(i), NodeValue::Seq(items)) => {
                    items.get(*i).map(|item| (item.span, item))
                }
                _ => None,
            };
            let Some((at, child)) = next else { break };
            span = at;
            node = child;
        }
        Some(self.parsed.source.region(span))
    }

    /// The path as findings show it (without a leading `./`).
    pub fn display(&self) -> String {
        let path = self.path.display().to_string();
        match path.strip_prefix("./") {
            Some(rest) => rest.to_owned(),
            None => path,
        }
    }

    /// `file:line:col` of the setting at `path`, to start an error message with.
    pub fn at(&self, path: &SettingPath) -> String {
        let file = self.display();
        match self.region(path) {
            Some(r) => format!("{file}:{}:{}", r.start.line, r.start.column),
            None => file.to_string(),
        }
    }

    /// The error of the setting at `path`: `file:line:col: <message>`.
    pub fn error(&self, path: &SettingPath, message: impl std::fmt::Display) -> WorkspaceError {
        WorkspaceError::Setting {
            file: self.path.clone(),
            position: self.region(path).map(|r| (r.start.line, r.start.column)),
            message: format!("{}: {message}", self.at(path)),
        }
    }
}

/// `rules.PSS001.severity`, `suppressions[0].until`: a setting path as users write it.
pub fn dotted(path: &SettingPath) -> String {
    FieldPath::from(path).to_string()
}

/// `schema:` in the configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SchemaConfig {
    /// Report fields the schema does not define.
    pub strict: Option<bool>,
    /// Kubernetes version of the embedded schemas (`1.33`, `1.37.0`).
    pub kubernetes_version: Option<String>,
    /// off, note or warning (YAML 1.1 reads a bare `off` as `false`, which is accepted too).
    pub unknown_schema: Option<serde_json::Value>,
}

impl SchemaConfig {
    /// `unknown-schema` as text: `off`, `note`, `warning`, or what was written.
    pub fn unknown_schema_text(&self) -> Option<String> {
        match self.unknown_schema.as_ref()? {
            serde_json::Value::Bool(false) => Some("off".to_owned()),
            serde_json::Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }
    }
}

/// `render:` in the configuration file (`--no-render` wins).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RenderConfig {
    /// `false`: judge every file as written, as without rendering (default `true`).
    pub enabled: Option<bool>,
}

/// `kyverno:`: the repository's own Kyverno policies (`kyverno.io` `ClusterPolicy` and
/// `Policy`), found among the linted files and run offline beside the bundled rules.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KyvernoConfig {
    /// `false` turns the stage off: no policy is read or run (`--no-kyverno` does the same).
    pub enabled: Option<bool>,
    /// More policy files or directories, relative to this file (`--kyverno-policy` adds to
    /// them); their policies apply to every linted object.
    #[serde(default)]
    pub policies: Vec<PathBuf>,
}

/// `model:`: where clusters live, where their labels are declared, and which Secrets are
/// created outside the repository.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ModelConfig {
    /// Directory whose sub-directories are clusters (default `clusters`).
    pub clusters_dir: Option<String>,
    /// Names of ConfigMaps holding a cluster's labels (default cluster-labels, cluster-config, cluster-info).
    pub cluster_label_configmaps: Option<Vec<String>>,
    /// Secrets created outside the repository (a bootstrap script, by hand): references to
    /// them are satisfied.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub external_secrets: Vec<ExternalSecretConfig>,
    /// Kinds whose objects make a Secret or ConfigMap (an operator the built-in table does
    /// not know): references to what they make are satisfied.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub producers: Vec<ProducerConfig>,
}

/// One entry of `model.producers`.
#[derive(Debug, Default, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    expecting = "a mapping with `kind` (`group/Kind`), `produces` and optionally `name-field`"
)]
pub struct ProducerConfig {
    /// The producing kind, `group/Kind` (`Kind` alone for the core group).
    pub kind: String,
    /// What its objects make: `Secret` or `ConfigMap`.
    pub produces: String,
    /// Dotted key path in the producer to the made object's name (`spec.target.name`);
    /// without it, or when the producer leaves it out, the producer's own name.
    pub name_field: Option<String>,
}

impl ProducerConfig {
    /// The model's producer, or why this entry is not one.
    fn producer(&self) -> Result<hubspoke_manifest::ObjectProducer, String> {
        let (group, kind) = self.kind.rsplit_once('/').unwrap_or(("", &self.kind));
        if kind.trim().is_empty() || self.kind.trim() != self.kind {
            return Err(format!("kind `{}` is not `group/Kind`", self.kind));
        }
        if !matches!(self.produces.as_str(), "Secret" | "ConfigMap") {
            return Err(format!(
                "produces `{}` is not Secret or ConfigMap",
                self.produces
            ));
        }
        let name_field: Vec<String> = match &self.name_field {
            Some(field) => field.split('.').map(str::to_owned).collect(),
            None => Vec::new(),
        };
        if name_field.iter().any(String::is_empty) {
            return Err(format!(
                "name-field `{}` is not a dotted key path",
                self.name_field.as_deref().unwrap_or_default()
            ));
        }
        Ok(hubspoke_manifest::ObjectProducer {
            group: group.to_owned(),
            kind: kind.to_owned(),
            produces: self.produces.clone(),
            name_field,
        })
    }
}

/// One entry of `model.external-secrets`.
#[derive(Debug, Default, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `name`, `reason` and optionally `namespace`"
)]
pub struct ExternalSecretConfig {
    /// The Secret's name.
    pub name: String,
    /// Its namespace; without one, a Secret of that name in any namespace.
    pub namespace: Option<String>,
    /// Why it is not in the repository (required: the configuration is reviewed like code).
    pub reason: String,
}

impl ModelConfig {
    /// The model options this configuration asks for.
    pub fn options(&self) -> hubspoke_manifest::ModelOptions {
        let mut options = hubspoke_manifest::ModelOptions::default();
        if let Some(dir) = &self.clusters_dir {
            options.clusters_dir = dir.trim_matches('/').to_owned();
        }
        if let Some(names) = &self.cluster_label_configmaps {
            options.cluster_label_configmaps = names.clone();
        }
        options.external_secrets = self
            .external_secrets
            .iter()
            .map(|secret| hubspoke_manifest::DeclaredExternalSecret {
                name: secret.name.clone(),
                namespace: secret.namespace.clone(),
                reason: secret.reason.clone(),
            })
            .collect();
        // Entries that are not producers were refused when the file was loaded.
        options
            .producers
            .extend(self.producers.iter().filter_map(|p| p.producer().ok()));
        options
    }
}

/// `limits:` (flags of the same name win).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LimitsConfig {
    /// Documents per file.
    pub max_documents: Option<usize>,
    /// Nesting depth.
    pub max_depth: Option<usize>,
    /// Nodes aliases may expand to, per file.
    pub max_alias_nodes: Option<usize>,
    /// Milliseconds one rule may run on one document.
    pub rule_timeout_ms: Option<u64>,
}

/// One configured suppression.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuppressionConfig {
    /// Rule id.
    pub rule: String,
    /// Glob over the paths findings are reported at.
    pub path: String,
    /// Why the finding is acceptable (required; a missing reason is itself a finding).
    pub reason: Option<String>,
    /// Last day the suppression applies, `YYYY-MM-DD`.
    pub until: Option<String>,
}

/// Settings of one rule.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    /// `false` turns the rule off.
    pub enabled: Option<bool>,
    /// Replaces the rule's default severity: error, warning, note.
    pub severity: Option<String>,
    /// Rule parameters, visible to Rego as `data.hubspoke.config.params[<id>]`.
    pub params: Option<serde_json::Value>,
    /// `false`: suppressions of this rule are refused (and reported).
    pub suppressible: Option<bool>,
}

/// Find the config file: the explicit one, else the nearest `.hubspoke-lint.yaml` in the first
/// linted directory or, inside a git repository, one of its parents up to the repository root,
/// so that linting one file or directory of a repository uses the repository's configuration.
pub fn locate(explicit: Option<&Path>, paths: &[PathBuf]) -> Option<PathBuf> {
    if let Some(path) = explicit {
        return Some(path.to_path_buf());
    }
    let first = paths
        .first()
        .map_or_else(|| PathBuf::from("."), Clone::clone);
    let start = if first.is_dir() {
        first
    } else {
        match first.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        }
    };
    let candidate = start.join(CONFIG_FILE_NAME);
    if candidate.is_file() {
        return Some(candidate);
    }
    // Above the starting directory, report the file relative to the working directory (as
    // linted paths are), so that no absolute path of the machine reaches the output.
    let canonical = start.canonicalize().ok()?;
    let cwd = std::env::current_dir().and_then(|d| d.canonicalize()).ok();
    // Only inside a repository: outside one, a stray file in a parent directory (say in
    // /tmp) must not silently change what is linted.
    let repository = canonical
        .ancestors()
        .find(|dir| dir.join(".git").exists())?;
    let found = canonical
        .ancestors()
        .skip(1)
        .take_while(|dir| dir.starts_with(repository))
        .map(|dir| dir.join(CONFIG_FILE_NAME))
        .find(|candidate| candidate.is_file())?;
    let relative = cwd
        .as_deref()
        .and_then(|cwd| found.strip_prefix(cwd).ok())
        .map(Path::to_path_buf);
    Some(relative.unwrap_or(found))
}

/// Read and validate a config file; errors name the file, line and column.
pub fn load(path: &Path) -> Result<Config, WorkspaceError> {
    let text = std::fs::read_to_string(path).map_err(|source| WorkspaceError::Io {
        what: format!("cannot read config file {}", path.display()),
        source,
    })?;
    let display = path.display().to_string();
    let parsed = parse_text(&display, &display, text, ParseLimits::default());
    if let Some(problem) = parsed
        .problems
        .iter()
        .find(|p| p.code != hubspoke_manifest::ProblemCode::EmptyFile)
    {
        let position = problem.region.map(|r| (r.start.line, r.start.column));
        let at = position
            .map(|(line, column)| format!(":{line}:{column}"))
            .unwrap_or_default();
        return Err(WorkspaceError::Setting {
            file: path.to_path_buf(),
            position,
            message: format!("{display}{at}: {}", problem.message),
        });
    }
    let json = match parsed.documents.first() {
        Some(document) if !matches!(document.root.value, NodeValue::Null) => {
            Some(document.root.to_json())
        }
        _ => None,
    };
    let source = ConfigSource {
        path: path.to_path_buf(),
        parsed,
    };
    let Some(json) = json else {
        return Ok(Config {
            source: Some(source),
            ..Config::default()
        });
    };
    let mut config: Config = serde_path_to_error::deserialize(json).map_err(|error| {
        let message = error.inner().to_string();
        let mut at: Vec<PathSegment> = error
            .path()
            .iter()
            .filter_map(|segment| match segment {
                serde_path_to_error::Segment::Seq { index } => Some(PathSegment::Index(*index)),
                serde_path_to_error::Segment::Map { key } => Some(PathSegment::Key(key.clone())),
                serde_path_to_error::Segment::Enum { variant } => {
                    Some(PathSegment::Key(variant.clone()))
                }
                serde_path_to_error::Segment::Unknown => None,
            })
            .collect();
        // An unknown key is reported at itself, which serde names only in the message.
        if let Some(unknown) = message
            .strip_prefix("unknown field `")
            .and_then(|rest| rest.split('`').next())
        {
            if at.last() != Some(&key(unknown)) {
                at.push(key(unknown));
            }
        }
        let setting = dotted(&at);
        let setting = if setting.is_empty() {
            String::new()
        } else {
            format!("{setting}: ")
        };
        source.error(&at, format!("invalid configuration: {setting}{message}"))
    })?;
    validate(&config, &source)?;
    config.source = Some(source);
    Ok(config)
}

/// Checks serde cannot make: values from a fixed set, globs, dates, Kubernetes versions.
fn validate(config: &Config, source: &ConfigSource) -> Result<(), WorkspaceError> {
    let severity = |value: &Option<String>, path: &[PathSegment]| -> Result<(), WorkspaceError> {
        if let Some(severity) = value {
            if Severity::parse(severity).is_none() {
                return Err(source.error(
                    path,
                    format!(
                        "{}: severity `{severity}` is not error, warning or note",
                        dotted(&path[..path.len() - 1])
                    ),
                ));
            }
        }
        Ok(())
    };
    let glob = |pattern: &str, path: &[PathSegment]| -> Result<(), WorkspaceError> {
        if let Err(error) = globset::Glob::new(pattern) {
            return Err(source.error(
                path,
                format!(
                    "{}: `{pattern}` is not a valid glob: {}",
                    dotted(path),
                    error.kind()
                ),
            ));
        }
        Ok(())
    };
    for (name, list) in [("include", &config.include), ("exclude", &config.exclude)] {
        for (i, pattern) in list.iter().enumerate() {
            glob(pattern, &[key(name), PathSegment::Index(i)])?;
        }
    }
    if let Some(profile) = &config.profile {
        if hubspoke_manifest::Profile::parse(profile).is_none() {
            return Err(source.error(
                &[key("profile")],
                format!(
                    "profile: `{profile}` is not {}",
                    hubspoke_diagnostics::PROFILES.join(", ")
                ),
            ));
        }
    }
    for (id, rule) in &config.rules {
        severity(&rule.severity, &[key("rules"), key(id), key("severity")])?;
    }
    for (i, entry) in config.overrides.iter().enumerate() {
        let at = |rest: &[PathSegment]| {
            let mut path = vec![key("overrides"), PathSegment::Index(i)];
            path.extend_from_slice(rest);
            path
        };
        if entry.files.is_empty() {
            return Err(source.error(
                &at(&[key("files")]),
                format!("overrides[{i}].files is empty: name the files the entry applies to"),
            ));
        }
        for (j, pattern) in entry.files.iter().enumerate() {
            glob(pattern, &at(&[key("files"), PathSegment::Index(j)]))?;
        }
        for (id, rule) in &entry.rules {
            severity(
                &rule.severity,
                &at(&[key("rules"), key(id), key("severity")]),
            )?;
        }
    }
    for (i, suppression) in config.suppressions.iter().enumerate() {
        let at = |name: &str| vec![key("suppressions"), PathSegment::Index(i), key(name)];
        glob(&suppression.path, &at("path"))?;
        if let Some(until) = &suppression.until {
            if !is_calendar_date(until) {
                return Err(source.error(
                    &at("until"),
                    format!(
                        "suppression of {}: until `{until}` is not a YYYY-MM-DD date",
                        suppression.rule
                    ),
                ));
            }
        }
    }
    let config_dir = source.path.parent().unwrap_or(Path::new(""));
    for (i, policy) in config.kyverno.policies.iter().enumerate() {
        let path = config_dir.join(policy);
        if !path.exists() {
            return Err(source.error(
                &[key("kyverno"), key("policies"), PathSegment::Index(i)],
                format!(
                    "kyverno.policies[{i}]: {} does not exist (paths are relative to this file)",
                    path.display()
                ),
            ));
        }
    }
    for (i, secret) in config.model.external_secrets.iter().enumerate() {
        let at = |name: &str| {
            vec![
                key("model"),
                key("external-secrets"),
                PathSegment::Index(i),
                key(name),
            ]
        };
        for (field, value) in [
            ("name", Some(&secret.name)),
            ("namespace", secret.namespace.as_ref()),
            ("reason", Some(&secret.reason)),
        ] {
            if value.is_some_and(|v| v.trim().is_empty()) {
                return Err(source.error(
                    &at(field),
                    format!("model.external-secrets[{i}].{field} is empty"),
                ));
            }
        }
    }
    // HUB006's `assume_defined` is also read by the render stage: an entry it cannot read
    // would be ignored silently by both.
    for (index, text) in config.assume_defined_entries() {
        if hubspoke_render::AssumedObject::parse(text).is_none() {
            let mut path = vec![
                key("rules"),
                key("HUB006"),
                key("params"),
                key("assume_defined"),
            ];
            path.extend(index.map(PathSegment::Index));
            let shown = index.map(|i| format!("[{i}]")).unwrap_or_default();
            return Err(source.error(
                &path,
                format!(
                    "rules.HUB006.params.assume_defined{shown}: `{text}` is not `ConfigMap/namespace/name` or `Secret/namespace/name`"
                ),
            ));
        }
    }
    for (i, producer) in config.model.producers.iter().enumerate() {
        if let Err(why) = producer.producer() {
            return Err(source.error(
                &[key("model"), key("producers"), PathSegment::Index(i)],
                format!("model.producers[{i}]: {why}"),
            ));
        }
    }
    if let Some(fail_on) = &config.fail_on {
        if !matches!(fail_on.as_str(), "error" | "warning" | "note" | "never") {
            return Err(source.error(
                &[key("fail-on")],
                format!("fail-on `{fail_on}` is not error, warning, note or never"),
            ));
        }
    }
    if let Some(level) = config.schema.unknown_schema_text() {
        if hubspoke_schema::UnknownSchema::parse(&level).is_none() {
            return Err(source.error(
                &[key("schema"), key("unknown-schema")],
                format!("schema.unknown-schema `{level}` is not off, note or warning"),
            ));
        }
    }
    if let Some(version) = &config.schema.kubernetes_version {
        if let Err(message) = hubspoke_schema::resolve_kubernetes_version(version) {
            return Err(source.error(
                &[key("schema"), key("kubernetes-version")],
                format!("schema.kubernetes-version: {message}"),
            ));
        }
    }
    Ok(())
}

/// `YYYY-MM-DD` naming a day that exists (2024-02-29 does, 2023-02-29 and 2099-13-45 do not).
fn is_calendar_date(text: &str) -> bool {
    let shape = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shape {
        return false;
    }
    let number = |range: std::ops::Range<usize>| text[range].parse::<u32>().unwrap_or(0);
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Result<Config, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let path = dir.path().join(CONFIG_FILE_NAME);
        std::fs::write(&path, text).map_err(|e| e.to_string())?;
        load(&path).map_err(|e| e.to_string().replace(&path.display().to_string(), "CONFIG"))
    }

    #[test]
    fn unknown_keys_are_errors_with_a_position() {
        let error = load_text(
            "exclude: [a]\nrules:\n  PSS001:\n    enabled: false\n    severty: warning\n",
        )
        .expect_err("unknown key");
        assert_eq!(
            error.to_string(),
            "CONFIG:5:5: invalid configuration: rules.PSS001.severty: unknown field `severty`, expected one of `enabled`, `severity`, `params`, `suppressible`"
        );
    }

    #[test]
    fn bad_severity_is_an_error() {
        let error =
            load_text("rules:\n  PSS001:\n    severity: fatal\n").expect_err("bad severity");
        assert_eq!(
            error.to_string(),
            "CONFIG:3:5: rules.PSS001: severity `fatal` is not error, warning or note"
        );
    }

    fn error_of(text: &str) -> String {
        load_text(text).expect_err("invalid config").to_string()
    }

    #[test]
    fn type_errors_point_at_their_setting() {
        assert_eq!(
            error_of("exclude: [a]\nfail-on: 3\n"),
            "CONFIG:2:1: invalid configuration: fail-on: invalid type: integer `3`, expected a string"
        );
        assert_eq!(
            error_of("max-file-size: big\n"),
            "CONFIG:1:1: invalid configuration: max-file-size: invalid type: string \"big\", expected u64"
        );
        assert_eq!(
            error_of("include: \"x\"\n"),
            "CONFIG:1:1: invalid configuration: include: invalid type: string \"x\", expected a sequence"
        );
        // The second of two rules with the same key: located by its full path.
        assert_eq!(
            error_of("rules:\n  BP001:\n    enabled: true\n  BP002:\n    enabled: maybe\n"),
            "CONFIG:5:5: invalid configuration: rules.BP002.enabled: invalid type: string \"maybe\", expected a boolean"
        );
        assert_eq!(
            error_of("suppressions:\n  - {rule: BP002, path: a}\n  - {rule: BP002, path: b, until: 20990101}\n"),
            "CONFIG:3:28: invalid configuration: suppressions[1].until: invalid type: integer `20990101`, expected a string"
        );
        assert_eq!(
            error_of("overrides:\n  - rules: {BP002: {enabled: false}}\n"),
            "CONFIG:2:5: invalid configuration: overrides[0]: missing field `files`"
        );
    }

    #[test]
    fn severities_are_located_by_their_rule() {
        assert_eq!(
            error_of("rules:\n  BP001:\n    severity: warning\n  BP002:\n    severity: fatal\n"),
            "CONFIG:5:5: rules.BP002: severity `fatal` is not error, warning or note"
        );
        assert_eq!(
            error_of("overrides:\n  - files: [a/**]\n    rules:\n      BP002: {severity: loud}\n"),
            "CONFIG:4:15: overrides[0].rules.BP002: severity `loud` is not error, warning or note"
        );
    }

    #[test]
    fn invalid_globs_are_errors_with_a_position() {
        assert_eq!(
            error_of("include: ['**/*.yaml', 'a/[b']\n"),
            "CONFIG:1:24: include[1]: `a/[b` is not a valid glob: unclosed character class; missing ']'"
        );
        assert_eq!(
            error_of("exclude:\n  - 'a/{b'\n"),
            "CONFIG:2:5: exclude[0]: `a/{b` is not a valid glob: unclosed alternate group; missing '}' (maybe escape '{' with '[{]'?)"
        );
        assert_eq!(
            error_of("suppressions:\n  - rule: BP002\n    path: 'x/[a'\n    reason: r\n"),
            "CONFIG:3:5: suppressions[0].path: `x/[a` is not a valid glob: unclosed character class; missing ']'"
        );
        assert_eq!(
            error_of("overrides:\n  - files: [ok/**, 'bad/[']\n    rules: {BP002: {enabled: false}}\n"),
            "CONFIG:2:20: overrides[0].files[1]: `bad/[` is not a valid glob: unclosed character class; missing ']'"
        );
        assert_eq!(
            error_of("overrides:\n  - files: []\n"),
            "CONFIG:2:5: overrides[0].files is empty: name the files the entry applies to"
        );
    }

    #[test]
    fn until_must_be_a_real_date() {
        for bad in [
            "2099-13-45",
            "2023-02-29",
            "2026-04-31",
            "2026-1-01",
            "tomorrow",
        ] {
            assert_eq!(
                error_of(&format!(
                    "suppressions:\n  - {{rule: BP002, path: a, reason: r, until: \"{bad}\"}}\n"
                )),
                format!(
                    "CONFIG:2:39: suppression of BP002: until `{bad}` is not a YYYY-MM-DD date"
                )
            );
        }
        for good in ["2024-02-29", "2000-02-29", "2026-12-31"] {
            assert!(is_calendar_date(good), "{good}");
        }
        assert!(!is_calendar_date("1900-02-29"));
    }

    #[test]
    fn external_secrets_load_and_are_checked_at_their_line() {
        let config = load_text(
            "model:\n  external-secrets:\n    - {name: edge-kubeconfig, namespace: flux-system, reason: bootstrap.sh}\n    - name: lab-kubeconfig\n      reason: created by hand\n",
        )
        .expect("valid");
        let options = config.model.options();
        assert_eq!(
            options.external_secrets,
            [
                hubspoke_manifest::DeclaredExternalSecret {
                    name: "edge-kubeconfig".to_owned(),
                    namespace: Some("flux-system".to_owned()),
                    reason: "bootstrap.sh".to_owned(),
                },
                hubspoke_manifest::DeclaredExternalSecret {
                    name: "lab-kubeconfig".to_owned(),
                    namespace: None,
                    reason: "created by hand".to_owned(),
                },
            ]
        );
        assert_eq!(
            error_of("model:\n  external-secrets:\n    - {name: a, reason: r}\n    - name: b\n"),
            "CONFIG:4:7: invalid configuration: model.external-secrets[1]: missing field `reason`"
        );
        assert_eq!(
            error_of("model:\n  external-secrets:\n    - {name: a, reason: r, why: w}\n"),
            "CONFIG:3:28: invalid configuration: model.external-secrets[0].why: unknown field `why`, expected one of `name`, `namespace`, `reason`"
        );
        assert_eq!(
            error_of("model:\n  external-secrets:\n    - {name: a, reason: ' '}\n"),
            "CONFIG:3:17: model.external-secrets[0].reason is empty"
        );
        assert_eq!(
            error_of("model:\n  external-secrets: edge-kubeconfig\n"),
            "CONFIG:2:3: invalid configuration: model.external-secrets: invalid type: string \"edge-kubeconfig\", expected a sequence"
        );
        assert_eq!(
            error_of("model:\n  external-secrets:\n    - edge-kubeconfig\n"),
            "CONFIG:3:7: invalid configuration: model.external-secrets[0]: invalid type: string \"edge-kubeconfig\", expected a mapping with `name`, `reason` and optionally `namespace`"
        );
    }

    #[test]
    fn producers_extend_the_built_in_table_and_are_checked_at_their_line() {
        let config = load_text(
            "model:\n  producers:\n    - {kind: secretgen.example.com/Password, produces: Secret, name-field: spec.secretName}\n    - {kind: Settings, produces: ConfigMap}\n",
        )
        .expect("valid");
        let producers = config.model.options().producers;
        let builtin = hubspoke_manifest::builtin_producers();
        assert_eq!(producers[..builtin.len()], builtin[..]);
        assert_eq!(
            producers[builtin.len()..],
            [
                hubspoke_manifest::ObjectProducer {
                    group: "secretgen.example.com".to_owned(),
                    kind: "Password".to_owned(),
                    produces: "Secret".to_owned(),
                    name_field: vec!["spec".to_owned(), "secretName".to_owned()],
                },
                hubspoke_manifest::ObjectProducer {
                    group: String::new(),
                    kind: "Settings".to_owned(),
                    produces: "ConfigMap".to_owned(),
                    name_field: Vec::new(),
                },
            ]
        );
        assert_eq!(
            error_of("model:\n  producers:\n    - {kind: x.io/Y, produces: Deployment}\n"),
            "CONFIG:3:7: model.producers[0]: produces `Deployment` is not Secret or ConfigMap"
        );
        assert_eq!(
            error_of("model:\n  producers:\n    - {kind: x.io/, produces: Secret}\n"),
            "CONFIG:3:7: model.producers[0]: kind `x.io/` is not `group/Kind`"
        );
        assert_eq!(
            error_of("model:\n  producers:\n    - {kind: x.io/Y, produces: Secret, name-field: spec..name}\n"),
            "CONFIG:3:7: model.producers[0]: name-field `spec..name` is not a dotted key path"
        );
        assert_eq!(
            error_of("model:\n  producers:\n    - {kind: x.io/Y}\n"),
            "CONFIG:3:7: invalid configuration: model.producers[0]: missing field `produces`"
        );
    }

    #[test]
    fn sections_with_everything_commented_out_are_empty() {
        let config = load_text(
            "include:\nexclude:\npolicies:\nrules:\n  # BP006: {enabled: false}\noverrides:\nsuppressions:\nmodel:\n  external-secrets:\nlimits:\nschema:\n",
        )
        .expect("valid");
        assert!(config.include.is_empty() && config.exclude.is_empty());
        assert!(config.policies.is_empty() && config.rules.is_empty());
        assert!(config.overrides.is_empty() && config.suppressions.is_empty());
        assert!(config.model.external_secrets.is_empty());
        assert_eq!(config.limits.max_depth, None);
        // Anything else that is not a mapping is still an error at its line.
        assert_eq!(
            error_of("exclude: []\nrules: BP006\n"),
            "CONFIG:2:1: invalid configuration: rules: invalid type: string \"BP006\", expected a map"
        );
    }

    #[test]
    fn fail_on_is_located() {
        assert_eq!(
            error_of("exclude: []\nfail-on: sometimes\n"),
            "CONFIG:2:1: fail-on `sometimes` is not error, warning, note or never"
        );
    }

    #[test]
    fn settings_are_located_by_path() {
        let config = load_text("rules:\n  BP001: {severity: note}\nsuppressions:\n  - rule: BP002\n    path: a\n  - {rule: PSS003, path: b}\n").expect("valid");
        let source = config.source.as_ref().expect("read from a file");
        let at = |path: &[PathSegment]| source.region(path).map(|r| (r.start.line, r.start.column));
        assert_eq!(
            at(&[key("suppressions"), PathSegment::Index(0)]),
            Some((4, 5))
        );
        assert_eq!(
            at(&[key("suppressions"), PathSegment::Index(1)]),
            Some((6, 5))
        );
        assert_eq!(
            at(&[key("rules"), key("BP001"), key("severity")]),
            Some((2, 11))
        );
        // A missing part: the deepest existing one.
        assert_eq!(at(&[key("rules"), key("BP009")]), Some((1, 1)));
    }

    #[test]
    fn a_full_config_loads() {
        let config = load_text("include: ['**/*.yaml']\nfail-on: warning\nrules:\n  BP010:\n    params: {registries: [ghcr.io/]}\n").expect("valid");
        assert_eq!(config.fail_on.as_deref(), Some("warning"));
        assert!(config.rules["BP010"].params.is_some());
    }

    #[test]
    fn schema_settings_load_and_are_checked() {
        let config = load_text(
            "schema:\n  strict: true\n  kubernetes-version: '1.33'\n  unknown-schema: off\n",
        )
        .expect("valid");
        assert_eq!(config.schema.strict, Some(true));
        assert_eq!(config.schema.unknown_schema_text().as_deref(), Some("off"));
        let error = load_text("schema:\n  unknown-schema: loud\n").expect_err("bad level");
        assert_eq!(
            error.to_string(),
            "CONFIG:2:3: schema.unknown-schema `loud` is not off, note or warning"
        );
        let error = load_text("schema:\n  kubernetes-version: '1.12'\n").expect_err("bad version");
        assert!(error.to_string().starts_with("CONFIG:2:3: schema.kubernetes-version: Kubernetes version `1.12` has no embedded schemas; shipped versions: 1.25.0,"), "{error}");
        let error = load_text("schema:\n  strickt: true\n").expect_err("unknown key");
        assert_eq!(
            error.to_string(),
            "CONFIG:2:3: invalid configuration: schema.strickt: unknown field `strickt`, expected one of `strict`, `kubernetes-version`, `unknown-schema`"
        );
    }
}
