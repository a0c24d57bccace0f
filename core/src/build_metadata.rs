//! `buildMetadata`: the annotations and label kustomize adds about the build itself, and the
//! clean-up of build annotations every build ends with.
//!
//! Only the root kustomization's `buildMetadata` counts (kustomize hands it down to every
//! base and component, replacing theirs):
//! - `originAnnotations`: `config.kubernetes.io/origin` says where each object came from, the
//!   file it was read from (`path:`) or the generator that made it (`configuredIn:` and
//!   `configuredBy:`), with paths relative to the root kustomization's directory;
//! - `transformerAnnotations`: `alpha.config.kubernetes.io/transformations` lists, in order,
//!   every builtin transformer that ran over the object, and the kustomization that configured
//!   it;
//! - `managedByLabel`: the label `app.kubernetes.io/managed-by: kustomize-(devel)` (what
//!   kubectl's embedded kustomize v5.5.0 prints).
//!
//! Other values are ignored, as kustomize does. With any value kustomize keeps the origin and
//! transformations annotations during the build, and a JSON patch sees them (`expose`,
//! `hide`): one that moves, copies or removes `/metadata/annotations` takes them along, the
//! list restarts after it and the next transformer recorded becomes the object's origin.

use crate::accumulate::Accumulator;
use crate::error::Error;
use crate::kustomization::Kustomization;
use crate::load::LoadedKustomization;
use crate::remote::RemoteOrigin;
use crate::resource::Resource;
use crate::yaml::node::{Node, Value};
use camino::{Utf8Component, Utf8Path, Utf8PathBuf};
use std::sync::Arc;

/// The label value kubectl v1.32's kustomize writes (its build has no release version).
const MANAGED_BY: &str = "kustomize-(devel)";
const MANAGED_BY_KEY: &str = "app.kubernetes.io/managed-by";
const ORIGIN: &str = "config.kubernetes.io/origin";
const TRANSFORMATIONS: &str = "alpha.config.kubernetes.io/transformations";

/// Annotations kustomize uses during a build and removes from its output.
const BUILD_ANNOTATIONS: &[&str] = &[
    ORIGIN,
    TRANSFORMATIONS,
    "internal.config.kubernetes.io/previousNames",
    "internal.config.kubernetes.io/previousKinds",
    "internal.config.kubernetes.io/previousNamespaces",
    "internal.config.kubernetes.io/prefixes",
    "internal.config.kubernetes.io/suffixes",
    "internal.config.kubernetes.io/allowNameChange",
    "internal.config.kubernetes.io/allowKindChange",
    "internal.config.kubernetes.io/refBy",
    "internal.config.kubernetes.io/generatorBehavior",
    "internal.config.kubernetes.io/needsHashSuffix",
    "internal.config.kubernetes.io/path",
    "internal.config.kubernetes.io/index",
    "internal.config.kubernetes.io/id",
    "internal.config.kubernetes.io/seqindent",
    "internal.config.kubernetes.io/annotations-migration-resource-id",
    "config.kubernetes.io/path",
    "config.kubernetes.io/index",
    "config.k8s.io/id",
];

/// Which `buildMetadata` options are on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flags {
    pub origin: bool,
    pub transformers: bool,
    pub managed_by: bool,
    /// `buildMetadata` is not empty: kustomize then keeps origin and transformations
    /// annotations during the build, whichever options are on, and removes at the end those
    /// not asked for (a JSON patch can see them).
    pub tracking: bool,
}

impl Flags {
    pub fn of(k: &Kustomization) -> Flags {
        let has = |o: &str| k.build_metadata.iter().any(|b| b == o);
        Flags {
            origin: has("originAnnotations"),
            transformers: has("transformerAnnotations"),
            managed_by: has("managedByLabel"),
            tracking: !k.build_metadata.is_empty(),
        }
    }
}

/// A plugin that made or changed an object, and the file that configured it.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfiguredBy {
    pub file: Utf8PathBuf,
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: String,
    /// The remote tree `file` is in, if any (the annotation then names its repository).
    pub remote: Option<std::sync::Arc<crate::remote::RemoteOrigin>>,
}

impl ConfiguredBy {
    /// A plugin configured by `config` (a `transformers:`/`generators:` entry, read from the
    /// file `config.origin`).
    pub fn plugin(config: &Resource) -> ConfiguredBy {
        ConfiguredBy {
            file: config.origin.clone(),
            api_version: config.str_field(&["apiVersion"]).to_string(),
            kind: config.kind().to_string(),
            name: config.name().to_string(),
            namespace: config.namespace().to_string(),
            remote: None,
        }
    }

