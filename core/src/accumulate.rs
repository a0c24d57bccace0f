//! The build pipeline for one kustomization directory (kustomize's "kust target"):
//! accumulate resources and components, run generators, run transformers in kustomize's fixed
//! order. The whole-tree steps (hash suffixes, name references, vars, sort) run once at the top,
//! in [`crate::pipeline`].

use crate::ctx::Ctx;
use crate::error::{bail, Error, ErrorKind, Result};
use crate::fs::FileKind;
use crate::kustomization::{KustKind, Kustomization, Spanned};
use crate::load::LoadedKustomization;
use crate::remote::{FileError, RemoteOrigin, RepoSpec};
use crate::resource::Resource;
use crate::transform::config::TransformerConfig;
use crate::transform::openapi::SchemaState;
use crate::yaml::node::Pos;
use camino::{Utf8Path, Utf8PathBuf};
use foldhash::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

/// The resources (and configuration) gathered so far for one kustomization.
#[derive(Default)]
pub struct Accumulator {
    pub resources: Vec<Resource>,
    /// The vars declared so far (resolved once, at the end of the build).
    pub vars: crate::vars::VarSet,
    /// Field specs for the transformers: kustomize's defaults plus the `configurations:` and
    /// `crds:` of this kustomization and of everything it includes.
    pub config: Arc<TransformerConfig>,
    /// The ids of `resources`, kept between [`Accumulator::keep_index`] and
    /// [`Accumulator::drop_index`], while resources are only appended (so that a kustomization
    /// listing thousands of files checks each new id in constant time).
    index: Option<HashMap<IdKey, usize>>,
}

impl Accumulator {
    /// Adds a resource, refusing a second object with the same id (kustomize's rule).
    pub fn append(&mut self, r: Resource) -> Result<()> {
        self.append_all(vec![r])
    }

    /// Takes in what a base (or a remote tree) accumulated: its resources, vars and
    /// configuration.
    fn absorb(&mut self, sub: Accumulator) -> Result<()> {
        self.append_all(sub.resources)?;
        self.vars.absorb(sub.vars)?;
        TransformerConfig::merge_shared(&mut self.config, &sub.config)
    }

    /// Adds many resources (see [`Accumulator::append`]).
    pub fn append_all(&mut self, rs: Vec<Resource>) -> Result<()> {
        let mut local;
        let seen = match self.index.as_mut() {
            Some(index) => index,
            None => {
                local = self.resources.iter().enumerate().map(|(i, r)| (id_key(r.id()), i)).collect();
                &mut local
            }
        };
        for r in rs {
            match seen.entry(id_key(r.id())) {
                Entry::Occupied(first) => return Err(duplicate(&r, self.resources.get(*first.get()))),
                Entry::Vacant(slot) => slot.insert(self.resources.len()),
            };
            self.resources.push(r);
        }
        Ok(())
    }

    /// From now until [`Accumulator::drop_index`], only appends change `resources`: keep the
    /// id index between them.
    fn keep_index(&mut self) {
        self.index = Some(self.resources.iter().enumerate().map(|(i, r)| (id_key(r.id()), i)).collect());
    }

    /// Resources may now be changed in place: forget the id index.
    fn drop_index(&mut self) {
        self.index = None;
    }
}

/// Refuses two objects with the same id among `resources`, naming the later one. kustomize
/// checks this each time it rebuilds a set of resources: when a component's result is merged
/// back, after a strategic-merge patch, and when the legacy sort re-adds the output; so objects
/// that a patch, a replacement or a prefix made identical are an error there, not only objects
/// read twice.
pub fn check_unique_ids(resources: &[Resource]) -> Result<()> {
    let mut seen: HashMap<IdKey, usize> = HashMap::default();
    for (i, r) in resources.iter().enumerate() {
        let slot = match seen.entry(id_key(r.id())) {
            Entry::Vacant(slot) => slot,
            Entry::Occupied(first) => {
                return Err(duplicate(r, resources.get(*first.get())).help(
                    "two objects ended up with the same kind, name and namespace after the transformations \
                 (a patch with allowNameChange, a replacement into metadata.name or kind, a name prefix...): \
                 kustomize refuses that; keep their names apart",
                ))
            }
        };
        slot.insert(i);
    }
    Ok(())
}

