//! The staff report: counts by kind and day, unanswered questions grouped by meaning (the
//! treatment and intent they were read as; by wording when they name no treatment), urgent
//! messages, and feedback, read from the database.

use std::collections::BTreeMap;

use rusqlite::params;
use serde::Serialize;

use super::{Store, Unreadable};
use crate::record::{Kind, Reading};
use crate::vocabulary::Vocabulary;

/// Urgent messages listed on the staff page at most.
const URGENT_LISTED: i64 = 100;

impl Store {
    /// The staff report over the last `days` days, or why the database cannot give it.
    pub fn report(&self, days: u32, now: i64) -> Result<Report, Unreadable> {
        let mut db = self.db();
        let connection = db.usable()?;
        query(connection, days, now).map_err(|err| {
            tracing::warn!("could not read the questions database: {err}");
            Unreadable::from(&err)
        })
    }
}

fn query(connection: &rusqlite::Connection, days: u32, now: i64) -> rusqlite::Result<Report> {
    let since = now - i64::from(days) * 86_400;
    let mut by_kind: BTreeMap<String, i64> =
        Kind::ALL.into_iter().map(|k| (k.to_string(), 0)).collect();
    let mut statement =
        connection.prepare("SELECT kind, COUNT(*) FROM turns WHERE at >= ?1 GROUP BY kind")?;
    for row in statement.query_map(params![since], |r| {
        Ok((r.get::<_, Kind>(0)?, r.get::<_, i64>(1)?))
    })? {
        let (kind, n) = row?;
        by_kind.insert(kind.to_string(), n);
    }
    let questions = by_kind.values().sum();
    let mut statement = connection.prepare(
            "SELECT date(at, 'unixepoch') AS day, COUNT(*), SUM(kind = ?2), SUM(kind = ?3), SUM(kind = ?4) FROM turns WHERE at >= ?1 GROUP BY day ORDER BY day",
        )?;
    let per_day = statement
        .query_map(
            params![since, Kind::Answer, Kind::Fallback, Kind::Urgent],
            |r| {
                Ok(Day {
                    day: r.get(0)?,
                    questions: r.get(1)?,
                    answers: r.get(2)?,
                    fallbacks: r.get(3)?,
                    urgent: r.get(4)?,
                })
            },
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut statement = connection.prepare(
        "SELECT question, reading FROM turns WHERE at >= ?1 AND kind = ?2 ORDER BY at DESC, id DESC",
    )?;
    let fallbacks = statement
        .query_map(params![since, Kind::Fallback], |r| {
            // A reading that cannot be read back is only a lost hint: group by wording.
            let reading = r.get::<_, Reading>(1).ok();
            Ok((r.get::<_, String>(0)?, reading))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut statement =
        connection.prepare("SELECT SUM(helpful), SUM(NOT helpful) FROM feedback WHERE at >= ?1")?;
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
    let (urgent_by_severity, urgent) = urgent_turns(connection, since)?;
    Ok(Report {
        days,
        questions,
        by_kind,
        urgent_by_severity,
        urgent,
        per_day,
        unanswered: group_by_meaning(&fallbacks),
        feedback: FeedbackCounts {
            helpful,
            not_helpful,
        },
        unhelpful,
    })
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

/// Urgent turns counted by severity, and the latest of them, newest first.
fn urgent_turns(
    connection: &rusqlite::Connection,
    since: i64,
) -> rusqlite::Result<(BTreeMap<String, i64>, Vec<UrgentTurn>)> {
    let mut counts: BTreeMap<String, i64> = ["emergency", "same_day"]
        .iter()
        .map(|s| (s.to_string(), 0))
        .collect();
    let mut statement = connection.prepare(
        "SELECT COALESCE(severity, 'unknown'), COUNT(*) FROM turns WHERE at >= ?1 AND kind = ?2 GROUP BY 1",
    )?;
    for row in statement.query_map(params![since, Kind::Urgent], |r| Ok((r.get(0)?, r.get(1)?)))? {
        let (severity, n): (String, i64) = row?;
        counts.insert(severity, n);
    }
    let mut statement = connection.prepare(
        "SELECT at, strftime('%Y-%m-%d %H:%M UTC', at, 'unixepoch'), question, severity, conversation_id FROM turns WHERE at >= ?1 AND kind = ?2 ORDER BY at DESC, id DESC LIMIT ?3",
    )?;
    let listed = statement
        .query_map(params![since, Kind::Urgent, URGENT_LISTED], |r| {
            Ok(UrgentTurn {
                at: r.get(0)?,
                time: r.get(1)?,
                question: r.get(2)?,
                severity: r.get(3)?,
                conversation_id: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((counts, listed))
}

#[derive(Debug, Clone, Serialize)]
pub struct UrgentTurn {
    /// Seconds since the Unix epoch.
    pub at: i64,
    /// The same, as "YYYY-MM-DD HH:MM UTC".
    pub time: String,
    pub question: String,
    pub severity: Option<String>,
    /// For erasing it on request, or finding the visitor's call-back request.
    pub conversation_id: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Day {
    pub day: String,
    pub questions: i64,
    pub answers: i64,
    pub fallbacks: i64,
    pub urgent: i64,
}

/// One group of unanswered questions: those read as the same treatment and intent, or else
/// worded alike.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Unanswered {
    /// The latest question of the group, as asked (redacted).
    pub question: String,
    pub count: i64,
    /// What the group asks, when read by meaning: "mesotherapy · how many sessions".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Its different wordings, latest first, at most [`EXAMPLES`].
    pub examples: Vec<String>,
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
/// Unanswered question groups listed at most.
const GROUPS: usize = 20;
/// Wordings shown for a group at most.
const EXAMPLES: usize = 3;

/// Questions (latest first) grouped by meaning: those read as the same treatment (however
/// named) and the same intent are one group, labelled "tattoo removal · cost"; a question
/// naming no treatment joins those worded alike, differing only in case, punctuation, small
/// words or order ("What are your opening hours?", "opening hours??"). Most asked first.
fn group_by_meaning(questions: &[(String, Option<Reading>)]) -> Vec<Unanswered> {
    let mut groups: BTreeMap<String, Unanswered> = BTreeMap::new();
    for (question, reading) in questions {
        let (key, label) = match reading {
            Some(r) => (
                format!(
                    "{}\u{1f}{}",
                    r.treatment_key,
                    r.intent.as_deref().unwrap_or("")
                ),
                Some(format!("{} · {}", r.treatment, asks(r.intent.as_deref()))),
            ),
            None => (format!("\u{1f}\u{1f}{}", wording(question)), None),
        };
        let group = groups.entry(key).or_insert_with(|| Unanswered {
            question: question.clone(),
            count: 0,
            label,
            examples: Vec::new(),
        });
        group.count += 1;
        if group.examples.len() < EXAMPLES && !group.examples.contains(question) {
            group.examples.push(question.clone());
        }
    }
    let mut list: Vec<Unanswered> = groups.into_values().collect();
    list.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.question.cmp(&b.question))
    });
    list.truncate(GROUPS);
    list
}

/// A question's content words, sorted, plurals folded: equal for wordings that differ only in
/// case, punctuation, small words or order.
fn wording(question: &str) -> String {
    let mut words: Vec<String> = crate::text::words(question)
        .into_iter()
        .filter(|w| !Vocabulary::built_in().is_stop_word(w))
        .map(|w| w.trim_end_matches('s').to_string())
        .collect();
    words.sort();
    words.dedup();
    if words.is_empty() {
        question.to_lowercase()
    } else {
        words.join(" ")
    }
}

/// What an intent asks, as staff read it in a group's label.
fn asks(intent: Option<&str>) -> &'static str {
    match intent {
        Some("cost") => "cost",
        Some("logistics") => "booking and practicalities",
        Some("count") => "how many sessions",
        Some("interval") => "how far apart",
        Some("duration") => "how long (downtime, recovery)",
        Some("session_length") => "how long a session takes",
        Some("longevity") => "how long results last",
        Some("onset") => "when results show",
        Some("pain") => "does it hurt",
        Some("side_effects") => "side effects and risks",
        Some("preparation") => "how to prepare",
        Some("aftercare") => "aftercare",
        Some("comparison") => "compared with other treatments",
        Some("suitability") => "who it suits",
        Some("areas") => "areas treated",
        Some("how_it_works") => "how it works",
        Some("results") => "results",
        Some("definition") => "what it is",
        _ => "other questions",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tests::{answer, turn};
    use crate::store::{Feedback, Turn};

    #[test]
    fn the_report_counts_kinds_groups_unanswered_wordings_and_feedback() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let now = 1_800_000_000;
        store
            .insert_turns(&[
                turn(1, now - 10, Kind::Answer, "does it hurt"),
                turn(2, now - 20, Kind::Fallback, "What are your opening hours?"),
                turn(3, now - 30, Kind::Fallback, "opening hours??"),
                turn(4, now - 40, Kind::Fallback, "do you do tattoo removal"),
                turn(5, now - 50, Kind::Urgent, "I have a fever"),
                turn(
                    6,
                    now - 40 * 86_400,
                    Kind::Answer,
                    "too old for a 30 day report",
                ),
            ])
            .unwrap();
        store
            .insert_feedback(&[
                Feedback {
                    answer_id: answer(1),
                    helpful: true,
                    comment: None,
                    at: now,
                },
                Feedback {
                    answer_id: answer(2),
                    helpful: false,
                    comment: Some("call me on 07700900123".into()),
                    at: now,
                },
            ])
            .unwrap();
        let report = store.report(30, now).unwrap();
        assert_eq!(report.questions, 5);
        assert_eq!(
            serde_json::to_value(&report).unwrap()["by_kind"],
            serde_json::json!({"answer": 1, "fallback": 3, "smalltalk": 0, "urgent": 1})
        );
        assert_eq!(
            report.unanswered[0],
            Unanswered {
                question: "What are your opening hours?".into(),
                count: 2,
                label: None,
                examples: vec![
                    "What are your opening hours?".into(),
                    "opening hours??".into()
                ],
            }
        );
        assert_eq!(report.feedback.helpful, 1);
        assert_eq!(report.feedback.not_helpful, 1);
        assert_eq!(
            report.unhelpful[0].comment.as_deref(),
            Some("call me on [number]")
        );
    }

    fn read(treatment: &str, key: &str, intent: &str) -> Option<Reading> {
        Some(Reading {
            treatment: treatment.into(),
            treatment_key: key.into(),
            intent: Some(intent.into()),
        })
    }

    #[test]
    fn unanswered_questions_read_alike_are_one_group_whatever_their_wording() {
        let questions = [
            (
                "how much is cryolipolysis".to_string(),
                read("cryolipolysis", "cryolipolysi", "cost"),
            ),
            (
                "fat freezing price?".to_string(),
                read("fat freezing", "cryolipolysi", "cost"),
            ),
            (
                "does fat freezing hurt".to_string(),
                read("fat freezing", "cryolipolysi", "pain"),
            ),
            ("opening hours??".to_string(), None),
        ];
        let groups = group_by_meaning(&questions);
        assert_eq!(groups.len(), 3, "{groups:?}");
        assert_eq!(groups[0].count, 2);
        assert_eq!(groups[0].label.as_deref(), Some("cryolipolysis · cost"));
        assert_eq!(
            groups[0].examples,
            ["how much is cryolipolysis", "fat freezing price?"]
        );
        let pain = groups.iter().find(|g| g.count == 1 && g.label.is_some());
        assert_eq!(
            pain.and_then(|g| g.label.as_deref()),
            Some("fat freezing · does it hurt")
        );
    }

    #[test]
    fn urgent_messages_are_counted_by_severity_and_listed_newest_first_redacted() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let now = 1_800_000_000;
        let emergency = Turn {
            severity: Some("emergency".into()),
            ..turn(
                2,
                now - 10,
                Kind::Urgent,
                "my lips are swelling, ring me on 07700 900123",
            )
        };
        store
            .insert_turns(&[
                turn(1, now - 20, Kind::Urgent, "the area is hot and spreading"),
                emergency,
                turn(3, now - 5, Kind::Answer, "does it hurt"),
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
    fn a_database_from_before_severity_and_readings_gains_the_columns_and_keeps_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        {
            let connection =
                rusqlite::Connection::open(dir.path().join(crate::store::DATABASE)).unwrap();
            connection
                .execute_batch(
                    "CREATE TABLE turns (id INTEGER PRIMARY KEY, answer_id TEXT NOT NULL UNIQUE, conversation_id TEXT NOT NULL, at INTEGER NOT NULL, kind TEXT NOT NULL, question TEXT NOT NULL, top_source TEXT, latency_us INTEGER NOT NULL);
                     CREATE TABLE feedback (id INTEGER PRIMARY KEY, answer_id TEXT NOT NULL, helpful INTEGER NOT NULL, comment TEXT, at INTEGER NOT NULL);
                     INSERT INTO turns (answer_id, conversation_id, at, kind, question, latency_us) VALUES ('old', 'c', 1799999990, 'urgent', 'fever', 1);
                     INSERT INTO turns (answer_id, conversation_id, at, kind, question, latency_us) VALUES ('older', 'c', 1799999980, 'fallback', 'opening hours?', 1);
                     PRAGMA user_version = 1;",
                )
                .unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        let report = store.report(30, 1_800_000_000).unwrap();
        assert_eq!(report.urgent.len(), 1);
        assert_eq!(report.urgent[0].severity, None);
        assert_eq!(report.urgent_by_severity["unknown"], 1);
        // Recorded before questions kept their reading: grouped by wording.
        assert_eq!(report.unanswered[0].question, "opening hours?");
        assert_eq!(report.unanswered[0].label, None);
    }
}