    /// A built-in plugin configured by a kustomization field (`file`: the kustomization).
    pub fn builtin(file: &Utf8Path, kind: &str) -> ConfiguredBy {
        ConfiguredBy {
            file: file.to_owned(),
            api_version: "builtin".into(),
            kind: kind.into(),
            name: String::new(),
            namespace: String::new(),
            remote: None,
        }
    }

    /// The YAML kustomize writes for it, each line after the first indented by `indent`.
    /// In a remote tree, `repo:` and `ref:` come first and the path is from the repository.
    fn render(&self, root: &Utf8Path, indent: &str) -> String {
        let Some(remote) = &self.remote else { return self.render_in(&relative(root, &self.file), indent) };
        let mut s = String::new();
        for line in remote.repo_lines().lines() {
            s.push_str(line);
            s.push('\n');
            s.push_str(indent);
        }
        s + &self.render_in(&remote.path_of(&self.file), indent)
    }

    /// [`ConfiguredBy::render`] with the `configuredIn:` path given.
    fn render_in(&self, configured_in: &str, indent: &str) -> String {
        let mut s = format!(
            "configuredIn: {configured_in}\n{indent}configuredBy:\n{indent}  apiVersion: {}\n{indent}  kind: {}\n",
            self.api_version, self.kind
        );
        if !self.name.is_empty() {
            s.push_str(&format!("{indent}  name: {}\n", self.name));
        }
        if !self.namespace.is_empty() {
            s.push_str(&format!("{indent}  namespace: {}\n", self.namespace));
        }
        s
    }
}

/// The builtin transformers a kustomization configures, in the order kustomize runs them
/// (one per patch, label set, replica and image entry), each with the field it comes from.
fn builtin_transformers(k: &Kustomization) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    if !k.patches_strategic_merge.is_empty() {
        out.push(("patchesStrategicMerge", "PatchStrategicMergeTransformer"));
    }
    out.extend(k.patches.iter().map(|_| ("patches", "PatchTransformer")));
    if k.namespace.as_deref().is_some_and(|n| !n.is_empty()) {
        out.push(("namespace", "NamespaceTransformer"));
    }
    if k.name_prefix.as_deref().is_some_and(|p| !p.is_empty()) {
        out.push(("namePrefix", "PrefixTransformer"));
    }
    if k.name_suffix.as_deref().is_some_and(|p| !p.is_empty()) {
        out.push(("nameSuffix", "SuffixTransformer"));
    }
    if !k.labels.is_empty() || !k.common_labels.is_empty() {
        // One per `labels` entry, plus one for `commonLabels` (even when empty).
        out.extend(std::iter::repeat_n(("labels", "LabelTransformer"), k.labels.len() + 1));
    }
    if !k.common_annotations.is_empty() {
        out.push(("commonAnnotations", "AnnotationsTransformer"));
    }
    out.extend(k.patches_json6902.iter().map(|_| ("patchesJson6902", "PatchJson6902Transformer")));
    out.extend(k.replicas.iter().map(|_| ("replicas", "ReplicaCountTransformer")));
    out.extend(k.images.iter().map(|_| ("images", "ImageTagTransformer")));
    if !k.replacements.is_empty() {
        out.push(("replacements", "ReplacementTransformer"));
    }
    out
}

/// Where the transformer of entry `i` of `field` (`patches`, `patchesJson6902`) comes among
/// the builtin transformers of `k` (see [`Tracking::step`]).
fn builtin_step(k: &Kustomization, field: &str, i: usize) -> usize {
    let all = builtin_transformers(k);
    all.iter().position(|(f, _)| *f == field).map_or(0, |first| first + i)
}

/// What the steps that show kustomize's build annotations need: the root's `buildMetadata`
/// flags and directory (the annotations' paths are relative to it), and where the running
/// transformer comes among those that are recorded together after it (0 for a
/// `transformers:` entry, recorded alone).
#[derive(Clone, Debug, Default)]
pub struct Tracking {
    pub flags: Flags,
    pub root: Utf8PathBuf,
    pub step: usize,
    /// The builtin transformers of the running kustomization that ran before this one
    /// (recorded together after the last; kustomize has them in the annotation already).
    pub before: Vec<ConfiguredBy>,
}

