//! A visitor's request to be called back: the form's fields checked into a [`Request`] (or a
//! [`Invalid`] that names the field), and sent on to the clinic after it is stored, by the
//! [`Outbox`], without the visitor waiting: to a webhook (`webhook`) and by email (`email`),
//! each retried with a growing back-off. What the visitor wrote is health information: it is
//! never logged, only the request's id and how delivery went.

mod email;
mod webhook;

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::record::ConversationId;
use crate::redact::{is_email, is_phone};
use crate::store::{Channel, DeliveryState, NewCallback, Store};

pub use email::Mailer;
pub use webhook::Webhook;

/// The longest name, phone, email and preferred time kept, in characters.
const MAX_NAME: usize = 100;
const MAX_PHONE: usize = 40;
/// RFC 5321's limit for a path.
const MAX_EMAIL: usize = 254;
const MAX_TIME: usize = 100;
const MAX_MESSAGE: usize = 1000;

/// The form as a client sends it; every field optional here, so a missing one is named in
/// the error rather than in serde's words.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(
    as = CallbackRequest,
    description = "A visitor's request to be called back: a name, a phone number or an email \
                   address, and consent."
)]
pub struct Form {
    /// The visitor's name, up to 100 characters.
    #[serde(default)]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 100)]
    pub name: Option<String>,
    /// 7 to 15 digits, with spaces, dashes, dots or brackets; a phone or an email is required.
    #[serde(default)]
    #[schema(max_length = 40, pattern = r"^\+*[ ().-]*([0-9][ ().-]*){7,15}$")]
    pub phone: Option<String>,
    /// A phone or an email is required.
    #[serde(default)]
    #[schema(
        max_length = 254,
        pattern = r"^[A-Za-z0-9_.+-]+@[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$"
    )]
    pub email: Option<String>,
    /// When to call, in the visitor's words; up to 100 characters.
    #[serde(default)]
    #[schema(max_length = 100)]
    pub preferred_time: Option<String>,
    /// What it is about; up to 1,000 characters.
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub message: Option<String>,
    /// Must be true: the visitor agrees that the clinic keeps these details to call back.
    #[serde(default)]
    #[schema(schema_with = must_be_true, required = true)]
    pub consent: Option<bool>,
    /// The chat's conversation, for staff to read alongside.
    #[serde(default)]
    pub conversation_id: Option<String>,
}

/// The description of `consent`: `true`, the only value accepted.
fn must_be_true() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::Boolean)
        .enum_values(Some([true]))
        .description(Some(
            "Must be true: the visitor agrees that the clinic keeps these details to call back.",
        ))
        .build()
}

/// A request that passed every check: a name, a way to reach the visitor, consent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub preferred_time: Option<String>,
    pub message: Option<String>,
    pub conversation_id: Option<ConversationId>,
}

/// A field the form got wrong, and how.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct Invalid {
    pub field: &'static str,
    pub problem: String,
}

fn invalid(field: &'static str, problem: impl Into<String>) -> Invalid {
    Invalid {
        field,
        problem: problem.into(),
    }
}

impl Request {
    pub fn parse(form: Form) -> Result<Request, Invalid> {
        let name =
            line("name", form.name, MAX_NAME)?.ok_or_else(|| invalid("name", "is required"))?;
        let phone = line("phone", form.phone, MAX_PHONE)?;
        if phone.as_deref().is_some_and(|p| !is_phone(p)) {
            return Err(invalid(
                "phone",
                "is not a phone number (7 to 15 digits, with spaces, dashes or brackets)",
            ));
        }
        let email = line("email", form.email, MAX_EMAIL)?;
        if email.as_deref().is_some_and(|e| !is_email(e)) {
            return Err(invalid("email", "is not an email address"));
        }
        if phone.is_none() && email.is_none() {
            return Err(invalid(
                "phone",
                "a phone number or an email address is required, to call you back",
            ));
        }
        if form.consent != Some(true) {
            return Err(invalid(
                "consent",
                "must be true: the visitor agrees that the clinic keeps these details to call back",
            ));
        }
        let conversation_id = form
            .conversation_id
            .filter(|id| !id.trim().is_empty())
            .map(|id| id.trim().parse::<ConversationId>())
            .transpose()
            .map_err(|err| invalid("conversation_id", err.to_string()))?;
        Ok(Request {
            name,
            phone,
            email,
            preferred_time: line("preferred_time", form.preferred_time, MAX_TIME)?,
            message: text("message", form.message, MAX_MESSAGE)?,
            conversation_id,
        })
    }

    /// The row to store, under a fresh id.
    pub fn into_row(self, at: i64) -> NewCallback {
        NewCallback {
            id: fresh_id(),
            conversation_id: self.conversation_id.map(|c| c.as_str().to_string()),
            at,
            name: self.name,
            phone: self.phone,
            email: self.email,
            preferred_time: self.preferred_time,
            message: self.message,
        }
    }
}

