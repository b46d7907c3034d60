//! `validate.podSecurity` rules as Kyverno's engine decides them
//! (`pkg/engine/handlers/validation/validate_pss.go`, `pkg/pss/evaluate.go`).
//!
//! This crate knows nothing of Rego: the Pod Security Standards checks
//! themselves are the linter's bundled whole-profile rules, which the caller
//! hands in as a [`PodSecurityStandards`]. What is Kyverno's, and so here:
//!
//! - the controls a rule's `exclude` and an exception's `podSecurity` may name,
//!   checked as Kyverno's policy validation checks them ([`controls`]);
//! - the versions Kyverno reads (`latest` or `v1.x`);
//! - the kinds it takes a pod spec from (a Pod, a pod controller's template);
//! - the verdict ([`verdict`]): pass when the rule's own `exclude` leaves no
//!   violation; otherwise, when every applying exception lists `podSecurity`
//!   controls (the engine has skipped the rule already when one does not), skip
//!   when their controls exempt every remaining violation; fail else.

use hubspoke_manifest::PathSegment;
use serde_json::Value;

use crate::evaluate::Outcome;
use crate::policy::parse::{self, child, index, Problems};

/// The Pod Security Standards checks, with Kyverno's `exclude` exemptions: the
/// linter's bundled whole-profile rules, given by the layer that has them.
pub trait PodSecurityStandards {
    /// The violations of `level` (`baseline` or `restricted`, at version
    /// `latest`) in the pod spec of `resource` (a Pod or a pod controller), after
    /// the exemptions of `exclude` (a list in Kyverno's `exclude` form). One
    /// message per violation; empty when the pod meets the level. `Err` when the
    /// checks could not run (the message says why).
    fn violations(
        &self,
        level: &str,
        exclude: &Value,
        resource: &Value,
    ) -> Result<Vec<String>, String>;
}

/// Pod Security control names, as Kyverno's CRD enumerates them.
pub const CONTROL_NAMES: [&str; 15] = [
    "HostProcess",
    "Host Namespaces",
    "Privileged Containers",
    "Capabilities",
    "HostPath Volumes",
    "Host Ports",
    "AppArmor",
    "SELinux",
    "/proc Mount Type",
    "Seccomp",
    "Sysctls",
    "Volume Types",
    "Privilege Escalation",
    "Running as Non-root",
    "Running as Non-root user",
];

/// Controls checked per container: an exemption must name the images it is for.
const CONTAINER_LEVEL_CONTROLS: [&str; 5] = [
    "Capabilities",
    "Privileged Containers",
    "Host Ports",
    "/proc Mount Type",
    "Privilege Escalation",
];

/// Controls checked on the pod only: an exemption naming images is refused.
const POD_LEVEL_CONTROLS: [&str; 4] = [
    "Host Namespaces",
    "HostPath Volumes",
    "Sysctls",
    "Volume Types",
];

/// Controls of the restricted level only: a `baseline` rule may not exempt them,
/// except `Seccomp` and `Capabilities`, which baseline checks too
/// (`Rule.ValidatePSaControlNames`).
const RESTRICTED_ONLY_CONTROLS: [&str; 4] = [
    "Volume Types",
    "Privilege Escalation",
    "Running as Non-root",
    "Running as Non-root user",
];

/// Kinds Kyverno takes a pod spec from (`getSpec`); any other is an error.
const POD_KINDS: [&str; 8] = [
    "Pod",
    "DaemonSet",
    "Deployment",
    "Job",
    "StatefulSet",
    "ReplicaSet",
    "ReplicationController",
    "CronJob",
];

/// A list of controls to exempt (a rule's `exclude`, an exception's
/// `podSecurity`) at `at`, checked as Kyverno's `PodSecurityStandard.Validate`
/// and the CRD check it: a list of mappings, a known `controlName`, `images` for a
/// container-level control and none for a pod-level one, `restrictedField` and
/// `values` together. Every problem is one Kyverno refuses the policy or
/// exception for. The entries as written.
pub(crate) fn controls(
    value: Option<&Value>,
    at: &[PathSegment],
    problems: &mut Problems<'_>,
) -> Vec<Value> {
    let name = match at.last() {
        Some(PathSegment::Key(key)) => key.as_str(),
        _ => "podSecurity",
    };
    let list = match value {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(list)) => list,
        Some(_) => {
            problems.add(at, format!("{name} must be a list of controls"));
            return Vec::new();
        }
    };
    for (i, entry) in list.iter().enumerate() {
        let entry_path = index(at, i);
        let Some(fields) = entry.as_object() else {
            problems.add(&entry_path, format!("an entry of {name} must be a mapping"));
            continue;
        };
        let control = fields
            .get("controlName")
            .and_then(Value::as_str)
            .unwrap_or("");
        let control_path = child(&entry_path, "controlName");
        if !CONTROL_NAMES.contains(&control) {
            problems.add(
                &control_path,
                format!(
                    "controlName must be one of {}, not {control:?}",
                    CONTROL_NAMES.join(", ")
                ),
            );
        }
        let images = parse::strings(
            fields.get("images"),
            &child(&entry_path, "images"),
            problems,
        );
        if CONTAINER_LEVEL_CONTROLS.contains(&control) && images.is_empty() {
            problems.add(
                &control_path,
                "exclude.images must be specified for the container level control",
            );
        } else if POD_LEVEL_CONTROLS.contains(&control) && !images.is_empty() {
            problems.add(
                &control_path,
                "exclude.images must not be specified for the pod level control",
            );
        }
        let field_path = child(&entry_path, "restrictedField");
        let field_given = match fields.get("restrictedField") {
            None | Some(Value::Null) => false,
            Some(Value::String(field)) => !field.is_empty(),
            Some(_) => {
                problems.add(&field_path, "restrictedField must be a string");
                true
            }
        };
        let values = parse::strings(
            fields.get("values"),
            &child(&entry_path, "values"),
            problems,
        );
        if field_given && values.is_empty() {
            problems.add(&child(&entry_path, "values"), "values is required");
        }
        if !field_given && !values.is_empty() {
            problems.add(&field_path, "restrictedField is required");
        }
    }
    list.clone()
}

