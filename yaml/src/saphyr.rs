//! The `saphyr-parser` adapter: reads one document with saphyr-parser and sends the reader the
//! same [`Event`]s, with the same positions, as kcompile's own parser ([`crate::scan`]) sends.
//! This is the only file that knows saphyr (its events, char-index spans, tags and errors).
//!
//! It also makes saphyr read what libyaml (go-yaml) reads: leniencies of libyaml that saphyr
//! does not share are patched over by re-parsing a minimally edited text, with columns
//! corrected (see [`fix_leniency`]); an unterminated text gets a line break, taken back from a
//! block scalar that ends there ([`terminated`]); a block scalar's position is its indicator's;
//! tabs go-yaml refuses in a block scalar's indentation, and `{: a}`, are errors; a byte order
//! mark after the first character, which saphyr refuses and libyaml reads as an ordinary
//! character, is given to saphyr as a stand-in character ([`hide_inner_boms`]).

use crate::event::{CoreTag, Event, TagClass};
use crate::node::{Node, Pos, Style};
use crate::read::{count_newlines, Builder, Reading, YamlError};
use foldhash::{HashMap, HashMapExt};
use saphyr_parser::{Event as SaphyrEvent, Marker, Parser, ScalarStyle, ScanError, Span, Tag};
use std::borrow::Cow;

/// Why reading stopped: a decoding error of the reader, or saphyr's own (which a leniency fix
/// may cure).
enum Stop {
    Yaml(YamlError),
    Scan(ScanError),
}

impl From<YamlError> for Stop {
    fn from(e: YamlError) -> Stop {
        Stop::Yaml(e)
    }
}

/// Re-parses allowed for libyaml leniencies (one per fixed spot), and the bytes they may re-read.
const MAX_RETRIES: usize = 1000;
const MAX_RETRY_WORK: usize = 256 << 20;

/// Reads the first document of `text` (whose first line is line `line_offset + 1` of its file)
/// with saphyr-parser.
pub(crate) fn parse(text: &str, line_offset: u32, r: &mut Reading) -> Result<Option<Node>, YamlError> {
    let (text, added_break) = terminated(text);
    let (text, bom) = hide_inner_boms(text, line_offset)?;
    let mut owned: Option<String> = None;
    let mut col_fix: HashMap<u32, u32> = HashMap::new();
    let mut retries = 0;
    loop {
        let cur: &str = owned.as_deref().unwrap_or(&text);
        let mut out = r.builder();
        let mut a = Adapter {
            text: cur,
            src: CharCursor { text: cur, ci: 0, bi: 0 },
            line_offset,
            col_fix: &col_fix,
            open: Vec::new(),
            flow_start: None,
            added_break_at: added_break.then(|| cur.chars().count()),
            bom,
        };
        match a.run(&mut out) {
            Ok(root) => {
                r.settle(&mut out);
                return Ok(root);
            }
            Err(Stop::Yaml(e)) => return Err(e),
            Err(Stop::Scan(e)) => {
                let flow_start = a.flow_start;
                let pos = a.pos(*e.marker());
                drop(a);
                if retries < MAX_RETRIES && retries.saturating_mul(cur.len()) < MAX_RETRY_WORK {
                    if let Some(fixed) = fix_leniency(cur, &e, flow_start, &mut col_fix) {
                        owned = Some(fixed);
                        retries += 1;
                        continue;
                    }
                }
                return Err(YamlError::new(e.info().to_string(), pos));
            }
        }
    }
}

/// The text saphyr-parser is given, and whether a line break was appended to it.
///
/// A block scalar that runs to the end of an unterminated last line ends, for go-yaml, with no
/// line break, whatever its chomping (`a: |` then `  x` at the end of the file is `x`); an
/// unterminated last line of spaces is content when it reaches past the scalar's indentation
/// and adds nothing otherwise. saphyr-parser reads a line break there. So an unterminated text
/// gets a line break (which changes the meaning of nothing else), and
/// [`Adapter::scalar`] takes back what it added to a block scalar that ends there.
fn terminated(text: &str) -> (Cow<'_, str>, bool) {
    if text.is_empty() || text.ends_with('\n') {
        return (Cow::Borrowed(text), false);
    }
    (Cow::Owned(format!("{text}\n")), true)
}

