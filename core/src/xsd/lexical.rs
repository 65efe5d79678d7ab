//! Lexical rules of the XSD 1.0 built-in datatypes (Part 2 §3), hand-written so every rule is
//! visible: decimals and integers (arbitrary size), floats, date/time types, durations, XML names
//! and language tags. Inputs are already whitespace-normalised.

use std::cmp::Ordering;
use std::fmt;

/// An arbitrary-precision decimal in canonical form: no leading zeros in `int`, no trailing
/// zeros in `frac`, zero is never negative. Equal values have equal representations.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct DecimalValue {
    neg: bool,
    int: String,
    frac: String,
}

impl DecimalValue {
    pub fn total_digits(&self) -> usize {
        (self.int.len() + self.frac.len()).max(1)
    }

    pub fn fraction_digits(&self) -> usize {
        self.frac.len()
    }

    fn cmp_magnitude(&self, other: &Self) -> Ordering {
        self.int
            .len()
            .cmp(&other.int.len())
            .then_with(|| self.int.cmp(&other.int))
            .then_with(|| self.frac.cmp(&other.frac))
    }
}

impl Ord for DecimalValue {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.neg, other.neg) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.cmp_magnitude(other),
            (true, true) => other.cmp_magnitude(self),
        }
    }
}

impl PartialOrd for DecimalValue {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for DecimalValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.neg {
            f.write_str("-")?;
        }
        f.write_str(if self.int.is_empty() { "0" } else { &self.int })?;
        if !self.frac.is_empty() {
            write!(f, ".{}", self.frac)?;
        }
        Ok(())
    }
}

fn all_digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

fn split_sign(s: &str) -> (bool, &str) {
    if let Some(rest) = s.strip_prefix('-') {
        (true, rest)
    } else if let Some(rest) = s.strip_prefix('+') {
        (false, rest)
    } else {
        (false, s)
    }
}

fn canonical(neg: bool, int: &str, frac: &str) -> DecimalValue {
    let int = int.trim_start_matches('0').to_owned();
    let frac = frac.trim_end_matches('0').to_owned();
    let neg = neg && !(int.is_empty() && frac.is_empty());
    DecimalValue { neg, int, frac }
}

/// `decimal`: `(\+|-)?([0-9]+(\.[0-9]*)?|\.[0-9]+)`.
pub(crate) fn parse_decimal(s: &str) -> Option<DecimalValue> {
    let (neg, body) = split_sign(s);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, f),
        None => (body, ""),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !all_digits(int) || !all_digits(frac) {
        return None;
    }
    Some(canonical(neg, int, frac))
}

/// `integer`: `(\+|-)?[0-9]+`.
pub(crate) fn parse_integer(s: &str) -> Option<DecimalValue> {
    let (neg, body) = split_sign(s);
    if body.is_empty() || !all_digits(body) {
        return None;
    }
    Some(canonical(neg, body, ""))
}

/// `float`/`double` (XSD 1.0): a decimal mantissa with optional exponent, or `INF`, `-INF`, `NaN`.
pub(crate) fn parse_float(s: &str) -> Option<f64> {
    match s {
        "INF" => return Some(f64::INFINITY),
        "-INF" => return Some(f64::NEG_INFINITY),
        "NaN" => return Some(f64::NAN),
        _ => {}
    }
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    parse_decimal(mantissa)?;
    if let Some(e) = exponent {
        parse_integer(e)?;
    }
    // The grammar is checked above; Rust's parser accepts a superset and gives the value.
    s.parse::<f64>().ok()
}

/// A date/time value: seconds on a proleptic Gregorian time line (normalised to UTC when a
/// timezone is given) plus the fraction digits, and whether it had a timezone.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct DateTimeValue {
    seconds: i128,
    frac: String,
    timezoned: bool,
    lexical: String,
}

