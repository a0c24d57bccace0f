//! Line-preserving edits of a kustomization file: the YAML is parsed to learn the values, the
//! lines are scanned to learn where each top-level field, list item and map entry lies, and only
//! the lines an edit concerns are replaced. New text is printed by kcompile's emitter, in the
//! block style kustomize writes.

use crate::error::{Error, Result};
use crate::yaml::emit::emit_stream;
use crate::yaml::node::{Map, Node, Value};
use crate::yaml::read::{parse_one, Schema};

/// A kustomization file being edited: its lines and the values they hold.
pub(crate) struct Doc {
    lines: Vec<String>,
    root: Map,
    /// The file's line ending (`\r\n` when its first line ends so), kept for new lines.
    newline: &'static str,
    /// Whether the last line ends with a line ending (kept as it was; true for a new file).
    final_newline: bool,
}

/// Lines `start..end` (0-based, end exclusive) of the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Span {
    start: usize,
    end: usize,
}

impl Doc {
    /// Reads the text; an error if it is not YAML or not a map.
    pub(crate) fn parse(text: &str) -> Result<Doc> {
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        let root = values_of(text)?;
        let newline = if text.split('\n').next().is_some_and(|l| l.ends_with('\r') && text.contains('\n')) {
            "\r\n"
        } else {
            "\n"
        };
        let final_newline = text.is_empty() || text.ends_with('\n');
        Ok(Doc { lines, root, newline, final_newline })
    }

    /// The edited text, with the file's line endings.
    pub(crate) fn text(&self) -> String {
        let mut out = self.lines.join(self.newline);
        if !out.is_empty() && self.final_newline {
            out.push_str(self.newline);
        }
        out
    }

