//! Personal details taken out of visitors' text before it is stored.

use std::sync::LazyLock;

use regex::Regex;

static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[\w.+-]+@[\w-]+(\.[\w-]+)+").expect("valid pattern"));
static PHONE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\+?\d[\d\s().-]{6,}\d").expect("valid pattern"));

/// Replaces emails and phone numbers (any run of seven or more digits with separators) by
/// placeholders. Short numbers ("6-8 sessions", "2 weeks") stay: they are the question.
pub fn redact(text: &str) -> String {
    // Most questions hold neither an address nor seven digits: nothing to search for.
    if !text.contains('@') && text.bytes().filter(u8::is_ascii_digit).count() < 7 {
        return text.to_string();
    }
    let text = EMAIL.replace_all(text, "[email]");
    PHONE
        .replace_all(&text, |caps: &regex::Captures| {
            let digits = caps[0].chars().filter(char::is_ascii_digit).count();
            if digits >= 7 {
                "[number]".to_string()
            } else {
                caps[0].to_string()
            }
        })
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_and_phone_numbers_are_redacted_but_treatment_numbers_kept() {
        assert_eq!(
            redact("mail me at jane.doe+x@example.co.uk please"),
            "mail me at [email] please"
        );
        assert_eq!(
            redact("call 07700 900123 or +44 (20) 7946-0000"),
            "call [number] or [number]"
        );
        assert_eq!(redact("my card 4111111111111111"), "my card [number]");
        assert_eq!(
            redact("is 6-8 sessions 2-4 weeks apart normal?"),
            "is 6-8 sessions 2-4 weeks apart normal?"
        );
    }

    #[test]
    fn spelled_out_and_bracketed_email_addresses_are_redacted() {
        for (text, kept) in [
            ("write to jane dot doe at example dot com please", "write to [email] please"),
            ("jane(at)example(dot)com", "[email]"),
            ("mail bob [at] clinic [dot] co [dot] uk", "mail [email]"),
            ("reach me at sam @ example.org", "reach me at [email]"),
            ("Jane.Doe AT Example DOT com", "[email]"),
        ] {
            assert_eq!(redact(text), kept, "{text}");
        }
    }

    #[test]
    fn full_width_digits_and_signs_are_read_as_plain_ones() {
        assert_eq!(redact("call ０７７００ ９００１２３"), "call [number]");
        assert_eq!(redact("jane＠example.com"), "[email]");
    }

    #[test]
    fn a_number_running_on_in_spelled_digits_is_redacted_whole() {
        assert_eq!(redact("ring 07700-900-12three"), "ring [number]");
        assert_eq!(redact("ring 07700 900 one two three ok"), "ring [number] ok");
    }

    #[test]
    fn dates_of_birth_are_redacted() {
        for text in [
            "born 12/03/1985",
            "born 1985-03-12",
            "born on 3rd March 1985",
            "born March 3, 1985",
            "dob 12.3.85",
        ] {
            let redacted = redact(text);
            assert!(redacted.ends_with("[date]"), "{text} -> {redacted}");
        }
    }

    #[test]
    fn postcodes_and_street_addresses_are_redacted() {
        for (text, kept) in [
            ("I live at 221b Baker Street", "I live at [address]"),
            ("from 12 upper harley st, W1G 9PF", "from [address], [postcode]"),
            ("near sw1a 1aa", "near [postcode]"),
            ("1600 Pennsylvania Avenue, Washington, DC 20500", "[address], Washington, [postcode]"),
            ("Springfield, IL 62704-1234", "Springfield, [postcode]"),
        ] {
            assert_eq!(redact(text), kept, "{text}");
        }
    }

    #[test]
    fn social_handles_are_redacted() {
        assert_eq!(redact("DM me @jane_doe99 on insta"), "DM me [handle] on insta");
        assert_eq!(redact("@bloom.clinic saw it"), "[handle] saw it");
    }

    /// Staff need the questions readable: treatment numbers, times and everyday "at" stay.
    #[test]
    fn ordinary_questions_are_kept_as_asked() {
        for text in [
            "is 6-8 sessions 2-4 weeks apart normal?",
            "can I wear makeup after 3 days?",
            "can I do it at home?",
            "will I see results in 2 weeks?",
            "is it safe at 35?",
            "can I come at 5.30 on 12 May?",
            "what about vitamin B12 2ml injections?",
            "3 sessions on the high street, how much?",
            "do you do 2 areas at once at bloom.example?",
            "I had 10 sessions in March 2024",
            "what do you do at weekends",
            "which is better, 1ml or 2ml?",
        ] {
            assert_eq!(redact(text), text);
        }
    }
}
