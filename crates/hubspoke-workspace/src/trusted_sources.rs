//! The registries and sources a repository uses today, for the allow-lists of BP006
//! and FLUX005–FLUX008. Those rules check nothing until their list is set (no default
//! can know an organisation's registries), so `hubspoke-lint init` proposes these, for
//! the user to keep what they trust.

use std::collections::BTreeSet;

use hubspoke_manifest::yaml::{Node, NodeValue};
use hubspoke_manifest::ParsedFile;

/// Flux's source API group.
const SOURCE_GROUP: &str = "source.toolkit.fluxcd.io";
/// Flux's image automation API group.
const IMAGE_GROUP: &str = "image.toolkit.fluxcd.io";

/// What a repository pulls from, each set sorted (a `BTreeSet`): the same repository
/// always gives the same proposal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedSources {
    /// Registry hosts of container images (BP006 `allowed_registries`); an image without
    /// a host is Docker Hub's, `docker.io`.
    pub registries: BTreeSet<String>,
    /// GitRepository `spec.url`s (FLUX005 `allowed_urls`).
    pub git_urls: BTreeSet<String>,
    /// Bucket `spec.endpoint`s (FLUX006 `allowed_endpoints`).
    pub bucket_endpoints: BTreeSet<String>,
    /// HelmRepository `spec.url`s (FLUX007 `allowed_urls`).
    pub helm_urls: BTreeSet<String>,
    /// ImageRepository `spec.image`s (FLUX008 `allowed_images`).
    pub image_repositories: BTreeSet<String>,
}

impl TrustedSources {
    /// Collect the sources of every Kubernetes object of `files`. Values that only a
    /// post-build substitution resolves (`${REGISTRY}/app`) are left out: they name no
    /// registry yet.
    pub fn scan<'a>(files: impl IntoIterator<Item = &'a ParsedFile>) -> TrustedSources {
        let mut found = TrustedSources::default();
        for document in files.into_iter().flat_map(ParsedFile::objects) {
            let Some(object) = &document.object else {
                continue;
            };
            let root = &document.root;
            let spec_text = |key: &str| {
                root.get("spec")
                    .and_then(|spec| spec.get(key))
                    .and_then(Node::as_str)
                    .filter(|text| !text.trim().is_empty() && !text.contains("${"))
                    .map(str::to_owned)
            };
            let target = match (object.group(), object.kind.as_str()) {
                (SOURCE_GROUP, "GitRepository") => Some((&mut found.git_urls, "url")),
                (SOURCE_GROUP, "Bucket") => Some((&mut found.bucket_endpoints, "endpoint")),
                (SOURCE_GROUP, "HelmRepository") => Some((&mut found.helm_urls, "url")),
                (IMAGE_GROUP, "ImageRepository") => Some((&mut found.image_repositories, "image")),
                _ => None,
            };
            if let Some((set, key)) = target {
                set.extend(spec_text(key));
                continue;
            }
            for image in images(&object.kind, root) {
                if !image.contains("${") {
                    found.registries.insert(registry_host(image).to_owned());
                }
            }
        }
        found
    }
}

/// The images of a Pod's, a controller's or a CronJob's containers (init and ephemeral
/// ones included), as BP006 reads them.
fn images<'n>(kind: &str, root: &'n Node) -> Vec<&'n str> {
    let path: &[&str] = match kind {
        "Pod" => &["spec"],
        "Deployment"
        | "DaemonSet"
        | "StatefulSet"
        | "ReplicaSet"
        | "ReplicationController"
        | "Job" => &["spec", "template", "spec"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
        _ => return Vec::new(),
    };
    let Some(pod_spec) = path.iter().try_fold(root, |node, key| node.get(key)) else {
        return Vec::new();
    };
    ["initContainers", "containers", "ephemeralContainers"]
        .iter()
        .filter_map(|field| match pod_spec.get(field).map(|list| &list.value) {
            Some(NodeValue::Seq(items)) => Some(items),
            _ => None,
        })
        .flatten()
        .filter_map(|container| container.get("image").and_then(Node::as_str))
        .filter(|image| !image.trim().is_empty())
        .collect()
}

/// The registry an image is pulled from: its first path component when that names a host
/// (it holds a `.` or a `:`, or is `localhost`), else Docker Hub (`docker.io`), as
/// Docker reads image references and BP006 compares them.
fn registry_host(image: &str) -> &str {
    match image.split_once('/') {
        Some((first, _)) if first.contains('.') || first.contains(':') || first == "localhost" => {
            if first == "index.docker.io" {
                "docker.io"
            } else {
                first
            }
        }
        _ => "docker.io",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hubspoke_manifest::{parse_text, ParseLimits};

    fn scan(texts: &[&str]) -> TrustedSources {
        let files: Vec<ParsedFile> = texts
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let path = format!("f{i}.yaml");
                parse_text(&path, &path, *text, ParseLimits::default())
            })
            .collect();
        TrustedSources::scan(&files)
    }

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn registries_come_from_every_container_of_every_pod_template() {
        let found = scan(&[
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  initContainers: [{name: i, image: 'registry.k8s.io/pause:3.9'}]\n  containers:\n    - {name: c, image: nginx:1.27}\n    - {name: d, image: 'localhost:5000/app:1'}\n    - {name: e, image: '${REGISTRY}/app:1'}\n    - {name: f}\n  ephemeralContainers: [{name: g, image: 'index.docker.io/library/busybox'}]\n",
            "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: b}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers: [{name: c, image: 'ghcr.io/acme/backup@sha256:00'}]\n",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: c}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: 'quay.io/prometheus/node-exporter:v1'}, {name: d, image: 'bitnami/redis:7'}]\n",
            // Not a pod template: its `image` is a value, not a container's.
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\ndata: {image: 'evil.example/x'}\n",
        ]);
        assert_eq!(
            found.registries,
            set(&[
                "docker.io",
                "ghcr.io",
                "localhost:5000",
                "quay.io",
                "registry.k8s.io"
            ])
        );
    }

    #[test]
    fn sources_come_from_flux_objects_only() {
        let found = scan(&[concat!(
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: a}\nspec: {url: 'https://github.com/acme/fleet'}\n---\n",
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: b}\nspec: {url: 'ssh://git@github.com/acme/apps'}\n---\n",
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: c}\nspec: {url: '${GIT_URL}'}\n---\n",
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: Bucket\nmetadata: {name: d}\nspec: {endpoint: minio.acme.internal}\n---\n",
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {name: e}\nspec: {url: 'oci://ghcr.io/acme/charts', type: oci}\n---\n",
            "apiVersion: image.toolkit.fluxcd.io/v1beta2\nkind: ImageRepository\nmetadata: {name: f}\nspec: {image: ghcr.io/acme/app}\n---\n",
            "apiVersion: example.com/v1\nkind: GitRepository\nmetadata: {name: g}\nspec: {url: 'https://elsewhere.example/x'}\n",
        )]);
        assert_eq!(
            found,
            TrustedSources {
                registries: set(&[]),
                git_urls: set(&[
                    "https://github.com/acme/fleet",
                    "ssh://git@github.com/acme/apps"
                ]),
                bucket_endpoints: set(&["minio.acme.internal"]),
                helm_urls: set(&["oci://ghcr.io/acme/charts"]),
                image_repositories: set(&["ghcr.io/acme/app"]),
            }
        );
    }
}
