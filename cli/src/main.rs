//! The `kcompile` command: parses arguments, calls the library, prints results and errors.
//! No build logic lives here.

mod diff;
mod edit;
mod helm;
mod lint_output;
mod remote;
mod render;
mod snapshot;
mod write;

use camino::{Utf8Path, Utf8PathBuf};
use clap::{ArgAction, Args, CommandFactory, Parser, Subcommand, ValueEnum};
use kcompile::{DiskFs, LoadRestrictor, Options};
use std::io::{Read, Write};
use std::process::ExitCode;

/// Exit codes (the README's table).
mod exit {
    /// Success; `diff` and `--check`: no differences.
    pub const SUCCESS: u8 = 0;
    /// An error: a build failed, a file could not be read or written.
    pub const ERROR: u8 = 1;
    /// The command line is wrong (clap uses 2 for its own errors too).
    pub const USAGE: u8 = 2;
    /// The command worked and found differences: `diff`, `build --check`, `lint --deny warnings`.
    pub const DIFFERENT: u8 = 3;
}

/// `--version`: kcompile's own version and the kustomize whose output it reproduces.
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (output of kustomize v5.5.0)");

#[derive(Parser)]
#[command(
    name = "kcompile",
    version = VERSION,
    about = "Compiles kustomize trees to static YAML, byte for byte as kustomize does",
    after_help = "Exit codes: 0 success, 1 error, 2 usage error, 3 differences found (diff, --check, lint --deny)."
)]
struct Cli {
    /// Accepted for kustomize compatibility; errors always show the chain of kustomizations.
    #[arg(long, global = true, action = ArgAction::Set, num_args = 0..=1, default_value = "false",
          default_missing_value = "true", require_equals = true, hide_default_value = true,
          hide_possible_values = true, value_name = "BOOL")]
    stack_trace: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Builds kustomization directories and prints the resulting YAML (`kustomize build`).
    ///
    /// With no directory, builds `.`. With one, the output goes to stdout (or -o). With several,
    /// they are built in parallel; use -o DIR/ (one file per root) or --snapshot-dir.
    Build {
        /// Directories holding a kustomization.
        #[arg(default_value = ".")]
        dirs: Vec<Utf8PathBuf>,
        /// Write to this file; or, if it is a directory or ends with '/', one file per object
        /// (one per root with several roots), creating the directory when missing.
        #[arg(short, long)]
        output: Option<Utf8PathBuf>,
        #[command(flatten)]
        flags: BuildFlags,
        /// Compare each root's output with its snapshot in this directory (or write it, with
        /// --update). Snapshots are named from the root's path relative to the directory that
        /// holds the snapshot directory (`overlays/poc` → `overlays__poc.snap`).
        #[arg(long)]
        snapshot_dir: Option<Utf8PathBuf>,
        /// With --snapshot-dir: fail (exit 3), showing a diff, when an output differs from its
        /// snapshot (the default).
        #[arg(long, requires = "snapshot_dir", conflicts_with = "update")]
        check: bool,
        /// With --snapshot-dir: write the snapshots instead of checking them.
        #[arg(long, requires = "snapshot_dir")]
        update: bool,
    },
    /// Builds kustomizations and reports what is probably a mistake: references that resolve
    /// to nothing or to another namespace, placeholders, autoscalers against fixed replicas,
    /// budgets that block drains, selectors that match nothing... (the README lists the rules).
    /// Exits 3 on any error-level finding; warnings fail only with `--deny warnings`. A
    /// kustomization turns rules off with a comment line `# kcompile:allow RULE`.
    Lint {
        /// Directories holding a kustomization (default: `.`).
        #[arg(default_value = ".")]
        dirs: Vec<Utf8PathBuf>,
        /// `--deny warnings` makes any finding exit with code 3 (for CI).
        #[arg(long, value_parser = ["warnings"])]
        deny: Option<String>,
        /// `human` (on stderr), or `json` / `sarif` (SARIF 2.1.0, for code scanning) on stdout.
        #[arg(long, value_enum, default_value_t = LintFormat::Human)]
        format: LintFormat,
        #[command(flatten)]
        flags: BuildFlags,
    },
    /// Prints the build's output with, after each value, where it came from: the resource
    /// file and line, the patch that set it, or the transformer (namespace, prefix, labels,
    /// images, replicas, replacement, generator, name reference...).
    ///
    /// Without the comments, the output is exactly what `kcompile build` prints. With several
    /// directories, each one's output follows a `# kcompile explain DIR` line.
    Explain {
        /// Directories holding a kustomization (default: `.`).
        #[arg(default_value = ".")]
        dirs: Vec<Utf8PathBuf>,
        /// Only this object: KIND/NAME (e.g. Deployment/api), or NAME.
        #[arg(long, value_name = "KIND/NAME")]
        resource: Option<String>,
        #[command(flatten)]
        flags: BuildFlags,
    },
    /// Shows what differs between the builds of two kustomizations (objects added and removed,
    /// fields changed), e.g. `kcompile diff overlays/poc overlays/prod`. Exits 3 when they
    /// differ, 1 when a build fails.
    Diff {
        /// The first kustomization directory.
        a: Utf8PathBuf,
        /// The second kustomization directory.
        b: Utf8PathBuf,
        /// Print the whole YAML of added objects.
        #[arg(long)]
        full: bool,
        #[command(flatten)]
        flags: BuildFlags,
    },
    /// Re-prints YAML files the way kustomize prints resources (key order, quoting, folding).
    ///
    /// Each file is read with kustomize's rules and printed to stdout, documents separated by
    /// `---`. It prints what kustomize would print, so comments do not survive. Also the floor
    /// the benchmark compares builds with: reading and printing every document once.
    Fmt {
        /// YAML files; `-` reads standard input.
        #[arg(required = true)]
        files: Vec<Utf8PathBuf>,
        /// Rewrite each file in place instead of printing (comments are lost).
        #[arg(long)]
        write: bool,
    },
    /// Prints a completion script for a shell, e.g. `kcompile completions bash >
    /// /etc/bash_completion.d/kcompile`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Edits the kustomization in the current directory as `kustomize edit` does (set image,
    /// add resource, fix...), changing only the lines the edit concerns: comments, key order
    /// and formatting are kept.
    #[command(subcommand)]
    Edit(edit::Edit),
}

