//! Backing up the questions database while the service answers, and restoring a backup.
//!
//! A backup copies the database with SQLite's online backup API inside one read transaction.
//! In WAL mode a reader never blocks the writer, so the recorder goes on committing while the
//! copy is made, and the copy is the database as it stood when the backup took its snapshot: every
//! record committed before then, none after. It waits a moment before the snapshot, so that
//! the questions the service answered before the backup began, which it records in the
//! background, are committed by then. It goes a few pages at a time with short pauses, to
//! share the disk with the service, into a file beside the target that is checked and renamed
//! into place only when complete: a failed backup never leaves a half-written file there.
//!
//! A restore checks that the file is a clinic-chat database of a schema version this build
//! knows, brings a copy of it up to the current version, and swaps the copy in with a rename.
//! Every store open on a data folder holds a shared lock on `clinic-chat.lock` in it; a
//! restore takes that lock exclusively, so it refuses while a server has the database open,
//! and a server starting meanwhile waits for it.

use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use fs4::fs_std::FileExt;
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, ErrorCode, OpenFlags};

use super::DATABASE;
use super::database::companion_paths;
use super::schema::{self, SCHEMA_VERSION, SchemaError};
use super::writer::LINGER;

/// Pages copied in one step: 1 MiB of SQLite's 4 KiB pages, a few milliseconds of disk.
const PAGES_PER_STEP: i32 = 256;
/// The pause between steps, leaving the disk to the service.
const PAUSE: Duration = Duration::from_millis(5);
/// Steps in a row that may find the destination busy before the backup gives up.
const BUSY_STEPS: u32 = 400;
/// The lock file in the data folder.
const LOCK: &str = "clinic-chat.lock";

/// A shared hold on a data folder's database, kept by every open store; released when
/// dropped, or when the process dies.
pub(super) struct InUse {
    _file: File,
}

/// Takes a shared hold on the database in `dir`, waiting while a restore replaces it. Without
/// a lock file (a folder that cannot be written) the store goes on without one.
pub(super) fn hold(dir: &Path) -> Option<InUse> {
    let file = lock_file(dir)
        .map_err(|err| tracing::debug!("no lock on the questions database: {err}"))
        .ok()?;
    if !FileExt::try_lock_shared(&file).ok()? {
        tracing::info!("a restore is replacing the questions database; waiting for it");
        FileExt::lock_shared(&file).ok()?;
    }
    Some(InUse { _file: file })
}

fn lock_file(dir: &Path) -> std::io::Result<File> {
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(LOCK))
}

/// What a database holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub questions: i64,
    pub feedback: i64,
    pub callbacks: i64,
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural =
            |n: i64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        write!(
            f,
            "{}, {} and {}",
            plural(self.questions, "question", "questions"),
            plural(self.feedback, "feedback vote", "feedback votes"),
            plural(self.callbacks, "call-back request", "call-back requests"),
        )
    }
}

/// A backup made.
#[derive(Debug, Clone)]
pub struct Copied {
    /// The schema version of the database copied.
    pub version: i64,
    pub counts: Counts,
    pub bytes: u64,
}

/// How long a backup waits before taking its snapshot. The service records a reply's question
/// in the background, committing within [`LINGER`] of the reply while its disk keeps up; ten
/// times that lets every question answered before the backup began reach the database first,
/// so that the backup holds it.
const SETTLE: Duration = Duration::from_millis(10 * LINGER.as_millis() as u64);

/// Copies the database in `dir` to `to` while the service may be answering and recording.
pub fn backup(dir: &Path, to: &Path) -> anyhow::Result<Copied> {
    std::thread::sleep(SETTLE);
    backup_paced(dir, to, PAGES_PER_STEP, PAUSE)
}

