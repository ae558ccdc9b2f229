//! The preview cache: JPEG files outside the photo folders, keyed by the source file's path,
//! size and modification time and the preview size; written atomically.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::{Error, Options, PerceptualHash, Preview, PreviewSource};

/// Bumped when previews made by an older version must not be reused.
const VERSION: u32 = 1;

/// A preview directory.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

/// What the cache knows of one preview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedPreview {
    /// The preview JPEG.
    pub thumb: PathBuf,
    /// Its width.
    pub width: u32,
    /// Its height.
    pub height: u32,
    /// Where its pixels came from.
    pub source: PreviewSource,
    /// The perceptual hash of its pixels.
    pub hash: PerceptualHash,
    /// Whether it was already in the cache (nothing decoded).
    #[serde(skip)]
    pub reused: bool,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

impl Cache {
    /// A cache in `dir` (created when missing). `roots` are the photo folders: a cache inside
    /// one of them is refused ([`Error::CacheUnderRoot`]), so previews never land there.
    ///
    /// ```
    /// let photos = tempfile::tempdir()?;
    /// let inside = photos.path().join("cache");
    /// assert!(albumen_preview::Cache::open(&inside, &[photos.path().to_path_buf()]).is_err());
    /// let elsewhere = tempfile::tempdir()?;
    /// assert!(albumen_preview::Cache::open(elsewhere.path(), &[photos.path().to_path_buf()]).is_ok());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn open(dir: &Path, roots: &[PathBuf]) -> Result<Cache, Error> {
        let roots: Vec<PathBuf> = roots
            .iter()
            .filter_map(|r| fs::canonicalize(r).ok())
            .filter_map(|r| {
                if r.is_dir() {
                    Some(r)
                } else {
                    r.parent().map(Path::to_path_buf)
                }
            })
            .collect();
        let inside = |d: &Path| roots.iter().find(|r| d.starts_with(r)).cloned();
        // Checked before anything is created (the absolute path as written), then again on
        // the real path once it exists (symbolic links).
        let abs = std::path::absolute(dir).map_err(|e| Error::io(dir, e))?;
        if let Some(root) = inside(&abs) {
            return Err(Error::CacheUnderRoot { cache: abs, root });
        }
        let existed = abs.exists();
        fs::create_dir_all(&abs).map_err(|e| Error::io(dir, e))?;
        let real = fs::canonicalize(&abs).map_err(|e| Error::io(dir, e))?;
        if let Some(root) = inside(&real) {
            if !existed {
                let _ = fs::remove_dir(&abs);
            }
            return Err(Error::CacheUnderRoot { cache: real, root });
        }
        Ok(Cache { dir: real })
    }

    /// The cache's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the preview of `path` at `size` pixels goes: a name derived from the absolute path,
    /// the file's length and modification time (so a changed file gets a new preview).
    fn key(&self, path: &Path, size: u32) -> Result<PathBuf, Error> {
        let abs = fs::canonicalize(path).map_err(|e| Error::io(path, e))?;
        let m = fs::metadata(&abs).map_err(|e| Error::io(path, e))?;
        let mtime = m
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        let mut h = blake3::Hasher::new();
        h.update(&VERSION.to_le_bytes());
        h.update(abs.as_os_str().as_encoded_bytes());
        h.update(&[0]);
        h.update(&m.len().to_le_bytes());
        h.update(&mtime.to_le_bytes());
        h.update(&size.to_le_bytes());
        let hex = h.finalize().to_hex();
        let hex = hex.as_str();
        Ok(self.dir.join(&hex[..2]).join(&hex[2..32]))
    }

    /// The cached preview of `path`, made (and stored) when missing or out of date.
    pub fn get_or_make(&self, path: &Path, opts: &Options) -> Result<CachedPreview, Error> {
        let base = self.key(path, opts.size)?;
        let json = base.with_extension("json");
        let jpg = base.with_extension("jpg");
        if let Ok(b) = fs::read(&json) {
            if let Ok(mut c) = serde_json::from_slice::<CachedPreview>(&b) {
                if c.thumb == jpg && jpg.is_file() {
                    c.reused = true;
                    return Ok(c);
                }
            }
        }
        let p = crate::preview(path, opts)?;
        self.store(&base, &p)
    }

    fn store(&self, base: &Path, p: &Preview) -> Result<CachedPreview, Error> {
        let jpg = base.with_extension("jpg");
        let json = base.with_extension("json");
        let mut bytes = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 85)
            .encode_image(&p.image)
            .map_err(|e| Error::Encode(e.to_string()))?;
        write_atomic(&jpg, &bytes)?;
        let c = CachedPreview {
            thumb: jpg,
            width: p.image.width(),
            height: p.image.height(),
            source: p.source,
            hash: p.hash,
            reused: false,
        };
        let meta = serde_json::to_vec(&c).map_err(|e| Error::Encode(e.to_string()))?;
        write_atomic(&json, &meta)?;
        Ok(c)
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename: a reader
/// sees the old file or the whole new one, never a part.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
    let res = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.flush()?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = res {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(())
}

/// Writes one preview as a JPEG to `out` atomically (for `albumen preview FILE -o OUT.jpg`).
///
/// ```no_run
/// let p = albumen_preview::preview("IMG_0001.JPG".as_ref(), &albumen_preview::Options::new(1440))?;
/// albumen_preview::write_jpeg(&p, "big.jpg".as_ref(), 90)?;
/// # Ok::<(), albumen_preview::Error>(())
/// ```
pub fn write_jpeg(p: &Preview, out: &Path, quality: u8) -> Result<(), Error> {
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality.clamp(1, 100))
        .encode_image(&p.image)
        .map_err(|e| Error::Encode(e.to_string()))?;
    write_atomic(out, &bytes)
}
