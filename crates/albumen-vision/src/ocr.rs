//! Text recognition with PP-OCRv4: detection, direction classification, recognition.

use std::path::Path;

use image::RgbImage;
use ort::session::Session;
use ort::value::Tensor;

use crate::geom::{self, Pt, RotRect};
use crate::runtime::{load_runtime, need, session};
use crate::Error;

/// The ONNX Runtime shared library's file name in the models folder.
pub const RUNTIME_FILE: &str = "libonnxruntime.so";
/// The text detection model.
pub const DET_FILE: &str = "ch_PP-OCRv4_det_infer.onnx";
/// The text recognition model (its dictionary is in its metadata).
pub const REC_FILE: &str = "ch_PP-OCRv4_rec_infer.onnx";
/// The text direction classifier (optional: without it, upside-down text is not turned).
pub const CLS_FILE: &str = "ch_ppocr_mobile_v2.0_cls_infer.onnx";

/// Long side, in pixels, of the picture text detection sees.
pub const DET_MAX_SIDE: u32 = 960;
/// Probability over which a pixel of the detection map is text.
const DET_THRESH: f32 = 0.3;
/// Mean probability under a region below which it is dropped.
const BOX_THRESH: f32 = 0.5;
/// How much a detected region is grown (DB's unclip ratio).
const UNCLIP_RATIO: f32 = 1.6;
/// At most this many regions per picture.
const MAX_CANDIDATES: usize = 1000;
/// Recognition input height.
const REC_H: u32 = 48;
/// Longest recognition input (width) in pixels: longer lines are squeezed.
const REC_MAX_W: u32 = 3200;
/// Lines recognised with a lower mean confidence are dropped.
const TEXT_SCORE: f32 = 0.5;
/// Direction classifier input.
const CLS_W: u32 = 192;
const CLS_H: u32 = 48;
/// Confidence over which a line classified as upside down is turned.
const CLS_THRESH: f32 = 0.9;

/// One line of text found in a picture.
#[derive(Debug, Clone, PartialEq)]
pub struct TextLine {
    /// The text.
    pub text: String,
    /// Mean confidence of its characters, 0 to 1.
    pub score: f32,
    /// Its corners in the picture's pixels: top-left, top-right, bottom-right, bottom-left.
    pub corners: [(f32, f32); 4],
}

/// Joins lines in reading order: lines on the same row with a space, rows with a newline.
///
/// ```
/// use albumen_vision::{ocr::join_lines, TextLine};
/// let line = |t: &str, x: f32, y: f32| TextLine {
///     text: t.into(), score: 1.0,
///     corners: [(x, y), (x + 10.0, y), (x + 10.0, y + 10.0), (x, y + 10.0)],
/// };
/// assert_eq!(join_lines(&[line("a", 0.0, 0.0), line("b", 20.0, 1.0), line("c", 0.0, 30.0)]), "a b\nc");
/// ```
pub fn join_lines(lines: &[TextLine]) -> String {
    let mut out = String::new();
    let mut prev: Option<&TextLine> = None;
    for l in lines {
        if let Some(p) = prev {
            out.push(if same_row(p, l) { ' ' } else { '\n' });
        }
        out.push_str(&l.text);
        prev = Some(l);
    }
    out
}

fn top_bottom(l: &TextLine) -> (f32, f32) {
    let ys = l.corners.map(|c| c.1);
    (
        ys.iter().copied().fold(f32::MAX, f32::min),
        ys.iter().copied().fold(f32::MIN, f32::max),
    )
}

/// Two lines are on the same row when their vertical extents overlap by half the smaller.
fn same_row(a: &TextLine, b: &TextLine) -> bool {
    let (at, ab) = top_bottom(a);
    let (bt, bb) = top_bottom(b);
    let overlap = ab.min(bb) - at.max(bt);
    overlap > 0.5 * (ab - at).min(bb - bt)
}

/// Sorts lines into reading order: rows top to bottom, each row left to right.
fn reading_order(lines: &mut Vec<TextLine>) {
    lines.sort_by(|a, b| top_bottom(a).0.total_cmp(&top_bottom(b).0));
    let mut rows: Vec<Vec<TextLine>> = Vec::new();
    for l in lines.drain(..) {
        match rows.last_mut() {
            Some(row) if row.iter().any(|r| same_row(r, &l)) => row.push(l),
            _ => rows.push(vec![l]),
        }
    }
    for mut row in rows {
        row.sort_by(|a, b| a.corners[0].0.total_cmp(&b.corners[0].0));
        lines.extend(row);
    }
}

