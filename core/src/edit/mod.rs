//! `kcompile edit`: kustomize's `edit` commands (set image, add resource, fix...), with
//! kustomize's arguments and meaning, applied to the kustomization file's text so that comments,
//! key order and formatting survive: only the lines an edit concerns change.
//!
//! ```
//! use kcompile::edit::{apply, EditCommand};
//! use kcompile::MemFs;
//!
//! let fs = MemFs::new();
//! let text = "# the app\nresources:\n- deploy.yaml # web\n";
//! let cmd = EditCommand::SetImage(vec!["nginx=nginx:1.27".into()]);
//! let out = apply(&fs, "/app".into(), text, &cmd).unwrap();
//! assert_eq!(out.text, "# the app\nresources:\n- deploy.yaml # web\nimages:\n- name: nginx\n  newName: nginx\n  newTag: \"1.27\"\n");
//! ```

mod glob;
mod text;

use crate::error::{Error, Result};
use crate::fs::FileSystem;
use crate::yaml::node::{Map, Node, Value};
use camino::{Utf8Path, Utf8PathBuf};
use text::Doc;

/// One `edit` command with its arguments, as `kustomize edit` takes them.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EditCommand {
    /// `set image NAME=NEWNAME:TAG`, `NAME:TAG`, `NAME@DIGEST`, `NAME=*:TAG`... (`*` keeps the old value).
    SetImage(Vec<String>),
    /// `set namespace NS`.
    SetNamespace(String),
    /// `set nameprefix PREFIX`.
    SetNamePrefix(String),
    /// `set namesuffix SUFFIX`.
    SetNameSuffix(String),
    /// `set replicas NAME=COUNT...`.
    SetReplicas(Vec<String>),
    /// `set label KEY:VALUE...` (commonLabels; existing keys are overwritten).
    SetLabel(Vec<String>),
    /// `set annotation KEY:VALUE...` (commonAnnotations; existing keys are overwritten).
    SetAnnotation(Vec<String>),
    /// `add resource PATH...` (globs; each must exist unless `no_verify`; no duplicates).
    AddResource {
        /// Paths or patterns, relative to the kustomization's directory.
        paths: Vec<String>,
        /// `--no-verify`: add the paths as given.
        no_verify: bool,
    },
    /// `add component PATH...`.
    AddComponent(Vec<String>),
    /// `add patch --path P | --patch TEXT [--kind K --name N ...]`.
    AddPatch(PatchArgs),
    /// `add configmap NAME --from-literal/--from-file/--from-env-file ...`.
    AddConfigMap(AddGeneratorArgs),
    /// `add secret NAME --from-literal/--from-file/--from-env-file [--type T] ...`.
    AddSecret(AddGeneratorArgs),
    /// `add label KEY:VALUE... [--force] [--without-selector [--include-templates]]`.
    AddLabel {
        /// `KEY:VALUE` pairs.
        pairs: Vec<String>,
        /// Overwrite existing keys.
        force: bool,
        /// Add a `labels` entry without selectors instead of `commonLabels`.
        without_selector: bool,
        /// With `without_selector`: also label pod templates.
        include_templates: bool,
    },
    /// `add annotation KEY:VALUE... [--force]`.
    AddAnnotation {
        /// `KEY:VALUE` pairs.
        pairs: Vec<String>,
        /// Overwrite existing keys.
        force: bool,
    },
    /// `remove resource PATH...` (patterns match the listed entries).
    RemoveResource(Vec<String>),
    /// `remove patch --path P | --patch TEXT [target flags]`: the entry equal to these.
    RemovePatch(PatchArgs),
    /// `remove configmap NAME[,NAME...] [--namespace NS]`.
    RemoveConfigMap {
        /// The one argument: generator names, comma-separated.
        names: Vec<String>,
        /// Namespace of the generators.
        namespace: String,
    },
    /// `remove secret NAME[,NAME...] [--namespace NS]`.
    RemoveSecret {
        /// The one argument: generator names, comma-separated.
        names: Vec<String>,
        /// Namespace of the generators.
        namespace: String,
    },
    /// `remove label KEY[,KEY...] [--ignore-non-existence]`.
    RemoveLabel {
        /// Keys (comma-separated).
        keys: Vec<String>,
        /// No error for a key that is not there.
        ignore_missing: bool,
    },
    /// `remove annotation KEY[,KEY...] [--ignore-non-existence]`.
    RemoveAnnotation {
        /// Keys (comma-separated).
        keys: Vec<String>,
        /// No error for a key that is not there.
        ignore_missing: bool,
    },
    /// `fix`: deprecated fields to their replacements (bases, imageTags, patchesJson6902,
    /// patchesStrategicMerge, commonLabels, generators' `env`), and `apiVersion`/`kind` added.
    /// `vars` (`--vars`, converting vars to replacements) is not supported yet.
    Fix {
        /// `--vars`.
        vars: bool,
    },
}

