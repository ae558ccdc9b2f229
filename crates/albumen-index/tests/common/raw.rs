//! Raw reads (and test set-ups) on the index file itself. Tests may inspect the database
//! file with their own SQLite connection; code above albumen-index may not (it calls typed
//! methods: `Index::connection` is not public).

#![allow(clippy::unwrap_used, dead_code)]

/// A connection of its own to an index's database file.
pub trait Raw {
    /// Opens the index's file (WAL: it sees every commit of the index's own connection).
    fn raw(&self) -> rusqlite::Connection;
}

impl Raw for albumen_index::Index {
    fn raw(&self) -> rusqlite::Connection {
        let c = rusqlite::Connection::open(self.path()).unwrap();
        c.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
        c
    }
}
