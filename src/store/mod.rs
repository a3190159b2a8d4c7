//! What visitors ask, kept on the clinic's own machine: an embedded SQLite database (WAL mode)
//! in the data folder. Each chat turn is recorded with its question redacted of personal
//! details, never an IP address or user agent; feedback is stored once per answer given;
//! rows older than the retention period are deleted, and deleted rows are zeroed on disk.
//! Recording never slows or fails an answer: writes go through a bounded channel to one
//! writer thread that batches them ([`Recorder`]), and what cannot be written is logged and
//! counted.
//!
//! The parts: `schema` (tables, migrations), `database` (the connection, noticing a deleted
//! or replaced file), `backup` (copying the database while it is in use, restoring a copy),
//! `writer` (the recorder and its thread), `issued` (answer ids given
//! lately), `report` (the staff report), `questions` (every question, paged and for export),
//! `callbacks` (call-back requests and their delivery), `columns` (a reply's kind, ids and
//! reading as column text). Personal details are taken out by
//! [`crate::redact`].

mod backup;
mod callbacks;
mod columns;
mod database;
mod issued;
mod questions;
mod report;
mod schema;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::params;

use crate::record::{AnswerId, ConversationId, Kind, Reading};
pub use crate::redact::redact;
pub use backup::{Copied, Counts, Restored, backup, restore};
pub use callbacks::{Callback, Channel, Delivery, DeliveryState, NewCallback};
use database::Db;
pub use database::Unreadable;
pub use questions::{Asked, EXPORT_LIMIT, QuestionPage};
pub use report::{Day, FeedbackCounts, Report, Unanswered, Unhelpful, UrgentTurn};
pub use schema::SCHEMA_VERSION;
pub use writer::Recorder;

const DATABASE: &str = "clinic-chat.db";

/// One chat turn as it is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    pub answer_id: AnswerId,
    pub conversation_id: ConversationId,
    /// Seconds since the Unix epoch.
    pub at: i64,
    pub kind: Kind,
    /// Redacted before it reaches the database.
    pub question: String,
    pub top_source: Option<String>,
    pub latency_us: i64,
    /// For urgent replies: `emergency` or `same_day`.
    pub severity: Option<String>,
    /// How the question was read (the treatment and intent), when it named a treatment.
    pub reading: Option<Reading>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feedback {
    pub answer_id: AnswerId,
    pub helpful: bool,
    pub comment: Option<String>,
    pub at: i64,
}

enum Job {
    Turn(Turn),
    Feedback(Feedback),
    Erase(ConversationId),
    Flush(std::sync::mpsc::Sender<()>),
}

/// The database: shared by the writer thread and report queries, reopened when its file is
/// deleted or replaced.
pub struct Store {
    path: PathBuf,
    db: Mutex<Db>,
    /// Rows lost with a file deleted or replaced under the service.
    lost: AtomicU64,
    /// Keeps a restore from replacing the file while this store has it open.
    _in_use: Option<backup::InUse>,
}

/// A vote for an answer that is in the database, replacing the answer's earlier vote: feedback
/// for an id never given, or for an erased answer, is not stored.
const UPSERT_FEEDBACK: &str = "INSERT INTO feedback (answer_id, helpful, comment, at) \
     SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM turns WHERE answer_id = ?1) \
     ON CONFLICT (answer_id) DO UPDATE SET helpful = excluded.helpful, comment = excluded.comment, at = excluded.at";

impl Store {
    /// The store for the database in `dir`, created when missing; when it cannot be used, its
    /// report says why and it is tried again every few seconds.
    pub fn at(dir: &Path) -> Store {
        let path = dir.join(DATABASE);
        let db = Db::open(&path);
        Store {
            db: Mutex::new(db),
            path,
            lost: AtomicU64::new(0),
            _in_use: backup::hold(dir),
        }
    }

    /// Opens (creating and migrating) the database in `dir`, or says why it cannot.
    pub fn open(dir: &Path) -> Result<Store, Unreadable> {
        let store = Store::at(dir);
        store.db().usable()?;
        Ok(store)
    }

