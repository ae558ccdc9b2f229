//! Reading a file with a stamp, and replacing it atomically and durably.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
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
    /// Device, inode and status-change time: a same-size write that kept the mtime (another
    /// tool's in-place edit, `touch -r`) or a file swapped in under the name still shows here.
    #[cfg(unix)]
    pub change: (u64, u64, i64, i64),
}

impl Stamp {
    /// Whether `now` is the file as it was when this stamp was taken.
    pub(crate) fn same_as(&self, now: &Stamp) -> bool {
        #[cfg(unix)]
        if self.change != now.change {
            return false;
        }
        self.len == now.len && self.mtime == now.mtime
    }
}

/// A piece of a new file: a byte range of the file being edited (copied from disk when the new
/// file is written, never held in memory), or new bytes.
#[derive(Debug, Clone)]
pub(crate) enum Piece {
    Src(std::ops::Range<u64>),
    New(Vec<u8>),
}

/// The new contents of a file.
#[derive(Debug, Clone)]
pub(crate) enum Output {
    Whole(Vec<u8>),
    /// Spliced from the original (large movies: only the headers are in memory).
    Pieces(Vec<Piece>),
}

impl Output {
    pub(crate) fn len(&self) -> u64 {
        match self {
            Output::Whole(v) => v.len() as u64,
            Output::Pieces(p) => p
                .iter()
                .map(|x| match x {
                    Piece::Src(r) => r.end - r.start,
                    Piece::New(v) => v.len() as u64,
                })
                .sum(),
        }
    }
}

/// The original bytes of a file as the editor holds them: all of it, or (for movies) a buffer of
/// the file's length where only `loaded` ranges were read (the rest is zero and never written).
pub(crate) struct Original {
    pub bytes: Vec<u8>,
    pub loaded: Option<Vec<std::ops::Range<usize>>>,
}

impl Original {
    fn has(&self, r: &std::ops::Range<usize>) -> bool {
        match &self.loaded {
            None => r.end <= self.bytes.len(),
            Some(l) => l.iter().any(|x| x.start <= r.start && r.end <= x.end),
        }
    }
}

