use serde_json::json;

use super::*;

// Kyverno pkg/utils/kube/kind_test.go, Test_ParseKindSelector.
#[test]
fn parses_kind_selectors_like_kyverno() {
    type Parts<'a> = (&'a str, &'a str, &'a str, &'a str);
    let cases: &[(&str, Parts)] = &[
        ("*", ("*", "*", "*", "")),
        ("*.*", ("*", "*", "*", "*")),
        ("*/*", ("*", "*", "*", "*")),
        ("Pod", ("*", "*", "Pod", "")),
        ("v1/Pod", ("*", "v1", "Pod", "")),
        ("v1beta10/Pod", ("*", "v1beta10", "Pod", "")),
        (
            "storage.k8s.io/v1beta10/CSIDriver",
            ("storage.k8s.io", "v1beta10", "CSIDriver", ""),
        ),
        ("v1alpha12/Pod/status", ("*", "v1alpha12", "Pod", "status")),
        ("batch/*/CronJob", ("batch", "*", "CronJob", "")),
        (
            "storage.k8s.io/v1/CSIDriver",
            ("storage.k8s.io", "v1", "CSIDriver", ""),
        ),
        (
            "tekton.dev/v1beta1/TaskRun/status",
            ("tekton.dev", "v1beta1", "TaskRun", "status"),
        ),
        ("v1/Pod.status", ("*", "v1", "Pod", "status")),
        ("v1/Pod/status", ("*", "v1", "Pod", "status")),
        ("Pod.status", ("*", "*", "Pod", "status")),
        ("Pod/status", ("*", "*", "Pod", "status")),
        (
            "apps/v1/Deployment/scale",
            ("apps", "v1", "Deployment", "scale"),
        ),
        (
            "v1/ReplicationController/scale",
            ("*", "v1", "ReplicationController", "scale"),
        ),
        (
            "*/ReplicationController/scale",
            ("*", "*", "ReplicationController", "scale"),
        ),
        ("*/Deployment/scale", ("*", "*", "Deployment", "scale")),
        ("*/Deployment.scale", ("*", "*", "Deployment", "scale")),
        (
            "apps/v1/Deployment.scale",
            ("apps", "v1", "Deployment", "scale"),
        ),
        ("v1.demo/v1/Demo", ("v1.demo", "v1", "Demo", "")),
        ("*/scale", ("*", "*", "*", "scale")),
        ("Pod/*", ("*", "*", "Pod", "*")),
        ("*/*/*", ("*", "*", "*", "*")),
        ("*/*/*/*", ("*", "*", "*", "*")),
        ("*/*/*/*/*", ("", "", "", "")),
    ];
    for (input, want) in cases {
        assert_eq!(parse_kind_selector(input), *want, "{input}");
    }
}

fn target<'a>(
    resource: &'a Value,
    group: &'a str,
    kind: &'a str,
    namespace: &'a str,
    labels: &'a BTreeMap<String, String>,
) -> MatchTarget<'a> {
    MatchTarget {
        resource,
        group,
        version: "v1",
        kind,
        subresource: "",
        namespace,
        namespace_labels: labels,
        operation: "CREATE",
    }
}

fn kinds(list: &[&str]) -> ResourceFilter {
    ResourceFilter {
        resources: ResourceDescription {
            kinds: list.iter().map(|s| (*s).to_owned()).collect(),
            ..ResourceDescription::default()
        },
        user: UserFilter::default(),
    }
}

#[test]
fn kinds_with_groups_versions_and_wildcards() {
    let pod = json!({"metadata": {"name": "p"}});
    let none = BTreeMap::new();
    let t = target(&pod, "", "Pod", "default", &none);
    for (selector, want) in [
        ("Pod", true),
        ("v1/Pod", true),
        ("v2/Pod", false),
        ("apps/v1/Pod", false),
        ("*", true),
        ("P*", true),
        ("Pod/status", false),
        ("Deployment", false),
    ] {
        assert_eq!(kind_matches(&[selector.to_owned()], &t), want, "{selector}");
    }
    let deploy = json!({"metadata": {"name": "d"}});
    let t = target(&deploy, "apps", "Deployment", "default", &none);
    assert!(kind_matches(&["apps/v1/Deployment".to_owned()], &t));
    assert!(kind_matches(&["apps/*/Deployment".to_owned()], &t));
    assert!(!kind_matches(&["batch/v1/Deployment".to_owned()], &t));
}

