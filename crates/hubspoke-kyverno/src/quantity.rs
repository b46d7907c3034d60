//! Kubernetes `resource.Quantity` (`500m`, `1.5Gi`, `12e6`): parsing with the
//! exact grammar and quirks of `k8s.io/apimachinery/pkg/api/resource`, and exact
//! comparison.
//!
//! Kyverno compares pattern strings such as `<= 512Mi` and conditions such as
//! `GreaterThan` through `resource.ParseQuantity` and `Quantity.Cmp`, so the
//! accepted strings and the order must be Kubernetes' own, quirks included:
//!
//! - a sign or a lone suffix is a quantity of zero (`"+"`, `"m"`, `"Ki"`, `"."`);
//! - `1E` is 10^18 (the exa suffix) while `1e` is an error;
//! - values are rounded *up* (away from zero) to nano precision: `0.1n` is `1n`;
//! - binary-suffixed values are capped at 2^63-1 in magnitude, decimal ones are not;
//! - a decimal exponent is read as a 64-bit integer and then truncated to 32
//!   bits, as Go's `int32(parsed)` does.
//!
//! The value is kept exactly (decimal digits and a power of ten), never as a
//! float, so `1Gi > 1073741823999m` compares right; comparison works on the
//! digits and the exponent, so `1e2000000000` costs no more than `1`.

use std::cmp::Ordering;

/// Why a string is not a quantity (the three errors `ParseQuantity` returns).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    /// The text does not have the shape `<signedNumber><suffix>`.
    #[error("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")]
    FormatWrong,
    /// The suffix is none of the decimal, binary or exponent suffixes.
    #[error("unable to parse quantity's suffix")]
    Suffix,
}

/// How a quantity was written (Kubernetes keeps it to print the value back).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantityFormat {
    /// `12e6`, `1E-3`.
    DecimalExponent,
    /// `12Mi` (powers of 1024).
    BinarySi,
    /// `12M`, `500m`, `3` (powers of 1000).
    DecimalSi,
}

/// A parsed Kubernetes quantity: an exact decimal number.
#[derive(Debug, Clone)]
pub struct Quantity {
    negative: bool,
    /// Decimal digits, most significant first, without leading or trailing
    /// zeros; empty for zero.
    digits: Vec<u8>,
    /// The value is `digits × 10^exponent`.
    exponent: i64,
    format: QuantityFormat,
}

/// 2^63-1, the cap Kubernetes puts on binary-suffixed quantities.
const MAX_ALLOWED: &[u8] = b"9223372036854775807";

/// Values are rounded up to this power of ten (nano).
const NANO_EXPONENT: i64 = -9;

impl Quantity {
    /// Parse a quantity as `resource.ParseQuantity` does.
    pub fn parse(text: &str) -> Result<Quantity, QuantityError> {
        if text.is_empty() {
            return Err(QuantityError::FormatWrong);
        }
        let parts = split(text)?;
        let (base, suffix_exponent, format) = interpret_suffix(parts.suffix)?;
        let mut digits: Vec<u8> = parts
            .whole
            .bytes()
            .chain(parts.fraction.bytes())
            .map(|b| b - b'0')
            .collect();
        let fraction_len = i64::try_from(parts.fraction.len()).unwrap_or(i64::MAX);
        let mut exponent = -fraction_len;
        if base == 10 {
            exponent = exponent.saturating_add(i64::from(suffix_exponent));
        } else {
            // Binary suffixes go up to 2^60: multiply by 1024 per step of 10.
            for _ in 0..suffix_exponent / 10 {
                multiply_small(&mut digits, 1024);
            }
        }
        let mut quantity = Quantity {
            negative: !parts.positive,
            digits,
            exponent,
            format,
        };
        quantity.normalize();
        quantity.round_up_to_nano();
        if format == QuantityFormat::BinarySi && quantity.magnitude_exceeds(MAX_ALLOWED) {
            quantity.digits = MAX_ALLOWED.iter().map(|b| b - b'0').collect();
            quantity.exponent = 0;
            quantity.normalize();
        }
        if format == QuantityFormat::BinarySi && !quantity.is_zero() && quantity.order() <= 0 {
            // Kubernetes prints sub-unit binary values in decimal form.
            quantity.format = QuantityFormat::DecimalSi;
        }
        if quantity.is_zero() {
            quantity.negative = false;
        }
        Ok(quantity)
    }

