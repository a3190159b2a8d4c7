//! The search floor: which passages hold what a visitor named, best first, with their scores.
//! It reads once per index generation what searching needs ([`Floor`]: the corpus statistics
//! and the postings worth keeping in memory), plans a question's clauses (each way of saying
//! each thing named, in body, heading and title, boosted) and tallies them a clause at a time.
//!
//! Its contract, fenced by the bit-exact tests beside it: it ranks and scores exactly as
//! tantivy's union of the same clauses, collected by `TopDocs`, would (same passages, same
//! order, same scores to the bit, ties broken by segment and document). The language logic
//! above it says what was named and how; it imports no tantivy query type.

mod postings;
mod stats;
mod tally;

use std::sync::Arc;

use tantivy::query::{Bm25Weight, BoostQuery, EnableScoring, PhraseQuery, Query};
use tantivy::schema::Field;
use tantivy::{DocAddress, Searcher, Term};

use crate::index::Generation;
use postings::{ClausePostings, Postings};
pub use stats::Statistics;

/// What weighing a visitor's words needs from the index generation.
pub trait Frequencies {
    /// Passages whose text holds `stem`.
    fn doc_freq(&self, stem: &str) -> u64;
    /// Passages whose section heading holds `stem`.
    fn heading_doc_freq(&self, stem: &str) -> u64;
    fn num_docs(&self) -> u64;
}

/// One way of saying one thing a visitor named, as the search sees it.
pub trait Wording {
    /// Its stems, in order: one for a word, more for a phrase.
    fn stems(&self) -> &[String];
    /// The visitor's own words, not another way of saying them.
    fn original(&self) -> bool;
    /// Passages holding all of its stems at most; 0: not in the corpus.
    fn doc_freq(&self) -> u64;
}

/// Heading matches weigh this much more than body matches.
const HEADING_BOOST: f32 = 2.0;
/// Title matches weigh less: every passage of an article shares its title.
const TITLE_BOOST: f32 = 0.5;
/// Another way of saying a thing weighs less than the visitor's own words.
const ALTERNATIVE_BOOST: f32 = 0.7;
/// Below this many passages a word is never too common to search for.
const COMMON_FLOOR: u64 = 200;

/// What searching reads once per index generation.
pub struct Floor {
    stats: Statistics,
    /// The given phrases, and on a small index every word.
    postings: Postings,
}

impl Floor {
    /// Reads the statistics of the searched fields, and the postings of `phrases` (and, on a
    /// small index, of every word).
    pub fn read<'a>(
        generation: &Generation,
        phrases: impl Iterator<Item = &'a [String]> + Clone,
    ) -> tantivy::Result<Floor> {
        let stats = Statistics::read(generation)?;
        let f = &generation.fields;
        let postings = Postings::read(
            &generation.searcher(),
            &[f.body, f.heading, f.title],
            phrases,
            &stats,
            stats.docs() <= postings::SMALL_INDEX,
        )?;
        Ok(Floor { stats, postings })
    }

    pub fn statistics(&self) -> &Statistics {
        &self.stats
    }

    /// The best `limit` passages for what was named (each item: the ways of saying one thing,
    /// the visitor's first), best first, ranked and scored as tantivy's union of the planned
    /// clauses would rank and score them.
    pub fn top<'w, W: Wording + 'w>(
        &self,
        generation: &Generation,
        searcher: &Searcher,
        named: impl IntoIterator<Item = &'w [W]>,
        limit: usize,
    ) -> tantivy::Result<Vec<(f32, DocAddress)>> {
        let planned = self.plan(generation, named);
        let parts = self.parts(searcher, &planned)?;
        tally::top(searcher, &parts, limit)
    }

    /// The planned clauses as [`tally`] walks them, weighed as their queries would be.
    fn parts<'a>(
        &self,
        searcher: &Searcher,
        planned: &[Planned<'a>],
    ) -> tantivy::Result<Vec<tally::Part<'a>>> {
        let stats = &self.stats;
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
                        let scoring =
                            EnableScoring::enabled_from_statistics_provider(stats, searcher);
                        tally::Part::Other(query.weight(scoring)?)
                    }
                })
            })
            .collect()
    }

    /// The clauses of a search. Each way of saying each thing may match body, heading or
    /// title. A clause for a field that lacks one of its stems could match nothing, and one for
    /// a word that every passage's field holds (the title of a one-article corpus) tells none
    /// apart: both are left out.
    fn plan<'a, 'w: 'a, W: Wording + 'w>(
        &'a self,
        generation: &Generation,
        named: impl IntoIterator<Item = &'w [W]>,
    ) -> Vec<Planned<'a>> {
        let stats = &self.stats;
        let fields = &generation.fields;
        // In a small corpus every clause is cheap; in a large one a word in a tenth of the
        // passages tells little and costs much.
        let common = (stats.docs() / 10).max(COMMON_FLOOR);
        let mut planned = Vec::new();
        for forms in named {
            let unknown = forms.first().is_some_and(|f| f.doc_freq() == 0);
            for form in forms.iter().filter(|f| retrieves(*f, unknown, common)) {
                let boost = if form.original() {
                    1.0
                } else {
                    ALTERNATIVE_BOOST
                };
                let stems = form.stems();
                for (field, field_boost) in [
                    (fields.body, 1.0),
                    (fields.heading, HEADING_BOOST),
                    (fields.title, TITLE_BOOST),
                ] {
                    // Titles match the visitor's own single words only.
                    let title = field == fields.title;
                    if title && (!form.original() || stems.len() > 1) {
                        continue;
                    }
                    let held = |s: &String| stats.field_doc_freq(field, s);
                    if stems.iter().any(|s| held(s) == 0)
                        || stems.iter().all(|s| held(s) >= stats.docs())
                    {
                        continue;
                    }
                    let postings = self.postings.clause(field, stems);
                    // A phrase no passage's field holds.
                    if postings.is_some_and(|p| p.is_empty()) {
                        continue;
                    }
                    planned.push(Planned {
                        field,
                        stems,
                        boost: boost * field_boost,
                        postings,
                    });
                }
            }
        }
        planned
    }
}

