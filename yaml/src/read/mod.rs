//! The YAML reader: turns YAML text into [`Node`]s, decoding values the way kustomize does.
//!
//! Events (`event::Event`) come from kcompile's own parser (`scan.rs`) for the YAML that
//! manifests are made of, and from `saphyr-parser` (through its adapter, `saphyr.rs`) for
//! anything else and for every error (the two agree wherever the first answers: differential
//! tests and a fuzz target check it); [`ReadLimits::fast_path`] turns the first off. The reader's
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
//!   follows a `...` in the same part is ignored, unread; a part whose first content is `...`
//!   (after blank lines and comments) is an error, as libyaml wants a node there ("did not find
//!   expected node content"; `---` then `...` is an empty document). The same holds for single
//!   documents. Documents that are null, `{}` or `[]`
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
//!   go-yaml nodes without decoding them; a bad tag, a duplicate or non-string key (or, in a nested
//!   map, a key tagged other than `!!str`), an infinity
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
//!   kustomize fail when it converts its output (JSON) back to YAML: an error too, as are a map
//!   key holding U+0085 (a line break to go-yaml, raw in JSON) and one longer than 1024
//!   characters as JSON (go-yaml's limit on a key written without `?`) ([`unprintable`]).
//!
//! * **Byte order marks.** go-yaml skips one U+FEFF at the start of its input, which is each
//!   document's text in a stream (kyaml gives it the documents one by one); anywhere else it is an
//!   ordinary character (`a: \u{FEFF}x`, a key `\u{FEFF}f` at the start of a line), which
//!   kustomize prints escaped.
//!
//! Leniencies of go-yaml (libyaml) that `saphyr-parser` does not share are patched over (in the
//! adapter) by re-parsing with a minimally edited text: a tab right after a `:` value indicator, and lines
//! inside flow collections or multi-line quoted scalars indented less than YAML 1.2 requires or
//! indented with tabs (rewriting such leading whitespace cannot change a value). Reported
//! columns are corrected.
//!
//! libyaml ends a plain scalar at `?` inside a flow collection, where YAML 1.2 reads it as part
//! of the scalar: such a scalar (`[x_y=? x]`) is an error, as in go-yaml ("did not find expected
//! ',' or ']'"); one that starts with `?` is left as saphyr reads it.
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
//!
//! Layout: this file holds the entry points and their types; `split.rs` cuts documents,
//! `retry.rs` parses one, `builder.rs` turns events into nodes, `scalar.rs` decodes tagged
//! scalars, block scalars and keys.

use super::node::{Node, Pos, Value};
use crate::resolve::{resolve_core, Res};
use std::borrow::Cow;
use std::fmt;

mod builder;
mod retry;
mod scalar;
mod split;

pub(crate) use builder::{Builder, Reading};
use retry::parse_first_document;
pub use retry::{unprintable, Unprintable};
pub(crate) use scalar::{is_canonical_text, reprinted_block_scalar};
pub use scalar::{plain_non_string_v3, unreadable_when_written_v3};
pub(crate) use split::count_newlines;
use split::split_documents;

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
    /// Which of the [`ReadLimits`] the text went over, when that is what went wrong.
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
    /// For a key tagged other than `!!str` (the value is [`Deferred::node`]): kyaml's strategic
    /// merge makes a new, untagged key for a field it adds to a map the object has, so a patch's
    /// such key fails only where the patch brings its whole map.
    pub tagged_key: bool,
}

