//! `albumen timeline`: years / months / days with counts, events with places, trips, and camera
//! clocks that look off (with the `albumen edit --shift-time` that would fix them, as a dry run).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use albumen_timeline::resolve::{format_naive, MovieHeaderPolicy};
use albumen_timeline::scan::scan;
use albumen_timeline::{
    clock, zone, Builder, Event, PlaceNamer, ResolveOptions, Timeline, TimelineOptions,
};
use anyhow::{anyhow, Context};
use serde_json::{json, Value};

/// Arguments of `albumen timeline`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Files or folders (walked recursively; hidden entries skipped, folder links not followed).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// IANA zone assumed for times with no other evidence (e.g. Europe/Paris).
    #[arg(long, value_name = "ZONE")]
    pub home_zone: Option<String>,
    /// Home location for trips (default: the place seen on the most days).
    #[arg(long, value_name = "LAT,LON", allow_hyphen_values = true)]
    pub home: Option<String>,
    /// Read every QuickTime movie-header time as UTC (default: per make/model).
    #[arg(long, conflicts_with = "quicktime_local")]
    pub quicktime_utc: bool,
    /// Read every QuickTime movie-header time as local wall time.
    #[arg(long)]
    pub quicktime_local: bool,
    /// Text output: list the days of each month (default: months only, with their events).
    #[arg(long)]
    pub days: bool,
}

/// `writeln!` into a `String` (which cannot fail).
macro_rules! outln {
    ($out:expr, $($arg:tt)*) => {{
        let _ = writeln!($out, $($arg)*);
    }};
}

/// Writes to stdout; a closed pipe (`| head`) ends the output quietly.
fn write_stdout(s: &str) -> anyhow::Result<()> {
    let mut o = std::io::stdout().lock();
    match o.write_all(s.as_bytes()).and_then(|()| o.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => Ok(r?),
    }
}

fn parse_home(s: &str) -> anyhow::Result<(f64, f64)> {
    let (a, b) = s
        .split_once(',')
        .ok_or_else(|| anyhow!("bad --home {s:?} (expected LAT,LON)"))?;
    let lat: f64 = a
        .trim()
        .parse()
        .with_context(|| format!("bad latitude in {s:?}"))?;
    let lon: f64 = b
        .trim()
        .parse()
        .with_context(|| format!("bad longitude in {s:?}"))?;
    albumen_meta::GpsPosition::new(lat, lon, None)
        .map(|p| (p.lat, p.lon))
        .ok_or_else(|| anyhow!("--home {s:?} is not a valid position"))
}

/// Place names from `albumen-geo` ("Kyoto, Japan"), else the zone's city.
struct GeoNamer;

impl PlaceNamer for GeoNamer {
    fn name(&self, lat: f64, lon: f64) -> Option<String> {
        match albumen_geo::reverse_geocode(lat, lon) {
            Some(p) => Some(match p.city {
                Some(c) => format!("{c}, {}", p.country),
                None => p.country,
            }),
            None => albumen_timeline::ZoneCityNamer.name(lat, lon),
        }
    }
}

