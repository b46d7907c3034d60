//! Finding and compiling the policies: Kyverno policy documents among the
//! linted files and in the configured paths, each distinct policy compiled
//! once, its problems located in its file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hubspoke_diagnostics::{
    FieldPath, Finding, ObjectMeta, Place, Region, RelatedLocation, Severity,
};
use hubspoke_engine::{DocumentContext, POLICY_ERROR};
use hubspoke_kyverno::exception::{is_policy_exception, PolicyException};
use hubspoke_kyverno::matching::{selector_kind, MatchResources};
use hubspoke_kyverno::policy::{
    policy_kind, FailureAction, Policy, PolicyKind, PolicyProblem, Rule,
};
use hubspoke_manifest::{
    discover, file_problem_finding, path_problem_finding, read_and_parse, DiscoverOptions,
    DiscoveredFile, Document, ParsedFile, PathSegment, DEFAULT_MAX_FILE_SIZE,
};
use serde_json::Value;

use super::meta;
use crate::error::WorkspaceError;
use crate::settings::Configuration;

/// Kinds of Kyverno's CEL policy API (`policies.kyverno.io`), which the evaluator does
/// not run: each gets a note.
const CEL_POLICY_KINDS: [&str; 7] = [
    "ValidatingPolicy",
    "NamespacedValidatingPolicy",
    "ImageValidatingPolicy",
    "NamespacedImageValidatingPolicy",
    "MutatingPolicy",
    "GeneratingPolicy",
    "DeletingPolicy",
];

/// One rule of a loaded policy, where it is written.
#[derive(Debug, Clone)]
pub(super) struct RuleSite {
    /// The id its findings carry (its source rule's, for auto-generated rules).
    pub id: String,
    /// `spec.rules[i]` of the rule as written.
    pub path: FieldPath,
    /// The file the rule is in: the policy's, or for a rendered policy the file its
    /// rule comes from (the base, or an overlay's patch).
    pub file: String,
    /// Where that is in that file.
    pub region: Option<Region>,
    /// For a rendered policy whose rule's failure action is not written in the
    /// policy's file (an overlay's patch, a `${VAR}` from `postBuild`): where it comes
    /// from, related to each finding, since it sets their severity.
    pub action: Option<RelatedLocation>,
}

/// A compiled policy and where it comes from.
#[derive(Debug, Clone)]
pub(super) struct LoadedPolicy {
    /// The compiled policy.
    pub policy: Policy,
    /// For a CEL policy (`policies.kyverno.io`), its kind: then `policy` holds only its
    /// name and annotations, and its one site stands for the whole policy, which gets a
    /// note.
    pub cel_kind: Option<String>,
    /// Display path of the file defining it (its first definition).
    pub file: String,
    /// Its identity.
    pub object: Option<ObjectMeta>,
    /// One per entry of `policy.rules`.
    pub rules: Vec<RuleSite>,
    /// The linted documents defining it, `(display path, document index)`: where the
    /// repository model says they land is where the policy applies.
    pub deliveries: Vec<(String, usize)>,
    /// Given by path besides the linted files: it applies to every object.
    pub everywhere: bool,
    /// The kinds its rules may match; `None`: any kind (a wildcard, or a block without
    /// kinds). Objects of other kinds are not looked at.
    pub kinds: Option<BTreeSet<String>>,
    /// For one version of a policy as the clusters receive it ([`super::versions`]):
    /// the clusters receiving that version, where it applies (then `deliveries` holds
    /// only the document it starts from, for its namespace).
    pub rendered_clusters: Option<BTreeSet<String>>,
    /// Its problems (`policy-error`s at the offending fields).
    pub findings: Vec<Finding>,
}

/// A compiled `PolicyException` and where it comes from.
#[derive(Debug, Clone)]
pub(super) struct LoadedException {
    /// The compiled exception.
    pub exception: PolicyException,
    /// The linted documents defining it, `(display path, document index)`: where the
    /// repository model says they land is where it exempts, as for a policy.
    pub deliveries: Vec<(String, usize)>,
    /// Given by path besides the linted files: it exempts on every cluster.
    pub everywhere: bool,
    /// Its problems (`policy-error`s at the offending fields): then it is not applied.
    pub findings: Vec<Finding>,
}

impl LoadedException {
    fn add_delivery(&mut self, delivery: (String, usize), given: bool) {
        if given {
            self.everywhere = true;
        } else {
            self.deliveries.push(delivery);
        }
    }
}

