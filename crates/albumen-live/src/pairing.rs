//! Pairing stills with videos.

use std::borrow::{Borrow, Cow};
use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::fmt;
use std::path::{Path, PathBuf};

use albumen_meta::{CaptureTime, Format, Metadata, MotionPhotoKind, TimeKind};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Serialize, Serializer};

use crate::names::{self, NameMatch};

/// What ties a pair together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum PairKind {
    /// Apple Live Photo: the still and the video carry the same content identifier.
    AppleLive,
    /// A still with its video embedded in the same file (Google / Samsung motion photo).
    MotionPhoto,
    /// No identifiers: same folder (or neighbouring date folders), same base name (up to copy
    /// and icloudpd decorations), a Live-Photo-length video taken at the still's instant. Always
    /// weaker than [`PairKind::AppleLive`].
    NameTime,
}

impl fmt::Display for PairKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PairKind::AppleLive => "apple-live",
            PairKind::MotionPhoto => "motion-photo",
            PairKind::NameTime => "name-time",
        })
    }
}

/// How two capture times were compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimeBasis {
    /// Both times are instants (zone known or UTC).
    Utc,
    /// Both are local wall-clock times (at least one without its offset).
    Local,
    /// A local time without offset against a UTC instant: equal up to a whole-quarter-hour zone
    /// offset. The weakest basis.
    OffsetUnknown,
}

/// One reason a pair was made.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Evidence {
    /// Both files carry this Apple content identifier.
    ContentId {
        /// The identifier (upper-cased).
        id: String,
    },
    /// Both files are in the same folder.
    SameFolder,
    /// The video lies in another folder; the nearest folder both are under.
    OtherFolder {
        /// The nearest common ancestor folder.
        common_ancestor: PathBuf,
    },
    /// Same base name (case-insensitive).
    SameName,
    /// The still is Apple's edited copy (`IMG_E1234`) of the video's capture.
    EditedVariant,
    /// The names are equal once copy decorations (` (1)`, ` 2`, ` copy`) are removed.
    RenamedCopy,
    /// The names are equal as icloudpd writes them: the video's `_HEVC` / `_HEIC` suffix and
    /// the de-duplication ids (`-NNNNN`) removed (`FullSizeRender-2369959.HEIC`,
    /// `FullSizeRender_HEVC-4559592.MOV`).
    IcloudpdName,
    /// The video's duration, in seconds.
    Duration {
        /// Seconds.
        seconds: f64,
    },
    /// The difference between the still's and the video's capture times.
    TimeDelta {
        /// Absolute difference in seconds (after the offset guess for `offset-unknown`).
        seconds: f64,
        /// How the times were compared.
        basis: TimeBasis,
    },
    /// The still carries this content identifier but no video does (the video's was lost, e.g.
    /// by an export): a name-time pair despite it.
    StillIdWithoutVideo {
        /// The still's identifier (upper-cased).
        id: String,
    },
    /// The video is embedded in the still file.
    EmbeddedVideo {
        /// Google (XMP `Container`/`MicroVideo`) or Samsung (`MotionPhoto_Data`).
        format: MotionPhotoKind,
        /// Byte offset of the video in the file.
        offset: u64,
        /// Length of the video in bytes.
        length: u64,
    },
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Evidence::ContentId { id } => write!(f, "content id {id}"),
            Evidence::SameFolder => f.write_str("same folder"),
            Evidence::OtherFolder { common_ancestor } => {
                write!(f, "other folder under {}", common_ancestor.display())
            }
            Evidence::SameName => f.write_str("same name"),
            Evidence::StillIdWithoutVideo { id } => {
                write!(f, "still's content id {id} is on no video")
            }
            Evidence::EditedVariant => f.write_str("edited copy"),
            Evidence::RenamedCopy => f.write_str("renamed copy"),
            Evidence::IcloudpdName => f.write_str("icloudpd names"),
            Evidence::Duration { seconds } => write!(f, "video {seconds:.1} s"),
            Evidence::TimeDelta { seconds, basis } => {
                let b = match basis {
                    TimeBasis::Utc => "utc",
                    TimeBasis::Local => "local",
                    TimeBasis::OffsetUnknown => "offset unknown",
                };
                write!(f, "times {seconds:.1} s apart ({b})")
            }
            Evidence::EmbeddedVideo {
                format,
                offset,
                length,
            } => {
                let k = match format {
                    MotionPhotoKind::Google => "google",
                    MotionPhotoKind::Samsung => "samsung",
                };
                write!(f, "{k} embedded video at byte {offset} ({length} bytes)")
            }
        }
    }
}

/// A still and its video, to be shown and moved as one item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pair {
    /// The still image.
    #[serde(serialize_with = "ser_path")]
    pub still: PathBuf,
    /// The video (the same file as `still` for a motion photo).
    #[serde(serialize_with = "ser_path")]
    pub video: PathBuf,
    /// What ties them.
    pub kind: PairKind,
    /// 0..=1. Every `apple-live` and `motion-photo` pair is at least 0.9; every `name-time` pair
    /// is below 0.8.
    pub confidence: f64,
    /// The reasons, strongest first.
    pub evidence: Vec<Evidence>,
}

/// A still that claims a video (it has a content identifier) with no video carrying it, or a
/// video with an identifier and no still.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Orphan {
    /// The file.
    #[serde(serialize_with = "ser_path")]
    pub path: PathBuf,
    /// Its content identifier (upper-cased).
    pub content_id: String,
}

/// Why files sharing one identifier were not all paired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ConflictReason {
    /// Some files are copies of files that were paired (typically the same Live Photo in another
    /// library whose own still or video is missing); they were not linked across.
    Duplicate,
    /// Several candidates are equally near; no pair was guessed.
    Ambiguous,
    /// Too many files share the identifier to compare them all.
    TooMany,
}

/// One identifier on three or more files that could not all be paired.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conflict {
    /// The shared identifier (upper-cased).
    pub content_id: String,
    /// What went wrong.
    pub reason: ConflictReason,
    /// Every still carrying the identifier.
    #[serde(serialize_with = "ser_paths")]
    pub stills: Vec<PathBuf>,
    /// Every video carrying the identifier.
    #[serde(serialize_with = "ser_paths")]
    pub videos: Vec<PathBuf>,
    /// The files left out of any pair (the others appear in [`Pairing::pairs`]).
    #[serde(serialize_with = "ser_paths")]
    pub unpaired: Vec<PathBuf>,
}

/// The result of pairing a set of files.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Pairing {
    /// Pairs, in the input order of their stills (then videos); [`crate::scan_roots`] reads files
    /// in path order, so its pairs are sorted by still path.
    pub pairs: Vec<Pair>,
    /// Stills with a content identifier and no video carrying it.
    pub orphan_stills: Vec<Orphan>,
    /// Videos with a content identifier and no still carrying it.
    pub orphan_videos: Vec<Orphan>,
    /// Identifiers shared by files that could not all be paired.
    pub conflicts: Vec<Conflict>,
}

impl Pairing {
    /// The files to keep together when copying, archiving or deleting: one unit per video, with
    /// every still paired to it (an original and its edited copy share one video), the video
    /// last; a motion photo is a unit of one file. Units follow the order of [`Pairing::pairs`].
    pub fn units(&self) -> Vec<Vec<&Path>> {
        let mut at: HashMap<&Path, usize> = HashMap::new();
        let mut units: Vec<Vec<&Path>> = Vec::new();
        for p in &self.pairs {
            let video = p.video.as_path();
            match at.get(video) {
                Some(&i) => {
                    if let Some(u) = units.get_mut(i) {
                        // Keep the video last.
                        let pos = u.len().saturating_sub(1);
                        u.insert(pos, p.still.as_path());
                    }
                }
                None => {
                    at.insert(video, units.len());
                    units.push(if p.still == p.video {
                        vec![video]
                    } else {
                        vec![p.still.as_path(), video]
                    });
                }
            }
        }
        units
    }
}

