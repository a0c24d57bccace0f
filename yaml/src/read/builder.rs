//! The builder: nodes from parser events, in one pass with an explicit stack (anchors and
//! bounded alias expansion, merge keys, duplicate and non-string keys, limits).

use super::scalar::{
    decode_binary, is_canonical_text, kind_phrase, non_string_key_message, reprinted_block_scalar, tagged_key_message,
    text_len, v11_key, v11_key_value, ResolvedScalar,
};
use super::{Budget, Deferred, Limit, ReadLimits, Schema, YamlError, LIMIT_SCOPE};
use crate::event::{CoreTag, Event, TagClass};
use crate::node::{Map, Node, Pos, Style, Value, Written};
use crate::resolve::{go_special_float, resolve_core, Res};
use foldhash::{HashMap, HashMapExt};
use std::borrow::Cow;

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

/// A map key read whose value is awaited, and what its value will do.
enum PendingKey {
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
    pending: Option<PendingKey>,
    merge_seen: bool,
    merge: Option<Vec<Map>>,
    /// V3: whether a key `<<` (of any style) was seen.
    lt_lt_seen: bool,
    /// The pending key's problem ([`Deferred`]), recorded with its value's position.
    /// With whether it is a key tagged other than `!!str` ([`Deferred::tagged_key`]).
    key_problem: Option<(YamlError, bool)>,
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

/// How one document is read and what it is charged to: the settings both parsers pass to the
/// [`Builder`] they drive, and where a successful read's spending and deferred problems go.
pub(crate) struct Reading<'a> {
    pub(crate) schema: Schema,
    pub(crate) limits: &'a ReadLimits,
    /// What the reads so far have spent (one parse, or a whole build).
    pub(crate) budget: &'a mut Budget,
    /// `Some` when problems kustomize finds only later are recorded ([`Deferred`]), not raised.
    pub(crate) deferred: Option<&'a mut Vec<Deferred>>,
}

impl<'a> Reading<'a> {
    /// A builder for one attempt at the document, starting from the budget spent so far.
    pub(crate) fn builder(&self) -> Builder<'a> {
        let deferred = self.deferred.is_some().then(Vec::new);
        Builder {
            schema: self.schema,
            limits: self.limits,
            budget: *self.budget,
            stack: Vec::new(),
            anchors: HashMap::new(),
            root: None,
            deferred,
        }
    }

    /// Takes what `out` spent and recorded (its document was built without error).
    pub(crate) fn settle(&mut self, out: &mut Builder) {
        *self.budget = out.budget;
        if let (Some(all), Some(mine)) = (self.deferred.as_deref_mut(), out.deferred.as_mut()) {
            all.append(mine);
        }
    }
}

/// Builds a document from the [`Event`]s of either parser, applying every decoding rule, limit
/// and message of this module.
pub(crate) struct Builder<'l> {
    schema: Schema,
    limits: &'l ReadLimits,
    budget: Budget,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Anchored>,
    root: Option<Node>,
    /// `Some` when problems kustomize finds only later are recorded ([`Deferred`]), not raised.
    deferred: Option<Vec<Deferred>>,
}

impl<'l> Builder<'l> {
    /// A problem kustomize finds only when it converts the object holding `node` to JSON:
    /// recorded when deferring, else an error.
    fn defer(&mut self, message: String, pos: Pos, node: Pos) -> Result<(), YamlError> {
        match &mut self.deferred {
            Some(d) => {
                d.push(Deferred { node, error: YamlError::new(message, pos), later: None, tagged_key: false });
                Ok(())
            }
            None => self.err(message, pos),
        }
    }

    /// A problem of the key being read: recorded with its value's position when deferring.
    fn defer_key(&mut self, message: String, pos: Pos) -> Result<(), YamlError> {
        self.defer_key_as(message, pos, false)
    }

