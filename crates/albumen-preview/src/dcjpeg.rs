//! JPEG at 1/8 scale from the DC coefficients alone.
//!
//! At 1/8 scale each 8x8 block becomes one pixel whose value is its DC coefficient
//! (`DC x Q0 / 8 + 128`, what libjpeg's and jpeg-decoder's 1x1 "IDCT" give). So a thumbnail at
//! most 1/8 of the picture needs no AC coefficient, no IDCT and no full-size colour conversion:
//! - baseline (sequential Huffman) files: the AC codes are still read to find each block's end,
//!   but only skipped (no dequantising, no coefficient storage);
//! - progressive files: only the DC scans are decoded; the AC scans, most of the file, are
//!   stepped over by looking for the next marker.
//!
//! Anything outside that (arithmetic coding, 12-bit samples, lossless, CMYK/YCCK, a DNL
//! marker, a truncated or corrupt scan) gives `None`, and the caller decodes with jpeg-decoder
//! as before. Hostile data cannot make it allocate beyond the caller's pixel limit (checked
//! before the planes are allocated) or loop beyond one pass over the blocks per scan.

use crate::decode::Decoded;
use image::RgbImage;

/// Why the fast path declined (for the debug log; the caller falls back).
type Res<T> = Result<T, &'static str>;

const LUT_BITS: u32 = 10;

/// A Huffman table: a 10-bit lookup for short codes, canonical decoding for longer ones.
struct Huff {
    /// `(length << 8) | symbol`, 0 when the code is longer than [`LUT_BITS`].
    lut: Vec<u16>,
    /// For AC tables, skipping a whole coefficient in one look-up: `(code length + value
    /// bits) << 8 | positions advanced` (run + 1, 16 for ZRL, 0 for end of block), 0 when the
    /// code and its value bits do not fit in [`LUT_BITS`].
    skip: Vec<u16>,
    /// Largest code of each length (-1 when none), `maxcode[l]` for l in 1..=16.
    maxcode: [i32; 18],
    /// Index into `symbols` of the first code of each length, minus that code.
    delta: [i32; 17],
    symbols: Vec<u8>,
}

impl Huff {
    fn new(counts: &[u8], symbols: &[u8]) -> Res<Huff> {
        let mut lut = vec![0u16; 1 << LUT_BITS];
        let mut skip = vec![0u16; 1 << LUT_BITS];
        let mut maxcode = [-1i32; 18];
        let mut delta = [0i32; 17];
        let mut code: u32 = 0;
        let mut k = 0usize;
        for l in 1..=16u32 {
            let n = u32::from(counts[l as usize - 1]);
            delta[l as usize] = k as i32 - code as i32;
            for _ in 0..n {
                let sym = *symbols.get(k).ok_or("short Huffman table")?;
                if l <= LUT_BITS {
                    let shift = LUT_BITS - l;
                    let first = (code << shift) as usize;
                    let last = ((code + 1) << shift) as usize;
                    let e = ((l as u16) << 8) | u16::from(sym);
                    lut.get_mut(first..last).ok_or("bad Huffman table")?.fill(e);
                    let (run, size) = (u32::from(sym >> 4), u32::from(sym & 15));
                    let total = l + size;
                    if total <= LUT_BITS {
                        let advance = match (run, size) {
                            (0, 0) => 0,
                            (15, 0) => 16,
                            (_, 0) => 64, // undefined (EOBn is progressive-only): ends the block
                            _ => run + 1,
                        };
                        skip[first..last].fill(((total as u16) << 8) | advance as u16);
                    }
                }
                code += 1;
                k += 1;
            }
            if n > 0 {
                maxcode[l as usize] = code as i32 - 1;
            }
            if code > (1 << l) {
                return Err("bad Huffman table");
            }
            code <<= 1;
        }
        Ok(Huff {
            lut,
            skip,
            maxcode,
            delta,
            symbols: symbols[..k].to_vec(),
        })
    }

