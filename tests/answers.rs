//! Answer quality in our own words: intents, paraphrases, typos, follow-ups, several topics,
//! knowing when not to answer, and several articles that must never be mixed up. Asked of the
//! answering engine itself, over a real index on disk: the HTTP contract has its own tests.

use std::path::Path;
use std::sync::Arc;

use clinic_chat::answer::{Answerer, Question};
use clinic_chat::config::Config;
use clinic_chat::record::ConversationId;
use serde_json::Value;

const SHIPPED: &str = "corpus/mesotherapy-for-flawless-skin.txt";
const FIXTURES: [&str; 3] = [
    "tests/fixtures/clinic/microneedling-for-acne-scars.md",
    "tests/fixtures/clinic/chemical-peels-explained.html",
    "tests/fixtures/clinic/dermal-fillers-guide.txt",
];

/// The answering engine over a corpus of the given files, in a folder of its own.
struct Engine {
    answerer: Arc<Answerer>,
    _dir: tempfile::TempDir,
}

async fn engine(files: &[&str]) -> Engine {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    for file in files {
        let from = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        std::fs::copy(&from, corpus.join(from.file_name().unwrap())).unwrap();
    }
    let config = Config::for_paths(corpus, dir.path().join("index"));
    let (answerer, _) = clinic_chat::load(&config).unwrap();
    Engine {
        answerer,
        _dir: dir,
    }
}

impl Engine {
    /// The reply to one message, as the chat endpoint's JSON would carry it.
    async fn ask(&self, message: &str) -> Value {
        self.reply(message, None)
    }

    /// Asks a series of messages in one conversation; returns the last reply.
    async fn conversation(&self, messages: &[&str]) -> Value {
        let mut id: Option<ConversationId> = None;
        let mut last = Value::Null;
        for message in messages {
            last = self.reply(message, id.take());
            id = last["conversation_id"].as_str().map(|c| c.parse().unwrap());
        }
        last
    }

    fn reply(&self, message: &str, conversation: Option<ConversationId>) -> Value {
        let question = Question::parse(message).unwrap();
        serde_json::to_value(self.answerer.answer(&question, conversation)).unwrap()
    }
}

fn answer_text(reply: &Value) -> String {
    reply["answer"]
        .as_str()
        .unwrap_or_default()
        .to_lowercase()
        .replace(['–', '—'], "-")
}

fn sections(reply: &Value) -> Vec<String> {
    reply["sources"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| s["section"].as_str().unwrap_or_default().to_lowercase())
        .collect()
}

/// (question, kind, facts that must all be in the answer, section that must be among the sources)
type Case = (
    &'static str,
    &'static str,
    &'static [&'static str],
    Option<&'static str>,
);

