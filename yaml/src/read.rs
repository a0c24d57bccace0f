//! The YAML reader: turns YAML text into [`Node`]s, decoding values the way kustomize does.
//!
//! Events (`event::Event`) come from kcompile's own parser (`scan.rs`) for the YAML that
//! manifests are made of, and from `saphyr-parser` (through its adapter, `saphyr.rs`) for
//! anything else and for every error (the two agree wherever the first answers: differential
//! tests and a fuzz target check it); [`Limits::fast_path`] turns the first off. The reader's
//! `Builder` cannot tell which parser sent an event. Nodes are built from the
//! events in one pass with an explicit stack (nothing recurses on the input's nesting). Two decoding schemas exist because kustomize reads
//! its inputs with two different YAML libraries:
//!
//! * [`Schema::V3`] — go-yaml v3 as used by kyaml: resources and strategic-merge patches.
//! * [`Schema::V11`] — go-yaml v2 (YAML 1.1 flavoured) as used by `sigs.k8s.io/yaml`:
//!   kustomization files and JSON 6902 patches.
//!
//! What kubectl (kustomize v5.5.0) was seen to do, and this reader therefore does:
//!
//! * **Multi-document files** ([`parse_stream`]) are cut the way kyaml cuts them, not by the YAML
//!   parser: `\r\n` becomes `\n`, then every line that starts with `---` and follows a newline
//!   separates documents (non-overlapping, like the regexp `\n---.*\n`). Such a line may only
//!   carry a comment after the `---` (`--- foo` fails with "invalid document separator: --- foo").
//!   Each part is then parsed on its own and only its *first* YAML document is used: whatever
//!   follows a `...` in the same part is ignored, unread. Documents that are null, `{}` or `[]`
//!   are dropped. Documents that are scalars or lists are returned as they are (kustomize then
//!   fails with "missing Resource metadata"; that is the caller's business), as are `kind: List`
//!   documents (unwrapping them is the caller's business too).
//! * **Single documents** ([`parse_one`]) read the first YAML document and ignore the rest without
//!   scanning it, as go-yaml's `Unmarshal` does: a kustomization with a second (even broken)
//!   document is accepted and the second document ignored; `---\n---\nresources: …` is empty.
//! * **Map keys, V3.** Keys of nested maps must decode to strings: `1: a`, `true: a`, `null: a`,
//!   `1.5: a` or a timestamp key in `data:` make kustomize fail (with an unhelpful JSON message);
//!   here they are an error naming the key. Keys of a document's *top-level* map are decoded into
//!   strings as written (`0x10: z` gives the key `0x10`, `1.50: f` gives `1.50`), except `null`
//!   and `~`, which fail. An empty key (`? ` alone, `{? : a}`) is the empty string at any level.
//! * **Map keys, V11.** Converted as `sigs.k8s.io/yaml` converts them: integers and booleans to
//!   decimal and `true`/`false` (`yes: x` gives the key `true`), floats to Go's shortest 32-bit
//!   `%g` (`1e+06`, `3.1415927`, `.inf`), timestamps stay as written; a null or uint64 key is an
//!   error. List and map keys are an error in both schemas.
//! * **Duplicate keys.** V3: an error, `mapping key "x" already defined at line N` (go-yaml v3),
//!   deferred by [`parse_stream_deferring`] (the last value wins). V11: the last one wins
//!   (go-yaml v2).
//! * **Merge keys** `<<`. V3: the first `<<` key of a map that is not a merge key (quoted, or
//!   tagged `!!str`) vanishes with its value, as kyaml drops it; later ones are ordinary keys.
//!   V3 follows kyaml's de-anchoring: the map's own keys win wherever they
//!   are, in a list of maps the earlier map wins, a second `<<` in one map is an error
//!   ("duplicate merge key"). V11 follows go-yaml v2, which merges in place: a `<<` overrides the
//!   keys before it, keys after it override it, several `<<` are allowed.
//! * **Empty values in flow collections** (V3 only): `{a: }`, `{a}`, `[a: ]` decode to the empty
//!   string, not null (kyaml re-serialises the node and go-yaml prints an empty null in flow
//!   context as `''`). In block context `a:` is null. V11 keeps null.
//! * **Infinities and NaN** (`.inf`, `-.Inf`, `.nan`, `!!float .inf`) are an error in both
//!   schemas ("json: unsupported value: +Inf"), as kustomize fails converting them to JSON.
//!   `-0.0` reads as `0.0` (what kustomize's JSON round trip leaves of it).
//! * **Timestamps.** V3: plain scalars that go-yaml v3 parses as timestamps (`2001-12-14`,
//!   `2001-12-14T21:59:43.10-05:00`, `2001-12-14 21:59:43.10`, …) become strings in RFC 3339 form
//!   as Go's `time.Time` marshals to JSON (`2001-12-14T00:00:00Z`, `2001-12-14T21:59:43.1-05:00`);
//!   an offset of 24 hours or more parses but cannot be marshalled and is an error. V11: they
//!   stay as written.
//! * **Tags.** `!!str`, `!!int`, `!!float`, `!!bool`, `!!null`, `!!timestamp` and `!!binary`
//!   behave as in go-yaml (`!!int "12"` is 12, `!!int abc` is an error
//!   "cannot decode !!str `abc` as a !!int", `!!binary` is base64-decoded). Any other tag on a
//!   scalar (`!foo 123`) keeps the text as a string; the non-specific tag `!` is ignored. Tags on
//!   lists and maps are ignored.
//!
//! * **Block scalars at the end of the text.** A block scalar (`|`, `>`, any chomping) whose last
//!   line has no line break (a file saved without one, the text of an inline `patch: |-`) ends
//!   with no line break, as in go-yaml: `x: |` then `  Cloud` at the end is `Cloud`. An
//!   unterminated last line of spaces adds nothing, unless it reaches past the scalar's
//!   indentation (then those spaces are content). A tab in a block scalar's indentation (before
//!   its indentation is found, or before it on a later line) is an error, as in go-yaml.
//! * **Block scalars as kustomize prints them (V3).** kyaml writes each resource with go-yaml v3,
//!   keeping every scalar's style, and reads it back before kustomize prints it. go-yaml's
//!   writer of folded scalars adds a line break before a more-indented or tab-led line and at a
//!   kept (`>+`) end, and drops one between two ordinary lines when the first line is
//!   more-indented; a literal or folded scalar whose text starts with a tab is written so that
//!   it cannot be read back, and kustomize fails. The reader applies that round trip to block
//!   scalars (see `reprinted_block_scalar`); kustomization files (V11) are never written back.
//!
//! * **Problems kustomize finds late** ([`Deferred`]). kyaml reads resources and patches into
//!   go-yaml nodes without decoding them; a bad tag, a duplicate or non-string key, an infinity
//!   or NaN, a timestamp Go cannot marshal fail only when kustomize converts the object to JSON
//!   (to print it, to apply a JSON 6902 patch), and only if the node is still there (and, when
//!   it prints, not in `metadata.annotations`, rewritten from the text just before). [`parse_stream_deferring`], which
//!   the build uses for resources and strategic-merge patches, records them with the node's
//!   position instead of failing: the scalar keeps its text, the key is kept as written, a
//!   duplicate key's last value wins. Every other entry point fails on them, as above.
//!
//! * **Control characters.** A character go-yaml's reader refuses (C0 controls other than tab,
//!   line feed and carriage return; DEL; C1 controls other than U+0085; U+FFFE, U+FFFF) anywhere
//!   in the text is an error at its line and column ("control characters are not allowed"). One
//!   written as an escape in double quotes reads, but DEL, C1 controls and U+FFFE/U+FFFF make
//!   kustomize fail when it converts its output (JSON) back to YAML: an error too.
//!
//! Leniencies of go-yaml (libyaml) that `saphyr-parser` does not share are patched over (in the
//! adapter) by re-parsing with a minimally edited text: a tab right after a `:` value indicator, and lines
//! inside flow collections or multi-line quoted scalars indented less than YAML 1.2 requires or
//! indented with tabs (rewriting such leading whitespace cannot change a value). Reported
//! columns are corrected.
//!
//! Known differences from go-yaml, all on input kubectl rejects or never sees in practice:
//! saphyr accepts tabs that libyaml refuses (a tab-only line or a tab before a comment in block
//! indentation, `- \ta`, `:\tb` after an explicit `? key`), treats U+0085, U+2028 and U+2029 as
//! ordinary characters where libyaml breaks lines on them (the adapter refuses a block plain
//! scalar with one followed by more of its line, and a block scalar with one followed by a less
//! indented rest of the line, which libyaml fails on; but one ending a plain scalar's line stays
//! in the value where libyaml drops it, and the indentation after one in a block scalar stays
//! where libyaml strips it), refuses more than 255 nested flow
//! collections (go-yaml: 10000). Syntax error messages are saphyr's, not go-yaml's.
//!
//! The caller must hand over valid UTF-8 (reject other bytes before calling); a leading BOM is
//! fine.

use super::node::{Map, Node, Pos, Style as NodeStyle, Value, Written};
use crate::event::{CoreTag, Event, Style, TagClass};
use crate::resolve::{go_format_float32_g, go_special_float, resolve_core, Res};
use foldhash::{HashMap, HashMapExt};
use std::borrow::Cow;
use std::fmt;

/// Which YAML library's decoding rules to follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schema {
    /// go-yaml v3 (kyaml): resources and strategic-merge patches.
    V3,
    /// go-yaml v2, YAML 1.1 flavoured (`sigs.k8s.io/yaml`): kustomization files and JSON 6902
    /// patches. `yes`/`no`/`on`/`off`/`y`/`n` are booleans; timestamps stay strings.
    V11,
}

/// A YAML syntax or decoding error, at a 1-based line and column of the text that was read.
#[derive(Clone, Debug, PartialEq)]
pub struct YamlError {
    /// What went wrong.
    pub message: String,
    /// Where (1-based line and column; `0:0` when unknown).
    pub pos: Pos,
    /// Which of the [`Limits`] the text went over, when that is what went wrong.
    pub limit: Option<Limit>,
}

/// A problem that kustomize finds in a resource or a strategic-merge patch only when it converts
/// the object to JSON (kyaml's `MarshalJSON`: go-yaml v3 decodes the node tree, `encoding/json`
/// writes the result), not when it reads the file: a tag that does not fit its value (`!!int é`,
/// bad `!!binary`), a duplicate key, a map key that decodes to something other than a string,
/// an infinity or NaN, a timestamp Go cannot marshal. kustomize converts an object when it
/// prints it and when it applies a JSON 6902 patch to it; by then the offending node may be gone
/// (a patch deleted or replaced it) or be a string (kustomize rewrites `metadata.annotations`
/// from the values' text before it prints), and there is no error.
///
/// [`parse_stream_deferring`] records these instead of failing; the value read is what kyaml
/// would give as text: the scalar's text as written (a bad tag or a NaN; under a bad `!!null`
/// tag a null keeping that text, as kyaml tells nulls by tag), the key as written, the
/// first value of a duplicate key (what kyaml's field lookups find; the later ones are on the
/// [`Deferred`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Deferred {
    /// The node whose presence in the converted object makes the conversion fail: the scalar
    /// itself, the value of a bad key, the map holding a duplicate key.
    pub node: Pos,
    /// The error kustomize's conversion fails with, at the place it is about.
    pub error: YamlError,
    /// For a duplicate key: the key and the later value, which the map does not hold (kyaml
    /// finds a field by its first occurrence; a string map made from the node, such as
    /// kustomize's annotations, keeps the last).
    pub later: Option<(String, Node)>,
}

