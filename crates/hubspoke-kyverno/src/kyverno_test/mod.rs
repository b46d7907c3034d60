//! A runner for Kyverno CLI test directories (`kyverno-test.yaml`): the
//! policies, resources and `PolicyException`s (`exceptions:`) it names, its
//! values file, and every expected result in `results[]` compared as `kyverno
//! test` compares them.
//!
//! `kyverno test` reads a result for a resource that the rule did not match
//! at all as "excluded", which passes whatever was expected; each check here
//! keeps that case apart ([`Actual::Excluded`]) so a caller can tell it from a
//! verdict that really agrees.

mod load;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::context::{NoRepositoryData, ResourceVariables};
use crate::evaluate::{evaluate_policy_with, Options, Outcome, ResourceInput, RuleResult};
use crate::exception::PolicyException;
use crate::matching::{RequestInfo, UserInfoMode};
use crate::pod_security::{self, PodSecurityStandards};
use crate::policy::Policy;

/// Why a test could not be run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TestError {
    /// A file could not be read or parsed.
    #[error("{}: {message}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// The test uses something this runner does not support.
    #[error("unsupported: {0}")]
    Unsupported(String),
}

/// The outcome of one test file.
#[derive(Debug, Clone)]
pub struct TestReport {
    /// The test file.
    pub path: PathBuf,
    /// The test's name.
    pub name: String,
    /// One check per expected result and resource (and per matching rule).
    pub checks: Vec<Check>,
}

/// One expected result compared with ours.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// Index of the expected result in the test's `results[]` (to point at
    /// it in the test file).
    pub result_index: usize,
    /// The policy (`name` or `namespace/name`).
    pub policy: String,
    /// The rule as the test names it.
    pub rule: String,
    /// The rule that answered (`autogen-…` included), when one did.
    pub answered_by: Option<String>,
    /// The resource as the test names it.
    pub resource: String,
    /// The resource checked (`apiVersion/kind/namespace/name`).
    pub resource_key: String,
    /// The expected result (`pass`, `fail`, `skip`, `error`, `warn`).
    pub expected: String,
    /// What we found.
    pub actual: Actual,
    /// Our result's message (failures and errors).
    pub message: Option<String>,
}

/// Our side of a check.
#[derive(Debug, Clone, PartialEq)]
pub enum Actual {
    /// The rule's result (`pass`, `fail`, `skip`, `error`).
    Status(String),
    /// The rule produced no response for the resource (not matched, or a
    /// `foreach` with no element): `kyverno test` counts that as passing.
    Excluded,
    /// We refused the policy as Kyverno would (`kyverno test` skips it).
    PolicyRejected(String),
    /// The rule cannot be decided offline (mutate, CEL…), or the expected
    /// result concerns something this crate does not evaluate.
    OutOfScope(String),
}

impl Check {
    /// Whether `kyverno test` would report this check as passing.
    pub fn kyverno_test_passes(&self) -> bool {
        match &self.actual {
            Actual::Status(status) => *status == self.expected,
            Actual::Excluded | Actual::PolicyRejected(_) => true,
            Actual::OutOfScope(_) => false,
        }
    }

    /// Whether this check is in scope (a verdict of ours to compare).
    pub fn in_scope(&self) -> bool {
        !matches!(self.actual, Actual::OutOfScope(_))
    }
}

/// A resource as the Kyverno CLI reads it from a file: the `default`
/// namespace for a namespaced resource without one, null `labels`,
/// `annotations` and selector maps as empty ones, and every number as Go's
/// float64. Linting prepares resources the same way, so verdicts and messages
/// match `kyverno apply` and `kyverno test`.
pub fn prepare_resource(resource: Value) -> Value {
    load::prepare_resource(resource)
}

/// Every `kyverno-test.yaml` under a directory, sorted.
pub fn find_tests(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n == "kyverno-test.yaml") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Run one `kyverno-test.yaml`, leaving `podSecurity` rules' results out of
/// scope (they need the Pod Security checks: see [`run_test_with`]).
pub fn run_test(path: &Path) -> Result<TestReport, TestError> {
    run_test_with(path, None)
}

