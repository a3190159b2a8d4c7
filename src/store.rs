//! What visitors ask, kept on the clinic's own machine: an embedded SQLite database (WAL mode)
//! in the data folder. Each chat turn is recorded with its question redacted of personal
//! details, never an IP address or user agent; feedback is stored per answer; rows older than
//! the retention period are deleted. Recording never slows or fails an answer: writes go
//! through a bounded channel to one writer thread that batches them, and what cannot be
//! written is logged and counted.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use regex::Regex;
use rusqlite::{Connection, params};
use serde::Serialize;

const DATABASE: &str = "clinic-chat.db";
/// Records waiting for the writer; beyond this they are dropped (and counted), not queued.
const QUEUE: usize = 8192;
/// Records written in one transaction at most.
const BATCH: usize = 2048;
const SCHEMA_VERSION: i64 = 2;
/// Urgent messages listed on the staff page at most.
const URGENT_LISTED: i64 = 100;
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
    /// For urgent replies: `emergency` or `same_day`.
    pub severity: Option<String>,
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
        migrate(&connection)?;
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

    /// The staff report over the last `days` days.
    pub fn report(&self, days: u32, now: i64) -> rusqlite::Result<Report> {
        let since = now - i64::from(days) * 86_400;
        let connection = self.connection();
        let mut by_kind: BTreeMap<String, i64> = ["answer", "fallback", "urgent", "smalltalk"]
            .iter()
            .map(|k| (k.to_string(), 0))
            .collect();
        let mut statement =
            connection.prepare("SELECT kind, COUNT(*) FROM turns WHERE at >= ?1 GROUP BY kind")?;
        for row in statement.query_map(params![since], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })? {
            let (kind, n) = row?;
            by_kind.insert(kind, n);
        }
        let questions = by_kind.values().sum();
        let mut statement = connection.prepare(
            "SELECT date(at, 'unixepoch') AS day, COUNT(*), SUM(kind = 'answer'), SUM(kind = 'fallback'), SUM(kind = 'urgent') FROM turns WHERE at >= ?1 GROUP BY day ORDER BY day",
        )?;
        let per_day = statement
            .query_map(params![since], |r| {
                Ok(Day {
                    day: r.get(0)?,
                    questions: r.get(1)?,
                    answers: r.get(2)?,
                    fallbacks: r.get(3)?,
                    urgent: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut statement = connection.prepare(
            "SELECT question FROM turns WHERE at >= ?1 AND kind = 'fallback' ORDER BY at DESC",
        )?;
        let fallbacks = statement
            .query_map(params![since], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut statement = connection
            .prepare("SELECT SUM(helpful), SUM(NOT helpful) FROM feedback WHERE at >= ?1")?;
        let (helpful, not_helpful) = statement.query_row(params![since], |r| {
            Ok((
                r.get::<_, Option<i64>>(0)?.unwrap_or(0),
                r.get::<_, Option<i64>>(1)?.unwrap_or(0),
            ))
        })?;
        let mut statement = connection.prepare(
            "SELECT t.question, t.top_source, f.comment FROM feedback f JOIN turns t ON t.answer_id = f.answer_id WHERE f.at >= ?1 AND NOT f.helpful ORDER BY f.at DESC LIMIT 50",
        )?;
        let unhelpful = statement
            .query_map(params![since], |r| {
                Ok(Unhelpful {
                    question: r.get(0)?,
                    source: r.get(1)?,
                    comment: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let (urgent_by_severity, urgent) = urgent_turns(&connection, since)?;
        Ok(Report {
            days,
            questions,
            by_kind,
            urgent_by_severity,
            urgent,
            per_day,
            unanswered: group_similar(&fallbacks),
            feedback: FeedbackCounts {
                helpful,
                not_helpful,
            },
            unhelpful,
        })
    }
}

/// Turns inserted by one statement: each statement costs SQLite a setup and a wind-down on top
/// of its rows, which for one row was about a fifth of recording a turn.
const ROWS_PER_INSERT: usize = 32;

/// An insert of `rows` turns.
fn insert_sql(rows: usize) -> String {
    let row = "(?, ?, ?, ?, ?, ?, ?, ?)";
    format!(
        "INSERT OR IGNORE INTO turns (answer_id, conversation_id, at, kind, question, top_source, latency_us, severity) VALUES {}",
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
    let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(rows.len() * 8);
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
        ]);
    }
    tx.prepare_cached(sql)?.execute(values.as_slice())?;
    Ok(())
}

fn migrate(connection: &Connection) -> rusqlite::Result<()> {
    let version: i64 = connection.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version < 1 {
        connection.execute_batch(
            "BEGIN;
             CREATE TABLE IF NOT EXISTS turns (
                 id INTEGER PRIMARY KEY,
                 answer_id TEXT NOT NULL UNIQUE,
                 conversation_id TEXT NOT NULL,
                 at INTEGER NOT NULL,
                 kind TEXT NOT NULL,
                 question TEXT NOT NULL,
                 top_source TEXT,
                 latency_us INTEGER NOT NULL
             );
             CREATE INDEX IF NOT EXISTS turns_at ON turns (at);
             CREATE INDEX IF NOT EXISTS turns_conversation ON turns (conversation_id);
             CREATE TABLE IF NOT EXISTS feedback (
                 id INTEGER PRIMARY KEY,
                 answer_id TEXT NOT NULL,
                 helpful INTEGER NOT NULL,
                 comment TEXT,
                 at INTEGER NOT NULL
             );
             CREATE INDEX IF NOT EXISTS feedback_answer ON feedback (answer_id);
             COMMIT;",
        )?;
    }
    if version < 2 {
        // How urgent an urgent reply was; empty for other kinds and for older rows.
        connection.execute_batch("BEGIN; ALTER TABLE turns ADD COLUMN severity TEXT; COMMIT;")?;
    }
    connection.pragma_update(None, "user_version", SCHEMA_VERSION)
}

/// Urgent turns counted by severity, and the latest of them, newest first.
fn urgent_turns(
    connection: &Connection,
    since: i64,
) -> rusqlite::Result<(BTreeMap<String, i64>, Vec<UrgentTurn>)> {
    let mut counts: BTreeMap<String, i64> = ["emergency", "same_day"]
        .iter()
        .map(|s| (s.to_string(), 0))
        .collect();
    let mut statement = connection.prepare(
        "SELECT COALESCE(severity, 'unknown'), COUNT(*) FROM turns WHERE at >= ?1 AND kind = 'urgent' GROUP BY 1",
    )?;
    for row in statement.query_map(params![since], |r| Ok((r.get(0)?, r.get(1)?)))? {
        let (severity, n): (String, i64) = row?;
        counts.insert(severity, n);
    }
    let mut statement = connection.prepare(
        "SELECT at, strftime('%Y-%m-%d %H:%M UTC', at, 'unixepoch'), question, severity FROM turns WHERE at >= ?1 AND kind = 'urgent' ORDER BY at DESC, id DESC LIMIT ?2",
    )?;
    let listed = statement
        .query_map(params![since, URGENT_LISTED], |r| {
            Ok(UrgentTurn {
                at: r.get(0)?,
                time: r.get(1)?,
                question: r.get(2)?,
                severity: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((counts, listed))
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub days: u32,
    pub questions: i64,
    pub by_kind: BTreeMap<String, i64>,
    /// Urgent replies by severity (`emergency`, `same_day`).
    pub urgent_by_severity: BTreeMap<String, i64>,
    /// The latest urgent messages, newest first, redacted.
    pub urgent: Vec<UrgentTurn>,
    pub per_day: Vec<Day>,
    pub unanswered: Vec<Unanswered>,
    pub feedback: FeedbackCounts,
    pub unhelpful: Vec<Unhelpful>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UrgentTurn {
    /// Seconds since the Unix epoch.
    pub at: i64,
    /// The same, as "YYYY-MM-DD HH:MM UTC".
    pub time: String,
    pub question: String,
    pub severity: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Day {
    pub day: String,
    pub questions: i64,
    pub answers: i64,
    pub fallbacks: i64,
    pub urgent: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Unanswered {
    pub question: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct FeedbackCounts {
    pub helpful: i64,
    pub not_helpful: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Unhelpful {
    pub question: String,
    pub source: Option<String>,
    pub comment: Option<String>,
}

/// Questions grouped by wording that differs only in case, punctuation, small words or order:
/// "What are your opening hours?" and "opening hours??" count as one. Most asked first.
fn group_similar(questions: &[String]) -> Vec<Unanswered> {
    let mut groups: BTreeMap<String, (String, i64)> = BTreeMap::new();
    for question in questions {
        let mut words: Vec<String> = crate::answer::question::words(question)
            .into_iter()
            .filter(|w| !crate::answer::analysis::is_stop_word(w))
            .map(|w| w.trim_end_matches('s').to_string())
            .collect();
        words.sort();
        words.dedup();
        let key = if words.is_empty() {
            question.to_lowercase()
        } else {
            words.join(" ")
        };
        groups.entry(key).or_insert_with(|| (question.clone(), 0)).1 += 1;
    }
    let mut list: Vec<Unanswered> = groups
        .into_values()
        .map(|(question, count)| Unanswered { question, count })
        .collect();
    list.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.question.cmp(&b.question))
    });
    list.truncate(20);
    list
}

static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[\w.+-]+@[\w-]+(\.[\w-]+)+").expect("valid pattern"));
static PHONE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\+?\d[\d\s().-]{6,}\d").expect("valid pattern"));

/// Replaces emails and phone numbers (any run of seven or more digits with separators) by
/// placeholders. Short numbers ("6-8 sessions", "2 weeks") stay: they are the question.
pub fn redact(text: &str) -> String {
    // Most questions hold neither an address nor seven digits: nothing to search for.
    if !text.contains('@') && text.bytes().filter(u8::is_ascii_digit).count() < 7 {
        return text.to_string();
    }
    let text = EMAIL.replace_all(text, "[email]");
    PHONE
        .replace_all(&text, |caps: &regex::Captures| {
            let digits = caps[0].chars().filter(char::is_ascii_digit).count();
            if digits >= 7 {
                "[number]".to_string()
            } else {
                caps[0].to_string()
            }
        })
        .into_owned()
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

    #[test]
    fn emails_and_phone_numbers_are_redacted_but_treatment_numbers_kept() {
        assert_eq!(
            redact("mail me at jane.doe+x@example.co.uk please"),
            "mail me at [email] please"
        );
        assert_eq!(
            redact("call 07700 900123 or +44 (20) 7946-0000"),
            "call [number] or [number]"
        );
        assert_eq!(redact("my card 4111111111111111"), "my card [number]");
        assert_eq!(
            redact("is 6-8 sessions 2-4 weeks apart normal?"),
            "is 6-8 sessions 2-4 weeks apart normal?"
        );
    }

    fn turn(id: &str, at: i64, kind: &str, question: &str) -> Turn {
        Turn {
            answer_id: id.into(),
            conversation_id: format!("c_{id}"),
            at,
            kind: kind.into(),
            question: question.into(),
            top_source: Some("/articles/x#y".into()),
            latency_us: 150,
            severity: (kind == "urgent").then(|| "same_day".into()),
        }
    }

    #[test]
    fn urgent_messages_are_counted_by_severity_and_listed_newest_first_redacted() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let now = 1_800_000_000;
        let emergency = Turn {
            severity: Some("emergency".into()),
            ..turn(
                "u2",
                now - 10,
                "urgent",
                "my lips are swelling, ring me on 07700 900123",
            )
        };
        store
            .insert_turns(&[
                turn("u1", now - 20, "urgent", "the area is hot and spreading"),
                emergency,
                turn("a1", now - 5, "answer", "does it hurt"),
            ])
            .unwrap();
        let report = store.report(30, now).unwrap();
        assert_eq!(report.urgent_by_severity["emergency"], 1);
        assert_eq!(report.urgent_by_severity["same_day"], 1);
        let listed: Vec<_> = report
            .urgent
            .iter()
            .map(|u| u.severity.as_deref())
            .collect();
        assert_eq!(listed, [Some("emergency"), Some("same_day")]);
        assert!(
            !report.urgent[0].question.contains("07700"),
            "{:?}",
            report.urgent
        );
        assert!(report.urgent[0].time.ends_with("UTC"));
    }

    #[test]
    fn a_database_from_before_severity_gains_the_column_and_keeps_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        {
            let connection = Connection::open(dir.path().join(DATABASE)).unwrap();
            connection
                .execute_batch(
                    "CREATE TABLE turns (id INTEGER PRIMARY KEY, answer_id TEXT NOT NULL UNIQUE, conversation_id TEXT NOT NULL, at INTEGER NOT NULL, kind TEXT NOT NULL, question TEXT NOT NULL, top_source TEXT, latency_us INTEGER NOT NULL);
                     CREATE TABLE feedback (id INTEGER PRIMARY KEY, answer_id TEXT NOT NULL, helpful INTEGER NOT NULL, comment TEXT, at INTEGER NOT NULL);
                     INSERT INTO turns (answer_id, conversation_id, at, kind, question, latency_us) VALUES ('old', 'c', 1799999990, 'urgent', 'fever', 1);
                     PRAGMA user_version = 1;",
                )
                .unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        let report = store.report(30, 1_800_000_000).unwrap();
        assert_eq!(report.urgent.len(), 1);
        assert_eq!(report.urgent[0].severity, None);
        assert_eq!(report.urgent_by_severity["unknown"], 1);
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
    fn the_report_counts_kinds_groups_unanswered_wordings_and_feedback() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let now = 1_800_000_000;
        store
            .insert_turns(&[
                turn("a1", now - 10, "answer", "does it hurt"),
                turn("a2", now - 20, "fallback", "What are your opening hours?"),
                turn("a3", now - 30, "fallback", "opening hours??"),
                turn("a4", now - 40, "fallback", "do you do tattoo removal"),
                turn("a5", now - 50, "urgent", "I have a fever"),
                turn(
                    "a6",
                    now - 40 * 86_400,
                    "answer",
                    "too old for a 30 day report",
                ),
            ])
            .unwrap();
        store
            .insert_feedback(&[
                Feedback {
                    answer_id: "a1".into(),
                    helpful: true,
                    comment: None,
                    at: now,
                },
                Feedback {
                    answer_id: "a2".into(),
                    helpful: false,
                    comment: Some("call me on 07700900123".into()),
                    at: now,
                },
            ])
            .unwrap();
        let report = store.report(30, now).unwrap();
        assert_eq!(report.questions, 5);
        assert_eq!(report.by_kind["fallback"], 3);
        assert_eq!(report.by_kind["urgent"], 1);
        assert_eq!(report.by_kind["smalltalk"], 0);
        assert_eq!(
            report.unanswered[0],
            Unanswered {
                question: "What are your opening hours?".into(),
                count: 2
            }
        );
        assert_eq!(report.feedback.helpful, 1);
        assert_eq!(report.feedback.not_helpful, 1);
        assert_eq!(
            report.unhelpful[0].comment.as_deref(),
            Some("call me on [number]")
        );
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
