//! Document rules on one object: the VM runs what it compiled (one execution
//! per document for a whole dispatch group), the interpreter the rest.
//!
//! The object is a parsed file's document ([`Evaluator::evaluate_file`], the hot
//! path) or a rendered object whose values came from several files
//! ([`Evaluator::evaluate_object`]); a [`Site`] says where each finding lands.

use std::cell::RefCell;
use std::time::Instant;

use hubspoke_diagnostics::{ObjectMeta, Place};
use hubspoke_manifest::yaml::Node;
use hubspoke_manifest::{object_meta, Document, ParsedFile, PathSegment};

use super::{add_time, RawPath, Violation, Worker};
use crate::builtin::POLICY_ERROR;
use crate::context::ContextIndex;
use crate::convert::to_rego_value;
use crate::error::RuleFailure;
use crate::finding::{Finding, Severity};
use crate::ruleset::Rule;
use crate::Evaluator;

impl Evaluator<'_> {
    /// Evaluate every applicable document rule on every Kubernetes object of a file.
    /// `context` is what the repository model knows of each document (its effective
    /// namespace, its clusters), which rules read with `hubspoke.context`; without it they
    /// see the document alone.
    ///
    /// A file kustomize reads only as generator input is data: no rule runs on it. A
    /// kustomize patch is a partial object: bundled rules, which judge whole objects (a
    /// patch that sets only `replicas` has "no probes"), do not run on it; the rules of
    /// the user's policy directories do, and can tell with `hubspoke.context("patch")`.
    pub fn evaluate_file(&self, file: &ParsedFile, context: Option<&ContextIndex>) -> Vec<Finding> {
        let mut findings = Vec::new();
        if context.is_some_and(|c| c.is_data_file(&file.source.path)) {
            return findings;
        }
        for document in file.objects() {
            let known = context.and_then(|c| c.get(&file.source.path, document.index));
            // The `hubspoke.context` builtin reads the current document's context from
            // its thread; it is set here, for each document, and nowhere else.
            crate::context::set_current(known.map(|k| &k.value));
            let patch = known.is_some_and(|k| k.patch);
            self.evaluate_document(file, document, patch, &mut findings);
        }
        crate::context::set_current(None);
        findings
    }

    /// Evaluate every applicable document rule on one object that is not a parsed
    /// document as written, such as what a cluster receives after kustomize and Flux:
    /// `root` is the object (its nodes' positions are whatever `locate` understands),
    /// `object` the identity findings name, `context` what `hubspoke.context` answers,
    /// and `locate` the file and region a field path of it was written at.
    pub fn evaluate_object<S>(
        &self,
        root: &Node<S>,
        object: &ObjectMeta,
        context: &ObjectContext<'_>,
        locate: &dyn Fn(&[PathSegment]) -> Place,
    ) -> Vec<Finding> {
        let mut findings = Vec::new();
        let Some(dispatch_as) = object_meta(root) else {
            return findings;
        };
        let site = ObjectSite { object, locate };
        crate::context::set_current(Some(&context.to_value()));
        // A rendered object is whole, never a kustomize patch.
        self.evaluate_input(
            &site,
            &dispatch_as,
            false,
            || to_rego_value(root),
            &mut findings,
        );
        crate::context::set_current(None);
        findings
    }

    /// Evaluate every applicable rule on one document (only the user's rules on a
    /// kustomize patch), appending findings.
    fn evaluate_document(
        &self,
        file: &ParsedFile,
        document: &Document,
        patch: bool,
        findings: &mut Vec<Finding>,
    ) {
        let Some(object) = &document.object else {
            return;
        };
        let site = DocumentSite { file, document };
        self.evaluate_input(
            &site,
            object,
            patch,
            || to_rego_value(&document.root),
            findings,
        );
    }

    /// Evaluate every rule that applies to objects of `object`'s kind (only the user's
    /// on a kustomize `patch`) on the input `input` builds (only called when some rule
    /// applies), appending findings placed by `site`.
    fn evaluate_input(
        &self,
        site: &impl Site,
        object: &ObjectMeta,
        patch: bool,
        input: impl FnOnce() -> regorus::Value,
        findings: &mut Vec<Finding>,
    ) {
        let cell = self.workers.get_or(|| RefCell::new(Worker::default()));
        let mut worker = cell.borrow_mut();
        let worker = &mut *worker;
        if !worker.machine_tried {
            worker.machine_tried = true;
            worker.machine = self.build_machine();
        }
        let dispatch = self.dispatch_for(worker, object.group(), &object.kind, patch);
        let applicable = &dispatch.applicable;
        if applicable.is_empty() {
            return;
        }
        worker.documents += 1;
        worker.evaluations += applicable.len() as u64;
        let timing = self.options.collect_timings;
        let input = input();
        // One result per applicable rule; `None` is left to the interpreter.
        let mut results: Vec<Option<Result<regorus::Value, RuleFailure>>> =
            vec![None; applicable.len()];
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
                        Some(Err(RuleFailure::TimedOut)) => {
                            results[slot] = Some(Err(RuleFailure::TimedOut));
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
                        let failure = RuleFailure::Failed(message);
                        findings.push(self.error_finding(site, None, &failure));
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
                results[slot] = Some(result.map_err(|e| RuleFailure::of_interpreter(&e)));
            }
        }
        for (index, result) in applicable.iter().zip(results) {
            let rule = &self.rules.rules[*index];
            match result {
                Some(Ok(value)) => self.collect(rule, site, &value, findings),
                Some(Err(failure)) => {
                    findings.push(self.error_finding(site, Some(rule), &failure));
                }
                None => {}
            }
        }
    }

    fn collect(
        &self,
        rule: &Rule,
        site: &impl Site,
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
                let failure = RuleFailure::Failed(format!(
                    "violation is not a string or an object with `msg` (and optional `path`): {}",
                    item.to_json_str().unwrap_or_default()
                ));
                findings.push(self.error_finding(site, Some(rule), &failure));
                continue;
            };
            let path = violation
                .path
                .as_ref()
                .map(RawPath::segments)
                .unwrap_or_default();
            let place = site.place(&path);
            findings.push(Finding {
                rule: rule.meta.id.clone(),
                severity,
                message: violation.msg,
                file: place.file,
                region: place.region,
                object: site.object(),
                path,
                related: Vec::new(),
                effective_namespace: None,
                clusters: Vec::new(),
            });
        }
    }

    fn error_finding(
        &self,
        site: &impl Site,
        rule: Option<&Rule>,
        failure: &RuleFailure,
    ) -> Finding {
        let place = site.place(&[]);
        let first_line = failure.reason(self.options.rule_timeout);
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
            file: place.file,
            region: place.region,
            object: site.object(),
            path: Default::default(),
            related: Vec::new(),
            effective_namespace: None,
            clusters: Vec::new(),
        }
    }
}

