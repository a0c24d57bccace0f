//! JSON patches (RFC 6902) over the document model, with the behaviour and messages of the
//! library kustomize v5.5.0 applies them with (observed with `kubectl kustomize`):
//! - `add` into a list accepts an index up to the length, `-` to append, and negative indexes
//!   counted from the end (`-1` appends); `remove` accepts negative indexes too;
//! - `replace` of a missing key in a map adds it (a missing parent is an error);
//! - `add` without a `value` adds null;
//! - a path is split at `/` and its first segment dropped, whatever it is (`spec/replicas` is
//!   `/replicas`); an empty path names nothing, and an operation without `path` is an error;
//! - the patched object goes through JSON, so integers beyond 2^53 lose precision as in
//!   kustomize.

use crate::error::{bail, Error, Result};
use crate::yaml::node::{Node, Value};

/// One operation.
#[derive(Clone, Debug)]
pub struct Op {
    pub op: String,
    /// `None` when the operation has no `path`.
    pub path: Option<String>,
    pub from: Option<String>,
    pub value: Option<Node>,
    /// Where the operation was written.
    pub pos: crate::yaml::node::Pos,
}

/// Reads a decoded op list (a list of maps with `op`, `path`, `from`, `value`).
pub fn ops_from_node(n: &Node) -> Result<Vec<Op>> {
    let Some(items) = n.as_seq() else {
        bail!("a JSON patch must be a list of operations, found a {}", n.value.type_name());
    };
    let mut ops = Vec::with_capacity(items.len());
    for item in items {
        let Some(m) = item.as_map() else {
            return Err(Error::new(format!(
                "a JSON patch operation must be a map (op, path, value...), found a {}",
                item.value.type_name()
            ))
            .at(item.pos));
        };
        let text = |k: &str| m.get(k).and_then(|v| v.scalar_text()).filter(|_| m.get(k).is_some_and(|v| !v.is_null()));
        ops.push(Op {
            op: text("op").unwrap_or_default(),
            path: text("path"),
            from: text("from"),
            value: m.get("value").cloned(),
            pos: item.pos,
        });
    }
    Ok(ops)
}

/// Applies the operations in order to `doc`.
#[cfg(test)]
pub fn apply(doc: &mut Node, ops: &[Op]) -> Result<()> {
    apply_from(doc, ops, None)
}

/// Applies the operations in order to `doc`; an operation that fails is located in `file`,
/// the file the operations were read from, when there is one.
pub fn apply_from(doc: &mut Node, ops: &[Op], file: Option<&camino::Utf8Path>) -> Result<()> {
    for op in ops {
        apply_one(doc, op).map_err(|e| match file {
            Some(file) => e.located(file, op.pos),
            None => e,
        })?;
    }
    through_json(doc);
    Ok(())
}

fn apply_one(doc: &mut Node, op: &Op) -> Result<()> {
    let known = ["add", "remove", "replace", "move", "copy", "test"];
    if !known.contains(&op.op.as_str()) {
        let e = Error::new(format!("Unexpected kind: {}", op.op));
        return Err(match crate::error::closest(&op.op, known) {
            Some(near) => e.help(format!("did you mean '{near}'? An operation is one of {}", known.join(", "))),
            None => e.help(format!("an operation is one of {}", known.join(", "))),
        });
    }
    let Some(path) = op.path.as_deref() else {
        let detail = if matches!(op.op.as_str(), "add" | "remove") { "" } else { "operation missing path field: " };
        return Err(Error::new(format!("{} operation failed to decode path: {detail}missing value", op.op))
            .help("every JSON 6902 operation needs a 'path', such as /spec/replicas"));
    };
    let path = path.to_string();
    match op.op.as_str() {
        "add" => add(doc, &path, op.value.clone().unwrap_or_else(Node::null), "add"),
        "remove" => remove(doc, &path).map(|_| ()),
        "replace" => replace(doc, &path, op.value.clone().unwrap_or_else(Node::null)),
        "move" => {
            let from = op.from.as_deref().unwrap_or("");
            if get(doc, from).is_none() {
                bail!("move operation does not apply: doc is missing from path: \"{from}\": missing value");
            }
            let v = remove(doc, from)?;
            add(doc, &path, v, "move")
        }
        "copy" => {
            let from = op.from.as_deref().unwrap_or("");
            // kustomize's library reads a missing key of a map that is there as nothing and
            // copies a null (kubectl: `from: /data/nokey` adds `null`); a missing parent or
            // list item is an error.
            let v = match container(doc, from) {
                Some((Node { value: Value::Map(m), .. }, key)) => Some(m.get(&key).cloned().unwrap_or_else(Node::null)),
                _ => get(doc, from).cloned(),
            };
            let Some(v) = v else {
                bail!("copy operation does not apply: doc is missing from path: \"{from}\": missing value");
            };
            add(doc, &path, v, "copy")
        }
        "test" => test(doc, &path, op.value.as_ref()),
        other => bail!("Unexpected kind: {other}"),
    }
}

