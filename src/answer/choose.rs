//! Sentence choice: from the retrieved passages, the sentence that answers the question's
//! concepts and intent, with its close neighbours; or one line per topic when different
//! sections hold different facts ("how many sessions?": 4-6 for cellulite, 6-8 for hair loss);
//! or nothing, when no passage covers what was asked. Pure over plain data: passages come
//! already analysed ([`Analysed`]), so choosing is lookups and arithmetic.

use std::sync::Arc;

use super::analysis::Analysis;
use super::intent::Intent;
use super::passages::{Analysed, Interner, Sentence};
use super::score::{Found, MODEL, PassageScore, QueryStems, Scored, Scratch, Weights};
use crate::index::StoredPassage;

/// An answer is at most about this long.
pub const MAX_ANSWER_CHARS: usize = 400;
const MAX_SENTENCES: usize = 3;
const MAX_LINES: usize = 4;
/// A passage's other sentences join the best one when they score at least this share of it.
const SUPPORT_SHARE: f32 = 0.75;
/// Below this share of the topics found in the best passage itself (not only its title), the
/// question names only what a whole article is about, and its sections' facts all apply.
const LOCAL_SHARE: f32 = 0.5;
/// Other topics' sentences join when they score this share of the best: a question naming no
/// topic is open to every treatment that states the fact, one naming an article's treatment
/// only to that article's close seconds.
const OTHER_TOPIC_OPEN: f32 = 0.65;
const OTHER_TOPIC_IN_ARTICLE: f32 = 0.8;
/// Another topic's sentence holds at least this share of what the best one holds of the
/// question's words.
const OTHER_TOPIC_NEAR: f32 = 0.75;

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

    /// The passage's article and section.
    fn section(&self) -> (u32, u64) {
        (self.analysed.article, self.analysed.passage.section_ord)
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

pub fn choose(analysis: &Analysis, candidates: &[Candidate], interner: &Interner) -> Choice {
    let weights = Weights::of(analysis);
    if candidates.is_empty() || weights.total <= 0.0 {
        return Choice::NotFound;
    }
    let mut scored = score(analysis, candidates, interner, weights);
    // A price, a booking detail, a number or a length of time is a fact a sentence states or
    // does not: one that states none of what is asked does not answer.
    let priced = analysis
        .intents
        .iter()
        .any(|i| matches!(i, Intent::Cost | Intent::Logistics));
    let fact = analysis.primary_intent().filter(|i| {
        matches!(
            i,
            Intent::Count
                | Intent::Interval
                | Intent::Duration
                | Intent::SessionLength
                | Intent::Longevity
                | Intent::Onset
        )
    });
    let states = |s: &Scored| {
        let c = &candidates[s.candidate];
        fact.is_none_or(|i| {
            c.sentence(s.sentence).evidence[i.index()] > 0.0
                || (c.analysed.passage.item && c.analysed.heading_cues[i.index()])
        })
    };
    // A section headed by the question itself answers it, in whatever words.
    scored.retain(|s| s.coverage >= weights.coverage && (!priced || s.evidence > 0.0 || s.headed));
    scored.sort_by(|a, b| b.score.total_cmp(&a.score));
    // The best sentence that states it, or that is quoted with a neighbour that does ("Side
    // effects include bruising." "These settle within a few days.").
    let quoted_with = |b: &Scored, s: &Scored| {
        s.candidate == b.candidate && s.sentence != b.sentence && s.score >= SUPPORT_SHARE * b.score
    };
    let Some(best) = scored
        .iter()
        .find(|b| states(b) || scored.iter().any(|s| quoted_with(b, s) && states(s)))
    else {
        return Choice::NotFound;
    };
    let mut lines = vec![line(best, &scored, candidates)];
    // Several topics only when the question names none, or names only what a whole article
    // is about ("how many mesotherapy sessions?"): then its sections' facts all apply.
    let scope = if weights.topics <= 0.0 {
        Some(None)
    } else if best.local < LOCAL_SHARE * weights.topics {
        Some(Some(candidates[best.candidate].analysed.article))
    } else {
        None
    };
    // A list of short items headed by what is asked ("Which areas can be treated?") is the
    // whole answer, read as one; longer items are lines of their own.
    let listed = {
        let a = &candidates[best.candidate].analysed;
        a.passage.item
            && a.passage.text.chars().count() < super::reply::SHORT_ITEM_CHARS
            && analysis
                .primary_intent()
                .is_some_and(|i| a.heading_cues[i.index()])
    };
    let intent = analysis
        .primary_intent()
        .filter(|i| differs_by_topic(*i) && !listed);
    if let (Some(intent), Some(article)) = (intent, scope) {
        lines.extend(other_topics(intent, best, article, &scored, candidates));
    }
    // One list's items read in the article's order.
    let section = |l: &Line| candidates[l.candidate].section();
    if lines.iter().all(|l| section(l) == section(&lines[0])) {
        lines.sort_by_key(|l| candidates[l.candidate].passage().passage_ord);
    }
    Choice::Lines(lines)
}

/// The best `limit` sentences with their scores, best first: what sentence choice weighed.
/// A sentence that covers too little of the question to be chosen is marked.
pub fn ranked(
    analysis: &Analysis,
    candidates: &[Candidate],
    interner: &Interner,
    limit: usize,
) -> Vec<(f32, f32, f32, f32, String)> {
    let weights = Weights::of(analysis);
    if candidates.is_empty() || weights.total <= 0.0 {
        return Vec::new();
    }
    let mut scored = score(analysis, candidates, interner, weights);
    scored.sort_by(|a, b| {
        let covers = |s: &Scored| s.coverage >= weights.coverage;
        covers(b).cmp(&covers(a)).then(b.score.total_cmp(&a.score))
    });
    scored
        .iter()
        .take(limit)
        .map(|s| {
            let c = &candidates[s.candidate];
            let text = &c.sentence(s.sentence).text;
            (
                s.score,
                s.near,
                s.evidence,
                s.coverage,
                format!(
                    "{}[{}] {text}",
                    if s.coverage >= weights.coverage {
                        ""
                    } else {
                        "(covers too little) "
                    },
                    c.passage().heading
                ),
            )
        })
        .collect()
}

/// Every sentence of the passages that hold what the question is about, scored.
fn score(
    analysis: &Analysis,
    candidates: &[Candidate],
    interner: &Interner,
    weights: Weights,
) -> Vec<Scored> {
    let top = candidates
        .iter()
        .map(|c| c.score)
        .fold(f32::MIN, f32::max)
        .max(f32::EPSILON);
    let query = QueryStems::new(&analysis.concepts, interner);
    // The question's stems in each passage's heading, title and text, found once.
    // An article's title is read once for all of its passages.
    let mut titles: Vec<(u32, u128)> = Vec::new();
    let found: Vec<Found> = candidates
        .iter()
        .map(|c| {
            let a = &c.analysed;
            let title = match titles.iter().find(|(article, _)| *article == a.article) {
                Some((_, title)) => *title,
                None => {
                    let title = query.found_in(&a.title);
                    titles.push((a.article, title));
                    title
                }
            };
            Found::of(&query, a, title)
        })
        .collect();
    let sections = sections(analysis, candidates, &found);
    let section_of = |c: &Candidate| {
        let key = c.section();
        sections
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(0, |(_, found)| *found)
    };
    let sentences = candidates.iter().map(|c| c.analysed.sentences.len()).sum();
    let mut scored = Vec::with_capacity(sentences);
    let mut scratch = Scratch::default();
    for (index, candidate) in candidates.iter().enumerate() {
        let passage = &candidate.analysed;
        let retrieval = candidate.score / top;
        let read = PassageScore::new(
            analysis,
            &query,
            weights,
            (passage, found[index], section_of(candidate)),
            retrieval,
            &mut scratch,
        );
        if let Some(read) = read {
            scored.extend((0..passage.sentences.len()).map(|i| read.sentence(index, i)));
        }
    }
    for s in &mut scored {
        s.judge_coverage(weights.topics);
    }
    scored
}

/// The question's stems found in each section, by article and section, when the articles are
/// read whole: every passage of a section is then among the candidates.
fn sections(
    analysis: &Analysis,
    candidates: &[Candidate],
    found: &[Found],
) -> Vec<((u32, u64), u128)> {
    let mut sections: Vec<((u32, u64), u128)> = Vec::new();
    if !analysis.within_articles {
        return sections;
    }
    for (candidate, found) in candidates.iter().zip(found) {
        let key = candidate.section();
        let found = found.whole | found.heading;
        match sections.iter_mut().find(|(k, _)| *k == key) {
            Some((_, all)) => *all |= found,
            None => sections.push((key, found)),
        }
    }
    sections
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
        Intent::Count
            | Intent::Interval
            | Intent::Duration
            | Intent::SessionLength
            | Intent::Longevity
            | Intent::Onset
            | Intent::Pain
            | Intent::Areas
            | Intent::Results
    )
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
            s.score >= SUPPORT_SHARE * best.score
                && !text(s).ends_with(':')
                && !text(s).ends_with('?')
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
    article: Option<u32>,
    scored: &[Scored],
    candidates: &[Candidate],
) -> Vec<Line> {
    let section = |s: &Scored| candidates[s.candidate].section();
    let sentence = |s: &Scored| candidates[s.candidate].sentence(s.sentence);
    let mut chosen: Vec<&Scored> = vec![best];
    for s in scored {
        if chosen.len() >= MAX_LINES {
            break;
        }
        let near_enough = if article.is_none() {
            OTHER_TOPIC_OPEN
        } else {
            OTHER_TOPIC_IN_ARTICLE
        };
        let close = s.score >= near_enough * best.score
            && s.evidence >= 0.5
            && sentence(s).evidence[intent.index()] >= 0.5
            && s.coverage >= best.coverage.min(MODEL.min_coverage);
        // As much of what the question names ("the gym" of "how long must I avoid the gym?")
        // as the best sentence holds, near enough.
        let same_topic = s.topic + 1e-3 >= best.topic && s.near >= OTHER_TOPIC_NEAR * best.near;
        // A list's items, or a table's rows, are kinds of case of their own ("Fine thread
        // veins: 6 weeks", "Feeder veins: 6-8 weeks") as sections are.
        let item = |c: &Scored| candidates[c.candidate].passage().item;
        let new_topic = chosen.iter().all(|c| {
            section(c) != section(s) || (item(c) && item(s) && c.candidate != s.candidate)
        });
        let new_section =
            new_topic && article.is_none_or(|a| candidates[s.candidate].analysed.article == a);
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::answer::analysis::{Concept, Form};
    use crate::index::StoredPassage;
    use crate::vocabulary::Vocabulary;

    /// A passage of one article, analysed as retrieval would hand it over.
    fn passage(interner: &Interner, heading: &str, section: u64, text: &str) -> Arc<Analysed> {
        let stored = StoredPassage {
            slug: "peels".into(),
            title: "Chemical Peels".into(),
            url: None,
            heading: heading.into(),
            anchor: "a".into(),
            text: text.into(),
            section_ord: section,
            passage_ord: section,
            item: false,
            lead_ord: None,
        };
        Arc::new(Analysed::new(stored, interner, Vocabulary::built_in()))
    }

    /// A concept in the visitor's own words, of one stem or a phrase.
    fn concept(stems: &[&str], weight: f32, cue: bool) -> Concept {
        let stems: Vec<String> = stems.iter().map(|s| s.to_string()).collect();
        Concept {
            label: stems.join(" "),
            forms: vec![Form {
                stems: stems.into(),
                original: true,
                broad: false,
                doc_freq: 1,
            }],
            weight,
            cue,
            context: false,
            scoped: false,
            named_by_heading: false,
            effect: false,
        }
    }

    fn analysis(intents: &[Intent], concepts: Vec<Concept>) -> Analysis {
        Analysis {
            intents: intents.to_vec(),
            concepts,
            ..Analysis::default()
        }
    }

    fn candidates(passages: &[Arc<Analysed>]) -> Vec<Candidate> {
        passages
            .iter()
            .map(|p| Candidate {
                score: 1.0,
                analysed: p.clone(),
            })
            .collect()
    }

    fn chosen(choice: &Choice) -> Vec<String> {
        match choice {
            Choice::Lines(lines) => lines.iter().map(|l| l.sentences[0].clone()).collect(),
            Choice::NotFound => Vec::new(),
        }
    }

    #[test]
    fn the_sentence_with_the_count_answers_how_many_not_the_one_around_it() {
        let interner = Interner::default();
        let p = passage(
            &interner,
            "Peels for acne",
            1,
            "Sessions for acne are quick and comfortable. Most people need 3-6 sessions for acne.",
        );
        let asked = analysis(
            &[Intent::Count],
            vec![
                concept(&["session"], 1.0, true),
                concept(&["acn"], 3.0, false),
            ],
        );
        let choice = choose(&asked, &candidates(&[p]), &interner);
        assert_eq!(chosen(&choice), ["Most people need 3-6 sessions for acne."]);
    }

    #[test]
    fn a_condition_the_article_never_names_is_not_found_by_its_number_nor_the_treatment() {
        let interner = Interner::default();
        let p = passage(
            &interner,
            "Who is it for",
            1,
            "It suits skin type 1 to 3 best, and most people need 3 sessions.",
        );
        // "type 1 diabetes": only "diabet" says something alone.
        let mut diabetes = concept(&["type", "1", "diabet"], 3.0, false);
        diabetes.forms.push(Form {
            stems: ["diabet".to_string()].into(),
            original: false,
            broad: false,
            doc_freq: 0,
        });
        // Within the treatment's own article, which every passage is about.
        let mut peel = concept(&["peel"], 3.0, false);
        peel.scoped = true;
        let mut asked = analysis(&[Intent::Suitability], vec![peel, diabetes]);
        asked.within_articles = true;
        assert!(matches!(
            choose(&asked, &candidates(&[p]), &interner),
            Choice::NotFound
        ));
    }

    #[test]
    fn no_passage_holding_the_topic_means_the_articles_do_not_say() {
        let interner = Interner::default();
        let p = passage(
            &interner,
            "Peels for acne",
            1,
            "Most people need 3-6 sessions.",
        );
        let asked = analysis(
            &[Intent::Count],
            vec![
                concept(&["session"], 1.0, true),
                concept(&["tattoo"], 3.0, false),
            ],
        );
        assert!(matches!(
            choose(&asked, &candidates(&[p]), &interner),
            Choice::NotFound
        ));
    }

    #[test]
    fn a_lead_in_ending_in_a_colon_loses_to_the_fact_after_it() {
        let interner = Interner::default();
        let lead_in = passage(
            &interner,
            "Aftercare",
            1,
            "After a peel, protect your skin from the sun like this:",
        );
        let fact = passage(
            &interner,
            "Aftercare",
            1,
            "Avoid the sun for 7 days after a peel.",
        );
        let asked = analysis(
            &[Intent::Aftercare],
            vec![
                concept(&["peel"], 2.0, false),
                concept(&["sun"], 2.0, false),
            ],
        );
        let choice = choose(&asked, &candidates(&[lead_in, fact]), &interner);
        assert_eq!(chosen(&choice), ["Avoid the sun for 7 days after a peel."]);
    }

    #[test]
    fn how_many_with_no_topic_gets_a_line_per_section_whose_counts_differ() {
        let interner = Interner::default();
        let acne = passage(&interner, "Peels for acne", 1, "Acne needs 3-6 sessions.");
        let scars = passage(&interner, "Peels for scars", 2, "Scars need 6-8 sessions.");
        let asked = analysis(&[Intent::Count], vec![concept(&["session"], 1.0, true)]);
        let choice = choose(&asked, &candidates(&[acne, scars]), &interner);
        assert_eq!(
            chosen(&choice),
            ["Acne needs 3-6 sessions.", "Scars need 6-8 sessions."]
        );
    }

    #[test]
    fn naming_one_topic_keeps_the_answer_to_its_section() {
        let interner = Interner::default();
        let acne = passage(&interner, "Peels for acne", 1, "Acne needs 3-6 sessions.");
        let scars = passage(&interner, "Peels for scars", 2, "Scars need 6-8 sessions.");
        let asked = analysis(
            &[Intent::Count],
            vec![
                concept(&["session"], 1.0, true),
                concept(&["scar"], 3.0, false),
            ],
        );
        let choice = choose(&asked, &candidates(&[acne, scars]), &interner);
        assert_eq!(chosen(&choice), ["Scars need 6-8 sessions."]);
    }

    #[test]
    fn a_section_headed_by_the_question_answers_it() {
        let interner = Interner::default();
        let elsewhere = passage(
            &interner,
            "How peels work",
            1,
            "Flaking skin shows the acids are working on the surface layer.",
        );
        let headed = passage(
            &interner,
            "Will my skin flake afterwards?",
            2,
            "Some flaking is normal for 3-5 days as the old layer comes away.",
        );
        let asked = analysis(&[], vec![concept(&["flake"], 2.0, false)]);
        let choice = choose(&asked, &candidates(&[elsewhere, headed]), &interner);
        assert_eq!(
            chosen(&choice),
            ["Some flaking is normal for 3-5 days as the old layer comes away."]
        );
    }
}
