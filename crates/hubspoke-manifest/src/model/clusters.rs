//! The fleet: which directories are clusters, which cluster a path or a
//! kubeconfig secret leads to, the clusters every Flux Kustomization, HelmRelease
//! and file lands on (propagated along the Flux graph), and each cluster's labels.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde_json::Value;

use super::paths::{is_templated, parent_dir};
use super::types::{Cluster, FluxKustomization, KustomizeFile, ModelObject, RepoModel};
use super::Builder;

/// The files no kustomization.yaml lists: those below a directory holding a
/// kustomization.yaml (the nearest one at or above their own directory) that no
/// kustomization.yaml names as a resource, directly or through a directory without a
/// kustomization.yaml (whose files kustomize and Flux take whole). Only `candidates`
/// (files nothing applies) are judged.
fn unlisted_files<'f>(
    candidates: impl Iterator<Item = &'f String>,
    kustomize_files: &[KustomizeFile],
    kustomize_by_dir: &BTreeMap<String, usize>,
) -> BTreeSet<String> {
    let mut listed: BTreeSet<&str> = BTreeSet::new();
    for kf in kustomize_files {
        for r in &kf.references {
            if r.is_resource() && r.exists && !r.target.is_empty() {
                listed.insert(r.target.as_str());
            }
        }
    }
    let mut out = BTreeSet::new();
    'files: for file in candidates {
        if listed.contains(file.as_str()) {
            continue;
        }
        let mut dir = parent_dir(file);
        loop {
            if kustomize_by_dir.contains_key(&dir) {
                out.insert(file.clone());
                continue 'files;
            }
            // A directory named as a resource without its own kustomization.yaml:
            // kustomize and Flux take every file below it.
            if listed.contains(dir.as_str()) || dir == "." {
                continue 'files;
            }
            dir = parent_dir(&dir);
        }
    }
    out
}

