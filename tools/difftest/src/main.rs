//! `difftest`: generates kustomize trees from a seed, builds each with `kubectl kustomize` and
//! `kcompile build`, and reports every disagreement (different output, or only one of them
//! failing). Disagreements not in the known list are shrunk to a minimal tree and written to
//! `OUT/<case seed>/` as fixture candidates. Exit code 1 when there is a new disagreement.
//! See `tools/difftest/README.md`.

mod gen;
mod known;
mod rng;
mod run;
mod shrink;
mod tree;
mod yaml;

use clap::Parser;
use run::{compare, Disagreement, Kind, Tools, Verdict};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tree::Tree;

#[derive(Parser)]
#[command(name = "difftest", about = "Differential testing of kcompile against kubectl kustomize on generated trees")]
struct Args {
    /// How many cases to generate.
    #[arg(long, default_value_t = 100)]
    cases: u64,
    /// The run's seed: case i uses a seed derived from it and i.
    #[arg(long, default_value = "1", value_parser = parse_seed)]
    seed: u64,
    /// Replay one case by its own seed (as printed), instead of --cases/--seed.
    #[arg(long, value_parser = parse_seed)]
    case_seed: Option<u64>,
    /// With --case-seed: print the generated tree and exit (runs nothing).
    #[arg(long, requires = "case_seed")]
    print: bool,
    /// With --case-seed: write the generated tree to this directory and exit (runs nothing).
    #[arg(long, requires = "case_seed")]
    emit: Option<PathBuf>,
    /// Cases run in parallel.
    #[arg(long, default_value_t = 1)]
    jobs: usize,
    /// Stop starting new cases after this many seconds (shrinking included).
    #[arg(long)]
    seconds: Option<u64>,
    /// Where shrunk disagreements are written (OUT/<case seed>/).
    #[arg(long, default_value = "difftest-out")]
    out: PathBuf,
    #[arg(long, default_value = "target/release/kcompile")]
    kcompile: PathBuf,
    #[arg(long, default_value = "kubectl")]
    kubectl: PathBuf,
    /// Per-run timeout of each tool, in seconds.
    #[arg(long, default_value_t = 20)]
    timeout: u64,
    /// The known disagreements.
    #[arg(long, default_value = "tools/difftest/known.toml")]
    known: PathBuf,
    /// Do not shrink disagreements (just report them).
    #[arg(long)]
    no_shrink: bool,
    /// Also shrink and write out disagreements that the known list explains.
    #[arg(long)]
    shrink_known: bool,
    /// Time limit for shrinking one disagreement, in seconds.
    #[arg(long, default_value_t = 120)]
    shrink_seconds: u64,
    /// Print kustomize's error for every case where both fail (to tune the grammar's weights).
    #[arg(long)]
    show_errors: bool,
    /// Where generated trees are written while they run (default: a temporary directory).
    #[arg(long)]
    work: Option<PathBuf>,
}

fn parse_seed(s: &str) -> Result<u64, String> {
    let r = match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16),
        None => s.parse(),
    };
    r.map_err(|e| format!("not a seed: {e}"))
}

#[derive(Default)]
struct Stats {
    ran: usize,
    agree_ok: usize,
    agree_fail: usize,
    skipped: usize,
    /// (case seed, disagreement, known family)
    disagreements: Vec<(u64, Disagreement, Option<String>)>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let known = match std::fs::read_to_string(&args.known) {
        Ok(text) => match known::parse(&text) {
            Ok(k) => k,
            Err(e) => {
                eprintln!("difftest: {}: {e}", args.known.display());
                return ExitCode::from(2);
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => {
            eprintln!("difftest: {}: {e}", args.known.display());
            return ExitCode::from(2);
        }
    };
    if let (Some(dir), Some(s)) = (&args.emit, args.case_seed) {
        if let Err(e) = gen::generate(s).write(dir) {
            eprintln!("difftest: {}: {e}", dir.display());
            return ExitCode::from(2);
        }
        return ExitCode::SUCCESS;
    }
    if args.print {
        if let Some(s) = args.case_seed {
            print!("{}", gen::generate(s).listing());
        }
        return ExitCode::SUCCESS;
    }
    // The tools run in each case's directory: a relative path with a directory part must be
    // made absolute first (a bare name is looked up on PATH).
    let absolute = |p: &PathBuf| {
        if p.components().count() > 1 {
            std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())
        } else {
            p.clone()
        }
    };
    let tools = Tools {
        kubectl: absolute(&args.kubectl),
        kcompile: absolute(&args.kcompile),
        timeout: Duration::from_secs(args.timeout),
    };
    for (what, path) in [("kubectl", &tools.kubectl), ("kcompile", &tools.kcompile)] {
        let arg = if what == "kubectl" { "version" } else { "--version" };
        if std::process::Command::new(path).arg(arg).output().is_err() {
            eprintln!("difftest: cannot run {what} ({})", path.display());
            return ExitCode::from(2);
        }
    }
    let work =
        args.work.clone().unwrap_or_else(|| std::env::temp_dir().join(format!("difftest-{}", std::process::id())));
    let seeds: Vec<u64> = match args.case_seed {
        Some(s) => vec![s],
        None => (0..args.cases).map(|i| rng::case_seed(args.seed, i)).collect(),
    };
    let start = Instant::now();
    let deadline = args.seconds.map(|s| start + Duration::from_secs(s));
    let next = AtomicUsize::new(0);
    let stats = Mutex::new(Stats::default());
    std::thread::scope(|scope| {
        for _ in 0..args.jobs.max(1) {
            scope.spawn(|| loop {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&seed) = seeds.get(i) else { break };
                one_case(seed, &args, &tools, &known, &work, deadline, &stats);
            });
        }
    });
    let _ = std::fs::remove_dir_all(&work);
    let _ = std::fs::remove_dir_all(std::env::temp_dir().join(format!("difftest-io-{}", std::process::id())));
    let stats = stats.into_inner().unwrap_or_else(|e| e.into_inner());
    summary(&stats, &args, start.elapsed())
}

