//! The embedded schema bundles: Kubernetes JSON Schemas per version and the
//! Flux CRDs, gzip-compressed into the binary (see `schemas/README.md`).

use std::io::Read;

use flate2::read::GzDecoder;

/// Every Kubernetes version shipped, oldest first, with its bundle
/// (`scripts/update-k8s-schemas.py` writes them).
const KUBERNETES: &[(&str, &[u8])] = &[
    (
        "1.25.0",
        include_bytes!("../schemas/kubernetes/v1.25.0.json.gz"),
    ),
    (
        "1.26.0",
        include_bytes!("../schemas/kubernetes/v1.26.0.json.gz"),
    ),
    (
        "1.27.0",
        include_bytes!("../schemas/kubernetes/v1.27.0.json.gz"),
    ),
    (
        "1.28.0",
        include_bytes!("../schemas/kubernetes/v1.28.0.json.gz"),
    ),
    (
        "1.29.0",
        include_bytes!("../schemas/kubernetes/v1.29.0.json.gz"),
    ),
    (
        "1.30.0",
        include_bytes!("../schemas/kubernetes/v1.30.0.json.gz"),
    ),
    (
        "1.31.0",
        include_bytes!("../schemas/kubernetes/v1.31.0.json.gz"),
    ),
    (
        "1.32.0",
        include_bytes!("../schemas/kubernetes/v1.32.0.json.gz"),
    ),
    (
        "1.33.0",
        include_bytes!("../schemas/kubernetes/v1.33.0.json.gz"),
    ),
    (
        "1.34.0",
        include_bytes!("../schemas/kubernetes/v1.34.0.json.gz"),
    ),
    (
        "1.35.0",
        include_bytes!("../schemas/kubernetes/v1.35.0.json.gz"),
    ),
    (
        "1.36.0",
        include_bytes!("../schemas/kubernetes/v1.36.0.json.gz"),
    ),
    (
        "1.37.0",
        include_bytes!("../schemas/kubernetes/v1.37.0.json.gz"),
    ),
];

/// The Flux CRDs of `fixtures/flux-crds/`, as one YAML stream (`scripts/update-flux-crds.py`).
const FLUX_CRDS: &[u8] = include_bytes!("../schemas/flux-crds.yaml.gz");

/// Kubernetes versions whose schemas are embedded, oldest first (`1.37.0`, ...).
pub fn kubernetes_versions() -> Vec<&'static str> {
    KUBERNETES.iter().map(|(v, _)| *v).collect()
}

/// The newest embedded Kubernetes version, used when none is asked for.
pub fn default_kubernetes_version() -> &'static str {
    KUBERNETES.last().map_or("", |(v, _)| v)
}

/// Resolve a user's `--kubernetes-version` (`1.33`, `1.33.0`, `v1.33.0`) to a shipped version.
///
/// # Errors
/// A message listing the shipped versions when none matches.
pub fn resolve_kubernetes_version(text: &str) -> Result<&'static str, String> {
    let wanted = text.trim().trim_start_matches(['v', 'V']);
    let found = KUBERNETES
        .iter()
        .map(|(v, _)| *v)
        .find(|v| *v == wanted || v.strip_suffix(".0").is_some_and(|minor| minor == wanted));
    found.ok_or_else(|| {
        format!(
            "Kubernetes version `{text}` has no embedded schemas; shipped versions: {}",
            kubernetes_versions().join(", ")
        )
    })
}

/// The decompressed JSON text of one version's bundle.
pub(crate) fn kubernetes_bundle(version: &str) -> Result<String, String> {
    let (_, bytes) = KUBERNETES
        .iter()
        .find(|(v, _)| *v == version)
        .ok_or_else(|| format!("no embedded schemas for Kubernetes {version}"))?;
    gunzip(bytes)
}

/// The decompressed Flux CRD YAML stream.
pub(crate) fn flux_crds() -> Result<String, String> {
    gunzip(FLUX_CRDS)
}

fn gunzip(bytes: &[u8]) -> Result<String, String> {
    let mut text = String::with_capacity(bytes.len() * 12);
    GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .map_err(|e| format!("corrupt embedded schema bundle: {e}"))?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_resolve_in_every_spelling() {
        assert_eq!(resolve_kubernetes_version("1.33"), Ok("1.33.0"));
        assert_eq!(resolve_kubernetes_version("v1.37.0"), Ok("1.37.0"));
        let error = resolve_kubernetes_version("1.12").expect_err("not shipped");
        assert!(error.contains("1.25.0, 1.26.0"), "{error}");
        assert_eq!(default_kubernetes_version(), "1.37.0");
    }

    #[test]
    fn every_shipped_bundle_is_listed_and_decompresses() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/kubernetes");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .expect("schemas dir")
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.strip_prefix('v')
                    .and_then(|n| n.strip_suffix(".json.gz"))
                    .map(str::to_owned)
            })
            .collect();
        on_disk.sort_by_key(|v| {
            v.split('.')
                .map(|p| p.parse::<u32>().unwrap_or(0))
                .collect::<Vec<_>>()
        });
        assert_eq!(on_disk, kubernetes_versions());
        for version in kubernetes_versions() {
            let text = kubernetes_bundle(version).expect("decompresses");
            let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
            assert_eq!(value["kubernetes"], version);
        }
    }

    /// The Flux bundle must be what `scripts/update-flux-crds.py` makes of `fixtures/flux-crds/`:
    /// the current files in name order, then `flux-operator/`'s, then each `<controller>-vX.Y.Z/` directory, per
    /// controller newest release first (the loader keeps the first definition of a version).
    #[test]
    fn flux_bundle_matches_the_fixture_crds() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/flux-crds");
        let yaml_files = |sub: &str| -> Vec<String> {
            let mut names: Vec<String> = std::fs::read_dir(dir.join(sub))
                .expect("readable directory")
                .flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".yaml"))
                .map(|n| {
                    if sub.is_empty() {
                        n
                    } else {
                        format!("{sub}/{n}")
                    }
                })
                .collect();
            names.sort();
            names
        };
        let mut releases: Vec<(String, Vec<u32>, String)> = std::fs::read_dir(&dir)
            .expect("fixtures/flux-crds")
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter(|e| e.file_name() != "flux-operator")
            .map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let (controller, version) = name.rsplit_once("-v").expect("<controller>-vX.Y.Z");
                let version: Vec<u32> = version
                    .split('.')
                    .map(|p| p.parse().expect("numeric version"))
                    .collect();
                (controller.to_owned(), version, name)
            })
            .collect();
        releases.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.cmp(&a.1)));
        let mut names = yaml_files("");
        // The Flux Operator's APIs are current too: right after the controllers' files.
        names.extend(yaml_files("flux-operator"));
        for (_, _, release) in &releases {
            names.extend(yaml_files(release));
        }
        assert!(
            releases.len() >= 15 && names.len() > 50,
            "older releases missing: {names:?}"
        );
        let mut expected = String::new();
        for name in &names {
            let text = std::fs::read_to_string(dir.join(name)).expect("readable");
            let text = text.strip_prefix("---\n").unwrap_or(&text);
            expected.push_str(&format!("---\n# source: {name}\n{text}"));
            if !expected.ends_with('\n') {
                expected.push('\n');
            }
        }
        assert!(
            flux_crds().expect("decompresses") == expected,
            "schemas/flux-crds.yaml.gz is stale: run scripts/update-flux-crds.py"
        );
    }
}
