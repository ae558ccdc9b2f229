//! Image embeddings for "more like this": one vector per photo (the vision pass's classifier
//! features, unit length), stored quantised to int8, and an exact nearest-neighbour scan.
//!
//! A vector `v` is stored as `round(v * 127 / max|v|)`, one signed byte per number (1,280 bytes
//! for albumen-vision's classifier); similarity is the cosine of the stored bytes, which keeps
//! the ranking of the float vectors (checked on the corpus: BENCHMARKS.md). The scan is exact:
//! every stored vector against the query, integer dot products, a bounded heap of the best.
//! Additive table, created on every [`Index::open`] when absent.

use std::collections::BinaryHeap;
use std::path::PathBuf;

use crate::db::{params, OptionalExtension};
use serde::Serialize;

use crate::index::db_err;
use crate::pairs::path_of;
use crate::{Index, Result};

/// The embeddings table. Idempotent.
pub const EMBEDDINGS_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS embeddings (
  file_id  INTEGER PRIMARY KEY,
  vec      BLOB NOT NULL
);
";

/// Longest embedding stored (longer ones are refused as hostile input).
pub const MAX_EMBEDDING_LEN: usize = 4096;

/// `v` quantised to int8 (see the module's documentation); all zero when `v` is zero or not
/// finite.
///
/// ```
/// assert_eq!(albumen_index::quantise(&[0.5, -1.0, 0.25]), [64, -127, 32]);
/// ```
pub fn quantise(v: &[f32]) -> Vec<i8> {
    let max = v
        .iter()
        .filter(|x| x.is_finite())
        .fold(0f32, |m, x| m.max(x.abs()));
    if max <= 0.0 {
        return vec![0; v.len()];
    }
    v.iter()
        .map(|x| {
            if x.is_finite() {
                (x * 127.0 / max).round().clamp(-127.0, 127.0) as i8
            } else {
                0
            }
        })
        .collect()
}

fn dot(a: &[i8], b: &[i8]) -> i32 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| i32::from(x) * i32::from(y))
        .sum()
}

fn norm(a: &[i8]) -> f32 {
    (dot(a, a) as f32).sqrt()
}

/// Quantised vectors in memory, for an exact nearest-neighbour scan.
#[derive(Debug, Clone, Default)]
pub struct Embeddings {
    dim: usize,
    ids: Vec<i64>,
    data: Vec<i8>,
    norms: Vec<f32>,
}

/// One neighbour: the file and its cosine similarity to the query (-1 to 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Neighbour {
    /// `files.id`.
    pub file_id: i64,
    /// Cosine similarity.
    pub score: f32,
}

#[derive(PartialEq)]
struct Ranked(f32, i64);
impl Eq for Ranked {}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Ranked {
    // Reversed: the heap's top is the worst kept.
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        o.0.total_cmp(&self.0).then(self.1.cmp(&o.1))
    }
}

impl Embeddings {
    /// An empty set of `dim`-long vectors.
    pub fn new(dim: usize) -> Embeddings {
        Embeddings {
            dim,
            ..Embeddings::default()
        }
    }

    /// Adds the quantised vector `q` of file `file_id` (ignored unless `dim` long).
    pub fn push(&mut self, file_id: i64, q: &[i8]) {
        if q.len() != self.dim {
            return;
        }
        self.ids.push(file_id);
        self.data.extend_from_slice(q);
        self.norms.push(norm(q));
    }

    /// Length of each vector.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of vectors.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The `k` vectors most similar to `query` (a float vector of the same length), best
    /// first, leaving out `exclude`.
    pub fn nearest(&self, query: &[f32], k: usize, exclude: Option<i64>) -> Vec<Neighbour> {
        self.nearest_where(query, k, |id| Some(id) != exclude)
    }

    /// The `k` vectors most similar to `query` among those whose file `keep` accepts, best
    /// first.
    pub fn nearest_where<F: Fn(i64) -> bool>(
        &self,
        query: &[f32],
        k: usize,
        keep: F,
    ) -> Vec<Neighbour> {
        if query.len() != self.dim || k == 0 || self.dim == 0 {
            return Vec::new();
        }
        let q = quantise(query);
        let qn = norm(&q);
        if qn == 0.0 {
            return Vec::new();
        }
        let mut heap: BinaryHeap<Ranked> = BinaryHeap::with_capacity(k + 1);
        for ((v, &id), &n) in self
            .data
            .chunks_exact(self.dim)
            .zip(&self.ids)
            .zip(&self.norms)
        {
            if n == 0.0 || !keep(id) {
                continue;
            }
            let s = dot(&q, v) as f32 / (qn * n);
            if heap.len() < k {
                heap.push(Ranked(s, id));
            } else if heap.peek().is_some_and(|w| s > w.0) {
                heap.pop();
                heap.push(Ranked(s, id));
            }
        }
        let mut out: Vec<Neighbour> = heap
            .into_iter()
            .map(|Ranked(score, file_id)| Neighbour { file_id, score })
            .collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.file_id.cmp(&b.file_id)));
        out
    }
}

