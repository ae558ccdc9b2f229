//! The edit operations, the field values they act on, and how a list of edits folds into one
//! change per field.

use albumen_meta::{GpsPosition, Rating};
use chrono::{Duration, FixedOffset, NaiveDateTime};
use serde::Serialize;

use crate::error::{Error, Result};

/// One metadata change. A list of them is applied to each file in a single write.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Edit {
    /// Set the capture time (`DateTimeOriginal`, `CreateDate`, `ModifyDate`, the XMP dates and
    /// the QuickTime dates), optionally with sub-seconds (the digits after the point, e.g. `"123"`)
    /// and a UTC offset.
    SetTime {
        /// Local wall-clock time.
        local: NaiveDateTime,
        /// Sub-second digits, written to `SubSecTime*` when given.
        subsec: Option<String>,
        /// UTC offset, written to `OffsetTime*` when given.
        offset: Option<FixedOffset>,
    },
    /// Shift every capture/modify date by a duration (the "camera clock was wrong" fix).
    ShiftTime(Duration),
    /// Set only the UTC offset (`OffsetTime*`, the zone of the XMP dates), keeping local times.
    SetOffset(FixedOffset),
    /// Set the GPS position (and altitude when given; a stale altitude is removed otherwise).
    SetGps(GpsPosition),
    /// Remove the GPS position and all other GPS tags (privacy).
    RemoveGps,
    /// Remove every location, for sharing: what [`Edit::RemoveGps`] removes, plus every
    /// `exif:GPS*` XMP property and the XMP place names (`photoshop:City`/`State`/`Country`,
    /// `Iptc4xmpCore:Location`/`CountryCode`, `Iptc4xmpExt:LocationCreated`/`LocationShown`).
    /// In camera raws, which are otherwise never rewritten, the GPS directories are zeroed
    /// in place (same size, every offset kept; the raw's sidecar is not touched); a format
    /// written through a sidecar only is refused when it holds a position.
    RemoveLocation,
    /// Remove camera and lens serial numbers: EXIF `BodySerialNumber`, `LensSerialNumber`,
    /// DNG `CameraSerialNumber` (their values zeroed), XMP `aux:SerialNumber`,
    /// `aux:LensSerialNumber`, `exifEX:BodySerialNumber`, `exifEX:LensSerialNumber`. Serial
    /// numbers inside maker notes are not reached.
    RemoveSerials,
    /// Set the star rating (`xmp:Rating`, and EXIF `Rating` where present).
    SetRating(Rating),
    /// Set the title (`dc:title`); an empty string removes it.
    SetTitle(String),
    /// Set the description (`dc:description`, EXIF `ImageDescription` where present); an empty
    /// string removes it.
    SetDescription(String),
    /// Add a keyword (`dc:subject`) unless already present.
    AddKeyword(String),
    /// Remove a keyword.
    RemoveKeyword(String),
    /// Replace all keywords.
    SetKeywords(Vec<String>),
    /// Replace the hierarchical keywords (`lr:hierarchicalSubject`, `|`-separated paths).
    SetHierarchical(Vec<String>),
}

/// A capture time as stored: local wall time, sub-seconds and offset when present.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeValue {
    /// Local wall-clock time.
    pub local: NaiveDateTime,
    /// Sub-second digits.
    pub subsec: Option<String>,
    /// UTC offset, formatted `+HH:MM`.
    #[serde(serialize_with = "ser_offset")]
    pub offset: Option<FixedOffset>,
}

fn ser_offset<S: serde::Serializer>(
    o: &Option<FixedOffset>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match o {
        Some(o) => s.serialize_some(&fmt_offset(*o)),
        None => s.serialize_none(),
    }
}

/// `+HH:MM` form of an offset.
pub(crate) fn fmt_offset(o: FixedOffset) -> String {
    let s = o.local_minus_utc();
    let sign = if s < 0 { '-' } else { '+' };
    let a = s.unsigned_abs();
    format!("{sign}{:02}:{:02}", a / 3600, (a % 3600) / 60)
}

/// The editable fields as read from a file (EXIF first, XMP for what EXIF lacks).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Fields {
    /// Capture time (`DateTimeOriginal`, else `CreateDate`, else XMP/QuickTime).
    pub time: Option<TimeValue>,
    /// GPS position.
    pub gps: Option<GpsPosition>,
    /// Rating.
    pub rating: Option<Rating>,
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Keywords.
    pub keywords: Vec<String>,
    /// Hierarchical keywords.
    pub hierarchical: Vec<String>,
}