#[test]
fn any_all_exclude_and_namespaces() {
    let pod = json!({"metadata": {"name": "web-1", "namespace": "prod", "labels": {"app": "web"},
        "annotations": {"team": "a"}}});
    let mut labels = BTreeMap::new();
    labels.insert("env".to_owned(), "prod".to_owned());
    let t = target(&pod, "", "Pod", "prod", &labels);
    let nobody = RequestInfo::default();
    let mut filter = kinds(&["Pod"]);
    filter.resources.names = vec!["web-*".to_owned()];
    filter.resources.namespaces = vec!["pr?d".to_owned()];
    filter
        .resources
        .annotations
        .insert("te*".to_owned(), "a".to_owned());
    filter.resources.selector = Some(LabelSelector {
        match_labels: [("app".to_owned(), "w*".to_owned())].into(),
        match_expressions: vec![],
    });
    filter.resources.namespace_selector = Some(LabelSelector {
        match_labels: BTreeMap::new(),
        match_expressions: vec![LabelRequirement {
            key: "env".to_owned(),
            operator: "In".to_owned(),
            values: vec!["prod".to_owned()],
        }],
    });
    let matching = MatchResources {
        any: vec![kinds(&["Service"]), filter.clone()],
        ..MatchResources::default()
    };
    assert_eq!(rule_applies(&t, &matching, None, &nobody), Ok(()));
    let all = MatchResources {
        all: vec![kinds(&["Service"]), filter],
        ..MatchResources::default()
    };
    assert!(rule_applies(&t, &all, None, &nobody).is_err());
    let mut excluded = kinds(&["Pod"]);
    excluded.resources.namespaces = vec!["prod".to_owned()];
    let exclude = MatchResources {
        any: vec![excluded],
        ..MatchResources::default()
    };
    assert!(rule_applies(&t, &matching, Some(&exclude), &nobody).is_err());
    // `exclude.all` excludes only when every filter holds.
    let exclude_all = MatchResources {
        all: vec![kinds(&["Pod"]), kinds(&["Service"])],
        ..MatchResources::default()
    };
    assert_eq!(
        rule_applies(&t, &matching, Some(&exclude_all), &nobody),
        Ok(())
    );
    // An empty match block matches nothing.
    assert!(rule_applies(&t, &MatchResources::default(), None, &nobody).is_err());
}

#[test]
fn operations_and_users_like_the_cli() {
    let pod = json!({"metadata": {"name": "p"}});
    let none = BTreeMap::new();
    let t = target(&pod, "", "Pod", "default", &none);
    let mut update_only = kinds(&["Pod"]);
    update_only.resources.operations = vec!["UPDATE".to_owned()];
    let m = MatchResources {
        any: vec![update_only],
        ..MatchResources::default()
    };
    assert!(rule_applies(&t, &m, None, &RequestInfo::default()).is_err());

    // Without a requester, `match` ignores user fields and `exclude` naming
    // users never excludes.
    let mut admins = kinds(&["Pod"]);
    admins.user.cluster_roles = vec!["cluster-admin".to_owned()];
    let m = MatchResources {
        any: vec![admins.clone()],
        ..MatchResources::default()
    };
    assert_eq!(rule_applies(&t, &m, None, &RequestInfo::default()), Ok(()));
    let e = MatchResources {
        any: vec![admins],
        ..MatchResources::default()
    };
    let plain = MatchResources {
        any: vec![kinds(&["Pod"])],
        ..MatchResources::default()
    };
    assert_eq!(
        rule_applies(&t, &plain, Some(&e), &RequestInfo::default()),
        Ok(())
    );
    let admin = RequestInfo {
        cluster_roles: vec!["cluster-admin".to_owned()],
        ..RequestInfo::default()
    };
    assert!(rule_applies(&t, &plain, Some(&e), &admin).is_err());
    // Subjects.
    let mut sa = kinds(&["Pod"]);
    sa.user.subjects = vec![Subject {
        kind: "ServiceAccount".to_owned(),
        name: "flux-*".to_owned(),
        namespace: "flux-system".to_owned(),
    }];
    let m = MatchResources {
        any: vec![sa],
        ..MatchResources::default()
    };
    let flux = RequestInfo {
        username: "system:serviceaccount:flux-system:flux-kustomize".to_owned(),
        ..RequestInfo::default()
    };
    assert_eq!(rule_applies(&t, &m, None, &flux), Ok(()));
    let other = RequestInfo {
        username: "alice".to_owned(),
        ..RequestInfo::default()
    };
    assert!(rule_applies(&t, &m, None, &other).is_err());
}

