//! Duplicate groups: exact (same bytes) and near (same picture resized, recompressed,
//! converted, re-saved with other metadata, slightly cropped). Nothing is ever deleted: the
//! report names which copy to keep and why.
//!
//! Keep rule, in order: the original format (camera raw, then HEIC/HEIF/AVIF, JPEG, TIFF, then
//! the rest: PNG/WebP/GIF/BMP are usually conversions), then the most pixels, then the most
//! metadata tags, then the oldest modification time, then the shortest path.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use albumen_meta::Format;
use rayon::prelude::*;
use serde::Serialize;

pub use crate::hash::ColourLayout;
use crate::{Error, PerceptualHash};

/// Largest Hamming distance between two perceptual hashes for a near duplicate (measured on the
/// corpus-derived set of `checks/preview-dupes`; see BENCHMARKS.md).
pub const NEAR_DISTANCE: u32 = 10;
/// Largest relative difference of aspect ratio for a near duplicate.
pub const NEAR_ASPECT: f32 = 0.03;
/// Largest [`ColourLayout::distance`] for a near duplicate: a perceptual-hash match is
/// confirmed by the colours of a 4 x 4 grid (copies differ by a few levels; different pictures
/// with colliding hashes, such as a sunset and a moon on black, by tens).
pub const NEAR_COLOUR: f32 = 12.0;
/// Long side of the small preview the colour layout is read from.
const LAYOUT_SIZE: u32 = 64;

/// Exact or near.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupKind {
    /// Same bytes.
    Exact,
    /// Same picture, different bytes (a near group also lists its exact copies).
    Near,
}

/// One group of duplicates.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// Exact or near.
    pub kind: GroupKind,
    /// The copy to keep.
    pub keep: PathBuf,
    /// Every member, `keep` included, sorted.
    pub members: Vec<PathBuf>,
    /// Why they are duplicates and why `keep` was chosen.
    pub why: String,
}

/// What [`find`] found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Exact groups first, then near groups.
    pub groups: Vec<Group>,
    /// Files that could not be read or hashed, with the reason (they can still be in exact
    /// groups when only the picture could not be decoded).
    pub errors: Vec<(PathBuf, String)>,
}

#[derive(Debug)]
struct Item {
    path: PathBuf,
    len: u64,
    mtime: i64,
    format: Format,
    pixels: u64,
    tags: usize,
    hash: Option<PerceptualHash>,
}

/// A representative's index, (format, pixels, tag count) when its metadata was read, and its
/// perceptual hash or why there is none.
type Computed = (
    usize,
    Option<(Format, u64, usize)>,
    Result<PerceptualHash, String>,
);

fn format_rank(f: Format) -> u8 {
    match f {
        f if f.is_raw() => 5,
        Format::Heic | Format::Heif | Format::Avif => 4,
        Format::Jpeg => 3,
        Format::Tiff => 2,
        _ => 1,
    }
}