/// The flags of `add patch` / `remove patch`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PatchArgs {
    /// `--path`.
    pub path: String,
    /// `--patch` (inline).
    pub patch: String,
    /// `--group`.
    pub group: String,
    /// `--version`.
    pub version: String,
    /// `--kind`.
    pub kind: String,
    /// `--name`.
    pub name: String,
    /// `--namespace`.
    pub namespace: String,
    /// `--annotation-selector`.
    pub annotation_selector: String,
    /// `--label-selector`.
    pub label_selector: String,
}

/// The arguments and flags of `add configmap` / `add secret`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AddGeneratorArgs {
    /// The positional arguments (exactly one: the name).
    pub names: Vec<String>,
    /// `--namespace`.
    pub namespace: String,
    /// `--behavior` (create, merge, replace).
    pub behavior: String,
    /// `--from-file` (`[key=]path`).
    pub from_file: Vec<String>,
    /// `--from-literal` (`key=value`).
    pub from_literal: Vec<String>,
    /// `--from-env-file`.
    pub from_env_file: String,
    /// `--disableNameSuffixHash`.
    pub disable_name_suffix_hash: bool,
    /// `--type` (secrets only; the CLI's default is `Opaque`, as kustomize's; only a new
    /// generator gets it).
    pub secret_type: String,
}

/// The result of an edit: the new text of the kustomization file and what kustomize would
/// have logged on the way ("resource x already in kustomization file").
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Edited {
    /// The whole new file.
    pub text: String,
    /// Notices for the user.
    pub notes: Vec<String>,
}

/// The kustomization file of a directory: `kustomization.yaml`, `kustomization.yml` or
/// `Kustomization`, as kustomize looks for them.
pub fn find_kustomization(fs: &dyn FileSystem, dir: &Utf8Path) -> Result<Utf8PathBuf> {
    crate::load::KUSTOMIZATION_FILE_NAMES
        .iter()
        .map(|n| dir.join(n))
        .find(|p| matches!(fs.kind(p), Ok(crate::fs::FileKind::File)))
        .ok_or_else(|| {
            Error::new(format!("Missing kustomization file 'kustomization.yaml' in directory '{dir}'"))
                .help("run the command in a directory holding a kustomization, or create one")
        })
}

/// Applies one edit to `text`, the kustomization file of the directory `dir` (paths in
/// arguments are relative to it, and files they name are looked up in `fs`). Only the lines
/// the edit concerns change.
pub fn apply(fs: &dyn FileSystem, dir: &Utf8Path, text: &str, cmd: &EditCommand) -> Result<Edited> {
    let mut doc = Doc::parse(text)?;
    let mut notes = Vec::new();
    match cmd {
        EditCommand::SetImage(args) => set_image(&mut doc, args)?,
        EditCommand::SetNamespace(ns) => {
            if !is_dns_label(ns) {
                return Err(Error::new(format!(
                    "\"{ns}\" is not a valid namespace name: a lowercase RFC 1123 label must consist of lower case \
                     alphanumeric characters or '-', and must start and end with an alphanumeric character"
                )));
            }
            doc.set("namespace", &Node::string(ns.as_str()))?
        }
        EditCommand::SetNamePrefix(p) => doc.set("namePrefix", &Node::string(p.as_str()))?,
        EditCommand::SetNameSuffix(s) => doc.set("nameSuffix", &Node::string(s.as_str()))?,
        EditCommand::SetReplicas(args) => set_replicas(&mut doc, args)?,
        EditCommand::SetLabel(pairs) => set_metadata(&mut doc, "commonLabels", "label", pairs, true)?,
        EditCommand::SetAnnotation(pairs) => set_metadata(&mut doc, "commonAnnotations", "annotation", pairs, true)?,
        EditCommand::AddResource { paths, no_verify } => {
            if paths.is_empty() {
                return Err(Error::new("must specify a resource file"));
            }
            let found = resolve_paths(fs, dir, paths, *no_verify)?;
            add_paths(&mut doc, "resources", "resource", found, &mut notes)?
        }
        EditCommand::AddComponent(paths) => {
            if paths.is_empty() {
                return Err(Error::new("must specify a component file"));
            }
            let found = resolve_paths(fs, dir, paths, false)?;
            add_paths(&mut doc, "components", "component", found, &mut notes)?
        }
        EditCommand::AddPatch(p) => add_patch(&mut doc, p, &mut notes)?,
        EditCommand::RemovePatch(p) => remove_patch(&mut doc, p, &mut notes)?,
        EditCommand::AddConfigMap(g) => add_generator(fs, dir, &mut doc, "configMapGenerator", g, false, &mut notes)?,
        EditCommand::AddSecret(g) => add_generator(fs, dir, &mut doc, "secretGenerator", g, true, &mut notes)?,
        EditCommand::AddLabel { pairs, force, without_selector, include_templates } => {
            if !without_selector && *include_templates {
                return Err(Error::new("--without-selector flag must be specified for --include-templates to work"));
            }
            if *without_selector {
                let map = parse_pairs(pairs, "label")?;
                validate_metadata("label", &map)?;
                let mut pairs = Map::default();
                for (k, v) in map {
                    pairs.insert(k, v);
                }
                let mut label = Map::default();
                label.insert("pairs".into(), Node::new(Value::Map(pairs)));
                if *include_templates {
                    label.insert("includeTemplates".into(), Node::new(Value::Bool(true)));
                }
                doc.append_items("labels", &[Node::new(Value::Map(label))])?
            } else {
                set_metadata(&mut doc, "commonLabels", "label", pairs, *force)?
            }
        }
        EditCommand::AddAnnotation { pairs, force } => {
            set_metadata(&mut doc, "commonAnnotations", "annotation", pairs, *force)?
        }
        EditCommand::RemoveResource(patterns) => remove_resources(&mut doc, patterns)?,
        EditCommand::RemoveConfigMap { names, namespace } => {
            remove_generators(&mut doc, "configMapGenerator", "configmap", names, namespace, &mut notes)?
        }
        EditCommand::RemoveSecret { names, namespace } => {
            remove_generators(&mut doc, "secretGenerator", "secret", names, namespace, &mut notes)?
        }
        EditCommand::RemoveLabel { keys, ignore_missing } => {
            remove_metadata(&mut doc, "commonLabels", "label", keys, *ignore_missing)?
        }
        EditCommand::RemoveAnnotation { keys, ignore_missing } => {
            remove_metadata(&mut doc, "commonAnnotations", "annotation", keys, *ignore_missing)?
        }
        EditCommand::Fix { vars } => fix(fs, dir, &mut doc, *vars, &mut notes)?,
    }
    Ok(Edited { text: doc.text(), notes })
}

