//! Issue 26 bench: decode one HEIC with one of the candidate pure-Rust decoders, write a PPM.
//! `heif-decoders heifer|heifer-raw|heic-rs|heic-decoder IN OUT.ppm` (see benches/heif-decoders.sh).
use std::io::Write;
fn ppm(path: &str, w: usize, h: usize, ch: usize, data: &[u8]) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    write!(f, "P6\n{w} {h}\n255\n").unwrap();
    for px in data.chunks(ch) { f.write_all(&px[..3]).unwrap(); }
}
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let (which, inp, out) = (&a[1], &a[2], &a[3]);
    let bytes = std::fs::read(inp).unwrap();
    let t = std::time::Instant::now();
    let r: Result<(usize, usize, usize, Vec<u8>), String> = match which.as_str() {
        "heifer" => heifer::decode_srgb_rgba8(&bytes, &heifer::Options::default()).map(|i| (i.width as usize, i.height as usize, 4, i.data)).map_err(|e| e.to_string()),
        "heifer-raw" => heifer::decode_rgba8(&bytes, &heifer::Options::default()).map(|i| (i.width as usize, i.height as usize, 4, i.data)).map_err(|e| e.to_string()),
        "heic-rs" => heic_rs::decode(&bytes, &heic_rs::DecodeOptions::default().with_layout(heic_rs::PixelLayout::Rgb8)).map(|i| (i.width as usize, i.height as usize, 3, i.data)).map_err(|e| e.to_string()),
        "heic-decoder" => heic_decoder::decode(&bytes).map_err(|e| e.to_string()).and_then(|i| i.to_rgb8().map_err(|e| e.to_string())).map(|i| (i.width, i.height, 3, i.data)),
        _ => panic!(),
    };
    let el = t.elapsed().as_secs_f64();
    match r {
        Ok((w, h, ch, d)) => { ppm(out, w, h, ch, &d); println!("ok {w}x{h} {el:.3}s"); }
        Err(e) => { println!("err {e}"); std::process::exit(1) }
    }
}
