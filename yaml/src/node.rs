//! kcompile's one document model: a JSON-like tree whose nodes remember where they came from.
//!
//! Every resource, patch and kustomization is parsed once into [`Node`]s, transformed in place and
//! emitted once. Values follow kustomize's data model (what go-yaml decodes into before kustomize
//! turns it into JSON): null, booleans, integers, floats, strings, sequences and string-keyed maps.

// The model's API is complete; each stage uses the part it needs.
#![allow(dead_code)]

use std::fmt;

pub use crate::map::{Entry, Map};

/// A position in a source file: 1-based line and column. `0:0` means "made by kcompile".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
}

impl Pos {
    /// A position from a line and a column.
    pub fn new(line: u32, col: u32) -> Pos {
        Pos { line, col }
    }

    /// True for nodes that were not read from a file.
    pub fn is_synthetic(&self) -> bool {
        self.line == 0
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// The value of a node.
#[derive(Clone, Debug)]
pub enum Value {
    /// `null` (also `~` and an empty value).
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer that fits in 64 bits, signed.
    Int(i64),
    /// An integer above `i64::MAX` (go-yaml keeps those as uint64).
    UInt(u64),
    /// A number with a fraction or exponent.
    Float(f64),
    /// A string.
    Str(String),
    /// A list.
    Seq(Vec<Node>),
    /// A map with string keys.
    Map(Map),
}

/// A value plus the position it was read from and, for a scalar, how it was written (what
/// go-yaml's `yaml.Node` keeps in `Style` and `Value` besides the decoded value, which kustomize's
/// later steps read). Equality ignores all but the value.
#[derive(Clone, Debug)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where it was read from.
    pub pos: Pos,
    /// How a scalar was written; [`Style::Plain`] for collections and for what kcompile makes.
    pub style: Style,
    /// The text a scalar was written with, kept only when it is not the value's canonical
    /// text: a non-string's (`0x1F`, `1.50`, `True`, `~`, and a timestamp, which the reader
    /// re-spells), or a folded string's before the reader applied go-yaml's reprint to it. See
    /// [`Node::written_text`]. Boxed so that a node stays small.
    pub written: Option<Box<Written>>,
    /// Whether kustomize wrote this scalar from a string, with no tag (kyaml's `SetScalar`,
    /// `NewScalarRNode`: a patched object's kind, name and namespace, an image the images
    /// transformer changed, a prefixed name, a field a replacement created): go-yaml resolves
    /// its text again when it prints it, and a replacement into it writes text to be resolved
    /// again. See [`Node::set_untagged`].
    pub untagged: bool,
}

/// A scalar's style, as far as it changes what kustomize does with the node: kyaml's
/// `FieldSetter` gives a value it writes over a field the style of the node it replaces, and
/// go-yaml reads a quoted or block scalar as a string whatever its text (its `indicatedString`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Style {
    /// Plain, or not written (collections, nodes made by kcompile).
    #[default]
    Plain,
    /// Single- or double-quoted.
    Quoted,
    /// A literal block scalar (`|`).
    Literal,
    /// A folded block scalar (`>`): kustomize's go-yaml writes it back with more line breaks
    /// than it holds in places (see the reader's `reprinted_block_scalar`).
    Folded,
}

impl Style {
    /// Whether go-yaml reads a node of this style as a string whatever its text says (when it
    /// has no tag of its own).
    pub fn indicates_string(self) -> bool {
        self != Style::Plain
    }
}

/// The text a non-string scalar was written with (see [`Node::written`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    /// The text, as the reader got it (escapes resolved, no quotes).
    pub text: Box<str>,
}

impl PartialEq for Node {
    fn eq(&self, other: &Node) -> bool {
        self.value == other.value
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (Null, Null) => true,
            (Bool(a), Bool(b)) => a == b,
            (Str(a), Str(b)) => a == b,
            (Seq(a), Seq(b)) => a == b,
            (Map(a), Map(b)) => a.len() == b.len() && a.iter().all(|(k, v)| b.get(k) == Some(v)),
            (a, b) => match (a.as_number(), b.as_number()) {
                (Some(x), Some(y)) => x == y,
                _ => false,
            },
        }
    }
}

impl Value {
    fn as_number(&self) -> Option<f64> {
        match *self {
            Value::Int(i) => Some(i as f64),
            Value::UInt(u) => Some(u as f64),
            Value::Float(f) => Some(f),
            _ => None,
        }
    }

