//! nom-exif, the crate the brief names for EXIF reading, against our reader and exiftool on the
//! corpus: where it agrees, where it falls short. It prints a table and asserts only that our
//! reader is at least as right as nom-exif on every field (the reason we parse TIFF ourselves).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use nom_exif::ExifTag;
use serde_json::Value;

fn corpus() -> Option<PathBuf> {
    let p = std::env::var_os("ALBUMEN_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    p.join("oracle.json").is_file().then_some(p).or_else(|| {
        eprintln!("skipped: no corpus (set ALBUMEN_CORPUS)");
        None
    })
}

#[test]
fn ours_is_at_least_as_right_as_nom_exif() {
    let Some(root) = corpus() else { return };
    let oracle: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(root.join("oracle.json")).unwrap()).unwrap();
    // field -> (compared, ours right, nom-exif right)
    let mut t: BTreeMap<&str, (u32, u32, u32)> = BTreeMap::new();
    for r in &oracle {
        let path = root.join(r["SourceFile"].as_str().unwrap_or(""));
        if !path.is_file() || r.get("ExifTool:Error").is_some() {
            continue;
        }
        let ours = albumen_meta::Reader::new()
            .sidecars(false)
            .read_path(&path)
            .ok();
        let theirs = std::panic::catch_unwind(|| nom_exif::read_exif(&path).ok())
            .ok()
            .flatten();
        let mut cmp =
            |field: &'static str, want: Option<String>, a: Option<String>, b: Option<String>| {
                let Some(want) = want else { return };
                let e = t.entry(field).or_default();
                e.0 += 1;
                e.1 += u32::from(a.as_deref() == Some(want.as_str()));
                e.2 += u32::from(b.as_deref() == Some(want.as_str()));
            };
        let s = |v: Option<&Value>| v.map(|v| v.to_string().trim_matches('"').trim().to_string());
        cmp(
            "make",
            s(r.get("IFD0:Make")),
            ours.as_ref().and_then(|m| m.make.clone()),
            theirs
                .as_ref()
                .and_then(|e| e.get(ExifTag::Make))
                .and_then(|v| v.as_str())
                .map(|x| x.trim().to_string()),
        );
        cmp(
            "model",
            s(r.get("IFD0:Model")),
            ours.as_ref().and_then(|m| m.model.clone()),
            theirs
                .as_ref()
                .and_then(|e| e.get(ExifTag::Model))
                .and_then(|v| v.as_str())
                .map(|x| x.trim().to_string()),
        );
        cmp(
            "date-time-original",
            s(r.get("ExifIFD:DateTimeOriginal")).map(|d| d.chars().take(19).collect()),
            ours.as_ref()
                .and_then(|m| {
                    m.times.iter().find(|c| {
                        c.kind == albumen_meta::TimeKind::Original
                            && c.source == albumen_meta::Source::ExifIfd
                    })
                })
                .and_then(|c| c.time.local())
                .map(|l| l.format("%Y:%m:%d %H:%M:%S").to_string()),
            theirs
                .as_ref()
                .and_then(|e| e.get(ExifTag::DateTimeOriginal))
                .and_then(|v| v.as_datetime())
                .map(|d| match d {
                    nom_exif::ExifDateTime::Aware(t) => t.naive_local(),
                    nom_exif::ExifDateTime::Naive(t) => t,
                })
                .map(|l| l.format("%Y:%m:%d %H:%M:%S").to_string()),
        );
        cmp(
            "apple-content-id",
            s(r.get("Apple:ContentIdentifier")
                .or(r.get("Apple:MediaGroupUUID"))),
            ours.as_ref().and_then(|m| m.content_id.clone()),
            None, // nom-exif does not parse maker notes
        );
    }
    println!(
        "{:20} {:>8} {:>8} {:>9}",
        "field", "compared", "albumen", "nom-exif"
    );
    for (f, (n, a, b)) in &t {
        println!("{f:20} {n:>8} {a:>8} {b:>9}");
        assert!(a >= b, "{f}: albumen right on {a}, nom-exif on {b}");
    }
}
