//! Suppressions: exceptions that stay auditable. Each needs a reason; an
//! expired, unused, reason-less or disallowed one is itself a finding.
//!
//! Three sources: a YAML comment `# hubspoke-lint: ignore[ID, ...] reason` on
//! the finding's line (trailing) or alone on the line above, or
//! `# hubspoke-lint: ignore-file[ID] reason` anywhere in the file; an object
//! annotation `hubspoke-lint.io/ignore: "ID: reason"` (several separated by `;`
//! or new lines); and config entries (rule, path glob, reason, until).

use std::collections::BTreeSet;

use globset::{Glob, GlobMatcher};
use hubspoke_manifest::{Mark, ParsedFile, PathSegment, Region, Span};
use rayon::prelude::*;

use hubspoke_diagnostics::{Finding, RelatedLocation, Severity};

/// The annotation key that suppresses findings on its object.
pub const IGNORE_ANNOTATION: &str = "hubspoke-lint.io/ignore";

/// The reason the editor's "suppress" quick fix writes, for the user to replace. Until
/// replaced it is no reason: the suppression is reported and does not apply.
pub const REASON_PLACEHOLDER: &str = "<reason>";

/// Rule ids of findings about suppressions.
pub mod ids {
    /// A suppression without a reason.
    pub const WITHOUT_REASON: &str = "suppression-without-reason";
    /// A suppression past its `until` date.
    pub const EXPIRED: &str = "suppression-expired";
    /// A suppression that matched no finding.
    pub const UNUSED: &str = "suppression-unused";
    /// A suppression naming no known rule.
    pub const UNKNOWN_RULE: &str = "suppression-unknown-rule";
    /// A suppression of a rule the configuration marks `suppressible: false`.
    pub const NOT_ALLOWED: &str = "suppression-not-allowed";
}

/// A suppression entry from the configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigSuppression {
    /// Rule id.
    pub rule: String,
    /// Glob over display paths.
    pub path: String,
    /// Why.
    pub reason: String,
    /// Last day it applies (`YYYY-MM-DD`), if limited.
    pub until: Option<String>,
    /// Where the entry is written in the config file (findings about it point there).
    pub region: Option<Region>,
}

/// How suppressions are applied.
#[derive(Debug, Clone, Default)]
pub struct SuppressOptions {
    /// `false` with `--no-suppress`: everything is shown and nothing is checked.
    pub enabled: bool,
    /// Entries of the config file.
    pub config_entries: Vec<ConfigSuppression>,
    /// Display path of the config file (where config-entry findings point).
    pub config_file: Option<String>,
    /// Rules that may not be suppressed.
    pub unsuppressible: BTreeSet<String>,
    /// Every known rule id.
    pub known_rules: BTreeSet<String>,
    /// Rules that ran (a suppression of a rule that did not run is not "unused").
    pub active_rules: BTreeSet<String>,
    /// Rule ids with this prefix count as known rules that did not run: the repository's
    /// Kyverno rules (`kyverno/`) when their stage is off, so a suppression of one is
    /// neither unknown nor unused.
    pub unchecked_prefix: Option<String>,
    /// Today, `YYYY-MM-DD`.
    pub today: String,
}

/// What applying suppressions gave.
#[derive(Debug, Clone, Default)]
pub struct SuppressOutcome {
    /// Findings kept, plus findings about suppressions (unsorted).
    pub findings: Vec<Finding>,
    /// How many findings were suppressed.
    pub suppressed: usize,
}

#[derive(Debug)]
enum Scope {
    Line(u32),
    File,
    Object(String),
    Glob(GlobMatcher),
}

#[derive(Debug)]
struct Suppression {
    rules: Vec<String>,
    reason: String,
    scope: Scope,
    file: String,
    region: Option<Region>,
    expired: bool,
    used: bool,
    source: &'static str,
}

impl Suppression {
    fn matches(&self, finding: &Finding) -> bool {
        if !self.rules.iter().any(|r| r == &finding.rule) {
            return false;
        }
        match &self.scope {
            Scope::Line(line) => {
                finding.file == self.file && finding.region.is_some_and(|r| r.start.line == *line)
            }
            Scope::File => finding.file == self.file,
            Scope::Object(key) => {
                finding.file == self.file
                    && finding
                        .object
                        .as_ref()
                        .is_some_and(|o| &object_key(o) == key)
            }
            Scope::Glob(glob) => glob.is_match(&finding.file),
        }
    }
}

fn object_key(o: &hubspoke_manifest::ObjectMeta) -> String {
    format!(
        "{}/{}/{}/{}",
        o.api_version,
        o.kind,
        o.namespace.as_deref().unwrap_or(""),
        o.name.as_deref().unwrap_or("")
    )
}

