//! `kcompile edit`: the arguments of kustomize's `edit` commands; the editing is
//! `kcompile::edit::apply`. Works on the kustomization in the current directory, as kustomize does.

use camino::Utf8PathBuf;
use clap::{Args, Subcommand};
use kcompile::edit::{AddGeneratorArgs, EditCommand, PatchArgs};
use kcompile::DiskFs;

#[derive(Subcommand)]
pub(crate) enum Edit {
    /// Sets a field or entries: image, namespace, nameprefix, namesuffix, replicas, label, annotation.
    #[command(subcommand)]
    Set(Set),
    /// Adds entries: resource, component, patch, configmap, secret, label, annotation.
    #[command(subcommand)]
    Add(Add),
    /// Removes entries: resource, patch, configmap, secret, label, annotation.
    #[command(subcommand)]
    Remove(Remove),
    /// Converts deprecated fields (bases, imageTags, patchesJson6902, patchesStrategicMerge,
    /// commonLabels, generators' env) and adds apiVersion/kind when missing.
    Fix {
        /// Convert vars to replacements (not supported by kcompile yet).
        #[arg(long)]
        vars: bool,
    },
}

#[derive(Subcommand)]
pub(crate) enum Set {
    /// `NAME=NEWNAME:TAG`, `NAME:TAG`, `NAME@DIGEST`, `NAME=NEWNAME`; `*` keeps the current value.
    Image { images: Vec<String> },
    /// The namespace of every object.
    Namespace { namespace: String },
    /// The prefix of every name.
    Nameprefix {
        #[arg(allow_hyphen_values = true)]
        prefix: String,
    },
    /// The suffix of every name (`-v2` needs no `--`).
    Namesuffix {
        #[arg(allow_hyphen_values = true)]
        suffix: String,
    },
    /// `NAME=COUNT`.
    Replicas { replicas: Vec<String> },
    /// `KEY:VALUE` commonLabels (existing keys are overwritten).
    Label { labels: Vec<String> },
    /// `KEY:VALUE` commonAnnotations (existing keys are overwritten).
    Annotation { annotations: Vec<String> },
}

#[derive(Subcommand)]
pub(crate) enum Add {
    /// Files, directories or URLs (globs allowed).
    Resource {
        paths: Vec<String>,
        /// Add the paths without checking that they exist.
        #[arg(long)]
        no_verify: bool,
    },
    /// Component directories.
    Component { paths: Vec<String> },
    /// A `patches` entry.
    Patch(PatchFlags),
    /// A configMapGenerator entry (or more sources for an existing one).
    Configmap(GeneratorFlags),
    /// A secretGenerator entry (or more sources for an existing one).
    Secret {
        #[command(flatten)]
        flags: GeneratorFlags,
        /// The secret's type (for a new secret).
        #[arg(long = "type", default_value = "Opaque")]
        secret_type: String,
    },
    /// `KEY:VALUE` commonLabels.
    Label {
        labels: Vec<String>,
        /// Overwrite existing keys.
        #[arg(short, long)]
        force: bool,
        /// Add a `labels` entry that does not touch selectors.
        #[arg(long)]
        without_selector: bool,
        /// With --without-selector: label pod templates too.
        #[arg(long)]
        include_templates: bool,
    },
    /// `KEY:VALUE` commonAnnotations.
    Annotation {
        annotations: Vec<String>,
        /// Overwrite existing keys.
        #[arg(short, long)]
        force: bool,
    },
}

#[derive(Subcommand)]
pub(crate) enum Remove {
    /// Entries of `resources` (patterns allowed).
    Resource { paths: Vec<String> },
    /// The `patches` entry equal to the flags.
    Patch(PatchFlags),
    /// configMapGenerator entries by name (comma-separated).
    Configmap {
        names: Vec<String>,
        #[arg(long, default_value = "")]
        namespace: String,
    },
    /// secretGenerator entries by name (comma-separated).
    Secret {
        names: Vec<String>,
        #[arg(long, default_value = "")]
        namespace: String,
    },
    /// commonLabels keys (comma-separated).
    Label {
        keys: Vec<String>,
        /// No error for a key that is not there.
        #[arg(short, long = "ignore-non-existence")]
        ignore: bool,
    },
    /// commonAnnotations keys (comma-separated).
    Annotation {
        keys: Vec<String>,
        /// No error for a key that is not there.
        #[arg(short, long = "ignore-non-existence")]
        ignore: bool,
    },
}

#[derive(Args)]
pub(crate) struct PatchFlags {
    #[arg(long, default_value = "")]
    path: String,
    #[arg(long, default_value = "")]
    patch: String,
    #[arg(long, default_value = "")]
    group: String,
    #[arg(long, default_value = "")]
    version: String,
    #[arg(long, default_value = "")]
    kind: String,
    #[arg(long, default_value = "")]
    name: String,
    #[arg(long, default_value = "")]
    namespace: String,
    #[arg(long, default_value = "")]
    annotation_selector: String,
    #[arg(long, default_value = "")]
    label_selector: String,
}