impl Tracking {
    /// Whether kustomize keeps origin and transformations annotations during the build.
    fn on(&self) -> bool {
        self.flags.tracking
    }

    /// Sets the running transformer: entry `i` of `field` in `lk` (see [`builtin_step`]).
    pub fn enter(&mut self, lk: &LoadedKustomization, field: &str, i: usize) {
        self.step = builtin_step(&lk.kustomization, field, i);
        self.before = builtin_transformers(&lk.kustomization)
            .iter()
            .take(self.step)
            .map(|(_, kind)| ConfiguredBy::builtin(&lk.file, kind))
            .collect();
    }

    /// Back outside a builtin transformer.
    pub fn leave(&mut self) {
        self.step = 0;
        self.before.clear();
    }
}

/// A JSON patch took the origin or transformations annotation away (moved, copied over or
/// removed `/metadata/annotations`): kustomize's record of them restarts there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cut {
    /// The position of the transformer that did it among those recorded next.
    pub at: usize,
    /// The origin annotation is gone: the next transformer recorded becomes the origin
    /// (kustomize's `AddTransformerAnnotation` on an object without one).
    pub origin: bool,
    /// The transformations annotation is gone: the list restarts.
    pub transformations: bool,
}

/// Adds `entries` (recorded together, in order) to `r`'s transformations, past a [`Cut`].
fn add_transformations(r: &mut Resource, entries: &[ConfiguredBy]) {
    let Some(cut) = r.cut.take() else {
        r.transformations.extend(entries.iter().cloned());
        return;
    };
    let at = cut.at.min(entries.len());
    if cut.transformations {
        r.transformations.clear();
    } else {
        r.transformations.extend(entries[..at].iter().cloned());
    }
    let mut rest = entries[at..].iter();
    if cut.origin {
        match rest.next() {
            Some(first) => r.configured_by = Some(first.clone()),
            None => r.cut = Some(Cut { at: 0, ..cut }),
        }
    }
    r.transformations.extend(rest.cloned());
}

/// Records, on every accumulated resource, the builtin transformers this kustomization ran
/// (when the root asks for transformer annotations).
pub fn record_builtin(
    flags: &Flags,
    remote: Option<Arc<RemoteOrigin>>,
    lk: &LoadedKustomization,
    acc: &mut Accumulator,
) {
    if !flags.tracking {
        return;
    }
    let kinds = builtin_transformers(&lk.kustomization);
    if kinds.is_empty() {
        return;
    }
    let entries: Vec<ConfiguredBy> = kinds
        .iter()
        .map(|(_, k)| ConfiguredBy { remote: remote.clone(), ..ConfiguredBy::builtin(&lk.file, k) })
        .collect();
    for r in acc.resources.iter_mut() {
        add_transformations(r, &entries);
    }
}

/// Records one transformer (a `transformers:` entry) on every accumulated resource.
pub fn record(flags: &Flags, remote: Option<Arc<RemoteOrigin>>, by: &ConfiguredBy, acc: &mut Accumulator) {
    if flags.tracking {
        let by = [ConfiguredBy { remote, ..by.clone() }];
        for r in acc.resources.iter_mut() {
            add_transformations(r, &by);
        }
    }
}

/// The build annotations kustomize keeps on an object during a build (`previousNames`,
/// `prefixes`, `needsHashSuffix`, ...), with kustomize's values, from what kcompile records in
/// [`Resource`]. kcompile keeps them out of the document; a step that can see the whole
/// annotation map (a JSON patch, a replacement reading `metadata.annotations`) writes them in
/// with [`expose`] first and takes them out with [`hide`] after.
pub fn internal_annotations(r: &Resource) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let csv = |items: Vec<String>| items.into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(",");
    if let Some(g) = &r.generated {
        let behavior = match g.behavior.as_str() {
            b @ ("create" | "merge" | "replace") => b,
            _ => "unspecified",
        };
        out.push(("internal.config.kubernetes.io/generatorBehavior", behavior.to_string()));
        if g.needs_hash {
            out.push(("internal.config.kubernetes.io/needsHashSuffix", "enabled".to_string()));
        }
    }
    if !r.previous.is_empty() {
        let ids = r.ids();
        let previous = ids.get(1..).unwrap_or_default();
        let names = csv(previous.iter().map(|id| id.name.clone()).collect());
        let namespaces = csv(previous
            .iter()
            .map(|id| match id.effective_namespace() {
                "" => "_non_namespaceable_".to_string(),
                ns => ns.to_string(),
            })
            .collect());
        let kinds = csv(previous.iter().map(|id| id.gvk.kind.clone()).collect());
        out.push(("internal.config.kubernetes.io/previousKinds", kinds));
        out.push(("internal.config.kubernetes.io/previousNames", names));
        out.push(("internal.config.kubernetes.io/previousNamespaces", namespaces));
    }
    if !r.prefixes.is_empty() {
        out.push(("internal.config.kubernetes.io/prefixes", csv(r.prefixes.clone())));
    }
    if !r.suffixes.is_empty() {
        out.push(("internal.config.kubernetes.io/suffixes", csv(r.suffixes.clone())));
    }
    out.retain(|(_, v)| !v.is_empty());
    out
}