/// The clusters a policy or an exception holds on, from what the repository model says
/// of the documents delivering it: `None` (every cluster) when it was given by path or
/// when, for one of them, the model cannot tell.
pub(super) fn delivered_clusters(
    delivered: &[DocumentContext],
    everywhere: bool,
) -> Option<BTreeSet<String>> {
    if everywhere || delivered.iter().any(|d| d.clusters.is_empty()) {
        None
    } else {
        Some(delivered.iter().flat_map(|d| d.clusters.clone()).collect())
    }
}

/// What loading found.
pub(super) struct Loaded {
    /// The distinct policies, in file order.
    pub policies: Vec<LoadedPolicy>,
    /// The distinct `PolicyException`s, in file order (those with problems are not
    /// applied).
    pub exceptions: Vec<LoadedException>,
    /// The problems of policy files read besides the linted ones (those of each policy
    /// and exception are its own).
    pub findings: Vec<Finding>,
    /// Texts of the files read besides the linted ones.
    pub sources: Vec<(String, Arc<str>)>,
}

/// Load the policies of the linted `files` and of `paths`.
pub(super) fn load(
    files: &[&ParsedFile],
    paths: &[PathBuf],
    configuration: &Configuration,
) -> Result<Loaded, WorkspaceError> {
    let mut loader = Loader::default();
    for file in files {
        loader.add_file(file, false);
    }
    let mut sources = Vec::new();
    if !paths.is_empty() {
        let linted: BTreeSet<&str> = files.iter().map(|f| f.source.path.as_str()).collect();
        let options = DiscoverOptions::new(
            &["**/*.yaml".to_owned(), "**/*.yml".to_owned()],
            &[],
            DEFAULT_MAX_FILE_SIZE,
            configuration.discover.display_base.clone(),
        )
        .map_err(|error| WorkspaceError::Usage(error.to_string()))?;
        let discovery = discover(paths, &options);
        loader
            .findings
            .extend(discovery.problems.iter().map(path_problem_finding));
        let base = configuration
            .discover
            .display_base
            .as_deref()
            .and_then(|b| b.canonicalize().ok());
        // A file both linted and given is read once, as a linted file.
        let extra: Vec<_> = discovery
            .files
            .into_iter()
            .map(|mut file| {
                if let Some(given) = paths.get(file.root) {
                    file.display_path = given_display(given, base.as_deref(), &file);
                }
                file
            })
            .filter(|f| !linted.contains(f.display_path.as_str()))
            .collect();
        let parsed = read_and_parse(&extra, configuration.limits);
        for file in &parsed {
            let before = loader.policies.len();
            loader.add_file(file, true);
            let holds_policies = loader.policies.len() > before
                || loader.policies.iter().any(|p| p.file == file.source.path);
            if holds_policies || !file.problems.is_empty() {
                loader.findings.extend(
                    file.problems
                        .iter()
                        .map(|p| file_problem_finding(&file.source.path, p)),
                );
                sources.push((file.source.path.clone(), Arc::clone(&file.source.text)));
            }
        }
    }
    Ok(Loaded {
        policies: loader.policies,
        exceptions: loader.exceptions,
        findings: loader.findings,
        sources,
    })
}

/// How a policy file given by path is shown. Discovery shows files relative to the
/// working directory when they lie under it, else relative to the path given
/// (`require-team.yaml` for `--kyverno-policy ../platform`), which names no file a reader
/// can open: those are shown under the path as given (`../platform/require-team.yaml`).
fn given_display(given: &Path, base: Option<&Path>, file: &DiscoveredFile) -> String {
    let inside = match (base, given.canonicalize()) {
        (Some(base), Ok(canonical)) => canonical.starts_with(base),
        _ => false,
    };
    if inside {
        return file.display_path.clone();
    }
    let given_text = given.to_string_lossy().replace('\\', "/");
    let given_text = given_text.trim_end_matches('/');
    if given.is_file() {
        given_text.to_owned()
    } else {
        format!("{given_text}/{}", file.repo_path)
    }
}

#[derive(Default)]
struct Loader {
    policies: Vec<LoadedPolicy>,
    /// The JSON of each policy, to recognise copies.
    documents: Vec<Value>,
    /// Policies by identity (kind, namespace, name), as indices.
    by_identity: BTreeMap<(String, String, String), Vec<usize>>,
    exceptions: Vec<LoadedException>,
    /// The JSON of each exception read (with problems or not), to read copies once.
    exception_documents: Vec<Value>,
    findings: Vec<Finding>,
}

