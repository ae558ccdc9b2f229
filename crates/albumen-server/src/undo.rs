//! The undo history of edits from the page, kept in the index (so it survives a restart):
//! for each file an edit changed, the edits that put it back and the values the edit left
//! (so that an undo never overwrites what someone changed since).

use albumen_edit::Edit;
use albumen_index::Index;
use chrono::{Duration, FixedOffset, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::error::Result;

/// One edit that restores a field, in a form that can be stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub(crate) enum Stored {
    ShiftTime {
        seconds: i64,
        nanos: i32,
    },
    SetTime {
        local: String,
        subsec: Option<String>,
        offset_s: Option<i32>,
    },
    SetGps {
        lat: f64,
        lon: f64,
        alt: Option<f64>,
    },
    RemoveGps,
    SetRating {
        rating: i64,
    },
    SetTitle {
        text: String,
    },
    SetDescription {
        text: String,
    },
    SetKeywords {
        keywords: Vec<String>,
    },
    SetHierarchical {
        keywords: Vec<String>,
    },
}

const LOCAL_FMT: &str = "%Y-%m-%dT%H:%M:%S%.f";

impl Stored {
    /// The storable form of an undo edit (`None` for an edit an undo list never holds).
    pub(crate) fn of(e: &Edit) -> Option<Stored> {
        Some(match e {
            Edit::ShiftTime(d) => Stored::ShiftTime {
                seconds: d.num_seconds(),
                nanos: d.subsec_nanos(),
            },
            Edit::SetTime {
                local,
                subsec,
                offset,
            } => Stored::SetTime {
                local: local.format(LOCAL_FMT).to_string(),
                subsec: subsec.clone(),
                offset_s: offset.map(|o| o.local_minus_utc()),
            },
            Edit::SetGps(p) => Stored::SetGps {
                lat: p.lat,
                lon: p.lon,
                alt: p.alt,
            },
            Edit::RemoveGps => Stored::RemoveGps,
            Edit::SetRating(r) => Stored::SetRating {
                rating: i64::from(r.get()),
            },
            Edit::SetTitle(t) => Stored::SetTitle { text: t.clone() },
            Edit::SetDescription(t) => Stored::SetDescription { text: t.clone() },
            Edit::SetKeywords(k) => Stored::SetKeywords {
                keywords: k.clone(),
            },
            Edit::SetHierarchical(k) => Stored::SetHierarchical {
                keywords: k.clone(),
            },
            _ => return None,
        })
    }

    /// The edit back (`None` when the stored values are out of range: a damaged entry).
    pub(crate) fn edit(&self) -> Option<Edit> {
        Some(match self {
            Stored::ShiftTime { seconds, nanos } => Edit::ShiftTime(
                Duration::try_seconds(*seconds)?
                    .checked_add(&Duration::nanoseconds(i64::from(*nanos)))?,
            ),
            Stored::SetTime {
                local,
                subsec,
                offset_s,
            } => Edit::SetTime {
                local: NaiveDateTime::parse_from_str(local, LOCAL_FMT).ok()?,
                subsec: subsec.clone(),
                offset: match offset_s {
                    Some(s) => Some(FixedOffset::east_opt(*s)?),
                    None => None,
                },
            },
            Stored::SetGps { lat, lon, alt } => {
                Edit::SetGps(albumen_meta::GpsPosition::new(*lat, *lon, *alt)?)
            }
            Stored::RemoveGps => Edit::RemoveGps,
            Stored::SetRating { rating } => Edit::SetRating(albumen_meta::Rating::new(*rating)?),
            Stored::SetTitle { text } => Edit::SetTitle(text.clone()),
            Stored::SetDescription { text } => Edit::SetDescription(text.clone()),
            Stored::SetKeywords { keywords } => Edit::SetKeywords(keywords.clone()),
            Stored::SetHierarchical { keywords } => Edit::SetHierarchical(keywords.clone()),
        })
    }
}

/// The values of a file's row that the page's edits change, as the index holds them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub(crate) struct Snapshot {
    /// `capture_local`, `capture_utc`.
    pub time: (Option<String>, Option<String>),
    pub gps: (Option<f64>, Option<f64>),
    pub rating: Option<i64>,
    pub keywords: Vec<String>,
}

impl Snapshot {
    pub(crate) fn read(ix: &Index, file_id: i64) -> Result<Option<Snapshot>> {
        let row = ix.edit_values(file_id)?.map(|v| Snapshot {
            time: (v.capture_local, v.capture_utc),
            gps: (v.lat, v.lon),
            rating: v.rating,
            keywords: Vec::new(),
        });
        let Some(mut s) = row else { return Ok(None) };
        s.keywords = ix.keywords(file_id)?;
        Ok(Some(s))
    }

    /// Whether `now` still holds what this snapshot holds in the fields `undo` restores.
    pub(crate) fn unchanged_for(&self, now: &Snapshot, undo: &[Stored]) -> bool {
        undo.iter().all(|e| match e {
            Stored::ShiftTime { .. } | Stored::SetTime { .. } => self.time == now.time,
            Stored::SetGps { .. } | Stored::RemoveGps => self.gps == now.gps,
            Stored::SetRating { .. } => self.rating == now.rating,
            Stored::SetKeywords { .. } => self.keywords == now.keywords,
            // Not shown by the index: nothing to compare.
            Stored::SetTitle { .. }
            | Stored::SetDescription { .. }
            | Stored::SetHierarchical { .. } => true,
        })
    }
}

/// One file of an undo entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct UndoFile {
    pub id: i64,
    /// The edits that put it back.
    pub undo: Vec<Stored>,
    /// The row as the edit left it.
    pub after: Snapshot,
}

/// One undo entry: every file one edit request changed.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub(crate) struct Entry {
    pub files: Vec<UndoFile>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_undo_edit_round_trips_through_json() {
        let t =
            NaiveDateTime::parse_from_str("2019-05-01T10:00:00.25", LOCAL_FMT).unwrap_or_default();
        let edits = vec![
            Edit::ShiftTime(Duration::seconds(-3600) + Duration::milliseconds(5)),
            Edit::SetTime {
                local: t,
                subsec: Some("25".into()),
                offset: FixedOffset::east_opt(8 * 3600),
            },
            Edit::RemoveGps,
            Edit::SetKeywords(vec!["长城".into(), "a\"b".into()]),
        ];
        for e in edits {
            let s = Stored::of(&e);
            let json = serde_json::to_string(&s).unwrap_or_default();
            let back: Option<Stored> = serde_json::from_str(&json).unwrap_or(None);
            assert_eq!(back.and_then(|b| b.edit()), Some(e));
        }
        // A damaged entry gives no edit rather than a wrong one.
        let bad = Stored::SetRating { rating: 99 };
        assert_eq!(bad.edit(), None);
        let bad = Stored::SetGps {
            lat: 500.0,
            lon: 0.0,
            alt: None,
        };
        assert_eq!(bad.edit(), None);
    }
}
