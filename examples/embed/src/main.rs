//! An outside program embedding the albumen crates, written from their docs:
//!
//! 1. makes a JPEG in memory (EXIF block from `albumen_meta::encode`) and reads it back from
//!    bytes and from a `Read + Seek`;
//! 2. edits it in memory with `albumen_edit::edit_bytes` (no temporary file) and checks the new
//!    values and that the image data is untouched;
//! 3. writes it beside a 2.5 s movie into a folder, edits the movie with
//!    `albumen_edit::edit_stream` (file in, file out), and pairs the folder with
//!    `albumen_live::scan_roots` (a Live-Photo-style name + time pair);
//! 4. resolves the true capture times with `albumen_timeline::resolve` (an explicit offset; a
//!    GPS position's time zone).
//!
//! Every step checks its result; the program exits non-zero at the first that falls short.
//! Run from the repository root: `cargo run --manifest-path examples/embed/Cargo.toml`.

#![forbid(unsafe_code)]

use std::error::Error;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use albumen_edit::{edit_bytes, edit_stream, plan_bytes, Edit, Options};
use albumen_live::PairKind;
use albumen_meta::encode::{ExifBuilder, ExifValue, Ifd};
use albumen_meta::{GpsPosition, Rating, Reader};
use albumen_timeline::{resolve, ResolveOptions, TimeSource};

type Res<T> = Result<T, Box<dyn Error>>;

/// Fails with `what` unless `ok`.
fn check(ok: bool, what: &str) -> Res<()> {
    if ok {
        println!("  ok: {what}");
        Ok(())
    } else {
        Err(format!("check failed: {what}").into())
    }
}

/// A small baseline JPEG: SOI, an Exif APP1 holding `tiff`, SOF0 (64x48), a scan, EOI.
fn jpeg(tiff: &[u8]) -> Res<Vec<u8>> {
    let mut j = vec![0xFF, 0xD8, 0xFF, 0xE1];
    j.extend_from_slice(&u16::try_from(tiff.len() + 8)?.to_be_bytes());
    j.extend_from_slice(b"Exif\0\0");
    j.extend_from_slice(tiff);
    j.extend_from_slice(&[0xFF, 0xC0, 0, 11, 8, 0, 48, 0, 64, 1, 1, 0x11, 0]);
    j.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 0x5A, 0xA5, 0x12, 0x34, 0xFF, 0xD9]);
    Ok(j)
}

fn bx(out: &mut Vec<u8>, typ: &[u8; 4], body: &[u8]) -> Res<()> {
    out.extend_from_slice(&u32::try_from(body.len() + 8)?.to_be_bytes());
    out.extend_from_slice(typ);
    out.extend_from_slice(body);
    Ok(())
}

/// A QuickTime movie: ftyp, mdat (stand-in media data), moov/mvhd created at `utc` (seconds
/// since 1970), `secs` long.
fn movie(utc: i64, secs: f64, media: &[u8]) -> Res<Vec<u8>> {
    let t = u32::try_from(utc + 2_082_844_800)?; // QuickTime counts from 1904
    let mut mvhd = vec![0u8; 4];
    mvhd.extend_from_slice(&t.to_be_bytes());
    mvhd.extend_from_slice(&t.to_be_bytes());
    mvhd.extend_from_slice(&600u32.to_be_bytes());
    mvhd.extend_from_slice(&((secs * 600.0) as u32).to_be_bytes());
    mvhd.resize(100, 0);
    let mut moov = Vec::new();
    bx(&mut moov, b"mvhd", &mvhd)?;
    let mut b = Vec::new();
    bx(&mut b, b"ftyp", b"qt  \0\0\0\0qt  ")?;
    bx(&mut b, b"mdat", media)?;
    bx(&mut b, b"moov", &moov)?;
    Ok(b)
}

fn temp_dir() -> Res<PathBuf> {
    let d = std::env::temp_dir().join(format!("albumen-embed-{}", std::process::id()));
    if d.exists() {
        std::fs::remove_dir_all(&d)?;
    }
    std::fs::create_dir_all(&d)?;
    Ok(d)
}

