//! File-name relations between a still and a video.
//!
//! Real libraries rename files: Apple writes an edited copy as `IMG_E1234.HEIC` beside
//! `IMG_1234.HEIC`, export tools and file managers add ` (1)`, ` 2`, ` copy` or `-edited`. The
//! normalised stem removes those decorations so that variants of one capture compare equal.
//!
//! icloudpd (the iCloud Photos downloader) has conventions of its own: a Live Photo's video is
//! `IMG_1234_HEVC.MOV` (older versions: `IMG_1234_HEIC.MOV`), and when two assets of a folder
//! share a name it appends a de-duplication id, the file's size in bytes, to either file
//! (`FullSizeRender-2369959.HEIC` with `FullSizeRender_HEVC-4559592.MOV`). Both are decorations
//! here too. Its folders are dates (`YYYY/MM/DD` or `YYYY-MM-DD`): [`date_folder`] reads them.

use std::ffi::OsStr;
use std::path::{Component, Path};

use chrono::NaiveDate;

/// How the base names of two files relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum NameMatch {
    /// Unrelated names.
    None,
    /// Equal after removing copy/edit decorations (`IMG_E1234`, `IMG_1234 (1)`).
    Variant,
    /// Equal base names (case-insensitive).
    Exact,
}

/// The folder and the file stem (name without its last extension) of a path, as
/// `Path::parent` and `Path::file_stem` give them. On Unix, UTF-8 paths are split by one
/// search for the last `/` instead of parsing every component: this halves the cost of pairing a
/// million files (benches/pairing.rs).
pub(crate) fn split(path: &Path) -> (&Path, &OsStr) {
    if cfg!(unix) {
        if let Some(s) = path.to_str() {
            let (folder, name) = match s.rfind('/') {
                Some(i) => {
                    let f = s[..i].trim_end_matches('/');
                    (if f.is_empty() { &s[..=i] } else { f }, &s[i + 1..])
                }
                None => ("", s),
            };
            if !name.is_empty() && name != "." && name != ".." {
                let stem = match name.rfind('.') {
                    Some(0) | None => name,
                    Some(i) => &name[..i],
                };
                return (Path::new(folder), OsStr::new(stem));
            }
        }
    }
    (
        path.parent().unwrap_or(Path::new("")),
        path.file_stem().unwrap_or_default(),
    )
}

/// Whether `s` is `IMG_E` followed by a digit (Apple's edited-copy naming).
pub(crate) fn is_apple_edited(stem: &OsStr) -> bool {
    let b = stem.as_encoded_bytes();
    b.len() > 5 && b[..5].eq_ignore_ascii_case(b"IMG_E") && b[5].is_ascii_digit()
}

/// Lower-cased stem without copy/edit decorations.
pub(crate) fn normalized_stem(stem: &OsStr) -> String {
    let mut s = stem.to_string_lossy().trim().to_lowercase();
    // Each pass removes one decoration; a name has few, and each pass shortens the string, so
    // this ends. The bound guards against a pathological name anyway.
    for _ in 0..8 {
        let before = s.len();
        strip_decoration(&mut s);
        if s.len() == before {
            break;
        }
    }
    if is_apple_edited(OsStr::new(&s)) {
        // "img_e1234" -> "img_1234"
        s.replace_range(4..5, "");
    }
    s
}

/// icloudpd's suffixes of a Live Photo's video (lower case).
const ICLOUDPD_VIDEO_SUFFIXES: [&str; 2] = ["_hevc", "_heic"];

/// The length of icloudpd's de-duplication id at the end of a lower-cased stem (`-` and the
/// file's size in bytes), or `None`. Only 5 to 12 digits after a base that holds a letter count:
/// a media file has at least 10 000 bytes, and `DSC-1234` or a date-time name such as
/// `20230101-123456` must keep their numbers.
fn dedup_id_len(s: &str) -> Option<usize> {
    let digits = s.bytes().rev().take_while(u8::is_ascii_digit).count();
    if !(5..=12).contains(&digits) {
        return None;
    }
    let base = s.get(..s.len() - digits)?.strip_suffix('-')?;
    base.bytes()
        .any(|b| b.is_ascii_alphabetic())
        .then_some(digits + 1)
}

/// Whether a stem carries one of icloudpd's decorations (`_HEVC`, `_HEIC`, a `-NNNNN`
/// de-duplication id), in any case.
pub(crate) fn is_icloudpd_decorated(stem: &OsStr) -> bool {
    let s = stem.to_string_lossy().to_lowercase();
    dedup_id_len(&s).is_some()
        || ICLOUDPD_VIDEO_SUFFIXES
            .iter()
            .any(|x| s.len() > x.len() && s.ends_with(x))
}

