//! `kcompile lint --format json|sarif` end to end, and exit codes.
//!
//! The SARIF output is checked against the SARIF 2.1.0 schema (OASIS,
//! `sarif-schema-2.1.0.json`) as far as the objects kcompile writes go: for each of them, the
//! properties the schema allows (it forbids any other: `additionalProperties: false`), their
//! JSON types, the `required` and `anyOf`-required ones, enumerations and minimums, and what
//! arrays hold. The schema itself is not fetched (tests run offline) nor shipped; the table
//! below restates those constraints, and a test checks that the checker rejects logs that
//! break them.

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

/// What a property holds.
#[derive(Clone, Copy)]
enum Ty {
    Str,
    Int {
        min: i64,
    },
    Bool,
    Obj,
    /// A string from this list.
    Enum(&'static [&'static str]),
    /// An object of this definition.
    Def(&'static str),
    /// An array of objects of this definition (or of anything, with "").
    Arr(&'static str),
}

/// One definition of the schema: allowed properties with their types, required ones, and
/// `anyOf` groups of which one property must be present.
struct Def {
    name: &'static str,
    props: &'static [(&'static str, Ty)],
    required: &'static [&'static str],
    any_of: &'static [&'static str],
}

const LEVELS: &[&str] = &["none", "note", "warning", "error"];

