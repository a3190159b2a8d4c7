//! The search on a large index, a clause at a time: each clause's postings are walked once, in
//! a tight loop, adding each passage's share into one array of scores per segment, and the best
//! are then picked from that array. Tantivy's union, which this replaces there, walks the same
//! postings through boxed scorers into a window of 4,096 documents, then hands every matched
//! passage to the collector; on a large corpus most passages hold some word of a question, so
//! that walk was most of a search. The scores are the union's to the bit (each passage's shares
//! added in the clauses' order, each as `TermQuery`, the read lists or the clause's own query
//! scores it), and the ranking is `TopDocs`' (by score, then by segment and document).

use std::cell::RefCell;
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::Postings as _;
use tantivy::query::{Bm25Weight, Weight};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, DocId, DocSet, Score, Searcher, SegmentReader, TERMINATED, Term};

use super::postings::ClausePostings;

/// One clause of a search.
pub enum Part<'a> {
    /// A word, scored as a `TermQuery` with frequencies scores it under `weight` (its boost
    /// included).
    Word { term: Term, weight: Bm25Weight },
    /// A word or phrase read with the generation, and its boost.
    Listed {
        postings: &'a ClausePostings,
        boost: Score,
    },
    /// Any other clause, through its own query's weight (its boost included).
    Other(Box<dyn Weight>),
}

/// The best `limit` passages for `parts`, best first.
pub fn top(
    searcher: &Searcher,
    parts: &[Part],
    limit: usize,
) -> tantivy::Result<Vec<(Score, DocAddress)>> {
    let limit = limit.max(1);
    let mut best = Vec::new();
    SCRATCH.with(|scratch| -> tantivy::Result<()> {
        let mut scratch = scratch.borrow_mut();
        for (ord, reader) in searcher.segment_readers().iter().enumerate() {
            let found = scratch.search(reader, parts, limit)?;
            best.extend(
                found
                    .into_iter()
                    .map(|(score, doc)| (score, DocAddress::new(ord as u32, doc))),
            );
        }
        Ok(())
    })?;
    best.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    best.truncate(limit);
    Ok(best)
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::default();
}

/// One segment's scores, and which passages have one: kept by each thread between searches so
/// that a search of 300,000 passages neither allocates nor clears 1.2 MB. Every search leaves
/// them zeroed; `clean` is false only if one stopped halfway (a panic), and then they are
/// zeroed first.
struct Scratch {
    scores: Vec<Score>,
    matched: Vec<u64>,
    clean: bool,
}

impl Default for Scratch {
    fn default() -> Scratch {
        Scratch {
            scores: Vec::new(),
            matched: Vec::new(),
            clean: true,
        }
    }
}

impl Scratch {
    fn search(
        &mut self,
        reader: &SegmentReader,
        parts: &[Part],
        limit: usize,
    ) -> tantivy::Result<Vec<(Score, DocId)>> {
        if !self.clean {
            self.scores.fill(0.0);
            self.matched.fill(0);
        }
        let max_doc = reader.max_doc() as usize;
        if self.scores.len() < max_doc {
            self.scores.resize(max_doc, 0.0);
            self.matched.resize(max_doc.div_ceil(64), 0);
        }
        self.clean = false;
        let added = self.add(reader, parts);
        // Drained whatever happened, so the next search starts from zeros.
        let best = self.drain(reader, limit);
        self.clean = true;
        added.map(|()| best)
    }

    fn add(&mut self, reader: &SegmentReader, parts: &[Part]) -> tantivy::Result<()> {
        let (scores, matched) = (&mut self.scores, &mut self.matched);
        let mut add = |doc: DocId, score: Score| {
            scores[doc as usize] += score;
            matched[doc as usize / 64] |= 1 << (doc % 64);
        };
        for part in parts {
            match part {
                Part::Word { term, weight } => {
                    let inverted = reader.inverted_index(term.field())?;
                    let Some(mut postings) =
                        inverted.read_postings(term, IndexRecordOption::WithFreqs)?
                    else {
                        continue;
                    };
                    let fieldnorms = fieldnorms(reader, term.field())?;
                    let mut doc = postings.doc();
                    while doc != TERMINATED {
                        add(
                            doc,
                            weight.score(fieldnorms.fieldnorm_id(doc), postings.term_freq()),
                        );
                        doc = postings.advance();
                    }
                }
                Part::Listed { postings, boost } => {
                    postings.for_each_in(reader.segment_id(), *boost, &mut add);
                }
                Part::Other(weight) => {
                    let mut scorer = weight.scorer(reader, 1.0)?;
                    let mut doc = scorer.doc();
                    while doc != TERMINATED {
                        add(doc, scorer.score());
                        doc = scorer.advance();
                    }
                }
            }
        }
        Ok(())
    }

