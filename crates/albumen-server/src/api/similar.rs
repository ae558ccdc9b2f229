//! `GET /api/items/{id}/similar?limit=N`: the items that look most like item `id` (same kind of
//! scene or thing), by the embeddings `scan --vision` stores, among the libraries the user may
//! see. Answers `{"items": [{"id", "score"}]}`, most similar first (score: cosine similarity);
//! an empty list and a `reason` when the item has no embedding.

use std::collections::HashSet;
use std::sync::Arc;

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
        .with_index(move |st, ix| {
            let db = Error::from;
            let Some(query) = ix.embedding_of(row.id).map_err(db)? else {
                return Ok(serde_json::json!({
                    "items": [],
                    "reason": "no embedding for this item (run `albumen scan --vision` with the classifier)",
                }));
            };
            let seen: HashSet<i64> = ix.embedded_visible_to(uid).map_err(db)?;
            let set = embeddings(st, ix, query.len())?;
            let hits = set.nearest_where(&query, limit, |f| f != row.id && seen.contains(&f));
            let items: Vec<serde_json::Value> = hits
                .iter()
                .map(|h| serde_json::json!({ "id": h.file_id, "score": h.score }))
                .collect();
            Ok(serde_json::json!({ "items": items }))
        })
        .await?;
    Ok(Json(v))
}

/// The stored embeddings of length `dim`: those read before while the index has not changed
/// since, else read now and kept.
fn embeddings(
    st: &crate::State,
    ix: &albumen_index::Index,
    dim: usize,
) -> crate::error::Result<Arc<albumen_index::Embeddings>> {
    let version = st.version();
    if let Ok(kept) = st.embeddings.lock() {
        if let Some((v, set)) = kept.as_ref() {
            if version.is_some() && *v == version && set.dim() == dim {
                return Ok(Arc::clone(set));
            }
        }
    }
    let set = Arc::new(ix.embeddings(dim)?);
    if let Ok(mut kept) = st.embeddings.lock() {
        *kept = Some((version, Arc::clone(&set)));
    }
    Ok(set)
}
