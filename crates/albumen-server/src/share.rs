//! What a share link opens, without a session: the page `/s/{token}` and
//! `/api/shared/{token}/items[/{id}/thumb|preview|original|video]`.
//!
//! A link shows one album's items and nothing else: every item id is checked against the
//! album (an item of another album, library or user answers 404 like an unknown one); no
//! library, user, path, file name or position is ever sent. Tokens are 256 bits from the OS
//! (`getrandom`), kept hashed in the index and compared in constant time; wrong tokens are
//! counted per client address like failed logins ([`crate::MAX_FAILURES`] in
//! [`crate::WINDOW`], then 429).
//!
//! A stack (RAW+JPEG twin, edited version, burst) is shared as its face alone: the face's
//! thumbnail, preview and original, never its other members (a link's `video` is a Live
//! Photo's video only, as in the owner's view), so a link never hands out a raw or the
//! unedited original the owner did not pick to show.
//!
//! Originals (and Live Photo videos) are served with their location and serial numbers removed
//! by albumen-edit's lossless edit applied to the bytes in memory ([`strip`]): the library's
//! file is only read. A file that cannot be stripped that way is not served (404 with a
//! reason; the owner's album view lists why) — its preview still is (previews carry no
//! metadata).

use std::net::{IpAddr, SocketAddr};
use std::path::Path as FsPath;

use axum::extract::{ConnectInfo, Path, State as AxState};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use albumen_index::Throttle;

use crate::api::{make_preview, now_s, parse_id, ApiResult, Row, St};
use crate::error::{ApiError, Error};
use crate::media::mime_of;

/// Largest file a link serves as an original (it is stripped in memory).
pub(crate) const MAX_SHARED_BYTES: u64 = 512 << 20;

/// The anonymous routes.
pub(crate) fn routes() -> Router<St> {
    Router::new()
        .route("/s/{token}", get(page))
        .route("/api/shared/{token}/items", get(items))
        .route("/api/shared/{token}/items/{id}/{what}", get(media))
}

/// A new share token: 32 bytes from the OS RNG as 64 hex digits.
pub(crate) fn new_token() -> Result<String, Error> {
    let mut b = [0u8; 32];
    getrandom::getrandom(&mut b).map_err(|e| Error::Hash(e.to_string()))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// Whether `t` looks like a token (64 lowercase hex digits).
pub(crate) fn token_shape(t: &str) -> bool {
    t.len() == 64 && t.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The album a token opens, or the answer to give: 429 when the address guessed too often,
/// 404 for an unknown, expired or revoked token. Wrong tokens are counted in the index (per
/// client address), so that every server on the database counts the same ones.
async fn open(state: &St, ip: IpAddr, token: &str) -> ApiResult<albumen_index::SharedAlbum> {
    let t = token.to_string();
    state
        .with_index(move |_, ix| {
            let ip = ip.to_string();
            let keys = [Throttle::LinkFrom(&ip)];
            let now = now_s();
            let window = crate::auth::window_s();
            if ix.throttled(&keys, now, crate::MAX_FAILURES, window)? {
                return Ok(Err(ApiError(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too-many-attempts",
                )));
            }
            let found = if token_shape(&t) {
                ix.shared_album(&t, now)?
            } else {
                None
            };
            if found.is_none() {
                ix.count_failure(&keys, now, window)?;
            }
            Ok(found.ok_or(ApiError::NOT_FOUND))
        })
        .await?
}

const PAGE: &str = include_str!("../assets/share.html");

async fn page(
    AxState(state): AxState<St>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
) -> Response {
    match open(&state, peer.ip(), &token).await {
        Ok(_) => (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
                (header::HeaderName::from_static("x-robots-tag"), "noindex"),
            ],
            PAGE,
        )
            .into_response(),
        Err(e) if e.0 == StatusCode::TOO_MANY_REQUESTS => e.into_response(),
        Err(_) => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "<!doctype html><title>albumen</title><p>This link does not work (any more).</p>",
        )
            .into_response(),
    }
}

/// One item as a link shows it: no place, no name, no path.
#[derive(Serialize)]
struct SharedItem {
    id: i64,
    kind: String,
    t: Option<String>,
    w: Option<i64>,
    h: Option<i64>,
    video: bool,
    /// The other files of the stack this item stands for (a RAW+JPEG twin's raw, the
    /// original beside an edited version, a burst's other frames): each can be downloaded,
    /// stripped like the item.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    members: Vec<SharedMember>,
}

/// A stack member as a link shows it: its id and kind (`raw`, `photo`, …), never its name.
#[derive(Serialize)]
struct SharedMember {
    id: i64,
    kind: Option<String>,
}

async fn items(
    AxState(state): AxState<St>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
) -> ApiResult<Response> {
    let album = open(&state, peer.ip(), &token).await?;
    let (aid, name, expires) = (album.album_id, album.name, album.expires_at);
    let items = state
        .with_index(move |_, ix| {
            let ids = ix.album_item_ids(aid)?;
            let mut out = Vec::with_capacity(ids.len());
            for i in ids {
                // An item gone from the index since the album was read is left out.
                let Some(it) = ix.item_row(i)? else { continue };
                let members = match it.stack {
                    Some(_) => ix
                        .stack_of(it.id)?
                        .map(|st| st.members)
                        .unwrap_or_default()
                        .into_iter()
                        .filter(|m| !m.face)
                        .map(|m| SharedMember {
                            id: m.file_id,
                            kind: m.kind,
                        })
                        .collect(),
                    None => Vec::new(),
                };
                out.push(SharedItem {
                    members,
                    id: it.id,
                    kind: it.kind,
                    t: it.t,
                    w: it.w,
                    h: it.h,
                    video: it.video,
                });
            }
            Ok(out)
        })
        .await?;
    let body = serde_json::json!({ "album": name, "expires_at": expires, "items": items });
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response())
}

