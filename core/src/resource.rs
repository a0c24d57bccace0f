//! A resource in the build: its document plus what kustomize tracks about it.

use crate::yaml::node::{Map, Node, Pos, Value};
use crate::yaml::read::Deferred;
use camino::Utf8PathBuf;
use std::fmt;

/// Group, version and kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gvk {
    pub group: String,
    pub version: String,
    pub kind: String,
}

impl Gvk {
    /// Splits an `apiVersion` (`apps/v1`, `v1`) and a kind.
    pub fn from_api_version(api_version: &str, kind: &str) -> Gvk {
        let (group, version) = match api_version.split_once('/') {
            Some((g, v)) => (g, v),
            None => ("", api_version),
        };
        Gvk { group: group.to_string(), version: version.to_string(), kind: kind.to_string() }
    }

    /// kustomize's string form: `Kind.version.group`, with `[noGrp]` and friends.
    pub fn id_string(&self) -> String {
        id_string(&self.group, &self.version, &self.kind)
    }

    /// Whether objects of this type live outside namespaces. kustomize decides by the exact
    /// apiVersion and kind (see [`KNOWN_SCOPES`]): any other type, including an unknown version
    /// of a known kind, is namespaced.
    pub fn is_cluster_scoped(&self) -> bool {
        // This runs for every id of every object: the cluster-scoped rows of the table are put
        // in a set once, and `group/version` is made on the stack (none of the table's
        // apiVersions is longer than the buffer).
        static CLUSTER: std::sync::OnceLock<foldhash::HashSet<(&str, &str)>> = std::sync::OnceLock::new();
        let cluster = CLUSTER.get_or_init(|| {
            KNOWN_SCOPES.iter().filter(|(_, _, scope)| *scope == Scope::Cluster).map(|&(a, k, _)| (a, k)).collect()
        });
        let mut buf = [0u8; 96];
        let api = if self.group.is_empty() {
            self.version.as_str()
        } else {
            let (g, v) = (self.group.as_bytes(), self.version.as_bytes());
            let Some(out) = buf.get_mut(..g.len() + 1 + v.len()) else { return false };
            out[..g.len()].copy_from_slice(g);
            out[g.len()] = b'/';
            out[g.len() + 1..].copy_from_slice(v);
            std::str::from_utf8(out).unwrap_or_default()
        };
        cluster.contains(&(api, self.kind.as_str()))
    }

    /// The scope kustomize knows for `apiVersion` and `kind` without loading its OpenAPI schema
    /// (`None`: it would load the schema to find out).
    pub fn known_scope(api_version: &str, kind: &str) -> Option<Scope> {
        KNOWN_SCOPES.binary_search_by(|(a, k, _)| (*a, *k).cmp(&(api_version, kind))).ok().map(|i| KNOWN_SCOPES[i].2)
    }

    /// A kind's rank in kustomize's legacy output order (the order depends on the kind alone,
    /// whatever its group and version): negative for the kinds printed
    /// first ([`LEGACY_ORDER_FIRST`]), positive for those printed last ([`LEGACY_ORDER_LAST`]),
    /// 0 for the rest (kustomize also orders its field-spec lists by it).
    pub fn legacy_rank(kind: &str) -> i64 {
        if let Some(i) = LEGACY_ORDER_FIRST.iter().position(|k| *k == kind) {
            return i as i64 - LEGACY_ORDER_FIRST.len() as i64;
        }
        match LEGACY_ORDER_LAST.iter().position(|k| *k == kind) {
            Some(i) => 1 + i as i64,
            None => 0,
        }
    }
}

/// Where objects of a type live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Namespaced,
    Cluster,
}

