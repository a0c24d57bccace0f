//! configMapGenerator and secretGenerator.

use crate::accumulate::Accumulator;
use crate::error::{bail, Error, Result};
use crate::kustomization::{GeneratorArgs, GeneratorOptions};
use crate::load::Loader;
use crate::resource::{Generated, ResId, Resource};
use crate::yaml::node::{Map, Node, Pos, Value};
use camino::Utf8Path;

/// What a generator makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GeneratorKind {
    ConfigMap,
    Secret,
}

/// Makes the object one generator entry describes; `dir` is where its files are read from and
/// `origin` the file that configured it (the kustomization file, or a plugin configuration).
pub fn generate(
    loader: &Loader,
    dir: &Utf8Path,
    origin: &Utf8Path,
    kind: GeneratorKind,
    args: &GeneratorArgs,
    global: Option<&GeneratorOptions>,
) -> Result<Resource> {
    let options = merge_options(args.options.as_ref(), global);
    // (key, value, where a literal was written)
    let mut pairs: Vec<(String, Vec<u8>, Pos)> = Vec::new();
    for env in &args.envs {
        let (_, text) = loader.read_file(dir, env)?;
        for (k, v) in parse_env(&text) {
            pairs.push((k, v.into_bytes(), Pos::default()));
        }
    }
    for (i, lit) in args.literals.iter().enumerate() {
        // kustomize configures its generator through a JSON round trip, which folds U+0085.
        let (k, v) = parse_literal(&crate::yaml::emit::json_roundtrip(lit))?;
        pairs.push((k, v.into_bytes(), args.literal_pos.get(i).copied().unwrap_or_default()));
    }
    for file in &args.files {
        let (key, path) = match file.split_once('=') {
            Some((k, p)) => {
                if k.is_empty() {
                    bail!("key for file source '{file}' is empty");
                }
                (k.to_string(), p)
            }
            None => (file.rsplit('/').next().unwrap_or(file).to_string(), file.as_str()),
        };
        let (_, bytes) = loader.read_file_bytes(dir, path)?;
        pairs.push((key, bytes, Pos::default()));
    }

    let mut data = Map::default();
    let mut binary = Map::default();
    for (key, value, pos) in pairs {
        let string = |s: String| Node::at(Value::Str(s), pos);
        // kustomize v5.5.0 checks no key's spelling; an empty key (an env-file line `=value`)
        // leaves no entry.
        if key.is_empty() {
            continue;
        }
        if data.contains_key(&key) || binary.contains_key(&key) {
            bail!("{} {} illegally repeats the key `{key}`", kind_name(kind).to_lowercase(), args.name);
        }
        match (kind, String::from_utf8(value)) {
            (GeneratorKind::ConfigMap, Ok(text)) => {
                data.insert(key, string(text));
            }
            (GeneratorKind::ConfigMap, Err(e)) => {
                binary.insert(key, string(base64_lines(e.as_bytes())));
            }
            (GeneratorKind::Secret, Ok(text)) => {
                data.insert(key, string(base64_lines(text.as_bytes())));
            }
            (GeneratorKind::Secret, Err(e)) => {
                data.insert(key, string(base64_lines(e.as_bytes())));
            }
        }
    }

    let mut obj = Map::default();
    obj.insert("apiVersion".into(), Node::string("v1"));
    obj.insert("kind".into(), Node::string(kind_name(kind)));
    let mut meta = Map::default();
    meta.insert("name".into(), Node::string(&args.name));
    if !args.namespace.is_empty() {
        meta.insert("namespace".into(), Node::string(&args.namespace));
    }
    if !options.labels.is_empty() {
        meta.insert("labels".into(), string_map(&options.labels));
    }
    if !options.annotations.is_empty() {
        meta.insert("annotations".into(), string_map(&options.annotations));
    }
    obj.insert("metadata".into(), Node::new(Value::Map(meta)));
    // kustomize always gives a Secret its `data` (`data: {}` when empty); a ConfigMap only
    // when there is an entry.
    if !data.is_empty() || kind == GeneratorKind::Secret {
        obj.insert("data".into(), Node::new(Value::Map(data)));
    }
    if !binary.is_empty() {
        obj.insert("binaryData".into(), Node::new(Value::Map(binary)));
    }
    if kind == GeneratorKind::Secret {
        let t = args.type_.clone().filter(|t| !t.is_empty()).unwrap_or_else(|| "Opaque".to_string());
        obj.insert("type".into(), Node::string(t));
    }
    if options.immutable == Some(true) {
        obj.insert("immutable".into(), Node::new(Value::Bool(true)));
    }
    let mut r = Resource::new(Node::new(Value::Map(obj)), origin.to_owned());
    r.generated = Some(Generated {
        behavior: args.behavior.clone(),
        needs_hash: options.disable_name_suffix_hash != Some(true),
        unquoted_keys: unquoted_keys(&r.node),
    });
    Ok(r)
}

