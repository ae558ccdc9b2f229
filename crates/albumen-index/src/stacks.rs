//! Stacks over the index, with `albumen-live`: RAW+JPEG twins, edited versions, bursts.
//!
//! A stack is stored as rows of `pairs` whose `method` is `stack-<kind>` (`stack-raw-jpeg`,
//! `stack-edited`, `stack-burst`): `still_file_id` is the stack's face, `video_file_id` one
//! other member. Everything that already keeps a Live Photo's video with its still (the
//! `items` view, the day and map counts, export, sync, archive) therefore keeps a stack's
//! members with its face: the stack is one item. The `items` view and the web page tell the
//! two apart by `method` (a stack's face keeps its own kind).
//!
//! Stacks never span folders, so they are computed folder by folder, only in folders that may
//! hold one (a raw file, an Apple burst identifier, an edited or burst name), from the stored
//! columns: nothing under the roots is opened again. The user's choices (`stack_choices`: this
//! file is its stack's face; this file's stack is split) survive rescans.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use crate::db::{params, Connection, OptionalExtension};
use albumen_live::{StackKind, Stacker};
use albumen_meta::{Metadata, Source, Sourced};

use crate::index::{db_err, Index};
use crate::pairs::{capture_of, path_of};
use crate::Result;

/// The `method` prefix of a stack's rows in `pairs`.
pub const STACK_METHOD_PREFIX: &str = "stack-";

/// SQL condition true for a `pairs` row (aliased `p`) that is a Live Photo pair, not a stack.
pub const LIVE_PAIR: &str = "p.method NOT LIKE 'stack-%'";

/// Rows loaded and stacked at once (whole folders; more only when one folder is larger).
const STACK_BATCH: usize = 4096;

/// Candidate folders whose files are read by one query.
const STACK_DIRS: usize = 64;

/// Folders that may hold a stack: a raw file (by kind or by extension: a raw the reader takes
/// for a TIFF is still a raw), an Apple burst identifier, or a name that marks an edited version
/// or a burst (`LIKE` is case-insensitive for ASCII).
fn candidate_dirs() -> String {
    let raw_exts: Vec<String> = albumen_live::RAW_EXTENSIONS
        .iter()
        .map(|e| format!("'.{e}'"))
        .collect();
    // Cheapest tests first (SQLite stops at the first true one); the `LIKE`s of edited names
    // only for paths holding a '-'. `path_text`, not the `name` BLOB: `LIKE` on a BLOB is not
    // case-insensitive.
    format!(
        "SELECT DISTINCT dir_id FROM files WHERE library_id = ?1 \
         AND error_reason IS NULL AND (kind = 'raw' OR burst_id IS NOT NULL \
         OR lower(substr(path_text, -4)) IN ({}) \
         OR path_text LIKE '%/IMG^_E%' ESCAPE '^' OR path_text LIKE '%burst%' \
         OR (instr(path_text, '-') > 0 AND (path_text LIKE '%-edited.%' \
         OR path_text LIKE '%-bearbeitet.%' OR path_text LIKE '%-modifi%' \
         OR path_text LIKE '%-editado.%' OR path_text LIKE '%-bewerkt.%' \
         OR path_text LIKE '%-redigerad.%' OR path_text LIKE '%-muokattu.%')))",
        raw_exts.join(", ")
    )
}

/// One member of a stack as the web page shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct StackMember {
    /// The file's id (`files.id`).
    pub file_id: i64,
    /// Its path (lossy text).
    pub path: String,
    /// Its kind (`photo`, `raw`, ...).
    pub kind: Option<String>,
    /// Whether it is the stack's face (the item shown).
    pub face: bool,
}

/// A stack as the index holds it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct StackInfo {
    /// `raw-jpeg`, `edited` or `burst`.
    pub kind: String,
    /// The face's file id (the item's id).
    pub face: i64,
    /// Every member, the face first.
    pub members: Vec<StackMember>,
    /// Why the files were stacked (text, `; `-separated).
    pub evidence: String,
}

