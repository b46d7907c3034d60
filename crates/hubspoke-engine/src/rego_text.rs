//! Reading Rego text without compiling it: the one tokenizer every scan of a
//! policy's source goes through (finding network calls, conftest rule heads,
//! test rules, `hubspoke.context` calls and import aliases for the VM, where a
//! rule's metadata is written). It is regorus' own lexer, so strings, raw
//! strings and comments are skipped exactly as the compiler skips them.

use regorus::unstable::{Lexer, TokenKind};

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A name: `deny`, `input`, `metadata`.
    Ident,
    /// Punctuation and operators: `.`, `(`, `:=`.
    Symbol,
    /// A string literal (`text` is its content, without the quotes).
    String,
    /// A number.
    Number,
}

/// One token of a policy's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token<'t> {
    pub(crate) kind: Kind,
    pub(crate) text: &'t str,
    /// Byte range in the text (for a string, of its content).
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// 1-based line and column (in characters; for a string, of its opening quote).
    pub(crate) line: u32,
    pub(crate) column: u32,
}

/// The tokens of `text`, or `None` when it cannot be tokenized (a policy that will not
/// compile either; its load error says why).
pub(crate) fn tokens(text: &str) -> Option<Vec<Token<'_>>> {
    let source = regorus::Source::from_contents("policy.rego".to_owned(), text.to_owned()).ok()?;
    let mut lexer = Lexer::new(&source);
    let mut out = Vec::new();
    // The lexer counts a tab as several columns; findings count characters.
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let place = |offset: usize| {
        let line = line_starts.partition_point(|start| *start <= offset);
        let column = text
            .get(line_starts[line - 1]..offset)
            .map_or(0, |before| before.chars().count());
        (line as u32, column as u32 + 1)
    };
    loop {
        let token = lexer.next_token().ok()?;
        let kind = match token.0 {
            TokenKind::Eof => return Some(out),
            TokenKind::Ident => Kind::Ident,
            TokenKind::Symbol => Kind::Symbol,
            TokenKind::String | TokenKind::RawString => Kind::String,
            TokenKind::Number => Kind::Number,
        };
        let span = &token.1;
        let (start, end) = (span.start as usize, span.end as usize);
        let (line, column) = match kind {
            Kind::String => place(start.saturating_sub(1)),
            _ => place(start),
        };
        out.push(Token {
            kind,
            text: text.get(start..end)?,
            start,
            end,
            line,
            column,
        });
    }
}

impl Token<'_> {
    /// Whether this is the identifier `name`.
    pub(crate) fn is_ident(&self, name: &str) -> bool {
        self.kind == Kind::Ident && self.text == name
    }

    /// Whether this is the symbol `symbol`.
    pub(crate) fn is_symbol(&self, symbol: &str) -> bool {
        self.kind == Kind::Symbol && self.text == symbol
    }
}

/// The names of the rules `text` declares at the start of a line (rule heads), in order
/// of first appearance.
pub fn rule_heads(text: &str) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    for token in tokens(text).unwrap_or_default() {
        if token.kind == Kind::Ident && token.column == 1 && !names.contains(&token.text) {
            names.push(token.text);
        }
    }
    names
}

/// Calls of a dotted builtin (`http.send`) outside strings and comments: the tokens of
/// its first segment. A name that is itself a reference's tail (`x.http.send`) is not one.
pub(crate) fn calls<'t>(tokens: &'t [Token<'t>], builtin: &str) -> Vec<&'t Token<'t>> {
    let parts: Vec<&str> = builtin.split('.').collect();
    let mut out = Vec::new();
    for (at, token) in tokens.iter().enumerate() {
        let preceded_by_dot = at > 0 && tokens[at - 1].is_symbol(".");
        if preceded_by_dot || !token.is_ident(parts[0]) {
            continue;
        }
        let mut next = at + 1;
        let mut matched = true;
        for part in &parts[1..] {
            let adjacent = |i: usize| {
                tokens
                    .get(i)
                    .zip(tokens.get(i.wrapping_sub(1)))
                    .is_some_and(|(a, b)| a.start == b.end)
            };
            let dot = tokens.get(next).is_some_and(|t| t.is_symbol(".")) && adjacent(next);
            let name = tokens.get(next + 1).is_some_and(|t| t.is_ident(part)) && adjacent(next + 1);
            if !(dot && name) {
                matched = false;
                break;
            }
            next += 2;
        }
        if matched && tokens.get(next).is_some_and(|t| t.is_symbol("(")) {
            out.push(token);
        }
    }
    out
}

/// Where the rule's `metadata` object is written, and within it the first string literal
/// equal to `value` (a parameter's name, to point at its declaration): `(line, column)`.
pub(crate) fn metadata_position(text: &str, value: Option<&str>) -> Option<(u32, u32)> {
    let tokens = tokens(text)?;
    let head = tokens
        .iter()
        .position(|t| t.is_ident("metadata") && t.column == 1)?;
    let within = value.and_then(|value| {
        tokens[head..]
            .iter()
            .find(|t| t.kind == Kind::String && t.text == value)
    });
    let token = within.unwrap_or(&tokens[head]);
    Some((token.line, token.column))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_raw_strings_and_comments_hide_their_content() {
        let text = "package p\n# deny := http.send(x)\nmsg := \"http.send(x)\"\nraw := `http.send(y)`\ndeny contains m if { m := 1 }\n";
        let tokens = tokens(text).expect("tokens");
        assert!(calls(&tokens, "http.send").is_empty());
        assert_eq!(rule_heads(text), ["package", "msg", "raw", "deny"]);
        let string = tokens
            .iter()
            .find(|t| t.kind == Kind::String)
            .expect("a string");
        assert_eq!(
            (string.text, string.line, string.column),
            ("http.send(x)", 3, 8)
        );
        assert_eq!(&text[string.start - 1..string.start], "\"");
    }

    #[test]
    fn calls_are_found_whole_and_standalone() {
        let text = "a := 1\n  r := http.send({\"url\": \"x\"})\nx := myhttp.send(1)\ny := http.sender(1)\nz := q.http.send(1)\nips := net.lookup_ip_addr (\"a\")\n";
        let tokens = tokens(text).expect("tokens");
        let found: Vec<(u32, u32)> = calls(&tokens, "http.send")
            .iter()
            .map(|t| (t.line, t.column))
            .collect();
        assert_eq!(found, [(2, 8)]);
        let found: Vec<(u32, u32)> = calls(&tokens, "net.lookup_ip_addr")
            .iter()
            .map(|t| (t.line, t.column))
            .collect();
        assert_eq!(found, [(6, 8)]);
    }

    #[test]
    fn metadata_and_its_parameters_are_located() {
        let text = "package p\n\nmetadata := {\n\t\"id\": \"X1\",\n\t\"parameters\": [\n\t\t{\"name\": \"min\", \"type\": \"integer\"},\n\t],\n}\n";
        assert_eq!(metadata_position(text, None), Some((3, 1)));
        // Columns count characters (tabs included), at the string's opening quote.
        assert_eq!(metadata_position(text, Some("min")), Some((6, 12)));
        assert_eq!(metadata_position(text, Some("absent")), Some((3, 1)));
        assert_eq!(metadata_position("package p\n", None), None);
    }
}
