//! `replacements:`: copy a field of one object (or a literal `sourceValue`)
//! into fields of the objects the targets select.

use hubspoke_manifest::yaml::NodeValue;

use crate::build::Ctx;
use crate::fs::resolve;
use crate::kustomization::{
    self, source_gvk, FieldOptions, Replacement, ReplacementEntry, ReplacementSource,
};
use crate::origin::{Origin, RNode};
use crate::problem::ProblemCode;
use crate::resid::ResId;
use crate::resource::Resource;
use crate::selector::Selector;
use crate::tree::{self, map_node, scalar_text, string_node};

/// Run a kustomization's replacements in order.
pub fn run(ctx: &mut Ctx<'_>, dir: &str, entries: &[ReplacementEntry], resources: &mut [Resource]) {
    for entry in entries {
        let replacements = match entry {
            ReplacementEntry::Inline(r) => vec![(**r).clone()],
            ReplacementEntry::Path(path) => load(ctx, dir, path),
        };
        for replacement in &replacements {
            if let Err((origin, message)) = apply(replacement, resources) {
                ctx.problem(origin, ProblemCode::InvalidReplacement, message);
            }
        }
    }
}

fn load(ctx: &mut Ctx<'_>, dir: &str, path: &kustomization::Sp<String>) -> Vec<Replacement> {
    let Ok(resolved) = resolve(dir, &path.value) else {
        ctx.problem(
            path.origin,
            ProblemCode::OutsideRoot,
            format!(
                "replacement file `{}` is outside the linted root",
                path.value
            ),
        );
        return Vec::new();
    };
    let Some(id) = ctx.fs.file_id(&resolved) else {
        ctx.problem(
            path.origin,
            ProblemCode::MissingFile,
            format!(
                "replacement file `{}` not found among the linted files",
                path.value
            ),
        );
        return Vec::new();
    };
    let Some(root) = ctx.file_root(id) else {
        return Vec::new();
    };
    kustomization::read_replacements(&root, &mut ctx.problems)
}

fn apply(replacement: &Replacement, resources: &mut [Resource]) -> Result<(), (Origin, String)> {
    let origin = replacement.origin;
    let value = match (&replacement.source, &replacement.source_value) {
        (Some(_), Some(_)) => {
            return Err((
                origin,
                "`source` and `sourceValue` cannot both be set".to_owned(),
            ))
        }
        (None, Some(v)) => string_node(v.value.clone(), v.origin),
        (Some(source), None) => source_value(source, resources).map_err(|m| (origin, m))?,
        (None, None) => {
            return Err((
                origin,
                "a replacement needs a `source` (or `sourceValue`) and targets".to_owned(),
            ))
        }
    };
    if replacement.targets.is_empty() {
        return Err((origin, "a replacement needs at least one target".to_owned()));
    }
    for target in &replacement.targets {
        let Some(select) = &target.select else {
            return Err((
                target.origin,
                "a target must say which resources it selects (`select`)".to_owned(),
            ));
        };
        let selector = Selector::compile(select).map_err(|m| (target.origin, m))?;
        let rejects = target
            .reject
            .iter()
            .map(Selector::compile)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|m| (target.origin, m))?;
        let field_paths = if target.field_paths.is_empty() {
            vec!["metadata.name".to_owned()]
        } else {
            target.field_paths.clone()
        };
        for resource in resources.iter_mut() {
            let labels = tree::labels(&resource.root);
            let annotations = tree::annotations(&resource.root);
            if !selector.matches_metadata(&labels, &annotations) {
                continue;
            }
            let rejected_by_metadata = rejects.iter().any(|r| {
                let spec = r.spec();
                !(spec.label_selector.is_empty() && spec.annotation_selector.is_empty())
                    && r.matches_metadata(&labels, &annotations)
            });
            if rejected_by_metadata {
                continue;
            }
            let ids = ids_of(resource);
            let rejected = rejects
                .iter()
                .any(|r| !r.spec().id_is_empty() && ids.iter().any(|id| r.matches_id(id)));
            if rejected || !ids.iter().any(|id| selector.matches_id(id)) {
                continue;
            }
            for path in &field_paths {
                set_target(&mut resource.root, path, &value, &target.options)
                    .map_err(|m| (target.origin, m))?;
            }
        }
    }
    Ok(())
}

