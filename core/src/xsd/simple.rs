//! Simple types (XSD 1.0 Part 2): the built-in datatypes Cairn supports, their lexical rules,
//! whitespace normalisation, facets, and the values compared by enumerations, range facets,
//! `fixed` constraints and identity constraints.

use std::borrow::Cow;
use std::cmp::Ordering;

use base64::Engine as _;

use super::lexical::{self, DateTimeValue, DecimalValue};
use super::model::SimpleId;
use super::pattern::Pattern;

/// The built-in datatypes this validator knows. Anything else in the XSD namespace is refused
/// when a schema names it (QName, NOTATION, ID, IDREF(S), ENTITY/ENTITIES: their validation needs
/// document-wide state Cairn does not implement).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Builtin {
    AnySimpleType,
    String,
    NormalizedString,
    Token,
    Language,
    Name,
    NcName,
    NmToken,
    AnyUri,
    Boolean,
    Decimal,
    Integer,
    NonPositiveInteger,
    NegativeInteger,
    Long,
    Int,
    Short,
    Byte,
    NonNegativeInteger,
    UnsignedLong,
    UnsignedInt,
    UnsignedShort,
    UnsignedByte,
    PositiveInteger,
    Float,
    Double,
    DateTime,
    Date,
    Time,
    GYear,
    GYearMonth,
    GMonth,
    GDay,
    GMonthDay,
    Duration,
    HexBinary,
    Base64Binary,
}

/// Value-space families: values of different primitive types are never equal (XSD 1.0 §2.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Primitive {
    AnySimple,
    String,
    AnyUri,
    Boolean,
    Decimal,
    Float,
    Double,
    DateTime,
    Date,
    Time,
    GYear,
    GYearMonth,
    GMonth,
    GDay,
    GMonthDay,
    Duration,
    HexBinary,
    Base64Binary,
}

