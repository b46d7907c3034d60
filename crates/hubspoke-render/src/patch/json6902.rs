//! JSON patch (RFC 6902) applied to a rendered tree, with the semantics of the
//! library kustomize uses (evanphx/json-patch v4): `add`, `remove`,
//! `replace`, `move`, `copy`, `test`; a missing path is an error, `-` appends,
//! negative indices count from the end.

use hubspoke_manifest::yaml::NodeValue;

use crate::origin::{Origin, RNode};
use crate::tree::scalar_text;

/// One operation, its values still trees of the patch text.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The operation's node (for problems).
    pub origin: Origin,
    /// `op`.
    pub op: String,
    /// `path`, split and unescaped.
    pub path: Vec<String>,
    /// `from`, for `move` and `copy`.
    pub from: Option<Vec<String>>,
    /// `value`.
    pub value: Option<RNode>,
}

/// Read the operations of a patch document (a list of mappings).
pub fn read_operations(document: &RNode) -> Result<Vec<Operation>, (Origin, String)> {
    let NodeValue::Seq(items) = &document.value else {
        return Err((
            document.span,
            "a JSON patch must be a list of operations".to_owned(),
        ));
    };
    let mut out = Vec::new();
    for item in items {
        let text = |key: &str| item.get(key).and_then(scalar_text);
        let Some(op) = text("op") else {
            return Err((item.span, "a JSON patch operation needs `op`".to_owned()));
        };
        let path = match text("path") {
            Some(p) => split_pointer(&p)
                .map_err(|e| (item.get("path").map_or(item.span, |n| n.span), e))?,
            None => return Err((item.span, format!("operation `{op}` needs `path`"))),
        };
        let from = match text("from") {
            Some(f) => Some(
                split_pointer(&f)
                    .map_err(|e| (item.get("from").map_or(item.span, |n| n.span), e))?,
            ),
            None => None,
        };
        if !matches!(
            op.as_str(),
            "add" | "remove" | "replace" | "move" | "copy" | "test"
        ) {
            return Err((
                item.get("op").map_or(item.span, |n| n.span),
                format!("unknown JSON patch operation `{op}`"),
            ));
        }
        if matches!(op.as_str(), "move" | "copy") && from.is_none() {
            return Err((item.span, format!("operation `{op}` needs `from`")));
        }
        let value = item.get("value").cloned();
        if matches!(op.as_str(), "add" | "replace" | "test") && value.is_none() {
            return Err((item.span, format!("operation `{op}` needs `value`")));
        }
        out.push(Operation {
            origin: item.span,
            op,
            path,
            from,
            value,
        });
    }
    Ok(out)
}

/// Split a JSON pointer (`/a/b~1c`) into unescaped tokens.
pub fn split_pointer(pointer: &str) -> Result<Vec<String>, String> {
    if pointer.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = pointer.strip_prefix('/') else {
        return Err(format!("JSON pointer `{pointer}` must start with `/`"));
    };
    Ok(rest
        .split('/')
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect())
}

fn index_of(token: &str, len: usize, for_insert: bool) -> Result<usize, String> {
    if token == "-" && for_insert {
        return Ok(len);
    }
    let i: i64 = token
        .parse()
        .map_err(|_| format!("`{token}` is not a list index"))?;
    let limit = if for_insert {
        len
    } else {
        len.saturating_sub(1)
    };
    let resolved = if i < 0 {
        let back = i.unsigned_abs() as usize;
        if back > len {
            return Err(format!("index {i} is out of range"));
        }
        len - back
    } else {
        i as usize
    };
    if resolved > limit || (!for_insert && len == 0) {
        return Err(format!("index {i} is out of range"));
    }
    Ok(resolved)
}

fn get<'n>(node: &'n RNode, path: &[String]) -> Option<&'n RNode> {
    let mut current = node;
    for token in path {
        current = match &current.value {
            NodeValue::Map(entries) => entries
                .iter()
                .rev()
                .find(|(k, _)| k.key_text() == *token)
                .map(|(_, v)| v)?,
            NodeValue::Seq(items) => items.get(index_of(token, items.len(), false).ok()?)?,
            _ => return None,
        };
    }
    Some(current)
}

