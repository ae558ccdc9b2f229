//! The routes: the page, its assets, and the JSON API.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use albumen_index::{Index, ItemCursor, ItemFilter, ItemRow, Throttle};
use axum::extract::{ConnectInfo, Path, Query, Request, State as AxState};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::{Deserialize, Serialize};

use crate::auth::{self, cookie, same_origin, same_token};
use crate::error::{ApiError, Error, Result};
use crate::media::{mime_of, send_file};
use crate::state::MapPoints;
use crate::State;

#[path = "api_favorites.rs"]
mod favorites;
#[path = "api_memories.rs"]
mod memories;
#[path = "api_people.rs"]
mod people;
#[path = "api_search.rs"]
mod search;
mod similar;

pub(crate) use search::Built as SearchBuilt;

pub(crate) type St = Arc<State>;
pub(crate) type ApiResult<T> = std::result::Result<T, ApiError>;

const SESSION_COOKIE: &str = "albumen_session";
const CSRF_COOKIE: &str = "albumen_csrf";
const CSRF_HEADER: &str = "x-csrf-token";
/// Largest page of items.
const MAX_LIMIT: i64 = 1000;
/// Most items one edit request may change.
const MAX_EDIT_IDS: usize = 10_000;

/// The session a request was authenticated with.
#[derive(Debug, Clone)]
pub(crate) struct Sess {
    pub(crate) user_id: i64,
    user: String,
    csrf: String,
    token: String,
}

impl Sess {
    /// The session's user (`users.id`).
    pub(crate) fn user_id(&self) -> i64 {
        self.user_id
    }
}

pub(crate) fn now_s() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The router over `state`: `/` and `/assets/…` (the page), `/api/…` (JSON).
pub fn router(state: St) -> Router {
    let api = Router::new()
        .route("/api/logout", post(logout))
        .route("/api/me", get(me))
        .route("/api/libraries", get(libraries))
        .route("/api/timeline", get(timeline))
        .route("/api/items", get(items))
        .route("/api/items/{id}", get(item))
        .route("/api/items/{id}/similar", get(similar::similar))
        .route("/api/items/{id}/thumb", get(thumb))
        .route("/api/items/{id}/preview", get(preview))
        .route("/api/items/{id}/original", get(original))
        .route("/api/items/{id}/video", get(video))
        .route("/api/items/{id}/edit", post(edit_one))
        .route("/api/items/{id}/stack", get(stack_get).post(stack_change))
        .route("/api/edit", post(edit_many))
        .route("/api/undo", post(undo))
        .route("/api/clusters", get(clusters))
        .route("/api/clusters/items", get(cluster_items))
        .route("/api/places", get(places))
        .route("/api/keywords", get(keywords))
        .route("/api/verify", get(crate::api_verify::verify_runs))
        .merge(crate::api_albums::routes())
        .route("/api/search", get(search::search))
        .route("/api/memories", get(memories::memories))
        .route("/api/items/{id}/favorite", post(favorites::favorite))
        .route("/api/people", get(people::people))
        .route("/api/people/{id}", post(people::update))
        .route("/api/people/{id}/merge", post(people::merge))
        .route("/api/faces/{id}/thumb", get(people::face_thumb))
        .route("/api/status", get(crate::watch::status))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            require_session,
        ));
    Router::new()
        .route("/", get(page))
        .route("/assets/{*name}", get(asset))
        .route("/sw.js", get(crate::assets::service_worker))
        .route("/api/login", post(login))
        .merge(crate::share::routes())
        .merge(api)
        .fallback(fallback)
        .layer(axum::middleware::from_fn(security_headers))
        .with_state(state)
}

/// Unknown paths: 404, but under `/api/` 401 first when there is no live session (so nothing
/// about the API's shape is learnt without one).
async fn fallback(AxState(state): AxState<St>, req: Request) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    let token = cookie(req.headers(), SESSION_COOKIE).map(str::to_string);
    let live = match token {
        Some(t) if t.len() == 64 => state
            .with_index(move |_, ix| Ok(ix.session(&t, now_s())?.is_some()))
            .await
            .unwrap_or(false),
        _ => false,
    };
    if live {
        ApiError::NOT_FOUND.into_response()
    } else {
        ApiError::UNAUTHORIZED.into_response()
    }
}

async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; \
             style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    res
}

/// Resolves the session cookie (401 without a live one) and, for anything but GET/HEAD, asks
/// for the page's origin and the CSRF token in `X-CSRF-Token` (403 otherwise).
async fn require_session(AxState(state): AxState<St>, mut req: Request, next: Next) -> Response {
    let Some(token) = cookie(req.headers(), SESSION_COOKIE).map(str::to_string) else {
        return ApiError::UNAUTHORIZED.into_response();
    };
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return ApiError::UNAUTHORIZED.into_response();
    }
    let sess = match state.memo_session(&token, now_s()) {
        Some(s) => s,
        None => {
            let t = token.clone();
            match state
                .with_index(move |_, ix| Ok(ix.session(&t, now_s())?))
                .await
            {
                Ok(Some(s)) => {
                    state.remember_session(&token, Some(&s));
                    s
                }
                Ok(None) => return ApiError::UNAUTHORIZED.into_response(),
                Err(e) => return ApiError::from(e).into_response(),
            }
        }
    };
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        let sent = req
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !same_origin(req.headers()) || !same_token(sent, &sess.csrf) {
            return ApiError(StatusCode::FORBIDDEN, "csrf").into_response();
        }
    }
    req.extensions_mut().insert(Sess {
        user_id: sess.user_id,
        user: sess.user,
        csrf: sess.csrf,
        token,
    });
    next.run(req).await
}

