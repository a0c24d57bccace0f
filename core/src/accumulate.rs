//! The build pipeline for one kustomization directory (kustomize's "kust target"):
//! accumulate resources and components, run generators, run transformers in kustomize's fixed
//! order. The whole-tree steps (hash suffixes, name references, vars, sort) run once at the top,
//! in [`crate::build`].

use crate::error::{bail, Error, Result};
use crate::fs::FileKind;
use crate::kustomization::{KustKind, Kustomization};
use crate::load::{parse_resources, LoadedKustomization, Loader};
use crate::resource::Resource;
use camino::{Utf8Path, Utf8PathBuf};

/// The resources (and configuration) gathered so far for one kustomization.
#[derive(Default)]
pub struct Accumulator {
    pub resources: Vec<Resource>,
    /// Field specs for the transformers: kustomize's defaults plus the `configurations:` and
    /// `crds:` of this kustomization and of everything it includes.
    pub config: crate::transform::config::TransformerConfig,
}

impl Accumulator {
    /// Adds a resource, refusing a second object with the same id (kustomize's rule).
    pub fn append(&mut self, r: Resource) -> Result<()> {
        let id = r.id();
        if self.resources.iter().any(|o| o.id().same_object(&id)) {
            bail!("may not add resource with an already registered id: {id}");
        }
        self.resources.push(r);
        Ok(())
    }

    /// Adds many resources (see [`Accumulator::append`]).
    pub fn append_all(&mut self, rs: Vec<Resource>) -> Result<()> {
        for r in rs {
            self.append(r)?;
        }
        Ok(())
    }
}

/// Walks a tree of kustomizations.
pub struct Builder<'a> {
    pub loader: Loader<'a>,
    pub warnings: Vec<String>,
    /// kustomize's default field specs, parsed on first use (once per build).
    pub transformer_defaults: Option<crate::transform::config::TransformerConfig>,
    /// Directories being built, outermost first: used to detect cycles.
    stack: Vec<Utf8PathBuf>,
}

impl<'a> Builder<'a> {
    pub fn new(loader: Loader<'a>) -> Builder<'a> {
        Builder { loader, warnings: Vec::new(), transformer_defaults: None, stack: Vec::new() }
    }

    /// Builds the kustomization in `dir` (a real path) as a Kustomization (not a Component).
    pub fn accumulate_dir(&mut self, dir: &Utf8Path) -> Result<(Accumulator, Kustomization)> {
        let loaded = self.loader.load_kustomization(dir)?;
        if loaded.kustomization.kind == KustKind::Component {
            return Err(Error::new(
                "expected kind 'Kustomization' but found 'Component': a Component belongs in 'components', not 'resources'",
            )
            .in_file(&loaded.file));
        }
        self.enter(dir)?;
        let mut acc = Accumulator::default();
        let res = self.accumulate_target(&loaded, &mut acc);
        self.stack.pop();
        res.map_err(|e| e.in_file(&loaded.file))?;
        Ok((acc, loaded.kustomization))
    }

    fn enter(&mut self, dir: &Utf8Path) -> Result<()> {
        if self.stack.iter().any(|d| d == dir) {
            let chain: Vec<&str> = self.stack.iter().map(|d| d.as_str()).collect();
            bail!("cycle detected: '{dir}' includes itself (through {})", chain.join(" -> "));
        }
        self.stack.push(dir.to_owned());
        Ok(())
    }

    /// kustomize's order: resources, generators, components, transformers.
    fn accumulate_target(&mut self, lk: &LoadedKustomization, acc: &mut Accumulator) -> Result<()> {
        let k = &lk.kustomization;
        self.warnings.extend(k.warnings.iter().cloned());
        crate::transform::check_supported(k).map_err(|e| e.in_file(&lk.file))?;
        for entry in &k.resources {
            self.accumulate_resource(&lk.dir, &entry.value, acc)
                .map_err(|e| e.in_file(&lk.file).at(entry.pos).context(format!("in resource '{}'", entry.value)))?;
        }
        crate::transform::configure(self, lk, acc)?;
        crate::generate::run(self, lk, acc)?;
        for entry in &k.components {
            self.accumulate_component(&lk.dir, &entry.value, acc)
                .map_err(|e| e.in_file(&lk.file).at(entry.pos).context(format!("in component '{}'", entry.value)))?;
        }
        crate::transform::run(self, lk, acc)?;
        Ok(())
    }

    pub(crate) fn accumulate_resource(&mut self, dir: &Utf8Path, entry: &str, acc: &mut Accumulator) -> Result<()> {
        if entry.contains("://") || entry.starts_with("git@") || entry.starts_with("github.com/") {
            bail!("remote resources are not supported: '{entry}'");
        }
        let (real, kind) = self
            .loader
            .resolve(dir, entry)
            .map_err(|e| Error::new(format!("accumulating resources from '{entry}': {}", e.message())))?;
        match kind {
            FileKind::Dir => {
                let (sub, _) = self.accumulate_dir(&real)?;
                acc.append_all(sub.resources)?;
                acc.config.merge(&sub.config)
            }
            FileKind::File => {
                let (path, text) = self.loader.read_file(dir, entry)?;
                let rs = parse_resources(&text, &path)?;
                acc.append_all(rs).map_err(|e| e.in_file(&path))
            }
        }
    }

    fn accumulate_component(&mut self, dir: &Utf8Path, entry: &str, acc: &mut Accumulator) -> Result<()> {
        let (real, kind) = self.loader.resolve(dir, entry)?;
        if kind != FileKind::Dir {
            bail!("component '{entry}' must be a directory holding a kustomization of kind Component");
        }
        let loaded = self.loader.load_kustomization(&real)?;
        if loaded.kustomization.kind != KustKind::Component {
            return Err(Error::new(format!(
                "'{entry}' is a Kustomization; only kind 'Component' may be used in 'components'"
            ))
            .in_file(&loaded.file));
        }
        self.enter(&real)?;
        let res = self.accumulate_target(&loaded, acc);
        self.stack.pop();
        res.map_err(|e| e.in_file(&loaded.file))
    }
}
