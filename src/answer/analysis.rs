//! Question analysis: visitor words -> typo-corrected words -> stems -> intents and concepts.
//! A concept is one thing the visitor named ("hair loss", "sessions") with the other ways an
//! article may say it (from the lexicon) and a weight (rarer in the corpus, more telling).

use super::intent::{self, Intent};
use super::lexicon::{Lexicon, Phrase};
use super::spell::{Fix, Speller};
use crate::search::{Frequencies, Wording};
use crate::text;
use crate::vocabulary::{Domain, Vocabulary};

/// One way of saying a concept, as stems.
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    pub stems: Phrase,
    /// The visitor's own words (after typo correction), not a lexicon alternative.
    pub original: bool,
    /// A broader word than the visitor's ("areas" for "thighs"): weaker evidence.
    pub broad: bool,
    /// Passages holding all of its stems at most (the rarest stem's count); 0: not in the corpus.
    pub doc_freq: u64,
}

impl Wording for Form {
    fn stems(&self) -> &[String] {
        &self.stems
    }

    fn original(&self) -> bool {
        self.original
    }

    fn doc_freq(&self) -> u64 {
        self.doc_freq
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Concept {
    /// The visitor's words for it, for suggestions and context.
    pub label: String,
    pub forms: Vec<Form>,
    pub weight: f32,
    /// Says what is asked (sessions, downtime) rather than what it is about (hair loss).
    pub cue: bool,
    /// An everyday word of the visitor's that an article uses too ("total", "morning"): it
    /// helps find the sentence, but the articles need not cover it.
    pub context: bool,
    /// The treatment that decided which articles answer: every sentence of those is about it.
    pub scoped: bool,
    /// An everyday word that some section heading is named by ("medium peels"): a topic
    /// where the articles that answer have such a heading, the visitor's context elsewhere.
    pub named_by_heading: bool,
    /// An effect the visitor describes ("blisters", "itchy"): a sentence naming it answers
    /// whether it is normal, whatever its section is called.
    pub effect: bool,
}

impl Concept {
    /// What the question is about: neither what is asked nor the visitor's context.
    pub fn is_topic(&self) -> bool {
        !self.cue && !self.context
    }
}

#[derive(Debug, Clone, Default)]
pub struct Analysis {
    pub words: Vec<String>,
    pub stems: Vec<String>,
    /// What kind of domain term each stem stands for, if any (by [`Analysis::stems`]).
    pub domain: Vec<Option<Domain>>,
    pub intents: Vec<Intent>,
    pub concepts: Vec<Concept>,
    /// Opens like a follow-up: "and for hair loss?", "what about cellulite?".
    pub continues: bool,
    /// The treatment named decided the articles, and they are read whole: a passage need hold
    /// less of the question, since the article already answers for the treatment.
    pub within_articles: bool,
    /// Asks what the visitor must do ("how long do I have to wear them?"): see
    /// [`intent::asks_what_to_do`].
    pub asks_what_to_do: bool,
}

impl Analysis {
    /// The visitor said the concept only in words of this kind ("tummy": an area).
    pub fn said_as(&self, concept: &Concept, kind: Domain) -> bool {
        let own = &concept.forms[0].stems;
        !own.is_empty()
            && own.iter().all(|stem| {
                self.stems
                    .iter()
                    .zip(&self.domain)
                    .any(|(s, d)| s == stem && *d == Some(kind))
            })
    }

    pub fn topics(&self) -> impl Iterator<Item = &Concept> {
        self.concepts.iter().filter(|c| c.is_topic())
    }

    pub fn primary_intent(&self) -> Option<Intent> {
        self.intents.first().copied()
    }
}

/// How much more an effect the visitor describes weighs when they ask whether it is normal:
/// the effect is what the message is about, the rest ("along the vein", "10 days") its
/// circumstances.
const EFFECT_WEIGHT: f32 = 1.5;

/// What a number of the visitor's weighs, of its rarity's weight.
const NUMBER_WEIGHT: f32 = 0.25;

/// Marks the concepts the visitor said with a symptom's word.
fn mark_effects(
    concepts: &mut [Concept],
    stems: &[String],
    domain: &[Option<Domain>],
    intents: &[Intent],
) {
    let asks_if_normal = intents.contains(&Intent::SideEffects);
    for concept in concepts.iter_mut().filter(|c| c.is_topic()) {
        concept.effect = concept.forms[0].stems.iter().any(|stem| {
            stems
                .iter()
                .zip(domain)
                .any(|(s, d)| s == stem && *d == Some(Domain::Symptom))
        });
        if concept.effect && asks_if_normal {
            concept.weight *= EFFECT_WEIGHT;
        }
    }
}

/// A message's words as read: see [`Analyzer::correct`].
struct Corrected {
    words: Vec<String>,
    stems: Vec<Vec<String>>,
    origin: Vec<usize>,
}

pub struct Analyzer<'a> {
    pub vocabulary: &'a Vocabulary,
    pub lexicon: &'a Lexicon,
    pub speller: &'a Speller,
    pub frequencies: &'a dyn Frequencies,
}

impl Analyzer<'_> {
    pub fn analyze(&self, words: &[String]) -> Analysis {
        self.analyze_asking(words, None)
    }

