//! A resource in the build: its document plus what kustomize tracks about it.

use crate::yaml::node::Node;
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

    /// Whether objects of this kind live outside namespaces.
    pub fn is_cluster_scoped(&self) -> bool {
        crate::transform::namespace::is_cluster_scoped(self)
    }
}

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
    /// How non-string values of `metadata.annotations` were written in the source (key, position
    /// of the value, text): kustomize prints annotation values as strings made from the source
    /// text (`1.50` becomes `"1.50"`, `~` `"~"`), unless a JSON patch rewrote the object.
    pub annotation_texts: Vec<(String, crate::yaml::node::Pos, String)>,
    /// Where the nulls written as an empty value (`key:`) are; kyaml tells them from `null`
    /// and `~` (a strategic-merge patch drops them). Cleared by a JSON patch, as kustomize's
    /// JSON round trip writes every null as `null`.
    pub empty_nulls: Vec<crate::yaml::node::Pos>,
    /// The resource's id in the build's tracer (`kcompile explain`); 0 when not traced (yet).
    pub trace: u32,
    /// The remote entry that brought it (a repository or an HTTP file), for the origin
    /// annotation; `None` for local files.
    pub remote: Option<std::sync::Arc<crate::remote::RemoteOrigin>>,
}

/// What generators record about the objects they make.
#[derive(Clone, Debug, PartialEq)]
pub struct Generated {
    pub behavior: String,
    pub needs_hash: bool,
}

impl Resource {
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
            annotation_texts: Vec::new(),
            empty_nulls: Vec::new(),
            trace: 0,
            remote: None,
        }
    }

    pub fn str_field(&self, path: &[&str]) -> &str {
        self.node.str_at(path).unwrap_or("")
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
        self.node.entry_map("metadata").insert("name".into(), Node::string(name));
    }
}
