//! The emitter: prints the document model exactly as `kubectl kustomize` (kustomize v5.5.0) does.
//!
//! kustomize prints a resource by turning it into JSON, decoding that JSON with go-yaml v2 into
//! generic maps and printing those with go-yaml v2's encoder, a port of libyaml's emitter with
//! `best_indent = 2`, `best_width = 80` and unicode output. This module reproduces that path:
//!
//! * the JSON round trip: numbers come back as the narrowest of int, uint64 and float
//!   ([`format_float`]), and a raw U+0085 (the one line break `encoding/json` leaves unescaped)
//!   is folded by go-yaml's double-quoted scalar reader;
//! * go-yaml v2's encoder: map keys in its "natural" order ([`natural_less`]); strings that would
//!   read back as something else (YAML 1.1 booleans, nulls, numbers, timestamps, base 60) are
//!   double quoted; strings holding a newline ask for the literal block style;
//! * libyaml's emitter: the scalar analysis that downgrades plain to single-quoted to
//!   double-quoted, block and flow indicators, simple and complex (`? `) keys, indentless
//!   sequences under map keys, folding of long flow scalars at column 80, block scalar hints and
//!   double-quoted escapes (including go-yaml's quirk of escaping every character of a string
//!   that starts with a byte order mark).
//!
//! Layout: this file holds the entry points and the `Emitter`; `order.rs` the key order,
//! `float.rs` the float spelling, `scalar.rs` the scalar analysis.

use super::node::{Map, Node, Value};
use std::borrow::Cow;
use std::fmt::Write as _;

mod float;
mod order;
mod scalar;

pub use float::format_float;
use float::write_float;
pub use order::natural_less;
use order::sort_keys;
use scalar::{analyze, is_break, is_printable, plain_keeps_meaning, Analysis, EmitStyle};
pub use scalar::{json_roundtrip, marshalled_plain};

/// libyaml's `best_indent`.
const BEST_INDENT: isize = 2;
/// libyaml's `best_width`: a flow scalar breaks at a space once the column exceeds this.
const BEST_WIDTH: usize = 80;
/// The longest key (in bytes) libyaml writes as a simple `key: value` key.
const MAX_SIMPLE_KEY_LEN: usize = 128;

/// Indentation, copied a slice at a time.
const SPACES: &str = "                                                                ";

/// Prints several documents as one stream, the way `kustomize build` joins resources: documents
/// are separated by `---` lines, with none before the first and no `...` at the end. Every
/// document ends with a newline; an empty slice gives an empty string.
pub fn emit_stream(docs: &[&Node]) -> String {
    let mut out = String::new();
    for (i, doc) in docs.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        emit_document(&mut out, doc);
    }
    out
}

/// Appends one document to `out`, exactly as go-yaml v2 marshals the JSON form of `doc`. The
/// text always ends with a newline.
pub fn emit_document(out: &mut String, doc: &Node) {
    emit(out, doc, None);
}

/// One step of the path to a field: a map key or a list index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seg<'n> {
    /// A map key.
    Key(&'n str),
    /// A list index.
    Index(usize),
}