impl Loader {
    fn add_file(&mut self, file: &ParsedFile, given: bool) {
        for document in file.objects() {
            let Some(object) = &document.object else {
                continue;
            };
            let api_version = object.api_version.as_str();
            if api_version.starts_with("kyverno.io/") {
                let json = document.root.to_json();
                if policy_kind(&json).is_some() {
                    self.add_policy(file, document, object, json, given);
                } else if is_policy_exception(&json) {
                    self.add_exception(file, document, object, json, given);
                }
            } else if api_version.starts_with("policies.kyverno.io/")
                && CEL_POLICY_KINDS.contains(&object.kind.as_str())
            {
                let json = document.root.to_json();
                self.add_cel_policy(file, document, object, json, given);
            }
        }
    }

    /// Whether `json` repeats a policy already loaded: then it is one more delivery of it.
    fn known_copy(
        &mut self,
        identity: &(String, String, String),
        json: &Value,
        file: &ParsedFile,
        document: &Document,
        given: bool,
    ) -> bool {
        let copies = self.by_identity.get(identity).into_iter().flatten();
        let Some(&index) = copies.into_iter().find(|&&i| self.documents[i] == *json) else {
            return false;
        };
        let policy = &mut self.policies[index];
        if given {
            policy.everywhere = true;
        } else {
            policy
                .deliveries
                .push((file.source.path.clone(), document.index));
        }
        true
    }

    fn push(&mut self, identity: (String, String, String), json: Value, policy: LoadedPolicy) {
        self.by_identity
            .entry(identity)
            .or_default()
            .push(self.policies.len());
        self.documents.push(json);
        self.policies.push(policy);
    }

    fn add_policy(
        &mut self,
        file: &ParsedFile,
        document: &Document,
        object: &ObjectMeta,
        json: Value,
        given: bool,
    ) {
        let identity = identity(object);
        if self.known_copy(&identity, &json, file, document, given) {
            return;
        }
        let Ok(policy) = Policy::compile(&json) else {
            return;
        };
        let locate = |path: &[hubspoke_manifest::PathSegment]| Place {
            file: file.source.path.clone(),
            region: Some(file.source.region(document.locate(path).span)),
        };
        let findings = policy
            .problems
            .iter()
            .map(|problem| problem_finding(&policy, problem, object, locate(&problem.path)))
            .collect();
        let rules = rule_sites(&policy, &locate);
        let kinds = policy_kinds(&policy.rules);
        let loaded = LoadedPolicy {
            rendered_clusters: None,
            findings,
            cel_kind: None,
            file: file.source.path.clone(),
            object: Some(object.clone()),
            rules,
            deliveries: if given {
                Vec::new()
            } else {
                vec![(file.source.path.clone(), document.index)]
            },
            everywhere: given,
            kinds,
            policy,
        };
        self.push(identity, json, loaded);
    }

    /// A `PolicyException`: applied when it has no problem, else each problem is a
    /// `policy-error` at its field. A copy read again is one more delivery of it.
    fn add_exception(
        &mut self,
        file: &ParsedFile,
        document: &Document,
        object: &ObjectMeta,
        json: Value,
        given: bool,
    ) {
        let delivery = (file.source.path.clone(), document.index);
        if let Some(known) = self.exception_documents.iter().position(|d| *d == json) {
            if let Some(loaded) = self.exceptions.get_mut(known) {
                loaded.add_delivery(delivery, given);
            }
            return;
        }
        let Some(exception) = PolicyException::compile(&json) else {
            return;
        };
        let locate = |path: &[hubspoke_manifest::PathSegment]| Place {
            file: file.source.path.clone(),
            region: Some(file.source.region(document.locate(path).span)),
        };
        let findings = exception_problem_findings(&exception, object, &locate);
        let mut loaded = LoadedException {
            exception,
            deliveries: Vec::new(),
            everywhere: false,
            findings,
        };
        loaded.add_delivery(delivery, given);
        self.exception_documents.push(json);
        self.exceptions.push(loaded);
    }

