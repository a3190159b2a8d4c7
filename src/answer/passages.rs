//! Passages as sentence choice reads them: split into sentences, stemmed, and scored for
//! every intent's evidence, once. Answers reuse them from a bounded cache per index
//! generation, so a question costs a search and some lookups, not re-reading text.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, RwLock};

use lru::LruCache;
use tantivy::DocAddress;

use super::intent::{self, Intent};
use crate::index::StoredPassage;
use crate::text::{self, FastMap};
use crate::vocabulary::Vocabulary;

/// Analysed passages kept per index generation.
const CACHE_CAPACITY: usize = 16_384;

/// Numbers for stems, shared by every passage of one index generation, so that stem sets
/// are sorted integers and membership is an integer search. Grows with the vocabulary of the
/// passages analysed, which the corpus bounds.
#[derive(Debug, Default)]
pub struct Interner {
    ids: RwLock<FastMap<Box<str>, u32>>,
    /// Numbers for articles, by slug: telling passages' articles apart is then comparing two
    /// integers, not two slugs.
    articles: RwLock<FastMap<Box<str>, u32>>,
}

impl Interner {
    /// The number of a stem some analysed passage holds; `None`: no passage holds it.
    pub fn id(&self, stem: &str) -> Option<u32> {
        self.ids
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(stem)
            .copied()
    }

    fn intern(&self, stem: &str) -> u32 {
        Interner::number(&self.ids, stem)
    }

    /// The number of the article `slug`.
    fn article(&self, slug: &str) -> u32 {
        Interner::number(&self.articles, slug)
    }

    fn number(numbers: &RwLock<FastMap<Box<str>, u32>>, key: &str) -> u32 {
        if let Some(&id) = numbers.read().unwrap_or_else(|e| e.into_inner()).get(key) {
            return id;
        }
        let mut numbers = numbers.write().unwrap_or_else(|e| e.into_inner());
        let next = numbers.len() as u32;
        *numbers.entry(key.into()).or_insert(next)
    }
}

/// A sorted set of stem numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stems(Vec<u32>);

impl Stems {
    fn of(text: &str, interner: &Interner) -> Stems {
        Stems::from_stems(&text::stems(text), interner)
    }

    fn from_stems(stems: &[String], interner: &Interner) -> Stems {
        let mut ids: Vec<u32> = stems.iter().map(|s| interner.intern(s)).collect();
        ids.sort_unstable();
        ids.dedup();
        Stems(ids)
    }

    /// The numbers, in ascending order.
    pub fn ids(&self) -> &[u32] {
        &self.0
    }

    pub fn contains(&self, id: u32) -> bool {
        self.0.binary_search(&id).is_ok()
    }

    /// Shared stems over all stems, 0 to 1.
    pub fn overlap(&self, other: &Stems) -> f32 {
        let shared = self.0.iter().filter(|id| other.contains(**id)).count() as f32;
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
    pub first: Option<u32>,
    /// The numbers it states, to tell facts apart.
    pub numbers: Vec<Box<str>>,
    /// Says an effect is expected and passes ("is common", "fades within a week").
    pub reassures: bool,
    /// Speaks of most people or cases, not one kind ("Most professional tattoos need…").
    pub general: bool,
    /// Tells the reader what to do ("Avoid direct sun for 2 weeks").
    pub instructs: bool,
}

#[derive(Debug, Clone)]
pub struct Analysed {
    pub passage: StoredPassage,
    /// The passage's article, numbered by the [`Interner`]: passages of one article share it.
    pub article: u32,
    pub heading: Stems,
    pub title: Stems,
    pub whole: Stems,
    pub sentences: Vec<Sentence>,
    /// Whether the heading names each intent ("How to prepare…"), by [`Intent::index`].
    pub heading_cues: [bool; Intent::COUNT],
    /// The heading says its effects are expected ("Side effects: what is normal?").
    pub heading_reassures: bool,
    /// The heading is a question ("Is it available on the NHS?").
    pub heading_asks: bool,
}

impl Analysed {
    pub fn new(passage: StoredPassage, interner: &Interner, vocabulary: &Vocabulary) -> Analysed {
        let mut all = Vec::new();
        let sentences = text::sentences(&passage.text)
            .into_iter()
            .map(|sentence| {
                let stems = text::stems(sentence);
                all.extend(stems.iter().cloned());
                let evidence =
                    Intent::ALL.map(|i| intent::evidence(vocabulary, i, sentence, &stems));
                let numbers = stems
                    .iter()
                    .filter(|s| s.chars().all(|c| c.is_ascii_digit()))
                    .map(|s| s.clone().into_boxed_str())
                    .collect();
                Sentence {
                    text: sentence.to_string(),
                    first: stems.first().map(|s| interner.intern(s)),
                    words: sentence.split_whitespace().count(),
                    stems: Stems::from_stems(&stems, interner),
                    numbers,
                    evidence,
                    reassures: intent::reassures(vocabulary, sentence),
                    general: intent::general(vocabulary, sentence),
                    instructs: intent::instructs(vocabulary, sentence),
                }
            })
            .collect();
        Analysed {
            article: interner.article(&passage.slug),
            heading: Stems::of(&passage.heading, interner),
            title: Stems::of(&passage.title, interner),
            whole: Stems::from_stems(&all, interner),
            heading_cues: heading_cues(vocabulary, &passage),
            heading_reassures: intent::reassures(vocabulary, &passage.heading),
            heading_asks: text::asks(&passage.heading),
            sentences,
            passage,
        }
    }
}

/// Whether the passage's heading names each intent. An article's introduction is headed by
/// its title, which promises the whole article: none.
fn heading_cues(vocabulary: &Vocabulary, passage: &StoredPassage) -> [bool; Intent::COUNT] {
    if passage.is_introduction() {
        return [false; Intent::COUNT];
    }
    Intent::ALL.map(|i| intent::heading_cue(vocabulary, i, &passage.heading))
}

/// Analysed passages by document, least recently used dropped first.
pub struct PassageCache {
    entries: Mutex<LruCache<DocAddress, Arc<Analysed>>>,
    pub interner: Interner,
    vocabulary: Arc<Vocabulary>,
}

impl PassageCache {
    /// An empty cache whose passages are read with `vocabulary`.
    pub fn new(vocabulary: Arc<Vocabulary>) -> PassageCache {
        let capacity = NonZeroUsize::new(CACHE_CAPACITY).expect("non-zero capacity");
        PassageCache {
            entries: Mutex::new(LruCache::new(capacity)),
            interner: Interner::default(),
            vocabulary,
        }
    }

    pub fn get_or_load<E>(
        &self,
        address: DocAddress,
        load: impl FnOnce() -> Result<StoredPassage, E>,
    ) -> Result<Arc<Analysed>, E> {
        let interner = &self.interner;
        if let Some(found) = self
            .entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&address)
        {
            return Ok(found.clone());
        }
        let analysed = Arc::new(Analysed::new(load()?, interner, &self.vocabulary));
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
        let interner = Interner::default();
        let stems = Stems::of("Sessions and more sessions", &interner);
        assert!(stems.contains(interner.id("session").unwrap()));
        assert_eq!(interner.id("sessions"), None);
        assert_eq!(stems.0.len(), 3);
    }
}
