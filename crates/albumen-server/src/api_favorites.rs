//! Favourites, per user, kept in the index (never written into the photo file):
//! `POST /api/items/{id}/favorite` `{"favorite": true|false}` → `{"id", "favorite"}`, and
//! `GET /api/items?library=L&favorite=1` (in `api.rs`). Also what an item's own answer
//! (`GET /api/items/{id}`) adds for the page: `favorite` and the `people` seen in it.

use axum::extract::{Path, State as AxState};
use axum::{Extension, Json};
use serde::Deserialize;

use super::{row_for, ApiResult, Sess, St};
use crate::error::{ApiError, Result};
use albumen_index::Index;

#[derive(Deserialize)]
struct FavoriteReq {
    favorite: bool,
}

pub(super) async fn favorite(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Json<serde_json::Value>> {
    let req: FavoriteReq = serde_json::from_slice(&body).map_err(|_| ApiError::BAD_REQUEST)?;
    // Only an item of a library granted to the user (404 otherwise, as for any other item).
    let row = row_for(&state, &s, &id).await?;
    let uid = s.user_id;
    state
        .with_index(move |_, ix| Ok(ix.set_favorite(uid, row.id, req.favorite)?))
        .await?;
    Ok(Json(
        serde_json::json!({ "id": row.id, "favorite": req.favorite }),
    ))
}

/// `favorite` and `people` (`[{"id", "name"}]`, hidden people left out) of item `id` for
/// user `user_id`.
pub(super) fn item_extra(
    ix: &Index,
    user_id: i64,
    id: i64,
) -> Result<Vec<(&'static str, serde_json::Value)>> {
    let favorite = ix.is_favorite(user_id, id)?;
    let people: Vec<serde_json::Value> = ix
        .people_in(id)?
        .into_iter()
        .map(|p| serde_json::json!({ "id": p.id, "name": p.name }))
        .collect();
    Ok(vec![
        ("favorite", serde_json::json!(favorite)),
        ("people", serde_json::json!(people)),
    ])
}