/// The options of `kustomize build` v5.5.0, shared by every command that builds.
#[derive(Args)]
struct BuildFlags {
    /// Whether files outside a kustomization's directory may be read.
    #[arg(long, value_enum, default_value_t = Restrictor::LoadRestrictionsRootOnly)]
    load_restrictor: Restrictor,
    /// Deprecated in kustomize (use `sortOptions`): the output order when the kustomization has
    /// no `sortOptions`: `legacy` (the default) or `none` (the order resources were read in).
    #[arg(long, value_enum)]
    reorder: Option<ReorderFlag>,
    /// Deprecated in kustomize (use `buildMetadata: [managedByLabel]`): add the label
    /// `app.kubernetes.io/managed-by`. Also on with KUSTOMIZE_ENABLE_MANAGEDBY_LABEL=on.
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, default_value = "false", default_missing_value = "true",
          require_equals = true, hide_default_value = true, hide_possible_values = true, value_name = "BOOL")]
    enable_managedby_label: bool,
    #[command(flatten)]
    remote: RemoteFlags,
    #[command(flatten)]
    limits: LimitFlags,
    #[command(flatten)]
    plugins: PluginFlags,
}

/// Remote bases, components and files (`https://github.com/org/repo//dir?ref=v1`, ...).
#[derive(Args)]
#[command(next_help_heading = "Remote bases (see the README)")]
struct RemoteFlags {
    /// Use only what is cached: a remote base or HTTP file not in the cache is an error, and
    /// branches are not resolved again.
    #[arg(long)]
    offline: bool,
    /// Where checkouts of remote bases and HTTP files are kept [default:
    /// $XDG_CACHE_HOME/kcompile, else ~/.cache/kcompile].
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<Utf8PathBuf>,
}