/// Told where each field starts in the output (for `kcompile explain`).
pub trait Marks {
    /// The map entry or list item at `path` starts at byte `offset` of the output: its key, or
    /// the `-` of the item.
    fn field(&mut self, path: &[Seg<'_>], offset: usize);
}

/// [`emit_document`], telling `marks` where each map entry and list item starts. The text is the
/// same as [`emit_document`]'s.
pub fn emit_document_marked(out: &mut String, doc: &Node, marks: &mut dyn Marks) {
    emit(out, doc, Some(marks));
}

fn emit<'o>(out: &'o mut String, doc: &Node, marks: Option<&'o mut dyn Marks>) {
    let mut e = Emitter {
        out,
        column: 0,
        indent: -1,
        whitespace: true,
        indention: true,
        keys: Vec::new(),
        values: Vec::new(),
        order: Vec::new(),
        sort_buf: Vec::new(),
        marks,
        path: Vec::new(),
    };
    e.node(doc, false);
    // The implicit document end.
    e.indent = -1;
    e.write_indent();
}

/// libyaml's emitter state, for block context (the only flow collections go-yaml v2 writes
/// are the empty `{}` and `[]`).
struct Emitter<'o, 'n> {
    out: &'o mut String,
    /// Told where fields start (explain only); `path` is then the path to the current node.
    marks: Option<&'o mut dyn Marks>,
    path: Vec<Seg<'n>>,
    /// Characters (not bytes) written on the current line.
    column: usize,
    indent: isize,
    whitespace: bool,
    indention: bool,
    /// Keys and values of the maps being printed (each map's entries above its parents'), and
    /// their sort order: scratch space reused across maps instead of allocated per map.
    keys: Vec<Cow<'n, str>>,
    values: Vec<&'n Node>,
    order: Vec<usize>,
    sort_buf: Vec<usize>,
}

impl<'n> Emitter<'_, 'n> {
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    /// libyaml's `write_break`: a newline, or another line break character copied as is.
    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        if self.column < indent {
            let mut n = indent - self.column;
            while n > 0 {
                let k = n.min(SPACES.len());
                self.out.push_str(&SPACES[..k]);
                n -= k;
            }
            self.column = indent;
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(&mut self, indicator: &str, need_whitespace: bool, is_whitespace: bool, is_indention: bool) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        self.out.push_str(indicator);
        self.column += indicator.chars().count();
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    /// libyaml's `yaml_emitter_emit_node` for the value of a map entry (`mapping`), an item of
    /// a sequence or the root, never a key.
    fn node(&mut self, n: &'n Node, mapping: bool) {
        match &n.value {
            Value::Null => self.plain_word("null"),
            Value::Bool(b) => self.plain_word(if *b { "true" } else { "false" }),
            Value::Int(i) => {
                self.start_plain();
                let start = self.out.len();
                let _ = write!(self.out, "{i}");
                self.end_plain(start);
            }
            Value::UInt(u) => {
                self.start_plain();
                let start = self.out.len();
                let _ = write!(self.out, "{u}");
                self.end_plain(start);
            }
            Value::Float(f) => {
                self.start_plain();
                let start = self.out.len();
                write_float(self.out, *f);
                self.end_plain(start);
            }
            Value::Str(s) => {
                let a = analyze(s);
                if a.ascii {
                    self.string(s, &a, false);
                } else {
                    let s = json_roundtrip(s);
                    let a = analyze(&s);
                    self.string(&s, &a, false);
                }
            }
            Value::Seq(items) if items.is_empty() => self.empty_flow("[", "]"),
            Value::Map(m) if m.is_empty() => self.empty_flow("{", "}"),
            Value::Seq(items) => self.block_sequence(items, mapping),
            Value::Map(m) => self.block_mapping(m),
        }
    }

    fn start_plain(&mut self) {
        if !self.whitespace {
            self.put(' ');
        }
    }

    /// Finishes an ASCII plain scalar written directly to `out` from byte `start`.
    fn end_plain(&mut self, start: usize) {
        self.column += self.out.len() - start;
        self.whitespace = false;
        self.indention = false;
    }

    fn plain_word(&mut self, w: &str) {
        self.start_plain();
        let start = self.out.len();
        self.out.push_str(w);
        self.end_plain(start);
    }

    fn empty_flow(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.write_indicator(close, false, false, false);
    }

    fn block_sequence(&mut self, items: &'n [Node], mapping: bool) {
        let saved = self.indent;
        let indentless = mapping && !self.indention;
        self.increase_indent(false, indentless);
        for (i, item) in items.iter().enumerate() {
            self.write_indent();
            if let Some(m) = self.marks.as_deref_mut() {
                self.path.push(Seg::Index(i));
                m.field(&self.path, self.out.len());
            }
            self.write_indicator("-", true, false, true);
            self.node(item, false);
            if self.marks.is_some() {
                self.path.pop();
            }
        }
        self.indent = saved;
    }

    fn block_mapping(&mut self, m: &'n Map) {
        let saved = self.indent;
        self.increase_indent(false, false);
        let base = self.keys.len();
        let obase = self.order.len();
        self.keys.extend(m.keys().map(|k| if k.is_ascii() { Cow::Borrowed(k.as_str()) } else { json_roundtrip(k) }));
        self.values.extend(m.values());
        self.order.extend(base..base + m.len());
        let Emitter { keys, order, sort_buf, .. } = self;
        if let Some(order) = order.get_mut(obase..) {
            sort_keys(keys, order, sort_buf);
        }
        for j in obase..obase + m.len() {
            let Some(&i) = self.order.get(j) else { break };
            let (Some(key), Some(&value)) = (self.keys.get(i).cloned(), self.values.get(i)) else { break };
            self.write_indent();
            if let Some(mk) = self.marks.as_deref_mut() {
                let k = m.get_index(i - base).map_or("", |(k, _)| k.as_str());
                self.path.push(Seg::Key(k));
                mk.field(&self.path, self.out.len());
            }
            let a = analyze(&key);
            if !a.multiline && key.len() <= MAX_SIMPLE_KEY_LEN {
                self.string(&key, &a, true);
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, true);
                self.string(&key, &a, false);
                self.write_indent();
                self.write_indicator(":", true, false, true);
            }
            self.node(value, true);
            if self.marks.is_some() {
                self.path.pop();
            }
        }
        self.keys.truncate(base);
        self.values.truncate(base);
        self.order.truncate(obase);
        self.indent = saved;
    }