/// The types whose scope kustomize v5.5.0 knows without loading its OpenAPI schema
/// (kyaml's `precomputedIsNamespaceScoped`, from the Kubernetes v1.21 data it embeds), as
/// `(apiVersion, kind, scope)`, sorted. Any other kind makes kustomize load its built-in
/// schema, which matters to strategic merge (see `transform::openapi`).
const KNOWN_SCOPES: &[(&str, &str, Scope)] = &[
    ("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", Scope::Cluster),
    ("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", Scope::Cluster),
    ("admissionregistration.k8s.io/v1beta1", "MutatingWebhookConfiguration", Scope::Cluster),
    ("admissionregistration.k8s.io/v1beta1", "ValidatingWebhookConfiguration", Scope::Cluster),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition", Scope::Cluster),
    ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition", Scope::Cluster),
    ("apiregistration.k8s.io/v1", "APIService", Scope::Cluster),
    ("apiregistration.k8s.io/v1beta1", "APIService", Scope::Cluster),
    ("apps/v1", "ControllerRevision", Scope::Namespaced),
    ("apps/v1", "DaemonSet", Scope::Namespaced),
    ("apps/v1", "Deployment", Scope::Namespaced),
    ("apps/v1", "ReplicaSet", Scope::Namespaced),
    ("apps/v1", "StatefulSet", Scope::Namespaced),
    ("autoscaling/v1", "HorizontalPodAutoscaler", Scope::Namespaced),
    ("autoscaling/v1", "Scale", Scope::Namespaced),
    ("autoscaling/v2beta1", "HorizontalPodAutoscaler", Scope::Namespaced),
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler", Scope::Namespaced),
    ("batch/v1", "CronJob", Scope::Namespaced),
    ("batch/v1", "Job", Scope::Namespaced),
    ("batch/v1beta1", "CronJob", Scope::Namespaced),
    ("certificates.k8s.io/v1", "CertificateSigningRequest", Scope::Cluster),
    ("certificates.k8s.io/v1beta1", "CertificateSigningRequest", Scope::Cluster),
    ("coordination.k8s.io/v1", "Lease", Scope::Namespaced),
    ("coordination.k8s.io/v1beta1", "Lease", Scope::Namespaced),
    ("discovery.k8s.io/v1", "EndpointSlice", Scope::Namespaced),
    ("discovery.k8s.io/v1beta1", "EndpointSlice", Scope::Namespaced),
    ("events.k8s.io/v1", "Event", Scope::Namespaced),
    ("events.k8s.io/v1beta1", "Event", Scope::Namespaced),
    ("extensions/v1beta1", "Ingress", Scope::Namespaced),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema", Scope::Cluster),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "PriorityLevelConfiguration", Scope::Cluster),
    ("networking.k8s.io/v1", "Ingress", Scope::Namespaced),
    ("networking.k8s.io/v1", "IngressClass", Scope::Cluster),
    ("networking.k8s.io/v1", "NetworkPolicy", Scope::Namespaced),
    ("networking.k8s.io/v1beta1", "Ingress", Scope::Namespaced),
    ("networking.k8s.io/v1beta1", "IngressClass", Scope::Cluster),
    ("node.k8s.io/v1", "RuntimeClass", Scope::Cluster),
    ("node.k8s.io/v1beta1", "RuntimeClass", Scope::Cluster),
    ("policy/v1", "PodDisruptionBudget", Scope::Namespaced),
    ("policy/v1beta1", "PodDisruptionBudget", Scope::Namespaced),
    ("policy/v1beta1", "PodSecurityPolicy", Scope::Cluster),
    ("rbac.authorization.k8s.io/v1", "ClusterRole", Scope::Cluster),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", Scope::Cluster),
    ("rbac.authorization.k8s.io/v1", "Role", Scope::Namespaced),
    ("rbac.authorization.k8s.io/v1", "RoleBinding", Scope::Namespaced),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRole", Scope::Cluster),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding", Scope::Cluster),
    ("rbac.authorization.k8s.io/v1beta1", "Role", Scope::Namespaced),
    ("rbac.authorization.k8s.io/v1beta1", "RoleBinding", Scope::Namespaced),
    ("scheduling.k8s.io/v1", "PriorityClass", Scope::Cluster),
    ("scheduling.k8s.io/v1beta1", "PriorityClass", Scope::Cluster),
    ("storage.k8s.io/v1", "CSIDriver", Scope::Cluster),
    ("storage.k8s.io/v1", "CSINode", Scope::Cluster),
    ("storage.k8s.io/v1", "StorageClass", Scope::Cluster),
    ("storage.k8s.io/v1", "VolumeAttachment", Scope::Cluster),
    ("storage.k8s.io/v1beta1", "CSIDriver", Scope::Cluster),
    ("storage.k8s.io/v1beta1", "CSINode", Scope::Cluster),
    ("storage.k8s.io/v1beta1", "CSIStorageCapacity", Scope::Namespaced),
    ("storage.k8s.io/v1beta1", "StorageClass", Scope::Cluster),
    ("storage.k8s.io/v1beta1", "VolumeAttachment", Scope::Cluster),
    ("v1", "ComponentStatus", Scope::Cluster),
    ("v1", "ConfigMap", Scope::Namespaced),
    ("v1", "Endpoints", Scope::Namespaced),
    ("v1", "Event", Scope::Namespaced),
    ("v1", "LimitRange", Scope::Namespaced),
    ("v1", "Namespace", Scope::Cluster),
    ("v1", "Node", Scope::Cluster),
    ("v1", "NodeProxyOptions", Scope::Cluster),
    ("v1", "PersistentVolume", Scope::Cluster),
    ("v1", "PersistentVolumeClaim", Scope::Namespaced),
    ("v1", "Pod", Scope::Namespaced),
    ("v1", "PodAttachOptions", Scope::Namespaced),
    ("v1", "PodExecOptions", Scope::Namespaced),
    ("v1", "PodPortForwardOptions", Scope::Namespaced),
    ("v1", "PodProxyOptions", Scope::Namespaced),
    ("v1", "PodTemplate", Scope::Namespaced),
    ("v1", "ReplicationController", Scope::Namespaced),
    ("v1", "ResourceQuota", Scope::Namespaced),
    ("v1", "Secret", Scope::Namespaced),
    ("v1", "Service", Scope::Namespaced),
    ("v1", "ServiceAccount", Scope::Namespaced),
    ("v1", "ServiceProxyOptions", Scope::Namespaced),
];

