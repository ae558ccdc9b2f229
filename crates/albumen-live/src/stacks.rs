//! Stacks: several files of one shot shown, copied and removed as one item.
//!
//! Three kinds, each made only on agreeing evidence read from the files (never on names alone):
//! - [`StackKind::RawJpeg`]: a raw file and a JPEG/HEIC beside it with the same stem (a camera
//!   in RAW+JPEG mode), from the same camera (model, and serial number when both carry one)
//!   with capture times within [`Stacker::max_time_delta_s`]. A same-stem file from another
//!   camera or another time, or one without a readable model or time, is not a twin.
//! - [`StackKind::Edited`]: an edited version beside its original (`NAME-edited.jpg` as Google
//!   Photos exports it, Apple's `IMG_E1234` when no Live Photo video claims it), with the same
//!   capture time or the same Apple content identifier.
//! - [`StackKind::Burst`]: stills of one burst: Apple's `BurstUUID` (maker note), or burst names
//!   (`…_BURST20190830123456789…` from Google cameras, `…_Burst01` from Samsung) whose capture
//!   times follow each other within [`Stacker::max_burst_gap_s`].
//!
//! Files are grouped by hash maps keyed by folder and name, so the work is linear in the
//! number of files; groups larger than the configured caps are left alone rather than compared
//! pairwise. Files already in a Live Photo pair are never stacked as edits or bursts (the pair
//! is already their unit).

use std::borrow::Borrow;
use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::fmt;
use std::path::{Path, PathBuf};

use albumen_meta::{Format, Metadata};
use serde::{Serialize, Serializer};

use crate::names;
use crate::pairing::{time_match, TimeBasis};
use crate::Pairing;

/// What ties the files of a stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum StackKind {
    /// A raw file and the JPEG/HEIC the camera wrote beside it.
    RawJpeg,
    /// An edited version and its original.
    Edited,
    /// The stills of one burst.
    Burst,
}

impl StackKind {
    /// The name used in JSON and in the index (`raw-jpeg`, `edited`, `burst`).
    pub fn as_str(self) -> &'static str {
        match self {
            StackKind::RawJpeg => "raw-jpeg",
            StackKind::Edited => "edited",
            StackKind::Burst => "burst",
        }
    }

    /// The inverse of [`StackKind::as_str`].
    pub fn parse(s: &str) -> Option<StackKind> {
        match s {
            "raw-jpeg" => Some(StackKind::RawJpeg),
            "edited" => Some(StackKind::Edited),
            "burst" => Some(StackKind::Burst),
            _ => None,
        }
    }
}

impl fmt::Display for StackKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One reason the files of a stack belong together.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum StackEvidence {
    /// All members are in one folder.
    SameFolder,
    /// All members have the same stem (name without extension), case-insensitively.
    SameStem,
    /// Both files name this camera model.
    SameCamera {
        /// The model as the face's metadata gives it.
        model: String,
    },
    /// Both files carry this camera serial number.
    SameSerial {
        /// The serial number.
        serial: String,
    },
    /// The capture times differ by this much.
    TimeDelta {
        /// Absolute difference in seconds.
        seconds: f64,
        /// How the times were compared.
        basis: TimeBasis,
    },
    /// Both files carry this Apple content identifier.
    ContentId {
        /// The identifier (upper-cased).
        id: String,
    },
    /// The face's name marks it as an edited version of the original's.
    EditedName {
        /// The marker: `-edited` (or a localised export suffix) or `IMG_E`.
        marker: String,
    },
    /// Every member carries this Apple `BurstUUID`.
    BurstId {
        /// The identifier (upper-cased).
        id: String,
    },
    /// Every member's name carries this burst marker.
    BurstName {
        /// The part of the names the members share (lower case).
        key: String,
    },
    /// The first and the last capture of the burst are this far apart.
    BurstSpan {
        /// Seconds.
        seconds: f64,
    },
}

impl fmt::Display for StackEvidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StackEvidence::SameFolder => f.write_str("same folder"),
            StackEvidence::SameStem => f.write_str("same stem"),
            StackEvidence::SameCamera { model } => write!(f, "same camera {model}"),
            StackEvidence::SameSerial { serial } => write!(f, "same serial {serial}"),
            StackEvidence::TimeDelta { seconds, .. } => write!(f, "times {seconds:.1} s apart"),
            StackEvidence::ContentId { id } => write!(f, "content id {id}"),
            StackEvidence::EditedName { marker } => write!(f, "edited name ({marker})"),
            StackEvidence::BurstId { id } => write!(f, "burst {id}"),
            StackEvidence::BurstName { key } => write!(f, "burst name {key}"),
            StackEvidence::BurstSpan { seconds } => write!(f, "burst over {seconds:.1} s"),
        }
    }
}

