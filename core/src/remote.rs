//! Remote targets: how a `resources:` or `components:` entry names a git repository or an HTTP
//! file, read exactly as kustomize v5.5.0 reads it.
//!
//! kustomize tries every entry first as a file (an `http://` or `https://` URL is fetched), then
//! as a base: a directory, or a git repository when the entry parses as one ([`RepoSpec::parse`]).
//! The forms it accepts:
//!
//! - a scheme `https://`, `http://`, `ssh://` or `file://` (any case), or none for scp-style
//!   `user@host:path` and the GitHub shorthand `github.com/org/repo`; a leading `git::` is
//!   dropped;
//! - the repository ends at `_git/<repo>` (Azure), else at `//`, else after the first `.git`,
//!   else after two path segments (`org/repo`; all of them for `file://`); what follows is the
//!   directory of the kustomization inside the repository, which may not climb out of it;
//! - the query: `ref=` (or `version=`; `ref` wins), `timeout=` (seconds, or a Go duration such
//!   as `1m30s`; 27 s when absent or not positive), `submodules=` (a Go boolean; true when
//!   absent). A query that does not parse gives the defaults.
//!
//! GitHub hosts are normalised: `github.com/...` and `https://github.com/...` clone from
//! `https://github.com/`, `ssh://` or a user name from `<user>@github.com:`.
//!
//! The core fetches nothing itself: a build is given a [`Fetcher`] (`Options::fetcher`; the CLI's
//! runs `git` and an HTTP client, tests and embedders can serve directories from anywhere the
//! build's `FileSystem` reads). Without one, a remote entry is an error ([`unsupported`]).
//! A remote tree is built as kustomize builds a clone: every kustomization in it reads only files
//! in or below its own directory, whatever the load restrictor, and its bases must lie inside
//! the checkout. The origin annotation of what it brings names the repository and ref
//! ([`RemoteOrigin`]).

use crate::error::Error;
use camino::{Utf8Path, Utf8PathBuf};
use std::time::Duration;

/// Fetches what remote entries name, for a build. Implementations must be safe to call from
/// several builds at once.
pub trait Fetcher: Send + Sync + std::fmt::Debug {
    /// Makes `spec`'s repository available at `spec.git_ref` (the remote's default branch when
    /// empty): the directory of its root, readable through the build's `FileSystem`.
    fn repo(&self, spec: &RepoSpec) -> Result<Checkout, Error>;
    /// The body of an `http://` or `https://` URL.
    fn file(&self, url: &str) -> Result<Vec<u8>, FileError>;
    /// The remote entries of a kustomization, told as the build enters it and before it asks
    /// for each through [`Fetcher::repo`] or [`Fetcher::file`] (in its order, which may not
    /// ask for all: a build stops at its first error): a fetcher may start fetching them, in
    /// parallel, and have each call wait for its own. Does nothing by default.
    fn prefetch(&self, wanted: &[Wanted]) {
        let _ = wanted;
    }
}

/// A remote entry a build will ask a [`Fetcher`] for (see [`Fetcher::prefetch`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Wanted {
    /// A repository (a remote base or component).
    Repo(RepoSpec),
    /// An `http://` or `https://` resource: fetched as a file, and when that fails with an
    /// error status and the URL reads as a repository, that repository.
    File(String),
}

/// A repository checked out by a [`Fetcher`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkout {
    /// The repository's root directory.
    pub dir: Utf8PathBuf,
    /// The commit checked out (as the fetcher knows it; informational).
    pub commit: String,
}

/// Why [`Fetcher::file`] returned no body.
#[derive(Debug)]
pub enum FileError {
    /// The server answered with this status, outside 200..=299.
    Status(u16),
    /// Anything else: no connection, a time-out, a body too large.
    Failed(Error),
}

/// Where a resource brought by a remote entry came from, as kustomize's origin annotation
/// says it: the repository (`repo:`), the ref as written (`ref:`), and the path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteOrigin {
    /// The clone URL (empty for an HTTP file that names no repository).
    pub repo: String,
    /// The ref as written in the entry (empty when none).
    pub git_ref: String,
    /// The checkout's root (real path): paths are given from there.
    pub root: Utf8PathBuf,
    /// What kustomize puts before those paths: `notCloned/` when the entry named the
    /// repository's root (kustomize's placeholder for the clone directory leaks into the
    /// annotation), else nothing.
    pub prefix: &'static str,
    /// The path itself, for an HTTP file (then `root` is unused).
    pub fixed_path: Option<String>,
}

