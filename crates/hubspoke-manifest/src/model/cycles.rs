//! Cycles of `dependsOn` between Flux Kustomizations and HelmReleases.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::references::shares_cluster;
use super::types::{index_key, RepoModel};

/// Strongly connected components of the `dependsOn` graph that are cycles
/// (Tarjan's algorithm, iterative, linear in objects and edges).
pub(super) fn dependency_cycles(model: &RepoModel) -> Vec<Vec<usize>> {
    let nodes: Vec<usize> = model
        .flux_kustomizations
        .iter()
        .map(|f| f.object)
        .chain(model.helm_releases.iter().map(|h| h.object))
        .collect();
    let mut edges: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for &id in &nodes {
        let object = &model.objects[id];
        let own_ns = object.effective_namespace.as_deref().unwrap_or("");
        let Some(entries) = object
            .body
            .pointer("/spec/dependsOn")
            .and_then(Value::as_array)
        else {
            continue;
        };
        for entry in entries {
            let Some(name) = entry.get("name").and_then(Value::as_str) else {
                continue;
            };
            let ns = entry
                .get("namespace")
                .and_then(Value::as_str)
                .unwrap_or(own_ns);
            let key = index_key(&object.group, &object.kind, ns, name);
            for &target in model.index.get(&key).into_iter().flatten() {
                if shares_cluster(object, &model.objects[target]) {
                    edges.entry(id).or_default().push(target);
                }
            }
        }
    }
    // Iterative Tarjan.
    let mut index_of: BTreeMap<usize, usize> = BTreeMap::new();
    let mut low: BTreeMap<usize, usize> = BTreeMap::new();
    let mut on_stack: BTreeSet<usize> = BTreeSet::new();
    let mut stack: Vec<usize> = Vec::new();
    let mut next = 0usize;
    let mut cycles = Vec::new();
    let empty = Vec::new();
    for &root in &nodes {
        if index_of.contains_key(&root) {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        index_of.insert(root, next);
        low.insert(root, next);
        next += 1;
        stack.push(root);
        on_stack.insert(root);
        while let Some(&mut (node, ref mut child)) = work.last_mut() {
            let successors = edges.get(&node).unwrap_or(&empty);
            if *child < successors.len() {
                let succ = successors[*child];
                *child += 1;
                if let Some(&i) = index_of.get(&succ) {
                    if on_stack.contains(&succ) {
                        let l = low[&node].min(i);
                        low.insert(node, l);
                    }
                } else {
                    index_of.insert(succ, next);
                    low.insert(succ, next);
                    next += 1;
                    stack.push(succ);
                    on_stack.insert(succ);
                    work.push((succ, 0));
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                let l = low[&parent].min(low[&node]);
                low.insert(parent, l);
            }
            if low[&node] == index_of[&node] {
                let mut component = Vec::new();
                while let Some(member) = stack.pop() {
                    on_stack.remove(&member);
                    component.push(member);
                    if member == node {
                        break;
                    }
                }
                let self_loop = edges.get(&node).is_some_and(|s| s.contains(&node));
                if component.len() > 1 || self_loop {
                    let key = |id: &usize| {
                        let o = &model.objects[*id];
                        (
                            o.effective_namespace.clone().unwrap_or_default(),
                            o.name.clone(),
                            o.kind.clone(),
                            *id,
                        )
                    };
                    component.sort_by_key(key);
                    cycles.push(component);
                }
            }
        }
    }
    cycles.sort();
    cycles
}
