//! `hubspoke-lint lsp`: the language server over stdio. The server lives in
//! `hubspoke-lsp` and reads `.hubspoke-lint.yaml` through `hubspoke-workspace`,
//! as `hubspoke-lint [PATH]` does; this module hands it stdin and stdout.

use std::io::{BufReader, Write};

use anyhow::Context;
use hubspoke_lsp::ServerOptions;

use crate::exit::ExitStatus;

/// Serve one editor over stdin and stdout until it exits.
pub fn run(stdout: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let outcome = hubspoke_lsp::serve(
        BufReader::new(std::io::stdin()),
        stdout,
        ServerOptions::default(),
    )
    .context("the language server stopped")?;
    // The protocol asks for exit code 1 when `exit` was not preceded by `shutdown`.
    Ok(if outcome.clean_exit {
        ExitStatus::Clean
    } else {
        ExitStatus::Findings
    })
}
