//! The family-app routes (search, memories, favourites, people, status) probed the way an
//! attacker would (no session, no CSRF token, another origin, another user's libraries and
//! people) and used the way the page does; and `serve --watch` seeing files come and go while
//! another scan writes the same index. A real server on a loopback port, a raw HTTP client.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use albumen_index::{Index, NoProgress};
use albumen_scan::{Scan, ScanOptions};

mod common;
use common::*;

struct Fixture {
    dir: tempfile::TempDir,
    db: PathBuf,
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Two libraries (anna-private: 3 photos, family: 4), anna sees both, ben only family. In
/// family: f0 in Paris with the keyword "birthday", f1 by an "albumen Check Camera" on
/// 2019-07-14, f2 on 2021-07-14; one person seen in f0 and f3, another only in anna-private,
/// a third in both libraries.
fn start(watch: bool) -> R<Fixture> {
    let dir = tempfile::tempdir()?;
    let (a, f) = (dir.path().join("anna"), dir.path().join("family"));
    std::fs::create_dir_all(&a)?;
    std::fs::create_dir_all(&f)?;
    for i in 0..3 {
        png(&a.join(format!("a{i}.png")), 10 * i)?;
    }
    for i in 0..4 {
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
    // Set-up and assertions on the rows themselves: a connection of the test's own.
    let id = |name: &str| -> R<i64> {
        raw_i64(
            &db,
            "SELECT id FROM files WHERE path_text LIKE '%/' || ?1",
            name,
        )
    };
    let (f0, f1, f2, f3, a0) = (
        id("f0.png")?,
        id("f1.png")?,
        id("f2.png")?,
        id("f3.png")?,
        id("a0.png")?,
    );
    raw_batch(
        &db,
        &format!(
        "UPDATE files SET lat = 48.8566, lon = 2.3522, time_local = '2022-05-10T12:00:00' WHERE id = {f0};
         UPDATE files SET make = 'albumen', model = 'Check Camera', time_local = '2019-07-14T10:00:00' WHERE id = {f1};
         UPDATE files SET time_local = '2021-07-14T09:00:00' WHERE id = {f2};
         UPDATE files SET time_local = '2021-07-14T08:00:00' WHERE id = {a0};
         INSERT INTO keywords (file_id, keyword) VALUES ({f0}, 'birthday');
         INSERT INTO people (id, name, centroid) VALUES (1, NULL, x''), (2, 'Secret', x''), (3, NULL, x'');
         INSERT INTO faces (file_id, x, y, w, h, score, embedding, person_id) VALUES
           ({f0}, 0.2, 0.2, 0.3, 0.3, 0.99, x'', 1), ({f3}, 0.1, 0.1, 0.2, 0.2, 0.9, x'', 1),
           ({a0}, 0.2, 0.2, 0.3, 0.3, 0.9, x'', 2),
           ({a0}, 0.5, 0.5, 0.2, 0.2, 0.8, x'', 3), ({f2}, 0.5, 0.5, 0.2, 0.2, 0.8, x'', 3);"
        ),
    )?;
    drop(index);
    let mut config = albumen_server::Config::new(db.clone(), "127.0.0.1:0".parse()?)
        .cache(Some(dir.path().join("cache")));
    if watch {
        config = config.watch(Some(
            albumen_server::WatchOptions::default().rescan_every(Duration::from_secs(3600)),
        ));
    }
    let state = Arc::new(albumen_server::State::open(config)?);
    let stop = Arc::new(AtomicBool::new(false));
    if watch {
        albumen_server::watch::spawn(Arc::clone(&state), watch_opts(), Arc::clone(&stop))?;
    }
    let addr = serve_state(state)?;
    Ok(Fixture {
        dir,
        db,
        addr,
        stop,
    })
}

fn watch_opts() -> albumen_server::WatchOptions {
    albumen_server::WatchOptions::default().rescan_every(Duration::from_secs(3600))
}

fn search(f: &Fixture, l: &Login, lib: &str, q: &str) -> R<(u16, Vec<i64>)> {
    let q: String = q
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let (st, v) = call(
        f.addr,
        l,
        "GET",
        &format!("/api/search?library={lib}&q={q}"),
        "",
    )?;
    let ids = v["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["id"].as_i64()).collect())
        .unwrap_or_default();
    Ok((st, ids))
}

#[test]
fn new_routes_answer_401_without_a_session() -> R {
    let f = start(false)?;
    for (m, p) in [
        ("GET", "/api/search?library=family&q=birthday"),
        ("GET", "/api/memories?library=family&date=07-14"),
        ("GET", "/api/people?library=family"),
        ("GET", "/api/faces/1/thumb"),
        ("GET", "/api/status"),
        ("GET", "/api/items?library=family&favorite=1"),
        ("POST", "/api/items/1/favorite"),
        ("POST", "/api/people/1"),
        ("POST", "/api/people/1/merge"),
    ] {
        let r = http(
            f.addr,
            m,
            p,
            &[],
            r#"{"favorite":true,"name":"x","from":2}"#,
        )?;
        assert_eq!(r.status, 401, "{m} {p}");
    }
    let forged = format!("albumen_session={}", "b".repeat(64));
    let r = http(
        f.addr,
        "GET",
        "/api/search?library=family&q=birthday",
        &[("Cookie", &forged)],
        "",
    )?;
    assert_eq!(r.status, 401);
    Ok(())
}

#[test]
fn new_writes_need_the_csrf_token_and_the_page_origin() -> R {
    let f = start(false)?;
    let anna = login(f.addr, "anna", "anna password")?;
    let (_, fam) = ids(f.addr, &anna, "family")?;
    let fav = format!("/api/items/{}/favorite", fam[0]);
    for (path, body) in [
        (fav.as_str(), r#"{"favorite":true}"#),
        ("/api/people/1", r#"{"name":"Mallory"}"#),
        ("/api/people/1/merge", r#"{"from":3}"#),
    ] {
        for h in [
            vec![("Cookie", anna.cookie.as_str())],
            vec![("Cookie", anna.cookie.as_str()), ("X-CSRF-Token", "00")],
            vec![
                ("Cookie", anna.cookie.as_str()),
                ("X-CSRF-Token", anna.csrf.as_str()),
                ("Origin", "http://evil.example"),
            ],
        ] {
            let r = http(f.addr, "POST", path, &h, body)?;
            assert_eq!(r.status, 403, "{path} {h:?}");
        }
    }
    // Nothing was written.
    let (_, v) = call(
        f.addr,
        &anna,
        "GET",
        "/api/items?library=family&favorite=1",
        "",
    )?;
    assert_eq!(v["items"].as_array().map(Vec::len), Some(0));
    let (_, v) = call(f.addr, &anna, "GET", "/api/people?library=family", "")?;
    assert!(!v.to_string().contains("Mallory"));
    // A GET never changes anything: the favourite route has no GET.
    let (st, _) = call(f.addr, &anna, "GET", &fav, "")?;
    assert_eq!(st, 405);
    Ok(())
}

#[test]
fn grants_hold_for_search_memories_favourites_and_people() -> R {
    let f = start(false)?;
    let anna = login(f.addr, "anna", "anna password")?;
    let ben = login(f.addr, "ben", "ben password")?;
    let (_, private) = ids(f.addr, &anna, "anna-private")?;
    // Ben may not search, remember or list people of anna's library.
    for p in [
        "/api/search?library=anna-private&q=png",
        "/api/memories?library=anna-private&date=07-14",
        "/api/people?library=anna-private",
        "/api/items?library=anna-private&favorite=1",
    ] {
        let (st, v) = call(f.addr, &ben, "GET", p, "")?;
        assert_eq!(st, 404, "{p}: {v}");
    }
    // Nor favour one of its items, nor see its faces.
    let (st, _) = call(
        f.addr,
        &ben,
        "POST",
        &format!("/api/items/{}/favorite", private[0]),
        r#"{"favorite":true}"#,
    )?;
    assert_eq!(st, 404);
    let face_of_secret: i64 = 3;
    let (st, _) = call(
        f.addr,
        &ben,
        "GET",
        &format!("/api/faces/{face_of_secret}/thumb"),
        "",
    )?;
    assert_eq!(st, 404);
    // Person 2 is only in anna-private: unknown to ben; person 3 is in both libraries: ben
    // may not rename or merge it (it would change anna's private library too).
    let (st, _) = call(f.addr, &ben, "POST", "/api/people/2", r#"{"name":"x"}"#)?;
    assert_eq!(st, 404);
    let (st, _) = call(f.addr, &ben, "POST", "/api/people/3", r#"{"name":"x"}"#)?;
    assert_eq!(st, 403);
    let (st, _) = call(f.addr, &ben, "POST", "/api/people/1/merge", r#"{"from":3}"#)?;
    assert_eq!(st, 403);
    let (st, _) = call(f.addr, &ben, "POST", "/api/people/1/merge", r#"{"from":2}"#)?;
    assert_eq!(st, 404);
    // Ben's people of family: persons 1 and 3, never "Secret".
    let (st, v) = call(f.addr, &ben, "GET", "/api/people?library=family", "")?;
    assert_eq!(st, 200);
    let listed: Vec<i64> = v
        .as_array()
        .ok_or("not a list")?
        .iter()
        .filter_map(|p| p["id"].as_i64())
        .collect();
    assert_eq!(listed, [1, 3]);
    assert!(!v.to_string().contains("Secret"));
    // Searching family never returns anna's items, even for what they hold.
    let (st, hits) = search(&f, &ben, "family", "png")?;
    assert_eq!(st, 200);
    assert_eq!(hits.len(), 4);
    assert!(hits.iter().all(|h| !private.contains(h)));
    let (_, hits) = search(&f, &ben, "family", "Secret")?;
    assert!(hits.is_empty());
    // Hostile input is refused or finds nothing, never an error.
    for q in ["%", "_", "\"", "'; DROP TABLE files; --", "\\", "*", "巴"] {
        let (st, _) = search(&f, &ben, "family", q)?;
        assert_eq!(st, 200, "{q}");
    }
    let (st, _) = search(&f, &ben, "family", &"x".repeat(600))?;
    assert_eq!(st, 400);
    for bad in ["13-01", "7-14", "x", "07-32"] {
        let (st, _) = call(
            f.addr,
            &ben,
            "GET",
            &format!("/api/memories?library=family&date={bad}"),
            "",
        )?;
        assert_eq!(st, 400, "{bad}");
    }
    Ok(())
}

#[test]
fn search_memories_favourites_and_people_as_the_page_uses_them() -> R {
    let f = start(false)?;
    let anna = login(f.addr, "anna", "anna password")?;
    let ben = login(f.addr, "ben", "ben password")?;
    assert_eq!(search(&f, &anna, "family", "birthday")?.1.len(), 1);
    assert_eq!(search(&f, &anna, "family", "Paris")?.1.len(), 1);
    assert_eq!(search(&f, &anna, "family", "巴黎")?.1.len(), 1);
    assert_eq!(search(&f, &anna, "family", "Check Camera")?.1.len(), 1);
    assert_eq!(search(&f, &anna, "family", "2019-07")?.1.len(), 1);
    assert_eq!(search(&f, &anna, "family", "2021")?.1.len(), 1);
    assert!(search(&f, &anna, "family", "zzzx-nothing")?.1.is_empty());

    // Memories of 07-14: 2021 then 2019, only family's items.
    let (st, v) = call(
        f.addr,
        &anna,
        "GET",
        "/api/memories?library=family&date=07-14",
        "",
    )?;
    assert_eq!(st, 200);
    let groups: Vec<(i64, usize)> = v["groups"]
        .as_array()
        .ok_or("no groups")?
        .iter()
        .map(|g| {
            (
                g["year"].as_i64().unwrap_or(0),
                g["items"].as_array().map_or(0, Vec::len),
            )
        })
        .collect();
    assert_eq!(groups, [(2021, 1), (2019, 1)]);

    // Favourites: per user, flagged on items, and removable.
    let (_, fam) = ids(f.addr, &anna, "family")?;
    let fav = fam[1];
    let (st, v) = call(
        f.addr,
        &anna,
        "POST",
        &format!("/api/items/{fav}/favorite"),
        r#"{"favorite":true}"#,
    )?;
    assert_eq!((st, v["favorite"].as_bool()), (200, Some(true)));
    let (_, v) = call(
        f.addr,
        &anna,
        "GET",
        "/api/items?library=family&favorite=1",
        "",
    )?;
    let favs: Vec<i64> = v["items"]
        .as_array()
        .ok_or("no items")?
        .iter()
        .filter_map(|i| i["id"].as_i64())
        .collect();
    assert_eq!(favs, [fav]);
    assert_eq!(v["items"][0]["favorite"].as_bool(), Some(true));
    let (_, v) = call(
        f.addr,
        &ben,
        "GET",
        "/api/items?library=family&favorite=1",
        "",
    )?;
    assert_eq!(v["items"].as_array().map(Vec::len), Some(0));
    let (_, v) = call(f.addr, &ben, "GET", &format!("/api/items/{fav}"), "")?;
    assert_eq!(v["favorite"].as_bool(), Some(false));
    for bad in ["", "{}", r#"{"favorite":"yes"}"#, "[]"] {
        let (st, _) = call(
            f.addr,
            &anna,
            "POST",
            &format!("/api/items/{fav}/favorite"),
            bad,
        )?;
        assert_eq!(st, 400, "{bad}");
    }
    let (st, _) = call(
        f.addr,
        &anna,
        "POST",
        &format!("/api/items/{fav}/favorite"),
        r#"{"favorite":false}"#,
    )?;
    assert_eq!(st, 200);
    let (_, v) = call(
        f.addr,
        &anna,
        "GET",
        "/api/items?library=family&favorite=1",
        "",
    )?;
    assert_eq!(v["items"].as_array().map(Vec::len), Some(0));

    // People: name one, find them by name, their photos, hide, merge.
    let (st, v) = call(
        f.addr,
        &ben,
        "POST",
        "/api/people/1",
        r#"{"name":"Zoé Test"}"#,
    )?;
    assert_eq!((st, v["name"].as_str()), (200, Some("Zoé Test")));
    assert_eq!(search(&f, &anna, "family", "Zoé Test")?.1.len(), 2);
    assert_eq!(search(&f, &anna, "family", "zoé")?.1.len(), 2);
    let (_, v) = call(
        f.addr,
        &ben,
        "GET",
        "/api/items?library=family&person=1",
        "",
    )?;
    assert_eq!(v["items"].as_array().map(Vec::len), Some(2));
    let (st, v) = call(f.addr, &ben, "GET", "/api/people?library=family", "")?;
    assert_eq!(st, 200);
    assert_eq!(v[0]["name"].as_str(), Some("Zoé Test"));
    assert_eq!(v[0]["faces"].as_i64(), Some(2));
    let thumb = v[0]["thumb"].as_str().ok_or("no thumb")?.to_string();
    let r = http(f.addr, "GET", &thumb, &[("Cookie", &ben.cookie)], "")?;
    assert_eq!(r.status, 200);
    let img = image::load_from_memory(&r.body)?;
    assert_eq!((img.width(), img.height()), (192, 192));
    for bad in [
        "{}",
        r#"{"name":5}"#,
        &format!(r#"{{"name":"{}"}}"#, "x".repeat(300)),
    ] {
        let (st, _) = call(f.addr, &ben, "POST", "/api/people/1", bad)?;
        assert_eq!(st, 400, "{bad}");
    }
    let (st, _) = call(f.addr, &ben, "POST", "/api/people/1", r#"{"hidden":true}"#)?;
    assert_eq!(st, 200);
    let (_, v) = call(f.addr, &ben, "GET", "/api/people?library=family", "")?;
    assert!(!v.to_string().contains("Zoé"));
    let (_, v) = call(
        f.addr,
        &ben,
        "GET",
        "/api/people?library=family&hidden=1",
        "",
    )?;
    assert!(v.to_string().contains("Zoé"));
    // Anna (who sees both libraries) merges person 3 into person 1, which shows again.
    let (st, _) = call(
        f.addr,
        &anna,
        "POST",
        "/api/people/1/merge",
        r#"{"from":3}"#,
    )?;
    assert_eq!(st, 200);
    let (_, v) = call(f.addr, &anna, "GET", "/api/people?library=family", "")?;
    let people = v.as_array().ok_or("not a list")?;
    assert_eq!(people.len(), 1);
    assert_eq!(people[0]["faces"].as_i64(), Some(3));
    assert_eq!(people[0]["hidden"].as_bool(), Some(false));
    Ok(())
}

fn wait_for(what: &str, mut ok: impl FnMut() -> R<bool>) -> R {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if ok()? {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Err(format!("{what}: not seen within 30 s").into())
}

/// Another scan of the same index, over and over, until `stop`: what a user's `albumen scan`
/// (another process) does meanwhile. Returns how many scans finished and how many found the
/// scan lock taken.
fn other_scanner(
    db: PathBuf,
    root: PathBuf,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<Result<(u32, u32), String>> {
    std::thread::spawn(move || -> Result<(u32, u32), String> {
        let (mut done, mut busy) = (0, 0);
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            let mut index = Index::open(&db).map_err(|e| e.to_string())?;
            match index.scan(
                "family",
                std::slice::from_ref(&root),
                &ScanOptions::new(),
                &NoProgress,
            ) {
                Ok(_) => done += 1,
                Err(albumen_scan::Error::Index(albumen_index::Error::ScanBusy(_))) => busy += 1,
                Err(e) => return Err(e.to_string()),
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok((done, busy))
    })
}

fn count(f: &Fixture, l: &Login) -> R<usize> {
    Ok(ids(f.addr, l, "family")?.1.len())
}

#[test]
fn watched_folders_reach_the_page_while_another_scan_runs() -> R {
    let f = start(true)?;
    let anna = login(f.addr, "anna", "anna password")?;
    let (st, v) = call(f.addr, &anna, "GET", "/api/status", "")?;
    assert_eq!((st, v["watching"].as_bool()), (200, Some(true)));
    let root: PathBuf = f.dir.path().join("family");
    let root = std::fs::canonicalize(&root)?;
    let db = f.db.clone();
    assert_eq!(count(&f, &anna)?, 4);
    // The watcher alone: a new photo in a new subfolder shows; then a removed one goes.
    std::fs::create_dir_all(root.join("new"))?;
    png(&root.join("new/n0.png"), 7)?;
    wait_for("a new photo", || Ok(count(&f, &anna)? == 5))?;
    std::fs::remove_file(root.join("f0.png"))?;
    wait_for("a removed photo", || Ok(count(&f, &anna)? == 4))?;
    assert!(search(&f, &anna, "family", "birthday")?.1.is_empty());
    let (_, v) = call(f.addr, &anna, "GET", "/api/status", "")?;
    assert!(v["scans"].as_u64().unwrap_or(0) >= 1, "{v}");
    // Many files at once while another scan of the same index runs over and over.
    let stop = Arc::new(AtomicBool::new(false));
    let other = other_scanner(db.clone(), root.clone(), Arc::clone(&stop));
    for i in 0..20 {
        png(&root.join(format!("new/m{i}.png")), i)?;
    }
    wait_for("twenty new photos", || Ok(count(&f, &anna)? == 24))?;
    std::thread::sleep(Duration::from_secs(2));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (done, _busy) = other.join().map_err(|_| "the other scanner panicked")??;
    assert!(done > 0, "the other scan never ran");
    // Nothing is damaged, and the index agrees with the folder.
    if !is_pg(&db) {
        let index = rusqlite::Connection::open(&db)?;
        let check: String = index.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        assert_eq!(check, "ok");
    }
    let n = raw_i64(
        &db,
        "SELECT count(*) FROM files f JOIN libraries l ON l.id = f.library_id WHERE l.name = ?1",
        "family",
    )?;
    assert_eq!(n, 24);
    Ok(())
}