/// A similar photo.
#[derive(Debug, Clone, Serialize)]
pub struct SimilarHit {
    /// `files.id`.
    #[serde(skip)]
    pub file_id: i64,
    /// The file.
    pub path: PathBuf,
    /// Cosine similarity to the query, -1 to 1.
    pub score: f32,
}

impl Index {
    /// Stores the embedding of file `file_id`, replacing any earlier one. An empty vector
    /// records that the file has none (it could not be read), so that
    /// [`Index::embedding_pending`] does not offer it again; an overlong one removes it.
    pub fn store_embedding(&self, file_id: i64, v: &[f32]) -> Result<()> {
        let e = db_err(self.path());
        let c = self.connection();
        if v.len() > MAX_EMBEDDING_LEN {
            c.execute("DELETE FROM embeddings WHERE file_id = ?1", [file_id])
                .map_err(e)?;
            return Ok(());
        }
        let q: Vec<u8> = quantise(v).into_iter().map(|b| b as u8).collect();
        c.execute(
            "INSERT OR REPLACE INTO embeddings (file_id, vec) VALUES (?1, ?2)",
            params![file_id, q],
        )
        .map_err(e)?;
        Ok(())
    }

    /// The id of the indexed file at `path` (as the index stores it: absolute), if any.
    pub fn file_id_of(&self, path: &std::path::Path) -> Result<Option<i64>> {
        let e = db_err(self.path());
        self.connection()
            .query_row(
                "SELECT id FROM files WHERE path = ?1",
                [crate::pairs::bytes_of(path)],
                |r| r.get(0),
            )
            .optional()
            .map_err(e)
    }

