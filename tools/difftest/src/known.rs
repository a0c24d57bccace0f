//! The checked-in list of known, explained disagreements (`tools/difftest/known.toml`).
//!
//! The file is a small subset of TOML, read here to avoid a dependency: `[[known]]` tables of
//! `key = "basic string"` or `key = 'literal string'` lines, and `#` comments. Keys: `family`
//! (a short name), `kind` (`output`, `kcompile-fails`, `kubectl-fails`, `kcompile-crash`,
//! `kcompile-timeout`), `kubectl` and `kcompile` (regular expressions matched against the
//! disagreement's line from each side: the first differing output line, or the first line of
//! the error; absent means anything), and `reason` (required).

use crate::run::{Disagreement, Kind};
use regex::Regex;

#[derive(Debug)]
pub struct Known {
    pub family: String,
    pub kind: Kind,
    pub kubectl: Option<Regex>,
    pub kcompile: Option<Regex>,
    pub reason: String,
}

impl Known {
    pub fn matches(&self, d: &Disagreement) -> bool {
        self.kind == d.kind
            && self.kubectl.as_ref().is_none_or(|r| r.is_match(&d.kubectl))
            && self.kcompile.as_ref().is_none_or(|r| r.is_match(&d.kcompile))
    }
}

/// The first known family that explains `d`.
pub fn find<'a>(known: &'a [Known], d: &Disagreement) -> Option<&'a Known> {
    known.iter().find(|k| k.matches(d))
}

pub fn parse(text: &str) -> Result<Vec<Known>, String> {
    let mut tables: Vec<Vec<(String, String, usize)>> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let lineno = n + 1;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line == "[[known]]" {
            tables.push(Vec::new());
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(format!("line {lineno}: expected `key = \"value\"` or `[[known]]`"));
        };
        let Some(table) = tables.last_mut() else {
            return Err(format!("line {lineno}: a key before the first [[known]]"));
        };
        let value = string(value.trim()).map_err(|e| format!("line {lineno}: {e}"))?;
        table.push((key.trim().to_string(), value, lineno));
    }
    let mut out = Vec::new();
    for table in tables {
        let get = |k: &str| table.iter().find(|(key, _, _)| key == k).map(|(_, v, _)| v.clone());
        for (key, _, lineno) in &table {
            if !["family", "kind", "kubectl", "kcompile", "reason"].contains(&key.as_str()) {
                return Err(format!("line {lineno}: unknown key `{key}`"));
            }
        }
        let family = get("family").ok_or("a [[known]] entry without `family`")?;
        let kind_s = get("kind").ok_or(format!("{family}: no `kind`"))?;
        let kind = Kind::parse(&kind_s).ok_or(format!("{family}: unknown kind `{kind_s}`"))?;
        let reason = get("reason").ok_or(format!("{family}: no `reason`"))?;
        let re = |k: &str| -> Result<Option<Regex>, String> {
            get(k).map(|p| Regex::new(&p).map_err(|e| format!("{family}: `{k}`: {e}"))).transpose()
        };
        out.push(Known { kubectl: re("kubectl")?, kcompile: re("kcompile")?, family, kind, reason });
    }
    Ok(out)
}

fn string(v: &str) -> Result<String, String> {
    if let Some(body) = v.strip_prefix('\'') {
        return body.strip_suffix('\'').map(str::to_string).ok_or_else(|| "unterminated '...' string".to_string());
    }
    let Some(body) = v.strip_prefix('"').and_then(|b| b.strip_suffix('"')) else {
        return Err("a value must be a \"...\" or '...' string".into());
    };
    let mut out = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('"') => out.push('"'),
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            other => return Err(format!("unsupported escape \\{}", other.map(String::from).unwrap_or_default())),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_parse_and_match_on_kind_and_both_patterns() {
        let known = parse(
            "# comment\n[[known]]\nfamily = \"f\"\nkind = \"output\"\nkubectl = '^a: \\d+$'\nreason = \"open\"\n\n[[known]]\nfamily = 'g'\nkind = 'kcompile-fails'\nkcompile = \"boom\"\nreason = 'x'\n",
        )
        .unwrap();
        assert_eq!(known.len(), 2);
        let d = |kind, a: &str, b: &str| Disagreement { kind, kubectl: a.into(), kcompile: b.into() };
        assert_eq!(find(&known, &d(Kind::Output, "a: 12", "a: '12'")).map(|k| k.family.as_str()), Some("f"));
        assert!(find(&known, &d(Kind::Output, "a: x", "a: y")).is_none());
        assert_eq!(find(&known, &d(Kind::KcompileFails, "", "error: boom")).map(|k| k.family.as_str()), Some("g"));
        assert!(find(&known, &d(Kind::KubectlFails, "boom", "")).is_none());
    }

    #[test]
    fn mistakes_in_the_file_are_errors_naming_the_line() {
        assert!(parse("family = \"x\"\n").unwrap_err().contains("line 1"));
        assert!(parse("[[known]]\nfamily = x\n").unwrap_err().contains("line 2"));
        assert!(parse("[[known]]\nfamily = \"x\"\nkind = \"output\"\n").unwrap_err().contains("reason"));
        assert!(parse("[[known]]\nfamily = \"x\"\nkind = \"nope\"\nreason = \"r\"\n").unwrap_err().contains("kind"));
        assert!(parse("[[known]]\nfamily = \"x\"\nkind = \"output\"\nreason = \"r\"\nkubectl = \"(\"\n").is_err());
    }
}
