//! kcompile's own YAML parser for the YAML that Kubernetes manifests are made of: block maps and
//! lists (indentless lists under keys included), plain, quoted and block scalars (multi-line
//! ones too), flow collections over one or many lines (JSON), comments, anchors, aliases and
//! tags.
//!
//! It drives the same [`Builder`] as the saphyr-parser path, with the same events and positions,
//! so every decoding rule, limit and message stays in one place. It is the fast path of the
//! reader, not a second opinion: whenever the input leaves the subset above (directives,
//! explicit `?` keys, tabs outside quoted and block scalar content, carriage returns, control
//! characters, properties on keys, implicit pairs in flow lists, …), and on *every* error, it
//! answers "not sure" and the caller parses the document with saphyr-parser, whose answer (value,
//! positions or error message) is the reader's. Where the two could disagree on what a
//! construct means, this parser bails rather than guess; the differential tests at the end of
//! this file and the `read` fuzz target compare both paths on every input they parse.
//!
//! Nothing here recurses on the input's nesting: block and flow collections live on explicit
//! stacks.

use super::node::{Node, Pos, Style};
use super::read::{Builder, Reading, YamlError};
use crate::event::{CoreTag, Event, TagClass};
use foldhash::{HashMap, HashMapExt};
use std::borrow::Cow;

/// "Not sure": the input is outside this parser's subset, or invalid. The caller asks
/// saphyr-parser.
#[derive(Debug)]
struct Bail {
    /// The line of this file that gave up (0: the builder failed), for debugging.
    #[allow(dead_code)]
    at: u32,
}

#[track_caller]
fn bail() -> Bail {
    Bail { at: std::panic::Location::caller().line() }
}

impl From<YamlError> for Bail {
    fn from(_: YamlError) -> Bail {
        Bail { at: 0 }
    }
}

type R<T> = Result<T, Bail>;

/// Parses one document (the whole of `text`, which holds no document separator but possibly a
/// leading `---` line). `None` when unsure; otherwise what the saphyr path would return.
pub(super) fn parse(text: &str, line_offset: u32, r: &mut Reading) -> Option<Option<Node>> {
    parse_inner(text, line_offset, r).ok()
}

fn parse_inner(text: &str, line_offset: u32, r: &mut Reading) -> R<Option<Node>> {
    let ascii = check_chars(text).ok_or_else(bail)?;
    let mut out = r.builder();
    let mut p = Fast {
        s: text,
        b: text.as_bytes(),
        i: 0,
        line: 1,
        line_start: 0,
        ascii,
        line_offset,
        out: &mut out,
        anchors: HashMap::new(),
        next_anchor: 0,
        blocks: Vec::new(),
    };
    p.document()?;
    let root = out.finish()?;
    r.settle(&mut out);
    Ok(root)
}

/// The event of a map key: a plain or quoted scalar with no tag or anchor (this parser bails on
/// properties on keys).
fn key_event(text: Cow<'_, str>, quoted: bool, pos: Pos) -> Event<'_> {
    let style = if quoted { Style::Quoted } else { Style::Plain };
    Event::Scalar { text, style, tag: TagClass::Implicit, anchor: 0, pos }
}

/// `Some(is_ascii)` when every character is one this parser takes: printable ASCII, tab, line
/// feed, and non-ASCII characters other than the C1 controls, the line and paragraph separators,
/// the byte order mark and U+FFFE/U+FFFF. Anything else is left to saphyr.
fn check_chars(s: &str) -> Option<bool> {
    let b = s.as_bytes();
    let mut bad = 0u8;
    let mut high = 0u8;
    // Branch-free so that it vectorizes.
    for &c in b {
        bad |= (u8::from(c < 0x20) & u8::from(c != b'\n') & u8::from(c != b'\t')) | u8::from(c == 0x7f);
        high |= c;
    }
    if bad != 0 {
        return None;
    }
    if high & 0x80 == 0 {
        return Some(true);
    }
    for c in s.chars() {
        let v = c as u32;
        if v >= 0x80 && (v < 0xA0 || v == 0x2028 || v == 0x2029 || v == 0xFEFF || v == 0xFFFE || v == 0xFFFF) {
            return None;
        }
    }
    Some(false)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum BlockKind {
    Map,
    Seq,
    /// A list whose `-` are in the column of the keys of the map holding it (`key:\n- a`).
    IndentlessSeq,
}

#[derive(Clone, Copy)]
struct Block {
    /// Column (0-based) of the keys or of the `-`.
    indent: usize,
    kind: BlockKind,
}

/// Where a node is expected.
#[derive(Clone, Copy)]
enum Slot {
    Root,
    /// After `key:`; an empty value is where the `:` is.
    MapValue(Pos),
    /// After `-`; an empty entry is where saphyr's entry token is (see [`Fast::dash`]).
    SeqEntry(Pos),
}

/// What the main loop does next.
enum Next {
    /// Parse a node at the current position: right after an indicator on the same line
    /// (`inline`), or at the first content character of a line.
    Node { slot: Slot, inline: bool },
    /// A node ended; the position is the first content character of the next content line (at
    /// the given column), or the end of the text.
    Continue(Option<usize>),
}

/// Anchor and tag of a node.
#[derive(Clone, Copy)]
struct Props {
    anchor: usize,
    class: TagClass,
    tagged: bool,
    /// Where the first property is.
    pos: Option<Pos>,
    /// The line it is on.
    line: u32,
}

impl Props {
    fn none() -> Props {
        Props { anchor: 0, class: TagClass::Implicit, tagged: false, pos: None, line: 0 }
    }

    fn present(&self) -> bool {
        self.pos.is_some()
    }
}

/// Why a plain scalar's line stopped.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PlainEnd {
    /// Line break or end of text.
    Eol,
    /// A `:` value indicator.
    Colon,
    /// ` #`.
    Comment,
    /// A flow indicator (`,[]{}`) in a flow collection.
    Flow,
}

/// Bytes that interrupt a plain scalar in block context, and in flow context.
static PLAIN_BLOCK: [bool; 256] = plain_table(false);
static PLAIN_FLOW: [bool; 256] = plain_table(true);

const fn plain_table(flow: bool) -> [bool; 256] {
    let mut t = [false; 256];
    t[b'\n' as usize] = true;
    t[b' ' as usize] = true;
    t[b'\t' as usize] = true;
    t[b':' as usize] = true;
    if flow {
        t[b',' as usize] = true;
        t[b'[' as usize] = true;
        t[b']' as usize] = true;
        t[b'{' as usize] = true;
        t[b'}' as usize] = true;
        // libyaml ends a plain scalar at `?` in a flow collection (saphyr does not): bail.
        t[b'?' as usize] = true;
    }
    t
}

fn is_flow_indicator(c: u8) -> bool {
    matches!(c, b',' | b'[' | b']' | b'{' | b'}')
}

struct Fast<'s, 'o, 'l> {
    s: &'s str,
    b: &'s [u8],
    /// Current byte.
    i: usize,
    /// 1-based line (within `s`) of `line_start`.
    line: u32,
    line_start: usize,
    ascii: bool,
    line_offset: u32,
    out: &'o mut Builder<'l>,
    anchors: HashMap<&'s str, usize>,
    next_anchor: usize,
    blocks: Vec<Block>,
}

impl<'s> Fast<'s, '_, '_> {
    // ----------------------------------------------------------------------------- positions

    /// The byte at `i`, or 0 at the end (the text holds no NUL).
    fn at(&self, i: usize) -> u8 {
        self.b.get(i).copied().unwrap_or(0)
    }

    fn peek(&self) -> u8 {
        self.at(self.i)
    }

    fn eof(&self) -> bool {
        self.i >= self.b.len()
    }

    /// Column (0-based, in characters) of byte `at` of the current line.
    fn col_of(&self, at: usize) -> usize {
        if self.ascii {
            at - self.line_start
        } else {
            self.s.get(self.line_start..at).map_or(0, |t| t.chars().count())
        }
    }

    fn pos(&self, at: usize) -> Pos {
        Pos::new(self.line + self.line_offset, self.col_of(at) as u32 + 1)
    }

    /// Steps over the line feed at `self.i`.
    fn newline(&mut self) {
        self.i += 1;
        self.line += 1;
        self.line_start = self.i;
    }

    fn skip_spaces(&mut self) {
        // Eight at a time first: deep indentation is common.
        while let Some(chunk) = self.b.get(self.i..self.i + 8) {
            if chunk != b"        " {
                break;
            }
            self.i += 8;
        }
        while self.peek() == b' ' {
            self.i += 1;
        }
    }

