//! The replacement transformer (`replacements:`): copies a field of one object (the source) into
//! fields of others (the targets), as kustomize v5.5 does.
//!
//! - The source is the one object selected by group/version/kind/name/namespace, matched
//!   against its current and previous ids; its `fieldPath` (default `metadata.name`) must exist.
//! - Targets are selected the same way (plus label and annotation selectors), minus `reject`ed
//!   ones; each field path must reach at least one field. Path segments are map keys, list
//!   indexes (`0`), `*` (every list element) and `[key=regex]` (list elements whose `key`
//!   matches the unanchored regex; `[=regex]` for lists of scalars); `\.` is a dot in a key.
//! - A scalar target keeps its type and takes the source's text (`"8080"` into an int field
//!   makes `8080`); other targets are replaced by the source value.
//! - `options.delimiter`/`index` pick a part of the source, or replace a part of the target;
//!   `options.create` makes missing fields.
//! - An entry `{path: file.yaml}` reads one replacement, or a list of them, from a file.

use crate::accumulate::Accumulator;
use crate::ctx::Ctx;
use crate::error::{bail, Error, Result};
use crate::load::LoadedKustomization;
use crate::resource::{Gvk, ResId, Resource};
use crate::trace::{self, Attribution};
use crate::transform::labelselector::LabelSelector;
use crate::transform::Site;
use crate::yaml::node::{Map, Node, Pos, Value};
use crate::yaml::read::{resolve_plain, Schema};
use regex::Regex;

/// The field path used when none is given.
const DEFAULT_FIELD_PATH: &str = "metadata.name";

/// Which objects a source, target or reject names (empty fields match anything).
#[derive(Clone, Debug, Default, PartialEq)]
struct IdSelector {
    gvk: Gvk,
    name: String,
    namespace: String,
}

impl IdSelector {
    fn is_empty(&self) -> bool {
        self.gvk == Gvk::default() && self.name.is_empty() && self.namespace.is_empty()
    }

    /// kustomize's `ResId.IsSelectedBy`. Namespaces compare with an empty one read as
    /// `default`, for every kind: here kustomize does not know which kinds are cluster-scoped
    /// (`namespace: default` selects a Namespace object; checked with kubectl).
    fn selects(&self, id: &ResId) -> bool {
        let effective = |ns: &str| if ns.is_empty() { "default".to_string() } else { ns.to_string() };
        (self.name.is_empty() || self.name == id.name)
            && (self.namespace.is_empty() || effective(&self.namespace) == effective(&id.namespace))
            && (self.gvk.group.is_empty() || self.gvk.group == id.gvk.group)
            && (self.gvk.version.is_empty() || self.gvk.version == id.gvk.version)
            && (self.gvk.kind.is_empty() || self.gvk.kind == id.gvk.kind)
    }

    /// kustomize's printed form of the selector (`Kind.version.group/name.namespace`).
    fn display(&self) -> String {
        let ns = if self.namespace.is_empty() { "[noNs]" } else { &self.namespace };
        let name = if self.name.is_empty() { "[noName]" } else { &self.name };
        format!("{}/{}.{}", self.gvk.id_string(), name, ns)
    }
}

/// `select` and `reject` entries.
#[derive(Clone, Debug, Default)]
struct Selector {
    id: IdSelector,
    labels: Option<LabelSelector>,
    annotations: Option<LabelSelector>,
}

impl Selector {
    /// Whether the label and annotation selectors (if any) match.
    fn matches_meta(&self, r: &Resource) -> bool {
        self.labels.as_ref().is_none_or(|s| s.matches(r.meta_map("labels")))
            && self.annotations.as_ref().is_none_or(|s| s.matches(r.meta_map("annotations")))
    }
}

#[derive(Clone, Debug, Default)]
struct FieldOptions {
    delimiter: String,
    index: i64,
    create: bool,
}

#[derive(Clone, Debug)]
struct Source {
    id: IdSelector,
    field_path: String,
    options: FieldOptions,
}

#[derive(Clone, Debug)]
struct Target {
    /// Where the target was written.
    pos: Pos,
    select: Option<Selector>,
    reject: Vec<Selector>,
    field_paths: Vec<String>,
    options: FieldOptions,
}

/// One replacement, with where it was written for messages.
#[derive(Clone, Debug)]
struct Replacement {
    source: Option<Source>,
    targets: Option<Vec<Target>>,
    pos: Pos,
}

/// Runs the kustomization's `replacements` over the accumulated resources.
pub fn run(ctx: &mut Ctx, lk: &LoadedKustomization, acc: &mut Accumulator) -> Result<()> {
    let entries = &lk.kustomization.replacements;
    if entries.is_empty() {
        return Ok(());
    }
    replace(ctx, Site::of(lk), entries, acc)
}

