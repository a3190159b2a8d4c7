//! On a small index, every searched word's postings read once per index generation, with each
//! passage's share of its BM25 score worked out then: a question's single-word clauses walk
//! these lists instead of opening the word's postings in the segment, decoding a block and
//! building a weight, which is most of what a search cost there. The scores are to the bit the
//! ones tantivy's `TermQuery` gives (a test compares every word of every field); phrases still go
//! through tantivy, which reads their positions.
//!
//! Memory: two 4-byte numbers per (word, passage) pair of the body, heading and title fields,
//! only for indexes of at most [`super::sum::SMALL_INDEX`] passages.

use std::sync::Arc;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::index::SegmentId;
use tantivy::postings::Postings as _;
use tantivy::query::{Bm25Weight, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Score, Searcher, SegmentReader, TERMINATED, Term};

use super::stats::Statistics;
use crate::text::FastMap;

/// BM25's constants, as tantivy fixes them.
const K1: Score = 1.2;
const B: Score = 0.75;

/// The searched fields' postings.
pub struct Postings {
    fields: Vec<(Field, FastMap<String, Arc<TermPostings>>)>,
}

/// One word of one field: where it occurs and what each occurrence scores.
pub struct TermPostings {
    term: Term,
    /// Passages holding the word, in all segments, and all passages: its idf's inputs.
    doc_freq: u64,
    docs: u64,
    average_fieldnorm: Score,
    /// `idf * (1 + k1)`: the score's factor common to all passages.
    weight: Score,
    segments: Box<[SegmentPostings]>,
}

struct SegmentPostings {
    segment: SegmentId,
    /// Ascending.
    docs: Box<[DocId]>,
    /// Per passage: `freq / (freq + k1 * (1 - b + b * dl / avgdl))`.
    tf_factors: Box<[Score]>,
}

impl Postings {
    /// Reads every term of `fields` from every segment.
    pub fn read(
        searcher: &Searcher,
        fields: &[Field],
        stats: &Statistics,
    ) -> tantivy::Result<Postings> {
        let docs = stats.docs();
        let fields = fields
            .iter()
            .map(|&field| Ok((field, read_field(searcher, field, stats, docs)?)))
            .collect::<tantivy::Result<_>>()?;
        Ok(Postings { fields })
    }

    /// The word's postings in `field`; `None` when no passage's field holds it.
    pub fn term(&self, field: Field, stem: &str) -> Option<&Arc<TermPostings>> {
        self.fields
            .iter()
            .find(|(f, _)| *f == field)
            .and_then(|(_, terms)| terms.get(stem))
    }
}

fn read_field(
    searcher: &Searcher,
    field: Field,
    stats: &Statistics,
    docs: u64,
) -> tantivy::Result<FastMap<String, Arc<TermPostings>>> {
    // What tantivy's `Bm25Weight::for_terms` computes from the same statistics.
    let average_fieldnorm = stats.field_tokens(field) as Score / docs as Score;
    let mut norms = [0.0 as Score; 256];
    for (id, norm) in norms.iter_mut().enumerate() {
        let length = FieldNormReader::id_to_fieldnorm(id as u8);
        *norm = K1 * (1.0 - B + B * length as Score / average_fieldnorm);
    }
    let mut by_term: FastMap<String, Vec<SegmentPostings>> = FastMap::default();
    for reader in searcher.segment_readers() {
        let inverted = reader.inverted_index(field)?;
        let fieldnorms = reader.get_fieldnorms_reader(field)?;
        let mut stream = inverted.terms().stream()?;
        while stream.advance() {
            let Ok(stem) = std::str::from_utf8(stream.key()) else {
                continue;
            };
            let mut postings = inverted
                .read_postings_from_terminfo(stream.value(), IndexRecordOption::WithFreqs)?;
            let mut docs = Vec::with_capacity(stream.value().doc_freq as usize);
            let mut tf_factors = Vec::with_capacity(docs.capacity());
            let mut doc = postings.doc();
            while doc != TERMINATED {
                let freq = postings.term_freq() as Score;
                docs.push(doc);
                tf_factors.push(freq / (freq + norms[fieldnorms.fieldnorm_id(doc) as usize]));
                doc = postings.advance();
            }
            by_term
                .entry(stem.to_string())
                .or_default()
                .push(SegmentPostings {
                    segment: reader.segment_id(),
                    docs: docs.into(),
                    tf_factors: tf_factors.into(),
                });
        }
    }
    Ok(by_term
        .into_iter()
        .map(|(stem, segments)| {
            let doc_freq = stats.field_doc_freq(field, &stem).min(docs);
            let term = Term::from_field_text(field, &stem);
            let postings = TermPostings {
                term,
                doc_freq,
                docs,
                average_fieldnorm,
                weight: idf(doc_freq, docs) * (1.0 + K1),
                segments: segments.into(),
            };
            (stem, Arc::new(postings))
        })
        .collect())
}

/// BM25's inverse document frequency, `ln(1 + (N - n + 0.5) / (n + 0.5))`.
fn idf(doc_freq: u64, docs: u64) -> Score {
    let x = ((docs - doc_freq) as Score + 0.5) / (doc_freq as Score + 0.5);
    (1.0 + x).ln()
}

/// A single-word clause scored from [`Postings`]: what a `TermQuery` with frequencies scores.
#[derive(Clone)]
pub struct TermClause {
    postings: Arc<TermPostings>,
}

impl TermClause {
    pub fn new(postings: Arc<TermPostings>) -> TermClause {
        TermClause { postings }
    }
}