/// Files shown as one item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stack {
    /// What ties the files.
    pub kind: StackKind,
    /// The file that stands for the stack (the JPEG of RAW+JPEG, the edited version, the cover
    /// or first still of a burst).
    #[serde(serialize_with = "ser_path")]
    pub face: PathBuf,
    /// Every file of the stack, the face first, the others in path order.
    #[serde(serialize_with = "ser_paths")]
    pub members: Vec<PathBuf>,
    /// The reasons, strongest first.
    pub evidence: Vec<StackEvidence>,
}

fn ser_path<S: Serializer>(p: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&p.to_string_lossy())
}

fn ser_paths<S: Serializer>(ps: &[PathBuf], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(ps.iter().map(|p| p.to_string_lossy()))
}

/// Settings of the stacking.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stacker {
    /// Largest difference between the capture times of twins or of an edit and its original,
    /// in seconds.
    pub max_time_delta_s: f64,
    /// Largest gap between consecutive captures of a burst recognised by its names, in seconds.
    pub max_burst_gap_s: f64,
    /// Largest number of files sharing one folder and stem (or one original) that are
    /// compared; larger groups are left unstacked.
    pub max_name_group: usize,
    /// Largest burst; larger groups are left unstacked.
    pub max_burst: usize,
}

impl Default for Stacker {
    fn default() -> Self {
        Stacker {
            max_time_delta_s: 2.0,
            max_burst_gap_s: 2.0,
            max_name_group: 16,
            max_burst: 2000,
        }
    }
}

/// Stacks the given files with the default [`Stacker`]; files in `pairing`'s pairs are not
/// stacked as edits or bursts.
pub fn stack<I, P, M>(items: I, pairing: &Pairing) -> Vec<Stack>
where
    I: IntoIterator<Item = (P, M)>,
    P: AsRef<Path>,
    M: Borrow<Metadata>,
{
    let paired: HashSet<&Path> = pairing
        .pairs
        .iter()
        .flat_map(|p| [p.still.as_path(), p.video.as_path()])
        .collect();
    Stacker::default().stack_with(items, |p| paired.contains(p))
}

type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// What a file is to the stacking, by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    /// JPEG: the preferred face of RAW+JPEG.
    Jpeg,
    /// HEIF/HEIC: a camera's developed file too.
    Heif,
    /// Another still format (PNG, TIFF, WebP, ...): only edits and bursts.
    Other,
    /// A camera raw file.
    Raw,
}

/// File extensions (lower case, without the dot) taken for camera raw files. All are three
/// characters long.
pub const RAW_EXTENSIONS: &[&str] = &[
    "3fr", "ari", "arw", "bay", "cr2", "cr3", "crw", "dcr", "dng", "erf", "fff", "iiq", "k25",
    "kdc", "mef", "mos", "mrw", "nef", "nrw", "orf", "pef", "raf", "raw", "rw2", "rwl", "sr2",
    "srf", "srw", "x3f",
];

fn class_of(path: &Path, meta: &Metadata) -> Option<Class> {
    if matches!(meta.format, Some(f) if f.is_video() || matches!(f, Format::Xmp)) {
        return None;
    }
    let ext = path.extension()?.to_str()?;
    if ext.len() > 5 {
        return None;
    }
    let ext = ext.to_ascii_lowercase();
    Some(match ext.as_str() {
        "jpg" | "jpeg" | "jpe" => Class::Jpeg,
        "heic" | "heif" | "hif" => Class::Heif,
        "png" | "tif" | "tiff" | "webp" | "avif" | "jxl" | "gif" | "bmp" => Class::Other,
        e if RAW_EXTENSIONS.contains(&e) => Class::Raw,
        _ => return None,
    })
}

struct Entry<'a> {
    path: &'a Path,
    folder: &'a OsStr,
    stem: &'a OsStr,
    class: Class,
    meta: &'a Metadata,
    in_pair: bool,
    used: bool,
}

/// Suffixes Google Photos (Takeout) gives edited versions, lower case, by export language.
const EDITED_SUFFIXES: &[&str] = &[
    "-edited",
    "-bearbeitet",
    "-modifié",
    "-editado",
    "-modificato",
    "-bewerkt",
    "-redigerad",
    "-muokattu",
];

