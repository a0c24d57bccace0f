//! Snapshot checking for CI: each root's output is kept in `<dir>/<root>.snap`, in insta's file
//! format, so the same files serve `cargo test` (insta) and `kcompile build --snapshot-dir`.

use crate::diff::unified;
use camino::{Utf8Component, Utf8Path, Utf8PathBuf};

/// The name of a root: its path relative to `base` with `/` turned into `__` (`overlays/poc` →
/// `overlays__poc`), however it was typed (`./overlays/poc/`, `poc` from inside `overlays`, an
/// absolute path). Both paths are resolved (links, `.` and `..`) first; a root outside `base`
/// keeps its `..` parts (`..__shared__app`), and `base` itself is named after its last part.
pub fn root_name(root: &Utf8Path, base: &Utf8Path) -> String {
    let (root, base) = (resolved(root), resolved(base));
    let r: Vec<&str> = root.components().filter_map(normal).collect();
    let b: Vec<&str> = base.components().filter_map(normal).collect();
    let common = r.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<&str> = b[common..].iter().map(|_| "..").collect();
    parts.extend(&r[common..]);
    if parts.is_empty() {
        return r.last().map_or_else(|| "root".to_string(), |s| s.to_string());
    }
    parts.join("__")
}

fn normal(c: Utf8Component<'_>) -> Option<&str> {
    match c {
        Utf8Component::Normal(n) => Some(n),
        _ => None,
    }
}

/// `p` made absolute, with links resolved where it exists and `.`/`..` removed where it does not.
fn resolved(p: &Utf8Path) -> Utf8PathBuf {
    if let Ok(real) = p.canonicalize_utf8() {
        return real;
    }
    let abs = crate::absolute(p).unwrap_or_else(|_| p.to_owned());
    let mut out = Utf8PathBuf::new();
    for c in abs.components() {
        match c {
            Utf8Component::ParentDir => {
                out.pop();
            }
            Utf8Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

/// The directory snapshots are named from: the one holding the snapshot directory (the project).
pub fn project_of(snapshot_dir: &Utf8Path) -> Utf8PathBuf {
    resolved(snapshot_dir).parent().map_or_else(|| Utf8PathBuf::from("/"), Utf8Path::to_owned)
}

/// The content of an insta snapshot file (after its `---` header).
fn body(text: &str) -> &str {
    if let Some(rest) = text.strip_prefix("---\n") {
        if let Some(end) = rest.find("\n---\n") {
            return &rest[end + 5..];
        }
    }
    text
}

/// Checks (or with `update`, writes) every root's snapshot; exit code 3 when some differ.
pub fn run(dir: &Utf8Path, outputs: &[(&Utf8Path, String)], update: bool) -> Result<u8, String> {
    let mut changed = 0;
    let project = project_of(dir);
    for (root, yaml) in outputs {
        let name = root_name(root, &project);
        let path = dir.join(format!("{name}.snap"));
        let old = std::fs::read_to_string(&path).ok();
        let same = old.as_deref().is_some_and(|o| body(o).trim_end() == yaml.trim_end());
        if update {
            if !same {
                std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {dir}: {e}"))?;
                let text = format!("---\nsource: kcompile build\nexpression: {name}\n---\n{yaml}");
                crate::write::to_path(&path, &|w| w.write_all(text.as_bytes()))?;
                eprintln!("updated {path}");
            }
            continue;
        }
        match old {
            None => {
                changed += 1;
                eprintln!("{root}: no snapshot at {path} (run again with --update to create it)");
            }
            Some(_) if same => {}
            Some(o) => {
                changed += 1;
                eprintln!("{root}: output differs from {path}:");
                eprint!("{}", unified(body(&o), yaml));
            }
        }
    }
    if changed > 0 {
        eprintln!("{changed} of {} snapshots differ; run with --update to accept the new output", outputs.len());
        return Ok(3);
    }
    if !update {
        eprintln!("{} snapshots match", outputs.len());
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_root_is_named_the_same_however_its_path_was_typed() {
        let p = Utf8Path::new("/nonexistent-project");
        for typed in [
            "/nonexistent-project/overlays/poc",
            "/nonexistent-project/overlays/./poc/",
            "/nonexistent-project/x/../overlays/poc",
        ] {
            assert_eq!(root_name(Utf8Path::new(typed), p), "overlays__poc", "{typed}");
        }
        assert_eq!(root_name(Utf8Path::new("/nonexistent-shared/app"), p), "..__nonexistent-shared__app");
        assert_eq!(root_name(p, p), "nonexistent-project");
        assert_eq!(project_of(Utf8Path::new("/nonexistent-project/snapshots")), p);
    }

    #[test]
    fn bodies() {
        assert_eq!(body("---\nsource: x\nexpression: y\n---\na: 1\n"), "a: 1\n");
        assert_eq!(body("a: 1\n"), "a: 1\n");
    }
}
