//! Libraries built by the test from real corpus files: iPhone stills (their content identifier
//! patched in place to make new Live Photos), MOVs given identifiers with ffmpeg, a JPEG given an
//! iPhone maker note with exiftool, identifier-less pairs with times written by exiftool/ffmpeg,
//! and motion photos made of a real JPEG plus a real MP4 (Google XMP written by exiftool, Samsung
//! trailer written here). Then `scan_roots` must find exactly the expected pairs, orphans and
//! conflicts, and extraction must give back the MP4 byte for byte.
//!
//! Needs the corpus (`ALBUMEN_CORPUS`, default `../shared/corpus` beside the workspace),
//! `exiftool` and `ffmpeg`; skips with a printed reason when one is missing.

#![allow(clippy::unwrap_used)] // test helpers: a failed fixture step should stop the test

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use albumen_live::{
    detect_motion_photo, extract_motion_video, scan_roots, ConflictReason, Evidence, PairKind,
};

fn corpus() -> Option<PathBuf> {
    let c = std::env::var_os("ALBUMEN_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    c.join("oracle.json").is_file().then_some(c)
}

fn have(tool: &str, arg: &str) -> bool {
    Command::new(tool)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const ED69: &str = "ED69AFC7-A2EB-4FE9-88A0-54293FC2478F";
const ID_1745: &str = "1745E022-9712-43C7-B024-F308EC6413CB";
const ID_0FD2: &str = "0FD24349-014A-423D-AE8D-35FCE43A24E7";

struct Lib {
    corpus: PathBuf,
    root: PathBuf,
}

impl Lib {
    fn path(&self, rel: &str) -> PathBuf {
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        p
    }
    /// A copy of a corpus file, writable.
    fn copy(&self, from: &str, to: &str) -> PathBuf {
        let p = self.path(to);
        std::fs::write(&p, std::fs::read(self.corpus.join(from)).unwrap()).unwrap();
        p
    }
    /// A copy of a corpus still with its content identifier (present once, as ASCII) replaced.
    fn still_with_id(&self, from: &str, old: &str, new: &str, to: &str) -> PathBuf {
        let mut b = std::fs::read(self.corpus.join(from)).unwrap();
        let at = b
            .windows(old.len())
            .position(|w| w == old.as_bytes())
            .unwrap();
        b[at..at + new.len()].copy_from_slice(new.as_bytes());
        let p = self.path(to);
        std::fs::write(&p, b).unwrap();
        p
    }
    /// A real iPhone MOV given a content identifier (and optionally times) by ffmpeg.
    fn mov(&self, from: &str, id: Option<&str>, created: Option<(&str, &str)>, to: &str) {
        let p = self.path(to);
        let mut c = Command::new("ffmpeg");
        c.args(["-v", "error", "-y", "-i"])
            .arg(self.corpus.join(from))
            .args(["-map", "0", "-c", "copy", "-movflags", "use_metadata_tags"]);
        if let Some(id) = id {
            c.arg("-metadata")
                .arg(format!("com.apple.quicktime.content.identifier={id}"));
        }
        if let Some((local, utc)) = created {
            c.arg("-metadata")
                .arg(format!("com.apple.quicktime.creationdate={local}"))
                .arg("-metadata")
                .arg(format!("creation_time={utc}"));
        }
        run(c.arg("-f").arg("mov").arg(&p));
    }
    fn exiftool(&self, args: &[&str], file: &Path) {
        run(Command::new("exiftool")
            .args(["-q", "-q", "-overwrite_original"])
            .args(args)
            .arg(file));
    }
}

fn rel(root: &Path, p: &Path) -> String {
    p.strip_prefix(root).unwrap().to_string_lossy().into_owned()
}

const HEIC_NO_ID: &str = "immich-test-assets/formats/heic/IMG_2682.heic";
const JPEG: &str = "immich-test-assets/formats/jpg/el_torcal_rocks.jpg";
const MP4: &str = "metadata-extractor-images/mp4/with-gps.mp4";
const STILL_ED69: &str = "crafted/live/iphone/2020-05/IMG_2929.HEIC";
const STILL_1745: &str = "metadata-extractor-images/heic/IMG_2927.HEIC";
const STILL_0FD2: &str = "crafted/live/iphone/IMG_0263.HEIC";
const MOV_2S: &str = "crafted/live/no-id/IMG_0042.MOV"; // 2.8 s, no identifier
const MOV_4S: &str = "crafted/live/no-id/IMG_0043.MOV"; // 4.0 s

fn google_xmp(video_len: usize) -> String {
    format!(
        r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:GCamera="http://ns.google.com/photos/1.0/camera/"
 xmlns:Container="http://ns.google.com/photos/1.0/container/" xmlns:Item="http://ns.google.com/photos/1.0/container/item/"
 GCamera:MotionPhoto="1" GCamera:MotionPhotoVersion="1" GCamera:MotionPhotoPresentationTimestampUs="500000">
<Container:Directory><rdf:Seq>
<rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="image/jpeg" Item:Semantic="Primary" Item:Length="0" Item:Padding="0"/></rdf:li>
<rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="video/mp4" Item:Semantic="MotionPhoto" Item:Length="{video_len}" Item:Padding="0"/></rdf:li>
</rdf:Seq></Container:Directory></rdf:Description></rdf:RDF></x:xmpmeta>"#
    )
}

/// Appends a Samsung `MotionPhoto_Data` record and `SEFH`/`SEFT` trailer holding `video`.
fn samsung_trailer(jpeg: &mut Vec<u8>, video: &[u8]) {
    let name = b"MotionPhoto_Data";
    let rec = jpeg.len();
    jpeg.extend_from_slice(&[0, 0, 0x30, 0x0A]);
    jpeg.extend_from_slice(&(name.len() as u32).to_le_bytes());
    jpeg.extend_from_slice(name);
    jpeg.extend_from_slice(video);
    let sefh = jpeg.len();
    jpeg.extend_from_slice(b"SEFH");
    jpeg.extend_from_slice(&106u32.to_le_bytes());
    jpeg.extend_from_slice(&1u32.to_le_bytes());
    jpeg.extend_from_slice(&[0, 0, 0x30, 0x0A]);
    jpeg.extend_from_slice(&((sefh - rec) as u32).to_le_bytes());
    jpeg.extend_from_slice(&((8 + name.len() + video.len()) as u32).to_le_bytes());
    jpeg.extend_from_slice(&24u32.to_le_bytes());
    jpeg.extend_from_slice(b"SEFT");
}

#[test]
fn every_case_on_built_libraries() {
    let Some(corpus) = corpus() else {
        println!("skipped: no corpus (set ALBUMEN_CORPUS)");
        return;
    };
    if !have("exiftool", "-ver") || !have("ffmpeg", "-version") {
        println!("skipped: exiftool or ffmpeg missing");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let lib = Lib {
        corpus: corpus.clone(),
        root: dir.path().to_path_buf(),
    };
    let new_a = "AAAAAAAA-1111-4222-8333-444444444444";
    let new_c = "CCCCCCCC-1111-4222-8333-444444444444";
    let orphan_v = "5A1D2B3C-0000-4F00-8000-ABCDEF012345";

    // Library 1: a plain pair and its edited copy.
    lib.copy(STILL_ED69, "lib1/2020-05/IMG_2929.HEIC");
    lib.copy(STILL_ED69, "lib1/2020-05/IMG_E2929.HEIC");
    lib.mov(MOV_2S, Some(ED69), None, "lib1/2020-05/IMG_2929.MOV");
    // Renamed export whose video lies in another folder.
    lib.copy(STILL_1745, "lib1/exports/Harbour (1).heic");
    lib.mov(MOV_2S, Some(ID_1745), None, "lib1/videos/clip 0007.mov");
    // A still whose identifier was patched to a new Live Photo, with a renamed-copy name.
    lib.still_with_id(STILL_ED69, ED69, new_a, "lib1/2021/IMG_3000 (1).HEIC");
    lib.mov(MOV_2S, Some(new_a), None, "lib1/2021/IMG_3000.MOV");
    // JPEG-converted still: a real JPEG given the iPhone maker note (then a new identifier).
    let j = lib.copy(JPEG, "lib1/jpeg/IMG_4000.JPG");
    lib.exiftool(
        &[
            "-tagsfromfile",
            corpus.join(STILL_ED69).to_str().unwrap(),
            "-MakerNotes",
        ],
        &j,
    );
    let jb = std::fs::read(&j).unwrap();
    std::fs::write(
        &j,
        String::from_utf8_lossy(&jb)
            .contains(ED69)
            .then(|| {
                let at = jb.windows(36).position(|w| w == ED69.as_bytes()).unwrap();
                let mut b = jb.clone();
                b[at..at + 36].copy_from_slice(new_c.as_bytes());
                b
            })
            .unwrap(),
    )
    .unwrap();
    lib.mov(MOV_2S, Some(new_c), None, "lib1/jpeg/IMG_4000.MOV");
    // Orphans.
    lib.copy(STILL_0FD2, "lib1/IMG_0263.HEIC");
    lib.mov(MOV_2S, Some(orphan_v), None, "lib1/videos/IMG_9999.MOV");
    // Identifier-less pair (same instant, 2.8 s) and decoys: a day later; a 4 s video.
    for (name, still_time, video, created) in [
        (
            "IMG_0042",
            "2021:06:01 10:00:00",
            MOV_2S,
            ("2021-06-01T10:00:01+0200", "2021-06-01T08:00:01Z"),
        ),
        (
            "IMG_0043",
            "2021:06:01 11:00:00",
            MOV_2S,
            ("2021-06-02T11:00:00+0200", "2021-06-02T09:00:00Z"),
        ),
        (
            "IMG_0044",
            "2021:06:01 12:00:00",
            MOV_4S,
            ("2021-06-01T12:00:00+0200", "2021-06-01T10:00:00Z"),
        ),
    ] {
        let s = lib.copy(JPEG, &format!("lib1/no-id/{name}.JPG"));
        lib.exiftool(
            &[
                &format!("-DateTimeOriginal={still_time}"),
                &format!("-CreateDate={still_time}"),
            ],
            &s,
        );
        lib.mov(
            video,
            None,
            Some(created),
            &format!("lib1/no-id/{name}.MOV"),
        );
    }

    // Library 2: the same Live Photo as library 1 (must not be cross-linked).
    lib.copy(STILL_ED69, "lib2/IMG_2929.HEIC");
    lib.mov(MOV_2S, Some(ED69), None, "lib2/IMG_2929.MOV");
    // Library 3: only the still of it (its video was deleted): not linked to either library.
    lib.copy(STILL_ED69, "lib3/photos/IMG_2929.HEIC");
    // A hidden folder and a NAS thumbnail folder are never read.
    lib.copy(STILL_ED69, "lib2/@eaDir/IMG_2929.HEIC");
    lib.copy(STILL_ED69, "lib2/.thumbnails/IMG_2929.HEIC");

    // Motion photos: a real JPEG + a real MP4.
    let mp4 = std::fs::read(corpus.join(MP4)).unwrap();
    let g = lib.copy(JPEG, "motion/PXL_20230101.MP.jpg");
    let xmp = lib.path("motion.xmp");
    std::fs::write(&xmp, google_xmp(mp4.len())).unwrap();
    lib.exiftool(&[&format!("-xmp<={}", xmp.display())], &g);
    std::fs::remove_file(&xmp).unwrap();
    let mut b = std::fs::read(&g).unwrap();
    b.extend_from_slice(&mp4);
    std::fs::write(&g, b).unwrap();
    let m = lib.copy(JPEG, "motion/MVIMG_20190101.jpg");
    lib.exiftool(
        &[
            "-XMP-GCamera:MicroVideo=1",
            "-XMP-GCamera:MicroVideoVersion=1",
            &format!("-XMP-GCamera:MicroVideoOffset={}", mp4.len()),
        ],
        &m,
    );
    let mut b = std::fs::read(&m).unwrap();
    b.extend_from_slice(&mp4);
    std::fs::write(&m, b).unwrap();
    // Google motion photo in HEIF: the XMP is an item located by `iloc` (written by exiftool).
    let h = lib.copy(HEIC_NO_ID, "motion/PXL_20230102.MP.heic");
    let xmp = lib.path("motion.xmp");
    std::fs::write(
        &xmp,
        google_xmp(mp4.len()).replace("image/jpeg", "image/heic"),
    )
    .unwrap();
    lib.exiftool(&[&format!("-xmp<={}", xmp.display())], &h);
    std::fs::remove_file(&xmp).unwrap();
    let mut b = std::fs::read(&h).unwrap();
    b.extend_from_slice(&mp4);
    std::fs::write(&h, b).unwrap();
    let s = lib.copy(JPEG, "motion/20230101_120000.jpg");
    let mut b = std::fs::read(&s).unwrap();
    samsung_trailer(&mut b, &mp4);
    std::fs::write(&s, b).unwrap();

    // --- pairing ---
    let scan = scan_roots(&[dir.path().to_path_buf()]).unwrap();
    assert!(scan.failures.is_empty(), "{:?}", scan.failures);
    let p = &scan.pairing;
    let root = dir.path();
    let got: BTreeSet<(String, String, PairKind)> = p
        .pairs
        .iter()
        .map(|x| (rel(root, &x.still), rel(root, &x.video), x.kind))
        .collect();
    let want: BTreeSet<(String, String, PairKind)> = [
        (
            "lib1/2020-05/IMG_2929.HEIC",
            "lib1/2020-05/IMG_2929.MOV",
            PairKind::AppleLive,
        ),
        (
            "lib1/2020-05/IMG_E2929.HEIC",
            "lib1/2020-05/IMG_2929.MOV",
            PairKind::AppleLive,
        ),
        (
            "lib1/exports/Harbour (1).heic",
            "lib1/videos/clip 0007.mov",
            PairKind::AppleLive,
        ),
        (
            "lib1/2021/IMG_3000 (1).HEIC",
            "lib1/2021/IMG_3000.MOV",
            PairKind::AppleLive,
        ),
        (
            "lib1/jpeg/IMG_4000.JPG",
            "lib1/jpeg/IMG_4000.MOV",
            PairKind::AppleLive,
        ),
        (
            "lib2/IMG_2929.HEIC",
            "lib2/IMG_2929.MOV",
            PairKind::AppleLive,
        ),
        (
            "lib1/no-id/IMG_0042.JPG",
            "lib1/no-id/IMG_0042.MOV",
            PairKind::NameTime,
        ),
        (
            "motion/PXL_20230101.MP.jpg",
            "motion/PXL_20230101.MP.jpg",
            PairKind::MotionPhoto,
        ),
        (
            "motion/MVIMG_20190101.jpg",
            "motion/MVIMG_20190101.jpg",
            PairKind::MotionPhoto,
        ),
        (
            "motion/PXL_20230102.MP.heic",
            "motion/PXL_20230102.MP.heic",
            PairKind::MotionPhoto,
        ),
        (
            "motion/20230101_120000.jpg",
            "motion/20230101_120000.jpg",
            PairKind::MotionPhoto,
        ),
    ]
    .into_iter()
    .map(|(a, b, k)| (a.to_owned(), b.to_owned(), k))
    .collect();
    println!(
        "found {} of {} expected pairs",
        got.intersection(&want).count(),
        want.len()
    );
    assert_eq!(got, want);

    let name_time = p
        .pairs
        .iter()
        .find(|x| x.kind == PairKind::NameTime)
        .unwrap();
    let apple_min = p
        .pairs
        .iter()
        .filter(|x| x.kind == PairKind::AppleLive)
        .map(|x| x.confidence)
        .fold(1.0, f64::min);
    assert!(name_time.confidence < apple_min);
    assert!(name_time
        .evidence
        .iter()
        .any(|e| matches!(e, Evidence::TimeDelta { seconds, .. } if *seconds <= 1.5)));

    let orphans: Vec<String> = p.orphan_stills.iter().map(|o| rel(root, &o.path)).collect();
    assert_eq!(orphans, ["lib1/IMG_0263.HEIC"]);
    assert_eq!(p.orphan_stills[0].content_id, ID_0FD2);
    let orphans: Vec<String> = p.orphan_videos.iter().map(|o| rel(root, &o.path)).collect();
    assert_eq!(orphans, ["lib1/videos/IMG_9999.MOV"]);

    assert_eq!(p.conflicts.len(), 1, "{:?}", p.conflicts);
    let c = &p.conflicts[0];
    assert_eq!(c.content_id, ED69);
    assert_eq!(c.stills.len(), 4);
    assert_eq!(c.videos.len(), 2);
    let unpaired: Vec<String> = c.unpaired.iter().map(|u| rel(root, u)).collect();
    assert_eq!(unpaired, ["lib3/photos/IMG_2929.HEIC"]);
    // Two libraries' videos are equally near to it: no guess.
    assert_eq!(c.reason, ConflictReason::Ambiguous);

    // --- extraction ---
    for f in [&g, &m, &h, &s] {
        let mp = detect_motion_photo(f).unwrap().unwrap();
        if let Some(theirs) = albumen_meta::read_path(f).unwrap().motion_photo {
            assert_eq!(mp, theirs, "{}: albumen-meta disagrees", f.display());
        }
        let out = dir.path().join("out.mp4");
        assert_eq!(
            extract_motion_video(f, &mp, &out).unwrap(),
            mp4.len() as u64
        );
        assert_eq!(std::fs::read(&out).unwrap(), mp4, "{}", f.display());
        std::fs::remove_file(&out).unwrap();
    }
}
