//! What the CLI's end-to-end tests share: a temporary directory tree, and an HTTP server
//! ([`http`]).

// Each test binary uses the part it needs.
#![allow(dead_code)]

use std::path::PathBuf;

pub mod http;

/// A temporary directory, made empty by [`Tree::new`] and removed when dropped.
pub struct Tree(pub PathBuf);

impl Tree {
    /// An empty directory named after the test and the process.
    pub fn new(name: &str) -> Tree {
        let dir = std::env::temp_dir().join(format!("kcompile-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Tree(dir.canonicalize().unwrap())
    }

    /// Writes `text` to the file `rel`, making its directories.
    pub fn write(&self, rel: &str, text: &str) -> &Tree {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
        self
    }

    /// The text of the file `rel`.
    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.0.join(rel)).unwrap()
    }

    /// The absolute path of `rel`.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }

    /// `file://` and the absolute path of `rel`.
    pub fn url(&self, rel: &str) -> String {
        format!("file://{}", self.path(rel).display())
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
