//! Kyverno's arithmetic functions (`pkg/engine/jmespath/arithmetic.go`):
//! `add`, `sum`, `subtract`, `multiply`, `divide`, `modulo`, `round` over
//! numbers, Kubernetes quantities (`"512Mi"`) and Go durations (`"1h"`).
//!
//! | op | quantity | duration | number |
//! |----|----------|----------|--------|
//! | q ± q → q, d ± d → d, n ± n → n; mixed types are an error |
//! | q × n → q, d × n → d, n × (n\|q\|d) |
//! | q ÷ q → n, q ÷ n → q, d ÷ d → n, d ÷ n → d, n ÷ n → n |
//! | q % q → q, d % d → d, n % n → n (integers only) |
//!
//! Quantity results are strings in Kubernetes' canonical form (`1536Mi`,
//! `1500m`, `2k`), duration results in Go's (`1h30m0s`).

use ::jmespath::functions::ArgumentType as T;
use ::jmespath::{Context, JmespathError, Rcvar, Variable};

use super::{float_result, function_error, signature, string_result, Handler};
use crate::duration::{format_duration, parse_duration};
use crate::gofmt::go_float_g;
use crate::quantity::{Quantity, QuantityFormat};

pub(super) fn functions() -> Vec<(&'static str, ::jmespath::functions::Signature, Handler)> {
    vec![
        (
            "add",
            signature(vec![T::Any, T::Any]),
            Box::new(|a, c| binary(a, c, "add")),
        ),
        ("sum", signature(vec![T::Array]), Box::new(sum)),
        (
            "subtract",
            signature(vec![T::Any, T::Any]),
            Box::new(|a, c| binary(a, c, "subtract")),
        ),
        (
            "multiply",
            signature(vec![T::Any, T::Any]),
            Box::new(|a, c| binary(a, c, "multiply")),
        ),
        (
            "divide",
            signature(vec![T::Any, T::Any]),
            Box::new(|a, c| binary(a, c, "divide")),
        ),
        (
            "modulo",
            signature(vec![T::Any, T::Any]),
            Box::new(|a, c| binary(a, c, "modulo")),
        ),
        (
            "round",
            signature(vec![T::Number, T::Number]),
            Box::new(round),
        ),
    ]
}

/// An operand: Kyverno tries a number, then a quantity, then a duration.
enum Operand {
    Scalar(f64),
    Quantity(Quantity, String),
    Duration(i64),
}

fn operand(c: &Context<'_>, v: &Rcvar, function: &str) -> Result<Operand, JmespathError> {
    match &**v {
        Variable::Number(n) => Ok(Operand::Scalar(n.as_f64().unwrap_or(f64::NAN))),
        Variable::String(s) => {
            if let Ok(q) = Quantity::parse(s) {
                Ok(Operand::Quantity(q, s.clone()))
            } else if let Ok(d) = parse_duration(s) {
                Ok(Operand::Duration(d))
            } else {
                Err(function_error(
                    c,
                    format!("JMESPath function '{function}': invalid operand"),
                ))
            }
        }
        _ => Err(function_error(
            c,
            format!("JMESPath function '{function}': invalid operand"),
        )),
    }
}

fn mismatch(c: &Context<'_>, function: &str) -> JmespathError {
    function_error(c, format!("JMESPath function '{function}': Types mismatch"))
}

fn zero_division(c: &Context<'_>, function: &str) -> JmespathError {
    function_error(
        c,
        format!("JMESPath function '{function}': Zero divisor passed"),
    )
}

fn non_integer_modulo(c: &Context<'_>) -> JmespathError {
    function_error(
        c,
        "JMESPath function 'modulo': Non-integer argument(s) passed for modulo",
    )
}

fn binary(a: &[Rcvar], c: &mut Context<'_>, function: &str) -> Result<Rcvar, JmespathError> {
    let left = operand(c, &a[0], function)?;
    let right = operand(c, &a[1], function)?;
    apply(c, function, left, right)
}

fn sum(a: &[Rcvar], c: &mut Context<'_>) -> Result<Rcvar, JmespathError> {
    let items = a[0].as_array().cloned().unwrap_or_default();
    let Some((first, rest)) = items.split_first() else {
        return Err(function_error(
            c,
            "JMESPath function 'sum': at least one element in the array is required",
        ));
    };
    let mut result = first.clone();
    for item in rest {
        let left = operand(c, &result, "sum")?;
        let right = operand(c, item, "sum")?;
        result = apply(c, "sum", left, right)?;
    }
    Ok(result)
}