impl Builder<'_> {
    /// The cluster a kubeconfig secret leads to: the secret's name without its
    /// `-kubeconfig` suffix when that is a known cluster; else the cluster
    /// directory the reconciled path lies in; else a `cluster_name` post-build
    /// substitution; else the object's namespace (the layout of
    /// fluxcd/flux2-hub-spoke-example: one namespace per spoke on the hub);
    /// else the secret's name without its suffix.
    pub(super) fn remote_cluster(
        &self,
        object: &ModelObject,
        secret: &str,
        path: Option<&str>,
    ) -> String {
        let from_secret = {
            let name = secret.strip_suffix("-kubeconfig-secret").unwrap_or(secret);
            name.strip_suffix("-kubeconfig").unwrap_or(name).to_owned()
        };
        if self.cluster_dirs.values().any(|c| *c == from_secret) {
            return from_secret;
        }
        if let Some(cluster) = path
            .filter(|p| !p.is_empty())
            .and_then(|p| self.cluster_of(p))
        {
            return cluster;
        }
        if let Some(map) = object
            .body
            .pointer("/spec/postBuild/substitute")
            .and_then(Value::as_object)
        {
            for (key, value) in map {
                let key = key.to_ascii_lowercase().replace('-', "_");
                if matches!(key.as_str(), "cluster_name" | "cluster") {
                    if let Some(v) = value.as_str().filter(|v| !v.is_empty() && !is_templated(v)) {
                        return v.to_owned();
                    }
                }
            }
        }
        let ns = object
            .effective_namespace
            .as_deref()
            .or(object.namespace.as_deref());
        if let Some(ns) =
            ns.filter(|ns| !matches!(*ns, "flux-system" | "default") && !is_templated(ns))
        {
            return ns.to_owned();
        }
        from_secret
    }

    /// The cluster whose directory holds `path` (a file or a directory).
    fn cluster_of(&self, path: &str) -> Option<String> {
        let mut p = path.to_owned();
        loop {
            if let Some(name) = self.cluster_dirs.get(&p) {
                return Some(name.clone());
            }
            if p == "." || p.is_empty() {
                return None;
            }
            p = parent_dir(&p);
        }
    }

    /// Cluster directories whose committed bootstrap syncs a path of this repository that
    /// does not exist (a template directory whose `cluster-name` setup scripts replace, as
    /// its sync path shows): no bootstrap reaches what the directory holds besides its
    /// `flux-system/`, so it lands on no cluster. HUB001 reports the bootstrap's path, once.
    fn stranded_cluster_directories(&self, model: &RepoModel) -> BTreeSet<String> {
        model
            .flux_kustomizations
            .iter()
            .filter(|fk| {
                fk.local_source
                    && self.is_bootstrap_kustomization(&model.objects[fk.object])
                    && fk
                        .path
                        .as_ref()
                        .is_some_and(|p| !p.exists && !p.escapes && !p.unresolved)
            })
            .map(|fk| parent_dir(&parent_dir(&model.objects[fk.object].file)))
            .filter(|dir| self.cluster_dirs.contains_key(dir))
            .collect()
    }

    /// The clusters of every Flux Kustomization (where it runs, where it applies),
    /// file, object, directory and HelmRelease: seeded by each cluster directory's
    /// `flux-system` and by each FluxInstance's sync, then propagated along the files each
    /// Kustomization applies; the files nothing applies that no kustomization.yaml lists
    /// (unapplied); and the clusters themselves, with their roles (hub, spoke, standalone).
    pub(super) fn assign_clusters(
        &self,
        model: &mut RepoModel,
        kustomize_by_dir: &BTreeMap<String, usize>,
    ) {
        let mut file_clusters: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut objects_in_file: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, fk) in model.flux_kustomizations.iter().enumerate() {
            objects_in_file
                .entry(model.objects[fk.object].file.clone())
                .or_default()
                .push(i);
        }
        let stranded = self.stranded_cluster_directories(model);
        let flux = &mut model.flux_kustomizations;
        let mut seen: BTreeSet<(usize, String)> = BTreeSet::new();
        let mut propagate =
            |queue: &mut VecDeque<(usize, String)>,
             flux: &mut Vec<FluxKustomization>,
             file_clusters: &mut BTreeMap<String, BTreeSet<String>>| {
                while let Some((fk_index, source_cluster)) = queue.pop_front() {
                    if !seen.insert((fk_index, source_cluster.clone())) {
                        continue;
                    }
                    let fk = &mut flux[fk_index];
                    let targets = if fk.remote.is_empty() {
                        vec![source_cluster.clone()]
                    } else {
                        fk.remote.clone()
                    };
                    push_unique(&mut fk.source_clusters, &source_cluster);
                    for target in &targets {
                        push_unique(&mut fk.target_clusters, target);
                    }
                    for file in &fk.files {
                        file_clusters
                            .entry(file.clone())
                            .or_default()
                            .extend(targets.iter().cloned());
                        for next in objects_in_file.get(file).into_iter().flatten() {
                            for target in &targets {
                                queue.push_back((*next, target.clone()));
                            }
                        }
                    }
                }
            };
        // Seed: a FluxInstance syncs its directory onto its cluster ...
        let mut queue: VecDeque<(usize, String)> = VecDeque::new();
        for instance in &mut model.flux_instances {
            let synced = instance
                .sync
                .as_ref()
                .and_then(|s| Self::synced_directory(s.path.as_ref()))
                .and_then(|dir| self.cluster_of(dir));
            instance.cluster =
                synced.or_else(|| self.cluster_of(&model.objects[instance.object].file));
            let Some(cluster) = &instance.cluster else {
                continue;
            };
            for file in &instance.files {
                file_clusters
                    .entry(file.clone())
                    .or_default()
                    .insert(cluster.clone());
                for next in objects_in_file.get(file).into_iter().flatten() {
                    queue.push_back((*next, cluster.clone()));
                }
            }
        }
        // ... and a cluster directory's flux-system is applied by that cluster's own Flux.
        for (i, fk) in flux.iter().enumerate() {
            let file = &model.objects[fk.object].file;
            if let Some(cluster) = self.cluster_of(file) {
                if parent_dir(file).ends_with("/flux-system") {
                    queue.push_back((i, cluster));
                }
            }
        }
        propagate(&mut queue, flux, &mut file_clusters);
        // Then the Flux Kustomizations of cluster directories that nothing reached
        // (a bootstrap whose gotk-sync.yaml is generated and not committed): first
        // those no Kustomization applies (the roots), then any left in a loop.
        let applied: BTreeSet<String> = flux
            .iter()
            .flat_map(|fk| fk.files.iter().cloned())
            .collect();
        for roots_only in [true, false] {
            for (i, fk) in flux.iter().enumerate() {
                let file = &model.objects[fk.object].file;
                if fk.source_clusters.is_empty()
                    && !(roots_only && applied.contains(file))
                    && !stranded.iter().any(|dir| stranded_file(file, dir))
                {
                    if let Some(cluster) = self.cluster_of(file) {
                        queue.push_back((i, cluster));
                    }
                }
            }
            propagate(&mut queue, flux, &mut file_clusters);
        }
        // Files nothing reaches that no kustomization.yaml lists are applied by
        // nothing; the others still belong to their cluster directory (their bootstrap
        // may be generated, or reach them through a source the model cannot follow).
        let mut unapplied = unlisted_files(
            model
                .files
                .iter()
                .filter(|f| !file_clusters.contains_key(*f)),
            &model.kustomize_files,
            kustomize_by_dir,
        );
        // Files the repository's `.sourceignore` keeps out of every artifact Flux builds
        // from it: no Kustomization can apply them.
        if let Some(ignored) = self.source_ignore() {
            unapplied.extend(
                model
                    .files
                    .iter()
                    .filter(|f| !file_clusters.contains_key(*f) && ignored(f))
                    .cloned(),
            );
        }
        // What only unapplied Flux Kustomizations would apply (one commented out of its
        // kustomization.yaml) is not applied either, down their chains.
        loop {
            let mut appliers: BTreeMap<&str, bool> = BTreeMap::new();
            for fk in flux.iter() {
                let live = !unapplied.contains(&model.objects[fk.object].file);
                for file in &fk.files {
                    *appliers.entry(file.as_str()).or_default() |= live;
                }
            }
            let orphans: Vec<String> = appliers
                .into_iter()
                .filter(|(file, live)| {
                    !live && !file_clusters.contains_key(*file) && !unapplied.contains(*file)
                })
                .map(|(file, _)| file.to_owned())
                .collect();
            if orphans.is_empty() {
                break;
            }
            unapplied.extend(orphans);
        }
        for file in &model.files {
            if !file_clusters.contains_key(file)
                && !unapplied.contains(file)
                && !stranded.iter().any(|dir| stranded_file(file, dir))
            {
                if let Some(cluster) = self.cluster_of(file) {
                    file_clusters
                        .entry(file.clone())
                        .or_default()
                        .insert(cluster);
                }
            }
        }
        for fk in flux.iter_mut() {
            if fk.source_clusters.is_empty() {
                let own: Vec<String> = file_clusters
                    .get(&model.objects[fk.object].file)
                    .into_iter()
                    .flatten()
                    .cloned()
                    .collect();
                fk.source_clusters = own.clone();
                fk.target_clusters = if fk.remote.is_empty() {
                    own
                } else {
                    fk.remote.clone()
                };
            }
            fk.source_clusters.sort();
            fk.target_clusters.sort();
        }
        let mut directory_clusters: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (file, clusters) in &file_clusters {
            if !clusters.is_empty() {
                directory_clusters
                    .entry(parent_dir(file))
                    .or_default()
                    .extend(clusters.iter().cloned());
            }
        }
        model.directory_clusters = directory_clusters
            .into_iter()
            .map(|(dir, clusters)| (dir, clusters.into_iter().collect()))
            .collect();
        for object in &mut model.objects {
            object.clusters = file_clusters
                .get(&object.file)
                .into_iter()
                .flatten()
                .cloned()
                .collect();
            object.unapplied = unapplied.contains(&object.file);
        }
        for hr in &mut model.helm_releases {
            hr.source_clusters = model.objects[hr.object].clusters.clone();
            hr.target_clusters = if hr.remote.is_empty() {
                hr.source_clusters.clone()
            } else {
                let mut remote = hr.remote.clone();
                remote.sort();
                remote
            };
        }
        // Clusters: every cluster directory and every kubeconfig target.
        let mut clusters: BTreeMap<String, Cluster> = BTreeMap::new();
        let ensure = |name: &str, clusters: &mut BTreeMap<String, Cluster>| {
            clusters.entry(name.to_owned()).or_insert_with(|| Cluster {
                name: name.to_owned(),
                role: "standalone".to_owned(),
                directory: None,
                reconciled_by: Vec::new(),
                kustomizations: Vec::new(),
                helm_releases: Vec::new(),
                labels: BTreeMap::new(),
                label_sources: Vec::new(),
                bootstrap: Vec::new(),
                controller_args: BTreeMap::new(),
                bootstrap_path_missing: false,
            });
        };
        for (dir, name) in &self.cluster_dirs {
            ensure(name, &mut clusters);
            if let Some(c) = clusters.get_mut(name) {
                if c.directory.get_or_insert_with(|| dir.clone()) == dir {
                    c.bootstrap_path_missing = stranded.contains(dir);
                }
            }
        }
        let mut hubs: BTreeSet<String> = BTreeSet::new();
        for (i, fk) in model.flux_kustomizations.iter().enumerate() {
            for target in &fk.target_clusters {
                ensure(target, &mut clusters);
                if let Some(c) = clusters.get_mut(target) {
                    c.kustomizations.push(i);
                    if !fk.remote.is_empty() {
                        c.reconciled_by.push(i);
                    }
                }
            }
            if !fk.remote.is_empty() {
                hubs.extend(fk.source_clusters.iter().cloned());
            }
            for patch in &fk.kubeconfig_patches {
                for target in &patch.clusters {
                    ensure(target, &mut clusters);
                    if let Some(c) = clusters.get_mut(target) {
                        if !c.reconciled_by.contains(&i) {
                            c.reconciled_by.push(i);
                        }
                    }
                }
            }
        }
        for (i, hr) in model.helm_releases.iter().enumerate() {
            for target in &hr.target_clusters {
                ensure(target, &mut clusters);
                if let Some(c) = clusters.get_mut(target) {
                    c.helm_releases.push(i);
                }
            }
            if !hr.remote.is_empty() {
                hubs.extend(hr.source_clusters.iter().cloned());
            }
        }
        // What bootstraps each cluster: its flux-system Kustomization, its FluxInstance.
        for fk in &model.flux_kustomizations {
            let object = &model.objects[fk.object];
            if self.is_bootstrap_kustomization(object) {
                if let Some(c) = self
                    .cluster_of(&object.file)
                    .and_then(|c| clusters.get_mut(&c))
                {
                    c.bootstrap.push(object.id);
                }
            }
        }
        for instance in &model.flux_instances {
            if let Some(c) = instance.cluster.as_ref().and_then(|c| clusters.get_mut(c)) {
                c.bootstrap.push(instance.object);
            }
        }
        for cluster in clusters.values_mut() {
            cluster.bootstrap.sort_unstable();
            cluster.bootstrap.dedup();
            cluster.reconciled_by.sort_unstable();
            cluster.role = if hubs.contains(&cluster.name) {
                "hub"
            } else if !cluster.reconciled_by.is_empty()
                || cluster
                    .helm_releases
                    .iter()
                    .any(|&h| !model.helm_releases[h].remote.is_empty())
            {
                "spoke"
            } else {
                "standalone"
            }
            .to_owned();
        }
        model.clusters = clusters.into_values().collect();
    }

    /// Each cluster's labels: the data and labels of its label ConfigMaps, and the
    /// `postBuild.substitute` of the Kustomizations applying to it; keys in kebab-case.
    pub(super) fn collect_cluster_labels(&self, model: &mut RepoModel) {
        let normalize_key = |k: &str| k.to_ascii_lowercase().replace('_', "-");
        // One pass over the label ConfigMaps, grouped by the clusters they land on.
        let mut from_configmaps: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for object in &model.objects {
            if object.kind == "ConfigMap"
                && object.group.is_empty()
                && !object.patch
                && self.options.cluster_label_configmaps.contains(&object.name)
            {
                for cluster in &object.clusters {
                    from_configmaps.entry(cluster).or_default().push(object.id);
                }
            }
        }
        let mut per_cluster: Vec<(BTreeMap<String, String>, Vec<usize>)> = Vec::new();
        for cluster in &model.clusters {
            let mut labels = BTreeMap::new();
            let mut sources = Vec::new();
            for &id in from_configmaps
                .get(cluster.name.as_str())
                .into_iter()
                .flatten()
            {
                let object = &model.objects[id];
                for field in [&["metadata", "labels"][..], &["data"][..]] {
                    let mut v = &object.body;
                    for key in field {
                        v = v.get(*key).unwrap_or(&Value::Null);
                    }
                    if let Some(map) = v.as_object() {
                        for (k, val) in map {
                            if let Some(s) = val.as_str() {
                                labels.insert(normalize_key(k), s.to_owned());
                            }
                        }
                    }
                }
                sources.push(object.id);
            }
            for &k in &cluster.kustomizations {
                let object = &model.objects[model.flux_kustomizations[k].object];
                if let Some(map) = object
                    .body
                    .pointer("/spec/postBuild/substitute")
                    .and_then(Value::as_object)
                {
                    for (key, val) in map {
                        if let Some(s) = val.as_str() {
                            labels.insert(normalize_key(key), s.to_owned());
                        }
                    }
                    sources.push(object.id);
                }
            }
            sources.sort_unstable();
            sources.dedup();
            per_cluster.push((labels, sources));
        }
        for (cluster, (labels, sources)) in model.clusters.iter_mut().zip(per_cluster) {
            cluster.labels = labels;
            cluster.label_sources = sources;
        }
    }
}

fn push_unique(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|x| x == item) {
        list.push(item.to_owned());
    }
}

/// A file of stranded cluster directory `dir` that its own `flux-system/` does not hold.
fn stranded_file(file: &str, dir: &str) -> bool {
    let inside = |d: &str| {
        file.strip_prefix(d)
            .is_some_and(|rest| rest.starts_with('/'))
    };
    inside(dir) && !inside(&format!("{dir}/flux-system"))
}
