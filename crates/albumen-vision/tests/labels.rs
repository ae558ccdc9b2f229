//! Tags and embeddings against photos labelled by eye (`tests/data/labels.tsv`): recall and
//! precision of the words, and "same kind first" for embeddings. Skipped with a reason when the
//! models or the corpus are absent. The figures are printed (BENCHMARKS.md has them); the
//! assertions are floors well under them, so that a broken model, preprocessing or word table
//! fails.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use albumen_vision::classify::Classifier;
use albumen_vision::tags::Tagger;

fn dirs() -> Option<(PathBuf, PathBuf)> {
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
    Some((models, corpus))
}

fn labels() -> Vec<(String, HashSet<String>)> {
    include_str!("data/labels.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('\t'))
        .map(|(p, w)| (p.to_string(), w.split(',').map(str::to_string).collect()))
        .collect()
}

#[test]
fn labelled_photos_get_their_words_and_similar_photos_share_them() {
    let Some((models, corpus)) = dirs() else {
        return;
    };
    let mut classifier = match Classifier::load(&models) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("skipped: {e}");
            return;
        }
    };
    let mut tagger = match Tagger::load(&models) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("skipped: {e}");
            return;
        }
    };
    let vocabulary: HashSet<&str> = albumen_vision::words::all()
        .iter()
        .map(|(en, _)| *en)
        .chain(albumen_vision::tags::LABELS.iter().map(|(en, _)| *en))
        .chain(["table", "glass"])
        .collect();
    let opts = albumen_preview::Options::new(albumen_vision::PREVIEW_SIZE);
    let (mut found, mut wanted, mut given, mut right) = (0, 0, 0, 0);
    let mut seen: Vec<(HashSet<String>, Vec<f32>)> = Vec::new();
    for (path, words) in labels() {
        let img = albumen_preview::preview(&corpus.join(&path), &opts)
            .expect("labelled photo previews")
            .image;
        let c = classifier.classify(&img).expect("classifier runs");
        let tags =
            albumen_vision::tags_from(&tagger.scores(&img).expect("detector runs"), Some(&c.probs));
        // COCO's "dining table" and "wine glass"/"cup" are the labels' "table" and "glass".
        let got: HashSet<String> = tags
            .iter()
            .map(|t| match t.label.as_str() {
                "dining table" => "table".to_string(),
                "wine glass" | "cup" => "glass".to_string(),
                l => l.to_string(),
            })
            .collect();
        let want: HashSet<&String> = words
            .iter()
            .filter(|w| vocabulary.contains(w.as_str()))
            .collect();
        found += want.iter().filter(|w| got.contains(w.as_str())).count();
        wanted += want.len();
        given += got.len();
        right += got.iter().filter(|g| words.contains(*g)).count();
        seen.push((words, c.embedding));
    }
    let recall = found as f32 / wanted.max(1) as f32;
    let precision = right as f32 / given.max(1) as f32;
    eprintln!("labelled words found {found}/{wanted} ({recall:.2}); tags given that are labelled {right}/{given} ({precision:.2})");
    // Same kind first: the nearest other photo shares a labelled word.
    let generic = ["plant", "sky"];
    let share = |a: &HashSet<String>, b: &HashSet<String>| {
        a.iter()
            .any(|w| !generic.contains(&w.as_str()) && b.contains(w))
    };
    let mut top1 = 0;
    for (i, (words, e)) in seen.iter().enumerate() {
        let best = seen
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .max_by(|(_, a), (_, b)| {
                let (sa, sb): (f32, f32) = (
                    a.1.iter().zip(e).map(|(x, y)| x * y).sum(),
                    b.1.iter().zip(e).map(|(x, y)| x * y).sum(),
                );
                sa.total_cmp(&sb)
            })
            .map(|(_, b)| &b.0);
        top1 += usize::from(best.is_some_and(|b| share(words, b)));
    }
    eprintln!(
        "nearest photo shares a labelled word: {top1}/{}",
        seen.len()
    );
    assert!(recall >= 0.45, "recall {recall}");
    // Measured 2026-12-07 (issue 30, round 2: tree and flower thresholds of their own, animals
    // the classifier vouches for): recall 0.52 (88/170), precision 0.67 (88/132) on 75 photos;
    // before that round 0.46 and 0.61 on the same list. Floors against regressions.
    assert!(precision >= 0.6, "precision {precision}");
    assert!(top1 * 10 >= seen.len() * 6, "{top1}/{}", seen.len());
}
