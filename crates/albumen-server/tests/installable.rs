//! The page as an installable app, served by a real server on a loopback port: every asset the
//! page names is served with its content type, the web app manifest is complete and its icons
//! are PNGs of the sizes it declares, the service worker comes from `/sw.js` (scope `/`) and
//! every file it precaches exists (one missing file would fail its install), the optional
//! modules list names no page file, and none of this needs a session while the API still does.

use std::net::SocketAddr;
use std::sync::Arc;

use albumen_index::Index;

mod common;
use common::*;

fn start() -> R<(tempfile::TempDir, SocketAddr)> {
    let dir = tempfile::tempdir()?;
    let db = common::new_db(dir.path());
    drop(Index::open(&db)?);
    let config = albumen_server::Config::new(db, "127.0.0.1:0".parse()?)
        .cache(Some(dir.path().join("cache")));
    let state = Arc::new(albumen_server::State::open(config)?);
    let addr = serve_state(state)?;
    Ok((dir, addr))
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// The quoted values after `attr="` in `text` that start with `/`.
fn local_refs(text: &str, attr: &str) -> Vec<String> {
    let pat = format!("{attr}=\"");
    text.match_indices(&pat)
        .filter_map(|(i, _)| {
            let rest = text.get(i + pat.len()..)?;
            let end = rest.find('"')?;
            let v = rest.get(..end)?;
            v.starts_with('/').then(|| v.to_string())
        })
        .collect()
}

fn png_size(b: &[u8]) -> Option<(u32, u32)> {
    if b.get(..8)? != b"\x89PNG\r\n\x1a\n" || b.get(12..16)? != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes(b.get(16..20)?.try_into().ok()?);
    let h = u32::from_be_bytes(b.get(20..24)?.try_into().ok()?);
    Some((w, h))
}

fn expected_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("js") => "text/javascript",
        Some("css") => "text/css",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        Some("webmanifest") => "application/manifest+json",
        Some("json") => "application/json",
        _ => "text/html",
    }
}

#[test]
fn the_page_is_installable() -> R {
    let (_dir, addr) = start()?;
    let page = http(addr, "GET", "/", &[], "")?;
    assert_eq!(page.status, 200);
    let html = String::from_utf8(page.body)?;
    let mut refs = local_refs(&html, "href");
    refs.extend(local_refs(&html, "src"));
    assert!(
        refs.iter().any(|r| r == "/assets/manifest.webmanifest"),
        "no manifest link: {refs:?}"
    );
    assert!(refs.len() >= 8, "{refs:?}");
    for r in &refs {
        let got = http(addr, "GET", r, &[], "")?;
        assert_eq!(got.status, 200, "{r}");
        let ct = header(&got.head, "content-type").unwrap_or("");
        assert!(ct.starts_with(expected_type(r)), "{r}: {ct}");
    }

    let m = http(addr, "GET", "/assets/manifest.webmanifest", &[], "")?;
    let m: serde_json::Value = serde_json::from_slice(&m.body)?;
    assert_eq!(m["start_url"], "/");
    assert_eq!(m["scope"], "/");
    assert_eq!(m["display"], "standalone");
    assert!(m["name"].as_str().is_some_and(|n| !n.is_empty()));
    let mut sizes = Vec::new();
    for icon in m["icons"].as_array().ok_or("no icons")? {
        let src = icon["src"].as_str().ok_or("icon without src")?;
        let got = http(addr, "GET", src, &[], "")?;
        assert_eq!(got.status, 200, "{src}");
        assert_eq!(
            header(&got.head, "content-type"),
            icon["type"].as_str(),
            "{src}"
        );
        if icon["type"] == "image/png" {
            let (w, h) = png_size(&got.body).ok_or("not a PNG")?;
            assert_eq!(
                icon["sizes"].as_str(),
                Some(format!("{w}x{h}").as_str()),
                "{src}"
            );
            sizes.push(w);
        }
    }
    assert!(sizes.contains(&192) && sizes.contains(&512), "{sizes:?}");

    let sw = http(addr, "GET", "/sw.js", &[], "")?;
    assert_eq!(sw.status, 200);
    assert!(header(&sw.head, "content-type").is_some_and(|c| c.starts_with("text/javascript")));
    assert_eq!(header(&sw.head, "cache-control"), Some("no-cache"));
    let sw = String::from_utf8(sw.body)?;
    let shell = sw
        .split_once("const SHELL = [")
        .and_then(|(_, rest)| rest.split_once("];"))
        .ok_or("no SHELL list in sw.js")?
        .0;
    let cached: Vec<&str> = shell.split('\'').filter(|s| s.starts_with('/')).collect();
    assert!(
        cached.contains(&"/") && cached.contains(&"/assets/app.js"),
        "{cached:?}"
    );
    for p in &cached {
        assert_eq!(
            http(addr, "GET", p, &[], "")?.status,
            200,
            "the service worker precaches {p}"
        );
        assert!(
            !p.starts_with("/api/"),
            "the service worker caches the API: {p}"
        );
    }

    let modules = http(addr, "GET", "/assets/modules.json", &[], "")?;
    let modules: Vec<String> = serde_json::from_slice(&modules.body)?;
    for n in &modules {
        assert!(
            n != "app.js" && n != "sw.js" && !n.contains('/'),
            "{modules:?}"
        );
        assert_eq!(
            http(addr, "GET", &format!("/assets/{n}"), &[], "")?.status,
            200
        );
    }
    // The API still asks for a session.
    assert_eq!(http(addr, "GET", "/api/me", &[], "")?.status, 401);
    Ok(())
}