/// The original's stem (lower case) and the marker, when `stem` names an edited version.
fn edited_original(stem: &OsStr) -> Option<(String, &'static str)> {
    let s = stem.to_str()?.trim().to_lowercase();
    for suf in EDITED_SUFFIXES {
        if let Some(base) = s.strip_suffix(suf) {
            if !base.is_empty() {
                return Some((base.to_owned(), suf));
            }
        }
    }
    if names::is_apple_edited(stem) {
        // "img_e1234" -> "img_1234"
        let mut s = s;
        s.replace_range(4..5, "");
        return Some((s, "IMG_E"));
    }
    None
}

/// The burst a name marks, lower case, and whether the file is the burst's cover: Google's
/// `…_BURST<17 digits>[_COVER]`, Samsung's `<prefix>_Burst<NN>[_COVER]`.
fn burst_name(stem: &OsStr) -> Option<(String, bool)> {
    let s = stem.to_str()?.to_ascii_lowercase();
    if s.len() > 200 {
        return None;
    }
    let (s, cover) = match s.strip_suffix("_cover") {
        Some(b) => (b.to_owned(), true),
        None => (s, false),
    };
    // Google: the token after "_burst" is a timestamp of at least 14 digits shared by the burst.
    if let Some(i) = s.find("_burst") {
        let rest = s.get(i + 6..)?;
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits >= 14 {
            return Some((format!("burst{}", rest.get(..digits)?), cover));
        }
        // Samsung: "_burst" and a short sequence number at the end.
        if (1..=3).contains(&digits) && digits == rest.len() && i > 0 {
            return Some((s.get(..i)?.to_owned(), cover));
        }
    }
    None
}

fn norm_text(s: &str) -> String {
    s.trim().to_ascii_lowercase()
}

impl Stacker {
    /// Stacks the given files; `in_pair` says which files are in a Live Photo or motion-photo
    /// pair (those are never stacked as edits or bursts). Stacks are returned in the input
    /// order of their faces; a file is in at most one stack.
    pub fn stack_with<I, P, M, F>(&self, items: I, in_pair: F) -> Vec<Stack>
    where
        I: IntoIterator<Item = (P, M)>,
        P: AsRef<Path>,
        M: Borrow<Metadata>,
        F: Fn(&Path) -> bool,
    {
        let items: Vec<(P, M)> = items.into_iter().collect();
        let mut e: Vec<Entry<'_>> = Vec::with_capacity(items.len());
        for (p, m) in &items {
            let (path, meta) = (p.as_ref(), m.borrow());
            let Some(class) = class_of(path, meta) else {
                continue;
            };
            let (folder, stem) = names::split(path);
            e.push(Entry {
                path,
                folder: folder.as_os_str(),
                stem,
                class,
                meta,
                in_pair: in_pair(path),
                used: false,
            });
        }
        let mut out: Vec<(usize, Stack)> = Vec::new();
        self.raw_jpeg(&mut e, &mut out);
        self.edited(&mut e, &mut out);
        self.bursts(&mut e, &mut out);
        out.sort_by_key(|(i, _)| *i);
        out.into_iter().map(|(_, s)| s).collect()
    }

    /// The evidence that `a` and `b` come from one camera at one instant, or `None`.
    fn twins(&self, a: &Metadata, b: &Metadata) -> Option<Vec<StackEvidence>> {
        let mut ev = Vec::new();
        let (ma, mb) = (a.model.as_deref()?, b.model.as_deref()?);
        if norm_text(ma) != norm_text(mb) || norm_text(ma).is_empty() {
            return None;
        }
        if let (Some(x), Some(y)) = (a.make.as_deref(), b.make.as_deref()) {
            if norm_text(x) != norm_text(y) {
                return None;
            }
        }
        ev.push(StackEvidence::SameCamera {
            model: ma.trim().to_owned(),
        });
        if let (Some(x), Some(y)) = (a.serial.as_deref(), b.serial.as_deref()) {
            if norm_text(x) != norm_text(y) {
                return None;
            }
            ev.push(StackEvidence::SameSerial {
                serial: x.trim().to_owned(),
            });
        }
        ev.push(self.close_times(a, b)?);
        Some(ev)
    }

    /// Capture times within [`Stacker::max_time_delta_s`] on a known basis.
    fn close_times(&self, a: &Metadata, b: &Metadata) -> Option<StackEvidence> {
        let t = time_match(a, b)?;
        (t.basis != TimeBasis::OffsetUnknown && t.seconds <= self.max_time_delta_s).then_some(
            StackEvidence::TimeDelta {
                seconds: t.seconds,
                basis: t.basis,
            },
        )
    }

