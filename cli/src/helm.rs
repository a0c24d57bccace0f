//! The CLI's [`Helm`] runner (`--enable-helm`): runs the helm binary (`--helm-command`, `helm` by
//! default) as kustomize does, each chart in a scratch directory of its own
//! (`$TMPDIR/kcompile-helm-<random>`, made with mode 0700 and removed afterwards) that holds the
//! values file kcompile writes for helm and, unless `helmGlobals.configHome` says otherwise,
//! helm's configuration home.

use camino::{Utf8Path, Utf8PathBuf};
use kcompile::{Error, Helm, HelmRun, Result};
use std::process::Command;

/// Runs `command` for each chart.
#[derive(Debug)]
pub struct HelmCommand {
    command: String,
}

impl HelmCommand {
    pub fn new(command: String) -> HelmCommand {
        HelmCommand { command }
    }
}

impl Helm for HelmCommand {
    fn start(&self) -> Result<Box<dyn HelmRun>> {
        let tmp = Utf8PathBuf::from_path_buf(std::env::temp_dir())
            .map_err(|p| Error::new(format!("the temporary directory {} is not UTF-8", p.display())))?;
        let dir = tmp.join(format!("kcompile-helm-{:016x}", crate::write::random()));
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(&dir)
            .map_err(|e| Error::new(format!("unable to create tmp dir for HELM_CONFIG_HOME: {dir}: {e}")))?;
        Ok(Box::new(Run { command: self.command.clone(), dir }))
    }
}

/// One chart's scratch directory, removed on drop.
struct Run {
    command: String,
    dir: Utf8PathBuf,
}

impl Drop for Run {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl HelmRun for Run {
    fn dir(&self) -> &Utf8Path {
        &self.dir
    }

    fn write(&mut self, name: &str, bytes: &[u8]) -> Result<Utf8PathBuf> {
        let path = self.dir.join(name);
        std::fs::write(&path, bytes).map_err(|e| Error::new(format!("failed to write values file {path}: {e}")))?;
        Ok(path)
    }

    /// kustomize's `runHelmCommand`, with its message on failure: what helm printed on stderr,
    /// then the command line, the environment it added and why it failed.
    fn helm(&mut self, args: &[String], config_home: &str) -> Result<Vec<u8>> {
        let env = [
            ("HELM_CONFIG_HOME", config_home.to_string()),
            ("HELM_CACHE_HOME", format!("{config_home}/.cache")),
            ("HELM_DATA_HOME", format!("{config_home}/.data")),
        ];
        let output = Command::new(&self.command).args(args).envs(env.iter().map(|(k, v)| (k, v))).output();
        let (stdout, stderr, failure) = match output {
            Ok(o) if o.status.success() => return Ok(o.stdout),
            Ok(o) => (o.stdout, o.stderr, o.status.to_string()),
            Err(e) => (Vec::new(), Vec::new(), e.to_string()),
        };
        let mut said = String::from_utf8_lossy(&stderr).into_owned();
        if args.iter().any(|a| a == "--debug") {
            said = format!(" Helm stack trace:\n{said}\nHelm template:\n{}\n", String::from_utf8_lossy(&stdout));
        }
        let env: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let helm = &self.command;
        let message = format!(
            "unable to run: '{helm} {}' with env=[{}] (is '{helm}' installed?): {failure}",
            args.join(" "),
            env.join(" ")
        );
        // kustomize puts what helm said before the message, when it said anything.
        Err(Error::new(if said.is_empty() { message } else { format!("{said}: {message}") })
            .help("check that --helm-command names helm v3 (it is run with the arguments above)"))
    }
}
