//! Decoding configuration (kustomizations, replacements, vars, built-in plugin configurations)
//! from YAML nodes into typed values, with kustomize's rules for each.
//!
//! kustomize reads its configuration in one of three ways, and [`Rules`] names each:
//! - [`Rules::KUSTOMIZATION`]: a kustomization file (with its inline replacements and vars) goes
//!   through `sigs.k8s.io/yaml` to JSON, then Go's `encoding/json` with unknown fields refused.
//! - [`Rules::JSON`]: replacement files and most built-in plugin configurations, through
//!   `sigs.k8s.io/yaml.Unmarshal`: the same, but unknown fields are ignored.
//! - [`Rules::KYAML`]: the prefix and suffix plugins, through go-yaml v3 (kyaml): keys match
//!   exactly, unknown fields are ignored, and any scalar reads into a string field as its text.
//!
//! Go's JSON matches a key to a field without regard to case, folding as Unicode does:
//! `KIND`, `Kind` and `\u{212A}ind` (with the Kelvin sign) all set `kind`, and `\u{17F}` (long
//! s) is an `s`. A `null` leaves a field at its zero value. A value of the wrong type is Go's
//! `cannot unmarshal number into Go struct field Image.images.name of type string`: the struct
//! that holds the field, then the path of field names from the document's root.
//!
//! Go's JSON decoder sees the keys of a map sorted (`sigs.k8s.io/yaml` goes through a Go map),
//! so a later field wins over an earlier one by that order, not by the document's: of
//! `IMAGES:` and `images:`, `images:` counts.
//!
//! The cursor: [`Fields::root`] over a map node, [`Fields::next`] yields each [`Field`] written
//! (matched to its documented name), whose typed getters (`string`, `bool`, `int`, `strings`,
//! `string_map`, `object`, `objects`) check the type and keep positions; errors are located.

use crate::error::{Error, Result};
use crate::yaml::node::{Node, Pos, Value};
use indexmap::IndexMap;
use std::rc::Rc;

/// How keys are matched and values read; see the module documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rules {
    /// Keys match their field's name ignoring case (Go's JSON), else exactly (go-yaml).
    fold_case: bool,
    /// An unknown key is an error (`DisallowUnknownFields`), else ignored.
    strict: bool,
    /// Any scalar reads into a string field as its text (go-yaml v3).
    scalar_strings: bool,
    /// What every message starts with.
    prefix: &'static str,
}

impl Rules {
    /// A kustomization file, its inline replacements and vars.
    pub const KUSTOMIZATION: Rules =
        Rules { fold_case: true, strict: true, scalar_strings: false, prefix: "invalid Kustomization: " };
    /// `sigs.k8s.io/yaml.Unmarshal`: replacement files, most plugin configurations.
    pub const JSON: Rules = Rules { fold_case: true, strict: false, scalar_strings: false, prefix: "" };
    /// kyaml's go-yaml v3 decoding: the prefix and suffix plugins.
    pub const KYAML: Rules = Rules { fold_case: false, strict: false, scalar_strings: true, prefix: "" };
}

/// Whether `key` names the field `name` under these rules. Go's JSON folds case as Unicode
/// does; the field names are ASCII, and the only other characters folding to ASCII letters are
/// the Kelvin sign (`k`) and the long s (`s`).
pub(crate) fn key_matches(rules: Rules, key: &str, name: &str) -> bool {
    if !rules.fold_case {
        return key == name;
    }
    let fold = |c: char| match c {
        '\u{212A}' => 'k',
        '\u{17F}' => 's',
        c => c.to_ascii_lowercase(),
    };
    let mut key = key.chars();
    name.chars().all(|n| key.next().map(fold) == Some(n.to_ascii_lowercase())) && key.next().is_none()
}

/// The JSON type Go names in its messages.
fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Int(_) | Value::UInt(_) | Value::Float(_) => "number",
        Value::Str(_) => "string",
        Value::Seq(_) => "array",
        Value::Map(_) => "object",
    }
}

/// A cursor over the fields of one map node that decodes into a Go struct.
pub(crate) struct Fields<'a> {
    node: &'a Node,
    /// The fields not yet read, in the order kustomize's decoder reads them.
    entries: std::vec::IntoIter<(&'a String, &'a Node)>,
    rules: Rules,
    /// The Go struct's name (`Kustomization`, `Image`), for messages.
    go_type: &'static str,
    /// The field names from the document's root to this struct (`images`), for messages;
    /// shared, so that reading a field allocates nothing.
    path: Rc<str>,
}

