//! Errors and lint findings rendered for people: the message, `--> file:line:col` with the
//! source line and a caret under the column, the fix in words, and how the build got there.
//! The CLI prints exactly this; it only decides whether to colour it.

use crate::{Error, FileSystem, Finding, Severity};
use camino::Utf8Path;
use std::fmt;

/// An [`Error`] or a [`Finding`] ready to print, made by [`Error::render`] or
/// [`Finding::render`]. Set what it may use, then print it with `{}` (or `to_string`).
///
/// ```
/// use kcompile::{build, MemFs, Options};
///
/// let fs = MemFs::new().with("k/kustomization.yaml", "resources: []\nnamePrefx: a-\n");
/// let err = build(&fs, "k".as_ref(), &Options::default()).unwrap_err();
/// assert_eq!(
///     err.render().source(&fs).relative_to("/k".as_ref()).to_string(),
///     "error: invalid Kustomization: json: unknown field \"namePrefx\"\n  \
///        --> kustomization.yaml:2:12\n    \
///         |\n  \
///       2 | namePrefx: a-\n    \
///         |            ^\n  \
///        = help: did you mean 'namePrefix'?\n",
/// );
/// // Without a source, `{:#}` prints the same report minus the source line.
/// assert!(format!("{err:#}").starts_with("error: invalid Kustomization"));
/// ```
#[derive(Clone, Copy)]
pub struct Rendered<'a> {
    item: Item<'a>,
    source: Option<&'a dyn FileSystem>,
    base: Option<&'a Utf8Path>,
    colour: bool,
}

#[derive(Clone, Copy)]
enum Item<'a> {
    Error(&'a Error),
    Finding(&'a Finding),
}

impl Error {
    /// The error as the CLI prints it: `error: message`, `--> file:line:col`, the source line
    /// with a caret when [`Rendered::source`] can read the file, `= help:` with the fix when
    /// kcompile knows one, then the trace, each step with the kustomization entry that led to
    /// it (innermost first).
    pub fn render(&self) -> Rendered<'_> {
        Rendered { item: Item::Error(self), source: None, base: None, colour: false }
    }
}

impl Finding {
    /// The finding as `kcompile lint` prints it: `warning[rule]: message` (or `error[rule]:`),
    /// then where, with the source line, then each related place as `= note:`.
    pub fn render(&self) -> Rendered<'_> {
        Rendered { item: Item::Finding(self), source: None, base: None, colour: false }
    }
}

