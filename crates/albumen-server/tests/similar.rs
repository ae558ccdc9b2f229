//! `GET /api/items/{id}/similar`: ranked by the stored embeddings, only among items the user
//! may see, and a vector stored after a first answer is in the next one (the server keeps the
//! vectors it read only while the index has not changed). Synthetic vectors on real files.

use albumen_index::{Index, NoProgress};
use albumen_scan::{Scan, ScanOptions};

mod common;
use common::*;

fn unit(angle: f32) -> Vec<f32> {
    let mut v = vec![0.0f32; 16];
    v[0] = angle.cos();
    v[1] = angle.sin();
    v
}

#[test]
fn similar_ranks_by_embedding_among_what_the_user_may_see() -> R {
    let dir = tempfile::tempdir()?;
    let (fam, priv_) = (dir.path().join("family"), dir.path().join("private"));
    std::fs::create_dir_all(&fam)?;
    std::fs::create_dir_all(&priv_)?;
    for i in 0..4u8 {
        png(&fam.join(format!("f{i}.png")), 40 * i + 10)?;
    }
    png(&priv_.join("p0.png"), 200)?;
    let db = common::new_db(dir.path());
    let mut index = Index::open(&db)?;
    index.scan(
        "family",
        std::slice::from_ref(&fam),
        &ScanOptions::new(),
        &NoProgress,
    )?;
    index.scan(
        "private",
        std::slice::from_ref(&priv_),
        &ScanOptions::new(),
        &NoProgress,
    )?;
    index.add_user("ben", &albumen_server::hash_password("ben password")?)?;
    index.grant("ben", "family")?;
    let id = |p: &std::path::Path| -> R<i64> { Ok(index.file_id_of(p)?.ok_or("not indexed")?) };
    let (f0, f1, f2, f3) = (
        id(&fam.join("f0.png"))?,
        id(&fam.join("f1.png"))?,
        id(&fam.join("f2.png"))?,
        id(&fam.join("f3.png"))?,
    );
    let p0 = id(&priv_.join("p0.png"))?;
    // f1 is nearest to f0, then f2; p0 (private) is nearer than both but not ben's to see.
    index.store_embedding(f0, &unit(0.0))?;
    index.store_embedding(f1, &unit(0.3))?;
    index.store_embedding(f2, &unit(1.2))?;
    index.store_embedding(p0, &unit(0.05))?;

    let s = serve(&db, &dir.path().join("cache"), false)?;
    let ben = login(s.addr, "ben", "ben password")?;
    let ranked = |l: &Login| -> R<Vec<i64>> {
        let (st, v) = call(s.addr, l, "GET", &format!("/api/items/{f0}/similar"), "")?;
        assert_eq!(st, 200, "{v}");
        Ok(v["items"]
            .as_array()
            .ok_or("no items")?
            .iter()
            .filter_map(|i| i["id"].as_i64())
            .collect())
    };
    assert_eq!(ranked(&ben)?, [f1, f2]);

    // A vector stored since (a scan --vision elsewhere) is in the next answer.
    index.store_embedding(f3, &unit(0.1))?;
    assert_eq!(ranked(&ben)?, [f3, f1, f2]);

    // The private item's own neighbours are not ben's to ask for.
    let (st, _) = call(s.addr, &ben, "GET", &format!("/api/items/{p0}/similar"), "")?;
    assert!(st == 403 || st == 404, "{st}");
    Ok(())
}
