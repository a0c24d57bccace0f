//! What the reader makes of a scalar beyond go-yaml's resolution rules (which plain scalars are
//! null, numbers, … live in `crate::resolve`, shared with the printer): tagged scalars
//! (`ResolvedScalar`, `!!binary`), block scalars as kustomize reprints them, the type phrases and
//! key conversions of the builder's messages.

use super::Schema;
use crate::node::Value;
use crate::resolve::{go_format_float32_g, resolve_core, Res};

/// What a literal or folded scalar's text becomes when go-yaml v3 writes it in its style and
/// reads it back (kyaml does that before kustomize prints): `None` when it comes back the same.
///
/// go-yaml writes in double quotes (which read back the same) text a block scalar cannot hold:
/// empty text, a space before a line break or at the end, characters it escapes. Otherwise:
///
/// * Text starting with a tab is written without an indentation indicator, so that reading it
///   back fails; kustomize fails.
/// * Folded text: after each line that does not start with a blank (space or tab), go-yaml's
///   writer puts one more line break than the text holds, which reading folds away again; but it
///   decides that from the *first* line of the text, not the current one (go-yaml's
///   `yaml_emitter_write_folded_scalar`, `k := 0`). So, when the first line starts with a
///   non-blank, a line before a more-indented (blank-led) line gains a line break (`a\n  b` →
///   `a\n\n  b`) and so does the end of text kept with `+` (`a\n\n` → `a\n\n\n`); when it starts
///   with a blank, two non-blank lines lose one (`x\ny` → `x y`, `x\n\ny` → `x\ny`).
pub(crate) fn reprinted_block_scalar(text: &str, literal: bool) -> Result<Option<String>, String> {
    if !go_block_allowed(text) {
        return Ok(None);
    }
    if text.starts_with('\t') {
        return Err("a block scalar whose text starts with a tab: kustomize cannot print it (found a tab \
                    character where an indentation space is expected)"
            .to_string());
    }
    if literal {
        return Ok(None);
    }
    let blank_led = |l: &str| l.starts_with([' ', '\t']);
    let lead = text.len() - text.trim_start_matches('\n').len();
    let body = &text[lead..];
    if body.is_empty() {
        return Ok(None);
    }
    // Whether the writer adds a line break after each non-blank-led line.
    let extra = !blank_led(body);
    // (line, line breaks after it)
    let mut lines: Vec<(&str, usize)> = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let end = rest.find('\n').unwrap_or(rest.len());
        let after = &rest[end..];
        let breaks = after.len() - after.trim_start_matches('\n').len();
        lines.push((&rest[..end], breaks));
        rest = &after[breaks..];
    }
    let mut out = String::with_capacity(text.len() + 8);
    out.push_str(&text[..lead]);
    for (i, &(line, breaks)) in lines.iter().enumerate() {
        out.push_str(line);
        let written = breaks + usize::from(extra && breaks > 0 && !blank_led(line));
        let read = match lines.get(i + 1) {
            // Reading folds the written breaks between two non-blank-led lines: one is a space.
            Some(&(next, _)) if !blank_led(line) && !blank_led(next) => written - 1,
            Some(_) => written,
            // The end: chomping per the text's own trailing breaks (`-`, clip, `+`).
            None if breaks <= 1 => breaks,
            None => written,
        };
        if read == 0 && i + 1 < lines.len() {
            out.push(' ');
        }
        out.extend(std::iter::repeat_n('\n', read));
    }
    Ok((out != text).then_some(out))
}

/// go-yaml v3's emitter allows a block scalar for `text` (`yaml_emitter_analyze_scalar`): not
/// empty, no space before a line break or at the end, only characters it prints as they are.
fn go_block_allowed(text: &str) -> bool {
    if text.is_empty() || text.ends_with(' ') || text.contains(" \n") {
        return false;
    }
    text.chars().all(|c| {
        matches!(c, '\n' | '\t' | ' '..='~' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}') && c != '\u{FEFF}'
    })
}

/// Whether `text` is how a non-string value prints (so the node need not keep it): `true`,
/// `null`, `8080`; not `True`, `~`, `0x1F`, `1.50` or a timestamp the reader re-spelt.
pub(crate) fn is_canonical_text(value: &Value, text: &str) -> bool {
    match value {
        Value::Null => text == "null",
        Value::Bool(b) => text == if *b { "true" } else { "false" },
        Value::Int(_) | Value::UInt(_) => {
            let digits = text.strip_prefix('-').unwrap_or(text);
            !digits.is_empty()
                && digits.bytes().all(|b| b.is_ascii_digit())
                && (digits == "0" || !digits.starts_with('0'))
                && text != "-0"
        }
        Value::Str(s) => s == text,
        Value::Float(f) => crate::emit::format_float(*f) == text,
        Value::Seq(_) | Value::Map(_) => true,
    }
}

