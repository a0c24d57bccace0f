//! The `serde` feature: documents as `serde_json::Value`, and read into any type that
//! implements `serde::Deserialize` (Kubernetes' types from `k8s-openapi`, an embedder's own).
//!
//! These are conversions at the edge, for embedders: the build never uses them, and what it
//! prints comes from the document model as it does without the feature. Reading into a type
//! walks the [`Node`] tree directly (no JSON text, no intermediate `serde_json::Value`).

use crate::yaml::node::{Map, Node, Value};
use crate::{Error, ErrorKind};
use serde::de::value::{BorrowedStrDeserializer, MapAccessDeserializer};
use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};
use std::fmt;

/// The document as a `serde_json::Value`. Map keys keep their order when `serde_json`'s
/// `preserve_order` feature is on, and are sorted otherwise; a float JSON cannot hold (`.nan`,
/// `.inf`) becomes `null`, as `serde_json` makes it.
///
/// ```
/// let doc = &kcompile::data::parse("kind: ConfigMap\ndata: {a: '1'}\n")?[0];
/// let json = kcompile::data::to_json(doc);
/// assert_eq!(json, serde_json::json!({"kind": "ConfigMap", "data": {"a": "1"}}));
/// assert_eq!(&kcompile::data::from_json(&json), doc);
/// # Ok::<(), kcompile::Error>(())
/// ```
pub fn to_json(node: &Node) -> serde_json::Value {
    match &node.value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Int(i) => serde_json::Value::from(*i),
        Value::UInt(u) => serde_json::Value::from(*u),
        Value::Float(f) => serde_json::Value::from(*f),
        Value::Str(s) => serde_json::Value::String(s.clone()),
        Value::Seq(items) => serde_json::Value::Array(items.iter().map(to_json).collect()),
        Value::Map(m) => serde_json::Value::Object(m.iter().map(|(k, v)| (k.clone(), to_json(v))).collect()),
    }
}

/// A document from a `serde_json::Value`: integers that fit in 64 bits stay integers, other
/// numbers become floats. The nodes have no source position.
pub fn from_json(value: &serde_json::Value) -> Node {
    Node::new(match value {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Value::Int(i),
            (None, Some(u)) => Value::UInt(u),
            _ => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Value::Str(s.clone()),
        serde_json::Value::Array(items) => Value::Seq(items.iter().map(from_json).collect()),
        serde_json::Value::Object(m) => {
            let mut map = Map::default();
            for (k, v) in m {
                map.insert(k.clone(), from_json(v));
            }
            Value::Map(map)
        }
    })
}

/// Reads the document into `T`. A document `T` does not accept is an error of kind
/// [`ErrorKind::Data`] at the document's position.
///
/// ```
/// #[derive(serde::Deserialize)]
/// struct Port {
///     port: u16,
/// }
/// let docs = kcompile::data::parse("port: 8080\n---\nport: 70000\n")?;
/// assert_eq!(kcompile::data::from_node::<Port>(&docs[0])?.port, 8080);
/// let err = kcompile::data::from_node::<Port>(&docs[1]).err().unwrap();
/// assert_eq!((err.kind(), err.line()), (kcompile::ErrorKind::Data, Some(3)));
/// # Ok::<(), kcompile::Error>(())
/// ```
pub fn from_node<T: de::DeserializeOwned>(node: &Node) -> crate::Result<T> {
    T::deserialize(Reader(node)).map_err(|e| {
        let err =
            Error::new(format!("the document does not fit the type asked for: {}", e.0)).with_kind(ErrorKind::Data);
        if node.pos.is_synthetic() {
            err
        } else {
            err.at(node.pos)
        }
    })
}

/// Prints `value` as a document, through `serde_json::Value`.
pub fn to_node<T: serde::Serialize + ?Sized>(value: &T) -> crate::Result<Node> {
    let json = serde_json::to_value(value)
        .map_err(|e| Error::new(format!("the value cannot be a document: {e}")).with_kind(ErrorKind::Data))?;
    Ok(from_json(&json))
}

/// What a [`Reader`] fails with: serde's message.
#[derive(Debug)]
struct ReadError(String);

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ReadError {}

impl de::Error for ReadError {
    fn custom<M: fmt::Display>(msg: M) -> ReadError {
        ReadError(msg.to_string())
    }
}

/// A node seen as serde's input.
struct Reader<'a>(&'a Node);

