//! Cases from kyverno/kyverno `pkg/engine/variables/vars_test.go` and
//! `variables_test.go` at 111e07bbecc66abfde36ab99969af22d7a961003.

use proptest::prelude::*;
use serde_json::{json, Value};

use super::{
    substitute, substitute_message, try_substitute_message, validate_syntax, VariableError,
};
use crate::context::Context;

fn ctx() -> Context {
    Context::for_resource(
        &json!({
            "metadata": {"name": "temp", "namespace": "n1", "annotations": {"a": "{{b}}"}},
            "spec": {"namespace": "n1", "name": "temp1", "port": "443", "replicas": 3, "kind": "foo"}
        }),
        "CREATE",
        None,
    )
}

#[test]
fn sub_vars_success_and_failure() {
    let pattern = json!({
        "kind": "{{request.object.metadata.name}}",
        "name": "ns-owner-{{request.object.metadata.name}}",
        "data": {"rules": [{"apiGroups": ["{{request.object.metadata.name}}"], "resources": ["namespaces"]}]}
    });
    assert_eq!(
        substitute(&pattern, &ctx()).unwrap(),
        json!({"kind": "temp", "name": "ns-owner-temp", "data": {"rules": [{"apiGroups": ["temp"], "resources": ["namespaces"]}]}})
    );
    let failing = json!({"kind": "{{request.object.metadata.name1}}"});
    assert!(
        matches!(substitute(&failing, &ctx()), Err(VariableError::NotFound { key, .. }) if key == "name1")
    );
}

#[test]
fn current_node_at() {
    // `{{@}}` under mutate.overlay (the first two path elements are skipped).
    let pattern = json!({"mutate": {"overlay": {"spec": {"kind": "{{@}}"}}}});
    assert_eq!(
        substitute(&pattern, &ctx()).unwrap(),
        json!({"mutate": {"overlay": {"spec": {"kind": "foo"}}}})
    );
    let nested =
        json!({"mutate": {"overlay": {"spec": {"port": "{{ regex_match('(443)', '{{@}}') }}"}}}});
    assert_eq!(
        substitute(&nested, &ctx()).unwrap(),
        json!({"mutate": {"overlay": {"spec": {"port": true}}}})
    );
    let literal = json!({"mutate": {"overlay": {"spec": {"port": "{{ regex_replace_all_literal('.*', '{{@}}', '1313') }}"}}}});
    assert_eq!(
        substitute(&literal, &ctx()).unwrap(),
        json!({"mutate": {"overlay": {"spec": {"port": "1313"}}}})
    );
}

#[test]
fn typed_and_embedded_values() {
    let c = ctx();
    assert_eq!(
        substitute(&json!("{{ request.object.spec.replicas }}"), &c).unwrap(),
        json!(3)
    );
    assert_eq!(
        substitute(&json!("n={{ request.object.spec.replicas }}"), &c).unwrap(),
        json!("n=3")
    );
    assert_eq!(
        substitute(&json!("{{ merge(`{\"a\": 1}`, `{\"b\": 1}`) }}"), &c).unwrap(),
        json!({"a": 1.0, "b": 1.0})
    );
    assert_eq!(
        substitute(&json!("x {{ merge(`{\"b\": 1}`, `{\"a\": \"<\"}`) }}"), &c).unwrap(),
        json!("x {\"a\":\"\\u003c\",\"b\":1}")
    );
    assert_eq!(substitute(&json!("{{ `null` }}"), &c).unwrap(), Value::Null);
    assert_eq!(
        substitute(&json!("a{{ `null` }}"), &c).unwrap(),
        json!("anull")
    );
    assert_eq!(
        substitute(&json!(["{{ request.namespace }}", 1, true]), &c).unwrap(),
        json!(["n1", 1, true])
    );
    assert_eq!(
        substitute(&json!({"{{ request.object.metadata.name }}": "v"}), &c).unwrap(),
        json!({"temp": "v"})
    );
    assert!(matches!(
        substitute(&json!({"{{ request.object.spec.replicas }}": "v"}), &c),
        Err(VariableError::Invalid { .. })
    ));
}

#[test]
fn escapes_nesting_and_shallow() {
    let c = ctx();
    assert_eq!(
        substitute(&json!("\\{{ request.namespace }}"), &c).unwrap(),
        json!("{{ request.namespace }}")
    );
    assert_eq!(
        substitute(&json!("a \\{{x}} {{ request.namespace }}"), &c).unwrap(),
        json!("a {{x}} n1")
    );
    // The annotation's value is itself a variable; deep substitution resolves
    // it again (and fails here), shallow keeps it as text.
    assert!(substitute(&json!("v={{ request.object.metadata.annotations.a }}"), &c).is_err());
    assert_eq!(
        substitute(&json!("v={{- request.object.metadata.annotations.a }}"), &c).unwrap(),
        json!("v={{b}}")
    );
    assert_eq!(
        substitute(&json!("{{ request.object.metadata.{{ 'name' }} }}"), &c).unwrap(),
        json!("temp")
    );
    assert_eq!(
        substitute(&json!("{{ request.operation || 'BACKGROUND' }}"), &c).unwrap(),
        json!("CREATE")
    );
}