/// Kinds printed first, in this order, by kustomize's legacy order.
pub const LEGACY_ORDER_FIRST: &[&str] = &[
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];

/// Kinds printed last, in this order, by kustomize's legacy order.
pub const LEGACY_ORDER_LAST: &[&str] = &["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"];

/// kustomize's string form of a group, version and kind: `Kind.version.group`, with
/// `[noKind]`, `[noVer]` and `[noGrp]` for empty parts.
pub fn id_string(group: &str, version: &str, kind: &str) -> String {
    let parts = [(kind, "[noKind]"), (version, "[noVer]"), (group, "[noGrp]")];
    let mut out = String::with_capacity(parts.iter().map(|(p, none)| p.len().max(none.len()) + 1).sum());
    for (i, (part, none)) in parts.into_iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        out.push_str(if part.is_empty() { none } else { part });
    }
    out
}

/// A resource's identity: GVK, name and namespace (as written: empty when absent).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ResId {
    pub gvk: Gvk,
    pub name: String,
    pub namespace: String,
}

impl ResId {
    /// The namespace for comparisons: `default` when empty, nothing for cluster-scoped kinds.
    pub fn effective_namespace(&self) -> &str {
        if self.gvk.is_cluster_scoped() {
            ""
        } else if self.namespace.is_empty() {
            "default"
        } else {
            &self.namespace
        }
    }

    /// kustomize's notion of the same object: same GVK, name and effective namespace.
    pub fn same_object(&self, other: &ResId) -> bool {
        self.gvk == other.gvk && self.name == other.name && self.effective_namespace() == other.effective_namespace()
    }
}

impl fmt::Display for ResId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = if self.namespace.is_empty() { "[noNs]" } else { &self.namespace };
        write!(f, "{}/{}.{}", self.gvk.id_string(), self.name, ns)
    }
}