impl RemoteOrigin {
    /// The origin of a tree checked out at `root` for `spec`.
    pub fn of_repo(spec: &RepoSpec, root: Utf8PathBuf) -> RemoteOrigin {
        RemoteOrigin {
            repo: spec.clone_url(),
            git_ref: spec.git_ref.clone(),
            root,
            prefix: if spec.kust_path.is_empty() { "notCloned/" } else { "" },
            fixed_path: None,
        }
    }

    /// The origin of an HTTP file `url` listed by a kustomization whose own origin is `outer`
    /// (a repository, or none) and whose path, as kustomize tracks it, is `dir_path`. kustomize
    /// reads the URL as a repository when it can: `repo:` is then its clone URL and the path the
    /// part after the repository (`notCloned` when none); else the URL is joined to the path as
    /// if it were a relative file name.
    pub fn of_file(url: &str, outer: Option<&RemoteOrigin>, dir_path: &str) -> RemoteOrigin {
        let (repo, git_ref, path) = match RepoSpec::parse(url) {
            Ok(spec) => {
                let path = if spec.kust_path.is_empty() { "notCloned".to_string() } else { spec.kust_path.clone() };
                (spec.clone_url(), spec.git_ref, path)
            }
            Err(_) => {
                let (repo, git_ref) = outer.map(|o| (o.repo.clone(), o.git_ref.clone())).unwrap_or_default();
                let joined = crate::fs::normalize(&Utf8Path::new(dir_path).join(url));
                (repo, git_ref, joined.into_string())
            }
        };
        RemoteOrigin { repo, git_ref, root: Utf8PathBuf::new(), prefix: "", fixed_path: Some(path) }
    }

    /// The path of the file `real` (in the checkout) as the annotation gives it.
    pub fn path_of(&self, real: &Utf8Path) -> String {
        match &self.fixed_path {
            Some(p) => p.clone(),
            None => {
                let rel = real.strip_prefix(&self.root).map(Utf8Path::as_str).unwrap_or(real.as_str());
                format!("{}{rel}", self.prefix)
            }
        }
    }

    /// The `repo:` and `ref:` lines of the annotation.
    pub fn repo_lines(&self) -> String {
        let mut s = String::new();
        if !self.repo.is_empty() {
            s.push_str(&format!("repo: {}\n", self.repo));
        }
        if !self.git_ref.is_empty() {
            s.push_str(&format!("ref: {}\n", self.git_ref));
        }
        s
    }
}

/// A git repository named by a kustomization entry, and where in it the kustomization lies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepoSpec {
    /// The entry as written.
    pub raw: String,
    /// Scheme, user and host, as git is given them: `https://github.com/`, `git@github.com:`,
    /// `file://`.
    pub host: String,
    /// The repository's path on the host: `org/repo`, `org/repo.git`, `/srv/git/repo`.
    pub repo_path: String,
    /// The kustomization's directory inside the repository (`""` for its root).
    pub kust_path: String,
    /// The branch, tag or commit to check out (`""`: the remote's default branch).
    pub git_ref: String,
    /// How long each git command may run.
    pub timeout: Duration,
    /// Whether submodules are cloned too.
    pub submodules: bool,
}

/// kustomize's default time limit for each git command.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(27);

const FILE: &str = "file://";
const SCHEMES: [&str; 4] = ["ssh://", "https://", "http://", FILE];

impl RepoSpec {
    /// Reads `entry` as a git repository, or says why it is not one (kustomize then treats
    /// the entry as a local directory).
    pub fn parse(entry: &str) -> Result<RepoSpec, String> {
        if entry.starts_with('/') {
            return Err(format!("uri looks like abs path: {entry}"));
        }
        let (rest, query) = entry.split_once('?').unwrap_or((entry, ""));
        let (git_ref, timeout, submodules) = parse_query(query);
        let (host, path) = split_host(rest)?;
        let whole = host.starts_with(FILE);
        let (repo_path, kust_path) = split_path(path, whole)?;
        Ok(RepoSpec { raw: entry.to_string(), host, repo_path, kust_path, git_ref, timeout, submodules })
    }

    /// What `git clone` or `git fetch` is given: host and repository path.
    pub fn clone_url(&self) -> String {
        format!("{}{}", self.host, self.repo_path)
    }
}

