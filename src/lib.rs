//! clinic-chat answers a clinic website's visitors from the clinic's own articles: no language
//! model, only the clinic's sentences, chosen by search, with links to where they stand.
//!
//! The flow, one module each:
//! - [`corpus`]: articles in `.txt`, `.md` or `.html` -> plain blocks (headings, paragraphs, items);
//! - [`chunk`]: blocks -> sections with anchors, and passages;
//! - [`index`]: passages -> a tantivy index on disk, rebuilt when the corpus changes, and one
//!   immutable snapshot per index generation;
//! - [`search`]: what was named -> the passages that hold it, ranked as tantivy would;
//! - [`answer`]: a visitor's question -> the sentences that answer it, with sources;
//! - [`store`]: the questions database behind the staff report, and call-back requests;
//! - [`callback`]: a visitor's call-back request, checked, and sent on to the clinic;
//! - [`clinic`]: the clinic's own facts (hours, address, parking) from `clinic.toml`;
//! - [`http`]: the chat API, staff endpoints, article pages and the widget.
//!
//! Beside them, lower down: [`urgent`] reads a message for warning signs after treatment;
//! [`vocabulary`] holds the words messages and sentences are read with, as data; [`config`]
//! the command line, and [`check`] what its settings come to; [`text`] the analyzer, word and sentence splitting they share; [`record`]
//! a reply's kind and ids, which answering, the store and HTTP all speak of; [`redact`]
//! personal details in visitors' text, which the store takes out and answering notices.

pub mod answer;
pub mod callback;
pub mod check;
pub mod chunk;
pub mod clinic;
pub mod config;
pub mod corpus;
pub mod http;
pub mod index;
pub mod record;
pub mod redact;
pub mod search;
pub mod store;
pub mod text;
pub mod urgent;
pub mod vocabulary;

use std::sync::Arc;

use answer::{Answerer, Knowledge, Lexicon};
use config::Config;
use index::{BuildReport, IndexHandle};
use urgent::Signs;
use vocabulary::Vocabulary;

/// Opens (or builds) the index and loads the lexicon and the warning signs: everything
/// answering needs.
pub fn load(config: &Config) -> anyhow::Result<(Arc<Answerer>, Option<BuildReport>)> {
    let lexicon = Arc::new(Lexicon::load(config.synonyms_path().as_deref())?);
    let vocabulary = Arc::new(Vocabulary::load(config.vocabulary_path().as_deref())?);
    let signs = Signs::load(config.signs_path().as_deref())?;
    let (index, report) = IndexHandle::open_or_build(&config.corpus, &config.index, move |g| {
        Knowledge::new(g, lexicon.clone(), vocabulary.clone())
    })?;
    let clinic = clinic::Clinic::load(&config.corpus)?;
    let answerer = Answerer::new(Arc::new(index), signs, config.settings_with(clinic));
    Ok((Arc::new(answerer), report))
}
