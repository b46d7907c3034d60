//! Name references (kustomize's `nameReference` and its back-reference
//! table): once prefixes, suffixes and hashes have renamed objects, every
//! field that names one of them by its old name — a volume's ConfigMap, an
//! `envFrom` Secret, a RoleBinding's `roleRef` and subjects… — is renamed too.

use std::collections::BTreeSet;

use hubspoke_manifest::yaml::NodeValue;

use crate::fieldspec::{self, CreateKind, FieldSpec, TransformerConfig};
use crate::origin::RNode;
use crate::problem::{ProblemCode, RenderProblem};
use crate::resid::{Gvk, ResId};
use crate::resource::{prefixes_suffixes_equal, BuildMeta, Resource};
use crate::tree::{self, scalar_text, string_node};

/// What name resolution needs to know about a possible referral.
struct Candidate {
    cur: ResId,
    prev: Vec<ResId>,
    org: ResId,
    build: BuildMeta,
    kind: String,
}

impl Candidate {
    fn of(resource: &Resource) -> Self {
        Candidate {
            cur: resource.cur_id(),
            prev: resource.prev_ids(),
            org: resource.org_id(),
            build: resource.build.clone(),
            kind: resource.kind().to_owned(),
        }
    }
}

/// Fix every back reference.
pub fn fix_back_references(
    resources: &mut [Resource],
    config: &TransformerConfig,
    problems: &mut Vec<RenderProblem>,
) {
    let candidates: Vec<Candidate> = resources.iter().map(Candidate::of).collect();
    if !candidates.iter().any(|c| !c.prev.is_empty()) {
        return;
    }
    for (index, resource) in resources.iter_mut().enumerate() {
        let referrer = &candidates[index];
        let mut filters: Vec<(&FieldSpec, &Gvk)> = Vec::new();
        for back in &config.name_reference {
            for spec in &back.referrers {
                if referrer.org.gvk.is_selected_by(&spec.gvk) {
                    filters.push((spec, &back.gvk));
                }
            }
        }
        if filters.is_empty() {
            continue;
        }
        let subset = referable_by(referrer, &resource.root, &candidates);
        for (spec, target) in filters {
            let role_ref = spec
                .path
                .ends_with("roleRef/name")
                .then(|| role_ref_gvk(&resource.root))
                .flatten();
            let resolver = Resolver {
                referrer,
                candidates: &candidates,
                subset: &subset,
                target,
                role_ref,
            };
            let origin = resource.source;
            let mut set = |node: &mut RNode| resolver.set(node);
            if let Err(message) = fieldspec::apply(
                &mut resource.root,
                spec,
                CreateKind::Nothing,
                origin,
                &mut set,
            ) {
                problems.push(RenderProblem::new(
                    origin,
                    ProblemCode::AmbiguousReference,
                    message,
                ));
            }
        }
    }
}

/// kustomize's `SubsetThatCouldBeReferencedByResource`.
fn referable_by(referrer: &Candidate, root: &RNode, candidates: &[Candidate]) -> Vec<usize> {
    if referrer.cur.cluster_scoped {
        return (0..candidates.len()).collect();
    }
    let mut role_binding_namespaces = BTreeSet::new();
    if referrer.kind == "RoleBinding" {
        if let Some(NodeValue::Seq(subjects)) = root.get("subjects").map(|s| &s.value) {
            for subject in subjects {
                if subject.get("kind").and_then(RNode::as_str) == Some("ServiceAccount") {
                    if let Some(ns) = subject.get("namespace").and_then(RNode::as_str) {
                        role_binding_namespaces.insert(ns.to_owned());
                    }
                }
            }
        }
    }
    candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            c.cur.cluster_scoped
                || c.cur.ns_equals(&referrer.cur)
                || role_binding_namespaces.contains(&c.cur.namespace)
        })
        .map(|(i, _)| i)
        .collect()
}

fn role_ref_gvk(root: &RNode) -> Option<Gvk> {
    let role_ref = root.get("roleRef")?;
    Some(Gvk {
        group: role_ref.get("apiGroup").and_then(scalar_text)?,
        version: String::new(),
        kind: role_ref.get("kind").and_then(scalar_text)?,
    })
}

struct Resolver<'c> {
    referrer: &'c Candidate,
    candidates: &'c [Candidate],
    subset: &'c [usize],
    target: &'c Gvk,
    role_ref: Option<Gvk>,
}

