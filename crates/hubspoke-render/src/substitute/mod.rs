//! Flux's post-build variable substitution (`spec.postBuild`) on rendered
//! objects, value by value, each substituted value keeping the place of its
//! `${VAR}` placeholder as origin and a record of the variable's definition.
//!
//! Flux substitutes the YAML text of each object and parses it back
//! ([`scalar`] reproduces that per string), skips objects labelled or
//! annotated `kustomize.toolkit.fluxcd.io/substitute: disabled`, and runs only
//! when some variable is defined or `substituteStrategy: Always` is set.

pub mod envsubst;
mod functions;
mod scalar;
mod variables;

#[cfg(test)]
mod envsubst_tests;
#[cfg(test)]
mod tests;

use std::ops::Range;

use hubspoke_manifest::yaml::{Node, NodeValue};
use hubspoke_manifest::{Mark, ParsedFile, PathSegment, SourceFile, Span};

use crate::{FileId, Origin, ProblemCode, RenderProblem, Unknown, UnknownKind};
use envsubst::{ParseErrorKind, Reference, VariableState};
use scalar::{Placement, ScalarError};
pub use variables::{is_valid_name, Definition, Referent, SourceRef, Variables};

/// The label or annotation that opts an object out, and its value.
pub const DISABLE_KEY: &str = "kustomize.toolkit.fluxcd.io/substitute";
/// The value of [`DISABLE_KEY`] that disables substitution.
pub const DISABLED: &str = "disabled";

/// How substitution runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubstituteOptions {
    /// Fail on a variable that is not defined and has no default: the
    /// `StrictPostBuildSubstitutions` feature gate, on by default since
    /// kustomize-controller v1.9 (an opt-out).
    pub strict: bool,
}

impl Default for SubstituteOptions {
    fn default() -> Self {
        SubstituteOptions { strict: true }
    }
}

/// One variable read by one field of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Substitution {
    /// The field (a key's path for a substituted key).
    pub path: Vec<PathSegment>,
    /// The `${...}` expression in the source file.
    pub placeholder: Origin,
    /// The variable.
    pub variable: String,
    /// Where the variable's value was defined, when the repository shows it.
    pub defined_at: Option<Origin>,
}

/// What substituting one object did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObjectSubstitution {
    /// Every variable read, in document order.
    pub substitutions: Vec<Substitution>,
    /// Failures Flux would stop the reconcile on.
    pub problems: Vec<RenderProblem>,
    /// Fields whose value is not known offline (left as written).
    pub unknown_fields: Vec<Vec<PathSegment>>,
    /// Why, at the placeholders of variables whose value is unknown.
    pub unknowns: Vec<Unknown>,
}

/// The source text of a file, to place a placeholder inside its scalar.
pub trait SourceTexts {
    /// The file's source, if known.
    fn source(&self, file: FileId) -> Option<&SourceFile>;
}

impl SourceTexts for [ParsedFile] {
    fn source(&self, file: FileId) -> Option<&SourceFile> {
        self.get(file.0 as usize).map(|f| &f.source)
    }
}

impl SourceTexts for [&ParsedFile] {
    fn source(&self, file: FileId) -> Option<&SourceFile> {
        self.get(file.0 as usize).map(|f| &f.source)
    }
}

/// Whether the object opts out (label or annotation `...substitute: disabled`).
pub fn is_disabled(root: &Node<Origin>) -> bool {
    let Some(metadata) = root.get("metadata") else {
        return false;
    };
    ["labels", "annotations"].iter().any(|field| {
        metadata
            .get(field)
            .and_then(|m| m.get(DISABLE_KEY))
            .and_then(Node::as_str)
            == Some(DISABLED)
    })
}

/// Substitute one rendered object in place, as Flux's post-build would.
///
/// A field that cannot be substituted (its variable is unknown, undefined in
/// strict mode, or the result is not YAML) keeps its written value and is
/// listed in [`ObjectSubstitution::unknown_fields`].
pub fn substitute_object<S: SourceTexts + ?Sized>(
    root: &mut Node<Origin>,
    variables: &Variables,
    options: SubstituteOptions,
    sources: &S,
) -> ObjectSubstitution {
    let mut out = ObjectSubstitution::default();
    if is_disabled(root) || !variables.substitutes() {
        return out;
    }
    let mut walker = Walker {
        variables,
        options,
        sources,
        out: &mut out,
        path: Vec::new(),
    };
    walker.node(root, Placement::Value);
    out
}

struct Walker<'a, S: ?Sized> {
    variables: &'a Variables,
    options: SubstituteOptions,
    sources: &'a S,
    out: &'a mut ObjectSubstitution,
    path: Vec<PathSegment>,
}

