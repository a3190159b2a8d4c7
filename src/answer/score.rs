//! The scoring model of sentence choice: how well each sentence of a retrieved passage answers
//! the question. Its weights are named in [`MODEL`], each with why. A passage is read once
//! ([`PassageScore::new`]: how much of the question it, its heading and its title hold, and
//! what a concept counts near a sentence that lacks it), then each of its sentences is scored
//! ([`PassageScore::sentence`]) from its own stems and evidence. The question's stems are bits
//! of one [`QueryStems`], so presence is mask arithmetic, not lookups.

use super::analysis::{Analysis, Concept};
use super::intent::Intent;
use super::passages::{Analysed, Interner, Sentence, Stems};

/// The weights of sentence choice, named in one place.
pub struct Model {
    /// Share of the question's topics a passage must hold, else the articles do not say.
    pub min_coverage: f32,
    /// The same within the articles the treatment named decided: the article holds the
    /// treatment, so a passage holding the question's other specifics is enough.
    pub min_coverage_within: f32,
    /// A concept found only in the article's title counts this much of being in the passage:
    /// the title names the treatment, not the fact.
    pub title_presence: f32,
    /// Within the articles the treatment decided, a concept found elsewhere in the passage's
    /// section counts this much: a list item or a paragraph shares its section's subject
    /// ("Most professional tattoos need 6-10 sessions" under a section that speaks of ink).
    pub section_presence: f32,
    /// What a concept in the passage's heading counts near a sentence that lacks it: the
    /// heading says what the section is about.
    pub floor_heading: f32,
    /// The same for a concept elsewhere in the passage: its sentences share a subject.
    pub floor_passage: f32,
    /// The same for a concept in the title only.
    pub floor_title: f32,
    /// The same for the treatment that decided the articles: all their sentences are about
    /// it, and one that names it is a little more so.
    pub floor_scoped: f32,
    /// Weight of the question's concepts found at the sentence: what it is about comes first.
    pub near: f32,
    /// Weight of the evidence that the sentence answers what is asked (a count, a duration).
    pub evidence: f32,
    /// Bonus for a section whose heading names the intent ("How to prepare").
    pub heading_cue: f32,
    /// Evidence an item of a list under such a heading has at least.
    pub listed: f32,
    /// Bonus for an article's introduction when the question asks what the treatment is or
    /// how it works: less than a section headed "What is …", which says so.
    pub introduces: f32,
    /// Weight of the share of the question's topics and context (the treatment that decided
    /// the articles apart) that the passage's heading holds: a heading that asks the visitor's question ("Will it
    /// make me break out?") heads its answer.
    pub heading_match: f32,
    /// Weight of the passage's search score, relative to the best retrieved: a tie-breaker.
    pub retrieval: f32,
    /// Bonus for a sentence that opens with the topic, when the question asks what it is.
    pub defines: f32,
    /// Penalty for a sentence that ends with ':' or '?': a lead-in or a heading, not a fact.
    pub lead_in: f32,
    /// Bonus for a paragraph's first sentence: where a paragraph states its point.
    pub lead: f32,
    /// Bonus for a statement about most people over one about a kind of case: among close
    /// sentences it is the answer for a visitor who names no kind.
    pub general: f32,
    /// Penalty for a sentence shorter than `short_words`: too little to answer alone.
    pub short: f32,
    pub short_words: usize,
    /// The first (most specific) intent's evidence counts fully, later ones this much.
    pub later_intent: f32,
    /// Part of a phrase found counts this share of its part: "cheeks" alone for "cheek
    /// fillers" is 0.6 x 1/2.
    pub partial_phrase: f32,
    /// Credit of a lexicon alternative found, against the visitor's own words' 1.
    pub alternative: f32,
    /// Credit of a broader word found ("areas" for "thighs").
    pub broad: f32,
}

