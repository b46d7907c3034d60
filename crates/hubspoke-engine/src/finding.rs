//! What a lint run produces; the types live in `hubspoke-diagnostics`.

pub use hubspoke_diagnostics::{sort_findings, Finding, RelatedLocation, Severity};