/// Whether kustomize fetches `entry` over HTTP as a file: its scheme (any case) is `http` or
/// `https`.
pub fn is_remote_file(entry: &str) -> bool {
    let Some((scheme, _)) = entry.split_once(':') else { return false };
    (scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https"))
        && !entry.bytes().any(|b| b < 0x20 || b == 0x7f)
}

/// The error for a remote target in a build given no [`Fetcher`], naming what kustomize would
/// fetch.
pub fn unsupported(entry: &str) -> Option<Error> {
    let spec = RepoSpec::parse(entry).ok();
    let repo = spec.as_ref().map(|spec| {
        let at = match spec.git_ref.as_str() {
            "" => String::new(),
            r => format!(" at ref '{r}'"),
        };
        let dir = match spec.kust_path.as_str() {
            "" => String::new(),
            d => format!(", directory '{d}'"),
        };
        format!("{}{at}{dir}", spec.clone_url())
    });
    // kustomize fetches an HTTP URL as a file first, and clones it when that is not YAML.
    let what = match (is_remote_file(entry), repo) {
        (true, Some(repo)) => {
            format!("'{entry}' is a remote file or git repository (kustomize fetches it over HTTP, else clones {repo})")
        }
        (true, None) => format!("'{entry}' is a remote file (kustomize fetches it over HTTP)"),
        (false, Some(repo)) => format!("'{entry}' is a remote git repository ({repo})"),
        (false, None) => return None,
    };
    Some(
        Error::new(format!("{what}: this build has no fetcher for remote resources"))
            .help("give the build a Fetcher (Options::fetcher; the kcompile command line fetches with git), or vendor the remote tree into the repository and list it by its local path")
            .with_kind(crate::ErrorKind::Unsupported),
    )
}

/// Strips `prefix` from `s` when `s` starts with it in any case.
fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &s[prefix.len()..])
}

/// Splits scheme, user and host from the path, as kustomize's `extractHost` does.
fn split_host(entry: &str) -> Result<(String, &str), String> {
    let n = strip_prefix_ignore_case(entry, "git::").unwrap_or(entry);
    let (scheme, n) =
        SCHEMES.iter().find_map(|s| strip_prefix_ignore_case(n, s).map(|rest| (*s, rest))).unwrap_or(("", n));
    let user_len = user_name_len(n);
    let (user, n) = n.split_at(user_len);
    let github =
        n.get(..11).is_some_and(|h| h.eq_ignore_ascii_case("github.com/") || h.eq_ignore_ascii_case("github.com:"));
    let scp = scheme.is_empty() && (!user.is_empty() || github);
    if scheme.is_empty() && !scp {
        return Err("failed to parse scheme".to_string());
    }
    if scheme == FILE {
        // Everything after `file://`, a user-looking part included, is the repository's path.
        let path_start = entry.len() - n.len() - user.len();
        return Ok((FILE.to_string(), &entry[path_start..]));
    }
    let slash = n.find('/');
    let sep = match (scp, n.find(':')) {
        (true, Some(colon)) if colon > 0 && slash.is_none_or(|s| colon < s) => Some(colon),
        _ => slash,
    };
    let (mut host, rest) = match sep {
        Some(i) => (&n[..=i], &n[i + 1..]),
        None => (n, ""),
    };
    let (mut scheme, mut user) = (scheme, user);
    if github {
        if scheme.starts_with("ssh://") || !user.is_empty() {
            (scheme, host) = ("", "github.com:");
        } else {
            (scheme, user, host) = ("https://", "", "github.com/");
        }
    }
    if host.is_empty() {
        return Err("failed to parse host segment".to_string());
    }
    Ok((format!("{scheme}{user}{host}"), rest))
}

/// The length of a leading `name@` (a letter, then letters, digits and dashes).
fn user_name_len(s: &str) -> usize {
    let b = s.as_bytes();
    if !b.first().is_some_and(u8::is_ascii_alphabetic) {
        return 0;
    }
    let end = b.iter().position(|c| !(c.is_ascii_alphanumeric() || *c == b'-')).unwrap_or(b.len());
    if b.get(end) == Some(&b'@') {
        end + 1
    } else {
        0
    }
}

