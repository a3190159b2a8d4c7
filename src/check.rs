//! `clinic-chat check`: what a clinic's settings come to, before it goes live. It prints every
//! setting in effect and where it came from (secrets masked), the contact details replies
//! give, and a finding for each thing a live site should change: what would stop `serve` (a
//! weak staff token, a bad file), placeholder contact details, no allowed origin while
//! visitors can reach the service, no trusted proxy while only a proxy can. It reads settings
//! and files only; what only requests can show, `serve` logs once (`http::tripwire`).

use std::fmt;

use clap::{ArgMatches, CommandFactory, parser::ValueSource};

use crate::answer::{Contact, Lexicon};
use crate::clinic::Clinic;
use crate::config::{self, Cli, Config};
use crate::urgent::Signs;
use crate::vocabulary::Vocabulary;

/// One setting as `check` shows it.
pub struct Shown {
    pub variable: String,
    pub value: String,
    pub source: &'static str,
}

/// Something to change before going live.
pub struct Finding {
    /// `serve` refuses to start with it (else it starts, and the finding is a warning).
    pub refuses: bool,
    pub text: String,
}

/// Everything `check` prints.
pub struct Report {
    pub settings: Vec<Shown>,
    /// Each contact detail replies give, with where it came from.
    pub contact: Vec<(&'static str, String, &'static str)>,
    pub findings: Vec<Finding>,
}

impl Report {
    /// The report for `config`, parsed from `matches` (which know each value's source).
    pub fn new(matches: &ArgMatches, config: &Config) -> Report {
        let mut findings = refusals(config);
        let clinic = match Clinic::load(&config.corpus) {
            Ok(clinic) => clinic,
            Err(err) => {
                findings.push(refusal(format!("{err:#}")));
                None
            }
        };
        let contact = config.settings_with(clinic.clone()).contact;
        findings.extend(warnings(config, &contact));
        Report {
            settings: settings(matches, config),
            contact: contact_sources(config, clinic.as_ref(), &contact),
            findings,
        }
    }

    /// Whether the settings pass: nothing `serve` refuses, and under `strict` no warning.
    pub fn passes(&self, strict: bool) -> bool {
        self.findings.iter().all(|f| !f.refuses && !strict)
    }
}

fn refusal(text: String) -> Finding {
    Finding {
        refuses: true,
        text,
    }
}

fn warning(text: String) -> Finding {
    Finding {
        refuses: false,
        text,
    }
}

/// What stops `serve` before it listens: the staff token, the call-back channels, the corpus
/// folder and the word files read from it. (`clinic.toml` is read by the caller.)
fn refusals(config: &Config) -> Vec<Finding> {
    let mut found = Vec::new();
    let mut refuse = |result: anyhow::Result<()>| {
        if let Err(err) = result {
            found.push(refusal(format!("{err:#}")));
        }
    };
    refuse(config.check_staff_access());
    refuse(config.callback_channels().map(drop));
    refuse(match config.corpus.is_dir() {
        true => Ok(()),
        false => Err(anyhow::anyhow!(
            "the corpus folder {} does not exist: set CLINIC_CHAT_CORPUS to the folder of articles",
            config.corpus.display()
        )),
    });
    refuse(Lexicon::load(config.synonyms_path().as_deref()).map(drop));
    refuse(Vocabulary::load(config.vocabulary_path().as_deref()).map(drop));
    refuse(Signs::load(config.signs_path().as_deref()).map(drop));
    found
}

/// What `serve` starts with but a live site should change.
fn warnings(config: &Config, contact: &Contact) -> Vec<Finding> {
    let mut found: Vec<Finding> = config::placeholders(contact)
        .iter()
        .map(|setting| warning(config::placeholder_warning(contact, setting)))
        .collect();
    let loopback = config.addr.ip().to_canonical().is_loopback();
    let proxied = !config.trusted_proxies.is_empty();
    let no_origin = config.allowed_origins.iter().all(|o| o.trim().is_empty());
    if no_origin && (proxied || !loopback) {
        found.push(warning(format!(
            "CLINIC_CHAT_ALLOWED_ORIGINS is empty while visitors can reach this service ({}): the widget on the clinic's own site cannot call the chat, and visitors are told to check their connection; set it to the site's origin (such as https://www.clinic.example)",
            match proxied {
                true => "through the trusted proxy".to_string(),
                false => format!("listening on {}", config.addr),
            }
        )));
    }
    if loopback && !proxied {
        found.push(warning(format!(
            "CLINIC_CHAT_TRUSTED_PROXIES is empty, and on {} visitors can only reach this service through a proxy on this machine: then every visitor shares the proxy's address and one rate limit. Set it to the proxy's address (127.0.0.1,::1). (check cannot see requests: on a machine where nothing forwards to this service, ignore this; serve logs the first forwarded request from an address that is not a trusted proxy.)",
            config.addr
        )));
    }
    found
}

