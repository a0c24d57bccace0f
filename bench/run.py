#!/usr/bin/env python3
"""kcompile's benchmark: times `kcompile build` against `kubectl kustomize` on the same trees.

    python3 bench/run.py            # the full run (takes a few minutes)
    python3 bench/run.py --quick    # smaller trees, fewer runs

It generates realistic trees in a temporary directory:
  - patch-heavy: N Deployments (with Services and ConfigMaps; containers with env, probes,
    volumes, resources), generators, K overlays with namespace, prefixes, labels, images,
    replicas and per-Deployment strategic-merge and JSON 6902 patches, one overlay stacked
    three deep;
  - bundle-like: a few MB of large documents (CRDs with deep OpenAPI schemas, Deployments,
    RBAC) with light transformation, like an operator's install bundle;
  - the repository's example overlays;
and prints, per tree, both medians, the ratio, both peak memories, whether the outputs are
identical, and kcompile's parse-and-print floor (`kcompile fmt` over every input document).
Then kcompile alone at growing N (its time should grow linearly), and many roots in one run.
No timing here is asserted by any test.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KCOMPILE = os.path.join(REPO, "target", "release", "kcompile")


def run_once(argv, cwd=None):
    """Runs a command; returns (seconds, peak RSS in MiB, exit status, stdout bytes)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    return elapsed, usage.ru_maxrss / 1024.0, os.waitstatus_to_exitcode(status), out


def measure(argv, runs, cwd=None):
    times, mems, out, code = [], [], b"", 0
    for _ in range(runs):
        t, m, code, out = run_once(argv, cwd)
        times.append(t)
        mems.append(m)
    return statistics.median(times), max(mems), code, out


# ---------------------------------------------------------------- tree generators

def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def app_docs(i):
    name = f"app{i}"
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels:
    app: {name}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      serviceAccountName: runner
      containers:
      - name: main
        image: registry.example.com/team/{name}:1.0.{i}
        args: ["--port=8080", "--log-level=info", "--name={name}"]
        ports:
        - name: http
          containerPort: 8080
        env:
        - name: APP_NAME
          value: {name}
        - name: FEATURE_FLAGS
          value: "alpha,beta,gamma"
        envFrom:
        - configMapRef:
            name: {name}-config
        readinessProbe:
          httpGet:
            path: /ready
            port: http
          periodSeconds: 5
        livenessProbe:
          httpGet:
            path: /live
            port: http
          initialDelaySeconds: 10
        resources:
          requests:
            cpu: 100m
            memory: 128Mi
          limits:
            memory: 256Mi
        volumeMounts:
        - name: data
          mountPath: /data
        - name: shared
          mountPath: /etc/shared
      - name: sidecar
        image: registry.example.com/team/proxy:2.3
        ports:
        - containerPort: 9090
      volumes:
      - name: data
        emptyDir: {{}}
      - name: shared
        configMap:
          name: shared-settings
---
apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector:
    app: {name}
  ports:
  - name: http
    port: 80
    targetPort: http
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}-config
data:
  MODE: standard
  TIMEOUT: "30"
"""


def gen_patch_heavy(root, n, overlays=3):
    base = os.path.join(root, "base")
    files = []
    chunk = 50
    for start in range(0, n, chunk):
        fname = f"apps-{start // chunk}.yaml"
        write(os.path.join(base, fname), "---\n".join(app_docs(i) for i in range(start, min(n, start + chunk))))
        files.append(fname)
    write(os.path.join(base, "sa.yaml"), "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: runner\n")
    files.append("sa.yaml")
    write(os.path.join(base, "kustomization.yaml"),
          "resources:\n" + "".join(f"- {f}\n" for f in files)
          + "configMapGenerator:\n- name: shared-settings\n  literals:\n  - REGION=eu-west-1\n  - TIER=backend\n")
    roots = []
    parent = "../base"
    for k in range(overlays):
        od = os.path.join(root, f"overlay{k}")
        patches = []
        for i in range(0, n):
            name = f"app{i}"
            if i % 2 == 0:
                write(os.path.join(od, f"p{i}.yaml"), f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  template:
    spec:
      containers:
      - name: main
        env:
        - name: OVERLAY
          value: o{k}
        resources:
          limits:
            cpu: "1"
""")
                patches.append(f"- path: p{i}.yaml\n")
            else:
                patches.append(f"""- target:
    kind: Deployment
    name: {name}
  patch: |-
    - op: add
      path: /spec/template/metadata/annotations
      value: {{overlay: o{k}}}
    - op: replace
      path: /spec/template/spec/containers/0/ports/0/containerPort
      value: 8081
""")
        # overlay0 builds on base; overlay1 and overlay2 stack on the previous overlay.
        write(os.path.join(od, "kustomization.yaml"), f"""resources:
- {parent}
namespace: team-o{k}
namePrefix: o{k}-
labels:
- pairs:
    env: o{k}
  includeSelectors: true
images:
- name: registry.example.com/team/proxy
  newTag: "2.4"
replicas:
- name: app0
  count: 3
configMapGenerator:
- name: overlay{k}-settings
  literals:
  - LEVEL=o{k}
patches:
""" + "".join(patches))
        roots.append(od)
        parent = f"../overlay{k}"
    return roots[-1], [os.path.join(base, f) for f in files]