/// `text` with every byte order mark but a leading one replaced by a private-use character it
/// does not hold, and that character.
///
/// go-yaml skips a byte order mark only at the start of its input (kyaml gives it each document
/// on its own, so at the start of each); anywhere else it is an ordinary character, in a scalar,
/// a key, at the start of a line (`\u{FEFF}b: 2` is the key `\u{FEFF}b`). saphyr refuses it
/// inside a document. The stand-in has the same length in bytes and chars, so spans and columns
/// stay true; [`Adapter::scalar`] puts the mark back.
fn hide_inner_boms(text: Cow<'_, str>, line_offset: u32) -> Result<(Cow<'_, str>, Option<char>), YamlError> {
    let body = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    if !body.contains('\u{FEFF}') {
        return Ok((text, None));
    }
    // Which private-use characters (U+E000..U+F8FF, three bytes like U+FEFF) the text holds.
    const FIRST: u32 = 0xE000;
    let mut used = [0u64; 100];
    for c in body.chars().filter(|c| ('\u{E000}'..='\u{F8FF}').contains(c)) {
        let i = (c as u32 - FIRST) as usize;
        used[i / 64] |= 1 << (i % 64);
    }
    let free =
        (0..6400u32).find(|&i| used[i as usize / 64] & (1 << (i % 64)) == 0).and_then(|i| char::from_u32(FIRST + i));
    let Some(stand_in) = free else {
        let at = body.find('\u{FEFF}').unwrap_or(0) + (text.len() - body.len());
        let line = count_newlines(&text[..at]) + 1;
        return Err(YamlError::new(
            "a byte order mark inside a document of a text that holds every private-use character is not supported",
            Pos::new(line + line_offset, 1),
        ));
    };
    let lead = text.len() - body.len();
    let mut s = String::with_capacity(text.len());
    s.push_str(&text[..lead]);
    s.push_str(&body.replace('\u{FEFF}', stand_in.encode_utf8(&mut [0; 4])));
    Ok((Cow::Owned(s), Some(stand_in)))
}

