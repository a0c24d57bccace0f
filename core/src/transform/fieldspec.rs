//! Field specs: kustomize's data-driven "which field, in which kinds" paths
//! (`spec/template/spec/containers[]/image`), and walking a document along one.
//!
//! The walk follows kustomize's rules: a list met on the way is entered element by element with
//! the same remaining path (so `[]` in a path is only a hint that the field is a list, and a path
//! without it still reaches inside lists); a missing or null field ends the walk, unless the spec
//! asks to create it (never for a `[]` step); a scalar met before the end of the path is an error.

use crate::error::{Error, Result};
use crate::kustomization::FieldSpec;
use crate::resource::{Gvk, NodePath, PathSeg, Resource};
use crate::yaml::node::{Map, Node, Value};
use foldhash::{HashMap, HashMapExt};

/// One segment of a field-spec path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SpecSegment {
    /// A map key.
    Key(String),
    /// A map key holding a list: every element (`containers[]`).
    Each(String),
}

impl SpecSegment {
    pub fn key(&self) -> &str {
        match self {
            SpecSegment::Key(k) | SpecSegment::Each(k) => k,
        }
    }
}

/// Splits a path on `/` (a `\\/` is a slash inside a key) into steps. A leading `/` is dropped
/// (`/metadata/labels` is `metadata/labels`); other empty segments are kept, as kustomize keeps
/// them (they name a field with an empty key).
pub fn parse_path(path: &str) -> Vec<SpecSegment> {
    let path = path.strip_prefix('/').unwrap_or(path);
    let step = |seg: &str| match seg.strip_suffix("[]") {
        Some(key) => SpecSegment::Each(key.to_string()),
        None => SpecSegment::Key(seg.to_string()),
    };
    if !path.contains('\\') {
        return path.split('/').map(step).collect();
    }
    let mut steps = Vec::new();
    let mut cur = String::new();
    let mut chars = path.chars().peekable();
    let push = |seg: String, steps: &mut Vec<SpecSegment>| match seg.strip_suffix("[]") {
        Some(key) => steps.push(SpecSegment::Each(key.to_string())),
        None => steps.push(SpecSegment::Key(seg)),
    };
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'/') => {
                cur.push('/');
                chars.next();
            }
            '/' => push(std::mem::take(&mut cur), &mut steps),
            c => cur.push(c),
        }
    }
    push(cur, &mut steps);
    steps
}

/// Which group, version and kind a spec applies to; an empty part matches anything.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct GvkSel {
    pub group: String,
    pub version: String,
    pub kind: String,
}

impl GvkSel {
    /// Whether `gvk` is selected (kustomize's `Gvk.IsSelected`).
    pub fn selects(&self, gvk: &Gvk) -> bool {
        (self.group.is_empty() || self.group == gvk.group)
            && (self.version.is_empty() || self.version == gvk.version)
            && (self.kind.is_empty() || self.kind == gvk.kind)
    }

    /// Whether this selector selects everything `other` selects and `other` names every part
    /// this one names (kustomize's "effectively equal" key for merging spec lists).
    fn selected_by(&self, other: &GvkSel) -> bool {
        (other.group.is_empty() || other.group == self.group)
            && (other.version.is_empty() || other.version == self.version)
            && (other.kind.is_empty() || other.kind == self.kind)
    }

    /// kustomize's `Kind.version.group` form, with `[noKind]` and friends.
    pub fn id_string(&self) -> String {
        crate::resource::id_string(&self.group, &self.version, &self.kind)
    }
}

/// A field spec with its path already split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec {
    pub gvk: GvkSel,
    pub path: String,
    pub steps: Vec<SpecSegment>,
    pub create: bool,
}

impl Spec {
    pub fn new(gvk: GvkSel, path: &str, create: bool) -> Spec {
        Spec { gvk, path: path.to_string(), steps: parse_path(path), create }
    }

    /// A spec for every kind.
    pub fn any(path: &str, create: bool) -> Spec {
        Spec::new(GvkSel::default(), path, create)
    }

    pub fn from_field_spec(fs: &FieldSpec) -> Spec {
        let gvk = GvkSel { group: fs.group.clone(), version: fs.version.clone(), kind: fs.kind.clone() };
        Spec::new(gvk, &fs.path, fs.create)
    }

    /// Whether this spec applies to objects of `gvk`.
    pub fn selects(&self, gvk: &Gvk) -> bool {
        self.gvk.selects(gvk)
    }

