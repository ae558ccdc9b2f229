//! What `info` adds on top of the reader: the resolved time (albumen-timeline, single-file
//! rules) and the place name (albumen-geo).

use std::path::Path;

use albumen_meta::Metadata;
use serde_json::Value;

/// Adds `time` and `place` to an `info` object.
pub(crate) fn add_time_and_place(v: &mut Value, path: &Path, md: &Metadata) {
    let Value::Object(o) = v else { return };
    let mtime = std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let opts = albumen_timeline::ResolveOptions::default();
    let time = albumen_timeline::resolve(md, mtime, &opts)
        .and_then(|t| serde_json::to_value(t).ok())
        .unwrap_or(Value::Null);
    o.insert("time".into(), time);
    let place = md
        .gps
        .as_ref()
        .and_then(|g| albumen_geo::reverse_geocode(g.value.lat, g.value.lon))
        .and_then(|p| serde_json::to_value(p).ok())
        .unwrap_or(Value::Null);
    o.insert("place".into(), place);
}