/// Splits the repository's path from the kustomization's directory inside it.
fn split_path(n: &str, whole: bool) -> Result<(String, String), String> {
    let (repo, kust) = if let Some(i) = n.find("_git/") {
        // Azure: the repository is the segment after `_git/`.
        let after = &n[i + 5..];
        let (first, rest) = after.split_once('/').unwrap_or((after, ""));
        (format!("{}{first}", &n[..i + 5]), rest.to_string())
    } else if let Some(i) = n.find("//") {
        (n[..i].to_string(), n[i + 2..].to_string())
    } else if let Some(i) = n.find(".git") {
        (n[..i + 4].to_string(), n[i + 4..].to_string())
    } else if whole {
        (n.to_string(), String::new())
    } else {
        let segments: Vec<&str> = n.split('/').collect();
        if segments.len() < 2 {
            return Err("failed to parse repo path segment".to_string());
        }
        (segments[..2].join("/"), segments[2..].join("/"))
    };
    if repo.is_empty() {
        return Err("failed to parse repo path segment".to_string());
    }
    if climbs_out(&kust) {
        return Err(format!("url path exits repo: {n}"));
    }
    Ok((repo, kust.strip_prefix('/').unwrap_or(&kust).to_string()))
}

/// Whether a path inside the repository, once cleaned, starts with `..`.
fn climbs_out(path: &str) -> bool {
    let mut depth: Vec<&str> = Vec::new();
    for seg in path.strip_prefix('/').unwrap_or(path).split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if depth.pop().is_none() {
                    return true;
                }
            }
            s => depth.push(s),
        }
    }
    false
}

/// `ref`, `timeout` and `submodules` from the query; the defaults when it does not parse.
fn parse_query(query: &str) -> (String, Duration, bool) {
    let defaults = (String::new(), DEFAULT_TIMEOUT, true);
    let mut pairs: Vec<(String, String)> = Vec::new();
    for part in query.split('&') {
        if part.is_empty() {
            continue;
        }
        if part.contains(';') {
            return defaults;
        }
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let (Some(k), Some(v)) = (unescape(k), unescape(v)) else { return defaults };
        pairs.push((k, v));
    }
    let get = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or("");
    let git_ref = match get("ref") {
        "" => get("version"),
        r => r,
    };
    let timeout = match get("timeout") {
        "" => DEFAULT_TIMEOUT,
        t => match t.parse::<i64>() {
            Ok(secs) if secs > 0 => Duration::from_secs(secs as u64),
            _ => go_duration(t).filter(|d| !d.is_zero()).unwrap_or(DEFAULT_TIMEOUT),
        },
    };
    let submodules = match get("submodules") {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => true,
        "0" | "f" | "F" | "FALSE" | "false" | "False" => false,
        _ => true,
    };
    (git_ref.to_string(), timeout, submodules)
}

/// Decodes a query component: `+` is a space, `%XX` a byte; `None` on a bad escape or text
/// that is not UTF-8 once decoded.
fn unescape(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// A positive Go duration (`90s`, `1m30s`, `1.5h`, `250ms`); `None` when it is not one.
fn go_duration(s: &str) -> Option<Duration> {
    let s = s.strip_prefix('+').unwrap_or(s);
    if s.starts_with('-') || s.is_empty() {
        return None;
    }
    if s == "0" {
        return Some(Duration::ZERO);
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let (num, after) = rest.split_at(num_len);
        if num.is_empty() || num == "." {
            return None;
        }
        let value: f64 = num.parse().ok()?;
        let unit_len = after.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_len);
        let nanos = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        total += value * nanos;
        rest = next;
    }
    (total <= u64::MAX as f64).then(|| Duration::from_nanos(total as u64))
}

#[cfg(test)]
mod fetch_tests {
    use super::*;
    use crate::{build, LoadRestrictor, MemFs, Options};
    use std::sync::{Arc, Mutex};

    /// Serves repositories and HTTP files from a [`MemFs`], recording what it was asked.
    #[derive(Debug, Default)]
    struct Served {
        /// `(clone URL, ref)` → checkout directory.
        repos: Vec<((String, String), String)>,
        /// URL → body, or a status.
        files: Vec<(String, Result<String, u16>)>,
        asked: Mutex<Vec<String>>,
    }

    impl Fetcher for Served {
        fn repo(&self, spec: &RepoSpec) -> Result<Checkout, Error> {
            self.asked.lock().unwrap().push(format!("repo {} {}", spec.clone_url(), spec.git_ref));
            let key = (spec.clone_url(), spec.git_ref.clone());
            let dir = self.repos.iter().find(|(k, _)| *k == key).map(|(_, d)| d.clone());
            let dir = dir.ok_or_else(|| Error::new(format!("no repository {}", spec.clone_url())))?;
            Ok(Checkout { dir: dir.into(), commit: "c0ffee".into() })
        }

