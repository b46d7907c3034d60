//! The string operators of Flux's `${var<op>args}` expressions, with Go's byte
//! semantics: lengths and offsets count bytes, case mapping is per rune, and
//! `#`/`%` patterns are fluxcd/pkg's variant of Go's `path.Match` in which `*`
//! and `?` also match `/`.
//!
//! Values are byte strings because Go's are: `${var:0:1}` on `é` cuts the
//! character in half, and Flux then fails on the invalid UTF-8 it produced.

/// Go's `utf8.RuneError`, what an invalid byte decodes to.
const RUNE_ERROR: char = '\u{FFFD}';

/// Apply the operator `op` (as the parser spelled it) to `value`.
///
/// `Err(())` is a runtime panic in Go (a negative substring length slices
/// backwards); controller-runtime recovers it and the reconcile fails.
pub(crate) fn apply(op: &str, value: &[u8], args: &[Vec<u8>]) -> Result<Vec<u8>, ()> {
    Ok(match op {
        "," => lower_first(value),
        ",," => map_runes(value, lower_rune),
        "^" => upper_first(value),
        "^^" => map_runes(value, upper_rune),
        "#" if args.is_empty() => value.len().to_string().into_bytes(),
        "#" => trim_prefix(value, args, false),
        "##" => trim_prefix(value, args, true),
        "%" => trim_suffix(value, args, false),
        "%%" => trim_suffix(value, args, true),
        ":" => return substring(value, args),
        "/#" => replace_prefix(value, args),
        "/%" => replace_suffix(value, args),
        "/" => replace_with_args(value, args, Some(1)),
        "//" => replace_with_args(value, args, None),
        // `=`, `:=`, `:-`, and every other name, `:+` and `:?` included: the
        // value when non-empty, else the arguments joined.
        _ => default(value, args),
    })
}

/// Whether the operator supplies its own value for an unset variable, so that
/// strict mode does not fail on it (fluxcd/pkg `isDefaultOp`).
pub(crate) fn tolerates_unset(op: &str) -> bool {
    matches!(op, "-" | "+" | "=" | "?" | ":-" | ":+" | ":=" | ":?")
}

fn default(value: &[u8], args: &[Vec<u8>]) -> Vec<u8> {
    if value.is_empty() && !args.is_empty() {
        args.concat()
    } else {
        value.to_vec()
    }
}

/// Decode one rune as Go's `utf8.DecodeRune` does: an invalid or truncated
/// sequence is `RuneError` of width 1; an empty input has width 0.
pub(crate) fn decode_rune(bytes: &[u8]) -> (char, usize) {
    let Some(&first) = bytes.first() else {
        return (RUNE_ERROR, 0);
    };
    let width = match first {
        0x00..=0x7F => return (char::from(first), 1),
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return (RUNE_ERROR, 1),
    };
    match bytes
        .get(..width)
        .and_then(|seq| std::str::from_utf8(seq).ok())
    {
        Some(text) => (text.chars().next().unwrap_or(RUNE_ERROR), width),
        None => (RUNE_ERROR, 1),
    }
}

fn push_rune(out: &mut Vec<u8>, rune: char) {
    let mut buffer = [0u8; 4];
    out.extend_from_slice(rune.encode_utf8(&mut buffer).as_bytes());
}

/// Go's `unicode.ToUpper`: the simple (one-rune) mapping. Rust only offers the
/// full mapping; where it yields several runes (`ß` → `SS`) Go keeps the rune.
fn upper_rune(rune: char) -> char {
    single(rune.to_uppercase()).unwrap_or(rune)
}

fn lower_rune(rune: char) -> char {
    single(rune.to_lowercase()).unwrap_or(rune)
}

fn single(mut mapped: impl Iterator<Item = char>) -> Option<char> {
    let first = mapped.next()?;
    mapped.next().is_none().then_some(first)
}

