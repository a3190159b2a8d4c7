//! A reply's records as SQLite column text: the same text as in the reply's JSON, so the
//! database reads as it did when they were plain strings.

use rusqlite::types::{ToSql, ToSqlOutput};

use crate::record::{AnswerId, ConversationId};

impl ToSql for AnswerId {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(self.as_str().into())
    }
}

impl ToSql for ConversationId {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(self.as_str().into())
    }
}
