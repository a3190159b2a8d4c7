//! The vocabulary bridge: groups of words and phrases visitors use for what articles say, read
//! from a TOML file the clinic can edit (`corpus/synonyms.toml`, with a built-in copy as the
//! default). Entries are stemmed with the index's analyzer, so "sessions" matches "session".

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;

use crate::text::{self, FastMap, FastSet};

/// The lexicon shipped in the repository, used when the corpus folder has none.
pub const BUILT_IN: &str = include_str!("../../corpus/synonyms.toml");
/// Alternatives kept per matched phrase; more only dilutes the query.
const MAX_ALTERNATIVES: usize = 16;

#[derive(Debug, Deserialize)]
struct File {
    #[serde(default)]
    synonyms: Vec<SynonymGroup>,
    #[serde(default)]
    broader: Vec<Broader>,
}

#[derive(Debug, Deserialize)]
struct SynonymGroup {
    terms: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Broader {
    narrow: Vec<String>,
    broad: Vec<String>,
}

/// One way of saying something, as stems; shared, so a question's analysis borrows the
/// lexicon's phrases instead of copying them.
pub type Phrase = Arc<[String]>;

/// A phrase (as stems) with the other phrases that may stand for it.
#[derive(Debug, Clone, Default)]
struct Entry {
    stems: Vec<String>,
    alternatives: Vec<Phrase>,
    /// Broader words for it, from `[[broader]]`: weaker evidence than a synonym.
    broad: Vec<Phrase>,
}

/// One place in a question where a lexicon phrase matched.
#[derive(Debug, Clone, PartialEq)]
pub struct Match<'a> {
    pub start: usize,
    pub len: usize,
    pub alternatives: &'a [Phrase],
    pub broad: &'a [Phrase],
}

#[derive(Debug, Default)]
pub struct Lexicon {
    /// Entries by their first stem, longest first.
    by_first: FastMap<String, Vec<Entry>>,
    /// Every word the lexicon knows, unstemmed: not typos.
    words: Vec<String>,
    /// Every stem of every term.
    stems: FastSet<String>,
}

