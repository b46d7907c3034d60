//! "Did you mean …?" for a mistyped name: a subcommand, a rule id, a tag.
//!
//! The measure and threshold are clap's own for its suggestions (Jaro similarity above
//! 0.7, `strsim`), so that a mistyped flag, which clap answers, and a mistyped rule id,
//! which we answer, are suggested alike.

use std::collections::BTreeSet;

use hubspoke_diagnostics::RuleMeta;

/// clap's threshold: below it a suggestion is more likely noise than help.
const THRESHOLD: f64 = 0.7;

/// The candidate closest to `typed`, if any is close enough; equal scores go to the
/// earlier candidate, so the answer does not depend on anything but the order given.
/// Case is ignored (`pss001` is `PSS001`).
pub fn closest<'a>(typed: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let typed = typed.to_lowercase();
    let mut best: Option<(f64, &'a str)> = None;
    for candidate in candidates {
        let score = strsim::jaro(&typed, &candidate.to_lowercase());
        if score > THRESHOLD && best.is_none_or(|(top, _)| score > top) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, name)| name)
}

/// ` (did you mean `ID`?)` for the rule id closest to `typed`, else nothing: for an
/// "unknown rule" message.
pub fn did_you_mean_rule(typed: &str, catalog: &[RuleMeta]) -> String {
    did_you_mean(closest(typed, catalog.iter().map(|rule| rule.id.as_str())))
}

/// As [`did_you_mean_rule`], for a name that may be a rule id or a tag (the keys of
/// `rules:` in the configuration): ids first, then the tags in order.
pub fn did_you_mean_rule_or_tag(typed: &str, catalog: &[RuleMeta]) -> String {
    let tags: BTreeSet<&str> = catalog
        .iter()
        .flat_map(|rule| rule.tags.iter().map(String::as_str))
        .collect();
    let ids = catalog.iter().map(|rule| rule.id.as_str());
    did_you_mean(closest(typed, ids.chain(tags)))
}

fn did_you_mean(name: Option<&str>) -> String {
    name.map(|name| format!(" (did you mean `{name}`?)"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_closest_name_above_the_threshold_is_suggested() {
        let ids = ["PSS001", "PSS010", "HUB001", "no-files"];
        assert_eq!(closest("PSS0001", ids), Some("PSS001"));
        assert_eq!(closest("pss010", ids), Some("PSS010"));
        assert_eq!(closest("HUB01", ids), Some("HUB001"));
        assert_eq!(closest("no-file", ids), Some("no-files"));
        assert_eq!(closest("kustomize", ids), None);
        assert_eq!(closest("", ids), None);
        assert_eq!(
            closest("expalin", ["rules", "explain", "graph"]),
            Some("explain")
        );
        assert_eq!(
            closest("rulse", ["rules", "explain", "graph"]),
            Some("rules")
        );
    }
}