    /// A string scalar: go-yaml v2's style request, then libyaml's `select_scalar_style`.
    fn string(&mut self, s: &str, a: &Analysis, simple_key: bool) {
        let mut style = if a.newline {
            EmitStyle::Literal
        } else if plain_keeps_meaning(s) {
            EmitStyle::Plain
        } else {
            EmitStyle::Double
        };
        if simple_key && a.multiline {
            style = EmitStyle::Double;
        }
        if style == EmitStyle::Plain && (!a.block_plain_allowed || (s.is_empty() && simple_key)) {
            style = EmitStyle::Single;
        }
        if style == EmitStyle::Single && !a.single_quoted_allowed {
            style = EmitStyle::Double;
        }
        if style == EmitStyle::Literal && (!a.block_allowed || simple_key) {
            style = EmitStyle::Double;
        }
        let saved = self.indent;
        self.increase_indent(true, false);
        let allow_breaks = !simple_key;
        match style {
            EmitStyle::Plain => self.write_plain(s, allow_breaks, a.ascii),
            EmitStyle::Single => self.write_single_quoted(s, allow_breaks),
            EmitStyle::Double => self.write_double_quoted(s, allow_breaks),
            EmitStyle::Literal => self.write_literal(s),
        }
        self.indent = saved;
    }

