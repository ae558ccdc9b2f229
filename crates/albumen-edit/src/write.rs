//! Reading a file with a stamp, and replacing it atomically and durably.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use crate::error::{Error, Result};

/// What the file looked like when it was read; checked again just before the rename.
#[derive(Debug, Clone)]
pub(crate) struct Stamp {
    pub len: u64,
    pub mtime: Option<SystemTime>,
    pub perms: fs::Permissions,
    #[cfg(unix)]
    pub owner: (u32, u32),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

pub(crate) fn stamp(path: &Path) -> Result<Stamp> {
    let m = fs::metadata(path).map_err(io(path))?;
    if !m.is_file() {
        return Err(Error::NotAFile(path.to_path_buf()));
    }
    Ok(Stamp {
        len: m.len(),
        mtime: m.modified().ok(),
        perms: m.permissions(),
        #[cfg(unix)]
        owner: {
            use std::os::unix::fs::MetadataExt;
            (m.uid(), m.gid())
        },
    })
}

/// Reads the whole file (bounded by `limit`) with its stamp.
pub(crate) fn read(path: &Path, limit: u64) -> Result<(Vec<u8>, Stamp)> {
    let s = stamp(path)?;
    if s.len > limit {
        return Err(Error::TooLarge { len: s.len, limit });
    }
    let mut f = File::open(path).map_err(io(path))?;
    let mut v = Vec::with_capacity(s.len as usize);
    Read::by_ref(&mut f)
        .take(limit.saturating_add(1))
        .read_to_end(&mut v)
        .map_err(io(path))?;
    if v.len() as u64 != s.len {
        return Err(Error::ChangedOnDisk(path.to_path_buf()));
    }
    Ok((v, s))
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn temp_path(path: &Path) -> PathBuf {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    dir.join(format!(".{name}.albumen-{}-{n}.tmp", std::process::id()))
}

/// Replaces `path` with `data`: temporary file in the same directory, fsync, check that the
/// original still matches `expect` (size and mtime; `None` = must not exist), rename over, fsync
/// the directory. Keeps permissions and (where allowed) ownership, and the mtime when
/// `keep_mtime`. On any failure the original is untouched and the temporary file removed.
pub(crate) fn replace(
    path: &Path,
    data: &[u8],
    expect: Option<&Stamp>,
    keep_mtime: bool,
) -> Result<()> {
    let tmp = temp_path(path);
    let r = write_tmp(&tmp, data, expect, keep_mtime).and_then(|()| {
        match (expect, stamp(path)) {
            (Some(e), Ok(now)) if now.len == e.len && now.mtime == e.mtime => {}
            (None, Err(Error::Io { source, .. }))
                if source.kind() == std::io::ErrorKind::NotFound => {}
            _ => return Err(Error::ChangedOnDisk(path.to_path_buf())),
        }
        fs::rename(&tmp, path).map_err(io(path))
    });
    if r.is_err() {
        let _ = fs::remove_file(&tmp);
        return r;
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // Durability of the rename; some file systems refuse fsync on a directory handle.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn write_tmp(tmp: &Path, data: &[u8], expect: Option<&Stamp>, keep_mtime: bool) -> Result<()> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(tmp)
        .map_err(io(tmp))?;
    f.write_all(data).map_err(io(tmp))?;
    if let Some(s) = expect {
        f.set_permissions(s.perms.clone()).map_err(io(tmp))?;
        #[cfg(unix)]
        {
            // Only root may give a file away; keeping the group may work. Failure is not an error.
            let _ = std::os::unix::fs::fchown(&f, Some(s.owner.0), Some(s.owner.1));
        }
        if keep_mtime {
            if let Some(m) = s.mtime {
                f.set_modified(m).map_err(io(tmp))?;
            }
        }
    }
    f.sync_all().map_err(io(tmp))?;
    Ok(())
}
