//! Which objects a kustomize patch applies to: its `target` (every field a
//! regular expression, as in kustomize), else the kind and name of a
//! strategic-merge patch itself; and the small regular-expression matcher that
//! serves it.

use std::cell::Cell;

use serde_json::Value;

use super::str_at;
use super::types::ModelObject;

/// Which objects a kustomize patch applies to: its `target` (every field a
/// regular expression, as in kustomize), else the kind and name of a
/// strategic-merge patch itself.
#[derive(Debug, Clone, Default)]
pub(super) struct Selector {
    group: Option<String>,
    version: Option<String>,
    kind: Option<String>,
    name: Option<String>,
    namespace: Option<String>,
    label_selector: Option<String>,
    annotation_selector: Option<String>,
}

impl Selector {
    pub(super) fn from_target(target: &Value) -> Selector {
        let text = |key: &str| target.get(key).and_then(Value::as_str).map(str::to_owned);
        Selector {
            group: text("group"),
            version: text("version"),
            kind: text("kind"),
            name: text("name"),
            namespace: text("namespace"),
            label_selector: text("labelSelector"),
            annotation_selector: text("annotationSelector"),
        }
    }

    /// The implicit target of a strategic-merge patch: its own kind, name and namespace (literally).
    pub(super) fn from_patch_object(patch: &Value) -> Option<Selector> {
        let kind = str_at(patch, &["kind"])?;
        let literal = |s: &str| {
            let mut out = String::new();
            for c in s.chars() {
                if "\\.+*?()|[]{}^$".contains(c) {
                    out.push('\\');
                }
                out.push(c);
            }
            out
        };
        Some(Selector {
            kind: Some(literal(kind)),
            name: str_at(patch, &["metadata", "name"]).map(literal),
            namespace: str_at(patch, &["metadata", "namespace"]).map(literal),
            ..Selector::default()
        })
    }

    pub(super) fn matches(&self, object: &ModelObject) -> bool {
        let version = object
            .api_version
            .rsplit_once('/')
            .map_or(object.api_version.as_str(), |(_, v)| v);
        let field = |pattern: &Option<String>, value: &str| {
            pattern
                .as_deref()
                .is_none_or(|p| regex_full_match(p, value))
        };
        field(&self.group, &object.group)
            && field(&self.version, version)
            && field(&self.kind, &object.kind)
            && field(&self.name, &object.name)
            && field(
                &self.namespace,
                object.effective_namespace.as_deref().unwrap_or(""),
            )
            && self
                .label_selector
                .as_deref()
                .is_none_or(|s| selector_matches(s, object.body.pointer("/metadata/labels")))
            && self
                .annotation_selector
                .as_deref()
                .is_none_or(|s| selector_matches(s, object.body.pointer("/metadata/annotations")))
    }
}

/// A Kubernetes label selector (`a=b,c!=d,e,!f,g in (x,y),h notin (z)`) against a map.
fn selector_matches(selector: &str, labels: Option<&Value>) -> bool {
    let get = |key: &str| labels.and_then(|l| l.get(key)).and_then(Value::as_str);
    let mut requirements = Vec::new();
    let mut depth = 0usize;
    let mut current = String::new();
    for c in selector.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                requirements.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    requirements.push(current);
    requirements.iter().all(|req| {
        let req = req.trim();
        if req.is_empty() {
            return true;
        }
        let set = |rest: &str| -> Vec<String> {
            rest.trim()
                .trim_start_matches('(')
                .trim_end_matches(')')
                .split(',')
                .map(|v| v.trim().to_owned())
                .collect()
        };
        if let Some((key, rest)) = req.split_once(" notin ") {
            return get(key.trim()).is_none_or(|v| !set(rest).iter().any(|s| s == v));
        }
        if let Some((key, rest)) = req.split_once(" in ") {
            return get(key.trim()).is_some_and(|v| set(rest).iter().any(|s| s == v));
        }
        if let Some((key, value)) = req.split_once("!=") {
            return get(key.trim()) != Some(value.trim());
        }
        if let Some((key, value)) = req.split_once("==").or_else(|| req.split_once('=')) {
            return get(key.trim()) == Some(value.trim());
        }
        if let Some(key) = req.strip_prefix('!') {
            return get(key.trim()).is_none();
        }
        get(req).is_some()
    })
}

