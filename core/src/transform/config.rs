//! The transformer configuration: which fields each built-in transformer touches, and which
//! fields hold references to other objects by name (kustomize's TransformerConfig).
//!
//! The defaults live as data in `fieldspecs.yaml`, parsed once per build. A kustomization's
//! `configurations:` files (same format) and `crds:` files add to them; the configuration an
//! accumulator holds is merged upwards with its resources, so what a base declares also applies
//! in the overlays that include it (as in kustomize).

use crate::decode::{key_matches, Field, Object, Rules};
use crate::error::{Error, Result};
use crate::kustomization::decode_field_spec;
use crate::transform::fieldspec::{gvk_order_key, merge_spec, merge_specs, sort_specs, GvkSel, Spec};
use crate::yaml::node::{Node, Value};
use crate::yaml::read::{parse_one, Schema};

const DEFAULTS: &str = include_str!("fieldspecs.yaml");

/// A kind whose name other objects refer to, with the fields that may hold such references.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameBackRef {
    pub target: GvkSel,
    pub referrers: Vec<Spec>,
}

/// Field specs for every built-in transformer, plus name and var references.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TransformerConfig {
    pub name_prefix: Vec<Spec>,
    pub name_suffix: Vec<Spec>,
    pub namespace: Vec<Spec>,
    pub common_labels: Vec<Spec>,
    /// Extra fields for every `labels:` entry (the `labels` key of a configuration file).
    pub labels: Vec<Spec>,
    pub template_labels: Vec<Spec>,
    pub common_annotations: Vec<Spec>,
    pub name_reference: Vec<NameBackRef>,
    pub var_reference: Vec<Spec>,
    pub images: Vec<Spec>,
    pub replicas: Vec<Spec>,
}

impl TransformerConfig {
    /// kustomize's built-in configuration.
    pub fn defaults() -> Result<TransformerConfig> {
        TransformerConfig::parse(DEFAULTS).map_err(|e| e.context("in kcompile's built-in field specs"))
    }

    /// Parses a configuration file (`namePrefix:`, `commonLabels:`, `nameReference:`...).
    /// Unknown fields are ignored, as kustomize ignores them.
    pub fn parse(text: &str) -> Result<TransformerConfig> {
        TransformerConfig::from_document(parse_one(text, Schema::V11)?.unwrap_or_else(Node::null))
    }

    /// [`TransformerConfig::parse`] of a document already read (by the build's loader, which
    /// charges it to the build's budget).
    pub fn from_document(doc: Node) -> Result<TransformerConfig> {
        let mut c = TransformerConfig::default();
        if !matches!(doc.value, Value::Map(_) | Value::Null) {
            return Err(Error::new("a transformer configuration must be a map").at(doc.pos));
        }
        let mut fields = Object::root(&doc, Rules::JSON, "TransformerConfig", "builtinconfig.TransformerConfig")?;
        let names = [
            "namePrefix",
            "nameSuffix",
            "namespace",
            "commonLabels",
            "labels",
            "templateLabels",
            "commonAnnotations",
            "varReference",
            "images",
            "replicas",
            "nameReference",
        ];
        while let Some(f) = fields.next(&names)? {
            let list = match f.name {
                "namePrefix" => &mut c.name_prefix,
                "nameSuffix" => &mut c.name_suffix,
                "namespace" => &mut c.namespace,
                "commonLabels" => &mut c.common_labels,
                "labels" => &mut c.labels,
                "templateLabels" => &mut c.template_labels,
                "commonAnnotations" => &mut c.common_annotations,
                "varReference" => &mut c.var_reference,
                "images" => &mut c.images,
                "replicas" => &mut c.replicas,
                _ => {
                    for mut item in f.objects("NameBackReferences", "nbrSlice")? {
                        let (mut target, mut referrers) = (GvkSel::default(), Vec::new());
                        while let Some(f) = item.next(&["group", "version", "kind", "fieldSpecs"])? {
                            match f.name {
                                "fieldSpecs" => referrers = specs(&f)?,
                                "group" => target.group = f.string()?.unwrap_or_default(),
                                "version" => target.version = f.string()?.unwrap_or_default(),
                                _ => target.kind = f.string()?.unwrap_or_default(),
                            }
                        }
                        c.name_reference.push(NameBackRef { target, referrers });
                    }
                    continue;
                }
            };
            list.extend(specs(&f)?);
        }
        c.sort();
        Ok(c)
    }