/// Which of the [`Limits`] a [`YamlError`] is about, so that a caller can say how to raise it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Limit {
    /// [`Limits::max_depth`].
    Depth,
    /// [`Limits::max_nodes`].
    Nodes,
    /// [`Limits::max_alias_nodes`].
    AliasNodes,
    /// [`Limits::max_bytes`].
    Bytes,
    /// [`Limits::max_documents`].
    Documents,
}

impl YamlError {
    pub(crate) fn new(message: impl Into<String>, pos: Pos) -> YamlError {
        YamlError { message: message.into(), pos, limit: None }
    }

    fn over(limit: Limit, message: impl Into<String>, pos: Pos) -> YamlError {
        YamlError { limit: Some(limit), ..YamlError::new(message, pos) }
    }
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.pos.line, self.pos.col, self.message)
    }
}

impl std::error::Error for YamlError {}

/// Bounds on what one call may build, so that hostile input (alias bombs, absurd nesting) fails
/// quickly with bounded memory instead of exhausting the machine.
///
/// The budgets apply to everything one call builds (all documents of a stream together) and count
/// every node and every byte of scalar and key text produced, including copies made for aliases
/// (and the copy kept for each anchor). They are checked before copying.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Maximum nesting of lists and maps. Default 1000 (go-yaml allows 10000, but kcompile's
    /// tree code recurses, and no real manifest comes near 1000). Note that saphyr-parser itself
    /// refuses more than 255 nested *flow* collections.
    pub max_depth: usize,
    /// Maximum number of nodes. Default 4,000,000.
    pub max_nodes: usize,
    /// Maximum bytes of scalar and key text. Default 256 MiB.
    pub max_bytes: usize,
    /// Maximum number of documents of a stream. Default: no limit.
    pub max_documents: usize,
    /// Maximum number of nodes made by alias expansion (copies for aliases and anchors), which
    /// a small text can multiply. Default: only `max_nodes`.
    pub max_alias_nodes: usize,
    /// Whether documents go through kcompile's own parser first, falling back to
    /// `saphyr-parser` when it is unsure (default), or through `saphyr-parser` alone (to
    /// compare the two). The result is the same either way; only the time differs.
    pub fast_path: bool,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_depth: 1000,
            max_nodes: 4_000_000,
            max_bytes: 256 << 20,
            max_documents: usize::MAX,
            max_alias_nodes: usize::MAX,
            fast_path: true,
        }
    }
}

/// Parses a multi-document YAML file (resources, patches) as kustomize does, dropping null and
/// empty documents. See the module documentation for the rules. Uses [`Limits::default`].
pub fn parse_stream(text: &str, schema: Schema) -> Result<Vec<Node>, YamlError> {
    parse_stream_with(text, schema, &Limits::default())
}

/// [`parse_stream`] with explicit limits.
pub fn parse_stream_with(text: &str, schema: Schema, limits: &Limits) -> Result<Vec<Node>, YamlError> {
    parse_stream_in(text, schema, limits, &mut Budget::default())
}

/// [`parse_stream_with`], charging what it builds to `budget` (what a whole build has spent so
/// far), so that the limits hold for all the files of a build together.
pub fn parse_stream_in(
    text: &str,
    schema: Schema,
    limits: &Limits,
    budget: &mut Budget,
) -> Result<Vec<Node>, YamlError> {
    stream(text, schema, limits, budget, None)
}

/// [`parse_stream_in`] under go-yaml v3's rules, recording instead of failing on what kustomize
/// finds only when it converts an object to JSON ([`Deferred`]): the documents come back with
/// those problems, in the order of the text.
pub fn parse_stream_deferring(
    text: &str,
    limits: &Limits,
    budget: &mut Budget,
) -> Result<(Vec<Node>, Vec<Deferred>), YamlError> {
    let mut deferred = Vec::new();
    let docs = stream(text, Schema::V3, limits, budget, Some(&mut deferred))?;
    Ok((docs, deferred))
}

fn stream(
    text: &str,
    schema: Schema,
    limits: &Limits,
    budget: &mut Budget,
    mut deferred: Option<&mut Vec<Deferred>>,
) -> Result<Vec<Node>, YamlError> {
    let normalized: Cow<str> = if memchr::memmem::find(text.as_bytes(), b"\r\n").is_some() {
        Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        Cow::Borrowed(text)
    };
    let mut out = Vec::new();
    for piece in split_documents(&normalized)? {
        budget.documents = budget.documents.saturating_add(1);
        if budget.documents > limits.max_documents {
            return Err(YamlError::over(
                Limit::Documents,
                format!("more than {} YAML documents: {LIMIT_SCOPE}", limits.max_documents),
                Pos::new(piece.line_offset + 1, 1),
            ));
        }
        let found =
            parse_first_document(piece.text, piece.line_offset, schema, limits, budget, deferred.as_deref_mut());
        let Some(node) = found? else {
            continue;
        };
        let empty = match &node.value {
            Value::Null => true,
            Value::Map(m) => m.is_empty(),
            Value::Seq(s) => s.is_empty(),
            _ => false,
        };
        if !empty {
            out.push(node);
        }
    }
    Ok(out)
}

/// Parses the first YAML document of `text` (a kustomization file, a JSON 6902 patch). Returns
/// `None` when there is no document or it is null. Later documents are ignored, unread, as
/// go-yaml's `Unmarshal` ignores them. Uses [`Limits::default`].
pub fn parse_one(text: &str, schema: Schema) -> Result<Option<Node>, YamlError> {
    parse_one_with(text, schema, &Limits::default())
}

/// [`parse_one`] with explicit limits.
pub fn parse_one_with(text: &str, schema: Schema, limits: &Limits) -> Result<Option<Node>, YamlError> {
    parse_one_in(text, schema, limits, &mut Budget::default())
}

/// [`parse_one_with`], charging what it builds to `budget` (see [`parse_stream_in`]).
pub fn parse_one_in(
    text: &str,
    schema: Schema,
    limits: &Limits,
    budget: &mut Budget,
) -> Result<Option<Node>, YamlError> {
    budget.documents = budget.documents.saturating_add(1);
    if budget.documents > limits.max_documents {
        return Err(YamlError::over(
            Limit::Documents,
            format!("more than {} YAML documents: {LIMIT_SCOPE}", limits.max_documents),
            Pos::new(1, 1),
        ));
    }
    Ok(parse_first_document(text, 0, schema, limits, budget, None)?.filter(|n| !n.is_null()))
}

/// What the limits bound, for their messages.
const LIMIT_SCOPE: &str = "the limit on what one build (or one parse) reads, all files together";

/// How an untagged plain scalar decodes under `schema`.
///
/// Infinities and NaN come back as floats (the parse functions reject them). V3 timestamps come
/// back as their RFC 3339 string (or as written if Go could not marshal them, e.g. a `+24:00`
/// offset); `<<` is the string `<<`.
#[allow(dead_code)] // for JSON 6902 values and vars
pub fn resolve_plain(s: &str, schema: Schema) -> Value {
    match resolve_core(s, schema, true) {
        Res::Null => Value::Null,
        Res::Bool(b) => Value::Bool(b),
        Res::Int(i) => Value::Int(i),
        Res::UInt(u) => Value::UInt(u),
        Res::Float(f) => Value::Float(if f == 0.0 { 0.0 } else { f }),
        Res::Timestamp(ts) => match schema {
            Schema::V3 => Value::Str(ts.format().unwrap_or_else(|_| s.to_string())),
            Schema::V11 => Value::Str(s.to_string()),
        },
        Res::Str | Res::Merge => Value::Str(s.to_string()),
    }
}

// ---------------------------------------------------------------------------------------------
// Document splitting (kyaml's ByteReader)
// ---------------------------------------------------------------------------------------------

struct Piece<'a> {
    text: &'a str,
    /// Lines of the file before this piece.
    line_offset: u32,
}

/// Splits like kyaml: the regexp `\n---.*\n`, non-overlapping, left to right; each piece but the
/// last keeps the newline that starts its separator.
fn split_documents(s: &str) -> Result<Vec<Piece<'_>>, YamlError> {
    let mut pieces = Vec::new();
    if s.is_empty() {
        return Ok(pieces);
    }
    let mut prev = 0usize;
    let mut prev_line = 0u32; // newlines before `prev`
    let mut from = 0usize;
    let mut counted_to = 0usize;
    let mut lines_to = 0u32; // newlines in s[..counted_to]
    let finder = memchr::memmem::Finder::new(b"\n---");
    while let Some(rel) = finder.find(&s.as_bytes()[from..]) {
        let m = from + rel;
        let Some(nl_rel) = memchr::memchr(b'\n', &s.as_bytes()[m + 4..]) else { break };
        let nl = m + 4 + nl_rel;
        lines_to += count_newlines(&s[counted_to..m]);
        counted_to = m;
        let rest = go_trim_space(&s[m + 4..nl]);
        if !rest.is_empty() && !rest.starts_with('#') {
            let sep = go_trim_space(&s[m..=nl]);
            return Err(YamlError::new(format!("invalid document separator: {sep}"), Pos::new(lines_to + 2, 1)));
        }
        pieces.push(Piece { text: &s[prev..=m], line_offset: prev_line });
        prev = nl + 1;
        prev_line = lines_to + 2;
        from = nl + 1;
    }
    pieces.push(Piece { text: &s[prev..], line_offset: prev_line });
    Ok(pieces)
}

pub(crate) fn count_newlines(s: &str) -> u32 {
    memchr::memchr_iter(b'\n', s.as_bytes()).count() as u32
}

/// Go's `strings.TrimSpace`.
fn go_trim_space(s: &str) -> &str {
    s.trim_matches(char::is_whitespace)
}

// ---------------------------------------------------------------------------------------------
// One document, with retries for libyaml leniencies
// ---------------------------------------------------------------------------------------------

/// What has been spent of the [`Limits`]: by one parse, or by all the parses of one build.
#[derive(Clone, Copy, Debug, Default)]
pub struct Budget {
    nodes: usize,
    bytes: usize,
    documents: usize,
    alias_nodes: usize,
    /// Documents kcompile's own parser read (the others went to saphyr-parser).
    pub(crate) fast_documents: usize,
}

fn parse_first_document(
    text: &str,
    line_offset: u32,
    schema: Schema,
    limits: &Limits,
    budget: &mut Budget,
    mut deferred: Option<&mut Vec<Deferred>>,
) -> Result<Option<Node>, YamlError> {
    if limits.fast_path {
        if let Some(root) = super::scan::parse(text, line_offset, schema, limits, budget, deferred.as_deref_mut()) {
            budget.fast_documents += 1;
            return Ok(root);
        }
    }
    // kcompile's parser answers no text holding a character go-yaml refuses.
    if let Some((at, c)) = go_refused_char(text) {
        let line = count_newlines(&text[..at]) + 1;
        let col = text[text[..at].rfind('\n').map_or(0, |i| i + 1)..at].chars().count() as u32 + 1;
        return Err(YamlError::new(
            format!("control characters are not allowed (U+{:04X})", c as u32),
            Pos::new(line + line_offset, col),
        ));
    }
    crate::saphyr::parse(text, line_offset, schema, limits, budget, deferred)
}