/// Runs replacements (kustomize's ReplacementTransformer): each entry an inline replacement,
/// or `{path: file}` naming a file of one or a list of them, read from `site.dir`.
pub fn replace(ctx: &mut Ctx, site: Site, entries: &[Node], acc: &mut Accumulator) -> Result<()> {
    let mut all = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let at = |e: Error| e.in_file(site.file).at(entry.pos).context(format!("in replacement {}", i + 1));
        match path_entry(entry).map_err(at)? {
            Some(path) => {
                let (file, text) = ctx.loader.read_file(site.dir, &path).map_err(at)?;
                let in_file = |e: Error| {
                    e.in_file(&file).context(format!("in replacement {} (from '{path}')", i + 1)).in_file(site.file)
                };
                let doc = ctx
                    .loader
                    .parse_one(&text, Schema::V3)
                    .map_err(|e| in_file(Error::from(e)))?
                    .unwrap_or_else(Node::null);
                let parsed = match &doc.value {
                    Value::Seq(items) => items.iter().map(parse_replacement).collect::<Result<Vec<_>>>(),
                    Value::Map(_) => parse_replacement(&doc).map(|r| vec![r]),
                    other => Err(Error::new(format!(
                        "unsupported replacement type encountered within replacement path: {}",
                        other.type_name()
                    ))),
                };
                all.extend(parsed.map_err(in_file)?.into_iter().map(|r| (i, r, Some((file.clone(), path.clone())))));
            }
            None => all.push((i, parse_replacement(entry).map_err(at)?, None)),
        }
    }
    for (i, (entry, r, from)) in all.iter().enumerate() {
        trace::begin(&mut ctx.tracer, &mut acc.resources);
        let unmatched = apply(r, &mut acc.resources).map_err(|e| {
            let e = match from {
                Some((file, path)) => e.in_file(file).at(r.pos).context(format!("in replacement from '{path}'")),
                None => e.at(r.pos).context(format!("in replacement {}", i + 1)),
            };
            e.in_file(site.file)
        })?;
        let file = from.as_ref().map_or(site.file, |(f, _)| f.as_path());
        trace::end(&mut ctx.tracer, &mut acc.resources, || {
            let mut step = Attribution::at(format!("replacements[{entry}]"), file, r.pos);
            if let Some(source) = &r.source {
                let path = if source.field_path.is_empty() { DEFAULT_FIELD_PATH } else { &source.field_path };
                let what = match (source.id.gvk.kind.as_str(), source.id.name.as_str()) {
                    ("", name) => name.to_string(),
                    (kind, "") => kind.to_string(),
                    (kind, name) => format!("{kind}/{name}"),
                };
                step = step.detail(format!("from {what} {path}"));
            }
            step
        });
        for &j in &unmatched {
            let Some(t) = r.targets.as_ref().and_then(|ts| ts.get(j)) else { continue };
            let Some(sel) = &t.select else { continue };
            let opt = |s: &str| Some(s.to_string()).filter(|s| !s.is_empty());
            ctx.sink.unmatched_target(
                file,
                t.pos,
                &format!("replacements entry {}, target {},", entry + 1, j + 1),
                opt(&sel.id.gvk.kind).as_deref(),
                opt(&sel.id.name).as_deref(),
                &acc.resources,
            );
        }
    }
    Ok(())
}

/// The `path` of an entry that names a file, refusing one that also has inline fields.
fn path_entry(entry: &Node) -> Result<Option<String>> {
    let Some(map) = entry.as_map() else { return Ok(None) };
    let mut path = None;
    let mut inline = false;
    for (k, v) in map {
        match k.to_ascii_lowercase().as_str() {
            "path" => path = Some(string(v, "path")?),
            "source" | "targets" => inline |= !v.is_null(),
            _ => {}
        }
    }
    match path {
        Some(p) if !p.is_empty() => {
            if inline {
                bail!("cannot specify both path and inline replacement");
            }
            Ok(Some(p))
        }
        _ => Ok(None),
    }
}

// ------------------------------------------------------------------------------------------------
// Parsing
// ------------------------------------------------------------------------------------------------

fn fields(v: &Node, what: &str) -> Result<Vec<(String, String, Node)>> {
    match &v.value {
        Value::Null => Ok(Vec::new()),
        Value::Map(m) => Ok(m.iter().map(|(k, n)| (k.to_ascii_lowercase(), k.clone(), n.clone())).collect()),
        other => Err(Error::new(format!("{what} must be a map, found a {}", other.type_name())).at(v.pos)),
    }
}

fn unknown(key: &str, v: &Node) -> Error {
    Error::new(format!("json: unknown field \"{key}\"")).at(v.pos)
}

fn string(v: &Node, key: &str) -> Result<String> {
    match &v.value {
        Value::Null => Ok(String::new()),
        Value::Str(s) => Ok(s.clone()),
        other => Err(Error::new(format!("'{key}' must be a string, found a {}", other.type_name())).at(v.pos)),
    }
}