    /// Reads a message whose words marked in `asking` (by the message's words) are its
    /// question: "can you do it on my hands? mine look old compared to my face" asks where,
    /// not for a comparison. What is asked is read from them when they ask anything; what it
    /// is about, from the whole message.
    pub fn analyze_asking(&self, words: &[String], asking: Option<&[bool]>) -> Analysis {
        let Corrected {
            words: corrected,
            stems: stems_of_words,
            origin,
        } = self.correct(words);
        let mut stems = Vec::with_capacity(corrected.len());
        // Stems per word, so phrase matches map back to words.
        let mut word_of_stem = Vec::with_capacity(corrected.len());
        for (i, word_stems) in stems_of_words.into_iter().enumerate() {
            for stem in word_stems {
                stems.push(stem);
                word_of_stem.push(i);
            }
        }
        let asked: Option<Vec<String>> = asking.map(|asking| {
            stems
                .iter()
                .zip(&word_of_stem)
                .filter(|(_, w)| asking.get(origin[**w]).copied().unwrap_or(false))
                .map(|(s, _)| s.clone())
                .collect()
        });
        // A question that names something of the clinic's ("can you do it on hands?") stands
        // alone, though no cue says what it asks; one that names nothing ("any idea?") asks
        // what the rest of the message tells.
        let alone = asked
            .map(|asked| {
                let found = intent::detect(self.vocabulary, &asked);
                let names = self
                    .vocabulary
                    .domain_positions(&asked)
                    .iter()
                    .any(Option::is_some);
                (found, names)
            })
            .filter(|(found, names)| !found.is_empty() || *names);
        let asked_alone = alone.is_some();
        let mut intents = alone
            .map(|(found, _)| found)
            .unwrap_or_else(|| intent::detect(self.vocabulary, &stems));
        let domain = self.vocabulary.domain_positions(&stems);
        // "bruised and swollen after cryo": an effect described after a treatment asks
        // whether it is normal, not what to do afterwards.
        if domain.contains(&Some(Domain::Symptom)) {
            intent::read_as_effect(self.vocabulary, &stems, &mut intents);
        }
        let mut concepts = self.concepts(&corrected, &stems, &word_of_stem, &domain);
        if let Some(asking) = asking {
            self.mark_story(&mut concepts, &corrected, &origin, asking);
        }
        // Said another way than a cue ("side affects"), what is asked shows in the lexicon's
        // forms of it.
        if intents.is_empty() && !asked_alone {
            intents = self.intents_of_forms(&concepts, |c| c.cue, false);
        }
        // "does it scar?" names a kind of what an intent asks about ("side effect" is a
        // broader word for "scar"), and asks that.
        if intents.is_empty() {
            intents = self.intents_of_forms(&concepts, Concept::is_topic, true);
        }
        self.weigh_areas(&mut concepts, &intents);
        mark_effects(&mut concepts, &stems, &domain, &intents);
        let continues = matches!(
            corrected.first().map(String::as_str),
            Some("and" | "also" | "what" | "how")
        ) && (corrected.first().is_some_and(|w| w == "and" || w == "also")
            || corrected.get(1).is_some_and(|w| w == "about"));
        let asks_what_to_do = intent::asks_what_to_do(self.vocabulary, &corrected);
        Analysis {
            words: corrected,
            stems,
            domain,
            intents,
            concepts,
            continues,
            within_articles: false,
            asks_what_to_do,
        }
    }

