//! Between `serde_json::Value` (what the crate's callers hold) and the
//! reference-counted `jmespath::Variable` the interpreter walks.

use std::collections::BTreeMap;

use ::jmespath::{Rcvar, Variable};
use serde_json::{Map, Number, Value};

/// A JSON value as a JMESPath variable.
pub fn to_variable(value: &Value) -> Rcvar {
    Rcvar::new(variable(value))
}

fn variable(value: &Value) -> Variable {
    match value {
        Value::Null => Variable::Null,
        Value::Bool(b) => Variable::Bool(*b),
        Value::Number(n) => Variable::Number(n.clone()),
        Value::String(s) => Variable::String(s.clone()),
        Value::Array(items) => Variable::Array(items.iter().map(to_variable).collect()),
        Value::Object(map) => Variable::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), to_variable(v)))
                .collect::<BTreeMap<_, _>>(),
        ),
    }
}

/// `to_variable(&floats(value))` in one pass, without the intermediate copy:
/// a `foreach` element and a values-file variable are converted this way for
/// every element of every object.
pub fn to_float_variable(value: &Value) -> Rcvar {
    Rcvar::new(match value {
        Value::Number(n) => Variable::Number(float_number(n)),
        Value::Array(items) => Variable::Array(items.iter().map(to_float_variable).collect()),
        Value::Object(map) => Variable::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), to_float_variable(v)))
                .collect::<BTreeMap<_, _>>(),
        ),
        other => variable(other),
    })
}

/// A number as Go's `float64` holds it (unchanged when it has no float form).
fn float_number(n: &Number) -> Number {
    n.as_f64()
        .and_then(Number::from_f64)
        .unwrap_or_else(|| n.clone())
}

/// A JMESPath variable as a JSON value (an expression reference, which has
/// no JSON form, becomes `null`).
pub fn to_value(variable: &Variable) -> Value {
    match variable {
        Variable::Null | Variable::Expref(_) => Value::Null,
        Variable::Bool(b) => Value::Bool(*b),
        Variable::Number(n) => Value::Number(n.clone()),
        Variable::String(s) => Value::String(s.clone()),
        Variable::Array(items) => Value::Array(items.iter().map(|v| to_value(v)).collect()),
        Variable::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), to_value(v)))
                .collect::<Map<_, _>>(),
        ),
    }
}

/// The value with every number as a float, the way Go's `encoding/json`
/// decodes JSON into `interface{}`: policy literals, context entries and
/// JMESPath literals are all `float64` in Kyverno.
pub fn floats(value: &Value) -> Value {
    match value {
        Value::Number(n) => Value::Number(float_number(n)),
        Value::Array(items) => Value::Array(items.iter().map(floats).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), floats(v))).collect())
        }
        other => other.clone(),
    }
}
