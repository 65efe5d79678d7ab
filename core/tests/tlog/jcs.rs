//! RFC 8785 (JCS): the RFC's examples, Appendix B's number samples, and the input/output pairs of
//! the RFC author's reference test data (cyberphone/json-canonicalization `testdata/`).

use cairn_core::tlog::{TlogError, canonical_json};
use proptest::prelude::*;
use serde_json::{Number, Value};

fn canon(json: &str) -> String {
    canonical_json(&serde_json::from_str(json).unwrap()).unwrap()
}

/// (name, input, expected canonical output).
fn reference_vectors() -> Vec<(&'static str, &'static str, String)> {
    vec![
        (
            "values.json (RFC 8785 §3.2.2 example)",
            r#"{
  "numbers": [1E30, 4.50, 333333333.33333329, 2e-3, 0.000000000000000000000000001],
  "escaping": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}"#,
            r#"{"escaping":"€$\u000f\nA'B\"\\\\\"/","literals":[null,true,false],"numbers":[1e+30,4.5,333333333.3333333,0.002,1e-27]}"#
                .to_owned(),
        ),
        (
            "weird.json",
            r#"{
  "\u20ac": "Euro Sign",
  "1": "One",
  "\u0080": "Control\u007f",
  "\ud83d\ude02": "Smiley",
  "\u00f6": "Latin Small Letter O With Diaeresis",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "</script>": "Browser Challenge"
}
"#,
            concat!(
                r#"{"1":"One","</script>":"Browser Challenge","#,
                "\"\u{80}\":\"Control\u{7f}\",",
                r#""ö":"Latin Small Letter O With Diaeresis","€":"Euro Sign","😂":"Smiley","#,
                "\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}"
            )
            .to_owned(),
        ),
        (
            "structures.json",
            r#"{
  "1": {"f": {"f": "hi","F": 5} ,"\n": 56.0},
  "10": { },
  "": "empty",
  "a": { },
  "111": [ { } ],
  "A": { }
}"#,
            r#"{"":"empty","1":{"\n":56,"f":{"F":5,"f":"hi"}},"10":{},"111":[{}],"A":{},"a":{}}"#
                .to_owned(),
        ),
        (
            "french.json",
            r#"{
  "peach": "This sorting order",
  "péché": "is wrong according to French",
  "pêche": "but canonicalization MUST",
  "sin":   "ingnore locale"
}
"#,
            r#"{"peach":"This sorting order","péché":"is wrong according to French","pêche":"but canonicalization MUST","sin":"ingnore locale"}"#
                .to_owned(),
        ),
        (
            "unicode.json",
            r#"{
  "Unnormalized Unicode":"\u1e0d\u0307"
}
"#,
            "{\"Unnormalized Unicode\":\"\u{1e0d}\u{307}\"}".to_owned(),
        ),
        (
            "RFC 8785 §3.2.3 sorting example",
            r#"{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}"#,
            concat!(
                r#"{"\r":"Carriage Return","1":"One","#,
                "\"\u{80}\":\"Control\",",
                r#""ö":"Latin Small Letter O With Diaeresis","€":"Euro Sign","😀":"Emoji: Grinning Face","#,
                "\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}"
            )
            .to_owned(),
        ),
    ]
}

