//! Rule `ingress-path-shadowed`: in an Ingress rule, a path listed after a `Prefix` (or
//! `ImplementationSpecific`) path that already matches it, like `/` before `/api`. Controllers
//! that try paths in order (ingress-nginx with regular expressions or `use-regex`, the AWS load
//! balancer controller, several others) never send anything to the later one. List the more
//! specific path first.

use super::{Finding, Input};
use crate::yaml::node::Node;

/// Whether a prefix path `p` matches every request `q` matches.
fn covers(p: &str, q: &str, implementation_specific: bool) -> bool {
    if implementation_specific {
        // Plain string prefix, as nginx locations are.
        return q.starts_with(p);
    }
    // `Prefix` matches element by element: `/api` covers `/api/v1`, not `/apix`.
    let p = p.trim_end_matches('/');
    p.is_empty() || q == p || q.starts_with(&format!("{p}/"))
}

pub(crate) fn check(ctx: &Input, out: &mut Vec<Finding>) {
    for r in ctx.resources.iter().filter(|r| r.kind() == "Ingress") {
        let rules = r.node.get("spec").and_then(|s| s.get("rules")).and_then(Node::as_seq);
        for rule in rules.into_iter().flatten() {
            let paths = rule.get("http").and_then(|h| h.get("paths")).and_then(Node::as_seq);
            let paths: Vec<(&str, &str, &Node)> = paths
                .into_iter()
                .flatten()
                .map(|p| {
                    (p.str_at(&["path"]).unwrap_or("/"), p.str_at(&["pathType"]).unwrap_or("ImplementationSpecific"), p)
                })
                .collect();
            for (j, (later, later_type, node)) in paths.iter().enumerate() {
                if *later_type == "Exact" {
                    // An exact path wins over prefixes.
                    continue;
                }
                let Some((earlier, earlier_type, _)) = paths[..j]
                    .iter()
                    .find(|(p, t, _)| *t != "Exact" && p != later && covers(p, later, *t == "ImplementationSpecific"))
                else {
                    continue;
                };
                let host = rule.str_at(&["host"]).map(|h| format!(" (host {h})")).unwrap_or_default();
                out.push(Finding::new(
                    "ingress-path-shadowed",
                    format!(
                        "Ingress {}{host}: path '{later}' comes after the {earlier_type} path '{earlier}', which already matches it; controllers that try paths in order never route to '{later}'. List '{later}' before '{earlier}'",
                        r.name()
                    ),
                    Some(&r.origin),
                    Some(node.get("path").map_or(node.pos, |n| n.pos)),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::covers;

    #[test]
    fn prefix_paths_cover_by_element_and_implementation_specific_ones_by_text() {
        assert!(covers("/", "/api", false));
        assert!(covers("/api", "/api/v1", false));
        assert!(!covers("/api", "/apix", false));
        assert!(covers("/api", "/apix", true));
    }
}
