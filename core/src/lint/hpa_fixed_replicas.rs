//! Rule `hpa-fixed-replicas`: a workload that a HorizontalPodAutoscaler scales, and that also
//! gets a replica count from a kustomization (a `replicas:` entry, or a patch setting
//! `spec.replicas`). Every apply sets the count back to that number, undoing the autoscaler
//! until it scales again: leave the count to the autoscaler (its `minReplicas`).

use super::{Finding, Input};
use crate::kustomization::PatchTarget;
use crate::yaml::node::Pos;
use crate::yaml::read::{parse_stream, Schema};
use camino::Utf8PathBuf;
use foldhash::{HashMap, HashMapExt};

/// Something in a kustomization that sets replica counts.
struct Setter<'a> {
    file: Utf8PathBuf,
    pos: Pos,
    what: String,
    /// For patches with a target: the selector (else the setter applies by name).
    target: Option<&'a PatchTarget>,
    /// For strategic-merge patches without a target: the kind they patch.
    kind: Option<String>,
}

/// Every replica setter of the build's kustomizations: by name, and those selecting by target.
fn setters<'a>(ctx: &'a Input) -> (HashMap<String, Vec<Setter<'a>>>, Vec<Setter<'a>>) {
    let mut by_name: HashMap<String, Vec<Setter>> = HashMap::new();
    let mut targeted = Vec::new();
    for kf in ctx.kustomizations.built() {
        for (i, entry) in kf.node.get("replicas").and_then(|n| n.as_seq()).into_iter().flatten().enumerate() {
            if let Some(name) = entry.str_at(&["name"]) {
                by_name.entry(name.to_string()).or_default().push(Setter {
                    file: kf.file.clone(),
                    pos: entry.pos,
                    what: format!("`replicas[{i}]`"),
                    target: None,
                    kind: None,
                });
            }
        }
        for p in kf.patch_sources(ctx) {
            let Ok(docs) = parse_stream(&p.text, Schema::V3) else { continue };
            for doc in &docs {
                let pos = if let Some(ops) = doc.as_seq() {
                    // JSON 6902: an op on /spec/replicas.
                    ops.iter()
                        .find(|op| {
                            op.str_at(&["path"]) == Some("/spec/replicas")
                                && matches!(op.str_at(&["op"]), Some("add" | "replace"))
                        })
                        .map(|op| op.pos)
                } else {
                    doc.get("spec").and_then(|s| s.get("replicas")).filter(|n| !n.is_null()).map(|n| n.pos)
                };
                let Some(pos) = pos else { continue };
                let (file, pos) = if p.inline { (p.entry.0.to_owned(), p.entry.1) } else { (p.file.clone(), pos) };
                let setter = Setter {
                    file,
                    pos,
                    what: "a patch".to_string(),
                    target: p.target,
                    kind: doc.str_at(&["kind"]).map(str::to_string),
                };
                match (p.target, doc.str_at(&["metadata", "name"])) {
                    (Some(_), _) => targeted.push(setter),
                    (None, Some(name)) => by_name.entry(name.to_string()).or_default().push(setter),
                    (None, None) => {}
                }
            }
        }
    }
    (by_name, targeted)
}

pub(crate) fn check(ctx: &Input, out: &mut Vec<Finding>) {
    let mut cache = None;
    for r in ctx.resources {
        if !matches!(r.kind(), "Deployment" | "StatefulSet" | "ReplicaSet" | "ReplicationController") {
            continue;
        }
        let Some(hpa) = ctx.index.autoscaler_of(r) else { continue };
        let (by_name, targeted) = cache.get_or_insert_with(|| setters(ctx));
        let names: Vec<&str> = std::iter::once(r.name()).chain(r.previous.iter().map(|(n, _)| n.as_str())).collect();
        let named = names.iter().flat_map(|n| by_name.get(*n).into_iter().flatten());
        let found = named
            .filter(|s| s.kind.as_deref().is_none_or(|k| k == r.kind()))
            .chain(targeted.iter().filter(|s| s.target.is_some_and(|t| super::selector_selects(t, r.kind(), &names))));
        for s in found {
            let f = Finding::new(
                "hpa-fixed-replicas",
                format!(
                    "{} sets the replicas of {} {}, which HorizontalPodAutoscaler {} scales: every apply resets the count the autoscaler chose. Remove it and let the autoscaler's minReplicas set the floor",
                    s.what,
                    r.kind(),
                    r.name(),
                    hpa.name()
                ),
                Some(&s.file),
                Some(s.pos),
            )
            .note(format!("HorizontalPodAutoscaler {}", hpa.name()), &hpa.origin, Some(hpa.node.pos));
            out.push(f);
        }
    }
}
