//! XSD 1.0 regular expressions (Part 2, Appendix F) translated to the `regex` crate.
//!
//! An XSD pattern matches the whole value (implicitly anchored); `^` and `$` are ordinary
//! characters; `.` is any character but `\n` and `\r`; `\d` is `\p{Nd}`; `\w` is everything but
//! punctuation, separators and "other" characters; `\i`/`\c` are XML name characters; classes can
//! be subtracted (`[a-z-[aeiou]]`). The translation parses the XSD grammar strictly (an invalid
//! pattern is a schema error) and emits every literal as a `\x{…}` escape, so no character means
//! something else to the target engine. Unicode block escapes (`\p{IsBasicLatin}`) are refused.
//! The `regex` crate matches in linear time, so untrusted values cannot cause backtracking blow-ups.

use std::fmt::Write as _;

use regex::Regex;

use super::lexical;

/// A compiled XSD pattern facet.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    source: String,
    regex: Regex,
}

impl Pattern {
    pub fn new(source: &str) -> Result<Pattern, String> {
        let translated = translate(source)?;
        let regex = regex::RegexBuilder::new(&format!("^(?:{translated})$"))
            .size_limit(8 * 1024 * 1024)
            .build()
            .map_err(|e| format!("pattern {source:?} does not compile: {e}"))?;
        Ok(Pattern {
            source: source.to_owned(),
            regex,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn is_match(&self, s: &str) -> bool {
        self.regex.is_match(s)
    }
}

/// Translate an XSD regular expression into `regex` syntax (without the anchors).
pub(crate) fn translate(source: &str) -> Result<String, String> {
    let chars: Vec<char> = source.chars().collect();
    let mut p = Parser {
        chars: &chars,
        pos: 0,
        depth: 0,
        out: String::with_capacity(source.len() * 4),
    };
    p.reg_exp()?;
    if p.pos != chars.len() {
        return Err(p.error("unbalanced ')'"));
    }
    Ok(p.out)
}

struct Parser<'a> {
    chars: &'a [char],
    pos: usize,
    depth: usize,
    out: String,
}

const MAX_GROUP_DEPTH: usize = 64;
const MAX_REPEAT: u32 = 1000;

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn error(&self, what: &str) -> String {
        let source: String = self.chars.iter().collect();
        format!(
            "invalid XSD pattern {:?} at character {}: {what}",
            crate::code::excerpt(&source, 120),
            self.pos
        )
    }

    /// regExp ::= branch ( '|' branch )*
    fn reg_exp(&mut self) -> Result<(), String> {
        self.branch()?;
        while self.peek() == Some('|') {
            self.pos += 1;
            self.out.push('|');
            self.branch()?;
        }
        Ok(())
    }

    /// branch ::= piece*
    fn branch(&mut self) -> Result<(), String> {
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            self.piece()?;
        }
        Ok(())
    }

    /// piece ::= atom quantifier?
    fn piece(&mut self) -> Result<(), String> {
        self.atom()?;
        match self.peek() {
            Some(q @ ('?' | '*' | '+')) => {
                self.pos += 1;
                self.out.push(q);
            }
            Some('{') => {
                self.pos += 1;
                let min = self.number()?;
                let max = if self.peek() == Some(',') {
                    self.pos += 1;
                    if self.peek() == Some('}') {
                        None
                    } else {
                        Some(self.number()?)
                    }
                } else {
                    Some(min)
                };
                if self.next() != Some('}') {
                    return Err(self.error("expected '}' after quantity"));
                }
                if let Some(max) = max
                    && max < min
                {
                    return Err(self.error("quantity {n,m} with m < n"));
                }
                match max {
                    Some(max) if max == min => write!(self.out, "{{{min}}}"),
                    Some(max) => write!(self.out, "{{{min},{max}}}"),
                    None => write!(self.out, "{{{min},}}"),
                }
                .map_err(|e| e.to_string())?;
            }
            _ => {}
        }
        Ok(())
    }

