//! `albumen vision`: text (and, later, faces and tags) seen in photos, on the CPU.

use std::path::PathBuf;
use std::process::ExitCode;

use albumen_vision::{models_dir, Analysis, Vision};
use anyhow::Context;

/// Arguments of `albumen vision`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Photos (or videos: a poster frame is read).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Print a JSON array: [{"path", "text", "faces", "tags", "error"}].
    #[arg(long)]
    pub json: bool,
    /// The models folder (default: $ALBUMEN_MODELS, else models/ beside or above the program;
    /// fill it with scripts/vision-models.sh).
    #[arg(long, value_name = "DIR")]
    pub models: Option<PathBuf>,
}

/// Runs `albumen vision`: exit 0 when every file was read, 1 when some had an error.
pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    let dir = a.models.unwrap_or_else(models_dir);
    let mut vision = Vision::load(&dir).context("loading the vision models")?;
    let stop = crate::stop_on_signals()?;
    let mut out: Vec<Analysis> = Vec::with_capacity(a.files.len());
    for f in &a.files {
        if stop.load(std::sync::atomic::Ordering::Relaxed) {
            break;
        }
        out.push(vision.analyze(f));
    }
    let ok = out.iter().all(|r| r.error.is_none());
    crate::emit(
        a.json,
        &out,
        |w| {
            for r in &out {
                match &r.error {
                    Some(e) => writeln!(w, "{}: error: {e}", r.path.display())?,
                    None if r.text.is_empty() => writeln!(w, "{}: (no text)", r.path.display())?,
                    None => {
                        writeln!(w, "{}:", r.path.display())?;
                        for line in r.text.lines() {
                            writeln!(w, "  {line}")?;
                        }
                    }
                }
            }
            Ok(())
        },
        ok,
    )
}
