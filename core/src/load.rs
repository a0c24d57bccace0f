//! Loading: finding kustomization files, reading files through the load restrictor, and parsing
//! resource files into [`Resource`]s.

use crate::error::{bail, Error, ErrorKind, Result};
use crate::fs::{normalize, FileKind, FileSystem};
use crate::kustomization::Kustomization;
use crate::resource::Resource;
use crate::yaml::node::{Node, Pos, Style, Value};
use crate::yaml::read::{parse_one, parse_stream, Budget, Deferred, Limit, ReadLimits, Schema, YamlError};
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

/// Reads files for one build, enforcing the load restrictor and the build's limits.
pub struct Loader<'a> {
    fs: &'a dyn FileSystem,
    restrict: bool,
    cache: Option<&'a Cache>,
    limits: ReadLimits,
    max_input: u64,
    /// What the build has spent: YAML built, bytes of files read.
    spent: Mutex<(Budget, u64)>,
    /// Fetches the `http://`/`https://` files a kustomization names (`None`: they are errors).
    fetcher: Option<std::sync::Arc<dyn crate::remote::Fetcher>>,
    /// Told of every file read and every kustomization loaded (`lint`; `None` for `build`).
    observer: Option<&'a dyn Observer>,
}

/// What a tool built on the pipeline is told of what a build reads, as the loader reads it, so
/// that it never reads or parses a file again (`lint` is one; `build` has none, and then each
/// hook is one `Option` check).
pub(crate) trait Observer {
    /// The build read the file at `real` (a real path): its bytes, or `None` when the read
    /// failed or the session's cache already held its parsed resources.
    fn file(&self, real: &Utf8Path, bytes: Option<&[u8]>);
    /// The build loaded a kustomization: the file's text, and its first document as parsed
    /// (YAML 1.1 rules; null for an empty file).
    fn kustomization(&self, loaded: &LoadedKustomization, text: &str, doc: &Node);
}

/// A kustomization file and the directory it governs.
pub struct LoadedKustomization {
    pub dir: Utf8PathBuf,
    pub file: Utf8PathBuf,
    pub kustomization: Kustomization,
}