    /// Wraps a walk error the way kustomize reports it.
    pub fn error(&self, id: &str, e: Error) -> Error {
        Error::new(format!("considering field '{}' of object {id}: {}", self.path, e.message()))
    }
}

/// kustomize's order for field-spec lists (`Gvk.IsLessThan`): by the kind's legacy-order rank,
/// then by the `Kind.version.group` string.
pub fn gvk_order_key(gvk: &GvkSel) -> (i64, String) {
    (crate::resource::Gvk::legacy_rank(&gvk.kind), gvk.id_string())
}

/// Sorts a spec list in kustomize's order (after every merge, as kustomize does).
pub fn sort_specs(list: &mut [Spec]) {
    list.sort_by_cached_key(|s| gvk_order_key(&s.gvk));
}

/// Merges `incoming` into `list` as kustomize's FsSlice.MergeAll: an incoming spec is dropped
/// when the first entry with the same path whose selector it covers is already there, and that
/// entry differing in `create` is an error. The list is not re-sorted here. Returns whether
/// anything was added.
pub fn merge_specs(list: &mut Vec<Spec>, incoming: &[Spec]) -> Result<bool> {
    if incoming.is_empty() {
        return Ok(false);
    }
    // Positions by path, in list order (those already there, then those added here): only specs
    // with the same path can be "the same". Keys borrow the specs; the list grows at the end.
    let added: Vec<usize> = {
        let at = |i: usize| if i < list.len() { list.get(i) } else { incoming.get(i - list.len()) };
        let mut by_path: HashMap<&str, Vec<usize>> = HashMap::with_capacity(list.len() + incoming.len());
        for (i, s) in list.iter().enumerate() {
            by_path.entry(s.path.as_str()).or_default().push(i);
        }
        let mut added = Vec::new();
        for (j, x) in incoming.iter().enumerate() {
            let same = by_path.entry(x.path.as_str()).or_default();
            let found = same.iter().copied().filter_map(at).find(|s| s.gvk.selected_by(&x.gvk));
            match found {
                Some(existing) if existing.create != x.create => {
                    return Err(Error::new(format!(
                        "conflicting fieldspecs: '{}' for {} (create: {}) and for {} (create: {})",
                        x.path,
                        existing.gvk.id_string(),
                        existing.create,
                        x.gvk.id_string(),
                        x.create
                    )));
                }
                Some(_) => {}
                None => {
                    same.push(list.len() + j);
                    added.push(j);
                }
            }
        }
        added
    };
    list.extend(added.iter().filter_map(|&j| incoming.get(j)).cloned());
    Ok(!added.is_empty())
}

/// Merges one spec into `list` (see [`merge_specs`]).
pub fn merge_spec(list: &mut Vec<Spec>, x: Spec) -> Result<()> {
    merge_specs(list, std::slice::from_ref(&x)).map(|_| ())
}

/// Calls `f` on every node the path reaches in `node`. With `create`, missing (or null) map
/// fields are made along the way: maps in the middle, a null at the end for `f` to fill.
pub fn walk(
    node: &mut Node,
    steps: &[SpecSegment],
    create: bool,
    f: &mut dyn FnMut(&mut Node) -> Result<()>,
) -> Result<()> {
    walk_at(node, steps, create, &mut Vec::new(), &mut |n, _| f(n))
}

/// A step of the way a walk took: a key of the spec's path (borrowed from it, so that walking
/// allocates nothing for the path) or a list index.
#[derive(Clone, Copy, Debug)]
pub enum Taken<'s> {
    Key(&'s str),
    Index(usize),
}

/// The document path of the steps `taken`.
pub fn field_path(taken: &[Taken]) -> NodePath {
    let seg = |t: &Taken| match *t {
        Taken::Key(k) => PathSeg::Key(k.to_string()),
        Taken::Index(i) => PathSeg::Index(i),
    };
    taken.iter().map(seg).collect()
}

