//! commonAnnotations (and AnnotationsTransformer configs).

use crate::error::Result;
use crate::resource::Resource;
use crate::transform::fieldspec::{set_entries, Spec};
use indexmap::IndexMap;

/// Sets `pairs` as annotations in the fields `specs` name.
pub fn run(resources: &mut [Resource], pairs: &IndexMap<String, String>, specs: &[Spec]) -> Result<()> {
    let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    set_entries(resources, specs, &pairs)
}
