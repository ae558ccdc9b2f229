//! Albums, share links and the trash, probed the way an attacker (and a careless user) would:
//! a link asked for other items by id, other libraries, path traversal, guessed, expired and
//! revoked tokens, a guessing flood; what a link serves read back for a location; another user
//! touching an album; the trash without --allow-edit; a restore onto a taken path; and the
//! trash and restore giving every file back byte for byte with its time, under the same id.
//! A real server on a loopback port, a raw HTTP/1.1 client.

#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use albumen_index::{Index, NoProgress};
use albumen_scan::{Scan, ScanOptions};

mod common;
use common::*;

#[path = "../../albumen-index/tests/common/mod.rs"]
mod fixtures;

struct Fixture {
    dir: tempfile::TempDir,
    addr: SocketAddr,
    db: PathBuf,
}

fn serve(db: &Path, cache: &Path, allow_edit: bool) -> R<SocketAddr> {
    let config = albumen_server::Config::new(db.to_path_buf(), "127.0.0.1:0".parse()?)
        .cache(Some(cache.to_path_buf()))
        .allow_edit(allow_edit);
    let state = Arc::new(albumen_server::State::open(config)?);
    let addr = serve_state(state)?;
    Ok(addr)
}

/// family: p0, p1 (with a position), p2 (no album), p3 with an XMP sidecar; anna-private: a0.
/// anna sees both libraries, ben only family.
fn start(allow_edit: bool) -> R<Fixture> {
    let dir = tempfile::tempdir()?;
    let (a, f) = (dir.path().join("anna"), dir.path().join("family"));
    std::fs::create_dir_all(&a)?;
    std::fs::create_dir_all(f.join("trip"))?;
    for i in 0..4 {
        let p = f.join("trip").join(format!("p{i}.jpg"));
        std::fs::write(
            &p,
            fixtures::jpeg(
                &format!("2022:05:1{i} 12:00:00"),
                Some("+02:00"),
                &format!("photo {i}"),
            ),
        )?;
        if i < 2 {
            let gps = albumen_meta::GpsPosition::new(48.8584, 2.2945, Some(35.0)).ok_or("gps")?;
            albumen_edit::apply(
                &p,
                &[albumen_edit::Edit::SetGps(gps)],
                &albumen_edit::Options::default(),
            )?;
        }
    }
    std::fs::write(
        f.join("trip").join("p3.xmp"),
        "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'/></x:xmpmeta>",
    )?;
    std::fs::write(
        a.join("a0.jpg"),
        fixtures::jpeg("2021:01:01 10:00:00", None, "private"),
    )?;
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
    let addr = serve(&db, &dir.path().join("cache"), allow_edit)?;
    Ok(Fixture { dir, addr, db })
}

fn id_of(db: &Path, name: &str) -> i64 {
    raw_i64(
        db,
        "SELECT id FROM files WHERE path_text LIKE ?1",
        &format!("%/{name}"),
    )
    .unwrap()
}

fn get(addr: SocketAddr, path: &str) -> R<Reply> {
    http(addr, "GET", path, &[], "")
}

