//! `--stats` and `--timings`: counts, wall time per stage, peak memory and the
//! slowest rules, printed to standard error after the report.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use hubspoke_diagnostics::Summary;
use hubspoke_engine::EvalStats;

use crate::pipeline::StageTimings;
use crate::stages::kyverno::KyvernoStats;

/// What a run measured about itself.
#[derive(Debug, Clone)]
pub struct RunStats {
    /// When the run started (after argument parsing).
    pub started: Instant,
    /// Worker threads.
    pub threads: usize,
    /// Rules enabled, counted as the summary counts them.
    pub rules: usize,
    /// Compiling the policies and reading their metadata.
    pub load_rules: Duration,
    /// Walking the roots.
    pub discover: Duration,
    /// Reading and parsing every file (parallel).
    pub parse: Duration,
    /// Model, document rules and repository rules.
    pub lint: StageTimings,
    /// Schema validation.
    pub schema: Duration,
    /// Suppressions, the baseline and `--changed-since`.
    pub suppress: Duration,
    /// Writing every output.
    pub report: Duration,
    /// Evaluation counters and per-rule times.
    pub eval: EvalStats,
    /// What the repository's Kyverno policies did.
    pub kyverno: KyvernoStats,
    /// Resident memory (KiB) at the end of each stage, by stage name (Linux only).
    pub rss: Vec<(&'static str, u64)>,
}

impl RunStats {
    /// Start measuring now.
    pub fn new(threads: usize) -> RunStats {
        RunStats {
            started: Instant::now(),
            threads,
            rules: 0,
            load_rules: Duration::ZERO,
            discover: Duration::ZERO,
            parse: Duration::ZERO,
            lint: StageTimings::default(),
            schema: Duration::ZERO,
            suppress: Duration::ZERO,
            report: Duration::ZERO,
            eval: EvalStats::default(),
            kyverno: KyvernoStats::default(),
            rss: Vec::new(),
        }
    }

    /// Note the resident memory at the end of `stage`.
    pub fn mark(&mut self, stage: &'static str) {
        if let Some(kib) = proc_status_kib("VmRSS:") {
            self.rss.push((stage, kib));
        }
    }

    /// The `--stats` block.
    pub fn render(&self, summary: &Summary) -> String {
        let total = self.started.elapsed();
        let mut out = String::new();
        let findings: usize = summary.findings.values().sum();
        let _ = writeln!(out, "hubspoke-lint stats ({} threads)", self.threads);
        let _ = writeln!(out, "  files                {:>10}", summary.files);
        let _ = writeln!(
            out,
            "  documents            {:>10}  ({} Kubernetes objects, {} evaluated by document rules)",
            summary.documents, summary.objects, self.eval.documents
        );
        let _ = writeln!(
            out,
            "  rules enabled        {:>10}  ({} rule evaluations; {} documents in one VM execution each, {} evaluations on the interpreter)",
            self.rules, self.eval.evaluations, self.eval.dispatched, self.eval.interpreted
        );
        if self.kyverno.policies > 0 {
            let k = &self.kyverno;
            let _ = writeln!(
                out,
                "  kyverno policies     {:>10}  ({} rules; {} objects, {} policy evaluations, {} rule results)",
                k.policies, k.rules, k.objects, k.policy_evaluations, k.rule_results
            );
        }
        let _ = writeln!(out, "  findings             {findings:>10}");
        let _ = writeln!(out, "  stage                  wall ms   RSS after (MB)");
        let stages = [
            ("discover", self.discover),
            ("parse", self.parse),
            ("load rules", self.load_rules),
            ("model", self.lint.model),
            ("render", self.lint.render),
            ("evaluate documents", self.lint.documents),
            ("evaluate repository", self.lint.repository),
            ("kyverno policies", self.lint.kyverno),
            ("schema", self.schema),
            ("suppress", self.suppress),
            ("report", self.report),
        ];
        for (name, time) in stages {
            let rss = self
                .rss
                .iter()
                .find(|(stage, _)| *stage == name)
                .map(|(_, kib)| format!("{:>10.1}", *kib as f64 / 1024.0))
                .unwrap_or_default();
            let _ = writeln!(out, "  {name:<20} {:>10.1} {rss}", ms(time));
        }
        let _ = writeln!(
            out,
            "  {:<20} {:>10.1}   (wall; load rules runs during discover and parse, schema,\n                                    the two evaluate stages and (rendering) the Kyverno\n                                    policies run concurrently)",
            "total",
            ms(total)
        );
        let _ = writeln!(out, "  {:<20} {:>10}", "peak RSS", peak_rss());
        out
    }

    /// The `--timings` block: the `top` slowest rules.
    pub fn render_timings(&self, top: usize) -> String {
        let mut out = String::new();
        let all: Duration = self.eval.timings.iter().map(|t| t.total).sum();
        let _ = writeln!(
            out,
            "slowest rules (cumulative over {} documents and {} threads; all rules {:.1} ms):",
            self.eval.documents,
            self.threads,
            ms(all)
        );
        let _ = writeln!(
            out,
            "  {:<28} {:>10} {:>7} {:>10} {:>9}",
            "rule", "total ms", "share", "evals", "µs/eval"
        );
        for timing in self.eval.timings.iter().take(top) {
            let share = if all.is_zero() {
                0.0
            } else {
                100.0 * timing.total.as_secs_f64() / all.as_secs_f64()
            };
            let per = timing.total.as_secs_f64() * 1e6 / timing.evaluations.max(1) as f64;
            let _ = writeln!(
                out,
                "  {:<28} {:>10.1} {:>6.1}% {:>10} {:>9.1}",
                timing.rule,
                ms(timing.total),
                share,
                timing.evaluations,
                per
            );
        }
        out
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Peak resident set size: `VmHWM` of /proc/self/status on Linux, "n/a" elsewhere.
pub fn peak_rss() -> String {
    proc_status_kib("VmHWM:").map_or_else(
        || "n/a".to_owned(),
        |kib| format!("{:.1} MB", kib as f64 / 1024.0),
    )
}

/// A `kB` field of /proc/self/status (Linux only).
fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_name_every_stage() {
        let stats = RunStats::new(2);
        let text = stats.render(&Summary::default());
        for stage in [
            "discover",
            "parse",
            "model",
            "evaluate documents",
            "evaluate repository",
            "suppress",
            "report",
            "peak RSS",
        ] {
            assert!(text.contains(stage), "{stage} missing from\n{text}");
        }
        if cfg!(target_os = "linux") {
            assert!(peak_rss().ends_with("MB"), "{}", peak_rss());
        }
    }
}