async fn page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        crate::assets::INDEX_HTML,
    )
        .into_response()
}

async fn asset(Path(name): Path<String>) -> Response {
    match crate::assets::get(&name) {
        Some((mime, body)) => (
            [
                (header::CONTENT_TYPE, mime),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

#[derive(Deserialize)]
struct LoginReq {
    user: String,
    password: String,
}

async fn login(
    AxState(state): AxState<St>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    if !same_origin(&headers) {
        return Err(ApiError(StatusCode::FORBIDDEN, "csrf"));
    }
    let req: LoginReq = serde_json::from_slice(&body).map_err(|_| ApiError::BAD_REQUEST)?;
    if req.user.len() > 256 || req.password.len() > 1024 {
        return Err(ApiError::BAD_REQUEST);
    }
    let ip = peer.ip();
    let session_s = state.config.session_s;
    let user = req.user.clone();
    // Failures are counted in the index, per client address and per name, so that every
    // server on the database counts the same ones.
    let outcome = state
        .with_index(move |_, ix| {
            let ip = ip.to_string();
            let keys = [Throttle::LoginFrom(&ip), Throttle::LoginAs(&req.user)];
            let now = now_s();
            if ix.throttled(&keys, now, auth::MAX_FAILURES, auth::window_s())? {
                return Ok(Err(ApiError(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too-many-attempts",
                )));
            }
            let stored = ix.password_hash(&req.user)?;
            let ok = match &stored {
                Some((_, h)) => auth::verify_password(&req.password, h),
                None => {
                    auth::verify_password(&req.password, auth::dummy_hash());
                    false
                }
            };
            match (ok, stored) {
                (true, Some((id, _))) => {
                    let token = auth::random_token()?;
                    let csrf = auth::random_token()?;
                    ix.create_session(id, &token, &csrf, now, now + session_s)?;
                    Ok(Ok((token, csrf)))
                }
                _ => {
                    ix.count_failure(&keys, now, auth::window_s())?;
                    Ok(Err(ApiError(
                        StatusCode::UNAUTHORIZED,
                        "wrong-user-or-password",
                    )))
                }
            }
        })
        .await?;
    let (token, csrf) = outcome?;
    let mut res = Json(serde_json::json!({ "user": user, "csrf": csrf })).into_response();
    let h = res.headers_mut();
    for c in [
        format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={session_s}"),
        format!("{CSRF_COOKIE}={csrf}; Path=/; SameSite=Strict; Max-Age={session_s}"),
    ] {
        if let Ok(v) = HeaderValue::from_str(&c) {
            h.append(header::SET_COOKIE, v);
        }
    }
    Ok(res)
}

async fn logout(AxState(state): AxState<St>, Extension(s): Extension<Sess>) -> ApiResult<Response> {
    let token = s.token.clone();
    state
        .with_index(move |_, ix| Ok(ix.end_session(&s.token)?))
        .await?;
    state.remember_session(&token, None);
    let mut res = Json(serde_json::json!({})).into_response();
    for c in [
        format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
        format!("{CSRF_COOKIE}=; Path=/; SameSite=Strict; Max-Age=0"),
    ] {
        if let Ok(v) = HeaderValue::from_str(&c) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(res)
}

async fn me(AxState(state): AxState<St>, Extension(s): Extension<Sess>) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "user": s.user, "csrf": s.csrf, "allow_edit": state.config.allow_edit,
    }))
}

#[derive(Serialize)]
struct LibraryOut {
    name: String,
    items: u64,
}

/// The library ids a user may see, keyed by name.
pub(crate) fn granted(ix: &Index, user_id: i64) -> Result<BTreeMap<String, i64>> {
    Ok(ix
        .user_libraries(user_id)?
        .into_iter()
        .map(|(id, name)| (name, id))
        .collect())
}

/// The id of library `name` if `user_id` may see it.
pub(crate) fn library_for(ix: &Index, user_id: i64, name: &str) -> Result<Option<i64>> {
    Ok(granted(ix, user_id)?.get(name).copied())
}

async fn libraries(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
) -> ApiResult<Json<Vec<LibraryOut>>> {
    let out = state
        .with_index(move |_, ix| {
            let mut out = Vec::new();
            for (name, id) in granted(ix, s.user_id)? {
                let items = ix.library_item_count(id)?;
                out.push(LibraryOut { name, items });
            }
            Ok(out)
        })
        .await?;
    Ok(Json(out))
}

#[derive(Deserialize, Default, Clone)]
struct ItemsQuery {
    library: String,
    limit: Option<i64>,
    cursor: Option<String>,
    offset: Option<i64>,
    from: Option<String>,
    to: Option<String>,
    camera: Option<String>,
    place: Option<String>,
    /// Items with a keyword containing this (case-insensitive for ASCII).
    keyword: Option<String>,
    /// `1`: only the user's favourites.
    favorite: Option<String>,
    /// Only the items where this person (`/api/people` id) was seen.
    person: Option<i64>,
}

/// One item of a list.
#[derive(Serialize)]
pub(crate) struct ItemOut {
    pub(crate) id: i64,
    pub(crate) kind: String,
    pub(crate) t: Option<String>,
    pub(crate) w: Option<i64>,
    pub(crate) h: Option<i64>,
    pub(crate) lat: Option<f64>,
    pub(crate) lon: Option<f64>,
    pub(crate) video: bool,
    rating: Option<i64>,
    /// Whether it is a favourite of the user asking (set by [`mark_favorites`]).
    favorite: bool,
    /// The stack this item stands for (RAW+JPEG, edited versions, a burst), or null.
    stack: Option<StackOut>,
}

/// A stack in an item of a list: its kind, how many files it holds, its face (the item).
#[derive(Serialize)]
struct StackOut {
    kind: String,
    members: i64,
    face: i64,
}

impl From<ItemRow> for ItemOut {
    fn from(r: ItemRow) -> ItemOut {
        ItemOut {
            id: r.id,
            stack: r.stack.map(|s| StackOut {
                kind: s.kind,
                members: s.members,
                face: r.id,
            }),
            kind: r.kind,
            t: r.t,
            w: r.w,
            h: r.h,
            lat: r.lat,
            lon: r.lon,
            video: r.video,
            rating: r.rating,
            favorite: false,
        }
    }
}

async fn items(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    Query(q): Query<ItemsQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let place_ids = match &q.place {
        Some(p) if !p.is_empty() => {
            let lib = state
                .with_index({
                    let name = q.library.clone();
                    move |_, ix| library_for(ix, s.user_id, &name)
                })
                .await?
                .ok_or(ApiError::NOT_FOUND)?;
            let all = places_of(&state, lib).await?;
            let (cc, city) = match p.split_once('/') {
                Some((a, b)) => (a.to_string(), Some(b.to_string())),
                None => (p.clone(), None),
            };
            let ids: Vec<i64> = all
                .iter()
                .filter(|(_, pl)| {
                    pl.as_ref().is_some_and(|pl| {
                        pl.country_code.as_str() == cc
                            && city.as_ref().is_none_or(|c| pl.city.as_deref() == Some(c))
                    })
                })
                .map(|(id, _)| *id)
                .collect();
            Some(ids)
        }
        _ => None,
    };
    let out = state
        .with_index(move |_, ix| {
            let Some(lib) = library_for(ix, s.user_id, &q.library)? else {
                return Ok(None);
            };
            let limit = q.limit.unwrap_or(200).clamp(1, MAX_LIMIT);
            let nonempty = |v: Option<String>| v.filter(|s| !s.is_empty());
            let mut filter = ItemFilter::new();
            filter.after = q.cursor.as_deref().and_then(ItemCursor::parse);
            filter.from = nonempty(q.from);
            filter.to = nonempty(q.to);
            filter.camera = nonempty(q.camera);
            filter.keyword = q
                .keyword
                .filter(|s| !s.trim().is_empty())
                .map(|k| k.trim().to_string());
            filter.favorite_of = q
                .favorite
                .as_deref()
                .is_some_and(|f| f == "1" || f == "true")
                .then_some(s.user_id);
            filter.person = q.person;
            filter.ids = place_ids;
            let offset = q.offset.filter(|o| *o > 0).map_or(0, |o| {
                u32::try_from(o.min(i64::from(u32::MAX))).unwrap_or(u32::MAX)
            });
            let limit = u32::try_from(limit).unwrap_or(200);
            let page = ix.item_page(lib, &filter, limit, offset)?;
            let mut items: Vec<ItemOut> = page.items.into_iter().map(ItemOut::from).collect();
            let next = page.next.map(|c| c.to_string());
            mark_favorites(ix, s.user_id, &mut items)?;
            Ok(Some(
                serde_json::json!({ "items": items, "next_cursor": next }),
            ))
        })
        .await?;
    out.map(Json).ok_or(ApiError::NOT_FOUND)
}

/// Sets `favorite` on the items that are favourites of `user_id`.
fn mark_favorites(ix: &Index, user_id: i64, items: &mut [ItemOut]) -> Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = items.iter().map(|i| i.id).collect();
    let favs = ix.favorite_among(user_id, &ids)?;
    for it in items.iter_mut() {
        it.favorite = favs.contains(&it.id);
    }
    Ok(())
}