    fn write_plain(&mut self, s: &str, allow_breaks: bool, ascii: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        if !allow_breaks || self.column + s.len() <= BEST_WIDTH {
            // No break can happen: copy it whole.
            self.out.push_str(s);
            self.column += if ascii { s.len() } else { s.chars().count() };
        } else {
            let bytes = s.as_bytes();
            let mut spaces = false;
            let mut breaks = false;
            let mut i = 0;
            loop {
                let c = match bytes.get(i) {
                    None => break,
                    Some(&b) if b < 0x80 => char::from(b),
                    Some(_) => match s.get(i..).and_then(|t| t.chars().next()) {
                        Some(c) => c,
                        None => break,
                    },
                };
                if c == ' ' {
                    if !spaces && self.column > BEST_WIDTH && bytes.get(i + 1) != Some(&b' ') {
                        self.write_indent();
                    } else {
                        self.put(' ');
                    }
                    spaces = true;
                    i += 1;
                } else if is_break(c) {
                    if !breaks && c == '\n' {
                        self.put_break();
                    }
                    self.write_break(c);
                    self.indention = true;
                    breaks = true;
                    i += c.len_utf8();
                } else {
                    if breaks {
                        self.write_indent();
                    }
                    // The whole run of characters up to the next space or break at once.
                    let end = if ascii {
                        bytes[i..].iter().position(|&b| matches!(b, b' ' | b'\n' | b'\r')).map_or(s.len(), |j| i + j)
                    } else {
                        s[i..].char_indices().find(|&(_, d)| d == ' ' || is_break(d)).map_or(s.len(), |(j, _)| i + j)
                    };
                    let run = &s[i..end];
                    self.out.push_str(run);
                    self.column += if ascii { run.len() } else { run.chars().count() };
                    self.indention = false;
                    spaces = false;
                    breaks = false;
                    i = end;
                }
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single_quoted(&mut self, s: &str, allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let bytes = s.as_bytes();
        let mut spaces = false;
        let mut breaks = false;
        for (i, c) in s.char_indices() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i + 1 < bytes.len()
                    && bytes[i + 1] != b' '
                {
                    self.write_indent();
                } else {
                    self.put(' ');
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double_quoted(&mut self, s: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        // go-yaml's `is_bom` looks at the start of the string, not at the current character:
        // a string that starts with U+FEFF has every character escaped.
        let bom = s.starts_with('\u{FEFF}');
        let bytes = s.as_bytes();
        let mut spaces = false;
        for (i, c) in s.char_indices() {
            if bom || !is_printable(c) || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                match c {
                    '\0' => self.put('0'),
                    '\u{7}' => self.put('a'),
                    '\u{8}' => self.put('b'),
                    '\t' => self.put('t'),
                    '\n' => self.put('n'),
                    '\u{b}' => self.put('v'),
                    '\u{c}' => self.put('f'),
                    '\r' => self.put('r'),
                    '\u{1b}' => self.put('e'),
                    '"' => self.put('"'),
                    '\\' => self.put('\\'),
                    '\u{85}' => self.put('N'),
                    '\u{a0}' => self.put('_'),
                    '\u{2028}' => self.put('L'),
                    '\u{2029}' => self.put('P'),
                    _ => {
                        let v = c as u32;
                        let (letter, width) = if v <= 0xFF {
                            ('x', 2)
                        } else if v <= 0xFFFF {
                            ('u', 4)
                        } else {
                            ('U', 8)
                        };
                        self.put(letter);
                        for k in (0..width).rev() {
                            let digit = (v >> (4 * k)) & 0xF;
                            self.put(char::from(b"0123456789ABCDEF"[digit as usize]));
                        }
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && i > 0 && i + 1 < bytes.len() {
                    self.write_indent();
                    if bytes[i + 1] == b' ' {
                        self.put('\\');
                    }
                } else {
                    self.put(' ');
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_literal(&mut self, s: &str) {
        self.write_indicator("|", true, false, false);
        let first = s.chars().next();
        if first == Some(' ') || first.is_some_and(is_break) {
            self.write_indicator("2", false, false, false);
        }
        let mut rev = s.chars().rev();
        let chomp = match rev.next() {
            Some(last) if is_break(last) => match rev.next() {
                None => Some("+"),
                Some(prev) if is_break(prev) => Some("+"),
                Some(_) => None,
            },
            _ => Some("-"),
        };
        if let Some(chomp) = chomp {
            self.write_indicator(chomp, false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for c in s.chars() {
            if is_break(c) {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! Every expected text here was printed by `kubectl kustomize` (kustomize v5.5.0) for the
    //! same data: the value under a top-level key `aa` (which sorts before `apiVersion`, so it is
    //! the first thing printed), or whole documents for the stream tests.

    use super::*;

    pub(super) fn s(x: &str) -> Node {
        Node::string(x)
    }
    pub(super) fn i(x: i64) -> Node {
        Node::new(Value::Int(x))
    }
    pub(super) fn u(x: u64) -> Node {
        Node::new(Value::UInt(x))
    }
    pub(super) fn f(x: f64) -> Node {
        Node::new(Value::Float(x))
    }
    pub(super) fn b(x: bool) -> Node {
        Node::new(Value::Bool(x))
    }
    pub(super) fn null() -> Node {
        Node::null()
    }
    pub(super) fn l(items: Vec<Node>) -> Node {
        Node::seq(items)
    }
    pub(super) fn m(entries: Vec<(&str, Node)>) -> Node {
        let mut map = Map::default();
        for (k, v) in entries {
            map.insert(k.to_string(), v);
        }
        Node::new(Value::Map(map))
    }

    /// Emits `{aa: value}` for each case and compares with what kubectl printed.
    pub(super) fn check(cases: &[(Node, &str)]) {
        for (value, expected) in cases {
            let doc = m(vec![("aa", value.clone())]);
            let got = emit_stream(&[&doc]);
            assert_eq!(got, *expected, "value: {:?}", value.value);
        }
    }

    #[test]
    fn stream() {
        assert_eq!(emit_stream(&[]), "");
        let a = m(vec![
            ("apiVersion", s("v1")),
            ("kind", s("X")),
            ("metadata", m(vec![("name", s("a"))])),
            ("spec", m(vec![("z", s("a\n\n"))])),
        ]);
        let b = m(vec![
            ("apiVersion", s("v1")),
            ("kind", s("X")),
            ("metadata", m(vec![("name", s("b"))])),
            ("spec", s("b\nc")),
        ]);
        let c = m(vec![
            ("apiVersion", s("v1")),
            ("kind", s("X")),
            ("metadata", m(vec![("name", s("c"))])),
            ("data", m(vec![("k", s("v"))])),
        ]);
        let expected = r#"apiVersion: v1
kind: X
metadata:
  name: a
spec:
  z: |+
    a

---
apiVersion: v1
kind: X
metadata:
  name: b
spec: |-
  b
  c
---
apiVersion: v1
data:
  k: v
kind: X
metadata:
  name: c
"#;
        assert_eq!(emit_stream(&[&a, &b, &c]), expected);
        let mut out = String::from("x");
        emit_document(&mut out, &c);
        assert_eq!(out, format!("x{}", &expected[expected.rfind("---\n").unwrap_or(0) + 4..]));
    }

    #[test]
    fn fixture_scalars() {
        // Every string case of tests/fixtures/yaml-scalars (d1..k9), as decoded.
        check(&[
            (s("y"), "aa: \"y\"\n"),
            (s("n"), "aa: \"n\"\n"),
            (s("1_000"), "aa: \"1_000\"\n"),
            (s("0b1"), "aa: \"0b1\"\n"),
            (s("+.inf"), "aa: \"+.inf\"\n"),
            (s("2001-12-14"), "aa: \"2001-12-14\"\n"),
            (s("a: b"), "aa: 'a: b'\n"),
            (s("a #b"), "aa: 'a #b'\n"),
            (s("-a"), "aa: -a\n"),
            (s("- a"), "aa: '- a'\n"),
            (s(" lead"), "aa: ' lead'\n"),
            (s("trail "), "aa: 'trail '\n"),
            (s("tab\there"), "aa: \"tab\\there\"\n"),
            (s("x\u{1}"), "aa: \"x\\x01\"\n"),
            (s("\u{1f389}"), "aa: \"\\U0001F389\"\n"),
            (s("é"), "aa: é\n"),
            (
                s("line1\nline2\n"),
                r#"aa: |
  line1
  line2
"#,
            ),
            (
                s("line1\nline2"),
                r#"aa: |-
  line1
  line2
"#,
            ),
            (
                s("line1\nline2\n\n"),
                r#"aa: |+
  line1
  line2

"#,
            ),
            (
                s(" line1\nline2\n"),
                r#"aa: |2
   line1
  line2
"#,
            ),
            (s("line1 \nline2\n"), "aa: \"line1 \\nline2\\n\"\n"),
            (s("@x"), "aa: '@x'\n"),
            (s("`x"), "aa: '`x'\n"),
            (s("%x"), "aa: '%x'\n"),
            (s("a,b"), "aa: a,b\n"),
            (s("[x"), "aa: '[x'\n"),
            (s("x]"), "aa: x]\n"),
            (s("{x"), "aa: '{x'\n"),
            (s("?x"), "aa: ?x\n"),
            (s("? x"), "aa: '? x'\n"),
            (s("x:"), "aa: 'x:'\n"),
            (s("x: "), "aa: 'x: '\n"),
            (s(":x"), "aa: :x\n"),
            (s("="), "aa: =\n"),
            (s("<<"), "aa: <<\n"),
            (s("!x"), "aa: '!x'\n"),
            (s("*x"), "aa: '*x'\n"),
            (s("&x"), "aa: '&x'\n"),
            (s("|x"), "aa: '|x'\n"),
            (s(">x"), "aa: '>x'\n"),
            (s("'x"), "aa: '''x'\n"),
            (s("\"x"), "aa: '\"x'\n"),
            (s("x'y"), "aa: x'y\n"),
            (s("x\"y"), "aa: x\"y\n"),
            (s("#x"), "aa: '#x'\n"),
            (s("x#y"), "aa: x#y\n"),
            (s("1.2.3"), "aa: 1.2.3\n"),
            (s("0.1"), "aa: \"0.1\"\n"),
            (s(".1"), "aa: \".1\"\n"),
            (s("1e3"), "aa: \"1e3\"\n"),
            (s("0x1G"), "aa: 0x1G\n"),
            (s("190:20:30"), "aa: \"190:20:30\"\n"),
            (s("1_2:3"), "aa: \"1_2:3\"\n"),
            (s("0o8"), "aa: 0o8\n"),
            (s(""), "aa: \"\"\n"),
            (s("Null"), "aa: \"Null\"\n"),
            (s("NULL"), "aa: \"NULL\"\n"),
            (s("nULL"), "aa: nULL\n"),
            (s("TRUE"), "aa: \"TRUE\"\n"),
            (s("tRUE"), "aa: tRUE\n"),
            (s("Y"), "aa: \"Y\"\n"),
            (s("OFF"), "aa: \"OFF\"\n"),
            (s("- "), "aa: '- '\n"),
            (s("-"), "aa: '-'\n"),
            (s("--- x"), "aa: '--- x'\n"),
            (s("---"), "aa: '---'\n"),
            (s("..."), "aa: '...'\n"),
            (s("a\rb"), "aa: \"a\\rb\"\n"),
            (s("a\u{85}b"), "aa: a b\n"),
            (s("a\u{a0}b"), "aa: a\u{a0}b\n"),
            (s("\u{feff}a"), "aa: \"\\uFEFF\\x61\"\n"),
            (s("x\u{2028}y"), "aa: 'x\u{2028}  y'\n"),
        ]);
    }

    #[test]
    fn folding() {
        // Flow scalars break at a space once past column 80; continuation lines take the indentation.
        check(&[
            (s("w00000000 w00000001 w00000002 w00000003 w00000004 w00000005 w00000006 w00000007 w00000008 w00000009 w00000010 w00000011 w00000012 w00000013 w00000014 w00000015 w00000016 w00000017 w00000018 w00000019"), r#"aa: w00000000 w00000001 w00000002 w00000003 w00000004 w00000005 w00000006 w00000007
  w00000008 w00000009 w00000010 w00000011 w00000012 w00000013 w00000014 w00000015
  w00000016 w00000017 w00000018 w00000019
"#),
            (m(vec![("b", s("w00000000 w00000001 w00000002 w00000003 w00000004 w00000005 w00000006 w00000007 w00000008 w00000009 w00000010 w00000011 w00000012 w00000013 w00000014 w00000015 w00000016 w00000017 w00000018 w00000019"))]), r#"aa:
  b: w00000000 w00000001 w00000002 w00000003 w00000004 w00000005 w00000006 w00000007
    w00000008 w00000009 w00000010 w00000011 w00000012 w00000013 w00000014 w00000015
    w00000016 w00000017 w00000018 w00000019
"#),
            (l(vec![s("w00000000 w00000001 w00000002 w00000003 w00000004 w00000005 w00000006 w00000007 w00000008 w00000009 w00000010 w00000011 w00000012 w00000013 w00000014 w00000015 w00000016 w00000017 w00000018 w00000019")]), r#"aa:
- w00000000 w00000001 w00000002 w00000003 w00000004 w00000005 w00000006 w00000007
  w00000008 w00000009 w00000010 w00000011 w00000012 w00000013 w00000014 w00000015
  w00000016 w00000017 w00000018 w00000019
"#),
            (l(vec![m(vec![("k", s("w00000000 w00000001 w00000002 w00000003 w00000004 w00000005 w00000006 w00000007 w00000008 w00000009 w00000010 w00000011 w00000012 w00000013 w00000014 w00000015 w00000016 w00000017 w00000018 w00000019")), ("l", l(vec![s("w00000000 w00000001 w00000002 w00000003 w00000004 w00000005 w00000006 w00000007 w00000008 w00000009 w00000010 w00000011 w00000012 w00000013 w00000014 w00000015 w00000016 w00000017 w00000018 w00000019")]))])]), r#"aa:
- k: w00000000 w00000001 w00000002 w00000003 w00000004 w00000005 w00000006 w00000007
    w00000008 w00000009 w00000010 w00000011 w00000012 w00000013 w00000014 w00000015
    w00000016 w00000017 w00000018 w00000019
  l:
  - w00000000 w00000001 w00000002 w00000003 w00000004 w00000005 w00000006 w00000007
    w00000008 w00000009 w00000010 w00000011 w00000012 w00000013 w00000014 w00000015
    w00000016 w00000017 w00000018 w00000019
"#),
            (m(vec![("n", m(vec![("o", m(vec![("p", s("w00000000 w00000001 w00000002 w00000003 w00000004 w00000005 w00000006 w00000007 w00000008 w00000009 w00000010 w00000011 w00000012 w00000013 w00000014 w00000015 w00000016 w00000017 w00000018 w00000019"))]))]))]), r#"aa:
  "n":
    o:
      p: w00000000 w00000001 w00000002 w00000003 w00000004 w00000005 w00000006 w00000007
        w00000008 w00000009 w00000010 w00000011 w00000012 w00000013 w00000014 w00000015
        w00000016 w00000017 w00000018 w00000019
"#),
            (s("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx y"), r#"aa: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
  y
"#),
            (s("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), "aa: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"),
            (s("ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab "), r#"aa: 'ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab
  ab ab ab ab ab ab ab ab ab ab ab ab ab ab '
"#),
            (s("a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b "), r#"aa: 'a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b
  a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b '
"#),
            (s("w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w z"), r#"aa: w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w
  w z
"#),
            (s(" lead word word word word word word word word word word word word word word word word word word word word "), r#"aa: ' lead word word word word word word word word word word word word word word word
  word word word word word '
"#),
            (s("it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's "), r#"aa: 'it''s it''s it''s it''s it''s it''s it''s it''s it''s it''s it''s it''s it''s
  it''s it''s it''s it''s it''s it''s it''s it''s it''s it''s it''s it''s it''s it''s
  it''s it''s it''s '
"#),
            (s("x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty "), r#"aa: "x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty
  x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty x\ty "
"#),
            (s("a\tbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb  c  d"), r#"aa: "a\tbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
  \ c  d"
"#),
            (s("\u{1}yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy z z z z z z z z z z "), r#"aa: "\x01yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy z
  z z z z z z z z z "
"#),
            (s("éééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé b c"), r#"aa: éééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé
  b c
"#),
            (s("中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中 x"), r#"aa: 中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中中
  x
"#),
            (s("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa "), "aa: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa '\n"),
            (s("\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa b"), r#"aa: '"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
  b'
"#),
            // Runs of two spaces never break; non-ASCII words count one column per character.
            (s("ww  w00000001 w00000002 w00000003 w00000004 w00000005 w00000006 w00000007 w0000000é  w00000009 w00000010  w00000011 w00000012 w00000013 w00000014 w00000015 w00000016"), "aa: ww  w00000001 w00000002 w00000003 w00000004 w00000005 w00000006 w00000007 w0000000é  w00000009\n  w00000010  w00000011 w00000012 w00000013 w00000014 w00000015 w00000016\n"),
            (s("word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  end"), "aa: word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  end\n"),
            (s("\u{feff}a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a "), "aa: \"\\uFEFF\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\\x61\\x20\"\n"),
        ]);
    }

    #[test]
    fn block_scalars() {
        // Strings with a newline use the literal style when libyaml allows it.
        check(&[
            (s("a\nb"), r#"aa: |-
  a
  b
"#),
            (s("a\nb\n"), r#"aa: |
  a
  b
"#),
            (s("a\nb\n\n"), r#"aa: |+
  a
  b

"#),
            (s("a\n\n\n"), r#"aa: |+
  a


"#),
            (s("\n"), r#"aa: |2+

"#),
            (s("\n\n"), r#"aa: |2+


"#),
            (s(" a\nb"), r#"aa: |2-
   a
  b
"#),
            (s("\na"), r#"aa: |2-

  a
"#),
            (s("\n a"), r#"aa: |2-

   a
"#),
            (s(" \n"), "aa: \" \\n\"\n"),
            (s("a \nb"), "aa: \"a \\nb\"\n"),
            (s("a\n b"), r#"aa: |-
  a
   b
"#),
            (s("a\n\tb"), "aa: \"a\\n\\tb\"\n"),
            (s("a\rb\n"), "aa: \"a\\rb\\n\"\n"),
            (s("# x\n"), r#"aa: |
  # x
"#),
            (s("- a\nb"), r#"aa: |-
  - a
  b
"#),
            (s("  \n  x\n"), "aa: \"  \\n  x\\n\"\n"),
            (s("a\u{2028}b\n"), "aa: |\n  a\u{2028}  b\n"),
            (s("a\n\u{2028}"), "aa: |+\n  a\n\u{2028}"),
            (s("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx yyyyyyyyyy\n"), r#"aa: |
  xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx yyyyyyyyyy
"#),
            (l(vec![s("a\nb"), s("c\n")]), r#"aa:
- |-
  a
  b
- |
  c
"#),
            (l(vec![l(vec![s("a\nb\n\n")])]), r#"aa:
- - |+
    a
    b

"#),
            (m(vec![("k", s("a\nb"))]), r#"aa:
  k: |-
    a
    b
"#),
            (l(vec![m(vec![("k", s(" a\n")), ("l", s("x"))])]), r#"aa:
- k: |2
     a
  l: x
"#),
            (m(vec![("z", s("a\n\n"))]), r#"aa:
  z: |+
    a

"#),
        ]);
    }

    #[test]
    fn structure() {
        // Nesting, indentless sequences, empty containers, complex keys.
        check(&[
            (m(vec![]), "aa: {}\n"),
            (l(vec![]), "aa: []\n"),
            (l(vec![l(vec![])]), r#"aa:
- []
"#),
            (l(vec![m(vec![])]), r#"aa:
- {}
"#),
            (m(vec![("e", m(vec![])), ("f", l(vec![]))]), r#"aa:
  e: {}
  f: []
"#),
            (l(vec![s("a"), l(vec![s("b"), l(vec![s("c"), l(vec![])])]), m(vec![("d", m(vec![("e", i(1))]))]), null()]), r#"aa:
- a
- - b
  - - c
    - []
- d:
    e: 1
- null
"#),
            (l(vec![m(vec![("name", s("x")), ("image", s("y")), ("ports", l(vec![m(vec![("containerPort", i(80))])]))])]), r#"aa:
- image: "y"
  name: x
  ports:
  - containerPort: 80
"#),
            (l(vec![l(vec![m(vec![("a", i(1)), ("b", l(vec![i(2)]))])])]), r#"aa:
- - a: 1
    b:
    - 2
"#),
            (m(vec![("kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk", i(1))]), r#"aa:
  kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk: 1
"#),
            (m(vec![("kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk", i(1))]), r#"aa:
  ? kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk
  : 1
"#),
            (m(vec![("w00000000 w00000001 w00000002 w00000003 w00000004 w00000005 w00000006 w00000007 w00000008 w00000009 w00000010 w00000011 w00000012 w00000013 w00000014 w00000015 w00000016 w00000017 w00000018 w00000019", s("v"))]), r#"aa:
  ? w00000000 w00000001 w00000002 w00000003 w00000004 w00000005 w00000006 w00000007
    w00000008 w00000009 w00000010 w00000011 w00000012 w00000013 w00000014 w00000015
    w00000016 w00000017 w00000018 w00000019
  : v
"#),
            (m(vec![("a\nb", s("v")), ("c\nd\n", m(vec![("x", i(1)), ("y", l(vec![i(1), i(2)]))])), ("e\u{2028}f", l(vec![i(1), i(2)]))]), "aa:\n  ? |-\n    a\n    b\n  : v\n  ? |\n    c\n    d\n  : x: 1\n    \"y\":\n    - 1\n    - 2\n  ? 'e\u{2028}    f'\n  : - 1\n    - 2\n"),
            (l(vec![m(vec![("kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk", m(vec![("z", l(vec![]))]))])]), r#"aa:
- ? kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk
  : z: []
"#),
            (m(vec![("", s(""))]), r#"aa:
  "": ""
"#),
            (m(vec![("y", s("n")), ("a: b", s("c")), ("a\tb", s("d")), (" x", s("e"))]), r#"aa:
  ' x': e
  "a\tb": d
  'a: b': c
  "y": "n"
"#),
        ]);
    }
}
