//! A whole build over an in-memory tree made from the input. Never a panic.
//!
//! The input is a tree: the text before the first `%%% PATH` line is `app/kustomization.yaml`,
//! and each `%%% PATH` line starts the file `app/PATH` (`%%% base/kustomization.yaml`,
//! `%%% cm.yaml`...). The seeds (`fuzz/make-seeds.py`) are the project's fixtures and example
//! overlays written this way.
#![no_main]

use camino::Utf8Path;
use kcompile::{build, MemFs, Options};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut fs = MemFs::new();
    let mut sections = text.split("\n%%% ");
    fs = fs.with("app/kustomization.yaml", sections.next().unwrap_or(""));
    for section in sections {
        let (path, content) = section.split_once('\n').unwrap_or((section, ""));
        if path.is_empty() {
            continue;
        }
        fs = fs.with(format!("app/{path}").as_str(), content);
    }
    if let Ok(out) = build(&fs, Utf8Path::new("/app"), &Options::default()) {
        let _ = out.yaml();
        let _ = out.file_names();
    }
});
