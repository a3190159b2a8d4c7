//! Sentence choice: from the retrieved passages, the sentence that answers the question's
//! concepts and intent, with its close neighbours; or one line per topic when different
//! sections hold different facts ("how many sessions?": 4-6 for cellulite, 6-8 for hair loss);
//! or nothing, when no passage covers what was asked. Pure over plain data: passages come
//! already analysed ([`Analysed`]), so choosing is lookups and arithmetic.

use std::sync::Arc;

use super::analysis::{Analysis, Concept};
use super::intent::Intent;
use super::passages::{Analysed, Interner, Sentence, Stems};
use crate::index::StoredPassage;

/// An answer is at most about this long.
pub const MAX_ANSWER_CHARS: usize = 400;
const MAX_SENTENCES: usize = 3;
const MAX_LINES: usize = 4;
/// Below this share of the question's weight found in the passage, the articles do not say.
const MIN_COVERAGE: f32 = 0.7;

/// One retrieved passage and its search score.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub score: f32,
    pub analysed: Arc<Analysed>,
}

impl Candidate {
    pub fn passage(&self) -> &StoredPassage {
        &self.analysed.passage
    }

    fn sentence(&self, index: usize) -> &Sentence {
        &self.analysed.sentences[index]
    }
}

/// What answers one topic: sentences from one passage, best first.
#[derive(Debug, Clone)]
pub struct Line {
    pub candidate: usize,
    pub sentences: Vec<String>,
    pub score: f32,
}

#[derive(Debug, Clone)]
pub enum Choice {
    /// One line, or one per topic when the topics' facts differ.
    Lines(Vec<Line>),
    NotFound,
}

struct Scored {
    candidate: usize,
    sentence: usize,
    score: f32,
    coverage: f32,
    topic: f32,
    /// Topic weight found in the passage or its heading, not just the article's title.
    local: f32,
    evidence: f32,
}

pub fn choose(analysis: &Analysis, candidates: &[Candidate], interner: &Interner) -> Choice {
    let total: f32 = analysis.concepts.iter().map(|c| c.weight).sum();
    if candidates.is_empty() || total <= 0.0 {
        return Choice::NotFound;
    }
    let top = candidates
        .iter()
        .map(|c| c.score)
        .fold(f32::MIN, f32::max)
        .max(f32::EPSILON);
    let query = QueryStems::new(&analysis.concepts, interner);
    let topic_total: f32 = analysis.topics().map(|c| c.weight).sum();
    let mut scored = Vec::new();
    let mut scratch = Scratch::default();
    for (index, candidate) in candidates.iter().enumerate() {
        score_passage(
            analysis,
            &query,
            Weights {
                total,
                topics: topic_total,
            },
            index,
            candidate,
            candidate.score / top,
            &mut scratch,
            &mut scored,
        );
    }
    for s in &mut scored {
        // What the question is about must be there; what it asks is judged by evidence.
        s.coverage = if topic_total > 0.0 {
            s.topic / topic_total
        } else {
            s.coverage.max(s.evidence)
        };
    }
    let required = analysis
        .intents
        .iter()
        .any(|i| matches!(i, Intent::Cost | Intent::Logistics));
    scored.retain(|s| s.coverage >= MIN_COVERAGE && (!required || s.evidence > 0.0));
    scored.sort_by(|a, b| b.score.total_cmp(&a.score));
    let Some(best) = scored.first() else {
        return Choice::NotFound;
    };
    let mut lines = vec![line(best, &scored, candidates)];
    // Several topics only when the question names none, or names only what a whole article
    // is about ("how many mesotherapy sessions?"): then its sections' facts all apply.
    let scope = if topic_total <= 0.0 {
        Some(None)
    } else if best.local < 0.5 * topic_total {
        Some(Some(candidates[best.candidate].passage().slug.as_str()))
    } else {
        None
    };
    let intent = analysis.primary_intent().filter(|i| differs_by_topic(*i));
    if let (Some(intent), Some(article)) = (intent, scope) {
        lines.extend(other_topics(intent, best, article, &scored, candidates));
    }
    Choice::Lines(lines)
}

