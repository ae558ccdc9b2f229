//! `albumen demo`: the first command a newcomer runs. It writes a small family library of
//! real-format files made by the project's own encoders (see `demo_files`) into a fresh folder
//! and runs the main jobs on it — scan, timeline, pairs, places — with a line before each saying
//! what to look for. Needs nothing beside the binary: no network, no corpus, no external tool.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use chrono::{NaiveDate, NaiveDateTime};
use clap::Parser;

use crate::demo_files::{
    clip_frames, exif_block, heic_file, jpeg_file, motion_photo, movie_file, picture, plus, Movie,
    Shot,
};

/// Arguments of `albumen demo`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Where to write the demo library (must not exist yet or be empty; default: a new folder
    /// under the system's temporary directory). It is kept, to look at and play with.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Only write the files; do not run the tour.
    #[arg(long)]
    pub files_only: bool,
}

const LIVE_ID: &str = "5B1F0A7E-3C1D-4E2B-9A57-2D6F1C0B8E41";

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> anyhow::Result<NaiveDateTime> {
    NaiveDate::from_ymd_opt(y, mo, d)
        .and_then(|d| d.and_hms_opt(h, mi, s))
        .context("demo date out of range")
}

/// One file of the demo library and what it shows.
struct Made {
    rel: String,
    what: &'static str,
}

fn write(
    root: &Path,
    rel: &str,
    bytes: &[u8],
    what: &'static str,
    made: &mut Vec<Made>,
) -> anyhow::Result<()> {
    let p = root.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::write(&p, bytes).with_context(|| format!("writing {}", p.display()))?;
    made.push(Made {
        rel: rel.to_string(),
        what,
    });
    Ok(())
}