/// The PP-OCRv4 models, loaded.
pub struct Ocr {
    det: Session,
    rec: Session,
    cls: Option<Session>,
    /// Index 0 is the CTC blank; then the dictionary; then a space.
    chars: Vec<String>,
}

impl std::fmt::Debug for Ocr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ocr")
            .field("chars", &self.chars.len())
            .finish_non_exhaustive()
    }
}

impl Ocr {
    /// Loads ONNX Runtime and the models from `dir`.
    ///
    /// ```no_run
    /// let mut ocr = albumen_vision::Ocr::load(&albumen_vision::models_dir())?;
    /// let img = image::RgbImage::new(640, 480);
    /// assert!(ocr.read(&img)?.is_empty());
    /// # Ok::<(), albumen_vision::Error>(())
    /// ```
    pub fn load(dir: &Path) -> Result<Ocr, Error> {
        let lib = need(dir, RUNTIME_FILE)?;
        let det_path = need(dir, DET_FILE)?;
        let rec_path = need(dir, REC_FILE)?;
        load_runtime(&lib)?;
        let det = session(&det_path, DET_FILE)?;
        let rec = session(&rec_path, REC_FILE)?;
        let dict = rec
            .metadata()
            .map_err(|e| Error::Model {
                model: REC_FILE,
                source: e,
            })?
            .custom("character")
            .ok_or_else(|| Error::NoDictionary(rec_path.clone()))?;
        let mut chars = vec![String::new()];
        chars.extend(dict.lines().map(str::to_string));
        chars.push(" ".into());
        let cls = match need(dir, CLS_FILE) {
            Ok(p) => Some(session(&p, CLS_FILE)?),
            Err(_) => None,
        };
        Ok(Ocr {
            det,
            rec,
            cls,
            chars,
        })
    }

    /// Reads the text of `img`, lines in reading order.
    pub fn read(&mut self, img: &RgbImage) -> Result<Vec<TextLine>, Error> {
        let boxes = self.detect(img)?;
        let mut crops: Vec<(RgbImage, [Pt; 4])> = Vec::with_capacity(boxes.len());
        for r in boxes {
            let crop = crop_rect(img, &r);
            if crop.width() == 0 || crop.height() == 0 {
                continue;
            }
            crops.push((crop, r.corners()));
        }
        if self.cls.is_some() {
            for (crop, _) in crops.iter_mut() {
                if self.upside_down(crop)? {
                    image::imageops::rotate180_in_place(crop);
                }
            }
        }
        let mut lines = Vec::new();
        for (crop, corners) in crops {
            let (text, score) = self.recognize(&crop)?;
            if score >= TEXT_SCORE && !text.trim().is_empty() {
                lines.push(TextLine {
                    text: text.trim().to_string(),
                    score,
                    corners,
                });
            }
        }
        reading_order(&mut lines);
        Ok(lines)
    }

