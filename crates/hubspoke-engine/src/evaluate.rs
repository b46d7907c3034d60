//! Evaluating document rules in parallel: one regorus engine per worker
//! thread, built once from the policy sources (clones of one engine share Arc'd
//! nodes and scale worse: shared/dependencies.md §1.6), one value conversion
//! per document, and only the rules whose kinds match.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use hubspoke_manifest::{parse_dotted_path, Document, ParsedFile, PathSegment};
use regorus::Engine;
use serde::Deserialize;
use thread_local::ThreadLocal;

use crate::builtin::POLICY_ERROR;
use crate::convert::to_rego_value;
use crate::finding::{Finding, Severity};
use crate::ruleset::{Rule, RuleSet};

/// Per-run choices that change what rules report.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// Rule ids that do not run.
    pub disabled: BTreeSet<String>,
    /// Severity per rule id, replacing the rule's default.
    pub severity: BTreeMap<String, Severity>,
    /// Rule parameters, visible to Rego as `data.hubspoke.config`.
    pub config: serde_json::Value,
    /// Longest one rule may run on one document before it is stopped.
    pub rule_timeout: Duration,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            disabled: BTreeSet::new(),
            severity: BTreeMap::new(),
            config: serde_json::Value::Object(serde_json::Map::new()),
            rule_timeout: Duration::from_secs(5),
        }
    }
}

/// Evaluates document rules; share one across rayon workers.
pub struct Evaluator<'a> {
    rules: &'a RuleSet,
    options: EvalOptions,
    engines: ThreadLocal<RefCell<Option<Engine>>>,
}

/// One violation as a rule returns it.
#[derive(Debug, Deserialize)]
struct Violation {
    msg: String,
    #[serde(default)]
    path: Option<RawPath>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawPath {
    Segments(Vec<serde_json::Value>),
    Dotted(String),
}

impl RawPath {
    fn segments(&self) -> Vec<PathSegment> {
        match self {
            RawPath::Dotted(text) => parse_dotted_path(text),
            RawPath::Segments(items) => items
                .iter()
                .map(|item| match item {
                    serde_json::Value::Number(n) => n.as_u64().map_or_else(
                        || PathSegment::Key(n.to_string()),
                        |i| PathSegment::Index(i as usize),
                    ),
                    serde_json::Value::String(s) => PathSegment::Key(s.clone()),
                    other => PathSegment::Key(other.to_string()),
                })
                .collect(),
        }
    }
}

impl<'a> Evaluator<'a> {
    /// An evaluator over a loaded rule set.
    pub fn new(rules: &'a RuleSet, options: EvalOptions) -> Self {
        Evaluator {
            rules,
            options,
            engines: ThreadLocal::new(),
        }
    }

    /// The rule set being evaluated.
    pub fn rules(&self) -> &RuleSet {
        self.rules
    }

    /// The options in force.
    pub fn options(&self) -> &EvalOptions {
        &self.options
    }

    /// Number of rules that will run.
    pub fn active_rule_count(&self) -> usize {
        self.rules
            .rules
            .iter()
            .filter(|r| !self.options.disabled.contains(&r.meta.id))
            .count()
    }

