//! Sending a file's bytes: whole, or the single byte range a `Range` header asks for (what a
//! `<video>` element needs to seek).

use std::io::SeekFrom;
use std::path::Path;

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::error::ApiError;

/// The content type of an index `format` name.
pub(crate) fn mime_of(format: Option<&str>) -> &'static str {
    match format.unwrap_or("") {
        "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "heic" | "heif" => "image/heic",
        "avif" => "image/avif",
        "tiff" => "image/tiff",
        "bmp" => "image/bmp",
        "mov" => "video/quicktime",
        "mp4" | "m4v" => "video/mp4",
        "3gp" => "video/3gpp",
        _ => "application/octet-stream",
    }
}

/// The byte range `[start, end]` (inclusive) a `Range: bytes=…` value asks of a `len`-byte
/// file: `Ok(None)` for no (or an unsupported multi-) range, `Err(())` for an unsatisfiable one.
pub(crate) fn parse_range(value: Option<&str>, len: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(v) = value else { return Ok(None) };
    let Some(spec) = v.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((a, b)) = spec.split_once('-') else {
        return Ok(None);
    };
    let (a, b) = (a.trim(), b.trim());
    let range = if a.is_empty() {
        let n: u64 = b.parse().map_err(|_| ())?;
        if n == 0 || len == 0 {
            return Err(());
        }
        (len.saturating_sub(n), len - 1)
    } else {
        let start: u64 = a.parse().map_err(|_| ())?;
        let end = if b.is_empty() {
            len.saturating_sub(1)
        } else {
            b.parse::<u64>().map_err(|_| ())?.min(len.saturating_sub(1))
        };
        if start >= len || end < start {
            return Err(());
        }
        (start, end)
    };
    Ok(Some(range))
}

/// Streams `path` (a path from the index, never from the URL) with range support; with
/// `window` = (offset, length), only that part of the file (a motion photo's embedded video)
/// is served, as if it were the whole file.
pub(crate) async fn send_file(
    path: &Path,
    mime: &str,
    req: &HeaderMap,
    window: Option<(u64, u64)>,
) -> Result<Response, ApiError> {
    let mut f = tokio::fs::File::open(path)
        .await
        .map_err(|_| ApiError::NOT_FOUND)?;
    let file_len = f.metadata().await.map_err(|_| ApiError::NOT_FOUND)?.len();
    let (base, len) = match window {
        Some((off, n)) if off.checked_add(n).is_some_and(|end| end <= file_len) => (off, n),
        Some(_) => return Err(ApiError::NOT_FOUND),
        None => (0, file_len),
    };
    let range = parse_range(req.get(header::RANGE).and_then(|v| v.to_str().ok()), len);
    let mut headers = HeaderMap::new();
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Ok(v) = HeaderValue::from_str(mime) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    let (status, start, n) = match range {
        Err(()) => {
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                headers.insert(header::CONTENT_RANGE, v);
            }
            return Ok((StatusCode::RANGE_NOT_SATISFIABLE, headers).into_response());
        }
        Ok(None) => (StatusCode::OK, 0, len),
        Ok(Some((s, e))) => {
            if let Ok(v) = HeaderValue::from_str(&format!("bytes {s}-{e}/{len}")) {
                headers.insert(header::CONTENT_RANGE, v);
            }
            (StatusCode::PARTIAL_CONTENT, s, e - s + 1)
        }
    };
    if base + start > 0 {
        f.seek(SeekFrom::Start(base + start))
            .await
            .map_err(|_| ApiError::NOT_FOUND)?;
    }
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(n));
    let stream = tokio_util::io::ReaderStream::with_capacity(f.take(n), 64 * 1024);
    Ok((status, headers, Body::from_stream(stream)).into_response())
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges() {
        assert_eq!(parse_range(None, 100), Ok(None));
        assert_eq!(parse_range(Some("bytes=0-9"), 100), Ok(Some((0, 9))));
        assert_eq!(parse_range(Some("bytes=90-"), 100), Ok(Some((90, 99))));
        assert_eq!(parse_range(Some("bytes=-10"), 100), Ok(Some((90, 99))));
        assert_eq!(parse_range(Some("bytes=50-500"), 100), Ok(Some((50, 99))));
        assert_eq!(parse_range(Some("bytes=100-"), 100), Err(()));
        assert_eq!(parse_range(Some("bytes=9-3"), 100), Err(()));
        assert_eq!(parse_range(Some("bytes=x-3"), 100), Err(()));
        assert_eq!(parse_range(Some("bytes=0-1,5-6"), 100), Ok(None));
        assert_eq!(parse_range(Some("bytes=-0"), 100), Err(()));
        assert_eq!(parse_range(Some("bytes=-5"), 0), Err(()));
    }
}
