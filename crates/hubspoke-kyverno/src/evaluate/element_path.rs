//! Where a `foreach` element sits in the resource, so that its violations
//! carry paths into the resource and not into the element alone.
//!
//! A list written as a plain path (`request.object.spec.containers`,
//! `element.ports[]`) gives the element's path directly; otherwise (a
//! projection, a function) the element is looked up in the resource by value,
//! and failing that the violation stays on the enclosing object.

use hubspoke_manifest::PathSegment;
use serde_json::Value;

/// The path of element `index` of the list `expression` evaluated to.
pub(super) fn element_path(
    expression: &str,
    resource: &Value,
    scope_path: &[PathSegment],
    index: usize,
    element: &Value,
) -> Vec<PathSegment> {
    if let Some(base) = plain_path(expression, scope_path) {
        match value_at(resource, &base) {
            Some(Value::Array(items)) if items.get(index) == Some(element) => {
                let mut path = base;
                path.push(PathSegment::Index(index));
                return path;
            }
            Some(value) if value == element && index == 0 => return base,
            _ => {}
        }
    }
    find(resource, element, &mut Vec::new()).unwrap_or_else(|| scope_path.to_vec())
}

/// `request.object.a.b[]` → `[a, b]`; `element.a` → the scope's path + `[a]`.
fn plain_path(expression: &str, scope_path: &[PathSegment]) -> Option<Vec<PathSegment>> {
    let text = expression.trim();
    let text = text.strip_suffix("[]").unwrap_or(text);
    let (mut path, rest) = if let Some(rest) = text.strip_prefix("request.object") {
        (Vec::new(), rest)
    } else if let Some(rest) = text.strip_prefix("element") {
        if rest.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        (scope_path.to_vec(), rest)
    } else {
        return None;
    };
    if rest.is_empty() {
        return Some(path);
    }
    let rest = rest.strip_prefix('.')?;
    for part in rest.split('.') {
        let key = match part.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
            Some(quoted) => quoted,
            None if !part.is_empty()
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
            {
                part
            }
            None => return None,
        };
        path.push(PathSegment::Key(key.to_owned()));
    }
    Some(path)
}

fn value_at<'a>(resource: &'a Value, path: &[PathSegment]) -> Option<&'a Value> {
    path.iter()
        .try_fold(resource, |value, segment| match segment {
            PathSegment::Key(k) => value.get(k),
            PathSegment::Index(i) => value.get(i),
        })
}

/// The first path (document order) whose value equals `wanted`; objects and
/// lists only, since scalars equal by accident too often.
fn find(value: &Value, wanted: &Value, path: &mut Vec<PathSegment>) -> Option<Vec<PathSegment>> {
    if !(wanted.is_object() || wanted.is_array()) {
        return None;
    }
    if value == wanted {
        return Some(path.clone());
    }
    match value {
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            path.push(PathSegment::Key(k.clone()));
            let found = find(v, wanted, path);
            path.pop();
            found
        }),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| {
            path.push(PathSegment::Index(i));
            let found = find(v, wanted, path);
            path.pop();
            found
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(k: &str) -> PathSegment {
        PathSegment::Key(k.to_owned())
    }

    #[test]
    fn plain_lists_and_lookups() {
        let pod = json!({"spec": {"containers": [{"name": "a"}, {"name": "b", "ports": [{"p": 1}]}],
            "initContainers": [{"name": "i"}]}});
        let second = &pod["spec"]["containers"][1];
        assert_eq!(
            element_path("request.object.spec.containers", &pod, &[], 1, second),
            vec![key("spec"), key("containers"), PathSegment::Index(1)]
        );
        let outer = vec![key("spec"), key("containers"), PathSegment::Index(1)];
        let port = &second["ports"][0];
        let mut want = outer.clone();
        want.extend([key("ports"), PathSegment::Index(0)]);
        assert_eq!(element_path("element.ports", &pod, &outer, 0, port), want);
        // A projection: found by value.
        let init = &pod["spec"]["initContainers"][0];
        assert_eq!(
            element_path(
                "request.object.spec.[initContainers, containers][]",
                &pod,
                &[],
                0,
                init
            ),
            vec![key("spec"), key("initContainers"), PathSegment::Index(0)]
        );
        // A scalar element of a computed list stays on the scope.
        assert_eq!(
            element_path("split('a,b', ',')", &pod, &outer, 0, &json!("a")),
            outer
        );
    }
}
