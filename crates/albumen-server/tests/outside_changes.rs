//! What the server keeps in memory follows changes made by another process (a scan from the
//! command line, another server on the same index): here the places list, built from the
//! map points, after a photo taken somewhere new was scanned by another connection.

use albumen_index::{Index, NoProgress};
use albumen_scan::{Scan, ScanOptions};

mod common;
use common::*;

#[path = "../../albumen-index/tests/common/mod.rs"]
mod fixtures;

fn located(path: &std::path::Path, lat: f64, lon: f64) -> R {
    std::fs::write(
        path,
        fixtures::jpeg("2022:05:10 12:00:00", Some("+02:00"), "photo"),
    )?;
    let gps = albumen_meta::GpsPosition::new(lat, lon, None).ok_or("gps")?;
    albumen_edit::apply(
        path,
        &[albumen_edit::Edit::SetGps(gps)],
        &albumen_edit::Options::default(),
    )?;
    Ok(())
}

fn cities(addr: std::net::SocketAddr, l: &Login) -> R<Vec<String>> {
    let (st, v) = call(addr, l, "GET", "/api/places?library=family", "")?;
    assert_eq!(st, 200, "{v}");
    let mut out: Vec<String> = v["places"]
        .as_array()
        .ok_or("no places")?
        .iter()
        .filter_map(|p| p["city"].as_str().map(str::to_string))
        .collect();
    out.sort();
    Ok(out)
}

#[test]
fn places_follow_a_scan_made_by_another_process() -> R {
    let dir = tempfile::tempdir()?;
    let fam = dir.path().join("family");
    std::fs::create_dir_all(&fam)?;
    located(&fam.join("paris.jpg"), 48.8584, 2.2945)?;
    let db = common::new_db(dir.path());
    let mut index = Index::open(&db)?;
    index.scan(
        "family",
        std::slice::from_ref(&fam),
        &ScanOptions::new(),
        &NoProgress,
    )?;
    index.add_user("ben", &albumen_server::hash_password("ben password")?)?;
    index.grant("ben", "family")?;

    let s = serve(&db, &dir.path().join("cache"), false)?;
    let ben = login(s.addr, "ben", "ben password")?;
    let before = cities(s.addr, &ben)?;
    assert_eq!(before.len(), 1, "{before:?}");

    // Another process scans a photo from Berlin into the index.
    located(&fam.join("berlin.jpg"), 52.5163, 13.3777)?;
    index.scan(
        "family",
        std::slice::from_ref(&fam),
        &ScanOptions::new(),
        &NoProgress,
    )?;
    // Kept answers are trusted for up to 2 s after they were built; then the change shows.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut got = cities(s.addr, &ben)?;
    while got.len() < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(500));
        got = cities(s.addr, &ben)?;
    }
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got.contains(&before[0]), "{got:?}");
    Ok(())
}
