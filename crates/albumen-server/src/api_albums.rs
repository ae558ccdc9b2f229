//! The routes of albums, share links and the trash, behind a session (see `api::router`: 401
//! without one, the CSRF token on every write). An album is its owner's only: another user's
//! album answers 404 as an unknown one does. Trash and restore need `serve --allow-edit`.

use std::path::PathBuf;

use axum::extract::{Path, Query, State as AxState};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;

use crate::api::{library_for, now_s, parse_id, visible, ApiResult, ItemOut, Sess, St};
use crate::error::{ApiError, Error};

/// Most ids one album request may name.
const MAX_IDS: usize = 10_000;
/// Longest a link may live.
const MAX_LINK_DAYS: i64 = 3650;

/// The session-guarded routes of this module.
pub(crate) fn routes() -> Router<St> {
    Router::new()
        .route("/api/albums", get(list).post(create))
        .route("/api/albums/{id}", post(update).delete(remove_album))
        .route("/api/albums/{id}/items", get(items).post(add_items))
        .route("/api/albums/{id}/remove", post(remove_items))
        .route("/api/albums/{id}/withheld", get(withheld))
        .route("/api/albums/{id}/links", post(create_link))
        .route("/api/albums/{id}/links/{token}", delete(revoke_link))
        .route("/api/items/{id}/trash", post(trash))
        .route("/api/trash", get(trash_list))
        .route("/api/trash/{id}/restore", post(restore))
}

/// Finishes the trash moves a killed run left half done (logged; the server starts anyway).
pub(crate) fn finish_trash(db: &std::path::Path) {
    if !albumen_index::is_database_url(db) && !db.is_file() {
        return;
    }
    match albumen_index::Index::open(db).and_then(|ix| ix.finish_trash()) {
        Ok(r) => {
            for id in r.finished {
                log::warn!("finished the interrupted trash move of item {id}");
            }
            for (id, why) in r.failed {
                log::error!("item {id}: the interrupted trash move cannot be finished: {why}");
            }
        }
        Err(e) => log::error!("the trash's journal cannot be read: {e}"),
    }
}

/// The trash folder of this server's index.
pub(crate) fn trash_dir(state: &crate::State) -> PathBuf {
    albumen_index::default_trash_dir(&state.config.db)
}

async fn list(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
) -> ApiResult<Json<Vec<albumen_index::Album>>> {
    let uid = s.user_id;
    let out = state
        .with_index(move |_, ix| Ok(ix.albums_at(uid, now_s())?))
        .await?;
    Ok(Json(out))
}

#[derive(Deserialize)]
struct CreateReq {
    name: String,
    library: String,
}

async fn create(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    body: axum::body::Bytes,
) -> ApiResult<Json<serde_json::Value>> {
    let req: CreateReq = serde_json::from_slice(&body).map_err(|_| ApiError::BAD_REQUEST)?;
    let uid = s.user_id;
    let id = state
        .with_index(move |_, ix| {
            let Some(lib) = library_for(ix, uid, &req.library)? else {
                return Ok(Err(ApiError::NOT_FOUND));
            };
            match ix.create_album(uid, lib, &req.name, now_s()) {
                Ok(id) => Ok(Ok(id)),
                Err(albumen_index::Error::BadAlbumName(_)) => {
                    Ok(Err(ApiError(StatusCode::BAD_REQUEST, "bad-name")))
                }
                Err(e) => Err(e.into()),
            }
        })
        .await??;
    Ok(Json(serde_json::json!({ "id": id })))
}

#[derive(Deserialize)]
struct UpdateReq {
    name: Option<String>,
    /// The cover item; `0` clears it.
    cover: Option<i64>,
}

