//! The semantic difference between two builds: which objects were added or removed, and for
//! objects in both, which fields changed (by path, with old and new values).

use crate::yaml::emit::emit_stream;
use crate::yaml::node::{Node, Value};
use crate::{Build, ObjectId};
use std::collections::BTreeMap;
use std::fmt;

/// One difference between two builds.
///
/// Objects are matched by kind, namespace and name (an object whose `apiVersion` changed is
/// the same object with a changed field). Prints as the lines of `kcompile diff`: `+ id`,
/// `- id`, `~ id: path: old -> new`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change {
    /// An object only the second build has.
    #[non_exhaustive]
    Added {
        /// The object's id.
        id: ObjectId,
        /// The object printed alone, as kustomize prints it.
        yaml: String,
    },
    /// An object only the first build has.
    #[non_exhaustive]
    Removed {
        /// The object's id.
        id: ObjectId,
    },
    /// A field of an object both builds have.
    #[non_exhaustive]
    Field {
        /// The object's id in the first build.
        id: ObjectId,
        /// The field: keys joined by `.`, list items as `[name]` when every item has a
        /// `name`, else `[index]`.
        path: String,
        /// The first build's value, on one line (strings quoted, `{N lines}` for a longer
        /// map or list); `None` when absent.
        old: Option<String>,
        /// The second build's value, likewise.
        new: Option<String>,
    },
}

impl Change {
    /// The id of the object that changed.
    pub fn id(&self) -> &ObjectId {
        match self {
            Change::Added { id, .. } | Change::Removed { id } | Change::Field { id, .. } => id,
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Added { id, .. } => write!(f, "+ {id}"),
            Change::Removed { id } => write!(f, "- {id}"),
            Change::Field { id, path, old, new } => {
                let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(absent)".to_string());
                write!(f, "~ {id}: {path}: {} -> {}", show(old), show(new))
            }
        }
    }
}

/// What changed from `a` to `b`, objects in `a`'s order then the added ones in `b`'s.
///
/// ```
/// use kcompile::{build, diff, Change, MemFs, Options};
///
/// let cm = |v: &str| format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  mode: {v}\n");
/// let fs = MemFs::new()
///     .with("a/kustomization.yaml", "resources:\n- cm.yaml\n")
///     .with("a/cm.yaml", cm("slow"))
///     .with("b/kustomization.yaml", "resources:\n- cm.yaml\n")
///     .with("b/cm.yaml", cm("fast"));
/// let (a, b) = (build(&fs, "a".as_ref(), &Options::default())?, build(&fs, "b".as_ref(), &Options::default())?);
/// let changes = diff(&a, &b);
/// assert_eq!(changes[0].to_string(), "~ ConfigMap c: data.mode: \"slow\" -> \"fast\"");
/// assert!(matches!(&changes[0], Change::Field { path, .. } if path == "data.mode"));
/// # Ok::<(), kcompile::Error>(())
/// ```
pub fn diff(a: &Build, b: &Build) -> Vec<Change> {
    // Objects match by kind, namespace and name: what an `ObjectId` prints.
    let ids = |build: &Build| -> Vec<(ObjectId, String)> {
        let id_and_key = |id: ObjectId| {
            let key = id.to_string();
            (id, key)
        };
        build.resources.iter().map(|r| id_and_key(ObjectId::of(&r.node))).collect()
    };
    let (ida, idb) = (ids(a), ids(b));
    let index = |ids: &[(ObjectId, String)]| -> BTreeMap<String, usize> {
        ids.iter().enumerate().map(|(i, (_, key))| (key.clone(), i)).collect()
    };
    let (ia, ib) = (index(&ida), index(&idb));
    let mut out = Vec::new();
    for (r, (id, key)) in a.resources.iter().zip(ida) {
        match ib.get(&key).and_then(|&i| b.resources.get(i)) {
            None => out.push(Change::Removed { id }),
            Some(other) => fields(&id, "", &r.node, &other.node, &mut out),
        }
    }
    for (r, (id, key)) in b.resources.iter().zip(idb) {
        if !ia.contains_key(&key) {
            out.push(Change::Added { id, yaml: emit_stream(&[&r.node]) });
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

/// A changed field of the object `id`.
fn field(id: &ObjectId, path: impl Into<String>, old: Option<String>, new: Option<String>) -> Change {
    Change::Field { id: id.clone(), path: path.into(), old, new }
}

fn fields(id: &ObjectId, path: &str, a: &Node, b: &Node, out: &mut Vec<Change>) {
    if a == b {
        return;
    }
    match (&a.value, &b.value) {
        (Value::Map(ma), Value::Map(mb)) => {
            for (k, va) in ma {
                match mb.get(k) {
                    Some(vb) => fields(id, &join(path, k), va, vb, out),
                    None => out.push(field(id, join(path, k), Some(scalar(va)), None)),
                }
            }
            for (k, vb) in mb {
                if !ma.contains_key(k) {
                    out.push(field(id, join(path, k), None, Some(scalar(vb))));
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
                        None => out.push(field(id, p, Some(scalar(ea)), None)),
                    }
                }
                for eb in sb {
                    let k = element_key(eb).unwrap_or("");
                    if !sa.iter().any(|ea| element_key(ea) == Some(k)) {
                        out.push(field(id, format!("{path}[{k}]"), None, Some(scalar(eb))));
                    }
                }
            } else {
                for i in 0..sa.len().max(sb.len()) {
                    let p = format!("{path}[{i}]");
                    match (sa.get(i), sb.get(i)) {
                        (Some(x), Some(y)) => fields(id, &p, x, y, out),
                        (x, y) => out.push(field(id, p, x.map(scalar), y.map(scalar))),
                    }
                }
            }
        }
        _ => out.push(field(id, path.to_string(), Some(scalar(a)), Some(scalar(b)))),
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
        let changes = diff(&a, &b);
        let lines: Vec<String> = changes.iter().map(ToString::to_string).collect();
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
        let Change::Field { id, path, old, new } = &changes[1] else { panic!("{:?}", changes[1]) };
        assert_eq!((id.group.as_str(), id.version.as_str(), id.kind.as_str()), ("apps", "v1", "Deployment"));
        assert_eq!((path.as_str(), old.as_deref(), new.as_deref()), ("spec.replicas", Some("1"), Some("3")));
        assert!(matches!(&changes[3], Change::Added { id, yaml } if id.namespace == "x" && yaml.contains("name: c\n")));
    }
}
