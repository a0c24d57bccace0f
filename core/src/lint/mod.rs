//! `kcompile lint`: things that build fine but are probably not what the author meant.
//!
//! Each rule looks at the built output or at what the build read; every finding names a file
//! (and a position where there is one), carries the rule's id and severity, and says what to
//! do. The rules are listed in [`RULES`]; each lives in its own file of this directory, named
//! after its id. A kustomization turns rules off for everything it builds with a comment line
//! `# kcompile:allow RULE[, RULE...]` (see [`allow`]).

mod allow;
mod hpa_fixed_replicas;
mod immutable_fixed_name;
mod ingress_path_shadowed;
mod node_pool_toleration;
mod pdb_unsatisfiable;
mod placeholder;
mod references;
mod selector_matches_nothing;
mod unknown_port_name;
mod unreferenced_file;
mod workloads;

use crate::diagnostics::Diagnostic;
use crate::error::Result;
use crate::fs::{FileKind, FileSystem};
use crate::kustomization::Kustomization;
use crate::load::{LoadedKustomization, Observer, KUSTOMIZATION_FILE_NAMES};
use crate::pipeline::Options;
use crate::resource::Resource;
use crate::yaml::node::{Node, Pos};
use camino::{Utf8Path, Utf8PathBuf};
use foldhash::{HashMap, HashMapExt};
use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Something will break at deploy or run time (pods without their secrets, never ready,
    /// never scheduled; an apply the API server rejects). `kcompile lint` exits with 1.
    Error,
    /// Probably not what the author meant. `kcompile lint` exits with 1 only with
    /// `--deny warnings`.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A rule: its id, default severity and what it looks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rule {
    /// The id findings carry and `# kcompile:allow` names, e.g. `namespace-mismatch`.
    pub id: &'static str,
    /// How serious its findings are.
    pub severity: Severity,
    /// One sentence: what the rule finds.
    pub summary: &'static str,
}

/// Every rule `kcompile lint` runs, in the order it runs them.
pub const RULES: &[Rule] = &[
    Rule {
        id: "unmatched-target",
        severity: Severity::Warning,
        summary: "A patch or replacement target that selects no object, so it changes nothing.",
    },
    Rule {
        id: "deprecated-field",
        severity: Severity::Warning,
        summary: "A deprecated kustomization field, with its modern form.",
    },
    Rule {
        id: "unreferenced-file",
        severity: Severity::Warning,
        summary: "A data file in a kustomization's directory that the build never reads.",
    },
    Rule {
        id: "list-merge-trap",
        severity: Severity::Warning,
        summary: "A strategic-merge patch listing some elements of a list merged by key: the others stay.",
    },
    Rule {
        id: "unpinned-image",
        severity: Severity::Warning,
        summary: "An image with no tag or digest, or tagged 'latest' (an error in a production overlay).",
    },
    Rule {
        id: "unreplaced-placeholder",
        severity: Severity::Error,
        summary: "An image or value that still holds a template placeholder (IMAGE_TAG, ${...}, {{ ... }}, REPLACE_ME).",
    },
    Rule {
        id: "dangling-reference",
        severity: Severity::Warning,
        summary: "A required reference to a ConfigMap, Secret, ServiceAccount or claim that is not in the build.",
    },
    Rule {
        id: "namespace-mismatch",
        severity: Severity::Error,
        summary: "A workload refers to a ConfigMap or Secret that the build makes in another namespace (optional references included).",
    },
    Rule {
        id: "hpa-fixed-replicas",
        severity: Severity::Warning,
        summary: "A workload scaled by a HorizontalPodAutoscaler that also gets a replica count from the kustomization.",
    },
    Rule {
        id: "pdb-unsatisfiable",
        severity: Severity::Warning,
        summary: "A PodDisruptionBudget that can never allow an eviction (minAvailable at or above the replicas, maxUnavailable 0).",
    },
    Rule {
        id: "selector-matches-nothing",
        severity: Severity::Warning,
        summary: "A Service, PodDisruptionBudget, NetworkPolicy or HPA whose selector or target matches no workload of the build.",
    },
    Rule {
        id: "ingress-path-shadowed",
        severity: Severity::Warning,
        summary: "An Ingress path listed after a prefix path that already matches it.",
    },
    Rule {
        id: "immutable-fixed-name",
        severity: Severity::Error,
        summary: "An immutable ConfigMap or Secret whose name does not change with its content.",
    },
    Rule {
        id: "node-pool-toleration",
        severity: Severity::Error,
        summary: "A nodeSelector for a tainted pool without the toleration the other workloads have for it, or the reverse.",
    },
    Rule {
        id: "unknown-port-name",
        severity: Severity::Error,
        summary: "A probe, lifecycle hook or Service targetPort naming a port the container does not declare.",
    },
    Rule {
        id: "unknown-rule",
        severity: Severity::Warning,
        summary: "A `# kcompile:allow` comment naming a rule that does not exist.",
    },
];

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// A place related to a finding (the generator of an object, the other workload...).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Note {
    /// What this place is.
    pub message: String,
    /// The file.
    pub file: Utf8PathBuf,
    /// 1-based line, when known.
    pub line: Option<u32>,
    /// 1-based column, when known.
    pub column: Option<u32>,
}

/// One lint finding.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    /// The rule's id, e.g. `dangling-reference`.
    pub rule: &'static str,
    /// The rule's severity.
    pub severity: Severity,
    /// What is wrong and what to do.
    pub message: String,
    /// The file concerned.
    pub file: Option<Utf8PathBuf>,
    /// 1-based line in `file`, when known.
    pub line: Option<u32>,
    /// 1-based column in `file`, when known.
    pub column: Option<u32>,
    /// Related places.
    pub notes: Vec<Note>,
}

