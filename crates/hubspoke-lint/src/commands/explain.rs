//! `hubspoke-lint explain ID`: one rule's documentation.

use std::io::Write;

use anyhow::bail;

use crate::args::ExplainArgs;
use crate::commands::load_rules;
use crate::exit::ExitStatus;

/// Print a rule's documentation.
pub fn run(args: &ExplainArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let rules = load_rules(&args.policies)?;
    let catalog = crate::commands::catalog(&rules);
    let wanted = args.rule.to_ascii_lowercase();
    let Some(rule) = catalog
        .iter()
        .find(|r| r.id.to_ascii_lowercase() == wanted || r.title == wanted)
    else {
        bail!(
            "no rule `{}`{}; `hubspoke-lint rules` lists them all",
            args.rule,
            hubspoke_workspace::did_you_mean_rule(&args.rule, &catalog)
        );
    };
    out.write_all(hubspoke_report::docs::rule_page(rule, "#").as_bytes())?;
    Ok(ExitStatus::Clean)
}
