//! The typed form of a `kustomization.yaml` (or a `kind: Component`).
//!
//! Parsed from the YAML 1.1 document model the way kustomize reads it: field names match
//! case-insensitively, an unknown field is an error with its position, and a field kcompile does
//! not implement is an error naming it, never silently ignored.

use crate::error::{bail, Error, Result};
use crate::yaml::node::{Node, Pos, Value};
use indexmap::IndexMap;

/// `Kustomization` or `Component`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KustKind {
    #[default]
    Kustomization,
    Component,
}

/// A string plus where it was written.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Spanned {
    pub value: String,
    pub pos: Pos,
}

/// Which objects a patch, replacement or transformer applies to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Selector {
    pub group: Option<String>,
    pub version: Option<String>,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub label_selector: Option<String>,
    pub annotation_selector: Option<String>,
}

/// One entry of `patches`, `patchesJson6902` or `patchesStrategicMerge`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Patch {
    pub path: Option<String>,
    pub patch: Option<String>,
    pub target: Option<Selector>,
    pub allow_name_change: bool,
    pub allow_kind_change: bool,
    pub pos: Pos,
}

/// A path to a field, optionally restricted to a kind (kustomize's FieldSpec).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FieldSpec {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub path: String,
    pub create: bool,
}

/// One entry of `labels`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Label {
    pub pairs: IndexMap<String, String>,
    pub include_selectors: bool,
    pub include_templates: bool,
    pub fields: Vec<FieldSpec>,
}

/// One entry of `images`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Image {
    pub name: String,
    pub new_name: Option<String>,
    pub new_tag: Option<String>,
    pub digest: Option<String>,
    pub tag_suffix: Option<String>,
}

/// One entry of `replicas`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Replica {
    pub name: String,
    pub count: i64,
}

/// `generatorOptions`, or a generator's own `options`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GeneratorOptions {
    pub labels: IndexMap<String, String>,
    pub annotations: IndexMap<String, String>,
    pub disable_name_suffix_hash: Option<bool>,
    pub immutable: Option<bool>,
}

/// One entry of `configMapGenerator` or `secretGenerator`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GeneratorArgs {
    pub name: String,
    pub namespace: String,
    pub behavior: String,
    pub literals: Vec<String>,
    /// Where each of `literals` was written (empty when unknown).
    pub literal_pos: Vec<Pos>,
    pub files: Vec<String>,
    pub envs: Vec<String>,
    pub options: Option<GeneratorOptions>,
    pub type_: Option<String>,
    pub pos: Pos,
}

/// `sortOptions`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SortOptions {
    pub order: String,
    /// `legacySortOptions` (orderFirst, orderLast), when given.
    pub legacy: Option<(Vec<String>, Vec<String>)>,
}

/// A parsed kustomization file.
#[derive(Clone, Debug, Default)]
pub struct Kustomization {
    pub kind: KustKind,
    pub resources: Vec<Spanned>,
    pub components: Vec<Spanned>,
    pub crds: Vec<Spanned>,
    pub configurations: Vec<Spanned>,
    pub namespace: Option<String>,
    pub name_prefix: Option<String>,
    pub name_suffix: Option<String>,
    pub common_labels: IndexMap<String, String>,
    pub common_annotations: IndexMap<String, String>,
    pub labels: Vec<Label>,
    pub images: Vec<Image>,
    pub replicas: Vec<Replica>,
    pub patches: Vec<Patch>,
    pub patches_strategic_merge: Vec<Spanned>,
    pub patches_json6902: Vec<Patch>,
    pub config_map_generator: Vec<GeneratorArgs>,
    pub secret_generator: Vec<GeneratorArgs>,
    pub generator_options: Option<GeneratorOptions>,
    pub replacements: Vec<Node>,
    pub vars: Vec<Node>,
    pub openapi: Option<Node>,
    pub generators: Vec<Spanned>,
    pub transformers: Vec<Spanned>,
    pub validators: Vec<Spanned>,
    pub build_metadata: Vec<String>,
    pub sort_options: Option<SortOptions>,
    /// Deprecation notices, printed by the caller on stderr.
    pub warnings: Vec<String>,
    /// Where each field was written (for `kcompile explain`).
    pub positions: FieldPositions,
}