/// The current id, then the previous ones (kustomize's `MakeResIds`).
fn ids_of(resource: &Resource) -> Vec<ResId> {
    let mut ids = vec![resource.cur_id()];
    ids.extend(resource.prev_ids());
    ids
}

fn source_value(source: &ReplacementSource, resources: &[Resource]) -> Result<RNode, String> {
    let gvk = source_gvk(source);
    let wanted = ResId {
        gvk: gvk.clone(),
        name: source.name.clone(),
        namespace: source.namespace.clone(),
        cluster_scoped: gvk.is_cluster_scoped(),
    };
    let selected_by = |id: &ResId| {
        (wanted.name.is_empty() || wanted.name == id.name)
            && (wanted.namespace.is_empty() || wanted.ns_equals(id))
            && id.gvk.is_selected_by(&wanted.gvk)
    };
    let mut matches = resources
        .iter()
        .filter(|r| ids_of(r).iter().any(selected_by));
    let shown = format!("{}/{}", source.kind, source.name);
    let Some(found) = matches.next() else {
        return Err(format!("nothing selected by replacement source {shown}"));
    };
    if matches.next().is_some() {
        return Err(format!(
            "several resources match replacement source {shown}"
        ));
    }
    let field_path = if source.field_path.is_empty() {
        "metadata.name"
    } else {
        source.field_path.as_str()
    };
    let segments = split_field_path(field_path);
    let node = lookup(&found.root, &segments)
        .filter(|n| !matches!(n.value, NodeValue::Null))
        .ok_or_else(|| {
            format!("fieldPath `{field_path}` is missing for replacement source {shown}")
        })?;
    refine(node, &source.options)
}

fn refine(node: &RNode, options: &FieldOptions) -> Result<RNode, String> {
    if options.delimiter.is_empty() {
        return Ok(node.clone());
    }
    let Some(text) = scalar_text(node) else {
        return Err("the delimiter option can only be used with scalar nodes".to_owned());
    };
    let parts: Vec<&str> = text.split(options.delimiter.as_str()).collect();
    let index = usize::try_from(options.index)
        .ok()
        .filter(|i| *i < parts.len());
    let Some(index) = index else {
        return Err(format!(
            "options.index {} is out of bounds for value {text}",
            options.index
        ));
    };
    Ok(string_node(parts[index], node.span))
}

/// Split a dotted field path, keeping `[key=value]` (which may hold dots) whole.
pub fn split_field_path(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    for c in path.chars() {
        match c {
            '[' => {
                depth += 1;
                current.push(c);
            }
            ']' => {
                depth = depth.saturating_sub(1);
                current.push(c);
            }
            '.' if depth == 0 => out.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    out.push(current);
    out
}

/// `[key=value]` in a path.
fn element_selector(segment: &str) -> Option<(&str, &str)> {
    segment
        .strip_prefix('[')?
        .strip_suffix(']')?
        .split_once('=')
}

/// The field a segment names in a mapping: kustomize (kyaml) reads `[config.toml]`, a
/// bracketed name without `=`, as the field `config.toml` (how a key holding dots is
/// written in a dotted path).
fn field_name(segment: &str) -> &str {
    match segment.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
        Some(name) if !name.contains('=') => name,
        _ => segment,
    }
}

fn lookup<'n>(node: &'n RNode, segments: &[String]) -> Option<&'n RNode> {
    let mut current = node;
    for segment in segments {
        current = match &current.value {
            NodeValue::Map(_) => current.get(field_name(segment))?,
            NodeValue::Seq(items) => match element_selector(segment) {
                Some((key, value)) => items.iter().find(|i| matches_element(i, key, value))?,
                None => items.get(segment.parse::<usize>().ok()?)?,
            },
            _ => return None,
        };
    }
    Some(current)
}

fn matches_element(item: &RNode, key: &str, value: &str) -> bool {
    if key.is_empty() {
        return scalar_text(item).as_deref() == Some(value);
    }
    item.get(key).and_then(scalar_text).as_deref() == Some(value)
}

