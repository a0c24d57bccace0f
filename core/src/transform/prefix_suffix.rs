//! namePrefix and nameSuffix (and the PrefixTransformer, SuffixTransformer and legacy
//! PrefixSuffixTransformer configs).
//!
//! Each rename of `metadata/name` is recorded on the resource (its previous name, and the prefix
//! or suffix itself) so that name references can follow it.

use crate::error::Result;
use crate::resource::{Gvk, Resource};
use crate::transform::fieldspec::{walk, Spec};
use crate::yaml::node::{Node, Value};

/// Prepend or append.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Affix {
    Prefix,
    Suffix,
}

/// Kinds kustomize never renames: CustomResourceDefinitions, APIServices, Namespaces.
fn skipped(gvk: &Gvk) -> bool {
    gvk.kind == "CustomResourceDefinition"
        || (gvk.kind == "APIService" && gvk.group == "apiregistration.k8s.io")
        || gvk.kind == "Namespace"
}

/// Adds `affix` to the fields `specs` name in every resource.
pub fn run(resources: &mut [Resource], which: Affix, affix: &str, specs: &[Spec]) -> Result<()> {
    for r in resources.iter_mut() {
        let orig = r.orig_id().gvk;
        if skipped(&orig) {
            continue;
        }
        for spec in specs {
            if !spec.selects(&orig) {
                continue;
            }
            if spec.path == "metadata/name" && !affix.is_empty() {
                match which {
                    Affix::Prefix => r.prefixes.push(affix.to_string()),
                    Affix::Suffix => r.suffixes.push(affix.to_string()),
                }
                r.remember_name();
            }
            if !spec.selects(&r.gvk()) {
                continue;
            }
            walk(&mut r.node, &spec.steps, spec.create, &mut |n| {
                let current = match &n.value {
                    Value::Map(_) | Value::Seq(_) => String::new(),
                    _ => n.scalar_text().unwrap_or_default(),
                };
                let renamed = match which {
                    Affix::Prefix => format!("{affix}{current}"),
                    Affix::Suffix => format!("{current}{affix}"),
                };
                // kustomize writes it with SetScalar: untagged, in the node's style.
                if matches!(n.value, Value::Map(_) | Value::Seq(_)) {
                    *n = Node::at(Value::Null, n.pos);
                }
                n.set_untagged(renamed);
                Ok(())
            })
            .map_err(|e| spec.error(&r.id().to_string(), e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(kind: &str, name: &str) -> Resource {
        let text = format!("apiVersion: v1\nkind: {kind}\nmetadata:\n  name: {name}\n");
        let node = crate::yaml::read::parse_one(&text, crate::yaml::read::Schema::V3).unwrap().unwrap();
        Resource::new(node, "r.yaml".into())
    }

    #[test]
    fn renames_and_remembers() {
        let mut rs = vec![resource("ConfigMap", "cm"), resource("Namespace", "ns")];
        let specs = [Spec::any("metadata/name", false)];
        run(&mut rs, Affix::Prefix, "p-", &specs).unwrap();
        run(&mut rs, Affix::Suffix, "-s", &specs).unwrap();
        assert_eq!(rs[0].name(), "p-cm-s");
        assert_eq!(rs[0].prefixes, ["p-"]);
        assert_eq!(rs[0].suffixes, ["-s"]);
        assert_eq!(rs[0].orig_id().name, "cm");
        assert_eq!(rs[1].name(), "ns", "namespaces are never renamed");
    }

    #[test]
    fn an_object_that_was_a_namespace_when_its_id_was_first_stored_is_not_renamed() {
        let mut rs = vec![resource("Namespace", "ns")];
        rs[0].remember_name();
        rs[0].node.as_map_mut().unwrap().insert("kind".into(), Node::new(Value::Str("ConfigMap".into())));
        run(&mut rs, Affix::Suffix, "-s", &[Spec::any("metadata/name", false)]).unwrap();
        assert_eq!(rs[0].name(), "ns");
    }
}
