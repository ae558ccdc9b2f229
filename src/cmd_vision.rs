//! `albumen vision`, `albumen search` and the vision pass of `scan --vision`: text, faces and
//! object tags seen in photos, on the CPU.

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
    /// Print a JSON array: [{"path", "text", "faces": [{"x", "y", "w", "h", "score",
    /// "person", "person_name"}], "tags": [{"label", "label_zh", "score", "source"}], "error"}]
    /// ("source" is "coco" for the object detector, "imagenet" for the scene words; face
    /// boxes are fractions of the picture; "person" is the id of the person in `--db` the face
    /// would join, null without `--db` or for nobody known).
    #[arg(long)]
    pub json: bool,
    /// Index whose people the faces are recognised as (read only: nothing is stored; `scan
    /// --vision` stores).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Preview cache to take pictures from and leave them in (default: the web server's
    /// preview folder when it exists; none otherwise).
    #[arg(long, value_name = "DIR")]
    pub previews: Option<PathBuf>,
    /// The models folder (default: $ALBUMEN_MODELS, else models/ beside or above the program;
    /// fill it with scripts/vision-models.sh).
    #[arg(long, value_name = "DIR")]
    pub models: Option<PathBuf>,
}

/// Runs `albumen vision`: exit 0 when every file was read, 1 when some had an error.
pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    let roots: Vec<PathBuf> = a
        .files
        .iter()
        .filter_map(|f| std::fs::canonicalize(f).ok()?.parent().map(PathBuf::from))
        .collect();
    let mut vision = load(Sources {
        models: a.models,
        previews: a.previews,
        roots: &roots,
    })?;
    note_classifier(&vision);
    let index = match a.db {
        Some(db) => Some(crate::open_existing_index(Some(db))?),
        None => None,
    };
    let stop = crate::stop_on_signals()?;
    let mut out: Vec<Analysis> = Vec::with_capacity(a.files.len());
    for f in &a.files {
        if stop.load(std::sync::atomic::Ordering::Relaxed) {
            break;
        }
        let mut r = vision.analyze(f);
        if let Some(index) = &index {
            let embeddings: Vec<Vec<f32>> = r.faces.iter().map(|f| f.embedding.clone()).collect();
            let who = index.identify_faces(&embeddings)?;
            for (face, who) in r.faces.iter_mut().zip(who) {
                if let Some(who) = who {
                    face.person = Some(who.id);
                    face.person_name = who.name;
                }
            }
        }
        out.push(r);
    }
    let ok = out.iter().all(|r| r.error.is_none());
    crate::emit(
        a.json,
        &out,
        |w| {
            for r in &out {
                match &r.error {
                    Some(e) => writeln!(w, "{}", crate::about(&r.path, e))?,
                    None => {
                        writeln!(w, "{}:", r.path.display())?;
                        for line in r.text.lines() {
                            writeln!(w, "  text: {line}")?;
                        }
                        for f in &r.faces {
                            let who = match (f.person, &f.person_name) {
                                (_, Some(name)) => format!(", {name}"),
                                (Some(id), None) => format!(", person {id}"),
                                (None, None) => String::new(),
                            };
                            writeln!(
                                w,
                                "  face: {:.2} at {:.2},{:.2} size {:.2}x{:.2}{who}",
                                f.score, f.x, f.y, f.w, f.h
                            )?;
                        }
                        if !r.tags.is_empty() {
                            let tags: Vec<String> = r
                                .tags
                                .iter()
                                .map(|t| format!("{} {} {:.2}", t.label, t.label_zh, t.score))
                                .collect();
                            writeln!(w, "  tags: {}", tags.join(", "))?;
                        }
                    }
                }
            }
            Ok(())
        },
        ok,
    )
}

/// Where the vision pass finds its models and pictures.
pub(crate) struct Sources<'a> {
    /// The models folder (default: [`models_dir`]).
    pub models: Option<PathBuf>,
    /// The preview cache (default: the web server's, when that folder exists).
    pub previews: Option<PathBuf>,
    /// The photo folders (a preview cache inside one is refused).
    pub roots: &'a [PathBuf],
}

/// One line on stderr when the classifier is missing (no scene words, no "more like this").
fn note_classifier(vision: &Vision) {
    if let Some(e) = vision.classifier_missing() {
        eprintln!("vision: no scene words or similar-photo search: {e}");
    }
}

/// Loads the models, with the preview cache when there is one.
fn load(s: Sources<'_>) -> anyhow::Result<Vision> {
    let dir = s.models.unwrap_or_else(models_dir);
    let vision = Vision::load(&dir).context("loading the vision models")?;
    let previews = s
        .previews
        .or_else(|| albumen_server::default_cache_dir().filter(|d| d.is_dir()));
    Ok(match previews {
        Some(p) => {
            let cache = albumen_preview::Cache::open(&p, s.roots)
                .with_context(|| format!("preview cache {}", p.display()))?;
            vision.with_cache(cache)
        }
        None => vision,
    })
}

/// What `scan --vision` did.
#[derive(Debug, Default, serde::Serialize)]
pub(crate) struct VisionSummary {
    /// Files read (new or changed since the last vision pass).
    pub read: u64,
    /// Of those, files with text.
    pub with_text: u64,
    /// Faces found in them.
    pub faces: u64,
    /// Files with at least one object tag.
    pub with_tags: u64,
    /// Of those, files that could not be analysed.
    pub errors: u64,
    /// Whether every pending file was read (false when stopped).
    pub complete: bool,
}

