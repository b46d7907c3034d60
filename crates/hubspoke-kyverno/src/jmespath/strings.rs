//! Kyverno's string, encoding and parsing functions
//! (`pkg/engine/jmespath/functions.go`).

use ::jmespath::functions::ArgumentType as T;
use ::jmespath::{Context, JmespathError, Rcvar, Variable};
use base64::Engine as _;
use sha1::Digest as _;

use super::convert::{floats, to_variable};
use super::{bool_result, float_result, function_error, signature, string_result, Handler};
use crate::memo::ThreadMemo;
use crate::pattern::wildcard;

pub(super) fn functions() -> Vec<(&'static str, ::jmespath::functions::Signature, Handler)> {
    let string_or_number = || T::Union(vec![T::String, T::Number]);
    vec![
        (
            "compare",
            signature(vec![T::String, T::String]),
            Box::new(compare),
        ),
        (
            "equal_fold",
            signature(vec![T::String, T::String]),
            Box::new(equal_fold),
        ),
        (
            "replace",
            signature(vec![T::String, T::String, T::String, T::Number]),
            Box::new(replace),
        ),
        (
            "replace_all",
            signature(vec![T::String, T::String, T::String]),
            Box::new(replace_all),
        ),
        (
            "to_upper",
            signature(vec![T::String]),
            Box::new(|a, _| Ok(string_result(go_upper(s(&a[0]))))),
        ),
        (
            "to_lower",
            signature(vec![T::String]),
            Box::new(|a, _| Ok(string_result(go_lower(s(&a[0]))))),
        ),
        (
            "trim",
            signature(vec![T::String, T::String]),
            Box::new(trim),
        ),
        (
            "trim_prefix",
            signature(vec![T::String, T::String]),
            Box::new(trim_prefix),
        ),
        (
            "split",
            signature(vec![T::String, T::String]),
            Box::new(split),
        ),
        (
            "regex_replace_all",
            signature(vec![T::String, string_or_number(), string_or_number()]),
            Box::new(|a, c| regex_replace(a, c, false)),
        ),
        (
            "regex_replace_all_literal",
            signature(vec![T::String, string_or_number(), string_or_number()]),
            Box::new(|a, c| regex_replace(a, c, true)),
        ),
        (
            "regex_match",
            signature(vec![T::String, string_or_number()]),
            Box::new(regex_match),
        ),
        (
            "pattern_match",
            signature(vec![T::String, string_or_number()]),
            Box::new(pattern_match),
        ),
        (
            "to_boolean",
            signature(vec![T::String]),
            Box::new(to_boolean),
        ),
        (
            "base64_decode",
            signature(vec![T::String]),
            Box::new(base64_decode),
        ),
        (
            "base64_encode",
            signature(vec![T::String]),
            Box::new(|a, _| {
                Ok(string_result(
                    base64::engine::general_purpose::STANDARD.encode(s(&a[0])),
                ))
            }),
        ),
        (
            "path_canonicalize",
            signature(vec![T::String]),
            Box::new(|a, _| Ok(string_result(go_clean_path(s(&a[0]))))),
        ),
        (
            "truncate",
            signature(vec![T::String, T::Number]),
            Box::new(truncate),
        ),
        (
            "parse_json",
            signature(vec![T::String]),
            Box::new(parse_json),
        ),
        (
            "parse_yaml",
            signature(vec![T::String]),
            Box::new(parse_yaml),
        ),
        ("random", signature(vec![T::String]), Box::new(random)),
        (
            "sha256",
            signature(vec![T::String]),
            Box::new(|a, _| {
                Ok(string_result(hex(&sha2::Sha256::digest(
                    s(&a[0]).as_bytes(),
                ))))
            }),
        ),
        (
            "sha1",
            signature(vec![T::String]),
            Box::new(|a, _| Ok(string_result(hex(&sha1::Sha1::digest(s(&a[0]).as_bytes()))))),
        ),
        (
            "md5",
            signature(vec![T::String]),
            Box::new(|a, _| Ok(string_result(hex(&md5::Md5::digest(s(&a[0]).as_bytes()))))),
        ),
        (
            "image_normalize",
            signature(vec![T::String]),
            Box::new(image_normalize),
        ),
        (
            "is_external_url",
            signature(vec![T::String]),
            Box::new(is_external_url),
        ),
        (
            "x509_decode",
            signature(vec![T::String]),
            Box::new(|_, c| {
                Err(function_error(c, "JMESPath function 'x509_decode': decoding certificates is not supported by hubspoke-lint"))
            }),
        ),
    ]
}

/// The string in an argument the signature has already checked.
fn s(v: &Rcvar) -> &str {
    v.as_string().map(String::as_str).unwrap_or_default()
}

fn compare(a: &[Rcvar], c: &mut Context<'_>) -> Result<Rcvar, JmespathError> {
    let order = match s(&a[0]).cmp(s(&a[1])) {
        std::cmp::Ordering::Less => -1.0,
        std::cmp::Ordering::Equal => 0.0,
        std::cmp::Ordering::Greater => 1.0,
    };
    float_result(c, order)
}

