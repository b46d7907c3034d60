//! YAML nodes straight into regorus values, with no JSON text in between.

use hubspoke_manifest::yaml::{Node, NodeValue};
use regorus::Value;

/// Convert a node tree into the value rules see as `input`.
pub fn to_rego_value(node: &Node) -> Value {
    match &node.value {
        NodeValue::Null => Value::Null,
        NodeValue::Bool(b) => Value::from(*b),
        NodeValue::Int(i) => Value::from(*i),
        NodeValue::Float(f) if f.is_finite() => Value::from(*f),
        // Rego numbers cannot hold inf/nan; rules see the YAML spelling instead.
        NodeValue::Float(f) => Value::from(f.to_string()),
        NodeValue::Str(s) => Value::from(s.as_str()),
        NodeValue::Seq(items) => Value::from(items.iter().map(to_rego_value).collect::<Vec<_>>()),
        NodeValue::Map(entries) => {
            let mut object = Value::new_object();
            if let Ok(map) = object.as_object_mut() {
                for (key, value) in entries {
                    map.insert(Value::from(key.key_text()), to_rego_value(value));
                }
            }
            object
        }
    }
}
