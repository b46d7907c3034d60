//! A report with every shape of finding, for the tests that compare the parallel
//! reporters with a serial rendering of the same report.

use std::collections::BTreeMap;
use std::sync::Arc;

use hubspoke_diagnostics::{
    Finding, ObjectMeta, Position, Region, RelatedLocation, RuleMeta, Severity, Summary,
};

use crate::Report;

/// The owned parts a [`Report`] borrows.
pub(crate) struct Sample {
    pub(crate) findings: Vec<Finding>,
    pub(crate) rules: Vec<RuleMeta>,
    pub(crate) sources: BTreeMap<String, Arc<str>>,
    pub(crate) summary: Summary,
}

impl Sample {
    pub(crate) fn report(&self) -> Report<'_> {
        Report {
            findings: &self.findings,
            rules: &self.rules,
            sources: &self.sources,
            summary: &self.summary,
            tool_version: "0.0.0",
            sarif_category: Some("fleet"),
            notes: &[],
        }
    }
}

const TEXT: &str =
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ünï \"web\"\nspec:\n  replicas: 1\n";

fn position(text: &str, offset: usize) -> Position {
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let in_line = &before[line_start..];
    Position {
        line: before.matches('\n').count() as u32 + 1,
        column: in_line.chars().count() as u32 + 1,
        column_utf16: in_line.encode_utf16().count() as u32 + 1,
        offset,
    }
}

fn region(text: &str, needle: &str) -> Option<Region> {
    let start = text.find(needle)?;
    Some(Region {
        start: position(text, start),
        end: position(text, start + needle.len()),
    })
}

/// `count` findings cycling through: a located finding with an object and a field path,
/// one with related places in its own and another file, a whole-file problem, and one of
/// a rule the catalogue does not know (left out of SARIF); over several files.
pub(crate) fn sample(count: usize) -> Sample {
    let mut sources = BTreeMap::new();
    let mut findings = Vec::new();
    for n in 0..count {
        let file = format!("apps/app-{:03}.yaml", n / 4);
        sources
            .entry(file.clone())
            .or_insert_with(|| Arc::from(TEXT));
        let object = ObjectMeta {
            api_version: "apps/v1".to_owned(),
            kind: "Deployment".to_owned(),
            namespace: (n % 3 == 0).then(|| "team-a".to_owned()),
            name: Some("ünï \"web\"".to_owned()),
        };
        let finding = match n % 4 {
            0 => Finding {
                region: region(TEXT, "replicas: 1"),
                object: Some(object),
                path: "spec.replicas".parse().unwrap_or_default(),
                ..Finding::new(
                    "A001",
                    Severity::Error,
                    format!("finding {n}: one\nline more"),
                    &file,
                )
            },
            1 => Finding {
                region: region(TEXT, "ünï \"web\""),
                object: Some(object),
                path: "metadata.name".parse().unwrap_or_default(),
                related: vec![
                    RelatedLocation {
                        file: file.clone(),
                        region: region(TEXT, "kind: Deployment"),
                        message: "the kind".to_owned(),
                    },
                    RelatedLocation {
                        file: "clusters/hub/flux.yaml".to_owned(),
                        region: None,
                        message: "reconciled here".to_owned(),
                    },
                ],
                ..Finding::new("A002", Severity::Warning, format!("finding {n} ⚠"), &file)
            },
            2 => Finding::new(
                "parse-error",
                Severity::Note,
                format!("file {n} % 100"),
                &file,
            ),
            _ => Finding {
                region: region(TEXT, "spec:"),
                ..Finding::new("USER1", Severity::Error, format!("unknown rule {n}"), &file)
            },
        };
        findings.push(finding);
    }
    let rules = vec![
        RuleMeta::built_in(
            "A001",
            "first-rule",
            "t",
            Severity::Error,
            "One.",
            "Fix one.",
        ),
        RuleMeta::built_in(
            "A002",
            "second-rule",
            "t",
            Severity::Warning,
            "Two.",
            "Fix two.",
        ),
        RuleMeta::built_in(
            "parse-error",
            "parse-error",
            "input",
            Severity::Note,
            "P.",
            "Fix p.",
        ),
    ];
    let summary = Summary {
        files: count.div_ceil(4),
        findings: hubspoke_diagnostics::count_by_severity(&findings),
        ..Summary::default()
    };
    Sample {
        findings,
        rules,
        sources,
        summary,
    }
}

/// `render` of `sample` on a pool of each of several sizes, each compared with `serial`.
pub(crate) fn assert_same_on_every_pool(serial: &[u8], render: impl Fn() -> Vec<u8> + Sync) {
    for threads in [1, 2, 3, 8] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        let parallel = pool.install(&render);
        assert!(
            parallel == serial,
            "{threads} threads:\n{}\n---- serial ----\n{}",
            String::from_utf8_lossy(&parallel),
            String::from_utf8_lossy(serial)
        );
    }
}
