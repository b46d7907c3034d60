//! `hubspoke-lint init`: a commented starter `.hubspoke-lint.yaml`, proposing (commented
//! out) the registries and sources the repository uses for the allow-lists that are off
//! until set.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use hubspoke_manifest::{
    discover, read_and_parse, DiscoverOptions, ParseLimits, DEFAULT_MAX_FILE_SIZE,
};
use hubspoke_workspace::{TrustedSources, CONFIG_FILE_NAME};

use crate::args::InitArgs;
use crate::exit::ExitStatus;

/// The starter configuration: every key, commented, with its default; the trusted sources
/// the repository uses go where `{trusted-sources}` stands.
const STARTER: &str = r#"# hubspoke-lint configuration. Every key is optional; command-line flags win.
# Docs: `hubspoke-lint rules`, `hubspoke-lint explain <ID>`, README.md.

# Files to lint (replaces the default **/*.yaml, **/*.yml) and to skip (extended by --exclude).
# include: ["**/*.yaml", "**/*.yml"]
exclude:
  - "charts/**/templates/**"   # Helm templates are not YAML before rendering

# Exit 1 when a finding is at or above: error | warning | note | never.
fail-on: error

# Skip files larger than this many bytes (reported as file-too-large).
# max-file-size: 10485760

# Extra Rego policy directories, relative to this file (same contract as the bundled rules;
# conftest-style `package main` deny/warn/violation rules work unchanged).
# policies: [policies/custom]

# The repository's own Kyverno policies (kyverno.io ClusterPolicy and Policy) run offline beside
# the bundled rules, each where the repository delivers it. Their rules are kyverno/<policy>/<rule>,
# tagged kyverno and kyverno/<policy>. `policies` adds policy files or directories from elsewhere,
# relative to this file (--kyverno-policy adds more); `enabled: false` (--no-kyverno) turns it off.
# kyverno:
#   enabled: true
#   policies: [../platform/kyverno-policies]

# Per-rule settings by id or tag (an id wins over a tag): enabled, severity
# (error | warning | note), params, suppressible. `hubspoke-lint rules` lists the ids,
# `hubspoke-lint explain <ID>` a rule's tags.
rules:
  # PSS021: {enabled: true}               # the whole PSS baseline profile in one rule (off by default)
  # BP002: {severity: warning}
  # HUB010: {suppressible: false}         # tenants cannot silence it
  # kyverno: {severity: warning}           # every rule of the repository's Kyverno policies
{trusted-sources}
# Rule settings for some files only: globs relative to this file, rules by id or tag with
# enabled and severity. A later entry wins over an earlier one.
overrides: []
#  - files: ["legacy/**"]
#    rules:
#      best-practices: {severity: note}
#  - files: ["clusters/staging/**"]
#    rules:
#      BP002: {enabled: false}

# Audited exceptions: rule, path glob, reason (required) and an optional expiry date.
suppressions: []
#  - {rule: PSS002, path: "infrastructure/node-agents/**", reason: "log shipper reads /var/log", until: "2027-06-30"}

# How the repository model reads the layout. `external-secrets` names the Secrets created
# outside the repository (by a bootstrap script, by hand): references to them are satisfied.
# model:
#   clusters-dir: clusters
#   cluster-label-configmaps: [cluster-labels, cluster-config, cluster-info]
#   external-secrets:
#     - {name: production-kubeconfig, namespace: flux-system, reason: "created by bootstrap.sh"}

# Schema validation: strict (unknown fields), kubernetes-version, unknown-schema (off | note | warning).
# schema:
#   strict: false
#   kubernetes-version: "1.37"
#   unknown-schema: note

# Render what each cluster receives (kustomize and Flux, in-process, offline) and judge that;
# `enabled: false` (or --no-render) judges every file as written.
# render:
#   enabled: true

# Limits that protect the run from hostile input.
# limits:
#   max-documents: 10000
#   max-depth: 128
#   max-alias-nodes: 100000
#   rule-timeout-ms: 5000
"#;

/// The allow-lists of the trusted-source rules, commented out, filled with what the
/// repository uses today.
fn trusted_sources_section(found: &TrustedSources) -> String {
    let mut text = String::from(
        "  # Trusted sources: BP006 and FLUX005-FLUX008 check nothing until their list is set.\n  # The lists below are what this repository uses today: keep what you trust, uncomment.\n",
    );
    let lists = [
        (
            "BP006",
            "allowed_registries",
            &found.registries,
            "registries of container images",
        ),
        (
            "FLUX005",
            "allowed_urls",
            &found.git_urls,
            "GitRepository URLs",
        ),
        (
            "FLUX006",
            "allowed_endpoints",
            &found.bucket_endpoints,
            "Bucket endpoints",
        ),
        (
            "FLUX007",
            "allowed_urls",
            &found.helm_urls,
            "HelmRepository URLs",
        ),
        (
            "FLUX008",
            "allowed_images",
            &found.image_repositories,
            "ImageRepository images",
        ),
    ];
    for (id, parameter, values, what) in lists {
        let quoted: Vec<String> = values
            .iter()
            .map(|value| serde_json::Value::from(value.as_str()).to_string())
            .collect();
        let note = if values.is_empty() {
            format!("  # no {what} in this repository")
        } else {
            String::new()
        };
        text.push_str(&format!(
            "  # {id}:\n  #   params:\n  #     {parameter}: [{}]{note}\n",
            quoted.join(", ")
        ));
    }
    text
}

