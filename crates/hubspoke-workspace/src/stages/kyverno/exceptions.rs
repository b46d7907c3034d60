//! Where each `PolicyException` exempts: like a policy, on the clusters the
//! repository model says it is delivered to (an exception in one spoke's
//! directory exempts that spoke's objects only), on every cluster when that is not
//! known or when it was given by path. An object whose clusters are unknown is
//! exempted by every exception, as every policy applies to it.
//!
//! Objects received by several clusters are evaluated once per group of clusters
//! sharing the same exceptions, so a finding names exactly the clusters where no
//! exception exempts it.

use std::collections::{BTreeMap, BTreeSet};

use hubspoke_kyverno::exception::PolicyException;

/// The exceptions that hold on each cluster.
pub(super) struct ExceptionScopes {
    /// The distinct sets of exceptions holding somewhere.
    sets: Vec<Vec<PolicyException>>,
    /// The set of each cluster some exception is delivered to.
    by_cluster: BTreeMap<String, usize>,
    /// The set of the other clusters: the exceptions delivered everywhere.
    elsewhere: usize,
    /// The set for an object whose clusters are unknown: every exception.
    unknown: usize,
}

/// Clusters sharing the same exceptions.
pub(super) struct ExceptionGroup<'a> {
    /// The exceptions holding there.
    pub exceptions: &'a [PolicyException],
    /// The clusters (empty: unknown).
    pub clusters: Vec<String>,
}

impl ExceptionScopes {
    /// Where each of `loaded` holds: on the clusters given with it (`None`: on every
    /// cluster).
    pub(super) fn new<E: AsRef<PolicyException>>(
        loaded: &[(E, Option<BTreeSet<String>>)],
    ) -> ExceptionScopes {
        let scopes: Vec<Option<&BTreeSet<String>>> =
            loaded.iter().map(|(_, s)| s.as_ref()).collect();
        let mut sets: Vec<Vec<usize>> = Vec::new();
        let mut intern = |members: Vec<usize>| match sets.iter().position(|s| *s == members) {
            Some(known) => known,
            None => {
                sets.push(members);
                sets.len() - 1
            }
        };
        let unknown = intern((0..loaded.len()).collect());
        let elsewhere = intern(
            scopes
                .iter()
                .enumerate()
                .filter(|(_, scope)| scope.is_none())
                .map(|(i, _)| i)
                .collect(),
        );
        let named: BTreeSet<&String> = scopes.iter().flatten().flat_map(|s| s.iter()).collect();
        let by_cluster = named
            .into_iter()
            .map(|cluster| {
                let members = scopes
                    .iter()
                    .enumerate()
                    .filter(|(_, scope)| scope.is_none_or(|s| s.contains(cluster)))
                    .map(|(i, _)| i)
                    .collect();
                (cluster.clone(), intern(members))
            })
            .collect();
        let sets = sets
            .into_iter()
            .map(|members| {
                members
                    .into_iter()
                    .map(|i| loaded[i].0.as_ref().clone())
                    .collect()
            })
            .collect();
        ExceptionScopes {
            sets,
            by_cluster,
            elsewhere,
            unknown,
        }
    }

    /// `clusters` (sorted) grouped by the exceptions holding there, in the order of
    /// their first cluster; one group with no cluster when they are unknown.
    pub(super) fn groups(&self, clusters: &[String]) -> Vec<ExceptionGroup<'_>> {
        if clusters.is_empty() {
            return vec![ExceptionGroup {
                exceptions: &self.sets[self.unknown],
                clusters: Vec::new(),
            }];
        }
        let mut groups: Vec<(usize, Vec<String>)> = Vec::new();
        for cluster in clusters {
            let set = self
                .by_cluster
                .get(cluster)
                .copied()
                .unwrap_or(self.elsewhere);
            match groups.iter_mut().find(|(s, _)| *s == set) {
                Some((_, members)) => members.push(cluster.clone()),
                None => groups.push((set, vec![cluster.clone()])),
            }
        }
        groups
            .into_iter()
            .map(|(set, clusters)| ExceptionGroup {
                exceptions: &self.sets[set],
                clusters,
            })
            .collect()
    }
}