/// A resource being built.
#[derive(Clone, Debug)]
pub struct Resource {
    /// The object itself.
    pub node: Node,
    /// The file it was read from (or the kustomization that generated it).
    pub origin: Utf8PathBuf,
    /// Names and namespaces the resource had before prefixes, suffixes and hashes renamed it,
    /// oldest first; name references are matched against these.
    pub previous: Vec<(String, String)>,
    /// The kinds that went with `previous` (same index; patches may change kinds).
    pub previous_kinds: Vec<String>,
    /// Name prefixes and suffixes added so far, innermost first (kustomize compares them when
    /// several objects could be the target of a name reference).
    pub prefixes: Vec<String>,
    pub suffixes: Vec<String>,
    /// Set by generators: `behavior` across bases, and whether a hash suffix is still due.
    pub generated: Option<Generated>,
    /// Names of the vars whose `objref` is this resource.
    pub ref_vars: Vec<String>,
    /// The plugin that generated it, when that is not a builtin generator of a kustomization
    /// file (for the origin annotation; builtin generators are told by `generated`).
    pub configured_by: Option<crate::build_metadata::ConfiguredBy>,
    /// The transformers that ran over it (recorded for `buildMetadata: [transformerAnnotations]`).
    pub transformations: Vec<crate::build_metadata::ConfiguredBy>,
    /// Where a JSON patch took the origin or transformations annotation away, until the next
    /// transformers are recorded.
    pub cut: Option<crate::build_metadata::Cut>,
    /// How the values of `metadata.labels` and `metadata.annotations` that the reader changed
    /// (non-strings, dates) were written in the source (key, position of the value, text):
    /// kustomize prints annotation values as strings made from the source text (`1.50` becomes
    /// `"1.50"`, `~` `"~"`), unless a JSON patch rewrote the object; and a strategic-merge patch
    /// it copies (`patchesStrategicMerge`, `patches` with a target) has its labels and
    /// annotations made strings that way. Positions are in the file the values came from.
    pub metadata_texts: Vec<(String, crate::yaml::node::Pos, String)>,
    /// Where the nulls written as an empty value (`key:`) are; kyaml tells them from `null`
    /// and `~` (a strategic-merge patch drops them). Cleared by a JSON patch, as kustomize's
    /// JSON round trip writes every null as `null`.
    pub empty_nulls: Vec<crate::yaml::node::Pos>,
    /// Whether kyaml holds the object in flow style (it was read from JSON: a List's item
    /// expanded through JSON, a file written `{...}`): go-yaml prints it in flow style when
    /// kustomize converts it to JSON, and an empty value there (a patch's `-` or `key:` in a list
    /// it adds) is written `''`, read back as `""`. Cleared by a JSON patch (kustomize rebuilds
    /// the object in block style).
    pub flow: bool,
    /// What kustomize fails on only when it converts the object to JSON (a bad tag, a NaN, a
    /// duplicate or non-string key; see [`Deferred`]): from the object's own file, or from a
    /// strategic-merge patch merged into it. Raised by [`Resource::check_deferred`] when the
    /// node is still there.
    pub deferred: Vec<Pending>,
    /// Fields that hold one value node in kustomize (see [`Shared`]).
    pub shared: Vec<Shared>,
    /// The resource's id in the build's tracer (`kcompile explain`); 0 when not traced (yet).
    pub trace: u32,
    /// The remote entry that brought it (a repository or an HTTP file), for the origin
    /// annotation; `None` for local files.
    pub remote: Option<std::sync::Arc<crate::remote::RemoteOrigin>>,
}

/// One step of the way to a node in a document, owned (the emitter's field marks borrow theirs:
/// [`emit::Seg`](crate::yaml::emit::Seg)). Not the path languages of replacements and field
/// specs: those are `fieldpath::Segment` and `transform::fieldspec::SpecSegment`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathSeg {
    /// A map key.
    Key(String),
    /// A list element.
    Index(usize),
}

impl From<&crate::yaml::emit::Seg<'_>> for PathSeg {
    fn from(s: &crate::yaml::emit::Seg<'_>) -> PathSeg {
        match *s {
            crate::yaml::emit::Seg::Key(k) => PathSeg::Key(k.to_string()),
            crate::yaml::emit::Seg::Index(i) => PathSeg::Index(i),
        }
    }
}