#[derive(Args)]
pub(crate) struct GeneratorFlags {
    names: Vec<String>,
    #[arg(long, default_value = "")]
    namespace: String,
    /// create, merge or replace.
    #[arg(long, default_value = "")]
    behavior: String,
    /// `[KEY=]PATH`.
    #[arg(long)]
    from_file: Vec<String>,
    /// `KEY=VALUE`.
    #[arg(long)]
    from_literal: Vec<String>,
    #[arg(long, default_value = "")]
    from_env_file: String,
    #[arg(long = "disableNameSuffixHash")]
    disable_name_suffix_hash: bool,
}

impl From<PatchFlags> for PatchArgs {
    fn from(f: PatchFlags) -> PatchArgs {
        PatchArgs {
            path: f.path,
            patch: f.patch,
            group: f.group,
            version: f.version,
            kind: f.kind,
            name: f.name,
            namespace: f.namespace,
            annotation_selector: f.annotation_selector,
            label_selector: f.label_selector,
        }
    }
}

fn generator(f: GeneratorFlags, secret_type: String) -> AddGeneratorArgs {
    AddGeneratorArgs {
        names: f.names,
        namespace: f.namespace,
        behavior: f.behavior,
        from_file: f.from_file,
        from_literal: f.from_literal,
        from_env_file: f.from_env_file,
        disable_name_suffix_hash: f.disable_name_suffix_hash,
        secret_type,
    }
}

fn command(edit: Edit) -> EditCommand {
    match edit {
        Edit::Set(s) => match s {
            Set::Image { images } => EditCommand::SetImage(images),
            Set::Namespace { namespace } => EditCommand::SetNamespace(namespace),
            Set::Nameprefix { prefix } => EditCommand::SetNamePrefix(prefix),
            Set::Namesuffix { suffix } => EditCommand::SetNameSuffix(suffix),
            Set::Replicas { replicas } => EditCommand::SetReplicas(replicas),
            Set::Label { labels } => EditCommand::SetLabel(labels),
            Set::Annotation { annotations } => EditCommand::SetAnnotation(annotations),
        },
        Edit::Add(a) => match a {
            Add::Resource { paths, no_verify } => EditCommand::AddResource { paths, no_verify },
            Add::Component { paths } => EditCommand::AddComponent(paths),
            Add::Patch(p) => EditCommand::AddPatch(p.into()),
            Add::Configmap(g) => EditCommand::AddConfigMap(generator(g, String::new())),
            Add::Secret { flags, secret_type } => EditCommand::AddSecret(generator(flags, secret_type)),
            Add::Label { labels, force, without_selector, include_templates } => {
                EditCommand::AddLabel { pairs: labels, force, without_selector, include_templates }
            }
            Add::Annotation { annotations, force } => EditCommand::AddAnnotation { pairs: annotations, force },
        },
        Edit::Remove(r) => match r {
            Remove::Resource { paths } => EditCommand::RemoveResource(paths),
            Remove::Patch(p) => EditCommand::RemovePatch(p.into()),
            Remove::Configmap { names, namespace } => EditCommand::RemoveConfigMap { names, namespace },
            Remove::Secret { names, namespace } => EditCommand::RemoveSecret { names, namespace },
            Remove::Label { keys, ignore } => EditCommand::RemoveLabel { keys, ignore_missing: ignore },
            Remove::Annotation { keys, ignore } => EditCommand::RemoveAnnotation { keys, ignore_missing: ignore },
        },
        Edit::Fix { vars } => EditCommand::Fix { vars },
    }
}

/// Edits the kustomization of the current directory; the file is rewritten only if it changed.
pub(crate) fn run(edit: Edit) -> Result<u8, String> {
    let cwd = std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    let dir = Utf8PathBuf::from_path_buf(cwd).map_err(|_| "the current directory is not UTF-8".to_string())?;
    let cmd = command(edit);
    let is_fix = matches!(cmd, EditCommand::Fix { .. });
    let build = || kcompile::build(&DiskFs, &dir, &kcompile::Options::default()).map(|b| b.yaml());
    // `fix` may change what the kustomization builds to (patches in another order): as
    // kustomize does, build before and after and say so.
    let before = if is_fix { Some(build()) } else { None };
    let result = kcompile::edit::find_kustomization(&DiskFs, &dir).and_then(|file| {
        let text =
            std::fs::read_to_string(&file).map_err(|e| kcompile::Error::new(format!("cannot read {file}: {e}")))?;
        match kcompile::edit::apply(&DiskFs, &dir, &text, &cmd) {
            Ok(out) => Ok((file, text, out)),
            // A position is one in the kustomization file (a YAML error).
            Err(e) if e.line().is_some() => Err(e.in_file(&file)),
            Err(e) => Err(e),
        }
    });
    match result {
        Ok((file, old, out)) => {
            for note in &out.notes {
                eprintln!("{note}");
            }
            if out.text != old {
                crate::write::to_path(&file, &|w| w.write_all(out.text.as_bytes()))?;
            }
            if let Some(Ok(before)) = before {
                match build() {
                    Err(e) => eprintln!("Warning: the fixed kustomization now fails to build: {}", e.message()),
                    Ok(after) if after != before => {
                        eprintln!("Warning: the fixed kustomization now builds to a different output")
                    }
                    Ok(_) => {}
                }
            }
            Ok(crate::exit::SUCCESS)
        }
        Err(e) => {
            eprint!("{}", crate::render::render(&e, crate::render::colour_wanted()));
            Ok(crate::exit::ERROR)
        }
    }
}
