//! Golden tests for error rendering: small trees on disk, built by the `kcompile` binary run in
//! the tree's directory without colour, and the whole of stderr compared with the expected text
//! (message, `--> file:line:col`, the source line with a caret, `= help:` and the trace).
//! Each case fails with kustomize too (checked with `kubectl kustomize`, see docs/errors.md).

use std::process::Command;

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 1
  selector:
    matchLabels:
      app: api
  template:
    metadata:
      labels:
        app: api
    spec:
      containers:
      - name: api
        image: node:20
";

mod common;
use common::Tree;

impl Tree {
    /// A temporary tree: a base (`base/`, one Deployment `api`) and the given files.
    fn golden(name: &str, files: &[(&str, &str)]) -> Tree {
        let t = Tree::new(name);
        let base =
            [("base/kustomization.yaml", "resources:\n- deployment.yaml\n"), ("base/deployment.yaml", DEPLOYMENT)];
        for (rel, text) in base.iter().chain(files) {
            t.write(rel, text);
        }
        t
    }

    /// `kcompile build overlay` run in the tree, with `$DIR` in place of the tree's path.
    fn build_error(&self) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_kcompile"))
            .args(["build", "overlay"])
            .current_dir(&self.0)
            .env("NO_COLOR", "1")
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(1));
        assert!(out.stdout.is_empty());
        String::from_utf8_lossy(&out.stderr).replace(&self.0.display().to_string(), "$DIR")
    }
}

fn check(name: &str, files: &[(&str, &str)], want: &str) {
    let got = Tree::golden(name, files).build_error();
    assert_eq!(got, want, "\n--- got:\n{got}\n--- want:\n{want}");
}

#[test]
fn patch_for_a_misspelled_name() {
    check(
        "patch-typo",
        &[
            ("overlay/kustomization.yaml", "resources:\n- ../base\npatches:\n- path: replicas.yaml\n"),
            ("overlay/replicas.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api-typo\nspec:\n  replicas: 3\n"),
        ],
        "\
error: no resource matches strategic merge patch \"Deployment.v1.apps/api-typo.[noNs]\": no matches for Id Deployment.v1.apps/api-typo.[noNs]; failed to find unique target for patch Deployment.v1.apps/api-typo.[noNs]
  --> overlay/replicas.yaml:4:9
    |
  4 |   name: api-typo
    |         ^
  = help: there is no Deployment named 'api-typo'; did you mean 'api'? A patch without 'target' applies to the one object with its kind, apiVersion, metadata.name and metadata.namespace: correct them in the patch, or give the patch a 'target' to select objects otherwise
  = in patches entry 1 ('replicas.yaml') at overlay/kustomization.yaml:4:3
",
    );
}

#[test]
fn missing_file_in_a_base_shows_the_chain() {
    check(
        "missing-file",
        &[
            ("overlay/kustomization.yaml", "resources:\n- ../base\n"),
            ("base/kustomization.yaml", "resources:\n- deploymnt.yaml\n"),
        ],
        "\
error: 'deploymnt.yaml' does not exist (looked for $DIR/base/deploymnt.yaml)
  --> base/kustomization.yaml:2:3
    |
  2 | - deploymnt.yaml
    |   ^
  = help: did you mean 'deployment.yaml'?
  = in resource 'deploymnt.yaml'
  = in resource '../base' at overlay/kustomization.yaml:2:3
",
    );
}

#[test]
fn tab_in_a_resource_of_a_base() {
    check(
        "tab",
        &[
            ("overlay/kustomization.yaml", "resources:\n- ../base\n"),
            ("base/deployment.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n"),
        ],
        "\
error: tabs disallowed within this context (block indentation)
  --> base/deployment.yaml:4:2
    |
  4 | \tname: x
    | \t^
  = help: YAML does not allow tabs for indentation: indent with spaces
  = in resource 'deployment.yaml' at base/kustomization.yaml:2:3
  = in resource '../base' at overlay/kustomization.yaml:2:3
",
    );
}

#[test]
fn unknown_field_in_an_image() {
    check(
        "unknown-field",
        &[("overlay/kustomization.yaml", "resources:\n- ../base\nimages:\n- name: node\n  newTage: \"21\"\n")],
        "\
error: invalid Kustomization: json: unknown field \"newTage\"
  --> overlay/kustomization.yaml:5:12
    |
  5 |   newTage: \"21\"
    |            ^
  = help: did you mean 'newTag'?
",
    );
}

#[test]
fn failed_json_patch_test() {
    check(
        "json-test",
        &[
            (
                "overlay/kustomization.yaml",
                "resources:\n- ../base\npatches:\n- target:\n    kind: Deployment\n    name: api\n  path: p.yaml\n",
            ),
            (
                "overlay/p.yaml",
                "- op: test\n  path: /spec/replicas\n  value: 2\n- op: replace\n  path: /spec/replicas\n  value: 3\n",
            ),
        ],
        "\
error: testing value /spec/replicas failed: test failed
  --> overlay/p.yaml:1:3
    |
  1 | - op: test
    |   ^
  = help: the object holds another value at this path: the 'test' operation stops the patch there
  = while patching Deployment.v1.apps/api.[noNs]
  = in patches entry 1 ('p.yaml') at overlay/kustomization.yaml:4:3
",
    );
}

#[test]
fn generator_merging_into_nothing() {
    check(
        "merge",
        &[(
            "overlay/kustomization.yaml",
            "resources:\n- ../base\nconfigMapGenerator:\n- name: cfg\n  behavior: merge\n  literals: [a=b]\n",
        )],
        "\
error: id ConfigMap.v1.[noGrp]/cfg.[noNs] does not exist; cannot merge or replace
  --> overlay/kustomization.yaml:4:3
    |
  4 | - name: cfg
    |   ^
  = help: there is no object of kind 'ConfigMap' at this point of the build. 'behavior: merge' changes an object generated by a base listed in 'resources' (before this kustomization's own generators): use that object's name, or drop 'behavior' to create it here
  = in configMapGenerator 'cfg'
",
    );
}
