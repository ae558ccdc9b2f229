//! Keywords from the page, the undo history kept across a server restart (per user, never
//! over someone else's later change), and a server that keeps answering while a scan writes.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use albumen_index::{Index, NoProgress};
use albumen_scan::{Scan, ScanOptions};

mod common;
use common::*;

/// anna-private (anna: 3 PNGs), family (2 PNGs, anna and ben).
fn library() -> R<(tempfile::TempDir, PathBuf)> {
    let dir = tempfile::tempdir()?;
    let (a, f) = (dir.path().join("anna"), dir.path().join("family"));
    std::fs::create_dir_all(&a)?;
    std::fs::create_dir_all(&f)?;
    for i in 0..3 {
        png(&a.join(format!("a{i}.png")), 10 * i)?;
    }
    for i in 0..2 {
        png(&f.join(format!("f{i}.png")), 100 + i)?;
    }
    let db = common::new_db(dir.path());
    let mut index = Index::open(&db)?;
    index.scan("anna-private", &[a], &ScanOptions::new(), &NoProgress)?;
    index.scan("family", &[f], &ScanOptions::new(), &NoProgress)?;
    index.add_user("anna", &albumen_server::hash_password("anna password")?)?;
    index.add_user("ben", &albumen_server::hash_password("ben password")?)?;
    index.grant("anna", "anna-private")?;
    index.grant("anna", "family")?;
    index.grant("ben", "family")?;
    Ok((dir, db))
}

fn rating(addr: SocketAddr, l: &Login, id: i64) -> R<Option<i64>> {
    let (st, v) = call(addr, l, "GET", &format!("/api/items/{id}"), "")?;
    assert_eq!(st, 200);
    Ok(v["rating"].as_i64())
}

fn keywords(addr: SocketAddr, l: &Login, id: i64) -> R<Vec<String>> {
    let (st, v) = call(addr, l, "GET", &format!("/api/items/{id}"), "")?;
    assert_eq!(st, 200);
    Ok(v["keywords"]
        .as_array()
        .ok_or("no keywords")?
        .iter()
        .filter_map(|k| k.as_str().map(str::to_string))
        .collect())
}

