//! MPEG-2 transport streams: AVCHD `.MTS`/`.M2TS` (192-byte packets) and plain `.ts` (188).
//!
//! Read: the programme tables (PAT/PMT) for the video stream, its H.264 sequence parameter set
//! for the size, the `MDPM` SEI camcorders write for the capture time and zone, and the first
//! and last PCR for the duration. Only a bounded head and tail of the file are read.

use crate::io::Src;
use crate::{CaptureTime, Error, Metadata, Source, TagValue, TimeCandidate, TimeKind};

/// Bytes read from the start of the file for tables, SPS and SEI.
const HEAD: u64 = 1 << 20;
/// Bytes read from the end for the last PCR.
const TAIL: u64 = 256 << 10;
/// Video elementary-stream bytes collected before giving up on an SPS/SEI.
const MAX_ES: usize = 512 << 10;
/// Resynchronisations allowed before the stream is declared unreadable.
const MAX_RESYNC: u32 = 64;

/// The UUID of the user-data-unregistered SEI that carries `MDPM` ("modified DV pack meta").
const MDPM_UUID: [u8; 16] = [
    0x17, 0xee, 0x8c, 0x60, 0xf8, 0x4d, 0x11, 0xd9, 0x8c, 0xd6, 0x08, 0x00, 0x20, 0x0c, 0x9a, 0x66,
];

/// Packet size and the offset of the sync byte in a packet, when `head` starts a TS.
pub(crate) fn layout(head: &[u8]) -> Option<(usize, usize)> {
    // Three packets in a row (a lone 'G' at the start is common in other files).
    let synced = |size: usize, off: usize| (0..3).all(|i| head.get(off + i * size) == Some(&0x47));
    if synced(192, 4) {
        Some((192, 4))
    } else if synced(188, 0) {
        Some((188, 0))
    } else {
        None
    }
}

/// One TS packet's parts.
struct Packet<'a> {
    pid: u16,
    start: bool,
    pcr: Option<u64>,
    payload: &'a [u8],
}

fn packet(p: &[u8]) -> Option<Packet<'_>> {
    if p.len() < 188 || p[0] != 0x47 {
        return None;
    }
    let pid = u16::from_be_bytes([p[1] & 0x1f, p[2]]);
    let start = p[1] & 0x40 != 0;
    let afc = (p[3] >> 4) & 3;
    let mut at = 4usize;
    let mut pcr = None;
    if afc & 2 != 0 {
        let alen = usize::from(p[4]);
        if alen > 0 && p[5] & 0x10 != 0 && alen >= 7 {
            let b = &p[6..12];
            let base = (u64::from(b[0]) << 25)
                | (u64::from(b[1]) << 17)
                | (u64::from(b[2]) << 9)
                | (u64::from(b[3]) << 1)
                | (u64::from(b[4]) >> 7);
            let ext = (u64::from(b[4] & 1) << 8) | u64::from(b[5]);
            pcr = Some(base * 300 + ext);
        }
        at = 5 + alen;
    }
    let payload = if afc & 1 != 0 {
        p.get(at..188).unwrap_or(&[])
    } else {
        &[]
    };
    Some(Packet {
        pid,
        start,
        pcr,
        payload,
    })
}

/// Walks the packets of `b` (starting at a packet boundary), resynchronising on loss of sync;
/// calls `f` for each. Returns the number of resynchronisations, or `None` when sync could not
/// be found again.
fn walk<'a>(
    b: &'a [u8],
    size: usize,
    off: usize,
    md: &mut Metadata,
    base: u64,
    mut f: impl FnMut(Packet<'a>) -> bool,
) -> Option<u32> {
    let mut pos = 0usize;
    let mut resyncs = 0;
    while pos + size <= b.len() {
        let p = &b[pos + off..pos + off + 188];
        let Some(pk) = packet(p) else {
            resyncs += 1;
            if resyncs > MAX_RESYNC {
                md.warnings.push(format!(
                    "MPEG-TS: sync lost for good near byte {}",
                    base + pos as u64
                ));
                return None;
            }
            // Find the next place where two packets in a row start with the sync byte.
            let from = pos + off + 1;
            let next = b.get(from..).and_then(|rest| {
                rest.iter()
                    .enumerate()
                    .position(|(i, &c)| c == 0x47 && b.get(from + i + size) == Some(&0x47))
            });
            match next {
                Some(i) => {
                    md.warnings.push(format!(
                        "MPEG-TS: packets out of sync at byte {}, resynchronised",
                        base + pos as u64
                    ));
                    pos = from + i - off;
                    continue;
                }
                None => {
                    md.warnings.push(format!(
                        "MPEG-TS: packets out of sync at byte {}, no sync after it",
                        base + pos as u64
                    ));
                    return None;
                }
            }
        };
        if !f(pk) {
            break;
        }
        pos += size;
    }
    Some(resyncs)
}