/// A regular expression of the subset kustomize targets use: literals and
/// escapes, `.`, classes `[a-z]`/`[^...]`, groups `(...)`/`(?:...)` with `|`,
/// and the quantifiers `*`, `+`, `?`. Matched against the whole text, as
/// kustomize anchors target patterns. A pattern outside the subset matches literally.
fn regex_full_match(pattern: &str, text: &str) -> bool {
    let pattern = pattern.strip_prefix('^').unwrap_or(pattern);
    let pattern = if pattern.ends_with('$') && !pattern.ends_with("\\$") {
        &pattern[..pattern.len() - 1]
    } else {
        pattern
    };
    let chars: Vec<char> = pattern.chars().collect();
    let mut pos = 0;
    let Some(alternatives) = parse_alternatives(&chars, &mut pos) else {
        return pattern == text;
    };
    if pos != chars.len() {
        return pattern == text;
    }
    let text: Vec<char> = text.chars().collect();
    let node = Re::Group(alternatives);
    let budget = Cell::new(100_000usize);
    match_seq(std::slice::from_ref(&node), &text, 0, &budget, &mut |end| {
        end == text.len()
    })
}

#[derive(Debug, Clone)]
enum Re {
    Char(char),
    Any,
    Class(Vec<(char, char)>, bool),
    Group(Vec<Vec<Re>>),
    Repeat(Box<Re>, usize, bool),
}

fn parse_alternatives(chars: &[char], pos: &mut usize) -> Option<Vec<Vec<Re>>> {
    let mut alternatives = vec![Vec::new()];
    while *pos < chars.len() {
        let c = chars[*pos];
        let atom = match c {
            '|' => {
                *pos += 1;
                alternatives.push(Vec::new());
                continue;
            }
            ')' => break,
            '(' => {
                *pos += 1;
                if chars.get(*pos) == Some(&'?') && chars.get(*pos + 1) == Some(&':') {
                    *pos += 2;
                }
                let inner = parse_alternatives(chars, pos)?;
                if chars.get(*pos) != Some(&')') {
                    return None;
                }
                *pos += 1;
                Re::Group(inner)
            }
            '[' => {
                *pos += 1;
                let negated = chars.get(*pos) == Some(&'^');
                if negated {
                    *pos += 1;
                }
                let mut ranges = Vec::new();
                let mut first = true;
                loop {
                    let c = *chars.get(*pos)?;
                    if c == ']' && !first {
                        *pos += 1;
                        break;
                    }
                    first = false;
                    let c = if c == '\\' {
                        *pos += 1;
                        *chars.get(*pos)?
                    } else {
                        c
                    };
                    *pos += 1;
                    if chars.get(*pos) == Some(&'-')
                        && chars.get(*pos + 1).is_some_and(|n| *n != ']')
                    {
                        let end = chars[*pos + 1];
                        *pos += 2;
                        ranges.push((c, end));
                    } else {
                        ranges.push((c, c));
                    }
                }
                Re::Class(ranges, negated)
            }
            '.' => {
                *pos += 1;
                Re::Any
            }
            '\\' => {
                *pos += 1;
                let escaped = *chars.get(*pos)?;
                *pos += 1;
                match escaped {
                    'd' => Re::Class(vec![('0', '9')], false),
                    'w' => Re::Class(vec![('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')], false),
                    's' => Re::Class(
                        vec![(' ', ' '), ('\t', '\t'), ('\n', '\n'), ('\r', '\r')],
                        false,
                    ),
                    other => Re::Char(other),
                }
            }
            '*' | '+' | '?' | '{' => return None,
            other => {
                *pos += 1;
                Re::Char(other)
            }
        };
        let atom = match chars.get(*pos) {
            Some('*') => {
                *pos += 1;
                Re::Repeat(Box::new(atom), 0, true)
            }
            Some('+') => {
                *pos += 1;
                Re::Repeat(Box::new(atom), 1, true)
            }
            Some('?') => {
                *pos += 1;
                Re::Repeat(Box::new(atom), 0, false)
            }
            _ => atom,
        };
        if let Some(last) = alternatives.last_mut() {
            last.push(atom);
        }
    }
    Some(alternatives)
}