    /// A short name of the value's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) | Value::UInt(_) => "integer",
            Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Seq(_) => "list",
            Value::Map(_) => "map",
        }
    }
}

impl Node {
    /// A node made by kcompile (no source position).
    pub fn new(value: Value) -> Node {
        Node { value, pos: Pos::default(), style: Style::Plain, written: None, untagged: false }
    }

    /// A node read from `pos`.
    pub fn at(value: Value, pos: Pos) -> Node {
        Node { value, pos, style: Style::Plain, written: None, untagged: false }
    }

    /// A null node.
    pub fn null() -> Node {
        Node::new(Value::Null)
    }

    /// A string node.
    pub fn string(s: impl Into<String>) -> Node {
        Node::new(Value::Str(s.into()))
    }

    /// An empty map node.
    pub fn map() -> Node {
        Node::new(Value::Map(Map::default()))
    }

    /// A list node.
    pub fn seq(items: Vec<Node>) -> Node {
        Node::new(Value::Seq(items))
    }

    /// Whether the value is null.
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The text kyaml reads from a scalar node as a string (its `Value`): a string, or the
    /// text a non-string was written with when the node keeps it ([`Node::written`]).
    pub fn as_text(&self) -> Option<&str> {
        match (&self.value, &self.written) {
            (Value::Str(s), _) => Some(s),
            (_, Some(w)) => Some(&w.text),
            _ => None,
        }
    }

    /// Whether kyaml sees a string here (`IsYNodeString`: a scalar tagged `!!str`, or with no
    /// tag): a string read from text, unless it is a plain timestamp (go-yaml tags it
    /// `!!timestamp`; the reader re-spells it), or any scalar kustomize wrote untagged. Not
    /// told: a string with a tag of its own (`!foo x`, not a string to kyaml), which the model
    /// does not keep, and `!!str` on a timestamp's text.
    pub fn is_kyaml_string(&self) -> bool {
        match &self.value {
            Value::Map(_) | Value::Seq(_) => false,
            _ if self.untagged => true,
            Value::Str(s) => {
                self.style.indicates_string()
                    || self.pos.is_synthetic()
                    || crate::read::plain_non_string_v3(self.written.as_ref().map_or(s.as_str(), |w| &w.text))
                        != Some("a timestamp")
            }
            _ => false,
        }
    }

    /// The map, if this is one.
    pub fn as_map(&self) -> Option<&Map> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The map, mutably, if this is one.
    pub fn as_map_mut(&mut self) -> Option<&mut Map> {
        match &mut self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The list, if this is one.
    pub fn as_seq(&self) -> Option<&Vec<Node>> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The list, mutably, if this is one.
    pub fn as_seq_mut(&mut self) -> Option<&mut Vec<Node>> {
        match &mut self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The child at `key` when this is a map.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map().and_then(|m| m.get(key))
    }

    /// The child at `key`, mutably, when this is a map.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.as_map_mut().and_then(|m| m.get_mut(key))
    }

    /// The string at a path of map keys, e.g. `["metadata", "name"]`.
    pub fn str_at(&self, path: &[&str]) -> Option<&str> {
        let mut n = self;
        for k in path {
            n = n.get(k)?;
        }
        n.as_str()
    }

    /// The map at `key`, created (replacing a null or scalar) when missing.
    pub fn entry_map(&mut self, key: &str) -> &mut Map {
        if !matches!(self.value, Value::Map(_)) {
            self.value = Value::Map(Map::default());
        }
        let Value::Map(m) = &mut self.value else { unreachable!() };
        let child = m.entry(key.to_string()).or_insert_with(Node::map);
        if !matches!(child.value, Value::Map(_)) {
            child.value = Value::Map(Map::default());
        }
        let Value::Map(cm) = &mut child.value else { unreachable!() };
        cm
    }

    /// A scalar's text as it was written (go-yaml's `Node.Value`): the text kept in
    /// [`Node::written`], else the canonical text ([`Node::scalar_text`], `null` for a null);
    /// `None` for maps and lists.
    pub fn written_text(&self) -> Option<String> {
        match (&self.written, &self.value) {
            (Some(w), _) => Some(w.text.to_string()),
            (None, Value::Null) => Some("null".to_string()),
            (None, _) => self.scalar_text(),
        }
    }