/// A trimmed one-line field: `None` when empty, an error when too long or broken over lines.
fn line(field: &'static str, value: Option<String>, max: usize) -> Result<Option<String>, Invalid> {
    let value = text(field, value, max)?;
    if value
        .as_deref()
        .is_some_and(|v| v.chars().any(char::is_control))
    {
        return Err(invalid(field, "must be one line of text"));
    }
    Ok(value)
}

/// A trimmed field that may span lines: `None` when empty, an error when too long or holding
/// control characters other than line breaks and tabs.
fn text(field: &'static str, value: Option<String>, max: usize) -> Result<Option<String>, Invalid> {
    let Some(value) = value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
    else {
        return Ok(None);
    };
    if value.chars().count() > max {
        return Err(invalid(field, format!("is longer than {max} characters")));
    }
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(invalid(field, "holds control characters"));
    }
    Ok(Some(value))
}

/// `cb_` and 32 hex digits of a UUID v7: time-ordered, like answer ids.
fn fresh_id() -> String {
    format!("cb_{}", uuid::Uuid::now_v7().simple())
}

/// What the clinic is sent: the request, and where it came from.
#[derive(Debug, Clone, Serialize)]
pub struct Notice {
    pub id: String,
    pub clinic: String,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub preferred_time: Option<String>,
    pub message: Option<String>,
    /// Seconds since the Unix epoch.
    pub created: i64,
    pub conversation_id: Option<String>,
}

impl Notice {
    pub fn of(row: &NewCallback, clinic: &str) -> Notice {
        Notice {
            id: row.id.clone(),
            clinic: clinic.to_string(),
            name: row.name.clone(),
            phone: row.phone.clone(),
            email: row.email.clone(),
            preferred_time: row.preferred_time.clone(),
            message: row.message.clone(),
            created: row.at,
            conversation_id: row.conversation_id.clone(),
        }
    }
}

/// How many times delivery is tried, on each channel, before the request is marked failed;
/// with the back-off doubling from its first wait, the last try comes some 30 first waits
/// after the first.
pub const ATTEMPTS: u32 = 6;

/// Sends stored requests on to the clinic in background tasks.
pub struct Outbox {
    webhook: Option<Webhook>,
    mailer: Option<Mailer>,
    store: Arc<Store>,
    clinic: String,
    /// The wait before the second try; it doubles for each further one.
    first_backoff: Duration,
}

impl Outbox {
    pub fn new(
        webhook: Option<Webhook>,
        mailer: Option<Mailer>,
        store: Arc<Store>,
        clinic: String,
        first_backoff: Duration,
    ) -> Outbox {
        Outbox {
            webhook,
            mailer,
            store,
            clinic,
            first_backoff,
        }
    }

    /// Each channel's state as a request is stored: `pending` when it will be sent that way.
    pub fn initial_states(&self) -> (DeliveryState, DeliveryState) {
        let state = |configured: bool| match configured {
            true => DeliveryState::Pending,
            false => DeliveryState::Off,
        };
        (state(self.webhook.is_some()), state(self.mailer.is_some()))
    }

    /// Sends a stored request on, in the background; each channel notes on the row how it went.
    pub fn send(self: &Arc<Self>, row: &NewCallback) {
        self.send_by(row, self.webhook.is_some(), self.mailer.is_some());
    }

    /// Sends on, in the background, the requests whose delivery the service's last stop cut
    /// short. A channel no longer configured is marked failed: nothing will send it now.
    pub fn resume(self: &Arc<Self>) {
        let outbox = self.clone();
        tokio::spawn(async move {
            let store = outbox.store.clone();
            let pending = match tokio::task::spawn_blocking(move || store.pending_callbacks()).await
            {
                Ok(Ok(pending)) => pending,
                Ok(Err(err)) => {
                    return tracing::warn!("could not resume call-back deliveries: {err}");
                }
                Err(_) => return,
            };
            for (row, webhook, email) in pending {
                tracing::info!(callback = row.id, "resuming a call-back request's delivery");
                outbox.send_by(
                    &row,
                    webhook && outbox.webhook.is_some(),
                    email && outbox.mailer.is_some(),
                );
                if webhook && outbox.webhook.is_none() {
                    outbox.note(&row.id, Channel::Webhook, (DeliveryState::Failed, 0));
                }
                if email && outbox.mailer.is_none() {
                    outbox.note(&row.id, Channel::Email, (DeliveryState::Failed, 0));
                }
            }
        });
    }

    fn send_by(self: &Arc<Self>, row: &NewCallback, webhook: bool, email: bool) {
        let notice = Arc::new(Notice::of(row, &self.clinic));
        if webhook {
            let (outbox, notice) = (self.clone(), notice.clone());
            tokio::spawn(async move {
                let Some(webhook) = &outbox.webhook else {
                    return;
                };
                let outcome = retry(outbox.first_backoff, |_| webhook.post(&notice)).await;
                outbox.note(&notice.id, Channel::Webhook, outcome);
            });
        }
        if email {
            let outbox = self.clone();
            tokio::spawn(async move {
                let Some(mailer) = &outbox.mailer else {
                    return;
                };
                let outcome = retry(outbox.first_backoff, |_| mailer.send(&notice)).await;
                outbox.note(&notice.id, Channel::Email, outcome);
            });
        }
    }

