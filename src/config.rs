//! The command line and its settings: every setting is a flag and an environment variable,
//! and each field's doc comment is its `--help`.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::answer::{Contact, Settings};
use crate::clinic::Clinic;

#[derive(Debug, Parser)]
#[command(
    name = "clinic-chat",
    version,
    about = "Answers a clinic website's visitors from the clinic's own articles."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub config: Config,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the chat API, the widget and the article pages (the default).
    Serve,
    /// Rebuild the index from the corpus, print what it indexed, and exit.
    Index,
    /// Answer one question as the chat endpoint would, and exit.
    Ask {
        /// The visitor's question.
        question: String,
        /// Print the reply as the chat endpoint's JSON.
        #[arg(long)]
        json: bool,
        /// Also print how the question was read: corrected words, intents, concepts.
        #[arg(long)]
        explain: bool,
        /// Ask these first, in order, in the same conversation: the question is then read
        /// as their follow-up.
        #[arg(long, value_name = "EARLIER")]
        after: Vec<String>,
    },
    /// Print the settings in effect (secrets masked) and every warning about them, and exit:
    /// non-zero when `serve` would refuse to start, or under --strict when anything is warned.
    Check,
    /// Copy the questions database (of --data) to FILE while the service may be answering.
    Backup {
        /// Where the copy goes; replaced when it exists, once the copy is complete.
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
    },
    /// Replace the questions database (of --data) with a backup; the service must be stopped.
    Restore {
        /// The backup to restore, as `backup` made it.
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
    },
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Lines for a person to read.
    Text,
    /// One JSON object a line, for a log collector.
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Folder of articles (.txt, .md, .html).
    #[arg(
        long,
        env = "CLINIC_CHAT_CORPUS",
        default_value = "corpus",
        global = true
    )]
    pub corpus: PathBuf,
    /// Folder for the search index (built from the corpus when missing or outdated).
    #[arg(
        long,
        env = "CLINIC_CHAT_INDEX",
        default_value = "index",
        global = true
    )]
    pub index: PathBuf,
    /// Address to listen on.
    #[arg(
        long,
        env = "CLINIC_CHAT_ADDR",
        default_value = "127.0.0.1:3000",
        global = true
    )]
    pub addr: SocketAddr,
    /// Lexicon of visitors' words (TOML); default: synonyms.toml in the corpus folder, else the built-in one.
    #[arg(long, env = "CLINIC_CHAT_SYNONYMS", global = true)]
    pub synonyms: Option<PathBuf>,
    /// Words a clinic adds to the built-in vocabulary (TOML); default: vocabulary.toml in the corpus folder when there is one.
    #[arg(long, env = "CLINIC_CHAT_VOCABULARY", global = true)]
    pub vocabulary: Option<PathBuf>,
    /// Warning signs a clinic adds to the built-in ones (TOML); default: signs.toml in the corpus folder when there is one.
    #[arg(long, env = "CLINIC_CHAT_SIGNS", global = true)]
    pub signs: Option<PathBuf>,
    /// Chat requests a minute per client before 429; 0 turns the limit off.
    #[arg(
        long,
        env = "CLINIC_CHAT_RATE_PER_MINUTE",
        default_value_t = 30,
        global = true
    )]
    pub rate_per_minute: u32,
    /// Comma-separated origins whose pages may call the API (CORS); this service's own pages and localhost always may.
    #[arg(
        long,
        env = "CLINIC_CHAT_ALLOWED_ORIGINS",
        value_delimiter = ',',
        global = true
    )]
    pub allowed_origins: Vec<String>,
    /// Bearer token staff endpoints require (32 characters at least); unset, they answer only to requests made on this machine.
    #[arg(
        long,
        env = "CLINIC_CHAT_STAFF_TOKEN",
        hide_env_values = true,
        global = true
    )]
    pub staff_token: Option<String>,
    /// Comma-separated proxy addresses whose X-Forwarded-For header is trusted for rate limits; needs a staff token.
    #[arg(
        long,
        env = "CLINIC_CHAT_TRUSTED_PROXIES",
        value_delimiter = ',',
        global = true
    )]
    pub trusted_proxies: Vec<IpAddr>,
    /// Comma-separated host names staff pages answer to besides localhost (e.g. chat.clinic.example).
    #[arg(
        long,
        env = "CLINIC_CHAT_PUBLIC_HOSTS",
        value_delimiter = ',',
        global = true
    )]
    pub public_hosts: Vec<String>,
    /// Milliseconds a client may take to send a request's head, or its body, and that an idle
    /// keep-alive connection stays open; slower connections are closed (a slow body gets 408).
    #[arg(
        long,
        env = "CLINIC_CHAT_CLIENT_TIMEOUT_MS",
        default_value_t = 5000,
        global = true
    )]
    pub client_timeout_ms: u64,
    /// Folder for the service's own data (the embedded database).
    #[arg(long, env = "CLINIC_CHAT_DATA", default_value = "data", global = true)]
    pub data: PathBuf,
    /// Days to keep recorded questions and feedback before deleting them.
    #[arg(
        long,
        env = "CLINIC_CHAT_RETENTION_DAYS",
        default_value_t = 90,
        global = true
    )]
    pub retention_days: u32,
    /// The clinic's name, used in replies.
    #[arg(
        long,
        env = "CLINIC_CHAT_CLINIC_NAME",
        default_value = DEFAULT_NAME,
        global = true
    )]
    pub clinic_name: String,
    /// The clinic's phone number, offered when the articles cannot answer.
    #[arg(
        long,
        env = "CLINIC_CHAT_CLINIC_PHONE",
        default_value = DEFAULT_PHONE,
        global = true
    )]
    pub clinic_phone: String,
    /// The clinic's email address.
    #[arg(
        long,
        env = "CLINIC_CHAT_CLINIC_EMAIL",
        default_value = DEFAULT_EMAIL,
        global = true
    )]
    pub clinic_email: String,
    /// Where visitors book a consultation.
    #[arg(
        long,
        env = "CLINIC_CHAT_BOOKING_URL",
        default_value = DEFAULT_BOOKING_URL,
        global = true
    )]
    pub booking_url: String,
    /// What urgent replies tell people to call in an emergency.
    #[arg(
        long,
        env = "CLINIC_CHAT_EMERGENCY_NUMBER",
        default_value = "emergency services (999 in the UK, 112 in the EU, 911 in the US)",
        global = true
    )]
    pub emergency_number: String,
    /// The clinic's privacy notice, linked from the widget's privacy line and call-back form;
    /// the default is this service's own page saying what it keeps.
    #[arg(
        long,
        env = "CLINIC_CHAT_PRIVACY_URL",
        default_value = "/privacy",
        global = true
    )]
    pub privacy_url: String,
    /// Call-back requests an hour per client before 429; 0 turns the limit off.
    #[arg(
        long,
        env = "CLINIC_CHAT_CALLBACKS_PER_HOUR",
        default_value_t = 5,
        global = true
    )]
    pub callbacks_per_hour: u32,
    /// URL that each call-back request is POSTed to as JSON (retried with back-off).
    #[arg(
        long,
        env = "CLINIC_CHAT_CALLBACK_WEBHOOK",
        hide_env_values = true,
        global = true
    )]
    pub callback_webhook: Option<String>,
    /// Milliseconds before a failed call-back delivery is tried again; doubles each time.
    #[arg(
        long,
        env = "CLINIC_CHAT_CALLBACK_RETRY_MS",
        default_value_t = 2000,
        global = true
    )]
    pub callback_retry_ms: u64,
    /// The clinic's SMTP server, for call-back requests by email: smtps://user:pass@host:465,
    /// or smtp://user:pass@host:587?tls=required.
    #[arg(
        long,
        env = "CLINIC_CHAT_SMTP_URL",
        hide_env_values = true,
        global = true
    )]
    pub smtp_url: Option<String>,
    /// The sender of call-back emails; default: the clinic's email.
    #[arg(long, env = "CLINIC_CHAT_SMTP_FROM", global = true)]
    pub smtp_from: Option<String>,
    /// Where call-back emails go; default: the clinic's email.
    #[arg(long, env = "CLINIC_CHAT_CALLBACK_EMAIL", global = true)]
    pub callback_email: Option<String>,
    /// Log visitors' questions (off by default: they are health information).
    #[arg(
        long,
        env = "CLINIC_CHAT_LOG_QUESTIONS",
        default_value_t = false,
        global = true
    )]
    pub log_questions: bool,
    /// How log lines are written: text, or json (one object a line, for a log collector).
    #[arg(
        long,
        env = "CLINIC_CHAT_LOG_FORMAT",
        value_enum,
        default_value_t = LogFormat::Text,
        global = true
    )]
    pub log_format: LogFormat,
    /// Refuse to start with anything a live site must not run with: placeholder contact
    /// details, no allowed origin, or no staff token when listening beyond this machine.
    /// (The variable takes 1, true, yes or on.)
    #[arg(
        long,
        env = "CLINIC_CHAT_STRICT",
        value_parser = clap::builder::BoolishValueParser::new(),
        global = true
    )]
    pub strict: bool,
}

