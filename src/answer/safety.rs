//! Messages that are not questions for the articles: a possible emergency or worrying reaction
//! after treatment (answered with urgent-care advice and no article text), and greetings or
//! thanks (answered politely). Pure functions over the visitor's words.

use std::sync::LazyLock;

use crate::text::FastSet;

/// Signs that need a clinician now, whoever is asking and however it is phrased.
const ALWAYS_URGENT: &[&[&str]] = &[
    &["can", "not", "breathe"],
    &["cannot", "breathe"],
    &["cant", "breathe"],
    &["difficulty", "breathing"],
    &["trouble", "breathing"],
    &["struggling", "to", "breathe"],
    &["short", "of", "breath"],
    &["shortness", "of", "breath"],
    &["chest", "pain"],
    &["chest", "tightness"],
    &["anaphylaxis"],
    &["anaphylactic"],
    &["passed", "out"],
    &["fainted"],
    &["collapsed"],
    &["lost", "vision"],
    &["blurred", "vision"],
    &["blurry", "vision"],
    &["can", "not", "see"],
    &["vision", "loss"],
    &["throat", "closing"],
    &["seizure"],
];

/// Words that are worrying when a person reports them of themselves.
const WARNING_SIGNS: &[&[&str]] = &[
    &["fever"],
    &["feverish"],
    &["high", "temperature"],
    &["chills"],
    &["shivering"],
    &["pus"],
    &["oozing"],
    &["spreading"],
    &["red", "streaks"],
    &["hot", "to", "touch"],
    &["hot"],
    &["burning", "up"],
    &["dizzy"],
    &["faint"],
    &["vomiting"],
    &["hives"],
    &["wheezing"],
    &["blistering"],
    &["necrosis"],
];

const SWELLING: [&str; 6] = [
    "swelling",
    "swollen",
    "swell",
    "swells",
    "tight",
    "tightness",
];
const AIRWAY: [&str; 7] = ["lip", "lips", "tongue", "throat", "mouth", "airway", "eyes"];
const SEVERE: [&str; 10] = [
    "severe",
    "worsening",
    "unbearable",
    "excruciating",
    "extreme",
    "intense",
    "terrible",
    "agonising",
    "agonizing",
    "worse",
];
const PAIN: [&str; 6] = ["pain", "painful", "hurts", "hurting", "ache", "aching"];
const COLOURS: [&str; 9] = [
    "white", "blue", "grey", "gray", "black", "purple", "dusky", "mottled", "pale",
];
const COLOUR_CHANGE: [&str; 10] = [
    "turning", "turned", "gone", "going", "become", "becoming", "went", "go", "looks", "looking",
];
const NEGATIONS: [&str; 6] = ["no", "not", "without", "don't", "dont", "never"];
/// Words that show the person is describing what is happening to them.
const REPORTING: [&str; 13] = [
    "i'm",
    "im",
    "i've",
    "my",
    "me",
    "now",
    "since",
    "ago",
    "today",
    "yesterday",
    "still",
    "keeps",
    "getting",
];

/// For every sign below, a word it cannot do without (a phrase's longest, the rarest in
/// questions: "breathe", not "can"). A message with none of them is not urgent, and most
/// questions are told so with one lookup per word.
static TRIGGERS: LazyLock<FastSet<&'static str>> = LazyLock::new(|| {
    ALWAYS_URGENT
        .iter()
        .chain(WARNING_SIGNS)
        .filter_map(|phrase| phrase.iter().copied().max_by_key(|w| w.len()))
        .chain(SWELLING)
        .chain(SEVERE)
        .chain(COLOURS)
        .collect()
});

/// Whether a message describes a possible emergency or a worrying reaction.
pub fn is_urgent(words: &[String]) -> bool {
    if !words.iter().any(|w| TRIGGERS.contains(w.as_str())) {
        return false;
    }
    let has = |phrase: &[&str]| find(words, phrase).is_some_and(|at| !negated(words, at));
    if ALWAYS_URGENT.iter().any(|p| has(p)) {
        return true;
    }
    let near = |a: &[&str], b: &[&str], span: usize| {
        words.iter().enumerate().any(|(i, w)| {
            a.contains(&w.as_str())
                && !negated(words, i)
                && words[i.saturating_sub(span)..(i + span + 1).min(words.len())]
                    .iter()
                    .any(|x| b.contains(&x.as_str()))
        })
    };
    if near(&SWELLING, &AIRWAY, 6) && reporting(words) {
        return true;
    }
    let severe_pain = near(&SEVERE, &PAIN, 4) || near(&SEVERE, &SWELLING, 3);
    let colour = near(&COLOURS, &COLOUR_CHANGE, 2);
    let warning = WARNING_SIGNS.iter().any(|p| has(p));
    // A sign the person reports, or states without asking about it in general ("severe pain
    // and fever after the treatment"); "can mesotherapy cause a fever?" is a question.
    (colour || severe_pain || warning) && (reporting(words) || !general_question(words))
}

/// A question about treatments in general: it opens with a question word and reports nothing.
fn general_question(words: &[String]) -> bool {
    const OPENERS: [&str; 15] = [
        "can", "could", "does", "do", "is", "are", "will", "would", "should", "what", "how", "why",
        "when", "which", "who",
    ];
    words.first().is_some_and(|w| OPENERS.contains(&w.as_str()))
}

