//! `hubspoke-lint rules`: the rule catalogue.
//!
//! What is counted, here as in the lint summary and the editor's log: every rule this
//! command lists (Rego rules, the input, suppression and schema checks); "enabled" are
//! those the settings turn on. Without a configuration file a run enables exactly the
//! rules listed here as on by default.

use std::io::Write;

use hubspoke_diagnostics::Scope;
use hubspoke_report::count;
use hubspoke_workspace::{Config, Configuration, Flags};

use crate::args::{ListFormat, RulesArgs};
use crate::exit::ExitStatus;

/// List every rule.
pub fn run(args: &RulesArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    // The settings of a run without configuration: which rules are on by default.
    let flags = Flags {
        no_config: true,
        policies: args.policies.clone(),
        ..Flags::default()
    };
    let settings = Configuration::resolve(Config::default(), flags)?.load_rules()?;
    let catalog = &settings.catalog;
    match args.format {
        ListFormat::Markdown => {
            out.write_all(hubspoke_report::docs::rules_document(catalog).as_bytes())?
        }
        ListFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, catalog)?;
            writeln!(out)?;
        }
        ListFormat::Text => {
            let width = catalog.iter().map(|r| r.id.len()).max().unwrap_or(0);
            writeln!(
                out,
                "{:<width$}  {:<8}  {:<10}  {:<7}  TITLE (KINDS)",
                "ID", "SEVERITY", "SCOPE", "DEFAULT"
            )?;
            for rule in catalog {
                let scope = match rule.scope {
                    Scope::Document => "document",
                    Scope::Repository => "repository",
                };
                let default = if settings.active_rules.contains(&rule.id) {
                    "on"
                } else {
                    "off"
                };
                let kinds = if rule.kinds.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", rule.kinds.join(", "))
                };
                writeln!(
                    out,
                    "{:<width$}  {:<8}  {scope:<10}  {default:<7}  {}{kinds}",
                    rule.id,
                    rule.severity.as_str(),
                    rule.title,
                )?;
            }
            let on = settings.active_rules.len();
            let repository = catalog
                .iter()
                .filter(|rule| rule.scope == Scope::Repository)
                .count();
            writeln!(
                out,
                "\n{}: {on} on by default, {} off by default (`rules: {{ID: {{enabled: true}}}}` in .hubspoke-lint.yaml turns one on).",
                count(catalog.len(), "rule", "rules"),
                catalog.len() - on,
            )?;
            writeln!(
                out,
                "{} the whole repository at once (references between files, the Flux graph, clusters): {} only when a directory is linted, not on single files or standard input. The others check one document or file at a time.",
                if repository == 1 {
                    "1 repository rule checks".to_owned()
                } else {
                    format!("{repository} repository rules check")
                },
                if repository == 1 { "it runs" } else { "they run" },
            )?;
            writeln!(out, "`hubspoke-lint explain <ID>` shows one in full.")?;
        }
    }
    Ok(if settings.rules.load_findings.is_empty() {
        ExitStatus::Clean
    } else {
        ExitStatus::Error
    })
}