/// Section payload of a PSI packet (after the pointer field).
fn section<'a>(pk: &Packet<'a>) -> Option<&'a [u8]> {
    if !pk.start {
        return None;
    }
    let ptr = usize::from(*pk.payload.first()?);
    let s = pk.payload.get(1 + ptr..)?;
    let len = usize::from(u16::from_be_bytes([*s.get(1)?, *s.get(2)?]) & 0x0fff);
    s.get(..(3 + len).min(s.len()))
}

pub(crate) fn read(src: &Src<'_>, md: &mut Metadata) -> Result<(), Error> {
    let start = src.read_upto(0, 1024, "MPEG-TS")?;
    let Some((size, off)) = layout(&start) else {
        return Err(Error::Malformed {
            what: "MPEG-TS sync",
            offset: 0,
        });
    };
    let mut pmt_pids: Vec<u16> = Vec::new();
    let mut video: Option<(u16, u8)> = None;
    let mut es: Vec<u8> = Vec::new();
    let mut first_pcr: Option<(u16, u64)> = None;
    // The head is read in steps until the video stream's first access unit (SPS, SEI) is in.
    let step = size as u64 * 256;
    let mut at = 0u64;
    while at < HEAD.min(src.len()) {
        let chunk = src.read_upto(at, step, "MPEG-TS")?;
        let resynced = walk(&chunk, size, off, md, at, |pk| {
            if first_pcr.is_none() {
                first_pcr = pk.pcr.map(|v| (pk.pid, v));
            }
            if pk.pid == 0 {
                if let Some(s) = section(&pk) {
                    // PAT: 8-byte header, then (programme, PID) pairs, then a CRC.
                    let body = s.get(8..s.len().saturating_sub(4)).unwrap_or(&[]);
                    for e in body.chunks_exact(4) {
                        let (prog, pid) = (
                            u16::from_be_bytes([e[0], e[1]]),
                            u16::from_be_bytes([e[2] & 0x1f, e[3]]),
                        );
                        if prog != 0 && !pmt_pids.contains(&pid) && pmt_pids.len() < 16 {
                            pmt_pids.push(pid);
                        }
                    }
                }
            } else if pmt_pids.contains(&pk.pid) && video.is_none() {
                if let Some(s) = section(&pk) {
                    let info = usize::from(
                        u16::from_be_bytes([*s.get(10).unwrap_or(&0), *s.get(11).unwrap_or(&0)])
                            & 0x0fff,
                    );
                    let mut at = 12 + info;
                    let end = s.len().saturating_sub(4);
                    while at + 5 <= end {
                        let st = s[at];
                        let pid = u16::from_be_bytes([s[at + 1] & 0x1f, s[at + 2]]);
                        let es_info =
                            usize::from(u16::from_be_bytes([s[at + 3], s[at + 4]]) & 0x0fff);
                        if matches!(st, 0x1b | 0x24 | 0x02 | 0x10) && video.is_none() {
                            video = Some((pid, st));
                        }
                        at += 5 + es_info;
                    }
                }
            } else if let Some((vpid, _)) = video {
                if pk.pid == vpid && es.len() < MAX_ES {
                    let mut p = pk.payload;
                    if pk.start && p.starts_with(&[0, 0, 1]) {
                        // PES header: 9 bytes + header data length.
                        let hl = usize::from(*p.get(8).unwrap_or(&0));
                        p = p.get(9 + hl..).unwrap_or(&[]);
                    }
                    es.extend_from_slice(p);
                }
            }
            true
        });
        if resynced.is_none() || chunk.len() < step as usize {
            break;
        }
        let has_sps = nal_units(&es).any(|n| n.first().is_some_and(|h| h & 0x1f == 7));
        if has_sps && (es.len() >= 64 << 10 || es.windows(4).any(|w| w == b"MDPM")) {
            break;
        }
        at += step;
    }
    if let Some((_, st)) = video {
        md.tags
            .insert("M2TS:VideoStreamType".into(), TagValue::Int(st.into()));
        md.video_codec = Some(
            match st {
                0x1b => "avc1",
                0x24 => "hvc1",
                0x10 => "mp4v",
                _ => "mp2v",
            }
            .into(),
        );
    }
    read_h264(&es, md);
    // Duration: the last PCR of the PCR stream minus the first.
    if let Some((pcr_pid, first)) = first_pcr {
        // Read back from the end in steps until a PCR of that stream turns up.
        let n = src.len();
        let mut last = None;
        let mut end = n / size as u64 * size as u64;
        let step = size as u64 * 128;
        while last.is_none() && end > 0 && n - end < TAIL {
            let from = end.saturating_sub(step);
            let Ok(tail) = src.read_at(from, end - from, "MPEG-TS tail") else {
                break;
            };
            walk(&tail, size, off, md, from, |pk| {
                if pk.pid == pcr_pid && pk.pcr.is_some() {
                    last = pk.pcr;
                }
                true
            });
            end = from;
        }
        if let Some(l) = last.filter(|&l| l >= first) {
            md.duration_s = Some((l - first) as f64 / 27e6);
        }
    }
    md.tags.insert(
        "M2TS:PacketSize".into(),
        TagValue::Int(i64::try_from(size).unwrap_or(0)),
    );
    Ok(())
}

