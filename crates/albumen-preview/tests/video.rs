//! Video poster frames through a real ffmpeg (skipped, with a printed reason, where ffmpeg is
//! not installed).

#![allow(clippy::expect_used)] // the helpers below build made-up files

use std::path::Path;
use std::process::Command;

use albumen_preview::{preview, Error, Options, PreviewSource};

fn have_ffmpeg() -> bool {
    let ok = Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipped: ffmpeg is not installed");
    }
    ok
}

fn ffmpeg(args: &[&str], out: &Path) {
    let st = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y"])
        .args(args)
        .arg(out)
        .status()
        .expect("running ffmpeg");
    assert!(st.success(), "ffmpeg {args:?}");
}

/// A video whose header survives but whose frames do not (how exiftool's sample AVIs are
/// shipped: `RIFF.avi`, `Pentax.avi`) has no picture: the error says so in words, not with
/// ffmpeg's closing summary ("Error marking filters as finished").
#[test]
fn a_video_without_frames_says_so() {
    if !have_ffmpeg() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let whole = dir.path().join("whole.avi");
    ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x240:rate=15",
            "-t",
            "1",
            "-c:v",
            "mjpeg",
        ],
        &whole,
    );
    let bytes = std::fs::read(&whole).expect("read");
    let movi = bytes
        .windows(4)
        .position(|w| w == b"movi")
        .expect("an AVI has a movi list");
    let cut = dir.path().join("cut.avi");
    std::fs::write(&cut, &bytes[..movi + 4]).expect("write");
    // the whole file gives a frame...
    let p = preview(&whole, &Options::new(64)).expect("a frame of the whole AVI");
    assert_eq!(p.source, PreviewSource::VideoFrame);
    assert_eq!(p.image.dimensions(), (64, 48));
    // ...the header alone a clear reason
    match preview(&cut, &Options::new(64)) {
        Err(Error::Ffmpeg(msg)) => {
            assert!(
                msg.starts_with("the file holds no decodable video frame"),
                "{msg}"
            );
            assert!(!msg.contains("Error marking filters"), "{msg}");
        }
        other => panic!("expected no frame, got {:?}", other.map(|p| p.source)),
    }
}

/// A video with a display matrix (a phone held upright: coded 320x180, rotated 90°) is
/// previewed as players show it, upright: portrait.
#[test]
fn rotated_video_is_upright() {
    if !have_ffmpeg() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let coded = dir.path().join("coded.mp4");
    ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x180:rate=10",
            "-t",
            "2",
            "-c:v",
            "mpeg4",
        ],
        &coded,
    );
    // ffmpeg 5 writes the display matrix from `rotate` only when stream-copying.
    let path = dir.path().join("portrait.mp4");
    let coded_arg = coded.to_string_lossy().into_owned();
    ffmpeg(
        &[
            "-i",
            &coded_arg,
            "-c",
            "copy",
            "-metadata:s:v:0",
            "rotate=90",
        ],
        &path,
    );
    let p = preview(&path, &Options::new(128)).expect("a frame");
    assert_eq!(p.image.dimensions(), (72, 128));
}
