//! The example deployment (`base/`, `overlays/*`): each overlay's build is an insta snapshot in
//! the top-level `snapshots/` directory, and, when `kubectl` is on PATH, equals
//! `kubectl kustomize` byte for byte.

use camino::{Utf8Path, Utf8PathBuf};
use kcompile::{build, DiskFs, Options};

const ROOTS: [&str; 3] = ["overlays/local", "overlays/poc", "overlays/prod"];

fn repo() -> Utf8PathBuf {
    Utf8Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Utf8Path::to_owned).unwrap_or_default()
}

fn build_root(root: &str) -> String {
    match build(&DiskFs, &repo().join(root), &Options::default()) {
        Ok(b) => b.yaml(),
        Err(e) => panic!("{root} does not build: {e}"),
    }
}

#[test]
fn overlays_match_their_snapshots() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(repo().join("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for root in ROOTS {
            insta::assert_snapshot!(root.replace('/', "__"), build_root(root));
        }
    });
}

#[test]
fn overlays_match_kubectl_when_available() {
    let probe = std::process::Command::new("kubectl").arg("version").arg("--client").output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("kubectl is not on PATH: skipped the comparison with kubectl kustomize");
        return;
    }
    for root in ROOTS {
        let out = std::process::Command::new("kubectl")
            .arg("kustomize")
            .arg(repo().join(root))
            .output()
            .expect("kubectl runs");
        assert!(out.status.success(), "kubectl kustomize {root} failed: {}", String::from_utf8_lossy(&out.stderr));
        let want = String::from_utf8(out.stdout).expect("kubectl prints UTF-8");
        assert_eq!(build_root(root), want, "{root} differs from kubectl kustomize");
    }
}
