//! What visitors ask, kept on the clinic's own machine: an embedded SQLite database (WAL mode)
//! in the data folder. Each chat turn is recorded with its question redacted of personal
//! details, never an IP address or user agent; feedback is stored per answer; rows older than
//! the retention period are deleted. Recording never slows or fails an answer: writes go
//! through a bounded channel to one writer thread that batches them, and what cannot be
//! written is logged and counted.

mod redact;
mod report;
mod schema;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, params};

pub use redact::redact;
pub use report::{Day, FeedbackCounts, Report, Unanswered, Unhelpful};

const DATABASE: &str = "clinic-chat.db";
/// Records waiting for the writer; beyond this they are dropped (and counted), not queued.
const QUEUE: usize = 8192;
/// Records written in one transaction at most.
const BATCH: usize = 2048;
/// How long the writer waits to gather records into one transaction.
const LINGER: Duration = Duration::from_millis(25);

/// One chat turn as it is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    pub answer_id: String,
    pub conversation_id: String,
    /// Seconds since the Unix epoch.
    pub at: i64,
    pub kind: String,
    /// Redacted before it reaches the database.
    pub question: String,
    pub top_source: Option<String>,
    pub latency_us: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feedback {
    pub answer_id: String,
    pub helpful: bool,
    pub comment: Option<String>,
    pub at: i64,
}

enum Job {
    Turn(Turn),
    Feedback(Feedback),
    Erase(String),
    Flush(std::sync::mpsc::Sender<()>),
}

/// The database: opened once, shared by the writer thread and report queries.
pub struct Store {
    connection: Mutex<Connection>,
    path: PathBuf,
}