/// kustomize's error for `r`, whose id `first` already has.
fn duplicate(r: &Resource, first: Option<&Resource>) -> Error {
    let other = first.map(|o| o.origin.as_str()).unwrap_or("?");
    Error::new(format!(
        "may not add resource with an already registered id: {} (it is already defined in {other})",
        r.id()
    ))
    .located(&r.origin, r.node.pos)
    .with_kind(ErrorKind::Conflict)
}

/// What makes two objects the same for kustomize: GVK, name and effective namespace.
type IdKey = (crate::resource::Gvk, String, String);

fn id_key(id: crate::resource::ResId) -> IdKey {
    // The id's own strings are moved in (this runs for every object, at every level).
    let namespace =
        if id.effective_namespace() == id.namespace { id.namespace } else { id.effective_namespace().to_string() };
    (id.gvk, id.name, namespace)
}

/// Accumulation's driver: walks a tree of kustomizations, running each one's steps in
/// kustomize's order. It holds the build's capabilities ([`Ctx`]) and the build-wide state that
/// is kustomize's (the OpenAPI schema, the root's `buildMetadata`, the directories being built),
/// and hands each step only what it uses (the default field specs are an immutable table,
/// [`TransformerConfig::defaults`]).
pub struct Walker<'a> {
    /// File access, diagnostics and the tracer.
    pub ctx: Ctx<'a>,
    /// The build-wide OpenAPI schema (kustomization `openapi`; first one met wins).
    schema: SchemaState,
    /// The root kustomization's `buildMetadata` (it governs the whole tree).
    build_metadata: crate::build_metadata::Flags,
    /// Directories being built, outermost first: used to detect cycles.
    stack: Vec<Utf8PathBuf>,
    /// The remote trees being built, outermost first, with the entries that named them (for
    /// repository cycles and containment).
    remotes: Vec<(String, std::sync::Arc<RemoteOrigin>)>,
}