    /// Puts every list in kustomize's order (which decides what a later merge keeps).
    fn sort(&mut self) {
        for list in [
            &mut self.name_prefix,
            &mut self.name_suffix,
            &mut self.namespace,
            &mut self.common_labels,
            &mut self.labels,
            &mut self.template_labels,
            &mut self.common_annotations,
            &mut self.var_reference,
            &mut self.images,
            &mut self.replicas,
        ] {
            sort_specs(list);
        }
        self.name_reference.sort_by_cached_key(|b| gvk_order_key(&b.target));
    }

    /// Whether nothing is configured.
    pub fn is_empty(&self) -> bool {
        *self == TransformerConfig::default()
    }

    /// Adds everything `other` has that this configuration lacks; a spec that conflicts with
    /// one already present (same field, different `create`) is an error.
    pub fn merge(&mut self, other: &TransformerConfig) -> Result<()> {
        if other.is_empty() {
            return Ok(());
        }
        let pairs: [(&mut Vec<Spec>, &Vec<Spec>, &str); 10] = [
            (&mut self.name_prefix, &other.name_prefix, "NamePrefix"),
            (&mut self.name_suffix, &other.name_suffix, "NameSuffix"),
            (&mut self.namespace, &other.namespace, "NameSpace"),
            (&mut self.common_annotations, &other.common_annotations, "CommonAnnotations"),
            (&mut self.common_labels, &other.common_labels, "CommonLabels"),
            (&mut self.labels, &other.labels, "Labels"),
            (&mut self.template_labels, &other.template_labels, "TemplateLabels"),
            (&mut self.var_reference, &other.var_reference, "VarReference"),
            (&mut self.images, &other.images, "Images"),
            (&mut self.replicas, &other.replicas, "Replicas"),
        ];
        let mut added = false;
        for (mine, theirs, what) in pairs {
            added |= merge_specs(mine, theirs)
                .map_err(|e| Error::new(format!("failed to merge {what} fieldSpec: {}", e.message())))?;
        }
        for b in &other.name_reference {
            added |= merge_backref(&mut self.name_reference, b)
                .map_err(|e| Error::new(format!("failed to merge NameReference fieldSpec: {}", e.message())))?;
        }
        // Every configuration is kept sorted, so one that gained nothing is still in order.
        if added {
            self.sort();
        }
        Ok(())
    }

    /// The configuration that CRD files declare: fields of custom kinds annotated as name
    /// references (`x-kubernetes-object-ref-kind`), labels, annotations or identities.
    pub fn from_crd_documents(docs: &[Node]) -> Result<TransformerConfig> {
        let mut c = TransformerConfig::default();
        for doc in docs {
            let Some(defs) = doc.as_map() else { continue };
            for (type_name, def) in defs {
                let Some(props) = properties(def) else { continue };
                if !(props.contains_key("kind") && props.contains_key("apiVersion") && props.contains_key("metadata")) {
                    continue;
                }
                let kind = type_name.rsplit('.').next().unwrap_or(type_name).to_string();
                let gvk = GvkSel { kind, ..GvkSel::default() };
                let mut seen = Vec::new();
                crd_properties(&mut c, &gvk, defs, type_name, &mut Vec::new(), &mut seen)?;
            }
        }
        c.sort();
        Ok(c)
    }
}

fn merge_backref(list: &mut Vec<NameBackRef>, b: &NameBackRef) -> Result<bool> {
    match list.iter_mut().find(|x| x.target == b.target) {
        Some(existing) => merge_specs(&mut existing.referrers, &b.referrers),
        None => {
            list.push(b.clone());
            Ok(true)
        }
    }
}

/// A map field by case-insensitive name (kustomize decodes these files as JSON into Go structs).
fn field<'a>(n: &'a Node, name: &str) -> Option<&'a Node> {
    n.as_map()?.iter().find(|(k, _)| key_matches(Rules::JSON, k, name)).map(|(_, v)| v).filter(|v| !v.is_null())
}

/// A list of field specs (kustomize's `FsSlice`), decoded with the rules of its document.
pub(crate) fn specs(f: &Field) -> Result<Vec<Spec>> {
    f.objects("FieldSpec", "types.FsSlice")?
        .into_iter()
        .map(|o| decode_field_spec(o).map(|fs| Spec::from_field_spec(&fs)))
        .collect()
}

/// The properties of a definition: `{Schema: {properties: ...}, Dependencies: [...]}` (the
/// file is a map of Go OpenAPIDefinitions).
fn properties(def: &Node) -> Option<&crate::yaml::node::Map> {
    field(field(def, "Schema")?, "properties")?.as_map()
}

