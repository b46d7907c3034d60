//! `configMapGenerator` and `secretGenerator`: objects made from literals,
//! files and env files, merged into or replacing existing ones by `behavior`,
//! named with a content-hash suffix at the end of the build. Generated data
//! points at the generator entry that made it (the literal itself, or the
//! `files:`/`envs:` entry).

use base64::Engine;
use hubspoke_manifest::yaml::NodeValue;

use crate::build::Ctx;
use crate::fs::resolve;
use crate::hash::name_hash;
use crate::kustomization::{GeneratorOptions, GeneratorRule, Kustomization, Pair, Sp};
use crate::origin::{Origin, RNode};
use crate::problem::ProblemCode;
use crate::resource::{Behavior, Resource};
use crate::tree::{self, map_node, string_node};

/// Run a kustomization's generators, absorbing their objects.
pub fn run(ctx: &mut Ctx<'_>, dir: &str, k: &Kustomization, resources: &mut Vec<Resource>) {
    for (rules, secret) in [
        (&k.config_map_generator, false),
        (&k.secret_generator, true),
    ] {
        for rule in rules {
            let options = merged_options(rule.options.as_ref(), k.generator_options.as_ref());
            if let Some(resource) = generate(ctx, dir, rule, &options, secret) {
                absorb(ctx, resources, resource);
            }
        }
    }
}

/// kustomize's `MergeGlobalOptionsIntoLocal`: local labels and annotations
/// win, the flags are or-ed.
fn merged_options(
    local: Option<&GeneratorOptions>,
    global: Option<&GeneratorOptions>,
) -> GeneratorOptions {
    let mut options = local.cloned().unwrap_or_default();
    if let Some(global) = global {
        for (list, extra) in [
            (&mut options.labels, &global.labels),
            (&mut options.annotations, &global.annotations),
        ] {
            for pair in extra {
                if !list.iter().any(|p| p.key.value == pair.key.value) {
                    list.push(pair.clone());
                }
            }
        }
        options.disable_name_suffix_hash |= global.disable_name_suffix_hash;
        if options.immutable.is_none() {
            options.immutable = global.immutable;
        }
    }
    options
}

/// A key and its value, with the origin of what produced them.
struct DataPair {
    key: String,
    value: Vec<u8>,
    origin: Origin,
}