fn s(v: &str) -> Node {
    Node::string(v)
}

fn map_of(entries: Vec<(&str, Node)>) -> Node {
    let mut m = Map::default();
    for (k, v) in entries {
        m.insert(k.to_string(), v);
    }
    Node::new(Value::Map(m))
}

fn str_field<'a>(n: &'a Node, key: &str) -> &'a str {
    n.get(key).and_then(Node::as_str).unwrap_or("")
}

const IMAGE_FORMATS: &str = "invalid format of image, use one of the following options:
- <image>=<newimage>:<newtag>
- <image>=<newimage>@<digest>
- <image>=<newimage>:<newtag>@<digest>
- <image>=<newimage>
- <image>:<newtag>
- <image>:<newtag>@<digest>
- <image>@<digest>";

/// One `set image` argument: name, newName, newTag, digest (empty when not given, `*` to keep).
fn parse_image(arg: &str) -> Result<[String; 4]> {
    let (key, value) = match arg.split_once('=') {
        Some((k, v)) => (Some(k), v),
        None => (None, arg),
    };
    let (name, tag, digest) = split_image(value);
    if name == arg {
        return Err(Error::new(IMAGE_FORMATS));
    }
    Ok(match key {
        None => [name.into(), String::new(), tag.into(), digest.into()],
        Some(k) => [k.into(), name.into(), tag.into(), digest.into()],
    })
}

/// An image reference's name, tag and digest as kustomize splits it: the tag and the digest
/// are looked for after the first `/` (so a registry's port is not a tag), the first `@` or
/// `:` there starting them.
fn split_image(image: &str) -> (&str, &str, &str) {
    let from = image.find('/').filter(|&i| i > 0).unwrap_or(0);
    let at = image[from..].find('@').map(|i| i + from);
    let colon = image[from..].find(':').map(|i| i + from);
    match (colon, at) {
        (None, None) => (image, "", ""),
        (c, Some(a)) if c.is_none_or(|c| a < c) => (&image[..a], "", &image[a + 1..]),
        (Some(c), Some(a)) => (&image[..c], &image[c + 1..a], &image[a + 1..]),
        (Some(c), None) => (&image[..c], &image[c + 1..], ""),
        (None, Some(_)) => (image, "", ""),
    }
}

fn image_node(fields: &[String; 4]) -> Node {
    let keys = ["name", "newName", "newTag", "digest"];
    let mut m = Map::default();
    for (k, v) in keys.iter().zip(fields) {
        if !v.is_empty() && v != "*" {
            m.insert(k.to_string(), s(v));
        }
    }
    Node::new(Value::Map(m))
}

