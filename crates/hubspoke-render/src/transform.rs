//! The field transformers of a kustomization: `namespace`, `namePrefix` and
//! `nameSuffix`, `labels` and `commonLabels`, `commonAnnotations`, `replicas`
//! and `images`. Every value they write carries the origin of the
//! kustomization entry that asked for it.

use hubspoke_manifest::yaml::NodeValue;
use regex::Regex;

use crate::build::Ctx;
use crate::fieldspec::{self, merge_specs, CreateKind, FieldSpec, TransformerConfig};
use crate::kustomization::{Kustomization, Pair, Sp};
use crate::origin::{Origin, RNode};
use crate::problem::ProblemCode;
use crate::resource::Resource;
use crate::tree::{self, scalar_text, string_node};

fn report(ctx: &mut Ctx<'_>, origin: Origin, resource: &Resource, result: Result<(), String>) {
    if let Err(message) = result {
        ctx.problem(
            origin,
            ProblemCode::TransformFailed,
            format!(
                "{} of {}: {message}",
                "transforming",
                resource.cur_id().display()
            ),
        );
    }
}

/// Replace a scalar with `value`.
fn set_scalar(node: &mut RNode, value: NodeValue<Origin>, origin: Origin) {
    *node = RNode {
        span: origin,
        value,
    };
}

/// `namespace:` sets every namespaced object's namespace, renames `Namespace`
/// objects, and the subjects named `default` of (Cluster)RoleBindings.
pub fn namespace(
    ctx: &mut Ctx<'_>,
    k: &Kustomization,
    config: &TransformerConfig,
    resources: &mut [Resource],
) {
    let Some(ns) = &k.namespace else {
        return;
    };
    if ns.value.is_empty() {
        return;
    }
    let origin = ns.origin;
    for index in 0..resources.len() {
        let resource = &mut resources[index];
        if resource.is_empty() {
            continue;
        }
        resource.store_previous_id();
        let api_version = resource.api_version().to_owned();
        let gvk = resource.gvk();
        let mut specs: Vec<&FieldSpec> = config
            .namespace
            .iter()
            .filter(|s| {
                s.path != "metadata/namespace" && (api_version == "v1" || s.path != "metadata/name")
            })
            .collect();
        let mut set = |node: &mut RNode| -> Result<(), String> {
            set_scalar(node, NodeValue::Str(ns.value.clone()), origin);
            Ok(())
        };
        let mut result = Ok(());
        if !gvk.is_cluster_scoped() {
            let spec = FieldSpec::any_kind("metadata/namespace", true);
            result = fieldspec::apply(
                &mut resource.root,
                &spec,
                CreateKind::Scalar,
                origin,
                &mut set,
            );
        }
        if gvk.kind == "RoleBinding" || gvk.kind == "ClusterRoleBinding" {
            specs.retain(|s| {
                !(s.path == "subjects/namespace"
                    && (s.gvk.kind == "RoleBinding" || s.gvk.kind == "ClusterRoleBinding"))
            });
            if let Some(NodeValue::Seq(subjects)) =
                tree::get_mut(&mut resource.root, "subjects").map(|s| &mut s.value)
            {
                for subject in subjects {
                    if subject.get("name").and_then(RNode::as_str) == Some("default") {
                        tree::set_field(
                            subject,
                            "namespace",
                            string_node(ns.value.clone(), origin),
                        );
                    }
                }
            }
        }
        for spec in specs {
            if result.is_err() {
                break;
            }
            result = fieldspec::apply(
                &mut resource.root,
                spec,
                CreateKind::Scalar,
                origin,
                &mut set,
            );
        }
        let resource = &resources[index];
        report(ctx, origin, resource, result);
        let id = resource.cur_id();
        let matches = resources.iter().filter(|r| r.has_current_id(&id)).count();
        if matches != 1 {
            ctx.problem(
                resource.source,
                ProblemCode::IdConflict,
                format!(
                    "the namespace transformation makes {} collide with another object",
                    id.display()
                ),
            );
        }
    }
}

fn skips_name_change(resource: &Resource) -> bool {
    let id = resource.org_id();
    id.gvk.kind == "CustomResourceDefinition"
        || id.gvk.kind == "Namespace"
        || (id.gvk.kind == "APIService" && id.gvk.group == "apiregistration.k8s.io")
}