/// The `test` operation, as kustomize's library runs it: the empty path tests the whole
/// object; a path whose parent does not exist (or that has no `/`) is an error of its own,
/// before any value is compared; a missing key or a null value passes only a missing or null
/// `value`.
fn test(doc: &Node, path: &str, want: Option<&Node>) -> Result<()> {
    let want = want.filter(|w| !w.is_null());
    let failed = || {
        Error::new(format!("testing value {path} failed: test failed"))
            .help("the object holds another value at this path: the 'test' operation stops the patch there")
    };
    if path.is_empty() {
        return if want == Some(doc) { Ok(()) } else { Err(failed()) };
    }
    let Some((container, key)) = container(doc, path) else {
        return Err(Error::new(format!("test operation does not apply: is missing path: {path}: missing value"))
            .help("a parent of the last path segment does not exist in the object (a path starts with '/')"));
    };
    let found = match &container.value {
        Value::Seq(s) => {
            let i: i64 = key.parse().map_err(|_| {
                Error::new(format!("error in test for path: '{path}': strconv.Atoi: parsing \"{key}\": invalid syntax"))
            })?;
            let Some(v) = index(&key, s.len(), false).and_then(|i| s.get(i)) else {
                bail!(
                    "error in test for path: '{path}': Unable to access invalid index: {i}: invalid index referenced"
                );
            };
            Some(v)
        }
        _ => container.get(&key),
    };
    match (found.filter(|v| !v.is_null()), want) {
        (None, None) => Ok(()),
        (Some(v), Some(w)) if v == w => Ok(()),
        _ => Err(failed()),
    }
}

/// The list or map holding the last token of `path`, and that token; `None` when a parent is
/// missing or is not a list or map.
fn container<'a>(doc: &'a Node, path: &str) -> Option<(&'a Node, String)> {
    let mut toks = tokens(path)?;
    let last = toks.pop()?;
    let mut cur = doc;
    for t in toks {
        cur = match &cur.value {
            Value::Map(m) => m.get(&t)?,
            Value::Seq(s) => s.get(index(&t, s.len(), false)?)?,
            _ => return None,
        };
    }
    matches!(cur.value, Value::Map(_) | Value::Seq(_)).then_some((cur, last))
}

/// Splits a JSON pointer into unescaped tokens (`~1` is `/`, `~0` is `~`). Like the library
/// kustomize uses, the first segment is dropped whatever it holds, and a path without `/`
/// names nothing.
fn tokens(path: &str) -> Option<Vec<String>> {
    let (_, rest) = path.split_once('/')?;
    Some(rest.split('/').map(|t| t.replace("~1", "/").replace("~0", "~")).collect())
}

/// The node at `path`, if any.
fn get<'a>(doc: &'a Node, path: &str) -> Option<&'a Node> {
    let (container, key) = container(doc, path)?;
    match &container.value {
        Value::Seq(s) => s.get(index(&key, s.len(), false)?),
        _ => container.get(&key),
    }
}

/// The container holding the last token of `path`, and that token.
fn parent<'a>(doc: &'a mut Node, path: &str, op: &str) -> Result<(&'a mut Node, String)> {
    let missing = || {
        Error::new(format!("{op} operation does not apply: doc is missing path: \"{path}\": missing value")).help(
            "a parent of the last path segment does not exist in the object: add the parents first \
             (an 'add' of a map at the parent path), or correct the path",
        )
    };
    let mut toks = tokens(path).ok_or_else(missing)?;
    let last = toks.pop().ok_or_else(missing)?;
    let mut cur = doc;
    for t in toks {
        cur = match &mut cur.value {
            Value::Map(m) => m.get_mut(&t).ok_or_else(missing)?,
            Value::Seq(s) => {
                let len = s.len();
                let i = index(&t, len, false).ok_or_else(missing)?;
                s.get_mut(i).ok_or_else(missing)?
            }
            _ => return Err(missing()),
        };
    }
    Ok((cur, last))
}

