//! Semantic versions and ranges as `github.com/blang/semver/v4` reads them,
//! for `semver_compare` and the numeric condition operators.
//!
//! The `semver` crate speaks Cargo's range syntax (`>=1, <2`); Kyverno's
//! policies use blang's (`>=1.0.0 <2.0.0 || 3.x`), and blang's version parser
//! is stricter (three numbers, no `v`), so both are written here.

use std::cmp::Ordering;

use ::jmespath::functions::ArgumentType as T;
use ::jmespath::{Context, JmespathError, Rcvar};

use super::{bool_result, function_error, signature, Handler};

pub(super) fn functions() -> Vec<(&'static str, ::jmespath::functions::Signature, Handler)> {
    vec![(
        "semver_compare",
        signature(vec![T::String, T::String]),
        Box::new(semver_compare),
    )]
}

fn semver_compare(a: &[Rcvar], c: &mut Context<'_>) -> Result<Rcvar, JmespathError> {
    let text = |i: usize| a[i].as_string().map(String::as_str).unwrap_or_default();
    // Kyverno ignores a version that does not parse: it compares 0.0.0.
    let version = Version::parse(text(0)).unwrap_or_default();
    let range = Range::parse(text(1)).map_err(|e| function_error(c, e))?;
    Ok(bool_result(range.contains(&version)))
}

/// A prerelease identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pre {
    Numeric(u64),
    Alpha(String),
}

impl Ord for Pre {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Pre::Numeric(a), Pre::Numeric(b)) => a.cmp(b),
            (Pre::Numeric(_), Pre::Alpha(_)) => Ordering::Less,
            (Pre::Alpha(_), Pre::Numeric(_)) => Ordering::Greater,
            (Pre::Alpha(a), Pre::Alpha(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for Pre {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A version: build metadata is parsed but never compared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: Vec<Pre>,
}

impl Version {
    /// blang's strict `semver.Parse`.
    pub fn parse(text: &str) -> Result<Version, String> {
        if text.is_empty() {
            return Err("Version string empty".to_owned());
        }
        let (main, build) = match text.split_once('+') {
            Some((m, b)) => (m, Some(b)),
            None => (text, None),
        };
        let (core, pre) = match main.split_once('-') {
            Some((c, p)) => (c, Some(p)),
            None => (main, None),
        };
        let numbers: Vec<&str> = core.split('.').collect();
        if numbers.len() != 3 {
            return Err("No Major.Minor.Patch elements found".to_owned());
        }
        let number = |part: &str, what: &str| -> Result<u64, String> {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!(
                    "Invalid character(s) found in {what} number {part:?}"
                ));
            }
            if part.len() > 1 && part.starts_with('0') {
                return Err(format!(
                    "{what} number must not contain leading zeroes {part:?}"
                ));
            }
            part.parse()
                .map_err(|_| format!("{what} number out of range {part:?}"))
        };
        let mut version = Version {
            major: number(numbers[0], "Major")?,
            minor: number(numbers[1], "Minor")?,
            patch: number(numbers[2], "Patch")?,
            pre: Vec::new(),
        };
        let identifier_ok =
            |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if let Some(pre) = pre {
            for part in pre.split('.') {
                if !identifier_ok(part) {
                    return Err(format!("Invalid character(s) found in prerelease {part:?}"));
                }
                if part.bytes().all(|b| b.is_ascii_digit()) {
                    if part.len() > 1 && part.starts_with('0') {
                        return Err(format!(
                            "Prerelease number must not contain leading zeroes {part:?}"
                        ));
                    }
                    version.pre.push(Pre::Numeric(
                        part.parse()
                            .map_err(|_| "prerelease number out of range".to_owned())?,
                    ));
                } else {
                    version.pre.push(Pre::Alpha(part.to_owned()));
                }
            }
        }
        if let Some(build) = build {
            if !build.split('.').all(identifier_ok) {
                return Err(format!(
                    "Invalid character(s) found in build meta data {build:?}"
                ));
            }
        }
        Ok(version)
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.pre.cmp(&other.pre),
            })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

/// A parsed range: alternatives (`||`) of conjunctions.
#[derive(Debug, Clone)]
pub struct Range {
    alternatives: Vec<Vec<(Op, Version)>>,
}

impl Range {
    /// blang's `semver.ParseRange`.
    pub fn parse(text: &str) -> Result<Range, String> {
        let parts = split_and_trim(text);
        let mut or_parts: Vec<Vec<String>> = Vec::new();
        let mut current = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            if part == "||" {
                if i == 0 {
                    return Err("First element in range is '||'".to_owned());
                }
                or_parts.push(std::mem::take(&mut current));
            } else {
                current.push(part.clone());
            }
        }
        if parts.last().is_some_and(|p| p == "||") {
            return Err("Last element in range is '||'".to_owned());
        }
        or_parts.push(current);
        let mut alternatives = Vec::new();
        for conjunction in or_parts {
            let mut checks = Vec::new();
            for part in expand_wildcards(&conjunction)? {
                let (op, version) = split_comparator(&part)?;
                let op = match op {
                    "" | "=" | "==" => Op::Eq,
                    "!" | "!=" => Op::Ne,
                    ">" => Op::Gt,
                    ">=" => Op::Ge,
                    "<" => Op::Lt,
                    "<=" => Op::Le,
                    other => {
                        return Err(format!("Could not parse comparator {other:?} in {part:?}"))
                    }
                };
                checks.push((op, Version::parse(version)?));
            }
            alternatives.push(checks);
        }
        Ok(Range { alternatives })
    }

    /// Whether the version is in the range.
    pub fn contains(&self, version: &Version) -> bool {
        self.alternatives.iter().any(|checks| {
            checks.iter().all(|(op, bound)| {
                let order = version.cmp(bound);
                match op {
                    Op::Eq => order == Ordering::Equal,
                    Op::Ne => order != Ordering::Equal,
                    Op::Gt => order == Ordering::Greater,
                    Op::Ge => order != Ordering::Less,
                    Op::Lt => order == Ordering::Less,
                    Op::Le => order != Ordering::Greater,
                }
            })
        })
    }
}

