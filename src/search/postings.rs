//! The postings a question's clauses can search, read once per index generation with each
//! passage's share of the BM25 score worked out then: every phrase of the lexicon whose words a
//! searched field holds (one that no passage holds as a phrase is known to match nothing) and,
//! on a small index, every word of those fields. A clause then walks a list instead of opening
//! postings in the segment, decoding blocks, reading positions and building a weight. On a
//! small index that was most of what a search cost; on a large one, matching phrases against
//! positions was a third of it, and a lexicon phrase that matches nothing is no longer searched
//! at all. The scores are to the bit the ones tantivy's `TermQuery` and `PhraseQuery` give:
//! tests compare every word of every field and every phrase of the lexicon. A phrase that is
//! not in the lexicon still goes through tantivy.
//!
//! Memory: two 4-byte numbers per (phrase, passage) pair of the searched fields, and per (word,
//! passage) pair on indexes of at most [`SMALL_INDEX`] passages. On 10,000 generated articles
//! (310,000 passages) the phrases took 6 MB more, and loading a generation 0.7 billion more
//! instructions (healthy in 0.67 s against 0.64 s, in one run).

use std::sync::Arc;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::index::SegmentId;
use tantivy::postings::{Postings as _, SegmentPostings};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Score, Searcher, SegmentReader, TERMINATED, Term};

use super::stats::Statistics;
use crate::text::FastMap;

/// BM25's constants, as tantivy fixes them.
const K1: Score = 1.2;
const B: Score = 0.75;

/// Indexes of at most this many passages have every word of the searched fields read too: a
/// few megabytes at most, and walking a list costs less than opening a word's postings.
pub const SMALL_INDEX: u64 = 4096;

/// The searched fields' postings, by field and then by stems (one for a word).
pub struct Postings {
    fields: Vec<(Field, Clauses)>,
}

/// One field's words and phrases, by their stems.
type Clauses = FastMap<Box<[String]>, Arc<ClausePostings>>;

/// One word or phrase of one field: where it occurs and what each occurrence scores.
pub struct ClausePostings {
    /// `idf * (1 + k1)`, the idf summed over a phrase's words: the factor common to all
    /// passages.
    weight: Score,
    segments: Box<[Occurrences]>,
}

impl ClausePostings {
    /// Whether no passage holds it.
    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    /// Calls `found` with each passage of the segment that holds it, in order, and what it
    /// scores there boosted by `boost`, as tantivy's `TermQuery` or `PhraseQuery` of the same
    /// words would, boosted.
    pub fn for_each_in(
        &self,
        segment: SegmentId,
        boost: Score,
        mut found: impl FnMut(DocId, Score),
    ) {
        let Some(occurrences) = self.segments.iter().find(|s| s.segment == segment) else {
            return;
        };
        // As `Bm25Weight::boost_by` weighs it.
        let weight = if boost == 1.0 {
            self.weight
        } else {
            self.weight * boost
        };
        for (&doc, &tf_factor) in occurrences.docs.iter().zip(&occurrences.tf_factors) {
            found(doc, weight * tf_factor);
        }
    }
}

/// Where a word or phrase occurs in one segment.
struct Occurrences {
    segment: SegmentId,
    /// Ascending.
    docs: Box<[DocId]>,
    /// Per passage, with `freq` the occurrences in it: `freq / (freq + k1 * (1 - b + b * dl /
    /// avgdl))`.
    tf_factors: Box<[Score]>,
}

/// One field's length normalisation: `k1 * (1 - b + b * dl / avgdl)` for each of tantivy's 256
/// encoded lengths, as `Bm25Weight` computes it.
struct Norms {
    table: [Score; 256],
}

impl Norms {
    fn new(tokens: u64, docs: u64) -> Norms {
        let average = tokens as Score / docs as Score;
        let mut table = [0.0; 256];
        for (id, norm) in table.iter_mut().enumerate() {
            let length = FieldNormReader::id_to_fieldnorm(id as u8);
            *norm = K1 * (1.0 - B + B * length as Score / average);
        }
        Norms { table }
    }

    fn tf_factor(&self, fieldnorm_id: u8, freq: u32) -> Score {
        let freq = freq as Score;
        freq / (freq + self.table[fieldnorm_id as usize])
    }
}

