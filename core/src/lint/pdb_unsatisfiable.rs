//! Rule `pdb-unsatisfiable`: a PodDisruptionBudget that never allows a voluntary eviction, so
//! node drains (upgrades, scale-downs) block on its pods: `minAvailable` at or above the number
//! of pods its workloads run (an overlay scaling to `replicas: 0` at rest included), `100%`, or
//! `maxUnavailable: 0`. The number of pods is the sum over the workloads its selector matches
//! of their `spec.replicas`, or their autoscaler's `minReplicas`. (A budget whose selector
//! matches nothing is reported by `selector-matches-nothing`.)

use super::{workloads, Finding, Input};
use crate::yaml::node::{Node, Value};

/// An `IntOrString` budget value: a count, or a percentage.
enum Amount {
    Count(i64),
    Percent(i64),
}

fn amount(n: &Node) -> Option<Amount> {
    match &n.value {
        Value::Int(i) => Some(Amount::Count(*i)),
        Value::Str(s) => s.strip_suffix('%').and_then(|p| p.trim().parse().ok()).map(Amount::Percent),
        _ => None,
    }
}

pub(crate) fn check(ctx: &Input, out: &mut Vec<Finding>) {
    for pdb in ctx.resources.iter().filter(|r| r.kind() == "PodDisruptionBudget") {
        let Some(spec) = pdb.node.get("spec") else { continue };
        let Some(selector) = spec.get("selector") else { continue };
        let matched: Vec<&workloads::Workload> = ctx.index.matching(selector, pdb.namespace()).collect();
        if matched.is_empty() {
            continue;
        }
        let counts: Option<Vec<i64>> = matched.iter().map(|w| ctx.index.min_replicas(w.r)).collect();
        let Some(counts) = counts else { continue };
        let pods: i64 = counts.iter().sum();
        let names = matched.iter().map(|w| format!("{} {}", w.r.kind(), w.r.name())).collect::<Vec<_>>().join(", ");
        let problem = if let Some(n) = spec.get("maxUnavailable") {
            match amount(n) {
                Some(Amount::Count(0) | Amount::Percent(0)) => Some((n.pos, "maxUnavailable is 0".to_string())),
                _ => None,
            }
        } else if let Some(n) = spec.get("minAvailable") {
            let needed = match amount(n) {
                Some(Amount::Count(c)) => Some(c),
                // The API server rounds a percentage of minAvailable up.
                Some(Amount::Percent(p)) => Some((p * pods + 99) / 100),
                None => None,
            };
            match needed {
                Some(c) if c > 0 && c >= pods => Some((
                    n.pos,
                    format!(
                        "minAvailable is {} but {names} run{} {pods} pod{} at least",
                        n.scalar_text().unwrap_or_default(),
                        if matched.len() == 1 { "s" } else { "" },
                        if pods == 1 { "" } else { "s" }
                    ),
                )),
                _ => None,
            }
        } else {
            None
        };
        if let Some((pos, why)) = problem {
            out.push(Finding::new(
                "pdb-unsatisfiable",
                format!(
                    "PodDisruptionBudget {} can never allow an eviction ({why}), so draining a node with these pods blocks. Lower minAvailable below the replica count (or use maxUnavailable: 1), or drop the budget where the workload runs fewer pods",
                    pdb.name()
                ),
                Some(&pdb.origin),
                Some(pos),
            ));
        }
    }
}