fn parse_replacement(v: &Node) -> Result<Replacement> {
    let mut r = Replacement { source: None, targets: None, pos: v.pos };
    for (k, key, n) in fields(v, "a replacement")? {
        match k.as_str() {
            "source" if !n.is_null() => r.source = Some(parse_source(&n)?),
            "targets" if !n.is_null() => {
                let items =
                    n.as_seq().ok_or_else(|| Error::new("'targets' must be a list of target selectors").at(n.pos))?;
                r.targets = Some(items.iter().map(parse_target).collect::<Result<_>>()?);
            }
            "source" | "targets" | "path" => {}
            _ => return Err(unknown(&key, &n)),
        }
    }
    Ok(r)
}

/// Reads the id fields shared by sources and selectors; false when `k` is not one.
fn id_field(id: &mut IdSelector, k: &str, n: &Node) -> Result<bool> {
    let v = || string(n, k);
    match k {
        "group" => id.gvk.group = v()?,
        "version" => id.gvk.version = v()?,
        "kind" => id.gvk.kind = v()?,
        "name" => id.name = v()?,
        "namespace" => id.namespace = v()?,
        _ => return Ok(false),
    }
    Ok(true)
}

fn parse_source(v: &Node) -> Result<Source> {
    let mut s = Source { id: IdSelector::default(), field_path: String::new(), options: FieldOptions::default() };
    for (k, key, n) in fields(v, "a replacement source")? {
        if id_field(&mut s.id, &k, &n)? {
            continue;
        }
        match k.as_str() {
            "fieldpath" => s.field_path = string(&n, "fieldPath")?,
            "options" => s.options = parse_options(&n)?,
            _ => return Err(unknown(&key, &n)),
        }
    }
    Ok(s)
}

fn parse_selector(v: &Node) -> Result<Selector> {
    let mut s = Selector::default();
    for (k, key, n) in fields(v, "a selector")? {
        if id_field(&mut s.id, &k, &n)? {
            continue;
        }
        let parse = |n: &Node, what: &str| -> Result<Option<LabelSelector>> {
            let text = string(n, what)?;
            if text.is_empty() {
                return Ok(None);
            }
            LabelSelector::parse(&text).map(Some).map_err(|e| e.at(n.pos))
        };
        match k.as_str() {
            "labelselector" => s.labels = parse(&n, "labelSelector")?,
            "annotationselector" => s.annotations = parse(&n, "annotationSelector")?,
            _ => return Err(unknown(&key, &n)),
        }
    }
    Ok(s)
}

fn parse_target(v: &Node) -> Result<Target> {
    let mut t = Target {
        pos: v.pos,
        select: None,
        reject: Vec::new(),
        field_paths: Vec::new(),
        options: FieldOptions::default(),
    };
    for (k, key, n) in fields(v, "a replacement target")? {
        match k.as_str() {
            "select" if !n.is_null() => t.select = Some(parse_selector(&n)?),
            "select" => {}
            "reject" => {
                if let Some(items) = n.as_seq() {
                    t.reject = items.iter().map(parse_selector).collect::<Result<_>>()?;
                } else if !n.is_null() {
                    return Err(Error::new("'reject' must be a list of selectors").at(n.pos));
                }
            }
            "fieldpaths" => {
                if let Some(items) = n.as_seq() {
                    t.field_paths = items.iter().map(|i| string(i, "fieldPaths")).collect::<Result<_>>()?;
                } else if !n.is_null() {
                    return Err(Error::new("'fieldPaths' must be a list of strings").at(n.pos));
                }
            }
            "options" => t.options = parse_options(&n)?,
            _ => return Err(unknown(&key, &n)),
        }
    }
    Ok(t)
}

fn parse_options(v: &Node) -> Result<FieldOptions> {
    let mut o = FieldOptions::default();
    for (k, key, n) in fields(v, "options")? {
        match k.as_str() {
            "delimiter" => o.delimiter = string(&n, "delimiter")?,
            "index" => {
                o.index = match n.value {
                    Value::Null => 0,
                    Value::Int(i) => i,
                    _ => return Err(Error::new("'index' must be an integer").at(n.pos)),
                }
            }
            "create" => {
                o.create = match n.value {
                    Value::Null => false,
                    Value::Bool(b) => b,
                    _ => return Err(Error::new("'create' must be true or false").at(n.pos)),
                }
            }
            "encoding" => {
                let enc = string(&n, "encoding")?;
                if !enc.is_empty() {
                    bail!("options.encoding '{enc}' is not supported");
                }
            }
            _ => return Err(unknown(&key, &n)),
        }
    }
    Ok(o)
}

// ------------------------------------------------------------------------------------------------
// Applying
// ------------------------------------------------------------------------------------------------

