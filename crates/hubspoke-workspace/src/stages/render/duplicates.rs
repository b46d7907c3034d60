//! One finding per problem: some render problems are problems an established rule
//! already reports at the same place (a Flux Kustomization's missing path is HUB001
//! and `render/flux-path-not-found`). The established rule id is the one users know,
//! configure, suppress and baseline, so the render's finding is dropped when that rule
//! reported at an overlapping place of the same file. When the rule did not report
//! (switched off, or blind to the case), the render's finding stays.

use hubspoke_diagnostics::{Finding, Region};

/// Render problem → the established rule that reports the same problem.
const SAME_PROBLEM: &[(&str, &str)] = &[
    ("render/flux-path-not-found", "HUB001"),
    ("render/kustomize-missing-file", "HUB002"),
    ("render/flux-substitute-from-missing", "HUB006"),
    ("render/kustomize-invalid-kustomization", "duplicate-key"),
    ("render/kustomize-id-conflict", "HUB016"),
];

/// Drop every render finding whose problem an established rule reports at an
/// overlapping place of the same file, giving that finding its clusters (the pipeline after a run; the editor after it
/// adds a buffer's own input problems to a repository pass's findings).
pub fn drop_reported_twice(findings: &mut Vec<Finding>) {
    let established = |rule: &str| {
        SAME_PROBLEM
            .iter()
            .find(|(render, _)| *render == rule)
            .map(|(_, established)| *established)
    };
    // Render finding → the established finding it repeats.
    let kept_by: Vec<Option<usize>> = findings
        .iter()
        .map(|finding| {
            let rule = established(&finding.rule)?;
            findings.iter().position(|other| {
                other.rule == rule
                    && other.file == finding.file
                    && overlap(other.region, finding.region)
            })
        })
        .collect();
    // The render knows which clusters the problem breaks: the kept finding names them.
    for (duplicate, kept) in kept_by.iter().enumerate() {
        let Some(kept) = *kept else {
            continue;
        };
        let clusters = findings[duplicate].clusters.clone();
        let target = &mut findings[kept].clusters;
        for cluster in clusters {
            if !target.contains(&cluster) {
                target.push(cluster);
            }
        }
        target.sort();
    }
    let mut keep = kept_by.iter().map(Option::is_none);
    findings.retain(|_| keep.next().unwrap_or(true));
}

/// Whether two places share a byte (or start at the same one); a finding on the
/// whole file (no region) shares nothing but another such finding.
fn overlap(a: Option<Region>, b: Option<Region>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => {
            a.start.offset == b.start.offset
                || (a.start.offset < b.end.offset && b.start.offset < a.end.offset)
        }
        (None, None) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use hubspoke_diagnostics::{Position, Severity};

    use super::*;

    fn at(rule: &str, file: &str, start: usize, end: usize) -> Finding {
        let mut finding = Finding::new(rule, Severity::Error, "m", file);
        let position = |offset: usize| Position {
            line: 1,
            column: 1,
            column_utf16: 1,
            offset,
        };
        finding.region = Some(Region {
            start: position(start),
            end: position(end),
        });
        finding
    }

    fn rules(findings: &[Finding]) -> Vec<(&str, &str)> {
        findings
            .iter()
            .map(|f| (f.rule.as_str(), f.file.as_str()))
            .collect()
    }

    #[test]
    fn the_render_finding_overlapping_its_established_rule_is_dropped() {
        let mut render = at("render/flux-substitute-from-missing", "a.yaml", 10, 40);
        render.clusters = vec!["staging".to_owned()];
        let mut findings = vec![
            render,
            at("HUB006", "a.yaml", 20, 30),
            at("render/kustomize-missing-file", "a.yaml", 50, 60),
            at("HUB002", "a.yaml", 50, 60),
        ];
        drop_reported_twice(&mut findings);
        assert_eq!(
            rules(&findings),
            vec![("HUB006", "a.yaml"), ("HUB002", "a.yaml")]
        );
        assert_eq!(findings[0].clusters, vec!["staging".to_owned()]);
        assert_eq!(findings[1].clusters, Vec::<String>::new());
    }

    #[test]
    fn a_render_finding_stays_elsewhere_or_without_its_established_rule() {
        let mut findings = vec![
            // Another place of the same file.
            at("render/flux-path-not-found", "a.yaml", 10, 20),
            at("HUB001", "a.yaml", 20, 30),
            // The same place of another file.
            at("render/kustomize-id-conflict", "a.yaml", 40, 50),
            at("HUB016", "b.yaml", 40, 50),
            // Another rule at the same place.
            at("render/kustomize-invalid-kustomization", "a.yaml", 60, 70),
            at("HUB002", "a.yaml", 60, 70),
        ];
        drop_reported_twice(&mut findings);
        assert_eq!(findings.len(), 6);
    }
}
