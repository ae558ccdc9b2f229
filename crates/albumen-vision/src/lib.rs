//! On-device vision for photos, on the CPU: text (OCR) in Chinese and English, faces with
//! embeddings for grouping into people, and object tags in English and Chinese.
//!
//! # Brief overview
//! - Models are data, fetched once by `scripts/vision-models.sh` into a models folder
//!   ([`models_dir`]: `$ALBUMEN_MODELS`, else a `models/` folder beside or above the program,
//!   else `./models`): ONNX Runtime's shared library (loaded at run time, nothing is downloaded
//!   at build or run time), the PP-OCRv4 detection, direction and recognition models, and
//!   the face and object models (BlazeFace, FaceRes, CenterNet) converted to ONNX.
//!   A missing file is [`Error::ModelMissing`], naming the file and the script.
//! - [`Ocr`] reads text: DB text detection (probability map, threshold, connected
//!   components, minimum-area rectangles, unclip), an optional 0/180 degree direction
//!   classifier, CTC recognition with the dictionary stored in the recognition model, and
//!   lines in reading order (top to bottom, left to right).
//! - [`faces::FaceModels`] finds faces (BlazeFace) and embeds each, cut out square and turned
//!   level, into a unit-length descriptor (FaceRes); grouping faces into people is the
//!   index's job (`albumen-index`'s people tables), since it needs every face seen so far.
//! - [`tags::Tagger`] tags COCO's 80 object classes (CenterNet), English and Chinese.
//! - [`classify::Classifier`] (EfficientNet-Lite0, ImageNet-1k) gives scenes and things as
//!   search words in English and Chinese ([`words`]: beach, lake, mountain, flower, fish, dog…)
//!   and an embedding per picture for "more like this". Optional: without its file the rest
//!   works and [`Vision::classifier_missing`] says what is missing.
//! - [`Vision::analyze`] takes a file, previews it with `albumen-preview` (the one decoder:
//!   orientation, colour, size and pixel limits) at [`PREVIEW_SIZE`] pixels, or takes that
//!   preview from a preview cache ([`Vision::with_cache`]) so nothing is decoded twice, runs
//!   the three on the one picture and answers an [`Analysis`]; a broken or oversized picture
//!   is an `error` in it, not a failure.
//!
//! ```no_run
//! let mut vision = albumen_vision::Vision::load(&albumen_vision::models_dir())?;
//! let a = vision.analyze("IMG_0001.JPG".as_ref());
//! println!("{}: {}", a.path.display(), a.text);
//! # Ok::<(), albumen_vision::Error>(())
//! ```

pub mod classify;
mod error;
pub mod faces;
mod geom;
pub mod ocr;
mod runtime;
pub mod tags;
pub mod words;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use error::Error;
pub use ocr::{Ocr, TextLine};

/// Long side, in pixels, of the preview the models read (text detection scales it further
/// down to [`ocr::DET_MAX_SIDE`]; recognition crops lines and faces are cut from it). The
/// web server's large preview has this size, so a shared preview cache serves both.
pub const PREVIEW_SIZE: u32 = 1440;

/// The models folder: `$ALBUMEN_MODELS`; else the first `models/` holding the runtime in the
/// program's folder or one of its parents (a build in `target/release` finds the checkout's
/// `models/`); else `./models`.
///
/// ```
/// let dir = albumen_vision::models_dir();
/// assert!(dir.ends_with("models") || std::env::var_os("ALBUMEN_MODELS").is_some());
/// ```
pub fn models_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("ALBUMEN_MODELS") {
        return PathBuf::from(d);
    }
    if let Ok(exe) = std::env::current_exe() {
        for dir in exe.ancestors().skip(1) {
            let m = dir.join("models");
            if m.join(ocr::RUNTIME_FILE).is_file() {
                return m;
            }
        }
    }
    PathBuf::from("models")
}

/// A face found in a picture.
#[derive(Debug, Clone, Serialize)]
pub struct Face {
    /// Left edge, as a fraction of the picture's width.
    pub x: f32,
    /// Top edge, as a fraction of the picture's height.
    pub y: f32,
    /// Width, as a fraction of the picture's width.
    pub w: f32,
    /// Height, as a fraction of the picture's height.
    pub h: f32,
    /// Detection confidence, 0 to 1.
    pub score: f32,
    /// The person this face belongs to, when known (set from the index by the caller, e.g.
    /// `albumen vision --db`; this crate has no people).
    pub person: Option<i64>,
    /// That person's name, when one was given.
    pub person_name: Option<String>,
    /// Its embedding: [`faces::EMBEDDING_LEN`] numbers of unit length (not serialized).
    #[serde(skip)]
    pub embedding: Vec<f32>,
}

