//! The one interface between the parsers and the reader: what a parser tells the reader about
//! one document, in order. kcompile's own parser ([`crate::scan`]) and the `saphyr-parser`
//! adapter ([`crate::saphyr`]) send the same events with the same positions for the same text;
//! the reader ([`crate::read::Builder`]) applies every decoding rule, limit and message to them
//! and cannot tell which parser sent them.

use crate::node::{Pos, Style};
use std::borrow::Cow;

/// One event of a document. Positions are 1-based lines and columns of the file (the lines
/// before the document counted), where go-yaml places the node: a block scalar at its `|` or
/// `>`, a collection at its first key, `-` or bracket.
pub(crate) enum Event<'a> {
    /// A list (`seq`) or a map starts; `flow` when it is written in brackets. `anchor` is the
    /// anchor's number in the document (0: none).
    Start { seq: bool, flow: bool, anchor: usize, pos: Pos },
    /// The innermost open list or map ends.
    End,
    /// A scalar: its text (escapes resolved, lines folded; a block scalar's text as the YAML
    /// rules read it), how it was written, its tag and anchor (0: none).
    Scalar { text: Cow<'a, str>, style: Style, tag: TagClass, anchor: usize, pos: Pos },
    /// An alias of the anchor numbered `anchor`.
    Alias { anchor: usize, pos: Pos },
}

/// A tag of YAML's core schema on a scalar.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum CoreTag {
    Null,
    Bool,
    Int,
    Float,
    Timestamp,
}

impl CoreTag {
    pub(crate) fn name(self) -> &'static str {
        match self {
            CoreTag::Null => "null",
            CoreTag::Bool => "bool",
            CoreTag::Int => "int",
            CoreTag::Float => "float",
            CoreTag::Timestamp => "timestamp",
        }
    }
}

/// What a scalar's tag means to the reader.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum TagClass {
    /// No tag, or the non-specific `!`.
    Implicit,
    Str,
    Binary,
    Merge,
    Core(CoreTag),
    Other,
}
