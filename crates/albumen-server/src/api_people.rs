//! People (faces grouped by `scan --vision`) in the page:
//! - `GET /api/people?library=L[&hidden=1]` → `[{"id", "name", "faces", "items", "hidden",
//!   "face", "thumb"}]`: the people seen in that library (faces and items counted there),
//!   named ones first, then by faces; hidden people only with `hidden=1`. `thumb` is the
//!   address of the crop of their best face.
//! - `POST /api/people/{id}` `{"name": "…"|null, "hidden": true|false}` (either or both).
//! - `POST /api/people/{id}/merge` `{"from": other_id}`: the other person's faces become this
//!   one's.
//! - `GET /api/faces/{id}/thumb`: a 192 px JPEG crop around a face.
//! - A person's photos: `GET /api/items?library=L&person=ID` (in `api.rs`).
//!
//! People are the index's, shared by its libraries; a user may change a person only when
//! every face of that person is in a library granted to them (naming someone renames them
//! in every library they appear in).

use std::io::Cursor;

use albumen_index::Index;
use axum::extract::{Path, Query, State as AxState};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;

use super::{lib_id, parse_id, visible, ApiResult, Sess, St};
use crate::error::{ApiError, Error, Result};

/// Longest person name (characters).
const MAX_NAME: usize = 200;
/// Side of a face crop, pixels.
const FACE_PX: u32 = 192;

#[derive(Deserialize)]
pub(super) struct PeopleQuery {
    library: String,
    hidden: Option<String>,
}

