//! PostgreSQL, the second engine: the dialect translation of this crate's SQLite statements,
//! and the connection thread's work (prepared statements, parameters bound as the types the
//! server inferred, results read as SQLite values). See [`crate::db`].

use std::collections::HashMap;

use bytes::BytesMut;
use postgres::types::{FromSql, IsNull, ToSql, Type};

use crate::db::{Error, Result, Value};

/// The primary key of each table written with SQLite's `INSERT OR REPLACE` (PostgreSQL's
/// upsert names the conflict it replaces on).
const REPLACE_KEYS: &[(&str, &str)] = &[
    ("meta", "key"),
    ("embeddings", "file_id"),
    ("tags", "file_id, label"),
    ("previews", "file_id, long_side"),
    ("vision", "file_id"),
    ("files", "id"),
    ("synced", "rel"),
];

/// The tables whose key is an `id` SQLite makes (`INTEGER PRIMARY KEY`): an `INSERT` into one
/// returns the ids it made on PostgreSQL, so that `last_insert_rowid` costs no second round
/// trip (see `db.rs`). A test below checks the list against the schema.
const ID_TABLES: &[&str] = &[
    "albums",
    "changes",
    "dirs",
    "edit_undo",
    "errors",
    "faces",
    "files",
    "libraries",
    "pairs",
    "people",
    "scan_runs",
    "share_links",
    "users",
    "verify_runs",
];

/// `'…'`, `"…"` or a run of other characters, so that rewriting never looks inside a literal.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Quoted(String),
    Param(Option<u32>),
    Space,
    Other(char),
}

fn tokens(sql: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut it = sql.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '\'' | '"' => {
                let mut s = String::from(c);
                while let Some(d) = it.next() {
                    s.push(d);
                    if d == c {
                        if it.peek() == Some(&c) {
                            s.push(c);
                            it.next();
                        } else {
                            break;
                        }
                    }
                }
                out.push(Tok::Quoted(s));
            }
            '-' if it.peek() == Some(&'-') => {
                for d in it.by_ref() {
                    if d == '\n' {
                        break;
                    }
                }
                out.push(Tok::Space);
            }
            '?' => {
                let mut n = String::new();
                while let Some(d) = it.peek().filter(|d| d.is_ascii_digit()) {
                    n.push(*d);
                    it.next();
                }
                out.push(Tok::Param(n.parse().ok()));
            }
            c if c.is_whitespace() => {
                while it.peek().is_some_and(|d| d.is_whitespace()) {
                    it.next();
                }
                out.push(Tok::Space);
            }
            c if c.is_alphanumeric() || c == '_' => {
                let mut w = String::from(c);
                while let Some(d) = it.peek().filter(|d| d.is_alphanumeric() || **d == '_') {
                    w.push(*d);
                    it.next();
                }
                out.push(Tok::Word(w));
            }
            c => out.push(Tok::Other(c)),
        }
    }
    out
}

/// The words (not spaces) from `i` on, upper-cased, `n` of them.
fn next_words(t: &[Tok], mut i: usize, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    while i < t.len() && out.len() < n {
        match &t[i] {
            Tok::Space => {}
            Tok::Word(w) => out.push(w.to_ascii_uppercase()),
            Tok::Other(c) => out.push(c.to_string()),
            Tok::Quoted(q) => out.push(q.clone()),
            Tok::Param(_) => out.push("?".into()),
        }
        i += 1;
    }
    out
}

/// Index after skipping `n` non-space tokens from `i`.
fn skip(t: &[Tok], mut i: usize, mut n: usize) -> usize {
    while i < t.len() && n > 0 {
        if t[i] != Tok::Space {
            n -= 1;
        }
        i += 1;
    }
    i
}

