//! `preconditions` and `deny.conditions` (`pkg/engine/variables/evaluate.go`):
//! an `{any: [...], all: [...]}` object (both must hold; an empty `any` list
//! holds for nothing) or the legacy plain list (all must hold). Each
//! condition's `key` and `value` are substituted, then compared by its
//! operator with Kyverno's coercions ([`operators`]).

mod operators;

use std::borrow::Cow;

use serde_json::Value;

use crate::context::Context;
use crate::variables::{substitute_floats, validate_syntax_in, whole_variable, VariableError};

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
    Conditions::new(conditions).evaluate(ctx)
}

/// A block of conditions read once: a rule's `preconditions` and
/// `deny.conditions` are evaluated on every object it matches, and reading the
/// JSON, parsing operators and copying constant keys and values each time was a
/// large part of that. Evaluating it is [`evaluate_with_message`] on the block
/// as written: the same verdicts, messages and errors, in the same order.
#[derive(Debug, Clone)]
pub struct Conditions {
    raw: Value,
    shape: Shape,
}

#[derive(Debug, Clone)]
enum Shape {
    /// Absent: holds.
    Null,
    /// The legacy plain list: all must hold.
    List(Vec<Condition>),
    /// `any` and `all`, each absent (`None`) or a list, or why it is not one
    /// (an error only once evaluation reaches it).
    Block {
        any: Option<Result<Vec<Condition>, ConditionError>>,
        all: Option<Result<Vec<Condition>, ConditionError>>,
    },
    /// Not conditions at all.
    Invalid(ConditionError),
}

#[derive(Debug, Clone)]
struct Condition {
    operator: Result<Operator, ConditionError>,
    key: Operand,
    value: Operand,
    message: String,
}

/// A condition's `key` or `value`, ready for substitution.
#[derive(Debug, Clone)]
enum Operand {
    /// No `{{` anywhere: what substitution makes of it (its numbers floats).
    Constant(Value),
    /// A string that is exactly one variable: its expression's value.
    Variable {
        /// The string as written.
        text: Value,
        /// The expression inside the braces.
        expression: String,
    },
    /// Anything else, substituted on each evaluation.
    Template(Value),
}

impl Operand {
    fn new(value: Option<&Value>) -> Operand {
        let value = value.unwrap_or(&Value::Null);
        if !has_braces(value) {
            return Operand::Constant(crate::jmespath::floats(value));
        }
        if let Value::String(text) = value {
            if let Some(expression) = whole_variable(text) {
                return Operand::Variable {
                    text: value.clone(),
                    expression,
                };
            }
        }
        Operand::Template(value.clone())
    }

    /// `substitute_floats` of the operand as written.
    fn substitute<'a>(&'a self, ctx: &Context) -> Result<Cow<'a, Value>, VariableError> {
        match self {
            Operand::Constant(value) => Ok(Cow::Borrowed(value)),
            // A delete request reads `request.oldObject` instead: the general
            // substitution rewrites the expression.
            Operand::Variable { expression, .. } if !ctx.is_delete() => {
                ctx.query(expression).map(Cow::Owned)
            }
            Operand::Variable { text: value, .. } | Operand::Template(value) => {
                substitute_floats(value, ctx).map(Cow::Owned)
            }
        }
    }
}

/// Whether a value holds `{{` in a string or key: else substitution leaves it as it is.
fn has_braces(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains("{{"),
        Value::Array(items) => items.iter().any(has_braces),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains("{{") || has_braces(v)),
        _ => false,
    }
}

impl Condition {
    fn new(condition: &Value) -> Condition {
        let operator_text = condition
            .get("operator")
            .and_then(Value::as_str)
            .unwrap_or_default();
        Condition {
            operator: Operator::parse_lenient(operator_text).ok_or_else(|| {
                ConditionError::UnknownOperator {
                    operator: operator_text.to_owned(),
                }
            }),
            key: Operand::new(condition.get("key")),
            value: Operand::new(condition.get("value")),
            message: condition
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        }
    }

    /// Whether it holds, with its message.
    fn evaluate(&self, ctx: &Context) -> Result<(bool, &str), ConditionError> {
        let operator = self.operator.clone()?;
        let key = self.key.substitute(ctx).map_err(ConditionError::Key)?;
        let value = self.value.substitute(ctx).map_err(ConditionError::Value)?;
        Ok((operator.evaluate(&key, &value), &self.message))
    }
}

fn condition_list(value: &Value, what: &str) -> Result<Vec<Condition>, ConditionError> {
    Ok(as_list(value, what)?.iter().map(Condition::new).collect())
}

impl Conditions {
    /// Read a conditions block (`Value::Null`: none, which holds).
    pub fn new(conditions: &Value) -> Conditions {
        let shape = match conditions {
            Value::Null => Shape::Null,
            Value::Array(list) => Shape::List(list.iter().map(Condition::new).collect()),
            Value::Object(block) => Shape::Block {
                any: block
                    .get("any")
                    .filter(|v| !v.is_null())
                    .map(|any| condition_list(any, "any")),
                all: block
                    .get("all")
                    .filter(|v| !v.is_null())
                    .map(|all| condition_list(all, "all")),
            },
            _ => Shape::Invalid(ConditionError::Invalid {
                message: "expected an object with `any`/`all` or a list of conditions".to_owned(),
            }),
        };
        Conditions {
            raw: conditions.clone(),
            shape,
        }
    }

    /// The block as written.
    pub fn raw(&self) -> &Value {
        &self.raw
    }

    /// Evaluate the conditions, keeping the messages Kyverno reports with the result.
    pub fn evaluate(&self, ctx: &Context) -> Result<Outcome, ConditionError> {
        match &self.shape {
            Shape::Null => Ok(Outcome {
                passed: true,
                message: String::new(),
            }),
            Shape::List(list) => {
                let mut true_messages = Vec::new();
                for condition in list {
                    let (passed, message) = condition.evaluate(ctx)?;
                    if !passed {
                        return Ok(Outcome {
                            passed,
                            message: message.to_owned(),
                        });
                    }
                    true_messages.push(message);
                }
                Ok(Outcome {
                    passed: true,
                    message: join_non_empty(&true_messages, ";"),
                })
            }
            Shape::Block { any, all } => {
                let mut true_messages = Vec::new();
                let mut false_messages = Vec::new();
                let mut any_passed = true;
                if let Some(any) = any {
                    any_passed = false;
                    for condition in any.as_ref().map_err(Clone::clone)? {
                        let (passed, message) = condition.evaluate(ctx)?;
                        if passed {
                            any_passed = true;
                            true_messages.push(message);
                            break;
                        }
                        false_messages.push(message);
                    }
                }
                let mut all_passed = true;
                if let Some(all) = all {
                    for condition in all.as_ref().map_err(Clone::clone)? {
                        let (passed, message) = condition.evaluate(ctx)?;
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
            Shape::Invalid(e) => Err(e.clone()),
        }
    }
}

fn as_list<'a>(value: &'a Value, what: &str) -> Result<&'a Vec<Value>, ConditionError> {
    value.as_array().ok_or_else(|| ConditionError::Invalid {
        message: format!("`{what}` must be a list of conditions"),
    })
}

fn join_non_empty(messages: &[&str], separator: &str) -> String {
    messages
        .iter()
        .filter(|m| !m.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(separator)
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
