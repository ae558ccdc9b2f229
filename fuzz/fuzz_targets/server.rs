//! The web server's request handling on any bytes: the router of `albumen serve` over a small
//! scanned library, called in process (no socket). The input is one HTTP request:
//!
//! ```text
//! byte 0: flags (bit 0: send a live session cookie; bit 1: the CSRF token and a same origin;
//!         bits 2-3: the method, GET / POST / HEAD / the method on line 1)
//! line 1: the request target (path and query: cursors, ids, ranges of zoom, library names)
//! lines up to an empty line: headers `name: value` (Cookie, Range, Origin, ...)
//! the rest: the body (JSON for login, edit, undo)
//! ```
//!
//! Whatever comes in, the router answers (any status), never panics, and the body it streams
//! (a byte range of an original, a thumbnail) ends. Edits are allowed, on the fuzzer's own
//! copy of the library in a temporary folder.
#![no_main]
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use albumen_index::{Index, NoProgress};
use albumen_scan::{Scan, ScanOptions};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use tower::ServiceExt;

const TOKEN: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const CSRF: &str = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

struct World {
    _dir: tempfile::TempDir,
    db: std::path::PathBuf,
    user: i64,
    rt: tokio::runtime::Runtime,
    app: axum::Router,
}

fn world() -> Option<&'static World> {
    static W: OnceLock<Option<World>> = OnceLock::new();
    W.get_or_init(|| {
        let dir = tempfile::tempdir().ok()?;
        let lib = dir.path().join("photos");
        std::fs::create_dir_all(&lib).ok()?;
        for i in 0..3u8 {
            image::RgbImage::from_pixel(24, 16, image::Rgb([40 * i, 90, 160]))
                .save(lib.join(format!("p{i}.jpg")))
                .ok()?;
        }
        // A file that is not what its name says, and an empty one.
        std::fs::write(
            lib.join("broken.jpg"),
            b"\xff\xd8\xff\xe1\x00\x10Exif\0\0MM\0*",
        )
        .ok()?;
        std::fs::write(lib.join("empty.mov"), b"").ok()?;
        let db = dir.path().join("index.db");
        let mut index = Index::open(&db).ok()?;
        index
            .scan("family", &[lib], &ScanOptions::new(), &NoProgress)
            .ok()?;
        let user = index
            .add_user(
                "anna",
                &albumen_server::hash_password("anna password").ok()?,
            )
            .ok()?;
        index.grant("anna", "family").ok()?;
        drop(index);
        let config = albumen_server::Config::new(db.clone(), "127.0.0.1:8080".parse().ok()?)
            .cache(Some(dir.path().join("cache")))
            .allow_edit(true);
        let state = Arc::new(albumen_server::State::open(config).ok()?);
        let app = albumen_server::router(state);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .ok()?;
        let w = World {
            _dir: dir,
            db,
            user,
            rt,
            app,
        };
        session(&w);
        Some(w)
    })
    .as_ref()
}

/// (Re)creates the fuzzer's session (a logout in an input ends it).
fn session(w: &World) {
    if let Ok(ix) = Index::open(&w.db) {
        let _ = ix.end_session(TOKEN);
        let _ = ix.create_session(w.user, TOKEN, CSRF, 0, i64::MAX / 2);
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some(w) = world() else { return };
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let (head, body) = match rest.windows(2).position(|x| x == b"\n\n") {
        Some(p) => (&rest[..p], &rest[p + 2..]),
        None => (rest, &[][..]),
    };
    let mut lines = head.split(|&b| b == b'\n');
    let target = lines.next().unwrap_or_default();
    let Ok(target) = std::str::from_utf8(target) else {
        return;
    };
    let (method, target) = match (flags >> 2) & 3 {
        0 => ("GET", target),
        1 => ("POST", target),
        2 => ("HEAD", target),
        _ => target.split_once(' ').unwrap_or(("GET", target)),
    };
    let mut req = Request::builder().method(method).uri(target);
    for line in lines {
        let Some(p) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let value = line[p + 1..].trim_ascii_start();
        req = req.header(&line[..p], value);
    }
    if flags & 1 != 0 {
        req = req.header("cookie", format!("albumen_session={TOKEN}"));
    }
    if flags & 2 != 0 {
        req = req
            .header("x-csrf-token", CSRF)
            .header("origin", "http://127.0.0.1:8080")
            .header("host", "127.0.0.1:8080");
    }
    let Ok(mut req) = req.body(Body::from(body.to_vec())) else {
        return;
    };
    let peer: SocketAddr = ([127, 0, 0, 1], 40000).into();
    req.extensions_mut().insert(ConnectInfo(peer));
    let logout = target.to_ascii_lowercase().contains("logout");
    w.rt.block_on(async {
        let Ok(res) = w.app.clone().oneshot(req).await;
        // Read what is sent (a byte range of an original, a preview), up to 64 MiB.
        let _ = axum::body::to_bytes(res.into_body(), 64 << 20).await;
    });
    if logout {
        session(w);
    }
});