/// Where a kustomization's fields and the items of its list fields were written. Field names
/// are in lower case, deprecated aliases under the modern name (`bases` under `resources`,
/// `imageTags` under `images`).
#[derive(Clone, Debug, Default)]
pub struct FieldPositions {
    fields: Vec<(&'static str, Pos, Vec<Pos>)>,
}

impl FieldPositions {
    fn add(&mut self, field: &str, v: &Node) {
        let name = match field {
            "bases" => "resources",
            "imagetags" => "images",
            other => match FIELD_NAMES.iter().find(|f| f.eq_ignore_ascii_case(other)) {
                Some(f) => f,
                None => return,
            },
        };
        let items: Vec<Pos> = v.as_seq().map(|s| s.iter().map(|n| n.pos).collect()).unwrap_or_default();
        match self.fields.iter_mut().find(|(f, _, _)| f.eq_ignore_ascii_case(name)) {
            Some((_, _, existing)) => existing.extend(items),
            None => self.fields.push((name, v.pos, items)),
        }
    }

    /// Where `field` (its documented spelling, e.g. `namePrefix`) was written.
    pub fn field(&self, field: &str) -> Pos {
        self.fields.iter().find(|(f, _, _)| f.eq_ignore_ascii_case(field)).map(|(_, p, _)| *p).unwrap_or_default()
    }

    /// Where item `index` of the list `field` was written (the field's position when unknown).
    pub fn item(&self, field: &str, index: usize) -> Pos {
        self.fields
            .iter()
            .find(|(f, _, _)| f.eq_ignore_ascii_case(field))
            .map(|(_, p, items)| items.get(index).copied().unwrap_or(*p))
            .unwrap_or_default()
    }
}

/// Every top-level field of a kustomization, as documented (for "did you mean" hints).
const FIELD_NAMES: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "resources",
    "bases",
    "components",
    "crds",
    "configurations",
    "namespace",
    "namePrefix",
    "nameSuffix",
    "commonLabels",
    "labels",
    "commonAnnotations",
    "images",
    "imageTags",
    "replicas",
    "patches",
    "patchesStrategicMerge",
    "patchesJson6902",
    "configMapGenerator",
    "secretGenerator",
    "generatorOptions",
    "replacements",
    "vars",
    "openapi",
    "generators",
    "transformers",
    "validators",
    "buildMetadata",
    "sortOptions",
    "helmCharts",
    "helmGlobals",
    "helmChartInflationGenerator",
];

/// Fields kustomize knows that kcompile refuses with a clear message.
const UNSUPPORTED: &[(&str, &str)] = &[
    ("helmcharts", "helmCharts"),
    ("helmglobals", "helmGlobals"),
    ("helmchartinflationgenerator", "helmChartInflationGenerator"),
];

impl Kustomization {
    /// Refuses the key `<<` in the string maps kustomize hands to a built-in plugin (labels,
    /// annotations, generator options). kustomize configures each plugin by printing its
    /// configuration as YAML and reading it back, and printed bare, `<<` reads back as a merge key,
    /// which fails ("map merge requires map or sequence of maps as the value"). A plugin is
    /// configured only when its field is used: `generatorOptions` only with a generator.
    pub fn check_plugin_maps(&self) -> Result<()> {
        let generators = self.config_map_generator.iter().map(|g| ("ConfigMapGenerator", g));
        let generators = generators.chain(self.secret_generator.iter().map(|g| ("SecretGenerator", g)));
        let mut maps: Vec<(&str, &IndexMap<String, String>, Pos)> = vec![
            ("LabelTransformer", &self.common_labels, self.positions.field("commonLabels")),
            ("AnnotationsTransformer", &self.common_annotations, self.positions.field("commonAnnotations")),
        ];
        for (i, l) in self.labels.iter().enumerate() {
            maps.push(("LabelTransformer", &l.pairs, self.positions.item("labels", i)));
        }
        for (plugin, g) in generators {
            let own = g.options.iter().map(|o| (o, g.pos));
            let shared = self.generator_options.iter().map(|o| (o, self.positions.field("generatorOptions")));
            for (o, at) in own.chain(shared) {
                maps.push((plugin, &o.labels, at));
                maps.push((plugin, &o.annotations, at));
            }
        }
        match maps.into_iter().find(|(_, m, _)| m.contains_key("<<")) {
            None => Ok(()),
            Some((plugin, _, at)) => Err(Error::new(format!(
                "trouble configuring builtin {plugin}: the key '<<' reads back as a YAML merge key \
                 (yaml: map merge requires map or sequence of maps as the value)"
            ))
            .help("kustomize passes this map to the plugin as YAML, where a bare '<<' is a merge key: use another key")
            .at(at)),
        }
    }

