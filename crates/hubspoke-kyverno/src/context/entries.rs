//! A rule's `context` entries (`pkg/engine/context/loaders`,
//! `pkg/engine/factories/contextloaderfactory.go`).
//!
//! Kyverno loads entries lazily: an entry is read when a query first names
//! it, so an entry that fails but is never used does no harm, and entries may
//! refer to entries declared after them. Here entries load eagerly, in order,
//! with retries until no more succeed; an entry that still fails is recorded
//! and fails only the queries that name it.
//!
//! Sources the repository cannot answer (`apiCall`, `imageRegistry`,
//! `globalReference`, a ConfigMap it does not hold) are not decidable offline,
//! unless a kyverno-test values file already set the entry's name (the CLI
//! then has no client and keeps the value).

use serde_json::Value;

use super::Context;
use crate::jmespath::to_float_variable;
use crate::variables::{substitute, substitute_floats, VariableError};

/// What the repository knows that a cluster would otherwise answer.
pub trait RepositoryData {
    /// The ConfigMap `namespace/name` as a JSON object (`data`, `metadata`…).
    fn config_map(&self, namespace: &str, name: &str) -> Option<Value>;
}

/// A repository that knows nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRepositoryData;

impl RepositoryData for NoRepositoryData {
    fn config_map(&self, _namespace: &str, _name: &str) -> Option<Value> {
        None
    }
}

/// Why a rule's context cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContextError {
    /// The entry needs something only a cluster or a registry can answer.
    #[error("not decidable offline: needs {needs}")]
    NotDecidableOffline {
        /// What is needed, e.g. "apiCall `/api/v1/namespaces` (context entry `ns`)".
        needs: String,
    },
    /// The entry is malformed: a policy problem.
    #[error("invalid context entry {name:?}: {message}")]
    InvalidEntry {
        /// The entry's name.
        name: String,
        /// What is wrong.
        message: String,
    },
}

/// Names Kyverno reserves (`validateRuleContext`).
const RESERVED: &[&str] = &[
    "images",
    "request",
    "serviceAccountName",
    "serviceAccountNamespace",
    "element",
    "elementIndex",
];

enum Source<'a> {
    Variable(&'a Value),
    ConfigMap(&'a Value),
    Offline(&'static str, String),
}

struct Entry<'a> {
    name: String,
    source: Source<'a>,
}

impl Entry<'_> {
    /// The entry's expressions as text, to see which other entries it names.
    fn text(&self) -> String {
        match &self.source {
            Source::Variable(body) | Source::ConfigMap(body) => body.to_string(),
            Source::Offline(_, target) => target.clone(),
        }
    }
}

/// Check an entry list's shape without a resource: every entry has a name
/// that is not reserved and exactly one source. Policy-time check.
pub fn validate_entries(entries: &Value) -> Result<(), ContextError> {
    parse_entries(entries).map(|_| ())
}

fn parse_entries(entries: &Value) -> Result<Vec<Entry<'_>>, ContextError> {
    let invalid = |name: &str, message: &str| ContextError::InvalidEntry {
        name: name.to_owned(),
        message: message.to_owned(),
    };
    let list = match entries {
        Value::Null => return Ok(Vec::new()),
        Value::Array(list) => list,
        _ => return Err(invalid("", "context must be a list")),
    };
    let mut parsed = Vec::with_capacity(list.len());
    for entry in list {
        let name = entry
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if name.is_empty() {
            return Err(invalid(name, "a name is required for context entries"));
        }
        if let Some(reserved) = RESERVED
            .iter()
            .find(|r| name == **r || name.starts_with(&format!("{r}.")))
        {
            return Err(invalid(
                name,
                &format!("entry name {name} is invalid as it conflicts with a pre-defined variable {reserved}"),
            ));
        }
        let sources: Vec<&str> = [
            "configMap",
            "apiCall",
            "globalReference",
            "imageRegistry",
            "variable",
        ]
        .into_iter()
        .filter(|k| entry.get(*k).is_some_and(|v| !v.is_null()))
        .collect();
        if sources.len() != 1 {
            return Err(invalid(
                name,
                "exactly one of configMap or apiCall or imageRegistry or variable is required for context entries",
            ));
        }
        let body = &entry[sources[0]];
        let source = match sources[0] {
            "variable" => Source::Variable(body),
            "configMap" => Source::ConfigMap(body),
            "apiCall" => {
                let target = body
                    .get("urlPath")
                    .or_else(|| body.pointer("/service/url"))
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                Source::Offline("apiCall", target.to_owned())
            }
            "imageRegistry" => Source::Offline(
                "imageRegistry",
                body.get("reference")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            ),
            _ => Source::Offline(
                "globalReference",
                body.get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            ),
        };
        parsed.push(Entry {
            name: name.to_owned(),
            source,
        });
    }
    Ok(parsed)
}

