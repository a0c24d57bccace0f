//! The CLI's [`Fetcher`]: remote bases through the `git` command line (as kustomize does),
//! HTTP(S) files through `ureq`, and a cache of checkouts so that a second build fetches nothing.
//!
//! The cache (`--cache-dir`, else `$XDG_CACHE_HOME/kcompile`, else `~/.cache/kcompile`) holds,
//! for each clone URL, a directory `git/<url>-<hash>/` with
//! - one checkout per commit, `<commit>/` (`<commit>.nosub/` when `?submodules=false`), made the
//!   way kustomize clones (`git init`, `git fetch --depth=1 URL REF`, `git checkout FETCH_HEAD`,
//!   `git submodule update --init --recursive`) in a temporary directory beside it and renamed
//!   into place, so that builds running at the same time never see half a checkout;
//! - `refs/<ref>`: the commit a ref resolved to and whether it was a tag, a commit or a branch.
//!
//! and for each HTTP file a file `http/<url>-<hash>`: a few lines (when it was fetched, its
//! `Cache-Control: max-age`, its `ETag` and `Last-Modified`), a blank line, the body. It is used
//! as it is while `max-age` lasts, then revalidated with a conditional request (a `304` costs no
//! body); a response saying `no-store` is not kept. kustomize fetches such files on every build.
//! Beside it, `http/<url>-<hash>.repository` holds the error status of an http(s) URL that reads
//! as a repository (kustomize asks for it as a file before cloning it) once its checkout holds
//! the directory it names: it is not asked again.
//!
//! A tag or a commit found there needs no network. A branch (or the default branch) is resolved
//! again with `git ls-remote` on each build, unless `--offline`; a commit already checked out is
//! not fetched again. With `--offline`, whatever is cached is used however old, and whatever is
//! not is an error naming the URL.
//! Each git command is bounded by the entry's `?timeout=` (kustomize's 27 s by default).

use camino::{Utf8Path, Utf8PathBuf};
use kcompile::{Checkout, Error, Fetcher, FileError, RepoSpec, Wanted};
use std::collections::HashMap;
use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The largest HTTP body read (a build reads at most this much of all its files by default).
const MAX_HTTP_BODY: u64 = 64 << 20;
/// The time limit of one HTTP request.
const HTTP_TIMEOUT: Duration = Duration::from_secs(60);

/// Fetches with `git` and `ureq`, caching checkouts under `cache`.
#[derive(Debug)]
pub struct GitFetcher {
    cache: Option<Utf8PathBuf>,
    offline: bool,
    /// What this process already resolved: `(clone URL, ref, submodules)` → checkout.
    seen: Mutex<HashMap<(String, String, bool), Checkout>>,
    /// The HTTP files this process already fetched: URL → body.
    bodies: Mutex<HashMap<String, Vec<u8>>>,
    /// The http(s) URLs that read as repositories and answered this process with an error
    /// status as files: URL → status (remembered in the cache once the repository is checked
    /// out, see `repo`).
    not_files: Mutex<HashMap<String, u16>>,
}

impl GitFetcher {
    /// A fetcher caching in `cache_dir`, or in the default cache directory when `None`.
    pub fn new(cache_dir: Option<Utf8PathBuf>, offline: bool) -> GitFetcher {
        GitFetcher {
            cache: cache_dir.or_else(default_cache_dir),
            offline,
            seen: Mutex::default(),
            bodies: Mutex::default(),
            not_files: Mutex::default(),
        }
    }

    fn cache(&self) -> Result<&Utf8Path, Error> {
        self.cache.as_deref().ok_or_else(|| {
            Error::new("no cache directory for remote bases: neither XDG_CACHE_HOME nor HOME is set")
                .help("pass --cache-dir DIR")
        })
    }

