//! `vars` (deprecated in kustomize, still used): `$(NAME)` references replaced by a field of
//! another object, once the whole tree is built.
//!
//! Vars are decoded (`decode`) when their kustomization is read. Each kustomization's vars are
//! matched, at the end of its own accumulation, to the one
//! resource whose original id is the var's `objref` (the resource remembers the var's name).
//! Vars travel up with the resources; two vars of one name anywhere in the tree are an error.
//! After name references are fixed, each var's `fieldref` (default `metadata.name`, a
//! `crate::fieldpath` path that may write `containers[0]`) is read from its resource (so it sees final names, prefixes and hashes included) and `$(NAME)` is
//! expanded in the var-reference fields of the build's transformer configuration (kustomize's
//! `varReference` table in `transform/fieldspecs.yaml`, plus the `varReference` entries of
//! `configurations` files, merged as kustomize merges them). A field that is exactly `$(NAME)` takes
//! the value with its type (`port: $(PORT)` becomes an int); `$$` is a literal `$`; unknown
//! names stay as written.

use crate::accumulate::Accumulator;
use crate::decode::Fields;
use crate::error::{bail, Error, Result};
use crate::fieldpath::{lookup, FieldPath};
use crate::resource::{Gvk, ResId, Resource};
use crate::transform::fieldspec::{Spec, SpecSegment};
use crate::yaml::node::{Node, Pos, Value};
use camino::{Utf8Path, Utf8PathBuf};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

/// One var, as declared.
#[derive(Clone, Debug, PartialEq)]
pub struct Var {
    pub name: String,
    gvk: Gvk,
    obj_name: String,
    obj_namespace: String,
    field_path: String,
    /// The kustomization file that declared it (set when it joins the build's set), and where.
    file: Utf8PathBuf,
    pos: Pos,
}

impl Var {
    /// The field to read: `metadata.name` unless given.
    fn field_path(&self) -> &str {
        if self.field_path.is_empty() {
            "metadata.name"
        } else {
            &self.field_path
        }
    }

    /// kustomize's printed form: `{NAME Kind.version.group {fieldpath}}` (the field path as
    /// written, or defaulted once the var is in the set, as kustomize prints them).
    fn display(&self, defaulted: bool) -> String {
        let path = if defaulted { self.field_path() } else { &self.field_path };
        format!("{{{} {} {{{}}}}}", self.name, self.gvk.id_string(), path)
    }
}

/// The vars gathered so far.
#[derive(Clone, Debug, Default)]
pub struct VarSet {
    vars: Vec<Var>,
}

impl VarSet {
    /// Takes in the vars of a base, refusing a name seen before.
    pub fn absorb(&mut self, other: VarSet) -> Result<()> {
        for v in other.vars {
            self.insert(v)?;
        }
        Ok(())
    }

    fn insert(&mut self, v: Var) -> Result<()> {
        if self.vars.iter().any(|o| o.name == v.name) {
            return Err(Error::new(format!("var '{}' already encountered", v.name)).in_file(&v.file).at(v.pos));
        }
        self.vars.push(v);
        Ok(())
    }
}

/// Decodes one entry of `vars` (kustomize's `Var`: `name`, `objref`, `fieldref`).
pub(crate) fn decode(mut o: Fields) -> Result<Var> {
    let mut var = Var {
        name: String::new(),
        gvk: Gvk::default(),
        obj_name: String::new(),
        obj_namespace: String::new(),
        field_path: String::new(),
        file: Utf8PathBuf::new(),
        pos: o.pos(),
    };
    let mut api_version = String::new();
    while let Some(f) = o.next(&["name", "objref", "fieldref"])? {
        match f.name {
            "name" => var.name = f.string()?.unwrap_or_default(),
            "objref" => {
                let Some(mut objref) = f.object("Target", "types.Target")? else { continue };
                while let Some(f) = objref.next(&["apiVersion", "group", "version", "kind", "name", "namespace"])? {
                    let value = f.string()?.unwrap_or_default();
                    match f.name {
                        "apiVersion" => api_version = value,
                        "group" => var.gvk.group = value,
                        "version" => var.gvk.version = value,
                        "kind" => var.gvk.kind = value,
                        "name" => var.obj_name = value,
                        _ => var.obj_namespace = value,
                    }
                }
            }
            _ => {
                let Some(mut fieldref) = f.object("FieldSelector", "types.FieldSelector")? else { continue };
                while let Some(f) = fieldref.next(&["fieldPath"])? {
                    var.field_path = f.string()?.unwrap_or_default();
                }
            }
        }
    }
    // An apiVersion overrides group and version (kustomize's `Target.GVK`).
    if !api_version.is_empty() {
        match api_version.split_once('/') {
            Some((g, ver)) if !ver.contains('/') => {
                var.gvk.group = g.to_string();
                var.gvk.version = ver.to_string();
            }
            Some(_) => {}
            None => var.gvk.version = api_version,
        }
    }
    Ok(var)
}

