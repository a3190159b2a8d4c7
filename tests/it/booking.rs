//! Booking where it helps (issue 19): an answer about a treatment carries the clinic's booking
//! link, which the widget shows as a button; small talk, urgent advice and an answer about an
//! effect the visitor feels after treatment do not. A fallback keeps its contact details.

use crate::app::{SHIPPED, spawn_with};

const BOOKING: &str = "https://bloomskin.co.uk/book";

#[tokio::test]
async fn an_answer_about_a_treatment_offers_the_clinics_booking_link() {
    let app = spawn_with(&[SHIPPED], |c| c.booking_url = BOOKING.into()).await;
    let reply = app.ask("How many sessions do I need for hair loss?").await;
    assert_eq!(reply["kind"], "answer", "{reply}");
    assert_eq!(reply["booking_url"], BOOKING, "{reply}");
}

#[tokio::test]
async fn small_talk_urgent_advice_and_aftercare_offer_no_booking() {
    let app = spawn_with(&[SHIPPED], |c| c.booking_url = BOOKING.into()).await;
    for (message, kind) in [
        ("hello", "smalltalk"),
        ("thank you", "smalltalk"),
        (
            "had mesotherapy an hour ago and now my tongue is swelling",
            "urgent",
        ),
        (
            "I have some swelling and bruising after mesotherapy, is that normal?",
            "answer",
        ),
    ] {
        let reply = app.ask(message).await;
        assert_eq!(reply["kind"], kind, "{message}: {reply}");
        assert!(reply.get("booking_url").is_none(), "{message}: {reply}");
    }
}

#[tokio::test]
async fn a_fallback_still_carries_the_contact_details_with_the_booking_link() {
    let app = spawn_with(&[SHIPPED], |c| c.booking_url = BOOKING.into()).await;
    let reply = app.ask("how much does it cost?").await;
    assert_eq!(reply["kind"], "fallback", "{reply}");
    assert_eq!(reply["contact"]["booking_url"], BOOKING, "{reply}");
}

#[tokio::test]
async fn a_clinic_without_a_booking_page_gets_no_empty_button() {
    let app = spawn_with(&[SHIPPED], |c| c.booking_url = " ".into()).await;
    let reply = app.ask("How many sessions do I need for hair loss?").await;
    assert_eq!(reply["kind"], "answer", "{reply}");
    assert!(reply.get("booking_url").is_none(), "{reply}");
}
