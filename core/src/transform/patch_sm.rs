//! Strategic-merge patches, merged the way kustomize v5.5.0 (kyaml's merge walker) merges them.
//!
//! The rules, as observed with `kubectl kustomize`:
//! - maps merge field by field; a field set to null in the patch is removed; a null in the
//!   target that the patch does not mention stays; a patch value of a different type than the
//!   target's (map vs list vs scalar) is an error;
//! - `$patch: delete` on a map removes it, `$patch: replace` replaces it, `$patch: merge` merges;
//!   other values are errors. At the top of a patch, `delete` removes the whole object and
//!   `replace` changes nothing (kustomize discards the new object the merge returns);
//! - a list merges only when the schema gives it a strategy containing `merge`; otherwise (and
//!   for every list of a kind without a schema) the patch's list replaces the target's whole.
//!   A merged list is keyed by its merge keys (`x-kubernetes-list-map-keys`, else
//!   `x-kubernetes-patch-merge-key`), or by value for lists of scalars;
//! - in a merged list, an element made only of `$patch: replace` (or `delete`, `merge`) applies
//!   to the list: `replace` keeps the patch's elements only, `delete` removes the list;
//! - merged elements come in the patch's order first, then the target's other elements in their
//!   order; an element whose patch says `$patch: delete` is removed;
//! - with several merge keys (container ports: `containerPort` and `protocol`), keys missing from
//!   some elements take part as kustomize's algorithm has them take part: a patch element that
//!   leaves out a key every target element has may find no element and be dropped. This module
//!   reproduces that algorithm's steps (key tuples, unification of tuples, element lookup and
//!   replacement) so that the output is the same in such corners too;
//! - a map or list the target lacks is the patch's own, merged with itself: its directives apply
//!   and are removed at every depth (except in lists without a merge strategy, kept as written).
//!   A keyed list there is its own target: an element whose merge key is null finds no element
//!   (a null key matches nothing, not even the empty value), so it removes every element holding
//!   the key from the list the later elements are read from (`[b, null, c]` gives `[b]`,
//!   `[null, b]` gives `[]`);
//! - a patch's scalar written over a field takes the style of the node it replaces (kyaml's
//!   `FieldSetter`): over a quoted or block scalar, a non-string becomes the string of the
//!   text it was written with (`"0b"` patched with `-1` or `0x1F` gives `"-1"`, `"0x1F"`),
//!   unless it has a tag its text does not imply (`!!float 1`); a folded string is printed as
//!   go-yaml reprints folded text only when the style it ends with is folded; see
//!   `Node::written_over`;
//! - `$setElementOrder/...`, `$retainKeys` and `$deleteFromPrimitiveList/...` are not directives
//!   for kustomize: they stay in the output as ordinary fields.

use super::openapi::{self, Sch, Schemas};
use crate::error::{bail, Error, Result};
use crate::yaml::node::{Map, Node, Pos, Style, Value};

const DIRECTIVE: &str = "$patch";

static NULL: Node =
    Node { value: Value::Null, pos: Pos { line: 0, col: 0 }, style: Style::Plain, written: None, untagged: false };

/// Merges `patch` into `target`. Returns `None` when the patch deletes the object.
/// `empty_nulls` are where the target's nulls written as an empty value (`key:`) are.
pub fn merge(target: Node, patch: Node, schemas: &Schemas, empty_nulls: &[Pos]) -> Result<Option<Node>> {
    // kustomize merges into the object in place and keeps it; `$patch: replace` at the top makes
    // the merge return a new object, which kustomize drops: the object stays as it was.
    if patch.get(DIRECTIVE).is_some_and(|d| value_text(d) == "replace") {
        return Ok(Some(target));
    }
    let mut m = Merger { schemas, path: Vec::new(), empty_nulls };
    let w = m.walk(Some(target), Some(patch), None)?;
    Ok(w.node.filter(|n| !tagged_null(n) && !n.as_map().is_some_and(Map::is_empty)))
}

/// Which source a walk's result is (it matters for list elements, see [`ListMerge`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Dest,
    Origin,
}