impl Context {
    /// Load a rule's (or a `foreach`'s) `context` list.
    pub fn add_entries(
        &mut self,
        entries: &Value,
        repo: &dyn RepositoryData,
    ) -> Result<(), ContextError> {
        let mut pending: Vec<(Entry<'_>, String)> = Vec::new();
        for entry in parse_entries(entries)? {
            pending.push((entry, String::new()));
        }
        // Sources nothing offline can answer, unless values already did.
        for (entry, _) in &pending {
            if let Source::Offline(kind, target) = &entry.source {
                if !self.has_top_level(&entry.name) {
                    let target = if target.is_empty() {
                        String::new()
                    } else {
                        format!(" `{target}`")
                    };
                    return Err(ContextError::NotDecidableOffline {
                        needs: format!("{kind}{target} (context entry `{}`)", entry.name),
                    });
                }
            }
        }
        // Kyverno loads an entry when a query names it, so an entry whose
        // expressions name another pending entry waits for it.
        let mut force = false;
        loop {
            let before = pending.len();
            let names: Vec<String> = pending.iter().map(|(e, _)| e.name.clone()).collect();
            let waits = |entry: &Entry<'_>| {
                let text = entry.text();
                names
                    .iter()
                    .any(|n| *n != entry.name && super::names_entry(&text, n))
            };
            let mut ready: Vec<bool> = pending.iter().map(|(e, _)| !waits(e)).collect();
            if force || !ready.iter().any(|r| *r) {
                // A cycle: load in order and let queries report what fails.
                ready = vec![true; pending.len()];
            }
            let mut still = Vec::new();
            for ((entry, reason), ready) in pending.into_iter().zip(ready) {
                if !ready {
                    still.push((entry, reason));
                    continue;
                }
                match self.load(&entry, repo)? {
                    Ok(()) => {}
                    Err(reason) => still.push((entry, reason)),
                }
            }
            pending = still;
            if pending.is_empty() || force {
                break;
            }
            // No progress: one last pass in order, so every entry is tried.
            force = pending.len() == before;
        }
        for (entry, reason) in pending {
            self.record_failed_entry(&entry.name, reason);
        }
        Ok(())
    }

    /// Load one entry: `Ok(Err(reason))` when it failed in a way that only
    /// matters to queries using it.
    fn load(
        &mut self,
        entry: &Entry<'_>,
        repo: &dyn RepositoryData,
    ) -> Result<Result<(), String>, ContextError> {
        match &entry.source {
            Source::Offline(..) => Ok(Ok(())),
            Source::Variable(body) => Ok(self.load_variable(&entry.name, body)),
            Source::ConfigMap(body) => self.load_config_map(&entry.name, body, repo),
        }
    }

