//! One string scalar through Flux's substitution, as Flux really does it:
//! kustomize serialises the object to YAML (sigs.k8s.io/yaml on go-yaml v2),
//! envsubst runs over that text, and the text is parsed back. So a plain
//! `replicas: ${REPLICAS}` becomes the integer `3`, a value `"true"` with
//! quotes in it makes a string, `[a, b]` makes a list, and a value with `: `
//! in it breaks the YAML — Flux fails the reconcile then, and so do we.
//!
//! Only strings holding a `$` can change (every other scalar is written
//! without one), so only those come here.

use std::ops::Range;

use hubspoke_manifest::yaml::{parse_stream, Node, NodeValue, ParseLimits, YamlProblem};

use super::envsubst::{Expansion, Lookup, ParseError, Reference, Template};

/// Where the scalar sits: the YAML around it changes how it is written and read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placement {
    /// A mapping value.
    Value,
    /// A sequence item.
    Item,
    /// A mapping key.
    Key,
}

/// How go-yaml v2 writes a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    /// `|` block: its lines are the string's, so substitution works on the string.
    Literal,
}

/// A string after substitution.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Substituted {
    /// The value parsed back (spans are of a scratch document, not the file).
    pub value: Node,
    /// Every expression evaluated, ranges in bytes of the original string.
    pub references: Vec<Reference>,
    /// Byte ranges of the top-level expressions in the original string.
    pub placeholders: Vec<Range<usize>>,
}

/// Why Flux would fail on this string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ScalarError {
    /// envsubst cannot parse it (range in the original string).
    Template(ParseError),
    /// An operator panicked in Go (range of the expression in the original string).
    Panic(Range<usize>),
    /// The result is not UTF-8 (an offset cut a character).
    InvalidUtf8,
    /// The substituted text is not YAML any more: Flux's `YAMLToJSON` error.
    Yaml {
        /// The parser's message.
        message: String,
        /// The references, for locating the culprit.
        references: Vec<Reference>,
    },
}

/// Substitute one string. `Ok(None)`: it holds no `$`, nothing changes.
pub(crate) fn substitute_string<'v>(
    text: &str,
    placement: Placement,
    lookup: &dyn Fn(&str) -> Lookup<'v>,
) -> Result<Option<Substituted>, ScalarError> {
    if !text.contains('$') {
        return Ok(None);
    }
    let style = style_of(text, placement);
    if style == Style::Literal || (placement == Placement::Key && text.contains('\n')) {
        // Block scalars keep their lines; variable values have no newline (Flux
        // strips them), so the result is the string substituted.
        let (expansion, map) = expand(text, &identity(text), lookup)?;
        let output = into_text(expansion.output)?;
        return Ok(Some(Substituted {
            value: scratch_string(output),
            references: map.references,
            placeholders: map.placeholders,
        }));
    }
    let (emitted, to_source) = emit(text, style);
    let (expansion, map) = expand(&emitted, &to_source, lookup)?;
    let output = into_text(expansion.output)?;
    let value = reparse(&output, placement).map_err(|message| ScalarError::Yaml {
        message,
        references: map.references.clone(),
    })?;
    Ok(Some(Substituted {
        value,
        references: map.references,
        placeholders: map.placeholders,
    }))
}

struct SourceMap {
    references: Vec<Reference>,
    placeholders: Vec<Range<usize>>,
}

/// Run envsubst over the emitted text and map its ranges back to the string.
fn expand<'v>(
    emitted: &str,
    to_source: &[usize],
    lookup: &dyn Fn(&str) -> Lookup<'v>,
) -> Result<(Expansion, SourceMap), ScalarError> {
    let back = |range: &Range<usize>| -> Range<usize> {
        let at = |offset: usize| to_source[offset.min(to_source.len() - 1)];
        at(range.start)..at(range.end)
    };
    let template = Template::parse(emitted).map_err(|mut error| {
        error.at = back(&error.at);
        ScalarError::Template(error)
    })?;
    let expansion = template.expand(lookup);
    if let Some(range) = &expansion.panicked {
        return Err(ScalarError::Panic(back(range)));
    }
    let references = expansion
        .references
        .iter()
        .map(|r| Reference {
            source: back(&r.source),
            ..r.clone()
        })
        .collect();
    let placeholders = expansion
        .segments
        .iter()
        .filter(|s| s.expression)
        .map(|s| back(&s.source))
        .collect();
    Ok((
        expansion,
        SourceMap {
            references,
            placeholders,
        },
    ))
}

