//! `GET /api/verify?library=L`: when the library was last verified against its backups (a
//! folder, an rclone remote), against what, and what was missing then. Read-only; behind the
//! session like every `/api/` route, and only for a library granted to the user (404 otherwise,
//! as for the other routes).

use std::collections::HashSet;

use axum::extract::{Query, State as AxState};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};

use crate::api::{library_for, Sess, St};
use crate::error::ApiError;

/// Runs returned at most.
const RUNS: i64 = 20;

#[derive(Deserialize)]
pub(crate) struct VerifyQuery {
    library: String,
}

#[derive(Serialize)]
pub(crate) struct VerifyOut {
    /// The newest run against each backup, newest first.
    latest: Vec<albumen_index::VerifyRun>,
    /// The last runs, newest first (all backups).
    runs: Vec<albumen_index::VerifyRun>,
}

/// The handler.
pub(crate) async fn verify_runs(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    Query(q): Query<VerifyQuery>,
) -> Result<Json<VerifyOut>, ApiError> {
    let uid = s.user_id();
    let out = state
        .with_index(move |_, ix| {
            let Some(lib) = library_for(ix, uid, &q.library)? else {
                return Ok(None);
            };
            let runs = ix.verify_runs(lib, RUNS)?;
            let mut seen = HashSet::new();
            let latest = runs
                .iter()
                .filter(|r| seen.insert(r.target.clone()))
                .cloned()
                .collect();
            Ok(Some(VerifyOut { latest, runs }))
        })
        .await?;
    out.map(Json).ok_or(ApiError::NOT_FOUND)
}
