//! Name references: once prefixes, suffixes and hashes have renamed objects, every field that
//! refers to one of them by its old name (a ConfigMap in a volume, a ServiceAccount in a
//! RoleBinding's subjects, a Deployment in an HPA...) is rewritten to the new name.
//!
//! The fields come from the `nameReference` table of the transformer configuration. For a
//! reference holding `old`, kustomize picks the referral among the objects the referrer can
//! see (same namespace, cluster-scoped objects, ServiceAccounts named by a RoleBinding) that
//! once had the name `old` and are of the referenced kind; when several remain, those renamed
//! with the same prefixes and suffixes as the referrer (first letting an empty list match any,
//! then exactly); when several still remain and they now share one name, the first; otherwise
//! it is an error.

use crate::error::{Error, Result};
use crate::resource::{ResId, Resource};
use crate::transform::config::NameBackRef;
use crate::transform::fieldspec::{walk, GvkSel, Spec};
use crate::yaml::node::{Node, Pos, Value};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

/// What is known of each resource while references are fixed (names do not change here).
struct Referent {
    id: ResId,
    cluster_scoped: bool,
    /// The effective namespace of the current id (`default` when empty); empty when cluster-scoped.
    ns: String,
    /// The effective namespace of the original id; `None` when cluster-scoped.
    orig_ns: Option<String>,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
}

struct ReferentIndex {
    referents: Vec<Referent>,
    /// Previous name → resources that had it, in resource order.
    by_previous_name: HashMap<String, Vec<usize>>,
    /// Original effective namespace → resources, in order.
    by_orig_ns: HashMap<String, Vec<usize>>,
}

/// Rewrites every name reference in `resources`.
pub fn fix(resources: &mut [Resource], backrefs: &[NameBackRef]) -> Result<()> {
    if backrefs.is_empty() {
        return Ok(());
    }
    let index = ReferentIndex::new(resources);
    for (ri, r) in resources.iter_mut().enumerate() {
        let Some(me) = index.referents.get(ri) else { continue };
        // kustomize picks referrers by the id they entered the build with (`OrgId`): a kind a
        // replacement or patch changed later still names the referrer's field specs.
        let orig_gvk = if r.previous.is_empty() { me.id.gvk.clone() } else { r.orig_id().gvk };
        let specs: Vec<(&GvkSel, &Spec)> = backrefs
            .iter()
            .flat_map(|b| b.referrers.iter().map(move |s| (&b.target, s)))
            .filter(|(_, s)| s.selects(&orig_gvk))
            .collect();
        if specs.is_empty() {
            continue;
        }
        let rb_namespaces = role_binding_namespaces(r, &me.id)?;
        let referrer = Referrer { index: &index, me, rb_namespaces, role_ref: role_ref(r) };
        for (target, spec) in specs {
            let res = walk(&mut r.node, &spec.steps, false, &mut |n| referrer.set(n, target, spec));
            res.map_err(|e| {
                let outer = Error::new(format!(
                    "updating name reference in '{}' field of '{}': {}",
                    spec.path,
                    me.id,
                    e.message()
                ));
                match (e.line(), e.column(), r.generated.is_none()) {
                    (Some(line), Some(col), true) => outer.located(&r.origin, Pos::new(line, col)),
                    _ => outer,
                }
            })?;
        }
    }
    Ok(())
}

impl ReferentIndex {
    fn new(resources: &[Resource]) -> ReferentIndex {
        let mut referents = Vec::with_capacity(resources.len());
        let mut by_previous_name: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_orig_ns: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, r) in resources.iter().enumerate() {
            let id = r.id();
            let cluster_scoped = id.gvk.is_cluster_scoped();
            let ns = if cluster_scoped { String::new() } else { id.effective_namespace().to_string() };
            let orig_ns = if cluster_scoped { None } else { Some(r.orig_id().effective_namespace().to_string()) };
            let mut previous: Vec<String> = Vec::new();
            for (name, _) in &r.previous {
                if !previous.contains(name) {
                    by_previous_name.entry(name.clone()).or_default().push(i);
                    previous.push(name.clone());
                }
            }
            if let Some(o) = &orig_ns {
                by_orig_ns.entry(o.clone()).or_default().push(i);
            }
            referents.push(Referent {
                id,
                cluster_scoped,
                ns,
                orig_ns,
                prefixes: r.prefixes.clone(),
                suffixes: r.suffixes.clone(),
            });
        }
        ReferentIndex { referents, by_previous_name, by_orig_ns }
    }
}

/// One referrer being fixed.
struct Referrer<'a> {
    index: &'a ReferentIndex,
    me: &'a Referent,
    /// Namespaces of the ServiceAccount subjects when the referrer is a RoleBinding.
    rb_namespaces: HashSet<String>,
    /// The referrer's `roleRef` group and kind, when it has both.
    role_ref: Option<GvkSel>,
}