/// blang's `splitAndTrim`: split on spaces, except spaces right after a
/// comparator (`>= 1.0.0` is one part).
fn split_and_trim(s: &str) -> Vec<String> {
    let bytes = s.as_bytes();
    let mut result = Vec::new();
    let mut last = 0usize;
    let mut last_char = 0u8;
    for i in 0..bytes.len() {
        if bytes[i] == b' ' && !matches!(last_char, b'>' | b'<' | b'=') {
            if last + 1 < i {
                result.push(s[last..i].to_owned());
            }
            last = i + 1;
        } else if bytes[i] != b' ' {
            last_char = bytes[i];
        }
    }
    if last + 1 < s.len() {
        result.push(s[last..].to_owned());
    }
    result.into_iter().map(|p| p.replace(' ', "")).collect()
}

fn split_comparator(part: &str) -> Result<(&str, &str), String> {
    let i = part
        .find(|c: char| c.is_ascii_digit())
        .ok_or_else(|| format!("Could not get version from string: {part:?}"))?;
    Ok((part[..i].trim(), &part[i..]))
}

/// blang's `expandWildcardVersion`: `1.x` and `1.2.x` become bounds.
fn expand_wildcards(parts: &[String]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for part in parts {
        if !part.contains('x') {
            out.push(part.clone());
            continue;
        }
        let (op, version) = split_comparator(part)?;
        let pieces: Vec<&str> = version.split('.').collect();
        let wildcard_kind = if pieces.last() == Some(&"x") {
            pieces.len()
        } else {
            0
        };
        let flat = {
            let v = version.replacen(".x.x", ".x", 1).replacen(".x", ".0", 1);
            if v.split('.').count() == 2 {
                format!("{v}.0")
            } else {
                v
            }
        };
        let (result_op, increment) = match op {
            ">" => (">=", true),
            ">=" => (">=", false),
            "<" => ("<", false),
            "<=" => ("<", true),
            "" | "=" | "==" => {
                out.push(format!(">={flat}"));
                ("<", true)
            }
            "!=" | "!" => {
                out.push(format!("<{flat}"));
                (">=", true)
            }
            _ => ("", false),
        };
        let bumped = if increment {
            match wildcard_kind {
                3 => bump(&flat, 1),
                2 => bump(&flat, 0),
                _ => String::new(),
            }
        } else {
            flat
        };
        out.push(format!("{result_op}{bumped}"));
    }
    Ok(out)
}

fn bump(version: &str, index: usize) -> String {
    let mut parts: Vec<String> = version.split('.').map(str::to_owned).collect();
    if let Some(n) = parts.get(index).and_then(|p| p.parse::<u64>().ok()) {
        parts[index] = (n + 1).to_string();
    }
    parts.join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_as_blang_reads_them() {
        let check = |v: &str, r: &str| {
            Range::parse(r)
                .unwrap()
                .contains(&Version::parse(v).unwrap())
        };
        assert!(check("1.2.3", ">1.0.0 <2.0.0"));
        assert!(check("1.2.3", ">= 1.0.0"));
        assert!(!check("2.0.0", ">1.0.0 <2.0.0"));
        assert!(check("3.1.0", "<1.0.0 || >=3.0.0"));
        assert!(check("1.9.9", "1.x"));
        assert!(!check("2.0.0", "1.x"));
        assert!(check("1.2.9", "1.2.x"));
        assert!(!check("1.3.0", "1.2.x"));
        assert!(check("1.0.0-alpha", "<1.0.0"));
        assert!(check("1.0.0+build", "=1.0.0"));
        assert!(!check("1.0.0", "!1.0.0"));
        assert!(Range::parse("|| 1.0.0").is_err());
        assert!(Range::parse("1.0.0 ||").is_err());
        assert!(Range::parse("~1.0.0").is_err());
    }

    #[test]
    fn strict_versions() {
        assert!(Version::parse("1.2").is_err());
        assert!(Version::parse("v1.2.3").is_err());
        assert!(Version::parse("01.2.3").is_err());
        assert!(Version::parse("1.2.3-alpha.01").is_err());
        assert!(Version::parse("1.0.0-alpha.1") < Version::parse("1.0.0-alpha.beta"));
        assert!(Version::parse("1.0.0-rc.1") < Version::parse("1.0.0"));
    }
}