fn generate(
    ctx: &mut Ctx<'_>,
    dir: &str,
    rule: &GeneratorRule,
    options: &GeneratorOptions,
    secret: bool,
) -> Option<Resource> {
    let entry = rule.origin?;
    let what = if secret {
        "secretGenerator"
    } else {
        "configMapGenerator"
    };
    let Some(name) = rule.name.as_ref().filter(|n| !n.value.is_empty()) else {
        ctx.problem(
            entry,
            ProblemCode::InvalidGenerator,
            format!("a `{what}` entry needs a `name`"),
        );
        return None;
    };
    let behavior = match rule.behavior.as_ref().map(|b| b.value.as_str()) {
        None | Some("") | Some("create") => Behavior::Create,
        Some("merge") => Behavior::Merge,
        Some("replace") => Behavior::Replace,
        Some(other) => {
            let origin = rule.behavior.as_ref().map_or(entry, |b| b.origin);
            ctx.problem(
                origin,
                ProblemCode::InvalidGenerator,
                format!("unknown behavior `{other}` (create, merge or replace)"),
            );
            Behavior::Create
        }
    };
    let mut pairs: Vec<DataPair> = Vec::new();
    for env in &rule.envs {
        if let Some(bytes) = read_input(ctx, dir, env) {
            match env_pairs(&bytes) {
                Ok(found) => pairs.extend(found.into_iter().map(|(key, value)| DataPair {
                    key,
                    value: value.into_bytes(),
                    origin: env.origin,
                })),
                Err(message) => ctx.problem(env.origin, ProblemCode::GeneratorInput, message),
            }
        }
    }
    for literal in &rule.literals {
        match parse_literal(&literal.value) {
            Some((key, value)) => pairs.push(DataPair {
                key,
                value: value.into_bytes(),
                origin: literal.origin,
            }),
            None => ctx.problem(
                literal.origin,
                ProblemCode::InvalidGenerator,
                format!(
                    "invalid literal source `{}`, expected key=value",
                    literal.value
                ),
            ),
        }
    }
    for file in &rule.files {
        let (key, path) = match parse_file_source(&file.value) {
            Ok(parsed) => parsed,
            Err(message) => {
                ctx.problem(file.origin, ProblemCode::InvalidGenerator, message);
                continue;
            }
        };
        let path = Sp {
            value: path,
            origin: file.origin,
        };
        if let Some(bytes) = read_input(ctx, dir, &path) {
            pairs.push(DataPair {
                key,
                value: bytes,
                origin: file.origin,
            });
        }
    }
    let mut seen = std::collections::HashSet::new();
    for pair in &pairs {
        if !seen.insert(pair.key.clone()) {
            ctx.problem(
                pair.origin,
                ProblemCode::InvalidGenerator,
                format!(
                    "{} `{}` repeats the key `{}`",
                    if secret { "secret" } else { "configmap" },
                    name.value,
                    pair.key
                ),
            );
        }
    }
    pairs.sort_by(|a, b| a.key.cmp(&b.key));
    pairs.dedup_by(|a, b| a.key == b.key);

    let mut root = map_node(entry);
    tree::set_field(&mut root, "apiVersion", string_node("v1", entry));
    tree::set_field(
        &mut root,
        "kind",
        string_node(if secret { "Secret" } else { "ConfigMap" }, entry),
    );
    let mut metadata = map_node(entry);
    tree::set_field(
        &mut metadata,
        "name",
        string_node(name.value.clone(), name.origin),
    );
    if let Some(ns) = rule.namespace.as_ref().filter(|n| !n.value.is_empty()) {
        tree::set_field(
            &mut metadata,
            "namespace",
            string_node(ns.value.clone(), ns.origin),
        );
    }
    tree::set_field(&mut root, "metadata", metadata);
    if secret {
        let secret_type = rule.secret_type.as_ref().filter(|t| !t.value.is_empty());
        let (text, origin) = secret_type.map_or(("Opaque".to_owned(), entry), |t| {
            (t.value.clone(), t.origin)
        });
        tree::set_field(&mut root, "type", string_node(text, origin));
    }
    let mut data = map_node(entry);
    let mut binary = map_node(entry);
    for pair in pairs {
        let key = string_node(pair.key.clone(), pair.origin);
        let (target, text) = match (secret, String::from_utf8(pair.value)) {
            (false, Ok(text)) => (&mut data, text),
            (false, Err(error)) => (&mut binary, encode_base64(error.as_bytes())),
            (true, Ok(text)) => (&mut data, encode_base64(text.as_bytes())),
            (true, Err(error)) => (&mut data, encode_base64(error.as_bytes())),
        };
        if let NodeValue::Map(entries) = &mut target.value {
            entries.push((key, string_node(text, pair.origin)));
        }
    }
    let non_empty = |n: &RNode| matches!(&n.value, NodeValue::Map(e) if !e.is_empty());
    if secret || non_empty(&data) {
        tree::set_field(&mut root, "data", data);
    }
    if non_empty(&binary) {
        tree::set_field(&mut root, "binaryData", binary);
    }
    set_metadata_pairs(&mut root, "labels", &options.labels);
    set_metadata_pairs(&mut root, "annotations", &options.annotations);
    if let Some(origin) = options.immutable {
        tree::set_field(
            &mut root,
            "immutable",
            RNode {
                span: origin,
                value: NodeValue::Bool(true),
            },
        );
    }
    let mut resource = Resource::new(root, entry);
    resource.build.behavior = behavior;
    resource.build.needs_hash = !options.disable_name_suffix_hash;
    resource.build.generated = true;
    Some(resource)
}

fn set_metadata_pairs(root: &mut RNode, field: &str, pairs: &[Pair]) {
    if pairs.is_empty() {
        return;
    }
    let span = root.span;
    let Some(metadata) = tree::ensure_map(root, "metadata", span) else {
        return;
    };
    let Some(map) = tree::ensure_map(metadata, field, pairs[0].key.origin) else {
        return;
    };
    let mut sorted: Vec<&Pair> = pairs.iter().collect();
    sorted.sort_by(|a, b| a.key.value.cmp(&b.key.value));
    for pair in sorted {
        if let NodeValue::Map(entries) = &mut map.value {
            let value = string_node(pair.value.value.clone(), pair.value.origin);
            match entries
                .iter_mut()
                .find(|(k, _)| k.as_str() == Some(pair.key.value.as_str()))
            {
                Some((_, v)) => *v = value,
                None => entries.push((string_node(pair.key.value.clone(), pair.key.origin), value)),
            }
        }
    }
}