fn into_text(bytes: Vec<u8>) -> Result<String, ScalarError> {
    String::from_utf8(bytes).map_err(|_| ScalarError::InvalidUtf8)
}

fn identity(text: &str) -> Vec<usize> {
    (0..=text.len()).collect()
}

fn scratch_string(text: String) -> Node {
    Node {
        span: Default::default(),
        value: NodeValue::Str(text),
    }
}

/// Parse the substituted text where it stood. The scratch documents put the
/// scalar in the same block context it had in Flux's text.
fn reparse(text: &str, placement: Placement) -> Result<Node, String> {
    let document = match placement {
        Placement::Value => format!("k: {text}\n"),
        Placement::Item => format!("- {text}\n"),
        Placement::Key => format!("{text}: v\n"),
    };
    let stream = parse_stream(&document, ParseLimits::default());
    for problem in &stream.problems {
        match problem {
            YamlProblem::Syntax { message, .. } => return Err(message.clone()),
            YamlProblem::AliasBudget { .. } | YamlProblem::TooDeep { .. } => {
                return Err("the substituted value exceeds the parser's limits".to_owned())
            }
            _ => {}
        }
    }
    let [document] = stream.documents.as_slice() else {
        return Err("the substituted value is not one YAML value".to_owned());
    };
    let root = document.root.clone();
    match (placement, root.value) {
        (Placement::Value | Placement::Key, NodeValue::Map(entries)) if entries.len() == 1 => {
            let (key, value) = entries.into_iter().next().expect("one entry");
            Ok(if placement == Placement::Key {
                key
            } else {
                value
            })
        }
        (Placement::Item, NodeValue::Seq(items)) if items.len() == 1 => {
            Ok(items.into_iter().next().expect("one item"))
        }
        _ => Err("the substituted value breaks the structure around it".to_owned()),
    }
}

// ---------------------------------------------------------------------------
// go-yaml v2's emitter: which style a string gets (encode.go `stringv`,
// emitterc.go `yaml_emitter_analyze_scalar` and `select_scalar_style`).

/// What the emitter's analysis allows.
struct Allowed {
    block_plain: bool,
    single_quoted: bool,
    block: bool,
    multiline: bool,
}

