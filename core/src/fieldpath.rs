//! The field-path language of replacements and vars: `spec.template.spec.containers.[name=app].image`.
//!
//! A path is split on dots ([`FieldPath::parse`]): `\.` is a dot inside a key, a bracketed part
//! is kept whole even when it holds dots (`[name=f.i.r.s.t]`, `[a.io/b]`; without `=` the
//! brackets are dropped and it is a key), and a leading dot is dropped (`.spec` is `spec`).
//! Each part is a [`Segment`]: a list index (`0`, `+1`), `-` (the last element), `*` (every
//! element), `[key=value]` (the elements whose `key` is `value`; `[=value]` for lists of
//! scalars) or a map key. Vars also write an index after a key (`containers[0]`,
//! [`FieldPath::parse_var`]).
//!
//! Readers differ in what a segment means, as in kustomize: a source or var path is read by
//! [`lookup`] (`[key=value]` compares exactly, the first match wins, `*` is a key), a
//! replacement target is walked by `transform::replacements` (`[key=regex]` matches every
//! element, `-` is a key). Field specs (`spec/containers[]/image`) are another language, in
//! `transform::fieldspec`.

use crate::error::{bail, Error, Result};
use crate::yaml::node::{Node, Value};

/// One part of a field path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// A map key.
    Key(String),
    /// A list index: decimal digits, with an optional `+` (Go's `strconv.Atoi`).
    Index(usize),
    /// `-`: the last element of a list.
    Last,
    /// `*`: every element of a list.
    Every,
    /// `[key=value]`: the elements of a list whose field `key` (the element itself when
    /// empty) is `value`.
    Match { key: String, value: String },
}

impl Segment {
    fn parse(part: &str) -> Result<Segment> {
        if let Some(inner) = part.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            let Some((key, value)) = inner.split_once('=') else {
                bail!("list path element must contain fieldName=fieldValue for element to match");
            };
            return Ok(Segment::Match { key: key.to_string(), value: value.to_string() });
        }
        Ok(match part {
            "*" => Segment::Every,
            "-" => Segment::Last,
            _ => match index_number(part) {
                Some(i) => Segment::Index(i),
                None => Segment::Key(part.to_string()),
            },
        })
    }

    /// The segment as written in a path (for messages and for readers that take it as a key).
    pub fn text(&self) -> String {
        match self {
            Segment::Key(k) => k.clone(),
            Segment::Index(i) => i.to_string(),
            Segment::Last => "-".into(),
            Segment::Every => "*".into(),
            Segment::Match { key, value } => format!("[{key}={value}]"),
        }
    }
}

/// A non-negative list index, as Go's `strconv.Atoi` reads one.
fn index_number(s: &str) -> Option<usize> {
    let digits = s.strip_prefix('+').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// A parsed field path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldPath {
    /// The path as written.
    pub text: String,
    pub segments: Vec<Segment>,
}

impl FieldPath {
    /// A replacement target's path: every part as split, empty ones included.
    pub fn parse(text: &str) -> Result<FieldPath> {
        let segments = split(text).iter().map(|p| Segment::parse(p)).collect::<Result<_>>()?;
        Ok(FieldPath { text: text.to_string(), segments })
    }

    /// A replacement source's path: parts are trimmed, empty ones skipped.
    pub fn parse_source(text: &str) -> Result<FieldPath> {
        FieldPath::from_parts(text, split(text))
    }

    /// A var's `fieldref.fieldPath`: as a source's, and an index may follow a key
    /// (`containers[0]` is `containers.0`).
    pub fn parse_var(text: &str) -> Result<FieldPath> {
        let mut parts = Vec::new();
        for part in split(text) {
            if let Some(open) = part.rfind('[').filter(|_| part.ends_with(']')) {
                let (head, idx) = (&part[..open], &part[open + 1..part.len() - 1]);
                if !idx.is_empty() && idx.bytes().all(|b| b.is_ascii_digit()) {
                    if !head.is_empty() {
                        parts.push(head.to_string());
                    }
                    parts.push(idx.to_string());
                    continue;
                }
            }
            parts.push(part);
        }
        FieldPath::from_parts(text, parts)
    }

    fn from_parts(text: &str, parts: Vec<String>) -> Result<FieldPath> {
        let segments =
            parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()).map(Segment::parse).collect::<Result<_>>()?;
        Ok(FieldPath { text: text.to_string(), segments })
    }

    /// Whether the path starts with `metadata` and goes no deeper than its `annotations`.
    pub fn reads_metadata_annotations(&self) -> bool {
        let key = |i: usize| match self.segments.get(i) {
            Some(Segment::Key(k)) => Some(k.as_str()),
            _ => None,
        };
        key(0) == Some("metadata") && (self.segments.len() < 2 || key(1) == Some("annotations"))
    }
}