/// Removes one trailing decoration: ` (1)`, `(1)`, ` 2`, ` copy`, ` copy 2`, `-edited`,
/// `_edited`, icloudpd's `_HEVC` / `_HEIC` and `-NNNNN` de-duplication id; `-bearbeitet` is not
/// handled (language-specific).
fn strip_decoration(s: &mut String) {
    for suffix in ["-edited", "_edited", " edited", " copy", "-copy", "_copy"]
        .into_iter()
        .chain(ICLOUDPD_VIDEO_SUFFIXES)
    {
        if s.len() > suffix.len() && s.ends_with(suffix) {
            s.truncate(s.len() - suffix.len());
            return;
        }
    }
    if let Some(n) = dedup_id_len(s) {
        s.truncate(s.len() - n);
        return;
    }
    let b = s.as_bytes();
    // "(n)" with an optional leading space
    if b.last() == Some(&b')') {
        if let Some(open) = s.rfind('(') {
            let inner = &s[open + 1..s.len() - 1];
            if !inner.is_empty() && inner.len() <= 4 && inner.bytes().all(|c| c.is_ascii_digit()) {
                let cut = if open > 0 && b[open - 1] == b' ' {
                    open - 1
                } else {
                    open
                };
                if cut > 0 {
                    s.truncate(cut);
                }
                return;
            }
        }
    }
    // " n" (Finder duplicates: "IMG_1234 2.HEIC"), at most three digits so that "clip 0007"
    // keeps its number.
    if let Some(space) = s.rfind(' ') {
        let tail = &s[space + 1..];
        if space > 0
            && !tail.is_empty()
            && tail.len() <= 3
            && tail.bytes().all(|c| c.is_ascii_digit())
        {
            s.truncate(space);
        }
    }
}

/// How the names of a still and a video relate.
pub(crate) fn name_match(
    still_stem: &OsStr,
    still_norm: &str,
    video_stem: &OsStr,
    video_norm: &str,
) -> NameMatch {
    if still_stem.eq_ignore_ascii_case(video_stem) {
        NameMatch::Exact
    } else if still_norm == video_norm {
        NameMatch::Variant
    } else {
        NameMatch::None
    }
}

/// The date of an icloudpd date folder and the folder above the date part: `lib/2021/03/07`
/// gives (`lib`, 2021-03-07), `lib/2021-03-07` gives (`lib`, 2021-03-07); other folders `None`.
pub(crate) fn date_folder(folder: &Path) -> Option<(&Path, NaiveDate)> {
    fn name(c: Option<Component<'_>>) -> Option<&str> {
        match c {
            Some(Component::Normal(n)) => n.to_str(),
            _ => None,
        }
    }
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let mut comps = folder.components();
    let last = name(comps.next_back())?;
    if last.len() == 10 && last.as_bytes().get(4) == Some(&b'-') {
        let date = NaiveDate::parse_from_str(last, "%Y-%m-%d").ok()?;
        return Some((comps.as_path(), date));
    }
    let (month, year) = (name(comps.next_back())?, name(comps.next_back())?);
    if !(digits(year, 4) && digits(month, 2) && digits(last, 2)) {
        return None;
    }
    let date =
        NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, last.parse().ok()?)?;
    Some((comps.as_path(), date))
}

