//! What a build notices besides its output: warnings (printed by `build`, as kustomize prints
//! them) and notes for the tools built on the pipeline (patch and replacement targets that
//! selected nothing, for `kcompile lint`). Each is a value (what, message, file, position)
//! recorded in the build's [`Sink`]; nothing here knows who reads them. The pipeline writes
//! here and never imports `lint` or `explain`; they read what the build recorded.

use crate::kustomization::Deprecation;
use crate::yaml::node::Pos;
use camino::{Utf8Path, Utf8PathBuf};
use std::collections::BTreeSet;
use std::fmt;

/// What a diagnostic is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DiagnosticKind {
    /// A kustomization uses a field kustomize deprecates (`bases`, `commonLabels`, `vars`, ...).
    DeprecatedField,
    /// A generator's `behavior` is none of `create`, `merge`, `replace`.
    UnknownGeneratorBehavior,
    /// Vars declared and never used in a `$(VAR)`.
    UnusedVars,
    /// The sort order is given both by `sortOptions` and by `--reorder`.
    SortOrderOverridden,
    /// A patch or replacement target that selected no object when it ran.
    UnmatchedTarget,
}

impl DiagnosticKind {
    /// A stable name (lint's rule id where there is one).
    pub fn id(self) -> &'static str {
        match self {
            DiagnosticKind::DeprecatedField => "deprecated-field",
            DiagnosticKind::UnknownGeneratorBehavior => "unknown-generator-behavior",
            DiagnosticKind::UnusedVars => "unused-vars",
            DiagnosticKind::SortOrderOverridden => "sort-order-overridden",
            DiagnosticKind::UnmatchedTarget => "unmatched-target",
        }
    }
}

/// One thing a build noticed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Diagnostic {
    /// What it is about.
    pub kind: DiagnosticKind,
    /// What happened, in a sentence (no `Warning:` prefix, no location).
    pub message: String,
    /// The file it is about, where there is one.
    pub file: Option<Utf8PathBuf>,
    /// Where in `file`.
    pub pos: Option<Pos>,
    /// The configuration field it is about, where there is one (the deprecated field's name).
    pub field: Option<&'static str>,
}

impl Diagnostic {
    pub(crate) fn new(kind: DiagnosticKind, message: impl Into<String>) -> Diagnostic {
        Diagnostic { kind, message: message.into(), file: None, pos: None, field: None }
    }

    /// The same diagnostic, about `file` at `pos`.
    pub(crate) fn at(mut self, file: &Utf8Path, pos: Option<Pos>) -> Diagnostic {
        self.file = Some(file.to_owned());
        self.pos = pos;
        self
    }

    /// kustomize's notice of a deprecated field the kustomization `file` uses.
    pub(crate) fn deprecated_field(d: &Deprecation, file: &Utf8Path) -> Diagnostic {
        let mut out = Diagnostic::new(DiagnosticKind::DeprecatedField, d.message()).at(file, Some(d.pos));
        out.field = Some(d.field);
        out
    }
}

/// How kustomize starts its deprecation and generator warnings.
const DEPRECATION_PREFIX: &str = "# Warning: ";

/// The line `kustomize build` prints on stderr for a warning (each kind has kustomize's own
/// spelling, prefixes included).
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            DiagnosticKind::DeprecatedField => write!(f, "{DEPRECATION_PREFIX}{}", self.message),
            DiagnosticKind::UnknownGeneratorBehavior => {
                f.write_str(DEPRECATION_PREFIX)?;
                if let Some(file) = &self.file {
                    write!(f, "{file}:")?;
                    if let Some(pos) = self.pos {
                        write!(f, "{pos}:")?;
                    }
                    f.write_str(" ")?;
                }
                f.write_str(&self.message)
            }
            DiagnosticKind::SortOrderOverridden => write!(f, "Warning: {}", self.message),
            DiagnosticKind::UnusedVars | DiagnosticKind::UnmatchedTarget => f.write_str(&self.message),
        }
    }
}

/// Where a build records what it notices.
#[derive(Debug, Default)]
pub struct Sink {
    /// Printed by `build`, in the order met.
    pub warnings: Vec<Diagnostic>,
    /// Patch and replacement targets that selected nothing (not printed: kustomize is silent).
    pub unmatched: Vec<Diagnostic>,
}

impl Sink {
    pub fn warn(&mut self, d: Diagnostic) {
        self.warnings.push(d);
    }

