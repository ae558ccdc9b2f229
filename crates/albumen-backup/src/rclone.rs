//! Verify through rclone: does an rclone remote (any of its backends, usually behind its `crypt`
//! layer) hold every file the index knows, intact?
//!
//! [`verify_rclone`] gives the same [`VerifyReport`] as the folder check ([`crate::verify`]):
//! missing, different, found elsewhere, extra; a Live Photo's video and the XMP/AAE sidecars
//! beside an indexed file are checked like the item's own file. It runs the `rclone` program
//! the user has (its own config: `RCLONE_CONFIG` and rclone's other settings are honoured; the
//! index never holds a copy of the config or a password, and a connection-string remote's
//! parameters are left out of the report):
//!
//! - `rclone lsjson -R --files-only REMOTE:PATH` lists the remote: presence and size of every
//!   file (a crypt remote lists decrypted names and sizes). The reference size is the index's.
//! - With [`RcloneOptions::hash`], files of the right size are compared by content without
//!   downloading them: on a `crypt` remote by `rclone cryptcheck ROOT REMOTE` (rclone encrypts
//!   the library's file with the remote file's nonce and compares the underlying remote's
//!   hash); on other remotes by `rclone check ROOT REMOTE` with the remote's own hash (MD5,
//!   SHA-1, …; the library's files are read to compute it). Both get the exact list of files to
//!   compare on their standard input (`--files-from-raw -`) and report one line per file
//!   (`--combined -`), read as they come (progress). A remote with no hash is checked by size
//!   only ([`VerifyReport::size_only`]) unless [`RcloneOptions::download`] asks for
//!   `rclone check --download`, which reads every file back.
//! - With hashing on a remote that has hashes, a missing file whose content is at another path
//!   of the remote (moved, renamed) is *found elsewhere*: the remote's hashes of the extra files
//!   of the same size (`rclone hashsum`) against the originals'. A crypt remote keeps no plain
//!   hash, so there a moved file is missing (and extra).
//!
//! Errors (not report entries): rclone is not installed, the remote is not in rclone's config,
//! or the remote cannot be listed (unreachable, no such folder).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::verify::{load, DiffReason, Difference, Indexed, Unreadable, VerifyReport, Via};
use albumen_index::Index;
use albumen_index::Progress;
use albumen_scan::Filter;
use albumen_scan::ScanOptions;

/// Lines of rclone's error output kept to explain a failure.
const STDERR_KEEP: usize = 40;

/// What to verify, and with which rclone.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RcloneOptions {
    /// The library (`None`: the index's only library).
    pub library: Option<String>,
    /// The copy of the library root: `REMOTE:PATH` as rclone takes it.
    pub remote: String,
    /// Compare contents (by the remote's hashes, or `cryptcheck`), not only sizes.
    pub hash: bool,
    /// With [`RcloneOptions::hash`], on a remote that has no hash: read every file back
    /// (`rclone check --download`) rather than check it by size only.
    pub download: bool,
    /// The rclone program (default `rclone`, found on `PATH`).
    pub program: PathBuf,
}

impl RcloneOptions {
    /// Options for a size-only check of `remote` (`REMOTE:PATH`).
    pub fn new(remote: impl Into<String>) -> Self {
        RcloneOptions {
            library: None,
            remote: remote.into(),
            hash: false,
            download: false,
            program: PathBuf::from("rclone"),
        }
    }
    /// Sets the library.
    pub fn library(mut self, name: impl Into<String>) -> Self {
        self.library = Some(name.into());
        self
    }
    /// Turns content comparison on or off.
    pub fn hash(mut self, yes: bool) -> Self {
        self.hash = yes;
        self
    }
    /// Allows reading every file back when the remote has no hash.
    pub fn download(mut self, yes: bool) -> Self {
        self.download = yes;
        self
    }
    /// Sets the rclone program.
    pub fn program(mut self, p: impl Into<PathBuf>) -> Self {
        self.program = p.into();
        self
    }
}

/// One entry of `rclone lsjson`.
#[derive(Deserialize)]
struct LsEntry {
    #[serde(rename = "Path")]
    path: String,
    #[serde(rename = "Size")]
    size: i64,
    #[serde(rename = "IsDir", default)]
    is_dir: bool,
}