/// Writes the demo library under `root` and says what each file is.
fn make_library(root: &Path) -> anyhow::Result<Vec<Made>> {
    let mut made = Vec::new();
    let (w, h) = (640, 480);

    // A day in Paris (UTC+2): an iPhone that knows its offset and position...
    let paris = [
        ("Louvre", 48.8606, 2.3376, (10, 2, 11)),
        ("Notre-Dame", 48.8530, 2.3499, (11, 15, 40)),
        ("Musée d'Orsay", 48.8600, 2.3266, (12, 40, 5)),
        ("Montmartre", 48.8867, 2.3431, (14, 5, 52)),
        ("Arc de Triomphe", 48.8738, 2.2950, (15, 30, 18)),
        ("Trocadéro", 48.8616, 2.2893, (17, 10, 33)),
    ];
    for (i, (_, lat, lon, (hh, mm, ss))) in paris.iter().enumerate() {
        let local = at(2023, 7, 14, *hh, *mm, *ss)?;
        let exif = exif_block(
            &Shot {
                make: "Apple",
                model: "iPhone 14 Pro",
                local: Some(local),
                offset: Some("+02:00"),
                gps: Some((*lat, *lon)),
                content_id: None,
            },
            (w, h),
        )?;
        let jpg = jpeg_file(&picture(i as u32, w, h), &exif, None)?;
        let rel = format!("2023/Paris/IMG_{:04}.JPG", 101 + i);
        write(
            root,
            &rel,
            &jpg,
            "iPhone photo: offset +02:00 and GPS in EXIF",
            &mut made,
        )?;

        // ...and a camera shooting the same moments, its clock still on New York time (6 h
        // behind Paris), with no offset and no GPS.
        let wrong = plus(local, -6 * 3600 + 40);
        let exif = exif_block(
            &Shot {
                make: "NIKON CORPORATION",
                model: "NIKON D750",
                local: Some(wrong),
                offset: None,
                gps: None,
                content_id: None,
            },
            (w, h),
        )?;
        let jpg = jpeg_file(&picture(i as u32 + 50, w, h), &exif, None)?;
        let rel = format!("2023/Paris/DSC_{:04}.JPG", 4411 + i);
        write(
            root,
            &rel,
            &jpg,
            "camera photo: clock left on New York time, no GPS",
            &mut made,
        )?;
    }

    // A Live Photo at the Eiffel Tower: still and video share Apple's content identifier.
    let local = at(2023, 7, 14, 21, 47, 3)?;
    let exif = exif_block(
        &Shot {
            make: "Apple",
            model: "iPhone 14 Pro",
            local: Some(local),
            offset: Some("+02:00"),
            gps: Some((48.8584, 2.2945)),
            content_id: Some(LIVE_ID),
        },
        (w, h),
    )?;
    let jpg = jpeg_file(&picture(7, w, h), &exif, None)?;
    write(
        root,
        "2023/Paris/IMG_0107.JPG",
        &jpg,
        "Live Photo still (content identifier in the Apple maker note)",
        &mut made,
    )?;
    let mov = movie_file(&Movie {
        quicktime: true,
        frames: clip_frames(7, (320, 240), 25)?,
        fps: 10,
        size: (320, 240),
        utc: plus(local, -2 * 3600),
        keys: vec![
            ("com.apple.quicktime.content.identifier", LIVE_ID.into()),
            (
                "com.apple.quicktime.creationdate",
                "2023-07-14T21:47:03+0200".into(),
            ),
            ("com.apple.quicktime.make", "Apple".into()),
            ("com.apple.quicktime.model", "iPhone 14 Pro".into()),
            (
                "com.apple.quicktime.location.ISO6709",
                "+48.8584+002.2945+035.000/".into(),
            ),
        ],
        xyz: None,
    });
    write(
        root,
        "2023/Paris/IMG_0107.MOV",
        &mov,
        "Live Photo video (2.5 s, same identifier in QuickTime keys)",
        &mut made,
    )?;

    // Tokyo (UTC+9): a Google motion photo, its video inside the JPEG.
    let local = at(2024, 4, 3, 12, 15, 12)?;
    let exif = exif_block(
        &Shot {
            make: "Google",
            model: "Pixel 8",
            local: Some(local),
            offset: Some("+09:00"),
            gps: Some((35.6595, 139.7005)),
            content_id: None,
        },
        (w, h),
    )?;
    let mp4 = movie_file(&Movie {
        quicktime: false,
        frames: clip_frames(11, (320, 240), 15)?,
        fps: 10,
        size: (320, 240),
        utc: plus(local, -9 * 3600),
        keys: Vec::new(),
        xyz: None,
    });
    let mp = motion_photo(&picture(11, w, h), &exif, &mp4)?;
    write(
        root,
        "2024/Tokyo/PXL_20240403_031512345.MP.jpg",
        &mp,
        "motion photo: an MP4 inside the JPEG",
        &mut made,
    )?;

    // Kyoto: a HEIC (HEVC) with local time only; its zone comes from its GPS position.
    let local = at(2024, 4, 5, 10, 30, 0)?;
    let exif = exif_block(
        &Shot {
            make: "Apple",
            model: "iPhone 15",
            local: Some(local),
            offset: None,
            gps: Some((35.0394, 135.7292)),
            content_id: None,
        },
        (w, h),
    )?;
    let img = picture(23, w, h);
    let heif = heic_file(&img, &exif)?;
    write(
        root,
        "2024/Kyoto/IMG_2001.HEIC",
        &heif,
        "HEIC (HEVC): local time only, zone from GPS (Asia/Tokyo)",
        &mut made,
    )?;

    // Sydney (UTC+11 in December): a video whose movie header holds UTC, position in ©xyz.
    let utc = at(2024, 12, 24, 8, 2, 0)?;
    let mov = movie_file(&Movie {
        quicktime: true,
        frames: clip_frames(31, (320, 240), 20)?,
        fps: 10,
        size: (320, 240),
        utc,
        keys: Vec::new(),
        xyz: Some("-33.8568+151.2153/".into()),
    });
    write(
        root,
        "2024/Sydney/clip_0001.MOV",
        &mov,
        "video: UTC creation time, position in udta ©xyz",
        &mut made,
    )?;

    // An old scan with no metadata at all: only the file's own time is known.
    let jpg = crate::demo_files::encode_jpeg(&picture(99, w, h), 80)?;
    write(
        root,
        "scans/grandparents.jpg",
        &jpg,
        "scan with no metadata: file time, low confidence",
        &mut made,
    )?;
    let p = root.join("scans/grandparents.jpg");
    let old = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_262_304_000); // 2010-01-01
    std::fs::File::options()
        .write(true)
        .open(&p)
        .and_then(|f| f.set_modified(old))
        .with_context(|| format!("setting the time of {}", p.display()))?;
    Ok(made)
}

