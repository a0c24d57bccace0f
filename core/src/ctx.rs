//! The build context: the capabilities a build step may use, and nothing else (in the way
//! typst's `Engine` carries the world, the sink and the route). Transformers, generators and
//! whole-tree steps take the resources, their own configuration and a `&mut Ctx` (or less: a
//! step that only reads files takes the [`Loader`]).
//!
//! - file access: the [`Loader`] (the file system, the load restrictor, the limits, the cache
//!   of parsed files);
//! - a diagnostics [`Sink`]: warnings and notes for the tools, as values;
//! - the optional [`Tracer`] (`kcompile explain` only; `None` for `build`, `lint`, `diff`);
//! - the optional Helm runner ([`HelmConfig`]: `--enable-helm`; `None`: charts are errors).
//!
//! Build-wide state that is kustomize's and not a capability (the OpenAPI schema, the
//! `buildMetadata` flags, the stack of directories for cycle detection) stays with
//! accumulation's driver, [`crate::accumulate::Walker`], which hands each step what it uses
//! (a copy of the flags travels here, for the steps that show the build annotations).

use crate::diagnostics::Sink;
use crate::generate::helm::HelmConfig;
use crate::load::Loader;
use crate::trace::Tracer;

/// What a build step may use besides the resources and its configuration.
pub struct Ctx<'a> {
    /// Every file the build reads goes through here.
    pub loader: Loader<'a>,
    /// Where warnings and unmatched targets are recorded.
    pub sink: Sink,
    /// Where each field comes from (`kcompile explain` only).
    pub tracer: Option<Tracer>,
    /// Inflates Helm charts (`None`: a chart is an error, as without `--enable-helm`).
    pub helm: Option<HelmConfig>,
    /// What the steps that show kustomize's build annotations (a JSON patch, a replacement
    /// reading annotations) need of the root's `buildMetadata`: a copy the
    /// [`crate::accumulate::Walker`] sets, and the position of the running transformer.
    pub build_metadata: crate::build_metadata::Tracking,
}

impl<'a> Ctx<'a> {
    /// A context reading through `loader`, tracing when `trace` is set.
    pub fn new(loader: Loader<'a>, trace: bool) -> Ctx<'a> {
        Ctx {
            loader,
            sink: Sink::default(),
            tracer: trace.then(Tracer::default),
            helm: None,
            build_metadata: Default::default(),
        }
    }
}