impl<S: SourceTexts + ?Sized> Walker<'_, S> {
    fn node(&mut self, node: &mut Node<Origin>, placement: Placement) {
        match &mut node.value {
            NodeValue::Str(_) => self.scalar(node, placement),
            NodeValue::Seq(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    self.path.push(PathSegment::Index(i));
                    self.node(item, Placement::Item);
                    self.path.pop();
                }
            }
            NodeValue::Map(entries) => {
                for (key, value) in entries.iter_mut() {
                    self.path.push(PathSegment::Key(key.key_text()));
                    self.scalar(key, Placement::Key);
                    self.node(value, Placement::Value);
                    self.path.pop();
                }
            }
            _ => {}
        }
    }

    fn scalar(&mut self, node: &mut Node<Origin>, placement: Placement) {
        let NodeValue::Str(text) = &node.value else {
            return;
        };
        let lookup = |name: &str| self.variables.lookup(name);
        let result = scalar::substitute_string(text, placement, &lookup);
        let origin = node.span;
        match result {
            Ok(None) => {}
            Ok(Some(done)) => {
                self.record(text, origin, &done.references);
                let unknown = done
                    .references
                    .iter()
                    .any(|r| r.state == VariableState::Unknown);
                let failing: Vec<&Reference> = done
                    .references
                    .iter()
                    .filter(|r| self.options.strict && r.fails_strict())
                    .collect();
                for reference in &failing {
                    let at = self.locate(origin, text, reference.source.clone());
                    self.out.problems.push(RenderProblem::new(
                        at,
                        ProblemCode::SubstituteUndefined,
                        format!(
                            "variable {:?} is not defined and has no default: Flux fails the \
                             reconcile with strict post-build substitution (the default from \
                             kustomize-controller v1.9), else substitutes an empty string",
                            reference.variable
                        ),
                    ));
                }
                for reference in done
                    .references
                    .iter()
                    .filter(|r| r.state == VariableState::Unknown)
                {
                    let at = self.locate(origin, text, reference.source.clone());
                    self.out.unknowns.push(Unknown {
                        origin: at,
                        kind: UnknownKind::UnknownVariable,
                        reason: format!(
                            "variable {:?} may come from a substituteFrom object whose values are not \
                             known offline (SOPS-encrypted, or not in the repository)",
                            reference.variable
                        ),
                    });
                }
                if unknown || !failing.is_empty() {
                    self.out.unknown_fields.push(self.path.clone());
                    return;
                }
                let placeholder = self.span_of(origin, text, &done.placeholders);
                node.value = done.value.map_positions(&mut |_| placeholder).value;
                node.span = placeholder;
            }
            Err(error) => {
                let (range, code, message) = describe(text, error);
                let at = self.locate(origin, text, range);
                self.out
                    .problems
                    .push(RenderProblem::new(at, code, message));
                self.out.unknown_fields.push(self.path.clone());
            }
        }
    }

    fn record(&mut self, text: &str, origin: Origin, references: &[Reference]) {
        for reference in references {
            let placeholder = self.locate(origin, text, reference.source.clone());
            let defined_at = match reference.state {
                VariableState::Defined => {
                    self.variables.definition(&reference.variable).map(|d| d.at)
                }
                VariableState::Unknown | VariableState::Undefined => None,
            };
            self.out.substitutions.push(Substitution {
                path: self.path.clone(),
                placeholder,
                variable: reference.variable.clone(),
                defined_at,
            });
        }
    }

    /// The span from the first to the last placeholder.
    fn span_of(&self, origin: Origin, text: &str, placeholders: &[Range<usize>]) -> Origin {
        match (placeholders.first(), placeholders.last()) {
            (Some(first), Some(last)) => self.locate(origin, text, first.start..last.end),
            _ => origin,
        }
    }

    /// Where bytes `range` of the string `text` (whose node came from
    /// `origin`) are written: the same text found inside the scalar's span in
    /// its file, else the scalar itself (a value kustomize built).
    fn locate(&self, origin: Origin, text: &str, range: Range<usize>) -> Origin {
        locate_in_scalar(self.sources, origin, text, range).unwrap_or(origin)
    }
}

/// Where in the string a failure lies, its code and what to tell users.
fn describe(text: &str, error: ScalarError) -> (Range<usize>, ProblemCode, String) {
    match error {
        ScalarError::Template(e) => {
            let detail = e.kind.message();
            let hint = if e.kind == ParseErrorKind::TooDeep {
                ""
            } else {
                " (write `$${` for a literal `${`, or disable substitution for this object)"
            };
            (
                e.at,
                ProblemCode::SubstituteSyntax,
                format!("Flux cannot substitute variables here: {detail}{hint}"),
            )
        }
        ScalarError::Panic(range) => (
            range,
            ProblemCode::SubstituteSyntax,
            "a negative substring length makes Flux's substitution panic".to_owned(),
        ),
        ScalarError::InvalidUtf8 => (
            0..text.len(),
            ProblemCode::SubstituteSyntax,
            "substitution cuts a character in half: the result is not UTF-8".to_owned(),
        ),
        ScalarError::Yaml {
            message,
            references,
        } => {
            // Nested expressions come first: span from the leftmost to the rightmost.
            let start = references.iter().map(|r| r.source.start).min();
            let end = references.iter().map(|r| r.source.end).max();
            let range = match (start, end) {
                (Some(start), Some(end)) => start..end,
                _ => 0..text.len(),
            };
            (
                range,
                ProblemCode::SubstituteInvalidYaml,
                format!(
                    "after substitution this value is not valid YAML ({message}): Flux fails \
                     the reconcile"
                ),
            )
        }
    }
}

fn locate_in_scalar<S: SourceTexts + ?Sized>(
    sources: &S,
    origin: Origin,
    text: &str,
    range: Range<usize>,
) -> Option<Origin> {
    let needle = text.get(range.clone())?;
    if needle.is_empty() {
        return None;
    }
    let source = sources.source(origin.file)?;
    let region = source.region(origin.span);
    let raw = source.text.get(region.start.offset..region.end.offset)?;
    // The n-th occurrence in the value is the n-th in the source: quoting and
    // folding never create or split a `${...}`.
    let nth = text.get(..range.start)?.matches(needle).count();
    let (at, _) = raw.match_indices(needle).nth(nth)?;
    let start = region.start.offset + at;
    let found = source.region_of_offsets(start, start + needle.len());
    let mark = |p: hubspoke_manifest::Position| Mark {
        line: p.line,
        col: p.column.saturating_sub(1),
    };
    Some(Origin {
        file: origin.file,
        span: Span {
            start: mark(found.start),
            end: mark(found.end),
        },
    })
}