/// The row of file `id` when the link's album shows it, or shows the stack it is a member of
/// (and, with `video`, its paired video).
fn shared_row(ix: &albumen_index::Index, album: i64, id: i64) -> crate::error::Result<Option<Row>> {
    if !ix.album_shows(album, id)? {
        let face = ix.stack_of(id)?.map(|st| st.face);
        match face {
            Some(face) if face != id && ix.album_shows(album, face)? => {}
            _ => return Ok(None),
        }
    }
    row_of(ix, id)
}

fn row_of(ix: &albumen_index::Index, id: i64) -> crate::error::Result<Option<Row>> {
    Ok(ix.item_file(id)?)
}

async fn media(
    AxState(state): AxState<St>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((token, id, what)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    let album = open(&state, peer.ip(), &token).await?;
    let id = parse_id(&id)?;
    let aid = album.album_id;
    let row = state
        .with_index(move |_, ix| shared_row(ix, aid, id))
        .await?
        .ok_or(ApiError::NOT_FOUND)?;
    let mut res = match what.as_str() {
        "thumb" => make_preview(state, row, 256).await?,
        "preview" => make_preview(state, row, 1440).await?,
        "original" => send_stripped(row.path, mime_of(row.format.as_deref()), row.id).await?,
        "video" => {
            let Some(v) = row.video_id else {
                return Err(ApiError::NOT_FOUND);
            };
            let vrow = state
                .with_index(move |_, ix| row_of(ix, v))
                .await?
                .ok_or(ApiError::NOT_FOUND)?;
            send_stripped(vrow.path, mime_of(vrow.format.as_deref()), vrow.id).await?
        }
        _ => return Err(ApiError::NOT_FOUND),
    };
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("private, no-store"),
    );
    Ok(res)
}

async fn send_stripped(
    path: std::path::PathBuf,
    mime: &'static str,
    id: i64,
) -> ApiResult<Response> {
    let out = tokio::task::spawn_blocking(move || strip(&path))
        .await
        .map_err(|e| Error::Task(e.to_string()))?;
    match out {
        Ok(bytes) => Ok((
            [
                (header::CONTENT_TYPE, mime.to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("inline; filename=\"albumen-{id}\""),
                ),
            ],
            bytes,
        )
            .into_response()),
        Err(why) => {
            log::info!("shared item {id} withheld: {why}");
            Err(ApiError(StatusCode::NOT_FOUND, "withheld"))
        }
    }
}

/// The edits a link applies to what it serves.
fn edits() -> [albumen_edit::Edit; 2] {
    [
        albumen_edit::Edit::RemoveLocation,
        albumen_edit::Edit::RemoveSerials,
    ]
}

/// The file at `path` with its location (EXIF/XMP GPS, XMP/IPTC place names, QuickTime
/// location) and serial numbers removed, losslessly, in memory: the same edit as
/// `export --strip-location --strip-serials`, checked afterwards (no position reads back).
/// `Err` says why the file cannot be shared.
pub(crate) fn strip(path: &FsPath) -> Result<Vec<u8>, String> {
    let f = std::fs::File::open(path).map_err(|e| format!("cannot be read: {e}"))?;
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    if len > MAX_SHARED_BYTES {
        return Err(format!("larger than {} MiB", MAX_SHARED_BYTES >> 20));
    }
    let opts = albumen_edit::Options::default();
    let mut out = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    albumen_edit::edit_stream(std::io::BufReader::new(f), &mut out, &edits(), &opts)
        .map_err(|e| format!("its location cannot be removed losslessly: {e}"))?;
    let p = albumen_edit::plan_bytes(&out, &[], &opts)
        .map_err(|e| format!("the stripped copy does not read back: {e}"))?;
    if p.before.gps.is_some() {
        return Err("a location is still there after removing it".into());
    }
    Ok(out)
}

/// Whether the file at `path` can be shared (see [`strip`]) without stripping it: what the
/// owner's view shows.
pub(crate) fn strip_check(path: &FsPath) -> Result<(), String> {
    albumen_edit::plan(path, &edits(), &albumen_edit::Options::default())
        .map(|_| ())
        .map_err(|e| format!("its location cannot be removed losslessly: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_hex() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert!(token_shape(&a) && token_shape(&b));
        assert_ne!(a, b);
        assert!(!token_shape(&a[..63]));
        assert!(!token_shape(&a.to_uppercase()));
        assert!(!token_shape(&format!("{}/", &a[..63])));
    }

    #[test]
    fn wrong_tokens_are_limited_per_address() {
        let dir = tempfile::tempdir().unwrap();
        let ix = albumen_index::Index::open(dir.path().join("i.db")).unwrap();
        let w = crate::auth::window_s();
        let blocked = |ip: &str| {
            ix.throttled(&[Throttle::LinkFrom(ip)], 50, crate::MAX_FAILURES, w)
                .unwrap()
        };
        for _ in 0..crate::MAX_FAILURES {
            assert!(!blocked("192.0.2.77"));
            ix.count_failure(&[Throttle::LinkFrom("192.0.2.77")], 50, w)
                .unwrap();
        }
        assert!(blocked("192.0.2.77"));
        assert!(!blocked("192.0.2.78"));
        // Link guesses are not failed logins.
        assert!(!ix
            .throttled(
                &[Throttle::LoginFrom("192.0.2.77")],
                50,
                crate::MAX_FAILURES,
                w
            )
            .unwrap());
    }
}