/// `FROM (SELECT …)` without a name gets one (`AS _q1`): SQLite allows a subquery in `FROM`
/// without an alias, PostgreSQL before 16 does not.
fn alias_subqueries(t: Vec<Tok>) -> Vec<Tok> {
    const NOT_ALIAS: &[&str] = &[
        "WHERE",
        "ORDER",
        "GROUP",
        "LIMIT",
        "UNION",
        "JOIN",
        "LEFT",
        "INNER",
        "CROSS",
        "ON",
        "HAVING",
        "EXCEPT",
        "INTERSECT",
        "OFFSET",
        "FULL",
        "RIGHT",
        "NATURAL",
        "WINDOW",
    ];
    let word = |k: &Tok| match k {
        Tok::Word(w) => Some(w.to_ascii_uppercase()),
        _ => None,
    };
    let mut insert_after: Vec<usize> = Vec::new();
    let mut stack: Vec<bool> = Vec::new();
    let mut last_word: Option<String> = None;
    for (i, k) in t.iter().enumerate() {
        match k {
            Tok::Other('(') => {
                let next = t[i + 1..].iter().find(|k| **k != Tok::Space).and_then(word);
                let from = matches!(last_word.as_deref(), Some("FROM" | "JOIN"));
                stack.push(from && next.as_deref() == Some("SELECT"));
                last_word = None;
            }
            Tok::Other(')') => {
                if stack.pop() == Some(true) {
                    let next = t[i + 1..].iter().find(|k| **k != Tok::Space);
                    let named = match next {
                        Some(Tok::Word(w)) => !NOT_ALIAS.contains(&w.to_ascii_uppercase().as_str()),
                        Some(Tok::Quoted(q)) => q.starts_with('"'),
                        _ => false,
                    };
                    if !named {
                        insert_after.push(i);
                    }
                }
                last_word = None;
            }
            Tok::Space => {}
            k => last_word = word(k),
        }
    }
    if insert_after.is_empty() {
        return t;
    }
    let mut out = Vec::with_capacity(t.len() + 3 * insert_after.len());
    for (i, k) in t.into_iter().enumerate() {
        out.push(k);
        if let Some(n) = insert_after.iter().position(|&a| a == i) {
            out.push(Tok::Space);
            out.push(Tok::Word("AS".into()));
            out.push(Tok::Space);
            out.push(Tok::Word(format!("_q{}", n + 1)));
        }
    }
    out
}

