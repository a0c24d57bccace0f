//! What several rules need to know about workloads: their pod templates, replica counts, the
//! autoscalers that scale them, and whether a label selector matches a template's labels.

use crate::resource::Resource;
use crate::yaml::node::{Map, Node, Value};
use foldhash::{HashMap, HashMapExt};

/// Built once per lint, so that no rule compares every object with every other: workloads, an
/// index of them by pod template label, objects by kind and name (current and earlier names),
/// autoscalers by target, and the objects of custom kinds.
pub(crate) struct Index<'a> {
    pub workloads: Vec<Workload<'a>>,
    /// (label key, value) of pod templates → positions in `workloads`.
    by_label: HashMap<&'a str, HashMap<String, Vec<usize>>>,
    /// (kind, name, current or earlier) → positions in the resources.
    by_name: HashMap<&'a str, HashMap<&'a str, Vec<usize>>>,
    /// (target kind, target name) → positions of HorizontalPodAutoscalers.
    hpas: HashMap<&'a str, HashMap<&'a str, Vec<usize>>>,
    /// Positions of objects of custom kinds (an API group with a dot, not `*.k8s.io`).
    pub custom: Vec<usize>,
    resources: &'a [Resource],
}

impl<'a> Index<'a> {
    pub fn new(resources: &'a [Resource]) -> Index<'a> {
        let workloads: Vec<Workload<'a>> = resources.iter().filter_map(workload).collect();
        let mut by_label: HashMap<&'a str, HashMap<String, Vec<usize>>> = HashMap::new();
        for (i, w) in workloads.iter().enumerate() {
            for (k, v) in w.labels.into_iter().flatten() {
                if let Some(v) = v.scalar_text() {
                    by_label.entry(k.as_str()).or_default().entry(v).or_default().push(i);
                }
            }
        }
        let mut by_name: HashMap<&'a str, HashMap<&'a str, Vec<usize>>> = HashMap::new();
        let mut hpas: HashMap<&'a str, HashMap<&'a str, Vec<usize>>> = HashMap::new();
        let mut custom = Vec::new();
        for (i, r) in resources.iter().enumerate() {
            by_name.entry(r.kind()).or_default().entry(r.name()).or_default().push(i);
            for (old, _) in &r.previous {
                if old != r.name() {
                    by_name.entry(r.kind()).or_default().entry(old.as_str()).or_default().push(i);
                }
            }
            if r.kind() == "HorizontalPodAutoscaler" {
                let t = r.node.get("spec").and_then(|s| s.get("scaleTargetRef"));
                if let (Some(k), Some(n)) = (t.and_then(|t| t.str_at(&["kind"])), t.and_then(|t| t.str_at(&["name"]))) {
                    hpas.entry(k).or_default().entry(n).or_default().push(i);
                }
            }
            let group = r.str_field(&["apiVersion"]).rsplit_once('/').map_or("", |(g, _)| g);
            if group.contains('.') && !group.ends_with("k8s.io") {
                custom.push(i);
            }
        }
        Index { workloads, by_label, by_name, hpas, custom, resources }
    }

    /// The objects of `kind` named `name` now or before a rename.
    pub fn named(&self, kind: &str, name: &str) -> impl Iterator<Item = &'a Resource> + '_ {
        let resources = self.resources;
        let found = self.by_name.get(kind).and_then(|m| m.get(name)).map(Vec::as_slice).unwrap_or_default();
        found.iter().map(move |&i| &resources[i])
    }

    /// Workloads in a namespace that meets `ns` whose pod template a selector may match: those
    /// with the selector's first label when it has one (the caller checks the rest).
    fn candidates<'s>(
        &'s self,
        first: Option<(&str, String)>,
        ns: &'s str,
    ) -> Box<dyn Iterator<Item = &'s Workload<'a>> + 's> {
        let near = move |w: &&Workload| same_ns(w.r.namespace(), ns);
        match first {
            Some((k, v)) => {
                let found = self.by_label.get(k).and_then(|m| m.get(&v)).map(Vec::as_slice).unwrap_or_default();
                Box::new(found.iter().map(|&i| &self.workloads[i]).filter(near))
            }
            None => Box::new(self.workloads.iter().filter(near)),
        }
    }

    /// Workloads whose pod template a plain map selector (a Service's) matches, near `ns`.
    pub fn matching_map<'s>(&'s self, sel: &'s Map, ns: &'s str) -> impl Iterator<Item = &'s Workload<'a>> + 's {
        let first = sel
            .iter()
            .find(|(k, _)| !CONTROLLER_LABELS.contains(&k.as_str()))
            .and_then(|(k, v)| Some((k.as_str(), v.scalar_text()?)));
        self.candidates(first, ns).filter(move |w| map_matches(sel, w.labels))
    }

    /// Workloads whose pod template a `LabelSelector` matches, near `ns`.
    pub fn matching<'s>(&'s self, sel: &'s Node, ns: &'s str) -> impl Iterator<Item = &'s Workload<'a>> + 's {
        let first = sel
            .get("matchLabels")
            .and_then(Node::as_map)
            .and_then(|m| m.iter().find(|(k, _)| !CONTROLLER_LABELS.contains(&k.as_str())))
            .and_then(|(k, v)| Some((k.as_str(), v.scalar_text()?)));
        self.candidates(first, ns).filter(move |w| selector_matches(sel, w.labels))
    }

    /// The HorizontalPodAutoscaler that scales `r`, if any: `scaleTargetRef` naming its kind
    /// and name, in a namespace that meets its own.
    pub fn autoscaler_of(&self, r: &Resource) -> Option<&'a Resource> {
        let found = self.hpas.get(r.kind())?.get(r.name())?;
        found.iter().map(|&i| &self.resources[i]).find(|h| same_ns(h.namespace(), r.namespace()))
    }

    /// How many pods `r` runs at least: the `minReplicas` of its autoscaler (default 1) when
    /// one scales it, else `spec.replicas` (default 1). `None` for kinds without a replica
    /// count (DaemonSet, Job, Pod...).
    pub fn min_replicas(&self, r: &Resource) -> Option<i64> {
        if !matches!(r.kind(), "Deployment" | "StatefulSet" | "ReplicaSet" | "ReplicationController") {
            return None;
        }
        if let Some(h) = self.autoscaler_of(r) {
            return Some(h.node.get("spec").and_then(|s| s.get("minReplicas")).and_then(int).unwrap_or(1));
        }
        Some(r.node.get("spec").and_then(|s| s.get("replicas")).and_then(int).unwrap_or(1))
    }

    /// The objects of custom kinds near `ns` whose own labels `sel` matches (an operator makes
    /// their pods).
    pub fn custom_matching(&self, sel: &Map, ns: &str) -> bool {
        self.custom
            .iter()
            .map(|&i| &self.resources[i])
            .any(|o| same_ns(o.namespace(), ns) && map_matches(sel, o.meta_map("labels")))
    }
}

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