fn set_image(doc: &mut Doc, args: &[String]) -> Result<()> {
    if args.is_empty() {
        return Err(Error::new("no image specified"));
    }
    let mut wanted: Vec<[String; 4]> = Vec::new();
    for a in args {
        let img = parse_image(a)?;
        wanted.retain(|w| w[0] != img[0]);
        wanted.push(img);
    }
    let old: Vec<Node> = doc.get("images").and_then(Node::as_seq).cloned().unwrap_or_default();
    let mut changes = Vec::new();
    let mut added = Vec::new();
    for w in &wanted {
        match old.iter().position(|n| str_field(n, "name") == w[0]) {
            Some(i) => {
                let mut new = w.clone();
                for (slot, key) in [(1, "newName"), (2, "newTag"), (3, "digest")] {
                    if new[slot] == "*" {
                        new[slot] = old[i].get(key).and_then(Node::scalar_text).unwrap_or_default();
                    }
                }
                let node = image_node(&new);
                if node != old[i] {
                    changes.push((i, Some(node)));
                }
            }
            None => added.push(image_node(w)),
        }
    }
    doc.edit_items("images", &changes)?;
    doc.append_items("images", &added)
}

fn set_replicas(doc: &mut Doc, args: &[String]) -> Result<()> {
    if args.is_empty() {
        return Err(Error::new("no replicas specified"));
    }
    let invalid = || Error::new("invalid format of replica, use the following format: <name>=<count>");
    let mut wanted: Vec<(String, i64)> = Vec::new();
    for a in args {
        let parts: Vec<&str> = a.split('=').collect();
        let [name, count] = parts[..] else { return Err(invalid()) };
        let count: i64 = count.parse().map_err(|_| invalid())?;
        wanted.retain(|w| w.0 != name);
        wanted.push((name.to_string(), count));
    }
    let old: Vec<Node> = doc.get("replicas").and_then(Node::as_seq).cloned().unwrap_or_default();
    let mut changes = Vec::new();
    let mut added = Vec::new();
    for (name, count) in wanted {
        let node = map_of(vec![("name", s(&name)), ("count", Node::new(Value::Int(count)))]);
        match old.iter().position(|n| str_field(n, "name") == name) {
            Some(i) if node != old[i] => changes.push((i, Some(node))),
            Some(_) => {}
            None => added.push(node),
        }
    }
    doc.edit_items("replicas", &changes)?;
    doc.append_items("replicas", &added)
}

/// `k:v` arguments as kustomize splits them (the value may be double-quoted; no `:` means an
/// empty value), in argument order, later duplicates winning.
fn parse_pairs(args: &[String], kind: &str) -> Result<Vec<(String, Node)>> {
    if args.is_empty() {
        return Err(Error::new(format!("must specify {kind}")));
    }
    let mut out: Vec<(String, Node)> = Vec::new();
    for a in args {
        let (k, v) = match a.find(':') {
            Some(0) => {
                return Err(Error::new(format!("invalid {kind}: '{a}' (need k:v pair where v may be quoted)")));
            }
            Some(c) => {
                let v = &a[c + 1..];
                let v = if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') { &v[1..v.len() - 1] } else { v };
                (&a[..c], v)
            }
            None => (a.as_str(), ""),
        };
        out.retain(|(ok, _)| ok != k);
        out.push((k.to_string(), s(v)));
    }
    Ok(out)
}

/// Checks keys (and, for labels, values) as Kubernetes validates them: a key is an optional
/// DNS-subdomain prefix and `/`, then a name of at most 63 characters, alphanumeric at both
/// ends, with `-`, `_`, `.` inside; a label value is empty or such a name.
fn validate_metadata(kind: &str, pairs: &[(String, Node)]) -> Result<()> {
    fn is_name(s: &str) -> bool {
        let b = s.as_bytes();
        !b.is_empty()
            && b.len() <= 63
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric()
            && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
    }
    fn is_subdomain(s: &str) -> bool {
        s.len() <= 253 && s.split('.').all(is_dns_label)
    }
    for (k, v) in pairs {
        let key_ok = match k.rsplit_once('/') {
            Some((prefix, name)) => is_subdomain(prefix) && is_name(name),
            None => is_name(k),
        };
        if !key_ok {
            return Err(Error::new(format!("invalid {kind} key '{k}'")).help(
                "a key is a name of at most 63 characters (letters, digits, '-', '_', '.', starting and ending \
                 with a letter or digit), optionally after a DNS subdomain prefix and '/'",
            ));
        }
        let value = v.as_str().unwrap_or("");
        if kind == "label" && !value.is_empty() && !is_name(value) {
            return Err(Error::new(format!("invalid label value '{value}' for key '{k}'")).help(
                "a label value is empty or at most 63 characters (letters, digits, '-', '_', '.', starting and \
                 ending with a letter or digit)",
            ));
        }
    }
    Ok(())
}