pub(super) fn text_len(v: &Value) -> usize {
    match v {
        Value::Str(s) => s.len(),
        _ => 0,
    }
}

pub(super) fn kind_phrase(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Int(_) | Value::UInt(_) => "an integer",
        Value::Float(_) => "a number",
        Value::Str(_) => "a string",
        Value::Seq(_) => "a list",
        Value::Map(_) => "a map",
    }
}

/// Whether go-yaml v3, writing `text` from a node with no style of its own (one kyaml made:
/// a generated ConfigMap's value, a label a transformer set, an annotation kustomize rewrote)
/// in a block mapping, writes what it cannot read back, so that kustomize fails ("found a tab
/// character where an indentation space is expected"): text with a line break is written as a
/// literal block scalar, and one whose first line starts with a tab gets no indentation
/// indicator. Text a block scalar cannot hold is double-quoted instead and reads back fine.
pub fn unreadable_when_written_v3(text: &str) -> bool {
    text.starts_with('\t') && text.contains('\n') && go_block_allowed(text)
}

/// What `text` decodes to when go-yaml v3 reads it as a plain scalar, when that is not a
/// string: "null", "a boolean", "an integer", "a number", "a timestamp".
pub fn plain_non_string_v3(text: &str) -> Option<&'static str> {
    match resolve_core(text, Schema::V3, true) {
        Res::Str | Res::Merge => None,
        Res::Null => Some("null"),
        Res::Bool(_) => Some("a boolean"),
        Res::Int(_) | Res::UInt(_) => Some("an integer"),
        Res::Float(_) => Some("a number"),
        Res::Timestamp(_) => Some("a timestamp"),
    }
}

pub(super) fn non_string_key_message(text: &str, r: &Res) -> String {
    let what = match r {
        Res::Null => "null",
        Res::Bool(_) => "a boolean",
        Res::Int(_) | Res::UInt(_) => "an integer",
        Res::Float(_) => "a number",
        Res::Timestamp(_) => "a timestamp",
        Res::Str | Res::Merge => "a string",
    };
    format!("map key {text:?} is not a string: it decodes to {what} (kustomize cannot convert such a map to JSON; quote the key)")
}

pub(super) fn tagged_key_message(text: &str) -> String {
    format!(
        "map key {text:?} has a tag other than !!str: go-yaml decodes its map as \
         map[interface {{}}]interface {{}}, which kustomize cannot convert to JSON (json: unsupported type); \
         remove the tag"
    )
}

/// A V11 key from a resolved scalar, as `sigs.k8s.io/yaml` converts keys.
pub(super) fn v11_key(r: Res, text: &str) -> Result<String, String> {
    match r {
        Res::Str | Res::Merge | Res::Timestamp(_) => Ok(text.to_string()),
        Res::Null => v11_key_value(&Value::Null),
        Res::Bool(b) => v11_key_value(&Value::Bool(b)),
        Res::Int(i) => v11_key_value(&Value::Int(i)),
        Res::UInt(u) => v11_key_value(&Value::UInt(u)),
        Res::Float(f) => v11_key_value(&Value::Float(f)),
    }
}

