//! The typed form of a `kustomization.yaml` (or a `kind: Component`).
//!
//! Parsed from the YAML 1.1 document model the way kustomize reads it: field names match
//! case-insensitively, an unknown field is an error with its position, and a field kcompile does
//! not implement is an error naming it, never silently ignored.

use crate::decode::{Field, Fields, Rules};
use crate::error::{Error, Result};
use crate::transform::replacements::{self, ReplacementEntry};
use crate::vars::{self, Var};
use crate::yaml::node::{Node, Pos, Value};
use indexmap::IndexMap;

/// `Kustomization` or `Component`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KustKind {
    #[default]
    Kustomization,
    Component,
}

pub use crate::decode::Spanned;

/// Which objects a patch, replacement or transformer applies to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PatchTarget {
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
    pub target: Option<PatchTarget>,
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

/// One entry of `helmCharts` (kustomize's `types.HelmChart`): a chart to inflate with
/// `helm template`, see [`crate::generate::helm`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HelmChart {
    pub name: String,
    pub version: String,
    pub repo: String,
    pub release_name: String,
    pub namespace: String,
    pub additional_values_files: Vec<String>,
    pub values_file: String,
    /// `valuesInline`: a map (`None` when absent or null).
    pub values_inline: Option<Node>,
    pub values_merge: String,
    pub include_crds: bool,
    pub skip_hooks: bool,
    pub api_versions: Vec<String>,
    pub kube_version: String,
    pub name_template: String,
    pub skip_tests: bool,
    pub debug: bool,
    /// Where the entry was written.
    pub pos: Pos,
}

/// `helmGlobals` (kustomize's `types.HelmGlobals`): settings shared by a kustomization's charts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HelmGlobals {
    /// The directory holding one directory per chart (`charts` when empty), from the
    /// kustomization's directory unless absolute.
    pub chart_home: String,
    /// `HELM_CONFIG_HOME` for helm (a scratch directory when empty).
    pub config_home: String,
}

/// `sortOptions`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SortOptions {
    pub order: String,
    /// `legacySortOptions` (orderFirst, orderLast), when given.
    pub legacy: Option<(Vec<String>, Vec<String>)>,
}