    fn resolve(&self, spec: &RepoSpec) -> Result<Checkout, Error> {
        let url = spec.clone_url();
        let repo_dir = self.cache()?.join("git").join(url_dir_name(&url));
        let ref_file = repo_dir.join("refs").join(ref_file_name(&spec.git_ref));
        let suffix = if spec.submodules { "" } else { ".nosub" };
        let checkout_of = |commit: &str| repo_dir.join(format!("{commit}{suffix}"));
        let cached = |commit: &str| {
            let dir = checkout_of(commit);
            dir.is_dir().then(|| Checkout { dir, commit: commit.to_string() })
        };
        let pinned = read_ref(&ref_file);
        if let Some((commit, kind)) = &pinned {
            if kind != "branch" || self.offline {
                if let Some(c) = cached(commit) {
                    return Ok(c);
                }
            }
        }
        if is_full_commit(&spec.git_ref) {
            if let Some(c) = cached(&spec.git_ref) {
                return Ok(c);
            }
        }
        let at = describe(&url, &spec.git_ref);
        if self.offline {
            return Err(Error::new(format!("--offline: {at} is not in the cache ({repo_dir})"))
                .help("build once without --offline to fetch it, or check --cache-dir"));
        }
        let mut git = Git { timeout: spec.timeout, at: &at, hint: None };
        // The commit the ref names now, when the remote lists it (a tag, a branch, HEAD).
        let listed = if is_full_commit(&spec.git_ref) {
            None
        } else {
            let (listed, names) = git.ls_remote(&url, &spec.git_ref)?;
            if listed.is_none() && !spec.git_ref.is_empty() {
                // git is left to say whether it can fetch the ref all the same (a commit).
                git.hint = Some(unknown_ref_hint(&spec.git_ref, &names));
            }
            listed
        };
        if let Some((commit, kind)) = &listed {
            if let Some(c) = cached(commit) {
                write_ref(&ref_file, commit, kind);
                return Ok(c);
            }
        }
        std::fs::create_dir_all(&repo_dir)
            .map_err(|e| Error::new(format!("cannot create the cache directory {repo_dir}: {e}")))?;
        let tmp = repo_dir.join(format!(".tmp-{}-{}", std::process::id(), nanos()));
        let fetched = git.clone_into(&tmp, &url, &spec.git_ref, spec.submodules);
        let commit = match fetched {
            Ok(commit) => commit,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&tmp);
                return Err(e);
            }
        };
        let dir = checkout_of(&commit);
        if std::fs::rename(&tmp, &dir).is_err() {
            // Another build put the same commit in place first.
            let _ = std::fs::remove_dir_all(&tmp);
            if !dir.is_dir() {
                return Err(Error::new(format!("cannot move the checkout of {at} into the cache at {dir}")));
            }
        }
        let kind = listed.map_or("commit", |(_, kind)| kind);
        write_ref(&ref_file, &commit, kind);
        Ok(Checkout { dir, commit })
    }
}

impl Fetcher for GitFetcher {
    fn repo(&self, spec: &RepoSpec) -> Result<Checkout, Error> {
        let key = (spec.clone_url(), spec.git_ref.clone(), spec.submodules);
        if let Some(c) = self.seen.lock().ok().and_then(|s| s.get(&key).cloned()) {
            return Ok(c);
        }
        let c = self.resolve(spec)?;
        if let Ok(mut s) = self.seen.lock() {
            s.insert(key, c.clone());
        }
        // The URL failed as a file, and it is a repository holding the directory it names:
        // later builds need not ask for it as a file.
        let status = self.not_files.lock().ok().and_then(|n| n.get(&spec.raw).copied());
        if let (Some(status), Some(marker)) = (status, self.repository_marker(&spec.raw)) {
            if c.dir.join(&spec.kust_path).is_dir() {
                write_atomically(&marker, format!("{status}\n").as_bytes());
            }
        }
        Ok(c)
    }

    fn file(&self, url: &str) -> Result<Vec<u8>, FileError> {
        if let Some(body) = self.bodies.lock().ok().and_then(|b| b.get(url).cloned()) {
            return Ok(body);
        }
        if let Some(status) = self.not_files.lock().ok().and_then(|n| n.get(url).copied()) {
            return Err(FileError::Status(status));
        }
        let body = self.fetch_file(url)?;
        if let Ok(mut b) = self.bodies.lock() {
            b.insert(url.to_string(), body.clone());
        }
        Ok(body)
    }
}

impl GitFetcher {
    /// kustomize GETs an http(s) entry that reads as a repository before it clones it. Once
    /// such a URL answered with an error status and was checked out, holding the directory it
    /// names, this file of the cache says so, and later builds do not ask again.
    fn repository_marker(&self, url: &str) -> Option<Utf8PathBuf> {
        RepoSpec::parse(url).ok()?;
        let path = self.cache.as_ref()?.join("http").join(url_dir_name(url));
        Some(Utf8PathBuf::from(format!("{path}.repository")))
    }

