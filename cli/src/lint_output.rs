//! `kcompile lint --format json|sarif`: findings for CI tools.
//!
//! JSON is an array of findings (`rule`, `severity`, `message`, `file`, `line`, `column`,
//! `notes`). SARIF 2.1.0 is what code-scanning services read to annotate a pull request at the
//! file and line: one run, the tool's rules with their ids, severities and descriptions, and one
//! result per finding, related places as `relatedLocations`. Paths are relative to the working
//! directory when the file is below it (as repositories are checked out in CI), else `file://`
//! URIs.

use kcompile::{Finding, Severity, RULES};
use serde_json::{json, Value};

/// A path for people and tools: relative to the working directory when below it.
fn relative(file: &camino::Utf8Path) -> (String, bool) {
    let cwd = std::env::current_dir().ok().and_then(|d| camino::Utf8PathBuf::from_path_buf(d).ok());
    match cwd.as_deref().and_then(|cwd| file.strip_prefix(cwd).ok()) {
        Some(rel) if !rel.as_str().is_empty() => (rel.to_string(), true),
        _ => (file.to_string(), false),
    }
}

/// The findings as a JSON array.
pub fn json(findings: &[Finding]) -> String {
    let place = |file: Option<&camino::Utf8Path>, line: Option<u32>, column: Option<u32>| json!({ "file": file.map(|f| relative(f).0), "line": line, "column": column });
    let items: Vec<Value> = findings
        .iter()
        .map(|f| {
            let mut v = place(f.file.as_deref(), f.line, f.column);
            v["rule"] = json!(f.rule);
            v["severity"] = json!(f.severity.as_str());
            v["message"] = json!(f.message);
            v["notes"] = Value::Array(
                f.notes
                    .iter()
                    .map(|n| {
                        let mut p = place(Some(&n.file), n.line, n.column);
                        p["message"] = json!(n.message);
                        p
                    })
                    .collect(),
            );
            v
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&Value::Array(items)).unwrap_or_default();
    out.push('\n');
    out
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// A SARIF `physicalLocation`.
fn physical(file: &camino::Utf8Path, line: Option<u32>, column: Option<u32>) -> Value {
    let (path, is_relative) = relative(file);
    let mut artifact = json!({ "uri": uri(&path, is_relative) });
    if is_relative {
        artifact["uriBaseId"] = json!("%SRCROOT%");
    }
    let mut loc = json!({ "artifactLocation": artifact });
    if let Some(line) = line {
        let mut region = json!({ "startLine": line });
        if let Some(c) = column {
            region["startColumn"] = json!(c);
        }
        loc["region"] = region;
    }
    loc
}

/// A URI reference for a path: percent-encodes what URIs do not allow.
fn uri(path: &str, is_relative: bool) -> String {
    let mut out = String::with_capacity(path.len() + 8);
    if !is_relative {
        out.push_str("file://");
    }
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The findings as a SARIF 2.1.0 log.
pub fn sarif(findings: &[Finding]) -> String {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.id,
                "shortDescription": { "text": r.summary },
                "defaultConfiguration": { "level": level(r.severity) },
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let mut result = json!({
                "ruleId": f.rule,
                "level": level(f.severity),
                "message": { "text": f.message },
            });
            if let Some(i) = RULES.iter().position(|r| r.id == f.rule) {
                result["ruleIndex"] = json!(i);
            }
            if let Some(file) = &f.file {
                result["locations"] = json!([{ "physicalLocation": physical(file, f.line, f.column) }]);
            }
            if !f.notes.is_empty() {
                result["relatedLocations"] = Value::Array(
                    f.notes
                        .iter()
                        .enumerate()
                        .map(|(i, n)| {
                            json!({
                                "id": i,
                                "message": { "text": n.message },
                                "physicalLocation": physical(&n.file, n.line, n.column),
                            })
                        })
                        .collect(),
                );
            }
            result
        })
        .collect();
    let log = json!({
        "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "kcompile",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_default();
    out.push('\n');
    out
}
