//! Text edits for code actions: a suppression comment above a finding, and
//! quick fixes that set one field. Edits are byte ranges of the buffer;
//! `convert` turns them into LSP ranges.

use hubspoke_diagnostics::{Finding, RuleMeta};
use hubspoke_manifest::yaml::{Node, NodeValue};
use hubspoke_manifest::{Document, FieldPath, ObjectMeta, ParsedFile, PathSegment, Span};
use hubspoke_workspace::filter::REASON_PLACEHOLDER;

/// Replace `[start, end)` of the buffer with `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Edit {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// A fix with the title shown in the editor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QuickFix {
    pub title: String,
    pub edit: Edit,
}

/// The comment that silences a finding, on its own line above the finding's
/// line with the same indentation; for a finding about the whole file, a
/// file-wide comment on the first line. Its reason is the placeholder the user
/// must replace: until then the suppression is reported, not applied.
pub(crate) fn suppression(text: &str, finding: &Finding) -> Edit {
    let Some(region) = finding.region else {
        let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
        return Edit {
            start: 0,
            end: 0,
            text: format!(
                "# hubspoke-lint: ignore-file[{}] {REASON_PLACEHOLDER}{newline}",
                finding.rule
            ),
        };
    };
    let at = region.start.offset.min(text.len());
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[line_start..];
    let line = &line[..line.find('\n').map_or(line.len(), |i| i + 1)];
    let indent: String = line
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let newline = if line.ends_with("\r\n") { "\r\n" } else { "\n" };
    Edit {
        start: line_start,
        end: line_start,
        text: format!(
            "{indent}# hubspoke-lint: ignore[{}] {REASON_PLACEHOLDER}{newline}",
            finding.rule
        ),
    }
}

/// The quick fix of a finding, when its rule declares one for the field the finding
/// points at (`fixes` in the rule's metadata) and the YAML around the field is plain
/// enough to edit safely. `service_account` names a service account for an object (for
/// fixes whose value is `namespace-service-account`).
pub(crate) fn quick_fix(
    file: &ParsedFile,
    finding: &Finding,
    meta: Option<&RuleMeta>,
    service_account: &dyn Fn(&ObjectMeta) -> Option<String>,
) -> Option<QuickFix> {
    let fix = meta?
        .fixes
        .iter()
        .find(|fix| fix.applies_to(&finding.path))?;
    let document = document_of(file, finding)?;
    let value = match (&fix.value, fix.value_from.as_deref()) {
        (Some(value), _) => yaml_value(value)?,
        (None, Some("namespace-service-account")) => {
            scalar(&service_account(document.object.as_ref()?)?)
        }
        _ => return None,
    };
    let edit = set_field(file, document, &finding.path, &value)?;
    // The field as a reader finds it in the object: the whole path, except inside a
    // container, where `securityContext.…` says enough.
    let from = finding
        .path
        .iter()
        .rposition(|s| *s == PathSegment::key("securityContext"))
        .unwrap_or(0);
    let field = FieldPath::from(&finding.path[from..]);
    Some(QuickFix {
        title: format!("Set {field}: {value}"),
        edit,
    })
}

/// A scalar fix value as YAML; `None` for mappings and lists (never written inline).
fn yaml_value(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Bool(b) => Some(b.to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::String(s) => Some(scalar(s)),
        serde_json::Value::Null => Some("null".to_owned()),
        serde_json::Value::Array(_) | serde_json::Value::Object(_) => None,
    }
}

/// The document a finding is in: the last one starting at or before it.
pub(crate) fn document_of<'a>(file: &'a ParsedFile, finding: &Finding) -> Option<&'a Document> {
    let line = finding.region?.start.line;
    file.documents.iter().rfind(|d| d.start.start.line <= line)
}

/// Write `value` at `path`: replace the scalar there, or add the missing keys
/// under the deepest mapping that exists.
fn set_field(
    file: &ParsedFile,
    document: &Document,
    path: &[PathSegment],
    value: &str,
) -> Option<Edit> {
    let text: &str = &file.source.text;
    let offset = |span: Span| file.source.region(span);
    let mut node = &document.root;
    let mut key: Option<&Node> = None;
    let mut depth = 0;
    for segment in path {
        let next = match (segment, &node.value) {
            (PathSegment::Key(k), NodeValue::Map(_)) => {
                node.get_entry(k).map(|(k, v)| (Some(k), v))
            }
            (PathSegment::Index(i), NodeValue::Seq(items)) => items.get(*i).map(|v| (None, v)),
            _ => None,
        };
        let Some((k, v)) = next else { break };
        key = k;
        node = v;
        depth += 1;
    }
    let missing: Vec<&str> = path[depth..]
        .iter()
        .map(|s| match s {
            PathSegment::Key(k) => Some(k.as_str()),
            PathSegment::Index(_) => None,
        })
        .collect::<Option<_>>()?;
    let region = offset(node.span);
    let node_text = text.get(region.start.offset..region.end.offset)?;
    if missing.is_empty() {
        // The field exists: replace a scalar value, never a block.
        if matches!(node.value, NodeValue::Map(_) | NodeValue::Seq(_)) {
            return None;
        }
        if node_text.is_empty() {
            return after_key(text, key?, file, &format!(" {value}"));
        }
        return Some(Edit {
            start: region.start.offset,
            end: region.end.offset,
            text: value.to_owned(),
        });
    }
    match &node.value {
        NodeValue::Map(entries) if entries.is_empty() && node_text.starts_with('{') => {
            // The parser's span of `{}` may stop before the closing brace.
            let close = region.start.offset + text[region.start.offset..].find('}')? + 1;
            Some(Edit {
                start: region.start.offset,
                end: close,
                text: flow(&missing, value),
            })
        }
        NodeValue::Map(entries) if !entries.is_empty() && !node_text.starts_with('{') => {
            insert_block(text, file, entries, &missing, value)
        }
        NodeValue::Null => {
            let key = key?;
            if node_text.is_empty() {
                let indent = key_column(text, file, key)? + 2;
                let newline = newline_of(text, offset(key.span).start.offset);
                let block = block(&missing, value, indent, newline);
                let block = block.strip_suffix(newline).unwrap_or(&block);
                after_key(text, key, file, &format!("{newline}{block}"))
            } else {
                Some(Edit {
                    start: region.start.offset,
                    end: region.end.offset,
                    text: flow(&missing, value),
                })
            }
        }
        _ => None,
    }
}

