//! kcompile's one error type: a message plus where it happened and how the build got there.

use crate::yaml::node::Pos;
use camino::{Utf8Path, Utf8PathBuf};
use std::fmt;

/// A failed build, load or parse.
///
/// Carries the message, the file and position it concerns (when there is one) and a trace of
/// the kustomizations the build went through to get there, innermost first.
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    message: String,
    file: Option<Utf8PathBuf>,
    pos: Option<Pos>,
    trace: Vec<String>,
}

/// kcompile's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error with a message and no location yet.
    pub fn new(message: impl Into<String>) -> Error {
        Error { message: message.into(), file: None, pos: None, trace: Vec::new() }
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

    /// Adds a step to the trace ("while building overlays/poc", "in patch 2").
    pub fn context(mut self, step: impl Into<String>) -> Error {
        self.trace.push(step.into());
        self
    }

    /// The message alone, without location or trace.
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

    /// How the build got to the error, innermost step first.
    pub fn trace(&self) -> &[String] {
        &self.trace
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.pos) {
            (Some(file), Some(pos)) => write!(f, "{file}:{pos}: ")?,
            (Some(file), None) => write!(f, "{file}: ")?,
            _ => {}
        }
        f.write_str(&self.message)?;
        for step in &self.trace {
            write!(f, "\n  {step}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

impl From<crate::yaml::read::YamlError> for Error {
    fn from(e: crate::yaml::read::YamlError) -> Error {
        Error::new(e.message).at(e.pos)
    }
}

/// Shorthand: `Err(Error::new(format!(...)))`.
macro_rules! bail {
    ($($arg:tt)*) => {
        return Err($crate::error::Error::new(format!($($arg)*)))
    };
}
pub(crate) use bail;

/// The candidate closest to `name` when it is close enough to be a likely typo (edit distance
/// at most 2, or a third of the name's length for long names), for "did you mean ...?" hints.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (edit_distance(&name.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb { prev } else { 1 + prev.min(cur).min(row[j]) };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_finds_typos_only() {
        assert_eq!(closest("namePrefx", ["namePrefix", "nameSuffix", "resources"]), Some("namePrefix"));
        assert_eq!(closest("deploymnt.yaml", ["deployment.yaml", "service.yaml"]), Some("deployment.yaml"));
        assert_eq!(closest("api-typo", ["api", "ui"]), None);
        assert_eq!(closest("foo", ["resources", "images"]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
