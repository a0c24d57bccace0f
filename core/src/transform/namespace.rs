//! The namespace transformer (`namespace:` and NamespaceTransformer configs). Which kinds are
//! cluster-scoped is a fact of the type ([`Gvk::is_cluster_scoped`]).

use crate::error::{bail, Error, Result};
use crate::resource::{Gvk, Resource};
use crate::transform::fieldspec::{walk, Spec};
use crate::yaml::node::{Node, Value};
use foldhash::{HashMap, HashMapExt};

/// Which RoleBinding and ClusterRoleBinding subjects get the namespace.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SubjectMode {
    /// Only subjects named `default` (kustomize's default).
    #[default]
    DefaultOnly,
    /// Every subject of kind ServiceAccount.
    AllServiceAccounts,
    /// None.
    None,
}

impl SubjectMode {
    pub fn parse(s: &str) -> Result<SubjectMode> {
        Ok(match s {
            "" | "defaultOnly" => SubjectMode::DefaultOnly,
            "allServiceAccounts" => SubjectMode::AllServiceAccounts,
            "none" => SubjectMode::None,
            other => bail!(
                "invalid value \"{other}\" for setRoleBindingSubjects: must be one of \"defaultOnly\", \"none\" or \"allServiceAccounts\""
            ),
        })
    }
}

/// A namespace transformation.
pub struct Namespace<'a> {
    pub namespace: &'a str,
    pub specs: &'a [Spec],
    /// Only fill fields that are missing or empty.
    pub unset_only: bool,
    pub subjects: SubjectMode,
}

impl Namespace<'_> {
    /// Sets the namespace on every resource, then refuses two resources ending up with one id.
    pub fn run(&self, resources: &mut [Resource]) -> Result<()> {
        if self.namespace.is_empty() {
            return Ok(());
        }
        for r in resources.iter_mut() {
            if r.node.as_map().is_none_or(|m| m.is_empty()) {
                continue;
            }
            r.remember_name();
            self.apply(r).map_err(|e| e.context(format!("setting the namespace of {}", r.id())))?;
        }
        check_unique_ids(resources)
    }

    fn apply(&self, r: &mut Resource) -> Result<()> {
        let gvk = r.gvk();
        let api_version = r.str_field(&["apiVersion"]).to_string();
        if !gvk.is_cluster_scoped() {
            let meta = r.node.entry_map("metadata");
            let slot = meta.entry("namespace".to_string()).or_insert_with(Node::null);
            self.set(slot)?;
        }
        let is_binding = matches!(gvk.kind.as_str(), "RoleBinding" | "ClusterRoleBinding");
        if is_binding {
            self.set_subjects(r)?;
        }
        for spec in self.specs {
            if spec.path == "metadata/namespace" || (spec.path == "metadata/name" && api_version != "v1") {
                continue;
            }
            if is_binding
                && matches!(spec.gvk.kind.as_str(), "RoleBinding" | "ClusterRoleBinding")
                && spec.path == "subjects/namespace"
            {
                continue;
            }
            if !spec.selects(&gvk) {
                continue;
            }
            walk(&mut r.node, &spec.steps, spec.create, &mut |n| self.set(n))
                .map_err(|e| spec.error(&r.id().to_string(), e))?;
        }
        Ok(())
    }

    /// Writes the namespace into a scalar field (honouring `unset_only`).
    fn set(&self, n: &mut Node) -> Result<()> {
        match &n.value {
            Value::Map(_) | Value::Seq(_) => {
                bail!("namespace field specs must target scalar nodes, found a {}", n.value.type_name())
            }
            Value::Str(s) if self.unset_only && !s.is_empty() => Ok(()),
            v if self.unset_only && !matches!(v, Value::Null | Value::Str(_)) => Ok(()),
            _ => {
                n.value = Value::Str(self.namespace.to_string());
                Ok(())
            }
        }
    }

    fn set_subjects(&self, r: &mut Resource) -> Result<()> {
        if self.subjects == SubjectMode::None {
            return Ok(());
        }
        let Some(subjects) = r.node.get_mut("subjects").filter(|s| !s.is_null()) else {
            return Ok(());
        };
        let Value::Seq(items) = &mut subjects.value else {
            return Err(Error::new(format!(
                "setting namespace on (cluster)role binding subjects: wrong node kind: expected a list but got a {}",
                subjects.value.type_name()
            )));
        };
        let origin = r.generated.is_none().then_some(&r.origin);
        let looked_up = if self.subjects == SubjectMode::AllServiceAccounts { "kind" } else { "name" };
        for s in items {
            // kyaml looks the subject's `name` (or `kind`) up: in anything but a map or a null,
            // that fails (kubectl: `subjects: [1]`, `subjects: [[x]]`).
            let (pos, what) = (s.pos, s.value.type_name());
            let Some(m) = s.as_map_mut() else {
                if s.is_null() {
                    continue;
                }
                let e = Error::new(format!(
                    "setting namespace on (cluster)role binding subjects: looking up {looked_up} on (cluster)role \
                     binding subject: wrong node kind: expected a map, found {what}"
                ))
                .help("each item of `subjects` is a map (kind, name, namespace)")
                .at(pos);
                return Err(match origin {
                    Some(file) => e.in_file(file),
                    None => e,
                });
            };
            let wanted = match self.subjects {
                SubjectMode::DefaultOnly => m.get("name").and_then(Node::as_str) == Some("default"),
                SubjectMode::AllServiceAccounts => m.get("kind").and_then(Node::as_str) == Some("ServiceAccount"),
                SubjectMode::None => false,
            };
            if wanted {
                let slot = m.entry("namespace".to_string()).or_insert_with(Node::null);
                self.set(slot)?;
            }
        }
        Ok(())
    }
}

