//! A query that adds up the scores of the clauses a passage matches: what a `BooleanQuery` of
//! `Should` clauses scores, without its set-up cost. For a search with a phrase among its
//! clauses, tantivy's union fills and clears a window of 4,096 documents, which on an index of
//! a few hundred passages costs more than the search itself; here the clauses' scorers are
//! walked side by side instead. Used only on small indexes, and there only when a clause was
//! not read with the generation (a phrase outside the lexicon) or the index has several
//! segments: otherwise [`super::postings::top`] adds up the same lists without a query. Large
//! indexes are searched a clause at a time ([`super::tally`]).

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED};

/// Indexes with at most this many passages are searched with [`SumQuery`]: tantivy's own
/// union works in windows of this many documents.
pub const SMALL_INDEX: u64 = 4096;

#[derive(Debug)]
pub struct SumQuery {
    clauses: Vec<Box<dyn Query>>,
}

impl Clone for SumQuery {
    fn clone(&self) -> SumQuery {
        SumQuery::new(self.clauses.iter().map(|c| c.box_clone()).collect())
    }
}

impl SumQuery {
    pub fn new(clauses: Vec<Box<dyn Query>>) -> SumQuery {
        SumQuery { clauses }
    }
}

impl Query for SumQuery {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let weights = self
            .clauses
            .iter()
            .map(|clause| clause.weight(scoring))
            .collect::<tantivy::Result<_>>()?;
        Ok(Box::new(SumWeight { weights }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a tantivy::Term, bool)) {
        for clause in &self.clauses {
            clause.query_terms(visitor);
        }
    }
}

struct SumWeight {
    weights: Vec<Box<dyn Weight>>,
}

impl Weight for SumWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut scorers = Vec::with_capacity(self.weights.len());
        for weight in &self.weights {
            let scorer = weight.scorer(reader, boost)?;
            if scorer.doc() != TERMINATED {
                scorers.push(scorer);
            }
        }
        Ok(Box::new(SumScorer::new(scorers)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut details = Vec::new();
        for weight in &self.weights {
            let mut scorer = weight.scorer(reader, 1.0)?;
            let at = match scorer.doc() {
                before if before < doc => scorer.seek(doc),
                at => at,
            };
            if at == doc {
                details.push(weight.explain(reader, doc)?);
            }
        }
        if details.is_empty() {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} matches no clause"
            )));
        }
        let mut explanation = Explanation::new("sum of", details.iter().map(|d| d.value()).sum());
        for detail in details {
            explanation.add_detail(detail);
        }
        Ok(explanation)
    }
}

/// The clauses' scorers side by side; the current document is the lowest any of them is on.
/// Each scorer's document is kept here too, so that stepping through the union asks each
/// scorer nothing but to advance when it is on the current document.
struct SumScorer {
    scorers: Vec<Box<dyn Scorer>>,
    /// `scorers[i].doc()`.
    docs: Vec<DocId>,
    doc: DocId,
}

impl SumScorer {
    fn new(scorers: Vec<Box<dyn Scorer>>) -> SumScorer {
        let docs: Vec<DocId> = scorers.iter().map(|s| s.doc()).collect();
        let doc = docs.iter().copied().min().unwrap_or(TERMINATED);
        SumScorer { scorers, docs, doc }
    }
}

impl DocSet for SumScorer {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        let mut next = TERMINATED;
        for (scorer, at) in self.scorers.iter_mut().zip(&mut self.docs) {
            if *at == self.doc {
                *at = scorer.advance();
            }
            next = next.min(*at);
        }
        self.doc = next;
        next
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.scorers
            .iter()
            .map(|s| s.size_hint())
            .max()
            .unwrap_or(0)
    }
}

impl Scorer for SumScorer {
    /// Clause by clause in the query's order, as tantivy's union adds them.
    fn score(&mut self) -> Score {
        let doc = self.doc;
        let mut sum = 0.0;
        for (scorer, at) in self.scorers.iter_mut().zip(&self.docs) {
            if *at == doc {
                sum += scorer.score();
            }
        }
        sum
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use tantivy::Term;
    use tantivy::query::{BooleanQuery, BoostQuery, Occur, PhraseQuery, TermQuery};
    use tantivy::schema::{Field, IndexRecordOption};

    use super::*;

    fn fixtures() -> (tempfile::TempDir, crate::index::Generation) {
        let dir = tempfile::TempDir::new().unwrap();
        let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/clinic");
        let (generation, _) = crate::index::build(&corpus, dir.path()).unwrap();
        (dir, generation)
    }

    fn term(field: Field, stem: &str) -> Box<dyn Query> {
        let term = Term::from_field_text(field, stem);
        Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))
    }

    /// Staff and visitors get the passages, and the scores, that tantivy's own union of the
    /// same clauses gives: single words, a phrase, boosts, a word no passage holds.
    #[test]
    fn passages_rank_and_score_as_with_a_boolean_query_of_the_same_clauses() {
        let (_dir, generation) = fixtures();
        let searcher = generation.searcher();
        let f = &generation.fields;
        let phrase = PhraseQuery::new(vec![
            Term::from_field_text(f.body, "chemic"),
            Term::from_field_text(f.body, "peel"),
        ]);
        let clauses = || -> Vec<Box<dyn Query>> {
            vec![
                term(f.body, "session"),
                Box::new(BoostQuery::new(term(f.heading, "recoveri"), 2.0)),
                Box::new(BoostQuery::new(Box::new(phrase.clone()), 0.7)),
                term(f.body, "no-such-stem"),
                Box::new(BoostQuery::new(term(f.title, "peel"), 0.5)),
            ]
        };
        let summed = SumQuery::new(clauses());
        let boolean = BooleanQuery::new(
            clauses()
                .into_iter()
                .map(|clause| (Occur::Should, clause))
                .collect(),
        );
        let ours = generation
            .search_addresses(&searcher, &summed, 50, &searcher)
            .unwrap();
        let theirs = generation
            .search_addresses(&searcher, &boolean, 50, &searcher)
            .unwrap();
        assert!(ours.len() >= 5, "the fixtures match the clauses: {ours:?}");
        assert!(phrase.count(&searcher).unwrap() > 0, "the phrase matches");
        assert_eq!(ours, theirs);
        let (score, address) = ours[0];
        let explained = summed.explain(&searcher, address).unwrap();
        assert!((explained.value() - score).abs() < 1e-4, "{explained:?}");
    }
}
