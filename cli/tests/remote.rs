//! Remote bases, components and HTTP files, end to end and without the internet: git
//! repositories made by the test and reached by `file://` URLs, HTTP files served by a small
//! server on 127.0.0.1. `kubectl kustomize` accepts the same URLs, so when it is on PATH every
//! output is compared with it byte for byte (and every error case must fail there too).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::Tree;

/// Runs git in `dir`, with a fixed identity; returns its stdout.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "user.email=test@example.com", "-c", "user.name=test", "-c", "init.defaultBranch=main"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Commits everything in the work tree `src` and pushes it (branches and tags) to the bare
/// repository `bare`, created on first use.
fn publish(t: &Tree, src: &str, bare: &str, message: &str) -> String {
    let dir = t.path(src);
    if !dir.join(".git").exists() {
        git(&dir, &["init", "--quiet"]);
    }
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "--quiet", "-m", message]);
    if !t.path(bare).exists() {
        git(&t.0, &["init", "--quiet", "--bare", bare]);
    }
    git(&dir, &["push", "--quiet", "--force", "--tags", t.path(bare).to_str().unwrap(), "main"]);
    git(&dir, &["rev-parse", "HEAD"]).trim().to_string()
}

fn kcompile(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kcompile")).args(args).output().expect("runs")
}

