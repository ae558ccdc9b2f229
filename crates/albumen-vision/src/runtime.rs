//! ONNX Runtime: loading the shared library once, finding model files, building sessions.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ort::session::Session;

use crate::Error;

static RUNTIME: OnceLock<Result<(), String>> = OnceLock::new();

/// Loads ONNX Runtime from `lib` once per process.
pub(crate) fn load_runtime(lib: &Path) -> Result<(), Error> {
    let r = RUNTIME.get_or_init(|| match ort::init_from(lib) {
        Ok(b) => {
            b.with_name("albumen").commit();
            Ok(())
        }
        Err(e) => Err(e.to_string()),
    });
    r.clone().map_err(|message| Error::Runtime {
        path: lib.to_path_buf(),
        message,
    })
}

/// `dir/file`, or [`Error::ModelMissing`] naming it.
pub(crate) fn need(dir: &Path, file: &str) -> Result<PathBuf, Error> {
    let p = dir.join(file);
    if p.is_file() {
        Ok(p)
    } else {
        Err(Error::ModelMissing { path: p })
    }
}

/// Threads per model run: `$ALBUMEN_VISION_THREADS`, else the cores (at most 4).
pub(crate) fn threads() -> usize {
    std::env::var("ALBUMEN_VISION_THREADS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .min(4)
        })
        .max(1)
}

/// A session on the CPU for the model at `path`. The models run one after another on
/// pictures of many sizes (text lines of every width), so ONNX Runtime's memory arena and
/// memory-pattern planning, which keep the largest buffers each shape ever needed, are off:
/// buffers are freed after each run (peak RSS of `scan --vision` over the corpus fell from
/// 866 MiB to the figure in BENCHMARKS.md).
pub(crate) fn session(path: &Path, model: &'static str) -> Result<Session, Error> {
    let err = |e: ort::Error| Error::Model { model, source: e };
    Session::builder()
        .map_err(err)?
        .with_execution_providers([ort::ep::CPU::default().with_arena_allocator(false).build()])
        .map_err(|e| err(e.into()))?
        .with_memory_pattern(false)
        .map_err(|e| err(e.into()))?
        .with_intra_threads(threads())
        .map_err(|e| err(e.into()))?
        .with_inter_threads(1)
        .map_err(|e| err(e.into()))?
        .commit_from_file(path)
        .map_err(err)
}
