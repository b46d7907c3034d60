//! Regressions, named after their issue.

use crate::support::{code, f, findings, json, run};

const ISSUE_17_YAML: &str = "fixtures/regression/issue-17-yaml";

/// `0-0` and `0-1` were read as the integers 0 and -1, so a valid ConfigMap failed
/// schema validation; Kubernetes reads them (and `10-20`, `1:30`) as strings.
#[test]
fn issue_17_plain_scalars_kubernetes_reads_as_strings_pass_schema_validation() {
    let output = run(
        None,
        &[
            &format!("{ISSUE_17_YAML}/configmap.yaml"),
            "--format",
            "json",
        ],
    );
    assert_eq!(findings(&json(&output)), vec![]);
    assert_eq!(code(&output), 0);
}

/// `!!merge <<: *anchor` was an unknown tag and no merge, so the sidecar's inherited
/// `privileged: true` was missed. Both containers are found, at the line that sets it.
#[test]
fn issue_17_a_privileged_flag_inherited_through_a_tagged_merge_key_is_found() {
    let output = run(
        None,
        &[
            &format!("{ISSUE_17_YAML}/pod.yaml"),
            "--format",
            "json",
            "--rule",
            "PSS001",
        ],
    );
    let report = json(&output);
    let file = format!("{ISSUE_17_YAML}/pod.yaml");
    assert_eq!(
        findings(&report),
        vec![f("PSS001", &file, 12), f("PSS001", &file, 12)]
    );
    let located: Vec<(u64, u64, &str)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|x| {
            (
                x["column"].as_u64().expect("column"),
                x["end_column"].as_u64().expect("end column"),
                x["message"].as_str().expect("message"),
            )
        })
        .collect();
    assert_eq!(
        located,
        vec![
            (
                21,
                25,
                "container \"app\" of Pod \"merged\" runs privileged"
            ),
            (
                21,
                25,
                "container \"sidecar\" of Pod \"merged\" runs privileged"
            ),
        ]
    );
    assert_eq!(code(&output), 1);
}

const ISSUE_17_NOT_MANIFESTS: &str = "fixtures/regression/issue-17-not-manifests";

/// Generator inputs and Helm values (an application's configuration with its own tags, a
/// duplicate key, a scheduler configuration shaped like an object), and YAML that is no
/// Kubernetes object (Ansible, authentik), were linted as manifests; a kustomize patch was
/// judged as a whole Deployment. Only the custom tag in a real resource is left.
#[test]
fn issue_17_generator_inputs_foreign_yaml_and_patches_are_not_judged_as_manifests() {
    let output = run(None, &[ISSUE_17_NOT_MANIFESTS, "--format", "json"]);
    let report = json(&output);
    assert_eq!(
        findings(&report),
        vec![f(
            "unknown-tag",
            &format!("{ISSUE_17_NOT_MANIFESTS}/apps/home-assistant/tagged-configmap.yaml"),
            7
        )]
    );
    assert_eq!(report["findings"][0]["column"], 11);
    assert_eq!(code(&output), 0);
}

/// The rules of the user's policy directories still run on a kustomize patch, and can tell
/// it from a whole object.
#[test]
fn issue_17_user_rules_see_whether_a_document_is_a_patch() {
    let dir = tempfile::tempdir().expect("tempdir");
    crate::support::user_policy(
        dir.path(),
        "patch_context",
        "USR001",
        "violations contains sprintf(\"patch: %v\", [hubspoke.context(\"patch\")]) if input.kind == \"Deployment\"\n",
    );
    let policies = dir.path().join("policies");
    let output = run(
        None,
        &[
            ISSUE_17_NOT_MANIFESTS,
            "--policy",
            policies.to_str().expect("UTF-8 path"),
            "--rule",
            "USR001",
            "--format",
            "json",
        ],
    );
    let report = json(&output);
    let seen: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|x| x["rule"] == "USR001")
        .map(|x| {
            (
                x["file"].as_str().expect("file"),
                x["message"].as_str().expect("message"),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                "fixtures/regression/issue-17-not-manifests/apps/home-assistant/deployment.yaml",
                "patch: false"
            ),
            (
                "fixtures/regression/issue-17-not-manifests/apps/home-assistant/patches/replicas.yaml",
                "patch: true"
            ),
        ]
    );
}

