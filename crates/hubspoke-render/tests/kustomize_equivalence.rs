//! Equivalence with kustomize: every kustomization directory under
//! `fixtures/` renders to the objects `kubectl kustomize` printed for it
//! (recorded in `fixtures/render/expected/` by
//! `scripts/update-render-expectations.sh`), in the same order, after
//! canonical JSON ordering. Where kustomize refuses a directory, we must
//! report at least one problem kustomize fails on. With `KUBECTL` set to a
//! kubectl binary, the recordings are also checked against kubectl itself.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hubspoke_manifest::{discover, read_and_parse, DiscoverOptions, ParseLimits, ParsedFile};
use hubspoke_render::{build, RenderFs};
use serde_json::Value;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every directory under `fixtures/` with a kustomization file, relative to the workspace.
fn kustomization_dirs() -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::from("fixtures")];
    let base = workspace();
    while let Some(dir) = stack.pop() {
        if dir == Path::new("fixtures/render/expected") {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(base.join(&dir)) else {
            continue;
        };
        let mut has_kustomization = false;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = dir.join(&name);
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(path),
                Ok(_) if hubspoke_render::KUSTOMIZATION_FILE_NAMES.contains(&name.as_str()) => {
                    has_kustomization = true
                }
                _ => {}
            }
        }
        if has_kustomization {
            out.push(dir.to_string_lossy().replace('\\', "/"));
        }
    }
    out.sort();
    out
}

/// The repository a fixture directory belongs to: `fixtures/<name>`,
/// `fixtures/render/<name>`, or a corpus case `fixtures/render/kustomize/<case>`.
fn root_of(dir: &str) -> String {
    let parts: Vec<&str> = dir.split('/').collect();
    let depth = match (parts.get(1), parts.get(2)) {
        (Some(&"render"), Some(&"kustomize")) => 4,
        // A repository under fixtures/render/ (hub-spoke-overlays).
        (Some(&"render"), _) => 3,
        _ => 2,
    };
    parts[..depth.min(parts.len())].join("/")
}

fn parse_root(root: &str) -> Vec<ParsedFile> {
    let include: Vec<String> = ["**/*.yaml", "**/*.yml", "**/Kustomization", "**/*.json"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let options = DiscoverOptions::new(&include, &[], 10 << 20, None).expect("globs");
    let found = discover(&[workspace().join(root)], &options);
    read_and_parse(&found.files, ParseLimits::default())
}

/// Keys sorted, numbers compared as numbers (`1.0` is `1`).
fn canonical(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let sorted: BTreeMap<String, Value> =
                map.into_iter().map(|(k, v)| (k, canonical(v))).collect();
            Value::Object(sorted.into_iter().collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(canonical).collect()),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Value::from(f as i64),
            _ => Value::Number(n),
        },
        other => other,
    }
}

enum Expected {
    Objects(Vec<Value>),
    Error(String),
}

fn parse_output(text: &str) -> Vec<Value> {
    let parsed = hubspoke_manifest::parse_text(
        "out.yaml",
        "out.yaml",
        text.to_owned(),
        ParseLimits::default(),
    );
    parsed
        .documents
        .iter()
        .filter(|d| !matches!(d.root.value, hubspoke_manifest::yaml::NodeValue::Null))
        .map(|d| canonical(d.root.to_json()))
        .collect()
}

fn expectation_name(dir: &str) -> String {
    dir.trim_start_matches("fixtures/").replace('/', "__")
}

fn recorded(dir: &str) -> Option<Expected> {
    let expected = workspace().join("fixtures/render/expected");
    // Appended, not `with_extension`: a directory with a dot (`.archive/`) would lose
    // the rest of its name, as the recording script (`$name.yaml`) does not.
    let name = expectation_name(dir);
    if let Ok(text) = std::fs::read_to_string(expected.join(format!("{name}.yaml"))) {
        return Some(Expected::Objects(parse_output(&text)));
    }
    std::fs::read_to_string(expected.join(format!("{name}.error")))
        .ok()
        .map(Expected::Error)
}

struct Rendered {
    objects: Vec<Value>,
    fatal_problems: Vec<String>,
}

