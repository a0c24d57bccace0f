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
/// The core gives it the paths its caller gave (the root of a build, possibly relative) and paths
/// derived from what `real_path` returned, which must be absolute. `real_path` resolves symbolic links, so that the load
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
///
/// Paths mean what they mean on disk: an absolute path from `/`, a relative one from the
/// current directory, which is `/` unless [`MemFs::with_current_dir`] sets another. So a build
/// of `"overlays/poc"` finds `/overlays/poc`, as `kcompile build overlays/poc` run in `/` would.
///
/// ```
/// use kcompile::{build, MemFs, Options};
///
/// let fs = MemFs::new()
///     .with("repo/app/kustomization.yaml", "resources:\n- cm.yaml\n")
///     .with("repo/app/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n")
///     .with_current_dir("/repo");
/// let out = build(&fs, "app".as_ref(), &Options::default()).unwrap();
/// assert_eq!(out.objects()[0].id().name, "c");
/// ```
#[derive(Clone, Debug)]
pub struct MemFs {
    files: BTreeMap<Utf8PathBuf, Vec<u8>>,
    cwd: Utf8PathBuf,
}

impl Default for MemFs {
    fn default() -> MemFs {
        MemFs { files: BTreeMap::new(), cwd: Utf8PathBuf::from("/") }
    }
}

impl MemFs {
    /// An empty tree whose current directory is `/`.
    pub fn new() -> MemFs {
        MemFs::default()
    }

    /// Reads every file below the directory `dir` of `fs` into a new tree, at the same absolute
    /// paths (a relative `dir` is taken from `fs`'s current directory), with `dir` as the tree's
    /// current directory. Links are followed; a directory met twice through links is read once.
    ///
    /// ```no_run
    /// use kcompile::{build, DiskFs, MemFs, Options};
    ///
    /// // A snapshot of a checkout, then builds that never touch the disk again.
    /// let fs = MemFs::load_dir(&DiskFs, "deploy".as_ref())?;
    /// let out = build(&fs, "overlays/prod".as_ref(), &Options::default())?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn load_dir(fs: &dyn FileSystem, dir: &Utf8Path) -> io::Result<MemFs> {
        let root = fs.real_path(dir)?;
        let mut out = MemFs { files: BTreeMap::new(), cwd: root.clone() };
        let mut seen = std::collections::HashSet::new();
        let mut todo = vec![root];
        while let Some(dir) = todo.pop() {
            if !seen.insert(fs.real_path(&dir)?) {
                continue;
            }
            for name in fs.list(&dir)? {
                let path = dir.join(&name);
                match fs.kind(&path)? {
                    FileKind::Dir => todo.push(path),
                    FileKind::File => {
                        let bytes = fs.read(&path)?;
                        out.files.insert(path, bytes);
                    }
                }
            }
        }
        Ok(out)
    }

    /// Adds (or replaces) a file; a relative path is taken from the current directory.
    pub fn insert(&mut self, path: impl AsRef<str>, content: impl Into<Vec<u8>>) {
        let path = self.absolute(Utf8Path::new(path.as_ref()));
        self.files.insert(path, content.into());
    }

    /// Builder form of [`MemFs::insert`].
    pub fn with(mut self, path: impl AsRef<str>, content: impl Into<Vec<u8>>) -> MemFs {
        self.insert(path, content);
        self
    }

    /// Sets the directory relative paths are taken from (itself taken from the current one
    /// when relative). It need not hold files yet.
    pub fn set_current_dir(&mut self, dir: impl AsRef<str>) {
        self.cwd = self.absolute(Utf8Path::new(dir.as_ref()));
    }

    /// Builder form of [`MemFs::set_current_dir`].
    pub fn with_current_dir(mut self, dir: impl AsRef<str>) -> MemFs {
        self.set_current_dir(dir);
        self
    }

    /// The directory relative paths are taken from.
    pub fn current_dir(&self) -> &Utf8Path {
        &self.cwd
    }

    /// The paths of all files, absolute, sorted.
    pub fn files(&self) -> impl Iterator<Item = &Utf8Path> {
        self.files.keys().map(|p| p.as_path())
    }

    /// `path` made absolute from the current directory, without `.` or `..`.
    fn absolute(&self, path: &Utf8Path) -> Utf8PathBuf {
        normalize(&self.cwd.join(path))
    }

    fn is_dir(&self, path: &Utf8Path) -> bool {
        use std::ops::Bound;
        // Paths sort component by component, so the files below `path` come right after it.
        let after = (Bound::Excluded(path), Bound::Unbounded);
        path == "/" || self.files.range::<Utf8Path, _>(after).next().is_some_and(|(f, _)| f.starts_with(path))
    }
}

fn not_found(path: &Utf8Path) -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, format!("{path}: no such file or directory"))
}

impl FileSystem for MemFs {
    fn read(&self, path: &Utf8Path) -> io::Result<Vec<u8>> {
        let path = self.absolute(path);
        self.files.get(&path).cloned().ok_or_else(|| not_found(&path))
    }

    fn kind(&self, path: &Utf8Path) -> io::Result<FileKind> {
        let path = self.absolute(path);
        if self.files.contains_key(&path) {
            Ok(FileKind::File)
        } else if self.is_dir(&path) {
            Ok(FileKind::Dir)
        } else {
            Err(not_found(&path))
        }
    }

    fn real_path(&self, path: &Utf8Path) -> io::Result<Utf8PathBuf> {
        let path = self.absolute(path);
        self.kind(&path)?;
        Ok(path)
    }

    fn list(&self, dir: &Utf8Path) -> io::Result<Vec<String>> {
        let dir = self.absolute(dir);
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
        assert!(fs.kind(Utf8Path::new("/bas")).is_err(), "a prefix of a name is not a directory");
    }

    #[test]
    fn memfs_takes_relative_paths_from_its_current_directory() {
        let mut fs = MemFs::new().with("repo/app/x.yaml", "a: 1");
        assert_eq!(fs.current_dir(), "/");
        assert_eq!(fs.kind(Utf8Path::new("repo/app")).unwrap(), FileKind::Dir);
        fs.set_current_dir("repo");
        assert_eq!(fs.current_dir(), "/repo");
        assert_eq!(fs.read(Utf8Path::new("app/x.yaml")).unwrap(), b"a: 1");
        assert_eq!(fs.real_path(Utf8Path::new("app/../app")).unwrap(), "/repo/app");
        assert_eq!(fs.list(Utf8Path::new(".")).unwrap(), vec!["app"]);
        fs.insert("app/y.yaml", "b: 2");
        assert_eq!(fs.files().collect::<Vec<_>>(), ["/repo/app/x.yaml", "/repo/app/y.yaml"]);
    }

    #[test]
    fn memfs_loads_a_directory_from_another_file_system() {
        let disk =
            MemFs::new().with("d/k/kustomization.yaml", "resources: []").with("d/k/sub/x.yaml", "a: 1").with("e/z", "");
        let fs = MemFs::load_dir(&disk, Utf8Path::new("/d")).unwrap();
        assert_eq!(fs.current_dir(), "/d");
        assert_eq!(fs.files().collect::<Vec<_>>(), ["/d/k/kustomization.yaml", "/d/k/sub/x.yaml"]);
        assert_eq!(fs.read(Utf8Path::new("k/sub/x.yaml")).unwrap(), b"a: 1");
    }
}
