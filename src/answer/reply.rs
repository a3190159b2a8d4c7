//! The reply a visitor gets, in the contract's JSON shape, and the words around the clinic's
//! own sentences: urgent advice, small talk, the fallback with contact details, suggestions,
//! and source links that open the article at the passage.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;

use super::analysis::Analysis;
use super::choose::{Candidate, Line, MAX_ANSWER_CHARS};
use super::intent;
use super::small_talk::SmallTalk;
use crate::index::{ArticleSummary, Generation, StoredPassage};
// The store keeps a reply's kind too, so it is defined with the ids.
pub use crate::record::Kind;
use crate::record::{AnswerId, ConversationId, Reading};
use crate::urgent::{Severity, Sign};
use crate::vocabulary::Vocabulary;

/// The clinic's own words around answers: contact details and emergency advice, and its
/// facts (hours, address, parking) when the corpus has a `clinic.toml`.
#[derive(Debug, Clone)]
pub struct Settings {
    pub contact: Contact,
    pub emergency_number: String,
    pub clinic: Option<std::sync::Arc<crate::clinic::Clinic>>,
}

/// How to reach the clinic; from configuration.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Contact {
    pub name: String,
    pub phone: String,
    pub email: String,
    pub booking_url: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Source {
    pub title: String,
    pub section: String,
    pub url: String,
    pub snippet: String,
}

/// The reply to a visitor's message.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Reply {
    pub kind: Kind,
    /// Plain text built from the articles' own sentences (or the clinic's words); no HTML.
    pub answer: String,
    /// Where the answer comes from, best first; each `url` opens the article at the passage.
    pub sources: Vec<Source>,
    /// Questions the visitor may ask next.
    pub suggestions: Vec<String>,
    /// Send it back with the next message to continue the conversation.
    pub conversation_id: ConversationId,
    /// Names this reply in feedback (`POST /api/feedback`).
    pub answer_id: AnswerId,
    /// On fallback and urgent replies, and when a visitor asks for a person: how to reach the
    /// clinic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
    /// On urgent replies: how soon to get care.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// On urgent replies: the emergency number to dial, when the configured text has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emergency_phone: Option<String>,
    /// On a request for a person: the widget offers a call-back form (`POST /api/callback`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub callback: bool,
    /// How the question was read, for the staff report; never sent to the visitor.
    #[serde(skip)]
    pub reading: Option<Reading>,
    /// On answers about a treatment: where to book it, which the widget offers as a button.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub booking_url: Option<String>,
}

/// Room for most replies' JSON (about a kilobyte).
const REPLY_BYTES: usize = 2048;

impl Reply {
    /// The reply, noting how its question was read.
    pub fn read_as(mut self, reading: Option<Reading>) -> Reply {
        self.reading = reading;
        self
    }

    /// The reply as the chat endpoint sends it. sonic-rs writes it in half the instructions
    /// serde_json takes, most of them in escaping strings; the same JSON value either way.
    pub fn to_json(&self) -> sonic_rs::Result<Vec<u8>> {
        let mut body = Vec::with_capacity(REPLY_BYTES);
        sonic_rs::to_writer(&mut body, self)?;
        Ok(body)
    }
}

fn reply(kind: Kind, answer: String, conversation_id: ConversationId) -> Reply {
    Reply {
        kind,
        answer,
        sources: Vec::new(),
        suggestions: Vec::new(),
        conversation_id,
        answer_id: AnswerId::fresh(),
        contact: None,
        severity: None,
        emergency_phone: None,
        callback: false,
        reading: None,
        booking_url: None,
    }
}

/// An answer from the clinic's own facts (`clinic.toml`).
pub fn from_clinic_facts(
    text: String,
    sources: Vec<Source>,
    starters: Vec<String>,
    conversation_id: ConversationId,
) -> Reply {
    let mut answer = reply(Kind::Answer, text, conversation_id);
    answer.sources = sources;
    answer.suggestions = starters;
    answer
}

