//! The `transformers:` and `generators:` fields: configurations of kustomize's built-in plugins
//! (`apiVersion: builtin`), each entry a file, a directory holding a kustomization whose output
//! are such configurations, or the YAML text of one inline.
//!
//! The kinds kustomize v5.5.0 accepts there, with the fields of each:
//! - transformers: PrefixTransformer, SuffixTransformer, PrefixSuffixTransformer,
//!   LabelTransformer, AnnotationsTransformer, NamespaceTransformer, ImageTagTransformer,
//!   ReplicaCountTransformer, PatchTransformer (`path`/`patch`, `target`, `options`, as a
//!   `patches` entry), PatchJson6902Transformer (`target`, `path`/`jsonOp`, as a
//!   `patchesJson6902` entry), PatchStrategicMergeTransformer (`paths`, as
//!   `patchesStrategicMerge`, plus `patches`, a stream of patches), ReplacementTransformer
//!   (`replacements`, as the kustomization field), HashTransformer (appends the content hash to
//!   the names of generated objects that want one, now; the build does it again at the end);
//! - generators: ConfigMapGenerator, SecretGenerator, IAMPolicyGenerator.
//!
//! Each runs through the same code as the kustomization field it mirrors; files a configuration
//! names are read from the directory of the kustomization that lists it. ValueAddTransformer and
//! HelmChartInflationGenerator are refused by name; a generator kind among transformers (and the
//! reverse) is an error, as in kustomize.

use crate::accumulate::{Accumulator, Builder};
use crate::build_metadata::{self, ConfiguredBy};
use crate::error::{bail, Error, Result};
use crate::generate::{configmap, hash};
use crate::kustomization::{GeneratorArgs, GeneratorOptions, Image, Patch, Replica, Selector, Spanned};
use crate::load::{parse_resources, LoadedKustomization};
use crate::resource::Resource;
use crate::trace::{self, Step};
use crate::transform::config::parse_spec;
use crate::transform::fieldspec::Spec;
use crate::transform::{annotations, images, labels, namespace, patches, prefix_suffix, replacements, replicas, Site};
use crate::yaml::node::{Map, Node, Pos, Value};
use crate::yaml::read::{parse_stream, Schema};
use indexmap::IndexMap;

/// Runs the kustomization's `transformers:`, in order.
pub fn run_transformers(b: &mut Builder, lk: &LoadedKustomization, acc: &mut Accumulator) -> Result<()> {
    if lk.kustomization.transformers.is_empty() {
        return Ok(());
    }
    let configs = load_configs(b, lk, &lk.kustomization.transformers, "transformers")?;
    for (i, (cfg, at)) in configs.iter().enumerate() {
        trace::begin(&mut b.tracer, &mut acc.resources);
        transform(b, lk, acc, cfg).map_err(|e| e.in_file(&cfg.origin).at(*at).context(describe(cfg)))?;
        trace::end(&mut b.tracer, &mut acc.resources, || step("transformers", i, cfg, *at));
        build_metadata::record(b, &ConfiguredBy::plugin(cfg), acc);
    }
    Ok(())
}

/// Runs the kustomization's `generators:`, adding what they make.
pub fn run_generators(b: &mut Builder, lk: &LoadedKustomization, acc: &mut Accumulator) -> Result<()> {
    if lk.kustomization.generators.is_empty() {
        return Ok(());
    }
    let configs = load_configs(b, lk, &lk.kustomization.generators, "generators")?;
    for (i, (cfg, at)) in configs.iter().enumerate() {
        trace::begin(&mut b.tracer, &mut acc.resources);
        generate(b, lk, acc, cfg).map_err(|e| e.in_file(&cfg.origin).at(*at).context(describe(cfg)))?;
        trace::end(&mut b.tracer, &mut acc.resources, || step("generators", i, cfg, *at));
    }
    Ok(())
}

