//! The `kcompile` command: parses arguments, calls the library, prints results and errors.

use camino::{Utf8Path, Utf8PathBuf};
use clap::{Parser, Subcommand, ValueEnum};
use kcompile::{build, DiskFs, LoadRestrictor, Options};
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
    /// Builds a kustomization directory and prints the resulting YAML.
    Build {
        /// The directory holding the kustomization.
        dir: Utf8PathBuf,
        /// Write to this file, or (if it is an existing directory) one file per resource.
        #[arg(short, long)]
        output: Option<Utf8PathBuf>,
        /// Whether files outside a kustomization's directory may be read.
        #[arg(long, value_enum, default_value_t = Restrictor::LoadRestrictionsRootOnly)]
        load_restrictor: Restrictor,
    },
}

#[derive(Clone, Copy, ValueEnum)]
#[value(rename_all = "verbatim")]
enum Restrictor {
    LoadRestrictionsRootOnly,
    LoadRestrictionsNone,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("Error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Build { dir, output, load_restrictor } => {
            let options = Options {
                load_restrictor: match load_restrictor {
                    Restrictor::LoadRestrictionsRootOnly => LoadRestrictor::RootOnly,
                    Restrictor::LoadRestrictionsNone => LoadRestrictor::None,
                },
            };
            let root = absolute(&dir)?;
            let built = build(&DiskFs, &root, &options).map_err(|e| e.to_string())?;
            for w in built.warnings() {
                eprintln!("{w}");
            }
            match output {
                None => {
                    let mut out = std::io::stdout().lock();
                    out.write_all(built.yaml().as_bytes()).and_then(|_| out.flush()).map_err(|e| e.to_string())
                }
                Some(path) if path.is_dir() => {
                    for obj in built.objects() {
                        let file = path.join(obj.file_name());
                        write_atomic(&file, obj.yaml.as_bytes())?;
                    }
                    Ok(())
                }
                Some(path) => write_atomic(&path, built.yaml().as_bytes()),
            }
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
fn write_atomic(path: &Utf8Path, bytes: &[u8]) -> Result<(), String> {
    let dir = path.parent().filter(|p| !p.as_str().is_empty()).unwrap_or(Utf8Path::new("."));
    let name = path.file_name().unwrap_or("out");
    let tmp = dir.join(format!(".{name}.kcompile-tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes).and_then(|_| std::fs::rename(&tmp, path)).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot write {path}: {e}")
    })
}