/// Which of the [`ReadLimits`] a [`YamlError`] is about, so that a caller can say how to raise it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Limit {
    /// [`ReadLimits::max_depth`].
    Depth,
    /// [`ReadLimits::max_nodes`].
    Nodes,
    /// [`ReadLimits::max_alias_nodes`].
    AliasNodes,
    /// [`ReadLimits::max_bytes`].
    Bytes,
    /// [`ReadLimits::max_documents`].
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
pub struct ReadLimits {
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

impl Default for ReadLimits {
    fn default() -> ReadLimits {
        ReadLimits {
            max_depth: 1000,
            max_nodes: 4_000_000,
            max_bytes: 256 << 20,
            max_documents: usize::MAX,
            max_alias_nodes: usize::MAX,
            fast_path: true,
        }
    }
}

/// What has been spent of the [`ReadLimits`]: by one parse, or by all the parses of one build.
#[derive(Clone, Copy, Debug, Default)]
pub struct Budget {
    nodes: usize,
    bytes: usize,
    documents: usize,
    alias_nodes: usize,
    /// Documents kcompile's own parser read (the others went to saphyr-parser).
    pub(crate) fast_documents: usize,
}

/// Parses a multi-document YAML file (resources, patches) as kustomize does, dropping null and
/// empty documents. See the module documentation for the rules. Uses [`ReadLimits::default`].
pub fn parse_stream(text: &str, schema: Schema) -> Result<Vec<Node>, YamlError> {
    parse_stream_with(text, schema, &ReadLimits::default())
}

/// Whether kyaml's `ByteReader` cuts `text` into several pieces (documents, empty ones
/// included: a file ending with `---` has two). kustomize unwraps a `kind: List` as YAML
/// nodes only when it is the file's one piece; otherwise its items go through JSON.
pub fn several_pieces(text: &str) -> bool {
    let normalized = text.replace("\r\n", "\n");
    split_documents(&normalized).is_ok_and(|pieces| pieces.len() > 1)
}

/// [`parse_stream`] with explicit limits.
pub fn parse_stream_with(text: &str, schema: Schema, limits: &ReadLimits) -> Result<Vec<Node>, YamlError> {
    parse_stream_in(text, schema, limits, &mut Budget::default())
}

/// [`parse_stream_with`], charging what it builds to `budget` (what a whole build has spent so
/// far), so that the limits hold for all the files of a build together.
pub fn parse_stream_in(
    text: &str,
    schema: Schema,
    limits: &ReadLimits,
    budget: &mut Budget,
) -> Result<Vec<Node>, YamlError> {
    stream(text, Reading { schema, limits, budget, deferred: None })
}

/// [`parse_stream_in`] under go-yaml v3's rules, recording instead of failing on what kustomize
/// finds only when it converts an object to JSON ([`Deferred`]): the documents come back with
/// those problems, in the order of the text.
pub fn parse_stream_deferring(
    text: &str,
    limits: &ReadLimits,
    budget: &mut Budget,
) -> Result<(Vec<Node>, Vec<Deferred>), YamlError> {
    let mut deferred = Vec::new();
    let docs = stream(text, Reading { schema: Schema::V3, limits, budget, deferred: Some(&mut deferred) })?;
    Ok((docs, deferred))
}

fn stream(text: &str, mut r: Reading) -> Result<Vec<Node>, YamlError> {
    let normalized: Cow<str> = if memchr::memmem::find(text.as_bytes(), b"\r\n").is_some() {
        Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        Cow::Borrowed(text)
    };
    let mut out = Vec::new();
    for piece in split_documents(&normalized)? {
        r.budget.documents = r.budget.documents.saturating_add(1);
        if r.budget.documents > r.limits.max_documents {
            return Err(YamlError::over(
                Limit::Documents,
                format!("more than {} YAML documents: {LIMIT_SCOPE}", r.limits.max_documents),
                Pos::new(piece.line_offset + 1, 1),
            ));
        }
        let found = parse_first_document(piece.text, piece.line_offset, &mut r);
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
/// go-yaml's `Unmarshal` ignores them. Uses [`ReadLimits::default`].
pub fn parse_one(text: &str, schema: Schema) -> Result<Option<Node>, YamlError> {
    parse_one_with(text, schema, &ReadLimits::default())
}

/// [`parse_one`] with explicit limits.
pub fn parse_one_with(text: &str, schema: Schema, limits: &ReadLimits) -> Result<Option<Node>, YamlError> {
    parse_one_in(text, schema, limits, &mut Budget::default())
}

/// [`parse_one_with`], charging what it builds to `budget` (see [`parse_stream_in`]).
pub fn parse_one_in(
    text: &str,
    schema: Schema,
    limits: &ReadLimits,
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
    let mut r = Reading { schema, limits, budget, deferred: None };
    Ok(parse_first_document(text, 0, &mut r)?.filter(|n| !n.is_null()))
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

#[cfg(test)]
mod tests {
    //! Expectations marked "kubectl" were checked against `kubectl kustomize` (kustomize v5.5.0):
    //! V3 ones through a resource's `data:` map, V11 values through a JSON 6902 patch `value:`,
    //! V11 keys through `commonLabels`/`commonAnnotations` in a kustomization.
    use super::scalar::decode_binary;
    use super::*;

    pub(super) fn s(x: &str) -> Value {
        Value::Str(x.to_string())
    }

    /// Parses `x: <src>` as one V3/V11 document and returns the value of `x`.
    pub(super) fn val(src: &str, schema: Schema) -> Result<Value, YamlError> {
        let doc = parse_one(&format!("x: {src}\n"), schema)?.expect("a document");
        Ok(doc.get("x").expect("key x").value.clone())
    }

    pub(super) fn err(text: &str, schema: Schema) -> YamlError {
        match parse_stream(text, schema) {
            Ok(docs) => panic!("expected an error for {text:?}, got {docs:?}"),
            Err(e) => e,
        }
    }

    pub(super) fn one(text: &str, schema: Schema) -> Node {
        parse_one(text, schema).expect("parses").expect("a document")
    }

    /// Reads `text` recording deferred problems: the one document and what was recorded, as
    /// (node position, error position, message).
    pub(super) fn deferring(text: &str) -> (Node, Vec<(String, String, String)>) {
        let (mut docs, d) =
            parse_stream_deferring(text, &ReadLimits::default(), &mut Budget::default()).expect("parses");
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

    // kubectl: `json: unsupported type: map[interface {}]interface {}` for `m`, not for the top.
    #[test]
    fn deferring_records_a_nested_key_tagged_other_than_str_at_its_value() {
        let (doc, d) = deferring("!top a: 1\nm: {!custom k: x, !!binary aGk=: y, !!str s: z}\n");
        assert_eq!(keys(&doc), ["a", "m"]);
        assert_eq!(keys(doc.get("m").unwrap()), ["k", "hi", "s"]);
        let places: Vec<(&str, &str)> = d.iter().map(|d| (d.0.as_str(), d.1.as_str())).collect();
        assert_eq!(places, [("2:16", "2:5"), ("2:34", "2:19")]);
        assert!(d[0].2.starts_with("map key \"k\" has a tag other than !!str"), "{}", d[0].2);
    }

    #[test]
    fn deferring_keeps_the_first_value_of_a_duplicate_key_and_records_the_later_one_at_the_map() {
        let text = "m:\n  k: 1\n  j: 2\n  k: 3\n";
        let (doc, d) = deferring(text);
        assert_eq!(keys(doc.get("m").unwrap()), ["k", "j"]);
        assert_eq!(doc.get("m").unwrap().get("k").unwrap().value, Value::Int(1));
        let (_, all) = parse_stream_deferring(text, &ReadLimits::default(), &mut Budget::default()).unwrap();
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

    pub(super) fn assert_same(got: &Value, want: &Value, what: &str) {
        // Value's PartialEq compares numbers by value; also insist on the same variant.
        assert!(
            got == want && std::mem::discriminant(got) == std::mem::discriminant(want),
            "{what}: got {got:?}, want {want:?}"
        );
    }

    pub(super) fn keys(n: &Node) -> Vec<&str> {
        n.as_map().expect("a map").keys().map(String::as_str).collect()
    }

    pub(super) fn x_both_ways(text: &str, want: &str) {
        for fast in [true, false] {
            let got = parse_stream_with(text, Schema::V3, &ReadLimits { fast_path: fast, ..ReadLimits::default() });
            let docs = got.unwrap_or_else(|e| panic!("{text:?} (fast path {fast}): {e}"));
            let last = docs.last().expect("a document");
            assert_eq!(last.str_at(&["x"]), Some(want), "{text:?} (fast path {fast})");
        }
    }

    pub(super) const R: &str = "apiVersion: v1\nkind: X\nmetadata:\n  name: ";

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
        let limits = ReadLimits { max_nodes: 1000, ..ReadLimits::default() };
        let e = parse_stream_with(&laughs(), Schema::V11, &limits).unwrap_err();
        assert!(e.message.contains("more than 1000 YAML nodes after alias expansion"), "{e}");
        // Long strings are bounded by bytes.
        let limits = ReadLimits { max_bytes: 10_000, ..ReadLimits::default() };
        let text = format!("a: &a \"{}\"\nb: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n", "x".repeat(1000));
        assert!(parse_one_with(&text, Schema::V3, &limits).unwrap_err().message.contains("bytes"));
        // Without aliases, the message does not mention them; documents have their own limit.
        let limits = ReadLimits { max_nodes: 10, ..ReadLimits::default() };
        let e = parse_stream_with("a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n", Schema::V3, &limits).unwrap_err();
        assert!(e.message.starts_with("more than 10 YAML nodes:"), "{e}");
        let limits = ReadLimits { max_documents: 2, ..ReadLimits::default() };
        let e = parse_stream_with("a: 1\n---\nb: 2\n---\nc: 3\n", Schema::V3, &limits).unwrap_err();
        assert!(e.message.starts_with("more than 2 YAML documents"), "{e}");
        assert_eq!(e.pos.line, 5);
        // Alias copies have their own limit.
        let limits = ReadLimits { max_alias_nodes: 100, ..ReadLimits::default() };
        let e = parse_stream_with(&laughs(), Schema::V3, &limits).unwrap_err();
        assert!(e.message.starts_with("more than 100 YAML nodes made by alias expansion"), "{e}");
        // A budget carries over from one parse to the next.
        let limits = ReadLimits { max_nodes: 20, ..ReadLimits::default() };
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
        let over = |text: &str, limits: ReadLimits| parse_stream_with(text, Schema::V3, &limits).unwrap_err().limit;
        let d = ReadLimits::default;
        assert_eq!(over(&laughs(), d()), Some(Limit::Nodes));
        assert_eq!(over(&laughs(), ReadLimits { max_alias_nodes: 100, ..d() }), Some(Limit::AliasNodes));
        let text = format!("a: &a \"{}\"\nb: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n", "x".repeat(1000));
        assert_eq!(over(&text, ReadLimits { max_bytes: 10_000, ..d() }), Some(Limit::Bytes));
        assert_eq!(over("a: 1\n---\nb: 2\n", ReadLimits { max_documents: 1, ..d() }), Some(Limit::Documents));
        assert_eq!(over("a: [[[1]]]\n", ReadLimits { max_depth: 2, ..d() }), Some(Limit::Depth));
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
        let limits = ReadLimits { max_depth: 3, ..ReadLimits::default() };
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