    /// The next symbol (the reader holds at least 16 bits).
    #[inline]
    fn decode(&self, b: &mut Bits) -> Res<u8> {
        let e = self.lut[b.peek(LUT_BITS) as usize];
        if e != 0 {
            b.skip(u32::from(e >> 8));
            return Ok(e as u8);
        }
        for l in LUT_BITS + 1..=16 {
            let code = b.peek(l) as i32;
            if code <= self.maxcode[l as usize] {
                b.skip(l);
                let i = (self.delta[l as usize] + code) as usize;
                return self.symbols.get(i).copied().ok_or("bad Huffman code");
            }
        }
        Err("bad Huffman code")
    }
}

/// Entropy-coded bits: byte stuffing removed, zeros fed past a marker or the end.
struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
    buf: u64,
    n: u32,
    /// A marker (or the end of the data) was reached; zeros are fed from here.
    at_marker: bool,
    /// Bytes of zeros fed after the marker.
    fed: u32,
}

impl<'a> Bits<'a> {
    fn new(data: &'a [u8], pos: usize) -> Self {
        Bits {
            data,
            pos,
            buf: 0,
            n: 0,
            at_marker: false,
            fed: 0,
        }
    }

    #[inline]
    fn fill(&mut self) {
        while self.n <= 56 {
            let byte = if self.at_marker {
                self.fed += 1;
                0
            } else {
                match self.data.get(self.pos) {
                    Some(&0xFF) if self.data.get(self.pos + 1) == Some(&0) => {
                        self.pos += 2;
                        0xFF
                    }
                    // a marker: the scan's data ends here
                    Some(&0xFF) | None => {
                        self.at_marker = true;
                        self.fed += 1;
                        0
                    }
                    Some(&b) => {
                        self.pos += 1;
                        b
                    }
                }
            };
            self.buf |= u64::from(byte) << (56 - self.n);
            self.n += 8;
        }
    }

    /// Makes sure 32 bits are buffered (a code of up to 16 bits and up to 16 value bits).
    #[inline]
    fn ensure(&mut self) {
        if self.n < 32 {
            self.fill();
        }
    }

    #[inline]
    fn peek(&self, k: u32) -> u32 {
        (self.buf >> (64 - k)) as u32
    }

    #[inline]
    fn skip(&mut self, k: u32) {
        self.buf <<= k;
        self.n -= k;
    }

    /// `s` value bits, sign-extended as JPEG's EXTEND does.
    #[inline]
    fn receive_extend(&mut self, s: u32) -> i32 {
        if s == 0 {
            return 0;
        }
        let v = self.peek(s) as i32;
        self.skip(s);
        if v < (1 << (s - 1)) {
            v - (1 << s) + 1
        } else {
            v
        }
    }

    /// Whether bits beyond the scan's data were consumed (a truncated scan).
    fn overran(&self) -> bool {
        u64::from(self.fed) * 8 > u64::from(self.n)
    }

    /// At a restart interval's end: drops the buffered bits and steps over the `RSTn` marker.
    fn restart(&mut self) -> Res<()> {
        if self.overran() {
            return Err("truncated scan");
        }
        self.buf = 0;
        self.n = 0;
        self.fed = 0;
        self.at_marker = false;
        // Normally the marker is next; skip stray bytes before it, as libjpeg does.
        let i = next_marker(self.data, self.pos).ok_or("no restart marker")?;
        match self.data.get(i + 1) {
            Some(0xD0..=0xD7) => {
                self.pos = i + 2;
                Ok(())
            }
            _ => Err("missing restart marker"),
        }
    }
}

/// Position of the next marker (`FF` followed by neither `00` nor `FF`) at or after `from`.
fn next_marker(data: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    loop {
        i += data.get(i..)?.iter().position(|&b| b == 0xFF)?;
        match data.get(i + 1) {
            Some(0x00) | Some(0xFF) => i += 1,
            Some(_) => return Some(i),
            None => return None,
        }
    }
}

