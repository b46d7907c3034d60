//! Counts describing a run.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::finding::Finding;
use crate::severity::Severity;

/// Counts describing a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Files parsed.
    pub files: usize,
    /// YAML documents read.
    pub documents: usize,
    /// Documents that declare a Kubernetes object (the ones rules see).
    pub objects: usize,
    /// Documents without `apiVersion` and `kind`: counted, not linted.
    pub non_kubernetes_documents: usize,
    /// Rules enabled: of the rules `hubspoke-lint rules` lists (Rego rules, input,
    /// suppression and schema checks), those this run's settings turn on. With no
    /// configuration, the rules on by default.
    pub rules: usize,
    /// Enabled repository rules that did not run because no directory was linted (only
    /// files, or standard input): they need a repository tree.
    pub repository_rules_not_run: usize,
    /// Findings per severity.
    pub findings: BTreeMap<Severity, usize>,
    /// Findings hidden by suppressions.
    pub suppressed: usize,
    /// Findings hidden by the baseline.
    pub baselined: usize,
    /// Baseline entries no longer found.
    pub baseline_fixed: usize,
    /// What the render stage did; absent when rendering is off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub render: Option<RenderSummary>,
    /// Baseline entries neither found nor counted as fixed: they may be in a file that
    /// could not be parsed or read this time.
    pub baseline_unchecked: usize,
    /// Findings hidden by `--changed-since` (in files that did not change).
    pub unchanged: usize,
    /// The repository profile the rules ran with (`hub-spoke`, `multi-tenant`,
    /// `single-tenant`; several, comma-separated, when linted roots differ); absent when
    /// no repository model was built.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Why: `configured`, or what detection saw.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_reason: Option<String>,
}

/// What the render stage did (`Summary::render`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RenderSummary {
    /// Clusters rendered.
    pub clusters: usize,
    /// Objects the clusters receive (an object on two clusters counts twice).
    pub objects: usize,
    /// Distinct rendered objects the rules evaluated (identical ones on several clusters once).
    pub evaluated: usize,
    /// Files whose objects were judged as the clusters receive them.
    pub rendered_files: usize,
    /// Files declaring objects that no cluster renders, judged as written.
    pub unrendered_files: usize,
}

/// Findings per severity.
pub fn count_by_severity(findings: &[Finding]) -> BTreeMap<Severity, usize> {
    let mut counts = BTreeMap::new();
    for finding in findings {
        *counts.entry(finding.severity).or_insert(0) += 1;
    }
    counts
}
