//! JSON manifests a kustomization lists. kustomize reads any file it is given as YAML, and
//! JSON is YAML, so `resources: [topology.json]` applies the object in that file. The walk
//! only takes `*.yaml`/`*.yml` (a tree's other JSON files are `package.json`, Renovate
//! settings, dashboards: not manifests, and Flux's generated kustomization ignores them
//! too), so a `.json` file becomes a linted file exactly when a kustomization names it as a
//! resource, a CRD or a patch.

use std::collections::BTreeSet;
use std::path::Path;

use crate::discover::{DiscoverOptions, DiscoveredFile, Discovery};
use crate::model::normalize;
use crate::parse::ParsedFile;
use crate::read_and_parse;
use crate::yaml::{Node, NodeValue, ParseLimits};

/// The names kustomize reads as a directory's kustomization.
const KUSTOMIZATION_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// The `.json` files that the kustomizations among `files` (parallel to `parsed`) list as
/// resources, CRDs or patches, which exist under the same root, are not excluded, not over
/// the size limit, and were not found by the walk. Sorted by display path, no duplicates.
pub fn kustomize_listed_json(
    files: &[DiscoveredFile],
    parsed: &[ParsedFile],
    options: &DiscoverOptions,
) -> Vec<DiscoveredFile> {
    let known: BTreeSet<(usize, &str)> = files
        .iter()
        .map(|f| (f.root, f.repo_path.as_str()))
        .collect();
    let mut found: Vec<DiscoveredFile> = Vec::new();
    for (file, parsed) in files.iter().zip(parsed) {
        let repo_path = file.repo_path.as_str();
        let (dir, name) = repo_path.rsplit_once('/').unwrap_or(("", repo_path));
        if !KUSTOMIZATION_NAMES.contains(&name) {
            continue;
        }
        let Some(root_fs) = file.fs_path.ancestors().nth(repo_path.split('/').count()) else {
            continue;
        };
        let Some(display_prefix) = file.display_path.strip_suffix(repo_path) else {
            continue;
        };
        for document in &parsed.documents {
            for entry in listed_files(&document.root) {
                if !entry.ends_with(".json") || is_remote(entry) || entry.contains("${") {
                    continue;
                }
                let Some(target) = normalize(dir, entry) else {
                    continue;
                };
                if known.contains(&(file.root, target.as_str()))
                    || options.exclude.is_match(&target)
                {
                    continue;
                }
                let fs_path = root_fs.join(&target);
                if !is_small_file_inside(&fs_path, root_fs, options.max_file_size) {
                    continue;
                }
                found.push(DiscoveredFile {
                    display_path: format!("{display_prefix}{target}"),
                    repo_path: target,
                    fs_path,
                    root: file.root,
                });
            }
        }
    }
    found.sort();
    found.dedup_by(|a, b| a.display_path == b.display_path);
    found
}

/// The file names a kustomization lists as manifests: `resources`, `crds`,
/// `patchesStrategicMerge`, and the `path` of `patches` and `patchesJson6902` entries.
fn listed_files(root: &Node) -> Vec<&str> {
    let strings = |key: &str| -> Vec<&str> {
        root.get(key)
            .map(|node| match &node.value {
                NodeValue::Seq(items) => items.iter().filter_map(Node::as_str).collect(),
                _ => Vec::new(),
            })
            .unwrap_or_default()
    };
    let paths = |key: &str| -> Vec<&str> {
        root.get(key)
            .map(|node| match &node.value {
                NodeValue::Seq(items) => items
                    .iter()
                    .filter_map(|item| item.get("path").and_then(Node::as_str))
                    .collect(),
                _ => Vec::new(),
            })
            .unwrap_or_default()
    };
    let mut out = strings("resources");
    out.extend(strings("crds"));
    out.extend(strings("patchesStrategicMerge"));
    out.extend(paths("patches"));
    out.extend(paths("patchesJson6902"));
    out
}

/// A URL or a remote kustomize base: not a file of the tree.
fn is_remote(entry: &str) -> bool {
    entry.contains("://") || entry.starts_with("github.com/") || entry.starts_with("git@")
}