/// The settings (by environment variable) whose value in `contact` is a placeholder: a
/// built-in default (`DEFAULT_NAME` …), or a copied example that reaches no one (an address at
/// a reserved example domain, a UK drama number). Checked over the contact details in effect,
/// whatever filled them (a setting, clinic.toml), since an urgent reply sends a patient to
/// this phone.
pub fn placeholders(contact: &Contact) -> Vec<&'static str> {
    let mut found = Vec::new();
    if contact.name.trim() == DEFAULT_NAME || contact.name.trim().is_empty() {
        found.push("CLINIC_CHAT_CLINIC_NAME");
    }
    if contact.phone.trim() == DEFAULT_PHONE || is_drama_number(&contact.phone) {
        found.push("CLINIC_CHAT_CLINIC_PHONE");
    }
    let email_domain = contact
        .email
        .rsplit_once('@')
        .map_or("", |(_, domain)| domain);
    if contact.email.trim() == DEFAULT_EMAIL || is_example_host(email_domain) {
        found.push("CLINIC_CHAT_CLINIC_EMAIL");
    }
    if contact.booking_url.trim() == DEFAULT_BOOKING_URL
        || is_example_host(url_host(&contact.booking_url))
    {
        found.push("CLINIC_CHAT_BOOKING_URL");
    }
    found
}

