//! Transformers, one file each, run in kustomize's fixed order by [`run`]:
//! patchesStrategicMerge, patches, namespace, namePrefix/nameSuffix, labels/commonLabels,
//! commonAnnotations, patchesJson6902, replicas, images, replacements, then the kustomization's
//! own `transformers:`.

pub mod fieldspec;
pub mod labelselector;
pub mod namespace;
pub mod openapi;
pub mod patch_json6902;
pub mod patch_sm;
pub mod patches;
pub mod replacements;

use crate::accumulate::{Accumulator, Builder};
use crate::error::{bail, Result};
use crate::kustomization::Kustomization;
use crate::load::LoadedKustomization;

/// Refuses kustomization fields that kcompile does not implement yet, naming them.
pub fn check_supported(k: &Kustomization) -> Result<()> {
    let unsupported: &[(&str, bool)] = &[
        ("namespace", k.namespace.is_some()),
        ("namePrefix", k.name_prefix.is_some()),
        ("nameSuffix", k.name_suffix.is_some()),
        ("labels", !k.labels.is_empty()),
        ("commonLabels", !k.common_labels.is_empty()),
        ("commonAnnotations", !k.common_annotations.is_empty()),
        ("replicas", !k.replicas.is_empty()),
        ("images", !k.images.is_empty()),
        ("generators", !k.generators.is_empty()),
        ("transformers", !k.transformers.is_empty()),
        ("configurations", !k.configurations.is_empty()),
        ("crds", !k.crds.is_empty()),
    ];
    if !k.validators.is_empty() {
        // kustomize's validators are always plugins (exec or KRM functions): no builtin exists.
        bail!(
            "the field 'validators' is not supported by kcompile (validators are plugins that run external programs)"
        );
    }
    for (field, used) in unsupported {
        if *used {
            bail!("the field '{field}' is not supported yet by kcompile");
        }
    }
    Ok(())
}

/// Runs the kustomization's transformers over what has been accumulated, in kustomize's order.
///
/// Each step lives in its own file; a step whose field is empty does nothing.
pub fn run(b: &mut Builder, lk: &LoadedKustomization, acc: &mut Accumulator) -> Result<()> {
    // 1. patchesStrategicMerge   (patches.rs)
    patches::run_strategic_merge(b, lk, acc)?;
    // 2. patches                 (patches.rs)
    patches::run_patches(b, lk, acc)?;
    // 3. namespace               (namespace.rs)
    // 4. namePrefix, nameSuffix  (prefix_suffix.rs)
    // 5. labels, commonLabels    (labels.rs)
    // 6. commonAnnotations       (annotations.rs)
    // 7. patchesJson6902         (patches.rs)
    patches::run_json6902(b, lk, acc)?;
    // 8. replicas                (replicas.rs)
    // 9. images                  (images.rs)
    // 10. replacements           (replacements.rs)
    replacements::run(b, lk, acc)?;
    crate::build_metadata::record_builtin(b, lk, acc);
    // 11. `transformers:`        (builtin.rs)
    Ok(())
}
