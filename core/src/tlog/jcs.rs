//! RFC 8785 JSON Canonicalization Scheme (JCS), the encoding of log leaf data.
//!
//! Objects have their members sorted by the UTF-16 code units of their names; strings are
//! escaped as ECMAScript's `JSON.stringify` does (only `"`, `\` and controls below U+0020, with
//! the short forms where they exist); no whitespace. Numbers: integers (what serde_json holds as
//! `u64`/`i64`) are written exactly; other numbers are IEEE 754 doubles written as ECMAScript's
//! `Number.prototype.toString` does (RFC 8785 §3.2.2.3).
//! NaN and infinities have no JSON form and are errors.

use super::TlogError;
use crate::limits::MAX_JSON_DEPTH;
use serde_json::{Number, Value};
use std::fmt::Write;

/// RFC 8785 (JCS) canonical JSON of `v`.
pub fn canonical_json(v: &Value) -> Result<String, TlogError> {
    let mut out = String::new();
    write_value(v, &mut out, 0)?;
    Ok(out)
}

fn write_value(v: &Value, out: &mut String, depth: usize) -> Result<(), TlogError> {
    if depth > MAX_JSON_DEPTH {
        return Err(TlogError::JsonTooDeep {
            max: MAX_JSON_DEPTH,
        });
    }
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => out.push_str(&number(n)?),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out, depth + 1)?;
            }
            out.push(']');
        }
        Value::Object(members) => {
            let mut sorted: Vec<(&String, &Value)> = members.iter().collect();
            sorted.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, (name, value)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(name, out);
                out.push(':');
                write_value(value, out, depth + 1)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// RFC 8785 §3.2.2.2: escape `"` and `\`, the controls with short forms as `\b \t \n \f \r`, other
/// controls as `\u00xx` (lowercase hex); everything else, DEL and non-ASCII included, as is.
fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if c < ' ' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn number(n: &Number) -> Result<String, TlogError> {
    if let Some(u) = n.as_u64() {
        return Ok(u.to_string());
    }
    if let Some(i) = n.as_i64() {
        return Ok(i.to_string());
    }
    match n.as_f64() {
        Some(f) => es6_number(f),
        None => Err(TlogError::NonFiniteNumber(n.to_string())),
    }
}

/// ECMAScript `Number.prototype.toString(10)` of a finite double (ECMA-262 Number::toString,
/// RFC 8785 §3.2.2.3): the shortest digits that round-trip, nearest to the value, ties to the even
/// digit, laid out as ECMAScript does. Ryū (the `ryu-js` port) gets the tie rule right, which
/// Rust's own shortest formatting does not (it writes 1424953923781206.3 for RFC 8785 Appendix B's
/// 1424953923781206.25, where ECMAScript writes 1424953923781206.2).
pub(crate) fn es6_number(f: f64) -> Result<String, TlogError> {
    if !f.is_finite() {
        return Err(TlogError::NonFiniteNumber(f.to_string()));
    }
    if f == 0.0 {
        return Ok("0".to_owned()); // -0 too
    }
    Ok(ryu_js::Buffer::new().format_finite(f).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_and_infinity_are_errors() {
        for f in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert!(es6_number(f).is_err());
        }
        assert_eq!(es6_number(1.5).unwrap(), "1.5");
    }

    #[test]
    fn depth_is_bounded() {
        let mut v = Value::Null;
        for _ in 0..MAX_JSON_DEPTH {
            v = Value::Array(vec![v]);
        }
        assert!(canonical_json(&v).is_ok());
        let v = Value::Array(vec![v]);
        assert_eq!(
            canonical_json(&v),
            Err(TlogError::JsonTooDeep {
                max: MAX_JSON_DEPTH
            })
        );
    }
}
