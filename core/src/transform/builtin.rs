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
//! - generators: ConfigMapGenerator, SecretGenerator, IAMPolicyGenerator,
//!   HelmChartInflationGenerator (a `helmCharts` entry and the `helmGlobals` fields at the top
//!   level, see [`crate::generate::helm`]).
//!
//! Each runs through the same code as the kustomization field it mirrors; files a configuration
//! names are read from the directory of the kustomization that lists it. ValueAddTransformer is refused
//! by name; a generator kind among transformers (and the reverse) is an error, as in kustomize.

use crate::accumulate::Accumulator;
use crate::build_metadata::{self, ConfiguredBy};
use crate::ctx::Ctx;
use crate::decode::{Field, Fields, Rules};
use crate::error::{bail, Error, Result};
use crate::generate::{configmap, hash, helm};
use crate::kustomization::{
    decode_generator, decode_helm_chart, decode_image, decode_patch_options, decode_replica, decode_selector,
    GeneratorArgs, HelmChart, Image, Patch, Spanned, HELM_FIELDS,
};
use crate::load::{parse_resources, LoadedKustomization};
use crate::resource::Resource;
use crate::trace::{self, Attribution};
use crate::transform::fieldspec::Spec;
use crate::transform::openapi::SchemaState;
use crate::transform::{
    annotations, config, images, labels, namespace, patches, prefix_suffix, replacements, replicas, Site,
};
use crate::yaml::node::{Map, Node, Pos, Value};
use crate::yaml::read::{parse_stream, Schema};
use indexmap::IndexMap;

/// Runs the kustomization's `transformers:`, in order: `configs` are their configurations, each
/// with the position of its entry when it is inline (see [`inline_configs`]).
pub fn run_transformers(
    ctx: &mut Ctx,
    schema: &mut SchemaState,
    flags: &build_metadata::Flags,
    remote: Option<std::sync::Arc<crate::remote::RemoteOrigin>>,
    lk: &LoadedKustomization,
    acc: &mut Accumulator,
    configs: &[(Resource, Pos)],
) -> Result<()> {
    for (i, (cfg, at)) in configs.iter().enumerate() {
        trace::begin(&mut ctx.tracer, &mut acc.resources);
        transform(ctx, schema, lk, acc, cfg).map_err(|e| e.in_file(&cfg.origin).at(*at).context(describe(cfg)))?;
        trace::end(&mut ctx.tracer, &mut acc.resources, || step("transformers", i, cfg, *at));
        build_metadata::record(flags, remote.clone(), &ConfiguredBy::plugin(cfg), acc);
    }
    Ok(())
}

/// Runs the kustomization's `generators:` (their configurations, as for
/// [`run_transformers`]), adding what they make.
pub fn run_generators(
    ctx: &mut Ctx,
    lk: &LoadedKustomization,
    acc: &mut Accumulator,
    configs: &[(Resource, Pos)],
) -> Result<()> {
    for (i, (cfg, at)) in configs.iter().enumerate() {
        trace::begin(&mut ctx.tracer, &mut acc.resources);
        generate(ctx, lk, acc, cfg).map_err(|e| e.in_file(&cfg.origin).at(*at).context(describe(cfg)))?;
        trace::end(&mut ctx.tracer, &mut acc.resources, || step("generators", i, cfg, *at));
    }
    Ok(())
}

/// A configuration of `transformers:` or `generators:`, for `kcompile explain`.
fn step(field: &str, i: usize, cfg: &Resource, at: Pos) -> Attribution {
    let pos = if cfg.node.pos.is_synthetic() { at } else { cfg.node.pos };
    Attribution::at(format!("{field}[{i}]"), &cfg.origin, pos).detail(format!("{} {}", cfg.kind(), cfg.name()))
}

fn describe(cfg: &Resource) -> String {
    format!("in plugin {} ({})", cfg.kind(), cfg.name())
}

