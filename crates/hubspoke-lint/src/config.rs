//! `.hubspoke-lint.yaml`: the configuration file, read with our own YAML parser
//! so that errors point at the line and column of the bad key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use hubspoke_manifest::yaml::{Node, NodeValue};
use hubspoke_manifest::{parse_text, ParseLimits, ParsedFile};
use serde::Deserialize;

/// The file name looked for at the root of the first linted path.
pub const CONFIG_FILE_NAME: &str = ".hubspoke-lint.yaml";

/// The configuration file. Every field is optional; flags win over it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Globs of files to lint (replaces the default `**/*.yaml`, `**/*.yml`).
    #[serde(default)]
    pub include: Vec<String>,
    /// Globs of files and directories to skip.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Exit 1 on findings at or above: error, warning, note, never.
    pub fail_on: Option<String>,
    /// Skip files larger than this many bytes.
    pub max_file_size: Option<u64>,
    /// Directories of extra Rego policies, relative to the config file.
    #[serde(default)]
    pub policies: Vec<PathBuf>,
    /// Per-rule settings, by rule id.
    #[serde(default)]
    pub rules: BTreeMap<String, RuleConfig>,
    /// How the repository model reads the layout.
    #[serde(default)]
    pub model: ModelConfig,
    /// Limits that protect the run from hostile input.
    #[serde(default)]
    pub limits: LimitsConfig,
    /// Suppressions: rule, path glob, reason and an optional expiry date.
    #[serde(default)]
    pub suppressions: Vec<SuppressionConfig>,
    /// Schema validation settings (flags win).
    #[serde(default)]
    pub schema: SchemaConfig,
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

/// `model:`: where clusters live and where their labels are declared.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ModelConfig {
    /// Directory whose sub-directories are clusters (default `clusters`).
    pub clusters_dir: Option<String>,
    /// Names of ConfigMaps holding a cluster's labels (default cluster-labels, cluster-config, cluster-info).
    pub cluster_label_configmaps: Option<Vec<String>>,
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
pub fn load(path: &Path) -> anyhow::Result<Config> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    let display = path.display().to_string();
    let parsed = parse_text(&display, &display, text, ParseLimits::default());
    if let Some(problem) = parsed
        .problems
        .iter()
        .find(|p| p.code != hubspoke_manifest::ProblemCode::EmptyFile)
    {
        let at = problem
            .region
            .map(|r| format!(":{}:{}", r.start.line, r.start.column))
            .unwrap_or_default();
        bail!("{display}{at}: {}", problem.message);
    }
    let Some(document) = parsed.documents.first() else {
        return Ok(Config::default());
    };
    if matches!(document.root.value, NodeValue::Null) {
        return Ok(Config::default());
    }
    let config: Config = serde_json::from_value(document.root.to_json()).map_err(|error| {
        let message = error.to_string();
        let at = locate_error(&parsed, &document.root, &message);
        anyhow::anyhow!("{display}{at}: invalid configuration: {message}")
    })?;
    for (id, rule) in &config.rules {
        if let Some(severity) = &rule.severity {
            if hubspoke_engine::Severity::parse(severity).is_none() {
                let at = key_position(&parsed, &document.root, "severity");
                bail!(
                    "{display}{at}: rule {id}: severity `{severity}` is not error, warning or note"
                );
            }
        }
    }
    for suppression in &config.suppressions {
        if let Some(until) = &suppression.until {
            let valid = until.len() == 10
                && until.bytes().enumerate().all(|(i, b)| {
                    if i == 4 || i == 7 {
                        b == b'-'
                    } else {
                        b.is_ascii_digit()
                    }
                });
            if !valid {
                let at = key_position(&parsed, &document.root, "until");
                bail!(
                    "{display}{at}: suppression of {}: until `{until}` is not a YYYY-MM-DD date",
                    suppression.rule
                );
            }
        }
    }
    if let Some(fail_on) = &config.fail_on {
        if !matches!(fail_on.as_str(), "error" | "warning" | "note" | "never") {
            let at = key_position(&parsed, &document.root, "fail-on");
            bail!("{display}{at}: fail-on `{fail_on}` is not error, warning, note or never");
        }
    }
    if let Some(level) = config.schema.unknown_schema_text() {
        if hubspoke_schema::UnknownSchema::parse(&level).is_none() {
            let at = key_position(&parsed, &document.root, "unknown-schema");
            bail!("{display}{at}: schema.unknown-schema `{level}` is not off, note or warning");
        }
    }
    if let Some(version) = &config.schema.kubernetes_version {
        if let Err(message) = hubspoke_schema::resolve_kubernetes_version(version) {
            let at = key_position(&parsed, &document.root, "kubernetes-version");
            bail!("{display}{at}: schema.kubernetes-version: {message}");
        }
    }
    Ok(config)
}

/// serde names the offending key in backticks (`unknown field `foo``); find it in the file.
fn locate_error(parsed: &ParsedFile, root: &Node, message: &str) -> String {
    message
        .split('`')
        .nth(1)
        .map(|key| key_position(parsed, root, key))
        .unwrap_or_default()
}

fn key_position(parsed: &ParsedFile, root: &Node, key: &str) -> String {
    fn find<'a>(node: &'a Node, key: &str) -> Option<&'a Node> {
        match &node.value {
            NodeValue::Map(entries) => entries.iter().find_map(|(k, v)| {
                if k.as_str() == Some(key) {
                    Some(k)
                } else {
                    find(v, key)
                }
            }),
            NodeValue::Seq(items) => items.iter().find_map(|i| find(i, key)),
            _ => None,
        }
    }
    find(root, key)
        .map(|k| {
            let r = parsed.source.region(k.span);
            format!(":{}:{}", r.start.line, r.start.column)
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> anyhow::Result<Config> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join(CONFIG_FILE_NAME);
        std::fs::write(&path, text)?;
        load(&path).map_err(|e| {
            anyhow::anyhow!(e.to_string().replace(&path.display().to_string(), "CONFIG"))
        })
    }

    #[test]
    fn unknown_keys_are_errors_with_a_position() {
        let error = load_text(
            "exclude: [a]\nrules:\n  PSS001:\n    enabled: false\n    severty: warning\n",
        )
        .expect_err("unknown key");
        assert!(
            error
                .to_string()
                .starts_with("CONFIG:5:5: invalid configuration: unknown field `severty`"),
            "{error}"
        );
    }

    #[test]
    fn bad_severity_is_an_error() {
        let error =
            load_text("rules:\n  PSS001:\n    severity: fatal\n").expect_err("bad severity");
        assert_eq!(
            error.to_string(),
            "CONFIG:3:5: rule PSS001: severity `fatal` is not error, warning or note"
        );
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
        assert!(
            error
                .to_string()
                .starts_with("CONFIG:2:3: invalid configuration: unknown field `strickt`"),
            "{error}"
        );
    }
}