/// A regular file no larger than `max_size` whose real location (symlinks resolved) is
/// under `root`: the walk never follows a link out of the root, nor does this.
fn is_small_file_inside(path: &Path, root: &Path, max_size: u64) -> bool {
    let (Ok(real), Ok(real_root)) = (path.canonicalize(), root.canonicalize()) else {
        return false;
    };
    real.starts_with(real_root)
        && std::fs::metadata(&real).is_ok_and(|m| m.is_file() && m.len() <= max_size)
}

/// Parse the `.json` files kustomizations list as manifests (the walk takes YAML names only)
/// and merge them in, keeping files and parsed files parallel and sorted by display path.
pub fn add_kustomize_listed_json(
    mut discovery: Discovery,
    parsed: Vec<ParsedFile>,
    options: &DiscoverOptions,
    limits: ParseLimits,
) -> (Discovery, Vec<ParsedFile>) {
    let listed = kustomize_listed_json(&discovery.files, &parsed, options);
    if listed.is_empty() {
        return (discovery, parsed);
    }
    let listed_parsed = read_and_parse(&listed, limits);
    let mut both: Vec<(DiscoveredFile, ParsedFile)> = std::mem::take(&mut discovery.files)
        .into_iter()
        .zip(parsed)
        .chain(listed.into_iter().zip(listed_parsed))
        .collect();
    both.sort_by(|a, b| a.0.cmp(&b.0));
    let (files, parsed) = both.into_iter().unzip();
    discovery.files = files;
    (discovery, parsed)
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;
    use crate::discover::discover;

    fn listed(root: &Path, exclude: &[String]) -> Vec<String> {
        let options = DiscoverOptions::new(&[], exclude, 1000, None).expect("options");
        let discovery = discover(&[root.to_path_buf()], &options);
        let parsed = read_and_parse(&discovery.files, ParseLimits::default());
        kustomize_listed_json(&discovery.files, &parsed, &options)
            .into_iter()
            .map(|f| {
                assert_eq!(f.fs_path, root.join(&f.repo_path));
                f.repo_path
            })
            .collect()
    }

    #[test]
    fn takes_the_json_files_a_kustomization_lists_as_manifests_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        fs::create_dir_all(root.join("app/sub")).expect("mkdir");
        fs::create_dir_all(root.join("shared")).expect("mkdir");
        fs::write(
            root.join("app/kustomization.yaml"),
            "resources:\n- cm.json\n- ../shared/crd.json\n- missing.json\n- deploy.yaml\n\
             - https://example.com/remote.json\n- ../../outside.json\n\
             patches:\n- path: sub/patch.json\n\
             configMapGenerator:\n- name: dash\n  files: [dashboard.json]\n",
        )
        .expect("write");
        for file in [
            "app/cm.json",
            "shared/crd.json",
            "app/sub/patch.json",
            "app/dashboard.json",
            "package.json",
        ] {
            fs::write(root.join(file), "{}").expect("write");
        }
        fs::write(root.join("app/deploy.yaml"), "a: 1").expect("write");
        assert_eq!(
            listed(root, &[]),
            ["app/cm.json", "app/sub/patch.json", "shared/crd.json"]
        );
        // Exclude globs apply to listed files as to walked ones.
        assert_eq!(
            listed(root, &["shared/**".to_owned()]),
            ["app/cm.json", "app/sub/patch.json"]
        );
    }

    #[test]
    fn refuses_a_listed_file_linked_out_of_the_root_or_over_the_size_limit() {
        let outside = tempfile::tempdir().expect("tempdir");
        fs::write(outside.path().join("secret.json"), "{}").expect("write");
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        fs::write(
            root.join("kustomization.yaml"),
            "resources: [linked.json, big.json, ok.json]\n",
        )
        .expect("write");
        std::os::unix::fs::symlink(outside.path().join("secret.json"), root.join("linked.json"))
            .expect("symlink");
        fs::write(root.join("big.json"), "x".repeat(2000)).expect("write");
        fs::write(root.join("ok.json"), "{}").expect("write");
        assert_eq!(listed(root, &[]), ["ok.json"]);
    }
}
