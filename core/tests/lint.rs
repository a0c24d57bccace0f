//! Data-driven lint tests: every directory under `tests/lint/` is a kustomize tree and the
//! findings `kcompile::lint` must report on it.
//!
//! A case holds the tree (its root is the case directory itself, or `root/` when the case has
//! one, with bases beside it) and `expected`: one line per finding,
//! `severity[rule] FILE:LINE:COL message`, then one `  note: message (FILE:LINE:COL)` line per
//! related place; paths are relative to the case directory. An empty `expected` means the rules
//! must stay silent. `LINT=name` runs the cases whose name contains `name`; `LINT_BLESS=1`
//! rewrites the `expected` files from what lint reports (review the diff).

use camino::Utf8Path;
use kcompile::{lint, DiskFs, Finding, Options};

mod common;

fn place(dir: &Utf8Path, file: Option<&Utf8Path>, line: Option<u32>, column: Option<u32>) -> String {
    let file = file.map(|f| f.strip_prefix(dir).unwrap_or(f).to_string()).unwrap_or_else(|| "-".into());
    match (line, column) {
        (Some(l), Some(c)) => format!("{file}:{l}:{c}"),
        (Some(l), None) => format!("{file}:{l}"),
        _ => file,
    }
}

fn show(dir: &Utf8Path, findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        out.push_str(&format!(
            "{}[{}] {} {}\n",
            f.severity.as_str(),
            f.rule,
            place(dir, f.file.as_deref(), f.line, f.column),
            f.message
        ));
        for n in &f.notes {
            out.push_str(&format!("  note: {} ({})\n", n.message, place(dir, Some(&n.file), n.line, n.column)));
        }
    }
    out
}

#[test]
fn lint_cases() {
    let bless = std::env::var_os("LINT_BLESS").is_some();
    let cases = common::case_dirs("lint", Some("LINT"));
    assert!(!cases.is_empty(), "no lint cases found");
    let mut failures = Vec::new();
    for dir in &cases {
        let root = common::case_root(dir);
        let name = dir.file_name().unwrap_or_default();
        let got = match lint(&DiskFs, &root, &Options::default()) {
            Ok(findings) => show(dir, &findings),
            Err(e) => format!("build error: {e}\n"),
        };
        if bless {
            std::fs::write(dir.join("expected"), &got).expect("writes expected");
            continue;
        }
        let want = std::fs::read_to_string(dir.join("expected")).unwrap_or_else(|_| "(no expected file)\n".into());
        if got != want {
            failures.push(format!("{name}:\n--- expected\n{want}+++ got\n{got}"));
        }
    }
    assert!(failures.is_empty(), "{} of {} lint cases differ:\n\n{}", failures.len(), cases.len(), failures.join("\n"));
}

#[test]
fn the_example_overlays_are_silent() {
    let repo = Utf8Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Utf8Path::to_owned).unwrap_or_default();
    for overlay in ["overlays/local", "overlays/poc", "overlays/prod"] {
        let findings = lint(&DiskFs, &repo.join(overlay), &Options::default()).expect("the example builds");
        assert_eq!(show(&repo, &findings), "", "{overlay}");
    }
}
