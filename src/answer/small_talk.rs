//! Greetings, thanks and goodbyes with nothing else asked: answered politely, not searched.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmallTalk {
    Greeting,
    Thanks,
    Goodbye,
}

const GREETINGS: [&str; 9] = [
    "hi",
    "hello",
    "hey",
    "hiya",
    "howdy",
    "greetings",
    "morning",
    "afternoon",
    "evening",
];
const THANKS: [&str; 6] = ["thanks", "thank", "thx", "cheers", "ta", "appreciated"];
const GOODBYES: [&str; 5] = ["bye", "goodbye", "farewell", "later", "cya"];
const FILLER: [&str; 22] = [
    "good",
    "there",
    "you",
    "so",
    "much",
    "very",
    "ok",
    "okay",
    "great",
    "that",
    "that's",
    "thats",
    "was",
    "helpful",
    "lovely",
    "perfect",
    "brilliant",
    "awesome",
    "nice",
    "for",
    "your",
    "help",
];

/// A greeting, thanks or goodbye with nothing else asked.
pub fn small_talk(words: &[String]) -> Option<SmallTalk> {
    if words.is_empty() || words.len() > 8 {
        return None;
    }
    let all_known = words.iter().all(|w| {
        let w = w.as_str();
        GREETINGS.contains(&w)
            || THANKS.contains(&w)
            || GOODBYES.contains(&w)
            || FILLER.contains(&w)
    });
    if !all_known {
        return None;
    }
    let any = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
    if any(&THANKS) {
        Some(SmallTalk::Thanks)
    } else if any(&GOODBYES) {
        Some(SmallTalk::Goodbye)
    } else if any(&GREETINGS) {
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
        assert_eq!(small_talk(&words("Hello!")), Some(SmallTalk::Greeting));
        assert_eq!(
            small_talk(&words("thanks, that was helpful")),
            Some(SmallTalk::Thanks)
        );
        assert_eq!(small_talk(&words("bye")), Some(SmallTalk::Goodbye));
        assert_eq!(small_talk(&words("hi, does it hurt?")), None);
    }
}