    /// Refuses a database in `dir` made by a newer clinic-chat, whose tables this build
    /// cannot know: for `serve`, which would otherwise answer without recording anything.
    pub fn refuse_newer(dir: &Path) -> anyhow::Result<()> {
        let path = dir.join(DATABASE);
        if !path.is_file() {
            return Ok(());
        }
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
        let version =
            rusqlite::Connection::open_with_flags(&path, flags).and_then(|c| schema::version(&c));
        match version {
            Ok(version) if version > SCHEMA_VERSION => anyhow::bail!(
                "the questions database {}: {}",
                path.display(),
                schema::SchemaError::Newer(version)
            ),
            // Anything else that is wrong with it is said, and retried, once the store opens.
            _ => Ok(()),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Rows lost with a database file deleted or replaced while the service ran.
    pub fn lost(&self) -> u64 {
        self.lost.load(Ordering::Relaxed)
    }

    /// The database, once it is checked to still be the file at the path.
    fn db(&self) -> MutexGuard<'_, Db> {
        let mut db = self.db.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(lost) = db.refresh(&self.path) {
            self.lost
                .fetch_add(lost.turns + lost.feedback, Ordering::Relaxed);
            tracing::warn!(
                turns = lost.turns,
                feedback = lost.feedback,
                "the questions database file was deleted or replaced while in use; the records it held are lost to the report"
            );
        }
        db
    }

    fn write(&self, jobs: &[Job]) -> anyhow::Result<()> {
        let mut db = self.db();
        let connection = db.usable()?;
        let tx = connection.transaction()?;
        // Turns in a row are inserted together, so that other jobs (an erasure) still apply
        // in the order they came.
        let mut turns: Vec<&Turn> = Vec::new();
        let mut erased = false;
        for job in jobs {
            if let Job::Turn(t) = job {
                turns.push(t);
                continue;
            }
            write_turns(&tx, &turns)?;
            turns.clear();
            match job {
                Job::Feedback(f) => {
                    let comment = f.comment.as_deref().map(redact);
                    tx.prepare_cached(UPSERT_FEEDBACK)?.execute(params![
                        f.answer_id,
                        f.helpful,
                        comment,
                        f.at
                    ])?;
                }
                Job::Erase(conversation) => {
                    erase(&tx, conversation)?;
                    erased = true;
                }
                Job::Turn(_) | Job::Flush(_) => {}
            }
        }
        write_turns(&tx, &turns)?;
        tx.commit()?;
        if erased {
            database::checkpoint(connection);
        }
        Ok(())
    }

    /// Deletes rows (turns, feedback, call-back requests) older than `days`; returns how many
    /// turns went.
    pub fn purge_older_than(&self, days: u32, now: i64) -> anyhow::Result<usize> {
        let cutoff = now - i64::from(days) * 86_400;
        let mut db = self.db();
        let connection = db.usable()?;
        let feedback = connection.execute("DELETE FROM feedback WHERE at < ?1", params![cutoff])?;
        let turns = connection.execute("DELETE FROM turns WHERE at < ?1", params![cutoff])?;
        let callbacks = callbacks::purge(connection, cutoff)?;
        if feedback + turns + callbacks > 0 {
            database::checkpoint(connection);
        }
        Ok(turns)
    }

    /// Whether the database holds the answer `answer_id`; `false` when it cannot be read.
    pub fn has_answer(&self, answer_id: &AnswerId) -> bool {
        let mut db = self.db();
        let Ok(connection) = db.usable() else {
            return false;
        };
        connection
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM turns WHERE answer_id = ?1)")
            .and_then(|mut s| s.query_row([answer_id], |r| r.get(0)))
            .unwrap_or(false)
    }

    /// Writes records now, in the caller's thread (for tests and seeding).
    pub fn insert_turns(&self, turns: &[Turn]) -> anyhow::Result<()> {
        let jobs: Vec<Job> = turns.iter().cloned().map(Job::Turn).collect();
        self.write(&jobs)
    }

    pub fn insert_feedback(&self, feedback: &[Feedback]) -> anyhow::Result<()> {
        let jobs: Vec<Job> = feedback.iter().cloned().map(Job::Feedback).collect();
        self.write(&jobs)
    }
}

/// Deletes a conversation: its turns, their feedback, and its call-back requests.
fn erase(tx: &rusqlite::Transaction<'_>, conversation: &ConversationId) -> rusqlite::Result<()> {
    tx.execute(
        "DELETE FROM feedback WHERE answer_id IN (SELECT answer_id FROM turns WHERE conversation_id = ?1)",
        params![conversation],
    )?;
    tx.execute(
        "DELETE FROM turns WHERE conversation_id = ?1",
        params![conversation],
    )?;
    callbacks::erase(tx, conversation)?;
    Ok(())
}

/// Turns inserted by one statement: each statement costs SQLite a setup and a wind-down on top
/// of its rows, which for one row was about a fifth of recording a turn.
const ROWS_PER_INSERT: usize = 32;

/// An insert of `rows` turns.
fn insert_sql(rows: usize) -> String {
    let row = "(?, ?, ?, ?, ?, ?, ?, ?, ?)";
    format!(
        "INSERT OR IGNORE INTO turns (answer_id, conversation_id, at, kind, question, top_source, latency_us, severity, reading) VALUES {}",
        vec![row; rows].join(", ")
    )
}

static INSERT_TURNS: LazyLock<String> = LazyLock::new(|| insert_sql(ROWS_PER_INSERT));
static INSERT_TURN: LazyLock<String> = LazyLock::new(|| insert_sql(1));

/// Inserts `turns` in order, [`ROWS_PER_INSERT`] a statement and the rest one by one.
fn write_turns(tx: &rusqlite::Transaction<'_>, turns: &[&Turn]) -> rusqlite::Result<()> {
    let mut chunks = turns.chunks_exact(ROWS_PER_INSERT);
    for chunk in &mut chunks {
        insert(tx, &INSERT_TURNS, chunk)?;
    }
    for turn in chunks.remainder() {
        insert(tx, &INSERT_TURN, std::slice::from_ref(turn))?;
    }
    Ok(())
}

