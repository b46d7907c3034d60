//! The language server of hubspoke-lint: the CLI's findings while typing.
//!
//! It owns the protocol side only. Rules, evaluation and findings come from
//! `hubspoke-engine` (the same [`hubspoke_engine::Evaluator`] the CLI runs),
//! YAML and positions from `hubspoke-manifest`; the configuration file is
//! read by the host through a [`SettingsLoader`], so that the editor and the
//! terminal share one config reader. The host also supplies the byte streams
//! ([`serve`]); this crate never touches stdio itself.
//!
//! ```no_run
//! use std::io::BufReader;
//! use std::sync::Arc;
//! use hubspoke_lsp::{serve, ServerOptions, Settings, DEFAULT_DEBOUNCE};
//!
//! let options = ServerOptions {
//!     loader: Arc::new(|_request| Ok(Settings::bundled())),
//!     config_file_name: ".hubspoke-lint.yaml".to_owned(),
//!     debounce: DEFAULT_DEBOUNCE,
//! };
//! let outcome = serve(BufReader::new(std::io::stdin()), &mut std::io::stdout(), options)?;
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
pub use settings::{LoadRequest, Settings, SettingsError, SettingsLoader};
pub use transport::serve;