fn apply(
    c: &Context<'_>,
    function: &str,
    left: Operand,
    right: Operand,
) -> Result<Rcvar, JmespathError> {
    use Operand::{Duration as D, Quantity as Q, Scalar as S};
    match (function, left, right) {
        ("add" | "sum", S(x), S(y)) => float_result(c, x + y),
        ("add" | "sum", D(x), D(y)) => Ok(string_result(format_duration(x.wrapping_add(y)))),
        ("add" | "sum", Q(x, xt), Q(y, _)) => {
            quantity_result(c, function, combine(&x, &y, false), x.format(), &xt)
        }
        ("subtract", S(x), S(y)) => float_result(c, x - y),
        ("subtract", D(x), D(y)) => Ok(string_result(format_duration(x.wrapping_sub(y)))),
        ("subtract", Q(x, xt), Q(y, _)) => {
            quantity_result(c, function, combine(&x, &y, true), x.format(), &xt)
        }
        ("multiply", S(x), S(y)) => float_result(c, x * y),
        ("multiply", Q(q, qt), S(n)) | ("multiply", S(n), Q(q, qt)) => {
            let factor = scalar_as_quantity(c, n)?;
            let product = q
                .to_decimal()
                .zip(factor.to_decimal())
                .and_then(|((m1, e1), (m2, e2))| Some((m1.checked_mul(m2)?, e1 + e2)));
            quantity_result(c, function, product, q.format(), &qt)
        }
        ("multiply", D(d), S(n)) | ("multiply", S(n), D(d)) => Ok(string_result(format_duration(
            seconds_to_duration(d as f64 / 1e9 * n),
        ))),
        ("divide", S(x), S(y)) => {
            if y == 0.0 {
                return Err(zero_division(c, function));
            }
            float_result(c, x / y)
        }
        ("divide", Q(x, _), Q(y, _)) => {
            if y.as_f64() == 0.0 {
                return Err(zero_division(c, function));
            }
            float_result(c, x.as_f64() / y.as_f64())
        }
        ("divide", Q(q, qt), S(n)) => {
            if n == 0.0 {
                return Err(zero_division(c, function));
            }
            let divisor_text = go_float_g(n);
            let divisor = scalar_as_quantity(c, n)?;
            let scale = written_scale(&qt).max(written_scale(&divisor_text));
            let quotient = q
                .to_decimal()
                .zip(divisor.to_decimal())
                .and_then(|(x, y)| divide_round_down(x, y, scale));
            quantity_result(c, function, quotient, q.format(), &qt)
        }
        ("divide", D(x), D(y)) => {
            if y == 0 {
                return Err(zero_division(c, function));
            }
            float_result(c, (x as f64 / 1e9) / (y as f64 / 1e9))
        }
        ("divide", D(d), S(n)) => {
            if n == 0.0 {
                return Err(zero_division(c, function));
            }
            Ok(string_result(format_duration(seconds_to_duration(
                d as f64 / 1e9 / n,
            ))))
        }
        ("modulo", S(x), S(y)) => {
            let (i, j) = (x as i64, y as i64);
            if x != i as f64 || y != j as f64 {
                return Err(non_integer_modulo(c));
            }
            if j == 0 {
                return Err(zero_division(c, function));
            }
            float_result(c, i.wrapping_rem(j) as f64)
        }
        ("modulo", Q(x, xt), Q(y, _)) => {
            let (f1, f2) = (x.as_f64(), y.as_f64());
            let (i, j) = (f1 as i64, f2 as i64);
            if f1 != i as f64 || f2 != j as f64 {
                return Err(non_integer_modulo(c));
            }
            if j == 0 {
                return Err(zero_division(c, function));
            }
            quantity_result(
                c,
                function,
                Some((i128::from(i.wrapping_rem(j)), 0)),
                x.format(),
                &xt,
            )
        }
        ("modulo", D(x), D(y)) => {
            if y == 0 {
                return Err(zero_division(c, function));
            }
            Ok(string_result(format_duration(x.wrapping_rem(y))))
        }
        _ => Err(mismatch(c, function)),
    }
}

/// `time.Duration(seconds * float64(time.Second))`: truncated toward zero.
fn seconds_to_duration(seconds: f64) -> i64 {
    (seconds * 1e9) as i64
}

/// Kyverno turns a number into a quantity through `fmt.Sprintf("%v")`.
fn scalar_as_quantity(c: &Context<'_>, n: f64) -> Result<Quantity, JmespathError> {
    let text = go_float_g(n);
    Quantity::parse(&text).map_err(|e| function_error(c, e.to_string()))
}

fn combine(x: &Quantity, y: &Quantity, subtract: bool) -> Option<(i128, i64)> {
    let ((m1, e1), (m2, e2)) = (x.to_decimal()?, y.to_decimal()?);
    let e = e1.min(e2);
    let m1 = m1.checked_mul(pow10(e1 - e)?)?;
    let m2 = m2.checked_mul(pow10(e2 - e)?)?;
    Some((
        if subtract {
            m1.checked_sub(m2)?
        } else {
            m1.checked_add(m2)?
        },
        e,
    ))
}

