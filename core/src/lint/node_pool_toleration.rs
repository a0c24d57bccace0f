//! Rule `node-pool-toleration`: workloads of one build that disagree about a tainted node pool.
//! When some workload both selects a pool (`nodeSelector: {pool: burst}`) and tolerates its
//! taint (`key: pool, value: burst`), the pool is tainted; then
//! - a workload selecting the pool without the toleration stays Pending (no node accepts it);
//! - a workload tolerating the pool without selecting it may land on any node, not the pool;
//! - a workload selecting one value and tolerating another (`pool: burst`, toleration for
//!   `pool=spot`) stays Pending.

use super::{Finding, Input};
use crate::yaml::node::{Map, Node};

/// What a toleration tolerates: key, and value (`None` for `operator: Exists`).
fn tolerations(spec: &Node) -> Vec<(String, Option<String>, &Node)> {
    spec.get("tolerations")
        .and_then(Node::as_seq)
        .into_iter()
        .flatten()
        .filter(|t| t.str_at(&["effect"]).is_none_or(|e| e == "NoSchedule" || e == "NoExecute" || e.is_empty()))
        .filter_map(|t| {
            let key = t.str_at(&["key"])?.to_string();
            let value = match t.str_at(&["operator"]) {
                Some("Exists") => None,
                _ => Some(t.get("value").and_then(Node::scalar_text).unwrap_or_default()),
            };
            Some((key, value, t))
        })
        .collect()
}

fn selects(spec: &Node) -> Option<&Map> {
    spec.get("nodeSelector").and_then(Node::as_map)
}

pub(crate) fn check(ctx: &Input, out: &mut Vec<Finding>) {
    let all = &ctx.index.workloads;
    // The tainted pools: (key, value) that some workload both selects and tolerates, with it.
    let mut pools: Vec<(String, String, String)> = Vec::new();
    for w in all {
        let Some(sel) = selects(w.spec) else { continue };
        for (key, value, _) in tolerations(w.spec) {
            if let Some(v) = sel.get(&key).and_then(Node::scalar_text) {
                if value.as_ref().is_none_or(|tv| *tv == v) && !pools.iter().any(|(k, pv, _)| *k == key && *pv == v) {
                    pools.push((key, v, format!("{} {}", w.r.kind(), w.r.name())));
                }
            }
        }
    }
    for w in all {
        let tols = tolerations(w.spec);
        let sel = selects(w.spec);
        let what = format!("{} {}", w.r.kind(), w.r.name());
        // Selects a value, tolerates another value of the same key.
        for (key, v) in sel.into_iter().flatten() {
            let Some(v) = v.scalar_text() else { continue };
            let same_key: Vec<&(String, Option<String>, &Node)> =
                tols.iter().filter(|(k, _, _)| *k == key.as_str()).collect();
            let tolerated = same_key.iter().any(|(_, tv, _)| tv.as_ref().is_none_or(|tv| *tv == v));
            if tolerated {
                continue;
            }
            if let Some((_, Some(other), t)) = same_key.first() {
                out.push(Finding::new(
                    "node-pool-toleration",
                    format!(
                        "{what} selects nodes with {key}={v} but tolerates the taint {key}={other}: its pods stay Pending if the {key}={v} nodes are tainted. Make the toleration's value '{v}'"
                    ),
                    Some(&w.r.origin),
                    Some(t.pos),
                ));
            } else if let Some((_, _, by)) = pools.iter().find(|(k, pv, _)| k == key && *pv == v) {
                let pos = sel.and_then(|s| s.get(key)).map(|n| n.pos);
                out.push(Finding::new(
                    "node-pool-toleration",
                    format!(
                        "{what} selects the tainted pool {key}={v} without tolerating its taint ({by} has the toleration): its pods will stay Pending. Add the same toleration"
                    ),
                    Some(&w.r.origin),
                    pos,
                ));
            }
        }
        // Tolerates a pool others select, without selecting it.
        for (key, value, t) in &tols {
            let Some(value) = value else { continue };
            if sel.is_some_and(|s| s.contains_key(key))
                || w.spec.get("affinity").and_then(|a| a.get("nodeAffinity")).is_some()
            {
                continue;
            }
            if let Some((_, _, by)) = pools.iter().find(|(k, pv, _)| k == key && pv == value) {
                out.push(Finding::new(
                    "node-pool-toleration",
                    format!(
                        "{what} tolerates the taint of pool {key}={value} but does not select it ({by} does): its pods may run on any node. Add `nodeSelector: {{{key}: {value}}}`, or drop the toleration"
                    ),
                    Some(&w.r.origin),
                    Some(t.pos),
                ));
            }
        }
    }
}
