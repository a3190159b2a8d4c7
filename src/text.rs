//! Text helpers shared by the index and the answer path: the one analyzer (so visitor text and
//! article text are cut into the same terms) and sentence splitting.

use std::cell::RefCell;
use std::collections::HashMap;

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer,
    Stemmer, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};

/// Words a question opens with that ask for a fact rather than a yes or no.
pub const QUESTION_WORDS: [&str; 7] = ["how", "when", "what", "which", "where", "who", "why"];
/// Words a line opens with when it asks, however it ends ("Can I wear make-up after").
pub const ASKING_WORDS: [&str; 17] = [
    "how", "when", "what", "which", "where", "who", "why", "is", "are", "can", "could", "do",
    "does", "will", "should", "would", "am",
];

/// Whether a line asks: it ends in a question mark ("Does it sting?!" too) or opens with a
/// word that asks.
pub fn asks(line: &str) -> bool {
    let line = line.trim();
    line.trim_end_matches('!').ends_with('?')
        || line
            .split_whitespace()
            .next()
            .is_some_and(|first| ASKING_WORDS.iter().any(|w| first.eq_ignore_ascii_case(w)))
}

/// The analyzer name registered on every index: English stems, no stop words removed, so
/// "no" and "not" stay searchable.
pub const STEMMED: &str = "clinic_en";
/// Lowercased, accent-folded words without stemming: the vocabulary for typo correction.
pub const RAW: &str = "clinic_raw";
/// Terms of this many bytes or more are no words and are left out of the index.
const LONGEST_TERM: usize = 40;

/// Maps and sets that the corpus and the lexicon fill once and every question reads: foldhash
/// hashes a short word several times faster than the standard library's SipHash. Their keys
/// come from the articles and the lexicon, never from visitors, so they need no defence
/// against keys chosen to collide; what visitors' input keys stays on the standard hasher.
pub type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

pub fn stemmed_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_TERM))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// [`stemmed_analyzer`] for building an index: the same terms, but each distinct word is
/// stemmed once per field and indexing thread and then remembered. The index build runs on one
/// tantivy thread, and stemming every occurrence of every word was over a quarter of its work.
pub fn indexing_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_TERM))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(RememberedStems)
        .build()
}

/// Distinct words remembered per field and indexing thread before the memory starts again:
/// a clinic's articles use far fewer.
const REMEMBERED_STEMS: usize = 1 << 16;

/// English stems, as tantivy's [`Stemmer`] gives them, remembered by word.
#[derive(Clone)]
struct RememberedStems;

impl TokenFilter for RememberedStems {
    type Tokenizer<T: Tokenizer> = RememberingStemmer<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> RememberingStemmer<T> {
        RememberingStemmer {
            inner,
            // A whole word in, its stem out: tantivy's own stemmer, so the terms are the same.
            stemmer: TextAnalyzer::builder(RawTokenizer::default())
                .filter(Stemmer::new(Language::English))
                .build(),
            // Keyed by the articles' words, never visitors'.
            stems: FastMap::default(),
        }
    }
}

#[derive(Clone)]
struct RememberingStemmer<T> {
    inner: T,
    stemmer: TextAnalyzer,
    stems: FastMap<Box<str>, Box<str>>,
}

impl<T: Tokenizer> Tokenizer for RememberingStemmer<T> {
    type TokenStream<'a> = RememberingStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        RememberingStream {
            tail: self.inner.token_stream(text),
            stemmer: &mut self.stemmer,
            stems: &mut self.stems,
        }
    }
}

struct RememberingStream<'a, T> {
    tail: T,
    stemmer: &'a mut TextAnalyzer,
    stems: &'a mut FastMap<Box<str>, Box<str>>,
}

impl<T: TokenStream> TokenStream for RememberingStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if let Some(stem) = self.stems.get(token.text.as_str()) {
            token.text.clear();
            token.text.push_str(stem);
            return true;
        }
        let mut stemmed = self.stemmer.token_stream(&token.text);
        let stem = match stemmed.advance() {
            true => stemmed.token().text.clone(),
            false => token.text.clone(),
        };
        drop(stemmed);
        if self.stems.len() >= REMEMBERED_STEMS {
            self.stems.clear();
        }
        self.stems
            .insert(token.text.as_str().into(), stem.as_str().into());
        token.text = stem;
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

pub fn raw_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_TERM))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

thread_local! {
    static STEMMER: RefCell<TextAnalyzer> = RefCell::new(stemmed_analyzer());
    /// Words this thread has stemmed, with their stems. Keyed by visitors' words, so on the
    /// standard (collision-resistant) hasher.
    static WORD_STEMS: RefCell<HashMap<Box<str>, Box<[String]>>> = RefCell::new(HashMap::new());
}

/// Words remembered per thread before the memory starts again: visitors' questions share a
/// small vocabulary, so a few thousand words cover nearly all of them.
const WORD_STEMS_KEPT: usize = 4096;