/// Call `f` on every field a target path names (`*` and `[key=value]` may
/// match several), creating missing fields when asked.
fn visit_targets(
    node: &mut RNode,
    segments: &[String],
    create: bool,
    origin: Origin,
    f: &mut dyn FnMut(&mut RNode) -> Result<(), String>,
) -> Result<usize, String> {
    let Some((first, rest)) = segments.split_first() else {
        f(node)?;
        return Ok(1);
    };
    if tree::is_map(node) {
        let first = field_name(first);
        if node.get(first).is_none() {
            if !create {
                return Ok(0);
            }
            let next_is_list = rest.first().is_some_and(|s| {
                element_selector(s).is_some() || s == "*" || s.parse::<usize>().is_ok()
            });
            let fresh = if next_is_list {
                RNode {
                    span: origin,
                    value: NodeValue::Seq(Vec::new()),
                }
            } else if rest.is_empty() {
                RNode {
                    span: origin,
                    value: NodeValue::Null,
                }
            } else {
                map_node(origin)
            };
            tree::set_field(node, first, fresh);
        }
        return match tree::get_mut(node, first) {
            Some(next) => visit_targets(next, rest, create, origin, f),
            None => Ok(0),
        };
    }
    let NodeValue::Seq(items) = &mut node.value else {
        return Ok(0);
    };
    let mut count = 0;
    if first == "*" {
        for item in items.iter_mut() {
            count += visit_targets(item, rest, create, origin, f)?;
        }
    } else if let Some((key, value)) = element_selector(first) {
        let mut any = false;
        for item in items.iter_mut() {
            if matches_element(item, key, value) {
                any = true;
                count += visit_targets(item, rest, create, origin, f)?;
            }
        }
        if !any && create && !key.is_empty() {
            let mut element = map_node(origin);
            tree::set_field(&mut element, key, string_node(value, origin));
            items.push(element);
            if let Some(last) = items.last_mut() {
                count += visit_targets(last, rest, create, origin, f)?;
            }
        }
    } else if let Some(item) = first.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
        count += visit_targets(item, rest, create, origin, f)?;
    }
    Ok(count)
}

fn set_target(
    root: &mut RNode,
    path: &str,
    value: &RNode,
    options: &FieldOptions,
) -> Result<(), String> {
    let segments = split_field_path(path);
    let mut set = |target: &mut RNode| -> Result<(), String> {
        let mut value = value.clone();
        if !options.delimiter.is_empty() {
            let Some(current) = scalar_text(target) else {
                return Err("the delimiter option can only be used with scalar nodes".to_owned());
            };
            let mut parts: Vec<String> = current
                .split(options.delimiter.as_str())
                .map(str::to_owned)
                .collect();
            let v = scalar_text(&value).unwrap_or_default();
            match usize::try_from(options.index) {
                Err(_) => parts.insert(0, v),
                Ok(i) if i >= parts.len() => parts.push(v),
                Ok(i) => parts[i] = v,
            }
            value = string_node(parts.join(&options.delimiter), value.span);
        }
        let target_is_scalar = !matches!(
            target.value,
            NodeValue::Map(_) | NodeValue::Seq(_) | NodeValue::Null
        );
        *target = match (target_is_scalar, scalar_text(&value)) {
            // kustomize changes a scalar's text and keeps its type.
            (true, Some(text)) => RNode {
                span: value.span,
                value: retype(&target.value, text),
            },
            _ => value,
        };
        Ok(())
    };
    let count = visit_targets(root, &segments, options.create, value.span, &mut set)?;
    if count == 0 {
        return Err(if options.create {
            format!("unable to find or create field `{path}` in replacement target")
        } else {
            format!("unable to find field `{path}` in replacement target")
        });
    }
    Ok(())
}

fn retype(old: &NodeValue<Origin>, text: String) -> NodeValue<Origin> {
    match old {
        NodeValue::Int(_) => text
            .parse()
            .map(NodeValue::Int)
            .unwrap_or(NodeValue::Str(text)),
        NodeValue::Float(_) => text
            .parse()
            .map(NodeValue::Float)
            .unwrap_or(NodeValue::Str(text)),
        NodeValue::Bool(_) => match text.as_str() {
            "true" => NodeValue::Bool(true),
            "false" => NodeValue::Bool(false),
            _ => NodeValue::Str(text),
        },
        _ => NodeValue::Str(text),
    }
}
