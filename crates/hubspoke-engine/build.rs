//! Embeds the bundled Rego library (`policies/**/*.rego`, tests and fixtures
//! excluded) into the engine, so the binary needs no files at run time.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest_dir =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    // `policies` in the crate is a symlink to the workspace's `policies/`, so that a packaged
    // (published) crate carries the library; a checkout without symlinks (Git for Windows'
    // default) has a plain file there instead, and the workspace folder is read directly.
    let in_crate = manifest_dir.join("policies");
    let policies = if in_crate.is_dir() {
        in_crate
    } else {
        manifest_dir.join("../../policies")
    };
    // The real folder, not the symlink: `rerun-if-changed` must watch the files themselves.
    let policies = policies.canonicalize().expect("the policies folder exists");
    println!("cargo:rerun-if-changed={}", policies.display());
    let mut files = Vec::new();
    collect(&policies, &policies, &mut files);
    files.sort();
    let mut out = String::from("/// Bundled policy sources: (path relative to `policies/`, Rego text).\npub static BUNDLED_POLICIES: &[(&str, &str)] = &[\n");
    for (rel, abs) in &files {
        writeln!(out, "    ({rel:?}, include_str!({abs:?})),").expect("write to String");
    }
    out.push_str("];\n");
    // The first fail/ and pass/ fixture of each rule, for `explain` and the docs.
    out.push_str("/// Rule examples: (rule path relative to `policies/`, verdict, fixture name, YAML).\npub static BUNDLED_EXAMPLES: &[(&str, &str, &str, &str)] = &[\n");
    for (rel, _) in &files {
        let Some((family, file)) = rel.split_once('/') else {
            continue;
        };
        let Some(slug) = file.strip_suffix(".rego") else {
            continue;
        };
        for verdict in ["fail", "pass"] {
            let dir = policies
                .join(family)
                .join("fixtures")
                .join(slug)
                .join(verdict);
            let cases = example_files(&dir, verdict == "fail");
            if let Some(first) = cases.first() {
                let name = first
                    .strip_prefix(&dir)
                    .expect("under the verdict folder")
                    .to_string_lossy()
                    .replace('\\', "/");
                let abs = first
                    .canonicalize()
                    .expect("exists")
                    .to_string_lossy()
                    .into_owned();
                writeln!(
                    out,
                    "    ({rel:?}, {verdict:?}, {name:?}, include_str!({abs:?})),"
                )
                .expect("write to String");
            }
        }
    }
    out.push_str("];\n");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out_dir.join("bundled_policies.rs"), out).expect("write generated policy list");
}

/// Example candidates: the YAML files of a document rule's verdict folder, or
/// for a repository rule (one folder per case) the files of its first case,
/// the one holding a `# expect:` marker first when `marked`.
fn example_files(dir: &Path, marked: bool) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    let is_yaml = |p: &PathBuf| p.extension().is_some_and(|e| e == "yaml" || e == "yml");
    let files: Vec<PathBuf> = entries.iter().filter(|p| is_yaml(p)).cloned().collect();
    if !files.is_empty() {
        return files;
    }
    let Some(case) = entries.iter().find(|p| p.is_dir()) else {
        return Vec::new();
    };
    let mut stack = vec![case.clone()];
    let mut found = Vec::new();
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if is_yaml(&path) {
                found.push(path);
            }
        }
    }
    found.sort();
    if marked {
        let has_marker =
            |p: &PathBuf| std::fs::read_to_string(p).is_ok_and(|t| t.contains("# expect:"));
        found.sort_by_key(|p| !has_marker(p));
    }
    found
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if name != "fixtures" {
                collect(root, &path, out);
            }
        } else if name.ends_with(".rego") && !name.ends_with("_test.rego") {
            let rel = path
                .strip_prefix(root)
                .expect("walked under root")
                .to_string_lossy()
                .replace('\\', "/");
            let abs = path
                .canonicalize()
                .expect("file exists")
                .to_string_lossy()
                .into_owned();
            out.push((rel, abs));
        }
    }
}
