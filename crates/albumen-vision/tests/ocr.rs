//! OCR on pictures rendered here with ImageMagick (skipped with a reason when the models or
//! `convert` are absent).

use std::path::{Path, PathBuf};
use std::process::Command;

use albumen_vision::{Error, Vision};

fn models() -> Option<PathBuf> {
    let dir = std::env::var_os("ALBUMEN_MODELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models"));
    let files = [
        "libonnxruntime.so",
        albumen_vision::faces::DETECT_FILE,
        albumen_vision::faces::EMBED_FILE,
        albumen_vision::tags::TAG_FILE,
    ];
    if files.iter().all(|f| dir.join(f).is_file()) {
        Some(dir)
    } else {
        eprintln!(
            "skipped: no models in {} (run scripts/vision-models.sh)",
            dir.display()
        );
        None
    }
}

fn render(out: &Path, text: &str, font: Option<&str>) -> bool {
    let mut c = Command::new("convert");
    c.args([
        "-size",
        "900x300",
        "xc:#3a6ea5",
        "-fill",
        "white",
        "-pointsize",
        "56",
    ]);
    if let Some(f) = font {
        c.args(["-font", f]);
    }
    c.args(["-gravity", "center", "-annotate", "+0+0", text])
        .arg(out);
    match c.output() {
        Ok(o) if o.status.success() => true,
        _ => {
            eprintln!("skipped: ImageMagick convert could not render {text:?}");
            false
        }
    }
}

#[test]
fn a_missing_model_is_named() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    match Vision::load(dir.path()) {
        Err(Error::ModelMissing { path }) => {
            assert!(path.ends_with("libonnxruntime.so"), "{}", path.display());
            let msg = Error::ModelMissing { path }.to_string();
            assert!(msg.contains("scripts/vision-models.sh"), "{msg}");
        }
        other => panic!("expected ModelMissing, got {other:?}"),
    }
}

#[test]
fn reads_english_and_chinese_and_reports_broken_files() {
    let Some(dir) = models() else { return };
    let mut v = Vision::load(&dir).unwrap_or_else(|e| panic!("{e}"));
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));

    let en = tmp.path().join("en.png");
    if render(&en, "Harbour Bridge 1984", None) {
        let a = v.analyze(&en);
        assert_eq!(a.error, None);
        assert_eq!(
            a.text.split_whitespace().collect::<String>(),
            "HarbourBridge1984",
            "{a:?}"
        );
    }
    let font = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc";
    let zh = tmp.path().join("zh.png");
    if !Path::new(font).is_file() {
        eprintln!("skipped the Chinese case: no {font} (apt-get install fonts-wqy-zenhei)");
    } else if render(&zh, "北京欢迎你", Some(font)) {
        let a = v.analyze(&zh);
        assert_eq!(a.text.trim(), "北京欢迎你", "{a:?}");
    }
    // An empty picture has no text; a broken file is an error entry, not a failure.
    let blank = tmp.path().join("blank.png");
    image::RgbImage::from_pixel(640, 480, image::Rgb([250, 250, 250]))
        .save(&blank)
        .unwrap_or_else(|e| panic!("{e}"));
    let a = v.analyze(&blank);
    assert_eq!((a.text.as_str(), a.error.as_deref()), ("", None));
    let broken = tmp.path().join("broken.jpg");
    std::fs::write(&broken, b"\xff\xd8\xff\xe0 not really a jpeg")
        .unwrap_or_else(|e| panic!("{e}"));
    let a = v.analyze(&broken);
    assert!(a.error.is_some(), "{a:?}");
    assert!(a.text.is_empty());
}
