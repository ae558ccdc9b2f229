//! Stacks on the web API: a RAW+JPEG twin is one item with a `stack` field; its members can be
//! listed, split and restored; a place edit of the item reaches the raw (through its sidecar,
//! the raw's bytes untouched). Needs the corpus (`ALBUMEN_CORPUS`) and `exiftool`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use albumen_index::{Index, NoProgress};
use albumen_scan::{Scan, ScanOptions};

mod common;
use common::*;

fn corpus() -> Option<PathBuf> {
    let p = std::env::var_os("ALBUMEN_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    p.is_dir().then_some(p)
}

fn items(addr: SocketAddr, l: &Login) -> R<Vec<serde_json::Value>> {
    let (st, v) = call(addr, l, "GET", "/api/items?library=cam", "")?;
    assert_eq!(st, 200);
    Ok(v["items"].as_array().cloned().unwrap_or_default())
}

#[test]
fn a_raw_jpeg_twin_is_one_item_that_can_be_split_and_edited_whole() -> R {
    let Some(c) = corpus() else {
        eprintln!("skipped: corpus not found (set ALBUMEN_CORPUS)");
        return Ok(());
    };
    let dir = tempfile::tempdir()?;
    let cam = dir.path().join("cam");
    std::fs::create_dir_all(&cam)?;
    let nef = cam.join("DSC_0001.NEF");
    let jpg = cam.join("DSC_0001.JPG");
    std::fs::copy(c.join("exiftool-samples/Nikon.nef"), &nef)?;
    std::fs::copy(c.join("exiftool-samples/Nikon.jpg"), &jpg)?;
    let ok = std::process::Command::new("exiftool")
        .args(["-q", "-q", "-overwrite_original", "-all=", "-TagsFromFile"])
        .arg(&nef)
        .args(["-all:all", "-XMP:all="])
        .arg(&jpg)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        eprintln!("skipped: exiftool is not installed");
        return Ok(());
    }
    png(&cam.join("other.png"), 7)?;
    let raw_before = std::fs::read(&nef)?;
    let db = common::new_db(dir.path());
    let mut index = Index::open(&db)?;
    index.scan(
        "cam",
        std::slice::from_ref(&cam),
        &ScanOptions::new(),
        &NoProgress,
    )?;
    index.add_user("anna", &albumen_server::hash_password("anna password")?)?;
    index.add_user("ben", &albumen_server::hash_password("ben password")?)?;
    index.grant("anna", "cam")?;
    drop(index);

    let s = serve(&db, &dir.path().join("cache"), true)?;
    let anna = login(s.addr, "anna", "anna password")?;
    let list = items(s.addr, &anna)?;
    assert_eq!(list.len(), 2, "{list:?}");
    let face = list
        .iter()
        .find(|i| !i["stack"].is_null())
        .ok_or("no stacked item")?;
    assert_eq!(face["stack"]["kind"], "raw-jpeg");
    assert_eq!(face["stack"]["members"], 2);
    assert_eq!(face["kind"], "photo", "a stack's face is no Live Photo");
    let id = face["id"].as_i64().ok_or("no id")?;
    let (st, v) = call(s.addr, &anna, "GET", &format!("/api/items/{id}/stack"), "")?;
    assert_eq!(st, 200);
    let members: Vec<String> = v["stack"]["members"]
        .as_array()
        .ok_or("no members")?
        .iter()
        .filter_map(|m| m["path"].as_str().map(str::to_string))
        .collect();
    assert_eq!(members.len(), 2);
    assert!(members[0].ends_with("DSC_0001.JPG") && members[1].ends_with("DSC_0001.NEF"));
    let (_, v) = call(s.addr, &anna, "GET", &format!("/api/items/{id}"), "")?;
    assert_eq!(v["stack"]["kind"], "raw-jpeg");

    // Someone without the library sees nothing of it; a bad action is refused.
    let ben = login(s.addr, "ben", "ben password")?;
    let (st, _) = call(s.addr, &ben, "GET", &format!("/api/items/{id}/stack"), "")?;
    assert_eq!(st, 404);
    let (st, _) = call(
        s.addr,
        &ben,
        "POST",
        &format!("/api/items/{id}/stack"),
        r#"{"action":"split"}"#,
    )?;
    assert_eq!(st, 404);
    let (st, _) = call(
        s.addr,
        &anna,
        "POST",
        &format!("/api/items/{id}/stack"),
        r#"{"action":"melt"}"#,
    )?;
    assert_eq!(st, 400);

    // A place given to the item is given to the raw too, through a sidecar.
    let (st, v) = call(
        s.addr,
        &anna,
        "POST",
        &format!("/api/items/{id}/edit"),
        r#"{"lat":48.8584,"lon":2.2945}"#,
    )?;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["changed"], 2, "{v}");
    assert_eq!(
        std::fs::read(&nef)?,
        raw_before,
        "the raw itself is never written"
    );
    let sidecars = std::fs::read_dir(&cam)?
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .to_lowercase()
                .ends_with(".xmp")
        })
        .count();
    assert_eq!(sidecars, 1);

    // Split: both files are items; restore: one again.
    let (st, _) = call(
        s.addr,
        &anna,
        "POST",
        &format!("/api/items/{id}/stack"),
        r#"{"action":"split"}"#,
    )?;
    assert_eq!(st, 200);
    assert_eq!(items(s.addr, &anna)?.len(), 3);
    let (st, _) = call(
        s.addr,
        &anna,
        "POST",
        &format!("/api/items/{id}/stack"),
        r#"{"action":"restore"}"#,
    )?;
    assert_eq!(st, 200);
    assert_eq!(items(s.addr, &anna)?.len(), 2);
    Ok(())
}
