//! The generator's own YAML model and printer. It is deliberately separate from kcompile's
//! (`yaml/`, crate `kcompile-yaml`): it describes *how a file is spelled* (scalar styles, chomping and
//! indentation indicators, flow or block collections, anchors, tags), not what it means, so
//! that the same data can be written in every way kustomize's users write it. The printer
//! does not need to be right about what the text means: both tools read the same text.

use std::fmt::Write;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chomp {
    Clip,
    Strip,
    Keep,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    Single,
    Double,
    /// `|` with its chomping and indentation indicator (0: none).
    Literal(Chomp, u8),
    /// `>` with its chomping and indentation indicator (0: none).
    Folded(Chomp, u8),
}

/// How a collection is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    Block,
    Flow,
    /// Block, with a sequence's dashes indented under its key (`key:\n  - a`).
    Indented,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Y {
    /// Nothing at all: `key:` with no value, or an empty document.
    Empty,
    Scalar {
        text: String,
        style: Style,
        tag: Option<String>,
    },
    Map {
        entries: Vec<(Y, Y)>,
        layout: Layout,
    },
    Seq {
        items: Vec<Y>,
        layout: Layout,
    },
    Anchor {
        name: String,
        node: Box<Y>,
    },
    Alias(String),
}

impl Y {
    /// A scalar in the style that reads back as the same string when that is plain.
    pub fn s(text: impl AsRef<str>) -> Y {
        let text = text.as_ref();
        let style = if plain_safe(text) { Style::Plain } else { Style::Double };
        Y::Scalar { text: text.to_string(), style, tag: None }
    }

    /// A double-quoted scalar (always a string).
    pub fn q(text: impl AsRef<str>) -> Y {
        Y::Scalar { text: text.as_ref().to_string(), style: Style::Double, tag: None }
    }

    pub fn map(entries: Vec<(&str, Y)>) -> Y {
        Y::Map { entries: entries.into_iter().map(|(k, v)| (Y::s(k), v)).collect(), layout: Layout::Block }
    }

    pub fn seq(items: Vec<Y>) -> Y {
        Y::Seq { items, layout: Layout::Block }
    }

    /// The scalar text of a plain, quoted or block scalar key or value.
    pub fn text(&self) -> Option<&str> {
        match self {
            Y::Scalar { text, .. } => Some(text),
            Y::Anchor { node, .. } => node.text(),
            _ => None,
        }
    }