    /// Parses a kustomization document (already read with YAML 1.1 rules).
    pub fn from_node(doc: &Node) -> Result<Kustomization> {
        let map = match &doc.value {
            Value::Map(m) => m,
            Value::Null => return Err(empty_kustomization().at(doc.pos)),
            other => {
                return Err(Error::new(format!(
                    "invalid Kustomization: expected a map of fields, found a {}",
                    other.type_name()
                ))
                .at(doc.pos))
            }
        };
        let mut k = Kustomization::default();
        let mut api_version = None;
        // kustomize appends the deprecated `bases` after `resources` and `imageTags` after
        // `images`, wherever each was written (FixKustomization).
        let (mut bases, mut image_tags) = (Vec::new(), Vec::new());
        let (mut bases_at, mut image_tags_at) = (None, None);
        let mut anything_set = false;
        for (key, v) in map {
            let lower = key.to_ascii_lowercase();
            let field = lower.as_str();
            anything_set |= sets_a_field(field, v);
            let res: Result<()> = (|| {
                match field {
                    "apiversion" => api_version = opt_string(v, key)?.map(|a| (a, v.pos)),
                    "metadata" => {}
                    "kind" => {
                        k.kind = match &v.value {
                            Value::Null => KustKind::Kustomization,
                            Value::Str(s) if s.is_empty() || s == "Kustomization" => KustKind::Kustomization,
                            Value::Str(s) if s == "Component" => KustKind::Component,
                            _ => {
                                let e = Error::new("kind should be Kustomization or Component");
                                let near =
                                    v.as_str().and_then(|s| crate::error::closest(s, ["Kustomization", "Component"]));
                                return Err(match near {
                                    Some(n) => e.help(format!("did you mean '{n}'?")),
                                    None => e.help("write 'kind: Kustomization' (or 'kind: Component' for a component), or leave kind out"),
                                });
                            }
                        }
                    }
                    "resources" => k.resources = spanned_list(v, key)?,
                    "bases" => {
                        k.warnings.push(deprecated("bases", "resources"));
                        bases.extend(spanned_list(v, key)?);
                        bases_at = Some(v);
                    }
                    "components" => k.components = spanned_list(v, key)?,
                    "crds" => k.crds = spanned_list(v, key)?,
                    "configurations" => k.configurations = spanned_list(v, key)?,
                    "namespace" => k.namespace = opt_string(v, key)?,
                    "nameprefix" => k.name_prefix = opt_string(v, key)?,
                    "namesuffix" => k.name_suffix = opt_string(v, key)?,
                    "commonlabels" => {
                        k.warnings.push(deprecated("commonLabels", "labels"));
                        k.common_labels = string_map(v, key)?;
                    }
                    "commonannotations" => k.common_annotations = string_map(v, key)?,
                    "labels" => k.labels = list(v, key, parse_label)?,
                    "images" => k.images.extend(list(v, key, parse_image)?),
                    "imagetags" => {
                        k.warnings.push(deprecated("imageTags", "images"));
                        image_tags.extend(list(v, key, parse_image)?);
                        image_tags_at = Some(v);
                    }
                    "replicas" => k.replicas = list(v, key, parse_replica)?,
                    "patches" => k.patches = list(v, key, parse_patch)?,
                    "patchesstrategicmerge" => {
                        k.warnings.push(deprecated("patchesStrategicMerge", "patches"));
                        k.patches_strategic_merge = spanned_list(v, key)?;
                    }
                    "patchesjson6902" => {
                        k.warnings.push(deprecated("patchesJson6902", "patches"));
                        k.patches_json6902 = list(v, key, parse_patch)?;
                    }
                    "configmapgenerator" => k.config_map_generator = list(v, key, |n| parse_generator(n, false))?,
                    "secretgenerator" => k.secret_generator = list(v, key, |n| parse_generator(n, true))?,
                    "generatoroptions" => {
                        k.generator_options = if v.is_null() { None } else { Some(parse_gen_options(v)?) }
                    }
                    "replacements" => k.replacements = list(v, key, |n| Ok(n.clone()))?,
                    "vars" => {
                        // kustomize marks this one's automatic fix as experimental.
                        k.warnings.push(
                            deprecated("vars", "replacements").replace("instead. Run", "instead. [EXPERIMENTAL] Run"),
                        );
                        k.vars = list(v, key, |n| Ok(n.clone()))?;
                    }
                    "openapi" => k.openapi = if v.is_null() { None } else { Some(v.clone()) },
                    "generators" => k.generators = inline_or_path_list(v, key)?,
                    "transformers" => k.transformers = inline_or_path_list(v, key)?,
                    "validators" => k.validators = inline_or_path_list(v, key)?,
                    "buildmetadata" => k.build_metadata = spanned_list(v, key)?.into_iter().map(|s| s.value).collect(),
                    "sortoptions" => k.sort_options = if v.is_null() { None } else { Some(parse_sort(v)?) },
                    _ => {
                        if let Some((_, name)) = UNSUPPORTED.iter().find(|(l, _)| *l == field) {
                            bail!("the field '{name}' is not supported by kcompile (it runs external programs)");
                        }
                        return Err(unknown(key, v, FIELD_NAMES));
                    }
                }
                Ok(())
            })();
            res.map_err(|e| e.at(v.pos))?;
            if field != "bases" && field != "imagetags" {
                k.positions.add(field, v);
            }
        }
        k.resources.extend(bases);
        k.images.extend(image_tags);
        for (field, at) in [("bases", bases_at), ("imagetags", image_tags_at)] {
            if let Some(v) = at {
                k.positions.add(field, v);
            }
        }
        if !anything_set {
            return Err(empty_kustomization().at(doc.pos));
        }
        // kustomize prints the notices sorted by field name.
        k.warnings.sort();
        k.warnings.dedup();
        // kustomize's EnforceFields: each kind has its own apiVersion (when one is given).
        if let Some((api, pos)) = api_version.filter(|(a, _)| !a.is_empty()) {
            let (kind, want) = match k.kind {
                KustKind::Kustomization => ("Kustomization", "kustomize.config.k8s.io/v1beta1"),
                KustKind::Component => ("Component", "kustomize.config.k8s.io/v1alpha1"),
            };
            if api != want {
                return Err(Error::new(format!("apiVersion for {kind} should be {want} (found '{api}')"))
                    .help(format!("write 'apiVersion: {want}', or leave apiVersion out"))
                    .at(pos));
            }
        }
        Ok(k)
    }
}

