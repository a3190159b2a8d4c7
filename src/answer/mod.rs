//! Question -> answer. The flow: [`Question`] (validated text) -> safety checks (urgent, small
//! talk) -> [`analysis`] (typos, stems, intents, lexicon concepts) -> conversation context ->
//! retrieval from the index -> [`choose`] (the sentences that answer) -> [`Reply`]. No HTTP types.

pub mod analysis;
pub mod choose;
pub mod context;
pub mod intent;
pub mod lexicon;
pub mod passages;
mod postings;
pub mod question;
mod reply;
pub mod safety;
pub mod signs;
pub mod spell;
mod stats;
mod tally;

use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use tantivy::query::{Bm25Weight, BoostQuery, EnableScoring, PhraseQuery, Query};
use tantivy::schema::Field;
use tantivy::{DocAddress, Term};

use crate::index::{Generation, IndexHandle};
use analysis::{Analysis, Analyzer};
use choose::{Candidate, Choice};
use context::{Memory, Turn};
pub use lexicon::Lexicon;
use passages::PassageCache;
use postings::{ClausePostings, Postings};
pub use question::{Question, QuestionError};
pub use reply::{Contact, Kind, Reply, Source};
pub use signs::{Severity, Signs};
use spell::Speller;
use stats::Statistics;

/// Passages retrieved per question before sentence choice.
const CANDIDATES: usize = 24;
const CONVERSATIONS: usize = 10_000;
const CONVERSATION_TTL: Duration = Duration::from_secs(30 * 60);

/// The clinic's own words around answers: contact details and emergency advice.
#[derive(Debug, Clone)]
pub struct Settings {
    pub contact: Contact,
    pub emergency_number: String,
}

/// What answering needs from one index generation, built once per generation.
struct Knowledge {
    generation: Arc<Generation>,
    speller: Speller,
    starters: Vec<String>,
    passages: PassageCache,
    stats: Statistics,
    /// The lexicon's phrases, and on a small index every word.
    postings: Postings,
}

pub struct Answerer {
    index: Arc<IndexHandle>,
    lexicon: Lexicon,
    signs: Signs,
    settings: Settings,
    memory: Memory,
    knowledge: RwLock<Arc<Knowledge>>,
    refreshing: Mutex<()>,
}

impl Answerer {
    pub fn new(
        index: Arc<IndexHandle>,
        lexicon: Lexicon,
        signs: Signs,
        settings: Settings,
    ) -> anyhow::Result<Answerer> {
        let knowledge = Arc::new(Knowledge::new(index.current(), &lexicon)?);
        Ok(Answerer {
            index,
            lexicon,
            signs,
            settings,
            memory: Memory::new(CONVERSATIONS, CONVERSATION_TTL),
            knowledge: RwLock::new(knowledge),
            refreshing: Mutex::new(()),
        })
    }

