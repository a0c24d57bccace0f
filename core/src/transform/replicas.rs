//! replicas (and ReplicaCountTransformer configs): set the replica count of objects by name.

use crate::error::{bail, Result};
use crate::kustomization::Replica;
use crate::resource::Resource;
use crate::transform::fieldspec::{walk, Spec};
use crate::yaml::node::{Node, Value};

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
                n.value = new_count(n, replica.count)?;
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
/// node's style (kyaml's `FieldSetter`), so a count written quoted or as a block scalar
/// (`replicas: "2"`) stays a string (`"3"`), and one written plain is an integer whatever the
/// old value was (a string a patch wrote over a plain field took that field's style). A list or
/// map is kustomize's "wrong node kind" error.
fn new_count(old: &Node, count: i64) -> Result<Value> {
    match old.value {
        Value::Seq(_) | Value::Map(_) => {
            bail!("wrong node kind: expected a number but got a {}", old.value.type_name())
        }
        Value::Str(_) if old.style.indicates_string() => Ok(Value::Str(count.to_string())),
        _ => Ok(Value::Int(count)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::node::Style;

    fn node(value: Value, style: Style) -> Node {
        let mut n = Node::new(value);
        n.style = style;
        n
    }

    #[test]
    fn a_count_written_quoted_or_as_a_block_stays_a_string() {
        assert_eq!(new_count(&node(Value::Str("2".into()), Style::Quoted), 3).unwrap(), Value::Str("3".into()));
        assert_eq!(new_count(&node(Value::Str("2\n".into()), Style::Literal), 3).unwrap(), Value::Str("3".into()));
    }

    #[test]
    fn a_plain_count_or_a_missing_one_becomes_an_integer() {
        assert_eq!(new_count(&node(Value::Int(2), Style::Plain), 3).unwrap(), Value::Int(3));
        assert_eq!(new_count(&node(Value::Null, Style::Plain), 3).unwrap(), Value::Int(3));
        assert_eq!(new_count(&node(Value::Str("two".into()), Style::Plain), 3).unwrap(), Value::Int(3));
    }

    #[test]
    fn a_string_a_patch_wrote_over_a_plain_count_becomes_an_integer() {
        let patched = node(Value::Str("trailing\n\n".into()), Style::Plain);
        assert_eq!(new_count(&patched, 3).unwrap(), Value::Int(3));
    }

    #[test]
    fn a_count_that_is_a_list_is_an_error() {
        assert!(new_count(&node(Value::Seq(vec![]), Style::Plain), 3).is_err());
    }
}