/// Every setting that has an environment variable, in `--help` order, with its value in
/// effect and its source. Values of settings whose `--help` hides them are masked.
fn settings(matches: &ArgMatches, config: &Config) -> Vec<Shown> {
    let command = Cli::command();
    command
        .get_arguments()
        .filter_map(|arg| {
            let variable = arg.get_env()?.to_string_lossy().into_owned();
            let id = arg.get_id().as_str();
            let raw = matches.get_raw(id).map(|values| {
                values
                    .map(|v| v.to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join(",")
            });
            let source = match matches.value_source(id) {
                Some(ValueSource::CommandLine) => "flag",
                Some(ValueSource::EnvVariable) => "environment",
                Some(ValueSource::DefaultValue) => "default",
                _ => "unset",
            };
            let (value, source) = match raw {
                Some(value) if arg.is_hide_env_values_set() => (masked(&value), source),
                Some(value) => (value, source),
                None => unset(id, config),
            };
            Some(Shown {
                variable,
                value,
                source,
            })
        })
        .collect()
}

/// What an unset setting means: a file found in the corpus folder, or nothing.
fn unset(id: &str, config: &Config) -> (String, &'static str) {
    let found = match id {
        "synonyms" => config.synonyms_path(),
        "vocabulary" => config.vocabulary_path(),
        "signs" => config.signs_path(),
        _ => None,
    };
    match found {
        Some(path) => (path.display().to_string(), "corpus folder"),
        None if id == "synonyms" => ("(built in)".into(), "unset"),
        None => ("(none)".into(), "unset"),
    }
}

/// A secret as `check` shows it: of a URL, its scheme and host (a password, a token in the
/// path or the query stay hidden); of anything else, its length.
fn masked(value: &str) -> String {
    match reqwest::Url::parse(value.trim()) {
        Ok(url) if url.host_str().is_some() => format!(
            "{}://{}{}/… (the rest hidden)",
            url.scheme(),
            url.host_str().unwrap_or_default(),
            url.port().map(|p| format!(":{p}")).unwrap_or_default()
        ),
        _ if value.is_empty() => "(empty)".into(),
        _ => format!("(hidden, {} characters)", value.chars().count()),
    }
}

/// The contact details in effect and where each came from.
fn contact_sources(
    config: &Config,
    clinic: Option<&Clinic>,
    contact: &Contact,
) -> Vec<(&'static str, String, &'static str)> {
    let from = |set: &str, default: &str, file: Option<&Option<String>>| {
        if set != default {
            "setting"
        } else if file.is_some_and(|f| f.is_some()) {
            "clinic.toml"
        } else {
            "built in"
        }
    };
    vec![
        (
            "name",
            contact.name.clone(),
            from(
                &config.clinic_name,
                config::DEFAULT_NAME,
                clinic.map(|c| &c.name),
            ),
        ),
        (
            "phone",
            contact.phone.clone(),
            from(
                &config.clinic_phone,
                config::DEFAULT_PHONE,
                clinic.map(|c| &c.phone),
            ),
        ),
        (
            "email",
            contact.email.clone(),
            from(
                &config.clinic_email,
                config::DEFAULT_EMAIL,
                clinic.map(|c| &c.email),
            ),
        ),
        (
            "booking",
            contact.booking_url.clone(),
            from(
                &config.booking_url,
                config::DEFAULT_BOOKING_URL,
                clinic.map(|c| &c.booking_url),
            ),
        ),
    ]
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Settings in effect:")?;
        let width = self.settings.iter().map(|s| s.variable.len()).max();
        let width = width.unwrap_or(0);
        for shown in &self.settings {
            writeln!(
                f,
                "  {:width$}  {}  [{}]",
                shown.variable, shown.value, shown.source
            )?;
        }
        writeln!(f, "\nContact details replies give:")?;
        for (what, value, source) in &self.contact {
            writeln!(f, "  {what:8}  {value}  [{source}]")?;
        }
        if self.findings.is_empty() {
            return writeln!(f, "\nNo warnings.");
        }
        writeln!(f)?;
        for finding in &self.findings {
            let label = match finding.refuses {
                true => "error (serve refuses to start)",
                false => "warning",
            };
            writeln!(f, "{label}: {}", finding.text)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_url_shows_its_host_and_nothing_that_opens_it() {
        let shown = masked("smtps://clinic:hunter2@mail.example.org:465");
        assert_eq!(shown, "smtps://mail.example.org:465/… (the rest hidden)");
        let hook = masked("https://hooks.example.org/catch/123/s3cr3tpath?token=abc");
        assert!(!hook.contains("s3cr3t") && !hook.contains("abc"), "{hook}");
        assert!(hook.starts_with("https://hooks.example.org/"), "{hook}");
    }

    #[test]
    fn a_secret_that_is_not_a_url_shows_only_its_length() {
        assert_eq!(masked(&"t".repeat(40)), "(hidden, 40 characters)");
        assert_eq!(masked(""), "(empty)");
    }
}