/// Applies one replacement; returns the indexes of the targets that selected no resource.
fn apply(r: &Replacement, resources: &mut [Resource]) -> Result<Vec<usize>> {
    let (Some(source), Some(targets)) = (&r.source, &r.targets) else {
        bail!("replacements must specify a source and at least one target");
    };
    let value = source_value(source, resources)?;
    let mut unmatched = Vec::new();
    for (ti, t) in targets.iter().enumerate() {
        let mut selected = false;
        let Some(select) = &t.select else { bail!("target must specify resources to select") };
        let default_paths = [DEFAULT_FIELD_PATH.to_string()];
        let paths: &[String] = if t.field_paths.is_empty() { &default_paths } else { &t.field_paths };
        let compiled = paths.iter().map(|p| TargetPath::parse(p)).collect::<Result<Vec<_>>>()?;
        for res in resources.iter_mut() {
            if !select.matches_meta(res) {
                continue;
            }
            let ids = res.ids();
            if !ids.iter().any(|id| select.id.selects(id)) {
                continue;
            }
            selected = true;
            if t.reject.iter().any(|rj| (rj.labels.is_some() || rj.annotations.is_some()) && rj.matches_meta(res)) {
                continue;
            }
            if t.reject.iter().any(|rj| !rj.id.is_empty() && ids.iter().any(|id| rj.id.selects(id))) {
                continue;
            }
            let res_id = res.id();
            for path in &compiled {
                path.apply(&mut res.node, &value, &t.options)
                    .map_err(|e| e.context(format!("in target {res_id}, field path '{}'", path.text)))?;
                // kyaml writes the value into the target's node: fields sharing it change too.
                res.sync_shared();
            }
        }
        if !selected {
            unmatched.push(ti);
        }
    }
    Ok(unmatched)
}

// ------------------------------------------------------------------------------------------------
// The source
// ------------------------------------------------------------------------------------------------

/// The kind of a scalar, which kustomize keeps as the node's tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tag {
    Null,
    Bool,
    Int,
    Float,
    Str,
}

impl Tag {
    fn of(v: &Value) -> Option<Tag> {
        Some(match v {
            Value::Null => Tag::Null,
            Value::Bool(_) => Tag::Bool,
            Value::Int(_) | Value::UInt(_) => Tag::Int,
            Value::Float(_) => Tag::Float,
            Value::Str(_) => Tag::Str,
            Value::Seq(_) | Value::Map(_) => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Tag::Null => "null",
            Tag::Bool => "bool",
            Tag::Int => "int",
            Tag::Float => "float",
            Tag::Str => "str",
        }
    }
}

/// A value to copy: a scalar (its tag and text, as a YAML node holds them) or a whole tree.
#[derive(Clone, Debug)]
enum Val {
    Scalar(Tag, String),
    Tree(Node),
}

impl Val {
    /// The text a scalar node would hold (empty for maps and lists, as in kustomize).
    fn text(&self) -> &str {
        match self {
            Val::Scalar(_, t) => t,
            Val::Tree(_) => "",
        }
    }