/// A configuration of `transformers:` or `generators:`, for `kcompile explain`.
fn step(field: &str, i: usize, cfg: &Resource, at: Pos) -> Step {
    let pos = if cfg.node.pos.is_synthetic() { at } else { cfg.node.pos };
    Step::at(format!("{field}[{i}]"), &cfg.origin, pos).detail(format!("{} {}", cfg.kind(), cfg.name()))
}

fn describe(cfg: &Resource) -> String {
    format!("in plugin {} ({})", cfg.kind(), cfg.name())
}

/// The plugin configurations the entries name, each with the position of its entry when it is
/// inline (positions inside inline text do not point into the kustomization file, so they are
/// dropped and errors point at the entry). As in kustomize, inline configurations come first,
/// then those read from files and directories.
fn load_configs(
    b: &mut Builder,
    lk: &LoadedKustomization,
    entries: &[Spanned],
    field: &str,
) -> Result<Vec<(Resource, Pos)>> {
    let mut acc = Accumulator::default();
    let mut inline_pos = Vec::new();
    let mut paths = Vec::new();
    for entry in entries {
        match inline_docs(&entry.value) {
            Some(_) => {
                let mut rs = parse_resources(&entry.value, &lk.file).map_err(|e| e.at(entry.pos))?;
                for r in &mut rs {
                    forget_positions(&mut r.node);
                }
                inline_pos.extend(rs.iter().map(|_| entry.pos));
                acc.append_all(rs).map_err(|e| e.in_file(&lk.file).at(entry.pos))?;
            }
            None => paths.push(entry),
        }
    }
    for entry in paths {
        b.accumulate_resource(&lk.dir, &entry.value, &mut acc)
            .map_err(|e| e.in_file(&lk.file).at(entry.pos).context(format!("in {field} entry '{}'", entry.value)))?;
    }
    let positions = inline_pos.into_iter().chain(std::iter::repeat(Pos::default()));
    Ok(acc.resources.into_iter().zip(positions).collect())
}

/// Marks a node and everything below it as having no position in a file.
fn forget_positions(n: &mut Node) {
    n.pos = Pos::default();
    match &mut n.value {
        Value::Map(m) => m.values_mut().for_each(forget_positions),
        Value::Seq(items) => items.iter_mut().for_each(forget_positions),
        _ => {}
    }
}

/// An entry is an inline configuration when it reads as YAML maps (a path reads as a string).
fn inline_docs(entry: &str) -> Option<Vec<Node>> {
    let docs = parse_stream(entry, Schema::V3).ok()?;
    if docs.is_empty() || !docs.iter().all(|d| matches!(d.value, Value::Map(_))) {
        return None;
    }
    Some(docs)
}

/// The generator kinds kustomize v5.5.0 has (refused among transformers).
const GENERATOR_KINDS: &[&str] = &["ConfigMapGenerator", "SecretGenerator", "IAMPolicyGenerator"];

/// The transformer kinds kustomize v5.5.0 has (refused among generators).
const TRANSFORMER_KINDS: &[&str] = &[
    "AnnotationsTransformer",
    "HashTransformer",
    "ImageTagTransformer",
    "LabelTransformer",
    "NamespaceTransformer",
    "PatchJson6902Transformer",
    "PatchStrategicMergeTransformer",
    "PatchTransformer",
    "PrefixSuffixTransformer",
    "PrefixTransformer",
    "ReplacementTransformer",
    "ReplicaCountTransformer",
    "SuffixTransformer",
    "ValueAddTransformer",
];