/// Which model a tag came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The COCO object detector ([`tags`]).
    Coco,
    /// The ImageNet classifier's search words ([`words`]).
    Imagenet,
}

/// An object or scene label.
#[derive(Debug, Clone, Serialize)]
pub struct Tag {
    /// The label in English, e.g. `dog`.
    pub label: String,
    /// The label in Simplified Chinese, e.g. `狗`.
    pub label_zh: String,
    /// Confidence, 0 to 1.
    pub score: f32,
    /// The model it came from.
    pub source: Source,
}

/// `a` and `b` as one list, one tag per label (the better score, and its source), best first.
pub fn merge_tags(a: Vec<Tag>, b: Vec<Tag>) -> Vec<Tag> {
    let mut out: Vec<Tag> = Vec::with_capacity(a.len() + b.len());
    for t in a.into_iter().chain(b) {
        match out.iter_mut().find(|o| o.label == t.label) {
            Some(o) if o.score < t.score => *o = t,
            Some(_) => {}
            None => out.push(t),
        }
    }
    out.sort_by(|x, y| y.score.total_cmp(&x.score));
    out
}

/// The tags of a picture from the detector's class scores ([`tags::Tagger::scores`]) and,
/// when the classifier ran, its class probabilities: the detector's tags (with an animal the
/// classifier is sure of, [`tags::from_scores`]) and the classifier's words, one per label,
/// best first.
pub fn tags_from(coco: &[f32; 80], probs: Option<&[f32]>) -> Vec<Tag> {
    let words = probs.map(words::tags).unwrap_or_default();
    let animal_seen = words
        .iter()
        .any(|t| t.label == "animal" && t.score >= words::ANIMAL_SURE);
    merge_tags(tags::from_scores(coco, animal_seen), words)
}

/// What was seen in one file.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    /// The file.
    pub path: PathBuf,
    /// The text read, one line per line of text, in reading order (empty when none).
    pub text: String,
    /// The text lines with their places and confidences (not serialized).
    #[serde(skip)]
    pub lines: Vec<TextLine>,
    /// Faces, most confident first.
    pub faces: Vec<Face>,
    /// Object and scene tags, best first.
    pub tags: Vec<Tag>,
    /// The picture's embedding ([`classify::EMBEDDING_LEN`] numbers of unit length), when the
    /// classifier is loaded (not serialized).
    #[serde(skip)]
    pub embedding: Option<Vec<f32>>,
    /// Why the file could not be analysed, if it could not.
    pub error: Option<String>,
}

/// What the models saw in one picture.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    /// Text lines, in reading order.
    pub lines: Vec<TextLine>,
    /// Faces, most confident first.
    pub faces: Vec<Face>,
    /// Object and scene tags, best first.
    pub tags: Vec<Tag>,
    /// The picture's embedding, when the classifier is loaded.
    pub embedding: Option<Vec<f32>>,
}

/// The loaded models.
pub struct Vision {
    ocr: Ocr,
    faces: faces::FaceModels,
    tagger: tags::Tagger,
    classifier: Result<classify::Classifier, Error>,
    preview: albumen_preview::Options,
    cache: Option<albumen_preview::Cache>,
}

impl std::fmt::Debug for Vision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vision").finish_non_exhaustive()
    }
}

impl Vision {
    /// Loads ONNX Runtime and every model from `dir` (see [`models_dir`]); a missing file is
    /// [`Error::ModelMissing`] naming it. The classifier is optional: without it there are no
    /// scene words and no embeddings ([`Vision::classifier_missing`] says why).
    pub fn load(dir: &Path) -> Result<Vision, Error> {
        Ok(Vision {
            ocr: Ocr::load(dir)?,
            faces: faces::FaceModels::load(dir)?,
            tagger: tags::Tagger::load(dir)?,
            classifier: classify::Classifier::load(dir),
            preview: albumen_preview::Options::new(PREVIEW_SIZE),
            cache: None,
        })
    }

    /// Takes pictures from (and leaves them in) a preview cache: a file whose
    /// [`PREVIEW_SIZE`] preview is cached is not decoded again, and one that is not gets its
    /// preview made once and stored for the next reader (the web server, the next pass).
    pub fn with_cache(mut self, cache: albumen_preview::Cache) -> Vision {
        self.cache = Some(cache);
        self
    }

    /// Why the classifier (scene words, embeddings) is not loaded, when it is not.
    pub fn classifier_missing(&self) -> Option<&Error> {
        self.classifier.as_ref().err()
    }