    /// Steps to the next line feed (or the end).
    fn skip_to_eol(&mut self) {
        match memchr::memchr(b'\n', &self.b[self.i.min(self.b.len())..]) {
            Some(n) => self.i += n,
            None => self.i = self.b.len(),
        }
    }

    /// True at `---` or `...` followed by a blank, a line break or the end.
    fn doc_marker_at(&self, i: usize) -> bool {
        let c = self.at(i);
        (c == b'-' || c == b'.')
            && self.at(i + 1) == c
            && self.at(i + 2) == c
            && matches!(self.at(i + 3), b' ' | b'\t' | b'\n' | 0)
    }

    fn parent_indent(&self) -> isize {
        self.blocks.last().map_or(-1, |b| b.indent as isize)
    }

    /// After a node's content on a line: spaces, an optional comment (after a space), then the
    /// line break, which is stepped over; or the end of the text.
    fn end_line(&mut self) -> R<()> {
        self.skip_spaces();
        if self.peek() == b'#' {
            if self.i != self.line_start && self.b[self.i - 1] != b' ' {
                return Err(bail()); // `#` glued to content
            }
            self.skip_to_eol();
        }
        match self.peek() {
            b'\n' => {
                self.newline();
                Ok(())
            }
            _ if self.eof() => Ok(()),
            _ => Err(bail()),
        }
    }

    /// From a line start: skips blank and comment lines and the indentation of the next
    /// content line; returns its column, or `None` at the end of the text.
    fn next_content_line(&mut self) -> R<Option<usize>> {
        loop {
            self.skip_spaces();
            match self.peek() {
                b'\n' => self.newline(),
                b'#' => {
                    self.skip_to_eol();
                    if self.eof() {
                        return Ok(None);
                    }
                    self.newline();
                }
                b'\t' => return Err(bail()),
                _ if self.eof() => return Ok(None),
                _ => {
                    let col = self.i - self.line_start; // spaces only
                    if col == 0 && self.doc_marker_at(self.i) {
                        return Err(bail());
                    }
                    return Ok(Some(col));
                }
            }
        }
    }

    /// `end_line` then `next_content_line`.
    fn finish_node(&mut self) -> R<Next> {
        self.end_line()?;
        Ok(Next::Continue(self.next_content_line()?))
    }

    /// True at a line break, the end, or a comment (which needs a blank before it).
    fn at_line_end(&self) -> bool {
        match self.peek() {
            b'\n' => true,
            b'#' => self.i == self.line_start || self.at(self.i - 1) == b' ',
            _ => self.eof(),
        }
    }

    /// Steps over the `-` of a list entry. Returns where saphyr's entry token is: after the
    /// blanks and any comment that follow the `-` on its line (an empty entry is there).
    fn dash(&mut self) -> Pos {
        self.i += 1;
        let mut j = self.i;
        while self.at(j) == b' ' {
            j += 1;
        }
        if self.at(j) == b'#' && j > self.i {
            while j < self.b.len() && self.b[j] != b'\n' {
                j += 1;
            }
        }
        self.pos(j)
    }

    /// True at `-` followed by a space, a line break or the end.
    fn at_dash(&self) -> bool {
        self.peek() == b'-' && matches!(self.at(self.i + 1), b' ' | b'\n' | 0)
    }

    // ----------------------------------------------------------------------------- document

    fn document(&mut self) -> R<()> {
        // A first line `---` (with at most a comment) opens the document explicitly.
        let mut explicit = false;
        loop {
            self.skip_spaces();
            match self.peek() {
                b'\n' => self.newline(),
                b'#' => {
                    self.skip_to_eol();
                    if self.eof() {
                        break;
                    }
                    self.newline();
                }
                b'\t' => return Err(bail()),
                b'-' if !explicit && self.i == self.line_start && self.doc_marker_at(self.i) => {
                    explicit = true;
                    self.i += 3;
                    self.end_line()?;
                }
                _ => break,
            }
        }
        if self.eof() {
            // An explicit empty document is a null scalar for saphyr: leave it to saphyr.
            return if explicit { Err(bail()) } else { Ok(()) };
        }
        if self.i == self.line_start && self.doc_marker_at(self.i) {
            return Err(bail());
        }
        let mut next = Next::Node { slot: Slot::Root, inline: false };
        loop {
            next = match next {
                Next::Node { slot, inline } => self.node(slot, inline)?,
                Next::Continue(col) => match self.continue_block(col)? {
                    Some(n) => n,
                    None => return Ok(()),
                },
            };
        }
    }

    /// After a node: closes the collections the next content line (at `col`) leaves, and goes
    /// on with the next key or entry. `None` when the document is complete.
    fn continue_block(&mut self, col: Option<usize>) -> R<Option<Next>> {
        let k = col.map_or(-1, |c| c as isize);
        loop {
            let Some(top) = self.blocks.last().copied() else {
                // The root node is complete: nothing may follow.
                return if col.is_none() { Ok(None) } else { Err(bail()) };
            };
            let indent = top.indent as isize;
            let close = match top.kind {
                BlockKind::Map | BlockKind::Seq if k > indent => return Err(bail()),
                BlockKind::Map | BlockKind::Seq => k < indent,
                BlockKind::IndentlessSeq if k > indent => return Err(bail()),
                BlockKind::IndentlessSeq => k < indent || !self.at_dash(),
            };
            if close {
                self.out.event(Event::End)?;
                self.blocks.pop();
                continue;
            }
            return match top.kind {
                BlockKind::Map => self.next_key().map(Some),
                BlockKind::Seq | BlockKind::IndentlessSeq => {
                    if !self.at_dash() {
                        return Err(bail());
                    }
                    let dash = self.dash();
                    Ok(Some(Next::Node { slot: Slot::SeqEntry(dash), inline: true }))
                }
            };
        }
    }

    /// A key of the current block map, at the first content character of its line.
    fn next_key(&mut self) -> R<Next> {
        let start = self.i;
        let key_pos = self.pos(start);
        let text = match self.peek() {
            b'"' | b'\'' => {
                let (text, multi) = self.quoted()?;
                if multi {
                    return Err(bail());
                }
                self.skip_spaces();
                text
            }
            c if can_start_plain(c, self.at(self.i + 1), false) => {
                let (end, stop) = self.plain_line(false)?;
                if stop != PlainEnd::Colon {
                    return Err(bail());
                }
                Cow::Borrowed(&self.s[start..end])
            }
            _ => return Err(bail()),
        };
        let plain = !matches!(self.b[start], b'"' | b'\'');
        self.key_rest(start, key_pos, text, plain)
    }

    /// A key was read (from `start`); `self.i` should be at its `:`. Emits the key and steps
    /// over the `:`.
    fn key_rest(&mut self, start: usize, key_pos: Pos, text: Cow<'_, str>, plain: bool) -> R<Next> {
        if !self.at_colon_indicator() || self.i - start > 1000 {
            return Err(bail());
        }
        self.out.event(key_event(text, !plain, key_pos))?;
        let colon = self.pos(self.i);
        self.i += 1;
        Ok(Next::Node { slot: Slot::MapValue(colon), inline: true })
    }

    /// `:` followed by a space, a line break or the end (block context).
    fn at_colon_indicator(&self) -> bool {
        self.peek() == b':' && matches!(self.at(self.i + 1), b' ' | b'\n' | 0)
    }

    // ----------------------------------------------------------------------------- nodes

    fn node(&mut self, slot: Slot, inline: bool) -> R<Next> {
        if inline {
            if self.peek() == b'\t' {
                return Err(bail());
            }
            self.skip_spaces();
        }
        let mut props = Props::none();
        self.props(&mut props, false)?;
        if !self.at_line_end() {
            return self.content(slot, inline, props);
        }
        // The node is on a later line, or empty.
        self.end_line()?;
        let col = self.next_content_line()?;
        let parent = self.parent_indent();
        match col {
            Some(k) if k as isize > parent => self.content(slot, false, props),
            Some(k) if matches!(slot, Slot::MapValue(_)) && k as isize == parent && self.at_dash() => {
                // `key:` then `- a` in the key's column. (saphyr places such a list where its
                // first entry's content starts.)
                let dash = self.dash();
                let pos = props.pos.unwrap_or(dash);
                self.out.event(Event::Start { seq: true, flow: false, anchor: props.anchor, pos })?;
                self.blocks.push(Block { indent: k, kind: BlockKind::IndentlessSeq });
                Ok(Next::Node { slot: Slot::SeqEntry(dash), inline: true })
            }
            _ => {
                let pos = match (props.pos, slot) {
                    (Some(p), _) => p,
                    (None, Slot::MapValue(p) | Slot::SeqEntry(p)) => p,
                    (None, Slot::Root) => return Err(bail()),
                };
                self.out.event(Event::Scalar {
                    text: Cow::Borrowed(""),
                    style: Style::Plain,
                    tag: props.class,
                    anchor: props.anchor,
                    pos,
                })?;
                Ok(Next::Continue(col))
            }
        }
    }

