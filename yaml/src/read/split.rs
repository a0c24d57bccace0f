//! Document splitting, as kyaml's `ByteReader` cuts a multi-document file (before any YAML
//! parser sees it).

use super::YamlError;
use crate::node::Pos;

pub(super) struct Piece<'a> {
    pub(super) text: &'a str,
    /// Lines of the file before this piece.
    pub(super) line_offset: u32,
}

/// Splits like kyaml: the regexp `\n---.*\n`, non-overlapping, left to right; each piece but the
/// last keeps the newline that starts its separator.
pub(super) fn split_documents(s: &str) -> Result<Vec<Piece<'_>>, YamlError> {
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

#[cfg(test)]
mod tests {
    //! Expectations marked "kubectl" were checked against `kubectl kustomize` (kustomize v5.5.0):
    //! V3 ones through a resource's `data:` map, V11 values through a JSON 6902 patch `value:`,
    //! V11 keys through `commonLabels`/`commonAnnotations` in a kustomization.
    use super::*;
    use crate::node::Node;
    use crate::read::tests::{assert_same, err, s, R};
    use crate::read::{parse_stream, Schema};

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
}
