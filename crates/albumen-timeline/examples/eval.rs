//! Event segmentation on labelled synthetic years vs fixed-gap baselines:
//! `cargo run --release -p albumen-timeline --example eval [N]` (seeds 101..=100+N; the
//! defaults of `EventOptions` were chosen on seeds 1..=8, so these are held out).
use albumen_timeline::eval::evaluate;

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let seeds: Vec<u64> = (101..=100 + n).collect();
    let t = std::time::Instant::now();
    let r = evaluate(&seeds);
    println!(
        "{} synthetic years: {} items, {} true events; resolved instant exact for {:.1}% of items before clock shifts",
        seeds.len(),
        r.items,
        r.events,
        100.0 * r.resolved_exactly as f64 / r.items.max(1) as f64
    );
    println!(
        "camera clock left on home time (Tokyo trip): {} items; proposed shift (within 10 min) covers {}, wrongly covers {}; instant exact with shifts applied: {:.1}%",
        r.clock_off_items,
        r.clock_found_items,
        r.clock_wrong_items,
        100.0 * r.resolved_exactly_after_shift as f64 / r.items.max(1) as f64
    );
    println!(
        "{:<40} {:>9} {:>7} {:>6} {:>8}",
        "method", "precision", "recall", "F1", "events"
    );
    for row in &r.rows {
        let s = row.score;
        println!(
            "{:<40} {:>9.3} {:>7.3} {:>6.3} {:>8}",
            row.method, s.precision, s.recall, s.f1, s.events
        );
    }
    println!("({:.2} s)", t.elapsed().as_secs_f64());
}