fn render_all() -> BTreeMap<String, Rendered> {
    let mut roots: BTreeMap<String, Vec<ParsedFile>> = BTreeMap::new();
    let mut out = BTreeMap::new();
    for dir in kustomization_dirs() {
        let root = root_of(&dir);
        let files = roots
            .entry(root.clone())
            .or_insert_with(|| parse_root(&root));
        let fs = RenderFs::with_root(files.iter(), &workspace().join(&root));
        let relative = dir
            .strip_prefix(&root)
            .unwrap_or("")
            .trim_start_matches('/');
        let output = build(&fs, relative);
        out.insert(
            dir.clone(),
            Rendered {
                objects: output
                    .objects
                    .iter()
                    .map(|o| canonical(o.root.to_json()))
                    .collect(),
                fatal_problems: output
                    .problems
                    .iter()
                    .filter(|p| p.kustomize_fails)
                    .map(|p| format!("{}: {}", p.code.id(), p.message))
                    .collect(),
            },
        );
    }
    out
}

/// Differences we keep on purpose, each explained in docs/rendering.md.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[];

fn compare(dir: &str, expected: &Expected, ours: &Rendered) -> Option<String> {
    match expected {
        Expected::Error(message) => ours.fatal_problems.is_empty().then(|| {
            format!(
                "{dir}: kustomize fails ({}) but we report no problem",
                message.trim()
            )
        }),
        Expected::Objects(objects) => {
            if !ours.fatal_problems.is_empty() {
                return Some(format!(
                    "{dir}: kustomize renders it but we report {:?}",
                    ours.fatal_problems
                ));
            }
            if *objects == ours.objects {
                return None;
            }
            let mut report = format!(
                "{dir}: {} objects expected, {} rendered\n",
                objects.len(),
                ours.objects.len()
            );
            for (i, (want, got)) in objects.iter().zip(&ours.objects).enumerate() {
                if want != got {
                    report.push_str(&format!(
                        "  object {i} differs:\n    kustomize: {}\n    ours:      {}\n",
                        serde_json::to_string(want).unwrap_or_default(),
                        serde_json::to_string(got).unwrap_or_default()
                    ));
                    break;
                }
            }
            Some(report)
        }
    }
}

#[test]
fn every_fixture_kustomization_renders_as_recorded_by_kubectl() {
    let rendered = render_all();
    assert!(
        rendered.len() >= 50,
        "only {} kustomization directories found",
        rendered.len()
    );
    let mut failures = Vec::new();
    for (dir, ours) in &rendered {
        let Some(expected) = recorded(dir) else {
            failures.push(format!(
                "{dir}: no recorded kubectl output (run scripts/update-render-expectations.sh)"
            ));
            continue;
        };
        if KNOWN_DIFFERENCES.iter().any(|(d, _)| d == dir) {
            continue;
        }
        if let Some(report) = compare(dir, &expected, ours) {
            failures.push(report);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} directories differ:\n{}",
        failures.len(),
        rendered.len(),
        failures.join("\n")
    );
}

/// With `KUBECTL` set (CI installs it with scripts/install-kubectl.sh), the
/// recordings must still be what kubectl prints.
#[test]
fn recordings_match_live_kubectl_when_available() {
    let Ok(kubectl) = std::env::var("KUBECTL") else {
        eprintln!("KUBECTL is not set: live comparison skipped");
        return;
    };
    let mut failures = Vec::new();
    for dir in kustomization_dirs() {
        let output = std::process::Command::new(&kubectl)
            .arg("kustomize")
            // As Flux builds (see scripts/update-render-expectations.sh).
            .args(["--load-restrictor", "LoadRestrictionsNone"])
            .arg(workspace().join(&dir))
            .output()
            .expect("kubectl runs");
        let live = if output.status.success() {
            Expected::Objects(parse_output(&String::from_utf8_lossy(&output.stdout)))
        } else {
            Expected::Error(String::from_utf8_lossy(&output.stderr).into_owned())
        };
        match (recorded(&dir), live) {
            (Some(Expected::Objects(a)), Expected::Objects(b)) if a == b => {}
            (Some(Expected::Error(_)), Expected::Error(_)) => {}
            _ => failures.push(dir),
        }
    }
    assert!(
        failures.is_empty(),
        "recordings out of date for {failures:?}: run scripts/update-render-expectations.sh"
    );
}