fn read_input(ctx: &mut Ctx<'_>, dir: &str, path: &Sp<String>) -> Option<Vec<u8>> {
    let resolved = match resolve(dir, &path.value) {
        Ok(p) => p,
        Err(_) => {
            ctx.problem(
                path.origin,
                ProblemCode::OutsideRoot,
                format!(
                    "generator input `{}` is outside the linted root",
                    path.value
                ),
            );
            return None;
        }
    };
    match ctx.fs.read(&resolved) {
        Ok(bytes) => Some(bytes),
        Err(message) => {
            ctx.problem(path.origin, ProblemCode::GeneratorInput, message);
            None
        }
    }
}

/// `key=value` (quotes around the value removed); `None` without a key.
pub fn parse_literal(source: &str) -> Option<(String, String)> {
    if source.starts_with('=') {
        return None;
    }
    let (key, value) = source.split_once('=')?;
    Some((key.to_owned(), remove_quotes(value).to_owned()))
}

fn remove_quotes(s: &str) -> &str {
    let bytes = s.as_bytes();
    if bytes.len() < 2 || bytes[0] != bytes[bytes.len() - 1] {
        return s;
    }
    if bytes[0] == b'"' || bytes[0] == b'\'' {
        return &s[1..s.len() - 1];
    }
    s
}

/// `path` (key: the file's name) or `key=path`.
pub fn parse_file_source(source: &str) -> Result<(String, String), String> {
    let separators = source.matches('=').count();
    match separators {
        0 => Ok((
            source.rsplit('/').next().unwrap_or(source).to_owned(),
            source.to_owned(),
        )),
        1 if source.starts_with('=') => Err(format!(
            "missing key name for file path in source `{source}`"
        )),
        1 if source.ends_with('=') => Err(format!(
            "missing file path for key name in source `{source}`"
        )),
        1 => {
            let (key, path) = source.split_once('=').unwrap_or((source, ""));
            Ok((key.to_owned(), path.to_owned()))
        }
        _ => Err(format!(
            "source `{source}`: key name or file path contains `=`"
        )),
    }
}

/// The pairs of an env file: `KEY=value` lines, `#` comments and blank lines skipped.
pub fn env_pairs(bytes: &[u8]) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for (index, raw) in bytes.split(|b| *b == b'\n').enumerate() {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let raw = if index == 0 {
            raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw)
        } else {
            raw
        };
        let line = std::str::from_utf8(raw)
            .map_err(|_| format!("line {} has invalid UTF-8", index + 1))?;
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line.split_once('=').unwrap_or((line, ""));
        out.push((key.to_owned(), value.to_owned()));
    }
    Ok(out)
}

/// Base64 as kustomize writes generated data: lines of 70 characters, each
/// followed by a newline once the text is 70 characters or longer.
pub fn encode_base64(bytes: &[u8]) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    if encoded.len() < 70 {
        return encoded;
    }
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 70 + 1);
    for chunk in encoded.as_bytes().chunks(70) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// kustomize's `appendReplaceOrMerge`.
fn absorb(ctx: &mut Ctx<'_>, resources: &mut Vec<Resource>, mut resource: Resource) {
    let id = resource.cur_id();
    let matches: Vec<usize> = resources
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.is_empty() && r.all_ids().iter().any(|i| i.equals(&id)))
        .map(|(i, _)| i)
        .collect();
    match (matches.as_slice(), resource.build.behavior) {
        ([], Behavior::Create) => ctx.append(resources, resource),
        ([], behavior) => ctx.problem(
            resource.source,
            ProblemCode::InvalidGenerator,
            format!(
                "behavior `{}`: {} does not exist, so it cannot be merged or replaced",
                if behavior == Behavior::Merge {
                    "merge"
                } else {
                    "replace"
                },
                id.display()
            ),
        ),
        ([index], Behavior::Create) => {
            let _ = index;
            ctx.problem(
                resource.source,
                ProblemCode::InvalidGenerator,
                format!(
                    "{} already exists; its behavior must be merge or replace",
                    id.display()
                ),
            );
        }
        ([index], behavior) => {
            let old = resources[*index].clone();
            copy_merge_metadata(&mut resource, &old);
            if behavior == Behavior::Merge {
                merge_map_field(&mut resource.root, &old.root, "data");
                merge_map_field(&mut resource.root, &old.root, "binaryData");
            }
            resources[*index] = resource;
        }
        (_, _) => ctx.problem(
            resource.source,
            ProblemCode::InvalidGenerator,
            format!("several objects could take the merge of {}", id.display()),
        ),
    }
}