fn backup_paced(dir: &Path, to: &Path, pages: i32, pause: Duration) -> anyhow::Result<Copied> {
    let path = dir.join(DATABASE);
    ensure!(
        path.is_file(),
        "there is no questions database in {} (nothing recorded yet, or the service keeps its data elsewhere: --data, CLINIC_CHAT_DATA)",
        dir.display()
    );
    ensure!(
        !same_file(to, &path),
        "{} is the questions database itself: back it up to another file",
        to.display()
    );
    let source = open_live(&path)
        .with_context(|| format!("cannot open the questions database {}", path.display()))?;
    // One read transaction for the whole copy: its snapshot is what the backup holds, and a
    // step never starts over because the recorder committed in between.
    source.execute_batch("BEGIN")?;
    let counts = counts(&source)?;
    let version = schema::version(&source)?;
    let partial = Partial::beside(to)?;
    let mut copy = Connection::open(&partial.path)
        .with_context(|| format!("cannot write {}", partial.path.display()))?;
    copy_pages(&source, &mut copy, pages, pause)?;
    source.execute_batch("COMMIT")?;
    drop(source);
    // A file on its own, without a WAL beside it, so that it can be moved and copied whole.
    copy.pragma_update(None, "journal_mode", "DELETE")?;
    check(&copy)?;
    ensure!(
        self::counts(&copy)? == counts,
        "the copy does not hold what the database held; it was not kept"
    );
    drop(copy);
    let bytes = partial.finish(to)?;
    Ok(Copied {
        version,
        counts,
        bytes,
    })
}

/// Whether `a` and `b` name one existing file.
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Opens a database the service may be using, without creating one; read-only when this
/// user may only read it.
fn open_live(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let connection = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_READ_WRITE)
        .or_else(|_| {
        Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_READ_ONLY)
    })?;
    connection.busy_timeout(Duration::from_secs(2))?;
    Ok(connection)
}

fn copy_pages(
    source: &Connection,
    copy: &mut Connection,
    pages: i32,
    pause: Duration,
) -> anyhow::Result<()> {
    let backup = Backup::new(source, copy)?;
    let mut busy = 0;
    loop {
        match backup.step(pages)? {
            StepResult::Done => return Ok(()),
            StepResult::More => busy = 0,
            StepResult::Busy | StepResult::Locked => {
                busy += 1;
                ensure!(busy < BUSY_STEPS, "the backup's file stayed locked");
            }
            _ => {}
        }
        std::thread::sleep(pause);
    }
}

/// The rows of each table; 0 for a table an older schema did not have yet.
fn counts(connection: &Connection) -> rusqlite::Result<Counts> {
    let count = |table: &str| -> rusqlite::Result<i64> {
        let exists: bool = connection.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1)",
            [table],
            |r| r.get(0),
        )?;
        match exists {
            true => {
                connection.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            }
            false => Ok(0),
        }
    };
    Ok(Counts {
        questions: count("turns")?,
        feedback: count("feedback")?,
        callbacks: count("callbacks")?,
    })
}

/// SQLite's own check of a database's structure.
fn check(connection: &Connection) -> anyhow::Result<()> {
    let verdict: String = connection.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    ensure!(verdict == "ok", "it is damaged: {verdict}");
    Ok(())
}

/// A file being written beside its final place; removed unless finished.
struct Partial {
    path: PathBuf,
    done: bool,
}

impl Partial {
    fn beside(target: &Path) -> anyhow::Result<Partial> {
        let mut name = target.as_os_str().to_owned();
        name.push(".partial");
        let path = PathBuf::from(name);
        match std::fs::remove_file(&path) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                return Err(err).with_context(|| format!("cannot replace {}", path.display()));
            }
            _ => {}
        }
        Ok(Partial { path, done: false })
    }

    /// Makes the file durable and moves it to `target` in one step; returns its size.
    fn finish(mut self, target: &Path) -> anyhow::Result<u64> {
        let file = File::open(&self.path)?;
        file.sync_all()?;
        let bytes = file.metadata()?.len();
        std::fs::rename(&self.path, target)
            .with_context(|| format!("cannot write {}", target.display()))?;
        self.done = true;
        // The rename itself reaches the disk with the folder.
        if let Some(folder) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
            File::open(folder).and_then(|f| f.sync_all()).ok();
        }
        Ok(bytes)
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A restore done.
#[derive(Debug, Clone)]
pub struct Restored {
    /// The schema version the backup was at; the restored database is at [`SCHEMA_VERSION`].
    pub version: i64,
    /// What the restored database holds.
    pub counts: Counts,
    /// The database file now in place.
    pub path: PathBuf,
    /// What the database it replaced held, when there was one that could be read.
    pub replaced: Option<Counts>,
}