/// The result of merging two values: the value (`None` = removed) and where it came from.
struct Walked {
    node: Option<Node>,
    side: Side,
}

impl Walked {
    fn clear(side: Side) -> Walked {
        Walked { node: None, side }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Directive {
    Merge,
    Replace,
    Delete,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum NodeKind {
    Map,
    Seq,
    Scalar,
}

fn kind(n: &Node) -> NodeKind {
    match n.value {
        Value::Map(_) => NodeKind::Map,
        Value::Seq(_) => NodeKind::Seq,
        _ => NodeKind::Scalar,
    }
}

/// Whether kyaml sees a null here (`IsTaggedNull`: by the node's tag): a null kustomize wrote
/// untagged (an empty apiVersion its `SetGvk` gave a patch) is an ordinary scalar.
fn tagged_null(n: &Node) -> bool {
    n.is_null() && !n.untagged
}

fn missing_or_null(n: &Option<Node>) -> bool {
    n.as_ref().is_none_or(tagged_null)
}

/// A scalar's text as kyaml compares it; `""` for maps and lists.
fn value_text(n: &Node) -> String {
    match n.value {
        Value::Map(_) | Value::Seq(_) => String::new(),
        _ => n.scalar_text().unwrap_or_default(),
    }
}

/// A merge key's value in an element: `""` when absent, null or an empty collection.
fn key_text(elem: &Node, key: &str) -> String {
    let Some(f) = elem.get(key) else { return String::new() };
    match &f.value {
        Value::Null => String::new(),
        Value::Map(m) if m.is_empty() => String::new(),
        Value::Seq(s) if s.is_empty() => String::new(),
        _ => value_text(f),
    }
}

struct Merger<'s> {
    schemas: &'s Schemas,
    empty_nulls: &'s [Pos],
    /// The field path being merged, for messages.
    path: Vec<String>,
}

impl<'s> Merger<'s> {
    fn where_(&self) -> String {
        if self.path.is_empty() {
            "the top of the object".to_string()
        } else {
            format!("'{}'", self.path.join("."))
        }
    }

    /// The schema of an object that carries its own apiVersion and kind.
    fn schema_of_kind(&self, sources: [&Option<Node>; 2]) -> Sch<'s> {
        for n in sources.into_iter().flatten() {
            if let (Some(av), Some(k)) = (n.str_at(&["apiVersion"]), n.str_at(&["kind"])) {
                if av.is_empty() || k.is_empty() {
                    continue;
                }
                if let Some(id) = self.schemas.for_kind(av, k) {
                    return Some((self.schemas, id));
                }
            }
        }
        None
    }

    fn walk(&mut self, dest: Option<Node>, origin: Option<Node>, sch: Sch<'s>) -> Result<Walked> {
        let sch = sch.or_else(|| self.schema_of_kind([&dest, &origin]));
        let first = [&dest, &origin].into_iter().flatten().find(|n| !tagged_null(n)).map(kind);
        let Some(k) = first else {
            return self.walk_map(dest, origin, sch);
        };
        for n in [&dest, &origin].into_iter().flatten() {
            if !tagged_null(n) && kind(n) != k {
                let (want, got) = (type_word(k), type_word(kind(n)));
                return Err(Error::new(format!(
                    "strategic merge: cannot merge at {}: expected a {want}, found a {got}",
                    self.where_()
                ))
                .at(n.pos));
            }
        }
        match k {
            NodeKind::Map => self.walk_map(dest, origin, sch),
            NodeKind::Seq if openapi::merge_keys(sch).is_some() => self.walk_assoc(dest, origin, sch),
            NodeKind::Seq => Ok(match origin {
                Some(o) => Walked { node: Some(o), side: Side::Origin },
                None => Walked { node: dest, side: Side::Dest },
            }),
            NodeKind::Scalar => Ok(match origin {
                Some(o) => Walked { node: Some(o), side: Side::Origin },
                None => Walked { node: dest, side: Side::Dest },
            }),
        }
    }

    fn walk_map(&mut self, dest: Option<Node>, mut origin: Option<Node>, sch: Sch<'s>) -> Result<Walked> {
        let (base, side) = if missing_or_null(&dest) {
            // Added wholesale; an unknown directive is left for the nested walk to reject.
            if let Some(o) = origin.as_mut() {
                if let Ok(Directive::Delete) = map_directive(o) {
                    return Ok(Walked::clear(Side::Origin));
                }
            }
            (origin.take(), Side::Origin)
        } else if origin.as_ref().is_some_and(tagged_null) {
            return Ok(Walked::clear(Side::Dest));
        } else {
            let d = match origin.as_mut() {
                Some(o) => map_directive(o).map_err(|e| e.at(o.pos))?,
                None => Directive::Merge,
            };
            match d {
                Directive::Delete => return Ok(Walked::clear(Side::Dest)),
                Directive::Replace => (origin.take(), Side::Origin),
                Directive::Merge => (dest, Side::Dest),
            }
        };
        let Some(mut base) = base else { return Ok(Walked::clear(side)) };
        if !matches!(base.value, Value::Map(_)) {
            return Ok(Walked { node: Some(base), side });
        }
        if side == Side::Origin {
            // The patch's own map merged with itself: directives and nulls resolved.
            let keys: Vec<String> = base.as_map().map(|m| m.keys().cloned().collect()).unwrap_or_default();
            for k in keys {
                let Some(v) = base.as_map_mut().and_then(|m| m.get_mut(&k)) else { continue };
                let v = std::mem::replace(v, Node::null());
                // Each field is walked as kyaml walks it here, as its own target: a keyed list
                // is then the list its elements are read from (a null merge key removes
                // elements from both).
                self.path.push(k.clone());
                let w = self.walk(None, Some(v), openapi::field(sch, &k));
                self.path.pop();
                set_field(&mut base, &k, w?.node);
            }
            return Ok(Walked { node: Some(base), side });
        }
        let mut patch_fields = match origin.map(|o| o.value) {
            Some(Value::Map(m)) => m,
            _ => Map::default(),
        };
        let keys: Vec<String> = base.as_map().map(|m| m.keys().cloned().collect()).unwrap_or_default();
        for k in keys {
            let Some(slot) = base.as_map_mut().and_then(|m| m.get_mut(&k)) else { continue };
            let o = patch_fields.shift_remove(&k);
            if o.is_none() && tagged_null(slot) && !self.empty_nulls.contains(&slot.pos) {
                // kyaml keeps a null the target spells out (`creationTimestamp: null`) when the
                // patch does not mention the field; one written as an empty value (`key:`) goes.
                continue;
            }
            let d = std::mem::replace(slot, Node::null());
            let style = d.style;
            self.path.push(k.clone());
            let w = self.walk(Some(d), o, openapi::field(sch, &k));
            self.path.pop();
            let mut w = w?;
            if let (Side::Origin, Some(n)) = (w.side, w.node.as_mut()) {
                // kyaml's FieldSetter: the patch's value takes the style of the node it replaces.
                n.written_over(style);
            }
            set_field(&mut base, &k, w.node);
        }
        for (k, o) in patch_fields {
            self.path.push(k.clone());
            let w = self.walk(None, Some(o), openapi::field(sch, &k));
            self.path.pop();
            set_field(&mut base, &k, w?.node);
        }
        Ok(Walked { node: Some(base), side })
    }

    fn walk_assoc(&mut self, dest: Option<Node>, mut origin: Option<Node>, sch: Sch<'s>) -> Result<Walked> {
        let (base, side, same) = if missing_or_null(&dest) {
            (origin.take(), Side::Origin, true)
        } else if origin.as_ref().is_some_and(tagged_null) {
            return Ok(Walked::clear(Side::Dest));
        } else {
            let d = match origin.as_mut() {
                Some(o) => list_directive(o).map_err(|e| e.at(o.pos))?,
                None => Directive::Merge,
            };
            match d {
                Directive::Delete => return Ok(Walked::clear(Side::Dest)),
                Directive::Replace => (origin.take(), Side::Origin, true),
                Directive::Merge => (dest, Side::Dest, false),
            }
        };
        let Some(base) = base else { return Ok(Walked::clear(side)) };
        let pos = base.pos;
        let Value::Seq(base_items) = base.value else {
            return Ok(Walked { node: Some(base), side });
        };
        let origin_items = match origin.map(|o| o.value) {
            Some(Value::Seq(items)) if !same => Some(items),
            _ => None,
        };
        let keys: Vec<String> = openapi::merge_keys(sch).map(<[String]>::to_vec).unwrap_or_default();
        let mut lm = ListMerge::new(base_items, origin_items, same);
        let items = lm.run(self, keys, openapi::elements(sch))?;
        Ok(Walked { node: Some(Node::at(Value::Seq(items), pos)), side })
    }
}

fn type_word(k: NodeKind) -> &'static str {
    match k {
        NodeKind::Map => "map",
        NodeKind::Seq => "list",
        NodeKind::Scalar => "scalar",
    }
}