    fn number(&mut self) -> Result<u32, String> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        let digits: String = self.chars[start..self.pos].iter().collect();
        let n: u32 = digits
            .parse()
            .map_err(|_| self.error("expected a number in a quantifier"))?;
        if n > MAX_REPEAT {
            return Err(self.error("quantifier bound too large"));
        }
        Ok(n)
    }

    /// atom ::= Char | charClass | '(' regExp ')'
    fn atom(&mut self) -> Result<(), String> {
        let Some(c) = self.next() else {
            return Err(self.error("unexpected end"));
        };
        match c {
            '(' => {
                self.depth += 1;
                if self.depth > MAX_GROUP_DEPTH {
                    return Err(self.error("groups nest too deeply"));
                }
                self.out.push_str("(?:");
                self.reg_exp()?;
                if self.next() != Some(')') {
                    return Err(self.error("missing ')'"));
                }
                self.out.push(')');
                self.depth -= 1;
            }
            '[' => {
                let class = self.char_class_expr()?;
                self.out.push_str(&class);
            }
            '.' => self.out.push_str(r"[^\n\r]"),
            '\\' => {
                let esc = self.escape()?;
                self.out.push_str(&esc.regex());
            }
            '?' | '*' | '+' | '{' | '}' | ')' | ']' => {
                self.pos -= 1;
                return Err(self.error("metacharacter where an atom is expected"));
            }
            c => push_literal(&mut self.out, c),
        }
        Ok(())
    }

    /// After a backslash: a single-character escape, a multi-character escape or a category.
    fn escape(&mut self) -> Result<Escape, String> {
        let Some(c) = self.next() else {
            return Err(self.error("dangling '\\'"));
        };
        Ok(match c {
            'n' => Escape::Char('\n'),
            'r' => Escape::Char('\r'),
            't' => Escape::Char('\t'),
            '\\' | '|' | '.' | '?' | '*' | '+' | '(' | ')' | '{' | '}' | '-' | '[' | ']' | '^' => {
                Escape::Char(c)
            }
            's' => Escape::Class(r"[\x{20}\t\n\r]".into(), false),
            'S' => Escape::Class(r"[\x{20}\t\n\r]".into(), true),
            'd' => Escape::Class(r"\p{Nd}".into(), false),
            'D' => Escape::Class(r"\p{Nd}".into(), true),
            'w' => Escape::Class(r"[\p{P}\p{Z}\p{C}]".into(), true),
            'W' => Escape::Class(r"[\p{P}\p{Z}\p{C}]".into(), false),
            'i' => Escape::Class(name_class(true), false),
            'I' => Escape::Class(name_class(true), true),
            'c' => Escape::Class(name_class(false), false),
            'C' => Escape::Class(name_class(false), true),
            'p' | 'P' => {
                if self.next() != Some('{') {
                    return Err(self.error("expected '{' after \\p"));
                }
                let start = self.pos;
                while self.peek().is_some_and(|c| c != '}') {
                    self.pos += 1;
                }
                let name: String = self.chars[start..self.pos].iter().collect();
                if self.next() != Some('}') {
                    return Err(self.error("missing '}' after \\p{"));
                }
                if !is_category(&name) {
                    return Err(self.error(&format!(
                        "unsupported character property {name:?} (Unicode blocks are not supported)"
                    )));
                }
                Escape::Class(format!(r"\p{{{name}}}"), c == 'P')
            }
            _ => {
                self.pos -= 1;
                return Err(self.error("unknown escape"));
            }
        })
    }

    /// charClassExpr ::= '[' charGroup ']' (the '[' is consumed). Returns a `regex` class.
    fn char_class_expr(&mut self) -> Result<String, String> {
        self.depth += 1;
        if self.depth > MAX_GROUP_DEPTH {
            return Err(self.error("character classes nest too deeply"));
        }
        let negated = if self.peek() == Some('^') {
            self.pos += 1;
            true
        } else {
            false
        };
        let mut items = String::new();
        let mut first = true;
        let mut subtraction = None;
        loop {
            match self.peek() {
                None => return Err(self.error("missing ']'")),
                Some(']') if !first => {
                    self.pos += 1;
                    break;
                }
                Some('-') if self.peek_at(1) == Some('[') && !first => {
                    self.pos += 2;
                    subtraction = Some(self.char_class_expr()?);
                    if self.next() != Some(']') {
                        return Err(self.error("a class subtraction must end the class"));
                    }
                    break;
                }
                _ => {}
            }
            if first && self.peek() == Some(']') {
                return Err(self.error("empty character class"));
            }
            let at_start = first;
            first = false;
            let c = self.next().ok_or_else(|| self.error("missing ']'"))?;
            let start = match c {
                '\\' => match self.escape()? {
                    Escape::Char(c) => c,
                    Escape::Class(class, negate) => {
                        items.push_str(&if negate {
                            format!("[^{}]", strip_brackets(&class))
                        } else {
                            class
                        });
                        continue;
                    }
                },
                '[' => return Err(self.error("'[' must be escaped inside a class")),
                '-' => {
                    // A literal '-' is allowed first or last in a group (XSD 1.0 F.1).
                    if !at_start && self.peek() != Some(']') {
                        return Err(self.error("'-' must be escaped or first/last in a class"));
                    }
                    '-'
                }
                c => c,
            };
            // A range start-end, unless the '-' is the last character or starts a subtraction.
            if self.peek() == Some('-') && !matches!(self.peek_at(1), Some(']' | '[') | None) {
                self.pos += 1;
                let end = match self.next() {
                    Some('\\') => match self.escape()? {
                        Escape::Char(c) => c,
                        Escape::Class(..) => {
                            return Err(self.error("a range cannot end in a class escape"));
                        }
                    },
                    Some('[') => return Err(self.error("'[' must be escaped inside a class")),
                    Some(c) => c,
                    None => return Err(self.error("missing ']'")),
                };
                if end < start {
                    return Err(self.error("range out of order"));
                }
                push_literal(&mut items, start);
                items.push('-');
                push_literal(&mut items, end);
            } else {
                push_literal(&mut items, start);
            }
        }
        self.depth -= 1;
        let base = if negated {
            format!("[^{items}]")
        } else {
            format!("[{items}]")
        };
        Ok(match subtraction {
            Some(sub) => format!("[{base}--{sub}]"),
            None => base,
        })
    }
}

