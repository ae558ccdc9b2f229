//! Writes a synthetic family library of N distinct small media files (default 1,000,000) for
//! the scale benchmark (`benches/million.sh`): real headers made with `albumen_meta::encode`,
//! what a phone or camera writes, minus the pixels.
//!
//! - 88 % JPEG: SOI, APP1 EXIF (make, model, DateTimeOriginal, OffsetTimeOriginal for phones,
//!   SubSecTimeOriginal, a unique ImageUniqueID, GPS for 60 % of them), a 64x48 SOF0, SOS, EOI;
//! - 8 % QuickTime MOV (ftyp, moov/mvhd with the creation time in UTC and a duration) named
//!   like the JPEG before it, taken a second later: name-and-time Live Photo pairs;
//! - 4 % PNG (IHDR, an `eXIf` chunk with the same EXIF, IEND; CRCs right).
//!
//! Dates run over 16 years (2010-2025), places over 40 cities with a few km of jitter; folders
//! are `YYYY/YYYY-MM-DD/` (one per day with photos, ~170 files each) with every tenth day split
//! into camera subfolders. Deterministic: the same N gives the same tree.
//!
//! ```sh
//! cargo run --release -p albumen-index --example million -- /work/million/tree 1000000
//! ```
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use albumen_meta::encode::{ExifBuilder, ExifValue, Ifd};
use albumen_meta::GpsPosition;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use rayon::prelude::*;

const CITIES: &[(f64, f64, i32)] = &[
    (48.8566, 2.3522, 1),
    (51.5074, -0.1278, 0),
    (40.7128, -74.0060, -5),
    (35.6762, 139.6503, 9),
    (-33.8688, 151.2093, 10),
    (41.9028, 12.4964, 1),
    (52.5200, 13.4050, 1),
    (37.7749, -122.4194, -8),
    (-22.9068, -43.1729, -3),
    (55.7558, 37.6173, 3),
    (1.3521, 103.8198, 8),
    (19.4326, -99.1332, -6),
    (30.0444, 31.2357, 2),
    (-1.2921, 36.8219, 3),
    (64.1466, -21.9426, 0),
    (45.4642, 9.19, 1),
    (40.4168, -3.7038, 1),
    (59.3293, 18.0686, 1),
    (13.7563, 100.5018, 7),
    (-34.6037, -58.3816, -3),
    (43.6532, -79.3832, -5),
    (25.2048, 55.2708, 4),
    (22.3193, 114.1694, 8),
    (28.6139, 77.209, 5),
    (-33.9249, 18.4241, 2),
    (60.1699, 24.9384, 2),
    (47.3769, 8.5417, 1),
    (50.0755, 14.4378, 1),
    (38.7223, -9.1393, 0),
    (37.9838, 23.7275, 2),
    (21.3069, -157.8583, -10),
    (61.2181, -149.9003, -9),
    (-41.2865, 174.7762, 12),
    (34.0522, -118.2437, -8),
    (45.5017, -73.5673, -5),
    (39.9042, 116.4074, 8),
    (37.5665, 126.978, 9),
    (14.5995, 120.9842, 8),
    (-12.0464, -77.0428, -5),
    (44.4268, 26.1025, 2),
];

const CAMERAS: &[(&str, &str, bool)] = &[
    ("Apple", "iPhone 12", true),
    ("Apple", "iPhone 15 Pro", true),
    ("samsung", "SM-G991B", true),
    ("Google", "Pixel 7", true),
    ("Canon", "Canon EOS R6", false),
    ("NIKON CORPORATION", "NIKON Z 6", false),
    ("SONY", "ILCE-7M3", false),
    ("FUJIFILM", "X-T4", false),
];

/// splitmix64: the per-file choices, from the file's number alone.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

struct Shot {
    local: NaiveDateTime,
    offset_h: i32,
    camera: usize,
    gps: Option<GpsPosition>,
    serial: u64,
}

fn exif(s: &Shot) -> Vec<u8> {
    let (make, model, phone) = CAMERAS[s.camera % CAMERAS.len()];
    let mut b = ExifBuilder::new(make != "Apple")
        .set(Ifd::Ifd0, 0x010f, ExifValue::Ascii(make.into()))
        .set(Ifd::Ifd0, 0x0110, ExifValue::Ascii(model.into()))
        .set(Ifd::Ifd0, 0x0112, ExifValue::Short(vec![1]))
        .set(
            Ifd::Exif,
            0x9003,
            ExifValue::Ascii(s.local.format("%Y:%m:%d %H:%M:%S").to_string()),
        )
        .set(
            Ifd::Exif,
            0x9291,
            ExifValue::Ascii(format!("{:03}", s.serial % 1000)),
        )
        .set(
            Ifd::Exif,
            0xA420,
            ExifValue::Ascii(format!(
                "{:032x}",
                mix(s.serial) as u128 | (u128::from(s.serial) << 64)
            )),
        );
    if phone {
        let sign = if s.offset_h < 0 { '-' } else { '+' };
        b = b.set(
            Ifd::Exif,
            0x9011,
            ExifValue::Ascii(format!("{sign}{:02}:00", s.offset_h.abs())),
        );
    }
    if let Some(g) = s.gps {
        b = b.gps(g);
    }
    b.build().unwrap_or_default()
}