/// Advice for a warning sign: the action first, short and calm; no article text, no
/// suggestions.
pub fn urgent(settings: &Settings, severity: Severity, conversation_id: ConversationId) -> Reply {
    let c = &settings.contact;
    let text = if severity == Severity::Emergency {
        format!(
            "Please call {} now. What you describe can be a sign of a medical emergency after treatment. Tell them which treatment you had and when. Once you are safe, let {} know on {}. This is not a diagnosis; it is a reason to be seen straight away.",
            settings.emergency_number, c.name, c.phone
        )
    } else {
        format!(
            "Please call {} now on {} and describe what you see; if we are closed, call {} or go to urgent care. Do not wait for your next appointment. This is not a diagnosis, but it needs a clinician to look at it today.",
            c.name, c.phone, settings.emergency_number
        )
    };
    let mut urgent = reply(Kind::Urgent, text, conversation_id);
    urgent.contact = Some(c.clone());
    urgent.severity = Some(severity);
    urgent.emergency_phone = dialable(&settings.emergency_number);
    urgent
}

/// The first phone number in a text ("emergency services (999 in the UK, …)" -> "999").
fn dialable(text: &str) -> Option<String> {
    let start = text.find(|c: char| c.is_ascii_digit() || c == '+')?;
    let number: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-'))
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect();
    (number.chars().filter(char::is_ascii_digit).count() >= 3).then_some(number)
}

/// The one line an answer about an expected effect ends with: what would be a reason to call.
pub fn add_reason_to_call(reply: &mut Reply, sign: &Sign, settings: &Settings) {
    const DEFAULT: &str = "Call us if it gets much worse, spreads, or you feel unwell";
    let advice = sign.advice.as_deref().unwrap_or(DEFAULT);
    let c = &settings.contact;
    reply.answer.push_str(&format!(
        "\n\n{}: {}, {}.",
        advice.trim_end_matches('.'),
        c.name,
        c.phone
    ));
}

pub fn small_talk(
    talk: SmallTalk,
    settings: &Settings,
    starters: Vec<String>,
    conversation_id: ConversationId,
) -> Reply {
    let text = match talk {
        SmallTalk::Greeting => format!(
            "Hello! I can answer questions about treatments at {} from our articles. What would you like to know?",
            settings.contact.name
        ),
        SmallTalk::Thanks => {
            "You're welcome! Is there anything else you would like to know?".to_string()
        }
        SmallTalk::Goodbye => format!(
            "Goodbye, and thank you for visiting {}.",
            settings.contact.name
        ),
        SmallTalk::Person => return person(settings, conversation_id),
    };
    let mut small = reply(Kind::Smalltalk, text, conversation_id);
    small.suggestions = starters;
    small
}

/// A request for a person: the clinic's phone and email, and a call-back offered. No
/// suggestions: the visitor asked for a person, not for more articles.
fn person(settings: &Settings, conversation_id: ConversationId) -> Reply {
    let c = &settings.contact;
    let text = format!(
        "I'm the clinic's assistant, not a person, but the team at {} will gladly talk to you. Call {} or email {}, or leave your details below and they will call you back.",
        c.name, c.phone, c.email
    );
    let mut person = reply(Kind::Smalltalk, text, conversation_id);
    person.contact = Some(c.clone());
    person.callback = true;
    person
}

pub fn fallback(
    settings: &Settings,
    starters: Vec<String>,
    conversation_id: ConversationId,
) -> Reply {
    let c = &settings.contact;
    let text = format!(
        "I'm sorry, our articles don't answer that, so I'd rather not guess. Please contact {}: call {}, email {}, or book a consultation at {}.",
        c.name, c.phone, c.email, c.booking_url
    );
    let mut fallback = reply(Kind::Fallback, text, conversation_id);
    fallback.contact = Some(c.clone());
    fallback.suggestions = starters;
    fallback
}

/// The lines of an answer; `apart` when each answers its own question of the message, not one
/// question for different treatments or areas.
pub struct Lines<'a> {
    pub lines: &'a [Line],
    pub apart: bool,
}