/// The stemmed terms of `text`, with this thread's analyzer (built once per thread).
pub fn stems(text: &str) -> Vec<String> {
    STEMMER.with(|analyzer| terms(&mut analyzer.borrow_mut(), text))
}

/// [`stems`] of one word of a question, remembered: stemming a word costs many times more
/// than looking it up, and questions use the same words over and over.
pub fn word_stems(word: &str) -> Vec<String> {
    // Longer words are no real words (the analyzer drops them); remembering them would let
    // one visitor's long strings fill the memory.
    if word.len() > LONGEST_TERM {
        return stems(word);
    }
    WORD_STEMS.with(|memory| {
        if let Some(known) = memory.borrow().get(word) {
            return known.to_vec();
        }
        let stemmed = stems(word);
        let mut memory = memory.borrow_mut();
        if memory.len() >= WORD_STEMS_KEPT {
            memory.clear();
        }
        memory.insert(word.into(), stemmed.clone().into_boxed_slice());
        stemmed
    })
}

/// The terms an analyzer makes of `text`, in order.
pub fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// Words that end a sentence with a full stop without ending the sentence.
const ABBREVIATIONS: [&str; 14] = [
    "e.g", "i.e", "dr", "mr", "mrs", "ms", "approx", "vs", "etc", "no", "st", "prof", "fig", "min",
];

/// Splits text into sentences at `.`, `!` or `?` followed by a space and a capital, digit or
/// quote; abbreviations and decimals do not end a sentence.
pub fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, c) in text.char_indices() {
        if !matches!(c, '.' | '!' | '?') || i + 1 >= bytes.len() {
            continue;
        }
        let rest = &text[i + 1..];
        let after_space = rest.trim_start_matches([' ', '"', '”', ')']);
        let spaced = rest.starts_with(' ') || rest.starts_with('"') || rest.starts_with('”');
        let opens = after_space
            .chars()
            .next()
            .is_some_and(|n| n.is_uppercase() || n.is_ascii_digit() || n == '"' || n == '“');
        if !spaced || !opens || (c == '.' && is_abbreviation(&text[start..i])) {
            continue;
        }
        let end = i + 1 + (rest.len() - rest.trim_start_matches(['"', '”', ')']).len());
        let sentence = text[start..end].trim();
        if !sentence.is_empty() {
            out.push(sentence);
        }
        start = end;
    }
    let last = text[start..].trim();
    if !last.is_empty() {
        out.push(last);
    }
    out
}

