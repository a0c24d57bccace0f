//! The patch transformers: `patchesStrategicMerge`, `patches` and `patchesJson6902`, read and
//! targeted as kustomize v5.5.0 reads and targets them; the merging itself is in
//! [`super::patch_sm`] and [`super::patch_json6902`], the schema it merges with in
//! [`super::openapi`].
//!
//! - A `patches` entry holds a strategic-merge patch (one or more YAML documents, each a map)
//!   or a JSON 6902 operation list, recognised by its content, from `path` or inline `patch`.
//! - Without `target`, a strategic-merge patch applies to the one object with its kind,
//!   apiVersion, name and namespace (current or earlier names). With `target`, to every object
//!   the selector matches; the patch's own name and kind are then kept only with
//!   `options.allowNameChange` / `allowKindChange`. A strategic-merge patch never changes the
//!   namespace.
//! - Selectors: group, version, kind, name and namespace are anchored regular expressions; name
//!   and namespace match the object's original or current values; `labelSelector` and
//!   `annotationSelector` are Kubernetes label selectors.

use super::openapi::{SchemaState, Schemas};
use super::{patch_json6902, patch_sm, Site};
use crate::accumulate::Accumulator;
use crate::ctx::Ctx;
use crate::error::{bail, Error, Result};
use crate::kustomization::{Patch, PatchTarget, Spanned};
use crate::load::{LoadedKustomization, Loader};
use crate::resource::{Gvk, ResId, Resource};
use crate::trace::{self, Attribution};
use crate::transform::labelselector::LabelSelector;
use crate::yaml::node::{Node, Pos, Style, Value, Written};
use crate::yaml::read::Schema;
use camino::{Utf8Path, Utf8PathBuf};
use foldhash::{HashMap, HashMapExt};
use regex::Regex;

/// What one patch entry holds.
enum Content {
    /// Strategic-merge patches (objects, with how their metadata values were written).
    Strategic(Vec<Resource>),
    /// JSON 6902 operations.
    Json(Vec<patch_json6902::Op>),
}

/// Records a patch whose target selected nothing (for `kcompile lint`).
fn note_unmatched(
    sink: &mut crate::diagnostics::Sink,
    site: Site,
    p: &Patch,
    what: &str,
    sel: &PatchTarget,
    resources: &[Resource],
) {
    let opt = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    let (kind, name) = (opt(&sel.kind), opt(&sel.name));
    sink.unmatched_target(site.file, p.pos, what, kind.as_deref(), name.as_deref(), resources);
}

/// A patch entry of a kustomization, for `kcompile explain`.
fn patch_step(field: &str, i: usize, p: &Patch, loader: &crate::load::Loader, lk: &LoadedKustomization) -> Attribution {
    let file =
        p.path.as_deref().map(|path| loader.resolve(&lk.dir, path).map_or_else(|_| lk.dir.join(path), |(f, _)| f));
    Attribution::patch(format!("{field}[{i}]"), file, &lk.file, p.pos)
}

/// Where a patch comes from, for messages.
fn describe(field: &str, index: usize, p: &Patch) -> String {
    match &p.path {
        Some(path) => format!("{field} entry {} ('{path}')", index + 1),
        None => format!("{field} entry {} (inline)", index + 1),
    }
}

/// Reads a patch's text: its file, or the inline text (surrounding space trimmed with `trim`,
/// as kustomize's PatchTransformer does). Empty inline text counts as none.
fn patch_text(loader: &Loader, site: Site, p: &Patch, trim: bool) -> Result<(String, Option<Utf8PathBuf>)> {
    let inline = p.patch.as_deref().map(|t| if trim { t.trim() } else { t }).filter(|t| !t.is_empty());
    match (&p.path, inline) {
        (Some(_), Some(_)) => bail!("a patch must have 'path' or 'patch', not both"),
        (None, None) => bail!("a patch must have 'path' (a file) or 'patch' (inline text)"),
        (None, Some(text)) => Ok((text.to_string(), None)),
        (Some(path), None) => {
            let (real, text) = loader.read_file(site.dir, path)?;
            Ok((text, Some(real)))
        }
    }
}

/// Strategic-merge documents, if the text is a stream of objects.
fn as_strategic(loader: &Loader, text: &str, origin: &Utf8Path) -> Result<Vec<Resource>> {
    loader.parse_resources(text, origin)
}

/// JSON 6902 operations, if the text is an operation list (JSON, or YAML read with YAML 1.1
/// rules). `Ok(None)` for text that decodes to null (comments only).
fn as_json_ops(loader: &Loader, text: &str) -> Result<Option<Vec<patch_json6902::Op>>> {
    if text.is_empty() {
        bail!("empty json patch operations");
    }
    // kustomize decodes text starting with `[` as JSON, strictly (flow YAML such as
    // `[{op: add, ...}]` is refused); any other text as YAML.
    if text.starts_with('[') {
        if let Err(at) = crate::yaml::json::validate(text.as_bytes()) {
            return Err(Error::new(format!("invalid JSON patch: not valid JSON at byte {at}"))
                .help("a patch starting with '[' is read as JSON: quote every key and string, or write the operations as a YAML list"));
        }
    }
    let doc = loader.parse_one(text, Schema::V11).map_err(Error::from)?;
    match doc {
        None => Ok(None),
        Some(n) => {
            if n.as_seq().is_none() {
                bail!("a JSON patch is a list of operations");
            }
            patch_json6902::ops_from_node(&n).map(Some)
        }
    }
}

