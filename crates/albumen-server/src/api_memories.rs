//! `GET /api/memories?library=L[&date=MM-DD]`: "on this day" — the items taken on the same
//! month and day (local capture date) in earlier years than this one, newest year first:
//! `{"date": "MM-DD", "groups": [{"year": 2021, "n": 3, "items": [...]}]}` (at most
//! [`PER_YEAR`] items a year, `n` counts them all). Without `date`, today in the server's
//! local time.

use axum::extract::{Query, State as AxState};
use axum::{Extension, Json};
use chrono::Datelike;
use serde::Deserialize;

use super::{lib_id, mark_favorites, ApiResult, ItemOut, Sess, St};
use crate::error::ApiError;

/// Most items sent per year.
pub(crate) const PER_YEAR: u32 = 60;

#[derive(Deserialize)]
pub(super) struct MemoriesQuery {
    library: String,
    date: Option<String>,
}

/// `MM-DD` checked (month 01-12, day 01-31).
fn month_day(s: &str) -> Option<(u32, u32)> {
    let (m, d) = s.split_once('-')?;
    if m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (m, d): (u32, u32) = (m.parse().ok()?, d.parse().ok()?);
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some((m, d))
}

pub(super) async fn memories(
    AxState(state): AxState<St>,
    Extension(s): Extension<Sess>,
    Query(q): Query<MemoriesQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let lib = lib_id(&state, &s, &q.library).await?;
    let today = chrono::Local::now().date_naive();
    let (m, d) = match q.date.as_deref().filter(|d| !d.is_empty()) {
        Some(date) => month_day(date).ok_or(ApiError::BAD_REQUEST)?,
        None => (today.month(), today.day()),
    };
    let md = format!("{m:02}-{d:02}");
    let this_year = today.year();
    let uid = s.user_id;
    let key = md.clone();
    let groups = state
        .with_index(move |_, ix| {
            // The days that have items, from the per-day counts the index keeps: no scan of
            // the library's files.
            let mut days: Vec<(i32, String, u64)> = ix
                .day_counts(lib)?
                .into_iter()
                .filter_map(|c| {
                    let day = c.day?;
                    let year: i32 = day.get(0..4)?.parse().ok()?;
                    (day.get(5..10) == Some(key.as_str()) && year < this_year)
                        .then_some((year, day, c.n))
                })
                .collect();
            days.sort_by_key(|d| std::cmp::Reverse(d.0));
            let mut out = Vec::new();
            for (year, day, n) in days {
                let mut items: Vec<ItemOut> = ix
                    .day_items(lib, &day, PER_YEAR)?
                    .into_iter()
                    .map(ItemOut::from)
                    .collect();
                if items.is_empty() {
                    continue;
                }
                mark_favorites(ix, uid, &mut items)?;
                out.push(serde_json::json!({ "year": year, "n": n, "items": items }));
            }
            Ok(out)
        })
        .await?;
    Ok(Json(serde_json::json!({ "date": md, "groups": groups })))
}

#[cfg(test)]
mod tests {
    use super::month_day;

    #[test]
    fn month_day_is_checked() {
        assert_eq!(month_day("07-14"), Some((7, 14)));
        assert_eq!(month_day("02-29"), Some((2, 29)));
        for bad in [
            "7-14", "13-01", "00-10", "07-32", "07-1x", "0714", "", "07-14-",
        ] {
            assert_eq!(month_day(bad), None, "{bad}");
        }
    }
}