    fn raw_jpeg(&self, e: &mut [Entry<'_>], out: &mut Vec<(usize, Stack)>) {
        // Raws first: most libraries have none, and then no other name is lower-cased.
        let mut groups: Map<(&OsStr, String), Vec<usize>> = Map::default();
        for (i, x) in e.iter().enumerate() {
            if x.class == Class::Raw {
                let key = (x.folder, x.stem.to_string_lossy().to_lowercase());
                groups.entry(key).or_default().push(i);
            }
        }
        if groups.is_empty() {
            return;
        }
        let folders: HashSet<&OsStr, foldhash::fast::RandomState> =
            groups.keys().map(|(f, _)| *f).collect();
        for (i, x) in e.iter().enumerate() {
            if matches!(x.class, Class::Jpeg | Class::Heif) && folders.contains(x.folder) {
                let key = (x.folder, x.stem.to_string_lossy().to_lowercase());
                if let Some(g) = groups.get_mut(&key) {
                    g.push(i);
                }
            }
        }
        for g in groups.values() {
            if g.len() < 2 || g.len() > self.max_name_group {
                continue;
            }
            let mut faces: Vec<usize> = g
                .iter()
                .copied()
                .filter(|&i| e[i].class != Class::Raw)
                .collect();
            faces.sort_by(|&a, &b| (e[a].class, e[a].path).cmp(&(e[b].class, e[b].path)));
            for &f in &faces {
                let mut evidence = None;
                let mut members = vec![];
                for &o in g {
                    if o == f {
                        continue;
                    }
                    if let Some(ev) = self.twins(e[f].meta, e[o].meta) {
                        if e[o].class == Class::Raw && evidence.is_none() {
                            evidence = Some(ev);
                        }
                        members.push(o);
                    }
                }
                let Some(ev) = evidence else { continue };
                let mut evidence = vec![StackEvidence::SameFolder, StackEvidence::SameStem];
                evidence.extend(ev);
                members.sort_by_key(|&i| e[i].path);
                out.push((f, make_stack(StackKind::RawJpeg, f, &members, evidence, e)));
                break;
            }
        }
    }

    fn edited(&self, e: &mut [Entry<'_>], out: &mut Vec<(usize, Stack)>) {
        let mut edits: Vec<(usize, String, &'static str)> = Vec::new();
        for (i, x) in e.iter().enumerate() {
            if x.used || x.in_pair || x.class == Class::Raw {
                continue;
            }
            if let Some((base, marker)) = edited_original(x.stem) {
                edits.push((i, base, marker));
            }
        }
        if edits.is_empty() {
            return;
        }
        let wanted: HashSet<(&OsStr, &str), foldhash::fast::RandomState> = edits
            .iter()
            .map(|(i, b, _)| (e[*i].folder, b.as_str()))
            .collect();
        let folders: HashSet<&OsStr, foldhash::fast::RandomState> =
            wanted.iter().map(|(f, _)| *f).collect();
        let mut originals: Map<(&OsStr, String), Vec<usize>> = Map::default();
        for (i, x) in e.iter().enumerate() {
            if x.used || x.in_pair || !folders.contains(x.folder) {
                continue;
            }
            let s = x.stem.to_string_lossy().to_lowercase();
            if wanted.contains(&(x.folder, s.as_str())) {
                originals.entry((x.folder, s)).or_default().push(i);
            }
        }
        // Each original takes its agreeing edits.
        let mut by_original: Map<usize, Vec<(usize, &'static str, StackEvidence)>> = Map::default();
        for (i, base, marker) in &edits {
            let Some(cands) = originals.get(&(e[*i].folder, base.clone())) else {
                continue;
            };
            if cands.len() > self.max_name_group {
                continue;
            }
            let mut sorted = cands.clone();
            sorted.sort_by_key(|&o| (e[o].class, e[o].path));
            for o in sorted {
                if let Some(ev) = self.edit_agrees(e[o].meta, e[*i].meta) {
                    by_original.entry(o).or_default().push((*i, marker, ev));
                    break;
                }
            }
        }
        for (o, mut eds) in by_original {
            eds.sort_by_key(|(i, _, _)| e[*i].path);
            let Some(&(face, marker, ref ev)) = eds.first() else {
                continue;
            };
            let evidence = vec![
                StackEvidence::EditedName {
                    marker: marker.to_owned(),
                },
                ev.clone(),
                StackEvidence::SameFolder,
            ];
            let mut members: Vec<usize> = eds.iter().skip(1).map(|(i, _, _)| *i).collect();
            members.push(o);
            members.sort_by_key(|&i| e[i].path);
            out.push((
                face,
                make_stack(StackKind::Edited, face, &members, evidence, e),
            ));
        }
    }

    /// The evidence that `edit` is an edited version of `orig`: the same content identifier or
    /// close capture times, and no disagreeing camera.
    fn edit_agrees(&self, orig: &Metadata, edit: &Metadata) -> Option<StackEvidence> {
        if let (Some(x), Some(y)) = (orig.model.as_deref(), edit.model.as_deref()) {
            if norm_text(x) != norm_text(y) {
                return None;
            }
        }
        let ids = (
            orig.content_id.as_deref().and_then(crate::content_key),
            edit.content_id.as_deref().and_then(crate::content_key),
        );
        if let (Some(a), Some(b)) = &ids {
            if a == b {
                return Some(StackEvidence::ContentId { id: a.to_string() });
            }
            return None;
        }
        self.close_times(orig, edit)
    }

    fn bursts(&self, e: &mut [Entry<'_>], out: &mut Vec<(usize, Stack)>) {
        // (folder, by identifier?, key) -> members
        let mut groups: Map<(&OsStr, bool, String), Vec<usize>> = Map::default();
        let mut covers: HashSet<usize, foldhash::fast::RandomState> = HashSet::default();
        for (i, x) in e.iter().enumerate() {
            if x.used || x.in_pair || x.class == Class::Raw {
                continue;
            }
            if let Some(id) = x.meta.burst_id.as_deref().and_then(crate::content_key) {
                groups
                    .entry((x.folder, true, id.into_owned()))
                    .or_default()
                    .push(i);
            } else if let Some((key, cover)) = burst_name(x.stem) {
                if cover {
                    covers.insert(i);
                }
                groups.entry((x.folder, false, key)).or_default().push(i);
            }
        }
        for ((_, by_id, key), g) in groups {
            if g.len() < 2 || g.len() > self.max_burst {
                continue;
            }
            // Order by capture time (then path); files without a time go last.
            let mut timed: Vec<(Option<chrono::NaiveDateTime>, usize)> = g
                .iter()
                .map(|&i| (e[i].meta.capture.as_ref().and_then(|c| c.value.local()), i))
                .collect();
            timed.sort_by(|a, b| {
                (a.0.is_none(), a.0, e[a.1].path).cmp(&(b.0.is_none(), b.0, e[b.1].path))
            });
            let mut evidence = Vec::new();
            if by_id {
                evidence.push(StackEvidence::BurstId { id: key.clone() });
            } else {
                // Names alone are weak: every member needs a time, each close to the previous.
                let ok = timed.windows(2).all(|w| match w {
                    [(Some(_), a), (Some(_), b)] => {
                        self.close_burst(e[*a].meta, e[*b].meta).is_some()
                    }
                    _ => false,
                });
                if !ok {
                    continue;
                }
                evidence.push(StackEvidence::BurstName { key: key.clone() });
            }
            evidence.push(StackEvidence::SameFolder);
            if let (Some((Some(a), _)), Some((Some(b), _))) =
                (timed.first(), timed.iter().rev().find(|(t, _)| t.is_some()))
            {
                evidence.push(StackEvidence::BurstSpan {
                    seconds: (*b - *a).num_milliseconds().unsigned_abs() as f64 / 1000.0,
                });
            }
            let face = timed
                .iter()
                .map(|(_, i)| *i)
                .find(|i| covers.contains(i))
                .or_else(|| timed.first().map(|(_, i)| *i));
            let Some(face) = face else { continue };
            let mut members: Vec<usize> = g.iter().copied().filter(|&i| i != face).collect();
            members.sort_by_key(|&i| e[i].path);
            out.push((
                face,
                make_stack(StackKind::Burst, face, &members, evidence, e),
            ));
        }
    }

    fn close_burst(&self, a: &Metadata, b: &Metadata) -> Option<()> {
        let t = time_match(a, b)?;
        (t.basis != TimeBasis::OffsetUnknown && t.seconds <= self.max_burst_gap_s).then_some(())
    }
}

/// Builds the stack of `face` and `others` and marks them used.
fn make_stack(
    kind: StackKind,
    face: usize,
    others: &[usize],
    evidence: Vec<StackEvidence>,
    e: &mut [Entry<'_>],
) -> Stack {
    let mut members = Vec::with_capacity(others.len() + 1);
    for &i in std::iter::once(&face).chain(others) {
        if let Some(x) = e.get_mut(i) {
            x.used = true;
            members.push(x.path.to_path_buf());
        }
    }
    Stack {
        kind,
        face: e
            .get(face)
            .map(|x| x.path.to_path_buf())
            .unwrap_or_default(),
        members,
        evidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use albumen_meta::{CaptureTime, Source, Sourced};
    use chrono::NaiveDateTime;

    fn at(t: &str) -> Option<Sourced<CaptureTime>> {
        let time = NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S").unwrap();
        Some(Sourced::new(
            CaptureTime::Floating { time },
            Source::ExifIfd,
        ))
    }
    fn cam(format: Format, model: &str, serial: Option<&str>, t: Option<&str>) -> Metadata {
        let mut m = Metadata::default();
        m.format = Some(format);
        m.make = Some("NIKON CORPORATION".into());
        m.model = Some(model.into());
        m.serial = serial.map(str::to_owned);
        m.capture = t.and_then(at);
        m
    }
    fn run(items: &[(&str, &Metadata)]) -> Vec<Stack> {
        stack(items.iter().map(|(p, m)| (*p, *m)), &Pairing::default())
    }
    fn sets(st: &[Stack]) -> Vec<(StackKind, &str, Vec<&str>)> {
        st.iter()
            .map(|s| {
                (
                    s.kind,
                    s.face.to_str().unwrap(),
                    s.members.iter().map(|p| p.to_str().unwrap()).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn raw_jpeg_twins_stack_with_the_jpeg_as_face() {
        let raw = cam(
            Format::Nef,
            "NIKON D750",
            Some("6001234"),
            Some("2021-05-01 10:00:00"),
        );
        let jpg = cam(
            Format::Jpeg,
            "NIKON D750",
            Some("6001234"),
            Some("2021-05-01 10:00:01"),
        );
        let st = run(&[("c/DSC_0001.NEF", &raw), ("c/DSC_0001.JPG", &jpg)]);
        assert_eq!(
            sets(&st),
            [(
                StackKind::RawJpeg,
                "c/DSC_0001.JPG",
                vec!["c/DSC_0001.JPG", "c/DSC_0001.NEF"]
            )]
        );
        assert!(st[0].evidence.contains(&StackEvidence::SameSerial {
            serial: "6001234".into()
        }));
        assert!(st[0].evidence.iter().any(|e| matches!(
            e,
            StackEvidence::TimeDelta { seconds, .. } if *seconds == 1.0
        )));
        // Case of the stem and extension does not matter; a HEIF face works too.
        let heif = cam(
            Format::Heif,
            "NIKON D750",
            None,
            Some("2021-05-01 10:00:00"),
        );
        let st = run(&[("c/dsc_0001.nef", &raw), ("c/DSC_0001.HIF", &heif)]);
        assert_eq!(st.len(), 1);
        assert_eq!(st[0].face, PathBuf::from("c/DSC_0001.HIF"));
    }

    #[test]
    fn decoys_are_not_twins() {
        let raw = cam(
            Format::Nef,
            "NIKON D750",
            Some("6001234"),
            Some("2021-05-01 10:00:00"),
        );
        // Another camera (EXIF copied from elsewhere).
        let other = cam(
            Format::Jpeg,
            "Canon EOS 5D",
            None,
            Some("2021-05-01 10:00:00"),
        );
        assert!(run(&[("c/IMG_1.NEF", &raw), ("c/IMG_1.JPG", &other)]).is_empty());
        // Same model, another body.
        let body = cam(
            Format::Jpeg,
            "NIKON D750",
            Some("6009999"),
            Some("2021-05-01 10:00:00"),
        );
        assert!(run(&[("c/IMG_1.NEF", &raw), ("c/IMG_1.JPG", &body)]).is_empty());
        // Same camera, another time (a card reused: the counter wrapped).
        let later = cam(
            Format::Jpeg,
            "NIKON D750",
            None,
            Some("2022-01-01 10:00:00"),
        );
        assert!(run(&[("c/IMG_1.NEF", &raw), ("c/IMG_1.JPG", &later)]).is_empty());
        // 3 s apart is too far.
        let near = cam(
            Format::Jpeg,
            "NIKON D750",
            None,
            Some("2021-05-01 10:00:03"),
        );
        assert!(run(&[("c/IMG_1.NEF", &raw), ("c/IMG_1.JPG", &near)]).is_empty());
        // A raw without a readable time, or without a model: no evidence, no stack.
        let blind = cam(Format::Nef, "NIKON D750", None, None);
        let jpg = cam(
            Format::Jpeg,
            "NIKON D750",
            None,
            Some("2021-05-01 10:00:00"),
        );
        assert!(run(&[("c/IMG_1.NEF", &blind), ("c/IMG_1.JPG", &jpg)]).is_empty());
        let mut nameless = raw.clone();
        nameless.model = None;
        assert!(run(&[("c/IMG_1.NEF", &nameless), ("c/IMG_1.JPG", &jpg)]).is_empty());
        // Another folder.
        assert!(run(&[("c/IMG_1.NEF", &raw), ("d/IMG_1.JPG", &jpg)]).is_empty());
        // Two JPEGs are not twins, nor two raws.
        assert!(run(&[("c/IMG_1.JPG", &jpg), ("c/IMG_1.JPEG", &jpg)]).is_empty());
    }

    #[test]
    fn huge_same_stem_groups_are_left_alone() {
        let raw = cam(Format::Nef, "X", None, Some("2021-05-01 10:00:00"));
        let jpg = cam(Format::Jpeg, "X", None, Some("2021-05-01 10:00:00"));
        let names: Vec<String> = (0..40)
            .map(|i| {
                // 40 case variants of one stem: a hostile tree.
                let s: String = "abcdef"
                    .chars()
                    .enumerate()
                    .map(|(k, c)| {
                        if i >> k & 1 == 1 {
                            c.to_ascii_uppercase()
                        } else {
                            c
                        }
                    })
                    .collect();
                format!("h/{s}.{}", if i % 2 == 0 { "NEF" } else { "JPG" })
            })
            .collect();
        let items: Vec<(&str, &Metadata)> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), if i % 2 == 0 { &raw } else { &jpg }))
            .collect();
        assert!(run(&items).is_empty());
        // Thousands of one stem in different folders: each folder's own pair stacks, in linear
        // time.
        let names: Vec<(String, bool)> = (0..20_000)
            .map(|i| {
                (
                    format!(
                        "f{}/DSC_0001.{}",
                        i / 2,
                        if i % 2 == 0 { "NEF" } else { "JPG" }
                    ),
                    i % 2 == 0,
                )
            })
            .collect();
        let items: Vec<(&str, &Metadata)> = names
            .iter()
            .map(|(n, r)| (n.as_str(), if *r { &raw } else { &jpg }))
            .collect();
        let st = run(&items);
        assert_eq!(st.len(), 10_000);
        assert!(st.iter().all(|s| s.members.len() == 2));
    }

    #[test]
    fn edited_versions_stack_with_their_original() {
        let mut o = cam(Format::Jpeg, "Pixel 7", None, Some("2023-07-04 12:15:00"));
        o.make = Some("Google".into());
        let ed = o.clone();
        let st = run(&[
            ("p/PXL_20230704_101500123.jpg", &o),
            ("p/PXL_20230704_101500123-edited.jpg", &ed),
        ]);
        assert_eq!(
            sets(&st),
            [(
                StackKind::Edited,
                "p/PXL_20230704_101500123-edited.jpg",
                vec![
                    "p/PXL_20230704_101500123-edited.jpg",
                    "p/PXL_20230704_101500123.jpg"
                ]
            )]
        );
        // Another day: not the same photo.
        let mut late = o.clone();
        late.capture = at("2023-07-05 12:15:00");
        assert!(run(&[("p/A.jpg", &o), ("p/A-edited.jpg", &late)]).is_empty());
        // No times, no identifiers: no evidence.
        let bare = Metadata::default();
        assert!(run(&[("p/A.jpg", &bare), ("p/A-edited.jpg", &bare)]).is_empty());
    }

    #[test]
    fn apple_edits_stack_unless_a_live_video_claims_them() {
        let mut o = Metadata::default();
        o.format = Some(Format::Heic);
        o.content_id = Some("ED69AFC7-A2EB-4FE9-88A0-54293FC2478F".into());
        let st = run(&[("a/IMG_1234.HEIC", &o), ("a/IMG_E1234.HEIC", &o)]);
        assert_eq!(st.len(), 1);
        assert_eq!(st[0].kind, StackKind::Edited);
        assert_eq!(st[0].face, PathBuf::from("a/IMG_E1234.HEIC"));
        assert!(st[0].evidence.contains(&StackEvidence::ContentId {
            id: "ED69AFC7-A2EB-4FE9-88A0-54293FC2478F".into()
        }));
        // With the Live Photo's video, the pairing keeps them together instead.
        let mut v = Metadata::default();
        v.format = Some(Format::Mov);
        v.content_id = o.content_id.clone();
        let items = [
            ("a/IMG_1234.HEIC", &o),
            ("a/IMG_E1234.HEIC", &o),
            ("a/IMG_1234.MOV", &v),
        ];
        let pairing = crate::pair(items);
        assert!(!pairing.pairs.is_empty());
        assert!(stack(items, &pairing).is_empty());
    }

    #[test]
    fn bursts_by_identifier_and_by_name() {
        let mut b = Metadata::default();
        b.format = Some(Format::Heic);
        b.burst_id = Some("3a6a7bb0-1a7e-4d3c-9f43-2a0b9a3e6e11".into());
        let st = run(&[
            ("b/IMG_0003.HEIC", &b),
            ("b/IMG_0001.HEIC", &b),
            ("b/IMG_0002.HEIC", &b),
            ("c/IMG_0004.HEIC", &b),
        ]);
        assert_eq!(
            sets(&st),
            [(
                StackKind::Burst,
                "b/IMG_0001.HEIC",
                vec!["b/IMG_0001.HEIC", "b/IMG_0002.HEIC", "b/IMG_0003.HEIC"]
            )]
        );
        // Google names with a cover, times a fraction of a second apart.
        let t = |s: &str| {
            let mut m = Metadata::default();
            m.format = Some(Format::Jpeg);
            m.capture = at(s);
            m
        };
        let (m1, m2, m3) = (
            t("2019-08-30 12:34:56"),
            t("2019-08-30 12:34:56"),
            t("2019-08-30 12:34:57"),
        );
        let st = run(&[
            ("g/00000IMG_00000_BURST20190830123456789.jpg", &m1),
            ("g/00001IMG_00001_BURST20190830123456789_COVER.jpg", &m2),
            ("g/00002IMG_00002_BURST20190830123456789.jpg", &m3),
        ]);
        assert_eq!(st.len(), 1);
        assert_eq!(
            st[0].face,
            PathBuf::from("g/00001IMG_00001_BURST20190830123456789_COVER.jpg")
        );
        assert_eq!(st[0].members.len(), 3);
        // Samsung names, but one shot a minute later: the name alone is no burst.
        let late = t("2019-08-30 12:35:56");
        assert!(run(&[
            ("s/20190830_123456_Burst01.jpg", &m1),
            ("s/20190830_123456_Burst02.jpg", &late),
        ])
        .is_empty());
        let st = run(&[
            ("s/20190830_123456_Burst01.jpg", &m1),
            ("s/20190830_123456_Burst02.jpg", &m3),
        ]);
        assert_eq!(st.len(), 1);
        assert_eq!(st[0].face, PathBuf::from("s/20190830_123456_Burst01.jpg"));
    }

    #[test]
    fn a_file_is_in_one_stack_and_json_has_the_contract_fields() {
        let raw = cam(
            Format::Cr3,
            "Canon EOS R5",
            None,
            Some("2021-05-01 10:00:00"),
        );
        let jpg = cam(
            Format::Jpeg,
            "Canon EOS R5",
            None,
            Some("2021-05-01 10:00:00"),
        );
        let st = run(&[
            ("c/IMG_1.CR3", &raw),
            ("c/IMG_1.JPG", &jpg),
            ("c/IMG_1-edited.JPG", &jpg),
        ]);
        let all: Vec<&PathBuf> = st.iter().flat_map(|s| &s.members).collect();
        let unique: HashSet<&PathBuf> = all.iter().copied().collect();
        assert_eq!(all.len(), unique.len());
        let j = serde_json::to_value(&st[0]).unwrap();
        assert_eq!(j["kind"], "raw-jpeg");
        assert_eq!(j["face"], "c/IMG_1.JPG");
        assert_eq!(j["members"].as_array().unwrap().len(), 2);
        assert_eq!(j["evidence"][0]["type"], "same-folder");
    }

    #[test]
    fn raw_extensions_are_three_characters() {
        assert!(RAW_EXTENSIONS
            .iter()
            .all(|e| e.len() == 3 && e.bytes().all(|b| !b.is_ascii_uppercase())));
    }

    #[test]
    fn names() {
        assert_eq!(
            edited_original(OsStr::new("IMG_E1234")),
            Some(("img_1234".into(), "IMG_E"))
        );
        assert_eq!(
            edited_original(OsStr::new("PXL_1-Edited")),
            Some(("pxl_1".into(), "-edited"))
        );
        assert_eq!(edited_original(OsStr::new("-edited")), None);
        assert_eq!(edited_original(OsStr::new("IMG_EDIT")), None);
        assert_eq!(
            burst_name(OsStr::new("20190830_123456_Burst12_COVER")),
            Some(("20190830_123456".into(), true))
        );
        assert_eq!(burst_name(OsStr::new("_Burst12")), None);
        assert_eq!(burst_name(OsStr::new("IMG_BURSTY")), None);
    }
}
