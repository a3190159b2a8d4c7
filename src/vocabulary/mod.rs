//! The words messages and sentences are read with, as data: stop words, small talk, what each
//! intent's questions say and its headings hold, the words that show a sentence answers an
//! intent, and the words that frame a heading. `vocabulary.toml` is the built-in copy; a
//! clinic adds to it with a file of the same shape, checked at start (a bad entry is an error
//! with its file and line). How the words are combined stays in code, with the answer engine.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::LazyLock;

use serde::Deserialize;
use toml::Spanned;

use crate::text::{self, FastMap, FastSet};

/// The built-in vocabulary, compiled in.
pub const BUILT_IN: &str = include_str!("vocabulary.toml");
/// Everyday English words (SCOWL's common levels; its licence is in the file's header).
const ENGLISH: &str = include_str!("english.txt");

/// The kinds of thing a clinic's articles are about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Domain {
    Treatment,
    Area,
    Condition,
    Symptom,
    Medicine,
    /// The clinic's business: vouchers, parking, finance.
    Service,
    /// Who a treatment or an article is for: men, teenagers, darker skin.
    Audience,
}

/// What a visitor asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Intent {
    Cost,
    Logistics,
    Count,
    Interval,
    Timing,
    Duration,
    SessionLength,
    Longevity,
    Onset,
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
    pub const COUNT: usize = 19;
    pub const ALL: [Intent; Intent::COUNT] = [
        Intent::Cost,
        Intent::Logistics,
        Intent::Count,
        Intent::Interval,
        Intent::Timing,
        Intent::Duration,
        Intent::SessionLength,
        Intent::Longevity,
        Intent::Onset,
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

    /// Its name in the vocabulary file.
    pub fn name(self) -> &'static str {
        match self {
            Intent::Cost => "cost",
            Intent::Logistics => "logistics",
            Intent::Count => "count",
            Intent::Interval => "interval",
            Intent::Timing => "timing",
            Intent::Duration => "duration",
            Intent::SessionLength => "session_length",
            Intent::Longevity => "longevity",
            Intent::Onset => "onset",
            Intent::Pain => "pain",
            Intent::SideEffects => "side_effects",
            Intent::Preparation => "preparation",
            Intent::Aftercare => "aftercare",
            Intent::Comparison => "comparison",
            Intent::Suitability => "suitability",
            Intent::Areas => "areas",
            Intent::HowItWorks => "how_it_works",
            Intent::Results => "results",
            Intent::Definition => "definition",
        }
    }

    fn named(name: &str) -> Option<Intent> {
        Intent::ALL.into_iter().find(|i| i.name() == name)
    }
}

type Words = Vec<Spanned<String>>;

/// The file as written: every list optional, so that a clinic's file holds only what it adds.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct File {
    stop_words: Words,
    small_talk: SmallTalkFile,
    clinic_facts: ClinicFactsFile,
    framing: FramingFile,
    intents: BTreeMap<Spanned<String>, IntentFile>,
    evidence: EvidenceFile,
    domain: DomainFile,
    chatter: ChatterFile,
    shorthand: BTreeMap<Spanned<String>, Spanned<String>>,
}

