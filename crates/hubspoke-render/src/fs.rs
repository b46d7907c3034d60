//! The virtual file system of a render: the linted root's parsed files, keyed
//! by repository path, and a reader for generator inputs restricted to the root.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use hubspoke_manifest::ParsedFile;

use crate::origin::FileId;

/// Reads the bytes of a file given by its repository path (`/`-separated,
/// normalized, relative to the root); the error is a sentence for users.
pub type FileReader<'a> = dyn Fn(&str) -> Result<Vec<u8>, String> + Sync + 'a;

/// What a render may read: nothing else, and never the network.
pub struct RenderFs<'a> {
    files: Vec<&'a ParsedFile>,
    by_path: HashMap<&'a str, FileId>,
    directories: HashSet<String>,
    reader: Box<FileReader<'a>>,
}

impl std::fmt::Debug for RenderFs<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RenderFs")
            .field("files", &self.files.len())
            .finish_non_exhaustive()
    }
}

/// The names kustomize recognizes as a directory's kustomization, in its order.
pub const KUSTOMIZATION_FILE_NAMES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];

impl<'a> RenderFs<'a> {
    /// The parsed files of a root (a slice of files, or of references to them, as
    /// the pipeline holds them), and `reader` for the other files generators read
    /// (`files:`, `envs:`). The reader must itself stay inside the root.
    pub fn new(
        files: impl IntoIterator<Item = &'a ParsedFile>,
        reader: impl Fn(&str) -> Result<Vec<u8>, String> + Sync + 'a,
    ) -> Self {
        let files: Vec<&'a ParsedFile> = files.into_iter().collect();
        let mut by_path = HashMap::with_capacity(files.len());
        let mut directories = HashSet::new();
        directories.insert(String::new());
        for (index, file) in files.iter().enumerate() {
            let id = FileId(u32::try_from(index).unwrap_or(u32::MAX));
            by_path.entry(file.source.repo_path.as_str()).or_insert(id);
            let mut path = file.source.repo_path.as_str();
            while let Some((parent, _)) = path.rsplit_once('/') {
                if !directories.insert(parent.to_owned()) {
                    break;
                }
                path = parent;
            }
        }
        RenderFs {
            files,
            by_path,
            directories,
            reader: Box::new(reader),
        }
    }

    /// Parsed files only: generator inputs that are not among them cannot be read.
    pub fn parsed_only(files: impl IntoIterator<Item = &'a ParsedFile>) -> Self {
        Self::new(files, |path| {
            Err(format!(
                "`{path}` is not among the files given to the renderer"
            ))
        })
    }

    /// The parsed files of `root`, reading generator inputs from the disk under
    /// `root` only: a path whose real location (symlinks resolved) is outside
    /// the root is refused.
    pub fn with_root(files: impl IntoIterator<Item = &'a ParsedFile>, root: &Path) -> Self {
        let root: PathBuf = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        Self::new(files, move |path| read_under_root(&root, path))
    }

    /// The parsed file `id`.
    pub fn file(&self, id: FileId) -> Option<&'a ParsedFile> {
        self.files.get(id.0 as usize).copied()
    }

    /// Every parsed file, indexed by [`FileId`].
    pub fn files(&self) -> &[&'a ParsedFile] {
        &self.files
    }

    /// The id of the parsed file at a repository path.
    pub fn file_id(&self, path: &str) -> Option<FileId> {
        self.by_path.get(path).copied()
    }

    /// Whether some parsed file lies under `path` (the root is `""`).
    pub fn is_dir(&self, path: &str) -> bool {
        self.directories.contains(path)
    }

    /// The kustomization files of a directory, in kustomize's order of names.
    pub fn kustomization_files(&self, dir: &str) -> Vec<FileId> {
        KUSTOMIZATION_FILE_NAMES
            .iter()
            .filter_map(|name| self.file_id(&join_name(dir, name)))
            .collect()
    }

    /// Read a generator input.
    pub fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        if let Some(id) = self.file_id(path) {
            if let Some(file) = self.file(id) {
                if file.problems.is_empty() || !file.source.text.is_empty() {
                    return Ok(file.source.text.as_bytes().to_vec());
                }
            }
        }
        (self.reader)(path)
    }
}

fn read_under_root(root: &Path, path: &str) -> Result<Vec<u8>, String> {
    let candidate = root.join(path);
    let real = std::fs::canonicalize(&candidate)
        .map_err(|error| format!("cannot read `{path}`: {error}"))?;
    if !real.starts_with(root) {
        return Err(format!(
            "`{path}` resolves outside the linted root; it was not read"
        ));
    }
    std::fs::read(&real).map_err(|error| format!("cannot read `{path}`: {error}"))
}

/// `dir/name`, or `name` in the root.
pub fn join_name(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

/// Why a path written in a kustomization cannot be followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathError {
    /// An absolute path: the render reads only inside the root.
    Absolute,
    /// `..` climbs out of the linted root.
    OutsideRoot,
    /// A remote base (Git or HTTP): never fetched.
    Remote,
}

/// Whether a reference names a remote base kustomize would fetch.
pub fn is_remote(reference: &str) -> bool {
    reference.contains("://")
        || reference.starts_with("github.com/")
        || reference.starts_with("gitlab.com/")
        || reference.starts_with("bitbucket.org/")
        || reference.starts_with("git@")
        || reference.starts_with("git::")
        || reference.contains("?ref=")
        || reference.contains("?version=")
        || reference.contains(".git//")
}

/// Resolve `reference` relative to directory `dir` into a normalized
/// repository path (`""` is the root).
pub fn resolve(dir: &str, reference: &str) -> Result<String, PathError> {
    if is_remote(reference) {
        return Err(PathError::Remote);
    }
    if reference.starts_with('/') {
        return Err(PathError::Absolute);
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in reference.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(PathError::OutsideRoot);
                }
            }
            other => parts.push(other),
        }
    }
    Ok(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_resolve_inside_the_root_only() {
        assert_eq!(
            resolve("apps/base", "../overlay/x.yaml"),
            Ok("apps/overlay/x.yaml".to_owned())
        );
        assert_eq!(resolve("", "./a//b/"), Ok("a/b".to_owned()));
        assert_eq!(resolve("apps", "../.."), Err(PathError::OutsideRoot));
        assert_eq!(resolve("apps", "/etc/passwd"), Err(PathError::Absolute));
        assert_eq!(
            resolve("apps", "github.com/org/repo//deploy?ref=v1"),
            Err(PathError::Remote)
        );
        assert_eq!(
            resolve("apps", "https://example.com/x.yaml"),
            Err(PathError::Remote)
        );
    }
}
