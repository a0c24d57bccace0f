//! kcompile's one error type: a message plus where it happened and how the build got there.

use crate::yaml::node::Pos;
use camino::{Utf8Path, Utf8PathBuf};
use std::fmt;

/// A failed build, load or parse.
///
/// Carries the message, the file and position it concerns (when there is one), a hint saying
/// how to fix it (when kcompile knows one), and a trace of the steps the build went through to
/// get there, innermost first, each with the place in a kustomization that led to the next.
///
/// `{}` prints it on one line plus hint and trace lines; `{:#}` prints the report the CLI prints
/// (see [`Error::render`], which can also show the source line). [`Error::kind`] says what
/// went wrong in a form a program can match on.
///
/// ```
/// use kcompile::{build, ErrorKind, MemFs, Options};
///
/// let fs = MemFs::new().with("app/kustomization.yaml", "resources:\n- missing.yaml\n");
/// let err = build(&fs, "app".as_ref(), &Options::default()).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::NotFound);
/// assert_eq!((err.file().map(|f| f.as_str()), err.line()), (Some("/app/kustomization.yaml"), Some(2)));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    kind: Option<ErrorKind>,
    message: String,
    file: Option<Utf8PathBuf>,
    pos: Option<Pos>,
    help: Option<String>,
    trace: Vec<Tracepoint>,
}

/// What went wrong, for programs: the kinds of [`Error`] callers may want to tell apart. More
/// may come; match with a `_` arm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A file or directory that does not exist, or a directory without a kustomization file.
    NotFound,
    /// A file that cannot be read: not UTF-8, a directory where a file was expected, the
    /// file system's own errors.
    Io,
    /// YAML that does not parse.
    Yaml,
    /// A kustomization kustomize would refuse: unknown or ill-typed fields, several
    /// kustomization files in one directory.
    Kustomization,
    /// A file outside the kustomization's directory while the load restrictor is on
    /// ([`crate::LoadRestrictor`]).
    Restricted,
    /// One of the build's [`crate::BuildLimits`] reached.
    Limit,
    /// A kustomization that includes itself, through resources or components.
    Cycle,
    /// A patch that cannot be applied to its target.
    Patch,
    /// Two objects with the same id.
    Conflict,
    /// What kcompile does not do: plugins and functions (and remote entries when the build has
    /// no fetcher).
    Unsupported,
    /// A document that does not fit the Rust type it is read into (the `serde` feature).
    Data,
    /// Anything else.
    Other,
}

/// One point of an [`Error`]'s trace (typst's word): what the build was doing ("in resource
/// '../base'") and, when known, the file and position that asked for it.
#[derive(Clone, Debug, PartialEq)]
pub struct Tracepoint {
    what: String,
    file: Option<Utf8PathBuf>,
    pos: Option<Pos>,
}

impl Tracepoint {
    /// What the build was doing.
    pub fn what(&self) -> &str {
        &self.what
    }

    /// The file of the entry that led to this step, if known.
    pub fn file(&self) -> Option<&Utf8Path> {
        self.file.as_deref()
    }

    /// The 1-based line of that entry, if known.
    pub fn line(&self) -> Option<u32> {
        self.pos.map(|p| p.line)
    }

    /// The 1-based column of that entry, if known.
    pub fn column(&self) -> Option<u32> {
        self.pos.map(|p| p.col)
    }
}

impl fmt::Display for Tracepoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.what)?;
        match (&self.file, self.pos) {
            (Some(file), Some(pos)) => write!(f, " ({file}:{pos})"),
            (Some(file), None) => write!(f, " ({file})"),
            _ => Ok(()),
        }
    }
}