fn write(dir: &std::path::Path, name: &str, text: &str) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, text).expect("write");
}

/// `(rule, file, line, column, severity, message)` of every finding.
fn detailed(report: &serde_json::Value) -> Vec<(String, String, u64, u64, String, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|x| {
            let text = |key: &str| x[key].as_str().expect("text field").to_owned();
            let number = |key: &str| x[key].as_u64().expect("number field");
            (
                text("rule"),
                text("file"),
                number("line"),
                number("column"),
                text("severity"),
                text("message"),
            )
        })
        .collect()
}

const HUB_SYNC: &str = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 1m\n  ref: {branch: main}\n  url: https://github.com/example/fleet\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./clusters/hub\n  prune: true\n  sourceRef: {kind: GitRepository, name: flux-system}\n";

/// A hub reaching three spokes: `qa` provisioned by Cluster API (which writes
/// `qa-kubeconfig`), `edge` and `lab` through Secrets a bootstrap script creates.
fn write_kubeconfig_fleet(dir: &std::path::Path) {
    write(dir, "clusters/hub/flux-system/gotk-sync.yaml", HUB_SYNC);
    let spoke = |name: &str| {
        format!("---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./clusters/{name}\n  prune: true\n  sourceRef: {{kind: GitRepository, name: flux-system}}\n  kubeConfig:\n    secretRef:\n      name: {name}-kubeconfig\n")
    };
    write(
        dir,
        "clusters/hub/spokes.yaml",
        &format!(
            "{}{}---\napiVersion: cluster.x-k8s.io/v1beta1\nkind: Cluster\nmetadata:\n  name: qa\n  namespace: flux-system\n{}",
            spoke("edge"),
            spoke("lab"),
            spoke("qa")
        ),
    );
    for name in ["edge", "lab", "qa"] {
        write(
            dir,
            &format!("clusters/{name}/kustomization.yaml"),
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n",
        );
    }
}

/// Issue 17, item 7: a Cluster API `Cluster` provides `<name>-kubeconfig`; Secrets made
/// out of band are a warning, answered by `model.external-secrets`; a malformed entry is
/// a configuration error at its line.
#[test]
fn issue_17_kubeconfig_secrets_provided_out_of_band() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_kubeconfig_fleet(dir.path());
    let args = [".", "--rule", "HUB007", "--format", "json"];
    let missing = |name: &str| {
        format!("Kustomization flux-system/{name} reaches its cluster through Secret flux-system/{name}-kubeconfig, which is not defined in this repository (if it is created outside it, declare it under model.external-secrets)")
    };
    let output = run(Some(dir.path()), &args);
    let spokes = "clusters/hub/spokes.yaml".to_owned();
    assert_eq!(
        detailed(&json(&output)),
        vec![
            (
                "HUB007".to_owned(),
                spokes.clone(),
                14,
                13,
                "warning".to_owned(),
                missing("edge")
            ),
            (
                "HUB007".to_owned(),
                spokes.clone(),
                28,
                13,
                "warning".to_owned(),
                missing("lab")
            ),
        ]
    );
    // A warning: the default --fail-on error passes.
    assert_eq!(code(&output), 0);

    // Declared: edge in its namespace; lab in another namespace, which does not answer it.
    write(
        dir.path(),
        ".hubspoke-lint.yaml",
        "model:\n  external-secrets:\n    - {name: edge-kubeconfig, namespace: flux-system, reason: created by bootstrap.sh}\n    - {name: lab-kubeconfig, namespace: lab, reason: created by hand}\n",
    );
    let output = run(Some(dir.path()), &args);
    assert_eq!(
        detailed(&json(&output)),
        vec![(
            "HUB007".to_owned(),
            spokes,
            28,
            13,
            "warning".to_owned(),
            missing("lab")
        )]
    );
    // Without a namespace, a Secret of that name in any namespace.
    write(
        dir.path(),
        ".hubspoke-lint.yaml",
        "model:\n  external-secrets:\n    - {name: edge-kubeconfig, reason: created by bootstrap.sh}\n    - {name: lab-kubeconfig, reason: created by hand}\n",
    );
    let output = run(Some(dir.path()), &args);
    assert_eq!(detailed(&json(&output)), vec![]);
    assert_eq!(code(&output), 0);

    // Malformed: a usage error naming the file, line and column, and no findings.
    write(
        dir.path(),
        ".hubspoke-lint.yaml",
        "model:\n  external-secrets:\n    - {name: edge-kubeconfig, reason: bootstrap}\n    - lab-kubeconfig\n",
    );
    let output = run(Some(dir.path()), &args);
    assert_eq!(code(&output), 2);
    assert_eq!(String::from_utf8_lossy(&output.stdout), "");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(".hubspoke-lint.yaml:4:7: invalid configuration: model.external-secrets[1]: invalid type: string \"lab-kubeconfig\", expected a mapping with `name`, `reason` and optionally `namespace`"),
        "{stderr}"
    );
}

