//! The repository's own Kyverno policies (issue 19): discovery, delivery to the clusters,
//! findings on every failing field, configuration, suppressions, baselines, SARIF and
//! `hubspoke-lint test` on `kyverno-test.yaml`.

use std::collections::BTreeSet;
use std::path::Path;

use crate::lint::markers;
use crate::support::{code, copy_tree, f, findings, json, root, run, stdout};

const FIXTURE: &str = "fixtures/hub-spoke-kyverno";

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A Pod without the label the policy below requires, its image on line 7.
const POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.27
";

/// An Enforce policy requiring `metadata.labels.team` (rule on line 9).
const REQUIRE_TEAM: &str = "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: require-team
  annotations:
    policies.kyverno.io/severity: high
spec:
  validationFailureAction: Enforce
  rules:
    - name: team-label
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        message: Pods name their team.
        pattern:
          metadata:
            labels:
              team: \"?*\"
";

#[test]
fn the_hubs_policies_yield_exactly_the_marked_findings_on_the_clusters_they_reach() {
    let output = run(None, &[FIXTURE, "--format", "json"]);
    let report = json(&output);
    let actual: BTreeSet<_> = findings(&report).into_iter().collect();
    let expected = markers(&root().join(FIXTURE));
    let missing: Vec<_> = expected.difference(&actual).collect();
    let unexpected: Vec<_> = actual.difference(&expected).collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "missing: {missing:#?}\nunexpected: {unexpected:#?}"
    );
    // Three lines carry two rules each; every finding is one (rule, file, line).
    assert_eq!(findings(&report).len(), 14);
    assert_eq!(
        report["summary"]["findings"],
        serde_json::json!({"error": 8, "warning": 2, "note": 4})
    );
    // The staging worker's latest tag (configuration) and the backup's labels (comment).
    assert_eq!(report["summary"]["suppressed"], 2);
    // The 9 Kyverno rules, the 25 built-in input, suppression and schema checks the
    // configuration's families do not turn off, and the 27 render rules.
    assert_eq!(report["summary"]["rules"], 61);
    assert_eq!(code(&output), 1);
    // Production's own policy never reaches staging's worker, which has no memory limit.
    assert!(!findings(&report)
        .iter()
        .any(|(rule, file, _)| rule.contains("memory-limits") && file.contains("staging")));
}

