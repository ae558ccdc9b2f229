//! On-device vision for photos, on the CPU: text recognition (OCR) in Chinese and English.
//!
//! # Brief overview
//! - Models are data, fetched once by `scripts/vision-models.sh` into a models folder
//!   ([`models_dir`]: `$ALBUMEN_MODELS`, else a `models/` folder beside or above the program,
//!   else `./models`): ONNX Runtime's shared library (loaded at run time, nothing is downloaded
//!   at build or run time) and the PP-OCRv4 detection, direction and recognition models.
//!   A missing file is [`Error::ModelMissing`], naming the file and the script.
//! - [`Ocr`] reads text: DB text detection (probability map, threshold, connected
//!   components, minimum-area rectangles, unclip), an optional 0/180 degree direction
//!   classifier, CTC recognition with the dictionary stored in the recognition model, and
//!   lines in reading order (top to bottom, left to right).
//! - [`Vision::analyze`] takes a file, previews it with `albumen-preview` (the one decoder:
//!   orientation, colour, size and pixel limits) at [`PREVIEW_SIZE`] pixels and answers an
//!   [`Analysis`]; a broken or oversized picture is an `error` in it, not a failure.
//! - Faces and object tags are not implemented yet: [`Analysis::faces`] and
//!   [`Analysis::tags`] are always empty.
//!
//! ```no_run
//! let mut vision = albumen_vision::Vision::load(&albumen_vision::models_dir())?;
//! let a = vision.analyze("IMG_0001.JPG".as_ref());
//! println!("{}: {}", a.path.display(), a.text);
//! # Ok::<(), albumen_vision::Error>(())
//! ```

mod error;
mod geom;
pub mod ocr;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use error::Error;
pub use ocr::{Ocr, TextLine};

/// Long side, in pixels, of the preview the models read (text detection scales it further
/// down to [`ocr::DET_MAX_SIDE`]; recognition crops lines from it).
pub const PREVIEW_SIZE: u32 = 1280;

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

/// A face found in a picture (not produced yet: face detection is not implemented).
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
    /// The person this face belongs to, when known.
    pub person: Option<i64>,
}

/// An object or scene label (not produced yet: tagging is not implemented).
#[derive(Debug, Clone, Serialize)]
pub struct Tag {
    /// The label, e.g. `dog`.
    pub label: String,
    /// Confidence, 0 to 1.
    pub score: f32,
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
    /// Faces (always empty for now).
    pub faces: Vec<Face>,
    /// Object and scene tags (always empty for now).
    pub tags: Vec<Tag>,
    /// Why the file could not be analysed, if it could not.
    pub error: Option<String>,
}

/// The loaded models.
pub struct Vision {
    ocr: Ocr,
    preview: albumen_preview::Options,
}

impl std::fmt::Debug for Vision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vision").finish_non_exhaustive()
    }
}

impl Vision {
    /// Loads ONNX Runtime and the models from `dir` (see [`models_dir`]).
    pub fn load(dir: &Path) -> Result<Vision, Error> {
        Ok(Vision {
            ocr: Ocr::load(dir)?,
            preview: albumen_preview::Options::new(PREVIEW_SIZE),
        })
    }

    /// The OCR engine, for reading pictures already in memory.
    pub fn ocr(&mut self) -> &mut Ocr {
        &mut self.ocr
    }

    /// Previews `path` and reads its text. Never fails: a file that cannot be read, decoded
    /// or analysed gives an [`Analysis`] whose `error` says why.
    pub fn analyze(&mut self, path: &Path) -> Analysis {
        let mut a = Analysis {
            path: path.to_path_buf(),
            text: String::new(),
            lines: Vec::new(),
            faces: Vec::new(),
            tags: Vec::new(),
            error: None,
        };
        let result = albumen_preview::preview(path, &self.preview)
            .map_err(Error::from)
            .and_then(|p| self.ocr.read(&p.image));
        match result {
            Ok(lines) => {
                a.text = ocr::join_lines(&lines);
                a.lines = lines;
            }
            Err(e) => a.error = Some(e.to_string()),
        }
        a
    }
}
