//! Repository rules on the model: once per root, on the VM when they compiled.

use std::collections::BTreeMap;
use std::time::Instant;

use hubspoke_diagnostics::Place;
use hubspoke_manifest::yaml::Node;
use hubspoke_manifest::{Document, ModelOptions, ParsedFile, PathSegment, RepoModel};
use regorus::Engine;
use serde::Deserialize;

use super::RawPath;
use crate::builtin::POLICY_ERROR;
use crate::error::RuleFailure;
use crate::finding::{Finding, Severity};
use crate::repository_input::{Bodies, ModelLocations, RepositoryInput, WorkloadFields};
use crate::ruleset::Rule;
use crate::Evaluator;

/// One repository violation as a rule returns it: where (an object id, a
/// kustomize file index, or a file path) and what.
#[derive(Debug, Deserialize)]
struct RepoViolation {
    msg: String,
    /// This violation's severity, when the rule's default does not fit it (a rule reports
    /// an error where the repository shows a reference is wrong, a warning where it only
    /// cannot see the object). A severity configured for the rule still wins.
    #[serde(default)]
    severity: Option<String>,
    #[serde(flatten)]
    place: RepoPlace,
    #[serde(default)]
    related: Vec<RepoRelated>,
}

/// A second place a violation names, with what it has to do with it.
#[derive(Debug, Deserialize)]
struct RepoRelated {
    #[serde(flatten)]
    place: RepoPlace,
    #[serde(default)]
    message: String,
}

/// Where a rule points: an object id, else a kustomize file index, else a file path (and
/// document index); with the field path inside it.
#[derive(Debug, Deserialize)]
struct RepoPlace {
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
}

/// Where a repository violation lands: file, document and the object it declares.
struct Target<'f> {
    file: &'f ParsedFile,
    document: Option<&'f Document>,
}

impl Evaluator<'_> {
    /// Whether any repository rule runs.
    pub fn has_repository_rules(&self) -> bool {
        self.active_repository_rules().next().is_some()
    }

    fn active_repository_rules(&self) -> impl Iterator<Item = &Rule> {
        self.rules.rules.iter().filter(|r| {
            r.meta.scope == crate::metadata::Scope::Repository && self.options.is_active(&r.meta)
        })
    }

    /// What the active repository rules read of workload bodies: the union of their
    /// declarations, or `None` (whole bodies) when one of them declares nothing.
    pub(crate) fn workload_fields(&self) -> Option<WorkloadFields> {
        let mut fields = WorkloadFields::default();
        for rule in self.active_repository_rules() {
            fields.add(rule.meta.workload_fields.as_deref()?);
        }
        Some(fields)
    }

    /// Evaluate every active repository rule once on `model`, built from `files` (the
    /// files of `root`, in the order the model indexes them) with `options`. The model
    /// is consumed: it is freed as soon as the rules' input exists.
    pub fn evaluate_repository(
        &self,
        model: RepoModel,
        files: &[&ParsedFile],
        root: &std::path::Path,
        options: &ModelOptions,
    ) -> Vec<Finding> {
        let rendered: BTreeMap<usize, &Node> = BTreeMap::new();
        self.evaluate_repository_rendered(
            model,
            files,
            root,
            options,
            &RenderedBodies {
                bodies: &rendered,
                locate: &|_, _| None,
            },
        )
    }

    /// [`Evaluator::evaluate_repository`] on a model some of whose objects are not
    /// their documents as written (what the clusters receive): repository rules see
    /// `rendered.bodies` for them, and their violations are placed by `rendered.locate`.
    pub fn evaluate_repository_rendered<S>(
        &self,
        model: RepoModel,
        files: &[&ParsedFile],
        root: &std::path::Path,
        options: &ModelOptions,
        rendered: &RenderedBodies<'_, S>,
    ) -> Vec<Finding> {
        if !self.has_repository_rules() {
            return Vec::new();
        }
        let bodies = match self.workload_fields() {
            Some(fields) => Bodies::Projected(fields),
            None => Bodies::Whole,
        };
        // A finding about an object the clusters receive names them, as a document
        // rule's finding on it does.
        let mut clusters: BTreeMap<usize, Vec<String>> = rendered
            .bodies
            .keys()
            .filter_map(|&id| Some((id, model.objects.get(id)?.clusters.clone())))
            .collect();
        let prepared = RepositoryInput::from_files(model, files, options, &bodies, rendered.bodies)
            .unwrap_or_else(|| {
                // A location that does not resolve: the reference form, from a full model
                // of the files as written (whose ids are not the rendered model's).
                clusters.clear();
                RepositoryInput::of_whole_model(&RepoModel::build(files, root, options))
            });
        let locations = prepared.locations();
        let relocate = |id: usize, path: &[PathSegment]| {
            let tree = rendered.bodies.get(&id)?;
            (rendered.locate)(tree, path)
        };
        let sites = Sites {
            locations: &locations,
            files,
            relocate: Some(&relocate),
            clusters: &clusters,
        };
        self.evaluate_repository_input(prepared.input.clone(), &sites)
    }

    /// [`Evaluator::evaluate_repository`] given the model as rules see it
    /// ([`crate::repository_input::repository_input`]) and where its objects were written;
    /// `relocate` places a field of an object whose body is not its document.
    pub(crate) fn evaluate_repository_input(
        &self,
        input: regorus::Value,
        sites: &Sites<'_, '_>,
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
                Some(Err(RuleFailure::TimedOut)) => Err(RuleFailure::TimedOut),
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
                Ok(value) => self.collect_repository(rule, sites, &value, &mut findings),
                // Worded as for documents (the raw message has nanosecond timings).
                Err(RuleFailure::TimedOut) => findings.push(repo_error(
                    rule,
                    &RuleFailure::TimedOut.reason(self.options.rule_timeout),
                )),
                Err(RuleFailure::Failed(message)) => findings.push(repo_error(rule, &message)),
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
    ) -> Result<regorus::Value, RuleFailure> {
        let engine = match engine {
            Some(engine) => engine,
            None => {
                let mut built = self.build_engine().map_err(RuleFailure::Failed)?;
                built.set_input(input.clone());
                engine.insert(built)
            }
        };
        engine
            .eval_rule(rule.entry.clone())
            .map_err(|e| RuleFailure::of_interpreter(&e))
    }

    fn collect_repository(
        &self,
        rule: &Rule,
        sites: &Sites<'_, '_>,
        value: &regorus::Value,
        findings: &mut Vec<Finding>,
    ) {
        let items: Vec<&regorus::Value> = match value {
            regorus::Value::Set(set) => set.iter().collect(),
            regorus::Value::Array(items) => items.iter().collect(),
            _ => return,
        };
        let configured = self.options.severity.get(&rule.meta.id).copied();
        for item in items {
            let parsed = serde_json::to_value(item)
                .ok()
                .and_then(|json| serde_json::from_value::<RepoViolation>(json).ok());
            let Some(v) = parsed else {
                findings.push(repo_error(rule, &format!("violation is not an object with `msg` and `object`, `kustomize_file` or `file`: {}", item.to_json_str().unwrap_or_default())));
                continue;
            };
            let own = match v.severity.as_deref().map(Severity::parse) {
                None => None,
                Some(Some(severity)) => Some(severity),
                Some(None) => {
                    findings.push(repo_error(
                        rule,
                        &format!(
                            "violation severity must be \"error\", \"warning\" or \"note\": {}",
                            v.msg
                        ),
                    ));
                    continue;
                }
            };
            let severity = configured.or(own).unwrap_or(rule.meta.severity);
            let Some(target) = resolve_target(sites.locations, sites.files, &v.place) else {
                findings.push(repo_error(
                    rule,
                    &format!("violation names no known object or file: {}", v.msg),
                ));
                continue;
            };
            let path = v
                .place
                .path
                .as_ref()
                .map(RawPath::segments)
                .unwrap_or_default();
            let place = sites.place(&target, v.place.object, &path);
            let related = v
                .related
                .iter()
                .filter_map(|r| {
                    let t = resolve_target(sites.locations, sites.files, &r.place)?;
                    let p = r
                        .place
                        .path
                        .as_ref()
                        .map(RawPath::segments)
                        .unwrap_or_default();
                    let place = sites.place(&t, r.place.object, &p);
                    Some(crate::finding::RelatedLocation {
                        file: place.file,
                        region: place.region,
                        message: r.message.clone(),
                    })
                })
                .collect();
            findings.push(Finding {
                rule: rule.meta.id.clone(),
                severity,
                message: v.msg,
                file: place.file,
                region: place.region,
                object: target.document.and_then(|d| d.object.clone()),
                path,
                related,
                effective_namespace: None,
                clusters: v
                    .place
                    .object
                    .and_then(|id| sites.clusters.get(&id).cloned())
                    .unwrap_or_default(),
            });
        }
    }
}

