//! kcompile compiles kustomize trees (a kustomization, its bases, components, generators and
//! patches) into the static YAML that `kustomize build` (v5.5.0) prints, byte for byte.
//!
//! ```
//! use kcompile::{build, MemFs, Options};
//!
//! let fs = MemFs::new()
//!     .with("app/kustomization.yaml", "resources:\n- cm.yaml\n")
//!     .with("app/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast\n");
//! let out = build(&fs, "app".as_ref(), &Options::default()).unwrap();
//! assert_eq!(out.yaml(), "apiVersion: v1\ndata:\n  mode: fast\nkind: ConfigMap\nmetadata:\n  name: settings\n");
//! ```
//!
//! # The pieces
//!
//! - **Files**: the library does no I/O of its own. It reads through a [`FileSystem`]:
//!   [`DiskFs`] (the disk), [`MemFs`] (a tree in memory, which [`MemFs::load_dir`] can fill
//!   from a directory), or an embedder's own. Relative paths are taken from the current
//!   directory in both.
//! - **Building**: [`build`] builds one root with [`Options`] (kustomize's build flags and
//!   the [`BuildLimits`] on what one build may read); a [`Session`] builds, lints and explains many
//!   roots over one file system, parsing each shared file once, and [`Session::build_all`]
//!   builds them in parallel.
//! - **Output**: a [`Build`] gives the text ([`Build::yaml`], [`Build::write_yaml`]), the
//!   objects with their [`ObjectId`] ([`Build::objects`]), the documents as data
//!   ([`Build::documents`], the [`data`] module), `-o DIR` file names and warnings. [`diff()`]
//!   compares two builds field by field.
//! - **Errors**: one [`Error`] type with the file, line and column it concerns, a fix in
//!   words, the trace of kustomization entries that led to it, and an [`ErrorKind`] to match
//!   on. [`Error::render`] prints the report the CLI prints, source line included.
//! - **Tools**: [`lint()`] reports what looks wrong in a tree ([`RULES`]), [`explain()`] where
//!   each field of the output came from, and [`edit`] edits a kustomization file as
//!   `kustomize edit` does.
//!
//! # An embedder's program
//!
//! A tree held in memory with relative paths, an error told apart by its kind, and (with
//! the `serde` feature) an object read into Kubernetes' own Rust types from `k8s-openapi`:
//!
//! ```
//! use kcompile::{build, ErrorKind, MemFs, Options};
//!
//! let fs = MemFs::new()
//!     .with_current_dir("/repo")
//!     .with("base/kustomization.yaml", "resources:\n- deploy.yaml\n")
//!     .with(
//!         "base/deploy.yaml",
//!         "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  \
//!          selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    \
//!          spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n",
//!     )
//!     .with("overlays/prod/kustomization.yaml", "namePrefix: prod-\nreplicas:\n- name: web\n  count: 3\nresources:\n- ../../base\n")
//!     .with("overlays/broken/kustomization.yaml", "resources:\n- ../../bsae\n");
//!
//! let out = build(&fs, "overlays/prod".as_ref(), &Options::default()).unwrap();
//! let web = &out.objects()[0];
//! assert_eq!((web.id().group.as_str(), web.id().name.as_str()), ("apps", "prod-web"));
//!
//! #[cfg(feature = "serde")]
//! {
//!     use k8s_openapi::api::apps::v1::Deployment;
//!     let deployment: Deployment = web.to().unwrap();
//!     assert_eq!(deployment.metadata.name.as_deref(), Some("prod-web"));
//!     let spec = deployment.spec.unwrap();
//!     assert_eq!(spec.replicas, Some(3));
//!     assert_eq!(spec.template.spec.unwrap().containers[0].image.as_deref(), Some("nginx:1.27"));
//!     // And back: the same data as JSON.
//!     let json = kcompile::data::to_json(web.document());
//!     assert_eq!(json["spec"]["replicas"], 3);
//! }
//!
//! let err = build(&fs, "overlays/broken".as_ref(), &Options::default()).unwrap_err();
//! match err.kind() {
//!     ErrorKind::NotFound => assert_eq!(err.hint(), Some("did you mean 'base'?")),
//!     other => panic!("unexpected {other:?}: {err}"),
//! }
//! assert_eq!(err.line(), Some(2));
//! ```
//!
//! # Features
//!
//! - `serde` (off by default): `data::to_json` and `data::from_json` convert documents to
//!   and from `serde_json::Value`; `data::from_node` and `Object::to` read a document into any
//!   `serde::Deserialize` type (walking the document, with no text in between);
//!   `data::to_node` makes a document of any `serde::Serialize` value. The build and what it
//!   prints are the same with or without it.