impl Resolver<'_> {
    fn set(&self, node: &mut RNode) -> Result<(), String> {
        match &mut node.value {
            NodeValue::Null => Ok(()),
            NodeValue::Map(_) => self.set_mapping(node),
            NodeValue::Seq(items) => {
                for item in items {
                    match item.value {
                        NodeValue::Null => {}
                        NodeValue::Map(_) => self.set_mapping(item)?,
                        NodeValue::Seq(_) => {
                            return Err("a name reference list holds a list".to_owned())
                        }
                        _ => self.set_scalar(item)?,
                    }
                }
                Ok(())
            }
            _ => self.set_scalar(node),
        }
    }

    fn set_scalar(&self, node: &mut RNode) -> Result<(), String> {
        let Some(old) = scalar_text(node) else {
            return Ok(());
        };
        let Some(referral) = self.select(&old, self.subset.to_vec(), false)? else {
            return Ok(());
        };
        let name = &self.candidates[referral].cur.name;
        if *name != old {
            *node = string_node(name.clone(), node.span);
        }
        Ok(())
    }

    fn set_mapping(&self, node: &mut RNode) -> Result<(), String> {
        let Some(old) = node.get("name").and_then(scalar_text) else {
            return Err("no `name` field in a name reference".to_owned());
        };
        let mut pool = self.subset.to_vec();
        if let Some(namespace) = node.get("namespace").and_then(scalar_text) {
            let by_original: Vec<usize> = pool
                .iter()
                .copied()
                .filter(|&i| {
                    !self.candidates[i].org.cluster_scoped
                        && self.candidates[i].org.effective_namespace() == namespace
                })
                .collect();
            pool = if by_original.is_empty() {
                pool.into_iter()
                    .filter(|&i| {
                        !self.candidates[i].cur.cluster_scoped
                            && self.candidates[i].cur.effective_namespace() == namespace
                    })
                    .collect()
            } else {
                by_original
            };
        }
        let Some(referral) = self.select(&old, pool, true)? else {
            return Ok(());
        };
        let cur = &self.candidates[referral].cur;
        if cur.name == old && cur.namespace.is_empty() {
            return Ok(());
        }
        let name_origin = node.get("name").map_or(node.span, |n| n.span);
        tree::set_field(node, "name", string_node(cur.name.clone(), name_origin));
        if !cur.namespace.is_empty() {
            let ns_origin = node.get("namespace").map_or(name_origin, |n| n.span);
            tree::set_field(
                node,
                "namespace",
                string_node(cur.namespace.clone(), ns_origin),
            );
        }
        Ok(())
    }

    /// kustomize's `selectReferral`.
    fn select(
        &self,
        old: &str,
        pool: Vec<usize>,
        with_namespace: bool,
    ) -> Result<Option<usize>, String> {
        let c = &self.candidates;
        let mut pool: Vec<usize> = pool
            .into_iter()
            .filter(|&i| c[i].prev.iter().any(|id| id.name == old))
            .filter(|&i| {
                c[i].prev
                    .iter()
                    .any(|id| id.gvk.is_selected_by(self.target))
            })
            .filter(|&i| match &self.role_ref {
                Some(gvk) => c[i].prev.iter().any(|id| id.gvk.is_selected_by(gvk)),
                None => true,
            })
            .filter(|&i| {
                self.referrer.cur.cluster_scoped
                    || c[i].cur.cluster_scoped
                    || c[i].kind == "ServiceAccount"
                    || self.referrer.cur.ns_equals(&c[i].cur)
            })
            .collect();
        if pool.len() == 1 {
            return Ok(pool.first().copied());
        }
        pool.retain(|&i| prefixes_suffixes_equal(&c[i].build, &self.referrer.build, true));
        if pool.len() > 1 {
            pool.retain(|&i| prefixes_suffixes_equal(&c[i].build, &self.referrer.build, false));
        }
        match pool.len() {
            0 => Ok(None),
            1 => Ok(pool.first().copied()),
            _ => {
                let first = &c[pool[0]].cur;
                let identical = pool.iter().all(|&i| {
                    c[i].cur.name == first.name
                        && (!with_namespace || c[i].cur.namespace == first.namespace)
                });
                if identical {
                    return Ok(pool.first().copied());
                }
                let ids: Vec<String> = pool.iter().map(|&i| c[i].cur.display()).collect();
                Err(format!(
                    "`{old}` could refer to several objects: {}",
                    ids.join(", ")
                ))
            }
        }
    }
}