/// The part of `rclone backend features` read here.
#[derive(Deserialize)]
struct Features {
    #[serde(rename = "Hashes", default)]
    hashes: Vec<String>,
}

/// How rclone answered one file of a `check` / `cryptcheck` (`--combined` lines).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Same,
    Differs,
    Missing,
    Error,
}

/// Checks `opts.remote` against the index. Problems with files are in the report; errors are
/// for the index, a missing library, rclone missing, an unknown remote or one that cannot be
/// listed.
pub fn verify_rclone(
    index: &Index,
    opts: &RcloneOptions,
    progress: &dyn Progress,
) -> Result<VerifyReport> {
    let started = Instant::now();
    let library = index.library(opts.library.as_deref())?;
    let (files, outside_roots) = load(index, &library)?;
    let rc = Rclone {
        program: &opts.program,
        remote: &opts.remote,
    };
    // The listing first: it also tells whether rclone runs and knows the remote.
    let listing = rc.list()?;
    let crypt = opts.hash && rc.is_crypt()?;
    let via = if crypt { Via::RcloneCrypt } else { Via::Rclone };
    progress.found(files.len() as u64);

    let filter = Filter::new(&ScanOptions::default());
    let mut remote: HashMap<PathBuf, u64> = HashMap::new();
    let mut non_media = 0u64;
    for e in listing {
        if e.is_dir {
            continue;
        }
        remote.insert(PathBuf::from(e.path), u64::try_from(e.size).unwrap_or(0));
    }

    let mut report = VerifyReport {
        library: library.name.clone(),
        backup: PathBuf::from(redact(&opts.remote)),
        via,
        hashed: opts.hash,
        checked: files.len() as u64,
        sidecars: files.iter().filter(|f| f.sidecar).count() as u64,
        bytes: files.iter().fold(0u64, |a, f| a.saturating_add(f.size)),
        ok: 0,
        missing: Vec::new(),
        different: Vec::new(),
        found_elsewhere: Vec::new(),
        extra: Vec::new(),
        unreadable: Vec::new(),
        size_only: 0,
        originals_hashed: 0,
        backup_hashed: 0,
        non_media: 0,
        outside_roots,
        elapsed_ms: 0,
    };

    // Sizes: what is absent, what has another size, what is to compare by content.
    let mut missing: Vec<&Indexed> = Vec::new();
    let mut same_size: Vec<&Indexed> = Vec::new();
    for f in &files {
        match remote.get(&f.rel) {
            None => missing.push(f),
            Some(&size) if size != f.size => {
                report.different.push(Difference {
                    path: f.rel.clone(),
                    reason: DiffReason::Size,
                    index_size: f.size,
                    backup_size: size,
                });
                progress.done(1);
            }
            Some(_) => same_size.push(f),
        }
    }
    if !missing.is_empty() {
        progress.done(missing.len() as u64);
    }
    let known: HashSet<&Path> = files.iter().map(|f| f.rel.as_path()).collect();
    let mut extra: BTreeMap<PathBuf, u64> = BTreeMap::new();
    for (rel, size) in &remote {
        if known.contains(rel.as_path()) {
            continue;
        }
        // Walked like a scan: hidden and skipped folders and files are not extra.
        if rel.components().any(|c| filter.skipped(c.as_os_str())) {
            continue;
        }
        if rel.file_name().is_some_and(|n| filter.is_media(n)) {
            extra.insert(rel.clone(), *size);
        } else {
            non_media += 1;
        }
    }
    report.non_media = non_media;

    // Contents.
    let hashes = if opts.hash && !crypt {
        rc.hashes()?
    } else {
        Vec::new()
    };
    let how = match (opts.hash, crypt, hashes.is_empty(), opts.download) {
        (false, _, _, _) => None,
        (true, true, _, _) => Some(CheckKind::Crypt),
        (true, false, false, _) => Some(CheckKind::Hash),
        (true, false, true, true) => Some(CheckKind::Download),
        (true, false, true, false) => None,
    };
    match how {
        None => {
            if opts.hash {
                report.size_only = same_size.len() as u64;
            }
            report.ok = same_size.len() as u64;
            progress.done(same_size.len() as u64);
        }
        Some(kind) => {
            let verdicts = rc.check(kind, &library.roots, &same_size, progress)?;
            for f in &same_size {
                match verdicts.get(&f.rel) {
                    Some((Verdict::Same, _)) => report.ok += 1,
                    Some((Verdict::Differs, _)) => report.different.push(Difference {
                        path: f.rel.clone(),
                        reason: DiffReason::Content,
                        index_size: f.size,
                        backup_size: f.size,
                    }),
                    Some((Verdict::Missing, _)) => missing.push(*f),
                    Some((Verdict::Error, why)) => report.unreadable.push(Unreadable {
                        path: f.original.clone(),
                        side: "backup",
                        error: why.clone(),
                    }),
                    None => report.unreadable.push(Unreadable {
                        path: f.original.clone(),
                        side: "original",
                        error: "rclone did not check it (the original is gone, or its name \
                                cannot be passed to rclone)"
                            .to_string(),
                    }),
                }
            }
            report.originals_hashed = same_size.len() as u64;
            report.backup_hashed = same_size.len() as u64;
        }
    }

    // Found elsewhere: the remote's hash of extra files of a missing file's size, against the
    // original's.
    let mut elsewhere: HashMap<PathBuf, Vec<PathBuf>> = HashMap::new();
    if how == Some(CheckKind::Hash) && !missing.is_empty() && !extra.is_empty() {
        if let Some(kind) = pick_hash(&hashes) {
            let sizes: HashSet<u64> = missing.iter().map(|f| f.size).collect();
            let candidates: Vec<PathBuf> = extra
                .iter()
                .filter(|(_, s)| sizes.contains(s))
                .map(|(p, _)| p.clone())
                .collect();
            if !candidates.is_empty() {
                let theirs = rc.hashsum(kind, rc.remote, &candidates)?;
                report.backup_hashed += theirs.len() as u64;
                let mut by_hash: HashMap<String, Vec<PathBuf>> = HashMap::new();
                for (p, h) in theirs {
                    by_hash.entry(h).or_default().push(p);
                }
                for (i, root) in library.roots.iter().enumerate() {
                    let wanted: Vec<PathBuf> = missing
                        .iter()
                        .filter(|f| f.root == i && sizes.contains(&f.size))
                        .map(|f| f.rel.clone())
                        .collect();
                    if wanted.is_empty() {
                        continue;
                    }
                    let root = root.to_string_lossy();
                    let ours = rc.hashsum(kind, &root, &wanted)?;
                    report.originals_hashed += ours.len() as u64;
                    for (p, h) in ours {
                        if let Some(at) = by_hash.get(&h) {
                            elsewhere.insert(p, at.clone());
                        }
                    }
                }
            }
        }
    }
    let settled = missing.into_iter().map(|f| (f, elsewhere.remove(&f.rel)));
    crate::verify::settle(&mut report, settled, extra);
    report.unreadable.sort_by(|a, b| a.path.cmp(&b.path));
    report.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(report)
}