/// Edits `text` so that saphyr accepts what libyaml accepts, when the error is one of the known
/// leniencies. Returns `None` when it is not.
fn fix_leniency(
    text: &str,
    e: &ScanError,
    flow_start: Option<usize>,
    col_fix: &mut HashMap<u32, u32>,
) -> Option<String> {
    let info = e.info();
    let at = char_to_byte(text, e.marker().index());
    if info == "':' must be followed by a valid YAML whitespace" {
        // libyaml takes a tab after `:` as separation; make it a space.
        let bytes = text.as_bytes();
        let mut j = at.min(bytes.len());
        while j > 0 && matches!(bytes[j - 1], b' ' | b'\t') {
            j -= 1;
        }
        if j == 0 || bytes[j - 1] != b':' || !bytes[j..at].contains(&b'\t') {
            return None;
        }
        let mut s = String::with_capacity(text.len());
        s.push_str(&text[..j]);
        s.push_str(&text[j..at].replace('\t', " "));
        s.push_str(&text[at..]);
        return Some(s);
    }
    let flow_error = matches!(
        info,
        "invalid indentation"
            | "invalid indentation in flow construct"
            | "tabs disallowed within this context (block indentation)"
    );
    let quoted_error = info == "invalid indentation in quoted scalar";
    let quoted_tab = info == "tab cannot be used as indentation";
    if let (Some(ci), true) = (flow_start, flow_error || quoted_error || quoted_tab) {
        // Inside a flow collection libyaml ignores indentation (tabs included).
        let open = char_to_byte(text, ci);
        return normalize_region(text, open, flow_region_end(text.as_bytes(), open)?, col_fix);
    }
    if quoted_error {
        // A multi-line quoted scalar in block context: the error is at its opening quote.
        let bytes = text.as_bytes();
        if !matches!(bytes.get(at), Some(b'"' | b'\'')) {
            return None;
        }
        return normalize_region(text, at, skip_quoted(bytes, at)? - 1, col_fix);
    }
    if quoted_tab {
        // Tabs leading a continuation line of a quoted scalar: make them spaces (this keeps
        // columns); a too small indentation is then fixed by the case above.
        let line_start = text[..at.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
        let n = text[line_start..].bytes().take_while(|&c| c == b' ' || c == b'\t').count();
        let lead = &text[line_start..line_start + n];
        if !lead.contains('\t') {
            return None;
        }
        return Some(format!("{}{}{}", &text[..line_start], " ".repeat(n), &text[line_start + n..]));
    }
    None
}

/// Rewrites the leading whitespace of the lines after the one holding `open` up to the one
/// holding `close` as spaces reaching at least one column right of `open`. Inside flow
/// collections and quoted scalars leading whitespace is never part of a value, so this changes
/// nothing but what saphyr accepts. Blank lines are left alone.
fn normalize_region(text: &str, open: usize, close: usize, col_fix: &mut HashMap<u32, u32>) -> Option<String> {
    let line_start = text[..open].rfind('\n').map_or(0, |i| i + 1);
    let target = text[line_start..open].chars().count() + 1;
    let mut line_no = count_newlines(&text[..open]) + 1;
    let bytes = text.as_bytes();
    // (start of the line, length of its leading whitespace, new length)
    let mut edits: Vec<(usize, usize, usize)> = Vec::new();
    let mut i = open;
    while let Some(rel) = text[i..close.min(text.len())].find('\n') {
        let ls = i + rel + 1;
        line_no += 1;
        let mut n = 0;
        while ls + n < bytes.len() && matches!(bytes[ls + n], b' ' | b'\t') {
            n += 1;
        }
        let blank = ls + n >= bytes.len() || matches!(bytes[ls + n], b'\n' | b'\r');
        let has_tab = bytes[ls..ls + n].contains(&b'\t');
        if !blank && (has_tab || n < target) {
            let new_len = n.max(target);
            edits.push((ls, n, new_len));
            let slot = col_fix.entry(line_no).or_insert(0);
            *slot = slot.saturating_add(u32::try_from(new_len - n).unwrap_or(u32::MAX));
        }
        i = ls;
    }
    if edits.is_empty() {
        return None;
    }
    let mut s = String::with_capacity(text.len() + edits.iter().map(|e| e.2 - e.1).sum::<usize>());
    let mut last = 0;
    for (at, old, new) in edits {
        s.push_str(&text[last..at]);
        s.extend(std::iter::repeat_n(' ', new));
        last = at + old;
    }
    s.push_str(&text[last..]);
    Some(s)
}

/// Byte index of the bracket closing the flow collection opened at `open`.
fn flow_region_end(b: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut prev = b'[';
    let mut i = open;
    while i < b.len() {
        let c = b[i];
        match c {
            b'[' | b'{' => {
                depth += 1;
                prev = c;
                i += 1;
            }
            b']' | b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
                prev = c;
                i += 1;
            }
            b'"' | b'\'' if matches!(prev, b'[' | b'{' | b',' | b':' | b'?') => {
                i = skip_quoted(b, i)?;
                prev = b'x';
            }
            b'#' if i > 0 && matches!(b[i - 1], b' ' | b'\t' | b'\n' | b'\r') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            _ => {
                prev = c;
                i += 1;
            }
        }
    }
    None
}

/// Index just past the quoted scalar starting at `q`.
fn skip_quoted(b: &[u8], q: usize) -> Option<usize> {
    let quote = *b.get(q)?;
    let mut j = q + 1;
    while j < b.len() {
        if quote == b'"' && b[j] == b'\\' {
            j += 2;
        } else if b[j] == quote {
            if quote == b'\'' && b.get(j + 1) == Some(&b'\'') {
                j += 2;
            } else {
                return Some(j + 1);
            }
        } else {
            j += 1;
        }
    }
    None
}

fn char_to_byte(s: &str, ci: usize) -> usize {
    s.char_indices().nth(ci).map_or(s.len(), |(b, _)| b)
}

