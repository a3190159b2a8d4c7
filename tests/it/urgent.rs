//! Warning signs after treatment: the table-driven reading of worried messages (emergency,
//! same day, expected, denied, asked about in general, buried in chatter, misspelt, about
//! someone else), properties that hold for any chatter, and the urgent reply as the widget,
//! staff and a clinic's own signs file see it over a real server.

use clinic_chat::answer::{Severity, Signs};
use proptest::prelude::*;
use serde_json::Value;

use crate::app::{SHIPPED, answer_text, corpus_of, spawn_app, spawn_with};

/// What a message should get: E emergency, S same day, X expected effect, N nothing.
const E: Option<Severity> = Some(Severity::Emergency);
const S: Option<Severity> = Some(Severity::SameDay);
const X: Option<Severity> = Some(Severity::Expected);
const N: Option<Severity> = None;

const TABLE: &[(&str, Option<Severity>)] = &[
    // Emergencies, said plainly.
    ("I can't breathe properly since the injections", E),
    ("struggling to breathe after my filler", E),
    ("really short of breath and wheezing", E),
    ("my throat feels tight and swollen", E),
    ("my tongue is swelling up", E),
    ("my lips have started swelling after the cheek filler", E),
    ("having a hard time swallowing since this morning", E),
    ("sudden chest pain after the vein injections", E),
    ("my chest feels really tight", E),
    ("I think I'm having an allergic reaction", E),
    ("severe allergic reaction to the treatment", E),
    ("I think this is anaphylaxis", E),
    ("I fainted on the way home", E),
    ("passed out in the bathroom just now", E),
    ("my eyesight has gone blurry in my right eye", E),
    ("blurred vision since the tear trough filler", E),
    ("I've lost vision in my left eye", E),
    ("I can't see properly out of one eye", E),
    ("dark spots in my vision after the nose filler", E),
    ("I'm seeing double since this afternoon", E),
    ("the left side of my face is numb and weak", E),
    ("my smile is drooping on one side", E),
    ("my speech is slurred", E),
    ("my arm feels weak and I can't lift it", E),
    ("had a seizure after the appointment", E),
    // Emergencies about someone else.
    ("my wife can't breathe properly after her lip treatment", E),
    ("my daughter collapsed after her skin booster", E),
    ("her tongue and throat are swelling, what do we do", E),
    (
        "my friend says she can't see out of her eye after filler",
        E,
    ),
    ("my mum's face has dropped on one side", E),
    ("my husband's words are coming out jumbled", E),
    ("his lips are swelling and he is wheezing", E),
    // Emergencies misspelt.
    ("cant breth after my booster", E),
    ("my throt is swolen", E),
    ("my tounge is swelling", E),
    ("vison is blury in one eye", E),
    (
        "my lipps are swollllen and tight, no lip filler, I had my cheeks done",
        E,
    ),
    ("i colapsed at home", E),
    ("alergic reaction i think, face tingling", E),
    ("struggling to swalow", E),
    // Emergencies with no treatment named.
    ("can't breathe", E),
    ("chest pain", E),
    ("blurry vision in one eye", E),
    ("throat closing up", E),
    // Emergencies understated.
    ("probably nothing, but my vision is a tiny bit blurry", E),
    (
        "sorry to bother you, slightly short of breath since the session",
        E,
    ),
    ("not a big deal but my throat feels a bit tight", E),
    // Same day, said plainly.
    ("there is pus coming out of one of the injection points", S),
    ("I have a fever since the treatment", S),
    ("feeling shivery and feverish today", S),
    ("the redness is spreading down my neck", S),
    ("the swelling is getting worse every day", S),
    ("the pain is unbearable", S),
    ("severe pain in my cheek", S),
    ("the pain keeps getting worse", S),
    ("the skin where the filler went in has gone grey", S),
    ("a patch near my nose is white and really painful", S),
    ("the skin on my chin looks mottled", S),
    ("dusky patch on my cheek since the booster", S),
    (
        "my calf is swollen, hot and sore after the vein treatment",
        S,
    ),
    ("the back of my knee is swollen and painful", S),
    ("the area is hot to touch and swollen", S),
    ("the blisters are spreading and weeping", S),
    ("big blisters after fat freezing", S),
    ("it won't stop bleeding", S),
    ("heavy bleeding from the injection site", S),
    ("my face is bleeding and very swollen", S),
    ("I've come out in hives all over", S),
    ("my heart is racing and pounding", S),
    ("I feel faint and dizzy", S),
    ("red streaks going up my arm", S),
    ("I think the area is infected", S),
    ("it looks infected", S),
    ("I'm having a reaction to the treatment", S),
    ("the skin is turning black and breaking down", S),
    ("my eye hurts since the filler", S),
    // Same day buried in chatter.
    (
        "Hello! Loved my visit on Friday, your receptionist was so kind and the coffee was great. \
         I wanted to ask about parking next time too. Anyway since yesterday there's yellow pus \
         coming from one spot and I feel a bit rough. Thanks so much, speak soon",
        S,
    ),
    (
        "Hi, I have a question about my next booking, I was thinking of bringing my sister \
         along, she is curious about peels. Also the redness from Tuesday is spreading towards \
         my ear, is that ok? Let me know about the booking, thanks",
        S,
    ),
    // Emergencies buried in chatter.
    (
        "Morning! First time having treatment at your clinic, everything was lovely and the nurse \
         explained it all really well. I went for lunch afterwards with a friend and we talked \
         for ages about holidays and work and the new cafe on the corner. On the way home though \
         my throat started to feel tight and now I'm wheezing a bit. Should I ring you tomorrow?",
        E,
    ),
    (
        "So I had the cheeks done with the filler and honestly I love the shape already, my \
         partner noticed straight away, and my mum wants to book too. Only thing is that \
         everything in my left eye has gone blurry over the last half hour. Anyway can you tell \
         me how long it lasts?",
        E,
    ),
    // Expected effects: answered from the articles.
    ("a bit of bruising on my cheek after the injections", X),
    ("some redness after my session this morning", X),
    ("my face is a little swollen the day after", X),
    ("the area is tender to touch", X),
    ("small bumps where the needle went in", X),
    ("the treated skin is really itchy", X),
    ("my tattoo turned white straight after the laser session", X),
    ("the pigment spots look darker after the light treatment", X),
    ("my skin is flaking after the peel", X),
    (
        "the treated area on my tummy feels numb a week after coolsculpting",
        X,
    ),
    (
        "a dull ache in the treated area a few days after fat freezing, a bit worse in the evening",
        X,
    ),
    ("small blisters on the tattoo after laser", X),
    ("a bit of swelling under my eyes after the booster", X),
    ("bruised and achy after sclerotherapy", X),
    ("my lips are really swollen after lip filler yesterday", S),
    ("my lips are a little swollen after my lip filler", X),
    ("the skin looks a bit pink and warm tonight", X),
    ("scabs are forming where the tattoo was lasered", X),
    ("is it normal to bruise after injections?", X),
    ("will I have redness afterwards?", N),
    // Denied signs: not a sign.
    ("no fever, just a bit of bruising", X),
    (
        "I'm not struggling to breathe, my lips just feel a bit tender",
        X,
    ),
    ("some swelling but without any pus", X),
    ("there's no pus and it isn't spreading, just a bit red", X),
    (
        "I don't have any chest pain, only a sore arm from the drip",
        X,
    ),
    (
        "my vision is fine, no blurring at all, but there's a small bruise",
        X,
    ),
    ("not dizzy or faint, just tired", N),
    (
        "no swelling of my lips or throat, only some redness on the cheeks",
        X,
    ),
    ("I have not fainted, I only feel tired", N),
    ("no blisters and no bleeding", N),
    ("the bleeding has stopped and there's no pus", N),
    // Doubt is not denial.
    ("not sure if it matters but my throat feels tight", E),
    ("no idea why but my tongue is swelling", E),
    // General questions about signs: for the articles.
    ("what are the risks, can it cause blindness?", N),
    ("can fillers cause an allergic reaction?", N),
    ("is there a risk of infection after microneedling?", N),
    ("what are the signs of an infection after treatment?", N),
    ("how common is blurred vision after filler?", N),
    ("could mesotherapy ever cause a fever?", N),
    (
        "what happens if the skin goes white during the treatment?",
        N,
    ),
    ("what should I do if my lips swell?", N),
    ("can the laser cause blisters?", N),
    (
        "I had an allergic reaction to a filler years ago, can I still have boosters?",
        N,
    ),
    ("do fillers carry a risk of stroke or vision loss?", N),
    ("what are the side effects of skin boosters?", N),
    // Questions that are reports: escalate.
    (
        "is it normal that I can't breathe properly after the treatment?",
        E,
    ),
    ("is it normal to have blurred vision after filler?", E),
    (
        "should I be worried that my calf is hot, swollen and painful?",
        S,
    ),
    ("could it be an infection, there's pus and it's hot", S),
    // Ordinary questions: nothing.
    ("how many sessions will I need?", N),
    ("how much does mesotherapy cost?", N),
    ("can I have a hot bath after the treatment?", N),
    ("do you have parking nearby?", N),
    ("I can't see any difference yet after two sessions", N),
    ("can fillers help with sagging cheeks?", N),
    ("my face is drooping with age, would a thread lift help?", N),
    ("is mesotherapy good for grey hair?", N),
    ("huge thanks to the team, I love the results", N),
    (
        "what is the best treatment for dark spots around my eyes?",
        N,
    ),
    ("can I book in for next Tuesday?", N),
    ("what should I wear to the appointment?", N),
    ("is there any downtime after a hydrafacial?", N),
    ("I'm nervous about needles, do you use numbing cream?", N),
    ("thank you so much", N),
    ("hello", N),
    ("how long do the results of skin boosters last?", N),
    ("can I exercise after fat freezing?", N),
    ("my cheek has gone grey and it hurts", S),
    ("a slight bruise on my thigh, no pain", X),
    (
        "no redness, no swelling, no fever, just asking about my next session",
        N,
    ),
    ("my son has a swollen tongue after his treatment", E),
    ("feels like my throat is closing", E),
    ("the injection sites are oozing", S),
];

