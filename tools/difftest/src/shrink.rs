//! Shrinking a disagreeing tree: greedy, coarse to fine. Candidate edits are, in order,
//! dropping a file, a document, then any map entry or list item (shallow ones first, so
//! whole subtrees go early), a line of a text file; then simplifying what is left: an anchor
//! replaced by its node, a flow collection printed as block, a scalar's tag dropped, its
//! style made plain or double-quoted, its text halved or replaced by `x`. An edit is kept
//! when the predicate (the disagreement persists with the same character) still holds; the
//! loop runs until no edit is kept or the deadline passes.

use crate::tree::{File, Tree};
use crate::yaml::{plain_safe, Layout, Style, Y};
use std::collections::HashMap;
use std::time::Instant;

#[derive(Clone, Debug)]
enum Edit {
    RemoveFile(String),
    RemoveDoc(String, usize),
    RemoveNode(String, usize, Vec<usize>),
    ReplaceNode(String, usize, Vec<usize>, Y),
    RemoveLine(String, usize),
}

/// The smallest tree found for which `keeps` holds, starting from `tree` (for which it holds).
pub fn shrink(tree: &Tree, deadline: Instant, mut keeps: impl FnMut(&Tree) -> bool) -> Tree {
    let mut best = tree.clone();
    let mut seen: HashMap<String, bool> = HashMap::new();
    let mut i = 0;
    let mut progressed = false;
    while Instant::now() < deadline {
        let edits = edits(&best);
        if i >= edits.len() {
            if !progressed {
                break;
            }
            i = 0;
            progressed = false;
            continue;
        }
        let Some(cand) = apply(&best, &edits[i]) else {
            i += 1;
            continue;
        };
        if cand == best {
            i += 1;
            continue;
        }
        let key = cand.listing();
        let ok = match seen.get(&key) {
            Some(&r) => r,
            None => {
                let r = keeps(&cand);
                seen.insert(key, r);
                r
            }
        };
        if ok {
            best = cand;
            progressed = true;
        } else {
            i += 1;
        }
    }
    best
}

fn edits(tree: &Tree) -> Vec<Edit> {
    let mut removals = Vec::new();
    let mut simplifications = Vec::new();
    for (path, file) in &tree.files {
        removals.push(Edit::RemoveFile(path.clone()));
        match file {
            File::Yaml { docs, .. } => {
                if docs.len() > 1 {
                    for d in 0..docs.len() {
                        removals.push(Edit::RemoveDoc(path.clone(), d));
                    }
                }
                // breadth first: shallow nodes before deep ones
                let mut level: Vec<(usize, Vec<usize>, &Y)> =
                    docs.iter().enumerate().map(|(d, y)| (d, vec![], y)).collect();
                while !level.is_empty() {
                    let mut next = Vec::new();
                    for (d, p, y) in level {
                        if !p.is_empty() {
                            removals.push(Edit::RemoveNode(path.clone(), d, p.clone()));
                        }
                        for s in simpler(y) {
                            simplifications.push(Edit::ReplaceNode(path.clone(), d, p.clone(), s));
                        }
                        for (i, c) in children(y).into_iter().enumerate() {
                            let mut q = p.clone();
                            q.push(i);
                            next.push((d, q, c));
                        }
                    }
                    level = next;
                }
            }
            File::Lines { lines, .. } => {
                for l in 0..lines.len() {
                    removals.push(Edit::RemoveLine(path.clone(), l));
                }
            }
            File::Bytes(_) => {}
        }
    }
    removals.extend(simplifications);
    removals
}

fn children(y: &Y) -> Vec<&Y> {
    match y {
        Y::Map { entries, .. } => entries.iter().map(|(_, v)| v).collect(),
        Y::Seq { items, .. } => items.iter().collect(),
        Y::Anchor { node, .. } => vec![node],
        _ => vec![],
    }
}

