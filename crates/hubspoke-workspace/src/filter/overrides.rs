//! Per-path rule settings (`overrides:` in the configuration file): a rule
//! switched off or given another severity for the files some globs match.
//! They apply to findings after evaluation, so that one evaluation serves
//! every path; a rule switched on only for some paths runs everywhere and
//! is switched off for the rest by an earlier entry.

use std::collections::BTreeMap;

use globset::GlobSet;

use hubspoke_diagnostics::{Finding, Severity};

/// What one override entry sets for one rule.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RuleOverride {
    /// `Some(false)`: findings of the rule on matching files are dropped; `Some(true)`: kept.
    pub enabled: Option<bool>,
    /// The severity of the rule's findings on matching files.
    pub severity: Option<Severity>,
}

/// One entry: rule settings for the files its globs match.
#[derive(Debug, Clone)]
pub struct PathOverride {
    /// Globs over the display paths of findings.
    pub files: GlobSet,
    /// Settings by rule id.
    pub rules: BTreeMap<String, RuleOverride>,
}

/// Apply overrides in order (a later entry wins over an earlier one): drop the findings
/// of rules switched off for their file, and set the severity of the others.
pub fn apply_overrides(findings: Vec<Finding>, overrides: &[PathOverride]) -> Vec<Finding> {
    if overrides.is_empty() {
        return findings;
    }
    findings
        .into_iter()
        .filter_map(|mut finding| {
            let mut enabled = true;
            for entry in overrides {
                let Some(setting) = entry.rules.get(&finding.rule) else {
                    continue;
                };
                if !entry.files.is_match(&finding.file) {
                    continue;
                }
                if let Some(on) = setting.enabled {
                    enabled = on;
                }
                if let Some(severity) = setting.severity {
                    finding.severity = severity;
                }
            }
            enabled.then_some(finding)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(rule: &str, file: &str) -> Finding {
        Finding {
            rule: rule.to_owned(),
            severity: Severity::Error,
            message: String::new(),
            file: file.to_owned(),
            region: None,
            object: None,
            path: Default::default(),
            related: Vec::new(),
            effective_namespace: None,
            clusters: Vec::new(),
        }
    }

    fn entry(glob: &str, rule: &str, setting: RuleOverride) -> PathOverride {
        let mut files = globset::GlobSetBuilder::new();
        files.add(globset::Glob::new(glob).expect("glob"));
        PathOverride {
            files: files.build().expect("set"),
            rules: BTreeMap::from([(rule.to_owned(), setting)]),
        }
    }

    #[test]
    fn later_entries_win_and_only_matching_files_change() {
        let off = RuleOverride {
            enabled: Some(false),
            severity: None,
        };
        let on_as_note = RuleOverride {
            enabled: Some(true),
            severity: Some(Severity::Note),
        };
        let overrides = [
            entry("legacy/**", "A", off),
            entry("legacy/keep/**", "A", on_as_note),
        ];
        let kept = apply_overrides(
            vec![
                finding("A", "legacy/x.yaml"),
                finding("A", "legacy/keep/y.yaml"),
                finding("A", "apps/z.yaml"),
                finding("B", "legacy/x.yaml"),
            ],
            &overrides,
        );
        let summary: Vec<(&str, &str, Severity)> = kept
            .iter()
            .map(|f| (f.rule.as_str(), f.file.as_str(), f.severity))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("A", "legacy/keep/y.yaml", Severity::Note),
                ("A", "apps/z.yaml", Severity::Error),
                ("B", "legacy/x.yaml", Severity::Error),
            ]
        );
    }
}
