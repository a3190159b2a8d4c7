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

    /// The two known words `word` runs together, the pair whose rarer word is most frequent;
    /// each part at least three letters long. Only the pair found is built.
    fn split(&self, word: &str) -> Option<(String, String)> {
        let length = word.chars().count();
        word.char_indices()
            .map(|(at, _)| at)
            .take(length.saturating_sub(2))
            .skip(3)
            .filter_map(|at| {
                let (a, b) = word.split_at(at);
                let fa = *self.known.get(a).filter(|f| **f > 0)?;
                let fb = *self.known.get(b).filter(|f| **f > 0)?;
                Some((fa.min(fb), a, b))
            })
            .max_by_key(|(f, _, _)| *f)
            .map(|(_, a, b)| (a.to_string(), b.to_string()))
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
    if a.is_ascii() && b.is_ascii() {
        return alignment(a.as_bytes(), b.as_bytes());
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    alignment(&a, &b)
}

/// The distance row by row, keeping only the three rows the recurrence reads; on the stack
/// for words of up to 32 letters.
fn alignment<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    let width = b.len() + 1;
    let mut stack = [0usize; 3 * 33];
    let mut heap = Vec::new();
    let rows: &mut [usize] = if 3 * width <= stack.len() {
        &mut stack[..3 * width]
    } else {
        heap.resize(3 * width, 0);
        &mut heap
    };
    // Row i is kept in slot i % 3.
    for (j, cell) in rows[..width].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        let (current, previous, before) = (
            (i % 3) * width,
            ((i - 1) % 3) * width,
            ((i + 1) % 3) * width,
        );
        rows[current] = i;
        for j in 1..width {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[previous + j] + 1)
                .min(rows[current + j - 1] + 1)
                .min(rows[previous + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[before + j - 2] + 1);
            }
            rows[current + j] = best;
        }
    }
    rows[(a.len() % 3) * width + b.len()]
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
        assert_eq!(
            edit_distance("ca", "abc"),
            3,
            "no edit of a transposed pair"
        );
        assert_eq!(edit_distance("", "peel"), 4);
        assert_eq!(edit_distance("crème", "creme"), 1);
        assert_eq!(edit_distance("rougeur", "rouguer"), 1);
        let long = "a".repeat(40);
        assert_eq!(
            edit_distance(&long, &format!("{long}b")),
            1,
            "past the stack rows"
        );
    }
}