/// `namePrefix:` then `nameSuffix:`.
pub fn prefix_suffix(
    ctx: &mut Ctx<'_>,
    k: &Kustomization,
    config: &TransformerConfig,
    resources: &mut [Resource],
) {
    if let Some(prefix) = k.name_prefix.as_ref().filter(|p| !p.value.is_empty()) {
        rename(ctx, prefix, &config.name_prefix, resources, true);
    }
    if let Some(suffix) = k.name_suffix.as_ref().filter(|s| !s.value.is_empty()) {
        rename(ctx, suffix, &config.name_suffix, resources, false);
    }
}

fn rename(
    ctx: &mut Ctx<'_>,
    affix: &Sp<String>,
    specs: &[FieldSpec],
    resources: &mut [Resource],
    is_prefix: bool,
) {
    for resource in resources.iter_mut() {
        if skips_name_change(resource) {
            continue;
        }
        let id = resource.org_id();
        for spec in specs {
            if !id.gvk.is_selected_by(&spec.gvk) {
                continue;
            }
            if spec.path == "metadata/name" {
                if is_prefix {
                    resource.build.prefixes.push(affix.value.clone());
                } else {
                    resource.build.suffixes.push(affix.value.clone());
                }
                resource.store_previous_id();
            }
            let mut set = |node: &mut RNode| -> Result<(), String> {
                let current = scalar_text(node).unwrap_or_default();
                let renamed = if is_prefix {
                    format!("{}{current}", affix.value)
                } else {
                    format!("{current}{}", affix.value)
                };
                set_scalar(node, NodeValue::Str(renamed), affix.origin);
                Ok(())
            };
            let result = fieldspec::apply(
                &mut resource.root,
                spec,
                CreateKind::Scalar,
                affix.origin,
                &mut set,
            );
            report(ctx, affix.origin, resource, result);
        }
    }
}

fn set_pairs(ctx: &mut Ctx<'_>, pairs: &[Pair], specs: &[FieldSpec], resources: &mut [Resource]) {
    let mut sorted: Vec<&Pair> = pairs.iter().collect();
    sorted.sort_by(|a, b| a.key.value.cmp(&b.key.value));
    sorted.dedup_by(|a, b| a.key.value == b.key.value);
    for resource in resources.iter_mut() {
        for pair in &sorted {
            for spec in specs {
                let mut set = |node: &mut RNode| -> Result<(), String> {
                    match &mut node.value {
                        NodeValue::Map(entries) => {
                            let value = string_node(pair.value.value.clone(), pair.value.origin);
                            match entries
                                .iter_mut()
                                .rev()
                                .find(|(k, _)| k.as_str() == Some(pair.key.value.as_str()))
                            {
                                Some((_, v)) => *v = value,
                                None => entries.push((
                                    string_node(pair.key.value.clone(), pair.key.origin),
                                    value,
                                )),
                            }
                            Ok(())
                        }
                        NodeValue::Null => Ok(()),
                        _ => Err("expected a mapping".to_owned()),
                    }
                };
                let result = fieldspec::apply(
                    &mut resource.root,
                    spec,
                    CreateKind::Map,
                    pair.key.origin,
                    &mut set,
                );
                report(ctx, pair.key.origin, resource, result);
            }
        }
    }
}

/// `labels:` entries, then `commonLabels:`.
pub fn labels(
    ctx: &mut Ctx<'_>,
    k: &Kustomization,
    config: &TransformerConfig,
    resources: &mut [Resource],
) {
    for set in &k.labels {
        if set.pairs.is_empty() {
            continue;
        }
        let mut specs = set.fields.clone();
        let mut merged = merge_specs(&mut specs, &config.labels);
        if set.include_selectors {
            merged = merged.and_then(|()| merge_specs(&mut specs, &config.common_labels));
        } else {
            if set.include_templates {
                merged = merged.and_then(|()| merge_specs(&mut specs, &config.template_labels));
            }
            merged = merged.and_then(|()| {
                merge_specs(&mut specs, &[FieldSpec::any_kind("metadata/labels", true)])
            });
        }
        if let Err(message) = merged {
            let origin = set.pairs[0].key.origin;
            ctx.problem(
                origin,
                ProblemCode::InvalidKustomization,
                format!("failed to merge labels: {message}"),
            );
            continue;
        }
        set_pairs(ctx, &set.pairs, &specs, resources);
    }
    if !k.common_labels.is_empty() {
        set_pairs(ctx, &k.common_labels, &config.common_labels, resources);
    }
}