    /// The segment's best `limit` passages, chosen as tantivy's `TopDocs` chooses them (a
    /// passage scoring the same as the worst kept one does not replace it, and passages come in
    /// order, so the first wins a tie), with every score and mark set back to zero.
    fn drain(&mut self, reader: &SegmentReader, limit: usize) -> Vec<(Score, DocId)> {
        let alive = reader.alive_bitset();
        let words = (reader.max_doc() as usize).div_ceil(64);
        let mut heap: BinaryHeap<Reverse<Hit>> = BinaryHeap::with_capacity(limit + 1);
        for (word, bits) in self.matched[..words].iter_mut().enumerate() {
            let mut bits = std::mem::take(bits);
            while bits != 0 {
                let doc = word * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let score = std::mem::take(&mut self.scores[doc]);
                let doc = doc as DocId;
                if alive.is_some_and(|a| a.is_deleted(doc)) {
                    continue;
                }
                if heap.len() < limit {
                    heap.push(Reverse(Hit { score, doc }));
                } else if let Some(mut worst) = heap.peek_mut()
                    && score > worst.0.score
                {
                    *worst = Reverse(Hit { score, doc });
                }
            }
        }
        heap.into_iter()
            .map(|Reverse(hit)| (hit.score, hit.doc))
            .collect()
    }
}

/// A passage kept: a higher score is better, then a lower document.
struct Hit {
    score: Score,
    doc: DocId,
}

impl Ord for Hit {
    fn cmp(&self, other: &Hit) -> Ordering {
        self.score
            .total_cmp(&other.score)
            .then(other.doc.cmp(&self.doc))
    }
}

impl PartialOrd for Hit {
    fn partial_cmp(&self, other: &Hit) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Hit {
    fn eq(&self, other: &Hit) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Hit {}

/// The field's lengths as `TermQuery` reads them: every passage counts as one word when the
/// field keeps none.
fn fieldnorms(reader: &SegmentReader, field: Field) -> tantivy::Result<FieldNormReader> {
    Ok(reader
        .fieldnorms_readers()
        .get_field(field)?
        .unwrap_or_else(|| FieldNormReader::constant(reader.max_doc(), 1)))
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use tantivy::collector::TopDocs;
    use tantivy::query::{
        BooleanQuery, BoostQuery, EnableScoring, Occur, PhraseQuery, Query, TermQuery,
    };
    use tantivy::schema::{Schema, TEXT};
    use tantivy::{Index, doc};

    use super::*;
    use crate::answer::Lexicon;
    use crate::search::postings::Postings;
    use crate::search::postings::query::Clause;
    use crate::search::stats::Statistics;

    /// A fixed sequence of picks (a linear congruential generator), the same every run.
    struct Picks(u64);

    impl Picks {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) as usize % n
        }
    }

    /// Tantivy's union without block-WAND, which sums a passage's clauses in another order
    /// (and so may differ in the last bit): the union the service searched with before.
    #[derive(Debug, Clone)]
    struct Unpruned(BooleanQuery);