/// One statement (not a trigger) in PostgreSQL's dialect.
fn statement(sql: &str) -> String {
    let sql = sql
        .replace(
            "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')",
        )
        .replace(
            "SELECT value FROM json_each(",
            "SELECT value::bigint FROM json_array_elements_text(",
        );
    let t = alias_subqueries(tokens(&sql));
    let mut out = String::with_capacity(sql.len() + 32);
    let mut last_param = 0u32;
    let mut tail = String::new();
    let mut i = 0;
    while i < t.len() {
        let tok = &t[i];
        match tok {
            Tok::Param(n) => {
                let n = n.unwrap_or(last_param + 1);
                last_param = last_param.max(n);
                out.push_str(&format!("${n}"));
            }
            Tok::Word(w) => {
                let up = w.to_ascii_uppercase();
                let ahead = next_words(&t, i + 1, 3);
                let a = |k: usize| ahead.get(k).map(String::as_str).unwrap_or("");
                match up.as_str() {
                    "INSERT" if a(0) == "OR" && a(1) == "IGNORE" => {
                        out.push_str("INSERT");
                        i = skip(&t, i + 1, 2);
                        tail = " ON CONFLICT DO NOTHING".into();
                        continue;
                    }
                    "INSERT" if a(0) == "OR" && a(1) == "REPLACE" => {
                        out.push_str("INSERT");
                        i = skip(&t, i + 1, 2);
                        tail = replace_tail(&t, i);
                        continue;
                    }
                    "INTEGER" if a(0) == "PRIMARY" && a(1) == "KEY" => {
                        out.push_str("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
                        i = skip(&t, i + 1, if a(2) == "AUTOINCREMENT" { 3 } else { 2 });
                        continue;
                    }
                    // SQLite does not enforce this crate's foreign keys (they are not turned
                    // on): they say what refers to what. PostgreSQL would enforce them, and the
                    // trash parks rows under negative library ids; so they are left out there.
                    "REFERENCES" => {
                        let mut j = skip(&t, i + 1, 1);
                        if next_words(&t, j, 1).first().map(String::as_str) == Some("(") {
                            while j < t.len() && t[j] != Tok::Other(')') {
                                j += 1;
                            }
                            j += 1;
                        }
                        // and its `ON DELETE …` / `ON UPDATE …` actions
                        loop {
                            let w = next_words(&t, j, 3);
                            let w: Vec<&str> = w.iter().map(String::as_str).collect();
                            match w.as_slice() {
                                ["ON", "DELETE" | "UPDATE", "CASCADE" | "RESTRICT"] => {
                                    j = skip(&t, j, 3)
                                }
                                ["ON", "DELETE" | "UPDATE", "SET" | "NO"] => j = skip(&t, j, 4),
                                _ => break,
                            }
                        }
                        i = j;
                        continue;
                    }
                    "INTEGER" => out.push_str("BIGINT"),
                    "TEMP" if a(0) == "." => out.push_str("pg_temp"),
                    "REAL" => out.push_str("DOUBLE PRECISION"),
                    "BLOB" => out.push_str("BYTEA"),
                    "WITHOUT" if a(0) == "ROWID" => {
                        i = skip(&t, i + 1, 1);
                        continue;
                    }
                    "COLLATE" if a(0) == "NOCASE" => {
                        i = skip(&t, i + 1, 1);
                        continue;
                    }
                    "VIEW" if a(0) == "IF" && a(1) == "NOT" && a(2) == "EXISTS" => {
                        // `CREATE VIEW IF NOT EXISTS` → `CREATE OR REPLACE VIEW`
                        if out.trim_end().to_ascii_uppercase().ends_with("CREATE") {
                            let keep = out.trim_end().len();
                            out.truncate(keep);
                            out.push_str(" OR REPLACE VIEW");
                            i = skip(&t, i + 1, 3);
                            continue;
                        }
                        out.push_str(w);
                    }
                    "LIKE" => out.push_str("ILIKE"),
                    "IS" if a(0) == "NOT" && a(1) != "NULL" && a(1) != "DISTINCT" => {
                        out.push_str("IS DISTINCT FROM");
                        i = skip(&t, i + 1, 1);
                        continue;
                    }
                    "IS" if !matches!(a(0), "NULL" | "NOT" | "TRUE" | "FALSE" | "DISTINCT") => {
                        out.push_str("IS NOT DISTINCT FROM")
                    }
                    "DESC" => out.push_str("DESC NULLS LAST"),
                    "ASC" => out.push_str("ASC NULLS FIRST"),
                    "GROUP_CONCAT" => out.push_str("string_agg"),
                    "INSTR" => out.push_str("strpos"),
                    "IFNULL" => out.push_str("coalesce"),
                    "IMMEDIATE" | "DEFERRED" | "EXCLUSIVE"
                        if out.trim().eq_ignore_ascii_case("BEGIN") => {}
                    _ => out.push_str(w),
                }
            }
            Tok::Quoted(q) => out.push_str(q),
            Tok::Space => out.push(' '),
            Tok::Other(c) => out.push(*c),
        }
        i += 1;
    }
    // `INSERT [OR …] INTO t …` with `t` in ID_TABLES: `RETURNING id` (after any conflict clause)
    let w = next_words(&t, 0, 5);
    let into_at = w.iter().position(|x| x == "INTO");
    let returns_id = w.first().map(String::as_str) == Some("INSERT")
        && into_at.is_some_and(|k| {
            w.get(k + 1)
                .is_some_and(|n| ID_TABLES.contains(&n.to_ascii_lowercase().as_str()))
        })
        && !out.to_ascii_uppercase().contains(" RETURNING ");
    if returns_id {
        tail.push_str(" RETURNING id");
    }
    if !tail.is_empty() {
        let trimmed = out.trim_end().trim_end_matches(';').to_string();
        // before a RETURNING clause, if any
        match trimmed.to_ascii_uppercase().rfind(" RETURNING ") {
            Some(at) => {
                out = format!("{}{} {}", &trimmed[..at], tail, &trimmed[at + 1..]);
            }
            None => out = format!("{trimmed}{tail}"),
        }
    }
    out
}

/// `ON CONFLICT (key) DO UPDATE SET c = excluded.c, …` for `INSERT OR REPLACE INTO t (cols)`,
/// the tokens from `INTO` at `i`.
fn replace_tail(t: &[Tok], i: usize) -> String {
    let w = next_words(t, i, 64);
    let table = w.get(1).map(|s| s.to_ascii_lowercase()).unwrap_or_default();
    let key = REPLACE_KEYS
        .iter()
        .find(|(n, _)| *n == table)
        .map(|(_, k)| *k)
        .unwrap_or("id");
    let mut cols = Vec::new();
    if w.get(2).map(String::as_str) == Some("(") {
        for c in &w[3..] {
            match c.as_str() {
                ")" => break,
                "," => {}
                c => cols.push(c.to_ascii_lowercase()),
            }
        }
    }
    let keys: Vec<&str> = key.split(',').map(str::trim).collect();
    let set: Vec<String> = cols
        .iter()
        .filter(|c| !keys.contains(&c.as_str()))
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    if set.is_empty() {
        format!(" ON CONFLICT ({key}) DO NOTHING")
    } else {
        format!(" ON CONFLICT ({key}) DO UPDATE SET {}", set.join(", "))
    }
}

/// A SQLite trigger (`CREATE TRIGGER IF NOT EXISTS n AFTER … ON t [WHEN c] BEGIN … END`) as a
/// PL/pgSQL function and a trigger that runs it for each row.
fn trigger(sql: &str) -> String {
    let t = tokens(sql);
    let words: Vec<(usize, String)> = t
        .iter()
        .enumerate()
        .filter_map(|(i, k)| match k {
            Tok::Word(w) => Some((i, w.to_ascii_uppercase())),
            _ => None,
        })
        .collect();
    let pos = |w: &str| words.iter().find(|(_, x)| x == w).map(|(i, _)| *i);
    let text = |a: usize, b: usize| -> String {
        t[a..b]
            .iter()
            .map(|k| match k {
                Tok::Word(w) => w.clone(),
                Tok::Quoted(q) => q.clone(),
                Tok::Space => " ".into(),
                Tok::Other(c) => c.to_string(),
                Tok::Param(_) => "?".into(),
            })
            .collect()
    };
    let (Some(exists), Some(begin)) = (pos("EXISTS"), pos("BEGIN")) else {
        return statement(sql);
    };
    let end = words
        .iter()
        .rev()
        .find(|(_, x)| x == "END")
        .map(|(i, _)| *i)
        .unwrap_or(t.len());
    let name_at = skip(&t, exists + 1, 0);
    let name = next_words(&t, name_at, 1)
        .pop()
        .unwrap_or_default()
        .to_ascii_lowercase();
    // Triggers that PostgreSQL runs once per statement over its new rows (written for it).
    match name.as_str() {
        "day_counts_file_insert" => return crate::days::pg_insert_trigger(),
        "map_cells_file_insert" => return crate::maps::pg_insert_trigger(),
        _ => {}
    }
    let header_start = skip(&t, name_at, 1);
    let when = words
        .iter()
        .find(|(i, x)| x == "WHEN" && *i < begin)
        .map(|(i, _)| *i);
    let event = text(header_start, when.unwrap_or(begin));
    let cond = when.map(|w| statement(text(w + 1, begin).trim()));
    let body: Vec<String> = text(begin + 1, end)
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            if s.to_ascii_uppercase().starts_with("SELECT RAISE(ABORT,") {
                let msg = s.split_once(',').map(|x| x.1).unwrap_or("'error')");
                format!("RAISE EXCEPTION {}", msg.trim().trim_end_matches(')'))
            } else {
                statement(s)
            }
        })
        .collect();
    let body = body.join(";\n");
    let body = match cond {
        Some(c) => format!("IF {c} THEN {body}; END IF;"),
        None => format!("{body};"),
    };
    format!(
        "CREATE OR REPLACE FUNCTION albumen_{name}() RETURNS trigger LANGUAGE plpgsql AS \
         $albumen$ BEGIN {body} RETURN NULL; END $albumen$;\n\
         CREATE OR REPLACE TRIGGER {name} {event} FOR EACH ROW EXECUTE FUNCTION albumen_{name}()",
        event = event.trim(),
    )
}

