//! Greetings, thanks and goodbyes with nothing else asked: answered politely, not searched.

use crate::vocabulary::Vocabulary;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmallTalk {
    Greeting,
    Thanks,
    Goodbye,
}

/// A greeting, thanks or goodbye with nothing else asked.
pub fn small_talk(vocabulary: &Vocabulary, words: &[String]) -> Option<SmallTalk> {
    if words.is_empty() || words.len() > 8 {
        return None;
    }
    let talk = &vocabulary.small_talk;
    let listed = |list: &[String], word: &String| list.contains(word);
    let all_known = words.iter().all(|w| {
        listed(&talk.greetings, w)
            || listed(&talk.thanks, w)
            || listed(&talk.goodbyes, w)
            || listed(&talk.filler, w)
    });
    if !all_known {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        crate::text::words(text)
    }

    #[test]
    fn greetings_and_thanks_are_small_talk_but_questions_are_not() {
        assert_eq!(
            small_talk(Vocabulary::built_in(), &words("Hello!")),
            Some(SmallTalk::Greeting)
        );
        assert_eq!(
            small_talk(Vocabulary::built_in(), &words("thanks, that was helpful")),
            Some(SmallTalk::Thanks)
        );
        assert_eq!(
            small_talk(Vocabulary::built_in(), &words("bye")),
            Some(SmallTalk::Goodbye)
        );
        assert_eq!(
            small_talk(Vocabulary::built_in(), &words("hi, does it hurt?")),
            None
        );
    }
}
