//! Editing without a file system: bytes in memory ([`edit_bytes`], [`plan_bytes`]) and streams
//! ([`edit_stream`]). The same core as [`crate::apply`] (one parser and writer per format), so
//! the bytes are the ones `apply` would write on a path.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

use crate::container::{self, Kind};
use crate::edit::{self, Changes};
use crate::error::{Error, Result};
use crate::write::{self, Output, Piece};
use crate::{changed, in_file, Edit, Options, Plan, Report, Target};

/// Works out what `edits` would change in the file `input` (the whole file in memory), writing
/// nothing. [`Plan::path`] is empty.
///
/// Fails with [`Error::SidecarOnly`] for the formats edited through an XMP sidecar (camera raws,
/// GIF, AVI, ...), with [`Error::InvalidEdit`] when [`Options::sidecar`] is set (there is no
/// sidecar here), and with [`Error::TooLarge`] above [`Options::max_file_size`].
/// [`Options::in_place`] and [`Options::keep_mtime`] concern files and are not used here.
///
/// ```
/// use albumen_edit::{plan_bytes, Edit, Options};
/// # fn main() -> Result<(), albumen_edit::Error> {
/// // A JPEG with no metadata: SOI, a scan, EOI.
/// let jpeg = [0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02, 0x12, 0x34, 0xFF, 0xD9];
/// let p = plan_bytes(&jpeg, &[Edit::AddKeyword("beach".into())], &Options::default())?;
/// assert_eq!(p.changed, vec!["keywords"]);
/// assert!(p.before.keywords.is_empty());
/// # Ok(()) }
/// ```
pub fn plan_bytes(input: &[u8], edits: &[Edit], opts: &Options) -> Result<Plan> {
    Ok(core(input, edits, opts)?.0)
}

/// Applies `edits` to the file `input` (the whole file in memory) and returns the new file.
///
/// The result is byte for byte what [`crate::apply`] writes for the same file on a path, with
/// the same guarantees: only the metadata blocks change, image and media data are copied as
/// they are. When nothing changes, the input is returned as it is. Errors as for
/// [`plan_bytes`]; on error nothing is returned, so the caller's original stays as it was.
///
/// ```
/// use albumen_edit::{edit_bytes, plan_bytes, Edit, Options};
/// use albumen_meta::Rating;
/// # fn main() -> Result<(), albumen_edit::Error> {
/// let jpeg = [0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02, 0x12, 0x34, 0xFF, 0xD9];
/// let edits = [Edit::SetRating(Rating::new(5).unwrap()), Edit::AddKeyword("beach".into())];
/// let out = edit_bytes(&jpeg, &edits, &Options::default())?;
/// // The scan is untouched; the new values read back.
/// assert!(out.ends_with(&[0xFF, 0xDA, 0x00, 0x02, 0x12, 0x34, 0xFF, 0xD9]));
/// let again = plan_bytes(&out, &[], &Options::default())?;
/// assert_eq!(again.before.rating, Rating::new(5));
/// assert_eq!(again.before.keywords, vec!["beach".to_string()]);
/// // A GIF (like a camera raw) is edited through a sidecar: no new file bytes.
/// let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;";
/// assert!(matches!(
///     edit_bytes(gif, &edits, &Options::default()),
///     Err(albumen_edit::Error::SidecarOnly { format: "gif" })
/// ));
/// # Ok(()) }
/// ```
pub fn edit_bytes(input: &[u8], edits: &[Edit], opts: &Options) -> Result<Vec<u8>> {
    let (_, out) = core(input, edits, opts)?;
    let cap = out.as_ref().map_or(0, Output::len);
    match out {
        None => Ok(input.to_vec()),
        Some(Output::Whole(v)) => Ok(v),
        Some(Output::Pieces(ps)) => {
            let mut v = Vec::with_capacity(usize::try_from(cap).unwrap_or(0));
            let mut src = std::io::Cursor::new(input);
            write::write_pieces(
                &mut src,
                &ps,
                &mut v,
                &stream("input"),
                &stream("output"),
                &short,
            )?;
            Ok(v)
        }
    }
}