async fn check(app: &Engine, cases: &[Case]) {
    let mut failures = Vec::new();
    for (question, kind, facts, section) in cases {
        let reply = app.ask(question).await;
        let text = answer_text(&reply);
        let mut problems = Vec::new();
        if reply["kind"] != *kind {
            problems.push(format!("kind {}", reply["kind"]));
        }
        for fact in *facts {
            if !text.contains(&fact.to_lowercase()) {
                problems.push(format!("lacks {fact:?}"));
            }
        }
        let in_sources =
            |section: &str| sections(&reply).iter().take(3).any(|s| s.contains(section));
        if let Some(section) = section.filter(|s| !in_sources(s)) {
            problems.push(format!("section {section:?} not in {:?}", sections(&reply)));
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{question:?}: {} — answer {:?}",
                problems.join("; "),
                reply["answer"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn the_shipped_article_answers_visitors_in_their_own_words() {
    let app = engine(&[SHIPPED]).await;
    check(
        &app,
        &[
            (
                "how many treatments would my cellulite take",
                "answer",
                &["4-6"],
                Some("cellulite"),
            ),
            (
                "number of sessions needed for thinning hair",
                "answer",
                &["6-8"],
                Some("hair loss"),
            ),
            (
                "how often are the cellulite sessions spaced",
                "answer",
                &["2-4 weeks"],
                Some("cellulite"),
            ),
            (
                "is there any recovery period?",
                "answer",
                &["downtime"],
                None,
            ),
            ("will I be sore afterwards?", "answer", &[], None),
            ("is it painful", "answer", &["pain"], None),
            (
                "could it cause any reactions or complications",
                "answer",
                &[],
                None,
            ),
            (
                "what do I need to do before my appointment",
                "answer",
                &[],
                Some("prepare"),
            ),
            (
                "what aftercare should I follow",
                "answer",
                &[],
                Some("after"),
            ),
            (
                "explain mesotherapy to me",
                "answer",
                &["mesoderm"],
                Some("what is mesotherapy"),
            ),
            (
                "does it work on balding",
                "answer",
                &["hair loss"],
                Some("hair loss"),
            ),
            (
                "how many sessions do i need for my thighs",
                "answer",
                &["4-6"],
                Some("cellulite"),
            ),
            (
                "which body parts can you treat for cellulite",
                "answer",
                &["thighs"],
                None,
            ),
            (
                "tips to prepare for mesotherapy",
                "answer",
                &[],
                Some("prepare"),
            ),
            (
                "does mesotherapy help hair grow back",
                "answer",
                &["hair"],
                Some("hair loss"),
            ),
            (
                "mesotherapy side affects",
                "answer",
                &[],
                Some("side effects"),
            ),
            (
                "is mesotherapy safe for expecting mothers?",
                "answer",
                &[],
                Some("candidate"),
            ),
            (
                "can it help with melasma",
                "answer",
                &[],
                Some("hyperpigmentation"),
            ),
            (
                "is mesotherapy better than fillers",
                "answer",
                &[],
                Some("differences"),
            ),
            (
                "can cellulite on my tummy be treated",
                "answer",
                &[],
                Some("cellulite"),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn typos_and_joined_words_still_find_the_answer() {
    let app = engine(&[SHIPPED]).await;
    check(
        &app,
        &[
            ("how many sessoins for hairloss", "answer", &["6-8"], None),
            ("is mesoterapy painfull", "answer", &["pain"], None),
            (
                "pigmentaton treatment downtime",
                "answer",
                &["downtime"],
                None,
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_question_for_every_topic_answers_one_line_per_topic() {
    let app = engine(&[SHIPPED]).await;
    let reply = app.ask("How many treatments does it take?").await;
    let text = answer_text(&reply);
    assert!(text.contains("4-6") && text.contains("6-8"), "{text}");
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with('•')).collect();
    assert!(lines.len() >= 2, "{text}");
    for line in lines {
        assert!(
            !(line.contains("4-6") && line.contains("6-8")),
            "facts of two treatments mixed: {line}"
        );
    }
    assert!(reply["sources"].as_array().unwrap().len() >= 2);
    let suggestions = reply["suggestions"].to_string().to_lowercase();
    assert!(
        suggestions.contains("cellulite") && suggestions.contains("hair"),
        "{suggestions}"
    );
}

#[tokio::test]
async fn follow_ups_borrow_the_topic_or_the_question_from_the_turn_before() {
    let app = engine(&[SHIPPED]).await;
    let reply = app
        .conversation(&["How many sessions for cellulite?", "what about hair loss?"])
        .await;
    assert!(answer_text(&reply).contains("6-8"), "{reply}");
    let reply = app
        .conversation(&[
            "Is mesotherapy good for balding?",
            "how many treatments then?",
        ])
        .await;
    assert!(answer_text(&reply).contains("6-8"), "{reply}");
    let alone = app.ask("what about hair loss?").await;
    assert!(
        !answer_text(&alone).contains("4-6"),
        "no context without a conversation: {alone}"
    );
}

#[tokio::test]
async fn what_the_articles_do_not_say_falls_back_to_contact_details() {
    let app = engine(&[SHIPPED]).await;
    for question in [
        "how much is a session?",
        "are you open on sundays",
        "do you offer liposuction",
        "qwxz vbnm plkj",
    ] {
        let reply = app.ask(question).await;
        assert_eq!(reply["kind"], "fallback", "{question}: {reply}");
        assert!(
            reply["answer"]
                .as_str()
                .unwrap()
                .contains("hello@clinic.example")
        );
        assert!(reply["contact"]["booking_url"].is_string());
        assert!(reply["sources"].as_array().unwrap().is_empty());
    }
}

#[tokio::test]
async fn worrying_reactions_are_urgent_and_normal_side_effects_are_answered() {
    let app = engine(&[SHIPPED]).await;
    for message in [
        "my throat feels like it is swelling since the injections",
        "I had treatment yesterday and now I have a fever",
        "the skin on my thigh is turning grey after mesotherapy",
        "I have severe pain that keeps getting worse",
    ] {
        let reply = app.ask(message).await;
        assert_eq!(reply["kind"], "urgent", "{message}: {reply}");
        let text = answer_text(&reply);
        assert!(
            text.contains("emergency") && text.contains("call"),
            "{text}"
        );
        assert!(
            reply["sources"].as_array().unwrap().is_empty(),
            "no marketing text in urgent replies"
        );
    }
    let reply = app.ask("is some swelling normal after treatment?").await;
    assert_eq!(reply["kind"], "answer", "{reply}");
    assert!(answer_text(&reply).contains("swelling"));
}

#[tokio::test]
async fn greetings_and_thanks_get_small_talk_with_suggestions() {
    let app = engine(&[SHIPPED]).await;
    for message in ["Hi there", "thanks so much!", "good morning"] {
        let reply = app.ask(message).await;
        assert_eq!(reply["kind"], "smalltalk", "{message}: {reply}");
        assert!(reply["suggestions"].as_array().unwrap().len() >= 2);
    }
}

#[tokio::test]
async fn with_several_articles_answers_never_mix_up_treatments() {
    let app = engine(&[SHIPPED, FIXTURES[0], FIXTURES[1], FIXTURES[2]]).await;
    check(
        &app,
        &[
            (
                "How many microneedling sessions will I need for acne scars?",
                "answer",
                &["3-5"],
                None,
            ),
            (
                "how far apart are microneedling sessions",
                "answer",
                &["4-6 weeks"],
                None,
            ),
            (
                "what is the downtime after microneedling",
                "answer",
                &["24-48 hours"],
                None,
            ),
            (
                "how many superficial peels do I need",
                "answer",
                &["4-6 peels"],
                None,
            ),
            (
                "what is the downtime after a medium-depth peel",
                "answer",
                &["5-7 days"],
                None,
            ),
            (
                "how long do lip fillers last",
                "answer",
                &["6-12 months"],
                None,
            ),
            (
                "can fillers be dissolved",
                "answer",
                &["hyaluronidase"],
                None,
            ),
            ("does a chemical peel sting", "answer", &["sting"], None),
            (
                "How many sessions do I need for cellulite?",
                "answer",
                &["4-6"],
                Some("cellulite"),
            ),
            (
                "How many treatments are needed for hair loss?",
                "answer",
                &["6-8"],
                Some("hair loss"),
            ),
            (
                "What are the risks of mesotherapy?",
                "answer",
                &["infection"],
                None,
            ),
        ],
    )
    .await;
    let reply = app
        .ask("how many microneedling sessions for acne scars")
        .await;
    let text = answer_text(&reply);
    assert!(
        !text.contains("6-8") && !text.contains("hair"),
        "mesotherapy facts in a microneedling answer: {text}"
    );
}

#[tokio::test]
async fn each_article_answers_in_its_own_words_when_several_are_loaded() {
    let app = engine(&[SHIPPED, FIXTURES[0], FIXTURES[1], FIXTURES[2]]).await;
    check(
        &app,
        &[
            (
                "what should I avoid before a chemical peel",
                "answer",
                &["retinol"],
                None,
            ),
            (
                "what does microneedling feel like",
                "answer",
                &["light scratching"],
                None,
            ),
            (
                "can I exercise after microneedling",
                "answer",
                &["gym"],
                None,
            ),
            (
                "what are dermal fillers",
                "answer",
                &["soft, clear gels"],
                None,
            ),
            (
                "what is a chemical peel",
                "answer",
                &["solution of acids"],
                None,
            ),
            (
                "how long do cheek fillers last",
                "answer",
                &["18 months"],
                None,
            ),
            (
                "is a peel safe when pregnant?",
                "answer",
                &["pregnant"],
                Some("preparing for your peel"),
            ),
            (
                "aftercare after microneedling",
                "answer",
                &["spf 50"],
                Some("aftercare"),
            ),
            (
                "what's the recovery like after a chemical peel",
                "answer",
                &["5-7 days"],
                None,
            ),
            (
                "who shouldn't get mesotherapy",
                "answer",
                &["pregnant or nursing"],
                Some("candidate"),
            ),
            (
                "what vitamins are injected",
                "answer",
                &["vitamins"],
                Some("what is mesotherapy"),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_follow_up_about_another_treatment_keeps_the_question() {
    let app = engine(&[SHIPPED, FIXTURES[0], FIXTURES[1], FIXTURES[2]]).await;
    let reply = app
        .conversation(&["How long do lip fillers last?", "and in the cheeks?"])
        .await;
    assert!(answer_text(&reply).contains("18 months"), "{reply}");
    let reply = app
        .conversation(&["does microneedling hurt?", "and chemical peels?"])
        .await;
    assert!(answer_text(&reply).contains("sting"), "{reply}");
}

#[tokio::test]
async fn heat_and_swelling_reported_after_treatment_is_urgent_but_a_question_about_a_hot_bath_is_not()
 {
    let app = engine(&[SHIPPED]).await;
    let reply = app
        .ask("my face is really swollen and hot since the treatment yesterday")
        .await;
    assert_eq!(reply["kind"], "urgent", "{reply}");
    let reply = app.ask("can I have a hot bath after mesotherapy?").await;
    assert_ne!(reply["kind"], "urgent", "{reply}");
}

// --- Real visitors: messages as people write them, over pages as clinics publish them ----

/// Three articles on one treatment (a guide copied from a page, an aftercare post saved as
/// HTML with a table, a Markdown post for men), each with page furniture, and one on another
/// treatment that names fillers in passing.
const VISITOR_FIXTURES: [&str; 4] = [
    "tests/fixtures/visitors/anti-wrinkle-injections-guide.txt",
    "tests/fixtures/visitors/anti-wrinkle-aftercare.html",
    "tests/fixtures/visitors/anti-wrinkle-injections-for-men.md",
    "tests/fixtures/visitors/chemical-peels-strengths.md",
];

/// The slugs of the articles a reply quotes.
fn slugs(reply: &Value) -> Vec<String> {
    reply["sources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["url"].as_str())
        .map(|u| u.split('#').next().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn chatter_and_life_story_around_a_question_do_not_block_the_answer() {
    let app = engine(&VISITOR_FIXTURES).await;
    check(
        &app,
        &[
            (
                "how long does botox last lol, had it for my wedding last yr",
                "answer",
                &["3-4 months"],
                None,
            ),
            (
                "do anti wrinkle injections hurt?? im such a baby about needles tbh",
                "answer",
                &["pinch"],
                None,
            ),
            (
                "how long does botox last? had my last one 4 months ago",
                "answer",
                &["3-4 months"],
                None,
            ),
            (
                "my sister swears by them but when will i see results from botox",
                "answer",
                &["3-5 days"],
                None,
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_treatment_no_article_is_about_falls_back_even_when_one_mentions_it() {
    let app = engine(&VISITOR_FIXTURES).await;
    for message in [
        "how long do lip fillers last?",
        "do you do laser hair removal on legs",
        "thinking about a tummy tuck, is recovery long?",
    ] {
        let reply = app.ask(message).await;
        assert_eq!(reply["kind"], "fallback", "{message}: {reply}");
    }
}

#[tokio::test]
async fn the_treatment_named_decides_which_articles_answer() {
    let app = engine(&VISITOR_FIXTURES).await;
    let peel = app.ask("whats the downtime after a medium peel").await;
    assert!(answer_text(&peel).contains("5-7 days"), "{peel}");
    assert!(
        slugs(&peel).iter().all(|s| s.contains("chemical-peels")),
        "{peel}"
    );
    let injections = app
        .ask("what should i avoid after my anti-wrinkle injections")
        .await;
    assert!(
        slugs(&injections)
            .iter()
            .all(|s| s.contains("anti-wrinkle")),
        "not the peel's aftercare: {injections}"
    );
    // A follow-up that names no treatment keeps the conversation's.
    let reply = app
        .conversation(&["does botox hurt?", "and what should i avoid afterwards?"])
        .await;
    assert!(
        slugs(&reply).iter().all(|s| s.contains("anti-wrinkle")),
        "{reply}"
    );
}

#[tokio::test]
async fn each_how_long_question_gets_its_own_fact() {
    let app = engine(&VISITOR_FIXTURES).await;
    check(
        &app,
        &[
            (
                "how long does a botox appointment take",
                "answer",
                &["15 minutes"],
                None,
            ),
            (
                "how long will my botox last",
                "answer",
                &["3-4 months"],
                None,
            ),
            ("how soon does botox kick in", "answer", &["3-5 days"], None),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_section_that_never_names_the_question_answers_it_and_so_does_a_heading_asking_it() {
    let app = engine(&VISITOR_FIXTURES).await;
    check(
        &app,
        &[
            // The section names neither a peel nor an appointment: the time it takes does.
            (
                "how long is a chemical peel appointment",
                "answer",
                &["40 minutes"],
                Some("what happens"),
            ),
            // Phone shorthand, and a heading that asks the visitor's question.
            (
                "whats the best season to get a peel done",
                "answer",
                &["Autumn and winter"],
                Some("season"),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn two_questions_in_one_message_get_a_line_each() {
    let app = engine(&VISITOR_FIXTURES).await;
    let reply = app.ask("does botox hurt and how long will it last").await;
    let text = answer_text(&reply);
    assert!(text.contains("pinch"), "{reply}");
    assert!(text.contains("3-4 months"), "{reply}");
    assert!(!text.contains("It depends"), "{reply}");
    assert_eq!(
        reply["sources"].as_array().map(Vec::len),
        Some(2),
        "{reply}"
    );
    let reply = app.ask("does botox hurt? how long will it last?").await;
    let text = answer_text(&reply);
    assert!(
        text.contains("pinch") && text.contains("3-4 months"),
        "{reply}"
    );
    // One question with two cue words ("how long do the side effects last") stays one.
    let reply = app.ask("how long does botox bruising last").await;
    assert_eq!(
        reply["sources"].as_array().map(Vec::len),
        Some(1),
        "{reply}"
    );
}

#[tokio::test]
async fn a_table_row_and_a_line_without_a_full_stop_are_facts_to_quote() {
    let app = engine(&VISITOR_FIXTURES).await;
    let reply = app.ask("how many units of botox for forehead lines?").await;
    assert!(answer_text(&reply).contains("10-15"), "{reply}");
    let reply = app.ask("how long do anti-wrinkle results last").await;
    assert!(answer_text(&reply).contains("3-4 months"), "{reply}");
    // The aftercare page's title, from its own header, without the site's name.
    let reply = app
        .ask("is swelling normal after anti-wrinkle injections")
        .await;
    let titles: Vec<&str> = reply["sources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["title"].as_str())
        .collect();
    assert!(
        titles.contains(&"Aftercare for Anti-Wrinkle Injections"),
        "{reply}"
    );
}

#[tokio::test]
async fn the_article_for_men_answers_men_and_the_guide_everyone_else() {
    let app = engine(&VISITOR_FIXTURES).await;
    let men = app
        .ask("how many units of botox do men need for frown lines")
        .await;
    assert!(answer_text(&men).contains("30 units"), "{men}");
    let everyone = app.ask("how many units for frown lines").await;
    assert!(answer_text(&everyone).contains("20"), "{everyone}");
    assert!(!answer_text(&everyone).contains("30 units"), "{everyone}");
}

#[tokio::test]
async fn pleasantries_and_requests_for_a_person_are_not_searched() {
    let app = engine(&VISITOR_FIXTURES).await;
    let thanks = app.ask("thanks so much, that's really helpful x").await;
    assert_eq!(thanks["kind"], "smalltalk", "{thanks}");
    // A request for a person is small talk that offers the clinic and a call back.
    let person = app.ask("can i speak to a real person please").await;
    assert_eq!(person["kind"], "smalltalk", "{person}");
    assert_eq!(person["callback"], true, "{person}");
    assert!(answer_text(&person).contains("call"), "{person}");
    let longer = app
        .ask("id rather talk to someone about my options than a bot if thats ok")
        .await;
    assert_eq!(longer["kind"], "smalltalk", "{longer}");
    assert_eq!(longer["callback"], true, "{longer}");
}

#[tokio::test]
async fn an_effect_described_after_treatment_is_answered_by_the_sentence_saying_it_is_normal() {
    let mut files = FIXTURES.to_vec();
    files.extend(VISITOR_FIXTURES);
    let app = engine(&files).await;
    check(
        &app,
        &[
            // Not the list of who may not be treated, though "should I" asks that elsewhere.
            (
                "my skin is flaking 3 days after microneedling, should i worry?",
                "answer",
                &["normal sign of renewal"],
                Some("downtime"),
            ),
            // Not the aftercare line that also names bruising.
            (
                "got a little bruise after my botox yesterday is that ok",
                "answer",
                &["up to a week"],
                None,
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn within_a_section_the_sentence_that_answers_is_chosen_over_its_neighbours() {
    let app = engine(&[
        "tests/fixtures/more/laser-hair-removal.md",
        FIXTURES[0],
        FIXTURES[1],
    ])
    .await;
    check(
        &app,
        &[
            // The statement for most people, not the list's items for kinds of hair.
            (
                "how many laser hair removal sessions would someone need",
                "answer",
                &["6-8 sessions"],
                Some("how many"),
            ),
            // How far apart is its own fact, not the count.
            (
                "how often do i come in for laser hair removal",
                "answer",
                &["every 4 weeks"],
                Some("how far apart"),
            ),
            // An occasion asks when to have it.
            (
                "my sisters wedding is in 3 weeks, is it too late for laser hair removal on my legs?",
                "answer",
                &["at least 4 weeks before"],
                Some("holiday"),
            ),
            // An item of a list headed by the question answers it without its words.
            (
                "i have epilepsy, am i ok to have laser hair removal?",
                "answer",
                &["epilepsy"],
                Some("who should not"),
            ),
            // A rule for a class holds for the visitor's own case within it.
            (
                "im breastfeeding at the moment, can i still have laser hair removal?",
                "answer",
                &["pregnant or nursing"],
                Some("who should not"),
            ),
            (
                "i take warfarin for my heart, would that be a problem for laser hair removal",
                "answer",
                &["blood thinners"],
                Some("who should not"),
            ),
            // A body area and nothing more asked: where it is used, the list whole. The
            // question is the sentence that asks, not the comparison around it.
            (
                "can you do laser hair removal on underarms? mine grow much faster compared to my legs",
                "answer",
                &["Underarms", "Bikini line"],
                Some("which areas"),
            ),
            // Recovery is not how long an instruction lasts; how long to keep to one is.
            (
                "whats the recovery like after laser hair removal",
                "answer",
                &["no downtime"],
                Some("aftercare"),
            ),
            (
                "how long do i have to avoid the gym after laser hair removal",
                "answer",
                &["48 hours"],
                Some("aftercare"),
            ),
            // An effect described with nothing asked asks whether it is normal.
            (
                "small red bumps where i had laser hair removal this morning",
                "answer",
                &["settle within a day or two"],
                Some("normal afterwards"),
            ),
            // The effect described, from the list of what is normal.
            (
                "had laser hair removal yesterday and theres little red bumps everywhere, normal?",
                "answer",
                &["settle within a day or two"],
                Some("normal afterwards"),
            ),
        ],
    )
    .await;
    // Two questions: two paragraphs, no section labels.
    let both = app
        .ask("how many sessions and how far apart for laser hair removal on my face")
        .await;
    let text = answer_text(&both);
    assert!(
        text.contains("6-8 sessions") && text.contains("every 4 weeks"),
        "{both}"
    );
    assert!(!text.contains('•'), "{both}");
}

#[tokio::test]
async fn a_table_answers_row_by_row_and_a_heading_that_asks_answers_in_its_own_words() {
    let app = engine(&[
        "tests/fixtures/more/pigmentation-laser.html",
        "tests/fixtures/more/laser-hair-removal.md",
    ])
    .await;
    // No kind of mark named: each row is a line, the row with nothing in the column left out.
    let reply = app
        .ask("how far apart do the pigment laser sessions need to be?")
        .await;
    let text = answer_text(&reply);
    assert!(
        text.contains("freckles and sun spots") && text.contains("3-4 weeks"),
        "{reply}"
    );
    assert!(!text.contains("birthmarks"), "{reply}");
    // One kind named: its row alone.
    let reply = app
        .ask("how many laser sessions would my melasma take")
        .await;
    let text = answer_text(&reply);
    assert!(
        text.contains("4-6") && !text.contains("freckles"),
        "{reply}"
    );
    // A condition the other article mentions in passing ("holds less pigment") is answered
    // by the article whose title names it.
    let reply = app.ask("how many sessions to clear pigmentation").await;
    let from = slugs(&reply);
    assert!(
        !from.is_empty() && from.iter().all(|u| u.ends_with("/pigmentation-laser")),
        "{reply}"
    );
    // What the visitor asks is a payment question, and the section headed by it answers
    // without naming a price.
    let reply = app
        .ask("would health insurance pay for the pigment laser?")
        .await;
    assert_eq!(reply["kind"], "answer", "{reply}");
    assert!(
        answer_text(&reply).contains("not usually covered"),
        "{reply}"
    );
    // Asked what to do afterwards, the aftercare list's item answers, not a sentence about
    // how the same thing feels.
    let reply = app
        .ask("is there anything i have to do after pigment laser, like with sun cream?")
        .await;
    assert!(answer_text(&reply).contains("spf 50"), "{reply}");
}

#[tokio::test]
async fn a_fact_line_without_a_full_stop_is_quoted_and_a_follow_up_keeps_the_treatment_by_any_name()
{
    let app = engine(&[SHIPPED, FIXTURES[2]]).await;
    let reply = app
        .ask("how long before my lip filler looks like its final shape")
        .await;
    assert!(answer_text(&reply).contains("4 weeks"), "{reply}");
    // "meso" is the article's "mesotherapy": the follow-up is about the same treatment.
    let reply = app
        .conversation(&["what should I do before meso?", "what about afterwards?"])
        .await;
    assert!(answer_text(&reply).contains("sun exposure"), "{reply}");
}

#[tokio::test]
async fn a_condition_only_the_story_around_the_question_names_need_not_be_covered() {
    let app = engine(&[SHIPPED]).await;
    // The question names hair; the pregnancy is when it began, not what the answer is about.
    let reply = app
        .ask("does mesotherapy work on thinning hair? it started when i was pregnant")
        .await;
    assert_eq!(reply["kind"], "answer", "{reply}");
    assert!(sections(&reply)[0].contains("hair loss"), "{reply}");
    // Asked alone, the condition is what the question is about.
    let reply = app.ask("can I have mesotherapy while pregnant?").await;
    assert!(answer_text(&reply).contains("pregnant"), "{reply}");
}