#[test]
fn delete_reads_old_object() {
    let c = Context::for_resource(&json!({"metadata": {"name": "gone"}}), "DELETE", None);
    assert_eq!(
        substitute(&json!("{{ request.object.metadata.name }}"), &c).unwrap(),
        json!("gone")
    );
}

#[test]
fn messages() {
    let c = ctx();
    assert_eq!(
        substitute_message("pod {{ request.object.metadata.name }} is bad", &c),
        "pod temp is bad"
    );
    assert_eq!(
        substitute_message("pod {{ request.object.nope }} is bad", &c),
        "pod {{ request.object.nope }} is bad"
    );
    assert_eq!(
        try_substitute_message("{{ request.object.spec.replicas }}", &c).unwrap(),
        "3"
    );
}

#[test]
fn syntax_checks() {
    assert!(validate_syntax("plain").is_ok());
    assert!(validate_syntax("{{ request.object.metadata.name }}").is_ok());
    assert!(validate_syntax("a {{ to_upper(request.namespace) }} b").is_ok());
    assert!(validate_syntax("\\{{ not a variable").is_ok());
    assert!(matches!(
        validate_syntax("{{ request.object"),
        Err(VariableError::UnbalancedBraces { .. })
    ));
    assert!(matches!(
        validate_syntax("{{ a }} {{ b"),
        Err(VariableError::UnbalancedBraces { .. })
    ));
    assert!(matches!(
        validate_syntax("{{ nope(a) }}"),
        Err(VariableError::UnknownFunction { .. })
    ));
    assert!(matches!(
        validate_syntax("{{ a[? }}"),
        Err(VariableError::Syntax { .. })
    ));
}

#[test]
fn hostile_inputs_are_errors_not_panics() {
    let c = ctx();
    for text in [
        "{{}}",
        "{{ }}",
        "{{ - }}",
        "{{@}}",
        "{{ [ }}",
        "{{ `{` }}",
        "{{ a.b.c.d.e.f }}",
        "{{{{{{",
        "}}}}",
        "{{ '\u{0}' }}",
        "{{ \"\\ud800\" }}",
    ] {
        let _ = substitute(&json!(text), &c);
        let _ = validate_syntax(text);
    }
    // A variable that keeps producing itself stops.
    let mut looping = ctx();
    looping.set_variable("x", json!("a{{x}}"));
    assert!(substitute(&json!("b{{x}}"), &looping).is_err());
}

proptest! {
    #[test]
    fn substitution_never_panics(text in "[{}a-z.@\\\\ '`|()\\-\\[\\]*?0-9]{0,40}") {
        let c = ctx();
        let _ = substitute(&json!(text), &c);
        let _ = validate_syntax(&text);
        let _ = crate::jmespath::compile(&text);
        let _ = c.query(&text);
    }
}

/// The hand-written variable scanner finds exactly what Kyverno's regular
/// expression finds, on every string of up to 7 characters over the
/// characters that matter to it (and a multi-byte one).
#[test]
fn scanner_agrees_with_the_variable_regex() {
    use super::{find_variables, VARIABLE};
    let alphabet = ['{', '}', '\\', 'a', 'é'];
    let mut strings = vec![String::new()];
    let mut checked = 0;
    for _ in 0..7 {
        let mut longer = Vec::new();
        for s in &strings {
            for c in alphabet {
                let mut t = s.clone();
                t.push(c);
                let by_regex: Vec<(usize, String)> = VARIABLE
                    .captures_iter(&t)
                    .filter_map(|c| c.get(2).map(|m| (m.start(), m.as_str().to_owned())))
                    .collect();
                assert_eq!(find_variables(&t), by_regex, "{t:?}");
                checked += 1;
                longer.push(t);
            }
        }
        strings = longer;
    }
    assert!(checked > 90_000);
    for text in [
        "{{ request.object.metadata.name }}",
        "x {{a}} {{ {b: c} }} \\{{d}} {{e}}{{f}}",
        "{{{x}}",
        "{{ a.{{b}} }}",
        "é{{a}}",
    ] {
        let by_regex: Vec<(usize, String)> = VARIABLE
            .captures_iter(text)
            .filter_map(|c| c.get(2).map(|m| (m.start(), m.as_str().to_owned())))
            .collect();
        assert_eq!(find_variables(text), by_regex, "{text:?}");
    }
}
