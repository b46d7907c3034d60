//! Schema validation cost per document, next to policy evaluation on the same
//! documents (the clean example repository: Deployments, Services, Flux
//! Kustomizations, HelmReleases, NetworkPolicies, RBAC, SOPS Secrets, ...).
//!
//! `cargo bench -p hubspoke-schema` — groups:
//! - `per-document/schema`, `per-document/schema-strict`: warm validators (compiled once per
//!   run, as in the CLI), JSON conversion of the document included;
//! - `per-document/policies`: the bundled Rego rules on the same documents (warm engines);
//! - `setup/schemas-cold`: what one run pays once: decompress and index the Kubernetes
//!   bundle, read the repository's CRDs, compile the validators of every kind used.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hubspoke_engine::{bundled_sources, EvalOptions, Evaluator, RuleSet};
use hubspoke_manifest::{parse_text, ParseLimits, ParsedFile};
use hubspoke_schema::{SchemaOptions, Schemas};

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("fixture directory")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

fn corpus() -> Vec<ParsedFile> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/hub-spoke");
    let mut paths = Vec::new();
    yaml_files(&root, &mut paths);
    paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).expect("readable fixture");
            let rel = p
                .strip_prefix(&root)
                .expect("under root")
                .to_string_lossy()
                .into_owned();
            parse_text(&rel, &rel, text, ParseLimits::default())
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let files = corpus();
    let objects = files.iter().map(|f| f.objects().count()).sum::<usize>() as u64;

    let mut group = c.benchmark_group("per-document");
    group.throughput(Throughput::Elements(objects));
    for (name, strict) in [("schema", false), ("schema-strict", true)] {
        let options = SchemaOptions {
            strict,
            ..SchemaOptions::default()
        };
        let schemas = Schemas::new(options, &files).expect("schemas");
        // Warm up: compile every validator once, as the first documents of a run do.
        for file in &files {
            black_box(schemas.validate_file(file));
        }
        group.bench_function(name, |b| {
            b.iter(|| {
                for file in &files {
                    black_box(schemas.validate_file(file));
                }
            })
        });
    }
    let rules = RuleSet::load(bundled_sources());
    let evaluator = Evaluator::new(&rules, EvalOptions::default());
    for file in &files {
        black_box(evaluator.evaluate_file(file, None));
    }
    group.bench_function("policies", |b| {
        b.iter(|| {
            for file in &files {
                black_box(evaluator.evaluate_file(file, None));
            }
        })
    });
    group.finish();

    let mut setup = c.benchmark_group("setup");
    setup.sample_size(20);
    setup.bench_function("schemas-cold", |b| {
        b.iter(|| {
            let schemas = Schemas::new(SchemaOptions::default(), &files).expect("schemas");
            for file in &files {
                black_box(schemas.validate_file(file));
            }
        })
    });
    setup.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
