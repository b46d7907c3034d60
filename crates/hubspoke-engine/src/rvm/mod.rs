//! Document rules on regorus' bytecode VM (RVM), with the tree-walking
//! interpreter as the fallback for whatever the VM cannot do.
//!
//! Measured on the generated 10,000-file repository (benches/README.md), the
//! interpreter spends ~100–200 µs per rule and document; one VM execution per
//! rule is ~4× faster, and one execution per *document* running every
//! applicable rule (a generated "dispatch" rule per distinct rule set) is ~10×
//! faster, because the library helpers the rules share (`pods.containers`,
//! `objects.display`, ...) are computed once per document instead of once per
//! rule.
//!
//! Findings stay identical to the interpreter's (tests/vm_matches_interpreter.rs):
//! - a rule the VM compiler rejects (e.g. `with`) always runs on the interpreter;
//! - a dispatch execution that fails, times out or yields no object is redone
//!   rule by rule; a rule whose VM execution fails (other than by the time
//!   limit) is redone on the interpreter;
//! - the `hubspoke.context(key)` builtin becomes a VM "host await", which is
//!   answered from a queue per function name and never sees its argument. So in
//!   the VM's copy of the policies each call with a literal key,
//!   `hubspoke.context("patch")`, is renamed `hubspoke.context__patch("patch")`
//!   and gets its own queue; a call with any other argument keeps its name,
//!   which the VM compiler does not know, so the rules reaching it run on the
//!   interpreter.
//!
//! The VM's copy of the policies also spells out imported packages
//! (`pods.containers` becomes `data.hubspoke.lib.pods.containers`): the VM
//! compiler turns a reference through an import alias into a lookup of the
//! whole package as a virtual document, which was a quarter of the VM's time;
//! the full path compiles to a direct rule call.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use regorus::languages::rego::compiler::Compiler;
use regorus::rvm::program::DeserializationResult;
use regorus::rvm::{Program, RegoVM};
use regorus::{CompiledPolicy, Engine, Value};

use crate::metadata::{kind_matches, Scope};
use crate::policy::PolicySource;
use crate::ruleset::RuleSet;

mod machine;
mod source;

pub(crate) use machine::{Dispatched, Machine, RepositoryMachine};
use source::{context_name, vm_sources};

/// Package of the generated dispatch rules (not under `data.hubspoke`, where the config lives).
const DISPATCH_PACKAGE: &str = "hubspoke_rvm_dispatch";

/// What runs on the VM, decided once per evaluator: one program holding every
/// active bundled rule that compiles (document and repository rules) and the
/// dispatch rules, compiled once. The first VM built takes the compiled program;
/// later ones (the other workers, the repository rules) load a copy
/// deserialized from its binary form, which costs a fraction of parsing and
/// compiling the library again (benches/README.md) and shares no reference
/// counts with the other threads' copies (a program shared by several threads
/// made the 10,000-file run ~7 % slower).
#[derive(Debug)]
pub(crate) struct Plan {
    /// Distinct sets (sorted rule indices, VM document rules only, at least two) that
    /// apply together to one object, with the id of the dispatch rule generated for each.
    groups: BTreeMap<Vec<usize>, usize>,
    /// Context keys called literally (`hubspoke.context("<key>")`).
    keys: Vec<String>,
    /// Entry point per rule index (`None`: interpreter).
    rule_entry: Vec<Option<usize>>,
    /// Entry point per group id.
    group_entry: Vec<usize>,
    /// The compiled program, until the first VM takes it.
    compiled: Mutex<Option<Arc<Program>>>,
    /// The program's binary form, for every later VM.
    serialized: Vec<u8>,
}

/// A plan's program before it is checked and serialized.
struct Compiled {
    groups: BTreeMap<Vec<usize>, usize>,
    rule_entry: Vec<Option<usize>>,
    group_entry: Vec<usize>,
    program: Arc<Program>,
}