impl Finding {
    fn new(rule: &'static str, message: String, file: Option<&Utf8Path>, pos: Option<Pos>) -> Finding {
        let pos = pos.filter(|p| !p.is_synthetic());
        Finding {
            rule,
            severity: self::rule(rule).map_or(Severity::Warning, |r| r.severity),
            message,
            file: file.map(Utf8Path::to_owned),
            line: pos.map(|p| p.line),
            column: pos.map(|p| p.col),
            notes: Vec::new(),
        }
    }

    fn note(mut self, message: String, file: &Utf8Path, pos: Option<Pos>) -> Finding {
        self.add_note(message, file, pos);
        self
    }

    fn add_note(&mut self, message: String, file: &Utf8Path, pos: Option<Pos>) {
        let pos = pos.filter(|p| !p.is_synthetic());
        self.notes.push(Note { message, file: file.to_owned(), line: pos.map(|p| p.line), column: pos.map(|p| p.col) });
    }
}

/// What the build read, as its loader read it: lint's [`Observer`]. Lint reads no file the
/// build read.
#[derive(Default)]
struct Seen {
    /// Every file the build read, by real path, with its bytes (`None`: the read failed, or the
    /// session's cache held the file's resources).
    files: RefCell<HashMap<Utf8PathBuf, Option<Vec<u8>>>>,
    /// Every kustomization the build loaded, as loaded.
    kustomizations: RefCell<Vec<KFile>>,
}

impl Observer for Seen {
    fn file(&self, real: &Utf8Path, bytes: Option<&[u8]>) {
        let mut files = self.files.borrow_mut();
        let slot = files.entry(real.to_owned()).or_default();
        if slot.is_none() {
            *slot = bytes.map(<[u8]>::to_vec);
        }
    }

    fn kustomization(&self, loaded: &LoadedKustomization, text: &str, doc: &Node) {
        self.kustomizations.borrow_mut().push(KFile {
            dir: loaded.dir.clone(),
            file: loaded.file.clone(),
            text: text.to_owned(),
            node: doc.clone(),
            k: Some(loaded.kustomization.clone()),
        });
    }
}

/// A kustomization file, with the document and typed form the rules that look at what it says
/// read (its `# kcompile:allow` comments, its patches, generators and replica counts).
pub(crate) struct KFile {
    pub dir: Utf8PathBuf,
    pub file: Utf8PathBuf,
    pub text: String,
    /// The document (kustomizations use YAML 1.1 rules; null when empty or not YAML).
    pub node: Node,
    /// The typed form: set for the kustomizations the build loaded.
    pub k: Option<Kustomization>,
}

/// The kustomization files lint looks at: every one the build loaded, as its loader read and
/// parsed it, and those of directories around them, which lint reads itself (at most once each)
/// to tell a base from an overlay and to find files named in comments.
pub(crate) struct Kustomizations<'a> {
    fs: &'a dyn FileSystem,
    /// The build's, one per directory, by directory.
    built: Vec<Rc<KFile>>,
    /// Those lint read, by directory (`None`: the directory has none).
    around: RefCell<HashMap<Utf8PathBuf, Option<Rc<KFile>>>>,
}

impl<'a> Kustomizations<'a> {
    fn new(fs: &'a dyn FileSystem, mut built: Vec<KFile>) -> Kustomizations<'a> {
        built.sort_by(|a, b| a.dir.cmp(&b.dir));
        built.dedup_by(|a, b| a.dir == b.dir);
        Kustomizations { fs, built: built.into_iter().map(Rc::new).collect(), around: RefCell::default() }
    }

    /// The kustomizations the build loaded, by directory.
    pub fn built(&self) -> &[Rc<KFile>] {
        &self.built
    }

    /// The kustomization file of `dir` (a real path), if it has one: the build's, else read.
    pub fn in_dir(&self, dir: &Utf8Path) -> Option<Rc<KFile>> {
        if let Ok(i) = self.built.binary_search_by(|k| k.dir.as_path().cmp(dir)) {
            return Some(self.built[i].clone());
        }
        let mut around = self.around.borrow_mut();
        around
            .entry(dir.to_owned())
            .or_insert_with(|| {
                KUSTOMIZATION_FILE_NAMES.iter().find_map(|name| {
                    let file = dir.join(name);
                    let text = String::from_utf8_lossy(&self.fs.read(&file).ok()?).into_owned();
                    let node = crate::yaml::read::parse_one(&text, crate::yaml::read::Schema::V11)
                        .ok()
                        .flatten()
                        .unwrap_or_else(Node::null);
                    Some(Rc::new(KFile { dir: dir.to_owned(), file, text, node, k: None }))
                })
            })
            .clone()
    }
}

/// What every rule may look at.
pub(crate) struct Input<'a> {
    pub resources: &'a [Resource],
    pub warnings: &'a [Diagnostic],
    /// Every file the build read, by real path, with its bytes when this build read them.
    pub read: &'a HashMap<Utf8PathBuf, Option<Vec<u8>>>,
    pub fs: &'a dyn FileSystem,
    /// Every kustomization file the build read, and those around them.
    pub kustomizations: Kustomizations<'a>,
    /// Whether the root is meant for production (see [`is_production`]).
    pub production: bool,
    /// Workloads, names and autoscalers, indexed.
    pub index: workloads::Index<'a>,
    /// Whether the root is a piece other kustomizations build on (see [`is_base`]).
    pub base: bool,
}