/// `kubectl kustomize DIR`, when kubectl is on PATH.
fn kubectl(dir: &Path) -> Option<Output> {
    Command::new("kubectl").arg("kustomize").arg(dir).output().ok()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Builds `root` with kcompile (cache in `cache`) and, when kubectl is there, checks that both
/// succeed with the same stdout or both fail. Returns kcompile's output.
fn same_as_kubectl(t: &Tree, root: &str, cache: &str) -> Output {
    let dir = t.path(root);
    let ours = kcompile(&["build", dir.to_str().unwrap(), "--cache-dir", t.path(cache).to_str().unwrap()]);
    if let Some(theirs) = kubectl(&dir) {
        assert_eq!(
            ours.status.success(),
            theirs.status.success(),
            "{root}: kcompile {}\nkubectl {}",
            text(&ours.stderr),
            text(&theirs.stderr)
        );
        assert_eq!(text(&ours.stdout), text(&theirs.stdout), "{root}: the outputs differ");
    }
    ours
}

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  version: \"VERSION\"\n";

/// The upstream repository `up.git`: commit 1 (tags `v1`, and `v1a` annotated) then commit 2 on
/// `main`, which changes `base/cm.yaml`. Returns the two commits.
fn upstream(t: &Tree) -> (String, String) {
    t.write("up/kustomization.yaml", "resources:\n- base\n- gen\n")
        .write("up/base/kustomization.yaml", "resources:\n- cm.yaml\n")
        .write("up/base/cm.yaml", &CM.replace("VERSION", "1"))
        .write("up/overlay/kustomization.yaml", "namePrefix: up-\nresources:\n- ../base\n")
        .write("up/gen/kustomization.yaml", "configMapGenerator:\n- name: generated\n  literals: [k=v]\n")
        .write(
            "up/comp/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nlabels:\n- pairs:\n    team: remote\n",
        )
        .write("up/escapes/kustomization.yaml", "resources:\n- ../base/cm.yaml\n");
    let first = publish(t, "up", "up.git", "one");
    git(&t.path("up"), &["tag", "v1"]);
    git(&t.path("up"), &["tag", "-a", "v1a", "-m", "annotated"]);
    t.write("up/base/cm.yaml", &CM.replace("VERSION", "2"));
    let second = publish(t, "up", "up.git", "two");
    (first, second)
}

#[test]
fn remote_bases_over_file_urls_build_as_kubectl_builds_them() {
    let t = Tree::new("forms");
    let (first, _) = upstream(&t);
    let up = t.url("up.git");
    // A second repository whose root kustomization has a remote base itself.
    t.write("nested/kustomization.yaml", &format!("namePrefix: nested-\nresources:\n- {up}//base?ref=v1\n"));
    publish(&t, "nested", "nested.git", "nested");
    let origin = "buildMetadata: [originAnnotations]\n";
    let cases = [
        ("branch", format!("{origin}resources:\n- {up}//base?ref=main\n")),
        ("tag", format!("resources:\n- {up}//overlay?ref=v1\n")),
        ("annotated-tag", format!("resources:\n- {up}//base?ref=v1a\n")),
        ("commit", format!("{origin}resources:\n- {up}//base?ref={first}\n")),
        ("default-branch-root", format!("{origin}resources:\n- {up}\n")),
        ("dot-git-path", format!("{origin}resources:\n- {up}/overlay?version=v1\n")),
        ("git-prefix", format!("resources:\n- git::{up}//base\n")),
        ("component", format!("resources:\n- cm.yaml\ncomponents:\n- {up}//comp?ref=main\n")),
        ("nested", format!("{origin}resources:\n- {}\n", t.url("nested.git"))),
        ("generator", format!("{origin}resources:\n- {up}//gen\n")),
        (
            "transformer-annotations",
            format!("buildMetadata: [transformerAnnotations, originAnnotations]\nnamespace: here\nresources:\n- {up}//overlay?ref=v1\n- {up}//gen\n"),
        ),
        ("no-such-ref", format!("resources:\n- {up}//base?ref=nope\n")),
        ("no-such-dir", format!("resources:\n- {up}//nope?ref=v1\n")),
        ("reads-outside-its-directory", format!("resources:\n- {up}//escapes?ref=v1\n")),
    ];
    for (name, kustomization) in &cases {
        t.write(&format!("{name}/kustomization.yaml"), kustomization);
        t.write(&format!("{name}/cm.yaml"), &CM.replace("app-config", "local").replace("VERSION", "0"));
    }
    for (name, _) in &cases {
        let out = same_as_kubectl(&t, name, "cache");
        let fails = name.starts_with("no-such") || name.starts_with("reads-outside");
        assert_eq!(out.status.success(), !fails, "{name}: {}", text(&out.stderr));
    }
    let out = |name: &str| {
        text(
            &kcompile(&["build", t.path(name).to_str().unwrap(), "--cache-dir", t.path("cache").to_str().unwrap()])
                .stdout,
        )
    };
    assert!(out("branch").contains("version: \"2\""));
    assert!(out("tag").contains("name: up-app-config") && out("tag").contains("version: \"1\""));
    assert!(out("annotated-tag").contains("version: \"1\""));
    assert!(out("commit").contains("version: \"1\"") && out("commit").contains(&format!("ref: {first}")));
    assert!(out("nested").contains("name: nested-app-config"));
    assert!(out("component").contains("team: remote"));
    let err = text(
        &kcompile(&[
            "build",
            t.path("no-such-ref").to_str().unwrap(),
            "--cache-dir",
            t.path("cache").to_str().unwrap(),
        ])
        .stderr,
    );
    assert!(
        err.contains(&format!("{}/up.git at ref 'nope'", t.path("").display().to_string().trim_end_matches('/'))),
        "{err}"
    );
    let err = text(
        &kcompile(&[
            "build",
            t.path("reads-outside-its-directory").to_str().unwrap(),
            "--cache-dir",
            t.path("cache").to_str().unwrap(),
        ])
        .stderr,
    );
    assert!(err.contains("is not in or below"), "{err}");
}

#[test]
fn a_second_build_fetches_nothing_and_offline_builds_from_the_cache() {
    let t = Tree::new("cache");
    upstream(&t);
    let up = t.url("up.git");
    t.write("tag/kustomization.yaml", &format!("resources:\n- {up}//base?ref=v1\n"));
    t.write("branch/kustomization.yaml", &format!("resources:\n- {up}//base?ref=main\n"));
    let cache = t.path("cache");
    let build = |root: &str, offline: bool| {
        let mut args = vec!["build", "--cache-dir", cache.to_str().unwrap()];
        let dir = t.path(root);
        args.push(dir.to_str().unwrap());
        if offline {
            args.push("--offline");
        }
        let out = kcompile(&args);
        (out.status.success(), text(&out.stdout), text(&out.stderr))
    };
    // Offline with nothing cached: an error naming the URL.
    let (ok, _, err) = build("tag", true);
    assert!(
        !ok && err.contains("--offline") && err.contains(&format!("{up} at ref 'v1' is not in the cache")),
        "{err}"
    );
    let (ok, tag_out, err) = build("tag", false);
    assert!(ok, "{err}");
    let (ok, branch_out, err) = build("branch", false);
    assert!(ok, "{err}");
    // The repository is gone: a tag in the cache still builds without the network, a branch
    // needs it unless --offline, and --offline builds both from the cache.
    std::fs::remove_dir_all(t.path("up.git")).unwrap();
    assert_eq!(build("tag", false), (true, tag_out.clone(), String::new()));
    let (ok, _, err) = build("branch", false);
    assert!(!ok && err.contains("ls-remote") && err.contains(&format!("{up} at ref 'main'")), "{err}");
    assert_eq!(build("branch", true), (true, branch_out, String::new()));
    assert_eq!(build("tag", true), (true, tag_out, String::new()));
}

/// Serves `files` (path → body; anything else is a 404) on 127.0.0.1 for at most `requests`
/// requests; returns the port.
fn serve(files: Vec<(&'static str, String)>, requests: usize) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(requests) {
            let Ok(mut stream) = stream else { continue };
            let mut line = String::new();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            // Skip the headers.
            let mut header = String::new();
            while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                header.clear();
            }
            let path = line.split(' ').nth(1).unwrap_or("");
            let (status, body) = match files.iter().find(|(p, _)| *p == path) {
                Some((_, body)) => ("200 OK", body.clone()),
                None => ("404 Not Found", "not found\n".to_string()),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

#[test]
fn http_files_are_fetched_as_kubectl_fetches_them() {
    let t = Tree::new("http");
    let port = serve(
        vec![
            ("/x/top.yaml", CM.replace("VERSION", "http")),
            ("/a/b/c.yaml", CM.replace("app-config", "deep").replace("VERSION", "3")),
        ],
        40,
    );
    let at = |path: &str| format!("http://127.0.0.1:{port}{path}");
    let origin = "buildMetadata: [originAnnotations]\n";
    t.write(
        "file/kustomization.yaml",
        &format!("{origin}resources:\n- {}\n- {}\n", at("/x/top.yaml"), at("/a/b/c.yaml")),
    );
    t.write("missing/kustomization.yaml", &format!("resources:\n- {}\n", at("/missing.yaml")));
    let out = same_as_kubectl(&t, "file", "cache");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let yaml = text(&out.stdout);
    assert!(
        yaml.contains("version: http") && yaml.contains(&format!("path: c.yaml\n      repo: {}", at("/a/b"))),
        "{yaml}"
    );
    let out = same_as_kubectl(&t, "missing", "cache");
    assert!(text(&out.stderr).contains("HTTP Error: status code 404 (Not Found)"), "{}", text(&out.stderr));
}
