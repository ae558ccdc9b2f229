//! `albumen pairs`: Live Photo and motion-photo pairs under the given roots.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

/// Arguments of `albumen pairs`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Files or folders (libraries) to pair.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Print JSON: {"pairs": [...], "orphan_stills": [...], "orphan_videos": [...], "conflicts": [...],
    /// "stacks": [{"kind", "face", "members", "evidence"}]}.
    #[arg(long)]
    pub json: bool,
    /// Also copy the video embedded in each motion photo, byte for byte, to `<DIR>/<name>.mp4`
    /// (existing files are never overwritten: ` (1)`, ` (2)`, ... are added).
    #[arg(long, value_name = "DIR")]
    pub extract_motion: Option<PathBuf>,
}

/// What `--json` prints: the pairing and the stacks.
#[derive(serde::Serialize)]
struct Report<'a> {
    #[serde(flatten)]
    pairing: &'a albumen_live::Pairing,
    stacks: &'a [albumen_live::Stack],
}

/// Runs the command. Exit status 0 when every file was read, 1 when some could not be (they are
/// named on stderr, one line each, and left out of the result).
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let scan = albumen_live::scan_roots(&args.paths)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if args.json {
        let report = Report {
            pairing: &scan.pairing,
            stacks: &scan.stacks,
        };
        serde_json::to_writer_pretty(&mut out, &report).context("writing JSON")?;
        writeln!(out)?;
    } else {
        print_text(&mut out, &scan)?;
    }
    out.flush()?;
    let mut failed = !scan.failures.is_empty();
    for f in &scan.failures {
        eprintln!("albumen: {}", f.error);
    }
    if let Some(dir) = &args.extract_motion {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        for pair in &scan.pairing.pairs {
            let Some(mp) = embedded(pair) else { continue };
            let target = free_name(dir, &pair.still);
            match albumen_live::extract_motion_video(&pair.still, &mp, &target) {
                Ok(n) => eprintln!(
                    "albumen: {} -> {} ({n} bytes)",
                    pair.still.display(),
                    target.display()
                ),
                Err(e) => {
                    failed = true;
                    eprintln!("albumen: {e}");
                }
            }
        }
    }
    Ok(if !failed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The embedded video of a motion-photo pair, from its evidence.
fn embedded(pair: &albumen_live::Pair) -> Option<albumen_meta::MotionPhoto> {
    if pair.kind != albumen_live::PairKind::MotionPhoto {
        return None;
    }
    pair.evidence.iter().find_map(|e| match e {
        albumen_live::Evidence::EmbeddedVideo {
            format,
            offset,
            length,
        } => Some(albumen_meta::MotionPhoto {
            video_offset: *offset,
            video_length: *length,
            kind: *format,
        }),
        _ => None,
    })
}

/// `<dir>/<stem>.mp4`, or `<stem> (n).mp4` when taken.
fn free_name(dir: &std::path::Path, still: &std::path::Path) -> PathBuf {
    let stem = still
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "motion".into());
    let mut p = dir.join(format!("{stem}.mp4"));
    let mut n = 1;
    while p.exists() {
        p = dir.join(format!("{stem} ({n}).mp4"));
        n += 1;
    }
    p
}

fn print_text(out: &mut impl Write, scan: &albumen_live::Scan) -> std::io::Result<()> {
    let p = &scan.pairing;
    for pair in &p.pairs {
        let evidence: Vec<String> = pair.evidence.iter().map(|e| e.to_string()).collect();
        if pair.still == pair.video {
            writeln!(
                out,
                "{}  {}  ({:.2}: {})",
                pair.kind,
                pair.still.display(),
                pair.confidence,
                evidence.join(", ")
            )?;
        } else {
            writeln!(
                out,
                "{}  {}  +  {}  ({:.2}: {})",
                pair.kind,
                pair.still.display(),
                pair.video.display(),
                pair.confidence,
                evidence.join(", ")
            )?;
        }
    }
    for o in &p.orphan_stills {
        writeln!(
            out,
            "orphan-still  {}  (content id {}, no video)",
            o.path.display(),
            o.content_id
        )?;
    }
    for o in &p.orphan_videos {
        writeln!(
            out,
            "orphan-video  {}  (content id {}, no still)",
            o.path.display(),
            o.content_id
        )?;
    }
    for c in &p.conflicts {
        let reason = match c.reason {
            albumen_live::ConflictReason::Duplicate => "duplicates of a paired file",
            albumen_live::ConflictReason::Ambiguous => "ambiguous",
            albumen_live::ConflictReason::TooMany => "too many files",
            _ => "conflict",
        };
        writeln!(
            out,
            "conflict  {}  ({reason}; {} stills, {} videos), unpaired:",
            c.content_id,
            c.stills.len(),
            c.videos.len()
        )?;
        for u in &c.unpaired {
            writeln!(out, "    {}", u.display())?;
        }
    }
    for s in &scan.stacks {
        let evidence: Vec<String> = s.evidence.iter().map(|e| e.to_string()).collect();
        writeln!(
            out,
            "stack {}  {}  ({} files: {})",
            s.kind,
            s.face.display(),
            s.members.len(),
            evidence.join(", ")
        )?;
        for m in s.members.iter().skip(1) {
            writeln!(out, "    {}", m.display())?;
        }
    }
    writeln!(
        out,
        "{} files, {} media: {} pairs, {} orphan stills, {} orphan videos, {} conflicts, {} stacks",
        scan.files,
        scan.media,
        p.pairs.len(),
        p.orphan_stills.len(),
        p.orphan_videos.len(),
        p.conflicts.len(),
        scan.stacks.len()
    )
}
