//! Favourites, per user, kept in the index (never written into the photo file):
//! `POST /api/items/{id}/favorite` `{"favorite": true|false}` → `{"id", "favorite"}`, and
//! `GET /api/items?library=L&favorite=1` (in `api.rs`). Also what an item's own answer
//! (`GET /api/items/{id}`) adds for the page: `favorite` and the `people` seen in it.

use axum::extract::{Path, State as AxState};
use axum::{Extension, Json};
use serde::Deserialize;

use super::{db, row_for, ApiResult, Sess, St};
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
    let c = ix.connection();
    let mut st = c
        .prepare_cached(
            "SELECT DISTINCT p.id, p.name FROM faces fa JOIN people p ON p.id = fa.person_id \
             WHERE fa.file_id = ?1 AND p.id NOT IN (SELECT person_id FROM people_hidden) \
             ORDER BY p.name IS NULL, p.name, p.id",
        )
        .map_err(|e| db(ix, e))?;
    let people: Vec<serde_json::Value> = st
        .query_map([id], |r| {
            Ok(serde_json::json!({
                "id": r.get::<_, i64>(0)?,
                "name": r.get::<_, Option<String>>(1)?,
            }))
        })
        .map_err(|e| db(ix, e))?
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| db(ix, e))?;
    Ok(vec![
        ("favorite", serde_json::json!(favorite)),
        ("people", serde_json::json!(people)),
    ])
}