/// Number of leading path components two folders share.
pub(crate) fn common_depth(a: &Path, b: &Path) -> usize {
    a.components()
        .zip(b.components())
        .take_while(|(x, y)| x == y)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decorations_are_removed() {
        let normalized_stem = |s: &str| normalized_stem(OsStr::new(s));
        assert_eq!(normalized_stem("IMG_1234"), "img_1234");
        assert_eq!(normalized_stem("IMG_E1234"), "img_1234");
        assert_eq!(normalized_stem("IMG_1234 (1)"), "img_1234");
        assert_eq!(normalized_stem("IMG_1234(12)"), "img_1234");
        assert_eq!(normalized_stem("IMG_1234 2"), "img_1234");
        assert_eq!(normalized_stem("IMG_1234 copy"), "img_1234");
        assert_eq!(normalized_stem("IMG_1234 copy 2"), "img_1234");
        assert_eq!(normalized_stem("IMG_E1234-edited"), "img_1234");
        assert_eq!(normalized_stem("clip 0007"), "clip 0007");
        assert_eq!(normalized_stem("IMAGE"), "image");
        assert_eq!(normalized_stem("(1)"), "(1)");
        assert_eq!(normalized_stem(""), "");
        assert_eq!(normalized_stem("IMG_Edit"), "img_edit");
    }

    #[test]
    fn icloudpd_names_are_normalised() {
        let n = |s: &str| normalized_stem(OsStr::new(s));
        // Live Photo videos: `_HEVC`, and `_HEIC` from older icloudpd versions.
        assert_eq!(n("IMG_1234_HEVC"), "img_1234");
        assert_eq!(n("IMG_1234_heic"), "img_1234");
        // De-duplication ids (the file size) on either file, with or without `_HEVC`.
        assert_eq!(n("FullSizeRender-2369959"), "fullsizerender");
        assert_eq!(n("FullSizeRender_HEVC-4559592"), "fullsizerender");
        assert_eq!(n("IMG_0042-1884695"), "img_0042");
        // Numbers that are not such ids stay.
        assert_eq!(n("DSC-1234"), "dsc-1234");
        assert_eq!(n("20230101-123456"), "20230101-123456");
        assert_eq!(n("IMG_1234-12345678901234"), "img_1234-12345678901234");
        assert_eq!(n("_HEVC"), "_hevc");
        assert_eq!(n("-123456"), "-123456");
        let d = |s: &str| is_icloudpd_decorated(OsStr::new(s));
        assert!(d("IMG_1_HEVC") && d("FullSizeRender-2369959") && d("x_heic"));
        assert!(!d("IMG_1234") && !d("IMG_E1234") && !d("DSC-1234") && !d("_HEVC"));
    }

    #[test]
    fn date_folders() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(
            date_folder(Path::new("/nas/anna/2021/03/07")),
            Some((Path::new("/nas/anna"), day(2021, 3, 7)))
        );
        assert_eq!(
            date_folder(Path::new("anna/2021-03-07")),
            Some((Path::new("anna"), day(2021, 3, 7)))
        );
        assert_eq!(
            date_folder(Path::new("2021/03/07")),
            Some((Path::new(""), day(2021, 3, 7)))
        );
        for no in [
            "anna/2021/13/07",
            "anna/2021/02/30",
            "anna/2021-3-07",
            "anna/21/03/07",
            "anna/trip",
            "03/07",
            "",
            "/",
        ] {
            assert_eq!(date_folder(Path::new(no)), None, "{no}");
        }
    }

    #[test]
    fn name_relations() {
        let n = |s: &str| normalized_stem(OsStr::new(s));
        let m = |a: &str, b: &str| name_match(OsStr::new(a), &n(a), OsStr::new(b), &n(b));
        assert_eq!(m("IMG_1234", "img_1234"), NameMatch::Exact);
        assert_eq!(m("IMG_E1234", "IMG_1234"), NameMatch::Variant);
        assert_eq!(m("IMG_1234 (1)", "IMG_1234"), NameMatch::Variant);
        assert_eq!(m("IMG_1234", "IMG_12345"), NameMatch::None);
        assert!(NameMatch::Exact > NameMatch::Variant && NameMatch::Variant > NameMatch::None);
    }

    #[test]
    fn split_agrees_with_std() {
        for p in [
            "a/b/IMG_1.HEIC",
            "/a/b/IMG_1.HEIC",
            "/IMG_1.HEIC",
            "IMG_1.HEIC",
            "a//b//x.tar.gz",
            "a/.hidden",
            "a/name.",
            "a/b/..",
            "a/b/.",
            "a/b/",
            "",
            "/",
            "a/Boston harbour.heic",
        ] {
            let path = Path::new(p);
            let (f, s) = split(path);
            assert_eq!(f, path.parent().unwrap_or(Path::new("")), "{p}");
            assert_eq!(s, path.file_stem().unwrap_or_default(), "{p}");
        }
    }

    #[test]
    fn depth_counts_shared_components() {
        assert_eq!(common_depth(Path::new("/a/b/c"), Path::new("/a/b/d")), 3);
        assert_eq!(common_depth(Path::new("a/b"), Path::new("x/b")), 0);
    }

    #[test]
    fn hostile_names_do_not_panic() {
        for s in [
            "é (1)",
            " (1)",
            "((((",
            "))))",
            "IMG_E",
            "IMG_Eé",
            " 1",
            "ß copy",
            "\u{1F600} 2",
        ] {
            let _ = normalized_stem(OsStr::new(s));
        }
    }
}