/// kcompile's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error with a message and no location yet.
    pub fn new(message: impl Into<String>) -> Error {
        Error { kind: None, message: message.into(), file: None, pos: None, help: None, trace: Vec::new() }
    }

    /// Sets the kind, unless one is already set (the innermost error knows best).
    pub fn with_kind(mut self, kind: ErrorKind) -> Error {
        self.kind.get_or_insert(kind);
        self
    }

    /// What went wrong, for programs; [`ErrorKind::Other`] when no more is known.
    pub fn kind(&self) -> ErrorKind {
        self.kind.unwrap_or(ErrorKind::Other)
    }

    /// Sets the file the error concerns, unless one is already set.
    pub fn in_file(mut self, file: &Utf8Path) -> Error {
        if self.file.is_none() {
            self.file = Some(file.to_owned());
        }
        self
    }

    /// Sets the position in the file, unless one is already set (synthetic positions are ignored).
    pub fn at(mut self, pos: Pos) -> Error {
        if self.pos.is_none() && !pos.is_synthetic() {
            self.pos = Some(pos);
        }
        self
    }

    /// Sets the file and the position in it together, unless a file is already set (an inner
    /// location is more precise than an outer one).
    pub fn located(mut self, file: &Utf8Path, pos: Pos) -> Error {
        if self.file.is_none() {
            self.file = Some(file.to_owned());
            if !pos.is_synthetic() {
                self.pos = Some(pos);
            }
        }
        self
    }

    /// Adds a step to the trace (`while patching Deployment.v1.apps/api.[noNs]`).
    pub fn context(mut self, step: impl Into<String>) -> Error {
        self.trace.push(Tracepoint { what: step.into(), file: None, pos: None });
        self
    }

    /// Adds a step to the trace with the place that asked for it ("in resource '../base'" at
    /// `overlay/kustomization.yaml:2:3`), and locates the error there if it has no file yet.
    pub fn within(self, step: impl Into<String>, file: &Utf8Path, pos: Pos) -> Error {
        let mut e = self.located(file, pos);
        let pos = (!pos.is_synthetic()).then_some(pos);
        e.trace.push(Tracepoint { what: step.into(), file: Some(file.to_owned()), pos });
        e
    }

    /// Sets the hint saying how to fix the error, unless one is already set (the innermost
    /// error knows best).
    pub fn help(mut self, hint: impl Into<String>) -> Error {
        if self.help.is_none() {
            self.help = Some(hint.into());
        }
        self
    }

    /// Replaces the fix hint (where the caller knows better than the step that made the error).
    pub(crate) fn replace_help(mut self, hint: impl Into<String>) -> Error {
        self.help = Some(hint.into());
        self
    }

    /// The message alone, without location, hint or trace.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The file the error concerns, if any.
    pub fn file(&self) -> Option<&Utf8Path> {
        self.file.as_deref()
    }

    /// The 1-based line of the error in [`Error::file`], if known.
    pub fn line(&self) -> Option<u32> {
        self.pos.map(|p| p.line)
    }

    /// The 1-based column of the error in [`Error::file`], if known.
    pub fn column(&self) -> Option<u32> {
        self.pos.map(|p| p.col)
    }

    /// How to fix the error, in words, when kcompile knows.
    pub fn hint(&self) -> Option<&str> {
        self.help.as_deref()
    }

    /// How the build got to the error, innermost step first.
    pub fn trace(&self) -> &[Tracepoint] {
        &self.trace
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            return self.render().fmt(f);
        }
        match (&self.file, self.pos) {
            (Some(file), Some(pos)) => write!(f, "{file}:{pos}: ")?,
            (Some(file), None) => write!(f, "{file}: ")?,
            _ => {}
        }
        f.write_str(&self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        for step in &self.trace {
            write!(f, "\n  {step}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

impl From<crate::yaml::read::YamlError> for Error {
    fn from(e: crate::yaml::read::YamlError) -> Error {
        let hint = yaml_hint(&e.message);
        let kind = if e.limit.is_some() { ErrorKind::Limit } else { ErrorKind::Yaml };
        let err = Error::new(e.message).at(e.pos).with_kind(kind);
        match hint {
            Some(h) => err.help(h),
            None => err,
        }
    }
}

/// How to fix the usual YAML mistakes, from the parser's message.
fn yaml_hint(message: &str) -> Option<&'static str> {
    let m = message.to_ascii_lowercase();
    let hints: &[(&str, &str)] = &[
        (
            "starts with a tab",
            "go-yaml writes such a block scalar back without an indentation indicator and fails to read it: \
             start its first line with a space, or write the value in double quotes (\"\\t...\")",
        ),
        ("tab", "YAML does not allow tabs for indentation: indent with spaces"),
        (
            "mapping values are not allowed",
            "a 'key: value' cannot start here: check the indentation of this line against the line above \
             (a deeper indent continues the value above), or quote a value that contains ': '",
        ),
        (
            "did not find expected key",
            "this line is not indented like the keys of the map it belongs to: line it up with them \
             (or close the quote or bracket opened before it)",
        ),
        (
            "did not find expected '-'",
            "this line is not indented like the items of the list it belongs to: line it up with the '-' above",
        ),
        (
            "at '?' inside a flow collection",
            "write the value in quotes: inside [...] or {...} go-yaml takes '?' for the start of a key",
        ),
        (
            "document end marker",
            "`...` ends a document and cannot open one: remove it, or write `---` before it to start an empty document",
        ),
        (
            "did not find expected node content",
            "a value is missing here, or a bracket or quote opened before is not closed",
        ),
        (
            "cannot start any token",
            "a plain value cannot start with this character ('@', '`', '%' or a tab): quote the value",
        ),
        ("found unknown escape", "in a double-quoted string '\\' starts an escape: write '\\\\' or use single quotes"),
        ("unknown anchor", "an alias (*name) must come after its anchor (&name) in the same document"),
        ("duplicate", "a map may not hold the same key twice: remove or rename one of them"),
        ("invalid indentation", "this line's indentation does not match the lines around it"),
        ("unexpected end", "the file ends inside a value: close the quote or bracket opened before"),
        ("did not find expected", "a bracket, brace or quote opened before is not closed, or a ',' is missing"),
    ];
    hints.iter().find(|(key, _)| m.contains(key)).map(|(_, h)| *h)
}

/// Shorthand: `Err(Error::new(format!(...)))`.
macro_rules! bail {
    ($($arg:tt)*) => {
        return Err($crate::error::Error::new(format!($($arg)*)))
    };
}
pub(crate) use bail;

/// The candidate closest to `name` when it is close enough to be a likely typo (edit distance
/// at most a third of the name's length, and at least 1), for "did you mean ...?" hints.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (edit_distance(&name.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// The name closest to `name` among existing object names: a likely typo (see [`closest`]), or
/// an existing name that `name` extends or shortens at a separator (`api-typo` → `api`,
/// `api` → `api-server`).
pub fn closest_name<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str> + Clone) -> Option<&'a str> {
    if let Some(near) = closest(name, candidates.clone()) {
        return Some(near);
    }
    let at_separator = |long: &str, short: &str| {
        !short.is_empty()
            && long.len() > short.len()
            && long.starts_with(short)
            && long[short.len()..].starts_with(['-', '.', '_'])
    };
    candidates
        .into_iter()
        .filter(|c| at_separator(name, c) || at_separator(c, name))
        .max_by_key(|c| (c.len(), std::cmp::Reverse(*c)))
}