    /// Text regions of `img`, as rectangles in its pixels.
    fn detect(&mut self, img: &RgbImage) -> Result<Vec<RotRect>, Error> {
        let (w0, h0) = img.dimensions();
        if w0 < 4 || h0 < 4 {
            return Ok(Vec::new());
        }
        let scale = (DET_MAX_SIDE as f32 / w0.max(h0) as f32).min(1.0);
        let round32 = |v: u32| ((v as f32 * scale / 32.0).round() as u32).max(1) * 32;
        let (w, h) = (round32(w0), round32(h0));
        let small = image::imageops::resize(img, w, h, image::imageops::FilterType::Triangle);
        // BGR planes (the models were trained on OpenCV's channel order), ImageNet normalisation.
        let mean = [0.406f32, 0.456, 0.485];
        let std = [0.225f32, 0.224, 0.229];
        let n = (w * h) as usize;
        let mut input = vec![0f32; 3 * n];
        for (i, p) in small.pixels().enumerate() {
            for c in 0..3 {
                let v = p.0[2 - c] as f32 / 255.0;
                input[c * n + i] = (v - mean[c]) / std[c];
            }
        }
        let err = |e: ort::Error| Error::Model {
            model: DET_FILE,
            source: e,
        };
        let t = Tensor::from_array(([1usize, 3, h as usize, w as usize], input)).map_err(err)?;
        let out = self.det.run(ort::inputs![t]).map_err(err)?;
        let (shape, prob) = out[0].try_extract_tensor::<f32>().map_err(err)?;
        if prob.len() != n {
            return Err(Error::Shape {
                model: DET_FILE,
                shape: shape.to_vec(),
            });
        }
        let (wu, hu) = (w as usize, h as usize);
        // Threshold, then a 2x2 dilation (as PP-OCR does) to join broken strokes.
        let bin: Vec<bool> = prob.iter().map(|&p| p > DET_THRESH).collect();
        let mut mask = bin.clone();
        for y in 0..hu {
            for x in 0..wu {
                if bin[y * wu + x] {
                    if x + 1 < wu {
                        mask[y * wu + x + 1] = true;
                    }
                    if y + 1 < hu {
                        mask[(y + 1) * wu + x] = true;
                        if x + 1 < wu {
                            mask[(y + 1) * wu + x + 1] = true;
                        }
                    }
                }
            }
        }
        let (sx, sy) = (w0 as f32 / w as f32, h0 as f32 / h as f32);
        let mut boxes = Vec::new();
        for reg in geom::components(&mask, prob, wu, hu, MAX_CANDIDATES) {
            if reg.pixels < 4 || reg.score_sum / (reg.pixels as f32) < BOX_THRESH {
                continue;
            }
            let mut pts = Vec::with_capacity(reg.rows.len() * 4);
            for &(y, a, b) in &reg.rows {
                let (y, a, b) = (y as f32, a as f32, b as f32 + 1.0);
                pts.extend([(a, y), (b, y), (a, y + 1.0), (b, y + 1.0)]);
            }
            let Some(mut r) = geom::min_area_rect(&geom::hull(pts)) else {
                continue;
            };
            if r.half_h * 2.0 < 3.0 {
                continue;
            }
            // Unclip: grow by area * ratio / perimeter on every side.
            let (bw, bh) = (2.0 * r.half_w, 2.0 * r.half_h);
            let d = bw * bh * UNCLIP_RATIO / (2.0 * (bw + bh));
            r.half_w += d;
            r.half_h += d;
            if r.half_h * 2.0 < 5.0 {
                continue;
            }
            // Back to the input picture's pixels (the scale is nearly uniform; the axes are
            // rescaled component-wise to stay exact for axis-aligned boxes).
            let (ux, uy) = (r.ux * sx, r.uy * sy);
            let (vx, vy) = (-r.uy * sx, r.ux * sy);
            let lu = (ux * ux + uy * uy).sqrt();
            let lv = (vx * vx + vy * vy).sqrt();
            boxes.push(RotRect {
                cx: r.cx * sx,
                cy: r.cy * sy,
                ux: ux / lu,
                uy: uy / lu,
                half_w: r.half_w * lu,
                half_h: r.half_h * lv,
            });
        }
        Ok(boxes)
    }

    /// Whether the direction classifier says `crop` is upside down.
    fn upside_down(&mut self, crop: &RgbImage) -> Result<bool, Error> {
        let Some(cls) = self.cls.as_mut() else {
            return Ok(false);
        };
        let input = rec_input(crop, CLS_H, CLS_W, CLS_W);
        let err = |e: ort::Error| Error::Model {
            model: CLS_FILE,
            source: e,
        };
        let t = Tensor::from_array(([1usize, 3, CLS_H as usize, CLS_W as usize], input))
            .map_err(err)?;
        let out = cls.run(ort::inputs![t]).map_err(err)?;
        let (shape, p) = out[0].try_extract_tensor::<f32>().map_err(err)?;
        if p.len() < 2 {
            return Err(Error::Shape {
                model: CLS_FILE,
                shape: shape.to_vec(),
            });
        }
        Ok(p[1] > p[0] && p[1] > CLS_THRESH)
    }

