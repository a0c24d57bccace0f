//! Helm charts: `helmCharts` (with `helmGlobals`) and the HelmChartInflationGenerator built-in,
//! inflated as kustomize v5.5.0 inflates them: by running `helm template`.
//!
//! The core runs no program and writes no file: the build is given a [`Helm`] runner
//! (`Options::helm`, the CLI's runs the `helm` binary under `--enable-helm`). Without one, a
//! kustomization with a chart fails with kustomize's `must specify --enable-helm`. The rules,
//! for each chart:
//!
//! - the flags' API versions and Kubernetes version are used unless the chart gives its own;
//!   `--helm-debug` adds `--debug` (kustomize's `Config`);
//! - the chart home is `chartHome` (default `charts`), from the kustomization's directory unless
//!   absolute; with both `version` and `repo`, the chart lives in `<home>/<name>-<version>`;
//! - the values file defaults to `<home>/<name>/values.yaml`; `additionalValuesFiles` are read
//!   (the load restrictor applies) and passed as `<kustomization dir>/<file>`;
//! - helm is asked for `version -c --short` first and must be v3;
//! - a chart not in its home (no directory `<home>/<name>`) is pulled: `helm pull --untar
//!   --untardir <home> [--repo <repo>] <name> [--version <version>]` (an `oci://` repo is
//!   joined to the name instead); without `repo` that is an error;
//! - helm is given a values file of its own, `<name>-kustomize-values.yaml` in the run's scratch
//!   directory: the values file's bytes, or, with `valuesInline`, the merged values printed as
//!   kustomize prints them (JSON then go-yaml v2: keys sorted). `valuesMerge: override` (the
//!   default) merges the inline values over the file's, `merge` the file's over the inline
//!   ones (kustomize's argument order), both with kyaml's merge (maps merged, lists replaced,
//!   a null removes); `replace` uses the inline values alone and reads no file;
//! - `helm template <releaseName | --generate-name> <home>/<name> [--namespace] [--name-template]
//!   -f <values> [-f <additional>...] [--api-versions...] [--kube-version] [--include-crds]
//!   [--skip-tests] [--no-hooks] [--debug]`, with `HELM_CONFIG_HOME` (`configHome`, else
//!   `<scratch>/helm`) and the cache and data homes below it;
//! - what it prints is read as a file of resources and added in its order, after the
//!   kustomization's ConfigMap and Secret generators.

use crate::accumulate::Accumulator;
use crate::build_metadata::ConfiguredBy;
use crate::ctx::Ctx;
use crate::error::{bail, Error, Result};
use crate::fs::normalize;
use crate::generate::configmap;
use crate::kustomization::{HelmChart, HelmGlobals};
use crate::resource::Resource;
use crate::yaml::node::{Map, Node, Pos, Value};
use crate::yaml::read::Schema;
use camino::{Utf8Path, Utf8PathBuf};
use std::sync::Arc;

/// Runs helm for a build. Implementations must be safe to call from several builds at once.
pub trait Helm: Send + Sync + std::fmt::Debug {
    /// Starts the inflation of one chart: a scratch directory for it, removed when the run is
    /// dropped.
    fn start(&self) -> Result<Box<dyn HelmRun>>;
}

/// One chart's inflation, started by [`Helm::start`].
pub trait HelmRun {
    /// The run's scratch directory (absolute).
    fn dir(&self) -> &Utf8Path;
    /// Writes `bytes` to the file `name` of the scratch directory; returns its path.
    fn write(&mut self, name: &str, bytes: &[u8]) -> Result<Utf8PathBuf>;
    /// Runs helm with `args` and the environment `HELM_CONFIG_HOME=<config_home>`,
    /// `HELM_CACHE_HOME=<config_home>/.cache`, `HELM_DATA_HOME=<config_home>/.data`; returns
    /// what it printed on stdout, or an error saying what it printed on stderr.
    fn helm(&mut self, args: &[String], config_home: &str) -> Result<Vec<u8>>;
}

/// `--enable-helm` and the flags that go with it: the runner and what the flags say.
///
/// ```
/// # #[derive(Debug)] struct NoHelm;
/// # impl kcompile::Helm for NoHelm {
/// #     fn start(&self) -> kcompile::Result<Box<dyn kcompile::HelmRun>> { Err(kcompile::Error::new("no helm")) }
/// # }
/// let helm = kcompile::HelmConfig::new(std::sync::Arc::new(NoHelm)).with_kube_version("1.29.0");
/// let options = kcompile::Options::default().with_helm(Some(helm));
/// assert_eq!(options.helm.unwrap().kube_version, "1.29.0");
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct HelmConfig {
    /// Runs helm.
    pub runner: Arc<dyn Helm>,
    /// `--helm-api-versions`: for charts that give no `apiVersions`.
    pub api_versions: Vec<String>,
    /// `--helm-kube-version`: for charts that give no `kubeVersion`.
    pub kube_version: String,
    /// `--helm-debug`: `helm template --debug`.
    pub debug: bool,
}

