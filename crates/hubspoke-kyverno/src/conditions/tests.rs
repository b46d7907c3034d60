//! Cases from kyverno/kyverno `pkg/engine/variables/operator/*_test.go` and
//! `pkg/engine/variables/evaluate_test.go` at
//! 111e07bbecc66abfde36ab99969af22d7a961003. Go `int`s are JSON integers here,
//! Go `float64`s JSON floats.

use serde_json::{json, Value};

use super::{evaluate, evaluate_with_message, validate, ConditionError, Operator};
use crate::context::Context;

fn check(op: Operator, cases: &[(Value, Value, bool)]) {
    for (key, value, want) in cases {
        assert_eq!(op.evaluate(key, value), *want, "{op:?}: {key} vs {value}");
    }
}

#[test]
fn any_not_in_table() {
    check(
        Operator::AnyNotIn,
        &[
            (json!("kyverno"), json!("kyverno"), false),
            (json!("kube-system"), json!(["default", "kube-*"]), false),
            (json!("kyverno"), json!("default"), true),
            (json!(64), json!("64"), false),
            (json!(1), json!([1, 2, 3]), false),
            (json!(64), json!("default"), true),
            (json!(3.25), json!("3.25"), false),
            (json!(2.2), json!([1.1, 2.2, 3.3]), false),
            (json!(3.25), json!("default"), true),
            (json!(true), json!(true), false),
            (
                json!(["kube-system", "kube-public"]),
                json!("kube-*"),
                false,
            ),
            (
                json!(["kube-system", "default"]),
                json!("kube-system"),
                true,
            ),
            (json!(["default", "kyverno"]), json!("kube-*"), true),
            (json!([1, 2, 3]), json!(2), true),
            (json!([1, 2, 3]), json!(4), true),
            (json!([1.1, 2.2, 3.3]), json!(1.1), true),
            (json!([1.1, 2.2, 3.3]), json!(4.4), true),
            (json!([true, false]), json!(true), true),
            (json!([true]), json!(false), true),
            (
                json!(["default", "kyverno"]),
                json!(["kube-*", "kube-system"]),
                true,
            ),
            (
                json!(["default", "kyverno"]),
                json!(["kube-*", "ky*"]),
                true,
            ),
            (json!([]), json!(["default", "kyverno"]), false),
            (json!(""), json!(["default", "kyverno"]), true),
        ],
    );
}

#[test]
fn all_not_in_table() {
    check(
        Operator::AllNotIn,
        &[
            (json!("kyverno"), json!("kyverno"), false),
            (json!("kube-system"), json!(["default", "kube-*"]), false),
            (json!("kyverno"), json!("default"), true),
            (json!(64), json!("64"), false),
            (json!(64), json!("default"), true),
            (
                json!(["kube-system", "kube-public"]),
                json!("kube-*"),
                false,
            ),
            (
                json!(["kube-system", "default"]),
                json!("kube-system"),
                false,
            ),
            (json!(["default", "kyverno"]), json!("kube-*"), true),
            (
                json!(["default", "kyverno"]),
                json!(["kube-*", "kube-system"]),
                true,
            ),
            (
                json!(["default", "kyverno"]),
                json!(["kube-*", "ky*"]),
                false,
            ),
        ],
    );
}

#[test]
fn any_in_and_all_in() {
    check(
        Operator::AnyIn,
        &[
            (json!("kube-system"), json!(["default", "kube-*"]), true),
            (json!(["a", "b"]), json!(["b", "c"]), true),
            (json!(["a", "b"]), json!(["c"]), false),
            (json!("a"), json!("[\"a\", \"b\"]"), true),
            (json!("x"), json!("[1, 2]"), false),
            (json!(5), json!("1-10"), true),
            (json!(11), json!("1-10"), false),
            (json!(["5", "20"]), json!("1-10"), true),
            (json!("1"), json!(1), false),
            (json!({"a": 1}), json!(["a"]), false),
        ],
    );
    check(
        Operator::AllIn,
        &[
            (json!(["a", "b"]), json!(["a", "b", "c"]), true),
            (json!(["a", "d"]), json!(["a", "b", "c"]), false),
            (json!(["a*"]), json!(["abc"]), true),
            (json!(["5", "7"]), json!("1-10"), true),
            (json!(["5", "20"]), json!("1-10"), false),
            (json!([]), json!(["a"]), true),
        ],
    );
}