/// Parse `ignore[A, B] reason` / `ignore-file[A] reason` after `hubspoke-lint:`.
fn parse_directive(text: &str) -> Option<(bool, Vec<String>, String)> {
    let rest = text.trim_start();
    let (whole_file, rest) = if let Some(r) = rest.strip_prefix("ignore-file[") {
        (true, r)
    } else {
        (false, rest.strip_prefix("ignore[")?)
    };
    let close = rest.find(']')?;
    let rules = rest[..close]
        .split(',')
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty())
        .collect();
    Some((whole_file, rules, rest[close + 1..].trim().to_owned()))
}

fn comment_suppressions(file: &ParsedFile, out: &mut Vec<Suppression>) {
    let text = &file.source.text;
    if !text.contains("hubspoke-lint:") {
        return;
    }
    for (index, line) in text.lines().enumerate() {
        let Some(hash) = line.find('#') else { continue };
        let comment = &line[hash + 1..];
        let Some(at) = comment.find("hubspoke-lint:") else {
            continue;
        };
        if !comment[..at].trim().is_empty() {
            continue;
        }
        let Some((whole_file, rules, reason)) =
            parse_directive(&comment[at + "hubspoke-lint:".len()..])
        else {
            continue;
        };
        let line_no = index as u32 + 1;
        let own_line = line[..hash].trim().is_empty();
        let start = Mark {
            line: line_no,
            col: line[..hash].chars().count() as u32,
        };
        let end = Mark {
            line: line_no,
            col: line.chars().count() as u32,
        };
        out.push(Suppression {
            rules,
            reason,
            scope: if whole_file {
                Scope::File
            } else if own_line {
                Scope::Line(line_no + 1)
            } else {
                Scope::Line(line_no)
            },
            file: file.source.path.clone(),
            region: Some(file.source.region(Span { start, end })),
            expired: false,
            used: false,
            source: "comment",
        });
    }
}

fn annotation_suppressions(file: &ParsedFile, out: &mut Vec<Suppression>) {
    for document in file.objects() {
        let Some(value) = document
            .root
            .get("metadata")
            .and_then(|m| m.get("annotations"))
            .and_then(|a| a.get(IGNORE_ANNOTATION))
            .and_then(|v| v.as_str())
        else {
            continue;
        };
        let Some(object) = &document.object else {
            continue;
        };
        let path: Vec<PathSegment> = ["metadata", "annotations", IGNORE_ANNOTATION]
            .iter()
            .map(|k| PathSegment::Key((*k).to_owned()))
            .collect();
        let region = Some(file.source.region(document.locate(&path).span));
        for entry in value
            .split([';', '\n'])
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            let (rules, reason) = match entry.split_once(':') {
                Some((rules, reason)) => (rules, reason.trim()),
                None => (entry, ""),
            };
            out.push(Suppression {
                rules: rules
                    .split(',')
                    .map(|r| r.trim().to_owned())
                    .filter(|r| !r.is_empty())
                    .collect(),
                reason: reason.to_owned(),
                scope: Scope::Object(object_key(object)),
                file: file.source.path.clone(),
                region,
                expired: false,
                used: false,
                source: "annotation",
            });
        }
    }
}

fn meta_finding(rule: &str, s: &Suppression, message: String) -> Finding {
    Finding {
        rule: rule.to_owned(),
        severity: Severity::Warning,
        message,
        file: s.file.clone(),
        region: s.region,
        object: None,
        path: Default::default(),
        related: Vec::new(),
        effective_namespace: None,
        clusters: Vec::new(),
    }
}

