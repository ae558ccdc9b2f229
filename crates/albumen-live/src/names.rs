//! File-name relations between a still and a video.
//!
//! Real libraries rename files: Apple writes an edited copy as `IMG_E1234.HEIC` beside
//! `IMG_1234.HEIC`, export tools and file managers add ` (1)`, ` 2`, ` copy` or `-edited`. The
//! normalised stem removes those decorations so that variants of one capture compare equal.

use std::ffi::OsStr;
use std::path::Path;

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

/// Removes one trailing decoration: ` (1)`, `(1)`, ` 2`, ` copy`, ` copy 2`, `-edited`,
/// `_edited`, `-bearbeitet` is not handled (language-specific).
fn strip_decoration(s: &mut String) {
    for suffix in ["-edited", "_edited", " edited", " copy", "-copy", "_copy"] {
        if s.len() > suffix.len() && s.ends_with(suffix) {
            s.truncate(s.len() - suffix.len());
            return;
        }
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
