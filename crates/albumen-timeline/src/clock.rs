//! Camera clock offset detection: a camera whose clock is off (left on home time after a flight,
//! or drifted minutes) is found by comparing its wall times with those of reference devices
//! (phones: known zone, network time) shooting the same events.

use serde::Serialize;

/// Tuning of [`estimate_shift`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClockOptions {
    /// A camera item "matches" when a reference item is this close after shifting (seconds).
    pub tolerance_s: i64,
    /// Largest shift considered (seconds): a day and a bit covers any zone mistake.
    pub max_shift_s: i64,
    /// Shifts smaller than this are not worth proposing (seconds).
    pub min_shift_s: i64,
    /// Least number of matched items to propose anything.
    pub min_matches: usize,
}

impl Default for ClockOptions {
    fn default() -> Self {
        ClockOptions {
            tolerance_s: 5 * 60,
            max_shift_s: 26 * 3600,
            min_shift_s: 2 * 60,
            min_matches: 5,
        }
    }
}

/// An estimated clock shift: add `shift_s` to the camera's wall times to get true local time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClockShift {
    /// The shift, seconds.
    pub shift_s: i64,
    /// Camera items compared (those with a reference item within `max_shift_s`; an even sample
    /// of at most 16384).
    pub compared: usize,
    /// Camera items with a reference item within the tolerance after the shift.
    pub matched: usize,
    /// The same without any shift (the evidence against leaving the clock alone).
    pub matched_unshifted: usize,
    /// Median absolute residual of the matched pairs after the shift, seconds.
    pub residual_s: i64,
    /// A few matched pairs (index into the camera times, index into the reference times).
    pub pairs: Vec<(usize, usize)>,
}

fn nearest(sorted: &[i64], t: i64) -> Option<(usize, i64)> {
    let i = sorted.partition_point(|&x| x < t);
    let mut best: Option<(usize, i64)> = None;
    for j in [i.checked_sub(1), Some(i)].into_iter().flatten() {
        if let Some(&x) = sorted.get(j) {
            let d = x.saturating_sub(t);
            if best.is_none_or(|(_, b)| d.abs() < b.abs()) {
                best = Some((j, d));
            }
        }
    }
    best
}

/// How well camera times line up with reference times after a shift: each camera item scores
/// `1 - |d| / tol` for its nearest reference item at distance `d` (0 beyond `tol`), so the
/// shift that puts items right on top of each other wins over one that merely lands inside a
/// dense stretch of reference shooting.
fn soft_score(cam: &[i64], refs: &[i64], shift: i64, tol: i64) -> f64 {
    let tol = tol.max(1);
    cam.iter()
        .filter_map(|&c| nearest(refs, c.saturating_add(shift)))
        .map(|(_, d)| (1.0 - d.abs() as f64 / tol as f64).max(0.0))
        .sum()
}