/// A char-index → byte-index cursor over the source (saphyr reports char indices).
struct CharCursor<'a> {
    text: &'a str,
    ci: usize,
    bi: usize,
}

impl CharCursor<'_> {
    fn byte_of(&mut self, ci: usize) -> usize {
        while self.ci < ci {
            match self.text[self.bi..].chars().next() {
                Some(c) => {
                    self.bi += c.len_utf8();
                    self.ci += 1;
                }
                None => break,
            }
        }
        while self.ci > ci {
            match self.text[..self.bi].chars().next_back() {
                Some(c) => {
                    self.bi -= c.len_utf8();
                    self.ci -= 1;
                }
                None => break,
            }
        }
        self.bi
    }
}

fn classify_tag(tag: Option<&Tag>) -> TagClass {
    let Some(t) = tag else { return TagClass::Implicit };
    if t.handle.is_empty() && t.suffix == "!" {
        return TagClass::Implicit;
    }
    let full: Cow<str> =
        if t.handle.is_empty() { Cow::Borrowed(&t.suffix) } else { Cow::Owned(format!("{}{}", t.handle, t.suffix)) };
    match full.strip_prefix("tag:yaml.org,2002:") {
        Some("str") => TagClass::Str,
        Some("binary") => TagClass::Binary,
        Some("merge") => TagClass::Merge,
        Some("null") => TagClass::Core(CoreTag::Null),
        Some("bool") => TagClass::Core(CoreTag::Bool),
        Some("int") => TagClass::Core(CoreTag::Int),
        Some("float") => TagClass::Core(CoreTag::Float),
        Some("timestamp") => TagClass::Core(CoreTag::Timestamp),
        _ => TagClass::Other,
    }
}

/// A collection saphyr has opened and not yet closed.
struct Open {
    map: bool,
    flow: bool,
    /// Nodes it holds so far (keys and values of a map alike).
    nodes: usize,
}

/// Turns saphyr's events for one text into the reader's.
struct Adapter<'s, 'c> {
    text: &'s str,
    src: CharCursor<'s>,
    line_offset: u32,
    /// Columns added to lines by a leniency fix, to take back from positions.
    col_fix: &'c HashMap<u32, u32>,
    open: Vec<Open>,
    /// Char index of the bracket of the outermost open flow collection.
    flow_start: Option<usize>,
    /// When the text is the reader's own copy with a line break appended (see
    /// [`terminated`]): its length in chars. A block scalar whose span runs to it ends in that
    /// added break, which go-yaml would not have read.
    added_break_at: Option<usize>,
    /// The character standing for a byte order mark in the text (see [`hide_inner_boms`]).
    bom: Option<char>,
}

