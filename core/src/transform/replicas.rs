//! replicas (and ReplicaCountTransformer configs): set the replica count of objects by name.

use crate::error::{bail, Result};
use crate::kustomization::Replica;
use crate::resource::Resource;
use crate::transform::fieldspec::{walk, Spec};
use crate::yaml::node::Value;

/// Applies one `replicas:` entry. The name matches an object's current name or any name it had
/// before; an entry that matches nothing is an error, as in kustomize.
pub fn run(resources: &mut [Resource], replica: &Replica, specs: &[Spec]) -> Result<()> {
    let mut found = false;
    for spec in specs {
        for r in resources.iter_mut() {
            let gvk = r.gvk();
            let named = r.name() == replica.name || r.previous.iter().any(|(n, _)| *n == replica.name);
            if !named || !spec.selects(&gvk) {
                continue;
            }
            found = true;
            let res = walk(&mut r.node, &spec.steps, spec.create, &mut |n| {
                n.value = Value::Int(replica.count);
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