    /// "can it clear dark patches on my face? got them after my pregnancy": when the question
    /// names what it is about, a topic only the telling around it names is the visitor's
    /// story, not something the answer must cover. `asking` marks the message's words of its
    /// question; `origin`, the message's word each corrected word came from.
    fn mark_story(
        &self,
        concepts: &mut [Concept],
        corrected: &[String],
        origin: &[usize],
        asking: &[bool],
    ) {
        let asked_word = |w: usize| asking.get(origin[w]).copied().unwrap_or(false);
        // Per concept: a topic other than a treatment, and whether the question says it.
        let read: Vec<Option<bool>> = concepts
            .iter()
            .map(|c| {
                let treatment = self
                    .vocabulary
                    .domain_positions(&c.forms[0].stems[..])
                    .contains(&Some(Domain::Treatment));
                (c.is_topic() && !treatment).then(|| {
                    let label: Vec<&str> = c.label.split(' ').collect();
                    corrected.windows(label.len()).enumerate().any(|(at, run)| {
                        run.iter().zip(&label).all(|(w, l)| w == l) && asked_word(at)
                    })
                })
            })
            .collect();
        if read.contains(&Some(true)) {
            for (concept, read) in concepts.iter_mut().zip(read) {
                concept.context |= read == Some(false);
            }
        }
    }

    /// The words with typos fixed and shorthand spelt out, their stems, and for each the
    /// message's word it came from.
    fn correct(&self, words: &[String]) -> Corrected {
        let mut out = Corrected {
            words: Vec::with_capacity(words.len()),
            stems: Vec::with_capacity(words.len()),
            origin: Vec::with_capacity(words.len()),
        };
        for (at, said) in words.iter().enumerate() {
            let spelt = self
                .vocabulary
                .shorthand(said)
                .unwrap_or(std::slice::from_ref(said));
            for word in spelt {
                let before = out.words.len();
                let own = text::word_stems(word);
                // Only a word that neither the corpus nor English knows is a typo: "peal" is a
                // word, not a misspelt "peel".
                let english = Vocabulary::is_everyday(word) || self.vocabulary.is_chatter(word);
                if self.vocabulary.is_stop_word(word) || english || self.known_stem(&own) {
                    out.words.push(word.clone());
                    out.stems.push(own);
                } else {
                    match self.speller.fix(word) {
                        Fix::Corrected(better) => {
                            out.stems.push(text::word_stems(&better));
                            out.words.push(better);
                        }
                        Fix::Split(a, b) => {
                            out.stems
                                .extend([text::word_stems(&a), text::word_stems(&b)]);
                            out.words.extend([a, b]);
                        }
                        Fix::Known | Fix::Unknown => {
                            out.words.push(word.clone());
                            out.stems.push(own);
                        }
                    }
                }
                out.origin
                    .extend(std::iter::repeat_n(at, out.words.len() - before));
            }
        }
        out
    }

    /// The intents whose cue phrases some form of the concepts `which` picks is, in the order
    /// found: of their own forms, or of their broader words when `broad`.
    fn intents_of_forms(
        &self,
        concepts: &[Concept],
        which: impl Fn(&Concept) -> bool,
        broad: bool,
    ) -> Vec<Intent> {
        let cues = &self.vocabulary.cues;
        let mut found = Vec::new();
        let forms = concepts
            .iter()
            .filter(|c| which(c))
            .flat_map(|c| &c.forms)
            .filter(|f| f.broad == broad);
        for form in forms {
            let whole = cues
                .occurrences(&form.stems)
                .filter(|(p, start)| *start == 0 && cues.phrases[*p].1.len() == form.stems.len());
            for (p, _) in whole {
                let intent = cues.phrases[p].0;
                if !found.contains(&intent) {
                    found.push(intent);
                }
            }
        }
        found
    }

    /// Another form of a word the corpus or the lexicon knows is no typo: "injected" when the
    /// article says "injecting" must not become "infected".
    fn known_stem(&self, stems: &[String]) -> bool {
        stems.first().is_some_and(|stem| {
            self.lexicon.knows_stem(stem) || self.frequencies.doc_freq(stem) > 0
        })
    }