    impl Query for Unpruned {
        fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
            Ok(Box::new(UnprunedWeight(self.0.weight(scoring)?)))
        }
    }

    /// The union's weight, but for `for_each_pruning`: the trait's, which walks the scorer.
    struct UnprunedWeight(Box<dyn Weight>);

    impl Weight for UnprunedWeight {
        fn scorer(
            &self,
            reader: &SegmentReader,
            boost: Score,
        ) -> tantivy::Result<Box<dyn tantivy::query::Scorer>> {
            self.0.scorer(reader, boost)
        }

        fn explain(
            &self,
            reader: &SegmentReader,
            doc: DocId,
        ) -> tantivy::Result<tantivy::query::Explanation> {
            self.0.explain(reader, doc)
        }
    }

    /// One clause both ways: as `tally` walks it and as a query in tantivy's union.
    enum Clause_<'a> {
        Word(Term),
        Listed(&'a Arc<ClausePostings>),
        Phrase(Vec<Term>),
    }

    /// Compares `tally::top` with tantivy's union of the same boosted clauses, searched with
    /// `stats`, at tops small enough that equal scores must be told apart; returns how many
    /// neighbouring hits tied.
    fn compare(
        searcher: &Searcher,
        stats: &dyn tantivy::query::Bm25StatisticsProvider,
        clauses: &[(Clause_, Score)],
    ) -> usize {
        let scoring = EnableScoring::enabled_from_statistics_provider(stats, searcher);
        let mut parts = Vec::new();
        let mut union: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (clause, boost) in clauses {
            let query: Box<dyn Query> = match clause {
                Clause_::Word(term) => {
                    let weight = Bm25Weight::for_terms(stats, std::slice::from_ref(term))
                        .unwrap()
                        .boost_by(*boost);
                    parts.push(Part::Word {
                        term: term.clone(),
                        weight,
                    });
                    Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs))
                }
                Clause_::Listed(postings) => {
                    parts.push(Part::Listed {
                        postings,
                        boost: *boost,
                    });
                    Box::new(Clause::new(Arc::clone(postings)))
                }
                Clause_::Phrase(terms) => {
                    let phrase = Box::new(PhraseQuery::new(terms.clone()));
                    let boosted = BoostQuery::new(phrase.clone(), *boost);
                    parts.push(Part::Other(boosted.weight(scoring).unwrap()));
                    phrase
                }
            };
            union.push((Occur::Should, Box::new(BoostQuery::new(query, *boost))));
        }
        let union = Unpruned(BooleanQuery::new(union));
        let mut ties = 0;
        for limit in [1, 3, 24, 10_000] {
            let ours = top(searcher, &parts, limit).unwrap();
            let theirs = searcher
                .search_with_statistics_provider(
                    &union,
                    &TopDocs::with_limit(limit).order_by_score(),
                    stats,
                )
                .unwrap();
            assert_eq!(ours, theirs, "top {limit} of {} clauses", clauses.len());
            ties += ours.windows(2).filter(|w| w[0].0 == w[1].0).count();
        }
        ties
    }

    /// Words of every field, as postings and as read lists, lexicon phrases read with the
    /// generation and phrases searched through tantivy, boosted, in 200 sets: the passages,
    /// their order and their scores are those of tantivy's union of the same clauses, equal
    /// scores included.
    #[test]
    fn a_clause_at_a_time_ranks_and_scores_as_tantivys_union() {
        let dir = tempfile::TempDir::new().unwrap();
        let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/clinic");
        let (generation, _) = crate::index::build(&corpus, dir.path()).unwrap();
        let stats = Statistics::read(&generation).unwrap();
        let searcher = generation.searcher();
        let lexicon = Lexicon::load(None).unwrap();
        let f = &generation.fields;
        let fields = [f.body, f.heading, f.title];
        // Every word read too, as on a small index.
        let lists = Postings::read(&searcher, &fields, lexicon.phrases(), &stats, true).unwrap();
        let mut words = Vec::new();
        let mut listed = Vec::new();
        for field in fields {
            for stem in generation.terms(field).unwrap().keys() {
                words.push(Term::from_field_text(field, stem));
                listed.extend(lists.clause(field, std::slice::from_ref(stem)));
            }
            for phrase in lexicon.phrases() {
                listed.extend(lists.clause(field, phrase).filter(|p| !p.is_empty()));
            }
        }
        let phrases: Vec<Vec<Term>> = [["chemic", "peel"], ["hair", "loss"], ["side", "effect"]]
            .iter()
            .map(|p| p.iter().map(|s| Term::from_field_text(f.body, s)).collect())
            .collect();
        assert!(
            words.len() > 300 && listed.len() > 20,
            "the fixtures have clauses"
        );
        let boosts = [1.0, 0.7, 2.0, 0.5, 1.4];
        let mut picks = Picks(11);
        let mut ties = 0;
        for _ in 0..200 {
            let clauses: Vec<(Clause_, Score)> = (0..1 + picks.below(12))
                .map(|_| {
                    let clause = match picks.below(6) {
                        0 | 1 => Clause_::Listed(listed[picks.below(listed.len())]),
                        2 => Clause_::Phrase(phrases[picks.below(phrases.len())].clone()),
                        _ => Clause_::Word(words[picks.below(words.len())].clone()),
                    };
                    (clause, boosts[picks.below(boosts.len())])
                })
                .collect();
            ties += compare(&searcher, &stats, &clauses);
        }
        assert!(
            ties > 0,
            "some passages score the same, so ties are compared"
        );
    }

    /// Over several segments, one with a deleted passage, the best passages of all segments
    /// are merged as tantivy merges them, and a deleted one is never among them.
    #[test]
    fn segments_are_merged_and_deleted_passages_left_out() {
        let mut schema = Schema::builder();
        let body = schema.add_text_field("body", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let texts = [
            "peels refresh the skin",
            "a peel takes an hour",
            "skin peels gently after a peel",
            "the skin heals in a week",
            "peel skin peel",
        ];
        for round in 0..3 {
            for text in texts {
                writer.add_document(doc!(body => text)).unwrap();
            }
            if round == 1 {
                writer.delete_term(Term::from_field_text(body, "hour"));
            }
            writer.commit().unwrap();
        }
        let reader = index.reader().unwrap();
        let searcher = reader.searcher();
        assert!(searcher.segment_readers().len() > 1, "several segments");
        assert!(
            searcher
                .segment_readers()
                .iter()
                .any(|s| s.alive_bitset().is_some()),
            "a deletion"
        );
        let word = |w: &str| Clause_::Word(Term::from_field_text(body, w));
        let phrase = Clause_::Phrase(vec![
            Term::from_field_text(body, "the"),
            Term::from_field_text(body, "skin"),
        ]);
        let clauses = [(word("peel"), 1.0), (word("skin"), 0.7), (phrase, 2.0)];
        assert!(compare(&searcher, &searcher, &clauses) > 0, "copies tie");
        // Two of the three passages with "hour" were deleted.
        compare(&searcher, &searcher, &[(word("hour"), 1.0)]);
        let term = Term::from_field_text(body, "hour");
        let weight = Bm25Weight::for_terms(&searcher, std::slice::from_ref(&term)).unwrap();
        let hits = top(&searcher, &[Part::Word { term, weight }], 10).unwrap();
        assert_eq!(hits.len(), 1, "{hits:?}");
    }
}
