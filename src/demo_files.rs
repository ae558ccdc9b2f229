//! Real-format media files made from nothing, for `albumen demo`: JPEG (pixels by the `image`
//! crate's encoder, EXIF and XMP by `albumen_meta::encode`), HEIC (HEVC, 512x512 tiles and a
//! thumbnail as an iPhone writes them, by `heifer`'s pure-Rust encoder) with an EXIF item, QuickTime MOV and MP4 movies whose video track is Photo-JPEG (one
//! JPEG per sample, playable by ffmpeg and QuickTime), a Live Photo (Apple maker note content
//! identifier in the still, the same identifier in the movie's `keys`), and a Google motion
//! photo (an MP4 appended to a JPEG, `GCamera:MicroVideoOffset` in its XMP).

use albumen_meta::encode::{ExifBuilder, ExifValue, Ifd, XmpPacket, XmpValue};
use albumen_meta::GpsPosition;
use anyhow::{bail, Context};
use chrono::{NaiveDateTime, TimeDelta};

/// A picture: a sky gradient with a sun, hills and a ground whose colours depend on `seed`.
pub fn picture(seed: u32, w: u32, h: u32) -> image::RgbImage {
    let hue = (seed.wrapping_mul(47) % 360) as f32;
    let (sr, sg, sb) = hsv(hue, 0.45, 0.95);
    let (gr, gg, gb) = hsv((hue + 140.0) % 360.0, 0.55, 0.55);
    let sun_x = (w as f32) * (0.2 + 0.6 * ((seed % 7) as f32 / 6.0));
    let sun_y = (h as f32) * 0.3;
    let sun_r = (h as f32) * 0.1;
    image::RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32, y as f32);
        let horizon = (h as f32) * (0.62 + 0.06 * ((fx / w as f32) * 6.3 + seed as f32).sin());
        if fy > horizon {
            let d = 0.7 + 0.3 * (fy - horizon) / (h as f32 - horizon).max(1.0);
            return image::Rgb([(gr * d) as u8, (gg * d) as u8, (gb * d) as u8]);
        }
        if (fx - sun_x).hypot(fy - sun_y) < sun_r {
            return image::Rgb([255, 236, 150]);
        }
        let t = fy / horizon.max(1.0);
        let mix = |a: f32| (a * (0.6 + 0.4 * t)).min(255.0) as u8;
        image::Rgb([mix(sr), mix(sg), mix(sb)])
    })
}

fn hsv(h: f32, s: f32, v: f32) -> (f32, f32, f32) {
    let c = v * s;
    let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0).abs());
    let (r, g, b) = match (h / 60.0) as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = v - c;
    ((r + m) * 255.0, (g + m) * 255.0, (b + m) * 255.0)
}

/// What a photo's EXIF says.
#[derive(Debug, Clone, Default)]
pub struct Shot {
    /// Camera maker and model.
    pub make: &'static str,
    /// Camera model.
    pub model: &'static str,
    /// Wall-clock time of the camera.
    pub local: Option<NaiveDateTime>,
    /// `OffsetTimeOriginal`, e.g. "+02:00" (phones write it; many cameras do not).
    pub offset: Option<&'static str>,
    /// Position.
    pub gps: Option<(f64, f64)>,
    /// Apple content identifier (in an Apple maker note), for a Live Photo still.
    pub content_id: Option<&'static str>,
}

const EXIF_TIME: &str = "%Y:%m:%d %H:%M:%S";