/// Writes the build annotations into `metadata.annotations` (creating it), as kustomize has
/// them at this point of the build: the internal ones, and the origin and transformations
/// annotations when the root's `buildMetadata` asks for either.
pub fn expose(r: &mut Resource, tracking: &Tracking) {
    let mut internal: Vec<(&str, String)> = internal_annotations(r);
    if tracking.on() {
        // What kustomize has recorded by now: the running kustomization's earlier transformers
        // too (kcompile records them together after its last).
        let mut now = Resource::new(Node::null(), r.origin.clone());
        (now.transformations, now.cut, now.configured_by, now.generated, now.remote) =
            (r.transformations.clone(), r.cut, r.configured_by.clone(), r.generated.clone(), r.remote.clone());
        add_transformations(&mut now, &tracking.before);
        if now.cut.is_none_or(|c| !c.origin) {
            internal.push((ORIGIN, origin_text(&now, &tracking.root)));
        }
        if !now.transformations.is_empty() {
            internal.push((TRANSFORMATIONS, transformations_text(&now, &tracking.root)));
        }
    }
    if internal.is_empty() || r.node.as_map().is_none() {
        return;
    }
    let meta = r.node.entry_map("metadata");
    let entry = meta.entry("annotations".to_string()).or_insert_with(Node::map);
    if let Some(map) = entry.as_map_mut() {
        for (k, v) in internal {
            map.insert(k.to_string(), Node::string(v));
        }
    }
}

/// Takes the build annotations out of `metadata.annotations` again after a JSON patch
/// (kustomize restores its own values of the internal ones); an annotation map left empty
/// goes. An origin or transformations annotation [`expose`] wrote and the patch took away is
/// recorded as a [`Cut`].
pub fn hide(r: &mut Resource, tracking: &Tracking) {
    let had_origin = tracking.on() && r.cut.is_none_or(|c| !c.origin);
    let had_transformations = tracking.on() && (!r.transformations.is_empty() || !tracking.before.is_empty());
    let annotations = r.node.get("metadata").and_then(|m| m.get("annotations")).and_then(Node::as_map);
    let kept = |key: &str| annotations.is_some_and(|m| m.contains_key(key));
    let (origin_gone, transformations_gone) =
        (had_origin && !kept(ORIGIN), had_transformations && !kept(TRANSFORMATIONS));
    if origin_gone || transformations_gone {
        let before = r.cut.unwrap_or(Cut { at: tracking.step, origin: false, transformations: false });
        r.cut = Some(Cut {
            at: tracking.step,
            origin: before.origin || origin_gone,
            transformations: before.transformations || transformations_gone,
        });
        if transformations_gone {
            r.transformations.clear();
        }
    }
    let Some(meta) = r.node.get_mut("metadata").and_then(Node::as_map_mut) else { return };
    let Some(map) = meta.get_mut("annotations").and_then(Node::as_map_mut) else { return };
    map.retain(|k, _| !is_internal(k) && k != ORIGIN && k != TRANSFORMATIONS);
    if map.is_empty() {
        meta.shift_remove("annotations");
    }
}

/// kustomize's internal annotations (kioutil's `GetInternalAnnotations`).
fn is_internal(key: &str) -> bool {
    key.starts_with("internal.config.kubernetes.io/")
        || matches!(key, "config.kubernetes.io/path" | "config.kubernetes.io/index" | "config.k8s.io/id")
}