#![warn(missing_docs)]

mod accumulate;
mod build_metadata;
mod ctx;
mod decode;
mod diagnostics;
mod diff;
pub mod edit;
mod error;
mod explain;
mod fieldpath;
mod fs;
mod generate;
mod kustomization;
mod lint;
mod load;
mod namereference;
mod output;
mod pipeline;
mod remote;
mod render;
mod resource;
#[cfg(feature = "serde")]
mod serde_data;
mod sort;
mod trace;
mod transform;
mod vars;
/// The YAML layer is the `kcompile-yaml` crate; core reaches it as `crate::yaml`.
pub(crate) use kcompile_yaml as yaml;

/// The document model and kcompile's YAML layer, for embedders that want resources as data.
///
/// ```
/// let docs = kcompile::data::parse("b: 1\na: [x, 'yes']\n").unwrap();
/// assert_eq!(docs[0].get("b"), Some(&kcompile::data::Node::new(kcompile::data::Value::Int(1))));
/// assert_eq!(kcompile::data::to_yaml(&[&docs[0]]), "a:\n- x\n- \"yes\"\nb: 1\n");
/// ```
pub mod data {
    pub use crate::yaml::map;
    pub use crate::yaml::node::{Map, Node, Pos, Value};

    /// Parses a stream of YAML documents the way kustomize reads resources (go-yaml v3 rules);
    /// empty documents are dropped.
    pub fn parse(text: &str) -> crate::Result<Vec<Node>> {
        crate::yaml::read::parse_stream(text, crate::yaml::read::Schema::V3).map_err(crate::Error::from)
    }

    /// Prints documents exactly as kustomize prints them, separated by `---`.
    pub fn to_yaml(docs: &[&Node]) -> String {
        crate::yaml::emit::emit_stream(docs)
    }

    #[cfg(feature = "serde")]
    pub use crate::serde_data::{from_json, from_node, to_json, to_node};
}

pub use camino::{Utf8Path, Utf8PathBuf};
pub use diagnostics::{Diagnostic, DiagnosticKind};
pub use diff::{diff, Change};
pub use error::{Error, ErrorKind, Result, Tracepoint};
pub use explain::{explain, ExplainOptions, Explained, ExplainedObject, FieldOrigin, Origin};
pub use fs::{DiskFs, FileKind, FileSystem, MemFs};
pub use generate::helm::{Helm, HelmConfig, HelmRun};
pub use lint::{lint, rule, Finding, Note, Rule, Severity, RULES};
pub use pipeline::{BuildLimits, LoadRestrictor, Options, Reorder};
pub use remote::{Checkout, Fetcher, FileError, RepoSpec, Wanted};
pub use render::Rendered;

/// The result of a successful build.
#[derive(Clone, Debug)]
pub struct Build {
    resources: Vec<resource::Resource>,
    warnings: Vec<String>,
    diagnostics: Vec<Diagnostic>,
}

impl Build {
    fn new(resources: Vec<resource::Resource>, diagnostics: Vec<Diagnostic>) -> Build {
        let warnings = diagnostics.iter().map(ToString::to_string).collect();
        Build { resources, warnings, diagnostics }
    }
}

/// Builds the kustomization in the directory `root` of `fs`.
///
/// Returns every resource in output order, or the first error met. Nothing is global: builds on
/// many threads at once are independent. To build many roots that share bases, a [`Session`]
/// reads and parses each shared file once.
pub fn build(fs: &dyn FileSystem, root: &Utf8Path, options: &Options) -> Result<Build> {
    let (resources, diagnostics) = pipeline::run(fs, root, options, None)?;
    Ok(Build::new(resources, diagnostics))
}