    /// An HTTP file from the cache or the network (see the module documentation).
    fn fetch_file(&self, url: &str) -> Result<Vec<u8>, FileError> {
        let path = self.cache.as_ref().map(|c| c.join("http").join(url_dir_name(url)));
        let repository = self.repository_marker(url);
        let known = repository.as_deref().and_then(|r| std::fs::read_to_string(r).ok());
        if let Some(status) = known.and_then(|text| text.trim().parse().ok()) {
            return Err(FileError::Status(status));
        }
        let cached = path.as_deref().and_then(HttpEntry::read);
        match &cached {
            Some(entry) if self.offline || entry.is_fresh(seconds_now()) => return Ok(entry.body.clone()),
            None if self.offline => {
                let place = path.map_or_else(|| "no cache directory".to_string(), |p| p.to_string());
                return Err(FileError::Failed(
                    Error::new(format!("--offline: '{url}' is not in the cache ({place})"))
                        .help("build once without --offline to fetch it, or check --cache-dir"),
                ));
            }
            _ => {}
        }
        let entry = match (http_get(url, cached), repository) {
            (Err(FileError::Status(status)), Some(_)) => {
                if let Ok(mut n) = self.not_files.lock() {
                    n.insert(url.to_string(), status);
                }
                return Err(FileError::Status(status));
            }
            (got, _) => got?,
        };
        if let (Some(path), true) = (path, entry.storable) {
            entry.write(&path);
        }
        Ok(entry.body)
    }
}

/// An HTTP file as cached: the body and what the response said of its freshness.
#[derive(Debug, Default)]
struct HttpEntry {
    /// When it was fetched or last revalidated (seconds since the epoch).
    fetched: u64,
    /// `Cache-Control: max-age`: for how long after `fetched` it may be used as it is.
    max_age: Option<u64>,
    /// Validators for a conditional request once it is stale.
    etag: Option<String>,
    last_modified: Option<String>,
    /// False when the response said `no-store`.
    storable: bool,
    body: Vec<u8>,
}

impl HttpEntry {
    /// The entry cached at `path` (`None` when there is none or it cannot be read).
    fn read(path: &Utf8Path) -> Option<HttpEntry> {
        let bytes = std::fs::read(path).ok()?;
        let split = bytes.windows(2).position(|w| w == b"\n\n")?;
        let head = std::str::from_utf8(&bytes[..split]).ok()?;
        let mut lines = head.lines();
        if lines.next() != Some(HTTP_ENTRY_FORMAT) {
            return None;
        }
        let mut entry = HttpEntry { storable: true, body: bytes[split + 2..].to_vec(), ..HttpEntry::default() };
        for line in lines {
            match line.split_once(' ') {
                Some(("fetched", v)) => entry.fetched = v.parse().ok()?,
                Some(("max-age", v)) => entry.max_age = Some(v.parse().ok()?),
                Some(("etag", v)) => entry.etag = Some(v.to_string()),
                Some(("last-modified", v)) => entry.last_modified = Some(v.to_string()),
                _ => return None,
            }
        }
        Some(entry)
    }

    /// Writes the entry to `path`.
    fn write(&self, path: &Utf8Path) {
        let mut head = format!("{HTTP_ENTRY_FORMAT}\nfetched {}\n", self.fetched);
        if let Some(m) = self.max_age {
            head.push_str(&format!("max-age {m}\n"));
        }
        for (name, value) in [("etag", &self.etag), ("last-modified", &self.last_modified)] {
            if let Some(v) = value {
                head.push_str(&format!("{name} {v}\n"));
            }
        }
        head.push('\n');
        write_atomically(path, &[head.as_bytes(), &self.body].concat());
    }

    fn is_fresh(&self, now: u64) -> bool {
        self.max_age.is_some_and(|m| now < self.fetched.saturating_add(m))
    }

    /// What the response's caching headers say (`fetched` is now).
    fn from_headers(headers: &ureq::http::HeaderMap, body: Vec<u8>) -> HttpEntry {
        let header = |name: &str| {
            let value = headers.get(name)?.to_str().ok()?.trim();
            (!value.is_empty() && !value.contains(['\r', '\n'])).then(|| value.to_string())
        };
        let mut entry = HttpEntry {
            fetched: seconds_now(),
            etag: header("etag"),
            last_modified: header("last-modified"),
            storable: true,
            body,
            ..HttpEntry::default()
        };
        for directive in headers.get_all("cache-control").iter().filter_map(|v| v.to_str().ok()) {
            for d in directive.split(',').map(str::trim) {
                let (name, value) = d.split_once('=').unwrap_or((d, ""));
                match name.to_ascii_lowercase().as_str() {
                    "no-store" => entry.storable = false,
                    "no-cache" => entry.max_age = Some(0),
                    "max-age" if entry.max_age != Some(0) => entry.max_age = value.trim_matches('"').parse().ok(),
                    _ => {}
                }
            }
        }
        entry
    }
}

