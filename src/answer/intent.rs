//! What a visitor is asking for (a count, a duration, pain, safety…), recognised from cue
//! phrases, and whether a sentence answers that: a count with a session word for "how many",
//! a duration for "how long", pain words for "does it hurt". Cues are matched on stems, so
//! "hurts", "hurting" and "hurt" are one cue.

use tantivy::tokenizer::TextAnalyzer;

use crate::text;
pub use crate::vocabulary::Intent;
use crate::vocabulary::Vocabulary;

/// Where multi-word cues ("how far apart", "opening hours") stand in the stems: those words
/// say what is asked, so they are not topics.
pub fn cue_spans(vocabulary: &Vocabulary, stems: &[String]) -> Vec<std::ops::Range<usize>> {
    let cues = &vocabulary.cues;
    cues.occurrences(stems)
        .map(|(p, start)| start..start + cues.phrases[p].1.len())
        .filter(|span| span.len() > 1)
        .collect()
}

/// The intents a question's stems show, most specific first.
pub fn detect(vocabulary: &Vocabulary, stems: &[String]) -> Vec<Intent> {
    let cues = &vocabulary.cues;
    // "What is the best season for…" asks about the season, not what the treatment is: a
    // definition's cue followed by "the" names something else.
    let asks_of_the = |p: usize, start: usize| {
        let (intent, cue) = &cues.phrases[p];
        *intent == Intent::Definition
            && stems
                .get(start + cue.len())
                .is_some_and(|next| next == "the")
    };
    // "when should I", "how can I": the modal belongs to the question word's question, and
    // asks when or how, not whether the visitor may have it.
    let after_question_word = |p: usize, start: usize| {
        cues.phrases[p].0 == Intent::Suitability
            && start
                .checked_sub(1)
                .and_then(|before| stems.get(before))
                .is_some_and(|w| crate::text::QUESTION_WORDS.contains(&w.as_str()))
    };
    let mut matched: Vec<usize> = cues
        .occurrences(stems)
        .filter(|(p, start)| !asks_of_the(*p, *start) && !after_question_word(*p, *start))
        .map(|(p, _)| p)
        .collect();
    matched.sort_unstable();
    matched.dedup();
    let mut found: Vec<Intent> = Vec::new();
    // Intents asked with a question word ("how long", "when will I see"): the head of the
    // question, before those a later clause names ("… before I need a top up").
    let mut headed: Vec<Intent> = Vec::new();
    let mut aftercare_cues = 0;
    for (intent, cue) in matched.into_iter().map(|p| &cues.phrases[p]) {
        if *intent == Intent::Aftercare && cue.as_slice() != ["after"] {
            aftercare_cues += 1;
        }
        if !found.contains(intent) {
            found.push(*intent);
        }
        if cue.len() > 1 && crate::text::QUESTION_WORDS.contains(&cue[0].as_str()) {
            headed.push(*intent);
        }
    }
    // A general cue ("what is", "where") yields to a specific one: "what is the downtime"
    // asks for a duration.
    // "wedding in 3 weeks, is it too late?": an occasion in a message that asks nothing more
    // specific asks when to have it.
    let specific = found
        .iter()
        .any(|i| !matches!(i, Intent::Suitability) && !broad_cue(i));
    let names_an_event = stems.iter().any(|s| cues.events.contains(s));
    if !specific && !found.contains(&Intent::Timing) && names_an_event {
        found.push(Intent::Timing);
    }
    found.sort();
    refine_how_long(vocabulary, stems, &mut found);
    // "the recovery after a peel" asks how long, and "is that meant to happen after the
    // laser" whether it is normal: a bare "after" says when, not what to do afterwards.
    let says_when = |i: &Intent| matches!(i, Intent::Duration | Intent::SideEffects);
    if aftercare_cues == 0 && found.iter().any(says_when) {
        found.retain(|i| *i != Intent::Aftercare);
    }
    if found.iter().any(|i| !broad_cue(i)) {
        found.retain(|i| !broad_cue(i));
    }
    // "how long" refined is still the head: how long results last, or a session takes.
    let head = |i: &Intent| {
        headed.contains(i)
            || (matches!(i, Intent::SessionLength | Intent::Longevity)
                && headed.contains(&Intent::Duration))
    };
    found.sort_by_key(|i| !head(i));
    found
}

