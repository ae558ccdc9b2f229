//! `albumen edit`: lossless metadata edits, one write per file.

use std::path::PathBuf;
use std::process::ExitCode;

use albumen_edit::{Edit, Fields, Options, Plan, Target};
use albumen_meta::{GpsPosition, Rating};
use anyhow::{anyhow, bail, Context};
use chrono::{Duration, FixedOffset, NaiveDateTime};

/// Arguments of `albumen edit`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Files to edit.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Set the capture time: YYYY-MM-DDTHH:MM:SS[.fff][+HH:MM].
    #[arg(long, value_name = "TIME")]
    pub set_time: Option<String>,
    /// Shift every date by [+-]HH:MM:SS (e.g. +01:30:00, -24:00:00).
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub shift_time: Option<String>,
    /// Set only the UTC offset (+HH:MM), keeping local times.
    #[arg(long, value_name = "OFFSET", allow_hyphen_values = true)]
    pub set_offset: Option<String>,
    /// Set the position: LAT,LON[,ALT] in degrees (and metres).
    #[arg(long, value_name = "LAT,LON[,ALT]", allow_hyphen_values = true)]
    pub set_gps: Option<String>,
    /// Remove the position and all GPS tags.
    #[arg(long, conflicts_with = "set_gps")]
    pub remove_gps: bool,
    /// Remove every location (GPS everywhere, XMP and IPTC place names, QuickTime location;
    /// zeroed in place inside camera raws), for sharing.
    #[arg(long, conflicts_with = "set_gps")]
    pub remove_location: bool,
    /// Remove camera and lens serial numbers (EXIF, DNG, XMP; not maker notes).
    #[arg(long)]
    pub remove_serials: bool,
    /// Star rating 0-5 (-1 = rejected).
    #[arg(long, allow_hyphen_values = true)]
    pub rating: Option<i64>,
    /// Set the title ("" removes it).
    #[arg(long)]
    pub title: Option<String>,
    /// Set the description ("" removes it).
    #[arg(long)]
    pub description: Option<String>,
    /// Add a keyword (repeatable).
    #[arg(long, value_name = "K")]
    pub add_keyword: Vec<String>,
    /// Remove a keyword (repeatable).
    #[arg(long, value_name = "K")]
    pub remove_keyword: Vec<String>,
    /// Write to an XMP sidecar (NAME.EXT.xmp) instead of the file, for any format.
    #[arg(long)]
    pub sidecar: bool,
    /// Show what would change; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the plan/report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Set the file's modification time to now instead of keeping it.
    #[arg(long)]
    pub touch: bool,
    /// When the edit keeps the file's size (a date shift, XMP within its padding, a raw's date
    /// patch), write only the changed bytes into the file (guarded by an undo journal beside
    /// it) instead of rewriting it whole. Much faster on large videos and raws.
    #[arg(long)]
    pub in_place: bool,
}

fn parse_duration(s: &str) -> anyhow::Result<Duration> {
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let parts: Vec<&str> = rest.split(':').collect();
    let nums: Vec<i64> = parts
        .iter()
        .map(|p| p.trim().parse::<i64>())
        .collect::<Result<_, _>>()
        .with_context(|| format!("bad duration {s:?} (expected [+-]HH:MM:SS)"))?;
    let secs = match nums.as_slice() {
        [h, m, sec] if *m < 60 && *sec < 60 && *h >= 0 && *m >= 0 && *sec >= 0 => h
            .checked_mul(3600)
            .and_then(|x| x.checked_add(m * 60 + sec))
            .ok_or_else(|| anyhow!("duration {s:?} too large"))?,
        [h, m] if *m < 60 && *h >= 0 && *m >= 0 => h
            .checked_mul(3600)
            .and_then(|x| x.checked_add(m * 60))
            .ok_or_else(|| anyhow!("duration {s:?} too large"))?,
        _ => bail!("bad duration {s:?} (expected [+-]HH:MM:SS)"),
    };
    let d = Duration::try_seconds(secs).ok_or_else(|| anyhow!("duration {s:?} too large"))?;
    Ok(if neg { -d } else { d })
}

fn parse_offset(s: &str) -> anyhow::Result<FixedOffset> {
    let bad = || anyhow!("bad offset {s:?} (expected +HH:MM)");
    if s == "Z" {
        return FixedOffset::east_opt(0).ok_or_else(bad);
    }
    let sign = match s.as_bytes().first() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return Err(bad()),
    };
    let (h, m) = s[1..].split_once(':').ok_or_else(bad)?;
    let h: i32 = h.parse().map_err(|_| bad())?;
    let m: i32 = m.parse().map_err(|_| bad())?;
    if !(0..=18).contains(&h) || !(0..60).contains(&m) {
        return Err(bad());
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60)).ok_or_else(bad)
}

fn parse_time(s: &str) -> anyhow::Result<Edit> {
    let bad = || anyhow!("bad time {s:?} (expected YYYY-MM-DDTHH:MM:SS[.fff][+HH:MM])");
    let main = s.get(..19).ok_or_else(bad)?;
    let local = NaiveDateTime::parse_from_str(&main.replace(' ', "T"), "%Y-%m-%dT%H:%M:%S")
        .map_err(|_| bad())?;
    let mut rest = &s[19..];
    let mut subsec = None;
    if let Some(r) = rest.strip_prefix('.') {
        let n = r.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 || n > 9 {
            return Err(bad());
        }
        subsec = Some(r[..n].to_string());
        rest = &r[n..];
    }
    let offset = if rest.is_empty() {
        None
    } else {
        Some(parse_offset(rest)?)
    };
    Ok(Edit::SetTime {
        local,
        subsec,
        offset,
    })
}

