//! Patches: `patchesStrategicMerge`, `patches` (strategic merge or JSON 6902,
//! inline or by path, with target selectors) and `patchesJson6902`.

mod json6902;
mod schema;
mod strategic;
pub mod text;

use hubspoke_manifest::yaml::NodeValue;

use crate::build::Ctx;
use crate::kustomization::{Kustomization, PatchRule, Sp};
use crate::origin::{Origin, RNode};
use crate::problem::ProblemCode;
use crate::resid::{Gvk, ResId};
use crate::resource::Resource;
use crate::selector::{Selector, SelectorSpec};
use crate::tree::{self, str_at};

pub use schema::MergeSchema;

/// The documents of a patch given by path (relative to `dir`).
fn load_path(ctx: &mut Ctx<'_>, dir: &str, path: &Sp<String>) -> Option<Vec<RNode>> {
    let resolved = ctx.resolve(dir, path, "patch")?;
    let Some(id) = ctx.fs.file_id(&resolved) else {
        ctx.problem(
            path.origin,
            ProblemCode::MissingFile,
            format!(
                "patch file `{}` not found among the linted files",
                path.value
            ),
        );
        return None;
    };
    ctx.report_duplicate_keys(id);
    Some(ctx.file_documents(id))
}

fn load_inline(ctx: &mut Ctx<'_>, scalar: &RNode) -> Option<Vec<RNode>> {
    match text::parse_inline(ctx.fs, scalar) {
        Ok(documents) => Some(documents),
        Err(message) => {
            ctx.problem(scalar.span, ProblemCode::InvalidPatch, message);
            None
        }
    }
}

/// The id a strategic-merge patch names itself by.
fn patch_id(patch: &RNode) -> ResId {
    let text = |path: &[&str]| str_at(patch, path).unwrap_or("").to_owned();
    ResId::new(
        Gvk::from_api_version(&text(&["apiVersion"]), &text(&["kind"])),
        &text(&["metadata", "name"]),
        &text(&["metadata", "namespace"]),
    )
}

fn is_patch_object(patch: &RNode) -> bool {
    tree::is_map(patch) && str_at(patch, &["kind"]).is_some_and(|k| !k.is_empty())
}

/// `patchesStrategicMerge:`: each entry a path or an inline patch, applied to
/// the object its own id names.
pub fn run_strategic_merge_list(
    ctx: &mut Ctx<'_>,
    dir: &str,
    k: &Kustomization,
    resources: &mut Vec<Resource>,
) {
    for entry in &k.patches_strategic_merge {
        let text = entry.as_str().unwrap_or_default();
        let inline = text::parse_inline(ctx.fs, entry).ok().filter(|docs| {
            docs.first()
                .is_some_and(|d| matches!(d.value, NodeValue::Map(_)))
        });
        let documents = match inline {
            Some(docs) => docs,
            None => {
                let path = Sp {
                    value: text.trim().to_owned(),
                    origin: entry.span,
                };
                match load_path(ctx, dir, &path) {
                    Some(docs) => docs,
                    None => continue,
                }
            }
        };
        for document in documents {
            apply_by_own_id(ctx, document, resources, false, false);
        }
    }
}

fn apply_by_own_id(
    ctx: &mut Ctx<'_>,
    patch: RNode,
    resources: &mut Vec<Resource>,
    allow_name: bool,
    allow_kind: bool,
) {
    if !is_patch_object(&patch) {
        ctx.problem(
            patch.span,
            ProblemCode::InvalidPatch,
            "a strategic-merge patch needs `kind` and `metadata.name`",
        );
        return;
    }
    let id = patch_id(&patch);
    let matches: Vec<usize> = resources
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.is_empty() && r.all_ids().iter().any(|i| i.equals(&id)))
        .map(|(i, _)| i)
        .collect();
    match matches[..] {
        [index] => {
            let origin = patch.span;
            ctx.matched_patch_targets.push(origin);
            if let Err(message) =
                apply_strategic(&mut resources[index], patch, allow_name, allow_kind)
            {
                ctx.problem(origin, ProblemCode::InvalidPatch, message);
            }
        }
        [] => ctx.patch_target_not_found(
            patch.span,
            format!("no resource matches strategic merge patch {}", id.display()),
            true,
        ),
        _ => ctx.problem(
            patch.span,
            ProblemCode::PatchTargetNotFound,
            format!(
                "strategic merge patch {} matches {} resources",
                id.display(),
                matches.len()
            ),
        ),
    }
    drop_emptied(resources);
}

fn drop_emptied(resources: &mut Vec<Resource>) {
    resources.retain(|r| !r.is_empty());
}