/// kustomize's `CopyMergeMetaDataFieldsFrom`: labels and annotations merged
/// (the new ones win), name, namespace and build history from the old object.
fn copy_merge_metadata(resource: &mut Resource, old: &Resource) {
    for field in ["labels", "annotations"] {
        merge_map_at(&mut resource.root, &old.root, &["metadata", field]);
    }
    let span = resource.root.span;
    if let Some(metadata) = tree::ensure_map(&mut resource.root, "metadata", span) {
        for field in ["name", "namespace"] {
            match tree::get_path(&old.root, &["metadata", field]) {
                Some(value) => tree::set_field(metadata, field, value.clone()),
                None => {
                    tree::remove_field(metadata, field);
                }
            }
        }
    }
    let needs_hash = resource.build.needs_hash;
    resource.build = old.build.clone();
    resource.build.needs_hash = needs_hash;
}

fn merge_map_at(target: &mut RNode, old: &RNode, path: &[&str]) {
    let Some(NodeValue::Map(old_entries)) = tree::get_path(old, path).map(|n| &n.value) else {
        return;
    };
    if old_entries.is_empty() {
        return;
    }
    let mut node = &mut *target;
    for key in path {
        let span = node.span;
        match tree::ensure_map(node, key, span) {
            Some(next) => node = next,
            None => return,
        }
    }
    if let NodeValue::Map(entries) = &mut node.value {
        let mut merged: Vec<(RNode, RNode)> = old_entries
            .iter()
            .filter(|(k, _)| !entries.iter().any(|(e, _)| e.key_text() == k.key_text()))
            .cloned()
            .collect();
        merged.append(entries);
        *entries = merged;
    }
}

fn merge_map_field(target: &mut RNode, old: &RNode, field: &str) {
    merge_map_at(target, old, &[field]);
}

/// The content-hash suffixes, once every transformer has run.
pub fn add_hash_suffixes(resources: &mut [Resource]) {
    for resource in resources.iter_mut() {
        if !resource.build.needs_hash {
            continue;
        }
        let hash = name_hash(&resource.root);
        resource.store_previous_id();
        let origin = tree::get_path(&resource.root, &["metadata", "name"])
            .map_or(resource.source, |n| n.span);
        let name = format!("{}-{hash}", resource.name());
        resource.set_name(&name, origin);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_parse_like_kustomize() {
        assert_eq!(parse_literal("a=\"b=c\""), Some(("a".into(), "b=c".into())));
        assert_eq!(parse_literal("=x"), None);
        assert_eq!(
            parse_file_source("dir/app.properties"),
            Ok(("app.properties".into(), "dir/app.properties".into()))
        );
        assert_eq!(
            parse_file_source("key=dir/x"),
            Ok(("key".into(), "dir/x".into()))
        );
        assert!(parse_file_source("a=b=c").is_err());
        let pairs = env_pairs(b"\xEF\xBB\xBF# c\nA=1\n  B = 2 \r\nC\n\n").expect("valid");
        assert_eq!(
            pairs,
            vec![
                ("A".into(), "1".into()),
                ("B ".into(), " 2 ".into()),
                ("C".into(), "".into())
            ]
        );
    }

    #[test]
    fn long_base64_is_wrapped() {
        assert_eq!(encode_base64(b"abc"), "YWJj");
        let long = encode_base64(&[b'x'; 60]);
        assert!(long.ends_with('\n'));
        assert_eq!(long.lines().next().map(str::len), Some(70));
    }
}