/// The last step of a build: the managed-by label, build annotations removed, origin and
/// transformation annotations written when asked for, annotation values as strings.
///
/// kustomize rewrites every annotation map here (`RemoveBuildAnnotations`) with plain keys, and
/// reads them back with go-yaml v3 when it prints: a key that then reads as another type
/// (`"true"`, `"123"`, `"~"`, `"1.5"`, `"2001-12-14"`) makes it fail, an empty key makes it
/// crash. Both are errors here, at the annotation.
pub fn finish(resources: &mut [Resource], root: &Utf8Path, flags: Flags) -> Result<(), Error> {
    for r in resources.iter_mut() {
        // kustomize converts each object to JSON to print it.
        r.check_deferred(true)?;
        check_made_keys(r)?;
        check_written_values(r)?;
        if flags.managed_by {
            r.node.entry_map("metadata");
            if let Some(meta) = r.node.get_mut("metadata") {
                meta.entry_map("labels").insert(MANAGED_BY_KEY.into(), Node::string(MANAGED_BY));
            }
        }
        // An origin a JSON patch took away and no transformer set again is gone.
        let origin = (flags.origin && r.cut.is_none_or(|c| !c.origin)).then(|| origin_text(r, root));
        let transformations =
            (flags.transformers && !r.transformations.is_empty()).then(|| transformations_text(r, root));
        // An annotation key written twice: kyaml's writes (a transformer's, a patch's) go to the
        // first value, and the rewrite here, from a string map, keeps the last as it was read.
        let annotations_at = r.node.get("metadata").and_then(|m| m.get("annotations")).map(|a| a.pos);
        let later: Vec<(String, Node)> = r
            .deferred
            .iter()
            .filter(|p| Some(p.problem.node) == annotations_at)
            .filter_map(|p| p.problem.later.clone())
            .collect();
        let Some(meta) = r.node.get_mut("metadata").and_then(Node::as_map_mut) else { continue };
        let has_map = meta.get("annotations").is_some_and(|a| a.as_map().is_some());
        if !has_map && origin.is_none() && transformations.is_none() {
            // `annotations: null` ends up absent.
            if meta.get("annotations").is_some_and(Node::is_null) {
                meta.shift_remove("annotations");
            }
            continue;
        }
        let map = {
            let entry = meta.entry("annotations".to_string()).or_insert_with(Node::map);
            if entry.as_map().is_none() {
                *entry = Node::map();
            }
            match entry.as_map_mut() {
                Some(m) => m,
                None => continue,
            }
        };
        for key in BUILD_ANNOTATIONS {
            map.shift_remove(*key);
        }
        for (key, value) in later {
            if let Some(v) = map.get_mut(&key) {
                *v = value;
            }
        }
        for (key, v) in map.iter() {
            let problem = match crate::yaml::read::plain_non_string_v3(key) {
                _ if key.is_empty() => "an empty annotation key makes kustomize crash (wrong node kind)".to_string(),
                Some(what) => format!(
                    "annotation key {key:?} reads back as {what} when kustomize rewrites the annotations, and \
                     kustomize fails (json: unsupported type: map[interface {{}}]interface {{}})"
                ),
                None => continue,
            };
            let mut e = Error::new(problem).help(
                "kustomize writes annotation keys unquoted: use a key that is not empty and does not read as \
                 a number, boolean, null or date",
            );
            if r.generated.is_none() {
                e = e.in_file(&r.origin);
                if v.pos.line > 0 {
                    e = e.at(v.pos);
                }
            }
            return Err(e);
        }
        if let Some(o) = origin {
            map.insert(ORIGIN.into(), Node::string(o));
        }
        if let Some(t) = transformations {
            map.insert(TRANSFORMATIONS.into(), Node::string(t));
        }
        crate::resource::strings_as_written(map, &r.metadata_texts);
        if map.is_empty() {
            meta.shift_remove("annotations");
        }
    }
    Ok(())
}

