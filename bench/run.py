#!/usr/bin/env python3
"""kcompile's benchmark: times `kcompile build` against `kubectl kustomize` on the same trees.

    python3 bench/run.py            # the full run (takes a few minutes)
    python3 bench/run.py --quick    # smaller trees, fewer runs
    python3 bench/run.py --quick --baseline OLD/kcompile   # also an older kcompile, per row

It generates realistic trees in a temporary directory:
  - patch-heavy: N Deployments (with Services and ConfigMaps; containers with env, probes,
    volumes, resources), generators, K overlays with namespace, prefixes, labels, images,
    replicas and per-Deployment strategic-merge and JSON 6902 patches, one overlay stacked
    three deep;
  - bundle-like: a few MB of large documents (CRDs with deep OpenAPI schemas, Deployments,
    RBAC) with light transformation, like an operator's install bundle; and the same bundle
    with no transformation at all (the YAML layer alone);
  - many small files (one object each);
  - the repository's example overlays;
and prints, per tree, both median wall times and their ratio, kcompile's median CPU time
(user + system: steadier than wall time on a busy machine) and the ratio of CPU times, both
peak memories, whether the outputs are identical, and kcompile's parse-and-print floor
(`kcompile fmt` over every input document, CPU time) with the build's ratio to it.
Then kcompile alone at growing N (its time should grow linearly), 5 remote bases (local
`file://` git repositories: kcompile's first build with an empty cache, then with the cache it
left, against kubectl, which clones them all on every build), and many roots in one run.
A tree kcompile cannot build yet (a kustomization feature still missing) shows its exit code
instead of "yes". With --baseline, every row also times that kcompile binary (a build of an
older commit) on the same tree, in the same run: its CPU time, and this build's CPU time as a
share of it (below 1.00: faster), `differs` if the two outputs are not the same bytes. No timing
here is asserted by any test.

To compare YAML parsers alone, see the README's Performance section.
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
BASELINE = None  # --baseline: an older kcompile binary timed on every row


def run_once(argv, cwd=None):
    """Runs a command; returns (wall seconds, CPU seconds, peak RSS in MiB, exit status, stdout)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    cpu = usage.ru_utime + usage.ru_stime
    return elapsed, cpu, usage.ru_maxrss / 1024.0, os.waitstatus_to_exitcode(status), out


class Measured:
    """Medians over several runs of one command."""

    def __init__(self, argv, runs, cwd=None):
        walls, cpus, mems = [], [], []
        self.code, self.out = 0, b""
        for _ in range(runs):
            wall, cpu, mem, self.code, self.out = run_once(argv, cwd)
            walls.append(wall)
            cpus.append(cpu)
            mems.append(mem)
        self.wall = statistics.median(walls)
        self.cpu = statistics.median(cpus)
        self.mem = peak_rss(argv, cwd)
        if self.mem is None:
            self.mem = max(mems)


