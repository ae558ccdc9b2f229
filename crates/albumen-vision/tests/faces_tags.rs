//! Faces and tags on corpus photos (skipped with a reason when the models or the corpus are
//! absent).

use std::path::{Path, PathBuf};

use albumen_vision::Vision;

fn setup() -> Option<(Vision, PathBuf)> {
    let models = std::env::var_os("ALBUMEN_MODELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models"));
    let corpus = std::env::var_os("ALBUMEN_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    if !corpus.join("metadata-extractor-images").is_dir() {
        eprintln!("skipped: no corpus at {}", corpus.display());
        return None;
    }
    match Vision::load(&models) {
        Ok(v) => Some((v, corpus)),
        Err(e) => {
            eprintln!("skipped: {e}");
            None
        }
    }
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[test]
fn faces_are_found_and_told_apart_and_tags_name_objects() {
    let Some((mut v, corpus)) = setup() else {
        return;
    };
    // A wedding couple: two faces, two people.
    let couple = v.analyze(&corpus.join("metadata-extractor-images/jpg/FujiFilm DS-7 (1).jpg"));
    assert_eq!(couple.error, None);
    assert_eq!(couple.faces.len(), 2, "{:?}", couple.faces);
    let (a, b) = (&couple.faces[0], &couple.faces[1]);
    assert_eq!(a.embedding.len(), albumen_vision::faces::EMBEDDING_LEN);
    assert!((dot(&a.embedding, &a.embedding) - 1.0).abs() < 1e-3);
    // Well under the index's PERSON_THRESHOLD (0.63): different people.
    assert!(dot(&a.embedding, &b.embedding) < 0.55);
    for f in &couple.faces {
        assert!(f.x >= 0.0 && f.y >= 0.0 && f.x + f.w <= 1.0001 && f.y + f.h <= 1.0001);
    }
    assert!(couple
        .tags
        .iter()
        .any(|t| t.label == "person" && t.label_zh == "人"));

    // The same photo stored upright and stored turned with an EXIF orientation: one face, the
    // same person.
    let faces = Path::new("immich-test-assets/metadata/faces");
    let p1 = v.analyze(&corpus.join(faces).join("portrait.jpg"));
    let p2 = v.analyze(&corpus.join(faces).join("portrait-orientation-6.jpg"));
    assert!(!p1.faces.is_empty() && !p2.faces.is_empty());
    assert!(dot(&p1.faces[0].embedding, &p2.faces[0].embedding) > 0.9);

    // A cat, tagged in English and Chinese; no face.
    let cat = v.analyze(&corpus.join("metadata-extractor-images/jpg/Pentax Optio 330.jpg"));
    assert!(
        cat.tags
            .iter()
            .any(|t| t.label == "cat" && t.label_zh == "猫"),
        "{:?}",
        cat.tags
    );
    assert!(cat.faces.is_empty(), "{:?}", cat.faces);

    // A broken file is an error entry, not a failure.
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let broken = dir.path().join("broken.jpg");
    std::fs::write(&broken, b"\xff\xd8\xff\xe0 not a jpeg").unwrap_or_else(|e| panic!("{e}"));
    let r = v.analyze(&broken);
    assert!(r.error.is_some() && r.faces.is_empty() && r.tags.is_empty());
}