    /// A node's content at `self.i` (a non-blank character). `inline`: on the line of the
    /// indicator (`key:` or `-`) that introduced it.
    fn content(&mut self, slot: Slot, inline: bool, props: Props) -> R<Next> {
        let start = self.i;
        let c = self.peek();
        let next = self.at(start + 1);
        let props_here = props.present() && props.line == self.line;
        match c {
            b'*' => {
                if props.present() {
                    return Err(bail());
                }
                let pos = self.pos(start);
                let id = self.alias_id(false)?;
                self.out.event(Event::Alias { anchor: id, pos })?;
                self.finish_node()
            }
            b'[' | b'{' => {
                self.flow(props)?;
                self.finish_node()
            }
            b'|' | b'>' => self.block_scalar(props),
            b'-' if matches!(next, b' ' | b'\n' | 0) => {
                if props_here || (inline && matches!(slot, Slot::MapValue(_))) {
                    return Err(bail());
                }
                let pos = props.pos.unwrap_or_else(|| self.pos(start));
                let indent = self.col_of(start);
                self.out.event(Event::Start { seq: true, flow: false, anchor: props.anchor, pos })?;
                self.blocks.push(Block { indent, kind: BlockKind::Seq });
                let dash = self.dash();
                Ok(Next::Node { slot: Slot::SeqEntry(dash), inline: true })
            }
            b'"' | b'\'' => {
                let pos = props.pos.unwrap_or_else(|| self.pos(start));
                let (text, multi) = self.quoted()?;
                let after_quote = self.i;
                self.skip_spaces();
                if self.peek() == b':' {
                    if multi {
                        return Err(bail());
                    }
                    return self.new_map(slot, inline, props, start, text, false);
                }
                self.i = after_quote;
                self.out.event(Event::Scalar {
                    text,
                    style: Style::Quoted,
                    tag: props.class,
                    anchor: props.anchor,
                    pos,
                })?;
                self.finish_node()
            }
            _ if can_start_plain(c, next, false) => {
                let (end, stop) = self.plain_line(false)?;
                if stop == PlainEnd::Colon {
                    let text = Cow::Borrowed(&self.s[start..end]);
                    return self.new_map(slot, inline, props, start, text, true);
                }
                let pos = props.pos.unwrap_or_else(|| self.pos(start));
                let text = self.plain_rest(start, end, stop)?;
                self.out.event(Event::Scalar {
                    text,
                    style: Style::Plain,
                    tag: props.class,
                    anchor: props.anchor,
                    pos,
                })?;
                self.finish_node()
            }
            _ => Err(bail()),
        }
    }

    /// A key at `start` opens a block map in its column; `self.i` is at or before its `:`.
    fn new_map(
        &mut self,
        slot: Slot,
        inline: bool,
        props: Props,
        start: usize,
        key: Cow<'_, str>,
        plain: bool,
    ) -> R<Next> {
        // `a: b: c` is an error; properties on the key's line belong to the key.
        if (inline && matches!(slot, Slot::MapValue(_))) || (props.present() && props.line == self.line) {
            return Err(bail());
        }
        let key_pos = self.pos(start);
        let pos = props.pos.unwrap_or(key_pos);
        let indent = self.col_of(start);
        self.out.event(Event::Start { seq: false, flow: false, anchor: props.anchor, pos })?;
        self.blocks.push(Block { indent, kind: BlockKind::Map });
        self.key_rest(start, key_pos, key, plain)
    }

    /// Anchor and tag before a node, each followed by a space, a line break or the end (or, in
    /// a flow collection, nothing else but spaces).
    fn props(&mut self, p: &mut Props, flow: bool) -> R<()> {
        loop {
            let start = self.i;
            match self.peek() {
                b'&' if p.anchor == 0 => {
                    let name = self.name()?;
                    self.next_anchor += 1;
                    self.anchors.insert(name, self.next_anchor);
                    p.anchor = self.next_anchor;
                }
                b'!' if !p.tagged => {
                    p.class = self.tag()?;
                    p.tagged = true;
                }
                b'&' | b'!' => return Err(bail()),
                _ => return Ok(()),
            }
            if p.pos.is_none() {
                p.pos = Some(self.pos(start));
                p.line = self.line;
            }
            match self.peek() {
                b' ' => self.skip_spaces(),
                b'\n' | 0 if !flow => {}
                _ => return Err(bail()),
            }
        }
    }