impl Referrer<'_> {
    /// Whether the referrer can see target `j` at all (kustomize's referral candidates).
    fn can_see(&self, j: usize) -> bool {
        let Some(t) = self.index.referents.get(j) else { return false };
        self.me.cluster_scoped || t.cluster_scoped || t.ns == self.me.ns || self.rb_namespaces.contains(&t.id.namespace)
    }

    /// Updates the node a name-reference spec reached.
    fn set(&self, n: &mut Node, target: &GvkSel, spec: &Spec) -> Result<()> {
        match &mut n.value {
            Value::Null => Ok(()),
            Value::Map(_) => self.set_mapping(n, target, spec),
            Value::Seq(items) => {
                for item in items {
                    match &item.value {
                        Value::Map(_) => self.set_mapping(item, target, spec)?,
                        Value::Null => {}
                        // kubectl: `resourceNames: [cm, [x]]` fails, whatever the names.
                        Value::Seq(_) => {
                            return Err(Error::new(
                                "a list item here is a list; kustomize expects either a string or a map of string",
                            )
                            .help("a name reference is a name, or a map with `name` (and `namespace`)")
                            .at(item.pos))
                        }
                        _ => self.set_scalar(item, target, spec)?,
                    }
                }
                Ok(())
            }
            _ => self.set_scalar(n, target, spec),
        }
    }

    fn set_scalar(&self, n: &mut Node, target: &GvkSel, spec: &Spec) -> Result<()> {
        let old = n.scalar_text().unwrap_or_default();
        let candidates = self.candidates(&old, |_| true);
        let Some(j) = self.select(candidates, target, spec, false)? else { return Ok(()) };
        let Some(t) = self.index.referents.get(j) else { return Ok(()) };
        if t.id.name != old {
            *n = Node::at(Value::Str(t.id.name.clone()), n.pos);
        }
        Ok(())
    }

    /// A `{name, namespace}` map (RoleBinding subjects, webhook services).
    fn set_mapping(&self, n: &mut Node, target: &GvkSel, spec: &Spec) -> Result<()> {
        let Some(map) = n.as_map_mut() else { return Ok(()) };
        let Some(old) = map.get("name").map(|v| v.scalar_text().unwrap_or_default()) else {
            return Err(Error::new("path config error; no 'name' field in node"));
        };
        let ns_field = map.get("namespace").map(|v| v.scalar_text().unwrap_or_default());
        let candidates = match &ns_field {
            None => self.candidates(&old, |_| true),
            Some(ns) => {
                // Candidates whose original namespace is `ns`, if the referrer can see any object
                // from there; otherwise those now in `ns`.
                let by_orig = self.index.by_orig_ns.get(ns).is_some_and(|l| l.iter().any(|&j| self.can_see(j)));
                if by_orig {
                    self.candidates(&old, |t| t.orig_ns.as_deref() == Some(ns.as_str()))
                } else {
                    self.candidates(&old, |t| !t.cluster_scoped && t.ns == *ns)
                }
            }
        };
        let Some(j) = self.select(candidates, target, spec, true)? else { return Ok(()) };
        let Some(t) = self.index.referents.get(j) else { return Ok(()) };
        if t.id.name == old && t.id.namespace.is_empty() {
            return Ok(());
        }
        match map.get_mut("name") {
            Some(v) => *v = Node::at(Value::Str(t.id.name.clone()), v.pos),
            None => {
                map.insert("name".into(), Node::string(&t.id.name));
            }
        }
        if !t.id.namespace.is_empty() {
            match map.get_mut("namespace") {
                Some(v) => *v = Node::at(Value::Str(t.id.namespace.clone()), v.pos),
                None => {
                    map.insert("namespace".into(), Node::string(&t.id.namespace));
                }
            }
        }
        Ok(())
    }

    /// The visible resources that once had the name `old` and pass `extra`, in order.
    fn candidates(&self, old: &str, extra: impl Fn(&Referent) -> bool) -> Vec<usize> {
        let Some(list) = self.index.by_previous_name.get(old) else { return Vec::new() };
        list.iter().copied().filter(|&j| self.can_see(j) && self.index.referents.get(j).is_some_and(&extra)).collect()
    }

    /// kustomize's choice among the candidates (see the module documentation).
    fn select(&self, candidates: Vec<usize>, target: &GvkSel, spec: &Spec, with_ns: bool) -> Result<Option<usize>> {
        let referents = &self.index.referents;
        let get = |j: &usize| referents.get(*j);
        let role_ref = if spec.path.ends_with("roleRef/name") { self.role_ref.as_ref() } else { None };
        let mut c: Vec<usize> = candidates
            .into_iter()
            .filter(|j| get(j).is_some_and(|t| target.selects(&t.id.gvk)))
            .filter(|j| role_ref.is_none_or(|rr| get(j).is_some_and(|t| rr.selects(&t.id.gvk))))
            .filter(|j| {
                get(j).is_some_and(|t| {
                    self.me.cluster_scoped
                        || t.cluster_scoped
                        || t.id.gvk.kind == "ServiceAccount"
                        || t.ns == self.me.ns
                })
            })
            .collect();
        if c.len() == 1 {
            return Ok(c.first().copied());
        }
        // First a coarse pass where an empty prefix or suffix list matches anything, then the
        // exact one.
        for allow_empty in [true, false] {
            c.retain(|j| get(j).is_some_and(|t| self.same_affixes(t, allow_empty)));
            if c.len() == 1 {
                return Ok(c.first().copied());
            }
        }
        if c.is_empty() {
            return Ok(None);
        }
        let first = c.first().and_then(get);
        let identical = c
            .iter()
            .filter_map(get)
            .all(|t| first.is_some_and(|f| t.id.name == f.id.name && (!with_ns || t.id.namespace == f.id.namespace)));
        if identical {
            return Ok(c.first().copied());
        }
        let ids: Vec<String> = c.iter().filter_map(get).map(|t| t.id.to_string()).collect();
        Err(Error::new(format!("found multiple possible referrals: {}", ids.join(", "))))
    }
}