/// The keys of `obj`'s `data` and `binaryData` that, written unquoted, read back as another type
/// (see [`Generated::unquoted_keys`]).
fn unquoted_keys(obj: &Node) -> Vec<String> {
    ["data", "binaryData"]
        .iter()
        .filter_map(|f| obj.get(f).and_then(Node::as_map))
        .flat_map(|m| m.keys())
        .filter(|k| crate::yaml::read::plain_non_string_v3(k).is_some())
        .cloned()
        .collect()
}

fn kind_name(kind: GeneratorKind) -> &'static str {
    match kind {
        GeneratorKind::ConfigMap => "ConfigMap",
        GeneratorKind::Secret => "Secret",
    }
}

fn string_map(m: &indexmap::IndexMap<String, String>) -> Node {
    Node::new(Value::Map(m.iter().map(|(k, v)| (k.clone(), Node::string(v))).collect()))
}

/// A generator's own options on top of the kustomization's `generatorOptions`.
fn merge_options(local: Option<&GeneratorOptions>, global: Option<&GeneratorOptions>) -> GeneratorOptions {
    let mut out = global.cloned().unwrap_or_default();
    if let Some(l) = local {
        for (k, v) in &l.labels {
            out.labels.insert(k.clone(), v.clone());
        }
        for (k, v) in &l.annotations {
            out.annotations.insert(k.clone(), v.clone());
        }
        if l.disable_name_suffix_hash == Some(true) {
            out.disable_name_suffix_hash = Some(true);
        }
        if l.immutable == Some(true) {
            out.immutable = Some(true);
        }
    }
    out
}

/// Adds a generated object, honouring `behavior` (create, merge, replace) against what the
/// bases already made.
pub fn add(acc: &mut Accumulator, mut r: Resource, behavior: &str) -> Result<()> {
    let id = r.id();
    // kustomize matches the new object's id against every id an existing object has had (a
    // name it never had rules an object out before its id is built).
    let existing = acc.resources.iter().position(|o| {
        if !o.had_name(&id.name) {
            return false;
        }
        let oid = o.id();
        oid.same_object(&id)
            || (oid.gvk == id.gvk
                && o.previous.iter().any(|(name, ns)| {
                    *name == id.name
                        && ResId { gvk: oid.gvk.clone(), name: name.clone(), namespace: ns.clone() }
                            .effective_namespace()
                            == id.effective_namespace()
                }))
    });
    match (behavior, existing) {
        ("merge" | "replace", _) => {}
        // kustomize takes any other behavior for 'create'.
        (_, Some(i)) => {
            let other = acc.resources.get(i).map(|o| o.origin.to_string()).unwrap_or_default();
            return Err(Error::new(format!("id {id} exists; behavior must be merge or replace")).help(format!(
                "'{}' is already defined (in {other}): set 'behavior: merge' to add keys to it or \
                 'behavior: replace' to replace it, or give this one another name",
                id.name
            )));
        }
        (_, None) => return acc.append(r),
    }
    match (behavior, existing) {
        (_, Some(i)) => {
            // kustomize keeps the new object and carries over from the old one only its name,
            // namespace, labels and annotations (under the new ones), with `merge` its `data`
            // and `binaryData` (under the new ones), and what the build recorded about it.
            // Everything else (`immutable`, a Secret's `type`) is the new generator's; the hash
            // suffix stays due only if both asked for it.
            let old = &mut acc.resources[i];
            let merge = behavior == "merge";
            let old_meta = old.node.get("metadata");
            for field in ["labels", "annotations"] {
                let meta = r.node.entry_map("metadata");
                under_new(meta, old_meta.and_then(|m| m.get(field)), field);
            }
            if merge {
                if let Value::Map(top) = &mut r.node.value {
                    for field in ["data", "binaryData"] {
                        under_new(top, old.node.get(field), field);
                    }
                }
            }
            r.set_name(old.name());
            let ns = old.namespace().to_string();
            let meta = r.node.entry_map("metadata");
            if ns.is_empty() {
                meta.shift_remove("namespace");
            } else {
                meta.insert("namespace".into(), Node::string(ns));
            }
            let old_hash = old.generated.as_ref().is_some_and(|g| g.needs_hash);
            // A merge writes the old entries anew too, under the new ones.
            let keys = unquoted_keys(&r.node);
            if let Some(gen) = &mut r.generated {
                gen.needs_hash &= old_hash;
                gen.unquoted_keys = keys;
            }
            r.previous = std::mem::take(&mut old.previous);
            r.previous_kinds = std::mem::take(&mut old.previous_kinds);
            r.ref_vars = std::mem::take(&mut old.ref_vars);
            r.transformations = std::mem::take(&mut old.transformations);
            r.prefixes = std::mem::take(&mut old.prefixes);
            r.suffixes = std::mem::take(&mut old.suffixes);
            if merge {
                // kustomize keeps the old object's origin annotation on a merge.
                r.origin = std::mem::take(&mut old.origin);
                r.configured_by = old.configured_by.take();
                r.trace = old.trace;
            }
            *old = r;
            Ok(())
        }
        (_, None) => {
            let objects: Vec<(String, String)> =
                acc.resources.iter().map(|o| (o.kind().to_string(), o.name().to_string())).collect();
            let near = crate::error::missing_object_hint(
                &id.gvk.kind,
                &id.name,
                objects.iter().map(|(k, n)| (k.as_str(), n.as_str())),
            );
            Err(Error::new(format!("id {id} does not exist; cannot merge or replace")).help(crate::error::sentences(
                &near,
                &format!(
                    "'behavior: {behavior}' changes an object generated by a base listed in 'resources' \
                     (before this kustomization's own generators): use that object's name, or drop 'behavior' \
                     to create it here"
                ),
            )))
        }
    }
}

