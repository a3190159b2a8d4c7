//! The connection to the database file, and noticing when the file changes under it. A file
//! deleted or replaced while the service runs would otherwise go on taking records into the
//! old, unlinked copy that nobody can read: the file's identity (device and inode) is compared
//! with the open one before each use, a `stat` and no more, and on a change the old copy's
//! rows are counted as lost and the file at the path is opened (or created) instead. A file
//! that cannot be used is tried again every few seconds, and said so to staff plainly.

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::{Connection, ErrorCode};

use super::schema::{self, SchemaError};

/// How often a database that could not be opened is tried again.
const RETRY: Duration = Duration::from_secs(5);

/// Why the database cannot be used, in words for staff: never a path or SQLite's internals.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the questions database cannot be read: {reason}")]
pub struct Unreadable {
    reason: &'static str,
}

impl Unreadable {
    pub(super) fn because(reason: &'static str) -> Unreadable {
        Unreadable { reason }
    }
}

impl From<&rusqlite::Error> for Unreadable {
    fn from(err: &rusqlite::Error) -> Unreadable {
        let reason = match err.sqlite_error_code() {
            Some(ErrorCode::NotADatabase) => "the file is not a database",
            Some(ErrorCode::DatabaseCorrupt) => "the file is damaged",
            Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied | ErrorCode::ReadOnly) => {
                "the file cannot be opened for writing"
            }
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                "another program holds it; try again in a moment"
            }
            Some(ErrorCode::DiskFull) => "the disk is full",
            _ => "it did not answer as expected",
        };
        Unreadable { reason }
    }
}

/// A device and inode: which file a path names.
type Identity = (u64, u64);

#[cfg(unix)]
fn identity(path: &Path) -> Option<Identity> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn identity(path: &Path) -> Option<Identity> {
    std::fs::metadata(path).ok().map(|_| (0, 0))
}

/// The open database, or why there is none.
pub(super) struct Db {
    connection: Option<Connection>,
    /// The file the connection has open (or the one that failed to open).
    identity: Option<Identity>,
    /// Its WAL and shared-memory files, as they were when it opened.
    companions: [Option<Identity>; 2],
    problem: Option<Unreadable>,
    attempted: Instant,
}

/// Rows a replaced file took with it.
pub(super) struct Lost {
    pub turns: u64,
    pub feedback: u64,
}

impl Db {
    pub(super) fn open(path: &Path) -> Db {
        let mut db = Db {
            connection: None,
            identity: None,
            companions: [None, None],
            problem: None,
            attempted: Instant::now(),
        };
        db.reopen(path);
        db
    }

    pub(super) fn usable(&mut self) -> Result<&mut Connection, Unreadable> {
        match &mut self.connection {
            Some(connection) => Ok(connection),
            None => Err(self
                .problem
                .clone()
                .unwrap_or(Unreadable::because("it is not open"))),
        }
    }

    /// Makes sure the connection is to the file now at `path`; returns what was lost when the
    /// open file had been deleted or replaced.
    pub(super) fn refresh(&mut self, path: &Path) -> Option<Lost> {
        let now = identity(path);
        if self.connection.is_some() {
            if now == self.identity {
                return None;
            }
            let lost = self.rows();
            self.connection = None;
            self.remove_companions(path);
            self.reopen(path);
            return Some(lost);
        }
        if now != self.identity || self.attempted.elapsed() >= RETRY {
            self.reopen(path);
        }
        None
    }

    /// The rows in the open file, read before it is let go.
    fn rows(&self) -> Lost {
        let count = |table: &str| -> u64 {
            self.connection
                .as_ref()
                .and_then(|c| {
                    c.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| {
                        r.get::<_, i64>(0)
                    })
                    .ok()
                })
                .map_or(0, |n| n.max(0) as u64)
        };
        Lost {
            turns: count("turns"),
            feedback: count("feedback"),
        }
    }

    /// Removes the closed file's WAL and shared memory when they are still at the path: SQLite
    /// keeps them when the file was moved, and a new file there would read the old file's
    /// pages from them (the old questions, or the old database over a garbage file).
    fn remove_companions(&self, path: &Path) {
        for (file, was) in companion_paths(path).iter().zip(self.companions) {
            if was.is_some() && identity(file) == was {
                let _ = std::fs::remove_file(file);
            }
        }
    }

    fn reopen(&mut self, path: &Path) {
        // The old connection goes first: closing it removes its WAL file, which a new file at
        // the same path must not inherit.
        self.connection = None;
        self.attempted = Instant::now();
        let was = self.problem.take();
        match connect(path) {
            Ok(connection) => {
                if was.is_some() {
                    tracing::info!("the questions database can be used again");
                }
                self.connection = Some(connection);
            }
            Err(problem) => {
                if was.as_ref() != Some(&problem) {
                    tracing::warn!("{problem}; answering without recording");
                }
                self.problem = Some(problem);
            }
        }
        self.identity = identity(path);
        self.companions = companion_paths(path).map(|file| identity(&file));
    }
}

/// The WAL and shared-memory files SQLite keeps next to the database at `path`.
pub(super) fn companion_paths(path: &Path) -> [std::path::PathBuf; 2] {
    ["-wal", "-shm"].map(|suffix| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        name.into()
    })
}

/// Opens (creating and migrating) the database at `path`.
fn connect(path: &Path) -> Result<Connection, Unreadable> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|_| Unreadable::because("its folder cannot be created"))?;
    }
    let mut connection = Connection::open(path).map_err(|e| Unreadable::from(&e))?;
    prepare(&connection).map_err(|err| {
        tracing::warn!("could not open the questions database: {err}");
        Unreadable::from(&err)
    })?;
    match schema::migrate(&mut connection) {
        Ok(()) => Ok(connection),
        Err(SchemaError::Newer(version)) => {
            tracing::warn!("the questions database {}", SchemaError::Newer(version));
            Err(Unreadable::because(
                "it was made by a newer version of clinic-chat",
            ))
        }
        Err(SchemaError::Sqlite(err)) => {
            tracing::warn!("could not bring the questions database up to date: {err}");
            Err(Unreadable::from(&err))
        }
    }
}

/// The settings every connection of the service's own runs with.
fn prepare(connection: &Connection) -> rusqlite::Result<()> {
    connection.busy_timeout(Duration::from_secs(2))?;
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    // Deleted rows are overwritten with zeros, not left readable in free space: an erasure
    // must reach the disk.
    connection.pragma_update(None, "secure_delete", "ON")
}

/// Empties the WAL into the database file and truncates it, so that the old copies of pages
/// an erasure or purge rewrote are gone from disk too.
pub(super) fn checkpoint(connection: &Connection) {
    match connection.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(0) => {}
        Ok(_) => tracing::warn!(
            "deleted questions stay in the WAL file until the next erasure or purge: another program is reading the database"
        ),
        Err(err) => tracing::warn!("could not checkpoint the questions database: {err}"),
    }
}
