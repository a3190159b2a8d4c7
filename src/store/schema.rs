//! The database's tables and their migrations, keyed by `PRAGMA user_version`. Migrations go
//! forward only, each in one transaction with the version it reaches: a crash between two
//! leaves the database at one version or the next, never half-way, and the next start goes
//! on from there. A database made by a newer clinic-chat is refused and left untouched, since
//! this build cannot know what its tables mean.

use rusqlite::{Connection, TransactionBehavior};

/// The version this build's tables are at.
pub const SCHEMA_VERSION: i64 = 5;

/// The migrations in order: `MIGRATIONS[n]` takes a database from version `n` to `n + 1`.
/// Never edit one that has shipped; add the next.
const MIGRATIONS: [&str; SCHEMA_VERSION as usize] = [
    // 1: the questions and the feedback on them.
    "CREATE TABLE IF NOT EXISTS turns (
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
     CREATE INDEX IF NOT EXISTS feedback_answer ON feedback (answer_id);",
    // 2: one vote per answer, and only for answers that were given: the latest vote of each
    // answer stays, and votes for ids never issued (a flood of them) go.
    "DELETE FROM feedback WHERE id NOT IN (SELECT MAX(id) FROM feedback GROUP BY answer_id);
     DELETE FROM feedback WHERE answer_id NOT IN (SELECT answer_id FROM turns);
     DROP INDEX IF EXISTS feedback_answer;
     CREATE UNIQUE INDEX IF NOT EXISTS feedback_one_per_answer ON feedback (answer_id);",
    // 3: how urgent an urgent reply was; empty for other kinds and for older rows.
    "ALTER TABLE turns ADD COLUMN severity TEXT;",
    // 4: call-back requests: what the visitor gave, the status staff set, and how delivery to
    // the clinic went on each channel.
    "CREATE TABLE IF NOT EXISTS callbacks (
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
     CREATE INDEX IF NOT EXISTS callbacks_conversation ON callbacks (conversation_id);",
    // 5: how each question was read (treatment and intent, as JSON), so that the report can
    // group questions by meaning; empty for older rows, which are grouped by wording.
    "ALTER TABLE turns ADD COLUMN reading TEXT;",
];

/// Why a database cannot be brought to this build's tables.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error(
        "it was made by a newer clinic-chat (schema version {0}; this one knows up to {SCHEMA_VERSION}): run that version, or restore a backup made by this one"
    )]
    Newer(i64),
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

/// The schema version the database says it is at (0 for a new, empty one).
pub fn version(connection: &Connection) -> rusqlite::Result<i64> {
    connection.pragma_query_value(None, "user_version", |r| r.get(0))
}

/// Brings the database up to [`SCHEMA_VERSION`], one migration per transaction. Each step
/// takes the write lock before it reads the version, so two processes opening an old database
/// at once do not both run it.
pub fn migrate(connection: &mut Connection) -> Result<(), SchemaError> {
    for (from, sql) in (0..).zip(MIGRATIONS) {
        let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let at = version(&tx)?;
        if at > SCHEMA_VERSION {
            return Err(SchemaError::Newer(at));
        }
        if at > from {
            continue;
        }
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", from + 1)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_database_gets_every_table_at_the_current_version() {
        let mut connection = Connection::open_in_memory().unwrap();
        migrate(&mut connection).unwrap();
        assert_eq!(version(&connection).unwrap(), SCHEMA_VERSION);
        connection
            .execute_batch("SELECT reading, severity FROM turns; SELECT status FROM callbacks;")
            .unwrap();
        migrate(&mut connection).unwrap();
        assert_eq!(version(&connection).unwrap(), SCHEMA_VERSION, "idempotent");
    }

    #[test]
    fn a_database_from_a_newer_version_is_refused_and_left_as_it_was() {
        let mut connection = Connection::open_in_memory().unwrap();
        connection
            .execute_batch(
                "CREATE TABLE turns (id INTEGER PRIMARY KEY, shape TEXT); PRAGMA user_version = 6;",
            )
            .unwrap();
        let err = migrate(&mut connection).unwrap_err();
        assert!(matches!(err, SchemaError::Newer(6)), "{err}");
        assert!(err.to_string().contains("schema version 6"), "{err}");
        assert_eq!(version(&connection).unwrap(), 6);
        connection.execute_batch("SELECT shape FROM turns").unwrap();
    }

    /// A step that fails leaves the version where it was, so nothing half-applied is skipped
    /// at the next start.
    #[test]
    fn a_failed_migration_leaves_the_version_before_it() {
        let mut connection = Connection::open_in_memory().unwrap();
        // A version-2 database whose `turns` already has a `severity` column: step 3 fails.
        connection
            .execute_batch(&format!(
                "{} {} ALTER TABLE turns ADD COLUMN severity TEXT; PRAGMA user_version = 2;",
                MIGRATIONS[0], MIGRATIONS[1]
            ))
            .unwrap();
        assert!(migrate(&mut connection).is_err());
        assert_eq!(version(&connection).unwrap(), 2);
    }
}