impl Postings {
    /// Reads every one of `phrases` that some passage's field holds and, with `words`, every
    /// word of `fields`.
    pub fn read<'a>(
        searcher: &Searcher,
        fields: &[Field],
        phrases: impl Iterator<Item = &'a [String]> + Clone,
        stats: &Statistics,
        words: bool,
    ) -> tantivy::Result<Postings> {
        let fields = fields
            .iter()
            .map(|&field| {
                let norms = Norms::new(stats.field_tokens(field), stats.docs());
                let mut clauses = if words {
                    read_words(searcher, field, &norms, stats)?
                } else {
                    Clauses::default()
                };
                let positions = searcher
                    .schema()
                    .get_field_entry(field)
                    .field_type()
                    .get_index_record_option()
                    .is_some_and(IndexRecordOption::has_positions);
                for phrase in phrases.clone().filter(|_| positions) {
                    if clauses.contains_key(phrase)
                        || phrase.iter().any(|s| stats.field_doc_freq(field, s) == 0)
                    {
                        continue;
                    }
                    let clause = read_phrase(searcher, field, phrase, &norms, stats)?;
                    clauses.insert(phrase.into(), Arc::new(clause));
                }
                Ok((field, clauses))
            })
            .collect::<tantivy::Result<_>>()?;
        Ok(Postings { fields })
    }

    /// The postings of `stems` (a word or a phrase) in `field`; `None` when they were not read:
    /// a word no passage's field holds, a phrase that is not the lexicon's or one of whose
    /// words the field lacks.
    pub fn clause(&self, field: Field, stems: &[String]) -> Option<&Arc<ClausePostings>> {
        self.fields
            .iter()
            .find(|(f, _)| *f == field)
            .and_then(|(_, clauses)| clauses.get(stems))
    }
}

/// BM25's inverse document frequency, `ln(1 + (N - n + 0.5) / (n + 0.5))`, summed over a
/// phrase's words in order as tantivy sums it, times `1 + k1`.
fn weight(stats: &Statistics, field: Field, stems: &[String]) -> Score {
    let docs = stats.docs();
    let mut idf: Score = 0.0;
    for stem in stems {
        let doc_freq = stats.field_doc_freq(field, stem).min(docs);
        let x = ((docs - doc_freq) as Score + 0.5) / (doc_freq as Score + 0.5);
        idf += (1.0 + x).ln();
    }
    idf * (1.0 + K1)
}

fn read_words(
    searcher: &Searcher,
    field: Field,
    norms: &Norms,
    stats: &Statistics,
) -> tantivy::Result<Clauses> {
    let mut by_word: FastMap<String, Vec<Occurrences>> = FastMap::default();
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
                docs.push(doc);
                tf_factors
                    .push(norms.tf_factor(fieldnorms.fieldnorm_id(doc), postings.term_freq()));
                doc = postings.advance();
            }
            by_word
                .entry(stem.to_string())
                .or_default()
                .push(Occurrences {
                    segment: reader.segment_id(),
                    docs: docs.into(),
                    tf_factors: tf_factors.into(),
                });
        }
    }
    Ok(by_word
        .into_iter()
        .map(|(stem, segments)| {
            let stems: Box<[String]> = Box::new([stem]);
            let clause = ClausePostings {
                weight: weight(stats, field, &stems),
                segments: segments.into(),
            };
            (stems, Arc::new(clause))
        })
        .collect())
}

/// A phrase's postings, none when no passage holds it.
fn read_phrase(
    searcher: &Searcher,
    field: Field,
    stems: &[String],
    norms: &Norms,
    stats: &Statistics,
) -> tantivy::Result<ClausePostings> {
    let terms: Box<[Term]> = stems
        .iter()
        .map(|s| Term::from_field_text(field, s))
        .collect();
    let mut segments = Vec::new();
    for reader in searcher.segment_readers() {
        let fieldnorms = reader.get_fieldnorms_reader(field)?;
        let mut docs = Vec::new();
        let mut tf_factors = Vec::new();
        for_each_phrase_doc(reader, &terms, |doc, freq| {
            docs.push(doc);
            tf_factors.push(norms.tf_factor(fieldnorms.fieldnorm_id(doc), freq));
        })?;
        if !docs.is_empty() {
            segments.push(Occurrences {
                segment: reader.segment_id(),
                docs: docs.into(),
                tf_factors: tf_factors.into(),
            });
        }
    }
    Ok(ClausePostings {
        weight: weight(stats, field, stems),
        segments: segments.into(),
    })
}

