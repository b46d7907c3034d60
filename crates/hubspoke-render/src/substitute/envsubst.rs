//! Flux's variable syntax: fluxcd/pkg `envsubst` (a fork of drone/envsubst),
//! reproduced quirk for quirk and told where every piece of its output came from.
//!
//! What Flux accepts, read from its parser rather than its README:
//! - `${var}` only: a bare `$var` is text, and so is a `$` not followed by `{`;
//! - `$$` is an escaped `$` outside expressions: `$${var}` gives `${var}`;
//! - `${var=x}`, `${var:=x}`, `${var:-x}`, and also `${var:+x}` and `${var:?x}`,
//!   which Flux evaluates like `:-` (the value when non-empty, else `x`); the
//!   colon-less `${var-x}`, `${var+x}` and `${var?x}` are parse errors;
//! - `${#var}`, `${var^}`, `${var^^}`, `${var,}`, `${var,,}`, `${var:n}`,
//!   `${var:n:len}`, `${var#p}`, `${var##p}`, `${var%p}`, `${var%%p}`,
//!   `${var/p/r}`, `${var//p/r}`, `${var/#p/r}`, `${var/%p/r}` (where `\/` and
//!   `\\` escape inside the pattern and replacement);
//! - expressions nest in arguments: `${var:=${other}-suffix}`.
//!
//! The scanner is a port of Go's state machine rather than a grammar because
//! the quirks live in it: which characters each state accepts, how escapes are
//! dropped from the buffer, what a lookahead at the end of input consumes.

use std::ops::Range;

use super::functions;

/// A parse failure. Flux fails the whole reconcile on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// What went wrong, as Flux names it.
    pub kind: ParseErrorKind,
    /// Byte range of the input from the failing expression's `${` to where
    /// parsing stopped.
    pub at: Range<usize>,
}

/// Flux's parse error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// `bad substitution`.
    BadSubstitution,
    /// `missing closing brace`.
    MissingClosingBrace,
    /// `unable to parse variable name`.
    VariableName,
    /// `unable to parse substitution within function`.
    FunctionArgument,
    /// `unable to parse default function`.
    DefaultFunction,
    /// Expressions nested deeper than we follow (Go has no limit).
    TooDeep,
}

impl ParseErrorKind {
    /// Flux's wording.
    pub fn message(self) -> &'static str {
        match self {
            ParseErrorKind::BadSubstitution => "bad substitution",
            ParseErrorKind::MissingClosingBrace => "missing closing brace",
            ParseErrorKind::VariableName => "unable to parse variable name",
            ParseErrorKind::FunctionArgument => "unable to parse substitution within function",
            ParseErrorKind::DefaultFunction => "unable to parse default function",
            ParseErrorKind::TooDeep => "expressions nested too deeply",
        }
    }
}

/// How deep `${a:=${b:=...}}` may nest before we stop (hostile input).
const MAX_NESTING: usize = 64;

/// A parsed string: text and expressions in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    /// Literal text (escapes already removed) and the input it was read from.
    Text {
        value: String,
        source: Range<usize>,
    },
    Expr(Expr),
}

#[derive(Debug, Clone, PartialEq)]
struct Expr {
    variable: String,
    /// The operator as spelled (`""` for a bare `${var}`).
    operator: String,
    args: Vec<Piece>,
    /// From `$` to just past `}`.
    source: Range<usize>,
}

/// What a variable lookup found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup<'v> {
    /// Defined with this value.
    Value(&'v str),
    /// Possibly defined, value not known offline (a SOPS-encrypted Secret).
    Unknown,
    /// Not defined.
    Undefined,
}

/// The state of a variable an expression read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariableState {
    /// Defined.
    Defined,
    /// Its value cannot be known offline.
    Unknown,
    /// Not defined.
    Undefined,
}

/// One expression evaluated (nested ones included, innermost first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The variable read.
    pub variable: String,
    /// Byte range of the expression in the input (`${` to `}`).
    pub source: Range<usize>,
    /// What the lookup found.
    pub state: VariableState,
    /// The operator supplies a value for an unset variable (`:=`, `:-`, ...).
    pub tolerates_unset: bool,
}