impl HelmConfig {
    /// Charts inflated by `runner`, with no flag set.
    pub fn new(runner: Arc<dyn Helm>) -> HelmConfig {
        HelmConfig { runner, api_versions: Vec::new(), kube_version: String::new(), debug: false }
    }

    /// With `--helm-api-versions`.
    pub fn with_api_versions(mut self, api_versions: Vec<String>) -> HelmConfig {
        self.api_versions = api_versions;
        self
    }

    /// With `--helm-kube-version`.
    pub fn with_kube_version(mut self, kube_version: impl Into<String>) -> HelmConfig {
        self.kube_version = kube_version.into();
        self
    }

    /// With `--helm-debug`.
    pub fn with_debug(mut self, debug: bool) -> HelmConfig {
        self.debug = debug;
        self
    }
}

/// How `valuesInline` combines with the values file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ValuesMerge {
    Override,
    Merge,
    Replace,
}

/// A chart ready to inflate: kustomize's plugin after `Config`.
#[derive(Debug)]
pub(crate) struct Inflation {
    chart: HelmChart,
    /// Where the chart's directory is looked for (and pulled to).
    chart_home: Utf8PathBuf,
    merge: ValuesMerge,
    config_home: Option<String>,
    /// The kustomization's directory: relative values files are read from there.
    dir: Utf8PathBuf,
}

/// Checks a chart and settles its paths, as kustomize's `Config` does (before any generator
/// runs). `dir` is the kustomization's directory.
pub(crate) fn configure(ctx: &Ctx, dir: &Utf8Path, globals: &HelmGlobals, chart: &HelmChart) -> Result<Inflation> {
    let Some(config) = &ctx.helm else {
        return Err(Error::new(format!(
            "trouble configuring builtin HelmChartInflationGenerator for chart '{}': must specify --enable-helm",
            chart.name
        ))
        .help("kustomize inflates Helm charts only when asked: build with --enable-helm (and --helm-command PATH when helm is not on PATH)")
        .at(chart.pos));
    };
    let mut chart = chart.clone();
    // The flags count where the chart says nothing (kustomize sets them before decoding it).
    if chart.kube_version.is_empty() {
        chart.kube_version = config.kube_version.clone();
    }
    if chart.api_versions.is_empty() {
        chart.api_versions = config.api_versions.clone();
    }
    chart.debug |= config.debug;
    if chart.name.is_empty() {
        bail!("chart name cannot be empty");
    }
    let home = if globals.chart_home.is_empty() { "charts" } else { globals.chart_home.as_str() };
    let mut chart_home = normalize(&dir.join(home));
    if !chart.version.is_empty() && !chart.repo.is_empty() {
        chart_home = chart_home.join(format!("{}-{}", chart.name, chart.version));
    }
    if chart.values_file.is_empty() {
        chart.values_file = chart_home.join(&chart.name).join("values.yaml").into_string();
    }
    for file in &mut chart.additional_values_files {
        ctx.loader
            .read_file(dir, file)
            .map_err(|e| e.context(format!("could not load additionalValuesFile '{file}'")))?;
        // kustomize joins the path to the kustomization's directory, even an absolute one.
        *file = normalize(Utf8Path::new(&format!("{dir}/{file}"))).into_string();
    }
    let merge = match chart.values_merge.as_str() {
        "" | "override" => ValuesMerge::Override,
        "merge" => ValuesMerge::Merge,
        "replace" => ValuesMerge::Replace,
        other => {
            return Err(Error::new("valuesMerge must be one of [merge override replace]").help(format!(
                "'{other}' is none of them; 'override' (the default) puts valuesInline over the values file"
            )))
        }
    };
    let config_home = Some(globals.config_home.clone()).filter(|h| !h.is_empty());
    Ok(Inflation { chart, chart_home, merge, config_home, dir: dir.to_owned() })
}