/// Recomputes the stacks of a library (after [`crate::pairs::rebuild_pairs`] removed every
/// `pairs` row of it and made the Live Photo pairs). Returns how many stacks it stored.
pub(crate) fn rebuild_stacks(c: &Connection, library_id: i64) -> crate::db::Result<u64> {
    c.execute(
        "DELETE FROM stack_choices WHERE NOT EXISTS \
         (SELECT 1 FROM files f WHERE f.id = stack_choices.file_id)",
        [],
    )?;
    let choices: HashMap<i64, String> = {
        let mut st = c.prepare(
            "SELECT s.file_id, s.choice FROM stack_choices s JOIN files f ON f.id = s.file_id \
             WHERE f.library_id = ?1",
        )?;
        let rows = st.query_map([library_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<crate::db::Result<_>>()?
    };
    // The candidate folders first, then their files a few folders at a time: PostgreSQL hands
    // back a statement's rows all at once, and a whole library's would grow with it.
    let dirs: Vec<i64> = {
        let mut st = c.prepare(&format!("{} ORDER BY 1", candidate_dirs()))?;
        let rows = st.query_map([library_id], |r| r.get(0))?;
        rows.collect::<crate::db::Result<_>>()?
    };
    let slots: Vec<String> = (0..STACK_DIRS).map(|i| format!("?{}", i + 2)).collect();
    let mut st = c.prepare(&format!(
        "SELECT f.id, f.path, f.format, f.content_id, f.burst_id, f.make, f.model, \
         f.capture_kind, f.capture_local, f.capture_utc, f.capture_offset_s, f.dir_id, \
         EXISTS (SELECT 1 FROM pairs p WHERE p.still_file_id = f.id) \
         OR EXISTS (SELECT 1 FROM pairs p WHERE p.video_file_id = f.id) \
         FROM files f WHERE f.library_id = ?1 AND f.error_reason IS NULL \
         AND f.kind IN ('photo', 'raw') AND f.dir_id IN ({}) \
         ORDER BY f.dir_id, f.id",
        slots.join(", ")
    ))?;
    let mut insert = c.prepare(
        "INSERT INTO pairs (library_id, still_file_id, video_file_id, method, confidence, evidence) \
         VALUES (?1, ?2, ?3, ?4, NULL, ?5)",
    )?;
    let mut batch: Vec<Loaded> = Vec::new();
    let mut last_dir = None;
    let mut stored = 0u64;
    let mut flush = |batch: &mut Vec<Loaded>| -> crate::db::Result<()> {
        stored += stack_batch(batch, &choices, |face, member, method, evidence| {
            insert
                .execute(params![library_id, face, member, method, evidence])
                .map(|_| ())
        })?;
        batch.clear();
        Ok(())
    };
    for chunk in dirs.chunks(STACK_DIRS) {
        // A short last chunk repeats its last folder in the free places.
        let args: Vec<i64> = std::iter::once(library_id)
            .chain((0..STACK_DIRS).map(|i| chunk.get(i).or(chunk.last()).copied().unwrap_or(0)))
            .collect();
        let mut rows = st.query(crate::db::params_from_iter(args.iter()))?;
        while let Some(r) = rows.next()? {
            let dir: i64 = r.get(11)?;
            if last_dir != Some(dir) && batch.len() >= STACK_BATCH {
                flush(&mut batch)?;
            }
            last_dir = Some(dir);
            let mut m = Metadata::default();
            m.format = r
                .get::<_, Option<String>>(2)?
                .map(|f| crate::pairs::format_of(&f));
            m.content_id = r.get(3)?;
            m.burst_id = r.get(4)?;
            m.make = r.get(5)?;
            m.model = r.get(6)?;
            let kind: Option<String> = r.get(7)?;
            let local: Option<String> = r.get(8)?;
            let utc: Option<String> = r.get(9)?;
            m.capture = capture_of(
                kind.as_deref(),
                local.as_deref(),
                utc.as_deref(),
                r.get(10)?,
            )
            .map(|t| Sourced::new(t, Source::Container));
            batch.push(Loaded {
                id: r.get(0)?,
                path: path_of(r.get(1)?),
                meta: m,
                in_pair: r.get(12)?,
            });
        }
    }
    flush(&mut batch)?;
    Ok(stored)
}

struct Loaded {
    id: i64,
    path: PathBuf,
    meta: Metadata,
    in_pair: bool,
}

/// Stacks one batch of whole folders and stores each stack through `store(face, member,
/// method, evidence)`, honouring the user's choices. Returns the number of stacks.
fn stack_batch(
    batch: &[Loaded],
    choices: &HashMap<i64, String>,
    mut store: impl FnMut(i64, i64, &str, &str) -> crate::db::Result<()>,
) -> crate::db::Result<u64> {
    if batch.len() < 2 {
        return Ok(0);
    }
    let ids: HashMap<&std::path::Path, (i64, bool)> = batch
        .iter()
        .map(|l| (l.path.as_path(), (l.id, l.in_pair)))
        .collect();
    let stacks = Stacker::default()
        .stack_with(batch.iter().map(|l| (l.path.as_path(), &l.meta)), |p| {
            ids.get(p).is_some_and(|x| x.1)
        });
    let mut n = 0;
    for s in stacks {
        let members: Vec<i64> = s
            .members
            .iter()
            .filter_map(|p| ids.get(p.as_path()).map(|x| x.0))
            .collect();
        if members.len() < 2
            || members
                .iter()
                .any(|id| choices.get(id).map(String::as_str) == Some("split"))
        {
            continue;
        }
        let Some(&default_face) = ids.get(s.face.as_path()).map(|x| &x.0) else {
            continue;
        };
        // The user's pick (a file currently in a Live Photo pair cannot be a face: its video
        // would be left out).
        let face = members
            .iter()
            .copied()
            .find(|id| choices.get(id).map(String::as_str) == Some("face"))
            .unwrap_or(default_face);
        let method = format!("{STACK_METHOD_PREFIX}{}", s.kind);
        let evidence: Vec<String> = s.evidence.iter().map(|e| e.to_string()).collect();
        let evidence = evidence.join("; ");
        for &m in members.iter().filter(|&&m| m != face) {
            store(face, m, &method, &evidence)?;
        }
        n += 1;
    }
    Ok(n)
}

impl Index {
    /// The stack whose member (face or not) is file `file_id`, if any.
    pub fn stack_of(&self, file_id: i64) -> Result<Option<StackInfo>> {
        let c = self.connection();
        let dberr = db_err(self.path());
        let face: Option<(i64, String, String)> = c
            .query_row(
                "SELECT still_file_id, method, evidence FROM pairs \
                 WHERE (still_file_id = ?1 OR video_file_id = ?1) AND method LIKE 'stack-%' \
                 LIMIT 1",
                [file_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(&dberr)?;
        let Some((face, method, evidence)) = face else {
            return Ok(None);
        };
        let mut st = c
            .prepare_cached(
                "SELECT f.id, f.path_text, f.kind FROM files f WHERE f.id = ?1 UNION ALL \
                 SELECT * FROM (SELECT f.id, f.path_text, f.kind FROM pairs p \
                 JOIN files f ON f.id = p.video_file_id \
                 WHERE p.still_file_id = ?1 AND p.method LIKE 'stack-%' ORDER BY f.path_text)",
            )
            .map_err(&dberr)?;
        let members = st
            .query_map([face], |r| {
                let id: i64 = r.get(0)?;
                Ok(StackMember {
                    file_id: id,
                    path: r.get(1)?,
                    kind: r.get(2)?,
                    face: id == face,
                })
            })
            .map_err(&dberr)?
            .collect::<crate::db::Result<Vec<_>>>()
            .map_err(&dberr)?;
        Ok(Some(StackInfo {
            kind: method
                .strip_prefix(STACK_METHOD_PREFIX)
                .unwrap_or(&method)
                .to_owned(),
            face,
            members,
            evidence,
        }))
    }

    /// The other members of the stack whose face is `face_id` (empty when it is no stack's
    /// face): what an edit of the item's time or place must also change.
    pub fn stack_members(&self, face_id: i64) -> Result<Vec<i64>> {
        let dberr = db_err(self.path());
        let mut st = self
            .connection()
            .prepare_cached(
                "SELECT video_file_id FROM pairs WHERE still_file_id = ?1 \
                 AND method LIKE 'stack-%' ORDER BY video_file_id",
            )
            .map_err(&dberr)?;
        let ids = st
            .query_map([face_id], |r| r.get(0))
            .map_err(&dberr)?
            .collect::<crate::db::Result<Vec<i64>>>()
            .map_err(&dberr)?;
        Ok(ids)
    }

    /// Makes member `file_id` the face of its stack (kept across rescans). Returns false when
    /// the file is in no stack.
    pub fn set_stack_face(&self, file_id: i64) -> Result<bool> {
        self.change_stack(file_id, Some("face"))
    }

    /// Splits the stack holding `file_id` into its files (kept across rescans). Returns false
    /// when the file is in no stack.
    pub fn split_stack(&self, file_id: i64) -> Result<bool> {
        self.change_stack(file_id, Some("split"))
    }

    /// Forgets the user's choices for the stack holding `file_id` (a split stack's files are
    /// stacked again by the next [`Index::restack`]).
    pub fn clear_stack_choices(&self, file_id: i64) -> Result<()> {
        let path = self.path().to_path_buf();
        let dberr = db_err(&path);
        let lib: Option<i64> = self
            .connection()
            .query_row(
                "SELECT library_id FROM files WHERE id = ?1",
                [file_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(&dberr)?;
        self.connection()
            .execute("DELETE FROM stack_choices WHERE file_id = ?1", [file_id])
            .map_err(&dberr)?;
        if let Some(lib) = lib {
            self.restack(lib)?;
        }
        Ok(())
    }

    /// Recomputes the Live Photo pairs and stacks of the library with id `library_id` (as a
    /// scan that found changes does), and its cached summary.
    pub fn restack(&self, library_id: i64) -> Result<u64> {
        let path = self.path().to_path_buf();
        let dberr = db_err(&path);
        let tx = self.connection().unchecked_transaction().map_err(&dberr)?;
        let ps = crate::pairs::rebuild_pairs(&tx, library_id).map_err(&dberr)?;
        crate::index::refresh_stats(&tx, library_id, &ps).map_err(&dberr)?;
        tx.commit().map_err(&dberr)?;
        Ok(ps.stacks)
    }

    fn change_stack(&self, file_id: i64, choice: Option<&str>) -> Result<bool> {
        let Some(info) = self.stack_of(file_id)? else {
            return Ok(false);
        };
        let path = self.path().to_path_buf();
        let dberr = db_err(&path);
        let lib: i64 = self
            .connection()
            .query_row(
                "SELECT library_id FROM files WHERE id = ?1",
                [file_id],
                |r| r.get(0),
            )
            .map_err(&dberr)?;
        {
            let c = self.connection();
            let ids: HashSet<i64> = info.members.iter().map(|m| m.file_id).collect();
            for id in &ids {
                c.execute("DELETE FROM stack_choices WHERE file_id = ?1", [id])
                    .map_err(&dberr)?;
            }
            if let Some(choice) = choice {
                c.execute(
                    "INSERT INTO stack_choices (file_id, choice) VALUES (?1, ?2)",
                    params![file_id, choice],
                )
                .map_err(&dberr)?;
            }
        }
        self.restack(lib)?;
        Ok(true)
    }
}

/// The `StackKind` of a `pairs.method`, when it names a stack.
pub fn stack_kind(method: &str) -> Option<StackKind> {
    StackKind::parse(method.strip_prefix(STACK_METHOD_PREFIX)?)
}