fn ser_path<S: Serializer>(p: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&p.to_string_lossy())
}

fn ser_paths<S: Serializer>(ps: &[PathBuf], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(ps.iter().map(|p| p.to_string_lossy()))
}

/// Settings of the pairing. The defaults follow what iPhones write.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pairer {
    /// Shortest video accepted by the name-time fallback, in seconds.
    pub min_duration_s: f64,
    /// Longest video accepted by the name-time fallback, in seconds.
    pub max_duration_s: f64,
    /// Largest difference between the still's and the video's capture times for the name-time
    /// fallback, in seconds.
    pub max_time_delta_s: f64,
    /// Largest number of still×video comparisons within one identifier; above it the files are
    /// reported as a [`ConflictReason::TooMany`] conflict (hostile input never costs quadratic
    /// time).
    pub max_group_comparisons: usize,
}

impl Default for Pairer {
    fn default() -> Self {
        Pairer {
            min_duration_s: 1.5,
            max_duration_s: 3.5,
            max_time_delta_s: 5.0,
            max_group_comparisons: 1 << 16,
        }
    }
}

/// Pairs the given files with the default [`Pairer`].
pub fn pair<I, P, M>(items: I) -> Pairing
where
    I: IntoIterator<Item = (P, M)>,
    P: AsRef<Path>,
    M: Borrow<Metadata>,
{
    Pairer::default().pair(items)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Still,
    Video,
}

/// Hash maps keyed by data read from files: foldhash is several times faster than SipHash on
/// short keys and still seeded per process, so crafted identifiers cannot force collisions.
type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// What the pairing needs of one file, borrowed from the input.
struct Entry<'a> {
    path: &'a Path,
    folder: &'a Path,
    stem: &'a OsStr,
    /// The normalised stem, computed when first needed (most Apple pairs never need it).
    norm: OnceCell<String>,
    role: Role,
    meta: &'a Metadata,
    /// Position in the input.
    item: usize,
}

/// The members of one identifier group, without a heap allocation for the usual one or two.
#[derive(Default)]
enum Members {
    #[default]
    None,
    One(usize),
    Two([usize; 2]),
    Many(Vec<usize>),
}

impl Members {
    fn push(&mut self, i: usize) {
        *self = match std::mem::take(self) {
            Members::None => Members::One(i),
            Members::One(a) => Members::Two([a, i]),
            Members::Two([a, b]) => Members::Many(vec![a, b, i]),
            Members::Many(mut v) => {
                v.push(i);
                Members::Many(v)
            }
        };
    }
    fn as_slice(&self) -> &[usize] {
        match self {
            Members::None => &[],
            Members::One(a) => std::slice::from_ref(a),
            Members::Two(ab) => ab,
            Members::Many(v) => v,
        }
    }
}

/// Results with their input positions, sorted into a [`Pairing`] at the end.
#[derive(Default)]
struct Out {
    pairs: Vec<((usize, usize), Pair)>,
    orphan_stills: Vec<(usize, Orphan)>,
    orphan_videos: Vec<(usize, Orphan)>,
    conflicts: Vec<Conflict>,
    /// Entries of stills whose identifier is on no video: the name-time fallback may still find
    /// their video (an export that kept the still's maker note but stripped the video's keys).
    claiming: Vec<usize>,
}

fn role_of(path: &Path, meta: &Metadata) -> Option<Role> {
    match meta.format {
        Some(f) if f.is_video() => Some(Role::Video),
        Some(Format::Unknown | Format::Xmp) => None,
        Some(_) => Some(Role::Still),
        None => {
            // No detected format: fall back on the extension, the only thing left.
            let ext = path.extension()?.to_str()?.to_ascii_lowercase();
            match ext.as_str() {
                "mov" | "mp4" | "m4v" | "3gp" => Some(Role::Video),
                "heic" | "heif" | "jpg" | "jpeg" | "png" | "avif" | "dng" | "tif" | "tiff" => {
                    Some(Role::Still)
                }
                _ => None,
            }
        }
    }
}

fn content_id(meta: &Metadata) -> Option<Cow<'_, str>> {
    content_key(meta.content_id.as_deref()?)
}

/// The key under which [`Pairer::pair`] groups files by Apple content identifier: the
/// identifier trimmed and upper-cased, `None` when blank (the file then goes to the
/// name-and-time fallback, grouped by [`name_key`]).
///
/// Together with [`name_key`] this says which files `pair` ever compares, so a large library can
/// be paired in parts: pairing the files of whole content-key groups (the orphan stills it
/// reports, "claiming" stills, go on to the fallback), then the files without a key together with
/// those orphan stills in whole name-key groups, gives the pairs of pairing everything at once
/// (ties are broken by input order, so keep each part in the input order).
///
/// ```
/// assert_eq!(albumen_live::content_key(" ab-1 ").as_deref(), Some("AB-1"));
/// assert_eq!(albumen_live::content_key("  "), None);
/// ```
pub fn content_key(id: &str) -> Option<Cow<'_, str>> {
    let id = id.trim();
    if id.is_empty() {
        return None;
    }
    if id.bytes().any(|b| b.is_ascii_lowercase()) {
        Some(Cow::Owned(id.to_ascii_uppercase()))
    } else {
        Some(Cow::Borrowed(id))
    }
}

/// The key under which the name-and-time fallback of [`Pairer::pair`] groups a file without a
/// content identifier: its place (its folder, or for an icloudpd date folder the folder above the
/// date part) and its normalised stem (lower case, copy and icloudpd decorations removed). Files
/// with different keys are never paired by name and time; see [`content_key`].
///
/// ```
/// use std::path::Path;
/// let (place, name) = albumen_live::name_key(Path::new("lib/2021/03/07/IMG_0001 (1).HEIC"));
/// assert_eq!((place.to_str(), name.as_str()), (Some("lib"), "img_0001"));
/// let (place, _) = albumen_live::name_key(Path::new("trip/IMG_0001.MOV"));
/// assert_eq!(place.to_str(), Some("trip"));
/// ```
pub fn name_key(path: &Path) -> (&OsStr, String) {
    let (folder, stem) = names::split(path);
    let place = names::date_folder(folder).map_or(folder, |(above, _)| above);
    (place.as_os_str(), names::normalized_stem(stem))
}

impl Entry<'_> {
    fn norm(&self) -> &str {
        self.norm.get_or_init(|| names::normalized_stem(self.stem))
    }
}

/// Where a video stands relative to a still: same folder first, then name, then how deep the
/// nearest common folder is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Nearness {
    same_folder: bool,
    name: NameMatch,
    depth: usize,
}

impl Nearness {
    /// The part that says which library a file belongs to (names do not).
    fn place(self) -> (bool, usize) {
        (self.same_folder, self.depth)
    }
}

fn name_match(s: &Entry<'_>, v: &Entry<'_>) -> NameMatch {
    if s.stem.eq_ignore_ascii_case(v.stem) {
        NameMatch::Exact
    } else {
        names::name_match(s.stem, s.norm(), v.stem, v.norm())
    }
}