impl std::fmt::Debug for TermClause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TermClause({:?})", self.postings.term)
    }
}

impl Query for TermClause {
    /// Scores with the generation's statistics, whatever `scoring` holds: the postings were
    /// weighed with them when they were read.
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        visitor(&self.postings.term, false);
    }
}

impl Weight for TermClause {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let segment = reader.segment_id();
        let Some(at) = self
            .postings
            .segments
            .iter()
            .position(|s| s.segment == segment)
        else {
            return Ok(Box::new(tantivy::query::EmptyScorer));
        };
        // As `Bm25Weight::boost_by` does.
        let weight = if boost == 1.0 {
            self.postings.weight
        } else {
            self.postings.weight * boost
        };
        Ok(Box::new(TermClauseScorer {
            postings: self.postings.clone(),
            segment: at,
            at: 0,
            weight,
        }))
    }

    /// Explained as tantivy explains a term's BM25 score, from the segment's own postings.
    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let p = &self.postings;
        let field = p.term.field();
        let not_found = || {
            tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} does not hold {:?}",
                p.term
            ))
        };
        let mut postings = reader
            .inverted_index(field)?
            .read_postings(&p.term, IndexRecordOption::WithFreqs)?
            .ok_or_else(not_found)?;
        if postings.doc() > doc || postings.seek(doc) != doc {
            return Err(not_found());
        }
        let fieldnorm_id = reader.get_fieldnorms_reader(field)?.fieldnorm_id(doc);
        let mut explanation = Bm25Weight::for_one_term(p.doc_freq, p.docs, p.average_fieldnorm)
            .explain(fieldnorm_id, postings.term_freq());
        explanation.add_context(format!("Term={:?}", p.term));
        Ok(explanation)
    }
}

struct TermClauseScorer {
    postings: Arc<TermPostings>,
    segment: usize,
    at: usize,
    weight: Score,
}

impl TermClauseScorer {
    fn docs(&self) -> &[DocId] {
        &self.postings.segments[self.segment].docs
    }
}

impl DocSet for TermClauseScorer {
    fn advance(&mut self) -> DocId {
        if self.at < self.docs().len() {
            self.at += 1;
        }
        self.doc()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        let docs = self.docs();
        self.at += docs[self.at..].partition_point(|&d| d < target);
        self.doc()
    }

    fn doc(&self) -> DocId {
        self.docs().get(self.at).copied().unwrap_or(TERMINATED)
    }

    fn size_hint(&self) -> u32 {
        self.docs().len() as u32
    }
}

impl Scorer for TermClauseScorer {
    fn score(&mut self) -> Score {
        self.weight * self.postings.segments[self.segment].tf_factors[self.at]
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use tantivy::collector::TopDocs;
    use tantivy::query::{BoostQuery, TermQuery};

    use super::*;

    /// Every word of every searched field scores each passage exactly as tantivy's own term
    /// query does, boosted or not, so answers and staff's rankings are what they were.
    #[test]
    fn every_word_scores_every_passage_as_tantivy_does() {
        let dir = tempfile::TempDir::new().unwrap();
        let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/clinic");
        let (generation, _) = crate::index::build(&corpus, dir.path()).unwrap();
        let searcher = generation.searcher();
        let stats = Statistics::read(&generation).unwrap();
        let f = &generation.fields;
        let fields = [f.body, f.heading, f.title];
        let postings = Postings::read(&searcher, &fields, &stats).unwrap();
        let mut compared = 0;
        for field in fields {
            for stem in generation.terms(field).unwrap().keys() {
                let clause = postings.term(field, stem).expect("every term is read");
                for boost in [1.0, 0.7, 2.0] {
                    let top = TopDocs::with_limit(10_000).order_by_score();
                    let ours = BoostQuery::new(Box::new(TermClause::new(clause.clone())), boost);
                    let theirs = BoostQuery::new(
                        Box::new(TermQuery::new(
                            Term::from_field_text(field, stem),
                            IndexRecordOption::WithFreqs,
                        )),
                        boost,
                    );
                    let ours = searcher
                        .search_with_statistics_provider(&ours, &top, &stats)
                        .unwrap();
                    let theirs = searcher
                        .search_with_statistics_provider(&theirs, &top, &stats)
                        .unwrap();
                    assert_eq!(ours, theirs, "{stem:?} boosted {boost}");
                    compared += ours.len();
                }
            }
        }
        assert!(
            compared > 1000,
            "the fixtures have words to compare: {compared}"
        );
    }

    /// Staff's explanation of a passage's score holds the same figure as the score.
    #[test]
    fn a_word_explains_its_score() {
        let dir = tempfile::TempDir::new().unwrap();
        let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/clinic");
        let (generation, _) = crate::index::build(&corpus, dir.path()).unwrap();
        let searcher = generation.searcher();
        let stats = Statistics::read(&generation).unwrap();
        let body = generation.fields.body;
        let postings = Postings::read(&searcher, &[body], &stats).unwrap();
        let clause = TermClause::new(postings.term(body, "session").unwrap().clone());
        let top = TopDocs::with_limit(3).order_by_score();
        let hits = searcher
            .search_with_statistics_provider(&clause, &top, &stats)
            .unwrap();
        assert!(!hits.is_empty());
        for (score, address) in hits {
            let explained = Query::explain(&clause, &searcher, address).unwrap();
            assert_eq!(explained.value(), score);
        }
        assert!(postings.term(body, "no-such-stem").is_none());
    }
}
