//! `albumen similar FILE`: the indexed photos that look most like FILE (same kind of scene or
//! thing), by the classifier's embedding that `scan --vision` stores.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

/// Arguments of `albumen similar`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// A photo (need not be in the index; when it is, it is left out of the answer).
    pub file: PathBuf,
    /// Index database (filled by `albumen scan --vision`).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// At most this many results.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Print a JSON array: [{"path", "score"}], most similar first (score: cosine similarity,
    /// -1 to 1).
    #[arg(long)]
    pub json: bool,
    /// The models folder (default: $ALBUMEN_MODELS, else models/ beside or above the program).
    #[arg(long, value_name = "DIR")]
    pub models: Option<PathBuf>,
}

/// Runs `albumen similar`: exit 0 when something was found, 1 when nothing was.
pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    let index = crate::open_existing_index(a.db)?;
    let own = std::fs::canonicalize(&a.file)
        .ok()
        .map(|p| index.file_id_of(&p))
        .transpose()?
        .flatten();
    let dir = a.models.unwrap_or_else(albumen_vision::models_dir);
    let query = match albumen_vision::Embedder::load(&dir) {
        Ok(mut e) => e
            .embed(&a.file)
            .with_context(|| format!("reading {}", a.file.display()))?,
        // Without the classifier, an indexed photo still has its stored embedding.
        Err(err) => match own.map(|id| index.embedding_of(id)).transpose()?.flatten() {
            Some(v) => {
                eprintln!("similar: using the stored embedding ({err})");
                v
            }
            None => return Err(err).context("loading the classifier"),
        },
    };
    let hits = index.similar(&query, a.limit, own)?;
    if hits.is_empty() {
        eprintln!("similar: no photo in the index has an embedding (run `albumen scan --vision` with the models of scripts/vision-models.sh)");
    }
    let found = !hits.is_empty();
    crate::emit(
        a.json,
        &hits,
        |w| {
            for h in &hits {
                writeln!(w, "{:.3}\t{}", h.score, h.path.display())?;
            }
            Ok(())
        },
        found,
    )
}
