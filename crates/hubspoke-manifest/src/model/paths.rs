//! Repository-relative path arithmetic (lexical, never touching the file system
//! except to check that a reference's target exists inside the root) and the
//! resolution of path references written in Flux objects and kustomization.yaml files.

use std::collections::BTreeSet;

use serde_json::Value;

use super::types::{PathRef, RepoModel};
use super::Builder;

/// The directory of a repository path (`.` for a file at the root).
pub(super) fn parent_dir(path: &str) -> String {
    match path.rsplit_once('/') {
        Some((dir, _)) => dir.to_owned(),
        None => ".".to_owned(),
    }
}

/// The last component of a repository path.
pub(super) fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Normalise `base/rel` lexically; `None` when `..` climbs above the root.
pub fn normalize(base: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    let start = if rel.starts_with('/') { "" } else { base };
    for part in start.split('/').chain(rel.split('/')) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(if parts.is_empty() {
        ".".to_owned()
    } else {
        parts.join("/")
    })
}

/// A remote reference (a URL, `github.com/...`, `git@...`, `?ref=`): not in the tree.
pub(super) fn is_remote(reference: &str) -> bool {
    reference.contains("://")
        || reference.starts_with("github.com/")
        || reference.starts_with("git@")
        || reference.contains("?ref=")
}

/// A reference holding a `${VAR}` substitution: only the cluster knows its value.
pub(super) fn is_templated(reference: &str) -> bool {
    reference.contains("${")
}

/// Canonical form of a Git URL for comparing sources: host/path without scheme, user or `.git`.
pub fn normalize_git_url(url: &str) -> String {
    let without_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let without_user = without_scheme
        .split_once('@')
        .map_or(without_scheme, |(_, rest)| rest);
    without_user
        .replacen(':', "/", usize::from(!url.contains("://")))
        .trim_end_matches('/')
        .trim_end_matches(".git")
        .to_ascii_lowercase()
}

/// Every directory holding one of `files`, with its ancestors (`.` is the root).
pub(super) fn directories_of<'a>(files: impl Iterator<Item = &'a String>) -> BTreeSet<String> {
    let mut directories = BTreeSet::from([".".to_owned()]);
    for file in files {
        let mut dir = parent_dir(file);
        while directories.insert(dir.clone()) {
            dir = parent_dir(&dir);
        }
    }
    directories
}

impl Builder<'_> {
    /// A path reference resolved against `base_dir`: remote and `${VAR}` references
    /// are unresolved, one climbing above the root escapes, and the rest exist when the
    /// tree (or, for files that are not YAML, the disk inside the root) has them.
    pub(super) fn path_ref(&self, base_dir: &str, raw: &str, path: Vec<Value>) -> PathRef {
        if is_remote(raw) || is_templated(raw) {
            return PathRef {
                raw: raw.to_owned(),
                target: String::new(),
                exists: false,
                escapes: false,
                absolute: false,
                unresolved: true,
                path,
            };
        }
        match normalize(base_dir, raw) {
            None => PathRef {
                raw: raw.to_owned(),
                target: String::new(),
                exists: false,
                escapes: true,
                absolute: false,
                unresolved: false,
                path,
            },
            Some(target) => {
                let exists = self.file_index.contains_key(&target)
                    || self.directories.contains(&target)
                    // Non-YAML files (env files, JSON patches) are not discovered; their
                    // existence is checked on disk, inside the root only: never read.
                    || self.root.join(&target).exists();
                PathRef {
                    raw: raw.to_owned(),
                    target,
                    exists,
                    escapes: false,
                    absolute: false,
                    unresolved: false,
                    path,
                }
            }
        }
    }
}

impl Builder<'_> {
    /// Whether a repository path is left out of the artifacts Flux builds from this
    /// repository by the root `.sourceignore` (gitignore syntax; source-controller and
    /// `flux push artifact` read it). `None` when there is no such file or it cannot be
    /// read: nothing is left out.
    pub(super) fn source_ignore(&self) -> Option<impl Fn(&str) -> bool + '_> {
        let path = self.root.join(".sourceignore");
        if !path.is_file() {
            return None;
        }
        let mut builder = ignore::gitignore::GitignoreBuilder::new(self.root);
        // A line that does not parse is skipped, as source-controller skips it.
        let _ = builder.add(&path);
        let matcher = builder.build().ok()?;
        Some(move |repo_path: &str| {
            matcher
                .matched_path_or_any_parents(self.root.join(repo_path), false)
                .is_ignore()
        })
    }

    /// Mark the kustomization files the root `.sourceignore` keeps out of Flux's
    /// artifacts ([`KustomizeFile::source_ignored`](super::types::KustomizeFile)).
    pub(super) fn mark_source_ignored(&self, model: &mut RepoModel) {
        if let Some(ignored) = self.source_ignore() {
            for kf in &mut model.kustomize_files {
                kf.source_ignored = ignored(&kf.file);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_normalise_and_escapes_are_caught() {
        assert_eq!(
            normalize(".", "./clusters/production").as_deref(),
            Some("clusters/production")
        );
        assert_eq!(
            normalize("apps/base", "../overlays/dev").as_deref(),
            Some("apps/overlays/dev")
        );
        assert_eq!(normalize("apps", "../../../etc"), None);
        assert_eq!(normalize(".", "./").as_deref(), Some("."));
    }

    #[test]
    fn git_urls_compare_by_host_and_path() {
        assert_eq!(
            normalize_git_url("ssh://git@github.com/myorg/fleet-infra"),
            "github.com/myorg/fleet-infra"
        );
        assert_eq!(
            normalize_git_url("https://github.com/myorg/fleet-infra.git"),
            "github.com/myorg/fleet-infra"
        );
        assert_eq!(
            normalize_git_url("git@github.com:myorg/fleet-infra.git"),
            "github.com/myorg/fleet-infra"
        );
    }
}
