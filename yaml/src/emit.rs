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

use super::node::{Map, Node, Value};
use std::borrow::Cow;
use std::fmt::Write as _;

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

/// How a float prints: the JSON number kustomize writes for it, read back by go-yaml v2 and
/// printed by it. Integral values below 1e21 become integers when their shortest decimal digits
/// fit an int64 or uint64 (`1e3` → `1000`, `2^63` → `9223372036854776000`, `-0.0` → `0`); all
/// other values print like Go's `strconv.FormatFloat(f, 'g', -1, 64)`, i.e. the shortest
/// round-trip digits, in exponent form when the exponent is below -4 or at least 6
/// (`1.2345675e+06`, `1e-06`, `0.0001`, `123456.5`, `1e+21`). NaN and the infinities (which the
/// reader rejects) print as `.nan`, `.inf` and `-.inf`.
pub fn format_float(f: f64) -> String {
    let mut s = String::new();
    write_float(&mut s, f);
    s
}

/// go-yaml v2's map key order (`keyList.Less` for string keys), compared rune by rune up to
/// the first difference, where:
/// * two letters compare by code point, and a letter sorts after a non-letter;
/// * otherwise the runs of digits starting there compare as numbers (`app9` < `app10`), equal
///   values putting the shorter run first (`a1` < `a01`), then the code points decide
///   (`a-b` < `a.b`). When either differing rune is `0` and a nonzero digit precedes it, both
///   numbers get a leading 1, so that `17` < `1005` (the runs alone, `005` and `7`, would say
///   otherwise).
///
/// A string sorts before its extensions. "Letter" and "digit" are Unicode's L and Nd categories
/// (Unicode 15.0, as in the Go that built kubectl 1.32). The order is not always transitive
/// (`a10` < `a1b` < `a2` < `a10`); for such key sets kustomize's own output depends on Go's
/// random map order.
pub fn natural_less(a: &str, b: &str) -> bool {
    // The common prefix, backed up to a character boundary (the same in both strings).
    let mut p = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    while !a.is_char_boundary(p) {
        p -= 1;
    }
    match (a[p..].chars().next(), b[p..].chars().next()) {
        (Some(ca), Some(cb)) => differ_less(a, b, p, ca, cb),
        (None, Some(_)) => true,
        (_, None) => false,
    }
}

/// The decision of [`natural_less`] at the first differing rune, at byte offset `p` of both.
fn differ_less(a: &str, b: &str, p: usize, ca: char, cb: char) -> bool {
    let al = is_letter(ca);
    let bl = is_letter(cb);
    if al && bl {
        return ca < cb;
    }
    if al || bl {
        return bl;
    }
    let mut an: i64 = 0;
    let mut bn: i64 = 0;
    if ca == '0' || cb == '0' {
        for c in a[..p].chars().rev() {
            if !is_digit(c) {
                break;
            }
            if c != '0' {
                an = 1;
                bn = 1;
                break;
            }
        }
    }
    let mut alen = 0usize;
    for c in a[p..].chars() {
        if !is_digit(c) {
            break;
        }
        an = an.wrapping_mul(10).wrapping_add(c as i64 - '0' as i64);
        alen += 1;
    }
    let mut blen = 0usize;
    for c in b[p..].chars() {
        if !is_digit(c) {
            break;
        }
        bn = bn.wrapping_mul(10).wrapping_add(c as i64 - '0' as i64);
        blen += 1;
    }
    if an != bn {
        return an < bn;
    }
    if alen != blen {
        return alen < blen;
    }
    ca < cb
}

/// Go's `unicode.IsLetter`.
fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    in_ranges(LETTER_RANGES, c)
}

/// Go's `unicode.IsDigit`.
fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    in_ranges(DIGIT_RANGES, c)
}

