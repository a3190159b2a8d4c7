//! Passages as sentence choice reads them: split into sentences, stemmed, and scored for
//! every intent's evidence, once. Answers reuse them from a bounded cache per index
//! generation, so a question costs a search and some lookups, not re-reading text.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use lru::LruCache;
use tantivy::DocAddress;

use super::intent::{self, Intent};
use crate::index::StoredPassage;
use crate::text;

/// Analysed passages kept per index generation.
const CACHE_CAPACITY: usize = 16_384;

/// A sorted set of stems; membership by binary search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stems(Vec<Box<str>>);

impl Stems {
    pub fn of(text: &str) -> Stems {
        Stems::from_vec(text::stems(text))
    }

    fn from_vec(stems: Vec<String>) -> Stems {
        let mut stems: Vec<Box<str>> = stems.into_iter().map(String::into_boxed_str).collect();
        stems.sort_unstable();
        stems.dedup();
        Stems(stems)
    }

    pub fn contains(&self, stem: &str) -> bool {
        self.0.binary_search_by(|s| (**s).cmp(stem)).is_ok()
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|s| &**s)
    }

    /// Shared stems over all stems, 0 to 1.
    pub fn overlap(&self, other: &Stems) -> f32 {
        let shared = self.iter().filter(|s| other.contains(s)).count() as f32;
        let union = (self.0.len() + other.0.len()) as f32 - shared;
        if union == 0.0 { 1.0 } else { shared / union }
    }
}

#[derive(Debug, Clone)]
pub struct Sentence {
    pub text: String,
    pub stems: Stems,
    /// Evidence for each intent, by [`Intent::index`].
    pub evidence: [f32; Intent::COUNT],
    pub words: usize,
    /// The sentence's first stem: its subject, often ("Microneedling is…").
    pub first: Option<Box<str>>,
}

#[derive(Debug, Clone)]
pub struct Analysed {
    pub passage: StoredPassage,
    pub heading: Stems,
    pub title: Stems,
    pub whole: Stems,
    pub sentences: Vec<Sentence>,
    /// Whether the heading names each intent ("How to prepare…"), by [`Intent::index`].
    pub heading_cues: [bool; Intent::COUNT],
}

impl Analysed {
    pub fn new(passage: StoredPassage) -> Analysed {
        let mut all = Vec::new();
        let sentences = text::sentences(&passage.text)
            .into_iter()
            .map(|sentence| {
                let stems = text::stems(sentence);
                all.extend(stems.iter().cloned());
                let evidence = Intent::ALL.map(|i| intent::evidence(i, sentence, &stems));
                Sentence {
                    text: sentence.to_string(),
                    first: stems.first().map(|s| s.clone().into_boxed_str()),
                    words: sentence.split_whitespace().count(),
                    stems: Stems::from_vec(stems),
                    evidence,
                }
            })
            .collect();
        Analysed {
            heading: Stems::of(&passage.heading),
            title: Stems::of(&passage.title),
            whole: Stems::from_vec(all),
            heading_cues: Intent::ALL.map(|i| intent::heading_cue(i, &passage.heading)),
            sentences,
            passage,
        }
    }
}

/// Analysed passages by document, least recently used dropped first.
pub struct PassageCache {
    entries: Mutex<LruCache<DocAddress, Arc<Analysed>>>,
}

impl Default for PassageCache {
    fn default() -> Self {
        let capacity = NonZeroUsize::new(CACHE_CAPACITY).expect("non-zero capacity");
        PassageCache {
            entries: Mutex::new(LruCache::new(capacity)),
        }
    }
}

impl PassageCache {
    pub fn get_or_load<E>(
        &self,
        address: DocAddress,
        load: impl FnOnce() -> Result<StoredPassage, E>,
    ) -> Result<Arc<Analysed>, E> {
        if let Some(found) = self
            .entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&address)
        {
            return Ok(found.clone());
        }
        let analysed = Arc::new(Analysed::new(load()?));
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .put(address, analysed.clone());
        Ok(analysed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_are_a_set_with_lookup_by_stem() {
        let stems = Stems::of("Sessions and more sessions");
        assert!(stems.contains("session"));
        assert!(!stems.contains("sessions"));
        assert_eq!(stems.iter().count(), 3);
    }
}
