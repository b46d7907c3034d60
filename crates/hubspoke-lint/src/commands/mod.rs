//! One module per subcommand; each returns how the run ended.

pub mod baseline;
pub mod explain;
pub mod graph;
pub mod init;
pub mod lint;
pub mod lsp;
pub mod rules;
pub mod test;

use std::path::PathBuf;

use anyhow::Context;
use hubspoke_engine::{bundled_sources, load_policy_dir, RuleSet};

/// The bundled library plus the rules of every extra policy directory.
pub fn load_rules(policy_dirs: &[PathBuf]) -> anyhow::Result<RuleSet> {
    let mut sources = bundled_sources();
    for dir in policy_dirs {
        sources.extend(
            load_policy_dir(dir)
                .with_context(|| format!("cannot load policies from {}", dir.display()))?,
        );
    }
    Ok(RuleSet::load(sources))
}

/// Metadata of every rule, sorted by id: Rego, built-in, and schema validation's.
pub fn catalog(rules: &RuleSet) -> Vec<hubspoke_engine::RuleMeta> {
    hubspoke_schema::catalog(rules)
}
