//! Keywords in the index: filled by a scan, kept current after an edit, part of the search
//! text (with and without a vision pass), read for files indexed before keywords were kept.

#![allow(clippy::unwrap_used)]

mod common;
use common::Raw;

use std::path::Path;

use albumen_index::{Index, NoProgress, VisionRecord};
use albumen_meta::encode::{XmpPacket, XmpValue};
use albumen_scan::{Scan, ScanOptions};

/// The common JPEG with an XMP packet (APP1) carrying `keywords` after its EXIF.
fn jpeg_with_keywords(local: &str, note: &str, keywords: &[&str]) -> Vec<u8> {
    let base = common::jpeg(local, None, note);
    let xmp = XmpPacket::new()
        .set(
            "dc",
            "subject",
            XmpValue::Bag(keywords.iter().map(|s| s.to_string()).collect()),
        )
        .to_bytes();
    let mut app1 = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
    app1.extend(xmp);
    // After SOI and the EXIF APP1.
    let exif_len = usize::from(u16::from_be_bytes([base[4], base[5]]));
    let at = 4 + exif_len;
    let mut out = base[..at].to_vec();
    out.extend([0xFF, 0xE1]);
    out.extend(u16::try_from(2 + app1.len()).unwrap().to_be_bytes());
    out.extend(app1);
    out.extend(&base[at..]);
    out
}

use common::file_id as id_of;

fn found(index: &Index, q: &str) -> Vec<String> {
    let mut v: Vec<String> = index
        .search(q, 10)
        .unwrap()
        .iter()
        .map(|h| h.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn scan(index: &mut Index, root: &Path) {
    index
        .scan(
            "fam",
            &[root.to_path_buf()],
            &ScanOptions::new(),
            &NoProgress,
        )
        .unwrap();
}

#[test]
fn keywords_are_indexed_searchable_and_follow_edits() {
    let photos = tempfile::tempdir().unwrap();
    let db = tempfile::tempdir().unwrap();
    std::fs::write(
        photos.path().join("a.jpg"),
        jpeg_with_keywords(
            "2019:05:01 10:00:00",
            "a",
            &["Zoo trip", "长城", "zoo trip"],
        ),
    )
    .unwrap();
    std::fs::write(
        photos.path().join("b.jpg"),
        jpeg_with_keywords("2020:01:01 10:00:00", "b", &["beach"]),
    )
    .unwrap();
    std::fs::write(
        photos.path().join("c.jpg"),
        common::jpeg("2021:01:01 10:00:00", None, "c"),
    )
    .unwrap();
    let mut index = Index::open(db.path().join("i.db")).unwrap();
    scan(&mut index, photos.path());
    let (a, b, c) = (
        id_of(&index, "a.jpg"),
        id_of(&index, "b.jpg"),
        id_of(&index, "c.jpg"),
    );
    assert_eq!(index.keywords(a).unwrap(), ["Zoo trip", "zoo trip", "长城"]);
    assert_eq!(index.keywords(b).unwrap(), ["beach"]);
    assert!(index.keywords(c).unwrap().is_empty());
    let lib: i64 = index
        .raw()
        .query_row("SELECT id FROM libraries WHERE name = 'fam'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let counts = index.keyword_counts(lib, 10).unwrap();
    assert_eq!(counts.len(), 4);

    // Search finds keywords (any script, two-character terms too) without a vision pass.
    assert_eq!(found(&index, "zoo"), ["a.jpg"]);
    assert_eq!(found(&index, "长城"), ["a.jpg"]);
    assert_eq!(found(&index, "beach 2020"), ["b.jpg"]);
    assert!(found(&index, "beach 2019").is_empty());
    // FTS syntax in a query is text, not syntax.
    assert!(found(&index, "zoo OR beach").is_empty());
    assert!(found(&index, "\"zoo\" NEAR(beach)").is_empty());
    assert!(found(&index, "zoo*").is_empty());

    // A vision pass keeps the keywords in the text; a keyword change keeps the vision text.
    let pending = index.vision_pending().unwrap();
    let pb = pending.iter().find(|p| p.file_id == b).unwrap().clone();
    index
        .store_vision(
            &pb,
            &VisionRecord {
                text: "SURF SHOP".into(),
                ..VisionRecord::default()
            },
        )
        .unwrap();
    assert_eq!(found(&index, "surf beach"), ["b.jpg"]);

    // Edit b: add a keyword, remove one; the index follows at once.
    let path_b = photos.path().join("b.jpg");
    let opts = albumen_edit::Options::default();
    albumen_edit::apply(
        &path_b,
        &[
            albumen_edit::Edit::AddKeyword("sunset".into()),
            albumen_edit::Edit::RemoveKeyword("beach".into()),
        ],
        &opts,
    )
    .unwrap();
    index.refresh_file(b).unwrap();
    assert_eq!(index.keywords(b).unwrap(), ["sunset"]);
    assert_eq!(found(&index, "sunset surf"), ["b.jpg"]);
    assert!(found(&index, "beach").is_empty());
    let rows: i64 = index
        .raw()
        .query_row(
            "SELECT count(*) FROM search_fts WHERE file_id = ?1",
            [b],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(rows, 1);

    // A rescan of the edited file keeps the same answer; a deleted file's keywords go.
    scan(&mut index, photos.path());
    assert_eq!(found(&index, "sunset surf"), ["b.jpg"]);
    std::fs::remove_file(photos.path().join("a.jpg")).unwrap();
    scan(&mut index, photos.path());
    assert!(found(&index, "zoo").is_empty());
    let orphans: i64 = index
        .raw()
        .query_row(
            "SELECT count(*) FROM keywords WHERE file_id NOT IN (SELECT id FROM files)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0);
}

#[test]
fn an_index_made_before_keywords_reads_them_on_its_next_scan() {
    let photos = tempfile::tempdir().unwrap();
    let db = tempfile::tempdir().unwrap();
    std::fs::write(
        photos.path().join("a.jpg"),
        jpeg_with_keywords("2019:05:01 10:00:00", "a", &["kite"]),
    )
    .unwrap();
    let path = db.path().join("i.db");
    {
        let mut index = Index::open(&path).unwrap();
        scan(&mut index, photos.path());
        // What an older build left: no keywords table, search rows with any rowid.
        index
            .raw()
            .execute_batch(
                "DROP TABLE keywords; DELETE FROM search_fts;
                 INSERT INTO search_fts (rowid, body, file_id) SELECT 1000 + id, 'old text', id FROM files;
                 DELETE FROM meta WHERE key IN ('keywords_since_run', 'search_fts_keyed');",
            )
            .unwrap();
    }
    let mut index = Index::open(&path).unwrap();
    let a = id_of(&index, "a.jpg");
    assert!(index.keywords(a).unwrap().is_empty());
    let keyed: i64 = index
        .raw()
        .query_row(
            "SELECT count(*) FROM search_fts WHERE rowid = file_id",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(keyed, 1);
    // The file is unchanged: the scan does not read it, the keyword backfill does, once.
    scan(&mut index, photos.path());
    assert_eq!(index.keywords(a).unwrap(), ["kite"]);
    index.raw().execute("DELETE FROM keywords", []).unwrap();
    scan(&mut index, photos.path());
    assert!(index.keywords(a).unwrap().is_empty());
}