/// Drop suppressed findings and report problems with the suppressions themselves.
pub fn apply_suppressions(
    findings: Vec<Finding>,
    files: &[ParsedFile],
    options: &SuppressOptions,
) -> SuppressOutcome {
    if !options.enabled {
        return SuppressOutcome {
            findings,
            suppressed: 0,
        };
    }
    // Every file's comments and annotations are read on the pool's threads (a serial
    // scan of 10,000 files kept the other threads waiting), in file order.
    let per_file: Vec<Vec<Suppression>> = files
        .par_iter()
        .map(|file| {
            let mut found = Vec::new();
            comment_suppressions(file, &mut found);
            annotation_suppressions(file, &mut found);
            found
        })
        .collect();
    let mut suppressions: Vec<Suppression> = per_file.into_iter().flatten().collect();
    let config_file = options
        .config_file
        .clone()
        .unwrap_or_else(|| ".hubspoke-lint.yaml".to_owned());
    let mut problems = Vec::new();
    for entry in &options.config_entries {
        let glob = match Glob::new(&entry.path) {
            Ok(glob) => glob.compile_matcher(),
            Err(error) => {
                problems.push(Finding {
                    rule: ids::UNKNOWN_RULE.to_owned(),
                    severity: Severity::Warning,
                    message: format!(
                        "suppression for {} has an invalid path glob `{}`: {error}",
                        entry.rule, entry.path
                    ),
                    file: config_file.clone(),
                    region: entry.region,
                    object: None,
                    path: Default::default(),
                    related: Vec::new(),
                    effective_namespace: None,
                    clusters: Vec::new(),
                });
                continue;
            }
        };
        suppressions.push(Suppression {
            rules: vec![entry.rule.clone()],
            reason: entry.reason.clone(),
            scope: Scope::Glob(glob),
            file: config_file.clone(),
            region: entry.region,
            expired: entry
                .until
                .as_deref()
                .is_some_and(|until| until < options.today.as_str()),
            used: false,
            source: "config",
        });
    }
    // Validate each suppression; invalid ones do not suppress.
    let mut valid = Vec::with_capacity(suppressions.len());
    for s in &suppressions {
        let mut ok = true;
        for rule in &s.rules {
            let unchecked = options
                .unchecked_prefix
                .as_deref()
                .is_some_and(|prefix| rule.starts_with(prefix));
            if unchecked {
                continue;
            }
            if !options.known_rules.contains(rule) {
                problems.push(meta_finding(
                    ids::UNKNOWN_RULE,
                    s,
                    format!(
                        "{} suppression names `{rule}`, which is not a rule id",
                        s.source
                    ),
                ));
                ok = false;
            } else if options.unsuppressible.contains(rule) {
                problems.push(meta_finding(ids::NOT_ALLOWED, s, format!("{rule} may not be suppressed (the configuration marks it `suppressible: false`)")));
                ok = false;
            }
        }
        if s.reason == REASON_PLACEHOLDER {
            problems.push(meta_finding(
                ids::WITHOUT_REASON,
                s,
                format!(
                    "{} suppression of {} still has the placeholder reason `{REASON_PLACEHOLDER}`; replace it with why the finding is acceptable",
                    s.source,
                    s.rules.join(", ")
                ),
            ));
            ok = false;
        } else if s.reason.is_empty() {
            problems.push(meta_finding(
                ids::WITHOUT_REASON,
                s,
                format!(
                    "{} suppression of {} gives no reason; add one after the rule list",
                    s.source,
                    s.rules.join(", ")
                ),
            ));
            ok = false;
        }
        if s.expired {
            problems.push(meta_finding(
                ids::EXPIRED,
                s,
                format!(
                    "suppression of {} for `{}` has expired; fix the findings or renew it",
                    s.rules.join(", "),
                    glob_text(s)
                ),
            ));
            ok = false;
        }
        valid.push(ok && !s.rules.is_empty());
    }
    let mut kept = Vec::with_capacity(findings.len());
    let mut suppressed = 0;
    for finding in findings {
        let mut hit = false;
        for (s, ok) in suppressions.iter_mut().zip(&valid) {
            if *ok && s.matches(&finding) {
                s.used = true;
                hit = true;
            }
        }
        if hit {
            suppressed += 1;
        } else {
            kept.push(finding);
        }
    }
    for (s, ok) in suppressions.iter().zip(&valid) {
        if *ok && !s.used && s.rules.iter().all(|r| options.active_rules.contains(r)) {
            let mut finding = meta_finding(
                ids::UNUSED,
                s,
                format!(
                    "{} suppression of {} matches no finding; remove it",
                    s.source,
                    s.rules.join(", ")
                ),
            );
            if let Scope::Glob(_) = s.scope {
                finding.message = format!(
                    "config suppression of {} for `{}` matches no finding; remove it",
                    s.rules.join(", "),
                    glob_text(s)
                );
                finding.related = Vec::<RelatedLocation>::new();
            }
            problems.push(finding);
        }
    }
    kept.extend(problems);
    SuppressOutcome {
        findings: kept,
        suppressed,
    }
}

fn glob_text(s: &Suppression) -> String {
    match &s.scope {
        Scope::Glob(g) => g.glob().glob().to_owned(),
        _ => s.file.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_parse() {
        assert_eq!(
            parse_directive(" ignore[PSS001, BP002] legacy chart"),
            Some((
                false,
                vec!["PSS001".into(), "BP002".into()],
                "legacy chart".into()
            ))
        );
        assert_eq!(
            parse_directive("ignore-file[SEC001]"),
            Some((true, vec!["SEC001".into()], String::new()))
        );
        assert_eq!(parse_directive("nothing"), None);
    }
}