/// Sets or removes (for `None` and null) a field of a map node, keeping its position.
fn set_field(map: &mut Node, key: &str, value: Option<Node>) {
    let Some(m) = map.as_map_mut() else { return };
    match value {
        Some(v) if !tagged_null(&v) => {
            if let Some(slot) = m.get_mut(key) {
                *slot = v;
            } else {
                m.insert(key.to_string(), v);
            }
        }
        _ => {
            m.shift_remove(key);
        }
    }
}

/// Removes `$patch` from a map and every map nested in it, in lists too.
fn strip_map_directives(n: &mut Node) {
    match &mut n.value {
        Value::Map(m) => {
            m.shift_remove(DIRECTIVE);
            m.values_mut().for_each(strip_map_directives);
        }
        Value::Seq(items) => items.iter_mut().for_each(strip_map_directives),
        _ => {}
    }
}

fn parse_directive(v: &Node) -> Result<Directive> {
    match value_text(v).as_str() {
        "delete" => Ok(Directive::Delete),
        "replace" => Ok(Directive::Replace),
        "merge" => Ok(Directive::Merge),
        other => bail!("strategic merge: unknown patch strategy '{other}' (expected $patch: replace, merge or delete)"),
    }
}

/// Reads and removes a map's `$patch`.
fn map_directive(n: &mut Node) -> Result<Directive> {
    let Some(m) = n.as_map_mut() else { return Ok(Directive::Merge) };
    let Some(v) = m.get(DIRECTIVE) else { return Ok(Directive::Merge) };
    let d = parse_directive(v)?;
    m.shift_remove(DIRECTIVE);
    Ok(d)
}

