//! Builds span-carrying [`Node`] trees from saphyr-parser's event stream.
//!
//! We drive the parser ourselves rather than use saphyr's loader because we need
//! what it cannot give: duplicate keys reported rather than fatal or silent,
//! Kubernetes' scalar rules (keys included), its tags and merge keys, alias budgets
//! against "billion laughs", a nesting limit, and the documents completed before a
//! syntax error.

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span as SaphyrSpan};

use super::lines::{AnchorNames, LineCursor};
use super::merge::{apply_merge_keys, is_mergeable};
use super::node::{Node, NodeValue};
use super::quoted::quoted_end;
use super::scalar::{is_overflowing_json_number, key_of, value_of, Decode, Undecodable};
use super::tag::{tag_text, TagKind};
use crate::position::{Mark, Span};

/// Bounds that keep hostile input from exhausting time or memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseLimits {
    /// Deepest nesting of sequences and mappings accepted.
    pub max_depth: usize,
    /// Nodes that aliases may materialise in one file, summed over all aliases.
    pub max_alias_nodes: usize,
    /// Documents accepted in one file.
    pub max_documents: usize,
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits {
            max_depth: 128,
            max_alias_nodes: 100_000,
            max_documents: 10_000,
        }
    }
}

/// A YAML document: its root node and where it starts.
#[derive(Debug, Clone)]
pub struct RawDocument {
    /// 0-based index of the document in its file.
    pub index: usize,
    /// The document's root node.
    pub root: Node,
    /// Span of the document start (the `---` marker, or the first token).
    pub start: Span,
}

/// What went wrong while reading a YAML stream.
#[derive(Debug, Clone, PartialEq)]
pub enum YamlProblem {
    /// The stream is not valid YAML; parsing stopped here.
    Syntax {
        /// The parser's message.
        message: String,
        /// Where it stopped.
        at: Span,
    },
    /// A mapping repeats a key; the last value wins, as in Kubernetes.
    DuplicateKey {
        /// The repeated key.
        key: String,
        /// The repeated (later) key.
        at: Span,
        /// The first occurrence.
        first: Span,
    },
    /// An anchor name defined again in the same document; later aliases take the new node.
    DuplicateAnchor {
        /// The anchor's name (without `&`).
        name: String,
        /// The second definition (the `&name` token).
        at: Span,
        /// The first definition.
        first: Span,
    },
    /// A tag that is not one of YAML's standard `tag:yaml.org,2002:` tags; Kubernetes
    /// ignores it on a mapping or sequence and reads a tagged scalar as a string.
    UnknownTag {
        /// The tag as written.
        tag: String,
        /// The tagged node.
        at: Span,
        /// 0-based index of the document holding it (custom tags are a problem in
        /// Kubernetes objects only: other YAML is read by tools that define them).
        document: usize,
    },
    /// Valid YAML that Kubernetes' decoder rejects (`!!int abc`, `.inf` as a value, a null
    /// key, a merge of something other than mappings); kubectl refuses the file.
    Undecodable {
        /// Why, in a sentence.
        message: String,
        /// The node it is about.
        at: Span,
        /// 0-based index of the document holding it.
        document: usize,
    },
    /// Aliases expanded to more nodes than allowed; parsing stopped.
    AliasBudget {
        /// The alias that crossed the limit.
        at: Span,
        /// The limit.
        limit: usize,
    },
    /// Nesting went deeper than allowed; parsing stopped.
    TooDeep {
        /// The node that crossed the limit.
        at: Span,
        /// The limit.
        limit: usize,
    },
    /// The file holds more documents than allowed; the rest were not read.
    TooManyDocuments {
        /// Start of the first document not read.
        at: Span,
        /// The limit.
        limit: usize,
    },
}

/// The documents read from a stream and the problems met on the way.
#[derive(Debug, Clone, Default)]
pub struct YamlStream {
    /// Documents completed, in order (those before a fatal problem included).
    pub documents: Vec<RawDocument>,
    /// Problems, in the order met.
    pub problems: Vec<YamlProblem>,
}