/// Where a node is in a document.
pub type NodePath = Vec<PathSeg>;

/// Fields of one object that hold the same value node in kustomize. Its labels and annotations
/// transformers make one node per key and object and put it in every field where they create
/// the key (`metadata.labels`, the selector, the pod template); a later write into any of them
/// that kyaml does in place (a labels or annotations transformer setting the key again, a
/// strategic-merge patch) changes them all. A JSON patch, which round-trips the object through
/// JSON, ends the sharing.
#[derive(Clone, Debug)]
pub struct Shared {
    /// The fields (two or more).
    pub paths: Vec<NodePath>,
    /// Their value, as last seen.
    pub value: Node,
}

/// What generators record about the objects they make.
#[derive(Clone, Debug, PartialEq)]
pub struct Generated {
    pub behavior: String,
    pub needs_hash: bool,
    /// The keys of `data` and `binaryData` the generator wrote, unquoted, that read back as
    /// another type (`1.5`, `true`): kustomize fails on them when it prints the object, but not
    /// on such a key a patch added later, quoted (see `build_metadata::check_made_keys`).
    pub unquoted_keys: Vec<String>,
}

/// Makes every value of a label or annotation map a string, as kyaml reads a string map: the
/// text it was written with when `texts` (a [`Resource::metadata_texts`]) has it, else its
/// canonical text (`null` for a null, the empty string for a map or a list).
pub fn strings_as_written(map: &mut Map, texts: &[(String, Pos, String)]) {
    for (k, v) in map.iter_mut() {
        // The text still describes the value only if it reads as it: a transformer, patch or
        // replacement may have written over the value since, in place.
        let written = texts.iter().find(|(key, pos, raw)| key == k && *pos == v.pos && reads_as(raw, &v.value));
        let text = match (&v.value, written) {
            (_, Some((_, _, raw))) => raw.clone(),
            // kustomize writes the values anew, plain: a folded string is the text go-yaml read,
            // not the one it reprints in folded style.
            (Value::Str(_), None) if v.style == crate::yaml::node::Style::Folded => {
                let Some(w) = v.written.take() else { continue };
                v.style = crate::yaml::node::Style::Plain;
                w.text.into()
            }
            (Value::Str(_), None) => continue,
            // A null written with a `!!null` tag (the reader leaves those out of `texts`): kyaml
            // reads the text after the tag (`!!null ~` is "~", `!!null` "").
            (Value::Null, None) => v.as_text().unwrap_or("null").to_string(),
            _ => v.scalar_text().unwrap_or_default(),
        };
        v.value = Value::Str(text);
    }
}

/// Whether `raw`, read as a plain scalar by go-yaml v3, is `value` (the test
/// [`Resource::metadata_texts`] were recorded with).
fn reads_as(raw: &str, value: &Value) -> bool {
    let back = crate::yaml::read::parse_one(raw, crate::yaml::read::Schema::V3).ok().flatten();
    back.map_or(Value::Null, |n| n.value) == *value
}

impl Resource {
    /// Records that `paths` (fields just created with `value`) share one value node, taking
    /// them out of any older sharing.
    pub fn share(&mut self, paths: Vec<NodePath>, value: Node) {
        if paths.len() < 2 {
            return;
        }
        for s in &mut self.shared {
            s.paths.retain(|p| !paths.contains(p));
        }
        self.shared.retain(|s| s.paths.len() > 1);
        self.shared.push(Shared { paths, value });
    }

    /// After a step that writes values in place: a shared value that the step changed in one of
    /// its fields is written to all of them (the last changed field wins); fields that are gone
    /// or no longer scalars leave the sharing.
    pub fn sync_shared(&mut self) {
        if self.shared.is_empty() {
            return;
        }
        let mut shared = std::mem::take(&mut self.shared);
        for s in &mut shared {
            s.paths
                .retain(|p| field_at(&self.node, p).is_some_and(|n| !matches!(n.value, Value::Map(_) | Value::Seq(_))));
            let changed = s.paths.iter().filter_map(|p| field_at(&self.node, p)).rfind(|n| **n != s.value).cloned();
            if let Some(new) = changed {
                for p in &s.paths {
                    if let Some(n) = field_at_mut(&mut self.node, p) {
                        n.value = new.value.clone();
                    }
                }
                s.value = new;
            }
        }
        shared.retain(|s| s.paths.len() > 1);
        self.shared = shared;
    }