#[derive(Deserialize)]
struct LibQuery {
    library: String,
}

async fn timeline(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    Query(q): Query<LibQuery>,
) -> ApiResult<Response> {
    let out = state
        .with_index(move |st, ix| {
            let Some(lib) = library_for(ix, s.user_id, &q.library)? else {
                return Ok(None);
            };
            // Counted once per index version (a commit anywhere, a scan's too, recounts).
            let version = st.version();
            if let Some(v) = version {
                let hit = st.timelines.lock().ok().and_then(|m| {
                    m.get(&lib)
                        .filter(|(at, _)| *at == v)
                        .map(|(_, days)| days.clone())
                });
                if let Some(days) = hit {
                    return Ok(Some(days));
                }
            }
            // Read from the index's per-day counts (kept by its triggers), not counted here.
            let days: Vec<_> = ix
                .day_counts(lib)?
                .into_iter()
                .map(|d| serde_json::json!({ "day": d.day, "n": d.n }))
                .collect();
            let days = axum::body::Bytes::from(
                serde_json::to_vec(&serde_json::json!({ "days": days }))
                    .map_err(|e| Error::Task(format!("timeline: {e}")))?,
            );
            if let (Some(v), Ok(mut m)) = (version, st.timelines.lock()) {
                m.insert(lib, (v, days.clone()));
            }
            Ok(Some(days))
        })
        .await?;
    let body = out.ok_or(ApiError::NOT_FOUND)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// What the server needs of one item the user may see.
pub(crate) type Row = albumen_index::ItemFile;

/// The item `id` if `user_id` may see it (its library is granted), else `None`.
pub(crate) fn visible(ix: &Index, user_id: i64, id: i64) -> Result<Option<Row>> {
    Ok(ix.visible_file(user_id, id)?)
}

pub(crate) fn parse_id(id: &str) -> ApiResult<i64> {
    id.parse::<i64>()
        .ok()
        .filter(|i| *i > 0)
        .ok_or(ApiError::NOT_FOUND)
}

async fn row_for(state: &St, s: &Sess, id: &str) -> ApiResult<Row> {
    let id = parse_id(id)?;
    let uid = s.user_id;
    state
        .with_index(move |_, ix| visible(ix, uid, id))
        .await?
        .ok_or(ApiError::NOT_FOUND)
}

async fn item(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let row = row_for(&state, &s, &id).await?;
    let v = state
        .with_index(move |_, ix| {
            let Some(detail) = ix.item_detail(row.id)? else {
                return Ok(None);
            };
            let base = serde_json::to_value(detail)
                .map_err(|e| Error::Task(format!("item {}: {e}", row.id)))?;
            let extra = favorites::item_extra(ix, s.user_id, row.id)?;
            Ok(Some((
                base,
                ix.keywords(row.id)?,
                extra,
                ix.stack_of(row.id)?,
            )))
        })
        .await?
        .ok_or(ApiError::NOT_FOUND)?;
    let (mut v, keywords, app, stack) = v;
    // What only the file says (title) and the place name; the keywords are the index's.
    let path = row.path.clone();
    let extra = tokio::task::spawn_blocking(move || {
        let md = albumen_meta::read_path(&path).ok();
        let place = md
            .as_ref()
            .and_then(|m| m.gps.as_ref())
            .and_then(|g| albumen_geo::reverse_geocode(g.value.lat, g.value.lon));
        (md.as_ref().and_then(|m| m.title.clone()), place)
    })
    .await
    .map_err(|e| Error::Task(e.to_string()))?;
    if let Some(o) = v.as_object_mut() {
        o.insert("keywords".into(), serde_json::json!(keywords));
        o.insert("title".into(), serde_json::json!(extra.0));
        o.insert("place".into(), serde_json::json!(extra.1));
        o.insert("video".into(), serde_json::json!(has_video(&row)));
        o.insert("stack".into(), serde_json::json!(stack));
        for (k, x) in app {
            o.insert(k.into(), x);
        }
    }
    Ok(Json(v))
}

fn has_video(row: &Row) -> bool {
    row.video_id.is_some() || matches!(row.kind.as_deref(), Some("video") | Some("motion-photo"))
}

pub(crate) async fn make_preview(state: St, row: Row, size: u32) -> ApiResult<Response> {
    let _slot = state
        .preview_slots
        .acquire()
        .await
        .map_err(|e| Error::Task(e.to_string()))?;
    let cache = state.cache.clone();
    let made = tokio::task::spawn_blocking(move || {
        cache.get_or_make(&row.path, &albumen_preview::Options::new(size))
    })
    .await
    .map_err(|e| Error::Task(e.to_string()))?;
    let made = match made {
        Ok(m) => m,
        // A file nothing can preview (unknown format, no ffmpeg, damaged) shows a grey tile;
        // the header says why, for tools.
        Err(e) => {
            log::info!("no preview: {e}");
            return Ok((
                [
                    (header::CONTENT_TYPE, "image/png"),
                    (header::CACHE_CONTROL, "private, max-age=60"),
                ],
                [(
                    header::HeaderName::from_static("x-albumen-preview"),
                    "unavailable",
                )],
                no_preview_png(),
            )
                .into_response());
        }
    };
    let bytes = tokio::fs::read(&made.thumb)
        .await
        .map_err(|_| ApiError::NOT_FOUND)?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "private, max-age=86400"),
        ],
        bytes,
    )
        .into_response())
}