/// Bounds on what one build reads (all its files together), against hostile trees.
#[derive(Args)]
#[command(next_help_heading = "Limits of one build (all files together; see the README)")]
struct LimitFlags {
    /// Bytes of files read [default: 64 MiB].
    #[arg(long, value_name = "BYTES", value_parser = parse_size)]
    max_input_bytes: Option<u64>,
    /// YAML nodes built, alias expansions included [default: 4000000].
    #[arg(long, value_name = "N", value_parser = parse_size)]
    max_nodes: Option<u64>,
    /// YAML nodes made by alias expansion [default: 1000000].
    #[arg(long, value_name = "N", value_parser = parse_size)]
    max_alias_nodes: Option<u64>,
    /// Bytes of YAML text (scalars and keys) built, alias expansions included [default: 64 MiB].
    #[arg(long, value_name = "BYTES", value_parser = parse_size)]
    max_text_bytes: Option<u64>,
    /// YAML documents read [default: 100000].
    #[arg(long, value_name = "N", value_parser = parse_size)]
    max_documents: Option<u64>,
}

/// A count or size: digits, optionally followed by K, M, G (powers of 1000) or KiB, MiB, GiB.
fn parse_size(s: &str) -> Result<u64, String> {
    let digits = s.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit: u64 = match &s[digits.len()..] {
        "" => 1,
        "K" | "k" => 1_000,
        "M" => 1_000_000,
        "G" => 1_000_000_000,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        other => return Err(format!("unknown unit '{other}' (use K, M, G, KiB, MiB or GiB)")),
    };
    let n: u64 = digits.parse().map_err(|_| format!("'{s}' is not a number"))?;
    n.checked_mul(unit).ok_or_else(|| format!("'{s}' is too large"))
}

impl LimitFlags {
    fn limits(&self) -> kcompile::BuildLimits {
        let d = kcompile::BuildLimits::default();
        let size = |v: Option<u64>, d: usize| v.map_or(d, |v| usize::try_from(v).unwrap_or(usize::MAX));
        kcompile::BuildLimits::default()
            .with_max_input_bytes(self.max_input_bytes.unwrap_or(d.max_input_bytes))
            .with_max_nodes(size(self.max_nodes, d.max_nodes))
            .with_max_alias_nodes(size(self.max_alias_nodes, d.max_alias_nodes))
            .with_max_text_bytes(size(self.max_text_bytes, d.max_text_bytes))
            .with_max_documents(size(self.max_documents, d.max_documents))
    }
}

/// kustomize's flags for plugins, functions and Helm. The plugin and function flags are accepted
/// so that scripts keep working, but kcompile runs no plugin or function; a kustomization that
/// needs one fails with an error naming it. The Helm flags work as in kustomize.
#[derive(Args)]
#[command(next_help_heading = "kustomize's plugin and Helm flags (kcompile runs no plugins or functions)")]
struct PluginFlags {
    /// kustomize: enable plugins.
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, default_value = "false", default_missing_value = "true",
          require_equals = true, hide_default_value = true, hide_possible_values = true, value_name = "BOOL")]
    enable_alpha_plugins: bool,
    /// kustomize: enable exec functions.
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, default_value = "false", default_missing_value = "true",
          require_equals = true, hide_default_value = true, hide_possible_values = true, value_name = "BOOL")]
    enable_exec: bool,
    /// kustomize: network access for container functions.
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, default_value = "false", default_missing_value = "true",
          require_equals = true, hide_default_value = true, hide_possible_values = true, value_name = "BOOL")]
    network: bool,
    /// kustomize: the docker network for container functions.
    #[arg(long, value_name = "NAME")]
    network_name: Option<String>,
    /// kustomize: storage mounted into container functions.
    #[arg(long, value_name = "MOUNT")]
    mount: Vec<String>,
    /// kustomize: environment variables for functions.
    #[arg(short, long, value_name = "VAR")]
    env: Vec<String>,
    /// kustomize: run container functions as the current user.
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, default_value = "false", default_missing_value = "true",
          require_equals = true, hide_default_value = true, hide_possible_values = true, value_name = "BOOL")]
    as_current_user: bool,
    /// Inflate Helm charts (`helmCharts`, HelmChartInflationGenerator) by running helm.
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, default_value = "false", default_missing_value = "true",
          require_equals = true, hide_default_value = true, hide_possible_values = true, value_name = "BOOL")]
    enable_helm: bool,
    /// The helm v3 executable, with --enable-helm [default: helm].
    #[arg(long, value_name = "PATH")]
    helm_command: Option<String>,
    /// API versions for Helm's Capabilities.APIVersions (`helm template --api-versions`), for charts that give none.
    #[arg(long, value_name = "VERSION")]
    helm_api_versions: Vec<String>,
    /// The Kubernetes version for Helm's Capabilities.KubeVersion (`--kube-version`), for charts that give none.
    #[arg(long, value_name = "VERSION")]
    helm_kube_version: Option<String>,
    /// Run `helm template --debug` (its output is shown when it fails).
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, default_value = "false", default_missing_value = "true",
          require_equals = true, hide_default_value = true, hide_possible_values = true, value_name = "BOOL")]
    helm_debug: bool,
}