impl Builtin {
    pub const ALL: &'static [Builtin] = &[
        Builtin::AnySimpleType,
        Builtin::String,
        Builtin::NormalizedString,
        Builtin::Token,
        Builtin::Language,
        Builtin::Name,
        Builtin::NcName,
        Builtin::NmToken,
        Builtin::AnyUri,
        Builtin::Boolean,
        Builtin::Decimal,
        Builtin::Integer,
        Builtin::NonPositiveInteger,
        Builtin::NegativeInteger,
        Builtin::Long,
        Builtin::Int,
        Builtin::Short,
        Builtin::Byte,
        Builtin::NonNegativeInteger,
        Builtin::UnsignedLong,
        Builtin::UnsignedInt,
        Builtin::UnsignedShort,
        Builtin::UnsignedByte,
        Builtin::PositiveInteger,
        Builtin::Float,
        Builtin::Double,
        Builtin::DateTime,
        Builtin::Date,
        Builtin::Time,
        Builtin::GYear,
        Builtin::GYearMonth,
        Builtin::GMonth,
        Builtin::GDay,
        Builtin::GMonthDay,
        Builtin::Duration,
        Builtin::HexBinary,
        Builtin::Base64Binary,
    ];

    /// The built-in named `local` in the XML Schema namespace, if supported.
    pub fn by_name(local: &str) -> Option<Builtin> {
        use Builtin::*;
        Some(match local {
            "anySimpleType" => AnySimpleType,
            "string" => String,
            "normalizedString" => NormalizedString,
            "token" => Token,
            "language" => Language,
            "Name" => Name,
            "NCName" => NcName,
            "NMTOKEN" => NmToken,
            "anyURI" => AnyUri,
            "boolean" => Boolean,
            "decimal" => Decimal,
            "integer" => Integer,
            "nonPositiveInteger" => NonPositiveInteger,
            "negativeInteger" => NegativeInteger,
            "long" => Long,
            "int" => Int,
            "short" => Short,
            "byte" => Byte,
            "nonNegativeInteger" => NonNegativeInteger,
            "unsignedLong" => UnsignedLong,
            "unsignedInt" => UnsignedInt,
            "unsignedShort" => UnsignedShort,
            "unsignedByte" => UnsignedByte,
            "positiveInteger" => PositiveInteger,
            "float" => Float,
            "double" => Double,
            "dateTime" => DateTime,
            "date" => Date,
            "time" => Time,
            "gYear" => GYear,
            "gYearMonth" => GYearMonth,
            "gMonth" => GMonth,
            "gDay" => GDay,
            "gMonthDay" => GMonthDay,
            "duration" => Duration,
            "hexBinary" => HexBinary,
            "base64Binary" => Base64Binary,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        use Builtin::*;
        match self {
            AnySimpleType => "anySimpleType",
            String => "string",
            NormalizedString => "normalizedString",
            Token => "token",
            Language => "language",
            Name => "Name",
            NcName => "NCName",
            NmToken => "NMTOKEN",
            AnyUri => "anyURI",
            Boolean => "boolean",
            Decimal => "decimal",
            Integer => "integer",
            NonPositiveInteger => "nonPositiveInteger",
            NegativeInteger => "negativeInteger",
            Long => "long",
            Int => "int",
            Short => "short",
            Byte => "byte",
            NonNegativeInteger => "nonNegativeInteger",
            UnsignedLong => "unsignedLong",
            UnsignedInt => "unsignedInt",
            UnsignedShort => "unsignedShort",
            UnsignedByte => "unsignedByte",
            PositiveInteger => "positiveInteger",
            Float => "float",
            Double => "double",
            DateTime => "dateTime",
            Date => "date",
            Time => "time",
            GYear => "gYear",
            GYearMonth => "gYearMonth",
            GMonth => "gMonth",
            GDay => "gDay",
            GMonthDay => "gMonthDay",
            Duration => "duration",
            HexBinary => "hexBinary",
            Base64Binary => "base64Binary",
        }
    }

    /// The built-in this one is derived from by restriction (`None` for primitives).
    pub fn base(self) -> Option<Builtin> {
        use Builtin::*;
        Some(match self {
            NormalizedString => String,
            Token => NormalizedString,
            Language | Name | NmToken => Token,
            NcName => Name,
            Integer => Decimal,
            NonPositiveInteger | NonNegativeInteger | Long => Integer,
            NegativeInteger => NonPositiveInteger,
            Int => Long,
            Short => Int,
            Byte => Short,
            UnsignedLong | PositiveInteger => NonNegativeInteger,
            UnsignedInt => UnsignedLong,
            UnsignedShort => UnsignedInt,
            UnsignedByte => UnsignedShort,
            AnySimpleType => return None,
            _ => AnySimpleType,
        })
    }

    pub fn primitive(self) -> Primitive {
        use Builtin::*;
        match self {
            AnySimpleType => Primitive::AnySimple,
            String | NormalizedString | Token | Language | Name | NcName | NmToken => {
                Primitive::String
            }
            AnyUri => Primitive::AnyUri,
            Boolean => Primitive::Boolean,
            Decimal | Integer | NonPositiveInteger | NegativeInteger | Long | Int | Short
            | Byte | NonNegativeInteger | UnsignedLong | UnsignedInt | UnsignedShort
            | UnsignedByte | PositiveInteger => Primitive::Decimal,
            Float => Primitive::Float,
            Double => Primitive::Double,
            DateTime => Primitive::DateTime,
            Date => Primitive::Date,
            Time => Primitive::Time,
            GYear => Primitive::GYear,
            GYearMonth => Primitive::GYearMonth,
            GMonth => Primitive::GMonth,
            GDay => Primitive::GDay,
            GMonthDay => Primitive::GMonthDay,
            Duration => Primitive::Duration,
            HexBinary => Primitive::HexBinary,
            Base64Binary => Primitive::Base64Binary,
        }
    }

    pub fn whitespace(self) -> WhiteSpace {
        match self {
            Builtin::String | Builtin::AnySimpleType => WhiteSpace::Preserve,
            Builtin::NormalizedString => WhiteSpace::Replace,
            _ => WhiteSpace::Collapse,
        }
    }

    /// Inclusive integer bounds of the integer-derived built-ins, as decimal literals.
    fn integer_bounds(self) -> (Option<&'static str>, Option<&'static str>) {
        use Builtin::*;
        match self {
            NonPositiveInteger => (None, Some("0")),
            NegativeInteger => (None, Some("-1")),
            Long => (Some("-9223372036854775808"), Some("9223372036854775807")),
            Int => (Some("-2147483648"), Some("2147483647")),
            Short => (Some("-32768"), Some("32767")),
            Byte => (Some("-128"), Some("127")),
            NonNegativeInteger => (Some("0"), None),
            UnsignedLong => (Some("0"), Some("18446744073709551615")),
            UnsignedInt => (Some("0"), Some("4294967295")),
            UnsignedShort => (Some("0"), Some("65535")),
            UnsignedByte => (Some("0"), Some("255")),
            PositiveInteger => (Some("1"), None),
            _ => (None, None),
        }
    }

    fn is_integer(self) -> bool {
        self.primitive() == Primitive::Decimal && self != Builtin::Decimal
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum WhiteSpace {
    Preserve,
    Replace,
    Collapse,
}

impl WhiteSpace {
    pub fn parse(s: &str) -> Option<WhiteSpace> {
        match s {
            "preserve" => Some(WhiteSpace::Preserve),
            "replace" => Some(WhiteSpace::Replace),
            "collapse" => Some(WhiteSpace::Collapse),
            _ => None,
        }
    }

    pub fn apply(self, s: &str) -> Cow<'_, str> {
        match self {
            WhiteSpace::Preserve => Cow::Borrowed(s),
            WhiteSpace::Replace => {
                if s.contains(['\t', '\n', '\r']) {
                    Cow::Owned(s.replace(['\t', '\n', '\r'], " "))
                } else {
                    Cow::Borrowed(s)
                }
            }
            WhiteSpace::Collapse => {
                let is_ws = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r');
                let trimmed = s.trim_matches(is_ws);
                let needs_work = trimmed.contains(['\t', '\n', '\r']) || trimmed.contains("  ");
                if !needs_work {
                    return Cow::Borrowed(trimmed);
                }
                let mut out = String::with_capacity(trimmed.len());
                let mut in_space = false;
                for c in trimmed.chars() {
                    if is_ws(c) {
                        if !in_space {
                            out.push(' ');
                        }
                        in_space = true;
                    } else {
                        out.push(c);
                        in_space = false;
                    }
                }
                Cow::Owned(out)
            }
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Variety {
    Atomic(Builtin),
    List(SimpleId),
    Union(Vec<SimpleId>),
}

/// One constraining facet. Facets of every derivation step are kept (flattened), which is
/// equivalent to checking the most derived ones, because a restriction can only narrow.
#[derive(Debug, Clone)]
pub(crate) enum Facet {
    Length(usize),
    MinLength(usize),
    MaxLength(usize),
    /// The patterns of one derivation step: the value must match at least one.
    Patterns(Vec<Pattern>),
    Enumeration(Vec<Value>),
    MinInclusive(Value),
    MaxInclusive(Value),
    MinExclusive(Value),
    MaxExclusive(Value),
    TotalDigits(usize),
    FractionDigits(usize),
}

impl Facet {
    pub fn rule(&self) -> &'static str {
        match self {
            Facet::Length(_) => "length",
            Facet::MinLength(_) => "minLength",
            Facet::MaxLength(_) => "maxLength",
            Facet::Patterns(_) => "pattern",
            Facet::Enumeration(_) => "enumeration",
            Facet::MinInclusive(_) => "minInclusive",
            Facet::MaxInclusive(_) => "maxInclusive",
            Facet::MinExclusive(_) => "minExclusive",
            Facet::MaxExclusive(_) => "maxExclusive",
            Facet::TotalDigits(_) => "totalDigits",
            Facet::FractionDigits(_) => "fractionDigits",
        }
    }

    fn needs_value(&self) -> bool {
        matches!(
            self,
            Facet::Enumeration(_)
                | Facet::MinInclusive(_)
                | Facet::MaxInclusive(_)
                | Facet::MinExclusive(_)
                | Facet::MaxExclusive(_)
        )
    }
}

#[derive(Debug, Clone)]
pub(crate) struct SimpleType {
    /// Display name for messages: `dateTime`, `bom:refType`, or `anonymous`.
    pub display: String,
    pub variety: Variety,
    pub whitespace: WhiteSpace,
    pub facets: Vec<Facet>,
    /// The base simple type (`None` for `xs:anySimpleType`).
    pub base: Option<SimpleId>,
}

/// A value in the value space of a simple type, as compared by enumerations, `fixed`, range
/// facets and identity constraints.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Value {
    /// String-like values (also the g* types and duration, compared by their normalised lexical form).
    Text(Primitive, String),
    Boolean(bool),
    Decimal(DecimalValue),
    /// `f32`/`f64` bits with `-0` folded into `0` and one NaN.
    Float(Primitive, u64),
    DateTime(Primitive, DateTimeValue),
    Binary(Primitive, Vec<u8>),
    List(Vec<Value>),
}

impl Value {
    /// Order of two values, `None` when they are incomparable.
    pub fn partial_cmp(&self, other: &Value) -> Option<Ordering> {
        match (self, other) {
            (Value::Decimal(a), Value::Decimal(b)) => Some(a.cmp(b)),
            (Value::Float(p, a), Value::Float(q, b)) if p == q => {
                float_of(*p, *a).partial_cmp(&float_of(*q, *b))
            }
            (Value::DateTime(p, a), Value::DateTime(q, b)) if p == q => a.partial_cmp(b),
            _ => None,
        }
    }

    fn display(&self) -> String {
        match self {
            Value::Text(_, s) => s.clone(),
            Value::Boolean(b) => b.to_string(),
            Value::Decimal(d) => d.to_string(),
            Value::Float(p, bits) => float_of(*p, *bits).to_string(),
            Value::DateTime(_, d) => d.to_string(),
            Value::Binary(_, b) => hex::encode_upper(b),
            Value::List(items) => items
                .iter()
                .map(Value::display)
                .collect::<Vec<_>>()
                .join(" "),
        }
    }
}

fn float_of(p: Primitive, bits: u64) -> f64 {
    if p == Primitive::Float {
        f64::from(f32::from_bits(bits as u32))
    } else {
        f64::from_bits(bits)
    }
}

/// Why a value is not valid for a simple type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SimpleFail {
    /// The rule: `type:<builtin>`, a facet name, `union`.
    pub rule: String,
    pub message: String,
}

impl SimpleFail {
    fn new(rule: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            rule: rule.into(),
            message: message.into(),
        }
    }
}

/// Quote untrusted text for a message, shortened.
pub(crate) fn quote(s: &str) -> String {
    format!("'{}'", crate::code::excerpt(s, 80))
}

/// Validation of values against the simple types of one compiled schema.
pub(crate) struct Simples<'a>(pub &'a [SimpleType]);