pub const MODEL: Model = Model {
    min_coverage: 0.7,
    min_coverage_within: 0.4,
    title_presence: 0.8,
    section_presence: 0.8,
    floor_heading: 0.5,
    floor_passage: 0.45,
    floor_title: 0.35,
    floor_scoped: 0.8,
    near: 2.0,
    evidence: 1.2,
    heading_cue: 0.6,
    listed: 0.5,
    introduces: 0.3,
    heading_match: 0.8,
    retrieval: 0.3,
    defines: 0.5,
    lead_in: 0.6,
    lead: 0.15,
    general: 0.1,
    short: 0.3,
    short_words: 5,
    later_intent: 0.5,
    partial_phrase: 0.6,
    alternative: 0.85,
    broad: 0.7,
};

/// One sentence, scored.
pub struct Scored {
    pub candidate: usize,
    pub sentence: usize,
    pub score: f32,
    /// Share of the question's weight the passage holds (of its topics, once
    /// [`Scored::judge_coverage`] ran).
    pub coverage: f32,
    /// Topic weight the passage holds, its title included.
    pub topic: f32,
    /// Topic weight found in the passage or its heading, not just the article's title.
    pub local: f32,
    pub evidence: f32,
    /// Share of the question's weight found at the sentence (its floors counted).
    pub near: f32,
    /// The passage's heading asks what the question asks: it holds all of the question's
    /// topics and names one of its intents, or is a question ("Is it available on the NHS?").
    pub headed: bool,
}

impl Scored {
    /// What the question is about must be there; what it asks is judged by evidence.
    pub fn judge_coverage(&mut self, topics: f32) {
        self.coverage = if topics > 0.0 {
            self.topic / topics
        } else {
            self.coverage.max(self.evidence)
        };
    }
}

/// The question's weight in all, and its topics' part of it.
#[derive(Clone, Copy)]
pub struct Weights {
    pub total: f32,
    pub topics: f32,
    /// Share of the topics a passage must hold.
    pub coverage: f32,
}

impl Weights {
    pub fn of(analysis: &Analysis) -> Weights {
        Weights {
            total: analysis.concepts.iter().map(|c| c.weight).sum(),
            // The treatment that decided the articles is in all of them: what else the
            // question is about decides whether a passage answers.
            topics: analysis
                .topics()
                .filter(|c| !c.scoped)
                .map(|c| c.weight)
                .sum(),
            coverage: if analysis.within_articles {
                MODEL.min_coverage_within
            } else {
                MODEL.min_coverage
            },
        }
    }
}

/// The question's stems (as [`QueryStems`] bits) in a passage's heading, title and text.
#[derive(Clone, Copy)]
pub struct Found {
    pub heading: u128,
    pub title: u128,
    pub whole: u128,
}

impl Found {
    /// `title`: the question's stems in the article's title, which all its passages share.
    pub fn of(query: &QueryStems, passage: &Analysed, title: u128) -> Found {
        Found {
            heading: query.found_in(&passage.heading),
            title,
            whole: query.found_in(&passage.whole),
        }
    }
}

/// Per-concept figures of the passage being scored, kept from one passage to the next so that
/// scoring a passage allocates nothing.
#[derive(Default)]
pub struct Scratch {
    /// Each concept's presence in the heading, title and whole passage.
    around: Vec<[f32; 3]>,
    /// What a concept counts near a sentence that lacks it.
    floors: Vec<f32>,
}

/// What one passage holds of the question, read once for all of its sentences.
pub struct PassageScore<'a> {
    analysis: &'a Analysis,
    query: &'a QueryStems,
    weights: Weights,
    passage: &'a Analysed,
    floors: &'a [f32],
    /// The passage's search score over the best retrieved one's.
    retrieval: f32,
    heading_cue: bool,
    /// The heading is a question ("Is it available on the NHS?").
    heading_asks: bool,
    /// The heading, or the article's title, holds every topic of the question (the scoped
    /// treatment apart), and the heading one at least.
    topics_headed: bool,
    introduces: bool,
    /// Share of the question's weight, its scoped treatment apart, that the heading holds.
    heading_match: f32,
    /// The visitor describes an effect of their own.
    describes_effect: bool,
    /// Which broader words count in running text: see [`rules_for_classes`].
    classes: Broad,
    anywhere: f32,
    topic: f32,
    local: f32,
}