/// How contents are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CheckKind {
    /// `rclone check` with the remote's hash.
    Hash,
    /// `rclone cryptcheck`.
    Crypt,
    /// `rclone check --download` (reads the remote's files back).
    Download,
}

/// The hash type for `rclone hashsum`: MD5 or SHA-1 when the remote has them, else its first.
fn pick_hash(hashes: &[String]) -> Option<&str> {
    ["md5", "sha1"]
        .into_iter()
        .find(|h| hashes.iter().any(|x| x == h))
        .or_else(|| hashes.first().map(String::as_str))
}

/// `REMOTE:PATH` as it may be shown and stored: a connection string's parameters
/// (`:s3,access_key_id=…:bucket`, `remote,password=…:path`) are left out, as they may hold
/// secrets.
pub fn redact(remote: &str) -> String {
    let (lead, body) = match remote.strip_prefix(':') {
        Some(b) => (":", b),
        None => ("", remote),
    };
    let Some((name, _)) = body.split_once(':') else {
        return remote.to_string();
    };
    if name.contains('/') {
        return remote.to_string();
    }
    match name.split_once(',') {
        // Parameter values may be quoted and hold colons: keep only what follows the last one.
        Some((backend, _secret)) => {
            let path = body.rsplit_once(':').map_or("", |(_, p)| p);
            format!("{lead}{backend},…:{path}")
        }
        None => remote.to_string(),
    }
}