/// Compile `vm_rule` (and, `with_groups`, their dispatch rules) into one program.
fn compile_plan(
    rules: &RuleSet,
    sources: &[PolicySource],
    keys: &[String],
    vm_rule: &[bool],
    with_groups: bool,
) -> Option<Compiled> {
    let groups = if with_groups {
        groups(rules, vm_rule)
    } else {
        BTreeMap::new()
    };
    let mut sources = sources.to_vec();
    sources.extend(
        groups
            .iter()
            .map(|(set, id)| dispatch_source(rules, set, *id)),
    );
    let mut engine = vm_engine(&sources, keys)?;
    let policy = compiled_policy(&mut engine, rules, vm_rule)?;
    let mut entries: Vec<String> = Vec::new();
    let mut rule_entry = vec![None; rules.rules.len()];
    for (index, on) in vm_rule.iter().enumerate() {
        if *on {
            rule_entry[index] = Some(entries.len());
            entries.push(rules.rules[index].entry.clone());
        }
    }
    let mut group_entry = vec![0; groups.len()];
    for id in groups.values() {
        group_entry[*id] = entries.len();
        entries.push(format!("data.{DISPATCH_PACKAGE}.g{id}.result"));
    }
    let names: Vec<&str> = entries.iter().map(String::as_str).collect();
    let program = compile(&policy, &names, keys).ok()?;
    Some(Compiled {
        groups,
        rule_entry,
        group_entry,
        program,
    })
}

fn compile(
    policy: &CompiledPolicy,
    entries: &[&str],
    keys: &[String],
) -> Result<Arc<Program>, String> {
    let names: Vec<String> = keys.iter().map(|k| context_name(k)).collect();
    let host: Vec<(&str, usize)> = names.iter().map(|n| (n.as_str(), 1)).collect();
    Compiler::compile_from_policy_with_host_await(policy, entries, &host).map_err(|e| e.to_string())
}

fn compiled_policy(engine: &mut Engine, rules: &RuleSet, on: &[bool]) -> Option<CompiledPolicy> {
    let first = rules
        .rules
        .iter()
        .zip(on)
        .find(|(_, on)| **on)
        .map(|(r, _)| r.entry.as_str())?;
    engine.compile_with_entrypoint(&first.into()).ok()
}

impl Plan {
    /// Decide which of the `candidates` (active bundled rules) run on the VM and
    /// which dispatch groups to generate, and compile them. `None` when nothing can
    /// run on the VM.
    pub(crate) fn new(rules: &RuleSet, candidates: &[bool]) -> Option<Plan> {
        if !candidates.contains(&true) {
            return None;
        }
        let (sources, keys) = vm_sources(rules);
        // Every bundled rule compiles (the_bundled_library_runs_on_the_vm_with_dispatch_groups):
        // one parse and one compile. Otherwise find the rules that do, one by one.
        let compiled = compile_plan(rules, &sources, &keys, candidates, true).or_else(|| {
            let mut engine = vm_engine(&sources, &keys)?;
            let policy = compiled_policy(&mut engine, rules, candidates)?;
            let vm_rule: Vec<bool> = candidates
                .iter()
                .zip(&rules.rules)
                .map(|(on, rule)| *on && compile(&policy, &[rule.entry.as_str()], &keys).is_ok())
                .collect();
            if !vm_rule.contains(&true) {
                return None;
            }
            // The dispatch rules must compile together with every VM rule, or none is used.
            compile_plan(rules, &sources, &keys, &vm_rule, true)
                .or_else(|| compile_plan(rules, &sources, &keys, &vm_rule, false))
        })?;
        let serialized = compiled.program.serialize_binary().ok()?;
        Some(Plan {
            groups: compiled.groups,
            keys,
            rule_entry: compiled.rule_entry,
            group_entry: compiled.group_entry,
            compiled: Mutex::new(Some(compiled.program)),
            serialized,
        })
    }

    /// A VM loaded with the plan's program and the run's `data` and time limit.
    fn machine(
        &self,
        data: Value,
        timer: regorus::utils::limits::ExecutionTimerConfig,
    ) -> Option<RegoVM> {
        let taken = self.compiled.lock().ok().and_then(|mut p| p.take());
        let program = match taken {
            Some(program) => program,
            None => match Program::deserialize_binary(&self.serialized).ok()? {
                DeserializationResult::Complete(program) => Arc::new(program),
                DeserializationResult::Partial(_) => return None,
            },
        };
        // The VM reads nothing of a compiled policy: the program is self-contained.
        let mut vm = RegoVM::new();
        vm.load_program(program);
        vm.set_max_instructions(usize::MAX);
        vm.set_data(data).ok()?;
        vm.set_execution_timer_config(Some(timer));
        Some(vm)
    }
}