impl<'a> PassageScore<'a> {
    /// Reads the passage; `None` when it lacks what the question is about (none of its
    /// sentences could be chosen).
    /// `section`: the question's stems found anywhere in the passage's section, when the
    /// articles are read whole (else 0).
    pub fn new(
        analysis: &'a Analysis,
        query: &'a QueryStems,
        weights: Weights,
        (passage, found, section): (&'a Analysed, Found, u128),
        retrieval: f32,
        scratch: &'a mut Scratch,
    ) -> Option<PassageScore<'a>> {
        let m = &MODEL;
        let intro = passage.passage.is_introduction();
        let heading_cue = analysis
            .intents
            .iter()
            .any(|i| passage.heading_cues[i.index()]);
        let introduces = intro
            && matches!(
                analysis.primary_intent(),
                Some(Intent::Definition | Intent::HowItWorks)
            );
        let heading_found = found.heading;
        let (heading, title, whole) = (found.heading, found.title, found.whole);
        // A concept counts at most its weight wherever it is found: when the topics found
        // anywhere around the passage cannot cover enough of the question, nothing here can
        // (most passages of an article read whole, for a question about one of its sections).
        let reachable: f32 = query
            .any
            .iter()
            .zip(&analysis.concepts)
            .filter(|(any, c)| {
                c.is_topic() && !c.scoped && **any & (heading | title | whole | section) != 0
            })
            .map(|(_, c)| c.weight)
            .sum();
        if weights.topics > 0.0 && reachable / weights.topics < weights.coverage {
            return None;
        }
        let classes = if rules_for_classes(&analysis.intents) {
            Broad::Classes
        } else {
            Broad::Not
        };
        let around = &mut scratch.around;
        around.clear();
        // A treatment that decided the articles holds for every sentence of them.
        around.extend(
            query
                .concepts
                .iter()
                .zip(&analysis.concepts)
                .zip(&query.any)
                .map(|((forms, c), any)| {
                    if c.scoped {
                        [1.0; 3]
                    } else if any & (heading | title | whole) == 0 {
                        // None of its stems here: nothing to weigh (most concepts, most
                        // passages).
                        [0.0; 3]
                    } else {
                        [
                            presence(forms, heading, Broad::Any),
                            presence(forms, title, Broad::Any),
                            presence(forms, whole, classes),
                        ]
                    }
                }),
        );
        // A sentence's stems are some of the passage's, so a sentence never holds a concept
        // more than the whole passage does: these are the same for all of its sentences.
        let (mut anywhere, mut topic, mut local) = (0.0, 0.0, 0.0);
        let (mut headed, mut unscoped) = (0.0, 0.0);
        let (mut topics_headed, mut any_topic) = (true, false);
        let held = |forms: &[FormMask], any: u128, found: u128, broad: Broad| {
            if any & found == 0 {
                0.0
            } else {
                presence(forms, found, broad)
            }
        };
        for (((concept, forms), [heading, title, whole]), any) in analysis
            .concepts
            .iter()
            .zip(&query.concepts)
            .zip(around.iter())
            .zip(&query.any)
        {
            let any = *any;
            // What is asked counts as the heading's intent; an introduction's heading is the
            // article's title, which names the treatment, not the question.
            if !concept.scoped && !concept.cue && !intro {
                // Broader words ("skin concern" for "acne") name too much to match a heading.
                let in_heading = held(forms, any, heading_found, Broad::Not);
                headed += concept.weight * in_heading;
                unscoped += concept.weight;
                // The article's title heads each of its sections too, but one of the topics
                // must be the section's own.
                let titled = held(forms, any, found.title, Broad::Not);
                topics_headed &= !concept.is_topic() || in_heading.max(titled) > 0.0;
                any_topic |= concept.is_topic() && in_heading > 0.0;
            }
            let in_passage = heading.max(*whole);
            let in_section = if concept.scoped {
                0.0
            } else {
                held(forms, any, section, classes)
            };
            let somewhere = in_passage
                .max(m.title_presence * title)
                .max(m.section_presence * in_section);
            anywhere += concept.weight * somewhere;
            if concept.is_topic() && !concept.scoped {
                topic += concept.weight * somewhere;
                local += concept.weight * in_passage;
            }
        }
        if weights.topics > 0.0 && topic / weights.topics < weights.coverage {
            return None;
        }
        let floors = &mut scratch.floors;
        floors.clear();
        floors.extend(around.iter().zip(&analysis.concepts).map(|(presence, c)| {
            let [heading, title, whole] = presence;
            if c.scoped {
                m.floor_scoped
            } else {
                // What is asked, in the heading ("Side effects: what is normal?"), is what
                // each of the section's sentences answers.
                let floor_heading = if c.cue { 1.0 } else { m.floor_heading };
                (floor_heading * heading)
                    .max(m.floor_passage * whole)
                    .max(m.floor_title * title)
            }
        }));
        Some(PassageScore {
            analysis,
            query,
            weights,
            passage,
            floors: &scratch.floors,
            retrieval,
            heading_cue,
            heading_asks: passage.heading_asks,
            topics_headed: topics_headed && any_topic,
            introduces,
            heading_match: if unscoped > 0.0 {
                headed / unscoped
            } else {
                0.0
            },
            describes_effect: analysis.concepts.iter().any(|c| c.effect),
            classes,
            anywhere,
            topic,
            local,
        })
    }