        fn file(&self, url: &str) -> Result<Vec<u8>, FileError> {
            self.asked.lock().unwrap().push(format!("file {url}"));
            match self.files.iter().find(|(u, _)| u == url).map(|(_, r)| r.clone()) {
                Some(Ok(body)) => Ok(body.into_bytes()),
                Some(Err(code)) => Err(FileError::Status(code)),
                None => Err(FileError::Failed(Error::new(format!("connection refused: {url}")))),
            }
        }
    }

    fn cm(name: &str) -> String {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n")
    }

    /// A checkout of `file:///srv/repo.git` at `/cache/repo`: a root kustomization listing
    /// `base` and `top.yaml`, and `base` listing `cm.yaml`.
    fn repo_fs() -> MemFs {
        MemFs::new()
            .with("cache/repo/kustomization.yaml", "resources:\n- base\n- top.yaml\n")
            .with("cache/repo/top.yaml", cm("top"))
            .with("cache/repo/base/kustomization.yaml", "resources:\n- cm.yaml\n")
            .with("cache/repo/base/cm.yaml", cm("remote-cm"))
    }

    fn serving(repos: &[(&str, &str)], files: Vec<(String, Result<String, u16>)>) -> Arc<Served> {
        let repos = repos
            .iter()
            .map(|(url, dir)| {
                let (url, r) = url.split_once('@').unwrap_or((url, ""));
                ((url.to_string(), r.to_string()), dir.to_string())
            })
            .collect();
        Arc::new(Served { repos, files, asked: Mutex::default() })
    }

    /// Serves `file:///srv/repo.git` from [`repo_fs`]'s checkout, and no HTTP file.
    fn one_repo() -> Arc<Served> {
        serving(&[("file:///srv/repo.git", "/cache/repo")], vec![])
    }

    fn options(f: &Arc<Served>) -> Options {
        Options { fetcher: Some(f.clone()), ..Options::default() }
    }

    /// `/app` built with the fetcher `f`: the output.
    fn build_yaml(fs: &MemFs, f: &Arc<Served>) -> String {
        build(fs, "/app".into(), &options(f)).unwrap().yaml()
    }

    /// `/app` built with the fetcher `f`, which must fail: the error.
    fn build_error(fs: &MemFs, f: &Arc<Served>) -> String {
        build(fs, "/app".into(), &options(f)).unwrap_err().to_string()
    }

    #[test]
    fn a_remote_base_is_built_from_its_checkout_with_kustomize_origin_annotations() {
        let f = serving(&[("file:///srv/repo.git", "/cache/repo"), ("file:///srv/repo.git@v1", "/cache/repo")], vec![]);
        let fs = repo_fs()
            .with("app/kustomization.yaml", "buildMetadata: [originAnnotations]\nresources:\n- file:///srv/repo.git\n");
        let out = build_yaml(&fs, &f);
        // What `kubectl kustomize` prints: kustomize's placeholder for the clone directory
        // leaks into the path when the entry names the repository's root.
        assert!(out.contains("      path: notCloned/base/cm.yaml\n      repo: file:///srv/repo.git\n"), "{out}");
        assert!(out.contains("      path: notCloned/top.yaml\n"), "{out}");
        let fs = fs.with(
            "app/kustomization.yaml",
            "buildMetadata: [originAnnotations]\nresources:\n- file:///srv/repo.git//base?ref=v1\n",
        );
        let out = build_yaml(&fs, &f);
        assert!(out.contains("      path: base/cm.yaml\n      repo: file:///srv/repo.git\n      ref: v1\n"), "{out}");
        assert_eq!(f.asked.lock().unwrap().as_slice(), ["repo file:///srv/repo.git ", "repo file:///srv/repo.git v1"]);
    }

    #[test]
    fn transformations_configured_in_a_remote_tree_name_its_repository() {
        let f = one_repo();
        let fs = repo_fs().with("cache/repo/base/kustomization.yaml", "namePrefix: up-\nresources:\n- cm.yaml\n").with(
            "app/kustomization.yaml",
            "buildMetadata: [transformerAnnotations]\nnamespace: ns\nresources:\n- file:///srv/repo.git//base\n",
        );
        let out = build_yaml(&fs, &f);
        // As `kubectl kustomize` prints it: the remote one first, then the local one.
        let expected = "      - repo: file:///srv/repo.git\n        configuredIn: base/kustomization.yaml\n        configuredBy:\n          apiVersion: builtin\n          kind: PrefixTransformer\n      - configuredIn: kustomization.yaml\n";
        assert!(out.contains(expected), "{out}");
    }

