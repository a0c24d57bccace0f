//! Provenance tracking for `kcompile explain`: where each field of the output got its value.
//!
//! The tracer is optional and off for `build` (`Ctx::tracer` is `None`; every hook then
//! returns at once). When on, every resource gets a trace id the first time a step sees it, and
//! each leaf of its document (scalars, empty maps and lists) is attributed to where it was
//! read: the resource's file and the leaf's line. A step (a patch, a transformer, a generator,
//! a whole-tree fix-up) is bracketed by [`begin`] and [`end`]: `begin` copies every document,
//! `end` compares each with its copy and attributes the leaves that changed or appeared to the
//! step. No transformer knows it is being traced.
//!
//! Steps nest (a `transformers:` entry runs a patch through the same code as `patches:`): only
//! the outermost one is recorded.

use crate::resource::{PathSeg, Resource};
use crate::yaml::node::{Node, Pos, Value};
use camino::{Utf8Path, Utf8PathBuf};
use foldhash::{HashMap, HashMapExt};
use std::fmt;

/// Where a field's value came from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Origin {
    /// What set it: `resource` (read from a file as it is), a kustomization field and index
    /// (`patches[0]`, `patchesStrategicMerge[1]`, `patchesJson6902[0]`, `images[2]`,
    /// `replicas[0]`, `labels[0]`, `replacements[0]`, `configMapGenerator[0]`,
    /// `secretGenerator[0]`, `transformers[0]`, `generators[0]`), a kustomization field
    /// (`namespace`, `namePrefix`, `nameSuffix`, `commonLabels`, `commonAnnotations`), or a
    /// whole-build step (`hash suffix`, `name reference`, `vars`, `buildMetadata`).
    pub step: String,
    /// The file the value is written in (the resource, the patch file), or else the file that
    /// configures the step (a kustomization, a transformer configuration).
    pub file: Option<Utf8PathBuf>,
    /// 1-based line in `file`.
    pub line: Option<u32>,
    /// For a patch read from its own file: the kustomization that lists it.
    pub kustomization: Option<Utf8PathBuf>,
    /// For a patch read from its own file: the line of its entry in `kustomization`.
    pub kustomization_line: Option<u32>,
    /// More about the step, e.g. a replacement's source or a generator's name (may be empty).
    pub detail: String,
    /// When `file` was fetched (it lies in the checkout of a remote base, or is an HTTP file):
    /// the URL that names it, as a kustomization would list it (`REPO//PATH?ref=REF`), which
    /// [`describe`](Origin::describe) shows instead of the path in the cache.
    pub url: Option<String>,
}

impl Origin {
    /// A one-line description, with paths relative to `base` when they are below it.
    pub fn describe(&self, base: Option<&Utf8Path>) -> String {
        let show = |p: &Utf8Path| match base.and_then(|b| p.strip_prefix(b).ok()) {
            Some(rel) if !rel.as_str().is_empty() => rel.to_string(),
            _ => p.to_string(),
        };
        let mut out = String::new();
        if self.step != "resource" {
            out.push_str(&self.step);
        }
        if let Some(file) = &self.file {
            if !out.is_empty() {
                out.push(' ');
            }
            match &self.url {
                Some(url) => out.push_str(url),
                None => out.push_str(&show(file)),
            }
            if let Some(line) = self.line {
                out.push_str(&format!(":{line}"));
            }
        }
        if !self.detail.is_empty() {
            out.push_str(&format!(" ({})", self.detail));
        }
        out
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(None))
    }
}

/// What a step reports about itself.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Attribution {
    pub origin: Origin,
    /// Whether the positions of the nodes the step brings in are lines of `origin.file` (a
    /// patch read from a file) rather than of something else (inline text, generated values).
    pub leaf_lines: bool,
}

impl Attribution {
    /// A step configured at `pos` of the kustomization `file`, its values not from a file.
    pub fn at(step: impl Into<String>, file: &Utf8Path, pos: Pos) -> Attribution {
        Attribution {
            origin: Origin {
                step: step.into(),
                file: Some(file.to_owned()),
                line: line(pos),
                kustomization: None,
                kustomization_line: None,
                detail: String::new(),
                url: None,
            },
            leaf_lines: false,
        }
    }

    /// A step with no file (whole-tree fix-ups).
    pub fn bare(step: impl Into<String>, detail: impl Into<String>) -> Attribution {
        Attribution {
            origin: Origin {
                step: step.into(),
                file: None,
                line: None,
                kustomization: None,
                kustomization_line: None,
                detail: detail.into(),
                url: None,
            },
            leaf_lines: false,
        }
    }

