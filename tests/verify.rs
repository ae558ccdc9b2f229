//! `albumen verify`: exit status, text and JSON.

use serde_json::Value;

use crate::albumen;
use crate::fixtures::{copy_tree, library};

#[test]
fn verify_passes_a_copy_and_fails_a_damaged_one() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("photos");
    library(&root);
    let db = d.path().join("index.db");
    let out = albumen()
        .args(["scan", "-q", "--hash", "--db"])
        .arg(&db)
        .arg(&root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let backup = d.path().join("backup");
    copy_tree(&root, &backup);
    let verify = |extra: &[&str]| {
        albumen()
            .args(["verify", "--db"])
            .arg(&db)
            .arg(&backup)
            .args(extra)
            .output()
            .unwrap()
    };
    let out = verify(&["--hash"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("OK"));

    std::fs::remove_file(backup.join("2024-03/IMG_0003.JPG")).unwrap();
    std::fs::write(backup.join("2024-03/IMG_0004.JPG"), b"short").unwrap();
    let out = verify(&[]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("missing  2024-03/IMG_0003.JPG"), "{text}");
    assert!(
        text.contains("different  2024-03/IMG_0004.JPG: 5 bytes in the backup"),
        "{text}"
    );
    assert!(text.contains("FAILED"), "{text}");

    let out = verify(&["--hash", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["missing"][0]["path"], "2024-03/IMG_0003.JPG");
    assert_eq!(v["different"][0]["reason"], "size");
    assert_eq!(v["hashed"], true);
    assert_eq!(v["ok"], 6, "four indexed files and two sidecars");
}