/// Recognises a patch's content as kustomize does: it must read as exactly one of the two.
/// `from_file`: the text is the whole of `origin`, so positions in it are positions in the file.
fn classify(loader: &Loader, text: &str, origin: &Utf8Path, from_file: bool) -> Result<Content> {
    let sm = as_strategic(loader, text, origin);
    let json = as_json_ops(loader, text);
    match (sm, json) {
        (Ok(_), Ok(_)) => bail!(
            "illegally qualifies as both an SM and JSON patch: the patch reads both as strategic-merge \
             objects and as a JSON patch (is it empty or only comments?)"
        ),
        (Ok(docs), Err(_)) => Ok(Content::Strategic(docs)),
        (Err(_), Ok(ops)) => Ok(Content::Json(ops.unwrap_or_default())),
        (Err(sm), Err(json)) => {
            let hint = sm.hint().map(str::to_string).unwrap_or_else(|| {
                "a patch is either Kubernetes objects (apiVersion, kind, metadata.name and the fields to change) \
                 or a list of JSON 6902 operations (op, path, value)"
                    .to_string()
            });
            let mut e = Error::new(format!(
                "unable to parse SM or JSON patch: as a strategic-merge patch: {}; as a JSON patch: {}",
                sm.message(),
                json.message()
            ))
            .help(hint);
            if let (true, Some(file), Some(line), Some(col)) = (from_file, sm.file(), sm.line(), sm.column()) {
                e = e.located(file, crate::yaml::node::Pos::new(line, col));
            }
            Err(e)
        }
    }
}

/// The id of a patch object (its kind, apiVersion, name and namespace).
fn patch_id(n: &Node) -> ResId {
    let s = |p: &[&str]| n.str_at(p).unwrap_or("").to_string();
    ResId {
        gvk: Gvk::from_api_version(&s(&["apiVersion"]), &s(&["kind"])),
        name: s(&["metadata", "name"]),
        namespace: s(&["metadata", "namespace"]),
    }
}

/// Resource positions by every name the resource answers to (its current name and the names
/// it had before renames), so that a patch naming its target finds it without comparing every
/// resource: a tree with thousands of per-object patches stays linear. Built on first use and
/// dropped when a patch renames or deletes objects.
#[derive(Default)]
pub struct NameIndex {
    by_name: Option<HashMap<String, Vec<usize>>>,
}

impl NameIndex {
    /// The positions of the resources that have, or had, `name`, ascending.
    fn candidates(&mut self, resources: &[Resource], name: &str) -> &[usize] {
        let by_name = self.by_name.get_or_insert_with(|| {
            let mut map: HashMap<String, Vec<usize>> = HashMap::with_capacity(resources.len());
            for (i, r) in resources.iter().enumerate() {
                let names = std::iter::once(r.name()).chain(r.previous.iter().map(|(n, _)| n.as_str()));
                for n in names {
                    let at = map.entry(n.to_string()).or_default();
                    if at.last() != Some(&i) {
                        at.push(i);
                    }
                }
            }
            map
        });
        by_name.get(name).map(Vec::as_slice).unwrap_or_default()
    }

    /// Applies `change` to the resources, keeping the index only if no object was renamed or
    /// removed by it.
    fn around<T>(&mut self, acc: &mut Accumulator, targets: &[usize], change: impl FnOnce(&mut Accumulator) -> T) -> T {
        if self.by_name.is_none() {
            return change(acc);
        }
        let before: Vec<String> =
            targets.iter().filter_map(|&i| acc.resources.get(i)).map(|r| r.name().to_string()).collect();
        let len = acc.resources.len();
        let out = change(acc);
        let same = acc.resources.len() == len
            && targets.iter().zip(&before).all(|(&i, name)| acc.resources.get(i).is_some_and(|r| r.name() == name));
        if !same {
            self.by_name = None;
        }
        out
    }
}

/// The objects a patch without target applies to: those with its id, now or before a rename.
fn matching_by_id(index: &mut NameIndex, resources: &[Resource], id: &ResId) -> Vec<usize> {
    let mut out = Vec::new();
    for &i in index.candidates(resources, &id.name) {
        if resources.get(i).is_some_and(|r| r.ids().iter().any(|p| id.same_object(p))) {
            out.push(i);
        }
    }
    out
}

/// The one object a patch without target applies to.
fn unique_target(index: &mut NameIndex, resources: &[Resource], id: &ResId) -> Result<usize> {
    let found = matching_by_id(index, resources, id);
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(Error::new(format!(
            "no resource matches strategic merge patch \"{id}\": no matches for Id {id}; failed to find unique \
             target for patch {id}"
        ))
        .help(no_target_hint(resources, id))
        .with_kind(crate::ErrorKind::Patch)),
        _ => Err(Error::new(format!("multiple matches for Id {id}; failed to find unique target for patch {id}"))
            .help(
                "several objects have this kind, apiVersion, name and namespace: give the patch a 'target' \
             (for example with a namespace) to say which",
            )
            .with_kind(crate::ErrorKind::Patch)),
    }
}

/// Why no object has a patch's id, and what to change: the nearest name, or the namespace or
/// apiVersion that differs.
fn no_target_hint(resources: &[Resource], id: &ResId) -> String {
    const FIX: &str = "A patch without 'target' applies to the one object with its kind, apiVersion, \
                       metadata.name and metadata.namespace: correct them in the patch, or give the patch a \
                       'target' to select objects otherwise";
    let kind = id.gvk.kind.as_str();
    if id.name.is_empty() {
        return format!("The patch has no metadata.name. {FIX}");
    }
    let same: Vec<ResId> = resources
        .iter()
        .flat_map(|r| r.ids())
        .filter(|other| other.gvk.kind == kind && other.name == id.name)
        .collect();
    if let Some(other) = same.iter().find(|o| o.effective_namespace() != id.effective_namespace()) {
        let ns = |n: &str| if n.is_empty() { "no namespace".to_string() } else { format!("namespace '{n}'") };
        return format!(
            "{kind} '{}' exists in {}, but the patch is for {}. {FIX}",
            id.name,
            ns(other.effective_namespace()),
            ns(id.effective_namespace())
        );
    }
    if let Some(other) = same.first() {
        return format!(
            "{kind} '{}' exists with apiVersion '{}', but the patch says '{}'. {FIX}",
            id.name,
            api_version(&other.gvk),
            api_version(&id.gvk)
        );
    }
    let ids: Vec<(String, String)> = resources.iter().map(|r| (r.kind().to_string(), r.name().to_string())).collect();
    let hint = crate::error::missing_object_hint(kind, &id.name, ids.iter().map(|(k, n)| (k.as_str(), n.as_str())));
    crate::error::sentences(&hint, FIX)
}

