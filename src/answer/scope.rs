//! Which articles may answer a message. A treatment the message names decides: the articles
//! whose titles name it (in the visitor's words or another way of saying it), all of them when
//! the clinic has several on it, and none when no article is about it: a treatment mentioned in
//! passing ("unlike fillers, …") is not a treatment the clinic writes about. A message that
//! names no treatment keeps the one the conversation named before.

use super::analysis::{Analysis, Concept, Form};
use crate::index::ArticleSummary;
use crate::text::{self, FastSet};
use crate::vocabulary::{Domain, Vocabulary};

/// Each article's title, as stems, and whether it names who it is for ("… for Men").
pub struct Titles {
    articles: Vec<(String, FastSet<String>, Vec<String>)>,
}

impl Titles {
    pub fn new(articles: &[ArticleSummary], vocabulary: &Vocabulary) -> Titles {
        Titles {
            articles: articles
                .iter()
                .map(|a| {
                    let stems = text::stems(&a.title);
                    let audience = audiences(vocabulary, &stems);
                    (a.slug.clone(), stems.into_iter().collect(), audience)
                })
                .collect(),
        }
    }
}

/// The stems of `stems` that say who something is for.
fn audiences(vocabulary: &Vocabulary, stems: &[String]) -> Vec<String> {
    vocabulary
        .domain_positions(stems)
        .iter()
        .zip(stems)
        .filter(|(d, _)| **d == Some(Domain::Audience))
        .map(|(_, s)| s.clone())
        .collect()
}

/// Where a message may be answered from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// It names no treatment: any article.
    Any,
    /// These articles, by slug: they are about the treatment named, as `title` (stems of
    /// their titles) says, which the search looks for so that every passage of them is found.
    Articles {
        slugs: Vec<String>,
        title: Vec<String>,
    },
    /// It names a treatment no article is about.
    Uncovered,
}

impl Scope {
    /// Whether an article of this slug may answer.
    pub fn allows(&self, slug: &str) -> bool {
        match self {
            Scope::Any => true,
            Scope::Articles { slugs, .. } => slugs.iter().any(|s| s == slug),
            Scope::Uncovered => false,
        }
    }
}

/// The scope of a message from the treatments it names; `earlier`, the conversation's scope,
/// when it names none. The concepts that decided it are marked `scoped`.
pub fn scope(
    analysis: &mut Analysis,
    vocabulary: &Vocabulary,
    titles: &Titles,
    earlier: Option<&Scope>,
) -> Scope {
    let mut named = false;
    let mut picked: Vec<String> = Vec::new();
    let mut title_words: Vec<String> = Vec::new();
    for span in treatment_spans(vocabulary, &analysis.stems) {
        named = true;
        let said = &analysis.stems[span];
        // The visitor's words, and the synonyms of the concepts said within them; not a
        // broader word ("laser" for "laser hair removal") nor one word of a phrase.
        let mut ways: Vec<Vec<String>> = vec![said.to_vec()];
        let within = |c: &Concept| {
            let own = &c.forms[0].stems;
            c.is_topic() && !own.is_empty() && own.iter().all(|s| said.contains(s))
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
        for (slug, title, _) in &titles.articles {
            let about = ways.iter().find(|w| w.iter().all(|s| title.contains(s)));
            if let Some(way) = about {
                decided = true;
                if !picked.contains(slug) {
                    picked.push(slug.clone());
                }
                for stem in way {
                    if !title_words.contains(stem) {
                        title_words.push(stem.clone());
                    }
                }
            }
        }
        if decided {
            for concept in analysis.concepts.iter_mut().filter(|c| within(c)) {
                concept.scoped = true;
            }
        }
    }
    // Of several articles on the treatment, one written for someone the visitor did not name
    // ("… for Men") gives way to the general ones.
    let asked = audiences(vocabulary, &analysis.stems);
    let for_others = |slug: &String| {
        titles.articles.iter().any(|(s, _, audience)| {
            s == slug && !audience.is_empty() && !audience.iter().any(|a| asked.contains(a))
        })
    };
    if picked.iter().any(|s| !for_others(s)) {
        picked.retain(|s| !for_others(s));
    }
    match (named, picked.is_empty()) {
        (false, _) => earlier.cloned().unwrap_or(Scope::Any),
        (true, true) => Scope::Uncovered,
        (true, false) => Scope::Articles {
            slugs: picked,
            title: title_words,
        },
    }
}

/// Where the message names a treatment: each run of words of the domain's treatments.
fn treatment_spans(vocabulary: &Vocabulary, stems: &[String]) -> Vec<std::ops::Range<usize>> {
    let kinds = vocabulary.domain_positions(stems);
    let mut spans = Vec::new();
    let mut start = None;
    for (i, kind) in kinds.iter().chain([&None]).enumerate() {
        match (kind == &Some(Domain::Treatment), start) {
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