pub fn answer(
    analysis: &Analysis,
    Lines { lines, apart }: Lines,
    candidates: &[Candidate],
    generation: &Generation,
    vocabulary: &Vocabulary,
    conversation_id: ConversationId,
) -> Reply {
    let passage = |line: &Line| candidates[line.candidate].passage();
    let text = if lines.len() == 1 {
        let first = passage(&lines[0]);
        list_context(first, candidates, generation).unwrap_or_else(|| lines[0].sentences.join(" "))
    } else {
        let one_article = lines
            .iter()
            .all(|l| passage(l).slug == passage(&lines[0]).slug);
        let one_section = one_article
            && lines
                .iter()
                .all(|l| passage(l).section_ord == passage(&lines[0]).section_ord);
        let mut text = if apart {
            String::new()
        } else {
            vocabulary.several_answers.clone()
        };
        for line in lines {
            // Each of two questions gets its own paragraph: the visitor's questions say what
            // each answers.
            if apart {
                text.push_str("\n\n");
                text.push_str(&line.sentences.join(" "));
                continue;
            }
            // One section's items say which case themselves ("Fine thread veins: 6 weeks").
            if one_section {
                text.push_str(&format!("\n• {}", line.sentences.join(" ")));
                continue;
            }
            let p = passage(line);
            // Within one article the section says which treatment; across articles the title
            // does, with the section too when the article has several lines.
            let shared = lines.iter().filter(|l| passage(l).slug == p.slug).count() > 1;
            let label = match (one_article, shared) {
                (true, _) => p.heading.clone(),
                (false, false) => p.title.clone(),
                (false, true) => format!("{} ({})", p.title, p.heading),
            };
            // A heading that asks ("How far apart are sessions?") needs no colon after it.
            let colon = if label.ends_with(['?', '!', '.', ':']) {
                ""
            } else {
                ":"
            };
            text.push_str(&format!("\n• {label}{colon} {}", line.sentences.join(" ")));
        }
        text.trim_start().to_string()
    };
    let mut reply = reply(Kind::Answer, text, conversation_id);
    reply.sources = lines
        .iter()
        .map(|line| source(passage(line), &line.sentences[0]))
        .collect();
    // Lines for different topics are narrowed by topic; two questions' lines are not topics.
    reply.suggestions = if lines.len() > 1 && !apart {
        narrowing(analysis, lines.iter().map(passage), vocabulary)
    } else {
        related(analysis, passage(&lines[0]), generation)
    };
    reply
}

/// Items shorter than this make sense only with the sentence that introduces their list.
pub const SHORT_ITEM_CHARS: usize = 60;
/// A paragraph this short followed by a list is the list's lead-in: the list is the answer.
const LEAD_IN_CHARS: usize = 160;

/// A short list item read alone can mislead ("you are pregnant"); with its list's lead-in it
/// says what the article says ("Please don't book a peel if: …; you are pregnant"). Loads the
/// lead-in and the items that fit in an answer, one by one: the cost is the answer's, not the
/// article's (a list may have thousands of items). A passage among `candidates` (all of an
/// article's, when it was read whole) is taken from there rather than searched for again.
fn list_context(
    passage: &StoredPassage,
    candidates: &[Candidate],
    generation: &Generation,
) -> Option<String> {
    let short_item = passage.item && passage.text.chars().count() < SHORT_ITEM_CHARS;
    let lead_in = !passage.item && passage.text.chars().count() <= LEAD_IN_CHARS;
    if !short_item && !lead_in {
        return None;
    }
    let searcher = generation.searcher();
    let at = |ord: u64| -> Option<Cow<StoredPassage>> {
        let read = candidates.iter().map(Candidate::passage).find(|p| {
            p.passage_ord == ord && p.section_ord == passage.section_ord && p.slug == passage.slug
        });
        match read {
            Some(read) => Some(Cow::Borrowed(read)),
            None => generation
                .passage_at(&searcher, &passage.slug, passage.section_ord, ord)
                .ok()
                .flatten()
                .map(Cow::Owned),
        }
    };
    // A list right under its heading ("Which areas can be treated?") is read whole, from its
    // first item.
    let (mut text, from) = match (short_item, passage.lead_ord) {
        (true, Some(lead)) => (at(lead)?.text.trim_end().to_string(), lead + 1),
        (true, None) => {
            let mut first = passage.passage_ord;
            while first > 0 && at(first - 1).is_some_and(|p| p.item) {
                first -= 1;
            }
            (String::new(), first)
        }
        (false, _) => (passage.text.trim_end().to_string(), passage.passage_ord + 1),
    };
    let mut items = (from..).map_while(|ord| at(ord).filter(|p| p.item));
    let first = items.next()?;
    for (n, item) in std::iter::once(first).chain(items).enumerate() {
        let addition = item.text.trim_end_matches(['.', ';']);
        if text.len() + addition.len() + 2 > MAX_ANSWER_CHARS {
            break;
        }
        match (n, text.is_empty()) {
            (_, true) => text.push_str(&crate::text::capitalised(addition)),
            (0, false) => {
                text.push(' ');
                text.push_str(addition);
            }
            _ => {
                text.push_str("; ");
                text.push_str(addition);
            }
        }
    }
    text.push('.');
    Some(text)
}

