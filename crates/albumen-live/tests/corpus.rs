//! The whole corpus against exiftool's reading of it (`oracle.json`): every Live Photo pair that
//! exiftool's content identifiers imply is found, no pair contradicts them, and every motion
//! photo exiftool sees is detected. Skips with a printed reason when the corpus is absent.
#![allow(clippy::unwrap_used)] // test code

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use albumen_live::{scan_roots, PairKind};
use serde_json::Value;

fn corpus() -> Option<PathBuf> {
    let c = std::env::var_os("ALBUMEN_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    c.join("oracle.json").is_file().then_some(c)
}

fn norm(p: &str) -> String {
    p.trim_start_matches("./").to_owned()
}

#[test]
fn corpus_pairs_match_exiftool_identifiers() {
    let Some(corpus) = corpus() else {
        println!("skipped: no corpus (set ALBUMEN_CORPUS)");
        return;
    };
    let oracle: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(corpus.join("oracle.json")).unwrap())
            .unwrap();
    // Identifiers per exiftool: the still's Apple maker note tag 0x0011 (named MediaGroupUUID
    // before exiftool 12.65 and ContentIdentifier after), the video's Keys tag.
    let mut still_id: BTreeMap<String, String> = BTreeMap::new();
    let mut video_id: BTreeMap<String, String> = BTreeMap::new();
    let mut motion: BTreeSet<String> = BTreeSet::new();
    for e in &oracle {
        let Some(f) = e["SourceFile"].as_str().map(norm) else {
            continue;
        };
        let s = |k: &str| e[k].as_str().map(str::to_ascii_uppercase);
        if let Some(id) = s("Apple:ContentIdentifier").or_else(|| s("Apple:MediaGroupUUID")) {
            still_id.insert(f.clone(), id);
        }
        if let Some(id) = s("Keys:ContentIdentifier").or_else(|| s("QuickTime:ContentIdentifier")) {
            video_id.insert(f.clone(), id);
        }
        let flag = |k: &str| e[k].as_i64() == Some(1);
        if flag("XMP-GCamera:MotionPhoto")
            || flag("XMP-GCamera:MicroVideo")
            || e.get("QuickTime:MotionPhotoVideo").is_some()
            || e.get("Samsung:EmbeddedVideoType").is_some()
        {
            motion.insert(f);
        }
    }

    let scan = scan_roots(std::slice::from_ref(&corpus)).unwrap();
    let rel = |p: &Path| {
        p.strip_prefix(&corpus)
            .unwrap()
            .to_string_lossy()
            .into_owned()
    };
    let pairs: Vec<(String, String, PairKind)> = scan
        .pairing
        .pairs
        .iter()
        .map(|p| (rel(&p.still), rel(&p.video), p.kind))
        .collect();

    // Implied: each video carrying an identifier that some still carries is paired with one of
    // those stills; each still beside (same folder) a video with its identifier is paired with it.
    let mut expected = 0;
    let mut found = 0;
    for (v, id) in &video_id {
        let stills: BTreeSet<&String> = still_id
            .iter()
            .filter(|(_, i)| *i == id)
            .map(|(s, _)| s)
            .collect();
        if stills.is_empty() {
            continue;
        }
        expected += 1;
        if pairs
            .iter()
            .any(|(s, pv, k)| pv == v && *k == PairKind::AppleLive && stills.contains(s))
        {
            found += 1;
        } else {
            println!("missing: a pair for video {v}");
        }
        let folder = Path::new(v).parent();
        for s in stills.iter().filter(|s| Path::new(s).parent() == folder) {
            expected += 1;
            if pairs.iter().any(|(ps, pv, _)| ps == *s && pv == v) {
                found += 1;
            } else {
                println!("missing: {s} + {v}");
            }
        }
    }
    let motion_found = motion
        .iter()
        .filter(|m| {
            pairs
                .iter()
                .any(|(s, v, k)| s == *m && v == *m && *k == PairKind::MotionPhoto)
        })
        .count();
    println!(
        "apple live pairs implied by exiftool's identifiers: found {found}/{expected}; \
         motion photos: {motion_found}/{}",
        motion.len()
    );

    // This crate's own motion-photo detection (used when the metadata reader reports none)
    // agrees with the reader's wherever the reader has one.
    let mut agree = 0;
    for m in &motion {
        let f = corpus.join(m);
        let ours = albumen_live::detect_motion_photo(&f).unwrap();
        assert!(ours.is_some(), "{m}: not detected from its bytes");
        if let Some(theirs) = albumen_meta::read_path(&f)
            .ok()
            .and_then(|md| md.motion_photo)
        {
            assert_eq!(ours, Some(theirs), "{m}");
            agree += 1;
        }
    }
    println!(
        "motion photos: own detection agrees with albumen-meta on {agree}/{}",
        motion.len()
    );

    // No false pair.
    let mut false_pairs = Vec::new();
    for (s, v, k) in &pairs {
        let ok = match k {
            PairKind::AppleLive => still_id.contains_key(s) && still_id.get(s) == video_id.get(v),
            PairKind::MotionPhoto => s == v && motion.contains(s),
            // No identifier on the video, none on the still that any video carries; same
            // folder, same name.
            _ => {
                still_id
                    .get(s)
                    .is_none_or(|id| !video_id.values().any(|v| v == id))
                    && !video_id.contains_key(v)
                    && Path::new(s).parent() == Path::new(v).parent()
                    && Path::new(s).file_stem() == Path::new(v).file_stem()
            }
        };
        if !ok {
            false_pairs.push((s, v, k));
        }
    }
    println!("{} pairs, {} false", pairs.len(), false_pairs.len());
    assert!(false_pairs.is_empty(), "false pairs: {false_pairs:?}");
    assert!(expected > 0, "the corpus implies no pair: wrong corpus?");
    assert_eq!(found, expected);
    assert_eq!(motion_found, motion.len());
    // The same-name decoy with a far-off date (immich#14459) is not paired.
    assert!(!pairs
        .iter()
        .any(|(s, _, _)| s == "crafted/live/no-id/IMG_0043.JPG"));
    // Stills with an identifier but no video anywhere are reported.
    let orphans: BTreeSet<String> = scan
        .pairing
        .orphan_stills
        .iter()
        .map(|o| rel(&o.path))
        .collect();
    for (s, id) in &still_id {
        if !video_id.values().any(|v| v == id) {
            assert!(orphans.contains(s), "orphan still {s} not reported");
        }
    }
    let orphans: BTreeSet<String> = scan
        .pairing
        .orphan_videos
        .iter()
        .map(|o| rel(&o.path))
        .collect();
    for (v, id) in &video_id {
        if !still_id.values().any(|s| s == id) {
            assert!(orphans.contains(v), "orphan video {v} not reported");
        }
    }
}
