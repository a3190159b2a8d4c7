//! Personal details taken out of visitors' text before it is stored, by general rules, each
//! leaving a placeholder that says what was there:
//!
//! - the text is read in NFKC form first, so full-width digits and signs count as plain ones;
//! - emails, also spaced or spelled out (`jane dot doe at example dot com`,
//!   `jane(at)example(dot)com`) → `[email]`; a plain word "at" needs a spelled "dot" after it,
//!   so "at home" and "at bloom.example" stay;
//! - social handles (`@name`) → `[handle]`;
//! - dates with a day, a month and a year (dates of birth) → `[date]`;
//! - a house number, one or two words and a street word (`12 High Street`) → `[address]`;
//!   UK postcodes and a US state with a ZIP code → `[postcode]`;
//! - seven or more digits in a run, with separators or spelled digits (`07700-900-12three`)
//!   → `[number]`, the run whole.
//!
//! Numbers that are the question ("6-8 sessions 2-4 weeks apart", "after 3 days") stay.
//!
//! The same rules tell when a visitor has typed a way to reach them ([`reaches_the_visitor`]):
//! an email or a phone number in a chat message asks the clinic to get in touch. This module
//! sits below the store and the answerer, which both read text with it.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex};
use unicode_normalization::UnicodeNormalization;

fn pattern(source: &str) -> Regex {
    Regex::new(source).expect("valid pattern")
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| pattern(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"));

/// Words joined by "at" and "dot" separators in any of their forms; [`spelled_email`] decides
/// whether the run holds an address.
static AT_DOT_RUN: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"(?i)[\w+-]+(?:(?:\s*@\s*|\s*[(\[{<]\s*at\s*[)\]}>]\s*|\s+at\s+|\.|\s*[(\[{<]\s*dot\s*[)\]}>]\s*|\s+dot\s+)[\w+-]+)+",
    )
});

/// The separators inside such a run, by kind.
static SEPARATOR: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"(?i)(?P<at>\s*@\s*|\s*[(\[{<]\s*at\s*[)\]}>]\s*)|(?P<word_at>\s+at\s+)|(?P<dot>\.)|(?P<word_dot>\s*[(\[{<]\s*dot\s*[)\]}>]\s*|\s+dot\s+)",
    )
});

static HANDLE: LazyLock<Regex> = LazyLock::new(|| pattern(r"(^|[^\w@.])@\w+(?:\.\w+)*"));

const MONTH: &str = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?";

static DATE: LazyLock<Regex> = LazyLock::new(|| {
    pattern(&format!(
        r"(?i)\b(?:[0-9]{{1,2}}[/.-][0-9]{{1,2}}[/.-](?:[0-9]{{4}}|[0-9]{{2}})|[0-9]{{4}}-[0-9]{{1,2}}-[0-9]{{1,2}}|[0-9]{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH},?\s+[0-9]{{4}}|{MONTH}\s+[0-9]{{1,2}}(?:st|nd|rd|th)?,?\s+[0-9]{{4}})\b"
    ))
});

/// A house number, one or two name words and a street word. Words that are also everyday
/// English ("close", "way", "place", "row", "park") or titles ("Dr") are left out.
static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"(?i)\b[0-9]{1,4}[a-z]?,?\s+(?:[a-z][\w'-]*\s+){1,2}(?:street|st|road|rd|avenue|ave|lane|ln|drive|crescent|terrace|boulevard|blvd|mews|gardens|grove|square)\b\.?",
    )
});

/// UK postcodes; the inward code's letters never include C, I, K, M, O or V, which keeps
/// "B12 2ml" a vitamin dose.
static POSTCODE: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"(?i)\b[a-z]{1,2}[0-9][a-z0-9]?\s*[0-9][abd-hjlnp-uw-z]{2}\b"));

/// A US state's two capitals and a ZIP code.
static ZIP: LazyLock<Regex> = LazyLock::new(|| pattern(r"\b[A-Z]{2}\s+[0-9]{5}(?:-[0-9]{4})?\b"));

const DIGIT_WORDS: &str = "zero|oh|one|two|three|four|five|six|seven|eight|nine";

