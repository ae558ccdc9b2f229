//! The reader against exiftool on the shared corpus (`ALBUMEN_CORPUS`, default
//! `../shared/corpus`): per-field agreement, no panic on broken files, bytes read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

fn corpus() -> Option<PathBuf> {
    let p = std::env::var_os("ALBUMEN_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    if p.join("oracle.json").is_file() {
        Some(p)
    } else {
        eprintln!("skipped: no corpus at {} (set ALBUMEN_CORPUS)", p.display());
        None
    }
}

fn first<'a>(r: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().filter_map(|k| r.get(*k)).find(|v| {
        !v.is_null() && v.as_str() != Some("") && v.as_str() != Some("0000:00:00 00:00:00")
    })
}

/// The disagreements with exiftool this reader accepts, each with its reason.
const ACCEPTED: &str = include_str!("accepted-disagreements.tsv");

fn s(v: &Value) -> String {
    match v {
        Value::String(x) => x.trim().to_string(),
        other => other.to_string(),
    }
}

/// Per-field agreement with the exiftool oracle (`-j -n -G1 -a`) on every file it read.
/// Fails below 99 %, on any disagreement not listed in `accepted-disagreements.tsv`, and on a
/// listed one that no longer occurs (so the list stays true).
#[test]
fn agrees_with_exiftool_on_the_corpus() {
    let Some(root) = corpus() else { return };
    let oracle: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(root.join("oracle.json")).unwrap()).unwrap();
    let accepted: BTreeMap<(String, String), String> = ACCEPTED
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut it = l.splitn(3, '\t');
            Some((
                (it.next()?.to_string(), it.next()?.to_string()),
                it.next()?.to_string(),
            ))
        })
        .collect();
    let mut stats: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    let mut bad: Vec<(String, String, String, String)> = Vec::new();
    let reader = albumen_meta::Reader::new().sidecars(false);
    for r in &oracle {
        if r.get("ExifTool:Error").is_some() {
            continue;
        }
        let rel = r["SourceFile"]
            .as_str()
            .unwrap()
            .trim_start_matches("./")
            .to_string();
        let path = root.join(&rel);
        if !path.is_file() {
            continue;
        }
        let md = reader.read_path(&path).ok();
        let mut cmp = |field: &'static str, want: String, have: Option<String>, ok: bool| {
            let st = stats.entry(field).or_default();
            st.1 += 1;
            if ok {
                st.0 += 1;
            } else {
                bad.push((
                    field.to_string(),
                    rel.clone(),
                    want,
                    have.unwrap_or_else(|| "none".into()),
                ));
            }
        };
        for (field, key) in [("make", "IFD0:Make"), ("model", "IFD0:Model")] {
            if let Some(want) = first(r, &[key]).map(s) {
                let have = md.as_ref().and_then(|m| {
                    if field == "make" {
                        m.make.clone()
                    } else {
                        m.model.clone()
                    }
                });
                let ok = have.as_deref().map(str::trim) == Some(want.as_str());
                cmp(field, want, have, ok);
            }
        }
        if let Some(want) = first(r, &["IFD0:Orientation"]).and_then(Value::as_u64) {
            let have = md
                .as_ref()
                .and_then(|m| m.orientation)
                .map(|o| u64::from(o.get()));
            cmp(
                "orientation",
                want.to_string(),
                have.map(|h| h.to_string()),
                have == Some(want),
            );
        }
        let dt = first(
            r,
            &[
                "ExifIFD:DateTimeOriginal",
                "XMP-exif:DateTimeOriginal",
                "Keys:CreationDate",
                "ExifIFD:CreateDate",
                "XMP-xmp:CreateDate",
                "QuickTime:CreateDate",
            ],
        );
        if let Some(want) = dt.map(s) {
            // exiftool prints what the file holds ("2020:01:05 15:04Z", "2011:06:14 15:47+02"):
            // compare the wall-clock fields, seconds 0 when absent.
            let nums: Vec<u32> = want
                .split(|c: char| !c.is_ascii_digit())
                .filter_map(|x| x.parse().ok())
                .collect();
            let want_fields = match nums.as_slice() {
                [y, mo, d, h, mi, rest @ ..] => {
                    let sec = if want.as_bytes().get(16) == Some(&b':') {
                        rest.first().copied().unwrap_or(0)
                    } else {
                        0
                    };
                    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{sec:02}")
                }
                _ => want.clone(),
            };
            let have = md
                .as_ref()
                .and_then(|m| m.capture_local())
                .map(|t| t.format("%Y-%m-%dT%H:%M:%S").to_string());
            let ok = have.as_deref() == Some(want_fields.as_str());
            cmp("capture", want, have, ok);
        }
        // The offset, where exiftool reads one for the original date.
        if let (Some(_), Some(want)) = (
            first(r, &["ExifIFD:DateTimeOriginal"]),
            first(r, &["ExifIFD:OffsetTimeOriginal"]).map(s),
        ) {
            let have = md
                .as_ref()
                .and_then(|m| {
                    m.times.iter().find(|c| {
                        c.kind == albumen_meta::TimeKind::Original
                            && c.source == albumen_meta::Source::ExifIfd
                    })
                })
                .and_then(|c| c.time.offset())
                .map(|o| o.to_string());
            let ok = have.as_deref() == Some(want.as_str());
            cmp("offset", want, have, ok);
        }
        if let (Some(lat), Some(lon)) = (
            first(r, &["Composite:GPSLatitude"]).and_then(Value::as_f64),
            first(r, &["Composite:GPSLongitude"]).and_then(Value::as_f64),
        ) {
            let have = md
                .as_ref()
                .and_then(|m| m.gps.as_ref())
                .map(|g| (g.value.lat, g.value.lon));
            let ok = have.is_some_and(|(a, b)| (a - lat).abs() < 1e-5 && (b - lon).abs() < 1e-5);
            cmp(
                "gps",
                format!("{lat},{lon}"),
                have.map(|h| format!("{},{}", h.0, h.1)),
                ok,
            );
        }
        if let Some(size) = first(r, &["Composite:ImageSize"]).and_then(Value::as_str) {
            let mut it = size.split(' ').filter_map(|x| x.parse::<f64>().ok());
            if let (Some(w), Some(h)) = (it.next(), it.next()) {
                let (w, h) = (w as u32, h as u32);
                let have = md.as_ref().and_then(|m| Some((m.width?, m.height?)));
                let ok = have == Some((w, h)) || have == Some((h, w));
                cmp(
                    "size",
                    format!("{w}x{h}"),
                    have.map(|h| format!("{}x{}", h.0, h.1)),
                    ok,
                );
            }
        }
        if let Some(want) = first(r, &["XMP-xmp:Rating", "IFD0:Rating"]).and_then(Value::as_f64) {
            let have = md
                .as_ref()
                .and_then(|m| m.rating)
                .map(|x| f64::from(x.get()));
            cmp(
                "rating",
                want.to_string(),
                have.map(|h| h.to_string()),
                have == Some(want.round()),
            );
        }
        // Keywords by the MWG rule (exiftool's MWG:Keywords): XMP unless the file has IPTC
        // keywords and either no XMP subject or a stored IPTCDigest that is not current.
        let list = |v: &Value| -> Vec<String> {
            match v {
                Value::Array(a) => a.iter().map(s).collect(),
                v => vec![s(v)],
            }
        };
        let xmp_kw = first(r, &["XMP-dc:Subject"]).map(list);
        let iptc_kw = first(r, &["IPTC:Keywords"]).map(list);
        let current = first(r, &["File:CurrentIPTCDigest"]).map(s);
        let stored = first(r, &["Photoshop:IPTCDigest"]).map(s);
        let in_sync = stored.is_none() || stored == current;
        let mwg = match (xmp_kw, iptc_kw) {
            (Some(x), _) if in_sync => Some(x),
            (_, Some(i)) => Some(i),
            (x, None) => x,
        };
        if let Some(want) = mwg {
            let have = md.as_ref().map(|m| m.keywords.clone()).unwrap_or_default();
            let ok = have == want;
            cmp("keywords", want.join("|"), Some(have.join("|")), ok);
        }
        if let Some(want) = first(
            r,
            &[
                "Apple:ContentIdentifier",
                "Apple:MediaGroupUUID",
                "Keys:ContentIdentifier",
            ],
        )
        .map(s)
        {
            let have = md.as_ref().and_then(|m| m.content_id.clone());
            let ok = have.as_deref() == Some(want.as_str());
            cmp("content_id", want, have, ok);
        }
    }
    let (ok, n) = stats.values().fold((0, 0), |a, s| (a.0 + s.0, a.1 + s.1));
    println!("{:12} {:>9}", "field", "agree");
    for (f, (o, t)) in &stats {
        println!("{f:12} {o:>4}/{t:<4}");
    }
    let mut unexpected = Vec::new();
    for (f, p, want, have) in &bad {
        match accepted.get(&(f.clone(), p.clone())) {
            Some(why) => println!("accepted  {f:11} {p}: exiftool {want}, albumen {have} ({why})"),
            None => unexpected.push(format!("{f}\t{p}\texiftool {want}, albumen {have}")),
        }
    }
    let stale: Vec<_> = accepted
        .keys()
        .filter(|(f, p)| !bad.iter().any(|b| &b.0 == f && &b.1 == p))
        .map(|(f, p)| format!("{f}\t{p}"))
        .collect();
    let rate = f64::from(ok) / f64::from(n.max(1));
    println!("agreement {rate:.4} over {n} values");
    assert!(
        unexpected.is_empty(),
        "disagreements not in accepted-disagreements.tsv:\n{}",
        unexpected.join("\n")
    );
    assert!(
        stale.is_empty(),
        "accepted disagreements that no longer occur (remove them):\n{}",
        stale.join("\n")
    );
    assert!(n > 500, "too few oracle values compared: {n}");
    assert!(rate >= 0.99, "agreement with exiftool {rate:.4} < 0.99");
}

