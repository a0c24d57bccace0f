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

/// A value plus the position it was read from. Equality ignores positions.
#[derive(Clone, Debug)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where it was read from.
    pub pos: Pos,
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
        Node { value, pos: Pos::default() }
    }

    /// A node read from `pos`.
    pub fn at(value: Value, pos: Pos) -> Node {
        Node { value, pos }
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