/// Splits a batch at its `;`s (outside literals; a trigger's body stays whole).
fn split(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth_trigger = false;
    for tok in tokens_raw(sql) {
        match tok {
            Raw::Semi => {
                let up = cur.trim().to_ascii_uppercase();
                if up.starts_with("CREATE TRIGGER") && !up.ends_with("END") {
                    cur.push(';');
                    depth_trigger = true;
                    continue;
                }
                depth_trigger = false;
                out.push(std::mem::take(&mut cur));
            }
            Raw::Text(s) => cur.push_str(&s),
        }
    }
    let _ = depth_trigger;
    out.push(cur);
    out.into_iter().filter(|s| !s.trim().is_empty()).collect()
}

enum Raw {
    Semi,
    Text(String),
}

fn tokens_raw(sql: &str) -> Vec<Raw> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for c in sql.chars() {
        match quote {
            Some(q) => {
                cur.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                cur.push(c);
            }
            None if c == ';' => {
                out.push(Raw::Text(std::mem::take(&mut cur)));
                out.push(Raw::Semi);
            }
            None => cur.push(c),
        }
    }
    out.push(Raw::Text(cur));
    out
}

/// An index's columns with `NULLS FIRST`, as SQLite orders them: a scan of the index backwards
/// then gives `DESC NULLS LAST`, which is how `DESC` is translated (so `ORDER BY t DESC, id DESC
/// LIMIT n` reads the index instead of sorting every row).
///
/// Only B-tree indexes (no `USING`) are ordered: a GIN or GiST index has no order and refuses
/// the option (the search texts' trigram index is one).
fn nulls_first(sql: &str) -> String {
    let up = sql.to_ascii_uppercase();
    if up.contains(" USING ") && !up.contains(" USING BTREE") {
        return sql.to_string();
    }
    let Some(on) = up.find(" ON ") else {
        return sql.to_string();
    };
    let Some(open) = sql[on..].find('(').map(|k| on + k) else {
        return sql.to_string();
    };
    let (mut depth, mut quoted) = (0usize, false);
    let mut cols: Vec<(usize, usize)> = Vec::new();
    let mut start = open + 1;
    for (k, ch) in sql.char_indices().skip_while(|(k, _)| *k <= open) {
        match ch {
            '\'' => quoted = !quoted,
            _ if quoted => {}
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            ')' => {
                cols.push((start, k));
                break;
            }
            ',' if depth == 0 => {
                cols.push((start, k));
                start = k + 1;
            }
            _ => {}
        }
    }
    let mut out = sql.to_string();
    for &(a, b) in cols.iter().rev() {
        let col = &sql[a..b];
        if !col.to_ascii_uppercase().contains("NULLS") {
            out.insert_str(a + col.trim_end().len(), " NULLS FIRST");
        }
    }
    out
}

