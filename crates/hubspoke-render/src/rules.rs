//! The rules render problems are reported under (`render/<problem>`): their
//! metadata for `hubspoke-lint rules`, `explain`, docs/rules.md and SARIF
//! descriptors. A problem kustomize or Flux fails on is an error; one they
//! accept silently (a patch target that selects nothing) a warning.

use hubspoke_diagnostics::{RuleExamples, RuleMeta, Severity};

use crate::problem::ProblemCode;

/// The tag of every render rule.
pub const RENDER_TAG: &str = "render";

/// Metadata of every render rule, sorted by id.
pub fn render_rules() -> Vec<RuleMeta> {
    let mut rules: Vec<RuleMeta> = ProblemCode::ALL.iter().map(|c| rule_meta(*c)).collect();
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    rules
}

/// The severity of a problem's finding: an error when kustomize or Flux fails on
/// it, a warning when they go on.
pub fn problem_severity(kustomize_fails: bool) -> Severity {
    if kustomize_fails {
        Severity::Error
    } else {
        Severity::Warning
    }
}

/// Metadata of the rule of one problem code.
pub fn rule_meta(code: ProblemCode) -> RuleMeta {
    let (severity, description, help) = text(code);
    let (fail, pass) = examples(code);
    let mut meta = RuleMeta::built_in(
        &code.rule_id(),
        code.id(),
        RENDER_TAG,
        severity,
        description,
        help,
    );
    meta.examples = RuleExamples {
        fail: Some(fail),
        pass: Some(pass),
    };
    meta
}