/// The kinds of thing a clinic's articles are about.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct DomainFile {
    treatments: Words,
    areas: Words,
    conditions: Words,
    symptoms: Words,
    medicines: Words,
    services: Words,
    audiences: Words,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct ChatterFile {
    words: Words,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct SmallTalkFile {
    greetings: Words,
    thanks: Words,
    goodbyes: Words,
    filler: Words,
    person: Words,
}

/// Words that ask for one of the clinic's own facts (`clinic.toml`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct ClinicFactsFile {
    hours: Words,
    location: Words,
    parking: Words,
    travel: Words,
    booking: Words,
    consultation: Words,
    accessibility: Words,
    offer: Words,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct FramingFile {
    heading_words: Words,
    suggestion: Option<Spanned<String>>,
    several_answers: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct IntentFile {
    cues: Words,
    heading: Words,
    suggestion: Option<Spanned<String>>,
    refines: Words,
}

/// Generates the evidence lists, their file form and the merge of one into the other.
macro_rules! evidence_lists {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {
        #[derive(Debug, Default, Deserialize)]
        #[serde(deny_unknown_fields, default)]
        struct EvidenceFile {
            $($name: Words,)*
        }

        /// The words that show a sentence answers an intent, by list.
        #[derive(Debug, Default)]
        pub struct Evidence {
            $($(#[$doc])* pub $name: Vec<String>,)*
        }

        impl Evidence {
            fn add(&mut self, source: &str, file: EvidenceFile) -> Result<(), VocabularyError> {
                $(self.$name.extend(entries(source, file.$name, Shape::Words)?);)*
                Ok(())
            }
        }
    };
}

evidence_lists! {
    /// Words that ask what to do or not to do: what is asked, not what it is about.
    asking,
    /// What a count of sessions counts.
    session,
    time_units,
    pain,
    safety,
    named_effects,
    suitability,
    preparation,
    aftercare,
    advice,
    /// Phrases of a question that asks what the visitor must do ("have to", "need to").
    obliged,
    comparison,
    body_parts,
    results,
    work,
    duration_phrases,
    aftercare_named,
    session_time_units,
    session_time_verbs,
    long_time_units,
    longevity,
    not_lasting,
    lasting_phrases,
    onset,
    spacing,
    several,
    rough_amounts,
    quick,
    preparation_vague,
    defining,
    defining_after,
    defining_actions,
    not_pain,
    contact_phrases,
    clock,
    currency,
    numbers,
    weekdays,
    /// Words that say an effect is expected and passes: a sentence naming the visitor's
    /// effect with one of them answers "is that normal?".
    reassuring,
    /// Words of a statement about most people rather than a kind of case ("Most tattoos
    /// need…", "generally"): the answer when the visitor names no kind.
    general,
    /// Occasions a visitor plans treatment around ("wedding", "holiday").
    events,
    /// Plurals a number goes with that are not things counted ("1,000 times", "50 percent").
    not_counted,
}

/// Greetings, thanks and goodbyes, and the words that may come with them.
#[derive(Debug, Default)]
pub struct SmallTalkWords {
    pub greetings: Vec<String>,
    pub thanks: Vec<String>,
    pub goodbyes: Vec<String>,
    pub filler: Vec<String>,
    /// Phrases that ask for a person rather than the articles.
    pub person: Vec<String>,
}

/// Phrases that ask for one of the clinic's own facts: its hours, where it is, parking,
/// getting there, booking, how a consultation works, access; and "do you do …".
#[derive(Debug, Default)]
pub struct ClinicFactsWords {
    pub hours: Vec<String>,
    pub location: Vec<String>,
    pub parking: Vec<String>,
    pub travel: Vec<String>,
    pub booking: Vec<String>,
    pub consultation: Vec<String>,
    pub accessibility: Vec<String>,
    /// Openings of a question whether the clinic offers a treatment ("do you do").
    pub offer: Vec<String>,
}

/// One intent's words.
#[derive(Debug, Default, Clone)]
pub struct IntentWords {
    /// Words and phrases of a question that ask it.
    pub cues: Vec<String>,
    /// Parts of a section heading that say the section is about it.
    pub heading: Vec<String>,
    /// A question to offer about a topic, with `{topic}` where the topic goes.
    pub suggestion: Option<String>,
    /// Words that make a "how long" question ask this rather than how long recovery takes
    /// ("take" for a session's length), as stems.
    pub refines: Vec<String>,
}

/// The cue phrases, stemmed once, for reading a question in one pass over its stems.
#[derive(Debug, Default)]
pub struct Cues {
    /// Each cue phrase's intent and stems.
    pub phrases: Vec<(Intent, Vec<String>)>,
    /// Phrases by their first stem.
    by_first: FastMap<String, Vec<usize>>,
    /// Single-stem cues: words that say what is asked rather than what it is about.
    pub single: FastSet<String>,
    /// Stems of the occasions visitors plan around ("wed" of "wedding").
    pub events: FastSet<String>,
}

impl Cues {
    /// Every place a cue phrase stands in `stems`: (the phrase's number, where it starts).
    pub fn occurrences<'a>(
        &'a self,
        stems: &'a [String],
    ) -> impl Iterator<Item = (usize, usize)> + 'a {
        stems.iter().enumerate().flat_map(move |(start, stem)| {
            let phrases = self.by_first.get(stem).map_or(&[][..], Vec::as_slice);
            phrases
                .iter()
                .filter(move |&&p| stems[start..].starts_with(&self.phrases[p].1))
                .map(move |&p| (p, start))
        })
    }
}

/// The vocabulary, checked and ready.
#[derive(Debug, Default)]
pub struct Vocabulary {
    /// In the file's order: the speller knows them as words.
    pub stop_words: Vec<String>,
    stops: FastSet<String>,
    pub small_talk: SmallTalkWords,
    pub clinic_facts: ClinicFactsWords,
    /// Words of a heading that frame its topic rather than name it.
    pub framing: Vec<String>,
    /// The question offered about a topic when its intent has no suggestion of its own.
    pub suggestion: String,
    /// What introduces an answer of one line per treatment or area.
    pub several_answers: String,
    /// By [`Intent::index`].
    pub intents: [IntentWords; Intent::COUNT],
    pub evidence: Evidence,
    pub cues: Cues,
    /// Every domain term, as written, with its kind.
    domain_terms: Vec<(Domain, String)>,
    /// The stems of the one-word domain terms.
    domain_words: FastMap<String, Domain>,
    /// The multi-word domain terms, as stems, by their first stem.
    domain_phrases: FastMap<String, Vec<(Domain, Vec<String>)>>,
    chatter: FastSet<String>,
    /// Words as visitors type them on a phone, with what they stand for, word by word
    /// ("u" -> "you", "whats" -> "what s", as "what's" reads).
    shorthand: FastMap<String, Vec<String>>,
}

/// A bad entry or file, with the line it stands on.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct VocabularyError {
    pub line: usize,
    pub message: String,
}

/// Whether some everyday word is one edit from `word` (ASCII letters only: the list's own).
fn one_letter_from_everyday(word: &str) -> bool {
    if !word.bytes().all(|b| b.is_ascii_lowercase()) {
        return false;
    }
    let bytes = word.as_bytes();
    let mut candidate: Vec<u8> = Vec::with_capacity(bytes.len() + 1);
    let mut known = |make: &dyn Fn(&mut Vec<u8>)| {
        candidate.clear();
        make(&mut candidate);
        std::str::from_utf8(&candidate).is_ok_and(|c| EVERYDAY.contains(c))
    };
    let n = bytes.len();
    (0..n).any(|i| {
        known(&|c| {
            c.extend_from_slice(&bytes[..i]);
            c.extend_from_slice(&bytes[i + 1..]);
        })
    }) || (0..n.saturating_sub(1)).any(|i| {
        known(&|c| {
            c.extend_from_slice(bytes);
            c.swap(i, i + 1);
        })
    }) || (0..n).any(|i| {
        (b'a'..=b'z').filter(|l| *l != bytes[i]).any(|l| {
            known(&|c| {
                c.extend_from_slice(bytes);
                c[i] = l;
            })
        })
    }) || (0..=n).any(|i| {
        (b'a'..=b'z').any(|l| {
            known(&|c| {
                c.extend_from_slice(&bytes[..i]);
                c.push(l);
                c.extend_from_slice(&bytes[i..]);
            })
        })
    })
}

static EVERYDAY: LazyLock<FastSet<&'static str>> = LazyLock::new(|| {
    ENGLISH
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect()
});

