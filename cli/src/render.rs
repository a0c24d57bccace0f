//! How the CLI prints errors and lint findings: the core renders them
//! ([`kcompile::Error::render`], [`kcompile::Finding::render`]) with the source line read from
//! disk and paths relative to the working directory; the CLI decides on colour (a terminal,
//! unless `NO_COLOR` is set).

use kcompile::{DiskFs, Error, Rendered, Utf8PathBuf};
use std::io::IsTerminal;

/// Whether stderr gets colour.
pub fn colour_wanted() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}

/// The text of `r` read from disk, paths relative to the working directory.
fn text(r: Rendered<'_>, colour: bool) -> String {
    let cwd = std::env::current_dir().ok().and_then(|d| Utf8PathBuf::from_path_buf(d).ok());
    let r = r.source(&DiskFs).colour(colour);
    match &cwd {
        Some(dir) => r.relative_to(dir).to_string(),
        None => r.to_string(),
    }
}

/// A lint finding, with its source line.
pub fn render_finding(f: &kcompile::Finding, colour: bool) -> String {
    text(f.render(), colour)
}

/// The closing line: `0 warnings`, `1 error, 2 warnings`.
pub fn finding_counts(errors: usize, warnings: usize) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    if errors == 0 {
        plural(warnings, "warning")
    } else {
        format!("{}, {}", plural(errors, "error"), plural(warnings, "warning"))
    }
}

/// An error, with its source line and trace.
pub fn render(e: &Error, colour: bool) -> String {
    text(e.render(), colour)
}