/// The writes of an in-place patch (file range, new bytes) that turn `orig` into `out`, or
/// `None` when `out` is not the same length with everything else in place, or the change is
/// too large for a patch.
pub(crate) fn in_place_writes<'a>(
    orig: &Original,
    out: &'a Output,
) -> Option<Vec<(std::ops::Range<usize>, &'a [u8])>> {
    if out.len() != orig.bytes.len() as u64 {
        return None;
    }
    match out {
        Output::Whole(new) => {
            if orig.loaded.is_some() {
                return None;
            }
            let r = diff_ranges(&orig.bytes, new)?;
            Some(r.into_iter().map(|r| (r.clone(), &new[r])).collect())
        }
        Output::Pieces(ps) => {
            let mut at = 0usize;
            let mut writes = Vec::new();
            let mut total = 0;
            for p in ps {
                match p {
                    Piece::Src(r) => {
                        if r.start != at as u64 {
                            return None; // moved data: not a patch
                        }
                        at += usize::try_from(r.end - r.start).ok()?;
                    }
                    Piece::New(v) => {
                        let span = at..at + v.len();
                        if !orig.has(&span) {
                            return None;
                        }
                        for d in diff_ranges(&orig.bytes[span.clone()], v)? {
                            total += d.len();
                            writes.push((at + d.start..at + d.end, &v[d]));
                        }
                        at = span.end;
                    }
                }
            }
            (total <= PATCH_MAX_BYTES && writes.len() <= PATCH_MAX_RANGES).then_some(writes)
        }
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
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
        #[cfg(unix)]
        change: {
            use std::os::unix::fs::MetadataExt;
            (m.dev(), m.ino(), m.ctime(), m.ctime_nsec())
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

/// `free`/`skip` boxes larger than this are not read either (`mdat` never is).
const SPARSE_BOX_MAX: u64 = 64 << 20;

/// Reads an ISO-BMFF movie sparsely: a zero buffer of the file's length (the system hands out
/// untouched zero pages lazily, so it costs what is read) where only the top-level boxes other
/// than `mdat` (and box headers) are read. `None` when the top level does not walk cleanly
/// (the caller then reads the file whole). Movies may be larger than `limit` this way, up to
/// 64 times it.
pub(crate) fn read_sparse(path: &Path, limit: u64) -> Result<Option<(Original, Stamp)>> {
    let s = stamp(path)?;
    let mut f = File::open(path).map_err(io(path))?;
    Ok(sparse(&mut f, s.len, limit, &io(path))?.map(|o| (o, s)))
}

/// [`read_sparse`] from any seekable source of `len` bytes (I/O errors mapped by `err`).
pub(crate) fn sparse<R: Read + Seek>(
    f: &mut R,
    len: u64,
    limit: u64,
    err: &dyn Fn(std::io::Error) -> Error,
) -> Result<Option<Original>> {
    if len > limit.saturating_mul(64) {
        return Err(Error::TooLarge {
            len,
            limit: limit.saturating_mul(64),
        });
    }
    // A buffer of the file's length must be addressable (32-bit: at most isize::MAX).
    let Some(ulen) = usize::try_from(len)
        .ok()
        .filter(|&l| l <= isize::MAX as usize)
    else {
        return Ok(None);
    };
    let mut plan: Vec<std::ops::Range<u64>> = Vec::new();
    let mut at = 0u64;
    let mut head = [0u8; 16];
    while at < len {
        if plan.len() > 100_000 || len - at < 8 {
            return Ok(None);
        }
        f.seek(SeekFrom::Start(at)).map_err(err)?;
        let n = (len - at).min(16) as usize;
        f.read_exact(&mut head[..n]).map_err(err)?;
        let size32 = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
        let (size, hdr) = match size32 {
            0 => (len - at, 8),
            1 if n == 16 => (
                u64::from_be_bytes([
                    head[8], head[9], head[10], head[11], head[12], head[13], head[14], head[15],
                ]),
                16,
            ),
            1 => return Ok(None),
            v => (u64::from(v), 8),
        };
        if size < hdr || size > len - at {
            return Ok(None);
        }
        let typ = &head[4..8];
        let skip = typ == b"mdat" || (matches!(typ, b"free" | b"skip") && size > SPARSE_BOX_MAX);
        plan.push(at..at + if skip { hdr } else { size });
        at += size;
    }
    // What is read stays within the limit, like a whole read: a movie whose boxes other than
    // `mdat` are larger is read whole (and refused by that read when it is over the limit).
    let loaded_total: u64 = plan.iter().map(|r| r.end - r.start).sum();
    if loaded_total > limit {
        return Ok(None);
    }
    let mut bytes = vec![0u8; ulen];
    for r in &plan {
        f.seek(SeekFrom::Start(r.start)).map_err(err)?;
        let (a, b) = (r.start as usize, r.end as usize);
        f.read_exact(&mut bytes[a..b]).map_err(err)?;
    }
    let loaded = plan
        .iter()
        .map(|r| r.start as usize..r.end as usize)
        .collect();
    Ok(Some(Original {
        bytes,
        loaded: Some(loaded),
    }))
}

/// Writes `pieces` to `to`: new bytes as they are, `Src` ranges copied from `from` (never held
/// whole). A range `from` cannot supply in full is `short()`; a failed seek is mapped by
/// `rerr`, a failed copy by `werr`. Returns the bytes written.
pub(crate) fn write_pieces<R: Read + Seek, W: Write + ?Sized>(
    from: &mut R,
    pieces: &[Piece],
    to: &mut W,
    rerr: &dyn Fn(std::io::Error) -> Error,
    werr: &dyn Fn(std::io::Error) -> Error,
    short: &dyn Fn() -> Error,
) -> Result<u64> {
    let mut total = 0u64;
    for p in pieces {
        match p {
            Piece::New(v) => {
                to.write_all(v).map_err(werr)?;
                total += v.len() as u64;
            }
            Piece::Src(r) => {
                from.seek(SeekFrom::Start(r.start)).map_err(rerr)?;
                let want = r.end - r.start;
                // `io::copy` between files is the kernel's copy where it can be.
                let n = std::io::copy(&mut Read::by_ref(from).take(want), to).map_err(werr)?;
                if n != want {
                    return Err(short());
                }
                total += n;
            }
        }
    }
    Ok(total)
}

/// The first `n` bytes (fewer for a shorter file).
pub(crate) fn read_head(path: &Path, n: u64) -> Result<Vec<u8>> {
    let _ = stamp(path)?; // a directory or missing file is reported as such
    let f = File::open(path).map_err(io(path))?;
    let mut v = Vec::new();
    f.take(n).read_to_end(&mut v).map_err(io(path))?;
    Ok(v)
}

/// [`read`] as an [`Original`].
pub(crate) fn read_whole(path: &Path, limit: u64) -> Result<(Original, Stamp)> {
    let (bytes, s) = read(path, limit)?;
    Ok((
        Original {
            bytes,
            loaded: None,
        },
        s,
    ))
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

/// Whether a temporary file name is one of ours (`.NAME.albumen-PID-N.tmp`), and its PID.
fn temp_owner(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (_, tail) = rest.rsplit_once(".albumen-")?;
    let (pid, n) = tail.split_once('-')?;
    n.parse::<u64>().ok()?;
    pid.parse().ok()
}

/// Removes the temporary files that editors killed before their rename left in `dir`
/// (`.NAME.albumen-PID-N.tmp` whose process is gone; on Linux, where `/proc` says so) and
/// returns how many. A temporary file never holds the only copy of anything: the original
/// stays under its name until the rename, so removing it loses nothing. Without `/proc`
/// nothing is removed.
pub fn remove_stale_temps(dir: &Path) -> Result<usize> {
    let proc_ = Path::new("/proc/self");
    if !proc_.exists() {
        return Ok(0);
    }
    let me = std::process::id();
    let mut n = 0;
    for e in fs::read_dir(dir).map_err(io(dir))? {
        let Ok(e) = e else { continue };
        let name = e.file_name();
        let Some(pid) = name.to_str().and_then(temp_owner) else {
            continue;
        };
        if pid == me || Path::new("/proc").join(pid.to_string()).exists() {
            continue;
        }
        if e.file_type().is_ok_and(|t| t.is_file()) && fs::remove_file(e.path()).is_ok() {
            n += 1;
        }
    }
    Ok(n)
}

/// [`remove_stale_temps`] for the directory of `path`, once per directory per process (a
/// batch edit of a folder lists it once); errors are ignored (a leftover is only clutter).
pub(crate) fn sweep_once(path: &Path) {
    use std::collections::HashSet;
    use std::sync::Mutex;
    static SWEPT: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Ok(mut g) = SWEPT.lock() else { return };
    if g.get_or_insert_with(HashSet::new).insert(dir.clone()) {
        drop(g);
        let _ = remove_stale_temps(&dir);
    }
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
    replace_body(path, Body::Bytes(data), expect, keep_mtime)
}

/// [`replace`] for an [`Output`]: `Src` pieces are copied from `path` itself into the
/// temporary file (the kernel's copy where it can), so a spliced movie is never held whole.
pub(crate) fn replace_output(
    path: &Path,
    out: &Output,
    expect: Option<&Stamp>,
    keep_mtime: bool,
) -> Result<()> {
    let body = match out {
        Output::Whole(v) => Body::Bytes(v),
        Output::Pieces(p) => Body::Pieces(p),
    };
    replace_body(path, body, expect, keep_mtime)
}

/// What a replacement file is made of, borrowed (so [`replace`] copies nothing).
#[derive(Clone, Copy)]
enum Body<'a> {
    Bytes(&'a [u8]),
    Pieces(&'a [Piece]),
}

fn replace_body(
    path: &Path,
    body: Body<'_>,
    expect: Option<&Stamp>,
    keep_mtime: bool,
) -> Result<()> {
    let tmp = temp_path(path);
    let r = write_tmp(&tmp, path, body, expect, keep_mtime).and_then(|()| {
        match (expect, stamp(path)) {
            (Some(e), Ok(now)) if e.same_as(&now) => {}
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
    sync_dir(path);
    Ok(())
}

fn write_tmp(
    tmp: &Path,
    src: &Path,
    body: Body<'_>,
    expect: Option<&Stamp>,
    keep_mtime: bool,
) -> Result<()> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(tmp)
        .map_err(io(tmp))?;
    match body {
        Body::Bytes(data) => f.write_all(data).map_err(io(tmp))?,
        Body::Pieces(ps) => {
            let mut from = File::open(src).map_err(io(src))?;
            write_pieces(&mut from, ps, &mut f, &io(src), &io(tmp), &|| {
                Error::ChangedOnDisk(src.to_path_buf())
            })?;
        }
    }
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

/// Largest total of changed bytes (and ranges) an in-place patch writes; beyond it the file is
/// replaced as a whole.
const PATCH_MAX_BYTES: usize = 1 << 20;
const PATCH_MAX_RANGES: usize = 256;
/// Granularity of the comparison: ranges closer than this are merged.
const PATCH_GAP: usize = 64;
const JOURNAL_MAGIC: &[u8; 8] = b"ALBJRNL2";

/// The byte ranges where `new` differs from `old` (same length), or `None` when they are too
/// many or too large for an in-place patch.
pub(crate) fn diff_ranges(old: &[u8], new: &[u8]) -> Option<Vec<std::ops::Range<usize>>> {
    if old.len() != new.len() {
        return None;
    }
    let mut out: Vec<std::ops::Range<usize>> = Vec::new();
    let mut total = 0usize;
    // Compare in 4 KiB blocks (memcmp), then byte-wise inside differing blocks.
    const BLOCK: usize = 4096;
    let mut at = 0;
    while at < old.len() {
        let end = (at + BLOCK).min(old.len());
        if old[at..end] != new[at..end] {
            let mut i = at;
            while i < end {
                if old[i] != new[i] {
                    let s = i;
                    while i < end && old[i] != new[i] {
                        i += 1;
                    }
                    match out.last_mut() {
                        Some(r) if s - r.end <= PATCH_GAP => {
                            total += i - r.end;
                            r.end = i;
                        }
                        _ => {
                            total += i - s;
                            out.push(s..i);
                        }
                    }
                    if total > PATCH_MAX_BYTES || out.len() > PATCH_MAX_RANGES {
                        return None;
                    }
                } else {
                    i += 1;
                }
            }
        }
        at = end;
    }
    Some(out)
}

/// The undo journal of an in-place patch of `path`: `.NAME.albumen-journal` beside it (the
/// name kept byte for byte, so two non-UTF-8 names never share a journal).
pub(crate) fn journal_path(path: &Path) -> PathBuf {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut name = std::ffi::OsString::from(".");
    name.push(path.file_name().unwrap_or_default());
    name.push(".albumen-journal");
    dir.join(name)
}

fn fnv(b: &[u8]) -> u64 {
    b.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &x| {
        (h ^ u64::from(x)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

/// fsyncs the directory holding `path` (durability of a rename or removal); some file systems
/// refuse fsync on a directory handle, which is not an error.
fn sync_dir(path: &Path) {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// What a journal says about the file it belongs to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct JournalHead {
    pub len: u64,
    /// Device and inode (0, 0 where unknown).
    pub dev: u64,
    pub ino: u64,
    /// The modification time before the patch (seconds, nanoseconds since the epoch), put back
    /// on recovery; `None` when the file system gave none.
    pub mtime: Option<(i64, u32)>,
}

#[cfg(unix)]
fn head_of(m: &fs::Metadata) -> JournalHead {
    use std::os::unix::fs::MetadataExt;
    JournalHead {
        len: m.len(),
        dev: m.dev(),
        ino: m.ino(),
        mtime: Some((m.mtime(), m.mtime_nsec().clamp(0, 999_999_999) as u32)),
    }
}

/// The journal: magic, the file's length, device, inode and mtime, the range count, then per
/// range its offset, length, original bytes and new bytes; FNV-1a of all that last (a torn
/// journal does not verify and is ignored: it is fsynced before the file is touched).
fn journal_bytes(
    head: &JournalHead,
    old: &[u8],
    writes: &[(std::ops::Range<usize>, &[u8])],
) -> Vec<u8> {
    let mut j = Vec::new();
    j.extend_from_slice(JOURNAL_MAGIC);
    for v in [head.len, head.dev, head.ino] {
        j.extend_from_slice(&v.to_le_bytes());
    }
    let (secs, nanos, has) = match head.mtime {
        Some((s, n)) => (s, n, 1u32),
        None => (0, 0, 0),
    };
    j.extend_from_slice(&secs.to_le_bytes());
    j.extend_from_slice(&nanos.to_le_bytes());
    j.extend_from_slice(&has.to_le_bytes());
    j.extend_from_slice(&(writes.len() as u64).to_le_bytes());
    for (r, new) in writes {
        j.extend_from_slice(&(r.start as u64).to_le_bytes());
        j.extend_from_slice(&(r.len() as u64).to_le_bytes());
        j.extend_from_slice(&old[r.clone()]);
        j.extend_from_slice(new);
    }
    let sum = fnv(&j);
    j.extend_from_slice(&sum.to_le_bytes());
    j
}

/// A parsed journal: its head and (offset, original bytes, new bytes) per range. `None` when it
/// does not verify or does not hold together.
#[allow(clippy::type_complexity)]
fn parse_journal(j: &[u8]) -> Option<(JournalHead, Vec<(u64, &[u8], &[u8])>)> {
    let body = j.get(..j.len().checked_sub(8)?)?;
    let sum = u64::from_le_bytes(j.get(j.len() - 8..)?.try_into().ok()?);
    if !body.starts_with(JOURNAL_MAGIC) || fnv(body) != sum {
        return None;
    }
    let u64_at = |at: usize| -> Option<u64> {
        Some(u64::from_le_bytes(body.get(at..at + 8)?.try_into().ok()?))
    };
    let u32_at = |at: usize| -> Option<u32> {
        Some(u32::from_le_bytes(body.get(at..at + 4)?.try_into().ok()?))
    };
    let (len, dev, ino) = (u64_at(8)?, u64_at(16)?, u64_at(24)?);
    let secs = u64_at(32)? as i64;
    let nanos = u32_at(40)?;
    let mtime = (u32_at(44)? == 1).then_some((secs, nanos));
    let n = usize::try_from(u64_at(48)?).ok()?;
    if n > PATCH_MAX_RANGES {
        return None;
    }
    let mut at = 56;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let off = u64_at(at)?;
        let l = usize::try_from(u64_at(at + 8)?).ok()?;
        if off.checked_add(l as u64)? > len {
            return None;
        }
        let old = body.get(at + 16..at + 16 + l)?;
        let new = body.get(at + 16 + l..at + 16 + 2 * l)?;
        out.push((off, old, new));
        at += 16 + 2 * l;
    }
    if at != body.len() {
        return None;
    }
    Some((
        JournalHead {
            len,
            dev,
            ino,
            mtime,
        },
        out,
    ))
}

/// Writes `writes` (file range, new bytes) into `path` in place (its length is unchanged).
///
/// Crash safety without a full copy: first an undo journal holding the original and the new
/// bytes of those ranges and the file's identity is written and fsynced beside the file, and
/// locked for as long as the patch runs; then the ranges are written and the file fsynced; then
/// the journal is removed. If the process or machine stops in between, the journal is still
/// there and [`recover`] puts the original bytes back (the CLI does it before touching the file
/// again). The file must still match `expect` (size and mtime) just before the write.
#[cfg(unix)]
pub(crate) fn patch(
    path: &Path,
    old: &[u8],
    writes: &[(std::ops::Range<usize>, &[u8])],
    expect: &Stamp,
    keep_mtime: bool,
) -> Result<u64> {
    use std::os::unix::fs::FileExt;
    // Opened first: a file we may not write is refused before anything is written.
    let f = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(io(path))?;
    let m = f.metadata().map_err(io(path))?;
    let now = Stamp {
        len: m.len(),
        mtime: m.modified().ok(),
        perms: m.permissions(),
        owner: expect.owner,
        change: {
            use std::os::unix::fs::MetadataExt;
            (m.dev(), m.ino(), m.ctime(), m.ctime_nsec())
        },
    };
    if !expect.same_as(&now) {
        return Err(Error::ChangedOnDisk(path.to_path_buf()));
    }
    let head = head_of(&m);
    let jp = journal_path(path);
    let j = journal_bytes(&head, old, writes);
    // create_new: a journal already there is another patch running, or one to recover first.
    let jf = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&jp)
        .map_err(io(&jp))?;
    // Held until the journal is removed: `recover` in another process backs off meanwhile.
    let locked = jf.try_lock().is_ok();
    let w = (&jf).write_all(&j).and_then(|()| jf.sync_all());
    if let Err(e) = w {
        let _ = fs::remove_file(&jp);
        return Err(io(&jp)(e));
    }
    sync_dir(&jp);
    let r = (|| {
        for (r, bytes) in writes {
            f.write_all_at(bytes, r.start as u64).map_err(io(path))?;
        }
        if keep_mtime {
            if let Some(m) = expect.mtime {
                f.set_modified(m).map_err(io(path))?;
            }
        }
        f.sync_all().map_err(io(path))
    })();
    match r {
        Ok(()) => {
            fs::remove_file(&jp).map_err(io(&jp))?;
            sync_dir(&jp);
            drop(jf);
            let _ = locked;
            Ok(writes.iter().map(|w| w.1.len() as u64).sum())
        }
        Err(e) => {
            drop(jf);
            // Put back whatever was written; the journal stays if that fails too.
            if recover(path).is_ok() {
                Err(e)
            } else {
                Err(Error::Interrupted {
                    path: path.to_path_buf(),
                    journal: jp,
                })
            }
        }
    }
}

/// Undoes an interrupted in-place patch of `path` from its journal, if there is one: writes
/// the original bytes back, restores the mtime, fsyncs, removes the journal. Returns whether a
/// journal was applied. A journal that does not verify (torn while being written: the patch
/// never started) is removed without touching the file.
///
/// The journal is applied only to the file it was made for (same device, inode and length)
/// and only where each range still holds the original or the new bytes; otherwise, or while
/// another process's patch holds it, this fails ([`Error::StaleJournal`], or
/// [`Error::Interrupted`] while the patch runs), writes nothing, and keeps the journal (delete it
/// to keep the file as it is).
#[cfg(unix)]
pub fn recover(path: &Path) -> Result<bool> {
    use std::os::unix::fs::FileExt;
    let jp = journal_path(path);
    let jf = match File::open(&jp) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(io(&jp)(e)),
    };
    let stuck = || Error::StaleJournal {
        path: path.to_path_buf(),
        journal: jp.clone(),
    };
    if jf.try_lock().is_err() {
        // A patch is running in another process.
        return Err(Error::Interrupted {
            path: path.to_path_buf(),
            journal: jp.clone(),
        });
    }
    let mut j = Vec::new();
    Read::by_ref(&mut &jf)
        .take(2 * (PATCH_MAX_BYTES as u64) + 64 * (PATCH_MAX_RANGES as u64) + 1024)
        .read_to_end(&mut j)
        .map_err(io(&jp))?;
    let Some((head, ranges)) = parse_journal(&j) else {
        fs::remove_file(&jp).map_err(io(&jp))?;
        return Ok(false);
    };
    let f = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(io(path))?;
    let now = head_of(&f.metadata().map_err(io(path))?);
    if now.len != head.len || (head.ino != 0 && (now.dev, now.ino) != (head.dev, head.ino)) {
        return Err(stuck());
    }
    // Every range must hold what the patch left there: the old bytes or the new ones.
    let mut restore = Vec::new();
    for (off, old, new) in &ranges {
        let mut cur = vec![0u8; old.len()];
        f.read_exact_at(&mut cur, *off).map_err(io(path))?;
        if cur == *old {
            continue;
        }
        if cur != *new {
            return Err(stuck());
        }
        restore.push((*off, *old));
    }
    for (off, old) in restore {
        f.write_all_at(old, off).map_err(io(path))?;
    }
    if let Some((secs, nanos)) = head.mtime {
        let t = if secs >= 0 {
            SystemTime::UNIX_EPOCH + std::time::Duration::new(secs as u64, nanos)
        } else {
            SystemTime::UNIX_EPOCH - std::time::Duration::new(secs.unsigned_abs(), 0)
                + std::time::Duration::new(0, nanos)
        };
        let _ = f.set_modified(t);
    }
    f.sync_all().map_err(io(path))?;
    fs::remove_file(&jp).map_err(io(&jp))?;
    sync_dir(&jp);
    Ok(true)
}

#[cfg(not(unix))]
pub(crate) fn patch(
    path: &Path,
    _old: &[u8],
    _writes: &[(std::ops::Range<usize>, &[u8])],
    _expect: &Stamp,
    _keep_mtime: bool,
) -> Result<u64> {
    Err(Error::Unsupported(
        "in-place edits need a Unix system".into(),
    ))
}

/// Undoes an interrupted in-place patch (in-place patching is Unix-only; nothing to undo here).
#[cfg(not(unix))]
pub fn recover(_path: &Path) -> Result<bool> {
    Ok(false)
}

#[cfg(all(test, unix))]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The journal `patch` would write for turning `old` into `new` at `r`, for the file at `p`.
    fn journal_for(p: &Path, old: &[u8], new: &[u8], r: &[std::ops::Range<usize>]) -> Vec<u8> {
        let w: Vec<_> = r.iter().map(|r| (r.clone(), &new[r.clone()])).collect();
        journal_bytes(&head_of(&fs::metadata(p).unwrap()), old, &w)
    }

    fn setup(old: &[u8]) -> (tempfile::TempDir, PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("f.bin");
        fs::write(&p, old).unwrap();
        (d, p)
    }

    #[test]
    fn stale_temps_of_dead_editors_are_removed_and_nothing_else() {
        assert_eq!(temp_owner(".a.jpg.albumen-123-4.tmp"), Some(123));
        assert_eq!(temp_owner(".x.albumen-y.albumen-7-0.tmp"), Some(7));
        assert_eq!(temp_owner("a.jpg.albumen-123-4.tmp"), None);
        assert_eq!(temp_owner(".a.jpg.albumen-123.tmp"), None);
        let d = tempfile::tempdir().unwrap();
        let dead = d.path().join(".a.jpg.albumen-4294967295-0.tmp");
        let mine = temp_path(&d.path().join("b.jpg"));
        let other = d.path().join("a.jpg");
        for p in [&dead, &mine, &other] {
            fs::write(p, b"x").unwrap();
        }
        let n = remove_stale_temps(d.path()).unwrap();
        if Path::new("/proc/self").exists() {
            assert_eq!(n, 1);
            assert!(!dead.exists());
        }
        assert!(mine.exists() && other.exists());
    }

    #[test]
    fn diff_merges_near_ranges_and_gives_up_on_big_ones() {
        let old = vec![0u8; 100_000];
        let mut new = old.clone();
        new[10] = 1;
        new[20] = 1; // within the gap: merged
        new[50_000] = 1;
        assert_eq!(
            diff_ranges(&old, &new).unwrap(),
            vec![10..21, 50_000..50_001]
        );
        assert_eq!(diff_ranges(&old, &old).unwrap(), vec![]);
        assert!(diff_ranges(&old, &new[1..]).is_none());
        let all: Vec<u8> = vec![1; 2 << 20];
        assert!(diff_ranges(&vec![0; 2 << 20], &all).is_none());
    }

    #[test]
    fn patch_writes_only_the_ranges_and_removes_its_journal() {
        let old: Vec<u8> = (0..10_000u32).map(|i| i as u8).collect();
        let (_d, p) = setup(&old);
        let mut new = old.clone();
        new[100..104].copy_from_slice(b"DATE");
        new[9_000] = 0xEE;
        let r = diff_ranges(&old, &new).unwrap();
        let w: Vec<_> = r.iter().map(|r| (r.clone(), &new[r.clone()])).collect();
        let st = stamp(&p).unwrap();
        assert_eq!(patch(&p, &old, &w, &st, true).unwrap(), 5);
        assert_eq!(fs::read(&p).unwrap(), new);
        assert!(!journal_path(&p).exists());
        assert_eq!(stamp(&p).unwrap().mtime, st.mtime);
    }

    #[test]
    fn a_crash_between_journal_and_patch_is_undone() {
        let old: Vec<u8> = (0..10_000u32).map(|i| (i * 7) as u8).collect();
        let (_d, p) = setup(&old);
        let mut new = old.clone();
        new[5..9].copy_from_slice(b"XXXX");
        new[8_000..8_010].copy_from_slice(b"0123456789");
        let r = diff_ranges(&old, &new).unwrap();
        // What a crash after the journal and the first range leaves behind:
        fs::write(journal_path(&p), journal_for(&p, &old, &new, &r)).unwrap();
        let mut half = old.clone();
        half[r[0].clone()].copy_from_slice(&new[r[0].clone()]);
        fs::write(&p, &half).unwrap();
        assert!(recover(&p).unwrap());
        assert_eq!(fs::read(&p).unwrap(), old);
        assert!(!journal_path(&p).exists());
        assert!(!recover(&p).unwrap(), "nothing left to recover");
    }

    #[test]
    fn a_torn_journal_is_dropped_and_the_file_left_alone() {
        let old = b"original contents".to_vec();
        let (_d, p) = setup(&old);
        let r = 0..8;
        let mut j = journal_for(&p, &old, b"new bytes", std::slice::from_ref(&r));
        j.truncate(j.len() - 3);
        fs::write(journal_path(&p), &j).unwrap();
        assert!(!recover(&p).unwrap());
        assert_eq!(fs::read(&p).unwrap(), old);
        assert!(!journal_path(&p).exists());
    }

    #[test]
    fn movies_are_read_without_their_media_data_and_spliced_back_from_disk() {
        let mut b = Vec::new();
        let mut bx = |typ: &[u8; 4], body: &[u8]| {
            b.extend_from_slice(&((body.len() + 8) as u32).to_be_bytes());
            b.extend_from_slice(typ);
            b.extend_from_slice(body);
        };
        bx(b"ftyp", b"qt  \0\0\0\0");
        bx(b"mdat", &[0xAB; 5000]);
        bx(b"moov", b"old-moov");
        let (_d, p) = setup(&b);
        let (orig, st) = read_sparse(&p, 1 << 20).unwrap().unwrap();
        assert_eq!(orig.bytes.len(), b.len());
        assert_eq!(
            orig.loaded.as_ref().unwrap(),
            &vec![0..16, 16..24, 5024..5040]
        );
        assert!(
            orig.bytes[24..5024].iter().all(|&x| x == 0),
            "mdat not read"
        );
        assert_eq!(&orig.bytes[5024..], &b[5024..]);
        // Same-size new moov: an in-place patch of its changed bytes only.
        let out = Output::Pieces(vec![Piece::Src(0..5032), Piece::New(b"new-moov".to_vec())]);
        let w = in_place_writes(&orig, &out).unwrap();
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].0, 5032..5035);
        // Growing: rewritten from pieces, mdat copied from disk.
        let out = Output::Pieces(vec![
            Piece::Src(0..5024),
            Piece::New(b"\0\0\0\x12moovbigger-moov".to_vec()),
        ]);
        assert!(in_place_writes(&orig, &out).is_none());
        replace_output(&p, &out, Some(&st), true).unwrap();
        let now = fs::read(&p).unwrap();
        assert_eq!(&now[..5024], &b[..5024]);
        assert!(now.ends_with(b"bigger-moov"));
        // A top level that does not walk: read whole instead.
        let (_d2, q) = setup(b"\0\0\0\x04junk");
        assert!(read_sparse(&q, 1 << 20).unwrap().is_none());
    }

    #[test]
    fn review_stale_journal_is_not_applied_to_another_file() {
        let old: Vec<u8> = (0..10_000u32).map(|i| (i * 7) as u8).collect();
        let (_d, p) = setup(&old);
        let mut new = old.clone();
        new[100..110].copy_from_slice(b"0123456789");
        let r = diff_ranges(&old, &new).unwrap();
        // Power cut right after the journal was made durable, before any write.
        fs::write(journal_path(&p), journal_for(&p, &old, &new, &r)).unwrap();
        // Later the path holds other bytes of the same length (another tool's same-size edit,
        // `exiftool -P` date shift, a re-import of IMG_0001 from the next card).
        let other: Vec<u8> = (0..10_000u32).map(|i| (i * 13 + 1) as u8).collect();
        fs::write(&p, &other).unwrap();
        assert!(matches!(recover(&p), Err(Error::StaleJournal { .. })));
        assert!(journal_path(&p).exists(), "a refused journal is kept");
        assert!(
            fs::read(&p).unwrap() == other,
            "journal bytes written into a file they do not belong to"
        );
    }

    #[test]
    fn review_recover_puts_the_mtime_back() {
        let old: Vec<u8> = (0..4_000u32).map(|i| i as u8).collect();
        let (_d, p) = setup(&old);
        let t0 = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
        File::options()
            .write(true)
            .open(&p)
            .unwrap()
            .set_modified(t0)
            .unwrap();
        let mut new = old.clone();
        new[10..14].copy_from_slice(b"DATE");
        let r = diff_ranges(&old, &new).unwrap();
        fs::write(journal_path(&p), journal_for(&p, &old, &new, &r)).unwrap();
        fs::write(&p, &new).unwrap(); // the crashed patch's write (mtime now "now")
        assert!(recover(&p).unwrap());
        assert_eq!(fs::read(&p).unwrap(), old);
        assert_eq!(
            stamp(&p).unwrap().mtime,
            Some(t0),
            "recover leaves the crash-time mtime"
        );
    }

    #[test]
    fn review_sparse_read_is_bounded_by_the_limit() {
        // 40 MiB movie with a 39 MiB non-mdat top-level box; limit 1 MiB.
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("big.mov");
        let mut f = File::create(&p).unwrap();
        f.write_all(b"\0\0\0\x10ftypqt  \0\0\0\0").unwrap();
        let big: u32 = 39 << 20;
        f.write_all(&big.to_be_bytes()).unwrap();
        f.write_all(b"uuid").unwrap();
        f.set_len(16 + u64::from(big)).unwrap();
        drop(f);
        let mut f = fs::OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(b"\0\0\0\x08moov").unwrap();
        drop(f);
        let limit = 1 << 20;
        if let Ok(Some((o, _))) = read_sparse(&p, limit) {
            let loaded: usize = o.loaded.unwrap().iter().map(|r| r.len()).sum();
            assert!(
                loaded as u64 <= limit,
                "{loaded} bytes read into memory for a limit of {limit}"
            );
        }
    }

    #[test]
    fn a_same_size_change_that_kept_the_mtime_is_still_seen() {
        let (_d, p) = setup(b"original bytes");
        let st = stamp(&p).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        // Another tool rewrites it in place, same size, and puts the mtime back (exiftool -P).
        let f = OpenOptions::new().write(true).open(&p).unwrap();
        std::os::unix::fs::FileExt::write_all_at(&f, b"ORIGINAL", 0).unwrap();
        f.set_modified(st.mtime.unwrap()).unwrap();
        drop(f);
        let e = replace(&p, b"our edit", Some(&st), true);
        assert!(matches!(e, Err(Error::ChangedOnDisk(_))), "{e:?}");
        assert_eq!(fs::read(&p).unwrap(), b"ORIGINAL bytes");
        let w = [(0..3, &b"our"[..])];
        let e = patch(&p, b"original bytes", &w, &st, true);
        assert!(matches!(e, Err(Error::ChangedOnDisk(_))), "{e:?}");
        assert!(!journal_path(&p).exists());
    }
}