/// Default severity, description and help of a problem code's rule.
fn text(code: ProblemCode) -> (Severity, &'static str, &'static str) {
    use ProblemCode as P;
    use Severity::{Error, Warning};
    match code {
        P::Cycle => (Error, "A kustomization includes itself, directly or through other kustomizations. kustomize refuses to build it, so Flux fails the reconcile of every Kustomization that builds it.", "Remove the entry of `resources`, `bases` or `components` that leads back to the kustomization."),
        P::MissingFile => (Error, "A kustomization names a file or directory that is not among the linted files. kustomize fails on it, and Flux with it.", "Fix the path (relative to the kustomization's directory), or add the file; a file excluded from linting cannot be rendered either."),
        P::MissingKustomization => (Error, "A directory used as a base or component has no kustomization.yaml. kustomize refuses to use it.", "Add a kustomization.yaml to the directory, or list its files one by one."),
        P::InvalidKustomization => (Error, "A kustomization.yaml field has the wrong type, an unknown name or a bad value. kustomize refuses to read the file.", "Fix the field as the message says; `kubectl kustomize DIR` shows kustomize's own error."),
        P::OutsideRoot => (Error, "A kustomization names a path that climbs out of the repository or is absolute. Flux builds from the repository alone (and kustomize refuses to leave its root), so the build fails.", "Keep every path inside the repository: move the shared files in, or make them a remote base."),
        P::InvalidResource => (Error, "A resource file holds a document that is not a Kubernetes object (no `apiVersion` or `kind`). kustomize refuses it.", "Give the document its `apiVersion` and `kind`, or take the file out of `resources`."),
        P::IdConflict => (Error, "Two resources of one build end up with the same group, kind, namespace and name (written twice, or colliding after `namespace`, `namePrefix` or `nameSuffix`). kustomize refuses the build.", "Keep one definition, rename one of them, or patch the other instead of adding it again."),
        P::PatchTargetNotFound => (Error, "A patch selects no resource. A strategic-merge patch without target that names no object fails the build (an error); a `target` selecting nothing is accepted silently by kustomize and changes nothing (a warning).", "Fix the patch's target (kind, name, namespace, label selector) or its own name so that it selects what it means to change, or remove it."),
        P::InvalidPatch => (Error, "A patch cannot be read or applied: not YAML, not an object, several objects where one is expected, or a strategic-merge directive kustomize rejects. kustomize fails on it.", "Fix the patch so that it is one object (strategic merge) or a list of operations (JSON 6902)."),
        P::InvalidJsonPatch => (Error, "A JSON 6902 operation is invalid (unknown op, bad path) or fails on the resource (the path does not exist). kustomize fails on it.", "Fix the operation's `path` (a JSON pointer such as `/spec/replicas`), use `add` for a field that may be absent, or target the right resource."),
        P::InvalidSelector => (Error, "A patch or replacement target has a regular expression or label selector that does not parse. kustomize fails on it.", "Fix the selector: names are anchored regular expressions, selectors use Kubernetes label-selector syntax."),
        P::InvalidGenerator => (Error, "A configMapGenerator or secretGenerator cannot produce its object: no name, an unknown behavior, a repeated key, a merge with nothing to merge into. kustomize fails on it.", "Fix the generator as the message says."),
        P::GeneratorInput => (Error, "A file a generator reads (`files:`, `envs:`) cannot be read, or lies outside the repository. kustomize fails on it.", "Fix the path, or add the file to the repository."),
        P::TransformFailed => (Error, "A transformer (labels, annotations, namespace, images, replicas) cannot be applied to a resource, e.g. its field path runs through a scalar. kustomize fails on it.", "Fix the resource's field, or the transformer's field specification."),
        P::ReplicasTargetNotFound => (Error, "A `replicas:` entry names no workload of the build. kustomize fails on it.", "Fix the name, or remove the entry."),
        P::InvalidReplacement => (Error, "A replacement's source or target cannot be resolved: the object or field does not exist. kustomize fails on it.", "Fix the replacement's `source` or `targets`, or mark the target `options.create: true`."),
        P::AmbiguousReference => (Error, "A name reference matches several objects (two ConfigMaps a Deployment could mean). kustomize refuses to guess.", "Make the names unique in the build, or split the build."),
        P::InvalidConfiguration => (Error, "A `configurations:` file cannot be read as kustomize transformer configuration. kustomize fails on it.", "Fix the file (`nameReference`, `commonLabels`, `images` field specifications), or remove the entry."),
        P::FluxPathNotFound => (Error, "A Flux Kustomization's `spec.path` names no directory of the repository. Flux fails the reconcile; nothing below it is applied.", "Fix `spec.path` (relative to the repository root), or add the directory."),
        P::FluxCycle => (Error, "A Flux Kustomization is applied again by its own descendant with another spec: the two definitions overwrite each other at every reconcile, and each prunes what the other applied. A descendant re-applying it exactly as it was applied (the bootstrap re-applied by a Kustomization of the whole tree) is what Flux tolerates, and not reported.", "Keep one definition of the Kustomization: remove the other from the directory its descendant applies, or make the two identical."),
        P::FluxInvalidSpec => (Error, "A field of a Flux Kustomization's spec that Flux cannot use (a patch without `patch`, a component outside the repository). Flux fails the reconcile.", "Fix the field as the message says."),
        P::FluxInvalidObject => (Error, "A rendered object lacks `apiVersion`, `kind` or `metadata.name`. Flux refuses to apply it and fails the reconcile.", "Give the object its identity (check patches that may remove it)."),
        P::SubstituteUndefined => (Error, "A `${VAR}` without a default reads a variable the Flux Kustomization does not define. With strict substitution (on by default since kustomize-controller v1.9) Flux fails the reconcile.", "Define the variable in `spec.postBuild.substitute` or a `substituteFrom` ConfigMap or Secret, or give it a default: `${VAR:=value}`."),
        P::SubstituteSyntax => (Error, "Text Flux's post-build substitution cannot parse or evaluate (`${var-x}`, an unclosed `${`, a bad operator). Flux fails the reconcile.", "Use Flux's syntax (`${var}`, `${var:=default}`, `${var:-default}`), or write `$${` for a literal `${`."),
        P::SubstituteInvalidYaml => (Error, "A substituted value breaks the YAML of the object (a plain value made of `a: b`, a broken list). Flux fails the reconcile.", "Quote the placeholder (`\"${VAR}\"`), or change the variable's value."),
        P::SubstituteInvalidName => (Error, "A post-build variable's name is not one Flux accepts (`^[_[:alpha:]][_[:alpha:][:digit:]]*$`). Flux fails every substitution of the Kustomization.", "Rename the variable: letters, digits and underscores, not starting with a digit."),
        P::SubstituteFromMissing => (Warning, "`spec.postBuild.substituteFrom` names a ConfigMap or Secret the repository does not define. Flux fails unless it exists in the cluster; its variables are unknown offline.", "Define the object in the repository, or mark the entry `optional: true` if it may be absent."),
    }
}

type Example = (&'static str, &'static str);

