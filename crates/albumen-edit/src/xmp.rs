//! XMP packets: read the properties the editor touches, and rewrite a packet by removing the
//! properties being replaced and adding one `rdf:Description` with their new values. Everything
//! else in the packet (other properties, other namespaces, comments, padding) is kept as text.

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

use crate::error::{Error, Result};

pub(crate) const NS_RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
pub(crate) const NS_XMP: &str = "http://ns.adobe.com/xap/1.0/";
pub(crate) const NS_DC: &str = "http://purl.org/dc/elements/1.1/";
pub(crate) const NS_EXIF: &str = "http://ns.adobe.com/exif/1.0/";
pub(crate) const NS_PHOTOSHOP: &str = "http://ns.adobe.com/photoshop/1.0/";
pub(crate) const NS_LR: &str = "http://ns.adobe.com/lightroom/1.0/";

/// Upper bound on packet size accepted for parsing (real packets are < 1 MB).
const MAX_PACKET: usize = 16 << 20;

/// A property value as far as the editor needs it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum XVal {
    /// Simple text (or the `x-default` item of a language alternative).
    Text(String),
    /// Array items (`rdf:Bag`/`rdf:Seq`).
    List(Vec<String>),
    /// A structure or anything else.
    Other,
}

#[derive(Debug, Clone)]
struct Desc {
    start: usize,
    end: usize,
    empty: bool,
    name: String,
    /// (raw key, raw escaped value, resolved namespace, local name)
    attrs: Vec<(String, String, Option<String>, String)>,
}

#[derive(Debug, Clone)]
struct Prop {
    ns: String,
    local: String,
    value: XVal,
    loc: Loc,
}

#[derive(Debug, Clone)]
enum Loc {
    Attr { desc: usize },
    Elem { start: usize, end: usize },
}

/// A parsed packet.
#[derive(Debug, Clone)]
pub(crate) struct Packet {
    text: String,
    descs: Vec<Desc>,
    props: Vec<Prop>,
    /// Offset of `</rdf:RDF>`.
    rdf_close: usize,
}

/// A property to write.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NewProp {
    pub ns: &'static str,
    pub prefix: &'static str,
    pub local: &'static str,
    pub kind: NewKind,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NewKind {
    Text(String),
    Bag(Vec<String>),
    Alt(String),
}

fn xerr(e: impl std::fmt::Display) -> Error {
    Error::Xmp(e.to_string())
}

fn ns_of(r: &ResolveResult) -> Option<String> {
    match r {
        ResolveResult::Bound(n) => Some(String::from_utf8_lossy(n.as_ref()).into_owned()),
        _ => None,
    }
}

impl Packet {
    pub(crate) fn parse(text: &str) -> Result<Packet> {
        // quick-xml skips a leading byte-order mark and counts positions after it; parse the
        // rest and move every position past the mark, so edits land where they belong.
        let Some(body) = text.strip_prefix('\u{FEFF}') else {
            return Packet::parse_body(text);
        };
        let k = text.len() - body.len();
        let mut p = Packet::parse_body(body)?;
        p.text = text.to_string();
        p.rdf_close += k;
        for d in &mut p.descs {
            d.start += k;
            d.end += k;
        }
        for x in &mut p.props {
            if let Loc::Elem { start, end } = &mut x.loc {
                *start += k;
                *end += k;
            }
        }
        Ok(p)
    }

