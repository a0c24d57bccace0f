//! The patch engines through a build: the input is a resource, a `%%%` line, and a patch
//! applied to it as a strategic-merge patch (and, when it parses as a list, as JSON 6902 ops).
//! Never a panic.
#![no_main]

use camino::Utf8Path;
use kcompile::{build, MemFs, Options};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (resource, patch) = text.split_once("\n%%%\n").unwrap_or((text, ""));
    for kustomization in [
        "resources:\n- r.yaml\npatches:\n- path: p.yaml\n",
        "resources:\n- r.yaml\npatchesStrategicMerge:\n- p.yaml\n",
        "resources:\n- r.yaml\npatches:\n- path: p.yaml\n  target:\n    kind: .*\n",
    ] {
        let fs =
            MemFs::new().with("k/kustomization.yaml", kustomization).with("k/r.yaml", resource).with("k/p.yaml", patch);
        if let Ok(out) = build(&fs, Utf8Path::new("/k"), &Options::default()) {
            let _ = out.yaml();
        }
    }
});