/// Position of the next marker other than `RSTn` (the end of a scan's data).
fn scan_end(data: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    loop {
        let m = next_marker(data, i)?;
        if matches!(data.get(m + 1), Some(0xD0..=0xD7)) {
            i = m + 2;
        } else {
            return Some(m);
        }
    }
}

struct Component {
    id: u8,
    h: usize,
    v: usize,
    tq: usize,
    /// DC quantiser latched at the component's first scan.
    q0: Option<i64>,
    /// Blocks of the component within the picture (non-interleaved scan extent).
    bw: usize,
    bh: usize,
    /// The DC coefficient of each block, on the MCU-padded grid.
    plane: Vec<i16>,
    pw: usize,
    /// Whether a first DC scan covered it.
    done: bool,
}

/// Decodes a JPEG at 1/8 scale (ceil(w/8) x ceil(h/8)) from the DC coefficients, or `Err` with
/// the reason when the fast path does not apply. `limit` is the pixel limit, checked against
/// the frame header before anything is allocated (the caller has checked it too).
pub(crate) fn decode(data: &[u8], limit: u64) -> Res<Decoded> {
    if !data.starts_with(&[0xFF, 0xD8]) {
        return Err("no SOI");
    }
    let mut pos = 2usize;
    let mut q0 = [None::<i64>; 4];
    let mut dc_tabs: [Option<Huff>; 4] = [None, None, None, None];
    let mut ac_tabs: [Option<Huff>; 4] = [None, None, None, None];
    let mut frame: Option<(usize, usize, bool)> = None; // width, height, progressive
    let mut comps: Vec<Component> = Vec::new();
    let (mut hmax, mut vmax, mut mcux, mut mcuy) = (1usize, 1usize, 0usize, 0usize);
    let mut restart_interval = 0usize;
    let mut adobe: Option<u8> = None;
    let mut jfif = false;
    let mut icc: Vec<(u8, &[u8])> = Vec::new();
    // each marker in turn (stray bytes between segments are skipped, as libjpeg does)
    while let Some(i) = next_marker(data, pos) {
        let m = data[i + 1];
        pos = i + 2;
        match m {
            0xD8 | 0x01 | 0xD0..=0xD7 => continue,
            0xD9 => break,
            _ => {}
        }
        let len = usize::from(u16::from_be_bytes([
            *data.get(pos).ok_or("truncated segment")?,
            *data.get(pos + 1).ok_or("truncated segment")?,
        ]));
        let seg = data
            .get(pos + 2..pos + len.max(2))
            .ok_or("truncated segment")?;
        if len < 2 {
            return Err("bad segment length");
        }
        pos += len;
        match m {
            0xDB => {
                let mut s = seg;
                while let Some((&pq_tq, rest)) = s.split_first() {
                    let (precision16, t) = (pq_tq >> 4 != 0, usize::from(pq_tq & 15));
                    let n = if precision16 { 128 } else { 64 };
                    let table = rest.get(..n).ok_or("short DQT")?;
                    let q = if precision16 {
                        i64::from(u16::from_be_bytes([table[0], table[1]]))
                    } else {
                        i64::from(table[0])
                    };
                    *q0.get_mut(t).ok_or("bad DQT")? = Some(q);
                    s = &rest[n..];
                }
            }
            0xC4 => {
                let mut s = seg;
                while let Some((&tc_th, rest)) = s.split_first() {
                    let counts = rest.get(..16).ok_or("short DHT")?;
                    let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
                    let symbols = rest.get(16..16 + total).ok_or("short DHT")?;
                    let table = Huff::new(counts, symbols)?;
                    let th = usize::from(tc_th & 15);
                    let slot = match tc_th >> 4 {
                        0 => dc_tabs.get_mut(th),
                        1 => ac_tabs.get_mut(th),
                        _ => None,
                    };
                    *slot.ok_or("bad DHT")? = Some(table);
                    s = &rest[16 + total..];
                }
            }
            0xC0..=0xC2 => {
                if frame.is_some() {
                    return Err("two frames");
                }
                if seg.len() < 6 || seg[0] != 8 {
                    return Err("not 8-bit");
                }
                let h = usize::from(u16::from_be_bytes([seg[1], seg[2]]));
                let w = usize::from(u16::from_be_bytes([seg[3], seg[4]]));
                let nc = usize::from(seg[5]);
                if w == 0 || h == 0 {
                    return Err("size in a DNL marker");
                }
                if (w as u64) * (h as u64) > limit {
                    return Err("over the pixel limit");
                }
                if nc != 1 && nc != 3 {
                    return Err("not grey or 3-component");
                }
                let spec = seg.get(6..6 + 3 * nc).ok_or("short SOF")?;
                for c in spec.chunks_exact(3) {
                    let (h, v) = (usize::from(c[1] >> 4), usize::from(c[1] & 15));
                    if !(1..=4).contains(&h) || !(1..=4).contains(&v) || c[2] > 3 {
                        return Err("bad component");
                    }
                    comps.push(Component {
                        id: c[0],
                        h,
                        v,
                        tq: usize::from(c[2]),
                        q0: None,
                        bw: 0,
                        bh: 0,
                        plane: Vec::new(),
                        pw: 0,
                        done: false,
                    });
                }
                hmax = comps.iter().map(|c| c.h).max().unwrap_or(1);
                vmax = comps.iter().map(|c| c.v).max().unwrap_or(1);
                mcux = w.div_ceil(8 * hmax);
                mcuy = h.div_ceil(8 * vmax);
                for c in &mut comps {
                    c.bw = (w * c.h).div_ceil(hmax).div_ceil(8);
                    c.bh = (h * c.v).div_ceil(vmax).div_ceil(8);
                    c.pw = mcux * c.h;
                    c.plane = vec![0; c.pw * mcuy * c.v];
                }
                frame = Some((w, h, m == 0xC2));
            }
            0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                return Err("arithmetic, lossless or hierarchical JPEG")
            }
            0xDC => return Err("DNL marker"),
            0xDD => {
                restart_interval = usize::from(u16::from_be_bytes([
                    *seg.first().ok_or("short DRI")?,
                    *seg.get(1).ok_or("short DRI")?,
                ]));
            }
            0xE0 if seg.starts_with(b"JFIF\0") => jfif = true,
            0xE2 if seg.starts_with(b"ICC_PROFILE\0") && seg.len() > 14 => {
                icc.push((seg[12], &seg[14..]));
            }
            0xEE if seg.starts_with(b"Adobe") && seg.len() >= 12 => adobe = Some(seg[11]),
            0xDA => {
                let (_, _, progressive) = frame.ok_or("scan before frame")?;
                let ns = usize::from(*seg.first().ok_or("short SOS")?);
                let spec = seg.get(1..1 + 2 * ns).ok_or("short SOS")?;
                let tail = seg.get(1 + 2 * ns..1 + 2 * ns + 3).ok_or("short SOS")?;
                let (ss, se, ah, al) = (tail[0], tail[1], tail[2] >> 4, tail[2] & 15);
                let mut idx = Vec::with_capacity(ns);
                for s in spec.chunks_exact(2) {
                    let ci = comps
                        .iter()
                        .position(|c| c.id == s[0])
                        .ok_or("scan names an unknown component")?;
                    idx.push((ci, usize::from(s[1] >> 4), usize::from(s[1] & 15)));
                }
                if idx.is_empty() || idx.len() > 4 {
                    return Err("bad scan");
                }
                let end;
                if progressive && ss != 0 {
                    // an AC scan: not needed at 1/8 scale
                    end = scan_end(data, pos).unwrap_or(data.len());
                } else {
                    if progressive && se != 0 || al > 13 {
                        return Err("bad progressive scan");
                    }
                    if !progressive && (ss != 0 || se != 63 || ah != 0 || al != 0) {
                        return Err("bad sequential scan");
                    }
                    let refine = progressive && ah != 0;
                    for &(ci, td, ta) in &idx {
                        let c = &mut comps[ci];
                        if !refine {
                            if dc_tabs.get(td).and_then(Option::as_ref).is_none()
                                || (!progressive
                                    && ac_tabs.get(ta).and_then(Option::as_ref).is_none())
                            {
                                return Err("missing Huffman table");
                            }
                            c.q0 = Some(q0[c.tq].ok_or("missing quantisation table")?);
                            c.done = true;
                        } else if !c.done {
                            return Err("refinement before the first scan");
                        }
                    }
                    let mut bits = Bits::new(data, pos);
                    let tabs = ScanTables {
                        dc: &dc_tabs,
                        ac: &ac_tabs,
                    };
                    let shape = ScanShape {
                        mcux,
                        mcuy,
                        restart_interval,
                        progressive,
                        refine,
                        al: u32::from(al),
                    };
                    decode_scan(&mut bits, &mut comps, &idx, &tabs, &shape)?;
                    end = scan_end(data, bits.pos).unwrap_or(data.len());
                }
                pos = end;
            }
            // other APPn, COM, JPG extensions: skipped
            _ => {}
        }
    }
    let (w, h, _) = frame.ok_or("no frame")?;
    if comps.iter().any(|c| !c.done) {
        return Err("a component has no scan");
    }
    let rgb_stored = match adobe {
        Some(t) => t == 0,
        None => !jfif && comps.iter().map(|c| c.id).eq(*b"RGB"),
    };
    let (ow, oh) = (w.div_ceil(8), h.div_ceil(8));
    let mut out = Vec::with_capacity(ow * oh * 3);
    // Each component's blocks as 8-bit samples (the DC term dequantised: the block's mean),
    // computed once: a subsampled component's blocks are read by up to four output pixels.
    let values: Vec<Vec<u8>> = comps
        .iter()
        .map(|c| {
            let q = c.q0.unwrap_or(1);
            (0..c.bh)
                .flat_map(|by| (0..c.bw).map(move |bx| (bx, by)))
                .map(|(bx, by)| {
                    let dc = c.plane.get(by * c.pw + bx).copied().unwrap_or(0);
                    (((i64::from(dc) * q + 4) >> 3) + 128).clamp(0, 255) as u8
                })
                .collect()
        })
        .collect();
    // Subsampled components are interpolated linearly between block centres (libjpeg's
    // "fancy" upsampling: weights 3/4 and 1/4 for 2x), full-size ones taken as they are. The
    // neighbours and weights along each axis are tabulated once per component.
    let axis = |o: usize, f: usize, fmax: usize, n: usize| -> (usize, usize, u32) {
        let d = 2 * fmax as i64;
        let p = ((2 * o + 1) * f) as i64 - fmax as i64;
        let i0 = p.div_euclid(d);
        let frac = p - i0 * d;
        let last = n.saturating_sub(1) as i64;
        (
            i0.clamp(0, last) as usize,
            (i0 + 1).clamp(0, last) as usize,
            frac as u32,
        )
    };
    struct Plan<'v> {
        values: &'v [u8],
        bw: usize,
        full: bool,
        xs: Vec<(usize, usize, u32)>,
        ys: Vec<(usize, usize, u32)>,
        dx: u32,
        dy: u32,
    }
    let plans: Vec<Plan<'_>> = comps
        .iter()
        .zip(&values)
        .map(|(c, v)| {
            let full = c.h == hmax && c.v == vmax;
            Plan {
                values: v,
                bw: c.bw,
                full,
                xs: if full {
                    Vec::new()
                } else {
                    (0..ow).map(|x| axis(x, c.h, hmax, c.bw)).collect()
                },
                ys: if full {
                    Vec::new()
                } else {
                    (0..oh).map(|y| axis(y, c.v, vmax, c.bh)).collect()
                },
                dx: 2 * hmax as u32,
                dy: 2 * vmax as u32,
            }
        })
        .collect();
    let at = |p: &Plan<'_>, x: usize, y: usize| -> u32 {
        u32::from(p.values.get(y * p.bw + x).copied().unwrap_or(0))
    };
    let sample = |p: &Plan<'_>, x: usize, y: usize| -> i32 {
        if p.full {
            return at(p, x, y) as i32;
        }
        let ((x0, x1, fx), (y0, y1, fy)) = (
            p.xs.get(x).copied().unwrap_or((0, 0, 0)),
            p.ys.get(y).copied().unwrap_or((0, 0, 0)),
        );
        let top = at(p, x0, y0) * (p.dx - fx) + at(p, x1, y0) * fx;
        let bottom = at(p, x0, y1) * (p.dx - fx) + at(p, x1, y1) * fx;
        let d = p.dx * p.dy;
        ((top * (p.dy - fy) + bottom * fy + d / 2) / d) as i32
    };
    for y in 0..oh {
        for x in 0..ow {
            if plans.len() == 1 {
                let v = sample(&plans[0], x, y) as u8;
                out.extend_from_slice(&[v, v, v]);
            } else {
                let (a, b, c) = (
                    sample(&plans[0], x, y),
                    sample(&plans[1], x, y),
                    sample(&plans[2], x, y),
                );
                if rgb_stored {
                    out.extend_from_slice(&[a as u8, b as u8, c as u8]);
                } else {
                    let (cb, cr) = (b - 128, c - 128);
                    let r = a + ((91_881 * cr + 32_768) >> 16);
                    let g = a - ((22_554 * cb + 46_802 * cr + 32_768) >> 16);
                    let bl = a + ((116_130 * cb + 32_768) >> 16);
                    out.extend_from_slice(&[
                        r.clamp(0, 255) as u8,
                        g.clamp(0, 255) as u8,
                        bl.clamp(0, 255) as u8,
                    ]);
                }
            }
        }
    }
    let image = RgbImage::from_raw(ow as u32, oh as u32, out).ok_or("pixel buffer size")?;
    Ok(Decoded {
        image,
        icc: join_icc(icc),
    })
}

