//! Labels: the `labels:` entries (pairs, includeSelectors, includeTemplates, fields) and the
//! deprecated `commonLabels:`, which also reach selectors and pod templates.

use crate::error::{Error, Result};
use crate::kustomization::Label;
use crate::resource::Resource;
use crate::transform::config::TransformerConfig;
use crate::transform::fieldspec::{merge_spec, merge_specs, set_entries, Spec};
use indexmap::IndexMap;

/// The fields one `labels:` entry writes to: its own `fields`, plus every label field kustomize
/// knows when `includeSelectors` is set, or else `metadata/labels` (and pod template labels
/// with `includeTemplates`), plus the `labels` fields of the configuration.
pub fn label_specs(label: &Label, config: &TransformerConfig) -> Result<Vec<Spec>> {
    let mut specs: Vec<Spec> = label.fields.iter().map(Spec::from_field_spec).collect();
    let conflict = |e: Error| Error::new(format!("in labels: {}", e.message()));
    if label.include_selectors {
        merge_specs(&mut specs, &config.common_labels).map_err(conflict)?;
    } else {
        merge_spec(&mut specs, Spec::any("metadata/labels", true)).map_err(conflict)?;
        if label.include_templates {
            merge_specs(&mut specs, &config.template_labels).map_err(conflict)?;
        }
    }
    merge_specs(&mut specs, &config.labels).map_err(conflict)?;
    Ok(specs)
}

/// Sets `pairs` as labels in the fields `specs` name.
pub fn run(resources: &mut [Resource], pairs: &IndexMap<String, String>, specs: &[Spec]) -> Result<()> {
    let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    set_entries(resources, specs, &pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_only_when_asked() {
        let config = TransformerConfig::defaults();
        let mut label = Label::default();
        let plain = label_specs(&label, &config).unwrap();
        assert_eq!(plain.len(), 1);
        label.include_templates = true;
        let with_templates = label_specs(&label, &config).unwrap();
        assert!(with_templates.iter().any(|s| s.path == "spec/template/metadata/labels"));
        assert!(!with_templates.iter().any(|s| s.path.contains("selector")));
        label.include_selectors = true;
        let with_selectors = label_specs(&label, &config).unwrap();
        assert!(with_selectors.iter().any(|s| s.path == "spec/selector/matchLabels"));
    }
}
