//! The patch transformers: `patchesStrategicMerge`, `patches` and `patchesJson6902`, read and
//! targeted as kustomize v5.5.0 reads and targets them; the merging itself is in
//! [`super::patch_sm`] and [`super::patch_json6902`]. Also the build-wide `openapi` setting.
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

use super::openapi::{self, OpenApi, Schemas};
use super::{patch_json6902, patch_sm, Site};
use crate::accumulate::{Accumulator, Builder};
use crate::error::{bail, Error, Result};
use crate::kustomization::{Patch, Selector, Spanned};
use crate::load::{LoadedKustomization, Loader};
use crate::resource::{Gvk, ResId, Resource};
use crate::trace::{self, Step};
use crate::transform::labelselector::LabelSelector;
use crate::yaml::node::{Node, Pos};
use crate::yaml::read::Schema;
use camino::{Utf8Path, Utf8PathBuf};
use foldhash::{HashMap, HashMapExt};
use regex::Regex;
use std::sync::Arc;

/// Applies the kustomization's `openapi` setting, as kustomize does when it loads a
/// kustomization: the first one met (the top kustomization first, then its resources and
/// components in order) wins for the rest of the build.
pub fn set_openapi(b: &mut Builder, lk: &LoadedKustomization, acc: &Accumulator) -> Result<()> {
    note_kinds(b, &acc.resources);
    let Some(field) = &lk.kustomization.openapi else { return Ok(()) };
    let (version, path) = openapi::parse_field(field).map_err(|e| e.in_file(&lk.file))?;
    let custom = match &path {
        Some(p) => {
            let (real, text) = b.loader.read_file(&lk.dir, p).map_err(|e| e.in_file(&lk.file).at(field.pos))?;
            Some((real, text))
        }
        None => None,
    };
    if b.openapi.is_set() {
        return Ok(());
    }
    match (version, custom) {
        (Some(_), Some(_)) => Err(Error::new(
            "openapi: builtin version and custom schema provided, cannot use both (give 'version' or 'path')",
        )
        .in_file(&lk.file)
        .at(field.pos)),
        (None, Some((real, text))) => {
            let doc = b
                .loader
                .parse_one(&text, Schema::V11)
                .map_err(|e| Error::from(e).in_file(&real))?
                .unwrap_or_else(Node::null);
            let base = b.builtin_schema_loaded.then(Schemas::builtin);
            let schemas = Schemas::from_document(&doc, base).map_err(|e| e.in_file(&real))?;
            b.openapi = OpenApi::Custom(Arc::new(schemas));
            Ok(())
        }
        (Some(v), None) => {
            if v.is_empty() {
                return Ok(());
            }
            if v != openapi::BUILTIN_VERSION {
                return Err(Error::new(format!(
                    "openapi: the specified OpenAPI version '{v}' is not built in (kcompile, like kustomize v5.5.0, has {})",
                    openapi::BUILTIN_VERSION
                ))
                .in_file(&lk.file)
                .at(field.pos));
            }
            b.openapi = OpenApi::Builtin;
            Ok(())
        }
        (None, None) => Ok(()),
    }
}

