//! Capped replacements for the Rego builtins a single call of which can allocate without
//! bound. regorus sizes `numbers.range(1, 1e11)` up front, so the process is killed by the
//! allocator before any time limit can stop the rule; with these, such a call is an ordinary
//! evaluation error (a `policy-error` naming the rule) and the run goes on.

use regorus::Value;

/// Most numbers one `numbers.range`/`numbers.range_step` call may produce.
pub const MAX_RANGE_ELEMENTS: u64 = 1_000_000;

/// Register the capped builtins on an engine (extensions are looked up before builtins).
pub(crate) fn register(engine: &mut regorus::Engine) -> anyhow::Result<()> {
    engine.add_extension(
        "numbers.range".to_owned(),
        2,
        Box::new(|args: Vec<Value>| {
            let (Some(from), Some(to)) = (integer(&args[0]), integer(&args[1])) else {
                return Ok(Value::Undefined);
            };
            stepped("numbers.range", from, to, 1)
        }),
    )?;
    engine.add_extension(
        "numbers.range_step".to_owned(),
        3,
        Box::new(|args: Vec<Value>| {
            let (Some(from), Some(to), Some(step)) =
                (integer(&args[0]), integer(&args[1]), integer(&args[2]))
            else {
                return Ok(Value::Undefined);
            };
            if step <= 0 {
                anyhow::bail!("numbers.range_step: step must be a positive integer");
            }
            stepped("numbers.range_step", from, to, step)
        }),
    )?;
    Ok(())
}

fn integer(value: &Value) -> Option<i64> {
    value.as_number().ok()?.as_i64()
}

/// `from`, `from ± step`, ... up to `to` inclusive, in the direction of `to`.
fn stepped(name: &str, from: i64, to: i64, step: i64) -> anyhow::Result<Value> {
    let span = i128::from(to) - i128::from(from);
    let count = span.unsigned_abs() / step.unsigned_abs() as u128 + 1;
    if count > u128::from(MAX_RANGE_ELEMENTS) {
        anyhow::bail!(
            "{name} would make {count} numbers; hubspoke-lint allows at most {MAX_RANGE_ELEMENTS} per call"
        );
    }
    let direction: i128 = if span < 0 { -1 } else { 1 };
    let values: Vec<Value> = (0..count as i128)
        .map(|i| Value::from((i128::from(from) + direction * i * i128::from(step)) as i64))
        .collect();
    Ok(Value::from(values))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(value: &Value) -> Vec<i64> {
        value
            .as_array()
            .expect("array")
            .iter()
            .map(|v| integer(v).expect("integer"))
            .collect()
    }

    #[test]
    fn ranges_match_opa() {
        assert_eq!(numbers(&stepped("r", 1, 4, 1).unwrap()), [1, 2, 3, 4]);
        assert_eq!(numbers(&stepped("r", 3, 1, 1).unwrap()), [3, 2, 1]);
        assert_eq!(numbers(&stepped("r", 0, 10, 4).unwrap()), [0, 4, 8]);
        assert_eq!(numbers(&stepped("r", 10, 0, 4).unwrap()), [10, 6, 2]);
        assert_eq!(numbers(&stepped("r", 5, 5, 1).unwrap()), [5]);
    }

    #[test]
    fn huge_ranges_are_refused_before_allocating() {
        let error = stepped("numbers.range", 1, 100_000_000_000, 1).unwrap_err();
        assert_eq!(
            error.to_string(),
            "numbers.range would make 100000000000 numbers; hubspoke-lint allows at most 1000000 per call"
        );
        assert!(stepped("r", i64::MIN, i64::MAX, 1).is_err());
    }
}