struct ScanTables<'t> {
    dc: &'t [Option<Huff>; 4],
    ac: &'t [Option<Huff>; 4],
}

struct ScanShape {
    mcux: usize,
    mcuy: usize,
    restart_interval: usize,
    progressive: bool,
    refine: bool,
    al: u32,
}

/// One scan: every block's DC coefficient into the components' planes.
fn decode_scan(
    bits: &mut Bits,
    comps: &mut [Component],
    idx: &[(usize, usize, usize)],
    tabs: &ScanTables,
    s: &ScanShape,
) -> Res<()> {
    let mut pred = [0i32; 4];
    let one_block = |bits: &mut Bits, c: &mut Component, at: usize, td, ta, pred: &mut i32| {
        block(bits, c, at, td, ta, pred, tabs, s)
    };
    let mut left = s.restart_interval;
    let mut restart = |bits: &mut Bits, pred: &mut [i32; 4], last: bool| -> Res<()> {
        if s.restart_interval == 0 {
            return Ok(());
        }
        left -= 1;
        if left == 0 && !last {
            bits.restart()?;
            *pred = [0; 4];
            left = s.restart_interval;
        }
        Ok(())
    };
    if idx.len() == 1 {
        let (ci, td, ta) = idx[0];
        let (bw, bh, pw) = (comps[ci].bw, comps[ci].bh, comps[ci].pw);
        for by in 0..bh {
            for bx in 0..bw {
                one_block(bits, &mut comps[ci], by * pw + bx, td, ta, &mut pred[0])?;
                restart(bits, &mut pred, by + 1 == bh && bx + 1 == bw)?;
            }
            if bits.overran() {
                return Err("truncated scan");
            }
        }
    } else {
        for my in 0..s.mcuy {
            for mx in 0..s.mcux {
                for (k, &(ci, td, ta)) in idx.iter().enumerate() {
                    let c = &mut comps[ci];
                    for v in 0..c.v {
                        for h in 0..c.h {
                            let at = (my * c.v + v) * c.pw + mx * c.h + h;
                            one_block(bits, c, at, td, ta, &mut pred[k])?;
                        }
                    }
                }
                restart(bits, &mut pred, my + 1 == s.mcuy && mx + 1 == s.mcux)?;
            }
            if bits.overran() {
                return Err("truncated scan");
            }
        }
    }
    if bits.overran() {
        return Err("truncated scan");
    }
    Ok(())
}

