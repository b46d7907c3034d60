//! The command-line flags each cluster's bootstrap gives the Flux controllers,
//! which decide the multi-tenancy lockdown (`--no-cross-namespace-refs`,
//! `--default-service-account`): the patches of `<cluster>/flux-system/kustomization.yaml`,
//! the controllers' Deployments in that directory, and the cluster's FluxInstance
//! (its `spec.cluster.multitenant` and `spec.kustomize.patches`).

use std::collections::BTreeMap;

use serde_json::Value;

use super::bootstrap::FLUX_SYSTEM;
use super::kustomize::parse_patch_text;
use super::paths::{base_name, parent_dir};
use super::selector::Selector;
use super::types::RepoModel;
use super::{str_at, value_at, Builder};

/// The Flux controllers, by Deployment name.
const CONTROLLERS: [&str; 7] = [
    "source-controller",
    "kustomize-controller",
    "helm-controller",
    "notification-controller",
    "image-reflector-controller",
    "image-automation-controller",
    "source-watcher",
];

/// Controllers that refuse cross-namespace references under the Flux Operator's
/// multi-tenant profile (`spec.cluster.multitenant: true`).
const MULTITENANT_NO_CROSS_NAMESPACE: [&str; 6] = [
    "kustomize-controller",
    "helm-controller",
    "notification-controller",
    "image-reflector-controller",
    "image-automation-controller",
    "source-watcher",
];

/// Controllers that impersonate a default service account under that profile.
const MULTITENANT_DEFAULT_SERVICE_ACCOUNT: [&str; 2] = ["kustomize-controller", "helm-controller"];

/// Whether a JSON pointer names a container's `args` list (`…/containers/0/args`).
fn is_args_list(pointer: &str) -> bool {
    pointer.starts_with("/spec/template/spec/containers/") && pointer.ends_with("/args")
}

/// Whether a JSON pointer names one item of a container's `args` (`…/args/-`, `…/args/3`).
fn is_args_item(pointer: &str) -> bool {
    pointer.starts_with("/spec/template/spec/containers/")
        && pointer
            .rsplit_once('/')
            .is_some_and(|(list, _)| is_args_list(list))
}

/// The container args a patch adds: a JSON 6902 list (`add`/`replace` of an args item or
/// the whole list) or a strategic-merge Deployment (every container's `args`).
fn args_of_patch(patch: &Value, out: &mut Vec<String>) {
    let strings = |value: &Value, out: &mut Vec<String>| match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => {
            out.extend(items.iter().filter_map(Value::as_str).map(str::to_owned))
        }
        _ => {}
    };
    match patch {
        Value::Array(ops) => {
            for op in ops {
                if !matches!(str_at(op, &["op"]), Some("add" | "replace")) {
                    continue;
                }
                let (Some(pointer), Some(value)) = (str_at(op, &["path"]), op.get("value")) else {
                    continue;
                };
                if is_args_item(pointer) || is_args_list(pointer) {
                    strings(value, out);
                }
            }
        }
        Value::Object(_) => args_of_containers(patch, out),
        _ => {}
    }
}

/// Every container's `args` in a Deployment body.
fn args_of_containers(deployment: &Value, out: &mut Vec<String>) {
    let containers =
        value_at(deployment, &["spec", "template", "spec", "containers"]).and_then(Value::as_array);
    for container in containers.into_iter().flatten() {
        let args = container.get("args").and_then(Value::as_array);
        out.extend(
            args.into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned),
        );
    }
}

/// Add the args of `patches` (`(target, documents)` each) to the controllers they select.
fn add_patch_args<'v>(
    patches: impl Iterator<Item = (Option<&'v Value>, Vec<Value>)>,
    args: &mut BTreeMap<String, Vec<String>>,
) {
    for (target, values) in patches {
        for value in values {
            let selector = match target {
                Some(target) => Selector::from_target(target),
                None => match Selector::from_patch_object(&value) {
                    Some(selector) => selector,
                    None => continue,
                },
            };
            let mut added = Vec::new();
            args_of_patch(&value, &mut added);
            if added.is_empty() {
                continue;
            }
            for controller in CONTROLLERS {
                if selector.matches_controller(controller) {
                    args.entry(controller.to_owned())
                        .or_default()
                        .extend(added.iter().cloned());
                }
            }
        }
    }
}

