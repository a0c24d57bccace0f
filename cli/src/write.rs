//! Writing outputs without damaging what the user pointed at.
//!
//! - A regular file (or a path where nothing exists yet) is written atomically: into a
//!   temporary file created beside it (exclusively, never through a link, with an unpredictable
//!   name), then renamed over it, keeping its permissions. Readers never see half a file and a
//!   failed write leaves the old file.
//! - Anything else (a symlink, `/dev/stdout`, a device, a FIFO) is opened and written as any
//!   program would, so the link or device stays what it was.
//! - `-o DIR` files go *into* `DIR`: each name must be one plain file name, each path is checked
//!   to lie directly in `DIR` (after resolving `DIR`'s own links), and a file already there is
//!   replaced by rename, never written through.
//!
//! Temporaries are named `.NAME.kcompile-tmp-PID-RANDOM`. A build that is killed cannot remove
//! its own; the next write to the same target removes those whose process is gone.

use camino::{Utf8Path, Utf8PathBuf};
use std::fs::{File, OpenOptions};
use std::io::{self, Write};

/// Writes what `fill` produces to `path` (see the module's rules).
pub fn to_path(path: &Utf8Path, fill: &dyn Fn(&mut dyn Write) -> io::Result<()>) -> Result<(), String> {
    let atomic = match std::fs::symlink_metadata(path) {
        Ok(m) => m.file_type().is_file(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => true,
        Err(e) => return Err(format!("cannot write {path}: {e}")),
    };
    if atomic {
        let dir = match path.parent() {
            Some(p) if !p.as_str().is_empty() => p,
            _ => Utf8Path::new("."),
        };
        let name = path.file_name().ok_or_else(|| format!("cannot write {path}: it names no file"))?;
        return replace_in(dir, name, fill).map_err(|e| format!("cannot write {path}: {e}"));
    }
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .map_err(|e| format!("cannot write {path}: {e}"))?;
    fill(&mut file).and_then(|_| file.flush()).map_err(|e| format!("cannot write {path}: {e}"))
}

/// A directory ready to receive files, resolved to its real path (created when missing).
pub struct OutDir {
    shown: Utf8PathBuf,
    real: Utf8PathBuf,
}

impl OutDir {
    pub fn create(dir: &Utf8Path) -> Result<OutDir, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create the directory {dir}: {e}"))?;
        let real = dir.canonicalize_utf8().map_err(|e| format!("cannot resolve the directory {dir}: {e}"))?;
        Ok(OutDir { shown: dir.to_owned(), real })
    }

    /// Writes `bytes` to the file `name` directly in the directory; refuses any `name` that is
    /// not one plain file name.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<(), String> {
        let shown = self.shown.join(name);
        let target = self.real.join(name);
        let plain = {
            let mut parts = Utf8Path::new(name).components();
            matches!(parts.next(), Some(camino::Utf8Component::Normal(n)) if n == name) && parts.next().is_none()
        };
        if !plain || name.contains(['/', '\\', '\0']) || target.parent() != Some(self.real.as_path()) {
            return Err(format!("refusing to write {shown:?}: the file name {name:?} would leave {}", self.shown));
        }
        replace_in(&self.real, name, &|w| w.write_all(bytes)).map_err(|e| format!("cannot write {shown}: {e}"))
    }
}