impl Inflation {
    /// Runs helm for the chart and reads what it printed. The objects are placed where the chart
    /// was configured (`file`, at `at`): what helm printed is in no file a message could show.
    pub(crate) fn run(&self, ctx: &Ctx, file: &Utf8Path, at: Pos) -> Result<Vec<Resource>> {
        let Some(config) = &ctx.helm else { bail!("must specify --enable-helm") };
        let c = &self.chart;
        let mut run = config.runner.start()?;
        let config_home = match &self.config_home {
            Some(h) => h.clone(),
            None => run.dir().join("helm").into_string(),
        };
        check_version(&run.helm(&strings(&["version", "-c", "--short"]), &config_home)?)?;
        let chart_dir = self.chart_home.join(&c.name);
        let fs = ctx.loader.fs();
        let present = fs.real_path(&chart_dir).ok().and_then(|real| fs.kind(&real).ok());
        if present != Some(crate::fs::FileKind::Dir) {
            if c.repo.is_empty() {
                return Err(Error::new(format!("no repo specified for pull, no chart found at '{chart_dir}'")).help(
                    "put the chart in that directory (chartHome, 'charts' by default, then the chart's name), or give 'repo' (and 'version') to pull it",
                ));
            }
            run.helm(&self.pull_args(), &config_home)?;
        }
        let values = self.values(ctx)?;
        let values_file = run.write(&format!("{}-kustomize-values.yaml", c.name), &values)?;
        let stdout = run.helm(&self.template_args(values_file.as_str()), &config_home)?;
        let text = String::from_utf8(stdout).map_err(|e| {
            Error::new(format!(
                "helm template printed something that is not UTF-8 (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ))
        })?;
        let mut rs = ctx
            .loader
            .parse_resources(&text, &chart_dir)
            .map_err(|e| e.context("reading what helm template printed"))?;
        for r in &mut rs {
            crate::load::check_name(r)?;
            place(&mut r.node, at);
            r.origin = file.to_owned();
        }
        Ok(rs)
    }

    /// `helm pull`'s arguments (kustomize's `pullCommand`).
    fn pull_args(&self) -> Vec<String> {
        let c = &self.chart;
        let mut args = strings(&["pull", "--untar", "--untardir", self.chart_home.as_str()]);
        if c.repo.starts_with("oci://") {
            args.push(format!("{}/{}", c.repo.trim_end_matches('/'), c.name));
        } else {
            if !c.repo.is_empty() {
                args.extend(strings(&["--repo", &c.repo]));
            }
            args.push(c.name.clone());
        }
        if !c.version.is_empty() {
            args.extend(strings(&["--version", &c.version]));
        }
        args
    }

    /// `helm template`'s arguments, with the values file at `values` (kustomize's `AsHelmArgs`).
    fn template_args(&self, values: &str) -> Vec<String> {
        let c = &self.chart;
        let mut args = vec!["template".to_string()];
        let pairs = [("--namespace", &c.namespace), ("--name-template", &c.name_template)];
        args.push(if c.release_name.is_empty() { "--generate-name".to_string() } else { c.release_name.clone() });
        args.push(self.chart_home.join(&c.name).into_string());
        for (flag, value) in pairs {
            if !value.is_empty() {
                args.extend([flag.to_string(), value.clone()]);
            }
        }
        args.extend(["-f".to_string(), values.to_string()]);
        for file in &c.additional_values_files {
            args.extend(["-f".to_string(), file.clone()]);
        }
        for v in &c.api_versions {
            args.extend(["--api-versions".to_string(), v.clone()]);
        }
        if !c.kube_version.is_empty() {
            args.extend(["--kube-version".to_string(), c.kube_version.clone()]);
        }
        let switches = [
            (c.include_crds, "--include-crds"),
            (c.skip_tests, "--skip-tests"),
            (c.skip_hooks, "--no-hooks"),
            (c.debug, "--debug"),
        ];
        args.extend(switches.iter().filter(|(on, _)| *on).map(|(_, flag)| flag.to_string()));
        args
    }

    /// The values file helm is given: the chart's (or `valuesFile`) as it is, or merged with
    /// `valuesInline` and printed.
    fn values(&self, ctx: &Ctx) -> Result<Vec<u8>> {
        let c = &self.chart;
        let inline = c.values_inline.as_ref().filter(|v| v.as_map().is_some_and(|m| !m.is_empty()));
        let read = || ctx.loader.read_file(&self.dir, &c.values_file).map(|(_, text)| text);
        let Some(inline) = inline else { return Ok(read()?.into_bytes()) };
        let merged = match self.merge {
            ValuesMerge::Replace => inline.clone(),
            merge => {
                let text = read()?;
                let file = ctx
                    .loader
                    .parse_one(&text, Schema::V3)
                    .map_err(|e| Error::from(e).context("could not parse values file into rnode"))?
                    .ok_or_else(|| {
                        Error::new(format!(
                            "could not parse values file into rnode: EOF ({} holds no document)",
                            c.values_file
                        ))
                        .help(
                            "give the values file some values, or use 'valuesMerge: replace' to use valuesInline alone",
                        )
                    })?;
                let (target, patch) =
                    if merge == ValuesMerge::Override { (file, inline.clone()) } else { (inline.clone(), file) };
                let schemas = crate::transform::openapi::Schemas::default();
                crate::transform::patch_sm::merge(target, patch, &schemas, &[])
                    .map_err(|e| e.context("could not merge values"))?
                    .unwrap_or_else(|| Node::new(Value::Map(Map::default())))
            }
        };
        let mut out = String::new();
        crate::yaml::emit::emit_document(&mut out, &merged);
        Ok(out.into_bytes())
    }
}

/// Adds what a chart made, each object marked as made by `by`. As in kustomize, an object whose
/// id is already in the build is an error (a chart's objects have no `behavior`).
pub(crate) fn add(acc: &mut Accumulator, rs: Vec<Resource>, by: &ConfiguredBy) -> Result<()> {
    for mut r in rs {
        r.configured_by = Some(by.clone());
        configmap::add(acc, r, "").map_err(|e| {
            e.replace_help(
                "the chart makes an object the build already has: leave one of them out (a patch with \
                 '$patch: delete' removes an object), or rename one",
            )
        })?;
    }
    Ok(())
}

/// Gives a node and everything below it the position `at`.
pub(crate) fn place(n: &mut Node, at: Pos) {
    n.pos = at;
    match &mut n.value {
        Value::Map(m) => m.values_mut().for_each(|v| place(v, at)),
        Value::Seq(items) => items.iter_mut().for_each(|v| place(v, at)),
        _ => {}
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Refuses a helm other than v3, from what `helm version -c --short` printed: the first
/// `v?<digits>(.<digits>)+` in it.
fn check_version(stdout: &[u8]) -> Result<()> {
    let text = String::from_utf8_lossy(stdout);
    let found = (0..text.len()).filter(|&i| text.is_char_boundary(i)).find_map(|i| version_at(&text[i..]));
    let Some(v) = found else { bail!("cannot find version string in {text}") };
    let v = v.strip_prefix('v').unwrap_or(v);
    if v.split('.').next() != Some("3") {
        return Err(Error::new(format!("this plugin requires helm V3 but got v{v}"))
            .help("point --helm-command at a helm v3 binary"));
    }
    Ok(())
}

/// The version string starting at the beginning of `s`, if one does.
fn version_at(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    let start = usize::from(b.first() == Some(&b'v'));
    let digits = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let mut end = start + digits(start);
    if end == start {
        return None;
    }
    let mut parts = 0;
    while b.get(end) == Some(&b'.') && digits(end + 1) > 0 {
        end += 1 + digits(end + 1);
        parts += 1;
    }
    (parts > 0).then(|| &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inflation(chart: HelmChart) -> Inflation {
        Inflation {
            chart,
            chart_home: "/k/charts".into(),
            merge: ValuesMerge::Override,
            config_home: None,
            dir: "/k".into(),
        }
    }

    #[test]
    fn the_version_check_finds_the_first_version_and_wants_v3() {
        check_version(b"v3.14.4+g81c902a").unwrap();
        check_version(b"Client: 3.2.1\n").unwrap();
        let e = check_version(b"v2.17.0+gabc").unwrap_err();
        assert_eq!(e.message(), "this plugin requires helm V3 but got v2.17.0");
        assert!(check_version(b"no version here v3").unwrap_err().message().starts_with("cannot find version string"));
    }

    #[test]
    fn template_arguments_come_in_kustomize_s_order() {
        let chart = HelmChart {
            name: "demo".into(),
            namespace: "apps".into(),
            additional_values_files: vec!["/k/more.yaml".into()],
            api_versions: vec!["a/v1".into(), "b/v2".into()],
            kube_version: "1.29".into(),
            include_crds: true,
            skip_hooks: true,
            ..HelmChart::default()
        };
        assert_eq!(
            inflation(chart).template_args("/tmp/v.yaml").join(" "),
            "template --generate-name /k/charts/demo --namespace apps -f /tmp/v.yaml -f /k/more.yaml \
             --api-versions a/v1 --api-versions b/v2 --kube-version 1.29 --include-crds --no-hooks"
        );
    }

    #[test]
    fn a_chart_is_pulled_from_its_repo_or_from_an_oci_reference() {
        let chart = HelmChart { name: "demo".into(), repo: "https://x.test/charts".into(), ..HelmChart::default() };
        assert_eq!(
            inflation(chart).pull_args().join(" "),
            "pull --untar --untardir /k/charts --repo https://x.test/charts demo"
        );
        let oci = HelmChart {
            name: "demo".into(),
            repo: "oci://r.test/charts/".into(),
            version: "1.0".into(),
            ..HelmChart::default()
        };
        assert_eq!(
            inflation(oci).pull_args().join(" "),
            "pull --untar --untardir /k/charts oci://r.test/charts/demo --version 1.0"
        );
    }
}