/// kustomize refuses a kustomization that, once decoded, equals an empty one but for its
/// apiVersion and kind (`CheckEmpty`).
fn empty_kustomization() -> Error {
    Error::new("kustomization.yaml is empty")
        .help("a kustomization (or Component) needs at least one field besides apiVersion and kind")
}

/// Whether a top-level entry leaves a field of kustomize's decoded `Kustomization` different from
/// its zero value. Go's JSON decoding leaves a field untouched for `null`, and a string field
/// zero for `""`; an empty list or map is a set field (`resources: []` counts), except the
/// deprecated lists that kustomize folds into another field and clears (`bases`, `imageTags`,
/// `helmChartInflationGenerator`), which count only when they hold an item.
fn sets_a_field(field: &str, v: &Node) -> bool {
    match field {
        "apiversion" | "kind" => false,
        _ if v.is_null() => false,
        "namespace" | "nameprefix" | "namesuffix" => !matches!(&v.value, Value::Str(s) if s.is_empty()),
        "bases" | "imagetags" | "helmchartinflationgenerator" => v.as_seq().is_none_or(|s| !s.is_empty()),
        _ => true,
    }
}

/// kustomize's deprecation notice for a field (`vars` has its own wording).
fn deprecated(old: &str, new: &str) -> String {
    let experimental = if old == "vars" { " [EXPERIMENTAL]" } else { "" };
    format!(
        "# Warning: '{old}' is deprecated. Please use '{new}' instead.{experimental} Run 'kustomize edit fix' to update your Kustomization automatically."
    )
}

fn type_error(v: &Node, key: &str, want: &str) -> Error {
    Error::new(format!(
        "invalid Kustomization: json: cannot unmarshal {} into Go struct field Kustomization.{key} of type {want}",
        v.value.type_name()
    ))
    .at(v.pos)
}

/// A scalar as a string, the way JSON decoding into a Go string accepts it: a string, or null,
/// which leaves the string empty (`commonLabels: {a: }` sets `a` to `""`).
fn scalar_string(v: &Node, key: &str) -> Result<String> {
    match &v.value {
        Value::Str(s) => Ok(s.clone()),
        Value::Null => Ok(String::new()),
        _ => Err(type_error(v, key, "string")),
    }
}