/// Walks the properties of an OpenAPI definition, following `$ref`s to other definitions of the
/// same file, collecting the kustomize extensions.
fn crd_properties(
    c: &mut TransformerConfig,
    gvk: &GvkSel,
    defs: &crate::yaml::node::Map,
    type_name: &str,
    path: &mut Vec<String>,
    seen: &mut Vec<String>,
) -> Result<()> {
    let Some(def) = defs.get(type_name) else { return Ok(()) };
    let Some(props) = properties(def) else { return Ok(()) };
    if seen.iter().any(|s| s == type_name) {
        return Ok(());
    }
    seen.push(type_name.to_string());
    for (prop, schema) in props {
        path.push(prop.clone());
        let spec = || Spec::new(gvk.clone(), &path.join("/"), false);
        let ext = |name: &str| schema.get(name).and_then(Node::as_str).map(str::to_string);
        if ext("x-kubernetes-annotation").is_some() {
            merge_spec(&mut c.common_annotations, spec())?;
        }
        if ext("x-kubernetes-label-selector").is_some() {
            merge_spec(&mut c.common_labels, spec())?;
        }
        if ext("x-kubernetes-identity").is_some() {
            merge_spec(&mut c.name_prefix, spec())?;
        }
        if let (Some(version), Some(kind)) =
            (ext("x-kubernetes-object-ref-api-version"), ext("x-kubernetes-object-ref-kind"))
        {
            let name_key = ext("x-kubernetes-object-ref-name-key").unwrap_or_else(|| "name".to_string());
            let target = GvkSel { group: String::new(), version, kind };
            let referrer = Spec::new(gvk.clone(), &format!("{}/{name_key}", path.join("/")), false);
            merge_backref(&mut c.name_reference, &NameBackRef { target, referrers: vec![referrer] })?;
        }
        if let Some(r) = schema.get("$ref").and_then(Node::as_str) {
            let target = r.strip_prefix("#/definitions/").unwrap_or(r).to_string();
            crd_properties(c, gvk, defs, &target, path, seen)?;
        }
        path.pop();
    }
    seen.pop();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::read::parse_stream;

    #[test]
    fn defaults_parse() {
        let c = TransformerConfig::defaults().unwrap();
        assert!(c.common_labels.iter().any(|s| s.path == "spec/selector" && s.gvk.kind == "Service" && s.create));
        assert!(c.name_reference.iter().any(|b| b.target.kind == "ConfigMap" && b.referrers.len() > 40));
        // Template labels are part of the common labels, once.
        let vct = c.common_labels.iter().filter(|s| s.path.contains("volumeClaimTemplates")).count();
        assert_eq!(vct, 1);
    }

    #[test]
    fn merging_adds_custom_specs_once() {
        let mut c = TransformerConfig::defaults().unwrap();
        let custom = TransformerConfig::parse(
            "commonLabels:\n- path: spec/x/labels\n  kind: Foo\n  create: true\nnameReference:\n- kind: Bee\n  fieldSpecs:\n  - path: spec/beeRef/name\n    kind: Foo\n",
        )
        .unwrap();
        let before = c.common_labels.len();
        c.merge(&custom).unwrap();
        c.merge(&custom).unwrap();
        assert_eq!(c.common_labels.len(), before + 1);
        assert_eq!(c.name_reference.iter().filter(|b| b.target.kind == "Bee").count(), 1);
    }

    #[test]
    fn crd_schemas_declare_references() {
        let text = r##"
github.com/example/pkg/apis/jingfang/v1beta1.Bee:
  Schema:
    properties:
      apiVersion: {type: string}
      kind: {type: string}
      metadata: {$ref: "k8s.io/apimachinery/pkg/apis/meta/v1.ObjectMeta"}
      spec: {$ref: "github.com/example/pkg/apis/jingfang/v1beta1.BeeSpec"}
github.com/example/pkg/apis/jingfang/v1beta1.BeeSpec:
  Schema:
    properties:
      secretRef:
        x-kubernetes-object-ref-api-version: v1
        x-kubernetes-object-ref-kind: Secret
"##;
        let c = TransformerConfig::from_crd_documents(&parse_stream(text.trim_start(), Schema::V11).unwrap()).unwrap();
        let b = c.name_reference.iter().find(|b| b.target.kind == "Secret").unwrap();
        assert_eq!(b.referrers[0].path, "spec/secretRef/name");
        assert_eq!(b.referrers[0].gvk.kind, "Bee");
    }
}