const SCHEMA: &[Def] = &[
    Def {
        name: "sarifLog",
        props: &[
            ("$schema", Ty::Str),
            ("version", Ty::Enum(&["2.1.0"])),
            ("runs", Ty::Arr("run")),
            ("inlineExternalProperties", Ty::Arr("")),
            ("properties", Ty::Obj),
        ],
        required: &["version", "runs"],
        any_of: &[],
    },
    Def {
        name: "run",
        props: &[
            ("tool", Ty::Def("tool")),
            ("invocations", Ty::Arr("")),
            ("conversion", Ty::Obj),
            ("language", Ty::Str),
            ("versionControlProvenance", Ty::Arr("")),
            ("originalUriBaseIds", Ty::Obj),
            ("artifacts", Ty::Arr("")),
            ("logicalLocations", Ty::Arr("")),
            ("graphs", Ty::Arr("")),
            ("results", Ty::Arr("result")),
            ("automationDetails", Ty::Obj),
            ("runAggregates", Ty::Arr("")),
            ("baselineGuid", Ty::Str),
            ("redactionTokens", Ty::Arr("")),
            ("defaultEncoding", Ty::Str),
            ("defaultSourceLanguage", Ty::Str),
            ("newlineSequences", Ty::Arr("")),
            ("columnKind", Ty::Enum(&["utf16CodeUnits", "unicodeCodePoints"])),
            ("externalPropertyFileReferences", Ty::Obj),
            ("threadFlowLocations", Ty::Arr("")),
            ("taxonomies", Ty::Arr("")),
            ("addresses", Ty::Arr("")),
            ("translations", Ty::Arr("")),
            ("policies", Ty::Arr("")),
            ("webRequests", Ty::Arr("")),
            ("webResponses", Ty::Arr("")),
            ("specialLocations", Ty::Obj),
            ("properties", Ty::Obj),
        ],
        required: &["tool"],
        any_of: &[],
    },
    Def {
        name: "tool",
        props: &[("driver", Ty::Def("toolComponent")), ("extensions", Ty::Arr("")), ("properties", Ty::Obj)],
        required: &["driver"],
        any_of: &[],
    },
    Def {
        name: "toolComponent",
        props: &[
            ("guid", Ty::Str),
            ("name", Ty::Str),
            ("organization", Ty::Str),
            ("product", Ty::Str),
            ("productSuite", Ty::Str),
            ("shortDescription", Ty::Def("multiformatMessageString")),
            ("fullDescription", Ty::Def("multiformatMessageString")),
            ("fullName", Ty::Str),
            ("version", Ty::Str),
            ("semanticVersion", Ty::Str),
            ("dottedQuadFileVersion", Ty::Str),
            ("releaseDateUtc", Ty::Str),
            ("downloadUri", Ty::Str),
            ("informationUri", Ty::Str),
            ("globalMessageStrings", Ty::Obj),
            ("notifications", Ty::Arr("")),
            ("rules", Ty::Arr("reportingDescriptor")),
            ("taxa", Ty::Arr("")),
            ("locations", Ty::Arr("")),
            ("language", Ty::Str),
            ("contents", Ty::Arr("")),
            ("isComprehensive", Ty::Bool),
            ("localizedDataSemanticVersion", Ty::Str),
            ("minimumRequiredLocalizedDataSemanticVersion", Ty::Str),
            ("associatedComponent", Ty::Obj),
            ("translationMetadata", Ty::Obj),
            ("supportedTaxonomies", Ty::Arr("")),
            ("properties", Ty::Obj),
        ],
        required: &["name"],
        any_of: &[],
    },
    Def {
        name: "reportingDescriptor",
        props: &[
            ("id", Ty::Str),
            ("deprecatedIds", Ty::Arr("")),
            ("guid", Ty::Str),
            ("deprecatedGuids", Ty::Arr("")),
            ("name", Ty::Str),
            ("deprecatedNames", Ty::Arr("")),
            ("shortDescription", Ty::Def("multiformatMessageString")),
            ("fullDescription", Ty::Def("multiformatMessageString")),
            ("messageStrings", Ty::Obj),
            ("defaultConfiguration", Ty::Def("reportingConfiguration")),
            ("helpUri", Ty::Str),
            ("help", Ty::Def("multiformatMessageString")),
            ("relationships", Ty::Arr("")),
            ("properties", Ty::Obj),
        ],
        required: &["id"],
        any_of: &[],
    },
    Def {
        name: "multiformatMessageString",
        props: &[("text", Ty::Str), ("markdown", Ty::Str), ("properties", Ty::Obj)],
        required: &["text"],
        any_of: &[],
    },
    Def {
        name: "reportingConfiguration",
        props: &[
            ("enabled", Ty::Bool),
            ("level", Ty::Enum(LEVELS)),
            ("rank", Ty::Int { min: -1 }),
            ("parameters", Ty::Obj),
            ("properties", Ty::Obj),
        ],
        required: &[],
        any_of: &[],
    },
    Def {
        name: "result",
        props: &[
            ("ruleId", Ty::Str),
            ("ruleIndex", Ty::Int { min: -1 }),
            ("rule", Ty::Obj),
            ("kind", Ty::Enum(&["notApplicable", "pass", "fail", "review", "open", "informational"])),
            ("level", Ty::Enum(LEVELS)),
            ("message", Ty::Def("message")),
            ("analysisTarget", Ty::Def("artifactLocation")),
            ("locations", Ty::Arr("location")),
            ("guid", Ty::Str),
            ("correlationGuid", Ty::Str),
            ("occurrenceCount", Ty::Int { min: 1 }),
            ("partialFingerprints", Ty::Obj),
            ("fingerprints", Ty::Obj),
            ("stacks", Ty::Arr("")),
            ("codeFlows", Ty::Arr("")),
            ("graphs", Ty::Arr("")),
            ("graphTraversals", Ty::Arr("")),
            ("relatedLocations", Ty::Arr("location")),
            ("suppressions", Ty::Arr("")),
            ("baselineState", Ty::Enum(&["new", "unchanged", "updated", "absent"])),
            ("rank", Ty::Int { min: -1 }),
            ("attachments", Ty::Arr("")),
            ("hostedViewerUri", Ty::Str),
            ("workItemUris", Ty::Arr("")),
            ("provenance", Ty::Obj),
            ("fixes", Ty::Arr("")),
            ("taxa", Ty::Arr("")),
            ("webRequest", Ty::Obj),
            ("webResponse", Ty::Obj),
            ("properties", Ty::Obj),
        ],
        required: &["message"],
        any_of: &[],
    },
    Def {
        name: "message",
        props: &[
            ("text", Ty::Str),
            ("markdown", Ty::Str),
            ("id", Ty::Str),
            ("arguments", Ty::Arr("")),
            ("properties", Ty::Obj),
        ],
        required: &[],
        any_of: &["text", "id"],
    },
    Def {
        name: "location",
        props: &[
            ("id", Ty::Int { min: -1 }),
            ("physicalLocation", Ty::Def("physicalLocation")),
            ("logicalLocations", Ty::Arr("")),
            ("message", Ty::Def("message")),
            ("annotations", Ty::Arr("")),
            ("relationships", Ty::Arr("")),
            ("properties", Ty::Obj),
        ],
        required: &[],
        any_of: &[],
    },
    Def {
        name: "physicalLocation",
        props: &[
            ("address", Ty::Obj),
            ("artifactLocation", Ty::Def("artifactLocation")),
            ("region", Ty::Def("region")),
            ("contextRegion", Ty::Def("region")),
            ("properties", Ty::Obj),
        ],
        required: &[],
        any_of: &["address", "artifactLocation"],
    },
    Def {
        name: "artifactLocation",
        props: &[
            ("uri", Ty::Str),
            ("uriBaseId", Ty::Str),
            ("index", Ty::Int { min: -1 }),
            ("description", Ty::Def("message")),
            ("properties", Ty::Obj),
        ],
        required: &[],
        any_of: &[],
    },
    Def {
        name: "region",
        props: &[
            ("startLine", Ty::Int { min: 1 }),
            ("startColumn", Ty::Int { min: 1 }),
            ("endLine", Ty::Int { min: 1 }),
            ("endColumn", Ty::Int { min: 1 }),
            ("charOffset", Ty::Int { min: -1 }),
            ("charLength", Ty::Int { min: 0 }),
            ("byteOffset", Ty::Int { min: -1 }),
            ("byteLength", Ty::Int { min: 0 }),
            ("snippet", Ty::Obj),
            ("message", Ty::Def("message")),
            ("sourceLanguage", Ty::Str),
            ("properties", Ty::Obj),
        ],
        required: &[],
        any_of: &["startLine", "charOffset", "byteOffset"],
    },
];

