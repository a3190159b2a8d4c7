//! Which articles may answer a message. A treatment the message names decides: the articles
//! whose titles name it (in the visitor's words or another way of saying it), all of them when
//! the clinic has several on it, and none when no article is about it: a treatment mentioned in
//! passing ("unlike fillers, …") is not a treatment the clinic writes about. A message that
//! names no treatment keeps the one the conversation named before.

use std::sync::Arc;

use super::analysis::{Analysis, Concept, Form};
use super::intent::Intent;
use crate::index::ArticleSummary;
use crate::text::{self, FastMap, FastSet};
use crate::vocabulary::{Domain, Vocabulary};

/// The articles' titles, indexed by stem, and whom each says it is for ("… for Men").
pub struct Titles {
    /// Title stem -> the articles whose titles hold it, by their place in the manifest
    /// (the generation's article ordinal), ascending.
    by_stem: FastMap<String, Vec<u32>>,
    /// By ordinal: the audience stems its title names.
    audiences: Vec<Vec<String>>,
    /// By ordinal: the stems of its section headings.
    headings: Vec<FastSet<String>>,
}

impl Titles {
    pub fn new(articles: &[ArticleSummary], vocabulary: &Vocabulary) -> Titles {
        let mut titles = Titles {
            by_stem: FastMap::default(),
            audiences: Vec::with_capacity(articles.len()),
            headings: Vec::with_capacity(articles.len()),
        };
        for (ordinal, article) in articles.iter().enumerate() {
            let ordinal = ordinal as u32;
            let stems = text::stems(&article.title);
            titles.audiences.push(audiences(vocabulary, &stems));
            let headings = article
                .headings
                .iter()
                .flat_map(|h| text::stems(h))
                .collect();
            titles.headings.push(headings);
            for stem in stems {
                let list = titles.by_stem.entry(stem).or_default();
                if list.last() != Some(&ordinal) {
                    list.push(ordinal);
                }
            }
        }
        titles
    }

    /// The articles whose titles hold every one of `stems`.
    fn holding(&self, stems: &[String]) -> Vec<u32> {
        let mut lists: Vec<&Vec<u32>> = Vec::with_capacity(stems.len());
        for stem in stems {
            match self.by_stem.get(stem) {
                Some(list) => lists.push(list),
                None => return Vec::new(),
            }
        }
        lists.sort_by_key(|l| l.len());
        let Some((shortest, rest)) = lists.split_first() else {
            return Vec::new();
        };
        shortest
            .iter()
            .copied()
            .filter(|o| rest.iter().all(|l| l.binary_search(o).is_ok()))
            .collect()
    }
}

/// The stems of `stems` that say who something is for.
fn audiences(vocabulary: &Vocabulary, stems: &[String]) -> Vec<String> {
    audiences_in(stems, &vocabulary.domain_positions(stems))
}

/// The stems that say who something is for, of `stems` whose domain kinds are `kinds`.
fn audiences_in(stems: &[String], kinds: &[Option<Domain>]) -> Vec<String> {
    kinds
        .iter()
        .zip(stems)
        .filter(|(d, _)| **d == Some(Domain::Audience))
        .map(|(_, s)| s.clone())
        .collect()
}

/// At most this many articles, a scope's title words are searched too.
const NARROW: usize = 16;

/// Where a message may be answered from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// It names no treatment: any article.
    Any,
    /// These articles, by ordinal (ascending): they are about the treatment named, as
    /// `title` (stems of their titles) says.
    Articles {
        articles: Arc<[u32]>,
        title: Vec<String>,
    },
    /// It names a treatment no article is about.
    Uncovered,
}

impl Scope {
    /// Whether an article of this ordinal may answer.
    pub fn allows(&self, ordinal: Option<u32>) -> bool {
        match self {
            Scope::Any => true,
            Scope::Articles { articles, .. } => {
                ordinal.is_some_and(|o| articles.binary_search(&o).is_ok())
            }
            Scope::Uncovered => false,
        }
    }

    /// Few enough articles that searching their title words finds every passage of them
    /// cheaply.
    pub fn is_narrow(&self) -> bool {
        matches!(self, Scope::Articles { articles, .. } if articles.len() <= NARROW)
    }
}

