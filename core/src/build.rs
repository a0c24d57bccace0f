//! The whole-tree steps that follow accumulation: hash suffixes, name references, vars, dropping
//! local config, sorting. [`build`] is the pipeline's entry point.

use crate::accumulate::Builder;
use crate::error::{Error, Result};
use crate::fs::{FileKind, FileSystem};
use crate::load::{Cache, Loader};
use crate::resource::Resource;
use crate::trace::{self, Step, Tracer};
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
    let built = build_with(fs, root, options, cache, false)?;
    Ok((built.resources, built.warnings))
}

/// A build with what `lint` and `explain` need besides the output.
pub(crate) struct Built {
    pub resources: Vec<Resource>,
    pub warnings: Vec<String>,
    /// Patches and replacement targets that selected nothing.
    pub unmatched: Vec<crate::lint::Unmatched>,
    /// Where each field came from, when `trace` was asked for.
    pub tracer: Option<Tracer>,
}

/// [`build`], keeping track of where every field came from when `trace` is set (off for
/// `build`: the tracer's hooks then do nothing).
pub(crate) fn build_with(
    fs: &dyn FileSystem,
    root: &Utf8Path,
    options: &Options,
    cache: Option<&Cache>,
    trace: bool,
) -> Result<Built> {
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
    if trace {
        builder.tracer = Some(Tracer::default());
    }
    let (acc, kustomization) = builder.accumulate_dir(&real)?;
    if let Some(o) = &kustomization.sort_options {
        crate::sort::validate(o)?;
    }
    let mut resources = acc.resources;
    let tracer = &mut builder.tracer;
    trace::begin(tracer, &mut resources);
    crate::generate::hash::add_suffixes(&mut resources);
    trace::end(tracer, &mut resources, || Step::bare("hash suffix", "the content hash of a generated object"));
    trace::begin(tracer, &mut resources);
    crate::namereference::fix(&mut resources, &acc.config.name_reference)?;
    if tracer.is_some() {
        // Each rewritten reference names the object it follows.
        let renamed: std::collections::HashMap<String, String> = resources
            .iter()
            .filter_map(|r| {
                let (first, _) = r.previous.first()?;
                Some((r.name().to_string(), format!("{} {first} renamed {}", r.kind(), r.name())))
            })
            .collect();
        let refine = |n: &crate::yaml::node::Node| {
            let what = renamed.get(n.as_str()?)?;
            Some(Step::bare("name reference", what.clone()))
        };
        trace::end_refined(tracer, &mut resources, || Step::bare("name reference", ""), &refine);
    }
    trace::begin(tracer, &mut resources);
    let unused = crate::vars::resolve(&mut resources, &acc.vars, &acc.config.var_reference)?;
    trace::end(tracer, &mut resources, || Step::bare("vars", "$(VAR) expanded"));
    if !unused.is_empty() {
        builder.warnings.push(format!("well-defined vars that were never replaced: {}", unused.join(",")));
    }
    // kustomize validates every object's metadata as it drops local config.
    for r in &resources {
        crate::load::check_name(r)?;
    }
    resources.retain(|r| !is_local_config(r));
    crate::sort::sort(&mut resources, kustomization.sort_options.as_ref());
    trace::begin(&mut builder.tracer, &mut resources);
    crate::build_metadata::finish(&mut resources, &real, builder.build_metadata);
    trace::end(&mut builder.tracer, &mut resources, || Step::bare("buildMetadata", ""));
    Ok(Built { resources, warnings: builder.warnings, unmatched: builder.unmatched, tracer: builder.tracer })
}

/// Objects annotated `config.kubernetes.io/local-config: "true"` are not printed.
fn is_local_config(r: &Resource) -> bool {
    r.meta_map("annotations").and_then(|a| a.get("config.kubernetes.io/local-config")).and_then(|v| v.as_str())
        == Some("true")
}