/// kustomize's `MergeVars`, run at the end of one kustomization's accumulation: ties each
/// declared var to the one resource it names (by original id) and adds it to the set.
pub fn merge(file: &Utf8Path, vars: &[Var], acc: &mut Accumulator) -> Result<()> {
    for v in vars {
        let target = ResId { gvk: v.gvk.clone(), name: v.obj_name.clone(), namespace: v.obj_namespace.clone() };
        // Without a namespace, any namespace matches (unless the kind has none).
        let exact_ns = !v.obj_namespace.is_empty() || target.gvk.is_cluster_scoped();
        let matched: Vec<usize> = acc
            .resources
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                let id = r.orig_id();
                id.gvk == target.gvk
                    && id.name == target.name
                    && (!exact_ns || id.effective_namespace() == target.effective_namespace())
            })
            .map(|(i, _)| i)
            .collect();
        if matched.len() > 1 {
            return Err(Error::new(format!(
                "found {} resId matches for var {} (unable to disambiguate)",
                matched.len(),
                v.display(false)
            ))
            .help("several objects have this kind and name (in different namespaces): add 'namespace' to the objref")
            .in_file(file)
            .at(v.pos));
        }
        if let Some(r) = matched.first().and_then(|&i| acc.resources.get_mut(i)) {
            r.ref_vars.push(v.name.clone());
        }
    }
    for v in vars {
        acc.vars.insert(Var { file: file.to_owned(), ..v.clone() })?;
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------------
// Resolution
// ------------------------------------------------------------------------------------------------

/// A var's value as kustomize's mapping function hands it out.
#[derive(Clone, Debug)]
enum VarValue {
    /// Strings, numbers and booleans: substituted.
    Scalar(Value),
    /// Maps and lists: left as `$(NAME)`.
    Unusable,
}

/// A var's value read from its field as kyaml's `GetFieldValue` reads it: from the text the
/// scalar was written with, by its tag: an integer with Go's `strconv.Atoi` (`012` is 12;
/// `0x1F`, `0o17`, `1_000` and one beyond int64 are errors, `None`), a float with
/// `strconv.ParseFloat` (`1.50` is 1.5), a boolean as read; any other tag gives the text itself
/// (a null `null`, `~` or the empty string, a timestamp as written). Maps and lists stay unusable.
fn var_value(node: &Node, empty_nulls: &[crate::yaml::node::Pos]) -> Option<VarValue> {
    let text = || node.written_text().unwrap_or_default();
    Some(VarValue::Scalar(match &node.value {
        Value::Int(_) | Value::UInt(_) => Value::Int(go_atoi(&text())?),
        Value::Float(_) => Value::Float(text().parse::<f64>().ok()?),
        Value::Bool(_) => node.value.clone(),
        Value::Null if empty_nulls.contains(&node.pos) => Value::Str(String::new()),
        Value::Null | Value::Str(_) => Value::Str(text()),
        Value::Seq(_) | Value::Map(_) => return Some(VarValue::Unusable),
    }))
}

/// Go's `strconv.Atoi`: an optional sign and decimal digits, within int64.
fn go_atoi(text: &str) -> Option<i64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.strip_prefix('+').unwrap_or(text).parse().ok()
}

