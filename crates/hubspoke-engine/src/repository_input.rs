//! The repository model as repository rules see it (`input`), built straight
//! from the parsed documents.

use std::collections::BTreeMap;

use hubspoke_manifest::yaml::{Node, NodeValue};
use hubspoke_manifest::{DocRef, ModelOptions, ObjectMeta, ParsedFile, RepoModel};
use regorus::Value;

use crate::convert::Sharer;

/// How much of each object body the input carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Bodies {
    /// Every body whole, as `hubspoke-lint graph` prints it: what a repository rule gets
    /// when it does not declare what it reads.
    Whole,
    /// Workload bodies cut to what the active repository rules declare they read of them
    /// (`workload_fields` in their metadata). Pod templates are most of a repository's
    /// YAML; on the generated 10,000-file repository this is the larger part of building
    /// the input (benches/README.md).
    Projected(WorkloadFields),
}

/// The fields of workload pod specs that repository rules read, from their
/// `workload_fields` declarations: `containers.<field>` for a field of every container
/// (of `initContainers`, `containers` and `ephemeralContainers`), `<key>` for a key of the
/// pod spec itself. The `projected_workloads_give_the_same_findings` test compares the
/// projection with whole bodies on every fixture.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct WorkloadFields {
    /// Keys of each container (`name` is always kept: it says which container it is).
    container: std::collections::BTreeSet<String>,
    /// Keys of the pod spec.
    pod: std::collections::BTreeSet<String>,
}

impl WorkloadFields {
    /// Add one rule's declaration.
    pub(crate) fn add(&mut self, declared: &[String]) {
        self.container.insert("name".to_owned());
        for field in declared {
            match field.strip_prefix("containers.") {
                Some(container_field) => {
                    let key = container_field.split('.').next().unwrap_or(container_field);
                    self.container.insert(key.to_owned());
                }
                None => {
                    let key = field.split('.').next().unwrap_or(field);
                    self.pod.insert(key.to_owned());
                }
            }
        }
    }
}

const CONTAINER_LISTS: [&str; 3] = ["initContainers", "containers", "ephemeralContainers"];

/// Where a workload kind keeps its pod spec (as `repo.pod_specs` in
/// policies/lib/repo.rego reads it); `None` for other kinds. This is Kubernetes'
/// layout, not what any rule reads: rules declare that in `workload_fields`.
fn pod_spec_path(meta: &ObjectMeta) -> Option<&'static [&'static str]> {
    match (meta.group(), meta.kind.as_str()) {
        ("", "Pod") => Some(&["spec"]),
        ("apps", "Deployment" | "DaemonSet" | "StatefulSet" | "ReplicaSet") | ("batch", "Job") => {
            Some(&["spec", "template", "spec"])
        }
        ("batch", "CronJob") => Some(&["spec", "jobTemplate", "spec", "template", "spec"]),
        _ => None,
    }
}

/// The repository model as rules see it, and where its objects were written:
/// all a violation's ids need once the model itself is gone.
pub(crate) struct RepositoryInput {
    pub(crate) input: Value,
    pub(crate) objects: Vec<DocRef>,
    pub(crate) kustomize_files: Vec<DocRef>,
}

impl RepositoryInput {
    /// The whole model through JSON: the reference form, for a model that still
    /// holds its bodies.
    pub(crate) fn of_whole_model(model: &RepoModel) -> RepositoryInput {
        RepositoryInput {
            input: repository_input(model),
            objects: model.locations.clone(),
            kustomize_files: model.kustomize_locations.clone(),
        }
    }

    pub(crate) fn locations(&self) -> ModelLocations<'_> {
        ModelLocations {
            objects: &self.objects,
            kustomize_files: &self.kustomize_files,
        }
    }
}

/// Where a model's objects and kustomize files were written: all a repository
/// violation's ids need, so the rest of the model can be freed before the rules run.
pub(crate) struct ModelLocations<'m> {
    pub(crate) objects: &'m [DocRef],
    pub(crate) kustomize_files: &'m [DocRef],
}

/// The whole model through JSON.
pub(crate) fn repository_input(model: &RepoModel) -> Value {
    Value::from(model.to_json())
}

