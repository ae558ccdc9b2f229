//! Two servers on one index behave as one: a session made on one is good on the other, and
//! failed logins counted by one are refused by the other (the counts are rows in the index,
//! not either server's memory). Two real servers on loopback ports, a raw HTTP/1.1 client.

use albumen_index::{Index, NoProgress};
use albumen_scan::{Scan, ScanOptions};

mod common;
use common::*;

#[test]
fn two_servers_share_sessions_and_failed_logins() -> R {
    let dir = tempfile::tempdir()?;
    let fam = dir.path().join("family");
    std::fs::create_dir_all(&fam)?;
    for i in 0..2 {
        png(&fam.join(format!("f{i}.png")), 100 + i)?;
    }
    let db = common::new_db(dir.path());
    let mut index = Index::open(&db)?;
    index.scan("family", &[fam], &ScanOptions::new(), &NoProgress)?;
    index.add_user("anna", &albumen_server::hash_password("anna password")?)?;
    index.add_user("ben", &albumen_server::hash_password("ben password")?)?;
    index.grant("anna", "family")?;
    index.grant("ben", "family")?;
    drop(index);
    let server_a = serve(&db, &dir.path().join("cache-a"), false)?;
    let server_b = serve(&db, &dir.path().join("cache-b"), false)?;
    let (a, b) = (server_a.addr, server_b.addr);

    // A session made on one server is good on the other.
    let anna = login(a, "anna", "anna password")?;
    let (status, seen) = ids(b, &anna, "family")?;
    assert_eq!((status, seen.len()), (200, 2));

    // Failed logins for ben on server a are counted where server b sees them too.
    for k in 0..albumen_server::MAX_FAILURES {
        let r = http(
            a,
            "POST",
            "/api/login",
            &[],
            &format!(r#"{{"user":"ben","password":"guess{k}"}}"#),
        )?;
        assert_eq!(r.status, 401, "guess {k}");
    }
    let r = http(
        b,
        "POST",
        "/api/login",
        &[],
        r#"{"user":"ben","password":"ben password"}"#,
    )?;
    assert_eq!(r.status, 429, "the other server refuses ben too");
    // Anna (another name, same address) is refused too: the address is counted as well.
    let r = http(
        b,
        "POST",
        "/api/login",
        &[],
        r#"{"user":"anna","password":"anna password"}"#,
    )?;
    assert_eq!(r.status, 429, "the address is limited on the other server");
    Ok(())
}