const ALL_INTENTS: [Intent; 7] = [
    Intent::Preparation,
    Intent::Aftercare,
    Intent::SideEffects,
    Intent::Suitability,
    Intent::Comparison,
    Intent::Definition,
    Intent::Cost,
];

fn differs_by_topic(intent: Intent) -> bool {
    matches!(
        intent,
        Intent::Count | Intent::Duration | Intent::Pain | Intent::Areas | Intent::Results
    )
}

/// The question's weight in all, and its topics' part of it.
#[derive(Clone, Copy)]
struct Weights {
    total: f32,
    topics: f32,
}

/// Per-concept figures of the passage being scored, kept from one passage to the next so that
/// scoring a passage allocates nothing.
#[derive(Default)]
struct Scratch {
    /// Each concept's presence in the heading, title and whole passage.
    around: Vec<[f32; 3]>,
    /// What a concept counts near a sentence that lacks it.
    floors: Vec<f32>,
}

/// Scores the passage's sentences into `out`; none when the passage lacks what the question
/// is about (those could never be chosen).
#[allow(clippy::too_many_arguments)]
fn score_passage(
    analysis: &Analysis,
    query: &QueryStems,
    weights: Weights,
    index: usize,
    candidate: &Candidate,
    retrieval: f32,
    scratch: &mut Scratch,
    out: &mut Vec<Scored>,
) {
    let total = weights.total;
    let passage = &candidate.analysed;
    let heading_cue = analysis
        .intents
        .iter()
        .any(|i| passage.heading_cues[i.index()]);
    // Per passage, once: which of the question's stems its heading, title and text hold.
    let (heading, title, whole) = (
        query.found_in(&passage.heading),
        query.found_in(&passage.title),
        query.found_in(&passage.whole),
    );
    // Each concept's presence in the heading, title and whole passage: the same for all of
    // the passage's sentences.
    let around = &mut scratch.around;
    around.clear();
    around.extend(
        query
            .concepts
            .iter()
            .map(|forms| [heading, title, whole].map(|set| presence(forms, set))),
    );
    // How much of the question the passage holds. A sentence's stems are some of the
    // passage's, so a sentence never holds a concept more than the whole passage does: these
    // are the same for all of its sentences.
    let (mut anywhere, mut topic, mut local) = (0.0, 0.0, 0.0);
    for (concept, [heading, title, whole]) in analysis.concepts.iter().zip(around.iter()) {
        let in_passage = heading.max(*whole);
        let somewhere = in_passage.max(0.8 * title);
        anywhere += concept.weight * somewhere;
        if !concept.cue {
            topic += concept.weight * somewhere;
            local += concept.weight * in_passage;
        }
    }
    if weights.topics > 0.0 && topic / weights.topics < MIN_COVERAGE {
        return;
    }
    // What a concept counts near a sentence that lacks it: some of its presence around.
    let floors = &mut scratch.floors;
    floors.clear();
    floors.extend(
        around
            .iter()
            .map(|[heading, title, whole]| (0.5 * heading).max(0.45 * whole).max(0.35 * title)),
    );
    out.reserve(passage.sentences.len());
    for (i, sentence) in passage.sentences.iter().enumerate() {
        let here_set = query.found_in(&sentence.stems);
        let mut near = 0.0;
        for (((concept, forms), any), floor) in analysis
            .concepts
            .iter()
            .zip(&query.concepts)
            .zip(&query.any)
            .zip(floors.iter())
        {
            let here = if here_set & any == 0 {
                0.0
            } else {
                presence(forms, here_set)
            };
            near += concept.weight * here.max(*floor);
        }
        let evidence = evidence(&analysis.intents, sentence);
        // "What is microneedling?" is best answered by a sentence about it, not one that
        // mentions it in passing.
        let defines = matches!(
            analysis.primary_intent(),
            Some(Intent::Definition | Intent::HowItWorks)
        ) && sentence
            .first
            .is_some_and(|first| query.subjects.contains(&first));
        let mut penalty = if defines { -0.5 } else { 0.0 };
        if sentence.text.ends_with(':') || sentence.text.ends_with('?') {
            penalty += 0.6;
        }
        if sentence.words < 5 {
            penalty += 0.3;
        }
        let score = 2.0 * near / total
            + 1.2 * evidence
            + if heading_cue { 0.6 } else { 0.0 }
            + 0.3 * retrieval
            - penalty;
        out.push(Scored {
            candidate: index,
            sentence: i,
            score,
            coverage: anywhere / total,
            topic,
            local,
            evidence,
        });
    }
}

