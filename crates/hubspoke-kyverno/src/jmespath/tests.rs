//! Cases from kyverno/kyverno `pkg/engine/jmespath/{functions,arithmetic,time}_test.go`
//! at 111e07bbecc66abfde36ab99969af22d7a961003, run through our evaluator.

use chrono::{TimeZone, Utc};
use serde_json::{json, Value};

use super::{compile, to_value, to_variable, Clock};
use crate::variables::VariableError;

fn clock() -> Clock {
    Clock::Fixed(
        Utc.with_ymd_and_hms(2024, 3, 1, 12, 0, 0)
            .single()
            .expect("valid instant"),
    )
}

fn eval_on(expression: &str, data: &Value) -> Result<Value, VariableError> {
    let compiled = compile(expression)?;
    compiled
        .search(&to_variable(data), clock())
        .map(|v| to_value(&v))
}

fn eval(expression: &str) -> Result<Value, VariableError> {
    eval_on(expression, &json!({}))
}

/// Compare numbers by value: Go's results are all float64.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

#[test]
fn kyverno_function_table() {
    let cases: Vec<(&str, Value)> = vec![
        ("compare('a', 'a')", json!(0)),
        ("compare('a', 'b')", json!(-1)),
        ("compare('b', 'a')", json!(1)),
        ("equal_fold('Go', 'go')", json!(true)),
        ("equal_fold('a', 'b')", json!(false)),
        ("equal_fold('1', 'b')", json!(false)),
        (
            "replace('Lorem ipsum dolor sit amet', 'ipsum', 'muspi', `-1`)",
            json!("Lorem muspi dolor sit amet"),
        ),
        (
            "replace('Lorem ipsum ipsum ipsum dolor sit amet', 'ipsum', 'muspi', `-1`)",
            json!("Lorem muspi muspi muspi dolor sit amet"),
        ),
        (
            "replace('Lorem ipsum ipsum ipsum dolor sit amet', 'ipsum', 'muspi', `1`)",
            json!("Lorem muspi ipsum ipsum dolor sit amet"),
        ),
        (
            "replace_all('Lorem ipsum dolor sit amet', 'Lorem', 'muspi')",
            json!("muspi ipsum dolor sit amet"),
        ),
        ("to_upper('abc')", json!("ABC")),
        ("to_upper('123')", json!("123")),
        ("to_upper('a#%&123Bc')", json!("A#%&123BC")),
        ("to_lower('ABC')", json!("abc")),
        ("to_lower('123')", json!("123")),
        ("to_lower('a#%&123Bc')", json!("a#%&123bc")),
        (
            "trim('¡¡¡Hello, Gophers!!!', '!¡')",
            json!("Hello, Gophers"),
        ),
        ("trim_prefix('Lorem ipsum', 'Lorem ')", json!("ipsum")),
        ("trim_prefix('Lorem ipsum', 'ipsum')", json!("Lorem ipsum")),
        ("split('Hello, Gophers', ', ')", json!(["Hello", "Gophers"])),
        ("split('Hello, Gophers', 'ello, ')", json!(["H", "Gophers"])),
        ("split('abc', '')", json!(["a", "b", "c"])),
        (
            "regex_replace_all('([Hh]e|G)l', 'Hello, Gophers', '${2}G$1')",
            json!("GHelo, Gophers"),
        ),
        (
            "regex_replace_all('(\\d+)', '10 20', 'n$1')",
            json!("n10 n20"),
        ),
        (
            "regex_replace_all_literal('[Hh]el?', 'Hello, Gophers', 'G')",
            json!("Glo, GopGrs"),
        ),
        (
            "regex_replace_all('([0-9]+)', `443`, 'port-$1')",
            json!("port-443"),
        ),
        ("regex_match('^[0-9]+$', '1234')", json!(true)),
        ("regex_match('^[0-9]+$', `1234`)", json!(true)),
        ("regex_match('^[a-z]+$', '1234')", json!(false)),
        ("regex_match('(443)', '443')", json!(true)),
        ("pattern_match('prefix-*', 'prefix-foo')", json!(true)),
        ("pattern_match('prefix-?', 'prefix-ab')", json!(false)),
        ("pattern_match('12*', `1234`)", json!(true)),
        (
            "label_match(`{\"foo\": \"bar\"}`, `{\"foo\": \"bar\", \"x\": \"y\"}`)",
            json!(true),
        ),
        (
            "label_match(`{\"foo\": \"bar\", \"a\": \"b\"}`, `{\"foo\": \"bar\"}`)",
            json!(false),
        ),
        ("to_boolean('TruE')", json!(true)),
        ("to_boolean('faLSE')", json!(false)),
        (
            "base64_decode('SGVsbG8sIHdvcmxkIQ==')",
            json!("Hello, world!"),
        ),
        (
            "base64_encode('Hello, world!')",
            json!("SGVsbG8sIHdvcmxkIQ=="),
        ),
        ("path_canonicalize('///')", json!("/")),
        (
            "path_canonicalize('///var/run/containerd/containerd.sock')",
            json!("/var/run/containerd/containerd.sock"),
        ),
        (
            "path_canonicalize('/var/run///containerd/containerd.sock')",
            json!("/var/run/containerd/containerd.sock"),
        ),
        (
            "path_canonicalize('/var/run///containerd////')",
            json!("/var/run/containerd"),
        ),
        ("path_canonicalize('/run///')", json!("/run")),
        ("path_canonicalize('/run/../etc')", json!("/etc")),
        ("path_canonicalize('///etc*')", json!("/etc*")),
        ("path_canonicalize('/../../')", json!("/")),
        (
            "truncate('Lorem ipsum dolor sit amet', `5`)",
            json!("Lorem"),
        ),
        (
            "truncate('Lorem ipsum ipsum ipsum dolor sit amet', `11`)",
            json!("Lorem ipsum"),
        ),
        (
            "truncate('Lorem ipsum ipsum ipsum dolor sit amet', `40`)",
            json!("Lorem ipsum ipsum ipsum dolor sit amet"),
        ),
        ("truncate('Lorem ipsum', `2.6`)", json!("Lo")),
        ("truncate('Lorem ipsum', `0`)", json!("")),
        ("truncate('Lorem ipsum', `-1`)", json!("")),
        ("semver_compare('4.1.3','>=4.1.x')", json!(true)),
        ("semver_compare('4.1.3','!4.x.x')", json!(false)),
        ("semver_compare('1.8.6','>1.0.0 <2.0.0')", json!(true)),
        ("semver_compare('2.1.5','<2.0.0 || >=3.0.0')", json!(false)),
        ("semver_compare('not-a-version','<1.0.0')", json!(true)),
        (
            "parse_json('{\"a\": [1, \"x\", true]}')",
            json!({"a": [1.0, "x", true]}),
        ),
        (
            "parse_yaml('a: 1\nb: [x, true]')",
            json!({"a": 1.0, "b": ["x", true]}),
        ),
        ("lookup(`{\"key1\": \"value1\"}`, 'key1')", json!("value1")),
        ("lookup(`{\"key1\": \"value1\"}`, 'key2')", Value::Null),
        (
            "lookup(`[\"item0\", \"item1\", \"item2\"]`, `2`)",
            json!("item2"),
        ),
        ("lookup(`[\"item0\"]`, `5`)", Value::Null),
        (
            "items(`{\"key1\": \"value1\"}`, 'key', 'value')",
            json!([{"key": "key1", "value": "value1"}]),
        ),
        (
            "items(`{\"key2\": \"value2\", \"key1\": \"value1\"}`, 'myKey', 'myValue')",
            json!([{"myKey": "key1", "myValue": "value1"}, {"myKey": "key2", "myValue": "value2"}]),
        ),
        (
            "items(`[\"A\", \"B\", \"C\"]`, 'myKey', 'myValue')",
            json!([{"myKey": 0, "myValue": "A"}, {"myKey": 1, "myValue": "B"}, {"myKey": 2, "myValue": "C"}]),
        ),
        (
            "object_from_lists(`[\"key1\", \"key2\"]`, `[\"value1\", \"value2\"]`)",
            json!({"key1": "value1", "key2": "value2"}),
        ),
        (
            "object_from_lists(`[\"key1\", \"key2\"]`, `[\"value1\"]`)",
            json!({"key1": "value1", "key2": null}),
        ),
        ("image_normalize('nginx')", json!("docker.io/nginx:latest")),
        (
            "image_normalize('docker.io/nginx')",
            json!("docker.io/nginx:latest"),
        ),
        (
            "image_normalize('docker.io/library/nginx')",
            json!("docker.io/library/nginx:latest"),
        ),
        (
            "image_normalize('ghcr.io/library/nginx')",
            json!("ghcr.io/library/nginx:latest"),
        ),
        (
            "image_normalize('ghcr.io/nginx')",
            json!("ghcr.io/nginx:latest"),
        ),
        (
            "image_normalize('ghcr.io/nginx:1.2')",
            json!("ghcr.io/nginx:1.2"),
        ),
        ("is_external_url('http://127.0.0.1')", json!(false)),
        ("is_external_url('http://172.16.1.1')", json!(false)),
        ("is_external_url('http://8.8.8.8/x')", json!(true)),
        (
            "sha256('hello')",
            json!("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"),
        ),
        ("md5('hello')", json!("5d41402abc4b2a76b9719d911017c592")),
        (
            "sha1('hello')",
            json!("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"),
        ),
        ("round(`2.71828`, `2`)", json!(2.72)),
        // Kyverno's `sum` replaces the built-in one.
        ("sum([`1`, `2`])", json!(3)),
    ];
    for (expression, want) in cases {
        let got = eval(expression).unwrap_or_else(|e| panic!("{expression}: {e}"));
        assert!(same(&got, &want), "{expression}: got {got}, want {want}");
    }
}