fn one_case(
    seed: u64,
    args: &Args,
    tools: &Tools,
    known: &[known::Known],
    work: &Path,
    deadline: Option<Instant>,
    stats: &Mutex<Stats>,
) {
    let tree = gen::generate(seed);
    let dir = work.join(seed.to_string());
    let (verdict, ku, _) = match check(&tree, &dir, tools) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("difftest: case {seed}: cannot write the tree: {e}");
            return;
        }
    };
    let record = |f: &dyn Fn(&mut Stats)| f(&mut stats.lock().unwrap_or_else(|e| e.into_inner()));
    match verdict {
        Verdict::AgreeOk => record(&|s| {
            s.ran += 1;
            s.agree_ok += 1
        }),
        Verdict::AgreeFail => record(&|s| {
            if args.show_errors {
                let line = run::first_line(&ku.stderr);
                let line = &line[line.char_indices().rev().nth(160).map_or(0, |(i, _)| i)..];
                eprintln!("both fail, case-seed={seed}: {line}");
            }
            s.ran += 1;
            s.agree_fail += 1
        }),
        Verdict::Skip(why) => {
            eprintln!("difftest: case {seed} skipped: {why}");
            record(&|s| {
                s.ran += 1;
                s.skipped += 1
            })
        }
        Verdict::Disagree(d) => {
            let k = known::find(known, &d);
            let family = k.map(|k| k.family.clone());
            eprintln!(
                "DISAGREE case-seed={seed} kind={} family={}{}\n  kubectl:  {}\n  kcompile: {}",
                d.kind.name(),
                family.as_deref().unwrap_or("NEW"),
                k.map(|k| format!(" ({})", k.reason)).unwrap_or_default(),
                d.kubectl,
                d.kcompile
            );
            if !args.no_shrink && (family.is_none() || args.shrink_known) {
                let limit = Instant::now() + Duration::from_secs(args.shrink_seconds);
                let limit = deadline.map_or(limit, |d| d.max(Instant::now() + Duration::from_secs(10)).min(limit));
                let small = shrink::shrink(&tree, limit, |cand| {
                    let Ok((Verdict::Disagree(e), _, _)) = check(cand, &dir, tools) else { return false };
                    same_character(&d, &e, known)
                });
                if let Err(e) = write_candidate(&small, &tree, seed, &d, family.as_deref(), args, tools, &dir) {
                    eprintln!("difftest: case {seed}: cannot write the candidate: {e}");
                }
            }
            record(&|s| {
                s.ran += 1;
                s.disagreements.push((seed, d.clone(), family.clone()))
            });
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Writes the tree and builds it with both tools. kcompile runs first: while shrinking, most
/// candidates are decided by it alone, and kubectl (the slow one) is then run only if needed.
fn check(tree: &Tree, dir: &Path, tools: &Tools) -> std::io::Result<(Verdict, run::Outcome, run::Outcome)> {
    tree.write(dir)?;
    let kc = tools.kcompile(dir);
    let ku = tools.kubectl(dir);
    Ok((compare(&ku, &kc), ku, kc))
}

/// Whether a shrunk candidate's disagreement `e` is still the original `d`: the same kind,
/// the same known family (or none), and for failures the same error with names and numbers
/// left out.
fn same_character(d: &Disagreement, e: &Disagreement, known: &[known::Known]) -> bool {
    let fam = |x: &Disagreement| known::find(known, x).map(|k| k.family.clone());
    if d.kind != e.kind || fam(d) != fam(e) {
        return false;
    }
    match d.kind {
        Kind::KcompileFails | Kind::KcompileCrash => normalize(&d.kcompile) == normalize(&e.kcompile),
        Kind::KubectlFails => normalize(&d.kubectl) == normalize(&e.kubectl),
        // the shrinker never renames keys: the first differing line stays on the same key
        Kind::Output => line_key(&d.kubectl) == line_key(&e.kubectl) && line_key(&d.kcompile) == line_key(&e.kcompile),
        Kind::KcompileTimeout => true,
    }
}

/// The key of an output line (`  - name: x` → `name`), or the whole line when it has none.
fn line_key(line: &str) -> &str {
    let t = line.trim_start().trim_start_matches("- ").trim_start();
    t.split_once(':').map_or(t, |(k, _)| k)
}

/// An error line without its quoted parts, paths and numbers.
fn normalize(line: &str) -> String {
    let mut out = String::new();
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if matches!(c, '\'' | '"' | '`') => {
                quote = Some(c);
                out.push('Q');
            }
            None if c.is_ascii_digit() => {
                if !out.ends_with('N') {
                    out.push('N');
                }
            }
            None => out.push(c),
        }
    }
    let words = out.split_whitespace().filter(|w| !w.contains('/')).collect::<Vec<_>>().join(" ");
    // kustomize's errors are chains (`outer: ...: inner`) that quote whole objects: the end of
    // the chain, the innermost error, is what identifies it
    let inner = words.rfind("}: ").map_or(words.as_str(), |i| &words[i + 3..]);
    let skip = inner.chars().count().saturating_sub(60);
    inner.chars().skip(skip).collect()
}