impl<'a> Loader<'a> {
    pub fn new(fs: &'a dyn FileSystem, restrict: bool, cache: Option<&'a Cache>) -> Loader<'a> {
        let defaults = crate::pipeline::BuildLimits::default();
        Loader {
            fs,
            restrict,
            cache,
            limits: ReadLimits::default(),
            max_input: defaults.max_input_bytes,
            spent: Mutex::default(),
            fetcher: None,
            observer: None,
        }
        .with_limits(&defaults)
    }

    /// The same loader fetching URLs with `fetcher`: kustomize's file loader reads an `http://`
    /// or `https://` path over HTTP wherever it reads a file (patches, `configurations`,
    /// `openapi`, generator sources, replacement sources).
    pub fn with_fetcher(mut self, fetcher: Option<std::sync::Arc<dyn crate::remote::Fetcher>>) -> Loader<'a> {
        self.fetcher = fetcher;
        self
    }

    /// The fetcher of remote files, bases and components, if the build has one (the loader is
    /// its one owner: the walker asks it here).
    pub fn fetcher(&self) -> Option<&std::sync::Arc<dyn crate::remote::Fetcher>> {
        self.fetcher.as_ref()
    }

    /// The same loader telling `observer` what it reads.
    pub(crate) fn with_observer(mut self, observer: Option<&'a dyn Observer>) -> Loader<'a> {
        self.observer = observer;
        self
    }

    /// The same loader with the build's limits.
    pub fn with_limits(mut self, l: &crate::pipeline::BuildLimits) -> Loader<'a> {
        self.limits = ReadLimits {
            max_nodes: l.max_nodes,
            max_alias_nodes: l.max_alias_nodes,
            max_bytes: l.max_text_bytes,
            max_documents: l.max_documents,
            ..ReadLimits::default()
        };
        self.max_input = l.max_input_bytes;
        self
    }

    /// Reads a file, charging its size to the build's input budget (checked before reading
    /// when the file system knows the size).
    pub fn read_bytes(&self, real: &Utf8Path) -> Result<Vec<u8>> {
        let spent = self.spent.lock().map(|s| s.1).unwrap_or(0);
        let left = self.max_input.saturating_sub(spent);
        let read = self.fs.read_at_most(real, left);
        if let Some(observer) = self.observer {
            observer.file(real, read.as_deref().ok());
        }
        let bytes = read.map_err(|e| {
            if e.kind() == std::io::ErrorKind::FileTooLarge {
                let what = if spent == 0 { String::new() } else { format!(" after {spent} bytes of other files") };
                Error::new(format!(
                    "{real} is too large to read ({e}{what}): a build reads at most {} bytes of files, all together",
                    self.max_input
                ))
                .help("raise the limit with --max-input-bytes (Options::limits for the library)")
                .with_kind(ErrorKind::Limit)
            } else {
                io_error(real, &e)
            }
        })?;
        if let Ok(mut s) = self.spent.lock() {
            s.1 = s.1.saturating_add(bytes.len() as u64);
        }
        Ok(bytes)
    }

    /// Runs a parse, charging what it builds to the build's budget.
    fn charged<T>(&self, parse: impl FnOnce(&ReadLimits, &mut Budget) -> T) -> T {
        let mut spent = self.spent.lock().map(|s| s.0).unwrap_or_default();
        let out = parse(&self.limits, &mut spent);
        if let Ok(mut s) = self.spent.lock() {
            s.0 = spent;
        }
        out
    }

    /// The body of a URL, through the fetcher, charged to the build's input budget.
    fn fetch(&self, url: &str) -> Result<Vec<u8>> {
        let Some(fetcher) = &self.fetcher else {
            return Err(crate::remote::unsupported(url).unwrap_or_else(|| Error::new(format!("cannot fetch '{url}'"))));
        };
        let bytes = fetcher.file(url).map_err(|e| match e {
            crate::remote::FileError::Status(_) if crate::remote::RepoSpec::parse(url).is_ok() => {
                Error::new(format!("'{url}': URL is a git repository")).with_kind(ErrorKind::Io)
            }
            crate::remote::FileError::Status(code) => Error::new(format!(
                "HTTP Error: status code {code} ({}) fetching '{url}'",
                crate::accumulate::status_text(code)
            ))
            .help("check the URL: kustomize fetches an http(s) path as a file")
            .with_kind(ErrorKind::Io),
            crate::remote::FileError::Failed(e) => e,
        })?;
        let spent = self.spent.lock().map(|mut s| {
            s.1 = s.1.saturating_add(bytes.len() as u64);
            s.1
        });
        if spent.is_ok_and(|spent| spent > self.max_input) {
            return Err(Error::new(format!(
                "{url} is too large to read: a build reads at most {} bytes of files, all together",
                self.max_input
            ))
            .help("raise the limit with --max-input-bytes (Options::limits for the library)")
            .with_kind(ErrorKind::Limit));
        }
        Ok(bytes)
    }

    /// Parses a stream of documents, charging what it builds to the build's budget.
    pub fn parse_stream(&self, text: &str, schema: Schema) -> std::result::Result<Vec<Node>, YamlError> {
        self.charged(|limits, spent| crate::yaml::read::parse_stream_in(text, schema, limits, spent))
    }

    /// Parses the first document, charging what it builds to the build's budget.
    pub fn parse_one(&self, text: &str, schema: Schema) -> std::result::Result<Option<Node>, YamlError> {
        self.charged(|limits, spent| crate::yaml::read::parse_one_in(text, schema, limits, spent))
    }

    /// [`parse_resources`], charging the build's budget; what kustomize finds only when it
    /// converts an object to JSON is recorded on the resource ([`Resource::deferred`]) instead
    /// of failing (resources and strategic-merge patches are read this way).
    pub fn parse_resources(&self, text: &str, origin: &Utf8Path) -> Result<Vec<Resource>> {
        let parsed = self.charged(|limits, spent| crate::yaml::read::parse_stream_deferring(text, limits, spent));
        let (docs, deferred) = parsed.map_err(|e| limit_help(e).in_file(origin))?;
        objects(docs, &deferred, text, origin)
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
            if let Some(observer) = self.observer {
                observer.file(&real, None);
            }
            return Ok(rs.as_ref().clone());
        }
        let (path, text) = self.read_file(root, rel)?;
        let rs = self.parse_resources(&text, &path)?;
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
            let (msg, kind) = match e.kind() {
                std::io::ErrorKind::NotFound => {
                    (format!("'{rel}' does not exist (looked for {joined})"), ErrorKind::NotFound)
                }
                _ => (format!("'{rel}': {joined}: {e}"), ErrorKind::Io),
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
            let e = Error::new(msg).with_kind(kind);
            match hint {
                Some(h) => e.help(h),
                None => e.help("check the path: it is relative to the directory of the kustomization that lists it"),
            }
        })?;
        let kind = self.fs.kind(&real).map_err(|e| io_error(&real, &e))?;
        Ok((real, kind))
    }

    /// Reads a file referenced from the kustomization in `root`, which it must not leave
    /// unless the restrictor is off. An `http://` or `https://` path is fetched, as kustomize's
    /// loader does, whatever the restrictor.
    pub fn read_file_bytes(&self, root: &Utf8Path, rel: &str) -> Result<(Utf8PathBuf, Vec<u8>)> {
        if crate::remote::is_remote_file(rel) {
            return Ok((Utf8PathBuf::from(rel), self.fetch(rel)?));
        }
        let (real, kind) = self.resolve(root, rel)?;
        if kind == FileKind::Dir {
            return Err(Error::new(format!("'{rel}' is a directory, expected a file")).with_kind(ErrorKind::Io));
        }
        self.check_within(root, &real, rel)?;
        let bytes = self.read_bytes(&real)?;
        Ok((real, bytes))
    }

    /// [`Loader::read_file_bytes`] for a file that must be UTF-8 text.
    pub fn read_file(&self, root: &Utf8Path, rel: &str) -> Result<(Utf8PathBuf, String)> {
        let (real, bytes) = self.read_file_bytes(root, rel)?;
        let text = String::from_utf8(bytes).map_err(|e| {
            Error::new(format!(
                "{real}: the file is not valid UTF-8 (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ))
            .with_kind(ErrorKind::Io)
        })?;
        Ok((real, text))
    }

    /// Turns the load restrictor on or off (a remote tree is always restricted); returns what it
    /// was.
    pub fn set_restrict(&mut self, restrict: bool) -> bool {
        std::mem::replace(&mut self.restrict, restrict)
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
            )
            .with_kind(ErrorKind::Restricted));
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
                        .help("keep one of 'kustomization.yaml', 'kustomization.yml' and 'Kustomization'")
                        .with_kind(ErrorKind::Kustomization));
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
            )
            .with_kind(ErrorKind::NotFound));
        };
        let bytes = self.read_bytes(&file)?;
        let text = String::from_utf8(bytes)
            .map_err(|_| Error::new("the file is not valid UTF-8").in_file(&file).with_kind(ErrorKind::Io))?;
        // Like kustomize, only the first document counts.
        let doc =
            self.parse_one(&text, Schema::V11).map_err(|e| limit_help(e).in_file(&file))?.unwrap_or_else(Node::null);
        let kustomization =
            Kustomization::from_node(&doc).map_err(|e| e.in_file(&file).with_kind(ErrorKind::Kustomization))?;
        let loaded = LoadedKustomization { dir: dir.to_owned(), file, kustomization };
        if let Some(observer) = self.observer {
            observer.kustomization(&loaded, &text, &doc);
        }
        Ok(loaded)
    }
}

