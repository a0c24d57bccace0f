//! The YAML layer: the document model, a reader with kustomize's decoding rules, and an emitter
//! that prints what kustomize prints.

pub mod emit;
mod event;
pub mod json;
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
