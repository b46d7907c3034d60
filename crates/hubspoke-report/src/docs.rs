//! Rule documentation from metadata and fixtures: `explain <ID>` prints one
//! page, and `docs/rules.md` is every page behind a table (kept in sync by a test).

use hubspoke_diagnostics::RuleMeta;

fn ensure_newline(text: &str) -> String {
    if text.ends_with('\n') {
        text.to_owned()
    } else {
        format!("{text}\n")
    }
}

/// The fixture harness's marker (`hubspoke_workspace::fixtures::expected_markers`): a
/// trailing `# expect: ID` says which line a finding lands on.
const MARKER: &str = "# expect:";

/// A fixture shown as an example, without the test markers: they say what the harness
/// checks, not what a reader's manifest would hold.
fn without_markers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        match line.find(MARKER) {
            Some(at) => {
                let kept = line[..at].trim_end();
                out.push_str(kept);
                if line.ends_with('\n') {
                    out.push('\n');
                }
            }
            None => out.push_str(line),
        }
    }
    out
}

/// One rule's documentation, as Markdown (`heading` is `#` for a page, `##` inside docs/rules.md).
pub fn rule_page(rule: &RuleMeta, heading: &str) -> String {
    let sub = format!("{heading}#");
    let mut text = format!("{heading} {} — {}\n\n", rule.id, rule.title);
    text.push_str(&format!("Severity: {}", rule.severity));
    if let Some(s) = rule.security_severity {
        text.push_str(&format!(" (security severity {s:.1})"));
    }
    let applies = if rule.kinds.is_empty() {
        "the repository".to_owned()
    } else {
        rule.kinds.join(", ")
    };
    text.push_str(&format!("\nApplies to: {applies}\n"));
    if !rule.tags.is_empty() {
        text.push_str(&format!("Tags: {}\n", rule.tags.join(", ")));
    }
    text.push_str(&format!(
        "\n{sub} Why\n\n{}\n\n{sub} Fix\n\n{}\n",
        rule.description, rule.help
    ));
    if !rule.parameters.is_empty() {
        text.push_str(&format!(
            "\n{sub} Parameters\n\nSet under `rules.{}.params` in `.hubspoke-lint.yaml`.\n\n| name | type | default | what it changes |\n|---|---|---|---|\n",
            rule.id
        ));
        for parameter in &rule.parameters {
            let kind = if parameter.fields.is_empty() {
                parameter.kind.name().to_owned()
            } else {
                let fields: Vec<String> = parameter
                    .fields
                    .iter()
                    .map(|(name, kind)| format!("`{name}` ({})", kind.name()))
                    .collect();
                format!("{} of {}", parameter.kind.name(), fields.join(", "))
            };
            // The default is the hub-spoke profile's; other profiles may declare their own.
            let mut default = format!("`{}`", parameter.default);
            for (profile, value) in &parameter.profile_defaults {
                default.push_str(&format!("; {profile}: `{value}`"));
            }
            text.push_str(&format!(
                "| `{}` | {kind} | {default} | {} |\n",
                parameter.name,
                parameter.description.replace('|', "\\|")
            ));
        }
    }
    // Built-in rules carry their examples; the loader gives bundled Rego rules their first fixtures.
    let examples = [
        ("Avoid", rule.examples.fail),
        ("Prefer", rule.examples.pass),
    ];
    for (heading, example) in examples {
        if let Some((file, example)) = example {
            let language = if file.ends_with(".rego") {
                "rego"
            } else {
                "yaml"
            };
            text.push_str(&format!(
                "\n{sub} {heading}\n\n```{language}\n# {file}\n{}```\n",
                ensure_newline(&without_markers(example))
            ));
        }
    }
    if !rule.kyverno.is_empty() {
        text.push_str(&format!(
            "\n{sub} Kyverno equivalence\n\nProven equal on Kyverno's own tests to:\n"
        ));
        for k in &rule.kyverno {
            text.push_str(&format!("- `{}` / `{}`\n", k.policy, k.rule));
        }
    }
    if !rule.trivy.is_empty() || !rule.checkov.is_empty() {
        text.push_str(&format!(
            "\n{sub} Other tools\n\nChecks that flag the same problem (similar, not proven equal):\n"
        ));
        for (tool, ids) in [("Trivy", &rule.trivy), ("Checkov", &rule.checkov)] {
            if !ids.is_empty() {
                let ids: Vec<String> = ids.iter().map(|id| format!("`{id}`")).collect();
                text.push_str(&format!("- {tool}: {}\n", ids.join(", ")));
            }
        }
    }
    text
}