impl RepositoryInput {
    /// [`RepositoryInput::of_whole_model`] for a model built from `files` (possibly
    /// with `ModelOptions::slim_bodies`), converting each body straight from its
    /// parsed document. `None` when a location does not resolve (then build a full
    /// model and use [`RepositoryInput::of_whole_model`]).
    ///
    /// Memory is the point (issue 9's peak RSS): the model's body copies are freed
    /// first and the model itself as soon as its value exists, so the allocator
    /// reuses both for the bodies converted after; on the generated 10,000-file
    /// repository one copy of every object is kept instead of three
    /// (benches/README.md).
    ///
    /// ConfigMaps other than cluster label ConfigMaps get only their
    /// `apiVersion`, `kind` and `metadata` ([`hubspoke_manifest::repository_rules_skip_data`]).
    ///
    /// An object id in `rendered` gets that tree as its body instead of its document
    /// (what the clusters receive, when the pipeline renders).
    pub(crate) fn from_files<S>(
        mut model: RepoModel,
        files: &[&ParsedFile],
        options: &ModelOptions,
        bodies: &Bodies,
        rendered: &BTreeMap<usize, &Node<S>>,
    ) -> Option<RepositoryInput> {
        let root = |doc_ref: &DocRef| {
            files
                .get(doc_ref.file)?
                .documents
                .iter()
                .find(|d| d.index == doc_ref.document)
        };
        let objects: Vec<_> = model.locations.iter().map(root).collect::<Option<_>>()?;
        let kustomize: Vec<_> = model
            .kustomize_locations
            .iter()
            .map(root)
            .collect::<Option<_>>()?;
        if objects.len() != model.objects.len() || kustomize.len() != model.kustomize_files.len() {
            return None;
        }
        for object in &mut model.objects {
            object.body = serde_json::Value::Null;
        }
        for file in &mut model.kustomize_files {
            file.body = serde_json::Value::Null;
        }
        let object_locations = std::mem::take(&mut model.locations);
        let kustomize_locations = std::mem::take(&mut model.kustomize_locations);
        let mut sharer = Sharer::default();
        let mut input = crate::serialize::to_value(&model, &mut sharer).ok()?;
        drop(model);
        let map = input.as_object_mut().ok()?;
        for (key, roots) in [("objects", objects), ("kustomize_files", kustomize)] {
            let Some(Ok(items)) = map.get_mut(&Value::from(key)).map(|v| v.as_array_mut()) else {
                continue;
            };
            for (id, (item, document)) in items.iter_mut().zip(roots).enumerate() {
                let Ok(fields) = item.as_object_mut() else {
                    continue;
                };
                let meta = document.object.as_ref();
                let body = match rendered.get(&id).filter(|_| key == "objects") {
                    Some(root) => body_of(*root, meta, options, bodies, &mut sharer),
                    None => body_of(&document.root, meta, options, bodies, &mut sharer),
                };
                fields.insert(Value::from("body"), body);
            }
        }
        Some(RepositoryInput {
            input,
            objects: object_locations,
            kustomize_files: kustomize_locations,
        })
    }
}

/// What repository rules see of one object's tree: its identity only, its projected
/// workload fields, or the whole of it.
fn body_of<S>(
    root: &Node<S>,
    meta: Option<&ObjectMeta>,
    options: &ModelOptions,
    bodies: &Bodies,
    sharer: &mut Sharer,
) -> Value {
    if meta.is_some_and(|m| hubspoke_manifest::repository_rules_skip_data(m, options)) {
        fields_of(root, sharer)
    } else if let (Bodies::Projected(fields), Some(path)) = (bodies, meta.and_then(pod_spec_path)) {
        workload(root, path, fields, sharer)
    } else {
        sharer.convert(root)
    }
}

/// The [`hubspoke_manifest::IDENTITY_FIELDS`] of a document.
fn fields_of<S>(root: &Node<S>, sharer: &mut Sharer) -> Value {
    let mut body = Value::new_object();
    if let Ok(fields) = body.as_object_mut() {
        for key in hubspoke_manifest::IDENTITY_FIELDS {
            if let Some(node) = root.get(key) {
                fields.insert(Value::from(key), sharer.convert(node));
            }
        }
    }
    body
}

/// [`fields_of`] plus, at `pod_spec_path`, the pod spec keys and the container fields of
/// `fields`. List positions are kept: findings point at `containers[i]`.
fn workload<S>(
    root: &Node<S>,
    pod_spec_path: &[&str],
    fields: &WorkloadFields,
    sharer: &mut Sharer,
) -> Value {
    let mut body = fields_of(root, sharer);
    let mut pod_spec = root;
    for key in pod_spec_path {
        match pod_spec.get(key) {
            Some(node) => pod_spec = node,
            None => return body,
        }
    }
    let mut projected = if matches!(pod_spec.value, NodeValue::Map(_)) {
        let mut projected = Value::new_object();
        if let Ok(projected_fields) = projected.as_object_mut() {
            for key in &fields.pod {
                if let Some(node) = pod_spec.get(key) {
                    projected_fields.insert(Value::from(key.as_str()), sharer.convert(node));
                }
            }
            for list in CONTAINER_LISTS {
                if let Some(node) = pod_spec.get(list) {
                    projected_fields.insert(
                        Value::from(list),
                        containers(node, &fields.container, sharer),
                    );
                }
            }
        }
        projected
    } else {
        sharer.convert(pod_spec)
    };
    for key in pod_spec_path[1..].iter().rev() {
        let mut parent = Value::new_object();
        if let Ok(fields) = parent.as_object_mut() {
            fields.insert(Value::from(*key), projected);
        }
        projected = parent;
    }
    if let Ok(fields) = body.as_object_mut() {
        fields.insert(Value::from(pod_spec_path[0]), projected);
    }
    body
}

