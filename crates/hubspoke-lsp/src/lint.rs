//! Linting one open buffer, incrementally. The engine's findings for a
//! document depend only on that document's text and on what the repository
//! model says of it (its context, which changes only with a repository pass,
//! and then everything is forgotten); its schema findings likewise on its text
//! and the schemas of the last pass. So each document's findings are kept,
//! keyed by its text, and only documents whose text changed are evaluated
//! again; the rest are moved to their new place. After typing one character
//! in a file of fifty documents, one document is evaluated.
//!
//! A buffer that does not parse keeps the findings of its last text that did
//! on the lines the two texts share, inside the documents the syntax error
//! blanked out: while a quote is left open, the rest of the document keeps
//! what it had.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use hubspoke_diagnostics::{Finding, Region, Severity};
use hubspoke_engine::{ContextIndex, Evaluator};
use hubspoke_manifest::{
    file_problem_finding, FileProblem, Mark, ParsedFile, ProblemCode, SourceFile, Span,
    INTERNAL_ERROR,
};
use hubspoke_schema::Schemas;
use hubspoke_workspace::dynamic::DynamicRules;
use hubspoke_workspace::filter::{self, FilterOptions};
use lsp_types::Uri;
use rayon::prelude::*;

use crate::parse::{parse_buffer, ParsedBuffer};
use crate::settings::EditorSettings;

/// A snapshot of an open buffer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Buffer<'a> {
    pub uri: &'a Uri,
    /// The path its findings carry.
    pub path: &'a str,
    pub text: &'a str,
}

/// What the last repository pass knows that a buffer's lint uses.
#[derive(Clone, Copy, Default)]
pub(crate) struct Repository<'a> {
    /// The pass's findings on this file, when the buffer still holds the text it read.
    pub findings: Option<&'a [Finding]>,
    /// What the model says of each document.
    pub context: Option<&'a ContextIndex>,
    /// The schemas, with the workspace's CRDs; `None` when schema validation is off.
    pub schemas: Option<&'a Schemas>,
    /// The rules of the repository's Kyverno policies, for the filters.
    pub dynamic: Option<&'a DynamicRules>,
    /// The pass judged this file as the clusters receive it: the text it read and its
    /// findings on the file (of the objects rendered from it, wherever they landed).
    pub rendered: Option<RenderedPass<'a>>,
}

/// What the last repository pass found on a file it judged as rendered.
#[derive(Clone, Copy)]
pub(crate) struct RenderedPass<'a> {
    /// The saved text the pass read.
    pub saved: &'a str,
    /// The pass's findings on the file.
    pub findings: &'a [Finding],
}

/// Findings of one document, with regions relative to the start of its text.
type Relative = Vec<Finding>;

/// The document findings of the last text of a buffer that parsed.
struct LastGood {
    text: Arc<str>,
    findings: Vec<Finding>,
}

/// What is remembered of one buffer.
#[derive(Default)]
struct Memory {
    documents: HashMap<String, Relative>,
    last_good: Option<LastGood>,
}

/// Per-buffer memory of document findings.
#[derive(Default)]
pub(crate) struct DocumentLinter {
    files: BTreeMap<Uri, Memory>,
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

    /// Forget the document findings (a repository pass brought a new context
    /// and new schemas), but keep the last good findings of broken buffers:
    /// they are still the best guess until the buffer parses again.
    pub(crate) fn forget_documents(&mut self) {
        for memory in self.files.values_mut() {
            memory.documents.clear();
        }
    }

    /// Forget a closed buffer.
    pub(crate) fn forget(&mut self, uri: &Uri) {
        self.files.remove(uri);
    }