/// The EXIF block (TIFF structure) of a shot of `size` pixels, with the tags EXIF 2.32 requires
/// of a JPEG (so `exiftool -validate` finds nothing to say).
pub fn exif_block(s: &Shot, size: (u32, u32)) -> anyhow::Result<Vec<u8>> {
    let dpi = ExifValue::Rational(vec![(72, 1)]);
    let mut b = ExifBuilder::new(s.make != "Apple")
        .set(Ifd::Ifd0, 0x010f, ExifValue::Ascii(s.make.into()))
        .set(Ifd::Ifd0, 0x0110, ExifValue::Ascii(s.model.into()))
        .set(Ifd::Ifd0, 0x0112, ExifValue::Short(vec![1]))
        .set(Ifd::Ifd0, 0x011a, dpi.clone())
        .set(Ifd::Ifd0, 0x011b, dpi)
        .set(Ifd::Ifd0, 0x0128, ExifValue::Short(vec![2]))
        .set(Ifd::Ifd0, 0x0131, ExifValue::Ascii("albumen demo".into()))
        .set(Ifd::Ifd0, 0x0213, ExifValue::Short(vec![1]))
        .set(Ifd::Exif, 0x9000, ExifValue::Undefined(b"0232".to_vec()))
        .set(Ifd::Exif, 0x9101, ExifValue::Undefined(vec![1, 2, 3, 0]))
        .set(Ifd::Exif, 0xa000, ExifValue::Undefined(b"0100".to_vec()))
        .set(Ifd::Exif, 0xa001, ExifValue::Short(vec![1]))
        .set(Ifd::Exif, 0xa002, ExifValue::Long(vec![size.0]))
        .set(Ifd::Exif, 0xa003, ExifValue::Long(vec![size.1]));
    if let Some(t) = s.local {
        let txt = t.format(EXIF_TIME).to_string();
        b = b
            .set(Ifd::Ifd0, 0x0132, ExifValue::Ascii(txt.clone()))
            .set(Ifd::Exif, 0x9003, ExifValue::Ascii(txt.clone()))
            .set(Ifd::Exif, 0x9004, ExifValue::Ascii(txt));
    }
    if let Some(o) = s.offset {
        b = b.set(Ifd::Exif, 0x9010, ExifValue::Ascii(o.into())).set(
            Ifd::Exif,
            0x9011,
            ExifValue::Ascii(o.into()),
        );
    }
    if let Some(id) = s.content_id {
        b = b.set(
            Ifd::Exif,
            0x927c,
            ExifValue::Undefined(apple_maker_note(id)),
        );
    }
    if let Some((lat, lon)) = s.gps {
        let pos = GpsPosition::new(lat, lon, Some(35.0)).context("demo position out of range")?;
        b = b.gps(pos);
    }
    Ok(b.build()?)
}

/// Apple's maker note with one entry, the content identifier (tag 0x0011): the "Apple iOS"
/// header, version 1, "MM", then a big-endian IFD at 14 whose offsets count from the note's
/// start.
fn apple_maker_note(id: &str) -> Vec<u8> {
    let mut v = b"Apple iOS\0\0\x01MM".to_vec();
    let count = id.len() as u32 + 1;
    v.extend(1u16.to_be_bytes());
    v.extend(0x0011u16.to_be_bytes());
    v.extend(2u16.to_be_bytes()); // ASCII
    v.extend(count.to_be_bytes());
    v.extend(32u32.to_be_bytes()); // 14 + 2 + 12 + 4: right after the IFD
    v.extend(0u32.to_be_bytes()); // no next IFD
    v.extend(id.as_bytes());
    v.push(0);
    v
}

/// Encodes pixels as a baseline JPEG.
pub fn encode_jpeg(img: &image::RgbImage, quality: u8) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(img)
        .context("encoding JPEG")?;
    Ok(out)
}

/// A JPEG file: the encoded image with an EXIF APP1 and, when given, an XMP APP1 after SOI.
pub fn jpeg_file(
    img: &image::RgbImage,
    exif: &[u8],
    xmp: Option<&[u8]>,
) -> anyhow::Result<Vec<u8>> {
    let body = encode_jpeg(img, 85)?;
    let Some(rest) = body.strip_prefix(b"\xff\xd8") else {
        bail!("the JPEG encoder wrote no SOI");
    };
    let mut out = b"\xff\xd8".to_vec();
    app1(&mut out, b"Exif\0\0", exif)?;
    if let Some(x) = xmp {
        app1(&mut out, b"http://ns.adobe.com/xap/1.0/\0", x)?;
    }
    out.extend_from_slice(rest);
    Ok(out)
}

fn app1(out: &mut Vec<u8>, sig: &[u8], payload: &[u8]) -> anyhow::Result<()> {
    let len = u16::try_from(2 + sig.len() + payload.len()).context("APP1 segment over 64 KB")?;
    out.extend([0xff, 0xe1]);
    out.extend(len.to_be_bytes());
    out.extend_from_slice(sig);
    out.extend_from_slice(payload);
    Ok(())
}

/// A box: 32-bit size, type, payload.
fn bx(typ: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(8 + payload.len());
    v.extend((8 + payload.len() as u32).to_be_bytes());
    v.extend(typ);
    v.extend_from_slice(payload);
    v
}