/// Whether the kustomization of `root` (a real path) is a `kind: Component`.
fn is_component(ks: &Kustomizations, root: &Utf8Path) -> bool {
    ks.in_dir(root).is_some_and(|k| k.node.str_at(&["kind"]) == Some("Component"))
}

/// Whether `root` is a piece meant to be built on rather than applied: a `kind: Component`,
/// or a directory that a kustomization near it lists in `resources`, `bases` or `components`:
/// one in its parent or grandparent directory or up to two levels below them (`config/manager`,
/// listed by `config/default`; `base`, listed by `overlays/prod`). What such a piece leaves out (an image
/// tag, an object it refers to) is for the kustomizations that build on it to add.
pub(crate) fn is_base(ks: &Kustomizations, root: &Utf8Path) -> bool {
    let fs = ks.fs;
    let root = fs.real_path(root).unwrap_or_else(|_| crate::fs::normalize(root));
    if is_component(ks, &root) {
        return true;
    }
    // The parent and grandparent directories, and the directories up to two levels below
    // them (`../overlays/prod` lists `../../base`), at most a few hundred.
    let mut dirs: Vec<Utf8PathBuf> = Vec::new();
    for ancestor in root.ancestors().skip(1).take(2) {
        let mut level = vec![ancestor.to_owned()];
        for _ in 0..=2 {
            let mut next = Vec::new();
            for dir in &level {
                if dirs.len() >= 500 || dirs.contains(dir) || *dir == root {
                    continue;
                }
                dirs.push(dir.clone());
                for name in fs.list(dir).unwrap_or_default() {
                    let child = dir.join(&name);
                    if !name.starts_with('.') && fs.kind(&child).ok() == Some(FileKind::Dir) {
                        next.push(child);
                    }
                }
            }
            level = next;
        }
    }
    dirs.iter().any(|dir| {
        let Some(kf) = ks.in_dir(dir) else { return false };
        ["resources", "bases", "components"].iter().any(|field| {
            kf.node
                .get(field)
                .and_then(Node::as_seq)
                .into_iter()
                .flatten()
                .filter_map(Node::as_str)
                .any(|entry| crate::fs::normalize(&dir.join(entry)) == root)
        })
    })
}

/// Whether a root directory is meant for production: its name, split at `-`, `_` and `.`, has
/// a part `prod`, `production` or `prd` (`overlays/prod`, `eu-production`, `api.prd`).
pub(crate) fn is_production(root: &Utf8Path) -> bool {
    root.file_name().is_some_and(|n| {
        n.split(['-', '_', '.']).any(|p| matches!(p.to_ascii_lowercase().as_str(), "prod" | "production" | "prd"))
    })
}

impl Input<'_> {
    /// The generator entry that made `r`, if a configMapGenerator or secretGenerator of a
    /// kustomization file did: (kustomization file, entry position, field name).
    pub fn generator_of(&self, r: &Resource) -> Option<(&Utf8Path, Pos, &'static str)> {
        r.generated.as_ref()?;
        let kf = self.kustomizations.built().iter().find(|k| k.file == r.origin)?;
        let k = kf.k.as_ref()?;
        let names: Vec<&str> = std::iter::once(r.name()).chain(r.previous.iter().map(|(n, _)| n.as_str())).collect();
        let (field, list) = match r.kind() {
            "Secret" => ("secretGenerator", &k.secret_generator),
            _ => ("configMapGenerator", &k.config_map_generator),
        };
        let entry = list.iter().find(|g| names.contains(&g.name.as_str()))?;
        Some((&kf.file, entry.pos, field))
    }

    /// The text of a file the build read, as it read it (`real`: a real path). A file this
    /// build did not read itself (the session's cache held its resources) is read now.
    pub fn text_of(&self, real: &Utf8Path) -> Option<Cow<'_, str>> {
        match self.read.get(real) {
            Some(Some(bytes)) => Some(String::from_utf8_lossy(bytes)),
            _ => self.fs.read(real).ok().map(|b| Cow::Owned(String::from_utf8_lossy(&b).into_owned())),
        }
    }
}

/// A patch a kustomization applies: where its text is, the text, its target selector, and the
/// position of its entry in the kustomization file.
pub(crate) struct PatchSource<'a> {
    /// The file the text is in (the kustomization file itself for inline patches).
    pub file: Utf8PathBuf,
    pub inline: bool,
    pub text: Cow<'a, str>,
    pub target: Option<&'a crate::kustomization::PatchTarget>,
    pub entry: (&'a Utf8Path, Pos),
}

impl KFile {
    /// The patches of `patches`, `patchesJson6902` and `patchesStrategicMerge`, in that order,
    /// with their text as the build read it.
    pub fn patch_sources<'a>(&'a self, ctx: &'a Input) -> Vec<PatchSource<'a>> {
        let mut out = Vec::new();
        let Some(k) = &self.k else { return out };
        let fs = ctx.fs;
        let read = |rel: &str| {
            let path = self.dir.join(rel);
            let text = ctx.text_of(&fs.real_path(&path).unwrap_or(path.clone()))?;
            Some((path, text))
        };
        let entry = |pos: Pos| (self.file.as_path(), pos);
        for p in k.patches.iter().chain(&k.patches_json6902) {
            match (&p.path, &p.patch) {
                (Some(path), _) => {
                    if let Some((file, text)) = read(path) {
                        out.push(PatchSource {
                            file,
                            inline: false,
                            text,
                            target: p.target.as_ref(),
                            entry: entry(p.pos),
                        });
                    }
                }
                (None, Some(text)) => out.push(PatchSource {
                    file: self.file.clone(),
                    inline: true,
                    text: Cow::Borrowed(text),
                    target: p.target.as_ref(),
                    entry: entry(p.pos),
                }),
                _ => {}
            }
        }
        for e in &k.patches_strategic_merge {
            if e.value.contains('\n') {
                out.push(PatchSource {
                    file: self.file.clone(),
                    inline: true,
                    text: Cow::Borrowed(&e.value),
                    target: None,
                    entry: entry(e.pos),
                });
            } else if let Some((file, text)) = read(&e.value) {
                out.push(PatchSource { file, inline: false, text, target: None, entry: entry(e.pos) });
            }
        }
        out
    }
}