/// The error for a kind this step cannot run: one of the other step, one kcompile does not
/// implement, or one kustomize does not have.
fn refuse(kind: &str, step: &str) -> Error {
    let other = if step == "transformer" { GENERATOR_KINDS } else { TRANSFORMER_KINDS };
    match kind {
        k if other.contains(&k) => {
            let field = if step == "transformer" { "generators" } else { "transformers" };
            Error::new(format!("plugin {k} is not a {step} (it belongs in '{field}:')"))
        }
        "HelmChartInflationGenerator" => Error::new(
            "HelmChartInflationGenerator is not supported by kcompile (it runs helm, which kustomize does only \
             with --enable-helm)",
        )
        .with_kind(crate::ErrorKind::Unsupported),
        "ValueAddTransformer" => Error::new("the built-in plugin 'ValueAddTransformer' is not supported by kcompile")
            .with_kind(crate::ErrorKind::Unsupported),
        k => Error::new(format!("unable to load builtin {k}: kustomize v5.5.0 has no built-in {step} of that kind")),
    }
}

/// Refuses configurations that are not of a built-in plugin.
fn builtin_kind(cfg: &Resource) -> Result<&str> {
    let api_version = cfg.str_field(&["apiVersion"]);
    if api_version != "builtin" {
        bail!(
            "unable to load external plugin {} (apiVersion '{api_version}'): kcompile runs only kustomize's built-in plugins (apiVersion: builtin)",
            cfg.kind()
        );
    }
    Ok(cfg.kind())
}

/// Applies one transformer configuration. Files it names are read through `b` from the
/// kustomization's directory `lk.dir`.
fn transform(b: &mut Builder, lk: &LoadedKustomization, acc: &mut Accumulator, cfg: &Resource) -> Result<()> {
    let c = &cfg.node;
    let site = Site { dir: &lk.dir, file: &cfg.origin };
    let what = |p: &Patch| match &p.path {
        Some(path) => format!("patch '{path}'"),
        None => "inline patch".to_string(),
    };
    match builtin_kind(cfg)? {
        "PatchTransformer" => {
            let p = patch_config(c, get(c, "patch"))?;
            patches::patch(b, site, acc, &mut patches::NameIndex::default(), &p, &what(&p))
        }
        "PatchJson6902Transformer" => {
            let p = patch_config(c, get(c, "jsonOp"))?;
            patches::json6902(b, site, acc, &mut patches::NameIndex::default(), &p, &what(&p))
        }
        "PatchStrategicMergeTransformer" => {
            let paths = strings(c, "paths")?;
            let inline = string(c, "patches")?;
            if paths.is_empty() && inline.is_empty() {
                bail!("empty file path and empty patch content");
            }
            let pos = get(c, "paths").map(|n| n.pos).unwrap_or(c.pos);
            let entries: Vec<Spanned> = paths.into_iter().map(|value| Spanned { value, pos }).collect();
            patches::strategic_merge(
                b,
                site,
                acc,
                &mut patches::NameIndex::default(),
                &entries,
                Some(inline.as_str()).filter(|t| !t.is_empty()),
            )
        }
        "ReplacementTransformer" => match get(c, "replacements") {
            None => Ok(()),
            Some(Node { value: Value::Seq(entries), .. }) => replacements::replace(b, site, entries, acc),
            Some(other) => Err(type_error(other, "replacements", "[]ReplacementField")),
        },
        "HashTransformer" => {
            hash::add_suffixes(&mut acc.resources);
            Ok(())
        }
        kind => transform_fields(kind, c, &mut acc.resources),
    }
}

