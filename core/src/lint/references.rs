//! Rules `dangling-reference` and `namespace-mismatch`: what a pod spec refers to by name
//! (ConfigMaps, Secrets, ServiceAccounts, claims) and whether the build has it where the pods
//! will look for it.
//!
//! `namespace-mismatch` is the dangerous one: kustomize renames a reference to a generated
//! (hashed) or prefixed object only when both are in the same namespace, so a Secret generated
//! in another namespace leaves the reference with the old name. An `optional: true` reference
//! then fails nowhere: the pods start without the values. It is reported for optional
//! references too, with the generator's place.

use super::{Finding, Input};
use crate::yaml::node::{Node, Pos, Value};
use foldhash::{HashMap, HashMapExt};

/// One reference: kind, name, where, optional.
struct Ref {
    kind: &'static str,
    name: String,
    pos: Pos,
    optional: bool,
}

/// What a pod spec refers to by name.
fn references(node: &Node, refs: &mut Vec<Ref>) {
    let Some(map) = node.as_map() else {
        if let Some(items) = node.as_seq() {
            for i in items {
                references(i, refs);
            }
        }
        return;
    };
    let optional = |n: &Node| n.get("optional").is_some_and(|o| matches!(o.value, Value::Bool(true)));
    fn push(refs: &mut Vec<Ref>, kind: &'static str, n: Option<&Node>, optional: bool) {
        if let Some(s) = n.and_then(Node::as_str) {
            refs.push(Ref { kind, name: s.to_string(), pos: n.map(|n| n.pos).unwrap_or_default(), optional });
        }
    }
    for (k, v) in map {
        match k.as_str() {
            "configMap" | "configMapRef" | "configMapKeyRef" => push(refs, "ConfigMap", v.get("name"), optional(v)),
            "secret" => push(refs, "Secret", v.get("secretName"), optional(v)),
            "secretRef" | "secretKeyRef" => push(refs, "Secret", v.get("name"), optional(v)),
            "persistentVolumeClaim" => push(refs, "PersistentVolumeClaim", v.get("claimName"), false),
            "serviceAccountName" => push(refs, "ServiceAccount", Some(v), false),
            _ => {}
        }
        references(v, refs);
    }
}

/// Objects the cluster makes in every namespace: the `default` ServiceAccount, the CA bundles
/// Kubernetes (`kube-root-ca.crt`), OpenShift (`openshift-service-ca.crt`) and Istio
/// (`istio-ca-root-cert`) publish as ConfigMaps.
fn cluster_provided(kind: &str, name: &str) -> bool {
    matches!(
        (kind, name),
        ("ServiceAccount", "default")
            | ("ConfigMap", "kube-root-ca.crt" | "openshift-service-ca.crt" | "istio-ca-root-cert")
    )
}

