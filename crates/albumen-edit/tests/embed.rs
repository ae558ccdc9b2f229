//! The in-memory and streaming editors against `apply` on a path: the same edit must give the
//! same bytes (or the same error). A synthetic movie always; every file of the shared corpus
//! when it is there (skips with a printed reason otherwise).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use albumen_edit::{apply, edit_bytes, edit_stream, plan_bytes, Edit, Error, Options};
use albumen_meta::{GpsPosition, Rating};

fn corpus() -> Option<PathBuf> {
    let p = std::env::var_os("ALBUMEN_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    if p.join("oracle.json").is_file() {
        Some(p)
    } else {
        println!("skipped: no corpus at {} (set ALBUMEN_CORPUS)", p.display());
        None
    }
}

fn standard() -> Vec<Edit> {
    vec![
        Edit::ShiftTime(chrono::Duration::minutes(90)),
        Edit::SetGps(GpsPosition::new(48.85837, 2.294481, None).unwrap()),
        Edit::SetRating(Rating::new(4).unwrap()),
        Edit::AddKeyword("albumen-embed".into()),
    ]
}

/// What `apply` leaves on a copy of `bytes` (or its error's text), and whether it went to a
/// sidecar.
fn via_path(bytes: &[u8], name: &str, edits: &[Edit]) -> (Result<Vec<u8>, String>, bool) {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    match apply(&p, edits, &Options::default()) {
        Ok(r) => {
            let side = !matches!(r.plan.target, albumen_edit::Target::InFile);
            (Ok(std::fs::read(&p).unwrap()), side)
        }
        Err(e) => (Err(e.to_string()), false),
    }
}

fn bx(out: &mut Vec<u8>, typ: &[u8; 4], body: &[u8]) {
    out.extend_from_slice(&((body.len() + 8) as u32).to_be_bytes());
    out.extend_from_slice(typ);
    out.extend_from_slice(body);
}

/// ftyp, mdat (media data), moov { mvhd with a 2020 creation time, trak { mdia { minf { stbl {
/// stco pointing into mdat } } } } }: the moov after the media, as cameras write it.
fn movie(mdat_len: usize) -> (Vec<u8>, std::ops::Range<usize>) {
    let mut b = Vec::new();
    bx(&mut b, b"ftyp", b"qt  \0\0\0\0qt  ");
    let mdat_start = b.len() + 8;
    let media: Vec<u8> = (0..mdat_len).map(|i| (i * 31 % 251) as u8).collect();
    bx(&mut b, b"mdat", &media);
    let mdat = mdat_start..mdat_start + mdat_len;
    // mvhd v0: version/flags, creation, modification (seconds since 1904), timescale, duration.
    let t: u32 = 3_660_000_000; // 2019-12-23
    let mut mvhd = vec![0u8; 4];
    mvhd.extend_from_slice(&t.to_be_bytes());
    mvhd.extend_from_slice(&t.to_be_bytes());
    mvhd.extend_from_slice(&600u32.to_be_bytes());
    mvhd.extend_from_slice(&600u32.to_be_bytes());
    mvhd.resize(100, 0);
    let mut stco = vec![0, 0, 0, 0, 0, 0, 0, 1];
    stco.extend_from_slice(&(mdat_start as u32).to_be_bytes());
    let mut stbl = Vec::new();
    bx(&mut stbl, b"stco", &stco);
    let mut minf = Vec::new();
    bx(&mut minf, b"stbl", &stbl);
    let mut mdia = Vec::new();
    bx(&mut mdia, b"minf", &minf);
    let mut trak = Vec::new();
    bx(&mut trak, b"mdia", &mdia);
    let mut moov = Vec::new();
    bx(&mut moov, b"mvhd", &mvhd);
    bx(&mut moov, b"trak", &trak);
    bx(&mut b, b"moov", &moov);
    (b, mdat)
}

#[test]
fn a_movie_gives_the_same_bytes_in_memory_streamed_and_on_a_path() {
    let (mov, mdat) = movie(300_000);
    let edits = standard();
    let mem = edit_bytes(&mov, &edits, &Options::default()).unwrap();
    assert_ne!(mem, mov, "the edit changed nothing");
    let (disk, side) = via_path(&mov, "clip.mov", &edits);
    assert!(!side);
    assert_eq!(mem, disk.unwrap(), "edit_bytes differs from apply");
    let mut streamed = Vec::new();
    let r = edit_stream(
        Cursor::new(&mov),
        &mut streamed,
        &edits,
        &Options::default(),
    )
    .unwrap();
    assert_eq!(streamed, mem, "edit_stream differs from edit_bytes");
    assert_eq!(r.file_bytes_written, streamed.len() as u64);
    // The media data is where it was (moov follows it) and unchanged.
    assert_eq!(&mem[mdat.clone()], &mov[mdat]);
    let after = plan_bytes(&mem, &[], &Options::default()).unwrap();
    assert_eq!(after.before.rating, Rating::new(4));
    assert_eq!(
        after.before.time.unwrap().local.to_string(),
        r.plan.after.time.unwrap().local.to_string()
    );
    // Undo in memory restores the values.
    let back = edit_bytes(&mem, &r.undo, &Options::default()).unwrap();
    let p = plan_bytes(&back, &[], &Options::default()).unwrap();
    assert_ne!(p.before.rating, Rating::new(4));
    assert!(p.before.keywords.is_empty());
}

