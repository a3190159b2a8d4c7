//! The clinic's own facts (`clinic.toml` in the corpus folder): hours, where it is, parking,
//! booking and "do you do X?" answered from them, with a "Clinic details" page to link to;
//! its contact details used unless a setting overrides them; a mistyped file refused.

use clinic_chat::config::Config;
use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::app::{SHIPPED, corpus_of, spawn_app, spawn_with};

const DETAILS: &str = "tests/fixtures/clinic-details/clinic.toml";
const LASER: &str = "tests/fixtures/more/laser-hair-removal.md";

fn answer(reply: &serde_json::Value) -> &str {
    reply["answer"].as_str().unwrap_or_default()
}

fn first_source(reply: &serde_json::Value) -> (&str, &str) {
    let source = &reply["sources"][0];
    (
        source["title"].as_str().unwrap_or_default(),
        source["url"].as_str().unwrap_or_default(),
    )
}

#[tokio::test]
async fn hours_location_parking_and_booking_are_answered_from_the_clinics_facts() {
    let app = spawn_app(&[SHIPPED, LASER, DETAILS]).await;

    let saturday = app.ask("are you open on saturdays?").await;
    assert_eq!(saturday["kind"], "answer", "{saturday}");
    assert!(answer(&saturday).contains("10:00-14:00"), "{saturday}");
    assert_eq!(first_source(&saturday), ("Clinic details", "/clinic#hours"));

    // Today is the clinic's day, in its own time zone.
    let today = app.ask("what time do you close today").await;
    let weekday = Timestamp::now()
        .to_zoned(TimeZone::get("Europe/London").unwrap())
        .strftime("%A")
        .to_string();
    assert!(
        answer(&today).contains(&format!("Today ({weekday})")),
        "{today}"
    );

    let both = app.ask("where are you? and is there parking").await;
    assert!(answer(&both).contains("4 Canal Street"), "{both}");
    assert!(answer(&both).contains("car park"), "{both}");

    let booking = app.ask("how do i book?").await;
    assert!(
        answer(&booking).contains("https://maple.example/book"),
        "{booking}"
    );

    // A question about a treatment is still the articles', even with a word of the clinic's.
    let treatment = app
        .ask("how many laser hair removal sessions would someone need")
        .await;
    assert_ne!(first_source(&treatment).0, "Clinic details", "{treatment}");

    // The page the sources link to shows each fact at its anchor.
    let page = app.get("/clinic").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"id="hours""#) && html.contains("Saturday: 10:00-14:00"));
    assert!(html.contains(r#"id="parking""#) && html.contains(r#"id="treatments""#));
}

#[tokio::test]
async fn do_you_do_a_treatment_is_yes_from_the_clinics_list_or_the_list_itself() {
    let app = spawn_app(&[SHIPPED, DETAILS]).await;
    let offered = app.ask("do you do mesotherapy?").await;
    assert_eq!(offered["kind"], "answer", "{offered}");
    assert!(answer(&offered).starts_with("Yes"), "{offered}");

    let not_listed = app.ask("do you do lip fillers?").await;
    assert!(answer(&not_listed).contains("lip fillers"), "{not_listed}");
    assert!(
        answer(&not_listed).contains("mesotherapy, laser hair removal, chemical peels"),
        "{not_listed}"
    );
    assert!(!answer(&not_listed).starts_with("Yes"), "{not_listed}");
}

#[tokio::test]
async fn the_files_contact_details_are_used_unless_a_setting_says_otherwise() {
    let app = spawn_app(&[SHIPPED, DETAILS]).await;
    let fallback = app.ask("do you sell gift vouchers").await;
    assert!(answer(&fallback).contains("+44 161 496 0123"), "{fallback}");
    assert!(answer(&fallback).contains("Maple Skin Rooms"), "{fallback}");

    let overridden = spawn_with(&[SHIPPED, DETAILS], |config| {
        config.clinic_phone = "+44 161 496 0999".to_string();
    })
    .await;
    let fallback = overridden.ask("do you sell gift vouchers").await;
    assert!(answer(&fallback).contains("+44 161 496 0999"), "{fallback}");
}

#[tokio::test]
async fn without_the_file_the_clinics_hours_fall_back_and_there_is_no_details_page() {
    let app = spawn_app(&[SHIPPED]).await;
    let hours = app.ask("are you open on saturdays?").await;
    assert_eq!(hours["kind"], "fallback", "{hours}");
    assert_eq!(app.get("/clinic").await.status(), 404);
}

#[test]
fn a_mistyped_file_stops_the_service_with_the_line_to_fix() {
    let dir = corpus_of(&[SHIPPED]);
    std::fs::write(
        dir.path().join("corpus/clinic.toml"),
        "[hours]\nmon = \"9 till 6\"\n",
    )
    .unwrap();
    let config = Config::for_paths(dir.path().join("corpus"), dir.path().join("index"));
    let err = clinic_chat::load(&config).err().expect("refused");
    assert!(err.to_string().contains("HH:MM-HH:MM"), "{err}");
    assert!(err.to_string().contains("clinic.toml"), "{err}");
}