    /// The value of a top-level field.
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        self.root.get(key)
    }

    /// Re-reads the values after the lines changed.
    fn refresh(&mut self) -> Result<()> {
        let text = self.text();
        self.root = values_of(&text)
            .map_err(|e| Error::new(format!("kcompile made an edit it cannot read back: {}", e.message())))?;
        Ok(())
    }

    /// Sets a top-level field: its lines are replaced (a comment after a one-line value is
    /// kept), or it is appended at the end of the file.
    pub(crate) fn set(&mut self, key: &str, value: &Node) -> Result<()> {
        let mut new = render_entry(key, value, 0);
        match self.key_span(key) {
            Some(span) => {
                if span.end == span.start + 1 && new.len() == 1 {
                    if let Some(comment) = trailing_comment(&self.lines[span.start]) {
                        new[0].push(' ');
                        new[0].push_str(comment);
                    }
                }
                self.lines.splice(span.start..span.end, new);
            }
            None => self.lines.extend(new),
        }
        self.refresh()
    }

    /// Inserts top-level fields at the top of the file (after its leading comments).
    pub(crate) fn set_at_top(&mut self, entries: &[(&str, Node)]) -> Result<()> {
        let at = (0..self.lines.len()).find(|&i| top_key(&self.lines[i]).is_some()).unwrap_or(self.lines.len());
        let new: Vec<String> = entries.iter().flat_map(|(k, v)| render_entry(k, v, 0)).collect();
        self.lines.splice(at..at, new);
        self.refresh()
    }

    /// Removes a top-level field and its value.
    pub(crate) fn remove(&mut self, key: &str) -> Result<()> {
        if let Some(span) = self.key_span(key) {
            self.lines.drain(span.start..span.end);
            self.refresh()?;
        }
        Ok(())
    }

    /// Renames a top-level field, keeping its value's lines.
    pub(crate) fn rename(&mut self, from: &str, to: &str) -> Result<()> {
        if let Some(span) = self.key_span(from) {
            let line = &self.lines[span.start];
            let rest = line.find(':').map_or("", |c| &line[c + 1..]);
            let key = render_key(to);
            self.lines[span.start] = format!("{key}:{rest}");
            self.refresh()?;
        }
        Ok(())
    }

    /// Appends items to a top-level list, creating it when missing. An empty, null or flow-style
    /// list is rewritten in block style; a block list keeps every line and gains the new ones.
    pub(crate) fn append_items(&mut self, key: &str, items: &[Node]) -> Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        match self.block_seq(key) {
            Some((span, indent, starts)) if !starts.is_empty() => {
                // After the last item and any indented comment that ends the list.
                let at = span.end;
                let new: Vec<String> = items.iter().flat_map(|n| render_item(n, indent)).collect();
                self.lines.splice(at..at, new);
                self.refresh()
            }
            _ => {
                let mut all: Vec<Node> = self.get(key).and_then(Node::as_seq).cloned().unwrap_or_default();
                all.extend(items.iter().cloned());
                self.set(key, &Node::seq(all))
            }
        }
    }

    /// Replaces the items of a top-level list whose indexes are given, each by a new value, or
    /// removes it (`None`). A list left empty is removed (kustomize omits empty fields).
    pub(crate) fn edit_items(&mut self, key: &str, changes: &[(usize, Option<Node>)]) -> Result<()> {
        if changes.is_empty() {
            return Ok(());
        }
        let old: Vec<Node> = self.get(key).and_then(Node::as_seq).cloned().unwrap_or_default();
        let mut wanted: Vec<Option<Node>> = old.iter().cloned().map(Some).collect();
        for (i, c) in changes {
            if let Some(slot) = wanted.get_mut(*i) {
                *slot = c.clone();
            }
        }
        if wanted.iter().all(Option::is_none) {
            return self.remove(key);
        }
        match self.block_seq(key) {
            Some((span, indent, starts)) if starts.len() == old.len() => {
                // Every range is measured on the lines as they are, then replaced from the
                // last up, so earlier line numbers stay valid.
                let mut ranges = Vec::new();
                for (i, &item) in starts.iter().enumerate() {
                    let Some((_, change)) = changes.iter().rev().find(|(j, _)| *j == i) else { continue };
                    let next = starts.get(i + 1).copied().unwrap_or(span.end);
                    let end = trim_end(&self.lines, item, next).max(item + 1);
                    let mut start = item;
                    if change.is_none() {
                        // The comment lines just above a removed item describe it: they go too.
                        let floor = if i == 0 { span.start + 1 } else { starts[i - 1] + 1 };
                        while start > floor && self.lines[start - 1].trim_start().starts_with('#') {
                            start -= 1;
                        }
                    }
                    ranges.push((start, end, change.as_ref().map(|n| render_item(n, indent)).unwrap_or_default()));
                }
                for (start, end, new) in ranges.into_iter().rev() {
                    self.lines.splice(start..end, new);
                }
                self.refresh()
            }
            _ => self.set(key, &Node::seq(wanted.into_iter().flatten().collect())),
        }
    }

    /// Sets entries of a top-level map of strings (created when missing): an existing entry's
    /// line is replaced, a new one appended after the last.
    pub(crate) fn set_map_entries(&mut self, key: &str, entries: &[(String, Node)]) -> Result<()> {
        for (k, v) in entries {
            let old = self.get(key).and_then(Node::as_map).cloned();
            let Some(old) = old.filter(|m| !m.is_empty()) else {
                let mut m = Map::default();
                m.insert(k.clone(), v.clone());
                self.set(key, &Node::new(Value::Map(m)))?;
                continue;
            };
            match self.block_map(key) {
                Some((span, indent, starts)) if starts.len() == old.len() => {
                    let new = render_entry(k, v, indent);
                    match old.get_index_of(k.as_str()) {
                        Some(i) => {
                            let next = starts.get(i + 1).copied().unwrap_or(span.end);
                            let end = trim_end(&self.lines, starts[i], next).max(starts[i] + 1);
                            self.lines.splice(starts[i]..end, new);
                        }
                        None => {
                            let at = trim_end(&self.lines, span.start, span.end);
                            self.lines.splice(at..at, new);
                        }
                    }
                    self.refresh()?;
                }
                _ => {
                    let mut m = old;
                    m.insert(k.clone(), v.clone());
                    self.set(key, &Node::new(Value::Map(m)))?;
                }
            }
        }
        Ok(())
    }

    /// Removes entries of a top-level map; a map left empty is removed.
    pub(crate) fn remove_map_entries(&mut self, key: &str, keys: &[String]) -> Result<()> {
        for k in keys {
            let Some(old) = self.get(key).and_then(Node::as_map).cloned() else { return Ok(()) };
            let Some(i) = old.get_index_of(k.as_str()) else { continue };
            if old.len() == 1 {
                self.remove(key)?;
                continue;
            }
            match self.block_map(key) {
                Some((span, _, starts)) if starts.len() == old.len() => {
                    let next = starts.get(i + 1).copied().unwrap_or(span.end);
                    let end = trim_end(&self.lines, starts[i], next).max(starts[i] + 1);
                    self.lines.drain(starts[i]..end);
                    self.refresh()?;
                }
                _ => {
                    let mut m = old;
                    m.shift_remove(k.as_str());
                    self.set(key, &Node::new(Value::Map(m)))?;
                }
            }
        }
        Ok(())
    }

    /// The lines of a top-level field: its key line to its last value line (blank lines and
    /// comments in the first column after it belong to what follows).
    fn key_span(&self, key: &str) -> Option<Span> {
        let start = (0..self.lines.len()).find(|&i| top_key(&self.lines[i]).as_deref() == Some(key))?;
        let next = (start + 1..self.lines.len())
            .find(|&i| top_key(&self.lines[i]).is_some() || is_doc_marker(&self.lines[i]))
            .unwrap_or(self.lines.len());
        let mut end = next;
        while end > start + 1 && {
            let l = &self.lines[end - 1];
            l.trim().is_empty() || l.starts_with('#')
        } {
            end -= 1;
        }
        Some(Span { start, end })
    }

    /// A top-level list written in block style: its span, the indentation of its dashes and
    /// the line where each item starts. `None` when the value is not a block list.
    fn block_seq(&self, key: &str) -> Option<(Span, usize, Vec<usize>)> {
        let span = self.key_span(key)?;
        self.get(key)?.as_seq()?;
        if !value_is_below(&self.lines[span.start]) {
            return None;
        }
        let first = (span.start + 1..span.end).find(|&i| is_content(&self.lines[i]))?;
        let indent = indent_of(&self.lines[first]);
        let starts = (span.start + 1..span.end)
            .filter(|&i| {
                let l = &self.lines[i];
                indent_of(l) == indent && is_dash(&l[indent..])
            })
            .collect();
        Some((span, indent, starts))
    }

    /// A top-level map written in block style: its span, the indentation of its keys and the
    /// line where each entry starts.
    fn block_map(&self, key: &str) -> Option<(Span, usize, Vec<usize>)> {
        let span = self.key_span(key)?;
        self.get(key)?.as_map()?;
        if !value_is_below(&self.lines[span.start]) {
            return None;
        }
        let first = (span.start + 1..span.end).find(|&i| is_content(&self.lines[i]))?;
        let indent = indent_of(&self.lines[first]);
        if indent == 0 {
            return None;
        }
        let starts = (span.start + 1..span.end)
            .filter(|&i| {
                let l = &self.lines[i];
                is_content(l) && indent_of(l) == indent
            })
            .collect();
        Some((span, indent, starts))
    }
}