    /// A patch listed at `pos` of the kustomization `kust`: read from `patch_file`, whose lines
    /// the patched fields then carry, or inline.
    pub fn patch(step: impl Into<String>, patch_file: Option<Utf8PathBuf>, kust: &Utf8Path, pos: Pos) -> Attribution {
        match patch_file {
            Some(file) => Attribution {
                origin: Origin {
                    step: step.into(),
                    file: Some(file),
                    line: None,
                    kustomization: Some(kust.to_owned()),
                    kustomization_line: line(pos),
                    detail: String::new(),
                    url: None,
                },
                leaf_lines: true,
            },
            None => Attribution::at(step, kust, pos).detail("inline"),
        }
    }

    /// The same step, the positions of the nodes it brings in being lines of its file.
    pub fn with_leaf_lines(mut self) -> Attribution {
        self.leaf_lines = true;
        self
    }

    /// The same step with a detail.
    pub fn detail(mut self, detail: impl Into<String>) -> Attribution {
        self.origin.detail = detail.into();
        self
    }
}

fn line(pos: Pos) -> Option<u32> {
    (!pos.is_synthetic()).then_some(pos.line)
}

/// Where a leaf came from: a step (index into `Tracer::steps`) and a line (0: the step's own).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Src {
    step: u32,
    line: u32,
}

/// The origins of a document's leaves, shaped like the document.
#[derive(Clone, Debug)]
enum Tree {
    Leaf(Src),
    Map(HashMap<String, Tree>),
    Seq(Vec<Tree>),
}

/// The tracer of one build.
#[derive(Debug, Default)]
pub struct Tracer {
    steps: Vec<Attribution>,
    interned: HashMap<Attribution, u32>,
    trees: HashMap<u32, Tree>,
    /// Documents as they were when the current step began, by trace id.
    before: HashMap<u32, Node>,
    /// How many steps are open (only the outermost is recorded).
    depth: u32,
    next: u32,
    /// The checkouts of remote bases read so far: root, clone URL, ref as written.
    checkouts: Vec<(Utf8PathBuf, String, String)>,
}

/// Chooses the step of a changed leaf, when it is not the step's own.
pub type Refine<'a> = &'a dyn Fn(&Node) -> Option<Attribution>;

/// A step begins: see the module documentation.
pub fn begin(tracer: &mut Option<Tracer>, resources: &mut [Resource]) {
    if let Some(t) = tracer {
        t.begin(resources);
    }
}

/// A step ends: what changed since [`begin`] is attributed to the step `what` makes.
pub fn end(tracer: &mut Option<Tracer>, resources: &mut [Resource], what: impl FnOnce() -> Attribution) {
    if let Some(t) = tracer {
        t.end(resources, what, None);
    }
}

/// [`end`], with the step for each changed leaf chosen by `refine` when it returns one.
pub fn end_refined(
    tracer: &mut Option<Tracer>,
    resources: &mut [Resource],
    what: impl FnOnce() -> Attribution,
    refine: Refine<'_>,
) {
    if let Some(t) = tracer {
        t.end(resources, what, Some(refine));
    }
}

impl Tracer {
    fn intern(&mut self, step: Attribution) -> u32 {
        if let Some(&i) = self.interned.get(&step) {
            return i;
        }
        let i = self.steps.len() as u32;
        self.steps.push(step.clone());
        self.interned.insert(step, i);
        i
    }

    /// Gives untraced resources a trace id, their leaves attributed to their file.
    pub fn introduce(&mut self, resources: &mut [Resource]) {
        for r in resources.iter_mut().filter(|r| r.trace == 0) {
            let step = self.intern(Attribution {
                origin: Origin {
                    step: "resource".into(),
                    file: Some(r.origin.clone()),
                    line: None,
                    kustomization: None,
                    kustomization_line: None,
                    detail: String::new(),
                    url: None,
                },
                leaf_lines: true,
            });
            self.adopt(r, step, true);
        }
    }

    fn adopt(&mut self, r: &mut Resource, step: u32, leaf_lines: bool) {
        self.next += 1;
        r.trace = self.next;
        let tree = fresh(&r.node, &mut |n: &Node| Src { step, line: if leaf_lines { n.pos.line } else { 0 } });
        self.trees.insert(r.trace, tree);
    }

    fn begin(&mut self, resources: &mut [Resource]) {
        self.depth += 1;
        if self.depth > 1 {
            return;
        }
        self.introduce(resources);
        self.before = resources.iter().map(|r| (r.trace, r.node.clone())).collect();
    }