impl<'a> Fields<'a> {
    /// The cursor over a document's root: a map (or null, which has no fields). `go_value` is
    /// the Go type the document decodes into (`types.Replacement`), for the message when it is
    /// not a map.
    pub fn root(node: &'a Node, rules: Rules, go_type: &'static str, go_value: &str) -> Result<Fields<'a>> {
        match &node.value {
            Value::Map(_) | Value::Null => Ok(Fields::of(node, rules, go_type, Rc::from(""))),
            other => Err(Error::new(format!(
                "{}json: cannot unmarshal {} into Go value of type {go_value}",
                rules.prefix,
                json_type(other)
            ))
            .at(node.pos)),
        }
    }

    fn of(node: &'a Node, rules: Rules, go_type: &'static str, path: Rc<str>) -> Fields<'a> {
        let mut entries: Vec<(&'a String, &'a Node)> = node.as_map().map(|m| m.iter().collect()).unwrap_or_default();
        // `sigs.k8s.io/yaml` turns the map into JSON through a Go map, which prints its keys
        // sorted: Go's decoder sees them in that order, and of two keys naming one field (in
        // different case) the one sorting last wins.
        if rules.fold_case {
            entries.sort_by(|a, b| a.0.cmp(b.0));
        }
        Fields { node, entries: entries.into_iter(), rules, go_type, path }
    }

    /// Where the map was written.
    pub fn pos(&self) -> Pos {
        self.node.pos
    }

    /// The next field written, matched to one of `fields` (the struct's documented names). A
    /// key that matches none is an error naming the nearest field under strict rules, and is
    /// skipped otherwise.
    pub fn next(&mut self, fields: &[&'static str]) -> Result<Option<Field<'a>>> {
        for (key, node) in self.entries.by_ref() {
            match fields.iter().find(|f| key_matches(self.rules, key, f)) {
                Some(name) => {
                    let parent = self.path.clone();
                    return Ok(Some(Field { name, node, rules: self.rules, go_type: self.go_type, parent }));
                }
                None if self.rules.strict => return Err(unknown_field(self.rules, key, node, fields)),
                None => {}
            }
        }
        Ok(None)
    }
}

/// The cursors over the items of a document that is a list of structs (`go_value` names the
/// list's Go type, `[]types.Replacement`); a null item has no fields.
pub(crate) fn root_objects<'a>(
    node: &'a Node,
    rules: Rules,
    go_type: &'static str,
    go_value: &str,
) -> Result<Vec<Fields<'a>>> {
    let element = go_value.trim_start_matches("[]").trim_start_matches('*');
    match &node.value {
        Value::Null => Ok(Vec::new()),
        Value::Seq(items) => items.iter().map(|n| Fields::root(n, rules, go_type, element)).collect(),
        _ => Fields::root(node, rules, go_type, go_value).map(|_| Vec::new()),
    }
}

/// `json: unknown field "key"`, with the nearest field as a hint.
fn unknown_field(rules: Rules, key: &str, node: &Node, fields: &[&str]) -> Error {
    let e = Error::new(format!("{}json: unknown field \"{key}\"", rules.prefix)).at(node.pos);
    match crate::error::closest(key, fields.iter().copied()) {
        Some(near) => e.help(format!("did you mean '{near}'?")),
        None if fields.len() <= 8 => e.help(format!("the fields here are {}", fields.join(", "))),
        None => e.help("see https://kubectl.docs.kubernetes.io/references/kustomize/kustomization/ for the fields"),
    }
}

/// A string and where it was written.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Spanned {
    pub value: String,
    pub pos: Pos,
}

/// One field of a [`Fields`] cursor: its documented name and its value.
pub(crate) struct Field<'a> {
    /// The field's documented name (`namePrefix`), whatever the key's case.
    pub name: &'static str,
    pub node: &'a Node,
    rules: Rules,
    go_type: &'static str,
    /// The path of the struct holding this field (see [`Field::path`]).
    parent: Rc<str>,
}

impl<'a> Field<'a> {
    /// The field names from the document's root to this field (`images.name`), for messages.
    fn path(&self) -> String {
        if self.parent.is_empty() {
            self.name.to_string()
        } else {
            format!("{}.{}", self.parent, self.name)
        }
    }

    /// Go's error for a value `node` (this field's, or an item of it) that is not a `want`.
    pub fn type_error(&self, node: &Node, want: &str) -> Error {
        let got = match &node.value {
            // Go names the number when it reads into an integer.
            Value::Float(_) | Value::UInt(_) if want.starts_with("int") => {
                format!("number {}", node.scalar_text().unwrap_or_default())
            }
            other => json_type(other).to_string(),
        };
        Error::new(format!(
            "{}json: cannot unmarshal {got} into Go struct field {}.{} of type {want}",
            self.rules.prefix,
            self.go_type,
            self.path()
        ))
        .at(node.pos)
    }

