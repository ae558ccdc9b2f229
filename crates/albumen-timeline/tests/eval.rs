//! Holds a floor under the event-segmentation evaluation (prints the table; see
//! `examples/eval.rs` for the full run).

use albumen_timeline::eval::evaluate;

#[test]
fn segmentation_beats_a_floor_and_stays_near_the_best_fixed_gap() {
    let r = evaluate(&[201, 202, 203]);
    for row in &r.rows {
        let s = row.score;
        println!(
            "{:<40} P {:.3} R {:.3} F1 {:.3}",
            row.method, s.precision, s.recall, s.f1
        );
    }
    println!(
        "off {} found {} wrong {} exact {} exact2 {}/{}",
        r.clock_off_items,
        r.clock_found_items,
        r.clock_wrong_items,
        r.resolved_exactly,
        r.resolved_exactly_after_shift,
        r.items
    );
    let ours = r.rows[0].score;
    assert!(
        ours.f1 >= 0.90 && ours.precision >= 0.90 && ours.recall >= 0.90,
        "{ours:?}"
    );
    let best_fixed = r
        .rows
        .iter()
        .filter(|r| r.method.starts_with("fixed"))
        .map(|r| r.score.f1)
        .fold(0.0, f64::max);
    assert!(
        ours.f1 >= best_fixed - 0.02,
        "{ours:?} vs best fixed {best_fixed}"
    );
    // Camera items without zone get their neighbours' zone and the camera left on home time is
    // caught: every instant right.
    assert!(
        r.resolved_exactly_after_shift * 100 >= r.items * 99,
        "{}/{}",
        r.resolved_exactly_after_shift,
        r.items
    );
    assert!(r.clock_found_items * 10 >= r.clock_off_items * 9, "{r:?}");
    assert_eq!(r.clock_wrong_items, 0);
}
