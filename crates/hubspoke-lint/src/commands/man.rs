//! `hubspoke-lint man`: the man page (roff), generated from the clap definitions
//! (`clap_mangen`); the release workflow installs it as `hubspoke-lint.1`.

use std::io::Write;

use clap::CommandFactory;

use crate::args::Cli;
use crate::commands::write_stdout;
use crate::exit::ExitStatus;

/// Print the man page.
pub fn run(stdout: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut page)?;
    write_stdout(stdout, &page)?;
    Ok(ExitStatus::Clean)
}