fn containers<S>(
    list: &Node<S>,
    keys: &std::collections::BTreeSet<String>,
    sharer: &mut Sharer,
) -> Value {
    let NodeValue::Seq(items) = &list.value else {
        return sharer.convert(list);
    };
    let items = items
        .iter()
        .map(|item| {
            if !matches!(item.value, NodeValue::Map(_)) {
                return sharer.convert(item);
            }
            let mut container = Value::new_object();
            if let Ok(fields) = container.as_object_mut() {
                for key in keys {
                    if let Some(node) = item.get(key) {
                        fields.insert(Value::from(key.as_str()), sharer.convert(node));
                    }
                }
            }
            container
        })
        .collect::<Vec<_>>();
    Value::from(items)
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use hubspoke_manifest::{discover, read_and_parse, DiscoverOptions, ParseLimits};

    use super::*;
    use crate::evaluate::{EvalOptions, Evaluator};
    use crate::ruleset::RuleSet;

    /// Every sample repository: the fixture repositories and each repository
    /// rule's own pass/fail fixtures.
    fn repositories() -> Vec<PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut dirs: Vec<PathBuf> = [
            "hub-spoke",
            "hub-spoke-broken",
            "flux2-multi-tenancy-like",
            "flux2-hub-spoke-example-like",
            "bad-input",
        ]
        .iter()
        .map(|name| root.join("fixtures").join(name))
        .collect();
        let rule_fixtures = root.join("policies/hub-spoke/fixtures");
        for rule in std::fs::read_dir(&rule_fixtures).expect("rule fixtures") {
            for outcome in ["pass", "fail"] {
                let cases = rule.as_ref().expect("entry").path().join(outcome);
                for case in std::fs::read_dir(&cases).expect("fixture cases") {
                    dirs.push(case.expect("entry").path());
                }
            }
        }
        dirs.sort();
        dirs
    }

    #[test]
    fn projected_workloads_give_the_same_findings() {
        let rules = RuleSet::load(crate::policy::bundled_sources());
        let options = EvalOptions {
            enabled: rules.rules.iter().map(|r| r.meta.id.clone()).collect(),
            ..EvalOptions::default()
        };
        let evaluator = Evaluator::new(&rules, options);
        let projected = Bodies::Projected(
            evaluator
                .workload_fields()
                .expect("every bundled repository rule declares what it reads of workloads"),
        );
        let model_options = ModelOptions {
            slim_bodies: true,
            ..ModelOptions::default()
        };
        let mut compared = 0;
        for dir in repositories() {
            let discover_options = DiscoverOptions::new(&[], &[], u64::MAX, None).expect("globs");
            let discovery = discover(std::slice::from_ref(&dir), &discover_options);
            let parsed = read_and_parse(&discovery.files, ParseLimits::default());
            let files: Vec<_> = parsed.iter().collect();
            let findings = |bodies| {
                let model = RepoModel::build(&files, &dir, &model_options);
                let rendered: BTreeMap<usize, &Node> = BTreeMap::new();
                let prepared =
                    RepositoryInput::from_files(model, &files, &model_options, bodies, &rendered)
                        .expect("every location resolves");
                let sites = crate::evaluate::repository::Sites {
                    locations: &prepared.locations(),
                    files: &files,
                    relocate: None,
                    clusters: &BTreeMap::new(),
                };
                evaluator.evaluate_repository_input(prepared.input.clone(), &sites)
            };
            let whole = findings(&Bodies::Whole);
            assert_eq!(whole, findings(&projected), "{}", dir.display());
            compared += whole.len();
        }
        assert!(compared > 50, "only {compared} findings compared");
    }

    #[test]
    fn workloads_keep_only_what_rules_declare_at_their_positions() {
        let text = "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: nightly}\nspec:\n  schedule: '@daily'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          volumes: [{name: v}]\n          containers:\n            - name: a\n              image: a:1\n              args: [--x]\n              env: [{name: E, value: v}]\n            - not-a-map\n";
        let parsed =
            hubspoke_manifest::parse_text("cron.yaml", "cron.yaml", text, ParseLimits::default());
        let document = &parsed.documents[0];
        let meta = document.object.as_ref().expect("an object");
        let mut fields = WorkloadFields::default();
        fields.add(&["containers.image".to_owned(), "containers.args".to_owned()]);
        let body = workload(
            &document.root,
            pod_spec_path(meta).expect("a workload"),
            &fields,
            &mut Sharer::default(),
        );
        let expected = Value::from_json_str(
            r#"{"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "nightly"},
                "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [
                    {"name": "a", "image": "a:1", "args": ["--x"]}, "not-a-map"]}}}}}}"#,
        )
        .expect("json");
        assert_eq!(body, expected);
    }
}