/// NAL units of an Annex B byte stream (start codes `00 00 01`).
fn nal_units(b: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut starts = Vec::new();
    let mut i = 0;
    while i + 3 <= b.len() {
        if b[i] == 0 && b[i + 1] == 0 && b[i + 2] == 1 {
            starts.push(i + 3);
            i += 3;
        } else {
            i += 1;
        }
    }
    let ends: Vec<usize> = starts
        .iter()
        .skip(1)
        .map(|&s| s - 3)
        .chain(std::iter::once(b.len()))
        .collect();
    starts
        .into_iter()
        .zip(ends)
        .filter_map(move |(s, e)| b.get(s..e.max(s)))
}

/// Removes emulation-prevention bytes (`00 00 03` -> `00 00`).
fn rbsp(n: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(n.len());
    let mut zeros = 0;
    for &c in n {
        if zeros >= 2 && c == 3 {
            zeros = 0;
            continue;
        }
        zeros = if c == 0 { zeros + 1 } else { 0 };
        out.push(c);
    }
    out
}

fn read_h264(es: &[u8], md: &mut Metadata) {
    let mut have_size = false;
    let mut have_time = false;
    for nal in nal_units(es) {
        let Some(&h) = nal.first() else { continue };
        match h & 0x1f {
            7 if !have_size => {
                if let Some((w, h)) = sps_size(&rbsp(&nal[1..])) {
                    md.width = Some(w);
                    md.height = Some(h);
                    have_size = true;
                }
            }
            6 if !have_time => have_time = sei(&rbsp(&nal[1..]), md),
            _ => {}
        }
        if have_size && have_time {
            break;
        }
    }
}

/// Reads bits most-significant first (H.264 syntax).
struct Bits<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Bits<'_> {
    fn bit(&mut self) -> Option<u32> {
        let byte = *self.b.get(self.pos / 8)?;
        let v = (byte >> (7 - self.pos % 8)) & 1;
        self.pos += 1;
        Some(u32::from(v))
    }
    fn bits(&mut self, n: u32) -> Option<u32> {
        (0..n).try_fold(0u32, |a, _| Some((a << 1) | self.bit()?))
    }
    /// Exp-Golomb unsigned.
    fn ue(&mut self) -> Option<u32> {
        let mut zeros = 0;
        while self.bit()? == 0 {
            zeros += 1;
            if zeros > 31 {
                return None;
            }
        }
        Some((1u32 << zeros) - 1 + self.bits(zeros)?)
    }
    fn se(&mut self) -> Option<i64> {
        let k = i64::from(self.ue()?);
        Some(if k % 2 == 1 { (k + 1) / 2 } else { -(k / 2) })
    }
}

