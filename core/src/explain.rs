//! `kcompile explain`: the build's output with, for each field, where its value came from.
//!
//! The build runs with the tracer on ([`crate::trace`]); the output is printed by the same
//! emitter as `build`, which tells where each field starts, and each line that ends a value gets
//! a comment naming its origin. Remove the comments and what is left is the build's output.

use crate::error::{Error, Result};
use crate::fs::FileSystem;
use crate::pipeline::Options;
use crate::resource::PathSeg;
use crate::trace::Tracer;
use crate::yaml::emit::{self, Marks, Seg};
use camino::{Utf8Path, Utf8PathBuf};

/// How to explain a build.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct ExplainOptions {
    /// How to build.
    pub build: Options,
    /// Only the objects named `KIND/NAME` (or `NAME`, of any kind): the kind compares without
    /// regard to case, the name is the output name or the name the object had in its file.
    pub resource: Option<String>,
    /// Paths in the annotations are relative to this directory when every file the origins
    /// name is below it; otherwise (and by default) to the deepest directory holding them all.
    pub relative_to: Option<Utf8PathBuf>,
}

pub use crate::trace::Origin;

impl ExplainOptions {
    /// With these build options.
    pub fn with_build(mut self, build: Options) -> ExplainOptions {
        self.build = build;
        self
    }

    /// Only the objects named `KIND/NAME` or `NAME`.
    pub fn with_resource(mut self, resource: Option<String>) -> ExplainOptions {
        self.resource = resource;
        self
    }

    /// Paths in the annotations relative to this directory.
    pub fn with_relative_to(mut self, dir: Option<Utf8PathBuf>) -> ExplainOptions {
        self.relative_to = dir;
        self
    }
}

/// The origin of one field of an object.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FieldOrigin {
    /// The field's path, e.g. `spec.template.spec.containers[0].image` (keys that are not
    /// plain words are quoted: `metadata.labels["app.kubernetes.io/name"]`).
    pub path: String,
    /// The 1-based line of [`ExplainedObject::text`] the annotation goes on (where the value
    /// ends).
    pub line: usize,
    /// Where the value came from.
    pub origin: Origin,
}

/// One object of the output, with the origins of its fields.
#[derive(Clone, Debug)]
pub struct ExplainedObject {
    /// `kind`.
    pub kind: String,
    /// `metadata.namespace` (empty when unset).
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
    text: String,
    origins: Vec<FieldOrigin>,
    base: Option<Utf8PathBuf>,
}

impl ExplainedObject {
    /// The object as `kcompile build` prints it.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The origin of every field that has a value (scalars, empty maps and lists), in output
    /// order.
    pub fn origins(&self) -> &[FieldOrigin] {
        &self.origins
    }

    /// The object's text with a comment after each value naming its origin, preceded by a
    /// comment line naming the object.
    pub fn annotated(&self) -> String {
        let lines: Vec<&str> = self.text.lines().collect();
        let mut notes: Vec<Option<String>> = vec![None; lines.len()];
        for f in &self.origins {
            if let Some(slot) = f.line.checked_sub(1).and_then(|i| notes.get_mut(i)) {
                if slot.is_none() {
                    *slot = Some(f.origin.describe(self.base.as_deref()));
                }
            }
        }
        const MAX_COLUMN: usize = 60;
        let width = lines
            .iter()
            .zip(&notes)
            .filter(|(_, n)| n.is_some())
            .map(|(l, _)| l.chars().count())
            .filter(|w| *w <= MAX_COLUMN)
            .max()
            .unwrap_or(0);
        let mut out = String::with_capacity(self.text.len() * 2);
        let ns = if self.namespace.is_empty() { String::new() } else { format!(" (namespace {})", self.namespace) };
        out.push_str(&format!("# {} {}{ns}\n", self.kind, self.name));
        for (line, note) in lines.iter().zip(notes) {
            out.push_str(line);
            if let Some(note) = note {
                let pad = width.saturating_sub(line.chars().count()) + 2;
                out.extend(std::iter::repeat_n(' ', pad));
                out.push_str("# ");
                out.push_str(&note);
            }
            out.push('\n');
        }
        out
    }
}