    /// How the quantity was written.
    pub fn format(&self) -> QuantityFormat {
        self.format
    }

    /// Whether the value is zero.
    pub fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// Whether the value is below zero.
    pub fn is_negative(&self) -> bool {
        self.negative
    }

    /// The nearest `f64` (Kubernetes' `AsApproximateFloat64`), for arithmetic
    /// that Kyverno itself does in floating point.
    pub fn as_f64(&self) -> f64 {
        let mut text = String::with_capacity(self.digits.len() + 24);
        if self.negative {
            text.push('-');
        }
        if self.digits.is_empty() {
            text.push('0');
        }
        text.extend(self.digits.iter().map(|d| char::from(b'0' + d)));
        text.push('e');
        text.push_str(&self.exponent.to_string());
        text.parse().unwrap_or(0.0)
    }

    /// Strip leading and trailing zero digits (keeping the value).
    fn normalize(&mut self) {
        let leading = self.digits.iter().take_while(|&&d| d == 0).count();
        self.digits.drain(..leading);
        let trailing = self.digits.iter().rev().take_while(|&&d| d == 0).count();
        self.digits.truncate(self.digits.len() - trailing);
        self.exponent = self
            .exponent
            .saturating_add(i64::try_from(trailing).unwrap_or(0));
        if self.digits.is_empty() {
            self.exponent = 0;
        }
    }

    /// Kubernetes rounds a non-zero value up (away from zero) to nano precision:
    /// "if you want some resources, you should get some resources".
    fn round_up_to_nano(&mut self) {
        if self.digits.is_empty() || self.exponent >= NANO_EXPONENT {
            return;
        }
        let dropped = NANO_EXPONENT - self.exponent;
        let kept = i64::try_from(self.digits.len()).unwrap_or(i64::MAX) - dropped;
        // Digits are normalized, so the dropped ones hold a non-zero digit.
        if kept <= 0 {
            self.digits = vec![1];
        } else {
            self.digits
                .truncate(usize::try_from(kept).unwrap_or(self.digits.len()));
            add_one(&mut self.digits);
        }
        self.exponent = NANO_EXPONENT;
        self.normalize();
    }

    /// The power of ten just above the most significant digit: a value with
    /// `order` n lies in [10^(n-1), 10^n).
    fn order(&self) -> i64 {
        i64::try_from(self.digits.len())
            .unwrap_or(i64::MAX)
            .saturating_add(self.exponent)
    }

    fn magnitude_exceeds(&self, limit: &[u8]) -> bool {
        let limit = Quantity {
            negative: false,
            digits: limit.iter().map(|b| b - b'0').collect(),
            exponent: 0,
            format: QuantityFormat::DecimalSi,
        };
        self.cmp_magnitude(&limit) == Ordering::Greater
    }

    fn cmp_magnitude(&self, other: &Quantity) -> Ordering {
        match (self.is_zero(), other.is_zero()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            (false, false) => {}
        }
        match self.order().cmp(&other.order()) {
            Ordering::Equal => {}
            unequal => return unequal,
        }
        // Same order: compare digit by digit, a missing digit being zero.
        let len = self.digits.len().max(other.digits.len());
        for i in 0..len {
            let a = self.digits.get(i).copied().unwrap_or(0);
            let b = other.digits.get(i).copied().unwrap_or(0);
            match a.cmp(&b) {
                Ordering::Equal => {}
                unequal => return unequal,
            }
        }
        Ordering::Equal
    }
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Quantity {}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Quantity {
    /// `Quantity.Cmp`: exact numeric order, the written form ignored.
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.cmp_magnitude(other),
            (true, true) => other.cmp_magnitude(self),
        }
    }
}

impl std::str::FromStr for Quantity {
    type Err = QuantityError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Quantity::parse(text)
    }
}

impl Quantity {
    /// The exact value as `mantissa × 10^exponent` (for Kyverno's quantity
    /// arithmetic), `None` when the mantissa does not fit an `i128`.
    pub(crate) fn to_decimal(&self) -> Option<(i128, i64)> {
        let mut mantissa: i128 = 0;
        for &d in &self.digits {
            mantissa = mantissa.checked_mul(10)?.checked_add(i128::from(d))?;
        }
        Some((
            if self.negative { -mantissa } else { mantissa },
            self.exponent,
        ))
    }
}

