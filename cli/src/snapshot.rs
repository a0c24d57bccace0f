//! Snapshot checking for CI: each root's output is kept in `<dir>/<root>.snap`, in insta's file
//! format, so the same files serve `cargo test` (insta) and `kcompile build --snapshot-dir`.

use crate::diff::unified;
use camino::Utf8Path;
use std::process::ExitCode;

/// The snapshot name of a root: its path with `/` turned into `__` (`overlays/poc` →
/// `overlays__poc`).
pub fn root_name(dir: &Utf8Path) -> String {
    let s = dir.as_str().trim_start_matches("./").trim_end_matches('/');
    s.replace('/', "__")
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

/// Checks (or with `update`, writes) every root's snapshot.
pub fn run(dir: &Utf8Path, outputs: &[(&Utf8Path, String)], update: bool) -> Result<ExitCode, String> {
    let mut changed = 0;
    for (root, yaml) in outputs {
        let name = root_name(root);
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
        return Ok(ExitCode::FAILURE);
    }
    if !update {
        eprintln!("{} snapshots match", outputs.len());
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_bodies() {
        assert_eq!(root_name(Utf8Path::new("overlays/poc/")), "overlays__poc");
        assert_eq!(root_name(Utf8Path::new("./base")), "base");
        assert_eq!(body("---\nsource: x\nexpression: y\n---\na: 1\n"), "a: 1\n");
        assert_eq!(body("a: 1\n"), "a: 1\n");
    }
}
