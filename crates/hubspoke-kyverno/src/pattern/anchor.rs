//! Anchors: the `(key)`, `=(key)`, `^(key)`, `X(key)`, `<(key)` and `+(key)`
//! forms a pattern's map keys may take (Kyverno `pkg/engine/anchor`).

/// What an anchored key asks of the resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AnchorKind {
    /// `(key)`: when the key is present its value must match, else the map is
    /// skipped (the rule does not apply).
    Condition,
    /// `<(key)`: when the key is present and does not match, the whole rule is
    /// skipped.
    Global,
    /// `X(key)`: the key must be absent.
    Negation,
    /// `+(key)`: a mutation anchor; validation treats the key text literally,
    /// and Kyverno refuses it in validate patterns.
    AddIfNotPresent,
    /// `=(key)`: when the key is present its value must match.
    Equality,
    /// `^(key)`: every pattern item must match at least one list item.
    Existence,
}

/// A parsed anchor: its kind and the key it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    /// The kind of anchor.
    pub kind: AnchorKind,
    /// The key inside the parentheses.
    pub key: String,
}

/// Parse a key as Kyverno does (`^([+<=X^])?\((.+)\)$` on the trimmed key);
/// `None` when the key is not an anchor.
pub fn parse(raw: &str) -> Option<Anchor> {
    let text = raw.trim_matches(|c: char| c.is_whitespace());
    let (kind, rest) = match text.as_bytes().first()? {
        b'+' => (AnchorKind::AddIfNotPresent, &text[1..]),
        b'<' => (AnchorKind::Global, &text[1..]),
        b'=' => (AnchorKind::Equality, &text[1..]),
        b'X' => (AnchorKind::Negation, &text[1..]),
        b'^' => (AnchorKind::Existence, &text[1..]),
        _ => (AnchorKind::Condition, text),
    };
    let key = rest.strip_prefix('(')?.strip_suffix(')')?;
    // `.` in Go's regexp does not match a newline, and `.+` needs a character.
    if key.is_empty() || key.contains('\n') {
        return None;
    }
    Some(Anchor {
        kind,
        key: key.to_owned(),
    })
}

/// Whether a key that is not an anchor looks like a broken one (`(name`,
/// `=(name`, `X(name)x`): an opening anchor prefix without the closing form.
/// Kyverno would read it as a literal key, which is never what the author meant.
pub fn looks_malformed(raw: &str) -> bool {
    if parse(raw).is_some() {
        return false;
    }
    let text = raw.trim();
    let after_prefix = match text.as_bytes() {
        [b'+' | b'<' | b'=' | b'X' | b'^', b'(', ..] => &text[1..],
        [b'(', ..] => text,
        _ => return false,
    };
    after_prefix.starts_with('(')
}

#[cfg(test)]
mod tests {
    use super::*;

    // Kyverno pkg/engine/anchor/anchor_test.go (TestParse and the Is* tables).
    #[test]
    fn parses_like_kyverno() {
        let cases: &[(&str, Option<(AnchorKind, &str)>)] = &[
            ("(something)", Some((AnchorKind::Condition, "something"))),
            ("()", None),
            ("something", None),
            ("(something", None),
            ("something)", None),
            ("^(something)", Some((AnchorKind::Existence, "something"))),
            ("^()", None),
            ("X(something)", Some((AnchorKind::Negation, "something"))),
            ("X()", None),
            ("=(something)", Some((AnchorKind::Equality, "something"))),
            ("=()", None),
            (
                "+(something)",
                Some((AnchorKind::AddIfNotPresent, "something")),
            ),
            ("+()", None),
            ("<(something)", Some((AnchorKind::Global, "something"))),
            ("<()", None),
            (
                "  (something)  ",
                Some((AnchorKind::Condition, "something")),
            ),
            ("(a)(b)", Some((AnchorKind::Condition, "a)(b"))),
            ("Y(something)", None),
            ("((x))", Some((AnchorKind::Condition, "(x)"))),
        ];
        for (raw, want) in cases {
            let got = parse(raw).map(|a| (a.kind, a.key));
            let want = want.map(|(k, s)| (k, s.to_owned()));
            assert_eq!(got, want, "{raw:?}");
        }
    }

    #[test]
    fn malformed_anchor_shapes() {
        for raw in ["(name", "=(name", "X(name", "^(name", "<(name", "+(name"] {
            assert!(looks_malformed(raw), "{raw}");
        }
        for raw in [
            "name",
            "(name)",
            "=(name)",
            "image",
            "app.kubernetes.io/name",
            "a(b)c",
        ] {
            assert!(!looks_malformed(raw), "{raw}");
        }
        assert!(looks_malformed("X(name)x"));
    }
}
