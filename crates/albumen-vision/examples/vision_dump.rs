//! What the classifier and the object detector see in each file named on standard input (one
//! path a line), as JSON lines: `path`, `probs` (the 1,000 ImageNet probabilities), `coco`
//! (the detector's classes scoring 0.1 or more) and `embedding`. The raw material of `scripts/vision/eval_words.py`,
//! which chooses the word table's threshold and measures precision and recall on
//! `tests/data/labels.tsv`.
//!
//! ```text
//! find "$ALBUMEN_CORPUS" -type f | cargo run --profile ci -p albumen-vision --example vision_dump > /tmp/seen.jsonl
//! ```

use std::io::{BufRead, Write};
use std::path::Path;

use albumen_vision::classify::Classifier;
use albumen_vision::tags::Tagger;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let models = albumen_vision::models_dir();
    let mut classifier = Classifier::load(&models)?;
    let mut tagger = Tagger::load(&models)?;
    let opts = albumen_preview::Options::new(albumen_vision::PREVIEW_SIZE);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        let path = Path::new(line.trim());
        let Ok(p) = albumen_preview::preview(path, &opts) else {
            continue;
        };
        let c = classifier.classify(&p.image)?;
        let scores = tagger.scores(&p.image)?;
        let coco: Vec<(&str, f32)> = albumen_vision::tags::LABELS
            .iter()
            .zip(scores)
            .filter(|(_, s)| *s >= 0.1)
            .map(|((en, _), s)| (*en, s))
            .collect();
        let round = |v: &[f32]| -> Vec<f32> { v.iter().map(|x| (x * 1e5).round() / 1e5).collect() };
        let j = serde_json::json!({
            "path": line.trim(),
            "probs": round(&c.probs),
            "coco": coco,
            "embedding": round(&c.embedding),
        });
        writeln!(out, "{j}")?;
    }
    Ok(())
}