#[test]
fn kyverno_arithmetic_table() {
    let ok: Vec<(&str, Value)> = vec![
        ("add(`12`, `13`)", json!(25)),
        ("add('12Ki', '13Ki')", json!("25Ki")),
        ("add('12Ki', '13')", json!("12301")),
        ("add('12s', '13s')", json!("25s")),
        ("sum([`12`])", json!(12)),
        ("sum([`12`, `13`, `1`, `4`])", json!(30)),
        ("sum(['12Ki'])", json!("12Ki")),
        ("sum(['12Ki', '13Ki', '1Ki', '4Ki'])", json!("30Ki")),
        ("sum(['12Ki', '13'])", json!("12301")),
        ("sum(['12s', '13s', '1s', '4s'])", json!("30s")),
        ("subtract(`12`, `13`)", json!(-1)),
        ("subtract('12Ki', '13Ki')", json!("-1Ki")),
        ("subtract('12Ki', '13')", json!("12275")),
        ("subtract('12s', '13s')", json!("-1s")),
        ("multiply(`12`, `13`)", json!(156)),
        ("multiply('12Ki', `13`)", json!("156Ki")),
        ("multiply(`13`, '12Ki')", json!("156Ki")),
        ("multiply('12s', `13`)", json!("2m36s")),
        ("multiply(`13`, '12s')", json!("2m36s")),
        ("divide(`12`, `13`)", json!(12.0 / 13.0)),
        ("divide('12Ki', '13Ki')", json!(12.0 / 13.0)),
        ("divide('12Ki', `3`)", json!("4Ki")),
        ("divide('12s', '13s')", json!(12.0 / 13.0)),
        ("divide('12s', `3`)", json!("4s")),
        ("modulo(`12`, `13`)", json!(12)),
        ("modulo(`13`, `12`)", json!(1)),
        ("modulo('13Ki', '12Ki')", json!("1Ki")),
        ("modulo('13s', '12s')", json!("1s")),
        ("add('500m', '1')", json!("1500m")),
        ("add('1Gi', '512Mi')", json!("1536Mi")),
        ("add('1k', '1')", json!("1001")),
    ];
    for (expression, want) in ok {
        let got = eval(expression).unwrap_or_else(|e| panic!("{expression}: {e}"));
        assert!(same(&got, &want), "{expression}: got {got}, want {want}");
    }
    let errors = [
        "add('12', '13s')",
        "add(`12`, '13Ki')",
        "add(`12`, '13')",
        "add('12Ki', '13s')",
        "add('12Ki', `13`)",
        "add('12s', `13`)",
        "sum([])",
        "sum(['12Ki', '13s'])",
        "subtract('12s', '13Ki')",
        "multiply('12Ki', '13Ki')",
        "multiply('12s', '13s')",
        "divide(`12`, `0`)",
        "divide('12Ki', '0Ki')",
        "divide('12s', '0s')",
        "divide(`12`, '13Ki')",
        "modulo(`12.5`, `13`)",
        "modulo(`12`, `0`)",
        "modulo('12Ki', `13`)",
        "add('12', 'abc')",
        "round(`1.5`, `1.5`)",
    ];
    for expression in errors {
        assert!(
            eval(expression).is_err(),
            "{expression} should fail, got {:?}",
            eval(expression)
        );
    }
}

