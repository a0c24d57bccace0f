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

/// The output order asked for on the command line (`kustomize build --reorder`); a
/// kustomization's `sortOptions` wins over it, as in kustomize.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reorder {
    /// `--reorder legacy`: kustomize's legacy order (also the default).
    Legacy,
    /// `--reorder none`: the order in which resources were read (FIFO).
    None,
}

/// Bounds on what one build reads, so that a hostile tree (alias bombs split over many files,
/// huge files, millions of documents) ends quickly with an error naming the limit instead of
/// exhausting the machine. They hold for the whole build, all the files it reads together:
/// resource files and kustomization files count against every limit; patch, replacement,
/// configuration, CRD and OpenAPI files against `max_input_bytes`, and each against the other
/// limits on its own. The CLI raises them with `--max-input-bytes`, `--max-nodes`,
/// `--max-alias-nodes`, `--max-text-bytes` and `--max-documents`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of files read. A file whose size the file system reports is refused before it is
    /// read. Default 64 MiB.
    pub max_input_bytes: u64,
    /// YAML nodes built (maps, lists, scalars), alias expansions included. Default 4,000,000
    /// (about 300 MiB of memory; the benchmark's 20,000-application tree builds 2.2 million).
    pub max_nodes: usize,
    /// YAML nodes made by alias expansion (the copies aliases and anchors make, which a small
    /// file can multiply). Default 1,000,000.
    pub max_alias_nodes: usize,
    /// Bytes of scalar and key text built, alias expansions included. Default 64 MiB.
    pub max_text_bytes: usize,
    /// YAML documents read. Default 100,000 (a small document costs about 1 KiB).
    pub max_documents: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_input_bytes: 64 << 20,
            max_nodes: 4_000_000,
            max_alias_nodes: 1_000_000,
            max_text_bytes: 64 << 20,
            max_documents: 100_000,
        }
    }
}

/// How to build.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Whether files outside a kustomization's directory may be read.
    pub load_restrictor: LoadRestrictor,
    /// `--reorder`: used when the root kustomization has no `sortOptions` (with a warning when
    /// both are given, as kustomize does).
    pub reorder: Option<Reorder>,
    /// `--enable-managedby-label`: add the `app.kubernetes.io/managed-by` label as
    /// `buildMetadata: [managedByLabel]` does.
    pub managed_by_label: bool,
    /// What one build may read.
    pub limits: Limits,
    /// Fetches remote bases, components and files (`None`: a remote entry is an error).
    pub fetcher: Option<std::sync::Arc<dyn crate::remote::Fetcher>>,
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
    let loader =
        Loader::new(fs, options.load_restrictor == LoadRestrictor::RootOnly, cache).with_limits(&options.limits);
    let real = fs
        .real_path(root)
        .map_err(|_| Error::new(format!("'{root}': no such file or directory (nothing to build)")))?;
    if fs.kind(&real).ok() != Some(FileKind::Dir) {
        return Err(Error::new(format!(
            "'{root}' is not a directory: build takes a directory holding a kustomization"
        )));
    }
    let mut builder = Builder::new(loader);
    builder.fetcher = options.fetcher.clone();
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
    let fifo = crate::kustomization::SortOptions { order: "fifo".into(), legacy: None };
    let sort_options = match (kustomization.sort_options.as_ref(), options.reorder) {
        (Some(o), Some(_)) => {
            builder.warnings.push(
                "Warning: Sorting order is set both in 'kustomization.yaml' ('sortOptions') and in a CLI flag ('--reorder'). Using the kustomization file over the CLI flag.".into(),
            );
            Some(o)
        }
        (Some(o), None) => Some(o),
        (None, Some(Reorder::None)) => Some(&fifo),
        (None, _) => None,
    };
    crate::sort::sort(&mut resources, sort_options);
    let mut build_metadata = builder.build_metadata;
    build_metadata.managed_by |= options.managed_by_label;
    trace::begin(&mut builder.tracer, &mut resources);
    crate::build_metadata::finish(&mut resources, &real, build_metadata)?;
    // The last check before printing: kustomize fails on a character its JSON-to-YAML step
    // refuses only when it reaches the output.
    for r in &resources {
        if let Some((c, path)) = crate::yaml::read::unprintable(&r.node) {
            return Err(Error::new(format!(
                "kustomize cannot print the character U+{:04X} at '{path}' of {} {} (its JSON to YAML step fails: \
                 control characters are not allowed)",
                c as u32,
                r.kind(),
                r.name()
            ))
            .help("remove the character, or write it some other way (kustomize fails on it too)"));
        }
    }
    trace::end(&mut builder.tracer, &mut resources, || Step::bare("buildMetadata", ""));
    Ok(Built { resources, warnings: builder.warnings, unmatched: builder.unmatched, tracer: builder.tracer })
}

/// Objects annotated `config.kubernetes.io/local-config: "true"` are not printed.
fn is_local_config(r: &Resource) -> bool {
    r.meta_map("annotations")
        .and_then(|a| a.get("config.kubernetes.io/local-config"))
        .and_then(crate::yaml::node::Node::scalar_text)
        == Some("true".to_string())
}