async fn update(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Json<serde_json::Value>> {
    let id = parse_id(&id)?;
    let req: UpdateReq = serde_json::from_slice(&body).map_err(|_| ApiError::BAD_REQUEST)?;
    let uid = s.user_id;
    state
        .with_index(move |_, ix| {
            if ix.album_owned(id, uid)?.is_none() {
                return Ok(Err(ApiError::NOT_FOUND));
            }
            if let Some(n) = &req.name {
                match ix.rename_album(id, uid, n) {
                    Ok(_) => {}
                    Err(albumen_index::Error::BadAlbumName(_)) => {
                        return Ok(Err(ApiError(StatusCode::BAD_REQUEST, "bad-name")))
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            if let Some(c) = req.cover {
                if !ix.set_album_cover(id, uid, (c > 0).then_some(c))? {
                    return Ok(Err(ApiError(StatusCode::BAD_REQUEST, "not-in-album")));
                }
            }
            Ok(Ok(()))
        })
        .await??;
    Ok(Json(serde_json::json!({})))
}

async fn remove_album(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let id = parse_id(&id)?;
    let uid = s.user_id;
    let gone = state
        .with_index(move |_, ix| Ok(ix.delete_album(id, uid)?))
        .await?;
    if !gone {
        return Err(ApiError::NOT_FOUND);
    }
    Ok(Json(serde_json::json!({})))
}

async fn items(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let id = parse_id(&id)?;
    let uid = s.user_id;
    let out = state
        .with_index(move |_, ix| {
            if ix.album_owned(id, uid)?.is_none() {
                return Ok(None);
            }
            let ids = ix.album_item_ids(id)?;
            let mut items = Vec::with_capacity(ids.len());
            for i in ids {
                if let Some(it) = ix.item_row(i)? {
                    items.push(ItemOut::from(it));
                }
            }
            let album = ix.albums_at(uid, now_s())?.into_iter().find(|a| a.id == id);
            Ok(Some(serde_json::json!({ "album": album, "items": items })))
        })
        .await?;
    out.map(Json).ok_or(ApiError::NOT_FOUND)
}

#[derive(Deserialize)]
struct IdsReq {
    items: Vec<i64>,
}

async fn add_items(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Json<serde_json::Value>> {
    let id = parse_id(&id)?;
    let req: IdsReq = serde_json::from_slice(&body).map_err(|_| ApiError::BAD_REQUEST)?;
    if req.items.len() > MAX_IDS {
        return Err(ApiError::BAD_REQUEST);
    }
    let uid = s.user_id;
    let added = state
        .with_index(move |_, ix| Ok(ix.add_album_items(id, uid, &req.items, now_s())?))
        .await?
        .ok_or(ApiError::NOT_FOUND)?;
    Ok(Json(serde_json::json!({ "added": added })))
}

async fn remove_items(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Json<serde_json::Value>> {
    let id = parse_id(&id)?;
    let req: IdsReq = serde_json::from_slice(&body).map_err(|_| ApiError::BAD_REQUEST)?;
    if req.items.len() > MAX_IDS {
        return Err(ApiError::BAD_REQUEST);
    }
    let uid = s.user_id;
    let removed = state
        .with_index(move |_, ix| Ok(ix.remove_album_items(id, uid, &req.items)?))
        .await?
        .ok_or(ApiError::NOT_FOUND)?;
    Ok(Json(serde_json::json!({ "removed": removed })))
}

/// The album's items a link will not serve as originals, with why (the owner's view): a file
/// whose location or serial numbers cannot be removed losslessly is shown as a preview only.
async fn withheld(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let id = parse_id(&id)?;
    let uid = s.user_id;
    let rows = state
        .with_index(move |_, ix| {
            if ix.album_owned(id, uid)?.is_none() {
                return Ok(None);
            }
            let mut rows = Vec::new();
            for i in ix.album_item_ids(id)? {
                if let Some(r) = visible(ix, uid, i)? {
                    let v = match r.video_id {
                        Some(v) => visible(ix, uid, v)?,
                        None => None,
                    };
                    rows.push((r, v));
                }
            }
            Ok(Some(rows))
        })
        .await?
        .ok_or(ApiError::NOT_FOUND)?;
    let out = tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        for (r, v) in rows {
            let mut why = crate::share::strip_check(&r.path).err();
            if why.is_none() {
                if let Some(v) = &v {
                    why = crate::share::strip_check(&v.path)
                        .err()
                        .map(|w| format!("the Live Photo's video: {w}"));
                }
            }
            if let Some(w) = why {
                out.push(serde_json::json!({ "id": r.id, "reason": w }));
            }
        }
        out
    })
    .await
    .map_err(|e| Error::Task(e.to_string()))?;
    Ok(Json(serde_json::json!({ "withheld": out })))
}

#[derive(Deserialize)]
struct LinkReq {
    expires_days: Option<i64>,
}

async fn create_link(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Json<serde_json::Value>> {
    let id = parse_id(&id)?;
    let req: LinkReq = if body.is_empty() {
        LinkReq { expires_days: None }
    } else {
        serde_json::from_slice(&body).map_err(|_| ApiError::BAD_REQUEST)?
    };
    let days = req.expires_days.unwrap_or(30);
    if !(1..=MAX_LINK_DAYS).contains(&days) {
        return Err(ApiError(StatusCode::BAD_REQUEST, "expires_days"));
    }
    let token = crate::share::new_token()?;
    let uid = s.user_id;
    let t = token.clone();
    let (link, expires_at) = state
        .with_index(move |_, ix| {
            if ix.album_owned(id, uid)?.is_none() {
                return Ok(None);
            }
            let now = now_s();
            let exp = now.saturating_add(days.saturating_mul(86_400));
            Ok(Some((ix.create_link(id, &t, now, exp)?, exp)))
        })
        .await?
        .ok_or(ApiError::NOT_FOUND)?;
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| h.bytes().all(|b| b.is_ascii_graphic()))
        .map(|h| format!("http://{h}"))
        .unwrap_or_default();
    Ok(Json(serde_json::json!({
        "id": link,
        "token": token,
        "path": format!("/s/{token}"),
        "url": format!("{host}/s/{token}"),
        "expires_at": expires_at,
    })))
}

async fn revoke_link(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    Path((id, token)): Path<(String, String)>,
) -> ApiResult<Json<serde_json::Value>> {
    let id = parse_id(&id)?;
    let uid = s.user_id;
    let (tok, link_id) = if crate::share::token_shape(&token) {
        (Some(token), None)
    } else {
        (None, Some(parse_id(&token)?))
    };
    let ok = state
        .with_index(move |_, ix| Ok(ix.revoke_link(id, uid, tok.as_deref(), link_id, now_s())?))
        .await?;
    if !ok {
        return Err(ApiError::NOT_FOUND);
    }
    Ok(Json(serde_json::json!({})))
}

fn trash_error(e: Error) -> ApiError {
    match e {
        Error::Index(albumen_index::Error::DestinationTaken(p)) => {
            log::warn!("restore refused: {} is taken", p.display());
            ApiError(StatusCode::CONFLICT, "destination-taken")
        }
        Error::Index(albumen_index::Error::TrashInsideRoot { .. }) => {
            log::error!("{e}");
            ApiError(StatusCode::CONFLICT, "trash-inside-library")
        }
        Error::Index(albumen_index::Error::NotTrashed(_)) => ApiError::NOT_FOUND,
        e => e.into(),
    }
}

async fn trash(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    if !state.config.allow_edit {
        return Err(ApiError(StatusCode::FORBIDDEN, "read-only"));
    }
    let id = parse_id(&id)?;
    let uid = s.user_id;
    let _one = state.edit_lock.lock().await;
    let out = state
        .with_index(move |st, ix| {
            let Some(row) = visible(ix, uid, id)? else {
                return Ok(Err(ApiError::NOT_FOUND));
            };
            // A Live Photo's video is trashed through its still.
            let paired = ix.is_paired_video(id)?;
            if paired {
                return Ok(Err(ApiError::NOT_FOUND));
            }
            match ix.trash_item(id, Some(uid), &trash_dir(st), now_s()) {
                Ok(t) => {
                    st.invalidate(row.library_id);
                    Ok(Ok(t))
                }
                Err(e) => Ok(Err(trash_error(e.into()))),
            }
        })
        .await??;
    Ok(Json(serde_json::json!({
        "id": out.item_id,
        "files": out.files.len(),
        "trashed_at": out.trashed_at,
    })))
}

#[derive(Deserialize)]
struct LibQuery {
    library: String,
}

async fn trash_list(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    Query(q): Query<LibQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let uid = s.user_id;
    let out = state
        .with_index(move |_, ix| {
            let Some(lib) = library_for(ix, uid, &q.library)? else {
                return Ok(None);
            };
            let items: Vec<_> = ix
                .trash_list(Some(lib))?
                .into_iter()
                .map(|t| {
                    let names: Vec<String> = t
                        .files
                        .iter()
                        .filter_map(|f| f.origin.file_name())
                        .map(|n| n.to_string_lossy().into_owned())
                        .collect();
                    serde_json::json!({
                        "id": t.item_id,
                        "trashed_at": t.trashed_at,
                        "state": t.state,
                        "files": names,
                        "bytes": t.files.iter().map(|f| f.size).sum::<u64>(),
                    })
                })
                .collect();
            Ok(Some(serde_json::json!({ "items": items })))
        })
        .await?;
    out.map(Json).ok_or(ApiError::NOT_FOUND)
}

enum Restored {
    Done(albumen_index::TrashedItem),
    Refused(ApiError),
    Taken(PathBuf),
}

async fn restore(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    if !state.config.allow_edit {
        return Err(ApiError(StatusCode::FORBIDDEN, "read-only"));
    }
    let id = parse_id(&id)?;
    let uid = s.user_id;
    let _one = state.edit_lock.lock().await;
    let out = state
        .with_index(move |st, ix| {
            let Some(t) = ix.trashed_item(id)? else {
                return Ok(Restored::Refused(ApiError::NOT_FOUND));
            };
            let granted = crate::api::granted(ix, uid)?;
            if !granted.values().any(|l| *l == t.library_id) {
                return Ok(Restored::Refused(ApiError::NOT_FOUND));
            }
            Ok(match ix.restore_item(id) {
                Ok(t) => {
                    st.invalidate(t.library_id);
                    Restored::Done(t)
                }
                Err(albumen_index::Error::DestinationTaken(p)) => Restored::Taken(p),
                Err(e) => Restored::Refused(trash_error(e.into())),
            })
        })
        .await?;
    match out {
        Restored::Done(t) => Ok(Json(
            serde_json::json!({ "id": t.item_id, "files": t.files.len() }),
        )
        .into_response()),
        Restored::Refused(api) => Err(api),
        Restored::Taken(p) => Ok((
            StatusCode::CONFLICT,
            Json(serde_json::json!({
                "error": "destination-taken",
                "message": format!(
                    "{} is taken: nothing was moved; move that file away, then restore",
                    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
                ),
            })),
        )
            .into_response()),
    }
}