/// Finds duplicates among `files` (regular files; hard links to one file count once).
/// `hash` gives a file's perceptual hash (from a cached or fresh preview).
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let img = image::RgbImage::from_fn(120, 80, |x, y| image::Rgb([(x * 2) as u8, (y * 3) as u8, ((x ^ y) * 4) as u8]));
/// img.save(dir.path().join("a.png"))?;
/// std::fs::copy(dir.path().join("a.png"), dir.path().join("b.png"))?;
/// image::imageops::thumbnail(&img, 60, 40).save(dir.path().join("c.png"))?;
/// let files: Vec<_> = ["a.png", "b.png", "c.png"].iter().map(|n| dir.path().join(n)).collect();
/// let opts = albumen_preview::Options::new(128);
/// let r = albumen_preview::dupes::find(&files, |p| albumen_preview::preview(p, &opts).map(|p| p.hash));
/// assert_eq!(r.groups.len(), 2); // a = b (exact), a ~ b ~ c (near)
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn find<F>(files: &[PathBuf], hash: F) -> Report
where
    F: Fn(&Path) -> Result<PerceptualHash, Error> + Sync,
{
    let mut report = Report::default();
    // Stat, one entry per inode.
    let mut seen = HashMap::new();
    let mut items: Vec<Item> = Vec::new();
    for p in files {
        match std::fs::metadata(p) {
            Ok(m) if m.is_file() => {
                let id = file_id(&m);
                if seen.insert(id, ()).is_some() {
                    continue;
                }
                items.push(Item {
                    path: p.clone(),
                    len: m.len(),
                    mtime: mtime(&m),
                    format: Format::Unknown,
                    pixels: 0,
                    tags: 0,
                    hash: None,
                });
            }
            Ok(_) => {}
            Err(e) => report.errors.push((p.clone(), e.to_string())),
        }
    }
    // Exact: same length, then same BLAKE3 of the content.
    let mut by_len: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, it) in items.iter().enumerate() {
        by_len.entry(it.len).or_default().push(i);
    }
    let candidates: Vec<usize> = by_len
        .values()
        .filter(|v| v.len() > 1)
        .flatten()
        .copied()
        .collect();
    let digests: Vec<(usize, Result<[u8; 32], String>)> = candidates
        .par_iter()
        .map(|&i| (i, content_hash(&items[i].path)))
        .collect();
    let mut by_digest: HashMap<[u8; 32], Vec<usize>> = HashMap::new();
    for (i, d) in digests {
        match d {
            Ok(d) => by_digest.entry(d).or_default().push(i),
            Err(e) => report.errors.push((items[i].path.clone(), e)),
        }
    }
    // One representative per content: metadata and the perceptual hash are computed once.
    let mut rep_of: Vec<usize> = (0..items.len()).collect();
    let mut exact: Vec<Vec<usize>> = by_digest.into_values().filter(|v| v.len() > 1).collect();
    for g in &mut exact {
        g.sort_by(|&a, &b| items[a].path.cmp(&items[b].path));
        for &m in g.iter() {
            rep_of[m] = g[0];
        }
    }
    let reps: Vec<usize> = (0..items.len()).filter(|&i| rep_of[i] == i).collect();
    let computed: Vec<Computed> = reps
        .par_iter()
        .map(|&i| {
            let p = &items[i].path;
            let md = albumen_meta::Reader::new()
                .sidecars(false)
                .read_path(p)
                .ok();
            let info = md.map(|m| {
                let (w, h) = m.display_size().unwrap_or((0, 0));
                (
                    m.format.unwrap_or(Format::Unknown),
                    u64::from(w) * u64::from(h),
                    m.tags.len(),
                )
            });
            (i, info, hash(p).map_err(|e| e.to_string()))
        })
        .collect();
    for (i, info, h) in computed {
        if let Some((f, px, tags)) = info {
            items[i].format = f;
            items[i].pixels = px;
            items[i].tags = tags;
        }
        match h {
            Ok(h) => items[i].hash = Some(h),
            Err(e) => report.errors.push((items[i].path.clone(), e)),
        }
    }
    for i in 0..items.len() {
        let r = rep_of[i];
        if r != i {
            items[i].format = items[r].format;
            items[i].pixels = items[r].pixels;
            items[i].tags = items[r].tags;
            items[i].hash = items[r].hash;
        }
    }
    for g in &exact {
        let keep = best(&items, g);
        report.groups.push(Group {
            kind: GroupKind::Exact,
            keep: items[keep].path.clone(),
            members: g.iter().map(|&i| items[i].path.clone()).collect(),
            why: format!(
                "same bytes ({} copies of {} bytes); keep {}",
                g.len(),
                items[keep].len,
                why_keep(&items, keep, g)
            ),
        });
    }
    // Near: union of representatives whose hashes and shapes agree.
    let hashed: Vec<usize> = reps
        .iter()
        .copied()
        .filter(|&i| items[i].hash.is_some())
        .collect();
    let mut parent: Vec<usize> = (0..items.len()).collect();
    let mut worst: HashMap<usize, u32> = HashMap::new();
    let mut pairs: Vec<(usize, usize, u32, u8)> = Vec::new();
    for (k, &a) in hashed.iter().enumerate() {
        for &b in &hashed[k + 1..] {
            let (Some(ha), Some(hb)) = (items[a].hash, items[b].hash) else {
                continue;
            };
            if let Some((d, q)) = near_match(&ha, &hb) {
                pairs.push((a, b, d, q));
            }
        }
    }
    // The second signal, for the files in a candidate pair only: a small preview's colour
    // layout (a file that cannot be previewed again keeps its hash match).
    let mut involved: Vec<usize> = pairs.iter().flat_map(|&(a, b, _, _)| [a, b]).collect();
    involved.sort_unstable();
    involved.dedup();
    let small = crate::Options::new(LAYOUT_SIZE);
    let layouts: HashMap<usize, ColourLayout> = involved
        .par_iter()
        .filter_map(|&i| {
            crate::preview(&items[i].path, &small)
                .ok()
                .map(|p| (i, ColourLayout::of(&p.image)))
        })
        .collect();
    for (a, b, d, q) in pairs {
        if let (Some(la), Some(lb)) = (layouts.get(&a), layouts.get(&b)) {
            if la.plain || lb.plain || la.distance(&lb.turned(q)) > NEAR_COLOUR {
                continue;
            }
        }
        {
            let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
            if ra != rb {
                parent[rb] = ra;
            }
            let r = root(&mut parent, a);
            let w = worst.entry(r).or_insert(0);
            *w = (*w).max(d);
        }
    }
    let mut clusters: HashMap<usize, Vec<usize>> = HashMap::new();
    for &i in &hashed {
        let r = root(&mut parent, i);
        clusters.entry(r).or_default().push(i);
    }
    let mut near: Vec<Vec<usize>> = clusters.into_values().filter(|v| v.len() > 1).collect();
    for g in &mut near {
        let reps_in = g.clone();
        // every exact copy of a member is a member too
        for (i, &r) in rep_of.iter().enumerate() {
            if r != i && reps_in.contains(&r) {
                g.push(i);
            }
        }
        g.sort_by(|&a, &b| items[a].path.cmp(&items[b].path));
        let keep = best(&items, g);
        let d = reps_in
            .iter()
            .filter_map(|&i| {
                items[i].hash.map(|h| {
                    let k = items[keep].hash.unwrap_or(h);
                    near_distance(&k, &h).unwrap_or_else(|| h.distance(&k))
                })
            })
            .max()
            .unwrap_or(0);
        report.groups.push(Group {
            kind: GroupKind::Near,
            keep: items[keep].path.clone(),
            members: g.iter().map(|&i| items[i].path.clone()).collect(),
            why: format!(
                "same picture: perceptual hashes within {d} of 64 bits of the kept copy (either turned by quarter turns), same shape, same colour layout; keep {}",
                why_keep(&items, keep, g)
            ),
        });
    }
    report.groups.sort_by(|a, b| {
        (a.kind == GroupKind::Near, &a.keep).cmp(&(b.kind == GroupKind::Near, &b.keep))
    });
    report
}