/// The first line of a cached HTTP file.
const HTTP_ENTRY_FORMAT: &str = "kcompile http cache 1";

/// GETs `url`; with a stale `cached` copy, conditionally (`If-None-Match`, `If-Modified-Since`),
/// and a `304 Not Modified` then gives that copy back, fresh again.
fn http_get(url: &str, cached: Option<HttpEntry>) -> Result<HttpEntry, FileError> {
    let failed = |e: ureq::Error| {
        FileError::Failed(
            Error::new(format!("cannot fetch '{url}': {e}"))
                .help("check the URL and the network; --offline builds from what is cached"),
        )
    };
    let agent: ureq::Agent =
        ureq::Agent::config_builder().timeout_global(Some(HTTP_TIMEOUT)).http_status_as_error(false).build().into();
    let mut request = agent.get(url);
    if let Some(c) = &cached {
        if let Some(etag) = &c.etag {
            request = request.header("If-None-Match", etag);
        }
        if let Some(date) = &c.last_modified {
            request = request.header("If-Modified-Since", date);
        }
    }
    let mut response = request.call().map_err(failed)?;
    let status = response.status().as_u16();
    if let (304, Some(c)) = (status, cached) {
        let fresh = HttpEntry::from_headers(response.headers(), Vec::new());
        return Ok(HttpEntry {
            etag: fresh.etag.or(c.etag),
            last_modified: fresh.last_modified.or(c.last_modified),
            body: c.body,
            ..fresh
        });
    }
    if !(200..=299).contains(&status) {
        return Err(FileError::Status(status));
    }
    let body = response.body_mut().with_config().limit(MAX_HTTP_BODY).read_to_vec().map_err(failed)?;
    Ok(HttpEntry::from_headers(response.headers(), body))
}

fn seconds_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A [`Fetcher`] that starts what a build will ask for ([`Fetcher::prefetch`]: the remote
/// entries of each kustomization, told as the build enters it) on up to [`WORKERS`] threads,
/// and keeps each outcome until the build asks for it; a call for something still being fetched
/// waits for it. Everything else goes to the fetcher it wraps (whose own memory answers a second
/// call). kustomize fetches one entry after another. Dropped (the build over, perhaps on an
/// error before it asked for everything), it starts nothing more and waits for the fetches
/// running, so that no `git` outlives the process with a checkout half made.
#[derive(Debug)]
pub struct Parallel<F> {
    shared: std::sync::Arc<Shared<F>>,
}

/// At most this many fetches at once.
const WORKERS: usize = 8;

/// What the workers share with the build.
#[derive(Debug)]
struct Shared<F> {
    inner: F,
    state: Mutex<Prefetched>,
    /// Signalled each time a fetch ends and when a worker stops.
    fetched: std::sync::Condvar,
}

/// What [`Parallel`] was told and has fetched.
#[derive(Debug, Default)]
struct Prefetched {
    queue: std::collections::VecDeque<Wanted>,
    /// Worker threads running.
    workers: usize,
    /// Queued or being fetched: a call for one of them waits.
    pending: std::collections::HashSet<Key>,
    /// Fetched and not yet asked for.
    repos: HashMap<RepoKey, Result<Checkout, Error>>,
    files: HashMap<String, Result<Vec<u8>, FileError>>,
}

/// A repository as fetched: clone URL, ref, submodules.
type RepoKey = (String, String, bool);

#[derive(Debug, PartialEq, Eq, Hash)]
enum Key {
    Repo(RepoKey),
    File(String),
}

fn repo_key(spec: &RepoSpec) -> RepoKey {
    (spec.clone_url(), spec.git_ref.clone(), spec.submodules)
}

impl<F: Fetcher + 'static> Parallel<F> {
    pub fn new(inner: F) -> std::sync::Arc<Parallel<F>> {
        let shared = Shared { inner, state: Mutex::default(), fetched: std::sync::Condvar::new() };
        std::sync::Arc::new(Parallel { shared: std::sync::Arc::new(shared) })
    }
}