impl PartialOrd for DateTimeValue {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        // Comparing a timezoned value with a local one is indeterminate in general (XSD 1.0
        // §3.2.7.4); Cairn treats it as incomparable, so range facets fail closed.
        if self.timezoned != other.timezoned {
            return None;
        }
        Some(
            self.seconds
                .cmp(&other.seconds)
                .then_with(|| self.frac.cmp(&other.frac)),
        )
    }
}

impl fmt::Display for DateTimeValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.lexical)
    }
}

/// Digits at the start of `s`: (value, rest). At most `max` digits are accepted.
fn take_digits(s: &str, exact: Option<usize>, max: usize) -> Option<(i64, &str)> {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 || n > max || exact.is_some_and(|e| e != n) {
        return None;
    }
    let v = s[..n].parse::<i64>().ok()?;
    Some((v, &s[n..]))
}

/// `-?YYYY` with at least 4 digits, no leading zero beyond 4 digits, never `0000` (XSD 1.0).
/// Years are limited to 12 digits.
fn take_year(s: &str) -> Option<(i64, &str)> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let n = body.bytes().take_while(u8::is_ascii_digit).count();
    if !(4..=12).contains(&n) || (n > 4 && body.starts_with('0')) {
        return None;
    }
    let (y, rest) = take_digits(body, None, 12)?;
    if y == 0 {
        return None;
    }
    Some((if neg { -y } else { y }, rest))
}

fn take_two(s: &str) -> Option<(i64, &str)> {
    take_digits(s, Some(2), 2)
}

