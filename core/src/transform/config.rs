//! The transformer configuration: which fields each built-in transformer touches, and which
//! fields hold references to other objects by name (kustomize's TransformerConfig).
//!
//! The defaults live as data in `fieldspecs.yaml`. A test compiles that file into
//! `fieldspecs_table.rs` (a table of string literals, in the order the decoder gives), so that no
//! build parses it: the table is turned into specs once per process and shared read-only
//! ([`TransformerConfig::defaults`]). A kustomization's
//! `configurations:` files (same format) and `crds:` files add to them; the configuration an
//! accumulator holds is merged upwards with its resources, so what a base declares also applies
//! in the overlays that include it (as in kustomize).

use crate::decode::{key_matches, Field, Fields, Rules};
use crate::error::{Error, Result};
use crate::kustomization::decode_field_spec;
use crate::transform::fieldspec::{gvk_order_key, merge_spec, merge_specs, sort_specs, GvkSel, Spec};
use crate::yaml::node::{Node, Value};
use std::sync::{Arc, OnceLock};

/// One row of the compiled defaults: group, version, kind, path, create.
type Row = (&'static str, &'static str, &'static str, &'static str, bool);

/// `fieldspecs.yaml`, compiled (see the module's docs).
mod table {
    use super::Row;
    include!("fieldspecs_table.rs");
}

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
    /// kustomize's built-in configuration: an immutable table decoded on first use and shared
    /// by every build of the process.
    pub fn defaults() -> Arc<TransformerConfig> {
        static BUILTIN: OnceLock<Arc<TransformerConfig>> = OnceLock::new();
        Arc::clone(BUILTIN.get_or_init(|| Arc::new(TransformerConfig::from_table())))
    }

    /// The specs of `fieldspecs_table.rs`, already in kustomize's order.
    fn from_table() -> TransformerConfig {
        let gvk = |group: &str, version: &str, kind: &str| GvkSel {
            group: group.to_string(),
            version: version.to_string(),
            kind: kind.to_string(),
        };
        let specs = |rows: &[Row]| -> Vec<Spec> {
            rows.iter().map(|&(g, v, k, path, create)| Spec::new(gvk(g, v, k), path, create)).collect()
        };
        TransformerConfig {
            name_prefix: specs(table::NAME_PREFIX),
            name_suffix: specs(table::NAME_SUFFIX),
            namespace: specs(table::NAMESPACE),
            common_labels: specs(table::COMMON_LABELS),
            labels: specs(table::LABELS),
            template_labels: specs(table::TEMPLATE_LABELS),
            common_annotations: specs(table::COMMON_ANNOTATIONS),
            name_reference: table::NAME_REFERENCE
                .iter()
                .map(|&((g, v, k), rows)| NameBackRef { target: gvk(g, v, k), referrers: specs(rows) })
                .collect(),
            var_reference: specs(table::VAR_REFERENCE),
            images: specs(table::IMAGES),
            replicas: specs(table::REPLICAS),
        }
    }

    /// [`TransformerConfig::merge`] of shared configurations. The built-in one is already in
    /// merged form (merging it into nothing or into itself gives it back, as a test checks), so
    /// those merges share it instead of copying it; any other merge copies `target` only if
    /// another holder shares it.
    pub fn merge_shared(target: &mut Arc<TransformerConfig>, other: &Arc<TransformerConfig>) -> Result<()> {
        let builtin = Arc::ptr_eq(&TransformerConfig::defaults(), other);
        if builtin && (Arc::ptr_eq(target, other) || target.is_empty()) {
            *target = Arc::clone(other);
            return Ok(());
        }
        if other.is_empty() {
            return Ok(());
        }
        Arc::make_mut(target).merge(other)
    }

    /// Parses a configuration file (`namePrefix:`, `commonLabels:`, `nameReference:`...).
    /// Unknown fields are ignored, as kustomize ignores them. (Builds read configuration files
    /// through their loader and [`TransformerConfig::from_document`].)
    #[cfg(test)]
    pub fn parse(text: &str) -> Result<TransformerConfig> {
        let doc = crate::yaml::read::parse_one(text, crate::yaml::read::Schema::V11)?;
        TransformerConfig::from_document(doc.unwrap_or_else(Node::null))
    }

    /// Decodes a configuration file's document, read by the build's loader (which charges it
    /// to the build's budget). Unknown fields are ignored, as kustomize ignores them.
    pub fn from_document(doc: Node) -> Result<TransformerConfig> {
        let mut c = TransformerConfig::default();
        if !matches!(doc.value, Value::Map(_) | Value::Null) {
            return Err(Error::new("a transformer configuration must be a map").at(doc.pos));
        }
        let mut fields = Fields::root(&doc, Rules::JSON, "TransformerConfig", "builtinconfig.TransformerConfig")?;
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
    use crate::yaml::read::{parse_stream, Schema};

    /// The text of `fieldspecs_table.rs` for a configuration.
    fn table_source(c: &TransformerConfig) -> String {
        use std::fmt::Write;
        let mut out = String::from(
            "// @generated from fieldspecs.yaml by the test `the_compiled_table_is_fieldspecs_yaml` in\n\
             // config.rs; `UPDATE_FIELDSPECS=1 cargo test -p kcompile --lib fieldspecs` rewrites it.\n",
        );
        let rows = |out: &mut String, specs: &[Spec], indent: &str| {
            for s in specs {
                let (g, v, k) = (&s.gvk.group, &s.gvk.version, &s.gvk.kind);
                let _ = writeln!(out, "{indent}({g:?}, {v:?}, {k:?}, {:?}, {}),", s.path, s.create);
            }
        };
        let lists = [
            ("NAME_PREFIX", &c.name_prefix),
            ("NAME_SUFFIX", &c.name_suffix),
            ("NAMESPACE", &c.namespace),
            ("COMMON_LABELS", &c.common_labels),
            ("LABELS", &c.labels),
            ("TEMPLATE_LABELS", &c.template_labels),
            ("COMMON_ANNOTATIONS", &c.common_annotations),
            ("VAR_REFERENCE", &c.var_reference),
            ("IMAGES", &c.images),
            ("REPLICAS", &c.replicas),
        ];
        for (name, specs) in lists {
            let _ = writeln!(out, "\npub(super) const {name}: &[Row] = &[");
            rows(&mut out, specs, "    ");
            out.push_str("];\n");
        }
        out.push_str("\n#[allow(clippy::type_complexity)]\n");
        out.push_str("pub(super) const NAME_REFERENCE: &[((&str, &str, &str), &[Row])] = &[\n");
        for b in &c.name_reference {
            let (g, v, k) = (&b.target.group, &b.target.version, &b.target.kind);
            let _ = writeln!(out, "    (({g:?}, {v:?}, {k:?}), &[");
            rows(&mut out, &b.referrers, "        ");
            out.push_str("    ]),\n");
        }
        out.push_str("];\n");
        out
    }

    #[test]
    fn the_compiled_table_is_fieldspecs_yaml() {
        let decoded = TransformerConfig::parse(include_str!("fieldspecs.yaml")).unwrap();
        let file = concat!(env!("CARGO_MANIFEST_DIR"), "/src/transform/fieldspecs_table.rs");
        let text = table_source(&decoded);
        if std::env::var_os("UPDATE_FIELDSPECS").is_some() {
            std::fs::write(file, &text).unwrap();
        }
        let written = std::fs::read_to_string(file).unwrap_or_default();
        assert!(
            written == text,
            "fieldspecs_table.rs is stale: run UPDATE_FIELDSPECS=1 cargo test -p kcompile --lib fieldspecs"
        );
        assert!(TransformerConfig::from_table() == decoded, "the compiled table decodes differently");
    }

    #[test]
    fn defaults_parse() {
        let c = TransformerConfig::defaults();
        assert!(c.common_labels.iter().any(|s| s.path == "spec/selector" && s.gvk.kind == "Service" && s.create));
        assert!(c.name_reference.iter().any(|b| b.target.kind == "ConfigMap" && b.referrers.len() > 40));
        // Template labels are part of the common labels, once.
        let vct = c.common_labels.iter().filter(|s| s.path.contains("volumeClaimTemplates")).count();
        assert_eq!(vct, 1);
    }

    #[test]
    fn the_defaults_are_in_merged_form() {
        // What `merge_shared` relies on to share them instead of merging.
        let d = TransformerConfig::defaults();
        let mut into_nothing = TransformerConfig::default();
        into_nothing.merge(&d).unwrap();
        assert_eq!(into_nothing, *d);
        let mut into_itself = (*d).clone();
        into_itself.merge(&d).unwrap();
        assert_eq!(into_itself, *d);
    }

    #[test]
    fn merging_the_defaults_shares_them() {
        let d = TransformerConfig::defaults();
        let mut c = Arc::new(TransformerConfig::default());
        TransformerConfig::merge_shared(&mut c, &d).unwrap();
        assert!(Arc::ptr_eq(&c, &d));
        TransformerConfig::merge_shared(&mut c, &d).unwrap();
        assert!(Arc::ptr_eq(&c, &d));
        let custom = Arc::new(TransformerConfig::parse("commonLabels:\n- path: spec/x\n  kind: Foo\n").unwrap());
        TransformerConfig::merge_shared(&mut c, &custom).unwrap();
        assert!(!Arc::ptr_eq(&c, &d), "the shared defaults are copied before a change");
        assert_eq!(c.common_labels.len(), d.common_labels.len() + 1);
        assert_eq!(TransformerConfig::defaults().common_labels.len(), d.common_labels.len());
    }

    #[test]
    fn merging_adds_custom_specs_once() {
        let mut c = (*TransformerConfig::defaults()).clone();
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