    fn parse_body(text: &str) -> Result<Packet> {
        if text.len() > MAX_PACKET {
            return Err(Error::Xmp(format!("packet of {} bytes", text.len())));
        }
        let mut r = NsReader::from_str(text);
        r.config_mut().trim_text(false);
        // stack of (ns, local) for open elements
        let mut stack: Vec<(Option<String>, String)> = Vec::new();
        let mut descs = Vec::new();
        let mut props: Vec<Prop> = Vec::new();
        let mut rdf_close = None;
        // current property: index in props, its depth
        let mut cur: Option<(usize, usize)> = None;
        let mut text_acc = String::new();
        let mut items: Vec<String> = Vec::new();
        let mut in_li = false;
        let mut alt_default: Option<String> = None;
        let mut is_alt = false;
        let mut nested = false;
        loop {
            let p0 = r.buffer_position() as usize;
            let (res, ev) = r.read_resolved_event().map_err(xerr)?;
            let res_ns = ns_of(&res);
            let p1 = r.buffer_position() as usize;
            match ev {
                Event::Eof => break,
                Event::Start(ref e) | Event::Empty(ref e) => {
                    let empty = matches!(ev, Event::Empty(_));
                    let ns = res_ns;
                    let local = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                    let depth = stack.len();
                    let parent_is_rdf = stack
                        .last()
                        .is_some_and(|(n, l)| n.as_deref() == Some(NS_RDF) && l == "RDF");
                    let parent_is_desc = depth >= 2
                        && stack.last().is_some_and(|(n, l)| {
                            n.as_deref() == Some(NS_RDF) && l == "Description"
                        })
                        && stack
                            .get(depth - 2)
                            .is_some_and(|(n, l)| n.as_deref() == Some(NS_RDF) && l == "RDF");
                    if parent_is_rdf && ns.as_deref() == Some(NS_RDF) && local == "Description" {
                        let mut attrs = Vec::new();
                        for a in e.attributes().with_checks(false) {
                            let a = a.map_err(xerr)?;
                            let (rn, ln) = r.resolve_attribute(a.key);
                            attrs.push((
                                String::from_utf8_lossy(a.key.as_ref()).into_owned(),
                                String::from_utf8_lossy(&a.value).into_owned(),
                                ns_of(&rn),
                                String::from_utf8_lossy(ln.as_ref()).into_owned(),
                            ));
                        }
                        let di = descs.len();
                        for (key, raw, ns, local) in &attrs {
                            let skip = key.starts_with("xmlns")
                                || ns.as_deref() == Some(NS_RDF)
                                || key.starts_with("xml:")
                                || ns.is_none();
                            if !skip {
                                let v = quick_xml::escape::unescape(raw)
                                    .map(|c| c.into_owned())
                                    .unwrap_or_else(|_| raw.clone());
                                props.push(Prop {
                                    ns: ns.clone().unwrap_or_default(),
                                    local: local.clone(),
                                    value: XVal::Text(v),
                                    loc: Loc::Attr { desc: di },
                                });
                            }
                        }
                        descs.push(Desc {
                            start: p0,
                            end: p1,
                            empty,
                            name: String::from_utf8_lossy(e.name().as_ref()).into_owned(),
                            attrs,
                        });
                    } else if parent_is_desc && cur.is_none() {
                        let mut value = XVal::Text(String::new());
                        if empty {
                            value = XVal::Other;
                            for a in e.attributes().with_checks(false).flatten() {
                                if a.key.as_ref().ends_with(b"resource") {
                                    value =
                                        XVal::Text(String::from_utf8_lossy(&a.value).into_owned());
                                }
                            }
                        }
                        props.push(Prop {
                            ns: ns.clone().unwrap_or_default(),
                            local: local.clone(),
                            value,
                            loc: Loc::Elem { start: p0, end: p1 },
                        });
                        if !empty {
                            cur = Some((props.len() - 1, depth));
                            text_acc.clear();
                            items.clear();
                            in_li = false;
                            alt_default = None;
                            is_alt = false;
                            nested = false;
                        }
                    } else if let Some((_, d)) = cur {
                        let is_rdf = ns.as_deref() == Some(NS_RDF);
                        if depth == d + 1 && is_rdf && (local == "Bag" || local == "Seq") {
                        } else if depth == d + 1 && is_rdf && local == "Alt" {
                            is_alt = true;
                        } else if depth == d + 2 && is_rdf && local == "li" {
                            in_li = !empty;
                            text_acc.clear();
                            if is_alt {
                                let lang = e
                                    .attributes()
                                    .with_checks(false)
                                    .flatten()
                                    .find(|a| a.key.as_ref() == b"xml:lang")
                                    .map(|a| String::from_utf8_lossy(&a.value).into_owned());
                                if lang.as_deref() == Some("x-default") || alt_default.is_none() {
                                    alt_default = Some(String::new());
                                }
                            }
                            if empty {
                                items.push(String::new());
                            }
                        } else {
                            nested = true;
                        }
                    }
                    if !empty {
                        stack.push((ns, local));
                    }
                }
                Event::Text(ref t) if cur.is_some() => {
                    let s = t.unescape().map_err(xerr)?;
                    text_acc.push_str(&s);
                }
                Event::CData(ref t) if cur.is_some() => {
                    text_acc.push_str(&String::from_utf8_lossy(t));
                }
                Event::End(_) => {
                    let depth = stack.len();
                    let top = stack.pop();
                    if let Some((pi, d)) = cur {
                        if depth == d + 1 {
                            // property closes
                            let value = if nested {
                                XVal::Other
                            } else if is_alt {
                                XVal::Text(alt_default.take().unwrap_or_default())
                            } else if !items.is_empty() {
                                XVal::List(std::mem::take(&mut items))
                            } else {
                                XVal::Text(text_acc.trim().to_string())
                            };
                            if let Some(p) = props.get_mut(pi) {
                                p.value = value;
                                if let Loc::Elem { end, .. } = &mut p.loc {
                                    *end = p1;
                                }
                            }
                            cur = None;
                        } else if depth == d + 3 && in_li {
                            let s = text_acc.trim().to_string();
                            if is_alt {
                                if alt_default.as_deref() == Some("") {
                                    alt_default = Some(s);
                                }
                            } else {
                                items.push(s);
                            }
                            in_li = false;
                        }
                    }
                    if let Some((n, l)) = top {
                        if n.as_deref() == Some(NS_RDF) && l == "RDF" && rdf_close.is_none() {
                            rdf_close = Some(p0);
                        }
                    }
                }
                _ => {}
            }
        }
        let Some(rdf_close) = rdf_close else {
            // `<x:xmpmeta xmlns:x="adobe:ns:meta/"/>` (what some tools leave as an empty
            // sidecar) is an empty XMP document: edit it as a new, empty packet.
            if descs.is_empty()
                && props.is_empty()
                && text.contains("xmpmeta")
                && !text.contains("RDF")
            {
                return Packet::parse_body(&new_packet(&[]));
            }
            return Err(Error::Xmp("no </rdf:RDF>".into()));
        };
        Ok(Packet {
            text: text.to_string(),
            descs,
            props,
            rdf_close,
        })
    }

