//! Words as the sign matcher sees them, the same for visitors' text and the table's entries.

/// Characters that end a clause: a denial or a general question does not reach past them.
fn ends_clause(c: char) -> bool {
    matches!(
        c,
        ',' | ';' | ':' | '.' | '!' | '?' | '(' | ')' | '\n' | '—' | '–'
    )
}

/// Calls `emit` with each word of `text` in the matcher's form, and whether a clause ended
/// before it: lowercase, apostrophes dropped ("i'm" -> "im"), a negative contraction as two
/// words ("can't" -> "can not"), so that visitors' text and the table's entries agree.
pub(super) fn each_word(text: &str, mut emit: impl FnMut(&str, bool)) {
    let mut word = String::new();
    let mut clause_ended = false;
    let mut previous = ' ';
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        } else if (c == '\'' || c == '’') && !word.is_empty() {
            word.push('\'');
        } else {
            flush(&mut word, &mut clause_ended, &mut emit);
            // "38.5" is a number, not two clauses.
            let decimal = c == '.'
                && previous.is_ascii_digit()
                && chars.peek().is_some_and(char::is_ascii_digit);
            clause_ended |= ends_clause(c) && !decimal;
        }
        previous = c;
    }
    flush(&mut word, &mut clause_ended, &mut emit);
}

fn flush(word: &mut String, clause_ended: &mut bool, emit: &mut impl FnMut(&str, bool)) {
    let trimmed = word.trim_end_matches('\'');
    let mut send = |w: &str| {
        if w.contains('\'') {
            emit(&w.replace('\'', ""), std::mem::take(clause_ended));
        } else if !w.is_empty() {
            emit(w, std::mem::take(clause_ended));
        }
    };
    match trimmed.strip_suffix("n't") {
        Some(base) => {
            send(match base {
                "wo" => "will",
                "ca" => "can",
                "sha" => "shall",
                other => other,
            });
            send("not");
        }
        None => send(trimmed),
    }
    word.clear();
}

/// The words of `text` as the matcher sees them.
pub fn normalised_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    each_word(text, |w, _| words.push(w.to_string()));
    words
}