impl BuildFlags {
    /// The library's options, after printing kustomize's deprecation notices and a note for
    /// each plugin flag kcompile accepts without running anything.
    fn options(&self) -> Options {
        if self.reorder.is_some() {
            eprintln!(
                "Flag --reorder has been deprecated, use the new 'sortOptions' field in kustomization.yaml instead."
            );
        }
        if self.enable_managedby_label {
            eprintln!("Flag --enable-managedby-label has been deprecated, The flag `enable-managedby-label` has been deprecated. Use the `managedByLabel` option in the `buildMetadata` field instead.");
        }
        let p = &self.plugins;
        if p.enable_alpha_plugins || p.enable_exec {
            eprintln!("note: kcompile runs no plugins or functions (--enable-alpha-plugins, --enable-exec): a kustomization that declares one fails with an error naming it; run that tree with kustomize, or build the plugin's output once into a file and list it in `resources`");
        }
        let helm = p.enable_helm.then(|| {
            let command = p.helm_command.clone().unwrap_or_else(|| "helm".to_string());
            kcompile::HelmConfig::new(std::sync::Arc::new(helm::HelmCommand::new(command)))
                .with_api_versions(p.helm_api_versions.clone())
                .with_kube_version(p.helm_kube_version.clone().unwrap_or_default())
                .with_debug(p.helm_debug)
        });
        Options::default()
            .with_load_restrictor(self.load_restrictor.into())
            .with_reorder(self.reorder.map(|r| match r {
                ReorderFlag::Legacy => kcompile::Reorder::Legacy,
                ReorderFlag::None => kcompile::Reorder::None,
            }))
            .with_managed_by_label(
                self.enable_managedby_label
                    || std::env::var("KUSTOMIZE_ENABLE_MANAGEDBY_LABEL").is_ok_and(|v| v == "on"),
            )
            .with_limits(self.limits.limits())
            .with_fetcher(Some(remote::Parallel::new(remote::GitFetcher::new(
                self.remote.cache_dir.as_deref().map(|d| absolute(d).unwrap_or_else(|_| d.to_owned())),
                self.remote.offline,
            ))))
            .with_helm(helm)
    }
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

#[derive(Clone, Copy, ValueEnum)]
#[value(rename_all = "lower")]
enum ReorderFlag {
    Legacy,
    None,
}

impl From<Restrictor> for LoadRestrictor {
    fn from(r: Restrictor) -> LoadRestrictor {
        match r {
            Restrictor::LoadRestrictionsRootOnly => LoadRestrictor::RootOnly,
            Restrictor::LoadRestrictionsNone => LoadRestrictor::Unrestricted,
        }
    }
}

/// Why a command stopped.
enum Failure {
    /// Exit 1 with this message.
    Error(String),
    /// Exit 2 with this message: the command line asks for something impossible.
    Usage(String),
}

impl From<String> for Failure {
    fn from(s: String) -> Failure {
        Failure::Error(s)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(Failure::Error(message)) => {
            eprintln!("Error: {message}");
            ExitCode::from(exit::ERROR)
        }
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(exit::USAGE)
        }
    }
}

/// Writes to stdout; a closed pipe ends the process quietly, as in kustomize.
fn print(bytes: &[u8]) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes).and_then(|_| out.flush()).map_err(|e| {
        write::exit_on_broken_pipe(&e);
        Failure::Error(format!("cannot write to stdout: {e}"))
    })
}

fn report(e: &kcompile::Error, dir: &Utf8Path, several: bool) {
    let e = if several { e.clone().context(format!("while building {dir}")) } else { e.clone() };
    eprint!("{}", render::render(&e, render::colour_wanted()));
}