fn parent_mut<'n>(node: &'n mut RNode, path: &[String]) -> Result<(&'n mut RNode, String), String> {
    let Some((last, parents)) = path.split_last() else {
        return Err("the whole document cannot be the target".to_owned());
    };
    let mut current = node;
    for token in parents {
        current = match &mut current.value {
            NodeValue::Map(entries) => entries
                .iter_mut()
                .rev()
                .find(|(k, _)| k.key_text() == *token)
                .map(|(_, v)| v)
                .ok_or_else(|| format!("missing `{token}`"))?,
            NodeValue::Seq(items) => {
                let i = index_of(token, items.len(), false)?;
                items
                    .get_mut(i)
                    .ok_or_else(|| format!("index {token} is out of range"))?
            }
            _ => return Err(format!("`{token}` is inside a scalar")),
        };
    }
    Ok((current, last.clone()))
}

fn add(doc: &mut RNode, path: &[String], value: RNode) -> Result<(), String> {
    let (parent, last) = parent_mut(doc, path)?;
    match &mut parent.value {
        NodeValue::Map(entries) => {
            match entries.iter_mut().rev().find(|(k, _)| k.key_text() == last) {
                Some((_, v)) => *v = value,
                None => entries.push((
                    RNode {
                        span: value.span,
                        value: NodeValue::Str(last),
                    },
                    value,
                )),
            }
            Ok(())
        }
        NodeValue::Seq(items) => {
            let i = index_of(&last, items.len(), true)?;
            items.insert(i, value);
            Ok(())
        }
        _ => Err("the parent is not a mapping or a list".to_owned()),
    }
}

fn remove(doc: &mut RNode, path: &[String]) -> Result<RNode, String> {
    let (parent, last) = parent_mut(doc, path)?;
    match &mut parent.value {
        NodeValue::Map(entries) => {
            let position = entries
                .iter()
                .rposition(|(k, _)| k.key_text() == last)
                .ok_or_else(|| format!("missing `{last}`"))?;
            Ok(entries.remove(position).1)
        }
        NodeValue::Seq(items) => {
            let i = index_of(&last, items.len(), false)?;
            Ok(items.remove(i))
        }
        _ => Err("the parent is not a mapping or a list".to_owned()),
    }
}

fn replace(doc: &mut RNode, path: &[String], value: RNode) -> Result<(), String> {
    if path.is_empty() {
        *doc = value;
        return Ok(());
    }
    let (parent, last) = parent_mut(doc, path)?;
    match &mut parent.value {
        // json-patch v4, which kustomize uses, replaces a missing key of an
        // object as if it were added.
        NodeValue::Map(entries) => {
            match entries.iter_mut().rev().find(|(k, _)| k.key_text() == last) {
                Some(slot) => slot.1 = value,
                None => entries.push((
                    RNode {
                        span: value.span,
                        value: NodeValue::Str(last),
                    },
                    value,
                )),
            }
            Ok(())
        }
        NodeValue::Seq(items) => {
            let i = index_of(&last, items.len(), false)?;
            items[i] = value;
            Ok(())
        }
        _ => Err("the parent is not a mapping or a list".to_owned()),
    }
}

/// Apply every operation; on the first failure the document is left as it
/// was (as kustomize, which fails the build) and the failing operation is named.
pub fn apply(doc: &mut RNode, operations: &[Operation]) -> Result<(), (Origin, String)> {
    let mut work = doc.clone();
    for operation in operations {
        let path = &operation.path;
        let shown = format!("/{}", path.join("/"));
        let fail = |message: String| {
            (
                operation.origin,
                format!("`{}` at `{shown}` fails: {message}", operation.op),
            )
        };
        let result = match operation.op.as_str() {
            "add" => add(
                &mut work,
                path,
                operation
                    .value
                    .clone()
                    .unwrap_or_else(|| null(operation.origin)),
            ),
            "remove" => remove(&mut work, path).map(|_| ()),
            "replace" => replace(
                &mut work,
                path,
                operation
                    .value
                    .clone()
                    .unwrap_or_else(|| null(operation.origin)),
            ),
            "move" | "copy" => {
                let from = operation.from.clone().unwrap_or_default();
                let value = if operation.op == "move" {
                    remove(&mut work, &from)
                } else {
                    get(&work, &from)
                        .cloned()
                        .ok_or_else(|| "`from` does not exist".to_owned())
                };
                value.and_then(|v| add(&mut work, path, v))
            }
            _ => match (get(&work, path), &operation.value) {
                (Some(found), Some(expected)) if found.to_json() == expected.to_json() => Ok(()),
                (Some(_), _) => Err("the value differs".to_owned()),
                (None, _) => Err("the path does not exist".to_owned()),
            },
        };
        result.map_err(fail)?;
    }
    *doc = work;
    Ok(())
}

fn null(origin: Origin) -> RNode {
    RNode {
        span: origin,
        value: NodeValue::Null,
    }
}
