//! Hostile and failing inputs: corrupt or truncated files never panic and, when refused, are left
//! byte-identical; unsupported formats fail cleanly; a file that changes between reading and
//! replacing is not overwritten.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use albumen_edit::{apply, plan, Edit, Error, Options};
use albumen_meta::{GpsPosition, Rating};

fn corpus() -> Option<PathBuf> {
    let p = std::env::var_os("ALBUMEN_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    if p.is_dir() {
        Some(p)
    } else {
        println!("skipped: no corpus at {} (set ALBUMEN_CORPUS)", p.display());
        None
    }
}

fn edits() -> Vec<Edit> {
    vec![
        Edit::ShiftTime(chrono::Duration::minutes(90)),
        Edit::SetGps(GpsPosition::new(48.858370, 2.294481, Some(30.0)).unwrap()),
        Edit::SetRating(Rating::new(4).unwrap()),
        Edit::AddKeyword("albumen-bar".into()),
        Edit::SetTitle("t".into()),
    ]
}

/// xorshift, deterministic.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const SEEDS: &[&str] = &[
    "metadata-extractor-images/jpg/Apple iPhone 4.jpg",
    "metadata-extractor-images/jpg/Canon EOS 20D (2).jpg",
    "metadata-extractor-images/heic/IMG_1034.heic",
    "metadata-extractor-images/webp/HTC Desire.webp",
    "metadata-extractor-images/tif/Issue 16.tif",
    "metadata-extractor-images/mov/with-gps.mov",
    "metadata-extractor-images/mp4/uuid540.mp4",
    "metadata-extractor-images/mp4/Issue 515 (java).mp4",
    "exiftool-samples/DNG.dng",
    "exiftool-samples/CanonRaw.cr3",
    "exiftool-samples/Panasonic.rw2",
    "exiftool-samples/FujiFilm.raf",
];

#[test]
fn mutated_files_never_panic_and_refusals_leave_them_untouched() {
    let Some(root) = corpus() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut tried, mut refused) = (0, 0);
    for seed in SEEDS {
        let Ok(orig) = std::fs::read(root.join(seed)) else {
            println!("skipped seed {seed}: missing");
            continue;
        };
        // Metadata sits near the start (or, for some movies, near the end): mutate there.
        let hot = orig.len().min(64 * 1024);
        for round in 0..80 {
            let mut b = orig.clone();
            // the first or (for movies with moov at the end) the last 64 KiB
            let base = if round % 8 < 4 { 0 } else { orig.len() - hot };
            match round % 4 {
                0 => b.truncate(base + rng.below(hot)),
                1 => {
                    for _ in 0..1 + rng.below(8) {
                        let i = base + rng.below(hot);
                        b[i] = rng.next() as u8;
                    }
                }
                2 => {
                    // garble a length/offset-sized run
                    let i = base + rng.below(hot.saturating_sub(4));
                    b[i..i + 4].copy_from_slice(&(rng.next() as u32).to_be_bytes());
                }
                _ => {
                    let i = rng.below(b.len());
                    b[i..].iter_mut().for_each(|x| *x = 0xFF);
                }
            }
            let p = tmp
                .path()
                .join(format!("m{round}_{}", seed.replace('/', "_")));
            std::fs::write(&p, &b).unwrap();
            tried += 1;
            let _ = plan(&p, &edits(), &Options::default());
            // Every other round in place (the undo-journal path, sparse movie reads).
            let mut o = Options::default();
            o.in_place = round % 2 == 1;
            // The in-memory and streaming editors on the same bytes: no panic, and where they
            // edit, the bytes apply writes.
            let mem = albumen_edit::edit_bytes(&b, &edits(), &Options::default());
            let mut streamed = Vec::new();
            let st = albumen_edit::edit_stream(
                std::io::Cursor::new(&b),
                &mut streamed,
                &edits(),
                &Options::default(),
            );
            assert_eq!(
                mem.is_ok(),
                st.is_ok(),
                "edit_bytes and edit_stream disagree on {p:?}"
            );
            match apply(&p, &edits(), &o) {
                Err(_) => {
                    refused += 1;
                    assert_eq!(std::fs::read(&p).unwrap(), b, "refused edit changed {p:?}");
                    assert!(mem.is_err(), "edit_bytes edited what apply refused: {p:?}");
                }
                Ok(r) if r.plan.target == albumen_edit::Target::InFile => {
                    let on_disk = std::fs::read(&p).unwrap();
                    assert!(
                        mem.as_ref().is_ok_and(|m| *m == on_disk),
                        "edit_bytes differs from apply on {p:?}"
                    );
                    assert_eq!(streamed, on_disk, "edit_stream differs from apply on {p:?}");
                }
                Ok(_) => {}
            }
            let journal = tmp.path().join(format!(
                ".{}.albumen-journal",
                p.file_name().unwrap().to_string_lossy()
            ));
            assert!(!journal.exists(), "journal left behind for {p:?}");
        }
    }
    println!("{tried} mutated files, {refused} refused cleanly, none panicked");
}

