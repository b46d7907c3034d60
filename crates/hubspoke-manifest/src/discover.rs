//! Finding the files to lint: gitignore-aware walking, include/exclude globs,
//! size limits, and symlinks that are never followed out of the root.

use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use globset::{Glob, GlobSet, GlobSetBuilder};
use ignore::{ParallelVisitor, ParallelVisitorBuilder, WalkBuilder, WalkState};

use crate::error::ManifestError;
use crate::problem::{FileProblem, PathProblem, ProblemCode};

/// The default include globs.
pub const DEFAULT_INCLUDE: [&str; 2] = ["**/*.yaml", "**/*.yml"];

/// The default per-file size limit (10 MiB).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

/// What to walk and what to keep.
#[derive(Debug, Clone)]
pub struct DiscoverOptions {
    /// Files must match one of these (relative to their root). Explicit file arguments bypass it.
    pub include: GlobSet,
    /// Files and directories matching one of these are skipped.
    pub exclude: GlobSet,
    /// Files larger than this are reported and skipped.
    pub max_file_size: u64,
    /// Display paths are relative to this directory when files lie under it.
    pub display_base: Option<PathBuf>,
}

impl DiscoverOptions {
    /// Options from glob strings; errors name the bad glob.
    pub fn new(
        include: &[String],
        exclude: &[String],
        max_file_size: u64,
        display_base: Option<PathBuf>,
    ) -> Result<Self, ManifestError> {
        let include: Vec<String> = if include.is_empty() {
            DEFAULT_INCLUDE.iter().map(|s| (*s).to_owned()).collect()
        } else {
            include.to_vec()
        };
        Ok(DiscoverOptions {
            include: glob_set(&include)?,
            exclude: glob_set(exclude)?,
            max_file_size,
            display_base,
        })
    }
}

/// Compile globs into a set; `dir/**` style and bare names work as users expect.
pub fn glob_set(globs: &[String]) -> Result<GlobSet, ManifestError> {
    let mut builder = GlobSetBuilder::new();
    for glob in globs {
        let compiled = Glob::new(glob).map_err(|source| ManifestError::Glob {
            glob: glob.clone(),
            message: source.kind().to_string(),
        })?;
        builder.add(compiled);
        // A glob without a slash matches at any depth, as in .gitignore.
        if !glob.contains('/') {
            let anywhere = format!("**/{glob}");
            if let Ok(g) = Glob::new(&anywhere) {
                builder.add(g);
            }
        }
    }
    builder.build().map_err(|source| ManifestError::Glob {
        glob: globs.join(", "),
        message: source.kind().to_string(),
    })
}

/// A file to lint.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DiscoveredFile {
    /// Path shown to users.
    pub display_path: String,
    /// Path relative to its root.
    pub repo_path: String,
    /// Path to open.
    pub fs_path: PathBuf,
    /// Index of the root (command-line path) it was found under.
    pub root: usize,
}

/// The outcome of a walk.
#[derive(Debug, Clone, Default)]
pub struct Discovery {
    /// Files to parse, sorted by display path, without duplicates.
    pub files: Vec<DiscoveredFile>,
    /// Problems met while walking (skipped files, loops, unreadable directories).
    pub problems: Vec<PathProblem>,
}

/// Walk every root and collect the files to lint.
pub fn discover(roots: &[PathBuf], options: &DiscoverOptions) -> Discovery {
    let mut out = Discovery::default();
    for (index, root) in roots.iter().enumerate() {
        let first = out.files.len();
        discover_root(root, options, &mut out);
        for file in &mut out.files[first..] {
            file.root = index;
        }
    }
    out.files.sort();
    out.files.dedup_by(|a, b| a.display_path == b.display_path);
    // Walk problems are whole-file problems: path, message and code order them fully.
    out.problems.sort_by(|a, b| {
        a.path
            .cmp(&b.path)
            .then_with(|| a.problem.message.cmp(&b.problem.message))
            .then_with(|| a.problem.code.cmp(&b.problem.code))
    });
    out.problems.dedup();
    out
}