    pub fn new(node: Node, origin: Utf8PathBuf) -> Resource {
        Resource {
            node,
            origin,
            previous: Vec::new(),
            previous_kinds: Vec::new(),
            prefixes: Vec::new(),
            suffixes: Vec::new(),
            generated: None,
            ref_vars: Vec::new(),
            configured_by: None,
            transformations: Vec::new(),
            cut: None,
            metadata_texts: Vec::new(),
            shared: Vec::new(),
            deferred: Vec::new(),
            empty_nulls: Vec::new(),
            flow: false,
            trace: 0,
            remote: None,
        }
    }

    /// kustomize's conversion of the object to JSON: the first recorded [`Deferred`] problem
    /// whose node is still in the object fails it. Before a JSON 6902 patch (`at_end` false)
    /// that is any node; when kustomize prints the object (`at_end`), `metadata.annotations` is
    /// left out: kustomize has just rewritten it from the values' text (removing its build
    /// annotations), so a bad tag there is a string and a duplicate key gone.
    ///
    /// A NaN or infinity fails it too: the reader defers those it reads, and a text kustomize
    /// wrote untagged (a replacement into a patched object's name) reads as one when printed
    /// ([`Node::set_untagged`]).
    pub fn check_deferred(&self, at_end: bool) -> crate::Result<()> {
        let mut non_finite = None;
        visit_live(&self.node, !at_end, &mut |n| {
            if let Value::Float(f) = &n.value {
                if !f.is_finite() && non_finite.is_none() {
                    non_finite = Some((*f, n.pos, n.as_text().unwrap_or_default().to_string()));
                }
            }
        });
        if let Some((f, pos, text)) = non_finite {
            let what = if f.is_nan() {
                "NaN"
            } else if f > 0.0 {
                "+Inf"
            } else {
                "-Inf"
            };
            return Err(crate::Error::new(format!(
                "json: unsupported value: {what}: the text {text:?}, written untagged into {} {}, reads as a \
                 float kustomize cannot convert to JSON",
                self.kind(),
                self.name()
            ))
            .in_file(&self.origin)
            .at(pos)
            .help(
                "kustomize reads a value it wrote without a tag again when it prints: keep such text out of this field",
            ));
        }
        if self.deferred.is_empty() {
            return Ok(());
        }
        let live = live_deferred(&self.node, &self.deferred, !at_end);
        match self.deferred.iter().zip(live).find(|(_, live)| *live) {
            Some((d, _)) => Err(crate::Error::from(d.problem.error.clone()).in_file(&d.file).help(
                "kustomize fails on this when it converts the object to JSON (to print it, or to apply a JSON patch)",
            )),
            None => Ok(()),
        }
    }

    /// Keeps only the recorded problems whose node is in the object (what
    /// [`Resource::check_deferred`] could still raise).
    pub fn retain_live_deferred(&mut self) {
        if self.deferred.is_empty() {
            return;
        }
        let mut live = live_deferred(&self.node, &self.deferred, true).into_iter();
        self.deferred.retain(|_| live.next().unwrap_or(false));
    }

    pub fn str_field(&self, path: &[&str]) -> &str {
        let mut n = &self.node;
        for k in path {
            match n.get(k) {
                Some(child) => n = child,
                None => return "",
            }
        }
        // A field kustomize wrote untagged may hold a non-string its text reads as (`kind:
        // 0o17` became 15); kyaml reads the text.
        n.as_text().unwrap_or("")
    }

    pub fn kind(&self) -> &str {
        self.str_field(&["kind"])
    }

