//! `GET /api/items/{id}/similar?limit=N`: the items that look most like item `id` (same kind of
//! scene or thing), by the embeddings `scan --vision` stores, among the libraries the user may
//! see. Answers `{"items": [{"id", "score"}]}`, most similar first (score: cosine similarity);
//! an empty list and a `reason` when the item has no embedding.

use std::collections::HashSet;

use axum::extract::{Path, Query, State as AxState};
use axum::{Extension, Json};
use serde::Deserialize;

use super::{row_for, ApiResult, Sess, St};
use crate::error::Error;

/// Most items one answer may hold.
const MAX_SIMILAR: usize = 200;

/// The query string.
#[derive(Debug, Deserialize)]
pub(super) struct SimilarQuery {
    limit: Option<usize>,
}

pub(super) async fn similar(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    Path(id): Path<String>,
    Query(q): Query<SimilarQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let row = row_for(&state, &s, &id).await?;
    let uid = s.user_id;
    let limit = q.limit.unwrap_or(24).clamp(1, MAX_SIMILAR);
    let v = state
        .with_index(move |_, ix| {
            let db = Error::from;
            let Some(query) = ix.embedding_of(row.id).map_err(db)? else {
                return Ok(serde_json::json!({
                    "items": [],
                    "reason": "no embedding for this item (run `albumen scan --vision` with the classifier)",
                }));
            };
            let seen: HashSet<i64> = ix.embedded_visible_to(uid).map_err(db)?;
            let hits = ix
                .similar_where(&query, limit, |f| f != row.id && seen.contains(&f))
                .map_err(db)?;
            let items: Vec<serde_json::Value> = hits
                .iter()
                .map(|h| serde_json::json!({ "id": h.file_id, "score": h.score }))
                .collect();
            Ok(serde_json::json!({ "items": items }))
        })
        .await?;
    Ok(Json(v))
}