fn nearness(s: &Entry<'_>, v: &Entry<'_>) -> Nearness {
    let same_folder = same_folder(s.folder, v.folder);
    Nearness {
        same_folder,
        name: name_match(s, v),
        depth: if same_folder {
            usize::MAX
        } else {
            names::common_depth(s.folder, v.folder)
        },
    }
}

/// Folder equality, by bytes first: paths from one walk spell a folder the same way, and
/// comparing `Path`s component by component is several times slower.
fn same_folder(a: &Path, b: &Path) -> bool {
    a.as_os_str() == b.as_os_str() || a == b
}

fn common_ancestor(a: &Path, b: &Path) -> PathBuf {
    a.components()
        .zip(b.components())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x)
        .collect()
}

impl Pairer {
    /// Pairs the given files. `items` are the files of one or more libraries with their
    /// metadata; the paths are reported as given.
    pub fn pair<I, P, M>(&self, items: I) -> Pairing
    where
        I: IntoIterator<Item = (P, M)>,
        P: AsRef<Path>,
        M: Borrow<Metadata>,
    {
        let items: Vec<(P, M)> = items.into_iter().collect();
        let mut out = Out::default();
        let mut entries: Vec<Entry<'_>> = Vec::with_capacity(items.len());
        let mut by_id: Map<Cow<'_, str>, Members> = Map::default();
        let mut no_id: Vec<usize> = Vec::new();

        for (item, (p, m)) in items.iter().enumerate() {
            let (path, meta) = (p.as_ref(), m.borrow());
            let Some(role) = role_of(path, meta) else {
                continue;
            };
            if let Some(mp) = meta.motion_photo {
                out.pairs.push((
                    (item, item),
                    Pair {
                        still: path.to_path_buf(),
                        video: path.to_path_buf(),
                        kind: PairKind::MotionPhoto,
                        confidence: 1.0,
                        evidence: vec![Evidence::EmbeddedVideo {
                            format: mp.kind,
                            offset: mp.video_offset,
                            length: mp.video_length,
                        }],
                    },
                ));
                // A motion photo is complete in itself; it takes no part in the other pairings.
                continue;
            }
            let (folder, stem) = names::split(path);
            let idx = entries.len();
            entries.push(Entry {
                path,
                folder,
                stem,
                norm: OnceCell::new(),
                role,
                meta,
                item,
            });
            match content_id(meta) {
                Some(id) => by_id.entry(id).or_default().push(idx),
                None => no_id.push(idx),
            }
        }

        for (id, members) in &by_id {
            self.resolve_group(id, members.as_slice(), &entries, &mut out);
        }
        let mut fallback = no_id;
        fallback.append(&mut std::mem::take(&mut out.claiming));
        let paired = self.name_time(&fallback, &entries, &mut out);
        if !paired.is_empty() {
            out.orphan_stills.retain(|(item, _)| !paired.contains(item));
        }

        // Results follow the input order (of the still, then the video): deterministic, and
        // sorting integers rather than paths keeps 1 M items well under a second
        // (benches/pairing.rs). `scan_roots` gives the files sorted by path.
        out.pairs.sort_unstable_by_key(|(k, _)| *k);
        out.orphan_stills.sort_unstable_by_key(|(k, _)| *k);
        out.orphan_videos.sort_unstable_by_key(|(k, _)| *k);
        out.conflicts
            .sort_unstable_by(|a, b| a.content_id.cmp(&b.content_id));
        Pairing {
            pairs: out.pairs.into_iter().map(|(_, p)| p).collect(),
            orphan_stills: out.orphan_stills.into_iter().map(|(_, o)| o).collect(),
            orphan_videos: out.orphan_videos.into_iter().map(|(_, o)| o).collect(),
            conflicts: out.conflicts,
        }
    }

    /// Pairs the files sharing one content identifier.
    fn resolve_group(&self, id: &str, members: &[usize], e: &[Entry<'_>], out: &mut Out) {
        // The common case, one still and one video: nothing to choose.
        if let [a, b] = members {
            let (s, v) = match (e[*a].role, e[*b].role) {
                (Role::Still, Role::Video) => (*a, *b),
                (Role::Video, Role::Still) => (*b, *a),
                _ => (usize::MAX, usize::MAX),
            };
            if s != usize::MAX {
                let n = nearness(&e[s], &e[v]);
                out.pairs
                    .push(((e[s].item, e[v].item), apple_pair(id, &e[s], &e[v], n)));
                return;
            }
        }
        let stills: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&i| e[i].role == Role::Still)
            .collect();
        let videos: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&i| e[i].role == Role::Video)
            .collect();
        let orphan = |i: usize| Orphan {
            path: e[i].path.to_path_buf(),
            content_id: id.to_owned(),
        };
        if videos.is_empty() {
            out.orphan_stills
                .extend(stills.iter().map(|&i| (e[i].item, orphan(i))));
            out.claiming.extend_from_slice(&stills);
            return;
        }
        if stills.is_empty() {
            out.orphan_videos
                .extend(videos.iter().map(|&i| (e[i].item, orphan(i))));
            return;
        }
        let conflict = |reason: ConflictReason, unpaired: Vec<usize>| {
            let mut c = Conflict {
                content_id: id.to_owned(),
                reason,
                stills: stills.iter().map(|&i| e[i].path.to_path_buf()).collect(),
                videos: videos.iter().map(|&i| e[i].path.to_path_buf()).collect(),
                unpaired: unpaired.iter().map(|&i| e[i].path.to_path_buf()).collect(),
            };
            c.stills.sort();
            c.videos.sort();
            c.unpaired.sort();
            c
        };
        if stills.len().saturating_mul(videos.len()) > self.max_group_comparisons {
            let all = stills.iter().chain(&videos).copied().collect();
            out.conflicts.push(conflict(ConflictReason::TooMany, all));
            return;
        }

        // Each still chooses its nearest video; a tie between videos is ambiguous.
        let mut chosen: Map<usize, Vec<(usize, Nearness)>> = Map::default();
        let mut unpaired: Vec<usize> = Vec::new();
        let mut ambiguous = false;
        for &s in &stills {
            let mut best: Option<(usize, Nearness)> = None;
            let mut tie = false;
            for &v in &videos {
                let n = nearness(&e[s], &e[v]);
                match best {
                    Some((_, b)) if n < b => {}
                    Some((_, b)) if n == b => tie = true,
                    _ => {
                        best = Some((v, n));
                        tie = false;
                    }
                }
            }
            match best {
                Some((v, n)) if !tie => chosen.entry(v).or_default().push((s, n)),
                _ => {
                    ambiguous = true;
                    unpaired.push(s);
                }
            }
        }

        // Each video keeps the stills of its own library: those nearest to it by place. Stills
        // further away are copies in another library whose own video is missing; linking them
        // here would cross-link libraries (immich#11947).
        let mut paired_any = false;
        for &v in &videos {
            let Some(cands) = chosen.get(&v) else {
                unpaired.push(v);
                continue;
            };
            let Some(top) = cands.iter().map(|(_, n)| n.place()).max() else {
                unpaired.push(v);
                continue;
            };
            let (near, far): (Vec<_>, Vec<_>) = cands.iter().partition(|(_, n)| n.place() == top);
            unpaired.extend(far.iter().map(|(s, _)| *s));
            // The near stills must be variants of one capture (an original and its edited
            // copy, renamed copies); otherwise which one is the video's is a guess.
            let first_norm = near.first().map(|(s, _)| e[*s].norm());
            let keep: Vec<(usize, Nearness)> =
                if near.iter().all(|(s, _)| Some(e[*s].norm()) == first_norm) {
                    near
                } else {
                    let named: Vec<_> = near
                        .iter()
                        .copied()
                        .filter(|(_, n)| n.name > NameMatch::None)
                        .collect();
                    let named_norms_agree = named
                        .first()
                        .map(|(s, _)| named.iter().all(|(t, _)| e[*t].norm() == e[*s].norm()))
                        .unwrap_or(false);
                    if named_norms_agree {
                        unpaired.extend(
                            near.iter()
                                .filter(|(_, n)| n.name == NameMatch::None)
                                .map(|(s, _)| *s),
                        );
                        named
                    } else {
                        ambiguous = true;
                        unpaired.extend(near.iter().map(|(s, _)| *s));
                        unpaired.push(v);
                        Vec::new()
                    }
                };
            for (s, n) in keep {
                paired_any = true;
                out.pairs
                    .push(((e[s].item, e[v].item), apple_pair(id, &e[s], &e[v], n)));
            }
        }