/// The starter configuration for a repository that uses `found`.
pub fn starter(found: &TrustedSources) -> String {
    STARTER.replace("{trusted-sources}", &trusted_sources_section(found))
}

/// What the repository at `dir` pulls from (its YAML as `hubspoke-lint` would find it).
fn scan(dir: &Path) -> anyhow::Result<TrustedSources> {
    let options = DiscoverOptions::new(&[], &[], DEFAULT_MAX_FILE_SIZE, None)
        .context("cannot set up file discovery")?;
    let discovery = discover(&[dir.to_path_buf()], &options);
    let parsed = read_and_parse(&discovery.files, ParseLimits::default());
    Ok(TrustedSources::scan(&parsed))
}

/// Write the starter config (or print it), proposing the trusted sources `DIR` uses.
pub fn run(args: &InitArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    if !dir.is_dir() {
        bail!("{} is not a directory", dir.display());
    }
    if args.stdout {
        out.write_all(starter(&scan(&dir)?).as_bytes())?;
        return Ok(ExitStatus::Clean);
    }
    let path = dir.join(CONFIG_FILE_NAME);
    if path.exists() && !args.force {
        bail!("{} exists; use --force to overwrite it", path.display());
    }
    let text = starter(&scan(&dir)?);
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    writeln!(out, "Wrote {}.", path.display())?;
    Ok(ExitStatus::Clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources() -> TrustedSources {
        let set = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect();
        TrustedSources {
            registries: set(&["docker.io", "ghcr.io"]),
            git_urls: set(&["https://github.com/acme/fleet"]),
            bucket_endpoints: set(&[]),
            helm_urls: set(&["https://charts.jetstack.io"]),
            image_repositories: set(&["ghcr.io/acme/app"]),
        }
    }

    #[test]
    fn the_starter_config_is_valid() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(CONFIG_FILE_NAME);
        let text = starter(&sources());
        std::fs::write(&path, &text).expect("write");
        let config = hubspoke_workspace::config::load(&path).expect("the starter config loads");
        assert_eq!(config.fail_on.as_deref(), Some("error"));
        // The trusted sources are proposals: nothing is switched on until uncommented.
        assert!(config.rules.is_empty());
        assert!(config.overrides.is_empty());
        // Uncommented, the examples are valid too.
        let mut in_model = false;
        let examples = text
            .lines()
            .map(|l| {
                // The whole `model:` section, down to its blank line.
                if l == "# model:" {
                    in_model = true;
                }
                if in_model {
                    match l.strip_prefix('#') {
                        Some(rest) => return rest.strip_prefix(' ').unwrap_or(rest).to_owned(),
                        None => in_model = false,
                    }
                }
                // The list items of `overrides:` and `suppressions:` (other sections are
                // commented with fewer spaces).
                if let Some(rest) = l
                    .strip_prefix('#')
                    .filter(|rest| rest.starts_with("  -") || rest.starts_with("    "))
                {
                    return rest.to_owned();
                }
                // The trusted-source proposals under `rules:`.
                match l.strip_prefix("  # ") {
                    Some(rest)
                        if rest.starts_with("BP006")
                            || rest.starts_with("FLUX")
                            || rest.starts_with("  ") =>
                    {
                        format!("  {rest}")
                    }
                    _ => l.to_owned(),
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
            .replace("overrides: []", "overrides:")
            .replace("suppressions: []", "suppressions:");
        std::fs::write(&path, examples).expect("write");
        let config =
            hubspoke_workspace::config::load(&path).expect("the uncommented starter config loads");
        assert_eq!(config.overrides.len(), 2);
        assert_eq!(config.overrides[1].files, ["clusters/staging/**"]);
        assert_eq!(config.suppressions.len(), 1);
        assert_eq!(config.model.clusters_dir.as_deref(), Some("clusters"));
        assert_eq!(config.model.external_secrets.len(), 1);
        assert_eq!(
            config.model.external_secrets[0].name,
            "production-kubeconfig"
        );
        let params = |id: &str| config.rules[id].params.clone().expect("params");
        assert_eq!(
            params("BP006"),
            serde_json::json!({"allowed_registries": ["docker.io", "ghcr.io"]})
        );
        assert_eq!(
            params("FLUX006"),
            serde_json::json!({"allowed_endpoints": []})
        );
        assert_eq!(
            params("FLUX008"),
            serde_json::json!({"allowed_images": ["ghcr.io/acme/app"]})
        );
        // And every proposed parameter is one the bundled rules declare, of the right type.
        let resolved = hubspoke_workspace::Configuration::resolve(
            config,
            hubspoke_workspace::Flags::default(),
        )
        .expect("resolves");
        resolved
            .load_rules()
            .expect("the proposed parameters are valid");
    }
}