/// The result of [`explain`].
#[derive(Clone, Debug)]
pub struct Explained {
    objects: Vec<ExplainedObject>,
    warnings: Vec<String>,
}

impl Explained {
    /// The objects explained, in output order.
    pub fn objects(&self) -> &[ExplainedObject] {
        &self.objects
    }

    /// Every object's [`ExplainedObject::annotated`] text, separated by `---` lines.
    pub fn text(&self) -> String {
        let docs: Vec<String> = self.objects.iter().map(ExplainedObject::annotated).collect();
        docs.join("---\n")
    }

    /// Deprecation notices and other warnings met on the way.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }
}

/// Builds the kustomization in `root` as [`crate::build`] does and tells, for each field of the
/// output, where its value came from: the line of the resource file, the patch that set it,
/// the transformer (prefix, namespace, labels, images, replicas, replacement...), the generator.
///
/// ```
/// use kcompile::{explain, ExplainOptions, MemFs};
///
/// let fs = MemFs::new()
///     .with("app/kustomization.yaml", "namePrefix: prod-\nresources:\n- cm.yaml\n")
///     .with("app/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast\n");
/// let out = explain(&fs, "/app".into(), &ExplainOptions::default()).unwrap();
/// let cm = &out.objects()[0];
/// assert_eq!(cm.text(), "apiVersion: v1\ndata:\n  mode: fast\nkind: ConfigMap\nmetadata:\n  name: prod-settings\n");
/// let of = |path: &str| cm.origins().iter().find(|f| f.path == path).unwrap().origin.describe(Some("/app".into()));
/// assert_eq!(of("data.mode"), "cm.yaml:6");
/// assert_eq!(of("metadata.name"), "namePrefix kustomization.yaml:1");
/// assert!(out.text().contains("  name: prod-settings  # namePrefix kustomization.yaml:1\n"));
/// ```
pub fn explain(fs: &dyn FileSystem, root: &Utf8Path, options: &ExplainOptions) -> Result<Explained> {
    explain_with(fs, root, options, None)
}

/// [`explain`], with a session's cache of parsed files.
pub(crate) fn explain_with(
    fs: &dyn FileSystem,
    root: &Utf8Path,
    options: &ExplainOptions,
    cache: Option<&crate::load::Cache>,
) -> Result<Explained> {
    let built = crate::pipeline::run_with(fs, root, &options.build, cache, true, None)?;
    let tracer = built.tracer.unwrap_or_default();
    let selected: Vec<&crate::resource::Resource> = match options.resource.as_deref() {
        None => built.resources.iter().collect(),
        Some(sel) => select(&built.resources, sel, root)?,
    };
    let mut objects: Vec<ExplainedObject> = selected.iter().map(|r| explain_one(r, &tracer)).collect();
    // Fetched files are shown by URL: only the others decide the base.
    let files = || {
        objects
            .iter()
            .flat_map(|o| o.origins.iter())
            .filter(|f| f.origin.url.is_none())
            .flat_map(|f| f.origin.file.as_deref())
    };
    let base = match &options.relative_to {
        Some(b) if files().all(|f| f.starts_with(b)) => Some(b.clone()),
        _ => common_dir(files()),
    };
    for o in &mut objects {
        o.base.clone_from(&base);
    }
    Ok(Explained { objects, warnings: built.sink.warnings.iter().map(ToString::to_string).collect() })
}