/// A list's directive: the first element holding `$patch`, if that is all it holds. The
/// elements carrying that directive are removed (with empty and null ones).
fn list_directive(n: &mut Node) -> Result<Directive> {
    let Some(items) = n.as_seq_mut() else { return Ok(Directive::Merge) };
    let Some(el) = items.iter().find(|e| e.as_map().is_some_and(|m| m.contains_key(DIRECTIVE))) else {
        return Ok(Directive::Merge);
    };
    let Some(m) = el.as_map() else { return Ok(Directive::Merge) };
    if m.len() > 1 {
        return Ok(Directive::Merge);
    }
    let Some(v) = m.get(DIRECTIVE) else { return Ok(Directive::Merge) };
    let text = value_text(v);
    let d = parse_directive(v)?;
    items.retain(|e| {
        if tagged_null(e) || e.as_map().is_some_and(Map::is_empty) {
            return false;
        }
        e.get(DIRECTIVE).is_none_or(|v| value_text(v) != text)
    });
    Ok(d)
}

/// Merging two lists element by element.
///
/// Elements live in an arena so that, as in kustomize, the same element can sit in the target
/// list and in the list being built: an element merged in place is the target's own element,
/// an element taken from the patch (new, or replaced) is the patch's.
struct ListMerge {
    arena: Vec<Node>,
    base: Vec<usize>,
    /// The patch's elements; `None` when the patch has no list here, or when it is the base
    /// itself (`same`).
    origin: Option<Vec<usize>>,
    same: bool,
}

