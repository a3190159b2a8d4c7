//! Question -> answer. The flow: [`Question`] (validated text) -> safety checks (urgent, small
//! talk) -> [`analysis`] (typos, stems, intents, lexicon concepts) -> conversation context ->
//! retrieval from the index -> [`choose`] (the sentences that answer) -> [`Reply`]. No HTTP types.

pub mod analysis;
pub mod choose;
pub mod context;
mod facts;
pub mod intent;
pub mod lexicon;
pub mod passages;
pub mod question;
mod reading;
mod reply;
mod scope;
mod score;
mod small_talk;
pub mod spell;

use std::sync::Arc;
use std::time::Duration;

use tantivy::DocAddress;

use crate::index::{Generation, IndexHandle, Prepared};
use crate::record::ConversationId;
use crate::search::Floor;
use crate::text;
pub use crate::urgent::{Severity, Signs};
use crate::vocabulary::Vocabulary;
use analysis::{Analysis, Analyzer, Form};
use choose::{Candidate, Choice};
use context::{Memory, Turn};
use intent::Intent;
pub use lexicon::Lexicon;
use passages::PassageCache;
pub use question::{Question, QuestionError};
pub use reply::{Contact, Kind, Reply, Settings, Source};
use scope::{Scope, Titles};
use spell::Speller;

/// Passages retrieved per question before sentence choice.
const CANDIDATES: usize = 24;
/// With the answer kept to some articles, this many times as many passages are searched.
const SCOPED_SEARCH: usize = 4;
/// Articles in scope holding this many passages in all at most are read whole.
const READ_WHOLE: usize = 160;
const CONVERSATIONS: usize = 10_000;
const CONVERSATION_TTL: Duration = Duration::from_secs(30 * 60);

/// What answering needs from one index generation, prepared once where the generation is
/// built or opened: an immutable snapshot, swapped whole on a reindex.
pub struct Knowledge {
    generation: Arc<Generation>,
    lexicon: Arc<Lexicon>,
    vocabulary: Arc<Vocabulary>,
    speller: Speller,
    starters: Vec<String>,
    passages: PassageCache,
    /// The search's statistics, and the postings of the lexicon's phrases.
    floor: Floor,
    /// The articles' titles: which treatment each is about.
    titles: Titles,
}

impl Prepared for Knowledge {
    fn generation(&self) -> &Arc<Generation> {
        &self.generation
    }
}

/// The index and, for each of its generations, what answering needs.
pub type Library = IndexHandle<Knowledge>;

pub struct Answerer {
    index: Arc<Library>,
    signs: Signs,
    settings: Settings,
    memory: Memory,
}

impl Answerer {
    pub fn new(index: Arc<Library>, signs: Signs, settings: Settings) -> Answerer {
        Answerer {
            index,
            signs,
            settings,
            memory: Memory::new(CONVERSATIONS, CONVERSATION_TTL),
        }
    }