/// The display size from an H.264 sequence parameter set (RBSP after the NAL header).
fn sps_size(b: &[u8]) -> Option<(u32, u32)> {
    let mut r = Bits { b, pos: 0 };
    let profile = r.bits(8)?;
    r.bits(16)?; // constraint flags, level
    r.ue()?; // seq_parameter_set_id
    let mut chroma = 1;
    if matches!(
        profile,
        100 | 110 | 122 | 244 | 44 | 83 | 86 | 118 | 128 | 138 | 139 | 134 | 135
    ) {
        chroma = r.ue()?;
        if chroma == 3 {
            r.bit()?; // separate_colour_plane_flag
        }
        r.ue()?; // bit_depth_luma_minus8
        r.ue()?; // bit_depth_chroma_minus8
        r.bit()?; // qpprime_y_zero_transform_bypass_flag
        if r.bit()? == 1 {
            // seq_scaling_matrix_present_flag: skip the lists.
            for i in 0..if chroma == 3 { 12 } else { 8 } {
                if r.bit()? == 1 {
                    let n = if i < 6 { 16 } else { 64 };
                    let (mut last, mut next) = (8i64, 8i64);
                    for _ in 0..n {
                        if next != 0 {
                            next = (last + r.se()? + 256) % 256;
                        }
                        if next != 0 {
                            last = next;
                        }
                    }
                }
            }
        }
    }
    r.ue()?; // log2_max_frame_num_minus4
    match r.ue()? {
        0 => {
            r.ue()?;
        }
        1 => {
            r.bit()?;
            r.se()?;
            r.se()?;
            let n = r.ue()?;
            if n > 255 {
                return None;
            }
            for _ in 0..n {
                r.se()?;
            }
        }
        _ => {}
    }
    r.ue()?; // max_num_ref_frames
    r.bit()?; // gaps_in_frame_num_value_allowed_flag
    let w_mbs = r.ue()?.checked_add(1)?;
    let h_units = r.ue()?.checked_add(1)?;
    let frame_mbs_only = r.bit()?;
    if frame_mbs_only == 0 {
        r.bit()?; // mb_adaptive_frame_field_flag
    }
    r.bit()?; // direct_8x8_inference_flag
    let mut w = w_mbs.checked_mul(16)?;
    let mut h = h_units.checked_mul(16)?.checked_mul(2 - frame_mbs_only)?;
    if r.bit()? == 1 {
        let (l, rt, t, bt) = (r.ue()?, r.ue()?, r.ue()?, r.ue()?);
        let (cx, cy) = match chroma {
            0 | 3 => (1, 2 - frame_mbs_only),
            1 => (2, 2 * (2 - frame_mbs_only)),
            _ => (2, 2 - frame_mbs_only),
        };
        w = w.checked_sub(cx * (l.checked_add(rt)?))?;
        h = h.checked_sub(cy * (t.checked_add(bt)?))?;
    }
    (w > 0 && h > 0).then_some((w, h))
}

/// SEI messages; returns true when an MDPM capture time was read.
fn sei(b: &[u8], md: &mut Metadata) -> bool {
    let mut at = 0usize;
    let mut found = false;
    while at < b.len() && b[at] != 0x80 {
        let value = |at: &mut usize| -> Option<usize> {
            let mut v = 0usize;
            loop {
                let c = *b.get(*at)?;
                *at += 1;
                v = v.checked_add(usize::from(c))?;
                if c != 0xff {
                    return Some(v);
                }
            }
        };
        let (Some(typ), Some(len)) = (value(&mut at), value(&mut at)) else {
            break;
        };
        let Some(p) = b.get(at..at.saturating_add(len)) else {
            break;
        };
        if typ == 5 && p.starts_with(&MDPM_UUID) && p.get(16..20) == Some(b"MDPM") {
            found |= mdpm(p.get(20..).unwrap_or(&[]), md);
        }
        at += len;
    }
    found
}