/// Merge a patch into one resource, keeping its name, kind and namespace
/// unless the patch's options allow changing them.
fn apply_strategic(
    resource: &mut Resource,
    mut patch: RNode,
    allow_name: bool,
    allow_kind: bool,
) -> Result<(), String> {
    if allow_name || allow_kind {
        resource.store_previous_id();
    }
    let kind = resource.root.get("kind").cloned();
    let name = tree::get_path(&resource.root, &["metadata", "name"]).cloned();
    let namespace = tree::get_path(&resource.root, &["metadata", "namespace"]).cloned();
    if let Some(api_version) = resource.root.get("apiVersion").cloned() {
        tree::set_field(&mut patch, "apiVersion", api_version);
    }
    let schema = MergeSchema::get().for_kind(resource.api_version(), resource.kind());
    let merged = strategic::merge(Some(resource.root.clone()), Some(patch), schema)?;
    let Some(mut root) = merged else {
        resource.root = tree::map_node(resource.root.span);
        return Ok(());
    };
    if !tree::is_map(&root) || matches!(&root.value, NodeValue::Map(e) if e.is_empty()) {
        resource.root = tree::map_node(resource.root.span);
        return Ok(());
    }
    if !allow_kind {
        if let Some(kind) = kind {
            tree::set_field(&mut root, "kind", kind);
        }
    }
    let span = root.span;
    if let Some(metadata) = tree::ensure_map(&mut root, "metadata", span) {
        if !allow_name {
            if let Some(name) = name {
                tree::set_field(metadata, "name", name);
            }
        }
        match namespace {
            Some(ns) => tree::set_field(metadata, "namespace", ns),
            None => {
                tree::remove_field(metadata, "namespace");
            }
        }
    }
    resource.root = root;
    Ok(())
}

fn compile(ctx: &mut Ctx<'_>, target: &Sp<SelectorSpec>) -> Option<Selector> {
    match Selector::compile(&target.value) {
        Ok(selector) => Some(selector),
        Err(message) => {
            ctx.problem(target.origin, ProblemCode::InvalidSelector, message);
            None
        }
    }
}

/// The resources a patch's `target` selects, recording that it matched or reporting that
/// it selects nothing (the patch then changes nothing); `None` when the target does not
/// compile (reported). JSON and strategic merge patches share this so both report the
/// same problems the same way.
fn select_target(
    ctx: &mut Ctx<'_>,
    target: &Sp<SelectorSpec>,
    resources: &[Resource],
) -> Option<Vec<usize>> {
    let selector = compile(ctx, target)?;
    let selected = select(&selector, resources);
    if selected.is_empty() {
        ctx.patch_target_not_found(
            target.origin,
            "the patch's target selects no resource; the patch changes nothing".to_owned(),
            false,
        );
    } else {
        ctx.matched_patch_targets.push(target.origin);
    }
    Some(selected)
}

/// Indices of the resources a target selects (kustomize's `Select`: original
/// or current namespace and name, current kind, labels and annotations).
pub fn select(selector: &Selector, resources: &[Resource]) -> Vec<usize> {
    resources
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            let cur = r.cur_id();
            let org = r.org_id();
            (selector.matches_namespace(org.effective_namespace())
                || selector.matches_namespace(cur.effective_namespace()))
                && (selector.matches_name(&org.name) || selector.matches_name(&cur.name))
                && selector.matches_gvk(&r.gvk())
                && selector.matches_metadata(&tree::labels(&r.root), &tree::annotations(&r.root))
        })
        .map(|(i, _)| i)
        .collect()
}

/// `patches:` (`legacy_json` false) or `patchesJson6902:` (true).
pub fn run_patches(
    ctx: &mut Ctx<'_>,
    dir: &str,
    rules: &[PatchRule],
    resources: &mut Vec<Resource>,
    legacy_json: bool,
) {
    for rule in rules {
        let inline = rule
            .patch
            .as_ref()
            .filter(|p| p.as_str().is_some_and(|t| !t.trim().is_empty()));
        let documents = match (&rule.path, inline) {
            (Some(_), Some(_)) => {
                ctx.problem(
                    rule.origin,
                    ProblemCode::InvalidPatch,
                    "`patch` and `path` cannot both be set",
                );
                continue;
            }
            (None, None) => {
                ctx.problem(
                    rule.origin,
                    ProblemCode::InvalidPatch,
                    "a patch needs `patch` or `path`",
                );
                continue;
            }
            (Some(path), None) => load_path(ctx, dir, path),
            (None, Some(scalar)) => load_inline(ctx, scalar),
        };
        let Some(documents) = documents else {
            continue;
        };
        let is_json = documents.len() == 1 && matches!(documents[0].value, NodeValue::Seq(_));
        let is_smp = !documents.is_empty() && documents.iter().all(is_patch_object);
        if is_json || legacy_json {
            apply_json(ctx, rule, &documents, resources, legacy_json);
        } else if is_smp {
            apply_smp_rule(ctx, rule, documents, resources);
        } else {
            ctx.problem(
                rule.origin,
                ProblemCode::InvalidPatch,
                "unable to parse the patch as a strategic merge patch (an object with `kind`) or a JSON patch (a list of operations)",
            );
        }
    }
}

