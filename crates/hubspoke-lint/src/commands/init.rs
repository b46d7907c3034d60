//! `hubspoke-lint init`: a commented starter `.hubspoke-lint.yaml`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context};

use crate::args::InitArgs;
use crate::exit::ExitStatus;
use hubspoke_workspace::CONFIG_FILE_NAME;

/// The starter configuration: every key, commented, with its default.
pub const STARTER: &str = r#"# hubspoke-lint configuration. Every key is optional; command-line flags win.
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
  BP006:
    params:
      allowed_registries: ["ghcr.io", "docker.io", "registry.k8s.io", "quay.io"]
  # HUB010: {suppressible: false}         # tenants cannot silence it
  # kyverno: {severity: warning}           # every rule of the repository's Kyverno policies

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

# How the repository model reads the layout.
# model:
#   clusters-dir: clusters
#   cluster-label-configmaps: [cluster-labels, cluster-config, cluster-info]

# Schema validation: strict (unknown fields), kubernetes-version, unknown-schema (off | note | warning).
# schema:
#   strict: false
#   kubernetes-version: "1.37"
#   unknown-schema: note

# Limits that protect the run from hostile input.
# limits:
#   max-documents: 10000
#   max-depth: 128
#   max-alias-nodes: 100000
#   rule-timeout-ms: 5000
"#;

/// Write the starter config (or print it).
pub fn run(args: &InitArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    if args.stdout {
        out.write_all(STARTER.as_bytes())?;
        return Ok(ExitStatus::Clean);
    }
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let path = dir.join(CONFIG_FILE_NAME);
    if path.exists() && !args.force {
        bail!("{} exists; use --force to overwrite it", path.display());
    }
    std::fs::write(&path, STARTER).with_context(|| format!("cannot write {}", path.display()))?;
    writeln!(out, "Wrote {}.", path.display())?;
    Ok(ExitStatus::Clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_config_is_valid() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(CONFIG_FILE_NAME);
        std::fs::write(&path, STARTER).expect("write");
        let config = hubspoke_workspace::config::load(&path).expect("the starter config loads");
        assert_eq!(config.fail_on.as_deref(), Some("error"));
        assert!(config.rules.contains_key("BP006"));
        assert!(config.overrides.is_empty());
        // Uncommented, the examples are valid too.
        let examples = STARTER
            .lines()
            .map(|l| {
                // The list items of `overrides:` and `suppressions:` (other sections are
                // commented with fewer spaces).
                l.strip_prefix('#')
                    .filter(|rest| rest.starts_with("  -") || rest.starts_with("    "))
                    .unwrap_or(l)
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
    }
}
