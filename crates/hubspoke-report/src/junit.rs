//! `--format junit`: JUnit XML for CI systems that show test reports. Each file
//! with findings is a test suite; each finding a failed test case named by
//! rule and position. A clean run is one passing test case.

use std::collections::BTreeMap;
use std::io;

use hubspoke_diagnostics::Finding;
use quick_junit::{NonSuccessKind, Report as JunitReport, TestCase, TestCaseStatus, TestSuite};

use crate::{Report, ReportError};

pub(crate) fn write(report: &Report<'_>, out: &mut dyn io::Write) -> Result<(), ReportError> {
    let mut junit = JunitReport::new("hubspoke-lint");
    let mut by_file: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in report.findings {
        by_file.entry(f.file.as_str()).or_default().push(f);
    }
    if by_file.is_empty() {
        let mut suite = TestSuite::new("hubspoke-lint");
        suite.add_test_case(TestCase::new("no findings", TestCaseStatus::success()));
        junit.add_test_suite(suite);
    }
    for (file, findings) in by_file {
        let mut suite = TestSuite::new(file);
        for f in findings {
            let position = f.region.map_or_else(String::new, |r| {
                format!(":{}:{}", r.start.line, r.start.column)
            });
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status.set_message(f.message.clone());
            status.set_type(f.severity.as_str());
            let help = crate::rule_meta(report, &f.rule)
                .map(|m| m.help.clone())
                .unwrap_or_default();
            status.set_description(format!(
                "{}{position}: {} [{}]\n{help}",
                f.file, f.message, f.rule
            ));
            let mut case = TestCase::new(format!("{}{position} {}", f.rule, f.file), status);
            case.set_classname(f.rule.clone());
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    junit
        .serialize(&mut *out)
        .map_err(|e| ReportError::Render(e.to_string()))?;
    out.write_all(b"\n")?;
    Ok(())
}