    fn build_engine(&self) -> Result<Engine, String> {
        let mut engine = self.rules.build_engine()?;
        let data = serde_json::json!({"hubspoke": {"config": self.options.config}});
        let value = regorus::Value::from(data);
        engine
            .add_data(value)
            .map_err(|e| format!("cannot add rule configuration: {e}"))?;
        engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
            limit: self.options.rule_timeout,
            check_interval: std::num::NonZeroU32::MIN.saturating_add(999),
        });
        Ok(engine)
    }

    /// Evaluate every applicable rule on every Kubernetes object of a file.
    pub fn evaluate_file(&self, file: &ParsedFile) -> Vec<Finding> {
        let mut findings = Vec::new();
        for document in file.objects() {
            self.evaluate_document(file, document, &mut findings);
        }
        findings
    }

    /// Evaluate every applicable rule on one document, appending findings.
    pub fn evaluate_document(
        &self,
        file: &ParsedFile,
        document: &Document,
        findings: &mut Vec<Finding>,
    ) {
        let Some(object) = &document.object else {
            return;
        };
        let applicable: Vec<&Rule> = self
            .rules
            .rules_for(object.group(), &object.kind)
            .into_iter()
            .map(|i| &self.rules.rules[i])
            .filter(|r| !self.options.disabled.contains(&r.meta.id))
            .collect();
        if applicable.is_empty() {
            return;
        }
        let cell = self.engines.get_or(|| RefCell::new(None));
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            match self.build_engine() {
                Ok(engine) => *slot = Some(engine),
                Err(message) => {
                    findings.push(self.error_finding(file, document, None, &message));
                    return;
                }
            }
        }
        let Some(engine) = slot.as_mut() else {
            return;
        };
        engine.set_input(to_rego_value(&document.root));
        for rule in applicable {
            match engine.eval_rule(rule.entry.clone()) {
                Ok(value) => self.collect(rule, file, document, &value, findings),
                Err(error) => findings.push(self.error_finding(
                    file,
                    document,
                    Some(rule),
                    &error.to_string(),
                )),
            }
        }
    }

    fn collect(
        &self,
        rule: &Rule,
        file: &ParsedFile,
        document: &Document,
        value: &regorus::Value,
        findings: &mut Vec<Finding>,
    ) {
        let items: Vec<&regorus::Value> = match value {
            regorus::Value::Set(set) => set.iter().collect(),
            regorus::Value::Array(items) => items.iter().collect(),
            regorus::Value::Undefined | regorus::Value::Null => return,
            other => vec![other],
        };
        let severity = self
            .options
            .severity
            .get(&rule.meta.id)
            .copied()
            .unwrap_or(rule.meta.severity);
        for item in items {
            let parsed = serde_json::to_value(item).ok().and_then(|json| match json {
                serde_json::Value::String(msg) => Some(Violation { msg, path: None }),
                other => serde_json::from_value::<Violation>(other).ok(),
            });
            let Some(violation) = parsed else {
                findings.push(self.error_finding(
                    file,
                    document,
                    Some(rule),
                    &format!("violation is not a string or an object with `msg` (and optional `path`): {}", item.to_json_str().unwrap_or_default()),
                ));
                continue;
            };
            let path = violation
                .path
                .as_ref()
                .map(RawPath::segments)
                .unwrap_or_default();
            let located = document.locate(&path);
            findings.push(Finding {
                rule: rule.meta.id.clone(),
                severity,
                message: violation.msg,
                file: file.source.path.clone(),
                region: Some(file.source.region(located.span)),
                object: document.object.clone(),
                path,
                related: Vec::new(),
            });
        }
    }

    fn error_finding(
        &self,
        file: &ParsedFile,
        document: &Document,
        rule: Option<&Rule>,
        message: &str,
    ) -> Finding {
        let located = document.locate(&[]);
        let first_line = message.lines().next().unwrap_or(message);
        Finding {
            rule: POLICY_ERROR.to_owned(),
            severity: Severity::Error,
            message: match rule {
                Some(rule) => format!(
                    "rule {} ({}) failed on this object: {first_line}",
                    rule.meta.id, rule.meta.source
                ),
                None => format!("policies could not be prepared: {first_line}"),
            },
            file: file.source.path.clone(),
            region: Some(file.source.region(located.span)),
            object: document.object.clone(),
            path: Vec::new(),
            related: Vec::new(),
        }
    }

    /// Drop this thread's engine (after a panic it may be inconsistent).
    pub fn reset_thread_engine(&self) {
        if let Some(cell) = self.engines.get() {
            if let Ok(mut slot) = cell.try_borrow_mut() {
                *slot = None;
            }
        }
    }
}