fn reporting(words: &[String]) -> bool {
    const FIRST_PERSON_VERBS: [&str; 12] = [
        "have",
        "had",
        "feel",
        "felt",
        "am",
        "got",
        "get",
        "developed",
        "noticed",
        "woke",
        "see",
        "think",
    ];
    // "I have…" reports; "can I have…" asks.
    const MODALS: [&str; 8] = [
        "can", "could", "should", "may", "will", "would", "shall", "do",
    ];
    let asked = |at: usize| at > 0 && MODALS.contains(&words[at - 1].as_str());
    words.iter().any(|w| REPORTING.contains(&w.as_str()))
        || (0..words.len().saturating_sub(1)).any(|at| {
            words[at] == "i" && FIRST_PERSON_VERBS.contains(&words[at + 1].as_str()) && !asked(at)
        })
}

fn find(words: &[String], phrase: &[&str]) -> Option<usize> {
    words
        .windows(phrase.len())
        .position(|w| w.iter().zip(phrase).all(|(a, b)| a == b))
}

/// "no fever", "I don't have a fever": a sign the person says they do not have.
fn negated(words: &[String], at: usize) -> bool {
    words[at.saturating_sub(4)..at]
        .iter()
        .any(|w| NEGATIONS.contains(&w.as_str()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmallTalk {
    Greeting,
    Thanks,
    Goodbye,
}

const GREETINGS: [&str; 9] = [
    "hi",
    "hello",
    "hey",
    "hiya",
    "howdy",
    "greetings",
    "morning",
    "afternoon",
    "evening",
];
const THANKS: [&str; 6] = ["thanks", "thank", "thx", "cheers", "ta", "appreciated"];
const GOODBYES: [&str; 5] = ["bye", "goodbye", "farewell", "later", "cya"];
const FILLER: [&str; 22] = [
    "good",
    "there",
    "you",
    "so",
    "much",
    "very",
    "ok",
    "okay",
    "great",
    "that",
    "that's",
    "thats",
    "was",
    "helpful",
    "lovely",
    "perfect",
    "brilliant",
    "awesome",
    "nice",
    "for",
    "your",
    "help",
];

/// A greeting, thanks or goodbye with nothing else asked.
pub fn small_talk(words: &[String]) -> Option<SmallTalk> {
    if words.is_empty() || words.len() > 8 {
        return None;
    }
    let all_known = words.iter().all(|w| {
        let w = w.as_str();
        GREETINGS.contains(&w)
            || THANKS.contains(&w)
            || GOODBYES.contains(&w)
            || FILLER.contains(&w)
    });
    if !all_known {
        return None;
    }
    let any = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
    if any(&THANKS) {
        Some(SmallTalk::Thanks)
    } else if any(&GOODBYES) {
        Some(SmallTalk::Goodbye)
    } else if any(&GREETINGS) {
        Some(SmallTalk::Greeting)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        super::super::question::words(text)
    }

    #[test]
    fn a_reported_fever_with_spreading_redness_is_urgent() {
        assert!(is_urgent(&words(
            "Three days after my treatment I have a fever and the redness is spreading"
        )));
        assert!(is_urgent(&words(
            "my lips are swelling up after the injections"
        )));
        assert!(is_urgent(&words("I can't breathe properly")));
        assert!(is_urgent(&words(
            "my face is swollen and hot since the treatment"
        )));
        assert!(is_urgent(&words(
            "the skin around the area is turning white"
        )));
        assert!(is_urgent(&words(
            "The pain is getting worse and worse since yesterday"
        )));
    }

    #[test]
    fn every_sign_that_is_always_urgent_is_noticed_in_a_message() {
        // The quick check for trigger words must let every one of them through.
        for sign in ALWAYS_URGENT {
            let message = format!("Since this morning, {} after my session", sign.join(" "));
            assert!(is_urgent(&words(&message)), "{message}");
        }
        for sign in WARNING_SIGNS {
            let message = format!("I have {} since my treatment", sign.join(" "));
            assert!(is_urgent(&words(&message)), "{message}");
        }
    }

    #[test]
    fn questions_about_normal_side_effects_are_not_urgent() {
        assert!(!is_urgent(&words("Is swelling normal after mesotherapy?")));
        assert!(!is_urgent(&words("Will I have bruising?")));
        assert!(!is_urgent(&words(
            "I have no fever but some bruising, is that normal?"
        )));
        assert!(!is_urgent(&words("Does it hurt?")));
        assert!(!is_urgent(&words(
            "Can I have a hot bath after the treatment?"
        )));
    }

    #[test]
    fn greetings_and_thanks_are_small_talk_but_questions_are_not() {
        assert_eq!(small_talk(&words("Hello!")), Some(SmallTalk::Greeting));
        assert_eq!(
            small_talk(&words("thanks, that was helpful")),
            Some(SmallTalk::Thanks)
        );
        assert_eq!(small_talk(&words("bye")), Some(SmallTalk::Goodbye));
        assert_eq!(small_talk(&words("hi, does it hurt?")), None);
    }
}