/// The transformers configured by fields alone (no files).
fn transform_fields(kind: &str, c: &Node, resources: &mut [Resource]) -> Result<()> {
    match kind {
        "PrefixTransformer" => {
            prefix_suffix::run(resources, prefix_suffix::Affix::Prefix, &string(c, "prefix")?, &required_specs(c)?)
        }
        "SuffixTransformer" => {
            prefix_suffix::run(resources, prefix_suffix::Affix::Suffix, &string(c, "suffix")?, &required_specs(c)?)
        }
        "PrefixSuffixTransformer" => {
            let specs = required_specs(c)?;
            prefix_suffix::run(resources, prefix_suffix::Affix::Prefix, &string(c, "prefix")?, &specs)?;
            prefix_suffix::run(resources, prefix_suffix::Affix::Suffix, &string(c, "suffix")?, &specs)
        }
        "LabelTransformer" => labels::run(resources, &string_map(c, "labels")?, &specs(c)?),
        "AnnotationsTransformer" => annotations::run(resources, &string_map(c, "annotations")?, &specs(c)?),
        "NamespaceTransformer" => {
            let ns = get(c, "metadata").map(|m| string(m, "namespace")).transpose()?.unwrap_or_default();
            let subjects = namespace::SubjectMode::parse(&string(c, "setRoleBindingSubjects")?)?;
            namespace::Namespace { namespace: &ns, specs: &specs(c)?, unset_only: boolean(c, "unsetOnly")?, subjects }
                .run(resources)
        }
        "ImageTagTransformer" => {
            let t = get(c, "imageTag");
            let field = |k: &str| -> Result<Option<String>> {
                Ok(t.map(|t| string(t, k)).transpose()?.filter(|s| !s.is_empty()))
            };
            let image = Image {
                name: field("name")?.unwrap_or_default(),
                new_name: field("newName")?,
                new_tag: field("newTag")?,
                digest: field("digest")?,
                tag_suffix: field("tagSuffix")?,
            };
            images::run(resources, &image, &specs(c)?)
        }
        "ReplicaCountTransformer" => {
            let r = get(c, "replica");
            let count = match r.and_then(|r| get(r, "count")).map(|n| &n.value) {
                None => 0,
                Some(Value::Int(i)) => *i,
                Some(other) => bail!("replica count must be an integer, found a {}", other.type_name()),
            };
            let name = r.map(|r| string(r, "name")).transpose()?.unwrap_or_default();
            replicas::run(resources, &Replica { name, count }, &specs(c)?)
        }
        other => Err(refuse(other, "transformer")),
    }
}

/// A patch plugin's configuration as a kustomization patch entry: `path`, the patch text
/// (`patch` or `jsonOp`), `target`, `options`.
fn patch_config(c: &Node, text: Option<&Node>) -> Result<Patch> {
    let text = match text {
        None => None,
        Some(Node { value: Value::Str(s), .. }) => Some(s.clone()),
        Some(other) => return Err(type_error(other, "patch", "string")),
    };
    let path = Some(string(c, "path")?).filter(|p| !p.is_empty());
    let target = get(c, "target").map(selector).transpose()?;
    let options = get(c, "options");
    let option =
        |k: &str| -> Result<bool> { options.map(|o| boolean(o, k)).transpose().map(Option::unwrap_or_default) };
    Ok(Patch {
        path,
        patch: text,
        target,
        allow_name_change: option("allowNameChange")?,
        allow_kind_change: option("allowKindChange")?,
        pos: c.pos,
    })
}

/// A target selector (unknown fields are ignored, as kustomize decodes plugin configurations).
fn selector(n: &Node) -> Result<Selector> {
    let field = |k: &str| -> Result<Option<String>> { Ok(Some(string(n, k)?).filter(|s| !s.is_empty())) };
    Ok(Selector {
        group: field("group")?,
        version: field("version")?,
        kind: field("kind")?,
        name: field("name")?,
        namespace: field("namespace")?,
        label_selector: field("labelSelector")?,
        annotation_selector: field("annotationSelector")?,
    })
}