    pub fn index(&self) -> &Arc<IndexHandle> {
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

    /// The knowledge for the index generation now current, rebuilt after a reindex.
    fn knowledge(&self) -> Arc<Knowledge> {
        let current = self.index.current();
        let knowledge = self
            .knowledge
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if Arc::ptr_eq(&knowledge.generation, &current) {
            return knowledge;
        }
        let _one = self.refreshing.lock().unwrap_or_else(|e| e.into_inner());
        match Knowledge::new(current, &self.lexicon) {
            Ok(fresh) => {
                let fresh = Arc::new(fresh);
                *self.knowledge.write().unwrap_or_else(|e| e.into_inner()) = fresh.clone();
                fresh
            }
            Err(err) => {
                tracing::warn!("could not read the new index's vocabulary: {err:#}");
                knowledge
            }
        }
    }

    /// Answers one message, read in the light of the conversation's earlier turns.
    pub fn answer(&self, question: &Question, conversation: Option<&str>) -> Reply {
        let conversation_id = conversation
            .filter(|c| valid_conversation_id(c))
            .map_or_else(new_conversation_id, str::to_string);
        // Read before anything else, over the whole message: a sign may come last in a long one.
        let sign = self.signs.assess(question.as_str());
        if let Some(sign) = sign.filter(|s| s.severity.is_urgent()) {
            return reply::urgent(&self.settings, sign.severity, conversation_id);
        }
        let words = question::words(question.as_str());
        let knowledge = self.knowledge();
        if let Some(talk) = safety::small_talk(&words) {
            return reply::small_talk(
                talk,
                &self.settings,
                knowledge.starters.clone(),
                conversation_id,
            );
        }
        let searcher = knowledge.generation.searcher();
        let previous = self.memory.last(&conversation_id);
        let analysis = self.with_analyzer(&knowledge, |analyzer| {
            let mut analysis = analyzer.analyze(&words);
            if let Some(previous) = previous {
                previous.complete(&mut analysis, |words| {
                    analyzer.analyze(&question::words(words)).concepts
                });
            }
            analysis
        });
        let candidates = match retrieve(&knowledge, &searcher, &analysis) {
            Ok(candidates) => candidates,
            Err(err) => {
                tracing::error!("search failed: {err}");
                Vec::new()
            }
        };
        let choice = if analysis.concepts.is_empty() {
            Choice::NotFound
        } else {
            choose::choose(&analysis, &candidates, &knowledge.passages.interner)
        };
        match choice {
            Choice::Lines(lines) => {
                self.memory.remember(&conversation_id, Turn::of(&analysis));
                let mut answer = reply::answer(
                    &analysis,
                    &lines,
                    &candidates,
                    &knowledge.generation,
                    conversation_id,
                );
                if let Some(sign) = sign {
                    reply::add_reason_to_call(&mut answer, sign, &self.settings);
                }
                answer
            }
            Choice::NotFound => {
                reply::fallback(&self.settings, knowledge.starters.clone(), conversation_id)
            }
        }
    }

    /// Runs `read` with an analyzer over this generation's vocabulary and frequencies.
    fn with_analyzer<T>(&self, knowledge: &Knowledge, read: impl FnOnce(&Analyzer) -> T) -> T {
        read(&Analyzer {
            lexicon: &self.lexicon,
            speller: &knowledge.speller,
            frequencies: &knowledge.stats,
        })
    }

    /// How a question was read, for staff: corrected words, intents, concepts with weights.
    pub fn explain(&self, text: &str) -> String {
        let knowledge = self.knowledge();
        let analysis = self.with_analyzer(&knowledge, |a| a.analyze(&question::words(text)));
        let mut out = format!(
            "words: {}\nintents: {:?}\n",
            analysis.words.join(" "),
            analysis.intents
        );
        for c in &analysis.concepts {
            let forms: Vec<String> = c.forms.iter().map(|f| f.stems.join(" ")).collect();
            let role = if c.cue { "cue" } else { "topic" };
            out.push_str(&format!(
                "{role} {:?} weight {:.2}: {}\n",
                c.label,
                c.weight,
                forms.join(" | ")
            ));
        }
        out
    }

    /// The ranked passages behind an answer, for staff.
    pub fn search(&self, text: &str, limit: usize) -> Vec<(f32, crate::index::StoredPassage)> {
        let knowledge = self.knowledge();
        let searcher = knowledge.generation.searcher();
        let analysis = self.with_analyzer(&knowledge, |a| a.analyze(&question::words(text)));
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
    fn new(generation: Arc<Generation>, lexicon: &Lexicon) -> anyhow::Result<Knowledge> {
        let mut known: Vec<String> = lexicon.words().to_vec();
        known.extend(analysis::STOP_WORDS.split_whitespace().map(str::to_string));
        let speller = Speller::new(generation.terms(generation.fields.words)?, &known);
        let starters = reply::starters(&generation.manifest.articles);
        let stats = Statistics::read(&generation)?;
        let f = &generation.fields;
        let postings = Postings::read(
            &generation.searcher(),
            &[f.body, f.heading, f.title],
            lexicon.phrases(),
            &stats,
            stats.docs() <= postings::SMALL_INDEX,
        )?;
        Ok(Knowledge {
            generation,
            speller,
            starters,
            passages: PassageCache::default(),
            stats,
            postings,
        })
    }
}

fn retrieve(
    knowledge: &Knowledge,
    searcher: &tantivy::Searcher,
    analysis: &Analysis,
) -> tantivy::Result<Vec<Candidate>> {
    if analysis.concepts.is_empty() {
        return Ok(Vec::new());
    }
    let generation = &knowledge.generation;
    let hits = top_addresses(knowledge, searcher, analysis, CANDIDATES)?;
    let mut candidates = Vec::with_capacity(hits.len());
    for (score, address) in hits {
        let analysed = knowledge
            .passages
            .get_or_load(address, || generation.passage(searcher, address))?;
        if !analysed.passage.text.is_empty() {
            candidates.push(Candidate { score, analysed });
        }
    }
    Ok(candidates)
}

/// Heading matches weigh this much more than body matches.
const HEADING_BOOST: f32 = 2.0;
const TITLE_BOOST: f32 = 0.5;
const ALTERNATIVE_BOOST: f32 = 0.7;

/// One clause of a question's search: one way of saying one concept, in one field, boosted.
struct Planned<'a> {
    field: Field,
    stems: &'a [String],
    boost: f32,
    /// Its postings, when they were read with the generation.
    postings: Option<&'a Arc<ClausePostings>>,
}

impl Planned<'_> {
    /// Its stems as terms of its field.
    fn terms(&self) -> Vec<Term> {
        self.stems
            .iter()
            .map(|s| Term::from_field_text(self.field, s))
            .collect()
    }
}