impl Reference {
    /// Whether strict substitution fails on this reference (Flux's
    /// `variable not set (strict mode)`).
    pub fn fails_strict(&self) -> bool {
        self.state == VariableState::Undefined && !self.tolerates_unset
    }
}

/// Where a run of the output came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Byte range in the output.
    pub output: Range<usize>,
    /// Byte range in the input.
    pub source: Range<usize>,
    /// Produced by a top-level expression (else copied text).
    pub expression: bool,
}

/// The result of evaluating a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expansion {
    /// The output, as bytes: operators count bytes and may cut a character.
    pub output: Vec<u8>,
    /// Where each run of the output came from, in order.
    pub segments: Vec<Segment>,
    /// Every expression evaluated.
    pub references: Vec<Reference>,
    /// An operator panicked in Go (a negative substring length); Flux fails
    /// the reconcile. The range of the expression.
    pub panicked: Option<Range<usize>>,
}

impl Template {
    /// Parse a string with Flux's grammar.
    pub fn parse(input: &str) -> Result<Template, ParseError> {
        let mut parser = Parser {
            scanner: Scanner::new(input),
            depth: 0,
        };
        Ok(Template {
            pieces: parser.parse_any()?,
        })
    }

    /// Evaluate with `lookup`. Undefined variables read as empty, as in Flux's
    /// non-strict mode; strict mode is [`Reference::fails_strict`] on the result.
    pub fn expand<'v>(&self, lookup: &dyn Fn(&str) -> Lookup<'v>) -> Expansion {
        let mut expansion = Expansion {
            output: Vec::new(),
            segments: Vec::new(),
            references: Vec::new(),
            panicked: None,
        };
        for piece in &self.pieces {
            let start = expansion.output.len();
            let (value, source, expression) = match piece {
                Piece::Text { value, source } => (value.as_bytes().to_vec(), source.clone(), false),
                Piece::Expr(expr) => (
                    evaluate(expr, lookup, &mut expansion),
                    expr.source.clone(),
                    true,
                ),
            };
            expansion.output.extend_from_slice(&value);
            expansion.segments.push(Segment {
                output: start..expansion.output.len(),
                source,
                expression,
            });
        }
        expansion
    }
}

#[cfg(test)]
impl Template {
    /// The parse tree, as `text` and `f(param, op, [args])`, for tests.
    pub(crate) fn tree(&self) -> String {
        fn pieces(pieces: &[Piece]) -> String {
            pieces.iter().map(piece).collect::<Vec<_>>().join(" + ")
        }
        fn piece(piece: &Piece) -> String {
            match piece {
                Piece::Text { value, .. } => format!("{value:?}"),
                Piece::Expr(e) => {
                    format!("f({}, {:?}, [{}])", e.variable, e.operator, pieces(&e.args))
                }
            }
        }
        pieces(&self.pieces)
    }
}

fn evaluate<'v>(expr: &Expr, lookup: &dyn Fn(&str) -> Lookup<'v>, out: &mut Expansion) -> Vec<u8> {
    // Go evaluates the arguments before reading the variable, whatever it holds.
    let args: Vec<Vec<u8>> = expr
        .args
        .iter()
        .map(|arg| match arg {
            Piece::Text { value, .. } => value.as_bytes().to_vec(),
            Piece::Expr(nested) => evaluate(nested, lookup, out),
        })
        .collect();
    let (value, state) = match lookup(&expr.variable) {
        Lookup::Value(v) => (v, VariableState::Defined),
        Lookup::Unknown => ("", VariableState::Unknown),
        Lookup::Undefined => ("", VariableState::Undefined),
    };
    out.references.push(Reference {
        variable: expr.variable.clone(),
        source: expr.source.clone(),
        state,
        tolerates_unset: functions::tolerates_unset(&expr.operator),
    });
    match functions::apply(&expr.operator, value.as_bytes(), &args) {
        Ok(result) => result,
        Err(()) => {
            out.panicked.get_or_insert(expr.source.clone());
            Vec::new()
        }
    }
}