    #[test]
    fn a_remote_kustomization_reads_nothing_outside_its_directory_whatever_the_restrictor() {
        let f = one_repo();
        let fs = repo_fs()
            .with("cache/repo/base/kustomization.yaml", "resources:\n- ../top.yaml\n")
            .with("app/kustomization.yaml", "resources:\n- file:///srv/repo.git//base\n");
        let opts = Options { load_restrictor: LoadRestrictor::Unrestricted, ..options(&f) };
        let err = build(&fs, "/app".into(), &opts).unwrap_err().to_string();
        assert!(err.contains("is not in or below '/cache/repo/base'"), "{err}");
        // The local tree keeps the restrictor it was given.
        let fs = fs.with("app/kustomization.yaml", "resources:\n- ../elsewhere.yaml\n").with("elsewhere.yaml", cm("x"));
        assert!(build(&fs, "/app".into(), &opts).is_ok());
    }

    #[test]
    fn a_base_of_a_remote_tree_must_lie_inside_its_checkout() {
        let f = one_repo();
        let fs = repo_fs()
            .with("cache/repo/kustomization.yaml", "resources:\n- ../../local\n")
            .with("local/kustomization.yaml", "resources:\n- cm.yaml\n")
            .with("local/cm.yaml", cm("local"))
            .with("app/kustomization.yaml", "resources:\n- file:///srv/repo.git\n");
        let err = build_error(&fs, &f);
        assert!(err.contains("must be within the repo") && err.contains("'/local' is outside '/cache/repo'"), "{err}");
    }

    #[test]
    fn the_kustomization_path_must_be_a_directory_of_the_checkout() {
        let f = one_repo();
        let fs = repo_fs().with("app/kustomization.yaml", "resources:\n- file:///srv/repo.git//top.yaml\n");
        let err = build_error(&fs, &f);
        assert!(err.contains("refers to file 'top.yaml'; expecting directory"), "{err}");
        let fs = fs.with("app/kustomization.yaml", "resources:\n- file:///srv/repo.git//nope\n");
        let err = build_error(&fs, &f);
        assert!(err.contains("'nope' does not exist in file:///srv/repo.git (commit c0ffee)"), "{err}");
    }

    #[test]
    fn a_repository_that_lists_itself_is_a_cycle() {
        let f = one_repo();
        let fs = repo_fs()
            .with("cache/repo/base/kustomization.yaml", "resources:\n- file:///srv/repo.git\n")
            .with("app/kustomization.yaml", "resources:\n- file:///srv/repo.git//base\n");
        let err = build_error(&fs, &f);
        assert!(err.contains("cycle detected: URI 'file:///srv/repo.git' referenced by previous URI"), "{err}");
    }

    #[test]
    fn a_remote_component_is_applied_and_must_be_a_component() {
        let f = one_repo();
        let component = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nnamePrefix: c-\n";
        let fs = repo_fs()
            .with("cache/repo/comp/kustomization.yaml", component)
            .with("app/cm.yaml", cm("local"))
            .with("app/kustomization.yaml", "resources:\n- cm.yaml\ncomponents:\n- file:///srv/repo.git//comp\n");
        let out = build_yaml(&fs, &f);
        assert!(out.contains("name: c-local"), "{out}");
        let fs = fs.with("app/kustomization.yaml", "components:\n- file:///srv/repo.git//base\n");
        let err = build_error(&fs, &f);
        assert!(err.contains("only kind 'Component' may be used in 'components'"), "{err}");
    }

    #[test]
    fn an_http_entry_is_a_file_first_then_a_repository() {
        let url = "https://example.com/org/repo/top.yaml";
        let f = serving(
            &[("https://example.com/org/repo", "/cache/repo")],
            vec![(url.to_string(), Ok(cm("fetched"))), ("https://example.com/x.yaml".into(), Err(404))],
        );
        let kust = |entry: &str| format!("buildMetadata: [originAnnotations]\nresources:\n- {entry}\n");
        let fs = repo_fs().with("app/kustomization.yaml", kust(url));
        let out = build_yaml(&fs, &f);
        assert!(out.contains("name: fetched"), "{out}");
        // kustomize reads the URL as a repository for the annotation.
        assert!(out.contains("      path: top.yaml\n      repo: https://example.com/org/repo\n"), "{out}");
        // A status outside 2xx on a URL that is no repository is the error.
        let fs = fs.with("app/kustomization.yaml", kust("https://example.com/x.yaml"));
        let err = build_error(&fs, &f);
        assert!(err.contains("HTTP Error: status code 404 (Not Found)"), "{err}");
        // A URL that fails as a file and reads as a repository is cloned.
        let fs = fs.with("app/kustomization.yaml", kust("https://example.com/org/repo"));
        let out = build_yaml(&fs, &f);
        assert!(out.contains("name: remote-cm") && out.contains("name: top"), "{out}");
    }