/// A 64×64 grey PNG.
fn no_preview_png() -> &'static [u8] {
    static PNG: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    PNG.get_or_init(|| {
        let img = image::GrayImage::from_pixel(64, 64, image::Luma([60]));
        let mut out = std::io::Cursor::new(Vec::new());
        match img.write_to(&mut out, image::ImageFormat::Png) {
            Ok(()) => out.into_inner(),
            Err(_) => Vec::new(),
        }
    })
}

async fn thumb(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let row = row_for(&state, &s, &id).await?;
    make_preview(state, row, 256).await
}

async fn preview(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let row = row_for(&state, &s, &id).await?;
    make_preview(state, row, 1440).await
}

async fn original(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let row = row_for(&state, &s, &id).await?;
    send_file(&row.path, mime_of(row.format.as_deref()), &headers, None).await
}

/// The moving part of an item: a video itself, a Live Photo's paired video, or a motion
/// photo's embedded video.
async fn video(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let row = row_for(&state, &s, &id).await?;
    if let Some(v) = row.video_id {
        let uid = s.user_id;
        let vrow = state
            .with_index(move |_, ix| visible(ix, uid, v))
            .await?
            .ok_or(ApiError::NOT_FOUND)?;
        return send_file(&vrow.path, mime_of(vrow.format.as_deref()), &headers, None).await;
    }
    match row.kind.as_deref() {
        Some("video") => send_file(&row.path, mime_of(row.format.as_deref()), &headers, None).await,
        Some("motion-photo") => {
            let path = row.path.clone();
            let mp = tokio::task::spawn_blocking(move || {
                albumen_meta::read_path(&path)
                    .ok()
                    .and_then(|m| m.motion_photo)
            })
            .await
            .map_err(|e| Error::Task(e.to_string()))?
            .ok_or(ApiError::NOT_FOUND)?;
            send_file(
                &row.path,
                "video/mp4",
                &headers,
                Some((mp.video_offset, mp.video_length)),
            )
            .await
        }
        _ => Err(ApiError::NOT_FOUND),
    }
}

