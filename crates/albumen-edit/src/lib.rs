//! Lossless metadata editing: change the capture time, GPS position, rating, title, description
//! and keywords of photos and videos, and nothing else.
//!
//! # Brief overview
//! - [`Edit`] is one change (set or shift the time, set or remove GPS, set the rating, add a
//!   keyword, ...). A slice of edits is applied to a file in a single write.
//! - [`plan`] reads a file and returns a [`Plan`]: the current and new value of every field
//!   ([`Fields`]), where it will be written ([`Target`]), and writes nothing (`--dry-run`).
//! - [`apply`] does the same and writes: in the file for JPEG, PNG, WebP, TIFF, DNG, HEIC/HEIF/AVIF
//!   and MOV/MP4; in an XMP sidecar for camera raws (and any file with [`Options::sidecar`]), patching the raw's date
//!   strings in place when they keep their size; in a sidecar only (the file untouched) for the
//!   formats albumen-meta reads but the editor does not write inside: CRW, GIF, AVI, Matroska/WebM,
//!   PSD, JPEG XL, BMP, BigTIFF. Its [`Report`] carries [`Report::undo`], the edit
//!   list that restores the previous values.
//! - [`edit_bytes`] and [`plan_bytes`] do the same on a file held in memory (a server editing
//!   an upload, media in object storage), and [`edit_stream`] from a `Read + Seek` to a `Write`
//!   (a 4 GB movie is read without its media data): the bytes [`apply`] would write, by the same
//!   code; formats edited through a sidecar give [`Error::SidecarOnly`].
//! - [`Error`] is the crate's error type; whatever it says, the original file is untouched.
//!
//! How it stays lossless: EXIF directories that change are appended to the end of the TIFF
//! block and re-pointed, so maker notes and every other offset stay valid; XMP packets are
//! edited as text (other properties kept); image data is copied byte for byte; the new file is
//! written next to the old one, fsynced and renamed over it, after checking the original did not
//! change meanwhile.
//!
//! # Example
//! ```
//! use albumen_edit::{apply, plan, Edit, Options};
//! use albumen_meta::Rating;
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A minimal JPEG: SOI, an Exif APP1 (IFD0 -> Exif IFD -> DateTimeOriginal), a scan, EOI.
//! let mut tiff: Vec<u8> = b"II*\0\x08\0\0\0\x01\0\x69\x87\x04\0\x01\0\0\0\x1a\0\0\0\0\0\0\0\
//!     \x01\0\x03\x90\x02\0\x14\0\0\0\x2c\0\0\0\0\0\0\0".to_vec();
//! tiff.extend_from_slice(b"2020:01:02 03:04:05\0");
//! let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE1];
//! jpeg.extend_from_slice(&((tiff.len() + 8) as u16).to_be_bytes());
//! jpeg.extend_from_slice(b"Exif\0\0");
//! jpeg.extend_from_slice(&tiff);
//! jpeg.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 0x12, 0x34, 0xFF, 0xD9]);
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("a.jpg");
//! std::fs::write(&path, &jpeg)?;
//!
//! let edits = [
//!     Edit::ShiftTime(chrono::Duration::minutes(90)),
//!     Edit::SetRating(Rating::new(4).unwrap()),
//!     Edit::AddKeyword("holiday".into()),
//! ];
//! let p = plan(&path, &edits, &Options::default())?;
//! assert_eq!(p.after.rating, Rating::new(4));
//! let report = apply(&path, &edits, &Options::default())?;
//! let again = plan(&path, &[], &Options::default())?;
//! assert_eq!(again.before.keywords, vec!["holiday".to_string()]);
//! assert_eq!(
//!     again.before.time.unwrap().local.to_string(),
//!     "2020-01-02 04:34:05"
//! );
//! // The scan is byte-identical.
//! let after = std::fs::read(&path)?;
//! assert!(after.ends_with(&[0xFF, 0xDA, 0x00, 0x02, 0x12, 0x34, 0xFF, 0xD9]));
//! // Undo.
//! apply(&path, &report.undo, &Options::default())?;
//! assert!(plan(&path, &[], &Options::default())?.before.keywords.is_empty());
//! # Ok(()) }
//! ```
//!
//! The same edit in memory (no file; the bytes `apply` would write):
//! ```
//! use albumen_edit::{edit_bytes, plan_bytes, Edit, Options};
//! # fn main() -> Result<(), albumen_edit::Error> {
//! let upload = [0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02, 0x12, 0x34, 0xFF, 0xD9];
//! let edited = edit_bytes(&upload, &[Edit::AddKeyword("holiday".into())], &Options::default())?;
//! let p = plan_bytes(&edited, &[], &Options::default())?;
//! assert_eq!(p.before.keywords, vec!["holiday".to_string()]);
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