/// The objects `KIND/NAME` (or `NAME`) selects; an error with a suggestion when none.
fn select<'r>(
    resources: &'r [crate::resource::Resource],
    sel: &str,
    root: &Utf8Path,
) -> Result<Vec<&'r crate::resource::Resource>> {
    let (kind, name) = match sel.split_once('/') {
        Some((k, n)) => (Some(k), n),
        None => (None, sel),
    };
    let found: Vec<&crate::resource::Resource> = resources
        .iter()
        .filter(|r| kind.is_none_or(|k| k.eq_ignore_ascii_case(r.kind())))
        .filter(|r| r.name() == name || r.previous.iter().any(|(n, _)| n == name))
        .collect();
    if !found.is_empty() {
        return Ok(found);
    }
    let names: Vec<String> = resources.iter().map(|r| format!("{}/{}", r.kind(), r.name())).collect();
    let wanted = match kind {
        Some(_) => sel.to_string(),
        None => name.to_string(),
    };
    let candidates: Vec<String> = match kind {
        Some(_) => names.clone(),
        None => resources.iter().map(|r| r.name().to_string()).collect(),
    };
    let mut msg = format!("no object '{sel}' in the output of {root}");
    if let Some(near) = crate::error::closest(&wanted, candidates.iter().map(String::as_str)) {
        msg.push_str(&format!("; did you mean '{near}'?"));
    } else if names.is_empty() {
        msg.push_str(" (the output is empty)");
    } else {
        const SHOWN: usize = 8;
        let more = if names.len() > SHOWN { format!(", and {} more", names.len() - SHOWN) } else { String::new() };
        msg.push_str(&format!(
            " (objects: {}{more}; select one with KIND/NAME)",
            names.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    Err(Error::new(msg))
}

/// Collects where fields start while the emitter prints.
#[derive(Default)]
struct Collect {
    marks: Vec<(Vec<PathSeg>, usize)>,
}

impl Marks for Collect {
    fn field(&mut self, path: &[Seg<'_>], offset: usize) {
        self.marks.push((path.iter().map(PathSeg::from).collect(), offset));
    }
}

fn explain_one(r: &crate::resource::Resource, tracer: &Tracer) -> ExplainedObject {
    let mut text = String::new();
    let mut collect = Collect::default();
    emit::emit_document_marked(&mut text, &r.node, &mut collect);
    // Line (0-based) of each mark, offsets being increasing.
    let mut line_of = Vec::with_capacity(collect.marks.len());
    let (mut line, mut scanned) = (0usize, 0usize);
    for (_, offset) in &collect.marks {
        let upto = (*offset).min(text.len());
        if upto > scanned {
            line += text.as_bytes()[scanned..upto].iter().filter(|&&b| b == b'\n').count();
            scanned = upto;
        }
        line_of.push(line);
    }
    let lines: Vec<&str> = text.lines().collect();
    let last_line = lines.len().saturating_sub(1);
    let mut origins = Vec::new();
    for (i, (path, _)) in collect.marks.iter().enumerate() {
        let Some(origin) = tracer.origin(r.trace, path) else { continue };
        let start = line_of.get(i).copied().unwrap_or(0);
        // The value ends before the next field starts (a folded or block scalar spans lines).
        let end = match line_of.get(i + 1) {
            Some(&next) if next > start => next - 1,
            Some(_) => start,
            None => last_line,
        };
        // A comment may follow a block scalar's header; elsewhere it goes after the value.
        let at = if lines.get(start).is_some_and(|l| is_block_header(l)) { start } else { end };
        origins.push(FieldOrigin { path: path_string(path), line: at + 1, origin });
    }
    ExplainedObject {
        kind: r.kind().to_string(),
        namespace: r.namespace().to_string(),
        name: r.name().to_string(),
        text,
        origins,
        base: None,
    }
}

/// Whether a line ends with a block scalar header (`|`, `|-`, `|2+`...).
fn is_block_header(line: &str) -> bool {
    let Some(i) = line.rfind('|') else { return false };
    let after = &line[i + 1..];
    after.chars().all(|c| c.is_ascii_digit() || c == '-' || c == '+') && line[..i].ends_with(' ')
}

/// `a.b[0]["c.d"]`.
fn path_string(path: &[PathSeg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            PathSeg::Index(i) => out.push_str(&format!("[{i}]")),
            PathSeg::Key(k) => {
                let plain = !k.is_empty() && k.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '$');
                if plain {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                } else {
                    out.push_str(&format!("[{k:?}]"));
                }
            }
        }
    }
    out
}

/// The deepest directory holding every file.
fn common_dir<'a>(files: impl Iterator<Item = &'a Utf8Path>) -> Option<Utf8PathBuf> {
    let mut common: Option<Utf8PathBuf> = None;
    for f in files {
        let dir = f.parent().unwrap_or(f);
        common = Some(match common {
            None => dir.to_owned(),
            Some(c) => {
                let mut c = c;
                while !dir.starts_with(&c) {
                    match c.parent() {
                        Some(p) => c = p.to_owned(),
                        None => break,
                    }
                }
                c
            }
        });
    }
    common
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemFs;

    const DEPLOY: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 1
  template:
    spec:
      containers:
      - name: api
        image: registry.example.com/api:1.0
        env:
        - name: HOST
          value: placeholder
";

    const CM: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  host: db.internal
";

    /// A base and an overlay using most of what explain attributes.
    fn tree() -> MemFs {
        MemFs::new()
            .with("base/kustomization.yaml", "resources:\n- deploy.yaml\n- cm.yaml\n")
            .with("base/deploy.yaml", DEPLOY)
            .with("base/cm.yaml", CM)
            .with(
                "prod/kustomization.yaml",
                "resources:
- ../base
namespace: shop
namePrefix: prod-
images:
- name: registry.example.com/api
  newTag: \"2.0\"
patches:
- path: more-replicas.yaml
patchesJson6902:
- target:
    group: apps
    version: v1
    kind: Deployment
    name: api
  path: ops.yaml
configMapGenerator:
- name: flags
  literals:
  - beta=on
replacements:
- source:
    kind: ConfigMap
    name: settings
    fieldPath: data.host
  targets:
  - select:
      kind: Deployment
    fieldPaths:
    - spec.template.spec.containers.[name=api].env.[name=HOST].value
",
            )
            .with(
                "prod/more-replicas.yaml",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 3\n",
            )
            .with("prod/ops.yaml", "- op: add\n  path: /spec/paused\n  value: false\n")
    }

    fn explained(sel: Option<&str>) -> Explained {
        let options = ExplainOptions { resource: sel.map(String::from), ..ExplainOptions::default() };
        explain(&tree(), "/prod".into(), &options).unwrap()
    }

    fn origin<'a>(o: &'a ExplainedObject, path: &str) -> &'a FieldOrigin {
        o.origins()
            .iter()
            .find(|f| f.path == path)
            .unwrap_or_else(|| panic!("no origin for {path}: {:#?}", o.origins()))
    }

    #[test]
    fn each_kind_of_origin_is_named() {
        let out = explained(None);
        let deploy = out.objects().iter().find(|o| o.kind == "Deployment").unwrap();
        let describe = |path: &str| origin(deploy, path).origin.describe(Some(Utf8Path::new("/")));
        assert_eq!(describe("kind"), "base/deploy.yaml:2");
        assert_eq!(describe("spec.replicas"), "patches[0] prod/more-replicas.yaml:6");
        assert_eq!(describe("spec.paused"), "patchesJson6902[0] prod/ops.yaml:3");
        assert_eq!(describe("metadata.name"), "namePrefix prod/kustomization.yaml:4");
        assert_eq!(describe("metadata.namespace"), "namespace prod/kustomization.yaml:3");
        assert_eq!(describe("spec.template.spec.containers[0].image"), "images[0] prod/kustomization.yaml:6");
        assert_eq!(
            describe("spec.template.spec.containers[0].env[0].value"),
            "replacements[0] prod/kustomization.yaml:22 (from ConfigMap/settings data.host)"
        );
        // Untouched fields keep their line in the resource file.
        assert_eq!(describe("spec.template.spec.containers[0].name"), "base/deploy.yaml:10");
        let patch = &origin(deploy, "spec.replicas").origin;
        assert_eq!(patch.kustomization.as_deref(), Some(Utf8Path::new("/prod/kustomization.yaml")));
        assert_eq!(patch.kustomization_line, Some(9));

        let flags = out.objects().iter().find(|o| o.name.starts_with("prod-flags-")).unwrap();
        assert_eq!(
            origin(flags, "data.beta").origin.describe(Some(Utf8Path::new("/prod"))),
            "configMapGenerator[0] kustomization.yaml:20 (flags)"
        );
        // Fields not written in the kustomization: the generator's entry.
        assert_eq!(origin(flags, "kind").origin.line, Some(18));
        // The hash suffix comes last.
        assert_eq!(origin(flags, "metadata.name").origin.step, "hash suffix");
    }

    #[test]
    fn the_text_is_the_build_output_and_annotations_only_add_comments() {
        let out = explained(None);
        let built = crate::build(&tree(), "/prod".into(), &Options::default()).unwrap();
        let texts: Vec<&str> = out.objects().iter().map(ExplainedObject::text).collect();
        let objects: Vec<String> = built.objects().into_iter().map(|o| o.yaml()).collect();
        assert_eq!(texts, objects);
        for o in out.objects() {
            let annotated = o.annotated();
            let mut lines = annotated.lines();
            assert!(lines.next().is_some_and(|h| h.starts_with("# ")));
            for (a, plain) in lines.zip(o.text().lines()) {
                let rest = a.strip_prefix(plain).unwrap_or_else(|| panic!("{a:?} does not start with {plain:?}"));
                assert!(rest.is_empty() || rest.trim_start().starts_with("# "), "{a:?}");
            }
            // The annotated text reads back as the same data.
            let back = crate::data::parse(&annotated).unwrap();
            assert_eq!(back, crate::data::parse(o.text()).unwrap());
        }
        assert_eq!(out.text().matches("---\n").count(), out.objects().len() - 1);
    }

    #[test]
    fn selection_by_kind_and_name_with_a_suggestion() {
        let out = explained(Some("deployment/prod-api"));
        assert_eq!(out.objects().len(), 1);
        // The name in the file works too.
        assert_eq!(explained(Some("Deployment/api")).objects().len(), 1);
        let options = ExplainOptions { resource: Some("Deployment/prod-apj".into()), ..ExplainOptions::default() };
        let err = explain(&tree(), "/prod".into(), &options).unwrap_err().to_string();
        assert!(err.contains("did you mean 'Deployment/prod-api'?"), "{err}");
        let options = ExplainOptions { resource: Some("Service/zzz".into()), ..ExplainOptions::default() };
        let err = explain(&tree(), "/prod".into(), &options).unwrap_err().to_string();
        assert!(err.contains("objects: ") && err.contains("Deployment/prod-api"), "{err}");
    }

    #[test]
    fn strategic_merge_patches_and_name_references() {
        let fs = MemFs::new()
            .with(
                "app/kustomization.yaml",
                "resources:\n- deploy.yaml\npatchesStrategicMerge:\n- p.yaml\nconfigMapGenerator:\n- name: cfg\n  literals:\n  - a=b\n",
            )
            .with(
                "app/deploy.yaml",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    spec:\n      volumes:\n      - name: v\n        configMap:\n          name: cfg\n",
            )
            .with("app/p.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  paused: true\n");
        let out = explain(&fs, "/app".into(), &ExplainOptions::default()).unwrap();
        let d = out.objects().iter().find(|o| o.kind == "Deployment").unwrap();
        let base = Some(Utf8Path::new("/app"));
        assert_eq!(origin(d, "spec.paused").origin.describe(base), "patchesStrategicMerge[0] p.yaml:6");
        let reference = origin(d, "spec.template.spec.volumes[0].configMap.name").origin.describe(base);
        assert!(reference.starts_with("name reference (ConfigMap cfg renamed cfg-"), "{reference}");
    }

    #[test]
    fn block_scalars_and_folded_values_keep_valid_yaml() {
        let long = "word ".repeat(30);
        let fs = MemFs::new().with("app/kustomization.yaml", "resources:\n- cm.yaml\n").with(
            "app/cm.yaml",
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  script: |\n    echo 1\n    echo 2\n  long: {long}\n  z: end\n"),
        );
        let out = explain(&fs, "/app".into(), &ExplainOptions::default()).unwrap();
        let o = &out.objects()[0];
        let annotated = o.annotated();
        assert!(annotated.contains("script: |  "), "{annotated}");
        assert_eq!(crate::data::parse(&annotated).unwrap(), crate::data::parse(o.text()).unwrap());
    }

    #[test]
    fn paths_quote_keys_that_are_not_words() {
        let p = [PathSeg::Key("metadata".into()), PathSeg::Key("a.b/c".into()), PathSeg::Index(2)];
        assert_eq!(path_string(&p), "metadata[\"a.b/c\"][2]");
        assert!(is_block_header("  key: |-"));
        assert!(!is_block_header("  key: a|b"));
    }
}
