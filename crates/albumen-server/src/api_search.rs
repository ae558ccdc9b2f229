//! `GET /api/search?library=L&q=TEXT[&limit=N&offset=K]`: one search box over everything the
//! index knows of a library's items (see [`albumen_index::SearchDocs`]: file names, cameras,
//! dates, keywords, people's names, places in English and Chinese, and what `scan --vision`
//! read). Answers `{"items": [...], "total": n, "next_offset": k|null}`, the items in the shape
//! of `/api/items`, newest first; only a library granted to the user is searched.
//!
//! The search texts of a library are built once and kept while the index does not change
//! (its `data_version`); after a change they are built again on the next search, at most
//! once every [`REBUILD_EVERY`] (so that a stream of logins, which write sessions, does not
//! rebuild them each time) unless something this server did asked for it at once
//! ([`crate::State::invalidate`]: edits, naming people, the watcher's scans).

use std::sync::Arc;
use std::time::{Duration, Instant};

use albumen_index::SearchDocs;
use axum::extract::{Query, State as AxState};
use axum::{Extension, Json};
use serde::Deserialize;

use super::{lib_id, mark_favorites, ApiResult, ItemOut, Sess, St, MAX_LIMIT};
use crate::error::{ApiError, Error};

/// Least time between two builds of a library's search texts after changes nobody announced.
pub(crate) const REBUILD_EVERY: Duration = Duration::from_secs(2);

/// Longest query accepted (bytes).
const MAX_QUERY: usize = 500;

/// A library's search texts, with the index version and time they were built at.
#[derive(Debug)]
pub(crate) struct Built {
    pub(crate) version: Option<i64>,
    pub(crate) at: Instant,
    pub(crate) docs: Arc<SearchDocs>,
}

#[derive(Deserialize)]
pub(super) struct SearchQuery {
    library: String,
    #[serde(default)]
    q: String,
    limit: Option<i64>,
    offset: Option<usize>,
}

/// The search texts of library `lib`, built when missing or stale.
pub(crate) async fn docs_of(state: &St, lib: i64) -> ApiResult<Arc<SearchDocs>> {
    let fresh = |state: &St| -> Option<Arc<SearchDocs>> {
        let version = state.version();
        let m = state.search_docs.lock().ok()?;
        let b = m.get(&lib)?;
        (b.version.is_some() && (b.version == version || b.at.elapsed() < REBUILD_EVERY))
            .then(|| Arc::clone(&b.docs))
    };
    if let Some(d) = fresh(state) {
        return Ok(d);
    }
    let _one = state.search_build.lock().await;
    if let Some(d) = fresh(state) {
        return Ok(d);
    }
    let docs = state
        .with_index(move |st, ix| {
            // The version is read before the texts: a change while they are read is seen as
            // a change after, and builds them again.
            let version = st.version();
            let docs = Arc::new(ix.search_docs(lib)?);
            if let Ok(mut m) = st.search_docs.lock() {
                m.insert(
                    lib,
                    Built {
                        version,
                        at: Instant::now(),
                        docs: Arc::clone(&docs),
                    },
                );
            }
            Ok(docs)
        })
        .await?;
    Ok(docs)
}

pub(super) async fn search(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    Query(q): Query<SearchQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let lib = lib_id(&state, &s, &q.library).await?;
    if q.q.len() > MAX_QUERY {
        return Err(ApiError::BAD_REQUEST);
    }
    let docs = docs_of(&state, lib).await?;
    let query = q.q.clone();
    let ids = tokio::task::spawn_blocking(move || docs.matching(&query))
        .await
        .map_err(|e| Error::Task(e.to_string()))?;
    let total = ids.len();
    let limit = usize::try_from(q.limit.unwrap_or(200).clamp(1, MAX_LIMIT)).unwrap_or(200);
    let offset = q.offset.unwrap_or(0).min(total);
    let page: Vec<i64> = ids.iter().skip(offset).take(limit).copied().collect();
    let next = (offset + page.len() < total).then_some(offset + page.len());
    let uid = s.user_id;
    let items = state
        .with_index(move |_, ix| {
            let mut out = Vec::with_capacity(page.len());
            for id in page {
                // Rows gone since the texts were built are left out.
                if let Some(it) = ix.item_row_in(id, lib)? {
                    out.push(ItemOut::from(it));
                }
            }
            mark_favorites(ix, uid, &mut out)?;
            Ok(out)
        })
        .await?;
    Ok(Json(serde_json::json!({
        "items": items,
        "total": total,
        "next_offset": next,
    })))
}