/// One block: its DC coefficient stored at `at`, the AC codes (sequential scans) skipped.
#[allow(clippy::too_many_arguments)]
#[inline]
fn block(
    bits: &mut Bits,
    c: &mut Component,
    at: usize,
    td: usize,
    ta: usize,
    pred: &mut i32,
    tabs: &ScanTables,
    s: &ScanShape,
) -> Res<()> {
    bits.ensure();
    let slot = c.plane.get_mut(at).ok_or("block outside the plane")?;
    if s.refine {
        if bits.peek(1) == 1 {
            *slot |= (1i32 << s.al) as i16;
        }
        bits.skip(1);
        return Ok(());
    }
    let dc = tabs.dc[td].as_ref().ok_or("missing Huffman table")?;
    let t = u32::from(dc.decode(bits)?);
    if t > 11 {
        return Err("bad DC code");
    }
    *pred = pred.wrapping_add(bits.receive_extend(t));
    *slot = (pred.wrapping_shl(s.al)).clamp(-32768, 32767) as i16;
    if s.progressive {
        return Ok(());
    }
    let ac = tabs.ac[ta].as_ref().ok_or("missing Huffman table")?;
    let mut k = 1u32;
    while k < 64 {
        bits.ensure();
        let e = ac.skip[bits.peek(LUT_BITS) as usize];
        if e != 0 {
            bits.skip(u32::from(e >> 8));
            match e & 0xFF {
                0 => break,
                a => k += u32::from(a),
            }
            continue;
        }
        let rs = ac.decode(bits)?;
        let (r, sz) = (u32::from(rs >> 4), u32::from(rs & 15));
        if sz == 0 {
            if r != 15 {
                break; // end of block
            }
            k += 16;
        } else {
            if sz > 10 {
                return Err("bad AC code");
            }
            k += r + 1;
            bits.skip(sz);
        }
    }
    Ok(())
}

