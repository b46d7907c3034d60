//! Linting one open buffer, incrementally. The engine's findings for a
//! document depend only on that document's text and on what the repository
//! model says of it (its context, which changes only with a repository pass,
//! and then everything is forgotten). So each document's findings are kept,
//! keyed by its text, and only documents whose text changed are evaluated
//! again; the rest are moved to their new place. After typing one character
//! in a file of fifty documents, one document is evaluated.

use std::collections::{BTreeMap, HashMap};

use hubspoke_engine::{
    apply_overrides, apply_suppressions, file_problem_finding, sort_findings, ContextIndex,
    Evaluator, Finding, Scope, Severity, INTERNAL_ERROR,
};
use hubspoke_manifest::{FileProblem, Mark, ParsedFile, ProblemCode, Region, SourceFile, Span};
use lsp_types::Uri;
use rayon::prelude::*;

use crate::parse::parse_buffer;
use crate::settings::Settings;

/// A snapshot of an open buffer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Buffer<'a> {
    pub uri: &'a Uri,
    /// The path its findings carry.
    pub path: &'a str,
    pub text: &'a str,
}

/// Findings of one document, with regions relative to the start of its text.
type Relative = Vec<Finding>;

/// Per-buffer memory of document findings.
#[derive(Default)]
pub(crate) struct DocumentLinter {
    files: BTreeMap<Uri, HashMap<String, Relative>>,
}

/// Where one document's text lies in its file.
#[derive(Debug, Clone, Copy)]
struct Slice {
    start: usize,
    end: usize,
    /// 1-based line the slice starts on.
    line: u32,
}

impl DocumentLinter {
    /// Forget everything (the settings changed).
    pub(crate) fn clear(&mut self) {
        self.files.clear();
    }

    /// Forget a closed buffer.
    pub(crate) fn forget(&mut self, uri: &Uri) {
        self.files.remove(uri);
    }

    /// Parse and lint `text`, shown as `path`; the findings come sorted.
    pub(crate) fn lint(
        &mut self,
        buffer: Buffer<'_>,
        settings: &Settings,
        evaluator: &Evaluator<'_>,
        repository: Option<&[Finding]>,
        context: Option<&ContextIndex>,
    ) -> (ParsedFile, Vec<Finding>) {
        let Buffer { uri, path, text } = buffer;
        if text.len() as u64 > settings.discover.max_file_size {
            self.forget(uri);
            let problem = FileProblem::whole_file(
                ProblemCode::FileTooLarge,
                format!(
                    "file is {} bytes, over the {}-byte limit (--max-file-size); not linted",
                    text.len(),
                    settings.discover.max_file_size
                ),
            );
            let finding = file_problem_finding(path, &problem);
            let file = ParsedFile {
                source: SourceFile::new(path, path, text),
                documents: Vec::new(),
                problems: vec![problem],
            };
            return (file, vec![finding]);
        }
        let file = parse_buffer(path, text, settings.limits);
        let mut findings: Vec<Finding> = file
            .problems
            .iter()
            .map(|p| file_problem_finding(path, p))
            .collect();
        let slices = slices(&file);
        let old = self.files.remove(uri).unwrap_or_default();
        let mut kept: HashMap<String, Relative> = HashMap::new();
        let mut todo: Vec<usize> = Vec::new();
        for (i, document) in file.documents.iter().enumerate() {
            if document.object.is_none() {
                continue;
            }
            let cached = slices[i].and_then(|slice| {
                let key = &file.source.text[slice.start..slice.end];
                let relative = kept.get(key).or_else(|| old.get(key))?;
                Some((key, relative.clone(), slice))
            });
            match cached {
                Some((key, relative, slice)) => {
                    findings.extend(relative.iter().cloned().map(|f| place(f, slice)));
                    kept.entry(key.to_owned()).or_insert(relative);
                }
                None => todo.push(i),
            }
        }
        // While typing, one document changed: evaluating it here saves two
        // thread hand-offs, which on a busy machine cost more than the work.
        let evaluated: Vec<(usize, Option<Vec<Finding>>)> = match todo.as_slice() {
            [only] => vec![(*only, evaluate(&file, *only, evaluator, context))],
            _ => todo
                .par_iter()
                .map(|&i| (i, evaluate(&file, i, evaluator, context)))
                .collect(),
        };
        for (i, result) in evaluated {
            match result {
                Some(found) => {
                    if let Some(slice) = slices[i] {
                        if let Some(relative) = relativize(&found, slice) {
                            let key = &file.source.text[slice.start..slice.end];
                            kept.insert(key.to_owned(), relative);
                        }
                    }
                    findings.extend(found);
                }
                None => findings.push(internal_error(&file)),
            }
        }
        self.files.insert(uri.clone(), kept);
        findings.extend(repository.into_iter().flatten().cloned());
        if let Some(context) = context {
            context.fill_namespaces(&mut findings);
        }
        let findings = filter(findings, &file, path, settings, repository.is_some());
        (file, findings)
    }
}

