//! `{{ }}` variable substitution as Kyverno does it
//! (`pkg/engine/variables/vars.go`, `regex/vars.go`).
//!
//! - A string that is exactly one `{{expr}}` becomes the expression's value with
//!   its JSON type; a variable inside a longer string is replaced by its text
//!   (strings as they are, anything else as Go's `json.Marshal` writes it).
//! - Innermost variables resolve first and a value that itself contains `{{ }}`
//!   is substituted again, except with the shallow form `{{- expr}}`.
//! - `\{{` escapes a variable and loses its backslash in the output.
//! - `{{@}}` is the resource field at the same path as the pattern field.
//! - Keys of objects are substituted too.
//! - A query that fails (an unknown key on a path, a function error) is an
//!   error; Kyverno turns it into a rule error, never into `null`.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};

use crate::context::Context;
use crate::gofmt;
use crate::jmespath::floats;

/// Why a variable could not be substituted or an expression not compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VariableError {
    /// The expression is not valid JMESPath.
    #[error("invalid JMESPath expression {expression:?}: {message}")]
    Syntax {
        /// The expression.
        expression: String,
        /// The parser's explanation.
        message: String,
    },
    /// The expression calls a function neither JMESPath nor Kyverno defines.
    #[error("unknown JMESPath function {name}() in {expression:?}")]
    UnknownFunction {
        /// The expression.
        expression: String,
        /// The function's name.
        name: String,
    },
    /// A path went through an object that lacks the key (go-jmespath's
    /// `NotFoundError`; Kyverno's messages say "Unknown key").
    #[error(
        "failed to resolve {expression}: JMESPath query failed: Unknown key \"{key}\" in path"
    )]
    NotFound {
        /// The expression.
        expression: String,
        /// The missing key.
        key: String,
    },
    /// The expression failed while running (a function's argument, a bad
    /// regular expression…).
    #[error("failed to resolve {expression}: {message}")]
    Evaluation {
        /// The expression.
        expression: String,
        /// What went wrong.
        message: String,
    },
    /// `{{` without a matching `}}` (or the reverse) in policy text.
    #[error("unbalanced braces in {text:?}")]
    UnbalancedBraces {
        /// The text.
        text: String,
    },
    /// A substituted value cannot be used where it landed (a key that is not
    /// a string, a shallow variable that is not a string, an empty query…).
    #[error("{message}")]
    Invalid {
        /// What is wrong.
        message: String,
    },
}

impl VariableError {
    /// Whether this is go-jmespath's "Unknown key" error, which Kyverno treats
    /// specially in places (a `foreach` list that is absent is skipped).
    pub fn is_not_found(&self) -> bool {
        matches!(self, VariableError::NotFound { .. })
    }
}

/// `{{…}}` at the start of a string or after any character but `\`; the
/// inside may hold single-brace groups (`{a: b}`) but not `{{`.
static VARIABLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(^|[^\\])(\{\{(?:\{[^{}]*\}|[^{}])*\}\})")
        .expect("the variable pattern is a valid regular expression")
});

/// A document whose variables keep producing variables stops here instead of
/// looping for ever (Kyverno would).
const MAX_ROUNDS: usize = 64;

/// Substitute every variable in every string (and object key) of `value`.
pub fn substitute(value: &Value, ctx: &Context) -> Result<Value, VariableError> {
    let mut path = Vec::new();
    substitute_at(value, ctx, &mut path, Literals::AsWritten)
}

/// `substitute(&floats(value), ctx)` in one pass: policy text Kyverno reads
/// through JSON (condition keys and values, context entries), whose numbers
/// are floats, substituted without first copying it to convert them.
pub(crate) fn substitute_floats(value: &Value, ctx: &Context) -> Result<Value, VariableError> {
    let mut path = Vec::new();
    substitute_at(value, ctx, &mut path, Literals::Floats)
}

/// What happens to the numbers written in the substituted value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Literals {
    AsWritten,
    Floats,
}

fn substitute_at(
    value: &Value,
    ctx: &Context,
    path: &mut Vec<String>,
    literals: Literals,
) -> Result<Value, VariableError> {
    match value {
        Value::String(text) => substitute_string(text, ctx, path),
        Value::Number(_) if literals == Literals::Floats => Ok(floats(value)),
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                path.push(i.to_string());
                let result = substitute_at(item, ctx, path, literals);
                path.pop();
                out.push(result?);
            }
            Ok(Value::Array(out))
        }
        Value::Object(map) => {
            let mut out = Map::with_capacity(map.len());
            for (key, item) in map {
                let new_key = match substitute_string(key, ctx, path)? {
                    Value::String(s) => s,
                    _ => {
                        return Err(VariableError::Invalid {
                            message: format!(
                                "expected string after substituting variables in key \"{key}\""
                            ),
                        })
                    }
                };
                path.push(key.clone());
                let result = substitute_at(item, ctx, path, literals);
                path.pop();
                out.insert(new_key, result?);
            }
            Ok(Value::Object(out))
        }
        other => Ok(other.clone()),
    }
}

