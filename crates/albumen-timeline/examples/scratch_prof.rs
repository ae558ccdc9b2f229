use albumen_timeline::bench_data::mixed_items;
use albumen_timeline::*;
use std::time::Instant;
fn main() {
    let _ = ZoneFinder::global().map(|z| z.expand());
    let items = mixed_items(1_000_000, 7);
    for _ in 0..2 {
        let mut b = Builder::new(TimelineOptions::default());
        for (f, c) in &items {
            b.push(*f, (!c.is_empty()).then_some(*c));
        }
        let t = Instant::now();
        let tl = b.build();
        println!(
            "build: {:?} events {} trips {} clocks {}",
            t.elapsed(),
            tl.events.len(),
            tl.trips.len(),
            tl.clock_offsets.len()
        );
        for o in &tl.clock_offsets {
            println!(
                "{} {:?} items {}",
                tl.cameras[o.camera as usize],
                (
                    o.shift.shift_s,
                    o.shift.compared,
                    o.shift.matched,
                    o.shift.matched_unshifted,
                    o.shift.residual_s
                ),
                o.items.len()
            );
        }
    }
}
#[allow(dead_code)]
fn dummy() {}