fn generate(b: &mut Builder, lk: &LoadedKustomization, acc: &mut Accumulator, cfg: &Resource) -> Result<()> {
    let c = &cfg.node;
    match builtin_kind(cfg)? {
        kind @ ("ConfigMapGenerator" | "SecretGenerator") => {
            let args = generator_args(cfg)?;
            let kind = if kind == "SecretGenerator" { configmap::Kind::Secret } else { configmap::Kind::ConfigMap };
            let mut r = configmap::generate(&b.loader, &lk.dir, &cfg.origin, kind, &args, None)?;
            r.configured_by = Some(ConfiguredBy::plugin(cfg));
            configmap::add(acc, r, &args.behavior)
        }
        "IAMPolicyGenerator" => {
            let cloud = string(c, "cloud")?;
            if cloud != "gke" {
                bail!("cloud provider {cloud} not supported yet");
            }
            let ks = get(c, "kubernetesService");
            let sa = get(c, "serviceAccount");
            let part = |n: Option<&Node>, k: &str| -> Result<String> {
                Ok(n.map(|n| string(n, k)).transpose()?.unwrap_or_default())
            };
            let mut annotations = Map::default();
            annotations.insert(
                "iam.gke.io/gcp-service-account".into(),
                Node::string(format!("{}@{}.iam.gserviceaccount.com", part(sa, "name")?, part(sa, "projectId")?)),
            );
            let mut meta = Map::default();
            meta.insert("annotations".into(), Node::new(Value::Map(annotations)));
            meta.insert("name".into(), Node::string(part(ks, "name")?));
            let ns = part(ks, "namespace")?;
            if !ns.is_empty() {
                meta.insert("namespace".into(), Node::string(ns));
            }
            let mut obj = Map::default();
            obj.insert("apiVersion".into(), Node::string("v1"));
            obj.insert("kind".into(), Node::string("ServiceAccount"));
            obj.insert("metadata".into(), Node::new(Value::Map(meta)));
            let mut r = Resource::new(Node::new(Value::Map(obj)), cfg.origin.clone());
            r.configured_by = Some(ConfiguredBy::plugin(cfg));
            configmap::add(acc, r, "")
        }
        "HelmChartInflationGenerator" => Err(refuse("HelmChartInflationGenerator", "generator")),
        other => Err(refuse(other, "generator")),
    }
}

/// ConfigMapGenerator / SecretGenerator arguments: the kustomization's generator fields at the
/// top level, name and namespace defaulting to the config's own.
fn generator_args(cfg: &Resource) -> Result<GeneratorArgs> {
    let c = &cfg.node;
    let mut name = string(c, "name")?;
    if name.is_empty() {
        name = cfg.name().to_string();
    }
    let mut ns = string(c, "namespace")?;
    if ns.is_empty() {
        ns = cfg.namespace().to_string();
    }
    let mut envs = strings(c, "envs")?;
    let env = string(c, "env")?;
    if !env.is_empty() {
        envs.push(env);
    }
    let options = match get(c, "options") {
        None => None,
        Some(o) => Some(GeneratorOptions {
            labels: string_map(o, "labels")?,
            annotations: string_map(o, "annotations")?,
            disable_name_suffix_hash: get(o, "disableNameSuffixHash")
                .map(|_| boolean(o, "disableNameSuffixHash"))
                .transpose()?,
            immutable: get(o, "immutable").map(|_| boolean(o, "immutable")).transpose()?,
        }),
    };
    let type_ = Some(string(c, "type")?).filter(|t| !t.is_empty());
    Ok(GeneratorArgs {
        name,
        namespace: ns,
        behavior: string(c, "behavior")?,
        literals: strings(c, "literals")?,
        literal_pos: Vec::new(),
        files: strings(c, "files")?,
        envs,
        options,
        type_,
        pos: c.pos,
    })
}

/// A field by case-insensitive name (plugin configs are decoded as JSON into Go structs);
/// null counts as absent.
fn get<'a>(n: &'a Node, key: &str) -> Option<&'a Node> {
    let m = n.as_map()?;
    m.get(key).or_else(|| m.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v)).filter(|v| !v.is_null())
}

fn type_error(n: &Node, key: &str, want: &str) -> Error {
    Error::new(format!("json: cannot unmarshal {} into Go value of type {want} (field '{key}')", n.value.type_name()))
        .at(n.pos)
}