/// Every broken file of the corpus reads to a value or a typed error, never a panic.
#[test]
fn fuzzed_corpus_files_never_panic() {
    let Some(root) = corpus() else { return };
    let dir = root.join("metadata-extractor-images/fuzzing");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipped: no {}", dir.display());
        return;
    };
    let mut n = 0;
    for e in entries.flatten() {
        let _ = albumen_meta::read_path(e.path());
        n += 1;
    }
    assert!(n > 100, "expected the fuzzed set, found {n} files");
}

/// A tiny deterministic generator, so the mutation test needs no extra dependency.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

/// Mutation fuzzing on stable: truncations, byte flips and length-field corruption of real files
/// of every format.
#[test]
fn mutated_corpus_files_never_panic() {
    let Some(root) = corpus() else { return };
    // ALBUMEN_FUZZ_ROUNDS raises the mutations per file for a longer fuzzing session.
    let rounds: usize = std::env::var("ALBUMEN_FUZZ_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let mut rng = Lcg(std::env::var("ALBUMEN_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed));
    let mut by_ext: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for e in walk(&root) {
        let ext = e
            .extension()
            .map(|x| x.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        if std::fs::metadata(&e)
            .map(|m| m.len() < 8 << 20)
            .unwrap_or(false)
        {
            by_ext.entry(ext).or_default().push(e);
        }
    }
    let reader = albumen_meta::Reader::new();
    let mut runs = 0;
    for files in by_ext.values() {
        for f in files.iter().take(3) {
            let Ok(orig) = std::fs::read(f) else { continue };
            for i in 0..rounds {
                let mut b = orig.clone();
                match i % 4 {
                    0 => b.truncate((rng.next() as usize) % (b.len() + 1)),
                    1 => {
                        for _ in 0..8 {
                            if !b.is_empty() {
                                let at = (rng.next() as usize) % b.len().min(1 << 16);
                                b[at] ^= 1 << (rng.next() % 8);
                            }
                        }
                    }
                    2 => {
                        // Length fields full of 0xFF: 4 GB declared lengths.
                        if b.len() > 16 {
                            let at =
                                (rng.next() as usize) % b.len().min(4096).saturating_sub(4).max(1);
                            b[at..at + 4].copy_from_slice(&[0xFF; 4]);
                        }
                    }
                    _ => {
                        if b.len() > 16 {
                            let at =
                                (rng.next() as usize) % b.len().min(4096).saturating_sub(4).max(1);
                            b[at..at + 4].copy_from_slice(&[0, 0, 0, 8]);
                        }
                    }
                }
                let _ = reader.read_bytes(&b);
                runs += 1;
            }
        }
    }
    assert!(runs > 100);
}