    /// Records that `what` (configured at `pos` of `file`), selecting objects of `kind` named
    /// `name` (either may be absent, and for patches they are regular expressions), selected
    /// none of `resources`: what the kustomization can see when the step runs. The message
    /// says which kind or name was probably meant.
    pub fn unmatched_target(
        &mut self,
        file: &Utf8Path,
        pos: Pos,
        what: &str,
        kind: Option<&str>,
        name: Option<&str>,
        resources: &[crate::resource::Resource],
    ) {
        let mut selector = Vec::new();
        if let Some(k) = kind {
            selector.push(format!("kind {k}"));
        }
        if let Some(n) = name {
            selector.push(format!("name {n}"));
        }
        let selector = if selector.is_empty() { String::new() } else { format!(" ({})", selector.join(", ")) };
        let mut message =
            format!("{what} selects no object{selector}, so it changes nothing (kustomize does not complain)");
        let kinds: BTreeSet<&str> = resources.iter().map(|r| r.kind()).collect();
        let hint = match (kind, name) {
            (Some(k), _) if !kinds.contains(k) => match crate::error::closest(k, kinds.iter().copied()) {
                Some(near) => Some(format!("did you mean kind '{near}'?")),
                None => Some(format!(
                    "there is no {k} among the objects this kustomization sees at that point (kinds: {})",
                    kinds.iter().copied().collect::<Vec<_>>().join(", ")
                )),
            },
            (k, Some(n)) => {
                let names: BTreeSet<&str> =
                    resources.iter().filter(|r| k.is_none_or(|k| r.kind() == k)).map(|r| r.name()).collect();
                match crate::error::closest(n, names.iter().copied()) {
                    _ if names.contains(n) => Some(format!(
                        "an object named '{n}' exists: another part of the selector (namespace, group, version, labels) rules it out"
                    )),
                    Some(near) => Some(format!("did you mean name '{near}'?")),
                    None => resources
                        .iter()
                        .find(|r| r.name() == n)
                        .map(|r| format!("an object named '{n}' exists, but it is a {}", r.kind())),
                }
            }
            _ => None,
        };
        if let Some(h) = hint {
            message.push_str(": ");
            message.push_str(&h);
        }
        let d = Diagnostic::new(DiagnosticKind::UnmatchedTarget, message).at(file, Some(pos));
        if !self.unmatched.contains(&d) {
            self.unmatched.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deprecation_prints_kustomizes_notice_and_keeps_the_field_and_its_place() {
        let k = crate::kustomization::Kustomization::from_node(
            &crate::yaml::read::parse_one("resources: []\nbases:\n- b\n", crate::yaml::read::Schema::V11)
                .unwrap()
                .unwrap(),
        )
        .unwrap();
        let d = Diagnostic::deprecated_field(&k.warnings[0], Utf8Path::new("/k/kustomization.yaml"));
        assert_eq!(
            d.to_string(),
            "# Warning: 'bases' is deprecated. Please use 'resources' instead. Run 'kustomize edit fix' to update your Kustomization automatically."
        );
        assert_eq!((d.kind.id(), d.field, d.pos.map(|p| p.line)), ("deprecated-field", Some("bases"), Some(3)));
    }

    #[test]
    fn a_generator_warning_prints_its_place_after_the_prefix() {
        let d = Diagnostic::new(DiagnosticKind::UnknownGeneratorBehavior, "unknown generator behavior 'x'")
            .at(Utf8Path::new("/k/kustomization.yaml"), Some(Pos::new(3, 5)));
        assert_eq!(d.to_string(), "# Warning: /k/kustomization.yaml:3:5: unknown generator behavior 'x'");
    }

    #[test]
    fn an_unmatched_target_is_recorded_once_with_the_nearest_kind() {
        let r = crate::resource::Resource::new(
            crate::yaml::read::parse_one("kind: Deployment\nmetadata: {name: api}\n", crate::yaml::read::Schema::V3)
                .unwrap()
                .unwrap(),
            "d.yaml".into(),
        );
        let mut sink = Sink::default();
        for _ in 0..2 {
            sink.unmatched_target(
                Utf8Path::new("k.yaml"),
                Pos::new(2, 1),
                "patch",
                Some("Deploymnt"),
                None,
                std::slice::from_ref(&r),
            );
        }
        assert_eq!(sink.unmatched.len(), 1);
        assert!(
            sink.unmatched[0].message.ends_with("did you mean kind 'Deployment'?"),
            "{}",
            sink.unmatched[0].message
        );
    }

    #[test]
    fn a_build_records_each_kind_of_warning_and_prints_kustomizes_lines() {
        let fs = crate::MemFs::new()
            .with(
                "app/kustomization.yaml",
                "bases:\n- cm.yaml\nvars:\n- name: X\n  objref: {kind: ConfigMap, name: c, apiVersion: v1}\n\
                 configMapGenerator:\n- name: g\n  behavior: creat\n  literals: [a=b]\nsortOptions:\n  order: fifo\n",
            )
            .with("app/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n");
        let options = crate::Options { reorder: Some(crate::Reorder::None), ..Default::default() };
        let out = crate::build(&fs, "/app".into(), &options).unwrap();
        let kinds: Vec<DiagnosticKind> = out.diagnostics().iter().map(|d| d.kind).collect();
        assert_eq!(
            kinds,
            [
                DiagnosticKind::DeprecatedField,
                DiagnosticKind::DeprecatedField,
                DiagnosticKind::UnknownGeneratorBehavior,
                DiagnosticKind::UnusedVars,
                DiagnosticKind::SortOrderOverridden
            ]
        );
        assert_eq!(out.diagnostics()[2].pos, Some(Pos::new(7, 3)));
        assert_eq!(
            out.warnings()[2],
            "# Warning: /app/kustomization.yaml:7:3: unknown generator behavior 'creat' is taken for 'create' \
             (as kustomize does); did you mean 'create'?"
        );
        assert_eq!(out.warnings()[3], "well-defined vars that were never replaced: X");
        assert!(out.warnings()[4].starts_with("Warning: Sorting order is set both"));
    }
}
