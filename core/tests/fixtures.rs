//! Data-driven tests: every directory under `tests/fixtures/` is a kustomize tree.
//!
//! A case holds the tree to build (its root is the case directory itself, or `root/` when the
//! case has one) and either `expected.yaml`, the exact output (obtained from
//! `kubectl kustomize`), or `expected.err`, a substring the error message must contain.
//! `FIXTURE=name cargo test --test fixtures` runs the cases whose name contains `name`.

use kcompile::{build, DiskFs, Options};

mod common;

#[test]
fn fixtures() {
    let mut failures = Vec::new();
    let cases = common::case_dirs("fixtures", Some("FIXTURE"));
    assert!(!cases.is_empty(), "no fixture cases found");
    for dir in &cases {
        let root = common::case_root(dir);
        let result = build(&DiskFs, &root, &Options::default());
        let name = dir.file_name().unwrap_or_default();
        let expected_out = std::fs::read_to_string(dir.join("expected.yaml")).ok();
        let expected_err = std::fs::read_to_string(dir.join("expected.err")).ok();
        match (result, expected_out, expected_err) {
            (Ok(b), Some(want), _) => {
                let got = b.yaml();
                if got != want {
                    failures.push(format!("{name}: output differs\n{}", diff(&want, &got)));
                }
            }
            (Err(e), _, Some(want)) => {
                let msg = e.to_string();
                if !msg.contains(want.trim()) {
                    failures.push(format!("{name}: error `{msg}` does not contain `{}`", want.trim()));
                }
            }
            (Ok(_), None, Some(want)) => failures.push(format!("{name}: built, but expected error `{}`", want.trim())),
            (Err(e), Some(_), _) => failures.push(format!("{name}: failed: {e}")),
            (_, None, None) => failures.push(format!("{name}: has neither expected.yaml nor expected.err")),
        }
    }
    assert!(failures.is_empty(), "{} of {} fixtures failed:\n\n{}", failures.len(), cases.len(), failures.join("\n\n"));
}

/// A short line diff: the first differing lines with context.
fn diff(want: &str, got: &str) -> String {
    let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    let first = w.iter().zip(&g).position(|(a, b)| a != b).unwrap_or(w.len().min(g.len()));
    let from = first.saturating_sub(3);
    let mut out = String::new();
    for i in from..(first + 6).min(w.len().max(g.len())) {
        match (w.get(i), g.get(i)) {
            (Some(a), Some(b)) if a == b => out.push_str(&format!("   {a}\n")),
            (a, b) => {
                if let Some(a) = a {
                    out.push_str(&format!(" - {a}\n"));
                }
                if let Some(b) = b {
                    out.push_str(&format!(" + {b}\n"));
                }
            }
        }
    }
    out
}
