//! Evaluating document rules in parallel: one regorus engine per worker
//! thread, built once from the policy sources (clones of one engine share Arc'd
//! nodes and scale worse: shared/dependencies.md §1.6), one value conversion
//! per document, and only the rules whose kinds match.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use hubspoke_manifest::{
    parse_dotted_path, Document, FieldPath, ParsedFile, PathSegment, RepoModel,
};
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
    /// Rule ids switched on although their metadata says `default_enabled: false`.
    pub enabled: BTreeSet<String>,
    /// Severity per rule id, replacing the rule's default.
    pub severity: BTreeMap<String, Severity>,
    /// Rule parameters, visible to Rego as `data.hubspoke.config`.
    pub config: serde_json::Value,
    /// Longest one rule may run on one document before it is stopped.
    pub rule_timeout: Duration,
    /// Measure the time spent in each rule (`--timings`); off, the hot path reads no clock.
    /// Rules then run one VM execution each instead of one per document (see `rvm.rs`).
    pub collect_timings: bool,
    /// Evaluate document rules on the tree-walking interpreter only, never on the bytecode
    /// VM (for differential tests; findings are the same, only slower).
    pub interpreter_only: bool,
    /// Per-path rule settings, applied to findings after evaluation ([`crate::apply_overrides`]).
    pub overrides: Vec<crate::overrides::PathOverride>,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            disabled: BTreeSet::new(),
            enabled: BTreeSet::new(),
            severity: BTreeMap::new(),
            config: serde_json::Value::Object(serde_json::Map::new()),
            rule_timeout: Duration::from_secs(5),
            collect_timings: false,
            interpreter_only: false,
            overrides: Vec::new(),
        }
    }
}

/// Time spent in one rule over a run (`EvalOptions::collect_timings`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleTiming {
    /// The rule id.
    pub rule: String,
    /// Cumulative evaluation time, over every document and thread.
    pub total: Duration,
    /// How many times it was evaluated.
    pub evaluations: u64,
}

/// Counters of a run, gathered per worker thread and merged by [`Evaluator::take_stats`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EvalStats {
    /// Documents given to document rules (objects at least one rule applies to).
    pub documents: u64,
    /// Rule evaluations (one rule on one document, or one repository rule on a model).
    pub evaluations: u64,
    /// Documents whose VM rules ran in one bytecode-VM execution (a dispatch rule).
    pub dispatched: u64,
    /// Rule evaluations done by the tree-walking interpreter (rules the VM cannot run,
    /// fallbacks, repository rules).
    pub interpreted: u64,
    /// Per-rule times, slowest first; empty unless timings were collected.
    pub timings: Vec<RuleTiming>,
}

/// What one worker thread keeps between documents.
#[derive(Default)]
struct Worker {
    engine: Option<Engine>,
    /// The bytecode VM (built on first use; `None` after a failed build or when off).
    machine: Option<crate::rvm::Machine>,
    machine_tried: bool,
    documents: u64,
    evaluations: u64,
    dispatched: u64,
    interpreted: u64,
    /// Time and evaluations per index into `RuleSet::rules` (only with `collect_timings`).
    timings: Vec<(Duration, u64)>,
    /// The rules per kind and group seen so far.
    dispatch: std::collections::HashMap<String, Vec<(String, Arc<Dispatch>)>>,
}

/// What runs on objects of one group and kind.
struct Dispatch {
    /// Active rules that apply, as indices into `RuleSet::rules`.
    applicable: Vec<usize>,
    /// Those the worker's VM runs.
    on_vm: Vec<usize>,
    /// The dispatch group running all of `on_vm` in one VM execution.
    group: Option<usize>,
}

/// Add `elapsed` (and `count` evaluations) to rule `index`.
fn add_time(timings: &mut Vec<(Duration, u64)>, index: usize, elapsed: Duration, count: u64) {
    if timings.len() <= index {
        timings.resize(index + 1, (Duration::ZERO, 0));
    }
    timings[index].0 += elapsed;
    timings[index].1 += count;
}

