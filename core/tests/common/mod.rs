//! What the core's data-driven tests share: the cases of a folder of trees.

// Each test binary uses the part it needs.
#![allow(dead_code)]

use camino::{Utf8Path, Utf8PathBuf};

/// The case directories of `tests/<folder>`, sorted; with `filter`, only those whose name
/// contains the value of that environment variable (all when it is unset).
pub fn case_dirs(folder: &str, filter: Option<&str>) -> Vec<Utf8PathBuf> {
    let base = Utf8Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join(folder);
    let filter = filter.and_then(|var| std::env::var(var).ok()).unwrap_or_default();
    let mut dirs: Vec<Utf8PathBuf> = std::fs::read_dir(&base)
        .unwrap_or_else(|e| panic!("{base}: {e}"))
        .filter_map(|e| Utf8PathBuf::from_path_buf(e.ok()?.path()).ok())
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n.contains(&filter)))
        .collect();
    dirs.sort();
    dirs
}

/// The root of a case's tree: its `root/` directory when it has one (bases beside it), else the
/// case directory itself.
pub fn case_root(dir: &Utf8Path) -> Utf8PathBuf {
    if dir.join("root").is_dir() {
        dir.join("root")
    } else {
        dir.to_path_buf()
    }
}
