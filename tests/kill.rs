//! Killed at any moment: a batch `albumen edit` of 200 files and an `albumen export` are
//! killed (SIGKILL) at 20 random moments each. After every kill each file is the original or
//! the fully edited (copied) file, never truncated or mixed, except a file whose in-place patch
//! was cut short, which keeps its undo journal; the next run recovers those, removes the
//! temporary files the killed run left, and finishes the job.
//!
//! The moments are drawn from a seed printed by the test (set `ALBUMEN_KILL_SEED` to replay).

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use albumen_meta::encode::{XmpPacket, XmpValue};

use crate::albumen;
use crate::fixtures;

const FILES: usize = 200;
const KILLS: usize = 20;

/// xorshift64*: the kill moments (no dependency for a handful of random numbers).
struct Rng(u64);
impl Rng {
    fn seeded() -> Self {
        let seed = std::env::var("ALBUMEN_KILL_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                SystemTime::now()
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(1)
            })
            | 1;
        eprintln!("kill test seed: ALBUMEN_KILL_SEED={seed}");
        Rng(seed)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// A duration in [0, max).
    fn below(&mut self, max: Duration) -> Duration {
        let n = u64::try_from(max.as_micros()).unwrap().max(1);
        Duration::from_micros(self.next() % n)
    }
}

/// A JPEG of about 180 KB: the fixtures' EXIF JPEG with an XMP packet (2 KB of padding, so an
/// XMP edit can be patched in place) and three large comments, unique per `i`.
fn photo(i: usize) -> Vec<u8> {
    let base = fixtures::jpeg(
        &format!("2024:03:{:02} 10:{:02}:00", 1 + i % 28, i % 60),
        Some("+01:00"),
        &format!("kill test file {i}"),
    );
    let xmp = XmpPacket::new()
        .set("xmp", "Rating", XmpValue::Text("1".into()))
        .padding(2048)
        .to_bytes();
    let mut out = base[..2].to_vec();
    let mut seg = |marker: u8, payload: &[u8]| {
        out.extend([0xFF, marker]);
        out.extend(u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
        out.extend(payload);
    };
    let mut x = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
    x.extend(&xmp);
    seg(0xE1, &x);
    for k in 0..3u8 {
        let text: Vec<u8> = (0..60_000usize)
            .map(|j| b'a' + ((i * 7 + j * 13 + usize::from(k)) % 26) as u8)
            .collect();
        seg(0xFE, &text);
    }
    out.extend(&base[2..]);
    out
}

fn our_leftovers(dir: &Path) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.contains(".albumen-"))
        })
        .collect()
}

fn edit_cmd(files: &[PathBuf], in_place: bool) -> Command {
    let mut c = albumen();
    c.args([
        "edit",
        "--rating",
        "4",
        "--title",
        "killed",
        "--add-keyword",
        "k",
    ]);
    if in_place {
        c.arg("--in-place");
    }
    c.args(files).stdout(Stdio::null()).stderr(Stdio::null());
    c
}

fn fresh(dir: &Path, originals: &[Vec<u8>]) -> Vec<PathBuf> {
    let _ = fs::remove_dir_all(dir);
    fs::create_dir_all(dir).unwrap();
    originals
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let p = dir.join(format!("IMG_{i:04}.jpg"));
            fs::write(&p, b).unwrap();
            p
        })
        .collect()
}