/// A run of digits and spelled digits with separators, starting with a digit.
static NUMBER_RUN: LazyLock<Regex> = LazyLock::new(|| {
    pattern(&format!(
        r"(?i)\+?[0-9](?:[\s().-]*(?:[0-9]|(?:{DIGIT_WORDS})\b))*"
    ))
});
static DIGIT_WORD: LazyLock<Regex> = LazyLock::new(|| pattern(&format!("(?i){DIGIT_WORDS}")));

/// Digits in a run from which it is a phone, card or account number rather than a quantity.
const NUMBER_DIGITS: usize = 7;

/// `text` with personal details replaced by placeholders (see the module's rules).
pub fn redact(text: &str) -> String {
    // Most questions hold no digit, no sign and no spelled "dot": nothing to search for.
    if !may_hold_details(text) {
        return text.to_string();
    }
    let text: Cow<str> = if text.is_ascii() {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.nfkc().collect())
    };
    let text = EMAIL.replace_all(&text, "[email]");
    let text = AT_DOT_RUN.replace_all(&text, |c: &Captures| spelled_email(&c[0]));
    let text = HANDLE.replace_all(&text, "${1}[handle]");
    let text = DATE.replace_all(&text, "[date]");
    let text = ADDRESS.replace_all(&text, "[address]");
    let text = POSTCODE.replace_all(&text, "[postcode]");
    let text = ZIP.replace_all(&text, "[postcode]");
    NUMBER_RUN
        .replace_all(&text, |c: &Captures| {
            let run = &c[0];
            if is_long_number(run) {
                "[number]".to_string()
            } else {
                run.to_string()
            }
        })
        .into_owned()
}

/// Digits written or spelled out ("oh seven") in `text`, an upper bound of any run's.
fn digits_said(text: &str) -> usize {
    const SPELLED: [&str; 11] = [
        "zero", "oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ];
    let written = text.bytes().filter(u8::is_ascii_digit).count();
    let spelled = text
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| SPELLED.iter().any(|d| d.eq_ignore_ascii_case(w)))
        .count();
    written + spelled
}

/// Whether a run of digits and spelled digits is long enough to be a phone or account number.
fn is_long_number(run: &str) -> bool {
    let digits = run.bytes().filter(u8::is_ascii_digit).count();
    digits + DIGIT_WORD.find_iter(run).count() >= NUMBER_DIGITS
}

/// Whether `text` holds an email address (also spelled out) or a phone number: a visitor who
/// types one wants to be contacted.
pub fn reaches_the_visitor(text: &str) -> bool {
    if !may_hold_details(text) {
        return false;
    }
    // Most messages with digits hold a quantity ("my 2nd baby", "3 weeks"): without an email's
    // signs, too few digits for a phone number, said or written, settles it before the
    // patterns run.
    let email_signs = !text.is_ascii()
        || text.contains('@')
        || text
            .as_bytes()
            .windows(3)
            .any(|w| w.eq_ignore_ascii_case(b"dot"));
    if !email_signs && digits_said(text) < NUMBER_DIGITS {
        return false;
    }
    let text: Cow<str> = if text.is_ascii() {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.nfkc().collect())
    };
    // Dates and addresses hold digits but are no way to reach anyone.
    let text = DATE.replace_all(&text, " ");
    let text = ADDRESS.replace_all(&text, " ");
    EMAIL.is_match(&text)
        || AT_DOT_RUN
            .find_iter(&text)
            .any(|m| spelled_email(m.as_str()) != m.as_str())
        || NUMBER_RUN
            .find_iter(&text)
            .any(|m| is_long_number(m.as_str()))
}

/// Whether `text`, whole, is an email address.
pub fn is_email(text: &str) -> bool {
    EMAIL
        .find(text)
        .is_some_and(|m| m.start() == 0 && m.end() == text.len())
}

/// Whether `text`, whole, is a phone number: seven to fifteen digits (the international limit),
/// with the separators people write (`+44 (20) 7946-0000`).
pub fn is_phone(text: &str) -> bool {
    let digits = text.bytes().filter(u8::is_ascii_digit).count();
    let written = text.trim_start_matches('+');
    (NUMBER_DIGITS..=15).contains(&digits)
        && written
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '(' | ')' | '-' | '.'))
}

