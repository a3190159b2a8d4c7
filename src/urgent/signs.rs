//! The table of warning signs after treatment, as data: `signs.toml` (built in) and an optional
//! clinic file that adds to it. This module reads and checks the files and compiles them into
//! [`Signs`]: one Aho-Corasick automaton over every word and phrase, so that a message is
//! matched in a single pass. Reading a message against it is the parent module's job.

use std::collections::BTreeMap;
use std::path::Path;

use aho_corasick::{AhoCorasick, MatchKind};
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::text::{FastMap, FastSet};

/// The signs shipped with the service; a clinic's file can add to them, never take away.
pub const BUILT_IN: &str = include_str!("signs.toml");
/// How far apart (in words) the parts of a sign may be when its entry does not say.
const DEFAULT_WITHIN: u16 = 6;
/// Misspellings are forgiven only in words at least this long: shorter ones are too often
/// another real word one letter away.
const FUZZY_MIN_CHARS: usize = 6;

/// How soon a person needs care, least urgent first.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Deserialize,
    Serialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Normal after treatment: the articles answer it.
    Expected,
    /// Call the clinic now, or emergency services when it is closed.
    SameDay,
    /// Call the emergency number now.
    Emergency,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Expected => "expected",
            Severity::SameDay => "same_day",
            Severity::Emergency => "emergency",
        }
    }

    /// Whether the reply must be urgent advice instead of an answer.
    pub fn is_urgent(self) -> bool {
        self != Severity::Expected
    }
}

/// Classes every reading needs, whatever the file calls its own: their ids are fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u16)]
pub(super) enum Grammar {
    Negation,
    Hedge,
    Hypothetical,
    Report,
    Worry,
    Break,
}

const GRAMMAR: [(Grammar, &str); 6] = [
    (Grammar::Negation, "negation"),
    (Grammar::Hedge, "hedge"),
    (Grammar::Hypothetical, "hypothetical"),
    (Grammar::Report, "report"),
    (Grammar::Worry, "worry"),
    (Grammar::Break, "breaks"),
];

pub(super) type ClassId = u16;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    grammar: Option<Spanned<BTreeMap<String, Vec<String>>>>,
    #[serde(default)]
    words: BTreeMap<String, Vec<Spanned<String>>>,
    #[serde(default)]
    sign: Vec<Spanned<Entry>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    id: String,
    severity: Severity,
    near: Vec<String>,
    within: Option<u16>,
    #[serde(default)]
    anywhere: Vec<String>,
    #[serde(default)]
    unless_near: Vec<String>,
    #[serde(default)]
    unless_anywhere: Vec<String>,
    #[serde(default)]
    needs_report: bool,
    advice: Option<String>,
    source: String,
}

/// One compiled sign.
#[derive(Debug, Clone)]
pub struct Sign {
    pub id: String,
    pub severity: Severity,
    /// What would be a reason to call, for an expected effect.
    pub advice: Option<String>,
    pub source: String,
    pub(super) near: Vec<ClassId>,
    pub(super) within: u16,
    pub(super) anywhere: Vec<ClassId>,
    pub(super) unless_near: Vec<ClassId>,
    pub(super) unless_anywhere: Vec<ClassId>,
    pub(super) needs_report: bool,
}

/// One pattern of the automaton: how many words it spans and the classes it stands for.
#[derive(Debug, Clone)]
pub(super) struct Pattern {
    pub words: u16,
    pub classes: Vec<ClassId>,
}

/// The signs, compiled for reading messages.
#[derive(Debug, Clone)]
pub struct Signs {
    pub(super) automaton: AhoCorasick,
    pub(super) patterns: Vec<Pattern>,
    pub(super) signs: Vec<Sign>,
    /// For each class, the signs whose first `near` class it is.
    pub(super) by_key: Vec<Vec<usize>>,
    pub(super) spelling: Spelling,
}

/// Forgiving one letter missing, doubled or swapped in a longer sign word (symmetric deletion:
/// hashed lookups of a word's one-letter deletions, no loop over the vocabulary).
#[derive(Debug, Clone, Default)]
pub(super) struct Spelling {
    /// Every word of every pattern, spelt right: never corrected.
    pub known: FastSet<String>,
    /// Sign words of [`FUZZY_MIN_CHARS`] or more.
    pub long: FastSet<String>,
    /// A long sign word less one letter (not its first two) -> the word.
    pub deletions: FastMap<String, String>,
    /// The first two letters of every long sign word: a cheap test that a word may be one.
    pub openings: FastSet<[u8; 2]>,
}