/// An edit from the page.
#[derive(Deserialize, Default)]
struct EditReq {
    #[serde(default)]
    ids: Vec<i64>,
    shift_seconds: Option<i64>,
    lat: Option<f64>,
    lon: Option<f64>,
    rating: Option<i64>,
    #[serde(default)]
    add_keywords: Vec<String>,
    #[serde(default)]
    remove_keywords: Vec<String>,
}

async fn edit_one(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Json<serde_json::Value>> {
    if !state.config.allow_edit {
        return Err(ApiError(StatusCode::FORBIDDEN, "read-only"));
    }
    let mut req: EditReq = serde_json::from_slice(&body).map_err(|_| ApiError::BAD_REQUEST)?;
    req.ids = vec![parse_id(&id)?];
    run_edit(state, s, req).await
}

async fn edit_many(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    body: axum::body::Bytes,
) -> ApiResult<Json<serde_json::Value>> {
    if !state.config.allow_edit {
        return Err(ApiError(StatusCode::FORBIDDEN, "read-only"));
    }
    let req: EditReq = serde_json::from_slice(&body).map_err(|_| ApiError::BAD_REQUEST)?;
    run_edit(state, s, req).await
}

/// The edits for the still (all of them) and for a Live Photo's video (time and place only,
/// so the pair stays together in time and on the map).
fn edits_of(req: &EditReq) -> ApiResult<(Vec<albumen_edit::Edit>, Vec<albumen_edit::Edit>)> {
    use albumen_edit::Edit;
    let mut still = Vec::new();
    let mut video = Vec::new();
    if let Some(s) = req.shift_seconds {
        // A century either way is plenty for a wrong camera clock.
        if s.unsigned_abs() > 100 * 366 * 86400 {
            return Err(ApiError::BAD_REQUEST);
        }
        let d = chrono::Duration::seconds(s);
        still.push(Edit::ShiftTime(d));
        video.push(Edit::ShiftTime(d));
    }
    match (req.lat, req.lon) {
        (Some(lat), Some(lon)) => {
            let p = albumen_meta::GpsPosition::new(lat, lon, None).ok_or(ApiError::BAD_REQUEST)?;
            still.push(Edit::SetGps(p));
            video.push(Edit::SetGps(p));
        }
        (None, None) => {}
        _ => return Err(ApiError::BAD_REQUEST),
    }
    if let Some(r) = req.rating {
        still.push(Edit::SetRating(
            albumen_meta::Rating::new(r).ok_or(ApiError::BAD_REQUEST)?,
        ));
    }
    for k in &req.add_keywords {
        if k.trim().is_empty() || k.len() > 200 {
            return Err(ApiError::BAD_REQUEST);
        }
        still.push(Edit::AddKeyword(k.trim().to_string()));
    }
    for k in &req.remove_keywords {
        still.push(Edit::RemoveKeyword(k.trim().to_string()));
    }
    if still.is_empty() {
        return Err(ApiError::BAD_REQUEST);
    }
    Ok((still, video))
}

async fn run_edit(state: St, s: Sess, req: EditReq) -> ApiResult<Json<serde_json::Value>> {
    if req.ids.is_empty() || req.ids.len() > MAX_EDIT_IDS {
        return Err(ApiError::BAD_REQUEST);
    }
    let (still, video) = edits_of(&req)?;
    let _one = state.edit_lock.lock().await;
    let ids = req.ids;
    let uid = s.user_id;
    let out = state
        .with_index(move |st, ix| {
            // Every id is checked before anything is written.
            let mut rows = Vec::new();
            for id in &ids {
                match visible(ix, uid, *id)? {
                    Some(r) => rows.push(r),
                    None => return Ok(Err(ApiError::NOT_FOUND)),
                }
            }
            let mut entry = crate::undo::Entry::default();
            let mut changed = 0usize;
            let mut failed = Vec::new();
            let opts = albumen_edit::Options::default();
            for row in &rows {
                let mut targets = vec![(row.id, row.path.clone(), still.clone())];
                if let Some(v) = row.video_id.filter(|_| !video.is_empty()) {
                    if let Some(vrow) = visible(ix, uid, v).ok().flatten() {
                        targets.push((vrow.id, vrow.path, video.clone()));
                    }
                }
                // A stack's other files (a raw through its sidecar) take the time and place
                // edits too, so that the stack stays one item in time and on the map.
                if !video.is_empty() {
                    for m in ix.stack_members(row.id)? {
                        if let Some(mrow) = visible(ix, uid, m).ok().flatten() {
                            targets.push((mrow.id, mrow.path, video.clone()));
                        }
                    }
                }
                for (fid, path, edits) in targets {
                    match albumen_edit::apply(&path, &edits, &opts) {
                        Ok(rep) => {
                            changed += 1;
                            // The file is written: from here on nothing stops the undo entry
                            // from being kept (an index error is logged; the next scan fixes
                            // the row, and the undo then refuses as `changed-since`).
                            if let Err(e) = ix.refresh_file(fid) {
                                log::warn!("index after the edit of {}: {e}", path.display());
                            }
                            let undo: Vec<_> = rep
                                .undo
                                .iter()
                                .filter_map(crate::undo::Stored::of)
                                .collect();
                            if undo.len() != rep.undo.len() {
                                log::warn!(
                                    "edit of {}: part of its undo cannot be kept",
                                    path.display()
                                );
                            }
                            if !undo.is_empty() {
                                let after = crate::undo::Snapshot::read(ix, fid)
                                    .ok()
                                    .flatten()
                                    .unwrap_or_default();
                                entry.files.push(crate::undo::UndoFile {
                                    id: fid,
                                    undo,
                                    after,
                                });
                            }
                        }
                        Err(e) => {
                            log::warn!("edit of {}: {e}", path.display());
                            failed.push(serde_json::json!({ "id": fid, "error": e.to_string() }));
                        }
                    }
                }
                st.invalidate(row.library_id);
            }
            if !entry.files.is_empty() {
                let body = serde_json::to_string(&entry)
                    .map_err(|e| Error::Task(format!("undo entry: {e}")))?;
                ix.push_undo(uid, now_s(), &body)?;
            }
            Ok(Ok(
                serde_json::json!({ "changed": changed, "failed": failed }),
            ))
        })
        .await??;
    Ok(Json(out))
}

async fn undo(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
) -> ApiResult<Json<serde_json::Value>> {
    if !state.config.allow_edit {
        return Err(ApiError(StatusCode::FORBIDDEN, "read-only"));
    }
    let _one = state.edit_lock.lock().await;
    let uid = s.user_id;
    let out = state
        .with_index(move |st, ix| {
            let Some(stored) = ix.last_undo(uid)? else {
                return Ok(serde_json::json!({ "undone": 0, "failed": [], "left": 0 }));
            };
            let entry: crate::undo::Entry = match serde_json::from_str(&stored.body) {
                Ok(e) => e,
                Err(e) => {
                    log::warn!("undo entry {} unreadable, dropped: {e}", stored.id);
                    crate::undo::Entry::default()
                }
            };
            let opts = albumen_edit::Options::default();
            let mut undone = 0;
            let mut failed = Vec::new();
            for f in entry.files.iter().rev() {
                // Only files the user may still see; only when nobody changed them since.
                let Some(row) = visible(ix, uid, f.id)? else {
                    failed.push(serde_json::json!({ "id": f.id, "error": "not-found" }));
                    continue;
                };
                let now = crate::undo::Snapshot::read(ix, f.id)?.unwrap_or_default();
                if !f.after.unchanged_for(&now, &f.undo) {
                    failed.push(serde_json::json!({ "id": f.id, "error": "changed-since" }));
                    continue;
                }
                let Some(edits) = f.undo.iter().map(|e| e.edit()).collect::<Option<Vec<_>>>()
                else {
                    failed.push(serde_json::json!({ "id": f.id, "error": "damaged-entry" }));
                    continue;
                };
                match albumen_edit::apply(&row.path, &edits, &opts) {
                    Ok(_) => {
                        ix.refresh_file(f.id)?;
                        undone += 1;
                    }
                    Err(e) => {
                        failed.push(serde_json::json!({ "id": f.id, "error": e.to_string() }))
                    }
                }
                st.invalidate(row.library_id);
            }
            ix.drop_undo(uid, stored.id)?;
            let left = ix.undo_count(uid)?;
            Ok(serde_json::json!({ "undone": undone, "failed": failed, "left": left }))
        })
        .await?;
    Ok(Json(out))
}

/// The map points of a library, built on first use and again when the index changed (at
/// most every `REBUILD_EVERY`: a stream of logins writes sessions).
async fn map_of(state: &St, lib: i64) -> ApiResult<Arc<MapPoints>> {
    let fresh = |state: &St| -> Option<Arc<MapPoints>> {
        let m = state.maps.lock().ok()?.get(&lib).cloned()?;
        (m.version.is_some()
            && (m.version == state.version() || m.at.elapsed() < search::REBUILD_EVERY))
            .then_some(m)
    };
    if let Some(m) = fresh(state) {
        return Ok(m);
    }
    let _one = state.map_build.lock().await;
    if let Some(m) = fresh(state) {
        return Ok(m);
    }
    let m = state
        .with_index(move |st, ix| {
            // Read before the points: a change while they are read makes them stale.
            let version = st.version();
            let mut ids = Vec::new();
            let mut pts = Vec::new();
            for (id, lat, lon) in ix.located_items(lib)? {
                if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) {
                    ids.push(id);
                    pts.push((lat, lon));
                }
            }
            let index = albumen_geo::ClusterIndex::build(&pts)?;
            let m = Arc::new(MapPoints {
                index,
                ids,
                version,
                at: std::time::Instant::now(),
            });
            if let Ok(mut all) = st.maps.lock() {
                all.insert(lib, Arc::clone(&m));
            }
            Ok(m)
        })
        .await?;
    Ok(m)
}