/// One line per finding: place, severity, rule, field, message, related location.
fn compact(report: &serde_json::Value) -> String {
    let mut out = String::new();
    for finding in report["findings"].as_array().expect("findings") {
        let related: Vec<String> = finding["related"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|r| {
                        format!(
                            "{}:{}:{} {}",
                            r["file"].as_str().unwrap_or(""),
                            r["line"],
                            r["column"],
                            r["message"].as_str().unwrap_or("")
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.push_str(&format!(
            "{}:{}:{}-{}:{} {} {} at {}\n  {}\n",
            finding["file"].as_str().unwrap_or(""),
            finding["line"],
            finding["column"],
            finding["end_line"],
            finding["end_column"],
            finding["severity"].as_str().unwrap_or(""),
            finding["rule"].as_str().unwrap_or(""),
            finding["path"].as_str().unwrap_or("-"),
            finding["message"].as_str().unwrap_or(""),
        ));
        for r in related {
            out.push_str(&format!("  related: {r}\n"));
        }
    }
    out
}

#[test]
fn kyverno_findings_columns_messages_and_related_locations() {
    let report = json(&run(None, &[FIXTURE, "--format", "json"]));
    insta::assert_snapshot!("kyverno_fixture", compact(&report));
}

#[test]
fn no_kyverno_leaves_the_bundled_rules_only() {
    let output = run(None, &[FIXTURE, "--no-kyverno", "--format", "json"]);
    let report = json(&output);
    // The fixture turns the bundled families off; the suppression of a Kyverno rule in its
    // configuration is neither unknown nor unused when the stage is off.
    assert_eq!(findings(&report), vec![]);
    // Only the built-in input, suppression and schema checks, and the 27 render rules.
    assert_eq!(report["summary"]["rules"], 52);
    assert_eq!(code(&output), 0);
}

#[test]
fn policies_given_by_path_or_configuration_apply_to_every_object() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().join("repo");
    write(&repo, "pod.yaml", POD);
    write(dir.path(), "platform/require-team.yaml", REQUIRE_TEAM);
    write(dir.path(), "platform/README.yaml", "not: a policy\n");
    let expected = vec![f("kyverno/require-team/team-label", "pod.yaml", 3)];

    let flag = run(
        Some(&repo),
        &[
            ".",
            "--kyverno-policy",
            "../platform",
            "--rule",
            "kyverno/require-team/team-label",
            "--format",
            "json",
        ],
    );
    let report = json(&flag);
    assert_eq!(findings(&report), expected);
    let finding = &report["findings"][0];
    assert_eq!(finding["severity"], "error");
    assert_eq!(
        finding["message"],
        "Pods name their team: field \"labels\" is missing; the pattern requires an object"
    );
    assert_eq!(finding["path"], "metadata.labels");
    assert_eq!(
        finding["related"][0]["file"],
        "../platform/require-team.yaml"
    );
    assert_eq!(finding["related"][0]["line"], 10);
    assert_eq!(code(&flag), 1);

    write(
        &repo,
        ".hubspoke-lint.yaml",
        "kyverno:\n  policies: [../platform/require-team.yaml]\n",
    );
    let config = run(
        Some(&repo),
        &[
            ".",
            "--rule",
            "kyverno/require-team/team-label",
            "--format",
            "json",
        ],
    );
    assert_eq!(findings(&json(&config)), expected);
    assert_eq!(code(&config), 1);

    write(
        &repo,
        ".hubspoke-lint.yaml",
        "kyverno:\n  enabled: false\n  policies: [../platform/require-team.yaml]\n",
    );
    let off = run(Some(&repo), &[".", "--rule", "BP002", "--format", "json"]);
    assert!(!findings(&json(&off))
        .iter()
        .any(|(rule, _, _)| rule.starts_with("kyverno/")));
}

#[test]
fn missing_policy_paths_are_usage_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "pod.yaml", POD);
    let flag = run(Some(dir.path()), &[".", "--kyverno-policy", "nowhere"]);
    assert_eq!(code(&flag), 2);
    assert!(
        stderr(&flag).contains("--kyverno-policy nowhere: no such file or directory"),
        "{}",
        stderr(&flag)
    );
    write(
        dir.path(),
        ".hubspoke-lint.yaml",
        "# policies kept elsewhere\nkyverno:\n  policies:\n    - nowhere\n",
    );
    let config = run(Some(dir.path()), &["."]);
    assert_eq!(code(&config), 2);
    assert!(
        stderr(&config).contains(".hubspoke-lint.yaml:4:7")
            && stderr(&config).contains("kyverno.policies[0]: ./nowhere does not exist"),
        "{}",
        stderr(&config)
    );
}

#[test]
fn configuration_reaches_kyverno_rules_by_id_and_by_tag() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "pod.yaml", POD);
    write(dir.path(), "policies/require-team.yaml", REQUIRE_TEAM);
    let lint = |config: &str| {
        write(dir.path(), ".hubspoke-lint.yaml", config);
        run(
            Some(dir.path()),
            &[
                ".",
                "--format",
                "json",
                "--rule",
                "kyverno/require-team/team-label",
            ],
        )
    };
    let by_tag = lint("rules:\n  kyverno: {severity: note}\n");
    assert_eq!(json(&by_tag)["findings"][0]["severity"], "note");
    assert_eq!(code(&by_tag), 0);
    let by_policy = lint("rules:\n  kyverno/require-team: {enabled: false}\n");
    assert_eq!(findings(&json(&by_policy)), vec![]);
    let overridden = lint(
        "overrides:\n  - files: [\"pod.yaml\"]\n    rules:\n      kyverno/require-team/team-label: {severity: warning}\n",
    );
    assert_eq!(json(&overridden)["findings"][0]["severity"], "warning");
    let unknown = lint("rules:\n  kyverno/require-team/no-such-rule: {enabled: false}\n");
    assert_eq!(code(&unknown), 2);
    assert!(
        stderr(&unknown).contains(".hubspoke-lint.yaml:2:3")
            && stderr(&unknown).contains("no rule of the repository's Kyverno policies"),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn kyverno_findings_are_suppressed_and_baselined_like_any_other() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "policies/require-team.yaml", REQUIRE_TEAM);
    write(dir.path(), "pod.yaml", POD);
    let only = ["--rule", "kyverno/require-team/team-label"];
    let wrote = run(
        Some(dir.path()),
        &["baseline", "write", ".", only[0], only[1]],
    );
    assert_eq!(code(&wrote), 0, "{}", stdout(&wrote));
    let check = run(
        Some(dir.path()),
        &[
            "baseline", "check", ".", only[0], only[1], "--format", "json",
        ],
    );
    assert_eq!(findings(&json(&check)), vec![]);
    assert_eq!(json(&check)["summary"]["baselined"], 1);
    assert_eq!(code(&check), 0);

    std::fs::remove_file(dir.path().join(".hubspoke-lint-baseline.json")).expect("rm");
    write(
        dir.path(),
        "pod.yaml",
        &POD.replace(
            "metadata:\n",
            "# hubspoke-lint: ignore[kyverno/require-team/team-label] a sandbox pod\nmetadata:\n",
        ),
    );
    let suppressed = run(
        Some(dir.path()),
        &[".", only[0], only[1], "--format", "json"],
    );
    assert_eq!(findings(&json(&suppressed)), vec![]);
    assert_eq!(json(&suppressed)["summary"]["suppressed"], 1);
    assert_eq!(code(&suppressed), 0);
}

