//! `docs/kyverno.md` lists every known disagreement with Kyverno, with its
//! reason: the table between its markers is generated from
//! `fixtures/conformance/kyverno-allow-list.yaml` (which the conformance test
//! keeps exact), and this test fails when the two drift apart.
//! `UPDATE_DOCS=1 cargo test -p hubspoke-kyverno --test docs` rewrites it.

use std::path::{Path, PathBuf};

use hubspoke_manifest::{parse_text, ParseLimits};
use serde_json::Value;

const BEGIN: &str =
    "<!-- BEGIN disagreements: generated from fixtures/conformance/kyverno-allow-list.yaml -->";
const END: &str = "<!-- END disagreements -->";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Markdown table of the allow-list's entries.
fn table(allow_list: &str) -> String {
    let parsed = parse_text(
        "allow-list",
        "allow-list",
        allow_list,
        ParseLimits::default(),
    );
    let entries = parsed
        .documents
        .first()
        .map(|d| d.root.to_json())
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default();
    let mut out = String::from(
        "| test | policy / rule | resource | Kyverno | ours | why |\n|---|---|---|---|---|---|\n",
    );
    for entry in &entries {
        let text = |key: &str| {
            entry
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or("")
                .replace('|', "\\|")
        };
        out.push_str(&format!(
            "| `{}` | `{}` / `{}` | `{}` | {} | {} | {} |\n",
            text("test"),
            text("policy"),
            text("rule"),
            text("resource"),
            text("expected"),
            text("ours"),
            text("reason")
        ));
    }
    out.push_str(&format!("\n{} disagreements in all.\n", entries.len()));
    out
}

#[test]
fn the_docs_list_every_disagreement_with_its_reason() {
    let allow_list =
        std::fs::read_to_string(root().join("fixtures/conformance/kyverno-allow-list.yaml"))
            .expect("the allow-list exists");
    let docs_path = root().join("docs/kyverno.md");
    let docs = std::fs::read_to_string(&docs_path).expect("docs/kyverno.md exists");
    let (Some(begin), Some(end)) = (docs.find(BEGIN), docs.find(END)) else {
        panic!("docs/kyverno.md lacks the markers {BEGIN} … {END}");
    };
    let generated = format!("{BEGIN}\n{}{END}", table(&allow_list));
    let current = &docs[begin..end + END.len()];
    if current == generated {
        return;
    }
    if std::env::var_os("UPDATE_DOCS").is_some() {
        let updated = format!("{}{generated}{}", &docs[..begin], &docs[end + END.len()..]);
        std::fs::write(&docs_path, updated).expect("docs/kyverno.md is writable");
        return;
    }
    panic!(
        "docs/kyverno.md's disagreement table is stale; run UPDATE_DOCS=1 cargo test -p hubspoke-kyverno --test docs"
    );
}
