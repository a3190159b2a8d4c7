//! A visitor's message made safe to work on: [`Question::parse`] is the only way in, so inner
//! code never sees an empty, oversized or control-character-laden message. Also the word
//! splitting shared by the rest of the answer path.

/// The longest message the service reads, in characters.
pub const MAX_CHARS: usize = 1000;
/// More words than this are not read: no question needs them, and analysis stays bounded.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuestionError {
    #[error("the message is empty")]
    Empty,
    #[error("the message is longer than {MAX_CHARS} characters")]
    TooLong,
}

impl Question {
    pub fn parse(raw: &str) -> Result<Question, QuestionError> {
        // Most messages are printable ASCII with single spaces between words: already clean.
        if raw.len() <= MAX_CHARS && is_clean_ascii(raw) {
            return Ok(Question(raw.to_string()));
        }
        if raw.chars().count() > MAX_CHARS {
            return Err(QuestionError::TooLong);
        }
        Ok(Question(clean(raw)?))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Printable ASCII, not empty, no space at either end or next to another: what [`clean`]
/// returns unchanged.
fn is_clean_ascii(raw: &str) -> bool {
    let bytes = raw.as_bytes();
    bytes.first().is_some_and(|&b| b != b' ')
        && bytes.last().is_some_and(|&b| b != b' ')
        && bytes.iter().all(|b| (b' '..=b'~').contains(b))
        && !bytes.windows(2).any(|pair| pair == b"  ")
}

/// Control and invisible characters become spaces, and runs of spaces one space.
fn clean(raw: &str) -> Result<String, QuestionError> {
    let cleaned: String = raw
        .chars()
        .map(|c| {
            if c.is_control() || is_invisible(c) {
                ' '
            } else {
                c
            }
        })
        .collect();
    let cleaned = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    if cleaned.is_empty() {
        return Err(QuestionError::Empty);
    }
    Ok(cleaned)
}

fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_punctuation_only_messages_are_refused() {
        assert_eq!(Question::parse(""), Err(QuestionError::Empty));
        assert_eq!(Question::parse("  \n\t "), Err(QuestionError::Empty));
        assert!(
            Question::parse("?!").is_ok(),
            "punctuation is read, and answered with a fallback"
        );
        assert_eq!(
            Question::parse("\u{200b}\u{200b}"),
            Err(QuestionError::Empty)
        );
    }

    #[test]
    fn a_message_over_the_limit_is_refused_and_one_at_it_is_read() {
        assert_eq!(
            Question::parse(&"a".repeat(MAX_CHARS + 1)),
            Err(QuestionError::TooLong)
        );
        assert!(Question::parse(&"a".repeat(MAX_CHARS)).is_ok());
    }

    #[test]
    fn control_characters_become_spaces() {
        assert_eq!(
            Question::parse("does\0it\u{7}hurt").unwrap().as_str(),
            "does it hurt"
        );
    }

    /// Messages taken as they are come out as cleaning would leave them.
    #[test]
    fn clean_messages_are_kept_as_cleaning_would_leave_them() {
        let messages = [
            "how many sessions?",
            "  how many sessions?",
            "how many sessions? ",
            "how  many sessions?",
            "how\tmany sessions?",
            "how many\u{7f}sessions?",
            "how many sessions\u{200b}?",
            "caf\u{e9} au lait",
            "a",
            " ",
            "~!@#$%^&*()_+{}|:\"<>?`-=[]\\;',./",
        ];
        for message in messages {
            assert_eq!(
                Question::parse(message).map(|q| q.0),
                clean(message),
                "{message:?}"
            );
        }
        assert!(is_clean_ascii("how many sessions?"));
        assert!(!is_clean_ascii("how  many"));
    }
}