/// Suppressions and the baseline, as on the command line. Only this buffer's
/// findings are kept: a configuration entry's problems belong to the
/// configuration file.
fn filter(
    findings: Vec<Finding>,
    file: &ParsedFile,
    path: &str,
    settings: &Settings,
    with_repository: bool,
) -> Vec<Finding> {
    // Without a repository pass over this text, a suppression of a repository
    // rule cannot be judged unused.
    let mut suppress = settings.suppress.clone();
    if !with_repository {
        for rule in &settings.rules.rules {
            if rule.meta.scope == Scope::Repository {
                suppress.active_rules.remove(&rule.meta.id);
            }
        }
    }
    let findings = apply_overrides(findings, &settings.options.overrides);
    let mut findings: Vec<Finding> =
        apply_suppressions(findings, std::slice::from_ref(file), &suppress)
            .findings
            .into_iter()
            .filter(|f| f.file == path)
            .collect();
    if let Some(baseline) = &settings.baseline {
        findings = baseline.filter(findings).new;
    }
    sort_findings(&mut findings);
    findings
}

/// Evaluate one document as `lint_files_in_context` does; `None` when it panicked.
fn evaluate(
    file: &ParsedFile,
    index: usize,
    evaluator: &Evaluator<'_>,
    context: Option<&ContextIndex>,
) -> Option<Vec<Finding>> {
    // The engine finds a document's context by its file's path and its index,
    // which a file holding only this document keeps.
    let single = ParsedFile {
        source: file.source.clone(),
        documents: vec![file.documents[index].clone()],
        problems: Vec::new(),
    };
    let run = || evaluator.evaluate_file_in_context(&single, context);
    let evaluated = std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).ok();
    if evaluated.is_none() {
        evaluator.reset_thread_engine();
    }
    evaluated
}

/// What `lint_files` reports for a panic while evaluating a file.
fn internal_error(file: &ParsedFile) -> Finding {
    Finding {
        rule: INTERNAL_ERROR.to_owned(),
        severity: Severity::Error,
        message: "internal error while evaluating rules on this file; other files were linted"
            .to_owned(),
        file: file.source.path.clone(),
        region: None,
        object: None,
        path: Vec::new(),
        related: Vec::new(),
        effective_namespace: None,
    }
}

/// The text of each document, from the line it starts on to the line the next
/// one starts on; `None` when two documents share a line (no reuse then).
fn slices(file: &ParsedFile) -> Vec<Option<Slice>> {
    let line_start = |line: u32| {
        let mark = Mark { line, col: 0 };
        file.source
            .region(Span {
                start: mark,
                end: mark,
            })
            .start
            .offset
    };
    let lines: Vec<u32> = file.documents.iter().map(|d| d.start.start.line).collect();
    (0..lines.len())
        .map(|i| {
            let line = lines[i];
            let next = lines.get(i + 1).copied();
            if next.is_some_and(|n| n <= line) || (i > 0 && lines[i - 1] >= line) {
                return None;
            }
            let start = line_start(line);
            let end = next.map_or(file.source.text.len(), line_start);
            (start < end).then_some(Slice { start, end, line })
        })
        .collect()
}

/// Findings relative to their slice, or `None` if one lies outside it (then
/// the document is evaluated every time rather than risk a wrong place).
fn relativize(findings: &[Finding], slice: Slice) -> Option<Relative> {
    let inside = |r: &Region| r.start.offset >= slice.start && r.end.offset <= slice.end;
    findings
        .iter()
        .map(|f| {
            let mut f = f.clone();
            let region = f.region.as_mut()?;
            if !inside(region) || !f.related.is_empty() {
                return None;
            }
            shift(region, slice, false);
            Some(f)
        })
        .collect()
}

/// A relative finding at its slice's place.
fn place(mut finding: Finding, slice: Slice) -> Finding {
    if let Some(region) = finding.region.as_mut() {
        shift(region, slice, true);
    }
    finding
}

fn shift(region: &mut Region, slice: Slice, forward: bool) {
    for position in [&mut region.start, &mut region.end] {
        if forward {
            position.line += slice.line - 1;
            position.offset += slice.start;
        } else {
            position.line -= slice.line - 1;
            position.offset -= slice.start;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: apps\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: nginx\n          securityContext:\n            privileged: true\n";

    fn buffer<'a>(uri: &'a Uri, text: &'a str) -> Buffer<'a> {
        Buffer {
            uri,
            path: "a.yaml",
            text,
        }
    }

    fn lint_fresh(text: &str, settings: &Settings) -> Vec<Finding> {
        let evaluator = Evaluator::new(&settings.rules, settings.options.clone());
        let uri = Uri::from_str("file:///fresh.yaml").expect("uri");
        DocumentLinter::default()
            .lint(buffer(&uri, text), settings, &evaluator, None, None)
            .1
    }

    #[test]
    fn reused_findings_equal_fresh_ones() {
        let settings = Settings::bundled();
        let evaluator = Evaluator::new(&settings.rules, settings.options.clone());
        let uri = Uri::from_str("file:///a.yaml").expect("uri");
        let mut linter = DocumentLinter::default();
        let before = format!("{DEPLOYMENT}---\n{DEPLOYMENT}---\n{DEPLOYMENT}");
        let (_, first) = linter.lint(buffer(&uri, &before), &settings, &evaluator, None, None);
        assert_eq!(first, lint_fresh(&before, &settings));
        assert!(first.iter().any(|f| f.rule == "PSS001"));
        // Change the first document so that every later one moves by a line.
        let after = before.replacen("name: web", "name: web-1\n  labels: {a: b}", 1);
        let (_, second) = linter.lint(buffer(&uri, &after), &settings, &evaluator, None, None);
        assert_eq!(second, lint_fresh(&after, &settings));
    }
}