/// A list index token: a non-negative integer below `len` (or up to `len` when inserting), or
/// a negative one counted from the end.
fn index(t: &str, len: usize, inserting: bool) -> Option<usize> {
    let i: i64 = t.parse().ok()?;
    let size = if inserting { len as i64 + 1 } else { len as i64 };
    let i = if i < 0 { i + size } else { i };
    (0..size).contains(&i).then_some(i as usize)
}

fn add(doc: &mut Node, path: &str, value: Node, op: &str) -> Result<()> {
    let (container, key) = parent(doc, path, op)?;
    match &mut container.value {
        Value::Map(m) => {
            m.insert(key, value);
            Ok(())
        }
        Value::Seq(s) => {
            if key == "-" {
                s.push(value);
                return Ok(());
            }
            let Some(i) = index(&key, s.len(), true) else {
                if key.parse::<i64>().is_err() {
                    bail!("error in {op} for path: '{path}': value was not a proper array index: '{key}'");
                }
                bail!(
                    "error in {op} for path: '{path}': Unable to access invalid index: {key}: invalid index referenced"
                );
            };
            s.insert(i, value);
            Ok(())
        }
        _ => bail!("{op} operation does not apply: doc is missing path: \"{path}\": missing value"),
    }
}

fn remove(doc: &mut Node, path: &str) -> Result<Node> {
    let (container, key) = parent(doc, path, "remove")?;
    match &mut container.value {
        Value::Map(m) => m.shift_remove(&key).ok_or_else(|| {
            Error::new(format!(
                "error in remove for path: '{path}': Unable to remove nonexistent key: {key}: missing value"
            ))
        }),
        Value::Seq(s) => {
            let Some(i) = index(&key, s.len(), false) else {
                bail!("error in remove for path: '{path}': Unable to access invalid index: {key}: invalid index referenced");
            };
            Ok(s.remove(i))
        }
        _ => bail!("remove operation does not apply: doc is missing path: \"{path}\": missing value"),
    }
}

fn replace(doc: &mut Node, path: &str, value: Node) -> Result<()> {
    let (container, key) = parent(doc, path, "replace")?;
    match &mut container.value {
        Value::Map(m) => {
            m.insert(key, value);
            Ok(())
        }
        Value::Seq(s) => {
            let len = s.len();
            let Some(slot) = index(&key, len, false).and_then(|i| s.get_mut(i)) else {
                bail!("error in replace for path: '{path}': Unable to access invalid index: {key}: invalid index referenced");
            };
            *slot = value;
            Ok(())
        }
        _ => bail!("replace operation does not apply: doc is missing path: \"{path}\": missing value"),
    }
}

/// The object goes through JSON numbers (float64) in kustomize: integers that a float64
/// cannot hold exactly come back rounded.
fn through_json(n: &mut Node) {
    const EXACT: u64 = 1 << 53;
    match &mut n.value {
        Value::Int(i) if i.unsigned_abs() > EXACT => n.value = Value::Float(*i as f64),
        Value::UInt(u) if *u > EXACT => n.value = Value::Float(*u as f64),
        Value::Seq(items) => items.iter_mut().for_each(through_json),
        Value::Map(m) => m.values_mut().for_each(through_json),
        _ => {}
    }
}