fn source(passage: &StoredPassage, sentence: &str) -> Source {
    let url = match &passage.url {
        Some(url) => format!(
            "{}#{}:~:text={}",
            url.split('#').next().unwrap_or(url),
            passage.anchor,
            text_fragment(sentence)
        ),
        None => format!("/articles/{}#{}", passage.slug, passage.anchor),
    };
    Source {
        title: passage.title.clone(),
        section: passage.heading.clone(),
        url,
        snippet: snippet(sentence),
    }
}

const SNIPPET_CHARS: usize = 240;

fn snippet(sentence: &str) -> String {
    if sentence.chars().count() <= SNIPPET_CHARS {
        return sentence.to_string();
    }
    let cut: String = sentence.chars().take(SNIPPET_CHARS).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{cut}…")
}

/// Characters a text fragment must escape besides non-alphanumerics: all but these are escaped.
const FRAGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'\'');

/// `#:~:text=` for the sentence: the whole of a short one, else its first and last words.
fn text_fragment(sentence: &str) -> String {
    let words: Vec<&str> = sentence
        .trim_end_matches(['.', '!', '?'])
        .split_whitespace()
        .collect();
    // Into one string sized for the common case, a space between words written as "%20".
    fn encode(out: &mut String, words: &[&str]) {
        for (i, word) in words.iter().enumerate() {
            if i > 0 {
                out.push_str("%20");
            }
            out.extend(utf8_percent_encode(word, FRAGMENT));
        }
    }
    let mut out = String::with_capacity(2 * sentence.len());
    if words.len() <= 8 {
        encode(&mut out, &words);
    } else {
        encode(&mut out, &words[..4]);
        out.push(',');
        encode(&mut out, &words[words.len() - 4..]);
    }
    out
}

/// A section heading as a question a visitor could ask.
fn as_question(heading: &str) -> Option<String> {
    let heading = heading.trim();
    if heading.is_empty() || heading.chars().count() > 90 {
        return None;
    }
    if heading.ends_with('?') {
        return Some(heading.to_string());
    }
    // A heading that is a question without its mark ("How many sessions will I need", "Does
    // it hurt?!"), not one that names a topic ("How laser tattoo removal works").
    const OPENERS: [&str; 9] = [
        "how", "what", "when", "where", "why", "who", "which", "can", "does",
    ];
    const ASKING: [&str; 14] = [
        "will", "do", "does", "is", "are", "can", "should", "would", "could", "did", "many",
        "much", "long", "often",
    ];
    let mut words = heading.split_whitespace();
    let opening = words.next().unwrap_or_default();
    let is = |word: &str, list: &[&str]| list.iter().any(|l| l.eq_ignore_ascii_case(word));
    let more = words.clone().next().is_some();
    let asks =
        is(opening, &OPENERS) && (is(opening, &["can", "does"]) || words.any(|w| is(w, &ASKING)));
    if asks && more || heading.ends_with("?!") {
        return Some(format!(
            "{}?",
            heading.trim_end_matches(['.', ':', '!', '?'])
        ));
    }
    let mut chars = heading.chars();
    let first = chars.next()?;
    let rest = chars.as_str();
    const ASK: &str = "Tell me about ";
    let mut question = String::with_capacity(ASK.len() + heading.len() + 2);
    question.push_str(ASK);
    // "Aftercare tips" -> "aftercare tips"; an acronym ("SPF 30", "PRP") stays as it is.
    if rest.chars().next().is_some_and(char::is_uppercase) {
        question.push(first);
    } else {
        question.extend(first.to_lowercase());
    }
    question.push_str(rest);
    Some(question)
}

