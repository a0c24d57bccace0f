//! The whole-tree steps that follow accumulation: hash suffixes, name references, vars, dropping
//! local config, sorting. [`build`] is the pipeline's entry point.

use crate::accumulate::Builder;
use crate::error::{Error, Result};
use crate::fs::{FileKind, FileSystem};
use crate::load::{Cache, Loader};
use crate::resource::Resource;
use camino::Utf8Path;

/// Whether a kustomization may read files outside its own directory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LoadRestrictor {
    /// kustomize's default: files must be in or below the kustomization's directory.
    #[default]
    RootOnly,
    /// No restriction (`--load-restrictor LoadRestrictionsNone`).
    None,
}

/// How to build.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Whether files outside a kustomization's directory may be read.
    pub load_restrictor: LoadRestrictor,
}

/// Builds the kustomization in `root`: every resource, transformed and sorted, plus warnings.
pub(crate) fn build(
    fs: &dyn FileSystem,
    root: &Utf8Path,
    options: &Options,
    cache: Option<&Cache>,
) -> Result<(Vec<Resource>, Vec<String>)> {
    let loader = Loader::new(fs, options.load_restrictor == LoadRestrictor::RootOnly, cache);
    let real = fs
        .real_path(root)
        .map_err(|_| Error::new(format!("'{root}': no such file or directory (nothing to build)")))?;
    if fs.kind(&real).ok() != Some(FileKind::Dir) {
        return Err(Error::new(format!(
            "'{root}' is not a directory: build takes a directory holding a kustomization"
        )));
    }
    let mut builder = Builder::new(loader);
    let (acc, kustomization) = builder.accumulate_dir(&real)?;
    if let Some(o) = &kustomization.sort_options {
        crate::sort::validate(o)?;
    }
    let mut resources = acc.resources;
    crate::generate::hash::add_suffixes(&mut resources);
    crate::namereference::fix(&mut resources, &acc.config.name_reference)?;
    let unused = crate::vars::resolve(&mut resources, &acc.vars, &acc.config.var_reference)?;
    if !unused.is_empty() {
        builder.warnings.push(format!("well-defined vars that were never replaced: {}", unused.join(",")));
    }
    resources.retain(|r| !is_local_config(r));
    crate::sort::sort(&mut resources, kustomization.sort_options.as_ref());
    crate::build_metadata::finish(&mut resources, &real, builder.build_metadata);
    Ok((resources, builder.warnings))
}

/// Objects annotated `config.kubernetes.io/local-config: "true"` are not printed.
fn is_local_config(r: &Resource) -> bool {
    r.meta_map("annotations").and_then(|a| a.get("config.kubernetes.io/local-config")).and_then(|v| v.as_str())
        == Some("true")
}