/// Builds a map node from pairs (tests).
#[cfg(test)]
fn map_of(pairs: &[(&str, Node)]) -> Node {
    let mut m = crate::yaml::node::Map::default();
    for (k, v) in pairs {
        m.insert((*k).to_string(), v.clone());
    }
    Node::new(Value::Map(m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::read::{parse_one, Schema};

    fn doc() -> Node {
        parse_one("data: {a: '1'}\nlist: [x, y, z]\n", Schema::V3).unwrap().unwrap()
    }

    fn ops(text: &str) -> Vec<Op> {
        ops_from_node(&parse_one(text, Schema::V11).unwrap().unwrap()).unwrap()
    }

    #[test]
    fn add_remove_replace_with_list_indexes() {
        let mut d = doc();
        apply(&mut d, &ops("- {op: add, path: /list/-1, value: n}\n- {op: add, path: /list/0, value: 012}\n- {op: remove, path: /list/-1}\n- {op: replace, path: /data~1x, value: 1}")).unwrap();
        assert_eq!(d.get("list").unwrap().as_seq().unwrap().len(), 4);
        assert_eq!(d.get("list").unwrap().as_seq().unwrap()[0].value, Value::Int(10));
        assert!(d.get("data/x").is_some());
    }

    #[test]
    fn errors_match_kustomize() {
        let err = |text: &str| apply(&mut doc(), &ops(text)).unwrap_err().message().to_string();
        assert_eq!(
            err("- {op: add, path: /nope/x, value: 1}"),
            "add operation does not apply: doc is missing path: \"/nope/x\": missing value"
        );
        assert!(err("- {op: remove, path: /data/zz}").contains("Unable to remove nonexistent key: zz"));
        assert_eq!(err("- {op: test, path: /data/a, value: '2'}"), "testing value /data/a failed: test failed");
        assert_eq!(err("- {op: frob, path: /data/a}"), "Unexpected kind: frob");
        assert!(err("- {op: add, path: /list/9, value: 1}").contains("invalid index"));
    }

    #[test]
    fn move_copy_test() {
        let mut d = doc();
        apply(&mut d, &ops("- {op: move, from: /list/0, path: /data/m}\n- {op: copy, from: /data, path: /c}\n- {op: test, path: /c/m, value: x}")).unwrap();
        assert_eq!(d.get("c"), Some(&map_of(&[("a", Node::string("1")), ("m", Node::string("x"))])));
    }

    // kubectl: `moved: null`; a missing parent fails.
    #[test]
    fn copying_a_missing_key_of_a_map_copies_a_null() {
        let mut d = doc();
        apply(&mut d, &ops("[{op: copy, from: /data/nokey, path: /data/moved}]")).unwrap();
        assert!(d.get("data").unwrap().get("moved").unwrap().is_null());
        let err = apply(&mut d, &ops("[{op: copy, from: /nope/x, path: /data/m}]")).unwrap_err();
        assert!(err.message().contains("doc is missing from path"), "{}", err.message());
        assert!(apply(&mut d, &ops("[{op: copy, from: /list/9, path: /data/m}]")).is_err());
    }

    #[test]
    fn test_operation_reports_a_missing_parent_before_comparing_values() {
        let err = |text: &str| apply(&mut doc(), &ops(text)).unwrap_err().message().to_string();
        assert_eq!(
            err("- {op: test, path: no/leading/slash}"),
            "test operation does not apply: is missing path: no/leading/slash: missing value"
        );
        assert_eq!(
            err("- {op: test, path: nolead}"),
            "test operation does not apply: is missing path: nolead: missing value"
        );
        assert_eq!(
            err("- {op: test, path: /data/a/b}"),
            "test operation does not apply: is missing path: /data/a/b: missing value"
        );
        assert_eq!(
            err("- {op: test, path: /list/5}"),
            "error in test for path: '/list/5': Unable to access invalid index: 5: invalid index referenced"
        );
        assert_eq!(
            err("- {op: test, path: /list/x}"),
            "error in test for path: '/list/x': strconv.Atoi: parsing \"x\": invalid syntax"
        );
        assert_eq!(err("- {op: test, path: '', value: {}}"), "testing value  failed: test failed");
    }

    #[test]
    fn test_operation_passes_on_null_or_matching_values() {
        let mut d = parse_one("data: {n: null}\nlist: [a, b]\n", Schema::V3).unwrap().unwrap();
        apply(&mut d, &ops("- {op: test, path: /data/n}\n- {op: test, path: /data/n, value: null}\n- {op: test, path: /list/-1, value: b}\n- {op: test, path: x/list/0, value: a}")).unwrap();
    }

    #[test]
    fn big_integers_round_like_json() {
        let mut d = parse_one("big: 12345678901234567890\nsmall: 3\n", Schema::V3).unwrap().unwrap();
        apply(&mut d, &[]).unwrap();
        assert!(matches!(d.get("big").unwrap().value, Value::Float(_)));
        assert_eq!(d.get("small").unwrap().value, Value::Int(3));
    }
}
