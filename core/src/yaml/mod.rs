//! The YAML layer: the document model, a reader with kustomize's decoding rules, and an emitter
//! that prints what kustomize prints.

pub mod emit;
pub mod node;
pub mod read;
pub(crate) mod scan;
