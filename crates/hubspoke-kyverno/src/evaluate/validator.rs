//! A rule's check on a resource or a `foreach` element: Kyverno's
//! `validator` (`validateDeny`, `validatePatterns`, `validateForEach`,
//! `validateElements`) with its messages, plus the path of every violation.

use std::borrow::Cow;
use std::time::{Duration, Instant};

use hubspoke_manifest::PathSegment;
use serde_json::Value;

use super::element_path::element_path;
use super::{join_non_empty, loadable_entries, whole, Answer, MaybeOutcome, Options, Outcome};
use crate::conditions::Conditions;
use crate::context::{Context, RepositoryData};
use crate::pattern::{match_pattern, Pattern, PatternOutcome, Violation};
use crate::policy::{Check, Foreach, PatternSource, Rule};
use crate::variables;

/// What a check decided, with Kyverno's message.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Satisfied.
    Pass,
    /// Violated, with the failing fields.
    Fail {
        /// Kyverno's message.
        message: String,
        /// The failing fields.
        violations: Vec<Violation>,
        /// The rule's own `validate.message` with its variables substituted
        /// where the failure happened (a `foreach` element's variables
        /// included), without Kyverno's `validation error: … failed at path`
        /// framing; `None` when the rule has no message or it cannot be
        /// substituted.
        summary: Option<String>,
    },
    /// Not applicable.
    Skip(String),
    /// Could not be evaluated.
    Error(String),
    /// Kyverno produces no response at all.
    NoResponse,
}

impl Verdict {
    pub(super) fn into_answer(self) -> Answer {
        match self {
            Verdict::Pass => Outcome::Pass.into(),
            Verdict::Fail {
                message,
                violations,
                summary,
            } => Answer {
                outcome: Outcome::Fail { violations }.into(),
                message: Some(message),
                summary,
            },
            Verdict::Skip(reason) => Outcome::Skip { reason }.into(),
            Verdict::Error(message) => Answer {
                outcome: Outcome::Error {
                    message: message.clone(),
                }
                .into(),
                message: Some(message),
                summary: None,
            },
            Verdict::NoResponse => Answer {
                outcome: MaybeOutcome::NoResponse,
                message: None,
                summary: None,
            },
        }
    }
}

/// The object a pattern is matched against: the resource, or the element a
/// scoped `foreach` stands on, with its path in the resource.
#[derive(Debug, Clone)]
struct Scope<'a> {
    value: &'a Value,
    path: Vec<PathSegment>,
    is_element: bool,
}

pub(super) struct Validator<'a> {
    rule: &'a Rule,
    resource: &'a Value,
    options: &'a Options,
    repository: &'a dyn RepositoryData,
    /// When the rule must stop (`Options::time_limit` from its start).
    deadline: Option<(Instant, Duration)>,
}

impl<'a> Validator<'a> {
    pub(super) fn new(
        rule: &'a Rule,
        resource: &'a Value,
        options: &'a Options,
        repository: &'a dyn RepositoryData,
    ) -> Self {
        Validator {
            rule,
            resource,
            options,
            repository,
            deadline: options
                .time_limit
                .map(|limit| (Instant::now() + limit, limit)),
        }
    }

    /// The error of a rule stopped by its time limit, once past it. Checked
    /// between `foreach` elements and `anyPattern` entries, the only places
    /// where the work is not bounded by the sizes of the pattern and the
    /// resource alone (nested `foreach` multiplies them).
    fn timed_out(&self) -> Option<Verdict> {
        let (deadline, limit) = self.deadline?;
        (Instant::now() > deadline).then(|| Verdict::Error(timeout_message(limit)))
    }

    /// Check the whole resource.
    pub(super) fn check(&self, check: &Check, ctx: &Context, path: &[PathSegment]) -> Verdict {
        let scope = Scope {
            value: self.resource,
            path: path.to_vec(),
            is_element: false,
        };
        self.check_in(check, ctx, &scope)
    }

    fn check_in(&self, check: &Check, ctx: &Context, scope: &Scope<'_>) -> Verdict {
        match check {
            Check::Deny(conditions) => self.deny(conditions, ctx, scope),
            Check::Pattern(pattern) => {
                if self.skips_patterns(scope) {
                    return Verdict::NoResponse;
                }
                match self.pattern(pattern, ctx) {
                    Ok(compiled) => self.single_pattern(&compiled, ctx, scope),
                    Err(e) => e,
                }
            }
            Check::AnyPattern(patterns) => {
                if self.skips_patterns(scope) {
                    return Verdict::NoResponse;
                }
                self.any_pattern(patterns, ctx, scope)
            }
            Check::Foreach(entries) => self.foreach(entries, ctx, scope),
        }
    }

    /// Kyverno does not match patterns against a deleted resource.
    fn skips_patterns(&self, scope: &Scope<'_>) -> bool {
        self.options.operation == "DELETE" && !scope.is_element
    }

