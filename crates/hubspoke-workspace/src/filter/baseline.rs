//! Baselines: adopt the linter in an existing repository by recording today's
//! findings and reporting only new ones. Entries are keyed by rule, object and
//! field, not by line, so reformatting a file does not invalidate them.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use hubspoke_diagnostics::Finding;
use hubspoke_manifest::{ParsedFile, ProblemCode};

/// The baseline file name, at the repository root.
pub const BASELINE_FILE_NAME: &str = ".hubspoke-lint-baseline.json";

/// The format [`Baseline::from_findings`] writes. Version 1 keyed objects by their declared
/// namespace and findings without an object by their file in `name`; it is still read.
pub const BASELINE_VERSION: u32 = 2;

/// The on-disk baseline.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Format version (1 or 2).
    pub version: u32,
    /// Recorded findings, sorted.
    pub entries: Vec<BaselineEntry>,
}

/// One recorded finding (or several identical ones).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    /// Rule id.
    pub rule: String,
    /// `group/Kind` (`Kind` for the core group); empty for findings without an object.
    pub kind: String,
    /// The namespace the object lands in (version 1: as declared); empty when none.
    pub namespace: String,
    /// Object name; empty when it has none (version 1: the file, for findings without an object).
    pub name: String,
    /// The file, for findings without an object or on an object without a name (whose
    /// identity is its place: two kustomization.yaml files differ only by it).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub file: String,
    /// Field path (`spec.containers[0].image`); for findings without an object, the message.
    pub field: String,
    /// How many identical findings.
    pub count: usize,
}

/// (rule, kind, namespace, name, file, field).
type Key = (String, String, String, String, String, String);

fn kind_of(o: &hubspoke_manifest::ObjectMeta) -> String {
    let group = o.group();
    if group.is_empty() {
        o.kind.clone()
    } else {
        format!("{group}/{}", o.kind)
    }
}

fn key(f: &Finding) -> Key {
    match &f.object {
        Some(o) => {
            let namespace = f
                .effective_namespace
                .clone()
                .or_else(|| o.namespace.clone())
                .unwrap_or_default();
            let (name, file) = match &o.name {
                Some(name) => (name.clone(), String::new()),
                None => (String::new(), f.file.clone()),
            };
            (
                f.rule.clone(),
                kind_of(o),
                namespace,
                name,
                file,
                f.path.to_string(),
            )
        }
        None => (
            f.rule.clone(),
            String::new(),
            String::new(),
            String::new(),
            f.file.clone(),
            f.message.clone(),
        ),
    }
}

/// How version 1 keyed a finding, so that baselines written before version 2 keep working.
fn key_v1(f: &Finding) -> Key {
    match &f.object {
        Some(o) => (
            f.rule.clone(),
            kind_of(o),
            o.namespace.clone().unwrap_or_default(),
            o.name.clone().unwrap_or_default(),
            String::new(),
            f.path.to_string(),
        ),
        None => (
            f.rule.clone(),
            String::new(),
            String::new(),
            f.file.clone(),
            String::new(),
            f.message.clone(),
        ),
    }
}

impl Baseline {
    /// Read and validate a baseline file.
    pub fn read(path: &std::path::Path) -> Result<Baseline, crate::WorkspaceError> {
        let text = std::fs::read_to_string(path).map_err(|source| crate::WorkspaceError::Io {
            what: format!("cannot read baseline {}", path.display()),
            source,
        })?;
        let baseline: Baseline = serde_json::from_str(&text).map_err(|e| {
            crate::WorkspaceError::Invalid(format!(
                "{}:{}:{}: invalid baseline: {e}",
                path.display(),
                e.line(),
                e.column()
            ))
        })?;
        if let Some(problem) = baseline.problem() {
            return Err(crate::WorkspaceError::Invalid(format!(
                "{}: {problem}",
                path.display()
            )));
        }
        Ok(baseline)
    }

    /// Record findings.
    pub fn from_findings(findings: &[Finding]) -> Baseline {
        let mut counts: BTreeMap<Key, usize> = BTreeMap::new();
        for f in findings {
            *counts.entry(key(f)).or_insert(0) += 1;
        }
        Baseline {
            version: BASELINE_VERSION,
            entries: counts
                .into_iter()
                .map(
                    |((rule, kind, namespace, name, file, field), count)| BaselineEntry {
                        rule,
                        kind,
                        namespace,
                        name,
                        file,
                        field,
                        count,
                    },
                )
                .collect(),
        }
    }

    /// Why this baseline cannot be used, if it cannot (a version this build does not know).
    pub fn problem(&self) -> Option<String> {
        (!matches!(self.version, 1 | BASELINE_VERSION)).then(|| {
            format!(
                "baseline version {} is not supported (this hubspoke-lint reads 1 and {BASELINE_VERSION}); write it again with `hubspoke-lint baseline write`",
                self.version
            )
        })
    }

    /// Split findings into new ones and baselined ones; also count baselined findings that
    /// are gone. Every file is taken as read: see [`Baseline::filter_with`].
    pub fn filter(&self, findings: Vec<Finding>) -> BaselineOutcome {
        self.filter_with(findings, &Unread::default())
    }