impl Store {
    /// Opens (creating and migrating) the database in `dir`.
    pub fn open(dir: &Path) -> anyhow::Result<Store> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(DATABASE);
        let connection = Connection::open(&path)?;
        connection.busy_timeout(Duration::from_secs(2))?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "NORMAL")?;
        schema::migrate(&connection)?;
        Ok(Store {
            connection: Mutex::new(connection),
            path,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn connection(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.connection.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self, jobs: &[Job]) -> rusqlite::Result<()> {
        let mut connection = self.connection();
        let tx = connection.transaction()?;
        // Turns in a row are inserted together, so that other jobs (an erasure) still apply
        // in the order they came.
        let mut turns: Vec<&Turn> = Vec::new();
        for job in jobs {
            if let Job::Turn(t) = job {
                turns.push(t);
                continue;
            }
            write_turns(&tx, &turns)?;
            turns.clear();
            match job {
                Job::Feedback(f) => {
                    tx.prepare_cached(
                        "INSERT INTO feedback (answer_id, helpful, comment, at) VALUES (?1, ?2, ?3, ?4)",
                    )?
                    .execute(params![f.answer_id, f.helpful, f.comment.as_deref().map(redact), f.at])?;
                }
                Job::Erase(conversation) => {
                    tx.execute(
                        "DELETE FROM feedback WHERE answer_id IN (SELECT answer_id FROM turns WHERE conversation_id = ?1)",
                        params![conversation],
                    )?;
                    tx.execute(
                        "DELETE FROM turns WHERE conversation_id = ?1",
                        params![conversation],
                    )?;
                }
                Job::Turn(_) | Job::Flush(_) => {}
            }
        }
        write_turns(&tx, &turns)?;
        tx.commit()
    }

    /// Deletes rows older than `days`; returns how many turns went.
    pub fn purge_older_than(&self, days: u32, now: i64) -> rusqlite::Result<usize> {
        let cutoff = now - i64::from(days) * 86_400;
        let connection = self.connection();
        connection.execute("DELETE FROM feedback WHERE at < ?1", params![cutoff])?;
        connection.execute("DELETE FROM turns WHERE at < ?1", params![cutoff])
    }

    /// Writes records now, in the caller's thread (for tests and seeding).
    pub fn insert_turns(&self, turns: &[Turn]) -> rusqlite::Result<()> {
        let jobs: Vec<Job> = turns.iter().cloned().map(Job::Turn).collect();
        self.write(&jobs)
    }

    pub fn insert_feedback(&self, feedback: &[Feedback]) -> rusqlite::Result<()> {
        let jobs: Vec<Job> = feedback.iter().cloned().map(Job::Feedback).collect();
        self.write(&jobs)
    }
}

/// Turns inserted by one statement: each statement costs SQLite a setup and a wind-down on top
/// of its rows, which for one row was about a fifth of recording a turn.
const ROWS_PER_INSERT: usize = 32;

/// An insert of `rows` turns.
fn insert_sql(rows: usize) -> String {
    let row = "(?, ?, ?, ?, ?, ?, ?)";
    format!(
        "INSERT OR IGNORE INTO turns (answer_id, conversation_id, at, kind, question, top_source, latency_us) VALUES {}",
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
    let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(rows.len() * 7);
    for (t, question) in rows.iter().zip(&questions) {
        values.extend([
            &t.answer_id as &dyn rusqlite::ToSql,
            &t.conversation_id,
            &t.at,
            &t.kind,
            question,
            &t.top_source,
            &t.latency_us,
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

/// The front of the store: hands records to the writer thread without waiting.
pub struct Recorder {
    sender: Mutex<Option<SyncSender<Job>>>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
    store: Option<Arc<Store>>,
    dropped: Arc<AtomicU64>,
}

impl Recorder {
    /// Opens the store in `dir` and starts the writer. When the database cannot be opened the
    /// service still answers: records are dropped, logged once, and counted.
    pub fn start(dir: &Path, retention_days: u32) -> Recorder {
        let store = match Store::open(dir) {
            Ok(store) => Some(Arc::new(store)),
            Err(err) => {
                tracing::warn!(data = %dir.display(), "the questions database is unavailable ({err:#}); answering without recording");
                None
            }
        };
        let dropped = Arc::new(AtomicU64::new(0));
        let (sender, receiver) = sync_channel(QUEUE);
        let writer = {
            let store = store.clone();
            let dropped = dropped.clone();
            std::thread::Builder::new()
                .name("clinic-chat-store".into())
                .spawn(move || write_loop(receiver, store, dropped, retention_days))
                .ok()
        };
        Recorder {
            sender: Mutex::new(Some(sender)),
            writer: Mutex::new(writer),
            store,
            dropped,
        }
    }

    pub fn store(&self) -> Option<&Arc<Store>> {
        self.store.as_ref()
    }

    /// Records lost because the database failed or the queue was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    fn send(&self, job: Job) {
        let sender = self.sender.lock().unwrap_or_else(|e| e.into_inner());
        let Some(sender) = sender.as_ref() else {
            return;
        };
        match sender.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    pub fn turn(&self, turn: Turn) {
        self.send(Job::Turn(turn));
    }

    pub fn feedback(&self, feedback: Feedback) {
        self.send(Job::Feedback(feedback));
    }

    pub fn erase(&self, conversation: &str) {
        self.send(Job::Erase(conversation.to_string()));
    }

    /// Waits (boundedly) until everything sent so far is written.
    pub fn flush(&self) {
        let (done, wait) = std::sync::mpsc::channel();
        self.send(Job::Flush(done));
        let _ = wait.recv_timeout(Duration::from_secs(5));
    }

    /// Writes what is pending and stops the writer; for shutdown.
    pub fn close(&self) {
        self.sender.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(writer) = self.writer.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = writer.join();
        }
    }
}

fn write_loop(
    receiver: Receiver<Job>,
    store: Option<Arc<Store>>,
    dropped: Arc<AtomicU64>,
    retention_days: u32,
) {
    let mut last_purge = 0;
    let mut warned = false;
    while let Ok(first) = receiver.recv() {
        // Gather what arrives in a short while into one transaction: under load that is one
        // commit for many questions instead of one each. Sleeping rather than waiting on the
        // channel means a question's record wakes no thread.
        if !matches!(first, Job::Flush(_)) {
            std::thread::sleep(LINGER);
        }
        let mut jobs = vec![first];
        while jobs.len() < BATCH {
            match receiver.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let records = jobs.iter().filter(|j| !matches!(j, Job::Flush(_))).count() as u64;
        match &store {
            Some(store) => {
                if let Err(err) = store.write(&jobs) {
                    dropped.fetch_add(records, Ordering::Relaxed);
                    tracing::warn!(lost = records, "could not record questions: {err}");
                }
                if now() - last_purge > 3600 {
                    last_purge = now();
                    if let Err(err) = store.purge_older_than(retention_days, last_purge) {
                        tracing::warn!("could not delete old questions: {err}");
                    }
                }
            }
            None => {
                dropped.fetch_add(records, Ordering::Relaxed);
                if !warned && records > 0 {
                    warned = true;
                    tracing::warn!("questions are not being recorded: the database is unavailable");
                }
            }
        }
        for job in jobs {
            if let Job::Flush(done) = job {
                let _ = done.send(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(id: &str, at: i64, kind: &str, question: &str) -> Turn {
        Turn {
            answer_id: id.into(),
            conversation_id: format!("c_{id}"),
            at,
            kind: kind.into(),
            question: question.into(),
            top_source: Some("/articles/x#y".into()),
            latency_us: 150,
        }
    }

    #[test]
    fn old_questions_are_deleted_after_the_retention_period() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let now = 1_800_000_000;
        store
            .insert_turns(&[
                turn("a1", now - 91 * 86_400, "answer", "old"),
                turn("a2", now - 89 * 86_400, "answer", "recent"),
            ])
            .unwrap();
        assert_eq!(store.purge_older_than(90, now).unwrap(), 1);
        assert_eq!(store.report(365, now).unwrap().questions, 1);
    }

    #[test]
    fn questions_are_stored_redacted_and_a_conversation_can_be_erased() {
        let dir = tempfile::tempdir().unwrap();
        let recorder = Recorder::start(dir.path(), 90);
        recorder.turn(turn("a1", now(), "fallback", "email me at a@b.example"));
        recorder.flush();
        let store = recorder.store().unwrap();
        let report = store.report(1, now()).unwrap();
        assert_eq!(report.unanswered[0].question, "email me at [email]");
        recorder.erase("c_a1");
        recorder.flush();
        assert_eq!(store.report(1, now()).unwrap().questions, 0);
        recorder.close();
    }

    /// A burst of questions is written whole, redacted, and an erasure in the middle of it
    /// takes the conversation's earlier turns and keeps its later ones.
    #[test]
    fn a_burst_of_turns_is_written_in_order_with_an_erasure_among_them() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let in_conversation = |id: String, conversation: &str| Turn {
            conversation_id: conversation.into(),
            ..turn(&id, now(), "answer", "write to jo@example.org")
        };
        let mut jobs: Vec<Job> = (0..40)
            .map(|i| Job::Turn(in_conversation(format!("early{i}"), "c_gone")))
            .collect();
        jobs.push(Job::Erase("c_gone".into()));
        jobs.extend((0..35).map(|i| Job::Turn(in_conversation(format!("late{i}"), "c_gone"))));
        jobs.extend((0..70).map(|i| Job::Turn(in_conversation(format!("other{i}"), "c_kept"))));
        store.write(&jobs).unwrap();
        let count =
            |sql: &str| -> i64 { store.connection().query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(count("SELECT COUNT(*) FROM turns"), 105);
        assert_eq!(
            count("SELECT COUNT(*) FROM turns WHERE conversation_id = 'c_gone'"),
            35
        );
        assert_eq!(
            count("SELECT COUNT(*) FROM turns WHERE answer_id LIKE 'early%'"),
            0
        );
        assert_eq!(
            count("SELECT COUNT(*) FROM turns WHERE question = 'write to [email]'"),
            105
        );
        assert_eq!(
            count(
                "SELECT COUNT(DISTINCT latency_us) FROM turns WHERE top_source = '/articles/x#y'"
            ),
            1
        );
    }

    #[test]
    fn without_a_database_records_are_counted_as_lost_and_nothing_fails() {
        let dir = tempfile::tempdir().unwrap();
        let blocked = dir.path().join("a-file");
        std::fs::write(&blocked, "not a folder").unwrap();
        let recorder = Recorder::start(&blocked.join("data"), 90);
        assert!(recorder.store().is_none());
        recorder.turn(turn("a1", now(), "answer", "q"));
        recorder.flush();
        assert_eq!(recorder.dropped(), 1);
        recorder.close();
    }
}
