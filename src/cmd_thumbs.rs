//! `albumen thumbs`, `albumen preview` and `albumen dupes`: previews in a cache outside the photo
//! folders, one large preview, and duplicate groups (never deleting anything).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use albumen_meta::Format;
use albumen_preview::{Cache, Options, PreviewSource};
use anyhow::Context;
use rayon::prelude::*;
use serde::Serialize;

/// Arguments of `albumen thumbs`.
#[derive(clap::Args, Debug)]
pub struct ThumbsArgs {
    /// Files or folders (walked recursively; hidden entries skipped).
    pub paths: Vec<PathBuf>,
    /// Take the files from this index instead of (or as well as) PATHs.
    #[arg(long, value_name = "DB")]
    pub db: Option<PathBuf>,
    /// Cache folder for the previews (must not be inside a photo folder).
    #[arg(long, value_name = "DIR")]
    pub cache: PathBuf,
    /// Long side of the previews in pixels.
    #[arg(long, default_value_t = 256)]
    pub size: u32,
    /// Print a JSON array, one object per media file.
    #[arg(long)]
    pub json: bool,
    /// The ffmpeg program used for video poster frames.
    #[arg(long, default_value = "ffmpeg", value_name = "PROGRAM")]
    pub ffmpeg: PathBuf,
}

/// Arguments of `albumen preview`.
#[derive(clap::Args, Debug)]
pub struct PreviewArgs {
    /// The photo or video.
    pub file: PathBuf,
    /// Where to write the JPEG preview.
    #[arg(short, long, value_name = "OUT.jpg")]
    pub output: PathBuf,
    /// Long side in pixels.
    #[arg(long, default_value_t = 1440)]
    pub size: u32,
    /// The ffmpeg program used for video poster frames.
    #[arg(long, default_value = "ffmpeg", value_name = "PROGRAM")]
    pub ffmpeg: PathBuf,
}

/// Arguments of `albumen dupes`.
#[derive(clap::Args, Debug)]
pub struct DupesArgs {
    /// Files or folders (walked recursively; hidden entries skipped).
    pub paths: Vec<PathBuf>,
    /// Take the files from this index instead of (or as well as) PATHs.
    #[arg(long, value_name = "DB")]
    pub db: Option<PathBuf>,
    /// Reuse (and fill) this preview cache for the perceptual hashes.
    #[arg(long, value_name = "DIR")]
    pub cache: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct ThumbRow {
    path: PathBuf,
    thumb: Option<PathBuf>,
    width: Option<u32>,
    height: Option<u32>,
    source: Option<PreviewSource>,
    error: Option<String>,
}

/// Media files under `paths` (and in the index at `db`): every regular file whose content is a
/// photo or video format (sidecars and unknown files are left out).
fn media_files(paths: &[PathBuf], db: Option<PathBuf>) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    if db.is_some() {
        let index = crate::open_existing_index(db)?;
        files.extend(index.media_paths()?);
    }
    if !paths.is_empty() {
        // Files named on the command line are taken as they are; files found in folders only
        // when their content (or, for transport streams, their name) says photo or video.
        let walked = albumen_meta::walk::files(paths);
        for e in walked.errors {
            eprintln!("albumen: {e}");
        }
        files.extend(
            walked
                .files
                .into_iter()
                .filter(|p| paths.contains(p) || is_media(p)),
        );
    }
    if files.is_empty() && paths.is_empty() {
        anyhow::bail!("give files or folders, or --db");
    }
    Ok(files)
}

fn is_media(p: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 64];
    let Ok(mut f) = std::fs::File::open(p) else {
        return true; // let the preview report the error
    };
    let n = f.read(&mut head).unwrap_or(0);
    let ext = p
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    matches!(ext.as_str(), "mts" | "m2ts" | "jxl")
        || !matches!(
            albumen_meta::detect_format(&head[..n]),
            Format::Unknown | Format::Xmp
        )
}

fn roots_of(paths: &[PathBuf]) -> Vec<PathBuf> {
    paths.to_vec()
}