fn opt_string(v: &Node, key: &str) -> Result<Option<String>> {
    if v.is_null() {
        return Ok(None);
    }
    scalar_string(v, key).map(Some)
}

fn opt_bool(v: &Node, key: &str) -> Result<Option<bool>> {
    match v.value {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(b)),
        _ => Err(type_error(v, key, "bool")),
    }
}

fn fields(v: &Node, what: &str) -> Result<Vec<(String, String, Node)>> {
    match &v.value {
        Value::Null => Ok(Vec::new()),
        Value::Map(m) => Ok(m.iter().map(|(k, v)| (k.to_ascii_lowercase(), k.clone(), v.clone())).collect()),
        _ => Err(Error::new(format!(
            "invalid Kustomization: expected a map for {what}, found a {}",
            v.value.type_name()
        ))
        .at(v.pos)),
    }
}

/// An unknown field, with the known field nearest to it (field names match case-insensitively).
fn unknown(key: &str, v: &Node, known: &[&str]) -> Error {
    let e = Error::new(format!("invalid Kustomization: json: unknown field \"{key}\"")).at(v.pos);
    match crate::error::closest(key, known.iter().copied()) {
        Some(near) => e.help(format!("did you mean '{near}'?")),
        None => {
            let names: Vec<&str> = known.iter().copied().filter(|k| !k.starts_with('(')).collect();
            if names.len() <= 8 {
                e.help(format!("the fields here are {}", names.join(", ")))
            } else {
                e.help("see https://kubectl.docs.kubernetes.io/references/kustomize/kustomization/ for the fields")
            }
        }
    }
}

fn list<T>(v: &Node, key: &str, mut each: impl FnMut(&Node) -> Result<T>) -> Result<Vec<T>> {
    match &v.value {
        Value::Null => Ok(Vec::new()),
        Value::Seq(items) => items.iter().map(|n| each(n).map_err(|e| e.at(n.pos))).collect(),
        _ => Err(type_error(v, key, "[]...")),
    }
}

fn spanned_list(v: &Node, key: &str) -> Result<Vec<Spanned>> {
    match &v.value {
        Value::Null => Ok(Vec::new()),
        Value::Seq(items) => items.iter().map(|n| Ok(Spanned { value: scalar_string(n, key)?, pos: n.pos })).collect(),
        _ => Err(type_error(v, key, "[]string")),
    }
}

/// `transformers:` and friends: each entry a path, or an inline YAML document as a string.
fn inline_or_path_list(v: &Node, key: &str) -> Result<Vec<Spanned>> {
    spanned_list(v, key)
}

fn string_map(v: &Node, key: &str) -> Result<IndexMap<String, String>> {
    match &v.value {
        Value::Null => Ok(IndexMap::new()),
        Value::Map(m) => m.iter().map(|(k, n)| Ok((k.clone(), scalar_string(n, key)?))).collect(),
        _ => Err(type_error(v, key, "map[string]string")),
    }
}

fn parse_label(v: &Node) -> Result<Label> {
    let mut l = Label::default();
    for (k, k_key, n) in fields(v, "a label")? {
        match k.as_str() {
            "pairs" => l.pairs = string_map(&n, "labels.pairs")?,
            "includeselectors" => l.include_selectors = opt_bool(&n, "includeSelectors")?.unwrap_or(false),
            "includetemplates" => l.include_templates = opt_bool(&n, "includeTemplates")?.unwrap_or(false),
            "fields" => l.fields = list(&n, "fields", parse_field_spec)?,
            _ => return Err(unknown(&k_key, &n, &["pairs", "includeSelectors", "includeTemplates", "fields"])),
        }
    }
    Ok(l)
}

/// Parses a field spec (`{group, version, kind, path, create}`).
pub fn parse_field_spec(v: &Node) -> Result<FieldSpec> {
    let mut f = FieldSpec::default();
    for (k, k_key, n) in fields(v, "a field spec")? {
        match k.as_str() {
            "group" => f.group = opt_string(&n, "group")?.unwrap_or_default(),
            "version" => f.version = opt_string(&n, "version")?.unwrap_or_default(),
            "kind" => f.kind = opt_string(&n, "kind")?.unwrap_or_default(),
            "path" => f.path = opt_string(&n, "path")?.unwrap_or_default(),
            "create" => f.create = opt_bool(&n, "create")?.unwrap_or(false),
            "behavior" | "name" | "namespace" => {}
            _ => return Err(unknown(&k_key, &n, &["group", "version", "kind", "path", "create"])),
        }
    }
    Ok(f)
}

