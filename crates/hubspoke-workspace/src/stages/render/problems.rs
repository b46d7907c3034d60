//! What the render could not do: problems (bad input Flux or kustomize would fail
//! on, or silently accept) become findings `render/<problem>` at their line, naming
//! the clusters affected; what is unknown offline (remote bases, SOPS-encrypted
//! objects, other repositories' sources) becomes a note, never a finding.

use std::collections::BTreeMap;

use hubspoke_diagnostics::{Finding, Note};
use hubspoke_engine::EvalOptions;
use hubspoke_render::{problem_severity, ClusterRender};

use super::objects::RootFiles;

/// The render problems of `clusters` as findings, one per (rule, place, message) with
/// the clusters merged. Problems of rules the configuration turns off are dropped;
/// a configured severity replaces the problem's own.
pub(crate) fn problem_findings(
    clusters: &[ClusterRender],
    files: RootFiles<'_>,
    options: &EvalOptions,
) -> Vec<Finding> {
    type Key = (String, String, Option<hubspoke_diagnostics::Region>, String);
    let mut merged: BTreeMap<Key, Finding> = BTreeMap::new();
    for cluster in clusters {
        for problem in &cluster.problems {
            let rule = problem.code.rule_id();
            if options.disabled.contains(&rule) {
                continue;
            }
            let place = files.place(problem.origin);
            let key = (
                rule.clone(),
                place.file.clone(),
                place.region,
                problem.message.clone(),
            );
            let finding = merged.entry(key).or_insert_with(|| {
                let severity = options
                    .severity
                    .get(&rule)
                    .copied()
                    .unwrap_or_else(|| problem_severity(problem.kustomize_fails));
                let mut finding = Finding::new(rule, severity, &problem.message, place.file);
                finding.region = place.region;
                finding
            });
            if !finding.clusters.contains(&cluster.cluster) {
                finding.clusters.push(cluster.cluster.clone());
                finding.clusters.sort();
            }
        }
    }
    merged.into_values().collect()
}

/// The unknowns of `clusters` as notes, one per place and reason, naming the clusters.
pub(crate) fn unknown_notes(clusters: &[ClusterRender], files: RootFiles<'_>) -> Vec<Note> {
    type Key = (String, Option<hubspoke_diagnostics::Region>, String);
    let mut merged: BTreeMap<Key, Vec<String>> = BTreeMap::new();
    for cluster in clusters {
        for unknown in &cluster.unknowns {
            let place = files.place(unknown.origin);
            let clusters = merged
                .entry((place.file, place.region, unknown.reason.clone()))
                .or_default();
            if !clusters.contains(&cluster.cluster) {
                clusters.push(cluster.cluster.clone());
            }
        }
    }
    merged
        .into_iter()
        .map(|((file, region, reason), mut clusters)| {
            clusters.sort();
            let message = format!("{reason} (on {})", clusters.join(", "));
            Note::new(message, Some(file), region)
        })
        .collect()
}
