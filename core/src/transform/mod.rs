//! Transformers, one file each, run in kustomize's fixed order by [`run`]:
//! patchesStrategicMerge, patches, namespace, namePrefix/nameSuffix, labels/commonLabels,
//! commonAnnotations, patchesJson6902, replicas, images, replacements, then the kustomization's
//! own `transformers:`.

pub mod annotations;
pub mod builtin;
pub mod config;
pub mod fieldspec;
pub mod images;
pub mod labels;
pub mod labelselector;
pub mod namespace;
pub mod openapi;
pub mod patch_json6902;
pub mod patch_sm;
pub mod patches;
pub mod prefix_suffix;
pub mod replacements;
pub mod replicas;

use crate::accumulate::Accumulator;
use crate::ctx::Ctx;
use crate::error::{bail, Error, Result};
use crate::kustomization::Kustomization;
use crate::load::{LoadedKustomization, Loader};
use crate::trace::{self, Attribution};
use crate::yaml::node::Node;
use crate::yaml::read::Schema;
use camino::Utf8Path;
use config::TransformerConfig;
use openapi::SchemaState;
use std::sync::Arc;

/// Where a transformer is configured: the directory its files are read from (the
/// kustomization's, with its load restrictor) and the file that configured it, for messages (the
/// kustomization file, or a plugin configuration listed in its `transformers:`).
#[derive(Clone, Copy, Debug)]
pub struct Site<'a> {
    pub dir: &'a Utf8Path,
    pub file: &'a Utf8Path,
}