fn string(n: &Node, key: &str) -> Result<String> {
    match get(n, key) {
        None => Ok(String::new()),
        Some(Node { value: Value::Str(s), .. }) => Ok(s.clone()),
        Some(other) => Err(type_error(other, key, "string")),
    }
}

fn boolean(n: &Node, key: &str) -> Result<bool> {
    match get(n, key) {
        None => Ok(false),
        Some(Node { value: Value::Bool(b), .. }) => Ok(*b),
        Some(other) => Err(type_error(other, key, "bool")),
    }
}

fn strings(n: &Node, key: &str) -> Result<Vec<String>> {
    match get(n, key) {
        None => Ok(Vec::new()),
        Some(Node { value: Value::Seq(items), .. }) => items
            .iter()
            .map(|i| match &i.value {
                Value::Str(s) => Ok(s.clone()),
                _ => Err(type_error(i, key, "string")),
            })
            .collect(),
        Some(other) => Err(type_error(other, key, "[]string")),
    }
}

fn string_map(n: &Node, key: &str) -> Result<IndexMap<String, String>> {
    match get(n, key) {
        None => Ok(IndexMap::new()),
        Some(Node { value: Value::Map(m), .. }) => m
            .iter()
            .map(|(k, v)| match &v.value {
                Value::Str(s) => Ok((k.clone(), s.clone())),
                _ => Err(type_error(v, key, "string")),
            })
            .collect(),
        Some(other) => Err(type_error(other, key, "map[string]string")),
    }
}

fn specs(n: &Node) -> Result<Vec<Spec>> {
    match get(n, "fieldSpecs") {
        None => Ok(Vec::new()),
        Some(Node { value: Value::Seq(items), .. }) => items.iter().map(parse_spec).collect(),
        Some(other) => Err(type_error(other, "fieldSpecs", "[]FieldSpec")),
    }
}

/// Prefix and suffix transformers refuse a configuration without field specs.
fn required_specs(n: &Node) -> Result<Vec<Spec>> {
    if get(n, "fieldSpecs").is_none() {
        bail!("fieldSpecs is not expected to be nil");
    }
    specs(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_not_inline() {
        assert!(inline_docs("prefixer.yaml").is_none());
        assert!(inline_docs("../base").is_none());
        assert!(inline_docs("apiVersion: builtin\nkind: PrefixTransformer\nmetadata:\n  name: p\n").is_some());
    }

    #[test]
    fn patch_plugin_fields_map_onto_a_patch_entry() {
        let c = parse_stream(
            "kind: PatchTransformer\nPath: p.yaml\ntarget: {kind: Deployment, labelSelector: 'a=b', extra: 1}\n\
             options: {allowNameChange: true}\n",
            Schema::V3,
        )
        .unwrap()
        .remove(0);
        let p = patch_config(&c, get(&c, "patch")).unwrap();
        assert_eq!(p.path.as_deref(), Some("p.yaml"));
        assert_eq!(p.patch, None);
        let t = p.target.unwrap();
        assert_eq!((t.kind.as_deref(), t.label_selector.as_deref(), t.name), (Some("Deployment"), Some("a=b"), None));
        assert!(p.allow_name_change && !p.allow_kind_change);
        let bad = parse_stream("kind: PatchTransformer\npatch: [1]\n", Schema::V3).unwrap().remove(0);
        assert!(patch_config(&bad, get(&bad, "patch")).is_err());
    }

    #[test]
    fn kinds_of_the_other_step_and_unknown_kinds_are_refused_by_name() {
        assert!(refuse("ConfigMapGenerator", "transformer").message().contains("belongs in 'generators:'"));
        assert!(refuse("PatchTransformer", "generator").message().contains("belongs in 'transformers:'"));
        assert!(refuse("SortOrderTransformer", "transformer").message().contains("unable to load builtin"));
        assert!(refuse("HelmChartInflationGenerator", "generator").message().contains("helm"));
    }
}