/// kustomize writes the map keys it makes (a generator's data keys, a label or annotation key a
/// transformer adds, a field a replacement creates) without quotes, and reads every object back
/// with go-yaml v3 when it prints: a made key that then reads as another type (`1`, `true`,
/// `null`, `1.5`, `2001-12-14`) makes it fail (`json: unsupported type`). Made keys are told by
/// their values: made by kcompile too (no position), or one of the keys a generator wrote
/// ([`Generated::unquoted_keys`]; a key a patch added keeps its quotes).
fn check_made_keys(r: &Resource) -> Result<(), Error> {
    fn walk<'n>(n: &'n Node, generated: &[String], found: &mut Option<(&'n str, &'static str)>) {
        match &n.value {
            Value::Map(m) => {
                for (k, v) in m {
                    if found.is_none() && (generated.contains(k) || v.pos.is_synthetic()) {
                        *found = crate::yaml::read::plain_non_string_v3(k).map(|what| (k.as_str(), what));
                    }
                    walk(v, &[], found);
                }
            }
            Value::Seq(items) => items.iter().for_each(|v| walk(v, &[], found)),
            _ => {}
        }
    }
    let mut found = None;
    walk(&r.node, &[], &mut found);
    if let Some(g) = &r.generated {
        for field in ["data", "binaryData"] {
            if let Some(map) = r.node.get(field).filter(|_| found.is_none()) {
                walk(map, &g.unquoted_keys, &mut found);
            }
        }
    }
    let Some((key, what)) = found else { return Ok(()) };
    let mut e = Error::new(format!(
        "map key {key:?} in {} {} reads back as {what} when kustomize prints the object, and kustomize \
         fails (json: unsupported type: map[interface {{}}]interface {{}})",
        r.kind(),
        r.name()
    ))
    .help(
        "kustomize writes the keys it makes unquoted: use a key that does not read as a number, boolean, null or date",
    );
    if r.generated.is_none() {
        e = e.in_file(&r.origin);
    }
    Err(e)
}

/// kyaml writes each object with go-yaml v3 and reads it back (to hash a generated object, to
/// print one): a string value it writes in a style of its own choosing (one kustomize made: a
/// generated ConfigMap's value, a label a transformer set, any annotation, rewritten in
/// [`finish`]) that starts with a tab and holds a line break becomes a block scalar go-yaml cannot
/// read back, and kustomize fails. A value read from a file keeps its style (quoted, or a block
/// scalar the reader already checked). Approximation: kcompile does not keep whether a map was
/// written in flow style, where go-yaml would quote the value instead.
fn check_written_values(r: &Resource) -> Result<(), Error> {
    fn walk(n: &Node, annotation: bool, path: &mut Vec<String>) -> bool {
        match &n.value {
            Value::Str(s) => {
                (annotation || !n.style.indicates_string()) && crate::yaml::read::unreadable_when_written_v3(s)
            }
            Value::Map(m) => {
                let annotations = path.len() == 1 && path[0] == "metadata";
                for (k, v) in m {
                    path.push(k.clone());
                    if walk(v, annotation || (annotations && k == "annotations"), path) {
                        return true;
                    }
                    path.pop();
                }
                false
            }
            Value::Seq(items) => {
                for (i, v) in items.iter().enumerate() {
                    path.push(i.to_string());
                    if walk(v, annotation, path) {
                        return true;
                    }
                    path.pop();
                }
                false
            }
            _ => false,
        }
    }
    let mut path = Vec::new();
    if !walk(&r.node, false, &mut path) {
        return Ok(());
    }
    let mut e = Error::new(format!(
        "the value of {} in {} {} starts with a tab and holds a line break: kustomize writes it as a \
         block scalar it cannot read back, and fails (found a tab character where an indentation space \
         is expected)",
        path.join("."),
        r.kind(),
        r.name()
    ))
    .help("start the value with something other than a tab (a generated value: the file's first character)");
    if r.generated.is_none() {
        e = e.in_file(&r.origin);
    }
    Err(e)
}

/// The transformations annotation of a resource.
fn transformations_text(r: &Resource, root: &Utf8Path) -> String {
    r.transformations.iter().map(|t| format!("- {}", t.render(root, "  "))).collect()
}

/// The origin annotation of a resource: the file it was read from, or its generator.
/// What a remote entry brought names its repository and ref, with paths from the repository's
/// root (see [`crate::remote::RemoteOrigin`]).
fn origin_text(r: &Resource, root: &Utf8Path) -> String {
    let by = match &r.configured_by {
        Some(by) => Some(by.clone()),
        None if r.generated.is_some() => Some(ConfiguredBy::builtin(&r.origin, &format!("{}Generator", r.kind()))),
        None => None,
    };
    match (by, &r.remote) {
        (Some(by), remote) => {
            ConfiguredBy { remote: by.remote.clone().or_else(|| remote.clone()), ..by }.render(root, "")
        }
        (None, None) => format!("path: {}\n", relative(root, &r.origin)),
        (None, Some(remote)) => format!("path: {}\n{}", remote.path_of(&r.origin), remote.repo_lines()),
    }
}