    /// [`Builder::defer_key`], saying whether the problem is a key's tag.
    fn defer_key_as(&mut self, message: String, pos: Pos, tagged_key: bool) -> Result<(), YamlError> {
        if self.deferred.is_none() {
            return self.err(message, pos);
        }
        if let Some(Frame { kind: FrameKind::Map(mf), .. }) = self.stack.last_mut() {
            mf.key_problem = Some((YamlError::new(message, pos), tagged_key));
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
                Style::Plain | Style::Quoted => self.scalar(text, style, tag, anchor, pos, None),
                Style::Literal => self.block_scalar(text, true, tag, anchor, pos),
                Style::Folded => self.block_scalar(text, false, tag, anchor, pos),
            },
            Event::Alias { anchor, pos } => self.alias(anchor, pos),
        }
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
        let style = if literal { Style::Literal } else { Style::Folded };
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
        style: Style,
        class: TagClass,
        anchor: usize,
        pos: Pos,
        as_read: Option<Cow<'_, str>>,
    ) -> Result<(), YamlError> {
        let plain = style == Style::Plain;
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
                    mf.pending = Some(PendingKey::Drop);
                    return Ok(());
                }
            }
        }
        if is_merge {
            return self.set_merge_key(pos);
        }
        let key = match self.schema {
            // A nested map with a key tagged other than `!!str` (`!custom k`, `!!binary aGk=`) is
            // decoded by go-yaml v3 as map[interface{}]interface{} (its `isStringMap`), which
            // Go's JSON cannot marshal (kubectl: `json: unsupported type`).
            Schema::V3 if self.stack.len() > 1 && matches!(class, TagClass::Other | TagClass::Binary) => {
                let key = match res {
                    ResolvedScalar::Decoded(s) => s,
                    _ => text.into_owned(),
                };
                self.defer_key_as(tagged_key_message(&key), pos, true)?;
                key
            }
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
        mf.pending = Some(PendingKey::Merge);
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
                mf.pending = Some(PendingKey::Duplicate(Box::new(problem)));
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
        mf.pending = Some(PendingKey::Key(index));
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
                Some(PendingKey::Duplicate(problem)) => {
                    let (key, error) = *problem;
                    if let Some(d) = self.deferred.as_mut() {
                        d.push(Deferred { node: frame.pos, error, later: Some((key, node)), tagged_key: false });
                    }
                }
                Some(PendingKey::Key(index)) => {
                    if let (Some((error, tagged_key)), Some(d)) = (mf.key_problem.take(), self.deferred.as_mut()) {
                        d.push(Deferred { node: pos, error, later: None, tagged_key });
                    }
                    if let Some((_, slot)) = mf.map.get_index_mut(index) {
                        *slot = node;
                    }
                }
                Some(PendingKey::Drop) => {}
                Some(PendingKey::Merge) => match schema {
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

#[cfg(test)]
mod tests {
    //! Expectations marked "kubectl" were checked against `kubectl kustomize` (kustomize v5.5.0):
    //! V3 ones through a resource's `data:` map, V11 values through a JSON 6902 patch `value:`,
    //! V11 keys through `commonLabels`/`commonAnnotations` in a kustomization.
    use super::*;
    use crate::read::tests::{assert_same, err, keys, one, s, x_both_ways};
    use crate::read::{parse_one, parse_stream, parse_stream_with};

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

    /// Parses with kcompile's parser and with saphyr-parser alone; both must give `want` for
    /// the value of `x`.
    // kubectl: core/tests/fixtures/empty-item-after-a-flow-item-in-an-indentless-list.
    #[test]
    fn a_list_at_its_keys_indentation_starting_with_a_flow_item_is_a_block_list() {
        for text in ["x:\n- []\n-\n", "x:\n- {a: 1}\n-\n", "x:\n- [a]\n- \n"] {
            for fast in [true, false] {
                let docs =
                    parse_stream_with(text, Schema::V3, &ReadLimits { fast_path: fast, ..ReadLimits::default() });
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
                let got = parse_stream_with(text, Schema::V3, &ReadLimits { fast_path: fast, ..ReadLimits::default() });
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
}