    fn scalar_string(&self, node: &Node, go: &str) -> Result<Option<String>> {
        match &node.value {
            Value::Null => Ok(None),
            Value::Str(s) => Ok(Some(s.clone())),
            Value::Bool(_) | Value::Int(_) | Value::UInt(_) | Value::Float(_) if self.rules.scalar_strings => {
                Ok(node.scalar_text())
            }
            _ => Err(self.type_error(node, go)),
        }
    }

    /// A string field; `None` for null.
    pub fn string(&self) -> Result<Option<String>> {
        self.scalar_string(self.node, "string")
    }

    /// A field of a Go string type with its own name (`types.SortOrder`); `None` for null.
    pub fn string_of(&self, go: &str) -> Result<Option<String>> {
        self.scalar_string(self.node, go)
    }

    /// A bool field; `None` for null.
    pub fn bool(&self) -> Result<Option<bool>> {
        match self.node.value {
            Value::Null => Ok(None),
            Value::Bool(b) => Ok(Some(b)),
            _ => Err(self.type_error(self.node, "bool")),
        }
    }

    /// An integer field of Go type `go` (`int`, `int64`); `None` for null.
    pub fn int(&self, go: &str) -> Result<Option<i64>> {
        match self.node.value {
            Value::Null => Ok(None),
            Value::Int(i) => Ok(Some(i)),
            _ => Err(self.type_error(self.node, go)),
        }
    }

