//! Faces, people and object tags seen in photos (the vision pass of `scan --vision`).
//!
//! Additive to the main schema ([`PEOPLE_SCHEMA`], created on every
//! [`Index::open`](crate::Index::open) when absent):
//! - `faces`: one row per face found, with its box (fractions of the picture), detection
//!   score, embedding (little-endian `f32`s of unit length) and person;
//! - `people`: one row per person, with an optional name and a centroid (the normalised mean
//!   of its faces' embeddings);
//! - `tags`: object labels per file, English and Chinese, with scores.
//!
//! Clustering is incremental: a new face joins the person whose centroid is most similar
//! (cosine similarity, i.e. the dot product of unit vectors) when that similarity reaches
//! [`PERSON_THRESHOLD`] and no other face of the same picture joined that person; otherwise
//! it starts a new person. Naming, merging and splitting are explicit ([`Index::name_person`],
//! [`Index::merge_people`], [`Index::split_person`]); split-off faces are pinned and never move
//! on their own. A person with no faces left is removed unless it has a name (so a renamed
//! person survives its only photo being re-read).

use std::collections::HashSet;
use std::path::PathBuf;

use crate::db::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::index::db_err;
use crate::pairs::path_of;
use crate::{Error, Index, Result};

/// The faces, people and tags tables. Every statement is idempotent.
pub const PEOPLE_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS people (
  id        INTEGER PRIMARY KEY,
  name      TEXT,
  centroid  BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS faces (
  id        INTEGER PRIMARY KEY,
  file_id   INTEGER NOT NULL,
  x         REAL NOT NULL,
  y         REAL NOT NULL,
  w         REAL NOT NULL,
  h         REAL NOT NULL,
  score     REAL NOT NULL,
  embedding BLOB NOT NULL,
  person_id INTEGER,
  pinned    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS faces_file ON faces(file_id);
CREATE INDEX IF NOT EXISTS faces_person ON faces(person_id);
CREATE TABLE IF NOT EXISTS tags (
  file_id   INTEGER NOT NULL,
  label     TEXT NOT NULL,
  label_zh  TEXT NOT NULL,
  score     REAL NOT NULL,
  PRIMARY KEY (file_id, label)
);
";

/// Cosine similarity at or above which a face joins a person. Chosen on the corpus's 34
/// faces (see NOTES-vision.md): copies of one photo score 0.82 to 1.00, one boy in four
/// different photos 0.68 to 0.81, different people at most 0.59 (most under 0.5).
pub const PERSON_THRESHOLD: f32 = 0.63;

/// A face to store: its box as fractions of the picture, score and unit-length embedding.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaceRecord {
    /// Left edge (fraction of the width).
    pub x: f32,
    /// Top edge (fraction of the height).
    pub y: f32,
    /// Width (fraction).
    pub w: f32,
    /// Height (fraction).
    pub h: f32,
    /// Detection confidence.
    pub score: f32,
    /// The embedding, unit length.
    pub embedding: Vec<f32>,
}

/// An object tag to store.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TagRecord {
    /// English label.
    pub label: String,
    /// Chinese label.
    pub label_zh: String,
    /// Confidence.
    pub score: f32,
}

/// A person, as `albumen people` lists them.
#[derive(Debug, Clone, Serialize)]
pub struct Person {
    /// Its id (stable until merged away).
    pub id: i64,
    /// Its name, when given.
    pub name: Option<String>,
    /// How many faces.
    pub faces: i64,
    /// In how many files.
    pub files: i64,
    /// The file of its most confident face.
    pub example: Option<PathBuf>,
}

/// The person a face is recognised as by [`Index::identify_faces`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KnownPerson {
    /// The person's id.
    pub id: i64,
    /// The person's name, when given.
    pub name: Option<String>,
}

/// One face of a person, as `albumen people show` lists them.
#[derive(Debug, Clone, Serialize)]
pub struct PersonFace {
    /// The face's id (for `albumen people split`).
    pub id: i64,
    /// The file.
    pub path: PathBuf,
    /// Box: left, top, width, height as fractions of the picture.
    pub bbox: [f32; 4],
    /// Detection score.
    pub score: f32,
    /// Whether it was placed by hand (split) and stays put.
    pub pinned: bool,
}

