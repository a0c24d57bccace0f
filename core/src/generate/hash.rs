//! The name suffix kustomize appends to generated ConfigMaps and Secrets: the first ten hex
//! digits of a SHA-256 over a JSON summary of the object, with some digits swapped for letters
//! so the suffix never reads as a number or a word.
//!
//! kustomize means to hash the name too, but looks it up under the literal key `metadata/name`,
//! which never exists, so the name it hashes is always empty. kcompile does the same: the
//! suffixes must match.

use crate::resource::Resource;
use crate::yaml::node::{Node, Value};
use sha2::{Digest, Sha256};

/// Appends the content hash to the names of generated objects that want one (kustomize's
/// HashTransformer: at the end of every build, and wherever a `transformers:` entry runs it).
pub fn add_suffixes(resources: &mut [Resource]) {
    for r in resources.iter_mut() {
        if r.generated.as_ref().is_some_and(|g| g.needs_hash) {
            let name = format!("{}-{}", r.name(), suffix(r));
            r.remember_name();
            r.set_name(&name);
        }
    }
}

/// The 10-character suffix for a ConfigMap or Secret (other kinds: the whole object).
pub fn suffix(r: &Resource) -> String {
    let mut json = String::new();
    let field = |path: &[&str]| -> Node {
        let mut n = &r.node;
        for k in path {
            match n.get(k) {
                Some(c) => n = c,
                None => return Node::string(""),
            }
        }
        n.clone()
    };
    let mut entries: Vec<(&str, Node)> = Vec::new();
    match r.kind() {
        "ConfigMap" => {
            entries.push(("data", field(&["data"])));
            entries.push(("kind", Node::string("ConfigMap")));
            entries.push(("name", Node::string("")));
            let bin = field(&["binaryData"]);
            if bin.as_map().is_some() {
                entries.push(("binaryData", bin));
            }
        }
        "Secret" => {
            entries.push(("data", field(&["data"])));
            entries.push(("kind", Node::string("Secret")));
            entries.push(("name", Node::string("")));
            entries.push(("type", field(&["type"])));
            let sd = field(&["stringData"]);
            if sd.as_map().is_some() {
                entries.push(("stringData", sd));
            }
        }
        _ => {
            write_json(&mut json, &r.node);
            return encode(&json);
        }
    }
    entries.sort_by(|a, b| a.0.cmp(b.0));
    json.push('{');
    for (i, (k, v)) in entries.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        write_json_string(&mut json, k);
        json.push(':');
        write_json(&mut json, v);
    }
    json.push('}');
    encode(&json)
}

fn encode(json: &str) -> String {
    let digest = Sha256::digest(json.as_bytes());
    let mut out = String::with_capacity(10);
    for byte in digest.iter().take(5) {
        for nibble in [byte >> 4, byte & 0xf] {
            out.push(match nibble {
                0 => 'g',
                1 => 'h',
                3 => 'k',
                10 => 'm',
                14 => 't',
                n => char::from_digit(u32::from(n), 16).unwrap_or('0'),
            });
        }
    }
    out
}

/// Go's `encoding/json` form of a node: keys sorted, HTML-safe escaping.
fn write_json(out: &mut String, n: &Node) {
    match &n.value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::UInt(u) => out.push_str(&u.to_string()),
        Value::Float(f) => out.push_str(&crate::yaml::emit::format_float(*f)),
        Value::Str(s) => write_json_string(out, s),
        Value::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, item);
            }
            out.push(']');
        }
        Value::Map(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(out, k);
                out.push(':');
                if let Some(v) = m.get(k) {
                    write_json(out, v);
                }
            }
            out.push('}');
        }
    }
}

fn write_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::node::Map;

    fn object(kind: &str, name: &str, data: &[(&str, &str)], extra: &[(&str, &str)]) -> Resource {
        let mut m = Map::default();
        m.insert("apiVersion".into(), Node::string("v1"));
        m.insert("kind".into(), Node::string(kind));
        let mut meta = Map::default();
        meta.insert("name".into(), Node::string(name));
        m.insert("metadata".into(), Node::new(Value::Map(meta)));
        if !data.is_empty() {
            let d: Map = data.iter().map(|(k, v)| (k.to_string(), Node::string(*v))).collect();
            m.insert("data".into(), Node::new(Value::Map(d)));
        }
        for (k, v) in extra {
            m.insert(k.to_string(), Node::string(*v));
        }
        Resource::new(Node::new(Value::Map(m)), "x".into())
    }

    // Expected suffixes were printed by `kubectl kustomize` (kustomize v5.5.0) for generators
    // making the same objects.
    #[test]
    fn matches_kustomize() {
        assert_eq!(suffix(&object("ConfigMap", "empty", &[], &[])), "6ct58987ht");
        assert_eq!(suffix(&object("ConfigMap", "one", &[("a", "b")], &[])), "4h2mbtbbt6");
        assert_eq!(suffix(&object("ConfigMap", "other-name", &[("a", "b")], &[])), "4h2mbtbbt6");
        assert_eq!(suffix(&object("Secret", "s", &[("p", "c2VjcmV0")], &[("type", "Opaque")])), "4k4899t6bh");
    }
}
