//! Embedding kcompile: build a tree held in memory, look at the objects as data, and build
//! several overlays from disk on all cores with one session.
//!
//!     cargo run -p kcompile --example embed [DIR...]
//!     cargo run -p kcompile --example embed --features serde [DIR...]   # objects as k8s-openapi types

use kcompile::{build, ErrorKind, MemFs, Options, Session, Utf8PathBuf};

fn main() {
    // 1. A tree in memory: what an editor or a GitOps controller holds before writing anything.
    //    Relative paths are taken from the tree's current directory (`/` unless set).
    let fs = MemFs::new().with("app/kustomization.yaml", "namePrefix: dev-\nresources:\n- deploy.yaml\n").with(
        "app/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n",
    );
    match build(&fs, "app".as_ref(), &Options::default()) {
        Ok(out) => {
            for obj in out.objects() {
                // Objects are data: an id, and any field of the document.
                let replicas = obj.document().get("spec").and_then(|s| s.get("replicas")).and_then(|r| r.scalar_text());
                println!("{} ({}) has {:?} replicas", obj.id(), obj.id().api_version(), replicas);
                #[cfg(feature = "serde")]
                if let Ok(d) = obj.to::<k8s_openapi::api::apps::v1::Deployment>() {
                    println!("as k8s-openapi: {:?} replicas", d.spec.and_then(|s| s.replicas));
                }
            }
            print!("{}", out.yaml());
        }
        Err(e) => eprint!("{}", e.render().source(&fs)),
    }

    // 2. Directories from disk, in parallel, sharing parsed files.
    let roots: Vec<Utf8PathBuf> = std::env::args().skip(1).map(Utf8PathBuf::from).collect();
    let session = Session::new(&kcompile::DiskFs, Options::default());
    for (root, result) in roots.iter().zip(session.build_all(&roots)) {
        match result {
            Ok(out) => println!("{root}: {} objects", out.objects().len()),
            // Errors are values: a kind to match on, the file, line and column, a report.
            Err(e) if e.kind() == ErrorKind::NotFound => println!("{root}: not found: {}", e.message()),
            Err(e) => print!("{root}:\n{}", e.render().source(&kcompile::DiskFs)),
        }
    }
}
