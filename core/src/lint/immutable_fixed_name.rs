//! Rule `immutable-fixed-name`: an `immutable: true` ConfigMap or Secret whose name does not
//! change with its content (a generator with `disableNameSuffixHash: true`, or a plain
//! resource file). The API server rejects any change to an immutable object, so the next
//! release that changes a value fails at apply time. Keep the content hash in the name (drop
//! `disableNameSuffixHash`, and generate it), so each change makes a new object.

use super::{Finding, Input};
use crate::yaml::node::Value;

pub(crate) fn check(ctx: &Input, out: &mut Vec<Finding>) {
    for r in ctx.resources.iter().filter(|r| matches!(r.kind(), "ConfigMap" | "Secret")) {
        let Some(imm) = r.node.get("immutable").filter(|n| matches!(n.value, Value::Bool(true))) else { continue };
        if r.generated.as_ref().is_some_and(|g| g.needs_hash) {
            continue;
        }
        let f = match ctx.generator_of(r) {
            Some((file, pos, field)) => Finding::new(
                "immutable-fixed-name",
                format!(
                    "{} {} is immutable but `{field}` keeps its name fixed (disableNameSuffixHash): the API server will reject the next apply that changes its data. Remove disableNameSuffixHash so the name carries the content hash",
                    r.kind(),
                    r.name()
                ),
                Some(file),
                Some(pos),
            ),
            None => Finding::new(
                "immutable-fixed-name",
                format!(
                    "{} {} is immutable and its name is fixed: the API server will reject the next apply that changes its data. Generate it with a {} so the name carries the content hash",
                    r.kind(),
                    r.name(),
                    if r.kind() == "Secret" { "secretGenerator" } else { "configMapGenerator" }
                ),
                Some(&r.origin),
                Some(imm.pos),
            ),
        };
        out.push(f);
    }
}