/// Issue 17, item 11: FLUX002 and FLUX004 said namespace "default" where the reconciling
/// Flux Kustomization's targetNamespace puts the HelmRelease (it overrides both an enclosing
/// kustomization.yaml's namespace and the object's own, as kustomize-controller applies it).
#[test]
fn issue_17_flux_messages_name_the_target_namespace() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "clusters/home/flux-system/gotk-sync.yaml",
        &HUB_SYNC.replace("./clusters/hub", "./clusters/home"),
    );
    write(
        dir.path(),
        "clusters/home/apps.yaml",
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: media\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./apps/media\n  prune: true\n  targetNamespace: media\n  serviceAccountName: media\n  sourceRef: {kind: GitRepository, name: flux-system}\n",
    );
    write(
        dir.path(),
        "apps/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: default\nresources: [media/ks.yaml]\n",
    );
    write(
        dir.path(),
        "apps/media/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [jellyfin.yaml]\n",
    );
    let release = |name: &str, namespace: &str| {
        format!("---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: {name}\n{namespace}spec:\n  interval: 1h\n  chart:\n    spec:\n      chart: {name}\n      sourceRef:\n        kind: HelmRepository\n        name: charts\n        namespace: flux-system\n")
    };
    write(
        dir.path(),
        "apps/media/jellyfin.yaml",
        &format!(
            "{}{}",
            release("jellyfin", ""),
            release("sonarr", "  namespace: default\n")
        ),
    );
    let output = run(
        Some(dir.path()),
        &[
            ".", "--rule", "FLUX002", "--rule", "FLUX004", "--format", "json",
        ],
    );
    let file = "apps/media/jellyfin.yaml".to_owned();
    let finding = |rule: &str, line: u64, column: u64, message: &str| {
        (
            rule.to_owned(),
            file.clone(),
            line,
            column,
            "error".to_owned(),
            message.to_owned(),
        )
    };
    assert_eq!(
        detailed(&json(&output)),
        vec![
            finding("FLUX002", 6, 1, "HelmRelease \"jellyfin\" in namespace \"media\" has no spec.serviceAccountName, so helm-controller installs it with cluster-admin rights"),
            finding("FLUX004", 14, 20, "HelmRelease \"jellyfin\" in namespace \"media\" takes its chart from namespace \"flux-system\""),
            finding("FLUX002", 21, 1, "HelmRelease \"sonarr\" in namespace \"media\" has no spec.serviceAccountName, so helm-controller installs it with cluster-admin rights"),
            finding("FLUX004", 29, 20, "HelmRelease \"sonarr\" in namespace \"media\" takes its chart from namespace \"flux-system\""),
        ]
    );
    assert_eq!(code(&output), 1);
}

/// `(rule, file, line)` of every finding of `hubspoke-lint .` run in `fixtures/real/<name>`.
fn real_findings(name: &str) -> std::collections::BTreeSet<(String, String, u64)> {
    let dir = crate::support::root().join("fixtures/real").join(name);
    let output = run(Some(&dir), &[".", "--format", "json"]);
    findings(&json(&output)).into_iter().collect()
}

/// `(rule, file, line)` of findings.
type Locations<'a> = &'a [(&'a str, &'a str, u64)];

