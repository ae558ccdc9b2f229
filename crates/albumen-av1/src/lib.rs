//! One AV1 still picture (the coded data of an AVIF image item) decoded to YCbCr planes with
//! rav1d, the Rust port of dav1d (BSD-2-Clause; no C, no assembly in this build).
//!
//! rav1d's API is dav1d's C API; this crate is the only place in the workspace that calls it,
//! and gives the rest a safe function: [`decode`].
//!
//! ```
//! // Not AV1: an error, never a panic.
//! assert!(albumen_av1::decode(b"not an AV1 bitstream", 1 << 20).is_err());
//! ```

use std::mem::MaybeUninit;
use std::ptr::NonNull;

use rav1d::include::dav1d::data::Dav1dData;
use rav1d::include::dav1d::dav1d::{Dav1dContext, Dav1dSettings};
use rav1d::include::dav1d::headers::{
    DAV1D_PIXEL_LAYOUT_I400, DAV1D_PIXEL_LAYOUT_I420, DAV1D_PIXEL_LAYOUT_I422,
    DAV1D_PIXEL_LAYOUT_I444,
};
use rav1d::include::dav1d::picture::Dav1dPicture;
use rav1d::src::lib::{
    dav1d_close, dav1d_data_create, dav1d_data_unref, dav1d_default_settings, dav1d_get_picture,
    dav1d_open, dav1d_picture_unref, dav1d_send_data,
};

/// Why a picture could not be decoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// rav1d refused the data (its negated errno).
    #[error("rav1d error {0}")]
    Rav1d(i32),
    /// The data held no picture.
    #[error("no picture in the AV1 data")]
    NoPicture,
    /// The picture is larger than the caller's limit.
    #[error("{0} pixels is over the limit")]
    TooLarge(u64),
    /// A layout or depth this wrapper does not read.
    #[error("unsupported AV1 picture: {0}")]
    Unsupported(&'static str),
}

/// Chroma subsampling of a picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Luma only.
    Monochrome,
    /// Chroma at half width and half height.
    Yuv420,
    /// Chroma at half width.
    Yuv422,
    /// Chroma at full size.
    Yuv444,
}

/// A decoded picture: samples as coded (`bit_depth` bits in a `u16`), planes row-major with
/// no padding.
#[derive(Debug, Clone)]
pub struct Picture {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// Bits per sample: 8, 10 or 12.
    pub bit_depth: u8,
    /// Chroma subsampling.
    pub layout: Layout,
    /// Luma (or, for matrix 0, G).
    pub y: Vec<u16>,
    /// Cb (empty for monochrome).
    pub u: Vec<u16>,
    /// Cr (empty for monochrome).
    pub v: Vec<u16>,
    /// Width of the chroma planes.
    pub chroma_width: usize,
    /// Height of the chroma planes.
    pub chroma_height: usize,
    /// The sequence header's matrix coefficients (ITU-T H.273 code).
    pub matrix: u8,
    /// Whether samples use the full range (else studio range).
    pub full_range: bool,
}

/// A rav1d context, closed on drop.
struct Context(Option<Dav1dContext>);

impl Drop for Context {
    fn drop(&mut self) {
        // SAFETY: the context came from `dav1d_open` (or is None, which dav1d_close accepts)
        // and is closed once.
        unsafe { dav1d_close(Some(NonNull::from(&mut self.0))) };
    }
}

/// A picture reference, released on drop.
struct Pic(Dav1dPicture);

impl Drop for Pic {
    fn drop(&mut self) {
        // SAFETY: the picture was filled by `dav1d_get_picture` (or is default/empty, which
        // unref accepts) and is released once.
        unsafe { dav1d_picture_unref(Some(NonNull::from(&mut self.0))) };
    }
}

