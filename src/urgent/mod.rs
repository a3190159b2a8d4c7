//! Warning signs after treatment in a visitor's message, read against the [`Signs`] table:
//! urgent advice, or an expected effect with a line on when to call. Read before anything
//! else, over the whole message. Pure functions over the visitor's text.
//!
//! Reading a worried person's message: the whole message is normalised once (lowercase words,
//! "can't" as "can not", a misspelt sign word corrected) and the automaton finds every word
//! class in one pass. A class does not count where it is denied ("no fever", "not struggling to
//! breathe") or asked about in general ("can fillers cause blindness?") in the same clause.

mod signs;
mod words;

pub use signs::{BUILT_IN, Severity, Sign, Signs, SignsError};
use signs::{ClassId, Grammar, Spelling};
use words::each_word;
pub use words::normalised_words;

/// A denial reaches this many words ahead ("I don't have any fever": four).
const NEGATION_REACH: u16 = 3;
/// A general question's cue reaches this many words ahead ("can it cause a loss of vision").
const HYPOTHETICAL_REACH: u16 = 6;
/// Classes below this id are the grammar's (see [`Grammar`]).
const GRAMMAR_CLASSES: ClassId = Grammar::Break as ClassId + 1;
/// `unless_near` words count this close to a sign even when the sign's own reach is shorter.
const UNLESS_REACH: u16 = 3;

/// A message made ready for the automaton: " word word … " and where each word starts.
struct Reading {
    text: String,
    starts: Vec<u32>,
    /// Whether a clause ends before each word.
    breaks: Vec<bool>,
}

impl Reading {
    fn new(message: &str, spelling: &Spelling) -> Reading {
        let mut reading = Reading {
            text: String::with_capacity(message.len() + 16),
            starts: Vec::with_capacity(message.len() / 4),
            breaks: Vec::with_capacity(message.len() / 4),
        };
        let mut buffer = String::new();
        reading.text.push(' ');
        each_word(message, |word, clause_ended| {
            let word = spelling.correct(word, &mut buffer).unwrap_or(word);
            reading.starts.push(reading.text.len() as u32);
            reading.breaks.push(clause_ended);
            reading.text.push_str(word);
            reading.text.push(' ');
        });
        reading
    }

    /// The word starting at byte `at`.
    fn word_at(&self, at: usize) -> u16 {
        self.starts
            .binary_search(&(at as u32))
            .unwrap_or_else(|i| i) as u16
    }
}

/// One place a class of words was found: words `start..end`.
#[derive(Debug, Clone, Copy)]
struct Found {
    class: ClassId,
    start: u16,
    end: u16,
    /// Denied: "no fever".
    negated: bool,
    /// Asked about in general: "can it cause a fever?".
    hypothetical: bool,
}

impl Found {
    fn is(&self, grammar: Grammar) -> bool {
        self.class == grammar as ClassId
    }

    fn live(&self) -> bool {
        !self.negated && !self.hypothetical
    }
}

/// A message's classes, each occurrence with its clause.
struct Findings {
    found: Vec<Found>,
    clause: Vec<u16>,
}

impl Signs {
    /// The most urgent sign the message reports, if any (an expected effect is a sign too).
    pub fn assess(&self, message: &str) -> Option<&Sign> {
        let reading = Reading::new(message, &self.spelling);
        let mut found = Vec::new();
        for m in self.automaton.find_overlapping_iter(&reading.text) {
            let pattern = &self.patterns[m.pattern().as_usize()];
            let start = reading.word_at(m.start() + 1);
            found.extend(pattern.classes.iter().map(|&class| Found {
                class,
                start,
                end: start + pattern.words,
                negated: false,
                hypothetical: false,
            }));
        }
        // Most messages name no sign at all.
        if found.iter().all(|f| f.class < GRAMMAR_CLASSES) {
            return None;
        }
        let mut findings = Findings::new(found, &reading.breaks);
        findings.mark();
        self.strongest(&findings)
    }

    fn strongest(&self, findings: &Findings) -> Option<&Sign> {
        let mut best: Option<&Sign> = None;
        for key in findings.found.iter().filter(|f| f.live()) {
            for &i in &self.by_key[key.class as usize] {
                let sign = &self.signs[i];
                if best.is_some_and(|b| b.severity >= sign.severity) {
                    continue;
                }
                if findings.holds(sign, key) {
                    best = Some(sign);
                }
            }
        }
        best
    }
}

