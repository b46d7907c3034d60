//! Baselines: adopt the linter in an existing repository by recording today's
//! findings and reporting only new ones. Entries are keyed by rule, object and
//! field, not by line, so reformatting a file does not invalidate them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::finding::Finding;

/// The baseline file name, at the repository root.
pub const BASELINE_FILE_NAME: &str = ".hubspoke-lint-baseline.json";

/// The on-disk baseline.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Format version (1).
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
    /// Namespace as declared; empty when none.
    pub namespace: String,
    /// Object name; for findings without an object, the file.
    pub name: String,
    /// Field path (`spec.containers[0].image`); for findings without an object, the message.
    pub field: String,
    /// How many identical findings.
    pub count: usize,
}

type Key = (String, String, String, String, String);

fn dotted(path: &[hubspoke_manifest::PathSegment]) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            hubspoke_manifest::PathSegment::Index(i) => out.push_str(&format!("[{i}]")),
            hubspoke_manifest::PathSegment::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
        }
    }
    out
}

fn key(f: &Finding) -> Key {
    match &f.object {
        Some(o) => {
            let group = o.group();
            let kind = if group.is_empty() {
                o.kind.clone()
            } else {
                format!("{group}/{}", o.kind)
            };
            (
                f.rule.clone(),
                kind,
                o.namespace.clone().unwrap_or_default(),
                o.name.clone().unwrap_or_default(),
                dotted(&f.path),
            )
        }
        None => (
            f.rule.clone(),
            String::new(),
            String::new(),
            f.file.clone(),
            f.message.clone(),
        ),
    }
}

impl Baseline {
    /// Record findings.
    pub fn from_findings(findings: &[Finding]) -> Baseline {
        let mut counts: BTreeMap<Key, usize> = BTreeMap::new();
        for f in findings {
            *counts.entry(key(f)).or_insert(0) += 1;
        }
        Baseline {
            version: 1,
            entries: counts
                .into_iter()
                .map(
                    |((rule, kind, namespace, name, field), count)| BaselineEntry {
                        rule,
                        kind,
                        namespace,
                        name,
                        field,
                        count,
                    },
                )
                .collect(),
        }
    }

    /// Split findings into new ones and baselined ones; also count baselined findings that are gone.
    pub fn filter(&self, findings: Vec<Finding>) -> BaselineOutcome {
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
                        e.field.clone(),
                    ),
                    e.count,
                )
            })
            .collect();
        let mut new = Vec::new();
        let mut baselined = 0;
        for f in findings {
            match remaining.get_mut(&key(&f)) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    baselined += 1;
                }
                _ => new.push(f),
            }
        }
        BaselineOutcome {
            new,
            baselined,
            fixed: remaining.values().sum(),
        }
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
}