/// The ICC profile from its APP2 chunks (numbered from 1), when all are present.
fn join_icc(mut chunks: Vec<(u8, &[u8])>) -> Option<Vec<u8>> {
    if chunks.is_empty() {
        return None;
    }
    chunks.sort_by_key(|c| c.0);
    if chunks
        .iter()
        .enumerate()
        .any(|(i, c)| usize::from(c.0) != i + 1)
    {
        return None;
    }
    Some(chunks.iter().flat_map(|c| c.1.iter().copied()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// jpeg-decoder's own 1/8-scale decoding, as RGB.
    fn reference(bytes: &[u8]) -> Option<RgbImage> {
        let mut d = jpeg_decoder::Decoder::new(bytes);
        d.read_info().ok()?;
        let info = d.info()?;
        d.scale(info.width.div_ceil(8), info.height.div_ceil(8))
            .ok()?;
        let px = d.decode().ok()?;
        let info = d.info()?;
        let rgb = match info.pixel_format {
            jpeg_decoder::PixelFormat::RGB24 => px,
            jpeg_decoder::PixelFormat::L8 => px.iter().flat_map(|&v| [v, v, v]).collect(),
            _ => return None,
        };
        RgbImage::from_raw(u32::from(info.width), u32::from(info.height), rgb)
    }

    /// Mean and largest absolute difference per channel value.
    fn diff(a: &RgbImage, b: &RgbImage) -> (f64, u8) {
        let (mut sum, mut max) = (0u64, 0u8);
        for (x, y) in a.as_raw().iter().zip(b.as_raw()) {
            let d = x.abs_diff(*y);
            sum += u64::from(d);
            max = max.max(d);
        }
        (sum as f64 / a.as_raw().len().max(1) as f64, max)
    }

    fn made_up(w: u32, h: u32, quality: u8) -> Vec<u8> {
        let img = RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([
                (x * 255 / w) as u8,
                (y * 255 / h) as u8,
                if (x / 8 + y / 8) % 2 == 0 { 220 } else { 30 },
            ])
        });
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
            .encode_image(&img)
            .unwrap_or_else(|e| panic!("encoding: {e}"));
        out
    }

    #[test]
    fn matches_jpeg_decoder_at_one_eighth() {
        for (w, h, q) in [(64, 48, 90), (203, 101, 75), (8, 8, 100), (17, 300, 40)] {
            let b = made_up(w, h, q);
            let ours = decode(&b, u64::MAX).unwrap_or_else(|e| panic!("{w}x{h}: {e}"));
            let theirs = reference(&b).unwrap_or_else(|| panic!("reference {w}x{h}"));
            assert_eq!(ours.image.dimensions(), theirs.dimensions(), "{w}x{h}");
            assert_eq!(ours.image.dimensions(), (w.div_ceil(8), h.div_ceil(8)));
            let (mean, max) = diff(&ours.image, &theirs);
            assert!(
                mean < 1.5 && max <= 6,
                "{w}x{h} q{q}: mean {mean} max {max}"
            );
        }
    }

    #[test]
    fn hostile_input_is_refused_not_panicking() {
        let good = made_up(64, 48, 90);
        assert!(decode(&good, 64 * 48 - 1).is_err(), "pixel limit");
        for cut in [0, 1, 2, 20, 150, 300, 400, good.len() - 40, good.len() - 2] {
            // truncated: refused (the caller falls back), never a panic
            let _ = decode(&good[..cut], u64::MAX);
            assert!(cut >= good.len() - 2 || decode(&good[..cut], u64::MAX).is_err());
        }
        // every byte flipped in turn: no panic, and no more than one pass over the blocks
        let mut b = good.clone();
        for i in 0..b.len() {
            let keep = b[i];
            for v in [0x00, 0xFF, keep ^ 0x55] {
                b[i] = v;
                let _ = decode(&b, 1 << 20);
            }
            b[i] = keep;
        }
    }

    /// Every corpus JPEG the fast path takes gives jpeg-decoder's 1/8-scale picture (up to
    /// rounding); the ones it declines are listed (jpeg-decoder decodes those).
    #[test]
    fn corpus_jpegs_match_jpeg_decoder() {
        let corpus = std::env::var_os("ALBUMEN_CORPUS")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| {
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
            });
        if !corpus.is_dir() {
            println!(
                "skipped: no corpus at {} (set ALBUMEN_CORPUS)",
                corpus.display()
            );
            return;
        }
        let walked = albumen_meta::walk::files(&[corpus]);
        let (mut taken, mut declined) = (0, 0);
        for p in walked.files {
            if p.to_string_lossy().contains("fuzz") {
                continue;
            }
            let Ok(bytes) = std::fs::read(&p) else {
                continue;
            };
            if !bytes.starts_with(&[0xFF, 0xD8, 0xFF]) || bytes.len() > 40 << 20 {
                continue;
            }
            let Some(theirs) = reference(&bytes) else {
                continue;
            };
            match decode(&bytes, 300_000_000) {
                Ok(ours) => {
                    taken += 1;
                    assert_eq!(ours.image.dimensions(), theirs.dimensions(), "{p:?}");
                    let (mean, max) = diff(&ours.image, &theirs);
                    // rounding and chroma interpolation differ slightly (mean < 2 levels on the
                    // corpus, measured)
                    if mean >= 1.0 {
                        println!("differs: {}: mean {mean:.2} max {max}", p.display());
                    }
                    assert!(mean < 2.0, "{p:?}: mean difference {mean}");
                }
                Err(why) => {
                    declined += 1;
                    println!("declined: {}: {why}", p.display());
                }
            }
        }
        println!("fast path: {taken} corpus JPEGs matched jpeg-decoder, {declined} declined");
        assert!(taken > 0);
    }
}