    /// An anchor or alias name after its `&` or `*`.
    fn name(&mut self) -> R<&'s str> {
        self.i += 1;
        let start = self.i;
        while matches!(self.peek(), b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'-') {
            self.i += 1;
        }
        if self.i == start {
            return Err(bail());
        }
        Ok(&self.s[start..self.i])
    }

    /// The anchor id an alias refers to; after it comes a blank, a line break or the end (or a
    /// flow indicator in a flow collection).
    fn alias_id(&mut self, flow: bool) -> R<usize> {
        let name = self.name()?;
        let c = self.peek();
        if !(matches!(c, b' ' | b'\n' | 0) || (flow && is_flow_indicator(c))) {
            return Err(bail());
        }
        self.anchors.get(name).copied().ok_or_else(bail)
    }

    /// `!!name`, `!name` or `!`.
    fn tag(&mut self) -> R<TagClass> {
        self.i += 1;
        let secondary = self.peek() == b'!';
        if secondary {
            self.i += 1;
        }
        let start = self.i;
        while matches!(self.peek(), b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-') {
            self.i += 1;
        }
        let suffix = &self.s[start..self.i];
        if !matches!(self.peek(), b' ' | b'\n' | 0) {
            return Err(bail());
        }
        Ok(match (secondary, suffix) {
            (false, "") => TagClass::Implicit,
            (true, "") => return Err(bail()),
            (false, _) => TagClass::Other,
            (true, "str") => TagClass::Str,
            (true, "binary") => TagClass::Binary,
            (true, "merge") => TagClass::Merge,
            (true, "null") => TagClass::Core(CoreTag::Null),
            (true, "bool") => TagClass::Core(CoreTag::Bool),
            (true, "int") => TagClass::Core(CoreTag::Int),
            (true, "float") => TagClass::Core(CoreTag::Float),
            (true, "timestamp") => TagClass::Core(CoreTag::Timestamp),
            (true, _) => TagClass::Other,
        })
    }

    // ----------------------------------------------------------------------------- plain scalars

    /// Scans a plain scalar's characters on this line from `self.i`. Returns the end of its
    /// text (trailing spaces excluded) and what stopped it; `self.i` is left at the stop (the
    /// `:`, the space before `#`, the flow indicator, the line break or the end).
    fn plain_line(&mut self, flow: bool) -> R<(usize, PlainEnd)> {
        let table = if flow { &PLAIN_FLOW } else { &PLAIN_BLOCK };
        let b = self.b;
        let mut i = self.i;
        let mut end = i;
        let stop = loop {
            while i < b.len() && !table[b[i] as usize] {
                i += 1;
            }
            if i > end && b[i - 1] != b' ' {
                end = i;
            }
            let Some(&c) = b.get(i) else { break PlainEnd::Eol };
            match c {
                b'\n' => break PlainEnd::Eol,
                b' ' => {
                    if b.get(i + 1) == Some(&b'#') {
                        break PlainEnd::Comment;
                    }
                    i += 1;
                }
                b'\t' | b'?' => return Err(bail()),
                b':' => {
                    let n = b.get(i + 1).copied().unwrap_or(0);
                    if matches!(n, b' ' | b'\n' | 0) || (flow && is_flow_indicator(n)) {
                        break PlainEnd::Colon;
                    }
                    if n == b'\t' {
                        return Err(bail());
                    }
                    i += 1;
                    end = i;
                }
                _ => break PlainEnd::Flow,
            }
        };
        self.i = i;
        Ok((end, stop))
    }

    /// A plain scalar (block context) whose first line ended at `end` because of `stop`:
    /// reads its continuation lines, if any, and returns its text. `self.i` is left at the end
    /// of its last line.
    fn plain_rest(&mut self, start: usize, end: usize, stop: PlainEnd) -> R<Cow<'s, str>> {
        if stop != PlainEnd::Eol {
            return Ok(Cow::Borrowed(&self.s[start..end]));
        }
        let min_col = self.parent_indent() + 1;
        let mut text: Option<String> = None;
        loop {
            // Look ahead: blank lines, then a more indented line that continues the scalar?
            let (save_i, save_line, save_ls) = (self.i, self.line, self.line_start);
            let mut blank_lines = 0usize;
            let continues = loop {
                if self.eof() {
                    break false;
                }
                self.newline(); // at the line feed
                self.skip_spaces();
                match self.peek() {
                    b'\n' => blank_lines += 1,
                    b'\t' => return Err(bail()),
                    _ if self.eof() => break false,
                    b'#' => break false,
                    c => {
                        let col = (self.i - self.line_start) as isize;
                        if col < min_col {
                            break false;
                        }
                        if col == 0 && self.doc_marker_at(self.i) {
                            return Err(bail());
                        }
                        if c == b':' && matches!(self.at(self.i + 1), b' ' | b'\n' | 0 | b'\t') {
                            return Err(bail());
                        }
                        break true;
                    }
                }
            };
            if !continues {
                self.i = save_i;
                self.line = save_line;
                self.line_start = save_ls;
                break;
            }
            let t = text.get_or_insert_with(|| self.s[start..end].to_string());
            if blank_lines == 0 {
                t.push(' ');
            } else {
                t.extend(std::iter::repeat_n('\n', blank_lines));
            }
            let line_start = self.i;
            let (e, stop) = self.plain_line(false)?;
            t.push_str(&self.s[line_start..e]);
            match stop {
                PlainEnd::Eol => {}
                PlainEnd::Comment => break,
                PlainEnd::Colon | PlainEnd::Flow => return Err(bail()),
            }
        }
        Ok(match text {
            Some(t) => Cow::Owned(t),
            None => Cow::Borrowed(&self.s[start..end]),
        })
    }

    // ----------------------------------------------------------------------------- quoted scalars

    /// A single- or double-quoted scalar at `self.i`; leaves `self.i` after the closing quote.
    /// Returns its text and whether it spans lines.
    fn quoted(&mut self) -> R<(Cow<'s, str>, bool)> {
        let single = self.peek() == b'\'';
        let q = self.peek();
        self.i += 1;
        let start = self.i;
        // Common case: on one line, nothing to unescape.
        let b = self.b;
        let mut j = start;
        while j < b.len() && b[j] != q && b[j] != b'\n' && (single || b[j] != b'\\') {
            j += 1;
        }
        if j < b.len() && b[j] == q && !(single && b.get(j + 1) == Some(&b'\'')) {
            self.i = j + 1;
            return Ok((Cow::Borrowed(&self.s[start..j]), false));
        }
        self.quoted_slow(single)
    }

    /// saphyr's quoted scalar scanner (escapes, folding), for the uncommon cases.
    fn quoted_slow(&mut self, single: bool) -> R<(Cow<'s, str>, bool)> {
        let q = if single { b'\'' } else { b'"' };
        let min_col = self.parent_indent() + 1;
        let mut out = String::new();
        let mut multi = false;
        let mut whitespace = String::new();
        let mut leading_break = false;
        let mut trailing_breaks = 0usize;
        loop {
            if self.eof() || (self.i == self.line_start && self.doc_marker_at(self.i)) {
                return Err(bail());
            }
            let mut leading_blanks = false;
            // Non-blank characters.
            loop {
                let c = self.peek();
                match c {
                    b' ' | b'\t' | b'\n' => break,
                    _ if self.eof() => return Err(bail()),
                    b'\'' if single && self.at(self.i + 1) == b'\'' => {
                        out.push('\'');
                        self.i += 2;
                    }
                    b'\'' if single => break,
                    b'"' if !single => break,
                    b'\\' if !single && self.at(self.i + 1) == b'\n' => {
                        self.i += 1;
                        self.newline();
                        multi = true;
                        leading_blanks = true;
                        break;
                    }
                    b'\\' if !single => self.escape(&mut out)?,
                    _ => {
                        let run = self.i;
                        self.i += 1;
                        while !self.eof() {
                            let c = self.peek();
                            if matches!(c, b' ' | b'\t' | b'\n') || c == q || (c == b'\\' && !single) {
                                break;
                            }
                            self.i += 1;
                        }
                        out.push_str(&self.s[run..self.i]);
                    }
                }
            }
            if self.peek() == q {
                self.i += 1;
                break;
            }
            // Blanks and line breaks.
            let mut crossed = false;
            loop {
                match self.peek() {
                    b' ' | b'\t' if leading_blanks => {
                        if self.peek() == b'\t' {
                            return Err(bail());
                        }
                        self.i += 1;
                    }
                    c @ (b' ' | b'\t') => {
                        whitespace.push(char::from(c));
                        self.i += 1;
                    }
                    b'\n' => {
                        multi = true;
                        crossed = true;
                        if leading_blanks {
                            trailing_breaks += 1;
                        } else {
                            whitespace.clear();
                            leading_break = true;
                            leading_blanks = true;
                        }
                        self.newline();
                    }
                    _ => break,
                }
            }
            if crossed && (self.col_of(self.i) as isize) < min_col && !self.eof() {
                return Err(bail());
            }
            if leading_blanks {
                if !leading_break {
                    out.extend(std::iter::repeat_n('\n', trailing_breaks));
                } else if trailing_breaks == 0 {
                    out.push(' ');
                } else {
                    out.extend(std::iter::repeat_n('\n', trailing_breaks));
                }
                trailing_breaks = 0;
                leading_break = false;
            } else {
                out.push_str(&whitespace);
                whitespace.clear();
            }
        }
        Ok((Cow::Owned(out), multi))
    }

    /// A double-quoted escape at `self.i` (the `\`).
    fn escape(&mut self, out: &mut String) -> R<()> {
        let c = self.at(self.i + 1);
        let simple = match c {
            b'0' => Some('\0'),
            b'a' => Some('\x07'),
            b'b' => Some('\x08'),
            b't' | b'\t' => Some('\t'),
            b'n' => Some('\n'),
            b'v' => Some('\x0b'),
            b'f' => Some('\x0c'),
            b'r' => Some('\r'),
            b'e' => Some('\x1b'),
            b' ' => Some(' '),
            b'"' => Some('"'),
            b'/' => Some('/'),
            b'\\' => Some('\\'),
            b'N' => Some('\u{85}'),
            b'_' => Some('\u{a0}'),
            b'L' => Some('\u{2028}'),
            b'P' => Some('\u{2029}'),
            _ => None,
        };
        if let Some(ch) = simple {
            out.push(ch);
            self.i += 2;
            return Ok(());
        }
        let len = match c {
            b'x' => 2,
            b'u' => 4,
            b'U' => 8,
            _ => return Err(bail()),
        };
        let digits = self.b.get(self.i + 2..self.i + 2 + len).ok_or_else(bail)?;
        let mut v = 0u32;
        for &d in digits {
            v = (v << 4) | char::from(d).to_digit(16).ok_or_else(bail)?;
        }
        out.push(char::from_u32(v).ok_or_else(bail)?);
        self.i += 2 + len;
        Ok(())
    }

    // ----------------------------------------------------------------------------- block scalars

    /// A literal (`|`) or folded (`>`) scalar whose indicator is at `self.i`.
    fn block_scalar(&mut self, props: Props) -> R<Next> {
        let literal = self.peek() == b'|';
        let style = if literal { Style::Literal } else { Style::Folded };
        // The reader finds the indicator of an untagged, unanchored block scalar by looking for
        // the first ` #` of its line; keep to lines where that finds this indicator.
        if !props.present() && self.s[self.line_start..self.i].contains(" #") {
            return Err(bail());
        }
        let pos = props.pos.unwrap_or_else(|| self.pos(self.i));
        let block_indent = self.parent_indent();
        self.i += 1;
        #[derive(PartialEq)]
        enum Chomp {
            Strip,
            Clip,
            Keep,
        }
        let mut chomp = Chomp::Clip;
        let mut increment = 0usize;
        let chomp_of = |c: u8| match c {
            b'+' => Some(Chomp::Keep),
            b'-' => Some(Chomp::Strip),
            _ => None,
        };
        if let Some(ch) = chomp_of(self.peek()) {
            chomp = ch;
            self.i += 1;
            if self.peek().is_ascii_digit() {
                increment = usize::from(self.peek() - b'0');
                self.i += 1;
            }
        } else if self.peek().is_ascii_digit() {
            increment = usize::from(self.peek() - b'0');
            self.i += 1;
            if let Some(ch) = chomp_of(self.peek()) {
                chomp = ch;
                self.i += 1;
            }
        }
        if self.at(self.i.wrapping_sub(1)) == b'0' {
            return Err(bail()); // an indentation indicator of 0 is an error
        }
        if !matches!(self.peek(), b' ' | b'\n' | 0) {
            return Err(bail());
        }
        self.end_line()?;
        if self.peek() == b'\t' {
            return Err(bail());
        }
        let mut indent = if increment > 0 {
            if block_indent >= 0 {
                block_indent as usize + increment
            } else {
                increment
            }
        } else {
            0
        };
        let mut trailing = 0usize;
        if indent == 0 {
            let mut max_indent = 0;
            loop {
                self.skip_spaces();
                max_indent = max_indent.max(self.i - self.line_start);
                if self.peek() == b'\n' {
                    trailing += 1;
                    self.newline();
                } else {
                    break;
                }
            }
            if self.peek() == b'\t' {
                return Err(bail()); // go-yaml: a tab where the indentation is being found
            }
            indent = max_indent.max((block_indent + 1) as usize);
            if block_indent > 0 {
                indent = indent.max(1);
            }
        } else {
            self.skip_block_indent(indent, &mut trailing)?;
        }
        if self.eof() {
            // go-yaml: an unterminated last line holding only spaces adds nothing.
            let text = match chomp {
                Chomp::Strip | Chomp::Clip => String::new(),
                Chomp::Keep => "\n".repeat(trailing),
            };
            self.out.event(Event::Scalar {
                text: Cow::Owned(text),
                style,
                tag: props.class,
                anchor: props.anchor,
                pos,
            })?;
            return Ok(Next::Continue(None));
        }
        let mut col = self.i - self.line_start;
        if col < indent && col as isize > block_indent {
            return Err(bail());
        }
        let mut text = String::new();
        let mut leading_break = false;
        let mut leading_blank = false;
        while col == indent && !self.eof() && self.peek() != b'\n' {
            if col == 0 && self.doc_marker_at(self.i) {
                return Err(bail());
            }
            let trailing_blank = matches!(self.peek(), b' ' | b'\t');
            if !literal && leading_break && !leading_blank && !trailing_blank {
                text.extend(std::iter::repeat_n('\n', trailing));
                if trailing == 0 {
                    text.push(' ');
                }
            } else {
                if leading_break {
                    text.push('\n');
                }
                text.extend(std::iter::repeat_n('\n', trailing));
            }
            leading_break = false;
            trailing = 0;
            leading_blank = trailing_blank;
            let content = self.i;
            self.skip_to_eol();
            text.push_str(&self.s[content..self.i]);
            if self.eof() {
                break;
            }
            leading_break = true;
            self.newline();
            self.skip_block_indent(indent, &mut trailing)?;
            col = self.i - self.line_start;
        }
        // go-yaml: a last line without a line break (content or spaces) ends the scalar with no
        // break after it, whatever the chomping.
        if chomp != Chomp::Strip && leading_break {
            text.push('\n');
        }
        if chomp == Chomp::Keep {
            text.extend(std::iter::repeat_n('\n', trailing));
        }
        self.out.event(Event::Scalar { text: Cow::Owned(text), style, tag: props.class, anchor: props.anchor, pos })?;
        if self.eof() {
            return Ok(Next::Continue(None));
        }
        self.i = self.line_start;
        Ok(Next::Continue(self.next_content_line()?))
    }

    /// Steps over up to `indent` spaces, and over lines holding only spaces (counted in
    /// `breaks`).
    /// A tab inside the indentation is an error for go-yaml: give up (saphyr's path reports it).
    fn skip_block_indent(&mut self, indent: usize, breaks: &mut usize) -> R<()> {
        loop {
            while self.i - self.line_start < indent && self.peek() == b' ' {
                self.i += 1;
            }
            match self.peek() {
                b'\n' => {
                    *breaks += 1;
                    self.newline();
                }
                b'\t' if self.i - self.line_start < indent => return Err(bail()),
                _ => return Ok(()),
            }
        }
    }

    // ----------------------------------------------------------------------------- flow collections

    /// Skips blanks, line breaks and comments inside a flow collection. Lines must be indented
    /// more than the enclosing block collection.
    fn flow_space(&mut self, min_col: isize) -> R<()> {
        loop {
            match self.peek() {
                b' ' => self.i += 1,
                b'\n' => {
                    self.newline();
                    self.skip_spaces();
                    if self.peek() == b'\t' {
                        return Err(bail());
                    }
                    if !matches!(self.peek(), b'\n' | b'#') && !self.eof() {
                        let col = (self.i - self.line_start) as isize;
                        if col < min_col || (col == 0 && self.doc_marker_at(self.i)) {
                            return Err(bail());
                        }
                    }
                }
                b'#' if self.at(self.i.wrapping_sub(1)) == b' ' || self.i == self.line_start => self.skip_to_eol(),
                b'\t' => return Err(bail()),
                _ => return Ok(()),
            }
        }
    }

    /// A flow collection at `self.i` (`[` or `{`), to its closing bracket.
    fn flow(&mut self, props: Props) -> R<()> {
        #[derive(Clone, Copy, PartialEq, Eq)]
        enum F {
            SeqFirst,
            SeqNext,
            MapFirst,
            MapNext,
        }
        let min_col = self.parent_indent() + 1;
        let mut stack: Vec<F> = Vec::new();
        let mut pending = Some(props);
        loop {
            // Open a collection if one starts here (after `pending` properties).
            if let Some(p) = pending.take() {
                let is_seq = self.peek() == b'[';
                if stack.len() >= 100 {
                    return Err(bail());
                }
                let pos = p.pos.unwrap_or_else(|| self.pos(self.i));
                self.out.event(Event::Start { seq: is_seq, flow: true, anchor: p.anchor, pos })?;
                self.i += 1;
                stack.push(if is_seq { F::SeqFirst } else { F::MapFirst });
            }
            self.flow_space(min_col)?;
            let Some(&state) = stack.last() else { return Ok(()) };
            let is_seq = matches!(state, F::SeqFirst | F::SeqNext);
            let close = if is_seq { b']' } else { b'}' };
            if self.peek() == close {
                self.out.event(Event::End)?;
                self.i += 1;
                stack.pop();
                if stack.is_empty() {
                    return Ok(());
                }
                continue;
            }
            if matches!(state, F::SeqNext | F::MapNext) {
                if self.peek() != b',' {
                    return Err(bail());
                }
                self.i += 1;
                self.flow_space(min_col)?;
                if self.peek() == close {
                    continue; // a trailing comma
                }
            }
            if let Some(top) = stack.last_mut() {
                *top = if is_seq { F::SeqNext } else { F::MapNext };
            }
            if !is_seq {
                // A key, then `:` and a value, or no value.
                let start = self.i;
                let key_pos = self.pos(start);
                let line = self.line;
                let quoted = matches!(self.peek(), b'"' | b'\'');
                let text = if quoted {
                    let (text, multi) = self.quoted()?;
                    if multi {
                        return Err(bail());
                    }
                    text
                } else if can_start_plain(self.peek(), self.at(self.i + 1), true) {
                    let (end, stop) = self.plain_line(true)?;
                    if stop == PlainEnd::Eol || stop == PlainEnd::Comment {
                        return Err(bail());
                    }
                    Cow::Borrowed(&self.s[start..end])
                } else {
                    return Err(bail());
                };
                self.out.event(key_event(text, quoted, key_pos))?;
                self.skip_spaces();
                if self.line != line {
                    return Err(bail());
                }
                match self.peek() {
                    b':' => {
                        let colon = self.pos(self.i);
                        let n = self.at(self.i + 1);
                        if !quoted && !matches!(n, b' ' | b'\n' | b',' | b'}') {
                            return Err(bail());
                        }
                        self.i += 1;
                        self.flow_space(min_col)?;
                        if matches!(self.peek(), b',' | b'}') {
                            self.out.event(Event::Scalar {
                                text: Cow::Borrowed(""),
                                style: Style::Plain,
                                tag: TagClass::Implicit,
                                anchor: 0,
                                pos: colon,
                            })?;
                            continue;
                        }
                    }
                    b',' | b'}' => {
                        let pos = self.pos(self.i);
                        self.out.event(Event::Scalar {
                            text: Cow::Borrowed(""),
                            style: Style::Plain,
                            tag: TagClass::Implicit,
                            anchor: 0,
                            pos,
                        })?;
                        continue;
                    }
                    _ => return Err(bail()),
                }
            }
            // A value: properties, then a scalar, an alias or a collection.
            let mut p = Props::none();
            self.props(&mut p, true)?;
            let start = self.i;
            let c = self.peek();
            match c {
                b'[' | b'{' => {
                    pending = Some(p);
                    continue;
                }
                b'*' => {
                    if p.present() {
                        return Err(bail());
                    }
                    let pos = self.pos(start);
                    let id = self.alias_id(true)?;
                    self.out.event(Event::Alias { anchor: id, pos })?;
                }
                b'"' | b'\'' => {
                    let pos = p.pos.unwrap_or_else(|| self.pos(start));
                    let (text, _) = self.quoted()?;
                    self.out.event(Event::Scalar {
                        text,
                        style: Style::Quoted,
                        tag: p.class,
                        anchor: p.anchor,
                        pos,
                    })?;
                }
                _ if can_start_plain(c, self.at(start + 1), true) => {
                    let (end, stop) = self.plain_line(true)?;
                    if stop == PlainEnd::Eol && self.flow_plain_continues()? {
                        return Err(bail());
                    }
                    let pos = p.pos.unwrap_or_else(|| self.pos(start));
                    self.out.event(Event::Scalar {
                        text: Cow::Borrowed(&self.s[start..end]),
                        style: Style::Plain,
                        tag: p.class,
                        anchor: p.anchor,
                        pos,
                    })?;
                }
                _ => return Err(bail()),
            }
            if is_seq {
                // `[a: b]` (an implicit pair) is left to saphyr.
                let (i, line, ls) = (self.i, self.line, self.line_start);
                self.flow_space(min_col)?;
                if self.peek() == b':' {
                    return Err(bail());
                }
                self.i = i;
                self.line = line;
                self.line_start = ls;
            }
        }
    }
}