impl Referrer<'_> {
    /// Whether a candidate was renamed with the same prefixes and suffixes as the referrer.
    fn same_affixes(&self, t: &Referent, allow_empty: bool) -> bool {
        let matches = |a: &[String], b: &[String]| (allow_empty && (a.is_empty() || b.is_empty())) || same_ending(a, b);
        matches(&t.prefixes, &self.me.prefixes) && matches(&t.suffixes, &self.me.suffixes)
    }
}

/// Whether one list ends with the other (both empty counts; one empty and not the other does
/// not).
fn same_ending(a: &[String], b: &[String]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        return long.is_empty();
    }
    long.ends_with(short)
}

/// The namespaces of a RoleBinding's ServiceAccount subjects (objects there are visible to it).
fn role_binding_namespaces(r: &Resource, id: &ResId) -> Result<HashSet<String>> {
    let mut out = HashSet::new();
    if r.kind() != "RoleBinding" {
        return Ok(out);
    }
    let Some(subjects) = r.node.get("subjects").and_then(Node::as_seq) else { return Ok(out) };
    for s in subjects {
        let (Some(ns), Some(kind)) = (s.get("namespace"), s.get("kind")) else { continue };
        if kind.as_str() != Some("ServiceAccount") {
            continue;
        }
        match ns.as_str() {
            Some(ns) => {
                out.insert(ns.to_string());
            }
            None => return Err(Error::new(format!("Invalid Input: namespace is blank for resource \"{id}\""))),
        }
    }
    Ok(out)
}

/// The group and kind a binding's `roleRef` names, when it names both.
fn role_ref(r: &Resource) -> Option<GvkSel> {
    let rr = r.node.get("roleRef")?;
    let group = rr.get("apiGroup").filter(|n| !n.is_null())?.scalar_text()?;
    let kind = rr.get("kind").filter(|n| !n.is_null())?.scalar_text()?;
    Some(GvkSel { group, version: String::new(), kind })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::config::TransformerConfig;

    fn parse(text: &str) -> Vec<Resource> {
        crate::load::parse_resources(text, "r.yaml".into()).unwrap()
    }

    fn rename(r: &mut Resource, name: &str) {
        r.remember_name();
        r.set_name(name);
    }

    #[test]
    fn volumes_follow_a_renamed_config_map() {
        let mut rs = parse(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    spec:\n      volumes:\n      - configMap:\n          name: cm\n      - configMap:\n          name: other\n",
        );
        rename(&mut rs[0], "cm-abc");
        let config = TransformerConfig::defaults();
        fix(&mut rs, &config.name_reference).unwrap();
        let vols =
            rs[1].node.get("spec").unwrap().get("template").unwrap().get("spec").unwrap().get("volumes").unwrap();
        let names: Vec<&str> =
            vols.as_seq().unwrap().iter().map(|v| v.str_at(&["configMap", "name"]).unwrap()).collect();
        assert_eq!(names, ["cm-abc", "other"]);
    }

    #[test]
    fn other_namespaces_are_not_seen() {
        let mut rs = parse(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  namespace: a\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: b\nspec:\n  volumes:\n  - configMap:\n      name: cm\n",
        );
        rename(&mut rs[0], "cm-abc");
        let config = TransformerConfig::defaults();
        fix(&mut rs, &config.name_reference).unwrap();
        assert_eq!(
            rs[1].node.get("spec").unwrap().get("volumes").unwrap().as_seq().unwrap()[0].str_at(&["configMap", "name"]),
            Some("cm")
        );
    }

    #[test]
    fn blank_subject_namespace_is_an_error() {
        let mut rs = parse(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: rb\nsubjects:\n- kind: ServiceAccount\n  name: sa\n  namespace:\n",
        );
        let config = TransformerConfig::defaults();
        let err = fix(&mut rs, &config.name_reference).unwrap_err();
        assert!(err.message().contains("namespace is blank"), "{err}");
    }

    #[test]
    fn same_ending_lists() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(same_ending(&s(&["a", "b", "c"]), &s(&["b", "c"])));
        assert!(!same_ending(&s(&["a", "b", "c"]), &s(&["a", "b"])));
        assert!(same_ending(&[], &[]));
        assert!(!same_ending(&s(&["a"]), &[]));
    }
}