/// A hint for an object that was looked for and not found: the nearest existing name of that
/// kind, else the kind nearest to the one asked for, else the names there are.
pub fn missing_object_hint<'a>(
    kind: &str,
    name: &str,
    objects: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> String {
    let objects: Vec<(&str, &str)> = objects.into_iter().collect();
    let mut same_kind: Vec<&str> = objects.iter().filter(|(k, _)| *k == kind).map(|(_, n)| *n).collect();
    same_kind.sort_unstable();
    same_kind.dedup();
    if let Some(near) = closest_name(name, same_kind.iter().copied()) {
        return format!("there is no {kind} named '{name}'; did you mean '{near}'?");
    }
    if same_kind.is_empty() {
        let mut kinds: Vec<&str> = objects.iter().map(|(k, _)| *k).collect();
        kinds.sort_unstable();
        kinds.dedup();
        if let Some(near) = closest(kind, kinds.iter().copied()) {
            return format!("there is no object of kind '{kind}'; did you mean kind '{near}'?");
        }
        return format!("there is no object of kind '{kind}' at this point of the build");
    }
    let shown: Vec<String> = same_kind.iter().take(8).map(|n| format!("'{n}'")).collect();
    let more = if same_kind.len() > shown.len() { ", ..." } else { "" };
    format!("there is no {kind} named '{name}' (the {kind} objects here are {}{more})", shown.join(", "))
}