impl Simples<'_> {
    fn get(&self, id: SimpleId) -> Result<&SimpleType, SimpleFail> {
        self.0
            .get(id)
            .ok_or_else(|| SimpleFail::new("internal", "dangling simple type"))
    }

    /// Validate `raw` (as it appears in the document) against type `id`; return its value when
    /// `want_value` is set (the value is computed anyway when a facet needs it).
    pub fn validate(
        &self,
        id: SimpleId,
        raw: &str,
        want_value: bool,
    ) -> Result<Option<Value>, SimpleFail> {
        self.validate_depth(id, raw, want_value, 0)
    }

    fn validate_depth(
        &self,
        id: SimpleId,
        raw: &str,
        want_value: bool,
        depth: usize,
    ) -> Result<Option<Value>, SimpleFail> {
        // Unions of unions / lists of unions nest; the compiler refuses cycles, this bounds depth.
        if depth > 32 {
            return Err(SimpleFail::new("internal", "simple types nest too deeply"));
        }
        let st = self.get(id)?;
        let needs_value = want_value || st.facets.iter().any(Facet::needs_value);
        match &st.variety {
            Variety::Atomic(builtin) => {
                let normalized = st.whitespace.apply(raw);
                let value = check_builtin(*builtin, &normalized, needs_value)?;
                self.check_facets(st, &normalized, value.as_ref(), None)?;
                Ok(value)
            }
            Variety::List(item) => {
                let normalized = WhiteSpace::Collapse.apply(raw);
                let mut values = Vec::new();
                let mut count = 0usize;
                for token in normalized.split(' ').filter(|t| !t.is_empty()) {
                    count += 1;
                    let v = self.validate_depth(*item, token, needs_value, depth + 1)?;
                    if let Some(v) = v {
                        values.push(v);
                    }
                }
                let value = needs_value.then_some(Value::List(values));
                self.check_facets(st, &normalized, value.as_ref(), Some(count))?;
                Ok(value)
            }
            Variety::Union(members) => {
                let mut value = None;
                let mut matched = false;
                for m in members {
                    if let Ok(v) = self.validate_depth(*m, raw, needs_value, depth + 1) {
                        value = v;
                        matched = true;
                        break;
                    }
                }
                if !matched {
                    let names: Vec<&str> = members
                        .iter()
                        .filter_map(|m| self.0.get(*m).map(|s| s.display.as_str()))
                        .collect();
                    return Err(SimpleFail::new(
                        "union",
                        format!(
                            "{} is not valid for any member type of {} ({})",
                            quote(raw),
                            st.display,
                            names.join(", ")
                        ),
                    ));
                }
                self.check_facets(st, raw, value.as_ref(), None)?;
                Ok(value)
            }
        }
    }

    fn check_facets(
        &self,
        st: &SimpleType,
        normalized: &str,
        value: Option<&Value>,
        list_len: Option<usize>,
    ) -> Result<(), SimpleFail> {
        for facet in &st.facets {
            let ok = match facet {
                Facet::Length(n) | Facet::MinLength(n) | Facet::MaxLength(n) => {
                    let len = list_len.unwrap_or_else(|| value_length(value, normalized));
                    match facet {
                        Facet::Length(_) => len == *n,
                        Facet::MinLength(_) => len >= *n,
                        _ => len <= *n,
                    }
                }
                Facet::Patterns(patterns) => patterns.iter().any(|p| p.is_match(normalized)),
                Facet::Enumeration(values) => value.is_some_and(|v| values.contains(v)),
                Facet::MinInclusive(b) => cmp_is(value, b, |o| o != Ordering::Less),
                Facet::MaxInclusive(b) => cmp_is(value, b, |o| o != Ordering::Greater),
                Facet::MinExclusive(b) => cmp_is(value, b, |o| o == Ordering::Greater),
                Facet::MaxExclusive(b) => cmp_is(value, b, |o| o == Ordering::Less),
                Facet::TotalDigits(n) => match value {
                    Some(Value::Decimal(d)) => d.total_digits() <= *n,
                    _ => decimal_digits(normalized).is_some_and(|(t, _)| t <= *n),
                },
                Facet::FractionDigits(n) => match value {
                    Some(Value::Decimal(d)) => d.fraction_digits() <= *n,
                    _ => decimal_digits(normalized).is_some_and(|(_, f)| f <= *n),
                },
            };
            if !ok {
                return Err(facet_failure(facet, st, normalized));
            }
        }
        Ok(())
    }
}

