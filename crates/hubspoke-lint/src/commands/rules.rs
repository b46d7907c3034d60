//! `hubspoke-lint rules`: the rule catalogue.

use std::io::Write;

use crate::args::{ListFormat, RulesArgs};
use crate::commands::load_rules;
use crate::exit::ExitStatus;

/// List every rule.
pub fn run(args: &RulesArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let rules = load_rules(&args.policies)?;
    let catalog = crate::commands::catalog(&rules);
    match args.format {
        ListFormat::Markdown => {
            out.write_all(hubspoke_report::docs::rules_document(&catalog).as_bytes())?
        }
        ListFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &catalog)?;
            writeln!(out)?;
        }
        ListFormat::Text => {
            let width = catalog.iter().map(|r| r.id.len()).max().unwrap_or(0);
            writeln!(
                out,
                "{:<width$}  {:<8}  {:<10}  TITLE / KINDS",
                "ID", "SEVERITY", "SCOPE"
            )?;
            for rule in &catalog {
                let scope = match rule.scope {
                    hubspoke_diagnostics::Scope::Document => "document",
                    hubspoke_diagnostics::Scope::Repository => "repository",
                };
                writeln!(
                    out,
                    "{:<width$}  {:<8}  {:<10}  {} ({})",
                    rule.id,
                    rule.severity.as_str(),
                    scope,
                    rule.title,
                    rule.kinds.join(", ")
                )?;
            }
            writeln!(
                out,
                "\n{} rules. `hubspoke-lint explain <ID>` shows one in full.",
                catalog.len()
            )?;
        }
    }
    Ok(if rules.load_findings.is_empty() {
        ExitStatus::Clean
    } else {
        ExitStatus::Error
    })
}
