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
