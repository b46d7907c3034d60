//! The VM's copy of the policies: the text rewrites that let regorus' VM compiler run
//! them as the interpreter does (literal `hubspoke.context` calls renamed per key,
//! imported packages spelled out), read through the shared Rego tokenizer.

use std::collections::{BTreeMap, BTreeSet};

use crate::context::CONTEXT_BUILTIN;
use crate::policy::PolicySource;
use crate::ruleset::RuleSet;

/// The host-await name of a literal context key.
pub(super) fn context_name(key: &str) -> String {
    format!("{CONTEXT_BUILTIN}__{key}")
}

/// `text` with every `hubspoke.context("<key>")` outside strings and comments
/// renamed `hubspoke.context__<key>("<key>")` (keys of letters, digits and `_`).
fn rename_context_calls(text: &str, keys: &mut BTreeSet<String>) -> String {
    let Some(tokens) = crate::rego_text::tokens(text) else {
        return text.to_owned();
    };
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for call in crate::rego_text::calls(&tokens, CONTEXT_BUILTIN) {
        // The call's tokens: `hubspoke` `.` `context` `(` "key" `)`.
        let Some(at) = tokens.iter().position(|t| t.start == call.start) else {
            continue;
        };
        let (Some(key), Some(close)) = (tokens.get(at + 4), tokens.get(at + 5)) else {
            continue;
        };
        let literal = key.kind == crate::rego_text::Kind::String
            && !key.text.is_empty()
            && key
                .text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !literal || !close.is_symbol(")") {
            continue;
        }
        out.push_str(&text[copied..call.start]);
        out.push_str(&format!("{}(\"{}\")", context_name(key.text), key.text));
        keys.insert(key.text.to_owned());
        copied = close.end;
    }
    out.push_str(&text[copied.min(text.len())..]);
    out
}

/// Identifiers outside strings and comments: `(start, end)` byte ranges, with
/// whether a `.` follows and whether they sit on an `import` line.
fn identifiers(text: &str) -> Vec<(usize, usize, bool, bool)> {
    let tokens = crate::rego_text::tokens(text).unwrap_or_default();
    let mut out = Vec::new();
    let mut import_line = None;
    for (at, token) in tokens.iter().enumerate() {
        if token.is_ident("import")
            && at
                .checked_sub(1)
                .is_none_or(|p| tokens[p].line < token.line)
        {
            import_line = Some(token.line);
        }
        let after_dot =
            at > 0 && tokens[at - 1].is_symbol(".") && tokens[at - 1].end == token.start;
        if token.kind != crate::rego_text::Kind::Ident || after_dot {
            continue;
        }
        let dotted = tokens
            .get(at + 1)
            .is_some_and(|next| next.is_symbol(".") && next.start == token.end);
        out.push((
            token.start,
            token.end,
            dotted,
            import_line == Some(token.line),
        ));
    }
    out
}

/// `text` with rule references through `import data.<path> [as <alias>]`
/// aliases written as `data.<path>.<rest>` (function calls, which the VM
/// compiles directly either way, are left as written: spelling those out
/// changed a result). An alias also used on its own (not followed by `.`) is
/// left alone.
fn spell_out_imports(text: &str) -> String {
    let mut aliases: BTreeMap<String, String> = BTreeMap::new();
    for line in text.lines() {
        let mut words = line.split('#').next().unwrap_or("").split_whitespace();
        if words.next() != Some("import") {
            continue;
        }
        let Some(path) = words.next() else { continue };
        let simple = path.starts_with("data.")
            && path.split('.').all(|p| {
                !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            });
        if !simple {
            continue;
        }
        let alias = match (words.next(), words.next(), words.next()) {
            (None, ..) => path.rsplit('.').next().unwrap_or(path).to_owned(),
            (Some("as"), Some(alias), None) => alias.to_owned(),
            _ => continue,
        };
        // `hubspoke.` is the namespace of our builtins (`hubspoke.context`).
        if alias != "hubspoke" {
            aliases.insert(alias, path.to_owned());
        }
    }
    if aliases.is_empty() {
        return text.to_owned();
    }
    let tokens = identifiers(text);
    for (start, end, dotted, on_import) in &tokens {
        if !dotted && !on_import {
            aliases.remove(&text[*start..*end]);
        }
    }
    let bytes = text.as_bytes();
    let is_call = |end: usize| {
        let rest = bytes[end..]
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.')))
            .map_or(bytes.len(), |n| end + n);
        bytes.get(rest) == Some(&b'(')
    };
    let mut out = String::with_capacity(text.len() + 1024);
    let mut copied = 0;
    for (start, end, dotted, on_import) in tokens {
        if !dotted || on_import || is_call(end) {
            continue;
        }
        if let Some(path) = aliases.get(&text[start..end]) {
            out.push_str(&text[copied..start]);
            out.push_str(path);
            copied = end;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// The rule set's policies as the VM compiles them: literal context calls renamed
/// (their keys returned) and imports spelled out.
pub(super) fn vm_sources(rules: &RuleSet) -> (Vec<PolicySource>, Vec<String>) {
    let mut keys = BTreeSet::new();
    let sources = rules
        .sources
        .iter()
        .map(|s| PolicySource {
            text: spell_out_imports(&rename_context_calls(&s.text, &mut keys)),
            ..s.clone()
        })
        .collect();
    (sources, keys.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_context_calls_are_renamed_outside_strings_and_comments() {
        let mut keys = BTreeSet::new();
        let text = "a := hubspoke.context(\"patch\")\n# hubspoke.context(\"x\")\nb := \"hubspoke.context(\\\"y\\\")\"\nc := hubspoke.context(k)\nd := hubspoke.context(\"ü\")\ne := \"é\"; f := hubspoke.context(\"remote\")";
        let renamed = rename_context_calls(text, &mut keys);
        assert_eq!(
            renamed,
            "a := hubspoke.context__patch(\"patch\")\n# hubspoke.context(\"x\")\nb := \"hubspoke.context(\\\"y\\\")\"\nc := hubspoke.context(k)\nd := hubspoke.context(\"ü\")\ne := \"é\"; f := hubspoke.context__remote(\"remote\")"
        );
        assert_eq!(keys.into_iter().collect::<Vec<_>>(), ["patch", "remote"]);
    }

    #[test]
    fn imported_packages_are_spelled_out() {
        let text = "package p\n\nimport data.hubspoke.lib.pods\nimport data.x.y as why\nimport data.z.w # note\nimport rego.v1\n\nv contains m if {\n\tsome c in pods.containers\n\tm := why.f(c) # pods.no\n\tw := \"pods.no\"\n\tw.x\n}\n";
        assert_eq!(
            spell_out_imports(text),
            "package p\n\nimport data.hubspoke.lib.pods\nimport data.x.y as why\nimport data.z.w # note\nimport rego.v1\n\nv contains m if {\n\tsome c in data.hubspoke.lib.pods.containers\n\tm := why.f(c) # pods.no\n\tw := \"pods.no\"\n\tw.x\n}\n"
        );
    }
}