    #[test]
    fn explain_names_fetched_files_by_their_url_not_by_their_place_in_the_cache() {
        let body = cm("from-http");
        let f = serving(
            &[("file:///srv/repo.git@v1", "/cache/repo")],
            vec![("https://example.com/x/top.yaml".into(), Ok(body))],
        );
        let fs = repo_fs().with("cache/repo/base/kustomization.yaml", "namePrefix: up-\nresources:\n- cm.yaml\n").with(
            "app/kustomization.yaml",
            "resources:\n- file:///srv/repo.git//base?ref=v1\n- https://example.com/x/top.yaml\n- local.yaml\n",
        );
        let fs = fs.with("app/local.yaml", cm("local"));
        let options = crate::ExplainOptions::default().with_build(options(&f));
        let text = crate::explain(&fs, "/app".into(), &options).unwrap().text();
        // Each line with its columns of spaces made one space.
        let lines: Vec<String> = text.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
        let has = |line: &str| lines.iter().any(|l| l == line);
        assert!(has("kind: ConfigMap # file:///srv/repo.git//base/cm.yaml?ref=v1:2"), "{text}");
        assert!(
            has("name: up-remote-cm # namePrefix file:///srv/repo.git//base/kustomization.yaml?ref=v1:1"),
            "{text}"
        );
        assert!(has("name: from-http # https://example.com/x/top.yaml:4"), "{text}");
        // The local files are named from the root, as without remote bases.
        assert!(has("name: local # local.yaml:4"), "{text}");
        assert!(!text.contains("cache"), "{text}");
    }