    fn deny(&self, conditions: &Conditions, ctx: &Context, scope: &Scope<'_>) -> Verdict {
        match conditions.evaluate(ctx) {
            Err(e) => Verdict::Error(format!("failed to check deny conditions: {e}")),
            Ok(outcome) if outcome.passed => {
                let message = self.deny_message(&outcome.message, ctx);
                Verdict::Fail {
                    violations: vec![whole(&scope.path, message.clone())],
                    summary: Some(message.clone()),
                    message,
                }
            }
            Ok(_) => Verdict::Pass,
        }
    }

    /// `getDenyMessage`.
    fn deny_message(&self, condition_messages: &str, ctx: &Context) -> String {
        let rule_message = self.rule.message.as_deref().unwrap_or("");
        if rule_message.is_empty() && condition_messages.is_empty() {
            return format!("validation error: rule {} failed", self.rule.name);
        }
        let text = join_non_empty(&[rule_message, condition_messages]);
        variables::try_substitute_message(&text, ctx)
            .unwrap_or_else(|_| condition_messages.to_owned())
    }

    /// The pattern, its variables substituted when it has any.
    fn pattern<'p>(
        &self,
        source: &'p PatternSource,
        ctx: &Context,
    ) -> Result<Cow<'p, Pattern>, Verdict> {
        if let Some(compiled) = source.compiled() {
            return Ok(Cow::Borrowed(compiled));
        }
        let substituted = variables::substitute(&source.raw, ctx)
            .map_err(|e| Verdict::Error(format!("variable substitution failed: {e}")))?;
        Ok(Cow::Owned(Pattern::compile_lenient(&substituted).0))
    }

    fn single_pattern(&self, pattern: &Pattern, ctx: &Context, scope: &Scope<'_>) -> Verdict {
        match match_pattern(scope.value, pattern) {
            PatternOutcome::Pass => Verdict::Pass,
            PatternOutcome::Skip { reason } => Verdict::Skip(reason),
            PatternOutcome::Error { message } => {
                Verdict::Error(self.error_message(&message, "", ctx))
            }
            PatternOutcome::Fail {
                kyverno_path,
                message,
                violations,
            } => Verdict::Fail {
                message: self.error_message(&message, &kyverno_path, ctx),
                violations: rebase(violations, &scope.path),
                summary: self.summary(ctx),
            },
        }
    }

    fn any_pattern(&self, patterns: &[PatternSource], ctx: &Context, scope: &Scope<'_>) -> Verdict {
        let mut failed: Vec<String> = Vec::new();
        let mut skipped: Vec<String> = Vec::new();
        let mut violations = Vec::new();
        let name = &self.rule.name;
        for (i, source) in patterns.iter().enumerate() {
            if let Some(stopped) = self.timed_out() {
                return stopped;
            }
            let pattern = match self.pattern(source, ctx) {
                Ok(p) => p,
                Err(e) => return e,
            };
            match match_pattern(scope.value, &pattern) {
                PatternOutcome::Pass => return Verdict::Pass,
                PatternOutcome::Skip { reason } => {
                    skipped.push(format!("rule {name}[{i}] skipped: {reason}"));
                }
                PatternOutcome::Error { message } => {
                    failed.push(format!("rule {name}[{i}] failed: {message}"));
                }
                PatternOutcome::Fail {
                    kyverno_path,
                    violations: found,
                    ..
                } => {
                    failed.push(format!("rule {name}[{i}] failed at path {kyverno_path}"));
                    violations.extend(rebase(found, &scope.path).into_iter().map(|mut v| {
                        v.message = format!("anyPattern[{i}]: {}", v.message);
                        v
                    }));
                }
            }
        }
        if !failed.is_empty() {
            return Verdict::Fail {
                message: self.any_pattern_message(&failed.join(" "), ctx),
                violations,
                summary: self.summary(ctx),
            };
        }
        if !skipped.is_empty() {
            return Verdict::Skip(skipped.join(" "));
        }
        Verdict::Pass
    }

    /// The rule's `validate.message`, substituted in `ctx`.
    fn summary(&self, ctx: &Context) -> Option<String> {
        let message = self.rule.message.as_deref().filter(|m| !m.is_empty())?;
        variables::try_substitute_message(message, ctx).ok()
    }

    /// `buildErrorMessage`.
    fn error_message(&self, error: &str, path: &str, ctx: &Context) -> String {
        let name = &self.rule.name;
        let Some(message) = self.rule.message.as_deref().filter(|m| !m.is_empty()) else {
            return if path.is_empty() {
                format!("validation error: rule {name} execution error: {error}")
            } else {
                format!("validation error: rule {name} failed at path {path}")
            };
        };
        match variables::try_substitute_message(message, ctx) {
            Err(_) => format!(
                "validation error: variables substitution error in rule {name} execution error: {error}"
            ),
            Ok(mut text) => {
                if !text.ends_with('.') {
                    text.push('.');
                }
                if path.is_empty() {
                    format!("validation error: {text} rule {name} execution error: {error}")
                } else {
                    format!("validation error: {text} rule {name} failed at path {path}")
                }
            }
        }
    }

    /// `buildAnyPatternErrorMessage`.
    fn any_pattern_message(&self, errors: &str, ctx: &Context) -> String {
        let Some(message) = self.rule.message.as_deref().filter(|m| !m.is_empty()) else {
            return format!("validation error: {errors}");
        };
        match variables::try_substitute_message(message, ctx) {
            Err(_) => format!(
                "validation error: variables substitution error in rule {} execution error: {errors}",
                self.rule.name
            ),
            Ok(text) if text.ends_with('.') => format!("validation error: {text} {errors}"),
            Ok(text) => format!("validation error: {text}. {errors}"),
        }
    }

    /// `validateForEach`.
    fn foreach(&self, entries: &[Foreach], ctx: &Context, scope: &Scope<'_>) -> Verdict {
        let mut applied = 0usize;
        let mut list_error = None;
        for entry in entries {
            let elements = match ctx.query(&entry.list) {
                Ok(Value::Array(items)) => items,
                Ok(single) => vec![single],
                Err(e) if e.is_not_found() => continue,
                Err(e) => {
                    list_error = Some(e);
                    continue;
                }
            };
            let (verdict, count) = self.elements(entry, &elements, ctx, scope);
            if verdict != Verdict::Pass {
                return verdict;
            }
            applied += count;
        }
        if applied == 0 {
            return match list_error {
                Some(e) => Verdict::Error(format!("failed to evaluate list: {e}")),
                None => Verdict::NoResponse,
            };
        }
        Verdict::Pass
    }

    /// `validateElements`.
    fn elements(
        &self,
        entry: &Foreach,
        elements: &[Value],
        ctx: &Context,
        scope: &Scope<'_>,
    ) -> (Verdict, usize) {
        let mut applied = 0usize;
        for (index, element) in elements.iter().enumerate() {
            if let Some(stopped) = self.timed_out() {
                return (stopped, applied);
            }
            if element.is_null() {
                continue;
            }
            let mut element_ctx = ctx.with_element(element, index);
            let scoped = match entry.element_scope {
                Some(true) if !element.is_object() => {
                    return (
                        Verdict::Error(format!(
                            "failed to process foreach: cannot use elementScope=true foreach rules for elements that are not maps, expected type=map got type={}",
                            go_type(element)
                        )),
                        applied,
                    );
                }
                Some(explicit) => explicit,
                None => element.is_object(),
            };
            let element_scope = if scoped {
                Scope {
                    value: element,
                    path: element_path(&entry.list, self.resource, &scope.path, index, element),
                    is_element: true,
                }
            } else {
                scope.clone()
            };
            let verdict = self.element(entry, &mut element_ctx, &element_scope);
            match verdict {
                Verdict::NoResponse | Verdict::Skip(_) => {}
                Verdict::Error(ref m) if m.contains("failed to evaluate preconditions") => {}
                Verdict::Pass => applied += 1,
                Verdict::Fail {
                    message,
                    violations,
                    summary,
                } => {
                    return (
                        Verdict::Fail {
                            message: format!("validation failure: {message}"),
                            violations,
                            summary,
                        },
                        applied,
                    );
                }
                Verdict::Error(message) => {
                    return (
                        Verdict::Error(format!("validation failure: {message}")),
                        applied,
                    );
                }
            }
        }
        (Verdict::Pass, applied)
    }

    /// One element: its context entries, preconditions, then its check.
    fn element(&self, entry: &Foreach, ctx: &mut Context, scope: &Scope<'_>) -> Verdict {
        let entries = loadable_entries(&entry.context, self.options.cli_semantics);
        if let Err(e) = ctx.add_entries(&entries, self.repository) {
            return Verdict::Error(format!("failed to load context: {e}"));
        }
        if let Some(preconditions) = &entry.preconditions {
            match preconditions.evaluate(ctx) {
                Err(e) => return Verdict::Error(format!("failed to evaluate preconditions: {e}")),
                Ok(o) if !o.passed => {
                    return Verdict::Skip(join_non_empty(&["preconditions not met", &o.message]))
                }
                Ok(_) => {}
            }
        }
        self.check_in(&entry.check, ctx, scope)
    }
}

/// What a rule stopped by its time limit reports.
pub(super) fn timeout_message(limit: Duration) -> String {
    format!(
        "the rule ran longer than its time limit of {} ms and was stopped",
        limit.as_millis()
    )
}

/// Prefix violation paths (relative to a `foreach` element) with the
/// element's path in the resource.
fn rebase(violations: Vec<Violation>, base: &[PathSegment]) -> Vec<Violation> {
    if base.is_empty() {
        return violations;
    }
    violations
        .into_iter()
        .map(|mut v| {
            let mut path = base.to_vec();
            path.append(&mut v.path);
            v.path = path;
            v
        })
        .collect()
}

/// Go's `%T` of a decoded JSON value.
fn go_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(_) => "float64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}
