//! Passwords (argon2id), random tokens, the login rate limits (counted in the index) and the
//! CSRF rules.

use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::http::HeaderMap;

use crate::error::{Error, Result};

/// Hashes a password with argon2id (the `argon2` crate's defaults: 19 MiB, 2 passes, one
/// lane, a random 16-byte salt) into a PHC string for [`albumen_index::Index::add_user`].
///
/// ```
/// let h = albumen_server::hash_password("correct horse")?;
/// assert!(h.starts_with("$argon2id$"));
/// assert!(albumen_server::verify_password("correct horse", &h));
/// assert!(!albumen_server::verify_password("wrong", &h));
/// # Ok::<(), albumen_server::Error>(())
/// ```
pub fn hash_password(password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).map_err(|e| Error::Hash(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| Error::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Hash(e.to_string()))
}

/// Whether `password` matches the PHC string `hash` (false for a malformed hash).
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash no password matches, verified for unknown users so that a login for a name that
/// does not exist takes as long as one for a name that does.
pub(crate) fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("albumen: no such user").unwrap_or_default())
}

/// 32 random bytes as 64 hex digits.
pub(crate) fn random_token() -> Result<String> {
    let mut b = [0u8; 32];
    getrandom::getrandom(&mut b).map_err(|e| Error::Hash(e.to_string()))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// Failed logins allowed per client address, and per user name, within [`WINDOW`].
pub const MAX_FAILURES: u32 = 10;
/// The rate limiter's window.
pub const WINDOW: Duration = Duration::from_secs(600);

/// [`WINDOW`] in seconds, as the index counts failures ([`albumen_index::Index::throttled`]):
/// past [`MAX_FAILURES`] in it, every login from that address or for that name is answered 429
/// (even with the right password, so that guessing cannot go on) until the window has passed.
pub(crate) fn window_s() -> i64 {
    i64::try_from(WINDOW.as_secs()).unwrap_or(i64::MAX)
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub(crate) fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Whether a state-changing request comes from the page's own origin: its `Origin` (or, when
/// absent, `Referer`) must name the `Host` the request was sent to. A request with neither
/// header is accepted here (non-browser clients) and must still carry the CSRF token.
pub(crate) fn same_origin(headers: &HeaderMap) -> bool {
    let host = match headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
    {
        Some(h) => h,
        None => return false,
    };
    let origin = headers
        .get(axum::http::header::ORIGIN)
        .or_else(|| headers.get(axum::http::header::REFERER))
        .and_then(|h| h.to_str().ok());
    match origin {
        None => true,
        Some(o) => {
            let rest = o
                .strip_prefix("http://")
                .or_else(|| o.strip_prefix("https://"));
            rest.is_some_and(|r| r.split('/').next() == Some(host))
        }
    }
}

/// Constant-time comparison of two tokens.
pub(crate) fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_block_after_max_failures() {
        use albumen_index::Throttle;
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let ix =
            albumen_index::Index::open(dir.path().join("i.db")).unwrap_or_else(|e| panic!("{e}"));
        let blocked = |ip: &str, name: &str| {
            ix.throttled(
                &[Throttle::LoginFrom(ip), Throttle::LoginAs(name)],
                100,
                MAX_FAILURES,
                window_s(),
            )
            .unwrap_or_else(|e| panic!("{e}"))
        };
        for _ in 0..MAX_FAILURES {
            assert!(!blocked("127.0.0.1", "ben"));
            ix.count_failure(
                &[Throttle::LoginFrom("127.0.0.1"), Throttle::LoginAs("ben")],
                100,
                window_s(),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        }
        assert!(blocked("127.0.0.1", "ben"));
        assert!(blocked("10.0.0.1", "ben"));
        assert!(blocked("127.0.0.1", "anna"));
        assert!(!blocked("10.0.0.1", "anna"));
        // A second connection (another server on the same database) sees the same counts.
        let other =
            albumen_index::Index::open(dir.path().join("i.db")).unwrap_or_else(|e| panic!("{e}"));
        assert!(other
            .throttled(&[Throttle::LoginAs("ben")], 101, MAX_FAILURES, window_s())
            .unwrap_or_else(|e| panic!("{e}")));
        assert!(!other
            .throttled(
                &[Throttle::LoginAs("ben")],
                100 + window_s(),
                MAX_FAILURES,
                window_s()
            )
            .unwrap_or_else(|e| panic!("{e}")));
    }

    #[test]
    fn origin_rules() {
        let mut h = HeaderMap::new();
        h.insert(
            "host",
            "127.0.0.1:8080".parse().unwrap_or_else(|_| unreachable!()),
        );
        assert!(same_origin(&h));
        h.insert(
            "origin",
            "http://127.0.0.1:8080"
                .parse()
                .unwrap_or_else(|_| unreachable!()),
        );
        assert!(same_origin(&h));
        h.insert(
            "origin",
            "http://evil.example"
                .parse()
                .unwrap_or_else(|_| unreachable!()),
        );
        assert!(!same_origin(&h));
        h.insert(
            "origin",
            "http://127.0.0.1:8080.evil"
                .parse()
                .unwrap_or_else(|_| unreachable!()),
        );
        assert!(!same_origin(&h));
        assert!(same_token("abc", "abc") && !same_token("abc", "abd") && !same_token("a", "ab"));
    }
}
