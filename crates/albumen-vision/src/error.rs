//! The crate's one error type.

use std::path::PathBuf;

/// Why a model could not be loaded or a picture could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A model or the runtime library is missing from the models folder.
    #[error("vision model missing: {path} (run scripts/vision-models.sh, or set ALBUMEN_MODELS to the folder it filled)")]
    ModelMissing {
        /// The file that was looked for.
        path: PathBuf,
    },
    /// ONNX Runtime could not be loaded from its shared library.
    #[error("cannot load ONNX Runtime from {path}: {message}")]
    Runtime {
        /// The library.
        path: PathBuf,
        /// The loader's message.
        message: String,
    },
    /// A model was refused by ONNX Runtime, or running it failed.
    #[error("{model}: {source}")]
    Model {
        /// The model's file name.
        model: &'static str,
        /// ONNX Runtime's error.
        #[source]
        source: ort::Error,
    },
    /// A model's output did not have the expected shape.
    #[error("{model}: unexpected output shape {shape:?}")]
    Shape {
        /// The model's file name.
        model: &'static str,
        /// The shape it gave.
        shape: Vec<i64>,
    },
    /// The recognition model carries no character dictionary in its metadata.
    #[error("{0}: no character dictionary in the model's metadata")]
    NoDictionary(PathBuf),
    /// A cached preview could not be read back.
    #[error("preview cache {path}: {message}")]
    Cache {
        /// The cached preview file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// The picture could not be previewed (decoded).
    #[error(transparent)]
    Preview(#[from] albumen_preview::Error),
}