def peak_rss(argv, cwd=None):
    """Peak RSS in MiB of one run, read by /usr/bin/time; None without it.

    A child's own ru_maxrss is no good here: a process forked from this Python process and then
    exec'd keeps, as its peak, the RSS it had before exec (Python's, about 15 MiB), so a small
    program would seem to use at least that much. /usr/bin/time is small, and the program it
    starts reports its own peak."""
    if not os.path.exists("/usr/bin/time"):
        return None
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as f:
        subprocess.run(["/usr/bin/time", "-f", "%M", "-o", f.name] + argv, cwd=cwd,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            return int(f.read().strip().splitlines()[-1]) / 1024.0
        except (ValueError, IndexError):
            return None


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


def gen_bundle(root, crds, depth, apps, transform=True):
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
    if not transform:
        write(os.path.join(d, "kustomization.yaml"), "resources:\n- install.yaml\n")
        return d, [os.path.join(d, "install.yaml")]
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


def gen_many_files(root, n):
    """A kustomization listing n files of one small object each (per-file and per-resource
    costs, and any work quadratic in the number of resources, show here)."""
    d = os.path.join(root, "many")
    for i in range(n):
        write(os.path.join(d, f"cm{i}.yaml"),
              f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm{i}\ndata:\n  key: value{i}\n")
    write(os.path.join(d, "kustomization.yaml"), "resources:\n" + "".join(f"- cm{i}.yaml\n" for i in range(n)))
    return d, [os.path.join(d, f"cm{i}.yaml") for i in range(n)]


def git(cwd, *args):
    subprocess.run(["git", "-c", "user.email=bench@example.com", "-c", "user.name=bench",
                    "-c", "init.defaultBranch=main", *args], cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def gen_remote(root, n, apps):
    """n bare git repositories (`repoI.git`, tag v1 on main), each with a base of `apps`
    applications and an overlay on it; two roots list each repository's overlay by a `file://`
    URL, one at the tag and one at the branch."""
    entries = {"v1": [], "main": []}
    for r in range(n):
        work = os.path.join(root, f"repo{r}")
        write(os.path.join(work, "base", "apps.yaml"),
              "---\n".join(app_docs(r * apps + i) for i in range(apps)))
        write(os.path.join(work, "base", "kustomization.yaml"), "resources:\n- apps.yaml\n")
        write(os.path.join(work, "overlay", "kustomization.yaml"),
              f"resources:\n- ../base\nnamePrefix: r{r}-\nlabels:\n- pairs:\n    repo: r{r}\n")
        git(work, "init", "-q")
        git(work, "add", "-A")
        git(work, "commit", "-q", "-m", "one")
        git(work, "tag", "v1")
        git(root, "clone", "-q", "--bare", work, f"repo{r}.git")
        for ref in entries:
            entries[ref].append(f"- file://{root}/repo{r}.git//overlay?ref={ref}\n")
    roots = {}
    for ref, lines in entries.items():
        d = os.path.join(root, f"app-{ref}")
        write(os.path.join(d, "kustomization.yaml"), "resources:\n" + "".join(lines))
        roots[ref] = d
    return roots


def compare_remote(label, root, cache, runs, kruns):
    """One row: kubectl, then kcompile with an empty cache (cold: every repository cloned, in
    parallel) and with the cache it left (warm)."""
    colds = []
    out = b""
    for i in range(runs):
        shutil.rmtree(cache, ignore_errors=True)
        wall, _, _, code, out = run_once([KCOMPILE, "build", root, "--cache-dir", cache])
        if code != 0:
            print(f"{label}: kcompile exit {code}")
            return
        colds.append(wall)
    cold = statistics.median(colds)
    warm = Measured([KCOMPILE, "build", root, "--cache-dir", cache], runs)
    u = Measured(["kubectl", "kustomize", root], kruns)
    same = f"kubectl exit {u.code}" if u.code != 0 else ("yes" if out == u.out == warm.out else "NO")
    print(f"{label}: kubectl {u.wall * 1000:.0f} ms; kcompile cold {cold * 1000:.0f} ms ({u.wall / cold:.1f}x), "
          f"warm {warm.wall * 1000:.0f} ms ({u.wall / warm.wall:.1f}x); identical: {same}")


def yaml_files(dirs):
    out = []
    for d in dirs:
        for dp, _, fns in os.walk(d):
            out += [os.path.join(dp, f) for f in fns if f.endswith(".yaml") and not f.startswith("kustomization")]
    return sorted(out)


# ---------------------------------------------------------------- reporting

def header():
    base = (f" {'base CPU':>8} {'/base':>6}", f" {'(ms)':>8} {'':>6}") if BASELINE else ("", "")
    return (f"{'tree':<36} {'kustomize':>9} {'kcompile':>9} {'speedup':>8} {'kc CPU':>7} {'CPU':>7} "
            f"{'k MiB':>6} {'kc MiB':>6} {'floor':>6} {'/floor':>6}{base[0]}  identical\n"
            f"{'':<36} {'(ms)':>9} {'(ms)':>9} {'(wall)':>8} {'(ms)':>7} {'ratio':>7} {'':>6} {'':>6} {'(ms)':>6}"
            f" {'':>6}{base[1]}")


def against_baseline(k, root, runs):
    """The --baseline columns for one row: the older binary's CPU time and this one's share."""
    if not BASELINE:
        return "", ""
    b = Measured([BASELINE, "build", root], runs)
    if b.code != 0 or k.code != 0:
        return f" {'-':>8} {'-':>6}", f", baseline exit {b.code}" if b.code else ""
    note = "" if b.out == k.out else ", differs from baseline"
    return f" {b.cpu * 1000:8.1f} {k.cpu / max(b.cpu, 1e-9):5.2f}x", note


def compare(label, root, inputs, runs, kruns):
    """One row: kubectl and kcompile on `root`, and kcompile's floor on `inputs`."""
    k = Measured([KCOMPILE, "build", root], runs)
    base, note = against_baseline(k, root, runs)
    floor = Measured([KCOMPILE, "fmt"] + inputs, runs).cpu if inputs else 0.0
    per_floor = f"{k.cpu / floor:6.2f}" if floor else f"{'-':>6}"
    floor_ms = f"{floor * 1000:6.1f}" if floor else f"{'-':>6}"
    if kruns:
        u = Measured(["kubectl", "kustomize", root], kruns)
        if k.code != 0:
            # A failed build's time means nothing: no ratios.
            print(f"{label:<36} {u.wall * 1000:9.1f} {'-':>9} {'-':>8} {'-':>7} {'-':>7} {u.mem:6.0f} {'-':>6} "
                  f"{floor_ms} {'-':>6}{base}  kcompile exit {k.code}{note}")
            return
        same = f"kubectl exit {u.code}" if u.code != 0 else ("yes" if k.out == u.out else "NO")
        print(f"{label:<36} {u.wall * 1000:9.1f} {k.wall * 1000:9.1f} {u.wall / k.wall:7.1f}x {k.cpu * 1000:7.1f} "
              f"{u.cpu / max(k.cpu, 1e-9):6.1f}x {u.mem:6.0f} {k.mem:6.0f} {floor_ms} {per_floor}{base}  {same}{note}")
    else:
        ok = "ok" if k.code == 0 else f"kcompile exit {k.code}"
        print(f"{label:<36} {'-':>9} {k.wall * 1000:9.1f} {'-':>8} {k.cpu * 1000:7.1f} {'-':>7} "
              f"{'-':>6} {k.mem:6.0f} {floor_ms} {per_floor}{base}  {ok}{note}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller trees and fewer runs")
    ap.add_argument("--runs", type=int, default=5, help="runs per kcompile measurement (median)")
    ap.add_argument("--kruns", type=int, default=3, help="runs per kubectl measurement (median)")
    ap.add_argument("--no-build", action="store_true", help="use target/release/kcompile as it is")
    ap.add_argument("--baseline", metavar="BIN", help="also time this kcompile binary (an older build) on every row")
    ap.add_argument("--kcompile", metavar="BIN", help="the kcompile binary to time (implies --no-build)")
    args = ap.parse_args()
    global BASELINE, KCOMPILE
    BASELINE = os.path.abspath(args.baseline) if args.baseline else None
    if args.kcompile:
        KCOMPILE, args.no_build = os.path.abspath(args.kcompile), True
    if args.quick:
        args.runs, args.kruns = 3, 1
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "kcompile-cli"], cwd=REPO, check=True)
    if not shutil.which("kubectl"):
        sys.exit("kubectl is not on PATH: the benchmark compares with `kubectl kustomize`")
    tmp = tempfile.mkdtemp(prefix="kcompile-bench-")
    try:
        print(header())
        for o in ["local", "poc", "prod"]:
            root = os.path.join(REPO, "overlays", o)
            compare(f"example overlays/{o}", root, yaml_files([os.path.join(REPO, "base"), root]),
                    args.runs * 4, args.kruns * 2)
        n = 40 if args.quick else 200
        stacked, inputs = gen_patch_heavy(os.path.join(tmp, f"ph{n}"), n)
        compare(f"patch-heavy N={n}, stacked 3 deep", stacked, inputs + yaml_files([os.path.dirname(stacked)]),
                args.runs, args.kruns)
        crds = 40 if args.quick else 120
        bundle, binputs = gen_bundle(os.path.join(tmp, "bundle"), crds, 5, 100)
        size = os.path.getsize(binputs[0]) / 1e6
        compare(f"bundle-like ({size:.1f} MB)", bundle, binputs, args.runs, args.kruns)
        plain, pinputs = gen_bundle(os.path.join(tmp, "plain"), crds, 5, 100, transform=False)
        compare(f"bundle, resources only ({size:.1f} MB)", plain, pinputs, args.runs, args.kruns)
        files = 300 if args.quick else 3000
        many, minputs = gen_many_files(tmp, files)
        compare(f"{files} files of one object each", many, minputs, max(1, args.runs // 3), args.kruns)
        print()
        print("kcompile alone, patch-heavy stacked tree (time should grow linearly with N):")
        sizes = [200, 2000] if args.quick else [200, 2000, 20000]
        for big in sizes:
            root, inputs = gen_patch_heavy(os.path.join(tmp, f"lin{big}"), big)
            compare(f"patch-heavy N={big}", root, [], max(1, args.runs // (1 + big // 2000)), 0)
        print()
        bases = 5
        remote = gen_remote(os.path.join(tmp, "remote"), bases, 5 if args.quick else 20)
        for ref, what in [("v1", "a tag"), ("main", "a branch, resolved again by each warm build")]:
            compare_remote(f"{bases} remote bases over file:// ({what})", remote[ref],
                           os.path.join(tmp, f"cache-{ref}"), args.runs, args.kruns)
        print()
        roots = [os.path.join(REPO, "overlays", o) for o in ["local", "poc", "prod"]]
        out_dir = os.path.join(tmp, "many")
        kc = Measured([KCOMPILE, "build", *roots, "-o", out_dir], args.runs)
        ku = statistics.median(sum(run_once(["kubectl", "kustomize", r])[0] for r in roots) for _ in range(args.kruns))
        if kc.code != 0:
            print(f"many roots (the 3 example overlays): kcompile exit {kc.code}")
        else:
            print(f"many roots (the 3 example overlays): kcompile one run {kc.wall * 1000:.1f} ms, "
                  f"kubectl one call per root {ku * 1000:.1f} ms: {ku / kc.wall:.1f}x")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