    /// As [`Baseline::filter`], but an entry that may be in a file the run could not read
    /// (`unread`) is neither matched nor fixed: its finding cannot have been looked for.
    pub fn filter_with(&self, findings: Vec<Finding>, unread: &Unread) -> BaselineOutcome {
        let key_of = if self.version == 1 { key_v1 } else { key };
        let mut remaining: BTreeMap<Key, usize> = self
            .entries
            .iter()
            .map(|e| {
                (
                    (
                        e.rule.clone(),
                        e.kind.clone(),
                        e.namespace.clone(),
                        e.name.clone(),
                        e.file.clone(),
                        e.field.clone(),
                    ),
                    e.count,
                )
            })
            .collect();
        let mut new = Vec::new();
        let mut baselined = 0;
        for f in findings {
            match remaining.get_mut(&key_of(&f)) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    baselined += 1;
                }
                _ => new.push(f),
            }
        }
        let mut fixed = 0;
        let mut unchecked = 0;
        for ((_, kind, _, name, file, _), count) in remaining {
            // Version 1 kept the file of a finding without an object in `name`.
            let file = if self.version == 1 && kind.is_empty() {
                name.as_str()
            } else {
                file.as_str()
            };
            if unread.may_hold(&kind, &name, file) {
                unchecked += count;
            } else {
                fixed += count;
            }
        }
        BaselineOutcome {
            new,
            baselined,
            fixed,
            unchecked,
        }
    }
}

/// What a run could not read, so that the baseline entries there are not called fixed.
#[derive(Debug, Clone, Default)]
pub struct Unread {
    /// Display paths of the files that could not be parsed to the end or read at all.
    pub files: BTreeSet<String>,
    /// `(kind, name)` of every object read (`group/Kind` as in entries): an entry for
    /// one of them can be checked even when some other file could not be read.
    pub objects: BTreeSet<(String, String)>,
}

/// Input problems after which a file's findings are missing or incomplete.
const UNREAD: [ProblemCode; 8] = [
    ProblemCode::ParseError,
    ProblemCode::Encoding,
    ProblemCode::YamlLimit,
    ProblemCode::BinaryFile,
    ProblemCode::FileTooLarge,
    ProblemCode::Unreadable,
    ProblemCode::HelmTemplate,
    ProblemCode::Internal,
];

impl Unread {
    /// The files `findings` (before any filter) say were not read in full, and the
    /// objects of `files`.
    pub fn of(findings: &[Finding], files: &[ParsedFile]) -> Unread {
        let files_unread: BTreeSet<String> = findings
            .iter()
            .filter(|f| UNREAD.iter().any(|code| code.id() == f.rule))
            .map(|f| f.file.clone())
            .collect();
        if files_unread.is_empty() {
            return Unread::default();
        }
        let objects = files
            .iter()
            .flat_map(ParsedFile::objects)
            .filter_map(|document| {
                let object = document.object.as_ref()?;
                Some((kind_of(object), object.name.clone()?))
            })
            .collect();
        Unread {
            files: files_unread,
            objects,
        }
    }

    /// Whether the finding of an entry may sit in an unread file: its file is unread, or
    /// it names an object that was not read while some file was not.
    fn may_hold(&self, kind: &str, name: &str, file: &str) -> bool {
        if self.files.is_empty() {
            return false;
        }
        if !file.is_empty() {
            return self.files.contains(file);
        }
        !self.objects.contains(&(kind.to_owned(), name.to_owned()))
    }
}

/// Findings after a baseline.
#[derive(Debug, Clone, Default)]
pub struct BaselineOutcome {
    /// Findings not in the baseline.
    pub new: Vec<Finding>,
    /// Findings the baseline hid.
    pub baselined: usize,
    /// Baseline entries no longer found (fixed).
    pub fixed: usize,
    /// Baseline entries not found that may be in a file the run could not read.
    pub unchecked: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use hubspoke_manifest::{ObjectMeta, PathSegment};

    fn finding(file: &str, name: Option<&str>, namespace: Option<&str>) -> Finding {
        Finding {
            rule: "HUB001".to_owned(),
            severity: hubspoke_diagnostics::Severity::Error,
            message: "m".to_owned(),
            file: file.to_owned(),
            region: None,
            object: Some(ObjectMeta {
                api_version: "kustomize.config.k8s.io/v1beta1".to_owned(),
                kind: "Kustomization".to_owned(),
                namespace: None,
                name: name.map(str::to_owned),
            }),
            path: vec![PathSegment::Key("resources".to_owned())].into(),
            related: Vec::new(),
            effective_namespace: namespace.map(str::to_owned),
            clusters: Vec::new(),
        }
    }

    #[test]
    fn objects_without_a_name_are_keyed_by_their_file() {
        let a = finding("a/kustomization.yaml", None, None);
        let b = finding("b/kustomization.yaml", None, None);
        let baseline = Baseline::from_findings(std::slice::from_ref(&a));
        assert_eq!(baseline.entries[0].file, "a/kustomization.yaml");
        assert_eq!(baseline.entries[0].name, "");
        let outcome = baseline.filter(vec![a, b.clone()]);
        assert_eq!(outcome.new, vec![b]);
        assert_eq!((outcome.baselined, outcome.fixed), (1, 0));
    }

    #[test]
    fn named_objects_are_keyed_by_effective_namespace_not_file() {
        let here = finding("a/x.yaml", Some("web"), Some("team-a"));
        let moved = finding("moved/x.yaml", Some("web"), Some("team-a"));
        let elsewhere = finding("b/x.yaml", Some("web"), Some("team-b"));
        let baseline = Baseline::from_findings(&[here]);
        assert_eq!(baseline.entries[0].namespace, "team-a");
        assert_eq!(baseline.entries[0].file, "");
        let outcome = baseline.filter(vec![moved, elsewhere.clone()]);
        assert_eq!(outcome.new, vec![elsewhere]);
    }

    #[test]
    fn the_file_is_left_out_of_entries_that_do_not_need_it() {
        let baseline = Baseline::from_findings(&[finding("a/x.yaml", Some("web"), None)]);
        let text = serde_json::to_string(&baseline).expect("json");
        assert!(!text.contains("\"file\""), "{text}");
        assert_eq!(baseline.version, BASELINE_VERSION);
    }
}