    pub fn name(&self) -> &str {
        self.str_field(&["metadata", "name"])
    }

    pub fn namespace(&self) -> &str {
        self.str_field(&["metadata", "namespace"])
    }

    pub fn gvk(&self) -> Gvk {
        Gvk::from_api_version(self.str_field(&["apiVersion"]), self.kind())
    }

    /// The current id.
    pub fn id(&self) -> ResId {
        ResId { gvk: self.gvk(), name: self.name().to_string(), namespace: self.namespace().to_string() }
    }

    /// The id the resource had when it entered the build (before renames): kustomize's `OrgId`,
    /// the first id stored, with the kind it had then (a replacement or patch may have changed
    /// it since).
    pub fn orig_id(&self) -> ResId {
        let mut id = self.id();
        if let Some((name, ns)) = self.previous.first() {
            id.name = name.clone();
            id.namespace = ns.clone();
            if let Some(kind) = self.previous_kinds.first() {
                id.gvk.kind.clone_from(kind);
            }
        }
        id
    }

    /// Whether `name` is the resource's name or one it had before a rename (a cheap test before
    /// [`Resource::ids`]).
    pub fn had_name(&self, name: &str) -> bool {
        self.name() == name || self.previous.iter().any(|(n, _)| n == name)
    }

    /// Every id the resource answers to: its current one, then the ones it had before renames,
    /// oldest first, each with the kind it had then (a patch may have changed it).
    pub fn ids(&self) -> Vec<ResId> {
        let cur = self.id();
        let mut out = Vec::with_capacity(self.previous.len() + 1);
        for (j, (name, namespace)) in self.previous.iter().enumerate() {
            let mut gvk = cur.gvk.clone();
            if let Some(k) = self.previous_kinds.get(j) {
                gvk.kind.clone_from(k);
            }
            out.push(ResId { gvk, name: name.clone(), namespace: namespace.clone() });
        }
        out.insert(0, cur);
        out
    }

    /// Records the current name and namespace before a rename.
    pub fn remember_name(&mut self) {
        let entry = (self.name().to_string(), self.namespace().to_string());
        let kind = self.kind().to_string();
        // Every call counts, repeated ids too, as in kustomize's `previousNames` annotation.
        self.previous_kinds.resize(self.previous.len(), kind.clone());
        self.previous.push(entry);
        self.previous_kinds.push(kind);
    }

    /// The map at `metadata.<field>` (labels or annotations), if present.
    pub fn meta_map(&self, field: &str) -> Option<&crate::yaml::node::Map> {
        self.node.get("metadata")?.get(field)?.as_map()
    }

    /// Sets `metadata.name`.
    pub fn set_name(&mut self, name: &str) {
        self.node.entry_map("metadata");
        if let Some(meta) = self.node.get_mut("metadata") {
            meta.set_untagged_field("name", name.to_string());
        }
    }
}

/// The field at `path` in `node`.
fn field_at<'n>(node: &'n Node, path: &[PathSeg]) -> Option<&'n Node> {
    path.iter().try_fold(node, |n, seg| match (seg, &n.value) {
        (PathSeg::Key(k), Value::Map(m)) => m.get(k),
        (PathSeg::Index(i), Value::Seq(items)) => items.get(*i),
        _ => None,
    })
}