impl<F: Fetcher> Shared<F> {
    /// The state, waited on until `key` is no longer pending.
    fn settled(&self, key: &Key) -> Option<std::sync::MutexGuard<'_, Prefetched>> {
        let state = self.state.lock().ok()?;
        self.fetched.wait_while(state, |s| s.pending.contains(key)).ok()
    }

    /// A worker: fetches what is queued until nothing is.
    fn work(&self) {
        loop {
            let next = match self.state.lock() {
                Ok(mut s) => {
                    let next = s.queue.pop_front();
                    if next.is_none() {
                        s.workers -= 1;
                    }
                    next
                }
                Err(_) => None,
            };
            match next {
                None => {
                    self.fetched.notify_all();
                    return;
                }
                Some(Wanted::Repo(spec)) => {
                    let (key, got) = (repo_key(&spec), self.inner.repo(&spec));
                    self.done(Key::Repo(key.clone()), |s| {
                        s.repos.insert(key, got);
                    });
                }
                Some(Wanted::File(url)) => {
                    let got = self.inner.file(&url);
                    // As the build does: a URL that is no file but reads as a repository is then
                    // fetched as one (queued here, before the build can ask for it).
                    let repo = RepoSpec::parse(&url).ok().filter(|_| matches!(got, Err(FileError::Status(_))));
                    self.done(Key::File(url.clone()), |s| {
                        s.files.insert(url, got);
                        if let Some(spec) = repo {
                            let key = repo_key(&spec);
                            if !s.repos.contains_key(&key) && s.pending.insert(Key::Repo(key)) {
                                s.queue.push_back(Wanted::Repo(spec));
                            }
                        }
                    });
                }
                Some(_) => {}
            }
        }
    }

    /// Records what the fetch of `key` got, and wakes the calls waiting for it.
    fn done(&self, key: Key, record: impl FnOnce(&mut Prefetched)) {
        if let Ok(mut s) = self.state.lock() {
            record(&mut s);
            s.pending.remove(&key);
        }
        self.fetched.notify_all();
    }
}

impl<F: Fetcher + 'static> Fetcher for Parallel<F> {
    fn repo(&self, spec: &RepoSpec) -> Result<Checkout, Error> {
        let key = repo_key(spec);
        if let Some(got) = self.shared.settled(&Key::Repo(key.clone())).and_then(|mut s| s.repos.remove(&key)) {
            return got;
        }
        self.shared.inner.repo(spec)
    }

    fn file(&self, url: &str) -> Result<Vec<u8>, FileError> {
        if let Some(got) = self.shared.settled(&Key::File(url.to_string())).and_then(|mut s| s.files.remove(url)) {
            return got;
        }
        self.shared.inner.file(url)
    }

    fn prefetch(&self, wanted: &[Wanted]) {
        let Ok(mut s) = self.shared.state.lock() else { return };
        for w in wanted {
            let (key, known) = match w {
                Wanted::Repo(spec) => (Key::Repo(repo_key(spec)), s.repos.contains_key(&repo_key(spec))),
                Wanted::File(url) => (Key::File(url.clone()), s.files.contains_key(url)),
                _ => continue,
            };
            if !known && s.pending.insert(key) {
                s.queue.push_back(w.clone());
            }
        }
        while s.workers < WORKERS.min(s.queue.len()) {
            let shared = self.shared.clone();
            if std::thread::Builder::new().name("fetch".into()).spawn(move || shared.work()).is_err() {
                break;
            }
            s.workers += 1;
        }
        if s.workers == 0 {
            // No thread would start: each call fetches for itself.
            s.queue.clear();
            s.pending.clear();
        }
    }
}

impl<F> Drop for Parallel<F> {
    fn drop(&mut self) {
        let Ok(mut s) = self.shared.state.lock() else { return };
        s.queue.clear();
        drop(self.shared.fetched.wait_while(s, |s| s.workers > 0));
    }
}

/// `$XDG_CACHE_HOME/kcompile`, else `~/.cache/kcompile`.
fn default_cache_dir() -> Option<Utf8PathBuf> {
    let from = |var: &str| std::env::var(var).ok().filter(|v| !v.is_empty()).map(Utf8PathBuf::from);
    from("XDG_CACHE_HOME").or_else(|| from("HOME").map(|h| h.join(".cache"))).map(|d| d.join("kcompile"))
}

/// `URL at ref 'R'`, or the URL alone.
fn describe(url: &str, git_ref: &str) -> String {
    match git_ref {
        "" => format!("{url} (default branch)"),
        r => format!("{url} at ref '{r}'"),
    }
}

