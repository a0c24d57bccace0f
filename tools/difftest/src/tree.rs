//! A generated case: files by path (relative to the case directory); the build root is
//! always `root/`, with bases and components beside it, as in `core/tests/fixtures/<case>/root/`.

use crate::yaml::{print_docs, Y};
use std::collections::BTreeMap;
use std::io;
use std::path::Path;

#[derive(Clone, Debug, PartialEq)]
pub enum File {
    Yaml {
        docs: Vec<Y>,
        start_marker: bool,
        end_marker: bool,
    },
    /// Lines of a text file (env files, generator sources), joined with `\n`.
    Lines {
        lines: Vec<String>,
        final_newline: bool,
    },
    /// Raw bytes (not UTF-8: secret and configMap sources that become binaryData).
    Bytes(Vec<u8>),
}

impl File {
    pub fn yaml(docs: Vec<Y>) -> File {
        File::Yaml { docs, start_marker: false, end_marker: false }
    }

    pub fn bytes(&self) -> Vec<u8> {
        match self {
            File::Yaml { docs, start_marker, end_marker } => print_docs(docs, *start_marker, *end_marker).into_bytes(),
            File::Lines { lines, final_newline } => {
                let mut s = lines.join("\n");
                if *final_newline && !lines.is_empty() {
                    s.push('\n');
                }
                s.into_bytes()
            }
            File::Bytes(b) => b.clone(),
        }
    }

    pub fn size(&self) -> usize {
        match self {
            File::Yaml { docs, .. } => 1 + docs.iter().map(Y::size).sum::<usize>(),
            File::Lines { lines, .. } => 1 + lines.len(),
            File::Bytes(b) => 1 + usize::from(!b.is_empty()),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tree {
    pub files: BTreeMap<String, File>,
}

impl Tree {
    pub fn size(&self) -> usize {
        self.files.values().map(File::size).sum()
    }

    /// Writes the tree under `dir` (created; an existing tree there is replaced).
    pub fn write(&self, dir: &Path) -> io::Result<()> {
        if dir.exists() {
            std::fs::remove_dir_all(dir)?;
        }
        std::fs::create_dir_all(dir.join("root"))?;
        for (path, file) in &self.files {
            let p = dir.join(path);
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(p, file.bytes())?;
        }
        Ok(())
    }

    /// The whole tree as text, one `# path` header per file (for reports and tests).
    pub fn listing(&self) -> String {
        let mut s = String::new();
        for (path, file) in &self.files {
            s.push_str("# ");
            s.push_str(path);
            s.push('\n');
            s.push_str(&String::from_utf8_lossy(&file.bytes()));
            if !s.ends_with('\n') {
                s.push_str("\n# (no final newline)\n");
            }
        }
        s
    }
}