    /// The value under `key` in a map (through an anchor).
    pub fn get(&self, key: &str) -> Option<&Y> {
        match self {
            Y::Map { entries, .. } => entries.iter().find(|(k, _)| k.text() == Some(key)).map(|(_, v)| v),
            Y::Anchor { node, .. } => node.get(key),
            _ => None,
        }
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Y> {
        match self {
            Y::Map { entries, .. } => entries.iter_mut().find(|(k, _)| k.text() == Some(key)).map(|(_, v)| v),
            Y::Anchor { node, .. } => node.get_mut(key),
            _ => None,
        }
    }

    /// Sets `key` (appending it when absent).
    pub fn set(&mut self, key: &str, value: Y) {
        if let Some(v) = self.get_mut(key) {
            *v = value;
        } else if let Y::Map { entries, .. } = self {
            entries.push((Y::s(key), value));
        }
    }

    /// How many nodes this tree holds (the shrinker's measure of size).
    pub fn size(&self) -> usize {
        match self {
            Y::Empty | Y::Alias(_) => 1,
            Y::Scalar { text, .. } => 1 + usize::from(!text.is_empty() && text != "x"),
            Y::Map { entries, .. } => 1 + entries.iter().map(|(k, v)| k.size() + v.size()).sum::<usize>(),
            Y::Seq { items, .. } => 1 + items.iter().map(Y::size).sum::<usize>(),
            Y::Anchor { node, .. } => 1 + node.size(),
        }
    }
}

/// Whether `text` can be written as a plain scalar that reads back as the same characters
/// (it may still resolve to a number, boolean or null: that is intended).
pub fn plain_safe(text: &str) -> bool {
    let Some(first) = text.chars().next() else { return false };
    if "-?:,[]{}#&*!|>'\"%@`".contains(first)
        && !(text.len() > 1 && "-?:".contains(first) && !text[1..].starts_with(' '))
    {
        return false;
    }
    if text.starts_with(' ') || text.ends_with(' ') || text.ends_with(':') {
        return false;
    }
    let breaks = text.contains(": ") || text.contains(" #") || text.contains(['[', ']', '{', '}', ',']);
    let odd = text.chars().any(|c| c.is_control() || c == '\u{feff}');
    !breaks && !odd && text != "---" && text != "..."
}

/// A file's YAML documents, printed with `---` between them.
pub fn print_docs(docs: &[Y], start_marker: bool, end_marker: bool) -> String {
    let mut out = String::new();
    for (i, doc) in docs.iter().enumerate() {
        if i > 0 || start_marker {
            out.push_str("---\n");
        }
        print_doc(doc, &mut out);
    }
    if end_marker {
        out.push_str("...\n");
    }
    out
}

pub fn print_doc(doc: &Y, out: &mut String) {
    match doc {
        Y::Empty => {}
        Y::Map { entries, layout: Layout::Block | Layout::Indented } if !entries.is_empty() => {
            block_map(entries, 0, out, false)
        }
        Y::Seq { items, layout: Layout::Block | Layout::Indented } if !items.is_empty() => {
            block_seq(items, 0, out, false)
        }
        _ => {
            // A scalar, flow collection, anchor or alias as the whole document.
            let mut s = String::new();
            value(doc, 0, &mut s);
            out.push_str(s.trim_start_matches(' '));
        }
    }
}

fn pad(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn block_map(entries: &[(Y, Y)], indent: usize, out: &mut String, first_inline: bool) {
    for (i, (k, v)) in entries.iter().enumerate() {
        if i > 0 || !first_inline {
            pad(out, indent);
        }
        key(k, out);
        out.push(':');
        value(v, indent, out);
    }
}

fn block_seq(items: &[Y], indent: usize, out: &mut String, first_inline: bool) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 || !first_inline {
            pad(out, indent);
        }
        out.push('-');
        match item {
            Y::Map { entries, layout: Layout::Block | Layout::Indented } if !entries.is_empty() => {
                out.push(' ');
                block_map(entries, indent + 2, out, true);
            }
            Y::Seq { items, layout: Layout::Block | Layout::Indented } if !items.is_empty() => {
                out.push(' ');
                block_seq(items, indent + 2, out, true);
            }
            _ => value(item, indent, out),
        }
    }
}

fn key(k: &Y, out: &mut String) {
    match k {
        Y::Scalar { text, style, tag } => {
            if let Some(t) = tag {
                out.push_str(t);
                out.push(' ');
            }
            let style = match style {
                Style::Literal(..) | Style::Folded(..) => Style::Double,
                s => *s,
            };
            inline_scalar(text, style, false, out);
        }
        Y::Alias(name) => {
            let _ = write!(out, "*{name} ");
        }
        Y::Empty => out.push_str("\"\""),
        other => flow(other, out),
    }
}

/// Writes a value after `key:` or `-` (without the space), ending with a newline. `indent` is
/// the column of the key or dash.
fn value(v: &Y, indent: usize, out: &mut String) {
    match v {
        Y::Empty => out.push('\n'),
        Y::Alias(name) => {
            let _ = writeln!(out, " *{name}");
        }
        Y::Anchor { name, node } => {
            let _ = write!(out, " &{name}");
            value(node, indent, out);
        }
        Y::Scalar { text, style, tag } => {
            out.push(' ');
            if let Some(t) = tag {
                out.push_str(t);
                out.push(' ');
            }
            match *style {
                Style::Literal(chomp, ind) => block_scalar('|', chomp, ind, text, indent, out),
                Style::Folded(chomp, ind) => block_scalar('>', chomp, ind, text, indent, out),
                s => {
                    inline_scalar(text, s, false, out);
                    out.push('\n');
                }
            }
        }
        Y::Map { entries, layout } => {
            if entries.is_empty() || *layout == Layout::Flow {
                out.push(' ');
                flow(v, out);
                out.push('\n');
            } else {
                out.push('\n');
                block_map(entries, indent + 2, out, false);
            }
        }
        Y::Seq { items, layout } => {
            if items.is_empty() || *layout == Layout::Flow {
                out.push(' ');
                flow(v, out);
                out.push('\n');
            } else {
                out.push('\n');
                let n = if *layout == Layout::Indented { indent + 2 } else { indent };
                block_seq(items, n, out, false);
            }
        }
    }
}