    /// The node this value becomes when it replaces a whole field.
    fn to_node(&self) -> Result<Node> {
        match self {
            Val::Scalar(tag, text) => Ok(Node::new(typed(*tag, text)?)),
            Val::Tree(n) => Ok(n.clone()),
        }
    }
}

/// The text `text` decoded as a value of type `tag` (kustomize keeps the tag and swaps the
/// text, then decodes): `"8080"` as an int is `8080`, `"abc"` as an int is an error.
fn typed(tag: Tag, text: &str) -> Result<Value> {
    if tag == Tag::Str {
        return Ok(Value::Str(text.to_string()));
    }
    let resolved = resolve_plain(text, Schema::V3);
    let got = Tag::of(&resolved).unwrap_or(Tag::Str);
    match (tag, resolved) {
        (Tag::Int, v @ (Value::Int(_) | Value::UInt(_))) => Ok(v),
        (Tag::Float, Value::Int(i)) => Ok(Value::Float(i as f64)),
        (Tag::Float, Value::UInt(u)) => Ok(Value::Float(u as f64)),
        (Tag::Float, v @ Value::Float(_)) => Ok(v),
        (Tag::Bool, v @ Value::Bool(_)) => Ok(v),
        (Tag::Null, Value::Null) => Ok(Value::Null),
        _ => bail!("yaml: cannot decode !!{} `{text}` as a !!{}", got.name(), tag.name()),
    }
}

fn source_value(source: &Source, resources: &[Resource]) -> Result<Val> {
    let mut found: Option<&Resource> = None;
    for r in resources {
        if r.ids().iter().any(|id| source.id.selects(id)) {
            if found.is_some() {
                bail!("multiple matches for selector {}", source.id.display());
            }
            found = Some(r);
        }
    }
    let Some(r) = found else {
        let mut hint = String::from("no object matches the replacement's source");
        if !source.id.gvk.kind.is_empty() && !source.id.name.is_empty() {
            let objects: Vec<(&str, &str)> = resources.iter().map(|r| (r.kind(), r.name())).collect();
            hint = crate::error::missing_object_hint(&source.id.gvk.kind, &source.id.name, objects);
        }
        return Err(Error::new(format!("nothing selected by {}", source.id.display())).help(crate::error::sentences(
            &hint,
            "A replacement reads its value from exactly one object: correct the source's kind, name or \
                 namespace",
        )));
    };
    let path = if source.field_path.is_empty() { DEFAULT_FIELD_PATH } else { &source.field_path };
    let segments = split_path(path);
    // A source reading `metadata` or its annotations sees kustomize's build annotations too.
    let exposed;
    let doc = if segments.first().is_some_and(|s| s == "metadata") && segments.get(1).is_none_or(|s| s == "annotations")
    {
        let mut copy = r.clone();
        crate::build_metadata::expose(&mut copy);
        exposed = copy;
        &exposed.node
    } else {
        &r.node
    };
    let node = lookup(doc, &segments)
        .map_err(|e| Error::new(format!("error looking up replacement source: {}", e.message())))?;
    let node = match node {
        Some(n) if !is_nil_or_empty(n) => n,
        _ => {
            return Err(Error::new(format!(
                "fieldPath `{path}` is missing for replacement source {}",
                source.id.display()
            ))
            .help(format!(
                "the source object has no value at '{path}': fields are separated by '.', list items \
                 selected with [name=value], as in spec.template.spec.containers.[name=app].image"
            )))
        }
    };
    let val = match Tag::of(&node.value) {
        Some(tag) => Val::Scalar(tag, node.scalar_text().unwrap_or_default()),
        None => Val::Tree(node.clone()),
    };
    let o = &source.options;
    if o.delimiter.is_empty() {
        return Ok(val);
    }
    let Val::Scalar(tag, text) = val else { bail!("delimiter option can only be used with scalar nodes") };
    let parts: Vec<&str> = text.split(o.delimiter.as_str()).collect();
    match usize::try_from(o.index).ok().and_then(|i| parts.get(i)) {
        Some(part) => Ok(Val::Scalar(tag, part.to_string())),
        None => bail!("options.index {} is out of bounds for value {text}", o.index),
    }
}

fn is_nil_or_empty(n: &Node) -> bool {
    match &n.value {
        Value::Null => true,
        Value::Map(m) => m.is_empty(),
        Value::Seq(s) => s.is_empty(),
        _ => false,
    }
}

/// Splits a field path on dots, keeping `\.` as a dot and `[a.b=c]` whole; a bracketed segment
/// without `=` (`[a.b/c]`) is a plain key with the brackets removed. A leading dot is dropped
/// (`.spec.replicas` is `spec.replicas`), as kustomize's path splitter does.
pub(crate) fn split_path(path: &str) -> Vec<String> {
    let mut pieces: Vec<String> = Vec::new();
    let path = path.strip_prefix('.').unwrap_or(path);
    for p in path.split('.') {
        match pieces.last_mut() {
            Some(last) if last.ends_with('\\') => {
                last.pop();
                last.push('.');
                last.push_str(p);
            }
            _ => pieces.push(p.to_string()),
        }
    }
    let mut out = Vec::with_capacity(pieces.len());
    let mut i = 0;
    while i < pieces.len() {
        let piece = &pieces[i];
        if piece.starts_with('[') && !piece.ends_with(']') {
            let mut joined = piece.clone();
            while i + 1 < pieces.len() {
                i += 1;
                joined.push('.');
                joined.push_str(&pieces[i]);
                if pieces[i].ends_with(']') {
                    break;
                }
            }
            if joined.contains('=') {
                out.push(joined);
            } else {
                out.push(joined.trim_matches(|c| c == '[' || c == ']').to_string());
            }
        } else {
            out.push(piece.clone());
        }
        i += 1;
    }
    out
}

/// A non-negative list index, as Go's `strconv.Atoi` reads one.
fn index_number(s: &str) -> Option<usize> {
    let digits = s.strip_prefix('+').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn list_match(seg: &str) -> Option<&str> {
    seg.strip_prefix('[').and_then(|s| s.strip_suffix(']'))
}

fn split_match(inner: &str) -> Result<(&str, &str)> {
    inner
        .split_once('=')
        .ok_or_else(|| Error::new("list path element must contain fieldName=fieldValue for element to match"))
}

fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Map(_) => "MappingNode",
        Value::Seq(_) => "SequenceNode",
        _ => "ScalarNode",
    }
}