/// The values of a kustomization file's text (kustomization files are read with YAML 1.1 rules).
fn values_of(text: &str) -> Result<Map> {
    match parse_one(text, Schema::V11).map_err(Error::from)? {
        None => Ok(Map::default()),
        Some(Node { value: Value::Map(m), .. }) => Ok(m),
        Some(Node { value: Value::Null, .. }) => Ok(Map::default()),
        Some(n) => Err(Error::new(format!("a kustomization must be a map, not a {}", n.value.type_name())).at(n.pos)),
    }
}

/// The key of a top-level field when `line` starts one.
fn top_key(line: &str) -> Option<String> {
    let first = line.chars().next()?;
    if first.is_whitespace() || first == '#' || first == '%' || is_dash(line) || is_doc_marker(line) {
        return None;
    }
    if first == '"' || first == '\'' {
        let close = line[1..].find(first)? + 1;
        let rest = line[close + 1..].trim_start();
        if !rest.starts_with(':') {
            return None;
        }
        let key = parse_one(&line[..=close], Schema::V11).ok()??;
        return key.as_str().map(str::to_string);
    }
    let bytes = line.as_bytes();
    let colon = (0..bytes.len()).find(|&i| bytes[i] == b':' && (i + 1 == bytes.len() || bytes[i + 1] == b' '))?;
    Some(line[..colon].trim_end().to_string())
}