/// `strings.EqualFold`: equal under simple Unicode case folding.
fn equal_fold(a: &[Rcvar], _: &mut Context<'_>) -> Result<Rcvar, JmespathError> {
    let fold = |text: &str| {
        text.chars()
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    Ok(bool_result(fold(s(&a[0])) == fold(s(&a[1]))))
}

fn replace(a: &[Rcvar], _: &mut Context<'_>) -> Result<Rcvar, JmespathError> {
    let (text, old, new) = (s(&a[0]), s(&a[1]), s(&a[2]));
    // Go truncates the float count; a negative count replaces every match.
    let n = a[3].as_number().unwrap_or(-1.0).trunc();
    let out = if n < 0.0 {
        text.replace(old, new)
    } else {
        text.replacen(old, new, n as usize)
    };
    Ok(string_result(out))
}

fn replace_all(a: &[Rcvar], _: &mut Context<'_>) -> Result<Rcvar, JmespathError> {
    Ok(string_result(s(&a[0]).replace(s(&a[1]), s(&a[2]))))
}

/// `strings.ToUpper` maps rune by rune; a character whose upper case is
/// several characters (`ß`) stays as it is, as in Go.
fn go_upper(text: &str) -> String {
    text.chars()
        .map(|c| {
            let mut up = c.to_uppercase();
            match (up.next(), up.next()) {
                (Some(u), None) => u,
                _ => c,
            }
        })
        .collect()
}

fn go_lower(text: &str) -> String {
    text.chars()
        .map(|c| {
            let mut low = c.to_lowercase();
            match (low.next(), low.next()) {
                (Some(l), None) => l,
                _ => c,
            }
        })
        .collect()
}

fn trim(a: &[Rcvar], _: &mut Context<'_>) -> Result<Rcvar, JmespathError> {
    let cutset: Vec<char> = s(&a[1]).chars().collect();
    Ok(string_result(
        s(&a[0]).trim_matches(|c| cutset.contains(&c)),
    ))
}

fn trim_prefix(a: &[Rcvar], _: &mut Context<'_>) -> Result<Rcvar, JmespathError> {
    let text = s(&a[0]);
    Ok(string_result(text.strip_prefix(s(&a[1])).unwrap_or(text)))
}

/// `strings.Split`: an empty separator splits into characters.
fn split(a: &[Rcvar], _: &mut Context<'_>) -> Result<Rcvar, JmespathError> {
    let (text, sep) = (s(&a[0]), s(&a[1]));
    let parts: Vec<Rcvar> = if sep.is_empty() {
        text.chars().map(|c| string_result(c.to_string())).collect()
    } else {
        text.split(sep).map(string_result).collect()
    };
    Ok(Rcvar::new(Variable::Array(parts)))
}

/// Kyverno's `ifaceToString`: a number is printed with `'f'` format at
/// 32-bit precision, so 443 is `"443"` and 0.1 is `"0.1"`.
pub(super) fn string_or_number(v: &Rcvar) -> Option<String> {
    match &**v {
        Variable::String(text) => Some(text.clone()),
        Variable::Number(n) => n
            .as_f64()
            .map(|f| format!("{}", f as f32))
            .map(|t| t.strip_suffix(".0").map(str::to_owned).unwrap_or(t)),
        Variable::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// How many compiled regular expressions a thread keeps: a policy's patterns are
/// few, but one built from the object (`regex_match(request.object…, …)`) is new
/// on every object, so the cache is emptied rather than allowed to grow.
const REGEXES_PER_THREAD: usize = 256;

thread_local! {
    /// The regular expressions of `regex_*` calls compiled on this thread, by
    /// pattern: a policy calls them with the same pattern on every object, and
    /// compiling one costs far more than matching it.
    static REGEXES: ThreadMemo<Result<regex::Regex, regex::Error>> =
        ThreadMemo::new(REGEXES_PER_THREAD);
}

fn compile_regex(
    c: &Context<'_>,
    function: &str,
    pattern: &str,
) -> Result<regex::Regex, JmespathError> {
    REGEXES
        .with(|memo| memo.get_or_insert_with(pattern, || regex::Regex::new(pattern)))
        .map_err(|e| function_error(c, format!("JMESPath function '{function}': {e}")))
}

fn regex_replace(a: &[Rcvar], c: &mut Context<'_>, literal: bool) -> Result<Rcvar, JmespathError> {
    let function = if literal {
        "regex_replace_all_literal"
    } else {
        "regex_replace_all"
    };
    let re = compile_regex(c, function, s(&a[0]))?;
    let src = string_or_number(&a[1]).unwrap_or_default();
    let repl = string_or_number(&a[2]).unwrap_or_default();
    let out = if literal {
        re.replace_all(&src, regex::NoExpand(&repl)).into_owned()
    } else {
        re.replace_all(&src, repl.as_str()).into_owned()
    };
    Ok(string_result(out))
}

fn regex_match(a: &[Rcvar], c: &mut Context<'_>) -> Result<Rcvar, JmespathError> {
    let re = compile_regex(c, "regex_match", s(&a[0]))?;
    let src = string_or_number(&a[1]).unwrap_or_default();
    Ok(bool_result(re.is_match(&src)))
}

fn pattern_match(a: &[Rcvar], _: &mut Context<'_>) -> Result<Rcvar, JmespathError> {
    let src = string_or_number(&a[1]).unwrap_or_default();
    Ok(bool_result(wildcard::matches(s(&a[0]), &src)))
}

fn to_boolean(a: &[Rcvar], c: &mut Context<'_>) -> Result<Rcvar, JmespathError> {
    match s(&a[0]).to_lowercase().as_str() {
        "true" => Ok(bool_result(true)),
        "false" => Ok(bool_result(false)),
        _ => Err(function_error(
            c,
            format!(
                "JMESPath function 'to_boolean': lowercase argument must be 'true' or 'false' (provided: '{}')",
                s(&a[0])
            ),
        )),
    }
}

fn base64_decode(a: &[Rcvar], c: &mut Context<'_>) -> Result<Rcvar, JmespathError> {
    // Go's decoder skips line breaks inside the input.
    let cleaned: String = s(&a[0])
        .chars()
        .filter(|c| *c != '\n' && *c != '\r')
        .collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(cleaned)
        .map_err(|e| function_error(c, format!("illegal base64 data: {e}")))?;
    Ok(string_result(String::from_utf8_lossy(&bytes).into_owned()))
}

/// Go's `path/filepath.Clean` on a Unix path (what `filepath.Join` of one
/// element returns; the empty path stays empty).
pub(super) fn go_clean_path(path: &str) -> String {
    if path.is_empty() {
        return String::new();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    }
}

fn truncate(a: &[Rcvar], _: &mut Context<'_>) -> Result<Rcvar, JmespathError> {
    let length = a[1].as_number().unwrap_or(0.0).max(0.0) as usize;
    let text = s(&a[0]);
    Ok(string_result(text.chars().take(length).collect::<String>()))
}

fn parse_json(a: &[Rcvar], c: &mut Context<'_>) -> Result<Rcvar, JmespathError> {
    let value: serde_json::Value = serde_json::from_str(s(&a[0]))
        .map_err(|e| function_error(c, format!("JMESPath function 'parse_json': {e}")))?;
    Ok(to_variable(&floats(&value)))
}

fn parse_yaml(a: &[Rcvar], c: &mut Context<'_>) -> Result<Rcvar, JmespathError> {
    let stream =
        hubspoke_manifest::yaml::parse_stream(s(&a[0]), hubspoke_manifest::ParseLimits::default());
    if let Some(problem) = stream.problems.first() {
        return Err(function_error(
            c,
            format!("JMESPath function 'parse_yaml': {problem:?}"),
        ));
    }
    let value = stream
        .documents
        .first()
        .map(|d| d.root.to_json())
        .unwrap_or(serde_json::Value::Null);
    Ok(to_variable(&floats(&value)))
}

fn random(a: &[Rcvar], c: &mut Context<'_>) -> Result<Rcvar, JmespathError> {
    use rand::RngExt as _;
    let pattern = s(&a[0]);
    if pattern.is_empty() {
        return Err(function_error(c, "no pattern provided"));
    }
    let generator = rand_regex::Regex::compile(pattern, 10)
        .map_err(|e| function_error(c, format!("JMESPath function 'random': {e}")))?;
    let text: String = rand::rng().sample(&generator);
    Ok(string_result(text))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn image_normalize(a: &[Rcvar], c: &mut Context<'_>) -> Result<Rcvar, JmespathError> {
    crate::image::ImageInfo::parse(s(&a[0]))
        .map(|info| string_result(info.to_string()))
        .map_err(|e| function_error(c, format!("JMESPath function 'image_normalize': {e}")))
}

/// Kyverno resolves host names through DNS; offline only IP literals can be
/// decided (loopback and private ranges are internal).
fn is_external_url(a: &[Rcvar], c: &mut Context<'_>) -> Result<Rcvar, JmespathError> {
    let url = s(&a[0]);
    let after_scheme = url.split_once("://").map(|(_, rest)| rest).unwrap_or(url);
    let authority = after_scheme
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default();
    let host_port = authority
        .rsplit_once('@')
        .map(|(_, h)| h)
        .unwrap_or(authority);
    let host = if let Some(rest) = host_port.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => Ok(bool_result(!(ip.is_loopback() || ip.is_private()))),
        Ok(std::net::IpAddr::V6(ip)) => {
            let unique_local = (ip.segments()[0] & 0xfe00) == 0xfc00;
            Ok(bool_result(!(ip.is_loopback() || unique_local)))
        }
        Err(_) => Err(function_error(
            c,
            format!("JMESPath function 'is_external_url': resolving {host:?} needs DNS, which is not available offline"),
        )),
    }
}
