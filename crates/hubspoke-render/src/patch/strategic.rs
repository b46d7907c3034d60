//! Strategic merge as kustomize does it (kyaml's `merge2`, not apimachinery's):
//! maps merge recursively, `null` deletes, `$patch: delete|replace|merge`
//! directives, lists merge element by element only where the built-in schema
//! names merge keys — the patch's elements first, then the rest — and every
//! other list is replaced by the patch's.

use hubspoke_manifest::yaml::NodeValue;

use super::schema::Schema;
use crate::origin::{Origin, RNode};
use crate::tree::scalar_text;

const DIRECTIVE: &str = "$patch";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Directive {
    Merge,
    Replace,
    Delete,
}

fn is_null(node: Option<&RNode>) -> bool {
    matches!(
        node,
        None | Some(RNode {
            value: NodeValue::Null,
            ..
        })
    )
}

fn kind_name(node: &RNode) -> &'static str {
    match node.value {
        NodeValue::Map(_) => "a mapping",
        NodeValue::Seq(_) => "a list",
        _ => "a scalar",
    }
}

/// Read and remove a map's `$patch` directive.
fn map_directive(node: &mut RNode) -> Result<Directive, String> {
    let NodeValue::Map(entries) = &mut node.value else {
        return Ok(Directive::Merge);
    };
    let Some(position) = entries
        .iter()
        .rposition(|(k, _)| k.as_str() == Some(DIRECTIVE))
    else {
        return Ok(Directive::Merge);
    };
    let value = scalar_text(&entries[position].1).unwrap_or_default();
    let directive = parse_directive(&value)?;
    entries.retain(|(k, _)| k.as_str() != Some(DIRECTIVE));
    Ok(directive)
}

fn parse_directive(value: &str) -> Result<Directive, String> {
    match value {
        "delete" => Ok(Directive::Delete),
        "replace" => Ok(Directive::Replace),
        "merge" => Ok(Directive::Merge),
        other => Err(format!("unknown patch strategy `{other}`")),
    }
}

/// Read and remove a list's `{$patch: …}` element (an element holding only the directive).
fn list_directive(node: &mut RNode) -> Result<Directive, String> {
    let NodeValue::Seq(items) = &mut node.value else {
        return Ok(Directive::Merge);
    };
    let found = items.iter().position(|item| match &item.value {
        NodeValue::Map(entries) => entries.len() == 1 && entries[0].0.as_str() == Some(DIRECTIVE),
        _ => false,
    });
    let Some(position) = found else {
        return Ok(Directive::Merge);
    };
    let value = match &items[position].value {
        NodeValue::Map(entries) => scalar_text(&entries[0].1).unwrap_or_default(),
        _ => String::new(),
    };
    let directive = parse_directive(&value)?;
    items.remove(position);
    Ok(directive)
}

/// Merge `patch` into `dest`; `None` means the node is removed.
pub fn merge(
    dest: Option<RNode>,
    patch: Option<RNode>,
    schema: Schema<'_>,
) -> Result<Option<RNode>, String> {
    let kind_source = [dest.as_ref(), patch.as_ref()]
        .into_iter()
        .flatten()
        .find(|n| !is_null(Some(n)));
    match kind_source.map(|n| &n.value) {
        Some(NodeValue::Seq(_)) => {
            check_kinds(&dest, &patch, |v| matches!(v, NodeValue::Seq(_)))?;
            merge_list(dest, patch, schema)
        }
        Some(NodeValue::Map(_)) | None => {
            check_kinds(&dest, &patch, |v| matches!(v, NodeValue::Map(_)))?;
            merge_map(dest, patch, schema)
        }
        Some(_) => {
            check_kinds(&dest, &patch, |v| {
                !matches!(v, NodeValue::Map(_) | NodeValue::Seq(_))
            })?;
            Ok(match patch {
                Some(p) => Some(p),
                None => dest,
            })
        }
    }
}

fn check_kinds(
    dest: &Option<RNode>,
    patch: &Option<RNode>,
    same: impl Fn(&NodeValue<Origin>) -> bool,
) -> Result<(), String> {
    if let (Some(d), Some(p)) = (dest, patch) {
        if !is_null(Some(d)) && !is_null(Some(p)) && (!same(&d.value) || !same(&p.value)) {
            return Err(format!(
                "cannot merge {} into {}",
                kind_name(p),
                kind_name(d)
            ));
        }
    }
    Ok(())
}