// ---------------------------------------------------------------------------
// The scanner: Go's, over characters that remember their input offsets.

/// What Go's `read` returns at the end of input; a NUL in the input reads the same.
const EOF: char = '\0';

const SCAN_IDENT: u8 = 1;
const SCAN_LBRACK: u8 = 2;
const SCAN_RBRACK: u8 = 4;
const SCAN_ESCAPE: u8 = 8;

const ESCAPE_DOLLAR: u8 = 1;
const ESCAPE_BACKSLASH: u8 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Illegal,
    Eof,
    Ident,
    Lbrack,
    Rbrack,
}

/// Accepts a character given the byte length of the token including it.
type Accept = fn(char, usize) -> bool;

struct Scanner {
    /// Each character with its byte offset in the input.
    chars: Vec<(char, usize)>,
    /// Characters Go removed from its buffer (escape characters).
    removed: Vec<bool>,
    input_len: usize,
    pos: usize,
    start: usize,
    /// Characters the last read advanced (0 at the end), as Go's byte width.
    width: usize,
    mode: u8,
    escapes: u8,
    accept: Accept,
}

impl Scanner {
    fn new(input: &str) -> Self {
        let chars: Vec<(char, usize)> = input.char_indices().map(|(i, c)| (c, i)).collect();
        Scanner {
            removed: vec![false; chars.len()],
            chars,
            input_len: input.len(),
            pos: 0,
            start: 0,
            width: 0,
            mode: 0,
            escapes: 0,
            accept: accept_rune,
        }
    }

    fn offset_at(&self, pos: usize) -> usize {
        self.chars.get(pos).map_or(self.input_len, |&(_, o)| o)
    }

    fn read(&mut self) -> char {
        match self.chars.get(self.pos) {
            Some(&(c, _)) => {
                self.width = 1;
                self.pos += 1;
                c
            }
            None => {
                self.width = 0;
                EOF
            }
        }
    }

    fn unread(&mut self) {
        self.pos -= self.width;
    }

    fn peek(&mut self) -> char {
        let c = self.read();
        self.unread();
        c
    }

    /// Go drops the escape character just read from its buffer; the escaped
    /// character after it joins the token unchecked.
    fn skip(&mut self) {
        self.removed[self.pos - 1] = true;
        self.pos += 1;
    }

    /// The token's length in bytes as Go counts it, capped: accept functions
    /// only compare it with 1, 2 and 3.
    fn token_bytes(&self) -> usize {
        let mut bytes = 0;
        for k in self.start..self.pos {
            if !self.removed[k] {
                bytes += self.chars[k].0.len_utf8();
                if bytes > 8 {
                    break;
                }
            }
        }
        bytes
    }

    /// The last token's text (escape characters dropped) and input range.
    fn token(&self) -> (String, Range<usize>) {
        let text = (self.start..self.pos)
            .filter(|&k| !self.removed[k])
            .map(|k| self.chars[k].0)
            .collect();
        (text, self.offset_at(self.start)..self.offset_at(self.pos))
    }

    fn scan(&mut self) -> Token {
        self.start = self.pos;
        let r = self.read();
        if r == EOF {
            Token::Eof
        } else if self.scan_lbrack(r) {
            Token::Lbrack
        } else if self.scan_rbrack(r) {
            Token::Rbrack
        } else if self.scan_ident(r) {
            Token::Ident
        } else {
            Token::Illegal
        }
    }

    fn scan_ident(&mut self, r: char) -> bool {
        if self.mode & SCAN_IDENT == 0 {
            return false;
        }
        if self.scan_escaped(r) {
            self.skip();
        } else if !(self.accept)(r, self.token_bytes()) {
            return false;
        }
        loop {
            let r = self.read();
            if r == EOF {
                self.unread();
                break;
            }
            if self.scan_lbrack(r) {
                self.unread();
                self.unread();
                break;
            }
            if self.scan_escaped(r) {
                self.skip();
                continue;
            }
            if !(self.accept)(r, self.token_bytes()) {
                self.unread();
                break;
            }
        }
        true
    }