/// Whether a patch target selector (kind and name are regular expressions, as kustomize reads
/// them) can select an object of `kind` known by one of `names`.
pub(crate) fn selector_selects(sel: &crate::kustomization::PatchTarget, kind: &str, names: &[&str]) -> bool {
    let matches = |pattern: &Option<String>, values: &[&str]| match pattern {
        None => true,
        Some(p) => match regex::Regex::new(&format!("^(?:{p})$")) {
            Ok(re) => values.iter().any(|v| re.is_match(v)),
            Err(_) => values.contains(&p.as_str()),
        },
    };
    matches(&sel.kind, &[kind]) && matches(&sel.name, names)
}

/// Builds `root` and reports what looks wrong. A build error is returned as an error.
///
/// ```
/// use kcompile::{lint, MemFs, Options, Severity};
///
/// let fs = MemFs::new()
///     .with("app/kustomization.yaml", "resources:\n- cm.yaml\n")
///     .with("app/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n")
///     .with("app/forgotten.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: f\n");
/// let findings = lint(&fs, "app".as_ref(), &Options::default())?;
/// let f = findings.iter().find(|f| f.rule == "unreferenced-file").unwrap();
/// assert_eq!((f.severity, f.file.as_deref().map(|p| p.as_str())), (Severity::Warning, Some("/app/forgotten.yaml")));
/// # Ok::<(), kcompile::Error>(())
/// ```
pub fn lint(fs: &dyn FileSystem, root: &Utf8Path, options: &Options) -> Result<Vec<Finding>> {
    lint_with(fs, root, options, None)
}

/// [`lint`], with a session's cache of parsed files.
pub(crate) fn lint_with(
    fs: &dyn FileSystem,
    root: &Utf8Path,
    options: &Options,
    cache: Option<&crate::load::Cache>,
) -> Result<Vec<Finding>> {
    let seen = Seen::default();
    let inner = crate::pipeline::run_with(fs, root, options, cache, false, Some(&seen))?;
    let read = seen.files.into_inner();
    let kustomizations = Kustomizations::new(fs, seen.kustomizations.into_inner());
    let real_root = fs.real_path(root).unwrap_or_else(|_| crate::fs::normalize(root));
    let ctx = Input {
        resources: &inner.resources,
        warnings: &inner.sink.warnings,
        read: &read,
        fs,
        base: is_base(&kustomizations, root),
        kustomizations,
        production: is_production(root),
        index: workloads::Index::new(&inner.resources),
    };
    let mut out = Vec::new();
    unmatched_targets(&inner.sink.unmatched, &mut out);
    deprecated_fields(&ctx, &mut out);
    unreferenced_file::check(&ctx, &mut out);
    list_merge_traps(&ctx, &mut out);
    images(&ctx, &mut out);
    placeholder::check(&ctx, &mut out);
    references::check(&ctx, &mut out);
    hpa_fixed_replicas::check(&ctx, &mut out);
    pdb_unsatisfiable::check(&ctx, &mut out);
    selector_matches_nothing::check(&ctx, &mut out);
    ingress_path_shadowed::check(&ctx, &mut out);
    immutable_fixed_name::check(&ctx, &mut out);
    node_pool_toleration::check(&ctx, &mut out);
    unknown_port_name::check(&ctx, &mut out);
    if is_component(&ctx.kustomizations, &real_root) {
        // Built alone, a component sees none of the objects it is meant to patch and select.
        out.retain(|f| !matches!(f.rule, "unmatched-target" | "selector-matches-nothing"));
    }
    allow::apply(&ctx, root, &mut out);
    Ok(out)
}

/// Deprecated kustomization fields, with the modern form: what the loader recorded.
fn deprecated_fields(ctx: &Input, out: &mut Vec<Finding>) {
    const MODERN: &[(&str, &str)] = &[
        ("bases", "list the directories under 'resources'"),
        ("commonLabels", "use 'labels' with 'includeSelectors: true' (to keep selectors) or false"),
        ("patchesStrategicMerge", "use 'patches' with 'path:' (or 'patch:' for inline patches)"),
        ("patchesJson6902", "use 'patches' with 'path:' or 'patch:' and a 'target'"),
        ("vars", "use 'replacements'"),
        ("imageTags", "use 'images'"),
    ];
    let mut found: Vec<(&Utf8Path, Pos, &str, &str)> = ctx
        .warnings
        .iter()
        .filter(|d| d.kind == crate::diagnostics::DiagnosticKind::DeprecatedField)
        .filter_map(|d| {
            let (file, pos, field) = (d.file.as_deref()?, d.pos?, d.field?);
            let (field, modern) = MODERN.iter().find(|(f, _)| *f == field)?;
            Some((file, pos, *field, *modern))
        })
        .collect();
    // By directory, then as written.
    found.sort_by(|a, b| (a.0.parent(), a.1.line).cmp(&(b.0.parent(), b.1.line)));
    for (file, pos, field, modern) in found {
        out.push(Finding::new(
            "deprecated-field",
            format!("'{field}' is deprecated: {modern}"),
            Some(file),
            Some(Pos::new(pos.line, 1)),
        ));
    }
}

