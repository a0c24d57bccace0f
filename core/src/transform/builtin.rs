//! The `transformers:` and `generators:` fields: configurations of kustomize's built-in plugins
//! (`apiVersion: builtin`), each entry a file, a directory holding a kustomization whose output
//! are such configurations, or the YAML text of one inline.
//!
//! Supported kinds: PrefixTransformer, SuffixTransformer, PrefixSuffixTransformer,
//! LabelTransformer, AnnotationsTransformer, NamespaceTransformer, ImageTagTransformer,
//! ReplicaCountTransformer; ConfigMapGenerator, SecretGenerator, IAMPolicyGenerator. Others are
//! refused by name.

use crate::accumulate::{Accumulator, Builder};
use crate::error::{bail, Error, Result};
use crate::generate::configmap;
use crate::kustomization::{GeneratorArgs, GeneratorOptions, Image, Replica, Spanned};
use crate::load::{parse_resources, LoadedKustomization};
use crate::resource::Resource;
use crate::transform::config::parse_spec;
use crate::transform::fieldspec::Spec;
use crate::transform::{annotations, images, labels, namespace, prefix_suffix, replicas};
use crate::yaml::node::{Map, Node, Value};
use crate::yaml::read::{parse_stream, Schema};
use indexmap::IndexMap;

/// Runs the kustomization's `transformers:`, in order.
pub fn run_transformers(b: &mut Builder, lk: &LoadedKustomization, acc: &mut Accumulator) -> Result<()> {
    if lk.kustomization.transformers.is_empty() {
        return Ok(());
    }
    let configs = load_configs(b, lk, &lk.kustomization.transformers, "transformers")?;
    for cfg in &configs {
        transform(b, lk, acc, cfg).map_err(|e| e.in_file(&cfg.origin).context(describe(cfg)))?;
    }
    Ok(())
}

/// Runs the kustomization's `generators:`, adding what they make.
pub fn run_generators(b: &mut Builder, lk: &LoadedKustomization, acc: &mut Accumulator) -> Result<()> {
    if lk.kustomization.generators.is_empty() {
        return Ok(());
    }
    let configs = load_configs(b, lk, &lk.kustomization.generators, "generators")?;
    for cfg in &configs {
        generate(b, lk, acc, cfg).map_err(|e| e.in_file(&cfg.origin).context(describe(cfg)))?;
    }
    Ok(())
}

fn describe(cfg: &Resource) -> String {
    format!("in plugin {} ({})", cfg.kind(), cfg.name())
}

/// The plugin configurations the entries name. As in kustomize, inline configurations come
/// first, then those read from files and directories.
fn load_configs(b: &mut Builder, lk: &LoadedKustomization, entries: &[Spanned], field: &str) -> Result<Vec<Resource>> {
    let mut acc = Accumulator::default();
    let mut paths = Vec::new();
    for entry in entries {
        match inline_docs(&entry.value) {
            Some(_) => {
                let rs = parse_resources(&entry.value, &lk.file).map_err(|e| e.at(entry.pos))?;
                acc.append_all(rs).map_err(|e| e.in_file(&lk.file).at(entry.pos))?;
            }
            None => paths.push(entry),
        }
    }
    for entry in paths {
        b.accumulate_resource(&lk.dir, &entry.value, &mut acc)
            .map_err(|e| e.in_file(&lk.file).at(entry.pos).context(format!("in {field} entry '{}'", entry.value)))?;
    }
    Ok(acc.resources)
}

/// An entry is an inline configuration when it reads as YAML maps (a path reads as a string).
fn inline_docs(entry: &str) -> Option<Vec<Node>> {
    let docs = parse_stream(entry, Schema::V3).ok()?;
    if docs.is_empty() || !docs.iter().all(|d| matches!(d.value, Value::Map(_))) {
        return None;
    }
    Some(docs)
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

/// Applies one transformer configuration. (The patch and replacement plugins, when they come,
/// read their files through `_b` from the kustomization's directory `_lk.dir`.)
fn transform(_b: &mut Builder, _lk: &LoadedKustomization, acc: &mut Accumulator, cfg: &Resource) -> Result<()> {
    let c = &cfg.node;
    let resources = &mut acc.resources;
    match builtin_kind(cfg)? {
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
        other => bail!("the built-in plugin '{other}' is not supported yet by kcompile"),
    }
}

fn generate(b: &mut Builder, lk: &LoadedKustomization, acc: &mut Accumulator, cfg: &Resource) -> Result<()> {
    let c = &cfg.node;
    match builtin_kind(cfg)? {
        "ConfigMapGenerator" => {
            let args = generator_args(cfg)?;
            let r = configmap::generate(&b.loader, &lk.dir, configmap::Kind::ConfigMap, &args, None)?;
            configmap::add(acc, r, &args.behavior)
        }
        "SecretGenerator" => {
            let args = generator_args(cfg)?;
            let r = configmap::generate(&b.loader, &lk.dir, configmap::Kind::Secret, &args, None)?;
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
            let mut annotations = Map::new();
            annotations.insert(
                "iam.gke.io/gcp-service-account".into(),
                Node::string(format!("{}@{}.iam.gserviceaccount.com", part(sa, "name")?, part(sa, "projectId")?)),
            );
            let mut meta = Map::new();
            meta.insert("annotations".into(), Node::new(Value::Map(annotations)));
            meta.insert("name".into(), Node::string(part(ks, "name")?));
            let ns = part(ks, "namespace")?;
            if !ns.is_empty() {
                meta.insert("namespace".into(), Node::string(ns));
            }
            let mut obj = Map::new();
            obj.insert("apiVersion".into(), Node::string("v1"));
            obj.insert("kind".into(), Node::string("ServiceAccount"));
            obj.insert("metadata".into(), Node::new(Value::Map(meta)));
            configmap::add(acc, Resource::new(Node::new(Value::Map(obj)), cfg.origin.clone()), "")
        }
        other => bail!("the built-in generator '{other}' is not supported yet by kcompile"),
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
}
