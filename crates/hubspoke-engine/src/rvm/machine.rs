//! The VMs that run the plan: one per worker thread for document rules (a dispatch
//! execution per document), one per run for repository rules.

use std::sync::Arc;

use regorus::rvm::RegoVM;
use regorus::Value;

use super::{context_name, Plan};
use crate::error::RuleFailure;
use crate::ruleset::RuleSet;

/// One worker thread's VM, loaded with the plan's program.
pub(crate) struct Machine {
    vm: RegoVM,
    /// Host-await name, key and this document's answer, per context key.
    context: Vec<(Value, Value, Value)>,
    /// The dispatch result's key of each rule index (`"r<index>"`).
    result_keys: Vec<Value>,
    plan: Arc<Plan>,
}

/// How a dispatch execution went.
pub(crate) enum Dispatched {
    /// One value per rule of the group, in the group's order.
    Values(Vec<Value>),
    /// Redo rule by rule.
    Failed,
}

/// The repository rules on the VM, run once per repository model. Repository
/// rules see no `hubspoke.context` (it is per document): a rule calling it fails
/// on the VM and is redone on the interpreter.
pub(crate) struct RepositoryMachine {
    vm: RegoVM,
    plan: Arc<Plan>,
}

impl RepositoryMachine {
    /// `None` when the plan's program cannot be loaded.
    pub(crate) fn build(
        plan: Arc<Plan>,
        data: Value,
        timer: regorus::utils::limits::ExecutionTimerConfig,
    ) -> Option<RepositoryMachine> {
        let vm = plan.machine(data, timer)?;
        Some(RepositoryMachine { vm, plan })
    }

    /// Make the repository model's `input` the document the rules see.
    pub(crate) fn set_input(&mut self, input: Value) {
        self.vm.set_input(input);
    }

    /// Run rule `index`; `None` when it is not on the VM.
    pub(crate) fn run_rule(&mut self, index: usize) -> Option<Result<Value, RuleFailure>> {
        let entry = (*self.plan.rule_entry.get(index)?)?;
        Some(
            self.vm
                .execute_entry_point_by_index(entry)
                .map_err(|e| RuleFailure::of_vm(&e)),
        )
    }
}

impl Machine {
    /// A new VM loaded with the plan's program and the run's `data` and time limit;
    /// `None` when it cannot be loaded.
    pub(crate) fn build(
        rules: &RuleSet,
        plan: Arc<Plan>,
        data: Value,
        timer: regorus::utils::limits::ExecutionTimerConfig,
    ) -> Option<Machine> {
        let vm = plan.machine(data, timer)?;
        let context = plan
            .keys
            .iter()
            .map(|k| {
                (
                    Value::from(context_name(k)),
                    Value::from(k.as_str()),
                    Value::Undefined,
                )
            })
            .collect();
        let result_keys = (0..rules.rules.len())
            .map(|i| Value::from(format!("r{i}")))
            .collect();
        Some(Machine {
            vm,
            context,
            result_keys,
            plan,
        })
    }

    /// Whether rule `index` runs on the VM.
    pub(crate) fn runs(&self, index: usize) -> bool {
        self.plan.rule_entry.get(index).is_some_and(Option::is_some)
    }

    /// The dispatch group of exactly these (sorted) VM rules, if one was generated.
    pub(crate) fn group(&self, set: &[usize]) -> Option<usize> {
        self.plan.groups.get(set).copied()
    }

    /// Make `input` the document the next executions see, with this thread's
    /// current `hubspoke.context` answers.
    pub(crate) fn set_input(&mut self, input: Value) {
        self.vm.set_input(input);
        for (_, key, answer) in &mut self.context {
            *answer = crate::context::current_at(key);
        }
    }

    /// Queue `calls` answers per context key for the next execution.
    fn arm_context(&mut self, calls: usize) {
        if !self.context.is_empty() {
            self.vm.set_host_await_responses(
                self.context
                    .iter()
                    .map(|(name, _, answer)| (name.clone(), vec![answer.clone(); calls])),
            );
        }
    }

    /// Run one rule; `None` when it is not on the VM.
    pub(crate) fn run_rule(&mut self, index: usize) -> Option<Result<Value, RuleFailure>> {
        let entry = (*self.plan.rule_entry.get(index)?)?;
        self.arm_context(4);
        Some(
            self.vm
                .execute_entry_point_by_index(entry)
                .map_err(|e| RuleFailure::of_vm(&e)),
        )
    }

    /// Run every rule of a dispatch group in one execution.
    pub(crate) fn run_group(&mut self, group: usize, set: &[usize]) -> Dispatched {
        let Some(entry) = self.plan.group_entry.get(group).copied() else {
            return Dispatched::Failed;
        };
        self.arm_context(set.len() + 4);
        let Ok(Value::Object(result)) = self.vm.execute_entry_point_by_index(entry) else {
            return Dispatched::Failed;
        };
        let mut values = Vec::with_capacity(set.len());
        for index in set {
            match self.result_keys.get(*index).and_then(|key| result.get(key)) {
                Some(value) => values.push(value.clone()),
                None => return Dispatched::Failed,
            }
        }
        Dispatched::Values(values)
    }
}