impl<'s> Adapter<'s, '_> {
    fn run(&mut self, out: &mut Builder) -> Result<Option<Node>, Stop> {
        let mut parser = Parser::new_from_str(self.text);
        while let Some(item) = parser.next_event() {
            let (ev, span) = item.map_err(Stop::Scan)?;
            match ev {
                SaphyrEvent::StreamEnd | SaphyrEvent::DocumentEnd => break,
                SaphyrEvent::Nothing | SaphyrEvent::StreamStart | SaphyrEvent::DocumentStart(_) => {}
                SaphyrEvent::Scalar(text, style, anchor, tag) => {
                    self.scalar(out, text, style, anchor, tag.as_deref(), span)?
                }
                SaphyrEvent::SequenceStart(anchor, _) => self.start(out, true, anchor, span)?,
                SaphyrEvent::MappingStart(anchor, _) => self.start(out, false, anchor, span)?,
                SaphyrEvent::SequenceEnd | SaphyrEvent::MappingEnd => self.end(out)?,
                SaphyrEvent::Alias(id) => {
                    let pos = self.pos(span.start);
                    out.event(Event::Alias { anchor: id, pos })?;
                    self.node_done();
                }
            }
        }
        Ok(out.finish()?)
    }

    fn top_flow(&self) -> bool {
        self.open.last().is_some_and(|o| o.flow)
    }

    fn in_key_position(&self) -> bool {
        self.open.last().is_some_and(|o| o.map && o.nodes % 2 == 0)
    }

    fn node_done(&mut self) {
        if let Some(o) = self.open.last_mut() {
            o.nodes += 1;
        }
    }

    fn start(&mut self, out: &mut Builder, seq: bool, anchor: usize, span: Span) -> Result<(), Stop> {
        let pos = self.pos(span.start);
        let flow = if self.top_flow() {
            true
        } else if let Some(bracket) =
            self.flow_bracket(span.start.index()).filter(|_| !self.indentless_sequence(seq, span.start.index()))
        {
            self.flow_start = Some(bracket);
            true
        } else {
            false
        };
        out.event(Event::Start { seq, flow, anchor, pos })?;
        self.open.push(Open { map: !seq, flow, nodes: 0 });
        Ok(())
    }

    fn end(&mut self, out: &mut Builder) -> Result<(), Stop> {
        let was_flow = self.top_flow();
        out.event(Event::End)?;
        self.open.pop();
        self.node_done();
        if was_flow && !self.top_flow() {
            self.flow_start = None;
        }
        Ok(())
    }

    fn scalar(
        &mut self,
        out: &mut Builder,
        text: Cow<'s, str>,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<&Tag>,
        span: Span,
    ) -> Result<(), Stop> {
        let mut pos = self.pos(span.start);
        let class = classify_tag(tag);
        let mut text = text;
        if let Some(c) = self.bom.filter(|&c| text.contains(c)) {
            text = Cow::Owned(text.replace(c, "\u{FEFF}"));
        }
        let style = match style {
            ScalarStyle::Plain => Style::Plain,
            ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => Style::Quoted,
            ScalarStyle::Literal => Style::Literal,
            ScalarStyle::Folded => Style::Folded,
        };
        if matches!(style, Style::Literal | Style::Folded) {
            let header = self.block_header(span.start);
            if let (Some((at, _)), 0, None) = (header, anchor, tag) {
                pos = at;
            }
            if let Some(at) = self.tab_in_block_indentation(span, header) {
                return Err(YamlError::new("found a tab character where an indentation space is expected", at).into());
            }
            if self.added_break_at == Some(span.end.index())
                && text.ends_with('\n')
                && self.added_break_read(span, header)
            {
                text.to_mut().pop();
            }
        } else if style == Style::Plain
            // libyaml refuses `{: a}` and `[: a]` (an empty key straight before the `:`).
            && text.is_empty()
            && class == TagClass::Implicit
            && self.top_flow()
            && self.in_key_position()
            && self.char_at(span.start.index()) == Some(':')
        {
            let at = self.src.byte_of(span.start.index());
            if !self.text[..at].trim_end().ends_with('?') {
                return Err(YamlError::new("did not find expected node content", pos).into());
            }
        }
        // libyaml ends a plain scalar at `?` inside a flow collection, where the `?` starts a key
        // (YAML 1.2, and saphyr, read it as part of the scalar): the entry then has no `,` before it.
        if style == Style::Plain && self.top_flow() && text.chars().skip(1).any(|c| c == '?') {
            return Err(YamlError::new(
                "did not find expected ',' or ']': go-yaml ends a plain value at '?' inside a flow collection \
                 ([...] or {...}); quote the value",
                pos,
            )
            .into());
        }
        // The indentation the rest of a line needs after a character libyaml breaks lines on.
        let needs = match style {
            Style::Plain if !self.top_flow() => Some(usize::MAX),
            Style::Literal | Style::Folded => Some(span.start.col()),
            _ => None,
        };
        if let Some(needs) = needs {
            if let Some(c) = self.line_break_in_scalar(span, needs) {
                return Err(YamlError::new(
                    format!(
                        "go-yaml reads U+{:04X} as a line break: this scalar ends there and the rest of the line \
                         starts a new line at column 1 (could not find expected ':'); quote the value or write a \
                         real line break",
                        c as u32
                    ),
                    pos,
                )
                .into());
            }
        }
        out.event(Event::Scalar { text, style, tag: class, anchor, pos })?;
        self.node_done();
        Ok(())
    }

    fn pos(&self, m: Marker) -> Pos {
        let line = m.line() as u32;
        let mut col = m.col() as u32 + 1;
        if !self.col_fix.is_empty() {
            if let Some(&add) = self.col_fix.get(&line) {
                col = if col > add { col - add } else { 1 };
            }
        }
        Pos::new(line + self.line_offset, col)
    }

    /// A character libyaml takes for a line break (U+0085, U+2028, U+2029) inside the scalar at
    /// `span` with more of the line after it, indented less than `needs` spaces: libyaml ends
    /// the scalar there and reads the rest at that column, which in a nested block is a key with
    /// no `:`. A block plain scalar is given `usize::MAX` (its continuation needs more than its
    /// parent's indentation, which is not known here; at the top level the rest could even form
    /// a key of its own: kcompile refuses all these), a block scalar its content's indentation.
    fn line_break_in_scalar(&mut self, span: Span, needs: usize) -> Option<char> {
        let (from, to) = (self.src.byte_of(span.start.index()), self.src.byte_of(span.end.index()));
        let body = self.text.get(from..to)?;
        for (at, c) in body.char_indices().filter(|&(_, c)| matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}')) {
            let rest = &self.text[from + at + c.len_utf8()..];
            let line = &rest[..rest.find('\n').unwrap_or(rest.len())];
            let content = line.trim_start_matches(' ');
            let blank = content.chars().all(|c| matches!(c, ' ' | '\t' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}'));
            if !blank && line.len() - content.len() < needs {
                return Some(c);
            }
        }
        None
    }

    /// Whether a sequence starting at char index `ci` is a block sequence written at its key's
    /// indentation (`key:` then `- [a]`): saphyr starts it where its first item's content
    /// starts, which may be a flow collection's bracket.
    fn indentless_sequence(&mut self, seq: bool, ci: usize) -> bool {
        let value_of_block_map = self.open.last().is_some_and(|o| o.map && !o.flow && o.nodes % 2 == 1);
        let at = self.src.byte_of(ci);
        seq && value_of_block_map && self.text[..at].trim_end_matches([' ', '\t']).ends_with('-')
    }

    /// If the collection starting at char index `ci` (its properties included) is a flow
    /// collection, the char index of its bracket.
    fn flow_bracket(&mut self, ci: usize) -> Option<usize> {
        let b = self.src.byte_of(ci);
        let mut idx = ci;
        let mut chars = self.text[b..].chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '[' | '{' => return Some(idx),
                '&' | '!' => {
                    while let Some(&n) = chars.peek() {
                        if matches!(n, ' ' | '\t' | '\n' | '\r') {
                            break;
                        }
                        chars.next();
                        idx += 1;
                    }
                }
                ' ' | '\t' | '\n' | '\r' => {}
                '#' => {
                    while let Some(&n) = chars.peek() {
                        if n == '\n' {
                            break;
                        }
                        chars.next();
                        idx += 1;
                    }
                }
                _ => return None,
            }
            idx += 1;
        }
        None
    }

    /// The header of a block scalar whose content starts at `m`: where its `|` or `>` is
    /// (saphyr's span starts at the content; go-yaml's position is the indicator's) and whether
    /// it keeps trailing line breaks (`+`). `None` when `m` is not at the start of a content
    /// line: then the scalar has no content lines and `m` is at its indicator.
    fn block_header(&mut self, m: Marker) -> Option<(Pos, bool)> {
        let at = self.src.byte_of(m.index());
        let mut line_end = self.text[..at].rfind('\n')?;
        if !self.text[line_end + 1..at].trim().is_empty() {
            return None; // Not at the start of a content line: already at the indicator.
        }
        let mut line = m.line();
        loop {
            line = line.checked_sub(1)?;
            let line_start = self.text[..line_end].rfind('\n').map_or(0, |i| i + 1);
            let content = &self.text[line_start..line_end];
            let content = content.strip_suffix('\r').unwrap_or(content);
            if content.trim().is_empty() {
                line_end = line_start.checked_sub(1)?;
                continue;
            }
            // Drop a comment, then indentation and chomping indicators.
            let head = match content.find(" #").or_else(|| content.find("\t#")) {
                Some(i) => &content[..i],
                None => content,
            };
            let head = head.trim_end();
            let indicator = head.trim_end_matches(|c: char| c == '+' || c == '-' || c.is_ascii_digit());
            if !(indicator.ends_with('|') || indicator.ends_with('>')) {
                return None;
            }
            let col = indicator.chars().count() as u32;
            let keep = head[indicator.len()..].contains('+');
            return Some((Pos::new(line as u32 + self.line_offset, col), keep));
        }
    }

    /// Whether the block scalar indicator at char index `ci` (`|+`, `>2+`, ...) keeps trailing
    /// line breaks.
    fn indicator_keeps(&mut self, ci: usize) -> bool {
        let b = self.src.byte_of(ci);
        self.text[b..].bytes().skip(1).take_while(|&c| c == b'+' || c == b'-' || c.is_ascii_digit()).any(|c| c == b'+')
    }

    /// Whether saphyr's text for a block scalar that ends at the line break [`terminated`]
    /// added ends with a line break go-yaml would not have read: always after content, and
    /// after a last line of spaces when they reach past the scalar's indentation (content
    /// again) or when the scalar keeps trailing breaks (`|+`: saphyr counts the line).
    /// go-yaml refuses a tab in a block scalar's indentation: on the lines before its first
    /// content line, at the start of that line when the indentation is found from it (no
    /// indicator), and on later lines (the one that ends the scalar included) before the
    /// scalar's indentation. saphyr takes such tabs as content or as the end of the scalar.
    /// Where the first such tab is.
    fn tab_in_block_indentation(&mut self, span: Span, header: Option<(Pos, bool)>) -> Option<Pos> {
        let start = self.src.byte_of(span.start.index());
        let end = self.src.byte_of(span.end.index()).min(self.text.len());
        let line_start_of = |b: usize| self.text[..b].rfind('\n').map_or(0, |i| i + 1);
        let (mut at, content_line, explicit) = match header {
            // No content line: `start` is at the indicator.
            None => (self.text[start..].find('\n').map_or(self.text.len(), |i| start + i + 1), None, false),
            Some(_) => {
                // Back from the first content line over blank lines to the header line.
                let content = line_start_of(start);
                let mut first = content;
                let mut header_line = "";
                while first > 0 {
                    let prev = line_start_of(first - 1);
                    let text = &self.text[prev..first - 1];
                    if !text.trim().is_empty() {
                        header_line = text;
                        break;
                    }
                    first = prev;
                }
                let head = header_line.split(" #").next().unwrap_or("").trim_end();
                let indicators = head.rsplit(['|', '>']).next().unwrap_or("");
                (first, Some(content), indicators.bytes().any(|c| c.is_ascii_digit()))
            }
        };
        let indent = span.start.col();
        while at < self.text.len() && at <= end {
            let line = &self.text[at..];
            let n = line.bytes().take_while(|&c| c == b' ').count();
            if line.as_bytes().get(n) == Some(&b'\t') {
                let bad = match content_line {
                    None => true,
                    Some(c) if at < c => true,
                    Some(c) if at == c => !explicit,
                    Some(_) => n < indent,
                };
                if bad {
                    let line_no = count_newlines(&self.text[..at]) + 1;
                    return Some(Pos::new(line_no + self.line_offset, n as u32 + 1));
                }
            }
            at = match line.find('\n') {
                Some(i) => at + i + 1,
                None => break,
            };
        }
        None
    }

    fn added_break_read(&mut self, span: Span, header: Option<(Pos, bool)>) -> bool {
        let body = self.text.strip_suffix('\n').unwrap_or(self.text);
        let last = &body[body.rfind('\n').map_or(0, |i| i + 1)..];
        if last.bytes().any(|c| c != b' ') {
            return true;
        }
        match header {
            // Content lines start at the scalar's indentation.
            Some((_, keep)) => last.len() > span.start.col() || keep,
            None => self.indicator_keeps(span.start.index()),
        }
    }

    fn char_at(&mut self, ci: usize) -> Option<char> {
        let b = self.src.byte_of(ci);
        self.text[b..].chars().next()
    }
}