/// Whether go-yaml's reader refuses `c`: it takes tab, line feed, carriage return, printable
/// ASCII, U+0085, U+00A0–U+D7FF, U+E000–U+FFFD and U+10000 up ("control characters are not
/// allowed").
fn go_refuses(c: char) -> bool {
    !matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// The first character of a string in `node` (a value or a key) that kustomize cannot print, with
/// the path to it: DEL, C1 controls and U+FFFE/U+FFFF, which go-yaml refuses raw but reads as
/// escapes in double quotes. kustomize holds such a value until it prints its output, whose JSON
/// to YAML step then fails; a value that never reaches the output (a patch with no target, a
/// deleted object) is no error. C0 controls are printed as escapes and pass.
pub fn unprintable(node: &Node) -> Option<(char, String)> {
    fn bad(s: &str) -> Option<char> {
        // Both tests run a word or a vector at a time: the common string costs two scans.
        if s.is_ascii() && !s.as_bytes().contains(&0x7f) {
            return None;
        }
        s.chars().find(|&c| c >= '\u{7f}' && go_refuses(c))
    }
    match &node.value {
        Value::Str(s) => bad(s).map(|c| (c, String::new())),
        Value::Seq(items) => items.iter().enumerate().find_map(|(i, n)| {
            unprintable(n).map(|(c, p)| (c, if p.is_empty() { format!("[{i}]") } else { format!("[{i}].{p}") }))
        }),
        Value::Map(m) => m.iter().find_map(|(k, n)| {
            if let Some(c) = bad(k) {
                return Some((c, k.escape_debug().to_string()));
            }
            unprintable(n).map(|(c, p)| (c, if p.is_empty() { k.clone() } else { format!("{k}.{p}") }))
        }),
        _ => None,
    }
}

/// The first character of `text` go-yaml's reader refuses, with its byte offset.
fn go_refused_char(text: &str) -> Option<(usize, char)> {
    let b = text.as_bytes();
    let ascii_bad = |c: u8| (c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r')) || c == 0x7f;
    if !b.iter().any(|&c| ascii_bad(c) || c >= 0x80) {
        return None;
    }
    text.char_indices().find(|&(_, c)| go_refuses(c))
}

// ---------------------------------------------------------------------------------------------
// The builder
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Default)]
struct Info {
    anchor: usize,
    from_alias: bool,
    size: usize,
    bytes: usize,
    /// 0 for scalars, 1 + the children's maximum for collections.
    height: usize,
    timestamp: bool,
    empty_null: bool,
}

struct Anchored {
    node: Node,
    info: Info,
    /// A scalar's text as written (go-yaml v3 uses it for keys of a document's top-level map).
    raw: Option<String>,
}

enum Pending {
    /// The index of the key's (placeholder) entry.
    Key(usize),
    /// V3, deferring: a key the map has already, with the problem (its value goes there).
    Duplicate(Box<(String, YamlError)>),
    Merge,
    /// V3: the map's first `<<` key, not a merge key (quoted, or tagged `!!str`): kustomize
    /// drops the entry.
    Drop,
}

struct MapFrame {
    map: Map,
    key_lines: Vec<u32>,
    pending: Option<Pending>,
    merge_seen: bool,
    merge: Option<Vec<Map>>,
    /// V3: whether a key `<<` (of any style) was seen.
    lt_lt_seen: bool,
    /// The pending key's problem ([`Deferred`]), recorded with its value's position.
    key_problem: Option<YamlError>,
}

enum FrameKind {
    Seq(Vec<Node>),
    Map(MapFrame),
}

struct Frame {
    pos: Pos,
    anchor: usize,
    flow: bool,
    size: usize,
    bytes: usize,
    height: usize,
    kind: FrameKind,
}

/// Builds a document from the [`Event`]s of either parser, applying every decoding rule, limit
/// and message of this module.
pub(crate) struct Builder<'l> {
    schema: Schema,
    limits: &'l Limits,
    budget: Budget,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Anchored>,
    root: Option<Node>,
    /// `Some` when problems kustomize finds only later are recorded ([`Deferred`]), not raised.
    deferred: Option<Vec<Deferred>>,
}

impl<'l> Builder<'l> {
    /// A builder; with `deferring`, it records [`Deferred`] problems instead of failing on them.
    pub(crate) fn new(schema: Schema, limits: &'l Limits, budget: Budget, deferring: bool) -> Self {
        let deferred = deferring.then(Vec::new);
        Builder { schema, limits, budget, stack: Vec::new(), anchors: HashMap::new(), root: None, deferred }
    }

    /// Hands the recorded problems to `out` (a document was built without error).
    pub(crate) fn deferred_into(&mut self, out: Option<&mut Vec<Deferred>>) {
        if let (Some(out), Some(mine)) = (out, self.deferred.as_mut()) {
            out.append(mine);
        }
    }

    /// A problem kustomize finds only when it converts the object holding `node` to JSON:
    /// recorded when deferring, else an error.
    fn defer(&mut self, message: String, pos: Pos, node: Pos) -> Result<(), YamlError> {
        match &mut self.deferred {
            Some(d) => {
                d.push(Deferred { node, error: YamlError::new(message, pos), later: None });
                Ok(())
            }
            None => self.err(message, pos),
        }
    }

    /// A problem of the key being read: recorded with its value's position when deferring.
    fn defer_key(&mut self, message: String, pos: Pos) -> Result<(), YamlError> {
        if self.deferred.is_none() {
            return self.err(message, pos);
        }
        if let Some(Frame { kind: FrameKind::Map(mf), .. }) = self.stack.last_mut() {
            mf.key_problem = Some(YamlError::new(message, pos));
        }
        Ok(())
    }

    /// Takes the next event of the document. Always inlined: at each call site the event's kind
    /// is known, so this is the direct call of its handler.
    #[inline(always)]
    pub(crate) fn event(&mut self, event: Event<'_>) -> Result<(), YamlError> {
        match event {
            Event::Start { seq, flow, anchor, pos } => self.start(seq, anchor, pos, flow),
            Event::End => self.end(),
            Event::Scalar { text, style, tag, anchor, pos } => match style {
                Style::Plain => self.scalar(text, NodeStyle::Plain, tag, anchor, pos, None),
                Style::Quoted => self.scalar(text, NodeStyle::Quoted, tag, anchor, pos, None),
                Style::Literal => self.block_scalar(text, true, tag, anchor, pos),
                Style::Folded => self.block_scalar(text, false, tag, anchor, pos),
            },
            Event::Alias { anchor, pos } => self.alias(anchor, pos),
        }
    }

    /// What this builder has spent of the limits, with what was spent before it.
    pub(crate) fn budget(&self) -> Budget {
        self.budget
    }

    /// The document built from the events so far (all collections must be closed).
    pub(crate) fn finish(&mut self) -> Result<Option<Node>, YamlError> {
        if !self.stack.is_empty() {
            // Cannot happen with a well-behaved parser; be safe rather than panic.
            return Err(YamlError::new("unexpected end of document", Pos::default()));
        }
        Ok(self.root.take())
    }

    fn err<T>(&self, message: impl Into<String>, pos: Pos) -> Result<T, YamlError> {
        Err(YamlError::new(message, pos))
    }

    fn err_over<T>(&self, limit: Limit, message: String, pos: Pos) -> Result<T, YamlError> {
        Err(YamlError::over(limit, message, pos))
    }

    fn top_flow(&self) -> bool {
        self.stack.last().is_some_and(|f| f.flow)
    }

    fn in_key_position(&self) -> bool {
        matches!(self.stack.last(), Some(Frame { kind: FrameKind::Map(m), .. }) if m.pending.is_none())
    }

    fn charge(&mut self, nodes: usize, bytes: usize, pos: Pos) -> Result<(), YamlError> {
        self.charge_as(nodes, bytes, pos, "")
    }

    /// Charges copies made for aliases and anchors: to the budget, and to the alias budget.
    fn charge_alias(&mut self, nodes: usize, bytes: usize, pos: Pos) -> Result<(), YamlError> {
        self.budget.alias_nodes = self.budget.alias_nodes.saturating_add(nodes);
        if self.budget.alias_nodes > self.limits.max_alias_nodes {
            return self.err_over(
                Limit::AliasNodes,
                format!("more than {} YAML nodes made by alias expansion: {LIMIT_SCOPE}", self.limits.max_alias_nodes),
                pos,
            );
        }
        self.charge_as(nodes, bytes, pos, " after alias expansion")
    }

    /// Charges nodes and text to the budget; `how` says how they came (an alias expansion).
    fn charge_as(&mut self, nodes: usize, bytes: usize, pos: Pos, how: &str) -> Result<(), YamlError> {
        self.budget.nodes = self.budget.nodes.saturating_add(nodes);
        self.budget.bytes = self.budget.bytes.saturating_add(bytes);
        if self.budget.nodes > self.limits.max_nodes {
            let message = format!("more than {} YAML nodes{how}: {LIMIT_SCOPE}", self.limits.max_nodes);
            return self.err_over(Limit::Nodes, message, pos);
        }
        if self.budget.bytes > self.limits.max_bytes {
            let message = format!("more than {} bytes of YAML text{how}: {LIMIT_SCOPE}", self.limits.max_bytes);
            return self.err_over(Limit::Bytes, message, pos);
        }
        Ok(())
    }

    /// A list (`is_seq`) or map starts at `pos`; `flow` tells whether it is a flow collection.
    fn start(&mut self, is_seq: bool, anchor: usize, pos: Pos, flow: bool) -> Result<(), YamlError> {
        if self.in_key_position() {
            let what = if is_seq { "list" } else { "map" };
            return self.err(format!("invalid map key: a {what} cannot be a map key"), pos);
        }
        if self.stack.len() >= self.limits.max_depth {
            let message = format!("document nested too deeply (more than {} levels)", self.limits.max_depth);
            return self.err_over(Limit::Depth, message, pos);
        }
        self.charge(1, 0, pos)?;
        let kind = if is_seq {
            FrameKind::Seq(Vec::new())
        } else {
            FrameKind::Map(MapFrame {
                map: Map::default(),
                key_lines: Vec::new(),
                pending: None,
                merge_seen: false,
                merge: None,
                lt_lt_seen: false,
                key_problem: None,
            })
        };
        self.stack.push(Frame { pos, anchor, flow, size: 1, bytes: 0, height: 0, kind });
        Ok(())
    }

    /// The innermost open collection ends.
    fn end(&mut self) -> Result<(), YamlError> {
        let Some(frame) = self.stack.pop() else {
            return self.err("unbalanced end of collection", Pos::default());
        };
        let value = match frame.kind {
            FrameKind::Seq(items) => Value::Seq(items),
            FrameKind::Map(mut mf) => {
                if mf.pending.is_some() {
                    return self.err("map key without a value", frame.pos);
                }
                if let Some(sources) = mf.merge.take() {
                    // kyaml: the map's own keys win; among the merged maps the earlier one wins.
                    let own = mf.map.len();
                    for src in sources.into_iter().rev() {
                        for (k, v) in src {
                            match mf.map.get_index_of(&k) {
                                Some(i) if i < own => {}
                                Some(i) => {
                                    if let Some((_, slot)) = mf.map.get_index_mut(i) {
                                        *slot = v;
                                    }
                                }
                                None => {
                                    mf.map.insert(k, v);
                                }
                            }
                        }
                    }
                }
                Value::Map(mf.map)
            }
        };
        let info = Info {
            anchor: frame.anchor,
            size: frame.size,
            bytes: frame.bytes,
            height: frame.height + 1,
            ..Info::default()
        };
        self.complete(Node::at(value, frame.pos), info)
    }