    /// The OCR engine, for reading pictures already in memory.
    pub fn ocr(&mut self) -> &mut Ocr {
        &mut self.ocr
    }

    /// The upright sRGB picture of `path` at [`PREVIEW_SIZE`], from the cache when there is one.
    fn picture(&self, path: &Path) -> Result<image::RgbImage, Error> {
        match &self.cache {
            Some(c) => {
                let cached = c.get_or_make(path, &self.preview)?;
                let bytes = std::fs::read(&cached.thumb).map_err(|e| Error::Cache {
                    path: cached.thumb.clone(),
                    message: e.to_string(),
                })?;
                let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg)
                    .map_err(|e| Error::Cache {
                        path: cached.thumb.clone(),
                        message: e.to_string(),
                    })?;
                Ok(img.to_rgb8())
            }
            None => Ok(albumen_preview::preview(path, &self.preview)?.image),
        }
    }

    /// Text, faces and tags of a picture already in memory.
    pub fn analyze_image(&mut self, img: &image::RgbImage) -> Result<Seen, Error> {
        let lines = self.ocr.read(img)?;
        let boxes = self.faces.detect(img)?;
        let embeddings = self.faces.embed(img, &boxes)?;
        let (w, h) = (img.width() as f32, img.height() as f32);
        let faces = boxes
            .into_iter()
            .zip(embeddings)
            .map(|(b, embedding)| Face {
                x: b.x / w,
                y: b.y / h,
                w: b.w / w,
                h: b.h / h,
                score: b.score,
                person: None,
                person_name: None,
                embedding,
            })
            .collect();
        let coco = self.tagger.scores(img)?;
        let (tags, embedding) = match &mut self.classifier {
            Ok(c) => {
                let seen = c.classify(img)?;
                (tags_from(&coco, Some(&seen.probs)), Some(seen.embedding))
            }
            Err(_) => (tags_from(&coco, None), None),
        };
        Ok(Seen {
            lines,
            faces,
            tags,
            embedding,
        })
    }

    /// Previews `path` and reads its text, faces and tags. Never fails: a file that cannot be
    /// read, decoded or analysed gives an [`Analysis`] whose `error` says why.
    pub fn analyze(&mut self, path: &Path) -> Analysis {
        let mut a = Analysis {
            path: path.to_path_buf(),
            text: String::new(),
            lines: Vec::new(),
            faces: Vec::new(),
            tags: Vec::new(),
            embedding: None,
            error: None,
        };
        let result = self.picture(path).and_then(|img| self.analyze_image(&img));
        match result {
            Ok(seen) => {
                a.text = ocr::join_lines(&seen.lines);
                a.lines = seen.lines;
                a.faces = seen.faces;
                a.tags = seen.tags;
                a.embedding = seen.embedding;
            }
            Err(e) => a.error = Some(e.to_string()),
        }
        a
    }
}

/// The classifier alone, for the embedding of one picture (`albumen similar FILE`): loads
/// faster than [`Vision`] and needs only ONNX Runtime and the classifier's file.
#[derive(Debug)]
pub struct Embedder {
    classifier: classify::Classifier,
    preview: albumen_preview::Options,
}

impl Embedder {
    /// Loads ONNX Runtime and the classifier from `dir`.
    pub fn load(dir: &Path) -> Result<Embedder, Error> {
        Ok(Embedder {
            classifier: classify::Classifier::load(dir)?,
            preview: albumen_preview::Options::new(PREVIEW_SIZE),
        })
    }

    /// The embedding of the file at `path` (previewed as [`Vision`] does).
    pub fn embed(&mut self, path: &Path) -> Result<Vec<f32>, Error> {
        let img = albumen_preview::preview(path, &self.preview)?.image;
        Ok(self.classifier.classify(&img)?.embedding)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(label: &str, score: f32, source: Source) -> Tag {
        Tag {
            label: label.into(),
            label_zh: String::new(),
            score,
            source,
        }
    }

    #[test]
    fn merged_tags_keep_one_per_label_with_the_better_score() {
        let m = merge_tags(
            vec![
                tag("car", 0.5, Source::Coco),
                tag("person", 0.9, Source::Coco),
            ],
            vec![
                tag("car", 0.7, Source::Imagenet),
                tag("beach", 0.4, Source::Imagenet),
            ],
        );
        let got: Vec<(&str, f32, Source)> = m
            .iter()
            .map(|t| (t.label.as_str(), t.score, t.source))
            .collect();
        assert_eq!(
            got,
            [
                ("person", 0.9, Source::Coco),
                ("car", 0.7, Source::Imagenet),
                ("beach", 0.4, Source::Imagenet)
            ]
        );
    }
}