/// Reads the node at a source path (kustomize's `Lookup`): keys, indexes, `-` (the last
/// element) and `[key=value]` (the first element whose `key` is exactly `value`).
pub(crate) fn lookup<'a>(node: &'a Node, path: &[String]) -> Result<Option<&'a Node>> {
    let mut cur = node;
    for seg in path.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if cur.is_null() {
            return Ok(None);
        }
        let next = if let Ok(i) = seg.parse::<i64>() {
            if i < 0 {
                bail!("array index {i} cannot be negative");
            }
            let Some(items) = cur.as_seq() else {
                bail!("wrong node kind: expected SequenceNode but got {}", kind_name(&cur.value));
            };
            usize::try_from(i).ok().and_then(|i| items.get(i))
        } else if seg == "-" {
            let Some(items) = cur.as_seq() else {
                bail!("wrong node kind: expected SequenceNode but got {}", kind_name(&cur.value));
            };
            items.last()
        } else if let Some(inner) = list_match(seg) {
            let (key, want) = split_match(inner)?;
            let Some(items) = cur.as_seq() else {
                bail!("wrong node kind: expected SequenceNode but got {}", kind_name(&cur.value));
            };
            if key.is_empty() {
                items.iter().find(|e| e.scalar_text().as_deref() == Some(want))
            } else {
                items
                    .iter()
                    .find(|e| e.get(key).is_some_and(|v| !v.is_null() && v.scalar_text().as_deref() == Some(want)))
            }
        } else {
            let Some(map) = cur.as_map() else {
                bail!("wrong node kind: expected MappingNode but got {}", kind_name(&cur.value));
            };
            map.get(seg)
        };
        match next {
            Some(n) => cur = n,
            None => return Ok(None),
        }
    }
    Ok(Some(cur))
}

// ------------------------------------------------------------------------------------------------
// Targets
// ------------------------------------------------------------------------------------------------

/// One segment of a target path (kustomize's `PathMatcher`).
#[derive(Debug)]
enum Seg {
    Index(usize),
    /// `[key=regex]`; an empty key matches lists of scalars.
    Match {
        key: String,
        raw: String,
        regex: Regex,
    },
    Every,
    Key(String),
}

/// A parsed target field path.
#[derive(Debug)]
struct TargetPath {
    text: String,
    segs: Vec<Seg>,
}

/// What a missing node is created as.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Map,
    Seq,
    /// The last segment: a scalar, or the value itself when it is a tree.
    Leaf,
}

impl TargetPath {
    fn parse(text: &str) -> Result<TargetPath> {
        let mut segs = Vec::new();
        for s in split_path(text) {
            let seg = if let Some(i) = index_number(&s) {
                Seg::Index(i)
            } else if let Some(inner) = list_match(&s) {
                let (key, raw) = split_match(inner)?;
                let regex = Regex::new(raw).map_err(|e| Error::new(format!("invalid regex '{raw}' in '{s}': {e}")))?;
                Seg::Match { key: key.to_string(), raw: raw.to_string(), regex }
            } else if s == "*" {
                Seg::Every
            } else {
                Seg::Key(s)
            };
            segs.push(seg);
        }
        Ok(TargetPath { text: text.to_string(), segs })
    }

    fn apply(&self, node: &mut Node, value: &Val, options: &FieldOptions) -> Result<()> {
        // kustomize v5.5.0 allows `create` with `*`: fields are made under every element.
        let create = options.create;
        let what = if create { "unable to find or create field" } else { "unable to find field" };
        let mut hits = 0usize;
        let mut set = |target: &mut Node, fresh: bool| -> Result<()> {
            hits += 1;
            set_field(target, fresh, value, options)
        };
        walk(node, &self.segs, create, false, &mut set)
            .map_err(|e| Error::new(format!("{what} {:?} in replacement target: {}", self.text, e.message())))?;
        if hits == 0 {
            bail!("{what} {:?} in replacement target", self.text);
        }
        Ok(())
    }
}

fn shape_of(next: Option<&Seg>) -> Shape {
    match next {
        None => Shape::Leaf,
        Some(Seg::Index(_) | Seg::Match { .. }) => Shape::Seq,
        Some(_) => Shape::Map,
    }
}

fn fresh_node(shape: Shape) -> Node {
    match shape {
        Shape::Map => Node::map(),
        Shape::Seq => Node::seq(Vec::new()),
        Shape::Leaf => Node::null(),
    }
}