    fn concepts(
        &self,
        words: &[String],
        stems: &[String],
        word_of_stem: &[usize],
        domain: &[Option<Domain>],
    ) -> Vec<Concept> {
        let matches = self.lexicon.matches(stems);
        let cue_spans = intent::cue_spans(self.vocabulary, stems);
        let in_cue_phrase = |i: usize| {
            cue_spans.iter().any(|span| span.contains(&i))
                && !self.vocabulary.cues.single.contains(&stems[i])
        };
        let mut concepts: Vec<Concept> = Vec::new();
        let mut i = 0;
        while i < stems.len() {
            let word = &words[word_of_stem[i]];
            if let Some(m) = matches.iter().find(|m| m.start == i) {
                let phrase = stems[i..i + m.len].to_vec();
                let label = words[word_of_stem[i]..=word_of_stem[i + m.len - 1]].join(" ");
                // Each content word of the phrase also stands for it, a little less: "cheeks"
                // alone still answers "cheek fillers". A number or an everyday word that
                // names nothing of the clinic's is no part: the "type" and "1" of "type 1
                // diabetes" say nothing alone.
                let content: Vec<usize> = (i..i + m.len)
                    .filter(|&k| {
                        let word = &words[word_of_stem[k]];
                        !self.vocabulary.is_stop_word(word)
                            && !self.vocabulary.is_stop_word(&stems[k])
                            && !stems[k].bytes().all(|b| b.is_ascii_digit())
                            && (domain[k].is_some() || !Vocabulary::is_everyday(word))
                    })
                    .collect();
                let parts: Vec<Form> = content
                    .iter()
                    .filter(|_| m.len > 1)
                    .map(|&k| Form {
                        stems: Phrase::from([stems[k].clone()]),
                        original: false,
                        broad: false,
                        doc_freq: 0,
                    })
                    .collect();
                // A phrase made of question words ("does it work") says what is asked.
                // So does one inside an intent's cue phrase ("kick in" of "when does it kick
                // in").
                let asks = content
                    .iter()
                    .all(|&k| self.vocabulary.cues.single.contains(&stems[k]))
                    || (i..i + m.len).all(|k| cue_spans.iter().any(|span| span.contains(&k)));
                let mut forms = vec![Form {
                    stems: phrase.into(),
                    original: true,
                    broad: false,
                    doc_freq: 0,
                }];
                forms.extend(m.alternatives.iter().map(|a| Form {
                    stems: Phrase::clone(a),
                    original: false,
                    broad: false,
                    doc_freq: 0,
                }));
                forms.extend(m.broad.iter().map(|a| Form {
                    stems: Phrase::clone(a),
                    original: false,
                    broad: true,
                    doc_freq: 0,
                }));
                forms.extend(parts);
                // Everyday words no article uses in any of their ways ("male" at a clinic
                // whose articles never speak of men) are the visitor's context.
                let everyday = !asks
                    && !domain[i..i + m.len]
                        .iter()
                        .any(|d| d.is_some_and(asked_about))
                    && label.split_whitespace().all(|w| self.is_everyday(w));
                let count = concepts.len();
                self.push(&mut concepts, label, forms, asks);
                let unknown = |c: &Concept| c.forms.iter().all(|f| f.doc_freq == 0);
                if everyday && concepts.len() > count && concepts.last().is_some_and(unknown) {
                    concepts.pop();
                }
                i += m.len;
                continue;
            }
            if !self.vocabulary.is_stop_word(word)
                && !self.vocabulary.is_stop_word(&stems[i])
                && !in_cue_phrase(i)
                && stems[i].chars().any(char::is_alphanumeric)
                && !self.is_context(word, &stems[i], domain[i].is_some_and(asked_about))
            {
                let forms = vec![Form {
                    stems: Phrase::from([stems[i].clone()]),
                    original: true,
                    broad: false,
                    doc_freq: 0,
                }];
                let asks = self.vocabulary.cues.single.contains(&stems[i]);
                // An everyday word a section is named by ("medium peels") says which section.
                // So is a number ("4 month old", "20 weeks"): a detail, not the topic.
                let number = word.chars().any(|c| c.is_ascii_digit());
                let everyday = !asks
                    && !domain[i].is_some_and(asked_about)
                    && (self.vocabulary.is_chatter(word) || Vocabulary::is_everyday(word));
                let headed = self.frequencies.heading_doc_freq(&stems[i]) > 0;
                let context =
                    !asks && !domain[i].is_some_and(asked_about) && number || everyday && !headed;
                self.push(&mut concepts, word.clone(), forms, asks);
                if let Some(last) = concepts.last_mut().filter(|c| c.label == *word) {
                    last.context = context;
                    last.named_by_heading = everyday && headed && !number;
                    // The visitor's own numbers ("5 years old", "2 days ago") seldom are the
                    // article's: a "5" in "3-5 sessions" is a coincidence, not a match.
                    if number && context {
                        last.weight *= NUMBER_WEIGHT;
                    }
                }
            }
            i += 1;
        }
        concepts
    }

