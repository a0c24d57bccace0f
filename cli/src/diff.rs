//! A small line diff for showing how an output changed.

/// A unified-style diff of two texts (`-` old, `+` new), with three lines of context.
pub fn unified(old: &str, new: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    // Trim the common head and tail, then an LCS table over the middle (outputs are small).
    let head = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let tail = a[head..].iter().rev().zip(b[head..].iter().rev()).take_while(|(x, y)| x == y).count();
    let (ma, mb) = (&a[head..a.len() - tail], &b[head..b.len() - tail]);
    let (n, m) = (ma.len(), mb.len());
    let mut ops: Vec<(char, &str)> = Vec::new();
    if n * m <= 4_000_000 {
        let mut lcs = vec![0u32; (n + 1) * (m + 1)];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[i * (m + 1) + j] = if ma[i] == mb[j] {
                    lcs[(i + 1) * (m + 1) + j + 1] + 1
                } else {
                    lcs[(i + 1) * (m + 1) + j].max(lcs[i * (m + 1) + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && ma[i] == mb[j] {
                ops.push((' ', ma[i]));
                i += 1;
                j += 1;
            } else if i < n && (j == m || lcs[(i + 1) * (m + 1) + j] >= lcs[i * (m + 1) + j + 1]) {
                ops.push(('-', ma[i]));
                i += 1;
            } else {
                ops.push(('+', mb[j]));
                j += 1;
            }
        }
    } else {
        ops.extend(ma.iter().map(|l| ('-', *l)));
        ops.extend(mb.iter().map(|l| ('+', *l)));
    }
    let mut out = String::new();
    let ctx_before = &a[head.saturating_sub(3)..head];
    out.push_str(&format!("@@ line {} @@\n", head.saturating_sub(3) + 1));
    for l in ctx_before {
        out.push_str(&format!("  {l}\n"));
    }
    for (op, l) in ops {
        out.push_str(&format!("{op} {l}\n"));
    }
    for l in a[a.len() - tail..].iter().take(3) {
        out.push_str(&format!("  {l}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_changed_lines_with_context() {
        let d = unified("a\nb\nc\nd\n", "a\nb\nX\nd\n");
        assert!(d.contains("- c\n+ X\n"), "{d}");
        assert!(d.contains("  b\n"));
        assert!(d.contains("  d\n"));
    }

    #[test]
    fn identical_texts_have_no_changes() {
        assert!(!unified("a\n", "a\n").lines().any(|l| l.starts_with('+') || l.starts_with('-')));
    }
}