static BUILT: LazyLock<Vocabulary> =
    LazyLock::new(|| Vocabulary::parse(BUILT_IN, None).expect("the built-in vocabulary is valid"));

impl Vocabulary {
    /// The built-in vocabulary.
    pub fn built_in() -> &'static Vocabulary {
        &BUILT
    }

    /// The built-in vocabulary and, when `path` is given, the clinic's additions from it.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Vocabulary> {
        let Some(path) = path else {
            return Ok(Vocabulary::parse(BUILT_IN, None)?);
        };
        let added = std::fs::read_to_string(path)
            .map_err(|err| anyhow::anyhow!("cannot read {}: {err}", path.display()))?;
        Vocabulary::parse(BUILT_IN, Some(&added))
            .map_err(|err| anyhow::anyhow!("{}: {err}", path.display()))
    }

    /// The built-in file `base` with a clinic's `added` one.
    pub fn parse(base: &str, added: Option<&str>) -> Result<Vocabulary, VocabularyError> {
        let mut vocabulary = Vocabulary::default();
        vocabulary.add(base).map_err(|err| VocabularyError {
            message: format!("in the built-in vocabulary: {}", err.message),
            ..err
        })?;
        if let Some(added) = added {
            vocabulary.add(added)?;
        }
        vocabulary.stops = vocabulary.stop_words.iter().cloned().collect();
        vocabulary.cues = vocabulary.compile_cues();
        vocabulary.compile_domain();
        Ok(vocabulary)
    }

    /// Whether `word` carries no topic in a question.
    pub fn is_stop_word(&self, word: &str) -> bool {
        self.stops.contains(word)
    }

    /// Whether `word` is chat ("lol", "rn") rather than anything asked about.
    pub fn is_chatter(&self, word: &str) -> bool {
        self.chatter.contains(word)
    }

    /// What a visitor's shorthand word stands for ("u": "you"), if it is one.
    pub fn shorthand(&self, word: &str) -> Option<&[String]> {
        self.shorthand.get(word).map(Vec::as_slice)
    }

    /// Whether any of `stems` is a one-word cue: it says what is asked ("sessions", "avoid").
    pub fn cues_any(&self, stems: &[String]) -> bool {
        stems.iter().any(|s| self.cues.single.contains(s))
    }

    /// Whether `word` is an everyday English word.
    pub fn is_everyday(word: &str) -> bool {
        EVERYDAY.contains(word)
    }

    /// Whether `word` is an everyday English word or, long enough for it to tell, one letter
    /// away from one (missing, extra, changed, or two swapped: "storys", "recieve"). For a
    /// word spelling correction left as it was.
    pub fn is_near_everyday(word: &str) -> bool {
        EVERYDAY.contains(word) || (word.chars().count() >= 5 && one_letter_from_everyday(word))
    }

    /// What kind of domain term each of `stems` stands for, if any: a one-word term, or a
    /// word of a multi-word term found whole (which wins).
    pub fn domain_positions(&self, stems: &[String]) -> Vec<Option<Domain>> {
        let mut found: Vec<Option<Domain>> = stems
            .iter()
            .map(|s| self.domain_words.get(s).copied())
            .collect();
        for (start, stem) in stems.iter().enumerate() {
            let Some(phrases) = self.domain_phrases.get(stem) else {
                continue;
            };
            for (kind, phrase) in phrases {
                if stems[start..].starts_with(phrase) {
                    found[start..start + phrase.len()].fill(Some(*kind));
                }
            }
        }
        found
    }

    /// One intent's words.
    pub fn intent(&self, intent: Intent) -> &IntentWords {
        &self.intents[intent.index()]
    }

    fn add(&mut self, source: &str) -> Result<(), VocabularyError> {
        let file: File = toml::from_str(source).map_err(|err| VocabularyError {
            line: err.span().map_or(0, |s| line_of(source, s.start)),
            message: err.message().to_string(),
        })?;
        self.stop_words
            .extend(entries(source, file.stop_words, Shape::Words)?);
        let talk = &mut self.small_talk;
        let small = file.small_talk;
        talk.greetings
            .extend(entries(source, small.greetings, Shape::Words)?);
        talk.thanks
            .extend(entries(source, small.thanks, Shape::Words)?);
        talk.goodbyes
            .extend(entries(source, small.goodbyes, Shape::Words)?);
        talk.filler
            .extend(entries(source, small.filler, Shape::Words)?);
        talk.person
            .extend(entries(source, small.person, Shape::Words)?);
        let facts = &mut self.clinic_facts;
        let file_facts = file.clinic_facts;
        for (list, words) in [
            (&mut facts.hours, file_facts.hours),
            (&mut facts.location, file_facts.location),
            (&mut facts.parking, file_facts.parking),
            (&mut facts.travel, file_facts.travel),
            (&mut facts.booking, file_facts.booking),
            (&mut facts.consultation, file_facts.consultation),
            (&mut facts.accessibility, file_facts.accessibility),
            (&mut facts.offer, file_facts.offer),
        ] {
            list.extend(entries(source, words, Shape::Words)?);
        }
        self.framing
            .extend(entries(source, file.framing.heading_words, Shape::Words)?);
        if let Some(suggestion) = file.framing.suggestion {
            self.suggestion = template(source, suggestion)?;
        }
        if let Some(intro) = file.framing.several_answers {
            self.several_answers = intro.into_inner();
        }
        for (name, words) in file.intents {
            let intent = Intent::named(name.get_ref()).ok_or_else(|| {
                let known: Vec<&str> = Intent::ALL.iter().map(|i| i.name()).collect();
                at(
                    source,
                    name.span().start,
                    format!(
                        "no intent is called {:?}; the intents are {}",
                        name.get_ref(),
                        known.join(", ")
                    ),
                )
            })?;
            let into = &mut self.intents[intent.index()];
            into.cues.extend(entries(source, words.cues, Shape::Words)?);
            into.heading
                .extend(entries(source, words.heading, Shape::HeadingPart)?);
            let mut analyzer = text::stemmed_analyzer();
            for word in entries(source, words.refines, Shape::Words)? {
                into.refines.extend(text::terms(&mut analyzer, &word));
            }
            if let Some(suggestion) = words.suggestion {
                into.suggestion = Some(template(source, suggestion)?);
            }
        }
        let domain = file.domain;
        for (kind, list) in [
            (Domain::Treatment, domain.treatments),
            (Domain::Area, domain.areas),
            (Domain::Condition, domain.conditions),
            (Domain::Symptom, domain.symptoms),
            (Domain::Medicine, domain.medicines),
            (Domain::Service, domain.services),
            (Domain::Audience, domain.audiences),
        ] {
            let terms = entries(source, list, Shape::Words)?;
            self.domain_terms
                .extend(terms.into_iter().map(|t| (kind, t)));
        }
        let chatter = entries(source, file.chatter.words, Shape::Words)?;
        self.chatter.extend(chatter);
        for (short, long) in file.shorthand {
            let key = short.get_ref();
            if text::words(key) != [key.clone()] {
                return Err(at(
                    source,
                    short.span().start,
                    format!("{key:?} is not one lowercase word as a visitor types it"),
                ));
            }
            let expansion = text::words(long.get_ref());
            if expansion.is_empty() {
                return Err(at(
                    source,
                    long.span().start,
                    format!("{key:?} stands for no words"),
                ));
            }
            self.shorthand.insert(key.clone(), expansion);
        }
        self.evidence.add(source, file.evidence)
    }

    fn compile_domain(&mut self) {
        let mut analyzer = text::stemmed_analyzer();
        for (kind, term) in &self.domain_terms {
            match text::terms(&mut analyzer, term).as_slice() {
                [] => {}
                // A stem of two kinds is the first listed: "peeling" is a symptom, but its
                // stem "peel" is first a treatment.
                [one] => {
                    self.domain_words.entry(one.clone()).or_insert(*kind);
                }
                many => self
                    .domain_phrases
                    .entry(many[0].clone())
                    .or_default()
                    .push((*kind, many.to_vec())),
            }
        }
    }

    fn compile_cues(&self) -> Cues {
        let mut analyzer = text::stemmed_analyzer();
        let mut cues = Cues::default();
        for intent in Intent::ALL {
            for cue in &self.intent(intent).cues {
                let stems = text::terms(&mut analyzer, cue);
                if stems.len() == 1 {
                    cues.single.insert(stems[0].clone());
                }
                cues.phrases.push((intent, stems));
            }
        }
        for word in self.evidence.session.iter().chain(&self.evidence.asking) {
            cues.single.extend(text::terms(&mut analyzer, word));
        }
        for word in self.evidence.events.iter().filter(|e| !e.contains(' ')) {
            let stems = text::terms(&mut analyzer, word);
            cues.single.extend(stems.iter().cloned());
            cues.events.extend(stems);
        }
        for (p, (_, stems)) in cues.phrases.iter().enumerate() {
            if let Some(first) = stems.first() {
                cues.by_first.entry(first.clone()).or_default().push(p);
            }
        }
        cues
    }
}

