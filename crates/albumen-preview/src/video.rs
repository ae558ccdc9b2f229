//! Video poster frames through ffmpeg (a runtime dependency: without it, videos get an error
//! and everything else still works).

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use image::RgbImage;

use crate::Error;

/// Longest an ffmpeg run may take before it is killed.
const TIMEOUT: Duration = Duration::from_secs(60);
/// Largest picture (in pixels) ffmpeg is allowed to decode: ffmpeg's `max_pixels` is an
/// `int`, so the crate's default limit is used as is.
const MAX_PIXELS: u64 = crate::DEFAULT_MAX_PIXELS;
/// Largest output accepted from ffmpeg (a PNG of at most `size`x`size`).
const MAX_OUTPUT: u64 = 64 << 20;

/// One frame of the video at `path`, at most `size` pixels on the long side, rotated as the
/// video's display matrix says (ffmpeg's default), square pixels. The frame is taken at 1 s
/// (the first frame is often black) or at the start of shorter videos. When no frame can be
/// decoded, the video's attached picture (cover art), if any, is used: the `bool` says so.
pub(crate) fn poster_frame(
    ffmpeg: &Path,
    path: &Path,
    size: u32,
    duration_s: Option<f64>,
) -> Result<(RgbImage, bool), Error> {
    let at = match duration_s {
        Some(d) if d.is_finite() && d > 2.0 => 1.0,
        _ => 0.0,
    };
    let frame = match run(ffmpeg, path, size, Some(at), false) {
        Err(Error::Ffmpeg(_)) if at > 0.0 => run(ffmpeg, path, size, Some(0.0), false),
        r => r,
    };
    match frame {
        Err(Error::Ffmpeg(e)) => match run(ffmpeg, path, size, None, true) {
            Ok(img) => Ok((img, true)),
            Err(_) => Err(Error::Ffmpeg(e)),
        },
        r => r.map(|img| (img, false)),
    }
}

/// A still picture decoded by ffmpeg (for formats the decoders here do not handle), at most
/// `size` on the long side, as stored (no orientation applied).
pub(crate) fn still(ffmpeg: &Path, path: &Path, size: u32) -> Result<RgbImage, Error> {
    run(ffmpeg, path, size, None, false)
}

/// Runs ffmpeg for one picture: a frame at `at` seconds, or the attached picture (`-map 0:v
/// -map -0:V`: video streams that are attached pictures).
fn run(
    ffmpeg: &Path,
    path: &Path,
    size: u32,
    at: Option<f64>,
    attached: bool,
) -> Result<RgbImage, Error> {
    let filter = format!(
        "scale=w='trunc(iw*sar)':h=ih,setsar=1,scale=w='min(iw,{size})':h='min(ih,{size})':force_original_aspect_ratio=decrease"
    );
    let mut cmd = Command::new(ffmpeg);
    // ffmpeg's own decoder limit, below which a declared picture size is refused.
    cmd.args([
        "-nostdin",
        "-v",
        "error",
        "-max_pixels",
        &MAX_PIXELS.to_string(),
    ]);
    if let Some(at) = at {
        cmd.args(["-ss", &format!("{at:.3}")]);
    }
    let mut child = cmd
        .arg("-i")
        .arg(path)
        .args(if attached {
            &["-map", "0:v", "-map", "-0:V"][..]
        } else {
            &[][..]
        })
        .args([
            "-frames:v",
            "1",
            "-an",
            "-sn",
            "-vf",
            &filter,
            "-f",
            "image2pipe",
            "-c:v",
            "png",
            "-",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::NoFfmpeg(format!("{}: {e}", ffmpeg.display())))?;
    let mut stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.take(MAX_OUTPUT).read_to_end(&mut buf);
        }
        buf
    });
    let mut stderr = child.stderr.take();
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(s) = stderr.as_mut() {
            let _ = s.take(64 << 10).read_to_end(&mut buf);
        }
        buf
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break Some(st),
            Ok(None) if start.elapsed() > TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(_) => break None,
        }
    };
    let out = reader.join().unwrap_or_default();
    let err = err_reader.join().unwrap_or_default();
    let msg = String::from_utf8_lossy(&err)
        .trim()
        .lines()
        .last()
        .unwrap_or("")
        .to_string();
    match status {
        None => {
            return Err(Error::Ffmpeg(format!(
                "timed out after {}s",
                TIMEOUT.as_secs()
            )))
        }
        Some(s) if !s.success() => return Err(Error::Ffmpeg(format!("{s}: {msg}"))),
        Some(_) => {}
    }
    if out.is_empty() {
        return Err(Error::Ffmpeg(if msg.is_empty() {
            "no video frame".into()
        } else {
            msg
        }));
    }
    let img = image::load_from_memory_with_format(&out, image::ImageFormat::Png)
        .map_err(|e| Error::Ffmpeg(e.to_string()))?;
    Ok(img.to_rgb8())
}
