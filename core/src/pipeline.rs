//! The whole-tree steps that follow accumulation: hash suffixes, name references, vars, dropping
//! local config, sorting. [`run`] is the pipeline's entry point (the public `kcompile::build`
//! calls it).

use crate::accumulate::Walker;
use crate::ctx::Ctx;
use crate::diagnostics::{Diagnostic, DiagnosticKind, Sink};
use crate::error::{Error, ErrorKind, Result};
use crate::fs::{FileKind, FileSystem};
use crate::load::{Cache, Loader, Observer};
use crate::resource::Resource;
use crate::trace::{self, Attribution, Tracer};
use camino::Utf8Path;

/// Whether a kustomization may read files outside its own directory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LoadRestrictor {
    /// kustomize's default: files must be in or below the kustomization's directory.
    #[default]
    RootOnly,
    /// No restriction (`--load-restrictor LoadRestrictionsNone`).
    Unrestricted,
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
#[non_exhaustive]
pub struct BuildLimits {
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

impl Default for BuildLimits {
    fn default() -> BuildLimits {
        BuildLimits {
            max_input_bytes: 64 << 20,
            max_nodes: 4_000_000,
            max_alias_nodes: 1_000_000,
            max_text_bytes: 64 << 20,
            max_documents: 100_000,
        }
    }
}

impl BuildLimits {
    /// With `max_input_bytes` set.
    pub fn with_max_input_bytes(mut self, bytes: u64) -> BuildLimits {
        self.max_input_bytes = bytes;
        self
    }

    /// With `max_nodes` set.
    pub fn with_max_nodes(mut self, nodes: usize) -> BuildLimits {
        self.max_nodes = nodes;
        self
    }

    /// With `max_alias_nodes` set.
    pub fn with_max_alias_nodes(mut self, nodes: usize) -> BuildLimits {
        self.max_alias_nodes = nodes;
        self
    }

    /// With `max_text_bytes` set.
    pub fn with_max_text_bytes(mut self, bytes: usize) -> BuildLimits {
        self.max_text_bytes = bytes;
        self
    }

    /// With `max_documents` set.
    pub fn with_max_documents(mut self, documents: usize) -> BuildLimits {
        self.max_documents = documents;
        self
    }
}

/// How to build: kustomize's build flags. Start from the default (kustomize's) and change
/// what differs:
///
/// ```
/// use kcompile::{BuildLimits, LoadRestrictor, Options};
///
/// let options = Options::default()
///     .with_load_restrictor(LoadRestrictor::Unrestricted)
///     .with_limits(BuildLimits::default().with_max_documents(1_000));
/// assert_eq!(options.limits.max_documents, 1_000);
/// ```
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
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
    pub limits: BuildLimits,
    /// Fetches remote bases, components and files (`None`: a remote entry is an error).
    pub fetcher: Option<std::sync::Arc<dyn crate::remote::Fetcher>>,
    /// `--enable-helm`: inflates `helmCharts` (`None`: a chart is kustomize's error).
    pub helm: Option<crate::generate::helm::HelmConfig>,
}

impl Options {
    /// With this load restrictor (`--load-restrictor`).
    pub fn with_load_restrictor(mut self, load_restrictor: LoadRestrictor) -> Options {
        self.load_restrictor = load_restrictor;
        self
    }

    /// With this output order when the root kustomization has no `sortOptions` (`--reorder`).
    pub fn with_reorder(mut self, reorder: Option<Reorder>) -> Options {
        self.reorder = reorder;
        self
    }

    /// With or without the `app.kubernetes.io/managed-by` label (`--enable-managedby-label`).
    pub fn with_managed_by_label(mut self, managed_by_label: bool) -> Options {
        self.managed_by_label = managed_by_label;
        self
    }

    /// With these limits.
    pub fn with_limits(mut self, limits: BuildLimits) -> Options {
        self.limits = limits;
        self
    }

    /// With this fetcher for remote bases, components and files (`None`: they are errors).
    pub fn with_fetcher(mut self, fetcher: Option<std::sync::Arc<dyn crate::remote::Fetcher>>) -> Options {
        self.fetcher = fetcher;
        self
    }

    /// With this Helm runner and flags (`--enable-helm`; `None`: charts are errors).
    pub fn with_helm(mut self, helm: Option<crate::generate::helm::HelmConfig>) -> Options {
        self.helm = helm;
        self
    }
}

/// Builds the kustomization in `root`: every resource, transformed and sorted, plus warnings.
pub(crate) fn run(
    fs: &dyn FileSystem,
    root: &Utf8Path,
    options: &Options,
    cache: Option<&Cache>,
) -> Result<(Vec<Resource>, Vec<Diagnostic>)> {
    let built = run_with(fs, root, options, cache, false, None)?;
    Ok((built.resources, built.sink.warnings))
}

