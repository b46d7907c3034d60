//! One module per subcommand; each returns how the run ended.

pub mod baseline;
pub mod explain;
pub mod graph;
pub mod init;
pub mod lint;
pub mod lsp;
pub mod render;
pub mod rules;
pub mod test;

use std::path::PathBuf;

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