/// The whole catalogue: a table, then every rule's page.
pub fn rules_document(catalog: &[RuleMeta]) -> String {
    let mut text = String::from(
        "# Rules\n\nGenerated from the rules' metadata and fixtures by `hubspoke-lint rules --format markdown`;\n\
         a test fails when this file is stale (regenerate with `UPDATE_DOCS=1 cargo test --test cli docs`).\n\n\
         | id | title | severity | scope | Kyverno |\n|---|---|---|---|---|\n",
    );
    for rule in catalog {
        let kyverno: Vec<String> = rule
            .kyverno
            .iter()
            .map(|k| format!("{}/{}", k.policy, k.rule))
            .collect();
        let scope = match rule.scope {
            hubspoke_diagnostics::Scope::Document => "document",
            hubspoke_diagnostics::Scope::Repository => "repository",
        };
        text.push_str(&format!(
            "| [{}](#{}) | {} | {} | {} | {} |\n",
            rule.id,
            rule_anchor(rule),
            rule.title,
            rule.severity,
            scope,
            kyverno.join("<br>")
        ));
    }
    for rule in catalog {
        text.push('\n');
        text.push_str(&rule_page(rule, "##"));
    }
    text
}

/// Where `docs/rules.md` is published; [`rule_url`] links into it.
pub const RULES_DOCUMENT_URL: &str =
    "https://github.com/hubspoke-lint/hubspoke-lint/blob/main/docs/rules.md";

/// The link to a rule's section of the published `docs/rules.md`.
pub fn rule_url(rule: &RuleMeta) -> String {
    format!("{RULES_DOCUMENT_URL}#{}", rule_anchor(rule))
}

/// The GitHub anchor of a rule's heading in docs/rules.md.
pub fn rule_anchor(rule: &RuleMeta) -> String {
    heading_anchor(&rule.id, &rule.title)
}

/// The anchor GitHub gives the heading `<id> — <title>` that [`rule_page`]
/// writes: lower case, spaces to `-`, other punctuation (the dash, `/`) dropped.
pub fn heading_anchor(id: &str, title: &str) -> String {
    format!("{id} — {title}")
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            'a'..='z' | '0'..='9' | '-' | '_' => Some(c),
            ' ' => Some('-'),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_are_shown_without_test_markers() {
        assert_eq!(
            without_markers("# case\nspec:\n  hostPID: true # expect: PSS003, PSS010\n  a: 1  # expect: X\r\nb: 2"),
            "# case\nspec:\n  hostPID: true\n  a: 1\nb: 2"
        );
    }

    #[test]
    fn pages_name_the_other_tools_checks() {
        let mut rule = RuleMeta::built_in(
            "RBAC999",
            "example",
            "rbac",
            hubspoke_diagnostics::Severity::Warning,
            "A rule.",
            "Fix it.",
        );
        assert!(!rule_page(&rule, "#").contains("Other tools"));
        rule.trivy = vec!["KSV041".to_owned()];
        rule.checkov = vec!["CKV_K8S_49".to_owned(), "CKV2_K8S_5".to_owned()];
        let page = rule_page(&rule, "##");
        assert!(
            page.ends_with(
                "\n### Other tools\n\nChecks that flag the same problem (similar, not proven equal):\n\
                 - Trivy: `KSV041`\n- Checkov: `CKV_K8S_49`, `CKV2_K8S_5`\n"
            ),
            "{page}"
        );
        rule.trivy.clear();
        assert!(rule_page(&rule, "#").ends_with("\n- Checkov: `CKV_K8S_49`, `CKV2_K8S_5`\n"));
    }

    #[test]
    fn anchors_are_the_ones_github_gives_the_headings() {
        assert_eq!(
            heading_anchor("BP005", "pod-without-required-labels"),
            "bp005--pod-without-required-labels"
        );
        assert_eq!(
            heading_anchor("schema/invalid", "schema-violation"),
            "schemainvalid--schema-violation"
        );
    }
}