/// Points above which a fine-zoom map view builds the library's whole cluster index (cached)
/// instead of clustering the points near the box on each call.
const SUBSET_MAX: u64 = 100_000;

#[derive(Deserialize)]
struct ClusterQuery {
    library: String,
    zoom: u8,
    west: Option<f64>,
    south: Option<f64>,
    east: Option<f64>,
    north: Option<f64>,
}

async fn lib_id(state: &St, s: &Sess, name: &str) -> ApiResult<i64> {
    let uid = s.user_id;
    let name = name.to_string();
    state
        .with_index(move |_, ix| library_for(ix, uid, &name))
        .await?
        .ok_or(ApiError::NOT_FOUND)
}

async fn clusters(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    Query(q): Query<ClusterQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let lib = lib_id(&state, &s, &q.library).await?;
    let bbox = albumen_geo::Bbox::new(
        q.west.unwrap_or(-180.0).clamp(-180.0, 180.0),
        q.south.unwrap_or(-90.0).clamp(-90.0, 90.0),
        q.east.unwrap_or(180.0).clamp(-180.0, 180.0),
        q.north.unwrap_or(90.0).clamp(-90.0, 90.0),
    )
    .map_err(|_| ApiError::BAD_REQUEST)?;
    let zoom = q.zoom.min(20);
    let res = albumen_geo::resolution_for_zoom(zoom)
        .map_err(|_| ApiError::BAD_REQUEST)?
        .min(albumen_geo::FINE_RESOLUTION);
    if u8::from(res) <= albumen_index::MAP_RES_MAX {
        // The world and country views: read from the cells the index keeps (a few thousand
        // rows), not from a cluster index of every located file.
        let out = state
            .with_index(move |_, ix| {
                let Some(cells) = ix.map_cells(lib, u8::from(res))? else {
                    return Ok(None);
                };
                let total: u64 = cells.iter().map(|c| c.n).sum();
                let mut out = Vec::new();
                for c in cells {
                    let Some((lat, lon)) = albumen_geo::centroid(c.sum) else {
                        continue;
                    };
                    if !bbox.contains(lat, lon) {
                        continue;
                    }
                    let Ok(cell) = h3o::CellIndex::try_from(c.cell) else {
                        continue;
                    };
                    let rep = ix.map_cell_items(lib, c.cell, 1, false)?.0.first().copied();
                    out.push(serde_json::json!({
                        "cell": cell.to_string(),
                        "n": c.n,
                        "lat": lat,
                        "lon": lon,
                        "rep": rep,
                    }));
                }
                Ok(Some(serde_json::json!({ "clusters": out, "total": total })))
            })
            .await?;
        if let Some(out) = out {
            return Ok(Json(out));
        }
    }
    let cached = state.maps.lock().ok().and_then(|m| m.get(&lib).cloned());
    if cached.is_none() {
        // Finer zooms: cluster only the points of the kept cells (finest kept resolution)
        // that may hold a cluster in the box; a box holding more than SUBSET_MAX points
        // builds (and caches) the library's whole cluster index instead.
        let max = albumen_index::MAP_RES_MAX;
        let out = state
            .with_index(move |_, ix| {
                let Some(cells) = ix.map_cells(lib, max)? else {
                    return Ok(None);
                };
                let total: u64 = cells.iter().map(|c| c.n).sum();
                let near: Vec<u64> = cells
                    .iter()
                    .filter(|c| bbox.may_hold_clusters_of(c.cell))
                    .map(|c| c.cell)
                    .collect();
                let n: u64 = cells
                    .iter()
                    .filter(|c| near.contains(&c.cell))
                    .map(|c| c.n)
                    .sum();
                if n > SUBSET_MAX {
                    return Ok(None);
                }
                let rows = ix.map_cell_points(lib, &near)?;
                let pts: Vec<(f64, f64)> = rows.iter().map(|r| (r.1, r.2)).collect();
                let index = albumen_geo::ClusterIndex::build(&pts)?;
                let cs = index.clusters(bbox, zoom)?;
                let out: Vec<_> = cs
                    .iter()
                    .map(|c| {
                        serde_json::json!({
                            "cell": c.cell.to_string(),
                            "n": c.count,
                            "lat": c.lat,
                            "lon": c.lon,
                            "rep": rows.get(c.representative as usize).map(|r| r.0),
                        })
                    })
                    .collect();
                Ok(Some(serde_json::json!({ "clusters": out, "total": total })))
            })
            .await?;
        if let Some(out) = out {
            return Ok(Json(out));
        }
    }
    let m = map_of(&state, lib).await?;
    let cs = m
        .index
        .clusters(bbox, zoom)
        .map_err(|_| ApiError::BAD_REQUEST)?;
    let out: Vec<_> = cs
        .iter()
        .map(|c| {
            serde_json::json!({
                "cell": c.cell.to_string(),
                "n": c.count,
                "lat": c.lat,
                "lon": c.lon,
                "rep": m.ids.get(c.representative as usize),
            })
        })
        .collect();
    Ok(Json(
        serde_json::json!({ "clusters": out, "total": m.ids.len() }),
    ))
}