/// `albumen thumbs`.
pub fn run_thumbs(a: ThumbsArgs) -> anyhow::Result<ExitCode> {
    let mut roots = roots_of(&a.paths);
    let files = media_files(&a.paths, a.db.clone())?;
    roots.extend(
        files
            .iter()
            .filter_map(|f| f.parent().map(Path::to_path_buf)),
    );
    roots.sort();
    roots.dedup();
    let cache = Cache::open(&a.cache, &roots)?;
    let mut opts = Options::new(a.size);
    opts.ffmpeg = a.ffmpeg.clone();
    let tty = std::io::stderr().is_terminal();
    let done = AtomicU64::new(0);
    let total = files.len();
    let start = Instant::now();
    let rows: Vec<ThumbRow> = files
        .par_iter()
        .map(|p| {
            let r = cache.get_or_make(p, &opts);
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            if tty && (n.is_multiple_of(16) || n as usize == total) {
                let rate = n as f64 / start.elapsed().as_secs_f64().max(1e-3);
                eprint!("\r\x1b[2Kpreviews: {n}/{total} ({rate:.0}/s)");
            }
            match r {
                Ok(c) => ThumbRow {
                    path: p.clone(),
                    thumb: Some(c.thumb),
                    width: Some(c.width),
                    height: Some(c.height),
                    source: Some(c.source),
                    error: None,
                },
                Err(e) => ThumbRow {
                    path: p.clone(),
                    thumb: None,
                    width: None,
                    height: None,
                    source: None,
                    error: Some(e.to_string()),
                },
            }
        })
        .collect();
    if tty {
        eprintln!();
    }
    let failed = rows.iter().filter(|r| r.error.is_some()).count();
    crate::emit(
        a.json,
        &rows,
        |out| {
            for r in &rows {
                match (&r.thumb, &r.error) {
                    (Some(t), _) => writeln!(out, "{}\t{}", r.path.display(), t.display())?,
                    (None, Some(e)) => writeln!(out, "{}\terror: {e}", r.path.display())?,
                    _ => {}
                }
            }
            writeln!(
                out,
                "{} previews in {} ({} failed)",
                rows.len() - failed,
                cache.dir().display(),
                failed
            )
        },
        failed == 0,
    )
}