/// The distance of two hashes when they are near duplicates: the same shape and hashes within
/// [`NEAR_DISTANCE`], as they are or with one of them turned by quarter turns (a copy made by
/// a tool that ignored, or applied differently, the original's orientation).
fn near_distance(a: &PerceptualHash, b: &PerceptualHash) -> Option<u32> {
    near_match(a, b).map(|(d, _)| d)
}

/// [`near_distance`] and the quarter turns of `b` that gave it.
fn near_match(a: &PerceptualHash, b: &PerceptualHash) -> Option<(u32, u8)> {
    (0..4u8)
        .filter_map(|q| {
            let t = b.turned(q);
            let shape = (a.aspect / t.aspect.max(1e-6) - 1.0).abs();
            let d = a.distance(&t);
            (d <= NEAR_DISTANCE && shape <= NEAR_ASPECT).then_some((d, q))
        })
        .min()
}

fn root(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

fn best(items: &[Item], g: &[usize]) -> usize {
    let mut best = g[0];
    for &i in &g[1..] {
        let (a, b) = (&items[i], &items[best]);
        let ka = (
            format_rank(a.format),
            a.pixels,
            a.tags,
            std::cmp::Reverse(a.mtime),
        );
        let kb = (
            format_rank(b.format),
            b.pixels,
            b.tags,
            std::cmp::Reverse(b.mtime),
        );
        let shorter = a.path.as_os_str().len() < b.path.as_os_str().len();
        if ka > kb || (ka == kb && shorter) {
            best = i;
        }
    }
    best
}

fn why_keep(items: &[Item], keep: usize, g: &[usize]) -> String {
    let k = &items[keep];
    let others = g.iter().filter(|&&i| i != keep).map(|&i| &items[i]);
    let mut reasons = Vec::new();
    if others
        .clone()
        .any(|o| format_rank(o.format) < format_rank(k.format))
    {
        reasons.push(format!("original format ({})", k.format.name()));
    }
    if others.clone().any(|o| o.pixels < k.pixels) {
        reasons.push(format!("most pixels ({})", k.pixels));
    }
    if others.clone().any(|o| o.tags < k.tags) {
        reasons.push(format!("most metadata ({} tags)", k.tags));
    }
    if reasons.is_empty() {
        reasons.push("oldest / shortest path among equals".into());
    }
    format!("{}: {}", k.path.display(), reasons.join(", "))
}

fn content_hash(p: &Path) -> Result<[u8; 32], String> {
    let f = albumen_meta::open_noatime(p).map_err(|e| format!("{}: {e}", p.display()))?;
    let mut h = blake3::Hasher::new();
    h.update_reader(f)
        .map_err(|e| format!("{}: {e}", p.display()))?;
    Ok(*h.finalize().as_bytes())
}

#[cfg(unix)]
fn file_id(m: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (m.dev(), m.ino())
}

#[cfg(not(unix))]
fn file_id(_m: &std::fs::Metadata) -> (u64, u64) {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    (0, N.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
}

fn mtime(m: &std::fs::Metadata) -> i64 {
    m.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs() as i64)
}