/// A cue that asks broadly ("what is", "where"): it yields to a specific one.
fn broad_cue(intent: &Intent) -> bool {
    matches!(
        intent,
        Intent::Definition | Intent::HowItWorks | Intent::Areas | Intent::Results
    )
}

/// A message that describes an effect after a treatment, or asks how long one lasts
/// ("bruised and swollen after cryo",
/// "still numb a week after, should I worry?") asks whether it is normal and how long it
/// lasts, not what to do afterwards, whether the treatment hurts or who may have it.
pub fn read_as_effect(vocabulary: &Vocabulary, stems: &[String], found: &mut Vec<Intent>) {
    // "still bruised and achy, how long does this last?" asks how long the effect lasts;
    // "my legs are itchy where I had it" asks nothing else: it asks whether that is normal.
    let reads_as_effect = found.contains(&Intent::Aftercare)
        || found.contains(&Intent::Longevity)
        || found.iter().all(broad_cue);
    if !reads_as_effect {
        return;
    }
    found.retain(|i| {
        !matches!(i, Intent::Aftercare | Intent::Pain | Intent::Suitability) && !broad_cue(i)
    });
    if !found.contains(&Intent::SideEffects) {
        found.push(Intent::SideEffects);
    }
    refine_how_long(vocabulary, stems, found);
}

/// Tells the "how long" questions apart: how long a session takes, how long results last,
/// or (the rest) how long recovery takes. How long side effects last is a recovery question.
fn refine_how_long(vocabulary: &Vocabulary, stems: &[String], found: &mut Vec<Intent>) {
    let effects = found.contains(&Intent::SideEffects);
    if effects && found.contains(&Intent::Longevity) {
        found.retain(|i| *i != Intent::Longevity);
        found.push(Intent::Duration);
    }
    if found.contains(&Intent::Duration) && !effects {
        let refined = [Intent::SessionLength, Intent::Longevity]
            .into_iter()
            .find(|i| {
                let refines = &vocabulary.intent(*i).refines;
                stems.iter().any(|s| refines.contains(s))
            });
        if let Some(refined) = refined {
            found.retain(|i| *i != Intent::Duration);
            found.push(refined);
        }
    }
    // When results show, or how long they last, is the question: not recovery.
    let results = found.contains(&Intent::Onset) || found.contains(&Intent::Longevity);
    if results && !effects {
        found.retain(|i| *i != Intent::Duration);
    }
    found.sort();
    found.dedup();
}

