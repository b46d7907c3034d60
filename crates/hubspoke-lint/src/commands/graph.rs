//! `hubspoke-lint graph`: what the linter sees of a repository.

use std::io::Write;
use std::path::PathBuf;

use hubspoke_manifest::{discover, read_and_parse, RepoModel};

use crate::args::{GraphArgs, GraphFormat};
use crate::exit::ExitStatus;
use crate::settings;

/// Print the repository model.
pub fn run(args: &GraphArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let root = args.path.clone().unwrap_or_else(|| PathBuf::from("."));
    settings::require_existing(std::slice::from_ref(&root))?;
    let config = match crate::config::locate(None, std::slice::from_ref(&root)) {
        Some(path) => crate::config::load(&path)?,
        None => crate::config::Config::default(),
    };
    // The model must be the one `lint` builds its repository rules on: same files, same limits.
    let options =
        settings::discover_options(&config, &[], &[], None, std::env::current_dir().ok())?;
    let discovery = discover(std::slice::from_ref(&root), &options);
    let parsed = read_and_parse(
        &discovery.files,
        settings::parse_limits(&config, None, None, None),
    );
    let files: Vec<_> = parsed.iter().collect();
    let model = RepoModel::build(&files, &root, &config.model.options());
    match args.format {
        GraphFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &model)?;
            writeln!(out)?;
        }
        GraphFormat::Dot => out.write_all(dot(&model).as_bytes())?,
    }
    Ok(ExitStatus::Clean)
}

/// Clusters as boxes, Flux Kustomizations as nodes inside the cluster that runs
/// them, edges to the cluster they apply to and along `dependsOn`.
fn dot(model: &RepoModel) -> String {
    let mut text = String::from(
        "digraph hubspoke {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n",
    );
    for cluster in &model.clusters {
        text.push_str(&format!(
            "  \"cluster:{0}\" [label=\"{0}\\n({1})\", shape=ellipse, style=bold];\n",
            cluster.name, cluster.role
        ));
    }
    for (i, fk) in model.flux_kustomizations.iter().enumerate() {
        let object = &model.objects[fk.object];
        let ns = object.namespace.as_deref().unwrap_or("default");
        let path = fk.path.as_ref().map_or("", |p| p.raw.as_str());
        text.push_str(&format!(
            "  \"ks:{i}\" [label=\"{ns}/{}\\n{path}\"];\n",
            object.name
        ));
        for source in &fk.source_clusters {
            text.push_str(&format!(
                "  \"cluster:{source}\" -> \"ks:{i}\" [style=dotted, label=\"runs\"];\n"
            ));
        }
        for target in &fk.target_clusters {
            let label = if fk.kubeconfig_secret.is_some() {
                "kubeconfig"
            } else {
                "applies"
            };
            text.push_str(&format!(
                "  \"ks:{i}\" -> \"cluster:{target}\" [label=\"{label}\"];\n"
            ));
        }
        if let Some(deps) = object
            .body
            .pointer("/spec/dependsOn")
            .and_then(|d| d.as_array())
        {
            for dep in deps {
                let name = dep.get("name").and_then(|n| n.as_str()).unwrap_or("");
                let dep_ns = dep.get("namespace").and_then(|n| n.as_str()).unwrap_or(ns);
                if let Some(j) = model.flux_kustomizations.iter().position(|other| {
                    let o = &model.objects[other.object];
                    o.name == name && o.namespace.as_deref().unwrap_or("default") == dep_ns
                }) {
                    text.push_str(&format!(
                        "  \"ks:{i}\" -> \"ks:{j}\" [style=dashed, label=\"dependsOn\"];\n"
                    ));
                }
            }
        }
    }
    text.push_str("}\n");
    text
}
