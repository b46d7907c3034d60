//! `textDocument/codeAction`: for each finding in the range, its quick fix
//! (when the rule has one) and a suppression comment.

use std::collections::HashMap;
use std::path::Path;

use hubspoke_manifest::{parse_text, ObjectMeta, ParseLimits, ParsedFile, ProblemCode};
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, TextEdit, Uri, WorkspaceEdit,
};

use crate::convert::{self, DocumentPlace};
use crate::fix::{self, Edit};
use crate::handlers::RequestError;
use crate::session::Session;
use crate::uri;

pub(crate) fn handle(
    session: &Session,
    params: CodeActionParams,
) -> Result<Vec<CodeActionOrCommand>, RequestError> {
    let uri = params.text_document.uri;
    let document = session
        .documents
        .get(&uri)
        .ok_or_else(|| RequestError::unknown_document(&uri))?;
    if let Some(only) = &params.context.only {
        let quickfix = CodeActionKind::QUICKFIX;
        let quickfix = quickfix.as_str();
        if !only
            .iter()
            .any(|k| quickfix == k.as_str() || quickfix.starts_with(&format!("{}.", k.as_str())))
        {
            return Ok(Vec::new());
        }
    }
    let Some(linted) = session.shared.result(&uri) else {
        return Ok(Vec::new());
    };
    let Some(file) = linted
        .file
        .as_ref()
        .filter(|_| linted.version == document.version)
    else {
        return Ok(Vec::new());
    };
    let display = session.shared.display_path(&uri);
    let place = DocumentPlace {
        uri: &uri,
        display_path: &display,
        root: session.shared.root.as_deref(),
    };
    let service_account = |object: &ObjectMeta| service_account(session, file, &uri, object);
    let mut fixes: Vec<(fix::QuickFix, Vec<lsp_types::Diagnostic>)> = Vec::new();
    let mut suppressions = Vec::new();
    for finding in &linted.findings {
        let range = convert::range(finding.region.as_ref());
        if !convert::overlaps(&range, &params.range) {
            continue;
        }
        let diagnostic = convert::diagnostic(finding, &place, &linted.catalog);
        let meta = linted
            .catalog
            .binary_search_by(|r| r.id.as_str().cmp(&finding.rule))
            .ok()
            .map(|i| &linted.catalog[i]);
        if let Some(quick) = fix::quick_fix(file, finding, meta, &service_account) {
            // Several rules may flag one field (a control and a whole profile): one fix for all.
            match fixes.iter_mut().find(|(q, _)| *q == quick) {
                Some((_, diagnostics)) => diagnostics.push(diagnostic.clone()),
                None => fixes.push((quick, vec![diagnostic.clone()])),
            }
        }
        if finding.rule != ProblemCode::ParseError.id() {
            let edit = fix::suppression(&file.source.text, finding);
            let title = match finding.region {
                Some(_) => format!("Suppress {} on this line", finding.rule),
                None => format!("Suppress {} in this file", finding.rule),
            };
            suppressions.push(action(title, &uri, file, &edit, vec![diagnostic], false));
        }
    }
    let mut actions: Vec<CodeActionOrCommand> = fixes
        .into_iter()
        .map(|(quick, diagnostics)| action(quick.title, &uri, file, &quick.edit, diagnostics, true))
        .collect();
    actions.extend(suppressions);
    Ok(actions)
}

fn action(
    title: String,
    uri: &Uri,
    file: &ParsedFile,
    edit: &Edit,
    diagnostics: Vec<lsp_types::Diagnostic>,
    preferred: bool,
) -> CodeActionOrCommand {
    let region = file.source.region_of_offsets(edit.start, edit.end);
    let text_edit = TextEdit {
        range: convert::range(Some(&region)),
        new_text: edit.text.clone(),
    };
    CodeActionOrCommand::CodeAction(CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(diagnostics),
        edit: Some(WorkspaceEdit {
            changes: Some(HashMap::from([(uri.clone(), vec![text_edit])])),
            ..WorkspaceEdit::default()
        }),
        is_preferred: preferred.then_some(true),
        ..CodeAction::default()
    })
}

/// Files of a directory read when looking for a service account.
const MAX_SIBLINGS: usize = 100;
const MAX_SIBLING_SIZE: u64 = 1024 * 1024;

/// A service account for a Flux object: one of its namespace declared in the
/// same file, another open buffer or a YAML file beside it (Flux's tenant
/// layout puts it in `rbac.yaml` next to `sync.yaml`); else one named after
/// the namespace, as `flux create tenant` does.
fn service_account(
    session: &Session,
    file: &ParsedFile,
    uri: &Uri,
    object: &ObjectMeta,
) -> Option<String> {
    let namespace = object
        .namespace
        .clone()
        .unwrap_or_else(|| "default".to_owned());
    let find = |file: &ParsedFile| {
        file.objects()
            .filter_map(|d| d.object.as_ref())
            .find(|o| {
                o.kind == "ServiceAccount" && o.namespace.as_deref() == Some(namespace.as_str())
            })
            .and_then(|o| o.name.clone())
    };
    let parse = |text: &str| {
        text.contains("ServiceAccount")
            .then(|| parse_text("", "", text, ParseLimits::default()))
    };
    if let Some(name) = find(file) {
        return Some(name);
    }
    for (other, document) in &session.documents {
        if other != uri {
            if let Some(name) = parse(&document.text).and_then(|f| find(&f)) {
                return Some(name);
            }
        }
    }
    if let Some(dir) = uri::to_path(uri).as_deref().and_then(Path::parent) {
        let mut siblings: Vec<_> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
            .collect();
        siblings.sort();
        for path in siblings.into_iter().take(MAX_SIBLINGS) {
            if !std::fs::metadata(&path).is_ok_and(|m| m.is_file() && m.len() <= MAX_SIBLING_SIZE) {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            if let Some(name) = parse(&text).and_then(|f| find(&f)) {
                return Some(name);
            }
        }
    }
    Some(namespace)
}