/// Insert new keys into a block mapping: after its last entry when that is a
/// one-line `key: scalar`, else before its first key that starts a line.
fn insert_block(
    text: &str,
    file: &ParsedFile,
    entries: &[(Node, Node)],
    missing: &[&str],
    value: &str,
) -> Option<Edit> {
    let region = |span: Span| file.source.region(span);
    if let Some((last_key, last_value)) = entries.last() {
        let k = region(last_key.span);
        let v = region(last_value.span);
        let one_line = !matches!(last_value.value, NodeValue::Map(_) | NodeValue::Seq(_))
            && k.start.line == v.end.line
            && !text[v.start.offset..v.end.offset].starts_with(['|', '>']);
        if one_line {
            if let Some(indent) = key_column(text, file, last_key) {
                let line_end = text[v.end.offset..]
                    .find('\n')
                    .map(|i| v.end.offset + i + 1);
                let newline = newline_of(text, k.start.offset);
                return Some(match line_end {
                    Some(at) => Edit {
                        start: at,
                        end: at,
                        text: block(missing, value, indent, newline),
                    },
                    None => Edit {
                        start: text.len(),
                        end: text.len(),
                        text: format!("{newline}{}", block(missing, value, indent, newline))
                            .trim_end_matches(['\r', '\n'])
                            .to_owned(),
                    },
                });
            }
        }
    }
    let first = entries.iter().find_map(|(k, _)| {
        let at = region(k.span).start.offset;
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        text[line_start..at]
            .chars()
            .all(|c| c == ' ')
            .then_some((line_start, at - line_start))
    })?;
    let newline = newline_of(text, first.0);
    Some(Edit {
        start: first.0,
        end: first.0,
        text: block(missing, value, first.1, newline),
    })
}

/// The indentation a sibling of `key` needs: its column, when only spaces
/// or a `- ` sequence marker come before it on its line.
fn key_column(text: &str, file: &ParsedFile, key: &Node) -> Option<usize> {
    let at = file.source.region(key.span).start.offset;
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..at];
    before
        .chars()
        .all(|c| c == ' ' || c == '-')
        .then_some(before.len())
}

/// Insert `insert` right after the `:` that follows `key`.
fn after_key(text: &str, key: &Node, file: &ParsedFile, insert: &str) -> Option<Edit> {
    let end = file.source.region(key.span).end.offset;
    let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
    let colon = end + text[end..line_end].find(':')? + 1;
    Some(Edit {
        start: colon,
        end: colon,
        text: insert.to_owned(),
    })
}

fn newline_of(text: &str, at: usize) -> &'static str {
    match text[at.min(text.len())..].find('\n') {
        Some(i) if i > 0 && text.as_bytes().get(at + i - 1) == Some(&b'\r') => "\r\n",
        _ => "\n",
    }
}

/// `a:\n  b: value\n`, indented.
fn block(keys: &[&str], value: &str, indent: usize, newline: &str) -> String {
    let mut out = String::new();
    for (depth, key) in keys.iter().enumerate() {
        out.push_str(&" ".repeat(indent + 2 * depth));
        out.push_str(key);
        out.push(':');
        if depth + 1 == keys.len() {
            out.push(' ');
            out.push_str(value);
        }
        out.push_str(newline);
    }
    out
}

/// `{a: {b: value}}`.
fn flow(keys: &[&str], value: &str) -> String {
    keys.iter()
        .rev()
        .fold(value.to_owned(), |inner, key| format!("{{{key}: {inner}}}"))
}

