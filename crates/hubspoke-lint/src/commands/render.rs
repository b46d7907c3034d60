//! `hubspoke-lint render`: what each cluster receives, as Flux would apply it,
//! rendered offline and in-process (an offline `flux build` of every cluster).

use std::io::Write;
use std::path::PathBuf;

use anyhow::bail;
use hubspoke_manifest::{
    add_kustomize_listed_json, discover, read_and_parse, ModelOptions, ParsedFile, RepoModel,
};
use hubspoke_render::{ClusterObject, Origin, RenderFs, RenderOptions};
use hubspoke_workspace::{Configuration, Flags};

use crate::args::{RenderArgs, RenderFormat};
use crate::exit::ExitStatus;

/// Print what the chosen clusters receive.
pub fn run(args: &RenderArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let root = args.path.clone().unwrap_or_else(|| PathBuf::from("."));
    hubspoke_workspace::require_existing(std::slice::from_ref(&root))?;
    if !root.is_dir() {
        bail!("{}: render needs a repository directory", root.display());
    }
    // The files and the model are those `lint` renders: same configuration, same limits.
    let flags = Flags {
        display_base: std::env::current_dir().ok(),
        ..Flags::default()
    };
    let configuration = Configuration::load(std::slice::from_ref(&root), flags)?;
    let discovery = discover(std::slice::from_ref(&root), &configuration.discover);
    let parsed = read_and_parse(&discovery.files, configuration.limits);
    let (_, parsed) = add_kustomize_listed_json(
        discovery,
        parsed,
        &configuration.discover,
        configuration.limits,
    );
    let files: Vec<&ParsedFile> = parsed.iter().collect();
    let options = ModelOptions {
        slim_bodies: true,
        ..configuration.model.clone()
    };
    let model = RepoModel::build(&files, &root, &options);
    let fs = RenderFs::with_root(files.iter().copied(), &root);
    let render = hubspoke_render::render(&fs, &model, &RenderOptions::default());
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
    let clusters: Vec<_> = render
        .clusters
        .iter()
        .filter(|c| args.cluster.as_ref().is_none_or(|name| c.cluster == *name))
        .collect();
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
    Ok(ExitStatus::Clean)
}