fn found(addr: SocketAddr, l: &Login, lib: &str, kw: &str) -> R<(u16, Vec<i64>)> {
    let q: String = kw.bytes().map(|b| format!("%{b:02X}")).collect();
    let (st, v) = call(
        addr,
        l,
        "GET",
        &format!("/api/items?library={lib}&keyword={q}"),
        "",
    )?;
    let ids = v["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["id"].as_i64()).collect())
        .unwrap_or_default();
    Ok((st, ids))
}

#[test]
fn keywords_from_the_page_are_indexed_and_searchable_at_once() -> R {
    let (dir, db) = library()?;
    let s = serve(&db, &dir.path().join("cache"), true)?;
    let anna = login(s.addr, "anna", "anna password")?;
    let ben = login(s.addr, "ben", "ben password")?;
    let (_, private) = ids(s.addr, &anna, "anna-private")?;
    let (_, family) = ids(s.addr, &ben, "family")?;
    let hostile = [
        "长城",
        "50% off_",
        "\" OR 1=1 --",
        "x\" NEAR(y",
        "zoo*",
        "a\\b",
    ];
    let body = serde_json::json!({ "ids": [private[0]], "add_keywords": hostile }).to_string();
    let (st, v) = call(s.addr, &anna, "POST", "/api/edit", &body)?;
    assert_eq!((st, v["changed"].as_i64()), (200, Some(1)), "{v}");
    let mut want: Vec<String> = hostile.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(keywords(s.addr, &anna, private[0])?, want);
    // Each keyword finds exactly that item, taken literally (no LIKE or FTS syntax).
    for k in hostile {
        assert_eq!(
            found(s.addr, &anna, "anna-private", k)?,
            (200, vec![private[0]]),
            "{k}"
        );
    }
    for k in ["%", "_", "\"", "*", "NEAR", "长"] {
        let (_, got) = found(s.addr, &anna, "anna-private", k)?;
        assert!(got.iter().all(|i| *i == private[0]), "{k}");
    }
    assert_eq!(
        found(s.addr, &anna, "anna-private", "no such")?.1,
        Vec::<i64>::new()
    );
    // Search of the index (albumen search) finds it too, with FTS syntax as text.
    {
        let index = Index::open(&db)?;
        assert_eq!(index.search("长城", 10)?.len(), 1);
        assert_eq!(index.search("\" OR 1=1 --", 10)?.len(), 1);
        assert_eq!(index.search("NEAR(y", 10)?.len(), 1);
        // Every word must be there: OR is a word, not an operator.
        assert!(index.search("zoo OR kite", 10)?.is_empty());
    }
    // The library's keyword list; another user's library is not there for ben.
    let (st, v) = call(
        s.addr,
        &anna,
        "GET",
        "/api/keywords?library=anna-private",
        "",
    )?;
    assert_eq!((st, v["keywords"].as_array().map(Vec::len)), (200, Some(6)));
    let (st, _) = call(
        s.addr,
        &ben,
        "GET",
        "/api/keywords?library=anna-private",
        "",
    )?;
    assert_eq!(st, 404);
    assert_eq!(found(s.addr, &ben, "anna-private", "长城")?.0, 404);
    assert!(found(s.addr, &ben, "family", "长城")?.1.is_empty());
    // Removing a keyword from the page: gone from the item, the filter and search at once.
    let body = serde_json::json!({ "remove_keywords": ["长城"] }).to_string();
    let (st, _) = call(
        s.addr,
        &anna,
        "POST",
        &format!("/api/items/{}/edit", private[0]),
        &body,
    )?;
    assert_eq!(st, 200);
    assert!(!keywords(s.addr, &anna, private[0])?.contains(&"长城".to_string()));
    assert!(found(s.addr, &anna, "anna-private", "长城")?.1.is_empty());
    assert!(Index::open(&db)?.search("长城", 10)?.is_empty());
    // Ben cannot add keywords to anna's items; empty and oversized keywords are refused.
    let body = serde_json::json!({ "ids": [private[1]], "add_keywords": ["x"] }).to_string();
    assert_eq!(call(s.addr, &ben, "POST", "/api/edit", &body)?.0, 404);
    for bad in [" ", &"k".repeat(201)] {
        let body = serde_json::json!({ "ids": [family[0]], "add_keywords": [bad] }).to_string();
        assert_eq!(call(s.addr, &ben, "POST", "/api/edit", &body)?.0, 400);
    }
    Ok(())
}

#[test]
fn undo_survives_a_restart_and_is_per_user() -> R {
    let (dir, db) = library()?;
    let cache = dir.path().join("cache");
    let (a0, f0);
    {
        let s = serve(&db, &cache, true)?;
        let anna = login(s.addr, "anna", "anna password")?;
        a0 = ids(s.addr, &anna, "anna-private")?.1[0];
        f0 = ids(s.addr, &anna, "family")?.1[0];
        for (id, r) in [(a0, 3), (a0, 5), (f0, 4)] {
            let (st, _) = call(
                s.addr,
                &anna,
                "POST",
                &format!("/api/items/{id}/edit"),
                &format!(r#"{{"rating":{r}}}"#),
            )?;
            assert_eq!(st, 200);
        }
        assert_eq!(rating(s.addr, &anna, a0)?, Some(5));
    }
    // A new server process on the same index: the history is still there.
    let s = serve(&db, &cache, true)?;
    let anna = login(s.addr, "anna", "anna password")?;
    let ben = login(s.addr, "ben", "ben password")?;
    // Undo needs the CSRF token and the page's origin like every other change.
    let r = http(s.addr, "POST", "/api/undo", &[("Cookie", &anna.cookie)], "")?;
    assert_eq!(r.status, 403);
    let r = http(
        s.addr,
        "POST",
        "/api/undo",
        &[("Cookie", &anna.cookie), ("X-CSRF-Token", &ben.csrf)],
        "",
    )?;
    assert_eq!(r.status, 403, "another session's token");
    let r = http(
        s.addr,
        "POST",
        "/api/undo",
        &[
            ("Cookie", &anna.cookie),
            ("X-CSRF-Token", &anna.csrf),
            ("Origin", "http://evil.example"),
        ],
        "",
    )?;
    assert_eq!(r.status, 403, "another origin");
    // Ben has nothing to undo, and his undo does not touch anna's edits.
    let (st, v) = call(s.addr, &ben, "POST", "/api/undo", "")?;
    assert_eq!((st, v["undone"].as_i64()), (200, Some(0)));
    assert_eq!(rating(s.addr, &anna, f0)?, Some(4));
    // Ben changes f0 after anna: anna's undo of f0 refuses to overwrite it.
    let (st, _) = call(
        s.addr,
        &ben,
        "POST",
        &format!("/api/items/{f0}/edit"),
        r#"{"rating":2}"#,
    )?;
    assert_eq!(st, 200);
    let (st, v) = call(s.addr, &anna, "POST", "/api/undo", "")?;
    assert_eq!(st, 200);
    assert_eq!(v["undone"].as_i64(), Some(0), "{v}");
    assert_eq!(
        v["failed"][0]["error"].as_str(),
        Some("changed-since"),
        "{v}"
    );
    assert_eq!(rating(s.addr, &ben, f0)?, Some(2));
    // Ben's own undo puts anna's value back.
    let (_, v) = call(s.addr, &ben, "POST", "/api/undo", "")?;
    assert_eq!(v["undone"].as_i64(), Some(1), "{v}");
    assert_eq!(rating(s.addr, &ben, f0)?, Some(4));
    // Anna's two edits of a0 undo in order, across the restart.
    let (_, v) = call(s.addr, &anna, "POST", "/api/undo", "")?;
    assert_eq!(v["undone"].as_i64(), Some(1), "{v}");
    assert_eq!(rating(s.addr, &anna, a0)?, Some(3));
    drop(s);
    let s = serve(&db, &cache, true)?;
    let anna = login(s.addr, "anna", "anna password")?;
    let (_, v) = call(s.addr, &anna, "POST", "/api/undo", "")?;
    assert_eq!(
        (v["undone"].as_i64(), v["left"].as_i64()),
        (Some(1), Some(0)),
        "{v}"
    );
    assert_ne!(rating(s.addr, &anna, a0)?.unwrap_or(0), 3);
    let (_, v) = call(s.addr, &anna, "POST", "/api/undo", "")?;
    assert_eq!(v["undone"].as_i64(), Some(0));
    // An entry for an item the user may no longer see is not applied.
    let (st, _) = call(
        s.addr,
        &anna,
        "POST",
        &format!("/api/items/{f0}/edit"),
        r#"{"rating":1}"#,
    )?;
    assert_eq!(st, 200);
    Index::open(&db)?.revoke("anna", "family")?;
    let (_, v) = call(s.addr, &anna, "POST", "/api/undo", "")?;
    assert_eq!(v["undone"].as_i64(), Some(0), "{v}");
    assert_eq!(rating(s.addr, &ben, f0)?, Some(1));
    Ok(())
}

#[test]
fn it_serves_while_a_scan_writes() -> R {
    let (dir, db) = library()?;
    let big = dir.path().join("big");
    for d in 0..20 {
        let sub = big.join(format!("d{d:02}"));
        std::fs::create_dir_all(&sub)?;
        for i in 0..100 {
            png(&sub.join(format!("p{i:03}.png")), (i % 250) as u8)?;
        }
    }
    let s = serve(&db, &dir.path().join("cache"), true)?;
    Index::open(&db)?.grant("ben", "family")?;
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let scanner = {
        let (db, big, done) = (db.clone(), big.clone(), Arc::clone(&done));
        std::thread::spawn(move || -> Result<u64, String> {
            let mut index = Index::open(&db).map_err(|e| e.to_string())?;
            // Small transactions: the writer commits often, as on a slow disk.
            let mut opts = ScanOptions::new();
            opts.batch = 50;
            let r = index
                .scan("big", &[big], &opts, &NoProgress)
                .map_err(|e| e.to_string());
            done.store(true, std::sync::atomic::Ordering::SeqCst);
            r.map(|r| r.new)
        })
    };
    // Logins (which write a session), lists, items and edits while the scan runs.
    let mut during = 0;
    while !done.load(std::sync::atomic::Ordering::SeqCst) {
        let ben = login(s.addr, "ben", "ben password")?;
        let (st, fam) = ids(s.addr, &ben, "family")?;
        assert_eq!((st, fam.len()), (200, 2));
        let (st, _) = call(s.addr, &ben, "GET", "/api/timeline?library=family", "")?;
        assert_eq!(st, 200);
        let (st, v) = call(
            s.addr,
            &ben,
            "POST",
            &format!("/api/items/{}/edit", fam[0]),
            &format!(r#"{{"rating":{}}}"#, during % 5),
        )?;
        assert_eq!((st, v["changed"].as_i64()), (200, Some(1)), "{v}");
        during += 1;
    }
    let new = scanner.join().map_err(|_| "scan thread panicked")??;
    assert_eq!(new, 2000);
    assert!(during > 0, "no request overlapped the scan");
    eprintln!("{during} rounds of requests answered while the scan ran");
    Ok(())
}

#[test]
fn logout_ends_the_session_at_once_despite_the_session_memo() -> R {
    let (dir, db) = library()?;
    let s = serve(&db, &dir.path().join("cache"), true)?;
    let ben = login(s.addr, "ben", "ben password")?;
    assert_eq!(call(s.addr, &ben, "GET", "/api/me", "")?.0, 200);
    assert_eq!(call(s.addr, &ben, "GET", "/api/libraries", "")?.0, 200);
    assert_eq!(call(s.addr, &ben, "POST", "/api/logout", "")?.0, 200);
    assert_eq!(call(s.addr, &ben, "GET", "/api/me", "")?.0, 401);
    assert_eq!(
        call(s.addr, &ben, "GET", "/api/items?library=family", "")?.0,
        401
    );
    Ok(())
}
