//! The load restrictor and hostile input: what a kustomization may not do.

use camino::{Utf8Path, Utf8PathBuf};
use kcompile::{build, DiskFs, LoadRestrictor, MemFs, Options};

/// A fresh directory under the system temp dir, removed on drop.
struct TempTree(Utf8PathBuf);

impl TempTree {
    fn new(name: &str) -> TempTree {
        let base = std::env::temp_dir().join(format!("kcompile-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(&base).expect("temp dir");
        TempTree(Utf8PathBuf::from_path_buf(base).expect("UTF-8 temp dir"))
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.0.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(p, text).expect("write");
    }

    fn path(&self, rel: &str) -> Utf8PathBuf {
        self.0.join(rel)
    }
}

impl Drop for TempTree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: secret-stuff\n";

fn lifted() -> Options {
    Options { load_restrictor: LoadRestrictor::None }
}

fn build_at(root: &Utf8Path, options: &Options) -> Result<String, String> {
    build(&DiskFs, root, options).map(|b| b.yaml()).map_err(|e| e.to_string())
}

#[test]
fn relative_path_outside_the_root_is_refused_unless_lifted() {
    let t = TempTree::new("dotdot");
    t.write("outside.yaml", CM);
    t.write("app/kustomization.yaml", "resources:\n- ../outside.yaml\n");
    let err = build_at(&t.path("app"), &Options::default()).unwrap_err();
    assert!(err.contains("is not in or below"), "{err}");
    assert!(build_at(&t.path("app"), &lifted()).unwrap().contains("secret-stuff"));
}

#[test]
fn absolute_path_outside_the_root_is_refused() {
    let t = TempTree::new("abs");
    t.write("outside.yaml", CM);
    let abs = t.path("outside.yaml");
    t.write("app/kustomization.yaml", &format!("resources:\n- {abs}\n"));
    let err = build_at(&t.path("app"), &Options::default()).unwrap_err();
    assert!(err.contains("is not in or below"), "{err}");
}

#[cfg(unix)]
#[test]
fn symlinks_are_resolved_before_the_check() {
    let t = TempTree::new("symlink");
    t.write("outside.yaml", CM);
    t.write("outside-dir/x.yaml", CM);
    t.write("app/kustomization.yaml", "resources:\n- link.yaml\n");
    std::os::unix::fs::symlink(t.path("outside.yaml"), t.path("app/link.yaml")).expect("symlink");
    let err = build_at(&t.path("app"), &Options::default()).unwrap_err();
    assert!(err.contains("is not in or below"), "{err}");
    assert!(build_at(&t.path("app"), &lifted()).unwrap().contains("secret-stuff"));

    t.write("app2/kustomization.yaml", "resources:\n- dir/x.yaml\n");
    std::os::unix::fs::symlink(t.path("outside-dir"), t.path("app2/dir")).expect("symlink");
    let err = build_at(&t.path("app2"), &Options::default()).unwrap_err();
    assert!(err.contains("is not in or below"), "{err}");
}

#[test]
fn a_base_may_live_outside_the_root() {
    // Directories (bases) are not files: kustomize lets overlays reach `../base`.
    let fs = MemFs::new()
        .with("base/kustomization.yaml", "resources:\n- cm.yaml\n")
        .with("base/cm.yaml", CM)
        .with("overlay/kustomization.yaml", "resources:\n- ../base\n");
    let out = build(&fs, Utf8Path::new("/overlay"), &Options::default()).unwrap();
    assert!(out.yaml().contains("secret-stuff"));
}

#[test]
fn a_kustomization_that_includes_itself_fails() {
    let fs = MemFs::new().with("a/kustomization.yaml", "resources:\n- .\n");
    let err = build(&fs, Utf8Path::new("/a"), &Options::default()).unwrap_err();
    assert!(err.to_string().contains("cycle"), "{err}");
    let fs = MemFs::new()
        .with("a/kustomization.yaml", "resources:\n- b\n")
        .with("a/b/kustomization.yaml", "resources:\n- ..\n");
    let err = build(&fs, Utf8Path::new("/a"), &Options::default()).unwrap_err();
    assert!(err.to_string().contains("cycle"), "{err}");
}

#[test]
fn alias_bombs_end_quickly_with_an_error() {
    let mut bomb = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let p = i - 1;
        bomb.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
    }
    let fs = MemFs::new().with("k/kustomization.yaml", "resources:\n- bomb.yaml\n").with("k/bomb.yaml", bomb);
    let err = build(&fs, Utf8Path::new("/k"), &Options::default()).unwrap_err();
    assert!(err.to_string().contains("bomb.yaml"), "the error names the file: {err}");
}

#[test]
fn deep_nesting_ends_with_an_error() {
    let deep = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let fs = MemFs::new().with("k/kustomization.yaml", "resources:\n- deep.yaml\n").with("k/deep.yaml", deep);
    assert!(build(&fs, Utf8Path::new("/k"), &Options::default()).is_err());
}

#[test]
fn invalid_utf8_is_an_error_not_a_panic() {
    let fs = MemFs::new()
        .with("k/kustomization.yaml", "resources:\n- bad.yaml\n")
        .with("k/bad.yaml", vec![0x61, 0xff, 0x62]);
    let err = build(&fs, Utf8Path::new("/k"), &Options::default()).unwrap_err();
    assert!(err.to_string().contains("UTF-8"), "{err}");
}

fn build_one(resource: &str) -> Result<String, String> {
    let fs = MemFs::new().with("k/kustomization.yaml", "resources:\n- r.yaml\n").with("k/r.yaml", resource.to_string());
    build(&fs, Utf8Path::new("/k"), &Options::default()).map(|b| b.yaml()).map_err(|e| e.to_string())
}

#[test]
fn tabs_in_indentation_and_duplicate_keys_are_errors_as_in_kustomize() {
    let err = build_one("apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n").unwrap_err();
    assert!(err.contains("r.yaml"), "{err}");
    let err = build_one("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  name: y\n").unwrap_err();
    assert!(err.contains("already defined"), "{err}");
}

#[test]
fn a_kustomization_with_duplicate_keys_takes_the_last_as_kustomize_does() {
    let fs = MemFs::new()
        .with("k/kustomization.yaml", "namePrefix: a-\nnamePrefix: b-\nresources:\n- r.yaml\n")
        .with("k/r.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
    let out = build(&fs, Utf8Path::new("/k"), &Options::default()).unwrap().yaml();
    assert!(out.contains("name: b-x"), "{out}");
}

#[test]
fn many_documents_and_huge_scalars_stay_within_bounds() {
    // 5,000 documents in one file build (linear work); a 16 MiB scalar builds; text beyond the
    // reader's 256 MiB budget per file is refused rather than exhausting memory.
    let mut many = String::new();
    for i in 0..5_000 {
        many.push_str(&format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n"));
    }
    assert_eq!(build_one(&many).unwrap().matches("kind: ConfigMap").count(), 5_000);
    let big = format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  k: {}\n", "a".repeat(16 << 20));
    assert!(build_one(&big).is_ok());
}