    fn end(&mut self, resources: &mut [Resource], what: impl FnOnce() -> Attribution, refine: Option<Refine<'_>>) {
        self.depth = self.depth.saturating_sub(1);
        if self.depth > 0 {
            return;
        }
        let step = what();
        let leaf_lines = step.leaf_lines;
        let id = self.intern(step);
        let before = std::mem::take(&mut self.before);
        for r in resources.iter_mut() {
            if r.trace == 0 {
                // Made by the step (a generator): all of it is the step's.
                self.adopt(r, id, leaf_lines);
                continue;
            }
            let Some(old) = before.get(&r.trace) else { continue };
            if *old == r.node {
                continue;
            }
            let tree = self.trees.remove(&r.trace).unwrap_or(Tree::Map(HashMap::new()));
            let Tracer { steps, interned, .. } = self;
            let mut src = |n: &Node| {
                if let Some(s) = refine.and_then(|f| f(n)) {
                    let step = match interned.get(&s) {
                        Some(&i) => i,
                        None => {
                            let i = steps.len() as u32;
                            steps.push(s.clone());
                            interned.insert(s, i);
                            i
                        }
                    };
                    return Src { step, line: 0 };
                }
                Src { step: id, line: if leaf_lines { n.pos.line } else { 0 } }
            };
            let tree = update(tree, old, &r.node, &mut src);
            self.trees.insert(r.trace, tree);
        }
    }

    /// Where the leaf at `path` of the traced resource `trace` came from; `None` for maps and
    /// lists that are not empty, and for paths the tracer does not know.
    pub fn origin(&self, trace: u32, path: &[PathSeg]) -> Option<Origin> {
        let mut t = self.trees.get(&trace)?;
        for seg in path {
            t = match (t, seg) {
                (Tree::Map(m), PathSeg::Key(k)) => m.get(k)?,
                (Tree::Seq(s), PathSeg::Index(i)) => s.get(*i)?,
                _ => return None,
            };
        }
        let Tree::Leaf(src) = t else { return None };
        let step = self.steps.get(src.step as usize)?;
        let mut origin = step.origin.clone();
        if src.line != 0 {
            origin.line = Some(src.line);
        }
        origin.url = origin.file.as_deref().and_then(|f| self.url_of(f));
        Some(origin)
    }

    /// Files read from `root` came from the repository `repo` at `git_ref` (as written; empty
    /// for the default branch): origins name them by URL.
    pub fn checkout(&mut self, root: &Utf8Path, repo: &str, git_ref: &str) {
        if !self.checkouts.iter().any(|(r, ..)| r == root) {
            self.checkouts.push((root.to_owned(), repo.to_string(), git_ref.to_string()));
        }
    }

    /// The URL naming `file` when it was fetched: an HTTP file is its URL, a file of a
    /// checkout `REPO//PATH?ref=REF`.
    fn url_of(&self, file: &Utf8Path) -> Option<String> {
        if crate::remote::is_remote_file(file.as_str()) {
            return Some(file.to_string());
        }
        let (root, repo, git_ref) = self.checkouts.iter().find(|(root, ..)| file.starts_with(root))?;
        let path = file.strip_prefix(root).ok()?;
        let query = if git_ref.is_empty() { String::new() } else { format!("?ref={git_ref}") };
        Some(format!("{repo}//{path}{query}"))
    }
}

/// A tree whose every leaf comes from `src`.
fn fresh(n: &Node, src: &mut dyn FnMut(&Node) -> Src) -> Tree {
    match &n.value {
        Value::Map(m) if !m.is_empty() => Tree::Map(m.iter().map(|(k, v)| (k.clone(), fresh(v, src))).collect()),
        Value::Seq(s) if !s.is_empty() => Tree::Seq(s.iter().map(|v| fresh(v, src)).collect()),
        _ => Tree::Leaf(src(n)),
    }
}

/// The key that identifies an item of a list of maps across changes (how strategic merge
/// matches most lists).
fn item_key(n: &Node) -> Option<(&'static str, &Node)> {
    const KEYS: &[&str] = &["name", "mountPath", "containerPort", "port", "key", "path", "ip", "topologyKey"];
    let m = n.as_map()?;
    KEYS.iter().find_map(|k| m.get(*k).filter(|v| v.as_map().is_none() && v.as_seq().is_none()).map(|v| (*k, v)))
}

