//! The `kcompile` binary end to end: exit codes, nothing on stdout and no file on error,
//! outputs to files and directories, several roots, snapshots.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::Tree;

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
    // kustomize's names: [namespace_]version_kind_name.yaml, lower case, the namespace only
    // when the output holds several.
    assert_eq!(names, ["v1_configmap_c.yaml", "v1_namespace_team.yaml"]);
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

/// Every file below `dir`, as paths relative to it.
fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(all_files(&p).into_iter().map(|q| Path::new(p.file_name().unwrap()).join(q)));
        } else {
            out.push(PathBuf::from(p.file_name().unwrap()));
        }
    }
    out
}

/// Runs `kubectl kustomize ROOT -o OUT/` when kubectl is on PATH and returns the file names.
fn kubectl_names(root: &Path, out: &Path) -> Option<Vec<String>> {
    std::fs::create_dir_all(out).ok()?;
    let status = Command::new("kubectl").arg("kustomize").arg(root).arg("-o").arg(out).status().ok()?;
    status.success().then(|| listing(out))
}

#[test]
fn output_directory_names_equal_kustomizes_on_the_example_overlays() {
    let t = Tree::new("overlay-names");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let one_ns = [
        "apps_v1_deployment_api.yaml",
        "apps_v1_deployment_redis.yaml",
        "apps_v1_deployment_ui.yaml",
        "apps_v1_statefulset_search.yaml",
        "traefik.io_v1alpha1_ingressroute_web.yaml",
        "v1_configmap_api-config-cf2g7cg54k.yaml",
        "v1_configmap_ui-settings-9hdfchc842.yaml",
        "v1_service_api.yaml",
        "v1_service_redis.yaml",
        "v1_service_search.yaml",
        "v1_service_ui.yaml",
    ];
    let mut local: Vec<&str> = one_ns.to_vec();
    local.extend([
        "storage.k8s.io_v1_storageclass_local-hostpath.yaml",
        "v1_namespace_acme.yaml",
        "v1_persistentvolume_search-data.yaml",
    ]);
    local.sort();
    // prod sets `namespace: acme` for everything it adds too: one namespace, no prefix.
    let mut prod: Vec<String> = one_ns.iter().map(|n| n.to_string()).collect();
    prod.extend(
        [
            "autoscaling_v2_horizontalpodautoscaler_api.yaml",
            "policy_v1_poddisruptionbudget_api.yaml",
            "policy_v1_poddisruptionbudget_search.yaml",
            "v1_secret_api-secrets-m9t29c95ch.yaml",
            "v1_namespace_acme.yaml",
        ]
        .map(String::from),
    );
    prod.sort();
    let expected: [(&str, Vec<String>); 3] = [
        ("local", local.iter().map(|s| s.to_string()).collect()),
        ("poc", one_ns.iter().map(|s| s.to_string()).collect()),
        ("prod", prod),
    ];
    for (overlay, names) in expected {
        let root = repo.join("overlays").join(overlay);
        // A missing directory is created when the path ends with '/'.
        let out = t.path(overlay);
        let slash = PathBuf::from(format!("{}/", out.display()));
        let run = kcompile(&[Path::new("build"), &root, Path::new("-o"), &slash]);
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
        assert_eq!(listing(&out), names, "{overlay}");
        if let Some(k) = kubectl_names(&root, &t.path(&format!("kubectl-{overlay}"))) {
            assert_eq!(listing(&out), k, "{overlay}: kubectl kustomize names files differently");
            for n in &k {
                let theirs = std::fs::read(t.path(&format!("kubectl-{overlay}")).join(n)).unwrap();
                assert_eq!(std::fs::read(out.join(n)).unwrap(), theirs, "{overlay}/{n}");
            }
        }
    }
}

