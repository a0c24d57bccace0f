//! Scalar analysis: which styles libyaml's emitter allows for a string (`analyze`), whether
//! go-yaml v2 would read it back plain as the same string, and kustomize's JSON round trip of
//! U+0085 ([`json_roundtrip`]).

use std::borrow::Cow;

/// The scalar styles go-yaml v2 uses (it never asks for the folded style).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum EmitStyle {
    Plain,
    Single,
    Double,
    Literal,
}

/// What libyaml's `yaml_emitter_analyze_scalar` concludes about a scalar (block context).
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Analysis {
    /// The string holds a line feed (go-yaml then asks for the literal style).
    pub(super) newline: bool,
    /// The string is ASCII (its length is its width in columns).
    pub(super) ascii: bool,
    pub(super) multiline: bool,
    pub(super) block_plain_allowed: bool,
    pub(super) single_quoted_allowed: bool,
    pub(super) block_allowed: bool,
}

/// libyaml's `is_break`.
pub(super) fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// libyaml's `is_printable` (as go-yaml spells it; 4-byte characters are not printable).
pub(super) fn is_printable(c: char) -> bool {
    matches!(c as u32, 0x0A | 0x20..=0x7E | 0xA0..=0xD7FF | 0xE000..=0xFFFD) && c != '\u{FEFF}'
}

pub(super) fn analyze(s: &str) -> Analysis {
    let bytes = s.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return analyze_chars(s);
    };
    // Printable ASCII and spaces only (the common case): no breaks or special characters, so
    // only indicators and leading or trailing spaces matter. Branch-free so that it vectorizes.
    let (mut other, mut colon, mut hash) = (0u8, 0u8, 0u8);
    for &c in bytes {
        other |= u8::from(c.wrapping_sub(0x20) >= 0x5f);
        colon |= u8::from(c == b':');
        hash |= u8::from(c == b'#');
    }
    if other != 0 {
        return analyze_chars(s);
    }
    let followed_by_space = |i: usize| bytes.get(i + 1).is_none_or(|&n| n == b' ');
    let mut indicator = matches!(
        first,
        b'#' | b',' | b'[' | b']' | b'{' | b'}' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\'' | b'"' | b'%' | b'@' | b'`'
    ) || (matches!(first, b'?' | b':' | b'-') && followed_by_space(0))
        || bytes.starts_with(b"---")
        || bytes.starts_with(b"...");
    if !indicator && colon != 0 {
        indicator = bytes.iter().enumerate().any(|(i, &c)| c == b':' && followed_by_space(i));
    }
    if !indicator && hash != 0 {
        indicator = bytes.windows(2).any(|w| w == b" #");
    }
    let leading_space = first == b' ';
    let trailing_space = last == b' ';
    Analysis {
        newline: false,
        ascii: true,
        multiline: false,
        block_plain_allowed: !(indicator || leading_space || trailing_space),
        single_quoted_allowed: true,
        block_allowed: !trailing_space,
    }
}