/// Decodes the AV1 temporal unit `obus` (one AVIF item's data) on one thread, refusing a
/// picture of more than `max_pixels`. For a layered item the last (complete) layer is
/// returned.
pub fn decode(obus: &[u8], max_pixels: u64) -> Result<Picture, Error> {
    if obus.is_empty() {
        return Err(Error::NoPicture);
    }
    let mut settings = MaybeUninit::<Dav1dSettings>::uninit();
    // SAFETY: `dav1d_default_settings` writes a whole `Dav1dSettings` to the pointer.
    let settings = unsafe {
        dav1d_default_settings(NonNull::from(&mut settings).cast());
        settings.assume_init_mut()
    };
    settings.n_threads = 1;
    settings.max_frame_delay = 1;
    settings.apply_grain = 1;
    settings.frame_size_limit = u32::try_from(max_pixels).unwrap_or(u32::MAX);
    let mut ctx = Context(None);
    // SAFETY: both pointers are valid for the call; on success `ctx.0` holds the context.
    let res = unsafe {
        dav1d_open(
            Some(NonNull::from(&mut ctx.0)),
            Some(NonNull::from(&*settings)),
        )
    };
    if res.0 != 0 {
        return Err(Error::Rav1d(res.0));
    }
    let Some(c) = ctx.0 else {
        return Err(Error::Rav1d(-1));
    };
    let mut data = Dav1dData::default();
    // SAFETY: `dav1d_data_create` allocates `len` bytes owned by `data` and returns them (or
    // null); we copy exactly `len` bytes into it.
    let buf = unsafe { dav1d_data_create(Some(NonNull::from(&mut data)), obus.len()) };
    let Some(buf) = NonNull::new(buf) else {
        return Err(Error::Rav1d(-12));
    };
    // SAFETY: `buf` points to `obus.len()` writable bytes that do not overlap `obus`.
    unsafe { std::ptr::copy_nonoverlapping(obus.as_ptr(), buf.as_ptr(), obus.len()) };
    let mut last: Option<Pic> = None;
    let mut failure = None;
    loop {
        // SAFETY: `c` is an open context; `data` is a valid Dav1dData it may consume.
        let res = unsafe { dav1d_send_data(Some(c), Some(NonNull::from(&mut data))) };
        if res.0 == 0 {
            break;
        }
        // The decoder holds a picture (a layered item): take it out so it accepts the rest.
        let mut pending = Pic(Dav1dPicture::default());
        // SAFETY: `pending.0` is a valid picture to fill.
        let got = unsafe { dav1d_get_picture(Some(c), Some(NonNull::from(&mut pending.0))) };
        if got.0 != 0 {
            failure = Some(res.0);
            break;
        }
        last = Some(pending);
    }
    // SAFETY: releases whatever of `data` the decoder did not take.
    unsafe { dav1d_data_unref(Some(NonNull::from(&mut data))) };
    if let Some(e) = failure {
        return Err(Error::Rav1d(e));
    }
    loop {
        let mut pic = Pic(Dav1dPicture::default());
        // SAFETY: as above.
        let got = unsafe { dav1d_get_picture(Some(c), Some(NonNull::from(&mut pic.0))) };
        if got.0 != 0 {
            break;
        }
        last = Some(pic);
    }
    let pic = last.ok_or(Error::NoPicture)?;
    let picture = copy_out(&pic.0, max_pixels);
    drop(pic);
    drop(ctx);
    picture
}

fn copy_out(p: &Dav1dPicture, max_pixels: u64) -> Result<Picture, Error> {
    let (w, h) = (
        usize::try_from(p.p.w).map_err(|_| Error::Unsupported("width"))?,
        usize::try_from(p.p.h).map_err(|_| Error::Unsupported("height"))?,
    );
    if w == 0 || h == 0 {
        return Err(Error::NoPicture);
    }
    if (w as u64).saturating_mul(h as u64) > max_pixels {
        return Err(Error::TooLarge((w as u64).saturating_mul(h as u64)));
    }
    let bit_depth = match p.p.bpc {
        8 => 8u8,
        10 => 10,
        12 => 12,
        _ => return Err(Error::Unsupported("bit depth")),
    };
    let (layout, sx, sy) = match p.p.layout {
        DAV1D_PIXEL_LAYOUT_I400 => (Layout::Monochrome, 0, 0),
        DAV1D_PIXEL_LAYOUT_I420 => (Layout::Yuv420, 1, 1),
        DAV1D_PIXEL_LAYOUT_I422 => (Layout::Yuv422, 1, 0),
        DAV1D_PIXEL_LAYOUT_I444 => (Layout::Yuv444, 0, 0),
        _ => return Err(Error::Unsupported("pixel layout")),
    };
    let (cw, ch) = ((w + sx) >> sx, (h + sy) >> sy);
    let plane = |n: usize, pw: usize, ph: usize| -> Result<Vec<u16>, Error> {
        let ptr = p.data[n].ok_or(Error::Unsupported("missing plane"))?;
        let bytes = if bit_depth > 8 { 2 } else { 1 };
        let stride = usize::try_from(p.stride[usize::from(n > 0)])
            .map_err(|_| Error::Unsupported("negative stride"))?;
        if stride < pw * bytes {
            return Err(Error::Unsupported("stride"));
        }
        // SAFETY: rav1d allocates every plane as `stride` bytes times the plane's rows
        // (rounded up), so `stride * (ph - 1) + pw * bytes` bytes are readable and stay
        // valid while `p` is referenced (the caller holds it).
        let buf = unsafe {
            std::slice::from_raw_parts(ptr.as_ptr().cast::<u8>(), stride * (ph - 1) + pw * bytes)
        };
        let mut out = Vec::with_capacity(pw * ph);
        for y in 0..ph {
            let row = &buf[y * stride..y * stride + pw * bytes];
            if bytes == 1 {
                out.extend(row.iter().map(|&v| u16::from(v)));
            } else {
                out.extend(
                    row.chunks_exact(2)
                        .map(|b| u16::from_ne_bytes([b[0], b[1]])),
                );
            }
        }
        Ok(out)
    };
    let y = plane(0, w, h)?;
    let (u, v) = if layout == Layout::Monochrome {
        (Vec::new(), Vec::new())
    } else {
        (plane(1, cw, ch)?, plane(2, cw, ch)?)
    };
    // SAFETY: `seq_hdr` points into the picture's reference-counted header, alive while `p` is.
    let hdr = p.seq_hdr.map(|s| unsafe { s.as_ref() });
    Ok(Picture {
        width: w,
        height: h,
        bit_depth,
        layout,
        y,
        u,
        v,
        chroma_width: if layout == Layout::Monochrome { 0 } else { cw },
        chroma_height: if layout == Layout::Monochrome { 0 } else { ch },
        matrix: hdr.map_or(2, |h| h.mtrx as u8),
        full_range: hdr.is_some_and(|h| h.color_range != 0),
    })
}
