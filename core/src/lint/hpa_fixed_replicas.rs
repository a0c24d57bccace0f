//! Rule `hpa-fixed-replicas`: a workload that a HorizontalPodAutoscaler scales, and that also
//! gets a replica count from a kustomization (a `replicas:` entry, or a patch setting
//! `spec.replicas`). Every apply sets the count back to that number, undoing the autoscaler
//! until it scales again: leave the count to the autoscaler (its `minReplicas`).

use super::{workloads, Ctx, Finding};
use crate::yaml::node::Pos;
use crate::yaml::read::{parse_stream, Schema};

pub(crate) fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    for r in ctx.resources {
        if !matches!(r.kind(), "Deployment" | "StatefulSet" | "ReplicaSet" | "ReplicationController") {
            continue;
        }
        let Some(hpa) = workloads::autoscaler_of(ctx.resources, r) else { continue };
        let names: Vec<&str> = std::iter::once(r.name()).chain(r.previous.iter().map(|(n, _)| n.as_str())).collect();
        // (file, position, what sets it)
        let mut setters: Vec<(camino::Utf8PathBuf, Pos, String)> = Vec::new();
        for kf in &ctx.kustomizations {
            for (i, entry) in kf.node.get("replicas").and_then(|n| n.as_seq()).into_iter().flatten().enumerate() {
                if entry.str_at(&["name"]).is_some_and(|n| names.contains(&n)) {
                    setters.push((kf.file.clone(), entry.pos, format!("`replicas[{i}]`")));
                }
            }
            for p in kf.patch_sources(ctx.fs) {
                let Ok(docs) = parse_stream(&p.text, Schema::V3) else { continue };
                for doc in &docs {
                    let (hit, pos) = if let Some(ops) = doc.as_seq() {
                        // JSON 6902: an op on /spec/replicas of a target that selects this object.
                        let op = ops.iter().find(|op| {
                            op.str_at(&["path"]) == Some("/spec/replicas")
                                && matches!(op.str_at(&["op"]), Some("add" | "replace"))
                        });
                        let selected = p.target.is_some_and(|t| super::selector_selects(t, r.kind(), &names));
                        (op.is_some() && selected, op.map(|o| o.pos))
                    } else {
                        let replicas = doc.get("spec").and_then(|s| s.get("replicas"));
                        let selected = match p.target {
                            Some(t) => super::selector_selects(t, r.kind(), &names),
                            None => {
                                doc.str_at(&["kind"]) == Some(r.kind())
                                    && doc.str_at(&["metadata", "name"]).is_some_and(|n| names.contains(&n))
                            }
                        };
                        (replicas.is_some_and(|n| !n.is_null()) && selected, replicas.map(|n| n.pos))
                    };
                    if hit {
                        let (file, pos) = if p.inline {
                            (p.entry.0.to_owned(), p.entry.1)
                        } else {
                            (p.file.clone(), pos.unwrap_or_default())
                        };
                        setters.push((file, pos, "a patch".to_string()));
                    }
                }
            }
        }
        for (file, pos, what) in setters {
            let f = Finding::new(
                "hpa-fixed-replicas",
                format!(
                    "{what} sets the replicas of {} {}, which HorizontalPodAutoscaler {} scales: every apply resets the count the autoscaler chose. Remove it and let the autoscaler's minReplicas set the floor",
                    r.kind(),
                    r.name(),
                    hpa.name()
                ),
                Some(&file),
                Some(pos),
            )
            .note(format!("HorizontalPodAutoscaler {}", hpa.name()), &hpa.origin, Some(hpa.node.pos));
            out.push(f);
        }
    }
}