/// A file system error on `path`: [`ErrorKind::NotFound`] or [`ErrorKind::Io`].
fn io_error(path: &Utf8Path, e: &std::io::Error) -> Error {
    let kind = if e.kind() == std::io::ErrorKind::NotFound { ErrorKind::NotFound } else { ErrorKind::Io };
    Error::new(format!("{path}: {}", io_reason(e))).with_kind(kind)
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
    objects(docs, &[], text, origin)
}

/// A hint for the errors of the build's limits: the flag that raises the one reached.
fn limit_help(e: YamlError) -> Error {
    let flag = match e.limit {
        Some(Limit::Documents) => "--max-documents",
        Some(Limit::AliasNodes) => "--max-alias-nodes",
        Some(Limit::Bytes) => "--max-text-bytes",
        Some(Limit::Nodes) => "--max-nodes",
        // Nesting has no flag (1,000 levels is far beyond any manifest).
        Some(_) | None => return Error::from(e),
    };
    Error::from(e)
        .help(format!("if the tree is trusted, raise the limit with {flag} (Options::limits for the library)"))
}

/// The Kubernetes objects of parsed documents (`kind: List` expanded).
/// `deferred`: the file's problems left for kustomize's conversion to JSON; each object keeps
/// those whose node it holds outside its annotations.
fn objects(docs: Vec<Node>, deferred: &[Deferred], text: &str, origin: &Utf8Path) -> Result<Vec<Resource>> {
    let mut out = Vec::with_capacity(docs.len());
    let mut src = TextLines { text, line_starts: Vec::new() };
    let several_pieces = crate::yaml::read::several_pieces(text);
    let mut ctx = ObjectCtx { src: &mut src, deferred, origin, several_pieces };
    for doc in docs {
        push_object(doc, &mut ctx, &mut out, false)?;
    }
    Ok(out)
}

