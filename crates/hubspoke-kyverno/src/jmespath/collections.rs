//! Kyverno's object and array functions: `label_match`, `lookup`, `items`,
//! `object_from_lists`.

use std::collections::BTreeMap;

use ::jmespath::functions::ArgumentType as T;
use ::jmespath::{Context, JmespathError, Rcvar, Variable};

use super::strings::string_or_number;
use super::{bool_result, function_error, signature, Handler};

pub(super) fn functions() -> Vec<(&'static str, ::jmespath::functions::Signature, Handler)> {
    vec![
        (
            "label_match",
            signature(vec![T::Object, T::Object]),
            Box::new(label_match),
        ),
        (
            "lookup",
            signature(vec![
                T::Union(vec![T::Object, T::Array]),
                T::Union(vec![T::String, T::Number]),
            ]),
            Box::new(lookup),
        ),
        (
            "items",
            signature(vec![
                T::Union(vec![T::Object, T::Array]),
                T::String,
                T::String,
            ]),
            Box::new(items),
        ),
        (
            "object_from_lists",
            signature(vec![T::Array, T::Array]),
            Box::new(object_from_lists),
        ),
    ]
}

/// Whether every label of the first object is in the second with the same value.
fn label_match(a: &[Rcvar], _: &mut Context<'_>) -> Result<Rcvar, JmespathError> {
    let (Some(labels), Some(target)) = (a[0].as_object(), a[1].as_object()) else {
        return Ok(bool_result(false));
    };
    Ok(bool_result(
        labels
            .iter()
            .all(|(k, v)| target.get(k).is_some_and(|t| t == v)),
    ))
}

fn lookup(a: &[Rcvar], c: &mut Context<'_>) -> Result<Rcvar, JmespathError> {
    match (&*a[0], &*a[1]) {
        (Variable::Object(map), Variable::String(key)) => Ok(map
            .get(key)
            .cloned()
            .unwrap_or_else(|| Rcvar::new(Variable::Null))),
        (Variable::Object(_), _) => Err(function_error(
            c,
            "JMESPath function 'lookup': argument #2 is not of type String",
        )),
        (Variable::Array(items), Variable::Number(n)) => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            if f.trunc() != f || !f.is_finite() {
                return Err(function_error(c, format!("JMESPath function 'lookup': argument #2: expected an integer number but got: {f}")));
            }
            if f < 0.0 || f >= items.len() as f64 {
                return Ok(Rcvar::new(Variable::Null));
            }
            Ok(items[f as usize].clone())
        }
        (Variable::Array(_), _) => Err(function_error(
            c,
            "JMESPath function 'lookup': argument #2 is not of type Number",
        )),
        _ => Err(function_error(
            c,
            "JMESPath function 'lookup': argument #1 is not of type Object or Array",
        )),
    }
}

fn items(a: &[Rcvar], c: &mut Context<'_>) -> Result<Rcvar, JmespathError> {
    let key_name = a[1].as_string().cloned().unwrap_or_default();
    let value_name = a[2].as_string().cloned().unwrap_or_default();
    let item = |key: Rcvar, value: Rcvar| {
        let mut object = BTreeMap::new();
        object.insert(key_name.clone(), key);
        // The value wins when both names are the same, as in Go's map literal.
        object.insert(value_name.clone(), value);
        Rcvar::new(Variable::Object(object))
    };
    let out: Vec<Rcvar> = match &*a[0] {
        // BTreeMap iterates in key order: Kyverno sorts the keys too.
        Variable::Object(map) => map
            .iter()
            .map(|(k, v)| item(Rcvar::new(Variable::String(k.clone())), v.clone()))
            .collect(),
        Variable::Array(values) => values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let index = serde_json::Number::from_f64(i as f64)
                    .unwrap_or_else(|| serde_json::Number::from(i));
                item(Rcvar::new(Variable::Number(index)), v.clone())
            })
            .collect(),
        _ => {
            return Err(function_error(
                c,
                "JMESPath function 'items': argument #1 is not of type Object or Array",
            ))
        }
    };
    Ok(Rcvar::new(Variable::Array(out)))
}

fn object_from_lists(a: &[Rcvar], c: &mut Context<'_>) -> Result<Rcvar, JmespathError> {
    let (Some(keys), Some(values)) = (a[0].as_array(), a[1].as_array()) else {
        return Err(function_error(
            c,
            "JMESPath function 'object_from_lists': argument #1 is not of type Array",
        ));
    };
    let mut object = BTreeMap::new();
    for (i, key) in keys.iter().enumerate() {
        let key = string_or_number(key).ok_or_else(|| {
            function_error(
                c,
                "JMESPath function 'object_from_lists': argument #1 is not of type StringArray",
            )
        })?;
        let value = values
            .get(i)
            .cloned()
            .unwrap_or_else(|| Rcvar::new(Variable::Null));
        object.insert(key, value);
    }
    Ok(Rcvar::new(Variable::Object(object)))
}