impl<'de> de::Deserializer<'de> for Reader<'de> {
    type Error = ReadError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        match &self.0.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Int(i) => visitor.visit_i64(*i),
            Value::UInt(u) => visitor.visit_u64(*u),
            Value::Float(f) => visitor.visit_f64(*f),
            Value::Str(s) => visitor.visit_borrowed_str(s),
            Value::Seq(items) => visitor.visit_seq(Items(items.iter())),
            Value::Map(m) => visitor.visit_map(Entries { entries: m.iter(), value: None }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        match self.0.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ReadError> {
        visitor.visit_newtype_struct(self)
    }

    /// A unit variant is written as its name, any other as a map of one entry.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ReadError> {
        match &self.0.value {
            Value::Str(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            Value::Map(m) if m.len() == 1 => {
                visitor.visit_enum(MapAccessDeserializer::new(Entries { entries: m.iter(), value: None }))
            }
            other => Err(de::Error::custom(format!(
                "expected a variant name or a map of one entry, found a {}",
                other.type_name()
            ))),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

/// The items of a list.
struct Items<'a>(std::slice::Iter<'a, Node>);

impl<'de> de::SeqAccess<'de> for Items<'de> {
    type Error = ReadError;

    fn next_element_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>, ReadError> {
        self.0.next().map(|n| seed.deserialize(Reader(n))).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// The entries of a map, each key then its value.
struct Entries<'a, I: Iterator<Item = (&'a String, &'a Node)>> {
    entries: I,
    value: Option<&'a Node>,
}

impl<'de, I: Iterator<Item = (&'de String, &'de Node)>> de::MapAccess<'de> for Entries<'de, I> {
    type Error = ReadError;

    fn next_key_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>, ReadError> {
        let Some((k, v)) = self.entries.next() else { return Ok(None) };
        self.value = Some(v);
        seed.deserialize(BorrowedStrDeserializer::new(k)).map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, ReadError> {
        match self.value.take() {
            Some(v) => seed.deserialize(Reader(v)),
            None => Err(de::Error::custom("a map value was asked for before its key")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn doc(text: &str) -> Node {
        crate::data::parse(text).unwrap().remove(0)
    }

    #[test]
    fn json_conversion_keeps_every_kind_of_value() {
        let d = doc("a: [1, -2, 18446744073709551615, 1.5, true, null, x]\nb: {c: d}\n");
        let json = to_json(&d);
        assert_eq!(json.to_string(), r#"{"a":[1,-2,18446744073709551615,1.5,true,null,"x"],"b":{"c":"d"}}"#);
        assert_eq!(from_json(&json), d);
    }

    #[test]
    fn documents_read_into_plain_rust_types() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        #[serde(rename_all = "camelCase")]
        struct Thing {
            api_version: String,
            replicas: Option<i32>,
            ports: Vec<u16>,
            labels: BTreeMap<String, String>,
            mode: Mode,
            shape: Shape,
            missing: Option<String>,
        }
        #[derive(serde::Deserialize, Debug, PartialEq)]
        enum Mode {
            Fast,
        }
        #[derive(serde::Deserialize, Debug, PartialEq)]
        enum Shape {
            Square { side: f64 },
        }
        let d = doc(
            "apiVersion: v1\nreplicas: 3\nports: [80, 443]\nlabels: {a: b}\nmode: Fast\nshape: {Square: {side: 2}}\n",
        );
        let t: Thing = from_node(&d).unwrap();
        assert_eq!(
            t,
            Thing {
                api_version: "v1".into(),
                replicas: Some(3),
                ports: vec![80, 443],
                labels: BTreeMap::from([("a".into(), "b".into())]),
                mode: Mode::Fast,
                shape: Shape::Square { side: 2.0 },
                missing: None,
            }
        );
    }

    #[test]
    fn a_document_that_does_not_fit_is_a_data_error_at_its_position() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Port {
            port: u16,
        }
        let d = crate::data::parse("---\nport: 70000\n").unwrap().remove(0);
        let err = from_node::<Port>(&d).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Data);
        assert!(err.message().contains("70000"), "{}", err.message());
        assert_eq!(err.line(), Some(2));
    }

    #[test]
    fn rust_values_become_documents() {
        let node = to_node(&BTreeMap::from([("b", vec![1, 2]), ("a", vec![])])).unwrap();
        assert_eq!(crate::data::to_yaml(&[&node]), "a: []\nb:\n- 1\n- 2\n");
    }
}
