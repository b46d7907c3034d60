//! Evaluating document rules in parallel: one regorus engine per worker
//! thread, built once from the policy sources (clones of one engine share Arc'd
//! nodes and scale worse: shared/dependencies.md §1.6), one value conversion
//! per document, and only the rules whose kinds match.

mod document;
pub(crate) mod repository;

pub use document::ObjectContext;
pub use repository::RenderedBodies;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use hubspoke_manifest::{parse_dotted_path, FieldPath, PathSegment};
use regorus::Engine;
use serde::Deserialize;
use thread_local::ThreadLocal;

use crate::finding::Severity;
use crate::ruleset::RuleSet;

/// Per-run choices that change what rules report.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// Rule ids that do not run.
    pub disabled: BTreeSet<String>,
    /// Rule ids switched on although their metadata says `default_enabled: false`.
    pub enabled: BTreeSet<String>,
    /// Severity per rule id, replacing the rule's default.
    pub severity: BTreeMap<String, Severity>,
    /// Rule settings, visible to Rego as `data.hubspoke.config`: `{"params": {ID: {name:
    /// value}}}` as configured. Every declared parameter a rule's metadata gives a default
    /// is added where the configuration sets none, so rules read their parameters without
    /// fallbacks of their own.
    pub config: serde_json::Value,
    /// Longest one rule may run on one document before it is stopped.
    pub rule_timeout: Duration,
    /// Measure the time spent in each rule (`--timings`); off, the hot path reads no clock.
    /// Rules then run one VM execution each instead of one per document (see `rvm.rs`).
    pub collect_timings: bool,
    /// Evaluate document rules on the tree-walking interpreter only, never on the bytecode
    /// VM (for differential tests; findings are the same, only slower).
    pub interpreter_only: bool,
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
    /// The rules per kind, then group and whether the object is a kustomize patch, seen so far.
    dispatch: std::collections::HashMap<String, Vec<(String, bool, Arc<Dispatch>)>>,
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
    /// The `data` document rules see, built once.
    data: regorus::Value,
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

/// The `data` document rules see: `data.hubspoke.config`, the configured settings with
/// every rule's declared parameter defaults filled in, and under `profile_defaults`
/// (`{ID: {name: {profile: value}}}`) the profile-dependent defaults of the parameters
/// the configuration does not set (`params.for_profile` picks one by `input.profile`).
pub fn rule_data(rules: &RuleSet, config: &serde_json::Value) -> regorus::Value {
    let mut config = config.clone();
    if !config.is_object() {
        config = serde_json::json!({});
    }
    if let Some(fields) = config.as_object_mut() {
        let params = fields
            .entry("params")
            .or_insert_with(|| serde_json::json!({}));
        if !params.is_object() {
            *params = serde_json::json!({});
        }
        let mut profile_defaults = serde_json::Map::new();
        if let Some(params) = params.as_object_mut() {
            for rule in rules.rules.iter().filter(|r| !r.meta.parameters.is_empty()) {
                let configured = params.get(&rule.meta.id);
                let mut by_name = serde_json::Map::new();
                for parameter in &rule.meta.parameters {
                    let set = configured.and_then(|c| c.get(&parameter.name)).is_some();
                    if !set && !parameter.profile_defaults.is_empty() {
                        let defaults = parameter.profile_defaults.clone().into_iter().collect();
                        by_name.insert(parameter.name.clone(), serde_json::Value::Object(defaults));
                    }
                }
                if !by_name.is_empty() {
                    profile_defaults
                        .insert(rule.meta.id.clone(), serde_json::Value::Object(by_name));
                }
                let values = rule.meta.parameter_values(configured);
                params.insert(rule.meta.id.clone(), serde_json::Value::Object(values));
            }
        }
        fields.insert(
            "profile_defaults".to_owned(),
            serde_json::Value::Object(profile_defaults),
        );
    }
    regorus::Value::from(serde_json::json!({"hubspoke": {"config": config}}))
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
        let data = rule_data(rules, &options.config);
        Evaluator {
            rules,
            options,
            workers: ThreadLocal::new(),
            repository: Mutex::new(Worker::default()),
            plan: OnceLock::new(),
            data,
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

    /// An evaluator of the same rules and options in which rule `id` reads `params` (laid
    /// over its configured ones), sharing the compiled program: the fixture harness's cases
    /// that set parameters (`# params:`).
    pub fn with_params(
        &self,
        id: &str,
        params: &serde_json::Map<String, serde_json::Value>,
    ) -> Evaluator<'a> {
        let mut options = self.options.clone();
        if !options.config.is_object() {
            options.config = serde_json::json!({});
        }
        if let Some(config) = options.config.as_object_mut() {
            let all = config
                .entry("params")
                .or_insert_with(|| serde_json::json!({}));
            if !all.is_object() {
                *all = serde_json::json!({});
            }
            if let Some(all) = all.as_object_mut() {
                let rule = all.entry(id).or_insert_with(|| serde_json::json!({}));
                if !rule.is_object() {
                    *rule = serde_json::json!({});
                }
                if let Some(rule) = rule.as_object_mut() {
                    rule.extend(params.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
            }
        }
        let evaluator = Evaluator::new(self.rules, options);
        // The program does not depend on parameters (they are `data`): compile it once.
        let _ = evaluator.plan.set(self.plan());
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
        self.data.clone()
    }

    /// The per-rule time limit.
    fn timer(&self) -> regorus::utils::limits::ExecutionTimerConfig {
        regorus::utils::limits::ExecutionTimerConfig {
            limit: self.options.rule_timeout,
            check_interval: std::num::NonZeroU32::MIN.saturating_add(999),
        }
    }

    /// The rules that apply to objects of `group`/`kind` (to a kustomize `patch` of one,
    /// only the user's rules: bundled ones judge whole objects), cached per worker.
    fn dispatch_for(
        &self,
        worker: &mut Worker,
        group: &str,
        kind: &str,
        patch: bool,
    ) -> Arc<Dispatch> {
        let known = worker.dispatch.get(kind).and_then(|by_group| {
            by_group
                .iter()
                .find(|(g, p, _)| g == group && *p == patch)
                .map(|(_, _, d)| Arc::clone(d))
        });
        if let Some(dispatch) = known {
            return dispatch;
        }
        let applicable: Vec<usize> = self
            .rules
            .rules_for(group, kind)
            .into_iter()
            .filter(|i| {
                let rule = &self.rules.rules[*i];
                self.options.is_active(&rule.meta) && !(patch && self.rules.is_bundled(rule))
            })
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
        worker.dispatch.entry(kind.to_owned()).or_default().push((
            group.to_owned(),
            patch,
            Arc::clone(&dispatch),
        ));
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

    /// Drop this thread's engine (after a panic it may be inconsistent).
    pub fn reset_thread_engine(&self) {
        if let Some(cell) = self.workers.get() {
            if let Ok(mut worker) = cell.try_borrow_mut() {
                worker.engine = None;
            }
        }
    }
}