/// One variable found in a string: where it starts (after its prefix
/// character) and its text with the braces.
fn find_variables(text: &str) -> Vec<(usize, String)> {
    // Most strings (pattern values, messages, keys) hold no variable: skip the
    // capturing search, which is far slower than looking for its `{{`.
    if !text.contains("{{") {
        return Vec::new();
    }
    let mut found = Vec::new();
    let mut from = 0;
    while let Some((start, end)) = next_variable(text, from) {
        found.push((start, text[start..end].to_owned()));
        from = end;
    }
    found
}

/// The next match of [`VARIABLE`] searching from byte `from`: the span of its
/// second group (the variable with its braces). The same matches, leftmost
/// first, as the regular expression's `captures_iter`, without its bounded
/// backtracker (a measurable part of evaluating conditions on every object):
/// the pattern needs no backtracking, since its repeated body never ends on a
/// `}` and so cannot give back a character that would start the closing `}}`.
fn next_variable(text: &str, from: usize) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut at = from;
    while at < bytes.len() {
        // `^` (only at the very start), tried before `[^\\]`.
        if at == 0 {
            if let Some(end) = variable_at(bytes, 0) {
                return Some((0, end));
            }
        }
        // `[^\\]`: one character (a whole code point) that is not a backslash.
        let width = utf8_width(bytes[at]);
        if bytes[at] != b'\\' {
            if let Some(end) = variable_at(bytes, at + width) {
                return Some((at + width, end));
            }
        }
        at += width;
    }
    None
}

/// `\{\{(?:\{[^{}]*\}|[^{}])*\}\}` anchored at byte `at`: where it ends.
fn variable_at(bytes: &[u8], at: usize) -> Option<usize> {
    if !bytes.get(at..)?.starts_with(b"{{") {
        return None;
    }
    let mut i = at + 2;
    loop {
        match bytes.get(i)? {
            b'{' => {
                // `\{[^{}]*\}`, else the body ends here (and `}}` cannot follow).
                let close = bytes[i + 1..]
                    .iter()
                    .position(|b| matches!(b, b'{' | b'}'))?;
                if bytes[i + 1 + close] != b'}' {
                    return None;
                }
                i += close + 2;
            }
            b'}' => return (bytes.get(i + 1) == Some(&b'}')).then_some(i + 2),
            _ => i += 1,
        }
    }
}