#[test]
fn deprecated_in_table() {
    check(
        Operator::In,
        &[
            (json!("apple"), json!(["apple", "banana", "cherry"]), true),
            (json!("grape"), json!(["apple", "banana", "cherry"]), false),
            (json!("apple"), json!([]), false),
            (json!("hello"), json!("hello"), true),
            (json!("hello-world"), json!("hello-*"), true),
            (json!("goodbye-world"), json!("hello-*"), false),
            (
                json!("apple"),
                json!("[\"apple\", \"banana\", \"cherry\"]"),
                true,
            ),
            (
                json!("grape"),
                json!("[\"apple\", \"banana\", \"cherry\"]"),
                false,
            ),
            (json!(42), json!(["42", "43", "44"]), true),
            (json!(99), json!(["42", "43", "44"]), false),
            (json!(3.25), json!(["3.25", "2.71"]), true),
            (json!(true), json!(["true", "false"]), true),
            (
                json!(["apple", "banana"]),
                json!(["apple", "banana", "cherry"]),
                true,
            ),
            (
                json!(["apple", "grape"]),
                json!(["apple", "banana", "cherry"]),
                false,
            ),
            (
                json!(["apple", "banana"]),
                json!("[\"apple\", \"banana\", \"cherry\"]"),
                true,
            ),
            (json!({"foo": "bar"}), json!(["a", "b"]), false),
            (json!("apple"), json!(12345), false),
            (json!(["test"]), json!("test"), true),
            (json!(["a"]), json!(123), false),
            (json!([]), json!(["a", "b"]), true),
            (json!(["a"]), json!([]), false),
        ],
    );
    check(
        Operator::NotIn,
        &[
            (json!(["a", "d"]), json!(["a", "b", "c"]), true),
            (json!(["a", "b"]), json!(["a", "b", "c"]), false),
            (json!([]), json!(["a", "b"]), false),
            (json!(["a"]), json!([]), true),
            (json!("x"), json!(["a"]), true),
        ],
    );
}

#[test]
fn equals_and_not_equals() {
    check(
        Operator::Equals,
        &[
            (json!(true), json!(true), true),
            (json!(true), json!("true"), false),
            (json!(1), json!(1.0), true),
            (json!(1), json!("1"), true),
            (json!(1.0), json!("1.0"), true),
            (json!(1.5), json!(1), false),
            (json!("1h"), json!("60m"), true),
            (json!("1Gi"), json!("1024Mi"), true),
            (json!("1Gi"), json!("1G"), false),
            (json!("nginx:latest"), json!("nginx:*"), true),
            (json!("nginx:*"), json!("nginx:latest"), false),
            (json!({"a": "b"}), json!({"a": "b"}), true),
            (json!(["a"]), json!(["a"]), true),
            (json!(["a"]), json!("a"), false),
            (Value::Null, Value::Null, false),
        ],
    );
    check(
        Operator::NotEquals,
        &[
            (json!("a"), json!("b"), true),
            (json!("a"), json!("a"), false),
            (json!("a*"), json!("abc"), true),
            (json!("abc"), json!("a*"), false),
            (json!("1Gi"), json!("1024Mi"), false),
            (json!(1), json!(2), true),
            (json!(true), json!("x"), true),
            (json!({"a": 1}), json!("x"), true),
            (Value::Null, json!("x"), false),
        ],
    );
}

#[test]
fn numeric_and_duration_table() {
    use Operator::*;
    let cases: &[(Operator, Value, Value, bool)] = &[
        (DurationGreaterThan, json!("2h"), json!("1h"), true),
        (DurationGreaterThan, json!("1h"), json!("2h"), false),
        (DurationGreaterThan, json!("1h"), json!("1h"), false),
        (DurationGreaterThan, json!("60m"), json!("1h"), false),
        (DurationGreaterThan, json!("61m"), json!("1h"), true),
        (DurationGreaterThan, json!(120), json!(60), true),
        (DurationGreaterThan, json!(60), json!(120), false),
        (DurationGreaterThan, json!(120), json!("1m"), true),
        (DurationGreaterThan, json!(120.5), json!(60.5), true),
        (DurationGreaterThan, json!(120.5), json!(60), true),
        (DurationGreaterThan, json!(120.0), json!("1m"), true),
        (DurationGreaterThan, json!(true), json!(false), false),
        (DurationGreaterThanOrEquals, json!("1h"), json!("60m"), true),
        (
            DurationGreaterThanOrEquals,
            json!("30m"),
            json!("1h"),
            false,
        ),
        (DurationGreaterThanOrEquals, json!(60), json!(60), true),
        (DurationLessThan, json!("30m"), json!("1h"), true),
        (DurationLessThan, json!("1h"), json!("60m"), false),
        (DurationLessThanOrEquals, json!("1h"), json!("60m"), true),
        (DurationLessThanOrEquals, json!("2h"), json!("1h"), false),
        (GreaterThan, json!(120), json!(60), true),
        (GreaterThan, json!(120), json!(60.0), true),
        (GreaterThan, json!(120), json!("1m"), true),
        (GreaterThan, json!(120), json!("invalid"), false),
        (GreaterThan, json!(120), json!(true), false),
        (GreaterThan, json!("2Gi"), json!("1Gi"), true),
        (GreaterThan, json!("500m"), json!("1"), false),
        (GreaterThan, json!("10"), json!(9), true),
        (GreaterThan, json!("1.2.3"), json!("1.2.0"), true),
        (GreaterThan, json!("1h"), json!("30m"), true),
        (GreaterThanOrEquals, json!(3), json!("3"), true),
        (LessThan, json!("100Mi"), json!("1Gi"), true),
        (LessThan, json!("abc"), json!("def"), false),
        (LessThanOrEquals, json!(2.5), json!("2.5"), true),
    ];
    for (op, key, value, want) in cases {
        assert_eq!(op.evaluate(key, value), *want, "{op:?}: {key} vs {value}");
    }
}