fn merge_map(
    dest: Option<RNode>,
    patch: Option<RNode>,
    schema: Schema<'_>,
) -> Result<Option<RNode>, String> {
    let Some(mut patch) = patch else {
        return Ok(dest);
    };
    let dest = match dest {
        Some(d) if !is_null(Some(&d)) => d,
        _ => {
            if map_directive(&mut patch)? == Directive::Delete {
                return Ok(None);
            }
            if is_null(Some(&patch)) {
                return Ok(Some(patch));
            }
            // kustomize walks a new subtree against itself, which applies the
            // directives nested in it.
            return merge_fields(patch.clone(), patch, schema).map(Some);
        }
    };
    if is_null(Some(&patch)) {
        return Ok(None);
    }
    match map_directive(&mut patch)? {
        Directive::Delete => Ok(None),
        Directive::Replace => merge_fields(patch.clone(), patch, schema).map(Some),
        Directive::Merge => merge_fields(dest, patch, schema).map(Some),
    }
}

fn merge_fields(mut dest: RNode, patch: RNode, schema: Schema<'_>) -> Result<RNode, String> {
    let NodeValue::Map(patch_entries) = patch.value else {
        return Ok(dest);
    };
    let mut patch_entries: Vec<(RNode, RNode)> = patch_entries;
    // kyaml visits the union of keys in sorted order; new keys are appended in that order.
    patch_entries.sort_by_key(|a| a.0.key_text());
    for (key, value) in patch_entries {
        let name = key.key_text();
        let NodeValue::Map(entries) = &mut dest.value else {
            break;
        };
        let position = entries.iter().rposition(|(k, _)| k.key_text() == name);
        let existing = position.map(|p| entries[p].1.clone());
        let merged = merge(existing, Some(value), schema.field(&name))?;
        match (merged, position) {
            (Some(node), Some(p)) if !is_null(Some(&node)) => entries[p].1 = node,
            (Some(node), None) if !is_null(Some(&node)) => entries.push((key, node)),
            (_, Some(p)) => {
                entries.remove(p);
            }
            (_, None) => {}
        }
    }
    Ok(dest)
}

/// The values of an element's merge keys (`""` for a missing key).
fn key_values(element: &RNode, keys: &[String]) -> Vec<String> {
    keys.iter()
        .map(|k| element.get(k).and_then(scalar_text).unwrap_or_default())
        .collect()
}

fn merge_list(
    dest: Option<RNode>,
    patch: Option<RNode>,
    schema: Schema<'_>,
) -> Result<Option<RNode>, String> {
    let Some(keys) = schema.merge_keys() else {
        return Ok(match patch {
            Some(p) => Some(p),
            None => dest,
        });
    };
    let Some(mut patch) = patch else {
        return Ok(dest);
    };
    let dest = match dest {
        Some(d) if !is_null(Some(&d)) => d,
        _ => {
            if is_null(Some(&patch)) {
                return Ok(Some(patch));
            }
            let _ = list_directive(&mut patch)?;
            return merge_elements(patch.clone(), patch, keys, schema).map(Some);
        }
    };
    if is_null(Some(&patch)) {
        return Ok(None);
    }
    match list_directive(&mut patch)? {
        Directive::Delete => Ok(None),
        Directive::Replace => merge_elements(patch.clone(), patch, keys, schema).map(Some),
        Directive::Merge => merge_elements(dest, patch, keys, schema).map(Some),
    }
}

fn merge_elements(
    dest: RNode,
    patch: RNode,
    keys: &[String],
    schema: Schema<'_>,
) -> Result<RNode, String> {
    let origin = dest.span;
    let (NodeValue::Seq(dest_items), NodeValue::Seq(patch_items)) = (dest.value, patch.value)
    else {
        return Err("expected two lists".to_owned());
    };
    let mut out = Vec::new();
    if keys.is_empty() {
        // A list of scalars that merges: the union, the patch's values first.
        let mut seen: Vec<String> = Vec::new();
        for item in patch_items.into_iter().chain(dest_items) {
            let text = scalar_text(&item).unwrap_or_default();
            if !seen.contains(&text) {
                seen.push(text);
                out.push(item);
            }
        }
        return Ok(RNode {
            span: origin,
            value: NodeValue::Seq(out),
        });
    }
    let mut order: Vec<Vec<String>> = Vec::new();
    for item in patch_items.iter().chain(dest_items.iter()) {
        let values = key_values(item, keys);
        if values.iter().all(String::is_empty) || order.contains(&values) {
            continue;
        }
        order.push(values);
    }
    let find = |items: &[RNode], values: &[String]| {
        items
            .iter()
            .find(|i| key_values(i, keys) == values)
            .cloned()
    };
    for values in &order {
        let merged = merge(
            find(&dest_items, values),
            find(&patch_items, values),
            schema.elements(),
        )?;
        match merged {
            Some(node)
                if !is_null(Some(&node))
                    && !matches!(&node.value, NodeValue::Map(e) if e.is_empty()) =>
            {
                out.push(node)
            }
            _ => {}
        }
    }
    // Elements without any merge key cannot be matched; kustomize keeps them.
    for item in dest_items {
        if key_values(&item, keys).iter().all(String::is_empty) {
            out.push(item);
        }
    }
    Ok(RNode {
        span: origin,
        value: NodeValue::Seq(out),
    })
}