/// Puts the string entries of `old` (a map) under the entries of `map[field]`, as kustomize's
/// `mergeStringMaps` does; the field goes away when the result is empty.
fn under_new(map: &mut Map, old: Option<&Node>, field: &str) {
    let mut merged = Map::default();
    if let Some(old) = old.and_then(Node::as_map) {
        for (k, v) in old {
            merged.insert(k.clone(), Node::string(v.scalar_text().unwrap_or_default()));
        }
    }
    if let Some(new) = map.get(field).and_then(Node::as_map) {
        for (k, v) in new {
            merged.insert(k.clone(), v.clone());
        }
    }
    if merged.is_empty() {
        map.shift_remove(field);
    } else {
        map.insert(field.to_string(), Node::new(Value::Map(merged)));
    }
}

/// `key=value`, with one pair of matching quotes around the value removed.
fn parse_literal(lit: &str) -> Result<(String, String)> {
    let invalid = || {
        Error::new(format!("invalid literal source {lit}, expected key=value"))
            .help("each entry of 'literals' is KEY=VALUE, such as LOG_LEVEL=debug")
    };
    let Some((k, v)) = lit.split_once('=') else {
        return Err(invalid());
    };
    if k.is_empty() {
        return Err(invalid());
    }
    Ok((k.to_string(), unquote(v).to_string()))
}

fn unquote(v: &str) -> &str {
    let b = v.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        &v[1..v.len() - 1]
    } else {
        v
    }
}

/// An env file: `KEY=VALUE` lines; blank lines and `#` comments skipped; leading space trimmed.
/// A line without `=` is a key with an empty value: kustomize v5.5.0 does not look the key up in
/// its environment.
fn parse_env(text: &str) -> Vec<(String, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line).trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (k, v) = line.split_once('=').unwrap_or((line, ""));
        out.push((k.to_string(), v.to_string()));
    }
    out
}

/// Base64 as kustomize writes generated values: in lines of 70 characters, each ending with a
/// newline, once the text is 70 characters or longer.
pub fn base64_lines(bytes: &[u8]) -> String {
    const LINE: usize = 70;
    let enc = base64(bytes);
    if enc.len() < LINE {
        return enc;
    }
    let mut out = String::with_capacity(enc.len() + enc.len() / LINE + 1);
    for chunk in enc.as_bytes().chunks(LINE) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        let chars = [18, 12, 6, 0].map(|s| ALPHABET[((n >> s) & 63) as usize] as char);
        out.push(chars[0]);
        out.push(chars[1]);
        out.push(if chunk.len() > 1 { chars[2] } else { '=' });
        out.push(if chunk.len() > 2 { chars[3] } else { '=' });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_pads() {
        assert_eq!(base64(b"secret"), "c2VjcmV0");
        assert_eq!(base64(b"x"), "eA==");
        assert_eq!(base64(&[0xff, 0xfe]), "//4=");
        assert_eq!(base64(b""), "");
    }

    #[test]
    fn long_values_are_split_in_lines() {
        assert_eq!(base64_lines(b"secret"), "c2VjcmV0");
        let long = base64_lines(&[b'x'; 60]);
        let lines: Vec<&str> = long.split_terminator('\n').collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].len(), 70);
        assert!(long.ends_with('\n'));
    }

    #[test]
    fn literals_lose_one_pair_of_matching_quotes() {
        assert_eq!(parse_literal("y=\"quoted\"").unwrap(), ("y".into(), "quoted".into()));
        assert_eq!(parse_literal("w=a=b").unwrap(), ("w".into(), "a=b".into()));
        assert_eq!(parse_literal("q='x\"").unwrap().1, "'x\"");
        assert!(parse_literal("novalue").is_err());
    }

    #[test]
    fn env_files_keep_spaces_around_values() {
        let got = parse_env("# c\nK1=v1\n  K2 = v2 \nK3=\"q\"\n\n");
        assert_eq!(got, vec![("K1".into(), "v1".into()), ("K2 ".into(), " v2 ".into()), ("K3".into(), "\"q\"".into())]);
    }

    #[test]
    fn an_env_file_line_without_equals_is_a_key_with_an_empty_value() {
        let got = parse_env("staging\n  spaced  \r\nK=v\n");
        assert_eq!(
            got,
            vec![("staging".into(), String::new()), ("spaced  ".into(), String::new()), ("K".into(), "v".into())]
        );
    }
}