/// The pieces `parseQuantityString` cuts a quantity into.
struct Parts<'a> {
    positive: bool,
    /// Integer digits without leading zeros (may be empty).
    whole: &'a str,
    /// Digits after the point (may be empty).
    fraction: &'a str,
    suffix: &'a str,
}

/// Kubernetes' hand-written scanner, step for step: it is more permissive than
/// its documented grammar (`"."`, `"+"` and a bare suffix are all zero).
fn split(text: &str) -> Result<Parts<'_>, QuantityError> {
    let bytes = text.as_bytes();
    let end = bytes.len();
    let mut pos = 0;
    let mut positive = true;
    match bytes.first() {
        Some(b'-') => {
            positive = false;
            pos += 1;
        }
        Some(b'+') => pos += 1,
        _ => {}
    }
    while pos < end && bytes[pos] == b'0' {
        pos += 1;
    }
    let whole_start = pos;
    while pos < end && bytes[pos].is_ascii_digit() {
        pos += 1;
    }
    let whole = &text[whole_start..pos];
    let mut fraction = "";
    if pos < end && bytes[pos] == b'.' {
        pos += 1;
        let start = pos;
        while pos < end && bytes[pos].is_ascii_digit() {
            pos += 1;
        }
        fraction = &text[start..pos];
    }
    let suffix_start = pos;
    while pos < end && b"eEinumkKMGTP".contains(&bytes[pos]) {
        pos += 1;
    }
    if pos < end && (bytes[pos] == b'-' || bytes[pos] == b'+') {
        pos += 1;
    }
    while pos < end && bytes[pos].is_ascii_digit() {
        pos += 1;
    }
    if pos < end {
        return Err(QuantityError::FormatWrong);
    }
    Ok(Parts {
        positive,
        whole,
        fraction,
        suffix: &text[suffix_start..],
    })
}

/// A suffix's base, exponent and format (`quantitySuffixer.interpret`).
fn interpret_suffix(suffix: &str) -> Result<(u32, i32, QuantityFormat), QuantityError> {
    let decimal = |e| Ok((10, e, QuantityFormat::DecimalSi));
    let binary = |e| Ok((2, e, QuantityFormat::BinarySi));
    match suffix {
        "" => decimal(0),
        "n" => decimal(-9),
        "u" => decimal(-6),
        "m" => decimal(-3),
        "k" => decimal(3),
        "M" => decimal(6),
        "G" => decimal(9),
        "T" => decimal(12),
        "P" => decimal(15),
        "E" => decimal(18),
        "Ki" => binary(10),
        "Mi" => binary(20),
        "Gi" => binary(30),
        "Ti" => binary(40),
        "Pi" => binary(50),
        "Ei" => binary(60),
        _ => {
            let rest = suffix
                .strip_prefix('e')
                .or_else(|| suffix.strip_prefix('E'))
                .filter(|rest| !rest.is_empty())
                .ok_or(QuantityError::Suffix)?;
            let parsed: i64 = parse_go_int(rest).ok_or(QuantityError::Suffix)?;
            // Go: `int32(parsed)`, a truncating conversion.
            #[allow(clippy::cast_possible_truncation)]
            let exponent = parsed as i32;
            Ok((10, exponent, QuantityFormat::DecimalExponent))
        }
    }
}

