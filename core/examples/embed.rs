//! Embedding kcompile: build a tree held in memory, look at the objects as data, and build
//! several overlays from disk on all cores with one session.
//!
//!     cargo run -p kcompile --example embed [DIR...]

use camino::Utf8PathBuf;
use kcompile::{build, MemFs, Options, Session};

fn main() {
    // 1. A tree in memory: what an editor or a GitOps controller holds before writing anything.
    let fs = MemFs::new().with("app/kustomization.yaml", "namePrefix: dev-\nresources:\n- deploy.yaml\n").with(
        "app/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n",
    );
    match build(&fs, "/app".into(), &Options::default()) {
        Ok(out) => {
            for doc in out.documents() {
                // Objects are data: read any field.
                let replicas = doc.get("spec").and_then(|s| s.get("replicas")).and_then(|r| r.scalar_text());
                println!("{:?} has {:?} replicas", doc.str_at(&["metadata", "name"]), replicas);
            }
            print!("{}", out.yaml());
        }
        Err(e) => eprintln!("in-memory build failed: {e}"),
    }

    // 2. Directories from disk, in parallel, sharing parsed files.
    let roots: Vec<Utf8PathBuf> = std::env::args().skip(1).map(Utf8PathBuf::from).collect();
    let session = Session::new(&kcompile::DiskFs, Options::default());
    for (root, result) in roots.iter().zip(session.build_all(&roots)) {
        match result {
            Ok(out) => println!("{root}: {} objects", out.objects().len()),
            // Errors are values with the file, line and column they concern.
            Err(e) => println!("{root}: error in {:?} at line {:?}: {}", e.file(), e.line(), e.message()),
        }
    }
}