/// Walks `segs` from `node`, calling `f` on every node reached (with whether it was just made).
fn walk(
    node: &mut Node,
    segs: &[Seg],
    create: bool,
    fresh: bool,
    f: &mut dyn FnMut(&mut Node, bool) -> Result<()>,
) -> Result<()> {
    let Some((seg, rest)) = segs.split_first() else {
        return f(node, fresh);
    };
    if node.is_null() {
        if !create {
            // Nothing below a null; kustomize's index lookup still counts its (zero) elements.
            return match seg {
                Seg::Index(i) => bail!("index {i} specified but only 0 elements found"),
                _ => Ok(()),
            };
        }
        // A null on the way is made into what the path needs.
        *node = fresh_node(if matches!(seg, Seg::Key(_)) { Shape::Map } else { Shape::Seq });
    }
    match seg {
        Seg::Key(key) => {
            let kind = kind_name(&node.value);
            let Value::Map(map) = &mut node.value else {
                bail!("wrong node kind: expected MappingNode but got {kind}");
            };
            let mut made = false;
            if !map.contains_key(key) {
                if !create {
                    return Ok(());
                }
                map.insert(key.clone(), fresh_node(shape_of(rest.first())));
                made = true;
            }
            match map.get_mut(key) {
                Some(child) => walk(child, rest, create, made, f),
                None => Ok(()),
            }
        }
        Seg::Index(i) => {
            let items = seq_of(node)?;
            if create && *i == items.len() {
                items.push(fresh_node(shape_of(rest.first())));
                let last = items.len() - 1;
                return match items.get_mut(last) {
                    Some(child) => walk(child, rest, create, true, f),
                    None => Ok(()),
                };
            }
            let len = items.len();
            match items.get_mut(*i) {
                Some(child) => walk(child, rest, create, false, f),
                None => bail!("index {i} specified but only {len} elements found"),
            }
        }
        Seg::Every => {
            for child in seq_of(node)?.iter_mut() {
                walk(child, rest, create, false, f)?;
            }
            Ok(())
        }
        Seg::Match { key, raw, regex } => {
            let items = seq_of(node)?;
            let matches = |e: &Node| -> bool {
                let text = if key.is_empty() {
                    e.scalar_text()
                } else {
                    e.get(key).filter(|v| !v.is_null()).and_then(Node::scalar_text)
                };
                text.is_some_and(|t| regex.is_match(t.trim()))
            };
            if create && !items.iter().any(matches) {
                let elem = if key.is_empty() {
                    Node::new(resolve_plain(raw, Schema::V3))
                } else {
                    let mut m = Map::default();
                    m.insert(key.clone(), Node::new(resolve_plain(raw, Schema::V3)));
                    Node::new(Value::Map(m))
                };
                items.push(elem);
            }
            for child in items.iter_mut() {
                if matches(&*child) {
                    walk(child, rest, create, false, f)?;
                }
            }
            Ok(())
        }
    }
}

fn seq_of(node: &mut Node) -> Result<&mut Vec<Node>> {
    let kind = kind_name(&node.value);
    match &mut node.value {
        Value::Seq(items) => Ok(items),
        _ => bail!("wrong node kind: expected SequenceNode but got {kind}"),
    }
}

