//! Perceptual hash: a DCT hash of the upright thumbnail, computed from the pixels the thumbnail
//! already holds (no second decode).

use image::{imageops, RgbImage};
use serde::{Deserialize, Serialize};

const N: usize = 32;

/// A 64-bit perceptual hash (DCT of a 32x32 grey version, the 8x8 lowest frequencies compared
/// to their median) plus the picture's upright aspect ratio, which the hash alone ignores.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PerceptualHash {
    /// The 64 bits.
    pub bits: u64,
    /// Width / height of the upright picture.
    pub aspect: f32,
}

impl PerceptualHash {
    /// Hashes an upright RGB picture (any size; a 256-pixel thumbnail is plenty).
    ///
    /// ```
    /// use albumen_preview::PerceptualHash;
    /// // Large shapes: a bright block top-left, a dark band at the bottom.
    /// let img = image::RgbImage::from_fn(160, 120, |x, y| {
    ///     let v = if x < 60 && y < 50 { 250 } else if y > 90 { 10 } else { 128 };
    ///     image::Rgb([v, v, v])
    /// });
    /// let small = image::imageops::thumbnail(&img, 80, 60);
    /// let (a, b) = (PerceptualHash::of(&img), PerceptualHash::of(&small));
    /// assert!(a.distance(&b) <= albumen_preview::dupes::NEAR_DISTANCE);
    /// assert!((a.aspect - 4.0 / 3.0).abs() < 1e-3);
    /// ```
    pub fn of(img: &RgbImage) -> Self {
        let (w, h) = img.dimensions();
        let grey = imageops::grayscale(img);
        let small = imageops::resize(&grey, N as u32, N as u32, imageops::FilterType::Triangle);
        let px: Vec<f64> = small.pixels().map(|p| f64::from(p.0[0])).collect();
        let cos = cos_table();
        // 2-D DCT-II, separable; only the 8x8 lowest frequencies are needed.
        let mut rows = [[0f64; 8]; N];
        for (y, row) in rows.iter_mut().enumerate() {
            for (u, out) in row.iter_mut().enumerate() {
                *out = (0..N).map(|x| px[y * N + x] * cos[u][x]).sum();
            }
        }
        let mut coef = [0f64; 64];
        for v in 0..8 {
            for u in 0..8 {
                coef[v * 8 + u] = (0..N).map(|y| rows[y][u] * cos[v][y]).sum();
            }
        }
        let mut ac: Vec<f64> = coef[1..].to_vec();
        ac.sort_by(|a, b| a.total_cmp(b));
        let median = ac[ac.len() / 2];
        let bits = coef.iter().enumerate().skip(1).fold(0u64, |acc, (i, &c)| {
            if c > median {
                acc | (1 << i)
            } else {
                acc
            }
        });
        PerceptualHash {
            bits,
            aspect: if h == 0 { 0.0 } else { w as f32 / h as f32 },
        }
    }

    /// Hamming distance between the two hashes' bits (0 = same picture, 64 = opposite).
    pub fn distance(&self, other: &PerceptualHash) -> u32 {
        (self.bits ^ other.bits).count_ones()
    }

    /// The hash of the same picture turned a quarter (`quarters` = 1), half (2) or three
    /// quarters (3) of a turn clockwise, derived from the bits alone (no pixels needed, so it
    /// works on hashes stored in the index). Turning the 32x32 grey picture transposes its DCT
    /// coefficients and negates those of odd horizontal or vertical frequency; a negated
    /// coefficient compared with the median (about 0) gives the inverted bit, so the result
    /// is the turned picture's hash up to the few coefficients closest to the median.
    ///
    /// ```
    /// use albumen_preview::PerceptualHash;
    /// let img = image::RgbImage::from_fn(160, 120, |x, y| {
    ///     let v = if x < 60 && y < 50 { 250 } else if y > 90 { 10 } else { ((x + y) % 256) as u8 };
    ///     image::Rgb([v, v, v])
    /// });
    /// let turned = image::imageops::rotate90(&img);
    /// let (a, b) = (PerceptualHash::of(&img), PerceptualHash::of(&turned));
    /// assert!(a.turned(1).distance(&b) <= 8);
    /// assert!((a.turned(1).aspect - b.aspect).abs() < 1e-3);
    /// ```
    pub fn turned(&self, quarters: u8) -> PerceptualHash {
        let bit = |u: usize, v: usize| (self.bits >> (v * 8 + u)) & 1;
        let mut bits = 0u64;
        for v in 0..8 {
            for u in 0..8 {
                // the turned picture's coefficient (u, v) is +-F(u', v') of the original
                let (src, negate) = match quarters % 4 {
                    0 => (bit(u, v), false),
                    // clockwise: g(x, y) = f(y, N-1-x) -> G(u, v) = (-1)^u F(v, u)
                    1 => (bit(v, u), u % 2 == 1),
                    2 => (bit(u, v), (u + v) % 2 == 1),
                    // counter-clockwise: g(x, y) = f(N-1-y, x) -> G(u, v) = (-1)^v F(v, u)
                    _ => (bit(v, u), v % 2 == 1),
                };
                let b = if negate && (u, v) != (0, 0) {
                    src ^ 1
                } else {
                    src
                };
                bits |= b << (v * 8 + u);
            }
        }
        PerceptualHash {
            bits,
            aspect: if quarters % 2 == 1 && self.aspect > 0.0 {
                1.0 / self.aspect
            } else {
                self.aspect
            },
        }
    }
}