fn discover_root(root: &Path, options: &DiscoverOptions, out: &mut Discovery) {
    let display_root = display_root(root, options.display_base.as_deref());
    let metadata = match std::fs::metadata(root) {
        Ok(m) => m,
        Err(error) => {
            out.problems.push(PathProblem {
                path: display_root.clone().unwrap_or_else(|| slash(root)),
                problem: FileProblem::whole_file(
                    ProblemCode::Unreadable,
                    format!("cannot read path: {error}"),
                ),
            });
            return;
        }
    };
    if metadata.is_file() {
        let name = root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let display = display_root.unwrap_or_else(|| name.clone());
        if metadata.len() > options.max_file_size {
            out.problems
                .push(too_large(&display, metadata.len(), options.max_file_size));
        } else {
            out.files.push(DiscoveredFile {
                display_path: display,
                repo_path: name,
                fs_path: root.to_path_buf(),
                root: 0,
            });
        }
        return;
    }
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let display_of = |repo_path: &str| match &display_root {
        Some(prefix) if !prefix.is_empty() => format!("{prefix}/{repo_path}"),
        _ => repo_path.to_owned(),
    };
    let walk_problems: Arc<Mutex<Vec<(PathBuf, FileProblem)>>> = Arc::default();
    let filter_problems = Arc::clone(&walk_problems);
    let filter_root = canonical_root.clone();
    let exclude = options.exclude.clone();
    let exclude_root = root.to_path_buf();
    let walker = WalkBuilder::new(root)
        .hidden(false)
        .follow_links(true)
        .require_git(false)
        // Ignore files above the root and the user's global gitignore are not part of
        // the linted tree: a `*.yaml` in a parent directory must not silence the run.
        .parents(false)
        .git_global(false)
        .add_custom_ignore_filename(".hubspokeignore")
        // As many walker threads as the run has workers (`--threads`): the walk is
        // stat and readdir calls, which scale with cores on a warm page cache.
        .threads(rayon::current_num_threads())
        .filter_entry(move |entry| {
            if entry.file_name() == ".git" {
                return false;
            }
            if let Ok(rel) = entry.path().strip_prefix(&exclude_root) {
                if !rel.as_os_str().is_empty() && exclude.is_match(rel) {
                    return false;
                }
            }
            if !entry.path_is_symlink() {
                return true;
            }
            let problem = match entry.path().canonicalize() {
                Ok(target) if target.starts_with(&filter_root) => return true,
                Ok(_) => FileProblem::whole_file(
                    ProblemCode::SymlinkOutsideRoot,
                    "symlink points outside the linted root; not followed",
                ),
                Err(error) => FileProblem::whole_file(
                    ProblemCode::Unreadable,
                    format!("cannot follow symlink: {error}"),
                ),
            };
            problems_of_filter(&filter_problems).push((entry.path().to_path_buf(), problem));
            false
        })
        .build_parallel();
    let merged = Mutex::new(Visited::default());
    walker.visit(&mut Collector {
        root,
        options,
        display_of: &display_of,
        merged: &merged,
    });
    // Each walker thread saw part of the tree, in an order that depends on scheduling;
    // `discover` sorts what they found, so the result does not.
    let visited = merged.into_inner().unwrap_or_else(PoisonError::into_inner);
    out.files.extend(visited.files);
    out.problems.extend(visited.problems);
    for (path, problem) in problems_of_filter(&walk_problems).drain(..) {
        let repo_path = path
            .strip_prefix(root)
            .map(slash)
            .unwrap_or_else(|_| slash(&path));
        out.problems.push(PathProblem {
            path: display_of(&repo_path),
            problem,
        });
    }
    if !visited.found_any {
        out.problems.push(PathProblem {
            path: match display_root {
                Some(r) if r.is_empty() => ".".to_owned(),
                Some(r) => r,
                // Outside the display base: name the root as the user gave it.
                None => slash(root),
            },
            problem: FileProblem::whole_file(
                ProblemCode::NoFiles,
                "no YAML files found here (looked for the include globs)",
            ),
        });
    }
}

/// The problems the entry filter met (symlinks out of the root, unreadable links), also
/// when a walker thread panicked while holding them.
fn problems_of_filter(
    problems: &Mutex<Vec<(PathBuf, FileProblem)>>,
) -> MutexGuard<'_, Vec<(PathBuf, FileProblem)>> {
    problems.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the walker threads found under one root, merged.