enum Escape {
    Char(char),
    /// A class in `regex` syntax, and whether it is complemented.
    Class(String, bool),
}

impl Escape {
    fn regex(&self) -> String {
        match self {
            Escape::Char(c) => {
                let mut s = String::new();
                push_literal(&mut s, *c);
                s
            }
            Escape::Class(class, false) => class.clone(),
            Escape::Class(class, true) => format!("[^{}]", strip_brackets(class)),
        }
    }
}

/// `[abc]` → `abc`; `\p{L}` stays as it is (usable inside a class).
fn strip_brackets(class: &str) -> &str {
    class
        .strip_prefix('[')
        .and_then(|c| c.strip_suffix(']'))
        .unwrap_or(class)
}

fn push_literal(out: &mut String, c: char) {
    if c.is_ascii_alphanumeric() {
        out.push(c);
    } else {
        let _ = write!(out, "\\x{{{:X}}}", u32::from(c));
    }
}

/// `\i` (name start characters) or `\c` (name characters) of XML 1.0 (fifth edition), with `:`.
fn name_class(start: bool) -> String {
    // Built from the same predicates as the Name datatype, so the two cannot disagree.
    let mut out = String::from("[");
    let mut range_start: Option<u32> = None;
    let mut prev = 0u32;
    let test = |c: char| {
        if start {
            lexical::is_name_start(c, false)
        } else {
            lexical::is_name_char(c, false)
        }
    };
    for cp in 0..=0x10FFFFu32 {
        let inside = char::from_u32(cp).is_some_and(test);
        match (inside, range_start) {
            (true, None) => range_start = Some(cp),
            (false, Some(s)) => {
                let _ = write!(out, "\\x{{{s:X}}}-\\x{{{prev:X}}}");
                range_start = None;
            }
            _ => {}
        }
        prev = cp;
    }
    if let Some(s) = range_start {
        let _ = write!(out, "\\x{{{s:X}}}-\\x{{{prev:X}}}");
    }
    out.push(']');
    out
}