fn block_scalar(mark: char, chomp: Chomp, ind: u8, text: &str, indent: usize, out: &mut String) {
    out.push(mark);
    if ind > 0 {
        out.push(char::from(b'0' + ind.min(9)));
    }
    match chomp {
        Chomp::Clip => {}
        Chomp::Strip => out.push('-'),
        Chomp::Keep => out.push('+'),
    }
    out.push('\n');
    let content = if ind > 0 { indent + usize::from(ind) } else { indent + 2 };
    let body = text.strip_suffix('\n').unwrap_or(text);
    for line in body.split('\n') {
        if !line.is_empty() {
            pad(out, content);
            out.push_str(line);
        }
        out.push('\n');
    }
}

fn inline_scalar(text: &str, style: Style, in_flow: bool, out: &mut String) {
    let style = match style {
        Style::Plain if text.is_empty() || text.contains('\n') => Style::Double,
        Style::Plain if in_flow && text.contains([',', '[', ']', '{', '}']) => Style::Double,
        Style::Single if text.chars().any(|c| c.is_control()) => Style::Double,
        Style::Literal(..) | Style::Folded(..) => Style::Double,
        s => s,
    };
    match style {
        Style::Plain => out.push_str(text),
        Style::Single => {
            out.push('\'');
            out.push_str(&text.replace('\'', "''"));
            out.push('\'');
        }
        _ => double(text, out),
    }
}

fn double(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || c == '\u{feff}' => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn flow(v: &Y, out: &mut String) {
    match v {
        Y::Empty => out.push_str("null"),
        Y::Alias(name) => {
            let _ = write!(out, "*{name}");
        }
        Y::Anchor { name, node } => {
            let _ = write!(out, "&{name} ");
            flow(node, out);
        }
        Y::Scalar { text, style, tag } => {
            if let Some(t) = tag {
                out.push_str(t);
                out.push(' ');
            }
            inline_scalar(text, *style, true, out);
        }
        Y::Map { entries, .. } => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                match k {
                    Y::Scalar { text, style, .. } => inline_scalar(text, *style, true, out),
                    Y::Alias(name) => {
                        let _ = write!(out, "*{name} ");
                    }
                    other => flow(other, out),
                }
                out.push_str(": ");
                flow(v, out);
            }
            out.push('}');
        }
        Y::Seq { items, .. } => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                flow(item, out);
            }
            out.push(']');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_maps_and_compact_sequences_print_as_kustomize_users_write_them() {
        let doc = Y::map(vec![
            ("kind", Y::s("ConfigMap")),
            ("items", Y::seq(vec![Y::map(vec![("name", Y::s("a")), ("v", Y::s("1"))]), Y::s("b")])),
            ("empty", Y::seq(vec![])),
            ("nothing", Y::Empty),
        ]);
        assert_eq!(
            print_docs(&[doc], false, false),
            "kind: ConfigMap\nitems:\n- name: a\n  v: 1\n- b\nempty: []\nnothing:\n"
        );
    }

    #[test]
    fn block_scalars_carry_their_indicators_and_indent_under_their_key() {
        let doc =
            Y::map(vec![("k", Y::Scalar { text: " a\nb\n".into(), style: Style::Literal(Chomp::Keep, 3), tag: None })]);
        assert_eq!(print_docs(&[doc], false, false), "k: |3+\n    a\n   b\n");
    }

    #[test]
    fn quoting_escapes_what_the_style_cannot_hold() {
        let mut out = String::new();
        inline_scalar("it's", Style::Single, false, &mut out);
        inline_scalar("a\"\u{1}\n", Style::Single, false, &mut out);
        assert_eq!(out, "'it''s'\"a\\\"\\u0001\\n\"");
    }

    #[test]
    fn anchors_aliases_and_flow_collections_print_inline() {
        let doc = Y::map(vec![
            ("a", Y::Anchor { name: "x".into(), node: Box::new(Y::map(vec![("k", Y::s("v"))])) }),
            ("b", Y::Map { entries: vec![(Y::s("<<"), Y::Alias("x".into()))], layout: Layout::Flow }),
        ]);
        assert_eq!(print_docs(&[doc], true, false), "---\na: &x\n  k: v\nb: {<<: *x}\n");
    }

    #[test]
    fn plain_safety_rejects_indicators_and_accepts_typed_looking_words() {
        assert!(plain_safe("true") && plain_safe("0x1F") && plain_safe("a:b") && plain_safe("-1"));
        assert!(!plain_safe("a: b") && !plain_safe("#c") && !plain_safe(" a") && !plain_safe("") && !plain_safe("- a"));
    }
}
