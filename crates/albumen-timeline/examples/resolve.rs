//! Prints the resolved capture time of each file given: `cargo run -p albumen-timeline --example
//! resolve -- FILES...`.
use albumen_timeline::{resolve, ResolveOptions};

fn main() {
    let opts = ResolveOptions::default();
    for p in std::env::args_os().skip(1) {
        let mtime = std::fs::metadata(&p).and_then(|m| m.modified()).ok();
        match albumen_meta::read_path(&p) {
            Ok(m) => {
                let t = resolve(&m, mtime, &opts);
                let json = serde_json::to_string(&t).unwrap_or_default();
                println!("{}\t{json}", p.to_string_lossy());
            }
            Err(e) => println!("{}\terror: {e}", p.to_string_lossy()),
        }
    }
}