#[allow(clippy::too_many_arguments)]
fn write_candidate(
    small: &Tree,
    original: &Tree,
    seed: u64,
    d: &Disagreement,
    family: Option<&str>,
    args: &Args,
    tools: &Tools,
    work: &Path,
) -> std::io::Result<()> {
    let dir = args.out.join(seed.to_string());
    small.write(&dir)?;
    let (verdict, ku, kc) = check(small, work, tools)?;
    let write = |name: &str, text: &str| std::fs::write(dir.join(name), text);
    if ku.ok {
        write("kubectl.out", &ku.stdout)?;
    } else {
        write("kubectl.err", &ku.stderr)?;
    }
    if kc.ok {
        write("kcompile.out", &kc.stdout)?;
    } else {
        write("kcompile.err", &kc.stderr)?;
    }
    let now = match verdict {
        Verdict::Disagree(e) => format!("{}\n  kubectl:  {}\n  kcompile: {}", e.kind.name(), e.kubectl, e.kcompile),
        _ => "no longer disagrees when rebuilt (flaky?)".to_string(),
    };
    write(
        "difftest.txt",
        &format!(
            "case seed: {seed}\nreplay: difftest --case-seed {seed}\nknown family: {}\noriginal: {}\n  kubectl:  {}\n  kcompile: {}\nshrunk ({} -> {} nodes): {now}\nbuild: kubectl kustomize root\n",
            family.unwrap_or("none (new)"),
            d.kind.name(),
            d.kubectl,
            d.kcompile,
            original.size(),
            small.size(),
        ),
    )?;
    eprintln!("  shrunk {} -> {} nodes: {}", original.size(), small.size(), dir.display());
    Ok(())
}

fn summary(stats: &Stats, args: &Args, elapsed: Duration) -> ExitCode {
    let mut families: BTreeMap<String, (usize, Vec<u64>)> = BTreeMap::new();
    let mut new = 0;
    for (seed, d, family) in &stats.disagreements {
        let key = match family {
            Some(f) => format!("known {f}"),
            None => {
                new += 1;
                format!("NEW {}: {} | {}", d.kind.name(), d.kubectl, d.kcompile)
            }
        };
        let e = families.entry(key).or_default();
        e.0 += 1;
        e.1.push(*seed);
    }
    for (key, (n, seeds)) in &families {
        let shown: Vec<String> = seeds.iter().take(5).map(u64::to_string).collect();
        println!("{n:5}  {key}  (case seeds {}{})", shown.join(" "), if seeds.len() > 5 { " ..." } else { "" });
    }
    let seed = match args.case_seed {
        Some(s) => format!("case seed {s}"),
        None => format!("seed {}", args.seed),
    };
    println!(
        "{} cases ({seed}, {:.0}s): {} agree ({} both succeed, {} both fail), {} skipped, {} disagreements ({} known, {} new)",
        stats.ran,
        elapsed.as_secs_f64(),
        stats.agree_ok + stats.agree_fail,
        stats.agree_ok,
        stats.agree_fail,
        stats.skipped,
        stats.disagreements.len(),
        stats.disagreements.len() - new,
        new
    );
    if new > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_lines_compare_without_names_paths_and_numbers() {
        assert_eq!(
            normalize("error: root/res0.yaml:3:5: unknown field 'foo' in Deployment web"),
            normalize("error: base/x.yaml:12:1: unknown field 'bar' in Deployment web")
        );
        assert_ne!(normalize("error: no matches for 'x'"), normalize("error: duplicate id 'x'"));
        assert_eq!(
            normalize("accumulating: map[string]interface {}{\"data\":map[interface {}]interface {}{1:\"\"}}: json: unsupported type: map[interface {}]interface {}"),
            normalize("map[string]interface {}{\"kind\":\"ConfigMap\", \"metadata\":{}}: json: unsupported type: map[interface {}]interface {}")
        );
    }

    #[test]
    fn output_lines_are_compared_by_their_key() {
        assert_eq!(line_key("  - name: web"), "name");
        assert_eq!(line_key("    tls.crt: bmV4"), "tls.crt");
        assert_eq!(line_key("<end of output>"), "<end of output>");
    }
}
