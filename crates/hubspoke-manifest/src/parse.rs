//! From a file's bytes to its documents and problems.

use std::sync::Arc;

use crate::document::Document;
use crate::position::{LineTable, Region, Span};
use crate::problem::{FileProblem, ProblemCode};
use crate::source::{decode, Decoded};
use crate::yaml::{parse_stream, ParseLimits, YamlProblem};

/// A file's text with the table that converts its marks to positions.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path shown to users: relative to the working directory when the file is
    /// under it, else relative to the linted root. Always `/`-separated.
    pub path: String,
    /// Path relative to the linted root, `/`-separated (what repository rules see).
    pub repo_path: String,
    /// The decoded text (empty when the file could not be decoded).
    pub text: Arc<str>,
    lines: Arc<LineTable>,
}

impl SourceFile {
    /// Wrap a text.
    pub fn new(
        path: impl Into<String>,
        repo_path: impl Into<String>,
        text: impl Into<Arc<str>>,
    ) -> Self {
        let text = text.into();
        let lines = Arc::new(LineTable::new(&text));
        SourceFile {
            path: path.into(),
            repo_path: repo_path.into(),
            text,
            lines,
        }
    }

    /// The region a span covers in this file.
    pub fn region(&self, span: Span) -> Region {
        self.lines.region(&self.text, span)
    }

    /// The region of a byte range in this file.
    pub fn region_of_offsets(&self, start: usize, end: usize) -> Region {
        Region {
            start: self.lines.position_of_offset(&self.text, start),
            end: self.lines.position_of_offset(&self.text, end),
        }
    }
}

/// A parsed file: its source, its documents and the problems met.
#[derive(Debug, Clone)]
pub struct ParsedFile {
    /// The source text.
    pub source: SourceFile,
    /// Every document read, Kubernetes objects or not.
    pub documents: Vec<Document>,
    /// Problems with the file itself.
    pub problems: Vec<FileProblem>,
}

impl ParsedFile {
    /// Documents that declare a Kubernetes object (`apiVersion` and `kind`).
    pub fn objects(&self) -> impl Iterator<Item = &Document> {
        self.documents.iter().filter(|d| d.object.is_some())
    }
}

/// Decode and parse a file's bytes.
pub fn parse_bytes(path: &str, repo_path: &str, bytes: Vec<u8>, limits: ParseLimits) -> ParsedFile {
    match decode(bytes) {
        Decoded::Rejected(problem) => ParsedFile {
            source: SourceFile::new(path, repo_path, ""),
            documents: Vec::new(),
            problems: vec![problem],
        },
        Decoded::Text { text, note } => {
            let mut parsed = parse_text(path, repo_path, text, limits);
            if let Some(note) = note {
                parsed.problems.insert(0, note);
            }
            parsed
        }
    }
}

/// Parse text that is already decoded (the LSP's open buffers, tests).
pub fn parse_text(
    path: &str,
    repo_path: &str,
    text: impl Into<Arc<str>>,
    limits: ParseLimits,
) -> ParsedFile {
    let source = SourceFile::new(path, repo_path, text);
    let stream = parse_stream(&source.text, limits);
    let documents: Vec<Document> = stream
        .documents
        .into_iter()
        .map(|raw| Document::new(raw.index, raw.root, raw.start))
        .collect();
    let helm_template = source.text.contains("{{");
    let mut problems: Vec<FileProblem> = stream
        .problems
        .iter()
        .filter(|p| match p {
            // Only Kubernetes objects go through Kubernetes' decoder; other YAML (an
            // application's configuration, a kustomization) is read by other tools, which
            // define their own tags (Home Assistant's `!secret`, Ansible's `!vault`).
            YamlProblem::Undecodable { document, .. } | YamlProblem::UnknownTag { document, .. } => {
                documents.get(*document).is_some_and(|d| d.object.is_some())
            }
            _ => true,
        })
        .map(|p| {
            let mut problem = describe(&source, p);
            // A Helm template is not YAML until rendered; say so instead of a parse error.
            if helm_template && matches!(p, YamlProblem::Syntax { .. }) {
                problem.code = ProblemCode::HelmTemplate;
                problem.message = format!(
                    "looks like a Helm/Go template (`{{{{ … }}}}`), not YAML; render it (helm template) to lint it, or exclude it — {}",
                    problem.message
                );
            }
            problem
        })
        .collect();
    let has_content = documents
        .iter()
        .any(|d| !matches!(d.root.value, crate::yaml::NodeValue::Null));
    if !has_content && problems.is_empty() {
        problems.push(FileProblem::whole_file(
            ProblemCode::EmptyFile,
            "file holds no YAML content (empty, or only comments)",
        ));
    }
    ParsedFile {
        source,
        documents,
        problems,
    }
}