fn set_metadata(doc: &mut Doc, field: &str, kind: &str, args: &[String], force: bool) -> Result<()> {
    let pairs = parse_pairs(args, kind)?;
    validate_metadata(kind, &pairs)?;
    if !force {
        if let Some(m) = doc.get(field).and_then(Node::as_map) {
            if let Some((k, _)) = pairs.iter().find(|(k, _)| m.contains_key(k.as_str())) {
                return Err(
                    Error::new(format!("{kind} {k} already in kustomization file")).help("use --force to overwrite it")
                );
            }
        }
    }
    doc.set_map_entries(field, &pairs)
}

fn remove_metadata(doc: &mut Doc, field: &str, kind: &str, args: &[String], ignore: bool) -> Result<()> {
    if args.is_empty() {
        return Err(Error::new(format!("must specify {kind}")));
    }
    if args.len() > 1 {
        return Err(Error::new(format!("{kind}s must be comma-separated, with no spaces")));
    }
    let keys: Vec<String> = args[0].split(',').map(str::to_string).collect();
    if keys.iter().any(String::is_empty) {
        return Err(Error::new(format!("invalid {kind}: '' (name is empty)")));
    }
    let Some(m) = doc.get(field).and_then(Node::as_map) else {
        if ignore {
            return Ok(());
        }
        return Err(Error::new(format!("{field} is not defined in kustomization file")));
    };
    if let Some(k) = keys.iter().find(|k| !m.contains_key(k.as_str())) {
        if !ignore {
            return Err(Error::new(format!("{kind} {k} is not defined in kustomization file")));
        }
    }
    doc.remove_map_entries(field, &keys)
}

/// Expands the patterns of `add resource` / `add component` as kustomize does: a pattern
/// matching files gives them; one matching nothing must be a directory or a URL.
fn resolve_paths(fs: &dyn FileSystem, dir: &Utf8Path, patterns: &[String], no_verify: bool) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for p in patterns {
        if no_verify {
            out.push(p.clone());
            continue;
        }
        let found = if glob::has_meta(p) {
            glob::glob(fs, dir, p)
        } else if fs.kind(&crate::fs::normalize(&dir.join(p))).is_ok() {
            vec![p.clone()]
        } else {
            Vec::new()
        };
        if !found.is_empty() {
            out.extend(found);
        } else if p.contains("://") || p.starts_with("github.com/") || p.starts_with("git@") {
            out.push(p.clone());
        } else {
            return Err(Error::new(format!(
                "{p} has no match: must build at directory: not a valid directory: '{p}' does not exist"
            ))
            .help("check the path, relative to the kustomization's directory, or pass --no-verify"));
        }
    }
    Ok(out)
}

fn add_paths(doc: &mut Doc, field: &str, kind: &str, paths: Vec<String>, notes: &mut Vec<String>) -> Result<()> {
    let mut have: Vec<String> =
        doc.get(field).and_then(Node::as_seq).into_iter().flatten().filter_map(Node::scalar_text).collect();
    let mut added = Vec::new();
    for p in paths {
        if crate::load::KUSTOMIZATION_FILE_NAMES.contains(&p.as_str()) {
            continue;
        }
        if have.contains(&p) {
            notes.push(format!("{kind} {p} already in kustomization file"));
            continue;
        }
        have.push(p.clone());
        added.push(s(&p));
    }
    doc.append_items(field, &added)
}

fn remove_resources(doc: &mut Doc, patterns: &[String]) -> Result<()> {
    if patterns.is_empty() {
        return Err(Error::new("must specify a resource file"));
    }
    let items: Vec<Node> = doc.get("resources").and_then(Node::as_seq).cloned().unwrap_or_default();
    let changes: Vec<(usize, Option<Node>)> = items
        .iter()
        .enumerate()
        .filter(|(_, n)| n.scalar_text().is_some_and(|t| patterns.iter().any(|p| glob::matches(p, &t))))
        .map(|(i, _)| (i, None))
        .collect();
    doc.edit_items("resources", &changes)
}

fn patch_node(p: &PatchArgs) -> Node {
    let mut target = Map::default();
    for (k, v) in [
        ("group", &p.group),
        ("version", &p.version),
        ("kind", &p.kind),
        ("name", &p.name),
        ("namespace", &p.namespace),
        ("annotationSelector", &p.annotation_selector),
        ("labelSelector", &p.label_selector),
    ] {
        if !v.is_empty() {
            target.insert(k.to_string(), s(v));
        }
    }
    let mut m = Map::default();
    if !p.path.is_empty() {
        m.insert("path".into(), s(&p.path));
    }
    if !p.patch.is_empty() {
        m.insert("patch".into(), s(&p.patch));
    }
    if !target.is_empty() {
        m.insert("target".into(), Node::new(Value::Map(target)));
    }
    Node::new(Value::Map(m))
}