/// A build with what `lint` and `explain` need besides the output.
pub(crate) struct Built {
    pub resources: Vec<Resource>,
    /// Warnings, and the patch and replacement targets that selected nothing.
    pub sink: Sink,
    /// Where each field came from, when `trace` was asked for.
    pub tracer: Option<Tracer>,
}

/// [`run`], keeping track of where every field came from when `trace` is set (off for
/// `build`: the tracer's hooks then do nothing), and telling `observer` each file read and each
/// kustomization loaded (`lint`'s view of the tree; `None` for `build`).
pub(crate) fn run_with(
    fs: &dyn FileSystem,
    root: &Utf8Path,
    options: &Options,
    cache: Option<&Cache>,
    trace: bool,
    observer: Option<&dyn Observer>,
) -> Result<Built> {
    let loader = Loader::new(fs, options.load_restrictor == LoadRestrictor::RootOnly, cache)
        .with_limits(&options.limits)
        .with_fetcher(options.fetcher.clone())
        .with_observer(observer);
    let real = fs.real_path(root).map_err(|_| {
        Error::new(format!("'{root}': no such file or directory (nothing to build)")).with_kind(ErrorKind::NotFound)
    })?;
    if fs.kind(&real).ok() != Some(FileKind::Dir) {
        return Err(Error::new(format!(
            "'{root}' is not a directory: build takes a directory holding a kustomization"
        ))
        .with_kind(ErrorKind::NotFound));
    }
    let mut walker = Walker::new(Ctx::new(loader, trace));
    walker.ctx.helm = options.helm.clone();
    let (acc, kustomization) = walker.accumulate_dir(&real)?;
    let flags = walker.build_metadata();
    let mut ctx = walker.ctx;
    if let Some(o) = &kustomization.sort_options {
        crate::sort::validate(o)?;
    }
    let mut resources = acc.resources;
    let tracer = &mut ctx.tracer;
    trace::begin(tracer, &mut resources);
    crate::generate::hash::add_suffixes(&mut resources);
    trace::end(tracer, &mut resources, || Attribution::bare("hash suffix", "the content hash of a generated object"));
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
            Some(Attribution::bare("name reference", what.clone()))
        };
        trace::end_refined(tracer, &mut resources, || Attribution::bare("name reference", ""), &refine);
    }
    trace::begin(tracer, &mut resources);
    let unused = crate::vars::resolve(&mut resources, &acc.vars, &acc.config.var_reference)?;
    trace::end(tracer, &mut resources, || Attribution::bare("vars", "$(VAR) expanded"));
    if !unused.is_empty() {
        ctx.sink.warn(Diagnostic::new(
            DiagnosticKind::UnusedVars,
            format!("well-defined vars that were never replaced: {}", unused.join(",")),
        ));
    }
    // kustomize validates every object's metadata as it drops local config, and rebuilds its
    // set of resources there, which refuses a repeated id (kustomize panics).
    for r in &resources {
        crate::load::check_name(r)?;
    }
    crate::accumulate::check_unique_ids(&resources)?;
    resources.retain(|r| !is_local_config(r));
    let fifo = crate::kustomization::SortOptions { order: "fifo".into(), legacy: None };
    let sort_options = match (kustomization.sort_options.as_ref(), options.reorder) {
        (Some(o), Some(_)) => {
            ctx.sink.warn(Diagnostic::new(
                DiagnosticKind::SortOrderOverridden,
                "Sorting order is set both in 'kustomization.yaml' ('sortOptions') and in a CLI flag ('--reorder'). Using the kustomization file over the CLI flag.",
            ));
            Some(o)
        }
        (Some(o), None) => Some(o),
        (None, Some(Reorder::None)) => Some(&fifo),
        (None, _) => None,
    };
    crate::sort::sort(&mut resources, sort_options);
    let mut build_metadata = flags;
    build_metadata.managed_by |= options.managed_by_label;
    trace::begin(&mut ctx.tracer, &mut resources);
    crate::build_metadata::finish(&mut resources, &real, build_metadata)?;
    // The last check before printing: kustomize fails on a string its JSON-to-YAML step
    // refuses only when it reaches the output.
    for r in &resources {
        if let Some((u, path)) = crate::yaml::read::unprintable(&r.node) {
            return Err(Error::new(format!(
                "kustomize cannot print {} at '{path}' of {} {} (its JSON to YAML step fails: {})",
                u.what(),
                r.kind(),
                r.name(),
                u.why()
            ))
            .help("remove the character, or write it some other way (kustomize fails on it too)"));
        }
    }
    trace::end(&mut ctx.tracer, &mut resources, || Attribution::bare("buildMetadata", ""));
    Ok(Built { resources, sink: ctx.sink, tracer: ctx.tracer })
}

/// Objects annotated `config.kubernetes.io/local-config: "true"` are not printed.
fn is_local_config(r: &Resource) -> bool {
    r.meta_map("annotations")
        .and_then(|a| a.get("config.kubernetes.io/local-config"))
        .and_then(crate::yaml::node::Node::scalar_text)
        == Some("true".to_string())
}
