//! Output order: kustomize's legacy order (the default) or FIFO, per `sortOptions`.

use crate::error::{Error, Result};
use crate::kustomization::SortOptions;
use crate::resource::{Gvk, Resource, LEGACY_ORDER_FIRST, LEGACY_ORDER_LAST};
use foldhash::{HashMap, HashMapExt};

/// Checks `sortOptions` as kustomize does.
pub fn validate(options: &SortOptions) -> Result<()> {
    match options.order.as_str() {
        "fifo" if options.legacy.is_some() => Err(Error::new(
            "the field 'sortOptions.legacySortOptions' is set but the selected sort order is 'fifo', not 'legacy'",
        )),
        "fifo" | "legacy" => Ok(()),
        _ => Err(Error::new("the field 'sortOptions.order' must be one of [fifo, legacy]")),
    }
}

/// Sorts resources in place as `kustomize build` does with the given options (legacy when none).
pub fn sort(resources: &mut [Resource], options: Option<&SortOptions>) {
    let (first, last): (Vec<&str>, Vec<&str>) = match options {
        Some(o) if o.order == "fifo" => return,
        Some(SortOptions { legacy: Some((first, last)), .. }) => {
            (first.iter().map(String::as_str).collect(), last.iter().map(String::as_str).collect())
        }
        _ => (LEGACY_ORDER_FIRST.to_vec(), LEGACY_ORDER_LAST.to_vec()),
    };
    let mut rank: HashMap<&str, i64> = HashMap::new();
    for (i, k) in first.iter().enumerate() {
        rank.insert(k, i as i64 - first.len() as i64);
    }
    for (i, k) in last.iter().enumerate() {
        rank.insert(k, 1 + i as i64);
    }
    // Each key is computed once; the resources are moved into place, never copied.
    resources.sort_by_cached_key(|r| {
        let gvk = r.gvk();
        // kyaml reads a namespace or name written as another scalar (`namespace: 31`) as its text.
        let meta_text = |field: &str| {
            let n = r.node.get("metadata").and_then(|m| m.get(field));
            n.and_then(|n| n.as_text().map(str::to_string).or_else(|| n.scalar_text())).unwrap_or_default()
        };
        let (ns, name) = (meta_text("namespace"), meta_text("name"));
        let ns = if ns.is_empty() { "~X" } else { ns.as_str() };
        let name = if name.is_empty() { "~N" } else { name.as_str() };
        let id_key = format!("{}|{}|{}", gvk.id_string(), ns, name);
        (*rank.get(gvk.kind.as_str()).unwrap_or(&0), gvk_sort_string(&gvk), id_key)
    });
}

fn gvk_sort_string(g: &Gvk) -> String {
    let or = |s: &str, d: &'static str| if s.is_empty() { d.to_string() } else { s.to_string() };
    format!("{}_{}_{}", or(&g.group, "~G"), or(&g.version, "~V"), or(&g.kind, "~K"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::node::{Node, Value};

    fn res(api: &str, kind: &str, name: &str, ns: &str) -> Resource {
        let mut n = Node::map();
        let m = n.as_map_mut().unwrap();
        m.insert("apiVersion".into(), Node::string(api));
        m.insert("kind".into(), Node::string(kind));
        let mut meta = Node::map();
        meta.as_map_mut().unwrap().insert("name".into(), Node::string(name));
        if !ns.is_empty() {
            meta.as_map_mut().unwrap().insert("namespace".into(), Node::new(Value::Str(ns.into())));
        }
        m.insert("metadata".into(), meta);
        Resource::new(n, "x".into())
    }

    fn names(rs: &[Resource]) -> Vec<String> {
        rs.iter().map(|r| format!("{}/{}", r.kind(), r.name())).collect()
    }

    #[test]
    fn legacy_order_ranks_kinds_then_gvk_then_namespace_and_name() {
        let mut rs = vec![
            res("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", "w", ""),
            res("apps/v1", "Deployment", "b", ""),
            res("v1", "Pod", "p", ""),
            res("apps/v1", "Deployment", "a", "z"),
            res("v1", "Namespace", "ns", ""),
            res("v1", "ConfigMap", "c", ""),
        ];
        sort(&mut rs, None);
        // Deployments: namespace "z" sorts before the "~X" of no namespace.
        assert_eq!(
            names(&rs),
            [
                "Namespace/ns",
                "ConfigMap/c",
                "Deployment/a",
                "Deployment/b",
                "Pod/p",
                "ValidatingWebhookConfiguration/w"
            ]
        );
    }

    #[test]
    fn fifo_keeps_input_order() {
        let mut rs = vec![res("v1", "Service", "s", ""), res("v1", "Namespace", "n", "")];
        sort(&mut rs, Some(&SortOptions { order: "fifo".into(), ..Default::default() }));
        assert_eq!(names(&rs), ["Service/s", "Namespace/n"]);
    }
}