impl<'a> Rendered<'a> {
    /// Reads the source line from `fs` (the file system the build read).
    pub fn source(mut self, fs: &'a dyn FileSystem) -> Rendered<'a> {
        self.source = Some(fs);
        self
    }

    /// Shows paths below `dir` relative to it (the CLI gives its working directory).
    pub fn relative_to(mut self, dir: &'a Utf8Path) -> Rendered<'a> {
        self.base = Some(dir);
        self
    }

    /// Colours the text with ANSI escapes, for a terminal.
    pub fn colour(mut self, on: bool) -> Rendered<'a> {
        self.colour = on;
        self
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// A path as people want to read it: relative to the base directory when it is below it.
    fn shown(&self, file: &Utf8Path) -> String {
        match self.base.and_then(|b| file.strip_prefix(b).ok()) {
            Some(rel) if !rel.as_str().is_empty() => rel.to_string(),
            _ => file.to_string(),
        }
    }

    /// Line `line` of `file`, when the source can read it as text.
    fn source_line(&self, file: &Utf8Path, line: u32) -> Option<String> {
        let text = String::from_utf8(self.source?.read(file).ok()?).ok()?;
        text.lines().nth((line as usize).saturating_sub(1)).map(str::to_string)
    }

    /// `--> file:line:col` and, when the file can be read, the line with a caret.
    fn location(&self, out: &mut String, file: &Utf8Path, line: Option<u32>, column: Option<u32>) {
        let name = self.shown(file);
        let (Some(line), Some(col)) = (line, column) else {
            out.push_str(&format!("  {} {name}\n", self.paint("34", "-->")));
            return;
        };
        out.push_str(&format!("  {} {name}:{line}:{col}\n", self.paint("34", "-->")));
        if let Some(src) = self.source_line(file, line) {
            let num = line.to_string();
            let gutter = " ".repeat(num.len());
            let bar = self.paint("34", "|");
            out.push_str(&format!("  {gutter} {bar}\n"));
            out.push_str(&format!("  {} {bar} {src}\n", self.paint("34", &num)));
            let caret_pad: String =
                src.chars().take(col.saturating_sub(1) as usize).map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
            out.push_str(&format!("  {gutter} {bar} {caret_pad}{}\n", self.paint("1;31", "^")));
        }
    }

    fn error(&self, e: &Error) -> String {
        let mut out = format!("{} {}\n", self.paint("1;31", "error:"), self.paint("1", e.message()));
        if let Some(file) = e.file() {
            self.location(&mut out, file, e.line(), e.column());
        }
        if let Some(hint) = e.hint() {
            out.push_str(&format!("  {} {hint}\n", self.paint("1;36", "= help:")));
        }
        for step in e.trace() {
            let here = step.file() == e.file() && step.line() == e.line() && step.column() == e.column();
            let place = match (step.file(), step.line(), step.column()) {
                _ if here => String::new(),
                (Some(f), Some(l), Some(c)) => format!(" at {}:{l}:{c}", self.shown(f)),
                (Some(f), _, _) => format!(" in {}", self.shown(f)),
                _ => String::new(),
            };
            out.push_str(&format!("  {} {}{place}\n", self.paint("34", "="), step.what()));
        }
        out
    }

    fn finding(&self, f: &Finding) -> String {
        let (label, code) = match f.severity {
            Severity::Error => ("error", "1;31"),
            Severity::Warning => ("warning", "1;33"),
        };
        let mut out =
            format!("{} {}\n", self.paint(code, &format!("{label}[{}]:", f.rule)), self.paint("1", &f.message));
        if let Some(file) = &f.file {
            self.location(&mut out, file, f.line, f.column);
        }
        for n in &f.notes {
            let place = match (n.line, n.column) {
                (Some(l), Some(c)) => format!("{}:{l}:{c}", self.shown(&n.file)),
                (Some(l), None) => format!("{}:{l}", self.shown(&n.file)),
                _ => self.shown(&n.file),
            };
            out.push_str(&format!("  {} {}: {place}\n", self.paint("1;36", "= note:"), n.message));
        }
        out
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&match self.item {
            Item::Error(e) => self.error(e),
            Item::Finding(x) => self.finding(x),
        })
    }
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use crate::{build, DiskFs, MemFs, Options, Utf8PathBuf};

    #[test]
    fn plain_rendering_names_the_file_line_and_column_without_a_source() {
        let fs = MemFs::new().with("k/kustomization.yaml", "resources: []\nnamePrefx: a-\n");
        let e = build(&fs, "/k".as_ref(), &Options::default()).unwrap_err();
        let text = e.render().to_string();
        assert!(text.starts_with("error: invalid Kustomization: json: unknown field \"namePrefx\"\n"), "{text}");
        assert!(text.contains("  = help: did you mean 'namePrefix'?\n"), "{text}");
        assert!(text.contains("--> /k/kustomization.yaml:2:"), "{text}");
        assert!(!text.contains(" | "), "no source line without a source: {text}");
        assert_eq!(format!("{e:#}"), text);
        assert!(!text.contains('\x1b'));
    }

    #[test]
    fn source_line_and_caret_when_the_file_is_on_disk() {
        let dir = std::env::temp_dir().join(format!("kcompile-render-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("kustomization.yaml"), "resources: []\nnamePrefx: a-\n").unwrap();
        let root = Utf8PathBuf::from_path_buf(dir.clone()).unwrap();
        let e = build(&DiskFs, &root, &Options::default()).unwrap_err();
        let text = e.render().source(&DiskFs).to_string();
        let coloured = e.render().source(&DiskFs).colour(true).to_string();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(text.contains("2 | namePrefx: a-\n"), "{text}");
        assert!(text.contains("  |            ^\n"), "{text}");
        assert!(coloured.contains("\x1b[1;31merror:\x1b[0m"));
    }

    #[test]
    fn the_trace_names_the_entries_that_led_to_the_error_relative_to_a_base() {
        let fs = MemFs::new()
            .with("app/kustomization.yaml", "resources:\n- ../base\n")
            .with("base/kustomization.yaml", "resources:\n- nope.yaml\n");
        let e = build(&fs, "app".as_ref(), &Options::default()).unwrap_err();
        let text = e.render().source(&fs).relative_to("/".as_ref()).to_string();
        assert!(text.contains("--> base/kustomization.yaml:2:3\n"), "{text}");
        assert!(text.contains("2 | - nope.yaml\n"), "{text}");
        assert!(text.contains("  = in resource '../base' at app/kustomization.yaml:2:3\n"), "{text}");
    }
}