    /// Parse and lint `text`, shown as `path`; the findings come sorted.
    pub(crate) fn lint(
        &mut self,
        buffer: Buffer<'_>,
        settings: &EditorSettings,
        evaluator: &Evaluator<'_>,
        repository: Repository<'_>,
    ) -> (ParsedFile, Vec<Finding>) {
        let Repository {
            findings: repository,
            context,
            schemas,
            dynamic,
            rendered,
        } = repository;
        let Buffer { uri, path, text } = buffer;
        let configuration = &settings.settings.configuration;
        if text.len() as u64 > configuration.discover.max_file_size {
            self.forget(uri);
            let problem = FileProblem::whole_file(
                ProblemCode::FileTooLarge,
                format!(
                    "file is {} bytes, over the {}-byte limit (--max-file-size); not linted",
                    text.len(),
                    configuration.discover.max_file_size
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
        if let Some(pass) = rendered {
            return self.lint_rendered(buffer, settings, pass, context, dynamic);
        }
        let ParsedBuffer { file, broken } = parse_buffer(path, text, configuration.limits);
        let mut findings: Vec<Finding> = Vec::new();
        let slices = slices(&file);
        let Memory {
            documents: old,
            last_good,
        } = self.files.remove(uri).unwrap_or_default();
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
            [only] => vec![(
                *only,
                hubspoke_workspace::lint_document(evaluator, &file, *only, context, schemas),
            )],
            _ => todo
                .par_iter()
                .map(|&i| {
                    (
                        i,
                        hubspoke_workspace::lint_document(evaluator, &file, i, context, schemas),
                    )
                })
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
        if let Some(schemas) = schemas {
            // A repository CRD compiled for the first time while typing: its
            // problem belongs to the CRD's saved file, which the next pass reports.
            drop(schemas.take_deferred());
        }
        let last_good = if broken.is_empty() {
            Some(LastGood {
                text: Arc::clone(&file.source.text),
                findings: findings.clone(),
            })
        } else {
            if let Some(last) = &last_good {
                let inside_broken = |f: &Finding| {
                    f.region.is_some_and(|r| {
                        broken
                            .iter()
                            .any(|(from, to)| r.start.line >= *from && r.end.line < *to)
                    })
                };
                findings.extend(
                    carry_over(&last.text, text, &last.findings)
                        .into_iter()
                        .filter(inside_broken),
                );
            }
            last_good
        };
        self.files.insert(
            uri.clone(),
            Memory {
                documents: kept,
                last_good,
            },
        );
        findings.extend(file.problems.iter().map(|p| file_problem_finding(path, p)));
        findings.extend(repository.into_iter().flatten().cloned());
        if let Some(context) = context {
            // As the command line: nothing is reported in a generator's input.
            context.drop_data_file_findings(&mut findings);
            context.fill_namespaces(&mut findings);
        }
        let findings = filter(
            findings,
            &file,
            path,
            settings,
            repository.is_some(),
            dynamic,
        );
        (file, findings)
    }
}

impl DocumentLinter {
    /// A file whose objects the clusters receive rendered: its document rules and
    /// schemas judged what the clusters receive, which only a repository pass knows.
    /// Its buffer shows the pass's findings, moved with the lines while it differs from
    /// the saved text, plus its own input problems; its raw documents are not judged.
    fn lint_rendered(
        &mut self,
        buffer: Buffer<'_>,
        settings: &EditorSettings,
        pass: RenderedPass<'_>,
        context: Option<&ContextIndex>,
        dynamic: Option<&DynamicRules>,
    ) -> (ParsedFile, Vec<Finding>) {
        let Buffer { uri, path, text } = buffer;
        self.forget(uri);
        let ParsedBuffer { file, .. } =
            parse_buffer(path, text, settings.settings.configuration.limits);
        let mut findings = if pass.saved == text {
            pass.findings.to_vec()
        } else {
            carry_over(pass.saved, text, pass.findings)
        };
        findings.extend(file.problems.iter().map(|p| file_problem_finding(path, p)));
        // The buffer's own duplicate key is also the pass's invalid kustomization.
        hubspoke_workspace::drop_reported_twice(&mut findings);
        if let Some(context) = context {
            context.fill_namespaces(&mut findings);
        }
        let findings = filter(findings, &file, path, settings, true, dynamic);
        (file, findings)
    }
}

/// The findings of `old` moved to their place in `new`, on the lines the two
/// texts share: those before the first changed line stay, those after the
/// last one move with it. A finding touching a changed line is dropped.
fn carry_over(old: &str, new: &str, findings: &[Finding]) -> Vec<Finding> {
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
    let prefix = old_lines
        .iter()
        .zip(&new_lines)
        .take_while(|(a, b)| a == b)
        .count();
    let suffix = old_lines[prefix..]
        .iter()
        .rev()
        .zip(new_lines[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let prefix_end: usize = old_lines[..prefix].iter().map(|l| l.len()).sum();
    let suffix_bytes: usize = old_lines[old_lines.len() - suffix..]
        .iter()
        .map(|l| l.len())
        .sum();
    let old_suffix = old.len() - suffix_bytes;
    let new_suffix = new.len() - suffix_bytes;
    let line_shift = new_lines.len() as i64 - old_lines.len() as i64;
    let moved = |region: &Region| -> Option<Region> {
        if region.end.offset <= prefix_end {
            return Some(*region);
        }
        if region.start.offset < old_suffix {
            return None;
        }
        let mut region = *region;
        for position in [&mut region.start, &mut region.end] {
            position.offset = position.offset - old_suffix + new_suffix;
            position.line = u32::try_from(i64::from(position.line) + line_shift).ok()?;
        }
        Some(region)
    };
    findings
        .iter()
        .filter_map(|finding| {
            let mut finding = finding.clone();
            finding.region = Some(moved(finding.region.as_ref()?)?);
            for related in &mut finding.related {
                if related.file == finding.file {
                    if let Some(region) = related.region.as_mut() {
                        *region = moved(region)?;
                    }
                }
            }
            Some(finding)
        })
        .collect()
}

/// The filters of the command line (overrides, suppressions, the baseline). Only this
/// buffer's findings are kept: a configuration entry's problems belong to the
/// configuration file.
fn filter(
    findings: Vec<Finding>,
    file: &ParsedFile,
    path: &str,
    settings: &EditorSettings,
    with_repository: bool,
    dynamic: Option<&DynamicRules>,
) -> Vec<Finding> {
    let options = FilterOptions {
        baseline: settings.baseline.as_ref(),
        changed: None,
        repository_rules_ran: with_repository,
        dynamic,
    };
    let mut findings = filter::apply(
        &settings.settings,
        findings,
        std::slice::from_ref(file),
        options,
    )
    .findings;
    findings.retain(|f| f.file == path);
    findings
}

/// What the pipeline reports for a panic while evaluating a file.
fn internal_error(file: &ParsedFile) -> Finding {
    Finding::new(
        INTERNAL_ERROR,
        Severity::Error,
        "internal error while evaluating rules on this file; other files were linted",
        file.source.path.clone(),
    )
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

    fn lint_fresh(text: &str, settings: &EditorSettings) -> Vec<Finding> {
        let evaluator = settings.settings.evaluator();
        let uri = Uri::from_str("file:///fresh.yaml").expect("uri");
        DocumentLinter::default()
            .lint(
                buffer(&uri, text),
                settings,
                &evaluator,
                Repository::default(),
            )
            .1
    }

    #[test]
    fn reused_findings_equal_fresh_ones() {
        let settings = EditorSettings::bundled();
        let evaluator = settings.settings.evaluator();
        let uri = Uri::from_str("file:///a.yaml").expect("uri");
        let mut linter = DocumentLinter::default();
        let before = format!("{DEPLOYMENT}---\n{DEPLOYMENT}---\n{DEPLOYMENT}");
        let (_, first) = linter.lint(
            buffer(&uri, &before),
            &settings,
            &evaluator,
            Repository::default(),
        );
        assert_eq!(first, lint_fresh(&before, &settings));
        assert!(first.iter().any(|f| f.rule == "PSS001"));
        // Change the first document so that every later one moves by a line.
        let after = before.replacen("name: web", "name: web-1\n  labels: {a: b}", 1);
        let (_, second) = linter.lint(
            buffer(&uri, &after),
            &settings,
            &evaluator,
            Repository::default(),
        );
        assert_eq!(second, lint_fresh(&after, &settings));
    }

    #[test]
    fn a_broken_buffer_keeps_its_last_good_findings_on_unchanged_lines() {
        let settings = EditorSettings::bundled();
        let evaluator = settings.settings.evaluator();
        let uri = Uri::from_str("file:///a.yaml").expect("uri");
        let mut linter = DocumentLinter::default();
        let good = format!("{DEPLOYMENT}---\n{DEPLOYMENT}");
        let lint = |linter: &mut DocumentLinter, text: &str| {
            let buffer = buffer(&uri, text);
            linter
                .lint(buffer, &settings, &evaluator, Repository::default())
                .1
        };
        let before = lint(&mut linter, &good);
        // An unclosed quote on line 4 of the second document (line 18).
        let broken = good.replacen("  name: web\n  namespace", "  name: \"web\n  namespace", 2);
        let broken = broken.replacen("  name: \"web\n", "  name: web\n", 1);
        let during = lint(&mut linter, &broken);
        let rules_at = |findings: &[Finding], lines: std::ops::Range<u32>| {
            let mut found: Vec<(String, u32)> = findings
                .iter()
                .filter_map(|f| Some((f.rule.clone(), f.region?.start.line)))
                .filter(|(_, line)| lines.contains(line))
                .collect();
            found.sort();
            found
        };
        // The first document is evaluated again; the second keeps, on every
        // line but the one typed on, what it had.
        assert_eq!(rules_at(&during, 1..15), rules_at(&before, 1..15));
        let mut expected = rules_at(&before, 15..40);
        expected.retain(|(_, line)| *line != 18);
        let mut kept = rules_at(&during, 15..40);
        kept.retain(|(rule, _)| rule != "parse-error");
        assert_eq!(kept, expected);
        assert!(expected.iter().any(|(rule, _)| rule == "PSS001"));
        assert_eq!(
            during.iter().filter(|f| f.rule == "parse-error").count(),
            1,
            "{during:#?}"
        );
    }

    #[test]
    fn carried_findings_move_with_the_lines_after_the_change() {
        let old = "a: 1\nb: 2\nc: 3\n";
        let new = "a: 1\nb: [\n\nc: 3\n";
        let file = SourceFile::new("a.yaml", "a.yaml", old);
        let at = |line_start: usize| Finding {
            rule: "X".to_owned(),
            severity: Severity::Note,
            message: String::new(),
            file: "a.yaml".to_owned(),
            region: Some(file.region_of_offsets(line_start, line_start + 1)),
            object: None,
            effective_namespace: None,
            clusters: Vec::new(),
            path: Default::default(),
            related: Vec::new(),
        };
        let carried = carry_over(old, new, &[at(0), at(5), at(10)]);
        let places: Vec<(u32, usize)> = carried
            .iter()
            .filter_map(|f| f.region.map(|r| (r.start.line, r.start.offset)))
            .collect();
        // `a` stays, `b` was changed, `c` moved down a line (and a byte).
        assert_eq!(places, vec![(1, 0), (4, 11)]);
        assert_eq!(&new[11..12], "c");
    }
}