fn path_str(tl_paths: &[PathBuf], i: usize) -> String {
    tl_paths
        .get(i)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn event_json(tl: &Timeline, e: &Event, paths: &[PathBuf]) -> Value {
    json!({
        "title": e.title(),
        "start": format!("{}Z", format_naive(e.start.naive_utc())),
        "end": format!("{}Z", format_naive(e.end.naive_utc())),
        "start_local": format_naive(e.start_local),
        "end_local": format_naive(e.end_local),
        "zone": e.zone.map(|z| z.name()),
        "place": e.place,
        "centre": e.centre.map(|(lat, lon)| json!({"lat": lat, "lon": lon})),
        "count": e.len,
        "files": tl.event_items(e).iter().map(|&i| path_str(paths, i as usize)).collect::<Vec<_>>(),
    })
}

fn shift_command(shift: &str, files: &[String]) -> String {
    let quoted: Vec<String> = files
        .iter()
        .map(|f| {
            if f.chars()
                .all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c))
            {
                f.clone()
            } else {
                format!("'{}'", f.replace('\'', r"'\''"))
            }
        })
        .collect();
    format!(
        "albumen edit --shift-time {shift} --dry-run {}",
        quoted.join(" ")
    )
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut ropts = ResolveOptions::default();
    if let Some(z) = &args.home_zone {
        ropts = ropts.home_zone(Some(zone::parse_zone(z)?));
    }
    if args.quicktime_utc {
        ropts = ropts.movie_header(MovieHeaderPolicy::Utc);
    } else if args.quicktime_local {
        ropts = ropts.movie_header(MovieHeaderPolicy::Local);
    }
    let home = args.home.as_deref().map(parse_home).transpose()?;
    let opts = TimelineOptions::default().resolve(ropts).home(home);

    let s = scan(&args.paths);
    for (p, e) in &s.errors {
        eprintln!("albumen: {}: {e}", p.display());
    }
    let mut b = Builder::new(opts);
    let mut paths = Vec::with_capacity(s.files.len());
    for f in &s.files {
        b.push(f.facts, f.camera.as_deref());
        paths.push(f.path.clone());
    }
    let mut tl = b.build();
    tl.name_places(&GeoNamer);

    if args.json {
        print_json(&tl, &paths, s.skipped, &s.errors)?;
    } else {
        print_text(&tl, &paths, s.skipped, s.errors.len(), args.days)?;
    }
    Ok(if s.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn clock_files(o: &albumen_timeline::ClockOffset, paths: &[PathBuf]) -> Vec<String> {
    o.items.iter().map(|&i| path_str(paths, i)).collect()
}

fn print_json(
    tl: &Timeline,
    paths: &[PathBuf],
    skipped: usize,
    errors: &[(PathBuf, String)],
) -> anyhow::Result<()> {
    let sources: serde_json::Map<String, Value> = tl
        .source_counts()
        .into_iter()
        .map(|(s, c, n)| (format!("{}/{}", s.name(), c.name()), json!(n)))
        .collect();
    let events: Vec<Value> = tl.events.iter().map(|e| event_json(tl, e, paths)).collect();
    let trips: Vec<Value> = tl
        .trips
        .iter()
        .map(|t| {
            json!({
                "start_date": t.start_date.to_string(),
                "end_date": t.end_date.to_string(),
                "start": format!("{}Z", format_naive(t.start.naive_utc())),
                "end": format!("{}Z", format_naive(t.end.naive_utc())),
                "events": t.events,
                "first_event": t.first_event,
                "places": t.places,
                "max_km": (t.max_km * 10.0).round() / 10.0,
            })
        })
        .collect();
    let clocks: Vec<Value> = tl
        .clock_offsets
        .iter()
        .map(|o| {
            let shift = clock::format_shift(o.shift.shift_s);
            let files = clock_files(o, paths);
            json!({
                "camera": tl.cameras.get(o.camera as usize),
                "shift": shift,
                "shift_s": o.shift.shift_s,
                "compared": o.shift.compared,
                "matched": o.shift.matched,
                "matched_unshifted": o.shift.matched_unshifted,
                "residual_s": o.shift.residual_s,
                "evidence": o.shift.pairs.iter().map(|&(a, r)| json!({
                    "camera_file": path_str(paths, a), "reference_file": path_str(paths, r)})).collect::<Vec<_>>(),
                "command": shift_command(&shift, &files),
                "files": files,
            })
        })
        .collect();
    let files: Vec<Value> = tl
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            json!({"path": path_str(paths, i), "time": e.time,
                "clock_shift": e.clock_shift_s.map(clock::format_shift)})
        })
        .collect();
    let v = json!({
        "items": tl.entries.len(),
        "dated": tl.order.len(),
        "undated": tl.undated.iter().map(|&i| path_str(paths, i)).collect::<Vec<_>>(),
        "skipped": skipped,
        "errors": errors.iter().map(|(p, e)| json!({"path": p.to_string_lossy(), "error": e})).collect::<Vec<_>>(),
        "sources": sources,
        "home": tl.home.map(|(lat, lon)| json!({"lat": lat, "lon": lon})),
        "years": serde_json::to_value(&tl.calendar.years)?,
        "events": events,
        "trips": trips,
        "clock_offsets": clocks,
        "movie_headers": tl.movie_headers.iter().map(|d| json!({
            "camera": tl.cameras.get(d.camera as usize),
            "clock": format!("{:?}", d.clock).to_lowercase(),
            "videos": d.videos,
            "median_gap_s_as_utc": d.median_gap_s.0,
            "median_gap_s_as_local": d.median_gap_s.1,
            "overrode_table": d.overrode_table,
        })).collect::<Vec<_>>(),
        "files": files,
    });
    write_stdout(&(serde_json::to_string_pretty(&v)? + "\n"))
}