/// The warning for a contact setting that `placeholders` names, as `serve` logs it and
/// `check` prints it.
pub fn placeholder_warning(contact: &Contact, setting: &str) -> String {
    format!(
        "{setting} is a placeholder ({}) that replies give visitors, urgent ones too: set {setting} (or its key in clinic.toml)",
        shown(contact, setting)
    )
}

/// The value in effect of a contact setting that `placeholders` names, for messages.
fn shown<'a>(contact: &'a Contact, setting: &str) -> &'a str {
    match setting {
        "CLINIC_CHAT_CLINIC_NAME" => &contact.name,
        "CLINIC_CHAT_CLINIC_PHONE" => &contact.phone,
        "CLINIC_CHAT_CLINIC_EMAIL" => &contact.email,
        _ => &contact.booking_url,
    }
}

/// Numbers Ofcom keeps for drama, never a real line: by their national number (without the
/// trunk 0), each range's first seven digits, 1,000 numbers each (020 7946 0000-0999, 0161 496
/// 0000-0999, 07700 900000-900999, …).
const DRAMA_RANGES: [&str; 19] = [
    "1134960", "1144960", "1154960", "1164960", "1174960", "1184960", "1214960", "1314960",
    "1414960", "1514960", "1614960", "2079460", "2896496", "2920180", "1632960", "7700900",
    "8081570", "9098790", "3069990",
];