/// Replaces the database in `dir` with the backup `from`, brought up to this build's schema.
/// Refuses while a server has the database open, and leaves everything as it was when the
/// backup is not a clinic-chat database this build can read.
pub fn restore(from: &Path, dir: &Path) -> anyhow::Result<Restored> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let lock = lock_file(dir).with_context(|| format!("cannot lock {}", dir.display()))?;
    if !FileExt::try_lock_exclusive(&lock)? {
        bail!(
            "clinic-chat is running on {} (a server has its questions database open): stop it first (systemctl stop clinic-chat), restore, then start it again",
            dir.display()
        );
    }
    let source = inspect(from)?;
    let version = schema::version(&source)?;
    let path = dir.join(DATABASE);
    let partial = Partial::beside(&path)?;
    let mut copy = Connection::open(&partial.path)
        .with_context(|| format!("cannot write {}", partial.path.display()))?;
    copy_pages(&source, &mut copy, -1, Duration::ZERO)?;
    drop(source);
    schema::migrate(&mut copy)
        .with_context(|| format!("cannot bring {} up to date", from.display()))?;
    copy.pragma_update(None, "journal_mode", "DELETE")?;
    let counts = counts(&copy)?;
    drop(copy);
    own_like_folder(&partial.path, dir)?;
    let replaced = retire(&path);
    partial.finish(&path)?;
    drop(lock);
    Ok(Restored {
        version,
        counts,
        path,
        replaced,
    })
}

/// Gives the restored database the data folder's owner. A restore run as root for a service
/// with a user of its own (the package's unit: systemd's `DynamicUser`) would otherwise leave
/// a file the service can read but not write, and every question after it would be lost.
fn own_like_folder(path: &Path, dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let folder = std::fs::metadata(dir)?;
    let file = std::fs::metadata(path)?;
    if (file.uid(), file.gid()) != (folder.uid(), folder.gid()) {
        std::os::unix::fs::chown(path, Some(folder.uid()), Some(folder.gid())).with_context(
            || {
                format!(
                    "cannot give the restored database to the owner of {}: restore as that user or as root",
                    dir.display()
                )
            },
        )?;
    }
    Ok(())
}

/// Opens the backup `from` read-only once it is known to be a clinic-chat database of a
/// schema version this build knows, whole.
fn inspect(from: &Path) -> anyhow::Result<Connection> {
    let shown = from.display();
    ensure!(from.is_file(), "{shown} is not a file");
    let source = Connection::open_with_flags(
        from,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("cannot open {shown}"))?;
    let version = match schema::version(&source) {
        Ok(version) => version,
        Err(err) if err.sqlite_error_code() == Some(ErrorCode::NotADatabase) => {
            bail!("{shown} is not a database (a clinic-chat backup is a SQLite file)")
        }
        Err(err) => return Err(err).with_context(|| format!("cannot read {shown}")),
    };
    if version > SCHEMA_VERSION {
        bail!("{shown}: {}", SchemaError::Newer(version));
    }
    let tables: Vec<String> = source
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let has = |table: &str| tables.iter().any(|t| t == table);
    ensure!(
        version >= 1 && has("turns") && has("feedback"),
        "{shown} is not a clinic-chat questions database (it has no questions table)"
    );
    check(&source).with_context(|| format!("{shown} cannot be restored"))?;
    Ok(source)
}

