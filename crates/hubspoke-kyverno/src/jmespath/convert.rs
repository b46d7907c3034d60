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
        Value::Number(n) => n
            .as_f64()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| value.clone()),
        Value::Array(items) => Value::Array(items.iter().map(floats).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), floats(v))).collect())
        }
        other => other.clone(),
    }
}