/// Objects the build itself says will be made at run time, which a reference may name before
/// they exist: the Secret of a cert-manager `Certificate` (`spec.secretName`), and the
/// ConfigMaps, Secrets, ServiceAccounts and claims a Role or ClusterRole of the build names in
/// `resourceNames` (a controller of the build manages them: Argo CD's `argocd-redis` Secret).
fn made_at_run_time(resources: &[crate::resource::Resource]) -> foldhash::HashSet<(&'static str, &str)> {
    use foldhash::HashSetExt;
    let mut out = foldhash::HashSet::new();
    for r in resources {
        let group = r.node.str_at(&["apiVersion"]).and_then(|a| a.split_once('/')).map_or("", |(g, _)| g);
        match (r.kind(), group) {
            ("Certificate", "cert-manager.io") => {
                if let Some(name) = r.node.str_at(&["spec", "secretName"]) {
                    out.insert(("Secret", name));
                }
            }
            ("Role" | "ClusterRole", "rbac.authorization.k8s.io") => {
                for rule in r.node.get("rules").and_then(Node::as_seq).into_iter().flatten() {
                    let strings =
                        |key: &str| rule.get(key).and_then(Node::as_seq).into_iter().flatten().filter_map(Node::as_str);
                    for resource in strings("resources") {
                        let kind = match resource {
                            "secrets" => "Secret",
                            "configmaps" => "ConfigMap",
                            "serviceaccounts" => "ServiceAccount",
                            "persistentvolumeclaims" => "PersistentVolumeClaim",
                            _ => continue,
                        };
                        for name in strings("resourceNames") {
                            out.insert((kind, name));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn shown_ns(ns: &str) -> String {
    if ns.is_empty() {
        "no namespace (the one `kubectl apply` is given, often 'default')".to_string()
    } else {
        format!("namespace '{ns}'")
    }
}

pub(crate) fn check(ctx: &Input, out: &mut Vec<Finding>) {
    // Objects by current name, and by the names they had before prefixes or hash suffixes
    // renamed them (a reference that did not follow a rename says so).
    let mut by_name: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    let mut renamed: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (i, r) in ctx.resources.iter().enumerate() {
        by_name.entry((r.kind(), r.name())).or_default().push(i);
        for (old, _) in &r.previous {
            if old != r.name() {
                renamed.entry((r.kind(), old.as_str())).or_default().push(i);
            }
        }
    }
    let made_at_run_time = made_at_run_time(ctx.resources);
    // Missing objects already reported: (kind, name, namespace of the reference) to the finding.
    let mut missing: HashMap<(&str, String, &str), usize> = HashMap::new();
    for r in ctx.resources {
        let Some(spec) = r.node.get("spec") else { continue };
        let mut refs = Vec::new();
        references(spec, &mut refs);
        let ns = r.namespace();
        for Ref { kind, name, pos, optional } in refs {
            if cluster_provided(kind, &name) || made_at_run_time.contains(&(kind, name.as_str())) {
                continue;
            }
            let same_name = by_name.get(&(kind, name.as_str())).map(Vec::as_slice).unwrap_or_default();
            // Under its own name, an object with no namespace (or a workload with none) meets
            // the other in the namespace `kubectl apply` is given.
            if same_name.iter().any(|&i| super::workloads::same_ns(ctx.resources[i].namespace(), ns)) {
                continue;
            }
            let renamed = renamed.get(&(kind, name.as_str())).map(Vec::as_slice).unwrap_or_default();
            let elsewhere: Vec<usize> = same_name.iter().chain(renamed).copied().collect();
            let Some(&first) = elsewhere.first() else {
                if optional || ctx.base {
                    // Optional: nothing fails. In a base: what builds on it adds the object.
                    continue;
                }
                // One finding per missing object (one fix), the other references as notes.
                if let Some(&at) = missing.get(&(kind, name.clone(), ns)) {
                    out[at].add_note(format!("{} {} refers to it here too", r.kind(), r.name()), &r.origin, Some(pos));
                } else {
                    missing.insert((kind, name.clone(), ns), out.len());
                    out.push(Finding::new(
                        "dangling-reference",
                        format!(
                            "{} {} refers to {kind} '{name}', which is not in this build: it must already exist in the cluster, or the name is wrong",
                            r.kind(),
                            r.name()
                        ),
                        Some(&r.origin),
                        Some(pos),
                    ));
                }
                continue;
            };
            if !matches!(kind, "ConfigMap" | "Secret") && elsewhere.iter().all(|&i| !renamed.contains(&i)) {
                // ServiceAccounts and claims: the old message, without the generator talk.
                out.push(Finding::new(
                    "dangling-reference",
                    format!(
                        "{} {} refers to {kind} '{name}', which this build makes only in {}, not in {}: set the same namespace on both",
                        r.kind(),
                        r.name(),
                        shown_ns(ctx.resources[first].namespace()),
                        shown_ns(ns)
                    ),
                    Some(&r.origin),
                    Some(pos),
                ));
                continue;
            }
            let target = &ctx.resources[first];
            if ctx.base && (ns.is_empty() || target.namespace().is_empty()) {
                // In a base, one side leaves its namespace to what builds on it: an overlay's
                // `namespace:` puts both in one (a leaf that does not is linted itself).
                continue;
            }
            let generator = ctx.generator_of(target);
            let made = match generator {
                Some((_, _, field)) => format!("generates (`{field}`)"),
                None => "makes".to_string(),
            };
            let renamed_to = if target.name() != name { format!(" as '{}'", target.name()) } else { String::new() };
            let consequence = if optional {
                "the reference is optional, so nothing fails: the pods start without it"
            } else {
                "the pods will not start"
            };
            let consequence = format!("do not find it; {consequence}");
            let fix = match (generator, ns) {
                (Some(_), "") => "remove the generator's namespace, or give both the same one".to_string(),
                (Some(_), ns) => {
                    format!("set `namespace: {ns}` in the kustomization that generates it (or on its entry)")
                }
                (None, "") => "give both the same namespace".to_string(),
                (None, ns) => format!("put it in namespace '{ns}' too"),
            };
            let mut f = Finding::new(
                "namespace-mismatch",
                format!(
                    "{} {} ({}) refers to {kind} '{name}', which this build {made} in {}{renamed_to}; kustomize renames references only within one namespace, so the pods look for '{name}' in {} and {consequence}. Fix: {fix}",
                    r.kind(),
                    r.name(),
                    shown_ns(ns),
                    shown_ns(target.namespace()),
                    shown_ns(ns),
                ),
                Some(&r.origin),
                Some(pos),
            );
            f = match generator {
                Some((file, gpos, field)) => {
                    f.note(format!("{kind} '{name}' is generated by this {field} entry"), file, Some(gpos))
                }
                None => f.note(format!("{kind} '{name}' is defined here"), &target.origin, Some(target.node.pos)),
            };
            out.push(f);
        }
    }
}
