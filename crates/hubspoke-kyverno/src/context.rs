//! The JSON variable space Kyverno evaluates `{{ }}` expressions against
//! (`pkg/engine/context`), built the way `kyverno test`/`kyverno apply` and
//! background scans build it:
//!
//! - `request.object` (or `request.oldObject` for `DELETE`; both for
//!   `UPDATE`), `request.operation` (the CLI's default is `CREATE`),
//!   `request.namespace` (the resource's namespace, `""` when it has none);
//! - `images`: every container image of a Pod or pod controller, split into
//!   registry/path/name/tag/digest (absent when there are none, as in Kyverno);
//! - `element`, `elementIndex` and their nesting-numbered twins `element0`,
//!   `elementIndex0`, … inside `foreach`;
//! - `serviceAccountName`/`serviceAccountNamespace` when a user name is known;
//! - values from a kyverno-test `values.yaml` and the rule's `context` entries.
//!
//! A context is cheap to derive from: values are shared (`Arc`), so a
//! `foreach` element or a context entry copies only the top-level keys.

mod entries;
mod images;

use std::cell::OnceCell;
use std::collections::BTreeMap;

use ::jmespath::{Rcvar, Variable};
use serde_json::Value;

pub use entries::{validate_entries, ContextError, NoRepositoryData, RepositoryData};

use crate::jmespath::{self as jp, Clock};
use crate::variables::VariableError;

/// The variables of one (rule, resource) evaluation.
#[derive(Debug, Clone)]
pub struct Context {
    /// Top-level names (`request`, `images`, `element`, context entries…).
    root: BTreeMap<String, Rcvar>,
    operation: String,
    clock: Clock,
    /// How many `foreach` levels enclose this context.
    element_depth: usize,
    /// The namespace of a namespaced `Policy` (its ConfigMap entries may not
    /// leave it); empty for a `ClusterPolicy`.
    policy_namespace: String,
    /// Context entries that failed to load, with why. Kyverno loads entries
    /// lazily and fails only the queries that use one.
    failed_entries: Vec<(String, String)>,
    /// Why `images` could not be built (an unparsable image), reported to
    /// queries that read `images`.
    images_error: Option<String>,
    /// `root` as one JMESPath object, built for the first query and reset by
    /// every change to `root`: a rule runs many queries on one context, and
    /// copying the top-level map for each was a measurable part of a run.
    root_variable: OnceCell<Rcvar>,
}

/// What every context of one resource takes from it, converted on first use and
/// then shared: the object as a JMESPath value and its `images`. Converting them
/// for each policy was most of the cost of evaluating many policies.
#[derive(Debug)]
pub struct ResourceVariables<'a> {
    resource: &'a Value,
    object: OnceCell<Rcvar>,
    /// The `images` variable (`None`: the resource has none), or why it could
    /// not be built.
    images: OnceCell<Result<Option<Rcvar>, String>>,
}

impl<'a> ResourceVariables<'a> {
    /// The variables of `resource`, converted when first asked for.
    pub fn new(resource: &'a Value) -> ResourceVariables<'a> {
        ResourceVariables {
            resource,
            object: OnceCell::new(),
            images: OnceCell::new(),
        }
    }

    /// The resource they are converted from.
    pub fn resource(&self) -> &'a Value {
        self.resource
    }

    fn object(&self) -> Rcvar {
        self.object
            .get_or_init(|| jp::to_variable(self.resource))
            .clone()
    }

    fn images(&self) -> &Result<Option<Rcvar>, String> {
        self.images.get_or_init(|| {
            images::extract(self.resource).map(|found| found.map(|f| jp::to_variable(&f)))
        })
    }
}

impl Context {
    /// The context of a resource under an admission operation (`CREATE`,
    /// `UPDATE`, `DELETE`, `CONNECT`), in `namespace` (default: the
    /// resource's own).
    pub fn for_resource(resource: &Value, operation: &str, namespace: Option<&str>) -> Context {
        Context::for_variables(&ResourceVariables::new(resource), operation, namespace)
    }