fn decimal_digits(s: &str) -> Option<(usize, usize)> {
    let d = lexical::parse_decimal(s)?;
    Some((d.total_digits(), d.fraction_digits()))
}

fn cmp_is(value: Option<&Value>, bound: &Value, ok: impl Fn(Ordering) -> bool) -> bool {
    value.and_then(|v| v.partial_cmp(bound)).is_some_and(ok)
}

/// Length in the sense of the length facets: characters for strings, octets for binary data.
fn value_length(value: Option<&Value>, normalized: &str) -> usize {
    match value {
        Some(Value::Binary(_, bytes)) => bytes.len(),
        _ => normalized.chars().count(),
    }
}

fn facet_failure(facet: &Facet, st: &SimpleType, normalized: &str) -> SimpleFail {
    let v = quote(normalized);
    let message = match facet {
        Facet::Length(n) => format!("{v} must have length {n}"),
        Facet::MinLength(n) => format!("{v} must have length at least {n}"),
        Facet::MaxLength(n) => format!("{v} must have length at most {n}"),
        Facet::Patterns(ps) => {
            let shown: Vec<String> = ps
                .iter()
                .map(|p| crate::code::excerpt(p.source(), 120))
                .collect();
            format!(
                "{v} does not match the pattern of {}: {}",
                st.display,
                shown.join(" | ")
            )
        }
        Facet::Enumeration(values) => {
            let mut shown: Vec<String> = values.iter().take(8).map(Value::display).collect();
            if values.len() > 8 {
                shown.push(format!("… {} more", values.len() - 8));
            }
            format!(
                "{v} is not one of the values of {}: {}",
                st.display,
                shown.join(", ")
            )
        }
        Facet::MinInclusive(b) => format!("{v} must be >= {}", b.display()),
        Facet::MaxInclusive(b) => format!("{v} must be <= {}", b.display()),
        Facet::MinExclusive(b) => format!("{v} must be > {}", b.display()),
        Facet::MaxExclusive(b) => format!("{v} must be < {}", b.display()),
        Facet::TotalDigits(n) => format!("{v} must have at most {n} digits"),
        Facet::FractionDigits(n) => format!("{v} must have at most {n} fraction digits"),
    };
    SimpleFail::new(facet.rule(), message)
}