/// How well a sentence answers one intent: 1 a clear answer, 0.5 a vague one, 0 none. The
/// words are the vocabulary's evidence lists; this is how they combine.
pub fn evidence(vocabulary: &Vocabulary, intent: Intent, sentence: &str, stems: &[String]) -> f32 {
    let ev = &vocabulary.evidence;
    // "cold sore" names a condition, not a pain.
    let mut lower = sentence.to_lowercase();
    for phrase in &ev.not_pain {
        if lower.contains(phrase.as_str()) {
            lower = lower.replace(phrase.as_str(), &phrase.replace(' ', ""));
        }
    }
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |list: &[String]| words.iter().any(|w| list.iter().any(|l| word_is(w, l)));
    let has_stem = |stem: &str| stems.iter().any(|s| s == stem);
    let number = words
        .iter()
        .any(|w| w.chars().all(|c| c.is_ascii_digit()) || ev.numbers.iter().any(|n| n == w));
    let score = |clear: bool, vague: bool| {
        if clear {
            1.0
        } else if vague {
            0.5
        } else {
            0.0
        }
    };
    match intent {
        Intent::Cost => score(
            ev.currency.iter().any(|c| sentence.contains(c.as_str())) && number,
            false,
        ),
        Intent::Logistics => score(
            has(&ev.weekdays)
                || ev
                    .contact_phrases
                    .iter()
                    .any(|p| lower.contains(p.as_str()))
                || ev
                    .clock
                    .iter()
                    .any(|c| words.contains(&c.as_str()) && lower.contains(c.as_str())),
            false,
        ),
        Intent::Count => score(
            counted(vocabulary, &words, lower.contains("; ")),
            has(&ev.session) && has(&ev.several),
        ),
        // How far apart: a time with a word of spacing ("spaced 4 weeks apart", "every 6
        // weeks", "at least 6 weeks between sessions").
        Intent::Interval => {
            let spacing = has(&ev.spacing);
            let timed = (number || has(&ev.rough_amounts)) && has(&ev.time_units);
            score(spacing && timed, spacing && has(&ev.session))
        }
        // When to have it before an occasion: the occasion with a time ("plan your final
        // session at least 2 weeks before it"); a time before something alone is vaguer.
        Intent::Timing => {
            let timed = (number || has(&ev.rough_amounts)) && has(&ev.time_units);
            let event = has(&ev.events)
                || ev
                    .events
                    .iter()
                    .any(|e| e.contains(' ') && lower.contains(e.as_str()));
            score(event && timed, event || timed && words.contains(&"before"))
        }
        Intent::Duration => {
            let timed =
                number && has(&ev.time_units) || (has(&ev.rough_amounts) && has(&ev.time_units));
            let said = ev
                .duration_phrases
                .iter()
                .any(|p| lower.contains(p.as_str()));
            score(timed || said, has(&ev.quick))
        }
        Intent::SessionLength => {
            let timed = number && has(&ev.session_time_units);
            // The verb just before the time: "takes around 30 minutes", not "stop taking
            // aspirin … 24 hours before".
            let given = words.iter().enumerate().any(|(i, w)| {
                ev.session_time_verbs.iter().any(|v| v == w)
                    && words[i + 1..].iter().take(4).any(|n| {
                        n.chars().all(|c| c.is_ascii_digit())
                            || ev.numbers.iter().any(|x| x == n)
                            || ev.session_time_units.iter().any(|u| word_is(n, u))
                    })
            });
            score(timed && given, timed || has(&ev.quick))
        }
        Intent::Longevity => {
            // "in the last 6 months" is the previous six months, not how long anything lasts.
            let lasting = words.iter().enumerate().any(|(i, w)| {
                ev.longevity.iter().any(|l| word_is(w, l))
                    && !(i > 0 && ev.not_lasting.iter().any(|d| d == words[i - 1]))
            });
            let stays = ev
                .lasting_phrases
                .iter()
                .any(|p| lower.contains(p.as_str()));
            score(
                number && has(&ev.long_time_units) && lasting || stays,
                lasting || number && has(&ev.long_time_units),
            )
        }
        // When results show, not how long they last.
        Intent::Onset => score(
            number && has(&ev.time_units) && has(&ev.onset) && !has(&ev.longevity),
            has(&ev.onset) && (has(&ev.time_units) || has(&ev.quick)),
        ),
        Intent::Pain => score(has(&ev.pain) || has_stem("pain"), false),
        Intent::SideEffects => score(has(&ev.named_effects), has(&ev.safety)),
        Intent::Suitability => score(has(&ev.suitability), false),
        Intent::Preparation => score(has(&ev.preparation), has(&ev.preparation_vague)),
        Intent::Aftercare => score(
            has(&ev.aftercare) && has(&ev.advice) || has(&ev.aftercare_named),
            has(&ev.aftercare) || has(&ev.advice),
        ),
        Intent::Comparison => score(has(&ev.comparison) && words.len() > 8, false),
        Intent::Areas => score(
            words
                .iter()
                .filter(|w| ev.body_parts.iter().any(|b| w.starts_with(b.as_str())))
                .count()
                >= 3,
            has(&ev.body_parts),
        ),
        Intent::HowItWorks => score(has(&ev.work), false),
        Intent::Results => score(has(&ev.results), false),
        Intent::Definition => {
            // "X is a…", "Fat freezing, known as cryolipolysis, is a…", "Microneedling
            // uses…": after its subject, a verb of being and what it is, or one of doing.
            let listed = |list: &[String], w: &str| list.iter().any(|d| d == w);
            let is_a =
                words.windows(2).take(10).skip(1).any(|pair| {
                    listed(&ev.defining, pair[0]) && listed(&ev.defining_after, pair[1])
                });
            let early = words.iter().skip(1).take(3);
            let acts = early.clone().any(|w| listed(&ev.defining_actions, w));
            let is = early.clone().any(|w| listed(&ev.defining, w));
            score(words.len() > 6 && (is_a || acts), words.len() > 6 && is)
        }
    }
}