/// `commonAnnotations:`.
pub fn annotations(
    ctx: &mut Ctx<'_>,
    k: &Kustomization,
    config: &TransformerConfig,
    resources: &mut [Resource],
) {
    if !k.common_annotations.is_empty() {
        set_pairs(
            ctx,
            &k.common_annotations,
            &config.common_annotations,
            resources,
        );
    }
}

/// `replicas:`.
pub fn replicas(
    ctx: &mut Ctx<'_>,
    k: &Kustomization,
    config: &TransformerConfig,
    resources: &mut [Resource],
) {
    for rule in &k.replicas {
        let mut found = false;
        for spec in &config.replicas {
            for resource in resources.iter_mut() {
                if resource.is_empty() {
                    continue;
                }
                let selected = resource
                    .all_ids()
                    .iter()
                    .any(|id| id.name == rule.name && id.gvk.is_selected_by(&spec.gvk));
                if !selected {
                    continue;
                }
                found = true;
                let count = rule.count;
                let mut set = |node: &mut RNode| -> Result<(), String> {
                    set_scalar(node, NodeValue::Int(count.value), count.origin);
                    Ok(())
                };
                let result = fieldspec::apply(
                    &mut resource.root,
                    spec,
                    CreateKind::Scalar,
                    count.origin,
                    &mut set,
                );
                report(ctx, rule.origin, resource, result);
            }
        }
        if !found {
            let kinds: Vec<String> = config.replicas.iter().map(|s| s.gvk.kind.clone()).collect();
            ctx.problem(
                rule.origin,
                ProblemCode::ReplicasTargetNotFound,
                format!("`replicas`: no {} named `{}`", kinds.join(", "), rule.name),
            );
        }
    }
}

/// kustomize's image matching: the entry's name is a regular expression
/// (not escaped), followed by an optional tag and digest.
fn image_pattern(name: &str) -> Option<Regex> {
    Regex::new(&format!(
        "^{name}(:[a-zA-Z0-9_.{{}}-]*)?(@[a-zA-Z0-9]+([.+_-][a-zA-Z0-9]+)*:[a-zA-Z0-9_.{{}}-]*)?$"
    ))
    .ok()
}

/// Split an image into name, tag and digest as kustomize does (a `:` or `@`
/// before the first `/` belongs to the registry host).
pub fn split_image(image: &str) -> (String, String, String) {
    let slash = image.find('/').filter(|&i| i > 0).unwrap_or(0);
    let search = &image[slash..];
    let at = search.find('@');
    let colon = search.find(':');
    match (at, colon) {
        (None, None) => (image.to_owned(), String::new(), String::new()),
        (Some(a), c) if c.is_none_or(|c| a < c) => {
            let a = a + slash;
            (
                image[..a].to_owned(),
                String::new(),
                image[a + 1..].to_owned(),
            )
        }
        (Some(a), Some(c)) => {
            let (a, c) = (a + slash, c + slash);
            (
                image[..c].to_owned(),
                image[c + 1..a].to_owned(),
                image[a + 1..].to_owned(),
            )
        }
        (_, Some(c)) => {
            let c = c + slash;
            (
                image[..c].to_owned(),
                image[c + 1..].to_owned(),
                String::new(),
            )
        }
        (Some(_), None) => (image.to_owned(), String::new(), String::new()),
    }
}

struct ImageUpdate<'r> {
    rule: &'r crate::kustomization::ImageRule,
    pattern: Option<Regex>,
    origin: Origin,
}

