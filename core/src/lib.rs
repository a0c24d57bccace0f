//! kcompile compiles kustomize trees (a kustomization, its bases, components, generators and
//! patches) into the static YAML that `kustomize build` prints, byte for byte.
//!
//! ```
//! use kcompile::{build, MemFs, Options};
//!
//! let fs = MemFs::new()
//!     .with("app/kustomization.yaml", "resources:\n- cm.yaml\n")
//!     .with("app/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast\n");
//! let out = build(&fs, "/app".into(), &Options::default()).unwrap();
//! assert_eq!(out.yaml(), "apiVersion: v1\ndata:\n  mode: fast\nkind: ConfigMap\nmetadata:\n  name: settings\n");
//! ```

#![warn(missing_docs)]

mod accumulate;
mod build;
mod build_metadata;
mod diff;
pub mod edit;
mod error;
mod explain;
mod fs;
mod generate;
mod kustomization;
mod lint;
mod load;
mod namereference;
mod output;
mod remote;
mod resource;
mod sort;
mod trace;
mod transform;
mod vars;
mod yaml;

/// The document model and kcompile's YAML layer, for embedders that want resources as data.
///
/// ```
/// let docs = kcompile::data::parse("b: 1\na: [x, 'yes']\n").unwrap();
/// assert_eq!(docs[0].get("b"), Some(&kcompile::data::Node::new(kcompile::data::Value::Int(1))));
/// assert_eq!(kcompile::data::to_yaml(&[&docs[0]]), "a:\n- x\n- \"yes\"\nb: 1\n");
/// ```
pub mod data {
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
}

/// Test support for the fuzz targets; not part of the API.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing {
    /// Panics unless kcompile's own YAML parser and saphyr-parser read `text` alike (values,
    /// positions, errors), whole stream and first document, under both decoding schemas.
    pub fn check_yaml_fast_path(text: &str) {
        crate::yaml::scan::agreement::check(text);
    }
}

pub use build::{Limits, LoadRestrictor, Options, Reorder};
pub use diff::{diff, Change};
pub use error::{Error, Result, Step};
pub use explain::{explain, ExplainOptions, Explained, ExplainedObject, FieldOrigin, Origin};
pub use fs::{DiskFs, FileKind, FileSystem, MemFs};
pub use lint::{lint, rule, Finding, Note, Rule, Severity, RULES};
pub use remote::{Checkout, Fetcher, FileError, RepoSpec};

use camino::Utf8Path;

/// The result of a successful build.
#[derive(Clone, Debug)]
pub struct Build {
    resources: Vec<resource::Resource>,
    warnings: Vec<String>,
}

/// Builds the kustomization in the directory `root` of `fs`.
///
/// Returns every resource in output order, or the first error met. Nothing is global: builds on
/// many threads at once are independent. To build many roots that share bases, a [`Session`]
/// reads and parses each shared file once.
pub fn build(fs: &dyn FileSystem, root: &Utf8Path, options: &Options) -> Result<Build> {
    let (resources, warnings) = build::build(fs, root, options, None)?;
    Ok(Build { resources, warnings })
}

/// Builds of many roots over one filesystem, sharing what they read: each resource file is
/// read and parsed once however many overlays use it.
///
/// ```
/// use kcompile::{MemFs, Options, Session};
/// use camino::Utf8PathBuf;
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
        let (resources, warnings) = build::build(self.fs, root, &self.options, Some(&self.cache))?;
        Ok(Build { resources, warnings })
    }

    /// Builds every root, in parallel on all cores; results in the order of `roots`.
    pub fn build_all(&self, roots: &[camino::Utf8PathBuf]) -> Vec<Result<Build>> {
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

    /// Each resource with its kind, namespace, name and YAML text, in output order.
    pub fn objects(&self) -> Vec<Object> {
        self.resources
            .iter()
            .map(|r| Object {
                api_version: r.str_field(&["apiVersion"]).to_string(),
                kind: r.kind().to_string(),
                namespace: r.namespace().to_string(),
                name: r.name().to_string(),
                yaml: yaml::emit::emit_stream(&[&r.node]),
            })
            .collect()
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

    /// Deprecation notices and other warnings met on the way.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }
}

/// One object of a build's output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Object {
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.namespace` (empty when unset).
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
    /// The object printed alone, as kustomize prints it.
    pub yaml: String,
}

#[cfg(test)]
mod tests {
    use super::*;

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