    /// Recognises one line: text and mean confidence.
    fn recognize(&mut self, crop: &RgbImage) -> Result<(String, f32), Error> {
        let ratio = crop.width() as f32 / crop.height().max(1) as f32;
        let w = ((REC_H as f32 * ratio).ceil() as u32).clamp(REC_H, REC_MAX_W);
        // Pad to at least 320 like PP-OCR's default input, and to a multiple of 8.
        let pad_w = w.max(320).div_ceil(8) * 8;
        let input = rec_input(crop, REC_H, w, pad_w);
        let err = |e: ort::Error| Error::Model {
            model: REC_FILE,
            source: e,
        };
        let t = Tensor::from_array(([1usize, 3, REC_H as usize, pad_w as usize], input))
            .map_err(err)?;
        let out = self.rec.run(ort::inputs![t]).map_err(err)?;
        let (shape, p) = out[0].try_extract_tensor::<f32>().map_err(err)?;
        let classes = match shape.as_ref() {
            [_, _, c] if *c > 0 => *c as usize,
            s => {
                return Err(Error::Shape {
                    model: REC_FILE,
                    shape: s.to_vec(),
                })
            }
        };
        Ok(ctc_greedy(p, classes, &self.chars))
    }
}

/// CTC greedy decoding of `p` (time steps x `classes` probabilities): the best class per step,
/// blanks (0) and repeats dropped. Returns the text and the mean probability of its characters.
///
/// ```
/// let chars = ["", "a", "b", " "].map(String::from);
/// // Steps: a, a, blank, a, b, blank.
/// let p = [0.1, 0.9, 0.0, 0.0,  0.2, 0.8, 0.0, 0.0,  0.9, 0.1, 0.0, 0.0,
///          0.1, 0.7, 0.2, 0.0,  0.0, 0.1, 0.9, 0.0,  1.0, 0.0, 0.0, 0.0];
/// let (text, score) = albumen_vision::ocr::ctc_greedy(&p, 4, &chars);
/// assert_eq!(text, "aab");
/// assert!((score - (0.9 + 0.7 + 0.9) / 3.0).abs() < 1e-6);
/// ```
pub fn ctc_greedy(p: &[f32], classes: usize, chars: &[String]) -> (String, f32) {
    let mut text = String::new();
    let (mut sum, mut count) = (0f32, 0usize);
    let mut last = 0usize;
    for step in p.chunks_exact(classes.max(1)) {
        let (best, prob) = step
            .iter()
            .enumerate()
            .fold(
                (0usize, f32::MIN),
                |(bi, bp), (i, &v)| if v > bp { (i, v) } else { (bi, bp) },
            );
        if best != 0 && best != last {
            if let Some(c) = chars.get(best) {
                text.push_str(c);
                sum += prob;
                count += 1;
            }
        }
        last = best;
    }
    (text, if count == 0 { 0.0 } else { sum / count as f32 })
}

/// `crop` resized to `h` x `w` (at most; aspect kept by the caller's choice of `w`), as
/// normalised BGR planes `(v/255 - 0.5) / 0.5`, zero-padded on the right to `pad_w`.
fn rec_input(crop: &RgbImage, h: u32, w: u32, pad_w: u32) -> Vec<f32> {
    let ratio = crop.width() as f32 / crop.height().max(1) as f32;
    let rw = ((h as f32 * ratio).ceil() as u32).clamp(1, w);
    let img = image::imageops::resize(crop, rw, h, image::imageops::FilterType::Triangle);
    let plane = (h * pad_w) as usize;
    let mut out = vec![0f32; 3 * plane];
    for (x, y, p) in img.enumerate_pixels() {
        let i = (y * pad_w + x) as usize;
        for c in 0..3 {
            out[c * plane + i] = (p.0[2 - c] as f32 / 255.0 - 0.5) / 0.5;
        }
    }
    out
}

/// The rectangle `r` of `img` cut out upright (bilinear sampling along its axes); tall
/// narrow boxes (vertical text) are turned a quarter to lie horizontally.
fn crop_rect(img: &RgbImage, r: &RotRect) -> RgbImage {
    let w = (2.0 * r.half_w).round().clamp(1.0, 4096.0) as u32;
    let h = (2.0 * r.half_h).round().clamp(1.0, 4096.0) as u32;
    let [tl, tr, _, bl] = r.corners();
    let (iw, ih) = img.dimensions();
    let mut out = RgbImage::new(w, h);
    for y in 0..h {
        for x in 0..w {
            let fx = (x as f32 + 0.5) / w as f32;
            let fy = (y as f32 + 0.5) / h as f32;
            let px = tl.0 + (tr.0 - tl.0) * fx + (bl.0 - tl.0) * fy - 0.5;
            let py = tl.1 + (tr.1 - tl.1) * fx + (bl.1 - tl.1) * fy - 0.5;
            out.put_pixel(x, y, image::Rgb(geom::bilinear(img, px, py, iw, ih)));
        }
    }
    out
}
