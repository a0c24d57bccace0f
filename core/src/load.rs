//! Loading: finding kustomization files, reading files through the load restrictor, and parsing
//! resource files into [`Resource`]s.

use crate::error::{bail, Error, Result};
use crate::fs::{normalize, FileKind, FileSystem};
use crate::kustomization::Kustomization;
use crate::resource::Resource;
use crate::yaml::node::{Node, Value};
use crate::yaml::read::{parse_one, parse_stream, Schema};
use camino::{Utf8Path, Utf8PathBuf};
use foldhash::HashMap;
use std::sync::{Arc, Mutex};

/// The names a kustomization file may have, in kustomize's order of preference.
pub const KUSTOMIZATION_FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Parsed resource files shared by the builds of one session, keyed by real path: a base used
/// by many overlays is read and parsed once.
#[derive(Default)]
pub struct Cache {
    resources: Mutex<HashMap<Utf8PathBuf, Arc<Vec<Resource>>>>,
}

/// Reads files for one build, enforcing the load restrictor.
pub struct Loader<'a> {
    fs: &'a dyn FileSystem,
    restrict: bool,
    cache: Option<&'a Cache>,
}

/// A kustomization file and the directory it governs.
pub struct LoadedKustomization {
    pub dir: Utf8PathBuf,
    pub file: Utf8PathBuf,
    pub kustomization: Kustomization,
}

impl<'a> Loader<'a> {
    pub fn new(fs: &'a dyn FileSystem, restrict: bool, cache: Option<&'a Cache>) -> Loader<'a> {
        Loader { fs, restrict, cache }
    }

    /// The resources of a file referenced from the kustomization in `root` (see
    /// [`Loader::read_file`]), parsed once per session.
    pub fn load_resources(&self, root: &Utf8Path, rel: &str) -> Result<Vec<Resource>> {
        let (real, kind) = self.resolve(root, rel)?;
        if kind == FileKind::Dir {
            bail!("'{rel}' is a directory, expected a file");
        }
        self.check_within(root, &real, rel)?;
        let cached = self.cache.and_then(|c| c.resources.lock().ok()?.get(&real).cloned());
        if let Some(rs) = cached {
            return Ok(rs.as_ref().clone());
        }
        let (path, text) = self.read_file(root, rel)?;
        let rs = parse_resources(&text, &path)?;
        for r in &rs {
            check_name(r)?;
        }
        if let Some(cache) = self.cache {
            if let Ok(mut map) = cache.resources.lock() {
                map.insert(real, Arc::new(rs.clone()));
            }
        }
        Ok(rs)
    }

    pub fn fs(&self) -> &'a dyn FileSystem {
        self.fs
    }

    /// The real (symlink-free) path of `rel` taken from `dir`, with the kind of thing it names.
    pub fn resolve(&self, dir: &Utf8Path, rel: &str) -> Result<(Utf8PathBuf, FileKind)> {
        let joined = normalize(&dir.join(rel));
        let real = self.fs.real_path(&joined).map_err(|e| {
            let msg = match e.kind() {
                std::io::ErrorKind::NotFound => format!("'{rel}' does not exist (looked for {joined})"),
                _ => format!("'{rel}': {joined}: {e}"),
            };
            // A likely typo of a file next to it: say so.
            let mut hint = None;
            if let (Some(parent), Some(name)) = (joined.parent(), joined.file_name()) {
                if let Ok(names) = self.fs.list(parent) {
                    if let Some(near) = crate::error::closest(name, names.iter().map(String::as_str)) {
                        hint = Some(format!("did you mean '{near}'?"));
                    }
                } else if e.kind() == std::io::ErrorKind::NotFound {
                    hint = Some(format!("the directory {parent} does not exist either: check the path"));
                }
            }
            let e = Error::new(msg);
            match hint {
                Some(h) => e.help(h),
                None => e.help("check the path: it is relative to the directory of the kustomization that lists it"),
            }
        })?;
        let kind = self.fs.kind(&real).map_err(|e| Error::new(format!("{real}: {}", io_reason(&e))))?;
        Ok((real, kind))
    }

    /// Reads a file referenced from the kustomization in `root`, which it must not leave
    /// unless the restrictor is off.
    pub fn read_file(&self, root: &Utf8Path, rel: &str) -> Result<(Utf8PathBuf, String)> {
        let (real, kind) = self.resolve(root, rel)?;
        if kind == FileKind::Dir {
            bail!("'{rel}' is a directory, expected a file");
        }
        self.check_within(root, &real, rel)?;
        let bytes = self.fs.read(&real).map_err(|e| Error::new(format!("{real}: {}", io_reason(&e))))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            Error::new(format!(
                "{real}: the file is not valid UTF-8 (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ))
        })?;
        Ok((real, text))
    }

    /// Refuses a path outside `root` when the restrictor is on.
    pub fn check_within(&self, root: &Utf8Path, real: &Utf8Path, rel: &str) -> Result<()> {
        if self.restrict && !real.starts_with(root) {
            return Err(Error::new(format!(
                "security; file '{real}' is not in or below '{root}' (referenced as '{rel}')"
            ))
            .help(
                "a kustomization may only read files in or below its own directory: move the file there, \
                 make the directory holding it a kustomization and list that directory in 'resources', \
                 or pass --load-restrictor LoadRestrictionsNone",
            ));
        }
        Ok(())
    }

    /// Finds and parses the kustomization file in `dir` (a real path).
    pub fn load_kustomization(&self, dir: &Utf8Path) -> Result<LoadedKustomization> {
        let mut found = None;
        for name in KUSTOMIZATION_FILE_NAMES {
            let candidate = dir.join(name);
            if let Ok(FileKind::File) = self.fs.kind(&candidate) {
                if found.is_some() {
                    return Err(Error::new(format!("Found multiple kustomization files under: {dir}"))
                        .help("keep one of 'kustomization.yaml', 'kustomization.yml' and 'Kustomization'"));
                }
                found = Some(candidate);
            }
        }
        let Some(file) = found else {
            return Err(Error::new(format!(
                "unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '{dir}'"
            ))
            .help(
                "a directory listed in 'resources' or 'components' must hold a kustomization.yaml; \
                 to include a file, list the file itself",
            ));
        };
        let bytes = self.fs.read(&file).map_err(|e| Error::new(io_reason(&e)).in_file(&file))?;
        let text = String::from_utf8(bytes).map_err(|_| Error::new("the file is not valid UTF-8").in_file(&file))?;
        // Like kustomize, only the first document counts.
        let doc = parse_one(&text, Schema::V11).map_err(|e| Error::from(e).in_file(&file))?.unwrap_or_else(Node::null);
        let kustomization = Kustomization::from_node(&doc).map_err(|e| e.in_file(&file))?;
        Ok(LoadedKustomization { dir: dir.to_owned(), file, kustomization })
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        _ => e.to_string(),
    }
}

