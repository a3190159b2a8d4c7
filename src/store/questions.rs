//! Every question, one by one, for staff: a page of them newest first, and all of a period
//! for the CSV. Each is shown as stored: redacted, with its kind and the source it was
//! answered from.

use rusqlite::params;
use serde::Serialize;

use super::{Store, Unreadable};
use crate::record::Kind;

/// Questions in one CSV export at most: far more than a clinic's chat sees in a year.
pub const EXPORT_LIMIT: i64 = 100_000;

/// One recorded question.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Asked {
    /// Seconds since the Unix epoch.
    pub at: i64,
    /// The same, as "YYYY-MM-DD HH:MM UTC".
    pub time: String,
    pub kind: Kind,
    /// As stored: personal details redacted.
    pub question: String,
    /// The passage the reply quoted first, "article — section".
    pub top_source: Option<String>,
    /// For urgent replies: `emergency` or `same_day`.
    pub severity: Option<String>,
    pub conversation_id: String,
}

/// A page of questions, newest first.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionPage {
    /// From 1.
    pub page: u32,
    pub per_page: u32,
    /// Questions kept in all, and so the pages there are.
    pub total: i64,
    pub pages: u32,
    pub questions: Vec<Asked>,
}

const COLUMNS: &str = "at, strftime('%Y-%m-%d %H:%M UTC', at, 'unixepoch'), kind, question, top_source, severity, conversation_id";

fn asked(row: &rusqlite::Row<'_>) -> rusqlite::Result<Asked> {
    Ok(Asked {
        at: row.get(0)?,
        time: row.get(1)?,
        kind: row.get(2)?,
        question: row.get(3)?,
        top_source: row.get(4)?,
        severity: row.get(5)?,
        conversation_id: row.get(6)?,
    })
}

impl Store {
    /// Page `page` (from 1) of every question kept, `per_page` to a page, newest first. A page
    /// past the last is empty.
    pub fn questions(&self, page: u32, per_page: u32) -> Result<QuestionPage, Unreadable> {
        let mut db = self.db();
        let connection = db.usable()?;
        let read = || -> rusqlite::Result<QuestionPage> {
            let total: i64 =
                connection.query_row("SELECT COUNT(*) FROM turns", [], |r| r.get(0))?;
            let offset = i64::from(page.saturating_sub(1)) * i64::from(per_page);
            let sql =
                format!("SELECT {COLUMNS} FROM turns ORDER BY at DESC, id DESC LIMIT ?1 OFFSET ?2");
            let questions = connection
                .prepare(&sql)?
                .query_map(params![per_page, offset], asked)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let pages = (total.max(0) as u64).div_ceil(u64::from(per_page.max(1)));
            Ok(QuestionPage {
                page,
                per_page,
                total,
                pages: u32::try_from(pages).unwrap_or(u32::MAX),
                questions,
            })
        };
        read().map_err(|err| {
            tracing::warn!("could not read the questions database: {err}");
            Unreadable::from(&err)
        })
    }

    /// The questions of the last `days` days, newest first, at most [`EXPORT_LIMIT`].
    pub fn questions_since(&self, days: u32, now: i64) -> Result<Vec<Asked>, Unreadable> {
        let since = now - i64::from(days) * 86_400;
        let mut db = self.db();
        let connection = db.usable()?;
        let sql = format!(
            "SELECT {COLUMNS} FROM turns WHERE at >= ?1 ORDER BY at DESC, id DESC LIMIT ?2"
        );
        let read = || -> rusqlite::Result<Vec<Asked>> {
            connection
                .prepare(&sql)?
                .query_map(params![since, EXPORT_LIMIT], asked)?
                .collect()
        };
        read().map_err(|err| {
            tracing::warn!("could not read the questions database: {err}");
            Unreadable::from(&err)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tests::turn;

    #[test]
    fn questions_come_a_page_at_a_time_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let now = 1_800_000_000;
        let turns: Vec<_> = (1..=5)
            .map(|n| {
                turn(
                    n,
                    now + i64::from(n),
                    Kind::Fallback,
                    &format!("question {n}"),
                )
            })
            .collect();
        store.insert_turns(&turns).unwrap();
        let first = store.questions(1, 2).unwrap();
        assert_eq!((first.total, first.pages), (5, 3));
        let asked: Vec<_> = first
            .questions
            .iter()
            .map(|q| q.question.as_str())
            .collect();
        assert_eq!(asked, ["question 5", "question 4"]);
        assert_eq!(
            store.questions(3, 2).unwrap().questions[0].question,
            "question 1"
        );
        assert!(store.questions(4, 2).unwrap().questions.is_empty());
        let recent = store.questions_since(1, now + 10).unwrap();
        assert_eq!(recent.len(), 5);
        assert_eq!(recent[0].kind, Kind::Fallback);
        assert_eq!(recent[0].conversation_id, "c_5");
    }
}