/// Lets go of the database about to be replaced: what it held, for the record, with its WAL
/// merged into it and removed, so that no old page is read into the file that takes its place.
fn retire(path: &Path) -> Option<Counts> {
    let held = path
        .is_file()
        .then(|| open_live(path).and_then(|c| counts(&c)).ok())
        .flatten();
    for companion in companion_paths(path) {
        let _ = std::fs::remove_file(companion);
    }
    held
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Kind;
    use crate::store::tests::turn;
    use crate::store::{Store, now};

    fn store_with(dir: &Path, turns: u32) -> Store {
        let store = Store::open(dir).unwrap();
        let batch: Vec<_> = (0..turns)
            .map(|n| turn(n, now(), Kind::Answer, &format!("question {n}")))
            .collect();
        store.insert_turns(&batch).unwrap();
        store
    }

    /// Writes keep landing while the copy goes a page at a time; the copy holds the database
    /// as it was when it began, and the writer was never kept waiting for it.
    #[test]
    fn a_backup_taken_while_writes_land_holds_the_database_as_it_began() {
        let dir = tempfile::tempdir().unwrap();
        let store = std::sync::Arc::new(store_with(dir.path(), 3000));
        let writing = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let writer = {
            let (store, writing) = (store.clone(), writing.clone());
            std::thread::spawn(move || {
                let mut n = 100_000;
                while writing.load(std::sync::atomic::Ordering::Relaxed) {
                    store
                        .insert_turns(&[turn(n, now(), Kind::Fallback, "later")])
                        .unwrap();
                    n += 1;
                }
                n - 100_000
            })
        };
        let to = dir.path().join("backup.db");
        let copied = backup_paced(dir.path(), &to, 1, Duration::from_micros(200)).unwrap();
        writing.store(false, std::sync::atomic::Ordering::Relaxed);
        let written_meanwhile = writer.join().unwrap();
        assert!(written_meanwhile > 0, "the writer went on during the copy");
        assert!(copied.counts.questions >= 3000);
        let copy = Connection::open(&to).unwrap();
        assert_eq!(counts(&copy).unwrap(), copied.counts);
        let mode: String = copy
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "delete", "the backup is one file, without a WAL");
        assert!(!Path::new(&format!("{}.partial", to.display())).exists());
    }

    #[test]
    fn a_backup_onto_the_database_itself_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with(dir.path(), 2);
        let err = backup(dir.path(), &dir.path().join(".").join(DATABASE)).unwrap_err();
        assert!(err.to_string().contains("another file"), "{err}");
        assert_eq!(store.questions(1, 10).unwrap().total, 2);
    }

    #[test]
    fn a_restore_replaces_the_database_and_says_what_it_held() {
        let live = tempfile::tempdir().unwrap();
        drop(store_with(live.path(), 5));
        let to = live.path().join("backup.db");
        backup(live.path(), &to).unwrap();
        let other = tempfile::tempdir().unwrap();
        drop(store_with(other.path(), 2));
        let restored = restore(&to, other.path()).unwrap();
        assert_eq!(restored.counts.questions, 5);
        assert_eq!(restored.replaced.map(|c| c.questions), Some(2));
        assert_eq!(restored.version, SCHEMA_VERSION);
        let store = Store::open(other.path()).unwrap();
        assert_eq!(store.questions(1, 10).unwrap().total, 5);
    }

    /// As root (CI, and a clinic's server), for a data folder owned by the service's user.
    #[test]
    fn a_restored_database_belongs_to_the_data_folders_owner() {
        use std::os::unix::fs::MetadataExt;
        let live = tempfile::tempdir().unwrap();
        drop(store_with(live.path(), 3));
        let to = live.path().join("backup.db");
        backup(live.path(), &to).unwrap();
        let service = tempfile::tempdir().unwrap();
        let nobody = 65534;
        if std::os::unix::fs::chown(service.path(), Some(nobody), Some(nobody)).is_err() {
            eprintln!("SKIPPED: only root can give a folder to another user");
            return;
        }
        let restored = restore(&to, service.path()).unwrap();
        let owner = std::fs::metadata(&restored.path).unwrap();
        assert_eq!((owner.uid(), owner.gid()), (nobody, nobody));
    }

    #[test]
    fn a_restore_is_refused_while_a_store_has_the_database_open() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with(dir.path(), 3);
        let to = dir.path().join("backup.db");
        backup(dir.path(), &to).unwrap();
        let err = restore(&to, dir.path()).unwrap_err().to_string();
        assert!(err.contains("stop it first"), "{err}");
        drop(store);
        restore(&to, dir.path()).unwrap();
    }

    #[test]
    fn what_is_not_a_clinic_chat_database_of_a_known_version_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        drop(store_with(dir.path(), 4));
        let cases = [
            ("notes.txt", None, "is not a database"),
            (
                "other.db",
                Some("CREATE TABLE t (x); PRAGMA user_version = 1;"),
                "not a clinic-chat",
            ),
            (
                "newer.db",
                Some("CREATE TABLE turns (x); CREATE TABLE feedback (y); PRAGMA user_version = 9;"),
                "newer clinic-chat",
            ),
        ];
        for (name, sql, says) in cases {
            let file = dir.path().join(name);
            match sql {
                Some(sql) => Connection::open(&file).unwrap().execute_batch(sql).unwrap(),
                None => std::fs::write(&file, "these are not the questions\n".repeat(200)).unwrap(),
            }
            let err = format!("{:#}", restore(&file, dir.path()).unwrap_err());
            assert!(err.contains(says), "{name}: {err}");
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.questions(1, 10).unwrap().total, 4, "left as it was");
    }

    #[test]
    fn counts_read_as_a_sentence() {
        let counts = Counts {
            questions: 12,
            feedback: 1,
            callbacks: 0,
        };
        assert_eq!(
            counts.to_string(),
            "12 questions, 1 feedback vote and 0 call-back requests"
        );
    }
}
