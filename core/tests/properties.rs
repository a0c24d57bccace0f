//! Properties every successful build has, checked over every fixture tree:
//! the output reads back as the same data, building twice gives the same bytes, and building on
//! many threads at once gives the same bytes as one at a time.

use camino::Utf8PathBuf;
use kcompile::{build, data, DiskFs, Options};

mod common;

/// Roots of the fixture trees that build successfully.
fn roots() -> Vec<Utf8PathBuf> {
    let cases = common::case_dirs("fixtures", None).into_iter();
    let out: Vec<Utf8PathBuf> =
        cases.filter(|d| d.join("expected.yaml").is_file()).map(|d| common::case_root(&d)).collect();
    assert!(!out.is_empty());
    out
}

#[test]
fn output_reads_back_as_the_same_data() {
    // yaml-scalars and empty-item-after-a-flow-item-in-an-indentless-list hold U+0085 or
    // U+2028, which kustomize itself prints lossily (go-yaml folds them when it reads its own
    // JSON back); kcompile prints what kustomize prints.
    let lossy = ["yaml-scalars", "empty-item-after-a-flow-item-in-an-indentless-list"];
    for root in roots().into_iter().filter(|r| !lossy.iter().any(|l| r.as_str().contains(l))) {
        let built = build(&DiskFs, &root, &Options::default()).unwrap_or_else(|e| panic!("{root}: {e}"));
        let reread = data::parse(&built.yaml()).unwrap_or_else(|e| panic!("{root}: output does not parse: {e}"));
        let original: Vec<&data::Node> = built.documents().collect();
        assert_eq!(reread.len(), original.len(), "{root}");
        for (a, b) in reread.iter().zip(original) {
            assert_eq!(a, b, "{root}: a document changed when read back");
        }
    }
}

#[test]
fn building_twice_and_on_many_threads_gives_the_same_bytes() {
    let roots = roots();
    let once: Vec<String> =
        roots.iter().map(|r| build(&DiskFs, r, &Options::default()).map(|b| b.yaml()).unwrap_or_default()).collect();
    let again: Vec<String> =
        roots.iter().map(|r| build(&DiskFs, r, &Options::default()).map(|b| b.yaml()).unwrap_or_default()).collect();
    assert_eq!(once, again);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let roots = &roots;
                s.spawn(move || {
                    // Each thread walks the roots from a different start, so builds overlap.
                    (0..roots.len())
                        .map(|i| (i + t) % roots.len())
                        .map(|i| {
                            (i, build(&DiskFs, &roots[i], &Options::default()).map(|b| b.yaml()).unwrap_or_default())
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            for (i, yaml) in h.join().expect("thread") {
                assert_eq!(yaml, once[i], "{}: differs when built concurrently", roots[i]);
            }
        }
    });
}

#[test]
fn the_library_types_can_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<kcompile::Build>();
    send_sync::<kcompile::Error>();
    send_sync::<kcompile::MemFs>();
    send_sync::<kcompile::Options>();
}