/// The remote's name (`offsite` of `offsite:photos`), or `None` for a local path or an
/// on-the-fly backend (`:local:`).
fn remote_name(remote: &str) -> Option<&str> {
    let (name, _) = remote.split_once(':')?;
    let name = name.split(',').next().unwrap_or(name);
    if name.is_empty() || name.contains('/') || name.contains('\\') {
        return None;
    }
    Some(name)
}

/// The rclone program and the remote it works on.
struct Rclone<'a> {
    program: &'a Path,
    remote: &'a str,
}

impl Rclone<'_> {
    fn command(&self) -> Command {
        let mut c = Command::new(self.program);
        c.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }

    fn spawn_err(&self, source: std::io::Error) -> Error {
        if source.kind() == std::io::ErrorKind::NotFound {
            Error::RcloneMissing {
                program: self.program.to_path_buf(),
            }
        } else {
            Error::Io {
                path: self.program.to_path_buf(),
                source,
            }
        }
    }

    /// Runs rclone to completion, returning its output, or the error rclone's messages explain.
    fn output(&self, args: &[&OsStr]) -> Result<Vec<u8>> {
        let out = self
            .command()
            .args(args)
            .output()
            .map_err(|e| self.spawn_err(e))?;
        if !out.status.success() {
            return Err(self.failure(&String::from_utf8_lossy(&out.stderr)));
        }
        Ok(out.stdout)
    }

    /// The error for rclone's messages: an unknown remote, or one that cannot be reached.
    fn failure(&self, stderr: &str) -> Error {
        if stderr.contains("didn't find section in config file")
            || stderr.contains("config file not found")
        {
            return Error::RcloneUnknownRemote(
                remote_name(self.remote).unwrap_or(self.remote).to_string(),
            );
        }
        let message = stderr
            .lines()
            .rev()
            .map(strip_log_prefix)
            .find(|l| !l.is_empty())
            .unwrap_or("rclone failed without a message")
            .to_string();
        Error::RcloneFailed {
            remote: redact(self.remote),
            message,
        }
    }

    /// Every file of the remote (recursively), with its size.
    fn list(&self) -> Result<Vec<LsEntry>> {
        let out = self.output(&[
            OsStr::new("lsjson"),
            OsStr::new("-R"),
            OsStr::new("--files-only"),
            OsStr::new("--no-mimetype"),
            OsStr::new(self.remote),
        ])?;
        serde_json::from_slice(&out).map_err(|e| Error::RcloneFailed {
            remote: redact(self.remote),
            message: format!("rclone lsjson printed something that is not its listing: {e}"),
        })
    }

    /// Whether the remote is a `crypt` remote: its type in `rclone listremotes --long`, in an
    /// `RCLONE_CONFIG_NAME_TYPE` variable, or an on-the-fly `:crypt…:` backend.
    fn is_crypt(&self) -> Result<bool> {
        if self.remote.starts_with(":crypt:") || self.remote.starts_with(":crypt,") {
            return Ok(true);
        }
        let Some(name) = remote_name(self.remote) else {
            return Ok(false);
        };
        let var = format!("RCLONE_CONFIG_{}_TYPE", name.to_ascii_uppercase());
        if let Ok(t) = std::env::var(var) {
            return Ok(t == "crypt");
        }
        let out = self.output(&[OsStr::new("listremotes"), OsStr::new("--long")])?;
        let text = String::from_utf8_lossy(&out);
        Ok(text.lines().any(|l| {
            let mut parts = l.split_whitespace();
            parts.next() == Some(&format!("{name}:")) && parts.next() == Some("crypt")
        }))
    }

    /// The hash types the remote keeps (`rclone backend features`).
    fn hashes(&self) -> Result<Vec<String>> {
        let out = self.output(&[
            OsStr::new("backend"),
            OsStr::new("features"),
            OsStr::new(self.remote),
        ])?;
        let f: Features = serde_json::from_slice(&out).map_err(|e| Error::RcloneFailed {
            remote: redact(self.remote),
            message: format!("rclone backend features printed something unexpected: {e}"),
        })?;
        Ok(f.hashes)
    }

    /// Compares `files` (present on the remote with the right size) by content, root by root:
    /// path → what rclone said (and its message for an error).
    fn check(
        &self,
        kind: CheckKind,
        roots: &[PathBuf],
        files: &[&Indexed],
        progress: &dyn Progress,
    ) -> Result<HashMap<PathBuf, (Verdict, String)>> {
        let mut out = HashMap::new();
        for (i, root) in roots.iter().enumerate() {
            let list: Vec<&Path> = files
                .iter()
                .filter(|f| f.root == i)
                .map(|f| f.rel.as_path())
                .collect();
            if list.is_empty() {
                continue;
            }
            let mut args: Vec<&OsStr> = match kind {
                CheckKind::Crypt => vec![OsStr::new("cryptcheck")],
                CheckKind::Hash => vec![OsStr::new("check")],
                CheckKind::Download => vec![OsStr::new("check"), OsStr::new("--download")],
            };
            args.extend([
                root.as_os_str(),
                OsStr::new(self.remote),
                OsStr::new("--one-way"),
                OsStr::new("--files-from-raw"),
                OsStr::new("-"),
                OsStr::new("--combined"),
                OsStr::new("-"),
            ]);
            let (lines, stderr, status) = self.stream(&args, &list, |_| progress.done(1))?;
            let errors = error_messages(&stderr);
            let before = out.len();
            for line in lines {
                let (mark, path) = match (line.get(..1), line.get(2..)) {
                    (Some(m), Some(p)) => (m, p),
                    _ => continue,
                };
                let verdict = match mark {
                    "=" => Verdict::Same,
                    "*" => Verdict::Differs,
                    "-" => Verdict::Missing,
                    "!" => Verdict::Error,
                    _ => continue,
                };
                let why = errors
                    .get(path)
                    .cloned()
                    .unwrap_or_else(|| "rclone could not check it".to_string());
                out.insert(PathBuf::from(path), (verdict, why));
            }
            // rclone exits 1 when it found differences; with no answer at all it failed.
            if out.len() == before && !status {
                return Err(self.failure(&stderr.join("\n")));
            }
        }
        Ok(out)
    }

    /// `rclone hashsum KIND BASE` of `files` (relative to `base`): path → hash.
    fn hashsum(&self, kind: &str, base: &str, files: &[PathBuf]) -> Result<Vec<(PathBuf, String)>> {
        let list: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
        let args = [
            OsStr::new("hashsum"),
            OsStr::new(kind),
            OsStr::new(base),
            OsStr::new("--files-from-raw"),
            OsStr::new("-"),
        ];
        let (lines, stderr, status) = self.stream(&args, &list, |_| {})?;
        if lines.is_empty() && !status {
            return Err(self.failure(&stderr.join("\n")));
        }
        Ok(lines
            .iter()
            .filter_map(|l| l.split_once("  "))
            .map(|(h, p)| (PathBuf::from(p), h.to_string()))
            .collect())
    }

    /// Runs rclone with `paths` on its standard input, one a line (those that cannot be passed
    /// as a line of UTF-8 are left out), calling `each` for every line it prints. Returns its
    /// lines, the last lines of its error output, and whether it exited with success.
    fn stream(
        &self,
        args: &[&OsStr],
        paths: &[&Path],
        each: impl Fn(&str),
    ) -> Result<(Vec<String>, Vec<String>, bool)> {
        let mut child = self
            .command()
            .args(args)
            .stdin(Stdio::piped())
            .spawn()
            .map_err(|e| self.spawn_err(e))?;
        let mut input = String::new();
        for p in paths {
            if let Some(s) = p.to_str().filter(|s| !s.contains(['\n', '\r'])) {
                input.push_str(s);
                input.push('\n');
            }
        }
        let stdin = child.stdin.take();
        let stderr = child.stderr.take();
        let stdout = child.stdout.take();
        let (lines, errs) = std::thread::scope(|s| {
            s.spawn(move || {
                if let Some(mut w) = stdin {
                    // rclone stops reading when it fails; its error says why.
                    let _ = w.write_all(input.as_bytes());
                }
            });
            let errs = s.spawn(move || {
                let mut keep: Vec<String> = Vec::new();
                let mut errors: Vec<String> = Vec::new();
                if let Some(e) = stderr {
                    for line in BufReader::new(e).lines().map_while(std::result::Result::ok) {
                        if line.contains(" ERROR : ") && errors.len() < 100_000 {
                            errors.push(line.clone());
                        }
                        keep.push(line);
                        if keep.len() > STDERR_KEEP {
                            keep.remove(0);
                        }
                    }
                }
                errors.extend(keep);
                errors
            });
            let mut lines = Vec::new();
            if let Some(o) = stdout {
                let mut r = BufReader::new(o);
                let mut buf = Vec::new();
                loop {
                    buf.clear();
                    match r.by_ref().take(1 << 16).read_until(b'\n', &mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {
                            let line = String::from_utf8_lossy(&buf);
                            let line = line.trim_end_matches(['\n', '\r']).to_string();
                            each(&line);
                            lines.push(line);
                        }
                    }
                }
            }
            (lines, errs.join().unwrap_or_default())
        });
        let status = child.wait().map_err(|e| self.spawn_err(e))?;
        Ok((lines, errs, status.success()))
    }
}