/// `albumen preview`.
pub fn run_preview(a: PreviewArgs) -> anyhow::Result<ExitCode> {
    let mut opts = Options::new(a.size);
    opts.ffmpeg = a.ffmpeg;
    if let (Ok(out), Some(parent)) = (
        std::fs::canonicalize(
            a.output
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new(".")),
        ),
        std::fs::canonicalize(&a.file)
            .ok()
            .and_then(|f| f.parent().map(Path::to_path_buf)),
    ) {
        if out.starts_with(&parent) {
            eprintln!("albumen: note: writing the preview next to the photo, as asked");
        }
    }
    let p = albumen_preview::preview(&a.file, &opts)
        .with_context(|| format!("{}", a.file.display()))?;
    albumen_preview::write_jpeg(&p, &a.output, 90)?;
    eprintln!(
        "{}: {}x{} ({:?}) -> {}",
        a.file.display(),
        p.image.width(),
        p.image.height(),
        p.source,
        a.output.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// What `scan --previews` did.
pub(crate) struct PreviewFill {
    /// Previews made (decoded) this run.
    pub made: u64,
    /// Previews already in the cache (only their record was added to the index).
    pub reused: u64,
    /// Files without a preview (the reason is stored in the index).
    pub errors: u64,
    /// Whether every pending file was done (false when stopped).
    pub complete: bool,
}

/// Long side of the previews `scan --previews` stores (the web page's thumbnails and `dupes`
/// use the same size, so they reuse them).
pub(crate) const INDEX_PREVIEW_SIZE: u32 = 256;

/// `scan --previews`: makes (or reuses from the cache) the preview of every photo and video
/// under `roots` whose indexed state has none yet, and stores its size, source and perceptual
/// hash in the index. Incremental: unchanged files are skipped by the index, and a cached
/// preview is reused without decoding. Stops cleanly between batches when `stop` is set.
pub(crate) fn fill_index(
    index: &mut albumen_index::Index,
    cache_dir: Option<PathBuf>,
    roots: &[PathBuf],
    quiet: bool,
    stop: &std::sync::atomic::AtomicBool,
) -> anyhow::Result<PreviewFill> {
    use albumen_index::{PreviewRecord, Progress};
    let dir = match cache_dir {
        Some(d) => d,
        None => albumen_preview::default_cache_dir()
            .context("no --cache given and neither XDG_CACHE_HOME nor HOME is set")?,
    };
    let cache = Cache::open(&dir, roots)?;
    let canon: Vec<PathBuf> = roots
        .iter()
        .filter_map(|r| std::fs::canonicalize(r).ok())
        .collect();
    let pending: Vec<_> = index
        .previews_pending(INDEX_PREVIEW_SIZE)?
        .into_iter()
        .filter(|p| canon.iter().any(|r| p.path.starts_with(r)))
        .collect();
    let opts = Options::new(INDEX_PREVIEW_SIZE);
    let bar =
        (!quiet && std::io::stderr().is_terminal()).then(|| crate::cmd_scan::Bar::new("previews"));
    if let Some(b) = &bar {
        b.found(pending.len() as u64);
    }
    let mut fill = PreviewFill {
        made: 0,
        reused: 0,
        errors: 0,
        complete: true,
    };
    // Batches: parallel previews, then one transaction; a stop is honoured between batches.
    for batch in pending.chunks(64) {
        if stop.load(Ordering::Relaxed) {
            fill.complete = false;
            break;
        }
        let done: Vec<_> = batch
            .par_iter()
            .map(|item| {
                let rec = match cache.get_or_make(&item.path, &opts) {
                    Ok(c) => (
                        PreviewRecord {
                            thumb: Some(c.thumb),
                            dims: Some((c.width, c.height)),
                            source: Some(c.source.name().to_string()),
                            phash: Some((c.hash.bits, c.hash.aspect)),
                            error: None,
                        },
                        c.reused,
                    ),
                    Err(e) => (
                        PreviewRecord {
                            error: Some(e.to_string()),
                            ..PreviewRecord::default()
                        },
                        false,
                    ),
                };
                if let Some(b) = &bar {
                    b.done(1);
                }
                (item.clone(), rec)
            })
            .collect();
        let mut rows = Vec::with_capacity(done.len());
        for (item, (rec, reused)) in done {
            match (&rec.error, reused) {
                (Some(_), _) => fill.errors += 1,
                (None, true) => fill.reused += 1,
                (None, false) => fill.made += 1,
            }
            rows.push((item, rec));
        }
        index.store_previews(INDEX_PREVIEW_SIZE, &rows)?;
    }
    if bar.is_some() {
        eprint!("\r\x1b[2K");
    }
    Ok(fill)
}

/// `albumen dupes`.
pub fn run_dupes(a: DupesArgs) -> anyhow::Result<ExitCode> {
    let files = media_files(&a.paths, a.db.clone())?;
    let opts = Options::new(INDEX_PREVIEW_SIZE);
    // With --db, the perceptual hashes `scan --previews` stored are used as they are (files
    // without an up-to-date one are previewed here).
    let stored: std::collections::HashMap<PathBuf, albumen_preview::PerceptualHash> = match &a.db {
        Some(_) => crate::open_existing_index(a.db.clone())?
            .preview_hashes(INDEX_PREVIEW_SIZE)?
            .into_iter()
            .map(|(p, bits, aspect)| (p, albumen_preview::PerceptualHash { bits, aspect }))
            .collect(),
        None => Default::default(),
    };
    let cache = match &a.cache {
        Some(dir) => {
            let mut roots = roots_of(&a.paths);
            roots.extend(
                files
                    .iter()
                    .filter_map(|f| f.parent().map(Path::to_path_buf)),
            );
            Some(Cache::open(dir, &roots)?)
        }
        None => None,
    };
    let report = albumen_preview::dupes::find(&files, |p| match (stored.get(p), &cache) {
        (Some(h), _) => Ok(*h),
        (None, Some(c)) => c.get_or_make(p, &opts).map(|c| c.hash),
        (None, None) => albumen_preview::preview(p, &opts).map(|p| p.hash),
    });
    for (p, e) in &report.errors {
        eprintln!("albumen: {}: {e}", p.display());
    }
    crate::emit(
        a.json,
        &serde_json::json!({ "groups": report.groups }),
        |out| {
            for g in &report.groups {
                writeln!(out, "{:?} group, keep {}", g.kind, g.keep.display())?;
                for m in &g.members {
                    writeln!(out, "  {}", m.display())?;
                }
                writeln!(out, "  why: {}", g.why)?;
            }
            writeln!(out, "{} groups (nothing deleted)", report.groups.len())
        },
        true,
    )
}
