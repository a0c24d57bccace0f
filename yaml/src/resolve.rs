//! go-yaml's resolution and number rules, shared by the reader and the printer: which plain
//! scalars are null, booleans, integers, floats or timestamps under go-yaml v3 ([`Schema::V3`])
//! and go-yaml v2's YAML 1.1 flavour ([`Schema::V11`]), how Go's `strconv` reads their numbers
//! and `time.Parse` their timestamps, and how Go spells the numbers it prints.
//!
//! The reader decodes plain scalars with [`resolve_core`]; the printer quotes a string exactly when
//! go-yaml v2 would read it back as something else ([`plain_is_str_v2`], [`is_base60_float`]).

use crate::read::Schema;
use std::borrow::Cow;

/// What go-yaml's `resolve` makes of a text.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Res {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Timestamp(Ts),
    /// The text itself, as a string.
    Str,
    /// `<<`.
    Merge,
}

/// go-yaml's `resolve` for an untagged plain scalar (with `try_timestamp`, the way an untagged
/// or `!!timestamp` scalar resolves; without, the way other tags see it). Texts whose first
/// character starts no null, boolean, number, timestamp or `<<` are strings at once, as in
/// go-yaml's `resolveTable`; so are words too long to be one of its words.
pub(crate) fn resolve_core(s: &str, schema: Schema, try_timestamp: bool) -> Res {
    let Some(&first) = s.as_bytes().first() else { return Res::Null };
    match first {
        b'.' | b'+' | b'-' | b'0'..=b'9' => {}
        // The words (nulls, booleans, `<<`) are at most five characters long.
        b'~' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'y' | b'Y' | b'o' | b'O' | b'<' if s.len() <= 5 => {}
        _ => return Res::Str,
    }
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Res::Null,
        "true" | "True" | "TRUE" => return Res::Bool(true),
        "false" | "False" | "FALSE" => return Res::Bool(false),
        ".nan" | ".NaN" | ".NAN" => return Res::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Res::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Res::Float(f64::NEG_INFINITY),
        "<<" => return Res::Merge,
        _ => {}
    }
    if schema == Schema::V11 {
        match s {
            "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => return Res::Bool(true),
            "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => return Res::Bool(false),
            _ => {}
        }
    }
    match s.as_bytes()[0] {
        b'.' => match go_parse_float_dot(s) {
            Some(f) => Res::Float(f),
            None => Res::Str,
        },
        b'+' | b'-' | b'0'..=b'9' => {
            if try_timestamp {
                if let Some(ts) = parse_timestamp(s) {
                    return Res::Timestamp(ts);
                }
            }
            let plain: Cow<str> = if s.contains('_') { Cow::Owned(s.replace('_', "")) } else { Cow::Borrowed(s) };
            if let Some(i) = go_parse_int(&plain, 0) {
                return Res::Int(i);
            }
            if let Some(u) = go_parse_uint(&plain, 0) {
                return Res::UInt(u);
            }
            if yaml_style_float(&plain) {
                if let Ok(f) = plain.parse::<f64>() {
                    if f.is_finite() {
                        return Res::Float(f);
                    }
                }
            }
            let mut prefixes: &[(&str, u32)] = &[("0b", 2), ("0o", 8)];
            if schema == Schema::V11 {
                prefixes = &prefixes[..1];
            }
            for &(prefix, base) in prefixes {
                if let Some(rest) = plain.strip_prefix(prefix) {
                    if let Some(i) = go_parse_int(rest, base) {
                        return Res::Int(i);
                    }
                    if let Some(u) = go_parse_uint(rest, base) {
                        return Res::UInt(u);
                    }
                    return Res::Str;
                }
                if let Some(rest) = plain.strip_prefix('-').and_then(|r| r.strip_prefix(prefix)) {
                    if let Some(i) = go_parse_int(&format!("-{rest}"), base) {
                        return Res::Int(i);
                    }
                    return Res::Str;
                }
            }
            Res::Str
        }
        _ => Res::Str,
    }
}