/// Estimates the shift of a camera's clock from its wall times and reference wall times (both
/// sorted, seconds on the same local-time scale). `None` when there is no convincing shift.
///
/// Candidates are voted from the differences between camera items and the reference items
/// within `max_shift_s` (in 5-minute bins, each camera item voting once per bin); the 24 best
/// bins are scored by how tightly they line items up (each within `tolerance_s` scores `1 - d/tolerance_s`), and the winner is refined on a 15-second
/// grid around it. A shift is proposed only when it matches at least `min_matches` items (a
/// reference item within the tolerance), at least half of those compared, and aligns clearly
/// better (1.5× + 2) than no shift.
pub fn estimate_shift(cam: &[i64], refs: &[i64], opts: &ClockOptions) -> Option<ClockShift> {
    if cam.is_empty() || refs.is_empty() {
        return None;
    }
    const BIN: i64 = 300;
    // Bound the work: at most 256 camera items vote, each with at most 512 references; at most
    // 4096 camera items are scored.
    let step = cam.len().div_ceil(256).max(1);
    let mut votes: Vec<i64> = Vec::new();
    for &c in cam.iter().step_by(step) {
        let lo = refs.partition_point(|&r| r < c.saturating_sub(opts.max_shift_s));
        let hi = refs.partition_point(|&r| r <= c.saturating_add(opts.max_shift_s));
        let Some(window) = refs.get(lo..hi).filter(|w| !w.is_empty()) else {
            continue;
        };
        let stride = window.len().div_ceil(512).max(1);
        let mut bins: Vec<i64> = window
            .iter()
            .step_by(stride)
            .map(|&r| r.saturating_sub(c).div_euclid(BIN))
            .collect();
        bins.sort_unstable();
        bins.dedup();
        votes.extend(bins);
    }
    votes.sort_unstable();
    let mut tally: Vec<(usize, i64)> = votes
        .chunk_by(|a, b| a == b)
        .map(|g| (g.len(), g[0]))
        .collect();
    tally.sort_unstable_by(|a, b| b.cmp(a));
    // Statistics are taken on an even sample of at most 16384 camera items (all of them in any
    // real collection of one camera; this bounds a synthetic million).
    let eligible: Vec<i64> = cam
        .iter()
        .copied()
        .step_by(cam.len().div_ceil(16_384).max(1))
        .filter(|&c| nearest(refs, c).is_some_and(|(_, d)| d.abs() <= opts.max_shift_s))
        .collect();
    let compared = eligible.len();
    let sample: Vec<i64> = eligible
        .iter()
        .copied()
        .step_by(eligible.len().div_ceil(4096).max(1))
        .collect();
    let tol = opts.tolerance_s;
    let mut best: Option<(f64, i64)> = None;
    let consider = |s: i64, best: &mut Option<(f64, i64)>| {
        let sc = soft_score(&sample, refs, s, tol);
        if best.is_none_or(|(b, bs)| sc > b || (sc == b && s.abs() < bs.abs())) {
            *best = Some((sc, s));
        }
    };
    for &(_, bin) in tally.iter().take(24) {
        for k in 0..4 {
            consider(bin * BIN + k * BIN / 4, &mut best);
        }
    }
    let (_, coarse) = best?;
    for k in -30..=30 {
        consider(coarse + k * 15, &mut best);
    }
    let (score, shift) = best?;
    let score0 = soft_score(&sample, refs, 0, tol);
    let mut pairs = Vec::new();
    let mut abs_res = Vec::new();
    for &c in &eligible {
        if let Some((j, d)) = nearest(refs, c.saturating_add(shift)) {
            if d.abs() <= tol {
                abs_res.push(d.abs());
                if pairs.len() < 5 {
                    if let Ok(i) = cam.binary_search(&c) {
                        pairs.push((i, j));
                    }
                }
            }
        }
    }
    abs_res.sort_unstable();
    let matched = abs_res.len();
    let matched_unshifted = eligible
        .iter()
        .filter(|&&c| nearest(refs, c).is_some_and(|(_, d)| d.abs() <= tol))
        .count();
    // Without a shift, how far is each camera item from the nearest reference item?
    let mut d0: Vec<i64> = eligible
        .iter()
        .filter_map(|&c| nearest(refs, c).map(|(_, d)| d.abs()))
        .collect();
    d0.sort_unstable();
    let median0 = d0.get(d0.len() / 2).copied().unwrap_or(i64::MAX);
    let residual = abs_res.get(abs_res.len() / 2).copied().unwrap_or(0);
    // Two devices used in turn at the same events interleave: no shift then leaves each camera
    // item a little away from the phone's, and any shift of a few minutes lines up about as
    // well by chance. So a shift is proposed when the clock is clearly wrong without it (most
    // items unmatched: a zone mistake), or when it lines the items up far more tightly than
    // they were (a drift of minutes, seen on photos taken at the same moments).
    let misaligned = matched_unshifted * 2 < compared;
    let tighter = residual.saturating_mul(4) <= median0;
    let convincing = shift.abs() >= opts.min_shift_s
        && matched >= opts.min_matches
        && matched * 2 >= compared
        && score >= score0 * 1.5 + 2.0
        && (misaligned || tighter);
    convincing.then_some(ClockShift {
        shift_s: shift,
        compared,
        matched,
        matched_unshifted,
        residual_s: residual,
        pairs,
    })
}