/// A directory name for a clone URL: its readable characters, then a hash of the whole.
fn url_dir_name(url: &str) -> String {
    let readable: String = url
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-') { c } else { '_' })
        .take(64)
        .collect();
    format!("{}-{:016x}", readable.trim_matches('_'), fnv1a(url.as_bytes()))
}

/// The file name of a ref's record: `HEAD` for the default branch, else the ref in hex (refs may
/// hold `/` and other characters file names cannot).
fn ref_file_name(git_ref: &str) -> String {
    if git_ref.is_empty() {
        return "HEAD".to_string();
    }
    git_ref.bytes().map(|b| format!("{b:02x}")).collect()
}

/// FNV-1a, 64 bits: a hash that stays the same across Rust versions (cache names must).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

fn is_full_commit(r: &str) -> bool {
    (r.len() == 40 || r.len() == 64) && r.bytes().all(|b| b.is_ascii_hexdigit())
}

fn nanos() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos())
}

/// The commit and kind (`tag`, `branch`, `commit`) recorded for a ref.
fn read_ref(file: &Utf8Path) -> Option<(String, String)> {
    let text = std::fs::read_to_string(file).ok()?;
    let (commit, kind) = text.trim().split_once(' ')?;
    Some((commit.to_string(), kind.to_string()))
}

/// Records what a ref resolved to.
fn write_ref(file: &Utf8Path, commit: &str, kind: &str) {
    write_atomically(file, format!("{commit} {kind}\n").as_bytes());
}

/// Writes a cache file beside `path`, then renames it into place: readers see all or nothing.
/// A cache that cannot be written only costs a fetch next time.
fn write_atomically(path: &Utf8Path, bytes: &[u8]) {
    let Some(dir) = path.parent() else { return };
    let _ = std::fs::create_dir_all(dir);
    let tmp = dir.join(format!(".tmp-{}-{}", std::process::id(), nanos()));
    if std::fs::write(&tmp, bytes).is_err() || std::fs::rename(&tmp, path).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

/// The help of a failed fetch of `git_ref`, which the remote does not list among its branches
/// and tags `names`.
fn unknown_ref_hint(git_ref: &str, names: &[String]) -> String {
    const SHOWN: usize = 10;
    let mut hint = format!("the repository has no branch or tag '{git_ref}' (and a commit must be written in full)");
    if !names.is_empty() {
        let more = names.len().saturating_sub(SHOWN);
        let shown = names.iter().take(SHOWN).map(String::as_str).collect::<Vec<_>>().join(", ");
        hint.push_str(&format!("; it has {shown}"));
        if more > 0 {
            hint.push_str(&format!(" and {more} more"));
        }
    }
    hint + ": fix ?ref= in the URL"
}

/// A commit a ref names, and the kind of ref (`tag`, `branch`).
type Resolved = (String, &'static str);

/// Runs git for one remote entry.
struct Git<'a> {
    timeout: Duration,
    /// The URL and ref, for errors.
    at: &'a str,
    /// The help of an error, when more is known than "check the repository and the ref".
    hint: Option<String>,
}

impl Git<'_> {
    /// What `ref` names on the remote (`None` when it lists no such ref: a commit, perhaps), and
    /// the names of its branches and tags.
    fn ls_remote(&self, url: &str, git_ref: &str) -> Result<(Option<Resolved>, Vec<String>), Error> {
        let out = self.run(None, &["ls-remote", "--", url])?;
        let mut found: Option<Resolved> = None;
        let mut names = Vec::new();
        for line in out.lines() {
            let Some((commit, name)) = line.split_once('\t') else { continue };
            if let Some(short) = name.strip_prefix("refs/heads/").or_else(|| name.strip_prefix("refs/tags/")) {
                if !short.ends_with("^{}") {
                    names.push(short.to_string());
                }
            }
            let hit = if git_ref.is_empty() {
                (name == "HEAD").then_some("branch")
            } else if name == format!("refs/tags/{git_ref}^{{}}") {
                // A peeled annotated tag: the commit itself, preferred over the tag object.
                found = Some((commit.to_string(), "tag"));
                None
            } else if name == format!("refs/tags/{git_ref}") {
                Some("tag")
            } else if name == format!("refs/heads/{git_ref}") || name == git_ref {
                Some("branch")
            } else {
                None
            };
            if let Some(kind) = hit {
                if found.as_ref().is_none_or(|(_, k)| *k != "tag") {
                    found = Some((commit.to_string(), kind));
                }
            }
        }
        Ok((found, names))
    }

    /// Clones as kustomize does into `dir` and returns the commit checked out.
    fn clone_into(&self, dir: &Utf8Path, url: &str, git_ref: &str, submodules: bool) -> Result<String, Error> {
        std::fs::create_dir_all(dir).map_err(|e| Error::new(format!("cannot create {dir}: {e}")))?;
        let what = if git_ref.is_empty() { "HEAD" } else { git_ref };
        self.run(Some(dir), &["init", "--quiet"])?;
        // Relative submodule URLs need `origin` (as in kustomize).
        self.run(Some(dir), &["remote", "add", "origin", url])?;
        self.run(Some(dir), &["fetch", "--quiet", "--depth=1", "--", url, what])?;
        self.run(Some(dir), &["checkout", "--quiet", "FETCH_HEAD"])?;
        if submodules {
            self.run(Some(dir), &["submodule", "--quiet", "update", "--init", "--recursive"])?;
        }
        Ok(self.run(Some(dir), &["rev-parse", "HEAD"])?.trim().to_string())
    }

    /// Runs `git ARGS` in `dir` within the time limit; its stdout, or an error with what git said.
    fn run(&self, dir: Option<&Utf8Path>, args: &[&str]) -> Result<String, Error> {
        let mut cmd = Command::new("git");
        cmd.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        if let Some(d) = dir {
            cmd.current_dir(d);
        }
        let command = format!("git {}", args.join(" "));
        let mut child = cmd.spawn().map_err(|e| {
            Error::new(format!("cannot run git for {}: {e}", self.at))
                .help("remote bases are fetched with the git command line: install git and put it on PATH")
        })?;
        let stdout = reader(child.stdout.take());
        let stderr = reader(child.stderr.take());
        let deadline = Instant::now() + self.timeout;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() >= deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(Error::new(format!(
                        "'{command}' timed out after {:?} fetching {}",
                        self.timeout, self.at
                    ))
                    .help("raise the limit with ?timeout=SECONDS in the URL (kustomize's default is 27 s), or check the network"));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                Err(e) => return Err(Error::new(format!("'{command}' for {}: {e}", self.at))),
            }
        };
        let out = stdout.join().unwrap_or_default();
        let err = stderr.join().unwrap_or_default();
        if !status.success() {
            let said = String::from_utf8_lossy(&err).trim().to_string();
            let help = self.hint.clone().unwrap_or_else(|| {
                "check that the repository and ref exist and that `git ls-remote URL` works from this shell \
                 (credentials, network); --offline builds from what is cached"
                    .to_string()
            });
            return Err(Error::new(format!("'{command}' failed fetching {}: {said}", self.at)).help(help));
        }
        Ok(String::from_utf8_lossy(&out).into_owned())
    }
}

