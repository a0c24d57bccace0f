//! Each `edit` command on a before text, against the after text kustomize's semantics require.

use super::*;
use crate::fs::MemFs;

fn run(fs: &MemFs, text: &str, cmd: EditCommand) -> Result<Edited> {
    apply(fs, Utf8Path::new("/k"), text, &cmd)
}

fn edit(text: &str, cmd: EditCommand) -> String {
    run(&MemFs::new(), text, cmd).unwrap().text
}

fn v(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

const COMMENTED: &str = "# Production overlay.\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n\nresources:\n  - ../base # shared\n\n# pinned by CI\nimages:\n  - name: api\n    newTag: \"1.0\"\n";

#[test]
fn set_image_changes_only_the_lines_of_that_image_and_keeps_comments() {
    let out = edit(COMMENTED, EditCommand::SetImage(v(&["api=registry/api:1.1"])));
    assert_eq!(out, COMMENTED.replace("    newTag: \"1.0\"\n", "    newName: registry/api\n    newTag: \"1.1\"\n"));
}

#[test]
fn set_image_accepts_every_kustomize_form() {
    let out = edit("", EditCommand::SetImage(v(&["node:8.15.0", "mysql=mariadb", "alpine@sha256:abc"])));
    assert_eq!(out, "images:\n- name: node\n  newTag: 8.15.0\n- name: mysql\n  newName: mariadb\n- digest: sha256:abc\n  name: alpine\n");
    let out = edit("images:\n- name: a\n  newName: b\n  newTag: \"1\"\n", EditCommand::SetImage(v(&["a=*:2"])));
    assert_eq!(out, "images:\n- name: a\n  newName: b\n  newTag: \"2\"\n");
    let out = edit("images:\n- name: a\n  newName: b\n  newTag: \"1\"\n", EditCommand::SetImage(v(&["a:2"])));
    assert_eq!(out, "images:\n- name: a\n  newTag: \"2\"\n", "kustomize replaces the whole entry");
    assert_eq!(
        edit("", EditCommand::SetImage(v(&["a=localhost:5000/x:3"]))),
        "images:\n- name: a\n  newName: localhost:5000/x\n  newTag: \"3\"\n"
    );
    assert!(run(&MemFs::new(), "", EditCommand::SetImage(v(&["nginx"])))
        .unwrap_err()
        .message()
        .contains("invalid format of image"));
    assert_eq!(
        edit("", EditCommand::SetImage(v(&["a=x:1:2", "b=x:1@sha256:d"]))),
        "images:\n- name: a\n  newName: x\n  newTag: \"1:2\"\n- digest: sha256:d\n  name: b\n  newName: x\n  newTag: \"1\"\n",
        "the first ':' after the first '/' starts the tag, as in kustomize"
    );
    assert!(run(&MemFs::new(), "", EditCommand::SetImage(v(&["host:5000/nginx"]))).is_err());
    assert!(run(&MemFs::new(), "", EditCommand::SetImage(vec![]))
        .unwrap_err()
        .message()
        .contains("no image specified"));
}

#[test]
fn set_namespace_prefix_and_suffix_replace_the_line_or_append_it() {
    assert_eq!(
        edit("namespace: a # ns\nresources: []\n", EditCommand::SetNamespace("b".into())),
        "namespace: b # ns\nresources: []\n"
    );
    assert_eq!(
        edit("resources:\n- a.yaml\n", EditCommand::SetNamePrefix("p-".into())),
        "resources:\n- a.yaml\nnamePrefix: p-\n"
    );
    assert_eq!(edit("nameSuffix: -x\n", EditCommand::SetNameSuffix("-y".into())), "nameSuffix: -y\n");
    let err = run(&MemFs::new(), "", EditCommand::SetNamespace("Bad_NS".into())).unwrap_err();
    assert!(err.message().contains("is not a valid namespace name"));
}

#[test]
fn set_replicas_updates_counts_in_place_and_appends_new_names() {
    let text = "replicas:\n- name: api # the API\n  count: 2\n";
    let out = edit(text, EditCommand::SetReplicas(v(&["api=3", "web=1"])));
    assert_eq!(out, "replicas:\n- count: 3\n  name: api\n- count: 1\n  name: web\n");
    assert!(run(&MemFs::new(), "", EditCommand::SetReplicas(v(&["api=x"]))).is_err());
}

#[test]
fn set_label_and_annotation_overwrite_and_add_entries() {
    let text = "commonLabels:\n  app: web # the app\n";
    assert_eq!(
        edit(text, EditCommand::SetLabel(v(&["app:api", "env:prod"]))),
        "commonLabels:\n  app: api\n  env: prod\n"
    );
    assert_eq!(edit("", EditCommand::SetAnnotation(v(&["note:\"a b\""]))), "commonAnnotations:\n  note: a b\n");
}

#[test]
fn labels_and_annotations_are_validated_as_kubernetes_does() {
    let add = |pairs: &[&str]| run(&MemFs::new(), "", EditCommand::SetLabel(v(pairs)));
    assert!(add(&["app.kubernetes.io/name:web", "empty:"]).is_ok());
    assert!(add(&["bad key:x"]).unwrap_err().message().contains("invalid label key"));
    assert!(add(&["k:not ok"]).unwrap_err().message().contains("invalid label value"));
    assert!(run(&MemFs::new(), "", EditCommand::SetAnnotation(v(&["note:any text, really"]))).is_ok());
}

#[test]
fn add_label_refuses_existing_keys_without_force() {
    let text = "commonLabels:\n  app: web\n";
    let err = run(
        &MemFs::new(),
        text,
        EditCommand::AddLabel { pairs: v(&["app:x"]), force: false, without_selector: false, include_templates: false },
    )
    .unwrap_err();
    assert_eq!(err.message(), "label app already in kustomization file");
    let out = edit(
        text,
        EditCommand::AddLabel { pairs: v(&["app:x"]), force: true, without_selector: false, include_templates: false },
    );
    assert_eq!(out, "commonLabels:\n  app: x\n");
    let out = edit(
        "",
        EditCommand::AddLabel { pairs: v(&["a:b"]), force: false, without_selector: true, include_templates: true },
    );
    assert_eq!(out, "labels:\n- includeTemplates: true\n  pairs:\n    a: b\n");
    let out = edit("", EditCommand::AddAnnotation { pairs: v(&["a:b"]), force: false });
    assert_eq!(out, "commonAnnotations:\n  a: b\n");
}

#[test]
fn add_resource_expands_globs_checks_existence_and_skips_duplicates() {
    let fs = MemFs::new()
        .with("k/a.yaml", "")
        .with("k/b.yaml", "")
        .with("k/kustomization.yaml", "")
        .with("base/kustomization.yaml", "");
    let out = run(
        &fs,
        "resources:\n- a.yaml # first\n",
        EditCommand::AddResource { paths: v(&["*.yaml", "../base"]), no_verify: false },
    )
    .unwrap();
    assert_eq!(out.text, "resources:\n- a.yaml # first\n- b.yaml\n- ../base\n");
    assert_eq!(out.notes, ["resource a.yaml already in kustomization file"]);
    let err = run(&fs, "", EditCommand::AddResource { paths: v(&["missing.yaml"]), no_verify: false }).unwrap_err();
    assert!(err.message().contains("missing.yaml has no match"), "{err}");
    let out = run(&fs, "", EditCommand::AddResource { paths: v(&["missing.yaml"]), no_verify: true }).unwrap();
    assert_eq!(out.text, "resources:\n- missing.yaml\n");
    let out = run(&fs, "components: [x]\n", EditCommand::AddComponent(v(&["../base"]))).unwrap();
    assert_eq!(out.text, "components:\n- x\n- ../base\n", "a flow list is rewritten in block style");
}

#[test]
fn add_component_appends_existing_directories() {
    let fs = MemFs::new().with("c/kustomization.yaml", "");
    assert_eq!(run(&fs, "", EditCommand::AddComponent(v(&["../c"]))).unwrap().text, "components:\n- ../c\n");
}

#[test]
fn remove_resource_matches_entries_with_patterns() {
    let text = "resources:\n- a.yaml\n# the b file\n- b.yaml\n- c.json\nnamespace: x\n";
    assert_eq!(edit(text, EditCommand::RemoveResource(v(&["*.yaml"]))), "resources:\n- c.json\nnamespace: x\n");
    assert_eq!(
        edit(text, EditCommand::RemoveResource(v(&["b.yaml"]))),
        "resources:\n- a.yaml\n- c.json\nnamespace: x\n"
    );
    assert_eq!(edit(text, EditCommand::RemoveResource(v(&["nothing"]))), text);
}

#[test]
fn add_and_remove_patch_compare_path_and_target() {
    let p = PatchArgs { path: "p.yaml".into(), kind: "Deployment".into(), name: "api".into(), ..PatchArgs::default() };
    let out = edit("patches:\n- path: other.yaml # keep\n", EditCommand::AddPatch(p.clone()));
    assert_eq!(
        out,
        "patches:\n- path: other.yaml # keep\n- path: p.yaml\n  target:\n    kind: Deployment\n    name: api\n"
    );
    let again = run(&MemFs::new(), &out, EditCommand::AddPatch(p.clone())).unwrap();
    assert_eq!(again.text, out);
    assert_eq!(edit(&out, EditCommand::RemovePatch(p)), "patches:\n- path: other.yaml # keep\n");
    let both = PatchArgs { path: "a".into(), patch: "b".into(), ..PatchArgs::default() };
    assert!(run(&MemFs::new(), "", EditCommand::AddPatch(both)).is_err());
    assert!(run(&MemFs::new(), "", EditCommand::AddPatch(PatchArgs::default())).is_err());
}

#[test]
fn add_configmap_and_secret_create_or_extend_a_generator() {
    let fs = MemFs::new().with("k/app.env", "A=1\n").with("k/conf.txt", "x");
    let g = AddGeneratorArgs {
        names: v(&["cfg"]),
        from_literal: v(&["k=v"]),
        from_file: v(&["conf.txt"]),
        disable_name_suffix_hash: true,
        ..AddGeneratorArgs::default()
    };
    let out = run(&fs, "resources: []\n", EditCommand::AddConfigMap(g)).unwrap().text;
    assert_eq!(out, "resources: []\nconfigMapGenerator:\n- files:\n  - conf.txt\n  literals:\n  - k=v\n  name: cfg\n  options:\n    disableNameSuffixHash: true\n");
    let more = AddGeneratorArgs {
        names: v(&["cfg"]),
        from_env_file: "app.env".into(),
        behavior: "merge".into(),
        ..AddGeneratorArgs::default()
    };
    let out = run(&fs, &out, EditCommand::AddConfigMap(more)).unwrap().text;
    assert!(out.contains("- behavior: merge\n  envs:\n  - app.env\n  files:\n  - conf.txt\n"), "{out}");
    let sec = AddGeneratorArgs {
        names: v(&["s"]),
        from_literal: v(&["p=q"]),
        secret_type: "kubernetes.io/tls".into(),
        ..AddGeneratorArgs::default()
    };
    assert_eq!(
        run(&fs, "", EditCommand::AddSecret(sec)).unwrap().text,
        "secretGenerator:\n- literals:\n  - p=q\n  name: s\n  type: kubernetes.io/tls\n"
    );
    let missing = AddGeneratorArgs { names: v(&["c"]), from_file: v(&["nope.txt"]), ..AddGeneratorArgs::default() };
    let err = run(&fs, "", EditCommand::AddConfigMap(missing)).unwrap_err();
    assert!(err.message().contains("at least from-env-file"), "a pattern matching nothing is dropped: {err}");
    let keyed = AddGeneratorArgs { names: v(&["c"]), from_file: v(&["k=*.none"]), ..AddGeneratorArgs::default() };
    assert!(run(&fs, "", EditCommand::AddConfigMap(keyed)).unwrap_err().message().contains("should catch only one"));
    let globbed =
        AddGeneratorArgs { names: v(&["c"]), from_file: v(&["*.txt", "e=app.env"]), ..AddGeneratorArgs::default() };
    let out = run(&fs, "", EditCommand::AddConfigMap(globbed)).unwrap().text;
    assert_eq!(out, "configMapGenerator:\n- files:\n  - conf.txt\n  - e=app.env\n  name: c\n");
    let mixed = AddGeneratorArgs {
        names: v(&["c"]),
        from_env_file: "app.env".into(),
        from_literal: v(&["a=b"]),
        ..AddGeneratorArgs::default()
    };
    assert!(run(&fs, "", EditCommand::AddConfigMap(mixed)).unwrap_err().message().contains("cannot be combined"));
    let none = AddGeneratorArgs { names: v(&["c"]), ..AddGeneratorArgs::default() };
    assert!(run(&fs, "", EditCommand::AddConfigMap(none)).unwrap_err().message().contains("at least from-env-file"));
}

#[test]
fn remove_configmap_secret_label_and_annotation_remove_their_lines() {
    let text = "configMapGenerator:\n- name: a\n  literals: [x=1]\n- name: b\n  literals: [y=2]\n";
    assert_eq!(
        edit(text, EditCommand::RemoveConfigMap { names: v(&["a"]), namespace: String::new() }),
        "configMapGenerator:\n- name: b\n  literals: [y=2]\n"
    );
    assert!(run(&MemFs::new(), text, EditCommand::RemoveSecret { names: v(&["a"]), namespace: String::new() }).is_err());
    let text = "commonLabels:\n  a: \"1\"\n  b: \"2\"\ncommonAnnotations:\n  c: d\n";
    assert_eq!(
        edit(text, EditCommand::RemoveLabel { keys: v(&["a"]), ignore_missing: false }),
        "commonLabels:\n  b: \"2\"\ncommonAnnotations:\n  c: d\n"
    );
    assert_eq!(
        edit(text, EditCommand::RemoveAnnotation { keys: v(&["c"]), ignore_missing: false }),
        "commonLabels:\n  a: \"1\"\n  b: \"2\"\n"
    );
    let err =
        run(&MemFs::new(), text, EditCommand::RemoveLabel { keys: v(&["z"]), ignore_missing: false }).unwrap_err();
    assert_eq!(err.message(), "label z is not defined in kustomization file");
    assert_eq!(edit(text, EditCommand::RemoveLabel { keys: v(&["z"]), ignore_missing: true }), text);
}

#[test]
fn fix_converts_deprecated_fields_and_keeps_the_rest() {
    let fs = MemFs::new().with("k/sm.yaml", "");
    let text = "# old style\nbases:\n- ../base # the base\ncommonLabels:\n  app: web\npatchesStrategicMerge:\n- sm.yaml\npatchesJson6902:\n- path: j.yaml\n  target:\n    kind: Deployment\n    name: api\nimageTags:\n- name: a\n  newTag: \"1\"\n";
    let out = run(&fs, text, EditCommand::Fix { vars: false }).unwrap();
    assert_eq!(
        out.text,
        "# old style\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- ../base # the base\npatches:\n- path: j.yaml\n  target:\n    kind: Deployment\n    name: api\n- path: sm.yaml\nimages:\n- name: a\n  newTag: \"1\"\nlabels:\n- includeSelectors: true\n  pairs:\n    app: web\n"
    );
    assert!(out.notes[0].starts_with("Fixed fields:"));
    let again = run(&fs, &out.text, EditCommand::Fix { vars: false }).unwrap();
    assert_eq!(again.text, out.text, "fix is idempotent");
}

#[test]
fn fix_turns_an_inline_strategic_merge_patch_into_an_inline_patch() {
    let out = edit(
        "kind: Kustomization\napiVersion: kustomize.config.k8s.io/v1beta1\npatchesStrategicMerge:\n- |-\n  kind: X\n",
        EditCommand::Fix { vars: false },
    );
    assert_eq!(out, "kind: Kustomization\napiVersion: kustomize.config.k8s.io/v1beta1\npatches:\n- patch: 'kind: X'\n");
}

#[test]
fn the_kustomization_file_is_found_under_any_of_its_three_names() {
    let fs = MemFs::new().with("a/Kustomization", "").with("b/kustomization.yml", "");
    assert_eq!(find_kustomization(&fs, "/a".into()).unwrap(), "/a/Kustomization");
    assert_eq!(find_kustomization(&fs, "/b".into()).unwrap(), "/b/kustomization.yml");
    assert!(find_kustomization(&fs, "/c".into()).unwrap_err().message().contains("Missing kustomization file"));
}

#[test]
fn fix_leaves_a_current_kustomization_byte_for_byte_alone() {
    let text = "apiVersion: kustomize.config.k8s.io/v1beta1\r\nkind: Kustomization\r\n# keep\r\nresources:\r\n  - a.yaml   # odd spacing\r\nvars: []";
    assert_eq!(edit(text, EditCommand::Fix { vars: false }), text);
}

#[test]
fn fix_with_vars_refuses_to_convert_vars_and_changes_nothing() {
    let text = "vars:\n- name: X\n  objref: {kind: Service, name: s, apiVersion: v1}\n";
    let err = run(&MemFs::new(), text, EditCommand::Fix { vars: true }).unwrap_err();
    assert!(err.message().contains("does not convert vars to replacements"));
    let kept = run(&MemFs::new(), text, EditCommand::Fix { vars: false }).unwrap();
    assert!(kept.text.contains("vars:\n- name: X\n"));
    assert!(kept.notes.iter().any(|n| n.contains("vars are kept")));
}