    fn scan_lbrack(&mut self, r: char) -> bool {
        if self.mode & SCAN_LBRACK == 0 || r != '$' {
            return false;
        }
        if self.read() == '{' {
            return true;
        }
        self.unread();
        false
    }

    fn scan_rbrack(&self, r: char) -> bool {
        self.mode & SCAN_RBRACK != 0 && r == '}'
    }

    fn scan_escaped(&mut self, r: char) -> bool {
        if self.mode & SCAN_ESCAPE == 0 {
            return false;
        }
        if r == '$' && self.escapes & ESCAPE_DOLLAR != 0 && self.peek() == '$' {
            return true;
        }
        r == '\\' && self.escapes & ESCAPE_BACKSLASH != 0 && matches!(self.peek(), '/' | '\\')
    }
}

fn accept_rune(_: char, _: usize) -> bool {
    true
}

/// Go's `unicode.IsLetter || unicode.IsDigit || '_'`. Rust's classes are a
/// little wider (letter-like numbers, combining marks); Flux's variable names
/// are ASCII anyway.
fn accept_ident(r: char, _: usize) -> bool {
    r.is_alphabetic() || r.is_numeric() || r == '_'
}

fn accept_colon(r: char, _: usize) -> bool {
    r == ':'
}

fn accept_one_hash(r: char, i: usize) -> bool {
    r == '#' && i == 1
}

fn accept_not_closing(r: char, _: usize) -> bool {
    r != '}'
}

fn accept_hash_func(r: char, i: usize) -> bool {
    r == '#' && i < 3
}

fn accept_percent_func(r: char, i: usize) -> bool {
    r == '%' && i < 3
}

fn accept_default_func(r: char, i: usize) -> bool {
    (i == 1 && r == ':') || (i == 2 && matches!(r, '=' | '-' | '?' | '+'))
}

fn accept_replace_func(r: char, i: usize) -> bool {
    (i == 1 && r == '/') || (i == 2 && matches!(r, '/' | '#' | '%'))
}

fn accept_one_equal(r: char, i: usize) -> bool {
    i == 1 && r == '='
}

fn accept_one_colon(r: char, i: usize) -> bool {
    i == 1 && r == ':'
}

fn reject_colon_close(r: char, _: usize) -> bool {
    r != ':' && r != '}'
}

fn accept_slash(r: char, _: usize) -> bool {
    r == '/'
}

fn accept_not_slash(r: char, _: usize) -> bool {
    r != '/'
}

fn accept_casing_func(r: char, i: usize) -> bool {
    (r == ',' || r == '^') && i < 3
}

// ---------------------------------------------------------------------------
// The parser.

struct Parser {
    scanner: Scanner,
    depth: usize,
}

impl Parser {
    fn error(&self, kind: ParseErrorKind, from: usize) -> ParseError {
        ParseError {
            kind,
            at: from..self.scanner.offset_at(self.scanner.pos).max(from),
        }
    }

    fn set(&mut self, accept: Accept, mode: u8) {
        self.scanner.accept = accept;
        self.scanner.mode = mode;
    }

    fn parse_any(&mut self) -> Result<Vec<Piece>, ParseError> {
        let mut pieces = Vec::new();
        loop {
            self.set(accept_rune, SCAN_IDENT | SCAN_LBRACK | SCAN_ESCAPE);
            self.scanner.escapes = ESCAPE_DOLLAR;
            let start = self.scanner.offset_at(self.scanner.pos);
            match self.scanner.scan() {
                Token::Ident => {
                    let (value, source) = self.scanner.token();
                    pieces.push(Piece::Text { value, source });
                }
                Token::Eof => return Ok(pieces),
                Token::Lbrack => {
                    let dollar = self.scanner.offset_at(self.scanner.start);
                    pieces.push(Piece::Expr(self.parse_func(dollar)?));
                }
                Token::Illegal | Token::Rbrack => {
                    return Err(self.error(ParseErrorKind::BadSubstitution, start))
                }
            }
        }
    }

