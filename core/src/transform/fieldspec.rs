//! Field specs: kustomize's data-driven "which field, in which kinds" paths
//! (`spec/template/spec/containers[]/image`), and walking a document along one.

// Used by the field-spec transformers (namespace, prefixes, labels, images...) as they land.
#![allow(dead_code)]

use crate::error::Result;
use crate::kustomization::FieldSpec;
use crate::resource::Gvk;
use crate::yaml::node::{Map, Node, Value};

/// One step of a field-spec path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// A map key.
    Key(String),
    /// A map key holding a list: every element (`containers[]`).
    Each(String),
}

/// Splits a path on `/` (a `\/` is a slash inside a key) into steps.
pub fn parse_path(path: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut cur = String::new();
    let mut chars = path.chars().peekable();
    let push = |cur: &mut String, steps: &mut Vec<Step>| {
        let seg = std::mem::take(cur);
        if seg.is_empty() {
            return;
        }
        match seg.strip_suffix("[]") {
            Some(key) => steps.push(Step::Each(key.to_string())),
            None => steps.push(Step::Key(seg)),
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'/') => {
                cur.push('/');
                chars.next();
            }
            '/' => push(&mut cur, &mut steps),
            c => cur.push(c),
        }
    }
    push(&mut cur, &mut steps);
    steps
}

/// Whether the spec's group, version and kind (empty = any) select `gvk`.
pub fn selects(spec: &FieldSpec, gvk: &Gvk) -> bool {
    (spec.group.is_empty() || spec.group == gvk.group)
        && (spec.version.is_empty() || spec.version == gvk.version)
        && (spec.kind.is_empty() || spec.kind == gvk.kind)
}

/// Calls `f` on every node the path reaches in `node`. With `create`, missing map fields are
/// made along the way (the last one as null, for `f` to fill).
pub fn walk(node: &mut Node, steps: &[Step], create: bool, f: &mut dyn FnMut(&mut Node) -> Result<()>) -> Result<()> {
    let Some((first, rest)) = steps.split_first() else {
        return f(node);
    };
    let key = match first {
        Step::Key(k) | Step::Each(k) => k,
    };
    let Value::Map(map) = &mut node.value else {
        return Ok(());
    };
    if !map.contains_key(key) {
        if !create || matches!(first, Step::Each(_)) {
            return Ok(());
        }
        let fresh = if rest.is_empty() { Node::null() } else { Node::new(Value::Map(Map::new())) };
        map.insert(key.clone(), fresh);
    }
    let Some(child) = map.get_mut(key) else { return Ok(()) };
    match first {
        Step::Key(_) => {
            if child.is_null() && !rest.is_empty() {
                if !create {
                    return Ok(());
                }
                child.value = Value::Map(Map::new());
            }
            walk(child, rest, create, f)
        }
        Step::Each(_) => match &mut child.value {
            Value::Seq(items) => {
                for item in items {
                    walk(item, rest, create, f)?;
                }
                Ok(())
            }
            _ => Ok(()),
        },
    }
}

/// Read-only walk: calls `f` on every node the path reaches.
pub fn visit<'a>(node: &'a Node, steps: &[Step], f: &mut dyn FnMut(&'a Node)) {
    let Some((first, rest)) = steps.split_first() else {
        f(node);
        return;
    };
    match first {
        Step::Key(k) => {
            if let Some(child) = node.get(k) {
                visit(child, rest, f);
            }
        }
        Step::Each(k) => {
            if let Some(items) = node.get(k).and_then(Node::as_seq) {
                for item in items {
                    visit(item, rest, f);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_on_unescaped_slashes() {
        assert_eq!(
            parse_path("spec/containers[]/image"),
            vec![Step::Key("spec".into()), Step::Each("containers".into()), Step::Key("image".into())]
        );
        assert_eq!(
            parse_path("metadata/annotations/a.io\\/b"),
            vec![Step::Key("metadata".into()), Step::Key("annotations".into()), Step::Key("a.io/b".into())]
        );
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

    #[test]
    fn walk_visits_every_list_element() {
        let mut containers = Vec::new();
        for name in ["a", "b"] {
            let mut c = Node::map();
            c.as_map_mut().unwrap().insert("image".into(), Node::string(name));
            containers.push(c);
        }
        let mut spec = Node::map();
        spec.as_map_mut().unwrap().insert("containers".into(), Node::seq(containers));
        let mut n = Node::map();
        n.as_map_mut().unwrap().insert("spec".into(), spec);
        let mut seen = Vec::new();
        visit(&n, &parse_path("spec/containers[]/image"), &mut |leaf| seen.push(leaf.as_str().unwrap().to_string()));
        assert_eq!(seen, ["a", "b"]);
    }
}