/// The scope of a message from the treatments it names; `earlier`, the conversation's scope,
/// when it names none. The concepts that decided it are marked `scoped`, and the analysis is
/// marked `within_articles` when the scope is a few articles.
pub fn scope(analysis: &mut Analysis, titles: &Titles, earlier: Option<&Scope>) -> Scope {
    let mut named = false;
    let mut picked: Vec<u32> = Vec::new();
    let mut title_words: Vec<String> = Vec::new();
    let mut spans: Vec<_> = domain_spans(&analysis.domain, Domain::Treatment)
        .into_iter()
        .map(|span| (span, true))
        .collect();
    // With no treatment named, here or earlier, a condition an article's title names is what
    // that article is about ("Laser Pigmentation Removal" for "how many sessions for
    // pigmentation?"), not a word another article uses in passing.
    if spans.is_empty() && earlier.is_none() {
        spans.extend(
            domain_spans(&analysis.domain, Domain::Condition)
                .into_iter()
                .map(|span| (span, false)),
        );
    }
    for (span, treatment) in spans {
        named |= treatment;
        let said = &analysis.stems[span];
        // The visitor's words, and the synonyms of the concepts said within them; not a
        // broader word ("laser" for "laser hair removal") nor one word of a phrase.
        let mut ways: Vec<Vec<String>> = vec![said.to_vec()];
        // A concept said within the treatment's words, or one whose phrase holds them all
        // ("fat freezing" around "freezing").
        let within = |c: &Concept| {
            let own = &c.forms[0].stems;
            c.is_topic()
                && !own.is_empty()
                && (own.iter().all(|s| said.contains(s)) || said.iter().all(|s| own.contains(s)))
        };
        for concept in analysis.concepts.iter().filter(|c| within(c)) {
            let own = &concept.forms[0].stems;
            ways.extend(
                concept
                    .forms
                    .iter()
                    .filter(|f| !f.broad && (f.original || !is_part(f, own)))
                    .map(|f| f.stems.to_vec()),
            );
        }
        let mut decided = false;
        for way in &ways {
            let holding = titles.holding(way);
            if holding.is_empty() {
                continue;
            }
            decided = true;
            picked.extend(holding);
            for stem in way {
                if !title_words.contains(stem) {
                    title_words.push(stem.clone());
                }
            }
        }
        if decided {
            named = true;
            for concept in analysis.concepts.iter_mut().filter(|c| within(c)) {
                concept.scoped = true;
            }
        }
    }
    // Of several articles on the treatment, one written for someone the visitor did not name
    // ("… for Men") gives way to the general ones.
    picked.sort_unstable();
    picked.dedup();
    let asked = audiences_in(&analysis.stems, &analysis.domain);
    let for_others = |ordinal: &u32| {
        let audience = &titles.audiences[*ordinal as usize];
        !audience.is_empty() && !audience.iter().any(|a| asked.contains(a))
    };
    if picked.iter().any(|o| !for_others(o)) {
        picked.retain(|o| !for_others(o));
    }
    // An everyday word a heading is named by counts only where the answering articles have
    // such a heading: "holiday" names a section of another treatment's article.
    if !picked.is_empty() {
        for concept in analysis.concepts.iter_mut().filter(|c| c.named_by_heading) {
            let stem = &concept.forms[0].stems;
            let headed = picked.iter().any(|o| {
                let headings = &titles.headings[*o as usize];
                stem.iter().all(|s| headings.contains(s))
            });
            concept.context |= !headed;
        }
    }
    let scope = match (named, picked.is_empty()) {
        // Every article is about it (a one-treatment clinic): nothing to keep apart.
        (true, false) if picked.len() == titles.audiences.len() => Scope::Any,
        (false, _) => earlier.cloned().unwrap_or(Scope::Any),
        (true, true) => Scope::Uncovered,
        (true, false) => Scope::Articles {
            articles: picked.into(),
            title: title_words,
        },
    };
    analysis.within_articles = scope.is_narrow();
    if let Scope::Articles { articles, .. } = &scope {
        // A topic every answering article's title names ("fat" beside "freeze" for Fat
        // Freezing) is part of the treatment's name: all of those articles are about it.
        // A follow-up's treatment, borrowed from the turn before ("meso"), is known by any of
        // its names, as it was when that turn named it.
        let names = if named { 1 } else { usize::MAX };
        for concept in analysis.concepts.iter_mut().filter(|c| c.is_topic()) {
            concept.scoped |= concept
                .forms
                .iter()
                .take(names)
                .filter(|f| !f.broad)
                .any(|f| {
                    let holding = titles.holding(&f.stems);
                    articles.iter().all(|o| holding.contains(o))
                });
        }
        if asks_where(analysis) {
            analysis.intents = vec![Intent::Areas];
        }
    }
    // Within a treatment's own articles a body area refines the question ("how many sessions
    // on my face?"): a sentence naming it is better, but the article's general fact still
    // answers when none does. Only for a fact that may differ by area (a count, a time),
    // not when areas, or whether it helps there, are what is asked.
    let by_area = analysis.primary_intent().is_some_and(|i| {
        matches!(
            i,
            Intent::Count
                | Intent::Interval
                | Intent::Timing
                | Intent::Duration
                | Intent::SessionLength
                | Intent::Longevity
                | Intent::Onset
        )
    });
    if analysis.within_articles && by_area {
        let areas: Vec<bool> = analysis
            .concepts
            .iter()
            .map(|c| c.is_topic() && analysis.said_as(c, Domain::Area))
            .collect();
        for (concept, area) in analysis.concepts.iter_mut().zip(areas) {
            concept.context |= area;
        }
    }
    scope
}

/// "can you do meso on hands?", "can you freeze fat on your arms?": once a treatment decided
/// the articles, a body area with nothing more asked than whether it can be had asks whether
/// the treatment is used there. A condition, a symptom, a medicine or who the visitor is
/// makes it a question of whether they may have it.
fn asks_where(analysis: &Analysis) -> bool {
    if !analysis.intents.iter().all(|i| *i == Intent::Suitability) {
        return false;
    }
    let personal = [Domain::Symptom, Domain::Medicine, Domain::Audience];
    if analysis
        .domain
        .iter()
        .flatten()
        .any(|d| personal.contains(d))
    {
        return false;
    }
    let mut topics = analysis.topics().filter(|c| !c.scoped).peekable();
    topics.peek().is_some() && topics.all(|c| analysis.said_as(c, Domain::Area))
}

/// Where the message names a treatment: each run of words of the domain's treatments, from
/// the kinds of its stems.
fn domain_spans(kinds: &[Option<Domain>], domain: Domain) -> Vec<std::ops::Range<usize>> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, kind) in kinds.iter().chain([&None]).enumerate() {
        match (kind == &Some(domain), start) {
            (true, None) => start = Some(i),
            (false, Some(from)) => {
                spans.push(from..i);
                start = None;
            }
            _ => {}
        }
    }
    spans
}

/// A form that is some of the words of the visitor's phrase.
fn is_part(form: &Form, own: &[String]) -> bool {
    own.len() > 1 && form.stems.iter().all(|s| own.contains(s))
}
