//! `albumen vision --db`: faces in a new photo are told as the people `scan --vision` stored
//! (skipped with a reason without the corpus or the models).

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::{albumen, corpus};

fn models() -> Option<PathBuf> {
    let m = std::env::var_os("ALBUMEN_MODELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("models"));
    if m.join("faceres.onnx").is_file() && m.join("libonnxruntime.so").is_file() {
        Some(m)
    } else {
        eprintln!(
            "skipped: no vision models in {} (run scripts/vision-models.sh)",
            m.display()
        );
        None
    }
}

fn run(args: &[&str], paths: &[&Path]) -> Value {
    let out = albumen().args(args).args(paths).output().unwrap();
    assert!(
        out.status.success(),
        "albumen {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_face_is_told_as_the_person_the_index_knows() {
    let (Some(corpus), Some(models)) = (corpus(), models()) else {
        return;
    };
    let faces = corpus.join("immich-test-assets/metadata/faces");
    let d = tempfile::tempdir().unwrap();
    let lib = d.path().join("lib");
    std::fs::create_dir(&lib).unwrap();
    std::fs::copy(faces.join("portrait.jpg"), lib.join("portrait.jpg")).unwrap();
    let db = d.path().join("i.db");
    let cache = d.path().join("cache");
    let m = models.as_path();
    run(
        &["scan", "-q", "--json", "--vision", "--models"],
        &[
            m,
            Path::new("--cache"),
            &cache,
            Path::new("--db"),
            &db,
            &lib,
        ],
    );
    let people = run(&["people", "--json", "--db"], &[&db]);
    let id = people[0]["id"].as_i64().unwrap();
    let named = albumen()
        .args(["people", "--db"])
        .arg(&db)
        .args(["name", &id.to_string(), "Marie"])
        .output()
        .unwrap();
    assert!(named.status.success(), "{named:?}");

    // The same photo stored turned (EXIF orientation 6), not in the index: Marie, by name.
    let turned = faces.join("portrait-orientation-6.jpg");
    let seen = run(
        &["vision", "--json", "--models"],
        &[m, Path::new("--db"), &db, &turned],
    );
    let face = &seen[0]["faces"][0];
    assert_eq!(face["person"].as_i64(), Some(id), "{seen}");
    assert_eq!(face["person_name"], "Marie", "{seen}");
    // Without --db nobody is known; and nothing was stored by looking.
    let alone = run(&["vision", "--json", "--models"], &[m, &turned]);
    assert!(alone[0]["faces"][0]["person"].is_null(), "{alone}");
    let after = run(&["people", "--json", "--db"], &[&db]);
    assert_eq!(
        after.as_array().map(Vec::len),
        people.as_array().map(Vec::len)
    );
    assert_eq!(after[0]["faces"], people[0]["faces"]);
}