impl Fast<'_, '_, '_> {
    /// After a plain scalar in a flow collection ended at a line break: whether saphyr would
    /// continue it on a later line (this parser leaves such scalars to saphyr).
    fn flow_plain_continues(&mut self) -> R<bool> {
        let (i, line, ls) = (self.i, self.line, self.line_start);
        let result = loop {
            if self.eof() {
                break false;
            }
            self.newline();
            self.skip_spaces();
            let c = self.peek();
            match c {
                b'\n' => {}
                b'\t' => return Err(bail()),
                _ if self.eof() => break false,
                _ if self.i == self.line_start && self.doc_marker_at(self.i) => return Err(bail()),
                b'#' => break false,
                b':' => {
                    break !(matches!(self.at(self.i + 1), b' ' | b'\t' | b'\n' | 0)
                        || is_flow_indicator(self.at(self.i + 1)))
                }
                _ => break !is_flow_indicator(c),
            }
        };
        self.i = i;
        self.line = line;
        self.line_start = ls;
        Ok(result)
    }
}

/// Whether a plain scalar may start with `c` followed by `next` (the indicators `-?:` need a
/// non-blank after them; `?` and `:` are left to saphyr altogether).
fn can_start_plain(c: u8, next: u8, flow: bool) -> bool {
    match c {
        b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\'' | b'"' | b'%' | b'@'
        | b'`' | b'?' | b':' | b' ' | b'\t' | b'\n' | 0 => false,
        b'-' => !(matches!(next, b' ' | b'\t' | b'\n' | 0) || (flow && is_flow_indicator(next))),
        _ => true,
    }
}