#[test]
fn kyverno_time_table() {
    let cases = [
        ("time_since('', '2021-01-02T15:04:05-07:00', '2021-01-10T03:14:05-07:00')", "180h10m0s"),
        ("time_since('Mon Jan _2 15:04:05 MST 2006', 'Mon Jan 02 15:04:05 MST 2021', 'Mon Jan 10 03:14:16 MST 2021')", "180h10m11s"),
        ("time_to_cron('2023-02-02T15:04:05Z')", "4 15 2 2 4"),
        ("time_to_cron(time_utc('2023-02-02T15:04:05-07:00'))", "4 22 2 2 4"),
        ("time_add('2021-01-02T15:04:05-07:00', '3h')", "2021-01-02T18:04:05-07:00"),
        ("time_add(time_parse('Mon Jan 02 15:04:05 -0700 2006', 'Sat Jan 02 15:04:05 -0700 2021'), '5h30m40s')", "2021-01-02T20:34:45-07:00"),
        ("time_parse('2006-01-02T15:04:05Z07:00', '2021-01-02T15:04:05-07:00')", "2021-01-02T15:04:05-07:00"),
        ("time_parse('Mon Jan 02 15:04:05 -0700 2006', 'Sat Jan 02 15:04:05 -0700 2021')", "2021-01-02T15:04:05-07:00"),
        ("time_parse('1702691171', '1702691171')", "2023-12-16T01:46:11Z"),
        ("time_utc('2023-02-02T15:04:05Z')", "2023-02-02T15:04:05Z"),
        ("time_utc('2023-02-02T15:04:05-07:00')", "2023-02-02T22:04:05Z"),
        ("time_diff('2021-01-02T15:04:05-07:00', '2021-01-10T03:14:05-07:00')", "180h10m0s"),
        ("time_truncate('2023-02-02T15:04:05Z', '1h')", "2023-02-02T15:00:00Z"),
        ("time_truncate('2023-02-02T15:04:05Z', '24h')", "2023-02-02T00:00:00Z"),
        // The injected clock.
        ("time_now_utc()", "2024-03-01T12:00:00Z"),
        ("time_since('', '2024-03-01T11:00:00Z', '')", "1h0m0s"),
    ];
    for (expression, want) in cases {
        let got = eval(expression).unwrap_or_else(|e| panic!("{expression}: {e}"));
        assert_eq!(got, json!(want), "{expression}");
    }
    for (expression, want) in [
        (
            "time_before('2023-02-02T15:04:05Z', '2023-02-02T16:04:05Z')",
            true,
        ),
        (
            "time_after('2023-02-02T15:04:05Z', '2023-02-02T16:04:05Z')",
            false,
        ),
        (
            "time_between('2023-02-02T15:04:05Z', '2023-02-02T14:04:05Z', '2023-02-02T16:04:05Z')",
            true,
        ),
    ] {
        assert_eq!(
            eval(expression).expect(expression),
            json!(want),
            "{expression}"
        );
    }
    assert!(eval("time_add('not a time', '3h')").is_err());
    assert!(eval("time_add('2021-01-02T15:04:05Z', '3 hours')").is_err());
}