/// A full box: a box whose payload starts with version and flags.
fn full(typ: &[u8; 4], version: u8, flags: u32, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![version];
    p.extend(&flags.to_be_bytes()[1..]);
    p.extend_from_slice(payload);
    bx(typ, &p)
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// The unity matrix of `mvhd`/`tkhd`.
fn matrix() -> Vec<u8> {
    [0x0001_0000u32, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect()
}

/// Seconds since 1904-01-01 (QuickTime's epoch) of a UTC time.
fn qt_time(utc: NaiveDateTime) -> u32 {
    let epoch = chrono::NaiveDate::from_ymd_opt(1904, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default();
    u32::try_from((utc - epoch).num_seconds()).unwrap_or(0)
}

/// A movie to write.
#[derive(Debug, Clone)]
pub struct Movie {
    /// `true`: QuickTime (`qt  ` brand, `.MOV`); `false`: MP4 (`isom`).
    pub quicktime: bool,
    /// Frames (each a JPEG).
    pub frames: Vec<Vec<u8>>,
    /// Frames per second.
    pub fps: u32,
    /// Width and height.
    pub size: (u32, u32),
    /// Creation time, UTC (the movie header's field).
    pub utc: NaiveDateTime,
    /// Apple `keys` metadata (key, UTF-8 value).
    pub keys: Vec<(&'static str, String)>,
    /// An ISO 6709 position for `udta/©xyz`.
    pub xyz: Option<String>,
}

/// Writes a movie: `ftyp`, `mdat` with the frames, `moov` with one Photo-JPEG video track.
pub fn movie_file(m: &Movie) -> Vec<u8> {
    let ftyp = if m.quicktime {
        bx(b"ftyp", &cat(&[b"qt  ", &0x200u32.to_be_bytes(), b"qt  "]))
    } else {
        bx(
            b"ftyp",
            &cat(&[b"isom", &0x200u32.to_be_bytes(), b"isomiso2mp41"]),
        )
    };
    let data: Vec<u8> = m.frames.concat();
    let mdat = bx(b"mdat", &data);
    let chunk_offset = (ftyp.len() + 8) as u32;

    let timescale = 600u32;
    let n = m.frames.len() as u32;
    let delta = timescale / m.fps.max(1);
    let duration = delta * n;
    let t = qt_time(m.utc);
    let (w, h) = m.size;

    let mvhd = full(
        b"mvhd",
        0,
        0,
        &cat(&[
            &t.to_be_bytes(),
            &t.to_be_bytes(),
            &timescale.to_be_bytes(),
            &duration.to_be_bytes(),
            &0x0001_0000u32.to_be_bytes(),
            &0x0100u16.to_be_bytes(),
            &[0; 10],
            &matrix(),
            &[0; 24],
            &2u32.to_be_bytes(),
        ]),
    );
    let tkhd = full(
        b"tkhd",
        0,
        3,
        &cat(&[
            &t.to_be_bytes(),
            &t.to_be_bytes(),
            &1u32.to_be_bytes(),
            &[0; 4],
            &duration.to_be_bytes(),
            &[0; 8],
            &[0; 4], // layer, alternate group
            &[0; 4], // volume, reserved
            &matrix(),
            &(w << 16).to_be_bytes(),
            &(h << 16).to_be_bytes(),
        ]),
    );
    let mdhd = full(
        b"mdhd",
        0,
        0,
        &cat(&[
            &t.to_be_bytes(),
            &t.to_be_bytes(),
            &timescale.to_be_bytes(),
            &duration.to_be_bytes(),
            &0x55c4u16.to_be_bytes(), // "und"
            &[0; 2],
        ]),
    );
    let comp_type: &[u8; 4] = if m.quicktime { b"mhlr" } else { &[0; 4] };
    let hdlr = full(
        b"hdlr",
        0,
        0,
        &cat(&[comp_type, b"vide", &[0; 12], b"VideoHandler\0"]),
    );
    let mut compressor = [0u8; 32];
    let name = b"Photo - JPEG";
    compressor[0] = name.len() as u8;
    compressor[1..=name.len()].copy_from_slice(name);
    let entry = bx(
        b"jpeg",
        &cat(&[
            &[0; 6],
            &1u16.to_be_bytes(),
            &[0; 16], // version, revision, vendor, temporal and spatial quality
            &(w as u16).to_be_bytes(),
            &(h as u16).to_be_bytes(),
            &0x0048_0000u32.to_be_bytes(),
            &0x0048_0000u32.to_be_bytes(),
            &0u32.to_be_bytes(),
            &1u16.to_be_bytes(),
            &compressor,
            &24u16.to_be_bytes(),
            &(-1i16).to_be_bytes(),
        ]),
    );
    let stsd = full(b"stsd", 0, 0, &cat(&[&1u32.to_be_bytes(), &entry]));
    let stts = full(
        b"stts",
        0,
        0,
        &cat(&[&1u32.to_be_bytes(), &n.to_be_bytes(), &delta.to_be_bytes()]),
    );
    let stsc = full(
        b"stsc",
        0,
        0,
        &cat(&[
            &1u32.to_be_bytes(),
            &1u32.to_be_bytes(),
            &n.to_be_bytes(),
            &1u32.to_be_bytes(),
        ]),
    );
    let sizes: Vec<u8> = m
        .frames
        .iter()
        .flat_map(|f| (f.len() as u32).to_be_bytes())
        .collect();
    let stsz = full(
        b"stsz",
        0,
        0,
        &cat(&[&0u32.to_be_bytes(), &n.to_be_bytes(), &sizes]),
    );
    let stco = full(
        b"stco",
        0,
        0,
        &cat(&[&1u32.to_be_bytes(), &chunk_offset.to_be_bytes()]),
    );
    let stss_free = stsd.len() + stts.len() + stsc.len() + stsz.len() + stco.len();
    let mut stbl_payload = Vec::with_capacity(stss_free);
    for b in [&stsd, &stts, &stsc, &stsz, &stco] {
        stbl_payload.extend_from_slice(b);
    }
    let stbl = bx(b"stbl", &stbl_payload);
    let vmhd = full(b"vmhd", 0, 1, &[0; 8]);
    let dref = full(
        b"dref",
        0,
        0,
        &cat(&[&1u32.to_be_bytes(), &full(b"url ", 0, 1, &[])]),
    );
    let dinf = bx(b"dinf", &dref);
    let minf = bx(b"minf", &cat(&[&vmhd, &dinf, &stbl]));
    let mdia = bx(b"mdia", &cat(&[&mdhd, &hdlr, &minf]));
    let trak = bx(b"trak", &cat(&[&tkhd, &mdia]));

    let mut moov_payload = cat(&[&mvhd, &trak]);
    if !m.keys.is_empty() {
        moov_payload.extend(keys_meta(&m.keys));
    }
    if let Some(xyz) = &m.xyz {
        let mut p = (xyz.len() as u16).to_be_bytes().to_vec();
        p.extend(0x15c7u16.to_be_bytes()); // language: English
        p.extend(xyz.as_bytes());
        moov_payload.extend(bx(b"udta", &bx(b"\xa9xyz", &p)));
    }
    let moov = bx(b"moov", &moov_payload);
    cat(&[&ftyp, &mdat, &moov])
}

/// QuickTime `meta` (a plain box, as Apple writes it) with `hdlr` `mdta`, `keys` and `ilst`.
fn keys_meta(keys: &[(&str, String)]) -> Vec<u8> {
    let hdlr = full(b"hdlr", 0, 0, &cat(&[&[0; 4], b"mdta", &[0; 12], b"\0"]));
    let mut k = (keys.len() as u32).to_be_bytes().to_vec();
    let mut ilst = Vec::new();
    for (i, (key, value)) in keys.iter().enumerate() {
        k.extend(bx(b"mdta", key.as_bytes()));
        let data = bx(
            b"data",
            &cat(&[&1u32.to_be_bytes(), &[0; 4], value.as_bytes()]),
        );
        ilst.extend(bx(&(i as u32 + 1).to_be_bytes(), &data));
    }
    let keys_box = full(b"keys", 0, 0, &k);
    bx(b"meta", &cat(&[&hdlr, &keys_box, &bx(b"ilst", &ilst)]))
}

/// A HEIC file as an iPhone writes one: the picture HEVC-coded (grid of 512x512 tiles for a
/// picture larger than that, a thumbnail item) by `heifer`'s encoder, and `exif` (a TIFF
/// structure) as its EXIF item.
pub fn heic_file(img: &image::RgbImage, exif: &[u8]) -> anyhow::Result<Vec<u8>> {
    let image = heifer::Image {
        width: img.width(),
        height: img.height(),
        bit_depth: 8,
        has_alpha: false,
        data: img
            .pixels()
            .flat_map(|p| [p.0[0], p.0[1], p.0[2], 255].map(u16::from))
            .collect(),
    };
    let metadata = heifer::Metadata {
        exif: Some(exif.to_vec()),
        xmp: None,
        icc_profile: None,
    };
    let options = heifer::EncodeOptions {
        quality: 80,
        ..Default::default()
    };
    heifer::encode_with_metadata(&image, &metadata, &options).context("encoding the HEIC")
}

/// A Google motion photo: the still (with `GCamera:MicroVideo*` in its XMP) and an MP4 after it.
pub fn motion_photo(img: &image::RgbImage, exif: &[u8], mp4: &[u8]) -> anyhow::Result<Vec<u8>> {
    let xmp = XmpPacket::new()
        .set("GCamera", "MicroVideo", XmpValue::Text("1".into()))
        .set("GCamera", "MicroVideoVersion", XmpValue::Text("1".into()))
        .set(
            "GCamera",
            "MicroVideoOffset",
            XmpValue::Text(mp4.len().to_string()),
        )
        .to_bytes();
    let mut out = jpeg_file(img, exif, Some(&xmp))?;
    out.extend_from_slice(mp4);
    Ok(out)
}

/// `n` frames of a short clip: the picture with the sun moving.
pub fn clip_frames(seed: u32, size: (u32, u32), n: u32) -> anyhow::Result<Vec<Vec<u8>>> {
    (0..n)
        .map(|i| encode_jpeg(&picture(seed + i, size.0, size.1), 70))
        .collect()
}

/// `t` plus `secs` seconds.
pub fn plus(t: NaiveDateTime, secs: i64) -> NaiveDateTime {
    t + TimeDelta::seconds(secs)
}