/// Go's `strconv.ParseUint` (no underscores; `base` 0 picks the base from the prefix).
fn go_parse_uint(s: &str, base: u32) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let b = s.as_bytes();
    let (base, digits) = if base == 0 {
        if b[0] == b'0' {
            match b.get(1).map(u8::to_ascii_lowercase) {
                Some(b'b') if b.len() >= 3 => (2, &b[2..]),
                Some(b'o') if b.len() >= 3 => (8, &b[2..]),
                Some(b'x') if b.len() >= 3 => (16, &b[2..]),
                _ => (8, &b[1..]),
            }
        } else {
            (10, b)
        }
    } else {
        (base, b)
    };
    let mut n: u64 = 0;
    for &c in digits {
        let d = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'a'..=b'z' => u32::from(c - b'a') + 10,
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            _ => return None,
        };
        if d >= base {
            return None;
        }
        n = n.checked_mul(u64::from(base))?.checked_add(u64::from(d))?;
    }
    Some(n)
}

/// Go's `strconv.ParseInt` with bit size 64.
fn go_parse_int(s: &str, base: u32) -> Option<i64> {
    let (neg, rest) = match s.as_bytes().first()? {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    let u = go_parse_uint(rest, base)?;
    if neg {
        if u <= 1u64 << 63 {
            Some((u as i64).wrapping_neg())
        } else {
            None
        }
    } else {
        i64::try_from(u).ok()
    }
}

/// go-yaml's `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `strconv.ParseFloat` for a text starting with `.` (underscores allowed between digits).
fn go_parse_float_dot(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b'_' {
            let before = i > 0 && b[i - 1].is_ascii_digit();
            let after = b.get(i + 1).is_some_and(u8::is_ascii_digit);
            if !before || !after {
                return None;
            }
        }
    }
    let t: Cow<str> = if s.contains('_') { Cow::Owned(s.replace('_', "")) } else { Cow::Borrowed(s) };
    let tb = t.as_bytes();
    // `.` digits+ ([eE] [+-]? digits+)?
    let mut i = 1;
    while i < tb.len() && tb[i].is_ascii_digit() {
        i += 1;
    }
    if i == 1 {
        return None;
    }
    if i < tb.len() {
        if !matches!(tb[i], b'e' | b'E') {
            return None;
        }
        i += 1;
        if matches!(tb.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let start = i;
        while i < tb.len() && tb[i].is_ascii_digit() {
            i += 1;
        }
        if i == start || i != tb.len() {
            return None;
        }
    }
    t.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// How Go prints a non-finite float in JSON errors.
pub(crate) fn go_special_float(f: f64) -> &'static str {
    if f.is_nan() {
        "NaN"
    } else if f > 0.0 {
        "+Inf"
    } else {
        "-Inf"
    }
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 32)` with `sigs.k8s.io/yaml`'s spellings of
/// infinities and NaN (how it turns float map keys into strings).
pub(crate) fn go_format_float32_g(f: f64) -> String {
    if f.is_nan() {
        return ".nan".to_string();
    }
    let x = f as f32;
    if x.is_infinite() {
        return if x > 0.0 { ".inf".to_string() } else { "-.inf".to_string() };
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0".to_string() } else { "0".to_string() };
    }
    let e = format!("{x:e}");
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let neg = mant.starts_with('-');
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    let nd = digits.len() as i32;
    let dp = exp + 1;
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if !(-4..6).contains(&exp) {
        out.push_str(&digits[..1]);
        if nd > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let a = exp.unsigned_abs();
        if a < 10 {
            out.push('0');
        }
        out.push_str(&a.to_string());
    } else if dp <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-dp) as usize));
        out.push_str(&digits);
    } else if dp >= nd {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (dp - nd) as usize));
    } else {
        out.push_str(&digits[..dp as usize]);
        out.push('.');
        out.push_str(&digits[dp as usize..]);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Timestamps (go-yaml's parseTimestamp with Go's time.Parse, then time.Time's JSON form)
// ---------------------------------------------------------------------------------------------

/// A timestamp as Go's `time.Parse` reads it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Ts {
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    min: u32,
    sec: u32,
    nanos: u32,
    /// Zone offset in minutes; 0 for `Z` and for no zone (UTC).
    offset_min: i32,
}

impl Ts {
    /// RFC 3339 with nanoseconds, trailing zeros trimmed (`time.Time.MarshalJSON`).
    pub(crate) fn format(&self) -> Result<String, String> {
        let mut s = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.min, self.sec
        );
        if self.nanos != 0 {
            let frac = format!("{:09}", self.nanos);
            s.push('.');
            s.push_str(frac.trim_end_matches('0'));
        }
        if self.offset_min == 0 {
            s.push('Z');
        } else {
            let a = self.offset_min.unsigned_abs();
            if a / 60 >= 24 {
                return Err(
                    "json: error calling MarshalJSON for type time.Time: Time.MarshalJSON: timezone hour outside of range [0,23]"
                        .to_string(),
                );
            }
            s.push_str(&format!("{}{:02}:{:02}", if self.offset_min < 0 { '-' } else { '+' }, a / 60, a % 60));
        }
        Ok(s)
    }
}

/// go-yaml v2's `resolve` for an untagged plain scalar: whether the text stays a string. The
/// printer quotes a string exactly when it does not (`<<` stays a string: only a map key `<<`
/// merges).
pub(crate) fn plain_is_str_v2(s: &str) -> bool {
    matches!(resolve_core(s, Schema::V11, true), Res::Str | Res::Merge)
}

/// go-yaml v2's `isBase60Float`: `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
pub(crate) fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(&c) = b.first() else {
        return false;
    };
    if !(c == b'+' || c == b'-' || c.is_ascii_digit()) || !b.contains(&b':') {
        return false;
    }
    let mut i = 0;
    if c == b'+' || c == b'-' {
        i += 1;
    }
    if !matches!(b.get(i), Some(b'0'..=b'9')) {
        return false;
    }
    i += 1;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        match i - start {
            1 => {}
            2 if b[start] <= b'5' => {}
            _ => return false,
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// go-yaml's formats: `2006-1-2T15:4:5.999999999Z07:00` (also with `t`),
/// `2006-1-2 15:4:5.999999999` and `2006-1-2`, with Go's parsing rules.
fn parse_timestamp(s: &str) -> Option<Ts> {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return None;
    }
    let year = b[..4].iter().fold(0u32, |n, &c| n * 10 + u32::from(c - b'0'));
    let mut i = 5;
    let month = getnum(b, &mut i)?;
    if !(1..=12).contains(&month) {
        return None;
    }
    if b.get(i) != Some(&b'-') {
        return None;
    }
    i += 1;
    let day = getnum(b, &mut i)?;
    let mut ts = Ts { year, month, day, hour: 0, min: 0, sec: 0, nanos: 0, offset_min: 0 };
    if i < b.len() {
        let with_zone = match b[i] {
            b'T' | b't' => {
                i += 1;
                true
            }
            b' ' => {
                while b.get(i) == Some(&b' ') {
                    i += 1;
                }
                false
            }
            _ => return None,
        };
        ts.hour = getnum(b, &mut i)?;
        if ts.hour >= 24 || b.get(i) != Some(&b':') {
            return None;
        }
        i += 1;
        ts.min = getnum(b, &mut i)?;
        if ts.min >= 60 || b.get(i) != Some(&b':') {
            return None;
        }
        i += 1;
        ts.sec = getnum(b, &mut i)?;
        if ts.sec >= 60 {
            return None;
        }
        if matches!(b.get(i), Some(b'.' | b',')) && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let digits = &b[start..i.min(start + 9)];
            let mut n = digits.iter().fold(0u32, |n, &c| n * 10 + u32::from(c - b'0'));
            for _ in digits.len()..9 {
                n *= 10;
            }
            ts.nanos = n;
        }
        if with_zone {
            match b.get(i) {
                Some(b'Z') => i += 1,
                Some(&sign @ (b'+' | b'-')) => {
                    let z = b.get(i..i + 6)?;
                    if z[3] != b':' || !z[1].is_ascii_digit() || !z[2].is_ascii_digit() {
                        return None;
                    }
                    if !z[4].is_ascii_digit() || !z[5].is_ascii_digit() {
                        return None;
                    }
                    let hh = i32::from(z[1] - b'0') * 10 + i32::from(z[2] - b'0');
                    let mm = i32::from(z[4] - b'0') * 10 + i32::from(z[5] - b'0');
                    if hh > 24 || mm > 60 {
                        return None;
                    }
                    let off = hh * 60 + mm;
                    ts.offset_min = if sign == b'-' { -off } else { off };
                    i += 6;
                }
                _ => return None,
            }
        }
        if i != b.len() {
            return None;
        }
    }
    if day < 1 || day > days_in(month, year) {
        return None;
    }
    Some(ts)
}

