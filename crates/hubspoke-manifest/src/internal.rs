//! Containing a bug: a panic while processing one file (or one repository root)
//! becomes an `internal-error` problem on it, so the rest of the run is still
//! reported. Also the test-only hook that provokes such a panic on purpose, compiled
//! in only with the `test-panic` cargo feature.

use std::any::Any;

use crate::problem::{FileProblem, ProblemCode};

/// Environment variable that makes one stage panic on purpose, read only by a
/// build with the `test-panic` cargo feature.
///
/// **Test-only**: the CLI tests set it to prove that a panic is reported on the
/// file or root being processed while the other results are kept. It is not a
/// user setting and is not documented to users. Values:
/// - `parse:<file>`: panic while parsing the file whose name or display path is `<file>`;
/// - `schema:<file>`: panic while validating that file against the schemas;
/// - `model`: panic while building the repository model of every root;
/// - `repository`: panic while running the repository rules of every root.
#[doc(hidden)]
pub const TEST_PANIC_VAR: &str = "HUBSPOKE_LINT_TEST_PANIC";

/// Panic when [`TEST_PANIC_VAR`] names this `stage` (and `subject`, a display
/// path, when the value has one). Test-only: the `test-panic` feature, which the
/// binary's tests turn on (`hubspoke-lint`'s dev-dependencies); without it this is
/// empty and no environment variable is read.
#[cfg(feature = "test-panic")]
#[doc(hidden)]
pub fn test_panic_point(stage: &str, subject: &str) {
    static TRIGGER: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let Some(trigger) = TRIGGER.get_or_init(|| std::env::var(TEST_PANIC_VAR).ok()) else {
        return;
    };
    let (wanted_stage, wanted_subject) = match trigger.split_once(':') {
        Some((stage, subject)) => (stage, Some(subject)),
        None => (trigger.as_str(), None),
    };
    if wanted_stage != stage {
        return;
    }
    let file_name = subject.rsplit('/').next().unwrap_or(subject);
    if wanted_subject.is_none_or(|wanted| wanted == subject || wanted == file_name) {
        panic!("{TEST_PANIC_VAR} asked for a panic while {stage} {subject}");
    }
}

/// Without the `test-panic` feature (every normal build): nothing.
#[cfg(not(feature = "test-panic"))]
#[doc(hidden)]
#[inline(always)]
pub fn test_panic_point(_stage: &str, _subject: &str) {}

/// The message a panic carried (`panic!` gives a `&str` or a `String`).
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_owned())
}

/// The `internal-error` problem for a panic caught while `doing` something
/// (a phrase such as "parsing this file").
pub fn internal_problem(doing: &str, payload: &(dyn Any + Send)) -> FileProblem {
    FileProblem::whole_file(
        ProblemCode::Internal,
        format!(
            "internal error while {doing} (panic: {}); the other results are reported; please report this bug",
            panic_message(payload)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_panic_message_is_kept_for_both_payload_types() {
        let literal = std::panic::catch_unwind(|| panic!("plain")).expect_err("panics");
        let formatted = std::panic::catch_unwind(|| panic!("with {}", "args")).expect_err("panics");
        assert_eq!(panic_message(literal.as_ref()), "plain");
        assert_eq!(panic_message(formatted.as_ref()), "with args");
        assert_eq!(
            internal_problem("parsing this file", literal.as_ref()).message,
            "internal error while parsing this file (panic: plain); the other results are reported; please report this bug"
        );
    }
}
