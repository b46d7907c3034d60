//! Running the binary from the workspace root, and reading its JSON.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

/// The workspace root, which is the `hubspoke-lint` package's own directory.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .canonicalize()
        .expect("workspace root")
}

/// The binary, started in `dir` (default: the workspace root).
pub fn hubspoke(dir: Option<&Path>) -> Command {
    let mut cmd = Command::cargo_bin("hubspoke-lint").expect("binary built");
    cmd.current_dir(dir.map_or_else(root, Path::to_path_buf));
    cmd.env_remove("NO_COLOR");
    cmd
}

pub fn run(dir: Option<&Path>, args: &[&str]) -> Output {
    hubspoke(dir).args(args).output().expect("binary runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

pub fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(output)))
}

/// (rule, file, line) of every finding of a JSON report.
pub fn findings(report: &serde_json::Value) -> Vec<(String, String, u64)> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().expect("rule").to_owned(),
                f["file"].as_str().expect("file").to_owned(),
                f["line"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

pub fn code(output: &Output) -> i32 {
    output.status.code().expect("exit code")
}

/// A `(rule, file, line)` triple as [`findings`] returns it.
pub fn f(rule: &str, file: &str, line: u64) -> (String, String, u64) {
    (rule.to_owned(), file.to_owned(), line)
}

/// Write `policies/<name>.rego` under `dir`: package `user.<name>`, rule `id` (error, every
/// kind), then `rules` from line 5 on, so tests can assert policy line numbers.
pub fn user_policy(dir: &Path, name: &str, id: &str, rules: &str) {
    std::fs::create_dir_all(dir.join("policies")).expect("mkdir");
    std::fs::write(
        dir.join(format!("policies/{name}.rego")),
        format!(
            "package user.{name}\n\nmetadata := {{\"id\": \"{id}\", \"title\": \"{name}\", \"severity\": \"error\", \"description\": \"x.\", \"help\": \"y\", \"scope\": \"document\", \"kinds\": [\"*\"]}}\n\n{rules}"
        ),
    )
    .expect("write");
}

/// Every file below `from`, copied under `to`.
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("readable").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}