/// A problem in a signs file, with the line it is on.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct SignsError {
    pub line: usize,
    pub message: String,
}

impl Signs {
    /// The built-in signs alone.
    pub fn built_in() -> Signs {
        Signs::parse(BUILT_IN, None).expect("the built-in signs.toml is valid")
    }

    /// The built-in signs and, when `path` is given, the clinic's additions from it.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Signs> {
        let Some(path) = path else {
            return Ok(Signs::built_in());
        };
        let added = std::fs::read_to_string(path)
            .map_err(|err| anyhow::anyhow!("cannot read {}: {err}", path.display()))?;
        Signs::parse(BUILT_IN, Some(&added))
            .map_err(|err| anyhow::anyhow!("{}: {err}", path.display()))
    }

    /// Compiles the built-in table `base` with a clinic's `added` one.
    pub fn parse(base: &str, added: Option<&str>) -> Result<Signs, SignsError> {
        let base_file = read(base)?;
        let added_file = added.map(read).transpose()?;
        let mut table = Table::default();
        table.grammar(base, base_file.grammar.as_ref())?;
        table.words(&base_file.words);
        table.signs(base, base_file.sign)?;
        if let (Some(source), Some(file)) = (added, added_file) {
            if let Some(grammar) = &file.grammar {
                return Err(at(
                    source,
                    grammar.span().start,
                    "a clinic's signs file cannot change [grammar]",
                ));
            }
            table.protect_built_in(source, &file.words)?;
            table.words(&file.words);
            table.signs(source, file.sign)?;
        }
        table.compile()
    }

    pub fn signs(&self) -> &[Sign] {
        &self.signs
    }
}

fn read(source: &str) -> Result<File, SignsError> {
    toml::from_str(source).map_err(|err| {
        let start = err.span().map_or(0, |s| s.start);
        at(source, start, err.message())
    })
}

fn at(source: &str, offset: usize, message: impl Into<String>) -> SignsError {
    let offset = offset.min(source.len());
    SignsError {
        line: source[..offset].matches('\n').count() + 1,
        message: message.into(),
    }
}

/// The table as it is read, before compiling.
#[derive(Default)]
struct Table {
    names: BTreeMap<String, ClassId>,
    /// Each class's entries, by id.
    entries: Vec<Vec<String>>,
    signs: Vec<Sign>,
}

impl Table {
    fn class(&mut self, name: &str) -> ClassId {
        if let Some(&id) = self.names.get(name) {
            return id;
        }
        let id = self.entries.len() as ClassId;
        self.names.insert(name.to_string(), id);
        self.entries.push(Vec::new());
        id
    }

    fn grammar(
        &mut self,
        source: &str,
        grammar: Option<&Spanned<BTreeMap<String, Vec<String>>>>,
    ) -> Result<(), SignsError> {
        let grammar = grammar.ok_or_else(|| at(source, 0, "the table needs a [grammar]"))?;
        for (kind, name) in GRAMMAR {
            let words = grammar.get_ref().get(name).ok_or_else(|| {
                at(
                    source,
                    grammar.span().start,
                    format!("[grammar] needs {name}"),
                )
            })?;
            let id = self.class(&format!("grammar:{name}"));
            debug_assert_eq!(id, kind as ClassId);
            self.entries[id as usize].extend(words.iter().cloned());
        }
        Ok(())
    }

    fn words(&mut self, words: &BTreeMap<String, Vec<Spanned<String>>>) {
        for (name, list) in words {
            let id = self.class(name);
            self.entries[id as usize].extend(list.iter().map(|w| w.get_ref().clone()));
        }
    }

