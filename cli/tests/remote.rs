//! Remote bases, components and HTTP files, end to end and without the internet: git
//! repositories made by the test and reached by `file://` URLs or over git's smart HTTP protocol
//! (`git http-backend` behind a small server on 127.0.0.1; kustomize refuses `git://` URLs, so
//! `git daemon` cannot serve it), HTTP files served by the same server. `kubectl kustomize` accepts the same URLs, so when it is on PATH every
//! output is compared with it byte for byte (and every error case must fail there too).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::http::{serve, Server};
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

/// `kcompile build ROOT --cache-dir CACHE [--offline]` in `t`: success, stdout, stderr.
fn build(t: &Tree, root: &str, cache: &str, offline: bool) -> (bool, String, String) {
    let (dir, cache) = (t.path(root), t.path(cache));
    let mut args = vec!["build", dir.to_str().unwrap(), "--cache-dir", cache.to_str().unwrap()];
    if offline {
        args.push("--offline");
    }
    let out = kcompile(&args);
    (out.status.success(), text(&out.stdout), text(&out.stderr))
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
    let (_, _, err) = build(&t, "no-such-ref", "cache", false);
    // The URL, the ref, what git said, and what the repository has instead.
    assert!(
        err.contains(&format!("{}/up.git at ref 'nope'", t.path("").display().to_string().trim_end_matches('/')))
            && err.contains("fatal: couldn't find remote ref nope")
            && err.contains("help: the repository has no branch or tag 'nope' (and a commit must be written in full); it has main, v1, v1a: fix ?ref= in the URL"),
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
    let build = |root: &str, offline: bool| build(&t, root, "cache", offline);
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

/// Serves the git repositories below `root` over git's smart HTTP protocol, as a forge does:
/// each request is run through `git http-backend` (a CGI program).
fn serve_git(root: PathBuf) -> Server {
    Server::start(move |request| {
        let (path, query) = request.target.split_once('?').unwrap_or((&request.target, ""));
        let mut child = Command::new("git")
            .arg("http-backend")
            .env("GIT_PROJECT_ROOT", &root)
            .env("GIT_HTTP_EXPORT_ALL", "1")
            .env("REQUEST_METHOD", &request.method)
            .env("PATH_INFO", path)
            .env("QUERY_STRING", query)
            .env("CONTENT_TYPE", request.header("content-type"))
            .env("CONTENT_LENGTH", request.body.len().to_string())
            .env("HTTP_CONTENT_ENCODING", request.header("content-encoding"))
            .env("HTTP_GIT_PROTOCOL", request.header("git-protocol"))
            .env("REMOTE_ADDR", "127.0.0.1")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            // It says why it refuses a path that names no repository (the entry fetched as a
            // file first): the status is enough.
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("git http-backend runs");
        let mut stdin = child.stdin.take().unwrap();
        let body = request.body;
        let writer = std::thread::spawn(move || stdin.write_all(&body));
        let out = child.wait_with_output().unwrap().stdout;
        let _ = writer.join();
        // A CGI response: headers (`Status:` among them), a blank line, the body.
        let split = out.windows(4).position(|w| w == b"\r\n\r\n").map(|i| (i, i + 4));
        let split = split.or_else(|| out.windows(2).position(|w| w == b"\n\n").map(|i| (i, i + 2)));
        let (end, start) = split.unwrap_or((out.len(), out.len()));
        let mut status = if out.is_empty() { "502 Bad Gateway" } else { "200 OK" }.to_string();
        let mut headers = Vec::new();
        for line in String::from_utf8_lossy(&out[..end]).lines() {
            match line.split_once(':') {
                Some((name, value)) if name.eq_ignore_ascii_case("status") => status = value.trim().to_string(),
                Some((name, value)) => headers.push((name.to_string(), value.trim().to_string())),
                None => {}
            }
        }
        (status, headers, out[start..].to_vec())
    })
}

#[test]
fn http_files_are_fetched_as_kubectl_fetches_them() {
    let t = Tree::new("http");
    let server = serve(vec![
        ("/x/top.yaml", CM.replace("VERSION", "http")),
        ("/a/b/c.yaml", CM.replace("app-config", "deep").replace("VERSION", "3")),
    ]);
    let at = |path: &str| server.url(path);
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

#[test]
fn remote_bases_over_http_build_as_kubectl_builds_them_then_from_the_cache_once_the_server_stops() {
    let t = Tree::new("smart-http");
    let (first, _) = upstream(&t);
    let server = serve_git(t.path(""));
    let up = server.url("/up.git");
    let origin = "buildMetadata: [originAnnotations]\n";
    let cases = [
        ("tag", format!("{origin}resources:\n- {up}//overlay?ref=v1\n")),
        ("branch", format!("{origin}resources:\n- {up}//base?ref=main\n")),
        ("commit", format!("resources:\n- {up}//base?ref={first}\n")),
        ("component", format!("resources:\n- cm.yaml\ncomponents:\n- {up}//comp?ref=v1\n")),
        ("no-such-ref", format!("resources:\n- {up}//base?ref=nope\n")),
        ("no-such-dir", format!("resources:\n- {up}//nope?ref=v1\n")),
    ];
    for (name, kustomization) in &cases {
        t.write(&format!("{name}/kustomization.yaml"), kustomization);
        t.write(&format!("{name}/cm.yaml"), &CM.replace("app-config", "local").replace("VERSION", "0"));
    }
    let mut built = Vec::new();
    for (name, _) in &cases {
        let out = same_as_kubectl(&t, name, "cache");
        assert_eq!(out.status.success(), !name.starts_with("no-such"), "{name}: {}", text(&out.stderr));
        built.push((name, text(&out.stdout)));
    }
    let yaml = &built[0].1;
    assert!(yaml.contains(&format!("repo: {up}\n      ref: v1\n")) && yaml.contains("name: up-app-config"), "{yaml}");
    let (_, _, err) = build(&t, "no-such-ref", "cache", false);
    assert!(err.contains(&format!("{up} at ref 'nope'")) && err.contains("couldn't find remote ref nope"), "{err}");
    // A second build asks the server nothing for what a tag or a commit names (not even the
    // GET kustomize tries an http entry with first), and only `git ls-remote`'s question for a
    // branch.
    server.take_requests();
    for (name, yaml) in built.iter().take(3).filter(|(name, _)| **name != "branch") {
        assert_eq!(build(&t, name, "cache", false), (true, yaml.clone(), String::new()), "{name}");
    }
    assert_eq!(server.take_requests(), Vec::<String>::new());
    // A URL whose repository lacks the directory is asked for as a file again (it may be one).
    assert!(!build(&t, "no-such-dir", "cache", false).0);
    assert_eq!(server.take_requests(), ["GET /up.git//nope?ref=v1"]);
    // explain names what the base brought by its URL, not by its place in the cache.
    let dir = t.path("tag");
    let explained = kcompile(&["explain", dir.to_str().unwrap(), "--cache-dir", t.path("cache").to_str().unwrap()]);
    let explained = text(&explained.stdout);
    assert!(
        explained.contains(&format!("# {up}//base/cm.yaml?ref=v1:6\n"))
            && explained.contains(&format!("# namePrefix {up}//overlay/kustomization.yaml?ref=v1:1\n"))
            && !explained.contains("cache"),
        "{explained}"
    );
    assert_eq!(build(&t, "branch", "cache", false), (true, built[1].1.clone(), String::new()));
    assert_eq!(
        server.take_requests(),
        ["GET /up.git/info/refs?service=git-upload-pack", "POST /up.git/git-upload-pack"]
    );
    drop(server);
    // The server is gone: what a tag or a commit names builds from the cache; a branch is
    // resolved again, which fails, unless --offline.
    for (name, yaml) in &built[..4] {
        let offline = **name == "branch";
        assert_eq!(build(&t, name, "cache", offline), (true, yaml.clone(), String::new()), "{name}");
    }
    let (ok, _, err) = build(&t, "branch", "cache", false);
    assert!(!ok && err.contains("ls-remote") && err.contains(&format!("{up} at ref 'main'")), "{err}");
}

#[test]
fn http_files_are_cached_as_their_headers_say_and_offline_reads_the_cache() {
    let t = Tree::new("http-cache");
    let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let log = asked.clone();
    // `fresh.yaml` may be kept an hour; `etag.yaml` must be revalidated (it answers a matching
    // If-None-Match with 304); `plain.yaml` says nothing, so it is fetched again each time.
    let server = Server::start(move |request| {
        let etag = "\"v1\"".to_string();
        let (status, headers): (&str, Vec<(String, String)>) = match request.target.as_str() {
            "/fresh.yaml" => ("200 OK", vec![("Cache-Control".into(), "public, max-age=3600".into())]),
            "/etag.yaml" if request.header("if-none-match") == etag => ("304 Not Modified", Vec::new()),
            "/etag.yaml" => ("200 OK", vec![("ETag".into(), etag), ("Cache-Control".into(), "no-cache".into())]),
            "/plain.yaml" => ("200 OK", Vec::new()),
            _ => ("404 Not Found", Vec::new()),
        };
        log.lock().unwrap().push(format!("{} {status}", request.target));
        let name = request.target.trim_start_matches('/').trim_end_matches(".yaml");
        let body =
            if status == "200 OK" { CM.replace("app-config", name).replace("VERSION", "1") } else { String::new() };
        (status.to_string(), headers, body.into_bytes())
    });
    let list = |paths: &[&str]| {
        let entries: String = paths.iter().map(|p| format!("- {}\n", server.url(p))).collect();
        format!("resources:\n{entries}")
    };
    t.write("all/kustomization.yaml", &list(&["/fresh.yaml", "/etag.yaml", "/plain.yaml"]));
    t.write("fresh/kustomization.yaml", &list(&["/fresh.yaml"]));
    t.write("never/kustomization.yaml", &list(&["/never.yaml"]));
    let first = same_as_kubectl(&t, "all", "cache");
    assert!(first.status.success(), "{}", text(&first.stderr));
    let all = text(&first.stdout);
    asked.lock().unwrap().clear();
    assert_eq!(build(&t, "all", "cache", false), (true, all.clone(), String::new()));
    // (Fetched in parallel, in any order.)
    asked.lock().unwrap().sort();
    assert_eq!(*asked.lock().unwrap(), ["/etag.yaml 304 Not Modified", "/plain.yaml 200 OK"]);
    let (ok, fresh, err) = build(&t, "fresh", "cache", false);
    assert!(ok && fresh.contains("name: fresh"), "{err}");
    drop(server);
    // No server: a fresh file needs none; --offline takes whatever is cached, and names what
    // is not.
    assert_eq!(build(&t, "fresh", "cache", false), (true, fresh, String::new()));
    let (ok, _, err) = build(&t, "all", "cache", false);
    assert!(!ok && err.contains("cannot fetch 'http://127.0.0.1:") && err.contains("--offline"), "{err}");
    assert_eq!(build(&t, "all", "cache", true), (true, all, String::new()));
    let (ok, _, err) = build(&t, "never", "cache", true);
    assert!(!ok && err.contains("/never.yaml' is not in the cache"), "{err}");
}
