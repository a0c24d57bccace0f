//! Shell patterns as Go's `filepath.Match` reads them (`*`, `?`, `[a-z]`, `[^a]`, `\x`), for
//! `edit add resource 'bases/*'` and `edit remove resource '*.yaml'`.

use crate::fs::{FileKind, FileSystem};
use camino::Utf8Path;

/// True when the pattern has a wildcard.
pub(crate) fn has_meta(pattern: &str) -> bool {
    pattern.contains(['*', '?', '[', '\\'])
}

/// Whether `name` matches `pattern` (a `*` or `?` never matches `/`). A malformed pattern
/// matches nothing.
pub(crate) fn matches(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    match_at(&p, &n)
}

fn match_at(p: &[char], n: &[char]) -> bool {
    match p.first() {
        None => n.is_empty(),
        Some('*') => (0..=n.len()).take_while(|&i| i == 0 || n[i - 1] != '/').any(|i| match_at(&p[1..], &n[i..])),
        Some('?') => n.first().is_some_and(|&c| c != '/') && match_at(&p[1..], &n[1..]),
        Some('[') => {
            let Some(&c) = n.first() else { return false };
            let Some((ok, rest)) = class(&p[1..], c) else { return false };
            ok && match_at(rest, &n[1..])
        }
        Some('\\') => p.len() > 1 && n.first() == Some(&p[1]) && match_at(&p[2..], &n[1..]),
        Some(&c) => n.first() == Some(&c) && match_at(&p[1..], &n[1..]),
    }
}

/// Reads a `[...]` class (after the `[`): whether `c` is in it, and the pattern after `]`.
fn class(p: &[char], c: char) -> Option<(bool, &[char])> {
    let (negate, mut i) = if p.first() == Some(&'^') { (true, 1) } else { (false, 0) };
    let mut found = false;
    let mut first = true;
    loop {
        let lo = *p.get(i)?;
        if lo == ']' && !first {
            return Some((found != negate, &p[i + 1..]));
        }
        first = false;
        let lo = if lo == '\\' {
            i += 1;
            *p.get(i)?
        } else {
            lo
        };
        i += 1;
        let hi = if p.get(i) == Some(&'-') && p.get(i + 1).is_some_and(|&h| h != ']') {
            i += 2;
            p[i - 1]
        } else {
            lo
        };
        if lo <= c && c <= hi {
            found = true;
        }
    }
}

/// The paths under `dir` that a relative pattern matches, sorted, relative to `dir`.
pub(crate) fn glob(fs: &dyn FileSystem, dir: &Utf8Path, pattern: &str) -> Vec<String> {
    let mut found = vec![String::new()];
    for part in pattern.split('/').filter(|p| !p.is_empty()) {
        let mut next = Vec::new();
        for base in &found {
            let at = if base.is_empty() { dir.to_owned() } else { dir.join(base) };
            let join = |name: &str| if base.is_empty() { name.to_string() } else { format!("{base}/{name}") };
            if !has_meta(part) {
                if fs.kind(&at.join(part)).is_ok() {
                    next.push(join(part));
                }
                continue;
            }
            if !matches!(fs.kind(&at), Ok(FileKind::Dir)) {
                continue;
            }
            for name in fs.list(&at).unwrap_or_default() {
                if (!name.starts_with('.') || part.starts_with('.')) && matches(part, &name) {
                    next.push(join(&name));
                }
            }
        }
        found = next;
    }
    found.retain(|p| !p.is_empty());
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::MemFs;

    #[test]
    fn patterns_match_as_go_filepath_match_does() {
        assert!(matches("*.yaml", "a.yaml"));
        assert!(!matches("*.yaml", "dir/a.yaml"));
        assert!(matches("dir/?.yaml", "dir/a.yaml"));
        assert!(matches("[a-c]*", "beta"));
        assert!(!matches("[^a-c]*", "beta"));
        assert!(matches("a\\*", "a*"));
        assert!(!matches("[a", "a"));
    }

    #[test]
    fn glob_lists_matching_files_relative_to_the_directory() {
        let fs = MemFs::new()
            .with("k/a.yaml", "")
            .with("k/b.yaml", "")
            .with("k/c.txt", "")
            .with("k/sub/d.yaml", "")
            .with("k/kustomization.yaml", "");
        let dir = Utf8Path::new("/k");
        assert_eq!(glob(&fs, dir, "*.yaml"), ["a.yaml", "b.yaml", "kustomization.yaml"]);
        assert_eq!(glob(&fs, dir, "*/*.yaml"), ["sub/d.yaml"]);
        assert_eq!(glob(&fs, dir, "c.txt"), ["c.txt"]);
        assert!(glob(&fs, dir, "none-*").is_empty());
    }
}