#[test]
fn sarif_describes_kyverno_rules_and_points_back_at_the_policy() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "policies/require-team.yaml", REQUIRE_TEAM);
    write(dir.path(), "pod.yaml", POD);
    let output = run(
        Some(dir.path()),
        &[
            ".",
            "--rule",
            "kyverno/require-team/team-label",
            "--format",
            "sarif",
        ],
    );
    let sarif = json(&output);
    let run0 = &sarif["runs"][0];
    let rule = run0["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .find(|r| r["id"] == "kyverno/require-team/team-label")
        .expect("the Kyverno rule's descriptor");
    assert_eq!(
        rule["shortDescription"]["text"],
        "require-team: rule `team-label` of the repository's Kyverno policy `require-team`."
    );
    assert_eq!(rule["defaultConfiguration"]["level"], "error");
    assert_eq!(rule["properties"]["security-severity"], "8.0");
    assert_eq!(
        rule["properties"]["tags"],
        serde_json::json!(["kyverno", "kyverno/require-team"])
    );
    let result = &run0["results"][0];
    assert_eq!(result["ruleId"], "kyverno/require-team/team-label");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        3
    );
    let related = &result["relatedLocations"][0]["physicalLocation"];
    assert_eq!(
        related["artifactLocation"]["uri"],
        "policies/require-team.yaml"
    );
    assert_eq!(related["region"]["startLine"], 10);
}

#[test]
fn a_malformed_policy_is_reported_at_its_line_and_the_others_still_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "pod.yaml", POD);
    write(dir.path(), "policies/require-team.yaml", REQUIRE_TEAM);
    // A wrong operator on line 18 of an otherwise valid policy.
    write(
        dir.path(),
        "policies/broken.yaml",
        "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: broken
spec:
  validationFailureAction: Enforce
  rules:
    - name: team-label
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        deny:
          conditions:
            any:
              - key: \"{{ request.object.metadata.name }}\"
                operator: Equalz
                value: web
",
    );
    let output = run(
        Some(dir.path()),
        &[
            ".",
            "--rule",
            "kyverno/require-team/team-label",
            "--rule",
            "kyverno/broken/team-label",
            "--format",
            "json",
        ],
    );
    let report = json(&output);
    assert_eq!(
        findings(&report),
        vec![
            f("kyverno/require-team/team-label", "pod.yaml", 3),
            f("policy-error", "policies/broken.yaml", 18),
        ]
    );
    assert_eq!(code(&output), 1);
}