def crd(i, depth):
    def schema(d, ind):
        pad = " " * ind
        leaf = [f"{pad}type: string",
                f"{pad}description: A leaf field whose description is long enough to fold at eighty columns when printed."]
        if d == 0:
            return leaf
        lines = [f"{pad}type: object", f"{pad}description: Level {d} of the nested configuration.", f"{pad}properties:"]
        lines += [f"{pad}  field{d}a:"] + [" " * 4 + x for x in leaf]
        lines += [f"{pad}  nested{d}:"] + schema(d - 1, ind + 4)
        lines += [f"{pad}  list{d}:", f"{pad}    type: array", f"{pad}    items:"] + schema(d - 1, ind + 6)
        return lines
    spec = "\n".join(schema(depth, 8))
    return f"""apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets{i}.example.com
spec:
  group: example.com
  names:
    kind: Widget{i}
    plural: widgets{i}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
{spec}
"""


def gen_bundle(root, crds, depth, apps):
    d = os.path.join(root, "bundle")
    docs = [crd(i, depth) for i in range(crds)]
    docs += [app_docs(i).split("---\n")[0] for i in range(apps)]
    docs += [f"""apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: operator-{i}
rules:
- apiGroups: ["example.com"]
  resources: ["widgets{i}", "widgets{i}/status"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
""" for i in range(crds)]
    docs.append("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: runner\n")
    write(os.path.join(d, "install.yaml"), "---\n".join(docs))
    write(os.path.join(d, "kustomization.yaml"), """resources:
- install.yaml
namespace: operator-system
labels:
- pairs:
    app.kubernetes.io/part-of: operator
images:
- name: registry.example.com/team/proxy
  newTag: "9.9"
""")
    return d, [os.path.join(d, "install.yaml")]


def yaml_files(dirs):
    out = []
    for d in dirs:
        for dp, _, fns in os.walk(d):
            out += [os.path.join(dp, f) for f in fns if f.endswith(".yaml") and not f.startswith("kustomization")]
    return sorted(out)


# ---------------------------------------------------------------- reporting

def compare(label, root, inputs, runs, kruns):
    k_t, k_m, k_code, k_out = measure([KCOMPILE, "build", root], runs)
    floor_t, _, _, _ = measure([KCOMPILE, "fmt"] + inputs, runs) if inputs else (0, 0, 0, b"")
    if kruns:
        u_t, u_m, u_code, u_out = measure(["kubectl", "kustomize", root], kruns)
        same = "yes" if (k_code, k_out) == (u_code, u_out) and k_code == 0 else "NO"
        print(f"{label:<34} {u_t * 1000:9.1f} {k_t * 1000:9.1f} {u_t / k_t:8.1f}x {u_m:8.0f} {k_m:8.0f} "
              f"{u_m / max(k_m, 0.1):6.1f}x {floor_t * 1000:8.1f} {k_t / max(floor_t, 1e-9):6.2f}x  {same}")
    else:
        ok = "ok" if k_code == 0 else f"exit {k_code}"
        print(f"{label:<34} {'-':>9} {k_t * 1000:9.1f} {'-':>9} {'-':>8} {k_m:8.0f} {'-':>7} "
              f"{floor_t * 1000:8.1f} {k_t / max(floor_t, 1e-9):6.2f}x  {ok}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller trees and fewer runs")
    ap.add_argument("--runs", type=int, default=5, help="runs per kcompile measurement (median)")
    ap.add_argument("--kruns", type=int, default=3, help="runs per kubectl measurement (median)")
    ap.add_argument("--no-build", action="store_true", help="use target/release/kcompile as it is")
    args = ap.parse_args()
    if args.quick:
        args.runs, args.kruns = 3, 1
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "kcompile-cli"], cwd=REPO, check=True)
    if not shutil.which("kubectl"):
        sys.exit("kubectl is not on PATH: the benchmark compares with `kubectl kustomize`")
    tmp = tempfile.mkdtemp(prefix="kcompile-bench-")
    try:
        print(f"{'tree':<34} {'kustomize':>9} {'kcompile':>9} {'speedup':>9} {'k MiB':>8} {'kc MiB':>8} "
              f"{'mem':>7} {'floor':>8} {'/floor':>7}  identical")
        print(f"{'':<34} {'(ms)':>9} {'(ms)':>9}")
        for o in ["local", "poc", "prod"]:
            root = os.path.join(REPO, "overlays", o)
            compare(f"example overlays/{o}", root, yaml_files([os.path.join(REPO, "base"), root]),
                    args.runs * 4, args.kruns * 2)
        n = 40 if args.quick else 200
        stacked, inputs = gen_patch_heavy(os.path.join(tmp, f"ph{n}"), n)
        compare(f"patch-heavy N={n}, stacked 3 deep", stacked, inputs + yaml_files([os.path.dirname(stacked)]),
                args.runs, args.kruns)
        bundle, binputs = gen_bundle(os.path.join(tmp, "bundle"), 40 if args.quick else 90, 5, 100)
        size = os.path.getsize(binputs[0]) / 1e6
        compare(f"bundle-like ({size:.1f} MB)", bundle, binputs, args.runs, args.kruns)
        print()
        print("kcompile alone, patch-heavy stacked tree (time should grow linearly with N):")
        sizes = [200, 2000] if args.quick else [200, 2000, 20000]
        for big in sizes:
            root, inputs = gen_patch_heavy(os.path.join(tmp, f"lin{big}"), big)
            compare(f"patch-heavy N={big}", root, [], max(1, args.runs // (1 + big // 2000)), 0)
        print()
        roots = [os.path.join(REPO, "overlays", o) for o in ["local", "poc", "prod"]]
        out_dir = os.path.join(tmp, "many")
        kc = statistics.median(run_once([KCOMPILE, "build", *roots, "-o", out_dir])[0] for _ in range(args.runs))
        ku = statistics.median(sum(run_once(["kubectl", "kustomize", r])[0] for r in roots) for _ in range(args.kruns))
        print(f"many roots (the 3 example overlays): kcompile one run {kc * 1000:.1f} ms, "
              f"kubectl one call per root {ku * 1000:.1f} ms: {ku / kc:.1f}x")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
