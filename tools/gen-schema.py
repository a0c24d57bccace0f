#!/usr/bin/env python3
"""Derives kcompile's strategic-merge schema table from Kubernetes OpenAPI data.

kustomize decides how a strategic-merge patch merges a list (by which key, or not at all) from
the OpenAPI schema it embeds: Kubernetes v1.21.2 for kustomize v5.0 to v5.8. This script derives
the same facts from the `_definitions.json` of Kubernetes v1.25 that the PyPI package
`kubernetes-validate` ships (Apache-2.0), then applies the differences between v1.21.2 and v1.25
that matter, each checked against `kubectl kustomize` (v5.5.0) and covered by a fixture in
core/tests/fixtures/smp-schema-*.

Output: core/src/transform/schema.txt, embedded in kcompile with include_str!. Format, one fact
a line:

    gvk <apiVersion> <kind> <definition>        a kind kustomize knows, and its definition
    def <definition>                             starts a definition; its fields follow:
      <field> obj <definition>                   a field holding an object of that definition
      <field> map <definition>                   a map whose values are of that definition
      <field> list <definition>|- <strategy> <keys>|-
                                                 a list merged by strategy (contains "merge")
                                                 on these keys (comma separated; "-" for a list
                                                 of scalars); elements of that definition

Only what can change a merge is kept: lists whose strategy contains "merge", and the fields
leading to them. Everything else is replaced whole by a patch, with or without a schema.

Usage:
    tools/gen-schema.py            regenerate the table (downloads the package with pip)
    tools/gen-schema.py --check    exit 1 if the committed table differs from a fresh one
    --wheel PATH                   use an already downloaded wheel instead of pip

Python 3 standard library only.
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile

PACKAGE = "kubernetes-validate"
PACKAGE_VERSION = "1.37.0"
SOURCE_PATH = "kubernetes_validate/kubernetes-json-schema/v1.25.0-local/_definitions.json"
SOURCE_SHA256 = "dedc6cbbd00604b7378a5ccc557a1834a8c9e53ef15e6f53353ffb576c76af57"

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUT = os.path.join(ROOT, "core", "src", "transform", "schema.txt")

# Kinds of the v1.25 data that kustomize's v1.21.2 schema does not know (they came after 1.21,
# or are not objects kustomize indexes): kubectl kustomize replaces their lists whole, even
# metadata.finalizers. Fixture: smp-schema-unknown-kinds.
EXCLUDED_GVKS = {
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("flowcontrol.apiserver.k8s.io/v1beta2", "FlowSchema"),
    ("flowcontrol.apiserver.k8s.io/v1beta2", "PriorityLevelConfiguration"),
    ("storage.k8s.io/v1", "CSIStorageCapacity"),
    ("policy/v1", "Eviction"),
    ("networking.k8s.io/v1alpha1", "ClusterCIDR"),
    ("internal.apiserver.k8s.io/v1alpha1", "StorageVersion"),
}

# Merge strategies the v1.25 data has and v1.21.2 lacks (added in Kubernetes 1.23 and 1.24):
# kustomize replaces these lists. Fixture: smp-schema-newer-fields.
EXCLUDED_FIELDS = {
    ("io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps", "x-kubernetes-validations"),
    ("io.k8s.api.networking.v1.NetworkPolicyStatus", "conditions"),
}

OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"

# Kinds of v1beta1 (and autoscaling/v2beta1) APIs that Kubernetes 1.21 served and 1.25 no longer
# does: kustomize's schema knows them, so at least their metadata (finalizers, ownerReferences)
# merges. Fixture: smp-schema-removed-kinds.
REMOVED_KINDS = [
    ("admissionregistration.k8s.io/v1beta1", "MutatingWebhookConfiguration", "v1beta1.MutatingWebhookConfiguration"),
    ("admissionregistration.k8s.io/v1beta1", "ValidatingWebhookConfiguration", "v1beta1.ValidatingWebhookConfiguration"),
    ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition", None),
    ("apiregistration.k8s.io/v1beta1", "APIService", None),
    ("authentication.k8s.io/v1beta1", "TokenReview", None),
    ("authorization.k8s.io/v1beta1", "LocalSubjectAccessReview", None),
    ("authorization.k8s.io/v1beta1", "SelfSubjectAccessReview", None),
    ("authorization.k8s.io/v1beta1", "SelfSubjectRulesReview", None),
    ("authorization.k8s.io/v1beta1", "SubjectAccessReview", None),
    ("autoscaling/v2beta1", "HorizontalPodAutoscaler", None),
    ("batch/v1beta1", "CronJob", "v1beta1.CronJob"),
    ("certificates.k8s.io/v1beta1", "CertificateSigningRequest", None),
    ("coordination.k8s.io/v1beta1", "Lease", None),
    ("discovery.k8s.io/v1beta1", "EndpointSlice", None),
    ("events.k8s.io/v1beta1", "Event", None),
    ("extensions/v1beta1", "Ingress", None),
    ("networking.k8s.io/v1beta1", "Ingress", None),
    ("networking.k8s.io/v1beta1", "IngressClass", None),
    ("node.k8s.io/v1beta1", "RuntimeClass", None),
    ("policy/v1beta1", "PodDisruptionBudget", "v1beta1.PodDisruptionBudget"),
    ("policy/v1beta1", "PodSecurityPolicy", None),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRole", None),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding", None),
    ("rbac.authorization.k8s.io/v1beta1", "Role", None),
    ("rbac.authorization.k8s.io/v1beta1", "RoleBinding", None),
    ("scheduling.k8s.io/v1beta1", "PriorityClass", None),
    ("storage.k8s.io/v1beta1", "CSIDriver", None),
    ("storage.k8s.io/v1beta1", "CSINode", "v1beta1.CSINode"),
    ("storage.k8s.io/v1beta1", "StorageClass", None),
    ("storage.k8s.io/v1beta1", "VolumeAttachment", None),
]

# The merge-relevant fields of those removed APIs (as kubectl kustomize v5.5.0 merges them),
# written by hand: definition -> [(field, shape, target, strategy, keys)]. The six fields:
# two webhook lists, CSINode drivers, the PodDisruptionBudget status conditions, and the
# CronJob path to its pod template (spec, jobTemplate, spec).
REMOVED_DEFS = {
    "v1beta1.MutatingWebhookConfiguration": [
        ("metadata", "obj", OBJECT_META, None, None),
        ("webhooks", "list", None, "merge", ["name"]),
    ],
    "v1beta1.ValidatingWebhookConfiguration": [
        ("metadata", "obj", OBJECT_META, None, None),
        ("webhooks", "list", None, "merge", ["name"]),
    ],
    "v1beta1.CSINode": [
        ("metadata", "obj", OBJECT_META, None, None),
        ("spec", "obj", "v1beta1.CSINodeSpec", None, None),
    ],
    "v1beta1.CSINodeSpec": [
        ("drivers", "list", None, "merge", ["name"]),
    ],
    "v1beta1.PodDisruptionBudget": [
        ("metadata", "obj", OBJECT_META, None, None),
        ("status", "obj", "v1beta1.PodDisruptionBudgetStatus", None, None),
    ],
    "v1beta1.PodDisruptionBudgetStatus": [
        ("conditions", "list", None, "merge", ["type"]),
    ],
    "v1beta1.CronJob": [
        ("metadata", "obj", OBJECT_META, None, None),
        ("spec", "obj", "v1beta1.CronJobSpec", None, None),
    ],
    "v1beta1.CronJobSpec": [
        ("jobTemplate", "obj", "v1beta1.JobTemplateSpec", None, None),
    ],
    "v1beta1.JobTemplateSpec": [
        ("metadata", "obj", OBJECT_META, None, None),
        ("spec", "obj", "io.k8s.api.batch.v1.JobSpec", None, None),
    ],
    "v1beta1.Object": [
        ("metadata", "obj", OBJECT_META, None, None),
    ],
}


def ref_name(schema):
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if not ref:
        return None
    prefix = "#/$defs/"
    if not ref.startswith(prefix):
        raise SystemExit(f"gen-schema: unexpected $ref {ref!r}")
    return ref[len(prefix):]


def api_version(gvk):
    return f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]


def derive(defs):
    """Returns (gvks, fields): gvks a list of (apiVersion, kind, def), fields a dict
    def -> list of (field, shape, target, strategy, keys)."""
    raw = {}
    for name, d in defs.items():
        out = []
        for field, prop in sorted((d.get("properties") or {}).items()):
            if (name, field) in EXCLUDED_FIELDS:
                continue
            strategy = prop.get("x-kubernetes-patch-strategy")
            if prop.get("$ref"):
                out.append((field, "obj", ref_name(prop), None, None))
            elif "items" in prop:
                target = ref_name(prop["items"])
                if strategy and "merge" in strategy.split(","):
                    if "x-kubernetes-list-map-keys" in prop:
                        keys = list(prop["x-kubernetes-list-map-keys"])
                    elif "x-kubernetes-patch-merge-key" in prop:
                        keys = [prop["x-kubernetes-patch-merge-key"]]
                    else:
                        keys = []
                    out.append((field, "list", target, strategy, keys))
            elif isinstance(prop.get("additionalProperties"), dict) and ref_name(prop["additionalProperties"]):
                out.append((field, "map", ref_name(prop["additionalProperties"]), None, None))
        raw[name] = out
    for name, out in REMOVED_DEFS.items():
        if name in raw:
            raise SystemExit(f"gen-schema: hand-written definition {name} clashes with the source")
        raw[name] = list(out)

    # Keep the definitions from which a merged list can be reached.
    relevant = set()
    changed = True
    while changed:
        changed = False
        for name, out in raw.items():
            if name in relevant:
                continue
            for field, shape, target, strategy, keys in out:
                if shape == "list" or (target in relevant):
                    relevant.add(name)
                    changed = True
                    break
    fields = {}
    for name in sorted(relevant):
        kept = [f for f in raw[name] if f[1] == "list" or f[2] in relevant]
        fields[name] = [(f, s, t if t in relevant else None, st, k) for f, s, t, st, k in kept]

    gvks = []
    for name, d in sorted(defs.items()):
        if name.startswith("io.k8s.apimachinery.pkg.apis.meta.v1."):
            continue
        for gvk in d.get("x-kubernetes-group-version-kind") or []:
            key = (api_version(gvk), gvk["kind"])
            if key in EXCLUDED_GVKS or gvk["kind"].endswith("List"):
                continue
            if name in relevant:
                gvks.append((key[0], key[1], name))
    for av, kind, name in REMOVED_KINDS:
        gvks.append((av, kind, name or "v1beta1.Object"))
    gvks.sort()
    return gvks, fields


def render(gvks, fields, version, sha):
    lines = [
        "# Generated by tools/gen-schema.py: do not edit by hand.",
        f"# Source: PyPI {PACKAGE} {version}, {SOURCE_PATH}",
        f"# Source SHA-256: {sha}",
        "# Strategic-merge facts for the kinds kustomize v5.5.0 knows (its embedded Kubernetes",
        "# v1.21.2 schema); see the generator for the format and the hand-made differences.",
    ]
    for av, kind, name in gvks:
        lines.append(f"gvk {av} {kind} {name}")
    for name, out in fields.items():
        lines.append(f"def {name}")
        for field, shape, target, strategy, keys in out:
            if shape == "list":
                key_text = ",".join(keys) if keys else "-"
                lines.append(f"  {field} list {target or '-'} {strategy} {key_text}")
            else:
                lines.append(f"  {field} {shape} {target}")
    return "\n".join(lines) + "\n"


def fetch_wheel(tmp):
    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", tmp,
           f"{PACKAGE}=={PACKAGE_VERSION}"]
    try:
        subprocess.run(cmd, check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        raise SystemExit(f"gen-schema: could not download {PACKAGE}=={PACKAGE_VERSION} with pip: {e}")
    wheels = [f for f in os.listdir(tmp) if f.endswith(".whl")]
    if len(wheels) != 1:
        raise SystemExit(f"gen-schema: expected one wheel from pip in {tmp}, found {wheels}")
    return os.path.join(tmp, wheels[0])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="fail if the committed table is stale")
    ap.add_argument("--wheel", help="path to a downloaded kubernetes-validate wheel")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or fetch_wheel(tmp)
        with zipfile.ZipFile(wheel) as z:
            data = z.read(SOURCE_PATH)
    sha = hashlib.sha256(data).hexdigest()
    if sha != SOURCE_SHA256:
        raise SystemExit(
            f"gen-schema: {SOURCE_PATH} has SHA-256 {sha}, expected {SOURCE_SHA256}: the package "
            "changed; review the differences before updating SOURCE_SHA256")
    defs = json.loads(data)["$defs"]
    gvks, fields = derive(defs)
    text = render(gvks, fields, PACKAGE_VERSION, sha)

    if args.check:
        try:
            with open(OUTPUT, encoding="utf-8") as f:
                current = f.read()
        except OSError as e:
            raise SystemExit(f"gen-schema: cannot read {OUTPUT}: {e}")
        if current != text:
            print(f"gen-schema: {os.path.relpath(OUTPUT, ROOT)} is stale; run tools/gen-schema.py",
                  file=sys.stderr)
            return 1
        print(f"gen-schema: {os.path.relpath(OUTPUT, ROOT)} is up to date")
        return 0
    with open(OUTPUT, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"gen-schema: wrote {os.path.relpath(OUTPUT, ROOT)} ({len(gvks)} kinds, {len(fields)} definitions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
