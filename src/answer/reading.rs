//! How a question was read, in a few words kept with its record: the treatment it names and
//! its primary intent. Staff group the questions the articles do not answer by it.

use super::analysis::Analysis;
use crate::record::Reading;
use crate::vocabulary::Domain;

/// The reading of `analysis` (once its scope is decided), or `None` when it names no
/// treatment: then only its wording can group it.
pub fn of(analysis: &Analysis) -> Option<Reading> {
    let treatment = analysis
        .concepts
        .iter()
        .find(|c| c.is_topic() && (c.scoped || analysis.said_as(c, Domain::Treatment)))?;
    // Each way of saying the treatment brings the same set of wordings from the lexicon, so
    // its least is the same whichever one the visitor used. Broader words ("laser") and the
    // single words of the visitor's phrase ("fat" of "fat freezing") are left out: they are
    // what different treatments share.
    let own = &treatment.forms.first()?.stems;
    let part = |stems: &[String]| stems.len() < own.len() && stems.iter().all(|s| own.contains(s));
    let key = treatment
        .forms
        .iter()
        .filter(|f| !f.broad && !f.stems.is_empty() && !part(&f.stems))
        .map(|f| f.stems.join(" "))
        .min()?;
    Some(Reading {
        treatment: treatment.label.clone(),
        treatment_key: key,
        intent: analysis.primary_intent().map(|i| i.name().to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::analysis::{Concept, Form};
    use crate::answer::intent::Intent;

    fn concept(label: &str, forms: &[&str]) -> Concept {
        Concept {
            label: label.into(),
            forms: forms
                .iter()
                .map(|f| Form {
                    stems: f.split(' ').map(String::from).collect(),
                    original: true,
                    broad: false,
                    doc_freq: 1,
                })
                .collect(),
            weight: 1.0,
            cue: false,
            context: false,
            scoped: true,
            named_by_heading: false,
            effect: false,
        }
    }

    #[test]
    fn two_ways_of_naming_a_treatment_read_as_one() {
        let read = |label: &str, forms: &[&str]| {
            of(&Analysis {
                intents: vec![Intent::Count],
                concepts: vec![concept(label, forms)],
                ..Analysis::default()
            })
            .unwrap()
        };
        let said = read(
            "fat freezing",
            &["fat freez", "cryolipolysi", "fat", "freez"],
        );
        let other = read("cryolipolysis", &["cryolipolysi", "fat freez"]);
        assert_eq!(said.treatment_key, other.treatment_key);
        assert_eq!(said.treatment, "fat freezing");
        assert_eq!(said.intent.as_deref(), Some("count"));
    }

    #[test]
    fn a_question_naming_no_treatment_has_no_reading() {
        let mut topic = concept("opening hours", &["open hour"]);
        topic.scoped = false;
        let analysis = Analysis {
            concepts: vec![topic],
            ..Analysis::default()
        };
        assert_eq!(of(&analysis), None);
    }
}
