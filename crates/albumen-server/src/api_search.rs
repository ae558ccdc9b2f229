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
//!
//! Two things keep a search off the slow path at 50 clients: the ids a query matched are kept
//! beside the texts they came from (bounded by `HITS_KEPT` ids), so paging
//! through a broad query does not pass over the texts again for every page; and a change that
//! nobody announced (another server's edit, a scan from the command line, logins) is taken in
//! by a rebuild in the background while the texts already built keep answering, so no search
//! waits seconds for a rebuild that a stream of session writes would otherwise start every
//! [`REBUILD_EVERY`]. Announced changes still rebuild before the next answer.

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

/// How long a search waits for a rebuild it started before answering from the texts it has.
const REBUILD_WAIT: Duration = Duration::from_millis(100);

/// Longest query accepted (bytes).
const MAX_QUERY: usize = 500;

/// Most ids kept for answered queries per library (8 bytes each: 16 MB); past it the
/// kept answers are dropped and kept again from the next query on.
pub(crate) const HITS_KEPT: usize = 2_000_000;

/// A library's search texts, with the index version and time they were built at.
#[derive(Debug)]
pub(crate) struct Built {
    pub(crate) version: Option<i64>,
    pub(crate) at: Instant,
    pub(crate) docs: Arc<SearchDocs>,
    /// The ids each query matched in `docs` (key: the query's terms, lowercased, sorted).
    hits: std::sync::Mutex<Hits>,
}

#[derive(Debug, Default)]
struct Hits {
    by_query: std::collections::HashMap<String, Arc<Vec<i64>>>,
    ids: usize,
}

impl Built {
    pub(crate) fn new(version: Option<i64>, docs: Arc<SearchDocs>) -> Built {
        Built {
            version,
            at: Instant::now(),
            docs,
            hits: std::sync::Mutex::new(Hits::default()),
        }
    }

    /// The ids `query` matches, newest first: kept from an earlier answer or found now.
    pub(crate) fn matching(&self, query: &str) -> Arc<Vec<i64>> {
        let key = query_key(query);
        if let Some(h) = self
            .hits
            .lock()
            .ok()
            .and_then(|h| h.by_query.get(&key).cloned())
        {
            return h;
        }
        let ids = Arc::new(self.docs.matching(query));
        if let Ok(mut h) = self.hits.lock() {
            if h.ids + ids.len() > HITS_KEPT {
                h.by_query.clear();
                h.ids = 0;
            }
            if ids.len() <= HITS_KEPT {
                h.ids += ids.len();
                h.by_query.insert(key, Arc::clone(&ids));
            }
        }
        ids
    }
}

/// What a query asks, independent of case, order and repeated terms (as
/// [`SearchDocs::matching`] reads it).
fn query_key(query: &str) -> String {
    let q = query.to_lowercase();
    let mut terms: Vec<&str> = q
        .split_whitespace()
        .take(albumen_index::MAX_QUERY_TERMS)
        .collect();
    terms.sort_unstable();
    terms.dedup();
    terms.join(" ")
}

#[derive(Deserialize)]
pub(super) struct SearchQuery {
    library: String,
    #[serde(default)]
    q: String,
    limit: Option<i64>,
    offset: Option<usize>,
}

/// The search texts of library `lib`: built when missing or when a change was announced
/// (then the caller waits); when only the index's version moved, the texts already built
/// answer while a rebuild runs in the background (at most one at a time).
pub(crate) async fn docs_of(state: &St, lib: i64) -> ApiResult<Arc<Built>> {
    let version = state.version();
    let known = state
        .search_docs
        .lock()
        .ok()
        .and_then(|m| m.get(&lib).cloned());
    if let Some(b) = known {
        let current = b.version.is_some() && b.version == version;
        if !current && b.at.elapsed() >= REBUILD_EVERY {
            if let Ok(guard) = Arc::clone(&state.search_build).try_lock_owned() {
                let st = Arc::clone(state);
                let rebuild = tokio::spawn(async move {
                    let _one = guard;
                    build(&st, lib).await
                });
                // A small library's texts are rebuilt in milliseconds: then this search
                // already answers from them. A failed rebuild leaves the texts that are
                // there; the next search after REBUILD_EVERY tries again.
                if let Ok(Ok(Ok(fresh))) = tokio::time::timeout(REBUILD_WAIT, rebuild).await {
                    return Ok(fresh);
                }
            }
        }
        return Ok(b);
    }
    let _one = state.search_build.lock().await;
    if let Some(b) = state
        .search_docs
        .lock()
        .ok()
        .and_then(|m| m.get(&lib).cloned())
    {
        return Ok(b);
    }
    build(state, lib).await
}

/// Builds library `lib`'s search texts and keeps them (the caller holds `search_build`).
async fn build(state: &St, lib: i64) -> ApiResult<Arc<Built>> {
    let built = state
        .with_index(move |st, ix| {
            // The version is read before the texts: a change while they are read is seen as
            // a change after, and builds them again.
            let version = st.version();
            let built = Arc::new(Built::new(version, Arc::new(ix.search_docs(lib)?)));
            if let Ok(mut m) = st.search_docs.lock() {
                m.insert(lib, Arc::clone(&built));
            }
            Ok(built)
        })
        .await?;
    Ok(built)
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
    let built = docs_of(&state, lib).await?;
    let query = q.q.clone();
    let ids = tokio::task::spawn_blocking(move || built.matching(&query))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn built() -> Built {
        Built::new(
            Some(1),
            Arc::new(SearchDocs::from_texts(vec![
                (3, "IMG_3.jpg paris 2021-07-01".into()),
                (2, "IMG_2.jpg berlin 2021-07-02".into()),
                (1, "IMG_1.jpg paris 2019-01-01".into()),
            ])),
        )
    }

    #[test]
    fn a_kept_answer_is_the_one_the_texts_give() {
        let b = built();
        assert_eq!(*b.matching("Paris"), vec![3, 1]);
        // Same terms in another case and order: the kept answer, not a second pass.
        let again = b.matching("2021  PARIS");
        assert_eq!(*again, vec![3]);
        let kept = b.matching("paris 2021");
        assert!(Arc::ptr_eq(&again, &kept));
        assert_eq!(b.hits.lock().map(|h| h.by_query.len()).ok(), Some(2));
    }

    #[test]
    fn query_keys_ignore_case_order_and_repeats() {
        assert_eq!(query_key("Paris 2021 paris"), query_key("2021 PARIS"));
        assert_ne!(query_key("paris"), query_key("paris 2021"));
    }
}