/// Every violation of the table above in `v`, read as definition `def`, with its JSON path.
fn check(v: &Value, def: &str, path: &str, errors: &mut Vec<String>) {
    let Some(d) = SCHEMA.iter().find(|d| d.name == def) else {
        errors.push(format!("{path}: no definition {def}"));
        return;
    };
    let Some(obj) = v.as_object() else {
        errors.push(format!("{path}: {def} must be an object"));
        return;
    };
    for r in d.required {
        if !obj.contains_key(*r) {
            errors.push(format!("{path}: {def} requires '{r}'"));
        }
    }
    if !d.any_of.is_empty() && !d.any_of.iter().any(|p| obj.contains_key(*p)) {
        errors.push(format!("{path}: {def} needs one of {:?}", d.any_of));
    }
    for (key, value) in obj {
        let here = format!("{path}.{key}");
        let Some((_, ty)) = d.props.iter().find(|(p, _)| p == key) else {
            errors.push(format!("{here}: {def} allows no property '{key}'"));
            continue;
        };
        match *ty {
            Ty::Str if !value.is_string() => errors.push(format!("{here}: must be a string")),
            Ty::Bool if !value.is_boolean() => errors.push(format!("{here}: must be a boolean")),
            Ty::Obj if !value.is_object() => errors.push(format!("{here}: must be an object")),
            Ty::Int { min } => match value.as_i64() {
                Some(n) if n >= min => {}
                _ => errors.push(format!("{here}: must be an integer >= {min}")),
            },
            Ty::Enum(allowed) if !value.as_str().is_some_and(|s| allowed.contains(&s)) => {
                errors.push(format!("{here}: must be one of {allowed:?}"))
            }
            Ty::Def(inner) => check(value, inner, &here, errors),
            Ty::Arr(inner) => match value.as_array() {
                None => errors.push(format!("{here}: must be an array")),
                Some(items) if !inner.is_empty() => {
                    for (i, item) in items.iter().enumerate() {
                        check(item, inner, &format!("{here}[{i}]"), errors);
                    }
                }
                Some(_) => {}
            },
            _ => {}
        }
    }
}

fn violations(log: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    check(log, "sarifLog", "$", &mut errors);
    errors
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
