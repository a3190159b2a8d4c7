//! Delivery to the clinic's webhook: the request as JSON in a POST. A 2xx answer is delivery;
//! a network error, a timeout, 408, 429 or a 5xx is worth another try; any other answer (the
//! URL is wrong, the receiver refuses the shape) is given up at once.

use std::time::Duration;

use reqwest::StatusCode;

use super::{Attempt, Notice};

/// How long one try may take, connecting included.
const TIMEOUT: Duration = Duration::from_secs(10);

pub struct Webhook {
    url: reqwest::Url,
    client: reqwest::Client,
}

impl Webhook {
    /// The webhook at `url`, which must be http or https.
    pub fn new(url: &str) -> anyhow::Result<Webhook> {
        let url = reqwest::Url::parse(url.trim())
            .map_err(|err| anyhow::anyhow!("CLINIC_CHAT_CALLBACK_WEBHOOK is not a URL: {err}"))?;
        anyhow::ensure!(
            matches!(url.scheme(), "http" | "https"),
            "CLINIC_CHAT_CALLBACK_WEBHOOK must be an http or https URL"
        );
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .user_agent(concat!("clinic-chat/", env!("CARGO_PKG_VERSION")))
            // A redirect would send the visitor's details somewhere not configured.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Webhook { url, client })
    }

    pub(super) async fn post(&self, notice: &Notice) -> Attempt {
        let sent = self.client.post(self.url.clone()).json(notice).send().await;
        match sent {
            Ok(response) => judge(response.status()),
            // The error's text may carry the URL, never the visitor's details.
            Err(err) => Attempt::Retry(err.without_url().to_string()),
        }
    }
}

fn judge(status: StatusCode) -> Attempt {
    if status.is_success() {
        Attempt::Done
    } else if status.is_server_error()
        || status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
    {
        Attempt::Retry(format!("the webhook answered {status}"))
    } else {
        Attempt::GiveUp(format!("the webhook answered {status}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_receiver_that_may_recover_is_tried_again() {
        assert!(matches!(judge(StatusCode::NO_CONTENT), Attempt::Done));
        assert!(matches!(judge(StatusCode::BAD_GATEWAY), Attempt::Retry(_)));
        assert!(matches!(
            judge(StatusCode::TOO_MANY_REQUESTS),
            Attempt::Retry(_)
        ));
        assert!(matches!(judge(StatusCode::NOT_FOUND), Attempt::GiveUp(_)));
        assert!(matches!(judge(StatusCode::FOUND), Attempt::GiveUp(_)));
    }

    #[test]
    fn a_webhook_must_be_an_http_url() {
        assert!(Webhook::new("https://clinic.example/hooks/callback").is_ok());
        assert!(Webhook::new("ftp://clinic.example/x").is_err());
        assert!(Webhook::new("not a url").is_err());
    }
}