impl Builder<'_> {
    /// [`Cluster::controller_args`](super::Cluster) of every cluster.
    pub(super) fn collect_controller_args(&self, model: &mut RepoModel) {
        let kustomize_by_file: BTreeMap<&str, usize> = model
            .kustomize_files
            .iter()
            .enumerate()
            .map(|(i, kf)| (kf.file.as_str(), i))
            .collect();
        // The args of the controllers' Deployments, by the directory they are in (one
        // pass over the objects). The model keeps a Deployment's metadata only: the
        // args are read from its document.
        let mut deployments: BTreeMap<String, Vec<(&str, Vec<String>)>> = BTreeMap::new();
        for (object, location) in model.objects.iter().zip(&model.locations) {
            if object.patch
                || object.group != "apps"
                || object.kind != "Deployment"
                || !CONTROLLERS.contains(&object.name.as_str())
            {
                continue;
            }
            let dir = parent_dir(&object.file);
            if base_name(&dir) != FLUX_SYSTEM {
                continue;
            }
            let Some(document) = self
                .files
                .get(location.file)
                .and_then(|f| f.documents.iter().find(|d| d.index == location.document))
            else {
                continue;
            };
            let mut found = Vec::new();
            args_of_containers(&document.root.to_json(), &mut found);
            deployments
                .entry(dir)
                .or_default()
                .push((object.name.as_str(), found));
        }
        let mut per_cluster: Vec<BTreeMap<String, Vec<String>>> = Vec::new();
        for cluster in &model.clusters {
            let mut args: BTreeMap<String, Vec<String>> = BTreeMap::new();
            if let Some(dir) = &cluster.directory {
                let flux_dir = format!("{dir}/{FLUX_SYSTEM}");
                // The controllers' own Deployments in the bootstrap directory ...
                for (name, deployment_args) in
                    deployments.get(flux_dir.as_str()).into_iter().flatten()
                {
                    args.entry((*name).to_owned())
                        .or_default()
                        .extend(deployment_args.iter().cloned());
                }
                // ... then the patches of its kustomization.yaml.
                let kustomization = ["kustomization.yaml", "kustomization.yml"]
                    .iter()
                    .find_map(|name| kustomize_by_file.get(format!("{flux_dir}/{name}").as_str()));
                if let Some(&k) = kustomization {
                    let patches = self.kustomize_patches(&model.kustomize_files[k]);
                    add_patch_args(patches.into_iter().map(|p| (p.target, p.values)), &mut args);
                }
            }
            for instance in &model.flux_instances {
                if instance.cluster.as_deref() != Some(cluster.name.as_str()) {
                    continue;
                }
                if let Some(account) = &instance.default_service_account {
                    for controller in MULTITENANT_NO_CROSS_NAMESPACE {
                        args.entry(controller.to_owned())
                            .or_default()
                            .push("--no-cross-namespace-refs=true".to_owned());
                    }
                    for controller in MULTITENANT_DEFAULT_SERVICE_ACCOUNT {
                        args.entry(controller.to_owned())
                            .or_default()
                            .push(format!("--default-service-account={account}"));
                    }
                }
                let patches = instance.kustomize_patches.iter().filter_map(|p| {
                    let text = p.get("patch").and_then(Value::as_str)?;
                    Some((p.get("target"), parse_patch_text(text)))
                });
                add_patch_args(patches, &mut args);
            }
            args.retain(|_, list| !list.is_empty());
            per_cluster.push(args);
        }
        for (cluster, args) in model.clusters.iter_mut().zip(per_cluster) {
            cluster.controller_args = args;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_come_from_json_patches_and_strategic_merges() {
        let mut out = Vec::new();
        args_of_patch(
            &serde_json::json!([
                {"op": "add", "path": "/spec/template/spec/containers/0/args/-", "value": "--no-cross-namespace-refs=true"},
                {"op": "add", "path": "/spec/template/spec/containers/0/args/0", "value": "--default-service-account=default"},
                {"op": "replace", "path": "/spec/template/spec/containers/0/args", "value": ["--a", 3]},
                {"op": "remove", "path": "/spec/template/spec/containers/0/args/1"},
                {"op": "add", "path": "/spec/template/spec/containers/0/env/-", "value": "--not-an-arg"},
                {"op": "add", "path": "/spec/template/spec/containers/0/args/-"},
                "not an operation"
            ]),
            &mut out,
        );
        args_of_patch(
            &serde_json::json!({"spec": {"template": {"spec": {"containers": [
                {"name": "manager", "args": ["--b"]}, {"name": "x", "args": "--c"}
            ]}}}}),
            &mut out,
        );
        assert_eq!(
            out,
            [
                "--no-cross-namespace-refs=true",
                "--default-service-account=default",
                "--a",
                "--b"
            ]
        );
    }
}
