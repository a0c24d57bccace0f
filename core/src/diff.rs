//! The semantic difference between two builds: which objects were added or removed, and for
//! objects in both, which fields changed (by path, with old and new values).

use crate::yaml::emit::emit_stream;
use crate::yaml::node::{Node, Value};
use crate::Build;
use std::collections::BTreeMap;
use std::fmt;

/// One difference between two builds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// An object only the second build has: `(id, yaml)`.
    Added(String, String),
    /// An object only the first build has: `(id)`.
    Removed(String),
    /// A field of an object both have: `(id, path, old, new)`; `None` when absent on that side.
    Field(String, String, Option<String>, Option<String>),
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Added(id, _) => write!(f, "+ {id}"),
            Change::Removed(id) => write!(f, "- {id}"),
            Change::Field(id, path, old, new) => {
                let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(absent)".to_string());
                write!(f, "~ {id}: {path}: {} -> {}", show(old), show(new))
            }
        }
    }
}

/// `Kind namespace/name` (or `Kind name` for objects without a namespace).
fn object_id(n: &Node) -> String {
    let kind = n.str_at(&["kind"]).unwrap_or("");
    let name = n.str_at(&["metadata", "name"]).unwrap_or("");
    match n.str_at(&["metadata", "namespace"]) {
        Some(ns) if !ns.is_empty() => format!("{kind} {ns}/{name}"),
        _ => format!("{kind} {name}"),
    }
}

/// What changed from `a` to `b`, objects in `a`'s order then the added ones in `b`'s.
pub fn diff(a: &Build, b: &Build) -> Vec<Change> {
    let index = |build: &Build| -> BTreeMap<String, usize> {
        build.resources.iter().enumerate().map(|(i, r)| (object_id(&r.node), i)).collect()
    };
    let (ia, ib) = (index(a), index(b));
    let mut out = Vec::new();
    for r in &a.resources {
        let id = object_id(&r.node);
        match ib.get(&id).and_then(|&i| b.resources.get(i)) {
            None => out.push(Change::Removed(id)),
            Some(other) => fields(&id, "", &r.node, &other.node, &mut out),
        }
    }
    for r in &b.resources {
        let id = object_id(&r.node);
        if !ia.contains_key(&id) {
            out.push(Change::Added(id, emit_stream(&[&r.node])));
        }
    }
    out
}

fn scalar(n: &Node) -> String {
    match &n.value {
        Value::Map(_) | Value::Seq(_) => {
            let text = emit_stream(&[n]);
            let one_line: Vec<&str> = text.lines().collect();
            if one_line.len() == 1 {
                one_line[0].to_string()
            } else {
                format!("{{{} lines}}", one_line.len())
            }
        }
        Value::Str(s) => format!("{s:?}"),
        _ => n.scalar_text().unwrap_or_default(),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// The key that identifies a list element, when all elements of both lists have a `name`.
fn element_key(n: &Node) -> Option<&str> {
    n.get("name").and_then(Node::as_str)
}

fn fields(id: &str, path: &str, a: &Node, b: &Node, out: &mut Vec<Change>) {
    if a == b {
        return;
    }
    match (&a.value, &b.value) {
        (Value::Map(ma), Value::Map(mb)) => {
            for (k, va) in ma {
                match mb.get(k) {
                    Some(vb) => fields(id, &join(path, k), va, vb, out),
                    None => out.push(Change::Field(id.into(), join(path, k), Some(scalar(va)), None)),
                }
            }
            for (k, vb) in mb {
                if !ma.contains_key(k) {
                    out.push(Change::Field(id.into(), join(path, k), None, Some(scalar(vb))));
                }
            }
        }
        (Value::Seq(sa), Value::Seq(sb)) => {
            let keyed = sa.iter().chain(sb).all(|n| element_key(n).is_some());
            if keyed {
                for ea in sa {
                    let k = element_key(ea).unwrap_or("");
                    let p = format!("{path}[{k}]");
                    match sb.iter().find(|eb| element_key(eb) == Some(k)) {
                        Some(eb) => fields(id, &p, ea, eb, out),
                        None => out.push(Change::Field(id.into(), p, Some(scalar(ea)), None)),
                    }
                }
                for eb in sb {
                    let k = element_key(eb).unwrap_or("");
                    if !sa.iter().any(|ea| element_key(ea) == Some(k)) {
                        out.push(Change::Field(id.into(), format!("{path}[{k}]"), None, Some(scalar(eb))));
                    }
                }
            } else {
                for i in 0..sa.len().max(sb.len()) {
                    let p = format!("{path}[{i}]");
                    match (sa.get(i), sb.get(i)) {
                        (Some(x), Some(y)) => fields(id, &p, x, y, out),
                        (x, y) => out.push(Change::Field(id.into(), p, x.map(scalar), y.map(scalar))),
                    }
                }
            }
        }
        _ => out.push(Change::Field(id.into(), path.to_string(), Some(scalar(a)), Some(scalar(b)))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{build, MemFs, Options};
    use camino::Utf8Path;

    #[test]
    fn reports_added_removed_and_changed_fields() {
        let deploy = |image: &str, replicas: u32| {
            format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: {replicas}\n  template:\n    spec:\n      containers:\n      - name: api\n        image: {image}\n      - name: side\n        image: s\n"
            )
        };
        let fs = MemFs::new()
            .with("a/kustomization.yaml", "resources:\n- d.yaml\n- ns.yaml\n")
            .with("a/d.yaml", deploy("api:1", 1))
            .with("a/ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: old\n")
            .with("b/kustomization.yaml", "resources:\n- d.yaml\n- cm.yaml\n")
            .with("b/d.yaml", deploy("api:2", 3))
            .with("b/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: x\n");
        let a = build(&fs, Utf8Path::new("/a"), &Options::default()).unwrap();
        let b = build(&fs, Utf8Path::new("/b"), &Options::default()).unwrap();
        let lines: Vec<String> = diff(&a, &b).iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "- Namespace old",
                "~ Deployment api: spec.replicas: 1 -> 3",
                "~ Deployment api: spec.template.spec.containers[api].image: \"api:1\" -> \"api:2\"",
                "+ ConfigMap x/c",
            ]
        );
        assert!(diff(&a, &a).is_empty());
    }
}