    pub(crate) fn get(&self, ns: &str, local: &str) -> Option<&XVal> {
        self.props
            .iter()
            .find(|p| p.ns == ns && p.local == local)
            .map(|p| &p.value)
    }

    /// The (namespace, local name) of every property.
    pub(crate) fn names(&self) -> impl Iterator<Item = (&str, &str)> {
        self.props.iter().map(|p| (p.ns.as_str(), p.local.as_str()))
    }

    pub(crate) fn has(&self, ns: &str, local: &str) -> bool {
        self.get(ns, local).is_some()
    }

    pub(crate) fn text(&self, ns: &str, local: &str) -> Option<String> {
        match self.get(ns, local)? {
            XVal::Text(t) => Some(t.clone()),
            XVal::List(v) => v.first().cloned(),
            XVal::Other => None,
        }
    }

    pub(crate) fn list(&self, ns: &str, local: &str) -> Vec<String> {
        match self.get(ns, local) {
            Some(XVal::List(v)) => v.clone(),
            Some(XVal::Text(t)) if !t.is_empty() => vec![t.clone()],
            _ => Vec::new(),
        }
    }

    /// The packet with the `remove` properties deleted and the `add` ones appended in a new
    /// `rdf:Description`. When the packet has trailing padding (`<?xpacket end`), it absorbs
    /// the growth where it can, so the packet keeps its size.
    pub(crate) fn rewrite(&self, remove: &[(&str, &str)], add: &[NewProp]) -> String {
        let gone = |ns: &str, l: &str| {
            remove.iter().any(|(n, x)| *n == ns && *x == l)
                || add.iter().any(|p| p.ns == ns && p.local == l)
        };
        // (start, end, replacement)
        let mut cuts: Vec<(usize, usize, String)> = Vec::new();
        for (di, d) in self.descs.iter().enumerate() {
            let drop_any = self.props.iter().any(|p| {
                matches!(p.loc, Loc::Attr { desc } if desc == di) && gone(&p.ns, &p.local)
            });
            if drop_any {
                let mut s = format!("<{}", d.name);
                for (key, raw, ns, local) in &d.attrs {
                    let is_prop = !(key.starts_with("xmlns")
                        || ns.as_deref() == Some(NS_RDF)
                        || key.starts_with("xml:")
                        || ns.is_none());
                    if is_prop && gone(ns.as_deref().unwrap_or(""), local) {
                        continue;
                    }
                    s.push_str(&format!(" {}=\"{}\"", key, raw.replace('"', "&quot;")));
                }
                s.push_str(if d.empty { "/>" } else { ">" });
                cuts.push((d.start, d.end, s));
            }
        }
        for p in &self.props {
            if let Loc::Elem { start, end } = p.loc {
                if gone(&p.ns, &p.local) {
                    // take the indentation before the element with it
                    let before = self.text.get(..start).unwrap_or("");
                    let ws = before.len() - before.trim_end_matches([' ', '\t']).len();
                    let mut s = start - ws;
                    if before[..s].ends_with('\n') {
                        s -= 1;
                    }
                    cuts.push((s, end, String::new()));
                }
            }
        }
        if !add.is_empty() {
            // All descriptions of a packet must share one `rdf:about`.
            let about = self
                .descs
                .first()
                .and_then(|d| {
                    d.attrs.iter().find(|(k, _, ns, l)| {
                        l == "about" && (ns.as_deref() == Some(NS_RDF) || k == "about")
                    })
                })
                .map(|a| a.1.clone())
                .unwrap_or_default();
            cuts.push((self.rdf_close, self.rdf_close, description(add, &about)));
        }
        cuts.sort_by_key(|c| (c.0, c.1));
        let mut out = String::with_capacity(self.text.len() + 1024);
        let mut at = 0;
        for (s, e, rep) in cuts {
            if s < at {
                continue;
            }
            out.push_str(&self.text[at..s]);
            out.push_str(&rep);
            at = e;
        }
        out.push_str(&self.text[at..]);
        keep_size(&out, self.text.len())
    }
}