/// Applies `edits` to the file read from `input` and writes the new file to `output`, for
/// files too large to hold: a movie (MOV/MP4/3GP) is read without its media data (`mdat`),
/// which is copied from `input` to `output` in blocks, so a 4 GB video costs the memory of its
/// headers. Other formats are read whole (up to [`Options::max_file_size`]). Movies may be up
/// to 64 times [`Options::max_file_size`], as for [`crate::apply`].
///
/// `output` receives the whole new file, byte for byte what [`crate::apply`] would write (the
/// input copied as it is when nothing changes); `input` is only read. Returns the
/// [`Report`] ([`Report::file_bytes_written`] is what went to `output`, [`Plan::path`] is empty).
/// When this fails midway, `output` holds a partial file: write it somewhere temporary and
/// keep it only on success. Errors as for [`plan_bytes`], plus [`Error::Stream`].
///
/// Note: the movie is addressed as a buffer of the file's length where only the headers are
/// read; the unread rest costs address space, not memory (the system maps untouched zero
/// pages lazily), so on a 32-bit target a movie over 2 GB is read whole and refused.
///
/// ```
/// use albumen_edit::{edit_stream, Edit, Options};
/// use std::io::Cursor;
/// # fn main() -> Result<(), albumen_edit::Error> {
/// let jpeg = [0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02, 0x12, 0x34, 0xFF, 0xD9];
/// let mut out = Vec::new();
/// let r = edit_stream(Cursor::new(&jpeg[..]), &mut out, &[Edit::AddKeyword("x".into())], &Options::default())?;
/// assert_eq!(r.file_bytes_written, out.len() as u64);
/// assert_eq!(r.plan.changed, vec!["keywords"]);
/// # Ok(()) }
/// ```
pub fn edit_stream<R: Read + Seek, W: Write>(
    mut input: R,
    mut output: W,
    edits: &[Edit],
    opts: &Options,
) -> Result<Report> {
    let rerr = stream("input");
    let len = input.seek(SeekFrom::End(0)).map_err(&rerr)?;
    input.seek(SeekFrom::Start(0)).map_err(&rerr)?;
    let mut head = Vec::new();
    Read::by_ref(&mut input)
        .take(64)
        .read_to_end(&mut head)
        .map_err(&rerr)?;
    let mut sparse = None;
    if matches!(container::detect(&head), Kind::Movie(_)) {
        sparse = write::sparse(&mut input, len, opts.max_file_size, &rerr)?;
    }
    // Only a movie may be held sparsely (its unread `mdat` is zeros that must never be written).
    let original = match sparse {
        Some(o) if matches!(container::detect(&o.bytes), Kind::Movie(_)) => o,
        _ => {
            if len > opts.max_file_size {
                return Err(Error::TooLarge {
                    len,
                    limit: opts.max_file_size,
                });
            }
            input.seek(SeekFrom::Start(0)).map_err(&rerr)?;
            let mut bytes = Vec::new();
            Read::by_ref(&mut input)
                .take(len)
                .read_to_end(&mut bytes)
                .map_err(&rerr)?;
            if bytes.len() as u64 != len {
                return Err(short());
            }
            write::Original {
                bytes,
                loaded: None,
            }
        }
    };
    let (plan, out) = core_of(&original.bytes, edits, opts)?;
    let whole = [Piece::Src(0..len)];
    let n = match &out {
        None => write::write_pieces(
            &mut input,
            &whole,
            &mut output,
            &rerr,
            &stream("output"),
            &short,
        )?,
        Some(Output::Whole(v)) => {
            output.write_all(v).map_err(stream("output"))?;
            v.len() as u64
        }
        Some(Output::Pieces(ps)) => write::write_pieces(
            &mut input,
            ps,
            &mut output,
            &rerr,
            &stream("output"),
            &short,
        )?,
    };
    output.flush().map_err(stream("output"))?;
    let undo = edit::inverse(&plan.before, &plan.after);
    Ok(Report {
        plan,
        file_bytes_written: n,
        sidecar_bytes_written: 0,
        raw_dates_patched: 0,
        patched_in_place: false,
        undo,
    })
}

fn stream(side: &'static str) -> impl Fn(std::io::Error) -> Error {
    move |source| Error::Stream { side, source }
}

fn short() -> Error {
    Error::Stream {
        side: "input",
        source: std::io::ErrorKind::UnexpectedEof.into(),
    }
}

fn core(input: &[u8], edits: &[Edit], opts: &Options) -> Result<(Plan, Option<Output>)> {
    if input.len() as u64 > opts.max_file_size {
        return Err(Error::TooLarge {
            len: input.len() as u64,
            limit: opts.max_file_size,
        });
    }
    core_of(input, edits, opts)
}

/// The plan and the new file (`None`: unchanged) of the in-file edit of `bytes`.
fn core_of(bytes: &[u8], edits: &[Edit], opts: &Options) -> Result<(Plan, Option<Output>)> {
    let changes = Changes::from_edits(edits)?;
    if opts.sidecar {
        return Err(Error::InvalidEdit(
            "Options::sidecar: editing bytes or a stream writes no sidecar".into(),
        ));
    }
    let kind = container::detect(bytes);
    match kind {
        Kind::Raw(..) | Kind::SidecarOnly(_) => {
            return Err(Error::SidecarOnly {
                format: kind.name(),
            })
        }
        Kind::Unknown => return Err(Error::Unsupported("unrecognised format".into())),
        _ => {}
    }
    let mut notes = Vec::new();
    let (before, after, out, _) = in_file(kind, bytes, &changes, None, &mut notes)?;
    let plan = Plan {
        path: PathBuf::new(),
        format: kind.format(),
        format_name: kind.name(),
        target: Target::InFile,
        changed: changed(&before, &after),
        before,
        after,
        notes,
    };
    Ok((plan, out))
}
