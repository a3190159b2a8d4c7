//! The database's tables and their migrations, keyed by `PRAGMA user_version`.

use rusqlite::Connection;

const SCHEMA_VERSION: i64 = 1;

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
    connection.pragma_update(None, "user_version", SCHEMA_VERSION)
}