#[test]
fn unsupported_and_empty_files_fail_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, data) in [
        ("a.txt", &b"hello world"[..]),
        ("empty.jpg", &b""[..]),
        ("gif.gif", &b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"[..]),
        ("soi.jpg", &b"\xFF\xD8\xFF"[..]),
    ] {
        let p = tmp.path().join(name);
        std::fs::write(&p, data).unwrap();
        let e = apply(&p, &edits(), &Options::default());
        assert!(e.is_err(), "{name} should be refused");
        assert_eq!(std::fs::read(&p).unwrap(), data);
    }
    let e = apply(tmp.path(), &edits(), &Options::default());
    assert!(matches!(e, Err(Error::NotAFile(_))));
}

#[test]
fn shifting_a_file_without_time_is_an_error_not_a_guess() {
    let Some(root) = corpus() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("x.png");
    // a PNG without any date
    let png = std::process::Command::new("/usr/bin/convert")
        .args(["-size", "4x4", "xc:red", p.to_str().unwrap()])
        .status();
    if !png.is_ok_and(|s| s.success()) {
        println!("skipped: ImageMagick not available");
        return;
    }
    let _ = root;
    let before = std::fs::read(&p).unwrap();
    let e = apply(
        &p,
        &[Edit::ShiftTime(chrono::Duration::hours(1))],
        &Options::default(),
    );
    assert!(matches!(e, Err(Error::Missing(_))), "{e:?}");
    assert_eq!(std::fs::read(&p).unwrap(), before);
}

#[cfg(unix)]
#[test]
fn read_only_directory_leaves_the_file_untouched() {
    use std::os::unix::fs::PermissionsExt;
    let Some(root) = corpus() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ro");
    std::fs::create_dir(&dir).unwrap();
    let p = dir.join("a.jpg");
    std::fs::copy(root.join(SEEDS[0]), &p).unwrap();
    let before = std::fs::read(&p).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    // root ignores directory permissions: then the test cannot observe anything
    let probe = dir.join(".probe");
    if std::fs::write(&probe, b"x").is_ok() {
        let _ = std::fs::remove_file(&probe);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        println!("skipped: running as root, a read-only directory is still writable");
        return;
    }
    let e = apply(&p, &edits(), &Options::default());
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(matches!(e, Err(Error::Io { .. })), "{e:?}");
    assert_eq!(std::fs::read(&p).unwrap(), before);
}

#[test]
fn keeps_mtime_and_permissions() {
    let Some(root) = corpus() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("a.jpg");
    std::fs::copy(root.join(SEEDS[0]), &p).unwrap();
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_500_000_000);
    std::fs::File::options()
        .write(true)
        .open(&p)
        .unwrap()
        .set_modified(old)
        .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
    }
    apply(&p, &edits(), &Options::default()).unwrap();
    let m = std::fs::metadata(&p).unwrap();
    assert_eq!(m.modified().unwrap(), old);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(m.permissions().mode() & 0o777, 0o640);
    }
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".albumen-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
}

#[test]
fn undo_restores_the_fields() {
    let Some(root) = corpus() else { return };
    let tmp = tempfile::tempdir().unwrap();
    for seed in [SEEDS[0], SEEDS[2], SEEDS[5], SEEDS[6]] {
        let p = tmp.path().join(seed.replace('/', "_"));
        if std::fs::copy(root.join(seed), &p).is_err() {
            continue;
        }
        let before = plan(&p, &[], &Options::default()).unwrap().before;
        let r = apply(&p, &edits(), &Options::default()).unwrap();
        assert_ne!(plan(&p, &[], &Options::default()).unwrap().before, before);
        apply(&p, &r.undo, &Options::default()).unwrap();
        let back = plan(&p, &[], &Options::default()).unwrap().before;
        assert_eq!(back.time, before.time, "{seed}");
        assert_eq!(back.gps.is_some(), before.gps.is_some(), "{seed}");
        if let (Some(a), Some(b)) = (back.gps, before.gps) {
            assert!(
                (a.lat - b.lat).abs() < 1e-6 && (a.lon - b.lon).abs() < 1e-6,
                "{seed}"
            );
        }
        assert_eq!(back.keywords, before.keywords, "{seed}");
        assert_eq!(back.title, before.title, "{seed}");
    }
}