/// A `baseline` rule's `exclude` naming a control only `restricted` checks,
/// refused as Kyverno refuses it.
pub(crate) fn check_level_controls(
    level: &str,
    exclude: &[Value],
    at: &[PathSegment],
    problems: &mut Problems<'_>,
) {
    if level != "baseline" {
        return;
    }
    for (i, entry) in exclude.iter().enumerate() {
        let control = entry
            .get("controlName")
            .and_then(Value::as_str)
            .unwrap_or("");
        if RESTRICTED_ONLY_CONTROLS.contains(&control) {
            problems.add(
                &child(&index(at, i), "controlName"),
                format!("Invalid control name defined at the given level: {control:?} is checked by the restricted level only"),
            );
        }
    }
}

/// Whether Kyverno reads `version` (`pss.ParseVersion`): unset, `latest`, or
/// `v1.<minor>` without leading zeros.
pub fn version_is_valid(version: Option<&str>) -> bool {
    match version {
        None | Some("" | "latest") => true,
        Some(v) => v.strip_prefix("v1.").is_some_and(|minor| {
            !minor.is_empty()
                && minor.bytes().all(|b| b.is_ascii_digit())
                && (minor == "0" || !minor.starts_with('0'))
        }),
    }
}

/// A rule's `exclude` with the applying exceptions' controls appended: Kyverno
/// applies the exceptions' entries after the rule's, one after the other. An
/// `exclude` that is not a list (malformed) is left as written.
pub fn with_exception_controls(exclude: &Value, controls: &[Value]) -> Value {
    match exclude {
        _ if controls.is_empty() => exclude.clone(),
        Value::Null => Value::Array(controls.to_vec()),
        Value::Array(list) => Value::Array(list.iter().chain(controls).cloned().collect()),
        other => other.clone(),
    }
}

/// A `podSecurity` rule on one resource.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The rule's name as Kyverno reports it.
    pub rule: &'a str,
    /// `privileged`, `baseline` or `restricted`.
    pub level: &'a str,
    /// The version as written (`None`: unset).
    pub version: Option<&'a str>,
    /// The rule's `exclude`, as written.
    pub exclude: &'a Value,
    /// The `podSecurity` controls of the exceptions that apply (all of them list
    /// some: one that does not has skipped the rule).
    pub exception_controls: &'a [Value],
    /// Those exceptions' keys (`name` or `namespace/name`).
    pub exceptions: &'a [String],
    /// The resource.
    pub resource: &'a Value,
}

/// Kyverno's result for a `podSecurity` rule on a resource, and its message.
pub fn verdict(standards: &dyn PodSecurityStandards, request: &Request<'_>) -> (Outcome, String) {
    let error = |message: String| {
        (
            Outcome::Error {
                message: message.clone(),
            },
            message,
        )
    };
    let kind = request
        .resource
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("");
    if !POD_KINDS.contains(&kind) {
        return error(
            "Error while getting new resource: could not find correct resource type".to_owned(),
        );
    }
    if !version_is_valid(request.version) {
        return error(
            "failed to parse pod security api version: must be \"latest\" or \"v1.x\"".to_owned(),
        );
    }
    // Kyverno's `evaluatePSS` leaves out the restricted checks for `baseline`
    // only: a `privileged` rule runs every check, as `restricted` does.
    let level = if request.level == "baseline" {
        "baseline"
    } else {
        "restricted"
    };
    let violations = match standards.violations(level, request.exclude, request.resource) {
        Ok(found) => found,
        Err(message) => return error(message),
    };
    if violations.is_empty() {
        return (
            Outcome::Pass,
            format!("Validation rule '{}' passed.", request.rule),
        );
    }
    let mut remaining = violations;
    if !request.exceptions.is_empty() {
        let exclude = with_exception_controls(request.exclude, request.exception_controls);
        match standards.violations(level, &exclude, request.resource) {
            Ok(left) if left.is_empty() => {
                let reason = format!(
                    "rule is skipped due to policy exceptions {}",
                    request.exceptions.join(", ")
                );
                return (
                    Outcome::Skip {
                        reason: reason.clone(),
                    },
                    reason,
                );
            }
            Ok(left) => remaining = left,
            Err(message) => return error(message),
        }
    }
    let message = format!(
        "Validation rule '{}' failed. It violates PodSecurity \"{}:{}\": {}",
        request.rule,
        request.level,
        request.version.unwrap_or(""),
        remaining.join("; ")
    );
    (
        Outcome::Fail {
            violations: Vec::new(),
        },
        message,
    )
}

#[cfg(test)]
mod tests;