pub(super) async fn people(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    Query(q): Query<PeopleQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let lib = lib_id(&state, &s, &q.library).await?;
    let with_hidden = q.hidden.as_deref().is_some_and(|h| h == "1" || h == "true");
    let out = state
        .with_index(move |_, ix| {
            Ok(ix
                .library_people(lib)?
                .into_iter()
                .filter(|p| with_hidden || !p.hidden)
                .map(|p| {
                    serde_json::json!({
                        "id": p.id,
                        "name": p.name,
                        "faces": p.faces,
                        "items": p.items,
                        "hidden": p.hidden,
                        "face": p.face,
                        "thumb": p.face.map(|f| format!("/api/faces/{f}/thumb")),
                    })
                })
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(Json(serde_json::json!(out)))
}

/// Whether person `id` exists and every one of its faces is in a library granted to
/// `user_id` (`None`: no such person, or none of its faces visible: answered 404 alike).
fn may_change(ix: &Index, user_id: i64, id: i64) -> Result<Option<bool>> {
    Ok(match ix.person_access(id, user_id)? {
        None => None,
        Some(a) if a.visible == 0 => None,
        Some(a) => Some(a.faces == a.visible),
    })
}

/// 404 when the user sees nothing of person `id`, 403 when part of it is in a library they
/// may not see.
fn check_person(ix: &Index, user_id: i64, id: i64) -> Result<std::result::Result<(), ApiError>> {
    Ok(match may_change(ix, user_id, id)? {
        None => Err(ApiError::NOT_FOUND),
        Some(false) => Err(ApiError(
            axum::http::StatusCode::FORBIDDEN,
            "person-in-other-libraries",
        )),
        Some(true) => Ok(()),
    })
}

#[derive(Deserialize)]
struct UpdateReq {
    /// Absent: unchanged; `null` or "": no name.
    #[serde(default, deserialize_with = "some_option")]
    name: Option<Option<String>>,
    hidden: Option<bool>,
}

/// `"name": null` as `Some(None)`, an absent field as `None`.
fn some_option<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Option<String>>, D::Error> {
    Ok(Some(Option::deserialize(d)?))
}

pub(super) async fn update(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Json<serde_json::Value>> {
    let id = parse_id(&id)?;
    let req: UpdateReq = serde_json::from_slice(&body).map_err(|_| ApiError::BAD_REQUEST)?;
    if req.name.is_none() && req.hidden.is_none() {
        return Err(ApiError::BAD_REQUEST);
    }
    if let Some(Some(n)) = &req.name {
        if n.chars().count() > MAX_NAME || n.chars().any(char::is_control) {
            return Err(ApiError::BAD_REQUEST);
        }
    }
    let uid = s.user_id;
    let out = state
        .with_index(move |st, ix| {
            if let Err(e) = check_person(ix, uid, id)? {
                return Ok(Err(e));
            }
            // `name_person` needs the connection mutably: a connection of its own.
            let mut own = Index::open(ix.path())?;
            if let Some(name) = &req.name {
                own.name_person(id, name.as_deref())?;
            }
            if let Some(h) = req.hidden {
                own.hide_person(id, h)?;
            }
            st.forget_search();
            let Some(p) = own.person_state(id)? else {
                return Ok(Err(ApiError::NOT_FOUND));
            };
            let (name, hidden) = (p.name, p.hidden);
            Ok(Ok(
                serde_json::json!({ "id": id, "name": name, "hidden": hidden }),
            ))
        })
        .await??;
    Ok(Json(out))
}

#[derive(Deserialize)]
struct MergeReq {
    from: i64,
}

pub(super) async fn merge(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Json<serde_json::Value>> {
    let into = parse_id(&id)?;
    let req: MergeReq = serde_json::from_slice(&body).map_err(|_| ApiError::BAD_REQUEST)?;
    if req.from == into {
        return Err(ApiError::BAD_REQUEST);
    }
    let uid = s.user_id;
    let out = state
        .with_index(move |st, ix| {
            for p in [into, req.from] {
                if let Err(e) = check_person(ix, uid, p)? {
                    return Ok(Err(e));
                }
            }
            let mut own = Index::open(ix.path())?;
            own.merge_people(into, req.from)?;
            own.hide_person(into, false)?;
            own.forget_hidden(req.from)?;
            st.forget_search();
            Ok(Ok(serde_json::json!({ "id": into, "merged": req.from })))
        })
        .await??;
    Ok(Json(out))
}

pub(super) async fn face_thumb(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let face = parse_id(&id)?;
    let uid = s.user_id;
    let (row, bbox) = state
        .with_index(move |_, ix| {
            let Some(albumen_index::FaceBox {
                file_id: file,
                bbox,
                ..
            }) = ix.face_box(face)?
            else {
                return Ok(None);
            };
            Ok(visible(ix, uid, file)?.map(|row| (row, bbox)))
        })
        .await?
        .ok_or(ApiError::NOT_FOUND)?;
    let _slot = state
        .preview_slots
        .acquire()
        .await
        .map_err(|e| Error::Task(e.to_string()))?;
    let cache = state.cache.clone();
    let jpeg = tokio::task::spawn_blocking(move || -> Option<Vec<u8>> {
        let made = cache
            .get_or_make(&row.path, &albumen_preview::Options::new(1440))
            .ok()?;
        let img = image::open(&made.thumb).ok()?;
        crop_face(&img, bbox)
    })
    .await
    .map_err(|e| Error::Task(e.to_string()))?
    .ok_or(ApiError::NOT_FOUND)?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        jpeg,
    )
        .into_response())
}

/// A square JPEG of [`FACE_PX`] around the face box (fractions of the picture), with a
/// margin of half the box on each side, kept inside the picture.
fn crop_face(img: &image::DynamicImage, bbox: [f64; 4]) -> Option<Vec<u8>> {
    let (w, h) = (f64::from(img.width()), f64::from(img.height()));
    if !bbox.iter().all(|v| v.is_finite()) || w < 1.0 || h < 1.0 {
        return None;
    }
    let [x, y, bw, bh] = bbox;
    let (cx, cy) = ((x + bw / 2.0) * w, (y + bh / 2.0) * h);
    let side = ((bw * w).max(bh * h) * 2.0).clamp(8.0, w.min(h));
    let left = (cx - side / 2.0).clamp(0.0, w - side);
    let top = (cy - side / 2.0).clamp(0.0, h - side);
    let crop = img.crop_imm(left as u32, top as u32, side as u32, side as u32);
    let small = crop.resize_exact(FACE_PX, FACE_PX, image::imageops::FilterType::Triangle);
    let mut out = Cursor::new(Vec::new());
    small
        .to_rgb8()
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .ok()?;
    Some(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::crop_face;

    #[test]
    fn face_crops_stay_inside_the_picture() {
        let img = image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
            400,
            300,
            image::Rgb([200, 10, 10]),
        ));
        for bbox in [
            [0.4, 0.4, 0.1, 0.1],
            [0.0, 0.0, 0.05, 0.05],
            [0.95, 0.9, 0.2, 0.3],
            [-1.0, -1.0, 5.0, 5.0],
        ] {
            let jpeg = crop_face(&img, bbox).unwrap_or_default();
            let back = image::load_from_memory(&jpeg).unwrap_or_else(|e| panic!("{bbox:?}: {e}"));
            assert_eq!((back.width(), back.height()), (192, 192));
        }
        assert!(crop_face(&img, [f64::NAN, 0.0, 0.1, 0.1]).is_none());
    }
}