fn main() -> Res<()> {
    let dir = temp_dir()?;
    let r = run(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    r?;
    println!("albumen embed example: all checks passed");
    Ok(())
}

fn run(dir: &Path) -> Res<()> {
    println!("1. read");
    // Taken at 10:00 in Tokyo (+09:00), with the position of Tokyo station.
    let tokyo = GpsPosition::new(35.6812, 139.7671, None).ok_or("bad position")?;
    let tiff = ExifBuilder::new(true)
        .set(Ifd::Ifd0, 0x010F, ExifValue::Ascii("Example".into()))
        .set(Ifd::Ifd0, 0x0110, ExifValue::Ascii("Camera 1".into()))
        .set(
            Ifd::Exif,
            0x9003,
            ExifValue::Ascii("2024:04:05 10:00:00".into()),
        )
        .set(Ifd::Exif, 0x9011, ExifValue::Ascii("+09:00".into()))
        .gps(tokyo)
        .build()?;
    let photo = jpeg(&tiff)?;
    let md = Reader::new().read_bytes(&photo)?;
    let capture = md.capture.as_ref().ok_or("no capture time")?.value;
    println!(
        "  {:?} {}x{} taken {capture:?}",
        md.format,
        md.width.unwrap_or(0),
        md.height.unwrap_or(0)
    );
    check(
        md.make.as_deref() == Some("Example"),
        "make read from the EXIF block",
    )?;
    check(
        (md.width, md.height) == (Some(64), Some(48)),
        "size from SOF0",
    )?;
    let seek = Reader::new().read_reader(Cursor::new(&photo))?;
    check(
        seek.capture == md.capture && seek.gps == md.gps,
        "read_reader reads what read_bytes reads",
    )?;

    println!("2. edit in memory");
    let edits = [
        Edit::ShiftTime(chrono::Duration::minutes(90)),
        Edit::SetRating(Rating::new(4).ok_or("bad rating")?),
        Edit::AddKeyword("embedded".into()),
    ];
    let plan = plan_bytes(&photo, &edits, &Options::default())?;
    println!(
        "  {} will change: {}",
        plan.format_name,
        plan.changed.join(", ")
    );
    let edited = edit_bytes(&photo, &edits, &Options::default())?;
    let after = Reader::new().read_bytes(&edited)?;
    let new_time = after
        .capture
        .as_ref()
        .and_then(|c| c.value.local())
        .map(|t| t.to_string());
    println!(
        "  now taken {new_time:?}, rating {:?}, keywords {:?}",
        after.rating, after.keywords
    );
    check(
        new_time.as_deref() == Some("2024-04-05 11:30:00"),
        "time shifted by 1h30",
    )?;
    check(after.rating == Rating::new(4), "rating 4")?;
    check(after.keywords == ["embedded"], "keyword added")?;
    let scan_at = |b: &[u8]| {
        b.windows(2)
            .position(|w| w == [0xFF, 0xDA])
            .map(|i| b[i..].to_vec())
    };
    check(
        scan_at(&edited) == scan_at(&photo),
        "image data byte-identical",
    )?;
    let undo = [Edit::ShiftTime(chrono::Duration::minutes(-90))];
    let back = edit_bytes(&edited, &undo, &Options::default())?;
    let back_time = Reader::new()
        .read_bytes(&back)?
        .capture
        .and_then(|c| c.value.local());
    check(
        back_time.map(|t| t.to_string()).as_deref() == Some("2024-04-05 10:00:00"),
        "shifted back",
    )?;

    println!("3. a folder: a photo and its 2.5 s movie, paired");
    let still = dir.join("IMG_0001.JPG");
    std::fs::write(&still, &photo)?;
    // The movie started a second after the photo's instant (01:00:00 UTC).
    let utc = chrono::NaiveDate::from_ymd_opt(2024, 4, 5)
        .and_then(|d| d.and_hms_opt(1, 0, 1))
        .ok_or("bad date")?
        .and_utc()
        .timestamp();
    let media: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let raw_movie = dir.join("raw.mov");
    std::fs::write(&raw_movie, movie(utc, 2.5, &media)?)?;
    // Stream edit: file in, file out, the media data copied and never held.
    let clip = dir.join("IMG_0001.MOV");
    let report = edit_stream(
        std::fs::File::open(&raw_movie)?,
        std::io::BufWriter::new(std::fs::File::create(&clip)?),
        &[Edit::SetGps(tokyo)],
        &Options::default(),
    )?;
    std::fs::remove_file(&raw_movie)?;
    println!(
        "  movie: {} bytes written, changed {:?}",
        report.file_bytes_written, report.plan.changed
    );
    let mv = albumen_meta::read_path(&clip)?;
    check(
        mv.gps
            .is_some_and(|g| (g.value.lat - tokyo.lat).abs() < 1e-4),
        "movie position set by edit_stream",
    )?;
    check(
        std::fs::read(&clip)?
            .windows(media.len())
            .any(|w| w == media),
        "media data copied as it was",
    )?;
    let scan = albumen_live::scan_roots(&[dir.to_path_buf()])?;
    for p in &scan.pairing.pairs {
        println!(
            "  pair: {} + {} ({:?}, confidence {:.2})",
            p.still.display(),
            p.video.display(),
            p.kind,
            p.confidence
        );
    }
    check(
        scan.pairing.pairs.len() == 1 && scan.pairing.pairs[0].kind == PairKind::NameTime,
        "the photo and its movie are one item",
    )?;

    println!("4. resolve capture times");
    let t = resolve(&after, None, &ResolveOptions::default()).ok_or("no time")?;
    println!(
        "  edited photo: {}, local {} ({:?})",
        t.utc, t.local, t.source
    );
    check(
        t.utc.to_rfc3339() == "2024-04-05T02:30:00+00:00",
        "explicit offset: 11:30 +09:00 is 02:30 UTC",
    )?;
    // A second camera that writes no offset: the GPS position's zone decides.
    let no_offset = ExifBuilder::new(false)
        .set(
            Ifd::Exif,
            0x9003,
            ExifValue::Ascii("2024:07:01 12:00:00".into()),
        )
        .gps(GpsPosition::new(48.8584, 2.2945, None).ok_or("bad position")?)
        .build()?;
    let paris = Reader::new().read_bytes(&jpeg(&no_offset)?)?;
    let t = resolve(&paris, None, &ResolveOptions::default()).ok_or("no time")?;
    println!(
        "  Paris photo: {}, zone {:?} ({:?})",
        t.utc, t.zone, t.source
    );
    check(
        t.utc.to_rfc3339() == "2024-07-01T10:00:00+00:00",
        "GPS zone: noon in Paris in summer is 10:00 UTC",
    )?;
    check(
        t.source == TimeSource::GpsZone,
        "decided by the GPS position's zone",
    )?;
    Ok(())
}