#[test]
fn every_message_in_the_table_gets_the_severity_a_clinician_would_give() {
    assert!(TABLE.len() >= 150, "{} messages", TABLE.len());
    let signs = Signs::built_in();
    let wrong: Vec<String> = TABLE
        .iter()
        .filter_map(|&(message, want)| {
            let got = signs.assess(message);
            let severity = got.map(|s| s.severity);
            (severity != want).then(|| {
                let sign = got.map_or("none", |s| s.id.as_str());
                format!("{message:?}: want {want:?}, got {severity:?} ({sign})")
            })
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// Emergency signs in plain words, for the properties below.
const EMERGENCIES: &[&str] = &[
    "my throat is swelling",
    "I can't breathe",
    "my vision is blurry",
    "chest pain",
    "my tongue is swollen",
    "I collapsed",
];

/// Sign words a person can deny, each as the denial would say it.
const DENIED: &[&str] = &[
    "no fever",
    "not struggling to breathe",
    "without any pus",
    "no swelling of my lips",
    "no chest pain",
    "not dizzy",
    "no blurred vision",
    "no spreading redness",
];

/// Chatter that carries no sign.
const CHATTER: &[&str] = &[
    "Hi there",
    "I had my appointment on Monday",
    "the nurse was lovely",
    "I have a wedding next month",
    "my sister wants to come too",
    "the parking was easy",
    "I paid by card",
    "thanks for your help",
    "is there a discount for a course",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn a_denied_sign_never_escalates(
        denied in proptest::sample::select(DENIED),
        before in proptest::sample::subsequence(CHATTER, 0..3),
        after in proptest::sample::subsequence(CHATTER, 0..3),
    ) {
        let message = format!("{}. {denied}. {}.", before.join(". "), after.join(". "));
        let severity = Signs::built_in().assess(&message).map(|s| s.severity);
        prop_assert!(
            !severity.is_some_and(Severity::is_urgent),
            "{message:?} escalated to {severity:?}"
        );
    }

    #[test]
    fn chatter_around_an_emergency_never_hides_it(
        sign in proptest::sample::select(EMERGENCIES),
        before in proptest::sample::subsequence(CHATTER, 0..6),
        after in proptest::sample::subsequence(CHATTER, 0..6),
        separator in proptest::sample::select(&[". ", ", ", " and ", "! ", "\n"][..]),
    ) {
        let mut parts: Vec<&str> = before.clone();
        parts.push(sign);
        parts.extend(&after);
        let message = parts.join(separator);
        let severity = Signs::built_in().assess(&message).map(|s| s.severity);
        prop_assert_eq!(severity, Some(Severity::Emergency), "{:?}", message);
    }
}

#[tokio::test]
async fn an_emergency_gets_the_emergency_number_first_and_no_article_text() {
    let app = spawn_app(&[SHIPPED]).await;
    let reply = app
        .ask("had mesotherapy an hour ago and now my tongue is swelling")
        .await;
    assert_eq!(reply["kind"], "urgent", "{reply}");
    assert_eq!(reply["severity"], "emergency", "{reply}");
    assert_eq!(reply["emergency_phone"], "999", "{reply}");
    let text = answer_text(&reply);
    assert!(text.starts_with("please call emergency"), "{text}");
    assert!(text.contains("not a diagnosis"), "{text}");
    assert!(reply["sources"].as_array().unwrap().is_empty());
    assert!(reply["suggestions"].as_array().unwrap().is_empty());
    assert!(reply["contact"]["phone"].is_string(), "{reply}");
}

#[tokio::test]
async fn a_same_day_sign_sends_the_visitor_to_the_clinic_first() {
    let app = spawn_app(&[SHIPPED]).await;
    let reply = app
        .ask("three days after mesotherapy there is pus and I feel feverish")
        .await;
    assert_eq!(reply["kind"], "urgent", "{reply}");
    assert_eq!(reply["severity"], "same_day", "{reply}");
    let text = answer_text(&reply);
    let clinic = reply["contact"]["name"].as_str().unwrap().to_lowercase();
    assert!(
        text.starts_with(&format!("please call {clinic} now")),
        "{text}"
    );
    assert!(text.contains("emergency"), "{text}");
    assert!(reply["sources"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn an_expected_effect_is_answered_from_the_article_with_a_reason_to_call() {
    let app = spawn_app(&[SHIPPED]).await;
    let reply = app
        .ask("I have some swelling and bruising after mesotherapy, is that normal?")
        .await;
    assert_eq!(reply["kind"], "answer", "{reply}");
    assert!(reply.get("severity").is_none(), "{reply}");
    let text = answer_text(&reply);
    assert!(text.contains("bruis"), "{text}");
    assert!(text.contains("call us if"), "{text}");
    assert!(!reply["sources"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn staff_see_urgent_messages_first_with_their_severity_and_counts() {
    let app = spawn_app(&[SHIPPED]).await;
    app.ask("my throat is closing up, call me on 07700 900123")
        .await;
    app.ask("the redness is spreading and hot").await;
    app.ask("how many sessions will I need?").await;
    let mut report = Value::Null;
    for _ in 0..50 {
        report = app
            .get("/api/staff/report?days=1")
            .await
            .json()
            .await
            .unwrap();
        if report["questions"] == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(report["urgent_by_severity"]["emergency"], 1, "{report}");
    assert_eq!(report["urgent_by_severity"]["same_day"], 1, "{report}");
    let listed = report["urgent"].as_array().unwrap();
    assert_eq!(listed.len(), 2, "{report}");
    assert!(
        !listed
            .iter()
            .any(|u| u["question"].to_string().contains("07700"))
    );
    let page = app.get("/staff?days=1").await.text().await.unwrap();
    let urgent_at = page.find("Urgent messages").expect("an urgent section");
    let kinds_at = page.find("Answers by kind").unwrap();
    assert!(urgent_at < kinds_at, "urgent messages come first");
    assert!(page.contains("the redness is spreading and hot"));
    assert!(page.contains("same_day") && page.contains("emergency"));
}

#[tokio::test]
async fn a_clinic_can_add_a_sign_in_its_corpus_folder() {
    let app = spawn_with(&[SHIPPED], |config| {
        std::fs::write(
            config.corpus.join("signs.toml"),
            "[words]\nhaematoma = [\"haematoma\", \"hematoma\"]\n\n[[sign]]\nid = \"haematoma\"\nseverity = \"same_day\"\nnear = [\"haematoma\"]\nsource = \"clinic protocol\"\n",
        )
        .unwrap();
    })
    .await;
    let reply = app.ask("I think I have a haematoma on my cheek").await;
    assert_eq!(reply["kind"], "urgent", "{reply}");
    assert_eq!(reply["severity"], "same_day", "{reply}");
    // The built-in emergency signs still hold.
    let reply = app.ask("I can't breathe").await;
    assert_eq!(reply["severity"], "emergency", "{reply}");
}

#[test]
fn a_bad_clinic_signs_file_stops_the_service_naming_file_and_line() {
    let dir = corpus_of(&[SHIPPED]);
    let corpus = dir.path().join("corpus");
    std::fs::write(
        corpus.join("signs.toml"),
        "[[sign]]\nid = \"x\"\nseverity = \"urgent-ish\"\nnear = [\"fever\"]\nsource = \"s\"\n",
    )
    .unwrap();
    let config = clinic_chat::config::Config::for_paths(corpus.clone(), dir.path().join("index"));
    let err = clinic_chat::load(&config).err().expect("the load fails");
    let message = format!("{err:#}");
    assert!(message.contains("signs.toml"), "{message}");
    assert!(message.contains("line 3"), "{message}");
}

#[test]
fn ask_on_the_command_line_puts_the_action_first() {
    let dir = corpus_of(&[SHIPPED]);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_clinic-chat"))
        .args(["ask", "my lips and tongue are swelling"])
        .env("CLINIC_CHAT_CORPUS", dir.path().join("corpus"))
        .env("CLINIC_CHAT_INDEX", dir.path().join("index"))
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{out}");
    assert!(out.starts_with("URGENT (emergency)"), "{out}");
    assert!(out.contains("Emergency: 999"), "{out}");
    assert!(!out.contains("Source:"), "{out}");
}
