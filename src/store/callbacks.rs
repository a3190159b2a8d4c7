//! Call-back requests in the database: a visitor's name, how to reach them and what it is
//! about, as they gave them (staff need the number whole, so nothing is redacted), with the
//! request's status for staff (`new`, `handled`) and how its delivery to the clinic went.
//! A request goes with its conversation when that is erased, and with the retention period.
//! Written at once, in the caller's thread (off the async runtime): the visitor is told it is
//! stored only once it is.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Store, Unreadable};

/// Requests listed for staff at most, newest first.
const LISTED: i64 = 500;

/// A request as the visitor sent it, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCallback {
    pub id: String,
    pub conversation_id: Option<String>,
    /// Seconds since the Unix epoch.
    pub at: i64,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub preferred_time: Option<String>,
    pub message: Option<String>,
}

/// A request as staff see it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Callback {
    pub id: String,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub preferred_time: Option<String>,
    pub message: Option<String>,
    /// When it was sent, `YYYY-MM-DDTHH:MM:SSZ`.
    pub created: String,
    /// `new` or `handled`.
    pub status: String,
    pub conversation_id: Option<String>,
    pub delivery: Delivery,
}

/// How a request reached the clinic, per channel: `off` (not configured), `pending`,
/// `delivered` or `failed`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Delivery {
    pub webhook: String,
    pub webhook_attempts: i64,
    pub email: String,
}

/// The ways a request is sent on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Webhook,
    Email,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    Off,
    Pending,
    Delivered,
    Failed,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Off => "off",
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }
}

impl Store {
    /// Stores a request, with each channel's delivery as it starts (`off` or `pending`).
    pub fn insert_callback(
        &self,
        callback: &NewCallback,
        webhook: DeliveryState,
        email: DeliveryState,
    ) -> Result<(), Unreadable> {
        let mut db = self.db();
        let connection = db.usable()?;
        connection
            .prepare_cached(
                "INSERT INTO callbacks (callback_id, conversation_id, at, name, phone, email, preferred_time, message, webhook_delivery, email_delivery) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    callback.id,
                    callback.conversation_id,
                    callback.at,
                    callback.name,
                    callback.phone,
                    callback.email,
                    callback.preferred_time,
                    callback.message,
                    webhook.as_str(),
                    email.as_str(),
                ])
            })
            .map(|_| ())
            .map_err(|err| unreadable("store a call-back request", &err))
    }

    /// The requests, newest first.
    pub fn callbacks(&self) -> Result<Vec<Callback>, Unreadable> {
        let mut db = self.db();
        let connection = db.usable()?;
        list(connection).map_err(|err| unreadable("read the call-back requests", &err))
    }

    /// Marks a request handled; `false` when there is no such request.
    pub fn mark_handled(&self, id: &str, now: i64) -> Result<bool, Unreadable> {
        let mut db = self.db();
        let connection = db.usable()?;
        connection
            .execute(
                "UPDATE callbacks SET status = 'handled', handled_at = COALESCE(handled_at, ?2) WHERE callback_id = ?1",
                params![id, now],
            )
            .map(|changed| changed > 0)
            .map_err(|err| unreadable("mark a call-back request handled", &err))
    }

    /// Notes how a channel's delivery went, and (for the webhook) how many tries it took so far.
    pub fn set_delivery(
        &self,
        id: &str,
        channel: Channel,
        state: DeliveryState,
        attempts: u32,
    ) -> Result<(), Unreadable> {
        let mut db = self.db();
        let connection = db.usable()?;
        let state = state.as_str();
        match channel {
            Channel::Webhook => connection.execute(
                "UPDATE callbacks SET webhook_delivery = ?2, webhook_attempts = ?3 WHERE callback_id = ?1",
                params![id, state, attempts],
            ),
            Channel::Email => connection.execute(
                "UPDATE callbacks SET email_delivery = ?2 WHERE callback_id = ?1",
                params![id, state],
            ),
        }
        .map(|_| ())
            .map_err(|err| unreadable("note a call-back request's delivery", &err))
    }

    /// Requests a channel was still sending when the service stopped: each with whether its
    /// webhook and its email are pending.
    pub fn pending_callbacks(&self) -> Result<Vec<(NewCallback, bool, bool)>, Unreadable> {
        let mut db = self.db();
        let connection = db.usable()?;
        let mut statement = connection
            .prepare(
                "SELECT callback_id, conversation_id, at, name, phone, email, preferred_time, message, \
                 webhook_delivery = 'pending', email_delivery = 'pending' FROM callbacks \
                 WHERE webhook_delivery = 'pending' OR email_delivery = 'pending' ORDER BY at",
            )
            .map_err(|err| unreadable("read the call-back requests", &err))?;
        let rows = statement.query_map([], |r| {
            let callback = NewCallback {
                id: r.get(0)?,
                conversation_id: r.get(1)?,
                at: r.get(2)?,
                name: r.get(3)?,
                phone: r.get(4)?,
                email: r.get(5)?,
                preferred_time: r.get(6)?,
                message: r.get(7)?,
            };
            Ok((callback, r.get(8)?, r.get(9)?))
        });
        rows.and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(|err| unreadable("read the call-back requests", &err))
    }

    /// The request `id`, when it is still stored.
    pub fn callback(&self, id: &str) -> Result<Option<Callback>, Unreadable> {
        let mut db = self.db();
        let connection = db.usable()?;
        connection
            .query_row(
                &format!("{SELECT} WHERE callback_id = ?1"),
                params![id],
                row,
            )
            .optional()
            .map_err(|err| unreadable("read a call-back request", &err))
    }
}