fn walk(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Reading touches metadata, not pixel data: on files over 1 MB, far less than the file is read.
#[test]
fn reads_only_metadata_bytes() {
    let Some(root) = corpus() else { return };
    let mut checked = 0;
    for p in walk(&root) {
        let Ok(len) = std::fs::metadata(&p).map(|m| m.len()) else {
            continue;
        };
        if len < 1 << 20 {
            continue;
        }
        let Ok(md) = albumen_meta::Reader::new().sidecars(false).read_path(&p) else {
            continue;
        };
        if md.format == Some(albumen_meta::Format::Xmp) {
            continue;
        }
        checked += 1;
        assert!(
            md.bytes_read * 4 < len,
            "{}: read {} of {} bytes",
            p.display(),
            md.bytes_read,
            len
        );
    }
    println!("{checked} files over 1 MB read partially");
    assert!(checked > 10);
}

/// `Reader::read_reader` (seeking a `Read + Seek`) reads what `read_bytes` reads, for every
/// file of the corpus (the count of bytes read aside: the seeking reader reads in blocks).
#[test]
fn read_reader_matches_read_bytes_on_the_corpus() {
    let Some(root) = corpus() else { return };
    let mut stack = vec![root];
    let (mut n, mut same) = (0, 0);
    let mut bad = Vec::new();
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let b = std::fs::read(&p).unwrap();
            let r = albumen_meta::Reader::new().sidecars(false);
            let strip = |m: Result<albumen_meta::Metadata, albumen_meta::Error>| {
                m.map(|mut m| {
                    m.bytes_read = 0;
                    serde_json::to_string(&m).unwrap()
                })
                .map_err(|e| e.to_string())
            };
            let mem = strip(r.read_bytes(&b));
            let seek = strip(r.read_reader(std::io::Cursor::new(&b)));
            let file = strip(r.read_reader(std::fs::File::open(&p).unwrap()));
            n += 1;
            if mem == seek && seek == file {
                same += 1;
            } else {
                bad.push(p.display().to_string());
            }
        }
    }
    println!("read_reader: {same} of {n} corpus files read as read_bytes reads them");
    assert!(bad.is_empty(), "differ: {bad:?}");
}