fn is_leap(year: i64) -> bool {
    // XSD 1.0 has no year 0: year -1 is 1 BCE, which the proleptic calendar counts as leap.
    let y = if year < 0 { year + 1 } else { year };
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(year: Option<i64>, month: i64) -> i64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        // Without a year (gMonthDay) February 29 is allowed.
        _ => match year {
            Some(y) if !is_leap(y) => 28,
            _ => 29,
        },
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (astronomical year numbering).
fn days_from_civil(year: i64, month: i64, day: i64) -> i128 {
    let y = i128::from(if year < 0 { year + 1 } else { year }) - i128::from(month <= 2);
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i128::from(month);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i128::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `-?YYYY-MM-DD` → (year, month, day, rest).
fn take_date(s: &str) -> Option<(i64, i64, i64, &str)> {
    let (year, rest) = take_year(s)?;
    let rest = rest.strip_prefix('-')?;
    let (month, rest) = take_two(rest)?;
    let rest = rest.strip_prefix('-')?;
    let (day, rest) = take_two(rest)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(Some(year), month) {
        return None;
    }
    Some((year, month, day, rest))
}

/// `hh:mm:ss(.s+)?` → (seconds of day, fraction digits, rest); `24:00:00` is the next midnight.
fn take_time(s: &str) -> Option<(i64, String, &str)> {
    let (h, rest) = take_two(s)?;
    let rest = rest.strip_prefix(':')?;
    let (m, rest) = take_two(rest)?;
    let rest = rest.strip_prefix(':')?;
    let (sec, rest) = take_two(rest)?;
    let (frac, rest) = match rest.strip_prefix('.') {
        Some(r) => {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            if n == 0 {
                return None;
            }
            (r[..n].trim_end_matches('0').to_owned(), &r[n..])
        }
        None => (String::new(), rest),
    };
    if m > 59 || sec > 59 {
        return None;
    }
    if h == 24 {
        if m != 0 || sec != 0 || !frac.is_empty() {
            return None;
        }
    } else if h > 23 {
        return None;
    }
    Some((h * 3600 + m * 60 + sec, frac, rest))
}

/// `(Z|(+|-)hh:mm)?` with offsets up to ±14:00 → offset in minutes; the whole rest must match.
fn parse_timezone(s: &str) -> Option<Option<i64>> {
    if s.is_empty() {
        return Some(None);
    }
    if s == "Z" {
        return Some(Some(0));
    }
    let (sign, rest) = match s.as_bytes().first() {
        Some(b'+') => (1, &s[1..]),
        Some(b'-') => (-1, &s[1..]),
        _ => return None,
    };
    let (h, rest) = take_two(rest)?;
    let rest = rest.strip_prefix(':')?;
    let (m, rest) = take_two(rest)?;
    if !rest.is_empty() || m > 59 || h > 14 || (h == 14 && m != 0) {
        return None;
    }
    Some(Some(sign * (h * 60 + m)))
}

fn date_time_value(seconds: i128, frac: String, tz: Option<i64>, lexical: &str) -> DateTimeValue {
    let offset = tz.map_or(0, |m| i128::from(m) * 60);
    DateTimeValue {
        seconds: seconds - offset,
        frac,
        timezoned: tz.is_some(),
        lexical: lexical.to_owned(),
    }
}

/// `dateTime`: `-?YYYY-MM-DDThh:mm:ss(.s+)?(Z|(+|-)hh:mm)?`.
pub(crate) fn parse_date_time(s: &str) -> Option<DateTimeValue> {
    let (y, mo, d, rest) = take_date(s)?;
    let rest = rest.strip_prefix('T')?;
    let (secs, frac, rest) = take_time(rest)?;
    let tz = parse_timezone(rest)?;
    let seconds = days_from_civil(y, mo, d) * 86_400 + i128::from(secs);
    Some(date_time_value(seconds, frac, tz, s))
}

/// `date`: `-?YYYY-MM-DD(Z|(+|-)hh:mm)?`.
pub(crate) fn parse_date(s: &str) -> Option<DateTimeValue> {
    let (y, mo, d, rest) = take_date(s)?;
    let tz = parse_timezone(rest)?;
    Some(date_time_value(
        days_from_civil(y, mo, d) * 86_400,
        String::new(),
        tz,
        s,
    ))
}

/// `time`: `hh:mm:ss(.s+)?(Z|(+|-)hh:mm)?`.
pub(crate) fn parse_time(s: &str) -> Option<DateTimeValue> {
    let (secs, frac, rest) = take_time(s)?;
    let tz = parse_timezone(rest)?;
    Some(date_time_value(i128::from(secs % 86_400), frac, tz, s))
}

pub(crate) fn is_g_year(s: &str) -> bool {
    take_year(s).is_some_and(|(_, rest)| parse_timezone(rest).is_some())
}

pub(crate) fn is_g_year_month(s: &str) -> bool {
    let Some((_, rest)) = take_year(s) else {
        return false;
    };
    let Some(rest) = rest.strip_prefix('-') else {
        return false;
    };
    take_two(rest).is_some_and(|(m, rest)| (1..=12).contains(&m) && parse_timezone(rest).is_some())
}

pub(crate) fn is_g_month(s: &str) -> bool {
    s.strip_prefix("--")
        .and_then(take_two)
        .is_some_and(|(m, rest)| (1..=12).contains(&m) && parse_timezone(rest).is_some())
}

pub(crate) fn is_g_day(s: &str) -> bool {
    s.strip_prefix("---")
        .and_then(take_two)
        .is_some_and(|(d, rest)| (1..=31).contains(&d) && parse_timezone(rest).is_some())
}

pub(crate) fn is_g_month_day(s: &str) -> bool {
    let Some((m, rest)) = s.strip_prefix("--").and_then(take_two) else {
        return false;
    };
    let Some((d, rest)) = rest.strip_prefix('-').and_then(take_two) else {
        return false;
    };
    (1..=12).contains(&m) && d >= 1 && d <= days_in_month(None, m) && parse_timezone(rest).is_some()
}

/// `duration`: `-?P(nY)?(nM)?(nD)?(T(nH)?(nM)?(n(.n)?S)?)?`, at least one component, and a `T`
/// only when a time component follows.
pub(crate) fn is_duration(s: &str) -> bool {
    let body = s.strip_prefix('-').unwrap_or(s);
    let Some(body) = body.strip_prefix('P') else {
        return false;
    };
    let (date, time) = match body.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (body, None),
    };
    let mut any = false;
    let Some(()) = components(date, &['Y', 'M', 'D'], false, &mut any) else {
        return false;
    };
    if let Some(t) = time {
        let mut any_time = false;
        if components(t, &['H', 'M', 'S'], true, &mut any_time).is_none() || !any_time {
            return false;
        }
        any = true;
    }
    any
}

/// Parse `nX nY …` designators in order; the seconds designator may carry a fraction.
fn components(mut s: &str, designators: &[char], seconds: bool, any: &mut bool) -> Option<()> {
    let mut allowed = designators;
    while !s.is_empty() {
        let n = s.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        let mut rest = &s[n..];
        let mut fraction = false;
        if let Some(r) = rest.strip_prefix('.') {
            let f = r.bytes().take_while(u8::is_ascii_digit).count();
            if f == 0 {
                return None;
            }
            rest = &r[f..];
            fraction = true;
        }
        let d = rest.chars().next()?;
        let pos = allowed.iter().position(|c| *c == d)?;
        if fraction && !(seconds && d == 'S') {
            return None;
        }
        allowed = &allowed[pos + 1..];
        rest = &rest[d.len_utf8()..];
        s = rest;
        *any = true;
    }
    Some(())
}

/// `anyURI`: the value, with characters URIs cannot carry (controls, non-ASCII, space,
/// `<>"{}|\^`'`) replaced by `_` as an escaping step would, must be an RFC 3986 URI reference.
/// This is what libxml2 (xmllint) checks, and Xerces rejects the same inputs (e.g. `24:00`,
/// `git@host:repo`, `%zz`): a scheme starts with a letter, a relative reference's first segment
/// has no `:`, percent signs start an escape.
pub(crate) fn is_any_uri(s: &str) -> bool {
    let escaped: Vec<u8> = s
        .bytes()
        .map(|b| match b {
            0..=32
            | 127..
            | b'<'
            | b'>'
            | b'"'
            | b'{'
            | b'}'
            | b'|'
            | b'\\'
            | b'^'
            | b'`'
            | b'\'' => b'_',
            b => b,
        })
        .collect();
    let u = Uri(&escaped);
    u.absolute().is_some_and(|end| end == escaped.len())
        || u.relative().is_some_and(|end| end == escaped.len())
}

/// An RFC 3986 parser over bytes: each rule returns the position after what it matched.
struct Uri<'a>(&'a [u8]);

