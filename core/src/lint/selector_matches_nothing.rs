//! Rule `selector-matches-nothing`: a Service, PodDisruptionBudget or NetworkPolicy whose
//! selector matches the pod template of no workload in its namespace, or a
//! HorizontalPodAutoscaler whose `scaleTargetRef` names no object of the build. Common after
//! `commonLabels` (or `labels` with `includeSelectors`) changed selectors but not every
//! template, a `namePrefix`, or a label typo. Silent when the build has no workload at all (the
//! pods are then deployed by something else).

use super::{workloads, Finding, Input};
use crate::yaml::node::{Map, Node};

/// For a selector that matches nothing: the workload that comes closest, and the labels it
/// lacks or has with another value.
fn nearest(selector_labels: &Map, all: &[&workloads::Workload]) -> Option<String> {
    let score = |w: &workloads::Workload| {
        selector_labels
            .iter()
            .filter(|(k, v)| w.labels.and_then(|l| l.get(*k)).and_then(Node::scalar_text) == v.scalar_text())
            .count()
    };
    let best = all.iter().max_by_key(|w| score(w)).filter(|w| score(w) > 0)?;
    let missing: Vec<String> = selector_labels
        .iter()
        .filter(|(k, v)| best.labels.and_then(|l| l.get(*k)).and_then(Node::scalar_text) != v.scalar_text())
        .map(|(k, v)| {
            let have = best.labels.and_then(|l| l.get(k)).and_then(Node::scalar_text);
            match have {
                Some(h) => format!("{k}={h}, not {}", v.scalar_text().unwrap_or_default()),
                None => format!("no {k}"),
            }
        })
        .collect();
    Some(format!("the closest is {} {}, whose pod template has {}", best.r.kind(), best.r.name(), missing.join(", ")))
}

pub(crate) fn check(ctx: &Input, out: &mut Vec<Finding>) {
    let index = &ctx.index;
    if index.workloads.is_empty() {
        return;
    }
    for r in ctx.resources {
        let ns = r.namespace();
        let Some(spec) = r.node.get("spec") else { continue };
        let (selector, labels, what) = match r.kind() {
            "Service" => {
                let Some(sel) = spec.get("selector") else { continue };
                let Some(m) = sel.as_map().filter(|m| !m.is_empty()) else { continue };
                if index.matching_map(m, ns).next().is_some() || index.custom_matching(m, ns) {
                    continue;
                }
                (sel, Some(m), "selector")
            }
            "PodDisruptionBudget" | "NetworkPolicy" => {
                let field = if r.kind() == "NetworkPolicy" { "podSelector" } else { "selector" };
                let Some(sel) = spec.get(field) else { continue };
                let empty = sel.as_map().is_none_or(|m| {
                    m.values()
                        .all(|v| v.as_map().is_some_and(|m| m.is_empty()) || v.as_seq().is_some_and(|s| s.is_empty()))
                });
                let custom =
                    sel.get("matchLabels").and_then(Node::as_map).is_some_and(|m| index.custom_matching(m, ns));
                if empty || custom || index.matching(sel, ns).next().is_some() {
                    continue;
                }
                (sel, sel.get("matchLabels").and_then(Node::as_map), field)
            }
            "HorizontalPodAutoscaler" => {
                let Some(t) = spec.get("scaleTargetRef") else { continue };
                let (Some(kind), Some(name)) = (t.str_at(&["kind"]), t.str_at(&["name"])) else { continue };
                if index.named(kind, name).any(|o| o.name() == name && workloads::same_ns(o.namespace(), ns)) {
                    continue;
                }
                let candidates: Vec<&str> =
                    ctx.resources.iter().filter(|o| o.kind() == kind).map(|o| o.name()).collect();
                let hint = match crate::error::closest_name(name, candidates.iter().copied()) {
                    Some(near) => format!(" (did you mean '{near}'?)"),
                    None => String::new(),
                };
                out.push(Finding::new(
                    "selector-matches-nothing",
                    format!(
                        "HorizontalPodAutoscaler {} scales {kind} '{name}', which is not in this build's namespace {}{hint}. Name the target as the build names it",
                        r.name(),
                        if ns.is_empty() { "(none)".to_string() } else { format!("'{ns}'") }
                    ),
                    Some(&r.origin),
                    Some(t.get("name").map_or(t.pos, |n| n.pos)),
                ));
                continue;
            }
            _ => continue,
        };
        let here: Vec<&workloads::Workload> =
            index.workloads.iter().filter(|w| workloads::same_ns(w.r.namespace(), ns)).collect();
        let hint = labels.and_then(|l| nearest(l, &here)).map(|h| format!(" ({h})")).unwrap_or_default();
        out.push(Finding::new(
            "selector-matches-nothing",
            format!(
                "the {what} of {} {} matches the pods of no workload in its namespace{hint}, so it applies to nothing. Make the selector and the pod template labels agree",
                r.kind(),
                r.name()
            ),
            Some(&r.origin),
            Some(selector.pos),
        ));
    }
}