fn is_abbreviation(before: &str) -> bool {
    let word = before
        .rsplit(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    ABBREVIATIONS.contains(&word.as_str())
}

/// Lowercase words joined by hyphens: "What is it?" -> "what-is-it".
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.chars().filter(|c| !matches!(c, '\'' | '’')) {
        if c.is_alphanumeric() {
            slug.extend(c.to_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

/// Words a message is read as, at most.
const MAX_WORDS: usize = 120;

/// Which of a message's [`words`] are its question, when it asks one among sentences that
/// do not ("I'm 45 and my skin is dull. Would a peel help? Thanks"): those of the sentences
/// ending in a question mark. `None` when every sentence asks, or none does.
pub fn asking(text: &str) -> Option<Vec<bool>> {
    if !text.contains('?') {
        return None;
    }
    let mut marks = Vec::new();
    let (mut asks, mut tells) = (false, false);
    let mut rest = text;
    while !rest.is_empty() {
        let end = rest
            .find(['.', '!', '?', '\n'])
            .map_or(rest.len(), |at| at + 1);
        let (sentence, after) = rest.split_at(end);
        // "Really?!" asks; a run of marks ends one sentence.
        let tail = after.len() - after.trim_start_matches(['?', '!', '.']).len();
        let question = sentence.ends_with('?') || after[..tail].contains('?');
        let said = words(sentence).len();
        if said > 0 {
            asks |= question;
            tells |= !question;
            marks.extend(std::iter::repeat_n(question, said));
        }
        rest = &after[tail..];
    }
    (asks && tells && marks.len() < MAX_WORDS).then_some(marks)
}

/// Lowercase words with inner apostrophes kept ("i'm"), at most `MAX_WORDS` of them; a
/// negative contraction becomes its two words ("shouldn't" -> "should not", "won't" ->
/// "will not"), so "not" is seen however it was written.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let pieces = text
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .map(|w| {
            let w = w.trim_matches(|c| c == '\'' || c == '’');
            match (w.contains('’'), w.is_ascii()) {
                (false, true) => w.to_ascii_lowercase(),
                (false, false) => w.to_lowercase(),
                (true, _) => w.replace('’', "'").to_lowercase(),
            }
        })
        .filter(|w| !w.is_empty());
    for word in pieces {
        if out.len() >= MAX_WORDS {
            break;
        }
        match word.strip_suffix("n't") {
            // "n't" on its own, a contraction with nothing before it.
            Some("") => out.push("not".to_string()),
            Some(base) => {
                let base = match base {
                    "wo" => "will",
                    "ca" => "can",
                    "sha" => "shall",
                    other => other,
                };
                out.push(base.to_string());
                out.push("not".to_string());
            }
            None => out.push(word),
        }
    }
    out.truncate(MAX_WORDS);
    out
}

/// Whether `phrase`'s words (single spaces between) stand in `words` in order, next to each
/// other: where its first word stands, the rest must follow.
pub fn has_phrase(words: &[String], phrase: &str) -> bool {
    let mut parts = phrase.split(' ');
    let first = parts.next().unwrap_or_default();
    words.iter().enumerate().any(|(at, word)| {
        word == first && {
            let mut rest = words[at + 1..].iter();
            parts.clone().all(|p| rest.next().is_some_and(|w| w == p))
        }
    })
}

/// `text` with its first letter in capitals.
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_question_among_sentences_that_tell_is_marked() {
        let text = "Had my first session last week. Can I go swimming after?! Thanks x";
        let marks = asking(text).unwrap();
        let asked: Vec<String> = words(text)
            .into_iter()
            .zip(&marks)
            .filter(|(_, asks)| **asks)
            .map(|(w, _)| w)
            .collect();
        assert_eq!(asked, ["can", "i", "go", "swimming", "after"]);
        assert_eq!(marks.len(), words(text).len());
        // Only questions, or none: nothing to tell apart.
        assert_eq!(asking("how long? and does it hurt?"), None);
        assert_eq!(asking("it hurts. a lot"), None);
    }
    use super::*;

    fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<Token> {
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().clone());
        }
        out
    }

    /// The index is built with remembered stems and searched with stems worked out afresh:
    /// both must give every word of an article the same term, position and offsets, whether
    /// the word is met for the first time or again.
    #[test]
    fn remembered_stems_give_the_index_the_same_terms_as_the_analyzer() {
        let article = include_str!("../corpus/mesotherapy-for-flawless-skin.txt");
        let texts = [
            article,
            article,
            "Läser peels, PEELING peeled: naïve café résumé x-ray 2-4 weeks, don't won't",
            "",
            "  \u{1F600} ",
        ];
        let mut indexing = indexing_analyzer();
        let mut searching = stemmed_analyzer();
        let mut compared = 0;
        for text in texts {
            let ours = tokens(&mut indexing, text);
            assert_eq!(ours, tokens(&mut searching, text), "{text:.60}");
            compared += ours.len();
        }
        assert!(compared > 2000, "{compared} tokens compared");
    }

    #[test]
    fn remembered_stems_are_the_analyzers_and_the_memory_stays_bounded() {
        assert_eq!(word_stems("sessions"), stems("sessions"));
        assert_eq!(word_stems("sessions"), vec!["session"]);
        for n in 0..WORD_STEMS_KEPT + 10 {
            word_stems(&format!("word{n}"));
        }
        word_stems(&"x".repeat(500));
        WORD_STEMS.with(|memory| {
            let memory = memory.borrow();
            assert!(memory.len() <= WORD_STEMS_KEPT, "{} words", memory.len());
            assert!(memory.keys().all(|word| word.len() <= LONGEST_TERM));
        });
    }

    #[test]
    fn sentences_split_at_full_stops_but_not_abbreviations_or_decimals() {
        let text = "Use SPF 30, e.g. Brand X. Results last 2.5 years! Is it safe? Yes.";
        assert_eq!(
            sentences(text),
            vec![
                "Use SPF 30, e.g. Brand X.",
                "Results last 2.5 years!",
                "Is it safe?",
                "Yes."
            ]
        );
    }

    #[test]
    fn the_analyzer_keeps_no_and_not_and_stems_plurals() {
        let mut analyzer = stemmed_analyzer();
        assert_eq!(
            terms(&mut analyzer, "There is no downtime, not at all"),
            ["there", "is", "no", "downtim", "not", "at", "all"]
        );
        assert_eq!(terms(&mut analyzer, "Sessions"), ["session"]);
    }

    #[test]
    fn slugs_are_lowercase_words_joined_by_hyphens() {
        assert_eq!(
            slugify("What's new? Botox & fillers!"),
            "whats-new-botox-fillers"
        );
        assert_eq!(slugify("  --  "), "");
    }

    #[test]
    fn words_keep_contractions_and_drop_punctuation() {
        assert_eq!(
            words("What's the price (approx.)? I can’t tell"),
            [
                "what's", "the", "price", "approx", "i", "can", "not", "tell"
            ]
        );
    }

    #[test]
    fn a_contraction_with_nothing_before_it_is_not_and_no_empty_word() {
        assert_eq!(words("N'T"), ["not"]);
        assert_eq!(words("it does n't hurt"), ["it", "does", "not", "hurt"]);
    }
}
