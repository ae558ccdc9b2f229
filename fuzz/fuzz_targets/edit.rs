//! The editor on any bytes: format detection, every container's parser and rebuilder, the
//! EXIF/XMP/IPTC writers. The standard edit is applied to a temporary copy; whatever happens
//! must be an `Ok` or a typed error, never a panic, and a refused edit leaves the bytes as
//! they were. A file the editor wrote reads again (read -> edit -> write -> read).
#![no_main]
use albumen_edit::{apply, Edit, Options};
use albumen_meta::{GpsPosition, Rating};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let p = dir.path().join("f");
    if std::fs::write(&p, data).is_err() {
        return;
    }
    let mut edits = vec![Edit::SetRating(Rating::new(4).unwrap())];
    if let Some(g) = GpsPosition::new(48.85837, 2.294481, None) {
        edits.push(Edit::SetGps(g));
    }
    edits.push(Edit::AddKeyword("fuzz".into()));
    edits.push(Edit::ShiftTime(chrono::Duration::minutes(90)));
    // The in-memory editor: no panic either, and where it edits, what apply writes.
    let mem = albumen_edit::edit_bytes(data, &edits, &Options::default());
    let mut in_place = Options::default();
    in_place.in_place = true;
    for (i, opts) in [Options::default(), in_place].into_iter().enumerate() {
        let before = std::fs::read(&p).unwrap();
        match apply(&p, &edits, &opts) {
            Err(_) => assert_eq!(
                std::fs::read(&p).unwrap(),
                before,
                "a refused edit changed the file"
            ),
            Ok(r) if i == 0 && r.plan.target == albumen_edit::Target::InFile => {
                let now = std::fs::read(&p).unwrap();
                assert!(
                    mem.as_ref().is_ok_and(|m| *m == now),
                    "edit_bytes differs from apply"
                );
            }
            Ok(_) => {}
        }
        // The round trip closes: whatever the editor wrote is read again without a panic.
        let _ = albumen_meta::Reader::new().read_path(&p);
    }
});
