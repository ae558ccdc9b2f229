//! `albumen map` (clusters as GeoJSON) and `albumen places` (place names with counts).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use albumen_geo::{Bbox, ClusterIndex, GeoScan, Place};
use serde_json::{json, Value};

/// Arguments of `albumen map`.
#[derive(clap::Args, Debug)]
pub struct MapArgs {
    /// Folders (or files) to read positions from.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Web-map zoom level, 0 (world) to 20 (street).
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=20))]
    pub zoom: u8,
    /// Only clusters whose centre is inside WEST,SOUTH,EAST,NORTH (degrees; WEST > EAST crosses
    /// the antimeridian).
    #[arg(long, value_parser = parse_bbox, allow_hyphen_values = true)]
    pub bbox: Option<Bbox>,
}

/// Arguments of `albumen places`.
#[derive(clap::Args, Debug)]
pub struct PlacesArgs {
    /// Folders (or files) to read positions from.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Print JSON: an array of `{"place": {...} | null, "count": N, "example": PATH}`.
    #[arg(long)]
    pub json: bool,
}

fn parse_bbox(s: &str) -> Result<Bbox, String> {
    let v: Vec<f64> = s
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("expected WEST,SOUTH,EAST,NORTH: {e}"))?;
    match v.as_slice() {
        [w, s, e, n] => Bbox::new(*w, *s, *e, *n).map_err(|e| e.to_string()),
        _ => Err("expected four numbers WEST,SOUTH,EAST,NORTH".into()),
    }
}

/// Reads the positions and reports unreadable files on stderr (one line each).
fn scan(paths: &[PathBuf]) -> anyhow::Result<GeoScan> {
    let scan = albumen_geo::scan_positions(paths)?;
    for (p, e) in &scan.unreadable {
        eprintln!("albumen: {}: {e}", p.display());
    }
    Ok(scan)
}

fn status(scan: &GeoScan) -> ExitCode {
    if scan.unreadable.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Runs `map`.
pub fn run_map(args: MapArgs) -> anyhow::Result<ExitCode> {
    let scan = scan(&args.paths)?;
    let points: Vec<(f64, f64)> = scan.files.iter().map(|f| (f.lat, f.lon)).collect();
    let index = ClusterIndex::build(&points)?;
    let mut clusters = index.clusters_merged(args.bbox.unwrap_or(Bbox::WORLD), args.zoom)?;
    clusters.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(a.representative.cmp(&b.representative))
    });
    let features: Vec<Value> = clusters
        .iter()
        .map(|c| {
            let path = scan
                .files
                .get(c.representative as usize)
                .map(|f| f.path.to_string_lossy().into_owned());
            json!({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round6(c.lon), round6(c.lat)]},
                "properties": {"count": c.count, "path": path, "h3": c.cell.to_string()},
            })
        })
        .collect();
    let fc = json!({"type": "FeatureCollection", "features": features});
    println!("{}", serde_json::to_string_pretty(&fc)?);
    Ok(status(&scan))
}

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// Runs `places`.
pub fn run_places(args: PlacesArgs) -> anyhow::Result<ExitCode> {
    let scan = scan(&args.paths)?;
    // Place (None = open sea) -> (count, first path).
    let mut counts: BTreeMap<Option<Place>, (u64, PathBuf)> = BTreeMap::new();
    for f in &scan.files {
        let place = albumen_geo::reverse_geocode(f.lat, f.lon);
        counts
            .entry(place)
            .and_modify(|e| e.0 += 1)
            .or_insert((1, f.path.clone()));
    }
    let mut rows: Vec<(Option<Place>, u64, PathBuf)> =
        counts.into_iter().map(|(p, (n, e))| (p, n, e)).collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    if args.json {
        let v: Vec<Value> = rows
            .iter()
            .map(|(p, n, e)| json!({"place": p, "count": n, "example": e.to_string_lossy()}))
            .collect();
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        for (p, n, _) in &rows {
            let name = match p {
                Some(p) => {
                    let parts: Vec<&str> = [p.city.as_deref(), p.region.as_deref()]
                        .into_iter()
                        .flatten()
                        .chain([p.country.as_str()])
                        .collect();
                    format!("{} ({})", parts.join(", "), p.country_code)
                }
                None => "(open sea: no place)".to_string(),
            };
            println!("{n:>7}  {name}");
        }
        println!(
            "{} with a position, {} without, {} not media, {} unreadable",
            scan.files.len(),
            scan.without_position,
            scan.not_media,
            scan.unreadable.len()
        );
    }
    Ok(status(&scan))
}
