//! The server probed the way an attacker would: no session, wrong passwords, another user's
//! ids, path traversal, CSRF without the token or from another origin, edits without
//! --allow-edit, a login flood. A real server on a loopback port, a raw HTTP/1.1 client.

use std::net::SocketAddr;
use std::sync::Arc;

use albumen_index::{Index, NoProgress};
use albumen_scan::{Scan, ScanOptions};

mod common;
use common::*;

struct Fixture {
    _dir: tempfile::TempDir,
    addr: SocketAddr,
}

/// Two libraries (anna-private: 3 photos, family: 2), anna sees both, ben only family.
fn start(allow_edit: bool) -> R<Fixture> {
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
    drop(index);
    let config = albumen_server::Config::new(db, "127.0.0.1:0".parse()?)
        .cache(Some(dir.path().join("cache")))
        .allow_edit(allow_edit);
    let state = Arc::new(albumen_server::State::open(config)?);
    let addr = serve_state(state)?;
    Ok(Fixture { _dir: dir, addr })
}

#[test]
fn no_session_is_401_everywhere() -> R {
    let f = start(false)?;
    for (m, p) in [
        ("GET", "/api/libraries"),
        ("GET", "/api/items?library=family"),
        ("GET", "/api/items/1"),
        ("GET", "/api/items/1/thumb"),
        ("GET", "/api/items/1/original"),
        ("GET", "/api/items/1/video"),
        ("GET", "/api/clusters?library=family&zoom=3"),
        ("GET", "/api/places?library=family"),
        ("GET", "/api/me"),
        ("GET", "/api/nothing-here"),
        ("POST", "/api/edit"),
        ("POST", "/api/undo"),
    ] {
        assert_eq!(http(f.addr, m, p, &[], "")?.status, 401, "{m} {p}");
    }
    // A forged cookie is no session either.
    let forged = format!("albumen_session={}", "a".repeat(64));
    assert_eq!(
        http(f.addr, "GET", "/api/libraries", &[("Cookie", &forged)], "")?.status,
        401
    );
    Ok(())
}

#[test]
fn login_cookie_and_wrong_passwords() -> R {
    let f = start(false)?;
    let r = http(
        f.addr,
        "POST",
        "/api/login",
        &[],
        r#"{"user":"anna","password":"nope"}"#,
    )?;
    assert_eq!(r.status, 401);
    assert!(cookie_of(&r.head, "albumen_session").is_none());
    let r = http(
        f.addr,
        "POST",
        "/api/login",
        &[],
        r#"{"user":"nobody","password":"nope"}"#,
    )?;
    assert_eq!(r.status, 401);
    let r = http(
        f.addr,
        "POST",
        "/api/login",
        &[],
        r#"{"user":"anna","password":"anna password"}"#,
    )?;
    assert_eq!(r.status, 200);
    let line = r
        .head
        .lines()
        .find(|l| l.contains("albumen_session="))
        .ok_or("no cookie")?;
    assert!(
        line.contains("HttpOnly") && line.contains("SameSite=Strict"),
        "{line}"
    );
    // Login from another origin is refused.
    let r = http(
        f.addr,
        "POST",
        "/api/login",
        &[("Origin", "http://evil.example")],
        r#"{"user":"anna","password":"anna password"}"#,
    )?;
    assert_eq!(r.status, 403);
    Ok(())
}

#[test]
fn another_users_items_are_invisible() -> R {
    let f = start(false)?;
    let anna = login(f.addr, "anna", "anna password")?;
    let ben = login(f.addr, "ben", "ben password")?;
    let (st, private) = ids(f.addr, &anna, "anna-private")?;
    assert_eq!((st, private.len()), (200, 3));
    let (st, family) = ids(f.addr, &ben, "family")?;
    assert_eq!((st, family.len()), (200, 2));
    assert_eq!(ids(f.addr, &ben, "anna-private")?.0, 404);
    let r = http(
        f.addr,
        "GET",
        "/api/libraries",
        &[("Cookie", &ben.cookie)],
        "",
    )?;
    let libs: serde_json::Value = serde_json::from_slice(&r.body)?;
    assert_eq!(libs.as_array().map(Vec::len), Some(1));
    for id in &private {
        for what in ["", "/thumb", "/preview", "/original", "/video"] {
            let r = http(
                f.addr,
                "GET",
                &format!("/api/items/{id}{what}"),
                &[("Cookie", &ben.cookie)],
                "",
            )?;
            assert_eq!(r.status, 404, "ben got /api/items/{id}{what}");
        }
        // anna can.
        let r = http(
            f.addr,
            "GET",
            &format!("/api/items/{id}/original"),
            &[("Cookie", &anna.cookie)],
            "",
        )?;
        assert_eq!(r.status, 200);
        assert_eq!(&r.body[1..4], b"PNG");
    }
    // Guessed ids beyond the index, negative, huge.
    for id in [
        "0",
        "-1",
        "99999",
        "9223372036854775807",
        "99999999999999999999",
    ] {
        let r = http(
            f.addr,
            "GET",
            &format!("/api/items/{id}/original"),
            &[("Cookie", &ben.cookie)],
            "",
        )?;
        assert_eq!(r.status, 404, "{id}");
    }
    // A range request gets just that range.
    let r = http(
        f.addr,
        "GET",
        &format!("/api/items/{}/original", private[0]),
        &[("Cookie", &anna.cookie), ("Range", "bytes=1-3")],
        "",
    )?;
    assert_eq!((r.status, r.body.as_slice()), (206, &b"PNG"[..]));
    Ok(())
}