impl Uri<'_> {
    fn at(&self, i: usize) -> u8 {
        self.0.get(i).copied().unwrap_or(0)
    }

    fn unreserved(c: u8) -> bool {
        c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~')
    }

    fn sub_delim(c: u8) -> bool {
        matches!(
            c,
            b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
        )
    }

    /// Length of a percent escape at `i` (3), or 0.
    fn pct(&self, i: usize) -> usize {
        if self.at(i) == b'%'
            && self.at(i + 1).is_ascii_hexdigit()
            && self.at(i + 2).is_ascii_hexdigit()
        {
            3
        } else {
            0
        }
    }

    /// Length of one `pchar` at `i` (without `:` when `no_colon`), or 0.
    fn pchar(&self, i: usize, no_colon: bool) -> usize {
        let c = self.at(i);
        if Self::unreserved(c) || Self::sub_delim(c) || c == b'@' || (c == b':' && !no_colon) {
            1
        } else {
            self.pct(i)
        }
    }

    fn segment(&self, mut i: usize, no_colon: bool) -> usize {
        loop {
            let n = self.pchar(i, no_colon);
            if n == 0 {
                return i;
            }
            i += n;
        }
    }

    fn slash_segments(&self, mut i: usize) -> usize {
        while self.at(i) == b'/' {
            i = self.segment(i + 1, false);
        }
        i
    }

    fn authority(&self, start: usize) -> Option<usize> {
        let mut i = start;
        // userinfo "@" (tried, then undone when no '@' follows)
        let mut j = i;
        loop {
            let c = self.at(j);
            if Self::unreserved(c) || Self::sub_delim(c) || c == b':' {
                j += 1;
            } else if self.pct(j) > 0 {
                j += 3;
            } else {
                break;
            }
        }
        if self.at(j) == b'@' {
            i = j + 1;
        }
        // host: "[" … "]", or a registered name (which covers IPv4 addresses)
        if self.at(i) == b'[' {
            let close = self.0.get(i..)?.iter().position(|c| *c == b']')?;
            i += close + 1;
        } else {
            loop {
                let c = self.at(i);
                if Self::unreserved(c) || Self::sub_delim(c) {
                    i += 1;
                } else if self.pct(i) > 0 {
                    i += 3;
                } else {
                    break;
                }
            }
        }
        if self.at(i) == b':' {
            i += 1;
            let digits = self
                .0
                .get(i..)?
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count();
            if digits == 0 {
                return None;
            }
            i += digits;
        }
        Some(i)
    }

    fn query_fragment(&self, mut i: usize) -> usize {
        if self.at(i) == b'?' {
            i += 1;
            loop {
                let n = self.pchar(i, false);
                if n > 0 {
                    i += n;
                } else if matches!(self.at(i), b'/' | b'?') {
                    i += 1;
                } else {
                    break;
                }
            }
        }
        if self.at(i) == b'#' {
            i += 1;
            loop {
                let n = self.pchar(i, false);
                if n > 0 {
                    i += n;
                } else if matches!(self.at(i), b'/' | b'?' | b'[' | b']') {
                    i += 1;
                } else {
                    break;
                }
            }
        }
        i
    }

    /// `scheme ":" hier-part [ "?" query ] [ "#" fragment ]`
    fn absolute(&self) -> Option<usize> {
        if !self.at(0).is_ascii_alphabetic() {
            return None;
        }
        let mut i = 1;
        while self.at(i).is_ascii_alphanumeric() || matches!(self.at(i), b'+' | b'-' | b'.') {
            i += 1;
        }
        if self.at(i) != b':' {
            return None;
        }
        i += 1;
        i = if self.at(i) == b'/' && self.at(i + 1) == b'/' {
            self.slash_segments(self.authority(i + 2)?)
        } else if self.at(i) == b'/' {
            self.slash_segments(i)
        } else if self.pchar(i, false) > 0 {
            self.slash_segments(self.segment(i, false))
        } else {
            i
        };
        Some(self.query_fragment(i))
    }

    /// `relative-part [ "?" query ] [ "#" fragment ]`
    fn relative(&self) -> Option<usize> {
        let i = if self.at(0) == b'/' && self.at(1) == b'/' {
            self.slash_segments(self.authority(2)?)
        } else if self.at(0) == b'/' {
            self.slash_segments(0)
        } else if self.pchar(0, true) > 0 {
            self.slash_segments(self.segment(0, true))
        } else {
            0
        };
        Some(self.query_fragment(i))
    }
}