#[test]
fn a_streamed_movie_is_not_read_whole() {
    // The limit is far below the movie's size: a whole read would be refused; the streaming
    // editor reads only the headers.
    let (mov, _) = movie(4 << 20);
    let mut opts = Options::default();
    opts.max_file_size = 1 << 20;
    assert!(matches!(
        edit_bytes(&mov, &standard(), &opts),
        Err(Error::TooLarge { .. })
    ));
    let mut out = Vec::new();
    edit_stream(Cursor::new(&mov), &mut out, &standard(), &opts).unwrap();
    assert_eq!(
        out,
        edit_bytes(&mov, &standard(), &Options::default()).unwrap()
    );
}

#[test]
fn sidecar_formats_and_options_are_refused_with_a_typed_error() {
    // A Nikon raw: IFD0 with Make "NIKON" and a SubIFDs tag.
    let mut t: Vec<u8> = b"II*\0\x08\0\0\0\x02\0".to_vec();
    t.extend_from_slice(b"\x0f\x01\x02\0\x06\0\0\0\x26\0\0\0");
    t.extend_from_slice(b"\x4a\x01\x04\0\x01\0\0\0\0\0\0\0");
    t.extend_from_slice(&[0, 0, 0, 0]);
    t.extend_from_slice(b"NIKON\0");
    let e = edit_bytes(&t, &standard(), &Options::default());
    assert!(
        matches!(e, Err(Error::SidecarOnly { format: "nef" })),
        "{e:?}"
    );
    let e = edit_stream(
        Cursor::new(&t),
        Vec::new(),
        &standard(),
        &Options::default(),
    );
    assert!(matches!(e, Err(Error::SidecarOnly { .. })), "{e:?}");
    let jpeg = [0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02, 0x12, 0x34, 0xFF, 0xD9];
    let mut opts = Options::default();
    opts.sidecar = true;
    assert!(matches!(
        plan_bytes(&jpeg, &[], &opts),
        Err(Error::InvalidEdit(_))
    ));
    assert!(matches!(
        edit_bytes(b"not a photo", &[], &Options::default()),
        Err(Error::Unsupported(_))
    ));
}

#[test]
fn every_writable_corpus_file_gives_the_same_bytes_as_apply() {
    let Some(root) = corpus() else { return };
    let mut files = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.metadata().is_ok_and(|m| m.len() < 40 << 20) {
                files.push(p);
            }
        }
    }
    files.sort();
    // Per format: files compared, identical, refused (sidecar formats), both failed alike.
    let mut table: BTreeMap<&'static str, [usize; 4]> = BTreeMap::new();
    let mut bad = Vec::new();
    // The standard edit, and one without the time for files that have none.
    let no_time: Vec<Edit> = standard().into_iter().skip(1).collect();
    for p in &files {
        let bytes = std::fs::read(p).unwrap();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let fmt = match plan_bytes(&bytes, &[], &Options::default()) {
            Ok(x) => x.format_name,
            Err(Error::SidecarOnly { format }) => format,
            Err(_) => "-",
        };
        let mut edits = standard();
        let mut mem = edit_bytes(&bytes, &edits, &Options::default());
        if matches!(mem, Err(Error::Missing(_))) {
            edits.clone_from(&no_time);
            mem = edit_bytes(&bytes, &edits, &Options::default());
        }
        let (disk, side) = via_path(&bytes, &name, &edits);
        let row = table.entry(fmt).or_default();
        row[0] += 1;
        match (&mem, &disk) {
            (Err(Error::SidecarOnly { .. }), _) => {
                row[2] += 1;
                if disk.is_ok() && !side {
                    bad.push(format!("{name}: sidecar-only in memory, in file on a path"));
                }
            }
            (Ok(m), Ok(d)) if m == d && !side => {
                row[1] += 1;
                let mut s = Vec::new();
                match edit_stream(Cursor::new(&bytes), &mut s, &edits, &Options::default()) {
                    Ok(_) if s == *m => {}
                    r => bad.push(format!("{name}: edit_stream differs ({:?})", r.err())),
                }
            }
            (Err(a), Err(b)) if a.to_string() == *b => row[3] += 1,
            (m, d) => bad.push(format!(
                "{name} ({fmt}): edit_bytes {} vs apply {}",
                m.as_ref()
                    .map(|v| format!("{} bytes", v.len()))
                    .unwrap_or_else(|e| e.to_string()),
                d.as_ref()
                    .map(|v| format!("{} bytes", v.len()))
                    .unwrap_or_else(|e| e.clone()),
            )),
        }
    }
    println!(
        "{:<8} {:>6} {:>10} {:>8} {:>10}",
        "format", "files", "identical", "sidecar", "same-error"
    );
    for (f, r) in &table {
        println!("{f:<8} {:>6} {:>10} {:>8} {:>10}", r[0], r[1], r[2], r[3]);
    }
    for b in &bad {
        println!("MISMATCH {b}");
    }
    assert!(bad.is_empty(), "{} mismatches", bad.len());
    for f in [
        "jpeg", "png", "webp", "tiff", "dng", "heic", "avif", "mov", "mp4",
    ] {
        assert!(
            table.get(f).is_some_and(|r| r[1] > 0),
            "no {f} file of the corpus was edited identically"
        );
    }
}