/// go-yaml's `is_printable` (with `unicode` on, as sigs.k8s.io/yaml sets it):
/// note that characters beyond the BMP are not.
fn is_printable(c: char) -> bool {
    matches!(c, '\n' | '\u{20}'..='\u{7E}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        && c != '\u{FEFF}'
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

fn analyze(text: &str) -> Allowed {
    let mut block_indicators = false;
    let mut line_breaks = false;
    let mut special_characters = false;
    let (mut leading_space, mut leading_break) = (false, false);
    let (mut trailing_space, mut trailing_break) = (false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    if text.starts_with("---") || text.starts_with("...") {
        block_indicators = true;
    }
    let chars: Vec<char> = text.chars().collect();
    let mut preceded_by_whitespace = true;
    for (i, &c) in chars.iter().enumerate() {
        let followed_by_whitespace = chars.get(i + 1).is_none_or(|&n| is_blank(n));
        let last = i + 1 == chars.len();
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_indicators = true,
                '?' | ':' | '-' if followed_by_whitespace => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_whitespace => block_indicators = true,
                '#' if preceded_by_whitespace => block_indicators = true,
                _ => {}
            }
        }
        if !is_printable(c) {
            special_characters = true;
        }
        if c == ' ' {
            leading_space |= i == 0;
            trailing_space |= last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            line_breaks = true;
            leading_break |= i == 0;
            trailing_break |= last;
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_blank(c) || is_break(c) || c == '\0';
    }
    let mut allowed = Allowed {
        block_plain: true,
        single_quoted: true,
        block: true,
        multiline: line_breaks,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        allowed.block_plain = false;
    }
    if trailing_space {
        allowed.block = false;
    }
    if break_space {
        allowed.block_plain = false;
        allowed.single_quoted = false;
    }
    if space_break || special_characters {
        allowed.block_plain = false;
        allowed.single_quoted = false;
        allowed.block = false;
    }
    if line_breaks || block_indicators {
        allowed.block_plain = false;
    }
    allowed
}

/// The style go-yaml v2 writes a string holding a `$` in. Such a string never
/// resolves to another type, so the encoder asks for plain (or literal when
/// multi-line) and the emitter falls back as its analysis demands.
pub(crate) fn style_of(text: &str, placement: Placement) -> Style {
    let allowed = analyze(text);
    let simple_key = placement == Placement::Key && !allowed.multiline && text.len() <= 128;
    let mut style = if text.contains('\n') {
        Style::Literal
    } else {
        Style::Plain
    };
    if simple_key && allowed.multiline {
        style = Style::DoubleQuoted;
    }
    if style == Style::Plain && !allowed.block_plain {
        style = Style::SingleQuoted;
    }
    if style == Style::SingleQuoted && !allowed.single_quoted {
        style = Style::DoubleQuoted;
    }
    if style == Style::Literal && (!allowed.block || simple_key) {
        style = Style::DoubleQuoted;
    }
    style
}

/// The text go-yaml writes for the string, and for each byte offset of it
/// (and its end) the offset in the string it came from. Line folding of long
/// scalars is left out: it only breaks at spaces, and reading folds them back.
fn emit(text: &str, style: Style) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(text.len() + 2);
    let mut map = Vec::with_capacity(text.len() + 3);
    let mut push = |out: &mut String, piece: &str, source: usize| {
        out.push_str(piece);
        map.extend(std::iter::repeat_n(source, piece.len()));
    };
    match style {
        Style::Plain | Style::Literal => return (text.to_owned(), identity(text)),
        Style::SingleQuoted => {
            push(&mut out, "'", 0);
            for (i, c) in text.char_indices() {
                let piece = if c == '\'' {
                    "''".to_owned()
                } else {
                    c.to_string()
                };
                push(&mut out, &piece, i);
            }
            push(&mut out, "'", text.len());
        }
        Style::DoubleQuoted => {
            push(&mut out, "\"", 0);
            for (i, c) in text.char_indices() {
                push(&mut out, &double_quoted_char(c), i);
            }
            push(&mut out, "\"", text.len());
        }
    }
    map.push(text.len());
    (out, map)
}

/// go-yaml's `yaml_emitter_write_double_quoted` escapes.
fn double_quoted_char(c: char) -> String {
    let escape = match c {
        '\0' => "\\0",
        '\u{7}' => "\\a",
        '\u{8}' => "\\b",
        '\t' => "\\t",
        '\n' => "\\n",
        '\u{B}' => "\\v",
        '\u{C}' => "\\f",
        '\r' => "\\r",
        '\u{1B}' => "\\e",
        '"' => "\\\"",
        '\\' => "\\\\",
        '\u{85}' => "\\N",
        '\u{A0}' => "\\_",
        '\u{2028}' => "\\L",
        '\u{2029}' => "\\P",
        _ if is_printable(c) && c != '\u{FEFF}' => return c.to_string(),
        _ => {
            let code = u32::from(c);
            return if code <= 0xFF {
                format!("\\x{code:02X}")
            } else if code <= 0xFFFF {
                format!("\\u{code:04X}")
            } else {
                format!("\\U{code:08X}")
            };
        }
    };
    escape.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Lookup<'a> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map_or(Lookup::Undefined, |(_, v)| Lookup::Value(v))
        }
    }

    fn value(text: &str, placement: Placement, pairs: &[(&str, &str)]) -> NodeValue {
        substitute_string(text, placement, &vars(pairs))
            .expect("substitutes")
            .expect("changes")
            .value
            .value
    }

    #[test]
    fn styles_follow_go_yaml() {
        assert_eq!(style_of("${a}", Placement::Value), Style::Plain);
        assert_eq!(style_of("x: ${a}", Placement::Value), Style::SingleQuoted);
        assert_eq!(style_of("${a} # b", Placement::Value), Style::SingleQuoted);
        assert_eq!(style_of(" ${a}", Placement::Value), Style::SingleQuoted);
        assert_eq!(style_of("-${a}", Placement::Value), Style::Plain);
        assert_eq!(style_of("- ${a}", Placement::Value), Style::SingleQuoted);
        assert_eq!(style_of("\t${a}", Placement::Value), Style::DoubleQuoted);
        assert_eq!(style_of("${a}\n${b}", Placement::Value), Style::Literal);
        assert_eq!(style_of("${a} \nb", Placement::Value), Style::DoubleQuoted);
        assert_eq!(style_of("${a}😀", Placement::Value), Style::DoubleQuoted);
    }

    #[test]
    fn plain_placeholders_take_the_type_of_their_value() {
        assert_eq!(
            value("${n}", Placement::Value, &[("n", "3")]),
            NodeValue::Int(3)
        );
        assert_eq!(
            value("${b}", Placement::Value, &[("b", "yes")]),
            NodeValue::Bool(true)
        );
        assert_eq!(
            value("${e}", Placement::Value, &[("e", "")]),
            NodeValue::Null
        );
        assert_eq!(
            value("${n}m", Placement::Value, &[("n", "5")]),
            NodeValue::Str("5m".into())
        );
        assert_eq!(
            value(
                "${q}${n}${q}",
                Placement::Value,
                &[("q", "\""), ("n", "123")]
            ),
            NodeValue::Str("123".into())
        );
        assert_eq!(
            value("${n}", Placement::Value, &[("n", "!!str 123")]),
            NodeValue::Str("123".into())
        );
        assert_eq!(
            value("${n}", Placement::Item, &[("n", "0644")]),
            NodeValue::Int(420)
        );
        let list = value("${l}", Placement::Value, &[("l", "[a, 1]")]);
        assert!(
            matches!(list, NodeValue::Seq(ref items) if items.len() == 2),
            "{list:?}"
        );
        // A comment swallows the rest of a plain scalar.
        assert_eq!(
            value("${v}", Placement::Value, &[("v", "a #b")]),
            NodeValue::Str("a".into())
        );
    }

    #[test]
    fn quoted_placeholders_stay_strings() {
        assert_eq!(
            value("port: ${p}", Placement::Value, &[("p", "80")]),
            NodeValue::Str("port: 80".into())
        );
        assert_eq!(
            value("${a}\n${b}", Placement::Value, &[("a", "1"), ("b", "2")]),
            NodeValue::Str("1\n2".into())
        );
        assert_eq!(
            value("\t${a}", Placement::Value, &[("a", "1")]),
            NodeValue::Str("\t1".into())
        );
    }

    #[test]
    fn keys_are_substituted_too() {
        assert_eq!(
            value("${k}", Placement::Key, &[("k", "team")]),
            NodeValue::Str("team".into())
        );
    }

    #[test]
    fn values_that_break_the_yaml_fail_as_in_flux() {
        for (text, var) in [("${v}", "a: b"), ("x: ${v}", "it's"), ("${v}", "[a")] {
            let error =
                substitute_string(text, Placement::Value, &vars(&[("v", var)])).expect_err(text);
            assert!(
                matches!(error, ScalarError::Yaml { .. }),
                "{text}: {error:?}"
            );
        }
        // An image without its tag ends in `:`, which is a mapping indicator.
        let error = substitute_string("repo:${tag}", Placement::Value, &vars(&[("tag", "")]));
        assert!(matches!(error, Err(ScalarError::Yaml { .. })), "{error:?}");
    }

    #[test]
    fn references_and_placeholders_point_into_the_original_string() {
        let done = substitute_string("it's ${a}", Placement::Value, &vars(&[("a", "x")]))
            .expect("substitutes")
            .expect("changes");
        assert_eq!(done.value.value, NodeValue::Str("it's x".into()));
        assert_eq!(done.placeholders, vec![5..9]);
        assert_eq!(done.references[0].source, 5..9);
    }

    #[test]
    fn escapes_and_unchanged_strings() {
        assert_eq!(
            substitute_string("plain", Placement::Value, &vars(&[])),
            Ok(None)
        );
        assert_eq!(
            value("$${a}", Placement::Value, &[]),
            NodeValue::Str("${a}".into())
        );
        let error = substitute_string("echo ${", Placement::Value, &vars(&[])).expect_err("bad");
        assert!(
            matches!(error, ScalarError::Template(ref e) if e.at.start == 5),
            "{error:?}"
        );
    }
}
