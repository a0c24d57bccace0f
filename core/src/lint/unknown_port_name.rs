//! Rule `unknown-port-name`: a named port that the container does not declare in `ports`:
//! in a probe (`httpGet`, `tcpSocket`) or lifecycle hook, the probe fails and the pod never
//! becomes ready (or is restarted forever); in a Service's `targetPort`, the Service sends
//! traffic nowhere. Usually a port renamed in the base and not everywhere else.

use super::{workloads, Finding, Input};
use crate::yaml::node::Node;

fn port_names(container: &Node) -> Vec<String> {
    container
        .get("ports")
        .and_then(Node::as_seq)
        .into_iter()
        .flatten()
        .filter_map(|p| p.str_at(&["name"]).map(str::to_string))
        .collect()
}

pub(crate) fn check(ctx: &Input, out: &mut Vec<Finding>) {
    for w in &ctx.index.workloads {
        for field in ["containers", "initContainers"] {
            for c in w.spec.get(field).and_then(Node::as_seq).into_iter().flatten() {
                let names = port_names(c);
                let cname = c.str_at(&["name"]).unwrap_or("?");
                let mut uses: Vec<(String, &Node)> = Vec::new();
                for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
                    for handler in ["httpGet", "tcpSocket"] {
                        if let Some(p) = c.get(probe).and_then(|p| p.get(handler)).and_then(|h| h.get("port")) {
                            uses.push((format!("{probe}.{handler}.port"), p));
                        }
                    }
                }
                for hook in ["postStart", "preStop"] {
                    for handler in ["httpGet", "tcpSocket"] {
                        let p = c
                            .get("lifecycle")
                            .and_then(|l| l.get(hook))
                            .and_then(|h| h.get(handler))
                            .and_then(|h| h.get("port"));
                        if let Some(p) = p {
                            uses.push((format!("lifecycle.{hook}.{handler}.port"), p));
                        }
                    }
                }
                for (path, port) in uses {
                    let Some(name) = port.as_str() else { continue };
                    if name.parse::<u32>().is_ok() || names.iter().any(|n| n == name) {
                        continue;
                    }
                    let hint = match crate::error::closest(name, names.iter().map(String::as_str)) {
                        Some(near) => format!(" (did you mean '{near}'?)"),
                        None if names.is_empty() => " (it declares no named port)".to_string(),
                        None => format!(
                            " (it declares {})",
                            names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")
                        ),
                    };
                    out.push(Finding::new(
                        "unknown-port-name",
                        format!(
                            "{} {}, container {cname}: `{path}` is '{name}', a port name the container does not declare{hint}. The check can never succeed; name the port in `ports` or use the number",
                            w.r.kind(),
                            w.r.name()
                        ),
                        Some(&w.r.origin),
                        Some(port.pos),
                    ));
                }
            }
        }
    }
    // Services: a named targetPort must be a port name of the containers of the pods selected.
    for svc in ctx.resources.iter().filter(|r| r.kind() == "Service") {
        let Some(spec) = svc.node.get("spec") else { continue };
        let Some(sel) = spec.get("selector").and_then(Node::as_map).filter(|m| !m.is_empty()) else { continue };
        let selected: Vec<&workloads::Workload> = ctx.index.matching_map(sel, svc.namespace()).collect();
        if selected.is_empty() {
            continue;
        }
        for port in spec.get("ports").and_then(Node::as_seq).into_iter().flatten() {
            let Some(target) = port.get("targetPort") else { continue };
            let Some(name) = target.as_str().filter(|s| s.parse::<u32>().is_err()) else { continue };
            for w in &selected {
                let names: Vec<String> = w
                    .spec
                    .get("containers")
                    .and_then(Node::as_seq)
                    .into_iter()
                    .flatten()
                    .flat_map(port_names)
                    .collect();
                if names.iter().any(|n| n == name) {
                    continue;
                }
                let hint = match crate::error::closest(name, names.iter().map(String::as_str)) {
                    Some(near) => format!(" (did you mean '{near}'?)"),
                    None => String::new(),
                };
                out.push(Finding::new(
                    "unknown-port-name",
                    format!(
                        "Service {}: targetPort '{name}' is not a port name of {} {}'s containers{hint}. Traffic to this port reaches nothing; name the container port '{name}' or use the number",
                        svc.name(),
                        w.r.kind(),
                        w.r.name()
                    ),
                    Some(&svc.origin),
                    Some(target.pos),
                ));
            }
        }
    }
}
