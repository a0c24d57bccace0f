//! replicas (and ReplicaCountTransformer configs): set the replica count of objects by name.

use crate::error::{bail, Result};
use crate::kustomization::Replica;
use crate::resource::Resource;
use crate::transform::fieldspec::{walk, Spec};
use crate::yaml::node::Value;
use crate::yaml::read::{resolve_plain, Schema};

/// Applies one `replicas:` entry. The name and kind match an object's current id or any id it
/// had before; an entry that matches nothing is an error, as in kustomize.
pub fn run(resources: &mut [Resource], replica: &Replica, specs: &[Spec]) -> Result<()> {
    let mut found = false;
    for spec in specs {
        for r in resources.iter_mut() {
            // kustomize matches any id the object had (its current one and those stored before
            // a rename or a namespace change, each with the kind it had then), but sets the
            // count only when the object's current kind is the field spec's.
            if !r.had_name(&replica.name) || !r.ids().iter().any(|id| id.name == replica.name && spec.selects(&id.gvk))
            {
                continue;
            }
            found = true;
            if !spec.selects(&r.gvk()) {
                continue;
            }
            let res = walk(&mut r.node, &spec.steps, spec.create, &mut |n| {
                n.value = new_count(&n.value, replica.count)?;
                Ok(())
            });
            res.map_err(|e| spec.error(&r.id().to_string(), e))?;
        }
    }
    if !found {
        let gvks: Vec<String> = specs.iter().map(|s| s.gvk.id_string()).collect();
        bail!(
            "resource with name {} does not match a config with the following GVK [{}]",
            replica.name,
            gvks.join(" ")
        );
    }
    Ok(())
}

/// The value the count replaces `old` with. kustomize swaps in an integer node but keeps the old
/// node's style, so a count written quoted or as a block scalar (`replicas: "2"`) stays a string
/// (`"3"`). The model keeps no style: a string whose text would not read back as a string when
/// plain, or that holds a line break, must have been quoted. A list or map is kustomize's
/// "wrong node kind" error.
fn new_count(old: &Value, count: i64) -> Result<Value> {
    match old {
        Value::Str(s) if s.is_empty() || s.contains('\n') || !matches!(resolve_plain(s, Schema::V3), Value::Str(_)) => {
            Ok(Value::Str(count.to_string()))
        }
        Value::Seq(_) | Value::Map(_) => {
            bail!("wrong node kind: expected a number but got a {}", old.type_name())
        }
        _ => Ok(Value::Int(count)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_written_as_a_quoted_number_stays_a_string() {
        assert_eq!(new_count(&Value::Str("2".into()), 3).unwrap(), Value::Str("3".into()));
        assert_eq!(new_count(&Value::Str("2\n".into()), 3).unwrap(), Value::Str("3".into()));
    }

    #[test]
    fn a_plain_count_or_a_missing_one_becomes_an_integer() {
        assert_eq!(new_count(&Value::Int(2), 3).unwrap(), Value::Int(3));
        assert_eq!(new_count(&Value::Null, 3).unwrap(), Value::Int(3));
        assert_eq!(new_count(&Value::Str("two".into()), 3).unwrap(), Value::Int(3));
    }

    #[test]
    fn a_count_that_is_a_list_is_an_error() {
        assert!(new_count(&Value::Seq(vec![]), 3).is_err());
    }
}