    /// A literal (`|`) or folded (`>`) scalar at `pos` (its indicator), with its text as read.
    ///
    /// V3: kustomize prints a resource after kyaml has written it with go-yaml v3, each block
    /// scalar in its own style, and read it back ([`reprinted_block_scalar`]). Keys are left
    /// alone (a block scalar key needs `? `, and go-yaml writes multi-line keys quoted).
    fn block_scalar(
        &mut self,
        text: Cow<'_, str>,
        literal: bool,
        class: TagClass,
        anchor: usize,
        pos: Pos,
    ) -> Result<(), YamlError> {
        let style = if literal { NodeStyle::Literal } else { NodeStyle::Folded };
        if self.schema == Schema::V3 && !self.in_key_position() {
            match reprinted_block_scalar(&text, literal) {
                Ok(None) => {}
                // The node keeps the text as read: written over a field of another style, it is
                // printed in that style (`Node::written_over`).
                Ok(Some(again)) => return self.scalar(Cow::Owned(again), style, class, anchor, pos, Some(text)),
                Err(m) => return self.err(m, pos),
            }
        }
        self.scalar(text, style, class, anchor, pos, None)
    }

    /// A scalar at `pos`: its text (escapes resolved, lines folded), its style, its tag and
    /// anchor (0 for none); `as_read`, a folded scalar's text before go-yaml's reprint changed it.
    fn scalar(
        &mut self,
        text: Cow<'_, str>,
        style: NodeStyle,
        class: TagClass,
        anchor: usize,
        pos: Pos,
        as_read: Option<Cow<'_, str>>,
    ) -> Result<(), YamlError> {
        let plain = style == NodeStyle::Plain;
        let flow = self.top_flow();
        let empty_null = plain && text.is_empty() && class == TagClass::Implicit;
        if self.in_key_position() {
            return self.key_scalar(text, plain, class, anchor, empty_null, flow, pos);
        }
        // kyaml tells a null by its tag alone (`IsTaggedNull`): `!!null a`, which kustomize
        // fails to convert to JSON, still deletes a field as a strategic-merge patch's value.
        let mut tagged_null = false;
        let res = match self.resolve_scalar(&text, plain, class, flow) {
            Ok(res) => res,
            Err(m) => {
                self.defer(m, pos, pos)?;
                tagged_null = class == TagClass::Core(CoreTag::Null);
                ResolvedScalar::AsWritten
            }
        };
        let timestamp = matches!(res, ResolvedScalar::Res(Res::Timestamp(_)));
        // kustomize prints a resource with go-yaml v3 and reads it back: in a flow collection a
        // scalar holding a flow indicator cannot be plain and is written quoted, so a timestamp
        // with a time part (`[2001-12-14t21:59:43.10-05:00]`) reads back as its text.
        let res =
            if timestamp && flow && self.schema == Schema::V3 && text.contains([':', ',', '?', '[', ']', '{', '}']) {
                ResolvedScalar::AsWritten
            } else {
                res
            };
        let raw = if anchor != 0 { Some(text.to_string()) } else { None };
        let non_string = matches!(&res, ResolvedScalar::Res(r) if !matches!(r, Res::Str | Res::Merge)) && !empty_null;
        let (value, written) = if non_string {
            match self.value_of(res, Cow::Borrowed(&text)) {
                Ok(value) => {
                    let written = (!is_canonical_text(&value, &text)).then(|| Box::new(Written { text: text.into() }));
                    (value, written)
                }
                Err((m, t)) => {
                    let value = Value::Str(t.into_owned());
                    self.defer(m, pos, pos)?;
                    (value, None)
                }
            }
        } else {
            match self.value_of(res, text) {
                Ok(value) => (value, None),
                Err((m, text)) => {
                    self.defer(m, pos, pos)?;
                    (Value::Str(text.into_owned()), None)
                }
            }
        };
        let (value, written) = match value {
            Value::Str(t) if tagged_null => (Value::Null, Some(Box::new(Written { text: t.into() }))),
            value => (value, written),
        };
        let bytes = text_len(&value);
        self.charge(1, bytes, pos)?;
        let info = Info { anchor: 0, size: 1, bytes, timestamp, empty_null, ..Info::default() };
        let mut node = Node::at(value, pos);
        node.style = style;
        node.written = written.or_else(|| as_read.map(|t| Box::new(Written { text: t.into() })));
        if anchor != 0 {
            self.register_anchor(node.clone(), Info { anchor, ..info }, raw.as_deref())?;
        }
        self.complete(node, info)
    }

    /// Decodes a scalar's text per its style and tag.
    fn resolve_scalar(&self, text: &str, plain: bool, class: TagClass, flow: bool) -> Result<ResolvedScalar, String> {
        Ok(match class {
            TagClass::Other | TagClass::Str | TagClass::Merge => ResolvedScalar::AsWritten,
            TagClass::Binary => ResolvedScalar::Decoded(decode_binary(text)?),
            TagClass::Implicit if !plain => ResolvedScalar::AsWritten,
            TagClass::Implicit if text.is_empty() && flow && self.schema == Schema::V3 => ResolvedScalar::AsWritten,
            TagClass::Implicit => ResolvedScalar::Res(resolve_core(text, self.schema, true)),
            TagClass::Core(t) => {
                let r = resolve_core(text, self.schema, t == CoreTag::Timestamp);
                let got = match r {
                    Res::Null => "null",
                    Res::Bool(_) => "bool",
                    Res::Int(_) | Res::UInt(_) => "int",
                    Res::Float(_) => "float",
                    Res::Timestamp(_) => "timestamp",
                    Res::Str => "str",
                    Res::Merge => "merge",
                };
                if got == t.name() {
                    ResolvedScalar::Res(r)
                } else if let (CoreTag::Float, Res::Int(i)) = (t, &r) {
                    ResolvedScalar::Res(Res::Float(*i as f64))
                } else {
                    return Err(format!("cannot decode !!{got} `{text}` as a !!{}", t.name()));
                }
            }
        })
    }