/// Whether a `patches` entry is the one the flags describe (kustomize's `Patch.Equals`: same
/// path, inline patch, target and options; absent and empty are the same).
fn patch_equals(entry: &Node, wanted: &Node) -> bool {
    let strip = |n: &Node| -> Map {
        let mut m = n.as_map().cloned().unwrap_or_default();
        m.retain(|_, v| !(v.is_null() || v.as_str() == Some("") || v.as_map().is_some_and(Map::is_empty)));
        if let Some(t) = m.get_mut("target").and_then(Node::as_map_mut) {
            t.retain(|_, v| v.as_str() != Some(""));
        }
        m
    };
    let (a, b) = (strip(entry), strip(wanted));
    Node::new(Value::Map(a)) == Node::new(Value::Map(b))
}

fn add_patch(doc: &mut Doc, p: &PatchArgs, notes: &mut Vec<String>) -> Result<()> {
    if !p.patch.is_empty() && !p.path.is_empty() {
        return Err(Error::new("patch and path can't be set at the same time"));
    }
    if p.patch.is_empty() && p.path.is_empty() {
        return Err(Error::new("must provide either patch or path"));
    }
    let new = patch_node(p);
    let old: Vec<Node> = doc.get("patches").and_then(Node::as_seq).cloned().unwrap_or_default();
    if old.iter().any(|e| patch_equals(e, &new)) {
        notes.push("patch already in kustomization file".into());
        return Ok(());
    }
    doc.append_items("patches", &[new])
}

fn remove_patch(doc: &mut Doc, p: &PatchArgs, notes: &mut Vec<String>) -> Result<()> {
    if !p.patch.is_empty() && !p.path.is_empty() {
        return Err(Error::new("patch and path can't be set at the same time"));
    }
    let wanted = patch_node(p);
    let old: Vec<Node> = doc.get("patches").and_then(Node::as_seq).cloned().unwrap_or_default();
    let changes: Vec<(usize, Option<Node>)> =
        old.iter().enumerate().filter(|(_, e)| patch_equals(e, &wanted)).map(|(i, _)| (i, None)).collect();
    if changes.is_empty() {
        notes.push(format!("patch {} doesn't exist in kustomization file", p.patch));
        return Ok(());
    }
    doc.edit_items("patches", &changes)
}

fn namespace_equal(a: &str, b: &str) -> bool {
    let d = |s: &str| if s.is_empty() { "default".to_string() } else { s.to_string() };
    d(a) == d(b)
}

/// `--from-file` sources with their patterns expanded as kustomize does: `[key=]pattern`; a
/// pattern matching nothing is dropped with a notice; one with a key must match one file.
fn expand_file_sources(
    fs: &dyn FileSystem,
    dir: &Utf8Path,
    sources: &[String],
    notes: &mut Vec<String>,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for source in sources {
        let parts: Vec<&str> = source.split('=').collect();
        let (key, pattern) = match parts[..] {
            [k, p] => (Some(k), p),
            _ => (None, parts[0]),
        };
        let found = if glob::has_meta(pattern) {
            glob::glob(fs, dir, pattern)
        } else if fs.kind(&crate::fs::normalize(&dir.join(pattern))).is_ok() {
            vec![pattern.to_string()]
        } else {
            Vec::new()
        };
        if found.is_empty() {
            notes.push(format!("{pattern} has no match"));
        }
        match key {
            Some(_) if found.len() != 1 => {
                return Err(Error::new(format!(
                    "failed to expand file source: 'pattern '{source}' catches files {}, should catch only one",
                    go_list(&found)
                )))
            }
            Some(k) => out.push(format!("{k}={}", found[0])),
            None => out.extend(found),
        }
    }
    Ok(out)
}

/// A list as Go's `%v` prints it: `[a b]`.
fn go_list(items: &[String]) -> String {
    format!("[{}]", items.join(" "))
}

