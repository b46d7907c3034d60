//! The language server of hubspoke-lint: the CLI's findings while typing.
//!
//! It owns the protocol side only. Settings, the pipeline's stages and the
//! filters come from `hubspoke-workspace` (the same code the command line
//! runs, so the editor and the terminal report the same findings), YAML and
//! positions from `hubspoke-manifest`. The host supplies the byte streams
//! ([`serve`]); this crate never touches stdio itself.
//!
//! ```no_run
//! use std::io::BufReader;
//! use hubspoke_lsp::{serve, ServerOptions};
//!
//! let outcome = serve(BufReader::new(std::io::stdin()), &mut std::io::stdout(), ServerOptions::default())?;
//! # let _ = outcome;
//! # Ok::<(), hubspoke_lsp::LspError>(())
//! ```
//!
//! Tests and benches drive [`run`] over an in-memory `lsp_server::Connection`.
#![warn(missing_docs)]
#![deny(clippy::unwrap_used)]

mod convert;
mod error;
mod fix;
mod handlers;
mod jobs;
mod lint;
mod main_loop;
mod parse;
mod server;
mod session;
mod settings;
mod transport;
mod uri;
mod worker;
mod workspace;

pub use convert::{rule_docs_url, SOURCE};
pub use error::LspError;
pub use server::{run, Outcome, ServerOptions, DEFAULT_DEBOUNCE};
pub use settings::EditorSettings;
pub use transport::serve;