fn is_doc_marker(line: &str) -> bool {
    line.starts_with("---") || line.starts_with("...")
}

fn is_dash(s: &str) -> bool {
    s == "-" || s.starts_with("- ")
}

/// True for a line holding YAML (not blank, not only a comment).
fn is_content(line: &str) -> bool {
    let t = line.trim_start();
    !t.is_empty() && !t.starts_with('#')
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// True when nothing but a comment follows the key on its line (the value is on the lines below).
fn value_is_below(key_line: &str) -> bool {
    let rest = key_line.split_once(": ").map_or_else(|| key_line.rsplit_once(':').map_or("", |p| p.1), |p| p.1);
    let rest = rest.trim();
    rest.is_empty() || rest.starts_with('#')
}

/// The ` # comment` at the end of a one-line entry, when there is one outside quotes.
fn trailing_comment(line: &str) -> Option<&str> {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if (c == '"' || c == '\'') && (prev == ' ' || prev == ':') => quote = Some(c),
            None if c == '#' && prev == ' ' => return Some(&line[i..]),
            None => {}
        }
        prev = c;
    }
    None
}

/// The end of `start..end` without its trailing blank and comment lines (at least `start`).
fn trim_end(lines: &[String], start: usize, end: usize) -> usize {
    let mut e = end;
    while e > start + 1 && !is_content(&lines[e - 1]) {
        e -= 1;
    }
    e
}

/// `key: value` as kustomize prints it, indented.
fn render_entry(key: &str, value: &Node, indent: usize) -> Vec<String> {
    let mut m = Map::default();
    m.insert(key.to_string(), value.clone());
    indented(&emit_stream(&[&Node::new(Value::Map(m))]), indent)
}

/// A list item (`- value`) as kustomize prints it, indented.
fn render_item(value: &Node, indent: usize) -> Vec<String> {
    indented(&emit_stream(&[&Node::seq(vec![value.clone()])]), indent)
}

/// A map key as kustomize prints it (quoted when YAML needs it).
fn render_key(key: &str) -> String {
    let line = render_entry(key, &Node::null(), 0).join("\n");
    line.strip_suffix(": null").unwrap_or(&line).to_string()
}

