//! The crate's error type, and the answers the API gives on failure.

use std::path::PathBuf;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// What can stop the server or one of its operations.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The index failed.
    #[error(transparent)]
    Index(#[from] albumen_index::Error),
    /// A file or socket operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The path (or listen address) concerned.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A preview could not be made.
    #[error(transparent)]
    Preview(#[from] albumen_preview::Error),
    /// An edit could not be applied.
    #[error(transparent)]
    Edit(#[from] albumen_edit::Error),
    /// The clustering failed.
    #[error(transparent)]
    Geo(#[from] albumen_geo::Error),
    /// Password hashing failed (bad parameters or a malformed stored hash).
    #[error("password hash: {0}")]
    Hash(String),
    /// A blocking task of the server stopped unexpectedly.
    #[error("server task failed: {0}")]
    Task(String),
}

/// Shorthand used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An HTTP failure: a status and a short machine-readable reason (sent as
/// `{"error": reason}`). Internal errors are logged, never sent.
#[derive(Debug)]
pub struct ApiError(pub StatusCode, pub &'static str);

impl ApiError {
    pub(crate) const UNAUTHORIZED: ApiError = ApiError(StatusCode::UNAUTHORIZED, "no-session");
    pub(crate) const NOT_FOUND: ApiError = ApiError(StatusCode::NOT_FOUND, "not-found");
    pub(crate) const BAD_REQUEST: ApiError = ApiError(StatusCode::BAD_REQUEST, "bad-request");
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        match &e {
            Error::Index(albumen_index::Error::NoSuchLibrary(_))
            | Error::Index(albumen_index::Error::NoSuchFile(_)) => ApiError::NOT_FOUND,
            Error::Edit(_) => {
                log::warn!("edit refused: {e}");
                ApiError(StatusCode::UNPROCESSABLE_ENTITY, "edit-failed")
            }
            Error::Preview(_) => {
                log::info!("preview: {e}");
                ApiError(StatusCode::UNSUPPORTED_MEDIA_TYPE, "no-preview")
            }
            _ => {
                log::error!("{e}");
                ApiError(StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, axum::Json(serde_json::json!({ "error": self.1 }))).into_response()
    }
}
