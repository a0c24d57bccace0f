//! `kcompile edit` end to end: each subcommand run by the binary in a temporary directory, the
//! file compared with what kustomize's semantics require, comments and untouched lines kept,
//! and the edited kustomization built against the same kustomization written by hand (with
//! kcompile, and with `kubectl kustomize` when it is on PATH).

use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::Tree;

/// `kcompile edit` and `build` run in a directory of the tree.
impl Tree {
    fn edit(&self, dir: &str, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_kcompile"))
            .current_dir(self.0.join(dir))
            .arg("edit")
            .args(args)
            .output()
            .unwrap()
    }
    fn ok(&self, dir: &str, args: &[&str]) {
        let out = self.edit(dir, args);
        assert!(out.status.success(), "edit {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    fn build(&self, dir: &str) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_kcompile")).arg("build").arg(self.0.join(dir)).output().unwrap();
        assert!(out.status.success(), "build {dir}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }
}

/// `kubectl kustomize DIR`, when kubectl is installed.
fn kubectl(dir: &Path) -> Option<String> {
    let out = Command::new("kubectl").arg("kustomize").arg(dir).output().ok()?;
    out.status.success().then(|| String::from_utf8(out.stdout).unwrap())
}

const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.0\n";
const SVC: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 80\n";

#[test]
fn edits_keep_comments_and_untouched_lines_and_build_as_the_hand_written_file() {
    let t = Tree::new("keep");
    let original = "# The web app.\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n\n# Everything it runs.\nresources:\n  - deploy.yaml   # the web server\n\nnamePrefix: old- # to be replaced\n";
    for dir in ["edited", "by-hand"] {
        t.write(&format!("{dir}/deploy.yaml"), DEPLOY).write(&format!("{dir}/svc.yaml"), SVC);
        t.write(&format!("{dir}/env.txt"), "MODE=fast\n").write(&format!("{dir}/patch.yaml"), "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    metadata:\n      labels:\n        patched: \"yes\"\n");
    }
    t.write("edited/kustomization.yaml", original);
    t.ok("edited", &["set", "image", "nginx=registry.example.com/nginx:1.27"]);
    t.ok("edited", &["set", "namespace", "shop"]);
    t.ok("edited", &["set", "nameprefix", "new-"]);
    t.ok("edited", &["set", "namesuffix", "-v2"]);
    t.ok("edited", &["set", "replicas", "web=3"]);
    t.ok("edited", &["add", "resource", "svc.yaml"]);
    t.ok("edited", &["add", "patch", "--path", "patch.yaml", "--kind", "Deployment"]);
    t.ok("edited", &["add", "configmap", "settings", "--from-env-file", "env.txt"]);
    t.ok("edited", &["add", "configmap", "settings", "--from-literal", "level=3"]);
    t.ok("edited", &["add", "secret", "creds", "--from-literal", "password=s3cret"]);
    t.ok("edited", &["add", "label", "app:web"]);
    t.ok("edited", &["add", "annotation", "owner:team-a"]);
    let edited = t.read("edited/kustomization.yaml");
    let by_hand = "# The web app.\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n\n# Everything it runs.\nresources:\n  - deploy.yaml   # the web server\n  - svc.yaml\n\nnamePrefix: new- # to be replaced\nimages:\n- name: nginx\n  newName: registry.example.com/nginx\n  newTag: \"1.27\"\nnamespace: shop\nnameSuffix: -v2\nreplicas:\n- count: 3\n  name: web\npatches:\n- path: patch.yaml\n  target:\n    kind: Deployment\nconfigMapGenerator:\n- envs:\n  - env.txt\n  literals:\n  - level=3\n  name: settings\nsecretGenerator:\n- literals:\n  - password=s3cret\n  name: creds\n  type: Opaque\ncommonLabels:\n  app: web\ncommonAnnotations:\n  owner: team-a\n";
    assert_eq!(edited, by_hand);
    // The first lines, comments included, are untouched.
    assert!(edited.starts_with("# The web app.\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n\n# Everything it runs.\nresources:\n  - deploy.yaml   # the web server\n"));
    t.write("by-hand/kustomization.yaml", by_hand);
    let built = t.build("edited");
    assert_eq!(built, t.build("by-hand"));
    assert!(built.contains("name: new-web-v2") && built.contains("replicas: 3") && built.contains("patched: \"yes\""));
    if let Some(expected) = kubectl(&t.0.join("by-hand")) {
        assert_eq!(built, expected, "kubectl kustomize of the hand-written kustomization");
    }
}

#[test]
fn removals_take_out_only_their_lines() {
    let t = Tree::new("remove");
    t.write("deploy.yaml", DEPLOY).write("svc.yaml", SVC);
    let text = "resources:\n- deploy.yaml\n# the service\n- svc.yaml\npatches:\n- path: p.yaml # a patch\n- patch: |-\n    kind: X\ncommonLabels:\n  app: web\n  tier: front # kept\ncommonAnnotations:\n  a: b\nconfigMapGenerator:\n- name: a\n  literals: [x=1]\nsecretGenerator:\n- name: s\n  literals: [y=2]\n";
    t.write("kustomization.yaml", text);
    t.ok(".", &["remove", "resource", "svc*"]);
    t.ok(".", &["remove", "patch", "--path", "p.yaml"]);
    t.ok(".", &["remove", "label", "app"]);
    t.ok(".", &["remove", "annotation", "a"]);
    t.ok(".", &["remove", "configmap", "a"]);
    t.ok(".", &["remove", "secret", "s"]);
    assert_eq!(
        t.read("kustomization.yaml"),
        "resources:\n- deploy.yaml\npatches:\n- patch: |-\n    kind: X\ncommonLabels:\n  tier: front # kept\n"
    );
    let out = t.edit(".", &["remove", "label", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("label nope is not defined in kustomization file"));
}

#[test]
fn fix_converts_deprecated_fields_and_builds_the_same() {
    let t = Tree::new("fix");
    t.write("base/kustomization.yaml", "resources:\n- deploy.yaml\n").write("base/deploy.yaml", DEPLOY);
    t.write("o/sm.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n");
    let old = "# overlay\nbases:\n- ../base # shared\ncommonLabels:\n  app: web\npatchesStrategicMerge:\n- sm.yaml\nimageTags:\n- name: nginx\n  newTag: \"1.2\"\n";
    t.write("o/kustomization.yaml", old);
    let before = t.build("o");
    let out = t.edit("o", &["fix"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Fixed fields:") && !stderr.contains("Warning"), "{stderr}");
    let fixed = t.read("o/kustomization.yaml");
    assert_eq!(fixed, "# overlay\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- ../base # shared\nimages:\n- name: nginx\n  newTag: \"1.2\"\npatches:\n- path: sm.yaml\nlabels:\n- includeSelectors: true\n  pairs:\n    app: web\n");
    assert_eq!(t.build("o"), before);
    if let Some(expected) = kubectl(&t.0.join("o")) {
        assert_eq!(before, expected);
    }
}

#[test]
fn fix_warns_when_the_output_changes() {
    // A JSON 6902 patch used to run after the strategic-merge ones; as `patches` it runs first.
    let t = Tree::new("fixwarn");
    t.write("deploy.yaml", DEPLOY);
    t.write("sm.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n");
    t.write("j.yaml", "- op: replace\n  path: /spec/replicas\n  value: 5\n");
    t.write("kustomization.yaml", "resources:\n- deploy.yaml\npatchesStrategicMerge:\n- sm.yaml\npatchesJson6902:\n- path: j.yaml\n  target:\n    group: apps\n    version: v1\n    kind: Deployment\n    name: web\n");
    let before = t.build(".");
    let out = t.edit(".", &["fix"]);
    assert!(out.status.success());
    let after = t.build(".");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(before.contains("replicas: 5") && after.contains("replicas: 2"), "{before}\n{after}");
    assert!(stderr.contains("now builds to a different output"), "{stderr}");
}

#[test]
fn the_kustomization_is_found_under_its_other_names_and_its_absence_is_an_error() {
    let t = Tree::new("names");
    t.write("a/Kustomization", "namespace: x\n");
    t.ok("a", &["set", "namespace", "prod"]);
    assert_eq!(t.read("a/Kustomization"), "namespace: prod\n");
    std::fs::create_dir_all(t.0.join("empty")).unwrap();
    let out = t.edit("empty", &["set", "namespace", "y"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Missing kustomization file"));
}

#[test]
fn add_resource_with_a_glob_and_a_missing_file() {
    let t = Tree::new("glob");
    t.write("kustomization.yaml", "resources: [a.yaml]\n").write("a.yaml", SVC).write("b.yaml", SVC);
    t.ok(".", &["add", "resource", "*.yaml"]);
    assert_eq!(t.read("kustomization.yaml"), "resources:\n- a.yaml\n- b.yaml\n");
    let out = t.edit(".", &["add", "resource", "missing.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(t.read("kustomization.yaml"), "resources:\n- a.yaml\n- b.yaml\n", "nothing written on error");
    t.ok(".", &["add", "component", "--help"]);
}