    #[test]
    fn a_file_a_kustomization_names_by_url_is_fetched_wherever_kustomize_reads_a_file() {
        let patch = "https://example.com/patch.yaml";
        let config = "https://example.com/prefix.yaml";
        let f = serving(
            &[],
            vec![
                (
                    patch.into(),
                    Ok("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  k: patched\n".into()),
                ),
                (config.into(), Ok("namePrefix:\n- path: data/ref\n  kind: ConfigMap\n".into())),
                ("https://example.com/gone.yaml".into(), Err(404)),
            ],
        );
        let kust = |patch: &str| {
            format!("namePrefix: p-\nconfigurations:\n- {config}\nresources:\n- cm.yaml\npatches:\n- path: {patch}\n")
        };
        let fs = MemFs::new()
            .with("app/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  k: v\n  ref: x\n")
            .with("app/kustomization.yaml", kust(patch));
        // As `kubectl kustomize` builds it with both files served on 127.0.0.1.
        let out = build(&fs, "/app".into(), &options(&f)).unwrap().yaml();
        assert_eq!(out, "apiVersion: v1\ndata:\n  k: patched\n  ref: p-x\nkind: ConfigMap\nmetadata:\n  name: p-cm\n");
        let fs = fs.with("app/kustomization.yaml", kust("https://example.com/gone.yaml"));
        let err = build(&fs, "/app".into(), &options(&f)).unwrap_err().to_string();
        assert!(
            err.contains("HTTP Error: status code 404 (Not Found) fetching 'https://example.com/gone.yaml'"),
            "{err}"
        );
        // Without a fetcher the URL is not looked for on disk: the error says what it is.
        let err = build(&fs, "/app".into(), &Options::default()).unwrap_err().to_string();
        assert!(err.contains("is a remote file (kustomize fetches it over HTTP)"), "{err}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(entry, host, repo path, kustomization path, ref)`
    fn parts(entry: &str) -> (String, String, String, String) {
        let s = RepoSpec::parse(entry).unwrap_or_else(|e| panic!("{entry}: {e}"));
        (s.host, s.repo_path, s.kust_path, s.git_ref)
    }

    fn check(entry: &str, host: &str, repo: &str, kust: &str, git_ref: &str) {
        assert_eq!(
            parts(entry),
            (host.to_string(), repo.to_string(), kust.to_string(), git_ref.to_string()),
            "{entry}"
        );
    }

    #[test]
    fn github_forms_clone_from_one_normalised_host() {
        check("github.com/org/repo", "https://github.com/", "org/repo", "", "");
        check(
            "https://github.com/org/repo//config/default?ref=v1.2.0",
            "https://github.com/",
            "org/repo",
            "config/default",
            "v1.2.0",
        );
        check("github.com/org/repo/deploy/base?ref=main", "https://github.com/", "org/repo", "deploy/base", "main");
        check("git@github.com:org/repo.git/dir", "git@github.com:", "org/repo.git", "dir", "");
        check("ssh://github.com/org/repo", "github.com:", "org/repo", "", "");
        check("ssh://git@github.com/org/repo", "git@github.com:", "org/repo", "", "");
        check("GitHub.com/Org/Repo", "https://github.com/", "Org/Repo", "", "");
        check("git::https://github.com/org/repo//a?version=v2", "https://github.com/", "org/repo", "a", "v2");
    }

    #[test]
    fn other_hosts_keep_scheme_and_user() {
        check(
            "https://gitlab.com/group/project.git//k8s?ref=abc123",
            "https://gitlab.com/",
            "group/project.git",
            "k8s",
            "abc123",
        );
        check("http://example.com/a/b/c", "http://example.com/", "a/b", "c", "");
        check("ssh://git@example.com/path/to/repo.git", "ssh://git@example.com/", "path/to/repo.git", "", "");
        check("git@gitlab.com:group/repo.git", "git@gitlab.com:", "group/repo.git", "", "");
        check(
            "https://user@dev.azure.com/org/project/_git/repo/path/to/root",
            "https://user@dev.azure.com/",
            "org/project/_git/repo",
            "path/to/root",
            "",
        );
        check("HTTPS://Example.com/a/b", "https://Example.com/", "a/b", "", "");
    }

    #[test]
    fn file_urls_take_every_segment_unless_marked() {
        check("file:///srv/git/repo", "file://", "/srv/git/repo", "", "");
        check("file:///srv/git/repo//overlays/prod?ref=v1", "file://", "/srv/git/repo", "overlays/prod", "v1");
        check("file:///srv/repo.git/base", "file://", "/srv/repo.git", "base", "");
        check("file://me@/tmp/x", "file://", "me@/tmp/x", "", "");
    }

    #[test]
    fn ref_wins_over_version_and_the_query_has_defaults() {
        let s = RepoSpec::parse("github.com/o/r?version=a&ref=b&timeout=61&submodules=false").expect("parses");
        assert_eq!((s.git_ref.as_str(), s.timeout, s.submodules), ("b", Duration::from_secs(61), false));
        let s = RepoSpec::parse("github.com/o/r?timeout=1m30s&submodules=maybe").expect("parses");
        assert_eq!((s.timeout, s.submodules), (Duration::from_secs(90), true));
        for bad in ["0", "-5", "soon", "1x"] {
            let s = RepoSpec::parse(&format!("github.com/o/r?timeout={bad}")).expect("parses");
            assert_eq!(s.timeout, DEFAULT_TIMEOUT, "{bad}");
        }
        // A query Go cannot parse gives every default, the ref included.
        let s = RepoSpec::parse("github.com/o/r?ref=v1;x&submodules=0").expect("parses");
        assert_eq!((s.git_ref.as_str(), s.submodules), ("", true));
        let s = RepoSpec::parse("github.com/o/r?ref=release%2F1.0").expect("parses");
        assert_eq!(s.git_ref, "release/1.0");
    }

    #[test]
    fn local_paths_and_malformed_urls_are_not_repositories() {
        for entry in ["../base", "base", "overlays/prod", "/abs/path", "./x", "example.com/org/repo"] {
            assert!(RepoSpec::parse(entry).is_err(), "{entry} should stay local");
        }
        assert!(RepoSpec::parse("https://github.com/org").is_err(), "one segment is no repository");
        let e = RepoSpec::parse("https://github.com/org/repo//../../etc").expect_err("climbs out");
        assert!(e.contains("exits repo"), "{e}");
    }

    #[test]
    fn only_http_schemes_are_remote_files() {
        assert!(is_remote_file("https://raw.githubusercontent.com/o/r/main/crds.yaml"));
        assert!(is_remote_file("HTTP://example.com/x.yaml"));
        assert!(!is_remote_file("file:///tmp/x.yaml"));
        assert!(!is_remote_file("github.com/o/r"));
        assert!(!is_remote_file("base/deploy.yaml"));
    }

    #[test]
    fn clone_url_joins_host_and_repository() {
        let s = RepoSpec::parse("git@github.com:org/repo.git//dir?ref=v1").expect("parses");
        assert_eq!(s.clone_url(), "git@github.com:org/repo.git");
        assert_eq!(RepoSpec::parse("github.com/org/repo").expect("parses").clone_url(), "https://github.com/org/repo");
    }
}