    /// After `${`: an expression up to and including its `}`.
    fn parse_func(&mut self, dollar: usize) -> Result<Expr, ParseError> {
        if self.depth >= MAX_NESTING {
            return Err(self.error(ParseErrorKind::TooDeep, dollar));
        }
        self.depth += 1;
        let parsed = self.parse_func_body(dollar);
        self.depth -= 1;
        let (variable, operator, args) = parsed?;
        Ok(Expr {
            variable,
            operator,
            args,
            source: dollar..self.scanner.offset_at(self.scanner.pos),
        })
    }

    fn parse_func_body(
        &mut self,
        dollar: usize,
    ) -> Result<(String, String, Vec<Piece>), ParseError> {
        self.scanner.escapes = ESCAPE_DOLLAR | ESCAPE_BACKSLASH;
        if self.scanner.peek() == '#' {
            return self.parse_len_func(dollar);
        }
        self.set(accept_ident, SCAN_IDENT);
        let name = match self.scanner.scan() {
            Token::Ident => self.scanner.token().0,
            _ => return Err(self.error(ParseErrorKind::VariableName, dollar)),
        };
        match self.scanner.peek() {
            ':' => return self.parse_default_or_substr(name, dollar),
            '=' => return self.parse_default_func(name, dollar),
            ',' | '^' => return self.parse_casing_func(name, dollar),
            '/' => return self.parse_replace_func(name, dollar),
            '#' => return self.parse_remove_func(name, accept_hash_func, dollar),
            '%' => return self.parse_remove_func(name, accept_percent_func, dollar),
            _ => {}
        }
        self.set(accept_ident, SCAN_RBRACK);
        match self.scanner.scan() {
            Token::Rbrack => Ok((name, String::new(), Vec::new())),
            _ => Err(self.error(ParseErrorKind::MissingClosingBrace, dollar)),
        }
    }

    fn parse_param(
        &mut self,
        accept: Accept,
        mode: u8,
        dollar: usize,
    ) -> Result<Piece, ParseError> {
        self.set(accept, mode | SCAN_LBRACK);
        match self.scanner.scan() {
            Token::Lbrack => {
                let nested = self.scanner.offset_at(self.scanner.start);
                Ok(Piece::Expr(self.parse_func(nested)?))
            }
            Token::Ident | Token::Rbrack => {
                let (value, source) = self.scanner.token();
                Ok(Piece::Text { value, source })
            }
            Token::Illegal | Token::Eof => {
                Err(self.error(ParseErrorKind::FunctionArgument, dollar))
            }
        }
    }

    /// The operator token, or `error`.
    fn operator(
        &mut self,
        accept: Accept,
        error: ParseErrorKind,
        dollar: usize,
    ) -> Result<String, ParseError> {
        self.set(accept, SCAN_IDENT);
        match self.scanner.scan() {
            Token::Ident => Ok(self.scanner.token().0),
            _ => Err(self.error(error, dollar)),
        }
    }

    fn consume_rbrack(&mut self, dollar: usize) -> Result<(), ParseError> {
        self.scanner.mode = SCAN_RBRACK;
        if self.scanner.scan() == Token::Rbrack {
            Ok(())
        } else {
            Err(self.error(ParseErrorKind::BadSubstitution, dollar))
        }
    }

    fn parse_default_or_substr(&mut self, name: String, dollar: usize) -> ParseResult {
        // Go reads the colon, peeks, and unreads: a peek at the end of input
        // leaves width 0, so the colon then stays consumed.
        self.scanner.read();
        let next = self.scanner.peek();
        self.scanner.unread();
        match next {
            '=' | '-' | '?' | '+' => self.parse_default_func(name, dollar),
            _ => self.parse_substr_func(name, dollar),
        }
    }