/// Runs `sql`, an insert of as many turns as `rows`, with their questions redacted.
fn insert(tx: &rusqlite::Transaction<'_>, sql: &str, rows: &[&Turn]) -> rusqlite::Result<()> {
    let questions: Vec<String> = rows.iter().map(|t| redact(&t.question)).collect();
    let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(rows.len() * 9);
    for (t, question) in rows.iter().zip(&questions) {
        values.extend([
            &t.answer_id as &dyn rusqlite::ToSql,
            &t.conversation_id,
            &t.at,
            &t.kind,
            question,
            &t.top_source,
            &t.latency_us,
            &t.severity,
            &t.reading,
        ]);
    }
    tx.prepare_cached(sql)?.execute(values.as_slice())?;
    Ok(())
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The answer id numbered `n`.
    pub(super) fn answer(n: u32) -> AnswerId {
        format!("a_{n:032x}").parse().unwrap()
    }

    pub(super) fn conversation(name: &str) -> ConversationId {
        name.parse().unwrap()
    }

    /// Answer `n`, given in conversation `c_{n}`.
    pub(super) fn turn(n: u32, at: i64, kind: Kind, question: &str) -> Turn {
        Turn {
            answer_id: answer(n),
            conversation_id: conversation(&format!("c_{n}")),
            at,
            kind,
            question: question.into(),
            top_source: Some("/articles/x#y".into()),
            latency_us: 150,
            severity: (kind == Kind::Urgent).then(|| "same_day".into()),
            reading: None,
        }
    }

    /// Every byte of the database's files.
    fn on_disk(dir: &Path) -> Vec<u8> {
        ["clinic-chat.db", "clinic-chat.db-wal"]
            .iter()
            .flat_map(|f| std::fs::read(dir.join(f)).unwrap_or_default())
            .collect()
    }

    fn holds(bytes: &[u8], text: &str) -> bool {
        bytes.windows(text.len()).any(|w| w == text.as_bytes())
    }

    #[test]
    fn old_questions_are_deleted_after_the_retention_period_and_gone_from_disk() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let now = 1_800_000_000;
        store
            .insert_turns(&[
                turn(
                    1,
                    now - 91 * 86_400,
                    Kind::Answer,
                    "old quokkaberry question",
                ),
                turn(2, now - 89 * 86_400, Kind::Answer, "recent"),
            ])
            .unwrap();
        assert!(holds(&on_disk(dir.path()), "quokkaberry"));
        assert_eq!(store.purge_older_than(90, now).unwrap(), 1);
        assert_eq!(store.report(365, now).unwrap().questions, 1);
        assert!(
            !holds(&on_disk(dir.path()), "quokkaberry"),
            "a purged question is not left readable in the files"
        );
    }

    #[test]
    fn feedback_is_kept_once_per_answer_and_only_for_answers_in_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let now = 1_800_000_000;
        store
            .insert_turns(&[turn(1, now, Kind::Answer, "q")])
            .unwrap();
        let vote = |n: u32, helpful: bool| Feedback {
            answer_id: answer(n),
            helpful,
            comment: None,
            at: now,
        };
        store
            .insert_feedback(&[vote(1, false), vote(1, true), vote(2, false)])
            .unwrap();
        let report = store.report(1, now).unwrap();
        assert_eq!(report.feedback.helpful, 1);
        assert_eq!(report.feedback.not_helpful, 0);
        assert!(store.has_answer(&answer(1)) && !store.has_answer(&answer(2)));
    }

    /// A burst of questions is written whole, redacted, and an erasure in the middle of it
    /// takes the conversation's earlier turns and keeps its later ones.
    #[test]
    fn a_burst_of_turns_is_written_in_order_with_an_erasure_among_them() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let in_conversation = |n: u32, name: &str| Turn {
            conversation_id: conversation(name),
            ..turn(n, now(), Kind::Answer, "write to jo@example.org")
        };
        let early = 0..40;
        let mut jobs: Vec<Job> = early
            .clone()
            .map(|n| Job::Turn(in_conversation(n, "c_gone")))
            .collect();
        jobs.push(Job::Erase(conversation("c_gone")));
        jobs.extend((100..135).map(|n| Job::Turn(in_conversation(n, "c_gone"))));
        jobs.extend((200..270).map(|n| Job::Turn(in_conversation(n, "c_kept"))));
        store.write(&jobs).unwrap();
        let count = |sql: &str| -> i64 {
            store
                .db()
                .usable()
                .unwrap()
                .query_row(sql, [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(count("SELECT COUNT(*) FROM turns"), 105);
        assert_eq!(
            count("SELECT COUNT(*) FROM turns WHERE conversation_id = 'c_gone'"),
            35
        );
        assert!(early.into_iter().all(|n| !store.has_answer(&answer(n))));
        assert_eq!(
            count(
                "SELECT COUNT(*) FROM turns WHERE question = 'write to [email]' AND kind = 'answer'"
            ),
            105,
            "redacted, and the kind kept by its name"
        );
        assert_eq!(
            count(
                "SELECT COUNT(DISTINCT latency_us) FROM turns WHERE top_source = '/articles/x#y'"
            ),
            1
        );
    }
}