fn demo_dir(dir: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let dir = match dir {
        Some(d) => d,
        None => {
            let stamp = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or(0);
            std::env::temp_dir().join(format!("albumen-demo-{}-{stamp}", std::process::id()))
        }
    };
    if dir.exists() && std::fs::read_dir(&dir)?.next().is_some() {
        bail!(
            "{} exists and is not empty; give another --dir",
            dir.display()
        );
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

/// Runs one `albumen` command line as the user would type it.
fn step(title: &str, look_for: &str, args: &[&str]) -> anyhow::Result<()> {
    println!("\n━━ {title}");
    println!("   $ albumen {}", args.join(" "));
    println!("   {look_for}\n");
    let cli = crate::Cli::try_parse_from(std::iter::once("albumen").chain(args.iter().copied()))
        .context("demo command line")?;
    let code = crate::dispatch(cli.command)?;
    if code != ExitCode::SUCCESS {
        bail!("`albumen {}` did not succeed", args.join(" "));
    }
    Ok(())
}

/// `albumen demo`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let dir = demo_dir(args.dir)?;
    let photos = dir.join("photos");
    let made = make_library(&photos)?;
    println!(
        "albumen demo: a small family library in {}",
        photos.display()
    );
    println!("(real JPEG, HEIC, MOV and MP4 files written by albumen's own encoders)\n");
    for m in &made {
        println!("  {:<44} {}", m.rel, m.what);
    }
    if args.files_only {
        return Ok(ExitCode::SUCCESS);
    }
    let p = photos.to_string_lossy().into_owned();
    let db = dir.join("index.db").to_string_lossy().into_owned();
    step(
        "Index the folder in place",
        "Reads the metadata of every file into a SQLite index beside the folder; the photos are never written.",
        &["scan", &p, "--db", &db],
    )?;
    step(
        "Timeline",
        "Each photo at the local time where it was taken. Look for the camera clock check: the Nikon's \
         clock was 6 hours behind, and albumen proposes the `albumen edit --shift-time` that fixes it.",
        &["timeline", &p],
    )?;
    step(
        "Live Photos and motion photos",
        "The still and video of the Live Photo are one item; the Pixel's video inside its JPEG is found.",
        &["pairs", &p],
    )?;
    step(
        "Places",
        "Offline place names from the GPS positions (GeoNames, bundled).",
        &["places", &p],
    )?;
    println!("\nThe library stays in {}; try for example:", dir.display());
    println!("  albumen info {}/2024/Kyoto/IMG_2001.HEIC", p);
    println!(
        "  albumen edit --shift-time +06:00:00 --dry-run {}/2023/Paris/DSC_*.JPG",
        p
    );
    println!("  albumen map {} --zoom 3", p);
    println!("\nOpen it in a browser (the page: timeline, map, search, people):");
    println!("  echo 'a long password' | albumen user add demo --db {db}");
    // `scan` without --library names the library after the folder's absolute path.
    let lib = std::fs::canonicalize(&photos).unwrap_or_else(|_| photos.clone());
    println!("  albumen user grant demo '{}' --db {db}", lib.display());
    println!(
        "  albumen serve --db {db} --cache {} --watch",
        dir.join("cache").display()
    );
    println!("  then open http://127.0.0.1:8080/ and log in as demo with that password");
    Ok(ExitCode::SUCCESS)
}