/// The origin tree of `after`, given that of `before`: unchanged parts keep their origins,
/// changed and new leaves come from `src`.
fn update(tree: Tree, before: &Node, after: &Node, src: &mut dyn FnMut(&Node) -> Src) -> Tree {
    match (&before.value, &after.value, tree) {
        (Value::Map(bm), Value::Map(am), Tree::Map(mut old)) if !am.is_empty() => {
            let mut out = HashMap::with_capacity(am.len());
            for (k, av) in am {
                let t = match (bm.get(k), old.remove(k)) {
                    (Some(bv), Some(t)) if bv == av => t,
                    (Some(bv), Some(t)) => update(t, bv, av, src),
                    _ => fresh(av, src),
                };
                out.insert(k.clone(), t);
            }
            Tree::Map(out)
        }
        (Value::Seq(bs), Value::Seq(items), Tree::Seq(old)) if !items.is_empty() => {
            let mut old: Vec<Option<Tree>> = old.into_iter().map(Some).collect();
            let mut used = vec![false; bs.len()];
            let mut out = Vec::with_capacity(items.len());
            for (j, a) in items.iter().enumerate() {
                let free = |i: usize, used: &[bool]| !used.get(i).copied().unwrap_or(true);
                let mut pick = (bs.get(j) == Some(a) && free(j, &used)).then_some(j);
                if pick.is_none() {
                    if let Some((key, v)) = item_key(a) {
                        pick = (0..bs.len()).find(|&i| free(i, &used) && bs[i].get(key) == Some(v));
                    }
                }
                if pick.is_none() && bs.len() <= 256 {
                    pick = (0..bs.len()).find(|&i| free(i, &used) && bs[i] == *a);
                }
                if pick.is_none() && free(j, &used) && item_key(a).is_none() {
                    pick = (j < bs.len()).then_some(j);
                }
                let t = match pick.and_then(|i| Some((i, old.get_mut(i)?.take()?))) {
                    Some((i, t)) => {
                        used[i] = true;
                        if bs[i] == *a {
                            t
                        } else {
                            update(t, &bs[i], a, src)
                        }
                    }
                    None => fresh(a, src),
                };
                out.push(t);
            }
            Tree::Seq(out)
        }
        (_, _, t) if before == after && matches!(t, Tree::Leaf(_)) => t,
        _ => fresh(after, src),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::read::{parse_one, Schema};

    fn doc(s: &str) -> Node {
        parse_one(s, Schema::V3).unwrap().unwrap()
    }

    fn origin_of(t: &Tracer, r: &Resource, path: &[&str]) -> Option<(String, Option<u32>)> {
        let path: Vec<PathSeg> = path
            .iter()
            .map(|s| match s.parse::<usize>() {
                Ok(i) => PathSeg::Index(i),
                Err(_) => PathSeg::Key(s.to_string()),
            })
            .collect();
        t.origin(r.trace, &path).map(|o| (o.step, o.line))
    }

    #[test]
    fn changed_and_new_leaves_go_to_the_step_the_rest_stays() {
        let mut rs = vec![Resource::new(
            doc("kind: A\nspec:\n  items:\n  - name: a\n    v: 1\n  - name: b\n    v: 2\n"),
            "/r.yaml".into(),
        )];
        let mut tracer = Some(Tracer::default());
        begin(&mut tracer, &mut rs);
        // A new item in front, a changed value, a new field.
        rs[0].node =
            doc("kind: A\nspec:\n  items:\n  - name: z\n  - name: a\n    v: 1\n  - name: b\n    v: 3\n  x: y\n");
        end(&mut tracer, &mut rs, || Attribution::at("patches[0]", Utf8Path::new("/k.yaml"), Pos::new(9, 3)));
        let t = tracer.as_ref().unwrap();
        let r = &rs[0];
        assert_eq!(origin_of(t, r, &["kind"]), Some(("resource".into(), Some(1))));
        assert_eq!(origin_of(t, r, &["spec", "items", "0", "name"]), Some(("patches[0]".into(), Some(9))));
        // `a` moved to index 1 and keeps its origin.
        assert_eq!(origin_of(t, r, &["spec", "items", "1", "v"]), Some(("resource".into(), Some(5))));
        assert_eq!(origin_of(t, r, &["spec", "items", "2", "v"]), Some(("patches[0]".into(), Some(9))));
        assert_eq!(origin_of(t, r, &["spec", "x"]), Some(("patches[0]".into(), Some(9))));
        assert_eq!(origin_of(t, r, &["spec"]), None);
    }

    #[test]
    fn nested_steps_record_the_outermost() {
        let mut rs = vec![Resource::new(doc("a: 1\n"), "/r.yaml".into())];
        let mut tracer = Some(Tracer::default());
        begin(&mut tracer, &mut rs);
        begin(&mut tracer, &mut rs);
        rs[0].node = doc("a: 2\n");
        end(&mut tracer, &mut rs, || Attribution::bare("inner", ""));
        end(&mut tracer, &mut rs, || Attribution::bare("outer", ""));
        assert_eq!(origin_of(tracer.as_ref().unwrap(), &rs[0], &["a"]), Some(("outer".into(), None)));
    }

    #[test]
    fn no_tracer_no_work() {
        let mut rs = vec![Resource::new(doc("a: 1\n"), "/r.yaml".into())];
        let mut tracer: Option<Tracer> = None;
        begin(&mut tracer, &mut rs);
        end(&mut tracer, &mut rs, || unreachable!("the step is not described when nothing is traced"));
        assert_eq!(rs[0].trace, 0);
    }
}
