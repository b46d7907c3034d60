//! `textDocument/hover`: over a finding, the rule's title, description and help.

use lsp_types::{Hover, HoverContents, HoverParams, MarkupContent, MarkupKind};

use crate::convert;
use crate::handlers::RequestError;
use crate::session::Session;

pub(crate) fn handle(
    session: &Session,
    params: HoverParams,
) -> Result<Option<Hover>, RequestError> {
    let at = params.text_document_position_params;
    let uri = at.text_document.uri;
    let document = session
        .documents
        .get(&uri)
        .ok_or_else(|| RequestError::unknown_document(&uri))?;
    let Some(linted) = session.shared.result(&uri) else {
        return Ok(None);
    };
    if linted.version != document.version {
        return Ok(None); // a lint of the latest text is on its way
    }
    let mut range = None;
    let mut sections: Vec<String> = Vec::new();
    let mut shown: Vec<&str> = Vec::new();
    for finding in &linted.findings {
        let finding_range = convert::range(finding.region.as_ref());
        if !convert::contains(&finding_range, at.position) || shown.contains(&finding.rule.as_str())
        {
            continue;
        }
        shown.push(&finding.rule);
        range.get_or_insert(finding_range);
        let docs = convert::rule_docs_url(&linted.catalog, &finding.rule);
        sections.push(
            match linted
                .catalog
                .binary_search_by(|r| r.id.as_str().cmp(&finding.rule))
                .ok()
                .map(|i| &linted.catalog[i])
            {
                Some(rule) => format!(
                    "**{}** `{}` · {}\n\n{}\n\n**Fix:** {}\n\n[Rule documentation]({docs})",
                    rule.id, rule.title, finding.severity, rule.description, rule.help
                ),
                None => format!(
                    "**{}** · {}\n\n[Rule documentation]({docs})",
                    finding.rule, finding.severity
                ),
            },
        );
    }
    if sections.is_empty() {
        return Ok(None);
    }
    Ok(Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: sections.join("\n\n---\n\n"),
        }),
        range,
    }))
}