mod container;
mod edit;
mod embed;
mod error;
mod fields;
mod tiff;
mod write;
mod xmp;

use std::path::{Path, PathBuf};

use albumen_meta::Format;
use serde::Serialize;

use container::{Kind, Parts};
use edit::Changes;
pub use edit::{Edit, Fields, TimeValue};
pub use embed::{edit_bytes, edit_stream, plan_bytes};
pub use error::Error;
use error::Result;
use fields::Role;
pub use write::{recover, remove_stale_temps};

/// How edits are applied.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Options {
    /// Write to an XMP sidecar even for formats that can be written in place.
    pub sidecar: bool,
    /// Keep the file's modification time (default true).
    pub keep_mtime: bool,
    /// Files larger than this are refused (default 4 GiB); the editor holds the file in memory.
    /// Movies (MOV/MP4/3GP) are read without their media data (`mdat`), which is copied from
    /// disk when the file is rewritten, so they may be up to 64 times larger.
    pub max_file_size: u64,
    /// Sidecars larger than this are refused (default 16 MiB).
    pub max_sidecar_size: u64,
    /// Write the changed bytes into the file itself when the edit keeps its size (a date shift,
    /// an XMP packet whose padding absorbs the growth, a raw's date patch), instead of
    /// writing a whole new file and renaming it over (default false). Protected by an undo
    /// journal beside the file ([`recover`]); not atomic to other readers while it runs.
    pub in_place: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            sidecar: false,
            keep_mtime: true,
            max_file_size: 4 << 30,
            max_sidecar_size: 16 << 20,
            in_place: false,
        }
    }
}

/// Where the edit is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "path", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Target {
    /// Into the file itself.
    InFile,
    /// Into this XMP sidecar (created or merged); the file's own date strings are patched in
    /// place where they keep their size. Also the XMP part of an edit of a file written in
    /// place (JPEG, PNG, ...) that has no XMP packet of its own and a `NAME.xmp` beside it
    /// that applies ([`albumen_meta::stem_sidecar_applies`]): a packet added to the file would
    /// hide that sidecar, so the XMP goes there and EXIF/IPTC are edited in the file.
    Sidecar(PathBuf),
}

/// What an edit will do to one file.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Plan {
    /// The file (empty for [`plan_bytes`], [`edit_stream`]).
    pub path: PathBuf,
    /// Detected format (from the bytes, not the name).
    pub format: Format,
    /// Short format name (`"jpeg"`, `"cr3"`, `"mrw"`, ...), also for raws the model has no
    /// variant for.
    pub format_name: &'static str,
    /// Where it is written.
    pub target: Target,
    /// Values before.
    pub before: Fields,
    /// Values after.
    pub after: Fields,
    /// The names of the fields that change.
    pub changed: Vec<&'static str>,
    /// Remarks (what could not be kept in step, and why).
    pub notes: Vec<String>,
}

/// What [`apply`] did.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Report {
    /// The plan that was carried out.
    pub plan: Plan,
    /// Bytes of the file written (0 when the file itself was not rewritten).
    pub file_bytes_written: u64,
    /// Bytes of the sidecar written.
    pub sidecar_bytes_written: u64,
    /// Date values patched in place inside a raw file.
    pub raw_dates_patched: usize,
    /// Whether the file was patched in place ([`Options::in_place`]) rather than replaced.
    pub patched_in_place: bool,
    /// Edits that restore the previous values ([`apply`] them to undo).
    #[serde(skip)]
    pub undo: Vec<Edit>,
}

/// Largest JPEG segment payload.
const JPEG_SEGMENT_MAX: usize = 65533;

struct Prepared {
    plan: Plan,
    original: write::Original,
    stamp: write::Stamp,
    file: Option<write::Output>,
    sidecar: Option<(PathBuf, Option<write::Stamp>, String)>,
    /// The sidecar's bytes before the edit (`None`: there was none), to put back when the
    /// file's own write fails after the sidecar's.
    old_sidecar: Option<Vec<u8>>,
    raw_dates: usize,
}

/// Reads `path` and works out what `edits` would change, writing nothing.
pub fn plan(path: impl AsRef<Path>, edits: &[Edit], opts: &Options) -> Result<Plan> {
    Ok(prepare(path.as_ref(), edits, opts)?.plan)
}

