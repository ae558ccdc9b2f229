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
    let msg = reason(&String::from_utf8_lossy(&err));
    match status {
        None => {
            return Err(Error::Ffmpeg(format!(
                "timed out after {}s",
                TIMEOUT.as_secs()
            )))
        }
        // No output at all: the file holds no frame ffmpeg can decode (a header without its
        // data, a stream cut before its first whole picture), whatever ffmpeg's exit status.
        Some(_) if out.is_empty() => return Err(Error::Ffmpeg(no_frame(&msg))),
        Some(s) if !s.success() => return Err(Error::Ffmpeg(format!("{s}: {msg}"))),
        Some(_) => {}
    }
    if out.is_empty() {
        return Err(Error::Ffmpeg(no_frame(&msg)));
    }
    let img = image::load_from_memory_with_format(&out, image::ImageFormat::Png)
        .map_err(|e| Error::Ffmpeg(e.to_string()))?;
    Ok(img.to_rgb8())
}

/// The error for a video that gave no frame, with ffmpeg's reason when it said one.
fn no_frame(msg: &str) -> String {
    if msg.is_empty() {
        "the file holds no decodable video frame".into()
    } else {
        format!("the file holds no decodable video frame (ffmpeg: {msg})")
    }
}

/// The line of ffmpeg's error output that says why: the last one that is not one of ffmpeg's
/// closing summaries ("Error marking filters as finished", "Conversion failed!", ...), with the
/// `[h264 @ 0x55d7...]` prefix reduced to the component's name (the address differs per run).
fn reason(stderr: &str) -> String {
    const SUMMARIES: [&str; 6] = [
        "Error marking filters as finished",
        "Conversion failed!",
        "Error while filtering",
        "Nothing was written into output file",
        "Output file is empty, nothing was encoded",
        "Error closing file",
    ];
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let line = lines
        .iter()
        .rev()
        .find(|l| !SUMMARIES.iter().any(|s| l.starts_with(s)))
        .or(lines.last())
        .copied()
        .unwrap_or("");
    match line.strip_prefix('[').and_then(|r| r.split_once("] ")) {
        Some((component, rest)) => {
            let name = component.split(" @ ").next().unwrap_or(component);
            format!("{name}: {rest}")
        }
        None => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_skips_ffmpeg_summaries_and_addresses() {
        let avi = "Cannot determine format of input stream 0:0 after EOF\n\
                   Error marking filters as finished\n";
        assert_eq!(
            reason(avi),
            "Cannot determine format of input stream 0:0 after EOF"
        );
        let mts = "[h264 @ 0x556e0fd2b840] error while decoding MB 13 0, bytestream -5\n\
                   [ac3 @ 0x556e0fd2c500] incomplete frame\n\
                   [h264 @ 0x556e0fe322c0] error while decoding MB 13 0, bytestream -5\n";
        assert_eq!(
            reason(mts),
            "h264: error while decoding MB 13 0, bytestream -5"
        );
        assert_eq!(reason("Conversion failed!\n"), "Conversion failed!");
        assert_eq!(reason(""), "");
        assert_eq!(
            no_frame("x"),
            "the file holds no decodable video frame (ffmpeg: x)"
        );
    }
}
