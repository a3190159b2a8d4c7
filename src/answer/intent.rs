//! What a visitor is asking for (a count, a duration, pain, safety…), recognised from cue
//! phrases, and whether a sentence answers that: a count with a session word for "how many",
//! a duration for "how long", pain words for "does it hurt". Cues are matched on stems, so
//! "hurts", "hurting" and "hurt" are one cue.

use std::sync::LazyLock;

use tantivy::tokenizer::TextAnalyzer;

use crate::text::{self, FastMap, FastSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Intent {
    Cost,
    Logistics,
    Count,
    Duration,
    Pain,
    SideEffects,
    Preparation,
    Aftercare,
    Comparison,
    Suitability,
    Areas,
    HowItWorks,
    Results,
    Definition,
}

impl Intent {
    pub const COUNT: usize = 14;
    pub const ALL: [Intent; Intent::COUNT] = [
        Intent::Cost,
        Intent::Logistics,
        Intent::Count,
        Intent::Duration,
        Intent::Pain,
        Intent::SideEffects,
        Intent::Preparation,
        Intent::Aftercare,
        Intent::Comparison,
        Intent::Suitability,
        Intent::Areas,
        Intent::HowItWorks,
        Intent::Results,
        Intent::Definition,
    ];

    pub fn index(self) -> usize {
        self as usize
    }
}

/// Cue phrases per intent, in plain words; stemmed once at start.
const CUES: &[(Intent, &[&str])] = &[
    (
        Intent::Cost,
        &[
            "how much",
            "cost",
            "price",
            "pricing",
            "fee",
            "expensive",
            "cheap",
            "afford",
            "charge",
            "pay",
            "payment",
            "finance",
        ],
    ),
    (
        Intent::Logistics,
        &[
            "opening hours",
            "open on",
            "are you open",
            "address",
            "located",
            "location",
            "parking",
            "phone number",
            "contact you",
            "book",
            "booking",
            "where are you",
        ],
    ),
    (
        Intent::Count,
        &[
            "how many",
            "how often",
            "how frequently",
            "number of",
            "far apart",
            "apart",
            "frequency",
            "interval",
            "spaced",
            "multiple sessions",
            "top up",
            "top-up",
        ],
    ),
    (
        Intent::Duration,
        &[
            "how long",
            "downtime",
            "down time",
            "recovery",
            "recover",
            "heal",
            "healing",
            "time off",
            "back to work",
            "last",
            "lasting",
            "duration",
            "how soon",
            "how quickly",
            "when can i",
        ],
    ),
    (
        Intent::Pain,
        &[
            "hurt",
            "feel like",
            "feels like",
            "pain",
            "painful",
            "sore",
            "discomfort",
            "uncomfortable",
            "sting",
            "stinging",
            "burn",
            "burning",
            "numb",
            "numbing",
            "anaesthetic",
            "anesthetic",
            "ache",
            "tender",
        ],
    ),
    (
        Intent::SideEffects,
        &[
            "side effect",
            "side-effect",
            "risk",
            "risky",
            "safe",
            "safety",
            "danger",
            "dangerous",
            "complication",
            "reaction",
            "adverse",
            "normal",
        ],
    ),
    (
        Intent::Suitability,
        &[
            "can i",
            "should i",
            "am i",
            "could i",
            "may i",
            "is it suitable",
            "suitable",
            "candidate",
            "eligible",
            "who should",
            "who can",
            "right for me",
            "allowed",
        ],
    ),
    (
        Intent::Preparation,
        &[
            "prepare",
            "preparation",
            "before",
            "beforehand",
            "prior",
            "get ready",
            "in advance",
        ],
    ),
    (
        Intent::Aftercare,
        &[
            "after",
            "afterwards",
            "aftercare",
            "after care",
            "post treatment",
            "following",
            "avoid after",
        ],
    ),
    (
        Intent::Comparison,
        &[
            "difference",
            "different",
            "differ",
            "compare",
            "comparison",
            "versus",
            "vs",
            "better than",
            "instead of",
            "or botox",
        ],
    ),
    (
        Intent::Areas,
        &[
            "where",
            "which areas",
            "what areas",
            "area",
            "areas",
            "body part",
            "body parts",
            "which parts",
            "zone",
            "on the body",
            "of the body",
            "parts of the body",
        ],
    ),
    (
        Intent::HowItWorks,
        &[
            "how does it work",
            "how it works",
            "how does mesotherapy work",
            "work",
            "works",
            "mechanism",
            "help",
            "helps",
        ],
    ),
    (
        Intent::Results,
        &[
            "result",
            "results",
            "effective",
            "effectiveness",
            "does it work",
            "worth it",
            "improvement",
            "see a difference",
            "success",
        ],
    ),
    (
        Intent::Definition,
        &[
            "what is",
            "what are",
            "what s",
            "explain",
            "tell me about",
            "define",
            "meaning",
            "information about",
        ],
    ),
];

pub(crate) struct Cues {
    phrases: Vec<(Intent, Vec<String>)>,
    /// Phrases by their first stem, so a question is read in one pass over its stems.
    by_first: FastMap<String, Vec<usize>>,
    /// Single-stem cues: words that say what is asked rather than what it is about.
    pub single: FastSet<String>,
}

impl Cues {
    /// Every place a cue phrase stands in `stems`: (the phrase's number, where it starts).
    fn occurrences<'a>(&'a self, stems: &'a [String]) -> impl Iterator<Item = (usize, usize)> + 'a {
        stems.iter().enumerate().flat_map(move |(start, stem)| {
            let phrases = self.by_first.get(stem).map_or(&[][..], Vec::as_slice);
            phrases
                .iter()
                .filter(move |&&p| stems[start..].starts_with(&self.phrases[p].1))
                .map(move |&p| (p, start))
        })
    }
}

pub(crate) static CUE_TABLE: LazyLock<Cues> = LazyLock::new(|| {
    let mut analyzer = text::stemmed_analyzer();
    let mut phrases = Vec::new();
    let mut single = FastSet::default();
    for (intent, cues) in CUES {
        for cue in *cues {
            let stems = text::terms(&mut analyzer, cue);
            if stems.len() == 1 {
                single.insert(stems[0].clone());
            }
            phrases.push((*intent, stems));
        }
    }
    for word in SESSION_WORDS.iter().chain(&ADVICE_CUES) {
        single.extend(text::terms(&mut analyzer, word));
    }
    let mut by_first: FastMap<String, Vec<usize>> = FastMap::default();
    for (p, (_, stems)) in phrases.iter().enumerate() {
        if let Some(first) = stems.first() {
            by_first.entry(first.clone()).or_default().push(p);
        }
    }
    Cues {
        phrases,
        by_first,
        single,
    }
});

/// Where multi-word cues ("how far apart", "opening hours") stand in the stems: those words
/// say what is asked, so they are not topics.
pub fn cue_spans(stems: &[String]) -> Vec<std::ops::Range<usize>> {
    CUE_TABLE
        .occurrences(stems)
        .map(|(p, start)| start..start + CUE_TABLE.phrases[p].1.len())
        .filter(|span| span.len() > 1)
        .collect()
}

/// The intents a question's stems show, most specific first.
pub fn detect(stems: &[String]) -> Vec<Intent> {
    let mut matched: Vec<usize> = CUE_TABLE.occurrences(stems).map(|(p, _)| p).collect();
    matched.sort_unstable();
    matched.dedup();
    let mut found: Vec<Intent> = Vec::new();
    let mut aftercare_cues = 0;
    for (intent, cue) in matched.into_iter().map(|p| &CUE_TABLE.phrases[p]) {
        if *intent == Intent::Aftercare && cue.as_slice() != ["after"] {
            aftercare_cues += 1;
        }
        if !found.contains(intent) {
            found.push(*intent);
        }
    }
    found.sort();
    // "the recovery after a peel" asks how long, not what to do afterwards.
    if found.contains(&Intent::Duration) && aftercare_cues == 0 {
        found.retain(|i| *i != Intent::Aftercare);
    }
    // A general cue ("what is", "where") yields to a specific one: "what is the downtime"
    // asks for a duration.
    let general = |i: &Intent| {
        matches!(
            i,
            Intent::Definition | Intent::HowItWorks | Intent::Areas | Intent::Results
        )
    };
    if found.iter().any(|i| !general(i)) {
        found.retain(|i| !general(i));
    }
    found
}

/// Words that ask what to do or not to do ("what should I avoid before a peel?"): what is
/// asked, not what it is about, so an article that says "stop using retinol" still answers.
const ADVICE_CUES: [&str; 8] = [
    "avoid",
    "stop",
    "skip",
    "refrain",
    "abstain",
    "allowed",
    "permitted",
    "okay",
];

const SESSION_WORDS: [&str; 7] = [
    "session",
    "treatment",
    "course",
    "appointment",
    "visit",
    "injection",
    "procedure",
];
const TIME_UNITS: [&str; 7] = ["minute", "hour", "day", "week", "month", "year", "night"];
const PAIN_WORDS: [&str; 14] = [
    "pain",
    "painful",
    "discomfort",
    "hurt",
    "sore",
    "sting",
    "burn",
    "burning",
    "numb",
    "numbing",
    "tolerated",
    "comfortable",
    "scratch",
    "tender",
];
const SAFETY_WORDS: [&str; 14] = [
    "side",
    "risk",
    "safe",
    "swelling",
    "bruising",
    "redness",
    "infection",
    "allergic",
    "complication",
    "irritation",
    "reaction",
    "mild",
    "tenderness",
    "rare",
];
const NAMED_EFFECTS: [&str; 14] = [
    "swelling",
    "bruising",
    "redness",
    "infection",
    "allergic",
    "irritation",
    "discomfort",
    "tenderness",
    "itching",
    "bleeding",
    "scarring",
    "pain",
    "sting",
    "rash",
];
const SUITABILITY_WORDS: [&str; 12] = [
    "candidate",
    "suitable",
    "avoid",
    "pregnant",
    "nursing",
    "breastfeeding",
    "condition",
    "medication",
    "health",
    "expectation",
    "consult",
    "recommend",
];
const PREPARATION_WORDS: [&str; 7] = [
    "before",
    "prior",
    "prepare",
    "preparing",
    "leading",
    "advance",
    "beforehand",
];
const AFTERCARE_WORDS: [&str; 6] = [
    "after",
    "following",
    "afterwards",
    "aftercare",
    "post",
    "avoid",
];
/// Words of advice: what aftercare and preparation sentences tell people to do.
const ADVICE_WORDS: [&str; 12] = [
    "avoid",
    "apply",
    "use",
    "wear",
    "keep",
    "don't",
    "no",
    "skip",
    "protect",
    "recommend",
    "should",
    "important",
];
const COMPARISON_WORDS: [&str; 9] = [
    "while",
    "whereas",
    "compared",
    "than",
    "difference",
    "differences",
    "unlike",
    "other",
    "hand",
];
const BODY_PARTS: [&str; 27] = [
    "face",
    "neck",
    "chest",
    "hand",
    "thigh",
    "buttock",
    "hip",
    "stomach",
    "abdomen",
    "arm",
    "leg",
    "scalp",
    "back",
    "lip",
    "cheek",
    "chin",
    "jawline",
    "forehead",
    "eye",
    "decolletage",
    "knee",
    "jowl",
    "flank",
    "underarm",
    "ankle",
    "temple",
    "nose",
];
const RESULT_WORDS: [&str; 11] = [
    "result",
    "effective",
    "improve",
    "visible",
    "improvement",
    "reduce",
    "help",
    "outcome",
    "stimulate",
    "promote",
    "option",
];
const WORK_WORDS: [&str; 8] = [
    "involves",
    "works",
    "helps",
    "stimulate",
    "boost",
    "injecting",
    "deliver",
    "promote",
];
const PRICE_MARKS: [char; 4] = ['£', '$', '€', '¥'];

/// How well a sentence answers one intent: 1 a clear answer, 0.5 a vague one, 0 none.
pub fn evidence(intent: Intent, sentence: &str, stems: &[String]) -> f32 {
    // "cold sore" names a condition, not a pain.
    let lower = sentence.to_lowercase().replace("cold sore", "coldsore");
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |list: &[&str]| words.iter().any(|w| list.iter().any(|l| word_is(w, l)));
    let has_stem = |stem: &str| stems.iter().any(|s| s == stem);
    let number = words
        .iter()
        .any(|w| w.chars().all(|c| c.is_ascii_digit()) || NUMBER_WORDS.contains(w));
    let score = |clear: bool, vague: bool| {
        if clear {
            1.0
        } else if vague {
            0.5
        } else {
            0.0
        }
    };
    match intent {
        Intent::Cost => score(sentence.contains(PRICE_MARKS) && number, false),
        Intent::Logistics => score(
            has(&WEEKDAYS)
                || lower.contains("call us")
                || lower.contains(" am ")
                || lower.contains(" pm "),
            false,
        ),
        Intent::Count => {
            let sessionish = has(&SESSION_WORDS);
            let spacing = has(&["apart", "spaced", "every", "interval"]) && has(&TIME_UNITS);
            score(
                counted(&words) || number && spacing,
                sessionish && has(&["multiple", "several", "course"]),
            )
        }
        Intent::Duration => {
            let timed = number && has(&TIME_UNITS)
                || (has(&["few", "couple", "several"]) && has(&TIME_UNITS));
            score(
                timed || lower.contains("no downtime") || lower.contains("downtime"),
                has(&["immediately", "quick", "straight", "same day"]),
            )
        }
        Intent::Pain => score(has(&PAIN_WORDS) || has_stem("pain"), false),
        Intent::SideEffects => score(has(&NAMED_EFFECTS), has(&SAFETY_WORDS)),
        Intent::Suitability => score(has(&SUITABILITY_WORDS), false),
        Intent::Preparation => score(has(&PREPARATION_WORDS), has(&["drink", "avoid"])),
        Intent::Aftercare => score(
            has(&AFTERCARE_WORDS) && has(&ADVICE_WORDS) || has(&["aftercare", "afterwards"]),
            has(&AFTERCARE_WORDS) || has(&ADVICE_WORDS),
        ),
        Intent::Comparison => score(has(&COMPARISON_WORDS) && words.len() > 8, false),
        Intent::Areas => score(
            words
                .iter()
                .filter(|w| BODY_PARTS.iter().any(|b| w.starts_with(b)))
                .count()
                >= 3,
            has(&BODY_PARTS),
        ),
        Intent::HowItWorks => score(has(&WORK_WORDS), false),
        Intent::Results => score(has(&RESULT_WORDS), false),
        Intent::Definition => {
            // "X is a…", "Dermal fillers are…", "Microneedling uses…": a verb of being or
            // doing early in the sentence, after its subject.
            const DEFINING: [&str; 6] = ["is", "are", "involves", "uses", "means", "refers"];
            let early = words.iter().skip(1).take(3).any(|w| DEFINING.contains(w));
            score(
                words.len() > 6 && early,
                words.len() > 6 && lower.contains(" is a "),
            )
        }
    }
}

/// A number shortly before a session word: "3-5 sessions", "a course of 4-6 treatments".
fn counted(words: &[&str]) -> bool {
    words.iter().enumerate().any(|(i, w)| {
        SESSION_WORDS.iter().any(|s| word_is(w, s))
            && words[i.saturating_sub(2)..i]
                .iter()
                .any(|n| n.chars().all(|c| c.is_ascii_digit()) || NUMBER_WORDS.contains(n))
    })
}

/// `word` is `listed`, its plural, or (for long cues) a longer word starting with it.
fn word_is(word: &str, listed: &str) -> bool {
    word == listed
        || word
            .strip_suffix('s')
            .is_some_and(|w| w == listed || w.strip_suffix('e') == Some(listed))
        || (listed.len() >= 5 && word.starts_with(listed))
}

/// Whether a section heading says it is about this intent ("How to prepare…").
pub fn heading_cue(intent: Intent, heading: &str) -> bool {
    let lower = heading.to_lowercase();
    let any = |list: &[&str]| list.iter().any(|w| lower.contains(w));
    match intent {
        Intent::Preparation => any(&["prepar", "before"]),
        Intent::Aftercare => any(&["after", "aftercare", "recovery"]),
        Intent::SideEffects => any(&["side effect", "safety", "safe", "risk"]),
        Intent::Suitability => any(&["candidate", "suitab", "who should", "avoid"]),
        Intent::Comparison => any(&["difference", " vs", "versus", "compar"]),
        Intent::Definition | Intent::HowItWorks => any(&[
            "what is",
            "what are",
            "how does it work",
            "how it works",
            "introduction",
            "about",
        ]),
        Intent::Pain => any(&["pain", "hurt", "comfort"]),
        Intent::Duration => any(&["downtime", "recovery", "how long"]),
        Intent::Count => any(&["how many", "sessions", "how often"]),
        Intent::Cost => any(&["cost", "price"]),
        _ => false,
    }
}

/// A question to suggest about one topic, in the intent's own words.
pub fn narrowing_question(intent: Intent, topic: &str) -> String {
    match intent {
        Intent::Count => format!("How many sessions for {topic}?"),
        Intent::Duration => format!("What is the downtime for {topic}?"),
        Intent::Pain => format!("Does treatment for {topic} hurt?"),
        Intent::SideEffects => format!("What are the side effects for {topic}?"),
        Intent::Suitability => format!("Who is suitable for {topic} treatment?"),
        Intent::Preparation => format!("How do I prepare for {topic} treatment?"),
        Intent::Aftercare => format!("What aftercare is needed for {topic}?"),
        Intent::Areas => format!("Which areas can be treated for {topic}?"),
        _ => format!("Tell me about {topic}"),
    }
}

const NUMBER_WORDS: [&str; 11] = [
    "one", "two", "three", "four", "five", "six", "seven", "eight", "ten", "twelve", "single",
];
const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// The analyzer's stems of one word.
pub fn stem_word(analyzer: &mut TextAnalyzer, word: &str) -> Option<String> {
    text::terms(analyzer, word).into_iter().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn intents(question: &str) -> Vec<Intent> {
        detect(&text::terms(&mut text::stemmed_analyzer(), question))
    }

    #[test]
    fn questions_show_their_intent() {
        assert_eq!(
            intents("How many sessions will I need?"),
            vec![Intent::Count]
        );
        assert_eq!(intents("What is the downtime?"), vec![Intent::Duration]);
        assert_eq!(intents("Will it hurt?"), vec![Intent::Pain]);
        assert_eq!(intents("What is mesotherapy?"), vec![Intent::Definition]);
        assert_eq!(
            intents("How long do the side effects last?"),
            vec![Intent::Duration, Intent::SideEffects]
        );
        assert_eq!(intents("How much does it cost?"), vec![Intent::Cost]);
    }

    #[test]
    fn a_count_needs_a_number_and_a_session_word() {
        let stems = Vec::new();
        assert_eq!(
            evidence(
                Intent::Count,
                "A course of 4-6 treatments is recommended.",
                &stems
            ),
            1.0
        );
        assert_eq!(
            evidence(Intent::Count, "It helps 4 people out of 5.", &stems),
            0.0
        );
        assert_eq!(
            evidence(Intent::Duration, "There is usually no downtime.", &stems),
            1.0
        );
        assert_eq!(
            evidence(
                Intent::Duration,
                "Redness fades within 24-48 hours.",
                &stems
            ),
            1.0
        );
        assert_eq!(
            evidence(Intent::Cost, "Prices start at £150 per session.", &stems),
            1.0
        );
        assert_eq!(
            evidence(
                Intent::Cost,
                "Ask about the cost at your consultation.",
                &stems
            ),
            0.0
        );
    }
}
