//! Messages about the clinic itself, answered from its own facts (`clinic.toml`): opening
//! hours (today's worked out in the clinic's time zone), where it is and how to get there,
//! parking, booking, how a consultation works, access, and whether it offers a treatment.
//! Only a message that names no treatment asks about the clinic, except "do you do …?",
//! which names one and nothing else: "can I book IPL while on doxycycline?" is for the
//! articles.

use jiff::Timestamp;

use super::analysis::Analysis;
use super::reply::{Contact, Source};
use crate::clinic::{Clinic, Hours, describe};
use crate::text;
use crate::vocabulary::{Domain, Intent, Vocabulary};

/// The source every answer from the clinic's facts cites.
pub const TITLE: &str = "Clinic details";

/// One fact asked about, with its anchor on the clinic details page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fact {
    Hours,
    Location,
    Travel,
    Parking,
    Booking,
    Consultation,
    Accessibility,
}

impl Fact {
    fn section(self) -> (&'static str, &'static str) {
        match self {
            Fact::Hours => ("Opening hours", "hours"),
            Fact::Location => ("Address", "address"),
            Fact::Travel => ("Getting here", "travel"),
            Fact::Parking => ("Parking", "parking"),
            Fact::Booking => ("Booking", "booking"),
            Fact::Consultation => ("Consultations", "consultation"),
            Fact::Accessibility => ("Access", "accessibility"),
        }
    }
}

/// The answer from the clinic's facts, with its sources; `None` when the message is not about
/// the clinic, or the file does not hold what it asks.
pub fn answer(
    clinic: &Clinic,
    contact: &Contact,
    vocabulary: &Vocabulary,
    analysis: &Analysis,
    now: Timestamp,
) -> Option<(String, Vec<Source>)> {
    let words = &analysis.words;
    let lists = &vocabulary.clinic_facts;
    let treatment = analysis.domain.contains(&Some(Domain::Treatment));
    if treatment {
        return offer(clinic, contact, vocabulary, analysis);
    }
    // An effect described is a worry about a treatment, not a question about the clinic; a
    // question an article answers ("how long is the appointment?") is for the articles.
    if analysis.domain.contains(&Some(Domain::Symptom))
        || analysis.intents.iter().any(|i| !about_the_clinic(*i))
    {
        return None;
    }
    let asked: Vec<Fact> = [
        (Fact::Hours, &lists.hours),
        (Fact::Location, &lists.location),
        (Fact::Travel, &lists.travel),
        (Fact::Parking, &lists.parking),
        (Fact::Booking, &lists.booking),
        (Fact::Consultation, &lists.consultation),
        (Fact::Accessibility, &lists.accessibility),
    ]
    .into_iter()
    .filter(|(_, phrases)| phrases.iter().any(|p| text::has_phrase(words, p)))
    .map(|(fact, _)| fact)
    .collect();
    let mut lines = Vec::new();
    let mut sources = Vec::new();
    for fact in asked {
        let Some(line) = say(fact, clinic, contact, vocabulary, words, now) else {
            continue;
        };
        let (section, anchor) = fact.section();
        sources.push(Source {
            title: TITLE.to_string(),
            section: section.to_string(),
            url: format!("/clinic#{anchor}"),
            snippet: line.lines().next().unwrap_or_default().to_string(),
        });
        lines.push(line);
    }
    (!lines.is_empty()).then(|| (lines.join("\n\n"), sources))
}

/// One fact, said; `None` when the file does not give it.
fn say(
    fact: Fact,
    clinic: &Clinic,
    contact: &Contact,
    vocabulary: &Vocabulary,
    words: &[String],
    now: Timestamp,
) -> Option<String> {
    match fact {
        Fact::Hours => hours(clinic, vocabulary, words, now),
        Fact::Location => clinic
            .address
            .as_ref()
            .map(|a| format!("You will find {} at {a}.", contact.name)),
        Fact::Travel => clinic.travel.clone(),
        Fact::Parking => clinic.parking.clone(),
        Fact::Booking => Some(format!(
            "You can book a consultation at {}, or call us on {}.",
            contact.booking_url, contact.phone
        )),
        Fact::Consultation => clinic.consultation.clone(),
        Fact::Accessibility => clinic.accessibility.clone(),
    }
}