/// Builds of many roots over one filesystem, sharing what they read: each resource file is
/// read and parsed once however many overlays use it.
///
/// ```
/// use kcompile::{MemFs, Options, Session, Utf8PathBuf};
///
/// let fs = MemFs::new()
///     .with("base/kustomization.yaml", "resources:\n- cm.yaml\n")
///     .with("base/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n")
///     .with("a/kustomization.yaml", "resources:\n- ../base\n")
///     .with("b/kustomization.yaml", "resources:\n- ../base\n");
/// let session = Session::new(&fs, Options::default());
/// let roots = [Utf8PathBuf::from("/a"), Utf8PathBuf::from("/b")];
/// let builds = session.build_all(&roots);
/// assert!(builds.iter().all(|b| b.as_ref().is_ok_and(|b| b.objects().len() == 1)));
/// ```
pub struct Session<'a> {
    fs: &'a dyn FileSystem,
    options: Options,
    cache: load::Cache,
}

impl<'a> Session<'a> {
    /// A session reading from `fs`.
    pub fn new(fs: &'a dyn FileSystem, options: Options) -> Session<'a> {
        Session { fs, options, cache: load::Cache::default() }
    }

    /// Builds one root (see [`build`]).
    pub fn build(&self, root: &Utf8Path) -> Result<Build> {
        let (resources, diagnostics) = pipeline::run(self.fs, root, &self.options, Some(&self.cache))?;
        Ok(Build::new(resources, diagnostics))
    }

    /// Lints one root (see [`lint()`]), reusing the files the session has parsed.
    ///
    /// ```
    /// use kcompile::{MemFs, Options, Session};
    ///
    /// let fs = MemFs::new()
    ///     .with("app/kustomization.yaml", "resources:\n- cm.yaml\n")
    ///     .with("app/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n")
    ///     .with("app/old.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: old\n");
    /// let session = Session::new(&fs, Options::default());
    /// let findings = session.lint("app".as_ref()).unwrap();
    /// assert!(findings.iter().any(|f| f.rule == "unreferenced-file"));
    /// ```
    pub fn lint(&self, root: &Utf8Path) -> Result<Vec<Finding>> {
        lint::lint_with(self.fs, root, &self.options, Some(&self.cache))
    }

    /// Explains one root (see [`explain()`]), reusing the files the session has parsed. The
    /// session's options build it: `options.build` is not used.
    ///
    /// ```
    /// use kcompile::{ExplainOptions, MemFs, Options, Session};
    ///
    /// let fs = MemFs::new()
    ///     .with("app/kustomization.yaml", "namePrefix: p-\nresources:\n- cm.yaml\n")
    ///     .with("app/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n");
    /// let session = Session::new(&fs, Options::default());
    /// let out = session.explain("app".as_ref(), &ExplainOptions::default()).unwrap();
    /// assert!(out.text().contains("# namePrefix kustomization.yaml:1"));
    /// ```
    pub fn explain(&self, root: &Utf8Path, options: &ExplainOptions) -> Result<Explained> {
        let options = options.clone().with_build(self.options.clone());
        explain::explain_with(self.fs, root, &options, Some(&self.cache))
    }

    /// Builds every root, in parallel on all cores; results in the order of `roots`.
    pub fn build_all(&self, roots: &[Utf8PathBuf]) -> Vec<Result<Build>> {
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).min(roots.len().max(1));
        let next = std::sync::atomic::AtomicUsize::new(0);
        let done: std::sync::Mutex<Vec<Option<Result<Build>>>> =
            std::sync::Mutex::new(roots.iter().map(|_| None).collect());
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(root) = roots.get(i) else { break };
                    let result = self.build(root);
                    if let Ok(mut d) = done.lock() {
                        if let Some(slot) = d.get_mut(i) {
                            *slot = Some(result);
                        }
                    }
                });
            }
        });
        let done = done.into_inner().unwrap_or_default();
        let mut out: Vec<Result<Build>> =
            done.into_iter().map(|r| r.unwrap_or_else(|| Err(Error::new("the build did not finish")))).collect();
        out.resize_with(roots.len(), || Err(Error::new("the build did not finish")));
        out
    }
}

impl Build {
    /// The whole output as `kustomize build` prints it.
    pub fn yaml(&self) -> String {
        let docs: Vec<&yaml::node::Node> = self.resources.iter().map(|r| &r.node).collect();
        yaml::emit::emit_stream(&docs)
    }

