//! YAML read and printed exactly as Go's kustomize and kubectl (go-yaml v2 and v3) do.
//!
//! * [`read`] turns text into [`node::Node`]s under go-yaml v3's rules ([`read::Schema::V3`])
//!   or go-yaml v2's YAML 1.1 rules ([`read::Schema::V11`]), with kyaml's document splitting,
//!   bounded work on hostile input ([`read::ReadLimits`]) and errors at a line and column.
//! * [`node`] is the document model: values with the position they were read at; [`map`] its
//!   ordered map.
//! * [`emit`] prints nodes as kustomize prints them (go-yaml v2).
//! * [`json`] checks strict JSON, as `encoding/json` does.
//!
//! ```
//! use kcompile_yaml::{emit::emit_stream, read::{parse_stream, Schema}};
//!
//! // A kustomization-style file (YAML 1.1): `on` and `yes` are booleans, 0x1F a number.
//! let docs = parse_stream("name: web\nport: 0x1F\non: yes\n", Schema::V11).unwrap();
//! assert_eq!(docs[0].get("port").unwrap().pos.line, 2);
//! let docs: Vec<_> = docs.iter().collect();
//! assert_eq!(emit_stream(&docs), "name: web\nport: 31\n\"true\": true\n");
//! ```
//!
//! Documents are read by this crate's own parser when they are the YAML that manifests are made
//! of, and by `saphyr-parser` otherwise and on every error; both send the reader the same events,
//! and nothing outside the crate can tell which one read a document.

#![warn(missing_docs)]

pub mod emit;
mod event;
pub mod json;
pub mod map;
pub mod node;
pub mod read;
mod resolve;
mod saphyr;
pub(crate) mod scan;

/// Test support for fuzz targets; not part of the API.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing {
    /// Panics unless kcompile's own YAML parser and saphyr-parser read `text` alike (values,
    /// positions, errors), whole stream and first document, under both decoding schemas.
    pub fn check_fast_path(text: &str) {
        crate::scan::agreement::check(text);
    }
}