/// Calls `found` with each document of the segment that holds the phrase `terms` (consecutive
/// positions, no slop), and how many times it holds it.
fn for_each_phrase_doc(
    reader: &SegmentReader,
    terms: &[Term],
    mut found: impl FnMut(DocId, u32),
) -> tantivy::Result<()> {
    let inverted = reader.inverted_index(terms[0].field())?;
    let mut postings: Vec<SegmentPostings> = Vec::with_capacity(terms.len());
    for term in terms {
        match inverted.read_postings(term, IndexRecordOption::WithFreqsAndPositions)? {
            Some(p) => postings.push(p),
            None => return Ok(()),
        }
    }
    let last = terms.len() as u32 - 1;
    let (mut common, mut next) = (Vec::new(), Vec::new());
    let mut doc = postings[0].doc();
    'docs: while doc != TERMINATED {
        for p in &mut postings[1..] {
            // A word's postings may already be past `doc`; seeking is only forward.
            let at = if p.doc() < doc { p.seek(doc) } else { p.doc() };
            if at != doc {
                doc = postings[0].seek(at);
                continue 'docs;
            }
        }
        // Each word's positions moved to where the phrase would end, then intersected.
        postings[0].positions_with_offset(last, &mut common);
        for (i, p) in postings.iter_mut().enumerate().skip(1) {
            p.positions_with_offset(last - i as u32, &mut next);
            common.retain(|position| next.binary_search(position).is_ok());
        }
        if !common.is_empty() {
            found(doc, common.len() as u32);
        }
        doc = postings[0].advance();
    }
    Ok(())
}

/// The lists as tantivy queries, for tests to search them with tantivy's collectors and compare
/// them with tantivy's own `TermQuery` and `PhraseQuery`.
#[cfg(test)]
pub mod query {
    use std::sync::Arc;

