//! What the server tests share: a raw HTTP/1.1 client, logins, a tiny PNG.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};

pub type R<T = ()> = Result<T, Box<dyn std::error::Error>>;

pub struct Reply {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> R<Reply> {
    let mut s = TcpStream::connect(addr)?;
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() {
        req.push_str("Content-Type: application/json\r\n");
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    s.write_all(req.as_bytes())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no header end")?;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status = head.get(9..12).ok_or("short status line")?.parse()?;
    let mut body = raw[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    Ok(Reply { status, head, body })
}

pub fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(p) = b.windows(2).position(|w| w == b"\r\n") {
        let n = usize::from_str_radix(String::from_utf8_lossy(&b[..p]).trim(), 16).unwrap_or(0);
        if n == 0 || b.len() < p + 2 + n {
            break;
        }
        out.extend_from_slice(&b[p + 2..p + 2 + n]);
        b = &b[(p + 4 + n).min(b.len())..];
    }
    out
}

pub fn cookie_of(head: &str, name: &str) -> Option<String> {
    head.lines()
        .filter(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .filter_map(|l| l.split_once(':').map(|(_, v)| v.trim()))
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap_or("").to_string())
}

pub fn png(path: &Path, shade: u8) -> R {
    image::RgbImage::from_pixel(40, 30, image::Rgb([shade, 80, 120])).save(path)?;
    Ok(())
}

pub struct Login {
    pub cookie: String,
    pub csrf: String,
}

pub fn login(addr: SocketAddr, user: &str, pw: &str) -> R<Login> {
    let r = http(
        addr,
        "POST",
        "/api/login",
        &[],
        &format!(r#"{{"user":"{user}","password":"{pw}"}}"#),
    )?;
    assert_eq!(r.status, 200, "login of {user}");
    let s = cookie_of(&r.head, "albumen_session").ok_or("no session cookie")?;
    let c = cookie_of(&r.head, "albumen_csrf").ok_or("no csrf cookie")?;
    let csrf = c
        .split_once('=')
        .map(|x| x.1.to_string())
        .unwrap_or_default();
    Ok(Login { cookie: s, csrf })
}

pub fn ids(addr: SocketAddr, l: &Login, lib: &str) -> R<(u16, Vec<i64>)> {
    let r = http(
        addr,
        "GET",
        &format!("/api/items?library={lib}"),
        &[("Cookie", &l.cookie)],
        "",
    )?;
    if r.status != 200 {
        return Ok((r.status, vec![]));
    }
    let v: serde_json::Value = serde_json::from_slice(&r.body)?;
    let ids = v["items"]
        .as_array()
        .ok_or("no items")?
        .iter()
        .filter_map(|i| i["id"].as_i64())
        .collect();
    Ok((200, ids))
}

/// A request with the session's cookie (and its CSRF token on anything but GET); the status
/// and the JSON body (`null` when it is not JSON).
pub fn call(
    addr: SocketAddr,
    l: &Login,
    method: &str,
    path: &str,
    body: &str,
) -> R<(u16, serde_json::Value)> {
    let cookie = l.cookie.clone();
    let mut h: Vec<(&str, &str)> = vec![("Cookie", &cookie)];
    if method != "GET" {
        h.push(("X-CSRF-Token", &l.csrf));
    }
    let r = http(addr, method, path, &h, body)?;
    Ok((
        r.status,
        serde_json::from_slice(&r.body).unwrap_or(serde_json::Value::Null),
    ))
}

/// A running server on a free loopback port; dropping it stops it (gracefully) and waits for
/// it.
pub struct Server {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts the server of the index `db` (its preview cache under `cache`), editing allowed
/// when `allow_edit`.
pub fn serve(db: &Path, cache: &Path, allow_edit: bool) -> R<Server> {
    let config = albumen_server::Config::new(db.to_path_buf(), "127.0.0.1:0".parse()?)
        .cache(Some(cache.to_path_buf()))
        .allow_edit(allow_edit);
    let state = std::sync::Arc::new(albumen_server::State::open(config)?);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let (addr, thread) = spawn(state, Some(rx))?;
    Ok(Server {
        addr,
        stop: Some(tx),
        thread: Some(thread),
    })
}

/// Serves `state` on a free loopback port for the rest of the test process.
pub fn serve_state(state: std::sync::Arc<albumen_server::State>) -> R<SocketAddr> {
    Ok(spawn(state, None)?.0)
}

/// Serves `state` on a free loopback port on a thread of its own, until `stop` (if any) is
/// sent or dropped.
fn spawn(
    state: std::sync::Arc<albumen_server::State>,
    stop: Option<tokio::sync::oneshot::Receiver<()>>,
) -> R<(SocketAddr, std::thread::JoinHandle<()>)> {
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    std_listener.set_nonblocking(true)?;
    let addr = std_listener.local_addr()?;
    let thread = std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
        else {
            return;
        };
        rt.block_on(async move {
            let Ok(l) = tokio::net::TcpListener::from_std(std_listener) else {
                return;
            };
            let app =
                albumen_server::router(state).into_make_service_with_connect_info::<SocketAddr>();
            let _ = match stop {
                Some(rx) => {
                    axum::serve(l, app)
                        .with_graceful_shutdown(async {
                            let _ = rx.await;
                        })
                        .await
                }
                None => axum::serve(l, app).await,
            };
        });
    });
    Ok((addr, thread))
}

/// The index database of a test: `dir/index.db` (SQLite), or, when `ALBUMEN_TEST_PG` holds the
/// URL of a PostgreSQL server, a new database there (the whole server suite then runs on
/// PostgreSQL: `.ci/run` does that in a throw-away `pg_virtualenv` cluster).
#[allow(clippy::panic)] // a test's set-up: no server to test without its database
pub fn new_db(dir: &Path) -> PathBuf {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let Ok(admin) = std::env::var("ALBUMEN_TEST_PG") else {
        return dir.join("index.db");
    };
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let name = format!("albumen_srv_{}_{n}_{nanos}", std::process::id());
    let mut c = postgres::Client::connect(&admin, postgres::NoTls)
        .unwrap_or_else(|e| panic!("ALBUMEN_TEST_PG: {e}"));
    c.batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap_or_else(|e| panic!("CREATE DATABASE: {e}"));
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    PathBuf::from(format!("{base}/{name}"))
}

/// Whether `db` is a PostgreSQL URL.
pub fn is_pg(db: &Path) -> bool {
    db.to_string_lossy().starts_with("postgres")
}

fn pg(db: &Path) -> R<postgres::Client> {
    Ok(postgres::Client::connect(
        &db.to_string_lossy(),
        postgres::NoTls,
    )?)
}

/// SQL written for SQLite, for the test's own set-up on PostgreSQL: `?1` parameters and
/// `x''` blobs.
fn pg_text(sql: &str) -> String {
    sql.replace("?1", "$1").replace("x''", "'\\x'::bytea")
}

/// One integer from `sql` (one text parameter `?1`), on the test's own connection.
pub fn raw_i64(db: &Path, sql: &str, arg: &str) -> R<i64> {
    if is_pg(db) {
        let row = pg(db)?.query_one(&pg_text(sql), &[&arg])?;
        return Ok(row.get::<_, i64>(0));
    }
    Ok(rusqlite::Connection::open(db)?.query_row(sql, [arg], |r| r.get(0))?)
}

/// Runs `sql` (one text parameter `?1`) on the test's own connection.
pub fn raw_exec(db: &Path, sql: &str, arg: &str) -> R {
    if is_pg(db) {
        pg(db)?.execute(&pg_text(sql), &[&arg])?;
        return Ok(());
    }
    rusqlite::Connection::open(db)?.execute(sql, [arg])?;
    Ok(())
}

/// Runs the statements of `sql` on the test's own connection; on PostgreSQL the identity
/// counters then follow ids the statements gave explicitly (as SQLite's rowids do).
pub fn raw_batch(db: &Path, sql: &str) -> R {
    if is_pg(db) {
        let mut c = pg(db)?;
        c.batch_execute(&pg_text(sql))?;
        c.batch_execute(
            "SELECT setval(pg_get_serial_sequence('people', 'id'), (SELECT max(id) FROM people)) \
             WHERE EXISTS (SELECT 1 FROM people)",
        )?;
        return Ok(());
    }
    rusqlite::Connection::open(db)?.execute_batch(sql)?;
    Ok(())
}