fn may_hold_details(text: &str) -> bool {
    !text.is_ascii()
        || text
            .bytes()
            .any(|b| b.is_ascii_digit() || matches!(b, b'@' | b'(' | b'[' | b'{' | b'<'))
        || text
            .as_bytes()
            .windows(3)
            .any(|w| w.eq_ignore_ascii_case(b"dot"))
}

/// A run of words joined by "at" and "dot" separators with the address in it replaced. The
/// address is the last "at" that a dot follows before any further "at" (a spelled dot when
/// the "at" is a plain word), with the words from the "at" before it.
fn spelled_email(run: &str) -> String {
    let separators: Vec<(usize, usize, Separator)> = SEPARATOR
        .captures_iter(run)
        .filter_map(|c| {
            let m = c.get(0)?;
            let kind = if c.name("at").is_some() {
                Separator::At { plain_word: false }
            } else if c.name("word_at").is_some() {
                Separator::At { plain_word: true }
            } else {
                Separator::Dot {
                    spelled: c.name("word_dot").is_some(),
                }
            };
            Some((m.start(), m.end(), kind))
        })
        .collect();
    let ats: Vec<usize> = (0..separators.len())
        .filter(|&i| matches!(separators[i].2, Separator::At { .. }))
        .collect();
    for (n, &at) in ats.iter().enumerate().rev() {
        let Separator::At { plain_word } = separators[at].2 else {
            continue;
        };
        let next_at = ats.get(n + 1).copied().unwrap_or(separators.len());
        let dotted = separators[at + 1..next_at].iter().any(
            |(_, _, kind)| matches!(kind, Separator::Dot { spelled } if *spelled || !plain_word),
        );
        if dotted {
            let start = n.checked_sub(1).map_or(0, |p| separators[ats[p]].1);
            let end = separators.get(next_at).map_or(run.len(), |s| s.0);
            return format!("{}[email]{}", &run[..start], &run[end..]);
        }
    }
    run.to_string()
}

#[derive(Clone, Copy)]
enum Separator {
    At { plain_word: bool },
    Dot { spelled: bool },
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
            (
                "write to jane dot doe at example dot com please",
                "write to [email] please",
            ),
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
        assert_eq!(
            redact("ring 07700 900 one two three ok"),
            "ring [number] ok"
        );
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
            (
                "from 12 upper harley st, W1G 9PF",
                "from [address], [postcode]",
            ),
            ("near sw1a 1aa", "near [postcode]"),
            (
                "1600 Pennsylvania Avenue, Washington, DC 20500",
                "[address], Washington, [postcode]",
            ),
            ("Springfield, IL 62704-1234", "Springfield, [postcode]"),
        ] {
            assert_eq!(redact(text), kept, "{text}");
        }
    }

    #[test]
    fn social_handles_are_redacted() {
        assert_eq!(
            redact("DM me @jane_doe99 on insta"),
            "DM me [handle] on insta"
        );
        assert_eq!(redact("@bloom.clinic saw it"), "[handle] saw it");
    }

    #[test]
    fn an_email_or_a_phone_number_reaches_the_visitor_but_dates_and_doses_do_not() {
        for text in [
            "please call me on 07700 900123",
            "jane dot doe at example dot com",
            "mail me: jane@example.org",
            "ring ０７７００ ９００１２３",
        ] {
            assert!(reaches_the_visitor(text), "{text}");
        }
        for text in [
            "is 6-8 sessions 2-4 weeks apart normal?",
            "born 12/03/1985, is that too old?",
            "I live at 221b Baker Street",
            "can I do it at home?",
            "born 12.03.1985",
        ] {
            assert!(!reaches_the_visitor(text), "{text}");
        }
    }

    #[test]
    fn form_fields_are_an_email_or_a_phone_number_whole() {
        assert!(is_email("jane.doe+x@example.co.uk"));
        assert!(!is_email("jane@example"));
        assert!(!is_email("write to jane@example.org"));
        assert!(is_phone("+44 (20) 7946-0000"));
        assert!(is_phone("07700900123"));
        assert!(!is_phone("12345"));
        assert!(!is_phone("0770090012345678901"));
        assert!(!is_phone("call 07700 900123"));
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