/// `path` relative to the directory `root` (both absolute), with `..` where needed.
pub(crate) fn relative(root: &Utf8Path, path: &Utf8Path) -> String {
    let a: Vec<Utf8Component> = root.components().collect();
    let b: Vec<Utf8Component> = path.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<&str> = vec![".."; a.len() - common];
    parts.extend(b.iter().skip(common).map(|c| c.as_str()));
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_annotations_are_exposed_with_kustomize_values_and_hidden_again() {
        let doc =
            crate::load::parse_resources("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n", "r.yaml".into())
                .unwrap()
                .remove(0);
        let mut r = doc;
        r.remember_name();
        r.prefixes.push("p-".into());
        r.set_name("p-c");
        r.remember_name();
        expose(&mut r, &Tracking::default());
        let ann = r.meta_map("annotations").unwrap();
        assert_eq!(ann["internal.config.kubernetes.io/previousNames"].as_str(), Some("c,p-c"));
        assert_eq!(ann["internal.config.kubernetes.io/previousNamespaces"].as_str(), Some("default,default"));
        assert_eq!(ann["internal.config.kubernetes.io/prefixes"].as_str(), Some("p-"));
        hide(&mut r, &Tracking::default());
        assert!(r.node.get("metadata").unwrap().get("annotations").is_none());
    }

    #[test]
    fn a_json_patch_that_takes_the_annotations_away_restarts_the_record() {
        let mut r = crate::load::parse_resources(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
            "/r/b/r.yaml".into(),
        )
        .unwrap()
        .remove(0);
        let flags = Flags { transformers: true, origin: true, tracking: true, ..Flags::default() };
        let by = |kind: &str| ConfiguredBy::builtin(Utf8Path::new("/r/b/kustomization.yaml"), kind);
        r.transformations.push(by("NamespaceTransformer"));
        let tracking = Tracking { flags, root: "/r".into(), step: 1, before: vec![by("PrefixTransformer")] };
        expose(&mut r, &tracking);
        let ann = r.meta_map("annotations").unwrap();
        assert_eq!(ann[ORIGIN].as_str(), Some("path: b/r.yaml\n"));
        assert!(ann[TRANSFORMATIONS].as_str().unwrap().contains("kind: PrefixTransformer"), "earlier in the batch");
        // The patch moves the annotations away.
        r.node.get_mut("metadata").unwrap().as_map_mut().unwrap().shift_remove("annotations");
        hide(&mut r, &tracking);
        assert_eq!(r.cut, Some(Cut { at: 1, origin: true, transformations: true }));
        let batch = [by("PrefixTransformer"), by("PatchTransformer"), by("ImageTagTransformer")];
        add_transformations(&mut r, &batch);
        assert_eq!(r.configured_by.as_ref().map(|c| c.kind.as_str()), Some("PatchTransformer"));
        assert_eq!(r.transformations, [by("ImageTagTransformer")]);
        assert_eq!(r.cut, None);
    }

    #[test]
    fn relative_paths_climb_out_of_the_root() {
        assert_eq!(relative(Utf8Path::new("/a/prod"), Utf8Path::new("/a/base/x.yaml")), "../base/x.yaml");
        assert_eq!(relative(Utf8Path::new("/a/prod"), Utf8Path::new("/a/prod/sub/x.yaml")), "sub/x.yaml");
        assert_eq!(relative(Utf8Path::new("/a/prod"), Utf8Path::new("/b/x.yaml")), "../../b/x.yaml");
    }

    #[test]
    fn transformers_are_listed_in_kustomize_order() {
        let mut k = Kustomization {
            name_prefix: Some("p-".into()),
            namespace: Some("ns".into()),
            replacements: vec![crate::transform::replacements::ReplacementEntry::Path(Default::default())],
            ..Kustomization::default()
        };
        k.common_labels.insert("a".into(), "b".into());
        let kinds: Vec<&str> = builtin_transformers(&k).into_iter().map(|(_, kind)| kind).collect();
        assert_eq!(kinds, ["NamespaceTransformer", "PrefixTransformer", "LabelTransformer", "ReplacementTransformer"]);
        assert_eq!(builtin_step(&k, "replacements", 0), 3);
    }
}