/// `sql` (one statement or a batch, SQLite's dialect) in PostgreSQL's dialect.
pub(crate) fn translate(sql: &str) -> String {
    let mut out = Vec::new();
    for s in split(sql) {
        let s = s.trim();
        let up = s.to_ascii_uppercase();
        if up.starts_with("PRAGMA") {
            continue;
        }
        if up.starts_with("CREATE TRIGGER") {
            out.push(trigger(s));
        } else if up.starts_with("CREATE VIRTUAL TABLE") && up.contains("FTS5") {
            // FTS5's table: a plain table keyed like FTS5's rowid; substring search over it
            // runs on a trigram index when the server has `pg_trgm` (see `search.rs`).
            out.push(
                "CREATE TABLE IF NOT EXISTS search_fts \
                 (rowid BIGINT PRIMARY KEY, body TEXT, file_id BIGINT)"
                    .into(),
            );
        } else if up.starts_with("CREATE INDEX") || up.starts_with("CREATE UNIQUE INDEX") {
            out.push(nulls_first(&statement(s)));
        } else {
            out.push(statement(s));
        }
    }
    out.join(";\n")
}

type BoxErr = Box<dyn std::error::Error + Sync + Send>;

/// A parameter is bound as the type the server inferred for its place.
impl ToSql for Value {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> std::result::Result<IsNull, BoxErr> {
        let v = self;
        let int = || -> std::result::Result<i64, BoxErr> {
            match v {
                Value::Int(i) => Ok(*i),
                Value::Real(f) => Ok(*f as i64),
                Value::Text(t) => Ok(t.trim().parse()?),
                _ => Err(format!("{v:?} bound as {ty}").into()),
            }
        };
        let real = || -> std::result::Result<f64, BoxErr> {
            match v {
                Value::Int(i) => Ok(*i as f64),
                Value::Real(f) => Ok(*f),
                Value::Text(t) => Ok(t.trim().parse()?),
                _ => Err(format!("{v:?} bound as {ty}").into()),
            }
        };
        let text = || -> String {
            match v {
                Value::Int(i) => i.to_string(),
                Value::Real(f) => f.to_string(),
                Value::Text(t) => t.clone(),
                Value::Blob(b) => String::from_utf8_lossy(b).into_owned(),
                Value::Null => String::new(),
            }
        };
        if *v == Value::Null {
            return Ok(IsNull::Yes);
        }
        match *ty {
            Type::BOOL => (int()? != 0).to_sql(ty, out),
            Type::INT2 => i16::try_from(int()?)?.to_sql(ty, out),
            Type::INT4 => i32::try_from(int()?)?.to_sql(ty, out),
            Type::INT8 => int()?.to_sql(ty, out),
            Type::OID => u32::try_from(int()?)?.to_sql(ty, out),
            Type::FLOAT4 => (real()? as f32).to_sql(ty, out),
            Type::FLOAT8 => real()?.to_sql(ty, out),
            Type::BYTEA => match v {
                Value::Blob(b) => b.as_slice().to_sql(ty, out),
                _ => text().as_bytes().to_sql(ty, out),
            },
            Type::JSON => {
                out.extend_from_slice(text().as_bytes());
                Ok(IsNull::No)
            }
            Type::JSONB => {
                out.extend_from_slice(&[1]);
                out.extend_from_slice(text().as_bytes());
                Ok(IsNull::No)
            }
            Type::NUMERIC => Err(format!("{v:?}: numeric parameters are not bound").into()),
            _ => {
                // text, varchar, name, unknown: the text form
                out.extend_from_slice(text().as_bytes());
                Ok(IsNull::No)
            }
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

/// A column's value read as SQLite's.
struct Read(Value);

impl<'a> FromSql<'a> for Read {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> std::result::Result<Read, BoxErr> {
        Ok(Read(match *ty {
            Type::BOOL => Value::Int(i64::from(bool::from_sql(ty, raw)?)),
            Type::INT2 => Value::Int(i64::from(i16::from_sql(ty, raw)?)),
            Type::INT4 => Value::Int(i64::from(i32::from_sql(ty, raw)?)),
            Type::INT8 => Value::Int(i64::from_sql(ty, raw)?),
            Type::OID => Value::Int(i64::from(u32::from_sql(ty, raw)?)),
            Type::FLOAT4 => Value::Real(f64::from(f32::from_sql(ty, raw)?)),
            Type::FLOAT8 => Value::Real(f64::from_sql(ty, raw)?),
            Type::NUMERIC => numeric(raw)?,
            Type::BYTEA => Value::Blob(raw.to_vec()),
            Type::JSONB => Value::Text(String::from_utf8(raw.get(1..).unwrap_or(&[]).to_vec())?),
            _ => Value::Text(String::from_utf8(raw.to_vec())?),
        }))
    }

    fn from_sql_null(_: &Type) -> std::result::Result<Read, BoxErr> {
        Ok(Read(Value::Null))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// PostgreSQL's binary `numeric` (what `sum()` of integers gives): an integer when it has no
/// fraction digits, else a float.
fn numeric(raw: &[u8]) -> std::result::Result<Value, BoxErr> {
    let be = |i: usize| -> std::result::Result<i16, BoxErr> {
        raw.get(i..i + 2)
            .map(|b| i16::from_be_bytes([b[0], b[1]]))
            .ok_or_else(|| "short numeric".into())
    };
    let n = usize::try_from(be(0)?).map_err(|_| "bad numeric")?;
    let weight = i32::from(be(2)?);
    let sign = be(4)? as u16;
    let dscale = be(6)?;
    if sign == 0xC000 {
        return Ok(Value::Real(f64::NAN));
    }
    let neg = sign == 0x4000;
    let mut f = 0f64;
    let mut int: Option<i128> = Some(0);
    for k in 0..n {
        let d = i128::from(be(8 + 2 * k)?);
        let exp = weight - i32::try_from(k).map_err(|_| "bad numeric")?;
        f += d as f64 * 10000f64.powi(exp);
        int = match (int, u32::try_from(exp)) {
            (Some(acc), Ok(e)) => 10000i128
                .checked_pow(e)
                .and_then(|p| p.checked_mul(d))
                .and_then(|x| acc.checked_add(x)),
            (Some(acc), Err(_)) if d == 0 => Some(acc),
            _ => None,
        };
    }
    Ok(match int.and_then(|i| i64::try_from(i).ok()) {
        Some(i) if dscale == 0 => Value::Int(if neg { -i } else { i }),
        _ => Value::Real(if neg { -f } else { f }),
    })
}

/// The server's own message (e.g. `relation "x" does not exist`) when there is one.
pub(crate) fn pg_err(e: postgres::Error) -> Error {
    match e.as_db_error() {
        Some(d) => Error::Pg(format!("{}: {}", d.severity(), d.message())),
        None => {
            // "error connecting to server" says little without its cause ("Connection refused")
            let mut m = e.to_string();
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                m.push_str(": ");
                m.push_str(&s.to_string());
                src = s.source();
            }
            Error::Pg(m)
        }
    }
}

/// The server's message and the statement it was about (its text, never its values).
fn with_sql(e: postgres::Error, sql: &str) -> Error {
    let short: String = sql.chars().take(300).collect();
    match pg_err(e) {
        Error::Pg(m) => Error::Pg(format!("{m} (in: {short})")),
        e => e,
    }
}

/// The connection thread's state: the client and its prepared statements.
pub(crate) struct Worker {
    client: postgres::Client,
    url: String,
    prepared: HashMap<String, postgres::Statement>,
    /// The last call found the connection gone.
    broken: bool,
}

impl Worker {
    pub(crate) fn new(client: postgres::Client, url: String) -> Worker {
        Worker {
            client,
            url,
            prepared: HashMap::new(),
            broken: false,
        }
    }

    /// Connects again when the connection was closed (an error then is the next call's).
    pub(crate) fn reconnect_if_closed(&mut self) {
        if self.broken || self.client.is_closed() {
            if let Ok(c) = postgres::Client::connect(&self.url, postgres::NoTls) {
                self.client = c;
                self.prepared.clear();
                self.broken = false;
            }
        }
    }

    /// Notes an error that means the connection is gone (closed, reset, or ended by the
    /// server), and passes it on.
    fn noted(&mut self, e: postgres::Error) -> postgres::Error {
        let fatal = e
            .as_db_error()
            .is_some_and(|d| matches!(d.severity(), "FATAL" | "PANIC"));
        if fatal
            || e.is_closed()
            || e.to_string()
                .contains("error communicating with the server")
        {
            self.broken = true;
        }
        e
    }

    fn prepared(&mut self, sql: &str, params: &[Value]) -> Result<postgres::Statement> {
        if let Some(s) = self.prepared.get(sql) {
            return Ok(s.clone());
        }
        let s = match self.client.prepare(sql) {
            Ok(s) => s,
            // `?1 IS NULL OR col = ?1`: the server will not guess a type from `IS NULL`; the
            // values say it (a NULL is taken for an integer, as such ids are).
            Err(e)
                if e.code() == Some(&postgres::error::SqlState::INDETERMINATE_DATATYPE)
                    || format!("{e:?}").contains("could not determine data type") =>
            {
                let types: Vec<Type> = params
                    .iter()
                    .map(|v| match v {
                        Value::Null | Value::Int(_) => Type::INT8,
                        Value::Real(_) => Type::FLOAT8,
                        Value::Text(_) => Type::TEXT,
                        Value::Blob(_) => Type::BYTEA,
                    })
                    .collect();
                let s = self
                    .client
                    .prepare_typed(sql, &types)
                    .map_err(|e| with_sql(e, sql))?;
                // typed by these values: not kept for others
                return Ok(s);
            }
            Err(e) => return Err(with_sql(self.noted(e), sql)),
        };
        if self.prepared.len() > 512 {
            self.prepared.clear();
        }
        self.prepared.insert(sql.to_string(), s.clone());
        Ok(s)
    }

    pub(crate) fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>> {
        let st = self.prepared(sql, params)?;
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|v| v as _).collect();
        let rows = match self.client.query(&st, &refs) {
            Ok(r) => r,
            Err(e) => return Err(with_sql(self.noted(e), sql)),
        };
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| {
                        r.try_get::<_, Read>(i)
                            .map(|v| v.0)
                            .map_err(|e| Error::Conversion(e.to_string()))
                    })
                    .collect()
            })
            .collect()
    }