    pub fn index(&self) -> &Arc<Library> {
        &self.index
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Questions to offer before the visitor has asked anything.
    pub fn starters(&self) -> Vec<String> {
        self.knowledge().starters.clone()
    }

    /// Erases what the service remembers of a conversation.
    pub fn forget(&self, conversation: &str) -> bool {
        self.memory.forget(conversation)
    }

    /// The snapshot of the index generation now current.
    fn knowledge(&self) -> Arc<Knowledge> {
        self.index.current()
    }

    /// Answers one message, read in the light of the conversation's earlier turns.
    pub fn answer(&self, question: &Question, conversation: Option<ConversationId>) -> Reply {
        let conversation_id = conversation.unwrap_or_else(ConversationId::fresh);
        // Read before anything else, over the whole message: a sign may come last in a long one.
        let sign = self.signs.assess(question.as_str());
        if let Some(sign) = sign.filter(|s| s.severity.is_urgent()) {
            return reply::urgent(&self.settings, sign.severity, conversation_id);
        }
        let words = text::words(question.as_str());
        let knowledge = self.knowledge();
        if let Some(talk) = small_talk::small_talk(&knowledge.vocabulary, question.as_str(), &words)
        {
            return reply::small_talk(
                talk,
                &self.settings,
                knowledge.starters.clone(),
                conversation_id,
            );
        }
        let searcher = knowledge.generation.searcher();
        let previous = self.memory.last(conversation_id.as_str());
        let (analysis, scope) = self.read(&knowledge, question.as_str(), &words, previous.as_ref());
        let reading = reading::of(&analysis);
        if let Some(clinic) = &self.settings.clinic {
            let now = jiff::Timestamp::now();
            let contact = &self.settings.contact;
            if let Some((text, sources)) =
                facts::answer(clinic, contact, &knowledge.vocabulary, &analysis, now)
            {
                return reply::from_clinic_facts(
                    text,
                    sources,
                    knowledge.starters.clone(),
                    conversation_id,
                )
                .read_as(reading);
            }
        }
        if scope == Scope::Uncovered {
            return reply::fallback(&self.settings, knowledge.starters.clone(), conversation_id)
                .read_as(reading);
        }
        let candidates = match retrieve(&knowledge, &searcher, &analysis, &scope) {
            Ok(candidates) => candidates,
            Err(err) => {
                tracing::error!("search failed: {err}");
                Vec::new()
            }
        };
        let interner = &knowledge.passages.interner;
        let mut apart = false;
        let choice = if analysis.concepts.is_empty() {
            Choice::NotFound
        } else if let Some(both) = two_questions(&knowledge.vocabulary, &analysis, question)
            .and_then(|parts| answer_each(&analysis, parts, &candidates, interner))
        {
            apart = true;
            Choice::Lines(both)
        } else {
            choose::choose(&analysis, &candidates, interner)
        };
        match choice {
            Choice::Lines(lines) => {
                self.memory
                    .remember(conversation_id.as_str(), Turn::of(&analysis, scope));
                let mut answer = reply::answer(
                    &analysis,
                    reply::Lines {
                        lines: &lines,
                        apart,
                    },
                    &candidates,
                    &knowledge.generation,
                    &knowledge.vocabulary,
                    conversation_id,
                );
                match sign {
                    Some(sign) => reply::add_reason_to_call(&mut answer, sign, &self.settings),
                    // Booking helps after an answer about a treatment, not beside advice on
                    // what the visitor feels after one.
                    None => {
                        let url = self.settings.contact.booking_url.trim();
                        answer.booking_url = (!url.is_empty()).then(|| url.to_string());
                    }
                }
                answer.read_as(reading)
            }
            Choice::NotFound => {
                reply::fallback(&self.settings, knowledge.starters.clone(), conversation_id)
                    .read_as(reading)
            }
        }
    }

    /// What a message asks and about what, completed from the turn before it, and the
    /// articles in scope.
    fn read(
        &self,
        knowledge: &Knowledge,
        text: &str,
        words: &[String],
        previous: Option<&Turn>,
    ) -> (Analysis, Scope) {
        let mut analysis = self.with_analyzer(knowledge, |analyzer| {
            let asking = text::asking(text);
            let mut analysis = analyzer.analyze_asking(words, asking.as_deref());
            if let Some(previous) = previous {
                previous.complete(&mut analysis, |words| {
                    analyzer.analyze(&text::words(words)).concepts
                });
            }
            analysis
        });
        let earlier = previous.map(|p| &p.scope);
        let scope = scope::scope(&mut analysis, &knowledge.titles, earlier);
        (analysis, scope)
    }

    /// Runs `read` with an analyzer over this generation's vocabulary and frequencies.
    fn with_analyzer<T>(&self, knowledge: &Knowledge, read: impl FnOnce(&Analyzer) -> T) -> T {
        read(&Analyzer {
            vocabulary: &knowledge.vocabulary,
            lexicon: &knowledge.lexicon,
            speller: &knowledge.speller,
            frequencies: knowledge.floor.statistics(),
        })
    }

    /// How a question was read, for staff: corrected words, intents, concepts with weights,
    /// the articles in scope, and the sentences that weighed most.
    /// Within a conversation, the question is read as its follow-up.
    pub fn explain(&self, text: &str, conversation: Option<&ConversationId>) -> String {
        let knowledge = self.knowledge();
        let previous = conversation.and_then(|c| self.memory.last(c.as_str()));
        let (analysis, scope) = self.read(&knowledge, text, &text::words(text), previous.as_ref());
        let mut out = format!(
            "words: {}\nintents: {:?}\n",
            analysis.words.join(" "),
            analysis.intents
        );
        for c in &analysis.concepts {
            let forms: Vec<String> = c.forms.iter().map(|f| f.stems.join(" ")).collect();
            let role = match (c.cue, c.context, c.scoped) {
                (true, _, _) => "cue",
                (false, true, _) => "context",
                (false, false, true) => "treatment",
                (false, false, false) => "topic",
            };
            out.push_str(&format!(
                "{role} {:?} weight {:.2}: {}\n",
                c.label,
                c.weight,
                forms.join(" | ")
            ));
        }
        out.push_str(&format!("scope: {scope:?}\n"));
        let searcher = knowledge.generation.searcher();
        if let Ok(candidates) = retrieve(&knowledge, &searcher, &analysis, &scope) {
            let interner = &knowledge.passages.interner;
            out.push_str(&format!("{} passages read\n", candidates.len()));
            // CLINIC_CHAT_EXPLAIN_DEPTH shows more of the ranking when a choice puzzles.
            let depth = std::env::var("CLINIC_CHAT_EXPLAIN_DEPTH")
                .ok()
                .and_then(|d| d.parse().ok())
                .unwrap_or(6);
            for (score, near, evidence, coverage, text) in
                choose::ranked(&analysis, &candidates, interner, depth)
            {
                out.push_str(&format!(
                    "{score:.3} (near {near:.2}, evidence {evidence:.2}, coverage {coverage:.2}) {text}\n"
                ));
            }
        }
        out
    }

    /// The ranked passages behind an answer, for staff.
    pub fn search(&self, text: &str, limit: usize) -> Vec<(f32, crate::index::StoredPassage)> {
        let knowledge = self.knowledge();
        let searcher = knowledge.generation.searcher();
        let analysis = self.with_analyzer(&knowledge, |a| a.analyze(&text::words(text)));
        let generation = &knowledge.generation;
        top_addresses(&knowledge, &searcher, &analysis, limit)
            .and_then(|top| {
                top.into_iter()
                    .map(|(score, address)| Ok((score, generation.passage(&searcher, address)?)))
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Knowledge {
    /// Reads what answering needs from `generation`, with the clinic's lexicon.
    pub fn new(
        generation: Arc<Generation>,
        lexicon: Arc<Lexicon>,
        vocabulary: Arc<Vocabulary>,
    ) -> anyhow::Result<Knowledge> {
        let mut known: Vec<String> = lexicon.words().to_vec();
        known.extend(vocabulary.stop_words.iter().cloned());
        let speller = Speller::new(generation.terms(generation.fields.words)?, &known);
        let starters = reply::starters(&generation.manifest.articles);
        let titles = Titles::new(&generation.manifest.articles, &vocabulary);
        let floor = Floor::read(&generation, lexicon.phrases())?;
        Ok(Knowledge {
            generation,
            lexicon,
            speller,
            starters,
            passages: PassageCache::new(vocabulary.clone()),
            vocabulary,
            floor,
            titles,
        })
    }
}

/// A word of a treatment's article titles, searched as the visitor's own.
fn title_word(stem: &str) -> Form {
    Form {
        stems: lexicon::Phrase::from([stem.to_string()]),
        original: true,
        broad: false,
        doc_freq: 1,
    }
}

/// Intents a message's second question may ask apart from its first: each has its own fact.
fn answered_apart(intent: Intent) -> bool {
    !matches!(
        intent,
        Intent::Definition
            | Intent::HowItWorks
            | Intent::Areas
            | Intent::Results
            | Intent::Comparison
            | Intent::Logistics
    )
}

/// A message asking two things ("does it hurt and is there any downtime?", "does it hurt?
/// how long is the downtime?"): the intent of each part, and the words of each. The parts are
/// two questions each ending in a question mark, or they are joined by "and"/"also" followed
/// by a question's opening word.
fn two_questions(
    vocabulary: &Vocabulary,
    analysis: &Analysis,
    question: &Question,
) -> Option<[(Intent, String); 2]> {
    const JOINS: [&str; 3] = ["and", "also", "plus"];
    const OPENERS: [&str; 12] = [
        "is", "are", "do", "does", "how", "what", "when", "can", "will", "would", "should", "any",
    ];
    let message = question.as_str();
    let asked: Vec<String> = if message.matches('?').nth(1).is_none() {
        Vec::new()
    } else {
        message
            .split_inclusive('?')
            .filter(|s| s.trim_end().ends_with('?'))
            .map(|s| text::words(s).join(" "))
            .filter(|s| !s.is_empty())
            .collect()
    };
    let (first, second) = if let [first, second] = asked.as_slice() {
        (first.clone(), second.clone())
    } else {
        let words = &analysis.words;
        let at = (1..words.len().saturating_sub(1)).find(|&k| {
            JOINS.contains(&words[k].as_str()) && OPENERS.contains(&words[k + 1].as_str())
        })?;
        (words[..at].join(" "), words[at + 1..].join(" "))
    };
    let intent = |part: &str| {
        intent::detect(vocabulary, &text::stems(part))
            .first()
            .copied()
            .filter(|i| answered_apart(*i))
    };
    let (a, b) = (intent(&first)?, intent(&second)?);
    (a != b).then_some([(a, first), (b, second)])
}

/// One line for each of two questions, from the same passages: each part asks its intent
/// with the message's topics, and not the other part's cue words. `None` unless both are
/// answered, by different sentences.
fn answer_each(
    analysis: &Analysis,
    parts: [(Intent, String); 2],
    candidates: &[Candidate],
    interner: &passages::Interner,
) -> Option<Vec<choose::Line>> {
    let mut lines = Vec::with_capacity(2);
    for (intent, words) in &parts {
        let mut part = analysis.clone();
        part.intents = vec![*intent];
        part.concepts
            .retain(|c| !c.cue || c.label.split(' ').all(|w| words.split(' ').any(|x| x == w)));
        match choose::choose(&part, candidates, interner) {
            Choice::Lines(mut found) => lines.push(found.swap_remove(0)),
            Choice::NotFound => return None,
        }
    }
    let same = lines[0].candidate == lines[1].candidate && lines[0].sentences == lines[1].sentences;
    (!same).then_some(lines)
}

/// Every passage of the articles in scope, when they are short enough to read whole, with
/// its search score among `hits` (0 when the search did not find it): within a treatment's
/// own articles, the section that answers the intent need not repeat the words the search
/// ranks by. `None` when they are too long: then the search's best are read.
fn whole_articles(
    knowledge: &Knowledge,
    searcher: &tantivy::Searcher,
    articles: &[u32],
    hits: &[(f32, DocAddress)],
) -> tantivy::Result<Option<Vec<Candidate>>> {
    let generation = &knowledge.generation;
    let summaries = &generation.manifest.articles;
    let size: usize = articles
        .iter()
        .filter_map(|o| summaries.get(*o as usize))
        .map(|a| a.passages)
        .sum();
    if size > READ_WHOLE {
        return Ok(None);
    }
    let found: text::FastMap<DocAddress, f32> = hits.iter().map(|(s, a)| (*a, *s)).collect();
    let mut candidates = Vec::with_capacity(size);
    for ordinal in articles {
        for &address in generation
            .article_addresses(searcher, *ordinal as usize)?
            .iter()
        {
            let analysed = knowledge
                .passages
                .get_or_load(address, || generation.passage(searcher, address))?;
            if analysed.passage.text.is_empty() {
                continue;
            }
            let score = found.get(&address).copied().unwrap_or(0.0);
            candidates.push(Candidate { score, analysed });
        }
    }
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
    Ok(Some(candidates))
}

/// The best `limit` passages for the question's concepts, best first.
fn top_addresses(
    knowledge: &Knowledge,
    searcher: &tantivy::Searcher,
    analysis: &Analysis,
    limit: usize,
) -> tantivy::Result<Vec<(f32, DocAddress)>> {
    let named = analysis.concepts.iter().map(|c| &c.forms[..]);
    knowledge
        .floor
        .top(&knowledge.generation, searcher, named, limit)
}

/// The passages sentence choice reads: the best of the articles in scope.
fn retrieve(
    knowledge: &Knowledge,
    searcher: &tantivy::Searcher,
    analysis: &Analysis,
    scope: &Scope,
) -> tantivy::Result<Vec<Candidate>> {
    if analysis.concepts.is_empty() {
        return Ok(Vec::new());
    }
    let generation = &knowledge.generation;
    // Passages of other articles are searched past, so look further when the scope is narrow.
    let limit = match scope {
        Scope::Any => CANDIDATES,
        _ => CANDIDATES * SCOPED_SEARCH,
    };
    let hits = match scope {
        // The treatment's words in the titles find every passage of its articles, also those
        // that never repeat its name.
        Scope::Articles { title, .. } if scope.is_narrow() => {
            let titles: Vec<[Form; 1]> = title.iter().map(|s| [title_word(s)]).collect();
            let named = analysis
                .concepts
                .iter()
                .map(|c| &c.forms[..])
                .chain(titles.iter().map(|t| &t[..]));
            knowledge
                .floor
                .top(&knowledge.generation, searcher, named, limit)?
        }
        _ => top_addresses(knowledge, searcher, analysis, limit)?,
    };
    let whole = match scope {
        Scope::Articles { articles, .. } => whole_articles(knowledge, searcher, articles, &hits)?,
        _ => None,
    };
    if let Some(whole) = whole {
        return Ok(whole);
    }
    let mut candidates = Vec::with_capacity(CANDIDATES);
    for (score, address) in hits {
        if candidates.len() == CANDIDATES {
            break;
        }
        let analysed = knowledge
            .passages
            .get_or_load(address, || generation.passage(searcher, address))?;
        let ordinal = generation
            .article_ordinal(&analysed.passage.slug)
            .map(|o| o as u32);
        if !analysed.passage.text.is_empty() && scope.allows(ordinal) {
            candidates.push(Candidate { score, analysed });
        }
    }
    Ok(candidates)
}