fn add_generator(
    fs: &dyn FileSystem,
    dir: &Utf8Path,
    doc: &mut Doc,
    field: &str,
    g: &AddGeneratorArgs,
    secret: bool,
    notes: &mut Vec<String>,
) -> Result<()> {
    let what = if secret { "secret" } else { "configmap" };
    let files = expand_file_sources(fs, dir, &g.from_file, notes)?;
    let invalid = |m: &str| Err(Error::new(format!("failed to validate flags: {m}")));
    let [name] = g.names.as_slice() else { return invalid("name must be specified once") };
    if g.from_env_file.is_empty() && files.is_empty() && g.from_literal.is_empty() {
        return invalid("at least from-env-file, or from-file or from-literal must be set");
    }
    if !g.from_env_file.is_empty() && (!files.is_empty() || !g.from_literal.is_empty()) {
        return invalid("from-env-file cannot be combined with from-file or from-literal");
    }
    if !g.behavior.is_empty() && !matches!(g.behavior.as_str(), "create" | "merge" | "replace") {
        return invalid(r#"invalid behavior: must be one of "create", "merge", or "replace""#);
    }
    // What kustomize checks by generating the object once.
    for l in &g.from_literal {
        if l.split_once('=').is_none_or(|(k, _)| k.is_empty()) {
            return Err(Error::new(format!("failed to create {what}: invalid literal source {l}, expected key=value")));
        }
    }
    let paths = files.iter().map(|f| f.split_once('=').map_or(f.as_str(), |p| p.1));
    for f in paths.chain(Some(g.from_env_file.as_str()).filter(|f| !f.is_empty())) {
        if fs.read(&crate::fs::normalize(&dir.join(f))).is_err() {
            return Err(Error::new(format!("failed to create {what}: cannot read file '{f}'")));
        }
    }
    let old: Vec<Node> = doc.get(field).and_then(Node::as_seq).cloned().unwrap_or_default();
    let at = old
        .iter()
        .position(|n| str_field(n, "name") == name && namespace_equal(str_field(n, "namespace"), &g.namespace));
    let mut entry = match at {
        Some(i) => old[i].as_map().cloned().unwrap_or_default(),
        None => {
            let mut m = Map::default();
            m.insert("name".into(), s(name));
            if !g.namespace.is_empty() {
                m.insert("namespace".into(), s(&g.namespace));
            }
            // The type is set when the secret is made, never changed after.
            if secret && !g.secret_type.is_empty() {
                m.insert("type".into(), s(&g.secret_type));
            }
            m
        }
    };
    let mut append = |key: &str, values: &[String]| {
        if values.is_empty() {
            return;
        }
        let list = entry.entry(key.to_string()).or_insert_with(|| Node::seq(Vec::new()));
        if !matches!(list.value, Value::Seq(_)) {
            *list = Node::seq(Vec::new());
        }
        if let Value::Seq(items) = &mut list.value {
            items.extend(values.iter().map(|v| s(v)));
        }
    };
    append("literals", &g.from_literal);
    append("files", &files);
    if !g.from_env_file.is_empty() {
        append("envs", std::slice::from_ref(&g.from_env_file));
    }
    if !g.behavior.is_empty() {
        entry.insert("behavior".into(), s(&g.behavior));
    }
    if g.disable_name_suffix_hash {
        // kustomize replaces the whole `options` (losing its labels and annotations); only
        // the flag is set here.
        let options = entry.entry("options".into()).or_insert_with(Node::map);
        if !matches!(options.value, Value::Map(_)) {
            *options = Node::map();
        }
        if let Value::Map(o) = &mut options.value {
            o.insert("disableNameSuffixHash".into(), Node::new(Value::Bool(true)));
        }
    }
    let node = Node::new(Value::Map(entry));
    match at {
        Some(i) => doc.edit_items(field, &[(i, Some(node))]),
        None => doc.append_items(field, &[node]),
    }
}

fn remove_generators(
    doc: &mut Doc,
    field: &str,
    what: &str,
    args: &[String],
    namespace: &str,
    notes: &mut Vec<String>,
) -> Result<()> {
    let names: Vec<&str> = match args {
        [] => return Err(Error::new(format!("at least one {what} name must be specified"))),
        [one] => one.split(',').collect(),
        _ => {
            return Err(Error::new(format!(
                "too many arguments: {}; to provide multiple {what}s to remove, please separate {what} names by commas",
                go_list(args)
            )))
        }
    };
    let old: Vec<Node> = doc.get(field).and_then(Node::as_seq).cloned().unwrap_or_default();
    let hit = |n: &Node| names.contains(&str_field(n, "name")) && namespace_equal(str_field(n, "namespace"), namespace);
    let changes: Vec<(usize, Option<Node>)> =
        old.iter().enumerate().filter(|(_, n)| hit(n)).map(|(i, _)| (i, None)).collect();
    if changes.is_empty() {
        return Err(Error::new(format!("no specified {what}(s) were found in the kustomization.yaml file")));
    }
    for name in &names {
        if !old.iter().any(|n| hit(n) && str_field(n, "name") == *name) {
            notes.push(format!("{what} {name} doesn't exist in kustomization file"));
        }
    }
    doc.edit_items(field, &changes)
}

/// Moves the items of a deprecated list field to its replacement: the field is renamed when
/// the replacement is absent (its lines stay), otherwise its items are appended to it.
fn move_list(doc: &mut Doc, from: &str, to: &str, items: Option<Vec<Node>>) -> Result<bool> {
    let Some(old) = doc.get(from).cloned() else { return Ok(false) };
    let converted = items.is_some();
    let items = items.unwrap_or_else(|| old.as_seq().cloned().unwrap_or_default());
    if doc.get(to).is_none() && !converted {
        doc.rename(from, to)?;
    } else {
        doc.remove(from)?;
        doc.append_items(to, &items)?;
    }
    Ok(true)
}

fn fix(fs: &dyn FileSystem, dir: &Utf8Path, doc: &mut Doc, vars: bool, notes: &mut Vec<String>) -> Result<()> {
    if vars && doc.get("vars").is_some() {
        return Err(Error::new("kcompile edit fix does not convert vars to replacements yet")
            .help("run `kustomize edit fix --vars`, or write the replacements by hand (see kustomize's docs)"));
    }
    let mut top = Vec::new();
    let kind = doc.get("kind").and_then(Node::as_str).unwrap_or("").to_string();
    if doc.get("apiVersion").and_then(Node::as_str).unwrap_or("").is_empty() {
        let v =
            if kind == "Component" { "kustomize.config.k8s.io/v1alpha1" } else { "kustomize.config.k8s.io/v1beta1" };
        if doc.get("apiVersion").is_some() {
            doc.set("apiVersion", &s(v))?;
        } else {
            top.push(("apiVersion", s(v)));
        }
    }
    if kind.is_empty() {
        if doc.get("kind").is_some() {
            doc.set("kind", &s("Kustomization"))?;
        } else {
            top.push(("kind", s("Kustomization")));
        }
    }
    if !top.is_empty() {
        doc.set_at_top(&top)?;
    }
    let mut fixed = Vec::new();
    if move_list(doc, "bases", "resources", None)? {
        fixed.push("bases -> resources");
    }
    if move_list(doc, "imageTags", "images", None)? {
        fixed.push("imageTags -> images");
    }
    for field in ["configMapGenerator", "secretGenerator"] {
        let old: Vec<Node> = doc.get(field).and_then(Node::as_seq).cloned().unwrap_or_default();
        let mut changes = Vec::new();
        for (i, g) in old.iter().enumerate() {
            let Some(env) = g.get("env").and_then(Node::scalar_text).filter(|e| !e.is_empty()) else { continue };
            let mut m = g.as_map().cloned().unwrap_or_default();
            m.shift_remove("env");
            let envs = m.entry("envs".into()).or_insert_with(|| Node::seq(Vec::new()));
            if let Value::Seq(items) = &mut envs.value {
                items.push(s(&env));
            } else {
                *envs = Node::seq(vec![s(&env)]);
            }
            changes.push((i, Some(Node::new(Value::Map(m)))));
        }
        if !changes.is_empty() {
            doc.edit_items(field, &changes)?;
            fixed.push("env -> envs");
        }
    }
    if move_list(doc, "patchesJson6902", "patches", None)? {
        fixed.push("patchesJson6902 -> patches");
    }
    if let Some(sm) = doc.get("patchesStrategicMerge").cloned() {
        let items: Vec<Node> = sm
            .as_seq()
            .into_iter()
            .flatten()
            .filter_map(Node::scalar_text)
            .map(|p| {
                let is_file =
                    fs.kind(&crate::fs::normalize(&dir.join(&p))).is_ok_and(|k| k == crate::fs::FileKind::File);
                map_of(vec![(if is_file { "path" } else { "patch" }, s(&p))])
            })
            .collect();
        move_list(doc, "patchesStrategicMerge", "patches", Some(items))?;
        fixed.push("patchesStrategicMerge -> patches");
    }
    if let Some(cl) = doc.get("commonLabels").and_then(Node::as_map).filter(|m| !m.is_empty()).cloned() {
        for l in doc.get("labels").and_then(Node::as_seq).into_iter().flatten() {
            if let Some(k) = l.get("pairs").and_then(Node::as_map).and_then(|p| p.keys().find(|k| cl.contains_key(*k)))
            {
                return Err(Error::new(format!("label name '{k}' exists in both commonLabels and labels")));
            }
        }
        let label =
            map_of(vec![("pairs", Node::new(Value::Map(cl))), ("includeSelectors", Node::new(Value::Bool(true)))]);
        doc.remove("commonLabels")?;
        doc.append_items("labels", &[label])?;
        fixed.push("commonLabels -> labels");
    }
    if !fixed.is_empty() {
        notes.push(format!("Fixed fields:\n  {}", fixed.join("\n  ")));
    }
    if doc.get("vars").is_some() {
        notes.push("vars are kept: converting vars to replacements is not supported by kcompile yet".into());
    }
    Ok(())
}

/// A DNS label (RFC 1123): what a namespace name must be.
fn is_dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

#[cfg(test)]
mod tests;
