//! Rendering every kustomization of a generated repository (1,000 by default:
//! bases, overlays with patches, generators and a shared component;
//! `benches/gen_kustomize_repo.py`, written to `target/render-bench-repo` on
//! first use, `HUBSPOKE_RENDER_BENCH_KUSTOMIZATIONS=N` for another size).
//! Parsing is not part of the measure: the pipeline parses every file once
//! for linting anyway. `benches/measure-render.sh` compares with kubectl.

use std::path::{Path, PathBuf};
use std::process::Command;

use criterion::{criterion_group, criterion_main, Criterion};
use hubspoke_manifest::{
    discover, read_and_parse, DiscoverOptions, ModelOptions, ParseLimits, ParsedFile, RepoModel,
};
use hubspoke_render::{build, render, RenderFs, RenderOptions};
use rayon::prelude::*;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn repository() -> (PathBuf, Vec<String>) {
    let count =
        std::env::var("HUBSPOKE_RENDER_BENCH_KUSTOMIZATIONS").unwrap_or_else(|_| "1000".to_owned());
    let out = workspace().join(format!("target/render-bench-repo-{count}"));
    if !out.join("kustomizations.txt").exists() {
        let status = Command::new("python3")
            .arg(workspace().join("benches/gen_kustomize_repo.py"))
            .args(["--kustomizations", &count, "--out"])
            .arg(&out)
            .status()
            .expect("python3 runs benches/gen_kustomize_repo.py");
        assert!(status.success(), "benches/gen_kustomize_repo.py failed");
    }
    let list = std::fs::read_to_string(out.join("kustomizations.txt")).expect("kustomizations.txt");
    (out, list.lines().map(str::to_owned).collect())
}

fn render_all(c: &mut Criterion) {
    let (root, dirs) = repository();
    let options = DiscoverOptions::new(&[], &[], 10 << 20, None).expect("globs");
    let found = discover(std::slice::from_ref(&root), &options);
    let files = read_and_parse(&found.files, ParseLimits::default());
    let fs = RenderFs::with_root(&files, &root);
    let objects: usize = dirs.iter().map(|d| build(&fs, d).objects.len()).sum();
    assert!(objects > dirs.len(), "{objects} objects");
    let mut group = c.benchmark_group("render");
    group.sample_size(10);
    group.bench_function(format!("{}-kustomizations/one-thread", dirs.len()), |b| {
        b.iter(|| {
            dirs.iter()
                .map(|d| build(&fs, d).objects.len())
                .sum::<usize>()
        })
    });
    group.bench_function(format!("{}-kustomizations/all-threads", dirs.len()), |b| {
        b.iter(|| {
            dirs.par_iter()
                .map(|d| build(&fs, d).objects.len())
                .sum::<usize>()
        })
    });
    // Every cluster as Flux renders it: the walk from each bootstrap, Flux's
    // kustomization per app overlay, kustomize, post-build substitution. The model
    // is built once outside the measure, as the pipeline builds it for its rules.
    let refs: Vec<&ParsedFile> = files.iter().collect();
    let model_options = ModelOptions {
        slim_bodies: true,
        ..ModelOptions::default()
    };
    let model = RepoModel::build(&refs, &root, &model_options);
    let rendered = render(&fs, &model, &RenderOptions::default());
    let cluster_objects: usize = rendered.clusters.iter().map(|c| c.objects.len()).sum();
    assert!(
        rendered.clusters.len() == 2 && cluster_objects > dirs.len(),
        "{} clusters, {cluster_objects} objects",
        rendered.clusters.len()
    );
    group.bench_function(
        format!("{}-kustomizations/flux-clusters", dirs.len()),
        |b| {
            b.iter(|| {
                render(&fs, &model, &RenderOptions::default())
                    .clusters
                    .iter()
                    .map(|c| c.objects.len())
                    .sum::<usize>()
            })
        },
    );
    group.finish();
}

criterion_group!(benches, render_all);
criterion_main!(benches);