/// The sentence tells the reader what to do ("Avoid direct sun for 2 weeks…"): it opens
/// with a word of advice.
pub fn instructs(vocabulary: &Vocabulary, sentence: &str) -> bool {
    let first = sentence
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .find(|w| !w.is_empty())
        .unwrap_or_default()
        .to_lowercase();
    vocabulary
        .evidence
        .advice
        .iter()
        .any(|a| word_is(&first, a))
}

/// The question asks what the visitor must do ("how long do I have to wear them?", "how
/// long should I avoid the sun?"): an instruction answers it.
pub fn asks_what_to_do(vocabulary: &Vocabulary, words: &[String]) -> bool {
    let ev = &vocabulary.evidence;
    let listed = |list: &[String], w: &str| list.iter().any(|l| word_is(w, l));
    words
        .iter()
        .any(|w| listed(&ev.advice, w) || listed(&ev.asking, w))
        || ev.obliged.iter().any(|phrase| {
            let length = phrase.split(' ').count();
            words
                .windows(length)
                .any(|run| run.iter().zip(phrase.split(' ')).all(|(w, p)| w == p))
        })
}

/// The sentence says an effect is expected or passes.
pub fn reassures(vocabulary: &Vocabulary, sentence: &str) -> bool {
    let reassuring = &vocabulary.evidence.reassuring;
    sentence
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| reassuring.iter().any(|r| r.eq_ignore_ascii_case(w)))
}

/// The sentence speaks of most people or cases ("Most people need…", "generally"), not of
/// one kind; "the most" is a superlative.
pub fn general(vocabulary: &Vocabulary, sentence: &str) -> bool {
    let general = &vocabulary.evidence.general;
    let words: Vec<String> = sentence
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    words
        .iter()
        .enumerate()
        .any(|(i, w)| general.iter().any(|g| g == w) && !(i > 0 && words[i - 1] == "the"))
}

/// A number shortly before a session word ("3-5 sessions", "a course of 4-6 treatments"), or
/// just after one as a table gives it ("typical sessions 3-5"), unless that number is a time
/// ("sessions 4 weeks apart"); or a number of anything that is not a time ("4-6 peels"). A
/// table's row is read as "Area: typical units 20; review 2 weeks".
fn counted(vocabulary: &Vocabulary, words: &[&str], table_row: bool) -> bool {
    let ev = &vocabulary.evidence;
    let is_number =
        |n: &&str| n.chars().all(|c| c.is_ascii_digit()) || ev.numbers.iter().any(|x| x == n);
    let is_time = |w: &&str| ev.time_units.iter().any(|u| word_is(w, u));
    // A number (not of a time) within two words after `i`: "sessions 3-5", "units 20", not
    // "sessions 6-8 weeks apart".
    let number_after = |i: usize| {
        (i + 1..(i + 3).min(words.len())).any(|j| {
            let mut end = j;
            while end < words.len() && is_number(&words[end]) {
                end += 1;
            }
            end > j && !words.get(end).is_some_and(&is_time)
        })
    };
    let plural = |w: &&str| {
        w.len() > 3
            && w.ends_with('s')
            && !w.ends_with("ss")
            && !is_time(w)
            && !ev.not_counted.iter().any(|n| n == w)
            && !w.chars().any(|c| c.is_ascii_digit())
    };
    words.iter().enumerate().any(|(i, w)| {
        let session = ev.session.iter().any(|s| word_is(w, s));
        let before = i > 0 && is_number(&words[i - 1]);
        let counted = session && words[i.saturating_sub(2)..i].iter().any(is_number);
        // Only a table's row names what it counts before the number ("units 20"): in a
        // sentence, "helps 4 people" does not count helps.
        let named = session || plural(w) && table_row;
        counted || (session || plural(w)) && before || named && number_after(i)
    })
}