fn print_text(
    tl: &Timeline,
    paths: &[PathBuf],
    skipped: usize,
    errors: usize,
    days: bool,
) -> anyhow::Result<()> {
    let mut out = String::new();
    let mut conf = [0usize; 3];
    for t in tl.entries.iter().filter_map(|e| e.time) {
        if let Some(c) = conf.get_mut(t.confidence as usize) {
            *c += 1;
        }
    }
    outln!(out,
        "{} files: {} dated (exact {}, inferred {}, guess {}), {} without any time; {} skipped (not media), {} unreadable",
        tl.entries.len(),
        tl.order.len(),
        conf[2],
        conf[1],
        conf[0],
        tl.undated.len(),
        skipped,
        errors
    );
    // Events under the local day they start on.
    let mut ev = tl.events.iter().peekable();
    for y in &tl.calendar.years {
        outln!(out, "{}  {}", y.year, y.count);
        for m in &y.months {
            outln!(out, "  {}-{:02}  {}", y.year, m.month, m.count);
            for d in &m.days {
                if days {
                    outln!(out, "    {}  {}", d.date.format("%Y-%m-%d %a"), d.count);
                }
                while let Some(e) = ev.next_if(|e| e.start_local.date() <= d.date) {
                    let indent = if days { "      " } else { "    " };
                    outln!(out, "{indent}{} ({} items)", e.title(), e.len);
                }
            }
        }
    }
    if !tl.trips.is_empty() {
        outln!(out, "Trips:");
        for t in &tl.trips {
            outln!(
                out,
                "  {} – {}: {} events, up to {:.0} km from home{}",
                t.start_date,
                t.end_date,
                t.events,
                t.max_km,
                if t.places.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", t.places.join(", "))
                }
            );
        }
    }
    for d in &tl.movie_headers {
        let cam = tl
            .cameras
            .get(d.camera as usize)
            .map_or("?", String::as_str);
        outln!(
            out,
            "Video times: {cam} writes {} time in its clips ({} clips; nearest stills {} s away that way, {} s the other){}",
            if d.clock == albumen_timeline::resolve::MovieHeaderClock::Local { "local" } else { "UTC" },
            d.videos,
            d.median_gap_s.0.min(d.median_gap_s.1),
            d.median_gap_s.0.max(d.median_gap_s.1),
            if d.overrode_table { "; overrides the make table" } else { "" }
        );
    }
    for o in &tl.clock_offsets {
        let shift = clock::format_shift(o.shift.shift_s);
        let files = clock_files(o, paths);
        let cam = tl
            .cameras
            .get(o.camera as usize)
            .map_or("?", String::as_str);
        outln!(out,
            "Camera clock: {cam} looks off by {shift}: {} of {} of its photos line up with reference photos after the shift (median {} s apart), {} without it.",
            o.shift.matched, o.shift.compared, o.shift.residual_s, o.shift.matched_unshifted
        );
        let shown: Vec<String> = files.iter().take(5).cloned().collect();
        let more = files.len().saturating_sub(shown.len());
        outln!(
            out,
            "  to fix (dry run first): {}{}",
            shift_command(&shift, &shown),
            if more > 0 {
                format!(" ... ({more} more files; `--json` lists them all)")
            } else {
                String::new()
            }
        );
    }
    write_stdout(&out)
}