/// Go's `getnum(s, false)`: one or two digits.
fn getnum(b: &[u8], i: &mut usize) -> Option<u32> {
    let d0 = *b.get(*i).filter(|c| c.is_ascii_digit())?;
    *i += 1;
    match b.get(*i) {
        Some(&d1) if d1.is_ascii_digit() => {
            *i += 1;
            Some(u32::from(d0 - b'0') * 10 + u32::from(d1 - b'0'))
        }
        _ => Some(u32::from(d0 - b'0')),
    }
}

fn days_in(month: u32, year: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_yaml_v2_reads_these_plain_texts_as_something_other_than_a_string() {
        for s in [
            "",
            "~",
            "null",
            "NULL",
            "y",
            "Yes",
            "off",
            "ON",
            "true",
            "FALSE",
            "12",
            "-12",
            "+0x1F",
            "0o17",
            "0b101",
            "-0b11",
            "1_000",
            "1.5",
            "1e3",
            "-.5",
            ".5e1_0",
            ".nan",
            "-.Inf",
            "2001-12-14",
            "2001-12-14t21:59:43.10Z",
            "2001-12-14 21:59:43.10",
            "18446744073709551615",
            "99999999999999999999",
        ] {
            assert!(!plain_is_str_v2(s), "{s:?} should not stay a string");
        }
    }

    #[test]
    fn go_yaml_v2_keeps_these_plain_texts_strings() {
        for s in [
            "<<",
            "nginx",
            "nulls",
            "Truee",
            "yes!",
            "0o",
            "0x",
            "0b2",
            "1.5.6",
            "._5",
            "1e",
            "2001-13-01",
            "2001-02-29",
            "12:30",
            "1 2",
            "falsey",
            "~x",
            ".",
            "-",
            "+",
            "0xg",
        ] {
            assert!(plain_is_str_v2(s), "{s:?} should stay a string");
        }
    }

    #[test]
    fn the_yaml_1_1_schema_has_more_booleans_than_v3_and_timestamps_need_asking_for() {
        assert_eq!(resolve_core("yes", Schema::V11, true), Res::Bool(true));
        assert_eq!(resolve_core("yes", Schema::V3, true), Res::Str);
        assert_eq!(resolve_core("off", Schema::V11, true), Res::Bool(false));
        assert_eq!(resolve_core("off", Schema::V3, true), Res::Str);
        assert_eq!(resolve_core("2001-12-14", Schema::V3, false), Res::Str);
    }

    #[test]
    fn base_60_floats_are_recognised_as_go_yaml_v2_does() {
        assert!(is_base60_float("1:20"));
        assert!(is_base60_float("-190:20:30.15"));
        assert!(!is_base60_float("1:60"));
        assert!(!is_base60_float("a:1"));
        assert!(!is_base60_float("1:2:"));
    }
}