impl ListMerge {
    fn new(base: Vec<Node>, origin: Option<Vec<Node>>, same: bool) -> ListMerge {
        let mut arena = Vec::new();
        let ids = |items: Vec<Node>, arena: &mut Vec<Node>| {
            items
                .into_iter()
                .map(|n| {
                    arena.push(n);
                    arena.len() - 1
                })
                .collect::<Vec<usize>>()
        };
        let base = ids(base, &mut arena);
        let origin = if same { None } else { origin.map(|o| ids(o, &mut arena)) };
        ListMerge { arena, base, origin, same }
    }

    fn node(&self, id: usize) -> &Node {
        self.arena.get(id).unwrap_or(&NULL)
    }

    fn origin_ids(&self, same: bool) -> Option<&Vec<usize>> {
        if same {
            Some(&self.base)
        } else {
            self.origin.as_ref()
        }
    }

    fn run<'s>(&mut self, m: &mut Merger<'s>, keys: Vec<String>, elem_sch: Sch<'s>) -> Result<Vec<Node>> {
        let same = self.same;
        let have_origin = self.origin.is_some() || same;
        let (mut tuples, keys) = if keys.is_empty() {
            // A list of scalars: each value is its own key.
            let mut seen = std::collections::HashSet::new();
            let mut tuples = Vec::new();
            let sources: Vec<usize> =
                self.origin_ids(same).into_iter().flatten().chain(self.base.iter()).copied().collect();
            for id in sources {
                let v = value_text(self.node(id));
                if seen.insert(v.clone()) {
                    tuples.push(vec![v]);
                }
            }
            (tuples, vec![String::new()])
        } else {
            let mut tuples: Vec<Vec<String>> = Vec::new();
            let sources: Vec<usize> =
                self.origin_ids(same).into_iter().flatten().chain(self.base.iter()).copied().collect();
            for id in sources {
                let t: Vec<String> = keys.iter().map(|k| key_text(self.node(id), k)).collect();
                if !tuples.contains(&t) {
                    tuples.push(t);
                }
            }
            (tuples, keys)
        };
        if keys.len() > 1 {
            unify(&mut tuples);
        }
        let mut items: Vec<usize> = Vec::new();
        let mut last_keys: Option<Vec<String>> = None;
        for i in 0..tuples.len() {
            let Some(t) = tuples.get(i).cloned() else { continue };
            if t.is_empty() {
                continue;
            }
            let (vk, vv) = valid_keys(&tuples, &t, &keys);
            last_keys = Some(vk.clone());
            let (k2, v2) = valid_keys(std::slice::from_ref(&vv), &vv, &vk);
            let d = self.find(&self.base, &k2, &v2);

            let o = if have_origin { self.origin_ids(same).and_then(|ids| self.find(ids, &k2, &v2)) } else { None };
            let val = self.walk_element(m, d, o, elem_sch)?;
            let removed = match val {
                None => true,
                Some(id) => {
                    let n = self.node(id);
                    tagged_null(n) || n.as_map().is_some_and(Map::is_empty)
                }
            };
            let Some(val) = val.filter(|_| !removed) else {
                let mut base = std::mem::take(&mut self.base);
                let r = self.set_element(&mut base, None, &vk, &vv);
                self.base = base;
                r?;
                continue;
            };
            for (key, value) in vk.iter().zip(&vv) {
                if value.is_empty() {
                    continue;
                }
                self.ensure_key(val, key, value)?;
            }
            self.set_element(&mut items, Some(val), &vk, &vv)?;
        }
        if let Some(vk) = last_keys {
            let src = self.base.clone();
            self.append_list(&mut items, &src, &vk)?;
        } else {
            items = std::mem::take(&mut self.base);
        }
        Ok(items.into_iter().map(|id| self.node(id).clone()).collect())
    }

    /// Merges the element found in the target (`d`) with the one found in the patch (`o`).
    /// Returns the id of the resulting element, `None` when it is removed.
    fn walk_element<'s>(
        &mut self,
        m: &mut Merger<'s>,
        d: Option<usize>,
        o: Option<usize>,
        elem_sch: Sch<'s>,
    ) -> Result<Option<usize>> {
        let mut dn = d.map(|i| self.node(i).clone());
        let on = o.map(|i| self.node(i).clone());
        if d.is_some() && d == o {
            // A patch element merged with itself (its list is new): as for maps, only the
            // patch's side holds directives.
            if let Some(n) = dn.as_mut() {
                strip_map_directives(n);
            }
        }
        let w = m.walk(dn, on, elem_sch)?;
        let id = match w.side {
            Side::Dest => d,
            Side::Origin => o,
        };
        let (Some(node), Some(id)) = (w.node, id) else { return Ok(None) };
        if let Some(slot) = self.arena.get_mut(id) {
            *slot = node;
        }
        Ok(Some(id))
    }

    /// Sets a merge key the element lacks (as a string, like kustomize).
    fn ensure_key(&mut self, id: usize, key: &str, value: &str) -> Result<()> {
        let Some(n) = self.arena.get_mut(id) else { return Ok(()) };
        if key.is_empty() {
            return match n.value {
                Value::Map(_) | Value::Seq(_) => {
                    bail!("strategic merge: a list of scalars (merged by value) holds a {}", n.value.type_name())
                }
                _ => {
                    n.value = Value::Str(value.to_string());
                    Ok(())
                }
            };
        }
        if let Some(map) = n.as_map_mut() {
            if !map.contains_key(key) {
                map.insert(key.to_string(), Node::string(value));
            }
        }
        Ok(())
    }

    /// The first element of `ids` whose merge keys have these values (a null key has none).
    fn find(&self, ids: &[usize], keys: &[String], values: &[String]) -> Option<usize> {
        if keys.first().is_some_and(String::is_empty) {
            let want = values.first()?;
            return ids.iter().copied().find(|&id| &value_text(self.node(id)) == want);
        }
        ids.iter().copied().find(|&id| {
            let n = self.node(id);
            // A null key field matches no value, not even the empty one absent keys have.
            n.as_map().is_some()
                && keys
                    .iter()
                    .zip(values)
                    .all(|(k, v)| n.get(k).is_some_and(|f| !tagged_null(f) && &value_text(f) == v))
        })
    }

    /// Whether element `n` matches key `name` with `value` (`""`: the key is present).
    fn field_match(n: &Node, name: &str, value: &str) -> Result<bool> {
        if tagged_null(n) {
            return Ok(false);
        }
        if name.is_empty() {
            if matches!(n.value, Value::Map(_) | Value::Seq(_)) {
                bail!("strategic merge: a list merged by value holds a {}", n.value.type_name());
            }
            return Ok(value_text(n) == value);
        }
        let Some(m) = n.as_map() else {
            bail!("strategic merge: a list merged by '{name}' holds a {}, not a map", n.value.type_name());
        };
        Ok(match m.get(name) {
            None => false,
            Some(_) if value.is_empty() => true,
            Some(f) => value_text(f) == value,
        })
    }

    /// Replaces every element of `list` matching the keys with `elem` (removes them when
    /// `elem` is `None`), appending `elem` when none matched. Null and empty elements are
    /// dropped on the way, as kustomize drops them.
    fn set_element(
        &self,
        list: &mut Vec<usize>,
        elem: Option<usize>,
        keys: &[String],
        values: &[String],
    ) -> Result<()> {
        let mapping = keys.first().is_some_and(|k| !k.is_empty()) && values.first().is_some_and(|v| !v.is_empty());
        let mut out = Vec::with_capacity(list.len() + 1);
        let mut found = false;
        for &id in list.iter() {
            let n = self.node(id);
            if tagged_null(n) || n.as_map().is_some_and(Map::is_empty) {
                continue;
            }
            if n.as_map().is_none() && mapping {
                out.push(id);
                continue;
            }
            let mut hit = false;
            let mut matched = true;
            for (j, key) in keys.iter().enumerate() {
                if let Some(v) = values.get(j) {
                    hit = Self::field_match(n, key, v)?;
                }
                if !hit {
                    matched = false;
                    break;
                }
            }
            if !matched {
                if !values.is_empty() {
                    out.push(id);
                }
                continue;
            }
            found = true;
            if let Some(e) = elem {
                out.push(e);
            }
        }
        *list = out;
        match elem {
            Some(e) if !found && !tagged_null(self.node(e)) => list.push(e),
            _ => {}
        }
        Ok(())
    }

    /// Puts the target's elements into the built list: each replaces the elements with its
    /// keys (so an element merged in place stays, and the target's own version of an element
    /// wins over a patch's replacement), or is appended.
    fn append_list(&self, items: &mut Vec<usize>, src: &[usize], keys: &[String]) -> Result<()> {
        for &id in src {
            let n = self.node(id);
            if keys.first().is_some_and(String::is_empty) {
                self.set_element(items, Some(id), &[String::new()], &[value_text(n)])?;
                continue;
            }
            let mut v = Vec::new();
            for key in keys {
                let field = if tagged_null(n) {
                    None
                } else {
                    let Some(m) = n.as_map() else {
                        bail!("strategic merge: a list merged by '{key}' holds a {}, not a map", n.value.type_name());
                    };
                    m.get(key)
                };
                match field {
                    None => items.push(id),
                    Some(f) => v.push(value_text(f)),
                }
            }
            if keys.len() > 1 {
                self.set_element(items, None, keys, &v)?;
            }
            self.set_element(items, Some(id), keys, &v)?;
        }
        Ok(())
    }
}