/// Parse a whole multi-document stream.
pub fn parse_stream(text: &str, limits: ParseLimits) -> YamlStream {
    let mut builder = Builder::new(limits, text);
    let mut parser = Parser::new_from_str(text);
    while let Some(next) = parser.next_event() {
        match next {
            Ok((event, span)) => {
                if let Err(problem) = builder.on_event(event, span) {
                    builder.out.problems.push(problem);
                    break;
                }
            }
            Err(error) => {
                let at = mark(error.marker());
                builder.out.problems.push(YamlProblem::Syntax {
                    message: error.info().to_owned(),
                    at: Span { start: at, end: at },
                });
                break;
            }
        }
    }
    builder.out
}

fn mark(m: &saphyr_parser::Marker) -> Mark {
    Mark {
        line: u32::try_from(m.line()).unwrap_or(u32::MAX),
        col: u32::try_from(m.col()).unwrap_or(u32::MAX),
    }
}

fn span(s: &SaphyrSpan) -> Span {
    Span {
        start: mark(&s.start),
        end: mark(&s.end),
    }
}

enum Frame {
    Seq {
        anchor: usize,
        start: Span,
        items: Vec<Node>,
    },
    Map {
        anchor: usize,
        start: Span,
        entries: Vec<(Node, Node)>,
        merge_entries: Vec<usize>,
        pending_key: Option<(Node, bool)>,
    },
}

struct Builder<'t> {
    limits: ParseLimits,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    anchor_names: AnchorNames<'t>,
    /// Lines of quoted scalars, whose spans are cut back to their closing quote.
    quoted_lines: LineCursor<'t>,
    /// First definition of each anchor name in the current document.
    anchor_definitions: HashMap<String, Span>,
    alias_nodes: usize,
    doc_start: Option<Span>,
    doc_root: Option<Node>,
    /// The stream is JSON for Kubernetes (its first character is `{`).
    json_stream: bool,
    out: YamlStream,
}

impl<'t> Builder<'t> {
    fn new(limits: ParseLimits, text: &'t str) -> Self {
        Builder {
            limits,
            stack: Vec::new(),
            anchors: HashMap::new(),
            anchor_names: AnchorNames::new(text),
            quoted_lines: LineCursor::new(text),
            anchor_definitions: HashMap::new(),
            alias_nodes: 0,
            doc_start: None,
            doc_root: None,
            // kubectl decodes a stream that starts with `{` as JSON, which rejects numbers
            // too large for a float64 where YAML keeps them as strings.
            json_stream: text.trim_start().starts_with('{'),
            out: YamlStream::default(),
        }
    }

    fn on_event(&mut self, event: Event<'_>, raw_span: SaphyrSpan) -> Result<(), YamlProblem> {
        let at = span(&raw_span);
        match event {
            Event::Nothing | Event::StreamStart | Event::StreamEnd => {}
            Event::DocumentStart(_) => {
                if self.out.documents.len() >= self.limits.max_documents {
                    return Err(YamlProblem::TooManyDocuments {
                        at,
                        limit: self.limits.max_documents,
                    });
                }
                self.doc_start = Some(at);
                self.doc_root = None;
                self.stack.clear();
                self.anchor_definitions.clear();
            }
            Event::DocumentEnd => {
                let start = self.doc_start.take().unwrap_or(at);
                let root = self.doc_root.take().unwrap_or(Node {
                    span: start,
                    value: NodeValue::Null,
                });
                self.out.documents.push(RawDocument {
                    index: self.out.documents.len(),
                    root,
                    start,
                });
            }
            Event::Alias(id) => {
                let node = self.expand_alias(id, at)?;
                self.attach(node, false);
            }
            Event::Scalar(text, style, anchor, tag) => {
                self.check_anchor_name(anchor, at);
                let at = match style {
                    ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => self.quoted_span(at),
                    _ => at,
                };
                let kind = TagKind::of(tag.as_deref());
                self.check_tag(kind, at);
                let is_key = self.expects_key();
                let is_merge_key = is_key && text == "<<" && kind.marks_merge_key(style);
                let value = if is_merge_key {
                    NodeValue::Str(text.into_owned())
                } else if is_key {
                    let (key, error) = key_of(text, kind.decode(style));
                    self.undecodable(error, at);
                    NodeValue::Str(key)
                } else {
                    self.value(text, kind.decode(style), at)
                };
                let node = Node { span: at, value };
                self.remember_anchor(anchor, &node);
                self.attach(node, is_merge_key);
            }
            Event::SequenceStart(anchor, tag) => {
                self.check_anchor_name(anchor, at);
                self.check_tag(TagKind::of(tag.as_deref()), at);
                self.push(Frame::Seq {
                    anchor,
                    start: at,
                    items: Vec::new(),
                })?;
            }
            Event::MappingStart(anchor, tag) => {
                self.check_anchor_name(anchor, at);
                self.check_tag(TagKind::of(tag.as_deref()), at);
                self.push(Frame::Map {
                    anchor,
                    start: at,
                    entries: Vec::new(),
                    merge_entries: Vec::new(),
                    pending_key: None,
                })?;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(frame) = self.stack.pop() {
                    let (anchor, node) = self.finish(frame, at);
                    self.remember_anchor(anchor, &node);
                    self.attach(node, false);
                }
            }
        }
        Ok(())
    }

