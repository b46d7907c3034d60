//! What stops a run before it produces findings: bad settings, unreadable
//! configuration or baselines, bad flag values. Problems in the linted
//! repository are findings, never errors.

use std::path::PathBuf;

/// Why a run could not start (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    /// A setting of the configuration file is invalid. The message starts with the
    /// file, line and column of the setting.
    #[error("{message}")]
    Setting {
        /// The configuration file.
        file: PathBuf,
        /// 1-based line and column of the setting, when it could be located.
        position: Option<(u32, u32)>,
        /// What is wrong, with the place first.
        message: String,
    },
    /// A file the run needs (configuration, baseline, policy directory) could not be read,
    /// or an output could not be written.
    #[error("{what}")]
    Io {
        /// What was being done, naming the path.
        what: String,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// A value given on the command line (or by the editor) that cannot be used.
    #[error("{0}")]
    Usage(String),
    /// A file the run reads is not what it should be (a corrupt baseline).
    #[error("{0}")]
    Invalid(String),
}

impl WorkspaceError {
    /// The configuration file and the position of the setting at fault, when the error is
    /// about one (editors show the error there).
    pub fn setting_location(&self) -> Option<(&std::path::Path, Option<(u32, u32)>)> {
        match self {
            WorkspaceError::Setting { file, position, .. } => Some((file.as_path(), *position)),
            _ => None,
        }
    }
}

/// `Err(WorkspaceError::Usage(format!(...)))`.
macro_rules! usage {
    ($($arg:tt)*) => {
        return Err($crate::error::WorkspaceError::Usage(format!($($arg)*)))
    };
}
pub(crate) use usage;