/// Go's `strings.Map`: every rune mapped; an invalid byte becomes `U+FFFD`.
fn map_runes(value: &[u8], map: fn(char) -> char) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len());
    let mut rest = value;
    while !rest.is_empty() {
        let (rune, width) = decode_rune(rest);
        push_rune(&mut out, map(rune));
        rest = &rest[width..];
    }
    out
}

fn upper_first(value: &[u8]) -> Vec<u8> {
    map_first(value, upper_rune)
}

fn lower_first(value: &[u8]) -> Vec<u8> {
    map_first(value, lower_rune)
}

fn map_first(value: &[u8], map: fn(char) -> char) -> Vec<u8> {
    if value.is_empty() {
        return Vec::new();
    }
    let (rune, width) = decode_rune(value);
    let mut out = Vec::with_capacity(value.len());
    push_rune(&mut out, map(rune));
    out.extend_from_slice(&value[width..]);
    out
}

/// Go's `strconv.Atoi`: an optional sign and decimal digits, nothing else.
fn atoi(text: &[u8]) -> Option<i64> {
    std::str::from_utf8(text).ok()?.parse::<i64>().ok()
}

/// `${var:offset}` and `${var:offset:length}`, counting bytes.
fn substring(value: &[u8], args: &[Vec<u8>]) -> Result<Vec<u8>, ()> {
    let Some(offset) = args.first() else {
        return Ok(value.to_vec());
    };
    let len = value.len() as i64;
    let Some(mut position) = atoi(offset) else {
        // bash (and Flux) return the value when the offset is not a number.
        return Ok(value.to_vec());
    };
    if position < 0 {
        position = (len + position).max(0);
    }
    let tail = |position: i64| {
        if position < len {
            value[position as usize..].to_vec()
        } else {
            Vec::new()
        }
    };
    let Some(length) = args.get(1) else {
        return Ok(tail(position));
    };
    let Some(length) = atoi(length) else {
        return Ok(value.to_vec());
    };
    let end = position.checked_add(length).ok_or(())?;
    if end >= len {
        return Ok(tail(position));
    }
    // Go slices value[position:end]; a negative length makes end < position,
    // which panics there.
    if end < position || end < 0 {
        return Err(());
    }
    Ok(value[position as usize..end as usize].to_vec())
}

/// Go's `strings.Replace(s, old, new, n)`: an empty `old` matches at the start
/// and after every rune.
fn go_replace(value: &[u8], old: &[u8], new: &[u8], limit: Option<usize>) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len());
    let mut replaced = 0usize;
    let may_replace = |replaced: usize| limit.is_none_or(|n| replaced < n);
    if old.is_empty() {
        let mut rest = value;
        loop {
            if may_replace(replaced) {
                out.extend_from_slice(new);
                replaced += 1;
            }
            if rest.is_empty() {
                break;
            }
            let (_, width) = decode_rune(rest);
            out.extend_from_slice(&rest[..width]);
            rest = &rest[width..];
        }
        return out;
    }
    let mut i = 0;
    while i < value.len() {
        if may_replace(replaced) && value[i..].starts_with(old) {
            out.extend_from_slice(new);
            i += old.len();
            replaced += 1;
        } else {
            out.push(value[i]);
            i += 1;
        }
    }
    out
}

fn replace_with_args(value: &[u8], args: &[Vec<u8>], limit: Option<usize>) -> Vec<u8> {
    match args {
        [] => value.to_vec(),
        [old] => go_replace(value, old, b"", limit),
        [old, new, ..] => go_replace(value, old, new, limit),
    }
}

fn replace_prefix(value: &[u8], args: &[Vec<u8>]) -> Vec<u8> {
    match args {
        [old, new] if value.starts_with(old) => {
            let mut out = new.clone();
            out.extend_from_slice(&value[old.len()..]);
            out
        }
        _ => value.to_vec(),
    }
}