        if unpaired.is_empty() {
            return;
        }
        if !paired_any && !ambiguous {
            // Nothing paired and nothing ambiguous cannot happen with stills and videos both
            // present, but stay total: report the files as orphans.
            for i in unpaired {
                match e[i].role {
                    Role::Still => out.orphan_stills.push((e[i].item, orphan(i))),
                    Role::Video => out.orphan_videos.push((e[i].item, orphan(i))),
                }
            }
            return;
        }
        let reason = if ambiguous {
            ConflictReason::Ambiguous
        } else {
            ConflictReason::Duplicate
        };
        out.conflicts.push(conflict(reason, unpaired));
    }

    /// The fallback for files without identifiers.
    /// Returns the input positions of the stills it paired.
    fn name_time(
        &self,
        no_id: &[usize],
        e: &[Entry<'_>],
        out: &mut Out,
    ) -> HashSet<usize, foldhash::fast::RandomState> {
        let mut paired: HashSet<usize, foldhash::fast::RandomState> = HashSet::default();
        let duration_ok = |i: usize| {
            e[i].meta
                .duration_s
                .filter(|d| d.is_finite() && *d >= self.min_duration_s && *d <= self.max_duration_s)
        };
        // Videos of Live-Photo length first; stills are only looked at in their folders (most
        // photos have no short video beside them, and need no name normalisation). A file in an
        // icloudpd date folder (`lib/2021/03/07`) is grouped under the folder above the date, so
        // that a Live Photo taken at midnight whose files landed in neighbouring days still meets.
        let place = |i: usize| {
            names::date_folder(e[i].folder)
                .map_or(e[i].folder, |(above, _)| above)
                .as_os_str()
        };
        let mut groups: Map<(&OsStr, &str), (Members, Members)> = Map::default();
        let mut folders: HashSet<&OsStr, foldhash::fast::RandomState> = HashSet::default();
        for &i in no_id {
            if e[i].role == Role::Video && duration_ok(i).is_some() {
                folders.insert(place(i));
                groups.entry((place(i), e[i].norm())).or_default().1.push(i);
            }
        }
        if groups.is_empty() {
            return paired;
        }
        for &i in no_id {
            if e[i].role == Role::Still && folders.contains(place(i)) {
                if let Some(g) = groups.get_mut(&(place(i), e[i].norm())) {
                    g.0.push(i);
                }
            }
        }
        // Files of one group are in one folder, or in date folders at most a day apart.
        let near = |s: usize, v: usize| {
            same_folder(e[s].folder, e[v].folder)
                || match (
                    names::date_folder(e[s].folder),
                    names::date_folder(e[v].folder),
                ) {
                    (Some((a, x)), Some((b, y))) => {
                        same_folder(a, b) && (x - y).num_days().abs() <= 1
                    }
                    _ => false,
                }
        };
        for (stills, videos) in groups.values() {
            let (stills, videos) = (stills.as_slice(), videos.as_slice());
            if stills.is_empty()
                || stills.len().saturating_mul(videos.len()) > self.max_group_comparisons
            {
                continue;
            }
            let mut cands: Vec<(f64, usize, usize, TimeMatch, f64)> = Vec::new();
            for &v in videos {
                let Some(d) = duration_ok(v) else { continue };
                for &s in stills {
                    if !near(s, v) {
                        continue;
                    }
                    if let Some(t) = time_match(e[s].meta, e[v].meta) {
                        if t.seconds <= self.max_time_delta_s {
                            cands.push((t.seconds, s, v, t, d));
                        }
                    }
                }
            }
            if let [(_, s, v, t, d)] = cands[..] {
                paired.insert(e[s].item);
                out.pairs.push((
                    (e[s].item, e[v].item),
                    self.name_time_pair(&e[s], &e[v], t, d),
                ));
                continue;
            }
            // Closest in time first, then identical names; each file in at most one pair.
            let exact = |s: usize, v: usize| !e[s].stem.eq_ignore_ascii_case(e[v].stem);
            cands.sort_by(|a, b| {
                a.0.total_cmp(&b.0)
                    .then(exact(a.1, a.2).cmp(&exact(b.1, b.2)))
                    .then(a.1.cmp(&b.1))
                    .then(a.2.cmp(&b.2))
            });
            let mut used: HashSet<usize, foldhash::fast::RandomState> = HashSet::default();
            for (_, s, v, t, d) in cands {
                if used.contains(&s) || used.contains(&v) {
                    continue;
                }
                used.insert(s);
                used.insert(v);
                paired.insert(e[s].item);
                out.pairs.push((
                    (e[s].item, e[v].item),
                    self.name_time_pair(&e[s], &e[v], t, d),
                ));
            }
        }
        paired
    }

    fn name_time_pair(&self, s: &Entry<'_>, v: &Entry<'_>, t: TimeMatch, duration: f64) -> Pair {
        let exact = s.stem.eq_ignore_ascii_case(v.stem);
        let same_folder = same_folder(s.folder, v.folder);
        let mut confidence: f64 = 0.7;
        if !exact {
            confidence -= 0.05;
        }
        if !same_folder {
            confidence -= 0.05;
        }
        match t.basis {
            TimeBasis::Utc | TimeBasis::Local => {}
            TimeBasis::OffsetUnknown => confidence -= 0.15,
        }
        // Up to 0.1 less as the times drift apart within the tolerance.
        if self.max_time_delta_s > 0.0 {
            confidence -= 0.1 * (t.seconds / self.max_time_delta_s).clamp(0.0, 1.0);
        }
        let mut evidence = vec![
            if same_folder {
                Evidence::SameFolder
            } else {
                Evidence::OtherFolder {
                    common_ancestor: common_ancestor(s.folder, v.folder),
                }
            },
            name_evidence(s, v),
            Evidence::Duration {
                seconds: round3(duration),
            },
            Evidence::TimeDelta {
                seconds: round3(t.seconds),
                basis: t.basis,
            },
        ];
        if let Some(id) = content_id(s.meta) {
            evidence.push(Evidence::StillIdWithoutVideo {
                id: id.into_owned(),
            });
        }
        Pair {
            still: s.path.to_path_buf(),
            video: v.path.to_path_buf(),
            kind: PairKind::NameTime,
            confidence: round3(confidence),
            evidence,
        }
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn name_evidence(s: &Entry<'_>, v: &Entry<'_>) -> Evidence {
    if s.stem.eq_ignore_ascii_case(v.stem) {
        Evidence::SameName
    } else if names::is_apple_edited(s.stem) && !names::is_apple_edited(v.stem) {
        Evidence::EditedVariant
    } else if names::is_icloudpd_decorated(s.stem) || names::is_icloudpd_decorated(v.stem) {
        Evidence::IcloudpdName
    } else {
        Evidence::RenamedCopy
    }
}

fn apple_pair(id: &str, s: &Entry<'_>, v: &Entry<'_>, n: Nearness) -> Pair {
    let mut evidence = vec![Evidence::ContentId { id: id.to_owned() }];
    let mut confidence: f64 = 1.0;
    if n.same_folder {
        evidence.push(Evidence::SameFolder);
    } else {
        evidence.push(Evidence::OtherFolder {
            common_ancestor: common_ancestor(s.folder, v.folder),
        });
        confidence -= 0.03;
    }
    match n.name {
        NameMatch::Exact => evidence.push(Evidence::SameName),
        NameMatch::Variant => {
            evidence.push(name_evidence(s, v));
            confidence -= 0.02;
        }
        NameMatch::None => confidence -= 0.04,
    }
    Pair {
        still: s.path.to_path_buf(),
        video: v.path.to_path_buf(),
        kind: PairKind::AppleLive,
        confidence: round3(confidence),
        evidence,
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct TimeMatch {
    pub(crate) seconds: f64,
    pub(crate) basis: TimeBasis,
}

/// Capture-time candidates worth comparing: the chosen capture time and the original /
/// digitized / QuickTime creation times (not modification or file times).
fn capture_times(m: &Metadata) -> impl Iterator<Item = CaptureTime> + '_ {
    m.capture.iter().map(|c| c.value).chain(
        m.times
            .iter()
            .filter(|t| {
                matches!(
                    t.kind,
                    TimeKind::Original
                        | TimeKind::Digitized
                        | TimeKind::QuickTimeCreation
                        | TimeKind::MovieHeader
                )
            })
            .map(|t| t.time),
    )
}

/// The closest agreement between the still's and the video's capture times, preferring a
/// comparison on a known basis over an offset guess.
pub(crate) fn time_match(still: &Metadata, video: &Metadata) -> Option<TimeMatch> {
    let mut best: Option<TimeMatch> = None;
    let mut consider = |m: TimeMatch| {
        let better = match best {
            None => true,
            Some(b) => {
                let rank = |x: TimeBasis| matches!(x, TimeBasis::OffsetUnknown) as u8;
                (rank(m.basis), m.seconds) < (rank(b.basis), b.seconds)
            }
        };
        if better {
            best = Some(m);
        }
    };
    for a in capture_times(still) {
        for b in capture_times(video) {
            if let (Some(x), Some(y)) = (instant(&a), instant(&b)) {
                consider(TimeMatch {
                    seconds: secs((x - y).num_milliseconds()),
                    basis: TimeBasis::Utc,
                });
            } else if let (Some(x), Some(y)) = (wall(&a), wall(&b)) {
                consider(TimeMatch {
                    seconds: secs((x - y).num_milliseconds()),
                    basis: TimeBasis::Local,
                });
            } else if let (Some(x), Some(y)) = (wall(&a).or(wall(&b)), instant(&a).or(instant(&b)))
            {
                // Floating local time against an instant: some zone offset (a whole quarter
                // hour within ±14 h) must explain the difference.
                let diff = (x - y.naive_utc()).num_milliseconds();
                const Q: i64 = 15 * 60 * 1000;
                if diff.unsigned_abs() <= 14 * 3600 * 1000 + 60_000 {
                    let rem = diff.rem_euclid(Q);
                    let off = rem.min(Q - rem);
                    consider(TimeMatch {
                        seconds: secs(off),
                        basis: TimeBasis::OffsetUnknown,
                    });
                }
            }
        }
    }
    best
}

/// The local wall-clock time where the capture happened, when known (not for a bare UTC
/// instant). Matched here rather than through `CaptureTime::local`, whose meaning for UTC
/// values is the UTC wall time.
fn wall(t: &CaptureTime) -> Option<NaiveDateTime> {
    match t {
        CaptureTime::Zoned { time } => Some(time.naive_local()),
        CaptureTime::Floating { time } => Some(*time),
        CaptureTime::Utc { .. } => None,
    }
}

/// The instant, when known (not for a floating local time).
fn instant(t: &CaptureTime) -> Option<DateTime<Utc>> {
    match t {
        CaptureTime::Zoned { time } => Some(time.with_timezone(&Utc)),
        CaptureTime::Floating { .. } => None,
        CaptureTime::Utc { time } => Some(*time),
    }
}

fn secs(ms: i64) -> f64 {
    ms.unsigned_abs() as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use albumen_meta::{MotionPhoto, Source, Sourced};
    use chrono::{DateTime, NaiveDateTime};

    const ID: &str = "ED69AFC7-A2EB-4FE9-88A0-54293FC2478F";

    fn still(id: Option<&str>) -> Metadata {
        let mut m = Metadata::default();
        m.format = Some(Format::Heic);
        m.content_id = id.map(str::to_owned);
        m
    }
    fn video(id: Option<&str>) -> Metadata {
        let mut m = Metadata::default();
        m.format = Some(Format::Mov);
        m.content_id = id.map(str::to_owned);
        m.duration_s = Some(2.6);
        m
    }
    fn floating(s: &str) -> Option<Sourced<CaptureTime>> {
        let time = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap();
        Some(Sourced::new(
            CaptureTime::Floating { time },
            Source::ExifIfd,
        ))
    }
    fn zoned(s: &str) -> Option<Sourced<CaptureTime>> {
        let time = DateTime::parse_from_rfc3339(s).unwrap();
        Some(Sourced::new(
            CaptureTime::Zoned { time },
            Source::QuickTimeKeys,
        ))
    }
    fn utc(s: &str) -> Option<Sourced<CaptureTime>> {
        let time = DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        Some(Sourced::new(
            CaptureTime::Utc { time },
            Source::QuickTimeMvhd,
        ))
    }
    fn run(items: &[(&str, &Metadata)]) -> Pairing {
        pair(items.iter().map(|(p, m)| (*p, *m)))
    }
    fn pairs(p: &Pairing) -> Vec<(&str, &str, PairKind)> {
        p.pairs
            .iter()
            .map(|x| (x.still.to_str().unwrap(), x.video.to_str().unwrap(), x.kind))
            .collect()
    }

    #[test]
    fn plain_pair_and_edited_copy() {
        let (s, v) = (still(Some(ID)), video(Some(ID)));
        let p = run(&[
            ("a/IMG_1.HEIC", &s),
            ("a/IMG_E1.HEIC", &s),
            ("a/IMG_1.MOV", &v),
        ]);
        assert_eq!(
            pairs(&p),
            [
                ("a/IMG_1.HEIC", "a/IMG_1.MOV", PairKind::AppleLive),
                ("a/IMG_E1.HEIC", "a/IMG_1.MOV", PairKind::AppleLive)
            ]
        );
        assert!(p.pairs[1].evidence.contains(&Evidence::EditedVariant));
        assert!(p.pairs[0].confidence > p.pairs[1].confidence);
        assert!(p.orphan_stills.is_empty() && p.conflicts.is_empty());
    }

    /// immich#5473: a rotated still or a loop/bounce effect (a longer, re-encoded video) is still
    /// one Live Photo: the identifier decides, not dimensions or duration.
    #[test]
    fn rotated_or_effect_live_photo_pairs_by_id() {
        let mut s = still(Some(ID));
        s.orientation = albumen_meta::Orientation::new(6);
        s.width = Some(4032);
        s.height = Some(3024);
        let mut v = video(Some(ID));
        v.duration_s = Some(12.0);
        v.width = Some(1080);
        v.height = Some(1920);
        let p = run(&[("a/IMG_7.HEIC", &s), ("a/IMG_7.MOV", &v)]);
        assert_eq!(
            pairs(&p),
            [("a/IMG_7.HEIC", "a/IMG_7.MOV", PairKind::AppleLive)]
        );
    }

    #[test]
    fn identifier_case_and_whitespace_do_not_matter() {
        let (s, v) = (
            still(Some(&ID.to_lowercase())),
            video(Some(&format!(" {ID} "))),
        );
        let p = run(&[("a/x.HEIC", &s), ("b/y.MOV", &v)]);
        assert_eq!(p.pairs.len(), 1);
        assert_eq!(
            p.pairs[0].evidence[0],
            Evidence::ContentId { id: ID.into() }
        );
    }

    #[test]
    fn renamed_export_in_other_folder() {
        let (s, v) = (still(Some(ID)), video(Some(ID)));
        let p = run(&[
            ("lib/exports/Boston harbour.heic", &s),
            ("lib/videos/clip 0007.mov", &v),
        ]);
        assert_eq!(pairs(&p).len(), 1);
        let e = &p.pairs[0].evidence;
        assert!(e.contains(&Evidence::OtherFolder {
            common_ancestor: "lib".into()
        }));
        assert!(p.pairs[0].confidence >= 0.9);
    }

    #[test]
    fn renamed_copy_suffix() {
        let (s, v) = (still(Some(ID)), video(Some(ID)));
        let p = run(&[("a/IMG_1 (1).HEIC", &s), ("a/IMG_1.MOV", &v)]);
        assert_eq!(pairs(&p).len(), 1);
        assert!(p.pairs[0].evidence.contains(&Evidence::RenamedCopy));
    }

    #[test]
    fn same_pair_in_two_libraries_is_not_cross_linked() {
        let (s, v) = (still(Some(ID)), video(Some(ID)));
        let p = run(&[
            ("A/2020/IMG_1.HEIC", &s),
            ("A/2020/IMG_1.MOV", &v),
            ("B/backup/IMG_1.HEIC", &s),
            ("B/backup/IMG_1.MOV", &v),
        ]);
        assert_eq!(
            pairs(&p),
            [
                ("A/2020/IMG_1.HEIC", "A/2020/IMG_1.MOV", PairKind::AppleLive),
                (
                    "B/backup/IMG_1.HEIC",
                    "B/backup/IMG_1.MOV",
                    PairKind::AppleLive
                )
            ]
        );
        assert!(p.conflicts.is_empty());
    }

    #[test]
    fn duplicate_still_without_its_video_is_a_conflict_not_a_pair() {
        let (s, v) = (still(Some(ID)), video(Some(ID)));
        let p = run(&[
            ("A/2020/IMG_1.HEIC", &s),
            ("A/2020/IMG_1.MOV", &v),
            ("B/IMG_1.HEIC", &s),
        ]);
        assert_eq!(
            pairs(&p),
            [("A/2020/IMG_1.HEIC", "A/2020/IMG_1.MOV", PairKind::AppleLive)]
        );
        assert_eq!(p.conflicts.len(), 1);
        assert_eq!(p.conflicts[0].reason, ConflictReason::Duplicate);
        assert_eq!(p.conflicts[0].unpaired, [PathBuf::from("B/IMG_1.HEIC")]);
        assert_eq!(p.conflicts[0].stills.len(), 2);
    }

    #[test]
    fn duplicate_video_elsewhere_is_a_conflict() {
        let (s, v) = (still(Some(ID)), video(Some(ID)));
        let p = run(&[
            ("A/IMG_1.HEIC", &s),
            ("A/IMG_1.MOV", &v),
            ("B/IMG_1.MOV", &v),
        ]);
        assert_eq!(
            pairs(&p),
            [("A/IMG_1.HEIC", "A/IMG_1.MOV", PairKind::AppleLive)]
        );
        assert_eq!(p.conflicts[0].unpaired, [PathBuf::from("B/IMG_1.MOV")]);
    }

    #[test]
    fn unrelated_stills_equally_near_are_ambiguous() {
        let (s, v) = (still(Some(ID)), video(Some(ID)));
        let p = run(&[
            ("A/x/red.HEIC", &s),
            ("A/x/blue.HEIC", &s),
            ("A/y/clip.MOV", &v),
        ]);
        assert!(p.pairs.is_empty());
        assert_eq!(p.conflicts.len(), 1);
        assert_eq!(p.conflicts[0].reason, ConflictReason::Ambiguous);
        assert_eq!(p.conflicts[0].unpaired.len(), 3);
    }

    #[test]
    fn tie_between_two_videos_is_ambiguous() {
        let (s, v) = (still(Some(ID)), video(Some(ID)));
        let p = run(&[("A/s/x.HEIC", &s), ("A/v1/y.MOV", &v), ("A/v2/z.MOV", &v)]);
        assert!(p.pairs.is_empty());
        assert_eq!(p.conflicts[0].reason, ConflictReason::Ambiguous);
    }

    #[test]
    fn orphans() {
        let (s, v) = (
            still(Some(ID)),
            video(Some("5A1D2B3C-0000-4F00-8000-ABCDEF012345")),
        );
        let plain = video(None);
        let p = run(&[
            ("a/IMG_1.HEIC", &s),
            ("b/IMG_9.MOV", &v),
            ("b/holiday.MOV", &plain),
        ]);
        assert!(p.pairs.is_empty());
        assert_eq!(p.orphan_stills[0].path, PathBuf::from("a/IMG_1.HEIC"));
        assert_eq!(p.orphan_videos.len(), 1);
        assert_eq!(p.orphan_videos[0].path, PathBuf::from("b/IMG_9.MOV"));
    }

    #[test]
    fn too_many_sharers_are_bounded() {
        let (s, v) = (still(Some(ID)), video(Some(ID)));
        let names: Vec<(String, bool)> =
            (0..600).map(|i| (format!("d/f{i}"), i % 2 == 0)).collect();
        let items: Vec<(&str, &Metadata)> = names
            .iter()
            .map(|(n, st)| (n.as_str(), if *st { &s } else { &v }))
            .collect();
        let p = Pairer {
            max_group_comparisons: 1000,
            ..Pairer::default()
        }
        .pair(items);
        assert!(p.pairs.is_empty());
        assert_eq!(p.conflicts[0].reason, ConflictReason::TooMany);
    }

    #[test]
    fn name_time_fallback() {
        let mut s = still(None);
        s.format = Some(Format::Jpeg);
        s.capture = floating("2014-09-16 14:05:12");
        let mut v = video(None);
        v.duration_s = Some(2.803);
        v.capture = zoned("2014-09-16T14:05:12+01:00");
        let (s2, v2) = (still(Some(ID)), video(Some(ID)));
        let p = run(&[
            ("n/IMG_0042.JPG", &s),
            ("n/IMG_0042.MOV", &v),
            ("a/IMG_1.HEIC", &s2),
            ("a/IMG_1.MOV", &v2),
        ]);
        let nt: Vec<_> = p
            .pairs
            .iter()
            .filter(|x| x.kind == PairKind::NameTime)
            .collect();
        assert_eq!(nt.len(), 1);
        assert_eq!(nt[0].still, PathBuf::from("n/IMG_0042.JPG"));
        let apple_min = p
            .pairs
            .iter()
            .filter(|x| x.kind == PairKind::AppleLive)
            .map(|x| x.confidence)
            .fold(f64::INFINITY, f64::min);
        assert!(nt[0].confidence < apple_min);
        assert!(nt[0].evidence.contains(&Evidence::TimeDelta {
            seconds: 0.0,
            basis: TimeBasis::Local
        }));
    }

    /// The still kept its identifier, the video lost it: the name-time fallback still pairs them
    /// and the still is no longer an orphan.
    #[test]
    fn still_id_without_video_falls_back_to_name_time() {
        let mut s = still(Some(ID));
        s.capture = floating("2014-09-16 14:05:12");
        let mut v = video(None);
        v.capture = zoned("2014-09-16T14:05:13+01:00");
        let p = run(&[("n/IMG_1.HEIC", &s), ("n/IMG_1.MOV", &v)]);
        assert_eq!(
            pairs(&p),
            [("n/IMG_1.HEIC", "n/IMG_1.MOV", PairKind::NameTime)]
        );
        assert!(p.orphan_stills.is_empty());
        assert!(p.pairs[0]
            .evidence
            .contains(&Evidence::StillIdWithoutVideo { id: ID.into() }));
        // A far-off video leaves it an orphan.
        v.capture = zoned("2014-09-17T14:05:13+01:00");
        let p = run(&[("n/IMG_1.HEIC", &s), ("n/IMG_1.MOV", &v)]);
        assert!(p.pairs.is_empty());
        assert_eq!(p.orphan_stills.len(), 1);
    }

    /// immich#14459: a same-name video of another day is not the still's.
    #[test]
    fn same_name_far_off_date_is_not_paired() {
        let mut s = still(None);
        s.capture = floating("2012-09-29 16:11:25");
        let mut v = video(None);
        v.duration_s = Some(2.5);
        v.capture = zoned("2012-09-30T16:11:25-07:00");
        assert!(run(&[("n/IMG_0043.JPG", &s), ("n/IMG_0043.MOV", &v)])
            .pairs
            .is_empty());
        // Right time, but a 4 s video is not a Live Photo's.
        v.capture = zoned("2012-09-29T16:11:25-07:00");
        v.duration_s = Some(4.004);
        assert!(run(&[("n/IMG_0043.JPG", &s), ("n/IMG_0043.MOV", &v)])
            .pairs
            .is_empty());
        // No times at all: no pair.
        let (s0, mut v0) = (still(None), video(None));
        v0.duration_s = Some(2.0);
        assert!(run(&[("n/IMG_1.JPG", &s0), ("n/IMG_1.MOV", &v0)])
            .pairs
            .is_empty());
        // Different folders: no pair.
        v.duration_s = Some(2.5);
        assert!(run(&[("n/IMG_0043.JPG", &s), ("m/IMG_0043.MOV", &v)])
            .pairs
            .is_empty());
    }

    #[test]
    fn name_time_with_unknown_offset_is_weaker() {
        let mut s = still(None);
        s.capture = floating("2014-09-16 14:05:12");
        let mut v = video(None);
        v.capture = utc("2014-09-16T13:05:13Z");
        let p = run(&[("n/IMG_1.JPG", &s), ("n/IMG_1.MOV", &v)]);
        assert_eq!(p.pairs.len(), 1);
        assert!(p.pairs[0].confidence < 0.6);
        assert!(p.pairs[0].evidence.contains(&Evidence::TimeDelta {
            seconds: 1.0,
            basis: TimeBasis::OffsetUnknown
        }));
        // 20 minutes off is not explained by any zone.
        v.capture = utc("2014-09-16T13:25:12Z");
        assert!(run(&[("n/IMG_1.JPG", &s), ("n/IMG_1.MOV", &v)])
            .pairs
            .is_empty());
    }

    /// A still and its video as icloudpd names them, without identifiers: `(still, video)`
    /// paths, the still's local time and the video's, 2.8 s long.
    fn icloudpd_pair(still_t: &str, video_t: &str) -> (Metadata, Metadata) {
        let mut s = still(None);
        s.format = Some(Format::Jpeg);
        s.capture = floating(still_t);
        let mut v = video(None);
        v.duration_s = Some(2.803);
        v.capture = floating(video_t);
        (s, v)
    }

    /// icloud-photos-downloader#500 / #1065: `IMG_0042.JPG` with `IMG_0042_HEVC.MOV` (and
    /// `_HEIC` from older versions), in `YYYY/MM/DD` folders, pair by name and time.
    #[test]
    fn icloudpd_hevc_suffix_pairs_by_name_and_time() {
        let (s, v) = icloudpd_pair("2014-09-16 14:05:12", "2014-09-16 14:05:12");
        for video_name in [
            "IMG_0042_HEVC.MOV",
            "IMG_0042_HEIC.MOV",
            "IMG_0042_hevc.mov",
        ] {
            let video_path = format!("anna/2014/09/16/{video_name}");
            let p = run(&[
                ("anna/2014/09/16/IMG_0042.JPG", &s),
                (video_path.as_str(), &v),
            ]);
            assert_eq!(
                pairs(&p),
                [(
                    "anna/2014/09/16/IMG_0042.JPG",
                    video_path.as_str(),
                    PairKind::NameTime
                )]
            );
            assert!(p.pairs[0].evidence.contains(&Evidence::IcloudpdName));
            assert!(p.pairs[0].evidence.contains(&Evidence::SameFolder));
        }
    }

    /// De-duplication ids on either file or both: `FullSizeRender-1111111.JPG` with
    /// `FullSizeRender_HEVC-2222222.MOV`, in a `YYYY-MM-DD` folder.
    #[test]
    fn icloudpd_dedup_ids_pair_on_either_file() {
        let (s, v) = icloudpd_pair("2021-03-07 10:00:00", "2021-03-07 10:00:01");
        for (still_name, video_name) in [
            (
                "FullSizeRender-1111111.JPG",
                "FullSizeRender_HEVC-2222222.MOV",
            ),
            ("FullSizeRender.JPG", "FullSizeRender_HEVC-2222222.MOV"),
            ("FullSizeRender-1111111.JPG", "FullSizeRender_HEVC.MOV"),
            ("IMG_0042-1884695.JPG", "IMG_0042-4559592.MOV"),
        ] {
            let (sp, vp) = (
                format!("anna/2021-03-07/{still_name}"),
                format!("anna/2021-03-07/{video_name}"),
            );
            let p = run(&[(sp.as_str(), &s), (vp.as_str(), &v)]);
            assert_eq!(
                pairs(&p),
                [(sp.as_str(), vp.as_str(), PairKind::NameTime)],
                "{still_name} + {video_name}"
            );
            assert!(p.pairs[0].evidence.contains(&Evidence::IcloudpdName));
        }
    }

    /// Identifiers first: icloudpd names with Apple's content identifier are `apple-live` pairs
    /// (the names only add evidence), whatever the de-duplication ids.
    #[test]
    fn icloudpd_names_with_identifiers_are_apple_pairs() {
        let (s, v) = (still(Some(ID)), video(Some(ID)));
        let p = run(&[
            ("anna/2020/05/04/FullSizeRender-2369959.HEIC", &s),
            ("anna/2020/05/04/FullSizeRender_HEVC-4559592.MOV", &v),
        ]);
        assert_eq!(p.pairs.len(), 1);
        assert_eq!(p.pairs[0].kind, PairKind::AppleLive);
        assert!(p.pairs[0].evidence.contains(&Evidence::IcloudpdName));
        assert!(p.pairs[0].confidence >= 0.9);
    }

    /// A same-name decoy: `IMG_0043_HEVC.MOV` a day later and 4 s long is not the still's, and
    /// several `FullSizeRender` files of one folder pair one to one by time.
    #[test]
    fn icloudpd_decoys_do_not_pair() {
        let (s, mut v) = icloudpd_pair("2012-09-29 16:11:25", "2012-09-30 16:11:25");
        v.duration_s = Some(4.004);
        assert!(run(&[
            ("anna/2012/09/29/IMG_0043.JPG", &s),
            ("anna/2012/09/29/IMG_0043_HEVC.MOV", &v),
        ])
        .pairs
        .is_empty());
        let (s1, v1) = icloudpd_pair("2021-03-07 10:00:00", "2021-03-07 10:00:00");
        let (s2, v2) = icloudpd_pair("2021-03-07 12:00:00", "2021-03-07 12:00:01");
        let p = run(&[
            ("d/2021-03-07/FullSizeRender-1000001.JPG", &s1),
            ("d/2021-03-07/FullSizeRender-1000002.JPG", &s2),
            ("d/2021-03-07/FullSizeRender_HEVC-2000001.MOV", &v2),
            ("d/2021-03-07/FullSizeRender_HEVC-2000002.MOV", &v1),
        ]);
        assert_eq!(
            pairs(&p),
            [
                (
                    "d/2021-03-07/FullSizeRender-1000001.JPG",
                    "d/2021-03-07/FullSizeRender_HEVC-2000002.MOV",
                    PairKind::NameTime
                ),
                (
                    "d/2021-03-07/FullSizeRender-1000002.JPG",
                    "d/2021-03-07/FullSizeRender_HEVC-2000001.MOV",
                    PairKind::NameTime
                )
            ]
        );
        // Numbers that are not de-duplication ids are names: no pair.
        let (s, v) = icloudpd_pair("2021-03-07 10:00:00", "2021-03-07 10:00:00");
        assert!(run(&[("d/DSC-1234.JPG", &s), ("d/DSC-1235.MOV", &v)])
            .pairs
            .is_empty());
    }

    /// A Live Photo taken at midnight whose files landed in neighbouring date folders still
    /// pairs (weaker, with the common folder as evidence); two days apart it does not.
    #[test]
    fn icloudpd_neighbouring_date_folders() {
        let (s, v) = icloudpd_pair("2021-03-07 23:59:59", "2021-03-08 00:00:01");
        for (sp, vp) in [
            ("a/2021/03/07/IMG_1.JPG", "a/2021/03/08/IMG_1_HEVC.MOV"),
            ("a/2021-03-07/IMG_1.JPG", "a/2021-03-08/IMG_1_HEVC.MOV"),
        ] {
            let p = run(&[(sp, &s), (vp, &v)]);
            assert_eq!(pairs(&p), [(sp, vp, PairKind::NameTime)]);
            assert!(p.pairs[0]
                .evidence
                .iter()
                .any(|e| matches!(e, Evidence::OtherFolder { .. })));
            assert!(p.pairs[0].confidence < 0.7);
        }
        for (sp, vp) in [
            ("a/2021/03/06/IMG_1.JPG", "a/2021/03/08/IMG_1_HEVC.MOV"),
            ("a/2021/03/07/IMG_1.JPG", "b/2021/03/08/IMG_1_HEVC.MOV"),
            ("a/x/IMG_1.JPG", "a/2021/03/08/IMG_1_HEVC.MOV"),
        ] {
            assert!(run(&[(sp, &s), (vp, &v)]).pairs.is_empty(), "{sp} {vp}");
        }
    }

    #[test]
    fn name_time_pairs_one_to_one() {
        let mut s = still(None);
        s.capture = floating("2020-01-01 10:00:00");
        let mut v1 = video(None);
        v1.capture = floating("2020-01-01 10:00:01");
        let mut v2 = v1.clone();
        v2.capture = floating("2020-01-01 10:00:03");
        let p = run(&[
            ("n/IMG_1.JPG", &s),
            ("n/IMG_1.MOV", &v1),
            ("n/IMG_1 (1).MOV", &v2),
        ]);
        assert_eq!(
            pairs(&p),
            [("n/IMG_1.JPG", "n/IMG_1.MOV", PairKind::NameTime)]
        );
    }

    #[test]
    fn motion_photo_is_its_own_pair() {
        let mut m = still(None);
        m.format = Some(Format::Jpeg);
        m.motion_photo = Some(MotionPhoto {
            video_offset: 100,
            video_length: 50,
            kind: MotionPhotoKind::Google,
        });
        let p = run(&[("m/PXL.MP.jpg", &m)]);
        assert_eq!(
            pairs(&p),
            [("m/PXL.MP.jpg", "m/PXL.MP.jpg", PairKind::MotionPhoto)]
        );
        assert!(p.pairs[0].confidence >= 0.9);
    }

    #[test]
    fn non_media_is_ignored() {
        let mut x = Metadata::default();
        x.format = Some(Format::Xmp);
        x.content_id = Some(ID.into());
        let v = video(Some(ID));
        let p = run(&[("a/IMG_1.xmp", &x), ("a/IMG_1.MOV", &v)]);
        assert!(p.pairs.is_empty());
        assert_eq!(p.orphan_videos.len(), 1);
    }

    #[test]
    fn units_keep_stills_with_their_video() {
        let (s, v) = (still(Some(ID)), video(Some(ID)));
        let mut m = still(None);
        m.motion_photo = Some(MotionPhoto {
            video_offset: 10,
            video_length: 10,
            kind: MotionPhotoKind::Samsung,
        });
        let p = run(&[
            ("a/IMG_1.HEIC", &s),
            ("a/IMG_E1.HEIC", &s),
            ("a/IMG_1.MOV", &v),
            ("a/m.heic", &m),
        ]);
        let units: Vec<Vec<&str>> = p
            .units()
            .iter()
            .map(|u| u.iter().map(|x| x.to_str().unwrap()).collect())
            .collect();
        assert_eq!(
            units,
            [
                vec!["a/IMG_1.HEIC", "a/IMG_E1.HEIC", "a/IMG_1.MOV"],
                vec!["a/m.heic"]
            ]
        );
    }

    #[test]
    fn json_shape() {
        let (s, v) = (still(Some(ID)), video(Some(ID)));
        let p = run(&[("a/IMG_1.HEIC", &s), ("a/IMG_1.MOV", &v)]);
        let j = serde_json::to_value(&p).unwrap();
        let obj = j.as_object().unwrap();
        let mut keys: Vec<_> = obj.keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(
            keys,
            ["conflicts", "orphan_stills", "orphan_videos", "pairs"]
        );
        let p0 = &j["pairs"][0];
        assert_eq!(p0["still"], "a/IMG_1.HEIC");
        assert_eq!(p0["video"], "a/IMG_1.MOV");
        assert_eq!(p0["kind"], "apple-live");
        assert_eq!(p0["confidence"], 1.0);
        assert_eq!(p0["evidence"][0]["type"], "content-id");
        assert_eq!(p0["evidence"][0]["id"], ID);
    }

    #[test]
    fn output_is_deterministic() {
        let (s, v) = (still(Some(ID)), video(Some(ID)));
        let a = run(&[
            ("b/IMG_1.HEIC", &s),
            ("b/IMG_1.MOV", &v),
            ("a/IMG_1.HEIC", &s),
            ("a/IMG_1.MOV", &v),
        ]);
        let b = run(&[
            ("b/IMG_1.HEIC", &s),
            ("b/IMG_1.MOV", &v),
            ("a/IMG_1.HEIC", &s),
            ("a/IMG_1.MOV", &v),
        ]);
        assert_eq!(a, b);
        // Results follow the input order.
        assert_eq!(a.pairs[0].still, PathBuf::from("b/IMG_1.HEIC"));
    }
}