/// Run one `kyverno-test.yaml`, deciding `podSecurity` rules with
/// `pod_security` as Kyverno does ([`crate::pod_security::verdict`]); without it
/// their results are out of scope.
pub fn run_test_with(
    path: &Path,
    pod_security: Option<&dyn PodSecurityStandards>,
) -> Result<TestReport, TestError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let test = load::documents(path)?
        .into_iter()
        .next()
        .unwrap_or(Value::Null);
    let list = |key: &str| -> Vec<String> {
        test.get(key)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let name = test
        .pointer("/metadata/name")
        .or_else(|| test.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let results: Vec<Value> = test
        .get("results")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();

    // Values: a file, or inline.
    let values = match (
        test.get("variables").and_then(Value::as_str),
        test.get("values"),
    ) {
        (Some(file), _) => {
            let docs = load::documents(&dir.join(file))?;
            load::values(docs.first().unwrap_or(&Value::Null))
        }
        (None, Some(inline)) => load::values(inline),
        (None, None) => load::ValuesFile::default(),
    };
    let requester = match test.get("userinfo").and_then(Value::as_str) {
        Some(file) => {
            let docs = load::documents(&dir.join(file))?;
            load::request_info(docs.first().unwrap_or(&Value::Null))
        }
        None => RequestInfo::default(),
    };

    // Policies (Kyverno ones compiled; other kinds are out of scope).
    let mut policies: Vec<Policy> = Vec::new();
    let mut other_kinds: BTreeMap<String, String> = BTreeMap::new();
    for file in load::expand(dir, &list("policies"))? {
        for document in load::documents(&file)? {
            let kind = document
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            match Policy::compile(&document) {
                Ok(policy) => policies.push(policy),
                Err(_) => {
                    let policy_name = document
                        .pointer("/metadata/name")
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    other_kinds.insert(policy_name.to_owned(), kind);
                }
            }
        }
    }

    // `exceptions:`, applied to every policy they name (other documents, such as
    // CEL policies' exceptions, exempt nothing here).
    let mut exceptions: Vec<PolicyException> = Vec::new();
    for file in load::expand(dir, &list("exceptions"))? {
        exceptions.extend(
            load::documents(&file)?
                .iter()
                .filter_map(PolicyException::compile),
        );
    }

    // Resources, prepared as the CLI does, first of duplicates kept.
    let mut resources: Vec<(String, Value)> = Vec::new();
    for file in load::expand(dir, &list("resources"))? {
        for document in load::documents(&file)? {
            let resource = load::prepare_resource(document);
            let key = resource_key(&resource);
            if !resources.iter().any(|(k, _)| *k == key) {
                resources.push((key, resource));
            }
        }
    }

    // Evaluate every resource under each operation the results ask for.
    let default_operation = values
        .operation
        .clone()
        .unwrap_or_else(|| "CREATE".to_owned());
    let mut operations: Vec<String> = vec![default_operation.clone()];
    for result in &results {
        if let Some(op) = result.get("operation").and_then(Value::as_str) {
            if !operations.iter().any(|o| o == op) {
                operations.push(op.to_owned());
            }
        }
    }
    let empty_labels = BTreeMap::new();
    let mut responses: BTreeMap<(String, String), Vec<RuleResult>> = BTreeMap::new();
    for operation in &operations {
        let options = Options {
            operation: operation.clone(),
            values_pick_operation: *operation == default_operation,
            user_info: UserInfoMode::Cli(requester.clone()),
            cli_semantics: true,
            time_limit: None,
        };
        for (key, resource) in &resources {
            let (resource_for_match, subresource) = as_subresource(resource, &values.subresources);
            let namespace = resource
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or("");
            let input = ResourceInput {
                resource: resource_for_match.as_ref().unwrap_or(resource),
                namespace: None,
                namespace_labels: values
                    .namespace_labels
                    .get(namespace)
                    .unwrap_or(&empty_labels),
                subresource: &subresource,
                values: Some(&values.values),
            };
            let variables = ResourceVariables::new(input.resource);
            let mut all = Vec::new();
            for policy in policies.iter().filter(|p| !p.kyverno_rejects()) {
                all.extend(evaluate_policy_with(
                    policy,
                    &input,
                    &variables,
                    &exceptions,
                    &options,
                    &NoRepositoryData,
                ));
            }
            if let Some(standards) = pod_security {
                for result in &mut all {
                    decide_pod_security(standards, result, resource);
                }
            }
            responses.insert((operation.clone(), key.clone()), all);
        }
    }

    // Tests answering apiCall or global context entries with mocks.
    let mocks = ["apiCallResponses", "globalContextEntries"]
        .iter()
        .any(|k| {
            test.get(*k)
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty())
        });
    let mut checks = Vec::new();
    for (result_index, result) in results.iter().enumerate() {
        let operation = result
            .get("operation")
            .and_then(Value::as_str)
            .unwrap_or(&default_operation)
            .to_owned();
        let mut found = compare(
            result_index,
            result,
            &operation,
            &resources,
            &responses,
            &policies,
            &other_kinds,
        );
        if mocks {
            for check in &mut found {
                let cluster_context = check.answered_by.as_ref().and_then(|rule| {
                    policies
                        .iter()
                        .filter(|p| check.policy.ends_with(&p.name))
                        .flat_map(|p| &p.rules)
                        .find(|r| r.name == *rule)
                        .and_then(|r| r.cluster_context.clone())
                });
                if let Some(needs) = cluster_context {
                    check.actual = Actual::OutOfScope(format!(
                        "{needs}, answered in the test by mock responses"
                    ));
                }
            }
        }
        checks.extend(found);
    }
    Ok(TestReport {
        path: path.to_path_buf(),
        name,
        checks,
    })
}