fn jpeg(s: &Shot) -> Vec<u8> {
    let tiff = exif(s);
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend(
        u16::try_from(2 + 6 + tiff.len())
            .unwrap_or(u16::MAX)
            .to_be_bytes(),
    );
    out.extend(b"Exif\0\0");
    out.extend(tiff);
    out.extend([
        0xFF, 0xC0, 0, 11, 8, 0, 48, 0, 64, 1, 1, 0x11, 0, 0xFF, 0xDA, 0, 2, 0xFF, 0xD9,
    ]);
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

fn png_chunk(out: &mut Vec<u8>, typ: &[u8; 4], data: &[u8]) {
    out.extend(u32::try_from(data.len()).unwrap_or(0).to_be_bytes());
    let start = out.len();
    out.extend(typ);
    out.extend(data);
    let crc = crc32(&out[start..]);
    out.extend(crc.to_be_bytes());
}

fn png(s: &Shot) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(64u32.to_be_bytes());
    ihdr.extend(48u32.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    png_chunk(&mut out, b"eXIf", &exif(s));
    png_chunk(&mut out, b"IEND", &[]);
    out
}

fn qt_box(typ: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut b = u32::try_from(8 + payload.len())
        .unwrap_or(0)
        .to_be_bytes()
        .to_vec();
    b.extend(typ);
    b.extend(payload);
    b
}

fn mov(s: &Shot) -> Vec<u8> {
    const QT_EPOCH: i64 = 2_082_844_800;
    let utc = s.local - Duration::hours(i64::from(s.offset_h));
    let created = u32::try_from(utc.and_utc().timestamp() + QT_EPOCH).unwrap_or(0);
    let mut mvhd = vec![0u8; 4];
    mvhd.extend(created.to_be_bytes());
    mvhd.extend(created.to_be_bytes());
    mvhd.extend(600u32.to_be_bytes());
    mvhd.extend((1800 + (s.serial % 600) as u32).to_be_bytes());
    mvhd.extend(0x0001_0000u32.to_be_bytes());
    mvhd.extend(0x0100u16.to_be_bytes());
    mvhd.extend([0u8; 10]);
    for v in [0x0001_0000u32, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000] {
        mvhd.extend(v.to_be_bytes());
    }
    mvhd.extend([0u8; 24]);
    mvhd.extend(2u32.to_be_bytes());
    let mut out = qt_box(b"ftyp", b"qt  \0\0\0\0qt  ");
    out.extend(qt_box(b"moov", &qt_box(b"mvhd", &mvhd)));
    out.extend(qt_box(b"mdat", &s.serial.to_be_bytes()));
    out
}

fn main() {
    let mut args = std::env::args_os().skip(1);
    let Some(root) = args.next().map(PathBuf::from) else {
        eprintln!("usage: million DIR [N]");
        std::process::exit(2);
    };
    let n: u64 = args
        .next()
        .and_then(|s| s.to_str().and_then(|s| s.parse().ok()))
        .unwrap_or(1_000_000);
    let first = NaiveDate::from_ymd_opt(2010, 1, 1).unwrap_or_default();
    let days: u64 = 16 * 365;
    let per_day = n.div_ceil(days).max(1);
    let written = AtomicU64::new(0);
    let bytes = AtomicU64::new(0);
    let result: Result<(), std::io::Error> = (0..days).into_par_iter().try_for_each(|day| {
        let start = day * per_day;
        let end = (start + per_day).min(n);
        if start >= end {
            return Ok(());
        }
        let date = first + Duration::days(i64::try_from(day).unwrap_or(0));
        let dir = root
            .join(format!("{}", date.year()))
            .join(date.format("%Y-%m-%d").to_string());
        let city = CITIES[(mix(day) % CITIES.len() as u64) as usize];
        let mut made = std::collections::HashSet::new();
        let mut last_jpeg: Option<(PathBuf, Shot)> = None;
        for i in start..end {
            let r = mix(i);
            let secs = 7 * 3600 + (i - start) * 50 + r % 40;
            let local = date.and_hms_opt(0, 0, 0).unwrap_or_default()
                + Duration::seconds(i64::try_from(secs).unwrap_or(0));
            let camera = ((r >> 8) % CAMERAS.len() as u64) as usize;
            let gps = if (r >> 16) % 10 < 6 {
                let jit = |k: u64| ((mix(r ^ k) % 2000) as f64 - 1000.0) / 20_000.0;
                GpsPosition::new(city.0 + jit(1), city.1 + jit(2), None)
            } else {
                None
            };
            let shot = Shot {
                local,
                offset_h: city.2,
                camera,
                gps,
                serial: i,
            };
            let sub = if day % 10 == 0 {
                dir.join(CAMERAS[camera].1.replace(' ', "_"))
            } else {
                dir.clone()
            };
            if made.insert(sub.clone()) {
                std::fs::create_dir_all(&sub)?;
            }
            let kind = (r >> 24) % 100;
            let (path, data) = match (kind, last_jpeg.take()) {
                (0..=7, Some((p, prev))) => {
                    // The video of the photo before: same name, a second later.
                    let s = Shot {
                        local: prev.local + Duration::seconds(1),
                        serial: i,
                        offset_h: prev.offset_h,
                        camera: prev.camera,
                        gps: None,
                    };
                    (p.with_extension("MOV"), mov(&s))
                }
                (8..=11, _) => (sub.join(format!("PNG_{i:07}.PNG")), png(&shot)),
                _ => {
                    let p = sub.join(format!("IMG_{i:07}.JPG"));
                    let data = jpeg(&shot);
                    last_jpeg = Some((p.clone(), shot));
                    (p, data)
                }
            };
            std::fs::write(&path, &data)?;
            bytes.fetch_add(data.len() as u64, Ordering::Relaxed);
            let w = written.fetch_add(1, Ordering::Relaxed) + 1;
            if w.is_multiple_of(100_000) {
                eprintln!("million: {w} files");
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        eprintln!("million: {e}");
        std::process::exit(1);
    }
    println!(
        "million: {} files, {} bytes, in {}",
        written.load(Ordering::Relaxed),
        bytes.load(Ordering::Relaxed),
        Path::new(&root).display()
    );
}