/// Unifies key tuples that differ only where one of them lacks a key (kustomize's rule for
/// several merge keys: a port without a protocol is the same port as one with it).
fn unify(tuples: &mut [Vec<String>]) {
    for i in 0..tuples.len() {
        let Some(a) = tuples.get(i).cloned() else { continue };
        for j in 0..tuples.len() {
            let Some(b) = tuples.get(j) else { continue };
            if let Some(u) = unify_pair(&a, b) {
                if let Some(slot) = tuples.get_mut(i) {
                    slot.clone_from(&u);
                }
                if let Some(slot) = tuples.get_mut(j) {
                    *slot = u;
                }
            }
        }
    }
}

fn unify_pair(a: &[String], b: &[String]) -> Option<Vec<String>> {
    if a.len() != b.len() {
        return None;
    }
    let mut common = false;
    let mut out = Vec::with_capacity(a.len());
    for (x, y) in a.iter().zip(b) {
        if x == y {
            common = true;
            out.push(x.clone());
        } else if !x.is_empty() && !y.is_empty() {
            return None;
        } else if !x.is_empty() {
            out.push(x.clone());
        } else {
            out.push(y.clone());
        }
    }
    common.then_some(out)
}

/// The keys in use for `tuple`: those that some tuple of `all` has a value for (all keys when
/// none has), with the tuple's values for them.
fn valid_keys(all: &[Vec<String>], tuple: &[String], keys: &[String]) -> (Vec<String>, Vec<String>) {
    let used: Vec<bool> =
        (0..keys.len()).map(|i| all.iter().any(|t| t.get(i).is_some_and(|v| !v.is_empty()))).collect();
    if !used.iter().any(|u| *u) {
        return (keys.to_vec(), tuple.to_vec());
    }
    let vk = keys.iter().zip(&used).filter(|(_, u)| **u).map(|(k, _)| k.clone()).collect();
    let vv = tuple
        .iter()
        .enumerate()
        .filter(|(i, v)| !v.is_empty() || used.get(*i).copied().unwrap_or(false))
        .map(|(_, v)| v.clone())
        .collect();
    (vk, vv)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::emit::emit_stream;
    use crate::yaml::read::{parse_one, Schema};

    fn yaml(s: &str) -> Node {
        parse_one(s, Schema::V3).unwrap().unwrap()
    }

    fn run(target: &str, patch: &str) -> String {
        match merge(yaml(target), yaml(patch), Schemas::builtin(), &[]).unwrap() {
            Some(n) => emit_stream(&[&n]),
            None => "<deleted>".into(),
        }
    }

    const DEP: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: a, image: a}\n      - {name: b, image: b}\n";

    #[test]
    fn a_null_merge_key_in_a_new_list_removes_the_elements_holding_the_key() {
        let names = |containers: &str| {
            let target = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\n";
            let patch = format!("spec:\n  template:\n    spec:\n      containers: {containers}\n");
            let out = run(target, &patch);
            out.lines().filter_map(|l| l.trim().strip_prefix("- name: ")).map(String::from).collect::<Vec<_>>()
        };
        assert_eq!(names("[{name: b}, {name: null}]"), ["b"]);
        assert_eq!(names("[{name: null}, {name: b}]"), Vec::<String>::new());
        assert_eq!(names("[{name: b}, {name: ~}, {name: c}]"), ["b"]);
        assert_eq!(names("[{name: b}, {name: c}]"), ["b", "c"]);
    }

    #[test]
    fn keyed_lists_put_patch_elements_first() {
        let out = run(DEP, "spec:\n  template:\n    spec:\n      containers:\n      - {name: c, image: c}\n      - {name: b, image: b2}\n");
        let names: Vec<&str> = out.lines().filter_map(|l| l.trim().strip_prefix("name: ")).collect();
        assert_eq!(names, ["app", "c", "b", "a"]);
        assert!(out.contains("image: b2"));
    }

    #[test]
    fn lists_without_schema_are_replaced() {
        let out =
            run("kind: X\napiVersion: ex.com/v1\nspec:\n  l: [{name: a}, {name: b}]\n", "spec:\n  l: [{name: c}]\n");
        assert!(out.contains("- name: c") && !out.contains("- name: a"), "{out}");
    }

    #[test]
    fn directives_inside_a_field_the_patch_adds_are_removed() {
        let out = run(
            DEP,
            "spec:\n  strategy:\n    $patch: merge\n    x: {a: 1, $patch: merge}\n  template:\n    spec:\n      \
             initContainers:\n      - name: i\n        env:\n        - {name: E, valueFrom: {k: {v: 1, $patch: merge}}}\n",
        );
        assert!(!out.contains("$patch"), "{out}");
        assert!(out.contains("a: 1") && out.contains("v: 1"), "{out}");
    }

    #[test]
    fn replace_at_the_top_of_a_patch_leaves_the_object_as_it_was() {
        assert_eq!(run(DEP, "$patch: replace\nmetadata: {name: app, labels: {a: b}}\n"), run(DEP, "{}\n"));
    }

    #[test]
    fn directives() {
        assert_eq!(run(DEP, "$patch: delete\n"), "<deleted>");
        let out = run(DEP, "spec:\n  template:\n    spec:\n      containers:\n      - {name: b, $patch: delete}\n");
        assert!(!out.contains("name: b"), "{out}");
        let out =
            run(DEP, "spec:\n  template:\n    spec:\n      containers:\n      - {name: z}\n      - $patch: replace\n");
        assert!(out.contains("name: z") && !out.contains("- name: a\n"), "{out}");
        let out = run(DEP, "spec:\n  template:\n    $patch: replace\n    spec: {}\n");
        assert!(!out.contains("containers"), "{out}");
        assert!(merge(yaml(DEP), yaml("spec:\n  $patch: nope\n"), Schemas::builtin(), &[]).is_err());
    }

    #[test]
    fn null_removes_and_kind_mismatch_fails() {
        let out = run(DEP, "spec:\n  template: null\n");
        assert!(!out.contains("template"), "{out}");
        assert!(merge(yaml(DEP), yaml("spec: 3\n"), Schemas::builtin(), &[]).is_err());
    }

    #[test]
    fn a_null_in_the_target_stays_unless_the_patch_names_it() {
        let target =
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  creationTimestamp: null\ndata:\n  a: null\n";
        let out = run(target, "data:\n  b: x\n");
        assert!(out.contains("creationTimestamp: null") && out.contains("a: null"), "{out}");
        let out = run(target, "data:\n  a: null\n");
        assert!(!out.contains("a: null"), "{out}");
    }

    #[test]
    fn port_without_protocol_finds_no_port_among_full_ones() {
        let svc = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n  - {port: 80, protocol: TCP, name: a}\n  - {port: 81, name: b}\n";
        let out = run(svc, "spec:\n  ports:\n  - {port: 80, name: x}\n");
        assert!(out.contains("name: a") && !out.contains("name: x"), "{out}");
        let out = run(svc, "spec:\n  ports:\n  - {port: 81, name: y}\n");
        assert!(out.contains("name: \"y\""), "{out}");
    }
}