/// `+HH:MM:SS` / `-HH:MM:SS`, the form `albumen edit --shift-time` takes.
pub fn format_shift(s: i64) -> String {
    let sign = if s < 0 { '-' } else { '+' };
    let a = s.unsigned_abs();
    format!("{sign}{:02}:{:02}:{:02}", a / 3600, a / 60 % 60, a % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Phone photos at a few events (irregular moments); a camera shooting most of the same
    /// moments (a few seconds apart) plus its own, with its clock `off` seconds wrong.
    fn scene(off: i64) -> (Vec<i64>, Vec<i64>) {
        let mut phone = Vec::new();
        let mut cam = Vec::new();
        let mut x: i64 = 12345;
        let mut rnd = |m: i64| {
            x = (x * 1103515245 + 12345) % 2147483648;
            x % m
        };
        for e in 0..8i64 {
            let mut t = e * 86_400 + 10 * 3600;
            for _ in 0..15 {
                t += 30 + rnd(900);
                phone.push(t);
                if rnd(3) > 0 {
                    cam.push(t + rnd(40) - 20 - off);
                }
                if rnd(4) == 0 {
                    cam.push(t + 200 + rnd(100) - off);
                }
            }
        }
        phone.sort_unstable();
        cam.sort_unstable();
        (cam, phone)
    }

    #[test]
    fn camera_left_on_home_time() {
        let (cam, phone) = scene(7 * 3600);
        let s = estimate_shift(&cam, &phone, &ClockOptions::default()).unwrap();
        assert!((s.shift_s - 7 * 3600).abs() <= 30, "{s:?}");
        assert!(s.matched > s.matched_unshifted);
        assert_eq!(format_shift(s.shift_s)[..3].to_string(), "+07");
    }

    #[test]
    fn drifted_minutes_and_negative_shift() {
        let (cam, phone) = scene(-23 * 60);
        let s = estimate_shift(&cam, &phone, &ClockOptions::default()).unwrap();
        assert!((s.shift_s + 23 * 60).abs() <= 30, "{s:?}");
    }

    #[test]
    fn a_right_clock_gets_no_proposal() {
        let (cam, phone) = scene(0);
        assert_eq!(estimate_shift(&cam, &phone, &ClockOptions::default()), None);
    }

    #[test]
    fn unrelated_shooting_gets_no_proposal() {
        let phone: Vec<i64> = (0..50).map(|i| i * 86_400 + 9 * 3600).collect();
        let cam: Vec<i64> = (0..20)
            .map(|i| i * 86_400 * 3 + 40 * 86_400 + 15 * 3600)
            .collect();
        let cam: Vec<i64> = cam.into_iter().map(|c| c + 5 * 86_400 * 10).collect();
        assert_eq!(estimate_shift(&cam, &phone, &ClockOptions::default()), None);
    }

    #[test]
    fn devices_used_in_turn_get_no_proposal() {
        // One photographer alternating between phone and camera, both clocks right: each
        // camera shot sits between phone shots, and small shifts line up about as well.
        let mut phone = Vec::new();
        let mut cam = Vec::new();
        let mut t = 0i64;
        let mut x: u64 = 99;
        for _ in 0..5000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            t += (x >> 33) as i64 % 600;
            if (x >> 20).is_multiple_of(5) {
                cam.push(t);
            } else {
                phone.push(t);
            }
        }
        assert_eq!(estimate_shift(&cam, &phone, &ClockOptions::default()), None);
    }

    #[test]
    fn shift_format() {
        assert_eq!(format_shift(-(3600 + 61)), "-01:01:01");
        assert_eq!(format_shift(7 * 3600), "+07:00:00");
    }
}