fn parse_image(v: &Node) -> Result<Image> {
    let mut i = Image::default();
    for (k, k_key, n) in fields(v, "an image")? {
        match k.as_str() {
            "name" => i.name = opt_string(&n, "name")?.unwrap_or_default(),
            "newname" => i.new_name = opt_string(&n, "newName")?,
            "newtag" => i.new_tag = opt_string(&n, "newTag")?,
            "digest" => i.digest = opt_string(&n, "digest")?,
            "tagsuffix" => i.tag_suffix = opt_string(&n, "tagSuffix")?,
            _ => return Err(unknown(&k_key, &n, &["name", "newName", "newTag", "digest", "tagSuffix"])),
        }
    }
    Ok(i)
}

fn parse_replica(v: &Node) -> Result<Replica> {
    let mut r = Replica::default();
    for (k, k_key, n) in fields(v, "a replica")? {
        match k.as_str() {
            "name" => r.name = opt_string(&n, "name")?.unwrap_or_default(),
            "count" => {
                // A null count leaves Go's int64 at 0.
                r.count = match n.value {
                    Value::Int(i) => i,
                    Value::Null => 0,
                    _ => return Err(type_error(&n, "count", "int64")),
                }
            }
            _ => return Err(unknown(&k_key, &n, &["name", "count"])),
        }
    }
    Ok(r)
}

/// Parses a target selector.
pub fn parse_selector(v: &Node) -> Result<Selector> {
    let mut s = Selector::default();
    for (k, k_key, n) in fields(v, "a target")? {
        let val = opt_string(&n, &k)?;
        match k.as_str() {
            "group" => s.group = val,
            "version" => s.version = val,
            "kind" => s.kind = val,
            "name" => s.name = val,
            "namespace" => s.namespace = val,
            "labelselector" => s.label_selector = val,
            "annotationselector" => s.annotation_selector = val,
            _ => {
                return Err(unknown(
                    &k_key,
                    &n,
                    &["group", "version", "kind", "name", "namespace", "labelSelector", "annotationSelector"],
                ))
            }
        }
    }
    Ok(s)
}

fn parse_patch(v: &Node) -> Result<Patch> {
    let mut p = Patch { pos: v.pos, ..Patch::default() };
    for (k, k_key, n) in fields(v, "a patch")? {
        match k.as_str() {
            "path" => p.path = opt_string(&n, "path")?,
            "patch" => p.patch = opt_string(&n, "patch")?,
            "target" => p.target = if n.is_null() { None } else { Some(parse_selector(&n)?) },
            "options" => {
                for (ok, ok_key, on) in fields(&n, "patch options")? {
                    match ok.as_str() {
                        "allownamechange" => p.allow_name_change = opt_bool(&on, "allowNameChange")?.unwrap_or(false),
                        "allowkindchange" => p.allow_kind_change = opt_bool(&on, "allowKindChange")?.unwrap_or(false),
                        _ => return Err(unknown(&ok_key, &on, &["allowNameChange", "allowKindChange"])),
                    }
                }
            }
            _ => return Err(unknown(&k_key, &n, &["path", "patch", "target", "options"])),
        }
    }
    Ok(p)
}

fn parse_gen_options(v: &Node) -> Result<GeneratorOptions> {
    let mut o = GeneratorOptions::default();
    for (k, k_key, n) in fields(v, "generator options")? {
        match k.as_str() {
            "labels" => o.labels = string_map(&n, "labels")?,
            "annotations" => o.annotations = string_map(&n, "annotations")?,
            "disablenamesuffixhash" => o.disable_name_suffix_hash = opt_bool(&n, "disableNameSuffixHash")?,
            "immutable" => o.immutable = opt_bool(&n, "immutable")?,
            _ => return Err(unknown(&k_key, &n, &["labels", "annotations", "disableNameSuffixHash", "immutable"])),
        }
    }
    Ok(o)
}

fn string_list(n: &Node, key: &str) -> Result<Vec<String>> {
    Ok(spanned_list(n, key)?.into_iter().map(|s| s.value).collect())
}