/// A `podSecurity` rule's result turned into Kyverno's verdict on `resource`
/// (as the test gives it: Kyverno takes the pod spec from the resource itself).
fn decide_pod_security(
    standards: &dyn PodSecurityStandards,
    result: &mut RuleResult,
    resource: &Value,
) {
    let Outcome::PodSecurity {
        level,
        version,
        exclude,
        exception_controls,
        exceptions,
    } = &result.outcome
    else {
        return;
    };
    let request = pod_security::Request {
        rule: &result.rule,
        level,
        version: version.as_deref(),
        exclude,
        exception_controls,
        exceptions,
        resource,
    };
    let (outcome, message) = pod_security::verdict(standards, &request);
    result.outcome = outcome;
    result.message = Some(message);
}

/// `apiVersion,kind,namespace,name`, the CLI's resource key.
fn resource_key(resource: &Value) -> String {
    let text = |p: &str| resource.pointer(p).and_then(Value::as_str).unwrap_or("");
    format!(
        "{},{},{},{}",
        text("/apiVersion"),
        text("/kind"),
        text("/metadata/namespace"),
        text("/metadata/name")
    )
}

/// A resource of a subresource kind declared in the values file is matched as
/// its parent kind with that subresource.
fn as_subresource(resource: &Value, subresources: &[load::Subresource]) -> (Option<Value>, String) {
    let api_version = resource
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let kind = resource.get("kind").and_then(Value::as_str).unwrap_or("");
    for s in subresources {
        if s.group == group && s.version == version && s.kind == kind {
            let mut parent = resource.clone();
            let parent_version = if s.parent_group.is_empty() {
                s.parent_version.clone()
            } else {
                format!("{}/{}", s.parent_group, s.parent_version)
            };
            parent["apiVersion"] = Value::String(parent_version);
            parent["kind"] = Value::String(s.parent_kind.clone());
            return (Some(parent), s.name.clone());
        }
    }
    (None, String::new())
}