/// What every object of one file is made with.
struct ObjectCtx<'c, 's> {
    src: &'c mut TextLines<'s>,
    deferred: &'c [Deferred],
    origin: &'c Utf8Path,
    /// Whether kyaml cuts the file into several pieces (see [`crate::yaml::read::several_pieces`]).
    several_pieces: bool,
}

/// Pushes the object `doc` (or the items of a List); `from_json`: kustomize read it from the
/// JSON text of a List's item (see [`through_json`]).
fn push_object(mut doc: Node, ctx: &mut ObjectCtx, out: &mut Vec<Resource>, from_json: bool) -> Result<()> {
    let origin = ctx.origin;
    if !matches!(doc.value, Value::Map(_)) {
        return Err(Error::new(format!("expected a Kubernetes object (a map), found a {}", doc.value.type_name()))
            .at(doc.pos)
            .in_file(origin));
    }
    let kind = doc.str_at(&["kind"]).unwrap_or_default();
    let is_list = kind.ends_with("List") && doc.get("items").is_some();
    if is_list {
        // kyaml's reader unwraps a `List` (or `ResourceList`) that is the file's one piece,
        // keeping its items' nodes; kustomize expands any other list (a `FooList`, a List among
        // other documents or followed by `---`, a List in a List) through JSON.
        let items_json = from_json || ctx.several_pieces || !matches!(kind, "List" | "ResourceList");
        // That expansion decodes the whole list first: a problem kustomize finds only when it
        // decodes (a bad tag, a duplicate key, ...) fails it here, wherever it is, annotations
        // included.
        if items_json && !ctx.deferred.is_empty() {
            if let Some(p) = crate::resource::pending_in(&doc, origin, ctx.deferred).into_iter().next() {
                return Err(Error::from(p.problem.error).in_file(origin).help(
                    "kustomize converts a list kind's items through JSON when it reads the file, and fails on this",
                ));
            }
        }
        let items = match doc.as_map_mut().and_then(|m| m.shift_remove("items")) {
            Some(Node { value: Value::Seq(items), .. }) => items,
            Some(Node { value: Value::Null, .. }) | None => Vec::new(),
            Some(other) => {
                return Err(Error::new("the items of a List must be a list").at(other.pos).in_file(origin));
            }
        };
        for item in items {
            push_object(item, ctx, out, items_json)?;
        }
        return Ok(());
    }
    validate_object(&doc).map_err(|e| e.in_file(origin))?;
    later_annotations(&mut doc, ctx.deferred);
    let src = &mut *ctx.src;
    let mut empty_nulls = Vec::new();
    let mut texts = Vec::new();
    let flow = from_json || src.at(doc.pos).starts_with('{');
    if from_json {
        through_json(&mut doc);
    } else {
        find_empty_nulls(&doc, src, &mut empty_nulls);
        if let Some(map) = doc.get_mut("metadata").and_then(|m| m.get_mut("annotations")).and_then(Node::as_map_mut) {
            binary_as_text(map, src);
        }
        for field in ["labels", "annotations"] {
            if let Some(map) = doc.get("metadata").and_then(|m| m.get(field)).and_then(Node::as_map) {
                written_texts(map, src, &empty_nulls, &mut texts);
            }
        }
    }
    let mut r = Resource::new(doc, origin.to_owned());
    r.flow = flow;
    r.metadata_texts = texts;
    r.empty_nulls = empty_nulls;
    if !ctx.deferred.is_empty() {
        r.deferred = crate::resource::pending_in(&r.node, origin, ctx.deferred);
    }
    out.push(r);
    Ok(())
}

/// What kustomize's expansion of a List through JSON (`json.Marshal` of the decoded item, read
/// again by kyaml) leaves of an item: every scalar in its canonical text, strings double-quoted
/// (a patch's non-string written over one becomes a string, see `Node::written_over`), every
/// null a written `null`; the object prints in flow style (see [`Resource::flow`]).
fn through_json(n: &mut Node) {
    let written = n.written.take();
    n.untagged = false;
    match &mut n.value {
        Value::Str(s) => {
            // A folded string decodes to the text as read, not go-yaml's reprint of it (kept in
            // `written`).
            if let (Style::Folded, Some(w)) = (n.style, written) {
                *s = w.text.into();
            }
            n.style = Style::Quoted;
        }
        Value::Map(m) => m.values_mut().for_each(through_json),
        Value::Seq(items) => items.iter_mut().for_each(through_json),
        _ => n.style = Style::Plain,
    }
}

