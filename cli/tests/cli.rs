//! The `kcompile` binary end to end: exit codes, nothing on stdout and no file on error,
//! outputs to files and directories, several roots, snapshots.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Tree(PathBuf);

impl Tree {
    fn new(name: &str) -> Tree {
        let dir = std::env::temp_dir().join(format!("kcompile-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Tree(dir)
    }
    fn write(&self, rel: &str, text: &str) -> &Tree {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
        self
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn kcompile(args: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kcompile")).args(args).output().expect("runs")
}

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: b\n";

#[test]
fn a_failed_build_prints_nothing_on_stdout_and_writes_no_file() {
    let t = Tree::new("fail");
    t.write("app/kustomization.yaml", "resources:\n- missing.yaml\n");
    let out = kcompile(&[Path::new("build"), &t.path("app")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("missing.yaml") && err.contains("kustomization.yaml:2:3"), "{err}");

    let target = t.path("out.yaml");
    let out = kcompile(&[Path::new("build"), &t.path("app"), Path::new("-o"), &target]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!target.exists(), "no file is written on error");
    assert!(std::fs::read_dir(&t.0).unwrap().all(|e| !e.unwrap().file_name().to_string_lossy().contains("tmp")));
}

#[test]
fn output_to_a_file_and_to_a_directory() {
    let t = Tree::new("out");
    t.write("app/kustomization.yaml", "resources:\n- r.yaml\n")
        .write("app/r.yaml", &format!("{CM}---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: Team\n"));
    let file = t.path("all.yaml");
    assert!(kcompile(&[Path::new("build"), &t.path("app"), Path::new("-o"), &file]).status.success());
    let stdout = kcompile(&[Path::new("build"), &t.path("app")]).stdout;
    assert_eq!(std::fs::read(&file).unwrap(), stdout);

    let dir = t.path("split");
    std::fs::create_dir_all(&dir).unwrap();
    assert!(kcompile(&[Path::new("build"), &t.path("app"), Path::new("-o"), &dir]).status.success());
    let mut names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    // kustomize's names: [namespace_]version_kind_name.yaml, lower case.
    assert_eq!(names, ["default_v1_configmap_c.yaml", "v1_namespace_team.yaml"]);
}

#[test]
fn several_roots_and_snapshots() {
    let t = Tree::new("many");
    t.write("a/kustomization.yaml", "resources:\n- cm.yaml\n").write("a/cm.yaml", CM);
    t.write("b/kustomization.yaml", "resources:\n- ../a\nnamePrefix: b-\n");
    let snaps = t.path("snaps");
    let build = |extra: &[&Path]| {
        let mut args: Vec<&Path> =
            vec![Path::new("build"), Path::new("a"), Path::new("b"), Path::new("--snapshot-dir")];
        args.push(&snaps);
        args.extend_from_slice(extra);
        Command::new(env!("CARGO_BIN_EXE_kcompile")).current_dir(&t.0).args(&args).output().unwrap()
    };
    assert_eq!(build(&[]).status.code(), Some(1), "missing snapshots fail the check");
    assert!(build(&[Path::new("--update")]).status.success());
    assert!(snaps.join("a.snap").is_file() && snaps.join("b.snap").is_file());
    assert!(build(&[Path::new("--check")]).status.success());
    t.write("a/cm.yaml", &CM.replace("a: b", "a: changed"));
    let out = build(&[Path::new("--check")]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("-   a: b") && err.contains("+   a: changed"), "{err}");
}

#[test]
fn explain_annotates_the_build_output_and_selects_objects() {
    let t = Tree::new("explain");
    t.write("base/kustomization.yaml", "resources:\n- deploy.yaml\n- cm.yaml\n")
        .write(
            "base/deploy.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: api\n        image: api:1.0\n",
        )
        .write("base/cm.yaml", CM)
        .write(
            "prod/kustomization.yaml",
            "resources:\n- ../base\nnamespace: shop\nnamePrefix: prod-\nimages:\n- name: api\n  newTag: \"2.0\"\npatches:\n- path: replicas.yaml\n",
        )
        .write("prod/replicas.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 3\n");
    let explained = kcompile(&[Path::new("explain"), &t.path("prod")]);
    assert_eq!(explained.status.code(), Some(0), "{}", String::from_utf8_lossy(&explained.stderr));
    let text = String::from_utf8(explained.stdout).unwrap();
    let line = |start: &str| text.lines().find(|l| l.trim_start().starts_with(start)).unwrap_or("").to_string();
    assert!(line("replicas: 3").ends_with("# patches[0] prod/replicas.yaml:6"), "{text}");
    assert!(line("name: prod-api").ends_with("# namePrefix prod/kustomization.yaml:4"), "{text}");
    assert!(line("namespace: shop").ends_with("# namespace prod/kustomization.yaml:3"), "{text}");
    assert!(line("- image: api:2.0").ends_with("# images[0] prod/kustomization.yaml:6"), "{text}");
    assert!(line("kind: Deployment").ends_with("# base/deploy.yaml:2"), "{text}");

    // Without the comments, it is the build's output.
    let stripped: String = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{}\n", l.split_once("  # ").map_or(l, |(yaml, _)| yaml.trim_end())))
        .collect();
    let built = kcompile(&[Path::new("build"), &t.path("prod")]);
    assert_eq!(stripped, String::from_utf8(built.stdout).unwrap());

    let one = kcompile(&[Path::new("explain"), &t.path("prod"), Path::new("--resource"), Path::new("Deployment/api")]);
    let one = String::from_utf8(one.stdout).unwrap();
    assert!(one.starts_with("# Deployment prod-api (namespace shop)\n") && !one.contains("---"), "{one}");

    let typo =
        kcompile(&[Path::new("explain"), &t.path("prod"), Path::new("--resource"), Path::new("Deployment/prod-apo")]);
    assert_eq!(typo.status.code(), Some(1));
    assert!(typo.stdout.is_empty());
    let err = String::from_utf8_lossy(&typo.stderr);
    assert!(err.contains("did you mean 'Deployment/prod-api'?"), "{err}");
}

#[test]
fn lint_reports_a_patch_target_that_selects_nothing() {
    let t = Tree::new("unmatched");
    t.write(
        "app/kustomization.yaml",
        "resources:\n- cm.yaml\npatches:\n- path: p.yaml\n  target:\n    kind: ConfigMap\n    name: d\n",
    )
    .write("app/cm.yaml", CM)
    .write("app/p.yaml", "- op: add\n  path: /data/x\n  value: y\n");
    let out = kcompile(&[Path::new("lint"), &t.path("app")]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unmatched-target") && err.contains("kustomization.yaml:4"), "{err}");
}
