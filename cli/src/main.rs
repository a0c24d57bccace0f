//! The `kcompile` command: parses arguments, calls the library, prints results and errors.
//! No build logic lives here.

mod diff;
mod edit;
mod lint_output;
mod render;
mod snapshot;

use camino::{Utf8Path, Utf8PathBuf};
use clap::{Parser, Subcommand, ValueEnum};
use kcompile::{DiskFs, LoadRestrictor, Options};
use std::io::Write;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "kcompile",
    version,
    about = "Compiles kustomize trees to static YAML, byte for byte as kustomize does"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Builds kustomization directories and prints the resulting YAML.
    ///
    /// With one directory the output goes to stdout (or -o). With several, they are built in
    /// parallel; use -o DIR (one file per root) or --snapshot-dir.
    Build {
        /// Directories holding a kustomization.
        #[arg(required = true)]
        dirs: Vec<Utf8PathBuf>,
        /// Write to this file, or (if it is an existing directory) one file per resource; with
        /// several roots, a directory that receives one file per root.
        #[arg(short, long)]
        output: Option<Utf8PathBuf>,
        /// Whether files outside a kustomization's directory may be read.
        #[arg(long, value_enum, default_value_t = Restrictor::LoadRestrictionsRootOnly)]
        load_restrictor: Restrictor,
        /// Compare each root's output with its snapshot in this directory (or write it, with --update).
        #[arg(long)]
        snapshot_dir: Option<Utf8PathBuf>,
        /// With --snapshot-dir: fail, showing a diff, when an output differs from its snapshot (the default).
        #[arg(long, requires = "snapshot_dir", conflicts_with = "update")]
        check: bool,
        /// With --snapshot-dir: write the snapshots instead of checking them.
        #[arg(long, requires = "snapshot_dir")]
        update: bool,
    },
    /// Builds a kustomization and reports what is probably a mistake: references that resolve
    /// to nothing or to another namespace, placeholders, autoscalers against fixed replicas,
    /// budgets that block drains, selectors that match nothing... (the README lists the rules).
    /// Exits 1 on any error-level finding; warnings fail only with `--deny warnings`. A
    /// kustomization turns rules off with a comment line `# kcompile:allow RULE`.
    Lint {
        /// The directory holding the kustomization.
        dir: Utf8PathBuf,
        /// `--deny warnings` makes any finding exit with code 1 (for CI).
        #[arg(long, value_parser = ["warnings"])]
        deny: Option<String>,
        /// `human` (on stderr), or `json` / `sarif` (SARIF 2.1.0, for code scanning) on stdout.
        #[arg(long, value_enum, default_value_t = LintFormat::Human)]
        format: LintFormat,
    },
    /// Prints the build's output with, after each value, where it came from: the resource
    /// file and line, the patch that set it, or the transformer (namespace, prefix, labels,
    /// images, replicas, replacement, generator, name reference...).
    ///
    /// Without the comments, the output is exactly what `kcompile build` prints.
    Explain {
        /// The directory holding the kustomization.
        dir: Utf8PathBuf,
        /// Only this object: KIND/NAME (e.g. Deployment/api), or NAME.
        #[arg(long, value_name = "KIND/NAME")]
        resource: Option<String>,
        /// Whether files outside a kustomization's directory may be read.
        #[arg(long, value_enum, default_value_t = Restrictor::LoadRestrictionsRootOnly)]
        load_restrictor: Restrictor,
    },
    /// Shows what differs between the builds of two kustomizations (objects added and removed,
    /// fields changed), e.g. `kcompile diff overlays/poc overlays/prod`. Exits 1 when they differ.
    Diff {
        /// The first kustomization directory.
        a: Utf8PathBuf,
        /// The second kustomization directory.
        b: Utf8PathBuf,
        /// Print the whole YAML of added objects.
        #[arg(long)]
        full: bool,
    },
    /// Re-prints YAML files the way kustomize prints resources (key order, quoting, folding).
    ///
    /// Each file is read with kustomize's rules and printed to stdout, documents separated by
    /// `---`. Also the floor the benchmark compares builds with: reading and printing every
    /// document once.
    Fmt {
        /// YAML files.
        #[arg(required = true)]
        files: Vec<Utf8PathBuf>,
    },
    /// Edits the kustomization in the current directory as `kustomize edit` does (set image,
    /// add resource, fix...), changing only the lines the edit concerns: comments, key order
    /// and formatting are kept.
    #[command(subcommand)]
    Edit(edit::Edit),
}