#[derive(Deserialize)]
struct CellQuery {
    library: String,
    cell: String,
    limit: Option<usize>,
}

async fn cluster_items(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    Query(q): Query<CellQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let lib = lib_id(&state, &s, &q.library).await?;
    let cell: h3o::CellIndex = q.cell.parse().map_err(|_| ApiError::BAD_REQUEST)?;
    let limit = q.limit.unwrap_or(500).min(MAX_LIMIT as usize);
    // The index keeps each located item's fine cell; a cluster is an ancestor of those (H3's
    // parent of a fine cell is not always the coarse cell holding the point), one run of ids.
    let (ids, total) = state
        .with_index(move |_, ix| Ok(ix.map_cell_items(lib, u64::from(cell), limit, true)?))
        .await?;
    let uid = s.user_id;
    let items = state
        .with_index(move |_, ix| {
            let mut out = Vec::new();
            for id in ids {
                if visible(ix, uid, id)?.is_none() {
                    continue;
                }
                if let Some(it) = ix.item_row(id)? {
                    out.push(ItemOut::from(it));
                }
            }
            mark_favorites(ix, uid, &mut out)?;
            Ok(out)
        })
        .await?;
    Ok(Json(serde_json::json!({ "items": items, "total": total })))
}

/// (file id, place) of every located item of a library, reverse-geocoded on first use.
async fn places_of(state: &St, lib: i64) -> ApiResult<crate::state::Places> {
    let m = map_of(state, lib).await?;
    // Places found for these very map points, else found again.
    let kept = |state: &St| -> Option<crate::state::Places> {
        let all = state.places.lock().ok()?;
        let (for_map, p) = all.get(&lib)?;
        Arc::ptr_eq(for_map, &m).then(|| Arc::clone(p))
    };
    if let Some(p) = kept(state) {
        return Ok(p);
    }
    let _one = state.map_build.lock().await;
    if let Some(p) = kept(state) {
        return Ok(p);
    }
    let st = Arc::clone(state);
    let p = tokio::task::spawn_blocking(move || {
        let v: Vec<_> = m
            .ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let place = u32::try_from(i)
                    .ok()
                    .and_then(|i| m.index.position(i))
                    .and_then(|(lat, lon)| albumen_geo::reverse_geocode(lat, lon));
                (*id, place)
            })
            .collect();
        let v = Arc::new(v);
        if let Ok(mut all) = st.places.lock() {
            all.insert(lib, (Arc::clone(&m), Arc::clone(&v)));
        }
        v
    })
    .await
    .map_err(|e| Error::Task(e.to_string()))?;
    Ok(p)
}

