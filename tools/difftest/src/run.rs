//! Running kubectl and kcompile on a written tree, each with a timeout, and comparing them.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub struct Outcome {
    /// Exited with code 0.
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
    pub timed_out: bool,
    /// Killed by a signal or exited with Rust's panic code (101).
    pub crashed: bool,
}

/// How to run the two tools.
#[derive(Clone, Debug)]
pub struct Tools {
    pub kubectl: PathBuf,
    pub kcompile: PathBuf,
    pub timeout: Duration,
}

impl Tools {
    /// `kubectl kustomize root`, run in `case` (root's parent) so that paths in errors are
    /// relative to the case.
    pub fn kubectl(&self, case: &Path) -> Outcome {
        run(Command::new(&self.kubectl).arg("kustomize").arg("root").current_dir(case), self.timeout)
    }

    pub fn kcompile(&self, case: &Path) -> Outcome {
        run(Command::new(&self.kcompile).arg("build").arg("root").current_dir(case), self.timeout)
    }
}

fn run(cmd: &mut Command, timeout: Duration) -> Outcome {
    let failed =
        |why: String| Outcome { ok: false, stdout: String::new(), stderr: why, timed_out: false, crashed: false };
    let out_file = match tempfile("out") {
        Ok(f) => f,
        Err(e) => return failed(format!("difftest: cannot create a temporary file: {e}")),
    };
    let err_file = match tempfile("err") {
        Ok(f) => f,
        Err(e) => return failed(format!("difftest: cannot create a temporary file: {e}")),
    };
    let (Ok(o), Ok(e)) = (std::fs::File::create(&out_file), std::fs::File::create(&err_file)) else {
        return failed("difftest: cannot open a temporary file".into());
    };
    let child = cmd.stdin(Stdio::null()).stdout(o).stderr(e).spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => return failed(format!("difftest: cannot start {:?}: {e}", cmd.get_program())),
    };
    let start = Instant::now();
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if start.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                timed_out = true;
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(_) => break None,
        }
    };
    let stdout = String::from_utf8_lossy(&std::fs::read(&out_file).unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&std::fs::read(&err_file).unwrap_or_default()).into_owned();
    let _ = std::fs::remove_file(&out_file);
    let _ = std::fs::remove_file(&err_file);
    let ok = status.is_some_and(|s| s.success());
    let crashed = status.is_some_and(|s| s.code().is_none() || s.code() == Some(101));
    Outcome { ok, stdout, stderr, timed_out, crashed }
}

fn tempfile(what: &str) -> std::io::Result<PathBuf> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!("difftest-io-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir.join(format!("{}.{what}", N.fetch_add(1, Ordering::Relaxed))))
}

/// The character of a disagreement: what the shrinker must keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// Both succeed, the outputs differ.
    Output,
    /// kustomize succeeds, kcompile fails.
    KcompileFails,
    /// kustomize fails, kcompile succeeds.
    KubectlFails,
    /// kcompile panicked or was killed (whatever kustomize did).
    KcompileCrash,
    /// kcompile ran past the timeout while kustomize finished.
    KcompileTimeout,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Output => "output",
            Kind::KcompileFails => "kcompile-fails",
            Kind::KubectlFails => "kubectl-fails",
            Kind::KcompileCrash => "kcompile-crash",
            Kind::KcompileTimeout => "kcompile-timeout",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        [Kind::Output, Kind::KcompileFails, Kind::KubectlFails, Kind::KcompileCrash, Kind::KcompileTimeout]
            .into_iter()
            .find(|k| k.name() == s)
    }
}

/// What differs: the kind, and one line from each side (the first differing output line, or
/// the first line of an error) that known-disagreement patterns are matched against.
#[derive(Clone, Debug)]
pub struct Disagreement {
    pub kind: Kind,
    pub kubectl: String,
    pub kcompile: String,
}

/// The verdict on one tree.
#[derive(Clone, Debug)]
pub enum Verdict {
    AgreeOk,
    AgreeFail,
    /// kustomize itself timed out or could not run: no verdict.
    Skip(String),
    Disagree(Disagreement),
}

pub fn compare(kubectl: &Outcome, kcompile: &Outcome) -> Verdict {
    if kcompile.crashed && !kcompile.timed_out {
        return Verdict::Disagree(Disagreement {
            kind: Kind::KcompileCrash,
            kubectl: first_line(if kubectl.ok { "" } else { &kubectl.stderr }),
            kcompile: crash_line(&kcompile.stderr),
        });
    }
    if kubectl.timed_out {
        return Verdict::Skip("kubectl timed out".into());
    }
    for o in [kubectl, kcompile] {
        if o.stderr.starts_with("difftest:") {
            return Verdict::Skip(o.stderr.clone());
        }
    }
    if kcompile.timed_out {
        return Verdict::Disagree(Disagreement {
            kind: Kind::KcompileTimeout,
            kubectl: String::new(),
            kcompile: String::new(),
        });
    }
    match (kubectl.ok, kcompile.ok) {
        (true, true) if kubectl.stdout == kcompile.stdout => Verdict::AgreeOk,
        (true, true) => {
            let (a, b) = first_difference(&kubectl.stdout, &kcompile.stdout);
            Verdict::Disagree(Disagreement { kind: Kind::Output, kubectl: a, kcompile: b })
        }
        (false, false) => Verdict::AgreeFail,
        (true, false) => Verdict::Disagree(Disagreement {
            kind: Kind::KcompileFails,
            kubectl: String::new(),
            kcompile: first_line(&kcompile.stderr),
        }),
        (false, true) => Verdict::Disagree(Disagreement {
            kind: Kind::KubectlFails,
            kubectl: first_line(&kubectl.stderr),
            kcompile: String::new(),
        }),
    }
}