fn to_blob(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn from_blob(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn normalize(v: &mut [f32]) {
    let n = dot(v, v).sqrt();
    if n > 0.0 && n.is_finite() {
        v.iter_mut().for_each(|x| *x /= n);
    }
}

/// Recomputes the centroids of `people` from their faces; removes those left without faces
/// and without a name.
fn refresh_people(
    c: &Connection,
    people: &HashSet<i64>,
    e: &impl Fn(crate::db::Error) -> Error,
) -> Result<()> {
    for &p in people {
        let mut st = c
            .prepare_cached("SELECT embedding FROM faces WHERE person_id = ?1")
            .map_err(e)?;
        let mut sum: Vec<f32> = Vec::new();
        let mut n = 0usize;
        let rows = st.query_map([p], |r| r.get::<_, Vec<u8>>(0)).map_err(e)?;
        for b in rows {
            let v = from_blob(&b.map_err(e)?);
            if sum.is_empty() {
                sum = vec![0.0; v.len()];
            }
            if v.len() == sum.len() {
                sum.iter_mut().zip(&v).for_each(|(s, x)| *s += x);
                n += 1;
            }
        }
        if n == 0 {
            c.execute("DELETE FROM people WHERE id = ?1 AND name IS NULL", [p])
                .map_err(e)?;
        } else {
            normalize(&mut sum);
            c.execute(
                "UPDATE people SET centroid = ?2 WHERE id = ?1",
                params![p, to_blob(&sum)],
            )
            .map_err(e)?;
        }
    }
    Ok(())
}

/// Removes the faces of `file_ids` (and their tags), keeping the people consistent.
pub(crate) fn forget_files(
    c: &Connection,
    file_ids: &[i64],
    e: &impl Fn(crate::db::Error) -> Error,
) -> Result<()> {
    let mut touched = HashSet::new();
    for &f in file_ids {
        let mut st = c
            .prepare_cached(
                "SELECT DISTINCT person_id FROM faces WHERE file_id = ?1 AND person_id IS NOT NULL",
            )
            .map_err(e)?;
        for p in st.query_map([f], |r| r.get::<_, i64>(0)).map_err(e)? {
            touched.insert(p.map_err(e)?);
        }
        c.execute("DELETE FROM faces WHERE file_id = ?1", [f])
            .map_err(e)?;
        c.execute("DELETE FROM tags WHERE file_id = ?1", [f])
            .map_err(e)?;
    }
    refresh_people(c, &touched, e)
}

/// Stores the faces and tags of `file_id` (replacing earlier ones) and places each face with
/// a person; returns the person of each face, in order.
pub(crate) fn store_faces(
    c: &Connection,
    file_id: i64,
    faces: &[FaceRecord],
    tags: &[TagRecord],
    e: &impl Fn(crate::db::Error) -> Error,
) -> Result<Vec<i64>> {
    forget_files(c, &[file_id], e)?;
    for t in tags {
        c.execute(
            "INSERT OR REPLACE INTO tags (file_id, label, label_zh, score) VALUES (?1, ?2, ?3, ?4)",
            params![file_id, t.label, t.label_zh, t.score],
        )
        .map_err(e)?;
    }
    if faces.is_empty() {
        return Ok(Vec::new());
    }
    let mut people = load_people(c, e)?;
    let mut taken: HashSet<i64> = HashSet::new();
    let mut out = Vec::with_capacity(faces.len());
    for f in faces {
        let person = match best_person(&people, &taken, &f.embedding) {
            Some(i) => {
                let (id, centroid, n) = &mut people[i];
                let k = *n as f32;
                centroid
                    .iter_mut()
                    .zip(&f.embedding)
                    .for_each(|(c, x)| *c = *c * k + x);
                normalize(centroid);
                *n += 1;
                c.execute(
                    "UPDATE people SET centroid = ?2 WHERE id = ?1",
                    params![*id, to_blob(centroid)],
                )
                .map_err(e)?;
                *id
            }
            _ => {
                c.execute(
                    "INSERT INTO people (name, centroid) VALUES (NULL, ?1)",
                    [to_blob(&f.embedding)],
                )
                .map_err(e)?;
                let id = c.last_insert_rowid();
                people.push((id, f.embedding.clone(), 1));
                id
            }
        };
        taken.insert(person);
        c.execute(
            "INSERT INTO faces (file_id, x, y, w, h, score, embedding, person_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                file_id,
                f.x,
                f.y,
                f.w,
                f.h,
                f.score,
                to_blob(&f.embedding),
                person
            ],
        )
        .map_err(e)?;
        out.push(person);
    }
    Ok(out)
}

/// Every person's id, centroid and number of faces.
type Centroids = Vec<(i64, Vec<f32>, usize)>;

fn load_people(c: &Connection, e: &impl Fn(crate::db::Error) -> Error) -> Result<Centroids> {
    let mut people = Vec::new();
    let mut st = c
        .prepare_cached(
            "SELECT p.id, p.centroid, (SELECT count(*) FROM faces f WHERE f.person_id = p.id)
             FROM people p",
        )
        .map_err(e)?;
    let rows = st
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .map_err(e)?;
    for row in rows {
        let (id, b, n) = row.map_err(e)?;
        people.push((id, from_blob(&b), n.max(0) as usize));
    }
    Ok(people)
}

/// The person (index into `people`) a face with this embedding joins: the most similar
/// centroid at or above [`PERSON_THRESHOLD`] not already `taken` by another face of the picture.
fn best_person(people: &Centroids, taken: &HashSet<i64>, embedding: &[f32]) -> Option<usize> {
    people
        .iter()
        .enumerate()
        .filter(|(_, (id, c, _))| !taken.contains(id) && c.len() == embedding.len())
        .map(|(i, (_, c, _))| (i, dot(c, embedding)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .filter(|&(_, sim)| sim >= PERSON_THRESHOLD)
        .map(|(i, _)| i)
}

fn person_exists(c: &Connection, id: i64, e: &impl Fn(crate::db::Error) -> Error) -> Result<()> {
    c.query_row("SELECT 1 FROM people WHERE id = ?1", [id], |_| Ok(()))
        .optional()
        .map_err(e)?
        .ok_or(Error::NoSuchPerson(id))
}

impl Index {
    /// Which known person each face of one picture is, without storing anything: the rule
    /// [`Index::store_vision`] uses (most similar centroid at or above [`PERSON_THRESHOLD`],
    /// never two faces of the picture in one person). `None` for a face of nobody known yet.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let index = albumen_index::Index::open(dir.path().join("i.db"))?;
    /// assert_eq!(index.identify_faces(&[vec![1.0, 0.0]])?, vec![None]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn identify_faces(&self, embeddings: &[Vec<f32>]) -> Result<Vec<Option<KnownPerson>>> {
        let c = self.connection();
        let e = db_err(self.path());
        let people = load_people(c, &e)?;
        let mut taken = HashSet::new();
        let mut out = Vec::with_capacity(embeddings.len());
        for emb in embeddings {
            let Some(i) = best_person(&people, &taken, emb) else {
                out.push(None);
                continue;
            };
            let id = people[i].0;
            taken.insert(id);
            let name: Option<String> = c
                .query_row("SELECT name FROM people WHERE id = ?1", [id], |r| r.get(0))
                .map_err(&e)?;
            out.push(Some(KnownPerson { id, name }));
        }
        Ok(out)
    }

    /// Every person with at least one face or a name, most faces first.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let index = albumen_index::Index::open(dir.path().join("i.db"))?;
    /// assert!(index.people()?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn people(&self) -> Result<Vec<Person>> {
        let e = db_err(self.path());
        let mut st = self
            .connection()
            .prepare(
                "SELECT p.id, p.name, count(fa.id), count(DISTINCT fa.file_id),
                   (SELECT fl.path FROM faces f2 JOIN files fl ON fl.id = f2.file_id
                     WHERE f2.person_id = p.id ORDER BY f2.score DESC, f2.id LIMIT 1)
                 FROM people p LEFT JOIN faces fa ON fa.person_id = p.id
                 GROUP BY p.id ORDER BY count(fa.id) DESC, p.id",
            )
            .map_err(&e)?;
        let rows = st
            .query_map([], |r| {
                Ok(Person {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    faces: r.get(2)?,
                    files: r.get(3)?,
                    example: r.get::<_, Option<Vec<u8>>>(4)?.map(path_of),
                })
            })
            .map_err(&e)?;
        rows.collect::<std::result::Result<Vec<_>, _>>().map_err(e)
    }

    /// The faces of person `id`, most confident first.
    pub fn person_faces(&self, id: i64) -> Result<Vec<PersonFace>> {
        let e = db_err(self.path());
        person_exists(self.connection(), id, &e)?;
        let mut st = self
            .connection()
            .prepare(
                "SELECT fa.id, fl.path, fa.x, fa.y, fa.w, fa.h, fa.score, fa.pinned
                 FROM faces fa JOIN files fl ON fl.id = fa.file_id
                 WHERE fa.person_id = ?1 ORDER BY fa.score DESC, fa.id",
            )
            .map_err(&e)?;
        let rows = st
            .query_map([id], |r| {
                Ok(PersonFace {
                    id: r.get(0)?,
                    path: path_of(r.get(1)?),
                    bbox: [r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?],
                    score: r.get(6)?,
                    pinned: r.get::<_, i64>(7)? != 0,
                })
            })
            .map_err(&e)?;
        rows.collect::<std::result::Result<Vec<_>, _>>().map_err(e)
    }

    /// Names person `id` (`None` or an empty name removes the name).
    pub fn name_person(&mut self, id: i64, name: Option<&str>) -> Result<()> {
        let e = db_err(self.path());
        let c = self.connection();
        person_exists(c, id, &e)?;
        let name = name.map(str::trim).filter(|n| !n.is_empty());
        c.execute(
            "UPDATE people SET name = ?2 WHERE id = ?1",
            params![id, name],
        )
        .map_err(e)?;
        Ok(())
    }

    /// Moves every face of person `from` to person `into` and removes `from`; `into` keeps
    /// its name, or takes `from`'s when it has none.
    pub fn merge_people(&mut self, into: i64, from: i64) -> Result<()> {
        if into == from {
            return Err(Error::MergeSelf(into));
        }
        let path = self.path().to_path_buf();
        let e = db_err(&path);
        let tx = self.connection_mut().transaction().map_err(&e)?;
        person_exists(&tx, into, &e)?;
        person_exists(&tx, from, &e)?;
        tx.execute(
            "UPDATE people SET name = (SELECT name FROM people WHERE id = ?2)
             WHERE id = ?1 AND name IS NULL",
            params![into, from],
        )
        .map_err(&e)?;
        tx.execute(
            "UPDATE faces SET person_id = ?1 WHERE person_id = ?2",
            params![into, from],
        )
        .map_err(&e)?;
        tx.execute("DELETE FROM people WHERE id = ?1", [from])
            .map_err(&e)?;
        refresh_people(&tx, &HashSet::from([into]), &e)?;
        tx.commit().map_err(e)
    }

    /// Moves faces `face_ids` of person `id` to a new person (unnamed, its faces pinned so
    /// they stay) and returns the new person's id.
    pub fn split_person(&mut self, id: i64, face_ids: &[i64]) -> Result<i64> {
        let path = self.path().to_path_buf();
        let e = db_err(&path);
        if face_ids.is_empty() {
            return Err(Error::NoFaces);
        }
        let tx = self.connection_mut().transaction().map_err(&e)?;
        person_exists(&tx, id, &e)?;
        for &f in face_ids {
            let owner: Option<Option<i64>> = tx
                .query_row("SELECT person_id FROM faces WHERE id = ?1", [f], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(&e)?;
            if owner != Some(Some(id)) {
                return Err(Error::FaceNotOfPerson {
                    face: f,
                    person: id,
                });
            }
        }
        tx.execute("INSERT INTO people (name, centroid) VALUES (NULL, x'')", [])
            .map_err(&e)?;
        let new = tx.last_insert_rowid();
        for &f in face_ids {
            tx.execute(
                "UPDATE faces SET person_id = ?1, pinned = 1 WHERE id = ?2",
                params![new, f],
            )
            .map_err(&e)?;
        }
        refresh_people(&tx, &HashSet::from([id, new]), &e)?;
        tx.commit().map_err(e)?;
        Ok(new)
    }

    /// The tags of file `file_id`, best first: (English, Chinese, score).
    pub fn file_tags(&self, file_id: i64) -> Result<Vec<(String, String, f32)>> {
        let e = db_err(self.path());
        let mut st = self
            .connection()
            .prepare(
                "SELECT label, label_zh, score FROM tags WHERE file_id = ?1 ORDER BY score DESC",
            )
            .map_err(&e)?;
        let rows = st
            .query_map([file_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(&e)?;
        rows.collect::<std::result::Result<Vec<_>, _>>().map_err(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{VisionPending, VisionRecord};

    fn add_file(index: &Index, id: i64, name: &str, size: i64) {
        index
            .connection()
            .execute(
                "INSERT OR REPLACE INTO files (id, library_id, dir_id, name, path, path_text, size,
                   mtime_ns, dev, inode, nlink, kind, first_run, read_run)
                 VALUES (?1, 1, 1, ?2, ?4, ?3, ?5, 0, 0, ?1, 1, 'photo', 1, 1)",
                params![
                    id,
                    name.as_bytes(),
                    format!("/p/{name}"),
                    format!("/p/{name}").into_bytes(),
                    size
                ],
            )
            .unwrap_or_else(|e| panic!("{e}"));
    }

    /// A unit vector mostly along axis `a`, a little along `b`.
    fn emb(a: usize, b: usize, k: f32) -> Vec<f32> {
        let mut v = vec![0.0; 8];
        v[a] = 1.0;
        v[b] += k;
        normalize(&mut v);
        v
    }

    fn face(e: Vec<f32>) -> FaceRecord {
        FaceRecord {
            x: 0.1,
            y: 0.1,
            w: 0.2,
            h: 0.2,
            score: 0.9,
            embedding: e,
        }
    }

    fn store(
        index: &mut Index,
        item: &VisionPending,
        faces: Vec<FaceRecord>,
        tags: &[&str],
    ) -> Vec<i64> {
        let rec = VisionRecord {
            faces,
            tags: tags
                .iter()
                .map(|t| TagRecord {
                    label: t.to_string(),
                    label_zh: "狗".into(),
                    score: 0.8,
                })
                .collect(),
            ..VisionRecord::default()
        };
        index
            .store_vision(item, &rec)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn faces_group_into_people_that_can_be_named_merged_split_and_searched() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut index = Index::open(dir.path().join("i.db")).unwrap_or_else(|e| panic!("{e}"));
        index
            .connection()
            .execute_batch(
                "INSERT INTO libraries (id, name, created_at) VALUES (1, 't', 'now');
                 INSERT INTO dirs (id, library_id, path, path_text) VALUES (1, 1, x'2f70', '/p');",
            )
            .unwrap_or_else(|e| panic!("{e}"));
        for (id, n) in [(1, "a.jpg"), (2, "b.jpg"), (3, "c.jpg")] {
            add_file(&index, id, n, 10);
        }
        let pending = index.vision_pending().unwrap_or_else(|e| panic!("{e}"));
        // a: Anna and Ben. b: Anna again (similar embedding) and her twin, as close to Anna
        // as Anna's two faces are to each other, who must not join Anna (same picture).
        let pa = store(
            &mut index,
            &pending[0],
            vec![face(emb(0, 1, 0.2)), face(emb(2, 3, 0.1))],
            &["dog"],
        );
        let pb = store(
            &mut index,
            &pending[1],
            vec![face(emb(0, 1, 0.3)), face(emb(0, 1, 0.25))],
            &[],
        );
        let pc = store(&mut index, &pending[2], vec![face(emb(4, 5, 0.0))], &[]);
        assert_ne!(pa[0], pa[1]);
        assert_eq!(pb[0], pa[0]);
        assert_ne!(pb[1], pa[0]);
        let (anna, ben, twin, carl) = (pa[0], pa[1], pb[1], pc[0]);
        let people = index.people().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(people.len(), 4);
        assert_eq!(
            (people[0].id, people[0].faces, people[0].files),
            (anna, 2, 2)
        );

        index
            .name_person(anna, Some("Anna"))
            .unwrap_or_else(|e| panic!("{e}"));
        // Recognised without storing: Anna by name, Carl by id, a stranger as nobody; two
        // Anna-like faces in one picture are never both Anna.
        let before = index.people().unwrap_or_else(|e| panic!("{e}")).len();
        let who = index
            .identify_faces(&[
                emb(0, 1, 0.22),
                emb(4, 5, 0.05),
                emb(6, 7, 0.0),
                emb(0, 1, 0.21),
            ])
            .unwrap_or_else(|e| panic!("{e}"));
        let known = |id, name: Option<&str>| {
            Some(KnownPerson {
                id,
                name: name.map(String::from),
            })
        };
        assert_eq!(who[0], known(anna, Some("Anna")));
        assert_eq!(who[1], known(carl, None));
        assert_eq!(who[2], None);
        assert_ne!(who[3].as_ref().map(|w| w.id), Some(anna));
        assert_eq!(
            index.people().unwrap_or_else(|e| panic!("{e}")).len(),
            before
        );
        let found = |index: &Index, q: &str| -> Vec<String> {
            let hits = index.search(q, 10).unwrap_or_else(|e| panic!("{e}"));
            hits.iter().map(|h| h.path.display().to_string()).collect()
        };
        assert_eq!(found(&index, "anna"), ["/p/a.jpg", "/p/b.jpg"]);
        assert_eq!(found(&index, "Anna dog"), ["/p/a.jpg"]);
        assert_eq!(found(&index, "狗"), ["/p/a.jpg"]);
        assert!(found(&index, "Ben").is_empty());

        // Merge the twin into Anna; split her back out, with the face of b.jpg only.
        assert!(matches!(
            index.merge_people(anna, anna),
            Err(Error::MergeSelf(_))
        ));
        index
            .merge_people(anna, twin)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            index.person_faces(twin),
            Err(Error::NoSuchPerson(_))
        ));
        let faces = index.person_faces(anna).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(faces.len(), 3);
        let twin_face: Vec<i64> = faces
            .iter()
            .filter(|f| f.path.ends_with("b.jpg"))
            .map(|f| f.id)
            .take(1)
            .collect();
        assert!(matches!(
            index.split_person(ben, &twin_face),
            Err(Error::FaceNotOfPerson { .. })
        ));
        let twin2 = index
            .split_person(anna, &twin_face)
            .unwrap_or_else(|e| panic!("{e}"));
        let faces = index.person_faces(twin2).unwrap_or_else(|e| panic!("{e}"));
        assert!(faces.len() == 1 && faces[0].pinned);
        assert_eq!(
            index
                .person_faces(anna)
                .unwrap_or_else(|e| panic!("{e}"))
                .len(),
            2
        );

        // Carl's only file changes and is re-read: unnamed Carl goes and a new person comes;
        // Anna's files removed: named Anna stays, with no faces.
        add_file(&index, 3, "c.jpg", 11);
        let pending = index.vision_pending().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pending.len(), 1);
        let pc2 = store(&mut index, &pending[0], vec![face(emb(4, 5, 0.0))], &[]);
        assert!(matches!(
            index.person_faces(carl),
            Err(Error::NoSuchPerson(_))
        ));
        assert_ne!(pc2[0], carl);
        index
            .connection()
            .execute("DELETE FROM files WHERE id IN (1, 2)", [])
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(index
            .vision_pending()
            .unwrap_or_else(|e| panic!("{e}"))
            .is_empty());
        let people = index.people().unwrap_or_else(|e| panic!("{e}"));
        let anna_row = people.iter().find(|p| p.id == anna);
        assert_eq!(
            anna_row.map(|p| (p.faces, p.name.as_deref())),
            Some((0, Some("Anna")))
        );
        assert!(people.iter().all(|p| p.id != ben));
        assert!(found(&index, "狗").is_empty());
    }
}