fn in_ranges(ranges: &[(u32, u32)], c: char) -> bool {
    let c = c as u32;
    ranges
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Sorts `order` (indices into `keys`) by [`natural_less`]. A merge sort of its own: the order is
/// not guaranteed to be transitive for every input, and this must not panic when it is not.
fn sort_keys(keys: &[Cow<'_, str>], order: &mut [usize], buf: &mut Vec<usize>) {
    merge_sort(order, buf, &|x: usize, y: usize| natural_less(&keys[x], &keys[y]));
}

fn merge_sort(v: &mut [usize], buf: &mut Vec<usize>, less: &dyn Fn(usize, usize) -> bool) {
    let n = v.len();
    if n <= 12 {
        for i in 1..n {
            let mut j = i;
            while j > 0 && less(v[j], v[j - 1]) {
                v.swap(j, j - 1);
                j -= 1;
            }
        }
        return;
    }
    let mid = n / 2;
    merge_sort(&mut v[..mid], buf, less);
    merge_sort(&mut v[mid..], buf, less);
    if !less(v[mid], v[mid - 1]) {
        return;
    }
    buf.clear();
    buf.extend_from_slice(&v[..mid]);
    let (mut i, mut j, mut k) = (0, mid, 0);
    while i < buf.len() && j < n {
        if less(v[j], buf[i]) {
            v[k] = v[j];
            j += 1;
        } else {
            v[k] = buf[i];
            i += 1;
        }
        k += 1;
    }
    while i < buf.len() {
        v[k] = buf[i];
        i += 1;
        k += 1;
    }
}

/// The scalar styles go-yaml v2 uses (it never asks for the folded style).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

/// What libyaml's `yaml_emitter_analyze_scalar` concludes about a scalar (block context).
#[derive(Debug, PartialEq, Eq)]
struct Analysis {
    /// The string holds a line feed (go-yaml then asks for the literal style).
    newline: bool,
    /// The string is ASCII (its length is its width in columns).
    ascii: bool,
    multiline: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

/// libyaml's `is_break`.
fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// libyaml's `is_printable` (as go-yaml spells it; 4-byte characters are not printable).
fn is_printable(c: char) -> bool {
    matches!(c as u32, 0x0A | 0x20..=0x7E | 0xA0..=0xD7FF | 0xE000..=0xFFFD) && c != '\u{FEFF}'
}

fn analyze(s: &str) -> Analysis {
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
fn plain_keeps_meaning(s: &str) -> bool {
    crate::resolve::plain_is_str_v2(s) && !crate::resolve::is_base60_float(s)
}

/// A small stack buffer for formatting numbers without allocating.
struct StackBuf {
    buf: [u8; 64],
    len: usize,
}

impl std::fmt::Write for StackBuf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return Err(std::fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// The shortest round-trip decimal digits of a finite float: `0.d1d2... × 10^dp`.
#[derive(Clone, Copy)]
struct Digits {
    neg: bool,
    digits: [u8; 20],
    nd: usize,
    /// The decimal point position (Go's `decimal.dp`): the value is `0.digits × 10^dp`.
    dp: i32,
}

impl Digits {
    fn of(f: f64) -> Digits {
        let mut d = Digits { neg: f.is_sign_negative(), digits: [b'0'; 20], nd: 0, dp: 0 };
        let mut sb = StackBuf { buf: [0; 64], len: 0 };
        if write!(sb, "{:e}", f.abs()).is_err() {
            return d;
        }
        let text = &sb.buf[..sb.len];
        let mut exp: i32 = 0;
        let mut exp_neg = false;
        let mut in_exp = false;
        for &c in text {
            match c {
                b'e' => in_exp = true,
                b'-' if in_exp => exp_neg = true,
                b'0'..=b'9' if in_exp => exp = exp.saturating_mul(10).saturating_add(i32::from(c - b'0')),
                b'0'..=b'9' if d.nd < d.digits.len() => {
                    d.digits[d.nd] = c;
                    d.nd += 1;
                }
                _ => {}
            }
        }
        if exp_neg {
            exp = -exp;
        }
        // Rust prints zero as `0e0`; Go keeps no digits for it.
        if d.nd == 1 && d.digits[0] == b'0' {
            d.nd = 0;
            d.dp = 0;
        } else {
            d.dp = exp + 1;
            d.round_half_even(f.abs());
        }
        d
    }

    /// Rust and Go both print the shortest digits that read back as the float, the closest
    /// such when there are several; when two are exactly as close, Rust takes the upper one and
    /// Go the even one. Moves to the even one in that case.
    fn round_half_even(&mut self, abs: f64) {
        let Some(last) = self.nd.checked_sub(1) else {
            return;
        };
        if self.digits[last] % 2 == 0 {
            return;
        }
        let mut lower = *self;
        lower.digits[last] -= 1;
        lower.neg = false;
        let mut text = String::new();
        lower.write_e(&mut text);
        if text.parse::<f64>().ok() != Some(abs) {
            return;
        }
        // Both read back: it is a tie only when the float lies exactly halfway, i.e. its exact
        // decimal expansion is the lower digits followed by a single 5.
        let exact = format!("{abs:.800e}");
        let mantissa = exact.split('e').next().unwrap_or("");
        let mut digits = mantissa.bytes().filter(u8::is_ascii_digit);
        let prefix_matches = lower.digits[..self.nd].iter().all(|&c| digits.next() == Some(c));
        if prefix_matches && digits.next() == Some(b'5') && digits.all(|c| c == b'0') {
            self.digits = lower.digits;
        }
    }

    fn digit(&self, i: i32) -> u8 {
        if i >= 0 && (i as usize) < self.nd {
            self.digits[i as usize]
        } else {
            b'0'
        }
    }

    /// Go's `%e` with the shortest precision: `d.ddde±XX`.
    fn write_e<W: std::fmt::Write>(&self, out: &mut W) {
        if self.neg {
            let _ = out.write_char('-');
        }
        let _ = out.write_char(char::from(self.digit(0)));
        if self.nd > 1 {
            let _ = out.write_char('.');
            for &c in &self.digits[1..self.nd] {
                let _ = out.write_char(char::from(c));
            }
        }
        let exp = if self.nd == 0 { 0 } else { self.dp - 1 };
        let sign = if exp < 0 { '-' } else { '+' };
        let _ = write!(out, "e{sign}{:02}", exp.unsigned_abs());
    }

    /// Go's `%f` with the shortest precision.
    fn write_f<W: std::fmt::Write>(&self, out: &mut W) {
        if self.neg {
            let _ = out.write_char('-');
        }
        if self.dp > 0 {
            for i in 0..self.dp {
                let _ = out.write_char(char::from(self.digit(i)));
            }
        } else {
            let _ = out.write_char('0');
        }
        let frac = self.nd as i32 - self.dp;
        if frac > 0 {
            let _ = out.write_char('.');
            for i in 0..frac {
                let _ = out.write_char(char::from(self.digit(self.dp + i)));
            }
        }
    }

    /// Go's `%g` with the shortest precision.
    fn write_g<W: std::fmt::Write>(&self, out: &mut W) {
        let exp = self.dp - 1;
        if self.nd > 0 && !(-4..6).contains(&exp) {
            self.write_e(out);
        } else {
            self.write_f(out);
        }
    }
}

/// Writes a float the way it comes out of kustomize (see [`format_float`]).
fn write_float(out: &mut String, f: f64) {
    if f.is_nan() {
        out.push_str(".nan");
        return;
    }
    if f.is_infinite() {
        out.push_str(if f > 0.0 { ".inf" } else { "-.inf" });
        return;
    }
    let d = Digits::of(f);
    if f.trunc() == f && f.abs() < 1e21 {
        // JSON spells it as its shortest digits padded with zeros; go-yaml reads that back as
        // an int or a uint64 when it fits.
        let mut sb = StackBuf { buf: [0; 64], len: 0 };
        d.write_f(&mut sb);
        let text = std::str::from_utf8(&sb.buf[..sb.len]).unwrap_or("");
        if let Ok(i) = text.parse::<i64>() {
            let _ = write!(out, "{i}");
            return;
        }
        if let Ok(u) = text.parse::<u64>() {
            let _ = write!(out, "{u}");
            return;
        }
    }
    d.write_g(out);
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
            Style::Literal
        } else if plain_keeps_meaning(s) {
            Style::Plain
        } else {
            Style::Double
        };
        if simple_key && a.multiline {
            style = Style::Double;
        }
        if style == Style::Plain && (!a.block_plain_allowed || (s.is_empty() && simple_key)) {
            style = Style::Single;
        }
        if style == Style::Single && !a.single_quoted_allowed {
            style = Style::Double;
        }
        if style == Style::Literal && (!a.block_allowed || simple_key) {
            style = Style::Double;
        }
        let saved = self.indent;
        self.increase_indent(true, false);
        let allow_breaks = !simple_key;
        match style {
            Style::Plain => self.write_plain(s, allow_breaks, a.ascii),
            Style::Single => self.write_single_quoted(s, allow_breaks),
            Style::Double => self.write_double_quoted(s, allow_breaks),
            Style::Literal => self.write_literal(s),
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
/// Unicode 15.0 `LETTER` ranges above ASCII (what Go 1.23's `unicode` package uses).
#[rustfmt::skip]
static LETTER_RANGES: &[(u32, u32)] = &[
    (0xaa, 0xaa), (0xb5, 0xb5), (0xba, 0xba), (0xc0, 0xd6), (0xd8, 0xf6), (0xf8, 0x2c1),
    (0x2c6, 0x2d1), (0x2e0, 0x2e4), (0x2ec, 0x2ec), (0x2ee, 0x2ee), (0x370, 0x374), (0x376, 0x377),
    (0x37a, 0x37d), (0x37f, 0x37f), (0x386, 0x386), (0x388, 0x38a), (0x38c, 0x38c), (0x38e, 0x3a1),
    (0x3a3, 0x3f5), (0x3f7, 0x481), (0x48a, 0x52f), (0x531, 0x556), (0x559, 0x559), (0x560, 0x588),
    (0x5d0, 0x5ea), (0x5ef, 0x5f2), (0x620, 0x64a), (0x66e, 0x66f), (0x671, 0x6d3), (0x6d5, 0x6d5),
    (0x6e5, 0x6e6), (0x6ee, 0x6ef), (0x6fa, 0x6fc), (0x6ff, 0x6ff), (0x710, 0x710), (0x712, 0x72f),
    (0x74d, 0x7a5), (0x7b1, 0x7b1), (0x7ca, 0x7ea), (0x7f4, 0x7f5), (0x7fa, 0x7fa), (0x800, 0x815),
    (0x81a, 0x81a), (0x824, 0x824), (0x828, 0x828), (0x840, 0x858), (0x860, 0x86a), (0x870, 0x887),
    (0x889, 0x88e), (0x8a0, 0x8c9), (0x904, 0x939), (0x93d, 0x93d), (0x950, 0x950), (0x958, 0x961),
    (0x971, 0x980), (0x985, 0x98c), (0x98f, 0x990), (0x993, 0x9a8), (0x9aa, 0x9b0), (0x9b2, 0x9b2),
    (0x9b6, 0x9b9), (0x9bd, 0x9bd), (0x9ce, 0x9ce), (0x9dc, 0x9dd), (0x9df, 0x9e1), (0x9f0, 0x9f1),
    (0x9fc, 0x9fc), (0xa05, 0xa0a), (0xa0f, 0xa10), (0xa13, 0xa28), (0xa2a, 0xa30), (0xa32, 0xa33),
    (0xa35, 0xa36), (0xa38, 0xa39), (0xa59, 0xa5c), (0xa5e, 0xa5e), (0xa72, 0xa74), (0xa85, 0xa8d),
    (0xa8f, 0xa91), (0xa93, 0xaa8), (0xaaa, 0xab0), (0xab2, 0xab3), (0xab5, 0xab9), (0xabd, 0xabd),
    (0xad0, 0xad0), (0xae0, 0xae1), (0xaf9, 0xaf9), (0xb05, 0xb0c), (0xb0f, 0xb10), (0xb13, 0xb28),
    (0xb2a, 0xb30), (0xb32, 0xb33), (0xb35, 0xb39), (0xb3d, 0xb3d), (0xb5c, 0xb5d), (0xb5f, 0xb61),
    (0xb71, 0xb71), (0xb83, 0xb83), (0xb85, 0xb8a), (0xb8e, 0xb90), (0xb92, 0xb95), (0xb99, 0xb9a),
    (0xb9c, 0xb9c), (0xb9e, 0xb9f), (0xba3, 0xba4), (0xba8, 0xbaa), (0xbae, 0xbb9), (0xbd0, 0xbd0),
    (0xc05, 0xc0c), (0xc0e, 0xc10), (0xc12, 0xc28), (0xc2a, 0xc39), (0xc3d, 0xc3d), (0xc58, 0xc5a),
    (0xc5d, 0xc5d), (0xc60, 0xc61), (0xc80, 0xc80), (0xc85, 0xc8c), (0xc8e, 0xc90), (0xc92, 0xca8),
    (0xcaa, 0xcb3), (0xcb5, 0xcb9), (0xcbd, 0xcbd), (0xcdd, 0xcde), (0xce0, 0xce1), (0xcf1, 0xcf2),
    (0xd04, 0xd0c), (0xd0e, 0xd10), (0xd12, 0xd3a), (0xd3d, 0xd3d), (0xd4e, 0xd4e), (0xd54, 0xd56),
    (0xd5f, 0xd61), (0xd7a, 0xd7f), (0xd85, 0xd96), (0xd9a, 0xdb1), (0xdb3, 0xdbb), (0xdbd, 0xdbd),
    (0xdc0, 0xdc6), (0xe01, 0xe30), (0xe32, 0xe33), (0xe40, 0xe46), (0xe81, 0xe82), (0xe84, 0xe84),
    (0xe86, 0xe8a), (0xe8c, 0xea3), (0xea5, 0xea5), (0xea7, 0xeb0), (0xeb2, 0xeb3), (0xebd, 0xebd),
    (0xec0, 0xec4), (0xec6, 0xec6), (0xedc, 0xedf), (0xf00, 0xf00), (0xf40, 0xf47), (0xf49, 0xf6c),
    (0xf88, 0xf8c), (0x1000, 0x102a), (0x103f, 0x103f), (0x1050, 0x1055), (0x105a, 0x105d),
    (0x1061, 0x1061), (0x1065, 0x1066), (0x106e, 0x1070), (0x1075, 0x1081), (0x108e, 0x108e),
    (0x10a0, 0x10c5), (0x10c7, 0x10c7), (0x10cd, 0x10cd), (0x10d0, 0x10fa), (0x10fc, 0x1248),
    (0x124a, 0x124d), (0x1250, 0x1256), (0x1258, 0x1258), (0x125a, 0x125d), (0x1260, 0x1288),
    (0x128a, 0x128d), (0x1290, 0x12b0), (0x12b2, 0x12b5), (0x12b8, 0x12be), (0x12c0, 0x12c0),
    (0x12c2, 0x12c5), (0x12c8, 0x12d6), (0x12d8, 0x1310), (0x1312, 0x1315), (0x1318, 0x135a),
    (0x1380, 0x138f), (0x13a0, 0x13f5), (0x13f8, 0x13fd), (0x1401, 0x166c), (0x166f, 0x167f),
    (0x1681, 0x169a), (0x16a0, 0x16ea), (0x16f1, 0x16f8), (0x1700, 0x1711), (0x171f, 0x1731),
    (0x1740, 0x1751), (0x1760, 0x176c), (0x176e, 0x1770), (0x1780, 0x17b3), (0x17d7, 0x17d7),
    (0x17dc, 0x17dc), (0x1820, 0x1878), (0x1880, 0x1884), (0x1887, 0x18a8), (0x18aa, 0x18aa),
    (0x18b0, 0x18f5), (0x1900, 0x191e), (0x1950, 0x196d), (0x1970, 0x1974), (0x1980, 0x19ab),
    (0x19b0, 0x19c9), (0x1a00, 0x1a16), (0x1a20, 0x1a54), (0x1aa7, 0x1aa7), (0x1b05, 0x1b33),
    (0x1b45, 0x1b4c), (0x1b83, 0x1ba0), (0x1bae, 0x1baf), (0x1bba, 0x1be5), (0x1c00, 0x1c23),
    (0x1c4d, 0x1c4f), (0x1c5a, 0x1c7d), (0x1c80, 0x1c88), (0x1c90, 0x1cba), (0x1cbd, 0x1cbf),
    (0x1ce9, 0x1cec), (0x1cee, 0x1cf3), (0x1cf5, 0x1cf6), (0x1cfa, 0x1cfa), (0x1d00, 0x1dbf),
    (0x1e00, 0x1f15), (0x1f18, 0x1f1d), (0x1f20, 0x1f45), (0x1f48, 0x1f4d), (0x1f50, 0x1f57),
    (0x1f59, 0x1f59), (0x1f5b, 0x1f5b), (0x1f5d, 0x1f5d), (0x1f5f, 0x1f7d), (0x1f80, 0x1fb4),
    (0x1fb6, 0x1fbc), (0x1fbe, 0x1fbe), (0x1fc2, 0x1fc4), (0x1fc6, 0x1fcc), (0x1fd0, 0x1fd3),
    (0x1fd6, 0x1fdb), (0x1fe0, 0x1fec), (0x1ff2, 0x1ff4), (0x1ff6, 0x1ffc), (0x2071, 0x2071),
    (0x207f, 0x207f), (0x2090, 0x209c), (0x2102, 0x2102), (0x2107, 0x2107), (0x210a, 0x2113),
    (0x2115, 0x2115), (0x2119, 0x211d), (0x2124, 0x2124), (0x2126, 0x2126), (0x2128, 0x2128),
    (0x212a, 0x212d), (0x212f, 0x2139), (0x213c, 0x213f), (0x2145, 0x2149), (0x214e, 0x214e),
    (0x2183, 0x2184), (0x2c00, 0x2ce4), (0x2ceb, 0x2cee), (0x2cf2, 0x2cf3), (0x2d00, 0x2d25),
    (0x2d27, 0x2d27), (0x2d2d, 0x2d2d), (0x2d30, 0x2d67), (0x2d6f, 0x2d6f), (0x2d80, 0x2d96),
    (0x2da0, 0x2da6), (0x2da8, 0x2dae), (0x2db0, 0x2db6), (0x2db8, 0x2dbe), (0x2dc0, 0x2dc6),
    (0x2dc8, 0x2dce), (0x2dd0, 0x2dd6), (0x2dd8, 0x2dde), (0x2e2f, 0x2e2f), (0x3005, 0x3006),
    (0x3031, 0x3035), (0x303b, 0x303c), (0x3041, 0x3096), (0x309d, 0x309f), (0x30a1, 0x30fa),
    (0x30fc, 0x30ff), (0x3105, 0x312f), (0x3131, 0x318e), (0x31a0, 0x31bf), (0x31f0, 0x31ff),
    (0x3400, 0x4dbf), (0x4e00, 0xa48c), (0xa4d0, 0xa4fd), (0xa500, 0xa60c), (0xa610, 0xa61f),
    (0xa62a, 0xa62b), (0xa640, 0xa66e), (0xa67f, 0xa69d), (0xa6a0, 0xa6e5), (0xa717, 0xa71f),
    (0xa722, 0xa788), (0xa78b, 0xa7ca), (0xa7d0, 0xa7d1), (0xa7d3, 0xa7d3), (0xa7d5, 0xa7d9),
    (0xa7f2, 0xa801), (0xa803, 0xa805), (0xa807, 0xa80a), (0xa80c, 0xa822), (0xa840, 0xa873),
    (0xa882, 0xa8b3), (0xa8f2, 0xa8f7), (0xa8fb, 0xa8fb), (0xa8fd, 0xa8fe), (0xa90a, 0xa925),
    (0xa930, 0xa946), (0xa960, 0xa97c), (0xa984, 0xa9b2), (0xa9cf, 0xa9cf), (0xa9e0, 0xa9e4),
    (0xa9e6, 0xa9ef), (0xa9fa, 0xa9fe), (0xaa00, 0xaa28), (0xaa40, 0xaa42), (0xaa44, 0xaa4b),
    (0xaa60, 0xaa76), (0xaa7a, 0xaa7a), (0xaa7e, 0xaaaf), (0xaab1, 0xaab1), (0xaab5, 0xaab6),
    (0xaab9, 0xaabd), (0xaac0, 0xaac0), (0xaac2, 0xaac2), (0xaadb, 0xaadd), (0xaae0, 0xaaea),
    (0xaaf2, 0xaaf4), (0xab01, 0xab06), (0xab09, 0xab0e), (0xab11, 0xab16), (0xab20, 0xab26),
    (0xab28, 0xab2e), (0xab30, 0xab5a), (0xab5c, 0xab69), (0xab70, 0xabe2), (0xac00, 0xd7a3),
    (0xd7b0, 0xd7c6), (0xd7cb, 0xd7fb), (0xf900, 0xfa6d), (0xfa70, 0xfad9), (0xfb00, 0xfb06),
    (0xfb13, 0xfb17), (0xfb1d, 0xfb1d), (0xfb1f, 0xfb28), (0xfb2a, 0xfb36), (0xfb38, 0xfb3c),
    (0xfb3e, 0xfb3e), (0xfb40, 0xfb41), (0xfb43, 0xfb44), (0xfb46, 0xfbb1), (0xfbd3, 0xfd3d),
    (0xfd50, 0xfd8f), (0xfd92, 0xfdc7), (0xfdf0, 0xfdfb), (0xfe70, 0xfe74), (0xfe76, 0xfefc),
    (0xff21, 0xff3a), (0xff41, 0xff5a), (0xff66, 0xffbe), (0xffc2, 0xffc7), (0xffca, 0xffcf),
    (0xffd2, 0xffd7), (0xffda, 0xffdc), (0x10000, 0x1000b), (0x1000d, 0x10026), (0x10028, 0x1003a),
    (0x1003c, 0x1003d), (0x1003f, 0x1004d), (0x10050, 0x1005d), (0x10080, 0x100fa),
    (0x10280, 0x1029c), (0x102a0, 0x102d0), (0x10300, 0x1031f), (0x1032d, 0x10340),
    (0x10342, 0x10349), (0x10350, 0x10375), (0x10380, 0x1039d), (0x103a0, 0x103c3),
    (0x103c8, 0x103cf), (0x10400, 0x1049d), (0x104b0, 0x104d3), (0x104d8, 0x104fb),
    (0x10500, 0x10527), (0x10530, 0x10563), (0x10570, 0x1057a), (0x1057c, 0x1058a),
    (0x1058c, 0x10592), (0x10594, 0x10595), (0x10597, 0x105a1), (0x105a3, 0x105b1),
    (0x105b3, 0x105b9), (0x105bb, 0x105bc), (0x10600, 0x10736), (0x10740, 0x10755),
    (0x10760, 0x10767), (0x10780, 0x10785), (0x10787, 0x107b0), (0x107b2, 0x107ba),
    (0x10800, 0x10805), (0x10808, 0x10808), (0x1080a, 0x10835), (0x10837, 0x10838),
    (0x1083c, 0x1083c), (0x1083f, 0x10855), (0x10860, 0x10876), (0x10880, 0x1089e),
    (0x108e0, 0x108f2), (0x108f4, 0x108f5), (0x10900, 0x10915), (0x10920, 0x10939),
    (0x10980, 0x109b7), (0x109be, 0x109bf), (0x10a00, 0x10a00), (0x10a10, 0x10a13),
    (0x10a15, 0x10a17), (0x10a19, 0x10a35), (0x10a60, 0x10a7c), (0x10a80, 0x10a9c),
    (0x10ac0, 0x10ac7), (0x10ac9, 0x10ae4), (0x10b00, 0x10b35), (0x10b40, 0x10b55),
    (0x10b60, 0x10b72), (0x10b80, 0x10b91), (0x10c00, 0x10c48), (0x10c80, 0x10cb2),
    (0x10cc0, 0x10cf2), (0x10d00, 0x10d23), (0x10e80, 0x10ea9), (0x10eb0, 0x10eb1),
    (0x10f00, 0x10f1c), (0x10f27, 0x10f27), (0x10f30, 0x10f45), (0x10f70, 0x10f81),
    (0x10fb0, 0x10fc4), (0x10fe0, 0x10ff6), (0x11003, 0x11037), (0x11071, 0x11072),
    (0x11075, 0x11075), (0x11083, 0x110af), (0x110d0, 0x110e8), (0x11103, 0x11126),
    (0x11144, 0x11144), (0x11147, 0x11147), (0x11150, 0x11172), (0x11176, 0x11176),
    (0x11183, 0x111b2), (0x111c1, 0x111c4), (0x111da, 0x111da), (0x111dc, 0x111dc),
    (0x11200, 0x11211), (0x11213, 0x1122b), (0x1123f, 0x11240), (0x11280, 0x11286),
    (0x11288, 0x11288), (0x1128a, 0x1128d), (0x1128f, 0x1129d), (0x1129f, 0x112a8),
    (0x112b0, 0x112de), (0x11305, 0x1130c), (0x1130f, 0x11310), (0x11313, 0x11328),
    (0x1132a, 0x11330), (0x11332, 0x11333), (0x11335, 0x11339), (0x1133d, 0x1133d),
    (0x11350, 0x11350), (0x1135d, 0x11361), (0x11400, 0x11434), (0x11447, 0x1144a),
    (0x1145f, 0x11461), (0x11480, 0x114af), (0x114c4, 0x114c5), (0x114c7, 0x114c7),
    (0x11580, 0x115ae), (0x115d8, 0x115db), (0x11600, 0x1162f), (0x11644, 0x11644),
    (0x11680, 0x116aa), (0x116b8, 0x116b8), (0x11700, 0x1171a), (0x11740, 0x11746),
    (0x11800, 0x1182b), (0x118a0, 0x118df), (0x118ff, 0x11906), (0x11909, 0x11909),
    (0x1190c, 0x11913), (0x11915, 0x11916), (0x11918, 0x1192f), (0x1193f, 0x1193f),
    (0x11941, 0x11941), (0x119a0, 0x119a7), (0x119aa, 0x119d0), (0x119e1, 0x119e1),
    (0x119e3, 0x119e3), (0x11a00, 0x11a00), (0x11a0b, 0x11a32), (0x11a3a, 0x11a3a),
    (0x11a50, 0x11a50), (0x11a5c, 0x11a89), (0x11a9d, 0x11a9d), (0x11ab0, 0x11af8),
    (0x11c00, 0x11c08), (0x11c0a, 0x11c2e), (0x11c40, 0x11c40), (0x11c72, 0x11c8f),
    (0x11d00, 0x11d06), (0x11d08, 0x11d09), (0x11d0b, 0x11d30), (0x11d46, 0x11d46),
    (0x11d60, 0x11d65), (0x11d67, 0x11d68), (0x11d6a, 0x11d89), (0x11d98, 0x11d98),
    (0x11ee0, 0x11ef2), (0x11f02, 0x11f02), (0x11f04, 0x11f10), (0x11f12, 0x11f33),
    (0x11fb0, 0x11fb0), (0x12000, 0x12399), (0x12480, 0x12543), (0x12f90, 0x12ff0),
    (0x13000, 0x1342f), (0x13441, 0x13446), (0x14400, 0x14646), (0x16800, 0x16a38),
    (0x16a40, 0x16a5e), (0x16a70, 0x16abe), (0x16ad0, 0x16aed), (0x16b00, 0x16b2f),
    (0x16b40, 0x16b43), (0x16b63, 0x16b77), (0x16b7d, 0x16b8f), (0x16e40, 0x16e7f),
    (0x16f00, 0x16f4a), (0x16f50, 0x16f50), (0x16f93, 0x16f9f), (0x16fe0, 0x16fe1),
    (0x16fe3, 0x16fe3), (0x17000, 0x187f7), (0x18800, 0x18cd5), (0x18d00, 0x18d08),
    (0x1aff0, 0x1aff3), (0x1aff5, 0x1affb), (0x1affd, 0x1affe), (0x1b000, 0x1b122),
    (0x1b132, 0x1b132), (0x1b150, 0x1b152), (0x1b155, 0x1b155), (0x1b164, 0x1b167),
    (0x1b170, 0x1b2fb), (0x1bc00, 0x1bc6a), (0x1bc70, 0x1bc7c), (0x1bc80, 0x1bc88),
    (0x1bc90, 0x1bc99), (0x1d400, 0x1d454), (0x1d456, 0x1d49c), (0x1d49e, 0x1d49f),
    (0x1d4a2, 0x1d4a2), (0x1d4a5, 0x1d4a6), (0x1d4a9, 0x1d4ac), (0x1d4ae, 0x1d4b9),
    (0x1d4bb, 0x1d4bb), (0x1d4bd, 0x1d4c3), (0x1d4c5, 0x1d505), (0x1d507, 0x1d50a),
    (0x1d50d, 0x1d514), (0x1d516, 0x1d51c), (0x1d51e, 0x1d539), (0x1d53b, 0x1d53e),
    (0x1d540, 0x1d544), (0x1d546, 0x1d546), (0x1d54a, 0x1d550), (0x1d552, 0x1d6a5),
    (0x1d6a8, 0x1d6c0), (0x1d6c2, 0x1d6da), (0x1d6dc, 0x1d6fa), (0x1d6fc, 0x1d714),
    (0x1d716, 0x1d734), (0x1d736, 0x1d74e), (0x1d750, 0x1d76e), (0x1d770, 0x1d788),
    (0x1d78a, 0x1d7a8), (0x1d7aa, 0x1d7c2), (0x1d7c4, 0x1d7cb), (0x1df00, 0x1df1e),
    (0x1df25, 0x1df2a), (0x1e030, 0x1e06d), (0x1e100, 0x1e12c), (0x1e137, 0x1e13d),
    (0x1e14e, 0x1e14e), (0x1e290, 0x1e2ad), (0x1e2c0, 0x1e2eb), (0x1e4d0, 0x1e4eb),
    (0x1e7e0, 0x1e7e6), (0x1e7e8, 0x1e7eb), (0x1e7ed, 0x1e7ee), (0x1e7f0, 0x1e7fe),
    (0x1e800, 0x1e8c4), (0x1e900, 0x1e943), (0x1e94b, 0x1e94b), (0x1ee00, 0x1ee03),
    (0x1ee05, 0x1ee1f), (0x1ee21, 0x1ee22), (0x1ee24, 0x1ee24), (0x1ee27, 0x1ee27),
    (0x1ee29, 0x1ee32), (0x1ee34, 0x1ee37), (0x1ee39, 0x1ee39), (0x1ee3b, 0x1ee3b),
    (0x1ee42, 0x1ee42), (0x1ee47, 0x1ee47), (0x1ee49, 0x1ee49), (0x1ee4b, 0x1ee4b),
    (0x1ee4d, 0x1ee4f), (0x1ee51, 0x1ee52), (0x1ee54, 0x1ee54), (0x1ee57, 0x1ee57),
    (0x1ee59, 0x1ee59), (0x1ee5b, 0x1ee5b), (0x1ee5d, 0x1ee5d), (0x1ee5f, 0x1ee5f),
    (0x1ee61, 0x1ee62), (0x1ee64, 0x1ee64), (0x1ee67, 0x1ee6a), (0x1ee6c, 0x1ee72),
    (0x1ee74, 0x1ee77), (0x1ee79, 0x1ee7c), (0x1ee7e, 0x1ee7e), (0x1ee80, 0x1ee89),
    (0x1ee8b, 0x1ee9b), (0x1eea1, 0x1eea3), (0x1eea5, 0x1eea9), (0x1eeab, 0x1eebb),
    (0x20000, 0x2a6df), (0x2a700, 0x2b739), (0x2b740, 0x2b81d), (0x2b820, 0x2cea1),
    (0x2ceb0, 0x2ebe0), (0x2f800, 0x2fa1d), (0x30000, 0x3134a), (0x31350, 0x323af),
];

/// Unicode 15.0 `DIGIT` ranges above ASCII (what Go 1.23's `unicode` package uses).
#[rustfmt::skip]
static DIGIT_RANGES: &[(u32, u32)] = &[
    (0x660, 0x669), (0x6f0, 0x6f9), (0x7c0, 0x7c9), (0x966, 0x96f), (0x9e6, 0x9ef), (0xa66, 0xa6f),
    (0xae6, 0xaef), (0xb66, 0xb6f), (0xbe6, 0xbef), (0xc66, 0xc6f), (0xce6, 0xcef), (0xd66, 0xd6f),
    (0xde6, 0xdef), (0xe50, 0xe59), (0xed0, 0xed9), (0xf20, 0xf29), (0x1040, 0x1049),
    (0x1090, 0x1099), (0x17e0, 0x17e9), (0x1810, 0x1819), (0x1946, 0x194f), (0x19d0, 0x19d9),
    (0x1a80, 0x1a89), (0x1a90, 0x1a99), (0x1b50, 0x1b59), (0x1bb0, 0x1bb9), (0x1c40, 0x1c49),
    (0x1c50, 0x1c59), (0xa620, 0xa629), (0xa8d0, 0xa8d9), (0xa900, 0xa909), (0xa9d0, 0xa9d9),
    (0xa9f0, 0xa9f9), (0xaa50, 0xaa59), (0xabf0, 0xabf9), (0xff10, 0xff19), (0x104a0, 0x104a9),
    (0x10d30, 0x10d39), (0x11066, 0x1106f), (0x110f0, 0x110f9), (0x11136, 0x1113f),
    (0x111d0, 0x111d9), (0x112f0, 0x112f9), (0x11450, 0x11459), (0x114d0, 0x114d9),
    (0x11650, 0x11659), (0x116c0, 0x116c9), (0x11730, 0x11739), (0x118e0, 0x118e9),
    (0x11950, 0x11959), (0x11c50, 0x11c59), (0x11d50, 0x11d59), (0x11da0, 0x11da9),
    (0x11f50, 0x11f59), (0x16a60, 0x16a69), (0x16ac0, 0x16ac9), (0x16b50, 0x16b59),
    (0x1d7ce, 0x1d7ff), (0x1e140, 0x1e149), (0x1e2f0, 0x1e2f9), (0x1e4f0, 0x1e4f9),
    (0x1e950, 0x1e959), (0x1fbf0, 0x1fbf9),
];

#[cfg(test)]
mod tests {
    //! Every expected text here was printed by `kubectl kustomize` (kustomize v5.5.0) for the
    //! same data: the value under a top-level key `aa` (which sorts before `apiVersion`, so it is
    //! the first thing printed), or whole documents for the stream tests.

    use super::*;

    fn s(x: &str) -> Node {
        Node::string(x)
    }
    fn i(x: i64) -> Node {
        Node::new(Value::Int(x))
    }
    fn u(x: u64) -> Node {
        Node::new(Value::UInt(x))
    }
    fn f(x: f64) -> Node {
        Node::new(Value::Float(x))
    }
    fn b(x: bool) -> Node {
        Node::new(Value::Bool(x))
    }
    fn null() -> Node {
        Node::null()
    }
    fn l(items: Vec<Node>) -> Node {
        Node::seq(items)
    }
    fn m(entries: Vec<(&str, Node)>) -> Node {
        let mut map = Map::default();
        for (k, v) in entries {
            map.insert(k.to_string(), v);
        }
        Node::new(Value::Map(map))
    }

    /// Emits `{aa: value}` for each case and compares with what kubectl printed.
    fn check(cases: &[(Node, &str)]) {
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
    fn natural_order() {
        let ordered = [
            "",
            "-a",
            ".a",
            "_a",
            "_x",
            "1",
            "9",
            "10",
            "11",
            "17",
            "105",
            "1005",
            "App",
            "a",
            "a-b",
            "a.b",
            "a/b",
            "a1",
            "a01",
            "a2",
            "app-name",
            "app.kubernetes.io/name",
            "app9",
            "app10",
            "z",
            "ä",
        ];
        for (x, a) in ordered.iter().enumerate() {
            for (y, b) in ordered.iter().enumerate() {
                assert_eq!(natural_less(a, b), x < y, "{a:?} < {b:?}");
            }
        }
        // Not transitive (kustomize's own output depends on Go's map order there), but never
        // a panic.
        assert!(natural_less("a10", "a1b") && natural_less("a1b", "a2") && natural_less("a2", "a10"));
        let cyclic = ["a10", "a1b", "a2", "x", "a01", "a1", "b", "a0", "a", "a00", "a3", "a20", "a1a"];
        let keys: Vec<Cow<'_, str>> = cyclic.iter().map(|k| Cow::Borrowed(*k)).collect();
        let mut order: Vec<usize> = (0..keys.len()).collect();
        sort_keys(&keys, &mut order, &mut Vec::new());
        order.sort_unstable();
        assert_eq!(order, (0..keys.len()).collect::<Vec<_>>());
    }

    #[test]
    fn floats() {
        for (v, want) in [
            (1e21, "1e+21"),
            (1e20, "1e+20"),
            (1234567.5, "1.2345675e+06"),
            (0.000001, "1e-06"),
            (0.0000001, "1e-07"),
            (1.5, "1.5"),
            (0.5, "0.5"),
            (18446744073709551616.0, "1.8446744073709552e+19"),
            (9223372036854775808.0, "9223372036854776000"),
            (-0.0, "0"),
            (1e3, "1000"),
            (f64::NAN, ".nan"),
            (f64::INFINITY, ".inf"),
            (f64::NEG_INFINITY, "-.inf"),
        ] {
            assert_eq!(format_float(v), want, "{v:e}");
        }
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
    fn numbers() {
        // Integers, uint64 and floats as they come back from the JSON round trip.
        check(&[
            (i(0), "aa: 0\n"),
            (i(-1), "aa: -1\n"),
            (i(9223372036854775807), "aa: 9223372036854775807\n"),
            (i(-9223372036854775808), "aa: -9223372036854775808\n"),
            (u(9223372036854775808), "aa: 9223372036854775808\n"),
            (u(18446744073709551615), "aa: 18446744073709551615\n"),
            (f(1.0), "aa: 1\n"),
            (f(-0.0), "aa: 0\n"),
            (f(0.5), "aa: 0.5\n"),
            (f(-2.5), "aa: -2.5\n"),
            (f(0.1), "aa: 0.1\n"),
            (f(100.25), "aa: 100.25\n"),
            (f(123456.5), "aa: 123456.5\n"),
            (f(999999.5), "aa: 999999.5\n"),
            (f(1234567.5), "aa: 1.2345675e+06\n"),
            (f(12345678.9), "aa: 1.23456789e+07\n"),
            (f(0.0001), "aa: 0.0001\n"),
            (f(1e-05), "aa: 1e-05\n"),
            (f(1e-06), "aa: 1e-06\n"),
            (f(1e-07), "aa: 1e-07\n"),
            (f(1000000000000000.0), "aa: 1000000000000000\n"),
            (f(1500000000000000.0), "aa: 1500000000000000\n"),
            (f(1.2345678901234566e+17), "aa: 123456789012345660\n"),
            (f(9.223372036854776e+18), "aa: 9223372036854776000\n"),
            (f(1.8446744073709552e+19), "aa: 1.8446744073709552e+19\n"),
            (f(-1e+19), "aa: -1e+19\n"),
            (f(9.9e+20), "aa: 9.9e+20\n"),
            (f(1e+20), "aa: 1e+20\n"),
            (f(1e+21), "aa: 1e+21\n"),
            (f(1e+100), "aa: 1e+100\n"),
            (f(1.7976931348623157e+308), "aa: 1.7976931348623157e+308\n"),
            (f(5e-324), "aa: 5e-324\n"),
            (f(603005546980921.2), "aa: 6.030055469809212e+14\n"),
            (b(true), "aa: true\n"),
            (b(false), "aa: false\n"),
            (null(), "aa: null\n"),
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

    #[test]
    fn key_order() {
        // go-yaml v2 natural key order.
        check(&[
            (
                m(vec![
                    ("a", i(1)),
                    ("A", i(1)),
                    ("_a", i(1)),
                    ("a1", i(1)),
                    ("a2", i(1)),
                    ("a01", i(1)),
                    ("a001", i(1)),
                    ("1", i(1)),
                    ("10", i(1)),
                    ("9", i(1)),
                    ("-a", i(1)),
                    (".a", i(1)),
                    ("a.b", i(1)),
                    ("a-b", i(1)),
                    ("a/b", i(1)),
                    ("ä", i(1)),
                    ("Z", i(1)),
                    ("z", i(1)),
                    ("_x", i(1)),
                    ("App", i(1)),
                    ("app-name", i(1)),
                    ("app.kubernetes.io/name", i(1)),
                    ("app9", i(1)),
                    ("app10", i(1)),
                    ("00", i(1)),
                    ("01", i(1)),
                    ("x1y2", i(1)),
                    ("x1y10", i(1)),
                    ("x01y2", i(1)),
                    ("é", i(1)),
                    ("Ωx", i(1)),
                    ("٣", i(1)),
                    ("中", i(1)),
                    ("aB", i(1)),
                    ("Ab", i(1)),
                    ("AB", i(1)),
                    ("ab", i(1)),
                    ("ab1", i(1)),
                    ("ab01", i(1)),
                    ("v1.9", i(1)),
                    ("v1.10", i(1)),
                    ("v2", i(1)),
                    ("v10", i(1)),
                    ("", i(1)),
                    ("a b", i(1)),
                    ("~", i(1)),
                ]),
                r#"aa:
  "": 1
  -a: 1
  .a: 1
  _a: 1
  _x: 1
  "~": 1
  "00": 1
  "1": 1
  "01": 1
  "9": 1
  "10": 1
  ٣: 1
  A: 1
  AB: 1
  Ab: 1
  App: 1
  Z: 1
  a: 1
  a b: 1
  a-b: 1
  a.b: 1
  a/b: 1
  a1: 1
  a01: 1
  a001: 1
  a2: 1
  aB: 1
  ab: 1
  ab1: 1
  ab01: 1
  app-name: 1
  app.kubernetes.io/name: 1
  app9: 1
  app10: 1
  v1.9: 1
  v1.10: 1
  v2: 1
  v10: 1
  x1y2: 1
  x1y10: 1
  x01y2: 1
  z: 1
  ä: 1
  é: 1
  Ωx: 1
  中: 1
"#,
            ),
            (
                m(vec![("1a", i(1)), ("10", i(1))]),
                r#"aa:
  "10": 1
  1a: 1
"#,
            ),
            (
                m(vec![("9", i(1)), ("1a", i(1))]),
                r#"aa:
  1a: 1
  "9": 1
"#,
            ),
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