/// What an entry may hold.
#[derive(Clone, Copy)]
enum Shape {
    /// Lowercase words (letters, digits, apostrophes, hyphens) with single spaces between;
    /// or one sign that is not a letter (a currency sign).
    Words,
    /// Part of a heading, matched anywhere in it: may start with a space (" vs").
    HeadingPart,
}

fn entries(source: &str, words: Words, shape: Shape) -> Result<Vec<String>, VocabularyError> {
    words
        .into_iter()
        .map(|word| {
            let text = word.get_ref();
            let body = match shape {
                Shape::Words => text.as_str(),
                Shape::HeadingPart => text.strip_prefix(' ').unwrap_or(text),
            };
            let sign = body.chars().count() == 1 && !body.chars().all(char::is_alphanumeric);
            let wordy = !body.is_empty()
                && body.split(' ').all(|w| {
                    !w.is_empty()
                        && w.chars().all(|c| {
                            c.is_lowercase() || c.is_ascii_digit() || matches!(c, '\'' | '-')
                        })
                });
            if sign || wordy {
                Ok(word.into_inner())
            } else {
                Err(at(
                    source,
                    word.span().start,
                    format!(
                        "{text:?} is not lowercase words with single spaces between (or one sign)"
                    ),
                ))
            }
        })
        .collect()
}