fn ctx() -> Context {
    Context::for_resource(
        &json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "prod", "labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}),
        "CREATE",
        None,
    )
}

#[test]
fn any_all_blocks() {
    let ctx = ctx();
    let yes = json!({"key": "{{ request.object.metadata.name }}", "operator": "Equals", "value": "web", "message": "named web"});
    let no = json!({"key": "{{ request.object.metadata.name }}", "operator": "Equals", "value": "db", "message": "named db"});
    assert!(evaluate(&json!({"any": [no, yes]}), &ctx).unwrap());
    assert!(!evaluate(&json!({"any": [no]}), &ctx).unwrap());
    assert!(!evaluate(&json!({"any": []}), &ctx).unwrap());
    assert!(evaluate(&json!({"all": []}), &ctx).unwrap());
    assert!(evaluate(&json!({"any": [yes], "all": [yes]}), &ctx).unwrap());
    assert!(!evaluate(&json!({"any": [yes], "all": [no]}), &ctx).unwrap());
    assert!(evaluate(&json!([yes, yes]), &ctx).unwrap());
    assert!(!evaluate(&json!([yes, no]), &ctx).unwrap());
    assert!(evaluate(&Value::Null, &ctx).unwrap());
    let outcome = evaluate_with_message(&json!({"all": [yes, no]}), &ctx).unwrap();
    assert_eq!(
        (outcome.passed, outcome.message.as_str()),
        (false, "named db")
    );
    let outcome = evaluate_with_message(&json!({"any": [yes]}), &ctx).unwrap();
    assert_eq!(
        (outcome.passed, outcome.message.as_str()),
        (true, "named web")
    );
}

#[test]
fn operation_idiom_and_errors() {
    let ctx = ctx();
    let idiom = json!({"all": [{"key": "{{ request.operation || 'BACKGROUND' }}", "operator": "AnyIn", "value": ["CREATE", "UPDATE"]}]});
    assert!(evaluate(&idiom, &ctx).unwrap());
    let missing = json!({"all": [{"key": "{{ request.object.metadata.annotations.foo }}", "operator": "Equals", "value": "x"}]});
    assert!(matches!(evaluate(&missing, &ctx), Err(ConditionError::Key(e)) if e.is_not_found()));
    let defaulted = json!({"all": [{"key": "{{ request.object.metadata.annotations.foo || '' }}", "operator": "Equals", "value": ""}]});
    assert!(evaluate(&defaulted, &ctx).unwrap());
    let bad_operator = json!({"all": [{"key": "a", "operator": "Bogus", "value": "a"}]});
    assert!(matches!(
        evaluate(&bad_operator, &ctx),
        Err(ConditionError::UnknownOperator { .. })
    ));
    // Operators are case-insensitive when evaluated, exact when validated.
    let lower = json!({"all": [{"key": "a", "operator": "equals", "value": "a"}]});
    assert!(evaluate(&lower, &ctx).unwrap());
    assert!(matches!(
        validate(&lower),
        Err(ConditionError::UnknownOperator { .. })
    ));
    assert!(matches!(
        evaluate(&json!("nope"), &ctx),
        Err(ConditionError::Invalid { .. })
    ));
    assert!(matches!(
        evaluate(&json!({"any": "x"}), &ctx),
        Err(ConditionError::Invalid { .. })
    ));
}

#[test]
fn validate_checks_shape_operators_and_syntax() {
    assert!(validate(&json!({"any": [{"key": "{{ to_upper(request.object.metadata.name) }}", "operator": "Equals", "value": "X"}]})).is_ok());
    assert!(matches!(
        validate(&json!({"all": [{"key": "{{ nope(x) }}", "operator": "Equals", "value": "X"}]})),
        Err(ConditionError::Key(_))
    ));
    assert!(matches!(
        validate(&json!({"all": [{"key": "a", "operator": "Equals", "value": "{{ a"}]})),
        Err(ConditionError::Value(_))
    ));
    assert!(matches!(
        validate(&json!({"some": []})),
        Err(ConditionError::Invalid { .. })
    ));
    assert!(matches!(
        validate(&json!([{"key": "a", "operator": "Is", "value": "b"}])),
        Err(ConditionError::UnknownOperator { .. })
    ));
}
