//! Run length and percentiles of the re-lint benches (shared by `hubspoke-lsp`'s
//! `relint` and `hubspoke-lint`'s `lsp_stdio`, which include this file).

use std::time::Duration;

/// Measured iterations: `RELINT_ITERATIONS`, default 300.
pub fn iterations() -> usize {
    std::env::var("RELINT_ITERATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(300)
}

/// The `p` quantile (0 to 1) of sorted durations, by nearest rank.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}