    /// The items of a list field of Go type `go` (`[]string`); none for null.
    pub fn seq(&self, go: &str) -> Result<&'a [Node]> {
        match &self.node.value {
            Value::Null => Ok(&[]),
            Value::Seq(items) => Ok(items),
            _ => Err(self.type_error(self.node, go)),
        }
    }

    /// A `[]string` field, each item with its position (a null item is `""`).
    pub fn strings(&self) -> Result<Vec<Spanned>> {
        self.seq("[]string")?
            .iter()
            .map(|n| Ok(Spanned { value: self.scalar_string(n, "string")?.unwrap_or_default(), pos: n.pos }))
            .collect()
    }

    /// A `map[string]string` field (a null value is `""`).
    pub fn string_map(&self) -> Result<IndexMap<String, String>> {
        match &self.node.value {
            Value::Null => Ok(IndexMap::new()),
            Value::Map(m) => {
                m.iter().map(|(k, n)| Ok((k.clone(), self.scalar_string(n, "string")?.unwrap_or_default()))).collect()
            }
            _ => Err(self.type_error(self.node, "map[string]string")),
        }
    }

    /// A struct field: the cursor over its fields (`go_type` names the struct, `go` the field's
    /// type as Go prints it, `types.Selector`); `None` for null.
    pub fn object(&self, go_type: &'static str, go: &str) -> Result<Option<Fields<'a>>> {
        match &self.node.value {
            Value::Null => Ok(None),
            Value::Map(_) => Ok(Some(self.nested(self.node, go_type))),
            _ => Err(self.type_error(self.node, go)),
        }
    }

    /// A list of structs (`go_type` names the struct, `go` the list's type as Go prints it,
    /// `[]types.Image`); a null item has no fields.
    pub fn objects(&self, go_type: &'static str, go: &str) -> Result<Vec<Fields<'a>>> {
        let element = go.trim_start_matches("[]").trim_start_matches('*');
        self.seq(go)?
            .iter()
            .map(|n| match &n.value {
                Value::Map(_) | Value::Null => Ok(self.nested(n, go_type)),
                _ => Err(self.type_error(n, element)),
            })
            .collect()
    }

    fn nested(&self, node: &'a Node, go_type: &'static str) -> Fields<'a> {
        Fields::of(node, self.rules, go_type, Rc::from(self.path()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::read::{parse_one, Schema};

    fn doc(text: &str) -> Node {
        parse_one(text, Schema::V11).unwrap().unwrap()
    }

    /// Decodes `{name, count, tags}` from `text`, as an `Image`-like struct at `images`.
    fn fields(text: &str, rules: Rules) -> Result<Vec<(&'static str, String)>> {
        let d = doc(text);
        let mut root = Fields::root(&d, rules, "Kustomization", "types.Kustomization")?;
        let mut out = Vec::new();
        while let Some(f) = root.next(&["name", "count", "tags", "kind"])? {
            let value = match f.name {
                "count" => f.int("int64")?.map(|i| i.to_string()),
                "tags" => Some(f.strings()?.into_iter().map(|s| s.value).collect::<Vec<_>>().join(",")),
                _ => f.string()?,
            };
            out.push((f.name, value.unwrap_or_default()));
        }
        Ok(out)
    }

    #[test]
    fn json_keys_match_their_field_whatever_the_case_as_go_folds_it() {
        let got = fields("NAME: a\nCount: 2\n\u{212A}ind: k\n", Rules::JSON).unwrap();
        assert_eq!(got, [("count", "2".to_string()), ("name", "a".to_string()), ("kind", "k".to_string())]);
        assert!(key_matches(Rules::JSON, "name\u{17F}", "names"));
        assert!(!key_matches(Rules::JSON, "namé", "name"));
        assert!(!key_matches(Rules::JSON, "nam", "name"));
    }

    #[test]
    fn json_fields_come_in_sorted_key_order_and_kyaml_fields_in_document_order() {
        let got = fields("name: b\nNAME: a\ncount: 1\n", Rules::JSON).unwrap();
        assert_eq!(got, [("name", "a".to_string()), ("count", "1".to_string()), ("name", "b".to_string())]);
        let got = fields("name: b\ncount: 1\n", Rules::KYAML).unwrap();
        assert_eq!(got, [("name", "b".to_string()), ("count", "1".to_string())]);
    }

    #[test]
    fn kyaml_keys_match_exactly_and_any_scalar_is_a_string() {
        let got = fields("Name: a\nname: 1\nkind: true\n", Rules::KYAML).unwrap();
        assert_eq!(got, [("name", "1".to_string()), ("kind", "true".to_string())]);
    }

    #[test]
    fn an_unknown_field_is_an_error_with_the_nearest_name_under_strict_rules_only() {
        let e = fields("name: a\ncuont: 1\n", Rules::KUSTOMIZATION).unwrap_err();
        assert_eq!(e.message(), "invalid Kustomization: json: unknown field \"cuont\"");
        assert_eq!(e.hint(), Some("did you mean 'count'?"));
        assert_eq!((e.line(), e.column()), (Some(2), Some(8)));
        assert_eq!(fields("name: a\ncuont: 1\n", Rules::JSON).unwrap(), [("name", "a".to_string())]);
    }

    #[test]
    fn a_wrong_type_names_the_go_struct_and_the_field_path_at_the_value() {
        let e = fields("name: a\ncount: x\n", Rules::KUSTOMIZATION).unwrap_err();
        assert_eq!(
            e.message(),
            "invalid Kustomization: json: cannot unmarshal string into Go struct field Kustomization.count of type int64"
        );
        assert_eq!((e.line(), e.column()), (Some(2), Some(8)));
        let e = fields("count: 1.5\n", Rules::JSON).unwrap_err();
        assert!(e.message().contains("cannot unmarshal number 1.5 into"), "{e}");
        let e = fields("tags: [a, [b]]\n", Rules::JSON).unwrap_err();
        assert!(e.message().ends_with("Kustomization.tags of type string"), "{e}");
        assert_eq!(e.column(), Some(11));
    }

    #[test]
    fn nested_structs_report_their_own_name_and_the_whole_path() {
        let d = doc("images:\n- name: 1\n");
        let mut root = Fields::root(&d, Rules::KUSTOMIZATION, "Kustomization", "types.Kustomization").unwrap();
        let f = root.next(&["images"]).unwrap().unwrap();
        let mut items = f.objects("Image", "[]types.Image").unwrap();
        let name = items[0].next(&["name"]).unwrap().unwrap();
        let e = name.string().unwrap_err();
        assert_eq!(
            e.message(),
            "invalid Kustomization: json: cannot unmarshal number into Go struct field Image.images.name of type string"
        );
        let d = doc("images: [1]\n");
        let mut root = Fields::root(&d, Rules::JSON, "Kustomization", "types.Kustomization").unwrap();
        let f = root.next(&["images"]).unwrap().unwrap();
        let e = f.objects("Image", "[]types.Image").err().unwrap();
        assert!(e.message().ends_with("Kustomization.images of type types.Image"), "{e}");
    }

    #[test]
    fn nulls_leave_fields_at_their_zero_value() {
        let got = fields("name: ~\ncount:\ntags: [~, a]\n", Rules::KUSTOMIZATION).unwrap();
        assert_eq!(got, [("count", String::new()), ("name", String::new()), ("tags", ",a".to_string())]);
    }

    #[test]
    fn a_root_that_is_not_a_map_is_go_s_error() {
        let d = doc("- a\n");
        let e = Fields::root(&d, Rules::JSON, "Replacement", "types.Replacement").err().unwrap();
        assert_eq!(e.message(), "json: cannot unmarshal array into Go value of type types.Replacement");
    }
}
