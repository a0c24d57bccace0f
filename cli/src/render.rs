//! Renders errors for people: the message, where it happened with the source line, and how
//! the build got there. Colour on a terminal unless `NO_COLOR` is set.

use kcompile::Error;
use std::io::IsTerminal;

struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// Whether stderr gets colour.
pub fn colour_wanted() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}

/// A lint finding: `warning[rule]: message` (or `error[rule]:`), then where, with the source
/// line, then each related place as `= note:`.
pub fn render_finding(f: &kcompile::Finding, colour: bool) -> String {
    let s = Style { on: colour };
    let (label, code) = match f.severity {
        kcompile::Severity::Error => ("error", "1;31"),
        kcompile::Severity::Warning => ("warning", "1;33"),
    };
    let mut out = format!("{} {}\n", s.paint(code, &format!("{label}[{}]:", f.rule)), s.paint("1", &f.message));
    if let Some(file) = &f.file {
        out.push_str(&location(&s, file, f.line, f.column));
    }
    for n in &f.notes {
        let place = match (n.line, n.column) {
            (Some(l), Some(c)) => format!("{}:{l}:{c}", shown(&n.file)),
            (Some(l), None) => format!("{}:{l}", shown(&n.file)),
            _ => shown(&n.file),
        };
        out.push_str(&format!("  {} {}: {place}\n", s.paint("1;36", "= note:"), n.message));
    }
    out
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

/// A path as people want to read it: relative to the working directory when it is below it.
fn shown(file: &camino::Utf8Path) -> String {
    let cwd = std::env::current_dir().ok().and_then(|d| camino::Utf8PathBuf::from_path_buf(d).ok());
    match cwd.as_deref().and_then(|cwd| file.strip_prefix(cwd).ok()) {
        Some(rel) if !rel.as_str().is_empty() => rel.to_string(),
        _ => file.to_string(),
    }
}

/// `--> file:line:col` and, when the file can be read, the line with a caret.
fn location(s: &Style, file: &camino::Utf8Path, line: Option<u32>, column: Option<u32>) -> String {
    let mut out = String::new();
    let name = shown(file);
    match (line, column) {
        (Some(line), Some(col)) => {
            out.push_str(&format!("  {} {name}:{line}:{col}\n", s.paint("34", "-->")));
            let src = std::fs::read_to_string(file)
                .ok()
                .and_then(|t| t.lines().nth((line as usize).saturating_sub(1)).map(str::to_string));
            if let Some(src) = src {
                let num = line.to_string();
                let gutter = " ".repeat(num.len());
                out.push_str(&format!("  {gutter} {}\n", s.paint("34", "|")));
                out.push_str(&format!("  {} {} {src}\n", s.paint("34", &num), s.paint("34", "|")));
                let caret_pad: String = src
                    .chars()
                    .take(col.saturating_sub(1) as usize)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                out.push_str(&format!("  {gutter} {} {caret_pad}{}\n", s.paint("34", "|"), s.paint("1;31", "^")));
            }
        }
        _ => out.push_str(&format!("  {} {name}\n", s.paint("34", "-->"))),
    }
    out
}

/// The error as several lines: `error: message`, `--> file:line:col`, the source line with a
/// caret under the column, `= help:` with the fix when kcompile knows one, then the trace, each
/// step with the kustomization entry that led to it (innermost first).
pub fn render(e: &Error, colour: bool) -> String {
    let s = Style { on: colour };
    let mut out = format!("{} {}\n", s.paint("1;31", "error:"), s.paint("1", e.message()));
    if let Some(file) = e.file() {
        out.push_str(&location(&s, file, e.line(), e.column()));
    }
    if let Some(hint) = e.hint() {
        out.push_str(&format!("  {} {hint}\n", s.paint("1;36", "= help:")));
    }
    for step in e.trace() {
        let here = step.file() == e.file() && step.line() == e.line() && step.column() == e.column();
        let place = match (step.file(), step.line(), step.column()) {
            _ if here => String::new(),
            (Some(f), Some(l), Some(c)) => format!(" at {}:{l}:{c}", shown(f)),
            (Some(f), _, _) => format!(" in {}", shown(f)),
            _ => String::new(),
        };
        out.push_str(&format!("  {} {}{place}\n", s.paint("34", "="), step.what()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use camino::Utf8PathBuf;
    use kcompile::{build, MemFs, Options};

    #[test]
    fn plain_rendering_names_the_file_line_and_column() {
        let fs = MemFs::new().with("k/kustomization.yaml", "resources: []\nnamePrefx: a-\n");
        let e = build(&fs, &Utf8PathBuf::from("/k"), &Options::default()).unwrap_err();
        let text = render(&e, false);
        // The file is in memory, so no source line can be read from disk: the location is still there.
        assert!(text.starts_with("error: invalid Kustomization: json: unknown field \"namePrefx\"\n"), "{text}");
        assert!(text.contains("  = help: did you mean 'namePrefix'?\n"), "{text}");
        assert!(text.contains("--> /k/kustomization.yaml:2:12"), "{text}");
        assert!(!text.contains('\x1b'));
    }

    #[test]
    fn source_line_and_caret_when_the_file_is_on_disk() {
        let dir = std::env::temp_dir().join(format!("kcompile-render-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("kustomization.yaml"), "resources: []\nnamePrefx: a-\n").unwrap();
        let root = Utf8PathBuf::from_path_buf(dir.clone()).unwrap();
        let e = build(&kcompile::DiskFs, &root, &Options::default()).unwrap_err();
        let text = render(&e, false);
        let _ = std::fs::remove_dir_all(&dir);
        assert!(text.contains("2 | namePrefx: a-\n"), "{text}");
        assert!(text.contains("  |            ^\n"), "{text}");
        assert!(render(&e, true).contains("\x1b[1;31merror:\x1b[0m"));
    }
}