impl Lexicon {
    /// Loads the lexicon at `path`, or the built-in one when `path` is `None`.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Lexicon> {
        match path {
            Some(path) => {
                let source = std::fs::read_to_string(path)
                    .map_err(|err| anyhow::anyhow!("cannot read {}: {err}", path.display()))?;
                Lexicon::parse(&source).map_err(|err| anyhow::anyhow!("{}: {err}", path.display()))
            }
            None => Lexicon::parse(BUILT_IN),
        }
    }

    pub fn parse(source: &str) -> anyhow::Result<Lexicon> {
        let file: File = toml::from_str(source)?;
        let mut analyzer = text::stemmed_analyzer();
        let mut stem = |term: &str| text::terms(&mut analyzer, term);
        let mut alternatives: HashMap<Vec<String>, Vec<Vec<String>>> = HashMap::new();
        let mut broader: HashMap<Vec<String>, Vec<Vec<String>>> = HashMap::new();
        let mut words = Vec::new();
        for group in &file.synonyms {
            let stems: Vec<Vec<String>> = group
                .terms
                .iter()
                .map(|t| stem(t))
                .filter(|s| !s.is_empty())
                .collect();
            for (i, term) in stems.iter().enumerate() {
                let others = stems
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, s)| s.clone());
                alternatives.entry(term.clone()).or_default().extend(others);
            }
            words.extend(group.terms.iter().flat_map(|t| raw_words(t)));
        }
        for rule in &file.broader {
            let broad: Vec<Vec<String>> = rule
                .broad
                .iter()
                .map(|t| stem(t))
                .filter(|s| !s.is_empty())
                .collect();
            for narrow in rule
                .narrow
                .iter()
                .map(|t| stem(t))
                .filter(|s| !s.is_empty())
            {
                broader
                    .entry(narrow)
                    .or_default()
                    .extend(broad.iter().cloned());
            }
            words.extend(
                rule.narrow
                    .iter()
                    .chain(&rule.broad)
                    .flat_map(|t| raw_words(t)),
            );
        }
        let mut by_first: FastMap<String, Vec<Entry>> = FastMap::default();
        for stems in broader.keys().cloned().collect::<Vec<_>>() {
            alternatives.entry(stems).or_default();
        }
        let tidy = |mut list: Vec<Vec<String>>, stems: &Vec<String>| {
            list.retain(|a| a != stems);
            list.sort();
            list.dedup();
            list.truncate(MAX_ALTERNATIVES);
            list.into_iter().map(Phrase::from).collect::<Vec<_>>()
        };
        for (stems, alts) in alternatives {
            let broad = tidy(broader.remove(&stems).unwrap_or_default(), &stems);
            let alternatives = tidy(alts, &stems);
            by_first.entry(stems[0].clone()).or_default().push(Entry {
                stems,
                alternatives,
                broad,
            });
        }
        for entries in by_first.values_mut() {
            entries.sort_by(|a, b| {
                b.stems
                    .len()
                    .cmp(&a.stems.len())
                    .then_with(|| a.stems.cmp(&b.stems))
            });
        }
        words.sort();
        words.dedup();
        let stems = by_first
            .values()
            .flatten()
            .flat_map(|e| {
                e.stems
                    .iter()
                    .chain(e.alternatives.iter().flat_map(|a| a.iter()))
                    .chain(e.broad.iter().flat_map(|a| a.iter()))
            })
            .cloned()
            .collect();
        Ok(Lexicon {
            by_first,
            words,
            stems,
        })
    }

    /// The longest lexicon phrases in `stems`, left to right, not overlapping.
    pub fn matches(&self, stems: &[String]) -> Vec<Match<'_>> {
        let mut found = Vec::new();
        let mut i = 0;
        while i < stems.len() {
            let entry = self
                .by_first
                .get(&stems[i])
                .and_then(|entries| entries.iter().find(|e| stems[i..].starts_with(&e.stems)));
            match entry {
                Some(entry) => {
                    found.push(Match {
                        start: i,
                        len: entry.stems.len(),
                        alternatives: &entry.alternatives,
                        broad: &entry.broad,
                    });
                    i += entry.stems.len();
                }
                None => i += 1,
            }
        }
        found
    }

    /// Whether any lexicon term holds this stem.
    pub fn knows_stem(&self, stem: &str) -> bool {
        self.stems.contains(stem)
    }

    /// Every phrase of two or more stems a question's analysis can search for: the entries'
    /// own and their alternatives and broader terms. Some appear more than once.
    pub fn phrases(&self) -> impl Iterator<Item = &[String]> + Clone {
        self.by_first
            .values()
            .flatten()
            .flat_map(|e| {
                std::iter::once(&e.stems[..])
                    .chain(e.alternatives.iter().map(|a| &a[..]))
                    .chain(e.broad.iter().map(|b| &b[..]))
            })
            .filter(|stems| stems.len() > 1)
    }

    /// Every unstemmed word the lexicon mentions.
    pub fn words(&self) -> &[String] {
        &self.words
    }
}

fn raw_words(term: &str) -> Vec<String> {
    term.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stems(text: &str) -> Vec<String> {
        text::terms(&mut text::stemmed_analyzer(), text)
    }

    fn phrase(text: &str) -> Phrase {
        stems(text).into()
    }

    const SAMPLE: &str = r#"
        [[synonyms]]
        terms = ["hair loss", "alopecia", "balding"]
        [[synonyms]]
        terms = ["session", "treatment"]
        [[broader]]
        narrow = ["diabetes"]
        broad = ["medical conditions"]
    "#;

    #[test]
    fn a_visitors_word_finds_the_articles_phrase() {
        let lexicon = Lexicon::parse(SAMPLE).unwrap();
        let found = lexicon.matches(&stems("balding sessions"));
        assert_eq!(found.len(), 2);
        assert!(found[0].alternatives.contains(&phrase("hair loss")));
        assert!(found[1].alternatives.contains(&phrase("treatments")));
    }

    #[test]
    fn broader_words_point_one_way_only() {
        let lexicon = Lexicon::parse(SAMPLE).unwrap();
        assert_eq!(
            lexicon.matches(&stems("diabetes"))[0].broad,
            [phrase("medical conditions")]
        );
        assert!(lexicon.matches(&stems("medical conditions")).is_empty());
    }

    #[test]
    fn the_shipped_lexicon_loads_and_bridges_everyday_words() {
        let lexicon = Lexicon::parse(BUILT_IN).unwrap();
        for (visitor, article) in [
            ("balding", "hair loss"),
            ("recovery period", "downtime"),
            ("sore", "pain"),
            ("tummy", "stomach"),
        ] {
            let found = lexicon.matches(&stems(visitor));
            assert!(
                found
                    .iter()
                    .any(|m| m.alternatives.contains(&phrase(article))),
                "{visitor} should reach {article}: {found:?}"
            );
        }
    }
}