/// Opening questions: question-shaped headings first, a few from each article.
pub fn starters(articles: &[ArticleSummary]) -> Vec<String> {
    let mut questions: Vec<String> = Vec::new();
    for round in 0..3 {
        for article in articles {
            let asked = article
                .headings
                .iter()
                .filter(|h| h.ends_with('?') && h.chars().count() <= 70)
                .nth(round);
            if let Some(h) = asked.filter(|h| !questions.contains(h)) {
                questions.push(h.clone());
            }
        }
    }
    for article in articles {
        questions.extend(
            article
                .headings
                .iter()
                .filter(|h| !h.ends_with('?'))
                .take(2)
                .filter_map(|h| as_question(h)),
        );
    }
    questions.dedup();
    questions.truncate(4);
    questions
}

/// Other sections of the same article, those sharing the question's topic first.
fn related(analysis: &Analysis, passage: &StoredPassage, generation: &Generation) -> Vec<String> {
    let (Some(article), Some(lowercase)) = (
        generation.summary(&passage.slug),
        generation.lowercase_headings(&passage.slug),
    ) else {
        return Vec::new();
    };
    let topics: Vec<String> = analysis.topics().map(|c| c.label.to_lowercase()).collect();
    let mut headings: Vec<(bool, usize, &String)> = article
        .headings
        .iter()
        .zip(lowercase)
        .enumerate()
        .filter(|(_, (h, _))| **h != passage.heading)
        .map(|(i, (h, lower))| (!topics.iter().any(|t| lower.contains(t.as_str())), i, h))
        .collect();
    headings.sort();
    headings
        .into_iter()
        .filter_map(|(_, _, h)| as_question(h))
        .take(3)
        .collect()
}

/// Questions that pick one of the topics a several-topic answer covered.
fn narrowing<'a>(
    analysis: &Analysis,
    passages: impl Iterator<Item = &'a StoredPassage>,
    vocabulary: &Vocabulary,
) -> Vec<String> {
    let intent = analysis
        .primary_intent()
        .unwrap_or(intent::Intent::Definition);
    let headings: Vec<&str> = passages.map(|p| p.heading.as_str()).collect();
    let lowered: Vec<String> = headings.iter().map(|h| h.to_lowercase()).collect();
    // A heading that asks a question is offered as it is; one that names a topic is asked
    // the question's intent about what sets it apart.
    let ask = |h: &&str| {
        as_question(h).or_else(|| {
            distinctive(h, &lowered, vocabulary)
                .map(|topic| intent::narrowing_question(vocabulary, intent, &topic))
        })
    };
    let mut offered: Vec<String> = Vec::new();
    for question in headings.iter().filter_map(ask) {
        if offered.len() < 4 && !offered.contains(&question) {
            offered.push(question);
        }
    }
    offered
}