    /// Scores the passage's sentence `i`, of candidate `candidate`.
    pub fn sentence(&self, candidate: usize, i: usize) -> Scored {
        let m = &MODEL;
        let (analysis, query) = (self.analysis, self.query);
        let sentence = &self.passage.sentences[i];
        let here_set = query.found_in(&sentence.stems);
        let mut near = 0.0;
        let mut effect_named = false;
        for (((concept, forms), any), floor) in analysis
            .concepts
            .iter()
            .zip(&query.concepts)
            .zip(&query.any)
            .zip(self.floors)
        {
            let here = if here_set & any == 0 {
                0.0
            } else {
                presence(forms, here_set, self.classes)
            };
            effect_named |= concept.effect && here > 0.0;
            near += concept.weight * here.max(*floor);
        }
        let reassures = sentence.reassures || self.passage.heading_reassures;
        let effect = match (self.describes_effect, effect_named, reassures) {
            (false, ..) => Effect::NotAsked,
            (true, false, _) => Effect::Unnamed,
            (true, true, false) => Effect::Named,
            (true, true, true) => Effect::Reassured,
        };
        let mut evidence = evidence(analysis, sentence, effect);
        // An item of a list headed by what is asked ("Who should not have it?") answers it,
        // though items are fragments that seldom repeat the heading's words.
        if self.heading_cue && self.passage.passage.item {
            // Asked what to do, the items of an "Aftercare" list are what to do.
            let listed = if analysis.asks_what_to_do {
                1.0
            } else {
                MODEL.listed
            };
            evidence = evidence.max(listed);
        }
        // "What is microneedling?" is best answered by a sentence about it, not one that
        // mentions it in passing.
        let defines = matches!(
            analysis.primary_intent(),
            Some(Intent::Definition | Intent::HowItWorks)
        ) && sentence
            .first
            .is_some_and(|first| query.subjects.contains(&first));
        let mut penalty = if defines { -m.defines } else { 0.0 };
        if sentence.text.ends_with(':') || sentence.text.ends_with('?') {
            penalty += m.lead_in;
        }
        if sentence.words < m.short_words {
            penalty += m.short;
        }
        if i == 0 {
            penalty -= m.lead;
        }
        if sentence.general {
            penalty -= m.general;
        }
        let total = self.weights.total;
        let score = m.near * near / total
            + m.evidence * evidence
            + if self.heading_cue { m.heading_cue } else { 0.0 }
            + m.heading_match * self.heading_match
            + if self.introduces { m.introduces } else { 0.0 }
            + m.retrieval * self.retrieval
            - penalty;
        Scored {
            candidate,
            sentence: i,
            score,
            coverage: self.anywhere / total,
            topic: self.topic,
            local: self.local,
            evidence,
            near: near / total,
            headed: self.topics_headed && (self.heading_cue || self.heading_asks),
        }
    }
}