async fn places(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    Query(q): Query<LibQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let lib = lib_id(&state, &s, &q.library).await?;
    let all = places_of(&state, lib).await?;
    let mut groups: BTreeMap<(String, String, Option<String>), (u64, i64)> = BTreeMap::new();
    for (id, p) in all.iter() {
        if let Some(p) = p {
            let e = groups
                .entry((
                    p.country_code.as_str().to_string(),
                    p.country.clone(),
                    p.city.clone(),
                ))
                .or_insert((0, *id));
            e.0 += 1;
        }
    }
    let mut out: Vec<_> = groups
        .into_iter()
        .map(|((cc, country, city), (n, rep))| {
            serde_json::json!({ "country_code": cc, "country": country, "city": city, "n": n, "rep": rep })
        })
        .collect();
    out.sort_by_key(|v| std::cmp::Reverse(v["n"].as_u64().unwrap_or(0)));
    Ok(Json(serde_json::json!({ "places": out })))
}

/// The keywords of a library, most used first (for the search box's suggestions).
async fn keywords(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    Query(q): Query<LibQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let lib = lib_id(&state, &s, &q.library).await?;
    let out = state
        .with_index(move |_, ix| Ok(ix.keyword_counts(lib, 500)?))
        .await?;
    Ok(Json(serde_json::json!({ "keywords": out })))
}

/// `GET /api/items/{id}/stack`: the stack holding the item (kind, face, members, evidence), or
/// null.
async fn stack_get(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let row = row_for(&state, &s, &id).await?;
    let v = state
        .with_index(move |_, ix| Ok(ix.stack_of(row.id)?))
        .await?;
    Ok(Json(serde_json::json!({ "stack": v })))
}

/// What `POST /api/items/{id}/stack` asks.
#[derive(serde::Deserialize)]
struct StackReq {
    /// `face` (make this member the face), `split` (show every file on its own) or `restore`
    /// (forget the choices: stack again).
    action: String,
}

/// `POST /api/items/{id}/stack`: changes the face of the item's stack, splits it or restores
/// it (editors only; the photo files are not touched).
async fn stack_change(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Json<serde_json::Value>> {
    if !state.config.allow_edit {
        return Err(ApiError(StatusCode::FORBIDDEN, "read-only"));
    }
    let req: StackReq = serde_json::from_slice(&body).map_err(|_| ApiError::BAD_REQUEST)?;
    let row = row_for(&state, &s, &id).await?;
    let _one = state.edit_lock.lock().await;
    let out = state
        .with_index(move |st, ix| {
            let done = match req.action.as_str() {
                "face" => ix.set_stack_face(row.id)?,
                "split" => ix.split_stack(row.id)?,
                "restore" => {
                    ix.clear_stack_choices(row.id)?;
                    true
                }
                _ => return Ok(Err(ApiError::BAD_REQUEST)),
            };
            st.invalidate(row.library_id);
            Ok(Ok(
                serde_json::json!({ "changed": done, "stack": ix.stack_of(row.id)? }),
            ))
        })
        .await??;
    Ok(Json(out))
}
