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

mod accumulate;
mod build;
mod error;
mod fs;
mod generate;
mod kustomization;
mod load;
mod namereference;
mod resource;
mod sort;
mod transform;
mod yaml;

pub use build::{LoadRestrictor, Options};
pub use error::{Error, Result};
pub use fs::{DiskFs, FileKind, FileSystem, MemFs};

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
/// many threads at once are independent.
pub fn build(fs: &dyn FileSystem, root: &Utf8Path, options: &Options) -> Result<Build> {
    let (resources, warnings) = build::build(fs, root, options)?;
    Ok(Build { resources, warnings })
}

impl Build {
    /// The whole output as `kustomize build` prints it.
    pub fn yaml(&self) -> String {
        let docs: Vec<&yaml::node::Node> = self.resources.iter().map(|r| &r.node).collect();
        yaml::emit::emit_stream(&docs)
    }

    /// Each resource as `(kind, namespace, name, yaml)`, in output order.
    pub fn objects(&self) -> Vec<Object> {
        self.resources
            .iter()
            .map(|r| Object {
                api_version: r.str_field(&["apiVersion"]).to_string(),
                kind: r.kind().to_string(),
                namespace: r.namespace().to_string(),
                name: r.name().to_string(),
                cluster_scoped: r.gvk().is_cluster_scoped(),
                yaml: yaml::emit::emit_stream(&[&r.node]),
            })
            .collect()
    }

    /// Deprecation notices and other warnings met on the way.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }
}

/// One object of a build's output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Object {
    pub api_version: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// The object printed alone, as kustomize prints it.
    pub yaml: String,
    cluster_scoped: bool,
}

impl Object {
    /// The file name `kustomize build -o DIR` gives this object:
    /// `[namespace_][group_]version_kind_name.yaml`, in lower case.
    pub fn file_name(&self) -> String {
        let mut parts: Vec<&str> = Vec::new();
        if !self.cluster_scoped {
            parts.push(if self.namespace.is_empty() { "default" } else { &self.namespace });
        }
        parts.extend(self.api_version.split('/'));
        parts.push(&self.kind);
        parts.push(&self.name);
        format!("{}.yaml", parts.join("_").to_lowercase())
    }
}