/// `2026/12/07 13:57:55 ERROR : a/x.jpg: message` → `ERROR : a/x.jpg: message`.
fn strip_log_prefix(line: &str) -> &str {
    let mut parts = line.splitn(3, ' ');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(d), Some(t), Some(rest))
            if d.len() == 10 && d.as_bytes().get(4) == Some(&b'/') && t.contains(':') =>
        {
            rest.trim()
        }
        _ => line.trim(),
    }
}

/// rclone's per-file error messages: path → message.
fn error_messages(stderr: &[String]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for line in stderr {
        let l = strip_log_prefix(line);
        if let Some(rest) = l.strip_prefix("ERROR : ") {
            if let Some((path, msg)) = rest.split_once(": ") {
                out.insert(path.to_string(), msg.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_string_secrets_are_left_out() {
        assert_eq!(redact("offsite:photos"), "offsite:photos");
        assert_eq!(
            redact(":s3,access_key_id=AK,secret_access_key=SK:bucket/p"),
            ":s3,…:bucket/p"
        );
        assert_eq!(redact("off,password=xyz:photos"), "off,…:photos");
        assert_eq!(redact("/mnt/nas"), "/mnt/nas");
        assert_eq!(
            redact(":crypt,remote=':s3,secret_access_key=SK:b',password=PW:photos"),
            ":crypt,…:photos"
        );
    }

    #[test]
    fn remote_names() {
        assert_eq!(remote_name("offsite:photos"), Some("offsite"));
        assert_eq!(remote_name("off,password=x:p"), Some("off"));
        assert_eq!(remote_name(":local:/x"), None);
        assert_eq!(remote_name("/mnt/a:b"), None);
        assert_eq!(remote_name("photos"), None);
    }

    #[test]
    fn log_lines() {
        assert_eq!(
            strip_log_prefix("2026/12/07 13:57:59 ERROR : a/x.jpg: hashes differ"),
            "ERROR : a/x.jpg: hashes differ"
        );
        let m = error_messages(&["2026/12/07 13:57:59 ERROR : a/x.jpg: hashes differ".into()]);
        assert_eq!(m.get("a/x.jpg").map(String::as_str), Some("hashes differ"));
        assert_eq!(pick_hash(&["sha1".into(), "md5".into()]), Some("md5"));
        assert_eq!(pick_hash(&["quickxor".into()]), Some("quickxor"));
        assert_eq!(pick_hash(&[]), None);
    }
}