    fn note(self: &Arc<Self>, id: &str, channel: Channel, (state, attempts): (DeliveryState, u32)) {
        let what = match channel {
            Channel::Webhook => "webhook",
            Channel::Email => "email",
        };
        match state {
            DeliveryState::Delivered => {
                tracing::info!(callback = id, attempts, "call-back request sent by {what}")
            }
            _ => tracing::warn!(
                callback = id,
                attempts,
                "call-back request could not be sent by {what}; staff see it on /staff"
            ),
        }
        let (store, id) = (self.store.clone(), id.to_string());
        tokio::task::spawn_blocking(move || {
            if let Err(err) = store.set_delivery(&id, channel, state, attempts) {
                tracing::warn!(callback = id, "could not note the delivery: {err}");
            }
        });
    }
}

/// How one try went.
#[derive(Debug)]
pub enum Attempt {
    Done,
    /// Worth trying again (the receiver was down, busy or slow); the reason is for the log.
    Retry(String),
    /// Trying again would fail the same way (the receiver refused the request).
    GiveUp(String),
}

/// Tries `send` up to [`ATTEMPTS`] times, waiting `first` and then twice as long each time
/// between tries; returns the final state and the tries made.
async fn retry<F, Fut>(first: Duration, mut send: F) -> (DeliveryState, u32)
where
    F: FnMut(u32) -> Fut,
    Fut: std::future::Future<Output = Attempt>,
{
    let mut wait = first;
    for attempt in 1..=ATTEMPTS {
        match send(attempt).await {
            Attempt::Done => return (DeliveryState::Delivered, attempt),
            Attempt::GiveUp(reason) => {
                tracing::warn!(attempt, "call-back delivery refused: {reason}");
                return (DeliveryState::Failed, attempt);
            }
            Attempt::Retry(reason) => {
                tracing::debug!(attempt, "call-back delivery failed, will retry: {reason}");
                if attempt < ATTEMPTS {
                    tokio::time::sleep(wait).await;
                    wait = wait.saturating_mul(2);
                }
            }
        }
    }
    (DeliveryState::Failed, ATTEMPTS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> Form {
        Form {
            name: Some("  Jane Doe ".into()),
            phone: Some("07700 900123".into()),
            consent: Some(true),
            ..Form::default()
        }
    }

    fn field(adjust: impl FnOnce(&mut Form)) -> &'static str {
        let mut form = form();
        adjust(&mut form);
        Request::parse(form).unwrap_err().field
    }

    #[test]
    fn a_request_needs_a_name_a_way_to_call_back_and_consent() {
        let request = Request::parse(form()).unwrap();
        assert_eq!(request.name, "Jane Doe");
        assert_eq!(field(|f| f.name = None), "name");
        assert_eq!(field(|f| f.name = Some("   ".into())), "name");
        assert_eq!(field(|f| f.phone = None), "phone");
        assert_eq!(field(|f| f.consent = None), "consent");
        assert_eq!(field(|f| f.consent = Some(false)), "consent");
        let by_email = Request::parse(Form {
            phone: None,
            email: Some("jane@example.org".into()),
            ..form()
        });
        assert!(by_email.is_ok());
    }

    #[test]
    fn each_bad_field_is_named() {
        assert_eq!(field(|f| f.phone = Some("call me".into())), "phone");
        assert_eq!(field(|f| f.email = Some("jane@".into())), "email");
        assert_eq!(field(|f| f.name = Some("x".repeat(101))), "name");
        assert_eq!(field(|f| f.name = Some("Jane\r\nBcc: x".into())), "name");
        assert_eq!(field(|f| f.message = Some("x".repeat(1001))), "message");
        assert_eq!(
            field(|f| f.preferred_time = Some("x".repeat(101))),
            "preferred_time"
        );
        assert_eq!(
            field(|f| f.conversation_id = Some("a b".into())),
            "conversation_id"
        );
        let multi_line = Request::parse(Form {
            message: Some("line one\nline two".into()),
            ..form()
        });
        assert!(multi_line.is_ok(), "a message may span lines");
    }

    #[tokio::test]
    async fn delivery_is_retried_with_a_growing_wait_until_it_succeeds_or_is_refused() {
        let first = Duration::from_millis(5);
        let started = std::time::Instant::now();
        let outcome = retry(first, |n| async move {
            if n < 3 {
                Attempt::Retry("down".into())
            } else {
                Attempt::Done
            }
        })
        .await;
        assert_eq!(outcome, (DeliveryState::Delivered, 3));
        assert!(started.elapsed() >= first * 3, "waited 5 then 10 ms");
        let refused = retry(first, |_| async { Attempt::GiveUp("404".into()) }).await;
        assert_eq!(refused, (DeliveryState::Failed, 1));
        let down = retry(first, |_| async { Attempt::Retry("down".into()) }).await;
        assert_eq!(down, (DeliveryState::Failed, ATTEMPTS));
    }
}