/// Splits a field path on dots, keeping `\.` as a dot and `[a.b=c]` whole; a bracketed part
/// with a dot and without `=` (`[a.b/c]`) is a plain key with the brackets removed. A leading
/// dot is dropped (`.spec.replicas` is `spec.replicas`), as kustomize's path splitter does.
fn split(path: &str) -> Vec<String> {
    let mut pieces: Vec<String> = Vec::new();
    let path = path.strip_prefix('.').unwrap_or(path);
    for p in path.split('.') {
        match pieces.last_mut() {
            Some(last) if last.ends_with('\\') => {
                last.pop();
                last.push('.');
                last.push_str(p);
            }
            _ => pieces.push(p.to_string()),
        }
    }
    let mut out = Vec::with_capacity(pieces.len());
    let mut i = 0;
    while i < pieces.len() {
        let piece = &pieces[i];
        if piece.starts_with('[') && !piece.ends_with(']') {
            let mut joined = piece.clone();
            while i + 1 < pieces.len() {
                i += 1;
                joined.push('.');
                joined.push_str(&pieces[i]);
                if pieces[i].ends_with(']') {
                    break;
                }
            }
            if joined.contains('=') {
                out.push(joined);
            } else {
                out.push(joined.trim_matches(|c| c == '[' || c == ']').to_string());
            }
        } else {
            out.push(piece.clone());
        }
        i += 1;
    }
    out
}

/// kyaml's name for the kind of a node, in messages.
pub fn node_kind(v: &Value) -> &'static str {
    match v {
        Value::Map(_) => "MappingNode",
        Value::Seq(_) => "SequenceNode",
        _ => "ScalarNode",
    }
}

/// Reads the node at a source or var path (kustomize's `Lookup`): keys, indexes, `-` (the last
/// element) and `[key=value]` (the first element whose `key` is exactly `value`); `*` is a key.
/// `None` when a field on the way is missing or null.
pub fn lookup<'a>(node: &'a Node, path: &FieldPath) -> Result<Option<&'a Node>> {
    Ok(locate(node, path)?.map(|(n, _)| n))
}