#[derive(Default)]
struct Visited {
    /// Files to lint (unsorted).
    files: Vec<DiscoveredFile>,
    /// Files too large, and walk errors (unsorted).
    problems: Vec<PathProblem>,
    /// Whether any file matched the include globs (too large ones included).
    found_any: bool,
}

/// Hands each walker thread a [`RootVisitor`] that collects into its own [`Visited`].
struct Collector<'s> {
    root: &'s Path,
    options: &'s DiscoverOptions,
    display_of: &'s (dyn Fn(&str) -> String + Sync),
    merged: &'s Mutex<Visited>,
}

impl<'s> ParallelVisitorBuilder<'s> for Collector<'s> {
    fn build(&mut self) -> Box<dyn ParallelVisitor + 's> {
        Box::new(RootVisitor {
            root: self.root,
            options: self.options,
            display_of: self.display_of,
            merged: self.merged,
            visited: Visited::default(),
        })
    }
}

/// One walker thread's view: collects without locking, merges once when the thread ends.
struct RootVisitor<'s> {
    root: &'s Path,
    options: &'s DiscoverOptions,
    display_of: &'s (dyn Fn(&str) -> String + Sync),
    merged: &'s Mutex<Visited>,
    visited: Visited,
}

impl ParallelVisitor for RootVisitor<'_> {
    fn visit(&mut self, result: Result<ignore::DirEntry, ignore::Error>) -> WalkState {
        let entry = match result {
            Ok(entry) => entry,
            Err(error) => {
                let problem = walk_problem(self.root, &error, self.display_of);
                self.visited.problems.push(problem);
                return WalkState::Continue;
            }
        };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            return WalkState::Continue;
        }
        let Ok(rel) = entry.path().strip_prefix(self.root) else {
            return WalkState::Continue;
        };
        if !self.options.include.is_match(rel) {
            return WalkState::Continue;
        }
        self.visited.found_any = true;
        let repo_path = slash(rel);
        let display_path = (self.display_of)(&repo_path);
        let limit = self.options.max_file_size;
        match entry.metadata() {
            Ok(m) if m.len() > limit => {
                self.visited
                    .problems
                    .push(too_large(&display_path, m.len(), limit));
            }
            _ => self.visited.files.push(DiscoveredFile {
                display_path,
                repo_path,
                fs_path: entry.path().to_path_buf(),
                root: 0,
            }),
        }
        WalkState::Continue
    }
}

impl Drop for RootVisitor<'_> {
    fn drop(&mut self) {
        let visited = std::mem::take(&mut self.visited);
        let mut merged = self.merged.lock().unwrap_or_else(PoisonError::into_inner);
        merged.files.extend(visited.files);
        merged.problems.extend(visited.problems);
        merged.found_any |= visited.found_any;
    }
}

fn walk_problem(
    root: &Path,
    error: &ignore::Error,
    display_of: &dyn Fn(&str) -> String,
) -> PathProblem {
    let (path, problem) = walk_error(error);
    let repo_path = path
        .as_deref()
        .map(|p| p.strip_prefix(root).map(slash).unwrap_or_else(|_| slash(p)))
        .unwrap_or_default();
    PathProblem {
        path: display_of(&repo_path),
        problem,
    }
}

fn walk_error(error: &ignore::Error) -> (Option<PathBuf>, FileProblem) {
    match error {
        ignore::Error::WithPath { path, err } => {
            let (_, problem) = walk_error(err);
            (Some(path.clone()), problem)
        }
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error(err)
        }
        ignore::Error::Loop { child, ancestor } => (
            Some(child.clone()),
            FileProblem::whole_file(
                ProblemCode::SymlinkLoop,
                format!(
                    "symlink loop: leads back to its ancestor `{}`; not followed",
                    ancestor
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                ),
            ),
        ),
        other => (
            None,
            FileProblem::whole_file(
                ProblemCode::Unreadable,
                format!("cannot read: {}", describe(other)),
            ),
        ),
    }
}

/// The text of a walk error without the paths the `ignore` and `walkdir` errors embed
/// (absolute when the root is): the finding already names the file by its display path.
fn describe(error: &ignore::Error) -> String {
    match error {
        ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => describe(err),
        ignore::Error::WithLineNumber { line, err } => format!("line {line}: {}", describe(err)),
        ignore::Error::Partial(errors) => {
            errors.iter().map(describe).collect::<Vec<_>>().join("; ")
        }
        ignore::Error::Io(io) => innermost_cause(io),
        ignore::Error::Loop { .. } => "symlink loop".to_owned(),
        other => other.to_string(),
    }
}