/// The question's distinct stems, numbered, so a set of them is one `u128` and a form's
/// presence in a sentence is a mask test instead of lookups per form.
pub struct QueryStems {
    /// By stem number (from the passages' interner), one more than the stem's bit; 0 for a
    /// stem the question lacks. As long as the question's highest number, past which no stem is
    /// the question's.
    bits: Vec<u8>,
    /// Per concept, its forms as masks.
    concepts: Vec<Vec<FormMask>>,
    /// Per concept, the bits of all its forms: a set without any of them holds none.
    any: Vec<u128>,
    /// First stems of the topics: a sentence opening with one is about the topic.
    subjects: Vec<u32>,
}

#[derive(Debug, Clone, Copy)]
struct FormMask {
    mask: u128,
    /// The stems of it that say something alone (the concept's parts): only they count
    /// towards part of a phrase found. The "type" and "1" of "type 1 diabetes" do not.
    content: u128,
    len: u32,
    /// How much a full match counts: the visitor's words 1, an alternative less, a broader
    /// word least.
    credit: f32,
    /// A broader word ("body" for "thighs"): it says what a section is about in its heading
    /// or title, but in running text it is too loose ("medical" for "accutane").
    broad: bool,
}

impl QueryStems {
    pub fn new(concepts: &[Concept], interner: &Interner) -> QueryStems {
        let mut ids: Vec<u32> = Vec::new();
        let masks: Vec<Vec<FormMask>> = concepts
            .iter()
            .map(|concept| form_masks(concept, interner, &mut ids))
            .collect();
        let subjects = concepts
            .iter()
            .filter(|c| c.is_topic())
            .filter_map(|c| c.forms[0].stems.first())
            .filter_map(|stem| interner.id(stem))
            .collect();
        let mut bits = vec![0u8; ids.iter().max().map_or(0, |&id| id as usize + 1)];
        for (bit, &id) in ids.iter().enumerate() {
            bits[id as usize] = bit as u8 + 1;
        }
        let any = masks
            .iter()
            .map(|forms| forms.iter().fold(0, |all, f| all | f.mask))
            .collect();
        QueryStems {
            bits,
            any,
            concepts: masks,
            subjects,
        }
    }

    /// The bits of the question's stems that `set` holds: a lookup per stem of the set.
    pub fn found_in(&self, set: &Stems) -> u128 {
        let mut mask = 0u128;
        for &id in set.ids() {
            // The ids ascend: none past the question's highest is the question's.
            let Some(&bit) = self.bits.get(id as usize) else {
                break;
            };
            if bit != 0 {
                mask |= 1 << (bit - 1);
            }
        }
        mask
    }
}

/// A concept's ways of saying it as masks over the question's stems, numbering new stems in
/// `ids` (at most 128: past that the rest cannot be told apart).
fn form_masks(concept: &Concept, interner: &Interner, ids: &mut Vec<u32>) -> Vec<FormMask> {
    let mut forms = Vec::with_capacity(concept.forms.len());
    // Ways of saying it that no passage uses cannot be found in one either.
    for form in concept
        .forms
        .iter()
        .filter(|f| f.original || f.doc_freq > 0)
    {
        let mut mask = 0u128;
        for stem in form.stems.iter() {
            // A stem no analysed passage holds gets no bit: it is never present.
            let Some(id) = interner.id(stem) else {
                continue;
            };
            let bit = match ids.iter().position(|known| *known == id) {
                Some(bit) => bit,
                None if ids.len() < 128 => {
                    ids.push(id);
                    ids.len() - 1
                }
                None => continue,
            };
            mask |= 1 << bit;
        }
        if mask != 0 {
            let credit = match (form.original, form.broad) {
                (true, _) => 1.0,
                (false, false) => MODEL.alternative,
                (false, true) => MODEL.broad,
            };
            forms.push(FormMask {
                mask,
                content: mask,
                len: form.stems.len() as u32,
                credit,
                broad: form.broad,
            });
        }
    }
    // A phrase's content stems are those the concept also has as a form of one word.
    let singles = forms
        .iter()
        .filter(|f| f.len == 1)
        .fold(0u128, |all, f| all | f.mask);
    for form in forms.iter_mut().filter(|f| f.len > 1) {
        form.content = form.mask & singles;
    }
    forms
}