fn is_drama_number(phone: &str) -> bool {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let international = phone.trim_start().starts_with('+') || digits.starts_with("0044");
    let national = match international {
        true => digits
            .trim_start_matches("00")
            .strip_prefix("44")
            .unwrap_or(""),
        false => digits.as_str(),
    };
    // "+44 (0)20 …" keeps the trunk 0 that the international form drops.
    let national = national.strip_prefix('0').unwrap_or(national);
    national.len() == 10 && DRAMA_RANGES.iter().any(|range| national.starts_with(range))
}

/// The domains RFC 2606 reserves for examples, which no one can own.
fn is_example_host(host: &str) -> bool {
    let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
    host == "example"
        || host.ends_with(".example")
        || ["example.com", "example.org", "example.net"]
            .iter()
            .any(|reserved| host == *reserved || host.ends_with(&format!(".{reserved}")))
}

/// The host of an absolute URL, or "" for anything else.
fn url_host(url: &str) -> &str {
    let rest = url.trim().split_once("://").map_or("", |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    host.split(':').next().unwrap_or("")
}

/// The built-in contact details: placeholders until a setting or `clinic.toml` gives the
/// clinic's own.
pub const DEFAULT_NAME: &str = "the clinic";
pub const DEFAULT_PHONE: &str = "+44 20 7946 0000";
pub const DEFAULT_EMAIL: &str = "hello@clinic.example";
pub const DEFAULT_BOOKING_URL: &str = "https://clinic.example/book";

/// The shortest staff token accepted: 32 random characters cannot be guessed at any rate.
pub const MIN_STAFF_TOKEN_CHARS: usize = 32;

impl Config {
    /// Refuses, before serving, settings that would leave staff data open: a staff token that
    /// is empty, blank or short, and without a token, listening beyond loopback or behind a
    /// proxy (through a local proxy every visitor arrives from loopback).
    pub fn check_staff_access(&self) -> anyhow::Result<()> {
        const ADVICE: &str = "set CLINIC_CHAT_STAFF_TOKEN to a random token of at least 32 characters (for example `openssl rand -hex 32`)";
        match &self.staff_token {
            Some(token) if token.is_empty() => anyhow::bail!(
                "CLINIC_CHAT_STAFF_TOKEN is set but empty: unset it to keep staff pages on this machine only, or {ADVICE}"
            ),
            Some(token)
                if token.trim() != token || token.chars().count() < MIN_STAFF_TOKEN_CHARS =>
            {
                anyhow::bail!("CLINIC_CHAT_STAFF_TOKEN is too weak to guard staff data: {ADVICE}")
            }
            Some(_) => Ok(()),
            None if !self.addr.ip().to_canonical().is_loopback() => anyhow::bail!(
                "listening on {} reaches beyond this machine, so staff data needs a token: {ADVICE}",
                self.addr
            ),
            None if !self.trusted_proxies.is_empty() => anyhow::bail!(
                "CLINIC_CHAT_TRUSTED_PROXIES is set, so visitors arrive through a proxy and staff data needs a token: {ADVICE}"
            ),
            None => Ok(()),
        }
    }

    /// Before serving with these contact details in effect: one warning for each placeholder
    /// still in use, and under `--strict` a refusal that names everything a live site must fix.
    pub fn check_going_live(&self, contact: &Contact) -> anyhow::Result<()> {
        let placeholders = placeholders(contact);
        for setting in &placeholders {
            tracing::warn!("{}", placeholder_warning(contact, setting));
        }
        if !self.strict {
            return Ok(());
        }
        let mut problems: Vec<String> = placeholders
            .iter()
            .map(|setting| format!("{setting} is a placeholder ({})", shown(contact, setting)))
            .collect();
        if self.allowed_origins.iter().all(|o| o.trim().is_empty()) {
            problems.push(
                "no allowed origin: set CLINIC_CHAT_ALLOWED_ORIGINS to the clinic site's origin (https://www.clinic.example)".into(),
            );
        }
        if self.staff_token.is_none() && !self.addr.ip().to_canonical().is_loopback() {
            problems.push(format!(
                "no staff token while listening on {}: set CLINIC_CHAT_STAFF_TOKEN",
                self.addr
            ));
        }
        match problems.is_empty() {
            true => Ok(()),
            false => anyhow::bail!(
                "refusing to start under --strict (CLINIC_CHAT_STRICT):\n  - {}",
                problems.join("\n  - ")
            ),
        }
    }

    /// The webhook and mailer that call-back requests go to, as configured; a setting that
    /// cannot be used stops the service with the reason.
    pub fn callback_channels(
        &self,
    ) -> anyhow::Result<(
        Option<crate::callback::Webhook>,
        Option<crate::callback::Mailer>,
    )> {
        let webhook = self
            .callback_webhook
            .as_deref()
            .filter(|url| !url.trim().is_empty())
            .map(crate::callback::Webhook::new)
            .transpose()?;
        let mailer = self
            .smtp_url
            .as_deref()
            .filter(|url| !url.trim().is_empty())
            .map(|url| {
                let from = self.smtp_from.as_deref().unwrap_or(&self.clinic_email);
                let to = self.callback_email.as_deref().unwrap_or(&self.clinic_email);
                crate::callback::Mailer::new(url, from, to)
            })
            .transpose()?;
        Ok((webhook, mailer))
    }

    pub fn client_timeout(&self) -> Duration {
        Duration::from_millis(self.client_timeout_ms)
    }

    pub fn settings(&self) -> Settings {
        self.settings_with(None)
    }

    /// The settings, with the clinic's facts: its contact details fill each setting still at
    /// its built-in default (a flag or environment variable always wins).
    pub fn settings_with(&self, clinic: Option<Clinic>) -> Settings {
        let pick = |set: &str, default: &str, from_file: Option<&String>| match from_file {
            Some(value) if set == default => value.clone(),
            _ => set.to_string(),
        };
        let file = clinic.as_ref();
        Settings {
            contact: Contact {
                name: pick(
                    &self.clinic_name,
                    DEFAULT_NAME,
                    file.and_then(|c| c.name.as_ref()),
                ),
                phone: pick(
                    &self.clinic_phone,
                    DEFAULT_PHONE,
                    file.and_then(|c| c.phone.as_ref()),
                ),
                email: pick(
                    &self.clinic_email,
                    DEFAULT_EMAIL,
                    file.and_then(|c| c.email.as_ref()),
                ),
                booking_url: pick(
                    &self.booking_url,
                    DEFAULT_BOOKING_URL,
                    file.and_then(|c| c.booking_url.as_ref()),
                ),
            },
            emergency_number: self.emergency_number.clone(),
            clinic: clinic.map(Arc::new),
        }
    }

    /// The lexicon file to read: the flag, else one in the corpus folder, else the built-in one.
    pub fn synonyms_path(&self) -> Option<PathBuf> {
        self.synonyms.clone().or_else(|| {
            let path = self.corpus.join("synonyms.toml");
            path.is_file().then_some(path)
        })
    }

    /// The clinic's vocabulary file to add: the flag, else one in the corpus folder, else none.
    pub fn vocabulary_path(&self) -> Option<PathBuf> {
        self.vocabulary.clone().or_else(|| {
            let path = self.corpus.join("vocabulary.toml");
            path.is_file().then_some(path)
        })
    }

    /// The clinic's signs file to add: the flag, else one in the corpus folder, else none.
    pub fn signs_path(&self) -> Option<PathBuf> {
        self.signs.clone().or_else(|| {
            let path = self.corpus.join("signs.toml");
            path.is_file().then_some(path)
        })
    }

    /// The settings for tests and tools: defaults, with this corpus and index.
    pub fn for_paths(corpus: impl Into<PathBuf>, index: impl Into<PathBuf>) -> Config {
        let mut config = Cli::parse_from(["clinic-chat"]).config;
        config.corpus = corpus.into();
        config.index = index.into();
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(adjust: impl FnOnce(&mut Config)) -> bool {
        let mut config = Config::for_paths("corpus", "index");
        adjust(&mut config);
        config.check_staff_access().is_err()
    }

    #[test]
    fn staff_data_is_never_left_open_by_the_settings() {
        assert!(!refused(|_| {}), "loopback without a token is fine");
        assert!(refused(|c| c.addr = "0.0.0.0:3000".parse().unwrap()));
        assert!(refused(|c| c.addr = "[::]:3000".parse().unwrap()));
        assert!(refused(
            |c| c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]
        ));
        let strong = "x".repeat(MIN_STAFF_TOKEN_CHARS);
        assert!(!refused(|c| {
            c.addr = "0.0.0.0:3000".parse().unwrap();
            c.staff_token = Some(strong.clone());
        }));
        for weak in ["", "   ", "let-me-in", &format!(" {strong}")] {
            assert!(refused(|c| c.staff_token = Some(weak.into())), "{weak:?}");
        }
    }

    fn real_contact() -> Contact {
        Contact {
            name: "Bloom Skin Clinic".into(),
            phone: "+44 20 7123 4567".into(),
            email: "hello@bloomskin.co.uk".into(),
            booking_url: "https://bloomskin.co.uk/book".into(),
        }
    }

    #[test]
    fn every_built_in_contact_detail_is_named_as_a_placeholder() {
        let defaults = Config::for_paths("corpus", "index").settings().contact;
        assert_eq!(
            placeholders(&defaults),
            [
                "CLINIC_CHAT_CLINIC_NAME",
                "CLINIC_CHAT_CLINIC_PHONE",
                "CLINIC_CHAT_CLINIC_EMAIL",
                "CLINIC_CHAT_BOOKING_URL"
            ]
        );
        assert!(placeholders(&real_contact()).is_empty());
    }

    #[test]
    fn a_copied_example_reaches_no_one_and_is_a_placeholder_too() {
        let with = |adjust: fn(&mut Contact)| {
            let mut contact = real_contact();
            adjust(&mut contact);
            placeholders(&contact)
        };
        assert_eq!(
            with(|c| c.phone = "020 7946 0123".into()),
            ["CLINIC_CHAT_CLINIC_PHONE"]
        );
        assert_eq!(
            with(|c| c.phone = "+44 (0)20 7946 0999".into()),
            ["CLINIC_CHAT_CLINIC_PHONE"]
        );
        assert_eq!(
            with(|c| c.email = "hello@bloom.example".into()),
            ["CLINIC_CHAT_CLINIC_EMAIL"]
        );
        assert_eq!(
            with(|c| c.booking_url = "https://www.example.com/book".into()),
            ["CLINIC_CHAT_BOOKING_URL"]
        );
        assert!(with(|c| c.booking_url = "https://example.co.uk/book".into()).is_empty());
        assert!(with(|c| c.phone = "+44 20 7946 1000".into()).is_empty());
        assert_eq!(
            with(|c| c.phone = "+44 161 496 0123".into()),
            ["CLINIC_CHAT_CLINIC_PHONE"]
        );
        assert_eq!(
            with(|c| c.phone = "07700 900123".into()),
            ["CLINIC_CHAT_CLINIC_PHONE"]
        );
        assert!(with(|c| c.phone = "0161 496 1234".into()).is_empty());
    }

    #[test]
    fn strict_refuses_placeholders_no_origin_and_an_open_staff_area_naming_each() {
        let mut config = Config::for_paths("corpus", "index");
        let defaults = config.settings().contact;
        assert!(
            config.check_going_live(&defaults).is_ok(),
            "without --strict, a warning only"
        );
        config.strict = true;
        config.addr = "0.0.0.0:3000".parse().unwrap();
        let refusal = config.check_going_live(&defaults).unwrap_err().to_string();
        for named in [
            "CLINIC_CHAT_CLINIC_PHONE",
            "+44 20 7946 0000",
            "CLINIC_CHAT_ALLOWED_ORIGINS",
            "CLINIC_CHAT_STAFF_TOKEN",
        ] {
            assert!(refusal.contains(named), "{named}: {refusal}");
        }
        config.allowed_origins = vec!["https://bloomskin.co.uk".into()];
        config.staff_token = Some("x".repeat(MIN_STAFF_TOKEN_CHARS));
        assert!(config.check_going_live(&real_contact()).is_ok());
    }
}