    /// A body area said beside what is wrong or wanted there ("bruises on my face") says
    /// where, not what: it weighs less, so a sentence about the bruising is not beaten by one
    /// about faces. Beside only a treatment ("fat freezing for my tummy"), or when areas are
    /// what is asked, it keeps its weight.
    fn weigh_areas(&self, concepts: &mut [Concept], intents: &[Intent]) {
        if intents.contains(&Intent::Areas) {
            return;
        }
        let kinds: Vec<Vec<Option<Domain>>> = concepts
            .iter()
            .map(|c| self.vocabulary.domain_positions(&c.forms[0].stems))
            .collect();
        let only =
            |k: &Vec<Option<Domain>>, d: Domain| !k.is_empty() && k.iter().all(|x| *x == Some(d));
        let what = concepts.iter().zip(&kinds).any(|(c, k)| {
            c.is_topic() && !only(k, Domain::Area) && !k.contains(&Some(Domain::Treatment))
        });
        if !what {
            return;
        }
        for (concept, k) in concepts.iter_mut().zip(&kinds) {
            if concept.is_topic() && only(k, Domain::Area) {
                concept.weight *= AREA_SHARE;
            }
        }
    }

    /// Whether a word is only the visitor's context ("since my 2nd baby", "rn", "lol"), read
    /// past rather than asked about: no article uses it, it names nothing of the clinic's
    /// domain, and it is an everyday word, chat, or a number. A domain word no article uses
    /// ("lip fillers" at a clinic without them), or an unknown name, stays: the articles would
    /// have to cover it.
    fn is_context(&self, word: &str, stem: &str, domain: bool) -> bool {
        // A word only a heading uses ("Which season is best?") still finds that section.
        let used =
            self.frequencies.doc_freq(stem) > 0 || self.frequencies.heading_doc_freq(stem) > 0;
        if domain || used {
            return false;
        }
        word.chars().any(|c| c.is_ascii_digit()) || self.is_everyday(word)
    }

    /// An everyday English word (or a misspelt one), or chat.
    fn is_everyday(&self, word: &str) -> bool {
        self.vocabulary.is_chatter(word) || Vocabulary::is_near_everyday(word)
    }

    /// `cue`: the visitor's own words say what is asked, not what about: "expecting mothers"
    /// is a topic even though the lexicon links it to "pregnant".
    fn push(&self, concepts: &mut Vec<Concept>, label: String, mut forms: Vec<Form>, cue: bool) {
        if concepts.iter().any(|c| c.forms[0] == forms[0]) {
            return;
        }
        // A stop word inside a phrase ("pregnant or nursing") is not counted in the articles'
        // statistics: the phrase is as rare as its rarest other word.
        for form in &mut forms {
            form.doc_freq = form
                .stems
                .iter()
                .filter(|s| form.stems.len() == 1 || !self.vocabulary.is_stop_word(s))
                .map(|s| self.frequencies.doc_freq(s))
                .min()
                .unwrap_or(0);
        }
        let weight = self.weight(&forms);
        concepts.push(Concept {
            label,
            forms,
            weight,
            cue,
            context: false,
            scoped: false,
            named_by_heading: false,
            effect: false,
        });
    }