fn replace_suffix(value: &[u8], args: &[Vec<u8>]) -> Vec<u8> {
    match args {
        [old, new] if value.ends_with(old) => {
            let mut out = value[..value.len() - old.len()].to_vec();
            out.extend_from_slice(new);
            out
        }
        _ => value.to_vec(),
    }
}

/// `${var#pattern}` (shortest) and `${var##pattern}` (longest): the prefix of
/// the value the pattern matches is removed. Candidates are tried from the
/// whole value down to one byte; the empty prefix is never tried.
fn trim_prefix(value: &[u8], args: &[Vec<u8>], longest: bool) -> Vec<u8> {
    let Some(pattern) = args.first() else {
        return value.to_vec();
    };
    let mut shortest = 0;
    for cut in (1..=value.len()).rev() {
        match glob_match(pattern, &value[..cut]) {
            Err(()) => return value.to_vec(),
            Ok(true) if longest => return value[cut..].to_vec(),
            Ok(true) => shortest = cut,
            Ok(false) => {}
        }
    }
    value[shortest..].to_vec()
}

/// `${var%pattern}` and `${var%%pattern}`: the value and the pattern are
/// reversed rune by rune (bracket expressions included, as Flux does) and
/// trimmed as prefixes.
fn trim_suffix(value: &[u8], args: &[Vec<u8>], longest: bool) -> Vec<u8> {
    let Some(pattern) = args.first() else {
        return value.to_vec();
    };
    let reversed = trim_prefix(&reverse_runes(value), &[reverse_runes(pattern)], longest);
    reverse_runes(&reversed)
}

/// Go's `[]rune(s)` reversed: invalid bytes become `U+FFFD`.
fn reverse_runes(value: &[u8]) -> Vec<u8> {
    let mut runes = Vec::new();
    let mut rest = value;
    while !rest.is_empty() {
        let (rune, width) = decode_rune(rest);
        runes.push(rune);
        rest = &rest[width..];
    }
    let mut out = Vec::with_capacity(value.len());
    for rune in runes.into_iter().rev() {
        push_rune(&mut out, rune);
    }
    out
}

/// Whether `name` matches the shell pattern as a whole (fluxcd/pkg
/// `envsubst/path.Match`). `Err` is a malformed pattern, which Flux only
/// notices when matching reaches it.
pub(crate) fn glob_match(mut pattern: &[u8], mut name: &[u8]) -> Result<bool, ()> {
    'pattern: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            // A trailing star matches the rest, slashes included.
            return Ok(true);
        }
        let (tail, matched, malformed) = match_chunk(chunk, name);
        if matched && (tail.is_empty() || !pattern.is_empty()) {
            name = tail;
            continue;
        }
        if malformed {
            return Err(());
        }
        if star {
            for skip in 0..name.len() {
                let (tail, matched, malformed) = match_chunk(chunk, &name[skip + 1..]);
                if matched {
                    if pattern.is_empty() && !tail.is_empty() {
                        continue;
                    }
                    name = tail;
                    continue 'pattern;
                }
                if malformed {
                    return Err(());
                }
            }
        }
        return Ok(false);
    }
    Ok(name.is_empty())
}

/// The next run of the pattern: leading stars, then everything up to the next
/// star outside a bracket expression.
fn scan_chunk(pattern: &[u8]) -> (bool, &[u8], &[u8]) {
    let stars = pattern.iter().take_while(|&&b| b == b'*').count();
    let pattern = &pattern[stars..];
    let mut in_range = false;
    let mut i = 0;
    while i < pattern.len() {
        match pattern[i] {
            b'\\' if i + 1 < pattern.len() => i += 1,
            b'[' => in_range = true,
            b']' => in_range = false,
            b'*' if !in_range => break,
            _ => {}
        }
        i += 1;
    }
    (stars > 0, &pattern[..i], &pattern[i..])
}

