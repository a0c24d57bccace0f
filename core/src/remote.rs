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

use crate::error::Error;
use std::time::Duration;

/// A git repository named by a kustomization entry, and where in it the kustomization lies.
// `raw`, `timeout` and `submodules` are for the fetcher that is still to come (issue 17).
#[cfg_attr(not(test), allow(dead_code))]
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

/// The error for a remote target kcompile cannot load yet, naming what kustomize would fetch.
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
        Error::new(format!("{what}: remote resources are not supported by kcompile yet"))
            .help("vendor the remote tree into the repository (for example with `git subtree` or a copy) and list it by its local path")
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
