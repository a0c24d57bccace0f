//! Turning rules off: a comment line in a kustomization file,
//!
//! ```yaml
//! # kcompile:allow unpinned-image, hpa-fixed-replicas -- dev images are rebuilt on every push
//! ```
//!
//! turns the named rules off for everything that kustomization builds: findings in files under
//! its directory, and, in the kustomization `lint` was given, every finding. Rule ids are
//! separated by commas or spaces; `--` starts a reason, which is for people. `all` turns every
//! rule off. An id that names no rule is itself reported (`unknown-rule`), so a typo does not
//! silently allow nothing. Like Rust's `#[allow]` and clippy's lint names, the comment lives
//! beside the code it excuses and names the rule exactly as findings print it.

use super::{Finding, Input};
use crate::yaml::node::Pos;
use camino::Utf8Path;

/// The `kcompile:allow` lines of a file: (line number, rule ids).
fn allow_lines(text: &str) -> Vec<(u32, Vec<&str>)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some(hash) = line.find('#') else { continue };
        let comment = line[hash + 1..].trim_start();
        let Some(rest) = comment.strip_prefix("kcompile:allow") else { continue };
        let rest = rest.split("--").next().unwrap_or_default();
        let ids: Vec<&str> = rest.split([',', ' ', '\t']).map(str::trim).filter(|s| !s.is_empty()).collect();
        out.push((u32::try_from(i + 1).unwrap_or(u32::MAX), ids));
    }
    out
}

/// Drops the findings a `kcompile:allow` covers, and reports ids that name no rule.
pub(crate) fn apply(ctx: &Input, root: &Utf8Path, out: &mut Vec<Finding>) {
    let mut scopes: Vec<(&Utf8Path, bool, Vec<&str>)> = Vec::new();
    let mut unknown = Vec::new();
    for kf in ctx.kustomizations.built() {
        let is_root = kf.dir == root;
        for (line, ids) in allow_lines(&kf.text) {
            for id in &ids {
                if *id != "all" && super::rule(id).is_none() {
                    let near = crate::error::closest(id, super::RULES.iter().map(|r| r.id));
                    unknown.push(Finding::new(
                        "unknown-rule",
                        format!(
                            "`kcompile:allow` names '{id}', which is no rule{}, so it allows nothing. Use a rule id as findings print it",
                            near.map(|n| format!(" (did you mean '{n}'?)")).unwrap_or_default()
                        ),
                        Some(&kf.file),
                        Some(Pos::new(line, 1)),
                    ));
                }
            }
            scopes.push((&kf.dir, is_root, ids));
        }
    }
    out.retain(|f| {
        !scopes.iter().any(|(dir, is_root, ids)| {
            let covers = *is_root || f.file.as_deref().is_some_and(|file| file.starts_with(dir));
            covers && ids.iter().any(|id| *id == "all" || *id == f.rule)
        })
    });
    out.extend(unknown);
}

#[cfg(test)]
mod tests {
    use super::allow_lines;

    #[test]
    fn allow_comments_list_rule_ids_and_ignore_the_reason() {
        let text = "resources: [a.yaml]\n# kcompile:allow unpinned-image, hpa-fixed-replicas -- dev images\nnamespace: x # kcompile:allow all\n";
        assert_eq!(allow_lines(text), vec![(2, vec!["unpinned-image", "hpa-fixed-replicas"]), (3, vec!["all"])]);
    }
}
