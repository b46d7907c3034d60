//! What a lint run produces: findings with a rule, a severity and a place.

use serde::Serialize;

use crate::field_path::FieldPath;
use crate::object::ObjectMeta;
use crate::position::Region;
use crate::severity::Severity;

/// A second place that explains a finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct RelatedLocation {
    /// Display path of the file.
    pub file: String,
    /// Where in it, when known.
    pub region: Option<Region>,
    /// What this place has to do with the finding.
    pub message: String,
}

/// One finding of one rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Rule id (`PSS001`, `parse-error`, ...).
    pub rule: String,
    /// Severity after configuration.
    pub severity: Severity,
    /// What is wrong, naming the object.
    pub message: String,
    /// Display path of the file.
    pub file: String,
    /// Where in the file; `None` for problems with a whole file.
    pub region: Option<Region>,
    /// The object the finding is about, when it is about one.
    pub object: Option<ObjectMeta>,
    /// The field path the rule named (empty for file problems).
    pub path: FieldPath,
    /// Other places that explain it.
    pub related: Vec<RelatedLocation>,
    /// The namespace the object lands in, when the repository model knows it (its own, else
    /// the enclosing kustomization's or the reconciling Flux Kustomization's). Not reported:
    /// it keys the baseline, where two directories deploying the same manifest differ only by it.
    #[serde(skip)]
    pub effective_namespace: Option<String>,
    /// The clusters the finding applies to, sorted: set for findings on what the clusters
    /// receive (rendered objects, render problems), empty for a file judged as written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub clusters: Vec<String>,
}

impl Finding {
    /// A finding of `rule` in `file` with nothing else known yet: no place, object or path.
    pub fn new(
        rule: impl Into<String>,
        severity: Severity,
        message: impl Into<String>,
        file: impl Into<String>,
    ) -> Finding {
        Finding {
            rule: rule.into(),
            severity,
            message: message.into(),
            file: file.into(),
            region: None,
            object: None,
            path: FieldPath::new(),
            related: Vec::new(),
            effective_namespace: None,
            clusters: Vec::new(),
        }
    }

    /// The message as every output shows it: for a finding on what clusters receive, the
    /// clusters it applies to follow in brackets (`... [cluster: staging]`,
    /// `... [clusters: production, staging]`), since one finding stands for all of them.
    pub fn message_with_clusters(&self) -> std::borrow::Cow<'_, str> {
        match self.clusters.as_slice() {
            [] => std::borrow::Cow::Borrowed(&self.message),
            [cluster] => format!("{} [cluster: {cluster}]", self.message).into(),
            clusters => format!("{} [clusters: {}]", self.message, clusters.join(", ")).into(),
        }
    }

    /// The sort key every output uses: file, line, column, rule, message.
    pub fn sort_key(&self) -> (&str, u32, u32, &str, &str) {
        let (line, column) = self
            .region
            .map_or((0, 0), |r| (r.start.line, r.start.column));
        (&self.file, line, column, &self.rule, &self.message)
    }
}

/// Sort findings into the one canonical order and drop exact duplicates.
pub fn sort_findings(findings: &mut Vec<Finding>) {
    findings.sort_by(canonical_order);
    findings.dedup();
}

/// The one canonical order of findings ([`sort_findings`]); a parallel stable sort by
/// it gives the same order as `sort_findings`.
pub fn canonical_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    a.sort_key()
        .cmp(&b.sort_key())
        .then_with(|| a.region.cmp(&b.region))
        .then_with(|| a.path.cmp(&b.path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_names_the_clusters_a_finding_applies_to() {
        let mut finding = Finding::new("PSS001", Severity::Error, "privileged", "a.yaml");
        assert_eq!(finding.message_with_clusters(), "privileged");
        finding.clusters = vec!["production".to_owned()];
        assert_eq!(
            finding.message_with_clusters(),
            "privileged [cluster: production]"
        );
        finding.clusters.push("staging".to_owned());
        assert_eq!(
            finding.message_with_clusters(),
            "privileged [clusters: production, staging]"
        );
    }
}
