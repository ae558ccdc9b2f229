//! Stacks over the index: RAW+JPEG twins made from the corpus's raw files the way a camera in
//! RAW+JPEG mode writes them (the raw's embedded JPEG beside it, carrying the raw's EXIF), an
//! edited version, and decoys (another camera's EXIF, a raw without a time, a twin in another
//! folder). Each stack is one item; export copies every member; the user's face and split
//! choices survive a rescan.
//!
//! Needs the corpus (`ALBUMEN_CORPUS`) and `exiftool`; skips with a printed reason otherwise.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::Raw;

use albumen_index::{Index, NoProgress};
use albumen_scan::{Scan, ScanOptions};

fn corpus() -> Option<PathBuf> {
    let p = std::env::var_os("ALBUMEN_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    p.is_dir().then_some(p)
}

fn exiftool(args: &[&str]) -> Option<Vec<u8>> {
    let out = Command::new("exiftool").args(args).output().ok()?;
    out.status.success().then_some(out.stdout)
}

/// Writes `jpg` as the camera would beside `raw`: the raw's embedded JPEG (or, when it holds
/// none, `fallback`) carrying the EXIF of `tags_from` (the raw itself for a real twin).
fn twin(raw: &Path, jpg: &Path, tags_from: &Path, fallback: &Path) {
    let raw_s = raw.to_str().unwrap();
    match ["-JpgFromRaw", "-PreviewImage", "-OtherImage"]
        .iter()
        .filter_map(|t| exiftool(&["-b", t, raw_s]))
        .find(|b| b.starts_with(b"\xff\xd8"))
    {
        Some(bytes) => fs::write(jpg, bytes).unwrap(),
        None => {
            fs::copy(fallback, jpg).unwrap();
        }
    }
    exiftool(&[
        "-q",
        "-q",
        "-overwrite_original",
        "-all=",
        "-TagsFromFile",
        tags_from.to_str().unwrap(),
        "-all:all",
        "-XMP:all=",
        jpg.to_str().unwrap(),
    ]);
}

/// Makes every EXIF date-time in `path` unreadable (`0000:00:00 00:00:00`, EXIF's "unknown"),
/// byte for byte: exiftool refuses to write the corpus's raws.
fn blank_dates(path: &Path) {
    let mut b = fs::read(path).unwrap();
    let shape = b"dddd:dd:dd dd:dd:dd";
    let mut i = 0;
    while i + shape.len() <= b.len() {
        let hit = b[i..i + shape.len()].iter().zip(shape).all(|(x, s)| {
            if *s == b'd' {
                x.is_ascii_digit()
            } else {
                x == s
            }
        });
        if hit {
            b[i..i + shape.len()].copy_from_slice(b"0000:00:00 00:00:00");
            i += shape.len();
        } else {
            i += 1;
        }
    }
    fs::write(path, b).unwrap();
}

#[test]
fn raw_jpeg_twins_and_edits_are_one_item_and_export_whole() {
    let Some(c) = corpus() else {
        eprintln!("skipped: corpus not found (set ALBUMEN_CORPUS)");
        return;
    };
    if exiftool(&["-ver"]).is_none() {
        eprintln!("skipped: exiftool is not installed");
        return;
    }
    let raws: Vec<PathBuf> = [
        "exiftool-samples/Panasonic.rw2",
        "exiftool-samples/FujiFilm.raf",
        "exiftool-samples/Nikon.nef",
        "exiftool-samples/CanonRaw.cr3",
        "exiftool-samples/CanonRaw.cr2",
        "metadata-extractor-images/nef/Issue 247-1.nef",
    ]
    .iter()
    .map(|p| c.join(p))
    .filter(|p| p.is_file())
    .collect();
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("photos");
    // A JPEG for raws without an embedded one; its own EXIF is replaced by the raw's.
    let plain = c.join("exiftool-samples/Nikon.jpg");
    let mut stacked: Vec<(String, String)> = Vec::new();
    for (i, r) in raws.iter().enumerate() {
        let dir = root.join(format!("card/{}CAMERA", 100 + i));
        fs::create_dir_all(&dir).unwrap();
        let ext = r.extension().unwrap().to_string_lossy().to_uppercase();
        let rp = dir.join(format!("DSC_{}.{ext}", 1000 + i));
        fs::copy(r, &rp).unwrap();
        let jp = dir.join(format!("DSC_{}.JPG", 1000 + i));
        // A twin from the camera's own embedded preview (the check builds its JPEG with
        // ImageMagick instead; either way the EXIF is the raw's).
        twin(&rp, &jp, &rp, &plain);
        stacked.push((
            rp.file_name().unwrap().to_string_lossy().into(),
            jp.file_name().unwrap().to_string_lossy().into(),
        ));
    }
    // Decoys. The same stem with another camera's EXIF (copied from the CR2).
    let nef = c.join("exiftool-samples/Nikon.nef");
    let cr2 = c.join("exiftool-samples/CanonRaw.cr2");
    let decoy = root.join("decoy");
    fs::create_dir_all(&decoy).unwrap();
    fs::copy(&nef, decoy.join("IMG_0001.NEF")).unwrap();
    twin(&nef, &decoy.join("IMG_0001.JPG"), &cr2, &plain);
    // A raw whose time cannot be read, beside a JPEG with the right time.
    let blind = root.join("blind");
    fs::create_dir_all(&blind).unwrap();
    fs::copy(&nef, blind.join("DSC_0002.NEF")).unwrap();
    twin(&nef, &blind.join("DSC_0002.JPG"), &nef, &plain);
    blank_dates(&blind.join("DSC_0002.NEF"));
    // A twin exported into another folder.
    let exports = root.join("exports");
    fs::create_dir_all(&exports).unwrap();
    twin(
        &root.join(format!("card/100CAMERA/{}", stacked[0].0)),
        &exports.join(&stacked[0].1),
        &root.join(format!("card/100CAMERA/{}", stacked[0].0)),
        &plain,
    );
    // An edited version beside its original.
    let phone = root.join("phone");
    fs::create_dir_all(&phone).unwrap();
    let orig = phone.join("PXL_20230704_101500123.jpg");
    fs::copy(c.join("exiftool-samples/Nikon.jpg"), &orig).unwrap();
    exiftool(&[
        "-q",
        "-overwrite_original",
        "-DateTimeOriginal=2023:07:04 12:15:00",
        "-Model=Pixel 7",
        "-Make=Google",
        orig.to_str().unwrap(),
    ])
    .unwrap();
    fs::copy(&orig, phone.join("PXL_20230704_101500123-edited.jpg")).unwrap();
    exiftool(&[
        "-q",
        "-overwrite_original",
        "-ImageDescription=edited",
        phone
            .join("PXL_20230704_101500123-edited.jpg")
            .to_str()
            .unwrap(),
    ]);

    let db = d.path().join("index.db");
    let mut index = Index::open(&db).unwrap();
    let opts = ScanOptions::new();
    let r = index
        .scan("cam", std::slice::from_ref(&root), &opts, &NoProgress)
        .unwrap();
    let n_stacks = stacked.len() as u64 + 1;
    let rows: Vec<String> = index
        .raw()
        .prepare(
            "SELECT path_text, kind, make, model, capture_kind, capture_local, error_reason \
             FROM files ORDER BY path_text",
        )
        .unwrap()
        .query_map([], |r| {
            let cols: Vec<Option<String>> = (0..7).map(|i| r.get(i).ok()).collect();
            Ok(format!("{cols:?}"))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let files = r.summary.files;
    let items: u64 = r.summary.items.values().sum();
    assert_eq!(
        (items, r.summary.pairing.get("stacks").copied()),
        (files - n_stacks, Some(n_stacks)),
        "{:#?}\n{}",
        r.summary,
        rows.join("\n")
    );
    // The faces are the JPEG and the edited version, each a photo (not a Live Photo).
    let conn = index.raw();
    let faces: BTreeSet<String> = conn
        .prepare(
            "SELECT f.path_text, i.kind FROM pairs p JOIN files f ON f.id = p.still_file_id \
             JOIN items i ON i.id = f.id WHERE p.method LIKE 'stack-%'",
        )
        .unwrap()
        .query_map([], |r| {
            let (p, k): (String, String) = (r.get(0)?, r.get(1)?);
            Ok(format!(
                "{} {k}",
                Path::new(&p).file_name().unwrap().to_string_lossy()
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut want: BTreeSet<String> = stacked.iter().map(|(_, j)| format!("{j} photo")).collect();
    want.insert("PXL_20230704_101500123-edited.jpg photo".into());
    assert_eq!(faces, want);
    // No decoy is in a stack.
    let in_stacks: i64 = conn
        .query_row(
            "SELECT count(*) FROM pairs p JOIN files f ON f.id IN (p.still_file_id, p.video_file_id) \
             WHERE p.method LIKE 'stack-%' AND (f.path_text LIKE '%/decoy/%' \
             OR f.path_text LIKE '%/blind/%' OR f.path_text LIKE '%/exports/%')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(in_stacks, 0);

    // What an export selects (albumen-backup plans its copies from this; its own tests copy a
    // stack): every member of every stack comes with its face, in one item.
    let lib = index.library(Some("cam")).unwrap().id;
    let groups: Vec<BTreeSet<String>> = index
        .items_in_local_range(lib, "1990", "2031")
        .unwrap()
        .into_iter()
        .map(|item| {
            std::iter::once(item.file)
                .chain(item.members.into_iter().map(|(f, _)| f))
                .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
                .collect()
        })
        .collect();
    for (raw, jpg) in &stacked {
        assert!(
            groups.iter().any(|g| g.contains(raw) && g.contains(jpg)),
            "{raw} and {jpg} are not selected together: {groups:?}"
        );
    }
    assert!(groups
        .iter()
        .any(|g| g.contains("PXL_20230704_101500123.jpg")
            && g.contains("PXL_20230704_101500123-edited.jpg")));

    // The user's choices: the raw as face, then a split; both survive a rescan.
    let raw_id: i64 = conn
        .query_row(
            "SELECT id FROM files WHERE path_text LIKE ?1",
            [format!("%/{}", stacked[0].0)],
            |r| r.get(0),
        )
        .unwrap();
    assert!(index.set_stack_face(raw_id).unwrap());
    let info = index.stack_of(raw_id).unwrap().unwrap();
    assert_eq!((info.face, info.kind.as_str()), (raw_id, "raw-jpeg"));
    assert_eq!(info.members.len(), 2);
    assert!(index.split_stack(raw_id).unwrap());
    assert!(index.stack_of(raw_id).unwrap().is_none());
    fs::write(phone.join("new.jpg"), b"\xff\xd8\xff\xd9").unwrap();
    let r = index
        .scan("cam", std::slice::from_ref(&root), &opts, &NoProgress)
        .unwrap();
    assert_eq!(r.summary.pairing.get("stacks").copied(), Some(n_stacks - 1));
    assert!(index.stack_of(raw_id).unwrap().is_none());
    index.clear_stack_choices(raw_id).unwrap();
    let info = index.stack_of(raw_id).unwrap().unwrap();
    assert_ne!(info.face, raw_id, "the default face is the JPEG");
}

/// More candidate folders than one query reads (the stacking reads their files a few folders
/// at a time): every folder's edited copy still stacks with its original.
#[test]
fn edited_copies_stack_in_many_folders() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("photos");
    let n = 150;
    for k in 0..n {
        let dir = root.join(format!("day-{k:03}"));
        let t = format!("2023:07:{:02} 10:{:02}:00", k % 28 + 1, k % 60);
        common::write(
            &dir.join("PXL_20230704_101500123.jpg"),
            &common::jpeg(&t, Some("+02:00"), &format!("original {k}")),
        );
        common::write(
            &dir.join("PXL_20230704_101500123-edited.jpg"),
            &common::jpeg(&t, Some("+02:00"), &format!("edited {k}")),
        );
    }
    let mut index = Index::open(d.path().join("index.db")).unwrap();
    let r = index
        .scan(
            "many",
            std::slice::from_ref(&root),
            &ScanOptions::new(),
            &NoProgress,
        )
        .unwrap();
    assert_eq!(r.new, 2 * n as u64);
    assert_eq!(
        r.summary.pairing.get("stacks").copied(),
        Some(n as u64),
        "{r:?}"
    );
}