/// Two sentences of a hint: `first`, a full stop unless it already ends one, then `second`.
pub fn sentences(first: &str, second: &str) -> String {
    if first.ends_with(['.', '?', '!']) {
        format!("{first} {second}")
    } else {
        format!("{first}. {second}")
    }
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    // Edits are insertions, deletions, substitutions and swaps of two neighbours (`aip` is one
    // edit from `api`): the optimal-string-alignment distance, kept in three rows.
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut row: Vec<usize> = vec![0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let mut d = if ca == cb { prev[j] } else { 1 + prev[j].min(prev[j + 1]).min(row[j]) };
            if i > 0 && j > 0 && a.get(i - 1) == Some(&cb) && b.get(j - 1) == Some(&ca) {
                d = d.min(before[j - 1] + 1);
            }
            row[j + 1] = d;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut row);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_finds_typos_only() {
        assert_eq!(closest("namePrefx", ["namePrefix", "nameSuffix", "resources"]), Some("namePrefix"));
        assert_eq!(closest("deploymnt.yaml", ["deployment.yaml", "service.yaml"]), Some("deployment.yaml"));
        assert_eq!(closest("api-typo", ["api", "ui"]), None);
        assert_eq!(closest("aip", ["api", "ui"]), Some("api"));
        assert_eq!(edit_distance("ca", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(closest_name("api-typo", ["api", "ui"]), Some("api"));
        assert_eq!(closest_name("api", ["api-server", "ui"]), Some("api-server"));
        assert_eq!(closest_name("apx", ["api", "ui"]), Some("api"));
        assert_eq!(closest_name("web", ["api", "ui"]), None);
        assert_eq!(closest("foo", ["resources", "images"]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn a_yaml_error_gets_the_hint_of_its_most_specific_message() {
        let leading_end =
            "did not find expected node content: a document cannot start with the document end marker `...`";
        assert!(yaml_hint(leading_end).is_some_and(|h| h.contains("`...` ends a document")));
        assert!(yaml_hint("did not find expected node content").is_some_and(|h| h.contains("a value is missing")));
        assert!(yaml_hint(
            "did not find expected ',' or ']': go-yaml ends a plain value at '?' inside a flow collection"
        )
        .is_some_and(|h| h.contains("write the value in quotes")));
        assert_eq!(yaml_hint("something else"), None);
    }

    #[test]
    fn hints_for_missing_objects() {
        let objs = [("Deployment", "api"), ("Service", "api"), ("Deployment", "ui")];
        assert_eq!(
            missing_object_hint("Deployment", "api-typo", objs),
            "there is no Deployment named 'api-typo'; did you mean 'api'?"
        );
        assert_eq!(
            missing_object_hint("Deploymnet", "api", objs),
            "there is no object of kind 'Deploymnet'; did you mean kind 'Deployment'?"
        );
        assert_eq!(
            missing_object_hint("Deployment", "web", objs),
            "there is no Deployment named 'web' (the Deployment objects here are 'api', 'ui')"
        );
    }

    #[test]
    fn display_has_hint_and_located_steps() {
        let e = Error::new("boom")
            .help("do this")
            .within("in resource 'a.yaml'", Utf8Path::new("k/kustomization.yaml"), Pos::new(2, 3))
            .within("in resource '../k'", Utf8Path::new("o/kustomization.yaml"), Pos::new(4, 3));
        assert_eq!(
            e.to_string(),
            "k/kustomization.yaml:2:3: boom\n  help: do this\n  in resource 'a.yaml' (k/kustomization.yaml:2:3)\n  in resource '../k' (o/kustomization.yaml:4:3)"
        );
    }
}