    /// A clinic may add words that make signs match, never words that stop a built-in sign:
    /// a class named in a built-in `unless_*` list is closed to it.
    fn protect_built_in(
        &self,
        source: &str,
        words: &BTreeMap<String, Vec<Spanned<String>>>,
    ) -> Result<(), SignsError> {
        for (name, list) in words {
            let Some(&id) = self.names.get(name) else {
                continue;
            };
            let stops = self
                .signs
                .iter()
                .any(|s| s.unless_near.contains(&id) || s.unless_anywhere.contains(&id));
            if stops {
                let offset = list.first().map_or(0, |w| w.span().start);
                return Err(at(
                    source,
                    offset,
                    format!(
                        "words {name:?} can stop a built-in sign, so a clinic cannot add to them"
                    ),
                ));
            }
        }
        Ok(())
    }

    fn signs(&mut self, source: &str, entries: Vec<Spanned<Entry>>) -> Result<(), SignsError> {
        for spanned in entries {
            let start = spanned.span().start;
            let entry = spanned.into_inner();
            let fail =
                |message: String| at(source, start, format!("sign {:?}: {message}", entry.id));
            if self.signs.iter().any(|s| s.id == entry.id) {
                return Err(fail("another sign has this id".into()));
            }
            if entry.near.is_empty() {
                return Err(fail("`near` needs at least one class of words".into()));
            }
            let ids = |names: &[String]| -> Result<Vec<ClassId>, SignsError> {
                names
                    .iter()
                    .map(|n| match self.names.get(n) {
                        Some(&id) if id as usize >= GRAMMAR.len() => Ok(id),
                        _ => Err(fail(format!("no [words] class named {n:?}"))),
                    })
                    .collect()
            };
            let sign = Sign {
                near: ids(&entry.near)?,
                anywhere: ids(&entry.anywhere)?,
                unless_near: ids(&entry.unless_near)?,
                unless_anywhere: ids(&entry.unless_anywhere)?,
                within: entry.within.unwrap_or(DEFAULT_WITHIN),
                needs_report: entry.needs_report,
                id: entry.id,
                severity: entry.severity,
                advice: entry.advice,
                source: entry.source,
            };
            self.signs.push(sign);
        }
        Ok(())
    }

    fn compile(self) -> Result<Signs, SignsError> {
        let mut by_text: BTreeMap<String, Pattern> = BTreeMap::new();
        let mut spelling = Spelling::default();
        for (class, entries) in self.entries.iter().enumerate() {
            for entry in entries {
                let (text, words) = pattern_text(entry).ok_or_else(|| SignsError {
                    line: 0,
                    message: format!("the entry {entry:?} has no words"),
                })?;
                spelling.learn(entry, class >= GRAMMAR.len());
                let pattern = by_text.entry(text).or_insert(Pattern {
                    words,
                    classes: Vec::new(),
                });
                if !pattern.classes.contains(&(class as ClassId)) {
                    pattern.classes.push(class as ClassId);
                }
            }
        }
        spelling.finish();
        let (texts, patterns): (Vec<String>, Vec<Pattern>) = by_text.into_iter().unzip();
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&texts)
            .map_err(|err| SignsError {
                line: 0,
                message: err.to_string(),
            })?;
        let mut by_key = vec![Vec::new(); self.entries.len()];
        for (i, sign) in self.signs.iter().enumerate() {
            by_key[sign.near[0] as usize].push(i);
        }
        Ok(Signs {
            automaton,
            patterns,
            signs: self.signs,
            by_key,
            spelling,
        })
    }
}

/// An entry as the automaton looks for it in a normalised message (" word word "): a space
/// each side, or none after a `*` ending. Also its length in words.
fn pattern_text(entry: &str) -> Option<(String, u16)> {
    let (body, open) = match entry.trim().strip_suffix('*') {
        Some(body) => (body, true),
        None => (entry, false),
    };
    let words = super::words::normalised_words(body);
    if words.is_empty() {
        return None;
    }
    let mut text = String::with_capacity(body.len() + 2);
    for word in &words {
        text.push(' ');
        text.push_str(word);
    }
    if !open {
        text.push(' ');
    }
    Some((text, words.len() as u16))
}

impl Spelling {
    fn learn(&mut self, entry: &str, sign_word: bool) {
        let open = entry.trim().ends_with('*');
        for word in super::words::normalised_words(entry.trim_end_matches('*')) {
            if sign_word && !open && word.chars().count() >= FUZZY_MIN_CHARS && word.is_ascii() {
                self.long.insert(word.clone());
            }
            self.known.insert(word);
        }
    }

