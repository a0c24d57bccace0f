//! The replacement transformer (`replacements:`): copies a field of one object (the source) into
//! fields of others (the targets), as kustomize v5.5 does.
//!
//! - The source is the one object selected by group/version/kind/name/namespace, matched
//!   against its current and previous ids; its `fieldPath` (default `metadata.name`) must exist.
//! - Targets are selected the same way (plus label and annotation selectors), minus `reject`ed
//!   ones; each field path must reach at least one field. Paths are `crate::fieldpath`'s
//!   language: map keys, list indexes (`0`), `*` (every list element) and `[key=regex]` (list
//!   elements whose `key` matches the unanchored regex; `[=regex]` for lists of scalars); `\.`
//!   is a dot in a key.
//! - A scalar target keeps its type and takes the source's text, as written (`"8080"` into an
//!   int field makes `8080`, `007` into a string field `"007"`); other targets are replaced by
//!   the source value. A scalar with no type of its own (a field `create` made, the value of a
//!   `[key=value]` element it made, or one kustomize wrote untagged before: a patched object's
//!   kind, name and namespace, an image the images transformer changed, a prefixed name) takes
//!   the text to be read again, in its style: `'0o17'` into a plain one makes 15, `NULL` null,
//!   `.NaN` a NaN that fails the build when the object is printed, as kustomize's conversion to
//!   JSON does (`Node::set_untagged`, `Resource::check_deferred`).
//! - `options.delimiter`/`index` pick a part of the source, or replace a part of the target;
//!   `options.create` makes missing fields.
//! - An entry `{path: file.yaml}` reads one replacement, or a list of them, from a file (read as
//!   `sigs.k8s.io/yaml` reads it: YAML 1.1, unknown fields ignored).
//! - Entries are decoded (`decode_entries`, through `crate::decode`) when the kustomization is
//!   read, files when the transformer runs; applying them walks no configuration node.