fn api_version(g: &Gvk) -> String {
    if g.group.is_empty() {
        g.version.clone()
    } else {
        format!("{}/{}", g.group, g.version)
    }
}

/// Where a patch object names its target (its `metadata.name`, else the object itself).
fn name_pos(doc: &Node) -> crate::yaml::node::Pos {
    doc.get("metadata").and_then(|m| m.get("name")).map(|n| n.pos).unwrap_or(doc.pos)
}

/// How kustomize hands a strategic-merge patch to its target.
#[derive(Clone, Copy, PartialEq)]
enum Handover {
    /// As read (`patches` without target).
    AsRead,
    /// Through its resource map, which copies the patch and rewrites the copy's labels and
    /// annotations as string maps (`patchesStrategicMerge`, `patches` with a target).
    Copied,
}

/// kustomize's copy of a patch (`CopyMergeMetaDataFieldsFrom`): each label and annotation value
/// becomes the string it was written as (a map or list value the empty string), and an empty or
/// null `labels`/`annotations` field is dropped, so it no longer deletes anything. The label
/// entries are made anew, with plain keys: a key such as `"2001-12-14"` then reads back as
/// another type when kustomize prints the object, and it fails (kubectl: `json: unsupported
/// type`); their values lose their positions, so that the build's end sees keys it made
/// (`build_metadata::check_made_keys`).
fn copy_metadata(patch: &mut Node, texts: &[(String, Pos, String)]) {
    let Some(meta) = patch.get_mut("metadata").and_then(Node::as_map_mut) else {
        return;
    };
    for field in ["labels", "annotations"] {
        let Some(value) = meta.get_mut(field) else { continue };
        let Some(map) = value.as_map_mut().filter(|m| !m.is_empty()) else {
            meta.shift_remove(field);
            continue;
        };
        crate::resource::strings_as_written(map, texts);
        if field == "labels" {
            map.values_mut().for_each(|v| v.pos = Pos::default());
        }
    }
}

