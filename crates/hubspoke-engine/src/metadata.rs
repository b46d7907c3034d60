//! Rule metadata: the `metadata := {...}` object every rule package carries.

pub use hubspoke_diagnostics::{kind_matches, KyvernoRef, RuleMeta, Scope};