#[test]
fn output_directory_names_with_several_namespaces_equal_kustomizes() {
    let t = Tree::new("ns-names");
    t.write("app/kustomization.yaml", "resources:\n- r.yaml\n").write(
        "app/r.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Plain\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  namespace: Team-B\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: default\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: reader\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: ÀÉ-İx\n  namespace: team-b\n",
    );
    let out = t.path("out");
    let slash = PathBuf::from(format!("{}/", out.display()));
    assert!(kcompile(&[Path::new("build"), &t.path("app"), Path::new("-o"), &slash]).status.success());
    let expected = [
        "default_v1_configmap_plain.yaml",
        "default_v1_secret_s.yaml",
        "rbac.authorization.k8s.io_v1_clusterrole_reader.yaml",
        "team-b_example.com_v1_widget_àé-ix.yaml",
        "team-b_v1_configmap_b.yaml",
    ];
    assert_eq!(listing(&out), expected);
    if let Some(k) = kubectl_names(&t.path("app"), &t.path("kubectl")) {
        assert_eq!(listing(&out), k);
    }
}

#[test]
fn no_namespace_kind_or_name_makes_output_directory_files_leave_it() {
    let long = "n".repeat(3000);
    let hostile = [
        "/tmp/kcompile-escape-abs/PWNED",
        "../../kcompile-escape-up",
        "..",
        ".",
        ".hidden",
        "..\\\\..\\\\win",
        "nul\\0byte",
        "line\\nbreak",
        long.as_str(),
        "Ünï/../../çödé",
    ];
    for (i, h) in hostile.iter().enumerate() {
        for field in ["namespace", "kind", "name", "apiVersion"] {
            let t = Tree::new(&format!("hostile-{i}-{field}"));
            let value = |f: &str, d: &str| if f == field { format!("\"{h}\"") } else { d.to_string() };
            let doc = format!(
                "apiVersion: {}\nkind: {}\nmetadata:\n  name: {}\n  namespace: {}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n  namespace: other\n",
                value("apiVersion", "v1"),
                value("kind", "ConfigMap"),
                value("name", "x"),
                value("namespace", "ns"),
            );
            t.write("work/app/kustomization.yaml", "resources:\n- r.yaml\n").write("work/app/r.yaml", &doc);
            let out = t.path("work/out/");
            let run = kcompile(&[Path::new("build"), &t.path("work/app"), Path::new("-o"), &out]);
            assert!(run.status.success(), "{field}={h}: {}", String::from_utf8_lossy(&run.stderr));
            let files = all_files(&t.0);
            for f in &files {
                let ok = f.starts_with("work/app") || (f.starts_with("work/out") && f.components().count() == 3);
                assert!(ok, "{field}={h:?} wrote {f:?}");
            }
            assert_eq!(listing(&t.path("work/out")).len(), 2, "{field}={h:?}: {files:?}");
            assert!(listing(&t.path("work/out")).iter().all(|n| !n.starts_with('.') && n.len() <= 255));
        }
    }
    assert!(!Path::new("/tmp/kcompile-escape-abs").exists());
}

#[test]
fn several_roots_whose_output_names_collide_are_an_error_naming_both() {
    let t = Tree::new("collide");
    t.write("a/b/kustomization.yaml", "resources:\n- cm.yaml\n").write("a/b/cm.yaml", CM);
    t.write("a__b/kustomization.yaml", "resources:\n- ../a/b\n");
    let run = Command::new(env!("CARGO_BIN_EXE_kcompile"))
        .current_dir(&t.0)
        .args(["build", "a/b", "a__b", "-o", "out/"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("a/b") && err.contains("a__b") && err.contains("both"), "{err}");
    assert!(!t.path("out/a__b.yaml").exists(), "nothing is written");

    // Several roots into a path that is not a directory: refused, not turned into one.
    let run = Command::new(env!("CARGO_BIN_EXE_kcompile"))
        .current_dir(&t.0)
        .args(["build", "a/b", "a__b", "-o", "multi.yaml"])
        .output()
        .unwrap();
    assert_ne!(run.status.code(), Some(0));
    assert!(!t.path("multi.yaml").exists());
}

#[test]
fn objects_whose_file_names_collide_are_an_error() {
    let t = Tree::new("obj-collide");
    t.write("app/kustomization.yaml", "resources:\n- r.yaml\n").write(
        "app/r.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Settings\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n",
    );
    let run = kcompile(&[Path::new("build"), &t.path("app"), Path::new("-o"), &t.path("out/")]);
    assert_eq!(run.status.code(), Some(1));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("ConfigMap /Settings") && err.contains("v1_configmap_settings.yaml"), "{err}");
}

