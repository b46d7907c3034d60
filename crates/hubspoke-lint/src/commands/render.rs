//! `hubspoke-lint render`: what each cluster receives, as Flux would apply it,
//! rendered offline and in-process (an offline `flux build` of every cluster).
//!
//! What could not be rendered is reported on standard error as `lint` reports it
//! (each problem at its line with the clusters affected, what is unknown offline a
//! note), and everything else is still printed; the exit code is `lint`'s: 1 when a
//! problem is at or above the failing severity. With `--kustomization`, the objects
//! that Kustomization applies are printed (not its children's) and the problems
//! and notes are those of rendering it, on every chosen cluster.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::bail;
use hubspoke_diagnostics::{Severity, Summary};
use hubspoke_manifest::ParsedFile;
use hubspoke_render::{ClusterObject, ClusterRender, Origin};
use hubspoke_report::{count, HumanOptions, Report};
use hubspoke_workspace::{Configuration, Flags, RenderProblems, RenderRun};

use crate::args::{ColorChoice, FailOn, RenderArgs, RenderFormat};
use crate::exit::ExitStatus;

/// Print what the chosen clusters receive, and their render problems on standard error.
pub fn run(args: &RenderArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let root = args.path.clone().unwrap_or_else(|| PathBuf::from("."));
    hubspoke_workspace::require_existing(std::slice::from_ref(&root))?;
    if !root.is_dir() {
        bail!("{}: render needs a repository directory", root.display());
    }
    // The files and the model are those `lint` renders: same configuration, same limits.
    let flags = Flags {
        display_base: std::env::current_dir().ok(),
        fail_on: args.fail_on.map(|level| match level {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Note => Some(Severity::Note),
            FailOn::Never => None,
        }),
        ..Flags::default()
    };
    let configuration = Configuration::load(std::slice::from_ref(&root), flags)?;
    let fail_on = configuration.fail_on;
    let rendered = RenderRun::new(&configuration, &root);
    let files: Vec<&ParsedFile> = rendered.files.iter().collect();
    let render = &rendered.render;
    let known: Vec<&str> = render.clusters.iter().map(|c| c.cluster.as_str()).collect();
    if let Some(name) = &args.cluster {
        if !known.contains(&name.as_str()) {
            bail!(
                "--cluster {name}: no such cluster; the clusters of {} are: {}",
                root.display(),
                if known.is_empty() {
                    "(none)".to_owned()
                } else {
                    known.join(", ")
                }
            );
        }
    }
    // The problems of the clusters printed only.
    let chosen = match &args.cluster {
        Some(name) => render
            .clusters
            .iter()
            .position(|c| c.cluster == *name)
            .map_or(&render.clusters[..0], |i| &render.clusters[i..=i]),
        None => &render.clusters[..],
    };
    let clusters: Vec<_> = chosen.iter().collect();
    if let Some(wanted) = &args.kustomization {
        let exists = clusters.iter().any(|c| {
            c.kustomizations
                .iter()
                .any(|k| k.kustomization.to_string() == *wanted)
        });
        if !exists {
            let mut names: Vec<String> = clusters
                .iter()
                .flat_map(|c| c.kustomizations.iter().map(|k| k.kustomization.to_string()))
                .collect();
            names.sort();
            names.dedup();
            bail!(
                "--kustomization {wanted}: no Flux Kustomization of that NAMESPACE/NAME applies objects{}; known: {}",
                args.cluster
                    .as_ref()
                    .map(|c| format!(" to cluster {c}"))
                    .unwrap_or_default(),
                if names.is_empty() {
                    "(none)".to_owned()
                } else {
                    names.join(", ")
                }
            );
        }
    }
    let problems = match &args.kustomization {
        Some(wanted) => rendered.problems(configuration, &problems_of(chosen, wanted))?,
        None => rendered.problems(configuration, chosen)?,
    };
    let selected = |object: &ClusterObject| {
        args.kustomization
            .as_ref()
            .is_none_or(|wanted| object.kustomization.to_string() == *wanted)
    };
    let place = |origin: Origin| {
        let Some(file) = files.get(origin.file.0 as usize) else {
            return String::from("?");
        };
        let region = file.source.region(origin.span);
        format!(
            "{}:{}:{}",
            file.source.path, region.start.line, region.start.column
        )
    };
    match args.format {
        RenderFormat::Yaml => {
            let mut text = String::new();
            for cluster in &clusters {
                for object in cluster.objects.iter().filter(|o| selected(o)) {
                    text.push_str("---\n");
                    text.push_str(&format!(
                        "# cluster: {}, applied by Kustomization {}\n",
                        cluster.cluster, object.kustomization
                    ));
                    if args.origins {
                        text.push_str(&format!("# {}\n", place(object.object.source)));
                    }
                    text.push_str(&hubspoke_render::emit::to_yaml(&object.object.root));
                }
            }
            out.write_all(text.as_bytes())?;
        }
        RenderFormat::Json => {
            let items: Vec<serde_json::Value> = clusters
                .iter()
                .flat_map(|cluster| {
                    cluster
                        .objects
                        .iter()
                        .filter(|o| selected(o))
                        .map(|object| {
                            let mut item = serde_json::json!({
                                "cluster": cluster.cluster,
                                "kustomization": object.kustomization.to_string(),
                                "object": object.object.root.to_json(),
                            });
                            if args.origins {
                                item["origin"] = place(object.object.source).into();
                            }
                            item
                        })
                        .collect::<Vec<_>>()
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &items)?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    let objects = clusters
        .iter()
        .map(|c| c.objects.iter().filter(|o| selected(o)).count())
        .sum();
    // With `--kustomization`, the clusters it applies objects to.
    let rendered_clusters = clusters
        .iter()
        .filter(|c| {
            args.kustomization.as_ref().is_none_or(|wanted| {
                c.kustomizations
                    .iter()
                    .any(|k| k.kustomization.to_string() == *wanted)
            })
        })
        .count();
    report_problems(&problems, rendered_clusters, objects, args.color)?;
    let failing = fail_on.is_some_and(|threshold| {
        problems
            .findings
            .iter()
            .any(|finding| finding.severity >= threshold)
    });
    Ok(if failing {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    })
}

/// The clusters with only the problems and unknowns of rendering Kustomization
/// `wanted` (`NAMESPACE/NAME`): what `render --kustomization` reports.
fn problems_of(clusters: &[ClusterRender], wanted: &str) -> Vec<ClusterRender> {
    clusters
        .iter()
        .map(|cluster| {
            let records = cluster
                .kustomizations
                .iter()
                .filter(|k| k.kustomization.to_string() == wanted);
            let (mut problems, mut unknowns) = (Vec::new(), Vec::new());
            for record in records {
                problems.extend(record.problems.iter().cloned());
                unknowns.extend(record.unknowns.iter().cloned());
            }
            ClusterRender {
                cluster: cluster.cluster.clone(),
                objects: Vec::new(),
                kustomizations: Vec::new(),
                problems,
                unknowns,
            }
        })
        .collect()
}

/// The problems and notes on standard error, as `lint` shows them, and a closing
/// line; nothing at all when the render went through.
fn report_problems(
    problems: &RenderProblems,
    clusters: usize,
    objects: usize,
    color: ColorChoice,
) -> anyhow::Result<()> {
    if problems.findings.is_empty() && problems.notes.is_empty() && problems.suppressed == 0 {
        return Ok(());
    }
    let color = match color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let summary = Summary::default();
    let report = Report {
        findings: &problems.findings,
        rules: &problems.catalog,
        sources: &problems.sources,
        summary: &summary,
        tool_version: env!("CARGO_PKG_VERSION"),
        sarif_category: None,
        notes: &problems.notes,
    };
    let mut text = Vec::new();
    hubspoke_report::write_diagnostics(
        &report,
        &HumanOptions {
            color,
            ..HumanOptions::default()
        },
        &mut text,
    )?;
    let counts = problems.counts();
    let by_severity = |severity: Severity, one: &str, many: &str| {
        count(counts.get(&severity).copied().unwrap_or(0), one, many)
    };
    let mut closing = format!(
        "Rendered {} ({}): {}, {}, {}",
        count(clusters, "cluster", "clusters"),
        count(objects, "object", "objects"),
        by_severity(Severity::Error, "error", "errors"),
        by_severity(Severity::Warning, "warning", "warnings"),
        count(problems.notes.len(), "note", "notes"),
    );
    if problems.suppressed > 0 {
        closing.push_str(&format!(" ({} suppressed)", problems.suppressed));
    }
    closing.push_str(".\n");
    text.extend_from_slice(closing.as_bytes());
    let mut stderr = std::io::stderr().lock();
    stderr.write_all(&text)?;
    stderr.flush()?;
    Ok(())
}