impl Findings {
    fn new(found: Vec<Found>, breaks: &[bool]) -> Findings {
        let mut ends = breaks.to_vec();
        for f in found.iter().filter(|f| f.is(Grammar::Break)) {
            ends[f.start as usize] = true;
        }
        let mut clause = Vec::with_capacity(ends.len());
        let mut n = 0u16;
        for ended in ends {
            n += u16::from(ended);
            clause.push(n);
        }
        Findings { found, clause }
    }

    fn clause_of(&self, f: &Found) -> u16 {
        self.clause[f.start as usize]
    }

    fn in_clause(&self, clause: u16, grammar: Grammar) -> impl Iterator<Item = &Found> {
        self.found
            .iter()
            .filter(move |f| f.is(grammar) && self.clause_of(f) == clause)
    }

    /// Reports of the present in a clause, less any inside a general-question cue ("ago" in
    /// "years ago").
    fn reports_in(&self, clause: u16) -> impl Iterator<Item = &Found> {
        self.in_clause(clause, Grammar::Report).filter(move |r| {
            !self
                .in_clause(clause, Grammar::Hypothetical)
                .any(|h| h.start <= r.start && r.end <= h.end)
        })
    }

    /// Marks each occurrence denied or asked about in general.
    fn mark(&mut self) {
        let denials: Vec<Found> = self
            .found
            .iter()
            .filter(|n| n.is(Grammar::Negation) && self.denies(n))
            .copied()
            .collect();
        for i in 0..self.found.len() {
            let f = self.found[i];
            if f.class < GRAMMAR_CLASSES {
                continue;
            }
            let clause = self.clause_of(&f);
            let negated = denials.iter().any(|n| {
                n.end <= f.start && f.start - n.end <= NEGATION_REACH && self.clause_of(n) == clause
            });
            let hypothetical = self.hypothetical(&f);
            self.found[i].negated = negated;
            self.found[i].hypothetical = hypothetical;
        }
    }

    /// Whether a negation word denies what follows: not when it is part of a sign ("can not
    /// breathe", "won't stop") or a doubt ("not sure if").
    fn denies(&self, n: &Found) -> bool {
        let inside_sign = self
            .found
            .iter()
            .any(|s| s.class >= GRAMMAR_CLASSES && s.start <= n.start && n.end <= s.end);
        let doubt = self
            .found
            .iter()
            .any(|h| h.is(Grammar::Hedge) && h.start >= n.end && h.start <= n.end + 1);
        !inside_sign && !doubt
    }

    /// Asked about in general: a cue ("can it cause", "what are the risks") in the same clause,
    /// shortly before it with no report of the present after the cue, or after it in a clause
    /// that reports nothing. A worried frame ("is it normal that…") is a report.
    fn hypothetical(&self, f: &Found) -> bool {
        let clause = self.clause_of(f);
        if self.in_clause(clause, Grammar::Worry).next().is_some() {
            return false;
        }
        self.in_clause(clause, Grammar::Hypothetical).any(|cue| {
            if cue.end <= f.start {
                // "if i have a fever": the report right after "if" is what is supposed.
                f.start - cue.end <= HYPOTHETICAL_REACH
                    && !self.reports_in(clause).any(|r| r.start > cue.end)
            } else {
                cue.start >= f.end && self.reports_in(clause).next().is_none()
            }
        })
    }

    /// Whether `sign` holds around its first class found at `key`.
    fn holds(&self, sign: &Sign, key: &Found) -> bool {
        let close = |f: &Found, reach: u16| key.start.abs_diff(f.start) <= reach;
        let present = |class: ClassId| {
            self.found
                .iter()
                .filter(move |f| f.class == class && !f.negated)
        };
        sign.near[1..].iter().all(|&class| {
            self.found
                .iter()
                .any(|f| f.class == class && f.live() && close(f, sign.within))
        }) && sign.anywhere.iter().all(|&c| present(c).next().is_some())
            && !sign
                .unless_near
                .iter()
                .any(|&c| present(c).any(|f| close(f, sign.within.max(UNLESS_REACH))))
            && !sign
                .unless_anywhere
                .iter()
                .any(|&c| present(c).next().is_some())
            && (!sign.needs_report || self.reported(key))
    }

    /// Whether the clause says the sign is happening now.
    fn reported(&self, f: &Found) -> bool {
        let clause = self.clause_of(f);
        self.in_clause(clause, Grammar::Report).next().is_some()
            || self.in_clause(clause, Grammar::Worry).next().is_some()
    }
}