fn indented(text: &str, indent: usize) -> Vec<String> {
    let pad = " ".repeat(indent);
    text.lines().map(|l| if l.is_empty() { String::new() } else { format!("{pad}{l}") }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Node {
        Node::string(v)
    }

    #[test]
    fn appending_to_a_block_list_keeps_every_other_line() {
        let text = "# top\nresources:\n  - a.yaml # first\n  # - old.yaml\n\n# next\nnamespace: x\n";
        let mut d = Doc::parse(text).unwrap();
        d.append_items("resources", &[s("b.yaml")]).unwrap();
        assert_eq!(
            d.text(),
            "# top\nresources:\n  - a.yaml # first\n  # - old.yaml\n  - b.yaml\n\n# next\nnamespace: x\n"
        );
    }

    #[test]
    fn appending_to_a_missing_list_adds_it_at_the_end_in_block_style() {
        let mut d = Doc::parse("namespace: x\n").unwrap();
        d.append_items("resources", &[s("a.yaml"), s("b.yaml")]).unwrap();
        assert_eq!(d.text(), "namespace: x\nresources:\n- a.yaml\n- b.yaml\n");
    }

    #[test]
    fn a_flow_list_is_rewritten_alone() {
        let mut d = Doc::parse("resources: [a.yaml]  # two\nnamespace: x # ns\n").unwrap();
        d.append_items("resources", &[s("b.yaml")]).unwrap();
        assert_eq!(d.text(), "resources:\n- a.yaml\n- b.yaml\nnamespace: x # ns\n");
    }

    #[test]
    fn setting_a_scalar_keeps_its_comment_and_its_place() {
        let mut d = Doc::parse("namePrefix: a- # prefix\nnamespace: x\n").unwrap();
        d.set("namePrefix", &s("b-")).unwrap();
        assert_eq!(d.text(), "namePrefix: b- # prefix\nnamespace: x\n");
    }

    #[test]
    fn removing_items_removes_only_their_lines() {
        let mut d = Doc::parse("resources:\n- a.yaml\n# about b\n- b.yaml\n- c.yaml\nnamespace: x\n").unwrap();
        d.edit_items("resources", &[(1, None)]).unwrap();
        assert_eq!(d.text(), "resources:\n- a.yaml\n- c.yaml\nnamespace: x\n", "with the comment just above it");
        d.edit_items("resources", &[(0, None), (1, None)]).unwrap();
        assert_eq!(d.text(), "namespace: x\n");
    }

    #[test]
    fn replacing_a_map_item_rewrites_that_item_only() {
        let text = "images:\n- name: a # pinned\n  newTag: \"1\"\n- name: b\n  newTag: \"2\"\n";
        let mut d = Doc::parse(text).unwrap();
        let mut m = Map::default();
        m.insert("name".into(), s("b"));
        m.insert("newTag".into(), s("3"));
        d.edit_items("images", &[(1, Some(Node::new(Value::Map(m))))]).unwrap();
        assert_eq!(d.text(), "images:\n- name: a # pinned\n  newTag: \"1\"\n- name: b\n  newTag: \"3\"\n");
    }

    #[test]
    fn map_entries_are_replaced_in_place_or_appended() {
        let mut d = Doc::parse("commonLabels:\n  app: web # the app\n  tier: front\n").unwrap();
        d.set_map_entries("commonLabels", &[("tier".into(), s("back")), ("env".into(), s("on"))]).unwrap();
        assert_eq!(d.text(), "commonLabels:\n  app: web # the app\n  tier: back\n  env: \"on\"\n");
        d.remove_map_entries("commonLabels", &["app".into()]).unwrap();
        assert_eq!(d.text(), "commonLabels:\n  tier: back\n  env: \"on\"\n");
    }

    #[test]
    fn renaming_a_field_keeps_its_value_lines() {
        let mut d = Doc::parse("bases:\n- ../base # the base\n").unwrap();
        d.rename("bases", "resources").unwrap();
        assert_eq!(d.text(), "resources:\n- ../base # the base\n");
    }

    #[test]
    fn fields_set_at_the_top_go_below_the_leading_comments() {
        let mut d = Doc::parse("# app\nresources:\n- a.yaml\n").unwrap();
        d.set_at_top(&[("kind", s("Kustomization"))]).unwrap();
        assert_eq!(d.text(), "# app\nkind: Kustomization\nresources:\n- a.yaml\n");
    }

    #[test]
    fn windows_line_endings_are_kept() {
        let mut d = Doc::parse("resources:\r\n- a.yaml\r\n").unwrap();
        d.append_items("resources", &[s("b.yaml")]).unwrap();
        assert_eq!(d.text(), "resources:\r\n- a.yaml\r\n- b.yaml\r\n");
    }

    #[test]
    fn a_file_without_a_final_newline_stays_so() {
        let mut d = Doc::parse("namespace: a\nresources:\n- a.yaml").unwrap();
        assert_eq!(d.text(), "namespace: a\nresources:\n- a.yaml");
        d.append_items("resources", &[s("b.yaml")]).unwrap();
        assert_eq!(d.text(), "namespace: a\nresources:\n- a.yaml\n- b.yaml");
    }

    #[test]
    fn a_kustomization_that_is_not_a_map_is_an_error() {
        assert!(Doc::parse("- a\n").is_err());
    }
}