/// libyaml's analysis, character by character.
fn analyze_chars(s: &str) -> Analysis {
    if s.is_empty() {
        return Analysis {
            newline: false,
            ascii: true,
            multiline: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let bytes = s.as_bytes();
    let mut block_indicators = false;
    let mut line_breaks = false;
    let mut special_characters = false;
    let mut leading_space = false;
    let mut leading_break = false;
    let mut trailing_space = false;
    let mut trailing_break = false;
    let mut break_space = false;
    let mut space_break = false;
    let mut previous_space = false;
    let mut previous_break = false;

    if bytes.starts_with(b"---") || bytes.starts_with(b"...") {
        block_indicators = true;
    }
    let mut preceded_by_whitespace = true;
    for (i, c) in s.char_indices() {
        let next = i + c.len_utf8();
        let followed_by_whitespace = next >= bytes.len() || matches!(bytes[next], b' ' | b'\t');
        // The indicators that keep a scalar from being plain in block context.
        let indicator = if i == 0 {
            matches!(c, '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%' | '@' | '`')
                || (matches!(c, '?' | ':' | '-') && followed_by_whitespace)
        } else {
            (c == ':' && followed_by_whitespace) || (c == '#' && preceded_by_whitespace)
        };
        if indicator {
            block_indicators = true;
        }
        if !is_printable(c) {
            special_characters = true;
        }
        if c == ' ' {
            if i == 0 {
                leading_space = true;
            }
            if next == bytes.len() {
                trailing_space = true;
            }
            if previous_break {
                break_space = true;
            }
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            line_breaks = true;
            if i == 0 {
                leading_break = true;
            }
            if next == bytes.len() {
                trailing_break = true;
            }
            if previous_space {
                space_break = true;
            }
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = matches!(c, ' ' | '\t' | '\0') || is_break(c);
    }

    let mut a = Analysis {
        newline: line_breaks && bytes.contains(&b'\n'),
        ascii: s.is_ascii(),
        multiline: line_breaks,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special_characters {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks || block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

/// The string after kustomize's JSON round trip. `encoding/json` escapes every line break but
/// U+0085, and go-yaml's double-quoted scalar reader folds a raw one: a run of spaces and U+0085
/// holding one U+0085 becomes a space, holding n > 1 becomes n - 1 newlines. (kustomize also
/// passes every builtin plugin's configuration through this round trip.)
pub fn json_roundtrip(s: &str) -> Cow<'_, str> {
    // U+0085 is C2 85 in UTF-8: look for the rare lead byte first.
    if !s.as_bytes().contains(&0xC2) || !s.contains('\u{85}') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut spaces = 0usize;
    let mut breaks = 0usize;
    let flush = |out: &mut String, spaces: &mut usize, breaks: &mut usize| {
        match *breaks {
            0 => out.extend(std::iter::repeat_n(' ', *spaces)),
            1 => out.push(' '),
            n => out.extend(std::iter::repeat_n('\n', n - 1)),
        }
        *spaces = 0;
        *breaks = 0;
    };
    for c in s.chars() {
        match c {
            ' ' => spaces += 1,
            '\u{85}' => breaks += 1,
            _ => {
                flush(&mut out, &mut spaces, &mut breaks);
                out.push(c);
            }
        }
    }
    flush(&mut out, &mut spaces, &mut breaks);
    Cow::Owned(out)
}

/// Whether go-yaml v2 would print the string plain as far as its meaning goes: it must resolve
/// to a string (`resolve("", s)` gives `!!str`) and not look like a YAML 1.1 base 60 float.
pub(super) fn plain_keeps_meaning(s: &str) -> bool {
    crate::resolve::plain_is_str_v2(s) && !crate::resolve::is_base60_float(s)
}

/// Whether go-yaml v3's `Marshal` writes the string `s` plain (kyaml's `FromMap`, with which
/// kustomize rebuilds an object after a JSON patch, then reads the text back): it must read
/// back as the same string (not a v3 non-string, a YAML 1.1 boolean or a base 60 float), hold
/// no line feed (then it is literal) and be allowed plain (else it is quoted).
pub fn marshalled_plain(s: &str) -> bool {
    !s.is_empty()
        && !s.contains('\n')
        && plain_keeps_meaning(s)
        && crate::read::plain_non_string_v3(s).is_none()
        && analyze(s).block_plain_allowed
}

#[cfg(test)]
mod tests {
    //! Every expected text here was printed by `kubectl kustomize` (kustomize v5.5.0) for the
    //! same data: the value under a top-level key `aa` (which sorts before `apiVersion`, so it is
    //! the first thing printed), or whole documents for the stream tests.

    use super::*;
    use crate::emit::tests::{check, s};

    #[test]
    fn go_yaml_v3_marshals_plain_only_strings_that_read_back_as_themselves() {
        // Checked with `kubectl kustomize`: after a JSON patch, a strategic-merge patch's number
        // over these fields stays a number exactly for the plain ones.
        for plain in ["abc", "p", "a:b", "-a"] {
            assert!(marshalled_plain(plain), "{plain}");
        }
        for quoted in ["", "yes", "1.50", "0x1F", "12:30", "null", "a: b", " x", "x\ny"] {
            assert!(!marshalled_plain(quoted), "{quoted}");
        }
    }

    #[test]
    fn quoting() {
        // Plain, single-quoted and double-quoted choices.
        check(&[
            (s("plain"), "aa: plain\n"),
            (s("with space"), "aa: with space\n"),
            (s("a: b"), "aa: 'a: b'\n"),
            (s("a:b"), "aa: a:b\n"),
            (s("a #b"), "aa: 'a #b'\n"),
            (s("a#b"), "aa: a#b\n"),
            (s("#a"), "aa: '#a'\n"),
            (s("-"), "aa: '-'\n"),
            (s("- a"), "aa: '- a'\n"),
            (s("-a"), "aa: -a\n"),
            (s("--- x"), "aa: '--- x'\n"),
            (s("---x"), "aa: '---x'\n"),
            (s("..."), "aa: '...'\n"),
            (s("? x"), "aa: '? x'\n"),
            (s("?x"), "aa: ?x\n"),
            (s(":x"), "aa: :x\n"),
            (s("x:"), "aa: 'x:'\n"),
            (s("x: "), "aa: 'x: '\n"),
            (s(" lead"), "aa: ' lead'\n"),
            (s("trail "), "aa: 'trail '\n"),
            (s(""), "aa: \"\"\n"),
            (s("'"), "aa: ''''\n"),
            (s("\""), "aa: '\"'\n"),
            (s("a'b"), "aa: a'b\n"),
            (s("a\"b"), "aa: a\"b\n"),
            (s("\\"), "aa: \\\n"),
            (s("a\\b"), "aa: a\\b\n"),
            (s("a\tb"), "aa: \"a\\tb\"\n"),
            (s("\u{0}"), "aa: \"\\0\"\n"),
            (s("\u{7}\u{8}\u{b}\u{c}\u{1b}"), "aa: \"\\a\\b\\v\\f\\e\"\n"),
            (s("a\rb"), "aa: \"a\\rb\"\n"),
            (s("é中"), "aa: é中\n"),
            (s("\u{1f389}"), "aa: \"\\U0001F389\"\n"),
            (s("a\u{a0}b"), "aa: a\u{a0}b\n"),
            (s("\u{feff}"), "aa: \"\\uFEFF\"\n"),
            (s("\u{feff}a b"), "aa: \"\\uFEFF\\x61\\x20\\x62\"\n"),
            (s("a\u{feff}"), "aa: \"a\\uFEFF\"\n"),
            (s("x\u{2028}y"), "aa: 'x\u{2028}  y'\n"),
            (s("x\u{2029}y"), "aa: 'x\u{2029}  y'\n"),
            (s("\u{2028}"), "aa: '\u{2028}'\n"),
            (s("@x"), "aa: '@x'\n"),
            (s("`x"), "aa: '`x'\n"),
            (s("%x"), "aa: '%x'\n"),
            (s("&x"), "aa: '&x'\n"),
            (s("*x"), "aa: '*x'\n"),
            (s("!x"), "aa: '!x'\n"),
            (s("|x"), "aa: '|x'\n"),
            (s(">x"), "aa: '>x'\n"),
            (s("[x"), "aa: '[x'\n"),
            (s("]x"), "aa: ']x'\n"),
            (s("{x"), "aa: '{x'\n"),
            (s("}x"), "aa: '}x'\n"),
            (s(",x"), "aa: ',x'\n"),
            (s("a,b"), "aa: a,b\n"),
            (s("x]"), "aa: x]\n"),
            (s("x}"), "aa: x}\n"),
            (s("="), "aa: =\n"),
            (s("<<"), "aa: <<\n"),
            (s("~x"), "aa: ~x\n"),
            (s("a ~"), "aa: a ~\n"),
            (s("y"), "aa: \"y\"\n"),
            (s("Y"), "aa: \"Y\"\n"),
            (s("yes"), "aa: \"yes\"\n"),
            (s("n"), "aa: \"n\"\n"),
            (s("No"), "aa: \"No\"\n"),
            (s("on"), "aa: \"on\"\n"),
            (s("OFF"), "aa: \"OFF\"\n"),
            (s("true"), "aa: \"true\"\n"),
            (s("False"), "aa: \"False\"\n"),
            (s("tRUE"), "aa: tRUE\n"),
            (s("null"), "aa: \"null\"\n"),
            (s("Null"), "aa: \"Null\"\n"),
            (s("NULL"), "aa: \"NULL\"\n"),
            (s("nULL"), "aa: nULL\n"),
            (s("~"), "aa: \"~\"\n"),
        ]);
    }

    #[test]
    fn resolve() {
        // Strings that would read back as non-strings under YAML 1.1 are double quoted.
        check(&[
            (s("1"), "aa: \"1\"\n"),
            (s("-1"), "aa: \"-1\"\n"),
            (s("+1"), "aa: \"+1\"\n"),
            (s("0"), "aa: \"0\"\n"),
            (s("-0"), "aa: \"-0\"\n"),
            (s("012"), "aa: \"012\"\n"),
            (s("08"), "aa: \"08\"\n"),
            (s("0x1F"), "aa: \"0x1F\"\n"),
            (s("0X1f"), "aa: \"0X1f\"\n"),
            (s("0x1G"), "aa: 0x1G\n"),
            (s("0o17"), "aa: \"0o17\"\n"),
            (s("0o8"), "aa: 0o8\n"),
            (s("0b101"), "aa: \"0b101\"\n"),
            (s("0b2"), "aa: 0b2\n"),
            (s("-0b11"), "aa: \"-0b11\"\n"),
            (s("0b-1"), "aa: \"0b-1\"\n"),
            (s("1_000"), "aa: \"1_000\"\n"),
            (s("1_"), "aa: \"1_\"\n"),
            (s("_1"), "aa: _1\n"),
            (s("0xFFFFFFFFFFFFFFFF"), "aa: \"0xFFFFFFFFFFFFFFFF\"\n"),
            (s("0x1FFFFFFFFFFFFFFFFF"), "aa: 0x1FFFFFFFFFFFFFFFFF\n"),
            (s("+0xFFFFFFFFFFFFFFFF"), "aa: +0xFFFFFFFFFFFFFFFF\n"),
            (s("18446744073709551615"), "aa: \"18446744073709551615\"\n"),
            (s("18446744073709551616"), "aa: \"18446744073709551616\"\n"),
            (s("-9223372036854775808"), "aa: \"-9223372036854775808\"\n"),
            (s("-0x8000000000000001"), "aa: -0x8000000000000001\n"),
            (s("1.5"), "aa: \"1.5\"\n"),
            (s(".5"), "aa: \".5\"\n"),
            (s("1."), "aa: \"1.\"\n"),
            (s("-.5"), "aa: \"-.5\"\n"),
            (s("1e3"), "aa: \"1e3\"\n"),
            (s("1E3"), "aa: \"1E3\"\n"),
            (s("1e+3"), "aa: \"1e+3\"\n"),
            (s("1.e5"), "aa: \"1.e5\"\n"),
            (s(".5e"), "aa: .5e\n"),
            (s("1e400"), "aa: 1e400\n"),
            (s("-1e400"), "aa: -1e400\n"),
            (s(".1_0"), "aa: \".1_0\"\n"),
            (s("1.2.3"), "aa: 1.2.3\n"),
            (s("."), "aa: .\n"),
            (s(".."), "aa: ..\n"),
            (s(".e5"), "aa: .e5\n"),
            (s(".nan"), "aa: \".nan\"\n"),
            (s(".NaN"), "aa: \".NaN\"\n"),
            (s(".nAn"), "aa: .nAn\n"),
            (s(".inf"), "aa: \".inf\"\n"),
            (s("-.inf"), "aa: \"-.inf\"\n"),
            (s("+.INF"), "aa: \"+.INF\"\n"),
            (s("inf"), "aa: inf\n"),
            (s("nan"), "aa: nan\n"),
            (s("Infinity"), "aa: Infinity\n"),
            (s("12:30"), "aa: \"12:30\"\n"),
            (s("1:60"), "aa: 1:60\n"),
            (s("190:20:30"), "aa: \"190:20:30\"\n"),
            (s("1_2:3"), "aa: \"1_2:3\"\n"),
            (s("-1:2:3.5"), "aa: \"-1:2:3.5\"\n"),
            (s("1:2."), "aa: \"1:2.\"\n"),
            (s("+1:2_3"), "aa: +1:2_3\n"),
            (s("1:000"), "aa: 1:000\n"),
            (s(":1"), "aa: :1\n"),
            (s("1:"), "aa: '1:'\n"),
            (s("2001-12-14"), "aa: \"2001-12-14\"\n"),
            (s("2001-1-2"), "aa: \"2001-1-2\"\n"),
            (s("2001-02-29"), "aa: 2001-02-29\n"),
            (s("2000-02-29"), "aa: \"2000-02-29\"\n"),
            (s("1900-02-29"), "aa: 1900-02-29\n"),
            (s("20011-12-14"), "aa: 20011-12-14\n"),
            (s("2001-13-01"), "aa: 2001-13-01\n"),
            (s("2001-12-14T21:59:43Z"), "aa: \"2001-12-14T21:59:43Z\"\n"),
            (s("2001-12-14t21:59:43.10-05:00"), "aa: \"2001-12-14t21:59:43.10-05:00\"\n"),
            (s("2001-12-14 21:59:43.10"), "aa: \"2001-12-14 21:59:43.10\"\n"),
            (s("2001-12-14  21:59:43"), "aa: \"2001-12-14  21:59:43\"\n"),
            (s("2001-12-14T21:59:43,5Z"), "aa: \"2001-12-14T21:59:43,5Z\"\n"),
            (s("2001-12-14T25:00:00Z"), "aa: 2001-12-14T25:00:00Z\n"),
            (s("2001-12-14T21:59Z"), "aa: 2001-12-14T21:59Z\n"),
            (s("2001-12-14T21:59:43+5:00"), "aa: 2001-12-14T21:59:43+5:00\n"),
            (s("2001-12-14T21:59:43+25:00"), "aa: 2001-12-14T21:59:43+25:00\n"),
            (s("2001-12-14T21:59:43-24:60"), "aa: \"2001-12-14T21:59:43-24:60\"\n"),
            (s("2001-12-14T21:59:43.5"), "aa: 2001-12-14T21:59:43.5\n"),
        ]);
    }

    #[test]
    fn json_roundtrip() {
        // A raw U+0085 is folded by the JSON round trip.
        check(&[
            (s("a\u{85}b"), "aa: a b\n"),
            (s("a \u{85}  b"), "aa: a b\n"),
            (
                s("a\u{85}\u{85}b"),
                r#"aa: |-
  a
  b
"#,
            ),
            (
                s("a\u{85} \u{85}b"),
                r#"aa: |-
  a
  b
"#,
            ),
            (s("\u{85}a"), "aa: ' a'\n"),
            (s("a\u{85}"), "aa: 'a '\n"),
            (s("x\u{85}\n"), "aa: \"x \\n\"\n"),
            (
                s("x\u{85} \u{85} \u{85}y"),
                r#"aa: |-
  x

  y
"#,
            ),
        ]);
    }

    #[test]
    fn quick_analysis_matches_the_full_one() {
        let alphabet: &[&str] = &[
            "a", "Z", "0", " ", ":", "#", "-", "?", "!", "'", "\"", "\t", "\n", "é", "\u{85}", ".", ",", "[", "{", "|",
            "@", "%", "\u{7f}", "\u{1}",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut fixed: Vec<String> = [
            "", "a", "-", "- a", ":", "a:", "a: b", "a:b", "#", "a #b", "a#b", "---", "...x", " a", "a ", "?", "? x",
            "x?",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for _ in 0..20_000 {
            let len = (next() % 8) as usize;
            fixed.push((0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect());
        }
        for s in &fixed {
            assert_eq!(analyze(s), analyze_chars(s), "{s:?}");
        }
    }
}
