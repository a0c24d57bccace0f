//! The filesystem boundary. The library never touches the disk itself: it reads through
//! [`FileSystem`], which the CLI implements with [`DiskFs`] and tests and embedders with
//! [`MemFs`].

use camino::{Utf8Component, Utf8Path, Utf8PathBuf};
use std::collections::BTreeMap;
use std::io;

/// What a path names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
}

/// Read access to a tree of files.
///
/// Paths given to it are absolute. `real_path` resolves symbolic links, so that the load
/// restrictor can check where a path really leads.
pub trait FileSystem: Send + Sync {
    /// The whole content of a file.
    fn read(&self, path: &Utf8Path) -> io::Result<Vec<u8>>;
    /// Whether the path is a file or a directory (following links); `NotFound` when neither.
    fn kind(&self, path: &Utf8Path) -> io::Result<FileKind>;
    /// The absolute path with every symbolic link resolved.
    fn real_path(&self, path: &Utf8Path) -> io::Result<Utf8PathBuf>;
    /// The names of the entries of a directory, sorted.
    fn list(&self, dir: &Utf8Path) -> io::Result<Vec<String>>;
    /// The content of a file if it has at most `max` bytes; otherwise an error of kind
    /// `FileTooLarge` carrying the size when known. Implementations should refuse before
    /// reading when they can tell the size (the default reads the whole file first).
    fn read_at_most(&self, path: &Utf8Path, max: u64) -> io::Result<Vec<u8>> {
        let bytes = self.read(path)?;
        if bytes.len() as u64 > max {
            return Err(too_large(bytes.len() as u64));
        }
        Ok(bytes)
    }
}

/// The error [`FileSystem::read_at_most`] returns for a file over the limit.
fn too_large(size: u64) -> io::Error {
    io::Error::new(io::ErrorKind::FileTooLarge, format!("{size} bytes"))
}

/// The real disk.
#[derive(Clone, Copy, Debug, Default)]
pub struct DiskFs;

impl FileSystem for DiskFs {
    fn read(&self, path: &Utf8Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn read_at_most(&self, path: &Utf8Path, max: u64) -> io::Result<Vec<u8>> {
        use std::io::Read;
        let file = std::fs::File::open(path)?;
        // The size the file system reports is checked first; devices and pipes report none, so
        // the read itself stops one byte past the limit.
        let size = file.metadata()?.len();
        if size > max {
            return Err(too_large(size));
        }
        let mut bytes = Vec::with_capacity(size as usize);
        file.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
        if bytes.len() as u64 > max {
            return Err(io::Error::new(io::ErrorKind::FileTooLarge, format!("more than {max} bytes")));
        }
        Ok(bytes)
    }

    fn kind(&self, path: &Utf8Path) -> io::Result<FileKind> {
        let meta = std::fs::metadata(path)?;
        Ok(if meta.is_dir() { FileKind::Dir } else { FileKind::File })
    }

    fn real_path(&self, path: &Utf8Path) -> io::Result<Utf8PathBuf> {
        let real = std::fs::canonicalize(path)?;
        Utf8PathBuf::from_path_buf(real)
            .map_err(|p| io::Error::new(io::ErrorKind::InvalidData, format!("path is not UTF-8: {}", p.display())))
    }

    fn list(&self, dir: &Utf8Path) -> io::Result<Vec<String>> {
        let mut names = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            if let Ok(name) = entry?.file_name().into_string() {
                names.push(name);
            }
        }
        names.sort();
        Ok(names)
    }
}

/// An in-memory tree, rooted at `/`. Directories exist implicitly as parents of files.
#[derive(Clone, Debug, Default)]
pub struct MemFs {
    files: BTreeMap<Utf8PathBuf, Vec<u8>>,
}

impl MemFs {
    /// An empty tree.
    pub fn new() -> MemFs {
        MemFs::default()
    }

    /// Adds (or replaces) a file; relative paths are taken from `/`.
    pub fn insert(&mut self, path: impl AsRef<str>, content: impl Into<Vec<u8>>) {
        self.files.insert(normalize(&Utf8Path::new("/").join(path.as_ref())), content.into());
    }

    /// Builder form of [`MemFs::insert`].
    pub fn with(mut self, path: impl AsRef<str>, content: impl Into<Vec<u8>>) -> MemFs {
        self.insert(path, content);
        self
    }

    fn is_dir(&self, path: &Utf8Path) -> bool {
        path == "/" || self.files.keys().any(|f| f.starts_with(path) && f != path)
    }
}

fn not_found(path: &Utf8Path) -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, format!("{path}: no such file or directory"))
}

impl FileSystem for MemFs {
    fn read(&self, path: &Utf8Path) -> io::Result<Vec<u8>> {
        self.files.get(&normalize(path)).cloned().ok_or_else(|| not_found(path))
    }

    fn kind(&self, path: &Utf8Path) -> io::Result<FileKind> {
        let path = normalize(path);
        if self.files.contains_key(&path) {
            Ok(FileKind::File)
        } else if self.is_dir(&path) {
            Ok(FileKind::Dir)
        } else {
            Err(not_found(&path))
        }
    }

    fn real_path(&self, path: &Utf8Path) -> io::Result<Utf8PathBuf> {
        let path = normalize(path);
        self.kind(&path)?;
        Ok(path)
    }

    fn list(&self, dir: &Utf8Path) -> io::Result<Vec<String>> {
        let dir = normalize(dir);
        let mut names: Vec<String> = self
            .files
            .keys()
            .filter_map(|f| f.strip_prefix(&dir).ok())
            .filter_map(|rest| rest.components().next().map(|c| c.as_str().to_string()))
            .collect();
        names.dedup();
        Ok(names)
    }
}

/// Lexically removes `.` and `..` components (no filesystem access).
pub fn normalize(path: &Utf8Path) -> Utf8PathBuf {
    let mut out = Utf8PathBuf::new();
    for c in path.components() {
        match c {
            Utf8Component::CurDir => {}
            Utf8Component::ParentDir => {
                let at_root = out.parent().is_none() && out.has_root();
                if !at_root && !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_str()),
        }
    }
    if out.as_str().is_empty() {
        out.push(".");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_folds_dots() {
        assert_eq!(normalize(Utf8Path::new("/a/./b/../c")), "/a/c");
        assert_eq!(normalize(Utf8Path::new("a/../../b")), "../b");
        assert_eq!(normalize(Utf8Path::new("/..")), "/");
    }

    #[test]
    fn memfs_has_implicit_dirs() {
        let fs = MemFs::new().with("base/kustomization.yaml", "resources: []").with("base/sub/x.yaml", "a: 1");
        assert_eq!(fs.kind(Utf8Path::new("/base")).unwrap(), FileKind::Dir);
        assert_eq!(fs.kind(Utf8Path::new("/base/kustomization.yaml")).unwrap(), FileKind::File);
        assert!(fs.kind(Utf8Path::new("/nope")).is_err());
        assert_eq!(fs.list(Utf8Path::new("/base")).unwrap(), vec!["kustomization.yaml", "sub"]);
        assert_eq!(fs.read(Utf8Path::new("/base/../base/sub/x.yaml")).unwrap(), b"a: 1");
    }
}
