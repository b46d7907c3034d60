//! `--changed-since REF`: which files git says changed, so that only their
//! findings are reported (everything is still evaluated: a change in one file
//! can break a reference in another).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::error::{usage, WorkspaceError};

/// Real paths of files changed since `reference`: committed since, uncommitted, or untracked.
/// git runs in the repository of the first linted path (which need not be the working
/// directory's), and lists paths relative to its top level.
pub fn changed_files(reference: &str, first: &Path) -> Result<BTreeSet<PathBuf>, WorkspaceError> {
    let dir = if first.is_dir() {
        first
    } else {
        first
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
    };
    let git = |args: &[&str]| -> Result<String, WorkspaceError> {
        let output = std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .map_err(|source| WorkspaceError::Io {
                what: "--changed-since needs git on the PATH".to_owned(),
                source,
            })?;
        if !output.status.success() {
            usage!(
                "--changed-since {reference}: git {} failed in {}: {}",
                args.join(" "),
                dir.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    };
    let top = PathBuf::from(git(&["rev-parse", "--show-toplevel"])?.trim());
    let mut files = BTreeSet::new();
    for list in [
        // Without --relative, diff names files relative to the top level, wherever it runs.
        git(&["diff", "--name-only", "--no-renames", reference, "--"])?,
        // `:/` is the whole repository, not only the directory git runs in.
        git(&[
            "ls-files",
            "--others",
            "--exclude-standard",
            "--full-name",
            "--",
            ":/",
        ])?,
    ] {
        for line in list.lines().filter(|l| !l.is_empty()) {
            files.insert(real_path(&top.join(line)));
        }
    }
    Ok(files)
}

/// The path with symlinks resolved (/tmp and /private/tmp compare equal), or for a file that
/// no longer exists, with `.` and `..` resolved and its existing parent's symlinks.
pub fn real_path(path: &Path) -> PathBuf {
    if let Ok(real) = path.canonicalize() {
        return real;
    }
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    match (
        out.parent().and_then(|p| p.canonicalize().ok()),
        out.file_name(),
    ) {
        (Some(parent), Some(name)) => parent.join(name),
        _ => out,
    }
}