/// One generator entry; only a Secret's has `type`.
fn parse_generator(v: &Node, secret: bool) -> Result<GeneratorArgs> {
    let mut g = GeneratorArgs { pos: v.pos, ..GeneratorArgs::default() };
    // kustomize appends the deprecated `env` after `envs`, wherever it was written.
    let mut env = None;
    for (k, k_key, n) in fields(v, "a generator")? {
        match k.as_str() {
            "name" => g.name = opt_string(&n, "name")?.unwrap_or_default(),
            "namespace" => g.namespace = opt_string(&n, "namespace")?.unwrap_or_default(),
            "behavior" => g.behavior = opt_string(&n, "behavior")?.unwrap_or_default(),
            "literals" => {
                g.literals = string_list(&n, "literals")?;
                g.literal_pos = n.as_seq().map(|items| items.iter().map(|i| i.pos).collect()).unwrap_or_default();
            }
            "files" => g.files = string_list(&n, "files")?,
            "envs" => g.envs.extend(string_list(&n, "envs")?),
            "env" => env = opt_string(&n, "env")?.filter(|e| !e.is_empty()),
            "options" => g.options = if n.is_null() { None } else { Some(parse_gen_options(&n)?) },
            "type" if secret => g.type_ = opt_string(&n, "type")?,
            _ => {
                let known = ["name", "namespace", "behavior", "literals", "files", "envs", "env", "options", "type"];
                return Err(unknown(&k_key, &n, &known[..known.len() - usize::from(!secret)]));
            }
        }
    }
    g.envs.extend(env);
    Ok(g)
}