    /// `${var:offset}` and `${var:offset:length}`.
    fn parse_substr_func(&mut self, name: String, dollar: usize) -> ParseResult {
        let op = self.operator(accept_one_colon, ParseErrorKind::BadSubstitution, dollar)?;
        let mut args = vec![self.parse_param(reject_colon_close, SCAN_IDENT, dollar)?];
        self.set(accept_colon, SCAN_IDENT | SCAN_RBRACK);
        match self.scanner.scan() {
            Token::Rbrack => return Ok((name, op, args)),
            Token::Ident => {}
            _ => return Err(self.error(ParseErrorKind::BadSubstitution, dollar)),
        }
        args.push(self.parse_param(accept_not_closing, SCAN_IDENT, dollar)?);
        self.consume_rbrack(dollar)?;
        Ok((name, op, args))
    }

    /// `${var#p}`, `${var##p}`, `${var%p}`, `${var%%p}`.
    fn parse_remove_func(&mut self, name: String, accept: Accept, dollar: usize) -> ParseResult {
        let op = self.operator(accept, ParseErrorKind::BadSubstitution, dollar)?;
        let args = vec![self.parse_param(accept_not_closing, SCAN_IDENT, dollar)?];
        self.consume_rbrack(dollar)?;
        Ok((name, op, args))
    }

    /// `${var/p/r}`, `${var//p/r}`, `${var/#p/r}`, `${var/%p/r}`.
    fn parse_replace_func(&mut self, name: String, dollar: usize) -> ParseResult {
        let op = self.operator(accept_replace_func, ParseErrorKind::BadSubstitution, dollar)?;
        let mut args =
            vec![self.parse_param(accept_not_slash, SCAN_IDENT | SCAN_ESCAPE, dollar)?];
        self.set(accept_slash, SCAN_IDENT);
        if self.scanner.scan() != Token::Ident {
            return Err(self.error(ParseErrorKind::BadSubstitution, dollar));
        }
        if self.scanner.peek() == '}' {
            self.consume_rbrack(dollar)?;
            return Ok((name, op, args));
        }
        args.push(self.parse_param(accept_not_closing, SCAN_IDENT | SCAN_ESCAPE, dollar)?);
        self.consume_rbrack(dollar)?;
        Ok((name, op, args))
    }

    /// `${var=x}`, `${var:=x}`, `${var:-x}`, `${var:?x}`, `${var:+x}`: the
    /// default is any run of text and nested expressions.
    fn parse_default_func(&mut self, name: String, dollar: usize) -> ParseResult {
        let accept: Accept = if self.scanner.peek() == '=' {
            accept_one_equal
        } else {
            accept_default_func
        };
        let op = self.operator(accept, ParseErrorKind::DefaultFunction, dollar)?;
        let mut args = Vec::new();
        loop {
            if self.scanner.peek() == '}' {
                self.consume_rbrack(dollar)?;
                return Ok((name, op, args));
            }
            args.push(self.parse_param(accept_not_closing, SCAN_IDENT, dollar)?);
        }
    }

    /// `${var,}`, `${var,,}`, `${var^}`, `${var^^}` (and mixtures, which
    /// evaluate to the value).
    fn parse_casing_func(&mut self, name: String, dollar: usize) -> ParseResult {
        let op = self.operator(accept_casing_func, ParseErrorKind::BadSubstitution, dollar)?;
        self.consume_rbrack(dollar)?;
        Ok((name, op, Vec::new()))
    }

    /// `${#var}`.
    fn parse_len_func(&mut self, dollar: usize) -> ParseResult {
        let op = self.operator(accept_one_hash, ParseErrorKind::BadSubstitution, dollar)?;
        let name = self.operator(accept_ident, ParseErrorKind::BadSubstitution, dollar)?;
        self.consume_rbrack(dollar)?;
        Ok((name, op, Vec::new()))
    }
}

type ParseResult = Result<(String, String, Vec<Piece>), ParseError>;