/// After a namespace change no two resources may share an id.
fn check_unique_ids(resources: &[Resource]) -> Result<()> {
    let mut seen: HashMap<(Gvk, String, String), usize> = HashMap::with_capacity(resources.len());
    for (i, r) in resources.iter().enumerate() {
        let id = r.id();
        let key = (id.gvk.clone(), id.name.clone(), id.effective_namespace().to_string());
        if let Some(&j) = seen.get(&key) {
            let first = resources.get(j).map(|o| o.id().to_string()).unwrap_or_default();
            bail!("namespace transformation produces ID conflict: {first} and {id}");
        }
        seen.insert(key, i);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(text: &str) -> Resource {
        let node = crate::yaml::read::parse_one(text, crate::yaml::read::Schema::V3).unwrap().unwrap();
        Resource::new(node, "r.yaml".into())
    }

    #[test]
    fn subjects_named_default_get_the_namespace() {
        let mut rs = vec![resource(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: rb\nsubjects:\n- kind: ServiceAccount\n  name: default\n- kind: ServiceAccount\n  name: other\n",
        )];
        Namespace { namespace: "ns", specs: &[], unset_only: false, subjects: SubjectMode::DefaultOnly }
            .run(&mut rs)
            .unwrap();
        let subjects = rs[0].node.get("subjects").unwrap().as_seq().unwrap();
        assert_eq!(subjects[0].str_at(&["namespace"]), Some("ns"));
        assert_eq!(subjects[1].str_at(&["namespace"]), None);
        assert_eq!(rs[0].namespace(), "ns");
        assert_eq!(rs[0].previous, vec![("rb".to_string(), String::new())]);
    }

    #[test]
    fn unset_only_keeps_existing_namespaces() {
        let mut rs = vec![
            resource("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: keep\n"),
            resource("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n"),
        ];
        Namespace { namespace: "ns", specs: &[], unset_only: true, subjects: SubjectMode::DefaultOnly }
            .run(&mut rs)
            .unwrap();
        assert_eq!(rs[0].namespace(), "keep");
        assert_eq!(rs[1].namespace(), "ns");
    }

    #[test]
    fn two_objects_in_one_namespace_with_one_name_conflict() {
        let mut rs = vec![
            resource("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: x\n"),
            resource("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: y\n"),
        ];
        let err = Namespace { namespace: "ns", specs: &[], unset_only: false, subjects: SubjectMode::DefaultOnly }
            .run(&mut rs)
            .unwrap_err();
        assert!(err.message().contains("ID conflict"), "{err}");
    }
}