    /// This node written over a field whose value node had `style`, as kyaml's `FieldSetter`
    /// writes it: the node takes that style. go-yaml then prints a non-string scalar given a
    /// quoted or block style with its tag left out when its text would resolve to that tag
    /// anyway, so it reads back as the string of its text (`key: "0b"` patched with `key: -1`
    /// prints `key: "-1"`); a tag its text does not imply (`!!float 1`) is kept, and so is the
    /// value. Maps and lists keep what they are.
    pub fn written_over(&mut self, style: Style) {
        if matches!(self.value, Value::Map(_) | Value::Seq(_) | Value::Null) {
            // A null clears the field instead.
            return;
        }
        if let Value::Str(s) = &mut self.value {
            // go-yaml reprints a string only in folded style: leaving it or entering it changes
            // the text kustomize prints.
            match (self.style == Style::Folded, style == Style::Folded) {
                (true, false) => {
                    if let Some(w) = self.written.take() {
                        *s = w.text.into();
                    }
                    self.style = style;
                    return;
                }
                (false, true) if self.written.is_none() => {
                    if let Ok(Some(again)) = crate::read::reprinted_block_scalar(s, false) {
                        let as_read = std::mem::replace(s, again);
                        self.written = Some(Box::new(Written { text: as_read.into() }));
                    }
                    self.style = style;
                    return;
                }
                (true, true) => return,
                _ => {}
            }
        }
        self.style = style;
        if !style.indicates_string() || (self.written.is_none() && matches!(self.value, Value::Str(_))) {
            return;
        }
        let Some(text) = self.written_text() else { return };
        let implied = crate::read::resolve_plain(&text, crate::read::Schema::V3);
        if std::mem::discriminant(&implied) == std::mem::discriminant(&self.value)
            || matches!((&implied, &self.value), (Value::Int(_) | Value::UInt(_), Value::Int(_) | Value::UInt(_)))
        {
            self.value = Value::Str(text);
            self.written = None;
        }
    }

    /// kustomize writing `text` into this scalar with no tag (see [`Node::untagged`]): the node
    /// keeps its style, and its value is what go-yaml reads the text as when it prints it: a
    /// plain `0o17` becomes 15, `NULL` null and a timestamp
    /// its RFC 3339 spelling (the text is kept, as the reader keeps it), a quoted or block one stays a string. A text
    /// that reads as an infinity or NaN becomes that float, keeping its text: kustomize fails
    /// on it when it converts the object to JSON.
    pub fn set_untagged(&mut self, text: String) {
        self.untagged = true;
        self.written = None;
        if self.style.indicates_string() {
            self.value = Value::Str(text);
            return;
        }
        let value = crate::read::resolve_plain(&text, crate::read::Schema::V3);
        // A non-finite float keeps its text even when canonical: kyaml still reads it as text
        // (a kind, a name), and the message of the failure names it.
        let infinite = matches!(value, Value::Float(f) if !f.is_finite());
        if infinite || !crate::read::is_canonical_text(&value, &text) {
            self.written = Some(Box::new(Written { text: text.into_boxed_str() }));
        }
        self.value = value;
    }

    /// Sets field `key` of this map to `text` as kyaml's `SetMapField` with `NewScalarRNode`
    /// does (`SetKind`, `SetName`): an existing scalar keeps its style (see
    /// [`Node::set_untagged`]), a missing field is made plain; a node that is not a map becomes
    /// one.
    pub fn set_untagged_field(&mut self, key: &str, text: String) {
        if !matches!(self.value, Value::Map(_)) {
            self.value = Value::Map(Map::default());
        }
        let Value::Map(m) = &mut self.value else { return };
        let slot = m.entry(key.to_string()).or_insert_with(Node::null);
        if matches!(slot.value, Value::Map(_) | Value::Seq(_)) {
            *slot = Node::null();
        }
        slot.set_untagged(text);
    }

