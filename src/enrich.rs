//! What `info` adds on top of the reader: the resolved time (albumen-timeline) and the place
//! (albumen-geo).

use std::path::Path;

use albumen_meta::Metadata;
use serde_json::Value;

/// Adds `time` and `place` to an `info` object.
pub(crate) fn add_time_and_place(v: &mut Value, _path: &Path, _md: &Metadata) {
    if let Value::Object(o) = v {
        o.insert("time".into(), Value::Null);
        o.insert("place".into(), Value::Null);
    }
}