/// The first line of an error, without kubectl's log prefix (`E1207 ... run.go:72] "command
/// failed" err=`) and deprecation warnings; for a multi-line `err=<` block, its first line.
pub fn first_line(s: &str) -> String {
    let mut lines = s.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("# Warning"));
    while let Some(l) = lines.next() {
        if l.starts_with('I') && l.contains("] ") && l.get(1..5).is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit()))
        {
            continue; // an info log line
        }
        let Some((_, err)) = l.split_once(" err=") else { return l.to_string() };
        if err == "<" {
            return lines.next().unwrap_or("").to_string();
        }
        let err = err.strip_prefix('"').and_then(|e| e.strip_suffix('"')).unwrap_or(err);
        return unquote(err);
    }
    String::new()
}

/// One level of Go's `%q` escaping undone (`\"` → `"`, `\\` → `\`, `\n` → newline shown as `\n`).
fn unquote(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match (c, chars.clone().next()) {
            ('\\', Some(n @ ('"' | '\\'))) => {
                out.push(n);
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}

fn crash_line(stderr: &str) -> String {
    stderr.lines().find(|l| l.contains("panicked")).map(str::to_string).unwrap_or_else(|| first_line(stderr))
}

/// The first line where the outputs differ (`<end of output>` on the shorter side).
pub fn first_difference(a: &str, b: &str) -> (String, String) {
    let mut la = a.split_inclusive('\n');
    let mut lb = b.split_inclusive('\n');
    loop {
        match (la.next(), lb.next()) {
            (Some(x), Some(y)) if x == y => continue,
            (x, y) => {
                let show = |l: Option<&str>| match l {
                    Some(l) if l.ends_with('\n') => l.trim_end_matches('\n').to_string(),
                    Some(l) => format!("{l}<no final newline>"),
                    None => "<end of output>".to_string(),
                };
                return (show(x), show(y));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(ok: bool, stdout: &str, stderr: &str) -> Outcome {
        Outcome { ok, stdout: stdout.into(), stderr: stderr.into(), timed_out: false, crashed: false }
    }

    #[test]
    fn the_first_difference_names_the_differing_lines() {
        assert_eq!(first_difference("a\nb\nc\n", "a\nB\nc\n"), ("b".into(), "B".into()));
        assert_eq!(first_difference("a\n", "a\nb\n"), ("<end of output>".into(), "b".into()));
        assert_eq!(first_difference("a\nb", "a\nb\n"), ("b<no final newline>".into(), "b".into()));
    }

    #[test]
    fn error_lines_lose_kubectls_log_prefix_and_warnings() {
        let e = "# Warning: 'vars' is deprecated.\nI1207 15:21:55.229075   28386 log.go:245] well-defined vars\nE1207 15:22:09.658585   29821 run.go:72] \"command failed\" err=\"boom: \\\"x\\\"\"\n";
        assert_eq!(first_line(e), "boom: \"x\"");
        assert_eq!(first_line("E1 run.go:72] \"command failed\" err=<\n\tfirst line\n\tsecond\n >\n"), "first line");
        assert_eq!(first_line("error: plain\n  --> x\n"), "error: plain");
    }

    #[test]
    fn error_texts_may_differ_but_failing_alone_is_a_disagreement() {
        assert!(matches!(compare(&out(false, "", "x"), &out(false, "", "y")), Verdict::AgreeFail));
        assert!(matches!(compare(&out(true, "a", ""), &out(true, "a", "")), Verdict::AgreeOk));
        let Verdict::Disagree(d) = compare(&out(true, "a\n", ""), &out(false, "", "error: boom\n")) else { panic!() };
        assert_eq!((d.kind, d.kcompile.as_str()), (Kind::KcompileFails, "error: boom"));
    }

    #[test]
    fn a_kcompile_panic_is_a_disagreement_even_when_kustomize_fails_too() {
        let mut k = out(false, "", "thread 'main' panicked at x.rs\n");
        k.crashed = true;
        let Verdict::Disagree(d) = compare(&out(false, "", "e"), &k) else { panic!() };
        assert_eq!(d.kind, Kind::KcompileCrash);
    }
}