/// Shrinks or grows the whitespace padding before `<?xpacket end` so the packet keeps `target`
/// bytes when possible (keeping at least a newline).
fn keep_size(s: &str, target: usize) -> String {
    let Some(end) = s.rfind("<?xpacket end") else {
        return s.to_string();
    };
    let head = &s[..end];
    let body = head.trim_end_matches([' ', '\n', '\r', '\t']);
    let pad = head.len() - body.len();
    if s.len() > target {
        let over = s.len() - target;
        if pad > over {
            let mut o = String::with_capacity(target);
            o.push_str(body);
            o.push_str(&head[body.len()..head.len() - over]);
            o.push_str(&s[end..]);
            return o;
        }
    } else if s.len() < target && pad > 0 {
        let under = target - s.len();
        let mut o = String::with_capacity(target);
        o.push_str(head);
        for i in 0..under {
            o.push(if i % 100 == 99 { '\n' } else { ' ' });
        }
        o.push_str(&s[end..]);
        return o;
    }
    s.to_string()
}

fn esc(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

fn description(add: &[NewProp], about: &str) -> String {
    let mut nss: Vec<(&str, &str)> = Vec::new();
    for p in add {
        if !nss.iter().any(|(pre, _)| *pre == p.prefix) {
            nss.push((p.prefix, p.ns));
        }
    }
    let mut s = format!(
        " <rdf:Description rdf:about=\"{}\"",
        about.replace('"', "&quot;")
    );
    for (pre, ns) in nss {
        s.push_str(&format!("\n    xmlns:{pre}=\"{ns}\""));
    }
    s.push('>');
    for p in add {
        let q = format!("{}:{}", p.prefix, p.local);
        match &p.kind {
            NewKind::Text(t) => s.push_str(&format!("\n  <{q}>{}</{q}>", esc(t))),
            NewKind::Bag(v) => {
                s.push_str(&format!("\n  <{q}>\n   <rdf:Bag>"));
                for i in v {
                    s.push_str(&format!("\n    <rdf:li>{}</rdf:li>", esc(i)));
                }
                s.push_str(&format!("\n   </rdf:Bag>\n  </{q}>"));
            }
            NewKind::Alt(t) => s.push_str(&format!(
                "\n  <{q}>\n   <rdf:Alt>\n    <rdf:li xml:lang=\"x-default\">{}</rdf:li>\n   </rdf:Alt>\n  </{q}>",
                esc(t)
            )),
        }
    }
    s.push_str("\n </rdf:Description>\n");
    s
}

/// A new packet holding only `add` (with 2 KB of padding so later edits can stay in place).
pub(crate) fn new_packet(add: &[NewProp]) -> String {
    let mut s = String::from(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n<x:xmpmeta xmlns:x=\"adobe:ns:meta/\" x:xmptk=\"albumen\">\n <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n",
    );
    s.push_str(&description(add, ""));
    s.push_str(" </rdf:RDF>\n</x:xmpmeta>\n");
    for _ in 0..20 {
        s.push_str(&" ".repeat(99));
        s.push('\n');
    }
    s.push_str("<?xpacket end=\"w\"?>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &str = r#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmp:Rating="2" xmp:CreatorTool="Cam &amp; Co">
   <dc:subject>
    <rdf:Bag>
     <rdf:li>a</rdf:li>
     <rdf:li>b &lt;c&gt;</rdf:li>
    </rdf:Bag>
   </dc:subject>
   <dc:title><rdf:Alt><rdf:li xml:lang="en">E</rdf:li><rdf:li xml:lang="x-default">T</rdf:li></rdf:Alt></dc:title>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
                                                  
<?xpacket end="w"?>"#;

    #[test]
    fn reads_values() {
        let p = Packet::parse(P).unwrap();
        assert_eq!(p.text(NS_XMP, "Rating").as_deref(), Some("2"));
        assert_eq!(p.text(NS_XMP, "CreatorTool").as_deref(), Some("Cam & Co"));
        assert_eq!(p.list(NS_DC, "subject"), vec!["a", "b <c>"]);
        assert_eq!(p.text(NS_DC, "title").as_deref(), Some("T"));
    }

    #[test]
    fn rewrite_replaces_and_keeps_the_rest() {
        let p = Packet::parse(P).unwrap();
        let add = vec![
            NewProp {
                ns: NS_XMP,
                prefix: "xmp",
                local: "Rating",
                kind: NewKind::Text("4".into()),
            },
            NewProp {
                ns: NS_DC,
                prefix: "dc",
                local: "subject",
                kind: NewKind::Bag(vec!["a".into(), "b <c>".into(), "z".into()]),
            },
        ];
        let out = p.rewrite(&[], &add);
        let q = Packet::parse(&out).unwrap();
        assert_eq!(q.text(NS_XMP, "Rating").as_deref(), Some("4"));
        assert_eq!(q.text(NS_XMP, "CreatorTool").as_deref(), Some("Cam & Co"));
        assert_eq!(q.list(NS_DC, "subject"), vec!["a", "b <c>", "z"]);
        assert_eq!(q.text(NS_DC, "title").as_deref(), Some("T"));
        assert_eq!(q.props.iter().filter(|p| p.local == "Rating").count(), 1);
    }

    #[test]
    fn a_byte_order_mark_does_not_shift_the_edit() {
        // Regression: quick-xml counts positions after a BOM; the new properties were spliced
        // 3 bytes early, cutting `</rdf:Description>` (corpus `Issue 204 (dotnet).png`).
        let text = format!("\u{FEFF}{P}");
        let p = Packet::parse(&text).unwrap();
        let add = vec![NewProp {
            ns: NS_XMP,
            prefix: "xmp",
            local: "Rating",
            kind: NewKind::Text("4".into()),
        }];
        let out = p.rewrite(&[], &add);
        assert!(out.starts_with('\u{FEFF}'));
        let q = Packet::parse(&out).unwrap();
        assert_eq!(q.text(NS_XMP, "Rating").as_deref(), Some("4"));
        assert_eq!(q.text(NS_XMP, "CreatorTool").as_deref(), Some("Cam & Co"));
        assert_eq!(q.list(NS_DC, "subject"), vec!["a", "b <c>"]);
    }

    #[test]
    fn padding_absorbs_growth() {
        let add = |v: &str| {
            vec![NewProp {
                ns: NS_XMP,
                prefix: "xmp",
                local: "Label",
                kind: NewKind::Text(v.into()),
            }]
        };
        let first = new_packet(&add("a"));
        let p = Packet::parse(&first).unwrap();
        let out = p.rewrite(&[], &add("a much longer label than before"));
        assert_eq!(out.len(), first.len());
        let q = Packet::parse(&out).unwrap();
        assert_eq!(
            q.text(NS_XMP, "Label").as_deref(),
            Some("a much longer label than before")
        );
    }

    #[test]
    fn an_empty_xmpmeta_is_an_empty_packet() {
        for t in [
            "<x:xmpmeta xmlns:x='adobe:ns:meta/'/>",
            "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n</x:xmpmeta>",
        ] {
            let p = Packet::parse(t).unwrap_or_else(|e| panic!("{t}: {e}"));
            assert!(p.props.is_empty(), "{t}");
            assert!(
                p.text[p.rdf_close..].trim_start().starts_with("</rdf:RDF>"),
                "{t}"
            );
        }
        // Not XMP at all stays an error.
        assert!(Packet::parse("<html/>").is_err());
    }

    #[test]
    fn new_packet_parses() {
        let add = vec![NewProp {
            ns: NS_XMP,
            prefix: "xmp",
            local: "Rating",
            kind: NewKind::Text("5".into()),
        }];
        let p = Packet::parse(&new_packet(&add)).unwrap();
        assert_eq!(p.text(NS_XMP, "Rating").as_deref(), Some("5"));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for n in 0..P.len() {
            if let Some(s) = P.get(..n) {
                let _ = Packet::parse(s);
            }
        }
        assert!(Packet::parse("<a><b></a>").is_err());
    }
}