/// Cells per side of a [`ColourLayout`].
const GRID: usize = 4;
/// A picture whose grey levels (0 to 255, on a 32 x 32 reduction) vary less than this
/// (standard deviation) is flat: its perceptual hash is the noise of its few levels.
pub const PLAIN_STD: f32 = 6.0;
/// A picture whose 99th-percentile grey level is below this is near-black: its hash is noise.
pub const DARK_P99: u8 = 20;

/// A second, independent signal for near duplicates: the mean colour of each cell of a 4 x 4
/// grid over the upright picture, and whether the picture is too plain (near-flat or
/// near-black) for its perceptual hash to mean anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColourLayout {
    /// Mean RGB of each cell, row by row.
    pub cells: [[u8; 3]; GRID * GRID],
    /// Near-flat or near-black (see `PLAIN_STD` and `DARK_P99` in this module).
    pub plain: bool,
}

impl ColourLayout {
    /// The layout of an upright RGB picture (any size; 64 pixels is plenty).
    ///
    /// ```
    /// use albumen_preview::dupes::ColourLayout;
    /// let flat = image::RgbImage::from_pixel(64, 48, image::Rgb([200, 30, 30]));
    /// assert!(ColourLayout::of(&flat).plain);
    /// let sky = image::RgbImage::from_fn(64, 48, |_, y| if y < 24 { image::Rgb([90, 150, 230]) } else { image::Rgb([40, 120, 40]) });
    /// let l = ColourLayout::of(&sky);
    /// assert!(!l.plain);
    /// assert_eq!(l.cells[0], [90, 150, 230]);
    /// assert_eq!(l.cells[15], [40, 120, 40]);
    /// ```
    pub fn of(img: &RgbImage) -> Self {
        let (w, h) = img.dimensions();
        let mut cells = [[0u8; 3]; GRID * GRID];
        if w == 0 || h == 0 {
            return ColourLayout { cells, plain: true };
        }
        let mut sums = [[0u64; 4]; GRID * GRID];
        for (x, y, p) in img.enumerate_pixels() {
            let c = (y as usize * GRID / h as usize) * GRID + x as usize * GRID / w as usize;
            if let Some(s) = sums.get_mut(c) {
                for (acc, v) in s.iter_mut().zip(p.0) {
                    *acc += u64::from(v);
                }
                s[3] += 1;
            }
        }
        for (cell, s) in cells.iter_mut().zip(&sums) {
            let n = s[3].max(1);
            for (out, acc) in cell.iter_mut().zip(s) {
                *out = (acc / n) as u8;
            }
        }
        let grey = imageops::grayscale(img);
        let small = imageops::resize(&grey, N as u32, N as u32, imageops::FilterType::Triangle);
        let mut px: Vec<u8> = small.pixels().map(|p| p.0[0]).collect();
        let n = px.len().max(1) as f32;
        let mean = px.iter().map(|&v| f32::from(v)).sum::<f32>() / n;
        let var = px
            .iter()
            .map(|&v| (f32::from(v) - mean).powi(2))
            .sum::<f32>()
            / n;
        px.sort_unstable();
        let p99 = px.get(px.len() * 99 / 100).copied().unwrap_or(0);
        ColourLayout {
            cells,
            plain: var.sqrt() < PLAIN_STD || p99 < DARK_P99,
        }
    }

    /// The layout of the same picture turned `quarters` quarter turns clockwise.
    pub fn turned(&self, quarters: u8) -> ColourLayout {
        let mut out = *self;
        for _ in 0..quarters % 4 {
            let src = out.cells;
            for y in 0..GRID {
                for x in 0..GRID {
                    // clockwise: the new (x, y) shows the old (y, GRID-1-x)
                    out.cells[y * GRID + x] = src[(GRID - 1 - x) * GRID + y];
                }
            }
        }
        out
    }