/// `language`: `[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*`.
pub(crate) fn is_language(s: &str) -> bool {
    let mut parts = s.split('-');
    let first_ok = parts
        .next()
        .is_some_and(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    first_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// XML 1.0 (fifth edition) `NameStartChar`, without `:` when `nc` is set.
pub(crate) fn is_name_start(c: char, nc: bool) -> bool {
    matches!(c,
        'A'..='Z' | '_' | 'a'..='z'
        | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}'
        | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}'
        | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
        || (c == ':' && !nc)
}

/// XML 1.0 (fifth edition) `NameChar`, without `:` when `nc` is set.
pub(crate) fn is_name_char(c: char, nc: bool) -> bool {
    is_name_start(c, nc)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

/// `Name` (or `NCName` when `nc`).
pub(crate) fn is_name(s: &str, nc: bool) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| is_name_start(c, nc)) && chars.all(|c| is_name_char(c, nc))
}

/// `NMTOKEN`: one or more name characters.
pub(crate) fn is_nmtoken(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| is_name_char(c, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_canonical() {
        assert_eq!(parse_decimal("007.500"), parse_decimal("7.5"));
        assert_eq!(parse_decimal("-0.0"), parse_decimal("0"));
        assert_eq!(parse_decimal("+1").map(|d| d.to_string()), Some("1".into()));
        assert!(parse_decimal("-").is_none());
        assert!(parse_decimal("1.2.3").is_none());
        assert!(parse_decimal("١").is_none(), "non-ASCII digits");
        let a = parse_decimal("-2.5").unwrap();
        let b = parse_decimal("-2.45").unwrap();
        let c = parse_decimal("10").unwrap();
        let d = parse_decimal("9.99").unwrap();
        assert!(a < b && b < d && d < c);
        assert_eq!(parse_decimal("0.0100").unwrap().total_digits(), 2);
    }

    #[test]
    fn date_times() {
        for s in [
            "2020-01-01T00:00:00",
            "2020-01-01T00:00:00Z",
            "2020-02-29T23:59:59.123+14:00",
            "2019-12-31T24:00:00-05:30",
            "-0001-01-01T00:00:00",
            "12020-01-01T00:00:00Z",
        ] {
            assert!(parse_date_time(s).is_some(), "{s}");
        }
        for s in [
            "2020-01-01",
            "2020-01-01T00:00",
            "2019-02-29T00:00:00",
            "0000-01-01T00:00:00",
            "2020-13-01T00:00:00",
            "2020-01-01T24:00:01",
            "2020-01-01T00:00:00+15:00",
            "2020-01-01T00:00:00.",
            "02020-01-01T00:00:00",
            "2020-01-01 00:00:00",
            "2020-1-01T00:00:00",
        ] {
            assert!(parse_date_time(s).is_none(), "{s}");
        }
        assert_eq!(
            parse_date_time("2020-01-01T01:00:00+01:00"),
            parse_date_time("2020-01-01T00:00:00Z").map(|mut v| {
                v.lexical = "2020-01-01T01:00:00+01:00".into();
                v
            })
        );
        assert_eq!(
            parse_date_time("2019-12-31T24:00:00Z").unwrap().seconds,
            parse_date_time("2020-01-01T00:00:00Z").unwrap().seconds
        );
        assert_eq!(parse_date_time("1970-01-01T00:00:00Z").unwrap().seconds, 0);
        assert_eq!(parse_date("2000-03-01").unwrap().seconds, 951_868_800);
    }

    #[test]
    fn dates_times_and_gregorian_parts() {
        assert!(parse_date("2024-02-29Z").is_some());
        assert!(parse_date("2023-02-29").is_none());
        assert!(parse_date("2023-02-28T00:00:00").is_none());
        assert!(parse_time("13:20:00.5-05:00").is_some());
        assert!(parse_time("13:20").is_none());
        assert!(is_g_year("2024") && is_g_year("-0044Z") && !is_g_year("24"));
        assert!(is_g_year_month("2024-02") && !is_g_year_month("2024-13"));
        assert!(is_g_month("--02") && !is_g_month("--13"));
        assert!(is_g_day("---31") && !is_g_day("---32"));
        assert!(is_g_month_day("--02-29") && !is_g_month_day("--04-31"));
    }

    #[test]
    fn any_uris() {
        for s in [
            "https://example.com/a/b?c=d#e",
            "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
            "mailto:a@b.c",
            "relative/path",
            "../x",
            "#frag",
            "http://[::1]:8080/",
            "http://x y/ä",
            "file:///etc",
            "http://u:p@h:1/",
            "a#[x]",
            "",
        ] {
            assert!(is_any_uri(s), "{s}");
        }
        for s in [
            "24:00",
            "git@github.com:org/repo.git",
            "%zz",
            "http://h:/",
            "a#b#c",
            "http://[::1/",
            "1a:b",
            "?a[0]=1",
        ] {
            assert!(!is_any_uri(s), "{s}");
        }
    }

    #[test]
    fn durations() {
        for s in ["P1Y", "-P1Y2M3DT4H5M6.7S", "PT1H", "P0D", "PT0.5S"] {
            assert!(is_duration(s), "{s}");
        }
        for s in ["P", "PT", "P1H", "P1Y1Y", "PT1.5H", "1Y", "P1M1Y"] {
            assert!(!is_duration(s), "{s}");
        }
    }
}
