//! The rule ids schema validation reports, with their metadata for `rules`,
//! `explain` and SARIF `tool.driver.rules`.

use hubspoke_diagnostics::{RuleMeta, Severity};

/// A document does not match its schema (wrong type, missing required field, bad enum value...).
pub const INVALID: &str = "schema/invalid";
/// A field the schema does not know (`--strict` only): usually a typo.
pub const UNKNOWN_FIELD: &str = "schema/unknown-field";
/// An object whose apiVersion/kind has no schema (configurable: `--unknown-schema`).
pub const UNKNOWN_KIND: &str = "schema/unknown-kind";
/// A CustomResourceDefinition in the repository that cannot be turned into a schema.
pub const INVALID_CRD: &str = "schema/invalid-crd";

/// Every schema rule id.
pub const ALL: [&str; 4] = [INVALID, INVALID_CRD, UNKNOWN_FIELD, UNKNOWN_KIND];

fn meta(id: &str, title: &str, severity: Severity, description: &str, help: &str) -> RuleMeta {
    RuleMeta::built_in(id, title, "schema", severity, description, help)
}

/// Metadata of every schema rule, sorted by id.
pub fn rules() -> Vec<RuleMeta> {
    let [invalid, invalid_crd, unknown_field, unknown_kind] = examples();
    vec![
        meta(
            INVALID,
            "schema-violation",
            Severity::Error,
            "The object does not match the schema of its apiVersion and kind: a field has the wrong type, a required field is missing, or a value is not allowed. The API server would reject it, so Flux fails to apply the whole Kustomization or HelmRelease it belongs to. Schemas come from Kubernetes (embedded, per `--kubernetes-version`), from Flux (embedded) and from the CustomResourceDefinitions found in the repository, which take precedence. A value that fails a pattern or format because it holds an upper-case placeholder (`REPO_PREFIX/fleet`: a template repository's scripts replace it before anything is applied) is a warning that says so, unless the configuration sets this rule's severity.",
            "Fix the field at the marked position. Flux post-build placeholders (`${VAR}`), Helm templates (`{{ }}`) and SOPS-encrypted values (`ENC[...]`) are accepted wherever a scalar is expected.",
        )
        .with_examples(invalid.0, invalid.1),
        meta(
            INVALID_CRD,
            "invalid-crd",
            Severity::Error,
            "A CustomResourceDefinition in the repository cannot be turned into a schema: it has no group or kind, or its openAPIV3Schema is not a valid schema. Objects of its kind are then checked against the embedded schema for that kind, if any, or reported as `schema/unknown-kind`.",
            "Fix the CRD at the marked position; it is usually generated, so regenerate or re-download it.",
        )
        .with_examples(invalid_crd.0, invalid_crd.1),
        meta(
            UNKNOWN_FIELD,
            "unknown-field",
            Severity::Error,
            "With `--strict`, a field that the object's schema does not define. Usually a typo (`imagePullPolicyy`) or a field at the wrong level; the API server rejects it with strict field validation, or silently drops it.",
            "Correct the field name (the message suggests the closest known field) or move it to where it belongs. Fields under `x-kubernetes-preserve-unknown-fields` (such as HelmRelease `values`) are never reported.",
        )
        .with_examples(unknown_field.0, unknown_field.1),
        meta(
            UNKNOWN_KIND,
            "unknown-schema",
            Severity::Note,
            "No schema is known for the object's apiVersion and kind, so it was not validated: it is not a Kubernetes kind of the selected version, not a Flux kind, and the repository holds no CustomResourceDefinition for it. The message lists the versions of the kind that do have a schema (a removed API version is a common cause).",
            "Add the CRD to the repository (or to a directory linted with it), fix a misspelt apiVersion or kind, or set `--unknown-schema off` (config `schema: {unknown-schema: off}`) to silence it.",
        )
        .with_examples(unknown_kind.0, unknown_kind.1),
    ]
}

type Example = (&'static str, &'static str);

/// "Avoid" and "Prefer" examples of the four schema rules, in [`ALL`] order.
fn examples() -> [(Example, Example); 4] {
    [
        (
            ("deployment.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: two\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27.2\n"),
            ("deployment.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27.2\n"),
        ),
        (
            ("widgets-crd.yaml", "# spec.group is missing.\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  names: {kind: Widget, plural: widgets}\n  scope: Namespaced\n  versions:\n    - name: v1\n      served: true\n      storage: true\n      schema:\n        openAPIV3Schema: {type: object}\n"),
            ("widgets-crd.yaml", "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  names: {kind: Widget, plural: widgets}\n  scope: Namespaced\n  versions:\n    - name: v1\n      served: true\n      storage: true\n      schema:\n        openAPIV3Schema: {type: object}\n"),
        ),
        (
            ("pod.yaml", "# Linted with --strict.\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: nginx:1.27.2\n      imagePullPolicyy: Always\n"),
            ("pod.yaml", "# Linted with --strict.\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: nginx:1.27.2\n      imagePullPolicy: Always\n"),
        ),
        (
            ("ingress.yaml", "# extensions/v1beta1 Ingress was removed in Kubernetes 1.22.\napiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n  rules:\n    - host: web.example.com\n"),
            ("ingress.yaml", "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n  rules:\n    - host: web.example.com\n"),
        ),
    ]
}
