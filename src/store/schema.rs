//! The database's tables and their migrations, keyed by `PRAGMA user_version`.

use rusqlite::Connection;

const SCHEMA_VERSION: i64 = 5;

pub(super) fn migrate(connection: &Connection) -> rusqlite::Result<()> {
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
        // One vote per answer, and only for answers that were given: the latest vote of each
        // answer stays, and votes for ids never issued (a flood of them) go.
        connection.execute_batch(
            "BEGIN;
             DELETE FROM feedback WHERE id NOT IN (SELECT MAX(id) FROM feedback GROUP BY answer_id);
             DELETE FROM feedback WHERE answer_id NOT IN (SELECT answer_id FROM turns);
             DROP INDEX IF EXISTS feedback_answer;
             CREATE UNIQUE INDEX IF NOT EXISTS feedback_one_per_answer ON feedback (answer_id);
             COMMIT;",
        )?;
    }
    if version < 3 {
        // How urgent an urgent reply was; empty for other kinds and for older rows.
        connection.execute_batch("BEGIN; ALTER TABLE turns ADD COLUMN severity TEXT; COMMIT;")?;
    }
    if version < 4 {
        // Call-back requests: what the visitor gave, the status staff set, and how delivery to
        // the clinic went on each channel.
        connection.execute_batch(
            "BEGIN;
             CREATE TABLE IF NOT EXISTS callbacks (
                 id INTEGER PRIMARY KEY,
                 callback_id TEXT NOT NULL UNIQUE,
                 conversation_id TEXT,
                 at INTEGER NOT NULL,
                 name TEXT NOT NULL,
                 phone TEXT,
                 email TEXT,
                 preferred_time TEXT,
                 message TEXT,
                 status TEXT NOT NULL DEFAULT 'new',
                 handled_at INTEGER,
                 webhook_delivery TEXT NOT NULL DEFAULT 'off',
                 webhook_attempts INTEGER NOT NULL DEFAULT 0,
                 email_delivery TEXT NOT NULL DEFAULT 'off'
             );
             CREATE INDEX IF NOT EXISTS callbacks_at ON callbacks (at);
             CREATE INDEX IF NOT EXISTS callbacks_conversation ON callbacks (conversation_id);
             COMMIT;",
        )?;
    }
    if version < 5 {
        // How each question was read (treatment and intent, as JSON), so that the report can
        // group questions by meaning; empty for older rows, which are grouped by wording.
        connection.execute_batch("BEGIN; ALTER TABLE turns ADD COLUMN reading TEXT; COMMIT;")?;
    }
    connection.pragma_update(None, "user_version", SCHEMA_VERSION)
}