    /// The stored (quantised, rescaled to unit length) embedding of `file_id`.
    pub fn embedding_of(&self, file_id: i64) -> Result<Option<Vec<f32>>> {
        let e = db_err(self.path());
        let q: Option<Vec<u8>> = self
            .connection()
            .query_row(
                "SELECT vec FROM embeddings WHERE file_id = ?1",
                [file_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(e)?;
        Ok(q.filter(|q| !q.is_empty()).map(|q| {
            let v: Vec<f32> = q.into_iter().map(|b| f32::from(b as i8)).collect();
            let n = v
                .iter()
                .map(|x| x * x)
                .sum::<f32>()
                .sqrt()
                .max(f32::MIN_POSITIVE);
            v.into_iter().map(|x| x / n).collect()
        }))
    }

    /// Files the vision pass has read in their current state but that have no embedding
    /// record (read before the classifier was installed), as [`Index::vision_pending`] lists
    /// them. Forgets the embeddings of files no longer in the index.
    pub fn embedding_pending(&self) -> Result<Vec<crate::VisionPending>> {
        let e = db_err(self.path());
        let c = self.connection();
        c.execute(
            "DELETE FROM embeddings WHERE file_id NOT IN (SELECT id FROM files)",
            [],
        )
        .map_err(&e)?;
        let mut st = c
            .prepare(
                "SELECT f.id, f.path, f.size, f.mtime_ns, f.lat, f.lon FROM files f
                 JOIN vision v ON v.file_id = f.id
                 WHERE v.size = f.size AND v.mtime_ns = f.mtime_ns AND v.error IS NULL
                   AND f.id NOT IN (SELECT file_id FROM embeddings)
                 ORDER BY f.path",
            )
            .map_err(&e)?;
        let rows = st
            .query_map([], |r| {
                let lat: Option<f64> = r.get(4)?;
                let lon: Option<f64> = r.get(5)?;
                Ok(crate::VisionPending {
                    file_id: r.get(0)?,
                    path: path_of(r.get(1)?),
                    size: r.get(2)?,
                    mtime_ns: r.get(3)?,
                    gps: lat.zip(lon),
                })
            })
            .map_err(&e)?;
        rows.collect::<std::result::Result<Vec<_>, _>>().map_err(e)
    }

    /// Every stored embedding of a file still in the index, `dim` long (others are skipped).
    pub fn embeddings(&self, dim: usize) -> Result<Embeddings> {
        let e = db_err(self.path());
        let mut st = self
            .connection()
            .prepare("SELECT e.file_id, e.vec FROM embeddings e JOIN files f ON f.id = e.file_id")
            .map_err(&e)?;
        let mut rows = st.query([]).map_err(&e)?;
        let mut set = Embeddings::new(dim);
        while let Some(r) = rows.next().map_err(&e)? {
            let id: i64 = r.get(0).map_err(&e)?;
            let blob: Vec<u8> = r.get(1).map_err(&e)?;
            if blob.len() == dim {
                let q: Vec<i8> = blob.iter().map(|&b| b as i8).collect();
                set.push(id, &q);
            }
        }
        Ok(set)
    }

    /// The `limit` stored photos most like `query` (an embedding), best first, leaving out
    /// `exclude`.
    pub fn similar(
        &self,
        query: &[f32],
        limit: usize,
        exclude: Option<i64>,
    ) -> Result<Vec<SimilarHit>> {
        self.similar_where(query, limit, |id| Some(id) != exclude)
    }

    /// [`Index::similar`] among the files `keep` accepts (e.g. those a user may see).
    pub fn similar_where<F: Fn(i64) -> bool>(
        &self,
        query: &[f32],
        limit: usize,
        keep: F,
    ) -> Result<Vec<SimilarHit>> {
        let set = self.embeddings(query.len())?;
        let e = db_err(self.path());
        let mut st = self
            .connection()
            .prepare("SELECT path FROM files WHERE id = ?1")
            .map_err(&e)?;
        let mut out = Vec::new();
        for n in set.nearest_where(query, limit, keep) {
            let path: Option<Vec<u8>> = st
                .query_row([n.file_id], |r| r.get(0))
                .optional()
                .map_err(&e)?;
            if let Some(p) = path {
                out.push(SimilarHit {
                    file_id: n.file_id,
                    path: path_of(p),
                    score: n.score,
                });
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_ranks_by_cosine_and_skips_the_excluded() {
        let mut set = Embeddings::new(3);
        set.push(1, &quantise(&[1.0, 0.0, 0.0]));
        set.push(2, &quantise(&[0.8, 0.6, 0.0]));
        set.push(3, &quantise(&[0.0, 0.0, 1.0]));
        set.push(4, &quantise(&[-1.0, 0.0, 0.0]));
        set.push(5, &[1, 2]); // wrong length: ignored
        assert_eq!(set.len(), 4);
        let n = set.nearest(&[0.9, 0.1, 0.0], 3, None);
        let ids: Vec<i64> = n.iter().map(|n| n.file_id).collect();
        assert_eq!(ids, [1, 2, 3]);
        assert!(n[0].score > 0.99 && n[2].score.abs() < 0.01);
        let n = set.nearest(&[0.9, 0.1, 0.0], 10, Some(1));
        let ids: Vec<i64> = n.iter().map(|n| n.file_id).collect();
        assert_eq!(ids, [2, 3, 4]);
        assert!(n[2].score < -0.99);
        assert!(set.nearest(&[0.0; 3], 3, None).is_empty());
        assert!(set.nearest(&[1.0; 2], 3, None).is_empty());
    }

    #[test]
    fn quantise_survives_hostile_numbers() {
        assert_eq!(quantise(&[f32::NAN, 2.0, f32::INFINITY]), [0, 127, 0]);
        assert_eq!(quantise(&[0.0, 0.0]), [0, 0]);
        assert_eq!(quantise(&[-3.0, 1.5]), [-127, 64]);
    }

    #[test]
    fn stored_embeddings_round_trip_through_the_index(
    ) -> std::result::Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let index = Index::open(dir.path().join("i.db"))?;
        index.connection().execute_batch(
            "INSERT INTO libraries (id, name, created_at) VALUES (1, 't', 'now');
             INSERT INTO dirs (id, library_id, path, path_text) VALUES (1, 1, x'2f70', '/p');",
        )?;
        for (id, name) in [(1, "a"), (2, "b"), (3, "c")] {
            index.connection().execute(
                "INSERT INTO files (id, library_id, dir_id, name, path, path_text, size, mtime_ns,
                   dev, inode, nlink, kind, first_run, read_run)
                 VALUES (?1, 1, 1, ?2, ?3, ?4, 1, 0, 0, ?1, 1, 'photo', 1, 1)",
                params![
                    id,
                    name.as_bytes(),
                    format!("/p/{name}").into_bytes(),
                    format!("/p/{name}")
                ],
            )?;
        }
        index.store_embedding(1, &[1.0, 0.0, 0.0])?;
        index.store_embedding(2, &[0.6, 0.8, 0.0])?;
        index.store_embedding(3, &[0.0, 0.0, 1.0])?;
        index.store_embedding(9, &[1.0, 0.0, 0.0])?; // no such file: never returned
        let hits = index.similar(&[1.0, 0.1, 0.0], 2, None)?;
        let paths: Vec<String> = hits.iter().map(|h| h.path.display().to_string()).collect();
        assert_eq!(paths, ["/p/a", "/p/b"]);
        assert_eq!(index.file_id_of(std::path::Path::new("/p/b"))?, Some(2));
        assert_eq!(index.file_id_of(std::path::Path::new("/p/z"))?, None);
        let back = index.embedding_of(2)?.ok_or("no embedding")?;
        assert!((back[0] - 0.6).abs() < 0.01 && (back[1] - 0.8).abs() < 0.01);
        let hits = index.similar(&back, 5, Some(2))?;
        assert_eq!(hits.len(), 2);
        assert_eq!(hits[0].path, PathBuf::from("/p/a"));
        index.store_embedding(2, &[])?;
        assert!(index.embedding_of(2)?.is_none());
        assert_eq!(index.similar(&[1.0, 0.1, 0.0], 5, None)?.len(), 2);
        Ok(())
    }
}
