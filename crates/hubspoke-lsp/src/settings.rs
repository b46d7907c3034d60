//! The settings of an editor session: the same [`hubspoke_workspace::Settings`]
//! the command line resolves for the workspace root (its `.hubspoke-lint.yaml`,
//! no flags), plus the baseline at the root, so that the editor shows what
//! `hubspoke-lint <root>` would report.

use std::path::{Path, PathBuf};

use hubspoke_workspace::filter::{Baseline, BASELINE_FILE_NAME};
use hubspoke_workspace::{Configuration, Flags, Settings, WorkspaceError};

/// Everything a buffer's lint depends on besides its text.
pub struct EditorSettings {
    /// Rules, options, globs, filters: as the command line resolves them.
    pub settings: Settings,
    /// The baseline at the workspace root, when there is one.
    pub baseline: Option<Baseline>,
}

impl EditorSettings {
    /// The bundled rules with their defaults and no baseline.
    pub fn bundled() -> EditorSettings {
        EditorSettings {
            settings: Settings::bundled(),
            baseline: None,
        }
    }

    /// The configuration file in force, if any (changes to it reload the settings).
    pub fn config_path(&self) -> Option<&Path> {
        self.settings.configuration.config_path()
    }
}

/// The settings of the workspace at `root` (the working directory when the client named
/// none). With `use_config` false the configuration file is not read: after a broken one,
/// the editor still shows the bundled rules' findings.
pub fn load(root: Option<&Path>, use_config: bool) -> Result<EditorSettings, WorkspaceError> {
    let root = root.map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let flags = Flags {
        no_config: !use_config,
        ..Flags::default()
    };
    let settings = Configuration::load(std::slice::from_ref(&root), flags)?.load_rules()?;
    let baseline_path = root.join(BASELINE_FILE_NAME);
    let baseline = if baseline_path.is_file() {
        Some(Baseline::read(&baseline_path)?)
    } else {
        None
    };
    Ok(EditorSettings { settings, baseline })
}