/// [`walk`], telling `f` where each node it reaches is in the document.
pub fn walk_at<'s>(
    node: &mut Node,
    steps: &'s [SpecSegment],
    create: bool,
    at: &mut Vec<Taken<'s>>,
    f: &mut dyn FnMut(&mut Node, &[Taken<'s>]) -> Result<()>,
) -> Result<()> {
    let Some((first, rest)) = steps.split_first() else {
        return f(node, at);
    };
    match &mut node.value {
        Value::Seq(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                at.push(Taken::Index(i));
                let res = walk_at(item, steps, create, at, f);
                at.pop();
                res?;
            }
            Ok(())
        }
        Value::Map(map) => {
            let key = first.key();
            let present = map.get(key).is_some_and(|c| !c.is_null());
            if !present {
                if !create || matches!(first, SpecSegment::Each(_)) {
                    return Ok(());
                }
                let fresh = if rest.is_empty() { Node::null() } else { Node::new(Value::Map(Map::default())) };
                map.insert(key.to_string(), fresh);
            }
            match map.get_mut(key) {
                Some(child) => {
                    at.push(Taken::Key(key));
                    let res = walk_at(child, rest, create, at, f);
                    at.pop();
                    res
                }
                None => Ok(()),
            }
        }
        Value::Null => Ok(()),
        _ => Err(Error::new("expected sequence or mapping node")),
    }
}

#[allow(dead_code)] // for the replacement and var steps
/// Read-only walk: calls `f` on every node the path reaches (lists entered as by [`walk`]).
pub fn visit<'a>(node: &'a Node, steps: &[SpecSegment], f: &mut dyn FnMut(&'a Node)) {
    let Some((first, rest)) = steps.split_first() else {
        f(node);
        return;
    };
    match &node.value {
        Value::Seq(items) => {
            for item in items {
                visit(item, steps, f);
            }
        }
        Value::Map(map) => {
            if let Some(child) = map.get(first.key()).filter(|c| !c.is_null()) {
                visit(child, rest, f);
            }
        }
        _ => {}
    }
}

/// Sets `key` to a string in the map `node` (a null becomes a map), as kustomize's SetEntry.
/// Returns true when it made the entry, false when it wrote over one.
pub fn set_entry(node: &mut Node, key: &str, value: &str) -> Result<bool> {
    if node.is_null() {
        node.value = Value::Map(Map::default());
    }
    match &mut node.value {
        Value::Map(m) => match m.get_mut(key) {
            Some(existing) => {
                existing.value = Value::Str(value.to_string());
                Ok(false)
            }
            None => {
                m.insert(key.to_string(), Node::string(value));
                Ok(true)
            }
        },
        other => Err(Error::new(format!("wrong node kind: expected MappingNode but got a {}", other.type_name()))),
    }
}