/// A new engine holding `sources`, with a host function per context key.
fn vm_engine(sources: &[PolicySource], keys: &[String]) -> Option<Engine> {
    let mut engine = crate::ruleset::new_engine().ok()?;
    for key in keys {
        engine
            .add_extension(
                context_name(key),
                1,
                Box::new(|args: Vec<Value>| {
                    let key = args.into_iter().next().unwrap_or(Value::Undefined);
                    Ok(key
                        .as_string()
                        .map_or(Value::Undefined, |k| crate::context::current(k)))
                }),
            )
            .ok()?;
    }
    for source in sources {
        source.add_to(&mut engine).ok()?;
    }
    Some(engine)
}

/// Every distinct set of VM rules that `rules_for` can return, over the
/// groups and kinds the selectors name (plus a group and a kind no selector
/// names, for the rules that match any).
fn groups(rules: &RuleSet, vm_rule: &[bool]) -> BTreeMap<Vec<usize>, usize> {
    const OTHER: &str = "\u{0}other";
    let mut kinds: BTreeSet<&str> = BTreeSet::from([OTHER]);
    let mut api_groups: BTreeSet<&str> = BTreeSet::from(["", OTHER]);
    for rule in rules
        .rules
        .iter()
        .filter(|r| r.meta.scope == Scope::Document)
    {
        for selector in &rule.meta.kinds {
            match selector.rsplit_once('/') {
                Some((group, kind)) => {
                    api_groups.insert(group);
                    kinds.insert(kind);
                }
                None => {
                    kinds.insert(selector);
                }
            }
        }
    }
    kinds.remove("*");
    let mut sets: BTreeSet<Vec<usize>> = BTreeSet::new();
    for group in &api_groups {
        for kind in &kinds {
            let set: Vec<usize> = (0..rules.rules.len())
                .filter(|i| vm_rule[*i])
                .filter(|i| {
                    rules.rules[*i]
                        .meta
                        .kinds
                        .iter()
                        .any(|s| kind_matches(s, group, kind))
                })
                .collect();
            if set.len() >= 2 {
                sets.insert(set);
            }
        }
    }
    sets.into_iter()
        .enumerate()
        .map(|(id, set)| (set, id))
        .collect()
}