impl<'a> Walker<'a> {
    pub fn new(ctx: Ctx<'a>) -> Walker<'a> {
        Walker {
            ctx,
            schema: SchemaState::default(),
            build_metadata: Default::default(),
            stack: Vec::new(),
            remotes: Vec::new(),
        }
    }

    /// The root's `buildMetadata` flags (known once the root is accumulated).
    pub fn build_metadata(&self) -> crate::build_metadata::Flags {
        self.build_metadata
    }

    /// Builds the kustomization in `dir` (a real path); only the root may be a Component.
    pub fn accumulate_dir(&mut self, dir: &Utf8Path) -> Result<(Accumulator, Kustomization)> {
        let loaded = self.load_kustomization(dir)?;
        if self.stack.is_empty() {
            self.build_metadata = crate::build_metadata::Flags::of(&loaded.kustomization);
            self.ctx.build_metadata = crate::build_metadata::Tracking {
                flags: self.build_metadata,
                root: dir.to_owned(),
                ..Default::default()
            };
        }
        // A Component may be built on its own, but not included through `resources`.
        if loaded.kustomization.kind == KustKind::Component && !self.stack.is_empty() {
            return Err(Error::new(format!(
                "'{}' is a Component: a Component belongs in 'components', not 'resources'",
                loaded.file
            ))
            .help("move this entry from 'resources:' to 'components:' (kustomize: expected kind != 'Component')"));
        }
        self.enter(dir)?;
        let mut acc = Accumulator::default();
        let res = self.accumulate_target(&loaded, &mut acc);
        self.stack.pop();
        res.map_err(|e| e.in_file(&loaded.file))?;
        Ok((acc, loaded.kustomization))
    }

    /// Loads the kustomization in `dir` (a real path). Its file is read like any other: while
    /// the load restrictor is on it may not be a link to a file outside `dir` (kustomize then
    /// finds no kustomization there).
    fn load_kustomization(&self, dir: &Utf8Path) -> Result<LoadedKustomization> {
        for name in crate::load::KUSTOMIZATION_FILE_NAMES {
            let candidate = dir.join(name);
            if let Ok(real) = self.ctx.loader.fs().real_path(&candidate) {
                self.ctx.loader.check_within(dir, &real, name)?;
            }
        }
        self.ctx.loader.load_kustomization(dir)
    }

    fn enter(&mut self, dir: &Utf8Path) -> Result<()> {
        if self.stack.iter().any(|d| d == dir) {
            let chain: Vec<&str> = self.stack.iter().map(|d| d.as_str()).collect();
            return Err(Error::new(format!(
                "cycle detected: '{dir}' includes itself (through {})",
                chain.join(" -> ")
            ))
            .with_kind(ErrorKind::Cycle));
        }
        self.stack.push(dir.to_owned());
        Ok(())
    }

    /// kustomize's order: resources, generators, components, transformers.
    fn accumulate_target(&mut self, lk: &LoadedKustomization, acc: &mut Accumulator) -> Result<()> {
        let k = &lk.kustomization;
        for d in &k.warnings {
            self.ctx.sink.warn(crate::diagnostics::Diagnostic::deprecated_field(d, &lk.file));
        }
        crate::transform::check_supported(k).map_err(|e| e.in_file(&lk.file))?;
        self.announce_remotes(lk);
        self.schema.configure(&self.ctx.loader, lk, &acc.resources)?;
        acc.keep_index();
        let appended = k.resources.iter().try_for_each(|entry| {
            self.accumulate_resource(&lk.dir, &entry.value, acc)
                .map_err(|e| e.within(format!("in resource '{}'", entry.value), &lk.file, entry.pos))
        });
        acc.drop_index();
        appended?;
        k.check_plugin_maps().map_err(|e| e.in_file(&lk.file))?;
        crate::transform::configure(&self.ctx.loader, &TransformerConfig::defaults(), lk, acc)?;
        crate::generate::run(&mut self.ctx, lk, acc)?;
        if !k.generators.is_empty() {
            let configs = self.plugin_configs(lk, &k.generators, "generators")?;
            crate::transform::builtin::run_generators(&mut self.ctx, lk, acc, &configs)?;
        }
        for entry in &k.components {
            self.accumulate_component(&lk.dir, &entry.value, acc)
                .map_err(|e| e.within(format!("in component '{}'", entry.value), &lk.file, entry.pos))?;
        }
        crate::transform::run(&mut self.ctx, &mut self.schema, lk, acc)?;
        crate::build_metadata::record_builtin(&self.build_metadata, self.current_remote(), lk, acc);
        if !k.transformers.is_empty() {
            let configs = self.plugin_configs(lk, &k.transformers, "transformers")?;
            let remote = self.current_remote();
            let (ctx, schema, flags) = (&mut self.ctx, &mut self.schema, &self.build_metadata);
            crate::transform::builtin::run_transformers(ctx, schema, flags, remote, lk, acc, &configs)?;
        }
        crate::vars::merge(&lk.file, &k.vars, acc)?;
        Ok(())
    }

    /// Tells the fetcher, if there is one, of the remote entries of `lk` before they are built,
    /// so that it may fetch them in parallel ([`crate::remote::Fetcher::prefetch`]): the
    /// `resources` that are HTTP files, or repositories and no local file; the `components`
    /// that are repositories.
    fn announce_remotes(&self, lk: &LoadedKustomization) {
        use crate::remote::Wanted;
        let Some(fetcher) = self.ctx.loader.fetcher() else { return };
        let k = &lk.kustomization;
        let mut wanted = Vec::new();
        for entry in k.resources.iter().map(|e| e.value.as_str()) {
            if crate::remote::is_remote_file(entry) {
                wanted.push(Wanted::File(entry.to_string()));
            } else if let Ok(spec) = RepoSpec::parse(entry) {
                if !matches!(self.ctx.loader.resolve(&lk.dir, entry), Ok((_, FileKind::File))) {
                    wanted.push(Wanted::Repo(spec));
                }
            }
        }
        wanted.extend(k.components.iter().filter_map(|e| RepoSpec::parse(&e.value).ok()).map(Wanted::Repo));
        if !wanted.is_empty() {
            fetcher.prefetch(&wanted);
        }
    }

    /// The configurations a `generators:` or `transformers:` field names (`field`), each with
    /// the position of its entry when it is inline: inline ones first, then those of files and
    /// directories (accumulated like resources), as kustomize reads them.
    fn plugin_configs(
        &mut self,
        lk: &LoadedKustomization,
        entries: &[Spanned],
        field: &str,
    ) -> Result<Vec<(Resource, Pos)>> {
        let (mut acc, inline_pos, paths) = crate::transform::builtin::inline_configs(lk, entries)?;
        for entry in paths {
            self.accumulate_resource(&lk.dir, &entry.value, &mut acc).map_err(|e| {
                e.in_file(&lk.file).at(entry.pos).context(format!("in {field} entry '{}'", entry.value))
            })?;
        }
        let positions = inline_pos.into_iter().chain(std::iter::repeat(Pos::default()));
        Ok(acc.resources.into_iter().zip(positions).collect())
    }

    fn accumulate_resource(&mut self, dir: &Utf8Path, entry: &str, acc: &mut Accumulator) -> Result<()> {
        // As kustomize: an HTTP URL is a file; a local file wins; then a git URL is a base.
        let http = crate::remote::is_remote_file(entry);
        let fetching = self.ctx.loader.fetcher().is_some();
        if http && fetching {
            return self.accumulate_http_file(dir, entry, acc);
        }
        let resolved = if http { None } else { Some(self.ctx.loader.resolve(dir, entry)) };
        if !matches!(resolved, Some(Ok((_, FileKind::File)))) {
            if let (true, Ok(spec)) = (fetching, RepoSpec::parse(entry)) {
                return self.accumulate_repo(&spec, false, acc);
            }
            if let Some(e) = crate::remote::unsupported(entry) {
                return Err(e);
            }
        }
        let (real, kind) = resolved.unwrap_or_else(|| self.ctx.loader.resolve(dir, entry))?;
        match kind {
            FileKind::Dir => {
                refuse_absolute_root(entry)?;
                self.check_in_repo(&real)?;
                let (sub, _) = self.accumulate_dir(&real)?;
                acc.absorb(sub)
            }
            FileKind::File => {
                let rs = self.ctx.loader.load_resources(dir, entry)?;
                acc.append_all(rs)
            }
        }
    }

    fn accumulate_component(&mut self, dir: &Utf8Path, entry: &str, acc: &mut Accumulator) -> Result<()> {
        refuse_absolute_root(entry)?;
        if let (Some(_), Ok(spec)) = (self.ctx.loader.fetcher(), RepoSpec::parse(entry)) {
            return self.accumulate_repo(&spec, true, acc);
        }
        if let Some(e) = crate::remote::unsupported(entry) {
            return Err(e);
        }
        let (real, kind) = self.ctx.loader.resolve(dir, entry)?;
        if kind != FileKind::Dir {
            bail!("component '{entry}' must be a directory holding a kustomization of kind Component");
        }
        self.check_in_repo(&real)?;
        self.accumulate_component_dir(&real, acc)
    }

    /// Builds the Component in `real` (a real path) into `acc`.
    fn accumulate_component_dir(&mut self, real: &Utf8Path, acc: &mut Accumulator) -> Result<()> {
        let loaded = self.load_kustomization(real)?;
        if loaded.kustomization.kind != KustKind::Component {
            return Err(Error::new(format!(
                "'{}' is a Kustomization; only kind 'Component' may be used in 'components'",
                loaded.file
            ))
            .help(
                "list a base under 'resources:'; a component's kustomization says \
                 'apiVersion: kustomize.config.k8s.io/v1alpha1' and 'kind: Component'",
            ));
        }
        self.enter(real)?;
        let res = self.accumulate_target(&loaded, acc);
        self.stack.pop();
        res.map_err(|e| e.in_file(&loaded.file))?;
        // kustomize adds a component's result to an empty set of resources.
        check_unique_ids(&acc.resources)
    }

    /// The remote tree being built, if any (innermost).
    pub fn current_remote(&self) -> Option<std::sync::Arc<RemoteOrigin>> {
        self.remotes.last().map(|(_, o)| o.clone())
    }

    /// Inside a remote tree, a base or component must lie inside its checkout (kustomize's
    /// containment check, after symlinks are resolved).
    fn check_in_repo(&self, real: &Utf8Path) -> Result<()> {
        match self.remotes.last() {
            Some((_, origin)) if !real.starts_with(&origin.root) => Err(Error::new(format!(
                "security; bases in kustomizations found in cloned git repos must be within the repo, but base '{real}' is outside '{}'",
                origin.root
            ))
            .help("a remote kustomization may only use bases inside its own repository; list other repositories by URL")),
            _ => Ok(()),
        }
    }

    /// An `http://` or `https://` entry: fetched as a file of resources, else (when the URL
    /// also reads as a repository) built as a remote base, in kustomize's order.
    fn accumulate_http_file(&mut self, dir: &Utf8Path, entry: &str, acc: &mut Accumulator) -> Result<()> {
        let Some(fetcher) = self.ctx.loader.fetcher().cloned() else { return Err(Error::new("no fetcher")) };
        let spec = RepoSpec::parse(entry);
        let file_error = match fetcher.file(entry) {
            Ok(bytes) => match self.http_resources(dir, entry, bytes) {
                Ok(rs) => return acc.append_all(rs),
                Err(e) => e,
            },
            Err(FileError::Status(code)) if spec.is_err() => {
                return Err(Error::new(format!(
                    "HTTP Error: status code {code} ({}) fetching '{entry}'",
                    status_text(code)
                ))
                .help("check the URL: kustomize fetches an http(s) resource as a file"));
            }
            Err(FileError::Status(_)) => Error::new("URL is a git repository"),
            Err(FileError::Failed(e)) => e,
        };
        let Ok(spec) = spec else { return Err(file_error) };
        self.accumulate_repo(&spec, false, acc)
            .map_err(|e| e.context(format!("first fetched as a file: {}", file_error.message())))
    }

    /// The resources of an HTTP file's body.
    fn http_resources(&self, dir: &Utf8Path, url: &str, bytes: Vec<u8>) -> Result<Vec<Resource>> {
        let text = String::from_utf8(bytes).map_err(|e| {
            Error::new(format!(
                "{url}: the body is not valid UTF-8 (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ))
        })?;
        let mut rs = self.ctx.loader.parse_resources(&text, Utf8Path::new(url))?;
        let outer = self.remotes.last().map(|(_, o)| o.as_ref());
        let dir_path = match outer {
            Some(o) => o.path_of(dir),
            None => self.stack.first().map(|root| crate::build_metadata::relative(root, dir)).unwrap_or_default(),
        };
        let origin = std::sync::Arc::new(RemoteOrigin::of_file(url, outer, &dir_path));
        for r in &mut rs {
            crate::load::check_name(r)?;
            r.remote = Some(origin.clone());
        }
        Ok(rs)
    }

    /// A remote base (`component`: a remote Component): checked out by the fetcher, its
    /// kustomization directory checked, then built restricted to the checkout.
    fn accumulate_repo(&mut self, spec: &RepoSpec, component: bool, acc: &mut Accumulator) -> Result<()> {
        let Some(fetcher) = self.ctx.loader.fetcher().cloned() else { return Err(Error::new("no fetcher")) };
        if let Some((previous, _)) = self.remotes.iter().find(|(raw, _)| raw.starts_with(&spec.raw)) {
            return Err(Error::new(format!(
                "cycle detected: URI '{}' referenced by previous URI '{previous}'",
                spec.raw
            )));
        }
        let checkout = fetcher.repo(spec)?;
        let fs = self.ctx.loader.fs();
        let at = || match spec.git_ref.as_str() {
            "" => format!("{} (commit {})", spec.clone_url(), checkout.commit),
            r => format!("{} at '{r}' (commit {})", spec.clone_url(), checkout.commit),
        };
        let root = fs
            .real_path(&checkout.dir)
            .map_err(|e| Error::new(format!("the checkout of {} in {} cannot be read: {e}", at(), checkout.dir)))?;
        let wanted = crate::fs::normalize(&root.join(&spec.kust_path));
        let real = fs.real_path(&wanted).map_err(|_| {
            Error::new(format!("'{}' does not exist in {}", spec.kust_path, at()))
                .help("check the path after '//' (or after the repository) and the ref")
        })?;
        if fs.kind(&real).ok() != Some(FileKind::Dir) {
            return Err(Error::new(format!("'{wanted}' refers to file '{}'; expecting directory", spec.kust_path))
                .help(
                    "a remote base names a directory holding a kustomization; list a single file by its http(s) URL",
                ));
        }
        if !real.starts_with(&root) {
            return Err(Error::new(format!("\"{wanted}\" refers to directory outside of repo \"{root}\"")));
        }
        let origin = std::sync::Arc::new(RemoteOrigin::of_repo(spec, root.clone()));
        if let Some(tracer) = &mut self.ctx.tracer {
            tracer.checkout(&root, &origin.repo, &origin.git_ref);
        }
        self.remotes.push((spec.raw.clone(), origin.clone()));
        let restrict = self.ctx.loader.set_restrict(true);
        let start = acc.resources.len();
        let res = if component {
            self.accumulate_component_dir(&real, acc)
        } else {
            self.accumulate_dir(&real).and_then(|(sub, _)| acc.absorb(sub))
        };
        self.ctx.loader.set_restrict(restrict);
        self.remotes.pop();
        res.map_err(|e| e.context(format!("in the checkout of {}", at())))?;
        // What the tree brought (or generated) is marked, innermost remote first.
        for r in acc.resources.iter_mut().skip(if component { 0 } else { start }) {
            if r.remote.is_none() && r.origin.starts_with(&root) {
                r.remote = Some(origin.clone());
            }
        }
        Ok(())
    }
}

/// Go's `http.StatusText` for the common codes.
pub(crate) fn status_text(code: u16) -> &'static str {
    match code {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        410 => "Gone",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

/// kustomize refuses a base or component given by an absolute path, whatever the load
/// restrictor (absolute resource *files* are read, within the restrictor's rules).
fn refuse_absolute_root(entry: &str) -> Result<()> {
    if Utf8Path::new(entry).is_absolute() {
        return Err(Error::new(format!("new root '{entry}' cannot be absolute"))
            .help("give the directory relative to the kustomization that lists it (kustomize refuses absolute bases and components)"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::{build, MemFs, Options};

    fn config_map(name: &str) -> String {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n")
    }

    #[test]
    fn a_duplicate_among_many_files_is_found_and_names_both_files() {
        let mut fs = MemFs::new();
        let mut kust = String::from("resources:\n");
        for i in 0..500 {
            fs = fs.with(format!("app/cm{i}.yaml"), config_map(&format!("cm-{i}")));
            kust.push_str(&format!("- cm{i}.yaml\n"));
        }
        let ok = fs.clone().with("app/kustomization.yaml", kust.as_str());
        assert_eq!(build(&ok, "/app".into(), &Options::default()).unwrap().objects().len(), 500);

        kust.push_str("- again.yaml\n");
        let fs = fs.with("app/again.yaml", config_map("cm-123")).with("app/kustomization.yaml", kust.as_str());
        let err = build(&fs, "/app".into(), &Options::default()).unwrap_err().to_string();
        assert!(err.contains("already registered id"), "{err}");
        assert!(err.contains("cm123.yaml") && err.contains("again.yaml"), "{err}");
    }

    #[test]
    fn ids_changed_by_a_base_are_checked_as_they_are_after_the_change() {
        // The base renames `a` to `p-a`; the overlay's own `p-a` then clashes, its `a` does not.
        let fs = MemFs::new()
            .with("base/kustomization.yaml", "namePrefix: p-\nresources:\n- a.yaml\n")
            .with("base/a.yaml", config_map("a"))
            .with("app/a.yaml", config_map("a"))
            .with("app/pa.yaml", config_map("p-a"));
        let ok = fs.clone().with("app/kustomization.yaml", "resources:\n- ../base\n- a.yaml\n");
        assert_eq!(build(&ok, "/app".into(), &Options::default()).unwrap().objects().len(), 2);
        let clash = fs.with("app/kustomization.yaml", "resources:\n- ../base\n- pa.yaml\n");
        assert!(build(&clash, "/app".into(), &Options::default()).is_err());
    }
    #[test]
    fn objects_a_transformation_makes_identical_are_refused() {
        let fs = MemFs::new()
            .with("app/cm.yaml", format!("{}---\n{}", config_map("a"), config_map("b")))
            .with("comp/kustomization.yaml", "kind: Component\nnameSuffix: -x\n");
        let rename = "patches:\n- patch: '{apiVersion: v1, kind: ConfigMap, metadata: {name: same}}'\n  \
                      target: {kind: ConfigMap}\n  options: {allowNameChange: true}\n";
        for extra in [rename.to_string(), format!("{rename}sortOptions: {{order: fifo}}\n")] {
            let fs = fs.clone().with("app/kustomization.yaml", format!("resources:\n- cm.yaml\n{extra}"));
            let err = build(&fs, "/app".into(), &Options::default()).unwrap_err().to_string();
            assert!(err.contains("already registered id: ConfigMap.v1.[noGrp]/same.[noNs]"), "{err}");
        }
        let fine = fs.with("app/kustomization.yaml", "resources:\n- cm.yaml\ncomponents:\n- ../comp\n");
        assert_eq!(build(&fine, "/app".into(), &Options::default()).unwrap().objects().len(), 2);
    }
}