    /// Inverse document frequency of the most common way the corpus says the concept; an
    /// unknown concept weighs the most, so a question about it cannot be answered by the rest.
    fn weight(&self, forms: &[Form]) -> f32 {
        let n = self.frequencies.num_docs().max(1) as f32;
        let idf = |df: f32| (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
        // A broader word ("body" for "arms") is commoner than any way of saying the concept
        // itself: it counts only when the articles say the concept no other way.
        let most = |broad: bool| {
            forms
                .iter()
                .filter(|f| f.broad == broad)
                .map(|f| f.doc_freq)
                .max()
                .unwrap_or(0)
        };
        let own = most(false);
        let best = if own > 0 { own } else { most(true) } as f32;
        idf(best).max(0.2)
    }
}

/// What a body area said beside another topic weighs, of its usual weight.
const AREA_SHARE: f32 = 0.5;

/// Domain words the articles must cover to answer: all but who it is for (an article that
/// never speaks of men still answers a man's question).
fn asked_about(domain: Domain) -> bool {
    domain != Domain::Audience
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Fixed(HashMap<&'static str, u64>);
    impl Frequencies for Fixed {
        fn doc_freq(&self, stem: &str) -> u64 {
            self.0.get(stem).copied().unwrap_or(0)
        }
        fn num_docs(&self) -> u64 {
            100
        }
        fn heading_doc_freq(&self, _stem: &str) -> u64 {
            0
        }
    }

    fn analyze(question: &str) -> Analysis {
        let lexicon = Lexicon::parse(
            r#"
            [[synonyms]]
            terms = ["hair loss", "balding"]
            [[synonyms]]
            terms = ["session", "treatment"]
            [[broader]]
            narrow = ["scarring", "swelling"]
            broad = ["side effects"]
        "#,
        )
        .unwrap();
        let corpus: crate::text::FastMap<String, u32> =
            ["sessions", "hair", "loss", "cellulite", "peels"]
                .iter()
                .map(|w| (w.to_string(), 5))
                .collect();
        let speller = Speller::new(corpus, lexicon.words());
        let frequencies = Fixed(HashMap::from([
            ("session", 20),
            ("hair", 5),
            ("loss", 5),
            ("cellulit", 5),
        ]));
        let analyzer = Analyzer {
            vocabulary: Vocabulary::built_in(),
            lexicon: &lexicon,
            speller: &speller,
            frequencies: &frequencies,
        };
        analyzer.analyze(&crate::text::words(question))
    }

    #[test]
    fn question_words_are_dropped_and_topics_kept() {
        let analysis = analyze("How many sessions do I need for balding?");
        let labels: Vec<&str> = analysis.concepts.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, ["sessions", "balding"]);
        assert!(analysis.concepts[0].cue);
        assert!(!analysis.concepts[1].cue);
        assert!(
            analysis.concepts[1]
                .forms
                .iter()
                .any(|f| *f.stems == ["hair", "loss"])
        );
        assert_eq!(analysis.intents, vec![Intent::Count]);
    }

    #[test]
    fn chatter_and_life_story_are_read_past_but_an_uncovered_treatment_is_not() {
        let analysis = analyze("how many sessions for cellulite lol, had it since my 2nd baby rn");
        let labels: Vec<&str> = analysis.concepts.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, ["sessions", "cellulite"]);
        // No article speaks of tattoos, and a tattoo is a thing the articles would have to cover.
        let analysis = analyze("how many sessions for a tattoo");
        assert!(analysis.topics().any(|c| c.label == "tattoo"));
    }

    #[test]
    fn an_area_beside_what_is_wrong_there_weighs_less_than_the_area_alone() {
        let weight = |question: &str| {
            let analysis = analyze(question);
            let thighs = analysis.concepts.iter().find(|c| c.label == "thighs");
            thighs.map(|c| c.weight).unwrap_or_default()
        };
        let beside = weight("bruises on my thighs");
        let alone = weight("sessions for my thighs");
        assert!(beside > 0.0 && beside < alone, "{beside} against {alone}");
    }

    #[test]
    fn an_english_word_is_no_typo_of_an_article_word() {
        // "heels" is a word of its own, not a misspelt "peels"; "haiir" is a misspelt "hair".
        let analysis = analyze("do heels hurt");
        assert!(
            !analysis.words.contains(&"peels".to_string()),
            "{:?}",
            analysis.words
        );
        let analysis = analyze("sessions for haiir loss");
        assert!(
            analysis.words.contains(&"hair".to_string()),
            "{:?}",
            analysis.words
        );
    }

