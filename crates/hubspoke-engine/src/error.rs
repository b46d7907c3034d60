//! Errors that stop a run at the engine layer.

use std::path::PathBuf;

/// An error loading policies that the run cannot go on without.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A policy directory could not be read.
    #[error("cannot read policy directory {path}: {source}")]
    PolicyDir {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Why one rule produced no result on one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RuleFailure {
    /// It ran past the per-rule time limit (`--rule-timeout-ms`).
    TimedOut,
    /// It failed, with the engine's reason.
    Failed(String),
}

impl RuleFailure {
    /// A failure of the tree-walking interpreter (its errors are `anyhow` chains; the time
    /// limit is a [`regorus::LimitError`] somewhere in the chain).
    pub(crate) fn of_interpreter(error: &anyhow::Error) -> RuleFailure {
        let timed_out = error.chain().any(|cause| {
            matches!(
                cause.downcast_ref::<regorus::LimitError>(),
                Some(regorus::LimitError::TimeLimitExceeded { .. })
            )
        });
        if timed_out {
            RuleFailure::TimedOut
        } else {
            RuleFailure::Failed(error.to_string())
        }
    }

    /// A failure of the bytecode VM.
    pub(crate) fn of_vm(error: &regorus::rvm::vm::VmError) -> RuleFailure {
        match error {
            regorus::rvm::vm::VmError::TimeLimitExceeded { .. } => RuleFailure::TimedOut,
            other => RuleFailure::Failed(other.to_string()),
        }
    }

    /// The reason as findings word it: the first line of the engine's message, or the
    /// time limit.
    pub(crate) fn reason(&self, limit: std::time::Duration) -> String {
        match self {
            RuleFailure::TimedOut => format!(
                "stopped after {} ms (the per-rule time limit, --rule-timeout-ms)",
                limit.as_millis()
            ),
            RuleFailure::Failed(message) => crate::ruleset::error_reason(message).to_owned(),
        }
    }
}
