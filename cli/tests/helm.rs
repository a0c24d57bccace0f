//! Helm charts, end to end, without the internet and without a real helm: `tests/helm/helm` is
//! a stand-in (a bash script) that answers `version`, `pull` (from `tests/helm/repo/`) and
//! `template` deterministically, printing the arguments and values files it was given. Each
//! directory of `tests/helm/cases/` is a tree (built at `root/` when it has one) with
//! `expected.yaml`, the output of `kubectl kustomize --enable-helm --helm-command <stand-in>`
//! plus the flags of its `flags` file if it has one (written by `tests/helm/regenerate`). When kubectl is on PATH, it builds each case again and
//! the helm command lines both sides ran must be the same too.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::Tree;

fn helm_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/helm")
}

/// A scratch directory for one test, removed afterwards.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A fresh copy of case `name` in `scratch/<side>/<name>` (a pull writes into the tree); the
/// directory to build.
fn tree(scratch: &Tree, side: &str, name: &str) -> PathBuf {
    let copy = scratch.0.join(side).join(name);
    copy_tree(&helm_dir().join("cases").join(name), &copy);
    let _ = std::fs::remove_file(copy.join("expected.yaml"));
    let _ = std::fs::remove_file(copy.join("flags"));
    if copy.join("root").is_dir() {
        copy.join("root")
    } else {
        copy
    }
}

/// Runs `program args...` with the stand-in's log in `log` and temporary files in `tmp`.
fn run(program: &str, args: &[&str], dir: &Path, log: &Path, tmp: &Path, env: &[(&str, &str)]) -> Output {
    std::fs::create_dir_all(tmp).unwrap();
    Command::new(program)
        .args(args)
        .arg(dir)
        .env("HELM_STANDIN_LOG", log)
        .env("TMPDIR", tmp)
        .envs(env.iter().copied())
        .output()
        .expect("runs")
}

