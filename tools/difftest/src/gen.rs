//! The grammar: random kustomize trees from a seed. Every choice goes through one `Rng`, so
//! a seed is a complete description of a case.
//!
//! Shape: `root/` is built; beside it there may be `base/`, `base2/`, `mid/` (an overlay of
//! `base`) and `comp/` (a component). Resources are Kubernetes-looking objects whose scalars
//! come from pools of tricky spellings; patches, replacements, vars, images and replicas are
//! built from the resources visible at that level, so most of them apply; the rest, and a few
//! deliberate mistakes, exercise the error paths.

use crate::rng::Rng;
use crate::tree::{File, Tree};
use crate::yaml::{plain_safe, Chomp, Layout, Style, Y};

const WORDS: &[&str] = &["a", "web", "value", "hello world", "x-y", "A_B", "v1.2.3", "z", "some text here", "é"];
const NUMBERS: &[&str] = &[
    "0",
    "1",
    "-1",
    "42",
    "1.5",
    "1e3",
    "1E-3",
    "1_000",
    "+12",
    ".5",
    "0.",
    "007",
    "0o17",
    "017",
    "0x1F",
    "0X1f",
    "0b101",
    "1:20",
    "12:30:45",
    ".inf",
    "-.Inf",
    ".NaN",
    "1.0e+3",
    "9223372036854775808",
    "0xGG",
    "-0",
    "08",
    "0.10",
    "3.",
];
const BOOLS: &[&str] = &["true", "false", "True", "FALSE", "yes", "no", "Yes", "NO", "on", "Off", "y", "n", "Y", "N"];
const NULLS: &[&str] = &["null", "Null", "NULL", "~", ""];
const DATES: &[&str] =
    &["2001-12-14", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5", "2002-12-14T00:00:00Z", "1.2.3.4"];
const UNICODE: &[&str] = &[
    "héllo",
    "日本語",
    "emoji 😀",
    "\u{a0}nbsp",
    "zero\u{200b}width",
    "\u{feff}bom",
    "line\u{2028}sep",
    "next\u{85}line",
    "ß",
    "ǅ",
    "😀",
];
const CONTROL: &[&str] = &["a\tb", "\t", "x\u{1}y", "del\u{7f}", "bell\u{7}", "cr\r\nlf", "\u{1b}[0m", "tab\tend\t"];
const SPECIAL: &[&str] = &[
    "a #b",
    "#x",
    "a#b",
    "a: b",
    "a:b",
    "key:",
    "- x",
    "-",
    "? x",
    "[x]",
    "{x}",
    "*x",
    "&x",
    "!x",
    "!!str",
    "|",
    "> x",
    "%x",
    "@x",
    "`x",
    "'",
    "\"",
    "a'b",
    "a\"b",
    ",",
    "<<",
    "=",
    "a=b",
    "---",
    "...",
    "--- x",
    "$(SVC)",
    "${X}",
    "\\",
    "\\n",
    "http://a.b/c?d=e#f",
    "a,b",
    "[]",
    "{}",
    "a: b # c",
    "x:\n",
    "- a\n- b",
];
const MULTILINE: &[&str] = &[
    "a\nb",
    "a\n\nb\n",
    "a\n",
    "\n",
    "a  \nb",
    "trailing\n\n\n",
    " lead\nx",
    "  two\n  lines\n",
    "\ttab\nx",
    "x\n  indented\ny",
    "a\n\n",
    "last line  \n",
    "#!/bin/sh\necho \"$1\"\n",
];
const SPACED: &[&str] = &[" a", "a ", "  ", " ", "a  b", " a b ", "a\u{3000}"];
const NAMES: &[&str] = &["web", "api", "db", "cfg", "worker"];
const ODD_NAMES: &[&str] =
    &["a.b", "Web", "x-1", "y1", "a_b", "-bad", "very-long-name-abcdefghijklmnopqrstuvwxyz-0123456789"];
const GEN_NAMES: &[&str] = &["cfg", "env", "sec", "tls"];
const IMAGES: &[&str] = &[
    "nginx",
    "nginx:1.25",
    "redis:7@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "registry.example.com:5000/team/app:v1",
    "ghcr.io/org/tool",
    "busybox:latest",
    "postgres",
];
const IMAGE_NAMES: &[&str] =
    &["nginx", "redis", "registry.example.com:5000/team/app", "ghcr.io/org/tool", "busybox", "postgres", "missing"];
const VARS: &[&str] = &["SVC", "CFG", "PORT"];
const TAGS: &[&str] = &[
    "!!str",
    "!!str",
    "!!str",
    "!custom",
    "!custom",
    "!!int",
    "!!float",
    "!!bool",
    "!!null",
    "!!binary",
    "!!timestamp",
];

/// A resource as generated (before any transformation), with what patches need to find it.
#[derive(Clone)]
struct Res {
    api: String,
    kind: String,
    name: String,
    body: Y,
}

/// The generated case of `seed`.
pub fn generate(seed: u64) -> Tree {
    let mut g = Gen {
        rng: Rng::new(seed),
        anchors: 0,
        tree: Tree::default(),
        generators: Vec::new(),
        strict: false,
        ids: Vec::new(),
    };
    g.tree();
    g.tree
}

struct Gen {
    rng: Rng,
    anchors: usize,
    tree: Tree,
    /// Generated ConfigMaps and Secrets so far (kind, name), for behaviors and references.
    generators: Vec<(&'static str, String)>,
    /// Writing a kustomization's typed string fields: no tags, and words that would read as
    /// numbers, booleans or nulls are quoted (mostly), since kustomize rejects them.
    strict: bool,
    /// (kind, name) of every resource generated so far: ids are kept unique (mostly).
    ids: Vec<(String, String)>,
}

impl Gen {
    fn tree(&mut self) {
        let shape = self.rng.weighted(&[30, 35, 20, 10]);
        let with_comp = self.rng.chance(25);
        match shape {
            0 => {
                let comps = self.component(with_comp, &[]);
                self.kustomization("root", vec![], &comps.1, &comps.0, false);
            }
            1 | 3 => {
                let mut visible = self.kustomization("base", vec![], &[], &[], false);
                let mut bases = vec!["../base".to_string()];
                if shape == 3 {
                    visible.extend(self.kustomization("base2", vec![], &[], &[], false));
                    bases.push("../base2".to_string());
                }
                let (comps, with) = self.component(with_comp, &visible);
                visible.extend(with);
                self.kustomization("root", bases, &visible, &comps, false);
            }
            _ => {
                let mut visible = self.kustomization("base", vec![], &[], &[], false);
                let (comps, with) = self.component(with_comp, &visible);
                let comp_in_mid = self.rng.chance(50);
                if comp_in_mid {
                    visible.extend(with.iter().cloned());
                }
                let mid_comps = if comp_in_mid { comps.clone() } else { vec![] };
                visible.extend(self.kustomization("mid", vec!["../base".into()], &visible, &mid_comps, false));
                if !comp_in_mid {
                    visible.extend(with);
                }
                let root_comps = if comp_in_mid { vec![] } else { comps };
                self.kustomization("root", vec!["../mid".into()], &visible, &root_comps, false);
            }
        }
    }

    /// Maybe a component in `comp/`: the paths to list in `components:` and its resources.
    fn component(&mut self, yes: bool, targets: &[Res]) -> (Vec<String>, Vec<Res>) {
        if !yes {
            return (vec![], vec![]);
        }
        let own = self.kustomization("comp", vec![], targets, &[], true);
        (vec!["../comp".into()], own)
    }

    // ---------------------------------------------------------------- scalars

    fn text(&mut self) -> String {
        let pool = self.rng.weighted(&[30, 12, 8, 5, 4, 6, 3, 10, 8, 3, 3, 4]);
        match pool {
            0 => self.rng.pick(WORDS).to_string(),
            1 => self.rng.pick(NUMBERS).to_string(),
            2 => self.rng.pick(BOOLS).to_string(),
            3 => self.rng.pick(NULLS).to_string(),
            4 => self.rng.pick(DATES).to_string(),
            5 => self.rng.pick(UNICODE).to_string(),
            6 => self.rng.pick(CONTROL).to_string(),
            7 => self.rng.pick(SPECIAL).to_string(),
            8 => self.rng.pick(MULTILINE).to_string(),
            9 | 10 => {
                let n = self.rng.range(70, 200);
                let mut s = String::new();
                while s.len() < n {
                    let w = *self.rng.pick::<&str>(&["lorem", "ipsum", "dolor", "sit", "amet", "x", "consectetur"]);
                    s.push_str(w);
                    if pool == 9 {
                        s.push(' ');
                        if self.rng.chance(5) {
                            s.push(' ');
                        }
                    }
                }
                s
            }
            _ => self.rng.pick(SPACED).to_string(),
        }
    }

    /// A single-line text (values that end up in one-line strings: literals, names).
    fn line(&mut self) -> String {
        loop {
            let t = self.text();
            if !t.contains(['\n', '\r']) {
                return t;
            }
        }
    }

    fn strictly<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        let was = std::mem::replace(&mut self.strict, true);
        let r = f(self);
        self.strict = was;
        r
    }

    fn styled(&mut self, text: String) -> Y {
        let multiline = text.contains('\n');
        let typed = [NUMBERS, BOOLS, NULLS, DATES].iter().any(|p| p.contains(&text.as_str()));
        let control = text.chars().any(|c| c.is_control() && c != '\n');
        if control && (self.strict || self.rng.chance(85)) {
            return Y::Scalar { text, style: Style::Double, tag: None };
        }
        let plain = if !plain_safe(&text) {
            3
        } else if self.strict && typed {
            1
        } else {
            45
        };
        let block = if multiline { 25 } else { 5 };
        let chomp = *self.rng.pick(&[Chomp::Clip, Chomp::Strip, Chomp::Keep]);
        let ind = if self.rng.chance(15) { self.rng.range(1, 4) as u8 } else { 0 };
        let style = match self.rng.weighted(&[plain, 15, 25, block, block / 2]) {
            0 => Style::Plain,
            1 => Style::Single,
            2 => Style::Double,
            3 => Style::Literal(chomp, ind),
            _ => Style::Folded(chomp, ind),
        };
        let tag = if !self.strict && self.rng.chance(2) { Some(self.rng.pick(TAGS).to_string()) } else { None };
        Y::Scalar { text, style, tag }
    }

    fn scalar(&mut self) -> Y {
        let t = self.text();
        self.styled(t)
    }

    /// Mostly an ordinary word, sometimes anything.
    fn mostly_word(&mut self) -> Y {
        if self.rng.chance(75) {
            let w = self.rng.pick(WORDS).to_string();
            self.styled(w)
        } else {
            self.scalar()
        }
    }

    fn key(&mut self) -> Y {
        if self.rng.chance(if self.strict { 97 } else { 94 }) {
            let k = self
                .rng
                .pick(&["k", "key", "a.b", "x_y", "app.kubernetes.io/name", "team", "K1", "data-1"])
                .to_string();
            Y::s(&k)
        } else {
            let t = self.line();
            self.styled(t)
        }
    }

    fn name(&mut self) -> String {
        if self.rng.chance(92) {
            self.rng.pick(NAMES).to_string()
        } else {
            self.rng.pick(ODD_NAMES).to_string()
        }
    }

    fn layout(&mut self) -> Layout {
        *self.rng.pick(&[Layout::Block, Layout::Block, Layout::Block, Layout::Indented, Layout::Flow])
    }

    fn anchor_name(&mut self) -> String {
        self.anchors += 1;
        format!("a{}", self.anchors)
    }

    /// Any value: scalars, nested maps and lists, empty collections, anchors with aliases
    /// and merge keys.
    fn value(&mut self, depth: usize) -> Y {
        let w = if depth == 0 { [80, 0, 0, 4, 4, 4] } else { [55, 15, 12, 4, 4, 4] };
        match self.rng.weighted(&w) {
            0 => self.scalar(),
            1 => {
                let n = self.rng.range(1, 4);
                let mut entries = Vec::new();
                for _ in 0..n {
                    let k = self.key();
                    let v = self.value(depth - 1);
                    push_unique(&mut entries, k, v, &mut self.rng);
                }
                if n > 1 && self.rng.chance(15) {
                    // an anchored map and a merge of it
                    let name = self.anchor_name();
                    let base = Y::Anchor {
                        name: name.clone(),
                        node: Box::new(Y::Map { entries: entries.clone(), layout: self.layout() }),
                    };
                    let merge = if self.rng.chance(70) {
                        Y::Alias(name)
                    } else {
                        Y::Seq { items: vec![Y::Alias(name)], layout: Layout::Flow }
                    };
                    let mut derived = vec![(Y::s("<<"), merge)];
                    let k = self.key();
                    let v = self.scalar();
                    derived.push((k, v));
                    if self.rng.chance(50) {
                        derived.reverse();
                    }
                    return Y::map(vec![
                        ("base", base),
                        ("derived", Y::Map { entries: derived, layout: self.layout() }),
                    ]);
                }
                Y::Map { entries, layout: self.layout() }
            }
            2 => {
                let n = self.rng.range(1, 4);
                let items = (0..n).map(|_| self.value(depth - 1)).collect();
                Y::Seq { items, layout: self.layout() }
            }
            3 => Y::Map { entries: vec![], layout: Layout::Flow },
            4 => Y::Seq { items: vec![], layout: Layout::Flow },
            _ => {
                if self.rng.chance(50) {
                    Y::Empty
                } else {
                    let name = self.anchor_name();
                    let v = self.scalar();
                    Y::seq(vec![Y::Anchor { name: name.clone(), node: Box::new(v) }, Y::Alias(name)])
                }
            }
        }
    }

    fn string_map(&mut self, max: usize) -> Y {
        let n = self.rng.range(1, max);
        let mut entries = Vec::new();
        for _ in 0..n {
            let k = self.key();
            let v = self.mostly_word();
            push_unique(&mut entries, k, v, &mut self.rng);
        }
        Y::Map { entries, layout: self.layout() }
    }

    fn kmap(&mut self, max: usize) -> Y {
        self.strictly(|g| g.string_map(max))
    }

    // ---------------------------------------------------------------- resources

    fn metadata(&mut self, name: &str) -> Y {
        let mut m = Y::map(vec![("name", Y::s(name))]);
        if self.rng.chance(40) {
            let mut labels = Y::map(vec![("app", Y::s(name))]);
            if self.rng.chance(40) {
                let k = self.key();
                let v = self.mostly_word();
                if let Y::Map { entries, .. } = &mut labels {
                    entries.push((k, v));
                }
            }
            m.set("labels", labels);
        }
        if self.rng.chance(30) {
            let a = self.string_map(3);
            m.set("annotations", a);
        }
        if self.rng.chance(10) {
            m.set("namespace", Y::s(self.rng.pick(&["ns1", "other", "default"])));
        }
        m
    }

    fn container(&mut self, i: usize) -> Y {
        let mut c = Y::map(vec![("name", Y::s(format!("c{i}"))), ("image", Y::s(self.rng.pick(IMAGES)))]);
        if self.rng.chance(40) {
            let n = self.rng.range(1, 3);
            let mut args = Vec::new();
            for _ in 0..n {
                if self.rng.chance(30) {
                    args.push(Y::s(format!("--x=$({})", self.rng.pick(VARS))));
                } else {
                    args.push(self.scalar());
                }
            }
            c.set("args", Y::Seq { items: args, layout: self.layout() });
        }
        if self.rng.chance(40) {
            let mut env = Vec::new();
            for j in 0..self.rng.range(1, 3) {
                let v = if self.rng.chance(20) { Y::s(format!("$({})", self.rng.pick(VARS))) } else { self.scalar() };
                env.push(Y::map(vec![("name", Y::s(format!("E{j}"))), ("value", v)]));
            }
            if self.rng.chance(40) {
                let g = self.rng.pick(GEN_NAMES).to_string();
                env.push(Y::map(vec![
                    ("name", Y::s("FROM")),
                    (
                        "valueFrom",
                        Y::map(vec![("configMapKeyRef", Y::map(vec![("name", Y::s(&g)), ("key", Y::s("k"))]))]),
                    ),
                ]));
            }
            c.set("env", Y::seq(env));
        }
        if self.rng.chance(30) {
            let g = self.rng.pick(GEN_NAMES).to_string();
            let kind = if self.rng.chance(50) { "configMapRef" } else { "secretRef" };
            c.set("envFrom", Y::seq(vec![Y::map(vec![(kind, Y::map(vec![("name", Y::s(&g))]))])]));
        }
        if self.rng.chance(40) {
            let port = *self.rng.pick(&["80", "8080", "443"]);
            c.set("ports", Y::seq(vec![Y::map(vec![("containerPort", Y::s(port)), ("protocol", Y::s("TCP"))])]));
        }
        c
    }

    fn pod_spec(&mut self) -> Y {
        let n = self.rng.range(1, 2);
        let containers = (0..n).map(|i| self.container(i)).collect();
        let mut spec = Y::map(vec![("containers", Y::Seq { items: containers, layout: self.layout() })]);
        if self.rng.chance(30) {
            let g = self.rng.pick(GEN_NAMES).to_string();
            spec.set(
                "volumes",
                Y::seq(vec![
                    Y::map(vec![("name", Y::s("v")), ("configMap", Y::map(vec![("name", Y::s(&g))]))]),
                    Y::map(vec![("name", Y::s("s")), ("secret", Y::map(vec![("secretName", Y::s("sec"))]))]),
                ]),
            );
        }
        spec
    }

    fn workload(&mut self, kind: &str, name: &str) -> Y {
        let (app, sel) = if self.rng.chance(15) {
            let a = self.anchor_name();
            (Y::Anchor { name: a.clone(), node: Box::new(Y::s(name)) }, Y::Alias(a))
        } else {
            (Y::s(name), Y::s(name))
        };
        let mut spec = Y::map(vec![
            ("selector", Y::map(vec![("matchLabels", Y::map(vec![("app", app)]))])),
            (
                "template",
                Y::map(vec![
                    ("metadata", Y::map(vec![("labels", Y::map(vec![("app", sel)]))])),
                    ("spec", self.pod_spec()),
                ]),
            ),
        ]);
        if self.rng.chance(50) {
            let r = if self.rng.chance(10) { Y::q("2") } else { Y::s(self.rng.pick(&["1", "3", "0"])) };
            spec.set("replicas", r);
        }
        if kind == "StatefulSet" {
            spec.set("serviceName", Y::s(name));
        }
        let api = "apps/v1";
        Y::map(vec![("apiVersion", Y::s(api)), ("kind", Y::s(kind)), ("metadata", self.metadata(name)), ("spec", spec)])
    }

    fn resource(&mut self) -> Res {
        let kind = *self.rng.pick(&[
            "Deployment",
            "Deployment",
            "Deployment",
            "Service",
            "Service",
            "ConfigMap",
            "ConfigMap",
            "Secret",
            "StatefulSet",
            "Widget",
            "Widget",
            "Namespace",
            "Ingress",
            "ServiceAccount",
            "RoleBinding",
            "HorizontalPodAutoscaler",
        ]);
        let mut name = self.name();
        for _ in 0..20 {
            if !self.ids.iter().any(|(k, n)| k == kind && *n == name) || self.rng.chance(2) {
                break;
            }
            name = self.name();
        }
        if self.ids.iter().any(|(k, n)| k == kind && *n == name) {
            name = format!("{name}-{}", self.ids.len());
        }
        if kind == "Namespace" && self.ids.iter().any(|(k, _)| k == "Namespace") && self.rng.chance(90) {
            return self.resource();
        }
        self.ids.push((kind.to_string(), name.clone()));
        let meta = self.metadata(&name);
        let (api, body) = match kind {
            "Deployment" | "StatefulSet" => ("apps/v1", self.workload(kind, &name)),
            "Service" => {
                let port =
                    Y::map(vec![("port", Y::s("80")), ("targetPort", self.mostly_word()), ("name", Y::s("http"))]);
                let spec =
                    Y::map(vec![("selector", Y::map(vec![("app", Y::s(&name))])), ("ports", Y::seq(vec![port]))]);
                (
                    "v1",
                    Y::map(vec![("apiVersion", Y::s("v1")), ("kind", Y::s(kind)), ("metadata", meta), ("spec", spec)]),
                )
            }
            "ConfigMap" | "Secret" => {
                let n = self.rng.range(0, 4);
                let mut entries = Vec::new();
                for _ in 0..n {
                    let k = self.key();
                    let v = if kind == "Secret" && self.rng.chance(60) {
                        Y::s(self.rng.pick(&["aGVsbG8=", "", "Zm9v\nYmFy", "not base64!"]))
                    } else {
                        self.scalar()
                    };
                    push_unique(&mut entries, k, v, &mut self.rng);
                }
                let field = if kind == "Secret" && self.rng.chance(30) { "stringData" } else { "data" };
                let mut m = Y::map(vec![("apiVersion", Y::s("v1")), ("kind", Y::s(kind)), ("metadata", meta)]);
                m.set(field, Y::Map { entries, layout: self.layout() });
                if kind == "Secret" && self.rng.chance(50) {
                    m.set("type", Y::s("Opaque"));
                }
                ("v1", m)
            }
            "Widget" => {
                let mut spec = Y::map(vec![("field", self.value(3))]);
                if self.rng.chance(50) {
                    spec.set("other", self.value(2));
                }
                if self.rng.chance(3) {
                    spec = self.scalar();
                }
                let api = *self.rng.pick(&["example.com/v1", "example.com/v1beta1"]);
                (api, Y::map(vec![("apiVersion", Y::s(api)), ("kind", Y::s(kind)), ("metadata", meta), ("spec", spec)]))
            }
            "Namespace" | "ServiceAccount" => {
                ("v1", Y::map(vec![("apiVersion", Y::s("v1")), ("kind", Y::s(kind)), ("metadata", meta)]))
            }
            "Ingress" => {
                let backend = Y::map(vec![(
                    "service",
                    Y::map(vec![("name", Y::s(self.name())), ("port", Y::map(vec![("number", Y::s("80"))]))]),
                )]);
                let path = Y::map(vec![("path", Y::s("/")), ("pathType", Y::s("Prefix")), ("backend", backend)]);
                let rule =
                    Y::map(vec![("host", self.mostly_word()), ("http", Y::map(vec![("paths", Y::seq(vec![path]))]))]);
                let spec = Y::map(vec![("rules", Y::seq(vec![rule]))]);
                let api = "networking.k8s.io/v1";
                (api, Y::map(vec![("apiVersion", Y::s(api)), ("kind", Y::s(kind)), ("metadata", meta), ("spec", spec)]))
            }
            "RoleBinding" => {
                let api = "rbac.authorization.k8s.io/v1";
                let role = Y::map(vec![
                    ("apiGroup", Y::s("rbac.authorization.k8s.io")),
                    ("kind", Y::s("Role")),
                    ("name", Y::s(self.name())),
                ]);
                let subj = Y::map(vec![
                    ("kind", Y::s("ServiceAccount")),
                    ("name", Y::s(self.name())),
                    ("namespace", Y::s("ns1")),
                ]);
                (
                    api,
                    Y::map(vec![
                        ("apiVersion", Y::s(api)),
                        ("kind", Y::s(kind)),
                        ("metadata", meta),
                        ("roleRef", role),
                        ("subjects", Y::seq(vec![subj])),
                    ]),
                )
            }
            _ => {
                let api = "autoscaling/v2";
                let target = Y::map(vec![
                    ("apiVersion", Y::s("apps/v1")),
                    ("kind", Y::s("Deployment")),
                    ("name", Y::s(self.name())),
                ]);
                let spec =
                    Y::map(vec![("scaleTargetRef", target), ("minReplicas", Y::s("1")), ("maxReplicas", Y::s("3"))]);
                (api, Y::map(vec![("apiVersion", Y::s(api)), ("kind", Y::s(kind)), ("metadata", meta), ("spec", spec)]))
            }
        };
        Res { api: api.into(), kind: kind.into(), name, body }
    }

    /// Resource files of `dir`: one to three files, multi-document or `List`s.
    fn resource_files(&mut self, dir: &str) -> (Vec<String>, Vec<Res>) {
        let mut names = Vec::new();
        let mut all = Vec::new();
        for f in 0..self.rng.range(1, 3) {
            let n = self.rng.weighted(&[10, 50, 30, 10]);
            let res: Vec<Res> = (0..n.max(1)).map(|_| self.resource()).collect();
            let mut docs: Vec<Y> = res.iter().map(|r| r.body.clone()).collect();
            if self.rng.chance(10) {
                let kind = if self.rng.chance(80) { "List" } else { "DeploymentList" };
                docs = vec![Y::map(vec![("apiVersion", Y::s("v1")), ("kind", Y::s(kind)), ("items", Y::seq(docs))])];
            }
            if self.rng.chance(5) {
                let at = self.rng.below(docs.len() + 1);
                docs.insert(at, Y::Empty);
            }
            let file = format!("res{f}.yaml");
            let start_marker = self.rng.chance(20);
            let end_marker = self.rng.chance(5);
            self.tree.files.insert(format!("{dir}/{file}"), File::Yaml { docs, start_marker, end_marker });
            names.push(file);
            all.extend(res);
        }
        (names, all)
    }

    // ---------------------------------------------------------------- kustomization

    /// Writes `dir/kustomization.yaml` and what it refers to; returns the resources it adds
    /// itself (resource files and generators' output are not tracked as patch targets except
    /// resources).
    fn kustomization(
        &mut self,
        dir: &str,
        bases: Vec<String>,
        targets: &[Res],
        comps: &[String],
        component: bool,
    ) -> Vec<Res> {
        let mut k: Vec<(&str, Y)> = Vec::new();
        if component {
            k.push(("apiVersion", Y::s("kustomize.config.k8s.io/v1alpha1")));
            k.push(("kind", Y::s("Component")));
        } else if self.rng.chance(70) {
            k.push(("apiVersion", Y::s("kustomize.config.k8s.io/v1beta1")));
            k.push(("kind", Y::s("Kustomization")));
        }
        let mut own = Vec::new();
        let mut resources: Vec<Y> = bases.iter().map(Y::s).collect();
        let own_files = if bases.is_empty() { !component || self.rng.chance(50) } else { self.rng.chance(35) };
        if own_files {
            let (files, res) = self.resource_files(dir);
            resources.extend(files.iter().map(Y::s));
            own = res;
        }
        if self.rng.chance(1) {
            resources.push(Y::s("missing.yaml"));
        }
        if self.rng.chance(15) && resources.len() > 1 {
            let i = self.rng.below(resources.len());
            resources.swap(0, i);
        }
        if !resources.is_empty() {
            k.push(("resources", Y::Seq { items: resources, layout: self.layout() }));
        }
        if !comps.is_empty() {
            k.push(("components", Y::seq(comps.iter().map(Y::s).collect())));
        }
        let mut visible: Vec<Res> = targets.to_vec();
        visible.extend(own.iter().cloned());

        if self.rng.chance(25) {
            k.push(("namespace", Y::s(self.rng.pick(&["ns1", "prod", "other", "default", "Bad_NS"]))));
        }
        if self.rng.chance(20) {
            k.push(("namePrefix", Y::s(self.rng.pick(&["p-", "pre-", "x", ""]))));
        }
        if self.rng.chance(15) {
            k.push(("nameSuffix", Y::s(self.rng.pick(&["-s", "-v2", "_x"]))));
        }
        if self.rng.chance(15) {
            k.push(("commonLabels", self.kmap(2)));
        }
        if self.rng.chance(20) {
            let mut entry = Y::map(vec![("pairs", self.kmap(2))]);
            if self.rng.chance(50) {
                entry.set("includeSelectors", Y::s(self.rng.pick(&["true", "false"])));
            }
            if self.rng.chance(40) {
                entry.set("includeTemplates", Y::s(self.rng.pick(&["true", "false"])));
            }
            k.push(("labels", Y::seq(vec![entry])));
        }
        if self.rng.chance(15) {
            k.push(("commonAnnotations", self.kmap(3)));
        }
        if self.rng.chance(20) {
            k.push(("images", self.images()));
        }
        let workloads = visible.iter().any(|r| r.kind == "Deployment" || r.kind == "StatefulSet");
        if self.rng.chance(15) && (workloads || self.rng.chance(5)) {
            k.push(("replicas", self.replicas(&visible)));
        }
        if self.rng.chance(35) {
            let g = self.generators(dir, "ConfigMap", !bases.is_empty() || component);
            k.push(("configMapGenerator", g));
        }
        if self.rng.chance(20) {
            let g = self.generators(dir, "Secret", !bases.is_empty() || component);
            k.push(("secretGenerator", g));
        }
        if self.rng.chance(10) {
            let mut o = Y::map(vec![]);
            if self.rng.chance(60) {
                o.set("disableNameSuffixHash", Y::s(self.rng.pick(&["true", "false"])));
            }
            if self.rng.chance(40) {
                o.set("labels", self.kmap(2));
            }
            if self.rng.chance(30) {
                o.set("annotations", self.kmap(2));
            }
            k.push(("generatorOptions", o));
        }
        if self.rng.chance(45) {
            let n = self.rng.range(1, 3);
            let patches = (0..n).map(|i| self.patch(dir, i, &visible)).collect();
            k.push(("patches", Y::seq(patches)));
        }
        if self.rng.chance(10) {
            let n = self.rng.range(1, 2);
            let mut items = Vec::new();
            for i in 0..n {
                let body = self.smp_for(&visible);
                if self.rng.chance(60) {
                    let file = format!("smp{i}.yaml");
                    self.tree.files.insert(format!("{dir}/{file}"), File::yaml(vec![body]));
                    items.push(Y::s(&file));
                } else {
                    items.push(self.inline(&body));
                }
            }
            k.push(("patchesStrategicMerge", Y::seq(items)));
        }
        if self.rng.chance(8) {
            let res = self.target_res(&visible);
            let ops = self.json_ops(&res.body);
            let file = "json0.yaml".to_string();
            self.tree.files.insert(format!("{dir}/{file}"), File::yaml(vec![ops]));
            let (group, version) = split_api(&res.api);
            let mut target =
                Y::map(vec![("version", Y::s(&version)), ("kind", Y::s(&res.kind)), ("name", Y::s(&res.name))]);
            if !group.is_empty() {
                target.set("group", Y::s(&group));
            }
            k.push(("patchesJson6902", Y::seq(vec![Y::map(vec![("target", target), ("path", Y::s(&file))])])));
        }
        if self.rng.chance(15) && !visible.is_empty() {
            k.push(("replacements", self.replacements(&visible)));
        }
        if self.rng.chance(10) && !visible.is_empty() {
            k.push(("vars", self.vars(&visible)));
        }
        if self.rng.chance(5) {
            k.push(("sortOptions", Y::map(vec![("order", Y::s(self.rng.pick(&["fifo", "legacy"])))])));
        }
        if self.rng.chance(3) {
            k.push((
                "buildMetadata",
                Y::seq(vec![Y::s(self.rng.pick(&["originAnnotations", "transformerAnnotations", "managedByLabel"]))]),
            ));
        }
        if self.rng.chance(1) {
            k.push(("unknownField", Y::s("x")));
        }
        // kustomize's order of operations does not depend on the order of the keys
        if self.rng.chance(40) {
            for i in (1..k.len()).rev() {
                let j = self.rng.below(i + 1);
                k.swap(i, j);
            }
        }
        let file = if self.rng.chance(90) {
            "kustomization.yaml"
        } else {
            *self.rng.pick(&["kustomization.yml", "Kustomization"])
        };
        self.tree.files.insert(format!("{dir}/{file}"), File::yaml(vec![Y::map(k)]));
        own
    }

    fn images(&mut self) -> Y {
        let n = self.rng.range(1, 2);
        let mut items = Vec::new();
        for _ in 0..n {
            let mut e = Y::map(vec![("name", Y::s(self.rng.pick(IMAGE_NAMES)))]);
            if self.rng.chance(40) {
                e.set("newName", Y::s(self.rng.pick(&["mirror.io/nginx", "other", "localhost:5000/x"])));
            }
            if self.rng.chance(60) {
                let t = if self.rng.chance(70) {
                    Y::q(self.rng.pick(&["v2", "1.0", "latest", "1.25-alpine"]))
                } else {
                    self.strictly(Gen::mostly_word)
                };
                e.set("newTag", t);
            }
            if self.rng.chance(20) {
                e.set("digest", Y::s("sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"));
            }
            items.push(e);
        }
        Y::seq(items)
    }

    fn replicas(&mut self, visible: &[Res]) -> Y {
        let name = visible
            .iter()
            .filter(|r| r.kind == "Deployment" || r.kind == "StatefulSet")
            .map(|r| r.name.clone())
            .next()
            .unwrap_or_else(|| self.name());
        let count = if self.rng.chance(3) { Y::q("2") } else { Y::s(self.rng.pick(&["0", "1", "5", "3", "-1"])) };
        Y::seq(vec![Y::map(vec![("name", Y::s(&name)), ("count", count)])])
    }

    fn generators(&mut self, dir: &str, kind: &'static str, overlay: bool) -> Y {
        let n = self.rng.range(1, 2);
        let mut items = Vec::new();
        let mut here: Vec<String> = Vec::new();
        for i in 0..n {
            let existing: Vec<String> =
                self.generators.iter().filter(|(k, _)| *k == kind).map(|(_, n)| n.clone()).collect();
            let fresh: Vec<&str> = GEN_NAMES
                .iter()
                .copied()
                .filter(|g| !existing.iter().any(|e| e == g) && !here.iter().any(|h| h == g))
                .collect();
            let merge = overlay && !existing.is_empty() && self.rng.chance(60);
            let name = if merge || fresh.is_empty() {
                self.rng.pick(&existing).clone()
            } else {
                self.rng.pick(&fresh).to_string()
            };
            here.push(name.clone());
            let mut e = Y::map(vec![("name", Y::s(&name))]);
            if merge && self.rng.chance(95) {
                e.set("behavior", Y::s(self.rng.pick(&["merge", "replace", "merge"])));
            } else if self.rng.chance(if merge { 100 } else { 10 }) {
                e.set("behavior", Y::s(self.rng.pick(&["create", "create", "merge"])));
            }
            let mut has_source = false;
            if self.rng.chance(70) {
                let mut lits = Vec::new();
                for _ in 0..self.rng.range(1, 3) {
                    let key =
                        self.rng.pick(&["k", "KEY", "a.b", "x_y", "1", "-k", "k k", "tls.crt", "tls.key"]).to_string();
                    let v = self.line();
                    let v = match self.rng.below(10) {
                        0 => format!("\"{v}\""),
                        1 => format!("'{v}'"),
                        _ => v,
                    };
                    let lit = format!("{key}={v}");
                    if !lits.iter().any(|l: &Y| l.text().is_some_and(|t| t.starts_with(&format!("{key}="))))
                        || self.rng.chance(5)
                    {
                        let l = self.strictly(|g| g.styled(lit));
                        lits.push(l);
                    }
                }
                e.set("literals", Y::Seq { items: lits, layout: self.layout() });
                has_source = true;
            }
            if self.rng.chance(30) {
                let file = format!("{}{i}.txt", kind.to_lowercase());
                let content = if self.rng.chance(8) {
                    File::Bytes(vec![0xff, 0xfe, b'a', 0x00, 0x80])
                } else {
                    let lines = (0..self.rng.range(0, 3)).map(|_| self.line()).collect();
                    File::Lines { lines, final_newline: self.rng.chance(70) }
                };
                self.tree.files.insert(format!("{dir}/{file}"), content);
                let spec = if self.rng.chance(50) {
                    format!("{}={file}", self.rng.pick(&["key", "a.txt", "x"]))
                } else {
                    file
                };
                e.set("files", Y::seq(vec![Y::s(&spec)]));
                has_source = true;
            }
            if self.rng.chance(20) || !has_source && self.rng.chance(50) {
                let file = format!("{}{i}.env", kind.to_lowercase());
                let mut lines = Vec::new();
                for _ in 0..self.rng.range(1, 4) {
                    let l = match self.rng.weighted(&[60, 8, 8, 5, 5, 5, 5]) {
                        0 => {
                            let used: Vec<&str> =
                                lines.iter().filter_map(|l: &String| l.split_once('=').map(|(k, _)| k)).collect();
                            let free: Vec<&str> =
                                ["A", "B_C", "x.y", "K", "Z9"].into_iter().filter(|k| !used.contains(k)).collect();
                            let key = if free.is_empty() { "A" } else { *self.rng.pick(&free) };
                            format!("{key}={}", self.line())
                        }
                        1 => "# comment".to_string(),
                        2 => String::new(),
                        3 => "  SPACED = v ".to_string(),
                        4 => "Q=\"quoted value\"".to_string(),
                        5 => "=v".to_string(),
                        _ => "export E=1".to_string(),
                    };
                    lines.push(l);
                }
                self.tree
                    .files
                    .insert(format!("{dir}/{file}"), File::Lines { lines, final_newline: self.rng.chance(80) });
                e.set("envs", Y::seq(vec![Y::s(&file)]));
            }
            if kind == "Secret" && self.rng.chance(25) {
                e.set("type", Y::s(self.rng.pick(&["Opaque", "kubernetes.io/tls", "custom/type"])));
            }
            if self.rng.chance(20) {
                let mut o = Y::map(vec![]);
                if self.rng.chance(50) {
                    o.set("disableNameSuffixHash", Y::s("true"));
                }
                if self.rng.chance(50) {
                    o.set("labels", self.kmap(2));
                }
                if self.rng.chance(30) {
                    o.set("annotations", self.kmap(1));
                }
                if self.rng.chance(20) {
                    o.set("immutable", Y::s("true"));
                }
                e.set("options", o);
            }
            if !overlay && self.rng.chance(4) {
                e.set("namespace", Y::s("ns2"));
            }
            self.generators.push((kind, name));
            items.push(e);
        }
        Y::seq(items)
    }

    // ---------------------------------------------------------------- patches

    fn target_res(&mut self, visible: &[Res]) -> Res {
        if visible.is_empty() || self.rng.chance(3) {
            let name = self.name();
            let body = self.workload("Deployment", &name);
            Res { api: "apps/v1".into(), kind: "Deployment".into(), name, body }
        } else {
            self.rng.pick(visible).clone()
        }
    }

    /// A patch's text as an inline string (`patch: |` and friends).
    fn inline(&mut self, body: &Y) -> Y {
        let text = crate::yaml::print_docs(std::slice::from_ref(body), false, false);
        let style = if self.rng.chance(70) {
            Style::Literal(*self.rng.pick(&[Chomp::Clip, Chomp::Strip]), 0)
        } else {
            Style::Double
        };
        Y::Scalar { text, style, tag: None }
    }

    fn patch(&mut self, dir: &str, i: usize, visible: &[Res]) -> Y {
        let res = self.target_res(visible);
        let smp = self.rng.chance(55);
        let body = if smp { self.smp_from(&res) } else { self.json_ops(&res.body) };
        let mut e = Y::map(vec![]);
        if self.rng.chance(50) {
            let file = format!("patch{i}.yaml");
            self.tree.files.insert(format!("{dir}/{file}"), File::yaml(vec![body]));
            e.set("path", Y::s(&file));
        } else {
            let b = self.inline(&body);
            e.set("patch", b);
        }
        if !smp || self.rng.chance(30) {
            let mut t = Y::map(vec![]);
            match self.rng.weighted(&[5, 15, 10, 30, 40]) {
                0 => {
                    t.set("kind", Y::s(&res.kind));
                }
                1 => t.set("labelSelector", Y::s(format!("app={}", res.name))),
                2 => {
                    t.set("kind", Y::s(&res.kind));
                    t.set("name", Y::s(format!("{}.*", &res.name[..res.name.len().min(1)])));
                }
                3 => {
                    let (g, v) = split_api(&res.api);
                    t.set("group", Y::s(&g));
                    t.set("version", Y::s(&v));
                    t.set("kind", Y::s(&res.kind));
                    t.set("name", Y::s(&res.name));
                }
                _ => {
                    t.set("kind", Y::s(&res.kind));
                    t.set("name", Y::s(&res.name));
                }
            }
            if self.rng.chance(5) {
                t = Y::map(vec![]);
            }
            e.set("target", t);
        }
        if self.rng.chance(10) {
            e.set("options", Y::map(vec![("allowNameChange", Y::s("true")), ("allowKindChange", Y::s("true"))]));
        }
        e
    }

    fn smp_for(&mut self, visible: &[Res]) -> Y {
        let res = self.target_res(visible);
        self.smp_from(&res)
    }

    /// A strategic-merge patch built from the resource itself: its id, a random part of its
    /// fields with some values changed, keys added or set to null, list items kept by their
    /// merge key, and `$patch`, `$setElementOrder`, `$retainKeys`, `$deleteFromPrimitiveList`.
    fn smp_from(&mut self, res: &Res) -> Y {
        let mut meta = Y::map(vec![("name", Y::s(&res.name))]);
        if self.rng.chance(20) {
            meta.set("labels", self.string_map(1));
        }
        let mut p = Y::map(vec![("apiVersion", Y::s(&res.api)), ("kind", Y::s(&res.kind)), ("metadata", meta)]);
        if let Y::Map { entries, .. } = &res.body {
            for (k, v) in entries {
                let key = k.text().unwrap_or("");
                if ["apiVersion", "kind", "metadata"].contains(&key) {
                    continue;
                }
                if self.rng.chance(70) {
                    let sub = self.smp_sub(v, 0);
                    if let Y::Map { entries, .. } = &mut p {
                        entries.push((k.clone(), sub));
                    }
                }
            }
        }
        if self.rng.chance(4) {
            p.set("$patch", Y::s(self.rng.pick(&["delete", "replace", "merge", "bogus"])));
        }
        p
    }

    fn smp_sub(&mut self, v: &Y, depth: usize) -> Y {
        match v {
            Y::Anchor { node, .. } => self.smp_sub(node, depth),
            Y::Map { entries, layout } => {
                let mut out = Vec::new();
                for (k, val) in entries {
                    if self.rng.chance(50) || depth < 2 && self.rng.chance(50) {
                        let key = k.text().unwrap_or("").to_string();
                        if let Y::Seq { items, .. } = val {
                            if self.rng.chance(10) && items.iter().all(|i| i.get("name").is_some()) && !items.is_empty()
                            {
                                let order: Vec<Y> = items
                                    .iter()
                                    .rev()
                                    .map(|i| Y::map(vec![("name", i.get("name").cloned().unwrap_or(Y::Empty))]))
                                    .collect();
                                out.push((Y::s(format!("$setElementOrder/{key}")), Y::seq(order)));
                            }
                            if self.rng.chance(8) && items.iter().all(|i| i.text().is_some()) && !items.is_empty() {
                                out.push((
                                    Y::s(format!("$deleteFromPrimitiveList/{key}")),
                                    Y::seq(vec![items[0].clone()]),
                                ));
                                continue;
                            }
                        }
                        let sub = if self.rng.chance(8) {
                            if self.rng.chance(50) {
                                Y::Empty
                            } else {
                                Y::s("null")
                            }
                        } else {
                            self.smp_sub(val, depth + 1)
                        };
                        out.push((k.clone(), sub));
                    }
                }
                if self.rng.chance(15) {
                    let k = self.key();
                    let v = self.value(2);
                    out.push((k, v));
                }
                if self.rng.chance(4) {
                    out.push((Y::s("$patch"), Y::s(self.rng.pick(&["replace", "delete", "merge"]))));
                }
                if self.rng.chance(3) && !entries.is_empty() {
                    let keys = entries.iter().take(2).map(|(k, _)| k.clone()).collect();
                    out.push((Y::s("$retainKeys"), Y::seq(keys)));
                }
                Y::Map { entries: out, layout: *layout }
            }
            Y::Seq { items, layout } => {
                let keyed = |i: &Y| {
                    ["name", "containerPort", "mountPath", "port"]
                        .iter()
                        .find(|k| i.get(k).is_some())
                        .map(|k| k.to_string())
                };
                if !items.is_empty() && items.iter().all(|i| keyed(i).is_some()) {
                    let mut out = Vec::new();
                    for item in items {
                        let Some(key) = keyed(item) else { continue };
                        let id = item.get(&key).cloned().unwrap_or(Y::Empty);
                        match self.rng.weighted(&[50, 10, 40]) {
                            0 => {
                                let mut sub = self.smp_sub(item, depth + 1);
                                if sub.get(&key).is_none() {
                                    if let Y::Map { entries, .. } = &mut sub {
                                        entries.insert(0, (Y::s(&key), id));
                                    }
                                }
                                out.push(sub);
                            }
                            1 => out.push(Y::map(vec![(key.as_str(), id), ("$patch", Y::s("delete"))])),
                            _ => {}
                        }
                    }
                    if self.rng.chance(10) {
                        let c = self.container(7);
                        out.push(c);
                    }
                    if self.rng.chance(6) {
                        out.push(Y::map(vec![("$patch", Y::s("replace"))]));
                    }
                    Y::Seq { items: out, layout: *layout }
                } else if self.rng.chance(60) {
                    v.clone()
                } else {
                    let n = self.rng.range(0, 2);
                    let items = (0..n).map(|_| self.value(1)).collect();
                    Y::Seq { items, layout: *layout }
                }
            }
            _ => {
                if self.rng.chance(50) {
                    v.clone()
                } else {
                    self.scalar()
                }
            }
        }
    }

    /// JSON 6902 operations on paths of the resource (most exist, some do not).
    fn json_ops(&mut self, body: &Y) -> Y {
        let mut paths = Vec::new();
        collect_paths(body, &mut Vec::new(), &mut paths);
        paths.retain(|(p, _)| {
            let id = p.len() == 1 && ["apiVersion", "kind", "metadata"].contains(&p[0].as_str());
            !p.is_empty() && !id && p.get(1).is_none_or(|s| s != "name")
        });
        let n = self.rng.weighted(&[0, 70, 20, 10]);
        let mut ops = Vec::new();
        for _ in 0..n {
            let (path, node) =
                if paths.is_empty() { (vec!["metadata".to_string()], Y::Empty) } else { self.rng.pick(&paths).clone() };
            let ptr = pointer(&path);
            let op = *self
                .rng
                .pick(&["add", "add", "add", "remove", "replace", "replace", "replace", "move", "copy", "test"]);
            let mut e = Y::map(vec![("op", Y::s(op))]);
            match op {
                "add" => {
                    let p = match &node {
                        Y::Map { .. } => format!("{ptr}/{}", self.rng.pick(&["new", "a~1b", "x~0y", "k"])),
                        Y::Seq { items, .. } => format!(
                            "{ptr}/{}",
                            self.rng.pick(&[
                                "-".to_string(),
                                "0".to_string(),
                                items.len().to_string(),
                                (items.len() + 1).to_string()
                            ])
                        ),
                        _ => ptr.clone(),
                    };
                    e.set("path", Y::s(&p));
                    let v = self.value(2);
                    e.set("value", v);
                }
                "remove" => e.set("path", Y::s(&ptr)),
                "replace" => {
                    e.set("path", Y::s(&ptr));
                    let v = self.value(2);
                    e.set("value", v);
                }
                "move" | "copy" => {
                    e.set("from", Y::s(&ptr));
                    let to =
                        if self.rng.chance(90) { "/metadata/moved".to_string() } else { "/spec/moved".to_string() };
                    e.set("path", Y::s(&to));
                }
                _ => {
                    e.set("path", Y::s(&ptr));
                    let v = if self.rng.chance(85) { node.clone() } else { self.scalar() };
                    e.set("value", v);
                }
            }
            if self.rng.chance(1) {
                e.set("path", Y::s("no/leading/slash"));
            }
            ops.push(e);
        }
        if self.rng.chance(25) {
            jsonify(&Y::seq(ops))
        } else {
            Y::seq(ops)
        }
    }

    // ---------------------------------------------------------------- replacements, vars

    fn replacements(&mut self, visible: &[Res]) -> Y {
        let src = self.rng.pick(visible).clone();
        let mut leaves = Vec::new();
        collect_field_paths(&src.body, &mut Vec::new(), &mut leaves);
        let source_path = if leaves.is_empty() { "metadata.name".to_string() } else { self.rng.pick(&leaves).clone() };
        let mut source = Y::map(vec![("kind", Y::s(&src.kind)), ("name", Y::s(&src.name))]);
        if self.rng.chance(85) {
            source.set("fieldPath", Y::s(&source_path));
        }
        let tgt = self.rng.pick(visible).clone();
        let mut tleaves = Vec::new();
        collect_field_paths(&tgt.body, &mut Vec::new(), &mut tleaves);
        let mut fps = Vec::new();
        for _ in 0..self.rng.range(1, 2) {
            let p = if tleaves.is_empty() || self.rng.chance(10) {
                "spec.new.field".to_string()
            } else {
                self.rng.pick(&tleaves).clone()
            };
            fps.push(Y::s(&p));
        }
        let mut select = Y::map(vec![("kind", Y::s(&tgt.kind))]);
        if self.rng.chance(50) {
            select.set("name", Y::s(&tgt.name));
        }
        let mut target = Y::map(vec![("select", select), ("fieldPaths", Y::seq(fps))]);
        if self.rng.chance(25) {
            let mut o = Y::map(vec![]);
            if self.rng.chance(50) {
                o.set("delimiter", Y::s(self.rng.pick(&["-", ".", "/"])));
                o.set("index", Y::s(self.rng.pick(&["0", "1", "-1", "5"])));
            }
            if self.rng.chance(50) {
                o.set("create", Y::s("true"));
            }
            target.set("options", o);
        }
        if self.rng.chance(15) {
            target.set("reject", Y::seq(vec![Y::map(vec![("name", Y::s(self.name()))])]));
        }
        Y::seq(vec![Y::map(vec![("source", source), ("targets", Y::seq(vec![target]))])])
    }

    fn vars(&mut self, visible: &[Res]) -> Y {
        let mut items = Vec::new();
        for _ in 0..self.rng.range(1, 2) {
            let r = self.rng.pick(visible).clone();
            let mut e = Y::map(vec![
                ("name", Y::s(self.rng.pick(VARS))),
                (
                    "objref",
                    Y::map(vec![("kind", Y::s(&r.kind)), ("name", Y::s(&r.name)), ("apiVersion", Y::s(&r.api))]),
                ),
            ]);
            if self.rng.chance(70) {
                let mut leaves = Vec::new();
                collect_field_paths(&r.body, &mut Vec::new(), &mut leaves);
                let p = if leaves.is_empty() || self.rng.chance(40) {
                    "metadata.name".to_string()
                } else {
                    self.rng.pick(&leaves).clone()
                };
                e.set("fieldref", Y::map(vec![("fieldpath", Y::s(&p))]));
            }
            items.push(e);
        }
        Y::seq(items)
    }
}

/// Appends an entry unless its key is already there (kept anyway, rarely: duplicate keys are
/// an error both tools must report).
fn push_unique(entries: &mut Vec<(Y, Y)>, k: Y, v: Y, rng: &mut Rng) {
    if entries.iter().any(|(e, _)| e.text() == k.text()) && !rng.chance(3) {
        return;
    }
    entries.push((k, v));
}

/// The same data spelled as JSON (a JSON 6902 patch that starts with `[` must be JSON):
/// flow collections, double-quoted keys and strings, integers, booleans and null bare; no
/// tags, anchors or aliases.
fn jsonify(y: &Y) -> Y {
    match y {
        Y::Empty | Y::Alias(_) => Y::s("null"),
        Y::Anchor { node, .. } => jsonify(node),
        Y::Scalar { text, .. } => {
            let bare = ["true", "false", "null"].contains(&text.as_str())
                || (!text.is_empty()
                    && text.trim_start_matches('-').bytes().all(|b| b.is_ascii_digit())
                    && text != "-");
            Y::Scalar { text: text.clone(), style: if bare { Style::Plain } else { Style::Double }, tag: None }
        }
        Y::Map { entries, .. } => Y::Map {
            entries: entries.iter().map(|(k, v)| (Y::q(k.text().unwrap_or("key")), jsonify(v))).collect(),
            layout: Layout::Flow,
        },
        Y::Seq { items, .. } => Y::Seq { items: items.iter().map(jsonify).collect(), layout: Layout::Flow },
    }
}

fn split_api(api: &str) -> (String, String) {
    match api.split_once('/') {
        Some((g, v)) => (g.to_string(), v.to_string()),
        None => (String::new(), api.to_string()),
    }
}

/// Every node's JSON pointer segments, with the node.
fn collect_paths(node: &Y, prefix: &mut Vec<String>, out: &mut Vec<(Vec<String>, Y)>) {
    out.push((prefix.clone(), node.clone()));
    match node {
        Y::Map { entries, .. } => {
            for (k, v) in entries {
                if let Some(k) = k.text() {
                    prefix.push(k.to_string());
                    collect_paths(v, prefix, out);
                    prefix.pop();
                }
            }
        }
        Y::Seq { items, .. } => {
            for (i, v) in items.iter().enumerate() {
                prefix.push(i.to_string());
                collect_paths(v, prefix, out);
                prefix.pop();
            }
        }
        Y::Anchor { node, .. } => collect_paths(node, prefix, out),
        _ => {}
    }
}

fn pointer(path: &[String]) -> String {
    path.iter().map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1"))).collect()
}

/// kustomize field paths (`a.b.[name=c0].c`, `a.0.b`) of scalar leaves.
fn collect_field_paths(node: &Y, prefix: &mut Vec<String>, out: &mut Vec<String>) {
    match node {
        Y::Map { entries, .. } => {
            for (k, v) in entries {
                if let Some(k) = k.text() {
                    prefix.push(k.to_string());
                    collect_field_paths(v, prefix, out);
                    prefix.pop();
                }
            }
        }
        Y::Seq { items, .. } => {
            for (i, v) in items.iter().enumerate() {
                let seg = match v.get("name").and_then(Y::text) {
                    Some(n) if i % 2 == 0 => format!("[name={n}]"),
                    _ => i.to_string(),
                };
                prefix.push(seg);
                collect_field_paths(v, prefix, out);
                prefix.pop();
            }
        }
        Y::Anchor { node, .. } => collect_field_paths(node, prefix, out),
        _ => {
            if !prefix.is_empty() {
                out.push(prefix.join("."));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_generates_the_same_tree() {
        for seed in [0, 1, 42, u64::MAX] {
            assert_eq!(generate(seed).listing(), generate(seed).listing());
        }
    }

    #[test]
    fn different_seeds_generate_different_trees() {
        let listings: std::collections::HashSet<String> = (0..50).map(|s| generate(s).listing()).collect();
        assert!(listings.len() > 45, "only {} distinct trees of 50", listings.len());
    }

    #[test]
    fn every_tree_has_a_root_kustomization() {
        for seed in 0..200 {
            let t = generate(seed);
            assert!(
                t.files.keys().any(|p| p.starts_with("root/") && p.to_lowercase().starts_with("root/kustomization")),
                "seed {seed}: {:?}",
                t.files.keys().collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn the_grammar_reaches_every_family_of_feature_over_a_few_hundred_seeds() {
        let all: String = (0..400).map(|s| generate(s).listing()).collect();
        for needle in [
            "configMapGenerator",
            "secretGenerator",
            "behavior: merge",
            "namePrefix",
            "commonLabels",
            "labels:",
            "images:",
            "replicas:",
            "patches:",
            "patchesStrategicMerge",
            "patchesJson6902",
            "replacements:",
            "vars:",
            "components:",
            "kind: Component",
            "kind: List",
            "$patch: delete",
            "$setElementOrder/",
            "op: move",
            "op: test",
            "<<: ",
            "&a",
            "*a",
            "|+",
            ">-",
            "'",
            "---\n",
            "0x1F",
        ] {
            assert!(all.contains(needle), "no tree contains {needle:?}");
        }
    }

    #[test]
    fn json_patches_in_flow_style_are_spelled_as_json() {
        let ops = Y::seq(vec![Y::map(vec![
            ("op", Y::s("add")),
            ("value", Y::seq(vec![Y::s("1"), Y::s("yes"), Y::Alias("a".into())])),
        ])]);
        let text = crate::yaml::print_docs(&[jsonify(&ops)], false, false);
        assert_eq!(text, "[{\"op\": \"add\", \"value\": [1, \"yes\", null]}]\n");
    }

    #[test]
    fn json_pointers_escape_tilde_and_slash() {
        assert_eq!(pointer(&["a/b".into(), "c~d".into(), "0".into()]), "/a~1b/c~0d/0");
    }
}