/// Match a star-free chunk against the start of `name`: `(rest, matched,
/// malformed)`.
fn match_chunk<'n>(mut chunk: &[u8], mut name: &'n [u8]) -> (&'n [u8], bool, bool) {
    const NO: (&[u8], bool, bool) = (&[], false, false);
    const MALFORMED: (&[u8], bool, bool) = (&[], false, true);
    while let Some(&head) = chunk.first() {
        if name.is_empty() {
            return NO;
        }
        match head {
            b'[' => {
                let (rune, width) = decode_rune(name);
                name = &name[width..];
                chunk = &chunk[1..];
                let negated = chunk.first() == Some(&b'^');
                if negated {
                    chunk = &chunk[1..];
                }
                let mut matched = false;
                let mut ranges = 0;
                loop {
                    if chunk.first() == Some(&b']') && ranges > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    let Some((low, rest)) = class_char(chunk) else {
                        return MALFORMED;
                    };
                    chunk = rest;
                    let mut high = low;
                    if chunk.first() == Some(&b'-') {
                        let Some((upper, rest)) = class_char(&chunk[1..]) else {
                            return MALFORMED;
                        };
                        high = upper;
                        chunk = rest;
                    }
                    if low <= rune && rune <= high {
                        matched = true;
                    }
                    ranges += 1;
                }
                if matched == negated {
                    return NO;
                }
            }
            b'?' => {
                let (_, width) = decode_rune(name);
                name = &name[width..];
                chunk = &chunk[1..];
            }
            _ => {
                let literal = if head == b'\\' {
                    chunk = &chunk[1..];
                    match chunk.first() {
                        Some(&b) => b,
                        None => return MALFORMED,
                    }
                } else {
                    head
                };
                if literal != name[0] {
                    return NO;
                }
                name = &name[1..];
                chunk = &chunk[1..];
            }
        }
    }
    (name, true, false)
}

