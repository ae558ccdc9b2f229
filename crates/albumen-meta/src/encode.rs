//! Encoding EXIF (TIFF) and XMP blocks back to bytes.
//!
//! [`ExifBuilder`] makes a complete little- or big-endian TIFF structure (IFD0, EXIF IFD, GPS
//! IFD) from typed values — what a JPEG APP1 (after `Exif\0\0`), a PNG `eXIf` chunk, a WebP
//! `EXIF` chunk or a HEIF `Exif` item holds. [`XmpPacket`] makes an XMP packet from properties,
//! with the namespaces declared and values escaped. Both read back with this crate's reader to
//! the values they were given (property tests in `tests/encode.rs`). Editing a file's existing
//! blocks without disturbing their other content (maker-note offsets, unknown properties) is
//! `albumen-edit`'s job; these encoders make new blocks.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// A typed TIFF value.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ExifValue {
    /// ASCII text (a NUL terminator is added).
    Ascii(String),
    /// 8-bit unsigned values.
    Byte(Vec<u8>),
    /// 16-bit unsigned values.
    Short(Vec<u16>),
    /// 32-bit unsigned values.
    Long(Vec<u32>),
    /// Unsigned rationals (numerator, denominator).
    Rational(Vec<(u32, u32)>),
    /// Signed rationals.
    SRational(Vec<(i32, i32)>),
    /// Opaque bytes.
    Undefined(Vec<u8>),
}

impl ExifValue {
    fn typ(&self) -> u16 {
        match self {
            ExifValue::Byte(_) => 1,
            ExifValue::Ascii(_) => 2,
            ExifValue::Short(_) => 3,
            ExifValue::Long(_) => 4,
            ExifValue::Rational(_) => 5,
            ExifValue::Undefined(_) => 7,
            ExifValue::SRational(_) => 10,
        }
    }
    fn count(&self) -> usize {
        match self {
            ExifValue::Ascii(s) => s.len() + 1,
            ExifValue::Byte(v) | ExifValue::Undefined(v) => v.len(),
            ExifValue::Short(v) => v.len(),
            ExifValue::Long(v) => v.len(),
            ExifValue::Rational(v) => v.len(),
            ExifValue::SRational(v) => v.len(),
        }
    }
    fn bytes(&self, le: bool) -> Vec<u8> {
        let u16b = |x: u16| if le { x.to_le_bytes() } else { x.to_be_bytes() };
        let u32b = |x: u32| if le { x.to_le_bytes() } else { x.to_be_bytes() };
        match self {
            ExifValue::Ascii(s) => {
                let mut b = s.as_bytes().to_vec();
                b.push(0);
                b
            }
            ExifValue::Byte(v) | ExifValue::Undefined(v) => v.clone(),
            ExifValue::Short(v) => v.iter().flat_map(|&x| u16b(x)).collect(),
            ExifValue::Long(v) => v.iter().flat_map(|&x| u32b(x)).collect(),
            ExifValue::Rational(v) => v
                .iter()
                .flat_map(|&(n, d)| [u32b(n), u32b(d)])
                .flatten()
                .collect(),
            ExifValue::SRational(v) => v
                .iter()
                .flat_map(|&(n, d)| [u32b(n as u32), u32b(d as u32)])
                .flatten()
                .collect(),
        }
    }
}

/// Which directory a tag goes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ifd {
    /// The main image directory.
    Ifd0,
    /// The EXIF sub-IFD.
    Exif,
    /// The GPS sub-IFD.
    Gps,
}

/// Builds a TIFF/EXIF block.
///
/// ```
/// use albumen_meta::encode::{ExifBuilder, ExifValue, Ifd};
/// let block = ExifBuilder::new(true)
///     .set(Ifd::Ifd0, 0x010f, ExifValue::Ascii("Canon".into()))
///     .set(Ifd::Exif, 0x9003, ExifValue::Ascii("2024:03:10 12:00:00".into()))
///     .build()
///     .unwrap();
/// let md = albumen_meta::Reader::new().read_bytes(&block).unwrap();
/// assert_eq!(md.make.as_deref(), Some("Canon"));
/// assert!(md.capture.is_some());
/// ```
#[derive(Debug, Clone)]
pub struct ExifBuilder {
    le: bool,
    dirs: BTreeMap<Ifd, BTreeMap<u16, ExifValue>>,
}

/// Why a block could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The block would pass the 4 GB offsets of classic TIFF.
    #[error("EXIF block too large for 32-bit TIFF offsets")]
    TooLarge,
    /// A directory would hold more than 65535 entries.
    #[error("too many entries in one IFD")]
    TooManyEntries,
}

impl ExifBuilder {
    /// A builder for a little-endian (`II`, `true`) or big-endian (`MM`) block.
    pub fn new(little_endian: bool) -> Self {
        ExifBuilder {
            le: little_endian,
            dirs: BTreeMap::new(),
        }
    }