#[test]
fn hubspoke_lint_test_runs_kyverno_tests_with_kyverno_test_verdicts() {
    let tests = format!("{FIXTURE}/infrastructure/hub/policies/.kyverno-test");
    let passing = run(None, &["test", &tests]);
    assert_eq!(
        stdout(&passing),
        format!(
            "SKIP {tests}/kyverno-test.yaml:33: add-default-labels/add-team-label on web: expected pass: not decidable offline: a mutated or generated resource to compare\n\
             Kyverno tests: 4 passed, 0 failed, 1 skipped (1 file)\nok\n"
        )
    );
    assert_eq!(code(&passing), 0);

    // The same tests with one expectation turned round fail at that result's line.
    let dir = tempfile::tempdir().expect("tempdir");
    let policies = root().join(FIXTURE).join("infrastructure/hub/policies");
    for name in ["best-practices.yaml", "not-decidable.yaml"] {
        std::fs::copy(policies.join(name), dir.path().join(name)).expect("copy");
    }
    write(
        dir.path(),
        ".kyverno-test/resources.yaml",
        &std::fs::read_to_string(policies.join(".kyverno-test/resources.yaml")).expect("read"),
    );
    write(
        dir.path(),
        ".kyverno-test/patched.yaml",
        &std::fs::read_to_string(policies.join(".kyverno-test/patched.yaml")).expect("read"),
    );
    let test =
        std::fs::read_to_string(policies.join(".kyverno-test/kyverno-test.yaml")).expect("read");
    let flipped = test.replacen(
        "resources: [unlabelled]\n    kind: Pod\n    result: fail",
        "resources: [unlabelled]\n    kind: Pod\n    result: pass",
        1,
    );
    assert_ne!(flipped, test);
    write(dir.path(), ".kyverno-test/kyverno-test.yaml", &flipped);
    let failing = run(Some(dir.path()), &["test", "."]);
    let out = stdout(&failing);
    assert!(
        out.contains(
            "FAIL ./.kyverno-test/kyverno-test.yaml:18: require-labels/check-for-labels on unlabelled: expected pass: got fail"
        ),
        "{out}"
    );
    assert!(
        out.contains("Kyverno tests: 3 passed, 1 failed, 1 skipped (1 file)"),
        "{out}"
    );
    assert_eq!(code(&failing), 1);
}

/// Rendered, each policy's findings name the clusters it reaches the object on (the
/// clusters receiving the object among those the policy is delivered to): the shared
/// base once for both spokes, production's objects and the production-only policy for
/// production; the notes about the policies themselves name none.
#[test]
fn kyverno_findings_name_the_clusters_the_policy_reaches_the_object_on() {
    let report = json(&run(None, &[FIXTURE, "--format", "json"]));
    let clusters: Vec<(String, String, Vec<String>)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            f["rule"]
                .as_str()
                .is_some_and(|r| r.starts_with("kyverno/"))
        })
        .map(|f| {
            let file = f["file"].as_str().expect("file");
            (
                f["rule"].as_str().expect("rule").to_owned(),
                format!(
                    "{}:{}",
                    file.trim_start_matches("fixtures/hub-spoke-kyverno/"),
                    f["line"]
                ),
                f["clusters"].as_array().map_or_else(Vec::new, |c| {
                    c.iter()
                        .map(|c| c.as_str().expect("cluster").to_owned())
                        .collect()
                }),
            )
        })
        .collect();
    let both = || vec!["production".to_owned(), "staging".to_owned()];
    let production = || vec!["production".to_owned()];
    let k = |rule: &str, at: &str, clusters: Vec<String>| {
        (format!("kyverno/{rule}"), at.to_owned(), clusters)
    };
    assert_eq!(
        clusters,
        vec![
            k(
                "disallow-latest-tag/no-latest-tag",
                "apps/web/base/deployment.yaml:27",
                both()
            ),
            k(
                "disallow-privileged-containers/privileged-containers",
                "apps/web/base/deployment.yaml:30",
                both()
            ),
            k(
                "pod-security-baseline/baseline",
                "apps/web/base/deployment.yaml:30",
                both()
            ),
            k(
                "cronjob-hygiene/forbid-concurrent-runs",
                "apps/web/production/backup.yaml:8",
                production()
            ),
            k(
                "disallow-latest-tag/no-latest-tag",
                "apps/web/production/backup.yaml:19",
                production()
            ),
            k(
                "require-labels/check-for-labels",
                "apps/web/production/worker.yaml:12",
                production()
            ),
            k(
                "disallow-privileged-containers/privileged-containers",
                "apps/web/production/worker.yaml:19",
                production()
            ),
            k(
                "pod-security-baseline/baseline",
                "apps/web/production/worker.yaml:19",
                production()
            ),
            k(
                "require-memory-limits/memory-limits",
                "apps/web/production/worker.yaml:21",
                production()
            ),
            k(
                "disallow-privileged-containers/privileged-containers",
                "apps/web/production/worker.yaml:24",
                production()
            ),
            k(
                "pod-security-baseline/baseline",
                "apps/web/production/worker.yaml:24",
                production()
            ),
            k(
                "add-default-labels/add-team-label",
                "infrastructure/hub/policies/not-decidable.yaml:9",
                vec![]
            ),
            k(
                "limit-deployments-per-namespace/deployment-quota",
                "infrastructure/hub/policies/not-decidable.yaml:28",
                vec![]
            ),
        ]
    );
}

