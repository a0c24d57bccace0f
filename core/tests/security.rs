//! The load restrictor and hostile input: what a kustomization may not do.

use camino::{Utf8Path, Utf8PathBuf};
use kcompile::{build, BuildLimits, DiskFs, LoadRestrictor, MemFs, Options};

/// A fresh directory under the system temp dir, removed on drop.
struct TempTree(Utf8PathBuf);

impl TempTree {
    fn new(name: &str) -> TempTree {
        let base = std::env::temp_dir().join(format!("kcompile-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(&base).expect("temp dir");
        TempTree(Utf8PathBuf::from_path_buf(base).expect("UTF-8 temp dir"))
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.0.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(p, text).expect("write");
    }

    fn path(&self, rel: &str) -> Utf8PathBuf {
        self.0.join(rel)
    }
}

impl Drop for TempTree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: secret-stuff\n";

fn lifted() -> Options {
    Options::default().with_load_restrictor(LoadRestrictor::Unrestricted)
}

fn build_at(root: &Utf8Path, options: &Options) -> Result<String, String> {
    build(&DiskFs, root, options).map(|b| b.yaml()).map_err(|e| e.to_string())
}

#[test]
fn relative_path_outside_the_root_is_refused_unless_lifted() {
    let t = TempTree::new("dotdot");
    t.write("outside.yaml", CM);
    t.write("app/kustomization.yaml", "resources:\n- ../outside.yaml\n");
    let err = build_at(&t.path("app"), &Options::default()).unwrap_err();
    assert!(err.contains("is not in or below"), "{err}");
    assert!(build_at(&t.path("app"), &lifted()).unwrap().contains("secret-stuff"));
}

#[test]
fn absolute_path_outside_the_root_is_refused() {
    let t = TempTree::new("abs");
    t.write("outside.yaml", CM);
    let abs = t.path("outside.yaml");
    t.write("app/kustomization.yaml", &format!("resources:\n- {abs}\n"));
    let err = build_at(&t.path("app"), &Options::default()).unwrap_err();
    assert!(err.contains("is not in or below"), "{err}");
}

#[cfg(unix)]
#[test]
fn symlinks_are_resolved_before_the_check() {
    let t = TempTree::new("symlink");
    t.write("outside.yaml", CM);
    t.write("outside-dir/x.yaml", CM);
    t.write("app/kustomization.yaml", "resources:\n- link.yaml\n");
    std::os::unix::fs::symlink(t.path("outside.yaml"), t.path("app/link.yaml")).expect("symlink");
    let err = build_at(&t.path("app"), &Options::default()).unwrap_err();
    assert!(err.contains("is not in or below"), "{err}");
    assert!(build_at(&t.path("app"), &lifted()).unwrap().contains("secret-stuff"));

    t.write("app2/kustomization.yaml", "resources:\n- dir/x.yaml\n");
    std::os::unix::fs::symlink(t.path("outside-dir"), t.path("app2/dir")).expect("symlink");
    let err = build_at(&t.path("app2"), &Options::default()).unwrap_err();
    assert!(err.contains("is not in or below"), "{err}");
}

#[test]
fn a_base_may_live_outside_the_root() {
    // Directories (bases) are not files: kustomize lets overlays reach `../base`.
    let fs = MemFs::new()
        .with("base/kustomization.yaml", "resources:\n- cm.yaml\n")
        .with("base/cm.yaml", CM)
        .with("overlay/kustomization.yaml", "resources:\n- ../base\n");
    let out = build(&fs, Utf8Path::new("/overlay"), &Options::default()).unwrap();
    assert!(out.yaml().contains("secret-stuff"));
}

#[test]
fn a_kustomization_that_includes_itself_fails() {
    let fs = MemFs::new().with("a/kustomization.yaml", "resources:\n- .\n");
    let err = build(&fs, Utf8Path::new("/a"), &Options::default()).unwrap_err();
    assert!(err.to_string().contains("cycle"), "{err}");
    let fs = MemFs::new()
        .with("a/kustomization.yaml", "resources:\n- b\n")
        .with("a/b/kustomization.yaml", "resources:\n- ..\n");
    let err = build(&fs, Utf8Path::new("/a"), &Options::default()).unwrap_err();
    assert!(err.to_string().contains("cycle"), "{err}");
}

#[test]
fn alias_bombs_end_quickly_with_an_error() {
    let mut bomb = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let p = i - 1;
        bomb.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
    }
    let fs = MemFs::new().with("k/kustomization.yaml", "resources:\n- bomb.yaml\n").with("k/bomb.yaml", bomb);
    let err = build(&fs, Utf8Path::new("/k"), &Options::default()).unwrap_err();
    assert!(err.to_string().contains("bomb.yaml"), "the error names the file: {err}");
}

#[test]
fn deep_nesting_ends_with_an_error() {
    let deep = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let fs = MemFs::new().with("k/kustomization.yaml", "resources:\n- deep.yaml\n").with("k/deep.yaml", deep);
    assert!(build(&fs, Utf8Path::new("/k"), &Options::default()).is_err());
}

#[test]
fn invalid_utf8_is_an_error_not_a_panic() {
    let fs = MemFs::new()
        .with("k/kustomization.yaml", "resources:\n- bad.yaml\n")
        .with("k/bad.yaml", vec![0x61, 0xff, 0x62]);
    let err = build(&fs, Utf8Path::new("/k"), &Options::default()).unwrap_err();
    assert!(err.to_string().contains("UTF-8"), "{err}");
}

fn build_one(resource: &str) -> Result<String, String> {
    let fs = MemFs::new().with("k/kustomization.yaml", "resources:\n- r.yaml\n").with("k/r.yaml", resource.to_string());
    build(&fs, Utf8Path::new("/k"), &Options::default()).map(|b| b.yaml()).map_err(|e| e.to_string())
}

#[test]
fn tabs_in_indentation_and_duplicate_keys_are_errors_as_in_kustomize() {
    let err = build_one("apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n").unwrap_err();
    assert!(err.contains("r.yaml"), "{err}");
    let err = build_one("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  name: y\n").unwrap_err();
    assert!(err.contains("already defined"), "{err}");
}

#[test]
fn a_kustomization_with_duplicate_keys_takes_the_last_as_kustomize_does() {
    let fs = MemFs::new()
        .with("k/kustomization.yaml", "namePrefix: a-\nnamePrefix: b-\nresources:\n- r.yaml\n")
        .with("k/r.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
    let out = build(&fs, Utf8Path::new("/k"), &Options::default()).unwrap().yaml();
    assert!(out.contains("name: b-x"), "{out}");
}

#[test]
fn many_documents_and_huge_scalars_stay_within_bounds() {
    // 5,000 documents in one file build (linear work); a 16 MiB scalar builds (the build's
    // limits are far above what real trees use).
    let mut many = String::new();
    for i in 0..5_000 {
        many.push_str(&format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n"));
    }
    assert_eq!(build_one(&many).unwrap().matches("kind: ConfigMap").count(), 5_000);
    let big = format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  k: {}\n", "a".repeat(16 << 20));
    assert!(build_one(&big).is_ok());
}

// ------------------------------------------------------------------------------------------------
// Every field that reads a file goes through the load restrictor
// ------------------------------------------------------------------------------------------------

/// Files outside the kustomization directory `/app`, one for each kind of reference.
fn tree_with_outside_files(kustomization: &str) -> MemFs {
    MemFs::new()
        .with("app/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: b\n")
        .with("app/kustomization.yaml", format!("resources:\n- cm.yaml\n{kustomization}"))
        .with(
            "shared/sm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  patched: secret-stuff\n",
        )
        .with("shared/ops.yaml", "- op: add\n  path: /data/patched\n  value: secret-stuff\n")
        .with("shared/x.txt", "secret-stuff")
        .with("shared/x.env", "K=secret-stuff\n")
        .with("shared/schema.json", "{\"definitions\": {}}")
        .with("shared/conf.yaml", "commonLabels:\n- path: data/copied\n  create: true\n")
        .with("shared/crd.json", "{}")
        .with(
            "shared/repl.yaml",
            "source: {kind: ConfigMap, name: cm, fieldPath: data.a}\ntargets:\n- select: {kind: ConfigMap}\n  \
             fieldPaths: [data.copied]\n  options: {create: true}\n",
        )
        .with(
            "shared/labels.yaml",
            "apiVersion: builtin\nkind: LabelTransformer\nmetadata:\n  name: l\nlabels:\n  t: secret-stuff\n\
             fieldSpecs:\n- path: metadata/labels\n  create: true\n",
        )
        .with(
            "shared/gen.yaml",
            "apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata:\n  name: g\nliterals: [a=b]\n",
        )
}

/// kustomization text for each field that names a file, with the file outside the directory.
const OUTSIDE_REFERENCES: &[(&str, &str)] = &[
    ("patches path", "patches:\n- path: ../shared/sm.yaml\n"),
    ("patchesStrategicMerge", "patchesStrategicMerge:\n- ../shared/sm.yaml\n"),
    ("patchesJson6902 path", "patchesJson6902:\n- path: ../shared/ops.yaml\n  target: {kind: ConfigMap, name: cm}\n"),
    ("configMapGenerator files", "configMapGenerator:\n- name: g\n  files: [../shared/x.txt]\n"),
    ("configMapGenerator files with a key", "configMapGenerator:\n- name: g\n  files: [k=../shared/x.txt]\n"),
    ("configMapGenerator envs", "configMapGenerator:\n- name: g\n  envs: [../shared/x.env]\n"),
    ("configMapGenerator env", "configMapGenerator:\n- name: g\n  env: ../shared/x.env\n"),
    ("secretGenerator files", "secretGenerator:\n- name: s\n  files: [../shared/x.txt]\n"),
    ("openapi path", "openapi:\n  path: ../shared/schema.json\n"),
    ("configurations", "configurations:\n- ../shared/conf.yaml\n"),
    ("crds", "crds:\n- ../shared/crd.json\n"),
    ("replacements path", "replacements:\n- path: ../shared/repl.yaml\n"),
    ("transformers file", "transformers:\n- ../shared/labels.yaml\n"),
    ("generators file", "generators:\n- ../shared/gen.yaml\n"),
    (
        "PatchTransformer path",
        "transformers:\n- |-\n  apiVersion: builtin\n  kind: PatchTransformer\n  metadata: {name: p}\n  \
         path: ../shared/sm.yaml\n",
    ),
    (
        "PatchJson6902Transformer path",
        "transformers:\n- |-\n  apiVersion: builtin\n  kind: PatchJson6902Transformer\n  metadata: {name: p}\n  \
         target: {kind: ConfigMap, name: cm}\n  path: ../shared/ops.yaml\n",
    ),
    (
        "PatchStrategicMergeTransformer paths",
        "transformers:\n- |-\n  apiVersion: builtin\n  kind: PatchStrategicMergeTransformer\n  metadata: {name: p}\n  \
         paths: [../shared/sm.yaml]\n",
    ),
    (
        "ReplacementTransformer path",
        "transformers:\n- |-\n  apiVersion: builtin\n  kind: ReplacementTransformer\n  metadata: {name: r}\n  \
         replacements:\n  - path: ../shared/repl.yaml\n",
    ),
    (
        "ConfigMapGenerator plugin files",
        "generators:\n- |-\n  apiVersion: builtin\n  kind: ConfigMapGenerator\n  metadata: {name: g}\n  \
         files: [../shared/x.txt]\n",
    ),
];

#[test]
fn every_file_reference_is_restricted_unless_lifted() {
    let mut failures = Vec::new();
    for (what, text) in OUTSIDE_REFERENCES {
        let fs = tree_with_outside_files(text);
        match build(&fs, Utf8Path::new("/app"), &Options::default()) {
            Ok(_) => failures.push(format!("{what}: built with the restrictor on")),
            Err(e) => {
                let msg = e.to_string();
                if !msg.contains("security; file '/shared/") || !msg.contains("is not in or below '/app'") {
                    failures.push(format!("{what}: unexpected error: {msg}"));
                }
            }
        }
        if let Err(e) = build(&fs, Utf8Path::new("/app"), &lifted()) {
            failures.push(format!("{what}: failed with the restrictor lifted: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_component_may_live_outside_the_root_but_its_files_may_not_leave_it() {
    let component = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n";
    let fs = tree_with_outside_files("components:\n- ../comp\n")
        .with("comp/kustomization.yaml", format!("{component}patches:\n- path: sm.yaml\n"))
        .with("comp/sm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  c: from-component\n");
    let out = build(&fs, Utf8Path::new("/app"), &Options::default()).unwrap();
    assert!(out.yaml().contains("from-component"));

    // The component's own root is its directory: a sibling's file is outside it.
    let fs = tree_with_outside_files("components:\n- ../comp\n")
        .with("comp/kustomization.yaml", format!("{component}patches:\n- path: ../shared/sm.yaml\n"));
    let err = build(&fs, Utf8Path::new("/app"), &Options::default()).unwrap_err().to_string();
    assert!(err.contains("is not in or below '/comp'"), "{err}");
    assert!(build(&fs, Utf8Path::new("/app"), &lifted()).unwrap().yaml().contains("secret-stuff"));
}

#[test]
fn a_base_reads_relative_to_its_own_directory() {
    // A base may not reach into the overlay that includes it: each kustomization is its own root.
    let fs = MemFs::new()
        .with("overlay/kustomization.yaml", "resources:\n- ../base\n")
        .with("overlay/sm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: secret-stuff\ndata: {a: b}\n")
        .with("base/kustomization.yaml", "resources:\n- cm.yaml\npatches:\n- path: ../overlay/sm.yaml\n")
        .with("base/cm.yaml", CM);
    let err = build(&fs, Utf8Path::new("/overlay"), &Options::default()).unwrap_err().to_string();
    assert!(err.contains("is not in or below '/base'"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_kustomization_file_linked_from_outside_is_refused_unless_lifted() {
    let t = TempTree::new("kustlink");
    t.write("other/kustomization.yaml", "resources:\n- cm.yaml\n");
    t.write("app/cm.yaml", CM);
    std::os::unix::fs::symlink(t.path("other/kustomization.yaml"), t.path("app/kustomization.yaml")).expect("symlink");
    let err = build_at(&t.path("app"), &Options::default()).unwrap_err();
    assert!(err.contains("is not in or below"), "{err}");
    assert!(build_at(&t.path("app"), &lifted()).unwrap().contains("secret-stuff"));

    // A link that stays inside the directory is fine.
    t.write("app2/real.yaml", "resources:\n- cm.yaml\n");
    t.write("app2/cm.yaml", CM);
    std::os::unix::fs::symlink(t.path("app2/real.yaml"), t.path("app2/kustomization.yaml")).expect("symlink");
    assert!(build_at(&t.path("app2"), &Options::default()).unwrap().contains("secret-stuff"));
}

#[test]
fn absolute_base_and_component_directories_are_refused_as_kustomize_refuses_them() {
    let t = TempTree::new("absroot");
    t.write("shared/kustomization.yaml", "resources:\n- cm.yaml\n");
    t.write("shared/cm.yaml", CM);
    t.write("comp/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n");
    let abs_base = t.path("shared");
    t.write("a/kustomization.yaml", &format!("resources:\n- {abs_base}\n"));
    let abs_comp = t.path("comp");
    t.write("b/kustomization.yaml", &format!("components:\n- {abs_comp}\n"));
    for root in ["a", "b"] {
        for options in [Options::default(), lifted()] {
            let err = build_at(&t.path(root), &options).unwrap_err();
            assert!(err.contains("cannot be absolute"), "{root}: {err}");
        }
    }
    // An absolute resource *file* is still read when the restrictor is lifted, as in kustomize.
    let abs_file = t.path("shared/cm.yaml");
    t.write("c/kustomization.yaml", &format!("resources:\n- {abs_file}\n"));
    assert!(build_at(&t.path("c"), &lifted()).unwrap().contains("secret-stuff"));
}

// ------------------------------------------------------------------------------------------------
// One budget per build, not per file
// ------------------------------------------------------------------------------------------------

/// A resource file whose aliases expand to about `5^levels` nodes.
fn bomb(name: &str, levels: usize) -> String {
    let mut t = format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\nx:\n  a0: &a0 [lol]\n");
    for i in 1..=levels {
        let p = i - 1;
        t.push_str(&format!("  a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
    }
    t
}

fn with_limits(l: BuildLimits) -> Options {
    Options::default().with_limits(l)
}

#[test]
fn an_alias_bomb_split_over_many_files_is_stopped_by_the_build_budget() {
    let mut fs = MemFs::new();
    let mut k = String::from("resources:\n");
    for i in 0..20 {
        fs = fs.with(format!("k/b{i}.yaml").as_str(), bomb(&format!("b{i}"), 5));
        k.push_str(&format!("- b{i}.yaml\n"));
    }
    let fs = fs.with("k/kustomization.yaml", k);
    let limits = BuildLimits::default().with_max_alias_nodes(50_000);
    // One file is well within the limit...
    let one = MemFs::new().with("k/kustomization.yaml", "resources:\n- b.yaml\n").with("k/b.yaml", bomb("b", 5));
    assert!(build(&one, Utf8Path::new("/k"), &with_limits(limits.clone())).is_ok());
    // ...twenty are not.
    let err = build(&fs, Utf8Path::new("/k"), &with_limits(limits)).unwrap_err().to_string();
    assert!(err.contains("more than 50000 YAML nodes made by alias expansion"), "{err}");
    assert!(err.contains("one build"), "the message names the limit: {err}");
}

#[test]
fn a_bomb_split_over_patch_replacement_and_configuration_files_is_stopped_by_the_build_budget() {
    // Every YAML file the build reads counts against one budget, not only resources.
    let limits = BuildLimits::default().with_max_alias_nodes(50_000);
    for (field, entry) in
        [("patches", "- path: FILE\n"), ("replacements", "- path: FILE\n"), ("configurations", "- FILE\n")]
    {
        let mut fs = MemFs::new().with("k/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n");
        let mut k = format!("resources:\n- cm.yaml\n{field}:\n");
        for i in 0..20 {
            // Each one valid on its own: a patch of the ConfigMap `c`, a configuration (unknown
            // fields ignored), or one replacement repeated through an alias.
            let text = if field == "replacements" {
                let r = "- &r {source: {kind: ConfigMap, name: c}, targets: [{select: {kind: ConfigMap}, fieldPaths: [metadata.annotations.x], options: {create: true}}]}\n";
                format!("{r}{}", "- *r\n".repeat(400))
            } else {
                bomb("c", 5)
            };
            fs = fs.with(format!("k/b{i}.yaml").as_str(), text);
            k.push_str(&entry.replace("FILE", &format!("b{i}.yaml")));
        }
        let fs = fs.with("k/kustomization.yaml", k);
        let err = build(&fs, Utf8Path::new("/k"), &with_limits(limits.clone())).unwrap_err().to_string();
        assert!(err.contains("more than 50000 YAML nodes made by alias expansion"), "{field}: {err}");
    }
}

#[test]
fn many_documents_are_stopped_by_their_own_limit_with_their_own_message() {
    let mut many = String::new();
    for i in 0..2_000 {
        many.push_str(&format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n"));
    }
    let fs = MemFs::new().with("k/kustomization.yaml", "resources:\n- m.yaml\n").with("k/m.yaml", many);
    let err = build(&fs, Utf8Path::new("/k"), &with_limits(BuildLimits::default().with_max_documents(1_000)))
        .unwrap_err()
        .to_string();
    let first = err.lines().next().unwrap_or_default();
    assert!(first.contains("more than 1000 YAML documents") && !first.contains("alias"), "{err}");
    assert!(err.contains("--max-documents"), "{err}");
    assert!(err.contains("m.yaml"), "{err}");
}

#[test]
fn a_huge_file_is_refused_before_it_is_read() {
    let t = TempTree::new("huge");
    t.write("k/kustomization.yaml", "resources:\n- big.yaml\n");
    // A sparse 500 MiB file: reading it would take seconds and half a gigabyte.
    let f = std::fs::File::create(t.path("k/big.yaml")).unwrap();
    f.set_len(500 << 20).unwrap();
    // Refused from its size alone: the error says so before any byte is read.
    let err = build_at(&t.path("k"), &Options::default()).unwrap_err();
    assert!(err.contains("too large to read") && err.contains("524288000 bytes"), "{err}");
    assert!(err.contains("at most 67108864 bytes of files"), "{err}");
}

#[test]
fn the_input_budget_counts_all_files_together() {
    let cm = |n: usize| {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{n}\ndata:\n  k: {}\n", "v".repeat(600))
    };
    let fs = MemFs::new()
        .with("k/kustomization.yaml", "resources:\n- a.yaml\n- b.yaml\n")
        .with("k/a.yaml", cm(1))
        .with("k/b.yaml", cm(2));
    let limits = BuildLimits::default().with_max_input_bytes(1_000);
    let err = build(&fs, Utf8Path::new("/k"), &with_limits(limits)).unwrap_err().to_string();
    assert!(err.contains("b.yaml is too large to read") && err.contains("after"), "{err}");
}
