//! Kyverno's wildcard match (`ext/wildcard`): `*` any run of characters, `?`
//! exactly one, an empty pattern only the empty text. A greedy match with one
//! backtrack point, so hostile patterns (`*a*a*a*b`) stay linear-ish instead
//! of Go's exponential recursion.

/// Whether `text` matches the wildcard `pattern`.
pub fn matches(pattern: &str, text: &str) -> bool {
    if pattern.is_empty() {
        return text.is_empty();
    }
    if pattern == "*" {
        return true;
    }
    // Most patterns (kinds, names, label values) hold no wildcard.
    if !has_wildcard(pattern) {
        return pattern == text;
    }
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == '?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// Whether a string holds a wildcard character.
pub fn has_wildcard(text: &str) -> bool {
    text.contains(['*', '?'])
}

#[cfg(test)]
mod tests {
    use super::matches;

    // Kyverno ext/wildcard/match_test.go.
    #[test]
    fn kyverno_table() {
        let cases: &[(&str, &str, bool)] = &[
            ("*", "s3:GetObject", true),
            ("", "s3:GetObject", false),
            ("", "", true),
            ("s3:*", "s3:ListMultipartUploadParts", true),
            ("s3:ListBucketMultipartUploads", "s3:ListBucket", false),
            ("s3:ListBucket", "s3:ListBucket", true),
            (
                "s3:ListBucketMultipartUploads",
                "s3:ListBucketMultipartUploads",
                true,
            ),
            ("my-bucket/oo*", "my-bucket/oo", true),
            ("my-bucket/In*", "my-bucket/India/Karnataka/", true),
            ("my-bucket/In*", "my-bucket/Karnataka/India/", false),
            (
                "my-bucket/In*/Ka*/Ban",
                "my-bucket/India/Karnataka/Ban",
                true,
            ),
            (
                "my-bucket/In*/Ka*/Ban",
                "my-bucket/India/Karnataka/Ban/Ban/Ban/Ban/Ban",
                true,
            ),
            (
                "my-bucket/In*/Ka*/Ban",
                "my-bucket/India/Karnataka/Area1/Area2/Area3/Ban",
                true,
            ),
            (
                "my-bucket/In*/Ka*/Ban",
                "my-bucket/India/State1/State2/Karnataka/Area1/Area2/Area3/Ban",
                true,
            ),
            (
                "my-bucket/In*/Ka*/Ban",
                "my-bucket/India/Karnataka/Bangalore",
                false,
            ),
            (
                "my-bucket/In*/Ka*/Ban*",
                "my-bucket/India/Karnataka/Bangalore",
                true,
            ),
            ("my-bucket/*", "my-bucket/India", true),
            ("my-bucket/oo*", "my-bucket/odo", false),
            ("my-bucket?/abc*", "mybucket/abc", false),
            ("my-bucket?/abc*", "my-bucket1/abc", true),
            ("my-?-bucket/abc*", "my--bucket/abc", false),
            ("my-?-bucket/abc*", "my-1-bucket/abc", true),
            ("my-?-bucket/abc*", "my-k-bucket/abc", true),
            ("my??bucket/abc*", "mybucket/abc", false),
            ("my??bucket/abc*", "my4abucket/abc", true),
            ("my-bucket?abc*", "my-bucket/abc", true),
            ("my-bucket/abc?efg", "my-bucket/abcdefg", true),
            ("my-bucket/abc?efg", "my-bucket/abc/efg", true),
            ("my-bucket/abc????", "my-bucket/abc", false),
            ("my-bucket/abc????", "my-bucket/abcde", false),
            ("my-bucket/abc????", "my-bucket/abcdefg", true),
            ("my-bucket/abc?", "my-bucket/abc", false),
            ("my-bucket/abc?", "my-bucket/abcd", true),
            ("my-bucket/abc?", "my-bucket/abcde", false),
            ("my-bucket/mnop*?", "my-bucket/mnop", false),
            ("my-bucket/mnop*?", "my-bucket/mnopqrst/mnopqr", true),
            ("my-bucket/mnop*?", "my-bucket/mnopqrst/mnopqrs", true),
            ("my-bucket/mnop*?", "my-bucket/mnop", false),
            ("my-bucket/mnop*?", "my-bucket/mnopq", true),
            ("my-bucket/mnop*?", "my-bucket/mnopqr", true),
            ("my-bucket/mnop*?and", "my-bucket/mnopqand", true),
            ("my-bucket/mnop*?and", "my-bucket/mnopand", false),
            ("my-bucket/mnop*?and", "my-bucket/mnopqand", true),
            ("my-bucket/mnop*?", "my-bucket/mn", false),
            ("my-bucket/mnop*?", "my-bucket/mnopqrst/mnopqrs", true),
            ("my-bucket/mnop*??", "my-bucket/mnopqrst", true),
            ("my-bucket/mnop*qrst", "my-bucket/mnopabcdegqrst", true),
            ("my-bucket/mnop*?and", "my-bucket/mnopqand", true),
            ("my-bucket/mnop*?and", "my-bucket/mnopand", false),
            ("my-bucket/mnop*?and?", "my-bucket/mnopqanda", true),
            ("my-bucket/mnop*?and", "my-bucket/mnopqanda", false),
            ("my-?-bucket/abc*", "my-bucket/mnopqanda", false),
        ];
        for (pattern, text, want) in cases {
            assert_eq!(matches(pattern, text), *want, "{pattern:?} on {text:?}");
        }
    }

    #[test]
    fn hostile_pattern_is_fast() {
        let text = "a".repeat(5000);
        let pattern = format!("{}b", "*a".repeat(200));
        assert!(!matches(&pattern, &text));
    }
}