    pub(crate) fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let st = self.prepared(sql, params)?;
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|v| v as _).collect();
        match self.client.execute(&st, &refs) {
            Ok(n) => Ok(n),
            Err(e) => Err(with_sql(self.noted(e), sql)),
        }
    }

    pub(crate) fn batch(&mut self, sql: &str) -> Result<()> {
        match self.client.batch_execute(sql) {
            Ok(()) => Ok(()),
            Err(e) => Err(Error::Pg(format!(
                "{} (in: {})",
                pg_err(self.noted(e)),
                sql.chars().take(200).collect::<String>()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::translate;

    #[test]
    fn statements_are_translated() {
        assert_eq!(
            translate("SELECT id FROM files WHERE dir_id = ?1 AND name = ?2"),
            "SELECT id FROM files WHERE dir_id = $1 AND name = $2"
        );
        assert_eq!(
            translate("INSERT OR IGNORE INTO keywords (file_id, keyword) VALUES (?, ?)"),
            "INSERT INTO keywords (file_id, keyword) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        );
        assert_eq!(
            translate("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, '1')"),
            "INSERT INTO meta (key, value) VALUES ($1, '1') ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        );
        assert_eq!(
            translate("CREATE TABLE t (id INTEGER PRIMARY KEY, p BLOB, x REAL, n INTEGER) WITHOUT ROWID"),
            "CREATE TABLE t (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, p BYTEA, x DOUBLE PRECISION, n BIGINT) "
        );
        assert_eq!(
            translate("SELECT 'it''s ?' WHERE a IS NOT b"),
            "SELECT 'it''s ?' WHERE a IS DISTINCT FROM b"
        );
        assert_eq!(translate("PRAGMA foo = 1; SELECT 1"), "SELECT 1");
        assert_eq!(
            translate("SELECT * FROM (SELECT a FROM t ORDER BY a) WHERE x IN (SELECT 1)"),
            "SELECT * FROM (SELECT a FROM t ORDER BY a) AS _q1 WHERE x IN (SELECT 1)"
        );
        assert_eq!(
            translate("SELECT m.a FROM (SELECT a FROM t) AS m, (SELECT 2) n"),
            "SELECT m.a FROM (SELECT a FROM t) AS m, (SELECT 2) n"
        );
    }

    #[test]
    fn index_columns_sort_nulls_first_as_sqlite_does() {
        assert_eq!(
            translate(
                "CREATE INDEX IF NOT EXISTS files_timeline \
                 ON files (library_id, coalesce(time_local, capture_local, ''), id)"
            ),
            "CREATE INDEX IF NOT EXISTS files_timeline ON files (library_id NULLS FIRST, \
             coalesce(time_local, capture_local, '') NULLS FIRST, id NULLS FIRST)"
        );
        assert_eq!(
            translate("CREATE UNIQUE INDEX i ON t (a, b) WHERE a IS NOT NULL"),
            "CREATE UNIQUE INDEX i ON t (a NULLS FIRST, b NULLS FIRST) WHERE a IS NOT NULL"
        );
        assert_eq!(
            translate("CREATE INDEX IF NOT EXISTS s ON search_fts USING gin (body gin_trgm_ops)"),
            "CREATE INDEX IF NOT EXISTS s ON search_fts USING gin (body gin_trgm_ops)"
        );
    }

    #[test]
    fn inserts_into_id_tables_return_the_ids() {
        assert_eq!(
            translate("INSERT OR IGNORE INTO dirs (library_id, path) VALUES (?1, ?2)"),
            "INSERT INTO dirs (library_id, path) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING id"
        );
        assert_eq!(
            translate("INSERT INTO keywords (file_id, keyword) VALUES (?1, ?2)"),
            "INSERT INTO keywords (file_id, keyword) VALUES ($1, $2)"
        );
        // every table whose key SQLite makes is in the list, and only those
        let mut found = Vec::new();
        for schema in [
            crate::schema::SCHEMA,
            crate::users::AUTH_SCHEMA,
            crate::albums::ALBUMS_SCHEMA,
            crate::people::PEOPLE_SCHEMA,
            crate::undo::UNDO_SCHEMA,
            crate::verify_log::VERIFY_SCHEMA,
        ] {
            let t = super::tokens(schema);
            for (i, k) in t.iter().enumerate() {
                if *k == super::Tok::Word("TABLE".into()) {
                    let w = super::next_words(&t, i + 1, 8);
                    let name = if w.first().map(String::as_str) == Some("IF") {
                        &w[3..]
                    } else {
                        &w[..]
                    };
                    if name.get(1).map(String::as_str) == Some("(")
                        && name.get(2).map(String::as_str) == Some("ID")
                        && name.get(3).map(String::as_str) == Some("INTEGER")
                        && name.get(4).map(String::as_str) == Some("PRIMARY")
                    {
                        found.push(name[0].to_ascii_lowercase());
                    }
                }
            }
        }
        found.sort();
        assert_eq!(found, super::ID_TABLES);
    }

    #[test]
    fn triggers_become_functions() {
        let t = translate(
            "CREATE TRIGGER IF NOT EXISTS d_ins AFTER INSERT ON files WHEN NEW.x IS NOT NULL \
             BEGIN UPDATE c SET n = n + 1; INSERT INTO c (a) VALUES (1); END; SELECT 1;",
        );
        assert!(
            t.contains("CREATE OR REPLACE FUNCTION albumen_d_ins() RETURNS trigger"),
            "{t}"
        );
        assert!(
            t.contains("IF NEW.x IS NOT NULL THEN UPDATE c SET n = n + 1;"),
            "{t}"
        );
        assert!(
            t.contains("CREATE OR REPLACE TRIGGER d_ins AFTER INSERT ON files FOR EACH ROW"),
            "{t}"
        );
        assert!(t.ends_with("SELECT 1"), "{t}");
    }
}