    /// Sets a tag (replacing any earlier value). Pointer tags (0x8769, 0x8825) are managed by
    /// the builder and ignored here.
    pub fn set(mut self, ifd: Ifd, tag: u16, value: ExifValue) -> Self {
        if !(ifd == Ifd::Ifd0 && matches!(tag, 0x8769 | 0x8825)) {
            self.dirs.entry(ifd).or_default().insert(tag, value);
        }
        self
    }

    /// Sets the GPS position (decimal degrees; altitude in metres), as EXIF writes it:
    /// degrees/minutes/seconds rationals with N/S/E/W references.
    pub fn gps(mut self, pos: crate::GpsPosition) -> Self {
        let dms = |v: f64| {
            let v = v.abs();
            let d = v.trunc();
            let m = ((v - d) * 60.0).trunc();
            let s = ((v - d) * 60.0 - m) * 60.0;
            vec![
                (d as u32, 1),
                (m as u32, 1),
                ((s * 1_000_000.0).round() as u32, 1_000_000),
            ]
        };
        let g = self.dirs.entry(Ifd::Gps).or_default();
        g.insert(0x0000, ExifValue::Byte(vec![2, 3, 0, 0]));
        g.insert(
            0x0001,
            ExifValue::Ascii(if pos.lat < 0.0 { "S" } else { "N" }.into()),
        );
        g.insert(0x0002, ExifValue::Rational(dms(pos.lat)));
        g.insert(
            0x0003,
            ExifValue::Ascii(if pos.lon < 0.0 { "W" } else { "E" }.into()),
        );
        g.insert(0x0004, ExifValue::Rational(dms(pos.lon)));
        if let Some(a) = pos.alt {
            g.insert(0x0005, ExifValue::Byte(vec![u8::from(a < 0.0)]));
            g.insert(
                0x0006,
                ExifValue::Rational(vec![((a.abs() * 1000.0).round() as u32, 1000)]),
            );
        }
        self
    }

    /// Encodes the block: header, IFD0, then the EXIF and GPS IFDs, values after each IFD.
    pub fn build(&self) -> Result<Vec<u8>, EncodeError> {
        let le = self.le;
        let mut out: Vec<u8> = if le {
            b"II*\0".to_vec()
        } else {
            b"MM\0*".to_vec()
        };
        out.extend(if le {
            8u32.to_le_bytes()
        } else {
            8u32.to_be_bytes()
        });
        let mut ifd0 = self.dirs.get(&Ifd::Ifd0).cloned().unwrap_or_default();
        let has = |i: Ifd| self.dirs.get(&i).is_some_and(|d| !d.is_empty());
        // Placeholders; patched once the sub-IFDs' offsets are known.
        if has(Ifd::Exif) {
            ifd0.insert(0x8769, ExifValue::Long(vec![0]));
        }
        if has(Ifd::Gps) {
            ifd0.insert(0x8825, ExifValue::Long(vec![0]));
        }
        let mut pointers = Vec::new();
        let ifd0_at = out.len();
        write_ifd(&mut out, &ifd0, le, &mut pointers)?;
        for (ifd, tag) in [(Ifd::Exif, 0x8769u16), (Ifd::Gps, 0x8825)] {
            if let Some(d) = self.dirs.get(&ifd).filter(|d| !d.is_empty()) {
                let at = u32::try_from(out.len()).map_err(|_| EncodeError::TooLarge)?;
                write_ifd(&mut out, d, le, &mut Vec::new())?;
                if let Some(&(_, slot)) = pointers.iter().find(|(t, _)| *t == tag) {
                    let b = if le {
                        at.to_le_bytes()
                    } else {
                        at.to_be_bytes()
                    };
                    out[slot..slot + 4].copy_from_slice(&b);
                }
            }
        }
        debug_assert_eq!(ifd0_at, 8);
        Ok(out)
    }
}

/// Writes one IFD (entries sorted by tag, next-IFD 0) and its out-of-line values; records where
/// each entry's value field sits.
fn write_ifd(
    out: &mut Vec<u8>,
    dir: &BTreeMap<u16, ExifValue>,
    le: bool,
    slots: &mut Vec<(u16, usize)>,
) -> Result<(), EncodeError> {
    let n = u16::try_from(dir.len()).map_err(|_| EncodeError::TooManyEntries)?;
    let u16b = |x: u16| if le { x.to_le_bytes() } else { x.to_be_bytes() };
    let u32b = |x: u32| if le { x.to_le_bytes() } else { x.to_be_bytes() };
    let start = out.len();
    let mut data_at = start + 2 + usize::from(n) * 12 + 4;
    data_at += data_at & 1;
    let mut data = Vec::new();
    out.extend(u16b(n));
    for (&tag, v) in dir {
        let bytes = v.bytes(le);
        let count = u32::try_from(v.count()).map_err(|_| EncodeError::TooLarge)?;
        out.extend(u16b(tag));
        out.extend(u16b(v.typ()));
        out.extend(u32b(count));
        slots.push((tag, out.len()));
        if bytes.len() <= 4 {
            let mut field = [0u8; 4];
            field[..bytes.len()].copy_from_slice(&bytes);
            out.extend(field);
        } else {
            let off = u32::try_from(data_at + data.len()).map_err(|_| EncodeError::TooLarge)?;
            out.extend(u32b(off));
            data.extend(&bytes);
            if data.len() % 2 == 1 {
                data.push(0);
            }
        }
    }
    out.extend(u32b(0));
    if out.len() % 2 == 1 {
        out.push(0);
    }
    out.extend(data);
    Ok(())
}