/// Strategic-merge patches that list some elements of a list kustomize merges by key (like
/// `initContainers`, merged by name): the elements they leave out stay in the output, which is
/// often not what the author meant. Only container lists whose listed elements are written out
/// whole (with their `image`), all of which the object already had as its resource file wrote
/// it, count: that is a list restated as it should be. A patch adding a sidecar, adding `env`
/// entries or setting one container's `resources` means to merge.
fn list_merge_traps(ctx: &Input, out: &mut Vec<Finding>) {
    use crate::yaml::read::{parse_stream, Schema};
    // Resource files parsed again, to compare patches with objects as they were written.
    let mut originals: HashMap<Utf8PathBuf, Vec<Node>> = HashMap::new();
    for kf in ctx.kustomizations.built() {
        // Strategic-merge patches: those with no target (a JSON 6902 patch has one).
        for source in kf.patch_sources(ctx).into_iter().filter(|p| p.target.is_none()) {
            let Ok(docs) = parse_stream(&source.text, Schema::V3) else { continue };
            for patch in docs.iter().filter(|d| d.as_map().is_some()) {
                let (Some(api), Some(kind), Some(name)) =
                    (patch.str_at(&["apiVersion"]), patch.str_at(&["kind"]), patch.str_at(&["metadata", "name"]))
                else {
                    continue;
                };
                let Some(target) = ctx.index.named(kind, name).next() else {
                    continue;
                };
                let docs = originals.entry(target.origin.clone()).or_insert_with(|| {
                    let text = ctx.text_of(&target.origin);
                    text.and_then(|t| parse_stream(&t, Schema::V3).ok()).unwrap_or_default()
                });
                let first_name = target.previous.first().map_or(target.name(), |(n, _)| n.as_str());
                let Some(original) = docs
                    .iter()
                    .find(|d| d.str_at(&["kind"]) == Some(kind) && d.str_at(&["metadata", "name"]) == Some(first_name))
                else {
                    continue;
                };
                let schemas = crate::transform::openapi::Schemas::builtin();
                let sch = schemas.for_kind(api, kind).map(|id| (schemas, id));
                let what = format!("{kind} {name}");
                trap_walk(patch, Some(original), sch, "", &what, &source.file, out);
            }
        }
    }
}

fn trap_walk(
    patch: &Node,
    output: Option<&Node>,
    sch: crate::transform::openapi::Sch<'_>,
    path: &str,
    what: &str,
    file: &Utf8Path,
    out: &mut Vec<Finding>,
) {
    use crate::transform::openapi::{elements, field, merge_keys};
    let Some(output) = output else { return };
    if let Some(map) = patch.as_map() {
        for (k, v) in map.iter().filter(|(k, _)| !k.starts_with('$')) {
            let sub = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
            trap_walk(v, output.get(k), field(sch, k), &sub, what, file, out);
        }
        return;
    }
    let (Some(items), Some(existing)) = (patch.as_seq(), output.as_seq()) else { return };
    let Some(key) = merge_keys(sch).and_then(|keys| keys.first()) else { return };
    if items.iter().any(|i| i.get("$patch").and_then(Node::as_str) == Some("replace")) {
        return;
    }
    let field_name = path.rsplit('.').next().unwrap_or(path);
    // Container lists written out whole: the author wrote the list as it should be.
    let whole = matches!(field_name, "containers" | "initContainers" | "ephemeralContainers")
        && items.iter().all(|i| {
            i.get("image").is_some() && existing.iter().any(|e| e.get(key).is_some_and(|k| Some(k) == i.get(key)))
        });
    let listed: Vec<&Node> = items.iter().filter_map(|i| i.get(key)).collect();
    let left: Vec<String> = existing
        .iter()
        .filter_map(|e| e.get(key))
        .filter(|v| !listed.contains(v))
        .filter_map(Node::scalar_text)
        .collect();
    if whole && !left.is_empty() && !listed.is_empty() {
        out.push(Finding::new(
            "list-merge-trap",
            format!(
                "this patch lists {} of the {} {field_name} of {what}, but kustomize merges {field_name} by '{key}': \
                 {} stay{} in the output. To keep only the listed ones, add `- $patch: replace` as the list's first element",
                listed.len(),
                listed.len() + left.len(),
                left.iter().map(|l| format!("'{l}'")).collect::<Vec<_>>().join(", "),
                if left.len() == 1 { "s" } else { "" }
            ),
            Some(file),
            Some(patch.pos),
        ));
    }
    for item in items {
        let Some(k) = item.get(key) else { continue };
        let matching = existing.iter().find(|e| e.get(key) == Some(k));
        let label = k.scalar_text().unwrap_or_default();
        trap_walk(item, matching, elements(sch), &format!("{path}[{label}]"), what, file, out);
    }
}

/// Patches whose target and replacement targets that select nothing.
fn unmatched_targets(unmatched: &[Diagnostic], out: &mut Vec<Finding>) {
    for u in unmatched {
        out.push(Finding::new(u.kind.id(), u.message.clone(), u.file.as_deref(), u.pos));
    }
}

/// Every container image of a pod template (or pod), with its node.
fn images_of(node: &Node, found: &mut Vec<(String, Pos)>) {
    if let Some(map) = node.as_map() {
        for (k, v) in map {
            if matches!(k.as_str(), "containers" | "initContainers" | "ephemeralContainers") {
                for c in v.as_seq().into_iter().flatten() {
                    if let Some(img) = c.get("image") {
                        if let Some(s) = img.as_str() {
                            found.push((s.to_string(), img.pos));
                        }
                    }
                }
            } else {
                images_of(v, found);
            }
        }
    } else if let Some(items) = node.as_seq() {
        for i in items {
            images_of(i, found);
        }
    }
}