/// How dates change: applied to every date field separately, so dates that differed keep
/// their difference under a shift.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct TimeChange {
    pub set: Option<NaiveDateTime>,
    pub shift: Duration,
    pub subsec: Option<String>,
    pub offset: Option<FixedOffset>,
}

impl TimeChange {
    pub(crate) fn touches_dates(&self) -> bool {
        self.set.is_some() || !self.shift.is_zero()
    }
    pub(crate) fn is_empty(&self) -> bool {
        !self.touches_dates() && self.subsec.is_none() && self.offset.is_none()
    }
    /// New local time for a stored local time.
    pub(crate) fn local(&self, old: NaiveDateTime) -> Option<NaiveDateTime> {
        let base = self.set.unwrap_or(old);
        base.checked_add_signed(self.shift)
    }
    /// New UTC instant (seconds) for a stored UTC instant whose local time was `old_local` in
    /// zone `old_offset` (both optional).
    pub(crate) fn utc_delta(&self, primary_old: Option<&TimeValue>) -> Option<Duration> {
        let mut d = match (self.set, primary_old) {
            (None, _) => self.shift,
            (Some(new), Some(old)) => new
                .signed_duration_since(old.local)
                .checked_add(&self.shift)?,
            (Some(_), None) => return None,
        };
        if let (Some(n), Some(o)) = (self.offset, primary_old.and_then(|p| p.offset)) {
            d -= Duration::seconds(i64::from(n.local_minus_utc() - o.local_minus_utc()));
        }
        Some(d)
    }
}

/// Everything a list of edits asks for, one entry per field.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Changes {
    pub time: TimeChange,
    /// `Some(None)` removes.
    pub gps: Option<Option<GpsPosition>>,
    pub rating: Option<Rating>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub keywords: Option<KeywordOps>,
    pub hierarchical: Option<Vec<String>>,
    /// [`Edit::RemoveLocation`]: every location, not only the GPS position.
    pub strip_location: bool,
    /// [`Edit::RemoveSerials`].
    pub strip_serials: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct KeywordOps {
    pub replace: Option<Vec<String>>,
    pub add: Vec<String>,
    pub remove: Vec<String>,
}

impl KeywordOps {
    pub(crate) fn apply(&self, old: &[String]) -> Vec<String> {
        let mut v: Vec<String> = self.replace.clone().unwrap_or_else(|| old.to_vec());
        for k in &self.add {
            if !v.contains(k) {
                v.push(k.clone());
            }
        }
        v.retain(|k| !self.remove.contains(k));
        v
    }
}

impl Changes {
    pub(crate) fn from_edits(edits: &[Edit]) -> Result<Changes> {
        let mut c = Changes::default();
        for e in edits {
            match e {
                Edit::SetTime {
                    local,
                    subsec,
                    offset,
                } => {
                    c.time.set = Some(*local);
                    c.time.shift = Duration::zero();
                    if let Some(s) = subsec {
                        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || s.len() > 9 {
                            return Err(Error::InvalidEdit(format!("sub-seconds {s:?}")));
                        }
                    }
                    c.time.subsec.clone_from(subsec);
                    if offset.is_some() {
                        c.time.offset = *offset;
                    }
                }
                Edit::ShiftTime(d) => {
                    c.time.shift = c
                        .time
                        .shift
                        .checked_add(d)
                        .ok_or_else(|| Error::InvalidEdit("shift overflows".into()))?;
                }
                Edit::SetOffset(o) => c.time.offset = Some(*o),
                Edit::SetGps(p) => c.gps = Some(Some(*p)),
                Edit::RemoveGps => c.gps = Some(None),
                Edit::RemoveLocation => {
                    c.gps = Some(None);
                    c.strip_location = true;
                }
                Edit::RemoveSerials => c.strip_serials = true,
                Edit::SetRating(r) => c.rating = Some(*r),
                Edit::SetTitle(t) => c.title = Some(t.clone()),
                Edit::SetDescription(t) => c.description = Some(t.clone()),
                Edit::AddKeyword(k) => {
                    let ops = c.keywords.get_or_insert_with(KeywordOps::default);
                    ops.remove.retain(|x| x != k);
                    ops.add.push(k.clone());
                }
                Edit::RemoveKeyword(k) => {
                    let ops = c.keywords.get_or_insert_with(KeywordOps::default);
                    ops.add.retain(|x| x != k);
                    ops.remove.push(k.clone());
                }
                Edit::SetKeywords(v) => {
                    c.keywords = Some(KeywordOps {
                        replace: Some(v.clone()),
                        ..KeywordOps::default()
                    })
                }
                Edit::SetHierarchical(v) => c.hierarchical = Some(v.clone()),
            }
        }
        Ok(c)
    }