fn describe(source: &SourceFile, problem: &YamlProblem) -> FileProblem {
    let at = |span: &Span| Some(source.region(*span));
    match problem {
        YamlProblem::Syntax { message, at: span } => FileProblem {
            code: ProblemCode::ParseError,
            message: format!("invalid YAML: {message}"),
            region: at(span),
            related: Vec::new(),
        },
        YamlProblem::DuplicateKey { key, at: span, first } => FileProblem {
            code: ProblemCode::DuplicateKey,
            message: format!("duplicate key `{key}`: Kubernetes rejects it or keeps only the last value"),
            region: at(span),
            related: vec![(source.region(*first), format!("`{key}` first defined here"))],
        },
        YamlProblem::DuplicateAnchor { name, at: span, first } => FileProblem {
            code: ProblemCode::DuplicateAnchor,
            message: format!("anchor `&{name}` is defined again in this document: aliases after this point take this node"),
            region: at(span),
            related: vec![(source.region(*first), format!("`&{name}` first defined here"))],
        },
        YamlProblem::UnknownTag { tag, at: span, .. } => FileProblem {
            code: ProblemCode::UnknownTag,
            message: format!("unknown YAML tag `{tag}`: Kubernetes ignores custom tags and reads a tagged scalar as a string"),
            region: at(span),
            related: Vec::new(),
        },
        YamlProblem::Undecodable { message, at: span, .. } => FileProblem {
            code: ProblemCode::ParseError,
            message: format!("Kubernetes cannot decode this: {message}; kubectl rejects the whole file"),
            region: at(span),
            related: Vec::new(),
        },
        YamlProblem::AliasBudget { at: span, limit } => FileProblem {
            code: ProblemCode::YamlLimit,
            message: format!(
                "aliases expand to more than {limit} nodes (a YAML \"billion laughs\" bomb?); the rest of the file was not read"
            ),
            region: at(span),
            related: Vec::new(),
        },
        YamlProblem::TooDeep { at: span, limit } => FileProblem {
            code: ProblemCode::YamlLimit,
            message: format!("nesting deeper than {limit} levels; the rest of the file was not read"),
            region: at(span),
            related: Vec::new(),
        },
        YamlProblem::TooManyDocuments { at: span, limit } => FileProblem {
            code: ProblemCode::YamlLimit,
            message: format!("more than {limit} documents in one file; the rest of the file was not read"),
            region: at(span),
            related: Vec::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_carry_their_position() {
        let f = parse_text(
            "a.yaml",
            "a.yaml",
            "a: 1\nb: [unclosed\n",
            ParseLimits::default(),
        );
        let p = &f.problems[0];
        assert_eq!(p.code, ProblemCode::ParseError);
        assert!(p.region.is_some());
    }

    #[test]
    fn what_kubernetes_cannot_decode_is_an_error_in_kubernetes_objects_only() {
        let f = parse_text(
            "a.yaml",
            "a.yaml",
            "limits: {max: .inf}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  a: 0-0\n  b: .inf\n",
            ParseLimits::default(),
        );
        // (code, message, line and column)
        type Found<'a> = (ProblemCode, &'a str, Option<(u32, u32)>);
        let found: Vec<Found> = f
            .problems
            .iter()
            .map(|p| {
                (
                    p.code,
                    p.message.as_str(),
                    p.region.map(|r| (r.start.line, r.start.column)),
                )
            })
            .collect();
        assert_eq!(
            found,
            [(
                ProblemCode::ParseError,
                "Kubernetes cannot decode this: `.inf` is +Inf, which JSON cannot hold (json: unsupported value: +Inf); kubectl rejects the whole file",
                Some((8, 6))
            )]
        );
        assert_eq!(
            f.documents[1]
                .root
                .get("data")
                .map(crate::yaml::Node::to_json),
            Some(serde_json::json!({"a": "0-0", "b": ".inf"}))
        );
    }

    #[test]
    fn custom_tags_are_reported_in_kubernetes_objects_only() {
        // A Home Assistant configuration, an Ansible vault value, an Authentik blueprint:
        // their tools define these tags. In a Kubernetes object, the tag is ignored.
        let f = parse_text(
            "a.yaml",
            "a.yaml",
            concat!(
                "api_password: !secret http_password\n",
                "token: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n",
                "---\n",
                "entries:\n  - identifiers: {name: !Find [authentik_flows.flow, [slug, x]]}\n",
                "---\n",
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  region: !Ref AWS::Region\n",
            ),
            ParseLimits::default(),
        );
        let found: Vec<(ProblemCode, Option<(u32, u32)>)> = f
            .problems
            .iter()
            .map(|p| (p.code, p.region.map(|r| (r.start.line, r.start.column))))
            .collect();
        assert_eq!(found, [(ProblemCode::UnknownTag, Some((12, 11)))]);
    }

    #[test]
    fn comment_only_files_are_empty() {
        let f = parse_text(
            "a.yaml",
            "a.yaml",
            "# just a comment\n",
            ParseLimits::default(),
        );
        assert_eq!(f.problems[0].code, ProblemCode::EmptyFile);
    }

    #[test]
    fn non_kubernetes_documents_are_kept_but_not_objects() {
        let f = parse_text(
            "a.yaml",
            "a.yaml",
            "foo: bar\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n",
            ParseLimits::default(),
        );
        assert_eq!(f.documents.len(), 2);
        assert_eq!(f.objects().count(), 1);
    }
}