/// The best `limit` passages for the question's concepts, best first, ranked and scored as
/// tantivy's union of the clauses would rank and score them, a clause at a time ([`tally`]).
fn top_addresses(
    knowledge: &Knowledge,
    searcher: &tantivy::Searcher,
    analysis: &Analysis,
    limit: usize,
) -> tantivy::Result<Vec<(f32, DocAddress)>> {
    let planned = plan(knowledge, analysis);
    let parts = parts(knowledge, searcher, &planned)?;
    tally::top(searcher, &parts, limit)
}

/// The planned clauses as [`tally`] walks them, weighed as their queries would be.
fn parts<'a>(
    knowledge: &Knowledge,
    searcher: &tantivy::Searcher,
    planned: &[Planned<'a>],
) -> tantivy::Result<Vec<tally::Part<'a>>> {
    let stats = &knowledge.stats;
    planned
        .iter()
        .map(|p| {
            Ok(match p.postings {
                Some(postings) => tally::Part::Listed {
                    postings,
                    boost: p.boost,
                },
                None if p.stems.len() == 1 => {
                    let term = Term::from_field_text(p.field, &p.stems[0]);
                    let weight = Bm25Weight::for_terms(stats, std::slice::from_ref(&term))?
                        .boost_by(p.boost);
                    tally::Part::Word { term, weight }
                }
                None => {
                    let query = BoostQuery::new(Box::new(PhraseQuery::new(p.terms())), p.boost);
                    let scoring = EnableScoring::enabled_from_statistics_provider(stats, searcher);
                    tally::Part::Other(query.weight(scoring)?)
                }
            })
        })
        .collect()
}

/// The clauses of a question's search. Each way of saying each concept may match body,
/// heading or title. A clause for a field that lacks one of its stems could match nothing, and
/// one for a word that every passage's field holds (the title of a one-article corpus) tells
/// none apart: both are left out.
fn plan<'a>(knowledge: &'a Knowledge, analysis: &'a Analysis) -> Vec<Planned<'a>> {
    let stats = &knowledge.stats;
    let fields = &knowledge.generation.fields;
    // In a small corpus every clause is cheap; in a large one a word in a tenth of the
    // passages tells little and costs much.
    let common = (stats.docs() / 10).max(COMMON_FLOOR);
    let mut planned = Vec::new();
    for concept in &analysis.concepts {
        let unknown = concept.forms[0].doc_freq == 0;
        for form in concept
            .forms
            .iter()
            .filter(|f| retrieves(f, unknown, common))
        {
            let boost = if form.original {
                1.0
            } else {
                ALTERNATIVE_BOOST
            };
            for (field, field_boost) in [
                (fields.body, 1.0),
                (fields.heading, HEADING_BOOST),
                (fields.title, TITLE_BOOST),
            ] {
                // Titles match the visitor's own single words only.
                let title = field == fields.title;
                if title && (!form.original || form.stems.len() > 1) {
                    continue;
                }
                let held = |s: &String| stats.field_doc_freq(field, s);
                if form.stems.iter().any(|s| held(s) == 0)
                    || form.stems.iter().all(|s| held(s) >= stats.docs())
                {
                    continue;
                }
                let postings = knowledge.postings.clause(field, &form.stems);
                // A lexicon phrase no passage's field holds.
                if postings.is_some_and(|p| p.is_empty()) {
                    continue;
                }
                planned.push(Planned {
                    field,
                    stems: &form.stems,
                    boost: boost * field_boost,
                    postings,
                });
            }
        }
    }
    planned
}

/// Which ways of saying a concept go into the search (all of them still count when sentences
/// are scored): the visitor's own words; the lexicon's when they are rare enough to tell
/// passages apart; its phrases ("hair loss" for "balding") only when the visitor's word is
/// unknown to the corpus. Every clause costs time on a large corpus.
fn retrieves(form: &analysis::Form, unknown: bool, common: u64) -> bool {
    if form.original {
        return true;
    }
    let rare = form.doc_freq > 0 && form.doc_freq <= common;
    rare && (unknown || form.stems.len() == 1)
}

/// Below this many passages a lexicon word is never too common to search for.
const COMMON_FLOOR: u64 = 200;

fn valid_conversation_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn new_conversation_id() -> String {
    reply::new_id("c_")
}