/// Simpler versions of one node (not counting its children).
fn simpler(y: &Y) -> Vec<Y> {
    let mut out = Vec::new();
    match y {
        Y::Anchor { node, .. } => out.push((**node).clone()),
        Y::Map { entries, layout } if *layout != Layout::Block => {
            out.push(Y::Map { entries: entries.clone(), layout: Layout::Block })
        }
        Y::Seq { items, layout } if *layout != Layout::Block => {
            out.push(Y::Seq { items: items.clone(), layout: Layout::Block })
        }
        Y::Scalar { text, style, tag } => {
            if tag.is_some() {
                out.push(Y::Scalar { text: text.clone(), style: *style, tag: None });
            }
            if *style != Style::Plain && plain_safe(text) {
                out.push(Y::Scalar { text: text.clone(), style: Style::Plain, tag: tag.clone() });
            } else if matches!(style, Style::Literal(..) | Style::Folded(..) | Style::Single) {
                out.push(Y::Scalar { text: text.clone(), style: Style::Double, tag: tag.clone() });
            }
            let n = text.chars().count();
            if n > 2 {
                let half: String = text.chars().take(n / 2).collect();
                out.push(Y::Scalar { text: half, style: *style, tag: tag.clone() });
            }
            if text != "x" {
                out.push(Y::Scalar { text: "x".into(), style: Style::Plain, tag: None });
            }
        }
        _ => {}
    }
    out
}

fn apply(tree: &Tree, edit: &Edit) -> Option<Tree> {
    let mut t = tree.clone();
    match edit {
        Edit::RemoveFile(p) => {
            t.files.remove(p);
        }
        Edit::RemoveDoc(p, d) => {
            if let Some(File::Yaml { docs, .. }) = t.files.get_mut(p) {
                if *d < docs.len() {
                    docs.remove(*d);
                }
            }
        }
        Edit::RemoveLine(p, l) => {
            if let Some(File::Lines { lines, .. }) = t.files.get_mut(p) {
                if *l < lines.len() {
                    lines.remove(*l);
                }
            }
        }
        Edit::RemoveNode(p, d, path) => {
            let (last, parent) = path.split_last()?;
            let node = doc_node(&mut t, p, *d, parent)?;
            match node {
                Y::Map { entries, .. } if *last < entries.len() => {
                    entries.remove(*last);
                }
                Y::Seq { items, .. } if *last < items.len() => {
                    items.remove(*last);
                }
                _ => return None,
            }
        }
        Edit::ReplaceNode(p, d, path, y) => {
            *doc_node(&mut t, p, *d, path)? = y.clone();
        }
    }
    Some(t)
}

fn doc_node<'a>(t: &'a mut Tree, file: &str, d: usize, path: &[usize]) -> Option<&'a mut Y> {
    let Some(File::Yaml { docs, .. }) = t.files.get_mut(file) else { return None };
    let mut node = docs.get_mut(d)?;
    for &i in path {
        node = match node {
            Y::Map { entries, .. } => &mut entries.get_mut(i)?.1,
            Y::Seq { items, .. } => items.get_mut(i)?,
            Y::Anchor { node, .. } => node,
            _ => return None,
        };
    }
    Some(node)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn tree() -> Tree {
        let mut t = Tree::default();
        let doc = Y::map(vec![
            ("kind", Y::s("ConfigMap")),
            (
                "data",
                Y::map(vec![("a", Y::s("keep me")), ("b", Y::q("noise")), ("c", Y::seq(vec![Y::s("1"), Y::s("2")]))]),
            ),
        ]);
        t.files.insert(
            "root/kustomization.yaml".into(),
            File::yaml(vec![Y::map(vec![("resources", Y::seq(vec![Y::s("cm.yaml")]))])]),
        );
        t.files.insert("root/cm.yaml".into(), File::yaml(vec![doc, Y::map(vec![("other", Y::s("doc"))])]));
        t.files.insert(
            "root/unused.env".into(),
            File::Lines { lines: vec!["A=1".into(), "B=2".into()], final_newline: true },
        );
        t
    }

    #[test]
    fn shrinking_keeps_only_what_the_predicate_needs() {
        let deadline = Instant::now() + Duration::from_secs(30);
        let small = shrink(&tree(), deadline, |t| t.listing().contains("keep me"));
        assert_eq!(small.listing(), "# root/cm.yaml\ndata:\n  a: keep me\n");
    }

    #[test]
    fn shrinking_simplifies_scalars_that_do_not_matter() {
        let deadline = Instant::now() + Duration::from_secs(30);
        let small = shrink(&tree(), deadline, |t| t.files.get("root/cm.yaml").is_some_and(|f| f.size() >= 4));
        let text = small.listing();
        assert!(!text.contains("noise") && !text.contains("keep me"), "{text}");
    }

    #[test]
    fn a_predicate_that_never_holds_leaves_the_tree_as_it_was() {
        let t = tree();
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut calls = 0;
        assert_eq!(
            shrink(&t, deadline, |_| {
                calls += 1;
                false
            }),
            t
        );
        assert!(calls > 0);
    }
}
