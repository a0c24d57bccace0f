//! `kcompile lint --format json|sarif` end to end, and exit codes.
//!
//! The SARIF output is validated against the SARIF 2.1.0 schema itself (OASIS,
//! `sarif-schema-2.1.0.json`, the copy the `serde-sarif` package ships) by a JSON Schema
//! validator (`jsonschema`), and also read into `serde-sarif`'s types; a test checks that the
//! validation rejects logs that break the schema.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

fn lint(dir: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kcompile"))
        .arg("lint")
        .arg(dir)
        .args(extra)
        .current_dir(repo())
        .output()
        .expect("runs")
}

/// The SARIF 2.1.0 schema (OASIS, `sarif-schema-2.1.0.json`), as the `serde-sarif` package
/// ships it (a dev-dependency of this crate for exactly this file): its path comes from
/// `cargo metadata` (for this host only, offline), so the tests use what cargo downloaded.
fn sarif_schema() -> Value {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let version = Command::new(rustc).arg("-vV").output().expect("rustc -vV runs");
    let version = String::from_utf8_lossy(&version.stdout);
    let host = version.lines().find_map(|l| l.strip_prefix("host: ")).expect("rustc names its host");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| env!("CARGO").to_string());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline", "--filter-platform", host, "--manifest-path"])
        .arg(repo().join("Cargo.toml"))
        .output()
        .expect("cargo metadata runs");
    assert!(out.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&out.stderr));
    let meta: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON");
    let manifest = meta["packages"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "serde-sarif"))
        .and_then(|p| p["manifest_path"].as_str())
        .expect("serde-sarif is a dev-dependency");
    let path = Path::new(manifest).with_file_name("src").join("schema.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    // The published schema's `run.language` pattern has a stray `]` (a literal in JavaScript's
    // lenient regexes, an error in strict ones); escape it so the schema compiles, same meaning.
    let text = text.replace(r#"[a-zA-Z]{2}]?$"#, r#"[a-zA-Z]{2}\\]?$"#);
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    assert_eq!(schema["title"], "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema");
    schema
}

/// Every violation of the SARIF 2.1.0 schema in `log`, checked by a JSON Schema validator
/// (draft 07, the schema's own `$schema`), each with its JSON path.
fn violations(log: &Value) -> Vec<String> {
    static VALIDATOR: std::sync::OnceLock<jsonschema::Validator> = std::sync::OnceLock::new();
    let validator = VALIDATOR.get_or_init(|| jsonschema::validator_for(&sarif_schema()).expect("the schema compiles"));
    validator.iter_errors(log).map(|e| format!("{}: {e}", e.instance_path())).collect()
}

fn fixture(case: &str) -> PathBuf {
    repo().join("core/tests/lint").join(case)
}

#[test]
fn sarif_output_follows_the_sarif_2_1_0_schema() {
    for case in ["namespace-mismatch-fires/root", "node-pool-toleration-fires", "unknown-port-name-silent"] {
        let out = lint(&fixture(case), &["--format", "sarif"]);
        let log: Value = serde_json::from_slice(&out.stdout).expect("SARIF output is JSON");
        let errors = violations(&log);
        assert!(errors.is_empty(), "{case}:\n{}", errors.join("\n"));
        let typed: serde_sarif::sarif::Sarif =
            serde_json::from_value(log.clone()).expect("reads as serde-sarif's Sarif");
        assert_eq!(
            serde_json::to_value(&typed).expect("prints"),
            log,
            "{case}: nothing lost reading it as SARIF types"
        );
    }
}

#[test]
fn sarif_results_point_at_the_file_and_line_with_related_places() {
    let out = lint(&fixture("namespace-mismatch-fires/root"), &["--format", "sarif"]);
    assert_eq!(out.status.code(), Some(3), "an error-level finding fails lint (exit 3: findings)");
    let log: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let run = &log["runs"][0];
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 1);
    let r = &results[0];
    assert_eq!(r["ruleId"], "namespace-mismatch");
    assert_eq!(r["level"], "error");
    let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
    assert_eq!(run["tool"]["driver"]["rules"][index]["id"], "namespace-mismatch");
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "core/tests/lint/namespace-mismatch-fires/base/api.yaml");
    assert_eq!(loc["region"]["startLine"], 22);
    let related = &r["relatedLocations"][0]["physicalLocation"];
    assert_eq!(related["artifactLocation"]["uri"], "core/tests/lint/namespace-mismatch-fires/root/kustomization.yaml");
    assert_eq!(related["region"]["startLine"], 6);
}

#[test]
fn the_schema_check_rejects_what_the_schema_forbids() {
    let good: Value = serde_json::json!({
        "version": "2.1.0",
        "runs": [{ "tool": { "driver": { "name": "x" } }, "results": [
            { "message": { "text": "m" }, "level": "warning",
              "locations": [{ "physicalLocation": { "artifactLocation": { "uri": "a.yaml" }, "region": { "startLine": 3 } } }] }
        ]}]
    });
    assert!(violations(&good).is_empty(), "{:?}", violations(&good));
    let broken = |edit: &dyn Fn(&mut Value)| {
        let mut v = good.clone();
        edit(&mut v);
        violations(&v)
    };
    assert!(!broken(&|v| v["version"] = "2.0.0".into()).is_empty());
    assert!(!broken(&|v| {
        v.as_object_mut().unwrap().remove("runs");
    })
    .is_empty());
    assert!(!broken(&|v| v["runs"][0]["results"][0]["level"] = "fatal".into()).is_empty());
    assert!(!broken(&|v| v["runs"][0]["results"][0]["severity"] = "high".into()).is_empty());
    assert!(!broken(&|v| v["runs"][0]["results"][0]["message"] = serde_json::json!({})).is_empty());
    assert!(!broken(
        &|v| v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0.into()
    )
    .is_empty());
    assert!(!broken(&|v| {
        v["runs"][0]["tool"]["driver"].as_object_mut().unwrap().remove("name");
    })
    .is_empty());
}

#[test]
fn json_output_lists_each_finding_with_its_place() {
    let out = lint(&fixture("unknown-port-name-fires"), &["--format", "json"]);
    let findings: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let findings = findings.as_array().expect("an array");
    assert_eq!(findings.len(), 3);
    let f = &findings[0];
    assert_eq!(f["rule"], "unknown-port-name");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["file"], "core/tests/lint/unknown-port-name-fires/api.yaml");
    assert!(f["line"].as_u64().is_some() && f["message"].as_str().is_some_and(|m| m.contains("'metrics'")));
}

#[test]
fn warnings_fail_lint_only_with_deny_warnings() {
    let dir = fixture("ingress-path-shadowed-fires");
    let plain = lint(&dir, &[]);
    assert_eq!(plain.status.code(), Some(0));
    let err = String::from_utf8_lossy(&plain.stderr);
    assert!(err.contains("warning[ingress-path-shadowed]") && err.ends_with("2 warnings\n"), "{err}");
    assert_eq!(lint(&dir, &["--deny", "warnings"]).status.code(), Some(3));
    assert_eq!(lint(&fixture("ingress-path-shadowed-silent"), &["--deny", "warnings"]).status.code(), Some(0));
}