fn parse_sort(v: &Node) -> Result<SortOptions> {
    let mut s = SortOptions::default();
    for (k, k_key, n) in fields(v, "sortOptions")? {
        match k.as_str() {
            "order" => s.order = opt_string(&n, "order")?.unwrap_or_default(),
            "legacysortoptions" => {
                if n.is_null() {
                    continue;
                }
                let (mut first, mut last) = (Vec::new(), Vec::new());
                for (lk, lk_key, ln) in fields(&n, "legacySortOptions")? {
                    match lk.as_str() {
                        "orderfirst" => first = string_list(&ln, "orderFirst")?,
                        "orderlast" => last = string_list(&ln, "orderLast")?,
                        _ => return Err(unknown(&lk_key, &ln, &["orderFirst", "orderLast"])),
                    }
                }
                s.legacy = Some((first, last));
            }
            _ => return Err(unknown(&k_key, &n, &["order", "legacySortOptions"])),
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::read::{parse_one, Schema};

    fn parse(text: &str) -> Result<Kustomization> {
        let doc = parse_one(text, Schema::V11).map_err(Error::from)?.unwrap_or_else(Node::null);
        Kustomization::from_node(&doc)
    }

    #[test]
    fn a_merge_key_in_a_plugin_map_is_refused_where_kustomize_configures_the_plugin() {
        let refused = |text: &str| parse(text).unwrap().check_plugin_maps().unwrap_err().message().to_string();
        assert!(refused("commonLabels: {'<<': x}").contains("builtin LabelTransformer"));
        assert!(refused("labels: [{pairs: {a: b, '<<': x}}]").contains("builtin LabelTransformer"));
        assert!(refused("commonAnnotations: {'<<': x}").contains("builtin AnnotationsTransformer"));
        let generated = "secretGenerator: [{name: s, literals: [a=b]}]\n";
        assert!(refused(&format!("{generated}generatorOptions: {{labels: {{'<<': x}}}}")).contains("SecretGenerator"));
        // Without a generator, generatorOptions configures nothing.
        parse("resources: [a.yaml]\ngeneratorOptions: {labels: {'<<': x}}").unwrap().check_plugin_maps().unwrap();
        parse("commonLabels: {'<': x, '<<<': z}").unwrap().check_plugin_maps().unwrap();
    }

    #[test]
    fn field_names_match_case_insensitively() {
        let k = parse("RESOURCES:\n- a.yaml\nnamePREFIX: p-\n").unwrap();
        assert_eq!(k.resources[0].value, "a.yaml");
        assert_eq!(k.name_prefix.as_deref(), Some("p-"));
    }

    #[test]
    fn unknown_field_is_an_error_with_its_position() {
        let e = parse("resources: []\nfoo: 1\n").unwrap_err();
        assert_eq!(e.message(), "invalid Kustomization: json: unknown field \"foo\"");
        assert_eq!(e.line(), Some(2));
    }

    #[test]
    fn wrong_types_and_kinds_are_refused() {
        let e = parse("resources: r.yaml\n").unwrap_err();
        assert!(e.message().contains("cannot unmarshal string into Go struct field Kustomization.resources"), "{e}");
        assert_eq!(parse("kind: Foo\n").unwrap_err().message(), "kind should be Kustomization or Component");
        assert_eq!(parse("kind: Component\nresources: []\n").unwrap().kind, KustKind::Component);
        assert!(parse("helmCharts: []\n").unwrap_err().message().contains("'helmCharts' is not supported"));
    }

    #[test]
    fn a_kustomization_with_no_field_set_besides_apiversion_and_kind_is_empty() {
        for text in [
            "",
            "kind: Component\n",
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n",
            "resources:\nnamePrefix: ''\nmetadata: ~\n",
            "bases: []\nimageTags: []\n",
        ] {
            assert_eq!(parse(text).unwrap_err().message(), "kustomization.yaml is empty", "{text:?}");
        }
    }

    #[test]
    fn an_empty_list_or_map_is_a_field_set() {
        for text in ["resources: []\n", "commonLabels: {}\n", "metadata: {}\n", "buildMetadata: []\n", "bases: [b]\n"] {
            assert!(parse(text).is_ok(), "{text:?}");
        }
    }

    #[test]
    fn a_null_where_kustomize_wants_a_string_or_a_count_is_its_zero_value() {
        let k = parse(
            "commonLabels: {a.b: }\ncommonAnnotations: {c: ~}\nlabels: [{pairs: {d: }}]\n\
             images: [{name: nginx, newTag: }]\nreplicas: [{name: r, count: }]\n",
        )
        .unwrap();
        assert_eq!(k.common_labels["a.b"], "");
        assert_eq!(k.common_annotations["c"], "");
        assert_eq!(k.labels[0].pairs["d"], "");
        assert_eq!(k.images[0].new_tag, None);
        assert_eq!(k.replicas[0].count, 0);
    }

    #[test]
    fn deprecated_fields_warn_in_kustomize_order() {
        let k = parse("vars: []\nbases: []\ncommonLabels: {}\n").unwrap();
        assert_eq!(k.warnings.len(), 3);
        assert!(k.warnings[0].starts_with("# Warning: 'bases' is deprecated. Please use 'resources' instead."));
        assert!(k.warnings[1].starts_with("# Warning: 'commonLabels'"));
        assert!(k.warnings[2].contains("Please use 'replacements' instead. [EXPERIMENTAL] Run"));
    }

    #[test]
    fn bases_come_after_resources_and_image_tags_after_images_wherever_written() {
        let k =
            parse("bases:\n- ../base\nresources:\n- a.yaml\nimageTags:\n- name: old\nimages:\n- name: new\n").unwrap();
        let names: Vec<&str> = k.resources.iter().map(|r| r.value.as_str()).collect();
        assert_eq!(names, ["a.yaml", "../base"]);
        assert_eq!(k.positions.item("resources", 1).line, 2);
        let images: Vec<&str> = k.images.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(images, ["new", "old"]);
    }

    #[test]
    fn a_generator_env_comes_after_its_envs_and_an_empty_one_is_ignored() {
        let k = parse("configMapGenerator:\n- name: c\n  env: b.env\n  envs:\n  - a.env\n").unwrap();
        assert_eq!(k.config_map_generator[0].envs, ["a.env", "b.env"]);
        let k = parse("secretGenerator:\n- name: s\n  env: ''\n").unwrap();
        assert!(k.secret_generator[0].envs.is_empty());
    }

    #[test]
    fn only_a_secret_generator_has_a_type() {
        let e = parse("configMapGenerator:\n- name: c\n  type: Opaque\n").unwrap_err();
        assert_eq!(e.message(), "invalid Kustomization: json: unknown field \"type\"");
        let k = parse("secretGenerator:\n- name: s\n  type: Opaque\n").unwrap();
        assert_eq!(k.secret_generator[0].type_.as_deref(), Some("Opaque"));
    }

    #[test]
    fn sort_options_keep_whether_legacy_options_were_given() {
        let k = parse("sortOptions:\n  order: fifo\n  legacySortOptions: {}\n").unwrap();
        assert_eq!(k.sort_options.unwrap().legacy, Some((vec![], vec![])));
    }
}
