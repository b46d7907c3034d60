//! The context Kyverno's CLI builds, and context entries (cases after
//! kyverno/kyverno `pkg/engine/context/*_test.go` and the engine's
//! `context-entries` CLI scenario at 111e07bbecc66abfde36ab99969af22d7a961003).

use serde_json::{json, Value};

use super::{Context, ContextError, NoRepositoryData, RepositoryData};
use crate::variables::VariableError;

fn pod() -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web", "namespace": "prod"},
        "spec": {
            "initContainers": [{"name": "init", "image": "busybox:1.36"}],
            "containers": [
                {"name": "app", "image": "ghcr.io/org/app@sha256:dead07b4d8ed7e29e98de0f4504d87e8880d4347859d839686a31da35a3b532f"},
                {"name": "side", "image": "localhost:5000/tools/side"}
            ]
        }
    })
}

#[test]
fn request_fields() {
    let c = Context::for_resource(&pod(), "CREATE", None);
    assert_eq!(c.query("request.operation").unwrap(), json!("CREATE"));
    assert_eq!(c.query("request.namespace").unwrap(), json!("prod"));
    assert_eq!(
        c.query("request.object.metadata.name").unwrap(),
        json!("web")
    );
    assert!(c.query("request.oldObject").unwrap_err().is_not_found());
    let c = Context::for_resource(&pod(), "UPDATE", Some("other"));
    assert_eq!(
        c.query("request.oldObject.metadata.name").unwrap(),
        json!("web")
    );
    assert_eq!(c.query("request.namespace").unwrap(), json!("other"));
    let c = Context::for_resource(
        &json!({"kind": "Namespace", "metadata": {"name": "x"}}),
        "CREATE",
        None,
    );
    assert_eq!(c.query("request.namespace").unwrap(), json!(""));
    assert!(c.query("images").unwrap_err().is_not_found());
}