/// Whether a sentence names the effect the visitor describes, and says it is expected (or its
/// heading does).
#[derive(Clone, Copy)]
enum Effect {
    /// The visitor describes no effect of their own.
    NotAsked,
    Unnamed,
    Named,
    Reassured,
}

/// Whether a rule stated for a class answers the question about one of its members: asked
/// whether they may have a treatment, or how to prepare, given their own case ("I take aspirin",
/// "I'm breastfeeding"), the visitor is answered by what the article says of the class
/// ("blood thinners", "pregnant or nursing"). Elsewhere a broader word in running text is too
/// loose to stand for theirs.
fn rules_for_classes(intents: &[Intent]) -> bool {
    intents
        .iter()
        .any(|i| matches!(i, Intent::Suitability | Intent::Preparation))
}

/// How well a sentence answers what is asked: the first (most specific) intent counts most.
/// A sentence naming the effect the visitor describes speaks to whether it is normal; clearly
/// when it also says the effect is expected or passes.
/// "Avoid direct sun for 2 weeks" says what to do for a time: it answers how long the visitor
/// must do something, and only vaguely how long recovery takes.
fn evidence(analysis: &Analysis, sentence: &Sentence, effect: Effect) -> f32 {
    let (mut sum, mut weights) = (0.0, 0.0);
    for (rank, intent) in analysis.intents.iter().enumerate() {
        let weight = if rank == 0 { 1.0 } else { MODEL.later_intent };
        let mut found = sentence.evidence[intent.index()];
        if *intent == Intent::Duration && sentence.instructs && !analysis.asks_what_to_do {
            found = found.min(0.5);
        }
        // "do I need to do anything after?" is answered by what the article tells them to do.
        if matches!(intent, Intent::Aftercare | Intent::Preparation)
            && sentence.instructs
            && analysis.asks_what_to_do
        {
            found = 1.0;
        }
        // Asked whether their own effect is normal, a sentence about other effects says less.
        if *intent == Intent::SideEffects {
            found = match effect {
                Effect::NotAsked => found,
                Effect::Unnamed => found * 0.5,
                Effect::Named => 0.5,
                Effect::Reassured => 1.0,
            };
        }
        sum += weight * found;
        weights += weight;
    }
    if weights > 0.0 { sum / weights } else { 0.0 }
}

/// 1 when the visitor's own words are in the set, a little less for an alternative; part of a
/// phrase counts for part. Broader words count only in a `label` (a heading or title).
/// Which of a concept's broader words count where it is looked for.
#[derive(Clone, Copy, PartialEq)]
enum Broad {
    /// A heading or title says what a section is about: a broader word names it too.
    Any,
    /// A class's rule in running text holds for its members ("pregnant or nursing" for
    /// "breastfeeding"), when the class is named in more than one word: one word
    /// ("medication") is as loose as any broader word, and its stem is shared ("medical").
    Classes,
    /// Elsewhere a broader word in running text is too loose to stand for the visitor's.
    Not,
}

fn presence(forms: &[FormMask], found: u128, broad: Broad) -> f32 {
    forms
        .iter()
        .filter(|f| match broad {
            _ if !f.broad => true,
            Broad::Any => true,
            Broad::Classes => f.len > 1,
            Broad::Not => false,
        })
        .map(|f| {
            let hits = (f.mask & found).count_ones();
            let share = match hits {
                0 => 0.0,
                n if n == f.len => 1.0,
                _ => {
                    let content = (f.content & found).count_ones();
                    MODEL.partial_phrase * content as f32 / f.len as f32
                }
            };
            // A class's rule holds for its members as a synonym's would.
            let credit = if f.broad && broad == Broad::Classes {
                f.credit.max(MODEL.alternative)
            } else {
                f.credit
            };
            share * credit
        })
        .fold(0.0, f32::max)
}
