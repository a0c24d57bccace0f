//! What several rules need to know about workloads: their pod templates, replica counts, the
//! autoscalers that scale them, and whether a label selector matches a template's labels.

use crate::resource::Resource;
use crate::yaml::node::{Map, Node, Value};

/// A workload of the build: an object that makes pods.
pub(crate) struct Workload<'a> {
    pub r: &'a Resource,
    /// The pod template's labels (empty when it has none).
    pub labels: Option<&'a Map>,
    /// The pod spec.
    pub spec: &'a Node,
}

/// The pod template of `r`, if it is a Pod or an object that makes pods (Deployment,
/// StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, or any kind with a
/// `spec.template.spec.containers`).
pub(crate) fn workload(r: &Resource) -> Option<Workload<'_>> {
    let spec = r.node.get("spec")?;
    let (meta, pod_spec) = match r.kind() {
        "Pod" => (r.node.get("metadata"), spec),
        "CronJob" => {
            let t = spec.get("jobTemplate")?.get("spec")?.get("template")?;
            (t.get("metadata"), t.get("spec")?)
        }
        _ => {
            let t = spec.get("template")?;
            (t.get("metadata"), t.get("spec")?)
        }
    };
    pod_spec.get("containers")?.as_seq()?;
    Some(Workload { r, labels: meta.and_then(|m| m.get("labels")).and_then(Node::as_map), spec: pod_spec })
}

/// Every workload of the build.
pub(crate) fn workloads(resources: &[Resource]) -> Vec<Workload<'_>> {
    resources.iter().filter_map(workload).collect()
}

/// Whether objects in namespaces `a` and `b` can meet: the same namespace, or one of them has
/// none (it gets the one `kubectl apply` is given).
pub(crate) fn same_ns(a: &str, b: &str) -> bool {
    a == b || a.is_empty() || b.is_empty()
}

/// Labels that controllers add to the pods they make (not in the template): selectors may use
/// them (a Service per StatefulSet pod, for instance).
const CONTROLLER_LABELS: &[&str] = &[
    "statefulset.kubernetes.io/pod-name",
    "apps.kubernetes.io/pod-index",
    "controller-revision-hash",
    "pod-template-hash",
    "job-name",
    "batch.kubernetes.io/job-name",
    "controller-uid",
    "batch.kubernetes.io/controller-uid",
    "batch.kubernetes.io/job-completion-index",
];

/// An integer field (ints, and strings holding one, as the API server accepts for some).
pub(crate) fn int(n: &Node) -> Option<i64> {
    match &n.value {
        Value::Int(i) => Some(*i),
        Value::Str(s) => s.parse().ok(),
        _ => None,
    }
}

/// The HorizontalPodAutoscaler that scales `r`, if any: same namespace, `scaleTargetRef` naming
/// its kind and name.
pub(crate) fn autoscaler_of<'a>(resources: &'a [Resource], r: &Resource) -> Option<&'a Resource> {
    resources.iter().find(|h| {
        h.kind() == "HorizontalPodAutoscaler"
            && same_ns(h.namespace(), r.namespace())
            && h.node
                .get("spec")
                .and_then(|s| s.get("scaleTargetRef"))
                .is_some_and(|t| t.str_at(&["kind"]) == Some(r.kind()) && t.str_at(&["name"]) == Some(r.name()))
    })
}

/// How many pods `r` runs at least: the `minReplicas` of its autoscaler (default 1) when one
/// scales it, else `spec.replicas` (default 1). `None` for kinds without a replica count
/// (DaemonSet, Job, Pod...).
pub(crate) fn min_replicas(resources: &[Resource], r: &Resource) -> Option<i64> {
    if !matches!(r.kind(), "Deployment" | "StatefulSet" | "ReplicaSet" | "ReplicationController") {
        return None;
    }
    if let Some(h) = autoscaler_of(resources, r) {
        return Some(h.node.get("spec").and_then(|s| s.get("minReplicas")).and_then(int).unwrap_or(1));
    }
    Some(r.node.get("spec").and_then(|s| s.get("replicas")).and_then(int).unwrap_or(1))
}

/// Whether a plain map selector (a Service's `spec.selector`) matches `labels`.
pub(crate) fn map_matches(selector: &Map, labels: Option<&Map>) -> bool {
    selector.iter().filter(|(k, _)| !CONTROLLER_LABELS.contains(&k.as_str())).all(|(k, v)| {
        labels.and_then(|l| l.get(k)).and_then(Node::scalar_text) == v.scalar_text() && v.scalar_text().is_some()
    })
}

/// Whether a `LabelSelector` (`matchLabels` and `matchExpressions`) matches `labels`. An empty
/// selector matches everything.
pub(crate) fn selector_matches(selector: &Node, labels: Option<&Map>) -> bool {
    if let Some(ml) = selector.get("matchLabels").and_then(Node::as_map) {
        if !map_matches(ml, labels) {
            return false;
        }
    }
    let value = |k: &str| labels.and_then(|l| l.get(k)).and_then(Node::scalar_text);
    for e in selector.get("matchExpressions").and_then(Node::as_seq).into_iter().flatten() {
        let Some(key) = e.str_at(&["key"]) else { return false };
        if CONTROLLER_LABELS.contains(&key) {
            continue;
        }
        let values: Vec<String> =
            e.get("values").and_then(Node::as_seq).into_iter().flatten().filter_map(Node::scalar_text).collect();
        let ok = match e.str_at(&["operator"]) {
            Some("In") => value(key).is_some_and(|v| values.contains(&v)),
            Some("NotIn") => value(key).is_none_or(|v| !values.contains(&v)),
            Some("Exists") => value(key).is_some(),
            Some("DoesNotExist") => value(key).is_none(),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::read::{parse_one, Schema};

    fn node(text: &str) -> Node {
        parse_one(text, Schema::V3).unwrap().unwrap()
    }

    #[test]
    fn label_selectors_follow_match_labels_and_expressions() {
        let labels = node("app: api\ntier: web\n");
        let labels = labels.as_map();
        assert!(selector_matches(&node("matchLabels: {app: api}\n"), labels));
        assert!(!selector_matches(&node("matchLabels: {app: ui}\n"), labels));
        assert!(selector_matches(&node("matchExpressions: [{key: tier, operator: In, values: [web, db]}]\n"), labels));
        assert!(!selector_matches(&node("matchExpressions: [{key: tier, operator: NotIn, values: [web]}]\n"), labels));
        assert!(selector_matches(&node("matchExpressions: [{key: zone, operator: DoesNotExist}]\n"), labels));
        assert!(selector_matches(&node("{}\n"), labels));
    }
}