/// What sets a heading apart from the others in the set (`all`, lowercased): its first clause
/// less the words they all share ("Mesotherapy for reducing cellulite and …" -> "cellulite");
/// `None` when that leaves nothing short and telling.
fn distinctive(heading: &str, all: &[String], vocabulary: &Vocabulary) -> Option<String> {
    let lower = heading.to_lowercase();
    let shared = |word: &str| all.iter().all(|h| h.split_whitespace().any(|w| w == word));
    let clause = lower.split(" and ").next().unwrap_or(&lower);
    let words: Vec<&str> = clause
        .split_whitespace()
        .filter(|w| {
            !shared(w) && !vocabulary.is_stop_word(w) && !vocabulary.framing.iter().any(|f| f == w)
        })
        .collect();
    (!words.is_empty() && words.len() <= 3).then(|| words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_fragment_quotes_the_sentence_safely() {
        assert_eq!(
            text_fragment("No downtime, really."),
            "No%20downtime%2C%20really"
        );
        let long = "Generally, a course of 6-8 treatments spaced 2-4 weeks apart is recommended.";
        assert_eq!(
            text_fragment(long),
            "Generally%2C%20a%20course%20of,weeks%20apart%20is%20recommended"
        );
    }

    #[test]
    fn a_request_for_a_person_offers_the_clinic_and_a_call_back() {
        let settings = Settings {
            contact: Contact {
                name: "Bloom".into(),
                phone: "+44 20 7123 4567".into(),
                email: "hello@bloom.example".into(),
                booking_url: "https://bloom.example/book".into(),
            },
            emergency_number: "999".into(),
            clinic: None,
        };
        let reply = small_talk(
            SmallTalk::Person,
            &settings,
            vec!["Does it hurt?".into()],
            ConversationId::fresh(),
        );
        assert_eq!(reply.kind, Kind::Smalltalk);
        assert!(
            reply.answer.contains("+44 20 7123 4567")
                && reply.answer.contains("hello@bloom.example")
        );
        let json: serde_json::Value = serde_json::from_slice(&reply.to_json().unwrap()).unwrap();
        assert_eq!(json["callback"], true);
        assert_eq!(json["contact"]["phone"], "+44 20 7123 4567");
        let greeting = small_talk(
            SmallTalk::Greeting,
            &settings,
            vec![],
            ConversationId::fresh(),
        );
        let json: serde_json::Value = serde_json::from_slice(&greeting.to_json().unwrap()).unwrap();
        assert!(
            json.get("callback").is_none(),
            "other replies do not carry the field"
        );
    }

    #[test]
    fn the_emergency_number_is_found_in_its_description() {
        assert_eq!(
            dialable("emergency services (999 in the UK, 112 in the EU)").as_deref(),
            Some("999")
        );
        assert_eq!(
            dialable("+44 20 7946 0000").as_deref(),
            Some("+442079460000")
        );
        assert_eq!(dialable("your local emergency number"), None);
    }

    #[test]
    fn headings_become_questions() {
        assert_eq!(
            as_question("Does it hurt?").as_deref(),
            Some("Does it hurt?")
        );
        assert_eq!(
            as_question("Aftercare for peels").as_deref(),
            Some("Tell me about aftercare for peels")
        );
        assert_eq!(as_question(&"x".repeat(100)), None);
        // A question written without its mark, or with "?!", is asked as it is.
        assert_eq!(
            as_question("How many sessions will I need").as_deref(),
            Some("How many sessions will I need?")
        );
        assert_eq!(
            as_question("Does it hurt more than a tattoo?!").as_deref(),
            Some("Does it hurt more than a tattoo?")
        );
        // "How it works" names a topic.
        assert_eq!(
            as_question("How laser removal works").as_deref(),
            Some("Tell me about how laser removal works")
        );
    }

    #[test]
    fn narrowing_topics_drop_the_shared_words() {
        let all = [
            "Mesotherapy for reducing cellulite and body contouring",
            "Mesotherapy for hair loss treatment and hair restoration",
        ];
        let lowered = all.map(str::to_lowercase);
        assert_eq!(
            distinctive(all[0], &lowered, Vocabulary::built_in()).as_deref(),
            Some("cellulite")
        );
        assert_eq!(
            distinctive(all[1], &lowered, Vocabulary::built_in()).as_deref(),
            Some("hair loss")
        );
    }
}