/// The length of the UTF-8 sequence a leading byte starts.
fn utf8_width(lead: u8) -> usize {
    match lead {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

fn substitute_string(text: &str, ctx: &Context, path: &[String]) -> Result<Value, VariableError> {
    let mut value = text.to_owned();
    let mut variables = find_variables(&value);
    let mut rounds = 0;
    while !variables.is_empty() {
        rounds += 1;
        if rounds > MAX_ROUNDS {
            return Err(VariableError::Invalid {
                message: format!("variables in {text:?} keep expanding to new variables"),
            });
        }
        let original = value.clone();
        let mut shallow = false;
        for (_, variable) in &variables {
            let (expression, is_shallow) = strip_braces(variable);
            shallow = is_shallow;
            let expression = resolve_current_node(&expression, ctx, path);
            let expression = if ctx.is_delete() {
                expression.replace("request.object", "request.oldObject")
            } else {
                expression
            };
            let resolved = ctx.query(&expression)?;
            if original == *variable {
                return Ok(resolved);
            }
            let replacement = match &resolved {
                Value::String(s) if shallow => s.replace("{{", "\\{{"),
                Value::String(s) => s.clone(),
                other if shallow && !other.is_null() => {
                    return Err(VariableError::Invalid {
                        message: format!(
                            "the shallow variable {variable} must resolve to a string"
                        ),
                    })
                }
                other => gofmt::marshal(other),
            };
            // Kyverno replaces the first occurrence of the variable, keeping
            // the character before it.
            if let Some(at) = find_unescaped(&value, variable) {
                value.replace_range(at..at + variable.len(), &replacement);
            }
        }
        variables = if shallow {
            Vec::new()
        } else {
            find_variables(&value)
        };
    }
    Ok(Value::String(value.replace("\\{{", "{{")))
}

/// The expression of a string that is exactly one variable (`{{ expr }}`), which
/// [`substitute`] replaces by the expression's value whatever its type; `None`
/// for any other string, and for `{{@}}`, whose expression depends on where it
/// stands. Lets policy text be read once per rule instead of on every object.
pub(crate) fn whole_variable(text: &str) -> Option<String> {
    let (start, end) = next_variable(text, 0)?;
    if start != 0 || end != text.len() {
        return None;
    }
    let (expression, _) = strip_braces(text);
    (expression != "@").then_some(expression)
}

/// The first occurrence of `variable` not preceded by a backslash.
fn find_unescaped(haystack: &str, variable: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = haystack[from..].find(variable) {
        let at = from + found;
        if at == 0 || !haystack[..at].ends_with('\\') {
            return Some(at);
        }
        from = at + variable.len().max(1);
    }
    None
}

/// Kyverno's `replaceBracesAndTrimSpaces`: the expression inside, and whether
/// it was the shallow form `{{- expr}}`.
fn strip_braces(variable: &str) -> (String, bool) {
    let inner = variable.replace("{{", "").replace("}}", "");
    let inner = inner.trim();
    match inner.strip_prefix('-') {
        Some(rest) => (rest.trim().to_owned(), true),
        None => (inner.to_owned(), false),
    }
}

/// `{{@}}`: the path of the current field, after a `foreach` element and
/// without its first two elements (`validate.pattern` in a rule), under
/// `target` when the context has one, else under `request.object`.
fn resolve_current_node(expression: &str, ctx: &Context, path: &[String]) -> String {
    if expression != "@" {
        return expression.to_owned();
    }
    let prefix = if ctx.query("target").is_ok() {
        "target"
    } else {
        "request.object"
    };
    let after_foreach = match path.iter().position(|p| p == "foreach") {
        Some(i) => &path[i + 1..],
        None => path,
    };
    let skipped: &[String] = if after_foreach.len() > 2 {
        &after_foreach[2..]
    } else {
        &[]
    };
    let mut out = prefix.to_owned();
    for segment in skipped {
        if segment.parse::<u64>().is_ok() {
            out.push_str(&format!("[{segment}]"));
        } else if is_plain_identifier(segment) {
            out.push('.');
            out.push_str(segment);
        } else {
            out.push_str(&format!(".{}", serde_json::Value::String(segment.clone())));
        }
    }
    out
}

fn is_plain_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Substitute the variables of a rule's message. A message that cannot be
/// substituted is returned as written.
pub fn substitute_message(text: &str, ctx: &Context) -> String {
    match try_substitute_message(text, ctx) {
        Ok(message) => message,
        Err(_) => text.to_owned(),
    }
}

/// Substitute the variables of a message, saying why when that fails. A
/// message that is one variable of a non-string value becomes its JSON text.
pub fn try_substitute_message(text: &str, ctx: &Context) -> Result<String, VariableError> {
    match substitute_string(text, ctx, &[])? {
        Value::String(s) => Ok(s),
        other => Ok(gofmt::marshal(&other)),
    }
}

/// Policy-time checks of a string: braces balance, and every variable's
/// expression compiles (known functions, valid syntax).
pub fn validate_syntax(text: &str) -> Result<(), VariableError> {
    let mut depth: i64 = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i + 1 < bytes.len() {
        match (bytes[i], bytes[i + 1]) {
            (b'{', b'{') if i == 0 || bytes[i - 1] != b'\\' => {
                depth += 1;
                i += 2;
            }
            (b'}', b'}') if depth > 0 => {
                depth -= 1;
                i += 2;
            }
            _ => i += 1,
        }
    }
    if depth != 0 {
        return Err(VariableError::UnbalancedBraces {
            text: text.to_owned(),
        });
    }
    for (_, variable) in find_variables(text) {
        let (expression, _) = strip_braces(&variable);
        // Nested variables (`{{ a.{{b}} }}`) only compile once the inner one
        // is substituted; `@` is rewritten into a path first.
        if expression.is_empty() || expression.contains("{{") || expression == "@" {
            continue;
        }
        crate::jmespath::compile(&expression)?;
    }
    Ok(())
}

/// Policy-time checks of every string (and key) in a value.
pub fn validate_syntax_in(value: &Value) -> Result<(), VariableError> {
    match value {
        Value::String(s) => validate_syntax(s),
        Value::Array(items) => items.iter().try_for_each(validate_syntax_in),
        Value::Object(map) => map.iter().try_for_each(|(k, v)| {
            validate_syntax(k)?;
            validate_syntax_in(v)
        }),
        _ => Ok(()),
    }
}

/// Whether a string holds a `{{ }}` variable.
pub fn has_variables(text: &str) -> bool {
    VARIABLE.is_match(text)
}

#[cfg(test)]
mod tests;