/// Sets every `(key, value)` pair in the maps the specs reach (labels, annotations), in every
/// resource whose current type a spec selects.
///
/// kustomize makes one value node per key and object, and every field that gets the key
/// *created* holds that same node; writing over an existing entry copies into the node it
/// holds, so the fields still sharing one change together (see [`Resource::shared`]). A value
/// written over here reaches the fields it shares a node with; the entries made here for one
/// key in several fields become a new shared value.
pub fn set_entries(resources: &mut [Resource], specs: &[Spec], pairs: &[(String, String)]) -> Result<()> {
    if pairs.is_empty() {
        return Ok(());
    }
    // The entries made, as (pair, field): one list for all, allocated only if one is made.
    let mut created: Vec<(usize, NodePath)> = Vec::new();
    let mut at = Vec::new();
    for r in resources.iter_mut() {
        let gvk = r.gvk();
        for spec in specs {
            if !spec.selects(&gvk) {
                continue;
            }
            walk_at(&mut r.node, &spec.steps, spec.create, &mut at, &mut |n, at| {
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if set_entry(n, k, v)? {
                        let mut path = field_path(at);
                        path.push(PathSeg::Key(k.clone()));
                        created.push((i, path));
                    }
                }
                Ok(())
            })
            .map_err(|e| spec.error(&r.id().to_string(), e))?;
            at.clear();
        }
        r.sync_shared();
        if created.is_empty() {
            continue;
        }
        for (i, (_, v)) in pairs.iter().enumerate() {
            let paths = created.iter_mut().filter(|(j, _)| *j == i).map(|(_, p)| std::mem::take(p)).collect();
            r.share(paths, Node::string(v));
        }
        created.clear();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leading_slash_is_dropped_and_other_empty_segments_kept() {
        assert_eq!(parse_path("/spec/selector"), parse_path("spec/selector"));
        assert_eq!(parse_path("/"), vec![SpecSegment::Key(String::new())]);
        assert_eq!(parse_path("a//b").len(), 3);
    }

    #[test]
    fn paths_split_on_unescaped_slashes() {
        assert_eq!(
            parse_path("spec/containers[]/image"),
            vec![
                SpecSegment::Key("spec".into()),
                SpecSegment::Each("containers".into()),
                SpecSegment::Key("image".into())
            ]
        );
        assert_eq!(
            parse_path("metadata/annotations/a.io\\/b"),
            vec![
                SpecSegment::Key("metadata".into()),
                SpecSegment::Key("annotations".into()),
                SpecSegment::Key("a.io/b".into())
            ]
        );
    }

    #[test]
    fn entries_created_together_change_together_until_a_field_is_written_over() {
        let Ok(Some(doc)) = crate::yaml::read::parse_one(
            "kind: D\nmetadata: {name: a, labels: {own: x}}\nspec: {selector: {}}\n",
            crate::yaml::read::Schema::V3,
        ) else {
            panic!("test document reads")
        };
        let mut rs = vec![Resource::new(doc, "r.yaml".into())];
        let both = [Spec::any("metadata/labels", true), Spec::any("spec/selector", true)];
        set_entries(&mut rs, &both, &[("k".into(), "one".into()), ("own".into(), "y".into())]).unwrap();
        // `k` was made in both fields; `own` existed in one.
        assert_eq!(rs[0].shared.len(), 1);
        set_entries(&mut rs, &both[..1], &[("k".into(), "two".into())]).unwrap();
        assert_eq!(rs[0].node.str_at(&["spec", "selector", "k"]), Some("two"));
        rs[0].shared.clear();
        set_entries(&mut rs, &both[..1], &[("k".into(), "three".into())]).unwrap();
        assert_eq!(rs[0].node.str_at(&["spec", "selector", "k"]), Some("two"));
    }

    #[test]
    fn walk_creates_only_when_asked() {
        let mut n = Node::map();
        let steps = parse_path("spec/selector");
        walk(&mut n, &steps, false, &mut |_| panic!("must not reach a missing field")).unwrap();
        assert!(n.get("spec").is_none());
        let mut hits = 0;
        walk(&mut n, &steps, true, &mut |leaf| {
            hits += 1;
            assert!(leaf.is_null());
            leaf.value = Value::Str("x".into());
            Ok(())
        })
        .unwrap();
        assert_eq!(hits, 1);
        assert_eq!(n.str_at(&["spec", "selector"]), Some("x"));
    }

    fn containers(names: &[&str]) -> Node {
        let mut containers = Vec::new();
        for name in names {
            let mut c = Node::map();
            c.as_map_mut().unwrap().insert("image".into(), Node::string(*name));
            containers.push(c);
        }
        let mut spec = Node::map();
        spec.as_map_mut().unwrap().insert("containers".into(), Node::seq(containers));
        let mut n = Node::map();
        n.as_map_mut().unwrap().insert("spec".into(), spec);
        n
    }

    #[test]
    fn lists_are_entered_with_or_without_brackets() {
        let n = containers(&["a", "b"]);
        for path in ["spec/containers[]/image", "spec/containers/image"] {
            let mut seen = Vec::new();
            visit(&n, &parse_path(path), &mut |leaf| seen.push(leaf.as_str().unwrap().to_string()));
            assert_eq!(seen, ["a", "b"]);
        }
    }

    #[test]
    fn a_scalar_in_the_middle_is_an_error() {
        let mut n = containers(&["a"]);
        let err = walk(&mut n, &parse_path("spec/containers/image/x"), true, &mut |_| Ok(())).unwrap_err();
        assert_eq!(err.message(), "expected sequence or mapping node");
    }

    #[test]
    fn merging_skips_covered_specs_and_refuses_conflicts() {
        let any = Spec::any("metadata/labels", true);
        let dep = Spec::new(GvkSel { kind: "Deployment".into(), ..GvkSel::default() }, "metadata/labels", true);
        let mut list = vec![dep.clone()];
        merge_spec(&mut list, any.clone()).unwrap();
        assert_eq!(list.len(), 1, "a kind-less spec covers the Deployment one");
        let mut list = vec![any.clone()];
        merge_spec(&mut list, dep).unwrap();
        assert_eq!(list.len(), 2);
        let mut conflicting = any.clone();
        conflicting.create = false;
        assert!(merge_spec(&mut list, conflicting).is_err());
    }
}