/// Check the lexical form of a built-in (already whitespace-normalised) and compute its value.
pub(crate) fn check_builtin(
    builtin: Builtin,
    s: &str,
    want_value: bool,
) -> Result<Option<Value>, SimpleFail> {
    let bad = || {
        SimpleFail::new(
            format!("type:{}", builtin.name()),
            format!("{} is not a valid {}", quote(s), builtin.name()),
        )
    };
    let prim = builtin.primitive();
    let text = |s: &str| want_value.then(|| Value::Text(prim, s.to_owned()));
    use Builtin::*;
    let value = match builtin {
        AnySimpleType | String | NormalizedString | Token => text(s),
        AnyUri => {
            if !lexical::is_any_uri(s) {
                return Err(bad());
            }
            text(s)
        }
        Language => {
            if !lexical::is_language(s) {
                return Err(bad());
            }
            text(s)
        }
        Name => {
            if !lexical::is_name(s, false) {
                return Err(bad());
            }
            text(s)
        }
        NcName => {
            if !lexical::is_name(s, true) {
                return Err(bad());
            }
            text(s)
        }
        NmToken => {
            if !lexical::is_nmtoken(s) {
                return Err(bad());
            }
            text(s)
        }
        Boolean => match s {
            "true" | "1" => Some(Value::Boolean(true)),
            "false" | "0" => Some(Value::Boolean(false)),
            _ => return Err(bad()),
        },
        Decimal | Integer | NonPositiveInteger | NegativeInteger | Long | Int | Short | Byte
        | NonNegativeInteger | UnsignedLong | UnsignedInt | UnsignedShort | UnsignedByte
        | PositiveInteger => {
            let d = if builtin.is_integer() {
                lexical::parse_integer(s)
            } else {
                lexical::parse_decimal(s)
            }
            .ok_or_else(bad)?;
            let (min, max) = builtin.integer_bounds();
            let below = min.and_then(lexical::parse_integer).is_some_and(|m| d < m);
            let above = max.and_then(lexical::parse_integer).is_some_and(|m| d > m);
            if below || above {
                return Err(bad());
            }
            Some(Value::Decimal(d))
        }
        Float | Double => {
            let f = lexical::parse_float(s).ok_or_else(bad)?;
            let bits = if builtin == Float {
                let f = f as f32;
                let f = if f == 0.0 {
                    0.0f32
                } else if f.is_nan() {
                    f32::NAN
                } else {
                    f
                };
                u64::from(f.to_bits())
            } else {
                let f = if f == 0.0 {
                    0.0f64
                } else if f.is_nan() {
                    f64::NAN
                } else {
                    f
                };
                f.to_bits()
            };
            Some(Value::Float(prim, bits))
        }
        DateTime | Date | Time => {
            let v = match builtin {
                DateTime => lexical::parse_date_time(s),
                Date => lexical::parse_date(s),
                _ => lexical::parse_time(s),
            }
            .ok_or_else(bad)?;
            Some(Value::DateTime(prim, v))
        }
        GYear | GYearMonth | GMonth | GDay | GMonthDay | Duration => {
            let ok = match builtin {
                GYear => lexical::is_g_year(s),
                GYearMonth => lexical::is_g_year_month(s),
                GMonth => lexical::is_g_month(s),
                GDay => lexical::is_g_day(s),
                GMonthDay => lexical::is_g_month_day(s),
                _ => lexical::is_duration(s),
            };
            if !ok {
                return Err(bad());
            }
            text(s)
        }
        HexBinary => {
            let bytes = hex::decode(s).map_err(|_| bad())?;
            Some(Value::Binary(prim, bytes))
        }
        Base64Binary => {
            // Collapsed text may keep single spaces between base64 characters (XSD 1.0 §3.2.16).
            let compact: std::string::String = s.chars().filter(|c| *c != ' ').collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(compact.as_bytes())
                .map_err(|_| bad())?;
            Some(Value::Binary(prim, bytes))
        }
    };
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(b: Builtin, s: &str) -> bool {
        check_builtin(b, &b.whitespace().apply(s), true).is_ok()
    }

    #[test]
    fn whitespace_collapse_and_replace() {
        assert_eq!(WhiteSpace::Collapse.apply("  a \t\n b  "), "a b");
        assert_eq!(WhiteSpace::Collapse.apply("a b"), "a b");
        assert_eq!(WhiteSpace::Replace.apply("a\tb\n"), "a b ");
        assert_eq!(WhiteSpace::Preserve.apply(" a\n"), " a\n");
    }

    #[test]
    fn booleans() {
        for s in ["true", "false", "1", "0", " true "] {
            assert!(ok(Builtin::Boolean, s), "{s}");
        }
        for s in ["TRUE", "yes", "", "2"] {
            assert!(!ok(Builtin::Boolean, s), "{s}");
        }
    }

    #[test]
    fn integers_and_their_ranges() {
        assert!(ok(Builtin::Integer, "-0042"));
        assert!(!ok(Builtin::Integer, "1.0"));
        assert!(ok(Builtin::NonNegativeInteger, "0"));
        assert!(ok(Builtin::NonNegativeInteger, "-0"));
        assert!(!ok(Builtin::NonNegativeInteger, "-1"));
        assert!(ok(Builtin::PositiveInteger, "+1"));
        assert!(!ok(Builtin::PositiveInteger, "0"));
        assert!(ok(Builtin::Byte, "-128"));
        assert!(!ok(Builtin::Byte, "128"));
        assert!(ok(Builtin::UnsignedLong, "18446744073709551615"));
        assert!(!ok(Builtin::UnsignedLong, "18446744073709551616"));
        assert!(ok(Builtin::Decimal, "1."));
        assert!(ok(Builtin::Decimal, ".5"));
        assert!(!ok(Builtin::Decimal, "."));
        assert!(!ok(Builtin::Decimal, "1e5"));
    }

    #[test]
    fn floats() {
        for s in ["1e5", "-1.5E-3", "INF", "-INF", "NaN", ".5", "5."] {
            assert!(ok(Builtin::Double, s), "{s}");
        }
        for s in ["inf", "+INF", "1e", "e5", "nan", "1.5f"] {
            assert!(!ok(Builtin::Double, s), "{s}");
        }
    }

    #[test]
    fn binary_types() {
        assert!(ok(Builtin::HexBinary, "0aFF"));
        assert!(!ok(Builtin::HexBinary, "0aF"));
        assert!(ok(Builtin::Base64Binary, "aGVsbG8="));
        assert!(ok(Builtin::Base64Binary, "aGVs bG8="));
        assert!(!ok(Builtin::Base64Binary, "aGVsbG8"));
        assert!(!ok(Builtin::Base64Binary, "aGVsbG9="));
    }

    #[test]
    fn names_and_languages() {
        assert!(ok(Builtin::Language, "en-US"));
        assert!(!ok(Builtin::Language, "en_US"));
        assert!(ok(Builtin::NcName, "a-b.c"));
        assert!(!ok(Builtin::NcName, "a:b"));
        assert!(ok(Builtin::Name, "a:b"));
        assert!(!ok(Builtin::Name, "1a"));
        assert!(ok(Builtin::NmToken, "1a"));
    }

    #[test]
    fn values_of_different_primitives_differ() {
        let a = check_builtin(Builtin::String, "1", true).unwrap();
        let b = check_builtin(Builtin::AnyUri, "1", true).unwrap();
        let c = check_builtin(Builtin::Integer, "1", true).unwrap();
        let d = check_builtin(Builtin::Decimal, "1.000", true).unwrap();
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_eq!(c, d);
    }
}