/// Issue 17 on real repositories (fixtures/real/*/SOURCE.md): the false findings of items 3,
/// 5, 6 and 11 are gone; the true findings listed there stay.
#[test]
fn issue_17_real_repositories_lose_their_false_findings_and_keep_the_true_ones() {
    let cases: [(&str, Locations, Locations); 3] = [
        (
            "Apocrathia-homelab",
            &[
                // 3: authentik blueprints read by configMapGenerator.
                ("unknown-tag", "flux/manifests/03-services/authentik/blueprints/proxmox.yaml", 18),
                ("unknown-tag", "flux/manifests/03-services/dashboard/authentik-blueprint.yaml", 17),
                // 5: the placeholder registry list.
                ("BP006", "flux/manifests/03-services/authentik/cronjob-task-cleanup.yaml", 29),
            ],
            &[
                ("RBAC012", "flux/manifests/03-services/dashboard/rbac.yaml", 20),
                ("SEC004", "flux/manifests/03-services/dashboard/rbac.yaml", 37),
                ("SEC002", "flux/manifests/03-services/authentik/cronjob-task-cleanup.yaml", 109),
            ],
        ),
        (
            "mirceanton-home-ops",
            &[
                // 11: a Component used through spec.components with a targetNamespace.
                ("BP008", "components/cnpg/seed.job.yaml", 4),
                ("BP006", "components/cnpg/seed.job.yaml", 27),
                ("BP006", "apps/github-actions/renovate/jobs/renovate-cache-purge.yaml", 22),
            ],
            &[
                ("BP001", "apps/github-actions/renovate/jobs/renovate-cache-purge.yaml", 22),
                ("PSS001", "apps/storage-system/openebs/app/zfs-scrub.cronjob.yaml", 34),
                ("SEC002", "components/cnpg/seed.job.yaml", 40),
                ("PSS017", "components/cnpg/seed.job.yaml", 59),
            ],
        ),
        (
            "xunholy-k8s-gitops",
            &[
                // 6: values that are only ${VAR} substitutions.
                ("SEC001", "kubernetes/apps/base/home-system/zigbee2mqtt/app/secret.yaml", 7),
                ("BP006", "kubernetes/apps/base/game-servers/cmangos/app/migrations/achievements-migration-job.yaml", 36),
            ],
            &[
                ("BP002", "kubernetes/apps/base/game-servers/cmangos/app/migrations/achievements-migration-job.yaml", 36),
                ("BP002", "kubernetes/apps/base/game-servers/cmangos/app/migrations/achievements-migration-job.yaml", 39),
                ("SEC003", "kubernetes/apps/base/game-servers/cmangos/app/migrations/achievements-migration-job.yaml", 57),
            ],
        ),
    ];
    for (name, gone, kept) in cases {
        let found = real_findings(name);
        let key = |(rule, file, line): &(&str, &str, u64)| {
            ((*rule).to_owned(), (*file).to_owned(), *line)
        };
        for finding in gone {
            assert!(!found.contains(&key(finding)), "{name}: still {finding:?}");
        }
        for finding in kept {
            assert!(found.contains(&key(finding)), "{name}: lost {finding:?}");
        }
        // No finding at all of the items' rules where they were false.
        let unknown_tags = found.iter().filter(|f| f.0 == "unknown-tag").count();
        assert_eq!(unknown_tags, 0, "{name}");
        assert_eq!(found.iter().filter(|f| f.0 == "BP006").count(), 0, "{name}");
    }
}

const QUOTED_SCALAR_COMMENT: &str = "fixtures/regression/quoted-scalar-comment/pod.yaml";

/// A quoted scalar followed by a comment (`image: "nginx:latest" # pinned`) was
/// underlined up to the end of the comment: the parser ends a quoted scalar after the
/// blanks and comment it scans for trailing content. The finding now covers the
/// quoted value only, as on the lines without a comment.
#[test]
fn a_quoted_scalar_followed_by_a_comment_is_located_up_to_its_closing_quote() {
    let output = run(
        None,
        &[QUOTED_SCALAR_COMMENT, "--format", "json", "--rule", "BP002"],
    );
    let report = json(&output);
    let located: Vec<(u64, u64, u64, u64, &str)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|x| {
            (
                x["line"].as_u64().expect("line"),
                x["column"].as_u64().expect("column"),
                x["end_line"].as_u64().expect("end line"),
                x["end_column"].as_u64().expect("end column"),
                x["path"].as_str().expect("path"),
            )
        })
        .collect();
    assert_eq!(
        located,
        vec![
            (9, 14, 9, 28, "spec.containers[0].image"),
            (11, 14, 11, 28, "spec.containers[1].image"),
            (13, 14, 13, 28, "spec.containers[2].image"),
        ]
    );
}