/// kustomize reads `metadata.annotations` as a string map (kyaml's GetAnnotations: selectors,
/// transformers, and the rewrite before printing): of a duplicate key it sees the last value
/// (the reader keeps the first, as kyaml's field lookups find it).
fn later_annotations(doc: &mut Node, deferred: &[Deferred]) {
    if deferred.iter().all(|d| d.later.is_none()) {
        return;
    }
    let Some(annotations) = doc.get_mut("metadata").and_then(|m| m.get_mut("annotations")) else { return };
    let at = annotations.pos;
    let Some(map) = annotations.as_map_mut() else { return };
    for d in deferred.iter().filter(|d| d.node == at) {
        if let Some((key, value)) = &d.later {
            map.insert(key.clone(), value.clone());
        }
    }
}

/// A file's text, with the offsets of its lines (computed when first needed).
struct TextLines<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl TextLines<'_> {
    /// The rest of the line from `pos`.
    fn at(&mut self, pos: Pos) -> &str {
        if self.line_starts.is_empty() {
            self.line_starts.push(0);
            self.line_starts.extend(memchr::memchr_iter(b'\n', self.text.as_bytes()).map(|i| i + 1));
        }
        let Some(l) = (pos.line as usize).checked_sub(1) else { return "" };
        let Some(&start) = self.line_starts.get(l) else { return "" };
        // The line ends before the next one starts (no search for its end).
        let end = self.line_starts.get(l + 1).map_or(self.text.len(), |next| next - 1);
        let line = self.text.get(start..end).unwrap_or_default();
        // Columns count characters; over ASCII they are byte offsets.
        let skip = (pos.col as usize).saturating_sub(1);
        let at = match line.get(..skip) {
            Some(before) if before.is_ascii() => Some(skip),
            _ => line.char_indices().nth(skip).map(|(i, _)| i),
        };
        at.and_then(|i| line.get(i..)).unwrap_or_default()
    }
}

/// The nulls written as an empty value (`key:`, the reader places them at the `:`; a list's
/// `-` with nothing after it, placed after the `-`): kyaml tells them from a written `null` or
/// `~` (a strategic-merge patch drops them, an annotation prints as `""`, go-yaml's flow style
/// writes them `''`), so the build remembers where they are.
fn find_empty_nulls(n: &Node, src: &mut TextLines, out: &mut Vec<Pos>) {
    match &n.value {
        Value::Null if !n.pos.is_synthetic() && src.at(n.pos).starts_with(':') => out.push(n.pos),
        Value::Map(m) => m.values().for_each(|v| find_empty_nulls(v, src, out)),
        Value::Seq(items) => {
            for v in items {
                let rest = if v.is_null() && !v.pos.is_synthetic() { src.at(v.pos).trim_start() } else { "x" };
                if rest.is_empty() || rest.starts_with('#') {
                    out.push(v.pos);
                } else {
                    find_empty_nulls(v, src, out);
                }
            }
        }
        _ => {}
    }
}

/// kyaml reads annotations as a map of each value node's text, its tag ignored: an annotation
/// written `!!binary True` is the string `True`, not the bytes it decodes to (labels keep the
/// decoded value). Only a plain text on the tag's line is taken; a block one stays decoded.
fn binary_as_text(map: &mut crate::yaml::node::Map, src: &mut TextLines) {
    for v in map.values_mut() {
        if !matches!(v.value, Value::Str(_)) || v.pos.is_synthetic() {
            continue;
        }
        let rest = src.at(v.pos);
        let Some(after) = rest.strip_prefix("!!binary ") else { continue };
        let end = after.find([',', '}', ']']).unwrap_or(after.len());
        let mut text = &after[..end];
        if let Some(i) = text.find(" #") {
            text = &text[..i];
        }
        let text = text.trim();
        if text.is_empty() || text.starts_with(['"', '\'', '|', '>', '&', '!', '#']) {
            continue;
        }
        v.value = Value::Str(text.to_string());
    }
}