/// The "Avoid" and "Prefer" examples of a problem code's rule.
fn examples(code: ProblemCode) -> (Example, Example) {
    use ProblemCode as P;
    const NAME: &str = "kustomization.yaml";
    match code {
        P::Cycle => (
            ("apps/base/kustomization.yaml", "# apps/base includes apps/overlay, which includes apps/base.\nresources:\n  - ../overlay\n"),
            ("apps/base/kustomization.yaml", "resources:\n  - deployment.yaml\n"),
        ),
        P::MissingFile => (
            (NAME, "resources:\n  - deployment.yaml\n  - servce.yaml   # the file is service.yaml\n"),
            (NAME, "resources:\n  - deployment.yaml\n  - service.yaml\n"),
        ),
        P::MissingKustomization => (
            ("apps/web/kustomization.yaml", "# apps/shared holds YAML files but no kustomization.yaml.\nresources:\n  - ../shared\n"),
            ("apps/web/kustomization.yaml", "resources:\n  - ../shared/configmap.yaml\n"),
        ),
        P::InvalidKustomization => (
            (NAME, "resources: deployment.yaml   # a list is expected\n"),
            (NAME, "resources:\n  - deployment.yaml\n"),
        ),
        P::OutsideRoot => (
            (NAME, "resources:\n  - ../../../shared/deployment.yaml   # above the repository root\n"),
            (NAME, "resources:\n  - ../../shared/deployment.yaml\n"),
        ),
        P::InvalidResource => (
            ("settings.yaml", "# Listed in resources, but not a Kubernetes object.\nlogLevel: debug\n"),
            ("settings.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  logLevel: debug\n"),
        ),
        P::IdConflict => (
            (NAME, "# Both overlays define Deployment web in one namespace.\nnamespace: web\nresources:\n  - ../blue\n  - ../green\n"),
            (NAME, "namespace: web\nresources:\n  - ../blue\n  - ../green\nnameSuffix: \"\"\n# blue and green each set their own nameSuffix (-blue, -green).\n"),
        ),
        P::PatchTargetNotFound => (
            (NAME, "resources:\n  - deployment.yaml   # Deployment web\npatches:\n  - path: replicas.yaml\n    target:\n      kind: Deployment\n      name: webapp\n"),
            (NAME, "resources:\n  - deployment.yaml\npatches:\n  - path: replicas.yaml\n    target:\n      kind: Deployment\n      name: web\n"),
        ),
        P::InvalidPatch => (
            (NAME, "resources:\n  - deployment.yaml\npatches:\n  - patch: |\n      not: [valid\n"),
            (NAME, "resources:\n  - deployment.yaml\npatches:\n  - patch: |\n      apiVersion: apps/v1\n      kind: Deployment\n      metadata:\n        name: web\n      spec:\n        replicas: 3\n"),
        ),
        P::InvalidJsonPatch => (
            (NAME, "resources:\n  - deployment.yaml\npatches:\n  - target: {kind: Deployment, name: web}\n    patch: |\n      - op: replace\n        path: /spec/template/spec/nodeSelector/zone   # no nodeSelector yet\n        value: a\n"),
            (NAME, "resources:\n  - deployment.yaml\npatches:\n  - target: {kind: Deployment, name: web}\n    patch: |\n      - op: add\n        path: /spec/template/spec/nodeSelector\n        value: {zone: a}\n"),
        ),
        P::InvalidSelector => (
            (NAME, "resources:\n  - deployment.yaml\npatches:\n  - path: patch.yaml\n    target:\n      name: \"web-(\"\n"),
            (NAME, "resources:\n  - deployment.yaml\npatches:\n  - path: patch.yaml\n    target:\n      name: \"web-.*\"\n"),
        ),
        P::InvalidGenerator => (
            (NAME, "configMapGenerator:\n  - name: settings\n    literals:\n      - level=debug\n      - level=info\n"),
            (NAME, "configMapGenerator:\n  - name: settings\n    literals:\n      - level=info\n"),
        ),
        P::GeneratorInput => (
            (NAME, "configMapGenerator:\n  - name: settings\n    files:\n      - app.properties   # not in the repository\n"),
            (NAME, "configMapGenerator:\n  - name: settings\n    files:\n      - config/app.properties\n"),
        ),
        P::TransformFailed => (
            (NAME, "resources:\n  - deployment.yaml   # spec.template is a string\ncommonLabels:\n  app: web\n"),
            (NAME, "resources:\n  - deployment.yaml\nlabels:\n  - pairs:\n      app: web\n"),
        ),
        P::ReplicasTargetNotFound => (
            (NAME, "resources:\n  - deployment.yaml   # Deployment web\nreplicas:\n  - name: webapp\n    count: 3\n"),
            (NAME, "resources:\n  - deployment.yaml\nreplicas:\n  - name: web\n    count: 3\n"),
        ),
        P::InvalidReplacement => (
            (NAME, "resources:\n  - deployment.yaml\nreplacements:\n  - source: {kind: ConfigMap, name: versions, fieldPath: data.web}\n    targets:\n      - select: {kind: Deployment}\n        fieldPaths: [spec.template.spec.containers.[name=web].image]\n# No ConfigMap versions in the build.\n"),
            (NAME, "resources:\n  - deployment.yaml\n  - versions.yaml\nreplacements:\n  - source: {kind: ConfigMap, name: versions, fieldPath: data.web}\n    targets:\n      - select: {kind: Deployment}\n        fieldPaths: [spec.template.spec.containers.[name=web].image]\n"),
        ),
        P::AmbiguousReference => (
            (NAME, "# Two ConfigMaps named settings (namespaces a and b) and a Deployment\n# in a third namespace reading `settings`.\nresources:\n  - a/settings.yaml\n  - b/settings.yaml\n  - deployment.yaml\n"),
            (NAME, "resources:\n  - a/settings.yaml\n  - deployment.yaml\n"),
        ),
        P::InvalidConfiguration => (
            (NAME, "configurations:\n  - kustomizeconfig.yaml   # holds `nameReference: web`\n"),
            (NAME, "configurations:\n  - kustomizeconfig.yaml   # holds a list of nameReference entries\n"),
        ),
        P::FluxPathNotFound => (
            ("clusters/prod/apps.yaml", "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./apps/prodution\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n"),
            ("clusters/prod/apps.yaml", "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./apps/production\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n"),
        ),
        P::FluxCycle => (
            ("clusters/prod/infra.yaml", "# Kustomization infra applies ./infrastructure, which holds the Kustomization\n# apps, whose path ./clusters/staging holds another infra (path ./infrastructure/staging).\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: infra\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./infrastructure\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n"),
            ("clusters/prod/infra.yaml", "# What leads back here from ./infrastructure applies infra exactly as written here.\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: infra\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./infrastructure\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n"),
        ),
        P::FluxInvalidSpec => (
            ("clusters/prod/apps.yaml", "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./apps\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  patches:\n    - target:\n        kind: Deployment\n"),
            ("clusters/prod/apps.yaml", "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./apps\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  patches:\n    - target:\n        kind: Deployment\n      patch: |\n        - op: add\n          path: /spec/replicas\n          value: 2\n"),
        ),
        P::FluxInvalidObject => (
            ("apps/settings.yaml", "# Listed by the Flux Kustomization's directory: no metadata.name.\napiVersion: v1\nkind: ConfigMap\ndata:\n  level: info\n"),
            ("apps/settings.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  level: info\n"),
        ),
        P::SubstituteUndefined => (
            ("apps/settings.yaml", "# The Kustomization applying it substitutes cluster_env only.\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  region: ${cluster_region}\n"),
            ("apps/settings.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  region: ${cluster_region:=eu-west-1}\n"),
        ),
        P::SubstituteSyntax => (
            ("apps/settings.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  region: ${cluster_region-eu-west-1}\n"),
            ("apps/settings.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  region: ${cluster_region:-eu-west-1}\n"),
        ),
        P::SubstituteInvalidYaml => (
            ("apps/settings.yaml", "# postBuild.substitute: {banner: \"status: ok\"}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  banner: ${banner}\n"),
            ("apps/settings.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  banner: \"${banner}\"\n"),
        ),
        P::SubstituteInvalidName => (
            ("clusters/prod/apps.yaml", "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./apps\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  postBuild:\n    substitute:\n      cluster-env: production\n"),
            ("clusters/prod/apps.yaml", "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./apps\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  postBuild:\n    substitute:\n      cluster_env: production\n"),
        ),
        P::SubstituteFromMissing => (
            ("clusters/prod/apps.yaml", "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./apps\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: cluster-vars   # defined nowhere in the repository\n"),
            ("clusters/prod/apps.yaml", "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./apps\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: cluster-vars\n        optional: true   # created out of band on some clusters\n"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_has_a_rule_with_examples() {
        let rules = render_rules();
        assert_eq!(rules.len(), ProblemCode::ALL.len());
        for meta in &rules {
            assert!(meta.id.starts_with("render/"), "{}", meta.id);
            assert!(meta.examples.fail.is_some() && meta.examples.pass.is_some());
            assert!(meta.description.ends_with('.'), "{}", meta.id);
        }
        let ids: std::collections::BTreeSet<&str> = rules.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids.len(), rules.len());
        assert_eq!(
            rule_meta(ProblemCode::PatchTargetNotFound).id,
            "render/kustomize-patch-target-not-found"
        );
    }
}
