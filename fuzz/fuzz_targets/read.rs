//! The YAML reader and emitter on arbitrary text: never a panic; kcompile's own parser agrees
//! with saphyr-parser; what is printed reads back.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // kcompile's own parser answers exactly as saphyr-parser wherever it answers.
    kcompile::fuzzing::check_yaml_fast_path(text);
    let Ok(docs) = kcompile::data::parse(text) else { return };
    let refs: Vec<&kcompile::data::Node> = docs.iter().collect();
    let printed = kcompile::data::to_yaml(&refs);
    // Printing is deterministic and what it prints parses again.
    assert_eq!(printed, kcompile::data::to_yaml(&refs));
    let _ = kcompile::data::parse(&printed);
});