/// Places a field of an object whose body is not its document (`None`: it is).
type Relocate<'a> = &'a dyn Fn(usize, &[PathSegment]) -> Option<Place>;

/// The place of a field path of a rendered tree (`None` when unknown).
pub type LocateRendered<'a, S> = &'a dyn Fn(&Node<S>, &[PathSegment]) -> Option<Place>;

/// Object bodies repository rules see instead of the objects' documents, and where
/// their fields were written ([`Evaluator::evaluate_repository_rendered`]).
pub struct RenderedBodies<'a, S> {
    /// The tree of each object id whose body is not its document.
    pub bodies: &'a BTreeMap<usize, &'a Node<S>>,
    /// The place of a field path of one of those trees (`None` when unknown).
    pub locate: LocateRendered<'a, S>,
}

/// Where the violations of a repository rule land.
pub(crate) struct Sites<'l, 'f> {
    pub(crate) locations: &'l ModelLocations<'l>,
    pub(crate) files: &'l [&'f ParsedFile],
    pub(crate) relocate: Option<Relocate<'l>>,
    /// The clusters receiving each object the render produced, by object id: a
    /// violation about one of them names them (empty without rendering).
    pub(crate) clusters: &'l BTreeMap<usize, Vec<String>>,
}

impl Sites<'_, '_> {
    /// The place of `path` in the target: the rendered tree's origin for an object whose
    /// body is not its document, else the document's span.
    fn place(&self, target: &Target<'_>, object: Option<usize>, path: &[PathSegment]) -> Place {
        let rendered = self
            .relocate
            .zip(object)
            .and_then(|(relocate, id)| relocate(id, path));
        rendered.unwrap_or_else(|| Place {
            file: target.file.source.path.clone(),
            region: target
                .document
                .map(|d| target.file.source.region(d.locate(path).span)),
        })
    }
}

fn resolve_target<'f>(
    locations: &ModelLocations<'_>,
    files: &[&'f ParsedFile],
    place: &RepoPlace,
) -> Option<Target<'f>> {
    let doc_ref = match (place.object, place.kustomize_file, place.file.as_deref()) {
        (Some(id), _, _) => *locations.objects.get(id)?,
        (None, Some(k), _) => *locations.kustomize_files.get(k)?,
        (None, None, Some(path)) => {
            let index = files.iter().position(|f| f.source.repo_path == path)?;
            hubspoke_manifest::DocRef {
                file: index,
                document: place.document.unwrap_or(0),
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
        clusters: Vec::new(),
    }
}