    /// A scalar's text as kustomize would see it in a string context (numbers and booleans
    /// spelled as JSON spells them); `None` for maps and lists.
    pub fn scalar_text(&self) -> Option<String> {
        Some(match &self.value {
            Value::Null => String::new(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::UInt(u) => u.to_string(),
            Value::Float(f) => crate::emit::format_float(*f),
            Value::Str(s) => s.clone(),
            Value::Seq(_) | Value::Map(_) => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::{parse_one, Schema};

    fn scalar(text: &str) -> Node {
        parse_one(&format!("v: {text}\n"), Schema::V3).unwrap().unwrap().get("v").unwrap().clone()
    }

    // kubectl: a var reference in a list of `args` holding each of these.
    #[test]
    fn kyaml_sees_strings_by_their_tag_not_their_value() {
        for text in ["x", "'8080'", "'2001-12-14'", "!!str 12", "|\n  a", "no"] {
            assert!(scalar(text).is_kyaml_string(), "{text}");
        }
        for text in ["8080", "true", "~", "1.5", "2001-12-14", "2001-12-14T21:59:43Z", "{a: b}", "[x]"] {
            assert!(!scalar(text).is_kyaml_string(), "{text}");
        }
        let mut untagged = scalar("x");
        untagged.set_untagged("8080".to_string());
        assert!(untagged.is_kyaml_string(), "kustomize wrote it with no tag");
        assert!(Node::string("2001-12-14").is_kyaml_string(), "made by kustomize as a string");
    }

    #[test]
    fn a_scalar_written_over_a_quoted_one_becomes_the_string_of_its_text() {
        for (text, want) in
            [("-1", "-1"), ("0x1F", "0x1F"), ("1.50", "1.50"), ("True", "True"), ("2001-12-14", "2001-12-14")]
        {
            let mut n = scalar(text);
            n.written_over(Style::Quoted);
            assert_eq!(n.value, Value::Str(want.to_string()), "{text}");
            assert_eq!(n.style, Style::Quoted);
        }
        let mut block = scalar("!!int \"5\"");
        block.written_over(Style::Literal);
        assert_eq!(block.value, Value::Str("5".to_string()));
    }

    #[test]
    fn a_tag_its_text_does_not_imply_and_a_plain_target_keep_the_value() {
        let mut n = scalar("!!float 1");
        n.written_over(Style::Quoted);
        assert_eq!(n.value, Value::Float(1.0));
        let mut n = scalar("0x1F");
        n.written_over(Style::Plain);
        assert_eq!(n.value, Value::Int(31));
        let mut n = scalar("\"123\"");
        n.written_over(Style::Plain);
        assert_eq!((n.value, n.style), (Value::Str("123".to_string()), Style::Plain));
    }

    #[test]
    fn text_written_untagged_is_read_again_unless_the_node_is_quoted() {
        let mut plain = scalar("Widget");
        plain.set_untagged("0o17".to_string());
        assert_eq!((plain.value.clone(), plain.as_text()), (Value::Int(15), Some("0o17")));
        assert!(plain.untagged);
        plain.set_untagged("NULL".to_string());
        assert!(plain.is_null());
        plain.set_untagged("2001-12-14".to_string());
        assert_eq!(plain.as_str(), Some("2001-12-14T00:00:00Z"));
        plain.set_untagged(".inf".to_string());
        assert_eq!((plain.value.clone(), plain.as_text()), (Value::Float(f64::INFINITY), Some(".inf")));
        let mut quoted = scalar("\"busybox\"");
        quoted.set_untagged("NULL".to_string());
        assert_eq!(quoted.as_str(), Some("NULL"));
    }

    #[test]
    fn an_untagged_field_keeps_the_style_of_the_field_it_replaces() {
        let mut doc = parse_one("kind: \"Widget\"\n", Schema::V3).unwrap().unwrap();
        doc.set_untagged_field("kind", "123".to_string());
        doc.set_untagged_field("name", "123".to_string());
        assert_eq!(doc.get("kind").unwrap().as_str(), Some("123"));
        assert_eq!(doc.get("name").unwrap().value, Value::Int(123));
    }

    #[test]
    fn a_folded_string_is_reprinted_only_while_it_is_folded() {
        let mut folded =
            parse_one("v: >\n  one\n    more\n  two\n", Schema::V3).unwrap().unwrap().get("v").unwrap().clone();
        assert_eq!(folded.as_str(), Some("one\n\n  more\ntwo\n"), "go-yaml's reprint adds a line break");
        folded.written_over(Style::Plain);
        assert_eq!(folded.as_str(), Some("one\n  more\ntwo\n"));
        folded.written_over(Style::Folded);
        assert_eq!(folded.as_str(), Some("one\n\n  more\ntwo\n"));
        folded.written_over(Style::Quoted);
        assert_eq!((folded.as_str(), folded.style), (Some("one\n  more\ntwo\n"), Style::Quoted));
    }

    #[test]
    fn a_null_written_over_anything_stays_null() {
        let mut n = scalar("~");
        n.written_over(Style::Quoted);
        assert!(n.is_null());
    }
}