    fn expects_key(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame::Map {
                pending_key: None,
                ..
            })
        )
    }

    fn push(&mut self, frame: Frame) -> Result<(), YamlProblem> {
        if self.stack.len() >= self.limits.max_depth {
            let at = match &frame {
                Frame::Seq { start, .. } | Frame::Map { start, .. } => *start,
            };
            return Err(YamlProblem::TooDeep {
                at,
                limit: self.limits.max_depth,
            });
        }
        self.stack.push(frame);
        Ok(())
    }

    fn expand_alias(&mut self, id: usize, at: Span) -> Result<Node, YamlProblem> {
        let Some(target) = self.anchors.get(&id) else {
            // saphyr rejects unknown anchors itself; an id we never stored means the
            // anchored node was a container still open (a recursive alias).
            return Err(YamlProblem::Syntax {
                message: "alias refers to a node that contains it".to_owned(),
                at,
            });
        };
        self.alias_nodes = self.alias_nodes.saturating_add(target.size());
        if self.alias_nodes > self.limits.max_alias_nodes {
            return Err(YamlProblem::AliasBudget {
                at,
                limit: self.limits.max_alias_nodes,
            });
        }
        Ok(target.clone())
    }

    /// The span of a quoted scalar, ending at its closing quote rather than after the
    /// blanks and comment that follow it (see [`quoted_end`]).
    fn quoted_span(&mut self, at: Span) -> Span {
        let end = self
            .quoted_lines
            .rest_from_line(at.start.line)
            .and_then(|text| quoted_end(text, at.start));
        match end {
            Some(end) => Span {
                start: at.start,
                end,
            },
            None => at,
        }
    }

    /// Report an anchor name defined a second time in the document.
    fn check_anchor_name(&mut self, anchor: usize, at: Span) {
        if anchor == 0 {
            return;
        }
        let Some((name, span)) = self.anchor_names.at(at.start) else {
            return;
        };
        match self.anchor_definitions.entry(name) {
            std::collections::hash_map::Entry::Occupied(first) => {
                self.out.problems.push(YamlProblem::DuplicateAnchor {
                    name: first.key().clone(),
                    at: span,
                    first: *first.get(),
                });
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(span);
            }
        }
    }

    fn remember_anchor(&mut self, anchor: usize, node: &Node) {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
    }

    fn check_tag(&mut self, kind: TagKind<'_>, at: Span) {
        if let TagKind::Custom(tag) = kind {
            self.out.problems.push(YamlProblem::UnknownTag {
                tag: tag_text(tag),
                at,
                document: self.out.documents.len(),
            });
        }
    }

    /// The value of a scalar in value position.
    fn value(&mut self, text: Cow<'_, str>, decode: Decode, at: Span) -> NodeValue {
        let (value, error) = value_of(text, decode);
        self.undecodable(error, at);
        if self.json_stream && decode == Decode::Implicit {
            if let NodeValue::Str(text) = &value {
                if is_overflowing_json_number(text) {
                    let error = Undecodable(format!(
                        "{text} does not fit a float64, and this file is JSON for Kubernetes (it starts with `{{`) (json: cannot unmarshal number {text} into Go value of type float64)"
                    ));
                    self.undecodable(Some(error), at);
                }
            }
        }
        value
    }

    fn undecodable(&mut self, error: Option<Undecodable>, at: Span) {
        if let Some(Undecodable(message)) = error {
            self.out.problems.push(YamlProblem::Undecodable {
                message,
                at,
                document: self.out.documents.len(),
            });
        }
    }

    fn attach(&mut self, node: Node, is_merge_key: bool) {
        match self.stack.last_mut() {
            None => self.doc_root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                merge_entries,
                pending_key,
                ..
            }) => match pending_key.take() {
                None => {
                    if matches!(node.value, NodeValue::Seq(_) | NodeValue::Map(_)) {
                        self.out.problems.push(YamlProblem::Undecodable {
                            message: "a sequence or mapping cannot be a key: JSON keys are strings (invalid map key)".to_owned(),
                            at: node.span,
                            document: self.out.documents.len(),
                        });
                    }
                    *pending_key = Some((node, is_merge_key));
                }
                Some((key, merge)) => {
                    if merge {
                        if !is_mergeable(&node) {
                            self.out.problems.push(YamlProblem::Undecodable {
                                message: "`<<` merges a mapping or a sequence of mappings, nothing else (map merge requires map or sequence of maps as the value)".to_owned(),
                                at: node.span,
                                document: self.out.documents.len(),
                            });
                        }
                        merge_entries.push(entries.len());
                    }
                    entries.push((key, node));
                }
            },
        }
    }

    fn finish(&mut self, frame: Frame, end: Span) -> (usize, Node) {
        match frame {
            Frame::Seq {
                anchor,
                start,
                mut items,
            } => (anchor, {
                // Trees live for the whole run: give back the growth slack (~25 % of the
                // parsed size on a 10,000-file repository; benches/README.md).
                items.shrink_to_fit();
                Node {
                    span: Span {
                        start: start.start,
                        end: end.start,
                    },
                    value: NodeValue::Seq(items),
                }
            }),
            Frame::Map {
                anchor,
                start,
                mut entries,
                merge_entries,
                pending_key,
            } => {
                if let Some((key, _)) = pending_key {
                    // A key with no value event cannot happen with a well-formed
                    // stream; keep it as null rather than lose it.
                    let span = key.span;
                    entries.push((
                        key,
                        Node {
                            span,
                            value: NodeValue::Null,
                        },
                    ));
                }
                self.report_duplicates(&entries, &merge_entries);
                if !merge_entries.is_empty() {
                    entries = apply_merge_keys(entries, &merge_entries);
                }
                entries.shrink_to_fit();
                (
                    anchor,
                    Node {
                        span: Span {
                            start: start.start,
                            end: end.start,
                        },
                        value: NodeValue::Map(entries),
                    },
                )
            }
        }
    }

    fn report_duplicates(&mut self, entries: &[(Node, Node)], merge_entries: &[usize]) {
        if entries.len() < 2 {
            return;
        }
        let mut seen: HashMap<String, Span> = HashMap::with_capacity(entries.len());
        for (i, (key, _)) in entries.iter().enumerate() {
            if merge_entries.contains(&i) {
                continue;
            }
            let text = key.key_text();
            if let Some(first) = seen.get(&text) {
                self.out.problems.push(YamlProblem::DuplicateKey {
                    key: text,
                    at: key.span,
                    first: *first,
                });
            } else {
                seen.insert(text, key.span);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> YamlStream {
        parse_stream(text, ParseLimits::default())
    }

    #[test]
    fn multi_document_streams_keep_every_document() {
        let s = parse("a: 1\n---\nb: [x, y]\n---\n");
        assert_eq!(s.documents.len(), 3);
        assert_eq!(
            s.documents[1].root.get("b").map(|n| n.span.start.line),
            Some(3)
        );
        assert!(s.problems.is_empty());
    }

    #[test]
    fn duplicate_keys_are_reported_and_last_wins() {
        let s = parse("a: 1\nb: 2\na: 3\n");
        assert_eq!(
            s.documents[0].root.to_json(),
            serde_json::json!({"a": 3, "b": 2})
        );
        match &s.problems[..] {
            [YamlProblem::DuplicateKey { key, at, first }] => {
                assert_eq!(key, "a");
                assert_eq!(at.start.line, 3);
                assert_eq!(first.start.line, 1);
            }
            other => panic!("unexpected problems {other:?}"),
        }
    }

    #[test]
    fn a_redefined_anchor_is_reported_at_its_second_definition() {
        let s = parse(
            "a: &v 1\nb: !!str &v 2\nc: *v\nd: &m {x: 1}\n---\ne: &v 3\nf: &m [1]\ng: &m x\n",
        );
        assert_eq!(
            s.documents[0].root.get("c").map(|n| n.to_json()),
            Some(serde_json::json!("2"))
        );
        // (name, (line, column, end column) of the second, (line, column) of the first)
        type Redefinition = (String, (u32, u32, u32), (u32, u32));
        let found: Vec<Redefinition> = s
            .problems
            .iter()
            .map(|p| match p {
                YamlProblem::DuplicateAnchor { name, at, first } => (
                    name.clone(),
                    (at.start.line, at.start.col, at.end.col),
                    (first.start.line, first.start.col),
                ),
                other => panic!("unexpected problem {other:?}"),
            })
            .collect();
        assert_eq!(
            found,
            vec![
                ("v".to_owned(), (2, 9, 11), (1, 3)),
                ("m".to_owned(), (8, 3, 5), (7, 3)),
            ]
        );
    }

    #[test]
    fn anchors_aliases_and_merge_keys_resolve() {
        let s = parse("base: &b {x: 1, z: 2}\nc:\n  <<: *b\n  z: 3\nd: *b\n");
        assert_eq!(
            s.documents[0].root.to_json(),
            serde_json::json!({"base": {"x": 1, "z": 2}, "c": {"x": 1, "z": 3}, "d": {"x": 1, "z": 2}})
        );
        assert!(s.problems.is_empty(), "{:?}", s.problems);
    }

    #[test]
    fn what_kubernetes_cannot_merge_or_use_as_a_key_is_reported_where_it_is_written() {
        let undecodable = |yaml: &str| -> Vec<(String, u32, u32)> {
            parse(yaml)
                .problems
                .iter()
                .map(|p| match p {
                    YamlProblem::Undecodable {
                        message,
                        at,
                        document,
                    } => {
                        assert_eq!(*document, 0);
                        (message.clone(), at.start.line, at.start.col)
                    }
                    other => panic!("unexpected problem {other:?}"),
                })
                .collect()
        };
        let merge = "`<<` merges a mapping or a sequence of mappings, nothing else (map merge requires map or sequence of maps as the value)";
        assert_eq!(
            undecodable("a: 1\nb:\n  <<: 1\n"),
            [(merge.to_owned(), 3, 6)]
        );
        assert_eq!(
            undecodable("b: {<<: [{a: 1}, 2]}\n"),
            [(merge.to_owned(), 1, 8)]
        );
        assert_eq!(
            undecodable("b: {? [a] : 1}\n"),
            [(
                "a sequence or mapping cannot be a key: JSON keys are strings (invalid map key)"
                    .to_owned(),
                1,
                6
            )]
        );
        assert_eq!(
            undecodable("a: .inf\n~: 1\nc: !!int abc\n"),
            [
                (
                    "`.inf` is +Inf, which JSON cannot hold (json: unsupported value: +Inf)"
                        .to_owned(),
                    1,
                    3
                ),
                (
                    "`~` as a key is null, which a JSON object cannot have as a key (unsupported map key of type <nil>)".to_owned(),
                    2,
                    0
                ),
                ("cannot decode !!str `abc` as a !!int".to_owned(), 3, 3),
            ]
        );
    }

    #[test]
    fn a_json_stream_rejects_numbers_beyond_float64() {
        let s = parse("{\"a\": 1e400, \"b\": 1e300}\n");
        assert!(
            matches!(
                &s.problems[..],
                [YamlProblem::Undecodable { message, at, .. }]
                    if message.contains("json: cannot unmarshal number 1e400") && at.start.col == 6
            ),
            "{:?}",
            s.problems
        );
        // YAML keeps it as a string.
        let s = parse("a: 1e400\n");
        assert!(s.problems.is_empty());
        assert_eq!(
            s.documents[0].root.to_json(),
            serde_json::json!({"a": "1e400"})
        );
    }

    /// kubectl 1.37: standard tags on collections are ignored, `!!binary` is base64 with
    /// line breaks allowed.
    #[test]
    fn standard_tags_are_applied_without_a_report() {
        let s = parse(concat!(
            "b: !!binary |\n  aGVs\n  bG8=\n",
            "s: !!set {a, b}\n",
            "m: !!seq {a: 1}\n",
            "o: !!omap [{a: 1}]\n",
            "i: !!int \"12\"\n",
            "t: !!str 123\n",
        ));
        assert!(s.problems.is_empty(), "{:?}", s.problems);
        assert_eq!(
            s.documents[0].root.to_json(),
            serde_json::json!({
                "b": "hello", "s": {"a": null, "b": null}, "m": {"a": 1},
                "o": [{"a": 1}], "i": 12, "t": "123"
            })
        );
    }

    #[test]
    fn billion_laughs_stops_at_the_alias_budget() {
        let mut text = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
        for w in names.windows(2) {
            let refs = vec![format!("*{}", w[0]); 9].join(",");
            text.push_str(&format!("{}: &{} [{}]\n", w[1], w[1], refs));
        }
        let s = parse(&text);
        assert!(matches!(
            s.problems.last(),
            Some(YamlProblem::AliasBudget { .. })
        ));
        assert!(s.documents.is_empty());
    }

    #[test]
    fn deep_nesting_stops_at_the_limit() {
        let text: String = (0..300)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect();
        let s = parse(&text);
        assert!(
            matches!(
                s.problems.last(),
                Some(YamlProblem::TooDeep { limit: 128, .. })
            ),
            "{:?}",
            s.problems
        );
    }

    #[test]
    fn documents_before_a_syntax_error_survive() {
        let s = parse("a: 1\n---\nb: \"unclosed\n");
        assert_eq!(s.documents.len(), 1);
        assert!(matches!(
            s.problems.last(),
            Some(YamlProblem::Syntax { .. })
        ));
    }

    #[test]
    fn quoted_and_tagged_scalars_stay_strings() {
        let s = parse("a: \"yes\"\nb: !!str 0644\nc: yes\nd: 0644\n");
        assert_eq!(
            s.documents[0].root.to_json(),
            serde_json::json!({"a": "yes", "b": "0644", "c": true, "d": 420})
        );
    }

    #[test]
    fn unknown_tags_are_reported_and_tagged_scalars_read_as_strings() {
        let s = parse(concat!(
            "%TAG !e! tag:example.com,2000:\n",
            "---\n",
            "a: !Ref foo\n",
            "b: !vault 12\n",
            "c: !!python/tuple [1]\n",
            "d: !<tag:example.com,2000:app/foo> x\n",
            "e: !e!foo {k: 1}\n",
        ));
        let tags: Vec<(&str, u32)> = s
            .problems
            .iter()
            .map(|p| match p {
                YamlProblem::UnknownTag { tag, at, .. } => (tag.as_str(), at.start.line),
                other => panic!("unexpected problem {other:?}"),
            })
            .collect();
        assert_eq!(
            tags,
            [
                ("!Ref", 3),
                ("!vault", 4),
                ("!!python/tuple", 5),
                ("!<tag:example.com,2000:app/foo>", 6),
                ("!<tag:example.com,2000:foo>", 7),
            ]
        );
        assert_eq!(
            s.documents[0].root.to_json(),
            serde_json::json!({"a": "foo", "b": "12", "c": [1], "d": "x", "e": {"k": 1}})
        );
    }
}