/// `lookup`, with the concrete path of the node found: map keys and list indexes only, so that
/// following it again (with `lookup`) reaches the same node even after its text changed.
pub fn locate<'a>(node: &'a Node, path: &FieldPath) -> Result<Option<(&'a Node, FieldPath)>> {
    let mut cur = node;
    let mut trail = Vec::with_capacity(path.segments.len());
    for seg in &path.segments {
        if cur.is_null() {
            return Ok(None);
        }
        let seq = |cur: &'a Node| match cur.as_seq() {
            Some(items) => Ok(items),
            None => {
                Err(Error::new(format!("wrong node kind: expected SequenceNode but got {}", node_kind(&cur.value))))
            }
        };
        let at = |items: &'a [Node], i: Option<usize>| i.and_then(|i| Some((items.get(i)?, Segment::Index(i))));
        let next = match seg {
            Segment::Index(i) => at(seq(cur)?, Some(*i)),
            Segment::Last => {
                let items = seq(cur)?;
                at(items, items.len().checked_sub(1))
            }
            Segment::Match { key, value } => {
                let items = seq(cur)?;
                let found = if key.is_empty() {
                    items.iter().position(|e| e.scalar_text().as_deref() == Some(value.as_str()))
                } else {
                    items.iter().position(|e| {
                        e.get(key).is_some_and(|v| !v.is_null() && v.scalar_text().as_deref() == Some(value.as_str()))
                    })
                };
                at(items, found)
            }
            Segment::Key(_) | Segment::Every => {
                let key = seg.text();
                // A negative number is an index kustomize refuses.
                if let Some(i) = key.parse::<i64>().ok().filter(|i| *i < 0) {
                    bail!("array index {i} cannot be negative");
                }
                let Some(map) = cur.as_map() else {
                    bail!("wrong node kind: expected MappingNode but got {}", node_kind(&cur.value));
                };
                map.get(key.as_str()).map(|n| (n, Segment::Key(key)))
            }
        };
        match next {
            Some((n, step)) => {
                cur = n;
                trail.push(step);
            }
            None => return Ok(None),
        }
    }
    Ok(Some((cur, FieldPath { text: path.text.clone(), segments: trail })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::read::{parse_one, Schema};

    fn texts(path: &FieldPath) -> Vec<String> {
        path.segments.iter().map(Segment::text).collect()
    }

    #[test]
    fn paths_split_like_kustomize() {
        assert_eq!(split("spec.replicas"), ["spec", "replicas"]);
        assert_eq!(split("spec.data.[name=f.i.r.s.t.].key"), ["spec", "data", "[name=f.i.r.s.t.]", "key"]);
        assert_eq!(split(r"spec\.replicas"), ["spec.replicas"]);
        assert_eq!(split(".metadata.annotations.[a.io/b]"), ["metadata", "annotations", "a.io/b"]);
        assert_eq!(split("."), [""]);
        assert_eq!(split(""), [""]);
        assert_eq!(split("metadata.annotations.[a.b.c/d.e.f-g.]"), ["metadata", "annotations", "a.b.c/d.e.f-g."]);
        assert_eq!(split("spec.data.[name=f.i.[r.s.t..key"), ["spec", "data", "[name=f.i.[r.s.t..key"]);
    }

    #[test]
    fn segments_are_indexes_wildcards_matches_or_keys() {
        let p = FieldPath::parse("a.0.+1.-.*.[name=x].[=v].-1").unwrap();
        assert_eq!(
            p.segments,
            [
                Segment::Key("a".into()),
                Segment::Index(0),
                Segment::Index(1),
                Segment::Last,
                Segment::Every,
                Segment::Match { key: "name".into(), value: "x".into() },
                Segment::Match { key: String::new(), value: "v".into() },
                Segment::Key("-1".into()),
            ]
        );
        assert!(FieldPath::parse("a.[x]").unwrap_err().message().contains("fieldName=fieldValue"));
    }

    #[test]
    fn source_paths_trim_and_skip_empty_parts_and_target_paths_keep_them() {
        assert_eq!(texts(&FieldPath::parse_source(" spec . .replicas").unwrap()), ["spec", "replicas"]);
        assert_eq!(texts(&FieldPath::parse("spec..replicas").unwrap()), ["spec", "", "replicas"]);
    }

    #[test]
    fn var_paths_accept_bracket_indexes() {
        let p = FieldPath::parse_var("spec.containers[0].ports[1].containerPort").unwrap();
        assert_eq!(texts(&p), ["spec", "containers", "0", "ports", "1", "containerPort"]);
        assert_eq!(texts(&FieldPath::parse_var("metadata.name").unwrap()), ["metadata", "name"]);
    }

    #[test]
    fn lookups_follow_keys_indexes_and_matches() {
        let d = parse_one("spec:\n  c:\n  - name: a\n    port: 1\n  - name: b\n    port: 2\n", Schema::V3)
            .unwrap()
            .unwrap();
        let at = |p: &str| lookup(&d, &FieldPath::parse_source(p).unwrap());
        assert_eq!(at("spec.c.[name=b].port").unwrap().unwrap().value, Value::Int(2));
        assert_eq!(at("spec.c.0.port").unwrap().unwrap().value, Value::Int(1));
        assert_eq!(at("spec.c.-.port").unwrap().unwrap().value, Value::Int(2));
        assert!(at("spec.c.[name=z].port").unwrap().is_none());
        assert!(at("spec.c.x").unwrap_err().message().contains("expected MappingNode but got SequenceNode"));
        assert!(at("spec.c.-1").unwrap_err().message().contains("cannot be negative"));
    }

    #[test]
    fn a_located_node_is_found_again_by_keys_and_indexes_after_its_text_changed() {
        let mut d = parse_one("c:\n- name: a\n- name: b\n", Schema::V3).unwrap().unwrap();
        let (_, at) = locate(&d, &FieldPath::parse_source("c.[name=b].name").unwrap()).unwrap().unwrap();
        assert_eq!(texts(&at), ["c", "1", "name"]);
        d.value = parse_one("c:\n- name: a\n- name: bb\n", Schema::V3).unwrap().unwrap().value;
        assert_eq!(lookup(&d, &at).unwrap().unwrap().scalar_text().as_deref(), Some("bb"));
    }

    #[test]
    fn a_path_reads_metadata_annotations_only_down_to_the_annotations() {
        assert!(FieldPath::parse_source("metadata").unwrap().reads_metadata_annotations());
        assert!(FieldPath::parse_source("metadata.annotations.a").unwrap().reads_metadata_annotations());
        assert!(!FieldPath::parse_source("metadata.name").unwrap().reads_metadata_annotations());
        assert!(!FieldPath::parse_source("spec").unwrap().reads_metadata_annotations());
    }
}