    /// A CEL policy: nothing to evaluate; its note names it.
    fn add_cel_policy(
        &mut self,
        file: &ParsedFile,
        document: &Document,
        object: &ObjectMeta,
        json: Value,
        given: bool,
    ) {
        let identity = identity(object);
        if self.known_copy(&identity, &json, file, document, given) {
            return;
        }
        // Its name and annotations (title, description, severity) and no rule to run.
        let name = object.name.clone().unwrap_or_default();
        let annotations = json
            .pointer("/metadata/annotations")
            .and_then(Value::as_object)
            .map(|a| {
                a.iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        let policy = Policy {
            kind: PolicyKind::ClusterPolicy,
            name: name.clone(),
            namespace: None,
            annotations,
            failure_action: FailureAction::Audit,
            failure_action_overrides: Vec::new(),
            background: true,
            apply_one: false,
            rules: Vec::new(),
            problems: Vec::new(),
        };
        let spec = [hubspoke_manifest::PathSegment::Key("spec".to_owned())];
        let loaded = LoadedPolicy {
            cel_kind: Some(object.kind.clone()),
            file: file.source.path.clone(),
            object: Some(object.clone()),
            rules: vec![RuleSite {
                id: meta::rule_id(&name, &object.kind),
                path: FieldPath::from(spec.to_vec()),
                file: file.source.path.clone(),
                region: Some(file.source.region(document.locate(&spec).span)),
                action: None,
            }],
            deliveries: Vec::new(),
            everywhere: given,
            kinds: Some(BTreeSet::new()),
            rendered_clusters: None,
            findings: Vec::new(),
            policy,
        };
        self.push(identity, json, loaded);
    }
}

/// Where each rule of `policy` is, by `locate` (a field's place in the files).
pub(super) fn rule_sites(
    policy: &Policy,
    locate: &dyn Fn(&[PathSegment]) -> Place,
) -> Vec<RuleSite> {
    policy
        .rules
        .iter()
        .map(|rule| {
            let place = locate(&rule.json_path);
            RuleSite {
                id: meta::rule_id(&policy.name, &rule.source_rule),
                path: FieldPath::from(rule.json_path.clone()),
                file: place.file,
                region: place.region,
                action: None,
            }
        })
        .collect()
}

/// The `policy-error`s of an exception's problems: it is not applied.
pub(super) fn exception_problem_findings(
    exception: &PolicyException,
    object: &ObjectMeta,
    locate: &dyn Fn(&[PathSegment]) -> Place,
) -> Vec<Finding> {
    exception
        .problems
        .iter()
        .map(|problem| {
            let message = format!(
                "Kyverno PolicyException `{}`: {}; the exception is not applied",
                exception.name, problem.message
            );
            let place = locate(&problem.path);
            let mut finding = Finding::new(POLICY_ERROR, Severity::Error, message, &place.file);
            finding.region = place.region;
            finding.object = Some(object.clone());
            finding.path = FieldPath::from(problem.path.clone());
            finding
        })
        .collect()
}

/// The `policy-error` of a problem in a policy, at `place`.
pub(super) fn problem_finding(
    policy: &Policy,
    problem: &PolicyProblem,
    object: &ObjectMeta,
    place: Place,
) -> Finding {
    let mut message = match &problem.rule {
        Some(rule) => format!(
            "Kyverno policy `{}`, rule `{rule}`: {}; the rule is not run",
            policy.name, problem.message
        ),
        None => format!("Kyverno policy `{}`: {}", policy.name, problem.message),
    };
    if problem.kyverno_rejects {
        message.push_str(" (Kyverno refuses this policy)");
    }
    let mut finding = Finding::new(POLICY_ERROR, Severity::Error, message, &place.file);
    finding.region = place.region;
    finding.object = Some(object.clone());
    finding.path = FieldPath::from(problem.path.clone());
    finding
}

/// The kinds any rule of a policy may match, or `None` when any kind may match.
pub(super) fn policy_kinds(rules: &[Rule]) -> Option<BTreeSet<String>> {
    let mut all = BTreeSet::new();
    for rule in rules {
        all.extend(match_kinds(&rule.matching)?);
    }
    Some(all)
}

/// The kind names a `match` block admits; `None` when it admits any (a filter without
/// kinds in `any` or in the legacy form, a wildcard kind). Under `all`, every filter
/// must hold, so the kinds of those that name some bound it.
fn match_kinds(matching: &MatchResources) -> Option<BTreeSet<String>> {
    let named = |kinds: &[String]| -> Option<BTreeSet<String>> {
        if kinds.is_empty() {
            return None;
        }
        kinds
            .iter()
            .map(|k| {
                let kind = selector_kind(k);
                (!kind.contains(['*', '?']) && !kind.is_empty()).then(|| kind.to_owned())
            })
            .collect()
    };
    if !matching.any.is_empty() {
        let mut out = BTreeSet::new();
        for filter in &matching.any {
            out.extend(named(&filter.resources.kinds)?);
        }
        Some(out)
    } else if !matching.all.is_empty() {
        let mut bounded = false;
        let mut out = BTreeSet::new();
        for filter in &matching.all {
            if filter.resources.kinds.is_empty() {
                continue;
            }
            out.extend(named(&filter.resources.kinds)?);
            bounded = true;
        }
        bounded.then_some(out)
    } else {
        named(&matching.direct.resources.kinds)
    }
}

/// What makes two policy documents the same policy: kind, namespace and name.
pub(super) fn identity(object: &ObjectMeta) -> (String, String, String) {
    (
        object.kind.clone(),
        object.namespace.clone().unwrap_or_default(),
        object.name.clone().unwrap_or_default(),
    )
}