/// `strconv.ParseInt(s, 10, 64)`: an optional sign and decimal digits.
fn parse_go_int(text: &str) -> Option<i64> {
    let digits = text
        .strip_prefix('+')
        .or_else(|| text.strip_prefix('-'))
        .unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `digits *= factor` on a most-significant-first decimal digit vector.
fn multiply_small(digits: &mut Vec<u8>, factor: u32) {
    let mut carry: u32 = 0;
    for digit in digits.iter_mut().rev() {
        let product = u32::from(*digit) * factor + carry;
        *digit = u8::try_from(product % 10).unwrap_or(0);
        carry = product / 10;
    }
    while carry > 0 {
        digits.insert(0, u8::try_from(carry % 10).unwrap_or(0));
        carry /= 10;
    }
}

/// `digits += 1` on a most-significant-first decimal digit vector.
fn add_one(digits: &mut Vec<u8>) {
    for digit in digits.iter_mut().rev() {
        if *digit == 9 {
            *digit = 0;
        } else {
            *digit += 1;
            return;
        }
    }
    digits.insert(0, 1);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(text: &str) -> Quantity {
        Quantity::parse(text).unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
    }

    #[test]
    fn equal_values_written_differently() {
        // Kyverno pkg/engine/pattern TestValidateQuantity_Equal, and apimachinery's cases.
        for (a, b) in [
            ("1024Gi", "1024Gi"),
            ("1024Mi", "1Gi"),
            ("0.2", "200m"),
            ("500", "500"),
            ("1024", "1Ki"),
            ("1k", "1000"),
            ("1e3", "1k"),
            ("1E3", "1000"),
            ("1.5Gi", "1536Mi"),
            ("0.5", ".5"),
            ("1.", "1"),
            ("007", "7"),
            ("+5", "5"),
            ("-0", "0"),
            ("0.000000001", "1n"),
            ("1000u", "1m"),
            ("1E", "1e18"),
            ("1e-3", "1m"),
            ("1e+3", "1k"),
        ] {
            assert_eq!(q(a), q(b), "{a} == {b}");
        }
        assert_ne!(q("2048"), q("1024"));
    }

    #[test]
    fn order() {
        // Kyverno pkg/engine/pattern TestValidateQuantity_Operation.
        assert!(q("1Gi") > q("1000Mi"));
        assert!(q("1G") < q("1Gi"));
        assert!(q("500m") >= q("0.5"));
        assert!(q("1") >= q("500m"));
        assert!(q("0.5") <= q(".5"));
        assert!(q("0.2") <= q(".5"));
        assert!(q("500m") < q("0.6"));
        assert!(q("-1") < q("0"));
        assert!(q("-2Mi") < q("-1Mi"));
        assert!(q("-1m") > q("-1"));
        assert!(q("1Gi") > q("1073741823999m"));
        assert!(q("1e2000000000") > q("9Ei"));
        assert!(q("1e-2000000000") > q("0"));
        assert!(q("256Mi") >= q("128Mi") && q("256Mi") <= q("512Mi"));
    }

    #[test]
    fn rounding_up_to_nano_and_binary_cap() {
        assert_eq!(q("0.1n"), q("1n"));
        assert_eq!(q("1.0000000001"), q("1.000000001"));
        assert_eq!(q("-0.1n"), q("-1n"));
        assert_eq!(q("1e-20"), q("1n"));
        // Binary values stop at 2^63-1; decimal ones do not.
        assert_eq!(q("16Ei"), q("9223372036854775807"));
        assert!(q("16E") > q("9223372036854775807"));
        assert_eq!(q("8Ei"), q("9223372036854775807"));
        assert_eq!(q("7Ei"), q("8070450532247928832"));
    }

    #[test]
    fn lone_signs_and_suffixes_are_zero() {
        for text in ["0", "+", "-", ".", "m", "k", "Ki", "E", "e5", "00", "0.0"] {
            assert!(q(text).is_zero(), "{text}");
        }
    }

    #[test]
    fn errors() {
        for (text, error) in [
            ("", QuantityError::FormatWrong),
            ("gii", QuantityError::FormatWrong),
            ("1 Gi", QuantityError::FormatWrong),
            ("1.2.3", QuantityError::FormatWrong),
            ("1Gi3x", QuantityError::FormatWrong),
            ("12s", QuantityError::FormatWrong),
            ("1e", QuantityError::Suffix),
            ("1i", QuantityError::Suffix),
            ("1kk", QuantityError::Suffix),
            ("1KI", QuantityError::FormatWrong),
            ("1e99999999999999999999", QuantityError::Suffix),
            ("1Mi5", QuantityError::Suffix),
        ] {
            assert_eq!(Quantity::parse(text).err(), Some(error), "{text}");
        }
    }

    #[test]
    fn formats() {
        assert_eq!(q("1Ki").format(), QuantityFormat::BinarySi);
        assert_eq!(q("0.5Ki").format(), QuantityFormat::BinarySi);
        assert_eq!(q("1e3").format(), QuantityFormat::DecimalExponent);
        assert_eq!(q("1k").format(), QuantityFormat::DecimalSi);
    }

    #[test]
    fn approximate_float() {
        assert!((q("1.5Gi").as_f64() - 1_610_612_736.0).abs() < 1e-3);
        assert!((q("-250m").as_f64() + 0.25).abs() < 1e-12);
        assert!(q("0").as_f64().abs() < f64::EPSILON);
    }
}