/// The question's distinct stems, numbered, so a set of them is one `u128` and a form's
/// presence in a sentence is a mask test instead of lookups per form.
struct QueryStems {
    /// By stem number (from the passages' interner), one more than the stem's bit; 0 for a
    /// stem the question lacks. As long as the question's highest number, past which no stem is
    /// the question's.
    bits: Vec<u8>,
    /// Per concept, its forms as masks.
    concepts: Vec<Vec<FormMask>>,
    /// Per concept, the bits of all its forms: a set without any of them holds none.
    any: Vec<u128>,
    /// First stems of the topics: a sentence opening with one is about the topic.
    subjects: Vec<u32>,
}

#[derive(Debug, Clone, Copy)]
struct FormMask {
    mask: u128,
    len: u32,
    /// How much a full match counts: the visitor's words 1, a synonym less, a broader word
    /// ("areas" for "thighs") least.
    credit: f32,
}

impl QueryStems {
    fn new(concepts: &[Concept], interner: &Interner) -> QueryStems {
        let mut ids: Vec<u32> = Vec::new();
        let mut masks = Vec::with_capacity(concepts.len());
        for concept in concepts {
            let mut forms = Vec::with_capacity(concept.forms.len());
            // Ways of saying it that no passage uses cannot be found in one either.
            for form in concept
                .forms
                .iter()
                .filter(|f| f.original || f.doc_freq > 0)
            {
                let mut mask = 0u128;
                for stem in form.stems.iter() {
                    // A stem no analysed passage holds gets no bit: it is never present.
                    let Some(id) = interner.id(stem) else {
                        continue;
                    };
                    let bit = match ids.iter().position(|known| *known == id) {
                        Some(bit) => bit,
                        None if ids.len() < 128 => {
                            ids.push(id);
                            ids.len() - 1
                        }
                        // Past 128 distinct stems the rest cannot be told apart.
                        None => continue,
                    };
                    mask |= 1 << bit;
                }
                if mask != 0 {
                    let credit = match (form.original, form.broad) {
                        (true, _) => 1.0,
                        (false, false) => 0.85,
                        (false, true) => 0.7,
                    };
                    forms.push(FormMask {
                        mask,
                        len: form.stems.len() as u32,
                        credit,
                    });
                }
            }
            masks.push(forms);
        }
        let subjects = concepts
            .iter()
            .filter(|c| !c.cue)
            .filter_map(|c| c.forms[0].stems.first())
            .filter_map(|stem| interner.id(stem))
            .collect();
        let mut bits = vec![0u8; ids.iter().max().map_or(0, |&id| id as usize + 1)];
        for (bit, &id) in ids.iter().enumerate() {
            bits[id as usize] = bit as u8 + 1;
        }
        let any = masks
            .iter()
            .map(|forms: &Vec<FormMask>| forms.iter().fold(0, |all, f| all | f.mask))
            .collect();
        QueryStems {
            bits,
            any,
            concepts: masks,
            subjects,
        }
    }

    /// The bits of the question's stems that `set` holds: a lookup per stem of the set.
    fn found_in(&self, set: &Stems) -> u128 {
        let mut mask = 0u128;
        for &id in set.ids() {
            if let Some(&bit) = self.bits.get(id as usize)
                && bit != 0
            {
                mask |= 1 << (bit - 1);
            }
        }
        mask
    }
}

