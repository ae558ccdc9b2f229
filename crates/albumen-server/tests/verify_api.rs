//! `GET /api/verify?library=L`: the recorded verify runs of a library, for a user who may see
//! it; 401 without a session, 404 for a library not granted (as every other route). A real
//! server on a loopback port.

use std::sync::Arc;

use albumen_backup::verify::verify;
use albumen_backup::VerifyOptions;
use albumen_index::{Index, NoProgress};
use albumen_scan::{Scan, ScanOptions};

mod common;
use common::*;

#[test]
fn last_verify_runs_for_granted_users_only() -> R {
    let dir = tempfile::tempdir()?;
    let (a, f) = (dir.path().join("anna"), dir.path().join("family"));
    std::fs::create_dir_all(&a)?;
    std::fs::create_dir_all(&f)?;
    png(&a.join("a0.png"), 10)?;
    png(&f.join("f0.png"), 100)?;
    png(&f.join("f1.png"), 101)?;
    let db = common::new_db(dir.path());
    let mut index = Index::open(&db)?;
    index.scan("anna-private", &[a], &ScanOptions::new(), &NoProgress)?;
    index.scan(
        "family",
        std::slice::from_ref(&f),
        &ScanOptions::new(),
        &NoProgress,
    )?;
    index.add_user("anna", &albumen_server::hash_password("anna password")?)?;
    index.add_user("ben", &albumen_server::hash_password("ben password")?)?;
    index.grant("anna", "anna-private")?;
    index.grant("anna", "family")?;
    index.grant("ben", "family")?;
    // A backup of family that lacks f1.png, verified twice (an old and a newer run), and one
    // of anna-private.
    let copy = dir.path().join("copy");
    std::fs::create_dir_all(&copy)?;
    std::fs::copy(f.join("f0.png"), copy.join("f0.png"))?;
    let opts = VerifyOptions::new(&copy).library("family");
    index.record_verify(&verify(&index, &opts, &NoProgress)?.outcome())?;
    let newest =
        index.record_verify(&verify(&index, &opts.clone().hash(true), &NoProgress)?.outcome())?;
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty)?;
    let opts = VerifyOptions::new(&empty).library("anna-private");
    index.record_verify(&verify(&index, &opts, &NoProgress)?.outcome())?;
    drop(index);

    let config = albumen_server::Config::new(db, "127.0.0.1:0".parse()?)
        .cache(Some(dir.path().join("cache")));
    let state = Arc::new(albumen_server::State::open(config)?);
    let addr = serve_state(state)?;

    let r = http(addr, "GET", "/api/verify?library=family", &[], "")?;
    assert_eq!(r.status, 401);
    let ben = login(addr, "ben", "ben password")?;
    let (st, v) = call(addr, &ben, "GET", "/api/verify?library=family", "")?;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["runs"].as_array().map(Vec::len), Some(2), "{v:#}");
    let latest = &v["latest"][0];
    assert_eq!(latest["id"], newest);
    assert_eq!(latest["target"], copy.to_string_lossy().as_ref());
    assert_eq!(latest["via"], "folder");
    assert_eq!(
        (latest["missing"].as_u64(), latest["passed"].as_bool()),
        (Some(1), Some(false))
    );
    assert_eq!(latest["problems"]["missing"][0], "f1.png");
    assert_eq!(v["latest"].as_array().map(Vec::len), Some(1), "one backup");
    // Not granted, or no such library: 404, nothing learnt.
    let (st, _) = call(addr, &ben, "GET", "/api/verify?library=anna-private", "")?;
    assert_eq!(st, 404);
    let (st, _) = call(addr, &ben, "GET", "/api/verify?library=nope", "")?;
    assert_eq!(st, 404);
    let anna = login(addr, "anna", "anna password")?;
    let (st, v) = call(addr, &anna, "GET", "/api/verify?library=anna-private", "")?;
    assert_eq!(st, 200);
    assert_eq!(v["latest"][0]["missing"], 1, "{v:#}");
    // The page loads its backup line.
    let r = http(addr, "GET", "/assets/verify.js", &[], "")?;
    assert_eq!(r.status, 200);
    assert!(String::from_utf8_lossy(&r.body).contains("/api/verify"));
    Ok(())
}