#[test]
fn images() {
    let c = Context::for_resource(&pod(), "CREATE", None);
    assert_eq!(
        c.query("images.initContainers.init").unwrap(),
        json!({"registry": "docker.io", "name": "busybox", "path": "busybox", "tag": "1.36",
               "reference": "docker.io/busybox:1.36", "referenceWithTag": "docker.io/busybox:1.36",
               "jsonPointer": "/spec/initContainers/0/image"})
    );
    assert_eq!(
        c.query("images.containers.app.digest").unwrap(),
        json!("sha256:dead07b4d8ed7e29e98de0f4504d87e8880d4347859d839686a31da35a3b532f")
    );
    assert!(c
        .query("images.containers.app.tag")
        .unwrap_err()
        .is_not_found());
    assert_eq!(
        c.query("images.containers.side.registry").unwrap(),
        json!("localhost:5000")
    );
    assert_eq!(
        c.query("images.containers.side.path").unwrap(),
        json!("tools/side")
    );
    let deployment = json!({"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}}});
    let c = Context::for_resource(&deployment, "CREATE", None);
    assert_eq!(
        c.query("images.containers.c.jsonPointer").unwrap(),
        json!("/spec/jobTemplate/spec/template/spec/containers/0/image")
    );
    // A bad image fails only the queries that read `images`.
    let bad = json!({"kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "Bad:Image:"}]}});
    let c = Context::for_resource(&bad, "CREATE", None);
    assert!(c.query("images.containers").is_err());
    assert_eq!(c.query("request.object.metadata.name").unwrap(), json!("p"));
}

#[test]
fn foreach_elements_nest() {
    let c = Context::for_resource(&pod(), "CREATE", None);
    let outer = c.with_element(&json!({"name": "a", "ports": [80]}), 1);
    assert_eq!(outer.query("element.name").unwrap(), json!("a"));
    assert_eq!(outer.query("element0.name").unwrap(), json!("a"));
    assert_eq!(outer.query("elementIndex").unwrap(), json!(1));
    assert_eq!(outer.query("elementIndex0").unwrap(), json!(1));
    let inner = outer.with_element(&json!(80), 0);
    assert_eq!(inner.query("element").unwrap().as_f64(), Some(80.0));
    assert_eq!(inner.query("element0.name").unwrap(), json!("a"));
    assert_eq!(inner.query("elementIndex1").unwrap(), json!(0));
    assert_eq!(inner.query("elementIndex0").unwrap(), json!(1));
    assert!(c.query("element").unwrap_err().is_not_found());
}

#[test]
fn values_and_service_accounts() {
    let mut c = Context::for_resource(&pod(), "CREATE", None);
    c.set_variable("request.object.metadata.name", json!("renamed"));
    c.set_variable("dictionary.data.\"some.key\"", json!("v"));
    c.set_variable("count", json!(2));
    assert_eq!(
        c.query("request.object.metadata.name").unwrap(),
        json!("renamed")
    );
    assert_eq!(
        c.query("request.object.metadata.namespace").unwrap(),
        json!("prod")
    );
    assert_eq!(c.query("dictionary.data.\"some.key\"").unwrap(), json!("v"));
    assert_eq!(c.query("count").unwrap().as_f64(), Some(2.0));
    c.set_service_account("system:serviceaccount:kube-system:builder");
    assert_eq!(c.query("serviceAccountName").unwrap(), json!("builder"));
    assert_eq!(
        c.query("serviceAccountNamespace").unwrap(),
        json!("kube-system")
    );
    c.set_service_account("alice");
    assert_eq!(c.query("serviceAccountName").unwrap(), json!(""));
}

struct Repo;

impl RepositoryData for Repo {
    fn config_map(&self, namespace: &str, name: &str) -> Option<Value> {
        (namespace == "default" && name == "allowed")
            .then(|| json!({"metadata": {"name": "allowed"}, "data": {"registries": "ghcr.io"}}))
    }
}

#[test]
fn variable_entries() {
    let mut c = Context::for_resource(&pod(), "CREATE", None);
    let entries = json!([
        {"name": "second", "variable": {"jmesPath": "first.n", "default": 0}},
        {"name": "first", "variable": {"value": {"n": 5}}},
        {"name": "name", "variable": {"jmesPath": "request.object.metadata.name"}},
        {"name": "upper", "variable": {"value": "{{ to_upper(name) }}"}},
        {"name": "missing", "variable": {"jmesPath": "request.object.metadata.labels.app"}},
        {"name": "defaulted", "variable": {"jmesPath": "request.object.metadata.labels.app", "default": "none"}},
        {"name": "picked", "variable": {"value": ["a", "b"], "jmesPath": "[1]"}}
    ]);
    c.add_entries(&entries, &NoRepositoryData).unwrap();
    assert_eq!(c.query("first.n").unwrap().as_f64(), Some(5.0));
    assert_eq!(c.query("second").unwrap().as_f64(), Some(5.0));
    assert_eq!(c.query("upper").unwrap(), json!("WEB"));
    assert_eq!(c.query("defaulted").unwrap(), json!("none"));
    assert_eq!(c.query("picked").unwrap(), json!("b"));
    // The failed entry fails the queries that use it, and only those.
    assert!(matches!(
        c.query("missing"),
        Err(VariableError::Evaluation { .. })
    ));
    assert!(c.query("length(missing)").is_err());
    assert_eq!(c.query("name").unwrap(), json!("web"));
}

#[test]
fn config_maps_and_offline_sources() {
    let mut c = Context::for_resource(&pod(), "CREATE", None);
    c.add_entries(
        &json!([{"name": "allowed", "configMap": {"name": "allowed", "namespace": "default"}}]),
        &Repo,
    )
    .unwrap();
    assert_eq!(
        c.query("allowed.data.registries").unwrap(),
        json!("ghcr.io")
    );
    let mut c = Context::for_resource(&pod(), "CREATE", None);
    let err = c
        .add_entries(
            &json!([{"name": "cm", "configMap": {"name": "other"}}]),
            &Repo,
        )
        .unwrap_err();
    assert_eq!(
        err,
        ContextError::NotDecidableOffline {
            needs: "ConfigMap default/other (context entry `cm`)".to_owned()
        }
    );
    let err = c
        .add_entries(
            &json!([{"name": "ns", "apiCall": {"urlPath": "/api/v1/namespaces"}}]),
            &Repo,
        )
        .unwrap_err();
    assert_eq!(
        err,
        ContextError::NotDecidableOffline {
            needs: "apiCall `/api/v1/namespaces` (context entry `ns`)".to_owned()
        }
    );
    // A values file that already set the entry answers it.
    c.set_variable("ns", json!({"items": []}));
    c.add_entries(
        &json!([{"name": "ns", "apiCall": {"urlPath": "/api/v1/namespaces"}}]),
        &Repo,
    )
    .unwrap();
    assert_eq!(c.query("ns.items").unwrap(), json!([]));
    // A namespaced policy may not read another namespace's ConfigMap.
    let mut c = Context::for_resource(&pod(), "CREATE", None).with_policy_namespace("team");
    c.add_entries(
        &json!([{"name": "cm", "configMap": {"name": "allowed", "namespace": "default"}}]),
        &Repo,
    )
    .unwrap();
    assert!(c.query("cm.data").is_err());
}

#[test]
fn malformed_entries_are_policy_problems() {
    let mut c = Context::for_resource(&pod(), "CREATE", None);
    for entries in [
        json!([{"variable": {"value": 1}}]),
        json!([{"name": "request", "variable": {"value": 1}}]),
        json!([{"name": "images.x", "variable": {"value": 1}}]),
        json!([{"name": "x"}]),
        json!([{"name": "x", "variable": {"value": 1}, "configMap": {"name": "a"}}]),
        json!({"name": "x"}),
    ] {
        assert!(
            matches!(
                c.add_entries(&entries, &NoRepositoryData),
                Err(ContextError::InvalidEntry { .. })
            ),
            "{entries}"
        );
    }
}