/// Three Pods without a team label: in `prod`, in `dev`, and `old-web` in `legacy`.
const THREE_PODS: &str = "apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: prod
spec:
  containers:
    - name: web
      image: nginx:1.27
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: dev
spec:
  containers:
    - name: web
      image: nginx:1.27
---
apiVersion: v1
kind: Pod
metadata:
  name: old-web
  namespace: legacy
spec:
  containers:
    - name: web
      image: nginx:1.27
";

/// An exception for `old-*` Pods, and one without a policy name (line 22).
const EXCEPTIONS: &str = "apiVersion: kyverno.io/v2
kind: PolicyException
metadata:
  name: legacy-pods
  namespace: kyverno
spec:
  exceptions:
    - policyName: require-team
      ruleNames: [team-label]
  match:
    any:
      - resources:
          kinds: [Pod]
          names: [\"old-*\"]
---
apiVersion: kyverno.io/v2beta1
kind: PolicyException
metadata:
  name: broken
spec:
  exceptions:
    - ruleNames: [team-label]
  match:
    any:
      - resources:
          kinds: [Pod]
";

#[test]
fn failure_action_overrides_set_the_severity_and_policy_exceptions_exempt() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "pods.yaml", THREE_PODS);
    write(dir.path(), "exceptions.yaml", EXCEPTIONS);
    write(
        dir.path(),
        "require-team.yaml",
        &REQUIRE_TEAM.replace(
            "  validationFailureAction: Enforce\n",
            "  validationFailureAction: Audit\n  validationFailureActionOverrides:\n    - action: Enforce\n      namespaces: [prod]\n",
        ),
    );
    let output = run(Some(dir.path()), &[".", "--format", "json"]);
    let report = json(&output);
    let ours: Vec<(String, String, u64, String)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|x| {
            let rule = x["rule"].as_str().unwrap_or("");
            rule.starts_with("kyverno/") || rule == "policy-error"
        })
        .map(|x| {
            (
                x["rule"].as_str().expect("rule").to_owned(),
                x["file"].as_str().expect("file").to_owned(),
                x["line"].as_u64().expect("line"),
                x["severity"].as_str().expect("severity").to_owned(),
            )
        })
        .collect();
    let row = |rule: &str, file: &str, line: u64, severity: &str| {
        (rule.to_owned(), file.to_owned(), line, severity.to_owned())
    };
    assert_eq!(
        ours,
        vec![
            row("policy-error", "exceptions.yaml", 22, "error"),
            // Enforce in `prod`, the policy's Audit elsewhere; `old-web` is exempted.
            row("kyverno/require-team/team-label", "pods.yaml", 3, "error"),
            row(
                "kyverno/require-team/team-label",
                "pods.yaml",
                13,
                "warning"
            ),
        ]
    );
    let broken = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|x| x["rule"] == "policy-error")
        .expect("the broken exception's finding");
    assert_eq!(
        broken["message"],
        "Kyverno PolicyException `broken`: an exception requires a policy name; the exception is not applied"
    );
    assert_eq!(code(&output), 1);
}

/// `(rule, file:line:column, clusters, message)` of every Kyverno finding.
fn kyverno_rows(report: &serde_json::Value) -> Vec<(String, String, Vec<String>, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            f["rule"]
                .as_str()
                .is_some_and(|r| r.starts_with("kyverno/") || r == "policy-error")
        })
        .map(|f| {
            (
                f["rule"].as_str().expect("rule").to_owned(),
                format!(
                    "{}:{}:{}",
                    f["file"].as_str().expect("file"),
                    f["line"],
                    f["column"]
                ),
                f["clusters"].as_array().map_or_else(Vec::new, |c| {
                    c.iter()
                        .map(|c| c.as_str().expect("cluster").to_owned())
                        .collect()
                }),
                f["message"].as_str().expect("message").to_owned(),
            )
        })
        .collect()
}