/// One possibly escaped character of a bracket expression (Go's `getEsc`):
/// `None` when malformed, which includes a class that runs to the pattern's end.
fn class_char(chunk: &[u8]) -> Option<(char, &[u8])> {
    let chunk = match chunk.first()? {
        b'-' | b']' => return None,
        b'\\' => chunk.get(1..).filter(|rest| !rest.is_empty())?,
        _ => chunk,
    };
    let (rune, width) = decode_rune(chunk);
    if rune == RUNE_ERROR && width == 1 {
        return None;
    }
    let rest = &chunk[width..];
    (!rest.is_empty()).then_some((rune, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(op: &str, value: &str, args: &[&str]) -> String {
        let args: Vec<Vec<u8>> = args.iter().map(|a| a.as_bytes().to_vec()).collect();
        String::from_utf8(apply(op, value.as_bytes(), &args).expect("no panic")).expect("utf-8")
    }

    /// fluxcd/pkg `envsubst/funcs_test.go`.
    #[test]
    fn flux_funcs_tests() {
        assert_eq!(run("#", "Hello World", &[]), "11");
        assert_eq!(run(",,", "Hello World", &[]), "hello world");
        assert_eq!(run(",", "HELLO WORLD", &[]), "hELLO WORLD");
        assert_eq!(run(",", "", &[]), "");
        assert_eq!(run("^^", "Hello World", &[]), "HELLO WORLD");
        assert_eq!(run("^", "hello world", &[]), "Hello world");
        assert_eq!(run("^", "", &[]), "");
        assert_eq!(run(":=", "Hello World", &["Hola Mundo"]), "Hello World");
        assert_eq!(run(":=", "", &["Hola Mundo"]), "Hola Mundo");
        assert_eq!(
            run(
                ":=",
                "",
                &["Hola Mundo", "-Bonjour le monde", "-Halló heimur"]
            ),
            "Hola Mundo-Bonjour le monde-Halló heimur"
        );
        let digits = "123456789123456789";
        assert_eq!(run(":", digits, &["0", "8"]), "12345678");
        assert_eq!(run(":", digits, &["1", "8"]), "23456789");
        assert_eq!(run(":", digits, &["9"]), "123456789");
        assert_eq!(run(":", digits, &["9", "50"]), "123456789");
        assert_eq!(run(":", digits, &["-3", "2"]), "78");
        assert_eq!(run(":", digits, &["-300", "3"]), "123");
        assert_eq!(run(":", "12345678", &["9", "1"]), "");
    }

    #[test]
    fn substring_counts_bytes_and_follows_bash_on_bad_numbers() {
        assert_eq!(run(":", "abcdef", &["2"]), "cdef");
        assert_eq!(run(":", "abcdef", &["-2"]), "ef");
        assert_eq!(run(":", "abcdef", &["-9"]), "abcdef");
        assert_eq!(run(":", "abcdef", &["9"]), "");
        assert_eq!(run(":", "abcdef", &["1", "2"]), "bc");
        assert_eq!(run(":", "abcdef", &["1", "99"]), "bcdef");
        assert_eq!(run(":", "abcdef", &["x"]), "abcdef");
        assert_eq!(run(":", "abcdef", &["1", "x"]), "abcdef");
        assert_eq!(run(":", "abcdef", &["+1"]), "bcdef");
        // Go slices backwards and panics; the reconcile fails.
        assert_eq!(
            apply(":", b"abcdef", &[b"3".to_vec(), b"-2".to_vec()]),
            Err(())
        );
        // Cutting a character in half leaves invalid UTF-8, as in Go.
        assert_eq!(apply(":", "é".as_bytes(), &[b"1".to_vec()]), Ok(vec![0xA9]));
    }

    #[test]
    fn case_operators_map_runes_simply() {
        assert_eq!(run("^", "ébc", &[]), "Ébc");
        assert_eq!(run("^^", "straße", &[]), "STRAßE");
        assert_eq!(run(",,", "ÀB", &[]), "àb");
        assert_eq!(run(",", "", &[]), "");
        assert_eq!(run("#", "é", &[]), "2");
    }

    #[test]
    fn replacement_with_an_empty_pattern_inserts_between_runes() {
        assert_eq!(run("//", "ab", &["", "-"]), "-a-b-");
        assert_eq!(run("/", "ab", &["", "-"]), "-ab");
        assert_eq!(run("/#", "abc", &["a"]), "abc");
        assert_eq!(run("/%", "abc", &["c", "Z"]), "abZ");
    }

    #[test]
    fn trims_try_every_non_empty_prefix() {
        assert_eq!(run("#", "a.b.c", &["*."]), "b.c");
        assert_eq!(run("##", "a.b.c", &["*."]), "c");
        assert_eq!(run("%", "a.b.c", &[".*"]), "a.b");
        assert_eq!(run("%%", "a.b.c", &[".*"]), "a");
        assert_eq!(run("#", "abc", &["x"]), "abc");
        // A malformed class leaves the value alone.
        assert_eq!(run("#", "abc", &["[a"]), "abc");
    }

    #[test]
    fn glob_stars_and_question_marks_cross_slashes() {
        assert_eq!(glob_match(b"*", b"a/b"), Ok(true));
        assert_eq!(glob_match(b"a*c", b"a/b/c"), Ok(true));
        assert_eq!(glob_match(b"a?c", b"a/c"), Ok(true));
        assert_eq!(glob_match(b"[a-c]x", b"bx"), Ok(true));
        assert_eq!(glob_match(b"[^a-c]x", b"bx"), Ok(false));
        assert_eq!(glob_match(b"\\*", b"*"), Ok(true));
        assert_eq!(glob_match(b"a\\", b"ab"), Err(()));
        assert_eq!(glob_match(b"[]", b"a"), Err(()));
        assert_eq!(glob_match(b"ab", b"a"), Ok(false));
    }
}