/// How each label or annotation value that the reader changed was written (`1.50`, `~`,
/// `0o17`, `2001-12-14`, or nothing): kustomize prints annotation values, and the labels of a
/// patch it copies, as strings taken from the source text (see [`Resource::metadata_texts`]).
/// Values written in a form this does not read back (tags, anchors, quotes) are left out and
/// print in their canonical form.
fn written_texts(
    map: &crate::yaml::node::Map,
    src: &mut TextLines,
    empty_nulls: &[Pos],
    out: &mut Vec<(String, Pos, String)>,
) {
    for (k, v) in map {
        if matches!(v.value, Value::Map(_) | Value::Seq(_)) || v.pos.is_synthetic() {
            continue;
        }
        if empty_nulls.contains(&v.pos) {
            out.push((k.clone(), v.pos, String::new()));
            continue;
        }
        let rest = src.at(v.pos);
        let end = rest.find([',', '}', ']']).unwrap_or(rest.len());
        let mut raw = &rest[..end];
        if let Some(i) = raw.find(" #") {
            raw = &raw[..i];
        }
        let raw = raw.trim();
        if raw.starts_with(['!', '&', '*', '"', '\'', '#', '|', '>']) {
            continue;
        }
        // A string the reader kept as written needs nothing (a date is one it rewrote).
        if matches!(&v.value, Value::Str(s) if s == raw) {
            continue;
        }
        // The slice must read back as the value itself.
        let back = parse_one(raw, Schema::V3).ok().flatten().map_or(Value::Null, |n| n.value);
        if back == v.value {
            out.push((k.clone(), v.pos, raw.to_string()));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_position_gives_the_rest_of_its_line_counting_columns_in_characters() {
        let mut src = TextLines { text: "a: 1\nb: é: x\r\nc:\n", line_starts: Vec::new() };
        assert_eq!(src.at(Pos::new(1, 2)), ": 1");
        assert_eq!(src.at(Pos::new(2, 5)), ": x\r");
        assert_eq!(src.at(Pos::new(3, 2)), ":");
        assert_eq!(src.at(Pos::new(3, 3)), "");
        assert_eq!(src.at(Pos::new(3, 9)), "");
        assert_eq!(src.at(Pos::new(4, 1)), "");
        assert_eq!(src.at(Pos::new(9, 1)), "");
    }

    const LIST: &str = "kind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c\n    annotations:\n      a: 1.50\n  data:\n    k: x\n    l:\n    - \n";

    #[test]
    fn a_list_alone_in_its_file_keeps_its_items_as_written() {
        let rs = parse_resources(LIST, "r.yaml".into()).unwrap();
        assert!(!rs[0].flow);
        assert_eq!(rs[0].metadata_texts.len(), 1, "`1.50` prints as written");
        assert_eq!(rs[0].empty_nulls, vec![Pos::new(12, 7)], "the empty item is known");
        assert_eq!(rs[0].node.get("data").unwrap().get("k").unwrap().style, Style::Plain);
    }

    #[test]
    fn an_annotation_tagged_binary_is_its_text_and_a_label_its_bytes() {
        let src = "kind: ConfigMap\nmetadata:\n  name: c\n  annotations:\n    a: !!binary True\n    b: !!binary |\n      aGk=\n  labels:\n    l: !!binary aGk=\n";
        let rs = parse_resources(src, "r.yaml".into()).unwrap();
        let meta = rs[0].node.get("metadata").unwrap();
        let text = |f: &str, k: &str| meta.get(f).unwrap().get(k).unwrap().as_str().unwrap().to_string();
        assert_eq!(text("annotations", "a"), "True");
        assert_eq!(text("annotations", "b"), "hi", "a block text stays decoded");
        assert_eq!(text("labels", "l"), "hi");
    }

    #[test]
    fn a_list_among_other_pieces_goes_through_json() {
        let rs = parse_resources(&format!("{LIST}---\n"), "r.yaml".into()).unwrap();
        assert!(rs[0].flow);
        assert!(rs[0].metadata_texts.is_empty() && rs[0].empty_nulls.is_empty());
        let annotation = rs[0].node.get("metadata").unwrap().get("annotations").unwrap().get("a").unwrap();
        assert!(annotation.written.is_none(), "`1.50` is the float 1.5 now");
        assert_eq!(rs[0].node.get("data").unwrap().get("k").unwrap().style, Style::Quoted);
    }

    #[test]
    fn a_file_written_in_flow_style_is_held_in_flow_style() {
        let rs = parse_resources("{apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\n", "r.yaml".into()).unwrap();
        assert!(rs[0].flow);
    }
}