fn dispatch_source(rules: &RuleSet, set: &[usize], id: usize) -> PolicySource {
    let mut text = format!(
        "# Generated by hubspoke-lint: every rule of one dispatch group in one VM execution.\npackage {DISPATCH_PACKAGE}.g{id}\n\nresult := {{\n"
    );
    for index in set {
        text.push_str(&format!("\t\"r{index}\": {},\n", rules.rules[*index].entry));
    }
    text.push_str("}\n");
    PolicySource {
        path: format!("<hubspoke-lint dispatch g{id}>.rego"),
        text,
        bundled: true,
        rego_v0: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_input_from_files_equals_the_models_json() {
        use hubspoke_manifest::{
            discover, read_and_parse, DiscoverOptions, ModelOptions, ParseLimits, RepoModel,
        };
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        for name in [
            "hub-spoke",
            "hub-spoke-broken",
            "flux2-multi-tenancy-like",
            "flux2-hub-spoke-example-like",
            "bad-input",
        ] {
            let root = fixtures.join(name);
            let options = DiscoverOptions::new(&[], &[], u64::MAX, None).expect("globs");
            let discovery = discover(std::slice::from_ref(&root), &options);
            let parsed = read_and_parse(&discovery.files, ParseLimits::default());
            let files: Vec<_> = parsed.iter().collect();
            let model = RepoModel::build(&files, &root, &ModelOptions::default());
            let expected = crate::repository_input::repository_input(&model);
            let slim = ModelOptions {
                slim_bodies: true,
                ..ModelOptions::default()
            };
            for options in [ModelOptions::default(), slim] {
                let model = RepoModel::build(&files, &root, &options);
                let locations = (model.locations.clone(), model.kustomize_locations.clone());
                let rendered: std::collections::BTreeMap<usize, &hubspoke_manifest::yaml::Node> =
                    std::collections::BTreeMap::new();
                let actual = crate::repository_input::RepositoryInput::from_files(
                    model,
                    &files,
                    &options,
                    &crate::repository_input::Bodies::Whole,
                    &rendered,
                )
                .expect("every location resolves");
                assert!(expected == actual.input, "{name}: inputs differ");
                assert_eq!(locations, (actual.objects, actual.kustomize_files));
            }
        }
    }

    fn timer() -> regorus::utils::limits::ExecutionTimerConfig {
        regorus::utils::limits::ExecutionTimerConfig {
            limit: std::time::Duration::from_secs(5),
            check_interval: std::num::NonZeroU32::MIN,
        }
    }

    fn no_config() -> Value {
        Value::from(serde_json::json!({"hubspoke": {"config": {}}}))
    }

    #[test]
    fn every_bundled_rule_runs_on_the_vm_with_dispatch_groups() {
        let rules = RuleSet::load(crate::policy::bundled_sources());
        let every = vec![true; rules.rules.len()];
        let plan = Plan::new(&rules, &every).expect("a plan");
        let missing: Vec<&str> = rules
            .rules
            .iter()
            .zip(&plan.rule_entry)
            .filter(|(_, entry)| entry.is_none())
            .map(|(rule, _)| rule.meta.id.as_str())
            .collect();
        assert_eq!(
            missing,
            Vec::<&str>::new(),
            "every bundled rule compiles for the VM"
        );
        let repository = rules
            .rules
            .iter()
            .filter(|r| r.meta.scope == Scope::Repository)
            .count();
        assert!(repository >= 21, "{repository} repository rules");
        assert!(!plan.groups.is_empty());
    }

    /// The first VM runs the compiled program, later ones a deserialized copy:
    /// both must give the same results.
    #[test]
    fn a_deserialized_program_runs_like_the_compiled_one() {
        let rules = RuleSet::load(crate::policy::bundled_sources());
        let plan = Arc::new(Plan::new(&rules, &vec![true; rules.rules.len()]).expect("a plan"));
        let input = Value::from_json_str(
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
                "spec": {"template": {"spec": {"hostNetwork": true, "containers": [{"name": "app", "image": "nginx:latest",
                "securityContext": {"privileged": true}}]}}}}"#,
        )
        .expect("json");
        let mut results = Vec::new();
        for _ in 0..2 {
            let mut machine =
                Machine::build(&rules, Arc::clone(&plan), no_config(), timer()).expect("a VM");
            machine.set_input(input.clone());
            let groups: Vec<_> = plan
                .groups
                .iter()
                .map(|(set, id)| (set.clone(), *id))
                .collect();
            let values: Vec<Vec<Value>> = groups
                .iter()
                .map(|(set, id)| match machine.run_group(*id, set) {
                    Dispatched::Values(values) => values,
                    Dispatched::Failed => panic!("group {id} failed"),
                })
                .collect();
            results.push(values);
        }
        assert!(
            plan.compiled.lock().expect("lock").is_none(),
            "the first VM took the program"
        );
        assert_eq!(results[0], results[1]);
        let findings: usize = results[0]
            .iter()
            .flatten()
            .filter_map(|v| v.as_set().ok())
            .map(|set| set.len())
            .sum();
        assert!(findings >= 5, "{findings} violations");
    }
}

#[cfg(test)]
mod vm_differences {
    use super::*;

    /// `(interpreter, VM)` results of `entry` in a one-module policy.
    fn both(text: &str, input: &str, entry: &str) -> (Value, Value) {
        let mut engine = crate::ruleset::new_engine().expect("a fresh engine");
        engine
            .add_policy("p.rego".into(), text.into())
            .expect("policy");
        let input = Value::from_json_str(input).expect("input");
        engine.set_input(input.clone());
        let policy = engine
            .compile_with_entrypoint(&entry.into())
            .expect("compiles");
        let interpreted = engine.eval_rule(entry.to_owned()).expect("interpreted");
        let program = compile(&policy, &[entry], &[]).expect("compiles for the VM");
        let mut vm = RegoVM::new_with_policy(policy);
        vm.load_program(program);
        vm.set_input(input);
        let on_vm = vm.execute_entry_point_by_index(0).expect("runs on the VM");
        (interpreted, on_vm)
    }

    /// A canary for the regorus difference HUB014 works around (see its
    /// `bootstrap`): the VM does not fail an iteration on `x := <undefined>`, so an
    /// array comprehension collects undefined values. When regorus fixes it this
    /// test fails; then the rule may go back to a plain lookup.
    #[test]
    fn the_vm_lets_an_undefined_assignment_through() {
        let (interpreted, on_vm) = both(
            "package p\n\nr := [x | some c in input.items; x := c.missing]\n",
            r#"{"items": [{"a": 1}, {"a": 2}]}"#,
            "data.p.r",
        );
        assert_eq!(interpreted, Value::from_json_str("[]").expect("json"));
        assert_eq!(
            on_vm,
            Value::from(vec![Value::Undefined, Value::Undefined]),
            "regorus' VM now agrees with its interpreter: HUB014's workaround can go"
        );
    }
}