impl<'a> Site<'a> {
    /// The site of a kustomization's own fields.
    pub fn of(lk: &'a LoadedKustomization) -> Site<'a> {
        Site { dir: &lk.dir, file: &lk.file }
    }
}

/// Refuses kustomization fields that kcompile does not implement yet, naming them.
pub fn check_supported(k: &Kustomization) -> Result<()> {
    if !k.validators.is_empty() {
        // kustomize's validators are always plugins (exec or KRM functions): no builtin exists.
        bail!(
            "the field 'validators' is not supported by kcompile (validators are plugins that run external programs)"
        );
    }
    Ok(())
}

/// Sets up the accumulator's transformer configuration, as kustomize does once a
/// kustomization's resources are in: kustomize's `defaults` plus its `configurations:` files
/// (read through `loader`) are merged into what the resources (bases) brought, then its `crds:`.
pub fn configure(
    loader: &Loader,
    defaults: &Arc<TransformerConfig>,
    lk: &LoadedKustomization,
    acc: &mut Accumulator,
) -> Result<()> {
    let k = &lk.kustomization;
    let here = |e: Error| e.in_file(&lk.file);
    let merged = |acc: &mut Accumulator, own: &Arc<TransformerConfig>| {
        TransformerConfig::merge_shared(&mut acc.config, own)
            .map_err(|e| here(e.context("merging the transformer configuration")))
    };
    if k.configurations.is_empty() {
        merged(acc, defaults)?;
    } else {
        let mut own = TransformerConfig::clone(defaults);
        let mut from_files = TransformerConfig::default();
        // Every entry is a file path: kustomize v5.5.0 has no inline configurations.
        for entry in &k.configurations {
            let (path, content) = loader.read_file(&lk.dir, &entry.value).map_err(|e| here(e.at(entry.pos)))?;
            let doc = loader.parse_one(&content, Schema::V11).map_err(|e| Error::from(e).in_file(&path))?;
            let parsed =
                TransformerConfig::from_document(doc.unwrap_or_else(Node::null)).map_err(|e| e.in_file(&path))?;
            from_files.merge(&parsed).map_err(|e| e.in_file(&path))?;
        }
        own.merge(&from_files).map_err(here)?;
        merged(acc, &Arc::new(own))?;
    }
    if !k.crds.is_empty() {
        let mut crds = TransformerConfig::default();
        for entry in &k.crds {
            let (path, content) = loader.read_file(&lk.dir, &entry.value).map_err(|e| here(e.at(entry.pos)))?;
            let docs = loader.parse_stream(content.trim_start(), Schema::V11).map_err(Error::from);
            let c = docs.and_then(|docs| TransformerConfig::from_crd_documents(&docs)).map_err(|e| {
                e.in_file(&path).context(format!("unable to parse open API definition from '{}'", entry.value))
            })?;
            crds.merge(&c).map_err(|e| e.in_file(&path))?;
        }
        Arc::make_mut(&mut acc.config)
            .merge(&crds)
            .map_err(|e| here(e.context("merging the configuration from crds")))?;
    }
    Ok(())
}

/// Runs the kustomization's transformer fields over what has been accumulated, in kustomize's
/// order (its `transformers:` are run after, by [`builtin::run_transformers`]).
///
/// Each step lives in its own file; a step whose field is empty does nothing.
pub fn run(ctx: &mut Ctx, schema: &mut SchemaState, lk: &LoadedKustomization, acc: &mut Accumulator) -> Result<()> {
    let k = &lk.kustomization;
    let here = |e: Error| e.in_file(&lk.file);
    // Where a field of this kustomization is, for `kcompile explain`.
    let at = |field: &str| Attribution::at(field, &lk.file, k.positions.field(field));
    let item = |field: &str, i: usize| Attribution::at(format!("{field}[{i}]"), &lk.file, k.positions.item(field, i));
    // 1. patchesStrategicMerge   (patches.rs)
    patches::run_strategic_merge(ctx, schema, lk, acc)?;
    // 2. patches                 (patches.rs)
    patches::run_patches(ctx, schema, lk, acc)?;
    {
        let (resources, config, tracer) = (&mut acc.resources, &acc.config, &mut ctx.tracer);
        // 3. namespace               (namespace.rs)
        if let Some(ns) = k.namespace.as_deref() {
            trace::begin(tracer, resources);
            namespace::Namespace {
                namespace: ns,
                specs: &config.namespace,
                unset_only: false,
                subjects: namespace::SubjectMode::DefaultOnly,
            }
            .run(resources)
            .map_err(here)?;
            trace::end(tracer, resources, || at("namespace"));
        }
        // 4. namePrefix, nameSuffix  (prefix_suffix.rs)
        if let Some(p) = k.name_prefix.as_deref() {
            trace::begin(tracer, resources);
            prefix_suffix::run(resources, prefix_suffix::Affix::Prefix, p, &config.name_prefix).map_err(here)?;
            trace::end(tracer, resources, || at("namePrefix"));
        }
        if let Some(s) = k.name_suffix.as_deref() {
            trace::begin(tracer, resources);
            prefix_suffix::run(resources, prefix_suffix::Affix::Suffix, s, &config.name_suffix).map_err(here)?;
            trace::end(tracer, resources, || at("nameSuffix"));
        }
        // 5. labels, commonLabels    (labels.rs)
        for (i, label) in k.labels.iter().enumerate() {
            trace::begin(tracer, resources);
            let specs = labels::label_specs(label, config).map_err(here)?;
            labels::run(resources, &label.pairs, &specs).map_err(here)?;
            trace::end(tracer, resources, || item("labels", i));
        }
        trace::begin(tracer, resources);
        labels::run(resources, &k.common_labels, &config.common_labels).map_err(here)?;
        trace::end(tracer, resources, || at("commonLabels"));
        // 6. commonAnnotations       (annotations.rs)
        trace::begin(tracer, resources);
        annotations::run(resources, &k.common_annotations, &config.common_annotations).map_err(here)?;
        trace::end(tracer, resources, || at("commonAnnotations"));
    }
    // 7. patchesJson6902         (patches.rs)
    patches::run_json6902(ctx, lk, acc)?;
    {
        let (resources, config, tracer) = (&mut acc.resources, &acc.config, &mut ctx.tracer);
        // 8. replicas                (replicas.rs)
        for (i, r) in k.replicas.iter().enumerate() {
            trace::begin(tracer, resources);
            replicas::run(resources, r, &config.replicas).map_err(here)?;
            trace::end(tracer, resources, || item("replicas", i));
        }
        // 9. images                  (images.rs)
        for (i, image) in k.images.iter().enumerate() {
            trace::begin(tracer, resources);
            images::run(resources, image, &config.images).map_err(here)?;
            trace::end(tracer, resources, || item("images", i));
        }
    }
    // 10. replacements           (replacements.rs)
    replacements::run(ctx, lk, acc)
    // 11. `transformers:`        (builtin.rs, run by the accumulation, which loads their
    //     configurations)
}
