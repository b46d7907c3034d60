//! The resources of the kustomization Flux generates for a `spec.path` that
//! has none (fluxcd/pkg `kustomize/kustomize_generator.go`, `scanManifests`).
//!
//! Flux walks the directory depth-first in Go's `filepath.Walk` order (each
//! directory's entries sorted by name): a sub-directory holding a
//! kustomization file is listed as one resource and not entered; every other
//! `.yaml`/`.yml` file is listed, at any depth. Files source-controller leaves
//! out of every artifact (`.sops.yaml`, CI files, `.github/`...) are never seen.

use std::collections::BTreeMap;

use crate::KUSTOMIZATION_FILE_NAMES;

/// File names source-controller excludes from artifacts wherever they are
/// (fluxcd/pkg `sourceignore`: `ExcludeCI` and `ExcludeExtra`; a gitignore
/// pattern without a slash matches at any depth).
const EXCLUDED_FILE_NAMES: [&str; 10] = [
    ".travis.yml",
    ".gitlab-ci.yml",
    "appveyor.yml",
    ".drone.yml",
    "cloudbuild.yaml",
    "codeship-services.yml",
    "codeship-steps.yml",
    ".goreleaser.yml",
    ".sops.yaml",
    ".flux.yaml",
];

/// Directories source-controller excludes (`ExcludeVCS` and `ExcludeCI`).
const EXCLUDED_DIRECTORIES: [&str; 3] = [".git", ".github", ".circleci"];

/// Whether source-controller leaves this repository path out of artifacts.
pub fn excluded_from_artifacts(path: &str) -> bool {
    let mut parts = path.split('/').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            return EXCLUDED_FILE_NAMES.contains(&part);
        }
        if EXCLUDED_DIRECTORIES.contains(&part) {
            return true;
        }
    }
    false
}

#[derive(Default)]
struct Directory<'p> {
    files: Vec<&'p str>,
    directories: BTreeMap<&'p str, Directory<'p>>,
}

/// The resources Flux lists for `dir` (repository-relative, `.` for the root),
/// relative to it as Flux writes them (`./a.yaml`, `./sub`), given every file
/// of the repository (repository-relative paths).
pub fn generated_resources<'p>(dir: &str, files: impl IntoIterator<Item = &'p str>) -> Vec<String> {
    let prefix = if dir == "." || dir.is_empty() {
        String::new()
    } else {
        format!("{}/", dir.trim_end_matches('/'))
    };
    let mut root = Directory::default();
    for file in files {
        let Some(relative) = file.strip_prefix(prefix.as_str()) else {
            continue;
        };
        if relative.is_empty() || excluded_from_artifacts(file) {
            continue;
        }
        let mut node = &mut root;
        let mut parts = relative.split('/').peekable();
        while let Some(part) = parts.next() {
            if parts.peek().is_none() {
                node.files.push(part);
            } else {
                node = node.directories.entry(part).or_default();
            }
        }
    }
    let mut out = Vec::new();
    walk(&root, ".", &mut out);
    out
}

/// Go's `filepath.Walk`: entries of a directory sorted by name, files and
/// directories interleaved (`b` sorts before `b.yaml`).
fn walk(dir: &Directory<'_>, path: &str, out: &mut Vec<String>) {
    enum Entry<'d, 'p> {
        File,
        Directory(&'d Directory<'p>),
    }
    let mut entries: BTreeMap<&str, Entry<'_, '_>> = BTreeMap::new();
    for file in &dir.files {
        entries.insert(file, Entry::File);
    }
    for (name, sub) in &dir.directories {
        entries.insert(name, Entry::Directory(sub));
    }
    for (name, entry) in entries {
        let child = format!("{path}/{name}");
        match entry {
            Entry::Directory(sub) => {
                if sub
                    .files
                    .iter()
                    .any(|f| KUSTOMIZATION_FILE_NAMES.contains(f))
                {
                    out.push(child);
                } else {
                    walk(sub, &child, out);
                }
            }
            Entry::File => {
                if name.ends_with(".yaml") || name.ends_with(".yml") {
                    out.push(child);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_depth_first_in_go_order_and_stops_at_kustomizations() {
        let files = [
            "apps/b.yaml",
            "apps/b/x.yaml",
            "apps/a.yml",
            "apps/base/kustomization.yaml",
            "apps/base/deploy.yaml",
            "apps/c/d/e.yaml",
            "apps/notes.txt",
            "apps/.sops.yaml",
            "apps/.github/workflows/ci.yaml",
            "apps/sub/.gitlab-ci.yml",
            "other/z.yaml",
            "apps2/y.yaml",
        ];
        assert_eq!(
            generated_resources("apps", files),
            vec![
                "./a.yml",
                "./b/x.yaml",
                "./b.yaml",
                "./base",
                "./c/d/e.yaml"
            ]
        );
    }

    #[test]
    fn the_root_and_empty_directories() {
        assert_eq!(
            generated_resources(".", ["a.yaml", "clusters/hub/k.yaml"]),
            vec!["./a.yaml", "./clusters/hub/k.yaml"]
        );
        assert!(generated_resources("empty", ["a.yaml"]).is_empty());
    }

    #[test]
    fn artifact_exclusions() {
        assert!(excluded_from_artifacts(".sops.yaml"));
        assert!(excluded_from_artifacts("a/b/.flux.yaml"));
        assert!(excluded_from_artifacts(".github/workflows/x.yaml"));
        assert!(!excluded_from_artifacts("github/x.yaml"));
    }
}
