//! Evaluating document rules in parallel: one regorus engine per worker
//! thread, built once from the policy sources (clones of one engine share Arc'd
//! nodes and scale worse: shared/dependencies.md §1.6), one value conversion
//! per document, and only the rules whose kinds match.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use hubspoke_manifest::{parse_dotted_path, Document, ParsedFile, PathSegment, RepoModel};
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
        self.evaluate_file_in_context(file, None)
    }

    /// Evaluate a file, telling rules what the repository model knows of each document.
    pub fn evaluate_file_in_context(
        &self,
        file: &ParsedFile,
        context: Option<&crate::context::ContextIndex>,
    ) -> Vec<Finding> {
        let mut findings = Vec::new();
        for document in file.objects() {
            crate::context::set_current(
                context.and_then(|c| c.get(&file.source.path, document.index)),
            );
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
        let timed_out;
        let first_line = if first_line.contains("exceeded time limit") {
            timed_out = format!(
                "stopped after {} ms (the per-rule time limit, --rule-timeout-ms)",
                self.options.rule_timeout.as_millis()
            );
            timed_out.as_str()
        } else {
            first_line
        };
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

/// One repository violation as a rule returns it: where (an object id, a
/// kustomize file index, or a file path) and what.
#[derive(Debug, Deserialize)]
struct RepoViolation {
    msg: String,
    #[serde(default)]
    object: Option<usize>,
    #[serde(default)]
    kustomize_file: Option<usize>,
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    document: Option<usize>,
    #[serde(default)]
    path: Option<RawPath>,
    #[serde(default)]
    related: Vec<RepoRelated>,
}

#[derive(Debug, Deserialize)]
struct RepoRelated {
    #[serde(default)]
    object: Option<usize>,
    #[serde(default)]
    kustomize_file: Option<usize>,
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    document: Option<usize>,
    #[serde(default)]
    path: Option<RawPath>,
    #[serde(default)]
    message: String,
}

/// Where a repository violation lands: file, document and the object it declares.
struct Target<'f> {
    file: &'f ParsedFile,
    document: Option<&'f Document>,
}

impl Evaluator<'_> {
    /// Evaluate every repository rule once on a repository model built from `files`.
    pub fn evaluate_repository(&self, model: &RepoModel, files: &[&ParsedFile]) -> Vec<Finding> {
        let rules: Vec<&Rule> = self
            .rules
            .rules
            .iter()
            .filter(|r| r.meta.scope == crate::metadata::Scope::Repository)
            .filter(|r| !self.options.disabled.contains(&r.meta.id))
            .collect();
        let mut findings = Vec::new();
        if rules.is_empty() {
            return findings;
        }
        let mut engine = match self.build_engine() {
            Ok(engine) => engine,
            Err(message) => {
                findings.extend(self.rules.rules.first().map(|r| repo_error(r, &message)));
                return findings;
            }
        };
        engine.set_input(regorus::Value::from(model.to_json()));
        for rule in rules {
            match engine.eval_rule(rule.entry.clone()) {
                Ok(value) => self.collect_repository(rule, model, files, &value, &mut findings),
                Err(error) => findings.push(repo_error(rule, &error.to_string())),
            }
        }
        findings
    }

    fn collect_repository(
        &self,
        rule: &Rule,
        model: &RepoModel,
        files: &[&ParsedFile],
        value: &regorus::Value,
        findings: &mut Vec<Finding>,
    ) {
        let items: Vec<&regorus::Value> = match value {
            regorus::Value::Set(set) => set.iter().collect(),
            regorus::Value::Array(items) => items.iter().collect(),
            _ => return,
        };
        let severity = self
            .options
            .severity
            .get(&rule.meta.id)
            .copied()
            .unwrap_or(rule.meta.severity);
        for item in items {
            let parsed = serde_json::to_value(item)
                .ok()
                .and_then(|json| serde_json::from_value::<RepoViolation>(json).ok());
            let Some(v) = parsed else {
                findings.push(repo_error(rule, &format!("violation is not an object with `msg` and `object`, `kustomize_file` or `file`: {}", item.to_json_str().unwrap_or_default())));
                continue;
            };
            let Some(target) = resolve_target(
                model,
                files,
                v.object,
                v.kustomize_file,
                v.file.as_deref(),
                v.document,
            ) else {
                findings.push(repo_error(
                    rule,
                    &format!("violation names no known object or file: {}", v.msg),
                ));
                continue;
            };
            let path = v.path.as_ref().map(RawPath::segments).unwrap_or_default();
            let region = target
                .document
                .map(|d| target.file.source.region(d.locate(&path).span));
            let related = v
                .related
                .iter()
                .filter_map(|r| {
                    let t = resolve_target(
                        model,
                        files,
                        r.object,
                        r.kustomize_file,
                        r.file.as_deref(),
                        r.document,
                    )?;
                    let p = r.path.as_ref().map(RawPath::segments).unwrap_or_default();
                    Some(crate::finding::RelatedLocation {
                        file: t.file.source.path.clone(),
                        region: t.document.map(|d| t.file.source.region(d.locate(&p).span)),
                        message: r.message.clone(),
                    })
                })
                .collect();
            findings.push(Finding {
                rule: rule.meta.id.clone(),
                severity,
                message: v.msg,
                file: target.file.source.path.clone(),
                region,
                object: target.document.and_then(|d| d.object.clone()),
                path,
                related,
            });
        }
    }
}

fn resolve_target<'f>(
    model: &RepoModel,
    files: &[&'f ParsedFile],
    object: Option<usize>,
    kustomize_file: Option<usize>,
    file: Option<&str>,
    document: Option<usize>,
) -> Option<Target<'f>> {
    let doc_ref = match (object, kustomize_file, file) {
        (Some(id), _, _) => *model.locations.get(id)?,
        (None, Some(k), _) => *model.kustomize_locations.get(k)?,
        (None, None, Some(path)) => {
            let index = files.iter().position(|f| f.source.repo_path == path)?;
            hubspoke_manifest::DocRef {
                file: index,
                document: document.unwrap_or(0),
            }
        }
        _ => return None,
    };
    let file = *files.get(doc_ref.file)?;
    Some(Target {
        file,
        document: file.documents.iter().find(|d| d.index == doc_ref.document),
    })
}

fn repo_error(rule: &Rule, message: &str) -> Finding {
    Finding {
        rule: POLICY_ERROR.to_owned(),
        severity: Severity::Error,
        message: format!(
            "repository rule {} failed: {}",
            rule.meta.id,
            message.lines().next().unwrap_or(message)
        ),
        file: rule.meta.source.clone(),
        region: None,
        object: None,
        path: Vec::new(),
        related: Vec::new(),
    }
}