/// Replaces `$(VAR)` in the var-reference fields (`references`, the build's `varReference`
/// specs) of every resource. Returns the names of vars that were never used (kustomize logs
/// them).
pub fn resolve(resources: &mut [Resource], set: &VarSet, references: &[Spec]) -> Result<Vec<String>> {
    if set.vars.is_empty() {
        return Ok(Vec::new());
    }
    let mut vars: Vec<&Var> = set.vars.iter().collect();
    vars.sort_by(|a, b| a.name.cmp(&b.name));
    let mut values: HashMap<&str, VarValue> = HashMap::with_capacity(vars.len());
    for v in &vars {
        let Some(r) = resources.iter().find(|r| r.ref_vars.iter().any(|n| n == &v.name)) else {
            let objects: Vec<(&str, &str)> = resources.iter().map(|r| (r.kind(), r.name())).collect();
            let near = crate::error::missing_object_hint(&v.gvk.kind, &v.obj_name, objects);
            return Err(Error::new(format!(
                "var '{}' cannot be mapped to a field in the set of known resources",
                v.display(true)
            ))
            .help(crate::error::sentences(
                &near,
                "A var's objref names the object (kind, name, apiVersion) it reads from",
            ))
            .in_file(&v.file)
            .at(v.pos));
        };
        let found = FieldPath::parse_var(v.field_path()).and_then(|p| lookup(&r.node, &p)).ok().flatten();
        let Some(value) = found.and_then(|node| var_value(node, &r.empty_nulls)) else {
            return Err(Error::new(format!(
                "field specified in var '{}' not found in corresponding resource {}",
                v.display(true),
                r.id()
            ))
            .in_file(&v.file)
            .at(v.pos));
        };
        values.insert(v.name.as_str(), value);
    }
    // Var-reference paths: `[]` marks a list, which the walk enters anyway.
    let parsed: Vec<(&Spec, Vec<&str>)> = references
        .iter()
        .map(|s| (s, s.steps.iter().map(SpecSegment::key).filter(|k| !k.is_empty()).collect()))
        .collect();
    let mut used: HashSet<String> = HashSet::new();
    for r in resources.iter_mut() {
        let gvk = r.gvk();
        let id = r.id();
        for (spec, steps) in &parsed {
            if !spec.selects(&gvk) {
                continue;
            }
            expand_at(&mut r.node, steps, &values, &mut used).map_err(|e| {
                let e = e.context(format!("expanding vars in {id} at '{}'", spec.path));
                if r.generated.is_some() {
                    e
                } else {
                    e.in_file(&r.origin)
                }
            })?;
        }
    }
    let mut unused: Vec<String> =
        vars.iter().filter(|v| !used.contains(v.name.as_str())).map(|v| v.name.clone()).collect();
    unused.sort();
    Ok(unused)
}

/// Walks a var-reference path (lists are entered implicitly) and expands what it reaches.
fn expand_at(
    node: &mut Node,
    steps: &[&str],
    values: &HashMap<&str, VarValue>,
    used: &mut HashSet<String>,
) -> Result<()> {
    let Some((first, rest)) = steps.split_first() else {
        return expand_node(node, values, used);
    };
    match &mut node.value {
        Value::Null => Ok(()),
        Value::Seq(items) => {
            for item in items {
                expand_at(item, steps, values, used)?;
            }
            Ok(())
        }
        Value::Map(m) => match m.get_mut(*first) {
            Some(child) => expand_at(child, rest, values, used),
            None => Ok(()),
        },
        _ => bail!("expected sequence or mapping node"),
    }
}

