//! Corpus statistics, read once per index generation: how many passages hold each term of the
//! searched fields, and each field's token count. Questions are weighed and scored with these,
//! so a question looks its words up in hash maps instead of every segment's term dictionary,
//! and the query can leave out clauses that cannot match.

use tantivy::query::Bm25StatisticsProvider;
use tantivy::schema::Field;
use tantivy::{Searcher, Term};

use super::Frequencies;
use crate::index::Generation;
use crate::text::FastMap;

/// One searched field: passages per term, and tokens in all.
struct FieldStats {
    field: Field,
    doc_freqs: FastMap<String, u32>,
    tokens: u64,
}

pub struct Statistics {
    /// Documents in all segments, deleted ones included, as tantivy's own statistics count.
    docs: u64,
    /// Body, heading, title: analysis weighs a question's words by the body's frequencies.
    fields: Vec<FieldStats>,
}

impl Statistics {
    pub fn read(generation: &Generation) -> tantivy::Result<Statistics> {
        let searcher = generation.searcher();
        let f = &generation.fields;
        let fields = [f.body, f.heading, f.title]
            .into_iter()
            .map(|field| {
                Ok(FieldStats {
                    field,
                    doc_freqs: generation.terms(field)?,
                    tokens: tokens(&searcher, field)?,
                })
            })
            .collect::<tantivy::Result<Vec<_>>>()?;
        let docs = searcher
            .segment_readers()
            .iter()
            .map(|s| u64::from(s.max_doc()))
            .sum();
        Ok(Statistics { docs, fields })
    }

    /// Passages whose `field` holds `stem`; 0 for a field not read here.
    pub fn field_doc_freq(&self, field: Field, stem: &str) -> u64 {
        self.field(field)
            .and_then(|f| f.doc_freqs.get(stem))
            .map_or(0, |df| u64::from(*df))
    }

    fn field(&self, field: Field) -> Option<&FieldStats> {
        self.fields.iter().find(|f| f.field == field)
    }

    pub fn docs(&self) -> u64 {
        self.docs
    }

    /// Tokens in `field` over all passages; 0 for a field not read here.
    pub fn field_tokens(&self, field: Field) -> u64 {
        self.field(field).map_or(0, |f| f.tokens)
    }
}

fn tokens(searcher: &Searcher, field: Field) -> tantivy::Result<u64> {
    searcher
        .segment_readers()
        .iter()
        .map(|s| Ok(s.inverted_index(field)?.total_num_tokens()))
        .sum()
}

/// Analysis weighs words by how many passages' text holds them.
impl Frequencies for Statistics {
    fn doc_freq(&self, stem: &str) -> u64 {
        self.fields
            .first()
            .map_or(0, |body| self.field_doc_freq(body.field, stem))
    }

    fn num_docs(&self) -> u64 {
        self.docs
    }

    fn heading_doc_freq(&self, stem: &str) -> u64 {
        self.fields
            .get(1)
            .map_or(0, |heading| self.field_doc_freq(heading.field, stem))
    }
}

/// BM25 from the same figures tantivy would read from the segments.
impl Bm25StatisticsProvider for Statistics {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        Ok(self.field_tokens(field))
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Ok(self.docs)
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        Ok(term
            .value()
            .as_str()
            .map_or(0, |stem| self.field_doc_freq(term.field(), stem)))
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
    use tantivy::schema::IndexRecordOption;

    use super::*;

    /// Staff see the ranking and scores tantivy itself would give: the figures read once are
    /// the segments' own.
    #[test]
    fn passages_rank_and_score_as_with_the_segments_own_statistics() {
        let dir = tempfile::TempDir::new().unwrap();
        let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/clinic");
        let (generation, _) = crate::index::build(&corpus, dir.path()).unwrap();
        let stats = Statistics::read(&generation).unwrap();
        let searcher = generation.searcher();
        let f = &generation.fields;
        let clauses: Vec<(Occur, Box<dyn Query>)> = [
            (f.body, "session"),
            (f.body, "scar"),
            (f.heading, "recoveri"),
            (f.title, "peel"),
        ]
        .into_iter()
        .map(|(field, stem)| {
            let term = Term::from_field_text(field, stem);
            let query: Box<dyn Query> =
                Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs));
            (Occur::Should, query)
        })
        .collect();
        let query = BooleanQuery::new(clauses);
        let ours = generation
            .search_addresses(&searcher, &query, 10, &stats)
            .unwrap();
        let theirs = generation
            .search_addresses(&searcher, &query, 10, &searcher)
            .unwrap();
        assert!(ours.len() >= 3, "the fixtures answer the query: {ours:?}");
        assert_eq!(ours, theirs);
        assert!(stats.field_doc_freq(f.body, "session") > 0);
        assert_eq!(stats.field_doc_freq(f.body, "no-such-stem"), 0);
    }
}
