//! The choices of a run: strictness, the Kubernetes version, how objects without
//! a schema are reported, and which schema rules are on at which severity.

use std::collections::{BTreeMap, BTreeSet};

use super::{Schemas, Severity};
use crate::rules;

/// How `unknown-schema` is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnknownSchema {
    /// Not reported.
    Off,
    /// A note (the default).
    #[default]
    Note,
    /// A warning.
    Warning,
}

impl UnknownSchema {
    /// Parse `off`, `note` (or `info`) and `warning`.
    pub fn parse(text: &str) -> Option<UnknownSchema> {
        match text {
            "off" | "none" => Some(UnknownSchema::Off),
            "note" | "info" => Some(UnknownSchema::Note),
            "warning" => Some(UnknownSchema::Warning),
            _ => None,
        }
    }
}

/// Per-run choices.
#[derive(Debug, Clone, Default)]
pub struct SchemaOptions {
    /// Report fields the schema does not define (`schema/unknown-field`).
    pub strict: bool,
    /// A shipped Kubernetes version (see [`crate::kubernetes_versions`]); `None` is the newest.
    pub kubernetes_version: Option<String>,
    /// How objects without a schema are reported.
    pub unknown_schema: UnknownSchema,
    /// Schema rule ids that are off (from `--rule` or the config's `rules.<id>.enabled`).
    pub disabled: BTreeSet<String>,
    /// Severity per rule id, replacing the default.
    pub severity: BTreeMap<String, Severity>,
}

impl Schemas {
    pub(super) fn enabled(&self, rule: &str) -> bool {
        !self.options.disabled.contains(rule)
            && (rule != rules::UNKNOWN_KIND || self.options.unknown_schema != UnknownSchema::Off)
    }

    pub(super) fn severity(&self, rule: &str) -> Severity {
        if rule == rules::UNKNOWN_KIND {
            match self.options.unknown_schema {
                UnknownSchema::Warning => return Severity::Warning,
                UnknownSchema::Note => {
                    return self
                        .options
                        .severity
                        .get(rule)
                        .copied()
                        .unwrap_or(Severity::Note)
                }
                UnknownSchema::Off => {}
            }
        }
        if let Some(s) = self.options.severity.get(rule) {
            return *s;
        }
        match rule {
            rules::UNKNOWN_KIND => Severity::Note,
            _ => Severity::Error,
        }
    }
}
