//! Videos whose QuickTime header is UTC (a phone) and local (a Nikon), made with ffmpeg and
//! exiftool and read by the real reader; skipped with a printed reason when the tools are absent.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

use albumen_timeline::{resolve, Builder, ResolveOptions, TimeSource, TimelineOptions};

fn have(tool: &str, arg: &str) -> bool {
    Command::new(tool)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

fn video(dir: &Path, name: &str, created_utc: &str, make: &str, model: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    let ok = Command::new("ffmpeg")
        .args([
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=64x48:rate=10",
        ])
        .args([
            "-t",
            "1",
            "-metadata",
            &format!("creation_time={created_utc}"),
        ])
        .args([
            "-metadata",
            &format!("make={make}"),
            "-metadata",
            &format!("model={model}"),
        ])
        .args(["-c:v", "mpeg4"])
        .arg(&p)
        .status()
        .unwrap()
        .success();
    assert!(ok, "ffmpeg failed");
    p
}

fn photo(dir: &Path, name: &str, args: &[&str]) -> std::path::PathBuf {
    let p = dir.join(name);
    assert!(Command::new("/usr/bin/convert")
        .args(["-size", "32x24", "xc:gray"])
        .arg(&p)
        .status()
        .unwrap()
        .success());
    assert!(Command::new("exiftool")
        .args(["-q", "-overwrite_original"])
        .args(args)
        .arg(&p)
        .status()
        .unwrap()
        .success());
    p
}

#[test]
fn utc_and_local_movie_headers() {
    if !(have("ffmpeg", "-version")
        && have("exiftool", "-ver")
        && Path::new("/usr/bin/convert").exists())
    {
        println!("skipped: needs ffmpeg, exiftool and ImageMagick convert");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A phone clip: the header is UTC.
    let phone = video(
        d,
        "phone.mov",
        "2024-06-01T10:00:00Z",
        "samsung",
        "SM-G991B",
    );
    // A Nikon Z30 clip shot at 12:54:53 in Shanghai: the header holds that wall time.
    let nikon = video(
        d,
        "nikon.mov",
        "2024-09-28T12:54:53Z",
        "NIKON CORPORATION",
        "Z 30",
    );
    // A still from the same Nikon ten minutes earlier, with a GPS fix in Shanghai.
    let still = photo(
        d,
        "nikon.jpg",
        &[
            "-Make=NIKON CORPORATION",
            "-Model=Z 30",
            "-DateTimeOriginal=2024:09:28 12:44:00",
            "-GPSLatitude=31.2304",
            "-GPSLatitudeRef=N",
            "-GPSLongitude=121.4737",
            "-GPSLongitudeRef=E",
        ],
    );
    let opts = ResolveOptions::default();
    let m = albumen_meta::read_path(&phone).unwrap();
    let t = resolve(&m, None, &opts).unwrap();
    assert_eq!(t.utc.to_rfc3339(), "2024-06-01T10:00:00+00:00");
    assert_eq!(t.source, TimeSource::MovieHeaderUtc);

    let m = albumen_meta::read_path(&nikon).unwrap();
    let t = resolve(&m, None, &opts).unwrap();
    assert_eq!(
        t.local.to_string(),
        "2024-09-28 12:54:53",
        "the header is the Nikon's wall time"
    );
    assert_eq!(t.source, TimeSource::NoZone);

    // In a timeline the Nikon still lends its zone to the clip: 12:54:53 +08:00.
    let mut b = Builder::new(TimelineOptions::default());
    for p in [&phone, &nikon, &still] {
        b.push_metadata(&albumen_meta::read_path(p).unwrap(), None);
    }
    let tl = b.build();
    let clip = tl.entries[1].time.unwrap();
    assert_eq!(clip.source, TimeSource::Neighbour);
    assert_eq!(clip.zone.map(|z| z.name()), Some("Asia/Shanghai"));
    assert_eq!(clip.utc.to_rfc3339(), "2024-09-28T04:54:53+00:00");
}