/// Applies `edits` to `path` in one write (plus the sidecar, for sidecar targets: the sidecar
/// is written first, then the raw's in-place date patch).
pub fn apply(path: impl AsRef<Path>, edits: &[Edit], opts: &Options) -> Result<Report> {
    let path = path.as_ref();
    // An in-place edit of this file that was interrupted is undone first, and the temporary
    // files of killed editors in its folder are removed.
    let recovered = recover(path)?;
    write::sweep_once(path);
    let mut p = prepare(path, edits, opts)?;
    if recovered {
        p.plan
            .notes
            .push("an interrupted in-place edit was undone first".into());
    }
    let mut file_bytes = 0;
    let mut patched = false;
    let side = p
        .sidecar
        .as_ref()
        .map(|(sp, st, text)| (sp.as_path(), st.as_ref(), text.as_bytes()));
    let sidecar_bytes = commit(side, p.old_sidecar.as_deref(), opts.keep_mtime, || {
        let Some(data) = &p.file else { return Ok(()) };
        let writes = if opts.in_place {
            write::in_place_writes(&p.original, data)
        } else {
            None
        };
        match writes {
            Some(w) if w.is_empty() => {
                patched = true;
                Ok(())
            }
            Some(w) => {
                write::patch(path, &p.original.bytes, &w, &p.stamp, opts.keep_mtime).map(|n| {
                    file_bytes = n;
                    patched = true;
                })
            }
            None => write::replace_output(path, data, Some(&p.stamp), opts.keep_mtime)
                .map(|()| file_bytes = data.len()),
        }
    })?;
    let undo = edit::inverse(&p.plan.before, &p.plan.after);
    Ok(Report {
        plan: p.plan,
        file_bytes_written: file_bytes,
        sidecar_bytes_written: sidecar_bytes,
        raw_dates_patched: p.raw_dates,
        patched_in_place: patched,
        undo,
    })
}

/// Writes the sidecar (when there is one), then the file by `write_file`. When the file's write
/// fails after the sidecar's, the sidecar is put back as it was (`old`; `None`: it did not
/// exist and is removed), so file and sidecar stay as before the edit. Returns the sidecar
/// bytes written.
fn commit(
    sidecar: Option<(&Path, Option<&write::Stamp>, &[u8])>,
    old: Option<&[u8]>,
    keep_mtime: bool,
    write_file: impl FnOnce() -> Result<()>,
) -> Result<u64> {
    let mut n = 0;
    if let Some((sp, st, text)) = sidecar {
        write::replace(sp, text, st, keep_mtime && st.is_some())?;
        n = text.len() as u64;
    }
    if let Err(e) = write_file() {
        if let Some((sp, _, _)) = sidecar {
            let _ = match old {
                Some(old) => {
                    let now = write::stamp(sp).ok();
                    write::replace(sp, old, now.as_ref(), false)
                }
                None => std::fs::remove_file(sp).map_err(|source| Error::Io {
                    path: sp.to_path_buf(),
                    source,
                }),
            };
        }
        return Err(e);
    }
    Ok(n)
}

fn changed(a: &Fields, b: &Fields) -> Vec<&'static str> {
    let mut v = Vec::new();
    if a.time != b.time {
        v.push("time");
    }
    if a.gps != b.gps {
        v.push("gps");
    }
    if a.rating != b.rating {
        v.push("rating");
    }
    if a.title != b.title {
        v.push("title");
    }
    if a.description != b.description {
        v.push("description");
    }
    if a.keywords != b.keywords {
        v.push("keywords");
    }
    if a.hierarchical != b.hierarchical {
        v.push("hierarchical");
    }
    v
}

fn parts_of(kind: Kind, b: &[u8]) -> Result<Parts> {
    match kind {
        Kind::Jpeg => container::jpeg::parts(b),
        Kind::Png => container::png::parts(b),
        Kind::Webp => container::webp::parts(b),
        Kind::Tiff(_) => container::tiff_file::parts(b),
        Kind::Heif(_) => container::bmff::heif_parts(b),
        Kind::Movie(f) | Kind::Raw(f, _) => Err(Error::Unsupported(format!(
            "{} has no EXIF/XMP blocks of its own",
            f.name()
        ))),
        Kind::SidecarOnly(f) => Err(Error::Unsupported(format!(
            "{} is written to a sidecar only",
            f.name()
        ))),
        Kind::Unknown => Err(Error::Unsupported("unrecognised format".into())),
    }
}

