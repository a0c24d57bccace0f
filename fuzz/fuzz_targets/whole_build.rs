//! A whole build over an in-memory tree made from the input: the input is split on lines
//! `%%%` into a kustomization, a resource file and a patch file. Never a panic.
#![no_main]

use camino::Utf8Path;
use kcompile::{build, MemFs, Options};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut parts = text.splitn(3, "\n%%%\n");
    let kustomization = parts.next().unwrap_or("");
    let resources = parts.next().unwrap_or("");
    let patch = parts.next().unwrap_or("");
    let fs = MemFs::new()
        .with("app/kustomization.yaml", kustomization)
        .with("app/r.yaml", resources)
        .with("app/p.yaml", patch)
        .with("app/base/kustomization.yaml", "resources:\n- cm.yaml\n")
        .with("app/base/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: b\n");
    if let Ok(out) = build(&fs, Utf8Path::new("/app"), &Options::default()) {
        let _ = out.yaml();
    }
});