#[test]
fn missing_keys_follow_go_jmespath() {
    let data = json!({"request": {"object": {"metadata": {"name": "x", "labels": null}}}});
    let not_found = |e: &str| matches!(eval_on(e, &data), Err(VariableError::NotFound { .. }));
    assert!(not_found("request.object.metadata.namespace"));
    assert!(not_found("request.object.spec.containers"));
    assert!(not_found("request.object.spec.containers[0]"));
    assert!(not_found(
        "request.object.metadata.name && request.object.spec"
    ));
    // A null field is not a missing one, and these constructs swallow the error.
    assert_eq!(
        eval_on("request.object.metadata.labels.app", &data).unwrap(),
        Value::Null
    );
    assert_eq!(
        eval_on("request.object.metadata.namespace || 'default'", &data).unwrap(),
        json!("default")
    );
    assert_eq!(
        eval_on("request.object.spec.containers[].name", &data).unwrap(),
        Value::Null
    );
    assert_eq!(
        eval_on("request.object.spec | length(@ || `[]`)", &data).unwrap(),
        json!(0)
    );
    assert_eq!(
        eval_on("length(request.object.spec.containers || `[]`)", &data).unwrap(),
        json!(0)
    );
    assert_eq!(
        eval_on("request.object.missing == null", &data).unwrap(),
        json!(true)
    );
    assert_eq!(
        eval_on("request.operation || 'BACKGROUND'", &data).unwrap(),
        json!("BACKGROUND")
    );
}