/// Backtracking match of `seq` at `pos`, calling `k` with every end position
/// until it accepts; `budget` bounds the work on pathological patterns.
fn match_seq(
    seq: &[Re],
    text: &[char],
    pos: usize,
    budget: &Cell<usize>,
    k: &mut dyn FnMut(usize) -> bool,
) -> bool {
    if budget.get() == 0 {
        return false;
    }
    budget.set(budget.get() - 1);
    let Some((first, rest)) = seq.split_first() else {
        return k(pos);
    };
    match first {
        Re::Char(_) | Re::Any | Re::Class(..) => {
            let ok = text.get(pos).is_some_and(|c| match first {
                Re::Char(x) => x == c,
                Re::Class(ranges, negated) => {
                    ranges.iter().any(|(a, b)| a <= c && c <= b) != *negated
                }
                _ => true,
            });
            ok && match_seq(rest, text, pos + 1, budget, k)
        }
        Re::Group(alternatives) => alternatives.iter().any(|alt| {
            match_seq(alt, text, pos, budget, &mut |p| {
                match_seq(rest, text, p, budget, k)
            })
        }),
        Re::Repeat(inner, min, many) => {
            let repeat = Repeat {
                inner,
                min: *min,
                many: *many,
                rest,
                text,
                budget,
            };
            repeat.run(0, pos, k)
        }
    }
}

struct Repeat<'a> {
    inner: &'a Re,
    min: usize,
    many: bool,
    rest: &'a [Re],
    text: &'a [char],
    budget: &'a Cell<usize>,
}

impl Repeat<'_> {
    /// Greedy: one more repetition first (never an empty one), then the rest.
    fn run(&self, count: usize, pos: usize, k: &mut dyn FnMut(usize) -> bool) -> bool {
        if (self.many || count == 0)
            && match_seq(
                std::slice::from_ref(self.inner),
                self.text,
                pos,
                self.budget,
                &mut |p| p != pos && self.run(count + 1, p, k),
            )
        {
            return true;
        }
        count >= self.min && match_seq(self.rest, self.text, pos, self.budget, k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kustomize_target_patterns_are_anchored_regular_expressions() {
        assert!(regex_full_match(
            "kustomize-controller",
            "kustomize-controller"
        ));
        assert!(!regex_full_match("kustomize", "kustomize-controller"));
        let flux = "(kustomize-controller|helm-controller|notification-controller)";
        assert!(regex_full_match(flux, "helm-controller"));
        assert!(!regex_full_match(flux, "source-controller"));
        assert!(regex_full_match("^(?:cert|metrics)-.*$", "metrics-server"));
        assert!(regex_full_match("Helm[A-Z][a-z]+", "HelmRelease"));
        assert!(regex_full_match("v1(beta[0-9]+)?", "v1beta2"));
        assert!(regex_full_match("v1(beta[0-9]+)?", "v1"));
        assert!(!regex_full_match("[^h].*", "helm"));
        assert!(regex_full_match("a\\.b", "a.b"));
        assert!(!regex_full_match("a\\.b", "axb"));
        // Outside the subset: compared literally, never a panic.
        assert!(regex_full_match("a{2}", "a{2}"));
        assert!(!regex_full_match("(unclosed", "unclosed"));
        // Pathological patterns stop at the budget instead of hanging.
        assert!(!regex_full_match("(a*)*b", &"a".repeat(40)));
    }

    #[test]
    fn label_selectors_follow_kubernetes() {
        let labels = serde_json::json!({"app": "web", "tier": "front"});
        assert!(selector_matches("app=web", Some(&labels)));
        assert!(selector_matches("app==web,tier", Some(&labels)));
        assert!(!selector_matches("app!=web", Some(&labels)));
        assert!(selector_matches(
            "tier in (front, back),!debug",
            Some(&labels)
        ));
        assert!(!selector_matches("tier notin (front)", Some(&labels)));
        assert!(!selector_matches("app=web", None));
    }
}