/// Parses a file of resources: every document a Kubernetes object; `kind: List` expanded.
pub fn parse_resources(text: &str, origin: &Utf8Path) -> Result<Vec<Resource>> {
    let docs = parse_stream(text, Schema::V3).map_err(|e| Error::from(e).in_file(origin))?;
    let mut out = Vec::with_capacity(docs.len());
    for doc in docs {
        push_object(doc, origin, &mut out)?;
    }
    Ok(out)
}

fn push_object(mut doc: Node, origin: &Utf8Path, out: &mut Vec<Resource>) -> Result<()> {
    if !matches!(doc.value, Value::Map(_)) {
        return Err(Error::new(format!("expected a Kubernetes object (a map), found a {}", doc.value.type_name()))
            .at(doc.pos)
            .in_file(origin));
    }
    let is_list = doc.str_at(&["kind"]).is_some_and(|k| k.ends_with("List")) && doc.get("items").is_some();
    if is_list {
        let items = match doc.as_map_mut().and_then(|m| m.shift_remove("items")) {
            Some(Node { value: Value::Seq(items), .. }) => items,
            Some(Node { value: Value::Null, .. }) | None => Vec::new(),
            Some(other) => {
                return Err(Error::new("the items of a List must be a list").at(other.pos).in_file(origin));
            }
        };
        for item in items {
            push_object(item, origin, out)?;
        }
        return Ok(());
    }
    stringify_metadata(&mut doc);
    validate_object(&doc).map_err(|e| e.in_file(origin))?;
    out.push(Resource::new(doc, origin.to_owned()));
    Ok(())
}

/// kustomize turns non-string label and annotation values into strings (`port: 8080` becomes
/// `"8080"`).
fn stringify_metadata(doc: &mut Node) {
    let Some(meta) = doc.get_mut("metadata") else { return };
    for field in ["labels", "annotations"] {
        if let Some(map) = meta.get_mut(field).and_then(Node::as_map_mut) {
            for v in map.values_mut() {
                if !matches!(v.value, Value::Str(_) | Value::Map(_) | Value::Seq(_)) {
                    if let Some(text) = v.scalar_text() {
                        v.value = Value::Str(text);
                    }
                }
            }
        }
    }
}

/// kustomize's check of every object read from a resource file, and again of every object at the
/// end of the build (a patch may have removed the name): each needs a `metadata.name`, except a
/// kind ending in `List`. (Patches and generator configs are not checked: a patch selecting by
/// target needs no name.)
pub(crate) fn check_name(r: &Resource) -> Result<()> {
    if r.kind().ends_with("List") {
        return Ok(());
    }
    let name = r.node.get("metadata").and_then(|m| m.get("name")).and_then(Node::scalar_text);
    if name.is_none_or(|n| n.is_empty()) {
        let at = r.node.get("metadata").map_or(r.node.pos, |m| m.pos);
        return Err(Error::new(format!("missing metadata.name in object (a {} with no name)", r.kind()))
            .help("every object needs a non-empty metadata.name (check the patches that change metadata)")
            .at(at)
            .in_file(&r.origin));
    }
    Ok(())
}

/// The checks kustomize makes on every object it reads.
fn validate_object(doc: &Node) -> Result<()> {
    let kind = doc.get("kind");
    if kind.and_then(Node::as_str).is_none_or(str::is_empty) {
        return Err(
            Error::new("missing kind in object (every resource needs apiVersion, kind and metadata.name)").at(doc.pos)
        );
    }
    Ok(())
}
