#!/usr/bin/env python3
"""Writes the fuzz targets' seeds from the project's own trees.

- whole_build: every fixture of core/tests/fixtures (its root and the bases beside it) and each
  example overlay with the base, as one input in the target's format (the kustomization, then a
  `%%% PATH` line before each other file). Trees over MAX bytes are left out: libFuzzer runs
  with -max_len and larger seeds would be cut.
- read: every YAML file of those trees under MAX bytes.
- patch: for each fixture about patches, its first resource file with each other YAML file as
  the patch.
- output_names: a few objects with hostile namespaces, kinds and names.

Run from the repository root: python3 fuzz/make-seeds.py
"""
import os

MAX = 8192
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEEDS = os.path.join(ROOT, "fuzz", "seeds")


def files_under(top):
    out = []
    for d, _, names in os.walk(top):
        for n in sorted(names):
            p = os.path.join(d, n)
            if n in ("expected.yaml", "expected.err"):
                continue
            out.append(os.path.relpath(p, top))
    return sorted(out)


def tree_input(top, root_rel):
    """The tree at `top` as one input whose kustomization is `root_rel/kustomization.yaml`."""
    rels = files_under(top)
    kust = os.path.join(root_rel, "kustomization.yaml") if root_rel else "kustomization.yaml"
    if kust not in rels:
        return None
    # Paths are written relative to the root kustomization's directory.
    def rel_to_root(r):
        return os.path.relpath(r, root_rel or ".")
    text = open(os.path.join(top, kust), encoding="utf-8").read()
    for r in rels:
        if r == kust:
            continue
        try:
            content = open(os.path.join(top, r), encoding="utf-8").read()
        except UnicodeDecodeError:
            continue
        text += "\n%%% " + rel_to_root(r) + "\n" + content
    return text


def write(target, name, text):
    d = os.path.join(SEEDS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "w", encoding="utf-8") as f:
        f.write(text)


def main():
    fixtures = os.path.join(ROOT, "core", "tests", "fixtures")
    for case in sorted(os.listdir(fixtures)):
        top = os.path.join(fixtures, case)
        root_rel = "root" if os.path.isdir(os.path.join(top, "root")) else ""
        text = tree_input(top, root_rel)
        if text is not None and len(text.encode()) <= MAX:
            write("whole_build", "fixture-" + case, text)
        yamls = [r for r in files_under(top) if r.endswith((".yaml", ".yml")) and not r.endswith("kustomization.yaml")]
        if any(w in case for w in ("patch", "smp", "json6902")) and len(yamls) > 1:
            resource = open(os.path.join(top, yamls[0]), encoding="utf-8").read()
            for i, p in enumerate(yamls[1:]):
                patch = open(os.path.join(top, p), encoding="utf-8").read()
                if len(resource) + len(patch) <= MAX:
                    write("patch", "fixture-%s-%d" % (case, i), resource + "\n%%%\n" + patch)
        for r in files_under(top):
            if r.endswith((".yaml", ".yml")) and os.path.getsize(os.path.join(top, r)) <= MAX:
                write("read", "fixture-" + case + "-" + r.replace("/", "_"), open(os.path.join(top, r), encoding="utf-8").read())
    for overlay in ("local", "poc", "prod"):
        odir = os.path.join(ROOT, "overlays", overlay)
        text = open(os.path.join(odir, "kustomization.yaml"), encoding="utf-8").read()
        for top, prefix in ((odir, ""), (os.path.join(ROOT, "base"), "../../base/")):
            for r in files_under(top):
                if prefix == "" and r == "kustomization.yaml":
                    continue
                text += "\n%%% " + prefix + r + "\n" + open(os.path.join(top, r), encoding="utf-8").read()
        write("whole_build", "overlay-" + overlay, text)
    hostile = [
        ["v1", "ConfigMap", "x", "/tmp/somewhere/PWNED"],
        ["v1", "Pod", "../../etc/kubernetes/manifests/evil", "ns"],
        ["a/b/c", "..", ".", ".."],
        ["v1", "Secret", "\\n\\\\..\\\\x", "İSTANBUL"],
        ["v1", "ConfigMap", "n" * 300, "ünï/çödé"],
        ["v1", "Namespace", ".hidden", ""],
    ]
    write("output_names", "hostile", "\n".join("\n".join(o) for o in hostile) + "\n")


if __name__ == "__main__":
    main()
