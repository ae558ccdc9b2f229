//! The index on PostgreSQL gives what it gives on SQLite: the same tree scanned into both
//! engines, then read back through the same typed methods and compared; two connections (two
//! servers) share users, sessions and favourites; scans of two libraries at once; a rescan reads
//! nothing; a bad URL, a refused connection and a newer schema are errors, never panics.
//!
//! Runs when `ALBUMEN_TEST_PG` holds the URL of a PostgreSQL server where the user may create
//! databases (`.ci/run` starts a throw-away cluster with Debian's `pg_virtualenv`); each test
//! makes a database of its own and drops it. Without the variable each test says so and passes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use albumen_index::{Index, ItemFilter, NoProgress};
use albumen_scan::{Scan, ScanOptions};

/// A fresh database on the test server, dropped when this is dropped.
struct TempDb {
    admin: String,
    name: String,
    url: PathBuf,
}

impl TempDb {
    fn new(tag: &str) -> Option<TempDb> {
        let Ok(admin) = std::env::var("ALBUMEN_TEST_PG") else {
            eprintln!("skipped: ALBUMEN_TEST_PG is not set (the URL of a PostgreSQL server)");
            return None;
        };
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let name = format!("albumen_{tag}_{}_{nanos}", std::process::id());
        let mut c = postgres::Client::connect(&admin, postgres::NoTls).expect("ALBUMEN_TEST_PG");
        c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        let url = PathBuf::from(format!("{base}/{name}"));
        Some(TempDb { admin, name, url })
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// A folder holding the common fixture library (`DIR/photos`), and photos with positions (three
/// in one map cell, two in another, one south of the equator) in `DIR/photos/places`.
fn photos() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("photos");
    common::library(&root);
    let places = [
        ("paris_1", 48.8584, 2.2945),
        ("paris_2", 48.8606, 2.3376),
        ("paris_3", 48.8530, 2.3499),
        ("beijing_1", 39.9163, 116.3972),
        ("beijing_2", 39.9087, 116.3975),
        ("sydney", -33.8568, 151.2153),
    ];
    for (i, (name, lat, lon)) in places.into_iter().enumerate() {
        common::write(
            &root.join("places").join(format!("{name}.jpg")),
            &located_jpeg(&format!("2023:06:{:02} 12:00:00", i + 1), lat, lon, name),
        );
    }
    (dir, root)
}

/// [`common::jpeg`] with a GPS position.
fn located_jpeg(local: &str, lat: f64, lon: f64, note: &str) -> Vec<u8> {
    use albumen_meta::encode::{ExifBuilder, ExifValue, Ifd};
    let dms = |v: f64| {
        let v = v.abs();
        let (d, m) = (v.trunc(), (v.fract() * 60.0).trunc());
        let s = ((v * 3600.0) - d * 3600.0 - m * 60.0) * 1000.0;
        ExifValue::Rational(vec![(d as u32, 1), (m as u32, 1), (s.round() as u32, 1000)])
    };
    let tiff = ExifBuilder::new(true)
        .set(Ifd::Exif, 0x9003, ExifValue::Ascii(local.into()))
        .set(
            Ifd::Gps,
            0x0001,
            ExifValue::Ascii(if lat < 0.0 { "S" } else { "N" }.into()),
        )
        .set(Ifd::Gps, 0x0002, dms(lat))
        .set(
            Ifd::Gps,
            0x0003,
            ExifValue::Ascii(if lon < 0.0 { "W" } else { "E" }.into()),
        )
        .set(Ifd::Gps, 0x0004, dms(lon))
        .build()
        .unwrap();
    common::jpeg_with_exif(tiff, note)
}

fn scan(db: &Path, lib: &str, root: &Path) -> albumen_index::ScanReport {
    Index::open(db)
        .unwrap()
        .scan(lib, &[root.to_path_buf()], &ScanOptions::new(), &NoProgress)
        .unwrap()
}

/// Everything a page shows of a library, engine-independent.
fn reading(db: &Path, lib: &str) -> String {
    let ix = Index::open(db).unwrap();
    let id = ix
        .libraries()
        .unwrap()
        .into_iter()
        .find(|l| l.name == lib)
        .unwrap()
        .id;
    let page = ix.item_page(id, &ItemFilter::new(), 1000, 0).unwrap();
    let items: Vec<String> = page
        .items
        .iter()
        .map(|i| {
            format!(
                "{:?}",
                (&i.kind, &i.t, i.w, i.h, i.lat, i.lon, i.video, i.rating, &i.stack)
            )
        })
        .collect();
    let days = ix.day_counts(id).unwrap();
    // The map's counts at every resolution kept (PostgreSQL adds a statement's rows at once).
    let cells: Vec<String> = (0..=albumen_index::MAP_RES_MAX)
        .map(|r| format!("{:?}", ix.map_cells(id, r).unwrap()))
        .collect();
    let summary = ix.summary(lib).unwrap();
    let hits: Vec<String> = ix
        .search("IMG", 100)
        .unwrap()
        .into_iter()
        .map(|h| h.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    format!(
        "items {items:?}\ndays {days:?}\ncells {cells:?}\nfiles {} items {:?} pairing {:?} errors {:?}\nsearch {hits:?}\ncount {}",
        summary.files,
        summary.items,
        summary.pairing,
        summary.errors,
        ix.library_item_count(id).unwrap()
    )
}

#[test]
fn the_same_tree_reads_the_same_on_both_engines() {
    let Some(pg) = TempDb::new("same") else {
        return;
    };
    let (dir, root) = photos();
    let lite = dir.path().join("index.db");
    let a = scan(&lite, "family", &root);
    let b = scan(&pg.url, "family", &root);
    assert_eq!((a.new, a.seen), (b.new, b.seen));
    assert!(b.new >= 6, "{b:?}");
    let (l, p) = (reading(&lite, "family"), reading(&pg.url, "family"));
    assert!(l.contains("live-photo"), "the fixture's Live Photo: {l}");
    assert!(l.matches("MapCell").count() >= 7 * 2, "the map: {l}");
    assert_eq!(l, p, "SQLite and PostgreSQL read differently");
    // nothing was written beside the URL, as if it were a file's path
    assert!(!Path::new("postgres:").exists());
    // a rescan reads nothing
    let again = scan(&pg.url, "family", &root);
    assert_eq!(
        (again.read, again.new, again.unchanged),
        (0, 0, b.new),
        "{again:?}"
    );
    // a removed file leaves both the same way
    std::fs::remove_file(root.join("2024-03/IMG_0003.JPG")).unwrap();
    std::fs::remove_file(root.join("places/paris_2.jpg")).unwrap();
    // and files added by a later scan join the cells and days the first one made
    let sydney = std::fs::read(root.join("places/sydney.jpg")).unwrap();
    std::fs::write(
        root.join("places/sydney_copy.jpg"),
        [&sydney[..], b"2"].concat(),
    )
    .unwrap();
    scan(&lite, "family", &root);
    let gone = scan(&pg.url, "family", &root);
    assert_eq!((gone.deleted, gone.new), (2, 1), "{gone:?}");
    assert_eq!(reading(&lite, "family"), reading(&pg.url, "family"));
}

#[test]
fn two_connections_share_users_sessions_and_favourites() {
    let Some(pg) = TempDb::new("share") else {
        return;
    };
    let (_dir, root) = photos();
    scan(&pg.url, "family", &root);
    let (one, two) = (Index::open(&pg.url).unwrap(), Index::open(&pg.url).unwrap());
    let anna = one.add_user("anna", "$argon2id$stand-in").unwrap();
    one.grant("anna", "family").unwrap();
    one.create_session(anna, "token-1", "csrf-1", 1_000, 2_000)
        .unwrap();
    let s = two
        .session("token-1", 1_500)
        .unwrap()
        .expect("session seen by the other");
    assert_eq!(s.user_id, anna);
    assert!(two.session("token-1", 2_500).unwrap().is_none(), "expired");
    assert_eq!(two.user_libraries(anna).unwrap().len(), 1);
    let lib = two.libraries().unwrap()[0].id;
    let first = two.item_page(lib, &ItemFilter::new(), 10, 0).unwrap().items[0].id;
    one.set_favorite(anna, first, true).unwrap();
    assert!(two.is_favorite(anna, first).unwrap());
    assert_eq!(two.favorites(anna, lib).unwrap(), vec![first]);
    let v = two.data_version().unwrap();
    one.set_favorite(anna, first, false).unwrap();
    assert_ne!(
        two.data_version().unwrap(),
        v,
        "another connection's write changes the version"
    );
    one.end_session("token-1").unwrap();
    assert!(two.session("token-1", 1_500).unwrap().is_none());
}

#[test]
fn two_libraries_scan_at_once() {
    let Some(pg) = TempDb::new("twice") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    common::library(&a);
    common::library(&b);
    // the schema is made by whichever comes first; the other waits for it
    let url = pg.url.clone();
    let t = std::thread::spawn(move || scan(&url, "anna", &a));
    let rb = scan(&pg.url, "ben", &b);
    let ra = t.join().unwrap();
    assert_eq!(ra.new, rb.new);
    assert_eq!(reading(&pg.url, "anna"), reading(&pg.url, "ben"));
    // the same library twice at once: one of them is refused, never both run
    let ix = Index::open(&pg.url).unwrap();
    assert_eq!(ix.libraries().unwrap().len(), 2);
}

#[test]
fn bad_urls_and_newer_schemas_are_errors() {
    let refused = Index::open("postgres://anna:secret@127.0.0.1:1/albumen")
        .expect_err("nothing listens on port 1");
    let msg = refused.to_string();
    assert!(!msg.contains("secret"), "the password is shown: {msg}");
    assert!(msg.contains("postgres://anna@127.0.0.1:1/albumen"), "{msg}");
    let Some(pg) = TempDb::new("newer") else {
        return;
    };
    drop(Index::open(&pg.url).unwrap());
    let mut c = postgres::Client::connect(&pg.url.to_string_lossy(), postgres::NoTls).unwrap();
    c.batch_execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
        .unwrap();
    let e = Index::open(&pg.url).expect_err("a newer schema");
    assert!(e.to_string().contains("schema version 999"), "{e}");
}

#[test]
fn a_lost_connection_is_made_again() {
    let Some(pg) = TempDb::new("lost") else {
        return;
    };
    let ix = Index::open(&pg.url).unwrap();
    assert!(ix.libraries().unwrap().is_empty());
    // the server ends every session of the database (a restart, a network cut)
    let mut admin = postgres::Client::connect(&pg.admin, postgres::NoTls).unwrap();
    admin
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
            &[&pg.name],
        )
        .unwrap();
    // the call in flight may fail; the connection is made again for the next
    let first = ix.libraries();
    let again = ix.libraries();
    assert!(again.is_ok(), "first {first:?}, then {again:?}");
}

/// An archive's row moves (`Index::move_rows`, which albumen-backup's archive calls): one file
/// moved, one copied with its source kept, on both engines alike, and both trees rescan clean.
#[test]
fn archived_rows_move_and_copy_alike_on_both_engines() {
    let Some(pg) = TempDb::new("moves") else {
        return;
    };
    let lite = tempfile::tempdir().unwrap();
    let mut seen = Vec::new();
    for db in [lite.path().join("index.db"), pg.url.clone()] {
        let (dir, root) = photos();
        scan(&db, "family", &root);
        let ix = Index::open(&db).unwrap();
        let live = ix.library(Some("family")).unwrap();
        let mut files = ix.library_files(live.id).unwrap();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let ids: Vec<(i64, PathBuf)> = ix
            .items_in_local_range(live.id, "0000", "9999")
            .unwrap()
            .into_iter()
            .map(|i| (i.file.id, i.file.path))
            .collect();
        assert!(ids.len() >= 2, "{ids:?}");
        let arch = dir.path().join("archive");
        let (moved, kept) = (&ids[0], &ids[1]);
        let dest = |p: &Path| arch.join(p.strip_prefix(&root).unwrap());
        for (p, keep) in [(&moved.1, false), (&kept.1, true)] {
            std::fs::create_dir_all(dest(p).parent().unwrap()).unwrap();
            if keep {
                std::fs::copy(p, dest(p)).unwrap();
            } else {
                std::fs::rename(p, dest(p)).unwrap();
            }
        }
        let moves = [
            albumen_index::RowMove {
                file_id: moved.0,
                dest: dest(&moved.1),
                keep: false,
            },
            albumen_index::RowMove {
                file_id: kept.0,
                dest: dest(&kept.1),
                keep: true,
            },
        ];
        let done = ix.move_rows(live.id, "archive", &arch, &moves).unwrap();
        assert_eq!((done.moved, done.copied), (1, 1), "{db:?}");
        // Each library's files, relative to its tree.
        let rel = |lib: i64, base: &Path| -> Vec<String> {
            let mut v: Vec<String> = ix
                .library_files(lib)
                .unwrap()
                .into_iter()
                .map(|f| {
                    f.path
                        .strip_prefix(base)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned()
                })
                .collect();
            v.sort();
            v
        };
        let now = (rel(live.id, &root), rel(done.library_id, &arch));
        assert_eq!(now.0.len() + 1, files.len(), "{db:?}");
        assert_eq!(now.1.len(), 2, "{db:?}");
        drop(ix);
        for (lib, tree) in [("family", &root), ("archive", &arch)] {
            let r = scan(&db, lib, tree);
            assert_eq!(
                (r.new, r.deleted, r.read),
                (0, 0, 0),
                "{lib} on {db:?}: {r:?}"
            );
        }
        seen.push(now);
    }
    assert_eq!(seen[0], seen[1]);
}

/// A database made by an earlier build (row triggers, the timeline index without `NULLS
/// FIRST`) is brought to this build's layout when it is opened.
#[test]
fn an_earlier_layout_is_brought_up_to_date_on_open() {
    let Some(pg) = TempDb::new("layout") else {
        return;
    };
    let (_dir, root) = photos();
    scan(&pg.url, "family", &root);
    let mut c = postgres::Client::connect(&pg.url.to_string_lossy(), postgres::NoTls).unwrap();
    let layout = |c: &mut postgres::Client| -> (String, String) {
        let def: String = c
            .query_one(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'files_timeline'",
                &[],
            )
            .unwrap()
            .get(0);
        let orientation: String = c
            .query_one(
                "SELECT action_orientation FROM information_schema.triggers \
                 WHERE trigger_name = 'map_cells_file_insert'",
                &[],
            )
            .unwrap()
            .get(0);
        (def, orientation)
    };
    let (def, orientation) = layout(&mut c);
    assert!(def.contains("NULLS FIRST"), "{def}");
    assert_eq!(orientation, "STATEMENT");
    // The search texts' trigram index (GIN: no order) is made too.
    let trgm: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_indexes WHERE indexname = 'search_fts_trgm'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(trgm, 1);
    // As the first PostgreSQL build left it.
    c.batch_execute(
        "DELETE FROM meta WHERE key = 'pg_layout';
         DROP INDEX files_timeline;
         CREATE INDEX files_timeline ON files (library_id, coalesce(time_local, capture_local, ''), id);
         DROP TRIGGER map_cells_file_insert ON files;
         CREATE TRIGGER map_cells_file_insert AFTER INSERT ON files FOR EACH ROW
           EXECUTE FUNCTION albumen_day_counts_file_insert();",
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    let before = reading(&pg.url, "family");
    let (def, orientation) = layout(&mut c);
    assert!(def.contains("NULLS FIRST"), "reopened: {def}");
    assert_eq!(orientation, "STATEMENT");
    assert_eq!(reading(&pg.url, "family"), before);
}