/// The editable fields as albumen-meta reads them (formats the editor has no parser of its own
/// for). Fails when the reader does: a file that does not parse as its format is not edited.
fn fields_from_meta(
    view: std::result::Result<albumen_meta::Metadata, albumen_meta::Error>,
) -> Result<Fields> {
    let m = view.map_err(|e| Error::Unsupported(format!("unreadable file: {e}")))?;
    let time = m.capture.as_ref().and_then(|c| {
        let full = c.value.local()?;
        let nanos = full.and_utc().timestamp_subsec_nanos();
        let subsec = (nanos != 0).then(|| {
            let s = format!("{nanos:09}");
            s.trim_end_matches('0').to_string()
        });
        Some(TimeValue {
            local: chrono::Timelike::with_nanosecond(&full, 0).unwrap_or(full),
            subsec,
            offset: c.value.offset(),
        })
    });
    Ok(Fields {
        time,
        gps: m.gps.map(|g| g.value),
        rating: m.rating,
        title: m.title,
        description: m.description,
        keywords: m.keywords,
        hierarchical: m.hierarchical_keywords,
    })
}

fn fields_of(parts: &Parts, xmp: Option<&xmp::Packet>) -> Fields {
    let ex = parts
        .exif
        .as_deref()
        .map(fields::read_exif)
        .unwrap_or_default();
    let xf = xmp.map(fields::read_xmp).unwrap_or_default();
    // EXIF is authoritative for time and position; XMP for the rest.
    let mut f = fields::merge(ex.clone(), xf);
    if ex.time.is_some() {
        f.time = ex.time;
    }
    if ex.gps.is_some() {
        f.gps = ex.gps;
    }
    f
}