fn run(cli: Cli) -> Result<u8, Failure> {
    match cli.command {
        Command::Build { dirs, output, flags, snapshot_dir, check: _, update } => {
            let options = flags.options();
            if let (Some(_), Some(_)) = (&output, &snapshot_dir) {
                return Err(Failure::Usage("-o and --snapshot-dir cannot be used together".into()));
            }
            let is_dir = |p: &Utf8Path| {
                p.is_dir() || p.as_str().ends_with('/') || p.as_str().ends_with(std::path::MAIN_SEPARATOR)
            };
            if dirs.len() > 1 && output.is_none() && snapshot_dir.is_none() {
                return Err(Failure::Usage(
                    "several roots were given: choose where each one's output goes with -o DIR/ or --snapshot-dir"
                        .into(),
                ));
            }
            if let Some(path) = output.as_deref().filter(|p| dirs.len() > 1 && !is_dir(p)) {
                return Err(Failure::Usage(format!(
                    "-o {path}: several roots write one file each, into a directory; give an existing directory or end the path with '/'"
                )));
            }
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
                        for w in b.diagnostics() {
                            eprintln!("{w}");
                        }
                        builds.push((dir, b));
                    }
                    Err(e) => {
                        failed = true;
                        report(&e, dir, dirs.len() > 1);
                    }
                }
            }
            if failed {
                return Ok(exit::ERROR);
            }
            if let Some(snap_dir) = snapshot_dir {
                let outputs: Vec<(&Utf8Path, String)> = builds.iter().map(|(d, b)| (d.as_path(), b.yaml())).collect();
                return snapshot::run(&snap_dir, &outputs, update).map_err(Failure::Error);
            }
            write_outputs(&builds, output.as_deref(), is_dir)?;
            // The process ends here: let the OS reclaim the documents instead of freeing every
            // node one by one (a measurable share of a large build).
            std::mem::forget(builds);
            Ok(exit::SUCCESS)
        }
        Command::Lint { dirs, deny, format, flags } => {
            let options = flags.options();
            let colour = render::colour_wanted();
            let mut findings = Vec::new();
            let mut failed = false;
            for dir in &dirs {
                match kcompile::lint(&DiskFs, &absolute(dir)?, &options) {
                    Ok(f) => findings.extend(f),
                    Err(e) => {
                        failed = true;
                        report(&e, dir, dirs.len() > 1);
                    }
                }
            }
            if failed {
                return Ok(exit::ERROR);
            }
            let errors = findings.iter().filter(|f| f.severity == kcompile::Severity::Error).count();
            match format {
                LintFormat::Human => {
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
            Ok(if fail { exit::DIFFERENT } else { exit::SUCCESS })
        }
        Command::Explain { dirs, resource, flags } => {
            let options = kcompile::ExplainOptions::default()
                .with_build(flags.options())
                .with_resource(resource)
                .with_relative_to(std::env::current_dir().ok().and_then(|d| Utf8PathBuf::from_path_buf(d).ok()));
            let mut text = String::new();
            for dir in &dirs {
                match kcompile::explain(&DiskFs, &absolute(dir)?, &options) {
                    Ok(out) => {
                        for w in out.warnings() {
                            eprintln!("{w}");
                        }
                        if dirs.len() > 1 {
                            if !text.is_empty() {
                                text.push_str("---\n");
                            }
                            text.push_str(&format!("# kcompile explain {dir}\n"));
                        }
                        text.push_str(&out.text());
                    }
                    Err(e) => {
                        report(&e, dir, dirs.len() > 1);
                        return Ok(exit::ERROR);
                    }
                }
            }
            print(text.as_bytes())?;
            Ok(exit::SUCCESS)
        }
        Command::Diff { a, b, full, flags } => {
            let options = flags.options();
            let mut built = Vec::new();
            for dir in [&a, &b] {
                match kcompile::build(&DiskFs, &absolute(dir)?, &options) {
                    Ok(x) => built.push(x),
                    Err(e) => {
                        report(&e, dir, true);
                        return Ok(exit::ERROR);
                    }
                }
            }
            let changes = kcompile::diff(&built[0], &built[1]);
            let mut out = String::new();
            for c in &changes {
                out.push_str(&format!("{c}\n"));
                if let (true, kcompile::Change::Added { yaml, .. }) = (full, c) {
                    for line in yaml.lines() {
                        out.push_str(&format!("    {line}\n"));
                    }
                }
            }
            print(out.as_bytes())?;
            Ok(if changes.is_empty() { exit::SUCCESS } else { exit::DIFFERENT })
        }
        Command::Edit(e) => Ok(edit::run(e)?),
        Command::Fmt { files, write } => {
            if write && files.iter().any(|f| f == "-") {
                return Err(Failure::Usage(
                    "fmt --write rewrites files; '-' (standard input) has no file to rewrite".into(),
                ));
            }
            let mut out = String::new();
            for file in &files {
                let text = if file == "-" {
                    let mut t = String::new();
                    std::io::stdin().read_to_string(&mut t).map_err(|e| format!("standard input: {e}"))?;
                    t
                } else {
                    std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?
                };
                let docs = kcompile::data::parse(&text).map_err(|e| format!("{file}: {e}"))?;
                let yaml = kcompile::data::to_yaml(&docs.iter().collect::<Vec<_>>());
                if write {
                    if yaml != text {
                        write::to_path(file, &|w| w.write_all(yaml.as_bytes()))?;
                    }
                    continue;
                }
                if !out.is_empty() && !docs.is_empty() {
                    out.push_str("---\n");
                }
                out.push_str(&yaml);
            }
            print(out.as_bytes())?;
            Ok(exit::SUCCESS)
        }
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "kcompile", &mut script);
            print(&script)?;
            Ok(exit::SUCCESS)
        }
    }
}