fn field_at_mut<'n>(node: &'n mut Node, path: &[PathSeg]) -> Option<&'n mut Node> {
    path.iter().try_fold(node, |n, seg| match (seg, &mut n.value) {
        (PathSeg::Key(k), Value::Map(m)) => m.get_mut(k),
        (PathSeg::Index(i), Value::Seq(items)) => items.get_mut(*i),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scope_table_is_sorted_for_binary_search() {
        assert!(KNOWN_SCOPES.windows(2).all(|w| (w[0].0, w[0].1) < (w[1].0, w[1].1)));
    }

    #[test]
    fn cluster_scope_is_decided_by_exact_api_version_and_kind() {
        assert!(Gvk::from_api_version("v1", "Namespace").is_cluster_scoped());
        assert!(!Gvk::from_api_version("apps/v1", "Deployment").is_cluster_scoped());
        // A Namespace kind in another group is namespaced, as in kustomize.
        assert!(!Gvk::from_api_version("foo/v1", "Namespace").is_cluster_scoped());
        assert!(Gvk::from_api_version("rbac.authorization.k8s.io/v1", "ClusterRole").is_cluster_scoped());
    }

    #[test]
    fn kustomize_knows_the_scope_of_builtin_types_only() {
        assert_eq!(Gvk::known_scope("apps/v1", "Deployment"), Some(Scope::Namespaced));
        assert_eq!(Gvk::known_scope("v1", "PersistentVolume"), Some(Scope::Cluster));
        assert_eq!(Gvk::known_scope("example.com/v1", "Widget"), None);
    }

    #[test]
    fn the_legacy_order_puts_namespaces_first_and_webhooks_last() {
        let rank = Gvk::legacy_rank;
        assert!(rank("Namespace") < rank("Deployment") && rank("Deployment") < rank("Widget"));
        assert!(rank("Widget") == 0 && rank("ValidatingWebhookConfiguration") > rank("MutatingWebhookConfiguration"));
    }
}

/// A [`Deferred`] problem of a resource, with what tells its node from another at the same
/// position (positions are per file, and a patch's nodes mirror its target's).
#[derive(Clone, Debug)]
pub struct Pending {
    /// The file the node was read from.
    pub file: Utf8PathBuf,
    pub problem: Deferred,
    mark: Mark,
}

/// What the node looked like when read: a scalar's value, a map's keys (a patch may add keys to
/// it), or a list.
#[derive(Clone, Debug)]
enum Mark {
    Scalar(Value),
    Keys(Vec<String>),
    Seq,
}

impl Mark {
    fn of(n: &Node) -> Mark {
        match &n.value {
            Value::Map(m) => Mark::Keys(m.keys().cloned().collect()),
            Value::Seq(_) => Mark::Seq,
            v => Mark::Scalar(v.clone()),
        }
    }

    fn fits(&self, n: &Node) -> bool {
        match (self, &n.value) {
            (Mark::Keys(keys), Value::Map(m)) => keys.iter().all(|k| m.contains_key(k)),
            (Mark::Seq, Value::Seq(_)) => true,
            (Mark::Scalar(v), w) => v == w,
            _ => false,
        }
    }
}

/// The problems of `file` whose node is in `doc`, with their marks.
pub fn pending_in(doc: &Node, file: &camino::Utf8Path, problems: &[Deferred]) -> Vec<Pending> {
    let mut out = Vec::new();
    visit_live(doc, true, &mut |n| {
        for p in problems.iter().filter(|p| p.node == n.pos) {
            out.push(Pending { file: file.to_owned(), problem: p.clone(), mark: Mark::of(n) });
        }
    });
    out
}

/// For each pending problem, whether its node is still in `doc` (in its annotations too, with
/// `annotations`).
fn live_deferred(doc: &Node, pending: &[Pending], annotations: bool) -> Vec<bool> {
    let mut live = vec![false; pending.len()];
    visit_live(doc, annotations, &mut |n| {
        for (i, p) in pending.iter().enumerate() {
            if p.problem.node == n.pos && p.mark.fits(n) {
                live[i] = true;
            }
        }
    });
    live
}

/// Visits the nodes of an object, those of `metadata.annotations` only with `annotations`.
fn visit_live(doc: &Node, annotations: bool, f: &mut dyn FnMut(&Node)) {
    fn walk(n: &Node, skip: Option<&Node>, f: &mut dyn FnMut(&Node)) {
        if skip.is_some_and(|s| std::ptr::eq(s, n)) {
            return;
        }
        f(n);
        match &n.value {
            Value::Map(m) => m.values().for_each(|v| walk(v, skip, f)),
            Value::Seq(items) => items.iter().for_each(|v| walk(v, skip, f)),
            _ => {}
        }
    }
    let skip = if annotations { None } else { doc.get("metadata").and_then(|m| m.get("annotations")) };
    walk(doc, skip, f);
}
