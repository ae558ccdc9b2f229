//! Geometry for text detection: connected components of a binary map, their convex hulls and
//! minimum-area rectangles.

/// A point in pixels.
pub(crate) type Pt = (f32, f32);

/// One connected region of a binary map: for each row it covers, the leftmost and rightmost
/// column, and the sum and count of the probability under it.
#[derive(Debug, Default)]
pub(crate) struct Region {
    /// (row, first column, last column) for every row the region touches.
    pub rows: Vec<(u32, u32, u32)>,
    /// Sum of probabilities of the region's pixels.
    pub score_sum: f32,
    /// Number of pixels.
    pub pixels: u32,
}

/// 8-connected components of `mask` (`w` x `h`, row-major), at most `max` of them (the largest
/// first is not guaranteed; regions beyond `max` are ignored). `prob` gives each pixel's score.
pub(crate) fn components(
    mask: &[bool],
    prob: &[f32],
    w: usize,
    h: usize,
    max: usize,
) -> Vec<Region> {
    let mut label = vec![u32::MAX; w * h];
    let mut out: Vec<Region> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    for start in 0..w * h {
        if !mask[start] || label[start] != u32::MAX {
            continue;
        }
        if out.len() >= max {
            break;
        }
        let id = out.len() as u32;
        let mut reg = Region::default();
        // Per-row extremes, gathered in a map keyed by row.
        let mut rows: std::collections::BTreeMap<u32, (u32, u32)> =
            std::collections::BTreeMap::new();
        label[start] = id;
        stack.push(start);
        while let Some(i) = stack.pop() {
            let (x, y) = (i % w, i / w);
            reg.score_sum += prob[i];
            reg.pixels += 1;
            let e = rows.entry(y as u32).or_insert((x as u32, x as u32));
            e.0 = e.0.min(x as u32);
            e.1 = e.1.max(x as u32);
            for dy in -1i64..=1 {
                for dx in -1i64..=1 {
                    let (nx, ny) = (x as i64 + dx, y as i64 + dy);
                    if nx < 0 || ny < 0 || nx >= w as i64 || ny >= h as i64 {
                        continue;
                    }
                    let j = ny as usize * w + nx as usize;
                    if mask[j] && label[j] == u32::MAX {
                        label[j] = id;
                        stack.push(j);
                    }
                }
            }
        }
        reg.rows = rows.into_iter().map(|(y, (a, b))| (y, a, b)).collect();
        out.push(reg);
    }
    out
}

fn cross(o: Pt, a: Pt, b: Pt) -> f32 {
    (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0)
}

/// Convex hull (monotone chain), counter-clockwise, without repeated end point.
pub(crate) fn hull(mut pts: Vec<Pt>) -> Vec<Pt> {
    pts.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    pts.dedup();
    if pts.len() < 3 {
        return pts;
    }
    let mut lower: Vec<Pt> = Vec::new();
    for &p in &pts {
        while lower.len() >= 2 && cross(lower[lower.len() - 2], lower[lower.len() - 1], p) <= 0.0 {
            lower.pop();
        }
        lower.push(p);
    }
    let mut upper: Vec<Pt> = Vec::new();
    for &p in pts.iter().rev() {
        while upper.len() >= 2 && cross(upper[upper.len() - 2], upper[upper.len() - 1], p) <= 0.0 {
            upper.pop();
        }
        upper.push(p);
    }
    lower.pop();
    upper.pop();
    lower.extend(upper);
    lower
}

/// A rotated rectangle: centre, unit axis along its length `u`, half extents along `u` and
/// its normal.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RotRect {
    pub cx: f32,
    pub cy: f32,
    pub ux: f32,
    pub uy: f32,
    pub half_w: f32,
    pub half_h: f32,
}

impl RotRect {
    /// Corners in the order top-left, top-right, bottom-right, bottom-left (reading the
    /// rectangle with its long side horizontal, `u` pointing right).
    pub fn corners(&self) -> [Pt; 4] {
        let (ux, uy) = (self.ux, self.uy);
        let (vx, vy) = (-uy, ux);
        let p = |a: f32, b: f32| (self.cx + a * ux + b * vx, self.cy + a * uy + b * vy);
        [
            p(-self.half_w, -self.half_h),
            p(self.half_w, -self.half_h),
            p(self.half_w, self.half_h),
            p(-self.half_w, self.half_h),
        ]
    }
}