    use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
    use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED};

    use super::ClausePostings;

    /// A word or phrase scored from its list, boosted as tantivy boosts a clause.
    #[derive(Clone)]
    pub struct Clause {
        postings: Arc<ClausePostings>,
    }

    impl Clause {
        pub fn new(postings: Arc<ClausePostings>) -> Clause {
            Clause { postings }
        }
    }

    impl std::fmt::Debug for Clause {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "Clause(weight {})", self.postings.weight)
        }
    }

    impl Query for Clause {
        fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
            Ok(Box::new(self.clone()))
        }
    }

    impl Weight for Clause {
        fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
            let mut found = Vec::new();
            self.postings
                .for_each_in(reader.segment_id(), boost, |doc, score| {
                    found.push((doc, score))
                });
            Ok(Box::new(Listed { found, at: 0 }))
        }

        fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
            let mut scorer = self.scorer(reader, 1.0)?;
            if scorer.doc() > doc || scorer.seek(doc) != doc {
                return Err(tantivy::TantivyError::InvalidArgument(format!(
                    "document {doc} does not hold it"
                )));
            }
            Ok(Explanation::new("listed", scorer.score()))
        }
    }

    /// One segment's passages and scores, walked in order.
    struct Listed {
        found: Vec<(DocId, Score)>,
        at: usize,
    }

    impl DocSet for Listed {
        fn advance(&mut self) -> DocId {
            self.at = (self.at + 1).min(self.found.len());
            self.doc()
        }

        fn doc(&self) -> DocId {
            self.found.get(self.at).map_or(TERMINATED, |(doc, _)| *doc)
        }

        fn size_hint(&self) -> u32 {
            self.found.len() as u32
        }
    }

    impl Scorer for Listed {
        fn score(&mut self) -> Score {
            self.found[self.at].1
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use tantivy::collector::TopDocs;
    use tantivy::query::{BoostQuery, PhraseQuery, Query, TermQuery};

    use super::query::Clause;
    use super::*;
    use crate::answer::Lexicon;
    use crate::index::Generation;

    fn fixtures() -> (tempfile::TempDir, Generation, Statistics) {
        let dir = tempfile::TempDir::new().unwrap();
        let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/clinic");
        let (generation, _) = crate::index::build(&corpus, dir.path()).unwrap();
        let stats = Statistics::read(&generation).unwrap();
        (dir, generation, stats)
    }

    /// The fixtures with the lexicon's phrases (and, with `words`, every word) of the three
    /// searched fields read.
    fn read_fixtures(
        words: bool,
    ) -> (tempfile::TempDir, Generation, Statistics, Lexicon, Postings) {
        let (dir, generation, stats) = fixtures();
        let lexicon = Lexicon::load(None).unwrap();
        let f = &generation.fields;
        let fields = [f.body, f.heading, f.title];
        let searcher = generation.searcher();
        let postings =
            Postings::read(&searcher, &fields, lexicon.phrases(), &stats, words).unwrap();
        (dir, generation, stats, lexicon, postings)
    }

    /// Ranks and scores with ours and with tantivy's own query, boosted three ways; returns the
    /// passages compared.
    fn compare(
        searcher: &Searcher,
        stats: &Statistics,
        ours: &Clause,
        theirs: &dyn Query,
    ) -> usize {
        let mut compared = 0;
        for boost in [1.0, 0.7, 2.0] {
            let top = TopDocs::with_limit(10_000).order_by_score();
            let a = BoostQuery::new(Box::new(ours.clone()), boost);
            let b = BoostQuery::new(theirs.box_clone(), boost);
            let a = searcher
                .search_with_statistics_provider(&a, &top, stats)
                .unwrap();
            let b = searcher
                .search_with_statistics_provider(&b, &top, stats)
                .unwrap();
            assert_eq!(a, b, "{ours:?} boosted {boost}");
            compared += a.len();
        }
        compared
    }

    /// Every word of every searched field, and every lexicon phrase, scores each passage
    /// exactly as tantivy's own queries do, so answers and staff's rankings are unchanged.
    #[test]
    fn every_word_and_phrase_scores_every_passage_as_tantivy_does() {
        let (_dir, generation, stats, lexicon, postings) = read_fixtures(true);
        let searcher = generation.searcher();
        let f = &generation.fields;
        let fields = [f.body, f.heading, f.title];
        let (mut words, mut phrases) = (0, 0);
        for field in fields {
            for stem in generation.terms(field).unwrap().keys() {
                let ours = postings.clause(field, std::slice::from_ref(stem)).unwrap();
                let term = Term::from_field_text(field, stem);
                let theirs = TermQuery::new(term, IndexRecordOption::WithFreqs);
                words += compare(&searcher, &stats, &Clause::new(ours.clone()), &theirs);
            }
            for phrase in lexicon.phrases().filter(|_| field != f.title) {
                let terms = phrase
                    .iter()
                    .map(|s| Term::from_field_text(field, s))
                    .collect();
                let theirs = PhraseQuery::new(terms);
                match postings.clause(field, phrase) {
                    Some(ours) => {
                        assert_eq!(ours.is_empty(), theirs.count(&searcher).unwrap() == 0);
                        phrases += compare(&searcher, &stats, &Clause::new(ours.clone()), &theirs)
                    }
                    None => assert_eq!(
                        theirs.count(&searcher).unwrap(),
                        0,
                        "{phrase:?} was not read but some passage holds it"
                    ),
                }
            }
        }
        let title = ["chemic".to_string(), "peel".to_string()];
        assert!(
            postings.clause(f.title, &title).is_none(),
            "titles have no positions"
        );
        assert!(words > 1000, "the fixtures have words to compare: {words}");
        assert!(phrases > 20, "the fixtures hold lexicon phrases: {phrases}");
    }

    /// Read for a large index, the lexicon's phrases still score as tantivy's `PhraseQuery`
    /// does, and its words are left to tantivy.
    #[test]
    fn without_words_only_the_lexicons_phrases_are_read() {
        let (_dir, generation, stats) = fixtures();
        let searcher = generation.searcher();
        let lexicon = Lexicon::load(None).unwrap();
        let body = generation.fields.body;
        let postings =
            Postings::read(&searcher, &[body], lexicon.phrases(), &stats, false).unwrap();
        let phrase = ["chemic".to_string(), "peel".to_string()];
        let ours = Clause::new(postings.clause(body, &phrase).unwrap().clone());
        let terms = phrase.iter().map(|s| Term::from_field_text(body, s));
        let theirs = PhraseQuery::new(terms.collect());
        assert!(compare(&searcher, &stats, &ours, &theirs) > 0);
        assert!(postings.clause(body, &["peel".to_string()]).is_none());
    }

    /// A list's explanation of a passage's score holds the same figure as the score, for a
    /// word and for a phrase.
    #[test]
    fn words_and_phrases_explain_their_scores() {
        let (_dir, generation, stats) = fixtures();
        let searcher = generation.searcher();
        let body = generation.fields.body;
        let phrase = ["chemic".to_string(), "peel".to_string()];
        let postings =
            Postings::read(&searcher, &[body], [&phrase[..]].into_iter(), &stats, true).unwrap();
        for stems in [&["session".to_string()][..], &phrase] {
            let clause = Clause::new(postings.clause(body, stems).unwrap().clone());
            let top = TopDocs::with_limit(3).order_by_score();
            let hits = searcher
                .search_with_statistics_provider(&clause, &top, &stats)
                .unwrap();
            assert!(!hits.is_empty(), "{stems:?}");
            for (score, address) in hits {
                let explained = Query::explain(&clause, &searcher, address).unwrap();
                assert_eq!(explained.value(), score, "{stems:?}");
            }
        }
        assert!(
            postings
                .clause(body, &["no-such-stem".to_string()])
                .is_none()
        );
    }
}