fn parse_gps(s: &str) -> anyhow::Result<GpsPosition> {
    let v: Vec<f64> = s
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .with_context(|| format!("bad position {s:?} (expected LAT,LON[,ALT])"))?;
    let p = match v.as_slice() {
        [lat, lon] => GpsPosition::new(*lat, *lon, None),
        [lat, lon, alt] => GpsPosition::new(*lat, *lon, Some(*alt)),
        _ => bail!("bad position {s:?} (expected LAT,LON[,ALT])"),
    };
    p.ok_or_else(|| anyhow!("position {s:?} out of range"))
}

fn edits(a: &Args) -> anyhow::Result<Vec<Edit>> {
    let mut v = Vec::new();
    if let Some(t) = &a.set_time {
        v.push(parse_time(t)?);
    }
    if let Some(d) = &a.shift_time {
        v.push(Edit::ShiftTime(parse_duration(d)?));
    }
    if let Some(o) = &a.set_offset {
        v.push(Edit::SetOffset(parse_offset(o)?));
    }
    if let Some(g) = &a.set_gps {
        v.push(Edit::SetGps(parse_gps(g)?));
    }
    if a.remove_gps {
        v.push(Edit::RemoveGps);
    }
    if a.remove_location {
        v.push(Edit::RemoveLocation);
    }
    if a.remove_serials {
        v.push(Edit::RemoveSerials);
    }
    if let Some(r) = a.rating {
        v.push(Edit::SetRating(
            Rating::new(r).ok_or_else(|| anyhow!("rating {r} not in -1..=5"))?,
        ));
    }
    if let Some(t) = &a.title {
        v.push(Edit::SetTitle(t.clone()));
    }
    if let Some(t) = &a.description {
        v.push(Edit::SetDescription(t.clone()));
    }
    for k in &a.add_keyword {
        v.push(Edit::AddKeyword(k.clone()));
    }
    for k in &a.remove_keyword {
        v.push(Edit::RemoveKeyword(k.clone()));
    }
    Ok(v)
}

fn show(f: &Fields, field: &str) -> String {
    let s = match field {
        "time" => f.time.as_ref().map(|t| {
            let mut s = t.local.format("%Y-%m-%dT%H:%M:%S").to_string();
            if let Some(ss) = &t.subsec {
                s.push('.');
                s.push_str(ss);
            }
            if let Some(o) = t.offset {
                s.push_str(&o.to_string());
            }
            s
        }),
        "gps" => f.gps.map(|g| match g.alt {
            Some(a) => format!("{:.6},{:.6},{a:.1}", g.lat, g.lon),
            None => format!("{:.6},{:.6}", g.lat, g.lon),
        }),
        "rating" => f.rating.map(|r| r.get().to_string()),
        "title" => f.title.clone(),
        "description" => f.description.clone(),
        "keywords" => Some(f.keywords.join(", ")),
        "hierarchical" => Some(f.hierarchical.join(", ")),
        _ => None,
    };
    s.unwrap_or_else(|| "-".into())
}

fn describe(p: &Plan, verb: &str) -> String {
    let target = match &p.target {
        Target::InFile => "in file".to_string(),
        Target::Sidecar(s) => format!("sidecar {}", s.display()),
        _ => "elsewhere".to_string(),
    };
    let mut s = format!("{verb} {} ({}, {target})", p.path.display(), p.format_name);
    if p.changed.is_empty() {
        s.push_str(": nothing to change");
    }
    for f in &p.changed {
        s.push_str(&format!(
            "\n  {f}: {} -> {}",
            show(&p.before, f),
            show(&p.after, f)
        ));
    }
    for n in &p.notes {
        s.push_str(&format!("\n  note: {n}"));
    }
    s
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let edits = edits(&args)?;
    if edits.is_empty() {
        bail!("nothing to do: give at least one of --set-time, --shift-time, --set-offset, --set-gps, --remove-gps, --rating, --title, --description, --add-keyword, --remove-keyword");
    }
    let mut opts = Options::default();
    opts.sidecar = args.sidecar;
    opts.keep_mtime = !args.touch;
    opts.in_place = args.in_place;
    let mut failed = 0usize;
    let mut json = Vec::new();
    for path in &args.paths {
        let r = if args.dry_run {
            albumen_edit::plan(path, &edits, &opts).map(|p| {
                if args.json {
                    json.push(serde_json::json!({"path": path, "ok": true, "plan": p}));
                } else {
                    println!("{}", describe(&p, "would edit"));
                }
            })
        } else {
            albumen_edit::apply(path, &edits, &opts).map(|r| {
                if args.json {
                    json.push(serde_json::json!({"path": path, "ok": true, "report": r}));
                } else {
                    let how = if r.patched_in_place {
                        format!(" [{} bytes patched in place]", r.file_bytes_written)
                    } else {
                        String::new()
                    };
                    println!("{}{how}", describe(&r.plan, "edited"));
                }
            })
        };
        if let Err(e) = r {
            failed += 1;
            eprintln!("albumen edit: {}", crate::about(path, &e));
            if args.json {
                json.push(serde_json::json!({"path": path, "ok": false, "error": e.to_string()}));
            }
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&json)?);
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("+01:30:00").unwrap(), Duration::minutes(90));
        assert_eq!(parse_duration("-24:00:00").unwrap(), Duration::hours(-24));
        assert!(parse_duration("1:70:00").is_err());
        assert!(parse_duration("abc").is_err());
    }

    #[test]
    fn times() {
        match parse_time("2021-02-03T04:05:06.789+02:00").unwrap() {
            Edit::SetTime { subsec, offset, .. } => {
                assert_eq!(subsec.as_deref(), Some("789"));
                assert_eq!(offset.unwrap().local_minus_utc(), 7200);
            }
            _ => panic!(),
        }
        assert!(parse_time("2021-02-03").is_err());
    }
}