#[test]
fn batch_edit_killed_at_random_moments() {
    let tmp = tempfile::tempdir().unwrap();
    let originals: Vec<Vec<u8>> = (0..FILES).map(photo).collect();
    // The fully edited files, and how long an uninterrupted run takes, per mode.
    let mut edited: BTreeMap<bool, (Vec<Vec<u8>>, Duration)> = BTreeMap::new();
    for in_place in [false, true] {
        let files = fresh(&tmp.path().join("reference"), &originals);
        let t = Instant::now();
        let st = edit_cmd(&files, in_place).status().unwrap();
        let took = t.elapsed();
        assert!(st.success(), "the uninterrupted batch edit failed");
        let done: Vec<Vec<u8>> = files.iter().map(|p| fs::read(p).unwrap()).collect();
        for (d, o) in done.iter().zip(&originals) {
            assert_ne!(d, o, "the edit changed nothing");
        }
        edited.insert(in_place, (done, took));
    }
    let mut rng = Rng::seeded();
    let (mut mid, mut journals, mut temps) = (0, 0, 0);
    for round in 0..KILLS {
        let in_place = round % 2 == 1;
        let (want, took) = &edited[&in_place];
        let dir = tmp.path().join(format!("round{round}"));
        let files = fresh(&dir, &originals);
        let mut child = edit_cmd(&files, in_place).spawn().unwrap();
        std::thread::sleep(rng.below(*took));
        let _ = child.kill();
        child.wait().unwrap();
        let mut n_edited = 0;
        for (i, p) in files.iter().enumerate() {
            let now = fs::read(p).unwrap();
            let journal = dir.join(format!(".IMG_{i:04}.jpg.albumen-journal"));
            if now == want[i] {
                n_edited += 1;
            } else if now != originals[i] {
                assert!(
                    journal.exists(),
                    "round {round}: {} is neither the original nor the edited file \
                     ({} bytes; original {}, edited {}) and has no journal",
                    p.display(),
                    now.len(),
                    originals[i].len(),
                    want[i].len()
                );
            }
        }
        if n_edited > 0 && n_edited < FILES {
            mid += 1;
        }
        for l in our_leftovers(&dir) {
            if l.to_string_lossy().ends_with(".albumen-journal") {
                journals += 1;
            } else {
                temps += 1;
            }
        }
        // The next run: recovers, cleans up and finishes.
        let st = edit_cmd(&files, in_place).status().unwrap();
        assert!(st.success(), "round {round}: the run after the kill failed");
        for (i, p) in files.iter().enumerate() {
            assert!(
                fs::read(p).unwrap() == want[i],
                "round {round}: {} is not the edited file after the next run",
                p.display()
            );
        }
        let left = our_leftovers(&dir);
        assert!(left.is_empty(), "round {round}: left behind {left:?}");
    }
    eprintln!(
        "batch edit: {KILLS} kills, {mid} in the middle of the batch; the next runs found \
         {journals} journals and {temps} temporary files and cleaned them up"
    );
}

/// Every regular file under `dir` by name, and our temporaries.
fn tree(dir: &Path, files: &mut BTreeMap<String, PathBuf>, temps: &mut Vec<PathBuf>) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    for e in rd {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            tree(&p, files, temps);
        } else if name.contains(".albumen-") {
            temps.push(p);
        } else {
            files.insert(name, p);
        }
    }
}

#[test]
fn export_killed_at_random_moments() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("photos");
    let mut originals = BTreeMap::new();
    for i in 0..FILES {
        let p = root
            .join(format!("{:02}", i % 7))
            .join(format!("IMG_{i:04}.jpg"));
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        let b = photo(i);
        fs::write(&p, &b).unwrap();
        originals.insert(p.file_name().unwrap().to_string_lossy().into_owned(), b);
    }
    let db = tmp.path().join("index.db");
    let out = albumen()
        .args(["scan", "-q", "--library", "lib", "--db"])
        .arg(&db)
        .arg(&root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let export = |dest: &Path| {
        let mut c = albumen();
        c.args([
            "export",
            "-q",
            "--from",
            "2024-03-01",
            "--to",
            "2024-03-31",
            "--db",
        ])
        .arg(&db)
        .arg(dest)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        c
    };
    let t = Instant::now();
    assert!(export(&tmp.path().join("reference"))
        .status()
        .unwrap()
        .success());
    let took = t.elapsed();
    let mut got = BTreeMap::new();
    tree(&tmp.path().join("reference"), &mut got, &mut Vec::new());
    assert_eq!(
        got.len(),
        FILES,
        "the uninterrupted export copied {}",
        got.len()
    );
    let mut rng = Rng::seeded();
    let (mut mid, mut temps_left) = (0, 0);
    for round in 0..KILLS {
        let dest = tmp.path().join(format!("dest{round}"));
        let mut child = export(&dest).spawn().unwrap();
        std::thread::sleep(rng.below(took));
        let _ = child.kill();
        child.wait().unwrap();
        let (mut files, mut temps) = (BTreeMap::new(), Vec::new());
        tree(&dest, &mut files, &mut temps);
        for (name, p) in &files {
            assert!(
                fs::read(p).unwrap() == originals[name],
                "round {round}: {} is not a whole copy of its source",
                p.display()
            );
        }
        if !files.is_empty() && files.len() < FILES {
            mid += 1;
        }
        temps_left += temps.len();
        assert!(
            export(&dest).status().unwrap().success(),
            "round {round}: the next run failed"
        );
        let (mut files, mut temps) = (BTreeMap::new(), Vec::new());
        tree(&dest, &mut files, &mut temps);
        assert_eq!(
            files.len(),
            FILES,
            "round {round}: the next run did not finish"
        );
        for (name, p) in &files {
            assert!(
                fs::read(p).unwrap() == originals[name],
                "round {round}: {name} differs"
            );
        }
        assert!(temps.is_empty(), "round {round}: left behind {temps:?}");
    }
    let mut src = BTreeMap::new();
    tree(&root, &mut src, &mut Vec::new());
    for (name, p) in &src {
        assert!(
            fs::read(p).unwrap() == originals[name],
            "source {name} changed"
        );
    }
    eprintln!(
        "export: {KILLS} kills, {mid} in the middle; the next runs removed {temps_left} temporary files"
    );
}