    /// Writes what [`Build::yaml`] returns to `w`, a few documents at a time, without holding
    /// the whole text in memory.
    ///
    /// ```
    /// use kcompile::{build, MemFs, Options};
    ///
    /// let fs = MemFs::new()
    ///     .with("app/kustomization.yaml", "resources:\n- cm.yaml\n")
    ///     .with("app/cm.yaml", "kind: ConfigMap\napiVersion: v1\nmetadata:\n  name: a\n---\nkind: ConfigMap\napiVersion: v1\nmetadata:\n  name: b\n");
    /// let out = build(&fs, "/app".into(), &Options::default()).unwrap();
    /// let mut bytes = Vec::new();
    /// out.write_yaml(&mut bytes).unwrap();
    /// assert_eq!(bytes, out.yaml().into_bytes());
    /// ```
    pub fn write_yaml(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        const CHUNK: usize = 256 << 10;
        let mut buf = String::with_capacity(CHUNK + (CHUNK >> 2));
        for (i, r) in self.resources.iter().enumerate() {
            if i > 0 {
                buf.push_str("---\n");
            }
            yaml::emit::emit_document(&mut buf, &r.node);
            if buf.len() >= CHUNK {
                w.write_all(buf.as_bytes())?;
                buf.clear();
            }
        }
        w.write_all(buf.as_bytes())
    }

    /// The resources as data, in output order.
    pub fn documents(&self) -> impl Iterator<Item = &data::Node> {
        self.resources.iter().map(|r| &r.node)
    }

    /// Each object of the output with its id, in output order. Cheap: nothing is printed until
    /// [`Object::yaml`] is asked for.
    ///
    /// ```
    /// use kcompile::{build, MemFs, Options};
    ///
    /// let fs = MemFs::new()
    ///     .with("app/kustomization.yaml", "namespace: prod\nresources:\n- d.yaml\n")
    ///     .with("app/d.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n");
    /// let out = build(&fs, "app".as_ref(), &Options::default()).unwrap();
    /// let web = &out.objects()[0];
    /// assert_eq!((web.id().group.as_str(), web.id().kind.as_str()), ("apps", "Deployment"));
    /// assert_eq!(web.id().to_string(), "Deployment prod/web");
    /// assert_eq!(web.yaml(), "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: prod\n");
    /// ```
    pub fn objects(&self) -> Vec<Object<'_>> {
        self.resources.iter().map(|r| Object { id: ObjectId::of(&r.node), document: &r.node }).collect()
    }

    /// The file name `kustomize build -o DIR` gives each object, in output order:
    /// `[namespace_][group_]version_kind_name.yaml` in lower case (Go's rules), with the
    /// namespace only when the output holds more than one. Each is one plain file name, safe to
    /// join to a directory whatever the objects hold: `/`, `\`, `%` and control characters
    /// are written `%XX`, a leading dot `%2E`, and a name over 255 bytes is shortened and ends
    /// with a hash of the whole.
    ///
    /// ```
    /// use kcompile::{build, MemFs, Options};
    ///
    /// let fs = MemFs::new()
    ///     .with("app/kustomization.yaml", "namespace: /etc/x\nresources:\n- cm.yaml\n")
    ///     .with("app/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Settings\n");
    /// let out = build(&fs, "/app".into(), &Options::default()).unwrap();
    /// assert_eq!(out.file_names(), ["v1_configmap_settings.yaml"]);
    /// ```
    pub fn file_names(&self) -> Vec<String> {
        output::file_names(&self.resources)
    }

    /// Deprecation notices and other warnings met on the way, as `kustomize build` prints them
    /// (each is a [`Diagnostic`] of [`Build::diagnostics`], printed).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The warnings as values: what (a [`DiagnosticKind`] with a stable id), a message, and the
    /// file and position they are about where there is one. `Display` prints kustomize's line.
    ///
    /// ```
    /// use kcompile::{build, DiagnosticKind, MemFs, Options};
    ///
    /// let fs = MemFs::new()
    ///     .with("app/kustomization.yaml", "bases:\n- cm.yaml\n")
    ///     .with("app/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n");
    /// let out = build(&fs, "/app".into(), &Options::default()).unwrap();
    /// let d = &out.diagnostics()[0];
    /// assert_eq!(d.kind, DiagnosticKind::DeprecatedField);
    /// assert_eq!(d.file.as_deref(), Some("/app/kustomization.yaml".into()));
    /// assert!(d.to_string().starts_with("# Warning: 'bases' is deprecated."));
    /// ```
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }
}

