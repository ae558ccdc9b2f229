//! The web page's people queries: the people seen in one library, who may change a person,
//! a person's name and hidden flag, the people seen in one item, one face's box.

use crate::db::{params, OptionalExtension};

use crate::index::db_err;
use crate::{Index, Result};

/// A person as seen in one library.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct LibraryPerson {
    /// `people.id`.
    pub id: i64,
    /// Name, when given.
    pub name: Option<String>,
    /// Their faces in the library.
    pub faces: u64,
    /// Items of the library they were seen in.
    pub items: u64,
    /// Whether the page hides them.
    pub hidden: bool,
    /// Their best face in the library (highest score).
    pub face: Option<i64>,
}

/// How much of a person a user sees: all their faces, and those in libraries granted to the
/// user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PersonAccess {
    /// Faces of the person.
    pub faces: u64,
    /// Of those, the ones in a library granted to the user.
    pub visible: u64,
}

/// A person's name and whether the page hides them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PersonState {
    /// Name, when given.
    pub name: Option<String>,
    /// Hidden from the people view.
    pub hidden: bool,
}

/// A person seen in an item: id and name.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PersonName {
    /// `people.id`.
    pub id: i64,
    /// Name, when given.
    pub name: Option<String>,
}

/// A face: the file it is in and its box (fractions of the displayed image).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct FaceBox {
    /// `files.id`.
    pub file_id: i64,
    /// Left, top, width, height.
    pub bbox: [f64; 4],
}

impl Index {
    /// The people seen in library `library_id` (faces and items counted there), named ones
    /// first, then by faces, hidden ones included.
    pub fn library_people(&self, library_id: i64) -> Result<Vec<LibraryPerson>> {
        let e = db_err(self.path());
        let c = self.connection();
        let mut st = c
            .prepare_cached(
                "SELECT p.id, p.name, count(fa.id), count(DISTINCT fa.file_id), \
                   EXISTS (SELECT 1 FROM people_hidden h WHERE h.person_id = p.id), \
                   (SELECT f2.id FROM faces f2 JOIN files l2 ON l2.id = f2.file_id \
                     WHERE f2.person_id = p.id AND l2.library_id = ?1 \
                     ORDER BY f2.score DESC, f2.id LIMIT 1) \
                 FROM people p JOIN faces fa ON fa.person_id = p.id \
                 JOIN files f ON f.id = fa.file_id \
                 WHERE f.library_id = ?1 GROUP BY p.id \
                 ORDER BY p.name IS NULL, count(fa.id) DESC, p.id",
            )
            .map_err(&e)?;
        let rows = st
            .query_map([library_id], |r| {
                Ok(LibraryPerson {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    faces: crate::index::u64_of(r.get(2)?),
                    items: crate::index::u64_of(r.get(3)?),
                    hidden: r.get(4)?,
                    face: r.get(5)?,
                })
            })
            .map_err(&e)?;
        rows.collect::<crate::db::Result<Vec<_>>>().map_err(e)
    }

    /// How many faces person `id` has, and how many of them are in libraries granted to user
    /// `user_id`; `None` when there is no such person.
    pub fn person_access(&self, id: i64, user_id: i64) -> Result<Option<PersonAccess>> {
        self.connection()
            .prepare_cached(
                "SELECT count(fa.id), count(g.library_id) FROM people p \
                 LEFT JOIN faces fa ON fa.person_id = p.id \
                 LEFT JOIN files f ON f.id = fa.file_id \
                 LEFT JOIN user_grants g ON g.library_id = f.library_id AND g.user_id = ?2 \
                 WHERE p.id = ?1 GROUP BY p.id",
            )
            .and_then(|mut st| {
                st.query_row(params![id, user_id], |r| {
                    Ok(PersonAccess {
                        faces: crate::index::u64_of(r.get(0)?),
                        visible: crate::index::u64_of(r.get(1)?),
                    })
                })
                .optional()
            })
            .map_err(db_err(self.path()))
    }

    /// Person `id`'s name and hidden flag; `None` when there is no such person.
    pub fn person_state(&self, id: i64) -> Result<Option<PersonState>> {
        self.connection()
            .prepare_cached(
                "SELECT p.name, EXISTS (SELECT 1 FROM people_hidden h WHERE h.person_id = p.id) \
                 FROM people p WHERE p.id = ?1",
            )
            .and_then(|mut st| {
                st.query_row([id], |r| {
                    Ok(PersonState {
                        name: r.get(0)?,
                        hidden: r.get(1)?,
                    })
                })
                .optional()
            })
            .map_err(db_err(self.path()))
    }

    /// Forgets that person `id` was hidden, whether or not the person still exists (after a
    /// merge took its faces away).
    pub fn forget_hidden(&self, id: i64) -> Result<()> {
        self.connection()
            .execute("DELETE FROM people_hidden WHERE person_id = ?1", [id])
            .map_err(db_err(self.path()))?;
        Ok(())
    }

    /// The people seen in file `file_id`, hidden ones left out, named ones first by name.
    pub fn people_in(&self, file_id: i64) -> Result<Vec<PersonName>> {
        let e = db_err(self.path());
        let c = self.connection();
        let mut st = c
            .prepare_cached(
                "SELECT p.id, p.name FROM people p \
                 WHERE p.id IN (SELECT fa.person_id FROM faces fa WHERE fa.file_id = ?1) \
                 AND p.id NOT IN (SELECT person_id FROM people_hidden) \
                 ORDER BY p.name IS NULL, p.name, p.id",
            )
            .map_err(&e)?;
        let rows = st
            .query_map([file_id], |r| {
                Ok(PersonName {
                    id: r.get(0)?,
                    name: r.get(1)?,
                })
            })
            .map_err(&e)?;
        rows.collect::<crate::db::Result<Vec<_>>>().map_err(e)
    }

    /// Face `id`'s file and box; `None` when there is no such face.
    pub fn face_box(&self, id: i64) -> Result<Option<FaceBox>> {
        self.connection()
            .prepare_cached("SELECT file_id, x, y, w, h FROM faces WHERE id = ?1")
            .and_then(|mut st| {
                st.query_row([id], |r| {
                    Ok(FaceBox {
                        file_id: r.get(0)?,
                        bbox: [r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?],
                    })
                })
                .optional()
            })
            .map_err(db_err(self.path()))
    }
}