/// `printTestResult` for one expected result.
fn compare(
    result_index: usize,
    result: &Value,
    operation: &str,
    resources: &[(String, Value)],
    responses: &BTreeMap<(String, String), Vec<RuleResult>>,
    policies: &[Policy],
    other_kinds: &BTreeMap<String, String>,
) -> Vec<Check> {
    let text = |k: &str| {
        result
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let policy_ref = text("policy");
    let policy_name = policy_ref.rsplit('/').next().unwrap_or("").to_owned();
    let rule = text("rule");
    let expected = text("result");
    let named: Vec<String> = result
        .get("resources")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let check = |resource: &str, key: &str, answered_by: Option<String>, actual: Actual| Check {
        result_index,
        policy: policy_ref.clone(),
        rule: rule.clone(),
        answered_by,
        resource: resource.to_owned(),
        resource_key: key.to_owned(),
        expected: expected.clone(),
        actual,
        message: None,
    };

    // Results for policies this crate does not read, or flagged for them.
    let flagged = [
        "isValidatingAdmissionPolicy",
        "isMutatingAdmissionPolicy",
        "isValidatingPolicy",
        "isDeletingPolicy",
        "isImageValidatingPolicy",
        "isGeneratingPolicy",
        "isMutatingPolicy",
    ]
    .iter()
    .find(|f| result.get(**f).and_then(Value::as_bool) == Some(true));
    let other_kind = other_kinds.get(&policy_name);
    if flagged.is_some() || other_kind.is_some() {
        let kind = other_kind
            .cloned()
            .unwrap_or_else(|| (*flagged.unwrap_or(&"")).to_owned());
        return named
            .iter()
            .map(|r| {
                check(
                    r,
                    "",
                    None,
                    Actual::OutOfScope(format!("{kind} is not a kyverno.io policy")),
                )
            })
            .collect();
    }
    if [
        "patchedResources",
        "generatedResource",
        "generatedResources",
        "cloneSourceResource",
    ]
    .iter()
    .any(|k| result.get(*k).is_some())
    {
        return named
            .iter()
            .map(|r| {
                check(
                    r,
                    "",
                    None,
                    Actual::OutOfScope("a mutated or generated resource to compare".to_owned()),
                )
            })
            .collect();
    }
    if let Some(policy) = policies
        .iter()
        .find(|p| p.name == policy_name && p.kyverno_rejects())
    {
        let reason = policy
            .problems
            .iter()
            .find(|p| p.kyverno_rejects)
            .map(|p| p.message.clone())
            .unwrap_or_default();
        return named
            .iter()
            .map(|r| check(r, "", None, Actual::PolicyRejected(reason.clone())))
            .collect();
    }

    // Which resources: by name or namespace/name.
    let mut keys: Vec<(&str, &str)> = Vec::new();
    for wanted in &named {
        for (key, _) in resources {
            let parts: Vec<&str> = key.split(',').collect();
            let (ns, name) = (
                parts.get(2).copied().unwrap_or(""),
                parts.get(3).copied().unwrap_or(""),
            );
            let hit = match wanted.split_once('/') {
                Some((wanted_ns, wanted_name)) => wanted_ns == ns && wanted_name == name,
                None => wanted == name,
            };
            if hit {
                keys.push((wanted.as_str(), key.as_str()));
            }
        }
    }
    // Kyverno checks every resource when the names match none.
    if keys.is_empty() {
        keys = resources.iter().map(|(k, _)| ("", k.as_str())).collect();
    }
    // Kyverno reports the failures of an unscored policy as warnings.
    let unscored = policies
        .iter()
        .any(|p| p.name == policy_name && !p.scored());
    let mut checks = Vec::new();
    for (wanted, key) in keys {
        let found = responses
            .get(&(operation.to_owned(), key.to_owned()))
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let answers: Vec<&RuleResult> = found
            .iter()
            .filter(|r| r.policy == policy_name)
            .filter(|r| {
                rule.is_empty()
                    || r.rule == rule
                    || r.rule == format!("autogen-{rule}")
                    || r.rule == format!("autogen-cronjob-{rule}")
            })
            .collect();
        if answers.is_empty() {
            checks.push(check(wanted, key, None, Actual::Excluded));
        }
        for answer in answers {
            let actual = match &answer.outcome {
                Outcome::Pass => Actual::Status("pass".to_owned()),
                Outcome::Fail { .. } if unscored => Actual::Status("warn".to_owned()),
                Outcome::Fail { .. } => Actual::Status("fail".to_owned()),
                Outcome::Skip { .. } => Actual::Status("skip".to_owned()),
                Outcome::Error { .. } => Actual::Status("error".to_owned()),
                Outcome::NotDecidable { needs } => Actual::OutOfScope(needs.clone()),
                Outcome::PodSecurity { .. } => Actual::OutOfScope(
                    "podSecurity rules need the Pod Security checks (hubspoke-lint test runs the bundled ones)".to_owned(),
                ),
            };
            let mut found = check(wanted, key, Some(answer.rule.clone()), actual);
            found.message = answer.message.clone().or_else(|| match &answer.outcome {
                Outcome::Skip { reason } => Some(reason.clone()),
                _ => None,
            });
            checks.push(found);
        }
    }
    checks
}
