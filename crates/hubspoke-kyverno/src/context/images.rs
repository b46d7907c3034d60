//! The `images` variable: Kyverno's standard image extractors
//! (`pkg/utils/api/image.go`) for Pods and pod controllers.

use serde_json::{Map, Value};

use crate::image::ImageInfo;

/// Where a kind keeps its pod spec.
fn pod_spec_path(kind: &str) -> Option<&'static [&'static str]> {
    match kind {
        "Pod" => Some(&["spec"]),
        "DaemonSet"
        | "Deployment"
        | "ReplicaSet"
        | "ReplicationController"
        | "StatefulSet"
        | "Job" => Some(&["spec", "template", "spec"]),
        "CronJob" => Some(&["spec", "jobTemplate", "spec", "template", "spec"]),
        _ => None,
    }
}

/// `{containers: {name: info}, initContainers: …, ephemeralContainers: …}`,
/// `None` when the resource has no images (Kyverno then sets no `images`),
/// or why an image does not parse.
pub(super) fn extract(resource: &Value) -> Result<Option<Value>, String> {
    let kind = resource
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let Some(path) = pod_spec_path(kind) else {
        return Ok(None);
    };
    let mut spec = resource;
    for key in path {
        match spec.get(key) {
            Some(next) => spec = next,
            None => return Ok(None),
        }
    }
    let mut all = Map::new();
    for group in ["initContainers", "containers", "ephemeralContainers"] {
        let Some(containers) = spec.get(group).and_then(Value::as_array) else {
            continue;
        };
        let mut found = Map::new();
        for (i, container) in containers.iter().enumerate() {
            let Some(container) = container.as_object() else {
                return Err("invalid image config".to_owned());
            };
            let image = match container.get("image").and_then(Value::as_str) {
                Some(image) if !image.trim().is_empty() => image,
                _ => continue,
            };
            let Some(name) = container.get("name").and_then(Value::as_str) else {
                return Err("invalid key".to_owned());
            };
            let info =
                ImageInfo::parse(image).map_err(|e| format!("invalid image '{image}' ({e})"))?;
            let pointer = format!("/{}/{group}/{i}/image", path.join("/"));
            found.insert(name.to_owned(), info.to_json(&pointer));
        }
        if !found.is_empty() {
            all.insert(group.to_owned(), Value::Object(found));
        }
    }
    Ok((!all.is_empty()).then_some(Value::Object(all)))
}