#[cfg(unix)]
#[test]
fn output_to_a_symlink_writes_through_it() {
    let t = Tree::new("symlink");
    t.write("app/kustomization.yaml", "resources:\n- cm.yaml\n").write("app/cm.yaml", CM);
    t.write("real.yaml", "old\n");
    let link = t.path("link.yaml");
    std::os::unix::fs::symlink(t.path("real.yaml"), &link).unwrap();
    let run = kcompile(&[Path::new("build"), &t.path("app"), Path::new("-o"), &link]);
    assert!(run.status.success());
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link stays a link");
    let built = kcompile(&[Path::new("build"), &t.path("app")]).stdout;
    assert_eq!(std::fs::read(t.path("real.yaml")).unwrap(), built);
}

#[cfg(unix)]
#[test]
fn output_to_dev_stdout_and_to_a_fifo_writes_the_build_and_replaces_nothing() {
    let t = Tree::new("devices");
    t.write("app/kustomization.yaml", "resources:\n- cm.yaml\n").write("app/cm.yaml", CM);
    let built = kcompile(&[Path::new("build"), &t.path("app")]).stdout;

    // /dev/stdout is a link to the process's standard output (here a pipe).
    let run = kcompile(&[Path::new("build"), &t.path("app"), Path::new("-o"), Path::new("/dev/stdout")]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert_eq!(run.stdout, built);
    assert!(!std::fs::symlink_metadata("/dev/stdout").unwrap().file_type().is_file());

    let fifo = t.path("fifo");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        return;
    }
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let run = kcompile(&[Path::new("build"), &t.path("app"), Path::new("-o"), &fifo]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert_eq!(reader.join().unwrap(), built);
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(), "the FIFO is still a FIFO");
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
    assert_eq!(build(&[]).status.code(), Some(3), "missing snapshots fail the check");
    assert!(build(&[Path::new("--update")]).status.success());
    assert!(snaps.join("a.snap").is_file() && snaps.join("b.snap").is_file());
    assert!(build(&[Path::new("--check")]).status.success());
    t.write("a/cm.yaml", &CM.replace("a: b", "a: changed"));
    let out = build(&[Path::new("--check")]);
    assert_eq!(out.status.code(), Some(3), "differences exit 3, distinct from failures");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("-   a: b") && err.contains("+   a: changed"), "{err}");
}