fn write_outputs(
    builds: &[(&Utf8PathBuf, kcompile::Build)],
    output: Option<&Utf8Path>,
    is_dir: impl Fn(&Utf8Path) -> bool,
) -> Result<(), String> {
    match (output, builds) {
        (None, [(_, b)]) => {
            let mut out = std::io::stdout().lock();
            b.write_yaml(&mut out).and_then(|_| out.flush()).map_err(|e| {
                write::exit_on_broken_pipe(&e);
                e.to_string()
            })
        }
        (None, _) => Err("several roots need -o DIR/ or --snapshot-dir".into()),
        (Some(path), [(_, b)]) if is_dir(path) => {
            let dir = write::OutDir::create(path)?;
            let names = b.file_names();
            let objects = b.objects();
            let mut seen: std::collections::HashMap<&str, &kcompile::Object> = std::collections::HashMap::new();
            for (name, obj) in names.iter().zip(&objects) {
                if let Some(first) = seen.insert(name, obj) {
                    return Err(format!(
                        "{} {}/{} and {} {}/{} would both be written to {}; nothing was written",
                        first.id().kind,
                        first.id().namespace,
                        first.id().name,
                        obj.id().kind,
                        obj.id().namespace,
                        obj.id().name,
                        path.join(name)
                    ));
                }
            }
            for (name, obj) in names.iter().zip(&objects) {
                dir.write(name, obj.yaml().as_bytes())?;
            }
            Ok(())
        }
        (Some(path), [(_, b)]) => write::to_path(path, &|w| b.write_yaml(w)),
        (Some(path), many) if is_dir(path) => {
            let dir = write::OutDir::create(path)?;
            let mut seen: std::collections::HashMap<String, &Utf8PathBuf> = std::collections::HashMap::new();
            let mut names = Vec::with_capacity(many.len());
            let cwd = absolute(Utf8Path::new("."))?;
            for (root, _) in many {
                let name = format!("{}.yaml", snapshot::root_name(root, &cwd));
                if let Some(first) = seen.insert(name.clone(), root) {
                    return Err(format!(
                        "the roots {first} and {root} would both be written to {}; nothing was written",
                        path.join(&name)
                    ));
                }
                names.push(name);
            }
            for (name, (_, b)) in names.iter().zip(many) {
                let mut bytes = Vec::new();
                b.write_yaml(&mut bytes).map_err(|e| e.to_string())?;
                dir.write(name, &bytes)?;
            }
            Ok(())
        }
        (Some(path), _) => Err(format!("-o {path}: several roots write into a directory")),
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

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
