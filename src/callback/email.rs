//! Delivery by email through the clinic's own SMTP server (lettre, over TLS or STARTTLS as the
//! URL says): a plain-text message to the clinic, answerable straight to the visitor when they
//! gave an email. The visitor's text goes in the body only, never in a header but `Reply-To`,
//! which must parse as an address.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::{Attempt, Notice};

/// How long one conversation with the SMTP server may take.
const TIMEOUT: Duration = Duration::from_secs(15);

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    to: Mailbox,
}

impl Mailer {
    /// A mailer for the server at `url` (`smtps://user:pass@host:465`,
    /// `smtp://user:pass@host:587?tls=required`, or plain `smtp://host:25` on a trusted
    /// network), sending from `from` to `to`.
    pub fn new(url: &str, from: &str, to: &str) -> anyhow::Result<Mailer> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.trim())
            .map_err(|err| anyhow::anyhow!("CLINIC_CHAT_SMTP_URL cannot be used: {err}"))?
            .timeout(Some(TIMEOUT))
            .build();
        let address = |what: &str, text: &str| {
            text.trim()
                .parse::<Mailbox>()
                .map_err(|err| anyhow::anyhow!("{what} is not an email address ({text:?}): {err}"))
        };
        Ok(Mailer {
            transport,
            from: address("the sender (CLINIC_CHAT_SMTP_FROM)", from)?,
            to: address("the recipient (CLINIC_CHAT_CALLBACK_EMAIL)", to)?,
        })
    }

    pub(super) async fn send(&self, notice: &Notice) -> Attempt {
        let message = match self.message(notice) {
            Ok(message) => message,
            Err(err) => return Attempt::GiveUp(format!("the message could not be built: {err}")),
        };
        match self.transport.send(message).await {
            Ok(_) => Attempt::Done,
            Err(err) if err.is_permanent() => Attempt::GiveUp(err.to_string()),
            Err(err) => Attempt::Retry(err.to_string()),
        }
    }

    fn message(&self, notice: &Notice) -> Result<Message, lettre::error::Error> {
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(self.to.clone())
            .subject(format!(
                "Call-back request from the website chat ({})",
                notice.id
            ));
        if let Some(reply_to) = notice
            .email
            .as_deref()
            .and_then(|e| e.parse::<Mailbox>().ok())
        {
            builder = builder.reply_to(reply_to);
        }
        builder.header(ContentType::TEXT_PLAIN).body(body(notice))
    }
}

/// The message's text: every field the visitor filled in, one a line.
fn body(notice: &Notice) -> String {
    let mut text = format!(
        "A visitor to the website asked {} to call them back.\n\n",
        notice.clinic
    );
    let fields = [
        ("Name", Some(&notice.name)),
        ("Phone", notice.phone.as_ref()),
        ("Email", notice.email.as_ref()),
        ("Preferred time", notice.preferred_time.as_ref()),
        ("About", notice.message.as_ref()),
        ("Conversation", notice.conversation_id.as_ref()),
    ];
    for (label, value) in fields {
        if let Some(value) = value {
            text.push_str(&format!("{label}: {value}\n"));
        }
    }
    text.push_str(&format!(
        "\nRequest {}. Mark it handled on the staff page (/staff) once you have called.\n",
        notice.id
    ));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_holds_the_fields_given_and_answers_to_the_visitor() {
        let notice = Notice {
            id: "cb_1".into(),
            clinic: "Bloom".into(),
            name: "Jane Doe".into(),
            phone: None,
            email: Some("jane@example.org".into()),
            preferred_time: Some("after 5pm".into()),
            message: Some("about peels".into()),
            created: 0,
            conversation_id: None,
        };
        let mailer = Mailer::new(
            "smtp://127.0.0.1:2525",
            "chat@bloom.example",
            "hello@bloom.example",
        )
        .unwrap();
        let formatted = String::from_utf8(mailer.message(&notice).unwrap().formatted()).unwrap();
        assert!(
            formatted.contains("Reply-To: jane@example.org"),
            "{formatted}"
        );
        assert!(
            formatted.contains("Preferred time: after 5pm"),
            "{formatted}"
        );
        assert!(
            !formatted.contains("Phone:"),
            "fields not given are left out"
        );
        assert!(Mailer::new("smtp://127.0.0.1:2525", "not an address", "a@b.example").is_err());
    }
}