/// One clause of a search: one way of saying one thing, in one field, boosted.
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

/// Which ways of saying a thing go into the search (all of them still count when sentences
/// are scored): the visitor's own words; the others when they are rare enough to tell
/// passages apart; their phrases ("hair loss" for "balding") only when the visitor's word is
/// unknown to the corpus. Every clause costs time on a large corpus.
fn retrieves(form: &impl Wording, unknown: bool, common: u64) -> bool {
    if form.original() {
        return true;
    }
    let doc_freq = form.doc_freq();
    let rare = doc_freq > 0 && doc_freq <= common;
    rare && (unknown || form.stems().len() == 1)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// One way of saying a thing, as a test writes it.
    struct Said {
        stems: Vec<String>,
        original: bool,
        doc_freq: u64,
    }

    impl Wording for Said {
        fn stems(&self) -> &[String] {
            &self.stems
        }
        fn original(&self) -> bool {
            self.original
        }
        fn doc_freq(&self) -> u64 {
            self.doc_freq
        }
    }

    fn said(floor: &Floor, generation: &Generation, stems: &[&str], original: bool) -> Said {
        let body = generation.fields.body;
        let stems: Vec<String> = stems.iter().map(|s| s.to_string()).collect();
        let doc_freq = stems
            .iter()
            .map(|s| floor.stats.field_doc_freq(body, s))
            .min()
            .unwrap_or(0);
        Said {
            stems,
            original,
            doc_freq,
        }
    }

    fn fixtures() -> (tempfile::TempDir, Generation, Floor) {
        let dir = tempfile::TempDir::new().unwrap();
        let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/clinic");
        let (generation, _) = crate::index::build(&corpus, dir.path()).unwrap();
        let phrases = [["hyaluron".to_string(), "acid".to_string()]];
        let floor = Floor::read(&generation, phrases.iter().map(|p| &p[..])).unwrap();
        (dir, generation, floor)
    }

    /// The passages found for what was named, as their texts, best first.
    fn found(generation: &Generation, floor: &Floor, named: &[Vec<Said>]) -> Vec<String> {
        let searcher = generation.searcher();
        let named = named.iter().map(|forms| &forms[..]);
        floor
            .top(generation, &searcher, named, 10)
            .unwrap()
            .into_iter()
            .map(|(_, address)| generation.passage(&searcher, address).unwrap().text)
            .collect()
    }

    #[test]
    fn the_visitors_words_find_the_passages_that_hold_them_best_first() {
        let (_dir, generation, floor) = fixtures();
        let lips = said(&floor, &generation, &["lip"], true);
        let last = said(&floor, &generation, &["last"], true);
        let texts = found(&generation, &floor, &[vec![lips], vec![last]]);
        assert!(!texts.is_empty());
        assert!(
            texts[0].contains("lips") && texts[0].contains("last"),
            "{texts:?}"
        );
    }

    #[test]
    fn a_phrase_alternative_is_searched_only_for_a_word_the_corpus_lacks() {
        let (_dir, generation, floor) = fixtures();
        let gel = |original| said(&floor, &generation, &["hyaluron", "acid"], original);
        // A visitor's word no article uses: its phrase alternative is searched.
        let unknown = said(&floor, &generation, &["hyalurin"], true);
        assert_eq!(unknown.doc_freq, 0);
        let forms = [unknown, gel(false)];
        let planned = floor.plan(&generation, [&forms[..]]);
        assert!(
            planned.iter().any(|p| p.stems.len() == 2),
            "the phrase is planned"
        );
        // A word articles use: the phrase alternative adds cost and is left out.
        let known = said(&floor, &generation, &["filler"], true);
        assert!(known.doc_freq > 0);
        let forms = [known, gel(false)];
        let planned = floor.plan(&generation, [&forms[..]]);
        assert!(planned.iter().all(|p| p.stems.len() == 1), "only the word");
    }

    #[test]
    fn a_clause_that_could_match_nothing_is_left_out() {
        let (_dir, generation, floor) = fixtures();
        let nowhere = said(&floor, &generation, &["zebra"], true);
        let forms = [nowhere];
        assert!(floor.plan(&generation, [&forms[..]]).is_empty());
        // Titles match the visitor's own single words only, never a phrase.
        let phrase = said(&floor, &generation, &["hyaluron", "acid"], true);
        let forms = [phrase];
        let planned = floor.plan(&generation, [&forms[..]]);
        let title = generation.fields.title;
        assert!(!planned.is_empty() && planned.iter().all(|p| p.field != title));
    }
}