fn prepare(path: &Path, edits: &[Edit], opts: &Options) -> Result<Prepared> {
    let changes = Changes::from_edits(edits)?;
    let journal = write::journal_path(path);
    if journal.exists() {
        return Err(Error::Interrupted {
            path: path.to_path_buf(),
            journal,
        });
    }
    // Movies are read sparsely (no `mdat`), everything else whole.
    let head = write::read_head(path, 64)?;
    let (original, stamp) = match container::detect(&head) {
        Kind::Movie(_) => match write::read_sparse(path, opts.max_file_size)? {
            Some(x) => x,
            None => write::read_whole(path, opts.max_file_size)?,
        },
        _ => write::read_whole(path, opts.max_file_size)?,
    };
    // Only a movie may be held sparsely (its unread `mdat` is zeros that must never be written):
    // if the file changed kind since its first bytes were read, read it whole.
    let (original, stamp) = match (&original.loaded, container::detect(&original.bytes)) {
        (Some(_), k) if !matches!(k, Kind::Movie(_)) => {
            write::read_whole(path, opts.max_file_size)?
        }
        _ => (original, stamp),
    };
    let bytes = &original.bytes;
    let kind = container::detect(bytes);
    if kind == Kind::Unknown {
        return Err(Error::Unsupported("unrecognised format".into()));
    }
    let sidecar = opts.sidecar || matches!(kind, Kind::Raw(..) | Kind::SidecarOnly(_));
    let mut notes = Vec::new();
    if sidecar {
        // The file as the reader sees it (no sidecars): its format and whether it has XMP of
        // its own decide which sidecar the reader merges, so the edit goes there. A file the
        // reader cannot read falls back to the editor's format and no packet.
        let view = albumen_meta::Reader::new()
            .sidecars(false)
            .read_bytes(bytes);
        let sp = {
            let mut fallback = albumen_meta::Metadata::default();
            fallback.format = Some(kind.format());
            albumen_meta::sidecar_write_path(path, view.as_ref().unwrap_or(&fallback))
        };
        let (old_raw, sst) = if sp.is_file() {
            let (b, st) = write::read(&sp, opts.max_sidecar_size)?;
            (Some(b), Some(st))
        } else {
            (None, None)
        };
        let old_text = old_raw.as_deref().map(albumen_meta::decode_xmp_packet);
        let packet = old_text.as_deref().map(xmp::Packet::parse).transpose()?;
        let file_fields = match kind {
            Kind::Raw(..) => container::raw::read_fields(bytes),
            Kind::SidecarOnly(f) => {
                notes.push(format!(
                    "albumen does not write inside {} files: the edit is in the sidecar only",
                    f.name()
                ));
                fields_from_meta(view)?
            }
            Kind::Movie(_) => container::movie::read(bytes)
                .map(|m| m.fields)
                .unwrap_or_default(),
            k => match parts_of(k, bytes) {
                Ok(p) => {
                    let x = p.xmp.as_deref().and_then(|t| xmp::Packet::parse(t).ok());
                    fields_of(&p, x.as_ref())
                }
                Err(_) => container::raw::read_fields(bytes),
            },
        };
        let side_fields = packet.as_ref().map(fields::read_xmp).unwrap_or_default();
        let file_gps = file_fields.gps.is_some();
        let before = fields::merge(file_fields, side_fields);
        let after = changes.apply(&before)?;
        let new_text = fields::edit_xmp(packet.as_ref(), &changes, &after, Role::Sidecar);
        let mut file = None;
        let mut raw_dates = 0;
        if matches!(kind, Kind::Raw(..)) && !changes.time.is_empty() {
            let mut b = bytes.clone();
            raw_dates = container::raw::patch_dates(&mut b, &changes.time);
            if raw_dates > 0 {
                file = Some(b);
            } else {
                notes.push("no date in the raw file could be patched in place".into());
            }
        }
        if changes.strip_location {
            // A raw's GPS directories are zeroed in place; other files written through a
            // sidecar keep what is inside them, so one holding a position is refused.
            let mut b = file.take().unwrap_or_else(|| bytes.clone());
            let wiped = if matches!(kind, Kind::Raw(..)) {
                container::raw::wipe_gps(&mut b)
            } else {
                0
            };
            if wiped > 0 {
                file = Some(b);
            } else {
                if file_gps {
                    return Err(Error::Unsupported(format!(
                        "the position inside this {} file cannot be removed",
                        kind.name()
                    )));
                }
                if raw_dates > 0 {
                    file = Some(b);
                }
            }
        }
        let plan = Plan {
            path: path.to_path_buf(),
            format: kind.format(),
            format_name: kind.name(),
            target: Target::Sidecar(sp.clone()),
            changed: changed(&before, &after),
            before,
            after,
            notes,
        };
        return Ok(Prepared {
            plan,
            original,
            stamp,
            file: file.map(write::Output::Whole),
            sidecar: new_text.map(|t| (sp, sst, t)),
            old_sidecar: old_raw,
            raw_dates,
        });
    }
    // A file with no XMP packet of its own beside a `NAME.xmp` that applies to it: an XMP
    // packet added to the file would make that sidecar stop applying (its values would drop
    // out of what the reader sees), so the XMP part of the edit goes to the sidecar the reader
    // merges, and EXIF/IPTC are edited in the file.
    let stem = stem_sidecar_kept(path, bytes, opts)?;
    let side_packet = stem
        .as_ref()
        .map(|s| xmp::Packet::parse(&albumen_meta::decode_xmp_packet(&s.old)))
        .transpose()?;
    let (before, after, file, side_text) =
        in_file(kind, bytes, &changes, side_packet.as_ref(), &mut notes)?;
    let (target, sidecar, old_sidecar) = match (stem, side_text) {
        (Some(s), Some(text)) => {
            notes.push(format!(
                "the file has no XMP packet of its own and {} applies to it: the XMP part of \
                 the edit is written there, EXIF/IPTC in the file",
                s.path.file_name().unwrap_or_default().to_string_lossy()
            ));
            (
                Target::Sidecar(s.path.clone()),
                Some((s.path, Some(s.stamp), text)),
                Some(s.old),
            )
        }
        _ => (Target::InFile, None, None),
    };
    let plan = Plan {
        path: path.to_path_buf(),
        format: kind.format(),
        format_name: kind.name(),
        target,
        changed: changed(&before, &after),
        before,
        after,
        notes,
    };
    Ok(Prepared {
        plan,
        original,
        stamp,
        file,
        sidecar,
        old_sidecar,
        raw_dates: 0,
    })
}

/// An existing sidecar that the XMP part of an in-file edit goes to instead of the file.
struct KeptSidecar {
    path: PathBuf,
    stamp: write::Stamp,
    old: Vec<u8>,
}

/// The sidecar to write the XMP part of an in-file edit of `path` to, when the file has no
/// XMP packet of its own (as albumen-meta's reader sees it) and a `NAME.xmp` beside it
/// applies ([`albumen_meta::stem_sidecar_applies`]): the reader's
/// [`albumen_meta::sidecar_write_path`] (an existing `NAME.EXT.xmp`, else that `NAME.xmp`).
/// `None` otherwise, and for a file the reader cannot read (it is then edited as before).
fn stem_sidecar_kept(path: &Path, bytes: &[u8], opts: &Options) -> Result<Option<KeptSidecar>> {
    // A name without an extension has one sidecar name, which always applies.
    let (Some(stem), Some(_)) = (path.file_stem(), path.extension()) else {
        return Ok(None);
    };
    let is_stem = |p: &PathBuf| p.file_stem() == Some(stem);
    // First the cheap question (a lookup or two), then the reader's view of the file.
    let mut probe = albumen_meta::Metadata::default();
    probe.format = Some(Format::Jpeg);
    if !albumen_meta::sidecar_paths(path, &probe)
        .iter()
        .any(is_stem)
    {
        return Ok(None);
    }
    let Ok(view) = albumen_meta::Reader::new()
        .sidecars(false)
        .read_bytes(bytes)
    else {
        return Ok(None);
    };
    if view.embedded_xmp || !albumen_meta::sidecar_paths(path, &view).iter().any(is_stem) {
        return Ok(None);
    }
    let sp = albumen_meta::sidecar_write_path(path, &view);
    let (old, stamp) = write::read(&sp, opts.max_sidecar_size)?;
    Ok(Some(KeptSidecar {
        path: sp,
        stamp,
        old,
    }))
}

