//! Patches that add a `spec.kubeConfig` (in a Flux Kustomization's `spec.patches`
//! or a kustomization.yaml): the HelmReleases and Kustomizations they target then
//! reconcile the cluster of that kubeconfig.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::kustomize::parse_patch_text;
use super::selector::Selector;
use super::types::{KubeconfigPatch, Origin, RepoModel, FLUX_HELM_GROUP, FLUX_KUSTOMIZE_GROUP};
use super::{str_at, Builder};

/// The secret a kustomize patch gives as `spec.kubeConfig.secretRef.name`:
/// a JSON 6902 list (`add`/`replace` of `/spec/kubeConfig`, its `secretRef` or
/// the name) or a strategic-merge object.
fn kubeconfig_secret_of_patch(patch: &Value) -> Option<String> {
    match patch {
        Value::Array(ops) => ops.iter().find_map(|op| {
            if !matches!(str_at(op, &["op"]), Some("add" | "replace")) {
                return None;
            }
            let value = op.get("value")?;
            let name = match str_at(op, &["path"])? {
                "/spec/kubeConfig" => str_at(value, &["secretRef", "name"]),
                "/spec/kubeConfig/secretRef" => str_at(value, &["name"]),
                "/spec/kubeConfig/secretRef/name" => value.as_str(),
                _ => None,
            }?;
            Some(name.to_owned())
        }),
        Value::Object(_) => {
            str_at(patch, &["spec", "kubeConfig", "secretRef", "name"]).map(str::to_owned)
        }
        _ => None,
    }
}

impl Builder<'_> {
    /// The patches that add a kubeConfig, of Flux Kustomizations (`spec.patches`)
    /// and of kustomization.yaml files: the HelmReleases and Kustomizations they
    /// target then reconcile the cluster of that kubeconfig.
    pub(super) fn apply_kubeconfig_patches(
        &self,
        model: &mut RepoModel,
        kustomize_by_dir: &BTreeMap<String, usize>,
    ) {
        struct Found {
            origin: Origin,
            secret: String,
            selector: Selector,
            files: Vec<String>,
            reconciled_path: Option<String>,
        }
        let mut found: Vec<Found> = Vec::new();
        for fk in &model.flux_kustomizations {
            let object = &model.objects[fk.object];
            let Some(patches) = object
                .body
                .pointer("/spec/patches")
                .and_then(Value::as_array)
            else {
                continue;
            };
            for (i, p) in patches.iter().enumerate() {
                let Some(text) = p.get("patch").and_then(Value::as_str) else {
                    continue;
                };
                for value in parse_patch_text(text) {
                    if let Some(secret) = kubeconfig_secret_of_patch(&value) {
                        let selector = match p.get("target") {
                            Some(target) => Selector::from_target(target),
                            None => match Selector::from_patch_object(&value) {
                                Some(s) => s,
                                None => continue,
                            },
                        };
                        found.push(Found {
                            origin: Origin {
                                object: Some(fk.object),
                                kustomize_file: None,
                                path: vec![
                                    Value::from("spec"),
                                    Value::from("patches"),
                                    Value::from(i),
                                ],
                            },
                            secret,
                            selector,
                            files: fk.files.clone(),
                            reconciled_path: fk.path.as_ref().map(|p| p.target.clone()),
                        });
                    }
                }
            }
        }
        for (k, kf) in model.kustomize_files.iter().enumerate() {
            let patches = self.kustomize_patches(kf);
            let mut files: Option<Vec<String>> = None;
            for patch in patches {
                let (path, target) = (patch.path, patch.target);
                for value in patch.values {
                    let Some(secret) = kubeconfig_secret_of_patch(&value) else {
                        continue;
                    };
                    let selector = match target {
                        Some(t) => Selector::from_target(t),
                        None => match Selector::from_patch_object(&value) {
                            Some(s) => s,
                            None => continue,
                        },
                    };
                    let files = files
                        .get_or_insert_with(|| self.applied_files(&kf.dir, kustomize_by_dir, model))
                        .clone();
                    found.push(Found {
                        origin: Origin {
                            object: None,
                            kustomize_file: Some(k),
                            path: path.clone(),
                        },
                        secret,
                        selector,
                        files,
                        reconciled_path: Some(kf.dir.clone()),
                    });
                }
            }
        }
        if found.is_empty() {
            return;
        }
        let mut objects_by_file: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for o in model.objects.iter().filter(|o| !o.patch) {
            objects_by_file
                .entry(o.file.as_str())
                .or_default()
                .push(o.id);
        }
        let fk_of: BTreeMap<usize, usize> = model
            .flux_kustomizations
            .iter()
            .enumerate()
            .map(|(i, fk)| (fk.object, i))
            .collect();
        let hr_of: BTreeMap<usize, usize> = model
            .helm_releases
            .iter()
            .enumerate()
            .map(|(i, hr)| (hr.object, i))
            .collect();
        let mut records = Vec::new();
        for f in found {
            let mut objects = Vec::new();
            let mut clusters = BTreeSet::new();
            for file in &f.files {
                for &id in objects_by_file.get(file.as_str()).into_iter().flatten() {
                    let object = &model.objects[id];
                    let is_flux = (object.group == FLUX_HELM_GROUP && object.kind == "HelmRelease")
                        || (object.group == FLUX_KUSTOMIZE_GROUP && object.kind == "Kustomization");
                    if !is_flux || !f.selector.matches(object) {
                        continue;
                    }
                    let cluster =
                        self.remote_cluster(object, &f.secret, f.reconciled_path.as_deref());
                    clusters.insert(cluster.clone());
                    objects.push(id);
                    let (secret, from, remote) = if let Some(&h) = hr_of.get(&id) {
                        let hr = &mut model.helm_releases[h];
                        (
                            &mut hr.kubeconfig_secret,
                            &mut hr.kubeconfig_from,
                            &mut hr.remote,
                        )
                    } else if let Some(&k) = fk_of.get(&id) {
                        let fk = &mut model.flux_kustomizations[k];
                        (
                            &mut fk.kubeconfig_secret,
                            &mut fk.kubeconfig_from,
                            &mut fk.remote,
                        )
                    } else {
                        continue;
                    };
                    if secret.is_none() {
                        *secret = Some(f.secret.clone());
                        *from = Some(f.origin.clone());
                    }
                    if !remote.contains(&cluster) {
                        remote.push(cluster);
                    }
                }
            }
            records.push((
                f.origin,
                KubeconfigPatch {
                    secret: f.secret,
                    path: Vec::new(),
                    objects,
                    clusters: clusters.into_iter().collect(),
                },
            ));
        }
        for (origin, mut record) in records {
            record.path = origin.path;
            if let Some(id) = origin.object {
                if let Some(&k) = fk_of.get(&id) {
                    model.flux_kustomizations[k].kubeconfig_patches.push(record);
                }
            } else if let Some(k) = origin.kustomize_file {
                model.kustomize_files[k].kubeconfig_patches.push(record);
            }
        }
    }
}
