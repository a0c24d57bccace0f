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
    // The whole text as operations, then hunks: each change with three lines of context, long
    // unchanged runs between changes left out.
    let mut all: Vec<(char, &str)> = a[..head].iter().map(|l| (' ', *l)).collect();
    all.extend(ops);
    all.extend(a[a.len() - tail..].iter().map(|l| (' ', *l)));
    const CONTEXT: usize = 3;
    let changed: Vec<usize> = all.iter().enumerate().filter(|(_, (op, _))| *op != ' ').map(|(i, _)| i).collect();
    let mut out = String::new();
    let mut k = 0;
    while k < changed.len() {
        let start = changed[k].saturating_sub(CONTEXT);
        let mut end = changed[k] + 1;
        while k + 1 < changed.len() && changed[k + 1] <= end + 2 * CONTEXT {
            k += 1;
            end = changed[k] + 1;
        }
        let end = (end + CONTEXT).min(all.len());
        let old_line = 1 + all[..start].iter().filter(|(op, _)| *op != '+').count();
        out.push_str(&format!("@@ line {old_line} @@\n"));
        for (op, l) in &all[start..end] {
            out.push_str(&format!("{op} {l}\n"));
        }
        k += 1;
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

    #[test]
    fn distant_changes_get_separate_hunks_with_a_few_lines_of_context() {
        let old: String = (0..100).map(|i| format!("line {i}\n")).collect();
        let new = old.replace("line 10\n", "changed 10\n").replace("line 90\n", "changed 90\n");
        let d = unified(&old, &new);
        assert_eq!(d.lines().filter(|l| l.starts_with("@@")).count(), 2, "{d}");
        assert!(d.lines().count() <= 2 * (1 + 3 + 2 + 3), "{d}");
        assert!(d.contains("@@ line 8 @@\n  line 7\n  line 8\n  line 9\n- line 10\n+ changed 10\n  line 11\n"), "{d}");
        assert!(!d.contains("line 50"), "{d}");
    }
}