/// `word` is `listed`, its plural, or (for long cues) a longer word starting with it.
fn word_is(word: &str, listed: &str) -> bool {
    word == listed
        || word
            .strip_suffix('s')
            .is_some_and(|w| w == listed || w.strip_suffix('e') == Some(listed))
        || (listed.len() >= 5 && word.starts_with(listed))
}

/// Whether a section heading says it is about this intent ("How to prepare…").
pub fn heading_cue(vocabulary: &Vocabulary, intent: Intent, heading: &str) -> bool {
    let lower = heading.to_lowercase();
    vocabulary
        .intent(intent)
        .heading
        .iter()
        .any(|w| lower.contains(w.as_str()))
}

/// A question to suggest about one topic, in the intent's own words.
pub fn narrowing_question(vocabulary: &Vocabulary, intent: Intent, topic: &str) -> String {
    let template = vocabulary.intent(intent).suggestion.as_ref();
    template
        .unwrap_or(&vocabulary.suggestion)
        .replace("{topic}", topic)
}

/// The analyzer's stems of one word.
pub fn stem_word(analyzer: &mut TextAnalyzer, word: &str) -> Option<String> {
    text::terms(analyzer, word).into_iter().next()
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_question_word_heads_what_is_asked_before_a_later_clause() {
        let vocabulary = Vocabulary::built_in();
        let stems = crate::text::stems("how long do results last before i need a top up");
        let found = detect(vocabulary, &stems);
        assert_eq!(found.first(), Some(&Intent::Longevity), "{found:?}");
        assert!(found.contains(&Intent::Count), "{found:?}");
    }
    use super::*;

    fn intents(question: &str) -> Vec<Intent> {
        let stems = text::terms(&mut text::stemmed_analyzer(), question);
        detect(Vocabulary::built_in(), &stems)
    }

    fn evidence(intent: Intent, sentence: &str, stems: &[String]) -> f32 {
        super::evidence(Vocabulary::built_in(), intent, sentence, stems)
    }

    #[test]
    fn a_modal_after_a_question_word_asks_when_or_how_not_whether() {
        assert!(intents("can I have it while breastfeeding").contains(&Intent::Suitability));
        for asked in [
            "when should I book it before my holiday",
            "how can I make the results last",
        ] {
            assert!(!intents(asked).contains(&Intent::Suitability), "{asked}");
        }
    }

    #[test]
    fn questions_show_their_intent() {
        assert_eq!(
            intents("How many sessions will I need?"),
            vec![Intent::Count]
        );
        assert_eq!(intents("What is the downtime?"), vec![Intent::Duration]);
        assert_eq!(intents("Will it hurt?"), vec![Intent::Pain]);
        assert_eq!(intents("What is mesotherapy?"), vec![Intent::Definition]);
        assert_eq!(
            intents("How long do the side effects last?"),
            vec![Intent::Duration, Intent::SideEffects]
        );
        assert_eq!(intents("How much does it cost?"), vec![Intent::Cost]);
    }

    #[test]
    fn a_count_needs_a_number_and_a_session_word() {
        let stems = Vec::new();
        assert_eq!(
            evidence(
                Intent::Count,
                "A course of 4-6 treatments is recommended.",
                &stems
            ),
            1.0
        );
        assert_eq!(
            evidence(Intent::Count, "It helps 4 people out of 5.", &stems),
            0.0
        );
        assert_eq!(
            evidence(Intent::Duration, "There is usually no downtime.", &stems),
            1.0
        );
        assert_eq!(
            evidence(
                Intent::Duration,
                "Redness fades within 24-48 hours.",
                &stems
            ),
            1.0
        );
        assert_eq!(
            evidence(Intent::Cost, "Prices start at £150 per session.", &stems),
            1.0
        );
        assert_eq!(
            evidence(
                Intent::Cost,
                "Ask about the cost at your consultation.",
                &stems
            ),
            0.0
        );
    }

    #[test]
    fn how_many_and_how_far_apart_are_different_facts() {
        assert_eq!(
            intents("how far apart are the sessions"),
            vec![Intent::Interval]
        );
        assert_eq!(
            intents("how many sessions and how often"),
            vec![Intent::Count, Intent::Interval]
        );
        let stems = Vec::new();
        let count = |sentence| evidence(Intent::Count, sentence, &stems);
        let interval = |sentence| evidence(Intent::Interval, sentence, &stems);
        // A table's row gives the number after its column's name.
        assert_eq!(
            count("Sun spots: typical sessions 3-5; interval 4 weeks."),
            1.0
        );
        assert_eq!(count("Most people need 4-6 peels to see a change."), 1.0);
        assert_eq!(count("We space sessions 6-8 weeks apart."), 0.0);
        assert_eq!(count("It can hold 1,000 times its weight in water."), 0.0);
        assert_eq!(interval("We space sessions 6-8 weeks apart."), 1.0);
        assert_eq!(interval("We leave at least 6 weeks between sessions."), 1.0);
        assert_eq!(interval("Most tattoos need 6-10 sessions."), 0.0);
    }

    #[test]
    fn an_occasion_asks_when_to_have_it_unless_something_more_specific_is_asked() {
        assert_eq!(
            intents("wedding in 3 weeks, is it too late?"),
            vec![Intent::Timing]
        );
        assert_eq!(
            intents("can i go swimming after, going on holiday soon"),
            vec![Intent::Aftercare, Intent::Suitability]
        );
        let stems = Vec::new();
        let timing = |sentence| evidence(Intent::Timing, sentence, &stems);
        assert_eq!(
            timing(
                "If you have an event coming up, plan your last session at least 2 weeks before it."
            ),
            1.0
        );
        assert_eq!(
            timing("Avoid alcohol for 24 hours before your appointment."),
            0.5
        );
    }

    #[test]
    fn a_statement_about_most_people_is_general_and_the_most_is_not() {
        let general = |sentence| super::general(Vocabulary::built_in(), sentence);
        assert!(general("Most professional tattoos need 6-10 sessions."));
        assert!(!general("It is the most popular treatment we offer."));
        assert!(!general("Cosmetic tattoos need 3-5 sessions."));
    }

    #[test]
    fn an_effect_is_reassured_by_words_that_say_it_is_expected() {
        let reassures = |sentence| super::reassures(Vocabulary::built_in(), sentence);
        assert!(reassures("Blistering is common and heals within a week."));
        assert!(!reassures(
            "Keep the area out of the sun, or it may blister."
        ));
    }

    #[test]
    fn how_long_results_last_is_not_the_last_few_months() {
        let stems = Vec::new();
        let lasting = |sentence| evidence(Intent::Longevity, sentence, &stems);
        assert_eq!(
            lasting("Once a treated vein has gone it will not come back."),
            1.0
        );
        assert_eq!(lasting("Results usually last 12-18 months."), 1.0);
        assert_eq!(
            lasting("We will not treat you if you have had a peel in the last 6 months."),
            0.5
        );
        assert_eq!(lasting("Most people need 3 sessions."), 0.0);
    }

    #[test]
    fn a_session_length_is_a_time_the_treatment_takes() {
        let stems = Vec::new();
        let length = |sentence| evidence(Intent::SessionLength, sentence, &stems);
        assert_eq!(length("Each peel takes around 30 minutes."), 1.0);
        assert_eq!(length("Allow 90 minutes for your first visit."), 1.0);
        assert_eq!(
            length("Stop taking fish oil a week before, and skip alcohol for 24 hours."),
            0.5
        );
    }

    #[test]
    fn a_definition_says_what_its_subject_is() {
        let stems = Vec::new();
        let defines = |sentence| evidence(Intent::Definition, sentence, &stems);
        assert_eq!(
            defines(
                "A peel, also called chemical resurfacing, is a treatment that removes dead skin."
            ),
            1.0
        );
        assert_eq!(
            defines("Microneedling uses fine needles to make tiny channels."),
            1.0
        );
        assert_eq!(
            defines("Peels are safe for most skin types when done well."),
            0.5
        );
    }
}