/// walkdir wraps the operating system's error in one that prints the path; the
/// innermost cause is the bare reason ("No such file or directory (os error 2)").
fn innermost_cause(error: &std::io::Error) -> String {
    let mut cause: &(dyn std::error::Error + 'static) = match error.get_ref() {
        Some(inner) => inner,
        None => error,
    };
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

fn too_large(path: &str, size: u64, limit: u64) -> PathProblem {
    PathProblem {
        path: path.to_owned(),
        problem: FileProblem::whole_file(
            ProblemCode::FileTooLarge,
            format!(
                "file is {size} bytes, over the {limit}-byte limit (--max-file-size); not linted"
            ),
        ),
    }
}

/// How a root is shown: relative to the display base when possible, never absolute
/// unless it lies outside the base (then `None`: paths show relative to the root).
fn display_root(root: &Path, base: Option<&Path>) -> Option<String> {
    if root.is_relative() {
        let normal: Vec<String> = root
            .components()
            .filter_map(|c| match c {
                Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect();
        if root.components().any(|c| matches!(c, Component::ParentDir)) {
            return None;
        }
        return Some(normal.join("/"));
    }
    let base = base?;
    let canonical_base = base.canonicalize().ok()?;
    let canonical_root = root.canonicalize().ok()?;
    canonical_root.strip_prefix(&canonical_base).ok().map(slash)
}

/// A path with `/` separators (`/abs/path`, `C:/x`, `a/b`), as findings show them.
fn slash(path: &Path) -> String {
    let mut out = String::new();
    for component in path.components() {
        match component {
            Component::Prefix(prefix) => out.push_str(&prefix.as_os_str().to_string_lossy()),
            Component::RootDir => out.push('/'),
            other => {
                if !out.is_empty() && !out.ends_with('/') {
                    out.push('/');
                }
                out.push_str(&other.as_os_str().to_string_lossy());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn options() -> DiscoverOptions {
        DiscoverOptions::new(&[], &[], DEFAULT_MAX_FILE_SIZE, None).expect("options")
    }

    #[test]
    fn walks_yaml_honours_gitignore_and_excludes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        fs::create_dir_all(root.join("a/b")).expect("mkdir");
        fs::create_dir_all(root.join(".git")).expect("mkdir");
        fs::write(root.join("a/b/x.yaml"), "a: 1").expect("write");
        fs::write(root.join("a/y.yml"), "a: 1").expect("write");
        fs::write(root.join("a/z.txt"), "a: 1").expect("write");
        fs::write(root.join("ignored.yaml"), "a: 1").expect("write");
        fs::write(root.join(".git/config.yaml"), "a: 1").expect("write");
        fs::write(root.join(".gitignore"), "ignored.yaml\n").expect("write");
        let found = discover(&[root.to_path_buf()], &options());
        let names: Vec<_> = found.files.iter().map(|f| f.repo_path.as_str()).collect();
        assert_eq!(names, ["a/b/x.yaml", "a/y.yml"]);
        let mut opts = options();
        opts.exclude = glob_set(&["a/b/**".to_owned()]).expect("glob");
        let found = discover(&[root.to_path_buf()], &opts);
        let names: Vec<_> = found.files.iter().map(|f| f.repo_path.as_str()).collect();
        assert_eq!(names, ["a/y.yml"]);
    }

    #[test]
    fn oversize_files_are_reported_not_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(dir.path().join("big.yaml"), "a: 1234567890").expect("write");
        let mut opts = options();
        opts.max_file_size = 4;
        let found = discover(&[dir.path().to_path_buf()], &opts);
        assert!(found.files.is_empty());
        assert_eq!(found.problems[0].problem.code, ProblemCode::FileTooLarge);
        assert_eq!(found.problems[0].path, "big.yaml");
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_out_of_the_root_and_loops_are_reported() {
        let outside = tempfile::tempdir().expect("tempdir");
        fs::write(outside.path().join("secret.yaml"), "a: 1").expect("write");
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        fs::create_dir_all(root.join("d")).expect("mkdir");
        fs::write(root.join("d/ok.yaml"), "a: 1").expect("write");
        std::os::unix::fs::symlink(outside.path(), root.join("out")).expect("symlink");
        std::os::unix::fs::symlink(outside.path().join("secret.yaml"), root.join("s.yaml"))
            .expect("symlink");
        std::os::unix::fs::symlink(root.join("d"), root.join("d/loop")).expect("symlink");
        let found = discover(&[root.to_path_buf()], &options());
        let names: Vec<_> = found.files.iter().map(|f| f.repo_path.as_str()).collect();
        assert_eq!(names, ["d/ok.yaml"]);
        let codes: Vec<_> = found
            .problems
            .iter()
            .map(|p| (p.path.as_str(), p.problem.code))
            .collect();
        assert_eq!(
            codes,
            [
                ("d/loop", ProblemCode::SymlinkLoop),
                ("out", ProblemCode::SymlinkOutsideRoot),
                ("s.yaml", ProblemCode::SymlinkOutsideRoot)
            ]
        );
    }

    #[test]
    fn a_directory_without_yaml_names_the_root_as_given() {
        let dir = tempfile::tempdir().expect("tempdir");
        let found = discover(&[dir.path().to_path_buf()], &options());
        assert_eq!(found.problems.len(), 1);
        assert_eq!(found.problems[0].problem.code, ProblemCode::NoFiles);
        assert_eq!(found.problems[0].path, slash(dir.path()));
        assert!(
            found.problems[0].path.starts_with('/') && !found.problems[0].path.starts_with("//")
        );
    }

    #[test]
    fn slash_joins_components_without_doubling_the_root() {
        assert_eq!(slash(Path::new("/nonexistent")), "/nonexistent");
        assert_eq!(slash(Path::new("/a/b.yaml")), "/a/b.yaml");
        assert_eq!(slash(Path::new("a/./b")), "a/b");
        assert_eq!(slash(Path::new("../a")), "../a");
    }

    #[test]
    fn ignore_files_above_the_root_do_not_apply_but_those_inside_do() {
        let dir = tempfile::tempdir().expect("tempdir");
        let outer = dir.path().join("outer");
        let inner = outer.join("inner");
        fs::create_dir_all(inner.join("apps")).expect("mkdir");
        fs::write(outer.join(".gitignore"), "*.yaml\n").expect("write");
        fs::write(inner.join("apps/a.yaml"), "a: 1").expect("write");
        fs::write(inner.join("apps/skipped.yaml"), "a: 1").expect("write");
        fs::write(inner.join(".gitignore"), "skipped.yaml\n").expect("write");
        let found = discover(&[inner], &options());
        let names: Vec<_> = found.files.iter().map(|f| f.repo_path.as_str()).collect();
        assert_eq!(names, ["apps/a.yaml"]);
        assert!(found.problems.is_empty(), "{:?}", found.problems);
    }

    #[cfg(unix)]
    #[test]
    fn walk_errors_name_the_file_by_its_relative_path_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        fs::create_dir_all(root.join("apps")).expect("mkdir");
        std::os::unix::fs::symlink(
            root.join("apps/missing.yaml"),
            root.join("apps/dangling.yaml"),
        )
        .expect("symlink");
        let found = discover(&[root.to_path_buf()], &options());
        let problems: Vec<_> = found
            .problems
            .iter()
            .map(|p| (p.path.as_str(), p.problem.code, p.problem.message.as_str()))
            .collect();
        assert_eq!(
            problems,
            [
                (
                    slash(root).as_str(),
                    ProblemCode::NoFiles,
                    "no YAML files found here (looked for the include globs)"
                ),
                (
                    "apps/dangling.yaml",
                    ProblemCode::Unreadable,
                    "cannot read: No such file or directory (os error 2)"
                )
            ]
        );
    }

    /// A tree with every rule the walk applies: nested ignore files (with a negation),
    /// `.hubspokeignore`, an exclude glob, `.git`, an oversized file, symlinks inside,
    /// outside, looping and dangling, and enough directories to spread over threads.
    #[cfg(unix)]
    fn tricky_tree(root: &Path, outside: &Path) {
        fs::write(outside.join("secret.yaml"), "a: 1").expect("write");
        for team in 0..24 {
            let dir = root.join(format!("apps/team-{team:02}"));
            fs::create_dir_all(dir.join("base")).expect("mkdir");
            for app in 0..6 {
                fs::write(dir.join(format!("base/app-{app}.yaml")), "a: 1").expect("write");
            }
            fs::write(dir.join("notes.txt"), "x").expect("write");
            fs::write(dir.join("local.yml"), "a: 1").expect("write");
        }
        fs::write(root.join(".gitignore"), "*.local.yaml\nbuild/\n").expect("write");
        fs::write(
            root.join("apps/team-03/.gitignore"),
            "base/*\n!base/app-2.yaml\n",
        )
        .expect("write");
        fs::write(root.join("apps/team-05/.hubspokeignore"), "local.yml\n").expect("write");
        fs::write(root.join("apps/team-07/x.local.yaml"), "a: 1").expect("write");
        fs::create_dir_all(root.join("build")).expect("mkdir");
        fs::write(root.join("build/out.yaml"), "a: 1").expect("write");
        fs::create_dir_all(root.join("vendor/charts")).expect("mkdir");
        fs::write(root.join("vendor/charts/c.yaml"), "a: 1").expect("write");
        fs::create_dir_all(root.join(".git")).expect("mkdir");
        fs::write(root.join(".git/config.yaml"), "a: 1").expect("write");
        fs::write(root.join("apps/big.yaml"), "a: 1234567890").expect("write");
        std::os::unix::fs::symlink(root.join("apps/team-01"), root.join("linked"))
            .expect("symlink");
        std::os::unix::fs::symlink(root.join("apps"), root.join("apps/team-02/loop"))
            .expect("symlink");
        std::os::unix::fs::symlink(outside, root.join("apps/team-04/out")).expect("symlink");
        std::os::unix::fs::symlink(root.join("gone.yaml"), root.join("apps/dangling.yaml"))
            .expect("symlink");
    }

    #[cfg(unix)]
    fn discover_with_threads(
        threads: usize,
        roots: &[PathBuf],
        opts: &DiscoverOptions,
    ) -> Discovery {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool")
            .install(|| discover(roots, opts))
    }

    #[cfg(unix)]
    #[test]
    fn the_walk_is_the_same_whatever_the_thread_count() {
        let outside = tempfile::tempdir().expect("tempdir");
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().to_path_buf();
        tricky_tree(&root, outside.path());
        let mut opts = options();
        opts.exclude = glob_set(&["vendor/**".to_owned()]).expect("glob");
        opts.max_file_size = 8;
        opts.display_base = Some(root.clone());
        // Two roots, one inside the other: the files both walks find are kept once.
        let roots = [root.clone(), root.join("apps/team-01")];
        let reference = discover_with_threads(1, &roots, &opts);
        let names: Vec<&str> = reference
            .files
            .iter()
            .map(|f| f.display_path.as_str())
            .collect();
        // 24 teams of 7 files, less team-03's five ignored ones and team-05's
        // `.hubspokeignore`d one, plus the 7 files seen again through `linked`.
        assert_eq!(names.len(), 24 * 7 - 5 - 1 + 7, "{names:#?}");
        assert!(names.contains(&"apps/team-03/base/app-2.yaml"));
        assert!(!names.contains(&"apps/team-03/base/app-1.yaml"));
        assert!(!names.contains(&"apps/team-05/local.yml"));
        assert!(names.contains(&"linked/base/app-0.yaml"));
        assert!(names.iter().all(|n| !n.starts_with("vendor")
            && !n.starts_with("build")
            && !n.starts_with(".git")
            && !n.ends_with(".local.yaml")));
        let problems: Vec<(&str, ProblemCode)> = reference
            .problems
            .iter()
            .map(|p| (p.path.as_str(), p.problem.code))
            .collect();
        assert_eq!(
            problems,
            [
                ("apps/big.yaml", ProblemCode::FileTooLarge),
                ("apps/dangling.yaml", ProblemCode::Unreadable),
                ("apps/team-02/loop", ProblemCode::SymlinkLoop),
                ("apps/team-04/out", ProblemCode::SymlinkOutsideRoot),
            ]
        );
        for threads in [2, 3, 4, 8] {
            for _ in 0..5 {
                let again = discover_with_threads(threads, &roots, &opts);
                assert_eq!(again.files, reference.files, "{threads} threads");
                assert_eq!(again.problems, reference.problems, "{threads} threads");
            }
        }
    }
}