#[test]
fn raw_sidecar_merges_and_keeps_other_content() {
    let Some(root) = corpus() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let raw = tmp.path().join("IMG_1.CR3");
    if std::fs::copy(root.join("exiftool-samples/CanonRaw.cr3"), &raw).is_err() {
        println!("skipped: CanonRaw.cr3 missing");
        return;
    }
    let side = tmp.path().join("IMG_1.CR3.xmp");
    let old = r#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:darktable="http://darktable.sf.net/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" darktable:history_end="3" xmp:Rating="2">
   <darktable:history><rdf:Seq><rdf:li darktable:operation="exposure"/></rdf:Seq></darktable:history>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"#;
    std::fs::write(&side, old).unwrap();
    let raw_before = std::fs::read(&raw).unwrap();
    let r = apply(&raw, &edits(), &Options::default()).unwrap();
    assert_eq!(r.plan.before.rating, Rating::new(2));
    let text = std::fs::read_to_string(&side).unwrap();
    assert!(text.contains("darktable:history_end=\"3\""));
    assert!(text.contains("darktable:operation=\"exposure\""));
    assert!(!text.contains("xmp:Rating=\"2\""));
    assert!(text.contains("<xmp:Rating>4</xmp:Rating>"));
    assert!(text.contains("albumen-bar"));
    // the raw itself only had its date strings patched, same size
    let raw_after = std::fs::read(&raw).unwrap();
    assert_eq!(raw_after.len(), raw_before.len());
    assert!(r.raw_dates_patched > 0);
    let diff = raw_before
        .iter()
        .zip(&raw_after)
        .filter(|(a, b)| a != b)
        .count();
    assert!(
        diff > 0 && diff <= 8 * r.raw_dates_patched,
        "{diff} bytes differ"
    );
    let again = plan(&raw, &[], &Options::default()).unwrap();
    assert_eq!(again.before.time, r.plan.after.time);
}

#[test]
fn formats_without_an_in_file_writer_get_a_sidecar_and_stay_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    // A complete 1x1 GIF: header, screen descriptor, image descriptor, LZW data, trailer.
    let gif: &[u8] = b"GIF89a\x01\x00\x01\x00\x00\x00\x00\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00\x3b";
    let p = tmp.path().join("anim.gif");
    std::fs::write(&p, gif).unwrap();
    let edits = [
        Edit::SetGps(GpsPosition::new(48.858370, 2.294481, None).unwrap()),
        Edit::SetRating(Rating::new(4).unwrap()),
    ];
    let r = apply(&p, &edits, &Options::default()).unwrap();
    let side = tmp.path().join("anim.gif.xmp");
    assert_eq!(r.plan.target, albumen_edit::Target::Sidecar(side.clone()));
    assert!(r.plan.notes.iter().any(|n| n.contains("sidecar only")));
    assert_eq!(
        std::fs::read(&p).unwrap(),
        gif,
        "the GIF itself is never written"
    );
    let again = plan(&p, &[], &Options::default()).unwrap();
    assert_eq!(again.before.rating, Rating::new(4));
    assert!((again.before.gps.unwrap().lat - 48.85837).abs() < 1e-6);
    // Shifting needs a time the file does not have: refused, nothing written.
    let before = std::fs::read(&side).unwrap();
    let e = apply(
        &p,
        &[Edit::ShiftTime(chrono::Duration::hours(1))],
        &Options::default(),
    );
    assert!(matches!(e, Err(Error::Missing(_))));
    assert_eq!(std::fs::read(&side).unwrap(), before);
}

#[test]
fn in_place_gives_the_same_bytes_as_a_full_rewrite() {
    let Some(root) = corpus() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let names = [
        "crafted/live/videos-elsewhere/IMG_9999.MOV",
        "metadata-extractor-images/mov/with-gps.mov",
        "exiftool-samples/Canon.jpg",
        "exiftool-samples/Nikon.nef",
        "exiftool-samples/CanonRaw.cr2",
    ];
    let edits = [Edit::ShiftTime(chrono::Duration::minutes(90))];
    let mut patched = 0;
    for (i, n) in names.iter().enumerate() {
        let src = root.join(n);
        if !src.is_file() {
            println!("skipped {n}: not in the corpus");
            continue;
        }
        let a = tmp.path().join(format!(
            "a{i}_{}",
            src.file_name().unwrap().to_string_lossy()
        ));
        let b = tmp.path().join(format!(
            "b{i}_{}",
            src.file_name().unwrap().to_string_lossy()
        ));
        std::fs::copy(&src, &a).unwrap();
        std::fs::copy(&src, &b).unwrap();
        let ra = apply(&a, &edits, &Options::default()).unwrap();
        let mut o = Options::default();
        o.in_place = true;
        let rb = apply(&b, &edits, &o).unwrap();
        assert!(!ra.patched_in_place);
        assert_eq!(
            std::fs::read(&a).unwrap(),
            std::fs::read(&b).unwrap(),
            "{n}"
        );
        if rb.patched_in_place {
            patched += 1;
            assert!(
                rb.file_bytes_written < 4096,
                "{n}: {} bytes",
                rb.file_bytes_written
            );
        }
        assert!(!std::fs::read_dir(tmp.path()).unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".albumen-journal")));
    }
    println!("{patched} of {} patched in place", names.len());
    assert!(patched >= 3, "a date shift keeps the size of these files");
}