fn unreadable(what: &str, err: &rusqlite::Error) -> Unreadable {
    tracing::warn!("could not {what}: {err}");
    Unreadable::from(err)
}

const SELECT: &str = "SELECT callback_id, name, phone, email, preferred_time, message, \
     strftime('%Y-%m-%dT%H:%M:%SZ', at, 'unixepoch'), status, conversation_id, \
     webhook_delivery, webhook_attempts, email_delivery FROM callbacks";

fn list(connection: &rusqlite::Connection) -> rusqlite::Result<Vec<Callback>> {
    let mut statement =
        connection.prepare_cached(&format!("{SELECT} ORDER BY at DESC, id DESC LIMIT ?1"))?;
    statement
        .query_map(params![LISTED], row)?
        .collect::<rusqlite::Result<Vec<_>>>()
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Callback> {
    Ok(Callback {
        id: r.get(0)?,
        name: r.get(1)?,
        phone: r.get(2)?,
        email: r.get(3)?,
        preferred_time: r.get(4)?,
        message: r.get(5)?,
        created: r.get(6)?,
        status: r.get(7)?,
        conversation_id: r.get(8)?,
        delivery: Delivery {
            webhook: r.get(9)?,
            webhook_attempts: r.get(10)?,
            email: r.get(11)?,
        },
    })
}

/// Deletes a conversation's requests (within the erasure's transaction).
pub(super) fn erase(
    tx: &rusqlite::Transaction<'_>,
    conversation: &crate::record::ConversationId,
) -> rusqlite::Result<usize> {
    tx.execute(
        "DELETE FROM callbacks WHERE conversation_id = ?1",
        params![conversation],
    )
}

/// Deletes requests older than `cutoff`; the caller checkpoints.
pub(super) fn purge(connection: &rusqlite::Connection, cutoff: i64) -> rusqlite::Result<usize> {
    connection.execute("DELETE FROM callbacks WHERE at < ?1", params![cutoff])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::ConversationId;
    use crate::store::now;

    fn request(n: u32, conversation: &str, at: i64) -> NewCallback {
        NewCallback {
            id: format!("cb_{n}"),
            conversation_id: Some(conversation.into()),
            at,
            name: format!("Visitor {n}"),
            phone: Some("07700 900123".into()),
            email: None,
            preferred_time: Some("mornings".into()),
            message: Some("about the quokkaberry peel".into()),
        }
    }

    #[test]
    fn requests_are_listed_newest_first_and_can_be_marked_handled() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let now = now();
        let off = DeliveryState::Off;
        store
            .insert_callback(&request(1, "c_a", now - 60), DeliveryState::Pending, off)
            .unwrap();
        store
            .insert_callback(&request(2, "c_b", now), off, off)
            .unwrap();
        let listed = store.callbacks().unwrap();
        assert_eq!(
            listed.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            ["cb_2", "cb_1"]
        );
        assert_eq!(
            listed[1].phone.as_deref(),
            Some("07700 900123"),
            "kept whole"
        );
        assert_eq!(listed[1].delivery.webhook, "pending");
        assert!(store.mark_handled("cb_1", now).unwrap());
        assert!(!store.mark_handled("cb_9", now).unwrap());
        assert_eq!(store.callback("cb_1").unwrap().unwrap().status, "handled");
        store
            .set_delivery("cb_1", Channel::Webhook, DeliveryState::Delivered, 3)
            .unwrap();
        let delivered = store.callback("cb_1").unwrap().unwrap().delivery;
        assert_eq!(
            (delivered.webhook.as_str(), delivered.webhook_attempts),
            ("delivered", 3)
        );
    }

    #[test]
    fn requests_go_with_their_conversation_and_with_the_retention_period() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let now = now();
        let off = DeliveryState::Off;
        for (n, conversation, at) in [
            (1, "c_a", now),
            (2, "c_b", now),
            (3, "c_c", now - 91 * 86_400),
        ] {
            store
                .insert_callback(&request(n, conversation, at), off, off)
                .unwrap();
        }
        store
            .write(&[super::super::Job::Erase(
                "c_a".parse::<ConversationId>().unwrap(),
            )])
            .unwrap();
        store.purge_older_than(90, now).unwrap();
        let left: Vec<String> = store
            .callbacks()
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(left, ["cb_2"]);
        let bytes: Vec<u8> = ["clinic-chat.db", "clinic-chat.db-wal"]
            .iter()
            .flat_map(|f| std::fs::read(dir.path().join(f)).unwrap_or_default())
            .collect();
        let text = b"Visitor 1";
        assert!(
            !bytes.windows(text.len()).any(|w| w == text),
            "an erased request is not left readable in the files"
        );
    }
}