    /// The fields after the change.
    pub(crate) fn apply(&self, old: &Fields) -> Result<Fields> {
        let mut f = old.clone();
        if !self.time.is_empty() {
            let t = match (&old.time, self.time.set) {
                (Some(t), _) => Some(t.clone()),
                (None, Some(local)) => Some(TimeValue {
                    local,
                    subsec: None,
                    offset: None,
                }),
                (None, None) if self.time.touches_dates() => {
                    return Err(Error::Missing(
                        "shift the time: the file has no capture time",
                    ))
                }
                (None, None) => {
                    return Err(Error::Missing(
                        "set the offset: the file has no capture time",
                    ))
                }
            };
            if let Some(mut t) = t {
                t.local = self
                    .time
                    .local(t.local)
                    .ok_or_else(|| Error::InvalidEdit("time out of range".into()))?;
                if self.time.subsec.is_some() {
                    t.subsec.clone_from(&self.time.subsec);
                }
                if self.time.offset.is_some() {
                    t.offset = self.time.offset;
                }
                f.time = Some(t);
            }
        }
        if let Some(g) = self.gps {
            f.gps = g;
        }
        if let Some(r) = self.rating {
            f.rating = Some(r);
        }
        if let Some(t) = &self.title {
            f.title = (!t.is_empty()).then(|| t.clone());
        }
        if let Some(t) = &self.description {
            f.description = (!t.is_empty()).then(|| t.clone());
        }
        if let Some(k) = &self.keywords {
            f.keywords = k.apply(&old.keywords);
        }
        if let Some(h) = &self.hierarchical {
            f.hierarchical.clone_from(h);
        }
        Ok(f)
    }
}

/// The edits that restore `before` from `after` (an undo list), for the fields that changed.
pub(crate) fn inverse(before: &Fields, after: &Fields) -> Vec<Edit> {
    let mut v = Vec::new();
    if before.time != after.time {
        if let Some(b) = &before.time {
            match &after.time {
                Some(a) if a.subsec == b.subsec && a.offset == b.offset => {
                    v.push(Edit::ShiftTime(b.local.signed_duration_since(a.local)))
                }
                _ => v.push(Edit::SetTime {
                    local: b.local,
                    subsec: b.subsec.clone(),
                    offset: b.offset,
                }),
            }
        }
    }
    if before.gps != after.gps {
        v.push(match before.gps {
            Some(p) => Edit::SetGps(p),
            None => Edit::RemoveGps,
        });
    }
    if before.rating != after.rating {
        if let Some(r) = before.rating {
            v.push(Edit::SetRating(r));
        } else if let Some(r) = Rating::new(0) {
            v.push(Edit::SetRating(r));
        }
    }
    if before.title != after.title {
        v.push(Edit::SetTitle(before.title.clone().unwrap_or_default()));
    }
    if before.description != after.description {
        v.push(Edit::SetDescription(
            before.description.clone().unwrap_or_default(),
        ));
    }
    if before.keywords != after.keywords {
        v.push(Edit::SetKeywords(before.keywords.clone()));
    }
    if before.hierarchical != after.hierarchical {
        v.push(Edit::SetHierarchical(before.hierarchical.clone()));
    }
    v
}

/// EXIF date string `YYYY:MM:DD HH:MM:SS`.
pub(crate) fn parse_exif_date(s: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(s.get(..19)?, "%Y:%m:%d %H:%M:%S").ok()
}

pub(crate) fn fmt_exif_date(t: NaiveDateTime) -> String {
    t.format("%Y:%m:%d %H:%M:%S").to_string()
}

/// `+HH:MM` / `-HH:MM` / `Z`.
pub(crate) fn parse_offset(s: &str) -> Option<FixedOffset> {
    let s = s.trim();
    if s == "Z" {
        return FixedOffset::east_opt(0);
    }
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (h, m),
        None if rest.len() == 4 => (rest.get(..2)?, rest.get(2..)?),
        None => (rest, "0"),
    };
    let h: i32 = h.parse().ok()?;
    let m: i32 = m.parse().ok()?;
    if !(0..=18).contains(&h) || !(0..60).contains(&m) {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}