/// Sets one target field (kustomize's `setFieldValue`).
fn set_field(target: &mut Node, fresh: bool, value: &Val, options: &FieldOptions) -> Result<()> {
    let mut value = value.clone();
    let target_tag = Tag::of(&target.value);
    if !options.delimiter.is_empty() {
        if target_tag.is_none() {
            bail!("delimiter option can only be used with scalar nodes");
        }
        let current = if fresh { String::new() } else { target.scalar_text().unwrap_or_default() };
        let mut parts: Vec<String> = current.split(options.delimiter.as_str()).map(str::to_string).collect();
        let v = value.text().to_string();
        match usize::try_from(options.index) {
            Err(_) => parts.insert(0, v),
            Ok(i) if i >= parts.len() => parts.push(v),
            Ok(i) => {
                if let Some(p) = parts.get_mut(i) {
                    *p = v;
                }
            }
        }
        let joined = parts.join(&options.delimiter);
        value = match value {
            Val::Scalar(tag, _) => Val::Scalar(tag, joined),
            Val::Tree(_) => Val::Scalar(Tag::Str, joined),
        };
    }
    if fresh {
        // A field made by `create` has no type of its own: its text is read as plain YAML.
        target.value = match &value {
            Val::Scalar(_, text) => resolve_plain(text, Schema::V3),
            Val::Tree(n) => n.value.clone(),
        };
        return Ok(());
    }
    match target_tag {
        Some(tag) => target.value = typed(tag, value.text())?,
        None => target.value = value.to_node()?.value,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::read::parse_one;

    fn doc(s: &str) -> Node {
        parse_one(s, Schema::V3).unwrap().unwrap()
    }

    fn set(d: &mut Node, path: &str, value: Val, options: FieldOptions) -> Result<()> {
        TargetPath::parse(path)?.apply(d, &value, &options)
    }

    #[test]
    fn paths_split_like_kustomize() {
        assert_eq!(split_path("spec.replicas"), ["spec", "replicas"]);
        assert_eq!(split_path("spec.data.[name=f.i.r.s.t.].key"), ["spec", "data", "[name=f.i.r.s.t.]", "key"]);
        assert_eq!(split_path(r"spec\.replicas"), ["spec.replicas"]);
        assert_eq!(split_path(".metadata.annotations.[a.io/b]"), ["metadata", "annotations", "a.io/b"]);
        assert_eq!(split_path("."), [""]);
        assert_eq!(split_path(""), [""]);
        assert_eq!(split_path("metadata.annotations.[a.b.c/d.e.f-g.]"), ["metadata", "annotations", "a.b.c/d.e.f-g."]);
        assert_eq!(split_path("spec.data.[name=f.i.[r.s.t..key"), ["spec", "data", "[name=f.i.[r.s.t..key"]);
    }

    #[test]
    fn scalar_targets_keep_their_type() {
        let mut d = doc("spec:\n  replicas: 1\n  name: x\n  paused: false\n");
        set(&mut d, "spec.replicas", Val::Scalar(Tag::Str, "5".into()), FieldOptions::default()).unwrap();
        set(&mut d, "spec.name", Val::Scalar(Tag::Int, "8080".into()), FieldOptions::default()).unwrap();
        assert_eq!(d.get("spec").unwrap().get("replicas").unwrap().value, Value::Int(5));
        assert_eq!(d.str_at(&["spec", "name"]), Some("8080"));
        let err = set(&mut d, "spec.paused", Val::Scalar(Tag::Int, "5".into()), FieldOptions::default()).unwrap_err();
        assert!(err.message().contains("cannot decode !!int `5` as a !!bool"), "{}", err.message());
    }

    #[test]
    fn list_selectors_are_unanchored_regexes() {
        let mut d = doc("c:\n- name: app\n  image: a\n- name: other\n  image: b\n");
        set(&mut d, "c.[name=pp].image", Val::Scalar(Tag::Str, "z".into()), FieldOptions::default()).unwrap();
        let items = d.get("c").unwrap().as_seq().unwrap();
        assert_eq!(items[0].str_at(&["image"]), Some("z"));
        assert_eq!(items[1].str_at(&["image"]), Some("b"));
        set(&mut d, "c.*.image", Val::Scalar(Tag::Str, "w".into()), FieldOptions::default()).unwrap();
        assert_eq!(d.get("c").unwrap().as_seq().unwrap()[1].str_at(&["image"]), Some("w"));
    }

    #[test]
    fn missing_targets_are_errors_unless_created() {
        let mut d = doc("a:\n  b: 1\nl: [x]\n");
        let err = set(&mut d, "a.c", Val::Scalar(Tag::Str, "v".into()), FieldOptions::default()).unwrap_err();
        assert_eq!(err.message(), "unable to find field \"a.c\" in replacement target");
        let create = FieldOptions { create: true, ..FieldOptions::default() };
        set(&mut d, "a.c.d", Val::Scalar(Tag::Str, "8080".into()), create.clone()).unwrap();
        set(&mut d, "l.1", Val::Scalar(Tag::Str, "y".into()), create.clone()).unwrap();
        set(&mut d, "n.[name=new].v", Val::Scalar(Tag::Str, "yes".into()), create.clone()).unwrap();
        // Made fields read their text as plain YAML.
        assert_eq!(d.get("a").unwrap().get("c").unwrap().get("d").unwrap().value, Value::Int(8080));
        assert_eq!(d.get("l").unwrap().as_seq().unwrap().len(), 2);
        assert_eq!(d.get("n").unwrap().as_seq().unwrap()[0].str_at(&["v"]), Some("yes"));
        let err = set(&mut d, "l.5", Val::Scalar(Tag::Str, "y".into()), create).unwrap_err();
        assert!(err.message().contains("index 5 specified but only 2 elements found"));
    }

    #[test]
    fn delimiters_pick_and_replace_parts() {
        let mut d = doc("v: a.b.c\n");
        let opts = FieldOptions { delimiter: ".".into(), index: 1, create: false };
        set(&mut d, "v", Val::Scalar(Tag::Str, "X".into()), opts.clone()).unwrap();
        assert_eq!(d.str_at(&["v"]), Some("a.X.c"));
        set(&mut d, "v", Val::Scalar(Tag::Str, "E".into()), FieldOptions { index: 99, ..opts.clone() }).unwrap();
        set(&mut d, "v", Val::Scalar(Tag::Str, "S".into()), FieldOptions { index: -1, ..opts }).unwrap();
        assert_eq!(d.str_at(&["v"]), Some("S.a.X.c.E"));
    }

    #[test]
    fn lookups_follow_keys_indexes_and_matches() {
        let d = doc("spec:\n  c:\n  - name: a\n    port: 1\n  - name: b\n    port: 2\n");
        let path = split_path("spec.c.[name=b].port");
        assert_eq!(lookup(&d, &path).unwrap().unwrap().value, Value::Int(2));
        assert_eq!(lookup(&d, &split_path("spec.c.0.port")).unwrap().unwrap().value, Value::Int(1));
        assert!(lookup(&d, &split_path("spec.c.[name=z].port")).unwrap().is_none());
        assert!(lookup(&d, &split_path("spec.c.x")).is_err());
    }
}