/// Writes into a new temporary file in `dir`, then renames it to `dir/name`.
fn replace_in(dir: &Utf8Path, name: &str, fill: &dyn Fn(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    remove_stale_temporaries(dir, name);
    let target = dir.join(name);
    let mode = std::fs::symlink_metadata(&target).ok().filter(|m| m.is_file()).map(|m| m.permissions());
    let (tmp, mut file) = create_temporary(dir, name)?;
    let result = fill(&mut file)
        .and_then(|_| file.flush())
        .and_then(|_| match mode {
            Some(p) => file.set_permissions(p),
            None => Ok(()),
        })
        .and_then(|_| {
            drop(file);
            std::fs::rename(&tmp, &target)
        });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn temporary_prefix(name: &str) -> String {
    format!(".{name}.kcompile-tmp-")
}

/// Creates `.NAME.kcompile-tmp-PID-RANDOM` exclusively (an existing file or link of that name
/// is an error, never opened), retrying with another name a few times.
fn create_temporary(dir: &Utf8Path, name: &str) -> io::Result<(Utf8PathBuf, File)> {
    // Stay within the usual 255-byte limit on names, whatever the target's length.
    let mut stem = name.to_string();
    while stem.len() > 200 {
        stem.pop();
    }
    let mut last = None;
    for _ in 0..16 {
        let tmp = dir.join(format!("{}{}-{:016x}", temporary_prefix(&stem), std::process::id(), random()));
        match open_new(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no free temporary file name")))
}

/// Creates `path`, failing if anything (a file, a link, even a dangling one) is there.
fn open_new(path: &Utf8Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW).mode(0o666);
    }
    options.open(path)
}

/// 64 unpredictable bits: std's hasher keys come from the operating system's random source.
pub(crate) fn random() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
    h.finish()
}

/// Removes temporaries for `dir/name` left by kcompile processes that no longer run (Linux:
/// the process is looked up in `/proc`; elsewhere nothing is removed). Only regular files owned
/// by the current user are removed.
fn remove_stale_temporaries(dir: &Utf8Path, name: &str) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        let mut stem = name.to_string();
        while stem.len() > 200 {
            stem.pop();
        }
        let prefix = temporary_prefix(&stem);
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        for entry in entries.flatten() {
            let file_name = entry.file_name();
            let Some(rest) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else { continue };
            let Some((pid, rand)) = rest.split_once('-') else { continue };
            if pid.is_empty()
                || !pid.bytes().all(|b| b.is_ascii_digit())
                || rand.len() != 16
                || !rand.bytes().all(|b| b.is_ascii_hexdigit())
            {
                continue;
            }
            if std::path::Path::new("/proc").join(pid).exists() {
                continue;
            }
            if entry.metadata().is_ok_and(|m| m.is_file() && m.uid() == me) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (dir, name);
}

/// A write to stdout failed because its reader went away (`| head`): end the way kustomize and
/// other Unix tools do, killed by SIGPIPE, with no message (the shell reports 141).
pub fn exit_on_broken_pipe(e: &io::Error) {
    if e.kind() != io::ErrorKind::BrokenPipe {
        return;
    }
    #[cfg(unix)]
    // SAFETY: restoring the default action of SIGPIPE and raising it ends the process; no Rust
    // state is observed afterwards.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        libc::raise(libc::SIGPIPE);
    }
    std::process::exit(141);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> Utf8PathBuf {
        let d = Utf8PathBuf::from_path_buf(std::env::temp_dir())
            .unwrap()
            .join(format!("kcompile-write-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_file_is_replaced_atomically_keeping_its_permissions() {
        let d = scratch("perm");
        let f = d.join("out.yaml");
        std::fs::write(&f, "old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        to_path(&f, &|w| w.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&f).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 1, "no temporary is left");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary() {
        let d = scratch("fail");
        let f = d.join("out.yaml");
        std::fs::write(&f, "old").unwrap();
        let err = to_path(&f, &|w| {
            w.write_all(b"half")?;
            Err(io::Error::other("disk full"))
        });
        assert!(err.unwrap_err().contains("disk full"));
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "old");
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 1);
        let _ = std::fs::remove_dir_all(&d);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_planted_at_a_temporary_name_is_never_followed() {
        let d = scratch("plant");
        let victim = d.join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let planted = d.join(".out.yaml.kcompile-tmp-1-0000000000000000");
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        assert_eq!(open_new(&planted).unwrap_err().kind(), io::ErrorKind::AlreadyExists);
        let dangling = d.join(".out.yaml.kcompile-tmp-1-0000000000000001");
        std::os::unix::fs::symlink(d.join("nothing-here"), &dangling).unwrap();
        assert!(open_new(&dangling).is_err());
        assert!(!d.join("nothing-here").exists(), "a dangling link is not followed to create its target");
        // Two temporaries for one target never share a name.
        let (a, _fa) = create_temporary(&d, "out.yaml").unwrap();
        let (b, _fb) = create_temporary(&d, "out.yaml").unwrap();
        assert_ne!(a, b);
        // And a whole write next to it still works and leaves the victim alone.
        to_path(&d.join("out.yaml"), &|w| w.write_all(b"build")).unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn temporaries_of_dead_processes_are_removed_by_the_next_write() {
        let d = scratch("stale");
        // No process has this id (above the kernel's maximum of 2^22).
        let stale = d.join(".out.yaml.kcompile-tmp-99999999-00000000000000ff");
        let other = d.join(".other.yaml.kcompile-tmp-99999999-00000000000000ff");
        std::fs::write(&stale, "x").unwrap();
        std::fs::write(&other, "x").unwrap();
        to_path(&d.join("out.yaml"), &|w| w.write_all(b"y")).unwrap();
        assert!(!stale.exists());
        assert!(other.exists(), "only the target's own temporaries are removed");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_directory_refuses_names_that_would_leave_it() {
        let d = scratch("dir");
        let out = OutDir::create(&d.join("out")).unwrap();
        for bad in ["../x.yaml", "/tmp/x.yaml", "a/b.yaml", "..", ".", "", "a\\b"] {
            assert!(out.write(bad, b"x").is_err(), "{bad}");
        }
        out.write("v1_configmap_a.yaml", b"x").unwrap();
        assert!(d.join("out/v1_configmap_a.yaml").is_file());
        assert!(!d.join("x.yaml").exists());
        let _ = std::fs::remove_dir_all(&d);
    }
}