/// The edit of a file whose metadata is written inside it (JPEG, PNG, WebP, TIFF/DNG,
/// HEIF/AVIF, movies): the values before and after, and the new file (`None`: nothing
/// changes). One core for [`apply`] on a path and [`edit_bytes`]/[`edit_stream`]: `bytes` is
/// the whole file, or for a movie the file's length with only its boxes other than `mdat` read.
///
/// `side` is the packet of a sidecar that applies because the file has no XMP packet of its
/// own ([`stem_sidecar_kept`]): its values count in the values before, and the XMP part of the
/// edit goes to it (the returned text; `None`: it does not change) instead of into the file.
fn in_file(
    kind: Kind,
    bytes: &[u8],
    changes: &Changes,
    side: Option<&xmp::Packet>,
    notes: &mut Vec<String>,
) -> Result<InFile> {
    let (before, after, out, side_text) = in_file_rebuilt(kind, bytes, changes, side, notes)?;
    // Nothing to change writes nothing: the rebuilders re-serialise the XMP packet even when
    // its values stay, so without this a repeated edit rewrote the file with other bytes
    // (found by the kill test, tests/kill.rs: a second run must leave an edited file as it is).
    // Removals are the exception: what they take away (a GPS directory's other tags, place
    // names, serial numbers) is not all in `Fields`, so an unchanged `Fields` proves nothing.
    let removes = changes.strip_location || changes.strip_serials || changes.gps == Some(None);
    if changed(&before, &after).is_empty() && !removes {
        return Ok((before, after, None, None));
    }
    Ok((before, after, out, side_text))
}

/// What [`in_file`] works out: the values before and after, the new file and the new sidecar
/// text (`None`: unchanged).
type InFile = (Fields, Fields, Option<write::Output>, Option<String>);

/// The XMP part of an in-file edit: the file's new packet and what the edit reports (the values
/// before and after, the new sidecar text). Into the file's own packet, or, when the file has
/// none and a sidecar applies (`side`), into that sidecar, with the values before and after
/// counting the sidecar's. `before` and `after` are the file's own values, from which its
/// EXIF/IPTC/QuickTime are edited.
fn xmp_part(
    packet: Option<&xmp::Packet>,
    side: Option<&xmp::Packet>,
    changes: &Changes,
    before: &Fields,
    after: &Fields,
    role: Role,
) -> Result<(Option<String>, InFileSide)> {
    match (packet, side) {
        (None, Some(sp)) => {
            let b = fields::merge(before.clone(), fields::read_xmp(sp));
            let a = changes.apply(&b)?;
            let text = fields::edit_xmp(Some(sp), changes, &a, role);
            Ok((None, (b, a, text)))
        }
        _ => Ok((
            fields::edit_xmp(packet, changes, after, role),
            (before.clone(), after.clone(), None),
        )),
    }
}

/// The values before and after an in-file edit and the sidecar's new text.
type InFileSide = (Fields, Fields, Option<String>);