fn apply_json(
    ctx: &mut Ctx<'_>,
    rule: &PatchRule,
    documents: &[RNode],
    resources: &mut [Resource],
    legacy: bool,
) {
    let Some(target) = &rule.target else {
        ctx.problem(
            rule.origin,
            ProblemCode::InvalidPatch,
            "a JSON patch needs a `target`",
        );
        return;
    };
    if legacy && target.value.name.is_empty() {
        ctx.problem(
            target.origin,
            ProblemCode::InvalidPatch,
            "`patchesJson6902` needs the target's `name`",
        );
        return;
    }
    let operations = match documents {
        [document] => json6902::read_operations(document),
        _ => Err((
            rule.origin,
            "a JSON patch must be one list of operations".to_owned(),
        )),
    };
    let operations = match operations {
        Ok(ops) => ops,
        Err((origin, message)) => {
            ctx.problem(origin, ProblemCode::InvalidJsonPatch, message);
            return;
        }
    };
    let Some(selected) = select_target(ctx, target, resources) else {
        return;
    };
    for index in selected {
        let resource = &mut resources[index];
        if !legacy {
            resource.store_previous_id();
        }
        // kustomize's build annotations live in `metadata.annotations` during
        // the build, so a patch adding one annotation finds the map there.
        let virtual_annotations = resource.has_build_annotations()
            && tree::get_path(&resource.root, &["metadata", "annotations"]).is_none();
        if virtual_annotations {
            let span = resource.root.span;
            if let Some(metadata) = tree::ensure_map(&mut resource.root, "metadata", span) {
                tree::ensure_map(metadata, "annotations", span);
            }
        }
        let applied = json6902::apply(&mut resource.root, &operations);
        if virtual_annotations {
            remove_empty_annotations(&mut resource.root);
        }
        if let Err((origin, message)) = applied {
            let id = resource.cur_id().display();
            ctx.problem(
                origin,
                ProblemCode::InvalidJsonPatch,
                format!("{message} (in {id})"),
            );
        }
    }
}

fn apply_smp_rule(
    ctx: &mut Ctx<'_>,
    rule: &PatchRule,
    documents: Vec<RNode>,
    resources: &mut Vec<Resource>,
) {
    let Some(target) = &rule.target else {
        for document in documents {
            apply_by_own_id(
                ctx,
                document,
                resources,
                rule.allow_name_change,
                rule.allow_kind_change,
            );
        }
        return;
    };
    if documents.len() > 1 {
        ctx.problem(
            rule.origin,
            ProblemCode::InvalidPatch,
            "several strategic merge patches in one `patches` entry cannot share a `target`",
        );
        return;
    }
    let Some(selected) = select_target(ctx, target, resources) else {
        return;
    };
    let Some(patch) = documents.into_iter().next() else {
        return;
    };
    for index in selected {
        let origin: Origin = patch.span;
        if let Err(message) = apply_strategic(
            &mut resources[index],
            patch.clone(),
            rule.allow_name_change,
            rule.allow_kind_change,
        ) {
            ctx.problem(origin, ProblemCode::InvalidPatch, message);
        }
    }
    drop_emptied(resources);
    report_conflicts(ctx, rule.origin, resources);
}

/// Drop `metadata.annotations` when it is empty, null or not a mapping, as
/// kustomize does when it removes its build annotations at the end.
pub fn remove_empty_annotations(root: &mut RNode) {
    let Some(metadata) = tree::get_mut(root, "metadata") else {
        return;
    };
    let keep = matches!(
        metadata.get("annotations").map(|a| &a.value),
        Some(NodeValue::Map(e)) if !e.is_empty()
    );
    if !keep {
        tree::remove_field(metadata, "annotations");
    }
}

fn report_conflicts(ctx: &mut Ctx<'_>, origin: Origin, resources: &[Resource]) {
    for (i, a) in resources.iter().enumerate() {
        let id = a.cur_id();
        if resources[..i].iter().any(|b| b.cur_id().equals(&id)) {
            ctx.problem(
                origin,
                ProblemCode::IdConflict,
                format!("after this patch two resources are {}", id.display()),
            );
        }
    }
}