/// `MDPM`: a count, then 5-byte entries (tag, 4 data bytes). 0x18/0x19 hold the recording
/// date and time in BCD, the first byte of 0x18 the zone: 0x20 sign, 0x1e hours, 0x01 half an
/// hour, 0x40 daylight saving (the offset already includes it).
fn mdpm(b: &[u8], md: &mut Metadata) -> bool {
    let n = usize::from(*b.first().unwrap_or(&0));
    let mut date: Option<[u8; 4]> = None;
    let mut time: Option<[u8; 4]> = None;
    for e in b.get(1..).unwrap_or(&[]).chunks_exact(5).take(n) {
        let v = [e[1], e[2], e[3], e[4]];
        match e[0] {
            0x18 => date = Some(v),
            0x19 => time = Some(v),
            _ => {}
        }
    }
    let (Some(d), Some(t)) = (date, time) else {
        return false;
    };
    let bcd = |c: u8| -> Option<u32> {
        let (h, l) = (c >> 4, c & 0xf);
        (h < 10 && l < 10).then_some(u32::from(h) * 10 + u32::from(l))
    };
    let parts = || -> Option<chrono::NaiveDateTime> {
        let year = bcd(d[1])? * 100 + bcd(d[2])?;
        let date =
            chrono::NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, bcd(d[3])?, bcd(t[0])?)?;
        date.and_hms_opt(bcd(t[1])?, bcd(t[2])?, bcd(t[3])?)
    };
    let Some(local) = parts() else {
        md.warnings.push("MPEG-TS: unreadable MDPM date".into());
        return false;
    };
    let tz = d[0];
    let secs = i32::from((tz >> 1) & 0x0f) * 3600 + if tz & 1 != 0 { 1800 } else { 0 };
    let offset = if tz & 0x80 != 0 {
        None // "unused": no zone recorded
    } else {
        chrono::FixedOffset::east_opt(if tz & 0x20 != 0 { -secs } else { secs })
    };
    let time = crate::exif::make_time(local, offset);
    md.tags.insert(
        "H264:DateTimeOriginal".into(),
        TagValue::Text(local.format("%Y:%m:%d %H:%M:%S").to_string()),
    );
    if tz & 0x80 == 0 {
        md.tags.insert(
            "H264:DaylightSavings".into(),
            TagValue::Int(i64::from(tz & 0x40 != 0)),
        );
    }
    md.times.push(TimeCandidate {
        kind: TimeKind::Original,
        time,
        source: Source::Container,
    });
    matches!(
        time,
        CaptureTime::Zoned { .. } | CaptureTime::Floating { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_sync_packets_resync_or_stop() {
        // Two good packets, 5 junk bytes, two good packets: one resync, four packets seen.
        let mut b = Vec::new();
        let pkt = |pid: u8| {
            let mut p = vec![0x47, 0, pid, 0x10];
            p.resize(188, 0xff);
            p
        };
        b.extend(pkt(1));
        b.extend(pkt(2));
        b.extend([1, 2, 3, 4, 5]);
        b.extend(pkt(3));
        b.extend(pkt(4));
        let mut md = Metadata::default();
        let mut seen = Vec::new();
        let r = walk(&b, 188, 0, &mut md, 0, |p| {
            seen.push(p.pid);
            true
        });
        assert_eq!(r, Some(1));
        assert_eq!(seen, [1, 2, 3, 4]);
        assert!(md.warnings[0].contains("out of sync at byte 376"));
        // Nothing but junk after the first packet: stops, no panic, no loop.
        let mut b = pkt(1);
        b.extend(vec![0x47u8; 3]);
        b.extend(vec![0u8; 1000]);
        let mut md = Metadata::default();
        assert_eq!(walk(&b, 188, 0, &mut md, 0, |_| true), None);
        // Random bytes through the whole reader: an error or a result, never a panic.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for n in 0..200usize {
            let mut b: Vec<u8> = (0..(n * 37) % 3000)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            for i in (0..b.len()).step_by(188) {
                b[i] = 0x47;
            }
            let _ = crate::Reader::new().read_bytes(&b);
        }
    }

    #[test]
    fn sps_1080() {
        // High profile, 1920x1088 cropped to 1080, with emulation-prevention bytes (the SPS
        // of exiftool's M2TS.mts sample, a 2008 camcorder).
        let sps = [
            0x64, 0x00, 0x28, 0xad, 0x00, 0xec, 0x07, 0x80, 0x44, 0x7d, 0xe0, 0x22, 0x00, 0x00,
            0x03, 0x00, 0x02, 0x00, 0x00, 0x03, 0x00, 0x65, 0xd1, 0x40, 0x01, 0xe8, 0x48, 0x00,
        ];
        assert_eq!(sps_size(&rbsp(&sps)), Some((1920, 1080)));
        assert_eq!(sps_size(&[0x64, 0, 0x28]), None);
    }

    #[test]
    fn mdpm_time_and_zone() {
        let mut md = Metadata::default();
        // 2019-04-24 22:24:00, +02:00 with the DST flag.
        let b = [
            2, 0x18, 0x44, 0x20, 0x19, 0x04, 0x19, 0x24, 0x22, 0x24, 0x00,
        ];
        assert!(mdpm(&b, &mut md));
        let t = md.times[0].time;
        assert_eq!(t.offset().map(|o| o.local_minus_utc()), Some(7200));
        // Bad BCD: a warning, no time.
        let mut md = Metadata::default();
        let b = [
            2, 0x18, 0x44, 0x2f, 0x19, 0x04, 0x19, 0x24, 0x22, 0x24, 0x00,
        ];
        assert!(!mdpm(&b, &mut md));
        assert!(md.times.is_empty() && !md.warnings.is_empty());
    }
}
