//! Inputs the fuzzers found interesting (see fuzz/README.md), replayed on every `cargo test`
//! through the same checks as the fuzz targets: nothing may panic, and what the YAML layer
//! prints is deterministic and parses again.

use camino::{Utf8Path, Utf8PathBuf};
use kcompile::{build, data, MemFs, Options};

fn inputs(target: &str) -> Vec<(Utf8PathBuf, Vec<u8>)> {
    let dir = Utf8Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions").join(target);
    let mut out: Vec<(Utf8PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .expect("regression inputs")
        .flatten()
        .filter_map(|e| {
            let p = Utf8PathBuf::from_path_buf(e.path()).ok()?;
            let bytes = std::fs::read(&p).ok()?;
            Some((p, bytes))
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no inputs in {dir}");
    out
}

#[test]
fn read_inputs() {
    for (path, bytes) in inputs("read") {
        let Ok(text) = std::str::from_utf8(&bytes) else { continue };
        let Ok(docs) = data::parse(text) else { continue };
        let refs: Vec<&data::Node> = docs.iter().collect();
        let printed = data::to_yaml(&refs);
        assert_eq!(printed, data::to_yaml(&refs), "{path}");
        let _ = data::parse(&printed);
    }
}

#[test]
fn whole_build_inputs() {
    for (_, bytes) in inputs("whole_build") {
        let Ok(text) = std::str::from_utf8(&bytes) else { continue };
        let mut parts = text.splitn(3, "\n%%%\n");
        let fs = MemFs::new()
            .with("app/kustomization.yaml", parts.next().unwrap_or(""))
            .with("app/r.yaml", parts.next().unwrap_or(""))
            .with("app/p.yaml", parts.next().unwrap_or(""))
            .with("app/base/kustomization.yaml", "resources:\n- cm.yaml\n")
            .with("app/base/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: b\n");
        if let Ok(out) = build(&fs, Utf8Path::new("/app"), &Options::default()) {
            let _ = out.yaml();
        }
    }
}
