//! File names for `build -o DIR`: the names kustomize gives each object, made safe to join to a
//! directory.
//!
//! kustomize names a file `[namespace_]group_version_kind_name.yaml` in lower case, the
//! namespace only when the output holds objects of more than one namespace (objects without a
//! namespace count as `default`; cluster-scoped objects never carry one). Those parts come from
//! the resources, which an attacker may write: here every name is also one plain file name,
//! whatever the parts hold (a `/`, a `\`, `..`, a leading dot, a control character, thousands of
//! bytes). For ordinary names (what Kubernetes accepts) the result is kustomize's name.

use crate::resource::Resource;
use sha2::{Digest, Sha256};

/// The longest file name most file systems accept, in bytes.
const NAME_MAX: usize = 255;

/// One file name per resource, in the resources' order.
pub(crate) fn file_names(resources: &[Resource]) -> Vec<String> {
    let namespaces: std::collections::HashSet<&str> =
        resources.iter().filter(|r| !r.gvk().is_cluster_scoped()).map(effective_namespace).collect();
    resources
        .iter()
        .map(|r| {
            let gvk = r.gvk();
            let mut raw = String::new();
            if namespaces.len() > 1 && !gvk.is_cluster_scoped() {
                raw.push_str(effective_namespace(r));
                raw.push('_');
            }
            for part in [gvk.group.as_str(), gvk.version.as_str(), gvk.kind.as_str()] {
                if !part.is_empty() {
                    raw.push_str(part);
                    raw.push('_');
                }
            }
            raw.push_str(r.name());
            safe_file_name(&go_lower(&raw))
        })
        .collect()
}

fn effective_namespace(r: &Resource) -> &str {
    match r.namespace() {
        "" => "default",
        ns => ns,
    }
}

/// Lower case as Go's `strings.ToLower` does it: each character mapped alone by Unicode's simple
/// lower-case mapping (`İ` becomes `i`, `Σ` always `σ`), where Rust's `to_lowercase` uses the
/// full mapping and context.
pub(crate) fn go_lower(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        let mut lower = c.to_lowercase();
        match (lower.next(), lower.next()) {
            (Some(l), None) => out.push(l),
            // Only U+0130 has a longer full mapping; its simple mapping is `i`.
            _ if c == '\u{130}' => out.push('i'),
            _ => out.push(c),
        }
    }
    out
}

/// `stem` plus `.yaml`, made one plain file name: `%`, `/`, `\` and control characters are
/// written `%XX` (so distinct stems stay distinct), a leading dot too (no hidden file, never
/// `.` or `..`), and a name longer than file systems allow keeps its beginning and ends with a
/// hash of the whole.
pub(crate) fn safe_file_name(stem: &str) -> String {
    let mut out = String::with_capacity(stem.len() + 5);
    for (i, c) in stem.chars().enumerate() {
        if matches!(c, '%' | '/' | '\\') || c.is_control() || (i == 0 && c == '.') {
            let mut buf = [0; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out.push_str(".yaml");
    if out.len() <= NAME_MAX {
        return out;
    }
    let hash = Sha256::digest(out.as_bytes());
    let suffix: String = hash[..8].iter().map(|b| format!("{b:02x}")).collect();
    let mut keep = NAME_MAX - suffix.len() - "-.yaml".len();
    while !out.is_char_boundary(keep) {
        keep -= 1;
    }
    format!("{}-{suffix}.yaml", &out[..keep])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::read::{parse_stream, Schema};

    fn resources(yaml: &str) -> Vec<Resource> {
        parse_stream(yaml, Schema::V3).unwrap().into_iter().map(|n| Resource::new(n, "r.yaml".into())).collect()
    }

    fn is_plain_file_name(name: &str) -> bool {
        let p = std::path::Path::new(name);
        let mut parts = p.components();
        matches!(parts.next(), Some(std::path::Component::Normal(n)) if n == name)
            && parts.next().is_none()
            && !name.starts_with('.')
            && !name.contains(['/', '\\', '\0'])
            && name.len() <= NAME_MAX
    }

    #[test]
    fn one_namespace_names_carry_no_namespace_as_in_kustomize() {
        let rs = resources(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: API\n  namespace: acme\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: acme\n",
        );
        assert_eq!(file_names(&rs), ["apps_v1_deployment_api.yaml", "v1_namespace_acme.yaml"]);
    }

    #[test]
    fn several_namespaces_prefix_each_namespaced_object_with_its_namespace() {
        let rs = resources(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: Shop\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: r\n",
        );
        assert_eq!(
            file_names(&rs),
            [
                "shop_v1_configmap_a.yaml",
                "default_v1_configmap_b.yaml",
                "rbac.authorization.k8s.io_v1_clusterrole_r.yaml"
            ]
        );
    }

    #[test]
    fn the_default_namespace_and_no_namespace_are_one_namespace() {
        let rs = resources(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: default\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n",
        );
        assert_eq!(file_names(&rs), ["v1_configmap_a.yaml", "v1_configmap_b.yaml"]);
    }

    #[test]
    fn hostile_namespaces_kinds_and_names_give_plain_file_names() {
        let long = "x".repeat(5000);
        let hostile = [
            "/tmp/somewhere/PWNED",
            "../../etc",
            "..",
            ".",
            ".hidden",
            "a\\..\\b",
            "nul\0byte",
            "new\nline",
            long.as_str(),
            "ü/../../",
        ];
        for h in hostile {
            for field in ["namespace", "name", "kind", "apiVersion"] {
                let mut doc = crate::yaml::node::Node::map();
                let m = doc.as_map_mut().unwrap();
                let value = |f: &str, d: &str| crate::yaml::node::Node::string(if f == field { h } else { d });
                m.insert("apiVersion".into(), value("apiVersion", "v1"));
                m.insert("kind".into(), value("kind", "ConfigMap"));
                let mut meta = crate::yaml::node::Node::map();
                meta.as_map_mut().unwrap().insert("name".into(), value("name", "n"));
                meta.as_map_mut().unwrap().insert("namespace".into(), value("namespace", "ns"));
                m.insert("metadata".into(), meta);
                let other = resources("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: o\n  namespace: other\n");
                let rs = vec![Resource::new(doc, "r.yaml".into()), other.into_iter().next().unwrap()];
                for name in file_names(&rs) {
                    assert!(is_plain_file_name(&name), "{field} = {h:?} gave {name:?}");
                }
            }
        }
    }

    #[test]
    fn escaping_keeps_distinct_names_distinct() {
        assert_eq!(safe_file_name("a/b"), "a%2Fb.yaml");
        assert_eq!(safe_file_name("a%2Fb"), "a%252Fb.yaml");
        assert_ne!(safe_file_name("a/b"), safe_file_name("a_b"));
        assert_eq!(safe_file_name("..x"), "%2E.x.yaml");
        let (a, b) = ("y".repeat(300), format!("{}z", "y".repeat(299)));
        assert_ne!(safe_file_name(&a), safe_file_name(&b));
        assert_eq!(safe_file_name(&a).len(), NAME_MAX);
        let wide = "é".repeat(200);
        assert!(safe_file_name(&wide).len() <= NAME_MAX);
    }

    #[test]
    fn lower_case_follows_go_not_rust_for_the_characters_where_they_differ() {
        assert_eq!(go_lower("İSTANBUL"), "istanbul");
        assert_eq!(go_lower("ΟΔΟΣ"), "οδοσ");
        assert_eq!(go_lower("ÀB-Ж"), "àb-ж");
    }
}
