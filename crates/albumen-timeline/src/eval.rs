//! The event-segmentation evaluation on [`crate::synth`] years, shared by `examples/eval.rs` and
//! the test that holds a floor under it.

use crate::events::{segment, segment_fixed_gap, EventOptions};
use crate::synth::{boundary_score, ids_from_boundaries, synthetic_year, Score, SynthItem};
use crate::{Builder, Timeline, TimelineOptions};

/// One row of the evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// What was run.
    pub method: String,
    /// Mean score over the seeds.
    pub score: Score,
}

/// The result of [`evaluate`].
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Items over all seeds.
    pub items: usize,
    /// True events over all seeds.
    pub events: usize,
    /// Items whose resolved instant is the true one (to the second), clock shifts not applied.
    pub resolved_exactly: usize,
    /// The same with the proposed camera clock shifts applied (the timeline's default).
    pub resolved_exactly_after_shift: usize,
    /// Camera items whose clock was off (left on home time on the Tokyo trip).
    pub clock_off_items: usize,
    /// Of those, items covered by a proposed shift within 10 minutes of the truth.
    pub clock_found_items: usize,
    /// Items wrongly covered by a proposed shift (clock was right, or shift wrong).
    pub clock_wrong_items: usize,
    /// Rows: the timeline's segmentation first, then ablations and the fixed-gap baselines.
    pub rows: Vec<Row>,
}

fn mean(scores: &[Score]) -> Score {
    let n = scores.len().max(1) as f64;
    Score {
        precision: scores.iter().map(|s| s.precision).sum::<f64>() / n,
        recall: scores.iter().map(|s| s.recall).sum::<f64>() / n,
        f1: scores.iter().map(|s| s.f1).sum::<f64>() / n,
        events: scores.iter().map(|s| s.events).sum(),
    }
}

/// Predicted event id of each item (in the synthetic, true-time order) from cuts made on the
/// timeline's order.
fn ids_in_truth_order(tl: &Timeline, cuts: &[usize]) -> Vec<u32> {
    let by_order = ids_from_boundaries(tl.order.len(), cuts);
    let mut ids = vec![u32::MAX; tl.entries.len()];
    for (pos, &item) in tl.order.iter().enumerate() {
        if let (Some(slot), Some(&id)) = (ids.get_mut(item as usize), by_order.get(pos)) {
            *slot = id;
        }
    }
    ids
}

/// Runs the evaluation over `seeds` synthetic years.
pub fn evaluate(seeds: &[u64]) -> Report {
    let fixed_gaps = [30 * 60, 45 * 60, 3600, 90 * 60, 2 * 3600];
    let mut per_method: Vec<(String, Vec<Score>)> = Vec::new();
    let mut push = |name: String, s: Score| match per_method.iter_mut().find(|(n, _)| *n == name) {
        Some((_, v)) => v.push(s),
        None => per_method.push((name, vec![s])),
    };
    let (mut items, mut events, mut exact, mut exact2) = (0, 0, 0, 0);
    let (mut off_items, mut found_items, mut wrong_items) = (0, 0, 0);
    for &seed in seeds {
        let year: Vec<SynthItem> = synthetic_year(seed, 2024);
        let truth: Vec<u32> = year.iter().map(|i| i.event).collect();
        items += year.len();
        events += {
            let mut t = truth.clone();
            t.dedup();
            t.len()
        };
        let mut b = Builder::new(TimelineOptions::default().apply_clock_shifts(false));
        for it in &year {
            b.push(it.facts, Some(it.camera));
        }
        let tl = b.build();
        exact += tl
            .entries
            .iter()
            .zip(&year)
            .filter(|(e, y)| e.time.is_some_and(|t| t.utc == y.utc))
            .count();
        // Clock detection: which items the proposed shifts cover, and with what shift.
        let mut covered = vec![None; year.len()];
        for o in &tl.clock_offsets {
            for &i in &o.items {
                if let Some(c) = covered.get_mut(i) {
                    *c = Some(o.shift.shift_s);
                }
            }
        }
        for (i, y) in year.iter().enumerate() {
            // Off items: camera items of the Tokyo trip (their wall time is 7 h behind the
            // local time their phone neighbours show).
            let off = y.camera == crate::synth::CAMERA && y.off_clock_s != 0;
            if off {
                off_items += 1;
            }
            match covered.get(i).copied().flatten() {
                Some(s) if off && (s - y.off_clock_s).abs() <= 600 => found_items += 1,
                Some(_) => wrong_items += 1,
                None => {}
            }
        }
        // The timeline as built by default: the proposed shifts applied.
        let mut b2 = Builder::new(TimelineOptions::default());
        for it in &year {
            b2.push(it.facts, Some(it.camera));
        }
        let tl2 = b2.build();
        exact2 += tl2
            .entries
            .iter()
            .zip(&year)
            .filter(|(e, y)| e.time.is_some_and(|t| t.utc == y.utc))
            .count();
        // The timeline's own events (clock shifts applied, the default).
        let cuts2: Vec<usize> = tl2.events.iter().skip(1).map(|e| e.first).collect();
        push(
            "adaptive gap + distance (timeline)".into(),
            boundary_score(&truth, &ids_in_truth_order(&tl2, &cuts2)),
        );
        let cuts: Vec<usize> = tl.events.iter().skip(1).map(|e| e.first).collect();
        push(
            "  same, clock shifts not applied".into(),
            boundary_score(&truth, &ids_in_truth_order(&tl, &cuts)),
        );
        // Ablations and baselines on the same (shift-applied) times.
        let tl = tl2;
        let ts: Vec<i64> = tl
            .order
            .iter()
            .map(|&i| {
                tl.entries
                    .get(i as usize)
                    .and_then(|e| e.time)
                    .map_or(0, |t| t.utc.timestamp())
            })
            .collect();
        let gps: Vec<Option<(f64, f64)>> = tl
            .order
            .iter()
            .map(|&i| tl.entries.get(i as usize).and_then(|e| e.gps))
            .collect();
        let no_dist = EventOptions::default().split_km(f64::INFINITY);
        push(
            "adaptive gap only (no distance)".into(),
            boundary_score(
                &truth,
                &ids_in_truth_order(&tl, &segment(&ts, &gps, &no_dist)),
            ),
        );
        for g in fixed_gaps {
            push(
                format!("fixed gap {} min (baseline)", g / 60),
                boundary_score(&truth, &ids_in_truth_order(&tl, &segment_fixed_gap(&ts, g))),
            );
        }
    }
    Report {
        items,
        events,
        resolved_exactly: exact,
        resolved_exactly_after_shift: exact2,
        clock_off_items: off_items,
        clock_found_items: found_items,
        clock_wrong_items: wrong_items,
        rows: per_method
            .into_iter()
            .map(|(method, v)| Row {
                method,
                score: mean(&v),
            })
            .collect(),
    }
}
