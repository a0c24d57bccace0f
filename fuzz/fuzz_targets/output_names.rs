//! `build -o DIR` file names: whatever namespace, kind, name and apiVersion the objects have,
//! every name is one plain file name, so that every path joined to DIR lies directly in DIR.
//!
//! The input is lines, four per object: apiVersion, kind, name, namespace (any characters but
//! a newline; `\n` in a line stands for a newline).
#![no_main]

use camino::{Utf8Component, Utf8Path};
use kcompile::{build, MemFs, Options};
use libfuzzer_sys::fuzz_target;

/// `s` as a YAML double-quoted scalar (escapes for `"`, `\` and every control character).
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.replace("\\n", "\n").chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() || c == '\u{feff}' => out.push_str(&format!("\\U{:08x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let lines: Vec<&str> = text.split('\n').collect();
    let mut docs = Vec::new();
    for o in lines.chunks(4).take(16) {
        let field = |i: usize| o.get(i).copied().unwrap_or("");
        docs.push(format!(
            "apiVersion: {}\nkind: {}\nmetadata:\n  name: {}\n  namespace: {}\n",
            quoted(field(0)),
            quoted(field(1)),
            quoted(field(2)),
            quoted(field(3))
        ));
    }
    let fs =
        MemFs::new().with("app/kustomization.yaml", "resources:\n- r.yaml\n").with("app/r.yaml", docs.join("---\n"));
    let Ok(out) = build(&fs, Utf8Path::new("/app"), &Options::default()) else { return };
    let dir = Utf8Path::new("/out");
    for name in out.file_names() {
        let path = dir.join(&name);
        assert_eq!(path.parent(), Some(dir), "{name:?} leaves the directory");
        let mut parts = Utf8Path::new(&name).components();
        assert!(matches!(parts.next(), Some(Utf8Component::Normal(n)) if n == name), "{name:?}");
        assert!(parts.next().is_none(), "{name:?}");
        assert!(!name.starts_with('.') && !name.contains(['/', '\\', '\0']), "{name:?}");
        assert!(name.len() <= 255 && name.ends_with(".yaml"), "{name:?}");
    }
});