#[derive(Clone, Copy, ValueEnum)]
enum LintFormat {
    Human,
    Json,
    Sarif,
}

#[derive(Clone, Copy, ValueEnum)]
#[value(rename_all = "verbatim")]
enum Restrictor {
    LoadRestrictionsRootOnly,
    LoadRestrictionsNone,
}

impl From<Restrictor> for LoadRestrictor {
    fn from(r: Restrictor) -> LoadRestrictor {
        match r {
            Restrictor::LoadRestrictionsRootOnly => LoadRestrictor::RootOnly,
            Restrictor::LoadRestrictionsNone => LoadRestrictor::None,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("Error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Build { dirs, output, load_restrictor, snapshot_dir, check: _, update } => {
            let options = Options { load_restrictor: load_restrictor.into() };
            let roots: Vec<Utf8PathBuf> = dirs.iter().map(|d| absolute(d)).collect::<Result<_, _>>()?;
            // One root needs no cache of shared files; several share one session.
            let results = match roots.as_slice() {
                [root] => vec![kcompile::build(&DiskFs, root, &options)],
                _ => kcompile::Session::new(&DiskFs, options).build_all(&roots),
            };
            let mut builds = Vec::with_capacity(results.len());
            let mut failed = false;
            for (dir, result) in dirs.iter().zip(results) {
                match result {
                    Ok(b) => {
                        for w in b.warnings() {
                            eprintln!("{w}");
                        }
                        builds.push((dir, b));
                    }
                    Err(e) => {
                        failed = true;
                        let e = if dirs.len() > 1 { e.context(format!("while building {dir}")) } else { e };
                        eprint!("{}", render::render(&e, render::colour_wanted()));
                    }
                }
            }
            if failed {
                return Ok(ExitCode::FAILURE);
            }
            if let Some(snap_dir) = snapshot_dir {
                let outputs: Vec<(&Utf8Path, String)> = builds.iter().map(|(d, b)| (d.as_path(), b.yaml())).collect();
                return snapshot::run(&snap_dir, &outputs, update);
            }
            write_outputs(&builds, output.as_deref())?;
            // The process ends here: let the OS reclaim the documents instead of freeing every
            // node one by one (a measurable share of a large build).
            std::mem::forget(builds);
            Ok(ExitCode::SUCCESS)
        }
        Command::Lint { dir, deny, format } => {
            let findings = match kcompile::lint(&DiskFs, &absolute(&dir)?, &Options::default()) {
                Ok(f) => f,
                Err(e) => {
                    eprint!("{}", render::render(&e, render::colour_wanted()));
                    return Ok(ExitCode::FAILURE);
                }
            };
            let errors = findings.iter().filter(|f| f.severity == kcompile::Severity::Error).count();
            match format {
                LintFormat::Human => {
                    let colour = render::colour_wanted();
                    for f in &findings {
                        eprint!("{}", render::render_finding(f, colour));
                    }
                    eprintln!("{}", render::finding_counts(errors, findings.len() - errors));
                }
                LintFormat::Json | LintFormat::Sarif => {
                    let text = match format {
                        LintFormat::Json => lint_output::json(&findings),
                        _ => lint_output::sarif(&findings),
                    };
                    std::io::stdout().lock().write_all(text.as_bytes()).map_err(|e| e.to_string())?;
                }
            }
            let fail = errors > 0 || (deny.is_some() && !findings.is_empty());
            Ok(if fail { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        Command::Explain { dir, resource, load_restrictor } => {
            let options = kcompile::ExplainOptions {
                build: Options { load_restrictor: load_restrictor.into() },
                resource,
                relative_to: std::env::current_dir().ok().and_then(|d| Utf8PathBuf::from_path_buf(d).ok()),
            };
            match kcompile::explain(&DiskFs, &absolute(&dir)?, &options) {
                Ok(out) => {
                    for w in out.warnings() {
                        eprintln!("{w}");
                    }
                    std::io::stdout().lock().write_all(out.text().as_bytes()).map_err(|e| e.to_string())?;
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprint!("{}", render::render(&e, render::colour_wanted()));
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Diff { a, b, full } => {
            let options = Options::default();
            let mut built = Vec::new();
            for dir in [&a, &b] {
                match kcompile::build(&DiskFs, &absolute(dir)?, &options) {
                    Ok(x) => built.push(x),
                    Err(e) => {
                        eprint!(
                            "{}",
                            render::render(&e.context(format!("while building {dir}")), render::colour_wanted())
                        );
                        return Ok(ExitCode::FAILURE);
                    }
                }
            }
            let changes = kcompile::diff(&built[0], &built[1]);
            let mut out = String::new();
            for c in &changes {
                out.push_str(&format!("{c}\n"));
                if let (true, kcompile::Change::Added(_, yaml)) = (full, c) {
                    for line in yaml.lines() {
                        out.push_str(&format!("    {line}\n"));
                    }
                }
            }
            std::io::stdout().lock().write_all(out.as_bytes()).map_err(|e| e.to_string())?;
            Ok(if changes.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Command::Edit(e) => edit::run(e),
        Command::Fmt { files } => {
            let mut out = String::new();
            for file in &files {
                let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
                let docs = kcompile::data::parse(&text).map_err(|e| format!("{file}: {e}"))?;
                if !out.is_empty() && !docs.is_empty() {
                    out.push_str("---\n");
                }
                out.push_str(&kcompile::data::to_yaml(&docs.iter().collect::<Vec<_>>()));
            }
            std::io::stdout().lock().write_all(out.as_bytes()).map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn write_outputs(builds: &[(&Utf8PathBuf, kcompile::Build)], output: Option<&Utf8Path>) -> Result<(), String> {
    match (output, builds) {
        (None, [(_, b)]) => {
            let mut out = std::io::stdout().lock();
            b.write_yaml(&mut out).and_then(|_| out.flush()).map_err(|e| e.to_string())
        }
        (None, _) => Err("several roots were built: choose where each goes with -o DIR or --snapshot-dir".into()),
        (Some(path), [(_, b)]) if path.is_dir() => {
            for obj in b.objects() {
                write_atomic(&path.join(obj.file_name()), obj.yaml.as_bytes())?;
            }
            Ok(())
        }
        (Some(path), [(_, b)]) => write_atomic(path, b.yaml().as_bytes()),
        (Some(path), many) => {
            std::fs::create_dir_all(path).map_err(|e| format!("cannot create {path}: {e}"))?;
            for (dir, b) in many {
                write_atomic(&path.join(format!("{}.yaml", snapshot::root_name(dir))), b.yaml().as_bytes())?;
            }
            Ok(())
        }
    }
}

fn absolute(dir: &Utf8Path) -> Result<Utf8PathBuf, String> {
    if dir.is_absolute() {
        return Ok(dir.to_owned());
    }
    let cwd = std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    let cwd = Utf8PathBuf::from_path_buf(cwd).map_err(|_| "the current directory is not UTF-8".to_string())?;
    Ok(cwd.join(dir))
}

/// Writes through a temporary file in the same directory and a rename, so readers never see
/// a half-written file.
pub(crate) fn write_atomic(path: &Utf8Path, bytes: &[u8]) -> Result<(), String> {
    let dir = path.parent().filter(|p| !p.as_str().is_empty()).unwrap_or(Utf8Path::new("."));
    let name = path.file_name().unwrap_or("out");
    let tmp = dir.join(format!(".{name}.kcompile-tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes).and_then(|_| std::fs::rename(&tmp, path)).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot write {path}: {e}")
    })
}

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