fn expand_node(node: &mut Node, values: &HashMap<&str, VarValue>, used: &mut HashSet<String>) -> Result<()> {
    match &mut node.value {
        Value::Str(s) => {
            node.value = expand(s, values, used);
            Ok(())
        }
        Value::Map(m) => {
            for v in m.values_mut() {
                if let Value::Str(s) = &v.value {
                    v.value = expand(s, values, used);
                }
            }
            Ok(())
        }
        Value::Seq(items) => {
            for item in items {
                // kyaml's refvar filter wants every item a string by its tag (a timestamp is not).
                let Value::Str(s) = &item.value else { return Err(not_a_string(item)) };
                if !item.is_kyaml_string() {
                    return Err(not_a_string(item));
                }
                item.value = expand(s, values, used);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// kyaml's refvar filter refuses a list in a var-reference field holding anything but strings
/// (by tag: a number, a boolean, a null, a timestamp, a map or a list), whether or not it names a
/// var.
fn not_a_string(item: &Node) -> Error {
    let what = match &item.value {
        Value::Str(_) => "a timestamp",
        v => v.type_name(),
    };
    Error::new(format!("invalid value type expect a string: a list item here is {what}, not a string"))
        .help("every item of a list in a field vars are expanded in must be a string: quote it")
        .at(item.pos)
}

/// Expands `$(NAME)` in `input`; a string that is exactly one reference takes the var's type.
fn expand(input: &str, values: &HashMap<&str, VarValue>, used: &mut HashSet<String>) -> Value {
    if !input.contains('$') {
        return Value::Str(input.to_string());
    }
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let Some(next) = after.chars().next() else {
            out.push('$');
            rest = after;
            break;
        };
        match next {
            '$' => {
                out.push('$');
                rest = &after[1..];
            }
            '(' => match after.find(')') {
                Some(close) => {
                    let name = &after[1..close];
                    let whole = at == 0 && close + 2 == rest.len() && rest.len() == input.len();
                    match values.get(name) {
                        Some(VarValue::Scalar(v)) => {
                            if !used.contains(name) {
                                used.insert(name.to_string());
                            }
                            if whole {
                                return v.clone();
                            }
                            out.push_str(&go_format(v));
                        }
                        _ => {
                            out.push_str("$(");
                            out.push_str(name);
                            out.push(')');
                        }
                    }
                    rest = &after[close + 1..];
                }
                None => {
                    out.push_str("$(");
                    rest = &after[1..];
                }
            },
            c => {
                out.push('$');
                out.push(c);
                rest = &after[c.len_utf8()..];
            }
        }
    }
    out.push_str(rest);
    Value::Str(out)
}

/// A value as Go's `%v` prints it.
fn go_format(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) => go_float(*f),
        Value::Null | Value::Seq(_) | Value::Map(_) => String::new(),
    }
}

/// Go's `%v` for a float64: shortest digits, in exponent form below 1e-4 and from 1e6 on
/// (strconv's `'g'` with the shortest precision switches at exponent 6).
fn go_float(f: f64) -> String {
    if f == 0.0 {
        return "0".to_string();
    }
    if !f.is_finite() {
        return if f.is_nan() {
            "NaN".into()
        } else if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    let sci = format!("{f:e}");
    let Some((mantissa, exp)) = sci.split_once('e') else { return sci };
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exp.abs());
    }
    format!("{f}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::Rules;
    use crate::yaml::read::{parse_one, Schema};

    fn var(text: &str) -> Result<Var> {
        let d = parse_one(text, Schema::V11).unwrap().unwrap();
        decode(Fields::root(&d, Rules::KUSTOMIZATION, "Var", "types.Var")?)
    }

    #[test]
    fn a_var_decodes_its_objref_with_the_api_version_over_group_and_version() {
        let v = var("Name: V\nobjRef: {apiVersion: apps/v1, group: x, kind: Deployment, name: api}\nfieldref: {fieldPath: spec.replicas}\n").unwrap();
        assert_eq!((v.name.as_str(), v.gvk.group.as_str(), v.gvk.version.as_str()), ("V", "apps", "v1"));
        assert_eq!((v.obj_name.as_str(), v.field_path.as_str()), ("api", "spec.replicas"));
        let e = var("name: V\nobjref: {kind: A, nmae: b}\n").unwrap_err();
        assert_eq!(e.message(), "invalid Kustomization: json: unknown field \"nmae\"");
        assert_eq!(e.hint(), Some("did you mean 'name'?"));
    }

    fn vals() -> HashMap<&'static str, VarValue> {
        let mut m = HashMap::new();
        m.insert("S", VarValue::Scalar(Value::Str("svc".into())));
        m.insert("N", VarValue::Scalar(Value::Int(8080)));
        m.insert("F", VarValue::Scalar(Value::Float(1.5)));
        m.insert("M", VarValue::Unusable);
        m
    }

    #[test]
    fn expansion_keeps_types_for_whole_references() {
        let v = vals();
        let mut used = HashSet::new();
        assert_eq!(expand("$(N)", &v, &mut used), Value::Int(8080));
        assert_eq!(expand("x$(N)y", &v, &mut used), Value::Str("x8080y".into()));
        assert_eq!(expand("$(S).$(F)", &v, &mut used), Value::Str("svc.1.5".into()));
        assert_eq!(expand("$$(S) $(NOPE) $(M) $( $x $", &v, &mut used), Value::Str("$(S) $(NOPE) $(M) $( $x $".into()));
        assert!(used.contains("S") && used.contains("N") && !used.contains("M"));
    }

    #[test]
    fn a_var_is_read_from_the_text_its_field_was_written_with() {
        let doc = parse_one("a: 012\nb: 0x1F\nc: 1.50\nd: ~\ne:\nf: 2001-12-14\ng: +5\n", Schema::V3).unwrap().unwrap();
        let e_pos = doc.get("e").unwrap().pos;
        let read = |k: &str| match var_value(doc.get(k).unwrap(), &[e_pos]) {
            Some(VarValue::Scalar(v)) => Some(v),
            _ => None,
        };
        assert_eq!(read("a"), Some(Value::Int(12)));
        assert_eq!(read("b"), None, "Atoi refuses 0x1F");
        assert_eq!(read("c"), Some(Value::Float(1.5)));
        assert_eq!(read("d"), Some(Value::Str("~".into())));
        assert_eq!(read("e"), Some(Value::Str(String::new())));
        assert_eq!(read("f"), Some(Value::Str("2001-12-14".into())));
        assert_eq!(read("g"), Some(Value::Int(5)));
    }

    #[test]
    fn go_float_formatting() {
        assert_eq!(go_float(1.5), "1.5");
        assert_eq!(go_float(123456.0), "123456");
        assert_eq!(go_float(1e6), "1e+06");
        assert_eq!(go_float(0.0001), "0.0001");
        assert_eq!(go_float(0.00001), "1e-05");
    }
}