#[test]
fn label_selectors() {
    let labels: BTreeMap<String, String> = [
        ("app".to_owned(), "web".to_owned()),
        ("tier".to_owned(), "fe".to_owned()),
    ]
    .into();
    let req = |key: &str, operator: &str, values: &[&str]| LabelRequirement {
        key: key.to_owned(),
        operator: operator.to_owned(),
        values: values.iter().map(|s| (*s).to_owned()).collect(),
    };
    let sel = |exprs: Vec<LabelRequirement>| LabelSelector {
        match_labels: BTreeMap::new(),
        match_expressions: exprs,
    };
    assert_eq!(selector_matches(&sel(vec![]), &labels), Ok(true));
    assert_eq!(
        selector_matches(&sel(vec![req("app", "In", &["web", "api"])]), &labels),
        Ok(true)
    );
    assert_eq!(
        selector_matches(&sel(vec![req("app", "NotIn", &["web"])]), &labels),
        Ok(false)
    );
    assert_eq!(
        selector_matches(&sel(vec![req("x", "NotIn", &["web"])]), &labels),
        Ok(true)
    );
    assert_eq!(
        selector_matches(&sel(vec![req("tier", "Exists", &[])]), &labels),
        Ok(true)
    );
    assert_eq!(
        selector_matches(&sel(vec![req("tier", "DoesNotExist", &[])]), &labels),
        Ok(false)
    );
    assert!(selector_matches(&sel(vec![req("a", "In", &[])]), &labels).is_err());
    assert!(selector_matches(&sel(vec![req("a", "Bogus", &["x"])]), &labels).is_err());
    let wildcard_labels = LabelSelector {
        match_labels: [("ti*".to_owned(), "f?".to_owned())].into(),
        match_expressions: vec![],
    };
    assert_eq!(selector_matches(&wildcard_labels, &labels), Ok(true));
}

#[test]
fn kind_prefilter_rules_out_only_what_the_kind_match_rules_out() {
    let none = BTreeMap::new();
    let object = json!({"metadata": {"name": "x"}});
    let blocks = [
        // any: every filter names kinds, none a wildcard.
        MatchResources {
            any: vec![
                kinds(&["Pod"]),
                kinds(&["apps/v1/Deployment", "batch/v1/Job"]),
            ],
            ..MatchResources::default()
        },
        // any with a filter of any kind: nothing ruled out by name.
        MatchResources {
            any: vec![kinds(&["Pod"]), kinds(&[])],
            ..MatchResources::default()
        },
        // all: each filter must admit the kind.
        MatchResources {
            all: vec![kinds(&["Pod", "Service"]), kinds(&["v1/Pod"])],
            ..MatchResources::default()
        },
        // a wildcard kind and a subresource selector.
        MatchResources {
            direct: kinds(&["P*", "Pod/status"]),
            ..MatchResources::default()
        },
        MatchResources {
            direct: kinds(&["Pod/status"]),
            ..MatchResources::default()
        },
    ];
    let expected_out = [
        // Pod, Deployment, Job, Service, ConfigMap
        [false, false, false, true, true],
        [false, false, false, false, false],
        [false, true, true, true, true],
        [false, false, false, false, false],
        [false, true, true, true, true],
    ];
    for (block, expected) in blocks.iter().zip(expected_out) {
        let prefilter = KindPrefilter::new(block);
        for ((group, kind), out) in [
            ("", "Pod"),
            ("apps", "Deployment"),
            ("batch", "Job"),
            ("", "Service"),
            ("", "ConfigMap"),
        ]
        .into_iter()
        .zip(expected)
        {
            assert_eq!(prefilter.rules_out(kind), out, "{block:?} {kind}");
            let t = target(&object, group, kind, "default", &none);
            if out {
                assert!(!block.may_match_kind(&t), "{block:?} {kind}");
            }
        }
    }
}