#[test]
fn path_traversal_finds_nothing() -> R {
    let f = start(false)?;
    let anna = login(f.addr, "anna", "anna password")?;
    for p in [
        "/../../../../etc/passwd",
        "/assets/../../../../etc/passwd",
        "/assets/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/assets/..%2f..%2f..%2fCargo.toml",
        "/static/..%2f..%2fetc%2fpasswd",
        "/api/items/..%2f..%2fetc%2fpasswd/original",
        "/api/items/1%2f..%2f..%2fetc%2fpasswd/original",
        "/api/items/%2fetc%2fpasswd/original",
    ] {
        let r = http(f.addr, "GET", p, &[("Cookie", &anna.cookie)], "")?;
        assert!(!String::from_utf8_lossy(&r.body).contains("root:"), "{p}");
        assert!(r.status == 404 || r.status == 400, "{p}: {}", r.status);
    }
    Ok(())
}

#[test]
fn csrf_and_read_only() -> R {
    let f = start(false)?;
    let anna = login(f.addr, "anna", "anna password")?;
    let (_, private) = ids(f.addr, &anna, "anna-private")?;
    let path = format!("/api/items/{}/edit", private[0]);
    // No token.
    let r = http(
        f.addr,
        "POST",
        &path,
        &[("Cookie", &anna.cookie)],
        r#"{"rating":5}"#,
    )?;
    assert_eq!(r.status, 403);
    // Wrong token.
    let r = http(
        f.addr,
        "POST",
        &path,
        &[("Cookie", &anna.cookie), ("X-CSRF-Token", "00")],
        r#"{"rating":5}"#,
    )?;
    assert_eq!(r.status, 403);
    // Right token, other origin.
    let r = http(
        f.addr,
        "POST",
        &path,
        &[
            ("Cookie", &anna.cookie),
            ("X-CSRF-Token", &anna.csrf),
            ("Origin", "http://evil.example"),
        ],
        r#"{"rating":5}"#,
    )?;
    assert_eq!(r.status, 403);
    // Right token, same origin, but the server is read-only.
    let r = http(
        f.addr,
        "POST",
        &path,
        &[("Cookie", &anna.cookie), ("X-CSRF-Token", &anna.csrf)],
        r#"{"rating":5}"#,
    )?;
    assert_eq!(r.status, 403);
    assert!(String::from_utf8_lossy(&r.body).contains("read-only"));
    let r = http(
        f.addr,
        "POST",
        "/api/undo",
        &[("Cookie", &anna.cookie), ("X-CSRF-Token", &anna.csrf)],
        "",
    )?;
    assert_eq!(r.status, 403);
    Ok(())
}

#[test]
fn edits_check_libraries_even_when_allowed() -> R {
    let f = start(true)?;
    let anna = login(f.addr, "anna", "anna password")?;
    let ben = login(f.addr, "ben", "ben password")?;
    let (_, private) = ids(f.addr, &anna, "anna-private")?;
    let body = format!(r#"{{"ids":[{}],"rating":1}}"#, private[0]);
    let r = http(
        f.addr,
        "POST",
        "/api/edit",
        &[("Cookie", &ben.cookie), ("X-CSRF-Token", &ben.csrf)],
        &body,
    )?;
    assert_eq!(r.status, 404);
    // Nonsense values are refused before anything is written.
    for bad in [
        r#"{"rating":9}"#,
        r#"{"lat":91,"lon":0}"#,
        r#"{"lat":1}"#,
        r#"{}"#,
        r#"{"shift_seconds":9000000000000}"#,
    ] {
        let r = http(
            f.addr,
            "POST",
            &format!("/api/items/{}/edit", private[0]),
            &[("Cookie", &anna.cookie), ("X-CSRF-Token", &anna.csrf)],
            bad,
        )?;
        assert_eq!(r.status, 400, "{bad}");
    }
    Ok(())
}

#[test]
fn login_flood_is_rate_limited() -> R {
    let f = start(false)?;
    let mut limited_at = None;
    for k in 0..(albumen_server::MAX_FAILURES + 3) {
        let r = http(
            f.addr,
            "POST",
            "/api/login",
            &[],
            &format!(r#"{{"user":"ben","password":"guess{k}"}}"#),
        )?;
        if r.status == 429 {
            limited_at = Some(k);
            break;
        }
        assert_eq!(r.status, 401);
    }
    assert_eq!(limited_at, Some(albumen_server::MAX_FAILURES));
    // Even the right password is refused while the limit holds.
    let r = http(
        f.addr,
        "POST",
        "/api/login",
        &[],
        r#"{"user":"ben","password":"ben password"}"#,
    )?;
    assert_eq!(r.status, 429);
    Ok(())
}