impl ImageUpdate<'_> {
    fn apply(&self, node: &mut RNode) -> Result<(), String> {
        let Some(value) = node.as_str() else {
            return match node.value {
                NodeValue::Seq(_) | NodeValue::Map(_) => {
                    Err("an image must be a string".to_owned())
                }
                _ => Ok(()),
            };
        };
        if !self.pattern.as_ref().is_some_and(|p| p.is_match(value)) {
            return Ok(());
        }
        let (mut name, mut tag, mut digest) = split_image(value);
        fn text(s: &Option<Sp<String>>) -> Option<&str> {
            s.as_ref()
                .map(|s| s.value.as_str())
                .filter(|s| !s.is_empty())
        }
        if let Some(new_name) = text(&self.rule.new_name) {
            name = new_name.to_owned();
        }
        match (
            text(&self.rule.new_tag),
            text(&self.rule.digest),
            text(&self.rule.tag_suffix),
        ) {
            (Some(t), Some(d), _) => {
                tag = t.to_owned();
                digest = d.to_owned();
            }
            (Some(t), None, _) => {
                tag = t.to_owned();
                digest.clear();
            }
            (None, Some(d), _) => {
                tag.clear();
                digest = d.to_owned();
            }
            (None, None, Some(s)) => {
                tag.push_str(s);
                digest.clear();
            }
            (None, None, None) => {}
        }
        if !tag.is_empty() {
            name = format!("{name}:{tag}");
        }
        if !digest.is_empty() {
            name = format!("{name}@{digest}");
        }
        set_scalar(node, NodeValue::Str(name), self.origin);
        Ok(())
    }
}

/// Every `containers`/`initContainers` list anywhere in the tree: kustomize's
/// legacy image filter, run before the field specs.
fn update_container_images(node: &mut RNode, update: &ImageUpdate<'_>) -> Result<(), String> {
    match &mut node.value {
        NodeValue::Map(entries) => {
            for (key, value) in entries.iter_mut() {
                update_container_images(value, update)?;
                if matches!(key.as_str(), Some("containers" | "initContainers")) {
                    if let NodeValue::Seq(items) = &mut value.value {
                        for item in items {
                            if let Some(image) = tree::get_mut(item, "image") {
                                update.apply(image)?;
                            }
                        }
                    }
                }
            }
            Ok(())
        }
        NodeValue::Seq(items) => items
            .iter_mut()
            .try_for_each(|i| update_container_images(i, update)),
        _ => Ok(()),
    }
}

/// `images:`.
pub fn images(
    ctx: &mut Ctx<'_>,
    k: &Kustomization,
    config: &TransformerConfig,
    resources: &mut [Resource],
) {
    for rule in &k.images {
        let origin = [
            &rule.new_tag,
            &rule.digest,
            &rule.new_name,
            &rule.tag_suffix,
        ]
        .into_iter()
        .flatten()
        .find(|s| !s.value.is_empty())
        .map_or(rule.origin, |s| s.origin);
        let update = ImageUpdate {
            rule,
            pattern: image_pattern(&rule.name),
            origin,
        };
        for resource in resources.iter_mut() {
            if resource.kind() == "CustomResourceDefinition" {
                continue;
            }
            let mut result = update_container_images(&mut resource.root, &update);
            for spec in &config.images {
                if result.is_err() {
                    break;
                }
                result = fieldspec::apply(
                    &mut resource.root,
                    spec,
                    CreateKind::Nothing,
                    origin,
                    &mut |n| update.apply(n),
                );
            }
            report(ctx, rule.origin, resource, result);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_split_like_kustomize() {
        let s = |i: &str| split_image(i);
        assert_eq!(s("nginx"), ("nginx".into(), "".into(), "".into()));
        assert_eq!(s("nginx:1.2"), ("nginx".into(), "1.2".into(), "".into()));
        assert_eq!(
            s("localhost:5000/app:v1"),
            ("localhost:5000/app".into(), "v1".into(), "".into())
        );
        assert_eq!(
            s("app@sha256:abc"),
            ("app".into(), "".into(), "sha256:abc".into())
        );
        assert_eq!(
            s("r.io/app:v1@sha256:abc"),
            ("r.io/app".into(), "v1".into(), "sha256:abc".into())
        );
    }

    #[test]
    fn image_names_are_patterns() {
        let p = image_pattern("nginx").expect("compiles");
        assert!(p.is_match("nginx:1.0"));
        assert!(p.is_match("nginx@sha256:0123"));
        assert!(!p.is_match("nginx-extra:1.0"));
    }
}