/// The hours of the day asked, or today's with the week's.
fn hours(
    clinic: &Clinic,
    vocabulary: &Vocabulary,
    words: &[String],
    now: Timestamp,
) -> Option<String> {
    if !clinic.has_hours() {
        return None;
    }
    let weekdays = &vocabulary.evidence.weekdays;
    let named = words.iter().find_map(|w| {
        let day = w.strip_suffix('s').unwrap_or(w);
        weekdays.iter().position(|d| d == day || d == w)
    });
    let week = clinic.week().join("; ");
    if let Some(at) = named {
        let day = text::capitalised(&weekdays[at]);
        // The vocabulary lists the week from Monday, as the file does.
        return Some(match clinic.hours.get(at).copied().and_then(describe) {
            Some(h) if h == "closed" => format!("We are closed on {day}s. Opening hours: {week}."),
            Some(h) => format!("On {day}s we are open {h}. Opening hours: {week}."),
            None => format!("Our opening hours: {week}."),
        });
    }
    let (today, hours) = clinic.today(now);
    let first = match hours {
        Hours::Open(..) => format!(
            "Today ({today}) we are open {}.",
            describe(hours).unwrap_or_default()
        ),
        Hours::Closed => format!("We are closed today ({today})."),
        Hours::Unknown => String::new(),
    };
    Some(
        format!("{first} Opening hours: {week}.")
            .trim_start()
            .to_string(),
    )
}

/// "Do you do lip fillers?": yes when the clinic lists the treatment; otherwise its list.
/// Only a message that asks that and nothing more: its topics are all the treatment's words.
fn offer(
    clinic: &Clinic,
    contact: &Contact,
    vocabulary: &Vocabulary,
    analysis: &Analysis,
) -> Option<(String, Vec<Source>)> {
    let words = &analysis.words;
    let asks = vocabulary
        .clinic_facts
        .offer
        .iter()
        .any(|p| text::has_phrase(words, p));
    if !asks || clinic.treatments.is_empty() {
        return None;
    }
    let treatment_words: Vec<&String> = analysis
        .stems
        .iter()
        .zip(&analysis.domain)
        .filter(|(_, d)| **d == Some(Domain::Treatment))
        .map(|(s, _)| s)
        .collect();
    // "lip fillers" is a treatment's phrase though "lip" alone is an area.
    let only_the_treatment = analysis.topics().all(|c| {
        c.forms[0]
            .stems
            .iter()
            .any(|s| treatment_words.contains(&s))
    });
    if !only_the_treatment || analysis.intents.iter().any(|i| !asks_if_offered(*i)) {
        return None;
    }
    let named: Vec<String> = treatment_words.into_iter().cloned().collect();
    let listed = clinic.treatments.iter().find(|t| {
        let stems = text::stems(t);
        !stems.is_empty()
            && (stems.iter().all(|s| named.contains(s)) || named.iter().all(|s| stems.contains(s)))
    });
    let label = analysis
        .topics()
        .map(|c| c.label.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let text = match listed {
        Some(treatment) => format!(
            "Yes, {} offers {treatment}. You can book a consultation at {}.",
            contact.name, contact.booking_url
        ),
        None => format!(
            "We don't list {} among our treatments: we offer {}. To ask about it, call us on {}.",
            label,
            clinic.treatments.join(", "),
            contact.phone
        ),
    };
    let source = Source {
        title: TITLE.to_string(),
        section: "Treatments".to_string(),
        url: "/clinic#treatments".to_string(),
        snippet: clinic.treatments.join(", "),
    };
    Some((text, vec![source]))
}

/// Intents a "do you do X?" message may show and still only ask whether X is offered.
fn asks_if_offered(intent: Intent) -> bool {
    matches!(intent, Intent::Suitability | Intent::Definition)
}

/// Intents a question about the clinic may show ("what is your address?", "can I park?").
fn about_the_clinic(intent: Intent) -> bool {
    matches!(
        intent,
        Intent::Logistics | Intent::Suitability | Intent::Definition
    )
}