/// Images with no tag or digest, or tagged `latest`; an error in a production overlay. One
/// finding per image (one `images:` entry fixes it), the other containers using it as notes.
fn images(ctx: &Input, out: &mut Vec<Finding>) {
    if ctx.base && !ctx.production {
        // The kustomizations building on it pin the images (`images:`); lint those.
        return;
    }
    let mut reported: HashMap<String, usize> = HashMap::new();
    for r in ctx.resources {
        let mut found = Vec::new();
        images_of(&r.node, &mut found);
        for (image, pos) in found {
            let (name, digest) = match image.split_once('@') {
                Some((n, d)) => (n, Some(d)),
                None => (image.as_str(), None),
            };
            let last = name.rsplit('/').next().unwrap_or(name);
            let tag = last.split_once(':').map(|(_, t)| t);
            let what = match (tag, digest) {
                (_, Some(_)) => continue,
                (None, None) => "has no tag or digest",
                (Some("latest"), None) => "is tagged 'latest'",
                _ => continue,
            };
            if let Some(&at) = reported.get(&image) {
                out[at].add_note(format!("{} {} uses it too", r.kind(), r.name()), &r.origin, Some(pos));
                continue;
            }
            reported.insert(image.clone(), out.len());
            let mut f = Finding::new(
                "unpinned-image",
                format!(
                    "image '{image}' in {} {} {what}{}: pin it with 'images:' (newTag or digest) so every build deploys the same thing",
                    r.kind(),
                    r.name(),
                    if ctx.production { " in a production overlay" } else { "" }
                ),
                Some(&r.origin),
                Some(pos),
            );
            if ctx.production {
                // Whatever was pushed last reaches production: an error there.
                f.severity = Severity::Error;
            }
            out.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemFs;

    fn rules(fs: &MemFs, root: &str) -> Vec<(String, String)> {
        lint(fs, Utf8Path::new(root), &Options::default())
            .unwrap()
            .into_iter()
            .map(|f| (f.rule.to_string(), f.message))
            .collect()
    }

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: app\nspec:\n  containers:\n  - name: c\n    image: nginx:1.25\n    envFrom:\n    - secretRef:\n        name: creds\n";

    /// A file system that counts the reads of each file.
    struct Counting<'a> {
        inner: &'a dyn FileSystem,
        reads: std::sync::Mutex<std::collections::BTreeMap<Utf8PathBuf, usize>>,
    }

    impl FileSystem for Counting<'_> {
        fn read(&self, path: &Utf8Path) -> std::io::Result<Vec<u8>> {
            *self.reads.lock().unwrap().entry(path.to_owned()).or_default() += 1;
            self.inner.read(path)
        }
        fn kind(&self, path: &Utf8Path) -> std::io::Result<FileKind> {
            self.inner.kind(path)
        }
        fn real_path(&self, path: &Utf8Path) -> std::io::Result<Utf8PathBuf> {
            self.inner.real_path(path)
        }
        fn list(&self, dir: &Utf8Path) -> std::io::Result<Vec<String>> {
            self.inner.list(dir)
        }
    }

    #[test]
    fn linting_the_production_overlay_reads_each_file_once() {
        let repo = Utf8Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let fs = Counting { inner: &crate::DiskFs, reads: Default::default() };
        let found = lint(&fs, &repo.join("overlays/prod"), &Options::default()).unwrap();
        assert_eq!(found, vec![]);
        let reads = fs.reads.into_inner().unwrap();
        let kustomizations = reads.keys().filter(|p| p.file_name() == Some("kustomization.yaml")).count();
        // The overlay's, the base's, and those around them that tell a base from an overlay.
        assert!(kustomizations >= 2, "{reads:#?}");
        assert!(reads.values().all(|&n| n == 1), "{reads:#?}");
    }

    #[test]
    fn the_rules_reading_kustomizations_and_patches_get_them_from_the_build() {
        let sts = STS.replace("kind: StatefulSet", "kind: Deployment");
        let patch = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: search\nspec:\n  replicas: 3\n  template:\n    spec:\n      initContainers:\n      - name: chown\n        image: busybox:1.37\n";
        let hpa = "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: search\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: search\n  minReplicas: 2\n  maxReplicas: 4\n";
        let mem = MemFs::new()
            .with("k/base/kustomization.yaml", "resources:\n- sts.yaml\n")
            .with("k/base/sts.yaml", sts)
            .with(
                "k/app/kustomization.yaml",
                "# kcompile:allow no-such-rule\nresources:\n- ../base\n- hpa.yaml\npatches:\n- path: p.yaml\n",
            )
            .with("k/app/hpa.yaml", hpa)
            .with("k/app/p.yaml", patch);
        let fs = Counting { inner: &mem, reads: Default::default() };
        let found: Vec<&str> =
            lint(&fs, Utf8Path::new("/k/app"), &Options::default()).unwrap().into_iter().map(|f| f.rule).collect();
        assert_eq!(found, ["list-merge-trap", "hpa-fixed-replicas", "unknown-rule"]);
        let reads = fs.reads.into_inner().unwrap();
        assert!(reads.values().all(|&n| n == 1), "{reads:#?}");
    }

    #[test]
    fn files_a_session_parsed_for_an_earlier_build_count_as_read() {
        let fs = MemFs::new()
            // Listed by a path that does not name the file as it is (so no mention excuses it).
            .with("t/base/kustomization.yaml", "resources:\n- ./sub/../cm.yaml\n")
            .with("t/base/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n")
            .with("t/a/kustomization.yaml", "resources:\n- ../base\n")
            .with("t/b/kustomization.yaml", "resources:\n- ../base\nnamePrefix: b-\n");
        let session = crate::Session::new(&fs, Options::default());
        session.build(Utf8Path::new("/t/a")).unwrap();
        assert_eq!(session.lint(Utf8Path::new("/t/b")).unwrap(), vec![]);
    }

    #[test]
    fn production_roots_are_told_by_their_directory_name() {
        assert!(is_production(Utf8Path::new("/x/overlays/prod")));
        assert!(is_production(Utf8Path::new("/x/eu-production")));
        assert!(!is_production(Utf8Path::new("/x/overlays/product-catalog")));
        assert!(!is_production(Utf8Path::new("/x/overlays/staging")));
    }

    #[test]
    fn a_root_other_kustomizations_build_on_is_a_base() {
        let fs = MemFs::new()
            .with("app/base/kustomization.yaml", "resources:\n- pod.yaml\n")
            .with("app/overlays/prod/kustomization.yaml", "resources:\n- ../../base\n")
            .with("app/comp/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n");
        let ks = Kustomizations::new(&fs, Vec::new());
        assert!(is_base(&ks, Utf8Path::new("/app/base")));
        assert!(is_base(&ks, Utf8Path::new("/app/comp")));
        assert!(!is_base(&ks, Utf8Path::new("/app/overlays/prod")));
    }

    #[test]
    fn secret_generated_in_another_namespace_is_reported() {
        let fs = MemFs::new()
            .with("k/kustomization.yaml", "resources:\n- pod.yaml\n- s.yaml\n")
            .with("k/pod.yaml", POD)
            .with("k/s.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: other\n");
        let found = rules(&fs, "/k");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "namespace-mismatch");
        assert!(found[0].1.contains("which this build makes in namespace 'other'"), "{}", found[0].1);
        assert!(found[0].1.contains("Fix: put it in namespace 'app' too"), "{}", found[0].1);
    }

    #[test]
    fn generated_secret_in_another_namespace_is_reported() {
        let fs = MemFs::new()
            .with(
                "k/kustomization.yaml",
                "resources:\n- pod.yaml\nsecretGenerator:\n- name: creds\n  namespace: other\n  literals:\n  - password=x\n",
            )
            .with("k/pod.yaml", POD);
        let found = lint(&fs, Utf8Path::new("/k"), &Options::default()).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].rule, found[0].severity), ("namespace-mismatch", Severity::Error));
        // The reference was not renamed to the hashed name: the message says why and where.
        let m = &found[0].message;
        assert!(m.contains("which this build generates (`secretGenerator`) in namespace 'other' as 'creds-"), "{m}");
        assert!(m.contains("the pods will not start"), "{m}");
        assert_eq!((found[0].file.as_deref(), found[0].line), (Some(Utf8Path::new("/k/pod.yaml")), Some(12)));
        let note = &found[0].notes[0];
        assert_eq!((note.file.as_str(), note.line), ("/k/kustomization.yaml", Some(4)));
    }

    #[test]
    fn an_optional_reference_to_another_namespace_is_reported_too() {
        let pod = POD.replace("        name: creds\n", "        name: creds\n        optional: true\n");
        let fs = MemFs::new()
            .with("k/kustomization.yaml", "resources:\n- pod.yaml\nsecretGenerator:\n- name: creds\n  namespace: other\n  literals:\n  - password=x\n")
            .with("k/pod.yaml", pod);
        let found = rules(&fs, "/k");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "namespace-mismatch");
        assert!(
            found[0].1.contains("the reference is optional, so nothing fails: the pods start without it"),
            "{}",
            found[0].1
        );
    }

    #[test]
    fn an_optional_reference_to_nothing_is_silent() {
        let pod = POD.replace("        name: creds\n", "        name: creds\n        optional: true\n");
        let fs = MemFs::new().with("k/kustomization.yaml", "resources:\n- pod.yaml\n").with("k/pod.yaml", pod);
        assert_eq!(rules(&fs, "/k"), vec![]);
    }

    #[test]
    fn resolved_references_are_silent() {
        let fs = MemFs::new()
            .with("k/kustomization.yaml", "resources:\n- pod.yaml\n- s.yaml\n")
            .with("k/pod.yaml", POD)
            .with("k/s.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: app\n");
        assert_eq!(rules(&fs, "/k"), vec![]);
    }

    const STS: &str = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: search\nspec:\n  template:\n    spec:\n      initContainers:\n      - name: sysctl\n        image: busybox:1.36\n      - name: chown\n        image: busybox:1.36\n      containers:\n      - name: s\n        image: s:1\n";

    #[test]
    fn the_init_containers_trap_is_found() {
        let patch = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: search\nspec:\n  template:\n    spec:\n      # keeps only chown (it does not)\n      initContainers:\n      - name: chown\n        image: busybox:1.37\n";
        let fs = MemFs::new()
            .with("k/kustomization.yaml", "resources:\n- sts.yaml\npatches:\n- path: p.yaml\n")
            .with("k/sts.yaml", STS)
            .with("k/p.yaml", patch);
        let found = lint(&fs, Utf8Path::new("/k"), &Options::default()).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].rule, "list-merge-trap");
        assert!(
            found[0].message.contains("lists 1 of the 2 initContainers of StatefulSet search"),
            "{}",
            found[0].message
        );
        assert!(found[0].message.contains("'sysctl' stays"), "{}", found[0].message);
        assert_eq!(found[0].file.as_deref(), Some(Utf8Path::new("/k/p.yaml")));
        assert_eq!(found[0].line, Some(10));
    }

    #[test]
    fn adding_a_container_or_setting_one_is_not_a_trap() {
        // A new init container (written whole), and one existing container's resources.
        let patch = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: search\nspec:\n  template:\n    spec:\n      initContainers:\n      - name: download\n        image: busybox:1.37\n      containers:\n      - name: s\n        resources: {limits: {memory: 1Gi}}\n";
        let sts = STS.replace(
            "      containers:\n      - name: s\n        image: s:1\n",
            "      containers:\n      - name: s\n        image: s:1\n      - name: t\n        image: t:1\n",
        );
        let fs = MemFs::new()
            .with("k/kustomization.yaml", "resources:\n- sts.yaml\npatches:\n- path: p.yaml\n")
            .with("k/sts.yaml", sts)
            .with("k/p.yaml", patch);
        assert_eq!(lint(&fs, Utf8Path::new("/k"), &Options::default()).unwrap(), vec![]);
    }

    #[test]
    fn a_replaced_list_is_not_a_trap() {
        let patch = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: search\nspec:\n  template:\n    spec:\n      initContainers:\n      - $patch: replace\n      - name: chown\n        image: busybox:1.37\n";
        let fs = MemFs::new()
            .with("k/kustomization.yaml", "resources:\n- sts.yaml\npatches:\n- path: p.yaml\n")
            .with("k/sts.yaml", STS)
            .with("k/p.yaml", patch);
        assert_eq!(lint(&fs, Utf8Path::new("/k"), &Options::default()).unwrap(), vec![]);
    }

    const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 1\n";
    const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  n: \"2\"\n";

    fn targets(kust: &str) -> MemFs {
        MemFs::new()
            .with("k/kustomization.yaml", kust)
            .with("k/deploy.yaml", DEPLOY)
            .with("k/cm.yaml", CM)
            .with("k/replicas.yaml", "- op: replace\n  path: /spec/replicas\n  value: 2\n")
    }

    const REPLACEMENT: &str = "replacements:\n- source:\n    kind: ConfigMap\n    name: cfg\n    fieldPath: data.n\n  targets:\n  - select:\n      kind: Deployment\n      name: TARGET\n    fieldPaths:\n    - metadata.annotations.n\n    options:\n      create: true\n";

    #[test]
    fn targets_that_select_nothing_are_reported_with_a_hint() {
        let kust = format!(
            "resources:\n- deploy.yaml\n- cm.yaml\npatches:\n- path: replicas.yaml\n  target:\n    kind: Deploymnt\npatchesJson6902:\n- target:\n    group: apps\n    version: v1\n    kind: Deployment\n    name: apj\n  path: replicas.yaml\n{}",
            REPLACEMENT.replace("TARGET", "aip")
        );
        let found = lint(&targets(&kust), Utf8Path::new("/k"), &Options::default()).unwrap();
        let unmatched: Vec<&Finding> = found.iter().filter(|f| f.rule == "unmatched-target").collect();
        assert_eq!(unmatched.len(), 3, "{found:#?}");
        let at = |f: &Finding| (f.file.as_ref().map(|p| p.to_string()), f.line);
        assert_eq!(at(unmatched[0]), (Some("/k/kustomization.yaml".into()), Some(5)));
        assert!(unmatched[0].message.contains("patches entry 1 ('replicas.yaml') selects no object (kind Deploymnt)"));
        assert!(unmatched[0].message.contains("did you mean kind 'Deployment'?"), "{}", unmatched[0].message);
        assert_eq!(at(unmatched[1]), (Some("/k/kustomization.yaml".into()), Some(9)));
        assert!(unmatched[1].message.contains("did you mean name 'api'?"), "{}", unmatched[1].message);
        assert_eq!(at(unmatched[2]), (Some("/k/kustomization.yaml".into()), Some(21)));
        assert!(unmatched[2].message.contains("replacements entry 1"), "{}", unmatched[2].message);
        assert!(unmatched[2].message.contains("did you mean name 'api'?"), "{}", unmatched[2].message);
    }

    #[test]
    fn targets_that_select_something_are_silent() {
        let kust = format!(
            "resources:\n- deploy.yaml\n- cm.yaml\npatches:\n- path: replicas.yaml\n  target:\n    kind: Deployment\npatchesJson6902:\n- target:\n    group: apps\n    version: v1\n    kind: Deployment\n    name: api\n  path: replicas.yaml\n{}",
            REPLACEMENT.replace("TARGET", "api")
        );
        let found = lint(&targets(&kust), Utf8Path::new("/k"), &Options::default()).unwrap();
        assert!(found.iter().all(|f| f.rule != "unmatched-target"), "{found:#?}");
    }

    #[test]
    fn unpinned_images_unreferenced_files_and_deprecated_fields() {
        let pod =
            POD.replace("nginx:1.25", "nginx").replace("    envFrom:\n    - secretRef:\n        name: creds\n", "");
        let fs = MemFs::new()
            .with("k/kustomization.yaml", "bases: []\nresources:\n- pod.yaml\n")
            .with("k/pod.yaml", pod)
            .with("k/forgotten.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: old\n");
        let found: Vec<String> = rules(&fs, "/k").into_iter().map(|(r, _)| r).collect();
        assert_eq!(found, ["deprecated-field", "unreferenced-file", "unpinned-image"]);
    }
}