    /// Kyverno's `variableLoader.loadVariable`.
    fn load_variable(&mut self, name: &str, body: &Value) -> Result<(), String> {
        let failed = |what: &str, e: VariableError| {
            format!("failed to substitute variables in context entry {name} {what}: {e}")
        };
        let mut path = String::new();
        if let Some(jmes_path) = body
            .get("jmesPath")
            .filter(|v| v.as_str().is_some_and(|s| !s.is_empty()))
        {
            match substitute(jmes_path, self).map_err(|e| failed("jmesPath", e))? {
                Value::String(s) => path = s,
                _ => return Err(format!("jmespath value must be a string {name}")),
            }
        }
        let default = match body.get("default").filter(|v| !v.is_null()) {
            Some(d) => Some(substitute_floats(d, self).map_err(|e| failed("default", e))?),
            None => None,
        };
        let mut output = default.clone();
        if let Some(value) = body.get("value").filter(|v| !v.is_null()) {
            let value = substitute_floats(value, self).map_err(|e| failed("value", e))?;
            if path.is_empty() {
                output = Some(value);
            } else {
                match self.search_value(&path, &value) {
                    Ok(result) => output = Some(result),
                    Err(e) if default.is_none() => {
                        return Err(format!("failed to apply jmespath {path} to variable: {e}"));
                    }
                    Err(_) => {}
                }
            }
        } else if !path.is_empty() {
            match self.query(&path) {
                Ok(Value::Null) => {}
                Ok(result) => output = Some(result),
                Err(e) if default.is_none() => {
                    return Err(format!("failed to apply jmespath {path} to variable: {e}"));
                }
                Err(_) => {}
            }
        }
        match output {
            None | Some(Value::Null) => Err(format!(
                "failed to add context entry for variable {name} since it evaluated to nil"
            )),
            Some(value) => {
                // Stored through JSON, so its numbers become floats.
                self.set_entry(name, to_float_variable(&value), true);
                Ok(())
            }
        }
    }

    /// Kyverno's `configMapLoader`: `{data, metadata}` of the ConfigMap.
    fn load_config_map(
        &mut self,
        entry_name: &str,
        body: &Value,
        repo: &dyn RepositoryData,
    ) -> Result<Result<(), String>, ContextError> {
        let text = |key: &str, ctx: &Context| -> Result<String, String> {
            let raw = body
                .get(key)
                .cloned()
                .unwrap_or(Value::String(String::new()));
            match substitute(&raw, ctx) {
                Ok(Value::String(s)) => Ok(s),
                Ok(other) => Err(format!(
                    "failed to substitute variables in context {entry_name} configMap.{key}: expected string, got {other}"
                )),
                Err(e) => Err(format!("failed to substitute variables in context {entry_name} configMap.{key}: {e}")),
            }
        };
        let name = match text("name", self) {
            Ok(n) => n,
            Err(reason) => return Ok(Err(reason)),
        };
        let mut namespace = match text("namespace", self) {
            Ok(n) => n,
            Err(reason) => return Ok(Err(reason)),
        };
        if namespace.is_empty() {
            namespace = if self.policy_namespace().is_empty() {
                "default".to_owned()
            } else {
                self.policy_namespace().to_owned()
            };
        }
        if !self.policy_namespace().is_empty() && namespace != self.policy_namespace() {
            return Ok(Err(format!(
                "context entry {entry_name}: configMap namespace {namespace:?} is different from policy namespace {:?}",
                self.policy_namespace()
            )));
        }
        match repo.config_map(&namespace, &name) {
            Some(config_map) => {
                let data = serde_json::json!({
                    "data": config_map.get("data").cloned().unwrap_or(Value::Null),
                    "metadata": config_map.get("metadata").cloned().unwrap_or(Value::Null),
                });
                self.set_entry(entry_name, to_float_variable(&data), false);
                Ok(Ok(()))
            }
            None if self.has_top_level(entry_name) => Ok(Ok(())),
            None => Err(ContextError::NotDecidableOffline {
                needs: format!("ConfigMap {namespace}/{name} (context entry `{entry_name}`)"),
            }),
        }
    }
}
