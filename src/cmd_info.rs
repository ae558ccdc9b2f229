//! `albumen info`: the metadata of files, as text or JSON.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use albumen_meta::{CaptureTime, Metadata};
use serde_json::{json, Map, Value};

/// Arguments of `albumen info`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Files to read (format detected from the bytes; XMP sidecars beside them are merged).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Print a JSON array, one object per file.
    #[arg(long)]
    pub json: bool,
    /// Include every raw tag read (`tags`) in the output.
    #[arg(long)]
    pub all: bool,
    /// Do not merge XMP sidecars.
    #[arg(long)]
    pub no_sidecars: bool,
    /// Only what the files say: skip the resolved time (`time`) and the place name (`place`),
    /// which load the time-zone and place tables.
    #[arg(long)]
    pub raw: bool,
}

fn capture_json(c: &albumen_meta::Sourced<CaptureTime>) -> Value {
    let t = &c.value;
    json!({
        "local": t.local().map(|l| fmt_local(&l)),
        "offset": match t {
            CaptureTime::Zoned { time } => Some(time.offset().to_string()),
            CaptureTime::Utc { .. } => Some("+00:00".to_string()),
            CaptureTime::Floating { .. } => None,
        },
        "utc": t.utc().map(|u| fmt_local(&u.naive_utc()) + "Z"),
        "kind": match t {
            CaptureTime::Zoned { .. } => "zoned",
            CaptureTime::Floating { .. } => "floating",
            CaptureTime::Utc { .. } => "utc",
        },
        "source": c.source.to_string(),
    })
}

/// `YYYY-MM-DDTHH:MM:SS[.fff]`.
pub(crate) fn fmt_local(t: &chrono::NaiveDateTime) -> String {
    use chrono::Timelike;
    if t.nanosecond() == 0 {
        t.format("%Y-%m-%dT%H:%M:%S").to_string()
    } else {
        t.format("%Y-%m-%dT%H:%M:%S%.3f").to_string()
    }
}

/// The JSON object for one file's metadata.
pub(crate) fn metadata_json(path: &Path, md: &Metadata, all: bool) -> Value {
    let mut o = Map::new();
    o.insert("path".into(), json!(path.to_string_lossy()));
    o.insert("format".into(), json!(md.format.map(|f| f.name())));
    o.insert(
        "capture".into(),
        md.capture.as_ref().map_or(Value::Null, capture_json),
    );
    o.insert(
        "gps".into(),
        md.gps.as_ref().map_or(Value::Null, |g| {
            json!({"lat": g.value.lat, "lon": g.value.lon, "alt": g.value.alt, "source": g.source.to_string()})
        }),
    );
    o.insert("gps_direction".into(), json!(md.gps_direction));
    o.insert(
        "gps_time".into(),
        json!(md.gps_time.map(|t| fmt_local(&t.naive_utc()) + "Z")),
    );
    o.insert("make".into(), json!(md.make));
    o.insert("model".into(), json!(md.model));
    o.insert("lens".into(), json!(md.lens));
    o.insert("serial".into(), json!(md.serial));
    o.insert("orientation".into(), json!(md.orientation.map(|x| x.get())));
    o.insert("width".into(), json!(md.width));
    o.insert("height".into(), json!(md.height));
    o.insert(
        "display_size".into(),
        json!(md.display_size().map(|(w, h)| [w, h])),
    );
    o.insert("duration_s".into(), json!(md.duration_s));
    o.insert("frame_rate".into(), json!(md.frame_rate));
    o.insert("video_codec".into(), json!(md.video_codec));
    o.insert("rating".into(), json!(md.rating.map(|r| r.get())));
    o.insert("title".into(), json!(md.title));
    o.insert("description".into(), json!(md.description));
    o.insert("creator".into(), json!(md.creator));
    o.insert("keywords".into(), json!(md.keywords));
    o.insert(
        "hierarchical_keywords".into(),
        json!(md.hierarchical_keywords),
    );
    o.insert("people".into(), json!(md.people));
    o.insert("content_id".into(), json!(md.content_id));
    o.insert("burst_id".into(), json!(md.burst_id));
    o.insert(
        "motion_photo".into(),
        md.motion_photo.map_or(Value::Null, |m| {
            json!({"video_offset": m.video_offset, "video_length": m.video_length, "kind": m.kind})
        }),
    );
    o.insert("has_gain_map".into(), json!(md.has_gain_map));
    o.insert("warnings".into(), json!(md.warnings));
    o.insert("bytes_read".into(), json!(md.bytes_read));
    if all {
        o.insert("tags".into(), json!(md.tags));
    }
    o.insert("error".into(), Value::Null);
    Value::Object(o)
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let reader = albumen_meta::Reader::new().sidecars(!args.no_sidecars);
    let mut out = Vec::with_capacity(args.paths.len());
    let mut failed = false;
    for p in &args.paths {
        let v = match reader.read_path(p) {
            Ok(md) => {
                let mut v = metadata_json(p, &md, args.all);
                if !args.raw {
                    crate::enrich::add_time_and_place(&mut v, p, &md);
                }
                v
            }
            Err(e) => {
                failed = true;
                if !args.json {
                    eprintln!("{}", crate::about(p, &e));
                }
                json!({"path": p.to_string_lossy(), "error": e.to_string()})
            }
        };
        if !args.json && v.get("error").is_some_and(|e| e.is_null()) {
            print_text(&v);
        }
        out.push(v);
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&out)?);
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_text(v: &Value) {
    println!("{}", v["path"].as_str().unwrap_or(""));
    if let Value::Object(m) = v {
        for (k, val) in m {
            if k == "path"
                || val.is_null()
                || val.as_array().is_some_and(|a| a.is_empty())
                || k == "error"
            {
                continue;
            }
            println!("  {k:14} {val}");
        }
    }
}