impl Worker {
    /// The counters, reset; the engine stays.
    fn take_counters(&mut self) -> Worker {
        Worker {
            engine: None,
            machine: None,
            machine_tried: false,
            documents: std::mem::take(&mut self.documents),
            evaluations: std::mem::take(&mut self.evaluations),
            dispatched: std::mem::take(&mut self.dispatched),
            interpreted: std::mem::take(&mut self.interpreted),
            timings: std::mem::take(&mut self.timings),
            dispatch: std::collections::HashMap::new(),
        }
    }

    /// Add one evaluation of rule `index` that took `elapsed`.
    fn record(&mut self, index: usize, elapsed: Duration) {
        add_time(&mut self.timings, index, elapsed, 1);
    }
}

impl EvalOptions {
    /// Whether a rule runs: not disabled, and on by default or switched on.
    pub fn is_active(&self, meta: &crate::metadata::RuleMeta) -> bool {
        !self.disabled.contains(&meta.id)
            && (meta.default_enabled || self.enabled.contains(&meta.id))
    }
}

/// Evaluates document rules; share one across rayon workers.
pub struct Evaluator<'a> {
    rules: &'a RuleSet,
    options: EvalOptions,
    workers: ThreadLocal<RefCell<Worker>>,
    /// Repository-rule counters (evaluated once per model, not per thread).
    repository: Mutex<Worker>,
    /// What runs on the bytecode VM (document and repository rules), brought by
    /// [`Evaluator::with_program`] or planned on first use.
    plan: OnceLock<Option<Arc<crate::rvm::Plan>>>,
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
    fn segments(&self) -> FieldPath {
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

/// The bytecode VM's program for a rule set and its active rules
/// ([`Evaluator::with_program`]): every active bundled rule that compiles, with
/// the dispatch rules (`rvm.rs`). Compiling it parses and compiles the whole
/// library, so the CLI does it while the repository is parsed. Clones share the
/// compiled program: each VM built from it loads its own copy.
#[derive(Clone)]
pub struct VmProgram {
    candidates: Vec<bool>,
    plan: Option<Arc<crate::rvm::Plan>>,
}

impl VmProgram {
    /// Compile the VM program for `rules` under `options`.
    pub fn compile(rules: &RuleSet, options: &EvalOptions) -> VmProgram {
        let candidates = vm_candidates(rules, options);
        let plan = crate::rvm::Plan::new(rules, &candidates).map(Arc::new);
        VmProgram { candidates, plan }
    }
}

/// Per rule: it may run on the VM. Only active bundled rules:
/// tests/vm_matches_interpreter.rs proves the VM agrees with the interpreter on
/// their fixtures, and it can differ elsewhere (it did on a repository rule).
/// Users' own policies run on the interpreter.
fn vm_candidates(rules: &RuleSet, options: &EvalOptions) -> Vec<bool> {
    rules
        .rules
        .iter()
        .map(|rule| {
            !options.interpreter_only && options.is_active(&rule.meta) && rules.is_bundled(rule)
        })
        .collect()
}

impl<'a> Evaluator<'a> {
    /// An evaluator over a loaded rule set.
    pub fn new(rules: &'a RuleSet, options: EvalOptions) -> Self {
        Evaluator {
            rules,
            options,
            workers: ThreadLocal::new(),
            repository: Mutex::new(Worker::default()),
            plan: OnceLock::new(),
        }
    }

    /// An evaluator using a VM program compiled beforehand, e.g. while the
    /// repository was being parsed. A program compiled for other rules or
    /// other active rules is not used: the evaluator compiles its own.
    pub fn with_program(rules: &'a RuleSet, options: EvalOptions, program: VmProgram) -> Self {
        let evaluator = Evaluator::new(rules, options);
        if program.candidates == vm_candidates(rules, &evaluator.options) {
            let _ = evaluator.plan.set(program.plan);
        }
        evaluator
    }

    /// Merge and reset the counters of every worker thread.
    pub fn take_stats(&mut self) -> EvalStats {
        let mut stats = EvalStats::default();
        let mut times: BTreeMap<usize, (Duration, u64)> = BTreeMap::new();
        let repository = self
            .repository
            .get_mut()
            .map(Worker::take_counters)
            .unwrap_or_default();
        let workers = self.workers.iter_mut().map(|w| w.get_mut().take_counters());
        for worker in workers.chain(std::iter::once(repository)) {
            stats.documents += worker.documents;
            stats.evaluations += worker.evaluations;
            stats.dispatched += worker.dispatched;
            stats.interpreted += worker.interpreted;
            for (index, (time, count)) in worker.timings.into_iter().enumerate() {
                if count > 0 {
                    let entry = times.entry(index).or_default();
                    entry.0 += time;
                    entry.1 += count;
                }
            }
        }
        stats.timings = times
            .into_iter()
            .filter_map(|(index, (total, evaluations))| {
                Some(RuleTiming {
                    rule: self.rules.rules.get(index)?.meta.id.clone(),
                    total,
                    evaluations,
                })
            })
            .collect();
        stats
            .timings
            .sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.rule.cmp(&b.rule)));
        stats
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
            .filter(|r| self.options.is_active(&r.meta))
            .count()
    }

    fn build_engine(&self) -> Result<Engine, String> {
        let mut engine = self.rules.build_engine()?;
        engine
            .add_data(self.data())
            .map_err(|e| format!("cannot add rule configuration: {e}"))?;
        engine.set_execution_timer_config(self.timer());
        Ok(engine)
    }

    /// The `data` document rules see.
    fn data(&self) -> regorus::Value {
        regorus::Value::from(serde_json::json!({"hubspoke": {"config": self.options.config}}))
    }

    /// The per-rule time limit.
    fn timer(&self) -> regorus::utils::limits::ExecutionTimerConfig {
        regorus::utils::limits::ExecutionTimerConfig {
            limit: self.options.rule_timeout,
            check_interval: std::num::NonZeroU32::MIN.saturating_add(999),
        }
    }

    /// The rules that apply to objects of `group`/`kind`, cached per worker.
    fn dispatch_for(&self, worker: &mut Worker, group: &str, kind: &str) -> Arc<Dispatch> {
        let known = worker.dispatch.get(kind).and_then(|by_group| {
            by_group
                .iter()
                .find(|(g, _)| g == group)
                .map(|(_, d)| Arc::clone(d))
        });
        if let Some(dispatch) = known {
            return dispatch;
        }
        let applicable: Vec<usize> = self
            .rules
            .rules_for(group, kind)
            .into_iter()
            .filter(|i| self.options.is_active(&self.rules.rules[*i].meta))
            .collect();
        let on_vm: Vec<usize> = match &worker.machine {
            Some(machine) => applicable
                .iter()
                .copied()
                .filter(|i| machine.runs(*i))
                .collect(),
            None => Vec::new(),
        };
        let group_id = worker.machine.as_ref().and_then(|m| m.group(&on_vm));
        let dispatch = Arc::new(Dispatch {
            applicable,
            on_vm,
            group: group_id,
        });
        worker
            .dispatch
            .entry(kind.to_owned())
            .or_default()
            .push((group.to_owned(), Arc::clone(&dispatch)));
        dispatch
    }

    /// What runs on the bytecode VM, planned and compiled on first use unless
    /// [`Evaluator::with_program`] brought it; `None` when it is off or nothing compiles.
    fn plan(&self) -> Option<Arc<crate::rvm::Plan>> {
        self.plan
            .get_or_init(|| VmProgram::compile(self.rules, &self.options).plan)
            .clone()
    }

    /// This thread's bytecode VM, or `None` (interpreter only) when it is off or cannot be built.
    fn build_machine(&self) -> Option<crate::rvm::Machine> {
        crate::rvm::Machine::build(self.rules, self.plan()?, self.data(), self.timer())
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
        let cell = self.workers.get_or(|| RefCell::new(Worker::default()));
        let mut worker = cell.borrow_mut();
        let worker = &mut *worker;
        if !worker.machine_tried {
            worker.machine_tried = true;
            worker.machine = self.build_machine();
        }
        let dispatch = self.dispatch_for(worker, object.group(), &object.kind);
        let applicable = &dispatch.applicable;
        if applicable.is_empty() {
            return;
        }
        worker.documents += 1;
        worker.evaluations += applicable.len() as u64;
        let timing = self.options.collect_timings;
        let input = to_rego_value(&document.root);
        // One result per applicable rule; `None` is left to the interpreter.
        let mut results: Vec<Option<Result<regorus::Value, String>>> = vec![None; applicable.len()];
        if let Some(machine) = worker.machine.as_mut() {
            machine.set_input(input.clone());
            let on_vm = &dispatch.on_vm;
            let mut dispatched = false;
            if !timing {
                if let Some(group) = dispatch.group {
                    if let crate::rvm::Dispatched::Values(values) = machine.run_group(group, on_vm)
                    {
                        for (index, value) in on_vm.iter().zip(values) {
                            if let Some(slot) = applicable.iter().position(|i| i == index) {
                                results[slot] = Some(Ok(value));
                            }
                        }
                        dispatched = true;
                        worker.dispatched += 1;
                    }
                }
            }
            if !dispatched {
                for (slot, index) in applicable.iter().enumerate() {
                    let started = timing.then(Instant::now);
                    let result = machine.run_rule(*index);
                    if let (Some(started), Some(_)) = (started, &result) {
                        add_time(&mut worker.timings, *index, started.elapsed(), 1);
                    }
                    match result {
                        Some(Ok(value)) => results[slot] = Some(Ok(value)),
                        // The interpreter would stop too; anything else it redoes.
                        Some(Err(message)) if message.contains("exceeded time limit") => {
                            results[slot] = Some(Err(message));
                        }
                        Some(Err(_)) | None => {}
                    }
                }
            }
        }
        if results.iter().any(Option::is_none) {
            if worker.engine.is_none() {
                match self.build_engine() {
                    Ok(engine) => worker.engine = Some(engine),
                    Err(message) => {
                        findings.push(self.error_finding(file, document, None, &message));
                        return;
                    }
                }
            }
            let Some(engine) = worker.engine.as_mut() else {
                return;
            };
            engine.set_input(input);
            for (slot, index) in applicable.iter().enumerate() {
                if results[slot].is_some() {
                    continue;
                }
                let started = timing.then(Instant::now);
                let result = engine.eval_rule(self.rules.rules[*index].entry.clone());
                worker.interpreted += 1;
                if let Some(started) = started {
                    let count = u64::from(worker.machine.is_none());
                    add_time(&mut worker.timings, *index, started.elapsed(), count);
                }
                results[slot] = Some(result.map_err(|e| e.to_string()));
            }
        }
        for (index, result) in applicable.iter().zip(results) {
            let rule = &self.rules.rules[*index];
            match result {
                Some(Ok(value)) => self.collect(rule, file, document, &value, findings),
                Some(Err(message)) => {
                    findings.push(self.error_finding(file, document, Some(rule), &message));
                }
                None => {}
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
                effective_namespace: None,
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
        let first_line = crate::ruleset::error_reason(message);
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
            path: Default::default(),
            related: Vec::new(),
            effective_namespace: None,
        }
    }

    /// Drop this thread's engine (after a panic it may be inconsistent).
    pub fn reset_thread_engine(&self) {
        if let Some(cell) = self.workers.get() {
            if let Ok(mut worker) = cell.try_borrow_mut() {
                worker.engine = None;
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

/// Where a model's objects and kustomize files were written: all a repository
/// violation's ids need, so the rest of the model can be freed before the rules run.
pub(crate) struct ModelLocations<'m> {
    pub(crate) objects: &'m [hubspoke_manifest::DocRef],
    pub(crate) kustomize_files: &'m [hubspoke_manifest::DocRef],
}

impl<'m> ModelLocations<'m> {
    pub(crate) fn of(model: &'m RepoModel) -> Self {
        ModelLocations {
            objects: &model.locations,
            kustomize_files: &model.kustomize_locations,
        }
    }
}

/// Where a repository violation lands: file, document and the object it declares.
struct Target<'f> {
    file: &'f ParsedFile,
    document: Option<&'f Document>,
}

impl Evaluator<'_> {
    /// Whether any repository rule runs.
    pub(crate) fn has_repository_rules(&self) -> bool {
        self.rules.rules.iter().any(|r| {
            r.meta.scope == crate::metadata::Scope::Repository && self.options.is_active(&r.meta)
        })
    }

    /// Whether every active repository rule ships with hubspoke-lint, so that the
    /// input may leave out what none of them reads.
    pub(crate) fn repository_rules_are_bundled(&self) -> bool {
        self.rules
            .rules
            .iter()
            .filter(|r| {
                r.meta.scope == crate::metadata::Scope::Repository
                    && self.options.is_active(&r.meta)
            })
            .all(|r| self.rules.is_bundled(r))
    }

    /// Evaluate every repository rule once on a repository model built from `files`.
    pub fn evaluate_repository(&self, model: &RepoModel, files: &[&ParsedFile]) -> Vec<Finding> {
        self.evaluate_repository_input(
            crate::repository_input::repository_input(model),
            &ModelLocations::of(model),
            files,
        )
    }

    /// [`Evaluator::evaluate_repository`] given the model as rules see it
    /// ([`crate::repository_input::repository_input`]) and where its objects were written.
    pub(crate) fn evaluate_repository_input(
        &self,
        input: regorus::Value,
        locations: &ModelLocations<'_>,
        files: &[&ParsedFile],
    ) -> Vec<Finding> {
        let rules: Vec<(usize, &Rule)> = self
            .rules
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.meta.scope == crate::metadata::Scope::Repository)
            .filter(|(_, r)| self.options.is_active(&r.meta))
            .collect();
        let mut findings = Vec::new();
        if rules.is_empty() {
            return findings;
        }
        // Bundled repository rules run on the bytecode VM, ~3× faster than the
        // interpreter on the generated 10,000-file repository (benches/README.md);
        // tests/vm_matches_interpreter.rs holds them to the interpreter's findings.
        // Users' rules, rules the VM cannot compile and VM failures (other than the
        // time limit) go to the interpreter, built only when first needed.
        let mut machine = self
            .plan()
            .and_then(|plan| crate::rvm::RepositoryMachine::build(plan, self.data(), self.timer()));
        if let Some(machine) = machine.as_mut() {
            machine.set_input(input.clone());
        }
        let mut engine: Option<Engine> = None;
        for (index, rule) in rules {
            let started = self.options.collect_timings.then(Instant::now);
            let mut interpreted = false;
            let result = match machine.as_mut().and_then(|m| m.run_rule(index)) {
                Some(Ok(value)) => Ok(value),
                Some(Err(message)) if message.contains("exceeded time limit") => Err(message),
                _ => {
                    interpreted = true;
                    self.interpret_repository_rule(&mut engine, &input, rule)
                }
            };
            if let Ok(mut counters) = self.repository.lock() {
                counters.evaluations += 1;
                counters.interpreted += u64::from(interpreted);
                if let Some(started) = started {
                    counters.record(index, started.elapsed());
                }
            }
            match result {
                Ok(value) => self.collect_repository(rule, locations, files, &value, &mut findings),
                // Worded as for documents (the raw message has nanosecond timings).
                Err(message) if message.contains("exceeded time limit") => {
                    findings.push(repo_error(
                        rule,
                        &format!(
                            "stopped after {} ms (the per-rule time limit, --rule-timeout-ms)",
                            self.options.rule_timeout.as_millis()
                        ),
                    ))
                }
                Err(message) => findings.push(repo_error(rule, &message)),
            }
        }
        findings
    }

    /// Evaluate a repository rule on the interpreter, building its engine on first use.
    fn interpret_repository_rule(
        &self,
        engine: &mut Option<Engine>,
        input: &regorus::Value,
        rule: &Rule,
    ) -> Result<regorus::Value, String> {
        let engine = match engine {
            Some(engine) => engine,
            None => {
                let mut built = self.build_engine()?;
                built.set_input(input.clone());
                engine.insert(built)
            }
        };
        engine
            .eval_rule(rule.entry.clone())
            .map_err(|e| e.to_string())
    }

    fn collect_repository(
        &self,
        rule: &Rule,
        locations: &ModelLocations<'_>,
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
                locations,
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
                        locations,
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
                effective_namespace: None,
            });
        }
    }
}

fn resolve_target<'f>(
    locations: &ModelLocations<'_>,
    files: &[&'f ParsedFile],
    object: Option<usize>,
    kustomize_file: Option<usize>,
    file: Option<&str>,
    document: Option<usize>,
) -> Option<Target<'f>> {
    let doc_ref = match (object, kustomize_file, file) {
        (Some(id), _, _) => *locations.objects.get(id)?,
        (None, Some(k), _) => *locations.kustomize_files.get(k)?,
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
        path: Default::default(),
        related: Vec::new(),
        effective_namespace: None,
    }
}