/// The general categories of XSD 1.0 F.1.1 (all of which the `regex` crate knows).
fn is_category(name: &str) -> bool {
    matches!(
        name,
        "L" | "Lu"
            | "Ll"
            | "Lt"
            | "Lm"
            | "Lo"
            | "M"
            | "Mn"
            | "Mc"
            | "Me"
            | "N"
            | "Nd"
            | "Nl"
            | "No"
            | "P"
            | "Pc"
            | "Pd"
            | "Ps"
            | "Pe"
            | "Pi"
            | "Pf"
            | "Po"
            | "Z"
            | "Zs"
            | "Zl"
            | "Zp"
            | "S"
            | "Sm"
            | "Sc"
            | "Sk"
            | "So"
            | "C"
            | "Cc"
            | "Cf"
            | "Co"
            | "Cn"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, s: &str) -> bool {
        Pattern::new(pattern).unwrap().is_match(s)
    }

    #[test]
    fn patterns_are_anchored() {
        assert!(m("[a-z]{2}", "ab"));
        assert!(!m("[a-z]{2}", "abc"));
        assert!(!m("[a-z]{2}", "xab"));
        assert!(m("a|bc", "bc"));
        assert!(!m("a|bc", "abc"), "alternation is anchored as a whole");
    }

    #[test]
    fn caret_and_dollar_are_literals() {
        assert!(m("^a$", "^a$"));
        assert!(!m("^a$", "a"));
        assert!(m("[$^]+", "$^"));
    }

    #[test]
    fn dot_excludes_line_ends_only() {
        assert!(m(".+", "a b\té"));
        assert!(!m(".+", "a\nb"));
        assert!(!m(".+", "a\rb"));
    }

    #[test]
    fn multi_char_escapes() {
        assert!(m(r"\d+", "0123٣"), "\\d is Unicode Nd");
        assert!(!m(r"\d", "a"));
        assert!(m(r"\w+", "aé9"));
        assert!(!m(r"\w", "_"), "connector punctuation is not \\w in XSD");
        assert!(!m(r"\w", "-"));
        assert!(!m(r"\w", " "));
        assert!(m(r"\s\S", " a"));
        assert!(m(r"\i\c*", "_a-b.c:d"));
        assert!(!m(r"\i", "1"));
        assert!(m(r"\p{Lu}\P{Lu}", "Ab"));
    }

    #[test]
    fn classes_ranges_and_subtraction() {
        assert!(m("[a-z-[aeiou]]+", "bcd"));
        assert!(!m("[a-z-[aeiou]]", "a"));
        assert!(m("[-+a-z0-9.]+", "-+a.9"));
        assert!(m("[+-]", "-"));
        assert!(m(r"[\-\[\]\^]+", "-[]^"));
        assert!(m("[^abc]", "d"));
        assert!(!m("[^abc]", "a"));
        assert!(m(r"[^\d]", "a"));
        assert!(!m(r"[^\d]", "5"));
        assert!(m(r"[\s\d]+", " 1 2"));
    }

    #[test]
    fn cyclonedx_patterns_translate_and_match() {
        let cpe = r##"([c][pP][eE]:/[AHOaho]?(:[A-Za-z0-9\._\-~%]*){0,6})|(cpe:2\.3:[aho\*\-](:(((\?*|\*?)([a-zA-Z0-9\-\._]|(\\[\\\*\?!"#$$%&'\(\)\+,/:;<=>@\[\]\^`\{\|}~]))+(\?*|\*?))|[\*\-])){5}(:(([a-zA-Z]{2,3}(-([a-zA-Z]{2}|[0-9]{3}))?)|[\*\-]))(:(((\?*|\*?)([a-zA-Z0-9\-\._]|(\\[\\\*\?!"#$$%&'\(\)\+,/:;<=>@\[\]\^`\{\|}~]))+(\?*|\*?))|[\*\-])){4})"##;
        assert!(m(cpe, "cpe:2.3:a:acme:product:1.0:*:*:*:*:*:*:*"));
        assert!(m(cpe, "cpe:/a:acme:product:1.0"));
        assert!(!m(cpe, "cpe:2.3:x:acme"));
        let serial = r"urn:uuid:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})|(\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\})";
        assert!(m(serial, "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79"));
        assert!(m(serial, "{3e671687-395b-41f5-a30f-a58921a69b79}"));
        assert!(!m(serial, "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b7"));
        assert!(!m(serial, "3e671687-395b-41f5-a30f-a58921a69b79"));
        let hash = "([a-fA-F0-9]{32})|([a-fA-F0-9]{40})|([a-fA-F0-9]{64})|([a-fA-F0-9]{96})|([a-fA-F0-9]{128})";
        assert!(m(hash, &"a".repeat(40)));
        assert!(!m(hash, &"a".repeat(41)));
        assert!(m(
            "[A-Za-z0-9][A-Za-z0-9\\-/.() ]{0,28}[A-Za-z0-9]",
            "ISO 27001"
        ));
        assert!(m(
            "urn:cdx:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/[1-9][0-9]*#.+",
            "urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#x"
        ));
    }

    #[test]
    fn invalid_patterns_are_errors() {
        for p in [
            "(a",
            "a)",
            "[a",
            "a{2,1}",
            "*a",
            "a**",
            r"\q",
            r"\p{IsBasicLatin}",
            "[z-a]",
            "a{1",
            "[a-]b-c]",
            "{",
            "a{99999}",
            "[]a]",
            "[]",
        ] {
            assert!(Pattern::new(p).is_err(), "{p}");
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let p = format!("{}a{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(Pattern::new(&p).is_err());
    }
}