pub(super) fn v11_key_value(v: &Value) -> Result<String, String> {
    match v {
        Value::Str(s) => Ok(s.clone()),
        Value::Int(i) => Ok(i.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Float(f) => Ok(go_format_float32_g(*f)),
        Value::Null => Err("unsupported map key of type: null (a map key must not be empty or null)".to_string()),
        Value::UInt(u) => Err(format!("unsupported map key of type: uint64, key: {u}")),
        Value::Seq(_) | Value::Map(_) => Err(format!("invalid map key: a {} cannot be a map key", v.type_name())),
    }
}

#[derive(Clone, Debug)]
pub(super) enum ResolvedScalar {
    /// The text itself is the string (quoted, `!!str`, unknown tags, …).
    AsWritten,
    /// A string decoded from the text (`!!binary`).
    Decoded(String),
    /// The result of resolving the text.
    Res(Res),
}

/// Go's `base64.StdEncoding.DecodeString` (newlines ignored), then the bytes as a Go string
/// that `encoding/json` would print (each invalid UTF-8 byte becomes U+FFFD).
pub(super) fn decode_binary(text: &str) -> Result<String, String> {
    const BAD: &str = "!!binary value contains invalid base64 data";
    let chars: Vec<u8> = text.bytes().filter(|&c| c != b'\n' && c != b'\r').collect();
    if chars.len() % 4 != 0 {
        return Err(BAD.to_string());
    }
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        })
    };
    let mut out = Vec::with_capacity(chars.len() / 4 * 3);
    let groups = chars.len() / 4;
    for (g, quad) in chars.chunks(4).enumerate() {
        let last = g + 1 == groups;
        let pad = quad.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return Err(BAD.to_string());
        }
        let mut n = 0u32;
        for &c in &quad[..4 - pad] {
            n = (n << 6) | val(c).ok_or_else(|| BAD.to_string())?;
        }
        n <<= 6 * pad as u32;
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    let mut s = String::with_capacity(out.len());
    for chunk in out.utf8_chunks() {
        s.push_str(chunk.valid());
        for _ in chunk.invalid() {
            s.push('\u{FFFD}');
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    //! Expectations marked "kubectl" were checked against `kubectl kustomize` (kustomize v5.5.0):
    //! V3 ones through a resource's `data:` map, V11 values through a JSON 6902 patch `value:`,
    //! V11 keys through `commonLabels`/`commonAnnotations` in a kustomization.
    use super::*;
    use crate::node::{Map, Node, Pos, Style};
    use crate::read::tests::{assert_same, err, keys, one, s, val, x_both_ways};
    use crate::read::{parse_one, parse_stream_with, resolve_plain, ReadLimits};

    // kubectl: core/tests/fixtures/err-tab-led-value-kustomize-writes (a generated value and an
    // annotation); a label set to the same text through `labels:` fails the same way.
    #[test]
    fn tab_led_text_with_a_line_break_cannot_be_written_back() {
        assert!(unreadable_when_written_v3("\tfoo\nbar\n"));
        assert!(unreadable_when_written_v3("\ttab\nx"));
        // One line: written in quotes.
        assert!(!unreadable_when_written_v3("\tfoo"));
        // Not led by a tab, or double-quoted because of a trailing space or a control character.
        assert!(!unreadable_when_written_v3(" \tfoo\nbar"));
        assert!(!unreadable_when_written_v3("\tfoo \nbar"));
        assert!(!unreadable_when_written_v3("\tfoo\nbar\u{7}"));
    }

    // kubectl: core/tests/fixtures/yaml-scalars and the experiments listed in the report.
    #[test]
    fn plain_scalars_v3() {
        let table: &[(&str, Value)] = &[
            ("012", Value::Int(10)),
            ("0777", Value::Int(511)),
            ("0x1F", Value::Int(31)),
            ("0X1f", Value::Int(31)),
            ("0b101", Value::Int(5)),
            ("0B11", Value::Int(3)),
            ("0o17", Value::Int(15)),
            ("0O17", Value::Int(15)),
            ("0b+101", Value::Int(5)),
            ("0o-17", Value::Int(-15)),
            ("0b-101", Value::Int(-5)),
            ("-0b-101", s("-0b-101")),
            ("-0o17", Value::Int(-15)),
            ("1_000", Value::Int(1000)),
            ("1__0", Value::Int(10)),
            ("0o1_7", Value::Int(15)),
            ("_1", s("_1")),
            ("+5", Value::Int(5)),
            ("-0", Value::Int(0)),
            ("00", Value::Int(0)),
            ("-0x10", Value::Int(-16)),
            ("0x", s("0x")),
            ("0o", s("0o")),
            ("0x1G", s("0x1G")),
            ("0o8", s("0o8")),
            ("08", Value::Float(8.0)),
            ("09.5", Value::Float(9.5)),
            ("9223372036854775807", Value::Int(i64::MAX)),
            ("-9223372036854775808", Value::Int(i64::MIN)),
            ("9223372036854775808", Value::UInt(9_223_372_036_854_775_808)),
            ("18446744073709551615", Value::UInt(u64::MAX)),
            ("0xffffffffffffffff", Value::UInt(u64::MAX)),
            ("0b1111111111111111111111111111111111111111111111111111111111111111", Value::UInt(u64::MAX)),
            ("18446744073709551616", Value::Float(18_446_744_073_709_551_616.0)),
            ("-9223372036854775809", Value::Float(-9_223_372_036_854_775_808.0)),
            ("+18446744073709551615", Value::Float(18_446_744_073_709_551_615.0)),
            ("1_000_000_000_000_000_000_000", Value::Float(1e21)),
            ("1e3", Value::Float(1000.0)),
            ("1E3", Value::Float(1000.0)),
            ("1e+3", Value::Float(1000.0)),
            ("1_e3", Value::Float(1000.0)),
            ("1e3_0", Value::Float(1e30)),
            ("1.0", Value::Float(1.0)),
            ("1.50", Value::Float(1.5)),
            ("1.", Value::Float(1.0)),
            ("0.", Value::Float(0.0)),
            ("-0.0", Value::Float(0.0)),
            (".5", Value::Float(0.5)),
            ("-.5", Value::Float(-0.5)),
            ("+.5", Value::Float(0.5)),
            (".5E3", Value::Float(500.0)),
            (".5_0", Value::Float(0.5)),
            (".5e1_0", Value::Float(5e9)),
            ("._5", s("._5")),
            ("1_0.5", Value::Float(10.5)),
            ("1.5e-3", Value::Float(0.0015)),
            ("1e-400", Value::Float(0.0)),
            ("1e400", s("1e400")),
            (".5e999", s(".5e999")),
            ("5e", s("5e")),
            ("0x1.8p1", s("0x1.8p1")),
            (".", s(".")),
            ("+", s("+")),
            ("1.2.3", s("1.2.3")),
            ("12:30", s("12:30")),
            ("190:20:30", s("190:20:30")),
            ("", Value::Null),
            ("~", Value::Null),
            ("null", Value::Null),
            ("Null", Value::Null),
            ("NULL", Value::Null),
            ("nULL", s("nULL")),
            ("true", Value::Bool(true)),
            ("True", Value::Bool(true)),
            ("TRUE", Value::Bool(true)),
            ("false", Value::Bool(false)),
            ("FALSE", Value::Bool(false)),
            ("tRUE", s("tRUE")),
            ("yes", s("yes")),
            ("on", s("on")),
            ("y", s("y")),
            ("N", s("N")),
            ("OFF", s("OFF")),
            ("<<", s("<<")),
            ("2001-12-14", s("2001-12-14T00:00:00Z")),
            ("2001-12-14T21:59:43.10-05:00", s("2001-12-14T21:59:43.1-05:00")),
        ];
        for (input, want) in table {
            assert_same(&resolve_plain(input, Schema::V3), want, input);
            if !input.is_empty() {
                assert_same(&val(input, Schema::V3).unwrap(), want, input);
            }
        }
        assert!(matches!(resolve_plain(".inf", Schema::V3), Value::Float(f) if f == f64::INFINITY));
        assert!(matches!(resolve_plain("-.Inf", Schema::V3), Value::Float(f) if f == f64::NEG_INFINITY));
        assert!(matches!(resolve_plain(".NaN", Schema::V3), Value::Float(f) if f.is_nan()));
    }

    // kubectl: values of a JSON 6902 patch.
    #[test]
    fn plain_scalars_v11() {
        let table: &[(&str, Value)] = &[
            ("012", Value::Int(10)),
            ("0x1F", Value::Int(31)),
            ("0b101", Value::Int(5)),
            ("0b+11", Value::Int(3)),
            ("0o17", Value::Int(15)),
            ("0o+17", s("0o+17")),
            ("1_000", Value::Int(1000)),
            ("1_0.5", Value::Float(10.5)),
            ("._5", s("._5")),
            (".5_0", Value::Float(0.5)),
            ("1e3", Value::Float(1000.0)),
            ("-0", Value::Int(0)),
            ("~", Value::Null),
            ("yes", Value::Bool(true)),
            ("on", Value::Bool(true)),
            ("y", Value::Bool(true)),
            ("Y", Value::Bool(true)),
            ("N", Value::Bool(false)),
            ("Off", Value::Bool(false)),
            ("no", Value::Bool(false)),
            ("nO", s("nO")),
            ("12:30", s("12:30")),
            ("190:20:30", s("190:20:30")),
            ("2001-12-14", s("2001-12-14")),
            ("2001-12-14T21:59:43.10-05:00", s("2001-12-14T21:59:43.10-05:00")),
            ("2001-12-14 1:2:3", s("2001-12-14 1:2:3")),
            ("18446744073709551615", Value::UInt(u64::MAX)),
            ("0777", Value::Int(511)),
            ("08", Value::Float(8.0)),
            ("+0x10", Value::Int(16)),
            ("-0b11", Value::Int(-3)),
            ("0B11", Value::Int(3)),
            ("0X1f", Value::Int(31)),
            ("0O17", Value::Int(15)),
            ("1__0", Value::Int(10)),
            ("_1", s("_1")),
            ("1_", Value::Int(1)),
        ];
        for (input, want) in table {
            assert_same(&resolve_plain(input, Schema::V11), want, input);
            assert_same(&val(input, Schema::V11).unwrap(), want, input);
        }
    }

    // kubectl: every line of this table (`data:` values of a resource).
    #[test]
    fn timestamps_v3() {
        let table: &[(&str, &str)] = &[
            ("2001-12-14t21:59:43.10-05:00", "2001-12-14T21:59:43.1-05:00"),
            ("2001-12-14 21:59:43.10", "2001-12-14T21:59:43.1Z"),
            ("2001-12-14 21:59:43.10 -5", "2001-12-14 21:59:43.10 -5"),
            ("2001-12-14T21:59:43Z", "2001-12-14T21:59:43Z"),
            ("2001-12-14T21:59:43+00:00", "2001-12-14T21:59:43Z"),
            ("2001-12-14T21:59:43-00:00", "2001-12-14T21:59:43Z"),
            ("2001-1-4T1:2:3Z", "2001-01-04T01:02:03Z"),
            ("2001-12-14T21:59:43.123456789123Z", "2001-12-14T21:59:43.123456789Z"),
            ("2001-12-14T21:59:43,5Z", "2001-12-14T21:59:43.5Z"),
            ("2001-02-29", "2001-02-29"),
            ("2000-02-29", "2000-02-29T00:00:00Z"),
            ("2001-13-01", "2001-13-01"),
            ("2001-12-14T24:00:00Z", "2001-12-14T24:00:00Z"),
            ("2001-12-14T23:60:00Z", "2001-12-14T23:60:00Z"),
            ("2001-12-14T23:59:60Z", "2001-12-14T23:59:60Z"),
            ("2001-12-14T23:59:59+0500", "2001-12-14T23:59:59+0500"),
            ("2001-12-14 21:59:43", "2001-12-14T21:59:43Z"),
            ("2001-12-14  21:59:43", "2001-12-14T21:59:43Z"),
            ("2001-12-14T21:59:43", "2001-12-14T21:59:43"),
            ("2001-12-14T21:59:43.000Z", "2001-12-14T21:59:43Z"),
            ("20011-12-14", "20011-12-14"),
            ("2001-012-14", "2001-012-14"),
            ("2001-12-14T21:59:43.Z", "2001-12-14T21:59:43.Z"),
            ("2001-12-14T21:59:43.1z", "2001-12-14T21:59:43.1z"),
            ("0001-01-01", "0001-01-01T00:00:00Z"),
            ("2001-12-14T21:59:43.100+05:30", "2001-12-14T21:59:43.1+05:30"),
            ("2001-00-14", "2001-00-14"),
            ("2001-12-00", "2001-12-00"),
            ("2001-12-14T21:59:43.5", "2001-12-14T21:59:43.5"),
            ("2001-12-14 21:59:43Z", "2001-12-14 21:59:43Z"),
            ("2001-12-14T21:59:43.5-05:00x", "2001-12-14T21:59:43.5-05:00x"),
            ("2001-12-14 1:2:3.000000001", "2001-12-14T01:02:03.000000001Z"),
            ("2001-12-14T21:59:43-05:30", "2001-12-14T21:59:43-05:30"),
            ("2001-12-14T07:59:43+14:00", "2001-12-14T07:59:43+14:00"),
        ];
        for (input, want) in table {
            assert_same(&val(input, Schema::V3).unwrap(), &s(want), input);
        }
        // Quoted: a plain string.
        assert_same(&val("\"2001-12-14\"", Schema::V3).unwrap(), &s("2001-12-14"), "quoted");
        // kubectl: Go parses these offsets but cannot marshal them; kustomize fails.
        for bad in ["2001-12-14T23:59:59+24:00", "2001-12-14T23:59:59+23:60"] {
            let e = val(bad, Schema::V3).unwrap_err();
            assert!(e.message.contains("timezone hour outside of range"), "{bad}: {e}");
        }
    }

    // kubectl: V3 through a resource, V11 through a JSON 6902 patch value.
    #[test]
    fn a_non_string_scalar_keeps_its_text_only_when_it_prints_otherwise() {
        let doc = one(
            "a: 0x1F\nb: 31\nc: 1.50\nd: True\ne: ~\nf: null\ng: 2001-12-14\nh: -0\ni: \"0x1F\"\nj: |\n  x\nk: 007\nl:\n",
            Schema::V3,
        );
        let written = |k: &str| doc.get(k).unwrap().written.as_ref().map(|w| w.text.to_string());
        let style = |k: &str| doc.get(k).unwrap().style;
        assert_eq!(written("a").as_deref(), Some("0x1F"));
        assert_eq!(written("b"), None);
        assert_eq!(written("c").as_deref(), Some("1.50"));
        assert_eq!(written("d").as_deref(), Some("True"));
        assert_eq!(written("e").as_deref(), Some("~"));
        assert_eq!(written("f"), None);
        assert_eq!(written("g").as_deref(), Some("2001-12-14"));
        assert_eq!(written("h").as_deref(), Some("-0"));
        assert_eq!(written("i"), None, "a string is its own text");
        assert_eq!(written("k").as_deref(), Some("007"));
        assert_eq!(written("l"), None, "an empty null is recorded by position");
        assert_eq!((style("a"), style("i"), style("j")), (Style::Plain, Style::Quoted, Style::Literal));
        assert_eq!(doc.get("g").unwrap().written_text().as_deref(), Some("2001-12-14"));
        assert_eq!(doc.get("f").unwrap().written_text().as_deref(), Some("null"));
    }

    #[test]
    fn a_timestamp_in_a_flow_collection_keeps_its_text_when_go_yaml_must_quote_it() {
        let doc = one("l: [2001-12-14t21:59:43.10-05:00, 2001-12-14]\nm: {a: 2001-12-14 21:59:43.10}\nb:\n- 2001-12-14t21:59:43.10-05:00\n", Schema::V3);
        let item = |k: &str, i: usize| doc.get(k).unwrap().as_seq().unwrap()[i].as_str().map(str::to_string);
        assert_eq!(item("l", 0).as_deref(), Some("2001-12-14t21:59:43.10-05:00"));
        assert_eq!(item("l", 1).as_deref(), Some("2001-12-14T00:00:00Z"), "no flow indicator: plain, re-spelt");
        assert_eq!(doc.get("m").unwrap().str_at(&["a"]), Some("2001-12-14 21:59:43.10"));
        assert_eq!(item("b", 0).as_deref(), Some("2001-12-14T21:59:43.1-05:00"), "block: re-spelt");
    }

    #[test]
    fn tags() {
        let v3: &[(&str, Value)] = &[
            ("!!str 123", s("123")),
            ("!!int \"12\"", Value::Int(12)),
            ("!!float 1", Value::Float(1.0)),
            ("!!float \"1.5\"", Value::Float(1.5)),
            ("!!float 0x10", Value::Float(16.0)),
            ("!!float 012", Value::Float(10.0)),
            ("!foo 123", s("123")),
            ("!foo true", s("true")),
            ("!foo ~", s("~")),
            ("!foo \"012\"", s("012")),
            ("!foo", s("")),
            ("!!binary aGVsbG8=", s("hello")),
            ("!!binary /w==", s("\u{FFFD}")),
            ("!!timestamp 2001-12-14", s("2001-12-14T00:00:00Z")),
            ("!!timestamp \"2001-12-14\"", s("2001-12-14T00:00:00Z")),
            ("!!str", s("")),
            ("!!str ~", s("~")),
            ("!!str 2001-12-14", s("2001-12-14")),
            ("! 123", Value::Int(123)),
            ("! \"123\"", s("123")),
            ("!<tag:yaml.org,2002:str> 123", s("123")),
            ("!!int 012", Value::Int(10)),
            ("!!int 0x10", Value::Int(16)),
            ("!!int 1_000", Value::Int(1000)),
            ("!!int 9223372036854775808", Value::UInt(9_223_372_036_854_775_808)),
            ("!!bool true", Value::Bool(true)),
            ("!!null ~", Value::Null),
            ("!!null \"\"", Value::Null),
        ];
        for (input, want) in v3 {
            assert_same(&val(input, Schema::V3).unwrap(), want, input);
        }
        let v3_errors: &[(&str, &str)] = &[
            ("!!null foo", "cannot decode !!str `foo` as a !!null"),
            ("!!int abc", "cannot decode !!str `abc` as a !!int"),
            ("!!bool yes", "cannot decode !!str `yes` as a !!bool"),
            ("!!binary \"!!\"", "!!binary value contains invalid base64 data"),
            ("!!timestamp foo", "cannot decode !!str `foo` as a !!timestamp"),
            ("!!float abc", "cannot decode !!str `abc` as a !!float"),
            ("!!int 1.5", "cannot decode !!float `1.5` as a !!int"),
            ("!!float 18446744073709551615", "cannot decode !!int `18446744073709551615` as a !!float"),
            ("!!int 18446744073709551616", "cannot decode !!float `18446744073709551616` as a !!int"),
            ("!!float 1e400", "cannot decode !!str `1e400` as a !!float"),
            ("!!float ._5", "cannot decode !!str `._5` as a !!float"),
            ("!!float .inf", "json: unsupported value: +Inf"),
        ];
        for (input, want) in v3_errors {
            assert_eq!(val(input, Schema::V3).unwrap_err().message, *want, "{input}");
        }
        // Tags on collections are ignored.
        let n = val("!!set {a, b}", Schema::V3).unwrap();
        assert_eq!(n, Value::Map(Map::from_iter([("a".into(), Node::string("")), ("b".into(), Node::string(""))])));
        let n = val("!!omap [a: 1]", Schema::V3).unwrap();
        assert_eq!(
            n,
            Value::Seq(vec![Node::new(Value::Map(Map::from_iter([("a".into(), Node::new(Value::Int(1)))])))])
        );

        let v11: &[(&str, Value)] = &[
            ("!foo 123", s("123")),
            ("!!str 12", s("12")),
            ("!!null \"\"", Value::Null),
            ("!!binary aGVsbG8=", s("hello")),
            ("!!float 1", Value::Float(1.0)),
            ("!!timestamp 2001-12-14", s("2001-12-14")),
            ("!!int \"12\"", Value::Int(12)),
            ("!!bool yes", Value::Bool(true)),
            ("!!int 0o17", Value::Int(15)),
        ];
        for (input, want) in v11 {
            assert_same(&val(input, Schema::V11).unwrap(), want, input);
        }
        assert_eq!(val("!!null foo", Schema::V11).unwrap_err().message, "cannot decode !!str `foo` as a !!null");
    }

    #[test]
    fn infinities_and_nan_are_errors() {
        // kubectl: "json: unsupported value: +Inf" for resources and kustomizations alike.
        for schema in [Schema::V3, Schema::V11] {
            assert_eq!(val(".inf", schema).unwrap_err().message, "json: unsupported value: +Inf");
            assert_eq!(val("-.Inf", schema).unwrap_err().message, "json: unsupported value: -Inf");
            assert_eq!(val(".nan", schema).unwrap_err().message, "json: unsupported value: NaN");
            assert_eq!(val("[1, +.INF]", schema).unwrap_err().pos, Pos::new(1, 8));
            assert_same(&val("\".inf\"", schema).unwrap(), &s(".inf"), "quoted");
        }
    }

    // kubectl: `1: a`, `true: a`, `null: a`, `1.5: a`, `2001-12-14: a` and `[a]: a` inside a
    // resource's `data:` all make kustomize fail.
    #[test]
    fn non_string_keys_v3() {
        for key in ["1", "true", "null", "~", "1.5", "0x10", "2001-12-14", "!!int \"1\"", ".inf"] {
            let e = err(&format!("data:\n  {key}: a\n"), Schema::V3);
            assert!(e.message.contains("is not a string"), "{key}: {e}");
            assert_eq!(e.pos, Pos::new(2, 3), "{key}");
        }
        for key in ["[a]", "{a: b}"] {
            let e = err(&format!("data:\n  {key}: a\n"), Schema::V3);
            assert!(e.message.starts_with("invalid map key"), "{key}: {e}");
        }
        let e = err("? - a\n: b\n", Schema::V3);
        assert!(e.message.starts_with("invalid map key"), "{e}");
        // Strings that only look like other things are fine.
        let n = one("\"1\": a\n'true': b\n!!str 2: c\n!foo 3: d\nyes: e\n", Schema::V3);
        assert_eq!(keys(&n), ["1", "true", "2", "3", "yes"]);
        // kubectl: an empty key is "" (kyaml's round trip prints it as ''), nested or not.
        assert_eq!(keys(&one("? \n: a\n", Schema::V3)), [""]);
        assert_eq!(keys(&one("spec:\n  ? \n  : n\n", Schema::V3).get("spec").unwrap().clone()), [""]);
        assert_eq!(keys(&one("{? : a}", Schema::V3)), [""]);
        // kubectl: keys of a document's top-level map are decoded into strings as written…
        let n = one(
            "0x10: z\ntrue: t\n2001-12-14: d\n1.50: f\n.inf: i\n!!int \"7\": s\nyes: y\n012: o\n1: a\n01: b\n",
            Schema::V3,
        );
        assert_eq!(keys(&n), ["0x10", "true", "2001-12-14", "1.50", ".inf", "7", "yes", "012", "1", "01"]);
        let n = one("a: &t 2001-12-14\n*t : v\n", Schema::V3);
        assert_eq!(keys(&n), ["a", "2001-12-14"]);
        // … except null ones (kubectl fails on `null: n` and `~: n`) and lists.
        for key in ["null", "~", "Null"] {
            assert!(err(&format!("{key}: a\n"), Schema::V3).message.contains("is not a string"), "{key}");
        }
        assert!(err("? [a]\n: l\n", Schema::V3).message.starts_with("invalid map key"));
        assert_eq!(err("1: a\n\"1\": b\n", Schema::V3).message, "mapping key \"1\" already defined at line 1");
        // kubectl: nested, `metadata: {1: b}` fails.
        assert!(err("metadata:\n  name: a\n  1: b\n", Schema::V3).message.contains("is not a string"));
    }

    // kubectl: commonLabels/commonAnnotations keys of a kustomization (sigs.k8s.io/yaml).
    #[test]
    fn non_string_keys_v11() {
        let n = one(
            "1: a\ntrue: b\n1.5: d\n0x10: e\n0.1: f\n1e6: g\n1234567.0: h\n3.14159265358979: i\n.inf: j\n-.inf: k\n.nan: l\n\
             100000.0: m\n1e-5: n\n2001-12-14: o\nno: p\n",
            Schema::V11,
        );
        assert_eq!(
            keys(&n),
            [
                "1",
                "true",
                "1.5",
                "16",
                "0.1",
                "1e+06",
                "1.234567e+06",
                "3.1415927",
                ".inf",
                "-.inf",
                ".nan",
                "100000",
                "1e-05",
                "2001-12-14",
                "false"
            ]
        );
        // kubectl: `true: b` then `yes: c` are the same key; the last wins.
        let n = one("true: b\nyes: c\n", Schema::V11);
        assert_eq!(n.get("true").unwrap().as_str(), Some("c"));
        for (key, want) in [("null", "unsupported map key of type: null"), ("~", "unsupported map key of type: null")] {
            let e = parse_one(&format!("{key}: a\n"), Schema::V11).unwrap_err();
            assert!(e.message.starts_with(want), "{key}: {e}");
        }
        let e = parse_one("18446744073709551615: a\n", Schema::V11).unwrap_err();
        assert!(e.message.starts_with("unsupported map key of type: uint64"), "{e}");
        let e = parse_one("[a]: a\n", Schema::V11).unwrap_err();
        assert!(e.message.starts_with("invalid map key"), "{e}");
    }

    // Go's FormatFloat(f, 'g', -1, 32); the kubectl-checked keys are in non_string_keys_v11.
    #[test]
    fn float_keys_like_go() {
        let table: &[(f64, &str)] = &[
            (0.0, "0"),
            (1.0, "1"),
            (-2.5, "-2.5"),
            (100000.0, "100000"),
            (1e6, "1e+06"),
            (1e21, "1e+21"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (0.1, "0.1"),
            (123456.7, "123456.7"),
            (1e39, ".inf"),
            (1.23456789012345, "1.2345679"),
            (-1e-10, "-1e-10"),
            (1e100, ".inf"),
            (1.5e-45, "1e-45"),
        ];
        for (f, want) in table {
            assert_eq!(go_format_float32_g(*f), *want, "{f}");
        }
    }

    // kubectl: core/tests/fixtures/yaml-folded-scalars and the experiments in the report.
    #[test]
    fn folded_scalars_read_as_kustomize_prints_them_after_go_yaml_wrote_them_back() {
        for (text, want) in [
            // A line before a more-indented or tab-led line gains a line break.
            ("x: >\n  a\n    more\n  b\n", "a\n\n  more\nb\n"),
            ("x: >-\n  a\n\n    more\n\n  b\n", "a\n\n\n  more\n\nb"),
            ("x: >-\n  a\n  \tb\n  c\n", "a\n\n\tb\nc"),
            // So does a kept end.
            ("x: >+\n  a\n  b\n\n\n", "a b\n\n\n\n"),
            ("x: >+\n  a\n\n", "a\n\n\n"),
            // A first line that starts with a blank: two ordinary lines lose a line break.
            ("x: >2\n   x\n  a\n\n  b\n", " x\na b\n"),
            // Unchanged: ordinary folding, clip, quoted on output (trailing space), literal.
            ("x: >\n  a\n  b\n\n  c\n", "a b\nc\n"),
            ("x: >+\n  a\n", "a\n"),
            ("x: >\n  a \n    b\n", "a \n  b\n"),
            ("x: |\n  a\n    more\n\n\n", "a\n  more\n"),
            ("x: |+\n  a\n\n", "a\n\n"),
        ] {
            x_both_ways(text, want);
        }
        // kustomization files and JSON 6902 values are read by go-yaml v2 and never written back.
        let n = one("x: >\n  a\n    more\n  b\n", Schema::V11);
        assert_eq!(n.str_at(&["x"]), Some("a\n  more\nb\n"));
    }

    // kubectl: core/tests/fixtures/err-yaml-block-scalar-tab-first.
    #[test]
    fn a_block_scalar_starting_with_a_tab_is_an_error_because_kustomize_cannot_print_it() {
        for text in ["x: |2\n  \tname\n", "x: >2-\n  \tname\n  b\n"] {
            for fast in [true, false] {
                let got = parse_stream_with(text, Schema::V3, &ReadLimits { fast_path: fast, ..ReadLimits::default() });
                let e = got.expect_err(text);
                assert!(e.message.contains("starts with a tab"), "{text:?}: {e}");
                assert_eq!(e.pos, Pos::new(1, 4), "{text:?}");
            }
        }
        // A leading line break gives go-yaml's writer an indentation indicator: no error.
        x_both_ways("x: |2\n\n  \tname\n", "\n\tname\n");
        // Quoted on output (a trailing space): no error either.
        x_both_ways("x: |2\n  \tname \n", "\tname \n");
    }

    // kubectl: each text as a ConfigMap value (double-quoted) under a JSON patch adding another.
    #[test]
    fn a_multi_line_text_that_starts_with_a_tab_cannot_be_marshalled_and_read_back() {
        assert!(unreadable_when_written_v3("\tx\ny"));
        // One line: double-quoted. A space before a break or a BOM: no block scalar. Tab later: fine.
        for ok in ["\tx", "\tx \ny", "\tx\u{feff}\ny", "x\n\ty", ""] {
            assert!(!unreadable_when_written_v3(ok), "{ok:?}");
        }
    }

    #[test]
    fn plain_non_string_v3_names_what_go_yaml_v3_would_read_instead_of_a_string() {
        for (text, want) in [
            ("true", Some("a boolean")),
            ("TRUE", Some("a boolean")),
            ("123", Some("an integer")),
            ("0o17", Some("an integer")),
            ("1_000", Some("an integer")),
            ("1.5", Some("a number")),
            (".inf", Some("a number")),
            ("~", Some("null")),
            ("Null", Some("null")),
            ("2001-12-14", Some("a timestamp")),
            ("yes", None),
            ("0o8", None),
            ("tRUE", None),
            ("<<", None),
            ("app.kubernetes.io/name", None),
        ] {
            assert_eq!(plain_non_string_v3(text), want, "{text:?}");
        }
    }
}