/// Reads a child's pipe to the end on a thread (so that neither pipe fills and blocks git).
fn reader<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut bytes);
        }
        bytes
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks out each repository at `dir/<its name>` after a pause, counting the calls.
    #[derive(Debug)]
    struct Slow {
        dir: Utf8PathBuf,
        asked: Mutex<Vec<String>>,
    }

    impl Fetcher for Slow {
        fn repo(&self, spec: &RepoSpec) -> Result<Checkout, Error> {
            std::thread::sleep(Duration::from_millis(300));
            self.asked.lock().unwrap().push(spec.raw.clone());
            let name = spec.repo_path.rsplit('/').next().unwrap_or_default();
            Ok(Checkout { dir: self.dir.join(name), commit: "c".into() })
        }
        /// A `.yaml` URL is a file, anything else a 404.
        fn file(&self, url: &str) -> Result<Vec<u8>, FileError> {
            std::thread::sleep(Duration::from_millis(300));
            self.asked.lock().unwrap().push(format!("file {url}"));
            match url.ends_with(".yaml") {
                true => Ok(b"kind: ConfigMap\napiVersion: v1\nmetadata:\n  name: http\n".to_vec()),
                false => Err(FileError::Status(404)),
            }
        }
    }

    #[test]
    fn an_http_file_is_kept_as_its_cache_control_says_and_reads_back_as_written() {
        let entry = |cache_control: &str| {
            let mut headers = ureq::http::HeaderMap::new();
            headers.insert("cache-control", cache_control.parse().unwrap());
            headers.insert("etag", "\"abc\"".parse().unwrap());
            HttpEntry::from_headers(&headers, b"kind: ConfigMap\n\nx: 1\n".to_vec())
        };
        let e = entry("public, max-age=60");
        assert!(e.storable && e.is_fresh(e.fetched + 59) && !e.is_fresh(e.fetched + 60));
        assert!(!entry("max-age=60, no-cache").is_fresh(e.fetched) && !entry("no-store").storable);
        let path =
            Utf8PathBuf::from_path_buf(std::env::temp_dir().join(format!("kcompile-http-{}", std::process::id())))
                .unwrap();
        e.write(&path);
        let back = HttpEntry::read(&path).unwrap();
        let _ = std::fs::remove_file(&path);
        assert_eq!((back.fetched, back.max_age, back.etag.as_deref()), (e.fetched, Some(60), Some("\"abc\"")));
        assert_eq!(back.body, e.body);
    }

    #[test]
    fn dropped_it_starts_nothing_more_and_waits_for_the_fetches_running() {
        let parallel = Parallel::new(Slow { dir: "/nowhere".into(), asked: Mutex::default() });
        let wanted: Vec<Wanted> =
            (0..12).map(|i| Wanted::Repo(RepoSpec::parse(&format!("github.com/org/r{i}")).unwrap())).collect();
        parallel.prefetch(&wanted);
        // The workers have taken their first fetch (300 ms each) by now.
        std::thread::sleep(Duration::from_millis(100));
        let shared = parallel.shared.clone();
        drop(parallel);
        let done = shared.inner.asked.lock().unwrap().len();
        assert!((1..=WORKERS).contains(&done), "{done}");
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(shared.inner.asked.lock().unwrap().len(), done);
    }

    #[test]
    fn the_remotes_a_build_names_are_fetched_in_parallel_and_each_once() {
        let tmp = std::env::temp_dir().join(format!("kcompile-parallel-{}", std::process::id()));
        let root = Utf8PathBuf::from_path_buf(tmp).unwrap();
        let write = |rel: &str, text: &str| {
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        let cm = |name: &str| format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n");
        let mut kust =
            String::from("resources:\n- local\n- https://example.com/a/b/file.yaml\n- https://example.com/org/other\n");
        for i in 0..5 {
            kust.push_str(&format!("- github.com/org/repo{i}//dir?ref=v1\n"));
            let nested = if i == 0 { "- github.com/org/nested\n" } else { "" };
            write(&format!("checkouts/repo{i}/dir/kustomization.yaml"), &format!("resources:\n- cm.yaml\n{nested}"));
            write(&format!("checkouts/repo{i}/dir/cm.yaml"), &cm(&format!("repo{i}")));
        }
        write("app/kustomization.yaml", &kust);
        // A local base with a remote component; a checkout (repo0's) naming one more remote.
        write("app/local/kustomization.yaml", "resources:\n- cm.yaml\ncomponents:\n- github.com/org/comp\n");
        write("app/local/cm.yaml", &cm("local"));
        write("checkouts/comp/kustomization.yaml", "kind: Component\nnamePrefix: c-\n");
        for name in ["nested", "other"] {
            write(&format!("checkouts/{name}/kustomization.yaml"), "resources:\n- cm.yaml\n");
            write(&format!("checkouts/{name}/cm.yaml"), &cm(name));
        }
        let parallel = Parallel::new(Slow { dir: root.join("checkouts"), asked: Mutex::default() });
        let options = kcompile::Options::default().with_fetcher(Some(parallel.clone()));
        let started = Instant::now();
        let built = kcompile::build(&kcompile::DiskFs, &root.join("app"), &options);
        let elapsed = started.elapsed();
        let _ = std::fs::remove_dir_all(&root);
        let names: Vec<String> = built.unwrap().objects().iter().map(|o| o.id().name.clone()).collect();
        assert_eq!(names.len(), 9, "{names:?}");
        let mut asked = parallel.shared.inner.asked.lock().unwrap().clone();
        asked.sort();
        // Each once: the HTTP files too; one that fails reads as a repository, which is then fetched.
        assert_eq!(asked.len(), 10, "{asked:?}");
        for fetched in [
            "github.com/org/comp",
            "github.com/org/nested",
            "file https://example.com/a/b/file.yaml",
            "file https://example.com/org/other",
            "https://example.com/org/other",
        ] {
            assert!(asked.contains(&fetched.to_string()), "{asked:?}");
        }
        // Ten fetches of 300 ms each (3 s one after another); the root's seven start together.
        assert!(elapsed < Duration::from_millis(2000), "{elapsed:?}");
    }
}