use crate::accumulate::Accumulator;
use crate::ctx::Ctx;
use crate::decode::{self, Field, Fields, Rules, Spanned};
use crate::error::{bail, Error, Result};
use crate::fieldpath::{locate, node_kind, FieldPath, Segment};
use crate::load::LoadedKustomization;
use crate::resource::{Gvk, ResId, Resource};
use crate::trace::{self, Attribution};
use crate::transform::labelselector::LabelSelector;
use crate::transform::Site;
use crate::yaml::node::{Map, Node, Pos, Value};
use crate::yaml::read::{resolve_plain, Schema};
use regex::Regex;
use std::borrow::Cow;

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
pub(crate) struct Selector {
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
pub(crate) struct FieldOptions {
    delimiter: String,
    index: i64,
    create: bool,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Source {
    id: IdSelector,
    field_path: String,
    options: FieldOptions,
}

#[derive(Clone, Debug)]
pub(crate) struct Target {
    /// Where the target was written.
    pos: Pos,
    select: Option<Selector>,
    reject: Vec<Selector>,
    field_paths: Vec<String>,
    options: FieldOptions,
}

/// One replacement, with where it was written for messages.
#[derive(Clone, Debug)]
pub(crate) struct Replacement {
    source: Option<Source>,
    targets: Option<Vec<Target>>,
    pos: Pos,
}

/// One entry of `replacements:`: a replacement, or the file (`path:`) holding one or a list.
#[derive(Clone, Debug)]
pub(crate) enum ReplacementEntry {
    Inline(Replacement),
    /// The file's path, and where the entry was written.
    Path(Spanned),
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
pub fn replace(ctx: &mut Ctx, site: Site, entries: &[ReplacementEntry], acc: &mut Accumulator) -> Result<()> {
    let mut all: Vec<(usize, Cow<Replacement>, _)> = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        match entry {
            ReplacementEntry::Path(Spanned { value: path, pos }) => {
                let at = |e: Error| e.in_file(site.file).at(*pos).context(format!("in replacement {}", i + 1));
                let (file, text) = ctx.loader.read_file(site.dir, path).map_err(at)?;
                let in_file = |e: Error| {
                    e.in_file(&file).context(format!("in replacement {} (from '{path}')", i + 1)).in_file(site.file)
                };
                // Read as `sigs.k8s.io/yaml` reads it: YAML 1.1, unknown fields ignored.
                let doc = ctx
                    .loader
                    .parse_one(&text, Schema::V11)
                    .map_err(|e| in_file(Error::from(e)))?
                    .unwrap_or_else(Node::null);
                let parsed = decode_file(&doc).map_err(in_file)?;
                all.extend(parsed.into_iter().map(|r| (i, Cow::Owned(r), Some((file.clone(), path.clone())))));
            }
            ReplacementEntry::Inline(r) => all.push((i, Cow::Borrowed(r), None)),
        }
    }
    for (i, (entry, r, from)) in all.iter().enumerate() {
        trace::begin(&mut ctx.tracer, &mut acc.resources);
        let unmatched = apply(r, &mut acc.resources, &ctx.build_metadata).map_err(|e| {
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

// ------------------------------------------------------------------------------------------------
// Decoding
// ------------------------------------------------------------------------------------------------

/// Decodes the entries of a `replacements` field (of a kustomization, or of a
/// ReplacementTransformer's configuration): kustomize's `ReplacementField`s.
pub(crate) fn decode_entries(f: &Field) -> Result<Vec<ReplacementEntry>> {
    f.objects("ReplacementField", "[]types.ReplacementField")?.into_iter().map(decode_entry).collect()
}

/// One entry: a replacement written inline, or `path:` naming a file (never both).
fn decode_entry(mut o: Fields) -> Result<ReplacementEntry> {
    let pos = o.pos();
    let mut r = Replacement { source: None, targets: None, pos };
    let mut path = String::new();
    while let Some(f) = o.next(&["source", "targets", "path"])? {
        match f.name {
            "path" => path = f.string()?.unwrap_or_default(),
            _ => decode_field(&mut r, &f)?,
        }
    }
    if path.is_empty() {
        return Ok(ReplacementEntry::Inline(r));
    }
    if r.source.is_some() || r.targets.as_ref().is_some_and(|t| !t.is_empty()) {
        return Err(Error::new("cannot specify both path and inline replacement").at(pos));
    }
    Ok(ReplacementEntry::Path(Spanned { value: path, pos }))
}

/// The replacements of a file: one, or a list of them.
fn decode_file(doc: &Node) -> Result<Vec<Replacement>> {
    let objects = match &doc.value {
        Value::Seq(_) => decode::root_objects(doc, Rules::JSON, "Replacement", "[]types.Replacement")?,
        Value::Map(_) => vec![Fields::root(doc, Rules::JSON, "Replacement", "types.Replacement")?],
        other => bail!("unsupported replacement type encountered within replacement path: {}", other.type_name()),
    };
    objects
        .into_iter()
        .map(|mut o| {
            let mut r = Replacement { source: None, targets: None, pos: o.pos() };
            while let Some(f) = o.next(&["source", "targets"])? {
                decode_field(&mut r, &f)?;
            }
            Ok(r)
        })
        .collect()
}

/// `source` or `targets`.
fn decode_field(r: &mut Replacement, f: &Field) -> Result<()> {
    if f.name == "source" {
        let Some(mut o) = f.object("SourceSelector", "types.SourceSelector")? else { return Ok(()) };
        let mut s = Source::default();
        while let Some(f) = o.next(&["group", "version", "kind", "name", "namespace", "fieldPath", "options"])? {
            match f.name {
                "fieldPath" => s.field_path = f.string()?.unwrap_or_default(),
                "options" => s.options = decode_options(&f)?,
                _ => id_field(&mut s.id, &f)?,
            }
        }
        r.source = Some(s);
    } else if !f.node.is_null() {
        r.targets = Some(
            f.objects("TargetSelector", "[]*types.TargetSelector")?
                .into_iter()
                .map(decode_target)
                .collect::<Result<_>>()?,
        );
    }
    Ok(())
}

/// One of the id fields shared by sources and selectors.
fn id_field(id: &mut IdSelector, f: &Field) -> Result<()> {
    let v = f.string()?.unwrap_or_default();
    match f.name {
        "group" => id.gvk.group = v,
        "version" => id.gvk.version = v,
        "kind" => id.gvk.kind = v,
        "name" => id.name = v,
        _ => id.namespace = v,
    }
    Ok(())
}

fn decode_selector(mut o: Fields) -> Result<Selector> {
    let mut s = Selector::default();
    let names = ["group", "version", "kind", "name", "namespace", "labelSelector", "annotationSelector"];
    while let Some(f) = o.next(&names)? {
        let selector = |f: &Field| -> Result<Option<LabelSelector>> {
            match f.string()?.filter(|t| !t.is_empty()) {
                None => Ok(None),
                Some(text) => LabelSelector::parse(&text).map(Some).map_err(|e| e.at(f.node.pos)),
            }
        };
        match f.name {
            "labelSelector" => s.labels = selector(&f)?,
            "annotationSelector" => s.annotations = selector(&f)?,
            _ => id_field(&mut s.id, &f)?,
        }
    }
    Ok(s)
}

fn decode_target(mut o: Fields) -> Result<Target> {
    let mut t = Target {
        pos: o.pos(),
        select: None,
        reject: Vec::new(),
        field_paths: Vec::new(),
        options: FieldOptions::default(),
    };
    while let Some(f) = o.next(&["select", "reject", "fieldPaths", "options"])? {
        match f.name {
            "select" => t.select = f.object("Selector", "types.Selector")?.map(decode_selector).transpose()?,
            "reject" => {
                t.reject = f
                    .objects("Selector", "[]*types.Selector")?
                    .into_iter()
                    .map(decode_selector)
                    .collect::<Result<_>>()?
            }
            "fieldPaths" => t.field_paths = f.strings()?.into_iter().map(|s| s.value).collect(),
            _ => t.options = decode_options(&f)?,
        }
    }
    Ok(t)
}

fn decode_options(f: &Field) -> Result<FieldOptions> {
    let mut o = FieldOptions::default();
    let Some(mut fields) = f.object("FieldOptions", "types.FieldOptions")? else { return Ok(o) };
    while let Some(f) = fields.next(&["delimiter", "index", "encoding", "create"])? {
        match f.name {
            "delimiter" => o.delimiter = f.string()?.unwrap_or_default(),
            "index" => o.index = f.int("int")?.unwrap_or(0),
            "create" => o.create = f.bool()?.unwrap_or(false),
            _ => {
                let enc = f.string()?.unwrap_or_default();
                if !enc.is_empty() {
                    return Err(Error::new(format!("options.encoding '{enc}' is not supported")).at(f.node.pos));
                }
            }
        }
    }
    Ok(o)
}

// ------------------------------------------------------------------------------------------------
// Applying
// ------------------------------------------------------------------------------------------------

/// Applies one replacement; returns the indexes of the targets that selected no resource.
fn apply(
    r: &Replacement,
    resources: &mut [Resource],
    tracking: &crate::build_metadata::Tracking,
) -> Result<Vec<usize>> {
    let (Some(source), Some(targets)) = (&r.source, &r.targets) else {
        bail!("replacements must specify a source and at least one target");
    };
    let (mut value, pointer) = source_value(source, resources, tracking)?;
    let mut unmatched = Vec::new();
    for (ti, t) in targets.iter().enumerate() {
        let mut selected = false;
        let Some(select) = &t.select else { bail!("target must specify resources to select") };
        let default_paths = [DEFAULT_FIELD_PATH.to_string()];
        let paths: &[String] = if t.field_paths.is_empty() { &default_paths } else { &t.field_paths };
        let compiled = paths.iter().map(|p| TargetPath::parse(p)).collect::<Result<Vec<_>>>()?;
        for (ri, res) in resources.iter_mut().enumerate() {
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
            // kyaml holds the source's node, found once, and writes each target in place: when a
            // target is the source's own field, the targets after it copy what was written
            // there (known by its keys and indexes: a `[name=x]` that found it may no longer
            // match the text written).
            for path in &compiled {
                let source_at = pointer.as_ref().filter(|(i, _)| *i == ri).map(|(_, at)| at.segments.as_slice());
                path.apply(&mut res.node, &mut value, &t.options, source_at)
                    .map_err(|e| e.context(format!("in target {res_id}, field path '{}'", path.path.text)))?;
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
    /// The value a node holds: a scalar's text as written (go-yaml's `Node.Value`: `007`,
    /// `0o17`, `1.50`), which is what kustomize copies.
    fn of(node: &Node) -> Val {
        match Tag::of(&node.value) {
            Some(tag) => Val::Scalar(tag, node.written_text().unwrap_or_default()),
            None => Val::Tree(node.clone()),
        }
    }

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

/// Where kustomize's source node is: the index of its resource, and its concrete path there.
type Pointer = (usize, FieldPath);

/// The source's value, and where it lies when kustomize holds the node itself (not a copy of
/// a part of its text, as `options.delimiter` makes).
fn source_value(
    source: &Source,
    resources: &[Resource],
    tracking: &crate::build_metadata::Tracking,
) -> Result<(Val, Option<Pointer>)> {
    let mut found: Option<(usize, &Resource)> = None;
    for (i, r) in resources.iter().enumerate() {
        if r.ids().iter().any(|id| source.id.selects(id)) {
            if found.is_some() {
                bail!("multiple matches for selector {}", source.id.display());
            }
            found = Some((i, r));
        }
    }
    let Some((index, r)) = found else {
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
    let parsed = FieldPath::parse_source(path)
        .map_err(|e| Error::new(format!("error looking up replacement source: {}", e.message())))?;
    // A source reading `metadata` or its annotations sees kustomize's build annotations too.
    let exposed;
    let doc = if parsed.reads_metadata_annotations() {
        let mut copy = r.clone();
        crate::build_metadata::expose(&mut copy, tracking);
        exposed = copy;
        &exposed.node
    } else {
        &r.node
    };
    let node = locate(doc, &parsed)
        .map_err(|e| Error::new(format!("error looking up replacement source: {}", e.message())))?;
    let (node, at) = match node {
        Some((n, at)) if !is_nil_or_empty(n) => (n, at),
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
    let val = Val::of(node);
    let o = &source.options;
    if o.delimiter.is_empty() {
        return Ok((val, Some((index, at))));
    }
    let Val::Scalar(tag, text) = val else { bail!("delimiter option can only be used with scalar nodes") };
    let parts: Vec<&str> = text.split(o.delimiter.as_str()).collect();
    match usize::try_from(o.index).ok().and_then(|i| parts.get(i)) {
        Some(part) => Ok((Val::Scalar(tag, part.to_string()), None)),
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

// ------------------------------------------------------------------------------------------------
// Targets
// ------------------------------------------------------------------------------------------------

/// A parsed target field path (kustomize's `PathMatcher`): `[key=regex]` segments match by
/// unanchored regex, each compiled once (at its segment's index).
#[derive(Debug)]
struct TargetPath {
    path: FieldPath,
    regexes: Vec<Option<Regex>>,
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
        let path = FieldPath::parse(text)?;
        let regexes = path
            .segments
            .iter()
            .map(|seg| match seg {
                Segment::Match { value, .. } => Regex::new(value)
                    .map(Some)
                    .map_err(|e| Error::new(format!("invalid regex '{value}' in '{}': {e}", seg.text()))),
                _ => Ok(None),
            })
            .collect::<Result<_>>()?;
        Ok(TargetPath { path, regexes })
    }

    /// Writes `value` into every field the path reaches. When one of them is `source` (the
    /// concrete path of the source's node, in this same object), the fields after it take what
    /// was written there, as kyaml's copies of the source node do.
    fn apply(
        &self,
        node: &mut Node,
        value: &mut Val,
        options: &FieldOptions,
        source: Option<&[Segment]>,
    ) -> Result<()> {
        // kustomize v5.5.0 allows `create` with `*`: fields are made under every element.
        let create = options.create;
        let what = if create { "unable to find or create field" } else { "unable to find field" };
        let mut hits = 0usize;
        let mut set = |target: &mut Node, fresh: bool, at: &[Segment]| -> Result<()> {
            hits += 1;
            set_field(target, fresh, value, options)?;
            if source == Some(at) {
                *value = Val::of(target);
            }
            Ok(())
        };
        walk(node, &self.path.segments, &self.regexes, create, false, &mut Vec::new(), &mut set)
            .map_err(|e| Error::new(format!("{what} {:?} in replacement target: {}", self.path.text, e.message())))?;
        if hits == 0 {
            bail!("{what} {:?} in replacement target", self.path.text);
        }
        Ok(())
    }
}

fn shape_of(next: Option<&Segment>) -> Shape {
    match next {
        None => Shape::Leaf,
        Some(Segment::Index(_) | Segment::Match { .. }) => Shape::Seq,
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

/// Walks `segs` from `node`, calling `f` on every node reached (with whether it was just made,
/// and its concrete path from where the walk began: `trail`, keys and indexes).
/// `regexes` holds the compiled pattern of each `[key=regex]` segment, at the same index. In a
/// target path `-` is a key, as in kustomize's `PathMatcher`.
/// What `walk` calls on each node it reaches.
type Visit<'a> = dyn FnMut(&mut Node, bool, &[Segment]) -> Result<()> + 'a;

fn walk(
    node: &mut Node,
    segs: &[Segment],
    regexes: &[Option<Regex>],
    create: bool,
    fresh: bool,
    trail: &mut Vec<Segment>,
    f: &mut Visit,
) -> Result<()> {
    let (Some((seg, rest)), Some((regex, rest_regexes))) = (segs.split_first(), regexes.split_first()) else {
        return f(node, fresh, trail);
    };
    let is_key = matches!(seg, Segment::Key(_) | Segment::Last);
    if node.is_null() {
        if !create {
            // Nothing below a null; kustomize's index lookup still counts its (zero) elements.
            return match seg {
                Segment::Index(i) => bail!("index {i} specified but only 0 elements found"),
                _ => Ok(()),
            };
        }
        // A null on the way is made into what the path needs.
        *node = fresh_node(if is_key { Shape::Map } else { Shape::Seq });
    }
    let walk_on = |child: &mut Node, step: Segment, made: bool, trail: &mut Vec<Segment>, f: &mut Visit| {
        trail.push(step);
        let r = walk(child, rest, rest_regexes, create, made, trail, f);
        trail.pop();
        r
    };
    match seg {
        Segment::Key(_) | Segment::Last => {
            let key = seg.text();
            let kind = node_kind(&node.value);
            let Value::Map(map) = &mut node.value else {
                bail!("wrong node kind: expected MappingNode but got {kind}");
            };
            let mut made = false;
            if !map.contains_key(&key) {
                if !create {
                    return Ok(());
                }
                map.insert(key.clone(), fresh_node(shape_of(rest.first())));
                made = true;
            }
            match map.get_mut(&key) {
                Some(child) => walk_on(child, Segment::Key(key), made, trail, f),
                None => Ok(()),
            }
        }
        Segment::Index(i) => {
            let items = seq_of(node)?;
            if create && *i == items.len() {
                items.push(fresh_node(shape_of(rest.first())));
                let last = items.len() - 1;
                return match items.get_mut(last) {
                    Some(child) => walk_on(child, Segment::Index(last), true, trail, f),
                    None => Ok(()),
                };
            }
            let len = items.len();
            match items.get_mut(*i) {
                Some(child) => walk_on(child, Segment::Index(*i), false, trail, f),
                None => bail!("index {i} specified but only {len} elements found"),
            }
        }
        Segment::Every => {
            for (i, child) in seq_of(node)?.iter_mut().enumerate() {
                walk_on(child, Segment::Index(i), false, trail, f)?;
            }
            Ok(())
        }
        Segment::Match { key, value } => {
            let Some(regex) = regex else { bail!("no pattern compiled for '{}'", seg.text()) };
            let items = seq_of(node)?;
            // kyaml matches a scalar's text as written (`007`, not 7).
            let written = |v: &Node| if v.is_null() { v.scalar_text() } else { v.written_text() };
            let matches = |e: &Node| -> bool {
                let text =
                    if key.is_empty() { written(e) } else { e.get(key).filter(|v| !v.is_null()).and_then(written) };
                text.is_some_and(|t| regex.is_match(t.trim()))
            };
            if create && !items.iter().any(matches) {
                // kyaml makes the matched value a scalar with no tag: what is written into it
                // later is read again too.
                let mut made = Node::null();
                made.set_untagged(value.clone());
                let elem = if key.is_empty() {
                    made
                } else {
                    let mut m = Map::default();
                    m.insert(key.clone(), made);
                    Node::new(Value::Map(m))
                };
                items.push(elem);
            }
            for (i, child) in items.iter_mut().enumerate() {
                if matches(&*child) {
                    walk_on(child, Segment::Index(i), false, trail, f)?;
                }
            }
            Ok(())
        }
    }
}

fn seq_of(node: &mut Node) -> Result<&mut Vec<Node>> {
    let kind = node_kind(&node.value);
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
        let current = if fresh { String::new() } else { target.written_text().unwrap_or_default() };
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
    match &value {
        // A field made by `create`, or one kustomize wrote untagged before (a patched object's
        // kind, a new image), has no type of its own: the text is read again when printed.
        Val::Scalar(_, text) if fresh || target.untagged => {
            target.set_untagged(text.clone());
            return Ok(());
        }
        Val::Tree(n) if fresh => {
            target.value = n.value.clone();
            return Ok(());
        }
        _ => {}
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
        TargetPath::parse(path)?.apply(d, &mut value.clone(), &options, None)
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

    /// The entries of a kustomization's `replacements` field written as `text`.
    fn entries(text: &str) -> Result<Vec<ReplacementEntry>> {
        let d = parse_one(text, Schema::V11).unwrap().unwrap();
        let mut root = Fields::root(&d, Rules::KUSTOMIZATION, "Kustomization", "types.Kustomization")?;
        let f = root.next(&["replacements"])?.unwrap();
        decode_entries(&f)
    }

    #[test]
    fn inline_replacements_are_typed_when_read_with_keys_in_any_case() {
        let e = entries(
            "replacements:\n- Source: {KIND: ConfigMap, name: c, fieldPath: data.a, options: {delimiter: '.', index: 1}}\n  \
             targets: [{select: {kind: Deployment}, reject: [{name: x}], fieldPaths: [spec.a], options: {create: true}}]\n",
        )
        .unwrap();
        let ReplacementEntry::Inline(r) = &e[0] else { panic!("not inline: {e:?}") };
        let source = r.source.as_ref().unwrap();
        assert_eq!((source.id.gvk.kind.as_str(), source.field_path.as_str()), ("ConfigMap", "data.a"));
        assert_eq!((source.options.delimiter.as_str(), source.options.index), (".", 1));
        let t = &r.targets.as_ref().unwrap()[0];
        assert_eq!(t.select.as_ref().unwrap().id.gvk.kind, "Deployment");
        assert_eq!(t.reject[0].id.name, "x");
        assert!(t.options.create);
        assert_eq!(t.field_paths, ["spec.a"]);
    }

    #[test]
    fn inline_replacements_refuse_unknown_fields_and_wrong_types_at_their_place() {
        let e = entries("replacements:\n- source: {kind: A}\n  targets: [{fieldPath: [a]}]\n").unwrap_err();
        assert_eq!(e.message(), "invalid Kustomization: json: unknown field \"fieldPath\"");
        assert_eq!(e.hint(), Some("did you mean 'fieldPaths'?"));
        assert_eq!((e.line(), e.column()), (Some(3), Some(25)));
        let e = entries("replacements:\n- targets: {a: 1}\n").unwrap_err();
        assert!(e.message().ends_with("ReplacementField.replacements.targets of type []*types.TargetSelector"), "{e}");
    }

    #[test]
    fn an_entry_is_a_path_or_an_inline_replacement_never_both() {
        let e = entries("replacements:\n- path: r.yaml\n").unwrap();
        assert!(matches!(&e[0], ReplacementEntry::Path(p) if p.value == "r.yaml"));
        let e = entries("replacements:\n- path: r.yaml\n  source: {kind: A}\n").unwrap_err();
        assert_eq!(e.message(), "cannot specify both path and inline replacement");
        // An empty list of targets is no inline replacement, as in kustomize.
        assert!(entries("replacements:\n- path: r.yaml\n  targets: []\n").is_ok());
    }

    #[test]
    fn a_replacement_file_ignores_unknown_fields_and_holds_one_or_a_list() {
        let one = parse_one("source: {kind: A, extra: 1}\nnote: x\n", Schema::V11).unwrap().unwrap();
        let r = decode_file(&one).unwrap();
        assert_eq!(r[0].source.as_ref().unwrap().id.gvk.kind, "A");
        let list = parse_one("- SOURCE: {kind: A}\n- targets: [{select: {name: b}}]\n", Schema::V11).unwrap().unwrap();
        assert_eq!(decode_file(&list).unwrap().len(), 2);
        let bad = parse_one("text\n", Schema::V11).unwrap().unwrap();
        assert!(decode_file(&bad).unwrap_err().message().contains("unsupported replacement type"));
    }
}