#[test]
fn unknown_functions_and_bad_syntax_fail_at_compile_time() {
    assert!(compile("to_upper(foo)").is_ok());
    assert!(
        matches!(compile("no_such_fn(foo)"), Err(VariableError::UnknownFunction { name, .. }) if name == "no_such_fn")
    );
    assert!(
        matches!(compile("a | b.c(d) | nope(`1`)"), Err(VariableError::UnknownFunction { name, .. }) if name == "c")
    );
    assert!(matches!(
        compile("foo[?"),
        Err(VariableError::Syntax { .. })
    ));
    assert!(matches!(compile(""), Err(VariableError::Syntax { .. })));
}

#[test]
fn wrong_argument_types_are_errors() {
    for expression in [
        "to_upper(`1`)",
        "split('a')",
        "truncate('abc', 'x')",
        "regex_match('(', 'x')",
        "base64_decode('%%%')",
        "parse_json('{')",
        "to_boolean('yes')",
        "label_match('a', 'b')",
        "items('x', 'k', 'v')",
        "x509_decode('x')",
        "random('')",
        "semver_compare('1.0.0', '~1')",
    ] {
        assert!(eval(expression).is_err(), "{expression} should fail");
    }
}

#[test]
fn random_matches_its_pattern() {
    let value = eval("random('[a-z]{8}')").expect("random");
    let text = value.as_str().expect("a string");
    assert_eq!(text.len(), 8);
    assert!(text.bytes().all(|b| b.is_ascii_lowercase()));
}