/// The inline plugin configurations among `entries` (the YAML text of one or more), each with
/// the position of its entry (positions inside inline text do not point into the kustomization
/// file, so they are dropped and errors point at the entry), and the entries that are paths (a
/// file, or a directory holding a kustomization whose output are configurations), which the
/// accumulation reads. As in kustomize, inline configurations come first, then those read from
/// files and directories.
pub fn inline_configs<'e>(
    lk: &LoadedKustomization,
    entries: &'e [Spanned],
) -> Result<(Accumulator, Vec<Pos>, Vec<&'e Spanned>)> {
    let mut acc = Accumulator::default();
    let mut inline_pos = Vec::new();
    let mut paths = Vec::new();
    for entry in entries {
        match inline_docs(&entry.value) {
            Some(_) => {
                let mut rs = parse_resources(&entry.value, &lk.file).map_err(|e| e.at(entry.pos))?;
                for r in &mut rs {
                    helm::place(&mut r.node, Pos::default());
                }
                inline_pos.extend(rs.iter().map(|_| entry.pos));
                acc.append_all(rs).map_err(|e| e.in_file(&lk.file).at(entry.pos))?;
            }
            None => paths.push(entry),
        }
    }
    Ok((acc, inline_pos, paths))
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
const GENERATOR_KINDS: &[&str] =
    &["ConfigMapGenerator", "SecretGenerator", "IAMPolicyGenerator", "HelmChartInflationGenerator"];

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

/// Applies one transformer configuration. Files it names are read through `ctx` from the
/// kustomization's directory `lk.dir`.
fn transform(
    ctx: &mut Ctx,
    schema: &mut SchemaState,
    lk: &LoadedKustomization,
    acc: &mut Accumulator,
    cfg: &Resource,
) -> Result<()> {
    let c = &cfg.node;
    let site = Site { dir: &lk.dir, file: &cfg.origin };
    let what = |p: &Patch| match &p.path {
        Some(path) => format!("patch '{path}'"),
        None => "inline patch".to_string(),
    };
    match builtin_kind(cfg)? {
        "PatchTransformer" => {
            let p = patch_config(c, "patch")?;
            patches::patch(ctx, schema, site, acc, &mut patches::NameIndex::default(), &p, &what(&p))
        }
        "PatchJson6902Transformer" => {
            let p = patch_config(c, "jsonOp")?;
            patches::json6902(ctx, site, acc, &mut patches::NameIndex::default(), &p, &what(&p))
        }
        "PatchStrategicMergeTransformer" => {
            let config = Config::new(c, Rules::JSON, &["paths", "patches"])?;
            let paths = config.strings("paths")?;
            let inline = config.string("patches")?;
            if paths.is_empty() && inline.is_empty() {
                bail!("empty file path and empty patch content");
            }
            patches::strategic_merge(
                ctx,
                schema,
                site,
                acc,
                &mut patches::NameIndex::default(),
                &paths,
                Some(inline.as_str()).filter(|t| !t.is_empty()),
            )
        }
        "ReplacementTransformer" => {
            let config = Config::new(c, Rules::JSON, &["replacements"])?;
            let entries = config.get("replacements").map(replacements::decode_entries).transpose()?;
            replacements::replace(ctx, site, &entries.unwrap_or_default(), acc)
        }
        "HashTransformer" => {
            hash::add_suffixes(&mut acc.resources);
            Ok(())
        }
        kind => transform_fields(kind, c, &mut acc.resources),
    }
}

/// The transformers configured by fields alone (no files).
fn transform_fields(kind: &str, c: &Node, resources: &mut [Resource]) -> Result<()> {
    // The prefix and suffix plugins decode their configuration with kyaml, the others as JSON.
    let json = |names: &[&'static str]| Config::new(c, Rules::JSON, names);
    let mut affix = |affix: prefix_suffix::Affix, field: &'static str| -> Result<()> {
        let config = Config::new(c, Rules::KYAML, &[field, "fieldSpecs"])?;
        prefix_suffix::run(resources, affix, &config.string(field)?, &config.required_specs()?)
    };
    match kind {
        "PrefixTransformer" => affix(prefix_suffix::Affix::Prefix, "prefix"),
        "SuffixTransformer" => affix(prefix_suffix::Affix::Suffix, "suffix"),
        "PrefixSuffixTransformer" => {
            let config = Config::new(c, Rules::KYAML, &["prefix", "suffix", "fieldSpecs"])?;
            let specs = config.required_specs()?;
            prefix_suffix::run(resources, prefix_suffix::Affix::Prefix, &config.string("prefix")?, &specs)?;
            prefix_suffix::run(resources, prefix_suffix::Affix::Suffix, &config.string("suffix")?, &specs)
        }
        "LabelTransformer" => {
            let config = json(&["labels", "fieldSpecs"])?;
            labels::run(resources, &config.string_map("labels")?, &config.specs()?.unwrap_or_default())
        }
        "AnnotationsTransformer" => {
            let config = json(&["annotations", "fieldSpecs"])?;
            annotations::run(resources, &config.string_map("annotations")?, &config.specs()?.unwrap_or_default())
        }
        "NamespaceTransformer" => {
            let config = json(&["metadata", "fieldSpecs", "unsetOnly", "setRoleBindingSubjects"])?;
            let mut ns = String::new();
            if let Some(mut meta) = config.object("metadata", "ObjectMeta", "types.ObjectMeta")? {
                while let Some(f) = meta.next(&["namespace"])? {
                    ns = f.string()?.unwrap_or_default();
                }
            }
            let subjects = namespace::SubjectMode::parse(&config.string("setRoleBindingSubjects")?)?;
            let specs = config.specs()?.unwrap_or_default();
            namespace::Namespace { namespace: &ns, specs: &specs, unset_only: config.bool("unsetOnly")?, subjects }
                .run(resources)
        }
        "ImageTagTransformer" => {
            let config = json(&["imageTag", "fieldSpecs"])?;
            let image = config.object("imageTag", "Image", "types.Image")?.map(decode_image).transpose()?;
            // An empty string is a field not set.
            let set = |v: Option<String>| v.filter(|s| !s.is_empty());
            let image = image.map(|i| Image {
                name: i.name,
                new_name: set(i.new_name),
                new_tag: set(i.new_tag),
                digest: set(i.digest),
                tag_suffix: set(i.tag_suffix),
            });
            images::run(resources, &image.unwrap_or_default(), &config.specs()?.unwrap_or_default())
        }
        "ReplicaCountTransformer" => {
            let config = json(&["replica", "fieldSpecs"])?;
            let replica = config.object("replica", "Replica", "types.Replica")?.map(decode_replica).transpose()?;
            replicas::run(resources, &replica.unwrap_or_default(), &config.specs()?.unwrap_or_default())
        }
        other => Err(refuse(other, "transformer")),
    }
}

/// A patch plugin's configuration as a kustomization patch entry: `path`, the patch text
/// (`text`: `patch` or `jsonOp`), `target`, and for `patch` the `options`.
fn patch_config(c: &Node, text: &'static str) -> Result<Patch> {
    let names: &[&'static str] =
        if text == "patch" { &["path", "patch", "target", "options"] } else { &["path", "jsonOp", "target"] };
    let config = Config::new(c, Rules::JSON, names)?;
    let mut p = Patch {
        path: Some(config.string("path")?).filter(|p| !p.is_empty()),
        patch: config.get(text).map(Field::string).transpose()?.flatten(),
        target: config.object("target", "Selector", "types.Selector")?.map(decode_selector).transpose()?,
        pos: c.pos,
        ..Patch::default()
    };
    if let Some(options) = config.get("options") {
        decode_patch_options(options, &mut p)?;
    }
    Ok(p)
}

fn generate(ctx: &mut Ctx, lk: &LoadedKustomization, acc: &mut Accumulator, cfg: &Resource) -> Result<()> {
    let c = &cfg.node;
    match builtin_kind(cfg)? {
        kind @ ("ConfigMapGenerator" | "SecretGenerator") => {
            let secret = kind == "SecretGenerator";
            let args = generator_args(cfg, secret)?;
            let kind = if secret { configmap::GeneratorKind::Secret } else { configmap::GeneratorKind::ConfigMap };
            let mut r = configmap::generate(&ctx.loader, &lk.dir, &cfg.origin, kind, &args, None)?;
            r.configured_by = Some(ConfiguredBy::plugin(cfg));
            configmap::add(acc, r, &args.behavior)
        }
        "IAMPolicyGenerator" => {
            let config = Config::new(c, Rules::JSON, &["cloud", "kubernetesService", "serviceAccount"])?;
            let cloud = config.string("cloud")?;
            if cloud != "gke" {
                bail!("cloud provider {cloud} not supported yet");
            }
            let ks = config.fields("kubernetesService", "KubernetesService", &["name", "namespace"])?;
            let sa = config.fields("serviceAccount", "ServiceAccount", &["name", "projectId"])?;
            let part = |fields: &Config, k: &str| fields.string(k);
            let mut annotations = Map::default();
            annotations.insert(
                "iam.gke.io/gcp-service-account".into(),
                Node::string(format!("{}@{}.iam.gserviceaccount.com", part(&sa, "name")?, part(&sa, "projectId")?)),
            );
            let mut meta = Map::default();
            meta.insert("annotations".into(), Node::new(Value::Map(annotations)));
            meta.insert("name".into(), Node::string(part(&ks, "name")?));
            let ns = part(&ks, "namespace")?;
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
        "HelmChartInflationGenerator" => {
            let fields = Fields::root(c, Rules::JSON, "HelmChartInflationGeneratorPlugin", "main.plugin")?;
            let (chart, globals) = decode_helm_chart(fields, HELM_FIELDS)?;
            let chart = HelmChart { pos: cfg.node.pos, ..chart };
            let rs = helm::configure(ctx, &lk.dir, &globals, &chart)?.run(ctx, &cfg.origin, cfg.node.pos)?;
            helm::add(acc, rs, &ConfiguredBy::plugin(cfg))
        }
        other => Err(refuse(other, "generator")),
    }
}

/// ConfigMapGenerator / SecretGenerator arguments: the kustomization's generator fields at the
/// top level, name and namespace defaulting to the config's own.
fn generator_args(cfg: &Resource, secret: bool) -> Result<GeneratorArgs> {
    let fields = Fields::root(&cfg.node, Rules::JSON, "plugin", "main.plugin")?;
    let mut args = decode_generator(fields, secret)?;
    if args.name.is_empty() {
        args.name = cfg.name().to_string();
    }
    if args.namespace.is_empty() {
        args.namespace = cfg.namespace().to_string();
    }
    // Positions of literals point into the kustomization only for its own generators.
    args.literal_pos.clear();
    Ok(args)
}

/// A plugin configuration's fields (of `names`), decoded as its plugin decodes them; a field
/// written twice counts once, the last, as in Go.
struct Config<'a> {
    fields: Vec<Field<'a>>,
}

impl<'a> Config<'a> {
    fn new(c: &'a Node, rules: Rules, names: &[&'static str]) -> Result<Config<'a>> {
        Config::of(Fields::root(c, rules, "plugin", "main.plugin")?, names)
    }

    fn of(mut o: Fields<'a>, names: &[&'static str]) -> Result<Config<'a>> {
        let mut fields = Vec::new();
        while let Some(f) = o.next(names)? {
            fields.push(f);
        }
        Ok(Config { fields })
    }

    fn get(&self, name: &str) -> Option<&Field<'a>> {
        self.fields.iter().rev().find(|f| f.name == name)
    }

    fn string(&self, name: &str) -> Result<String> {
        Ok(self.get(name).map(Field::string).transpose()?.flatten().unwrap_or_default())
    }

    fn bool(&self, name: &str) -> Result<bool> {
        Ok(self.get(name).map(Field::bool).transpose()?.flatten().unwrap_or_default())
    }

    fn strings(&self, name: &str) -> Result<Vec<Spanned>> {
        Ok(self.get(name).map(Field::strings).transpose()?.unwrap_or_default())
    }

    fn string_map(&self, name: &str) -> Result<IndexMap<String, String>> {
        Ok(self.get(name).map(Field::string_map).transpose()?.unwrap_or_default())
    }

    /// A struct field's cursor (`go_type` names the struct, `go` the field's type).
    fn object(&self, name: &str, go_type: &'static str, go: &str) -> Result<Option<Fields<'a>>> {
        Ok(self.get(name).map(|f| f.object(go_type, go)).transpose()?.flatten())
    }

    /// A struct field's own fields (none when it is absent or null).
    fn fields(&self, name: &str, go_type: &'static str, names: &[&'static str]) -> Result<Config<'a>> {
        match self.object(name, go_type, &format!("types.{go_type}"))? {
            Some(o) => Config::of(o, names),
            None => Ok(Config { fields: Vec::new() }),
        }
    }

    /// `fieldSpecs`; `None` when absent or null.
    fn specs(&self) -> Result<Option<Vec<Spec>>> {
        let Some(f) = self.get("fieldSpecs").filter(|f| !f.node.is_null()) else { return Ok(None) };
        config::specs(f).map(Some)
    }

    /// Prefix and suffix transformers refuse a configuration without field specs.
    fn required_specs(&self) -> Result<Vec<Spec>> {
        match self.specs()? {
            Some(specs) => Ok(specs),
            None => bail!("fieldSpecs is not expected to be nil"),
        }
    }
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
        let p = patch_config(&c, "patch").unwrap();
        assert_eq!(p.path.as_deref(), Some("p.yaml"));
        assert_eq!(p.patch, None);
        let t = p.target.unwrap();
        assert_eq!((t.kind.as_deref(), t.label_selector.as_deref(), t.name), (Some("Deployment"), Some("a=b"), None));
        assert!(p.allow_name_change && !p.allow_kind_change);
        let bad = parse_stream("kind: PatchTransformer\npatch: [1]\n", Schema::V3).unwrap().remove(0);
        assert!(patch_config(&bad, "patch").is_err());
    }

    #[test]
    fn kinds_of_the_other_step_and_unknown_kinds_are_refused_by_name() {
        assert!(refuse("ConfigMapGenerator", "transformer").message().contains("belongs in 'generators:'"));
        assert!(refuse("PatchTransformer", "generator").message().contains("belongs in 'transformers:'"));
        assert!(refuse("SortOrderTransformer", "transformer").message().contains("unable to load builtin"));
        assert!(refuse("HelmChartInflationGenerator", "transformer").message().contains("belongs in 'generators:'"));
    }
}