/// Kinds whose namespace scope kustomize knows without loading its schema; any other kind makes
/// it load the built-in schema, which a custom schema set later is then added to.
const PRECOMPUTED_SCOPE: &[(&str, &str)] = &[
    ("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration"),
    ("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"),
    ("admissionregistration.k8s.io/v1beta1", "MutatingWebhookConfiguration"),
    ("admissionregistration.k8s.io/v1beta1", "ValidatingWebhookConfiguration"),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
    ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition"),
    ("apiregistration.k8s.io/v1", "APIService"),
    ("apiregistration.k8s.io/v1beta1", "APIService"),
    ("apps/v1", "ControllerRevision"),
    ("apps/v1", "DaemonSet"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "ReplicaSet"),
    ("apps/v1", "StatefulSet"),
    ("autoscaling/v1", "HorizontalPodAutoscaler"),
    ("autoscaling/v1", "Scale"),
    ("autoscaling/v2beta1", "HorizontalPodAutoscaler"),
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler"),
    ("batch/v1", "CronJob"),
    ("batch/v1", "Job"),
    ("batch/v1beta1", "CronJob"),
    ("certificates.k8s.io/v1", "CertificateSigningRequest"),
    ("certificates.k8s.io/v1beta1", "CertificateSigningRequest"),
    ("coordination.k8s.io/v1", "Lease"),
    ("coordination.k8s.io/v1beta1", "Lease"),
    ("discovery.k8s.io/v1", "EndpointSlice"),
    ("discovery.k8s.io/v1beta1", "EndpointSlice"),
    ("events.k8s.io/v1", "Event"),
    ("events.k8s.io/v1beta1", "Event"),
    ("extensions/v1beta1", "Ingress"),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema"),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "PriorityLevelConfiguration"),
    ("networking.k8s.io/v1", "Ingress"),
    ("networking.k8s.io/v1", "IngressClass"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("networking.k8s.io/v1beta1", "Ingress"),
    ("networking.k8s.io/v1beta1", "IngressClass"),
    ("node.k8s.io/v1", "RuntimeClass"),
    ("node.k8s.io/v1beta1", "RuntimeClass"),
    ("policy/v1", "PodDisruptionBudget"),
    ("policy/v1beta1", "PodDisruptionBudget"),
    ("policy/v1beta1", "PodSecurityPolicy"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    ("rbac.authorization.k8s.io/v1", "Role"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding"),
    ("rbac.authorization.k8s.io/v1beta1", "Role"),
    ("rbac.authorization.k8s.io/v1beta1", "RoleBinding"),
    ("scheduling.k8s.io/v1", "PriorityClass"),
    ("scheduling.k8s.io/v1beta1", "PriorityClass"),
    ("storage.k8s.io/v1", "CSIDriver"),
    ("storage.k8s.io/v1", "CSINode"),
    ("storage.k8s.io/v1", "StorageClass"),
    ("storage.k8s.io/v1", "VolumeAttachment"),
    ("storage.k8s.io/v1beta1", "CSIDriver"),
    ("storage.k8s.io/v1beta1", "CSINode"),
    ("storage.k8s.io/v1beta1", "CSIStorageCapacity"),
    ("storage.k8s.io/v1beta1", "StorageClass"),
    ("storage.k8s.io/v1beta1", "VolumeAttachment"),
    ("v1", "ComponentStatus"),
    ("v1", "ConfigMap"),
    ("v1", "Endpoints"),
    ("v1", "Event"),
    ("v1", "LimitRange"),
    ("v1", "Namespace"),
    ("v1", "Node"),
    ("v1", "NodeProxyOptions"),
    ("v1", "PersistentVolume"),
    ("v1", "PersistentVolumeClaim"),
    ("v1", "Pod"),
    ("v1", "PodAttachOptions"),
    ("v1", "PodExecOptions"),
    ("v1", "PodPortForwardOptions"),
    ("v1", "PodProxyOptions"),
    ("v1", "PodTemplate"),
    ("v1", "ReplicationController"),
    ("v1", "ResourceQuota"),
    ("v1", "Secret"),
    ("v1", "Service"),
    ("v1", "ServiceAccount"),
    ("v1", "ServiceProxyOptions"),
];

/// Records whether kustomize would have loaded its built-in schema by now (see
/// [`PRECOMPUTED_SCOPE`]); a custom schema already set keeps it from loading.
fn note_kinds(b: &mut Builder, resources: &[Resource]) {
    if b.builtin_schema_loaded || matches!(b.openapi, OpenApi::Custom(_)) {
        return;
    }
    b.builtin_schema_loaded = resources.iter().any(|r| {
        let av = r.str_field(&["apiVersion"]);
        let kind = r.kind();
        PRECOMPUTED_SCOPE.binary_search(&(av, kind)).is_err()
    });
}

/// What one patch entry holds.
enum Content {
    /// Strategic-merge patches (objects).
    Strategic(Vec<Node>),
    /// JSON 6902 operations.
    Json(Vec<patch_json6902::Op>),
}

/// Records a patch whose target selected nothing (for `kcompile lint`).
fn note_unmatched(
    found: &mut Vec<crate::lint::Unmatched>,
    site: Site,
    p: &Patch,
    what: &str,
    sel: &Selector,
    resources: &[Resource],
) {
    let opt = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    let (kind, name) = (opt(&sel.kind), opt(&sel.name));
    crate::lint::note_unmatched(found, site.file, p.pos, what, kind.as_deref(), name.as_deref(), resources);
}

/// A patch entry of a kustomization, for `kcompile explain`.
fn patch_step(field: &str, i: usize, p: &Patch, loader: &crate::load::Loader, lk: &LoadedKustomization) -> Step {
    let file =
        p.path.as_deref().map(|path| loader.resolve(&lk.dir, path).map_or_else(|_| lk.dir.join(path), |(f, _)| f));
    Step::patch(format!("{field}[{i}]"), file, &lk.file, p.pos)
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
fn patch_text(b: &Builder, site: Site, p: &Patch, trim: bool) -> Result<(String, Option<Utf8PathBuf>)> {
    let inline = p.patch.as_deref().map(|t| if trim { t.trim() } else { t }).filter(|t| !t.is_empty());
    match (&p.path, inline) {
        (Some(_), Some(_)) => bail!("a patch must have 'path' or 'patch', not both"),
        (None, None) => bail!("a patch must have 'path' (a file) or 'patch' (inline text)"),
        (None, Some(text)) => Ok((text.to_string(), None)),
        (Some(path), None) => {
            let (real, text) = b.loader.read_file(site.dir, path)?;
            Ok((text, Some(real)))
        }
    }
}

/// Strategic-merge documents, if the text is a stream of objects.
fn as_strategic(loader: &Loader, text: &str, origin: &Utf8Path) -> Result<Vec<Node>> {
    Ok(loader.parse_resources(text, origin)?.into_iter().map(|r| r.node).collect())
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
        .help(no_target_hint(resources, id))),
        _ => Err(Error::new(format!("multiple matches for Id {id}; failed to find unique target for patch {id}"))
            .help(
                "several objects have this kind, apiVersion, name and namespace: give the patch a 'target' \
             (for example with a namespace) to say which",
            )),
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

/// Applies a strategic-merge patch to one resource. Returns false when the patch deleted it.
fn apply_sm(r: &mut Resource, patch: &Node, p: &Patch, schemas: &Schemas) -> Result<bool> {
    let (name, namespace, kind) = (r.name().to_string(), r.namespace().to_string(), r.kind().to_string());
    if p.allow_name_change || p.allow_kind_change {
        r.remember_name();
    }
    let mut patch = patch.clone();
    // Like kustomize, the patch takes the object's apiVersion (its kind stays its own).
    if let Some(m) = patch.as_map_mut() {
        let av = r.str_field(&["apiVersion"]).to_string();
        m.insert("apiVersion".into(), Node::string(av));
    }
    let node = std::mem::replace(&mut r.node, Node::null());
    let Some(merged) = patch_sm::merge(node, patch, schemas, &r.empty_nulls)? else {
        return Ok(false);
    };
    r.node = merged;
    if !p.allow_kind_change {
        if let Some(m) = r.node.as_map_mut() {
            m.insert("kind".into(), Node::string(kind));
        }
    }
    if !p.allow_name_change {
        r.set_name(&name);
    }
    if namespace.is_empty() {
        if let Some(meta) = r.node.get_mut("metadata").and_then(Node::as_map_mut) {
            meta.shift_remove("namespace");
        }
    } else {
        r.node.entry_map("metadata").insert("namespace".into(), Node::string(namespace));
    }
    Ok(true)
}

/// Applies one strategic-merge patch to the resources at `targets`, dropping deleted ones.
fn apply_sm_to(acc: &mut Accumulator, targets: &[usize], patch: &Node, p: &Patch, schemas: &Schemas) -> Result<()> {
    let mut deleted = Vec::new();
    for &i in targets {
        let Some(r) = acc.resources.get_mut(i) else { continue };
        let id = r.id();
        let kept = apply_sm(r, patch, p, schemas).map_err(|e| e.context(format!("while patching {id}")))?;
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
) -> Result<()> {
    for &i in targets {
        let Some(r) = acc.resources.get_mut(i) else { continue };
        let id = r.id();
        if remember {
            r.remember_name();
        }
        // kustomize's object has its build annotations while the patch applies (so
        // `/metadata/annotations` exists); it puts back its own values of them after.
        crate::build_metadata::expose(r);
        let res = patch_json6902::apply_from(&mut r.node, ops, file);
        crate::build_metadata::hide(r);
        res.map_err(|e| e.context(format!("while patching {id}")))?;
        // kustomize applies JSON patches to the object as JSON: values come back in their
        // canonical form (`~` is `null`, `1.50` is `1.5`).
        r.annotation_texts.clear();
        r.empty_nulls.clear();
    }
    Ok(())
}

/// Step 1: `patchesStrategicMerge` (deprecated): file paths or inline patches.
pub fn run_strategic_merge(b: &mut Builder, lk: &LoadedKustomization, acc: &mut Accumulator) -> Result<()> {
    let entries = &lk.kustomization.patches_strategic_merge;
    if entries.is_empty() {
        return Ok(());
    }
    strategic_merge(b, Site::of(lk), acc, &mut NameIndex::default(), entries, None)
}

/// Strategic-merge patches each applied to the one object with the patch's id (kustomize's
/// PatchStrategicMergeTransformer): `entries` are file paths, or patch text given in their place;
/// `inline` is a further stream of patches (the plugin's `patches` field).
pub fn strategic_merge(
    b: &mut Builder,
    site: Site,
    acc: &mut Accumulator,
    index: &mut NameIndex,
    entries: &[Spanned],
    inline: Option<&str>,
) -> Result<()> {
    // Each patch with the entry it comes from and the file it was read from (none when inline).
    let mut patches: Vec<(Node, Option<usize>, Option<Utf8PathBuf>)> = Vec::new();
    let step = |i: usize| match entries.get(i) {
        Some(e) if e.value.contains('\n') => format!("in patchesStrategicMerge entry {} (inline)", i + 1),
        Some(e) => format!("in patchesStrategicMerge entry {} ('{}')", i + 1, e.value),
        None => format!("in patchesStrategicMerge entry {}", i + 1),
    };
    for (i, entry) in entries.iter().enumerate() {
        let ctx = |e: Error| e.within(step(i), site.file, entry.pos);
        // Like kustomize, an entry that reads as objects is an inline patch; otherwise a path.
        if let Ok(docs) = as_strategic(&b.loader, &entry.value, site.file) {
            patches.extend(docs.into_iter().map(|d| (d, Some(i), None)));
            continue;
        }
        let (real, text) = b.loader.read_file(site.dir, &entry.value).map_err(ctx)?;
        let docs = as_strategic(&b.loader, &text, &real).map_err(|e| ctx(e.in_file(&real)))?;
        patches.extend(docs.into_iter().map(|d| (d, Some(i), Some(real.clone()))));
    }
    if let Some(text) = inline {
        let docs =
            as_strategic(&b.loader, text, site.file).map_err(|e| e.in_file(site.file).context("in 'patches'"))?;
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
    note_kinds(b, &acc.resources);
    if !matches!(b.openapi, OpenApi::Custom(_)) {
        b.builtin_schema_loaded = true;
    }
    let schemas = b.openapi.schemas();
    let opts = Patch::default();
    for (patch, i, real) in &patches {
        let ctx = |e: Error| {
            let e = match real {
                Some(real) => e.located(real, name_pos(patch)),
                None => e,
            };
            match i {
                Some(i) => e.within(step(*i), site.file, entries.get(*i).map(|e| e.pos).unwrap_or_default()),
                None => e.in_file(site.file).context("in 'patches'"),
            }
        };
        let id = patch_id(patch);
        let target = unique_target(index, &acc.resources, &id).map_err(ctx)?;
        trace::begin(&mut b.tracer, &mut acc.resources);
        index.around(acc, &[target], |acc| apply_sm_to(acc, &[target], patch, &opts, schemas)).map_err(ctx)?;
        trace::end(&mut b.tracer, &mut acc.resources, || match i {
            Some(i) => {
                let pos = entries.get(*i).map(|e| e.pos).unwrap_or_default();
                Step::patch(format!("patchesStrategicMerge[{i}]"), real.clone(), site.file, pos)
            }
            None => Step::at("patches", site.file, Pos::default()),
        });
    }
    Ok(())
}

/// Step 2: `patches`.
pub fn run_patches(b: &mut Builder, lk: &LoadedKustomization, acc: &mut Accumulator) -> Result<()> {
    let mut index = NameIndex::default();
    for (i, p) in lk.kustomization.patches.iter().enumerate() {
        trace::begin(&mut b.tracer, &mut acc.resources);
        patch(b, Site::of(lk), acc, &mut index, p, &describe("patches", i, p))?;
        let loader = &b.loader;
        trace::end(&mut b.tracer, &mut acc.resources, || patch_step("patches", i, p, loader, lk));
    }
    Ok(())
}

/// One patch of either kind, recognised by its content (kustomize's PatchTransformer): a
/// strategic-merge patch applies to its target's selection, or to the object with its id; a
/// JSON 6902 patch to its target's selection. `what` names the patch in messages.
pub fn patch(
    b: &mut Builder,
    site: Site,
    acc: &mut Accumulator,
    index: &mut NameIndex,
    p: &Patch,
    what: &str,
) -> Result<()> {
    let ctx = |e: Error| e.within(format!("in {what}"), site.file, p.pos);
    let (text, real) = patch_text(b, site, p, true).map_err(ctx)?;
    let origin = real.as_deref().unwrap_or(site.file);
    // Errors about one patch object point at it when it was read from a file.
    let at_doc = |e: Error, doc: &Node| match &real {
        Some(real) => ctx(e.located(real, name_pos(doc))),
        None => ctx(e),
    };
    let content = classify(&b.loader, &text, origin, real.is_some()).map_err(ctx)?;
    note_kinds(b, &acc.resources);
    if matches!(content, Content::Strategic(_)) && !matches!(b.openapi, OpenApi::Custom(_)) {
        b.builtin_schema_loaded = true;
    }
    let schemas = b.openapi.schemas();
    match content {
        Content::Strategic(docs) => {
            if let Some(sel) = &p.target {
                if docs.len() > 1 {
                    return Err(ctx(Error::new(
                        "Multiple Strategic-Merge Patches in one `patches` entry is not allowed to set \
                         `patches.target` field: split the documents into separate entries",
                    )));
                }
                let m = Matcher::new(sel).map_err(ctx)?;
                let targets = m.select(index, &acc.resources);
                if targets.is_empty() {
                    note_unmatched(&mut b.unmatched, site, p, what, sel, &acc.resources);
                }
                if let Some(doc) = docs.first() {
                    index.around(acc, &targets, |acc| apply_sm_to(acc, &targets, doc, p, schemas)).map_err(ctx)?;
                }
            } else {
                if docs.is_empty() {
                    // An empty file reads as no objects; kustomize then takes it for a JSON patch.
                    return Err(ctx(Error::new("must specify a target for JSON patch")
                        .help("the patch is empty: write the patch, or remove the entry")));
                }
                for doc in &docs {
                    let id = patch_id(doc);
                    let target = unique_target(index, &acc.resources, &id).map_err(|e| at_doc(e, doc))?;
                    index
                        .around(acc, &[target], |acc| apply_sm_to(acc, &[target], doc, p, schemas))
                        .map_err(|e| at_doc(e, doc))?;
                }
            }
        }
        Content::Json(ops) => {
            let Some(sel) = &p.target else {
                return Err(ctx(Error::new(
                    "must specify a target for JSON patch: a JSON 6902 patch needs 'target' to name the objects",
                )));
            };
            let m = Matcher::new(sel).map_err(ctx)?;
            let targets = m.select(index, &acc.resources);
            if targets.is_empty() {
                note_unmatched(&mut b.unmatched, site, p, what, sel, &acc.resources);
            }
            index
                .around(acc, &targets, |acc| apply_json_to(acc, &targets, &ops, true, real.as_deref()))
                .map_err(ctx)?;
        }
    }
    Ok(())
}

/// Step 7: `patchesJson6902` (deprecated): a target and JSON 6902 operations.
pub fn run_json6902(b: &mut Builder, lk: &LoadedKustomization, acc: &mut Accumulator) -> Result<()> {
    let mut index = NameIndex::default();
    for (i, p) in lk.kustomization.patches_json6902.iter().enumerate() {
        trace::begin(&mut b.tracer, &mut acc.resources);
        json6902(b, Site::of(lk), acc, &mut index, p, &describe("patchesJson6902", i, p))?;
        let loader = &b.loader;
        trace::end(&mut b.tracer, &mut acc.resources, || patch_step("patchesJson6902", i, p, loader, lk));
    }
    Ok(())
}

/// JSON 6902 operations applied to a target's selection (kustomize's PatchJson6902Transformer).
/// The target must name an object; unlike `patches`, a rename here is not remembered, so
/// references to the old name are not updated (as in kustomize v5.5.0).
pub fn json6902(
    b: &mut Builder,
    site: Site,
    acc: &mut Accumulator,
    index: &mut NameIndex,
    p: &Patch,
    what: &str,
) -> Result<()> {
    let ctx = |e: Error| e.within(format!("in {what}"), site.file, p.pos);
    let Some(sel) = &p.target else {
        return Err(ctx(Error::new("patchesJson6902: each entry needs a 'target' naming the objects to patch")));
    };
    if sel.name.as_deref().unwrap_or("").is_empty() {
        return Err(ctx(Error::new("must specify the target name (a JSON 6902 patch's target needs 'name')")));
    }
    let (text, real) = patch_text(b, site, p, false).map_err(ctx)?;
    if text.is_empty() {
        if let Some(path) = &p.path {
            return Err(ctx(Error::new(format!("patch file '{path}' empty seems to be empty"))));
        }
    }
    let in_patch = |e: Error| match &real {
        Some(f) => e.in_file(f),
        None => ctx(e),
    };
    let ops = as_json_ops(&b.loader, &text).map_err(in_patch)?.unwrap_or_default();
    if ops.is_empty() {
        return Err(in_patch(Error::new(format!(
            "patch appears to be empty; file={}, JsonOp={}",
            p.path.as_deref().unwrap_or(""),
            text.trim()
        ))));
    }
    let m = Matcher::new(sel).map_err(ctx)?;
    let targets = m.select(index, &acc.resources);
    if targets.is_empty() {
        note_unmatched(&mut b.unmatched, site, p, what, sel, &acc.resources);
    }
    index.around(acc, &targets, |acc| apply_json_to(acc, &targets, &ops, false, real.as_deref())).map_err(ctx)?;
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
    fn new(s: &Selector) -> Result<Matcher> {
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
    fn precomputed_scope_is_sorted() {
        assert!(PRECOMPUTED_SCOPE.windows(2).all(|w| w[0] < w[1]));
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