/// Kyverno's `test-exceptions/exceptions-3`, linted as a repository: the exception's
/// `podSecurity` control (a hostPath of `/var/lib1`, in `staging-ns`) is exempted from
/// the `podSecurity` rule there only; without it both Pods fail.
#[test]
fn a_policy_exceptions_pod_security_controls_exempt_those_controls_where_it_applies() {
    let fixture = "fixtures/kyverno-exceptions/exceptions-3";
    let output = run(None, &[fixture, "--format", "json"]);
    let host_path = |line: u64, pod: &str| {
        (
            "kyverno/psa/baseline".to_owned(),
            format!("{fixture}/resources.yaml:{line}:5"),
            Vec::new(),
            format!("Pod \"{pod}\": the pod must not use the hostPath volume \"host\" (baseline profile, HostPath Volumes) (Kyverno podSecurity level baseline)"),
        )
    };
    assert_eq!(kyverno_rows(&json(&output)), vec![host_path(39, "bad-pod")]);
    assert_eq!(code(&output), 1);

    let dir = tempfile::tempdir().expect("tempdir");
    for name in ["policy.yaml", "resources.yaml"] {
        std::fs::copy(root().join(fixture).join(name), dir.path().join(name)).expect("copy");
    }
    let without = json(&run(Some(dir.path()), &[".", "--format", "json"]));
    let rows: Vec<(String, String)> = kyverno_rows(&without)
        .into_iter()
        .map(|(rule, at, _, _)| (rule, at))
        .collect();
    let at = |line: u64| {
        (
            "kyverno/psa/baseline".to_owned(),
            format!("resources.yaml:{line}:5"),
        )
    };
    assert_eq!(rows, vec![at(22), at(39)]);
}

/// A PolicyException in staging's overlay exempting the web Deployment's log shipper
/// from `disallow-latest-tag` (the whole rule) and from the `Privileged Containers`
/// control of the `podSecurity` rule (line 18 of the file).
const STAGING_EXCEPTION: &str = "# Staging may run the log shipper privileged and on a moving tag.
apiVersion: kyverno.io/v2
kind: PolicyException
metadata:
  name: staging-log-shipper
