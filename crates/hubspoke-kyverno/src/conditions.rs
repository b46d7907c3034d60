//! `preconditions` and `deny.conditions` (`pkg/engine/variables/evaluate.go`):
//! an `{any: [...], all: [...]}` object (both must hold; an empty `any` list
//! holds for nothing) or the legacy plain list (all must hold). Each
//! condition's `key` and `value` are substituted, then compared by its
//! operator with Kyverno's coercions ([`operators`]).

mod operators;

use serde_json::Value;

use crate::context::Context;
use crate::variables::{substitute_floats, validate_syntax_in, VariableError};

pub use operators::Operator;

/// Why conditions could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConditionError {
    /// The conditions are not an `any`/`all` object or a list of conditions.
    #[error("invalid conditions: {message}")]
    Invalid {
        /// What is wrong.
        message: String,
    },
    /// The operator is not one Kyverno knows.
    #[error("entered value of `operator` is invalid: {operator:?}")]
    UnknownOperator {
        /// The operator as written.
        operator: String,
    },
    /// The key's variables could not be substituted.
    #[error("failed to substitute variables in condition key: {0}")]
    Key(VariableError),
    /// The value's variables could not be substituted.
    #[error("failed to substitute variables in condition value: {0}")]
    Value(VariableError),
}

/// The result of a block of conditions with Kyverno's message: the messages
/// of the conditions that decided it, joined with `; `.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Whether the conditions hold.
    pub passed: bool,
    /// The deciding conditions' messages.
    pub message: String,
}

/// Evaluate conditions against a context.
pub fn evaluate(conditions: &Value, ctx: &Context) -> Result<bool, ConditionError> {
    evaluate_with_message(conditions, ctx).map(|o| o.passed)
}

/// Evaluate conditions, keeping the messages Kyverno reports with the result.
pub fn evaluate_with_message(conditions: &Value, ctx: &Context) -> Result<Outcome, ConditionError> {
    match conditions {
        Value::Null => Ok(Outcome {
            passed: true,
            message: String::new(),
        }),
        Value::Array(list) => {
            let mut true_messages = Vec::new();
            for condition in list {
                let (passed, message) = evaluate_one(condition, ctx)?;
                if !passed {
                    return Ok(Outcome { passed, message });
                }
                true_messages.push(message);
            }
            Ok(Outcome {
                passed: true,
                message: join_non_empty(&true_messages, ";"),
            })
        }
        Value::Object(block) => {
            let mut true_messages = Vec::new();
            let mut false_messages = Vec::new();
            let mut any_passed = true;
            if let Some(any) = block.get("any").filter(|v| !v.is_null()) {
                any_passed = false;
                for condition in as_list(any, "any")? {
                    let (passed, message) = evaluate_one(condition, ctx)?;
                    if passed {
                        any_passed = true;
                        true_messages.push(message);
                        break;
                    }
                    false_messages.push(message);
                }
            }
            let mut all_passed = true;
            if let Some(all) = block.get("all").filter(|v| !v.is_null()) {
                for condition in as_list(all, "all")? {
                    let (passed, message) = evaluate_one(condition, ctx)?;
                    if passed {
                        true_messages.push(message);
                    } else {
                        all_passed = false;
                        false_messages.push(message);
                        break;
                    }
                }
            }
            let passed = any_passed && all_passed;
            let messages = if passed {
                &true_messages
            } else {
                &false_messages
            };
            Ok(Outcome {
                passed,
                message: join_non_empty(messages, "; "),
            })
        }
        _ => Err(ConditionError::Invalid {
            message: "expected an object with `any`/`all` or a list of conditions".to_owned(),
        }),
    }
}

fn as_list<'a>(value: &'a Value, what: &str) -> Result<&'a Vec<Value>, ConditionError> {
    value.as_array().ok_or_else(|| ConditionError::Invalid {
        message: format!("`{what}` must be a list of conditions"),
    })
}

fn join_non_empty(messages: &[String], separator: &str) -> String {
    messages
        .iter()
        .filter(|m| !m.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(separator)
}

/// One condition: `(holds, its message)`.
fn evaluate_one(condition: &Value, ctx: &Context) -> Result<(bool, String), ConditionError> {
    let operator_text = condition
        .get("operator")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let operator =
        Operator::parse_lenient(operator_text).ok_or_else(|| ConditionError::UnknownOperator {
            operator: operator_text.to_owned(),
        })?;
    // Kyverno reads the policy through JSON: its numbers are floats.
    let null = Value::Null;
    let key = substitute_floats(condition.get("key").unwrap_or(&null), ctx)
        .map_err(ConditionError::Key)?;
    let value = substitute_floats(condition.get("value").unwrap_or(&null), ctx)
        .map_err(ConditionError::Value)?;
    let message = condition
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Ok((operator.evaluate(&key, &value), message))
}

/// Policy-time checks of a conditions block: its shape, every operator's
/// name (exactly as Kyverno's schema spells it), and every variable's syntax.
pub fn validate(conditions: &Value) -> Result<(), ConditionError> {
    let check_list = |list: &Value, what: &str| -> Result<(), ConditionError> {
        for condition in as_list(list, what)? {
            let operator = condition
                .get("operator")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if Operator::parse(operator).is_none() {
                return Err(ConditionError::UnknownOperator {
                    operator: operator.to_owned(),
                });
            }
            for part in ["key", "value"] {
                if let Some(v) = condition.get(part) {
                    validate_syntax_in(v).map_err(if part == "key" {
                        ConditionError::Key
                    } else {
                        ConditionError::Value
                    })?;
                }
            }
        }
        Ok(())
    };
    match conditions {
        Value::Null => Ok(()),
        Value::Array(_) => check_list(conditions, "conditions"),
        Value::Object(block) => {
            for (key, list) in block {
                match key.as_str() {
                    "any" | "all" if list.is_null() => {}
                    "any" | "all" => check_list(list, key)?,
                    other => {
                        return Err(ConditionError::Invalid {
                            message: format!("unknown field `{other}` (expected `any` or `all`)"),
                        })
                    }
                }
            }
            Ok(())
        }
        _ => Err(ConditionError::Invalid {
            message: "expected an object with `any`/`all` or a list of conditions".to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests;