/// `openapi`: the version of a built-in schema, or the path of a schema file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OpenApiField {
    pub version: Option<String>,
    pub path: Option<String>,
    /// Where the field was written.
    pub pos: Pos,
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
    pub replacements: Vec<ReplacementEntry>,
    pub vars: Vec<Var>,
    pub openapi: Option<OpenApiField>,
    pub generators: Vec<Spanned>,
    pub transformers: Vec<Spanned>,
    pub validators: Vec<Spanned>,
    pub build_metadata: Vec<String>,
    pub sort_options: Option<SortOptions>,
    /// `helmCharts`, then the charts of the deprecated `helmChartInflationGenerator`.
    pub helm_charts: Vec<HelmChart>,
    /// `helmGlobals` (else the homes the deprecated `helmChartInflationGenerator` gave).
    pub helm_globals: Option<HelmGlobals>,
    /// The deprecated fields it uses, sorted by name as kustomize prints its notices.
    pub warnings: Vec<Deprecation>,
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
    fn add(&mut self, field: &'static str, v: &Node) {
        let name = match field {
            "bases" => "resources",
            "imageTags" => "images",
            other => other,
        };
        let items: Vec<Pos> = v.as_seq().map(|s| s.iter().map(|n| n.pos).collect()).unwrap_or_default();
        match self.fields.iter_mut().find(|(f, _, _)| *f == name) {
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

/// Who reads a top-level field of a kustomization.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ReadBy {
    /// The build itself (resources, bases, build settings).
    Build,
    /// A builtin plugin, which kustomize configures with the field marshalled to YAML (see
    /// [`check_plugin_configs`]).
    Plugin,
}

/// Every top-level field of a kustomization, as documented, and who reads it.
const FIELDS: [(&str, ReadBy); 34] = [
    ("apiVersion", ReadBy::Build),
    ("kind", ReadBy::Build),
    ("metadata", ReadBy::Build),
    ("resources", ReadBy::Build),
    ("bases", ReadBy::Build),
    ("components", ReadBy::Build),
    ("crds", ReadBy::Build),
    ("configurations", ReadBy::Build),
    ("namespace", ReadBy::Plugin),
    ("namePrefix", ReadBy::Plugin),
    ("nameSuffix", ReadBy::Plugin),
    ("commonLabels", ReadBy::Plugin),
    ("labels", ReadBy::Plugin),
    ("commonAnnotations", ReadBy::Plugin),
    ("images", ReadBy::Plugin),
    ("imageTags", ReadBy::Plugin),
    ("replicas", ReadBy::Plugin),
    ("patches", ReadBy::Plugin),
    ("patchesStrategicMerge", ReadBy::Plugin),
    ("patchesJson6902", ReadBy::Plugin),
    ("configMapGenerator", ReadBy::Plugin),
    ("secretGenerator", ReadBy::Plugin),
    ("generatorOptions", ReadBy::Plugin),
    ("replacements", ReadBy::Plugin),
    ("vars", ReadBy::Build),
    ("openapi", ReadBy::Build),
    ("generators", ReadBy::Build),
    ("transformers", ReadBy::Build),
    ("validators", ReadBy::Build),
    ("buildMetadata", ReadBy::Build),
    ("sortOptions", ReadBy::Plugin),
    ("helmCharts", ReadBy::Plugin),
    ("helmGlobals", ReadBy::Plugin),
    ("helmChartInflationGenerator", ReadBy::Plugin),
];

/// The names of [`FIELDS`] (for "did you mean" hints).
const FIELD_NAMES: [&str; FIELDS.len()] = {
    let mut names = [""; FIELDS.len()];
    let mut i = 0;
    while i < FIELDS.len() {
        names[i] = FIELDS[i].0;
        i += 1;
    }
    names
};

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
        match &doc.value {
            Value::Map(_) => {}
            Value::Null => return Err(empty_kustomization().at(doc.pos)),
            other => {
                return Err(Error::new(format!(
                    "invalid Kustomization: expected a map of fields, found a {}",
                    other.type_name()
                ))
                .at(doc.pos))
            }
        }
        let mut fields = Fields::root(doc, Rules::KUSTOMIZATION, "Kustomization", "types.Kustomization")?;
        let mut k = Kustomization::default();
        let mut api_version = None;
        // kustomize appends the deprecated `bases` after `resources` and `imageTags` after
        // `images`, wherever each was written (FixKustomization).
        let (mut bases, mut image_tags) = (Vec::new(), Vec::new());
        let (mut bases_at, mut image_tags_at) = (None, None);
        let mut old_helm = (Vec::new(), HelmGlobals::default());
        let mut anything_set = false;
        while let Some(f) = fields.next(&FIELD_NAMES)? {
            let v = f.node;
            anything_set |= sets_a_field(f.name, v);
            let res: Result<()> = (|| {
                match f.name {
                    "apiVersion" => api_version = f.string()?.map(|a| (a, v.pos)),
                    "metadata" => {
                        // Checked as kustomize decodes it; kustomize uses none of it.
                        if let Some(mut meta) = f.object("ObjectMeta", "types.ObjectMeta")? {
                            while let Some(f) = meta.next(&["name", "namespace", "labels", "annotations"])? {
                                match f.name {
                                    "name" | "namespace" => drop(f.string()?),
                                    _ => drop(f.string_map()?),
                                }
                            }
                        }
                    }
                    "kind" => {
                        k.kind = match f.string()?.as_deref() {
                            None | Some("" | "Kustomization") => KustKind::Kustomization,
                            Some("Component") => KustKind::Component,
                            Some(_) => {
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
                    "resources" => k.resources = f.strings()?,
                    "bases" => {
                        bases = f.strings()?;
                        bases_at = Some(v);
                    }
                    "components" => k.components = f.strings()?,
                    "crds" => k.crds = f.strings()?,
                    "configurations" => k.configurations = f.strings()?,
                    "namespace" => k.namespace = f.string()?,
                    "namePrefix" => k.name_prefix = f.string()?,
                    "nameSuffix" => k.name_suffix = f.string()?,
                    "commonLabels" => {
                        k.common_labels = f.string_map()?;
                    }
                    "commonAnnotations" => k.common_annotations = f.string_map()?,
                    "labels" => k.labels = each(f.objects("Label", "[]types.Label")?, decode_label)?,
                    "images" => k.images = each(f.objects("Image", "[]types.Image")?, decode_image)?,
                    "imageTags" => {
                        image_tags = each(f.objects("Image", "[]types.Image")?, decode_image)?;
                        image_tags_at = Some(v);
                    }
                    "replicas" => k.replicas = each(f.objects("Replica", "[]types.Replica")?, decode_replica)?,
                    "patches" => k.patches = each(f.objects("Patch", "[]types.Patch")?, decode_patch)?,
                    "patchesStrategicMerge" => {
                        k.patches_strategic_merge = f.strings()?;
                    }
                    "patchesJson6902" => {
                        k.patches_json6902 = each(f.objects("Patch", "[]types.Patch")?, decode_patch)?;
                    }
                    "configMapGenerator" => {
                        let items = f.objects("ConfigMapArgs", "[]types.ConfigMapArgs")?;
                        k.config_map_generator = each(items, |o| decode_generator(o, false))?;
                    }
                    "secretGenerator" => {
                        let items = f.objects("SecretArgs", "[]types.SecretArgs")?;
                        k.secret_generator = each(items, |o| decode_generator(o, true))?;
                    }
                    "generatorOptions" => {
                        k.generator_options = f
                            .object("GeneratorOptions", "types.GeneratorOptions")?
                            .map(decode_gen_options)
                            .transpose()?
                    }
                    "replacements" => k.replacements = replacements::decode_entries(&f)?,
                    "vars" => {
                        k.vars = each(f.objects("Var", "[]types.Var")?, vars::decode)?;
                    }
                    "openapi" => {
                        // A `map[string]string`: only `version` and `path` (in that spelling) count.
                        k.openapi = if v.is_null() {
                            None
                        } else {
                            let mut map = f.string_map()?;
                            Some(OpenApiField {
                                version: map.shift_remove("version"),
                                path: map.shift_remove("path"),
                                pos: v.pos,
                            })
                        }
                    }
                    "generators" => k.generators = f.strings()?,
                    "transformers" => k.transformers = f.strings()?,
                    "validators" => k.validators = f.strings()?,
                    "buildMetadata" => k.build_metadata = f.strings()?.into_iter().map(|s| s.value).collect(),
                    "sortOptions" => {
                        k.sort_options = f.object("SortOptions", "types.SortOptions")?.map(decode_sort).transpose()?
                    }
                    "helmCharts" => {
                        let items = f.objects("HelmChart", "[]types.HelmChart")?;
                        k.helm_charts = each(items, |o| decode_helm_chart(o, HELM_CHART_FIELDS).map(|(c, _)| c))?;
                    }
                    "helmGlobals" => {
                        k.helm_globals = f
                            .object("HelmGlobals", "*types.HelmGlobals")?
                            .map(|o| decode_helm_chart(o, &HELM_FIELDS[HELM_CHART_FIELDS.len()..]).map(|(_, g)| g))
                            .transpose()?
                    }
                    _ => {
                        let items = f.objects("HelmChartArgs", "[]types.HelmChartArgs")?;
                        old_helm = decode_helm_chart_args(items)?;
                    }
                }
                Ok(())
            })();
            res.map_err(|e| e.at(v.pos))?;
            if let Some(d) = Deprecation::of(f.name, v.pos) {
                k.warnings.push(d);
            }
            if f.name != "bases" && f.name != "imageTags" {
                k.positions.add(f.name, v);
            }
        }
        k.resources.extend(bases);
        k.images.extend(image_tags);
        // kustomize folds the deprecated `helmChartInflationGenerator` into `helmCharts` and, when
        // `helmGlobals` is absent, takes the homes it gave (FixKustomization).
        let (old_charts, old_globals) = old_helm;
        k.helm_charts.extend(old_charts);
        if k.helm_globals.is_none() && old_globals != HelmGlobals::default() {
            k.helm_globals = Some(old_globals);
        }
        for (field, at) in [("bases", bases_at), ("imageTags", image_tags_at)] {
            if let Some(v) = at {
                k.positions.add(field, v);
            }
        }
        if !anything_set {
            return Err(empty_kustomization().at(doc.pos));
        }
        // kustomize prints the notices sorted by field name.
        k.warnings.sort_by_key(|d| d.field);
        k.warnings.dedup_by_key(|d| d.field);
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
        check_plugin_configs(doc)?;
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
        "apiVersion" | "kind" => false,
        _ if v.is_null() => false,
        "namespace" | "namePrefix" | "nameSuffix" => !matches!(&v.value, Value::Str(s) if s.is_empty()),
        "bases" | "imageTags" | "helmChartInflationGenerator" => v.as_seq().is_none_or(|s| !s.is_empty()),
        _ => true,
    }
}

/// A deprecated field a kustomization uses, where its value was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deprecation {
    /// The field (`bases`, `commonLabels`, `imageTags`, `patchesStrategicMerge`,
    /// `patchesJson6902`, `vars`).
    pub field: &'static str,
    /// What kustomize would have it replaced with.
    pub instead: &'static str,
    /// Where the field's value was written.
    pub pos: Pos,
}

impl Deprecation {
    /// The deprecation of `field` (a kustomization field's name), if kustomize deprecates it.
    fn of(field: &'static str, pos: Pos) -> Option<Deprecation> {
        let instead = match field {
            "bases" => "resources",
            "commonLabels" => "labels",
            "imageTags" => "images",
            "patchesStrategicMerge" | "patchesJson6902" => "patches",
            "vars" => "replacements",
            _ => return None,
        };
        Some(Deprecation { field, instead, pos })
    }

    /// kustomize's notice, without its `# Warning: ` prefix (`vars` has its own wording).
    pub fn message(&self) -> String {
        let (old, new) = (self.field, self.instead);
        let experimental = if old == "vars" { " [EXPERIMENTAL]" } else { "" };
        format!(
            "'{old}' is deprecated. Please use '{new}' instead.{experimental} Run 'kustomize edit fix' to update your Kustomization automatically."
        )
    }
}

/// Decodes each struct of a list.
fn each<'a, T>(items: Vec<Fields<'a>>, mut decode: impl FnMut(Fields<'a>) -> Result<T>) -> Result<Vec<T>> {
    items
        .into_iter()
        .map(|o| {
            let pos = o.pos();
            decode(o).map_err(|e| e.at(pos))
        })
        .collect()
}

fn decode_label(mut o: Fields) -> Result<Label> {
    let mut l = Label::default();
    while let Some(f) = o.next(&["pairs", "includeSelectors", "includeTemplates", "fields"])? {
        match f.name {
            "pairs" => l.pairs = f.string_map()?,
            "includeSelectors" => l.include_selectors = f.bool()?.unwrap_or(false),
            "includeTemplates" => l.include_templates = f.bool()?.unwrap_or(false),
            _ => l.fields = each(f.objects("FieldSpec", "[]types.FieldSpec")?, decode_field_spec)?,
        }
    }
    Ok(l)
}

/// Decodes a field spec (`{group, version, kind, path, create}`).
pub(crate) fn decode_field_spec(mut o: Fields) -> Result<FieldSpec> {
    let mut f = FieldSpec::default();
    while let Some(field) = o.next(&["group", "version", "kind", "path", "create"])? {
        match field.name {
            "group" => f.group = field.string()?.unwrap_or_default(),
            "version" => f.version = field.string()?.unwrap_or_default(),
            "kind" => f.kind = field.string()?.unwrap_or_default(),
            "path" => f.path = field.string()?.unwrap_or_default(),
            _ => f.create = field.bool()?.unwrap_or(false),
        }
    }
    Ok(f)
}

pub(crate) fn decode_image(mut o: Fields) -> Result<Image> {
    let mut i = Image::default();
    while let Some(f) = o.next(&["name", "newName", "newTag", "digest", "tagSuffix"])? {
        match f.name {
            "name" => i.name = f.string()?.unwrap_or_default(),
            "newName" => i.new_name = f.string()?,
            "newTag" => i.new_tag = f.string()?,
            "digest" => i.digest = f.string()?,
            _ => i.tag_suffix = f.string()?,
        }
    }
    Ok(i)
}

pub(crate) fn decode_replica(mut o: Fields) -> Result<Replica> {
    let mut r = Replica::default();
    while let Some(f) = o.next(&["name", "count"])? {
        match f.name {
            "name" => r.name = f.string()?.unwrap_or_default(),
            // A null count leaves Go's int64 at 0.
            _ => r.count = f.int("int64")?.unwrap_or(0),
        }
    }
    Ok(r)
}

/// Decodes a target selector.
pub(crate) fn decode_selector(mut o: Fields) -> Result<PatchTarget> {
    let mut s = PatchTarget::default();
    let names = ["group", "version", "kind", "name", "namespace", "labelSelector", "annotationSelector"];
    while let Some(f) = o.next(&names)? {
        let val = f.string()?;
        match f.name {
            "group" => s.group = val,
            "version" => s.version = val,
            "kind" => s.kind = val,
            "name" => s.name = val,
            "namespace" => s.namespace = val,
            "labelSelector" => s.label_selector = val,
            _ => s.annotation_selector = val,
        }
    }
    Ok(s)
}

fn decode_patch(mut o: Fields) -> Result<Patch> {
    let mut p = Patch { pos: o.pos(), ..Patch::default() };
    while let Some(f) = o.next(&["path", "patch", "target", "options"])? {
        match f.name {
            "path" => p.path = f.string()?,
            "patch" => p.patch = f.string()?,
            "target" => p.target = f.object("Selector", "types.Selector")?.map(decode_selector).transpose()?,
            _ => decode_patch_options(&f, &mut p)?,
        }
    }
    Ok(p)
}

/// A patch's `options`: a `map[string]bool`, any key, matched exactly.
pub(crate) fn decode_patch_options(f: &Field, p: &mut Patch) -> Result<()> {
    let options = match &f.node.value {
        Value::Null => return Ok(()),
        Value::Map(m) => m,
        _ => return Err(f.type_error(f.node, "map[string]bool")),
    };
    for (key, n) in options {
        let set = match n.value {
            Value::Null => false,
            Value::Bool(b) => b,
            _ => return Err(f.type_error(n, "bool")),
        };
        match key.as_str() {
            "allowNameChange" => p.allow_name_change = set,
            "allowKindChange" => p.allow_kind_change = set,
            _ => {}
        }
    }
    Ok(())
}

fn decode_gen_options(mut o: Fields) -> Result<GeneratorOptions> {
    let mut g = GeneratorOptions::default();
    while let Some(f) = o.next(&["labels", "annotations", "disableNameSuffixHash", "immutable"])? {
        match f.name {
            "labels" => g.labels = f.string_map()?,
            "annotations" => g.annotations = f.string_map()?,
            "disableNameSuffixHash" => g.disable_name_suffix_hash = f.bool()?,
            _ => g.immutable = f.bool()?,
        }
    }
    Ok(g)
}

fn string_list(f: &Field) -> Result<Vec<String>> {
    Ok(f.strings()?.into_iter().map(|s| s.value).collect())
}

/// One generator entry; only a Secret's has `type`.
pub(crate) fn decode_generator(mut o: Fields, secret: bool) -> Result<GeneratorArgs> {
    let mut g = GeneratorArgs { pos: o.pos(), ..GeneratorArgs::default() };
    // kustomize appends the deprecated `env` after `envs`, wherever it was written.
    let mut env = None;
    let known = ["name", "namespace", "behavior", "literals", "files", "envs", "env", "options", "type"];
    while let Some(f) = o.next(&known[..known.len() - usize::from(!secret)])? {
        match f.name {
            "name" => g.name = f.string()?.unwrap_or_default(),
            "namespace" => g.namespace = f.string()?.unwrap_or_default(),
            "behavior" => g.behavior = f.string()?.unwrap_or_default(),
            "literals" => {
                let literals = f.strings()?;
                g.literal_pos = literals.iter().map(|l| l.pos).collect();
                g.literals = literals.into_iter().map(|l| l.value).collect();
            }
            "files" => g.files = string_list(&f)?,
            "envs" => g.envs = string_list(&f)?,
            "env" => env = f.string()?.filter(|e| !e.is_empty()),
            "options" => {
                g.options =
                    f.object("GeneratorOptions", "types.GeneratorOptions")?.map(decode_gen_options).transpose()?
            }
            _ => g.type_ = f.string()?,
        }
    }
    g.envs.extend(env);
    Ok(g)
}

/// The fields of `types.HelmChart`, then those of `types.HelmGlobals`: a
/// HelmChartInflationGenerator configuration has both, at the top level.
pub(crate) const HELM_FIELDS: &[&str] = &[
    "name",
    "version",
    "repo",
    "releaseName",
    "namespace",
    "additionalValuesFiles",
    "valuesFile",
    "valuesInline",
    "valuesMerge",
    "includeCRDs",
    "skipHooks",
    "apiVersions",
    "kubeVersion",
    "nameTemplate",
    "skipTests",
    "debug",
    "chartHome",
    "configHome",
];

/// The fields of `types.HelmChart` alone (a `helmCharts` entry).
const HELM_CHART_FIELDS: &[&str] = HELM_FIELDS.split_at(16).0;

/// Decodes the fields among `names` (a subset of [`HELM_FIELDS`]) of a chart, its globals, or a
/// HelmChartInflationGenerator configuration holding both.
pub(crate) fn decode_helm_chart(mut o: Fields, names: &[&'static str]) -> Result<(HelmChart, HelmGlobals)> {
    let mut c = HelmChart { pos: o.pos(), ..HelmChart::default() };
    let mut g = HelmGlobals::default();
    while let Some(f) = o.next(names)? {
        let text = || Ok::<_, Error>(f.string()?.unwrap_or_default());
        let flag = || Ok::<_, Error>(f.bool()?.unwrap_or(false));
        match f.name {
            "name" => c.name = text()?,
            "version" => c.version = text()?,
            "repo" => c.repo = text()?,
            "releaseName" => c.release_name = text()?,
            "namespace" => c.namespace = text()?,
            "additionalValuesFiles" => c.additional_values_files = string_list(&f)?,
            "valuesFile" => c.values_file = text()?,
            "valuesInline" => c.values_inline = values_map(&f)?,
            "valuesMerge" => c.values_merge = text()?,
            "includeCRDs" => c.include_crds = flag()?,
            "skipHooks" => c.skip_hooks = flag()?,
            "apiVersions" => c.api_versions = string_list(&f)?,
            "kubeVersion" => c.kube_version = text()?,
            "nameTemplate" => c.name_template = text()?,
            "skipTests" => c.skip_tests = flag()?,
            "debug" => c.debug = flag()?,
            "chartHome" => g.chart_home = text()?,
            _ => g.config_home = text()?,
        }
    }
    Ok((c, g))
}

/// A `map[string]interface{}` field: any map (`None` for null). Go's JSON decoder reads every
/// number in it as a float64 (`12345678901234567890` is `12345678901234567000` to kustomize).
fn values_map(f: &Field) -> Result<Option<Node>> {
    fn floats(n: &mut Node) {
        match &mut n.value {
            Value::Int(i) => n.value = Value::Float(*i as f64),
            Value::UInt(u) => n.value = Value::Float(*u as f64),
            Value::Map(m) => m.values_mut().for_each(floats),
            Value::Seq(items) => items.iter_mut().for_each(floats),
            _ => {}
        }
    }
    match &f.node.value {
        Value::Null => Ok(None),
        Value::Map(_) => {
            let mut values = f.node.clone();
            floats(&mut values);
            Ok(Some(values))
        }
        _ => Err(f.type_error(f.node, "map[string]interface {}")),
    }
}

/// The deprecated `helmChartInflationGenerator` (`[]types.HelmChartArgs`) as kustomize converts
/// it: a chart per entry (`releaseNamespace`, `chartRepoName`, `helmBin` and `extraArgs` are
/// dropped), and the last non-empty `chartHome` and `helmHome` as globals.
fn decode_helm_chart_args(items: Vec<Fields>) -> Result<(Vec<HelmChart>, HelmGlobals)> {
    let mut charts = Vec::new();
    let mut globals = HelmGlobals::default();
    let names = [
        "chartName",
        "chartVersion",
        "chartRepoUrl",
        "chartHome",
        "chartRepoName",
        "helmBin",
        "helmHome",
        "values",
        "valuesLocal",
        "valuesMerge",
        "releaseName",
        "releaseNamespace",
        "extraArgs",
    ];
    for mut o in items {
        let mut c = HelmChart { pos: o.pos(), ..HelmChart::default() };
        while let Some(f) = o.next(&names)? {
            let text = || Ok::<_, Error>(f.string()?.unwrap_or_default());
            match f.name {
                "chartName" => c.name = text()?,
                "chartVersion" => c.version = text()?,
                "chartRepoUrl" => c.repo = text()?,
                "values" => c.values_file = text()?,
                "valuesLocal" => c.values_inline = values_map(&f)?,
                "valuesMerge" => c.values_merge = text()?,
                "releaseName" => c.release_name = text()?,
                "chartHome" => {
                    globals.chart_home = Some(text()?).filter(|h| !h.is_empty()).unwrap_or(globals.chart_home)
                }
                "helmHome" => {
                    globals.config_home = Some(text()?).filter(|h| !h.is_empty()).unwrap_or(globals.config_home)
                }
                "extraArgs" => drop(string_list(&f)?),
                _ => drop(text()?),
            }
        }
        charts.push(c);
    }
    Ok((charts, globals))
}

fn decode_sort(mut o: Fields) -> Result<SortOptions> {
    let mut s = SortOptions::default();
    while let Some(f) = o.next(&["order", "legacySortOptions"])? {
        match f.name {
            "order" => s.order = f.string_of("types.SortOrder")?.unwrap_or_default(),
            _ => {
                let Some(mut legacy) = f.object("LegacySortOptions", "types.LegacySortOptions")? else { continue };
                let (mut first, mut last) = (Vec::new(), Vec::new());
                while let Some(f) = legacy.next(&["orderFirst", "orderLast"])? {
                    match f.name {
                        "orderFirst" => first = string_list(&f)?,
                        _ => last = string_list(&f)?,
                    }
                }
                s.legacy = Some((first, last));
            }
        }
    }
    Ok(s)
}

/// kustomize configures each builtin plugin with its part of the kustomization marshalled to
/// YAML (`sigs.k8s.io/yaml`: JSON, read back by go-yaml v2), which fails on a character
/// go-yaml's reader refuses and JSON leaves raw: DEL, C1 controls, U+FFFE, U+FFFF ("builtin
/// SecretGenerator marshal: yaml: control characters are not allowed"), whether or not the
/// value would reach the output (a Secret's data is base64).
fn check_plugin_configs(doc: &Node) -> Result<()> {
    let Some(fields) = doc.as_map() else { return Ok(()) };
    // generatorOptions reach a plugin only merged into a generator's.
    let generators = ["configMapGenerator", "secretGenerator"].iter().any(|g| fields.contains_key(*g));
    // A field not in the table (unknown, or another case) is treated as a plugin's.
    let read_by_build = |name: &str| FIELDS.iter().any(|&(field, reader)| field == name && reader == ReadBy::Build);
    let plugin_field = |name: &str| !read_by_build(name) && (name != "generatorOptions" || generators);
    for (name, value) in fields.iter().filter(|(name, _)| plugin_field(name)) {
        if let Some((u, path)) = crate::yaml::read::unprintable(value) {
            let at = if path.is_empty() {
                name.clone()
            } else {
                format!("{name}{}{path}", if path.starts_with('[') { "" } else { "." })
            };
            return Err(Error::new(format!(
                "kustomize cannot configure its builtin plugin for '{name}': {} at '{at}' makes its YAML \
                 marshalling fail ({})",
                u.what(),
                u.why()
            ))
            .help("remove the character, or write it some other way (kustomize fails on it too)")
            .at(value.pos));
        }
    }
    Ok(())
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
    fn a_character_go_yaml_refuses_in_a_plugin_field_is_refused_and_elsewhere_left_to_its_reader() {
        let err = parse("secretGenerator: [{name: s, literals: [\"k=a\\x7fb\"]}]\n").unwrap_err();
        assert!(
            err.message().contains("builtin plugin for 'secretGenerator': the character U+007F"),
            "{}",
            err.message()
        );
        let err = parse("commonAnnotations: {a: \"\\u0085x\\u009f\"}\n").unwrap_err();
        assert!(err.message().contains("U+009F"), "{}", err.message());
        // Keys go-yaml cannot read back from JSON (kubectl: builtin AnnotationsTransformer marshal:
        // did not find expected ',' or '}').
        let err = parse("commonAnnotations: {\"a\\u0085b\": x}\n").unwrap_err();
        assert!(err.message().contains("a key holding U+0085 at 'commonAnnotations.a\\u{85}b'"), "{}", err.message());
        let err = parse(&format!("commonAnnotations: {{{}: x}}\n", "k".repeat(1023))).unwrap_err();
        assert!(err.message().contains("a key 1025 characters long as JSON"), "{}", err.message());
        parse(&format!("commonAnnotations: {{{}: x}}\n", "k".repeat(1022))).unwrap();
        // JSON escapes C0 controls, so they pass; `resources` is no plugin's configuration.
        parse("commonAnnotations: {a: \"\\x01\\e\"}\n").unwrap();
        parse("resources: [\"a\\x7f.yaml\"]\n").unwrap();
        parse("generatorOptions: {labels: {a: \"\\x7f\"}}\n").unwrap();
        assert!(parse("generatorOptions: {labels: {a: \"\\x7f\"}}\nconfigMapGenerator: [{name: c}]\n").is_err());
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
        // A kind that is no string is Go's type error, as in kubectl.
        let e = parse("kind: 1\n").unwrap_err();
        assert!(e.message().ends_with("Go struct field Kustomization.kind of type string"), "{e}");
        let e = parse("sortOptions: {order: 1}\n").unwrap_err();
        assert!(e.message().ends_with("SortOptions.sortOptions.order of type types.SortOrder"), "{e}");
        assert_eq!(parse("kind: Component\nresources: []\n").unwrap().kind, KustKind::Component);
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
        let fields: Vec<&str> = k.warnings.iter().map(|d| d.field).collect();
        assert_eq!(fields, ["bases", "commonLabels", "vars"]);
        assert_eq!(k.warnings[0].pos, Pos::new(2, 8));
        assert!(k.warnings[0].message().starts_with("'bases' is deprecated. Please use 'resources' instead."));
        assert!(k.warnings[2].message().contains("Please use 'replacements' instead. [EXPERIMENTAL] Run"));
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
    fn helm_charts_decode_with_globals_and_the_deprecated_field_folded_in_after_them() {
        let k = parse(
            "helmChartInflationGenerator:\n- chartName: old\n  chartHome: a\n  releaseNamespace: x\n  valuesLocal: {n: 1}\n\
             - chartName: older\n  chartHome: b\n  helmHome: h\n\
             helmCharts:\n- name: new\n  includeCRDs: true\n  apiVersions: [v1]\n  valuesInline: {a: {b: 2}}\n",
        )
        .unwrap();
        let names: Vec<&str> = k.helm_charts.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["new", "old", "older"]);
        assert!(k.helm_charts[0].include_crds && k.helm_charts[0].api_versions == ["v1"]);
        // Go's JSON reads every number of valuesInline as a float64.
        let inline = k.helm_charts[0].values_inline.as_ref().unwrap();
        assert!(
            matches!(inline.get("a").and_then(|a| a.get("b")).map(|b| &b.value), Some(Value::Float(f)) if *f == 2.0)
        );
        assert_eq!(k.helm_charts[1].namespace, "");
        // The last non-empty homes of the deprecated entries, unless helmGlobals is given.
        let g = k.helm_globals.unwrap();
        assert_eq!((g.chart_home.as_str(), g.config_home.as_str()), ("b", "h"));
        let k = parse("helmGlobals: {chartHome: c}\nhelmChartInflationGenerator:\n- chartName: x\n  chartHome: a\n")
            .unwrap();
        assert_eq!(k.helm_globals.unwrap().chart_home, "c");
    }

    #[test]
    fn helm_chart_fields_are_checked_as_kustomize_decodes_them() {
        let e = parse("helmCharts:\n- name: a\n  chartHome: c\n").unwrap_err();
        assert_eq!(e.message(), "invalid Kustomization: json: unknown field \"chartHome\"");
        let e = parse("helmCharts:\n- name: a\n  valuesInline: [1]\n").unwrap_err();
        assert!(e.message().ends_with("HelmChart.helmCharts.valuesInline of type map[string]interface {}"), "{e}");
        assert!(parse("helmGlobals: {configHome: 1}\n").is_err());
    }

    #[test]
    fn sort_options_keep_whether_legacy_options_were_given() {
        let k = parse("sortOptions:\n  order: fifo\n  legacySortOptions: {}\n").unwrap();
        assert_eq!(k.sort_options.unwrap().legacy, Some((vec![], vec![])));
    }
}