fn pow10(n: i64) -> Option<i128> {
    10i128.checked_pow(u32::try_from(n).ok()?)
}

/// The scale `inf.Dec` gives a written quantity: digits after the point
/// minus the suffix's power of ten (`1500m` → 3, `1.5` → 1, `2k` → -3).
fn written_scale(text: &str) -> i64 {
    let body = text.trim_start_matches(['+', '-']);
    let number_end = body
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(body.len());
    let (number, suffix) = body.split_at(number_end);
    let fraction = number.split_once('.').map_or(0, |(_, f)| f.len()) as i64;
    let exponent: i64 = match suffix {
        "n" => -9,
        "u" => -6,
        "m" => -3,
        "" | "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei" => 0,
        "k" => 3,
        "M" => 6,
        "G" => 9,
        "T" => 12,
        "P" => 15,
        "E" => 18,
        e => e.get(1..).and_then(|n| n.parse().ok()).unwrap_or(0),
    };
    fraction - exponent
}

/// `QuoRound(x, y, scale, RoundDown)`: the quotient truncated toward zero at
/// `10^-scale`.
fn divide_round_down(
    (m1, e1): (i128, i64),
    (m2, e2): (i128, i64),
    scale: i64,
) -> Option<(i128, i64)> {
    if m2 == 0 {
        return None;
    }
    // x / y = (m1 / m2) × 10^(e1 - e2); want an integer q with q × 10^-scale.
    let shift = e1 - e2 + scale;
    let (numerator, denominator) = if shift >= 0 {
        (m1.checked_mul(pow10(shift)?)?, m2)
    } else {
        (m1, m2.checked_mul(pow10(-shift)?)?)
    };
    Some((numerator / denominator, -scale))
}

fn quantity_result(
    c: &Context<'_>,
    function: &str,
    value: Option<(i128, i64)>,
    format: QuantityFormat,
    _written: &str,
) -> Result<Rcvar, JmespathError> {
    let (mantissa, exponent) = value.ok_or_else(|| {
        function_error(
            c,
            format!("JMESPath function '{function}': quantity out of range"),
        )
    })?;
    Ok(string_result(canonical_quantity(
        mantissa, exponent, format,
    )))
}

/// `Quantity.String()`: Kubernetes' canonical form of `mantissa × 10^exponent`.
pub(crate) fn canonical_quantity(
    mut mantissa: i128,
    mut exponent: i64,
    format: QuantityFormat,
) -> String {
    if mantissa == 0 {
        return "0".to_owned();
    }
    while mantissa % 10 == 0 {
        mantissa /= 10;
        exponent += 1;
    }
    if format == QuantityFormat::BinarySi && exponent >= 0 {
        if let Some(integer) = pow10(exponent).and_then(|p| mantissa.checked_mul(p)) {
            if integer.abs() >= 1024 {
                let mut amount = integer;
                let mut power = 0;
                while amount % 1024 == 0 && power < 6 {
                    amount /= 1024;
                    power += 1;
                }
                let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][power];
                return format!("{amount}{suffix}");
            }
        }
    }
    // Bring the exponent down to a multiple of three.
    while exponent.rem_euclid(3) != 0 {
        match mantissa.checked_mul(10) {
            Some(m) => mantissa = m,
            None => break,
        }
        exponent -= 1;
    }
    let suffix = match (format, exponent) {
        (QuantityFormat::DecimalExponent, 0) => String::new(),
        (QuantityFormat::DecimalExponent, e) => format!("e{e}"),
        (_, -9) => "n".to_owned(),
        (_, -6) => "u".to_owned(),
        (_, -3) => "m".to_owned(),
        (_, 0) => String::new(),
        (_, 3) => "k".to_owned(),
        (_, 6) => "M".to_owned(),
        (_, 9) => "G".to_owned(),
        (_, 12) => "T".to_owned(),
        (_, 15) => "P".to_owned(),
        (_, 18) => "E".to_owned(),
        (_, e) => format!("e{e}"),
    };
    format!("{mantissa}{suffix}")
}

fn round(a: &[Rcvar], c: &mut Context<'_>) -> Result<Rcvar, JmespathError> {
    let value = a[0].as_number().unwrap_or(f64::NAN);
    let places = a[1].as_number().unwrap_or(f64::NAN);
    if !places.is_finite() || places.trunc() != places {
        return Err(function_error(
            c,
            "JMESPath function 'round': Non-integer argument(s) passed for round off",
        ));
    }
    if places < 0.0 {
        return Err(function_error(
            c,
            "JMESPath function 'round': argument is out of bounds",
        ));
    }
    let shift = 10f64.powf(places);
    // Go's math.Round rounds half away from zero, as f64::round does.
    float_result(c, (value * shift).round() / shift)
}
