//! One document: kcompile's own parser first, then `saphyr-parser` (re-parsing a minimally
//! edited text for libyaml leniencies), and the characters go-yaml's reader refuses.

use super::split::count_newlines;
use super::{Reading, YamlError};
use crate::node::{Node, Pos, Value};

pub(super) fn parse_first_document(text: &str, line_offset: u32, r: &mut Reading) -> Result<Option<Node>, YamlError> {
    if let Some(line) = starts_with_document_end(text) {
        return Err(YamlError::new(
            "did not find expected node content: a document cannot start with the document end marker `...`",
            Pos::new(line + line_offset, 1),
        ));
    }
    if r.limits.fast_path {
        if let Some(root) = crate::scan::parse(text, line_offset, r) {
            r.budget.fast_documents += 1;
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
    crate::saphyr::parse(text, line_offset, r)
}

/// The line (1-based) of a document end marker `...` that comes before any content of `text`,
/// after nothing but a byte order mark, blank lines and comments.
///
/// libyaml skips extra document end markers only between explicit documents: in the implicit
/// document its input starts with, the marker stands where a node must be, and it fails ("did not
/// find expected node content"). Both parsers would read an empty document.
fn starts_with_document_end(text: &str) -> Option<u32> {
    let body = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    for (i, line) in body.split('\n').enumerate() {
        let content = line.trim_start_matches(' ');
        if content.is_empty() || content == "\r" || content.starts_with('#') {
            continue;
        }
        let end = line.strip_prefix("...").is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r']));
        return end.then(|| i as u32 + 1);
    }
    None
}

/// Whether go-yaml's reader refuses `c`: it takes tab, line feed, carriage return, printable
/// ASCII, U+0085, U+00A0–U+D7FF, U+E000–U+FFFD and U+10000 up ("control characters are not
/// allowed").
fn go_refuses(c: char) -> bool {
    !matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Why kustomize's JSON-to-YAML step (go-yaml v2 reading what `encoding/json` wrote) fails on a
/// string of its output or of a builtin plugin's configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unprintable {
    /// A character go-yaml's reader refuses and JSON leaves raw: DEL, C1 controls other than
    /// U+0085, U+FFFE, U+FFFF (go-yaml reads them as escapes in double quotes).
    Char(char),
    /// A map key holding U+0085, which JSON leaves raw and go-yaml reads as a line break: a key
    /// cannot span lines.
    KeyLineBreak,
    /// A map key longer, as JSON text (its quotes and escapes included), than the 1024
    /// characters go-yaml allows a key written without `?`; the length.
    LongKey(usize),
}

impl Unprintable {
    /// What fails, for a message: "the character U+007F", "a key holding U+0085", ...
    pub fn what(self) -> String {
        match self {
            Unprintable::Char(c) => format!("the character U+{:04X}", c as u32),
            Unprintable::KeyLineBreak => "a key holding U+0085".to_string(),
            Unprintable::LongKey(n) => format!("a key {n} characters long as JSON"),
        }
    }

    /// go-yaml's reason.
    pub fn why(self) -> &'static str {
        match self {
            Unprintable::Char(_) => "control characters are not allowed",
            Unprintable::KeyLineBreak => {
                "did not find expected ',' or '}': go-yaml reads U+0085 as a line break, and a key cannot span lines"
            }
            Unprintable::LongKey(_) => {
                "did not find expected ',' or '}': go-yaml reads a key of at most 1024 characters"
            }
        }
    }
}

/// The first string in `node` (a value or a key) that kustomize cannot print, with the path to
/// it (see [`Unprintable`]). kustomize holds such a value until it prints its output, whose JSON
/// to YAML step then fails; a value that never reaches the output (a patch with no target, a
/// deleted object) is no error. C0 controls are printed as escapes and pass.
pub fn unprintable(node: &Node) -> Option<(Unprintable, String)> {
    fn bad(s: &str) -> Option<char> {
        // Both tests run a word or a vector at a time: the common string costs two scans.
        if s.is_ascii() && !s.as_bytes().contains(&0x7f) {
            return None;
        }
        s.chars().find(|&c| c >= '\u{7f}' && go_refuses(c))
    }
    fn bad_key(k: &str) -> Option<Unprintable> {
        if let Some(c) = bad(k) {
            return Some(Unprintable::Char(c));
        }
        if !k.is_ascii() && k.contains('\u{85}') {
            return Some(Unprintable::KeyLineBreak);
        }
        // A character is at most six of JSON (`\u003c`): a short key needs no count.
        if k.len() <= (MAX_SIMPLE_KEY - 2) / 6 {
            return None;
        }
        let n = json_chars(k);
        (n > MAX_SIMPLE_KEY).then_some(Unprintable::LongKey(n))
    }
    match &node.value {
        Value::Str(s) => bad(s).map(|c| (Unprintable::Char(c), String::new())),
        Value::Seq(items) => items.iter().enumerate().find_map(|(i, n)| {
            unprintable(n).map(|(u, p)| (u, if p.is_empty() { format!("[{i}]") } else { format!("[{i}].{p}") }))
        }),
        Value::Map(m) => m.iter().find_map(|(k, n)| {
            if let Some(u) = bad_key(k) {
                return Some((u, k.escape_debug().to_string()));
            }
            unprintable(n).map(|(u, p)| (u, if p.is_empty() { k.clone() } else { format!("{k}.{p}") }))
        }),
        _ => None,
    }
}

/// The longest key go-yaml reads without `?`: a simple key ends within 1024 characters of its
/// start (libyaml's rule, `simple_key.mark.index+1024 < parser.mark.index` at its `:`).
const MAX_SIMPLE_KEY: usize = 1024;

/// The length in characters of `s` as `encoding/json` writes it: quoted, with `"`, `\\`, line
/// feed, carriage return and tab as two characters, other C0 controls, `<`, `>`, `&`, U+2028 and
/// U+2029 as six (`\u003c`).
fn json_chars(s: &str) -> usize {
    2 + s
        .chars()
        .map(|c| match c {
            '"' | '\\' | '\n' | '\r' | '\t' => 2,
            '\0'..='\u{1f}' | '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => 6,
            _ => 1,
        })
        .sum::<usize>()
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

#[cfg(test)]
mod tests {
    //! Expectations marked "kubectl" were checked against `kubectl kustomize` (kustomize v5.5.0):
    //! V3 ones through a resource's `data:` map, V11 values through a JSON 6902 patch `value:`,
    //! V11 keys through `commonLabels`/`commonAnnotations` in a kustomization.
    use super::*;
    use crate::node::Map;
    use crate::read::tests::{assert_same, err, keys, one, s, R};
    use crate::read::{parse_one, parse_stream, Schema};

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

    /// The errors `text` gives as a resource (V3) and as a kustomization (V11).
    fn errs_in_both_schemas(text: &str) -> [YamlError; 2] {
        [err(text, Schema::V3), err(text, Schema::V11)]
    }

    // kubectl: a generator's `literals: [x_y=? x]` fails (did not find expected ',' or ']').
    #[test]
    fn a_question_mark_inside_a_plain_scalar_of_a_flow_collection_is_an_error() {
        for text in ["a: [x_y=? x]\n", "a: [x?y]\n", "a: {k: x?}\n", "a: [b,\n  c\n  ?d]\n", "a: [?x?y]\n"] {
            for e in errs_in_both_schemas(text) {
                assert!(e.message.contains("go-yaml ends a plain value at '?'"), "{text:?}: {e}");
                assert_eq!(e.pos.line, if text.contains("\n  ?") { 2 } else { 1 }, "{text:?}");
            }
        }
        // Quoted, in block context, or a key's `?` itself: no error.
        assert_eq!(one("a: ['x?y', \"x?\"]\nb: x?y\n", Schema::V3).str_at(&["b"]), Some("x?y"));
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

    // kubectl: each text below as a resource file (each part of a stream on its own), a
    // kustomization, a patch file (core/tests/fixtures/err-document-starts-with-document-end).
    #[test]
    fn a_document_that_starts_with_a_document_end_marker_is_an_error() {
        for text in ["...\n", "...", "# c\n\n...\n", "  \n... # c\nkind: A\n", "\u{feff}...\n"] {
            for e in errs_in_both_schemas(text) {
                assert!(e.message.starts_with("did not find expected node content"), "{text:?}: {e}");
            }
        }
        assert_eq!(err("# c\n...\n", Schema::V3).pos, Pos::new(2, 1));
        let e = parse_stream(&format!("{R}a\n---\n# c\n...\n{R}b\n"), Schema::V3).unwrap_err();
        assert_eq!(e.pos, Pos::new(7, 1));
        // An explicit document may be empty; `....` and an indented `...` are plain scalars; a
        // marker after content ends the document.
        assert_eq!(parse_one("---\n...\n", Schema::V3).unwrap(), None);
        assert_eq!(one("....\n", Schema::V3).as_str(), Some("...."));
        assert_eq!(one("a:\n  ...\n", Schema::V3).str_at(&["a"]), Some("..."));
        assert_eq!(keys(&one("a: 1\n...\n", Schema::V3)), ["a"]);
    }

    // kubectl: each value below, in a ConfigMap's `data` (core/tests/fixtures/bom-inside-a-document).
    #[test]
    fn a_byte_order_mark_is_an_ordinary_character_except_at_the_start_of_a_document() {
        let b = '\u{feff}';
        let text =
            format!("{b}a: {b}x\nb: \"{b}y\"\nc: [{b}z, '{b}w']\nd: |\n  {b}l\ne: x {b}\n{b}f: 1\ng: \"\\ufeff\"\n");
        for schema in [Schema::V3, Schema::V11] {
            let n = one(&text, schema);
            assert_eq!(keys(&n), ["a", "b", "c", "d", "e", "\u{feff}f", "g"], "{schema:?}");
            assert_eq!(n.str_at(&["a"]), Some("\u{feff}x"));
            assert_eq!(n.str_at(&["b"]), Some("\u{feff}y"));
            let c = n.get("c").unwrap().as_seq().unwrap();
            assert_eq!((c[0].as_str(), c[1].as_str()), (Some("\u{feff}z"), Some("\u{feff}w")));
            assert_eq!(n.str_at(&["d"]), Some("\u{feff}l\n"));
            assert_eq!(n.str_at(&["e"]), Some("x \u{feff}"));
            assert_eq!(n.str_at(&["g"]), Some("\u{feff}"));
            // Positions count the mark as one column, as go-yaml does.
            assert_eq!(n.get("e").unwrap().pos, Pos::new(6, 4));
            assert_eq!(n.get("\u{feff}f").unwrap().pos, Pos::new(7, 5));
        }
        // A private-use character in the text is no stand-in for the mark.
        let n = one("a: \u{e000}\u{feff}\u{e001}\n", Schema::V3);
        assert_eq!(n.str_at(&["a"]), Some("\u{e000}\u{feff}\u{e001}"));
        // Each document of a stream starts afresh: its leading mark is skipped.
        let docs = parse_stream(&format!("{b}{R}a\n---\n{b}{R}b\n"), Schema::V3).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].str_at(&["metadata", "name"]), Some("b"));
    }

    // kubectl: `k: "a\x7fb"` fails when kustomize converts its output back to YAML; `"\x01"`,
    // `"\e"`, `"\u0085"` and `"\ufeff"` print.
    #[test]
    fn escaped_characters_kustomize_cannot_print_are_found_in_the_output() {
        for esc in ["\\x7f", "\\x80", "\\u009f", "\\ufffe", "\\uffff"] {
            // Read fine (a patch that never applies is no error)...
            let n = one(&format!("x: {{y: [a, \"a{esc}b\"]}}\n"), Schema::V3);
            // ...but found before the output is printed, with the path to it.
            let (u, path) = unprintable(&n).expect(esc);
            assert!(matches!(u, Unprintable::Char(c) if c >= '\u{7f}'), "{esc}");
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

    // kubectl: each key in a ConfigMap's `data` (core/tests/fixtures/err-key-kustomize-cannot-print
    // and the experiments of the yamlfid report).
    #[test]
    fn keys_kustomize_cannot_print_are_those_with_u0085_or_longer_than_1024_characters_as_json() {
        let key = |k: &str| {
            let mut m = Map::new();
            m.insert("data".to_string(), Node::new(Value::Map(Map::from_iter([(k.to_string(), Node::new(s("v")))]))));
            unprintable(&Node::new(Value::Map(m)))
        };
        // U+0085 is folded in a value, but breaks a key.
        assert_eq!(key("a\u{85}b"), Some((Unprintable::KeyLineBreak, "data.a\\u{85}b".to_string())));
        assert_eq!(unprintable(&Node::new(s("a\u{85}b"))), None);
        // 1022 characters and the quotes pass; escapes count as JSON writes them.
        let a = |n: usize| "a".repeat(n);
        assert_eq!(key(&a(1022)), None);
        assert_eq!(key(&a(1023)).map(|u| u.0), Some(Unprintable::LongKey(1025)));
        assert_eq!(key(&format!("{}<", a(1016))), None);
        assert_eq!(key(&format!("{}<", a(1017))).map(|u| u.0), Some(Unprintable::LongKey(1025)));
        assert_eq!(key(&format!("{}\u{1}", a(1017))).map(|u| u.0), Some(Unprintable::LongKey(1025)));
        assert_eq!(key(&"é".repeat(1022)), None);
        assert_eq!(json_chars("\"\\\n\r\t\u{2028}>&x"), 2 + 5 * 2 + 3 * 6 + 1);
        // Long values are fine.
        assert_eq!(unprintable(&Node::new(s(&a(5000)))), None);
    }
}