/// Words the index does not hold but search should find: the place of the GPS position and
/// the file's title, description, hierarchical keywords and people names (the index adds
/// the keywords it keeps).
fn extra_words(item: &albumen_index::VisionPending) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(p) = item
        .gps
        .and_then(|(lat, lon)| albumen_geo::reverse_geocode(lat, lon))
    {
        out.extend(p.city);
        out.extend(p.region);
        out.push(p.country);
    }
    if let Ok(md) = albumen_meta::Reader::new().read_path(&item.path) {
        out.extend(md.title);
        out.extend(md.description);
        // The keywords themselves are appended by the index (kept current after edits).
        out.extend(md.hierarchical_keywords);
        out.extend(md.people);
    }
    out
}

/// The vision pass of `scan --vision`: reads the text of every image and video that is new or
/// changed since the last pass and stores it, with the file's searchable facts, in the
/// index's search tables. A progress line on stderr when it is a terminal.
pub(crate) fn fill_index(
    index: &mut albumen_index::Index,
    sources: Sources<'_>,
    quiet: bool,
    stop: &std::sync::atomic::AtomicBool,
) -> anyhow::Result<VisionSummary> {
    use std::io::IsTerminal;
    let mut pending = index.vision_pending()?;
    let mut sum = VisionSummary::default();
    // Files read before the classifier was installed get their scene words and embedding now
    // (only worth loading the models for when the classifier is there).
    let models = sources
        .models
        .clone()
        .unwrap_or_else(albumen_vision::models_dir);
    if models
        .join(albumen_vision::classify::CLASSIFIER_FILE)
        .is_file()
    {
        pending.extend(index.embedding_pending()?);
    }
    if pending.is_empty() {
        sum.complete = true;
        return Ok(sum);
    }
    let mut vision = load(sources)?;
    if !quiet {
        note_classifier(&vision);
    }
    let tty = !quiet && std::io::stderr().is_terminal();
    let start = std::time::Instant::now();
    let total = pending.len();
    for (i, item) in pending.iter().enumerate() {
        if stop.load(std::sync::atomic::Ordering::Relaxed) {
            break;
        }
        let a = vision.analyze(&item.path);
        let embedding = a.embedding.clone();
        let rec = albumen_index::VisionRecord {
            text: a.text,
            error: a.error,
            extra: extra_words(item),
            faces: a
                .faces
                .into_iter()
                .map(|f| albumen_index::FaceRecord {
                    x: f.x,
                    y: f.y,
                    w: f.w,
                    h: f.h,
                    score: f.score,
                    embedding: f.embedding,
                })
                .collect(),
            tags: a
                .tags
                .into_iter()
                .map(|t| albumen_index::TagRecord {
                    label: t.label,
                    label_zh: t.label_zh,
                    score: t.score,
                })
                .collect(),
        };
        sum.read += 1;
        sum.with_text += u64::from(!rec.text.is_empty());
        sum.faces += rec.faces.len() as u64;
        sum.with_tags += u64::from(!rec.tags.is_empty());
        sum.errors += u64::from(rec.error.is_some());
        index.store_vision(item, &rec)?;
        if vision.classifier_missing().is_none() {
            index.store_embedding(item.file_id, embedding.as_deref().unwrap_or(&[]))?;
        }
        if tty {
            let rate = (i + 1) as f64 / start.elapsed().as_secs_f64().max(1e-3);
            let eta = (total - i - 1) as f64 / rate.max(1e-6);
            eprint!(
                "\r\x1b[2Kvision {}/{total} ({rate:.1} files/s, ETA {eta:.0} s)",
                i + 1
            );
        }
    }
    if tty {
        eprint!("\r\x1b[2K");
    }
    sum.complete = sum.read as usize == total;
    Ok(sum)
}

/// Arguments of `albumen search`.
#[derive(clap::Args, Debug)]
pub struct SearchArgs {
    /// Words to find (all of them): text in the photos, people's names, object and scene
    /// words (English or Chinese: dog/狗, beach/海滩, mountain/山…), places, keywords, cameras,
    /// dates.
    #[arg(required = true)]
    pub query: Vec<String>,
    /// Index database (filled by `albumen scan --vision`).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// At most this many results.
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
    /// Print a JSON array: [{"path", "time", "text"}].
    #[arg(long)]
    pub json: bool,
}

/// Runs `albumen search`: exit 0 when something was found, 1 when nothing was.
pub fn run_search(a: SearchArgs) -> anyhow::Result<ExitCode> {
    let index = crate::open_existing_index(a.db)?;
    let hits = index.search(&a.query.join(" "), a.limit)?;
    let found = !hits.is_empty();
    crate::emit(
        a.json,
        &hits,
        |w| {
            for h in &hits {
                let text: String = h.text.split_whitespace().collect::<Vec<_>>().join(" ");
                writeln!(
                    w,
                    "{}\t{}\t{}",
                    h.time.as_deref().unwrap_or("-"),
                    h.path.display(),
                    text.chars().take(80).collect::<String>()
                )?;
            }
            Ok(())
        },
        found,
    )
}