    #[test]
    fn typos_are_corrected_before_matching() {
        let analysis = analyze("how many sesions for celulite");
        let labels: Vec<&str> = analysis.concepts.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, ["sessions", "cellulite"]);
    }

    #[test]
    fn a_kind_of_side_effect_asked_about_alone_asks_about_side_effects() {
        // The lexicon's broader words for "swelling" include "side effects": nothing else
        // is asked.
        assert_eq!(
            analyze("do peels cause swelling").intents,
            [Intent::SideEffects]
        );
        // What is asked comes from the question's own words when it has any.
        assert_eq!(
            analyze("how long does the swelling last").intents.first(),
            Some(&Intent::Duration)
        );
    }

    #[test]
    fn a_follow_up_is_recognised() {
        assert!(analyze("and for hair loss?").continues);
        assert!(analyze("what about cellulite").continues);
        assert!(!analyze("what is cellulite").continues);
    }

    #[test]
    fn unknown_words_weigh_more_than_common_ones() {
        let analysis = analyze("tattoo sessions");
        assert!(analysis.concepts[0].weight > analysis.concepts[1].weight);
    }

    /// `question` read with only `lexicon` and an empty corpus.
    fn with_lexicon(lexicon: &str, question: &str) -> Analysis {
        let lexicon = Lexicon::parse(lexicon).unwrap();
        let speller = Speller::new(Default::default(), lexicon.words());
        let analyzer = Analyzer {
            vocabulary: Vocabulary::built_in(),
            lexicon: &lexicon,
            speller: &speller,
            frequencies: &Fixed(HashMap::new()),
        };
        analyzer.analyze(&crate::text::words(question))
    }

    #[test]
    fn shorthand_reads_as_if_written_out() {
        let read = analyze("whats the downtime for u after peels");
        assert_eq!(read.intents, vec![Intent::Duration]);
        assert!(read.words.iter().any(|w| w == "you"), "{:?}", read.words);
        assert_eq!(analyze("whats a peel").intents, vec![Intent::Definition]);
    }

    #[test]
    fn a_cue_said_another_way_still_says_what_is_asked() {
        let read = with_lexicon(
            r#"
            [[synonyms]]
            terms = ["side effects", "side affects"]
        "#,
            "peel side affects",
        );
        assert_eq!(read.intents, vec![Intent::SideEffects]);
    }

    #[test]
    fn a_number_or_an_everyday_word_of_a_phrase_does_not_stand_for_it() {
        let lexicon = r#"
            [[synonyms]]
            terms = ["type 2 diabetes", "diabetic"]
            [[synonyms]]
            terms = ["cheek fillers", "cheek augmentation"]
        "#;
        let forms = |question: &str| -> Vec<String> {
            let read = with_lexicon(lexicon, question);
            read.concepts[0]
                .forms
                .iter()
                .map(|f| f.stems.join(" "))
                .collect()
        };
        let diabetes = forms("type 2 diabetes");
        assert!(diabetes.contains(&"diabet".to_string()), "{diabetes:?}");
        assert!(!diabetes.contains(&"type".to_string()), "{diabetes:?}");
        assert!(!diabetes.contains(&"2".to_string()), "{diabetes:?}");
        let cheeks = forms("cheek fillers");
        assert!(cheeks.contains(&"cheek".to_string()), "{cheeks:?}");
    }

    #[test]
    fn an_effect_described_after_a_treatment_asks_if_it_is_normal_not_what_to_do() {
        let read = analyze("face is swollen and bruised after microneedling yesterday");
        assert!(
            read.intents.contains(&Intent::SideEffects),
            "{:?}",
            read.intents
        );
        assert!(
            !read.intents.contains(&Intent::Aftercare),
            "{:?}",
            read.intents
        );
        let read = analyze("swelling after microneedling, when will it go down");
        assert!(
            read.intents.contains(&Intent::Duration),
            "{:?}",
            read.intents
        );
        // Without an effect described, "after" still asks about aftercare.
        assert_eq!(
            analyze("what to do after microneedling").intents,
            vec![Intent::Aftercare]
        );
    }
}
