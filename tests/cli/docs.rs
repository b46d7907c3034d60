//! docs/rules.md is generated from metadata; it must not go stale.

use crate::support::{code, root, run, stdout};

#[test]
fn rules_markdown_is_in_sync() {
    let output = run(None, &["rules", "--format", "markdown"]);
    assert_eq!(code(&output), 0);
    let generated = stdout(&output);
    let path = root().join("docs/rules.md");
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &generated).expect("write docs/rules.md");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/rules.md is stale: run `UPDATE_DOCS=1 cargo test --test cli docs`"
    );
}