/// The minimum-area rectangle enclosing the convex polygon `h` (rotating calipers over its
/// edges). The rectangle's `u` axis is its longer side, pointing to the right (ux >= 0).
pub(crate) fn min_area_rect(h: &[Pt]) -> Option<RotRect> {
    if h.is_empty() {
        return None;
    }
    let mut best: Option<(f32, RotRect)> = None;
    let n = h.len();
    let mut dirs: Vec<(f32, f32)> = Vec::with_capacity(n + 1);
    for i in 0..n {
        let (a, b) = (h[i], h[(i + 1) % n]);
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let len = (dx * dx + dy * dy).sqrt();
        if len > 1e-6 {
            dirs.push((dx / len, dy / len));
        }
    }
    if dirs.is_empty() {
        dirs.push((1.0, 0.0));
    }
    for (ux, uy) in dirs {
        let (vx, vy) = (-uy, ux);
        let (mut amin, mut amax, mut bmin, mut bmax) = (f32::MAX, f32::MIN, f32::MAX, f32::MIN);
        for &(x, y) in h {
            let a = x * ux + y * uy;
            let b = x * vx + y * vy;
            amin = amin.min(a);
            amax = amax.max(a);
            bmin = bmin.min(b);
            bmax = bmax.max(b);
        }
        let area = (amax - amin) * (bmax - bmin);
        if best.as_ref().is_none_or(|(s, _)| area < *s) {
            let (ca, cb) = ((amin + amax) / 2.0, (bmin + bmax) / 2.0);
            let r = RotRect {
                cx: ca * ux + cb * vx,
                cy: ca * uy + cb * vy,
                ux,
                uy,
                half_w: (amax - amin) / 2.0,
                half_h: (bmax - bmin) / 2.0,
            };
            best = Some((area, r));
        }
    }
    best.map(|(_, r)| normalize(r))
}

/// Makes `u` the long axis and point right (or down when vertical).
fn normalize(mut r: RotRect) -> RotRect {
    if r.half_h > r.half_w {
        // Swap axes: the normal becomes the long axis.
        let (ux, uy) = (-r.uy, r.ux);
        r.ux = ux;
        r.uy = uy;
        std::mem::swap(&mut r.half_w, &mut r.half_h);
    }
    if r.ux < 0.0 || (r.ux == 0.0 && r.uy < 0.0) {
        r.ux = -r.ux;
        r.uy = -r.uy;
    }
    r
}

/// The colour of `img` at (`x`, `y`) (pixel centres at integers), interpolated between
/// the four nearest pixels; outside points take the nearest edge pixel. `w`, `h` are its size.
pub(crate) fn bilinear(img: &image::RgbImage, x: f32, y: f32, w: u32, h: u32) -> [u8; 3] {
    let x = x.clamp(0.0, (w - 1) as f32);
    let y = y.clamp(0.0, (h - 1) as f32);
    let (x0, y0) = (x.floor() as u32, y.floor() as u32);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (ax, ay) = (x - x0 as f32, y - y0 as f32);
    let (p00, p10) = (img.get_pixel(x0, y0).0, img.get_pixel(x1, y0).0);
    let (p01, p11) = (img.get_pixel(x0, y1).0, img.get_pixel(x1, y1).0);
    let mut o = [0u8; 3];
    for c in 0..3 {
        let top = p00[c] as f32 * (1.0 - ax) + p10[c] as f32 * ax;
        let bot = p01[c] as f32 * (1.0 - ax) + p11[c] as f32 * ax;
        o[c] = (top * (1.0 - ay) + bot * ay).round().clamp(0.0, 255.0) as u8;
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rect_of_an_axis_aligned_block() {
        let (w, h) = (20, 10);
        let mut mask = vec![false; w * h];
        for y in 2..5 {
            for x in 3..15 {
                mask[y * w + x] = true;
            }
        }
        let prob = vec![1.0; w * h];
        let regs = components(&mask, &prob, w, h, 10);
        assert_eq!(regs.len(), 1);
        assert_eq!(regs[0].pixels, 36);
        let mut pts = Vec::new();
        for &(y, a, b) in &regs[0].rows {
            for (x, yy) in [(a, y), (b + 1, y), (a, y + 1), (b + 1, y + 1)] {
                pts.push((x as f32, yy as f32));
            }
        }
        let r = min_area_rect(&hull(pts)).unwrap_or_else(|| unreachable!());
        assert!(
            (r.half_w - 6.0).abs() < 1e-3 && (r.half_h - 1.5).abs() < 1e-3,
            "{r:?}"
        );
        assert!(
            (r.cx - 9.0).abs() < 1e-3 && (r.cy - 3.5).abs() < 1e-3,
            "{r:?}"
        );
        let c = r.corners();
        assert!(
            (c[0].0 - 3.0).abs() < 1e-3 && (c[0].1 - 2.0).abs() < 1e-3,
            "{c:?}"
        );
    }

    #[test]
    fn rect_of_a_rotated_square_is_square() {
        let pts = vec![(5.0, 0.0), (10.0, 5.0), (5.0, 10.0), (0.0, 5.0)];
        let r = min_area_rect(&hull(pts)).unwrap_or_else(|| unreachable!());
        let side = 50f32.sqrt();
        assert!(
            (r.half_w * 2.0 - side).abs() < 1e-3 && (r.half_h * 2.0 - side).abs() < 1e-3,
            "{r:?}"
        );
    }

    #[test]
    fn components_are_separate() {
        let mask = [true, false, true, false, false, false, true, true, false];
        let prob = [1.0; 9];
        assert_eq!(components(&mask, &prob, 3, 3, 10).len(), 3);
        assert_eq!(components(&mask, &prob, 3, 3, 1).len(), 1);
    }
}
