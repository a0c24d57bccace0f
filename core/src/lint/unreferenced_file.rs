//! Rule `unreferenced-file`: a file in the directory of a kustomization the build read, that
//! the build never read: a patch or resource someone forgot to list (or forgot to delete).
//!
//! Every file the build reads counts as used, whatever entry read it (`resources`, patches,
//! generators' `files`/`envs`, `configurations`, `openapi`, `crds`, `replacements` paths,
//! transformer and generator configs, components). Beyond those, a file stays unreported when:
//!
//! - a kustomization file of its directory or of a directory above it names it (by its path
//!   from there): a commented-out entry (`#- manager_webhook_patch.yaml`, kubebuilder's opt-in
//!   patches) or an entry of a kustomization above the root being linted, which builds the
//!   directory and adds the file (`patches: [{path: cache/deployment-patch.yaml}]`);
//! - it is YAML or JSON that no kustomization entry could take: no document has a `kind` and
//!   none is a JSON 6902 operation list (Helm `values.yaml`, `jsonnetfile.json`, a scanner's
//!   exceptions file);
//! - its name says it is documentation or tooling (`README`, `LICENSE`, `requirements.txt`...).

use super::{Finding, Input, Kustomizations};
use crate::fs::{FileKind, FileSystem};
use crate::yaml::node::Node;
use camino::Utf8Path;

/// How many directories above a file's own are searched for a kustomization naming it.
const LEVELS_UP: usize = 4;

pub(crate) fn check(ctx: &Input, out: &mut Vec<Finding>) {
    let (read, fs) = (ctx.read, ctx.fs);
    for kf in ctx.kustomizations.built() {
        let dir = &kf.dir;
        let Ok(names) = fs.list(dir) else { continue };
        for name in names {
            let path = dir.join(&name);
            let lower = name.to_ascii_lowercase();
            let is_data = [".yaml", ".yml", ".json", ".env", ".properties", ".txt"].iter().any(|e| lower.ends_with(e));
            if !is_data || name.starts_with('.') || fs.kind(&path).ok() != Some(FileKind::File) {
                continue;
            }
            let real = fs.real_path(&path).unwrap_or(path.clone());
            if read.contains_key(&real) || read.contains_key(&path) || is_documentation(&lower) {
                continue;
            }
            if named_by_a_kustomization(&ctx.kustomizations, &path) {
                continue;
            }
            let structured = [".yaml", ".yml", ".json"].iter().any(|e| lower.ends_with(e));
            if structured && !could_be_kustomize_input(fs, &real) {
                continue;
            }
            out.push(Finding::new(
                "unreferenced-file",
                format!("'{name}' is not used by the kustomization beside it: reference it or delete it"),
                Some(&path),
                None,
            ));
        }
    }
}

/// Names of documentation and tooling files, which no build reads.
fn is_documentation(lower: &str) -> bool {
    const STEMS: &[&str] = &[
        "readme",
        "license",
        "licence",
        "notice",
        "copying",
        "changelog",
        "contributing",
        "owners",
        "authors",
        "maintainers",
        "security",
        "requirements",
    ];
    STEMS.iter().any(|s| lower.starts_with(s))
}

/// Whether a kustomization file in the file's directory, or in one of the [`LEVELS_UP`]
/// directories above it, names the file by its path from there (in an entry or a comment).
fn named_by_a_kustomization(ks: &Kustomizations, path: &Utf8Path) -> bool {
    let mut rel = match path.file_name() {
        Some(n) => n.to_string(),
        None => return false,
    };
    let mut dir = path.parent();
    for _ in 0..=LEVELS_UP {
        let Some(d) = dir else { break };
        if ks.in_dir(d).is_some_and(|k| mentions(&k.text, &rel)) {
            return true;
        }
        let Some(n) = d.file_name() else { break };
        rel = format!("{n}/{rel}");
        dir = d.parent();
    }
    false
}

/// Whether `text` has `rel` as a whole path: not part of a longer name or path
/// (`patch.yaml` is not named by `my-patch.yaml` nor by `sub/patch.yaml`).
fn mentions(text: &str, rel: &str) -> bool {
    let is_name_char = |c: char| c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '/');
    text.match_indices(rel).any(|(at, _)| {
        let before = &text[..at];
        let before = before.strip_suffix("./").unwrap_or(before);
        let before_ok = match before.chars().next_back() {
            None => true,
            // `#- file.yaml` and `- file.yaml`: a list dash right after a comment sign or a space.
            Some('-') => before[..before.len() - 1].chars().next_back().is_none_or(|c| c == '#' || c.is_whitespace()),
            Some(c) => !is_name_char(c),
        };
        let after = &text[at + rel.len()..];
        let after_ok = match after.chars().next() {
            None => true,
            // A sentence's full stop ends the name; `.bak` does not.
            Some('.') => !after[1..].chars().next().is_some_and(char::is_alphanumeric),
            Some(c) => !is_name_char(c),
        };
        before_ok && after_ok
    })
}

/// Whether a YAML or JSON file could be an input of a kustomization entry: a document with a
/// `kind` (a resource, a strategic-merge patch, a transformer config) or a JSON 6902 operation
/// list. Text that does not parse counts (it is reported: nothing tells what it is for).
fn could_be_kustomize_input(fs: &dyn FileSystem, path: &Utf8Path) -> bool {
    use crate::yaml::read::{parse_stream, Schema};
    let Ok(bytes) = fs.read(path) else { return true };
    let Ok(docs) = parse_stream(&String::from_utf8_lossy(&bytes), Schema::V3) else { return true };
    let is_op = |n: &Node| n.get("op").is_some() && n.get("path").is_some();
    docs.iter().any(|d| {
        d.get("kind").is_some() || d.as_seq().is_some_and(|items| !items.is_empty() && items.iter().all(is_op))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_mentioned_only_as_a_whole_name() {
        assert!(mentions("resources:\n#- manager_webhook_patch.yaml\n", "manager_webhook_patch.yaml"));
        assert!(mentions("patches:\n- path: cache/deployment-patch.yaml\n", "cache/deployment-patch.yaml"));
        assert!(mentions("# uncomment ./extra.yaml to enable it.\n", "extra.yaml"));
        assert!(!mentions("resources:\n- my-patch.yaml\n", "patch.yaml"));
        assert!(!mentions("resources:\n- sub/patch.yaml\n", "patch.yaml"));
        assert!(!mentions("resources:\n- patch.yaml.bak\n", "patch.yaml"));
    }

    #[test]
    fn documentation_and_tooling_names_are_recognised() {
        assert!(is_documentation("readme.txt"));
        assert!(is_documentation("requirements-dev.txt"));
        assert!(!is_documentation("settings.env"));
    }
}