/// What a document rule may know of an object evaluated with
/// [`Evaluator::evaluate_object`]: what `hubspoke.context(key)` answers.
#[derive(Debug, Clone, Default)]
pub struct ObjectContext<'a> {
    /// The namespace the object lands in (`"namespace"`).
    pub namespace: Option<&'a str>,
    /// The clusters it lands on (`"clusters"`).
    pub clusters: &'a [String],
    /// The repository path of the file it is written in (`"file"`).
    pub file: &'a str,
    /// It reconciles another cluster through a kubeconfig (`"remote"`).
    pub remote: bool,
    /// The account its controller impersonates when it names none
    /// (`"default_service_account"`, absent when the controller has none).
    pub default_service_account: Option<&'a str>,
}

impl ObjectContext<'_> {
    /// Built directly rather than through `serde_json::json!`: it is made for every
    /// rendered object evaluated, and the JSON detour cost as much as the rest of it.
    fn to_value(&self) -> regorus::Value {
        use regorus::Value;
        let string = |text: Option<&str>| text.map_or(Value::Null, Value::from);
        let mut fields = std::collections::BTreeMap::new();
        fields.insert(Value::from("namespace"), string(self.namespace));
        fields.insert(
            Value::from("clusters"),
            Value::from(
                self.clusters
                    .iter()
                    .map(|c| Value::from(c.as_str()))
                    .collect::<Vec<_>>(),
            ),
        );
        fields.insert(Value::from("file"), Value::from(self.file));
        // A whole object, never a kustomize patch.
        fields.insert(Value::from("patch"), Value::from(false));
        fields.insert(Value::from("remote"), Value::from(self.remote));
        if let Some(account) = self.default_service_account {
            fields.insert(Value::from("default_service_account"), Value::from(account));
        }
        Value::from(fields)
    }
}

/// Where the findings of one evaluated object land, and the object they name.
trait Site {
    fn place(&self, path: &[PathSegment]) -> Place;
    fn object(&self) -> Option<ObjectMeta>;
}

/// A document of a parsed file: its findings land in that file.
struct DocumentSite<'a> {
    file: &'a ParsedFile,
    document: &'a Document,
}

impl Site for DocumentSite<'_> {
    fn place(&self, path: &[PathSegment]) -> Place {
        let located = self.document.locate(path);
        Place {
            file: self.file.source.path.clone(),
            region: Some(self.file.source.region(located.span)),
        }
    }

    fn object(&self) -> Option<ObjectMeta> {
        self.document.object.clone()
    }
}

/// An object evaluated with [`Evaluator::evaluate_object`].
struct ObjectSite<'a> {
    object: &'a ObjectMeta,
    locate: &'a dyn Fn(&[PathSegment]) -> Place,
}

impl Site for ObjectSite<'_> {
    fn place(&self, path: &[PathSegment]) -> Place {
        (self.locate)(path)
    }

    fn object(&self) -> Option<ObjectMeta> {
        Some(self.object.clone())
    }
}
