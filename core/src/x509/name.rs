//! Distinguished names as RFC 4514 strings: RDNs last-to-first, separated by `,`; multi-valued
//! RDNs joined by `+`; the attribute types of RFC 4514 §3 by their short names, every other type
//! as a dotted OID with its value as `#` + hex of the value's DER (§2.4).

use x509_parser::asn1_rs::{Tag, ToDer};
use x509_parser::x509::{AttributeTypeAndValue, X509Name};

/// RFC 4514 §3: the short names every implementation recognises.
const SHORT_NAMES: &[(&str, &str)] = &[
    ("2.5.4.3", "CN"),
    ("2.5.4.7", "L"),
    ("2.5.4.8", "ST"),
    ("2.5.4.10", "O"),
    ("2.5.4.11", "OU"),
    ("2.5.4.6", "C"),
    ("2.5.4.9", "STREET"),
    ("0.9.2342.19200300.100.1.25", "DC"),
    ("0.9.2342.19200300.100.1.1", "UID"),
];

/// The RFC 4514 string form of `name` (empty for an empty name).
pub fn rfc4514(name: &X509Name<'_>) -> String {
    let rdns: Vec<String> = name
        .iter_rdn()
        .map(|rdn| rdn.iter().map(attribute).collect::<Vec<String>>().join("+"))
        .collect();
    rdns.into_iter().rev().collect::<Vec<String>>().join(",")
}

fn attribute(atv: &AttributeTypeAndValue<'_>) -> String {
    let oid = atv.attr_type().to_id_string();
    let short = SHORT_NAMES.iter().find(|(o, _)| *o == oid).map(|(_, s)| *s);
    match (short, string_value(atv)) {
        (Some(ty), Some(value)) => format!("{ty}={}", escape(&value)),
        (ty, _) => format!("{}=#{}", ty.unwrap_or(&oid), der_hex(atv)),
    }
}

/// The value of a string-typed attribute, if it is one Cairn can decode faithfully.
fn string_value(atv: &AttributeTypeAndValue<'_>) -> Option<String> {
    let value = atv.attr_value();
    match value.tag() {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::NumericString => {
            std::str::from_utf8(value.data).ok().map(str::to_owned)
        }
        Tag::BmpString => {
            if value.data.len() % 2 != 0 {
                return None;
            }
            let units: Vec<u16> = value
                .data
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).ok()
        }
        Tag::UniversalString => {
            if value.data.len() % 4 != 0 {
                return None;
            }
            value
                .data
                .chunks_exact(4)
                .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
                .collect()
        }
        _ => None,
    }
}

fn der_hex(atv: &AttributeTypeAndValue<'_>) -> String {
    match atv.attr_value().to_der_vec() {
        Ok(der) => hex::encode(der),
        Err(_) => hex::encode(atv.attr_value().data),
    }
}

/// RFC 4514 §2.4 escaping.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        match c {
            '"' | '+' | ',' | ';' | '<' | '>' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\0' => out.push_str("\\00"),
            ' ' if i == 0 || i == last => out.push_str("\\ "),
            '#' if i == 0 => out.push_str("\\#"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_specials_and_edge_spaces() {
        assert_eq!(escape("a,b+c"), "a\\,b\\+c");
        assert_eq!(escape(" x "), "\\ x\\ ");
        assert_eq!(escape("#x#"), "\\#x#");
        assert_eq!(escape("plain"), "plain");
        assert_eq!(escape(""), "");
    }
}