fn kcompile(dir: &Path, scratch: &Tree, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let mut args = vec!["build"];
    args.extend(extra);
    run(env!("CARGO_BIN_EXE_kcompile"), &args, dir, &scratch.0.join("kcompile.log"), &scratch.0.join("tmp"), env)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The helm command lines of a log, with the tree's copy and the scratch directories (random
/// names under the temporary directory) replaced by fixed words.
fn command_lines(log: &Path, tree: &Path, tmp: &Path) -> String {
    let raw = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<String> = raw
        .split('\n')
        .map(|line| {
            line.split(' ')
                .map(|word| match word.strip_prefix(tmp.to_str().unwrap()) {
                    Some(rest) => {
                        let file = rest.trim_start_matches('/').split_once('/').map_or("", |(_, f)| f);
                        format!("<scratch>/{file}")
                    }
                    None => word.to_string(),
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    lines.join("\n").replace(tree.to_str().unwrap(), "<tree>")
}

#[test]
fn charts_inflate_as_kubectl_inflates_them_with_the_same_helm_command_lines() {
    let standin = helm_dir().join("helm");
    let standin = standin.to_str().unwrap();
    let flags = ["--enable-helm", "--helm-command", standin];
    let mut cases: Vec<String> = std::fs::read_dir(helm_dir().join("cases"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    cases.sort();
    assert!(cases.len() >= 7, "{cases:?}");
    let has_kubectl = Command::new("kubectl").arg("version").arg("--client").output().is_ok();
    for name in &cases {
        let scratch = Tree::new(&format!("helm-{name}"));
        let dir = tree(&scratch, "kcompile", name);
        let own = std::fs::read_to_string(helm_dir().join("cases").join(name).join("flags")).unwrap_or_default();
        let mut flags = flags.to_vec();
        flags.extend(own.split_whitespace());
        let ours = kcompile(&dir, &scratch, &flags, &[]);
        assert!(ours.status.success(), "{name}: {}", text(&ours.stderr));
        let want = std::fs::read_to_string(helm_dir().join("cases").join(name).join("expected.yaml")).unwrap();
        assert_eq!(text(&ours.stdout), want, "{name}: the output differs from kubectl's (expected.yaml)");
        // Every scratch directory is gone.
        let tmp = scratch.0.join("tmp");
        assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0, "{name}: scratch directories left in {tmp:?}");
        if !has_kubectl {
            continue;
        }
        let their_dir = tree(&scratch, "kubectl", name);
        let their_tmp = scratch.0.join("tmp-kubectl");
        let their_log = scratch.0.join("kubectl.log");
        let mut args = vec!["kustomize"];
        args.extend(&flags);
        let theirs = run("kubectl", &args, &their_dir, &their_log, &their_tmp, &[]);
        assert!(theirs.status.success(), "{name}: kubectl: {}", text(&theirs.stderr));
        assert_eq!(text(&ours.stdout), text(&theirs.stdout), "{name}: the outputs differ");
        let ours = command_lines(&scratch.0.join("kcompile.log"), &scratch.0.join("kcompile"), &tmp);
        let theirs = command_lines(&their_log, &scratch.0.join("kubectl"), &their_tmp);
        assert_eq!(ours, theirs, "{name}: the helm command lines differ");
        assert!(ours.contains("version -c --short\n"), "{ours}");
    }
}

#[test]
fn without_enable_helm_a_chart_is_kustomize_s_error_with_a_hint() {
    let scratch = Tree::new("helm-disabled");
    let dir = tree(&scratch, "kcompile", "chart-in-home");
    let out = kcompile(&dir, &scratch, &[], &[]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("must specify --enable-helm"), "{err}");
    assert!(err.contains("--helm-command"), "{err}");
    assert!(out.stdout.is_empty());
    assert!(!scratch.0.join("kcompile.log").exists(), "helm ran");
}

#[test]
fn a_chart_neither_in_its_home_nor_in_a_repo_is_an_error_naming_where_it_was_looked_for() {
    let scratch = Tree::new("helm-missing");
    let dir = tree(&scratch, "kcompile", "chart-in-home");
    std::fs::remove_dir_all(dir.join("charts")).unwrap();
    let standin = helm_dir().join("helm");
    let out = kcompile(&dir, &scratch, &["--enable-helm", "--helm-command", standin.to_str().unwrap()], &[]);
    let err = text(&out.stderr);
    assert!(err.contains("no repo specified for pull, no chart found at"), "{err}");
    assert!(err.contains("charts/demo"), "{err}");
}

#[test]
fn a_helm_other_than_v3_is_refused() {
    let scratch = Tree::new("helm-v2");
    let dir = tree(&scratch, "kcompile", "chart-in-home");
    let standin = helm_dir().join("helm");
    let flags = ["--enable-helm", "--helm-command", standin.to_str().unwrap()];
    let out = kcompile(&dir, &scratch, &flags, &[("HELM_STANDIN_VERSION", "v2.17.0+gabc")]);
    let err = text(&out.stderr);
    assert!(err.contains("this plugin requires helm V3 but got v2.17.0"), "{err}");
}

#[test]
fn when_helm_fails_the_error_says_what_it_printed_and_the_command_line() {
    let scratch = Tree::new("helm-fails");
    let dir = tree(&scratch, "kcompile", "values-merge");
    // The stand-in's repository has no such chart.
    let kust = std::fs::read_to_string(dir.join("kustomization.yaml")).unwrap();
    std::fs::write(dir.join("kustomization.yaml"), kust.replace("- name: demo\n", "- name: nosuch\n")).unwrap();
    let standin = helm_dir().join("helm");
    let out = kcompile(&dir, &scratch, &["--enable-helm", "--helm-command", standin.to_str().unwrap()], &[]);
    let err = text(&out.stderr);
    assert!(err.contains("chart \"nosuch\" version \"\" not found in repository"), "{err}");
    assert!(err.contains("pull --untar --untardir"), "{err}");
    assert!(err.contains("(is '"), "{err}");
}

#[test]
fn an_object_a_chart_makes_that_the_build_already_has_is_an_error() {
    let scratch = Tree::new("helm-duplicate");
    let dir = scratch.0.join("app");
    std::fs::create_dir_all(&dir).unwrap();
    let kust = "resources:\n- svc.yaml\nhelmCharts:\n- name: demo\n  repo: https://charts.example.com/stable\n  releaseName: r\n";
    std::fs::write(dir.join("kustomization.yaml"), kust).unwrap();
    let svc = "apiVersion: v1\nkind: Service\nmetadata:\n  name: r-demo\n  namespace: default\n";
    std::fs::write(dir.join("svc.yaml"), svc).unwrap();
    let standin = helm_dir().join("helm");
    let out = kcompile(&dir, &scratch, &["--enable-helm", "--helm-command", standin.to_str().unwrap()], &[]);
    let err = text(&out.stderr);
    // kubectl: "... id resid.ResId{...Name:\"r-demo\"...} exists; behavior must be merge or replace"
    assert!(err.contains("Service.v1.[noGrp]/r-demo.default exists; behavior must be merge or replace"), "{err}");
    assert!(err.contains("the chart makes an object the build already has"), "{err}");
}
