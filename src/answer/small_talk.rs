//! Greetings, thanks and goodbyes with nothing else asked: answered politely, not searched.
//! A request for a person, or a phone number or email typed into the chat, is answered with
//! how to reach the clinic and an offer to be called back.

use super::intent;
use crate::text;
use crate::vocabulary::Vocabulary;

/// Small talk is short: a longer message asks something.
const MAX_WORDS: usize = 8;
/// A request for a person may come with a few words of why.
const MAX_PERSON_WORDS: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmallTalk {
    Greeting,
    Thanks,
    Goodbye,
    /// Asks for a person, or gives a way to be reached: answered with how to reach the clinic
    /// and an offer to be called back.
    Person,
}

/// A greeting, thanks or goodbye with nothing else asked: every other word is the
/// pleasantries around it ("thanks so much, that's really helpful x", "have a nice day"), and
/// nothing asks for anything (no intent's cue) or names anything of the clinic's domain. A
/// message (`text`, whose `words` these are) holding a phone number or an email asks to be
/// contacted, whatever else it says.
pub fn small_talk(vocabulary: &Vocabulary, text: &str, words: &[String]) -> Option<SmallTalk> {
    if crate::redact::reaches_the_visitor(text) {
        return Some(SmallTalk::Person);
    }
    if words.is_empty() || words.len() > MAX_PERSON_WORDS {
        return None;
    }
    let talk = &vocabulary.small_talk;
    let listed = |list: &[String], word: &String| list.contains(word);
    let own = |w: &String| {
        listed(&talk.greetings, w)
            || listed(&talk.thanks, w)
            || listed(&talk.goodbyes, w)
            || listed(&talk.filler, w)
    };
    if asks_for_a_person(vocabulary, words) {
        return Some(SmallTalk::Person);
    }
    if words.len() > MAX_WORDS {
        return None;
    }
    let greets = words.iter().any(|w| {
        listed(&talk.greetings, w) || listed(&talk.thanks, w) || listed(&talk.goodbyes, w)
    });
    if !greets {
        return None;
    }
    // The words around the pleasantry must ask nothing and name nothing of the domain.
    let others: Vec<String> = words
        .iter()
        .filter(|w| !own(w))
        .flat_map(|w| text::word_stems(w))
        .collect();
    if !intent::detect(vocabulary, &others).is_empty()
        || vocabulary.cues_any(&others)
        || vocabulary
            .domain_positions(&others)
            .iter()
            .any(Option::is_some)
    {
        return None;
    }
    let pleasantry = |w: &String| {
        own(w)
            || vocabulary.is_stop_word(w)
            || vocabulary.is_chatter(w)
            || Vocabulary::is_everyday(w)
    };
    if !words.iter().all(pleasantry) {
        return None;
    }
    let any = |list: &[String]| words.iter().any(|w| list.contains(w));
    if any(&talk.thanks) {
        Some(SmallTalk::Thanks)
    } else if any(&talk.goodbyes) {
        Some(SmallTalk::Goodbye)
    } else if any(&talk.greetings) {
        Some(SmallTalk::Greeting)
    } else {
        None
    }
}

/// Whether the message asks to speak to someone: one of the vocabulary's phrases for it.
fn asks_for_a_person(vocabulary: &Vocabulary, words: &[String]) -> bool {
    vocabulary
        .small_talk
        .person
        .iter()
        .any(|phrase| text::has_phrase(words, phrase))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn talk(text: &str) -> Option<SmallTalk> {
        small_talk(Vocabulary::built_in(), text, &crate::text::words(text))
    }

    #[test]
    fn greetings_and_thanks_are_small_talk_but_questions_are_not() {
        assert_eq!(talk("Hello!"), Some(SmallTalk::Greeting));
        assert_eq!(talk("thanks, that was helpful"), Some(SmallTalk::Thanks));
        assert_eq!(talk("bye"), Some(SmallTalk::Goodbye));
        assert_eq!(talk("hi, does it hurt?"), None);
    }

    #[test]
    fn a_phone_number_or_an_email_in_a_message_asks_to_be_contacted() {
        assert_eq!(talk("can someone call me back"), Some(SmallTalk::Person));
        assert_eq!(
            talk("my number is 07700 900123, about the hair loss course"),
            Some(SmallTalk::Person)
        );
        assert_eq!(talk("jane@example.org"), Some(SmallTalk::Person));
        assert_eq!(talk("is 6-8 sessions 2-4 weeks apart normal?"), None);
    }
}