spec:
  exceptions:
    - policyName: pod-security-baseline
      ruleNames: [baseline, autogen-baseline]
    - policyName: disallow-latest-tag
      ruleNames: [\"*no-latest-tag\"]
  match:
    any:
      - resources:
          kinds: [Deployment]
          names: [web]
  podSecurity:
    - controlName: Privileged Containers
      images: [\"ghcr.io/myorg/log-shipper:*\"]
";

/// Like a policy, an exception delivered to one spoke exempts that spoke's objects
/// only: the base Deployment both spokes receive keeps its findings on production,
/// rendered or judged as written; a rule the exception does not name keeps both.
#[test]
fn a_policy_exception_delivered_to_one_spoke_exempts_only_that_spokes_objects() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_tree(&root().join(FIXTURE), dir.path());
    write(
        dir.path(),
        "apps/web/staging/exceptions.yaml",
        STAGING_EXCEPTION,
    );
    let overlay = dir.path().join("apps/web/staging/kustomization.yaml");
    let text = std::fs::read_to_string(&overlay).expect("read");
    std::fs::write(&overlay, format!("{text}  - exceptions.yaml\n")).expect("write");

    let base_rows = |args: &[&str]| -> Vec<(String, String, Vec<String>, String)> {
        let mut all = vec![".", "--format", "json"];
        all.extend_from_slice(args);
        kyverno_rows(&json(&run(Some(dir.path()), &all)))
            .into_iter()
            .filter(|(_, at, _, _)| at.starts_with("apps/web/base/"))
            .map(|(rule, at, clusters, message)| {
                let tail = message
                    .rsplit_once(" (")
                    .map_or(String::new(), |(_, t)| t.to_owned());
                (rule, at, clusters, tail)
            })
            .collect()
    };
    let row = |rule: &str, at: &str, clusters: &[&str], tail: &str| {
        (
            format!("kyverno/{rule}"),
            format!("apps/web/base/deployment.yaml:{at}"),
            clusters.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>(),
            tail.to_owned(),
        )
    };
    assert_eq!(
        base_rows(&[]),
        vec![
            row(
                "disallow-latest-tag/no-latest-tag",
                "27:11",
                &["production"],
                ""
            ),
            row(
                "disallow-privileged-containers/privileged-containers",
                "30:25",
                &["production", "staging"],
                ""
            ),
            row(
                "pod-security-baseline/baseline",
                "30:25",
                &["production"],
                "Kyverno podSecurity level baseline)"
            ),
        ]
    );
    // Judged as written, the messages name where the findings hold.
    assert_eq!(
        base_rows(&["--no-render"]),
        vec![
            row(
                "disallow-latest-tag/no-latest-tag",
                "27:11",
                &[],
                "policy delivered to production)"
            ),
            row(
                "disallow-privileged-containers/privileged-containers",
                "30:25",
                &[],
                "policy delivered to production, staging)"
            ),
            row(
                "pod-security-baseline/baseline",
                "30:25",
                &[],
                "policy delivered to production)"
            ),
        ]
    );
}

/// `hubspoke-lint test` decides `podSecurity` rules with the bundled Pod Security rules
/// and Kyverno's verdicts: Kyverno's `test-exceptions/exceptions-3` passes as under
/// `kyverno test` (the hostPath Pod fails, the clean one passes, the one whose hostPath
/// the exception's control exempts is skipped); with an expectation turned round, that
/// result fails on its line with our verdict and message.
#[test]
fn hubspoke_lint_test_gives_pod_security_rules_kyverno_verdicts() {
    let fixture = "fixtures/kyverno-exceptions/exceptions-3";
    let passing = run(None, &["test", fixture]);
    assert_eq!(
        stdout(&passing),
        "Kyverno tests: 3 passed, 0 failed, 0 skipped (1 file)\nok\n"
    );
    assert_eq!(code(&passing), 0);
    let verbose = run(None, &["test", fixture, "--verbose"]);
    assert_eq!(
        stdout(&verbose),
        format!(
            "PASS {fixture}/kyverno-test.yaml:12: psa/baseline on bad-pod: expected fail\n\
             PASS {fixture}/kyverno-test.yaml:18: psa/baseline on good-pod: expected pass\n\
             PASS {fixture}/kyverno-test.yaml:24: psa/baseline on excluded-pod: expected skip\n\
             Kyverno tests: 3 passed, 0 failed, 0 skipped (1 file)\nok\n"
        )
    );

    let dir = tempfile::tempdir().expect("tempdir");
    copy_tree(&root().join(fixture), dir.path());
    let test_file = dir.path().join("kyverno-test.yaml");
    let test = std::fs::read_to_string(&test_file).expect("read");
    let flipped = test
        .replacen(
            "  - good-pod\n  result: pass",
            "  - good-pod\n  result: fail",
            1,
        )
        .replacen(
            "  - excluded-pod\n  result: skip",
            "  - excluded-pod\n  result: pass",
            1,
        );
    assert_ne!(flipped, test);
    std::fs::write(&test_file, flipped).expect("write");
    let failing = run(Some(dir.path()), &["test", "."]);
    assert_eq!(
        stdout(&failing),
        "FAIL ./kyverno-test.yaml:18: psa/baseline on good-pod: expected fail: got pass: Validation rule 'baseline' passed.\n\
         FAIL ./kyverno-test.yaml:24: psa/baseline on excluded-pod: expected pass: got skip: \
         rule is skipped due to policy exceptions policy-exception-ns/pod-security-exception\n\
         Kyverno tests: 1 passed, 2 failed, 0 skipped (1 file)\nFAILED: 2 failures\n"
    );
    assert_eq!(code(&failing), 1);
}

/// A `podSecurity` rule Kyverno cannot run in a test: an unreadable version is an
/// error result on every resource (as `kyverno test` reports it), a FAIL line each.
#[test]
fn hubspoke_lint_test_reports_an_unreadable_pod_security_version_as_failures() {
    let fixture = "fixtures/kyverno-exceptions/exceptions-3";
    let dir = tempfile::tempdir().expect("tempdir");
    copy_tree(&root().join(fixture), dir.path());
    let policy_file = dir.path().join("policy.yaml");
    let policy = std::fs::read_to_string(&policy_file).expect("read");
    let broken = policy.replacen("version: latest", "version: \"1.29\"", 1);
    assert_ne!(broken, policy);
    std::fs::write(&policy_file, broken).expect("write");
    let failing = run(Some(dir.path()), &["test", "."]);
    let error =
        "got error: failed to parse pod security api version: must be \"latest\" or \"v1.x\"";
    assert_eq!(
        stdout(&failing),
        format!(
            "FAIL ./kyverno-test.yaml:12: psa/baseline on bad-pod: expected fail: {error}\n\
             FAIL ./kyverno-test.yaml:18: psa/baseline on good-pod: expected pass: {error}\n\
             FAIL ./kyverno-test.yaml:24: psa/baseline on excluded-pod: expected skip: {error}\n\
             Kyverno tests: 0 passed, 3 failed, 0 skipped (1 file)\nFAILED: 3 failures\n"
        )
    );
    assert_eq!(code(&failing), 1);
}

/// A `podSecurity` rule whose `exclude` Kyverno refuses: `kyverno test` skips the
/// policy; `hubspoke-lint test` says so on each of its results, never silently.
#[test]
fn hubspoke_lint_test_lists_the_results_of_a_refused_pod_security_policy() {
    let fixture = "fixtures/kyverno-exceptions/exceptions-3";
    let dir = tempfile::tempdir().expect("tempdir");
    copy_tree(&root().join(fixture), dir.path());
    let policy_file = dir.path().join("policy.yaml");
    let policy = std::fs::read_to_string(&policy_file).expect("read");
    let broken = policy.replacen(
        "version: latest",
        "version: latest\n        exclude: HostPath Volumes",
        1,
    );
    assert_ne!(broken, policy);
    std::fs::write(&policy_file, broken).expect("write");
    let output = run(Some(dir.path()), &["test", "."]);
    let why = "the policy is refused, as Kyverno refuses it: exclude must be a list of controls";
    assert_eq!(
        stdout(&output),
        format!(
            "SKIP ./kyverno-test.yaml:12: psa/baseline on bad-pod: expected fail: {why}\n\
             SKIP ./kyverno-test.yaml:18: psa/baseline on good-pod: expected pass: {why}\n\
             SKIP ./kyverno-test.yaml:24: psa/baseline on excluded-pod: expected skip: {why}\n\
             Kyverno tests: 0 passed, 0 failed, 3 skipped (1 file)\nok\n"
        )
    );
    assert_eq!(code(&output), 0);
}

/// `hubspoke-lint test` applies the exceptions a `kyverno-test.yaml` lists, as `kyverno
/// test` does: Kyverno's `test-exceptions/exceptions-1` passes only with its exception.
#[test]
fn hubspoke_lint_test_applies_the_exceptions_a_kyverno_test_lists() {
    let fixture = "fixtures/kyverno-exceptions/exceptions-1";
    let passing = run(None, &["test", fixture]);
    assert_eq!(
        stdout(&passing),
        "Kyverno tests: 3 passed, 0 failed, 0 skipped (1 file)\nok\n"
    );
    assert_eq!(code(&passing), 0);

    let dir = tempfile::tempdir().expect("tempdir");
    copy_tree(&root().join(fixture), dir.path());
    let test_file = dir.path().join("kyverno-test.yaml");
    let test = std::fs::read_to_string(&test_file).expect("read");
    let without = test.replacen("exceptions:\n- exception.yaml\n", "", 1);
    assert_ne!(without, test);
    std::fs::write(&test_file, without).expect("write");
    let failing = run(Some(dir.path()), &["test", "."]);
    assert_eq!(
        stdout(&failing),
        "FAIL ./kyverno-test.yaml:22: disallow-host-namespaces/autogen-host-namespaces on important-tool: expected skip: got fail: \
         validation error: Sharing the host namespaces is disallowed. The fields spec.hostNetwork, spec.hostIPC, and spec.hostPID \
         must be unset or set to `false`.          . rule autogen-host-namespaces failed at path /spec/template/spec/hostIPC/\n\
         Kyverno tests: 2 passed, 1 failed, 0 skipped (1 file)\nFAILED: 1 failure\n"
    );
    assert_eq!(code(&failing), 1);
}
