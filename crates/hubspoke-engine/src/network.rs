//! Rego builtins that reach the network. hubspoke-lint never opens a connection, so a
//! policy calling one is refused when it loads, with the call's location, rather than
//! failing on every object it meets.

use hubspoke_manifest::{Mark, SourceFile, Span};

use crate::builtin::POLICY_ERROR;
use crate::finding::{Finding, Severity};
use crate::policy::PolicySource;

/// OPA's builtins that perform network I/O.
const NETWORK_BUILTINS: &[&str] = &["http.send", "net.lookup_ip_addr"];

/// A `policy-error` for the first call of a network builtin in `source`, if there is one.
pub(crate) fn network_call(source: &PolicySource) -> Option<Finding> {
    let (line, col, builtin) = first_call(&source.text)?;
    let file = SourceFile::new(
        source.path.as_str(),
        source.path.as_str(),
        source.text.as_str(),
    );
    let start = Mark { line, col };
    let end = Mark {
        line,
        col: col + builtin.chars().count() as u32,
    };
    Some(Finding {
        rule: POLICY_ERROR.to_owned(),
        severity: Severity::Error,
        message: format!(
            "policy failed to load: `{builtin}` is unavailable: hubspoke-lint never reaches the \
             network, so builtins that do are not provided"
        ),
        file: source.path.clone(),
        region: Some(file.region(Span { start, end })),
        object: None,
        path: Default::default(),
        related: Vec::new(),
        effective_namespace: None,
        clusters: Vec::new(),
    })
}

/// Line (1-based), column (0-based, in characters) and name of the first call, outside
/// comments and string literals.
fn first_call(text: &str) -> Option<(u32, u32, &'static str)> {
    let tokens = crate::rego_text::tokens(text)?;
    NETWORK_BUILTINS
        .iter()
        .filter_map(|builtin| {
            let first = crate::rego_text::calls(&tokens, builtin)
                .into_iter()
                .next()?;
            Some((first.line, first.column - 1, *builtin))
        })
        .min()
}

#[cfg(test)]
mod tests {
    use super::first_call;

    #[test]
    fn the_bundled_library_calls_no_network_builtin() {
        for source in crate::bundled_sources() {
            assert_eq!(first_call(&source.text), None, "{}", source.path);
        }
    }

    #[test]
    fn finds_calls_but_not_comments_strings_or_longer_names() {
        assert_eq!(
            first_call("a := 1\n  r := http.send({\"url\": \"x\"})\n"),
            Some((2, 7, "http.send"))
        );
        assert_eq!(
            first_call("# http.send(x)\nmsg := \"http.send(x)\"\n"),
            None
        );
        assert_eq!(
            first_call("x := myhttp.send(1)\ny := http.sender(1)\n"),
            None
        );
        assert_eq!(
            first_call("ips := net.lookup_ip_addr (\"a\")"),
            Some((1, 7, "net.lookup_ip_addr"))
        );
    }
}