    /// Indexes the long words' deletions, leaving out any that is itself a known word.
    fn finish(&mut self) {
        let mut deletions: FastMap<String, Option<String>> = FastMap::default();
        for word in &self.long {
            let bytes = word.as_bytes();
            self.openings.insert([bytes[0], bytes[1]]);
            for at in 2..word.len() {
                let mut less = word.clone();
                less.remove(at);
                if self.known.contains(&less) {
                    continue;
                }
                // Two sign words one letter apart: the deletion says neither.
                let slot = deletions.entry(less).or_insert_with(|| Some(word.clone()));
                if slot.as_deref() != Some(word.as_str()) {
                    *slot = None;
                }
            }
        }
        self.deletions = deletions
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect();
    }

    /// The sign word `word` is a misspelling of, if any: one letter missing, added or swapped
    /// (never among its first two, which people rarely get wrong).
    pub fn correct(&self, word: &str, buffer: &mut String) -> Option<&str> {
        let bytes = word.as_bytes();
        if bytes.len() + 1 < FUZZY_MIN_CHARS
            || !word.is_ascii()
            || !self.openings.contains(&[bytes[0], bytes[1]])
            || self.known.contains(word)
        {
            return None;
        }
        if let Some(right) = self.deletions.get(word) {
            return Some(right);
        }
        for at in 2..bytes.len() {
            buffer.clear();
            buffer.push_str(&word[..at]);
            buffer.push_str(&word[at + 1..]);
            if let Some(right) = self.long.get(buffer.as_str()) {
                return Some(right);
            }
        }
        for at in 2..bytes.len() - 1 {
            // ASCII, so each byte is a char.
            buffer.clear();
            buffer.push_str(&word[..at]);
            buffer.push(bytes[at + 1] as char);
            buffer.push(bytes[at] as char);
            buffer.push_str(&word[at + 2..]);
            if let Some(right) = self.long.get(buffer.as_str()) {
                return Some(right);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_table_compiles_and_every_sign_names_a_source() {
        let signs = Signs::built_in();
        assert!(signs.signs().len() > 40);
        for sign in signs.signs() {
            assert!(!sign.source.trim().is_empty(), "{}", sign.id);
        }
        let emergencies = signs
            .signs()
            .iter()
            .filter(|s| s.severity == Severity::Emergency)
            .count();
        assert!(emergencies >= 10);
    }

    #[test]
    fn a_bad_clinic_file_is_refused_with_its_line() {
        let unknown =
            "[[sign]]\nid = \"x\"\nseverity = \"same_day\"\nnear = [\"nothing\"]\nsource = \"s\"\n";
        let err = Signs::parse(BUILT_IN, Some(&format!("\n\n{unknown}"))).unwrap_err();
        assert_eq!(err.line, 3, "{err}");
        assert!(err.message.contains("nothing"), "{err}");
        let bad_severity =
            "[[sign]]\nid = \"x\"\nseverity = \"soon\"\nnear = [\"fever\"]\nsource = \"s\"\n";
        let err = Signs::parse(BUILT_IN, Some(bad_severity)).unwrap_err();
        assert_eq!(err.line, 3, "{err}");
        let grammar = "[grammar]\nnegation = [\"my\"]\n";
        assert!(Signs::parse(BUILT_IN, Some(grammar)).is_err());
        let stopper = "[words]\nbruise = [\"grey\"]\n";
        let err = Signs::parse(BUILT_IN, Some(stopper)).unwrap_err();
        assert_eq!(err.line, 2, "{err}");
    }

    #[test]
    fn misspellings_one_letter_off_are_read_as_the_sign_word() {
        let signs = Signs::built_in();
        let mut buffer = String::new();
        let correct = |w: &str, b: &mut String| signs.spelling.correct(w, b).map(str::to_string);
        assert_eq!(correct("swolllen", &mut buffer).as_deref(), Some("swollen"));
        assert_eq!(correct("thraot", &mut buffer).as_deref(), Some("throat"));
        assert_eq!(
            correct("bleeeding", &mut buffer).as_deref(),
            Some("bleeding")
        );
        assert_eq!(correct("sallow", &mut buffer), None);
        assert_eq!(correct("hills", &mut buffer), None);
    }
}