/// How well a sentence answers what is asked: the first (most specific) intent counts most.
fn evidence(intents: &[Intent], sentence: &Sentence) -> f32 {
    let (mut sum, mut weights) = (0.0, 0.0);
    for (rank, intent) in intents.iter().enumerate() {
        let weight = if rank == 0 { 1.0 } else { 0.5 };
        sum += weight * sentence.evidence[intent.index()];
        weights += weight;
    }
    if weights > 0.0 { sum / weights } else { 0.0 }
}

/// 1 when the visitor's own words are in the set, a little less for a lexicon alternative;
/// part of a phrase counts for part: "cheeks" alone for "cheek fillers" is half a match.
fn presence(forms: &[FormMask], found: u128) -> f32 {
    forms
        .iter()
        .map(|f| {
            let hits = (f.mask & found).count_ones();
            let share = match hits {
                0 => 0.0,
                n if n == f.len => 1.0,
                n => 0.6 * n as f32 / f.len as f32,
            };
            share * f.credit
        })
        .fold(0.0, f32::max)
}

/// The best sentence first, then the passage's other sentences that also answer, in order.
fn line(best: &Scored, scored: &[Scored], candidates: &[Candidate]) -> Line {
    let text = |s: &Scored| &candidates[s.candidate].sentence(s.sentence).text;
    let mut sentences = vec![text(best).clone()];
    let mut length = text(best).len();
    let mut support: Vec<&Scored> = scored
        .iter()
        .filter(|s| s.candidate == best.candidate && s.sentence != best.sentence)
        .filter(|s| {
            s.score >= 0.75 * best.score && !text(s).ends_with(':') && !text(s).ends_with('?')
        })
        .collect();
    support.sort_by_key(|s| s.sentence);
    for s in support {
        if sentences.len() >= MAX_SENTENCES || length + text(s).len() + 1 > MAX_ANSWER_CHARS {
            break;
        }
        length += text(s).len() + 1;
        sentences.push(text(s).clone());
    }
    Line {
        candidate: best.candidate,
        sentences,
        score: best.score,
    }
}

/// Best sentences from other sections that answer the same intent with different facts and
/// that the question's topic does not rule out.
fn other_topics(
    intent: Intent,
    best: &Scored,
    article: Option<&str>,
    scored: &[Scored],
    candidates: &[Candidate],
) -> Vec<Line> {
    let section = |s: &Scored| {
        let p = candidates[s.candidate].passage();
        (p.slug.as_str(), p.section_ord)
    };
    let sentence = |s: &Scored| candidates[s.candidate].sentence(s.sentence);
    let mut chosen: Vec<&Scored> = vec![best];
    for s in scored {
        if chosen.len() >= MAX_LINES {
            break;
        }
        // A question naming no topic at all is open to every treatment that states the fact;
        // one naming an article's treatment only to that article's close seconds.
        let near_enough = if article.is_none() { 0.65 } else { 0.8 };
        let close = s.score >= near_enough * best.score
            && s.evidence >= 0.5
            && sentence(s).evidence[intent.index()] >= 0.5
            && s.coverage >= MIN_COVERAGE;
        let same_topic = s.topic + 1e-3 >= best.topic;
        let new_section = chosen.iter().all(|c| section(c) != section(s))
            && article.is_none_or(|a| candidates[s.candidate].passage().slug == a);
        // A general section (safety, aftercare, comparisons) is not one of the topics.
        let cues = &candidates[s.candidate].analysed.heading_cues;
        let general = ALL_INTENTS.iter().any(|i| *i != intent && cues[i.index()]);
        if close
            && same_topic
            && new_section
            && !general
            && chosen
                .iter()
                .all(|c| different_facts(sentence(c), sentence(s)))
        {
            chosen.push(s);
        }
    }
    chosen
        .into_iter()
        .skip(1)
        .map(|s| Line {
            candidate: s.candidate,
            sentences: vec![sentence(s).text.clone()],
            score: s.score,
        })
        .collect()
}

/// Two sentences state different facts when their numbers differ or their words mostly do.
fn different_facts(a: &Sentence, b: &Sentence) -> bool {
    a.numbers != b.numbers || a.stems.overlap(&b.stems) < 0.5
}