/// `albumen sync` killed at 20 random moments, each into its own destination: after a kill
/// every file at the destination is a whole copy of its source (temporaries aside: the next
/// run removes them), and the next run finishes the mirror.
#[test]
fn sync_killed_at_random_moments() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("photos");
    let mut originals = BTreeMap::new();
    for i in 0..FILES {
        let p = root
            .join(format!("{:02}", i % 7))
            .join(format!("IMG_{i:04}.jpg"));
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        let b = photo(i);
        fs::write(&p, &b).unwrap();
        originals.insert(p.file_name().unwrap().to_string_lossy().into_owned(), b);
    }
    let db = tmp.path().join("index.db");
    let out = albumen()
        .args(["scan", "-q", "--library", "lib", "--db"])
        .arg(&db)
        .arg(&root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let sync = |dest: &Path| {
        let mut c = albumen();
        c.args([
            "sync",
            "-q",
            "--from",
            "2024-03-01",
            "--to",
            "2024-03-31",
            "--db",
        ])
        .arg(&db)
        .arg(dest)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        c
    };
    // Files the sync keeps for itself (its state database, lock, trash) are not copies.
    let copies = |dest: &Path| {
        let (mut files, mut temps) = (BTreeMap::new(), Vec::new());
        tree(dest, &mut files, &mut temps);
        files.retain(|name: &String, _| !name.starts_with(".albumen-sync"));
        temps.retain(|p: &PathBuf| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(".albumen-sync"))
        });
        (files, temps)
    };
    let t = Instant::now();
    assert!(sync(&tmp.path().join("reference"))
        .status()
        .unwrap()
        .success());
    let took = t.elapsed();
    assert_eq!(copies(&tmp.path().join("reference")).0.len(), FILES);
    let mut rng = Rng::seeded();
    let (mut mid, mut temps_left) = (0, 0);
    for round in 0..KILLS {
        let dest = tmp.path().join(format!("dest{round}"));
        let mut child = sync(&dest).spawn().unwrap();
        std::thread::sleep(rng.below(took));
        let _ = child.kill();
        child.wait().unwrap();
        let (files, temps) = copies(&dest);
        for (name, p) in &files {
            assert!(
                fs::read(p).unwrap() == originals[name],
                "round {round}: {} is not a whole copy of its source",
                p.display()
            );
        }
        if !files.is_empty() && files.len() < FILES {
            mid += 1;
        }
        temps_left += temps.len();
        assert!(
            sync(&dest).status().unwrap().success(),
            "round {round}: the next run failed"
        );
        let (files, temps) = copies(&dest);
        assert_eq!(
            files.len(),
            FILES,
            "round {round}: the next run did not finish"
        );
        for (name, p) in &files {
            assert!(
                fs::read(p).unwrap() == originals[name],
                "round {round}: {name} differs"
            );
        }
        assert!(temps.is_empty(), "round {round}: left behind {temps:?}");
    }
    eprintln!(
        "sync: {KILLS} kills, {mid} in the middle; the next runs removed {temps_left} temporary files"
    );
}
