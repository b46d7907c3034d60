//! The parameters each bundled rule reads, found in its Rego (`params.get(ID, "name", ...)`,
//! `params.strings(ID, "name", ...)` with ID the rule's id or `metadata.id`), so that a
//! configuration naming a parameter no rule reads, or giving it the wrong shape, is an error
//! rather than a silently ignored setting.

use std::collections::BTreeMap;

use crate::ruleset::RuleSet;

/// The shape a parameter accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParameterKind {
    /// `params.strings`: a list of strings (a single string is taken as a list of one).
    Strings,
    /// `params.get`: a single string.
    Text,
}

impl ParameterKind {
    /// Whether `value` has this shape.
    pub fn accepts(self, value: &serde_json::Value) -> bool {
        match self {
            ParameterKind::Strings => {
                value.is_string()
                    || value
                        .as_array()
                        .is_some_and(|items| items.iter().all(serde_json::Value::is_string))
            }
            ParameterKind::Text => value.is_string(),
        }
    }

    /// What this shape is, for error messages.
    pub fn describe(self) -> &'static str {
        match self {
            ParameterKind::Strings => "a list of strings",
            ParameterKind::Text => "a string",
        }
    }
}

/// Parameters by rule id, for the bundled rules (users' policies may read their settings in
/// any way, so they are not checked). A bundled rule missing here reads no parameter.
pub fn rule_parameters(rules: &RuleSet) -> BTreeMap<String, BTreeMap<String, ParameterKind>> {
    let mut out: BTreeMap<String, BTreeMap<String, ParameterKind>> = BTreeMap::new();
    for rule in &rules.rules {
        let Some(source) = rules
            .sources
            .iter()
            .find(|s| s.bundled && s.path == rule.meta.source)
        else {
            continue;
        };
        let declared = out.entry(rule.meta.id.clone()).or_default();
        for (owner, name, kind) in parameter_reads(&source.text) {
            if owner == "metadata.id" || owner == format!("\"{}\"", rule.meta.id) {
                declared.insert(name, kind);
            }
        }
    }
    out
}

/// `(first argument as written, parameter name, kind)` of every `params.get`/`params.strings`
/// call with a literal name.
fn parameter_reads(text: &str) -> Vec<(String, String, ParameterKind)> {
    let mut out = Vec::new();
    for (call, kind) in [
        ("params.get(", ParameterKind::Text),
        ("params.strings(", ParameterKind::Strings),
    ] {
        for (at, _) in text.match_indices(call) {
            let args = &text[at + call.len()..];
            let Some((owner, rest)) = args.split_once(',') else {
                continue;
            };
            let rest = rest.trim_start();
            let Some(name) = rest
                .strip_prefix('"')
                .and_then(|r| r.split_once('"'))
                .map(|(name, _)| name)
            else {
                continue;
            };
            out.push((owner.trim().to_owned(), name.to_owned(), kind));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_literal_parameter_names() {
        let text = "a := params.strings(metadata.id, \"allowed\", [])\nb := params.get(\"HUB1\", \"label\", \"x\")\nc := params.get(id, name, 1)\n";
        assert_eq!(
            parameter_reads(text),
            vec![
                (
                    "\"HUB1\"".to_owned(),
                    "label".to_owned(),
                    ParameterKind::Text
                ),
                (
                    "metadata.id".to_owned(),
                    "allowed".to_owned(),
                    ParameterKind::Strings
                ),
            ]
        );
    }

    #[test]
    fn every_bundled_parameter_is_found() {
        let rules = RuleSet::load(crate::bundled_sources());
        let parameters = rule_parameters(&rules);
        assert_eq!(
            parameters["BP006"].get("allowed_registries"),
            Some(&ParameterKind::Strings)
        );
        assert_eq!(
            parameters["HUB010"].keys().collect::<Vec<_>>(),
            ["exempt_namespaces", "forbidden_roles", "tenant_label"]
        );
        assert!(parameters["PSS001"].is_empty());
    }
}