#[test]
fn reference_vectors_canonicalise_exactly() {
    let vectors = reference_vectors();
    let mut failures = Vec::new();
    for (name, input, want) in &vectors {
        let got = canon(input);
        if &got != want {
            failures.push(format!("{name}:\n got {got}\nwant {want}"));
        }
        // Canonical output is a fixed point.
        assert_eq!(canon(&got), got, "{name}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(vectors.len(), 6);
}

/// RFC 8785 Appendix B: IEEE 754 bit patterns and their canonical text (finite values).
const APPENDIX_B: [(u64, &str); 24] = [
    (0x0000000000000000, "0"),
    (0x8000000000000000, "0"),
    (0x0000000000000001, "5e-324"),
    (0x8000000000000001, "-5e-324"),
    (0x7fefffffffffffff, "1.7976931348623157e+308"),
    (0xffefffffffffffff, "-1.7976931348623157e+308"),
    (0x4340000000000000, "9007199254740992"),
    (0xc340000000000000, "-9007199254740992"),
    (0x4430000000000000, "295147905179352830000"),
    (0x44b52d02c7e14af5, "9.999999999999997e+22"),
    (0x44b52d02c7e14af6, "1e+23"),
    (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
    (0x444b1ae4d6e2ef4e, "999999999999999700000"),
    (0x444b1ae4d6e2ef4f, "999999999999999900000"),
    (0x444b1ae4d6e2ef50, "1e+21"),
    (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
    (0x3eb0c6f7a0b5ed8d, "0.000001"),
    (0x41b3de4355555553, "333333333.3333332"),
    (0x41b3de4355555554, "333333333.33333325"),
    (0x41b3de4355555555, "333333333.3333333"),
    (0x41b3de4355555556, "333333333.3333334"),
    (0x41b3de4355555557, "333333333.33333343"),
    (0xbecbf647612f3696, "-0.0000033333333333333333"),
    (0x43143ff3c1cb0959, "1424953923781206.2"),
];

fn float(f: f64) -> Value {
    Value::Number(Number::from_f64(f).unwrap())
}

#[test]
fn appendix_b_numbers() {
    let mut failures = Vec::new();
    for (bits, want) in APPENDIX_B {
        let got = canonical_json(&float(f64::from_bits(bits))).unwrap();
        if got != want {
            failures.push(format!("{bits:016x}: got {got}, want {want}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // NaN and the infinities of Appendix B cannot even be held by a JSON value.
    for bits in [
        0x7fffffffffffffff_u64,
        0x7ff0000000000000,
        0xfff0000000000000,
    ] {
        assert!(Number::from_f64(f64::from_bits(bits)).is_none());
    }
}

#[test]
fn integers_are_exact_and_number_spellings_normalise() {
    for (input, want) in [
        ("18446744073709551615", "18446744073709551615"),
        ("-9223372036854775808", "-9223372036854775808"),
        ("9007199254740993", "9007199254740993"),
        ("0", "0"),
        ("-0", "0"),
        ("-0.0", "0"),
        ("1.0", "1"),
        ("1e2", "100"),
        ("0.1", "0.1"),
        ("1e-7", "1e-7"),
        ("-1.5E+300", "-1.5e+300"),
        ("123456789012345680000", "123456789012345680000"),
    ] {
        assert_eq!(canon(input), want, "{input}");
    }
}

#[test]
fn strings_escape_exactly_what_ecmascript_escapes() {
    for c in 0u32..0x20 {
        let ch = char::from_u32(c).unwrap();
        let want = match ch {
            '\u{8}' => "\"\\b\"".to_owned(),
            '\t' => "\"\\t\"".to_owned(),
            '\n' => "\"\\n\"".to_owned(),
            '\u{c}' => "\"\\f\"".to_owned(),
            '\r' => "\"\\r\"".to_owned(),
            _ => format!("\"\\u{c:04x}\""),
        };
        assert_eq!(
            canonical_json(&Value::String(ch.to_string())).unwrap(),
            want,
            "U+{c:04X}"
        );
    }
    for (s, want) in [
        ("\"", r#""\"""#),
        ("\\", r#""\\""#),
        ("/", r#""/""#),
        ("\u{7f}", "\"\u{7f}\""),
        ("\u{2028}\u{2029}", "\"\u{2028}\u{2029}\""),
        ("😀", "\"😀\""),
    ] {
        assert_eq!(
            canonical_json(&Value::String(s.into())).unwrap(),
            want,
            "{s:?}"
        );
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let mut v = Value::Null;
    for _ in 0..10_000 {
        v = Value::Array(vec![v]);
    }
    let err = canonical_json(&v).unwrap_err();
    assert!(matches!(err, TlogError::JsonTooDeep { .. }));
    // Dropping a 10,000-deep value recurses in serde_json itself; unwind it iteratively.
    while let Value::Array(mut inner) = v {
        v = inner.pop().unwrap_or(Value::Null);
    }
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(any::<String>(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    /// Every finite double is written with the fewest significant digits that read back as the
    /// same double (never more than Rust's own shortest form), in ECMAScript's layout.
    #[test]
    fn doubles_are_shortest_and_round_trip(bits in any::<u64>()) {
        let f = f64::from_bits(bits);
        prop_assume!(f.is_finite());
        let text = canonical_json(&float(f)).unwrap();
        let back: f64 = text.parse().unwrap();
        prop_assert!(back == f, "{} reads back as {}", text, back);
        let significant = |s: &str| -> usize {
            let mantissa = s.split(['e', 'E']).next().unwrap_or_default();
            let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
            digits.trim_start_matches('0').trim_end_matches('0').len().max(1)
        };
        prop_assert!(significant(&text) <= significant(&format!("{:e}", f)), "{} vs {:e}", text, f);
        // ECMAScript layout: exponent form only below 1e-6 or from 1e21 on.
        let a = f.abs();
        prop_assert_eq!(text.contains('e'), a != 0.0 && !(1e-6..1e21).contains(&a), "{}", text);
    }

    /// Canonical output parses back to the same value and is its own canonical form; members
    /// come out sorted by UTF-16 code units.
    #[test]
    fn canonical_form_is_a_fixed_point(v in json_value()) {
        let text = canonical_json(&v).unwrap();
        let back: Value = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(canonical_json(&back).unwrap(), text.clone());
        if let Value::Object(m) = &v {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            let mut pos = 0;
            for k in keys {
                let needle = format!("{}:", serde_json::to_string(k).unwrap());
                let found = text[pos..].find(&needle);
                prop_assert!(found.is_some(), "{} not in order in {}", needle, text);
                pos += found.unwrap_or(0) + needle.len();
            }
        }
    }
}