/// Where the nodes of a patch's label and annotation values are (the values and what they
/// hold), which [`copy_metadata`] turns into strings.
fn metadata_value_positions(patch: &Node) -> Vec<Pos> {
    fn all(n: &Node, out: &mut Vec<Pos>) {
        out.push(n.pos);
        match &n.value {
            Value::Map(m) => m.values().for_each(|v| all(v, out)),
            Value::Seq(items) => items.iter().for_each(|v| all(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    let Some(meta) = patch.get("metadata") else { return out };
    for field in ["labels", "annotations"] {
        if let Some(map) = meta.get(field).and_then(Node::as_map) {
            map.values().for_each(|v| all(v, &mut out));
        }
    }
    out
}

/// kyaml's merge makes a new key node, untagged, for each field a patch adds to a map the object
/// already has: a patch's key tagged other than `!!str` fails kustomize only where the patch
/// brings its whole map (kubectl: `spec: {!custom k: x}` onto an object with a `spec` builds,
/// `spec: {m: {!custom k: x}}` onto one without `spec.m` fails). Drops the first kind.
fn drop_remade_keys(problems: &mut Vec<crate::resource::Pending>, patch: &Node, target: &Node) {
    /// The map keys leading to the node at `pos`, when only maps lead there.
    fn keys_to<'n>(n: &'n Node, pos: Pos, path: &mut Vec<&'n str>) -> bool {
        let Some(m) = n.as_map() else { return false };
        for (k, v) in m {
            path.push(k);
            if v.pos == pos || keys_to(v, pos, path) {
                return true;
            }
            path.pop();
        }
        false
    }
    problems.retain(|p| {
        if !p.problem.tagged_key {
            return true;
        }
        let mut path = Vec::new();
        if !keys_to(patch, p.problem.node, &mut path) {
            return true;
        }
        path.pop();
        let mut at = target;
        for k in path {
            match at.get(k) {
                Some(child) => at = child,
                None => return true,
            }
        }
        at.as_map().is_none()
    });
}

/// Applies a strategic-merge patch to one resource. Returns false when the patch deleted it.
fn apply_sm(r: &mut Resource, patch: &Resource, how: Handover, p: &Patch, schemas: &Schemas) -> Result<bool> {
    let (name, namespace, kind) = (r.name().to_string(), r.namespace().to_string(), r.kind().to_string());
    if p.allow_name_change || p.allow_kind_change {
        r.remember_name();
    }
    let mut texts = patch.metadata_texts.clone();
    let mut patch_deferred = patch.deferred.clone();
    let patch_empty_nulls = &patch.empty_nulls;
    let mut patch = patch.node.clone();
    if how == Handover::Copied {
        // The copy's label and annotation values are strings now: nothing left to fail on.
        let stringified = metadata_value_positions(&patch);
        patch_deferred.retain(|d| !stringified.contains(&d.problem.node));
        copy_metadata(&mut patch, &texts);
        texts.clear();
    }
    drop_remade_keys(&mut patch_deferred, &patch, &r.node);
    // kustomize's copy of a patch takes the object's apiVersion (its kind stays its own), from
    // kyaml's SetGvk and SetKind: untagged, read again when printed (an empty apiVersion is a
    // null; a kind a replacement later writes is text to resolve). A patch used as read
    // (`patches` without a target) matched its object by id, apiVersion included, and merges
    // as it is: one written without an apiVersion adds none.
    if how == Handover::Copied && patch.as_map().is_some() {
        let av = r.str_field(&["apiVersion"]).to_string();
        let kind = patch.get("kind").and_then(|k| k.as_text().map(str::to_string).or_else(|| k.scalar_text()));
        patch.set_untagged_field("apiVersion", av);
        patch.set_untagged_field("kind", kind.unwrap_or_default());
    }
    if r.flow {
        mark_empty_nulls(&mut patch, patch_empty_nulls);
    }
    let node = std::mem::replace(&mut r.node, Node::null());
    let Some(merged) = patch_sm::merge(node, patch, schemas, &r.empty_nulls)? else {
        return Ok(false);
    };
    r.node = merged;
    if r.flow {
        // go-yaml prints the object in flow style (see `Resource::flow`): the patch's empty
        // values it kept are `""` from now on.
        empty_nulls_to_strings(&mut r.node);
    }
    // What kustomize would fail on when converting the patch's nodes now in the object.
    r.deferred.append(&mut patch_deferred);
    r.retain_live_deferred();
    // kyaml merges scalars into the target's nodes: a value the patch changed reaches the
    // fields sharing it.
    r.sync_shared();
    // Annotation values the patch brought in print as the patch wrote them.
    r.metadata_texts.append(&mut texts);
    // kustomize sets them back with kyaml's SetKind, SetName and SetNamespace: untagged nodes
    // in the style of the field they replace.
    if !p.allow_kind_change {
        r.node.set_untagged_field("kind", kind);
    }
    if !p.allow_name_change {
        r.set_name(&name);
    }
    if namespace.is_empty() {
        if let Some(meta) = r.node.get_mut("metadata").and_then(Node::as_map_mut) {
            meta.shift_remove("namespace");
        }
    } else {
        r.node.entry_map("metadata");
        if let Some(meta) = r.node.get_mut("metadata") {
            meta.set_untagged_field("namespace", namespace);
        }
    }
    Ok(true)
}

/// Marks the nulls of `patch` written as an empty value (at `empty_nulls`) with an empty
/// written text, so that they can be told apart once merged (see [`empty_nulls_to_strings`]).
fn mark_empty_nulls(n: &mut Node, empty_nulls: &[Pos]) {
    match &mut n.value {
        Value::Null if empty_nulls.contains(&n.pos) => n.written = Some(Box::new(Written { text: "".into() })),
        Value::Map(m) => m.values_mut().for_each(|v| mark_empty_nulls(v, empty_nulls)),
        Value::Seq(items) => items.iter_mut().for_each(|v| mark_empty_nulls(v, empty_nulls)),
        _ => {}
    }
}

/// The nulls [`mark_empty_nulls`] marked, made the empty string go-yaml's flow style makes them.
fn empty_nulls_to_strings(n: &mut Node) {
    match &mut n.value {
        Value::Null if n.written.as_ref().is_some_and(|w| w.text.is_empty()) => {
            n.value = Value::Str(String::new());
            n.style = Style::Quoted;
            n.written = None;
        }
        Value::Map(m) => m.values_mut().for_each(empty_nulls_to_strings),
        Value::Seq(items) => items.iter_mut().for_each(empty_nulls_to_strings),
        _ => {}
    }
}

/// Applies one strategic-merge patch to the resources at `targets`, dropping deleted ones.
fn apply_sm_to(
    acc: &mut Accumulator,
    targets: &[usize],
    patch: &Resource,
    how: Handover,
    p: &Patch,
    schemas: &Schemas,
) -> Result<()> {
    let mut deleted = Vec::new();
    let mut renamed = false;
    for &i in targets {
        let Some(r) = acc.resources.get_mut(i) else { continue };
        let id = r.id();
        let kept = apply_sm(r, patch, how, p, schemas)
            .map_err(|e| e.context(format!("while patching {id}")).with_kind(crate::ErrorKind::Patch))?;
        renamed |= kept && r.id() != id;
        if !kept {
            deleted.push(i);
        }
    }
    if !deleted.is_empty() {
        let mut i = 0;
        acc.resources.retain(|_| {
            let keep = !deleted.contains(&i);
            i += 1;
            keep
        });
    }
    if renamed {
        // kustomize re-adds the patched objects one by one, refusing a repeated id.
        crate::accumulate::check_unique_ids(&acc.resources)?;
    }
    Ok(())
}

/// Applies JSON 6902 operations to the resources at `targets`; `remember` records their names
/// first (so name references follow a rename).
fn apply_json_to(
    acc: &mut Accumulator,
    targets: &[usize],
    ops: &[patch_json6902::Op],
    remember: bool,
    file: Option<&Utf8Path>,
    tracking: &crate::build_metadata::Tracking,
) -> Result<()> {
    for &i in targets {
        let Some(r) = acc.resources.get_mut(i) else { continue };
        let id = r.id();
        if remember {
            r.remember_name();
        }
        // kustomize converts the object to JSON to apply the patch.
        r.check_deferred(false)
            .map_err(|e| e.context(format!("while patching {id}")).with_kind(crate::ErrorKind::Patch))?;
        // kustomize's object has its build annotations while the patch applies (so
        // `/metadata/annotations` exists); it puts back its own values of them after.
        crate::build_metadata::expose(r, tracking);
        let res = patch_json6902::apply_from(&mut r.node, ops, file);
        crate::build_metadata::hide(r, tracking);
        res.map_err(|e| e.context(format!("while patching {id}")).with_kind(crate::ErrorKind::Patch))?;
        as_marshalled(&mut r.node);
        reset_annotations(&mut r.node, remember).map_err(|e| e.context(format!("while patching {id}")))?;
        // kustomize applies JSON patches to the object as JSON: values come back in their
        // canonical form (`~` is `null`, `1.50` is `1.5`).
        r.metadata_texts.clear();
        r.empty_nulls.clear();
        r.flow = false;
        r.shared.clear();
        r.deferred.clear();
        written_back_by_json(&r.node).map_err(|e| e.context(format!("while patching {id}")))?;
    }
    Ok(())
}

/// kustomize rebuilds an object from JSON after a JSON patch (kyaml's `FromMap`: go-yaml v3's
/// `Marshal`, read back): every scalar has the style go-yaml gives its value, not the one it
/// was written in (a strategic-merge patch's number over a string written `"abc"` stays a
/// number after it, see `Node::written_over`), its canonical text and a tag.
fn as_marshalled(n: &mut Node) {
    n.written = None;
    n.untagged = false;
    n.style = match &mut n.value {
        Value::Str(s) if crate::yaml::emit::marshalled_plain(s) => Style::Plain,
        Value::Str(s) if s.contains('\n') => Style::Literal,
        Value::Str(_) => Style::Quoted,
        Value::Map(m) => {
            m.values_mut().for_each(as_marshalled);
            Style::Plain
        }
        Value::Seq(items) => {
            items.iter_mut().for_each(as_marshalled);
            Style::Plain
        }
        _ => Style::Plain,
    };
}

/// kustomize rebuilds an object from JSON after a JSON patch (kyaml's `FromMap`: go-yaml v3
/// marshals it, then reads the text back), and fails where that text does not read back as the
/// object: every key is written plain, so a key `<<` reads as a merge key when kustomize next
/// converts the object (to print it), which fails unless its value is a map or a list of maps;
/// a string with a line break is written literal, which fails to read when it starts with a tab.
fn written_back_by_json(n: &Node) -> Result<()> {
    fn walk(n: &Node, path: &mut Vec<String>) -> Result<()> {
        match &n.value {
            Value::Map(m) => {
                for (k, v) in m {
                    let mergeable = match &v.value {
                        Value::Map(_) => true,
                        Value::Seq(items) => items.iter().all(|i| matches!(i.value, Value::Map(_))),
                        _ => false,
                    };
                    if k == "<<" && !mergeable {
                        let what = match &v.value {
                            Value::Seq(_) => "a list holding a non-map".to_string(),
                            other => format!("a {}", other.type_name()),
                        };
                        return Err(Error::new(format!(
                            "the JSON patch leaves a key '<<' at '{}' whose value is {what}: kustomize writes the \
                             patched object back with '<<' as a merge key and fails when it prints it (map merge \
                             requires map or sequence of maps as the value)",
                            path.join("."),
                        ))
                        .help("give '<<' a map value, or use another key"));
                    }
                    path.push(k.clone());
                    walk(v, path)?;
                    path.pop();
                }
            }
            Value::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    path.push(i.to_string());
                    walk(item, path)?;
                    path.pop();
                }
            }
            Value::Str(s) if crate::yaml::read::unreadable_when_written_v3(s) => {
                return Err(Error::new(format!(
                    "the value at '{}' has several lines and starts with a tab: kustomize writes the patched \
                     object back with it as a literal block scalar, which it cannot read (found a tab character \
                     where an indentation space is expected)",
                    path.join("."),
                ))
                .help("start the value with a space or a line break, or write the tab some other way (kustomize fails on it too)"));
            }
            _ => {}
        }
        Ok(())
    }
    walk(n, &mut Vec::new())
}

/// What kustomize does to the annotations after a JSON patch: it reads them as a string map and
/// sets them again. kyaml reads the node's children in pairs whatever its kind, so a list
/// `[k, v, ...]` becomes `{k: v}` (kustomize panics on an odd count; the last item is dropped
/// here), a scalar gives nothing; values are their text (the empty string for a map or list);
/// an empty result removes the field. An empty key, which sorts first, makes kyaml's setter fail
/// on the fresh map: `patches` ignores that error and leaves the map empty (`lenient`),
/// `patchesJson6902` fails.
fn reset_annotations(doc: &mut Node, lenient: bool) -> Result<()> {
    let Some(meta) = doc.get_mut("metadata").and_then(Node::as_map_mut) else { return Ok(()) };
    let Some(annotations) = meta.get_mut("annotations") else { return Ok(()) };
    if let Value::Seq(items) = &annotations.value {
        let text = |n: &Node| n.scalar_text().unwrap_or_default();
        let pairs = items.chunks_exact(2).map(|kv| (text(&kv[0]), Node::string(text(&kv[1]))));
        annotations.value = Value::Map(pairs.collect());
    }
    match annotations.as_map_mut().filter(|m| !m.is_empty()) {
        Some(map) if map.contains_key("") => {
            if !lenient {
                bail!("wrong node kind: expected ScalarNode but got MappingNode (an annotation with an empty key)");
            }
            map.clear();
        }
        Some(map) => crate::resource::strings_as_written(map, &[]),
        None => {
            meta.shift_remove("annotations");
        }
    }
    Ok(())
}

/// Step 1: `patchesStrategicMerge` (deprecated): file paths or inline patches.
pub fn run_strategic_merge(
    ctx: &mut Ctx,
    schema: &mut SchemaState,
    lk: &LoadedKustomization,
    acc: &mut Accumulator,
) -> Result<()> {
    let entries = &lk.kustomization.patches_strategic_merge;
    if entries.is_empty() {
        return Ok(());
    }
    strategic_merge(ctx, schema, Site::of(lk), acc, &mut NameIndex::default(), entries, None)
}

/// Strategic-merge patches each applied to the one object with the patch's id (kustomize's
/// PatchStrategicMergeTransformer): `entries` are file paths, or patch text given in their place;
/// `inline` is a further stream of patches (the plugin's `patches` field).
pub fn strategic_merge(
    ctx: &mut Ctx,
    schema: &mut SchemaState,
    site: Site,
    acc: &mut Accumulator,
    index: &mut NameIndex,
    entries: &[Spanned],
    inline: Option<&str>,
) -> Result<()> {
    // Each patch with the entry it comes from and the file it was read from (none when inline).
    let mut patches: Vec<(Resource, Option<usize>, Option<Utf8PathBuf>)> = Vec::new();
    let step = |i: usize| match entries.get(i) {
        Some(e) if e.value.contains('\n') => format!("in patchesStrategicMerge entry {} (inline)", i + 1),
        Some(e) => format!("in patchesStrategicMerge entry {} ('{}')", i + 1, e.value),
        None => format!("in patchesStrategicMerge entry {}", i + 1),
    };
    for (i, entry) in entries.iter().enumerate() {
        let at_entry = |e: Error| e.within(step(i), site.file, entry.pos);
        // Like kustomize, an entry that reads as objects is an inline patch; otherwise a path.
        match as_strategic(&ctx.loader, &entry.value, site.file) {
            Ok(docs) => {
                patches.extend(docs.into_iter().map(|d| (d, Some(i), None)));
                continue;
            }
            // Text of several lines is no file name: why it does not read says more than a
            // missing file would (its positions are in the entry, not the file, so none given).
            Err(e) if entry.value.contains('\n') => {
                return Err(at_entry(
                    Error::new(format!("the inline patch does not read as objects: {}", e.message()))
                        .help("an entry of several lines is taken for the patch itself; fix its YAML"),
                ));
            }
            Err(_) => {}
        }
        let (real, text) = ctx.loader.read_file(site.dir, &entry.value).map_err(at_entry)?;
        let docs = as_strategic(&ctx.loader, &text, &real).map_err(|e| at_entry(e.in_file(&real)))?;
        patches.extend(docs.into_iter().map(|d| (d, Some(i), Some(real.clone()))));
    }
    if let Some(text) = inline {
        let docs =
            as_strategic(&ctx.loader, text, site.file).map_err(|e| e.in_file(site.file).context("in 'patches'"))?;
        patches.extend(docs.into_iter().map(|d| (d, None, None)));
    }
    if patches.is_empty() {
        let names: Vec<&str> = entries.iter().map(|e| e.value.as_str()).collect();
        let pos = entries.first().map(|e| e.pos).unwrap_or_default();
        return Err(Error::new(format!(
            "patchesStrategicMerge: patch appears to be empty; files=[{}]",
            names.join(" ")
        ))
        .help("every entry is empty or only comments: write the patch, or remove the entry")
        .located(site.file, pos));
    }
    let schemas = schema.for_strategic_merge(&acc.resources);
    let opts = Patch::default();
    for (patch, i, real) in &patches {
        let at_entry = |e: Error| {
            let e = match real {
                Some(real) => e.located(real, name_pos(&patch.node)),
                None => e,
            };
            match i {
                Some(i) => e.within(step(*i), site.file, entries.get(*i).map(|e| e.pos).unwrap_or_default()),
                None => e.in_file(site.file).context("in 'patches'"),
            }
        };
        let id = patch_id(&patch.node);
        let target = unique_target(index, &acc.resources, &id).map_err(at_entry)?;
        trace::begin(&mut ctx.tracer, &mut acc.resources);
        index
            .around(acc, &[target], |acc| apply_sm_to(acc, &[target], patch, Handover::Copied, &opts, schemas))
            .map_err(at_entry)?;
        trace::end(&mut ctx.tracer, &mut acc.resources, || match i {
            Some(i) => {
                let pos = entries.get(*i).map(|e| e.pos).unwrap_or_default();
                Attribution::patch(format!("patchesStrategicMerge[{i}]"), real.clone(), site.file, pos)
            }
            None => Attribution::at("patches", site.file, Pos::default()),
        });
    }
    Ok(())
}

/// Step 2: `patches`.
pub fn run_patches(
    ctx: &mut Ctx,
    schema: &mut SchemaState,
    lk: &LoadedKustomization,
    acc: &mut Accumulator,
) -> Result<()> {
    let mut index = NameIndex::default();
    for (i, p) in lk.kustomization.patches.iter().enumerate() {
        trace::begin(&mut ctx.tracer, &mut acc.resources);
        ctx.build_metadata.enter(lk, "patches", i);
        let patched = patch(ctx, schema, Site::of(lk), acc, &mut index, p, &describe("patches", i, p));
        ctx.build_metadata.leave();
        patched?;
        let loader = &ctx.loader;
        trace::end(&mut ctx.tracer, &mut acc.resources, || patch_step("patches", i, p, loader, lk));
    }
    Ok(())
}

/// One patch of either kind, recognised by its content (kustomize's PatchTransformer): a
/// strategic-merge patch applies to its target's selection, or to the object with its id; a
/// JSON 6902 patch to its target's selection. `what` names the patch in messages.
pub fn patch(
    ctx: &mut Ctx,
    schema: &mut SchemaState,
    site: Site,
    acc: &mut Accumulator,
    index: &mut NameIndex,
    p: &Patch,
    what: &str,
) -> Result<()> {
    let at_entry = |e: Error| e.within(format!("in {what}"), site.file, p.pos);
    let (text, real) = patch_text(&ctx.loader, site, p, true).map_err(at_entry)?;
    let origin = real.as_deref().unwrap_or(site.file);
    // Errors about one patch object point at it when it was read from a file.
    let at_doc = |e: Error, doc: &Resource| match &real {
        Some(real) => at_entry(e.located(real, name_pos(&doc.node))),
        None => at_entry(e),
    };
    let content = classify(&ctx.loader, &text, origin, real.is_some()).map_err(at_entry)?;
    let schemas = match content {
        Content::Strategic(_) => schema.for_strategic_merge(&acc.resources),
        Content::Json(_) => {
            schema.see(&acc.resources);
            schema.schemas()
        }
    };
    match content {
        Content::Strategic(docs) => {
            if let Some(sel) = &p.target {
                if docs.len() > 1 {
                    return Err(at_entry(Error::new(
                        "Multiple Strategic-Merge Patches in one `patches` entry is not allowed to set \
                         `patches.target` field: split the documents into separate entries",
                    )));
                }
                let m = Matcher::new(sel).map_err(at_entry)?;
                let targets = m.select(index, &acc.resources);
                if targets.is_empty() {
                    note_unmatched(&mut ctx.sink, site, p, what, sel, &acc.resources);
                }
                if let Some(doc) = docs.first() {
                    index
                        .around(acc, &targets, |acc| apply_sm_to(acc, &targets, doc, Handover::Copied, p, schemas))
                        .map_err(at_entry)?;
                }
            } else {
                if docs.is_empty() {
                    // An empty file reads as no objects; kustomize then takes it for a JSON patch.
                    return Err(at_entry(
                        Error::new("must specify a target for JSON patch")
                            .help("the patch is empty: write the patch, or remove the entry"),
                    ));
                }
                for doc in &docs {
                    let id = patch_id(&doc.node);
                    let target = unique_target(index, &acc.resources, &id).map_err(|e| at_doc(e, doc))?;
                    index
                        .around(acc, &[target], |acc| apply_sm_to(acc, &[target], doc, Handover::AsRead, p, schemas))
                        .map_err(|e| at_doc(e, doc))?;
                }
            }
        }
        Content::Json(ops) => {
            let Some(sel) = &p.target else {
                return Err(at_entry(Error::new(
                    "must specify a target for JSON patch: a JSON 6902 patch needs 'target' to name the objects",
                )));
            };
            let m = Matcher::new(sel).map_err(at_entry)?;
            let targets = m.select(index, &acc.resources);
            if targets.is_empty() {
                note_unmatched(&mut ctx.sink, site, p, what, sel, &acc.resources);
            }
            let tracking = ctx.build_metadata.clone();
            index
                .around(acc, &targets, |acc| apply_json_to(acc, &targets, &ops, true, real.as_deref(), &tracking))
                .map_err(at_entry)?;
        }
    }
    Ok(())
}

/// Step 7: `patchesJson6902` (deprecated): a target and JSON 6902 operations.
pub fn run_json6902(ctx: &mut Ctx, lk: &LoadedKustomization, acc: &mut Accumulator) -> Result<()> {
    let mut index = NameIndex::default();
    for (i, p) in lk.kustomization.patches_json6902.iter().enumerate() {
        trace::begin(&mut ctx.tracer, &mut acc.resources);
        ctx.build_metadata.enter(lk, "patchesJson6902", i);
        let patched = json6902(ctx, Site::of(lk), acc, &mut index, p, &describe("patchesJson6902", i, p));
        ctx.build_metadata.leave();
        patched?;
        let loader = &ctx.loader;
        trace::end(&mut ctx.tracer, &mut acc.resources, || patch_step("patchesJson6902", i, p, loader, lk));
    }
    Ok(())
}

/// JSON 6902 operations applied to a target's selection (kustomize's PatchJson6902Transformer).
/// The target must name an object; unlike `patches`, a rename here is not remembered, so
/// references to the old name are not updated (as in kustomize v5.5.0).
pub fn json6902(
    ctx: &mut Ctx,
    site: Site,
    acc: &mut Accumulator,
    index: &mut NameIndex,
    p: &Patch,
    what: &str,
) -> Result<()> {
    let at_entry = |e: Error| e.within(format!("in {what}"), site.file, p.pos);
    let Some(sel) = &p.target else {
        return Err(at_entry(Error::new("patchesJson6902: each entry needs a 'target' naming the objects to patch")));
    };
    if sel.name.as_deref().unwrap_or("").is_empty() {
        return Err(at_entry(Error::new("must specify the target name (a JSON 6902 patch's target needs 'name')")));
    }
    let (text, real) = patch_text(&ctx.loader, site, p, false).map_err(at_entry)?;
    if text.is_empty() {
        if let Some(path) = &p.path {
            return Err(at_entry(Error::new(format!("patch file '{path}' empty seems to be empty"))));
        }
    }
    let in_patch = |e: Error| match &real {
        Some(f) => e.in_file(f),
        None => at_entry(e),
    };
    let ops = as_json_ops(&ctx.loader, &text).map_err(in_patch)?.unwrap_or_default();
    if ops.is_empty() {
        return Err(in_patch(Error::new(format!(
            "patch appears to be empty; file={}, JsonOp={}",
            p.path.as_deref().unwrap_or(""),
            text.trim()
        ))));
    }
    let m = Matcher::new(sel).map_err(at_entry)?;
    let targets = m.select(index, &acc.resources);
    if targets.is_empty() {
        note_unmatched(&mut ctx.sink, site, p, what, sel, &acc.resources);
    }
    let tracking = ctx.build_metadata.clone();
    index
        .around(acc, &targets, |acc| apply_json_to(acc, &targets, &ops, false, real.as_deref(), &tracking))
        .map_err(at_entry)?;
    Ok(())
}

/// A compiled target selector.
struct Matcher {
    group: Option<Pattern>,
    version: Option<Pattern>,
    kind: Option<Pattern>,
    name: Option<Pattern>,
    namespace: Option<Pattern>,
    labels: Option<LabelSelector>,
    annotations: Option<LabelSelector>,
}

/// One field of a target selector: a whole-value regular expression, or, when the text has no
/// regular-expression syntax, the text itself (compared without building an automaton).
enum Pattern {
    Literal(String),
    Regex(Regex),
}

impl Pattern {
    fn is_match(&self, v: &str) -> bool {
        match self {
            Pattern::Literal(text) => text == v,
            Pattern::Regex(re) => re.is_match(v),
        }
    }
}

/// Whether `p` matches only itself as a regular expression.
fn is_literal(p: &str) -> bool {
    p.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
}

fn anchored(field: &str, v: &Option<String>) -> Result<Option<Pattern>> {
    match v.as_deref() {
        None | Some("") => Ok(None),
        Some(p) if is_literal(p) => Ok(Some(Pattern::Literal(p.to_string()))),
        Some(p) => Regex::new(&format!("^(?:{p})$"))
            .map(|re| Some(Pattern::Regex(re)))
            .map_err(|e| Error::new(format!("target {field}: invalid regular expression '{p}': {e}"))),
    }
}

impl Matcher {
    fn new(s: &PatchTarget) -> Result<Matcher> {
        let sel = |field: &str, v: &Option<String>| -> Result<Option<LabelSelector>> {
            match v.as_deref() {
                None | Some("") => Ok(None),
                Some(text) => LabelSelector::parse(text)
                    .map(Some)
                    .map_err(|e| Error::new(format!("target {field} '{text}': {}", e.message()))),
            }
        };
        Ok(Matcher {
            group: anchored("group", &s.group)?,
            version: anchored("version", &s.version)?,
            kind: anchored("kind", &s.kind)?,
            name: anchored("name", &s.name)?,
            namespace: anchored("namespace", &s.namespace)?,
            labels: sel("labelSelector", &s.label_selector)?,
            annotations: sel("annotationSelector", &s.annotation_selector)?,
        })
    }

    /// The positions of the resources the selector matches, ascending.
    fn select(&self, index: &mut NameIndex, resources: &[Resource]) -> Vec<usize> {
        // A literal name can only match resources that have, or had, that name.
        match &self.name {
            Some(Pattern::Literal(name)) => {
                let candidates = index.candidates(resources, name);
                self.filter(candidates.iter().filter_map(|&i| Some((i, resources.get(i)?))))
            }
            _ => self.filter(resources.iter().enumerate()),
        }
    }

    fn filter<'r>(&self, resources: impl Iterator<Item = (usize, &'r Resource)>) -> Vec<usize> {
        let hits = |re: &Option<Pattern>, v: &str| re.as_ref().is_none_or(|re| re.is_match(v));
        let mut out = Vec::new();
        for (i, r) in resources {
            let cur = r.id();
            let org = r.orig_id();
            if !hits(&self.namespace, org.effective_namespace()) && !hits(&self.namespace, cur.effective_namespace()) {
                continue;
            }
            if !hits(&self.name, &org.name) && !hits(&self.name, &cur.name) {
                continue;
            }
            let gvk = &cur.gvk;
            if !hits(&self.group, &gvk.group) || !hits(&self.version, &gvk.version) || !hits(&self.kind, &gvk.kind) {
                continue;
            }
            if let Some(ls) = &self.labels {
                if !ls.matches(r.meta_map("labels")) {
                    continue;
                }
            }
            if let Some(ls) = &self.annotations {
                if !ls.matches(r.meta_map("annotations")) {
                    continue;
                }
            }
            out.push(i);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify_t(text: &str, o: &Utf8Path) -> Result<Content> {
        classify(&Loader::new(&crate::fs::MemFs::default(), true, None), text, o, true)
    }

    #[test]
    fn a_json_patch_fails_where_the_object_it_writes_back_does_not_read_back() {
        let doc = |text: &str| crate::yaml::read::parse_one(text, Schema::V11).unwrap().unwrap();
        let err = written_back_by_json(&doc("spec:\n  d:\n    '<<': null\n")).unwrap_err();
        assert!(err.message().contains("a key '<<' at 'spec.d' whose value is a null"), "{}", err.message());
        let err = written_back_by_json(&doc("l:\n- '<<': [{a: 1}, 2]\n")).unwrap_err();
        assert!(err.message().contains("at 'l.0' whose value is a list holding a non-map"), "{}", err.message());
        written_back_by_json(&doc("a: {'<<': {b: 1}}\nc: {'<<': [{d: 2}]}\n")).unwrap();
        // kubectl: "yaml: line 2: found a tab character where an indentation space is expected".
        let err = written_back_by_json(&doc("data:\n  a: [ok, \"\\tx\\ny\"]\n")).unwrap_err();
        assert!(
            err.message().contains("the value at 'data.a.1' has several lines and starts with a tab"),
            "{}",
            err.message()
        );
        written_back_by_json(&doc("data: {a: \"\\tx\", b: \"x\\n\\ty\", c: \"\\tx \\ny\"}\n")).unwrap();
    }

    #[test]
    fn a_copied_patch_has_its_labels_and_annotations_as_written_and_no_empty_maps() {
        let text = "kind: X\nmetadata:\n  name: a\n  labels: {n: .5, d: 2001-12-14, e: , s: 'q'}\n  annotations: {}\n";
        let fs = crate::fs::MemFs::default();
        let loader = Loader::new(&fs, true, None);
        let Ok(mut rs) = as_strategic(&loader, text, Utf8Path::new("p.yaml")) else { panic!("patch reads") };
        let r = rs.remove(0);
        let mut node = r.node.clone();
        copy_metadata(&mut node, &r.metadata_texts);
        let labels = node.get("metadata").and_then(|m| m.get("labels"));
        let texts: Vec<_> = ["n", "d", "e", "s"].iter().filter_map(|k| labels?.get(k)?.as_str()).collect();
        assert_eq!(texts, [".5", "2001-12-14", "", "q"]);
        assert!(node.get("metadata").and_then(|m| m.get("annotations")).is_none());
    }

    #[test]
    fn classify_patches() {
        let o = Utf8Path::new("p.yaml");
        assert!(matches!(classify_t("- op: add\n  path: /a\n  value: 1\n", o), Ok(Content::Json(_))));
        assert!(matches!(classify_t("[{\"op\": \"remove\", \"path\": \"/a\"}]", o), Ok(Content::Json(_))));
        assert!(matches!(classify_t("kind: X\nmetadata: {name: a}\n", o), Ok(Content::Strategic(_))));
        assert!(matches!(classify_t("", o), Ok(Content::Strategic(d)) if d.is_empty()));
        assert!(classify_t("# only a comment\n", o).is_err());
        assert!(classify_t("just text", o).is_err());
    }

    #[test]
    fn a_patch_starting_with_a_bracket_must_be_strict_json() {
        let o = Utf8Path::new("p.yaml");
        assert!(classify_t("[{op: add, path: /a, value: 1}]", o).is_err());
        assert!(matches!(
            classify_t(
                "[{\"op\": \"add\", \"path\": \"/a\", \"value\": {\"x\": [1, -2.5e3, true, null, \"\\u00e9\"]}}]\n",
                o
            ),
            Ok(Content::Json(_))
        ));
        assert!(matches!(classify_t(" [{op: add, path: /a, value: 1}]", o), Ok(Content::Json(_))));
    }

    #[test]
    fn anchored_regexes() {
        let re = anchored("name", &Some("api|ui".into())).unwrap().unwrap();
        assert!(re.is_match("api") && re.is_match("ui") && !re.is_match("apis"));
        assert!(anchored("kind", &Some("(".into())).is_err());
        let lit = anchored("name", &Some("app-1".into())).unwrap().unwrap();
        assert!(matches!(lit, Pattern::Literal(_)) && lit.is_match("app-1") && !lit.is_match("app-12"));
        assert!(anchored("name", &Some("app.1".into())).unwrap().unwrap().is_match("appx1"));
    }
}
