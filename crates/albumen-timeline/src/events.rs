//! Event ("moment") segmentation: adaptive time gaps plus distance travelled.

use crate::geo::haversine_km;

/// How a sequence of items is cut into events.
///
/// A gap between two consecutive items (sorted by UTC) is a boundary when:
/// - it is at least [`max_gap_s`](Self::max_gap_s) (a night, a quiet day), or
/// - it is at least [`min_gap_s`](Self::min_gap_s) and its logarithm exceeds the mean
///   logarithm of the gaps around it (±[`window`](Self::window) gaps) by
///   [`log_factor`](Self::log_factor) — the adaptive rule of Platt et al.'s PhotoTOC (2002):
///   an hour's pause splits a burst-a-minute party but not a walk shot every half hour, or
/// - the two items' GPS positions (the last known within the event) are more than
///   [`split_km`](Self::split_km) apart.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct EventOptions {
    /// Gaps never split below this (seconds).
    pub min_gap_s: i64,
    /// Gaps always split at or above this (seconds).
    pub max_gap_s: i64,
    /// Half-width of the window of neighbouring gaps, in gaps.
    pub window: usize,
    /// `ln` of how many times longer than its neighbours (geometric mean) a gap must be.
    pub log_factor: f64,
    /// Distance between consecutive located items that always splits (km).
    pub split_km: f64,
}

impl Default for EventOptions {
    fn default() -> Self {
        EventOptions {
            min_gap_s: 45 * 60,
            max_gap_s: 6 * 3600,
            window: 10,
            log_factor: 17f64.ln(),
            split_km: 25.0,
        }
    }
}

impl EventOptions {
    /// Sets the minimum gap (seconds).
    pub fn min_gap_s(mut self, s: i64) -> Self {
        self.min_gap_s = s;
        self
    }
    /// Sets the maximum gap (seconds).
    pub fn max_gap_s(mut self, s: i64) -> Self {
        self.max_gap_s = s;
        self
    }
    /// Sets the split distance (km).
    pub fn split_km(mut self, km: f64) -> Self {
        self.split_km = km;
        self
    }
}

/// Event boundaries of items sorted by time: the indices `i` (≥ 1) where a new event starts.
///
/// `times` are seconds (any epoch), ascending; `gps` is empty or as long as `times`.
pub fn segment(times: &[i64], gps: &[Option<(f64, f64)>], opts: &EventOptions) -> Vec<usize> {
    let n = times.len();
    if n < 2 {
        return Vec::new();
    }
    let gaps: Vec<i64> = times
        .windows(2)
        .map(|w| w[1].saturating_sub(w[0]).max(0))
        .collect();
    // ln(gap + 1), with a prefix sum for window means in O(1).
    let mut prefix = Vec::with_capacity(gaps.len() + 1);
    prefix.push(0.0f64);
    let mut acc = 0.0;
    for g in &gaps {
        acc += ((*g as f64) + 1.0).ln();
        prefix.push(acc);
    }
    let last = gaps.len() - 1;
    let mut out = Vec::new();
    let mut anchor: Option<(f64, f64)> = gps.first().copied().flatten();
    for (i, &g) in gaps.iter().enumerate() {
        let lo = i.saturating_sub(opts.window);
        let hi = (i + opts.window).min(last);
        let mean = (prefix[hi + 1] - prefix[lo]) / ((hi - lo + 1) as f64);
        let lg = ((g as f64) + 1.0).ln();
        let mut cut = g >= opts.max_gap_s || (g >= opts.min_gap_s && lg >= opts.log_factor + mean);
        let next = gps.get(i + 1).copied().flatten();
        if !cut {
            if let (Some(a), Some(b)) = (anchor, next) {
                cut = haversine_km(a, b) > opts.split_km;
            }
        }
        if cut {
            out.push(i + 1);
            anchor = next;
        } else if next.is_some() {
            anchor = next;
        }
    }
    out
}

/// The fixed-gap baseline: a boundary wherever two consecutive items are at least `gap_s` apart.
pub fn segment_fixed_gap(times: &[i64], gap_s: i64) -> Vec<usize> {
    times
        .windows(2)
        .enumerate()
        .filter(|(_, w)| w[1].saturating_sub(w[0]) >= gap_s)
        .map(|(i, _)| i + 1)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pause_splits_a_dense_party_but_not_a_sparse_walk() {
        let o = EventOptions::default();
        // A party: a photo a minute for an hour, a 50-minute pause, another hour.
        let mut party: Vec<i64> = (0..60).map(|i| i * 60).collect();
        party.extend((0..60).map(|i| 3600 + 3000 + i * 60));
        assert_eq!(segment(&party, &[], &o), vec![60]);
        // A walk: a photo every 45-60 minutes for a day: one event (a fixed 45-minute gap would
        // cut it everywhere).
        let walk: Vec<i64> = (0..12).map(|i| i * 3000 + (i % 2) * 120).collect();
        assert_eq!(segment_fixed_gap(&walk, 45 * 60).len(), 11);
        assert!(segment(&walk, &[], &o).is_empty());
    }

    #[test]
    fn nights_always_split() {
        let o = EventOptions::default();
        let t = vec![0, 600, 1200, 1200 + 7 * 3600, 1200 + 7 * 3600 + 60];
        assert_eq!(segment(&t, &[], &o), vec![3]);
    }

    #[test]
    fn distance_splits_without_a_gap() {
        let o = EventOptions::default();
        let t = vec![0, 300, 600, 900];
        let g = vec![
            Some((48.85, 2.35)),
            None,
            Some((48.86, 2.36)),
            Some((49.40, 2.80)),
        ];
        assert_eq!(segment(&t, &g, &o), vec![3]);
    }

    #[test]
    fn fixed_gap_baseline() {
        assert_eq!(segment_fixed_gap(&[0, 10, 5000, 5001], 3600), vec![2]);
    }
}
