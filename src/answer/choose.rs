//! Sentence choice: from the retrieved passages, the sentence that answers the question's
//! concepts and intent, with its close neighbours; or one line per topic when different
//! sections hold different facts ("how many sessions?": 4-6 for cellulite, 6-8 for hair loss);
//! or nothing, when no passage covers what was asked. Pure over plain data.

use std::collections::HashSet;

use tantivy::tokenizer::TextAnalyzer;

use super::analysis::{Analysis, Concept};
use super::intent::{self, Intent};
use crate::index::StoredPassage;
use crate::text;

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
    pub passage: StoredPassage,
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
    text: String,
    stems: HashSet<String>,
    score: f32,
    coverage: f32,
    topic: f32,
    /// Topic weight found in the passage or its heading, not just the article's title.
    local: f32,
    evidence: f32,
}

pub fn choose(analysis: &Analysis, candidates: &[Candidate], stemmer: &mut TextAnalyzer) -> Choice {
    let total: f32 = analysis.concepts.iter().map(|c| c.weight).sum();
    if candidates.is_empty() || total <= 0.0 {
        return Choice::NotFound;
    }
    let top = candidates
        .iter()
        .map(|c| c.score)
        .fold(f32::MIN, f32::max)
        .max(f32::EPSILON);
    let mut scored = Vec::new();
    for (index, candidate) in candidates.iter().enumerate() {
        scored.extend(score_passage(
            analysis,
            index,
            candidate,
            candidate.score / top,
            total,
            stemmer,
        ));
    }
    let topic_total: f32 = analysis.topics().map(|c| c.weight).sum();
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
    let mut lines = vec![line(best, &scored)];
    // Several topics only when the question names none, or names only what a whole article
    // is about ("how many mesotherapy sessions?"): then its sections' facts all apply.
    let scope = if topic_total <= 0.0 {
        Some(None)
    } else if best.local < 0.5 * topic_total {
        Some(Some(candidates[best.candidate].passage.slug.as_str()))
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

fn score_passage(
    analysis: &Analysis,
    index: usize,
    candidate: &Candidate,
    retrieval: f32,
    total: f32,
    stemmer: &mut TextAnalyzer,
) -> Vec<Scored> {
    let passage = &candidate.passage;
    let heading: HashSet<String> = text::terms(stemmer, &passage.heading).into_iter().collect();
    let title: HashSet<String> = text::terms(stemmer, &passage.title).into_iter().collect();
    let sentences: Vec<&str> = text::sentences(&passage.text);
    let sentence_stems: Vec<HashSet<String>> = sentences
        .iter()
        .map(|s| text::terms(stemmer, s).into_iter().collect())
        .collect();
    let whole: HashSet<String> = sentence_stems.iter().flatten().cloned().collect();
    let heading_cue = analysis
        .intents
        .iter()
        .any(|i| intent::heading_cue(*i, &passage.heading));
    let mut out = Vec::with_capacity(sentences.len());
    for (i, sentence) in sentences.iter().enumerate() {
        let stems = &sentence_stems[i];
        let (mut near, mut anywhere, mut topic, mut local) = (0.0, 0.0, 0.0, 0.0);
        for concept in &analysis.concepts {
            let here = presence(concept, stems);
            let found = here
                .max(0.5 * presence(concept, &heading))
                .max(0.45 * presence(concept, &whole))
                .max(0.35 * presence(concept, &title));
            near += concept.weight * found;
            let somewhere = here
                .max(presence(concept, &heading))
                .max(presence(concept, &whole))
                .max(0.8 * presence(concept, &title));
            anywhere += concept.weight * somewhere;
            if !concept.cue {
                topic += concept.weight * somewhere;
                local += concept.weight
                    * here
                        .max(presence(concept, &heading))
                        .max(presence(concept, &whole));
            }
        }
        let evidence = evidence(&analysis.intents, sentence, stems);
        let words = sentence.split_whitespace().count();
        let mut penalty = 0.0;
        if sentence.ends_with(':') || sentence.ends_with('?') {
            penalty += 0.6;
        }
        if words < 5 {
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
            text: sentence.to_string(),
            stems: stems.clone(),
            score,
            coverage: anywhere / total,
            topic,
            local,
            evidence,
        });
    }
    out
}

/// 1 when the visitor's own words are in `stems`, a little less for a lexicon alternative.
/// How well a sentence answers what is asked: the first (most specific) intent counts most.
fn evidence(intents: &[Intent], sentence: &str, stems: &HashSet<String>) -> f32 {
    let stems: Vec<String> = stems.iter().cloned().collect();
    let (mut sum, mut weights) = (0.0, 0.0);
    for (rank, intent) in intents.iter().enumerate() {
        let weight = if rank == 0 { 1.0 } else { 0.5 };
        sum += weight * intent::evidence(*intent, sentence, &stems);
        weights += weight;
    }
    if weights > 0.0 { sum / weights } else { 0.0 }
}

/// Part of a phrase counts for part: "cheeks" alone for "cheek fillers" is half a match.
fn presence(concept: &Concept, stems: &HashSet<String>) -> f32 {
    concept
        .forms
        .iter()
        .map(|f| {
            let found = f.stems.iter().filter(|s| stems.contains(*s)).count();
            let share = match found {
                0 => 0.0,
                n if n == f.stems.len() => 1.0,
                n => 0.6 * n as f32 / f.stems.len() as f32,
            };
            share * if f.original { 1.0 } else { 0.85 }
        })
        .fold(0.0, f32::max)
}

/// The best sentence first, then the passage's other sentences that also answer, in order.
fn line(best: &Scored, scored: &[Scored]) -> Line {
    let mut sentences = vec![best.text.clone()];
    let mut length = best.text.len();
    let mut support: Vec<&Scored> = scored
        .iter()
        .filter(|s| s.candidate == best.candidate && s.sentence != best.sentence)
        .filter(|s| {
            s.score >= 0.75 * best.score && !s.text.ends_with(':') && !s.text.ends_with('?')
        })
        .collect();
    support.sort_by_key(|s| s.sentence);
    for s in support {
        if sentences.len() >= MAX_SENTENCES || length + s.text.len() + 1 > MAX_ANSWER_CHARS {
            break;
        }
        length += s.text.len() + 1;
        sentences.push(s.text.clone());
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
        let p = &candidates[s.candidate].passage;
        (p.slug.clone(), p.section_ord)
    };
    let mut chosen: Vec<&Scored> = vec![best];
    for s in scored {
        if chosen.len() >= MAX_LINES {
            break;
        }
        let close = s.score >= 0.8 * best.score
            && s.evidence >= 0.5
            && intent::evidence(intent, &s.text, &[]) >= 0.5
            && s.coverage >= MIN_COVERAGE;
        let same_topic = s.topic + 1e-3 >= best.topic;
        let new_section = chosen.iter().all(|c| section(c) != section(s))
            && article.is_none_or(|a| candidates[s.candidate].passage.slug == a);
        // A general section (safety, aftercare, comparisons) is not one of the topics.
        let heading = &candidates[s.candidate].passage.heading;
        let general = ALL_INTENTS
            .iter()
            .any(|i| *i != intent && intent::heading_cue(*i, heading));
        if close
            && same_topic
            && new_section
            && !general
            && chosen.iter().all(|c| different_facts(c, s))
        {
            chosen.push(s);
        }
    }
    chosen
        .into_iter()
        .skip(1)
        .map(|s| Line {
            candidate: s.candidate,
            sentences: vec![s.text.clone()],
            score: s.score,
        })
        .collect()
}

/// Two sentences state different facts when their numbers differ or their words mostly do.
fn different_facts(a: &Scored, b: &Scored) -> bool {
    let numbers = |s: &Scored| {
        s.stems
            .iter()
            .filter(|w| w.chars().all(|c| c.is_ascii_digit()))
            .cloned()
            .collect::<HashSet<_>>()
    };
    let (na, nb) = (numbers(a), numbers(b));
    if na != nb {
        return true;
    }
    let shared = a.stems.intersection(&b.stems).count() as f32;
    let union = a.stems.union(&b.stems).count().max(1) as f32;
    shared / union < 0.5
}
