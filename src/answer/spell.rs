//! Typo tolerance: a word the index has never seen is corrected to the nearest known word
//! (edit distance 1, or 2 for long words), or split when it is two known words run together
//! ("hairloss"). Built once per index generation from the index's own vocabulary.

use std::hash::{BuildHasher, Hasher};

use crate::text::FastMap;

/// Words shorter than this are never corrected: too many near neighbours, and too many
/// real words ("tips" is not a typo for "hips").
const MIN_LEN: usize = 5;

#[derive(Debug, Default)]
pub struct Speller {
    words: Vec<(String, u32)>,
    known: FastMap<String, u32>,
    /// Hash of a word with one letter deleted (or of the word itself) -> words.
    deletes: FastMap<u64, Vec<u32>>,
}

/// What became of one word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fix {
    Known,
    Corrected(String),
    Split(String, String),
    Unknown,
}

impl Speller {
    /// `corpus` words with their frequencies; `extra` words (the lexicon's, stop words) are
    /// known too, and suggested after corpus words at the same distance.
    pub fn new(mut corpus: FastMap<String, u32>, extra: &[String]) -> Speller {
        let mut speller = Speller::default();
        for word in extra {
            corpus.entry(word.clone()).or_insert(0);
        }
        for (word, freq) in corpus {
            if word.chars().all(char::is_alphabetic) && word.len() >= 2 {
                let id = speller.words.len() as u32;
                for key in variants(&word) {
                    speller.deletes.entry(key).or_default().push(id);
                }
                speller.known.insert(word.clone(), freq);
                speller.words.push((word, freq));
            }
        }
        speller
    }

    pub fn is_known(&self, word: &str) -> bool {
        self.known.contains_key(word)
    }

    pub fn fix(&self, word: &str) -> Fix {
        let length = word.chars().count();
        if self.is_known(word) || length < MIN_LEN || !word.chars().all(|c| c.is_alphabetic()) {
            return if self.is_known(word) {
                Fix::Known
            } else {
                Fix::Unknown
            };
        }
        if let Some((a, b)) = self.split(word) {
            return Fix::Split(a, b);
        }
        let max = if length >= 8 { 2 } else { 1 };
        let mut best: Option<(usize, u32, &str)> = None;
        let mut seen = Vec::new();
        for key in variants(word) {
            for &id in self.deletes.get(&key).into_iter().flatten() {
                if seen.contains(&id) {
                    continue;
                }
                seen.push(id);
                let (candidate, freq) = &self.words[id as usize];
                let distance = edit_distance(word, candidate);
                if distance == 0 || distance > max {
                    continue;
                }
                // Nearest, then most frequent, then first in order: the same word every run.
                let better = best.is_none_or(|(d, f, w)| {
                    (distance, u32::MAX - freq, candidate.as_str()) < (d, u32::MAX - f, w)
                });
                if better {
                    best = Some((distance, *freq, candidate));
                }
            }
        }
        best.map_or(Fix::Unknown, |(_, _, w)| Fix::Corrected(w.to_string()))
    }

    fn split(&self, word: &str) -> Option<(String, String)> {
        let chars: Vec<char> = word.chars().collect();
        (3..chars.len().saturating_sub(2))
            .filter_map(|i| {
                let (a, b): (String, String) =
                    (chars[..i].iter().collect(), chars[i..].iter().collect());
                let fa = *self.known.get(&a).filter(|f| **f > 0)?;
                let fb = *self.known.get(&b).filter(|f| **f > 0)?;
                Some((fa.min(fb), a, b))
            })
            .max_by_key(|(f, _, _)| *f)
            .map(|(_, a, b)| (a, b))
    }
}

/// The word and each one-letter deletion of it, hashed.
fn variants(word: &str) -> Vec<u64> {
    let chars: Vec<char> = word.chars().collect();
    let mut keys = Vec::with_capacity(chars.len() + 1);
    keys.push(hash(&chars, None));
    keys.extend((0..chars.len()).map(|i| hash(&chars, Some(i))));
    keys
}

/// The hash of `chars` without the one at `skip`: the same for a word with a letter deleted
/// as for that shorter word, without building it.
fn hash(chars: &[char], skip: Option<usize>) -> u64 {
    let mut hasher = foldhash::fast::FixedState::with_seed(0x636c_696e_6963).build_hasher();
    for (i, c) in chars.iter().enumerate() {
        if Some(i) != skip {
            hasher.write_u32(u32::from(*c));
        }
    }
    hasher.finish()
}

/// Optimal string alignment distance: insertions, deletions, substitutions, transpositions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn speller() -> Speller {
        let words = [
            "sessions",
            "cellulite",
            "effects",
            "mesotherapy",
            "hair",
            "loss",
            "side",
            "layer",
        ];
        let corpus = words.iter().map(|w| (w.to_string(), 3)).collect();
        Speller::new(corpus, &["laser".to_string()])
    }

    #[test]
    fn common_typos_are_corrected_to_article_words() {
        let speller = speller();
        assert_eq!(speller.fix("sesions"), Fix::Corrected("sessions".into()));
        assert_eq!(speller.fix("celulite"), Fix::Corrected("cellulite".into()));
        assert_eq!(speller.fix("efects"), Fix::Corrected("effects".into()));
        assert_eq!(
            speller.fix("mesotheraphy"),
            Fix::Corrected("mesotherapy".into())
        );
        assert_eq!(
            speller.fix("mesotehrapy"),
            Fix::Corrected("mesotherapy".into())
        );
    }

    #[test]
    fn a_typo_as_near_to_two_equally_common_words_gets_the_same_one_every_time() {
        // Each build hashes its words in a different order; the fix must not follow it.
        for _ in 0..20 {
            let corpus = ["bruise", "cruise"]
                .map(|w| (w.to_string(), 2))
                .into_iter()
                .collect();
            let speller = Speller::new(corpus, &[]);
            assert_eq!(speller.fix("zruise"), Fix::Corrected("bruise".into()));
        }
    }

    #[test]
    fn joined_words_are_split() {
        assert_eq!(
            speller().fix("hairloss"),
            Fix::Split("hair".into(), "loss".into())
        );
    }

    #[test]
    fn known_words_and_unrelated_words_are_left_alone() {
        let speller = speller();
        assert_eq!(speller.fix("laser"), Fix::Known);
        assert_eq!(speller.fix("tattoo"), Fix::Unknown);
        assert_eq!(speller.fix("the"), Fix::Unknown);
    }

    #[test]
    fn edit_distance_counts_a_transposition_as_one() {
        assert_eq!(edit_distance("teh", "the"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
