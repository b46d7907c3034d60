//! `hubspoke-lint completions SHELL`: a completion script generated from the clap
//! definitions (`clap_complete`), so it never falls behind the flags.

use std::io::Write;

use clap::CommandFactory;

use crate::args::{Cli, CompletionsArgs};
use crate::commands::write_stdout;
use crate::exit::ExitStatus;

/// Print the completion script of `args.shell`.
pub fn run(args: &CompletionsArgs, stdout: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let mut command = Cli::command();
    let name = command.get_name().to_owned();
    // Into memory first: clap_complete panics on a failed write, and a closed pipe
    // (`| head`) is not an error.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, name, &mut script);
    write_stdout(stdout, &script)?;
    Ok(ExitStatus::Clean)
}