/// A suggestion: a question with `{topic}` where the topic goes.
fn template(source: &str, suggestion: Spanned<String>) -> Result<String, VocabularyError> {
    if suggestion.get_ref().contains("{topic}") {
        Ok(suggestion.into_inner())
    } else {
        Err(at(
            source,
            suggestion.span().start,
            "a suggestion needs {topic} where the topic goes",
        ))
    }
}

fn at(source: &str, offset: usize, message: impl Into<String>) -> VocabularyError {
    VocabularyError {
        line: line_of(source, offset),
        message: message.into(),
    }
}

fn line_of(source: &str, offset: usize) -> usize {
    source[..offset.min(source.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_vocabulary_is_valid_and_has_every_intents_cues() {
        let vocabulary = Vocabulary::built_in();
        for intent in Intent::ALL {
            assert!(!vocabulary.intent(intent).cues.is_empty(), "{intent:?}");
        }
        assert!(vocabulary.is_stop_word("the") && !vocabulary.is_stop_word("not"));
        assert!(vocabulary.cues.single.contains("session"));
    }

    #[test]
    fn everyday_words_and_their_near_misses_are_told_from_domain_terms() {
        assert!(Vocabulary::is_everyday("wedding") && Vocabulary::is_everyday("tuesday"));
        assert!(!Vocabulary::is_everyday("microneedling"));
        // One letter out, in a word long enough to tell.
        assert!(Vocabulary::is_near_everyday("weddng") && Vocabulary::is_near_everyday("freind"));
        assert!(!Vocabulary::is_near_everyday("sclerotherapy"));
        assert!(!Vocabulary::is_near_everyday("xq"));
        let vocabulary = Vocabulary::built_in();
        let stems = crate::text::stems("laser hair removal on my thighs");
        let kinds = vocabulary.domain_positions(&stems);
        assert_eq!(kinds[0], Some(Domain::Treatment));
        assert_eq!(
            kinds[1],
            Some(Domain::Treatment),
            "a word of a treatment's phrase"
        );
        assert_eq!(kinds.last().copied().flatten(), Some(Domain::Area));
        assert!(vocabulary.is_chatter("lol") && !vocabulary.is_chatter("laser"));
    }

    #[test]
    fn a_clinics_file_adds_to_the_built_in_lists() {
        let added = "stop_words = [\"hun\"]\n[intents.cost]\ncues = [\"how dear\"]\n\
                     [evidence]\nbody_parts = [\"earlobe\"]\n";
        let vocabulary = Vocabulary::parse(BUILT_IN, Some(added)).unwrap();
        assert!(vocabulary.is_stop_word("hun") && vocabulary.is_stop_word("the"));
        let cost = &vocabulary.intent(Intent::Cost).cues;
        assert!(cost.contains(&"how dear".to_string()) && cost.contains(&"price".to_string()));
        assert!(
            vocabulary
                .evidence
                .body_parts
                .contains(&"earlobe".to_string())
        );
        let stems: Vec<String> = ["how", "dear"].map(String::from).to_vec();
        assert_eq!(vocabulary.cues.occurrences(&stems).count(), 1);
    }

    #[test]
    fn a_bad_entry_is_refused_with_its_line() {
        let cases = [
            (
                "stop_words = [\"ok\",\n  \"Two  Spaces\"]\n",
                2,
                "lowercase words",
            ),
            (
                "\n\n[intents.pricing]\ncues = [\"how much\"]\n",
                3,
                "no intent is called",
            ),
            (
                "[intents.pain]\nsuggestion = \"Does it hurt?\"\n",
                2,
                "{topic}",
            ),
            ("[evidence]\nbody_part = [\"ear\"]\n", 2, "unknown field"),
            ("[small_talk]\nthanks = [\"\"]\n", 2, "lowercase words"),
        ];
        for (added, line, says) in cases {
            let err = Vocabulary::parse(BUILT_IN, Some(added)).unwrap_err();
            assert_eq!(err.line, line, "{added}: {err}");
            assert!(err.to_string().contains(says), "{added}: {err}");
        }
    }
}