    /// Mean absolute difference of the two layouts' cell colours, 0 to 255.
    pub fn distance(&self, other: &ColourLayout) -> f32 {
        let total: u32 = self
            .cells
            .iter()
            .zip(&other.cells)
            .flat_map(|(a, b)| a.iter().zip(b).map(|(x, y)| u32::from(x.abs_diff(*y))))
            .sum();
        total as f32 / (GRID * GRID * 3) as f32
    }
}

fn cos_table() -> [[f64; N]; 8] {
    let mut t = [[0f64; N]; 8];
    for (u, row) in t.iter_mut().enumerate() {
        for (x, v) in row.iter_mut().enumerate() {
            *v = (std::f64::consts::PI * u as f64 * (2 * x + 1) as f64 / (2 * N) as f64).cos();
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_layout_turns_with_the_picture_and_dark_pictures_are_plain() {
        let img = RgbImage::from_fn(80, 80, |x, y| {
            image::Rgb([(x * 3) as u8, (y * 3) as u8, 100])
        });
        let turned = imageops::rotate90(&img);
        let (a, b) = (ColourLayout::of(&img), ColourLayout::of(&turned));
        assert!(
            a.turned(1).distance(&b) < 1.0,
            "{}",
            a.turned(1).distance(&b)
        );
        assert!(a.distance(&b) > 20.0);
        // A moon on black: a bright disc on 97 % black is not plain (its p99 is bright)…
        let moon = RgbImage::from_fn(100, 100, |x, y| {
            let d = (x as i32 - 50).pow(2) + (y as i32 - 50).pow(2);
            if d < 100 {
                image::Rgb([240, 240, 230])
            } else {
                image::Rgb([2, 2, 2])
            }
        });
        assert!(!ColourLayout::of(&moon).plain);
        // …but a night frame with nothing in it is.
        let night = RgbImage::from_fn(100, 100, |x, y| image::Rgb([((x + y) % 9) as u8, 3, 5]));
        assert!(ColourLayout::of(&night).plain);
    }

    fn scene(seed: u32) -> RgbImage {
        RgbImage::from_fn(200, 150, |x, y| {
            let v = ((x * (3 + seed) + y * (7 + 2 * seed)) % 256) as u8;
            let b = if (x / (20 + seed) + y / 30).is_multiple_of(2) {
                40
            } else {
                220
            };
            image::Rgb([v, b, v / 2])
        })
    }

    #[test]
    fn resized_copy_is_near_other_picture_is_far() {
        let a = scene(1);
        let half = imageops::resize(&a, 100, 75, imageops::FilterType::Triangle);
        // a different composition: a bright disc on the left, dark on the right
        let other = RgbImage::from_fn(200, 150, |x, y| {
            let (dx, dy) = (x as i32 - 50, y as i32 - 75);
            let v = if dx * dx + dy * dy < 1600 {
                240
            } else {
                (x / 2) as u8
            };
            image::Rgb([v, v, 255 - v])
        });
        let (ha, hh, ho) = (
            PerceptualHash::of(&a),
            PerceptualHash::of(&half),
            PerceptualHash::of(&other),
        );
        assert!(ha.distance(&hh) <= 4, "{}", ha.distance(&hh));
        assert!(ha.distance(&ho) > 12, "{}", ha.distance(&ho));
    }

    #[test]
    fn turned_hash_matches_the_turned_picture() {
        for seed in [1u32, 2, 3] {
            // smooth shapes (sawtooth stripes alias differently along the two axes)
            let a = RgbImage::from_fn(200, 150, |x, y| {
                let (dx, dy) = (x as i32 - 40 * seed as i32, y as i32 - 50);
                let v = if dx * dx + dy * dy < 900 {
                    240
                } else {
                    ((x + y / 2) / 2) as u8
                };
                image::Rgb([v, v, v])
            });
            let h = PerceptualHash::of(&a);
            let pics = [
                a.clone(),
                imageops::rotate90(&a),
                imageops::rotate180(&a),
                imageops::rotate270(&a),
            ];
            for (q, p) in pics.iter().enumerate() {
                let want = PerceptualHash::of(p);
                let got = h.turned(q as u8);
                assert!(
                    got.distance(&want) <= 8,
                    "seed {seed} turn {q}: {}",
                    got.distance(&want)
                );
                assert!((got.aspect - want.aspect).abs() < 1e-3);
                // and the wrong turns are far
                if q % 2 == 1 {
                    assert!(h.turned((q as u8 + 2) % 4).distance(&want) > 12);
                }
            }
            assert_eq!(h.turned(4), h);
        }
    }
}