#[test]
fn a_link_shows_its_album_and_nothing_else() -> R {
    let f = start(true)?;
    let anna = login(f.addr, "anna", "anna password")?;
    let ben = login(f.addr, "ben", "ben password")?;
    let p: Vec<i64> = (0..4).map(|i| id_of(&f.db, &format!("p{i}.jpg"))).collect();
    let a0 = id_of(&f.db, "a0.jpg");

    // Every album route needs a session.
    for (m, path) in [
        ("GET", "/api/albums".to_string()),
        ("POST", "/api/albums".to_string()),
        ("GET", "/api/albums/1/items".to_string()),
        ("POST", "/api/albums/1/links".to_string()),
        ("DELETE", "/api/albums/1/links/1".to_string()),
        ("POST", format!("/api/items/{}/trash", p[0])),
        ("GET", "/api/trash?library=family".to_string()),
        ("POST", format!("/api/trash/{}/restore", p[0])),
    ] {
        assert_eq!(http(f.addr, m, &path, &[], "")?.status, 401, "{m} {path}");
    }
    // A write without the CSRF token is refused.
    let r = http(
        f.addr,
        "POST",
        "/api/albums",
        &[("Cookie", &anna.cookie)],
        r#"{"name":"x","library":"family"}"#,
    )?;
    assert_eq!(r.status, 403);

    let (st, b) = call(
        f.addr,
        &anna,
        "POST",
        "/api/albums",
        r#"{"name":"Paris","library":"family"}"#,
    )?;
    assert_eq!(st, 200);
    let album = b["id"].as_i64().unwrap();
    let (st, _) = call(
        f.addr,
        &anna,
        "POST",
        &format!("/api/albums/{album}/items"),
        &format!(r#"{{"items":[{},{}]}}"#, p[0], p[1]),
    )?;
    assert_eq!(st, 200);
    // An item of another library does not go into it.
    let (st, _) = call(
        f.addr,
        &anna,
        "POST",
        &format!("/api/albums/{album}/items"),
        &format!(r#"{{"items":[{a0}]}}"#),
    )?;
    assert_eq!(st, 404);
    // Ben neither sees nor changes it.
    let (st, b) = call(f.addr, &ben, "GET", "/api/albums", "")?;
    assert_eq!((st, b.as_array().map(Vec::len)), (200, Some(0)));
    for (m, path, body) in [
        ("GET", format!("/api/albums/{album}/items"), String::new()),
        (
            "POST",
            format!("/api/albums/{album}/items"),
            format!(r#"{{"items":[{}]}}"#, p[2]),
        ),
        (
            "POST",
            format!("/api/albums/{album}"),
            r#"{"name":"mine"}"#.to_string(),
        ),
        ("DELETE", format!("/api/albums/{album}"), String::new()),
        (
            "POST",
            format!("/api/albums/{album}/links"),
            r#"{"expires_days":3}"#.to_string(),
        ),
    ] {
        assert_eq!(
            call(f.addr, &ben, m, &path, &body)?.0,
            404,
            "ben: {m} {path}"
        );
    }

    let (st, b) = call(
        f.addr,
        &anna,
        "POST",
        &format!("/api/albums/{album}/links"),
        r#"{"expires_days":7}"#,
    )?;
    assert_eq!(st, 200);
    let token = b["token"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 64, "256 bits");
    assert!(b["url"].as_str().unwrap().ends_with(&format!("/s/{token}")));

    // The page and the list, anonymously: only the album's items, no position.
    let r = get(f.addr, &format!("/s/{token}"))?;
    assert_eq!(r.status, 200);
    assert!(String::from_utf8_lossy(&r.body).contains("share.js"));
    let r = get(f.addr, &format!("/api/shared/{token}/items"))?;
    assert_eq!(r.status, 200);
    let v: serde_json::Value = serde_json::from_slice(&r.body)?;
    let mut shown: Vec<i64> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    shown.sort();
    let mut want = vec![p[0], p[1]];
    want.sort();
    assert_eq!(shown, want);
    let text = String::from_utf8_lossy(&r.body);
    for word in ["lat", "lon", "path", "family", "anna", "p0.jpg"] {
        assert!(!text.contains(word), "the list says {word:?}: {text}");
    }

    // The original comes without its position, its time kept, its image data unchanged.
    let r = get(
        f.addr,
        &format!("/api/shared/{token}/items/{}/original", p[0]),
    )?;
    assert_eq!(r.status, 200);
    let plan = albumen_edit::plan_bytes(&r.body, &[], &albumen_edit::Options::default())?;
    assert!(plan.before.gps.is_none(), "the shared copy has a position");
    assert!(plan.before.time.is_some(), "the shared copy lost its time");
    let lib = std::fs::read(f.dir.path().join("family/trip/p0.jpg"))?;
    let tail = &lib[lib.len() - 20..];
    assert!(r.body.ends_with(tail), "image data changed");
    assert!(
        albumen_edit::plan_bytes(&lib, &[], &albumen_edit::Options::default())?
            .before
            .gps
            .is_some(),
        "the library's file lost its position"
    );

    // Other items, other libraries, nonsense ids, traversal: nothing.
    for other in [p[2], p[3], a0, 0, -1, 999_999] {
        for what in ["thumb", "preview", "original", "video"] {
            let r = get(f.addr, &format!("/api/shared/{token}/items/{other}/{what}"))?;
            assert_eq!(r.status, 404, "item {other} {what}");
        }
    }
    for path in [
        format!(
            "/api/shared/{token}/items/{}/../../../items/{a0}/original",
            p[0]
        ),
        format!("/api/shared/{token}/items/{}%2f..%2f{a0}/original", p[0]),
        format!(
            "/api/shared/{token}/items/{}/original/../../{a0}/original",
            p[0]
        ),
        format!("/api/shared/{token}/items/{}/exif", p[0]),
        format!("/api/shared/{token}/../../items/{a0}/original"),
        format!("/api/shared/{token}/items/1e3/original"),
        format!("/s/{token}/../../api/items?library=family"),
    ] {
        let r = get(f.addr, &path)?;
        assert!(matches!(r.status, 400 | 401 | 404), "{path}: {}", r.status);
        assert!(!r.body.starts_with(b"\xff\xd8"), "{path} served a JPEG");
    }
    // A visitor of the link has no session.
    assert_eq!(get(f.addr, "/api/items?library=family")?.status, 401);
    assert_eq!(get(f.addr, "/api/albums")?.status, 401);

    // Near misses of the token, an expired and a revoked link: nothing.
    let mut flipped = token.clone().into_bytes();
    flipped[10] = if flipped[10] == b'0' { b'1' } else { b'0' };
    for t in [
        String::from_utf8(flipped)?,
        token.to_uppercase(),
        token[..63].to_string(),
        format!("{token}0"),
    ] {
        assert_eq!(
            get(f.addr, &format!("/api/shared/{t}/items"))?.status,
            404,
            "{t}"
        );
    }
    let (_, b) = call(
        f.addr,
        &anna,
        "POST",
        &format!("/api/albums/{album}/links"),
        r#"{"expires_days":1}"#,
    )?;
    let short = b["token"].as_str().unwrap().to_string();
    assert_eq!(
        get(f.addr, &format!("/api/shared/{short}/items"))?.status,
        200
    );
    raw_exec(
        &f.db,
        "UPDATE share_links SET expires_at = 1 WHERE hint = ?1",
        &short[..6],
    )?;
    assert_eq!(
        get(f.addr, &format!("/api/shared/{short}/items"))?.status,
        404,
        "expired"
    );
    assert_eq!(
        call(
            f.addr,
            &ben,
            "DELETE",
            &format!("/api/albums/{album}/links/{token}"),
            ""
        )?
        .0,
        404
    );
    assert_eq!(
        get(f.addr, &format!("/api/shared/{token}/items"))?.status,
        200,
        "ben revoked it"
    );

    // Trash an album item: it leaves the link at once, and comes back with a restore.
    let (st, _) = call(
        f.addr,
        &anna,
        "POST",
        &format!("/api/items/{}/trash", p[1]),
        "{}",
    )?;
    assert_eq!(st, 200);
    assert_eq!(
        get(
            f.addr,
            &format!("/api/shared/{token}/items/{}/original", p[1])
        )?
        .status,
        404
    );
    let r = get(f.addr, &format!("/api/shared/{token}/items"))?;
    let v: serde_json::Value = serde_json::from_slice(&r.body)?;
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    let (st, _) = call(
        f.addr,
        &anna,
        "POST",
        &format!("/api/trash/{}/restore", p[1]),
        "{}",
    )?;
    assert_eq!(st, 200);
    assert_eq!(
        get(
            f.addr,
            &format!("/api/shared/{token}/items/{}/original", p[1])
        )?
        .status,
        200
    );

    assert_eq!(
        call(
            f.addr,
            &anna,
            "DELETE",
            &format!("/api/albums/{album}/links/{token}"),
            ""
        )?
        .0,
        200
    );
    assert_eq!(
        get(f.addr, &format!("/api/shared/{token}/items"))?.status,
        404,
        "revoked"
    );
    assert_eq!(
        get(f.addr, &format!("/s/{token}"))?.status,
        404,
        "revoked page"
    );

    // Guessing is limited per address like logins (this is the last anonymous request here).
    let mut last = 0;
    for i in 0..albumen_server::MAX_FAILURES + 2 {
        last = get(f.addr, &format!("/api/shared/{:064x}/items", i))?.status;
    }
    assert_eq!(last, 429);
    Ok(())
}

fn stat(p: &Path) -> (Vec<u8>, i64) {
    let m = std::fs::metadata(p).unwrap();
    (
        std::fs::read(p).unwrap(),
        m.mtime() * 1_000_000_000 + m.mtime_nsec(),
    )
}

#[test]
fn trash_and_restore_give_files_back() -> R {
    let f = start(true)?;
    let anna = login(f.addr, "anna", "anna password")?;
    let ben = login(f.addr, "ben", "ben password")?;
    let p3 = id_of(&f.db, "p3.jpg");
    let a0 = id_of(&f.db, "a0.jpg");
    let trip = f.dir.path().join("family/trip");
    let (jpg, xmp) = (trip.join("p3.jpg"), trip.join("p3.xmp"));
    let before = (stat(&jpg), stat(&xmp));

    assert_eq!(
        call(
            f.addr,
            &ben,
            "POST",
            &format!("/api/items/{a0}/trash"),
            "{}"
        )?
        .0,
        404
    );
    assert!(f.dir.path().join("anna/a0.jpg").exists());
    let (st, b) = call(
        f.addr,
        &anna,
        "POST",
        &format!("/api/items/{p3}/trash"),
        "{}",
    )?;
    assert_eq!(
        (st, b["files"].as_i64()),
        (200, Some(2)),
        "the photo and its sidecar"
    );
    assert!(!jpg.exists() && !xmp.exists());
    let trash = albumen_index::default_trash_dir(&f.db);
    let kept: Vec<PathBuf> = walk(&trash);
    assert_eq!(kept.len(), 2, "{kept:?}");
    let (_, listed) = ids(f.addr, &anna, "family")?;
    assert!(!listed.contains(&p3), "still in the timeline");
    let (st, b) = call(f.addr, &anna, "GET", "/api/trash?library=family", "")?;
    assert_eq!(st, 200);
    assert_eq!(b["items"][0]["id"].as_i64(), Some(p3));
    // Ben sees the library's trash but cannot restore what he cannot see elsewhere: he can
    // here (family is his too); anna's private library's trash is not his.
    assert_eq!(
        call(f.addr, &ben, "GET", "/api/trash?library=anna-private", "")?.0,
        404
    );

    // A rescan does not bring it back.
    let mut index = Index::open(&f.db)?;
    index.scan(
        "family",
        &[f.dir.path().join("family")],
        &ScanOptions::new(),
        &NoProgress,
    )?;
    drop(index);
    let (_, ids_now) = ids(f.addr, &anna, "family")?;
    assert!(!ids_now.contains(&p3), "a rescan brought it back");

    // Something at the path: refused, nothing moved.
    std::fs::write(&jpg, b"someone else's")?;
    let (st, b) = call(
        f.addr,
        &anna,
        "POST",
        &format!("/api/trash/{p3}/restore"),
        "{}",
    )?;
    assert_eq!(st, 409, "{b}");
    assert!(b["message"].as_str().unwrap().contains("p3.jpg"));
    assert_eq!(std::fs::read(&jpg)?, b"someone else's");
    assert!(
        !xmp.exists(),
        "the sidecar moved although the restore was refused"
    );
    assert_eq!(walk(&trash).len(), 2);
    std::fs::remove_file(&jpg)?;

    let (st, _) = call(
        f.addr,
        &anna,
        "POST",
        &format!("/api/trash/{p3}/restore"),
        "{}",
    )?;
    assert_eq!(st, 200);
    assert_eq!((stat(&jpg), stat(&xmp)), before, "bytes or times differ");
    let (_, listed) = ids(f.addr, &anna, "family")?;
    assert!(listed.contains(&p3), "not back under its id");
    assert!(walk(&trash).is_empty());
    // And a rescan keeps it as it is (same id, nothing new).
    let mut index = Index::open(&f.db)?;
    let rep = index.scan(
        "family",
        &[f.dir.path().join("family")],
        &ScanOptions::new(),
        &NoProgress,
    )?;
    assert_eq!((rep.new, rep.deleted), (0, 0));
    Ok(())
}

#[test]
fn without_allow_edit_the_trash_is_closed() -> R {
    let f = start(false)?;
    let anna = login(f.addr, "anna", "anna password")?;
    let p0 = id_of(&f.db, "p0.jpg");
    assert_eq!(
        call(
            f.addr,
            &anna,
            "POST",
            &format!("/api/items/{p0}/trash"),
            "{}"
        )?
        .0,
        403
    );
    assert_eq!(
        call(
            f.addr,
            &anna,
            "POST",
            &format!("/api/trash/{p0}/restore"),
            "{}"
        )?
        .0,
        403
    );
    assert!(f.dir.path().join("family/trip/p0.jpg").exists());
    Ok(())
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A stack (an edited version beside its original, a sidecar each) through a link and the
/// trash: the link lists the face with its members (ids and kinds, no names) and serves every
/// member, stripped like the face, but no member as the face's "video" and no file outside
/// the album's stacks; the trash takes every member and sidecar and the restore brings them
/// all back.
#[test]
fn a_stack_is_shared_and_trashed_whole() -> R {
    let dir = tempfile::tempdir()?;
    let lib = dir.path().join("edits");
    std::fs::create_dir_all(&lib)?;
    let (orig, edit) = (lib.join("A.jpg"), lib.join("A-edited.jpg"));
    std::fs::write(&orig, fixtures::jpeg("2023:07:04 12:15:00", None, "orig"))?;
    std::fs::write(&edit, fixtures::jpeg("2023:07:04 12:15:00", None, "edit"))?;
    let xmp = "<x:xmpmeta xmlns:x='adobe:ns:meta/'/>";
    std::fs::write(lib.join("A.jpg.xmp"), xmp)?;
    std::fs::write(lib.join("A-edited.jpg.xmp"), xmp)?;
    std::fs::write(
        lib.join("B.jpg"),
        fixtures::jpeg("2023:08:01 09:00:00", None, "other"),
    )?;
    let db = common::new_db(dir.path());
    let mut index = Index::open(&db)?;
    index.scan(
        "edits",
        std::slice::from_ref(&lib),
        &ScanOptions::new(),
        &NoProgress,
    )?;
    index.add_user("anna", &albumen_server::hash_password("anna password")?)?;
    index.grant("anna", "edits")?;
    drop(index);
    let (face, member) = (id_of(&db, "A-edited.jpg"), id_of(&db, "A.jpg"));
    let outside = id_of(&db, "B.jpg");
    let addr = serve(&db, &dir.path().join("cache"), true)?;
    let anna = login(addr, "anna", "anna password")?;
    let (_, listed) = ids(addr, &anna, "edits")?;
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(
        listed.contains(&face) && !listed.contains(&member),
        "one item for the stack"
    );

    let (st, b) = call(
        addr,
        &anna,
        "POST",
        "/api/albums",
        r#"{"name":"Edits","library":"edits"}"#,
    )?;
    assert_eq!(st, 200);
    let album = b["id"].as_i64().ok_or("no album id")?;
    let (st, _) = call(
        addr,
        &anna,
        "POST",
        &format!("/api/albums/{album}/items"),
        &format!(r#"{{"items":[{face}]}}"#),
    )?;
    assert_eq!(st, 200);
    let (st, b) = call(
        addr,
        &anna,
        "POST",
        &format!("/api/albums/{album}/links"),
        r#"{"expires_days":7}"#,
    )?;
    assert_eq!(st, 200);
    let token = b["token"].as_str().ok_or("no token")?.to_string();
    let r = get(addr, &format!("/api/shared/{token}/items"))?;
    assert_eq!(r.status, 200);
    let v: serde_json::Value = serde_json::from_slice(&r.body)?;
    let items = v["items"].as_array().ok_or("no items")?;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"].as_i64(), Some(face));
    assert_eq!(items[0]["video"], false, "a stack's face is no Live Photo");
    let members = items[0]["members"].as_array().ok_or("no members")?;
    assert_eq!(members.len(), 1, "{members:?}");
    assert_eq!(members[0]["id"].as_i64(), Some(member));
    assert!(
        !String::from_utf8_lossy(&r.body).contains("A.jpg"),
        "a member's name"
    );
    // The face's original is the edited file, the member's the original: both served.
    let r = get(addr, &format!("/api/shared/{token}/items/{face}/original"))?;
    assert_eq!(r.status, 200);
    let edited = std::fs::read(&edit)?;
    assert!(r.body.ends_with(&edited[edited.len() - 20..]));
    let r = get(
        addr,
        &format!("/api/shared/{token}/items/{member}/original"),
    )?;
    assert_eq!(r.status, 200);
    let original = std::fs::read(&orig)?;
    assert!(r.body.ends_with(&original[original.len() - 20..]));
    let r = get(addr, &format!("/api/shared/{token}/items/{member}/thumb"))?;
    assert_eq!(r.status, 200, "member thumb");
    // No member comes out as the face's video; a file of the library outside the album does
    // not come out at all.
    let r = get(addr, &format!("/api/shared/{token}/items/{face}/video"))?;
    assert_eq!(r.status, 404, "a member served as the face's video");
    for what in ["thumb", "preview", "original", "video"] {
        let r = get(addr, &format!("/api/shared/{token}/items/{outside}/{what}"))?;
        assert_eq!(r.status, 404, "a file outside the album: {what}");
    }

    // The trash: every member and sidecar; the restore: all of them, byte for byte.
    let names = ["A-edited.jpg", "A-edited.jpg.xmp", "A.jpg", "A.jpg.xmp"];
    let before: Vec<(Vec<u8>, i64)> = names.iter().map(|n| stat(&lib.join(n))).collect();
    let (st, b) = call(
        addr,
        &anna,
        "POST",
        &format!("/api/items/{face}/trash"),
        "{}",
    )?;
    assert_eq!((st, b["files"].as_i64()), (200, Some(4)), "{b}");
    for n in names {
        assert!(!lib.join(n).exists(), "{n} left behind");
    }
    let (_, listed) = ids(addr, &anna, "edits")?;
    assert_eq!(listed, vec![outside]);
    let r = get(addr, &format!("/api/shared/{token}/items/{face}/original"))?;
    assert_eq!(r.status, 404, "a trashed face served");
    let (st, _) = call(
        addr,
        &anna,
        "POST",
        &format!("/api/trash/{face}/restore"),
        "{}",
    )?;
    assert_eq!(st, 200);
    let after: Vec<(Vec<u8>, i64)> = names.iter().map(|n| stat(&lib.join(n))).collect();
    assert_eq!(after, before);
    let (_, mut listed) = ids(addr, &anna, "edits")?;
    listed.sort();
    let mut want = vec![face, outside];
    want.sort();
    assert_eq!(listed, want);
    Ok(())
}