/// Differential checking: wherever the fast path answers, its answer must be saphyr's (values,
/// variants, key order, positions, errors). Used by the tests below and the fuzz target.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) mod agreement {
    use super::super::node::{Node, Value};
    use super::super::read::{parse_one_in, parse_stream_in, Budget, ReadLimits, Schema, YamlError};

    fn same_tree(a: &Node, b: &Node) -> bool {
        a.pos == b.pos
            && match (&a.value, &b.value) {
                (Value::Null, Value::Null) => true,
                (Value::Bool(x), Value::Bool(y)) => x == y,
                (Value::Int(x), Value::Int(y)) => x == y,
                (Value::UInt(x), Value::UInt(y)) => x == y,
                (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits(),
                (Value::Str(x), Value::Str(y)) => x == y,
                (Value::Seq(x), Value::Seq(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_tree(p, q)),
                (Value::Map(x), Value::Map(y)) => {
                    x.len() == y.len() && x.iter().zip(y).all(|((k1, v1), (k2, v2))| k1 == k2 && same_tree(v1, v2))
                }
                _ => false,
            }
    }

    type Outcome = Result<Vec<Node>, YamlError>;

    fn same(a: &Outcome, b: &Outcome) -> bool {
        match (a, b) {
            (Ok(x), Ok(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_tree(p, q)),
            (Err(x), Err(y)) => x == y,
            _ => false,
        }
    }

    /// Reads with saphyr-parser alone, then with the fast path first; with how many documents
    /// the fast path answered.
    fn both_ways(f: impl Fn(&ReadLimits, &mut Budget) -> Outcome) -> (Outcome, Outcome, usize) {
        let slow = f(&ReadLimits { fast_path: false, ..ReadLimits::default() }, &mut Budget::default());
        let mut budget = Budget::default();
        let fast = f(&ReadLimits::default(), &mut budget);
        (slow, fast, budget.fast_documents)
    }

    /// Checks one text in every way the reader is called (panics on a difference); returns
    /// how many documents the fast path answered.
    pub(crate) fn check(text: &str) -> usize {
        let mut answered = 0;
        for schema in [Schema::V3, Schema::V11] {
            let (slow, fast, n) = both_ways(|l, b| parse_stream_in(text, schema, l, b));
            assert!(
                same(&slow, &fast),
                "parse_stream {schema:?} differs on {text:?}:\nsaphyr: {slow:?}\nfast:   {fast:?}"
            );
            answered += n;
            let (slow, fast, n) = both_ways(|l, b| parse_one_in(text, schema, l, b).map(|d| d.into_iter().collect()));
            assert!(
                same(&slow, &fast),
                "parse_one {schema:?} differs on {text:?}:\nsaphyr: {slow:?}\nfast:   {fast:?}"
            );
            answered += n;
        }
        answered
    }
}

#[cfg(test)]
mod tests {
    //! Differential tests (see [`super::agreement`]).

    use super::super::read::Schema;
    use super::agreement::check;

    /// Texts the fast path must answer (each is checked against saphyr too).
    const HANDLED: &[&str] = &[
        "a: 1\n",
        "a: 1\nb: two\nc: \"three\"\nd: 'four'\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels:\n    app: y\ndata:\n  k: v\n",
        "a:\n- 1\n- 2\nb:\n  - x\n  -   y\n",
        "- a\n- b: 1\n  c: 2\n- - x\n  - y\n-\n  z: 1\n-\n- last\n",
        "a: [1, 2, three, \"four\", 'five']\nb: {x: 1, 'y': 2, \"z\": [3]}\nc: []\nd: {}\n",
        "{\"apiVersion\": \"v1\", \"kind\": \"X\",\n \"metadata\": {\"name\": \"a\",\n   \"labels\": {\"a\":\"b\"}},\n \"list\": [1, 2.5, true, null]}\n",
        "a: |\n  line 1\n  line 2\nb: >\n  folded\n  text\n\n  para\nc: |-\n  strip\nd: |+\n  keep\n\ne: x\n",
        "a: |2\n   indented\n  less\nb: >-\n  one\n   more\n  two\n",
        "a: &x {b: 1}\nc: *x\nd: &s str\ne: *s\nf: !!str 12\ng: !foo bar\nh: ! 12\n",
        "a: plain text\n  continued here\n\n  and a paragraph\nb: 1\n",
        "a: \"double \\\"escaped\\\" \\n \\t \\u00e9 \\x41\"\nb: 'it''s'\n",
        "# comment\na: 1 # trailing\n# another\nb:   # empty\nc: 2\n",
        "key with spaces: value with spaces\n\"quoted key\": v\n'single key': w\n",
        "a: http://example.com:8080/path\nb: a#b\nc: -1\nd: -x\ne: 1.5e3\nf: 0x1F\ng: ~\nh: null\ni: 2001-12-14\n",
        "unicode: é ü 漢字 🎉\nkey é: v\n",
        "---\na: 1\n",
        "--- # comment\na: 1\n",
        "a:\n  b:\n    c:\n      d: deep\n    e: back\nf: top\n",
        "a: \"multi\n  line\"\nb: 'also\n\n  multi'\n",
        "list: [a, b,\n  c, d]\nmap: {a: 1,\n  b: 2}\n",
        "a: {x, y: , z}\nb: [1,]\n",
        "<<: {a: 1}\nb: 2\n",
        "a: |\n  text\n\n\n",
        "a: >\n  a\n  b\n\n  c\n   d\n  e\n",
        "a: |\n\n  first after blank\n",
        "a:\n  - b:\n    - c\n    d: 1\n",
        "hello\n",
        "- x\n",
        "[1, 2]\n",
        "'q'\n",
        "|\n  root block\n",
        "a: 1\n\n\n\nb: 2",
        "a: b\n  c\n  d\n",
        "empty:\nlist:\n-\n- ''\n",
        "a: |\n  no final break",
        "a: |+\n  x\n\n  ",
        "a: >\n  x\n     ",
        "a: |1\n  x\n  ",
        "- |+\n  ",
        "a: >\n  x\n    more\n  y\n\n  z\nb: >+\n  x\n\n\nc: >2\n   x\n  y\n\n  z\n",
        "a: |2\n   \tx\n",
    ];

    /// Where the fast path gives up on a one-document text (a line of scan.rs), if it does.
    fn why(text: &str) -> Option<u32> {
        let mut budget = crate::read::Budget::default();
        let limits = crate::read::ReadLimits::default();
        let mut r = super::Reading { schema: Schema::V3, limits: &limits, budget: &mut budget, deferred: None };
        super::parse_inner(text, 0, &mut r).err().map(|b| b.at)
    }

    #[test]
    fn fast_path_agrees_and_answers_common_yaml() {
        for text in HANDLED {
            let answered = check(text);
            assert!(answered > 0, "the fast path did not answer {text:?} (gave up at scan.rs:{:?})", why(text));
        }
    }

    /// Texts that are unusual or invalid: whatever happens, the answer must be saphyr's.
    const UNUSUAL: &[&str] = &[
        "a:\t1\n",
        "a: 1\n\tb: 2\n",
        "? a\n: b\n",
        "{: a}\n",
        "[a: b]\n",
        "a: b: c\n",
        "a: - b\n",
        "a: \"x\" y\n",
        "a: [1, 2\n",
        "a: 'unterminated\n",
        "%YAML 1.2\n---\na: 1\n",
        "a: &x\n  b: 1\nc: *x\n",
        "a: *unknown\n",
        "&a b: c\n",
        "a: |0\n  x\n",
        "a: 1\n...\nb: 2\n",
        "a: 1\r\nb: 2\r\n",
        "\u{feff}a: 1\n",
        "a: b # c\n  d\n",
        "a: b\n  c: d\n",
        "- a\nb: 1\n",
        "a:\n  b: 1\n c: 2\n",
        "a: \"x\n\ty\"\n",
        "a: [1,\n\t2]\n",
        "spec:\n  args: [\n  \"a\",\n\"b\", {c: [\n1]}\n]\n",
        "x: {a: &x }\n",
        "a: !<tag:yaml.org,2002:str> 1\n",
        "a: !!binary aGVsbG8=\n",
        "a: 1\na: 2\n",
        "---\n",
        "--- |\n  x\n",
        "a: [*x]\n",
        "a: &x [*x]\n",
        "\"a\nb\": c\n",
        "a: '''\n",
        "a: \"\\q\"\n",
        "x: \"\\ud800\"\n",
        "a:\n  - b\n   - c\n",
        "a: |\n  x\n y\n",
        "a: >\n   x\n  y\n",
        "a: |\n\t x\n",
        "a: b\n# c\n  d: 1\n",
        "key: value\n  # comment\n  more\n",
        "a: [b]: c\n",
        "[a]: b\n",
        "a: {b: [c]: d}\n",
        "a: {b:c}\n",
        "a: {\"b\":c}\n",
        "a: [\"b\":c]\n",
        "a: {b: c\n  d}\n",
        "a: [b\n  c]\n",
        "- - - - x\n",
        "a: !!int 1.5\n",
        "a: .inf\n",
        "1: a\n",
        "data:\n  1: a\n",
        "a: &a 1\n*a : b\n",
        "a: \"long\\\n  continued\"\n",
        "a: \"trailing space \n  next\"\n",
    ];

    #[test]
    fn fast_path_agrees_on_unusual_yaml() {
        for text in UNUSUAL {
            check(text);
        }
    }

    // ------------------------------------------------------------------------- generated YAML

    /// A small deterministic generator (xorshift).
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
        fn chance(&mut self, percent: usize) -> bool {
            self.below(100) < percent
        }
        fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
            xs[self.below(xs.len())]
        }
    }

    const WORDS: &[&str] = &[
        "app",
        "nginx",
        "value",
        "a b c",
        "x",
        "http://h:80/p",
        "a#b",
        "-x",
        "1",
        "0",
        "-1",
        "1.5",
        "1e3",
        "0x1F",
        "012",
        "true",
        "false",
        "yes",
        "no",
        "on",
        "null",
        "~",
        "2001-12-14",
        "2001-12-14T21:59:43Z",
        "12:30",
        "é",
        "漢字",
        "x:y",
        "a,b",
        "a]b",
        "1_000",
        ".5",
        "+1",
        "<<",
        "key.with/slash",
        "--flag=1",
        "100m",
        "!x",
        "a  b",
        "%x",
        "@x",
        "`x",
        "?x",
        ":x",
        "x?",
        "[x",
        "{x",
        "*x",
        "&x",
        "|x",
        ">x",
        "'x",
        "\"x",
        "a'b",
    ];

    struct Gen {
        r: Rng,
        out: String,
        anchors: usize,
    }

    impl Gen {
        fn pad(&mut self, n: usize) {
            self.out.extend(std::iter::repeat_n(' ', n));
        }

        /// Maybe a comment line, a blank line or trailing spaces.
        fn noise(&mut self, indent: usize) {
            match self.r.below(12) {
                0 => self.out.push('\n'),
                1 => {
                    let n = self.r.below(indent + 3);
                    self.pad(n);
                    self.out.push_str("# note: x\n");
                }
                2 => self.out.push_str("  \n"),
                _ => {}
            }
        }

        fn word(&mut self) -> String {
            let w = self.r.pick(WORDS);
            match self.r.below(10) {
                0 => format!("\"{}\"", w.replace('\\', "\\\\").replace('"', "\\\"")),
                1 => format!("'{}'", w.replace('\'', "''")),
                2 => "\"esc \\t \\n \\u00e9 \\x41 \\\" \\\\ \\/\"".to_string(),
                3 => String::new(),
                _ => w.to_string(),
            }
        }

        fn props(&mut self) -> String {
            let mut p = String::new();
            if self.r.chance(8) {
                self.anchors += 1;
                p.push_str(&format!("&a{} ", self.anchors));
            }
            if self.r.chance(6) {
                p.push_str(self.r.pick(&["!!str ", "!foo ", "! ", "!!int ", "!!null "]));
            }
            p
        }

        fn alias(&mut self) -> Option<String> {
            (self.anchors > 0 && self.r.chance(5)).then(|| format!("*a{}", 1 + self.r.below(self.anchors)))
        }

        fn flow(&mut self, depth: usize) -> String {
            let n = self.r.below(4);
            let map = self.r.chance(50);
            let mut items = Vec::new();
            for _ in 0..n {
                let v = if depth < 3 && self.r.chance(20) { self.flow(depth + 1) } else { self.word() };
                if map {
                    let k = self.word();
                    items.push(match self.r.below(6) {
                        0 => k,
                        1 => format!("{k}:"),
                        2 => format!("{k}: "),
                        _ => format!("{k}: {v}"),
                    });
                } else {
                    items.push(v);
                }
            }
            let sep = if self.r.chance(15) { ",\n    " } else { ", " };
            let body = items.join(sep);
            let trailing = if self.r.chance(10) && !items.is_empty() { "," } else { "" };
            if map {
                format!("{{{body}{trailing}}}")
            } else {
                format!("[{body}{trailing}]")
            }
        }

        fn block_scalar(&mut self, indent: usize) {
            let ind = self.r.pick(&["|", ">", "|-", ">-", "|+", ">+", "|2", ">1-", "|+2"]);
            self.out.push_str(ind);
            if self.r.chance(10) {
                self.out.push_str(" # c");
            }
            self.out.push('\n');
            let base = indent + 2;
            for _ in 0..self.r.below(5) {
                match self.r.below(8) {
                    0 => self.out.push('\n'),
                    1 => {
                        self.pad(base + 2);
                        self.out.push_str("more indented\n");
                    }
                    2 => {
                        self.pad(base);
                        self.out.push_str("tab\there\n");
                    }
                    3 => {
                        let extra = self.r.below(3);
                        self.pad(base + extra);
                        self.out.push('\n');
                    }
                    _ => {
                        self.pad(base);
                        let w = self.r.pick(WORDS);
                        self.out.push_str(w);
                        self.out.push('\n');
                    }
                }
            }
        }

        /// A value after `key:` (the key and colon are written).
        fn value(&mut self, indent: usize, depth: usize) {
            let props = self.props();
            if depth < 5 && self.r.chance(35) {
                // A nested block collection on the next lines.
                self.out.push_str(props.trim_end());
                if self.r.chance(10) {
                    self.out.push_str(" # c");
                }
                self.out.push('\n');
                self.noise(indent);
                if self.r.chance(40) {
                    let ind = if self.r.chance(50) { indent } else { indent + 2 };
                    self.seq(ind, depth + 1);
                } else {
                    let extra = self.r.below(2);
                    self.map(indent + 2 + extra, depth + 1);
                }
                return;
            }
            if !props.is_empty() {
                self.out.push(' ');
                self.out.push_str(&props);
            }
            match self.r.below(12) {
                0 => {
                    if props.is_empty() {
                        self.out.push(' ');
                    }
                    let f = self.flow(0);
                    self.out.push_str(&f);
                    self.out.push('\n');
                }
                1 => {
                    if props.is_empty() {
                        self.out.push(' ');
                    }
                    self.block_scalar(indent);
                }
                2 => {
                    if props.is_empty() {
                        if let Some(a) = self.alias() {
                            self.out.push(' ');
                            self.out.push_str(&a);
                        }
                    }
                    self.out.push('\n');
                }
                3 => {
                    // A multi-line plain or quoted scalar.
                    if props.is_empty() {
                        self.out.push(' ');
                    }
                    let q = self.r.pick(&["", "\"", "'"]);
                    self.out.push_str(q);
                    self.out.push_str("first line");
                    for _ in 0..1 + self.r.below(3) {
                        if self.r.chance(30) {
                            self.out.push('\n');
                        }
                        self.out.push('\n');
                        let extra = self.r.below(3);
                        self.pad(indent + 1 + extra);
                        self.out.push_str("continued");
                    }
                    self.out.push_str(q);
                    self.out.push('\n');
                }
                _ => {
                    if props.is_empty() {
                        self.out.push(' ');
                    }
                    let w = self.word();
                    self.out.push_str(&w);
                    if self.r.chance(10) {
                        self.out.push_str(" # trailing");
                    }
                    if self.r.chance(5) {
                        self.out.push_str("  ");
                    }
                    self.out.push('\n');
                }
            }
        }

        fn key(&mut self) -> String {
            match self.r.below(10) {
                0 => format!("\"{}\"", self.r.pick(&["q key", "a:b", "1", "é"])),
                1 => format!("'{}'", self.r.pick(&["single", "it''s", "2"])),
                2 => self.r.pick(&["<<", "1", "true", "null", "-k", "k.j/x", "with space"]).to_string(),
                _ => format!("k{}", self.r.below(30)),
            }
        }

        fn map(&mut self, indent: usize, depth: usize) {
            for _ in 0..1 + self.r.below(4) {
                self.pad(indent);
                let k = self.key();
                self.out.push_str(&k);
                self.out.push(':');
                self.value(indent, depth);
                self.noise(indent);
            }
        }

        fn seq(&mut self, indent: usize, depth: usize) {
            for _ in 0..1 + self.r.below(4) {
                self.pad(indent);
                self.out.push('-');
                match self.r.below(6) {
                    0 if depth < 5 => {
                        // A compact map in the entry.
                        self.out.push(' ');
                        let k = self.key();
                        self.out.push_str(&k);
                        self.out.push(':');
                        self.value(indent + 2, depth + 1);
                        if self.r.chance(60) {
                            self.map(indent + 2, depth + 1);
                        }
                    }
                    1 if depth < 5 => {
                        self.out.push('\n');
                        self.map(indent + 2, depth + 1);
                    }
                    2 if depth < 5 => {
                        self.out.push(' ');
                        self.out.push('-');
                        let w = self.word();
                        self.out.push(' ');
                        self.out.push_str(&w);
                        self.out.push('\n');
                    }
                    3 => self.out.push('\n'),
                    _ => self.value(indent, depth),
                }
                self.noise(indent);
            }
        }

        fn document(&mut self) {
            if self.r.chance(10) {
                self.out.push_str("---\n");
            }
            self.noise(0);
            match self.r.below(10) {
                0 => self.seq(0, 0),
                1 => {
                    let f = self.flow(0);
                    self.out.push_str(&f);
                    self.out.push('\n');
                }
                _ => self.map(0, 0),
            }
        }
    }

    const MUTATION_CHARS: &[u8] = b" \n\t:-#'\"[]{},&*!|>?%@`\\ax1.\r";

    fn mutate(r: &mut Rng, text: &str) -> String {
        let mut b = text.as_bytes().to_vec();
        for _ in 0..1 + r.below(3) {
            let at = r.below(b.len() + 1);
            match r.below(4) {
                0 => b.insert(at, MUTATION_CHARS[r.below(MUTATION_CHARS.len())]),
                1 if at < b.len() => {
                    b.remove(at);
                }
                2 if at < b.len() => b[at] = MUTATION_CHARS[r.below(MUTATION_CHARS.len())],
                _ => {
                    // Indent or dedent the line holding `at`.
                    let ls = b[..at].iter().rposition(|&c| c == b'\n').map_or(0, |p| p + 1);
                    if r.chance(50) {
                        b.insert(ls, b' ');
                    } else if b.get(ls) == Some(&b' ') {
                        b.remove(ls);
                    }
                }
            }
        }
        String::from_utf8(b).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }

    #[test]
    fn fast_path_agrees_on_generated_yaml() {
        let mut answered = 0;
        let mut total = 0;
        let mut r = Rng(0x9e37_79b9_7f4a_7c15);
        let rounds = std::env::var("KCOMPILE_GEN_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(1500);
        let trace = std::env::var_os("KCOMPILE_GEN_TRACE").is_some();
        for round in 0..rounds {
            let mut g = Gen { r: Rng(r.next() | 1), out: String::new(), anchors: 0 };
            g.document();
            if round % 5 == 0 {
                g.out.push_str("---\n");
                g.document();
            }
            let text = g.out;
            if trace {
                eprintln!("{round}: {text:?}");
            }
            let n = check(&text);
            if n == 0 && std::env::var_os("KCOMPILE_GEN_WHY").is_some() {
                let first = text.split("---\n").find(|p| !p.trim().is_empty()).unwrap_or("");
                eprintln!("WHY {:?} {first:?}", why(first));
            }
            answered += usize::from(n > 0);
            total += 1;
            for _ in 0..3 {
                let m = mutate(&mut r, &text);
                if trace {
                    eprintln!("{round} mutated: {m:?}");
                }
                check(&m);
            }
        }
        // Many generated documents are invalid or odd on purpose; still, a good share must stay
        // within the subset the fast path reads, or this test would not test it.
        assert!(answered * 3 > total, "the fast path answered only {answered} of {total} generated texts");
    }

    fn yaml_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                yaml_files(&p, out);
            } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml")
                || p.file_name().is_some_and(|n| n == "Kustomization")
            {
                out.push(p);
            }
        }
    }

    /// Every YAML file of the repository (fixtures, examples), plus the directories listed in
    /// `KCOMPILE_DIFF_CORPUS` (colon-separated) for local runs over larger corpora.
    #[test]
    fn fast_path_agrees_on_corpus_files() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut dirs = vec![root.join("core/tests"), root.join("base"), root.join("overlays"), root.join("fuzz/seeds")];
        if let Some(extra) = std::env::var_os("KCOMPILE_DIFF_CORPUS") {
            dirs.extend(std::env::split_paths(&extra));
        }
        let mut files = Vec::new();
        for d in &dirs {
            yaml_files(d, &mut files);
        }
        let (mut answered, mut total) = (0, 0);
        for f in &files {
            let Ok(text) = std::fs::read_to_string(f) else { continue };
            total += 1;
            if check(&text) > 0 {
                answered += 1;
            } else if std::env::var_os("KCOMPILE_GEN_WHY").is_some() {
                eprintln!("WHY {:?} {}", why(&text), f.display());
            }
        }
        assert!(total > 50, "only {total} files found");
        assert!(answered * 10 > total * 8, "the fast path answered only {answered} of {total} files");
    }
}