/// A name as a YAML scalar: plain when it reads back as the same string.
fn scalar(name: &str) -> String {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && !matches!(
            name.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null"
        );
    if plain {
        name.to_owned()
    } else {
        serde_json::Value::String(name.to_owned()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hubspoke_manifest::{parse_text, ParseLimits};

    fn apply(text: &str, edit: &Edit) -> String {
        format!("{}{}{}", &text[..edit.start], edit.text, &text[edit.end..])
    }

    fn key(k: &str) -> PathSegment {
        PathSegment::Key(k.to_owned())
    }

    fn finding(file: &ParsedFile, rule: &str, path: Vec<PathSegment>) -> Finding {
        let document = &file.documents[0];
        let located = document.locate(&path);
        Finding {
            rule: rule.to_owned(),
            severity: hubspoke_engine::Severity::Error,
            message: String::new(),
            file: "a.yaml".to_owned(),
            region: Some(file.source.region(located.span)),
            object: document.object.clone(),
            path: path.into(),
            related: Vec::new(),
            effective_namespace: None,
            clusters: Vec::new(),
        }
    }

    /// The bundled rules' metadata, where their fixes are declared.
    fn catalog() -> &'static [RuleMeta] {
        static CATALOG: std::sync::OnceLock<Vec<RuleMeta>> = std::sync::OnceLock::new();
        CATALOG.get_or_init(|| hubspoke_workspace::Settings::bundled().catalog)
    }

    fn fixed(text: &str, rule: &str, path: Vec<PathSegment>) -> Option<String> {
        let file = parse_text("a.yaml", "a.yaml", text, ParseLimits::default());
        let f = finding(&file, rule, path);
        let meta = catalog().iter().find(|m| m.id == rule);
        let fix = quick_fix(&file, &f, meta, &|o| o.namespace.clone())?;
        Some(apply(text, &fix.edit))
    }

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: app\n      image: nginx\n      ports:\n        - containerPort: 80\n";

    fn container(field: &str) -> Vec<PathSegment> {
        vec![
            key("spec"),
            key("containers"),
            PathSegment::Index(0),
            key("securityContext"),
            key(field),
        ]
    }

    #[test]
    fn missing_security_context_is_added_at_the_container_indentation() {
        let out = fixed(POD, "PSS014", container("allowPrivilegeEscalation")).expect("fix");
        assert_eq!(
            out,
            POD.replace(
                "      image: nginx\n",
                "      securityContext:\n        allowPrivilegeEscalation: false\n      image: nginx\n"
            )
        );
    }

    #[test]
    fn a_field_joins_an_existing_security_context() {
        let text = POD.replace(
            "      image: nginx\n",
            "      image: nginx\n      securityContext:\n        privileged: true\n",
        );
        let out = fixed(&text, "PSS017", container("runAsNonRoot")).expect("fix");
        assert_eq!(
            out,
            text.replace(
                "        privileged: true\n",
                "        privileged: true\n        runAsNonRoot: true\n"
            )
        );
        let out = fixed(&text, "PSS001", container("privileged")).expect("fix");
        assert_eq!(out, text.replace("privileged: true", "privileged: false"));
    }

    #[test]
    fn empty_and_flow_parents_are_filled() {
        let text = POD.replace(
            "      image: nginx\n",
            "      image: nginx\n      securityContext: {}\n",
        );
        let out = fixed(&text, "PSS014", container("allowPrivilegeEscalation")).expect("fix");
        assert!(
            out.contains("securityContext: {allowPrivilegeEscalation: false}\n"),
            "{out}"
        );
        let text = POD.replace(
            "      image: nginx\n",
            "      image: nginx\n      securityContext:\n",
        );
        let out = fixed(&text, "PSS014", container("allowPrivilegeEscalation")).expect("fix");
        assert!(
            out.contains("      securityContext:\n        allowPrivilegeEscalation: false\n"),
            "{out}"
        );
    }

    #[test]
    fn service_account_goes_under_spec() {
        let text = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: team-a\nspec:\n  interval: 10m\n  sourceRef:\n    kind: GitRepository\n    name: repo\n";
        let out = fixed(
            text,
            "FLUX001",
            vec![key("spec"), key("serviceAccountName")],
        )
        .expect("fix");
        assert_eq!(
            out,
            text.replace("spec:\n", "spec:\n  serviceAccountName: team-a\n")
        );
    }

    #[test]
    fn suppression_keeps_the_indentation() {
        let text = "a:\n    b: 1\r\n";
        let f = Finding {
            rule: "PSS001".to_owned(),
            severity: hubspoke_engine::Severity::Error,
            message: String::new(),
            file: "a.yaml".to_owned(),
            region: Some(
                hubspoke_manifest::SourceFile::new("a", "a", text).region_of_offsets(7, 8),
            ),
            object: None,
            path: Default::default(),
            related: Vec::new(),
            effective_namespace: None,
            clusters: Vec::new(),
        };
        assert_eq!(
            apply(text, &suppression(text, &f)),
            "a:\n    # hubspoke-lint: ignore[PSS001] <reason>\r\n    b: 1\r\n"
        );
    }

    #[test]
    fn names_are_quoted_only_when_needed() {
        assert_eq!(scalar("team-a"), "team-a");
        assert_eq!(scalar("yes"), "\"yes\"");
        assert_eq!(scalar("a b"), "\"a b\"");
    }
}
