//! Which XMP sidecars belong to a file: the one home of the naming rule, used by the reader to
//! merge them and by albumen-edit to choose where an edit through a sidecar is written.
//!
//! Two names are in use:
//! - `NAME.EXT.xmp` (darktable, digiKam, Immich): names exactly one file, so it always applies.
//! - `NAME.xmp` (Adobe Lightroom/Bridge/Camera Raw): Adobe writes it only for formats that
//!   cannot hold XMP themselves (proprietary raws); for JPEG, TIFF, PNG, HEIC, DNG or PSD the XMP
//!   lives in the file. It is also ambiguous: beside `IMG_1.CR2` and `IMG_1.JPG`, `IMG_1.xmp` is
//!   the raw's. So it applies when the file is edited through a sidecar
//!   ([`Format::edited_through_sidecar`]: camera raws other than DNG, and the formats albumen-edit
//!   does not write inside) or when the file carries no XMP packet of its own
//!   ([`Metadata::embedded_xmp`]); a JPEG with embedded XMP ignores a `NAME.xmp` beside it.
//!
//! Either name is matched with `.xmp` or `.XMP`.

use std::path::{Path, PathBuf};

use crate::{Format, Metadata};

/// An existing file `base` + `.xmp` or `.XMP`, other than `path` itself.
fn existing(path: &Path, base: &std::ffi::OsStr) -> Option<PathBuf> {
    existing_in(path, base, &|p: &Path| p.is_file())
}

/// [`existing`], with `exists` saying whether a candidate is a file.
fn existing_in(
    path: &Path,
    base: &std::ffi::OsStr,
    exists: &impl Fn(&Path) -> bool,
) -> Option<PathBuf> {
    ["xmp", "XMP"].into_iter().find_map(|ext| {
        let mut name = base.to_owned();
        name.push(".");
        name.push(ext);
        let p = path.with_file_name(name);
        (p != path && exists(&p)).then_some(p)
    })
}

/// Whether a `NAME.xmp` sidecar applies to a file read as `md` (without its sidecars): when
/// the format is edited through a sidecar or the file has no XMP packet of its own.
///
/// ```
/// let mut md = albumen_meta::Metadata::default();
/// md.format = Some(albumen_meta::Format::Jpeg);
/// assert!(albumen_meta::stem_sidecar_applies(&md));
/// md.embedded_xmp = true;
/// assert!(!albumen_meta::stem_sidecar_applies(&md));
/// md.format = Some(albumen_meta::Format::Nef);
/// assert!(albumen_meta::stem_sidecar_applies(&md));
/// ```
pub fn stem_sidecar_applies(md: &Metadata) -> bool {
    md.format
        .unwrap_or(Format::Unknown)
        .edited_through_sidecar()
        || !md.embedded_xmp
}

/// The XMP sidecars that exist and apply to the file at `path`, read as `md` (without its
/// sidecars), in the order they are merged: `NAME.xmp` when [`stem_sidecar_applies`], then
/// `NAME.EXT.xmp`, so the more specific one wins. Either is matched with `.xmp` or `.XMP`.
///
/// The rule, which [`sidecar_write_path`] follows for the editor:
/// - `NAME.EXT.xmp` (darktable, digiKam, Immich) names exactly one file: it always applies.
/// - `NAME.xmp` (Adobe Lightroom/Bridge/Camera Raw) is written by Adobe only for formats that
///   cannot hold XMP themselves (proprietary raws); for JPEG, TIFF, PNG, HEIC, DNG or PSD the
///   XMP lives in the file. It is also ambiguous: beside `IMG_1.CR2` and `IMG_1.JPG`,
///   `IMG_1.xmp` is the raw's. So it applies when the format is edited through a sidecar
///   ([`Format::edited_through_sidecar`]) or the file has no XMP packet of its own
///   ([`Metadata::embedded_xmp`]); a JPEG with embedded XMP ignores a `NAME.xmp` beside it.
///
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// let jpg = dir.path().join("IMG_1.JPG");
/// # std::fs::write(&jpg, b"").unwrap();
/// std::fs::write(dir.path().join("IMG_1.xmp"), b"<x:xmpmeta/>").unwrap();
/// std::fs::write(dir.path().join("IMG_1.JPG.xmp"), b"<x:xmpmeta/>").unwrap();
/// let mut md = albumen_meta::Metadata::default();
/// md.format = Some(albumen_meta::Format::Jpeg);
/// md.embedded_xmp = true; // the JPEG has its own XMP: IMG_1.xmp is not its sidecar
/// let names: Vec<_> = albumen_meta::sidecar_paths(&jpg, &md)
///     .iter()
///     .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
///     .collect();
/// assert_eq!(names, ["IMG_1.JPG.xmp"]);
/// ```
pub fn sidecar_paths(path: &Path, md: &Metadata) -> Vec<PathBuf> {
    sidecar_paths_in(path, md, &|p: &Path| p.is_file())
}