/// An XMP property value.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum XmpValue {
    /// A simple value.
    Text(String),
    /// An unordered array (`rdf:Bag`), e.g. `dc:subject`.
    Bag(Vec<String>),
    /// An ordered array (`rdf:Seq`).
    Seq(Vec<String>),
    /// A language alternative (`rdf:Alt` with `x-default`), e.g. `dc:title`.
    LangAlt(String),
}

/// Builds an XMP packet.
///
/// ```
/// use albumen_meta::encode::{XmpPacket, XmpValue};
/// let xmp = XmpPacket::new()
///     .set("xmp", "Rating", XmpValue::Text("4".into()))
///     .set("dc", "subject", XmpValue::Bag(vec!["paris".into(), "tower & sky".into()]))
///     .to_bytes();
/// let md = albumen_meta::Reader::new().read_bytes(&xmp).unwrap();
/// assert_eq!(md.rating.map(|r| r.get()), Some(4));
/// assert_eq!(md.keywords, ["paris", "tower & sky"]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct XmpPacket {
    props: BTreeMap<(String, String), XmpValue>,
    padding: usize,
}

/// Namespace URIs of the prefixes the packet builder knows.
pub const XMP_NAMESPACES: &[(&str, &str)] = &[
    ("xmp", "http://ns.adobe.com/xap/1.0/"),
    ("dc", "http://purl.org/dc/elements/1.1/"),
    ("exif", "http://ns.adobe.com/exif/1.0/"),
    ("tiff", "http://ns.adobe.com/tiff/1.0/"),
    ("photoshop", "http://ns.adobe.com/photoshop/1.0/"),
    ("lr", "http://ns.adobe.com/lightroom/1.0/"),
    ("xmpMM", "http://ns.adobe.com/xap/1.0/mm/"),
    ("GCamera", "http://ns.google.com/photos/1.0/camera/"),
];

fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            // Characters XML 1.0 cannot carry at all are dropped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => o.push(c),
        }
    }
    o
}

impl XmpPacket {
    /// An empty packet.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets a property; the prefix must be one of [`XMP_NAMESPACES`] (others are ignored).
    pub fn set(mut self, prefix: &str, name: &str, value: XmpValue) -> Self {
        if XMP_NAMESPACES.iter().any(|(p, _)| *p == prefix)
            && !name.is_empty()
            && name.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            self.props
                .insert((prefix.to_string(), name.to_string()), value);
        }
        self
    }
    /// Adds whitespace padding so the packet can later be edited in place (2 KB is customary).
    pub fn padding(mut self, bytes: usize) -> Self {
        self.padding = bytes;
        self
    }
    /// Encodes the packet (UTF-8, `<?xpacket?>` wrapper).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut s =
            String::from("<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n");
        s.push_str("<x:xmpmeta xmlns:x=\"adobe:ns:meta/\" x:xmptk=\"albumen\">\n");
        s.push_str(" <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n");
        s.push_str("  <rdf:Description rdf:about=\"\"");
        for (p, uri) in XMP_NAMESPACES {
            if self.props.keys().any(|(pp, _)| pp == p) {
                let _ = write!(s, "\n    xmlns:{p}=\"{uri}\"");
            }
        }
        s.push_str(">\n");
        for ((p, n), v) in &self.props {
            let _ = match v {
                XmpValue::Text(t) => writeln!(s, "   <{p}:{n}>{}</{p}:{n}>", escape(t)),
                XmpValue::LangAlt(t) => writeln!(
                    s,
                    "   <{p}:{n}><rdf:Alt><rdf:li xml:lang=\"x-default\">{}</rdf:li></rdf:Alt></{p}:{n}>",
                    escape(t)
                ),
                XmpValue::Bag(items) | XmpValue::Seq(items) => {
                    let kind = if matches!(v, XmpValue::Bag(_)) { "Bag" } else { "Seq" };
                    let _ = write!(s, "   <{p}:{n}><rdf:{kind}>");
                    for i in items {
                        let _ = write!(s, "<rdf:li>{}</rdf:li>", escape(i));
                    }
                    writeln!(s, "</rdf:{kind}></{p}:{n}>")
                }
            };
        }
        s.push_str("  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n");
        for _ in 0..self.padding / 100 {
            s.push_str(&" ".repeat(99));
            s.push('\n');
        }
        s.push_str("<?xpacket end=\"w\"?>");
        s.into_bytes()
    }
}
