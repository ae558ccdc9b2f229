#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `scan_positions` on the shared corpus agrees with exiftool's `oracle.json` on which files have
//! a GPS position and where (skipped, with the reason printed, when the corpus is absent).

use std::collections::HashMap;
use std::path::PathBuf;

fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("ALBUMEN_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
        });
    dir.join("oracle.json").is_file().then_some(dir)
}

#[test]
fn positions_match_exiftool() {
    let Some(dir) = corpus() else {
        println!("skipped: no corpus (set ALBUMEN_CORPUS or put it at ../shared/corpus)");
        return;
    };
    let oracle: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(dir.join("oracle.json")).unwrap()).unwrap();
    let mut want: HashMap<String, (f64, f64)> = HashMap::new();
    for o in &oracle {
        let (Some(lat), Some(lon)) = (
            o.get("Composite:GPSLatitude").and_then(|v| v.as_f64()),
            o.get("Composite:GPSLongitude").and_then(|v| v.as_f64()),
        ) else {
            continue;
        };
        if lat == 0.0 && lon == 0.0 {
            continue;
        }
        let file = o["SourceFile"].as_str().unwrap().to_string();
        want.insert(file, (lat, lon));
    }
    let scan = albumen_geo::scan_positions(std::slice::from_ref(&dir)).unwrap();
    let mut matched = 0;
    for f in &scan.files {
        let rel = f
            .path
            .strip_prefix(&dir)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let key = want
            .keys()
            .find(|k| k.ends_with(&rel))
            .cloned()
            .unwrap_or_else(|| panic!("{rel}: position {},{} not in oracle", f.lat, f.lon));
        let (lat, lon) = want[&key];
        let d = albumen_geo::distance_m((lat, lon), (f.lat, f.lon));
        assert!(d < 1.0, "{rel}: {d} m from exiftool's position");
        matched += 1;
    }
    println!(
        "{matched} positions agree with exiftool (oracle has {}); {} without, {} not media, {} unreadable",
        want.len(),
        scan.without_position,
        scan.not_media,
        scan.unreadable.len()
    );
    assert_eq!(matched, want.len());
    // Every position names a place or is knowingly at sea.
    for f in &scan.files {
        let p = albumen_geo::reverse_geocode(f.lat, f.lon);
        println!(
            "{}: {:?}",
            f.path.display(),
            p.map(|p| (p.city, p.country_code))
        );
    }
}
