//! `hubspoke-lint explain ID`: one rule's documentation.

use std::io::Write;

use anyhow::bail;
use hubspoke_engine::{rule_examples, RuleMeta};

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
            "no rule `{}`; `hubspoke-lint rules` lists them all",
            args.rule
        );
    };
    out.write_all(render(rule).as_bytes())?;
    Ok(ExitStatus::Clean)
}

/// The documentation of one rule, as Markdown.
pub fn render(rule: &RuleMeta) -> String {
    let mut text = format!("# {} — {}\n\n", rule.id, rule.title);
    text.push_str(&format!("Severity: {}", rule.severity));
    if let Some(s) = rule.security_severity {
        text.push_str(&format!(" (security severity {s:.1})"));
    }
    text.push_str(&format!(
        "\nApplies to: {}\n",
        if rule.kinds.is_empty() {
            "the repository".to_owned()
        } else {
            rule.kinds.join(", ")
        }
    ));
    if !rule.tags.is_empty() {
        text.push_str(&format!("Tags: {}\n", rule.tags.join(", ")));
    }
    text.push_str(&format!(
        "\n## Why\n\n{}\n\n## Fix\n\n{}\n",
        rule.description, rule.help
    ));
    let examples = rule_examples(&rule.source);
    if let Some((file, yaml)) = examples.fail {
        text.push_str(&format!(
            "\n## Avoid\n\n```yaml\n# {file}\n{}```\n",
            ensure_newline(yaml)
        ));
    }
    if let Some((file, yaml)) = examples.pass {
        text.push_str(&format!(
            "\n## Prefer\n\n```yaml\n# {file}\n{}```\n",
            ensure_newline(yaml)
        ));
    }
    if !rule.kyverno.is_empty() {
        text.push_str("\n## Kyverno equivalence\n\nProven equal on Kyverno's own tests to:\n");
        for k in &rule.kyverno {
            text.push_str(&format!("- `{}` / `{}`\n", k.policy, k.rule));
        }
    }
    text
}

fn ensure_newline(text: &str) -> String {
    if text.ends_with('\n') {
        text.to_owned()
    } else {
        format!("{text}\n")
    }
}