    /// [`Context::for_resource`] from a resource's variables converted before
    /// (shared by every policy evaluated on the resource).
    pub fn for_variables(
        variables: &ResourceVariables<'_>,
        operation: &str,
        namespace: Option<&str>,
    ) -> Context {
        let object = variables.object();
        let mut request = BTreeMap::new();
        match operation {
            "DELETE" => {
                request.insert("oldObject".to_owned(), object);
            }
            "UPDATE" => {
                request.insert("object".to_owned(), object.clone());
                request.insert("oldObject".to_owned(), object);
            }
            _ => {
                request.insert("object".to_owned(), object);
            }
        }
        let own_namespace = variables
            .resource
            .get("metadata")
            .and_then(|m| m.get("namespace"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        request.insert(
            "namespace".to_owned(),
            string_var(namespace.unwrap_or(own_namespace)),
        );
        request.insert("operation".to_owned(), string_var(operation));
        let mut root = BTreeMap::new();
        root.insert("request".to_owned(), Rcvar::new(Variable::Object(request)));
        let mut images_error = None;
        match variables.images() {
            Ok(Some(found)) => {
                root.insert("images".to_owned(), found.clone());
            }
            Ok(None) => {}
            Err(e) => images_error = Some(e.clone()),
        }
        Context {
            root,
            operation: operation.to_owned(),
            clock: Clock::System,
            element_depth: 0,
            policy_namespace: String::new(),
            failed_entries: Vec::new(),
            images_error,
            root_variable: OnceCell::new(),
        }
    }

    /// The same context reading the time from `clock`.
    pub fn with_clock(mut self, clock: Clock) -> Context {
        self.clock = clock;
        self
    }

    /// The same context for a namespaced `Policy` in `namespace`.
    pub fn with_policy_namespace(mut self, namespace: &str) -> Context {
        self.policy_namespace = namespace.to_owned();
        self
    }

    /// The admission operation.
    pub fn operation(&self) -> &str {
        &self.operation
    }

    pub(crate) fn is_delete(&self) -> bool {
        self.operation == "DELETE"
    }

    pub(crate) fn policy_namespace(&self) -> &str {
        &self.policy_namespace
    }

    /// A child context for one `foreach` element: `element`, `elementIndex`,
    /// and `element<N>`/`elementIndex<N>` for this nesting level.
    pub fn with_element(&self, element: &Value, index: usize) -> Context {
        let mut child = self.clone();
        child.root_variable = OnceCell::new();
        // Kyverno round-trips the element through JSON: its numbers become floats.
        let element = jp::to_float_variable(element);
        let index = Rcvar::new(Variable::Number(serde_json::Number::from(index)));
        let depth = self.element_depth;
        for (key, value) in [
            ("element".to_owned(), element.clone()),
            (format!("element{depth}"), element),
            ("elementIndex".to_owned(), index.clone()),
            (format!("elementIndex{depth}"), index),
        ] {
            child.root.insert(key, value);
        }
        child.element_depth = depth + 1;
        child
    }

    /// Set a variable by dotted name (`request.object.metadata.name`,
    /// `dictionary.data."some.key"`), merging objects into what is there, as
    /// Kyverno's `AddVariable` does with values from a values file. Numbers
    /// become floats, as Go reads them from the file.
    pub fn set_variable(&mut self, name: &str, value: Value) {
        let path = split_variable_name(name);
        if path.is_empty() {
            return;
        }
        let value = jp::to_float_variable(&value);
        self.merge_at(&path, value, false);
    }

    /// Put a context entry's value under its name (the name is one key, dots
    /// and all), replacing (`replace`) or merging into what is there.
    pub(crate) fn set_entry(&mut self, name: &str, value: Rcvar, replace: bool) {
        self.failed_entries.retain(|(n, _)| n != name);
        self.root_variable = OnceCell::new();
        if replace {
            self.root.insert(name.to_owned(), value);
        } else {
            self.merge_at(&[name.to_owned()], value, false);
        }
    }

    pub(crate) fn record_failed_entry(&mut self, name: &str, reason: String) {
        self.failed_entries.push((name.to_owned(), reason));
    }

    pub(crate) fn has_top_level(&self, name: &str) -> bool {
        self.root.contains_key(name)
    }

    /// Kyverno's `mergeMaps` at a path: objects merge key by key, anything
    /// else replaces.
    fn merge_at(&mut self, path: &[String], value: Rcvar, _overwrite_maps: bool) {
        let Some((first, rest)) = path.split_first() else {
            return;
        };
        self.root_variable = OnceCell::new();
        let existing = self.root.get(first).cloned();
        let merged = merge_path(existing.as_ref(), rest, value);
        self.root.insert(first.clone(), merged);
    }

    /// Set `serviceAccountName`/`serviceAccountNamespace` from an admission
    /// user name (`system:serviceaccount:<namespace>:<name>`), as Kyverno's
    /// `AddServiceAccount` does (empty strings for other users).
    pub fn set_service_account(&mut self, user_name: &str) {
        let rest = user_name
            .get("system:serviceaccount:".len()..)
            .unwrap_or_default();
        let parts: Vec<&str> = rest.split(':').collect();
        let (name, namespace) = if parts.len() >= 2 {
            (parts[1], parts[0])
        } else {
            ("", "")
        };
        self.root_variable = OnceCell::new();
        self.root
            .insert("serviceAccountName".to_owned(), string_var(name));
        self.root
            .insert("serviceAccountNamespace".to_owned(), string_var(namespace));
    }

    /// Evaluate a JMESPath expression against the context.
    pub fn query(&self, expression: &str) -> Result<Value, VariableError> {
        self.query_variable(expression).map(|v| jp::to_value(&v))
    }

    pub(crate) fn query_variable(&self, expression: &str) -> Result<Rcvar, VariableError> {
        let expression = expression.trim();
        if expression.is_empty() {
            return Err(VariableError::Invalid {
                message: "invalid query (nil)".to_owned(),
            });
        }
        self.check_failed_loads(expression)?;
        let compiled = jp::compile_cached(expression)?;
        compiled.search(&self.root_variable(), self.clock)
    }

    /// The whole context as one JMESPath object.
    fn root_variable(&self) -> Rcvar {
        self.root_variable
            .get_or_init(|| Rcvar::new(Variable::Object(self.root.clone())))
            .clone()
    }

    /// Search arbitrary data (a context entry's `value`) with the context's clock.
    pub(crate) fn search_value(
        &self,
        expression: &str,
        data: &Value,
    ) -> Result<Value, VariableError> {
        let compiled = jp::compile_cached(expression)?;
        compiled
            .search(&jp::to_variable(data), self.clock)
            .map(|v| jp::to_value(&v))
    }

    /// Kyverno loads `images` and context entries when a query names them
    /// (`(?:\A|\z|\s|[^.0-9A-Za-z])NAME\b`); a load that failed fails the
    /// query.
    fn check_failed_loads(&self, expression: &str) -> Result<(), VariableError> {
        let failed = self
            .failed_entries
            .iter()
            .map(|(n, r)| (n.as_str(), r.as_str()))
            .chain(self.images_error.as_deref().map(|r| ("images", r)));
        for (name, reason) in failed {
            if names_entry(expression, name) {
                return Err(VariableError::Evaluation {
                    expression: expression.to_owned(),
                    message: reason.to_owned(),
                });
            }
        }
        Ok(())
    }
}

/// Whether a query mentions a context entry, by Kyverno's deferred-loading rule.
pub(crate) fn names_entry(expression: &str, name: &str) -> bool {
    let pattern = format!(r"(?:\A|\z|\s|[^.0-9A-Za-z]){}(?-u:\b)", regex::escape(name));
    regex::Regex::new(&pattern).is_ok_and(|re| re.is_match(expression))
}

fn string_var(s: &str) -> Rcvar {
    Rcvar::new(Variable::String(s.to_owned()))
}

fn merge_path(existing: Option<&Rcvar>, rest: &[String], value: Rcvar) -> Rcvar {
    match rest.split_first() {
        None => match (existing.map(|e| &**e), &*value) {
            (Some(Variable::Object(old)), Variable::Object(new)) => {
                let mut merged = old.clone();
                for (k, v) in new {
                    let next = merge_path(merged.get(k), &[], v.clone());
                    merged.insert(k.clone(), next);
                }
                Rcvar::new(Variable::Object(merged))
            }
            _ => value,
        },
        Some((key, tail)) => {
            let mut object = match existing.map(|e| &**e) {
                Some(Variable::Object(map)) => map.clone(),
                _ => BTreeMap::new(),
            };
            let next = merge_path(object.get(key), tail, value);
            object.insert(key.clone(), next);
            Rcvar::new(Variable::Object(object))
        }
    }
}

/// Kyverno splits a variable name as one CSV record with `.` as the
/// separator, so `a."b.c".d` is `a`, `b.c`, `d`.
fn split_variable_name(name: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = name.chars().peekable();
    let mut at_field_start = true;
    while let Some(c) = chars.next() {
        match c {
            '"' if at_field_start && !quoted => quoted = true,
            '"' if quoted => {
                if chars.peek() == Some(&'"') {
                    current.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            }
            '.' if !quoted => {
                fields.push(std::mem::take(&mut current));
                at_field_start = true;
                continue;
            }
            c => current.push(c),
        }
        at_field_start = false;
    }
    fields.push(current);
    fields
}

#[cfg(test)]
mod tests;