/// [`in_file`] before its nothing-changes check: the rebuilt file whenever the edit touches a
/// block.
fn in_file_rebuilt(
    kind: Kind,
    bytes: &[u8],
    changes: &Changes,
    side: Option<&xmp::Packet>,
    notes: &mut Vec<String>,
) -> Result<InFile> {
    let out = match kind {
        Kind::Jpeg | Kind::Png | Kind::Webp | Kind::Tiff(_) | Kind::Heif(_) => {
            if changes.strip_location && kind == Kind::Jpeg {
                if let Some(block) = container::jpeg::foreign_location(bytes) {
                    return Err(Error::Unsupported(format!(
                        "{block} may hold a location that albumen cannot remove"
                    )));
                }
            }
            let parts = parts_of(kind, bytes)?;
            let packet = parts.xmp.as_deref().map(xmp::Packet::parse).transpose()?;
            let mut before = fields_of(&parts, packet.as_ref());
            // IPTC keywords/title/caption count where XMP has none (older files).
            let iptc = if kind == Kind::Jpeg {
                container::iptc::read(bytes)
            } else {
                Fields::default()
            };
            if before.keywords.is_empty() {
                before.keywords = iptc.keywords.clone();
            }
            if before.title.is_none() {
                before.title = iptc.title.clone();
            }
            if before.description.is_none() {
                before.description = iptc.description.clone();
            }
            let after = changes.apply(&before)?;
            let exif_f = parts
                .exif
                .as_deref()
                .map(fields::read_exif)
                .unwrap_or_default();
            let mut new_exif = match &parts.exif {
                Some(e) => fields::edit_exif(e, changes, &after)?,
                None => None,
            };
            let mut exif_gps = parts.exif.is_some();
            // The EXIF block may not be able to grow: a JPEG Exif segment holds at most 65533
            // bytes, and a block with a value running past its end would have that value read
            // into our appended bytes. Then the position goes to XMP only and EXIF keeps what
            // changes in place.
            if let Some(old) = &parts.exif {
                let overruns = tiff::dirs(old).is_ok_and(|d| tiff::overruns_end(old, &d));
                let cannot = |new: &Option<Vec<u8>>| match new {
                    Some(n) if kind == Kind::Jpeg && n.len() + 6 > JPEG_SEGMENT_MAX => {
                        Some("the Exif segment is full")
                    }
                    Some(n) if overruns && n.len() > old.len() => Some(
                        "a value in the Exif block runs past its end, so the block cannot grow",
                    ),
                    _ => None,
                };
                if let Some(why) = cannot(&new_exif) {
                    let mut limited = changes.clone();
                    limited.gps = None;
                    new_exif = fields::edit_exif(old, &limited, &after)?;
                    if cannot(&new_exif).is_some() {
                        return Err(Error::Unsupported(format!(
                            "{why}, and the time change needs new EXIF tags"
                        )));
                    }
                    exif_gps = false;
                    notes.push(format!("{why}: the position was written to XMP only"));
                }
            }
            let role = Role::Embedded {
                exif_time: exif_f.time.is_some(),
                exif_gps,
            };
            let (new_xmp, (shown_before, shown_after, side_text)) =
                xmp_part(packet.as_ref(), side, changes, &before, &after, role)?;
            let mut out = if new_exif.is_none() && new_xmp.is_none() {
                None
            } else {
                Some(match kind {
                    Kind::Jpeg => {
                        container::jpeg::rebuild(bytes, new_exif.as_deref(), new_xmp.as_deref())?
                    }
                    Kind::Png => {
                        container::png::rebuild(bytes, new_exif.as_deref(), new_xmp.as_deref())?
                    }
                    Kind::Webp => {
                        container::webp::rebuild(bytes, new_exif.as_deref(), new_xmp.as_deref())?
                    }
                    Kind::Heif(_) => container::bmff::heif_rebuild(
                        bytes,
                        new_exif.as_deref(),
                        new_xmp.as_deref(),
                    )?,
                    _ => container::tiff_file::rebuild(
                        new_exif.unwrap_or_else(|| bytes.to_vec()),
                        new_xmp.as_deref(),
                    )?,
                })
            };
            if kind == Kind::Jpeg {
                let base = out.as_deref().unwrap_or(bytes);
                let places: &[u8] = if changes.strip_location {
                    container::iptc::PLACE_DATASETS
                } else {
                    &[]
                };
                match container::iptc::sync_jpeg_removing(base, &before, &after, places) {
                    container::iptc::Sync::Written(b) => out = Some(b),
                    container::iptc::Sync::Skipped(why) => {
                        notes.push(format!("IPTC not updated: {why}"))
                    }
                    container::iptc::Sync::Untouched => {}
                }
                if changes.strip_location
                    && container::iptc::places_left(out.as_deref().unwrap_or(bytes))
                {
                    return Err(Error::Unsupported(
                        "IPTC place names in a block albumen cannot rewrite (several IPTC blocks)"
                            .into(),
                    ));
                }
                // Once the header is final: an AFCP trailer's absolute offsets move with it.
                if let Some(o) = out.as_mut() {
                    let delta = o.len() as i64 - bytes.len() as i64;
                    container::jpeg::shift_afcp(o, delta);
                }
            }
            (
                shown_before,
                shown_after,
                out.map(write::Output::Whole),
                side_text,
            )
        }
        Kind::Movie(_) => {
            let mv = container::movie::read(bytes)?;
            let packet = mv.xmp.as_deref().map(xmp::Packet::parse).transpose()?;
            let xf = packet.as_ref().map(fields::read_xmp).unwrap_or_default();
            let mut before = fields::merge(xf, mv.fields.clone());
            before.time = mv.fields.time.clone().or(before.time);
            let mut after = changes.apply(&before)?;
            // A UTC-only movie time given an offset: same instant, local time in that zone.
            if let (true, None, Some(o), Some(t)) = (
                mv.utc_only,
                changes.time.set,
                changes.time.offset,
                after.time.as_mut(),
            ) {
                let local = t
                    .local
                    .checked_add_signed(chrono::Duration::seconds(i64::from(o.local_minus_utc())));
                if let Some(l) = local {
                    t.local = l;
                }
            }
            let role = Role::Embedded {
                exif_time: true,
                exif_gps: true,
            };
            let (new_xmp, (shown_before, shown_after, side_text)) =
                xmp_part(packet.as_ref(), side, changes, &before, &after, role)?;
            let out = container::movie::rebuild(bytes, changes, &before, new_xmp.as_deref())?;
            (
                shown_before,
                shown_after,
                out.map(write::Output::Pieces),
                side_text,
            )
        }
        Kind::Raw(..) | Kind::SidecarOnly(_) | Kind::Unknown => {
            return Err(Error::Unsupported(kind.name().into()))
        }
    };
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JPEG whose Exif segment is nearly full (a big maker note).
    fn full_jpeg() -> Vec<u8> {
        let n: u32 = 65_431;
        let mut t: Vec<u8> =
            b"II*\0\x08\0\0\0\x01\0\x69\x87\x04\0\x01\0\0\0\x1a\0\0\0\0\0\0\0".to_vec();
        t.extend_from_slice(b"\x02\0\x03\x90\x02\0\x14\0\0\0\x38\0\0\0");
        t.extend_from_slice(b"\x7c\x92\x07\0");
        t.extend_from_slice(&n.to_le_bytes());
        t.extend_from_slice(&76u32.to_le_bytes());
        t.extend_from_slice(&[0, 0, 0, 0]);
        t.extend_from_slice(b"2020:01:02 03:04:05\0");
        t.resize(t.len() + n as usize, 0x55);
        let mut j = vec![0xFF, 0xD8, 0xFF, 0xE1];
        j.extend_from_slice(&((t.len() + 8) as u16).to_be_bytes());
        j.extend_from_slice(b"Exif\0\0");
        j.extend_from_slice(&t);
        j.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 0x12, 0x34, 0xFF, 0xD9]);
        j
    }

    #[test]
    fn full_exif_segment_puts_the_position_in_xmp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("full.jpg");
        std::fs::write(&p, full_jpeg()).unwrap();
        let edits = [
            Edit::ShiftTime(chrono::Duration::hours(1)),
            Edit::SetGps(albumen_meta::GpsPosition::new(10.0, 20.0, None).unwrap()),
        ];
        let r = apply(&p, &edits, &Options::default()).unwrap();
        assert_eq!(r.plan.notes.len(), 1, "{:?}", r.plan.notes);
        let again = plan(&p, &[], &Options::default()).unwrap();
        let g = again.before.gps.unwrap();
        assert!((g.lat - 10.0).abs() < 1e-9 && (g.lon - 20.0).abs() < 1e-9);
        assert_eq!(
            again.before.time.unwrap().local.to_string(),
            "2020-01-02 04:04:05"
        );
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod commit_tests {
    use super::*;

    #[test]
    fn a_failed_file_write_puts_the_sidecar_back() {
        let d = tempfile::tempdir().unwrap();
        let sp = d.path().join("a.nef.xmp");
        let fail = || Err(Error::ChangedOnDisk(d.path().join("a.nef")));
        // An existing sidecar gets its old bytes back.
        std::fs::write(&sp, b"old sidecar").unwrap();
        let st = write::stamp(&sp).unwrap();
        let e = commit(
            Some((&sp, Some(&st), b"new")),
            Some(b"old sidecar"),
            true,
            fail,
        );
        assert!(matches!(e, Err(Error::ChangedOnDisk(_))));
        assert_eq!(std::fs::read(&sp).unwrap(), b"old sidecar");
        // A new one is removed again.
        std::fs::remove_file(&sp).unwrap();
        let e = commit(Some((&sp, None, b"new")), None, true, fail);
        assert!(e.is_err());
        assert!(!sp.exists());
        // Success keeps the new sidecar.
        assert_eq!(
            commit(Some((&sp, None, b"new")), None, true, || Ok(())).unwrap(),
            3
        );
        assert_eq!(std::fs::read(&sp).unwrap(), b"new");
    }
}