    /// The value of a resolved scalar; on error, the message and the text back.
    fn value_of<'t>(&self, r: ResolvedScalar, text: Cow<'t, str>) -> Result<Value, (String, Cow<'t, str>)> {
        Ok(match r {
            ResolvedScalar::AsWritten => Value::Str(text.into_owned()),
            ResolvedScalar::Decoded(s) => Value::Str(s),
            ResolvedScalar::Res(r) => match r {
                Res::Null => Value::Null,
                Res::Bool(b) => Value::Bool(b),
                Res::Int(i) => Value::Int(i),
                Res::UInt(u) => Value::UInt(u),
                // -0.0 comes out of kustomize's JSON round trip as 0.
                Res::Float(f) if f.is_finite() => Value::Float(if f == 0.0 { 0.0 } else { f }),
                Res::Float(f) => return Err((format!("json: unsupported value: {}", go_special_float(f)), text)),
                Res::Timestamp(ts) => match self.schema {
                    Schema::V3 => match ts.format() {
                        Ok(s) => Value::Str(s),
                        Err(m) => return Err((m, text)),
                    },
                    Schema::V11 => Value::Str(text.into_owned()),
                },
                Res::Str | Res::Merge => Value::Str(text.into_owned()),
            },
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn key_scalar(
        &mut self,
        text: Cow<'_, str>,
        plain: bool,
        class: TagClass,
        anchor: usize,
        empty_null: bool,
        flow: bool,
        pos: Pos,
    ) -> Result<(), YamlError> {
        // go-yaml v3 tags a plain `<<` (or anything tagged `!!merge`) as a merge key; v2 wants
        // the text `<<`, plain or tagged `!!merge`.
        let is_merge = match self.schema {
            Schema::V3 => (class == TagClass::Implicit && plain && text == "<<") || class == TagClass::Merge,
            Schema::V11 => text == "<<" && ((class == TagClass::Implicit && plain) || class == TagClass::Merge),
        };
        let res = match self.resolve_scalar(&text, plain, class, flow) {
            Ok(res) => res,
            // The key is kept as written; the problem waits for its value.
            Err(m) if self.schema == Schema::V3 && self.deferred.is_some() => {
                self.defer_key(m, pos)?;
                ResolvedScalar::AsWritten
            }
            Err(m) => return self.err(m, pos),
        };
        let timestamp = matches!(res, ResolvedScalar::Res(Res::Timestamp(_)));
        if anchor != 0 {
            // An anchored key can be aliased as a value; keep it as a value would decode.
            if let Ok(value) = self.value_of(res.clone(), text.clone()) {
                let bytes = text_len(&value);
                let info = Info { anchor, size: 1, bytes, timestamp, empty_null, ..Info::default() };
                self.register_anchor(Node::at(value, pos), info, Some(&text))?;
            }
        }
        if self.schema == Schema::V3 && text == "<<" {
            // kyaml removes the first `<<` key of each map whatever its style: a quoted or
            // `!!str` one vanishes, value and all, nothing merged (kubectl: `"<<": v`,
            // `'<<': {a: 1}`, `!!str <<: x`); later ones are ordinary keys.
            if let Some(Frame { kind: FrameKind::Map(mf), .. }) = self.stack.last_mut() {
                let first = !mf.lt_lt_seen;
                mf.lt_lt_seen = true;
                if first && !is_merge {
                    mf.pending = Some(Pending::Drop);
                    return Ok(());
                }
            }
        }
        if is_merge {
            return self.set_merge_key(pos);
        }
        let key = match self.schema {
            Schema::V3 => match res {
                ResolvedScalar::AsWritten | ResolvedScalar::Res(Res::Str | Res::Merge) => text.into_owned(),
                ResolvedScalar::Decoded(s) => s,
                // An empty key is re-serialised by kyaml as '' (kubectl: `? ` gives "").
                ResolvedScalar::Res(Res::Null) if empty_null => String::new(),
                // go-yaml v3 decodes the top-level map into map[string]interface{}: a scalar key
                // becomes its text as written (kubectl: `0x10: z` gives "0x10"). `null`/`~` still
                // fail there, and any non-string key fails in nested maps.
                ResolvedScalar::Res(r) if self.stack.len() == 1 && r != Res::Null => text.into_owned(),
                ResolvedScalar::Res(r) => {
                    self.defer_key(non_string_key_message(&text, &r), pos)?;
                    text.into_owned()
                }
            },
            Schema::V11 => match res {
                ResolvedScalar::AsWritten => text.into_owned(),
                ResolvedScalar::Decoded(s) => s,
                ResolvedScalar::Res(r) => v11_key(r, &text).or_else(|m| self.err(m, pos))?,
            },
        };
        self.set_key(key, pos)
    }

    fn set_merge_key(&mut self, pos: Pos) -> Result<(), YamlError> {
        let schema = self.schema;
        let Some(Frame { kind: FrameKind::Map(mf), .. }) = self.stack.last_mut() else {
            return self.err("internal error: key outside a map", pos);
        };
        if schema == Schema::V3 && mf.merge_seen {
            return self.err("duplicate merge key", pos);
        }
        mf.merge_seen = true;
        mf.pending = Some(Pending::Merge);
        Ok(())
    }

    fn set_key(&mut self, key: String, pos: Pos) -> Result<(), YamlError> {
        let schema = self.schema;
        let bytes = key.len();
        self.charge(0, bytes, pos)?;
        let Some(frame) = self.stack.last_mut() else {
            return self.err("internal error: key outside a map", pos);
        };
        frame.bytes = frame.bytes.saturating_add(bytes);
        let FrameKind::Map(mf) = &mut frame.kind else {
            return self.err("internal error: key outside a map", pos);
        };
        // The entry is made now (one lookup); the value replaces the placeholder later.
        let deferring = self.deferred.is_some();
        let index = match mf.map.entry(key) {
            crate::node::Entry::Occupied(e) if schema == Schema::V3 => {
                let line = mf.key_lines.get(e.index()).copied().unwrap_or(0);
                let message = format!("mapping key {:?} already defined at line {line}", e.key());
                if !deferring {
                    return self.err(message, pos);
                }
                // The first value stays; the later one goes on the problem.
                let problem = (e.key().clone(), YamlError::new(message, pos));
                mf.pending = Some(Pending::Duplicate(Box::new(problem)));
                return Ok(());
            }
            // go-yaml v2: the last value wins.
            crate::node::Entry::Occupied(e) => e.index(),
            crate::node::Entry::Vacant(e) => {
                let index = e.index();
                e.insert(Node::null());
                if schema == Schema::V3 {
                    mf.key_lines.push(pos.line);
                }
                index
            }
        };
        mf.pending = Some(Pending::Key(index));
        Ok(())
    }

    /// An alias of the anchor numbered `id`, at `pos`.
    fn alias(&mut self, id: usize, pos: Pos) -> Result<(), YamlError> {
        let Some(a) = self.anchors.get(&id) else {
            return self.err("alias refers to an unknown anchor or to a node that contains it", pos);
        };
        let info = a.info;
        let flow = self.top_flow();
        if self.in_key_position() {
            let node = a.node.clone();
            let raw = a.raw.clone();
            let top = self.stack.len() == 1;
            let key = if info.empty_null && self.schema == Schema::V3 {
                String::new()
            } else {
                match (self.schema, node.value) {
                    (_, v @ (Value::Seq(_) | Value::Map(_))) => {
                        return self.err(format!("invalid map key: a {} cannot be a map key", v.type_name()), pos)
                    }
                    (Schema::V3, Value::Str(s)) if !info.timestamp => s,
                    (Schema::V3, v) if top && !matches!(v, Value::Null) && raw.is_some() => raw.unwrap_or_default(),
                    (Schema::V3, v) => {
                        let what = if info.timestamp { "a timestamp" } else { kind_phrase(&v) };
                        self.defer_key(format!("map key (an alias) is not a string: it decodes to {what}"), pos)?;
                        raw.unwrap_or_default()
                    }
                    (Schema::V11, v) => v11_key_value(&v).or_else(|m| self.err(m, pos))?,
                }
            };
            return self.set_key(key, pos);
        }
        if self.stack.len() + info.height > self.limits.max_depth {
            let message = format!("document nested too deeply (more than {} levels)", self.limits.max_depth);
            return self.err_over(Limit::Depth, message, pos);
        }
        self.charge_alias(info.size, info.bytes, pos)?;
        let Some(a) = self.anchors.get(&id) else {
            return self.err("alias refers to an unknown anchor", pos);
        };
        let mut node = a.node.clone();
        node.pos = pos;
        if info.empty_null && self.schema == Schema::V3 {
            node.value = if flow { Value::Str(String::new()) } else { Value::Null };
        }
        self.complete(node, Info { anchor: 0, from_alias: true, ..info })
    }

    fn register_anchor(&mut self, node: Node, info: Info, raw: Option<&str>) -> Result<(), YamlError> {
        // The copy kept for aliases: part of what alias expansion costs.
        self.charge_alias(info.size, info.bytes, node.pos)?;
        let id = info.anchor;
        let info = Info { anchor: 0, from_alias: false, ..info };
        self.anchors.insert(id, Anchored { node, info, raw: raw.map(str::to_string) });
        Ok(())
    }

    /// Hands a finished node to its parent.
    fn complete(&mut self, node: Node, info: Info) -> Result<(), YamlError> {
        if info.anchor != 0 {
            self.register_anchor(node.clone(), info, None)?;
        }
        let schema = self.schema;
        let pos = node.pos;
        let Some(frame) = self.stack.last_mut() else {
            self.root = Some(node);
            return Ok(());
        };
        frame.size = frame.size.saturating_add(info.size);
        frame.bytes = frame.bytes.saturating_add(info.bytes);
        frame.height = frame.height.max(info.height);
        match &mut frame.kind {
            FrameKind::Seq(items) => items.push(node),
            FrameKind::Map(mf) => match mf.pending.take() {
                Some(Pending::Duplicate(problem)) => {
                    let (key, error) = *problem;
                    if let Some(d) = self.deferred.as_mut() {
                        d.push(Deferred { node: frame.pos, error, later: Some((key, node)) });
                    }
                }
                Some(Pending::Key(index)) => {
                    if let (Some(error), Some(d)) = (mf.key_problem.take(), self.deferred.as_mut()) {
                        d.push(Deferred { node: pos, error, later: None });
                    }
                    if let Some((_, slot)) = mf.map.get_index_mut(index) {
                        *slot = node;
                    }
                }
                Some(Pending::Drop) => {}
                Some(Pending::Merge) => match schema {
                    Schema::V3 => match merge_sources_v3(node, info.from_alias) {
                        Ok(sources) => mf.merge = Some(sources),
                        Err(m) => return self.err(m, pos),
                    },
                    Schema::V11 => {
                        if let Err(m) = merge_v11(&mut mf.map, node) {
                            return self.err(m, pos);
                        }
                    }
                },
                None => return self.err("internal error: value without a key", pos),
            },
        }
        Ok(())
    }
}

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

fn text_len(v: &Value) -> usize {
    match v {
        Value::Str(s) => s.len(),
        _ => 0,
    }
}

fn kind_phrase(v: &Value) -> &'static str {
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

fn non_string_key_message(text: &str, r: &Res) -> String {
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

/// A V11 key from a resolved scalar, as `sigs.k8s.io/yaml` converts keys.
fn v11_key(r: Res, text: &str) -> Result<String, String> {
    match r {
        Res::Str | Res::Merge | Res::Timestamp(_) => Ok(text.to_string()),
        Res::Null => v11_key_value(&Value::Null),
        Res::Bool(b) => v11_key_value(&Value::Bool(b)),
        Res::Int(i) => v11_key_value(&Value::Int(i)),
        Res::UInt(u) => v11_key_value(&Value::UInt(u)),
        Res::Float(f) => v11_key_value(&Value::Float(f)),
    }
}

fn v11_key_value(v: &Value) -> Result<String, String> {
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

const MERGE_WANTS_MAP: &str = "map merge requires map or sequence of maps as the value";

/// The maps a V3 merge value contributes, in list order (kyaml's checks and messages).
fn merge_sources_v3(node: Node, from_alias: bool) -> Result<Vec<Map>, String> {
    match node.value {
        Value::Map(m) => Ok(vec![m]),
        _ if from_alias => Err("invalid map merge: received alias for a non-map value".to_string()),
        Value::Seq(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match item.value {
                    Value::Map(m) => out.push(m),
                    Value::Seq(_) => return Err("invalid map merge: received a nested sequence".to_string()),
                    _ => return Err(MERGE_WANTS_MAP.to_string()),
                }
            }
            Ok(out)
        }
        _ => Err(MERGE_WANTS_MAP.to_string()),
    }
}

/// go-yaml v2 merges in place: merged keys override earlier ones; in a list the earlier map wins.
fn merge_v11(map: &mut Map, node: Node) -> Result<(), String> {
    match node.value {
        Value::Map(m) => {
            for (k, v) in m {
                map.insert(k, v);
            }
            Ok(())
        }
        Value::Seq(items) => {
            if items.iter().any(|i| !matches!(i.value, Value::Map(_))) {
                return Err(MERGE_WANTS_MAP.to_string());
            }
            for item in items.into_iter().rev() {
                if let Value::Map(m) = item.value {
                    for (k, v) in m {
                        map.insert(k, v);
                    }
                }
            }
            Ok(())
        }
        _ => Err(MERGE_WANTS_MAP.to_string()),
    }
}

// ---------------------------------------------------------------------------------------------
// Scalar resolution (go-yaml's resolve.go)
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum ResolvedScalar {
    /// The text itself is the string (quoted, `!!str`, unknown tags, …).
    AsWritten,
    /// A string decoded from the text (`!!binary`).
    Decoded(String),
    /// The result of resolving the text.
    Res(Res),
}

/// Go's `base64.StdEncoding.DecodeString` (newlines ignored), then the bytes as a Go string
/// that `encoding/json` would print (each invalid UTF-8 byte becomes U+FFFD).
fn decode_binary(text: &str) -> Result<String, String> {
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

    fn s(x: &str) -> Value {
        Value::Str(x.to_string())
    }

    /// Parses `x: <src>` as one V3/V11 document and returns the value of `x`.
    fn val(src: &str, schema: Schema) -> Result<Value, YamlError> {
        let doc = parse_one(&format!("x: {src}\n"), schema)?.expect("a document");
        Ok(doc.get("x").expect("key x").value.clone())
    }

    fn err(text: &str, schema: Schema) -> YamlError {
        match parse_stream(text, schema) {
            Ok(docs) => panic!("expected an error for {text:?}, got {docs:?}"),
            Err(e) => e,
        }
    }

    fn one(text: &str, schema: Schema) -> Node {
        parse_one(text, schema).expect("parses").expect("a document")
    }

    /// Reads `text` recording deferred problems: the one document and what was recorded, as
    /// (node position, error position, message).
    fn deferring(text: &str) -> (Node, Vec<(String, String, String)>) {
        let (mut docs, d) = parse_stream_deferring(text, &Limits::default(), &mut Budget::default()).expect("parses");
        let d = d.into_iter().map(|d| (d.node.to_string(), d.error.pos.to_string(), d.error.message)).collect();
        (docs.remove(0), d)
    }

    #[test]
    fn deferring_keeps_a_bad_tag_or_a_nan_as_its_text_and_records_it_at_the_scalar() {
        let (doc, d) = deferring("a: !!int é\nb: .nan\nc: !!binary '!!'\nd: [-.Inf]\n");
        assert_eq!(doc.get("a").unwrap().value, s("é"));
        assert_eq!(doc.get("b").unwrap().value, s(".nan"));
        assert_eq!(doc.get("c").unwrap().value, s("!!"));
        let at = |n: &str, m: &str| (n.to_string(), n.to_string(), m.to_string());
        assert_eq!(
            d,
            [
                at("1:4", "cannot decode !!str `é` as a !!int"),
                at("2:4", "json: unsupported value: NaN"),
                at("3:4", "!!binary value contains invalid base64 data"),
                at("4:5", "json: unsupported value: -Inf"),
            ]
        );
    }

    #[test]
    fn deferring_reads_a_bad_null_tag_as_a_null_that_keeps_its_text() {
        let (doc, d) = deferring("a: !!null 'x'\n");
        let a = doc.get("a").unwrap();
        assert_eq!(a.value, Value::Null);
        assert_eq!(a.as_text(), Some("x"));
        assert_eq!(d, [("1:4".to_string(), "1:4".to_string(), "cannot decode !!str `x` as a !!null".to_string())]);
    }

    #[test]
    fn deferring_keeps_a_non_string_key_as_written_and_records_it_at_its_value() {
        let (doc, d) = deferring("m:\n  017: x\n  k: 1\n");
        assert_eq!(keys(doc.get("m").unwrap()), ["017", "k"]);
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].0.as_str(), d[0].1.as_str()), ("2:8", "2:3"));
        assert!(d[0].2.starts_with("map key \"017\" is not a string"), "{}", d[0].2);
    }

    #[test]
    fn deferring_keeps_the_first_value_of_a_duplicate_key_and_records_the_later_one_at_the_map() {
        let text = "m:\n  k: 1\n  j: 2\n  k: 3\n";
        let (doc, d) = deferring(text);
        assert_eq!(keys(doc.get("m").unwrap()), ["k", "j"]);
        assert_eq!(doc.get("m").unwrap().get("k").unwrap().value, Value::Int(1));
        let (_, all) = parse_stream_deferring(text, &Limits::default(), &mut Budget::default()).unwrap();
        let (key, later) = all[0].later.clone().unwrap();
        assert_eq!((key.as_str(), later.value, later.pos), ("k", Value::Int(3), Pos::new(4, 6)));
        let expected =
            ("2:3".to_string(), "4:3".to_string(), "mapping key \"k\" already defined at line 2".to_string());
        assert_eq!(d, [expected]);
    }

    #[test]
    fn deferring_changes_nothing_for_the_strict_readers() {
        assert_eq!(err("m:\n  k: 1\n  k: 3\n", Schema::V3).message, "mapping key \"k\" already defined at line 2");
        assert_eq!(val(".nan", Schema::V3).unwrap_err().message, "json: unsupported value: NaN");
        let (_, d) = deferring("a: 1\nb: [x, {c: d}]\n");
        assert!(d.is_empty());
    }

    fn keys(n: &Node) -> Vec<&str> {
        n.as_map().expect("a map").keys().map(String::as_str).collect()
    }

    fn assert_same(got: &Value, want: &Value, what: &str) {
        // Value's PartialEq compares numbers by value; also insist on the same variant.
        assert!(
            got == want && std::mem::discriminant(got) == std::mem::discriminant(want),
            "{what}: got {got:?}, want {want:?}"
        );
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
        assert_eq!((style("a"), style("i"), style("j")), (NodeStyle::Plain, NodeStyle::Quoted, NodeStyle::Literal));
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

    #[test]
    fn duplicate_keys() {
        // kubectl: go-yaml v3's message for a resource.
        let e = err("apiVersion: v1\ndata:\n  x: a\n  y: b\n  x: c\n", Schema::V3);
        assert_eq!(e.message, "mapping key \"x\" already defined at line 3");
        assert_eq!(e.pos, Pos::new(5, 3));
        let e = err("{a: 1, \"a\": 2}", Schema::V3);
        assert_eq!(e.message, "mapping key \"a\" already defined at line 1");
        // kubectl: in a kustomization the last one wins (`namePrefix: a-` then `namePrefix: b-`).
        let n = one("namePrefix: a-\nb: 1\nnamePrefix: b-\n", Schema::V11);
        assert_eq!(n.get("namePrefix").unwrap().as_str(), Some("b-"));
        assert_eq!(keys(&n), ["namePrefix", "b"]);
    }

    // kubectl: data.m1 … m8 of a resource; V11 through commonLabels.
    #[test]
    fn merge_keys() {
        let base = "base: &b\n  x: 1\n  v: 2\nother: &o\n  v: 20\n  z: 30\n";
        let m = |body: &str, schema| one(&format!("{base}m:\n{body}"), schema).get("m").unwrap().clone();
        let ints = |n: &Node, k: &str| match n.get(k).map(|v| &v.value) {
            Some(Value::Int(i)) => *i,
            other => panic!("{k}: {other:?}"),
        };
        // (`y` would be a boolean key in V11, hence `v`.)
        // Own keys win wherever they are.
        let n = m("  <<: *b\n  x: 10\n", Schema::V3);
        assert_eq!((ints(&n, "x"), ints(&n, "v")), (10, 2));
        let n = m("  x: 10\n  <<: *b\n", Schema::V3);
        assert_eq!((ints(&n, "x"), ints(&n, "v")), (10, 2));
        assert_eq!(keys(&n), ["x", "v"]);
        // In a list the earlier map wins.
        let n = m("  <<: [*b, *o]\n", Schema::V3);
        assert_eq!((ints(&n, "x"), ints(&n, "v"), ints(&n, "z")), (1, 2, 30));
        let n = m("  <<: [*o, *b]\n  w: 0\n", Schema::V3);
        assert_eq!((ints(&n, "w"), ints(&n, "x"), ints(&n, "v"), ints(&n, "z")), (0, 1, 20, 30));
        let n = m("  <<: {p: 1}\n", Schema::V3);
        assert_eq!(ints(&n, "p"), 1);
        // A quoted `<<` is no merge key, and kyaml drops the first `<<` key of a map (kubectl:
        // `m: {}`); see the_first_non_merge_double_angle_key_of_a_map_vanishes_and_later_ones_stay.
        let n = m("  \"<<\": {p: 1}\n", Schema::V3);
        assert!(keys(&n).is_empty());
        // kubectl: "duplicate merge key".
        let e = err(&format!("{base}m:\n  <<: *b\n  <<: *o\n"), Schema::V3);
        assert_eq!(e.message, "duplicate merge key");
        assert_eq!(e.pos, Pos::new(9, 3));
        for (body, msg) in [
            ("  <<: 1\n", "map merge requires map or sequence of maps as the value"),
            ("  <<: [1]\n", "map merge requires map or sequence of maps as the value"),
            ("  <<: [[{a: 1}]]\n", "invalid map merge: received a nested sequence"),
            ("  <<: *s\n", "invalid map merge: received alias for a non-map value"),
        ] {
            let e = err(&format!("{base}s: &s [{{a: 1}}]\nm:\n{body}"), Schema::V3);
            assert_eq!(e.message, msg, "{body}");
        }
        // V11 merges in place (kubectl: `x: "10"` then `<<: {x: "1"}` gives x = 1; two `<<`
        // are fine and the second wins).
        let n = m("  x: 10\n  <<: *b\n", Schema::V11);
        assert_eq!((ints(&n, "x"), ints(&n, "v")), (1, 2));
        let n = m("  <<: *b\n  x: 10\n", Schema::V11);
        assert_eq!(ints(&n, "x"), 10);
        let n = m("  <<: *b\n  <<: *o\n", Schema::V11);
        assert_eq!((ints(&n, "x"), ints(&n, "v"), ints(&n, "z")), (1, 20, 30));
        // (Not checked with kubectl: go-yaml v2 steps through a list backwards, so the earlier
        // map wins.)
        let n = m("  <<: [*o, *b]\n", Schema::V11);
        assert_eq!((ints(&n, "x"), ints(&n, "v")), (1, 20));
        assert!(parse_one(&format!("{base}m:\n  <<: 1\n"), Schema::V11).is_err());
    }

    #[test]
    fn anchors_and_aliases() {
        let n = one("a: &x {b: [1, 2]}\nc: *x\nd: &s str\ne: *s\n", Schema::V3);
        assert_eq!(n.get("a"), n.get("c"));
        assert_eq!(n.get("e").unwrap().as_str(), Some("str"));
        // The copy's root is where the alias is; its insides keep their positions.
        let c = n.get("c").unwrap();
        assert_eq!(c.pos, Pos::new(2, 4));
        assert_eq!(c.get("b").unwrap().pos, Pos::new(1, 11));
        // A copy is independent.
        let mut n = n;
        n.get_mut("c").unwrap().get_mut("b").unwrap().as_seq_mut().unwrap().clear();
        assert_eq!(n.get("a").unwrap().get("b").unwrap().as_seq().unwrap().len(), 2);
        // kubectl: anchors and aliases work in kustomizations too (nameSuffix: *a).
        let n = one("namePrefix: &a x-\nnameSuffix: *a\n", Schema::V11);
        assert_eq!(n.get("nameSuffix").unwrap().as_str(), Some("x-"));
        // An alias as a key.
        let n = one("a: &k key\n*k : v\n", Schema::V3);
        assert_eq!(n.get("key").unwrap().as_str(), Some("v"));
        // A node cannot contain an alias of itself.
        assert!(err("a: &x [*x]\n", Schema::V3).message.contains("alias"));
        assert!(parse_stream("a: *nope\n", Schema::V3).is_err());
        // Anchors are local to a document.
        assert!(parse_stream("a: &x 1\n---\nb: *x\n", Schema::V3).is_err());
        // A redefined anchor: aliases see the latest definition.
        let n = one("a: &x 1\nb: &x 2\nc: *x\n", Schema::V3);
        assert_same(&n.get("c").unwrap().value, &Value::Int(2), "redefined");
    }

    // kubectl: `{a, b}`, `{a: }`, `{? a}`, `[a: ]`, `{a: &x }`, `{b: *x}`, `{a: !foo }`,
    // `{a: ! }` all give "" in a resource; `{a: ~}`, `{a: null}`, `{a: !!null }` and block
    // `a:` give null; in a JSON 6902 value (V11) `{a: }` and `[a: ]` give null.
    #[test]
    fn empty_values_in_flow_collections() {
        let n = one("x: {a, b: , c: ~, d: null, e: !!null , f: ! , g: &e , h: *e}\ny: [a: ]\nz:\n  a:\n", Schema::V3);
        let x = n.get("x").unwrap();
        for k in ["a", "b", "f", "g", "h"] {
            assert_same(&x.get(k).unwrap().value, &s(""), k);
        }
        for k in ["c", "d", "e"] {
            assert_same(&x.get(k).unwrap().value, &Value::Null, k);
        }
        assert_same(&n.get("y").unwrap().as_seq().unwrap()[0].get("a").unwrap().value, &s(""), "y");
        assert_same(&n.get("z").unwrap().get("a").unwrap().value, &Value::Null, "z");
        // An empty anchored value is null in block context and "" when aliased into a flow one.
        let n = one("a: &e\nb: {c: *e}\nd: *e\n", Schema::V3);
        assert_same(&n.get("a").unwrap().value, &Value::Null, "a");
        assert_same(&n.get("b").unwrap().get("c").unwrap().value, &s(""), "b.c");
        assert_same(&n.get("d").unwrap().value, &Value::Null, "d");
        // (`y` is a boolean key in V11, hence `w`.)
        let n = one("x: {a: , b}\nw: [a: ]\n", Schema::V11);
        assert_same(&n.get("x").unwrap().get("a").unwrap().value, &Value::Null, "v11 a");
        assert_same(&n.get("x").unwrap().get("b").unwrap().value, &Value::Null, "v11 b");
        assert_same(&n.get("w").unwrap().as_seq().unwrap()[0].get("a").unwrap().value, &Value::Null, "v11 w");
        // kubectl: `{: a}` is a syntax error for go-yaml (`[: a]` follows from libyaml's code).
        assert_eq!(err("x: {: a}\n", Schema::V3).message, "did not find expected node content");
        assert_eq!(err("x: [: a]\n", Schema::V3).message, "did not find expected node content");
    }

    const R: &str = "apiVersion: v1\nkind: X\nmetadata:\n  name: ";

    fn names(docs: &[Node]) -> Vec<&str> {
        docs.iter().map(|d| d.str_at(&["metadata", "name"]).unwrap_or("?")).collect()
    }

    // kubectl: each case below (file r.yaml listed in a kustomization's resources).
    #[test]
    fn multi_document_files() {
        let docs =
            parse_stream(&format!("{R}a\n---\n# only a comment\n---\n---\n{R}b\n...\n---\nnull\n---\n~\n"), Schema::V3)
                .unwrap();
        assert_eq!(names(&docs), ["a", "b"]);
        assert_eq!(docs[1].pos, Pos::new(9, 1));
        assert_eq!(docs[1].get("kind").unwrap().pos, Pos::new(10, 7));
        // `...` ends the part: the rest of it is ignored, even if broken.
        assert_eq!(names(&parse_stream(&format!("{R}a\n...\n{R}b\n"), Schema::V3).unwrap()), ["a"]);
        assert_eq!(names(&parse_stream(&format!("{R}a\n...\ngarbage: [\n"), Schema::V3).unwrap()), ["a"]);
        assert_eq!(names(&parse_stream(&format!("{R}a\n...\n---\n{R}b\n"), Schema::V3).unwrap()), ["a", "b"]);
        // Separators may carry comments; a first line `---` is the YAML parser's business.
        let docs = parse_stream(&format!("--- # c\n{R}a\n---   # hi\n{R}b\n---"), Schema::V3).unwrap();
        assert_eq!(names(&docs), ["a", "b"]);
        let docs = parse_stream("--- {apiVersion: v1, kind: X, metadata: {name: c}}\n", Schema::V3).unwrap();
        assert_eq!(names(&docs), ["c"]);
        // The separator regexp does not overlap: `---\n--- {…}` keeps the second line.
        let docs =
            parse_stream(&format!("{R}a\n---\n--- {{apiVersion: v1, kind: X, metadata: {{name: c}}}}\n"), Schema::V3)
                .unwrap();
        assert_eq!(names(&docs), ["a", "c"]);
        // Anything else on a separator line is an error.
        for (sep, msg) in [("--- foo", "--- foo"), ("---x", "---x"), ("----", "----"), ("--- |", "--- |")] {
            let e = err(&format!("{R}a\n{sep}\n{R}b\n"), Schema::V3);
            assert_eq!(e.message, format!("invalid document separator: {msg}"));
            assert_eq!(e.pos, Pos::new(5, 1));
        }
        // Scalars and lists are returned (kustomize then says "missing Resource metadata");
        // `{}` and `[]` are dropped like null.
        let docs =
            parse_stream(&format!("{R}a\n---\nhello\n---\n- a\n---\n[]\n---\n{{}}\n---\n\"\"\n"), Schema::V3).unwrap();
        assert_eq!(docs.len(), 4);
        assert_same(&docs[1].value, &s("hello"), "scalar doc");
        assert!(docs[2].as_seq().is_some());
        assert_same(&docs[3].value, &s(""), "empty string doc");
        assert!(parse_stream("", Schema::V3).unwrap().is_empty());
        assert!(parse_stream("# nothing\n", Schema::V3).unwrap().is_empty());
        // BOM and CRLF.
        assert_eq!(names(&parse_stream(&format!("\u{feff}{R}a\n"), Schema::V3).unwrap()), ["a"]);
        let docs = parse_stream("apiVersion: v1\r\nkind: X\r\nmetadata:\r\n  name: a\r\ndata:\r\n  x: |\r\n    l1\r\n    l2\r\n---\r\na: 1\r\n", Schema::V3).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].str_at(&["data", "x"]), Some("l1\nl2\n"));
        assert_eq!(docs[1].pos, Pos::new(10, 1));
    }

    // kubectl: a kustomization with a second document (even a broken one) ignores it; one whose
    // first document is empty counts as empty.
    #[test]
    fn single_documents() {
        let n = one("resources:\n- r.yaml\n---\nnamePrefix: x-\n", Schema::V11);
        assert_eq!(keys(&n), ["resources"]);
        let n = one("resources:\n- r.yaml\n---\nnamePrefix: [\n", Schema::V11);
        assert_eq!(keys(&n), ["resources"]);
        let n = one("resources:\n- r.yaml\n...\nnamePrefix: x-\n", Schema::V11);
        assert_eq!(keys(&n), ["resources"]);
        assert_eq!(parse_one("---\n---\nresources:\n- r.yaml\n", Schema::V11).unwrap(), None);
        assert_eq!(parse_one("# just a comment\n", Schema::V11).unwrap(), None);
        assert_eq!(parse_one("", Schema::V11).unwrap(), None);
        assert_eq!(parse_one("~", Schema::V3).unwrap(), None);
        assert_eq!(one("{}", Schema::V11).as_map().map(Map::len), Some(0));
        assert!(one("- a\n", Schema::V11).as_seq().is_some());
        // CRLF and a BOM (saphyr handles both itself here).
        let n = one("\u{feff}resources:\r\n- r.yaml\r\nx: |\r\n  a\r\n  b\r\n", Schema::V11);
        assert_eq!(n.str_at(&["x"]), Some("a\nb\n"));
        assert_eq!(n.get("x").unwrap().pos, Pos::new(3, 4));
    }

    #[test]
    fn syntax_errors() {
        // kubectl: tabs as indentation and `key: -` are errors.
        let e = err(&format!("{R}a\ndata:\n\tx: 1\n"), Schema::V3);
        assert_eq!(e.pos.line, 6, "{e}");
        let e = err("a: -\n", Schema::V3);
        assert_eq!(e.pos, Pos::new(1, 4), "{e}");
        let e = err("a:\n  b: 1\n c: 2\n", Schema::V3);
        assert_eq!(e.pos.line, 3, "{e}");
        let e = err("a: \"x\n", Schema::V3);
        assert!(e.to_string().starts_with("1:4: "), "{e}");
        // Errors in later parts of a stream have file line numbers.
        let e = err(&format!("{R}a\n---\na: [\n"), Schema::V3);
        assert_eq!(e.pos.line, 7, "{e}");
    }

    // kubectl accepts all of these (libyaml is lenient where YAML 1.2 parsers are not).
    #[test]
    fn libyaml_leniencies() {
        let n = one("a:\t1\nb: x\ty\nc: [1,\t2]\nd: {e:\t3}\nf:\t\t\"q\"\ng:\t# c\n  h: 1\ni:\t-1\n", Schema::V3);
        assert_same(&n.get("a").unwrap().value, &Value::Int(1), "a");
        assert_same(&n.get("b").unwrap().value, &s("x\ty"), "b");
        assert_same(&n.get("f").unwrap().value, &s("q"), "f");
        assert_same(&n.get("i").unwrap().value, &Value::Int(-1), "i");
        assert_eq!(n.get("g").unwrap().get("h").unwrap().pos, Pos::new(7, 6));
        let text = "spec:\n  args: [\n  \"a\",\n\"b\", {c: [\n1]}\n]\n  q: \"multi\nline \n  x\"\n  r: 'it''s\n    ok'\n  s: [\n  \"x\",\n  ]\nt: \"a\nb\"\n";
        let n = one(text, Schema::V3);
        let args = n.get("spec").unwrap().get("args").unwrap().as_seq().unwrap();
        assert_eq!(args.len(), 3);
        assert_eq!(args[1].pos, Pos::new(4, 1));
        assert_eq!(args[2].get("c").unwrap().as_seq().unwrap()[0].pos, Pos::new(5, 1));
        assert_eq!(n.str_at(&["spec", "q"]), Some("multi line x"));
        assert_eq!(n.str_at(&["spec", "r"]), Some("it's ok"));
        assert_eq!(n.str_at(&["t"]), Some("a b"));
        assert_eq!(n.get("spec").unwrap().get("s").unwrap().as_seq().unwrap().len(), 1);
        // Tabs leading lines inside flow collections and quoted scalars.
        let n = one("data:\n  a: [1,\n\t2]\n  q: \"x\n\ty\"\n  r: \"x\n \ty\"\n", Schema::V3);
        assert_eq!(n.get("data").unwrap().get("a").unwrap().as_seq().unwrap()[1].pos, Pos::new(3, 2));
        assert_eq!(n.str_at(&["data", "q"]), Some("x y"));
        assert_eq!(n.str_at(&["data", "r"]), Some("x y"));
        let n = one("{\n\t\"kind\": \"X\",\n\t\"metadata\": {\n\t\t\"name\": \"a\"\n\t}\n}\n", Schema::V3);
        assert_eq!(n.str_at(&["metadata", "name"]), Some("a"));
        // Tabs inside quoted values are content and stay.
        let n = one("a: \"x:\ty\"\nb: |\n  k:\tv\n", Schema::V3);
        assert_eq!(n.str_at(&["a"]), Some("x:\ty"));
        assert_eq!(n.str_at(&["b"]), Some("k:\tv\n"));
    }

    /// Parses with kcompile's parser and with saphyr-parser alone; both must give `want` for
    /// the value of `x`.
    fn x_both_ways(text: &str, want: &str) {
        for fast in [true, false] {
            let got = parse_stream_with(text, Schema::V3, &Limits { fast_path: fast, ..Limits::default() });
            let docs = got.unwrap_or_else(|e| panic!("{text:?} (fast path {fast}): {e}"));
            let last = docs.last().expect("a document");
            assert_eq!(last.str_at(&["x"]), Some(want), "{text:?} (fast path {fast})");
        }
    }

    // kubectl: core/tests/fixtures/empty-item-after-a-flow-item-in-an-indentless-list.
    #[test]
    fn a_list_at_its_keys_indentation_starting_with_a_flow_item_is_a_block_list() {
        for text in ["x:\n- []\n-\n", "x:\n- {a: 1}\n-\n", "x:\n- [a]\n- \n"] {
            for fast in [true, false] {
                let docs = parse_stream_with(text, Schema::V3, &Limits { fast_path: fast, ..Limits::default() });
                let docs = docs.unwrap_or_else(|e| panic!("{text:?} (fast path {fast}): {e}"));
                let items = docs[0].get("x").and_then(Node::as_seq).expect("a list");
                assert_eq!(items[1].value, Value::Null, "{text:?} (fast path {fast})");
            }
        }
    }

    // kubectl: core/tests/fixtures/yaml-block-scalar-eof and the experiments in the report.
    #[test]
    fn a_block_scalar_ending_an_unterminated_last_line_gets_no_final_line_break() {
        for (text, want) in [
            ("x: |\n  Cloud", "Cloud"),
            ("x: |+\n  Cloud", "Cloud"),
            ("x: |-\n  Cloud", "Cloud"),
            ("x: >\n  a\n  b", "a b"),
            ("x: |\n  a\n\n  b", "a\n\nb"),
            ("a: 1\n---\nx: |2\n  a\n   b", "a\n b"),
            ("x: |\n", ""),
            ("x: |", ""),
        ] {
            x_both_ways(text, want);
        }
    }

    // kubectl, as above.
    #[test]
    fn an_unterminated_last_line_of_spaces_is_block_scalar_content_only_past_its_indentation() {
        for (text, want) in [
            ("x: |\n  a\n  ", "a\n"),
            ("x: |\n  a\n ", "a\n"),
            ("x: |\n  a\n   ", "a\n "),
            ("x: |+\n  a\n  ", "a\n"),
            ("x: |+\n  a\n\n  ", "a\n\n"),
            ("x: |+\n  a\n\n    ", "a\n\n  "),
            ("x: |+\n  ", ""),
            ("x: |-\n  a\n   ", "a\n "),
            ("x: |1\n  a\n  ", " a\n "),
            ("x: >\n  a\n\n  ", "a\n"),
        ] {
            x_both_ways(text, want);
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
                let got = parse_stream_with(text, Schema::V3, &Limits { fast_path: fast, ..Limits::default() });
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

    // kubectl: core/tests/fixtures/err-yaml-control-character and the experiments in the report.
    #[test]
    fn characters_go_yaml_refuses_are_an_error_at_their_place_in_any_scalar_style() {
        for text in
            ["x: a\x7fb\n", "x: 'a\x01b'\n", "x: \"a\x1bb\"\n", "x: |\n  a\u{80}\n", "x\u{9f}: v\n", "# \x08\nx: 1\n"]
        {
            for schema in [Schema::V3, Schema::V11] {
                let e = err(text, schema);
                assert!(e.message.starts_with("control characters are not allowed (U+"), "{text:?}: {e}");
            }
        }
        let e = err("a: 1\nx: 'tab\tok, DEL \x7f not'\n", Schema::V3);
        assert_eq!((e.message.as_str(), e.pos), ("control characters are not allowed (U+007F)", Pos::new(2, 17)));
        // Accepted: tab, U+0085, U+00A0 up, a byte order mark inside the text is left to the parser.
        assert_eq!(
            one("x: \"a\tb\u{85}c\u{a0}d\u{e000}\u{10000}\"\n", Schema::V3).str_at(&["x"]),
            Some("a\tb\u{85}c\u{a0}d\u{e000}\u{10000}")
        );
    }

    // kubectl: `k: "a\x7fb"` fails when kustomize converts its output back to YAML; `"\x01"`,
    // `"\e"`, `"\u0085"` and `"\ufeff"` print.
    #[test]
    fn escaped_characters_kustomize_cannot_print_are_found_in_the_output() {
        for esc in ["\\x7f", "\\x80", "\\u009f", "\\ufffe", "\\uffff"] {
            // Read fine (a patch that never applies is no error)...
            let n = one(&format!("x: {{y: [a, \"a{esc}b\"]}}\n"), Schema::V3);
            // ...but found before the output is printed, with the path to it.
            let (c, path) = unprintable(&n).expect(esc);
            assert!(c >= '\u{7f}', "{esc}");
            assert_eq!(path, "x.y.[1]", "{esc}");
        }
        assert_eq!(unprintable(&one("x: \"a\\x01\\e\\u0085b\"\n", Schema::V3)), None);
        for (esc, want) in
            [("\\x01", "\u{1}"), ("\\e", "\u{1b}"), ("\\u0085", "\u{85}"), ("\\ufeff", "\u{feff}"), ("\\0", "\0")]
        {
            let n = one(&format!("x: \"a{esc}b\"\n"), Schema::V3);
            assert_eq!(n.str_at(&["x"]), Some(format!("a{want}b").as_str()), "{esc}");
        }
    }

    // kubectl: core/tests/fixtures/yaml-quoted-keys and the experiments in the report.
    #[test]
    fn the_first_non_merge_double_angle_key_of_a_map_vanishes_and_later_ones_stay() {
        for (text, want) in [
            ("\"<<\": v\na: b\n", vec!["a"]),
            ("'<<': {z: 1}\na: b\n", vec!["a"]),
            ("!!str <<: [x]\na: b\n", vec!["a"]),
            ("\"<<\": x\na: b\n\"<<\": y\n", vec!["a", "<<"]),
            ("<<: {z: 1}\n\"<<\": {w: 2}\na: b\n", vec!["<<", "a", "z"]),
            ("\"<<\": {w: 2}\n<<: {z: 1}\na: b\n", vec!["a", "z"]),
        ] {
            let n = one(text, Schema::V3);
            assert_eq!(keys(&n), want, "{text:?}");
        }
        // go-yaml v2 (kustomization files) keeps a quoted `<<` as a key.
        assert_eq!(keys(&one("\"<<\": v\na: b\n", Schema::V11)), ["<<", "a"]);
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

    // kubectl: core/tests/fixtures/err-yaml-block-scalar-tab-indent and the experiments in the
    // report ("found a tab character where an indentation space is expected").
    #[test]
    fn a_tab_in_a_block_scalars_indentation_is_an_error() {
        for (text, at) in [
            ("x: |\n  a\n\tb\n", Pos::new(3, 1)),
            ("x: >\n  \ta\n", Pos::new(2, 3)),
            ("x: |\n\n \t\n  a\n", Pos::new(3, 2)),
            ("x: |2\n  a\n \tb\n", Pos::new(3, 2)),
            ("x: |-\n  a\n\t", Pos::new(3, 1)),
        ] {
            for fast in [true, false] {
                let got = parse_stream_with(text, Schema::V3, &Limits { fast_path: fast, ..Limits::default() });
                let e = got.expect_err(text);
                assert_eq!(e.message, "found a tab character where an indentation space is expected", "{text:?}");
                assert_eq!(e.pos, at, "{text:?} (fast path {fast})");
            }
        }
        // Past the indentation a tab is content.
        x_both_ways("x: |\n  a\n  \tb\n", "a\n\tb\n");
        x_both_ways("x: |2\n  \n  a\n", "\na\n");
    }

    #[test]
    fn positions() {
        let n = one("a: 1\nb:\n  - x\n  - {c: d}\nlong: \"é\" # c\n\"q\": &a |\n  t\n", Schema::V3);
        assert_eq!(n.pos, Pos::new(1, 1));
        assert_eq!(n.get("a").unwrap().pos, Pos::new(1, 4));
        let b = n.get("b").unwrap();
        assert_eq!(b.pos, Pos::new(3, 3));
        assert_eq!(b.as_seq().unwrap()[0].pos, Pos::new(3, 5));
        assert_eq!(b.as_seq().unwrap()[1].pos, Pos::new(4, 5));
        assert_eq!(b.as_seq().unwrap()[1].get("c").unwrap().pos, Pos::new(4, 9));
        assert_eq!(n.get("long").unwrap().pos, Pos::new(5, 7));
        assert_eq!(n.get("q").unwrap().pos, Pos::new(6, 6));
        // Block scalars are where their indicator is.
        let n = one("x: |\n  a\ny: >-2 # c\n\n    b\nz: |\nw: !!str |\n  q\n", Schema::V3);
        assert_eq!(n.get("x").unwrap().pos, Pos::new(1, 4));
        assert_eq!(n.get("y").unwrap().pos, Pos::new(3, 4));
        assert_eq!(n.get("z").unwrap().pos, Pos::new(6, 4));
        assert_eq!(n.get("w").unwrap().pos, Pos::new(7, 4));
    }

    // The tests below check kcompile's own guarantees (limits, positions, speed), not kubectl.

    /// Billion laughs: 9 levels of 9 aliases would be 9^9 nodes.
    fn laughs() -> String {
        let mut t = String::from("a0: &a0 [lol]\n");
        for i in 1..=9 {
            let p = i - 1;
            t.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
        }
        t
    }

    #[test]
    fn alias_bomb_fails_fast() {
        // Bounded: the limit is checked before each copy, so the bomb ends in an error, not
        // in gigabytes (speed is measured in the benchmark, not here).
        let e = err(&laughs(), Schema::V3);
        assert!(e.message.starts_with("more than 4000000 YAML nodes after alias expansion"), "{e}");
        // Small limits trip early.
        let limits = Limits { max_nodes: 1000, ..Limits::default() };
        let e = parse_stream_with(&laughs(), Schema::V11, &limits).unwrap_err();
        assert!(e.message.contains("more than 1000 YAML nodes after alias expansion"), "{e}");
        // Long strings are bounded by bytes.
        let limits = Limits { max_bytes: 10_000, ..Limits::default() };
        let text = format!("a: &a \"{}\"\nb: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n", "x".repeat(1000));
        assert!(parse_one_with(&text, Schema::V3, &limits).unwrap_err().message.contains("bytes"));
        // Without aliases, the message does not mention them; documents have their own limit.
        let limits = Limits { max_nodes: 10, ..Limits::default() };
        let e = parse_stream_with("a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n", Schema::V3, &limits).unwrap_err();
        assert!(e.message.starts_with("more than 10 YAML nodes:"), "{e}");
        let limits = Limits { max_documents: 2, ..Limits::default() };
        let e = parse_stream_with("a: 1\n---\nb: 2\n---\nc: 3\n", Schema::V3, &limits).unwrap_err();
        assert!(e.message.starts_with("more than 2 YAML documents"), "{e}");
        assert_eq!(e.pos.line, 5);
        // Alias copies have their own limit.
        let limits = Limits { max_alias_nodes: 100, ..Limits::default() };
        let e = parse_stream_with(&laughs(), Schema::V3, &limits).unwrap_err();
        assert!(e.message.starts_with("more than 100 YAML nodes made by alias expansion"), "{e}");
        // A budget carries over from one parse to the next.
        let limits = Limits { max_nodes: 20, ..Limits::default() };
        let mut budget = Budget::default();
        parse_stream_in("a: [1, 2, 3, 4, 5]\n", Schema::V3, &limits, &mut budget).unwrap();
        parse_stream_in("a: [1, 2, 3, 4, 5]\n", Schema::V3, &limits, &mut budget).unwrap();
        assert!(parse_stream_in("a: [1, 2, 3, 4, 5]\n", Schema::V3, &limits, &mut budget).is_err());
        // Moderate reuse is fine.
        let text = "a: &a {x: [1, 2, 3]}\nb: [*a, *a, *a]\n";
        assert_eq!(one(text, Schema::V3).get("b").unwrap().as_seq().unwrap().len(), 3);
    }

    #[test]
    fn an_error_over_a_limit_names_the_limit_and_other_errors_name_none() {
        let over = |text: &str, limits: Limits| parse_stream_with(text, Schema::V3, &limits).unwrap_err().limit;
        let d = Limits::default;
        assert_eq!(over(&laughs(), d()), Some(Limit::Nodes));
        assert_eq!(over(&laughs(), Limits { max_alias_nodes: 100, ..d() }), Some(Limit::AliasNodes));
        let text = format!("a: &a \"{}\"\nb: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n", "x".repeat(1000));
        assert_eq!(over(&text, Limits { max_bytes: 10_000, ..d() }), Some(Limit::Bytes));
        assert_eq!(over("a: 1\n---\nb: 2\n", Limits { max_documents: 1, ..d() }), Some(Limit::Documents));
        assert_eq!(over("a: [[[1]]]\n", Limits { max_depth: 2, ..d() }), Some(Limit::Depth));
        assert_eq!(over("a: [1\n", d()), None);
        assert_eq!(over("a: 1\na: 2\n", d()), None);
    }

    #[test]
    fn deep_nesting_fails_without_overflow() {
        // Run on a small stack to prove nothing recurses on the input's depth.
        let handle = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(|| {
                let flow = "[".repeat(100_000);
                let e1 = parse_stream(&flow, Schema::V3).unwrap_err();
                let e2 = parse_one(&"{a: ".repeat(100_000), Schema::V11).unwrap_err();
                let block = "- ".repeat(100_000) + "x\n";
                let e3 = parse_stream(&block, Schema::V3).unwrap_err();
                let mut maps = String::new();
                for i in 0..3000 {
                    maps.push_str(&" ".repeat(i));
                    maps.push_str("a:\n");
                }
                let e4 = parse_one(&maps, Schema::V3).unwrap_err();
                (e1, e2, e3, e4)
            })
            .unwrap();
        let (e1, e2, e3, e4) = handle.join().expect("no stack overflow");
        assert!(!e1.message.is_empty() && !e2.message.is_empty());
        assert!(e3.message.contains("nested too deeply"), "{e3}");
        assert!(e4.message.contains("nested too deeply"), "{e4}");
        // Aliases cannot exceed the depth either.
        let limits = Limits { max_depth: 3, ..Limits::default() };
        let e = parse_one_with("a: &a [[1]]\nb: [*a]\n", Schema::V3, &limits).unwrap_err();
        assert!(e.message.contains("nested too deeply"), "{e}");
        assert!(parse_one_with("a: &a [[1]]\nb: *a\n", Schema::V3, &limits).is_ok());
    }

    #[test]
    fn display_and_resolve_plain_helpers() {
        let e = YamlError::new("boom", Pos::new(3, 7));
        assert_eq!(e.to_string(), "3:7: boom");
        assert_eq!(resolve_plain("2001-12-14T23:59:59+24:00", Schema::V3), s("2001-12-14T23:59:59+24:00"));
        assert_eq!(decode_binary("aGVs\nbG8=\n").unwrap(), "hello");
        assert_eq!(decode_binary("").unwrap(), "");
        assert!(decode_binary("aGVsbG8").is_err());
        assert!(decode_binary("a=Vs").is_err());
        assert_eq!(decode_binary("4oI=").unwrap(), "\u{FFFD}\u{FFFD}");
    }

    #[test]
    fn big_input_is_fast() {
        let mut text = String::new();
        for i in 0..20_000 {
            text.push_str(&format!(
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n  labels: {{app: x, n: \"{i}\"}}\ndata:\n  a: \"1\"\n  b: [1, 2.5, true, null, 2001-12-14]\n"
            ));
        }
        let docs = parse_stream(&text, Schema::V3).unwrap();
        assert_eq!(docs.len(), 20_000);
    }
}
