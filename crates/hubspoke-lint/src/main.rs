//! The `hubspoke-lint` binary: parse arguments, run one command, map the
//! outcome to an exit code. Everything else lives in the library crates.

mod args;
mod commands;
mod exit;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};
use crate::exit::ExitStatus;

// mimalloc measured +8–25 % on YAML tree building and the regorus interpreter
// (shared/dependencies.md §6); only the binary picks the allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // regorus' interpreter uses anyhow errors for control flow; with RUST_BACKTRACE=1 (common
    // in CI) each one captured a backtrace, which cost half the evaluation time. Panic
    // backtraces still follow RUST_BACKTRACE. Set before any thread starts.
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        std::env::set_var("RUST_LIB_BACKTRACE", "0");
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let usage_error = error.use_stderr();
            let _ = error.print();
            return if usage_error {
                ExitStatus::Error.into()
            } else {
                ExitStatus::Clean.into()
            };
        }
    };
    let outcome = std::panic::catch_unwind(|| {
        let mut stdout = std::io::stdout().lock();
        match &cli.command {
            None => commands::lint::run(&cli.lint, &mut stdout),
            Some(Command::Rules(args)) => commands::rules::run(args, &mut stdout),
            Some(Command::Explain(args)) => commands::explain::run(args, &mut stdout),
            Some(Command::Graph(args)) => commands::graph::run(args, &mut stdout),
            Some(Command::Render(args)) => commands::render::run(args, &mut stdout),
            Some(Command::Baseline(args)) => commands::baseline::run(args, &mut stdout),
            Some(Command::Test(args)) => commands::test::run(args, &mut stdout),
            Some(Command::Init(args)) => commands::init::run(args, &mut stdout),
            Some(Command::Lsp) => commands::lsp::run(&mut stdout),
            Some(Command::Completions(args)) => commands::completions::run(args, &mut stdout),
            Some(Command::Man) => commands::man::run(&mut stdout),
        }
    });
    match outcome {
        Ok(Ok(status)) => status.into(),
        Ok(Err(error)) => {
            eprintln!("error: {error}");
            for cause in error.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitStatus::Error.into()
        }
        Err(_) => {
            eprintln!("error: hubspoke-lint crashed (a bug); please report it with the command line above");
            ExitStatus::Error.into()
        }
    }
}