/// One object of a build's output: its id and its document, printed on demand.
#[derive(Clone, Debug, PartialEq)]
pub struct Object<'a> {
    id: ObjectId,
    document: &'a data::Node,
}

impl<'a> Object<'a> {
    /// What identifies the object.
    pub fn id(&self) -> &ObjectId {
        &self.id
    }

    /// The object as data.
    pub fn document(&self) -> &'a data::Node {
        self.document
    }

    /// The object printed alone, as kustomize prints it.
    pub fn yaml(&self) -> String {
        yaml::emit::emit_stream(&[self.document])
    }

    /// The object read into `T` (feature `serde`; see [`data::from_node`]).
    #[cfg(feature = "serde")]
    pub fn to<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        data::from_node(self.document)
    }
}

/// What identifies an object: group, version, kind, namespace and name, as written (empty
/// strings for what is absent: the group of core kinds, the namespace of cluster-wide objects).
///
/// Prints as `Kind namespace/name`, or `Kind name` without a namespace.
///
/// ```
/// let id = kcompile::ObjectId::new("apps/v1", "Deployment", "prod", "web");
/// assert_eq!((id.group.as_str(), id.version.as_str()), ("apps", "v1"));
/// assert_eq!(id.api_version(), "apps/v1");
/// assert_eq!(id.to_string(), "Deployment prod/web");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub struct ObjectId {
    /// The API group (`apps`; empty for the core group).
    pub group: String,
    /// The API version (`v1`).
    pub version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.namespace` (empty when unset).
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
}

impl ObjectId {
    /// An id from an `apiVersion` (`apps/v1`, `v1`), a kind, a namespace and a name.
    pub fn new(api_version: &str, kind: &str, namespace: &str, name: &str) -> ObjectId {
        let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
        ObjectId {
            group: group.to_string(),
            version: version.to_string(),
            kind: kind.to_string(),
            namespace: namespace.to_string(),
            name: name.to_string(),
        }
    }

    /// The id of a document, from its `apiVersion`, `kind`, `metadata.namespace` and
    /// `metadata.name` (empty where absent or not a string).
    pub fn of(document: &data::Node) -> ObjectId {
        let field = |path: &[&str]| document.str_at(path).unwrap_or("");
        ObjectId::new(
            field(&["apiVersion"]),
            field(&["kind"]),
            field(&["metadata", "namespace"]),
            field(&["metadata", "name"]),
        )
    }

    /// `group/version`, or `version` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

impl std::fmt::Display for ObjectId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{} {}", self.kind, self.name)
        } else {
            write!(f, "{} {}/{}", self.kind, self.namespace, self.name)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relative_root_means_the_same_in_memfs_as_on_disk() {
        let dir = Utf8Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/components-nested");
        let disk = build(&DiskFs, &dir.join("root"), &Options::default()).unwrap();
        let mem = MemFs::load_dir(&DiskFs, &dir).unwrap();
        let from_mem = build(&mem, "root".as_ref(), &Options::default()).unwrap();
        assert_eq!(from_mem.yaml(), disk.yaml());
        assert_eq!(disk.yaml(), std::fs::read_to_string(dir.join("expected.yaml")).unwrap());
    }

    #[test]
    fn a_session_lints_and_explains_as_the_free_functions_do_with_files_it_has_parsed() {
        let fs = MemFs::new()
            .with("base/kustomization.yaml", "resources:\n- cm.yaml\n")
            .with("base/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n")
            .with("base/stale.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s\n")
            .with("a/kustomization.yaml", "resources:\n- ../base\n")
            .with("b/kustomization.yaml", "namePrefix: b-\nresources:\n- ../base\n");
        let session = Session::new(&fs, Options::default());
        session.build("a".as_ref()).unwrap();
        let rules = |f: Vec<Finding>| f.into_iter().map(|f| (f.rule, f.file)).collect::<Vec<_>>();
        let cached = rules(session.lint("b".as_ref()).unwrap());
        assert_eq!(cached, rules(lint(&fs, "b".as_ref(), &Options::default()).unwrap()));
        assert_eq!(cached, [("unreferenced-file", Some(Utf8PathBuf::from("/base/stale.yaml")))]);
        let explained = session.explain("b".as_ref(), &ExplainOptions::default()).unwrap();
        assert_eq!(explained.text(), explain(&fs, "b".as_ref(), &ExplainOptions::default()).unwrap().text());
        assert!(explained.text().contains("# namePrefix b/kustomization.yaml:1"), "{}", explained.text());
    }

    #[test]
    fn errors_say_their_kind() {
        let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n";
        let kind = |files: &[(&str, &str)], options: Options| {
            let fs = files.iter().fold(MemFs::new(), |fs, (p, t)| fs.with(p, *t));
            build(&fs, "k".as_ref(), &options).unwrap_err().kind()
        };
        let k = |files: &[(&str, &str)]| kind(files, Options::default());
        assert_eq!(k(&[]), ErrorKind::NotFound);
        assert_eq!(k(&[("k/x", "")]), ErrorKind::NotFound);
        assert_eq!(k(&[("k/kustomization.yaml", "resources:\n- nope.yaml\n")]), ErrorKind::NotFound);
        assert_eq!(k(&[("k/kustomization.yaml", "resources: [\n")]), ErrorKind::Yaml);
        assert_eq!(k(&[("k/kustomization.yaml", "resources:\n- r.yaml\n"), ("k/r.yaml", "a: [")]), ErrorKind::Yaml);
        assert_eq!(k(&[("k/kustomization.yaml", "namePrefx: a\n")]), ErrorKind::Kustomization);
        assert_eq!(k(&[("k/kustomization.yaml", "resources:\n- https://x.test/a\n")]), ErrorKind::Unsupported);
        assert_eq!(k(&[("k/kustomization.yaml", "resources:\n- ../r.yaml\n"), ("r.yaml", cm)]), ErrorKind::Restricted);
        assert_eq!(k(&[("k/kustomization.yaml", "resources:\n- ../k\n")]), ErrorKind::Cycle);
        assert_eq!(
            k(&[("k/kustomization.yaml", "resources:\n- a.yaml\n- a.yaml\n"), ("k/a.yaml", cm)]),
            ErrorKind::Conflict
        );
        let patch = "patches:\n- target: {kind: ConfigMap}\n  patch: '[{\"op\": \"remove\", \"path\": \"/nope\"}]'\n";
        assert_eq!(
            k(&[("k/kustomization.yaml", &format!("resources:\n- a.yaml\n{patch}")), ("k/a.yaml", cm)]),
            ErrorKind::Patch
        );
        let typo = "patches:\n- patch: |\n    apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: typo}\n";
        let files = [("k/kustomization.yaml", format!("resources:\n- a.yaml\n{typo}")), ("k/a.yaml", cm.to_string())];
        assert_eq!(k(&files.iter().map(|(p, t)| (*p, t.as_str())).collect::<Vec<_>>()), ErrorKind::Patch);
        let few = Options::default().with_limits(BuildLimits::default().with_max_documents(1));
        let two = "---\na: 1\n---\nb: 2\n";
        assert_eq!(
            kind(&[("k/kustomization.yaml", "resources:\n- a.yaml\n"), ("k/a.yaml", two)], few),
            ErrorKind::Limit
        );
        let small = Options::default().with_limits(BuildLimits::default().with_max_input_bytes(4));
        assert_eq!(kind(&[("k/kustomization.yaml", "resources: []\n")], small), ErrorKind::Limit);
        assert_eq!(Error::new("x").kind(), ErrorKind::Other);
    }

    #[test]
    fn write_yaml_writes_what_yaml_returns_in_chunks() {
        let mut cms = String::new();
        for i in 0..12_000 {
            cms.push_str(&format!(
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata:\n  key: value number {i}\n"
            ));
        }
        let fs =
            MemFs::new().with("app/kustomization.yaml", "resources:\n- cms.yaml\n").with("app/cms.yaml", cms.as_str());
        let out = build(&fs, "/app".into(), &Options::default()).unwrap();
        let whole = out.yaml();
        assert!(whole.len() > 600 << 10, "the output must span several chunks");
        /// Records the size of each write.
        struct Writes(Vec<u8>, usize);
        impl std::io::Write for Writes {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.extend_from_slice(b);
                self.1 += 1;
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut w = Writes(Vec::new(), 0);
        out.write_yaml(&mut w).unwrap();
        assert_eq!(w.0, whole.into_bytes());
        assert!(w.1 > 2, "written in {} pieces", w.1);
    }
}