/// [`sidecar_paths`] for a caller that has listed the folder: `exists` says whether a
/// candidate is a file there (instead of a lookup of each: see
/// [`Reader::read_path_in`](crate::Reader::read_path_in)).
pub(crate) fn sidecar_paths_in(
    path: &Path,
    md: &Metadata,
    exists: &impl Fn(&Path) -> bool,
) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if stem_sidecar_applies(md) {
        // A name without an extension has one sidecar name; it is found below.
        if let (Some(stem), Some(_)) = (path.file_stem(), path.extension()) {
            out.extend(existing_in(path, stem, exists));
        }
    }
    if let Some(name) = path.file_name() {
        if let Some(p) = existing_in(path, name, exists) {
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    out
}

/// Where an edit written through a sidecar goes, so that the reader reads it back: an existing
/// `NAME.EXT.xmp`, else an existing `NAME.xmp` when it applies ([`stem_sidecar_applies`]; it
/// is then merged, as Lightroom expects), else a new `NAME.EXT.xmp`.
///
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// let cr2 = dir.path().join("IMG_1.CR2");
/// std::fs::write(dir.path().join("IMG_1.xmp"), b"<x:xmpmeta/>").unwrap();
/// let mut md = albumen_meta::Metadata::default();
/// md.format = Some(albumen_meta::Format::Cr2);
/// assert_eq!(albumen_meta::sidecar_write_path(&cr2, &md), dir.path().join("IMG_1.xmp"));
/// md.format = Some(albumen_meta::Format::Jpeg);
/// md.embedded_xmp = true;
/// let jpg = dir.path().join("IMG_1.JPG");
/// assert_eq!(albumen_meta::sidecar_write_path(&jpg, &md), dir.path().join("IMG_1.JPG.xmp"));
/// ```
pub fn sidecar_write_path(path: &Path, md: &Metadata) -> PathBuf {
    let full = || {
        let mut name = path.file_name().unwrap_or_default().to_owned();
        name.push(".xmp");
        path.with_file_name(name)
    };
    match path.file_name() {
        Some(name) => existing(path, name)
            .or_else(|| sidecar_paths(path, md).into_iter().next())
            .unwrap_or_else(full),
        None => full(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn md(format: Format, embedded_xmp: bool) -> Metadata {
        Metadata {
            format: Some(format),
            embedded_xmp,
            ..Default::default()
        }
    }

    fn names(v: &[PathBuf]) -> Vec<String> {
        v.iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn stem_sidecar_follows_the_format_and_the_embedded_packet() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("IMG_1.XMP"), b"x").unwrap();
        let jpg = d.path().join("IMG_1.JPG");
        let cr2 = d.path().join("IMG_1.CR2");
        let dng = d.path().join("IMG_1.DNG");
        assert!(sidecar_paths(&jpg, &md(Format::Jpeg, true)).is_empty());
        assert_eq!(
            names(&sidecar_paths(&jpg, &md(Format::Jpeg, false))),
            ["IMG_1.XMP"]
        );
        assert_eq!(
            names(&sidecar_paths(&cr2, &md(Format::Cr2, true))),
            ["IMG_1.XMP"]
        );
        assert!(sidecar_paths(&dng, &md(Format::Dng, true)).is_empty());
        // The write path agrees with the read rule.
        assert_eq!(
            names(&[sidecar_write_path(&jpg, &md(Format::Jpeg, true))]),
            ["IMG_1.JPG.xmp"]
        );
        assert_eq!(
            names(&[sidecar_write_path(&cr2, &md(Format::Cr2, true))]),
            ["IMG_1.XMP"]
        );
    }

    #[test]
    fn full_name_sidecar_always_applies_and_wins() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("a.xmp"), b"x").unwrap();
        std::fs::write(d.path().join("a.jpg.xmp"), b"x").unwrap();
        let jpg = d.path().join("a.jpg");
        assert_eq!(
            names(&sidecar_paths(&jpg, &md(Format::Jpeg, true))),
            ["a.jpg.xmp"]
        );
        assert_eq!(
            names(&sidecar_paths(&jpg, &md(Format::Jpeg, false))),
            ["a.xmp", "a.jpg.xmp"]
        );
        assert_eq!(
            names(&[sidecar_write_path(&jpg, &md(Format::Jpeg, false))]),
            ["a.jpg.xmp"]
        );
        // A file without an extension has one sidecar name, listed once.
        let bare = d.path().join("a");
        assert_eq!(
            names(&sidecar_paths(&bare, &md(Format::Jpeg, true))),
            ["a.xmp"]
        );
        assert_eq!(
            names(&sidecar_paths(&bare, &md(Format::Jpeg, false))),
            ["a.xmp"]
        );
    }
}
