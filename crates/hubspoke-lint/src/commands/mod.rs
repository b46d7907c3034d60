//! One module per subcommand; each returns how the run ended.

pub mod baseline;
pub mod completions;
pub mod explain;
pub mod graph;
pub mod init;
pub mod lint;
pub mod lsp;
pub mod man;
pub mod render;
pub mod rules;
pub mod test;

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use hubspoke_diagnostics::RuleMeta;
use hubspoke_engine::RuleSet;

/// The bundled library plus the rules of every extra policy directory.
pub fn load_rules(policy_dirs: &[PathBuf]) -> anyhow::Result<RuleSet> {
    Ok(hubspoke_workspace::load_rules(policy_dirs)?)
}

/// Metadata of every rule, sorted by id: Rego, built-in, and schema validation's.
pub fn catalog(rules: &RuleSet) -> Vec<RuleMeta> {
    hubspoke_workspace::catalog(rules)
}

/// Write to standard output; a closed pipe (`| head`) is not an error.
pub fn write_stdout(stdout: &mut dyn Write, bytes: &[u8]) -> anyhow::Result<()> {
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to standard output"),
    }
}