#[test]
fn snapshots_have_the_same_names_however_the_roots_are_typed() {
    let t = Tree::new("snapnames");
    t.write("overlays/a/kustomization.yaml", "resources:\n- cm.yaml\n").write("overlays/a/cm.yaml", CM);
    let run = |cwd: &Path, args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_kcompile")).current_dir(cwd).args(args).output().unwrap()
    };
    assert!(run(&t.0, &["build", "overlays/a", "--snapshot-dir", "snapshots", "--update"]).status.success());
    assert!(t.path("snapshots/overlays__a.snap").is_file());
    let abs = t.path("overlays/a");
    for (cwd, root, snaps) in [
        (t.path("overlays"), "a", "../snapshots"),
        (t.path("overlays"), "./a/", "../snapshots"),
        (t.0.clone(), abs.to_str().unwrap(), "snapshots"),
        (t.path("overlays/a"), ".", "../../snapshots"),
    ] {
        let out = run(&cwd, &["build", root, "--snapshot-dir", snaps, "--check"]);
        assert!(out.status.success(), "{root} from {cwd:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn build_without_a_directory_builds_the_current_one() {
    let t = Tree::new("dot");
    t.write("kustomization.yaml", "resources:\n- cm.yaml\n").write("cm.yaml", CM);
    let here = Command::new(env!("CARGO_BIN_EXE_kcompile")).current_dir(&t.0).arg("build").output().unwrap();
    assert!(here.status.success(), "{}", String::from_utf8_lossy(&here.stderr));
    assert_eq!(here.stdout, kcompile(&[Path::new("build"), &t.0]).stdout);
}

#[test]
fn every_flag_of_kustomize_build_is_accepted() {
    let t = Tree::new("flags");
    t.write("app/kustomization.yaml", "resources:\n- cm.yaml\n").write("app/cm.yaml", CM);
    let plain = kcompile(&[Path::new("build"), &t.path("app")]).stdout;
    let flags: &[&[&str]] = &[
        &["--enable-alpha-plugins"],
        &["--enable-alpha-plugins=false"],
        &["--enable-exec"],
        &["--network"],
        &["--network-name", "host"],
        &["--mount", "type=bind,src=/a,dst=/b"],
        &["--env", "A=1", "-e", "B=2"],
        &["--as-current-user"],
        &["--stack-trace"],
        &[
            "--enable-helm",
            "--helm-command",
            "helm3",
            "--helm-api-versions",
            "v1",
            "--helm-kube-version",
            "1.30",
            "--helm-debug",
        ],
        &["--load-restrictor", "LoadRestrictionsNone"],
        &["--load-restrictor=LoadRestrictionsRootOnly"],
        &["--reorder", "legacy"],
    ];
    for f in flags {
        let mut args = vec!["build".to_string(), t.path("app").to_string_lossy().into_owned()];
        args.extend(f.iter().map(|s| s.to_string()));
        let out = Command::new(env!("CARGO_BIN_EXE_kcompile")).args(&args).output().unwrap();
        assert!(out.status.success(), "{f:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.stdout, plain, "{f:?}");
    }
    // A plugin flag names what kcompile does not run and what to do instead.
    let out = kcompile(&[Path::new("build"), &t.path("app"), Path::new("--enable-alpha-plugins")]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("runs no plugins") && err.contains("resources"), "{err}");
    // A bad value is a usage error.
    let out = kcompile(&[Path::new("build"), &t.path("app"), Path::new("--reorder"), Path::new("random")]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn reorder_none_keeps_the_order_resources_were_read_in_as_kustomize_does() {
    let t = Tree::new("reorder");
    t.write("app/kustomization.yaml", "resources:\n- r.yaml\n").write(
        "app/r.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns\n",
    );
    // `kubectl kustomize app --reorder none` (and legacy) print these.
    let none = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns\n";
    let legacy = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n";
    let out = kcompile(&[Path::new("build"), &t.path("app"), Path::new("--reorder"), Path::new("none")]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), none);
    assert!(String::from_utf8_lossy(&out.stderr).contains("Flag --reorder has been deprecated"));
    let out = kcompile(&[Path::new("build"), &t.path("app"), Path::new("--reorder"), Path::new("legacy")]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), legacy);
    let out = kcompile(&[Path::new("build"), &t.path("app"), Path::new("--enable-managedby-label")]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("app.kubernetes.io/managed-by: kustomize-(devel)"));
}

#[test]
fn exit_codes_tell_usage_errors_failures_and_differences_apart() {
    let t = Tree::new("codes");
    t.write("a/kustomization.yaml", "resources:\n- cm.yaml\n").write("a/cm.yaml", CM);
    t.write("b/kustomization.yaml", "resources:\n- ../a\nnamePrefix: b-\n");
    t.write("bad/kustomization.yaml", "resources:\n- missing.yaml\n");
    let code = |args: &[&Path]| kcompile(args).status.code();
    assert_eq!(code(&[Path::new("build"), &t.path("a"), Path::new("--no-such-flag")]), Some(2));
    assert_eq!(code(&[Path::new("build"), &t.path("a"), &t.path("b")]), Some(2), "several roots need -o or snapshots");
    assert_eq!(code(&[Path::new("build"), &t.path("bad")]), Some(1));
    assert_eq!(code(&[Path::new("diff"), &t.path("a"), &t.path("a")]), Some(0));
    assert_eq!(code(&[Path::new("diff"), &t.path("a"), &t.path("b")]), Some(3));
    assert_eq!(code(&[Path::new("diff"), &t.path("a"), &t.path("bad")]), Some(1));
}

#[test]
fn lint_explain_and_diff_take_the_build_options_and_several_roots() {
    let t = Tree::new("options");
    t.write("outside.yaml", CM);
    t.write("app/kustomization.yaml", "resources:\n- ../outside.yaml\n");
    t.write("other/kustomization.yaml", "resources:\n- ../outside.yaml\nnamePrefix: o-\n");
    let lifted = Path::new("--load-restrictor=LoadRestrictionsNone");
    for cmd in ["lint", "explain"] {
        let refused = kcompile(&[Path::new(cmd), &t.path("app")]);
        assert_eq!(refused.status.code(), Some(1), "{cmd}");
        let out = kcompile(&[Path::new(cmd), &t.path("app"), &t.path("other"), lifted]);
        assert!(out.status.success(), "{cmd}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let explained = kcompile(&[Path::new("explain"), &t.path("app"), &t.path("other"), lifted]);
    let text = String::from_utf8_lossy(&explained.stdout);
    assert_eq!(text.matches("# kcompile explain ").count(), 2, "{text}");
    assert!(text.contains("name: o-c"), "{text}");
    let out = kcompile(&[Path::new("diff"), &t.path("app"), &t.path("other"), lifted]);
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
}

#[cfg(unix)]
#[test]
fn a_closed_stdout_ends_the_build_quietly_as_kustomize_does() {
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::ExitStatusExt;
    let t = Tree::new("pipe");
    let mut many = String::new();
    for i in 0..20_000 {
        many.push_str(&format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\ndata:\n  k: v\n"));
    }
    t.write("app/kustomization.yaml", "resources:\n- cms.yaml\n").write("app/cms.yaml", &many);
    let mut child = Command::new(env!("CARGO_BIN_EXE_kcompile"))
        .arg("build")
        .arg(t.path("app"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    assert_eq!(first, "apiVersion: v1\n");
    let out = child.wait_with_output().unwrap();
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.signal(), Some(13), "killed by SIGPIPE (the shell shows 141)");
}

#[test]
fn fmt_reads_stdin_and_rewrites_files_in_place() {
    use std::io::Write;
    let t = Tree::new("fmt");
    let messy = "metadata:\n  name: c   # a comment\nkind: ConfigMap\napiVersion: v1\n";
    let tidy = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n";
    let mut child = Command::new(env!("CARGO_BIN_EXE_kcompile"))
        .args(["fmt", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(messy.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), tidy);
    t.write("f.yaml", messy);
    let out = kcompile(&[Path::new("fmt"), Path::new("--write"), &t.path("f.yaml")]);
    assert!(out.status.success() && out.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(t.path("f.yaml")).unwrap(), tidy);
    assert_eq!(kcompile(&[Path::new("fmt"), Path::new("--write"), Path::new("-")]).status.code(), Some(2));
}

#[test]
fn version_names_kustomize_and_completions_are_printed_for_each_shell() {
    let v = kcompile(&[Path::new("--version")]);
    assert!(String::from_utf8_lossy(&v.stdout).contains("kustomize v5.5.0"));
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = kcompile(&[Path::new("completions"), Path::new(shell)]);
        assert!(out.status.success(), "{shell}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("load-restrictor"), "{shell}");
    }
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

#[test]
fn the_build_limits_are_raised_by_flags_and_named_in_errors() {
    let t = Tree::new("limits");
    t.write("app/kustomization.yaml", "resources:\n- r.yaml\n")
        .write("app/r.yaml", &format!("{CM}---\n{CM}").replace("name: c\ndata:\n  a: b\n---", "name: d\n---"));
    let tight = kcompile(&[Path::new("build"), &t.path("app"), Path::new("--max-documents"), Path::new("2")]);
    assert_eq!(tight.status.code(), Some(1));
    let err = String::from_utf8_lossy(&tight.stderr);
    assert!(err.contains("more than 2 YAML documents") && err.contains("--max-documents"), "{err}");
    let raised = kcompile(&[Path::new("build"), &t.path("app"), Path::new("--max-documents"), Path::new("1K")]);
    assert!(raised.status.success(), "{}", String::from_utf8_lossy(&raised.stderr));
    let bad = kcompile(&[Path::new("build"), &t.path("app"), Path::new("--max-nodes"), Path::new("lots")]);
    assert_eq!(bad.status.code(), Some(2));
}
